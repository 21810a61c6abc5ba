"""The sinks: browser-playable H.264 that keeps the source's timing, complete CSV rows, atomic
JSON, and nothing half-written when a run is interrupted or the destination is unwritable."""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.errors import UserError
from formcheck.frames import Frame
from formcheck.landmarks import NUM_LANDMARKS, Landmark, PoseFrame
from formcheck.sinks import (
    PARTIAL_COMMENT,
    CsvSink,
    RawVideoSink,
    VideoSink,
    csv_header,
    output_paths,
    write_json_atomic,
)

W, H = 32, 24


def _image(i: int, w: int = W, h: int = H) -> np.ndarray:
    """A flat colour that changes every frame, so frames can be told apart after decoding."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)
    return img


def _pose(t: float, i: int, detected: bool = True) -> PoseFrame:
    if not detected:
        return PoseFrame.empty(t, (W, H))
    rng = np.random.default_rng(i)
    return PoseFrame(t=t, image_size=(W, H), landmarks=rng.random((NUM_LANDMARKS, 5)).astype(np.float32))


def _decode(path: Path) -> tuple[list[float], dict[str, str], av.container.InputContainer]:
    container = av.open(str(path))
    times = [float(f.time) for f in container.decode(video=0)]
    return times, dict(container.metadata), container


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".part")


def _vfr_times(n: int, seed: int = 3, start: float = 0.0) -> list[float]:
    """Irregular frame times like a phone's VFR video: gaps of 10-120 ms."""
    gaps = np.random.default_rng(seed).uniform(0.010, 0.120, n - 1)
    return [start] + list(start + np.cumsum(gaps))


def test_video_is_h264_yuv420p_with_source_times_and_duration(tmp_path: Path) -> None:
    times = _vfr_times(40)
    out = tmp_path / "clip.annotated.mp4"
    with VideoSink(out, width=W, height=H, fps_hint=30) as sink:
        for i, t in enumerate(times):
            sink.write(Frame(t=t, image=_image(i), index=i), _pose(t, i), None)
    assert sink.written and not sink.partial and sink.frames_written == len(times)

    decoded, meta, container = _decode(out)
    stream = container.streams.video[0]
    assert stream.codec_context.name == "h264"
    assert stream.codec_context.pix_fmt == "yuv420p"
    assert (stream.width, stream.height) == (W, H)
    assert len(decoded) == len(times)
    assert np.allclose(decoded, times, atol=1.5e-5), "per-frame times must be the source's"
    last_gap = times[-1] - times[-2]
    duration = container.duration / 1e6
    # Within one frame is the requirement; the sink does better: the last frame lasts as long
    # as the one before it, so the duration is the input's to the millisecond.
    assert abs(duration - (times[-1] + last_gap)) < 0.002
    assert meta.get("comment") != PARTIAL_COMMENT
    assert _leftovers(tmp_path) == []


def test_video_index_is_up_front_for_browsers(tmp_path: Path) -> None:
    out = tmp_path / "v.mp4"
    with VideoSink(out, width=W, height=H, fps_hint=25) as sink:
        for i in range(10):
            sink.write(Frame(t=i / 25, image=_image(i), index=i), _pose(i / 25, i), None)
    head = out.read_bytes()
    assert 0 <= head.index(b"moov") < head.index(b"mdat"), "+faststart puts moov before mdat"


def test_video_times_start_at_zero_for_a_camera_clock(tmp_path: Path) -> None:
    times = _vfr_times(12, seed=5, start=81234.5)  # a monotonic clock reading
    out = tmp_path / "cam.mp4"
    with VideoSink(out, width=W, height=H, fps_hint=30) as sink:
        for i, t in enumerate(times):
            sink.write(Frame(t=t, image=_image(i), index=i), _pose(t, i), None)
    decoded, _, _ = _decode(out)
    assert np.allclose(decoded, np.asarray(times) - times[0], atol=1.5e-5)


