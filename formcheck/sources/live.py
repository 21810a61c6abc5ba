"""Live sources: a camera, or a file played as if it were one, read on a background thread.

A live camera produces frames at its own pace whatever the analysis does, so `Camera` and
`PacedFile` read on a background thread into a one-slot buffer (`LatestFrame`) that keeps only
the newest frame: when analysis is slower than the camera, stale frames are dropped (and counted),
never queued, so the feedback never lags further and further behind the person.
"""

from __future__ import annotations

import os
import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator
from typing import Protocol

import cv2
import numpy as np

from formcheck.errors import UserError
from formcheck.frames import Frame, SourceInfo
from formcheck.sources.base import Source, one_line
from formcheck.sources.files import VideoFile


#: Seconds without a new camera frame after which the camera counts as stopped. Long enough
#: for a USB camera's auto-exposure hiccups, short enough that an unplugged camera ends the
#: session before the user wonders whether formcheck has hung.
DEFAULT_STALE_TIMEOUT = 2.5
#: Seconds a camera that opened may take to deliver its first frame (some warm up slowly).
DEFAULT_FIRST_FRAME_TIMEOUT = 5.0


# --------------------------------------------------------------------------------------------
# The newest-frame mechanism shared by cameras and paced files
# --------------------------------------------------------------------------------------------


