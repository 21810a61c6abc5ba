"""End-to-end tests of `formcheck analyze` and `formcheck live` (issue 2): timing, outputs, and
every bad input giving one line on stderr, a non-zero exit, no traceback, and the outputs kept."""

from __future__ import annotations

import json
import os
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    assert lines[0].startswith("formcheck: ")
    return lines[0]


def decoded_times(path: Path) -> list[float]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return [float(f.pts * s.time_base) for f in c.decode(s)]


def read_report(out_dir: Path, stem: str) -> dict:
    return json.loads((out_dir / f"{stem}.report.json").read_text())


# --- the real standing clip --------------------------------------------------------------------


def test_standing_clip_person_found_and_h264_keeps_timing(shared_dir, tmp_path, capsys):
    clip = shared_dir / "media" / "standing_squats.mp4"
    code, out, err = run_cli(capsys, "analyze", clip, "--out", tmp_path)
    assert code == 0, err
    report = read_report(tmp_path, "standing_squats")
    assert report["schema_version"] >= 1
    assert report["detection_rate"] >= 0.95
    assert report["partial"] is False
    assert report["input"]["width"] == 720 and report["input"]["height"] == 1280
    assert report["input"]["duration"] and report["input"]["fps"]
    assert "rotation" in report["input"]
    assert report["model"]["name"] == "full" and len(report["model"]["sha256"]) == 64

    video = tmp_path / "standing_squats.annotated.mp4"
    assert str(video) in out  # the command says where the outputs went
    with av.open(str(video)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        n_out = sum(1 for _ in c.decode(s))
    in_times = decoded_times(clip)
    out_times = decoded_times(video)
    assert n_out == len(in_times)
    frame = float(np.median(np.diff(in_times)))
    in_dur = in_times[-1] - in_times[0] + frame
    out_dur = out_times[-1] - out_times[0] + frame
    assert abs(in_dur - out_dur) <= frame


# --- timestamps and rotation through the whole pipeline ---------------------------------------


def test_variable_frame_rate_times_survive_the_pipeline(make_video, tmp_path, capsys):
    times = [0.0, 0.033, 0.050, 0.150, 0.160, 0.400, 0.433, 0.466, 0.700]
    clip = make_video("vfr.mp4", times=times, size=(96, 64))
    code, _, err = run_cli(capsys, "analyze", clip, "--out", tmp_path / "o")
    # Nobody is in a synthetic clip: exit 3 with one line, and the outputs are still written.
    assert code == 3
    assert "nobody was found" in one_line_error(err)
    csv_rows = (tmp_path / "o" / "vfr.frames.csv").read_text().splitlines()[1:]
    csv_times = [float(r.split(",")[0]) for r in csv_rows]
    assert csv_times == pytest.approx(times, abs=1e-3)
    out_times = decoded_times(tmp_path / "o" / "vfr.annotated.mp4")
    assert [t - out_times[0] for t in out_times] == pytest.approx(times, abs=2e-3)


def test_rotated_file_comes_out_upright(make_video, tmp_path, capsys, marker_corner):
    clip = make_video("phone.mp4", size=(48, 96), rotation=90, n_frames=6)
    run_cli(capsys, "analyze", clip, "--out", tmp_path / "o")
    report = read_report(tmp_path / "o", "phone")
    assert (report["input"]["width"], report["input"]["height"]) == (48, 96)
    assert report["input"]["rotation"] in (90, -90, 270)
    with av.open(str(tmp_path / "o" / "phone.annotated.mp4")) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="bgr24")
    assert frame.shape[:2] == (96, 48)
    assert marker_corner(frame) == "top-left"


# --- bad inputs: one line, non-zero, no traceback ----------------------------------------------


def test_missing_file(tmp_path, capsys):
    code, _, err = run_cli(capsys, "analyze", tmp_path / "nope.mp4", "--out", tmp_path / "o")
    assert code != 0
    assert "nope.mp4" in one_line_error(err)


def test_directory_given_as_video(tmp_path, capsys):
    code, _, err = run_cli(capsys, "analyze", tmp_path, "--out", tmp_path / "o")
    assert code != 0
    one_line_error(err)


def test_text_file_named_mp4(tmp_path, capsys):
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("this is not a video\n")
    code, _, err = run_cli(capsys, "analyze", bogus, "--out", tmp_path / "o")
    assert code != 0
    assert "notes.mp4" in one_line_error(err)


def test_empty_video(tmp_path, capsys):
    empty = tmp_path / "empty.mp4"
    with av.open(str(empty), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
    code, _, err = run_cli(capsys, "analyze", empty, "--out", tmp_path / "o")
    assert code != 0
    one_line_error(err)


def test_corrupt_video_keeps_what_was_decoded(make_video, tmp_path, capsys):
    clip = make_video("cut.mp4", n_frames=60, size=(96, 64))
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) * 2 // 3])  # a download cut short
    code, _, err = run_cli(capsys, "analyze", clip, "--out", tmp_path / "o")
    assert code != 0
    one_line_error(err)


