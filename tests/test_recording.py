"""Landmark recordings: exact round trip, partial writes, and clear errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formcheck.errors import UserError
from formcheck.frames import SourceInfo
from formcheck.landmarks import PoseFrame
from formcheck.recording import FORMAT_VERSION, RecordingWriter, read_recording, write_arrays


def synthetic_poses(n: int, seed: int = 0, size: tuple[int, int] = (640, 360)) -> list[PoseFrame]:
    """A stream with people, gaps with nobody, and a frame with landmarks but no world."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t = i / 30.0 + float(rng.uniform(0, 1e-3))
        if i % 7 == 3:
            out.append(PoseFrame.empty(t, size))
            continue
        lm = rng.random((33, 5), dtype=np.float32)
        world = None if i % 11 == 5 else rng.standard_normal((33, 5)).astype(np.float32)
        out.append(PoseFrame(t=t, image_size=size, landmarks=lm, world=world))
    return out


def assert_same_pose(a: PoseFrame, b: PoseFrame) -> None:
    assert a.t == b.t and type(b.t) is float
    assert a.image_size == b.image_size
    for x, y in ((a.landmarks, b.landmarks), (a.world, b.world)):
        assert (x is None) == (y is None)
        if x is not None:
            assert y.dtype == np.float32
            assert x.tobytes() == y.tobytes()  # bit for bit


def write(path: Path, poses: list[PoseFrame], **kw) -> None:
    with RecordingWriter(path, **kw) as rec:
        for p in poses:
            rec.write(None, p, None)


def test_round_trip_is_bit_exact_with_metadata(tmp_path: Path) -> None:
    poses = synthetic_poses(50)
    info = SourceInfo(kind="file", name="clip.mp4", width=640, height=360, fps=30.0, duration=1.7,
                      frame_count=50, path=tmp_path / "clip.mp4")
    path = tmp_path / "s.landmarks.npz"
    write(path, poses, source=info, source_sha256="ab" * 32, model_name="full", model_sha256="cd" * 32,
          mediapipe_version="1.2.2")
    rec = read_recording(path)
    assert len(rec) == 50
    for a, b in zip(poses, rec.poses(), strict=True):
        assert_same_pose(a, b)
    m = rec.meta
    assert m["format_version"] == f"{FORMAT_VERSION[0]}.{FORMAT_VERSION[1]}"
    assert m["source"]["width"] == 640 and m["source_path"] == str(tmp_path / "clip.mp4")
    assert rec.source_sha256 == "ab" * 32 and rec.model_name == "full"
    assert m["model"]["sha256"] == "cd" * 32 and m["mediapipe_version"] == "1.2.2"
    assert m["frames"] == 50 and m["detected_frames"] == sum(p.detected for p in poses)
    assert m["partial"] is False and m["created"].endswith("+00:00")


@settings(max_examples=25, deadline=None)
@given(
    ts=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=0, max_size=8),
    values=st.floats(width=32, allow_nan=True, allow_infinity=True),
)
def test_round_trip_property(tmp_path_factory: pytest.TempPathFactory, ts: list[float], values: float) -> None:
    path = tmp_path_factory.mktemp("rt") / "p.landmarks.npz"
    lm = np.full((33, 5), values, dtype=np.float32)
    poses = [PoseFrame(t=t, image_size=(3, 4), landmarks=lm if i % 2 else None, world=lm)
             for i, t in enumerate(ts)]
    write(path, poses)
    got = list(read_recording(path).poses())
    assert len(got) == len(poses)
    for a, b in zip(poses, got):
        assert_same_pose(a, b)


def test_poses_do_not_share_memory(tmp_path: Path) -> None:
    path = tmp_path / "s.landmarks.npz"
    write(path, synthetic_poses(3))
    rec = read_recording(path)
    p = rec.pose(0)
    p.landmarks[0, 0] = 42.0  # an analyzer scribbling on its input must not change the recording
    assert rec.pose(0).landmarks[0, 0] != 42.0


def test_writer_keeps_a_copy(tmp_path: Path) -> None:
    path = tmp_path / "c.landmarks.npz"
    lm = np.zeros((33, 5), np.float32)
    with RecordingWriter(path) as w:
        w.write(None, PoseFrame(t=0.0, image_size=(2, 2), landmarks=lm, world=lm), None)
        lm[:] = 7.0  # the producer reuses its buffer
    assert read_recording(path).pose(0).landmarks.max() == 0.0


def test_a_long_session_keeps_its_landmarks_out_of_memory(tmp_path: Path) -> None:
    """A live session runs for as long as the person exercises: the writer holds a few bytes a
    frame, not the frame's landmark rows (1.3 KB), and the file still has every frame."""
    import tracemalloc

    pose = synthetic_poses(1)[0]
    n = 3000
    tracemalloc.start()
    try:
        with RecordingWriter(tmp_path / "long.landmarks.npz") as rec:
            start = tracemalloc.get_traced_memory()[0]
            for i in range(n):
                rec.write(None, PoseFrame(t=i / 30, image_size=pose.image_size, landmarks=pose.landmarks,
                                          world=pose.world), None)
            held = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert held < 64 * n, f"{held / n:.0f} bytes a frame kept in memory"
    back = read_recording(tmp_path / "long.landmarks.npz")
    assert back.meta["frames"] == n and np.array_equal(back.landmarks[-1], pose.landmarks.astype(np.float32))