class LatestFrame:
    """A one-slot mailbox between a producer thread and the consumer: only the newest frame.

    `put` replaces an undelivered frame instead of queueing it, so a slow consumer always gets
    the most recent image and never drifts behind real time. `dropped` counts the frames
    replaced before the consumer took a newer one: those it skipped while it was analysing, not
    those that arrive after it has stopped taking (a session writing its outputs).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: tuple[float, np.ndarray, float] | None = None  # (t, image, put at)
        self._finished = False
        self.reason: str | None = None  # why the producer finished; None = natural end
        self.dropped = 0
        self._replaced = 0  # every replaced frame, counted into `dropped` at the next take
        self.produced = 0
        self.last_put: float | None = None  # time.monotonic() of the newest put

    def put(self, t: float, image: np.ndarray) -> None:
        with self._cond:
            if self._pending is not None:
                self._replaced += 1
            self.last_put = time.monotonic()
            self._pending = (t, image, self.last_put)
            self.produced += 1
            self._cond.notify_all()

    def finish(self, reason: str | None) -> None:
        """The producer will put no more; a pending frame is still delivered."""
        with self._cond:
            if not self._finished:
                self._finished, self.reason = True, reason
            self._cond.notify_all()

    @property
    def finished(self) -> bool:
        return self._finished

    def take(self, deadline: Callable[[], float | None]) -> tuple[float, np.ndarray, float] | bool:
        """The newest frame (t, image, monotonic time it was put); False once finished and empty;
        True when `deadline()` passed first.

        `deadline` is re-read on every wake-up (it moves with each new frame), and None means
        wait for ever.
        """
        with self._cond:
            while True:
                if self._pending is not None:
                    item, self._pending = self._pending, None
                    self.dropped = self._replaced
                    return item
                if self._finished:
                    return False
                until = deadline()
                if until is None:
                    self._cond.wait()
                    continue
                remaining = until - time.monotonic()
                if remaining <= 0:
                    return True
                self._cond.wait(remaining)


class _ThreadedSource(Source):
    """A source whose frames are produced on a reader thread into a `LatestFrame` slot.

    Subclasses implement `_produce()` (runs on the thread, calls `self._slot.put`, returns the
    reason it stopped or None at a natural end) and `_stalled_message()`. `stale_timeout`
    bounds how long the consumer waits for a new frame after the previous one (None: no bound).
    """

    def __init__(self, stale_timeout: float | None) -> None:
        self._slot = LatestFrame()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stale_timeout = stale_timeout
        self._started_at: float | None = None
        self._iterated = False
        self.ended_reason = None

    @property
    def dropped(self) -> int:
        return self._slot.dropped

    @abstractmethod
    def _produce(self) -> str | None: ...

    @abstractmethod
    def _stalled_message(self) -> str: ...

    def _start(self) -> None:
        if self._thread is None:
            self._started_at = time.monotonic()
            self._thread = threading.Thread(
                target=self._run, name=f"formcheck-{type(self).__name__}", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        reason: str | None
        try:
            reason = self._produce()
        except Exception as error:  # a reader thread must report, never die silently
            reason = f"{self.info.name if hasattr(self, 'info') else 'source'} failed: {one_line(error)}"
        self._slot.finish(reason)

    def _deadline(self) -> float | None:
        if self._stale_timeout is None:
            return None
        since = self._slot.last_put if self._slot.last_put is not None else self._started_at
        return (since or time.monotonic()) + self._stale_timeout

    def __iter__(self) -> Iterator[Frame]:
        if self._iterated:
            raise RuntimeError(f"{type(self).__name__} is live and can be iterated only once")
        self._iterated = True
        self._start()
        index = 0
        try:
            while not self._stop.is_set():
                item = self._slot.take(self._deadline)
                if item is True:
                    self.ended_reason = self._stalled_message()
                    break
                if item is False:
                    self.ended_reason = self._slot.reason
                    break
                t, image, captured = item
                yield Frame(t=t, image=image, index=index, captured=captured)
                index += 1
        finally:
            self.info.extra["delivered_frames"] = index
            self.info.extra["dropped_frames"] = self.dropped

    def close(self) -> None:
        self._stop.set()
        self._slot.finish(self._slot.reason)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            # A reader blocked inside a driver call cannot be interrupted; it is a daemon and
            # releases its device itself when the call returns.
            thread.join(timeout=1.0)


# --------------------------------------------------------------------------------------------
# Cameras (OpenCV)
# --------------------------------------------------------------------------------------------


class CaptureLike(Protocol):
    """The part of `cv2.VideoCapture` a camera needs; tests pass a fake with these methods."""

    def isOpened(self) -> bool: ...  # noqa: N802 (OpenCV's name)

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def get(self, prop_id: int) -> float: ...

    def release(self) -> None: ...


def opencv_capture(device: int | str) -> CaptureLike:
    """The default capture factory: OpenCV's own choice of backend for the device or URL.

    OpenCV tries several backends and each prints its failure (and FFmpeg its own) to stderr;
    the user should see only our one-line message, so both are silenced while opening.
    `OPENCV_FFMPEG_LOGLEVEL` is only defaulted: set it to see FFmpeg's side when debugging.
    """
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
    logging = cv2.utils.logging
    previous = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        return cv2.VideoCapture(device)
    finally:
        logging.setLogLevel(previous)


class Camera(_ThreadedSource):
    """A webcam (device index) or a stream URL, read on a thread that keeps the newest frame.

        with Camera(0) as camera:
            for frame in camera:          # ends when the camera stops delivering frames
                ...
            print(camera.ended_reason, camera.dropped)

    `t` is `time.monotonic()` when a frame was read, relative to the first frame. The camera is
    opened and its first frame awaited in the constructor, so `info` has the real image size and
    a camera that will not open or delivers nothing fails with `UserError` before any work.
    After that, a camera that stops delivering (read() fails or blocks for `stale_timeout`
    seconds) ends iteration with `ended_reason` set; it never raises mid-session.
    `capture_factory(device)` builds the capture object (`cv2.VideoCapture` by default).
    """

    def __init__(
        self,
        device: int | str,
        *,
        capture_factory: Callable[[int | str], CaptureLike] = opencv_capture,
        stale_timeout: float = DEFAULT_STALE_TIMEOUT,
        first_frame_timeout: float = DEFAULT_FIRST_FRAME_TIMEOUT,
    ) -> None:
        super().__init__(stale_timeout)
        self.device = device
        self._label = f"camera {device}"
        try:
            capture = capture_factory(device)
            opened = bool(capture.isOpened())
        except Exception as error:  # OpenCV raises cv2.error for some bad URLs
            raise UserError(f"{self._label} could not be opened: {one_line(error)}") from None
        if not opened:
            capture.release()
            hint = (
                "is it plugged in, and not in use by another program?"
                if isinstance(device, int)
                else "check the URL and that the stream is up"
            )
            raise UserError(f"{self._label} could not be opened: {hint}")
        self._capture = capture
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._t0: float | None = None
        self._last_t = -1.0
        self._first_size: tuple[int, int] | None = None
        self._first_ready = threading.Event()
        self._start()
        got_first = self._first_ready.wait(first_frame_timeout)
        if not got_first or self._first_size is None:
            self.close()
            reason = self._slot.reason or f"no frame within {first_frame_timeout:g} s"
            raise UserError(f"{self._label} opened but delivered no frame ({reason})")
        width, height = self._first_size
        self.info = SourceInfo(
            kind="camera",
            name=str(device),
            width=width,
            height=height,
            fps=fps if 0 < fps < 1000 else None,
            duration=None,
            frame_count=None,
        )

    def _produce(self) -> str | None:
        capture = self._capture
        last_good = time.monotonic()
        try:
            while not self._stop.is_set():
                ok, image = capture.read()
                now = time.monotonic()
                if not ok or image is None:
                    if now - last_good > (self._stale_timeout or DEFAULT_STALE_TIMEOUT):
                        return f"{self._label} stopped delivering frames (read failed)"
                    self._stop.wait(0.02)  # an unplugged device fails at once: do not spin
                    continue
                last_good = now
                if self._t0 is None:
                    self._t0 = now
                    self._first_size = (int(image.shape[1]), int(image.shape[0]))
                    self._first_ready.set()
                t = now - self._t0
                if t <= self._last_t:  # same clock tick: keep times strictly increasing
                    t = self._last_t + 1e-6
                self._last_t = t
                self._slot.put(t, image)
            return None
        finally:
            self._first_ready.set()
            capture.release()

    def _stalled_message(self) -> str:
        return (
            f"{self._label} stopped delivering frames "
            f"(no new frame for {self._stale_timeout:g} s)"
        )


# --------------------------------------------------------------------------------------------
# A file played as a camera
# --------------------------------------------------------------------------------------------


class PacedFile(_ThreadedSource):
    """A video file released in real time, as a camera would deliver it (demos, tests).

    Frames are decoded by `VideoFile` on a thread and released when the wall clock reaches
    their timestamp; a consumer slower than the video gets the newest frame and the stale ones
    are dropped (`dropped`), exactly as with `Camera`. Times are the file's own, so results
    stay comparable with `formcheck analyze` on the same file. Ends with the file.
    """

    def __init__(self, path: str | os.PathLike[str], *, speed: float = 1.0) -> None:
        super().__init__(stale_timeout=None)  # the file always ends; a long still is legal
        self._file = VideoFile(path)
        self.info = self._file.info
        self.info.extra["paced"] = True
        self._speed = speed

    def _produce(self) -> str | None:
        start = time.monotonic()
        frames = iter(self._file)
        try:
            for frame in frames:
                delay = start + frame.t / self._speed - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    break
                if self._stop.is_set():
                    break
                self._slot.put(frame.t, frame.image)
        finally:
            frames.close()  # type: ignore[attr-defined]
        return self._file.ended_reason

    def _stalled_message(self) -> str:  # pragma: no cover - no stale timeout for files
        return f"{self.info.name} stopped delivering frames"

    def close(self) -> None:
        super().close()
        if self._thread is None or not self._thread.is_alive():
            self._file.close()
