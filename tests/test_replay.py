"""`formcheck replay`: the same report as the original run, with no pose model and no video."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest
from synthetic_pose import session as lying_session

from formcheck.analyzers import get_analyzer
from formcheck.cli import main
from formcheck.recording import RecordingWriter
from formcheck.session import Session
from formcheck.files import _json_ready


def json_round(d: dict) -> dict:
    """What a report dict becomes once written as JSON (the form both reports are compared in)."""
    return json.loads(json.dumps(_json_ready(d), allow_nan=False))


def record_session(tmp_path: Path) -> tuple[Path, dict]:
    """A pelvic tilt session (two tilts, a bridge, a gap with nobody) run as analyze runs it:
    a Session with the analyzer and a RecordingWriter sink. Returns the recording and the report."""
    poses = list(lying_session(24.0, tilts=[(6.0, 4.0), (13.0, 1.0)], bridges=[(18.0, 2.0)],
                               present=lambda t: not 10.8 < t < 11.2, seed=3))
    path = tmp_path / "s.landmarks.npz"
    analyzer = get_analyzer("pelvic_tilt")()
    with Session(analyzer, [RecordingWriter(path, model_name="full", mediapipe_version="1.2.2")]) as s:
        for p in poses:
            s.step(None, p)
    report = s.result.report.as_dict()
    assert report["count"] >= 1 or report["faults"], "the session should have something to compare"
    return path, report


def test_replay_gives_the_original_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec, original = record_session(tmp_path)
    out = tmp_path / "out"
    assert main(["replay", str(rec), "--exercise", "pelvic-tilt", "--out", str(out)]) == 0
    report = json.loads((out / "s.replay.report.json").read_text())
    assert report["exercise"] == json_round(original)
    assert report["model"]["name"] == "full" and "no pose model" in report["model"]["replayed"]
    assert report["input"]["kind"] == "recording" and report["partial"] is False
    assert "pelvic_tilt" in capsys.readouterr().out


def test_replay_with_another_prescription(tmp_path: Path) -> None:
    rec, original = record_session(tmp_path)
    out = tmp_path / "out"
    assert main(["replay", str(rec), "--exercise", "pelvic-tilt", "--hold", "0.5", "--reps", "4", "--out", str(out)]) == 0
    ex = json.loads((out / "s.replay.report.json").read_text())["exercise"]
    assert ex["prescription"]["hold"] == 0.5 and ex["prescription"]["reps"] == 4
    assert ex["count"] == original["count"]  # what was detected does not depend on the prescription
    assert ex["good"] >= original["good"]


def test_replay_renders_a_skeleton_video(tmp_path: Path) -> None:
    rec, _ = record_session(tmp_path)
    video = tmp_path / "skeleton.mp4"
    assert main(["replay", str(rec), "--exercise", "pelvic-tilt", "--render", str(video),
                 "--out", str(tmp_path / "out")]) == 0
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        frames = list(c.decode(stream))
    assert stream.codec_context.name == "h264"
    assert (frames[0].width, frames[0].height) == (640, 360)
    n = sum(1 for _ in __import__("formcheck.recording").recording.read_recording(rec).poses())
    assert len(frames) == n
    # Drawn on black: something is drawn, and most of the canvas stays black.
    img = frames[len(frames) // 2].to_ndarray(format="bgr24")
    assert img.max() > 100 and (img.max(axis=2) < 30).mean() > 0.5


def test_replay_without_exercise_reports_pose_only(tmp_path: Path) -> None:
    rec, _ = record_session(tmp_path)
    assert main(["replay", str(rec), "--out", str(tmp_path / "o")]) == 0
    report = json.loads((tmp_path / "o" / "s.replay.report.json").read_text())
    assert report["exercise"] is None and report["frames"]["processed"] > 0


@pytest.mark.parametrize("args", [["--exercise", "squats"], ["--reps", "3"]])
def test_replay_bad_options(tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rec, _ = record_session(tmp_path)
    assert main(["replay", str(rec), "--out", str(tmp_path / "o"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("formcheck: ") and err.count("\n") == 1


def test_replay_truncated_recording(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec, _ = record_session(tmp_path)
    rec.write_bytes(rec.read_bytes()[:1000])
    assert main(["replay", str(rec), "--exercise", "pelvic-tilt", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "truncated or corrupt" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()  # nothing written for a file that cannot be read


@pytest.mark.shared
def test_analyze_then_replay_on_a_real_clip(shared_dir: Path, tmp_path: Path) -> None:
    """The real pipeline: pose model over a real clip with --save-landmarks, then replay."""
    clip = shared_dir / "media" / "pushup_hips_up.mp4"
    out = tmp_path / "out"
    assert main(["analyze", str(clip), "--exercise", "pelvic-tilt", "--no-video", "--save-landmarks",
                 "--out", str(out)]) in (0, 3)
    original = json.loads((out / "pushup_hips_up.report.json").read_text())
    rec = out / "pushup_hips_up.landmarks.npz"
    assert main(["replay", str(rec), "--exercise", "pelvic-tilt", "--out", str(out)]) == 0
    replayed = json.loads((out / "pushup_hips_up.replay.report.json").read_text())
    assert replayed["exercise"] == original["exercise"]
    assert replayed["frames"]["processed"] == original["frames"]["processed"]
    assert replayed["frames"]["with_person"] == original["frames"]["with_person"]
