"""The pose cache: computed once per (clip bytes, model, MediaPipe), then a hash and a read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import formcheck.pose
from formcheck.errors import UserError
from formcheck.landmarks import PoseFrame
from formcheck.pose import mediapipe_version
from formcheck.pose_cache import ENV_VAR, PoseCache, default_cache_dir
from formcheck.recording import RecordingWriter, read_recording


class FakeEstimator:
    """Stands in for the pose model: a person whose nose x is the frame time; counts its uses."""

    runs = 0
    fail_after: int | None = None

    def __init__(self, model: str = "full") -> None:
        FakeEstimator.runs += 1
        self.model_name = model
        self.model_sha256 = "f" * 64
        self._n = 0

    def __enter__(self) -> "FakeEstimator":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def process(self, frame) -> PoseFrame:  # noqa: ANN001
        self._n += 1
        if self.fail_after is not None and self._n > self.fail_after:
            raise KeyboardInterrupt
        lm = np.zeros((33, 5), np.float32)
        lm[0, 0] = frame.t
        return PoseFrame(t=frame.t, image_size=frame.size, landmarks=lm, world=lm)


@pytest.fixture()
def fake_model(monkeypatch: pytest.MonkeyPatch):
    FakeEstimator.runs = 0
    FakeEstimator.fail_after = None
    monkeypatch.setattr(formcheck.pose, "PoseEstimator", FakeEstimator)
    return FakeEstimator


def quiet(msg: str) -> None:
    pass


def test_miss_then_hit(tmp_path: Path, make_video, fake_model) -> None:
    clip = make_video("c.mp4", n_frames=12, size=(64, 48), fps=30)
    cache = PoseCache(tmp_path / "cache", log=quiet)
    rec = cache.landmarks(clip)
    assert (cache.hits, cache.misses, fake_model.runs) == (0, 1, 1)
    assert len(rec) == 12 and rec.meta["source_sha256"] and not rec.partial
    assert rec.meta["mediapipe_version"] == mediapipe_version()
    assert np.allclose(rec.landmarks[:, 0, 0], rec.t)
    again = cache.landmarks(clip)
    assert (cache.hits, cache.misses, fake_model.runs) == (1, 1, 1)
    assert again.path == rec.path and np.array_equal(again.t, rec.t)
    [entry] = (tmp_path / "cache").iterdir()
    assert entry.name.startswith(rec.meta["source_sha256"] + ".full-") and entry.name.endswith(".landmarks.npz")
    assert f".mp{mediapipe_version()}." in entry.name


def test_keyed_by_content_and_model(tmp_path: Path, make_video, fake_model) -> None:
    clip = make_video("c.mp4", n_frames=5, size=(64, 48))
    moved = tmp_path / "elsewhere" / "renamed.mp4"
    moved.parent.mkdir()
    moved.write_bytes(clip.read_bytes())
    cache = PoseCache(tmp_path / "cache", log=quiet)
    cache.landmarks(clip)
    cache.landmarks(moved)
    assert (cache.hits, cache.misses) == (1, 1)  # same bytes, other name: a hit
    lite = PoseCache(tmp_path / "cache", model="lite", log=quiet)
    lite.landmarks(clip)
    assert lite.misses == 1 and len(list((tmp_path / "cache").iterdir())) == 2


def test_corrupt_or_partial_entries_are_recomputed(tmp_path: Path, make_video, fake_model) -> None:
    clip = make_video("c.mp4", n_frames=5, size=(64, 48))
    logs: list[str] = []
    cache = PoseCache(tmp_path / "cache", log=logs.append)
    path = cache.landmarks(clip).path
    path.write_bytes(path.read_bytes()[:300])
    assert len(cache.landmarks(clip)) == 5 and cache.misses == 2
    assert any("recomputing" in m and "truncated" in m for m in logs)
    rec = read_recording(path)
    with RecordingWriter(path, meta=rec.meta) as w:  # a partial entry (as if interrupted)
        w.write(None, rec.pose(0), None)
        w.close(partial=True)
    assert len(cache.landmarks(clip)) == 5 and cache.misses == 3


def test_interrupted_pass_leaves_nothing_in_the_cache(tmp_path: Path, make_video, fake_model) -> None:
    clip = make_video("c.mp4", n_frames=10, size=(64, 48))
    fake_model.fail_after = 4
    cache = PoseCache(tmp_path / "cache", log=quiet)
    with pytest.raises(KeyboardInterrupt):
        cache.landmarks(clip)
    assert list((tmp_path / "cache").iterdir()) == []


def test_cache_folder_from_env_and_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env"
    assert PoseCache().root == tmp_path / "env"
    assert PoseCache(tmp_path / "arg").root == tmp_path / "arg"  # --cache-dir wins
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "formcheck" / "landmarks"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "formcheck" / "landmarks"


def test_unusable_cache_folder(tmp_path: Path, make_video, fake_model) -> None:
    clip = make_video("c.mp4", n_frames=3, size=(64, 48))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot create pose cache folder"):
        PoseCache(blocker / "cache", log=quiet).landmarks(clip)


def test_missing_clip_and_unknown_model(tmp_path: Path, fake_model) -> None:
    with pytest.raises(UserError, match="cannot read"):
        PoseCache(tmp_path, log=quiet).landmarks(tmp_path / "none.mp4")
    with pytest.raises(UserError):
        PoseCache(tmp_path, model="enormous", log=quiet).model_identity()


def test_with_the_real_model(tmp_path: Path, make_video) -> None:
    """The real PoseEstimator on a clip with nobody in it: every frame recorded as no person."""
    clip = make_video("c.mp4", n_frames=6, size=(96, 64))
    cache = PoseCache(tmp_path / "cache", log=quiet)
    rec = cache.landmarks(clip)
    assert len(rec) == 6 and rec.meta["detected_frames"] == 0
    assert rec.meta["model"]["name"] == "full" and len(rec.meta["model"]["sha256"]) == 64
    assert cache.entry_path(rec.meta["source_sha256"]).name.split(".")[1].endswith(rec.meta["model"]["sha256"][:12])