def test_video_repeated_time_still_gives_one_frame_each(tmp_path: Path) -> None:
    times = [0.0, 0.04, 0.04, 0.08]  # a source that repeats a timestamp
    out = tmp_path / "dup.mp4"
    with VideoSink(out, width=W, height=H, fps_hint=25) as sink:
        for i, t in enumerate(times):
            sink.write(Frame(t=t, image=_image(i), index=i), _pose(t, i), None)
    decoded, _, _ = _decode(out)
    assert len(decoded) == 4
    assert all(b > a for a, b in zip(decoded, decoded[1:]))


@pytest.mark.parametrize("size", [(33, 21), (31, 24), (32, 25), (1, 1)])
def test_video_odd_sizes_are_padded_to_even(tmp_path: Path, size: tuple[int, int]) -> None:
    w, h = size
    out = tmp_path / "odd.mp4"
    with VideoSink(out, width=w, height=h, fps_hint=30) as sink:
        for i in range(3):
            sink.write(Frame(t=i / 30, image=_image(i, w, h), index=i), PoseFrame.empty(i / 30, (w, h)), None)
    container = av.open(str(out))
    frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert len(frames) == 3
    assert frames[0].shape[:2] == (h + h % 2, w + w % 2)
    # The picture itself survives (lossy, so roughly): frame 1's colour at the centre.
    expected = _image(1, 1, 1)[0, 0].astype(int)
    got = frames[1][frames[1].shape[0] // 2, frames[1].shape[1] // 2].astype(int)
    assert np.abs(got - expected).max() < 24


def test_video_uses_the_annotated_image_and_resizes_to_the_declared_size(tmp_path: Path) -> None:
    out = tmp_path / "ann.mp4"
    white = np.full((H * 2, W * 2, 3), 255, np.uint8)  # wrong size on purpose
    with VideoSink(out, width=W, height=H, fps_hint=30) as sink:
        sink.write(Frame(t=0.0, image=np.zeros((H, W, 3), np.uint8), index=0), PoseFrame.empty(0.0, (W, H)), white)
    container = av.open(str(out))
    (frame,) = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert frame.shape[:2] == (H, W)
    assert frame.mean() > 240, "the annotated image, not the raw frame, is what gets encoded"


def test_interrupt_leaves_valid_partial_outputs_and_no_temp_files(tmp_path: Path) -> None:
    paths = output_paths(tmp_path, "clip")
    times = _vfr_times(30, seed=9)
    written = 0
    with pytest.raises(KeyboardInterrupt):
        with VideoSink(paths["video"], width=W, height=H, fps_hint=30) as video, CsvSink(paths["csv"]) as table:
            for i, t in enumerate(times):
                if i == 17:
                    raise KeyboardInterrupt
                frame = Frame(t=t, image=_image(i), index=i)
                pose = _pose(t, i, detected=i % 3 != 0)
                video.write(frame, pose, None)
                table.write(frame, pose, None)
                written += 1
    assert video.partial and table.partial

    decoded, meta, container = _decode(paths["video"])
    assert container.streams.video[0].codec_context.name == "h264"
    assert len(decoded) == written
    assert np.allclose(decoded, times[:written], atol=1.5e-5)
    assert meta.get("comment") == PARTIAL_COMMENT

    with paths["csv"].open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == csv_header()
    assert len(rows) == 1 + written
    assert all(len(r) == len(rows[0]) for r in rows)
    assert _leftovers(tmp_path) == []


def test_error_inside_the_with_block_is_not_swallowed(tmp_path: Path) -> None:
    with pytest.raises(ZeroDivisionError):
        with CsvSink(tmp_path / "x.csv") as sink:
            sink.write(Frame(t=0.0, image=_image(0), index=0), _pose(0.0, 0), None)
            1 / 0
    assert (tmp_path / "x.csv").read_text().count("\n") == 2


def test_video_without_frames_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "empty.mp4"
    with VideoSink(out, width=W, height=H, fps_hint=30) as sink:
        pass
    assert not out.exists() and not sink.written
    assert _leftovers(tmp_path) == []


def test_csv_columns_values_and_empty_cells_when_nobody_is_there(tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    poses = [_pose(0.0, 0), _pose(0.033, 1, detected=False), _pose(0.067, 2)]
    with CsvSink(out) as sink:
        for i, p in enumerate(poses):
            sink.write(Frame(t=p.t, image=_image(i), index=i), p, None)

    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    header = csv_header()
    assert header[:2] == ["t", "detected"]
    assert len(header) == 2 + NUM_LANDMARKS * 5
    assert header[2:7] == ["nose_x", "nose_y", "nose_z", "nose_visibility", "nose_presence"]
    assert "left_hip_y" in header and header[-1] == "right_foot_index_presence"
    assert [r["detected"] for r in rows] == ["1", "0", "1"]
    assert [float(r["t"]) for r in rows] == pytest.approx([0.0, 0.033, 0.067])

    nobody = rows[1]
    assert all(nobody[c] == "" for c in header[2:])

    lm = poses[2].landmarks
    assert lm is not None
    assert float(rows[2]["left_hip_x"]) == pytest.approx(lm[Landmark.LEFT_HIP, 0], abs=1e-6)
    assert float(rows[2]["right_ankle_presence"]) == pytest.approx(lm[Landmark.RIGHT_ANKLE, 4], abs=1e-6)


def test_write_before_enter_is_an_error(tmp_path: Path) -> None:
    sink = CsvSink(tmp_path / "f.csv")
    with pytest.raises(RuntimeError):
        sink.write(Frame(t=0.0, image=_image(0), index=0), _pose(0.0, 0), None)


def _make_sinks(target: Path) -> list:
    return [
        lambda: VideoSink(target.with_suffix(".mp4"), width=W, height=H, fps_hint=30),
        lambda: CsvSink(target.with_suffix(".csv")),
    ]


def _assert_one_line_naming(err: pytest.ExceptionInfo[UserError], path: Path) -> None:
    message = str(err.value)
    assert "\n" not in message
    assert str(path.parent) in message


@pytest.mark.parametrize("kind", ["video", "csv"])
def test_unwritable_destination_fails_at_enter(tmp_path: Path, kind: str) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the output folder should be")
    for target in (blocker / "clip", blocker / "deeper" / "clip"):
        make = _make_sinks(target)[0 if kind == "video" else 1]
        sink = make()  # constructing is fine: nothing is touched yet
        entered = False
        with pytest.raises(UserError) as err:
            with sink:
                entered = True
        assert not entered, "must fail before any work is done"
        _assert_one_line_naming(err, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not_a_folder"]


def test_destination_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "clip.frames.csv").mkdir()
    with pytest.raises(UserError, match="is a folder"):
        with CsvSink(tmp_path / "clip.frames.csv"):
            pass


def test_permission_denied_is_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mapping itself, independent of who runs the tests (root ignores chmod)."""

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(UserError, match="not writable"):
        with VideoSink(tmp_path / "v.mp4", width=W, height=H, fps_hint=30):
            pass
    with pytest.raises(UserError, match="not writable"):
        write_json_atomic(tmp_path / "r.json", {"a": 1})


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_folder_fails_at_enter(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(UserError, match="not writable"):
            with CsvSink(folder / "f.csv"):
                pass
    finally:
        folder.chmod(0o755)


def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "f.csv"
    with CsvSink(out) as sink:
        sink.write(Frame(t=0.0, image=_image(0), index=0), _pose(0.0, 0), None)
    assert out.exists()


def test_json_is_indented_plain_and_atomic(tmp_path: Path) -> None:
    out = tmp_path / "clip.report.json"
    data = {
        "schema_version": 1,
        "count": np.int64(3),
        "rate": np.float32(0.5),
        "nan": float("nan"),
        "series": np.arange(3),
        "path": tmp_path,
    }
    assert write_json_atomic(out, data) == out
    text = out.read_text()
    assert text.startswith("{\n  ")
    loaded = json.loads(text)
    assert loaded == {"schema_version": 1, "count": 3, "rate": 0.5, "nan": None, "series": [0, 1, 2], "path": str(tmp_path)}

    # A report that cannot be serialized leaves the previous file whole and no temp file.
    with pytest.raises(TypeError):
        write_json_atomic(out, {"bad": object()})
    assert json.loads(out.read_text()) == loaded
    assert _leftovers(tmp_path) == []


def test_json_unwritable_destination(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError) as err:
        write_json_atomic(blocker / "r.json", {"a": 1})
    _assert_one_line_naming(err, blocker / "r.json")


def test_output_paths_names() -> None:
    paths = output_paths("out", "walk")
    assert {k: v.name for k, v in paths.items()} == {
        "video": "walk.annotated.mp4",
        "csv": "walk.frames.csv",
        "report": "walk.report.json",
        "landmarks": "walk.landmarks.npz",
    }
    assert all(v.parent == Path("out") for v in paths.values())


def test_csv_numbers_are_finite_or_empty(tmp_path: Path) -> None:
    lm = np.full((NUM_LANDMARKS, 5), 0.25, np.float32)
    lm[0, 0] = math.nan
    lm[1, 1] = -1e-9
    out = tmp_path / "n.csv"
    with CsvSink(out) as sink:
        sink.write(Frame(t=0.0, image=_image(0), index=0), PoseFrame(0.0, (W, H), lm), None)
    with out.open(newline="") as f:
        row = list(csv.DictReader(f))[0]
    assert row["nose_x"] == ""
    assert row["left_eye_inner_y"] == "0"
    assert row["nose_y"] == "0.25"


def test_raw_video_sink_records_the_camera_not_the_overlay(tmp_path: Path) -> None:
    out = tmp_path / "rec.mp4"
    black = np.zeros((H, W, 3), np.uint8)
    white = np.full((H, W, 3), 255, np.uint8)
    with RawVideoSink(out, width=W, height=H, fps_hint=30) as sink:
        sink.write(Frame(t=0.0, image=black, index=0), PoseFrame.empty(0.0, (W, H)), white)
    (frame,) = [f.to_ndarray(format="bgr24") for f in av.open(str(out)).decode(video=0)]
    assert frame.mean() < 16


def test_video_from_poses_without_frames_uses_pose_time(tmp_path: Path) -> None:
    """A skeleton drawn from a recording: no Frame, the time comes from the pose."""
    out = tmp_path / "skel.mp4"
    times = [0.0, 0.05, 0.2]
    with VideoSink(out, width=W, height=H, fps_hint=20) as sink:
        for i, t in enumerate(times):
            sink.write(None, PoseFrame.empty(t, (W, H)), _image(i))
        sink.write(None, PoseFrame.empty(0.3, (W, H)), None)  # nothing to draw: skipped
    decoded, _, _ = _decode(out)
    assert np.allclose(decoded, times, atol=1.5e-5)


@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_failing_to_mark_partial_still_keeps_the_video(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    """The mark is a re-mux after the MP4 is finished: if it fails (or a second Ctrl-C hits it),
    the finished, unmarked video is kept rather than thrown away."""
    import formcheck.sinks.video as sinks

    def broken(tmp: Path) -> None:
        raise failure("while marking")

    monkeypatch.setattr(sinks, "_mark_mp4_partial", broken)
    out = tmp_path / "v.mp4"
    with pytest.raises(KeyboardInterrupt):
        with VideoSink(out, width=W, height=H, fps_hint=30) as sink:
            for i in range(5):
                sink.write(Frame(t=i / 30, image=_image(i), index=i), _pose(i / 30, i), None)
            raise KeyboardInterrupt
    decoded, meta, _ = _decode(out)
    assert len(decoded) == 5 and sink.written and sink.partial
    assert _leftovers(tmp_path) == []


def test_every_sink_follows_the_one_protocol(tmp_path: Path) -> None:
    """The session writes to one `Sink` protocol; the file sinks and the landmark recording
    all offer it (frame may be None: a replay without images)."""
    from formcheck.recording import RecordingWriter
    from formcheck.sinks import Sink

    sinks = [
        VideoSink(tmp_path / "v.mp4", width=W, height=H),
        RawVideoSink(tmp_path / "raw.mp4", width=W, height=H),
        CsvSink(tmp_path / "f.csv"),
        RecordingWriter(tmp_path / "r.landmarks.npz"),
    ]
    for sink in sinks:
        assert isinstance(sink, Sink), type(sink).__name__
    with CsvSink(tmp_path / "none.csv") as table:
        table.write(None, _pose(0.0, 0), None)
    assert table.written and table.frames_written == 1
