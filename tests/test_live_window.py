"""The real live window (OpenCV's Qt HighGUI) under a virtual X display: it opens, shows the
live screen (a phase bar, the banner with the instruction, the skeleton), a screenshot proves
it, and Ctrl-C still writes every output."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from formcheck.live.screen import PHASE_COLOR
from formcheck.overlay.draw import LEFT_COLOR, RIGHT_COLOR

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SCREEN = (1280, 800)


@pytest.fixture
def xvfb():
    """A virtual X display (Debian's Xvfb) for the duration of the test. Xvfb picks a free display
    number itself and writes it once it accepts connections (-displayfd): a number chosen here
    could be one another test's server has just left, or be taken meanwhile."""
    import select

    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.skip("Xvfb not installed (scripts/setup.sh --test installs it)")
    read, write = os.pipe()
    proc = subprocess.Popen([exe, "-displayfd", str(write), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
                             "-nolisten", "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    os.close(write)
    number = b""
    deadline = time.monotonic() + 15
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        if select.select([read], [], [], 0.5)[0]:
            chunk = os.read(read, 16)
            if not chunk:
                break
            number += chunk
    os.close(read)
    if not number.strip():
        proc.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number.decode().strip()}"
    proc.terminate()
    proc.wait(timeout=10)


_GRAB = """
import sys, av, numpy as np
with av.open(sys.argv[1], format="x11grab", options={"video_size": sys.argv[2], "draw_mouse": "0"}) as grab:
    np.save(sys.argv[3], next(grab.decode(video=0)).to_ndarray(format="bgr24"))
"""


def screenshot(display: str, path: Path) -> np.ndarray:
    """The whole virtual screen, BGR: FFmpeg's x11grab through PyAV, in a process of its own (in
    this one OpenCV has loaded its own Qt and X libraries, with which x11grab crashes)."""
    subprocess.run([sys.executable, "-c", _GRAB, display, f"{SCREEN[0]}x{SCREEN[1]}", str(path)],
                   check=True, timeout=30, stdin=subprocess.DEVNULL)
    return np.load(path)


def window_box(shot: np.ndarray) -> tuple[int, int, int, int] | None:
    """x0, y0, x1, y1 of what is drawn on the (black) root window."""
    ys, xs = np.nonzero(shot.max(axis=2) > 12)
    if len(xs) < 1000:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def near(pixels: np.ndarray, color, tol: int = 50) -> np.ndarray:
    return np.abs(pixels.astype(int) - np.array(color)).max(axis=-1) <= tol


def test_the_real_window_shows_the_live_screen_and_ctrl_c_keeps_the_outputs(xvfb, tmp_path):
    env = {**os.environ, "DISPLAY": xvfb}
    env.pop("QT_QPA_PLATFORM", None)  # Qt must use the X display, not "offscreen"
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "live", "--camera", str(SAMPLES / "pelvic_tilt_side.mp4"),
         "--exercise", "pelvic-tilt", "--model", "lite", "--debug", "--out", str(tmp_path / "out")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    grab = tmp_path / "screen.npy"
    try:
        shot, box = None, None
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(1.0)
            shot = screenshot(xvfb, grab)
            box = window_box(shot)
            if box is not None and box[2] - box[0] >= 900:
                time.sleep(4.0)  # into the exercise: the person lies still, then counting starts
                shot = screenshot(xvfb, grab)
                box = window_box(shot)
                break
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    if shot is not None:
        np.save(tmp_path / "last.npy", shot)
    assert box is not None and box[2] - box[0] >= 900, (
        f"no window appeared ({box}; exit {proc.returncode}): {out.decode()[-500:]} {err.decode()[-2000:]}")
    import cv2

    cv2.imwrite(str(tmp_path / "window.png"), shot)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    assert w >= 900 and abs(w / h - 960 / 540) < 0.05  # the frame's shape, at least 960 wide
    window = shot[y0:y1, x0:x1]
    # The phase bar: most of the top tenth in one of the phase colours (blended over the frame).
    bar = window[int(0.02 * h):int(0.1 * h)].reshape(-1, 3)
    share = max(near(bar, [0.82 * c + 0.18 * 235 for c in color]).mean() for color in PHASE_COLOR.values())
    assert share > 0.6
    # The banner: a dark band across the bottom, with large light text in it.
    banner = window[int(0.9 * h):int(0.98 * h)]
    assert np.median(banner) < 110 and (banner.min(axis=2) > 200).mean() > 0.02
    # The skeleton on the person, in the colours of the two sides.
    body = window[int(0.2 * h):int(0.85 * h)]
    assert near(body, RIGHT_COLOR, 40).sum() + near(body, LEFT_COLOR, 40).sum() > 300

    assert proc.returncode == 130, err.decode()
    assert "interrupted" in err.decode()
    report = json.loads((tmp_path / "out" / "pelvic_tilt_side.report.json").read_text())
    assert report["partial"] is True and report["live"]["window"] is True
    for name in ("annotated.mp4", "frames.csv", "landmarks.npz"):
        assert (tmp_path / "out" / f"pelvic_tilt_side.{name}").exists()
