"""A stand-in camera: video files (and empty views) delivered at a camera's pace, for tests,
demos and the latency benchmark.

`StandInCapture` has the methods of `cv2.VideoCapture` that `sources.Camera` uses, so the whole
live path (the camera's reader thread, its newest-frame slot, dropped frames, a camera that
stops) runs as with a webcam. Like a webcam it runs at its own rate whatever the reader does:
frame k is due k/fps seconds after the first read, and a reader that comes late gets the frame
due now (the ones in between are never delivered). A `Scene` is a clip (or its first seconds,
or a part of its picture, as a camera placed too close would see it) or an empty view; when
the scenes are over, `read()` fails, as an unplugged camera does (`repeat` plays them again).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from formcheck.sources.files import VideoFile

EMPTY_GREY = 70  # an empty room, as far as the pose model is concerned


@dataclass(frozen=True)
class Scene:
    """What the camera shows for a while: `clip` (all of it, or its first `seconds`; `crop`, a
    box of fractions (x0, y0, x1, y1), zooms into part of its picture), or with no clip an
    empty view for `seconds`."""

    clip: Path | None = None
    seconds: float | None = None
    crop: tuple[float, float, float, float] | None = None


class StandInCapture:
    """Plays `scenes` at `fps` as a camera delivers frames, resized to `size` (default: the
    first clip's). See the module docstring."""

    def __init__(self, scenes: Sequence[Scene], *, fps: float = 30.0, size: tuple[int, int] | None = None,
                 repeat: bool = False, clock: Callable[[], float] = time.monotonic) -> None:
        if not scenes:
            raise ValueError("a stand-in camera needs at least one scene")
        self.scenes, self.fps, self.repeat = list(scenes), float(fps), repeat
        self._clock = clock
        if size is None:
            clips = [s.clip for s in scenes if s.clip is not None]
            if clips:
                with VideoFile(clips[0]) as first:
                    size = (first.info.width, first.info.height)
            else:
                size = (640, 480)
        self.size = size
        self._frames: Iterator[np.ndarray] = self._play()
        self._start: float | None = None
        self._next = 0  # index of the next frame due
        self.delivered = 0
        self.skipped = 0  # frames the camera "captured" while nobody was reading
        self.finished = False
        self.playing = 0  # the index of the scene being played
        self._open = True

    def _play(self) -> Iterator[np.ndarray]:
        while True:
            for i, scene in enumerate(self.scenes):
                self.playing = i
                yield from self._scene(scene)
            if not self.repeat:
                return

    def _scene(self, scene: Scene) -> Iterator[np.ndarray]:
        w, h = self.size
        if scene.clip is None:
            blank = np.full((h, w, 3), EMPTY_GREY, np.uint8)
            for _ in range(round((scene.seconds or 0.0) * self.fps)):
                yield blank
            return
        with VideoFile(scene.clip) as video:
            for frame in video:
                if scene.seconds is not None and frame.t >= scene.seconds:
                    return
                image = frame.image
                if scene.crop is not None:
                    ih, iw = image.shape[:2]
                    x0, y0, x1, y1 = scene.crop
                    image = image[int(y0 * ih):int(y1 * ih), int(x0 * iw):int(x1 * iw)]
                if (image.shape[1], image.shape[0]) != (w, h):
                    image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
                yield image

    # --- the part of cv2.VideoCapture that sources.Camera uses --------------------------------

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self._open

    def read(self) -> tuple[bool, np.ndarray | None]:
        """The frame due now, waiting for it if it is not due yet."""
        if not self._open or self.finished:
            return False, None
        now = self._clock()
        if self._start is None:
            self._start = now
        due_now = math.floor((now - self._start) * self.fps + 1e-9)
        if due_now < self._next:
            time.sleep(max(0.0, self._start + self._next / self.fps - now))
            due_now = self._next
        image = None
        for _ in range(due_now - self._next + 1):  # frames due meanwhile were captured, unread
            image = next(self._frames, None)
            if image is None:
                self.finished = True
                return False, None
        self.skipped += due_now - self._next
        self._next = due_now + 1
        self.delivered += 1
        return True, image

    def get(self, prop_id: int) -> float:
        return {cv2.CAP_PROP_FPS: self.fps, cv2.CAP_PROP_FRAME_WIDTH: float(self.size[0]),
                cv2.CAP_PROP_FRAME_HEIGHT: float(self.size[1])}.get(prop_id, 0.0)

    def release(self) -> None:
        self._open = False
        close = getattr(self._frames, "close", None)
        if close is not None:
            try:
                close()
            except ValueError:  # "generator already executing": released from another thread
                pass
