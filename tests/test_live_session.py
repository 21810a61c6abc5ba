"""`formcheck live` end to end: a stand-in camera playing a rendered sample at a camera's pace
drives a whole session (set-up guidance included) through the real camera thread, pose model,
coach, screen, voice and outputs; a window or voice that fails, and a quiet terminal; cameras
listed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.analyzers import get_analyzer
from formcheck.cli import main
from formcheck.live import QUIT, exercise_coach
from formcheck.live.cameras import list_cameras
from formcheck.live.standin import Scene, StandInCapture
from formcheck.pipeline import run_live

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
# The lite model: the stand-in camera runs in real time on a shared 2-core machine, and the
# full model's extra milliseconds there turn into dropped frames (docs/live.md).
MODEL = "lite"


class FakeDisplay:
    """Takes the frames a window would show; quits (the user pressing q) once the stand-in
    camera plays its last scene, an empty mat after the exercise, or fails after `fail_after`
    frames."""

    def __init__(self, camera: StandInCapture, fail_after: int | None = None) -> None:
        self.camera, self.fail_after = camera, fail_after
        self.shown = 0
        self.last: np.ndarray | None = None

    def show(self, image: np.ndarray) -> str | None:
        self.shown += 1
        self.last = image
        if self.fail_after is not None and self.shown > self.fail_after:
            raise RuntimeError("the display server went away")
        return QUIT if self.camera.playing == len(self.camera.scenes) - 1 else None


class ListeningSpeaker:
    name = "listener"

    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, text: str) -> None:
        self.lines.append(text)


def truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text())


def test_a_stand_in_camera_drives_a_whole_session_guidance_included(tmp_path):
    clip = SAMPLES / "pelvic_tilt_side.mp4"
    # Nobody on the mat, then the camera too close (the feet cut off), then the exercise; the
    # user gets up and presses q.
    # (The pose model loads after the camera has opened: the empty mat lasts long enough for it.)
    camera = StandInCapture([Scene(None, 3.0), Scene(clip, 1.0, crop=(0.0, 0.0, 0.45, 1.0)), Scene(clip),
                             Scene(None, 5.0)])
    display = FakeDisplay(camera)
    speaker = ListeningSpeaker()
    coach = exercise_coach(get_analyzer("pelvic_tilt")())
    outcome = run_live("0", tmp_path, model=MODEL, coach=coach, display=display, speaker=speaker,
                       capture_factory=lambda _: camera, debug=True)
    assert outcome.verdict() == (0, None)
    report = json.loads(outcome.outputs["report"].read_text())
    ex = report["exercise"]
    expected = truth("pelvic_tilt_side")["expected"]["pelvic_tilt"]["count"]
    assert ex["count"] == expected == 3
    # (Which holds met the 3 s: the second is 1.5 s; the others, 3.5 s, measure 0.5 s off when
    # a loaded machine drops a quarter of the frames, so the good count is not checked here.)
    assert ex["reps"][1]["hold"] < 3.0 and ex["good"] <= 2
    coaching = ex["coaching"]
    steps = [g["instruction"] for g in coaching["guidance"]]
    assert steps[:2] == ["Move into the camera's view", "Move back until your whole body is in view"]
    assert coaching["counting_from"] > 4.0  # not before the whole body was in view
    assert all(rep["start"] >= coaching["counting_from"] for rep in ex["reps"])
    live = report["live"]
    assert live["frames_shown"] == report["frames"]["processed"] > 300
    assert live["fps"] > 10 and live["latency_p50_ms"] is not None and live["window"] is True
    assert live["frames_dropped"] == report["frames"]["dropped"]
    for kind in ("video", "frames_csv", "landmarks", "report"):
        assert outcome.outputs[kind].exists()
    assert [w for w in speaker.lines if w in ("one", "two", "three")] == ["one", "two", "three"]
    assert display.last is not None and display.last.shape == (540, 960, 3)


def test_a_window_that_fails_ends_the_session_with_every_output_written(tmp_path, capsys):
    camera = StandInCapture([Scene(SAMPLES / "rest_side.mp4"), Scene(None, 5.0)])
    outcome = run_live("0", tmp_path, model=MODEL, coach=exercise_coach(get_analyzer("pelvic_tilt")()),
                       display=FakeDisplay(camera, fail_after=20), capture_factory=lambda _: camera)
    code, message = outcome.verdict()
    assert code == 4 and message.startswith("the window failed (the display server went away)")
    report = json.loads(outcome.outputs["report"].read_text())
    assert report["partial"] is True and report["frames"]["processed"] == 21
    for kind in ("video", "frames_csv", "landmarks"):
        assert outcome.outputs[kind].exists()


def test_a_voice_that_fails_ends_the_session_with_every_output_written(tmp_path):
    class Broken(ListeningSpeaker):
        def say(self, text: str) -> None:
            raise OSError("espeak-ng was removed")

    camera = StandInCapture([Scene(SAMPLES / "rest_side.mp4"), Scene(None, 5.0)])
    outcome = run_live("0", tmp_path, model=MODEL, coach=exercise_coach(get_analyzer("pelvic_tilt")()),
                       display=FakeDisplay(camera), speaker=Broken(), capture_factory=lambda _: camera)
    code, message = outcome.verdict()
    assert code == 4 and "the voice failed" in message and "espeak-ng was removed" in message
    assert json.loads(outcome.outputs["report"].read_text())["partial"] is True
    assert outcome.outputs["landmarks"].exists()


def test_the_terminal_shows_no_mediapipe_or_tensorflow_lines(tmp_path):
    """Someone steps in after a second of an empty mat: the graph's first-person warning and the
    TensorFlow Lite lines at close used to reach the terminal."""
    import av

    clip = tmp_path / "late.mp4"
    with av.open(str(SAMPLES / "rest_side.mp4")) as src, av.open(str(clip), "w") as dst:
        stream = dst.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 960, 540, "yuv420p"
        frames = [f.to_ndarray(format="bgr24") for f in src.decode(video=0)][:60]
        for image in [np.full_like(frames[0], 70)] * 30 + frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                dst.mux(packet)
        for packet in stream.encode():
            dst.mux(packet)
    done = subprocess.run([sys.executable, "-m", "formcheck", "live", "--camera", str(clip), "--no-window",
                           "--exercise", "pelvic-tilt", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "live:" in done.stdout and "fps" in done.stdout


class FakeCapture:
    def __init__(self, size: tuple[int, int] | None) -> None:
        self.size = size

    def isOpened(self) -> bool:  # noqa: N802
        return self.size is not None

    def read(self):
        if self.size is None:
            return False, None
        return True, np.zeros((self.size[1], self.size[0], 3), np.uint8)

    def get(self, prop: int) -> float:
        return 30.0 if prop == 5 else 0.0

    def release(self) -> None:
        pass


def test_list_cameras_names_those_that_deliver_a_frame_with_their_resolution():
    sizes = {0: (1280, 720), 1: None, 2: (640, 480)}
    found = list_cameras([0, 1, 2], capture_factory=lambda i: FakeCapture(sizes[i]))
    assert [c.line() for c in found] == ["camera 0: 1280x720, 30 fps (--camera 0)",
                                         "camera 2: 640x480, 30 fps (--camera 2)"]


def test_list_cameras_on_a_machine_without_one_says_so_in_one_line(capsys, monkeypatch):
    from formcheck.live import cameras

    monkeypatch.setattr(cameras, "candidate_indices", lambda: [])
    code = main(["live", "--list-cameras"])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and err.startswith("formcheck: no camera could be opened")


@pytest.mark.parametrize("argv, words", [
    (["--routine", "low-back", "--reps", "3"], "--routine takes each exercise's own prescription"),
    (["--routine", "low-back", "--rest", "-1"], "--rest must be"),
])
def test_routine_options_that_do_not_go_together_are_one_line_errors(argv, words, capsys, tmp_path):
    code = main(["live", *argv, "--no-window", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err