def test_interrupted_session_writes_partial(tmp_path: Path) -> None:
    path = tmp_path / "s.landmarks.npz"
    poses = synthetic_poses(10)
    with pytest.raises(KeyboardInterrupt):
        with RecordingWriter(path) as rec:
            for p in poses[:6]:
                rec.write(None, p, None)
            raise KeyboardInterrupt
    rec = read_recording(path)
    assert rec.partial and len(rec) == 6
    assert [p.name for p in tmp_path.iterdir()] == ["s.landmarks.npz"]  # no temp file left


def test_close_is_idempotent_and_empty_recording_reads(tmp_path: Path) -> None:
    path = tmp_path / "e.landmarks.npz"
    w = RecordingWriter(path)
    assert w.close() == path
    assert w.close() is None
    rec = read_recording(path)
    assert len(rec) == 0 and list(rec.poses()) == []


def test_wrong_landmark_shape_is_refused(tmp_path: Path) -> None:
    w = RecordingWriter(tmp_path / "x.npz")
    with pytest.raises(ValueError, match="shape"):
        w.write(None, PoseFrame(t=0.0, image_size=(1, 1), landmarks=np.zeros((17, 3), np.float32)), None)


def test_missing_output_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        RecordingWriter(tmp_path / "nope" / "x.landmarks.npz")


def one_line(exc: pytest.ExceptionInfo[UserError]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.1])
def test_truncated_recording_is_a_clear_error(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "s.landmarks.npz"
    write(path, synthetic_poses(40))
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(UserError) as exc:
        read_recording(path)
    assert "truncated or corrupt" in one_line(exc) and str(path) in one_line(exc)


def test_flipped_bytes_are_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.landmarks.npz"
    write(path, synthetic_poses(40))
    data = bytearray(path.read_bytes())
    for i in range(200, len(data) - 200, 97):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(UserError) as exc:
        read_recording(path)
    assert str(path) in one_line(exc)


def test_newer_major_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.landmarks.npz"
    write(path, synthetic_poses(2))
    rec = read_recording(path)
    meta = dict(rec.meta, format_version=f"{FORMAT_VERSION[0] + 1}.0")
    write_arrays(path, meta, {a: np.asarray(getattr(rec, a)) for a in
                              ("t", "image_size", "detected", "has_world", "landmarks", "world")})
    with pytest.raises(UserError) as exc:
        read_recording(path)
    assert "newer than this formcheck reads" in one_line(exc)


def test_newer_minor_version_is_read(tmp_path: Path) -> None:
    path = tmp_path / "minor.landmarks.npz"
    write(path, synthetic_poses(2))
    rec = read_recording(path)
    meta = dict(rec.meta, format_version=f"{FORMAT_VERSION[0]}.{FORMAT_VERSION[1] + 3}", new_key=1)
    write_arrays(path, meta, {a: np.asarray(getattr(rec, a)) for a in
                              ("t", "image_size", "detected", "has_world", "landmarks", "world")})
    assert len(read_recording(path)) == 2


@pytest.mark.parametrize("content", [b"", b"hello, not a zip", b"PK\x03\x04garbage", b"\x93NUMPY\x01\x00"])
def test_not_a_recording(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.landmarks.npz"
    path.write_bytes(content)
    with pytest.raises(UserError) as exc:
        read_recording(path)
    assert str(path) in one_line(exc) and "pickle" not in one_line(exc)


def test_other_npz_is_not_a_recording(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, t=np.zeros(3))
    with pytest.raises(UserError, match="not a formcheck landmark recording"):
        read_recording(path)
    np.savez(path, meta=np.frombuffer(json.dumps({"format": "x"}).encode(), np.uint8))
    with pytest.raises(UserError, match="not a formcheck landmark recording"):
        read_recording(path)


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        read_recording(tmp_path / "none.npz")
    with pytest.raises(UserError, match="folder"):
        read_recording(tmp_path)


def test_metadata_given_as_one_dict_like_the_pipeline_builds(tmp_path: Path) -> None:
    info = SourceInfo(kind="file", name="v.mp4", width=8, height=6, fps=25.0, duration=1.0,
                      frame_count=25, path=tmp_path / "v.mp4")
    meta = {"source": info.as_dict(), "source_sha256": "ef" * 32,
            "model": {"name": "lite", "path": "/m/lite.task", "sha256": "12" * 32, "mediapipe": "1.2.2"},
            "mediapipe_version": "1.2.2", "formcheck_version": "9.9.9", "session": "abc"}
    path = tmp_path / "m.landmarks.npz"
    write(path, synthetic_poses(2), meta=meta)
    m = read_recording(path).meta
    assert m["source_path"] == str(tmp_path / "v.mp4") and m["source_sha256"] == "ef" * 32
    assert m["model"]["name"] == "lite" and m["model"]["sha256"] == "12" * 32
    assert m["mediapipe_version"] == "1.2.2" and m["formcheck_version"] == "9.9.9"
    assert m["extra"] == {"session": "abc"}
