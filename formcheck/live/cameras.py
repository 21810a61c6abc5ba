"""Which cameras can be opened, with their resolution: `formcheck live --list-cameras`.

Each candidate device is opened the way `formcheck live --camera N` opens it (OpenCV, its log
silenced), asked for one frame, and released. On Linux the candidates are the /dev/video*
devices (a USB webcam often adds two nodes, one of which delivers no frames: it is not listed);
elsewhere the indices 0-9.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2

from formcheck.sources.live import CaptureLike, opencv_capture


@dataclass(frozen=True)
class CameraInfo:
    """A camera that opened and delivered a frame."""

    index: int
    width: int
    height: int
    fps: float | None

    def line(self) -> str:
        fps = f", {self.fps:g} fps" if self.fps else ""
        return f"camera {self.index}: {self.width}x{self.height}{fps} (--camera {self.index})"


def candidate_indices(dev: Path = Path("/dev")) -> list[int]:
    """The device indices worth trying: /dev/videoN on Linux, else 0-9."""
    if sys.platform.startswith("linux"):
        found = sorted(int(m.group(1)) for p in dev.glob("video*") if (m := re.fullmatch(r"video(\d+)", p.name)))
        return found
    return list(range(10))


def list_cameras(indices: Iterable[int] | None = None,
                 capture_factory: Callable[[int], CaptureLike] = opencv_capture) -> list[CameraInfo]:
    """The cameras among `indices` (default: `candidate_indices()`) that deliver a frame."""
    found = []
    for index in candidate_indices() if indices is None else indices:
        try:
            capture = capture_factory(index)
        except Exception:  # OpenCV raises for some devices it cannot handle
            continue
        try:
            if not capture.isOpened():
                continue
            ok, image = capture.read()
            if not ok or image is None:
                continue
            fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
            found.append(CameraInfo(index, int(image.shape[1]), int(image.shape[0]),
                                    fps if 0 < fps < 1000 else None))
        finally:
            capture.release()
    return found