def test_unwritable_out(make_video, tmp_path, capsys):
    clip = make_video("c.mp4", n_frames=3)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_cli(capsys, "analyze", clip, "--out", blocker)
    assert code != 0
    assert "file" in one_line_error(err)
    if os.geteuid() != 0:  # root can write anywhere; the read-only case only bites users
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        code, _, err = run_cli(capsys, "analyze", clip, "--out", ro)
        assert code != 0
        one_line_error(err)


def test_unknown_model(make_video, tmp_path, capsys):
    clip = make_video("c.mp4", n_frames=3)
    code, _, err = run_cli(capsys, "analyze", clip, "--model", "gigantic", "--out", tmp_path / "o")
    assert code != 0
    line = one_line_error(err)
    assert "lite" in line and "full" in line and "heavy" in line


def test_unknown_exercise_lists_the_valid_ones(make_video, tmp_path, capsys):
    clip = make_video("c.mp4", n_frames=3)
    code, _, err = run_cli(capsys, "analyze", clip, "--exercise", "jumping-jacks", "--out", tmp_path)
    assert code != 0
    assert "pelvic-tilt" in one_line_error(err)


def test_camera_that_does_not_exist(tmp_path, capsys):
    code, _, err = run_cli(capsys, "live", "--camera", "7", "--no-window", "--out", tmp_path)
    assert code != 0
    assert "camera" in one_line_error(err)


# --- Ctrl-C keeps what was computed -----------------------------------------------------------


def test_interrupt_leaves_valid_partial_outputs(make_video, tmp_path, capsys, monkeypatch):
    from formcheck import pose

    clip = make_video("long.mp4", n_frames=40, size=(96, 64))
    real_process = pose.PoseEstimator.process
    calls = {"n": 0}

    def process(self, frame):
        calls["n"] += 1
        if calls["n"] == 11:
            raise KeyboardInterrupt
        return real_process(self, frame)

    monkeypatch.setattr(pose.PoseEstimator, "process", process)
    code, _, err = run_cli(capsys, "analyze", clip, "--out", tmp_path)
    assert code == 130
    assert "interrupted" in err and "Traceback" not in err
    report = read_report(tmp_path, "long")
    assert report["partial"] is True
    assert report["frames"]["processed"] == 10
    assert len(decoded_times(tmp_path / "long.annotated.mp4")) == 10
    rows = (tmp_path / "long.frames.csv").read_text().splitlines()
    assert len(rows) == 11
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]


# --- live: a file played as a camera, and a camera that stops ---------------------------------


def test_live_with_a_file_as_camera_ends_with_the_file(shared_dir, tmp_path, capsys):
    clip = shared_dir / "media" / "pushup_hips_up.mp4"
    code, out, err = run_cli(capsys, "live", "--camera", clip, "--no-window", "--out", tmp_path)
    assert code == 0, err
    report = read_report(tmp_path, "pushup_hips_up")
    assert report["frames"]["processed"] > 0
    assert report["detection_rate"] > 0.5
    assert (tmp_path / "pushup_hips_up.annotated.mp4").exists()


class _UnpluggedCapture:
    """A fake cv2.VideoCapture that delivers a few frames and then fails, like a pulled cable."""

    def __init__(self, frames: int = 8) -> None:
        self.left = frames

    def isOpened(self) -> bool:
        return True

    def read(self):
        import time

        time.sleep(0.01)
        if self.left <= 0:
            return False, None
        self.left -= 1
        return True, np.full((48, 64, 3), 90, np.uint8)

    def get(self, prop):
        return {3: 64.0, 4: 48.0, 5: 30.0}.get(int(prop), 0.0)

    def set(self, prop, value):
        return True

    def release(self) -> None:
        pass


def test_unplugged_camera_ends_session_with_outputs(tmp_path, monkeypatch):
    from formcheck import pipeline, sources

    def fake_open_source(spec, paced=False, **kw):
        return sources.Camera(0, capture_factory=lambda *_: _UnpluggedCapture(), **kw)

    monkeypatch.setattr(sources, "open_source", fake_open_source)
    outcome = pipeline.run_live("0", tmp_path, stale_timeout=1.0)
    assert outcome.result.ended_reason and "camera" in outcome.result.ended_reason
    assert outcome.result.frames >= 1
    report = json.loads(outcome.outputs["report"].read_text())
    assert report["ended_reason"] == outcome.result.ended_reason
    assert outcome.outputs["video"].exists() and outcome.outputs["frames_csv"].exists()
