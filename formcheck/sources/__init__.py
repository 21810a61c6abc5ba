"""Where frames come from: a video file, a camera, or a file played as if it were a camera.

Every source is an iterable of `Frame(t, image, index)` with the same promises, so the session
never asks what it is reading:

- `t` is seconds from the source's own clock (a file's presentation timestamps, a camera's
  `time.monotonic()`), starting near 0 and strictly increasing; nothing downstream should
  recompute time from frame indices (variable frame rate and dropped frames make that wrong).
- `image` is BGR uint8 and upright: a phone video's display matrix is applied here, once.
- `info` (a `SourceInfo`) is known before the first frame, so sinks can be opened early.
- `dropped` counts frames the source did not deliver, and `ended_reason` is None when the
  source ran to its natural end (the end of a file) or a one-line reason when it ended early (a
  camera that stopped, a file that breaks off mid-stream). An early end is never an exception:
  the frames already delivered stay valid, and the caller decides how to report it (the
  pipeline marks its outputs partial).
- Bad inputs discovered before the first frame (missing file, not a video, camera that will
  not open) raise `UserError` with a one-line message.

    with open_source("clip.mp4") as source:     # or 0, "rtsp://...", or paced=True
        for frame in source:
            ...
        if source.ended_reason:
            print("ended early:", source.ended_reason)

A live camera produces frames at its own pace whatever the analysis does, so `Camera` and
`PacedFile` read on a background thread into a one-slot buffer (`LatestFrame`) that keeps only
the newest frame: when analysis is slower than the camera, stale frames are dropped (and counted),
never queued, so the feedback never lags further and further behind the person.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

import av
import cv2
import numpy as np

from formcheck.errors import UserError
from formcheck.frames import Frame, SourceInfo

#: Seconds without a new camera frame after which the camera counts as stopped. Long enough
#: for a USB camera's auto-exposure hiccups, short enough that an unplugged camera ends the
#: session before the user wonders whether formcheck has hung.
DEFAULT_STALE_TIMEOUT = 2.5
#: Seconds a camera that opened may take to deliver its first frame (some warm up slowly).
DEFAULT_FIRST_FRAME_TIMEOUT = 5.0
#: Stream URL schemes OpenCV's FFmpeg backend can read as a camera.
STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")


class Source(ABC):
    """What every source offers: iterate for `Frame`s; `info`, `dropped`, `ended_reason`.

    A source is a context manager and must be closed (`close()` is idempotent): files and
    cameras are OS resources that should not wait for the garbage collector.
    """

    info: SourceInfo
    #: Why iteration ended early, in one line; None while running or after a natural end.
    ended_reason: str | None = None

    @property
    def dropped(self) -> int:
        """Frames the source had but did not deliver (too slow a consumer, broken timestamps)."""
        return 0

    @abstractmethod
    def __iter__(self) -> Iterator[Frame]: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# Video files (PyAV)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Orientation:
    """How to turn a stored image upright: rotate `rotation` degrees clockwise, then mirror.

    Phones store the sensor's landscape image and a display matrix saying how to show it;
    players apply it, so must we, or a standing person lies on their side for the pose model.
    """

    rotation: int = 0  # 0, 90, 180 or 270, clockwise
    mirror: bool = False  # flip left-right after the rotation

    def apply(self, image: np.ndarray) -> np.ndarray:
        if self.rotation == 90:
            image = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
        elif self.rotation == 180:
            image = cv2.rotate(image, cv2.ROTATE_180)
        elif self.rotation == 270:
            image = cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
        if self.mirror:
            image = cv2.flip(image, 1)
        return image

    def upright_size(self, width: int, height: int) -> tuple[int, int]:
        return (height, width) if self.rotation in (90, 270) else (width, height)


# The 2x2 part of FFmpeg's display matrix, (a, b, c, d) with x' = a*x + c*y, y' = b*x + d*y in
# image coordinates (y down), rounded to -1/0/1, for each rotation (clockwise) without mirror.
_ROTATIONS: dict[tuple[int, int, int, int], int] = {
    (1, 0, 0, 1): 0,
    (0, 1, -1, 0): 90,
    (-1, 0, 0, -1): 180,
    (0, -1, 1, 0): 270,
}


def orientation_from_display_matrix(matrix: tuple[int, ...]) -> Orientation | None:
    """Decode FFmpeg's AV_FRAME_DATA_DISPLAYMATRIX (9 int32, 16.16 fixed point) exactly.

    Handles the eight right-angle orientations (rotations and mirrored ones), which is what
    cameras write; returns None for anything else (arbitrary angles, degenerate matrices).
    Mirroring is read from the matrix's determinant rather than `VideoFrame.rotation`, which
    reports only an angle and so gets mirrored files wrong.
    """

    def unit(v: int) -> int:
        return 0 if abs(v) < 32768 else (1 if v > 0 else -1)

    a, b, c, d = unit(matrix[0]), unit(matrix[1]), unit(matrix[3]), unit(matrix[4])
    if (a, b, c, d) in _ROTATIONS:
        return Orientation(_ROTATIONS[(a, b, c, d)], mirror=False)
    # Mirrored: M = H.R with H = diag(-1, 1) (mirror after rotating), so R = H.M negates x'.
    mirrored = (-a, b, -c, d)
    if mirrored in _ROTATIONS:
        return Orientation(_ROTATIONS[mirrored], mirror=True)
    return None


def frame_orientation(frame: av.VideoFrame, metadata: dict[str, str]) -> tuple[Orientation, str]:
    """The orientation of a decoded frame and where it came from (for the report).

    The display matrix arrives as frame side data (FFmpeg copies the stream's coded side data
    onto every frame); old files may carry only a `rotate` tag (clockwise degrees).
    """
    for side_data in frame.side_data:
        if getattr(side_data.type, "name", "") == "DISPLAYMATRIX":
            raw = bytes(side_data)
            if len(raw) >= 36:
                found = orientation_from_display_matrix(struct.unpack("=9i", raw[:36]))
                if found is not None:
                    return found, "display matrix"
            # An angle that is not a right angle: use the nearest one (counter-clockwise read).
            nearest = round(-float(frame.rotation) / 90.0) * 90 % 360
            return Orientation(nearest), "display matrix (rounded)"
    tag = metadata.get("rotate")
    if tag is not None:
        try:
            return Orientation(round(float(tag) / 90.0) * 90 % 360), "rotate tag"
        except ValueError:
            pass
    return Orientation(), "none"


def _one_line(error: BaseException) -> str:
    """An FFmpeg or OS error as a short one-line reason."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(str(text).split())


def _check_path(path: Path, shown: str) -> None:
    """Fail early, in words, on the mistakes users make before FFmpeg would say 'Invalid data'."""
    if not path.exists():
        raise UserError(f"video not found: {shown}")
    if path.is_dir():
        raise UserError(f"{shown} is a directory, not a video file")
    if not os.access(path, os.R_OK):
        raise UserError(f"cannot read {shown}: permission denied")
    if path.stat().st_size == 0:
        raise UserError(f"{shown} is an empty file (0 bytes), not a video")


def _open_container(path: Path, shown: str) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r")
    except av.error.EOFError:
        raise UserError(f"{shown} ends before any video data: empty or truncated video") from None
    except av.error.InvalidDataError:
        raise UserError(
            f"{shown} is not a video FFmpeg can read (invalid data; truncated or not a video file?)"
        ) from None
    except PermissionError:
        raise UserError(f"cannot read {shown}: permission denied") from None
    except (av.FFmpegError, OSError) as error:
        raise UserError(f"cannot open {shown} as a video: {_one_line(error)}") from None


def _video_stream(container: av.container.InputContainer, shown: str) -> av.VideoStream:
    """The moving picture: cover art and thumbnails (attached pictures) are video streams too."""
    still = av.stream.Disposition.attached_pic | av.stream.Disposition.timed_thumbnails
    moving = [s for s in container.streams.video if not (s.disposition & still)]
    if not moving:
        kinds = sorted({s.type for s in container.streams}) or ["no streams"]
        if container.streams.video:
            kinds = ["only a still picture" if k == "video" else k for k in kinds]
        raise UserError(f"{shown} has no video stream (it holds: {', '.join(kinds)})")
    best = container.streams.best("video")  # FFmpeg's pick: most frames, highest bitrate
    return best if best in moving else moving[0]


def _seconds(value: int | None, time_base: object) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


@dataclass(frozen=True)
class _Probe:
    """What the probe learns about a file before the first frame is delivered."""

    info: SourceInfo
    orientation: Orientation
    origin_pts: int  # pts of t = 0, in stream time base
    frame_step: float  # nominal seconds per frame, only to repair a missing pts


def probe_video(path: Path, shown: str) -> _Probe:
    """Open, check and describe a video file; decode only its first frame.

    The first frame is decoded because it is the only reliable carrier of the display matrix in
    FFmpeg 7 (the `rotate` tag is gone) and because a file that opens but yields no frame at
    all is an empty video the user should hear about now, not after the model has loaded.
    """
    with _open_container(path, shown) as container:
        stream = _video_stream(container, shown)
        time_base = stream.time_base
        first: av.VideoFrame | None = None
        try:
            for frame in container.decode(stream):
                first = frame
                break
        except av.FFmpegError as error:
            raise UserError(
                f"{shown}: the video cannot be decoded ({_one_line(error)}); corrupt file?"
            ) from None
        if first is None:
            raise UserError(f"{shown} is an empty video: its video stream has no frames")
        orientation, rotation_from = frame_orientation(first, dict(stream.metadata))
        width, height = orientation.upright_size(first.width, first.height)

        origin = stream.start_time if stream.start_time is not None else first.pts
        if origin is None:
            origin = 0
        frame_count = int(stream.frames) or None
        duration = _seconds(stream.duration, time_base)
        # The whole file's duration (all streams): only when the video's own is unknowable.
        container_duration = container.duration / av.time_base if container.duration else None
        rate = stream.average_rate or stream.guessed_rate
        extra: dict[str, object] = {"codec": stream.codec_context.name}
        if orientation.rotation or orientation.mirror:
            extra["rotation_from"] = rotation_from
        if orientation.mirror:
            extra["mirrored"] = True
        frame_count_from = "container"

    if frame_count is None or duration is None:
        step = round(1 / (rate * time_base)) if rate and time_base else 0
        counted, end_pts = count_packets(path, shown, default_duration=step)
        if frame_count is None:
            frame_count, frame_count_from = counted, "packet count"
        if duration is None and end_pts is not None and time_base is not None:
            duration = float((end_pts - origin) * time_base)
    if duration is None:
        duration = container_duration
    extra["frame_count_from"] = frame_count_from

    fps = float(rate) if rate else None
    if fps is None and frame_count and duration:
        fps = frame_count / duration
    info = SourceInfo(
        kind="file",
        name=shown,
        width=width,
        height=height,
        fps=fps,
        duration=duration,
        frame_count=frame_count,
        rotation=orientation.rotation,
        path=path.resolve(),
        extra=extra,
    )
    return _Probe(info, orientation, int(origin), 1.0 / fps if fps else 1.0 / 30.0)


def count_packets(path: Path, shown: str, default_duration: int = 0) -> tuple[int, int | None]:
    """(video packets, end pts) by demuxing without decoding: fast, for containers without counts.

    `default_duration` (stream time base) stands in for packets that carry no duration, so the
    end is the end of the last frame, not its start.

    One packet is one frame for every codec a camera or phone writes (H.264, HEVC, VP8/9, AV1,
    MJPEG); Matroska/WebM files store no frame count, so this is how we know it up front.
    """
    count, end = 0, None
    with _open_container(path, shown) as container:
        stream = _video_stream(container, shown)
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue  # the demuxer's final flush packet
                count += 1
                if packet.pts is not None:
                    stop = packet.pts + (packet.duration or default_duration)
                    end = stop if end is None else max(end, stop)
        except av.FFmpegError:
            pass  # a damaged tail: the count so far is the honest answer
    return count, end


class VideoFile(Source):
    """Every frame of a video file, with its presentation time, upright (PyAV).

        with VideoFile("squats.mp4") as video:
            print(video.info.frame_count, video.info.duration)
            for frame in video:
                ...

    Times are the stored timestamps (pts * time_base - start time), so variable-frame-rate
    phone videos keep their real timing. Timestamps that do not increase (duplicated or out of
    order, from broken muxers) are dropped, a missing one is repaired from the nominal frame
    rate; both are counted in `info.extra` ("timestamps_dropped", "timestamps_repaired").

    `info.duration` and `info.frame_count` are the container's (a demux-only packet scan when it
    stores none); after iteration `info.extra["decoded_frames"]` and `["decoded_duration"]` (end
    of the last frame) say what was really decoded. They agree on CFR files; on VFR files with
    B-frames an MP4's stored duration can be a frame short of the last frame's end.

    A file that breaks off mid-stream (decode error, or ends well short of its frame count)
    stops iteration cleanly: the frames already yielded stand, `ended_reason` says what
    happened and `info.extra["decode_error"]` keeps FFmpeg's reason. Iterating again starts over.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._shown = str(path)
        _check_path(self.path, self._shown)
        probe = probe_video(self.path, self._shown)
        self.info = probe.info
        self._orientation = probe.orientation
        self._origin = probe.origin_pts
        self._frame_step = probe.frame_step
        self._container: av.container.InputContainer | None = None
        self._dropped = 0
        self.ended_reason = None

    @property
    def dropped(self) -> int:
        return self._dropped

    def __iter__(self) -> Iterator[Frame]:
        self.close()
        self.ended_reason = None
        self._dropped = 0
        container = _open_container(self.path, self._shown)
        self._container = container
        stream = _video_stream(container, self._shown)
        stream.thread_type = "AUTO"  # frame + slice threads: decoding stays a small share
        time_base = stream.time_base
        decoded = container.decode(stream)
        last_t: float | None = None
        end_t = 0.0  # end of the last delivered frame: the decoded duration
        delivered = repaired = corrupt = 0
        extra = self.info.extra
        try:
            while True:
                try:
                    av_frame = next(decoded)
                except StopIteration:
                    break
                except av.FFmpegError as error:
                    reason = _one_line(error)
                    extra["decode_error"] = reason
                    self.ended_reason = (
                        f"{self._shown}: decode error after {delivered} frames ({reason}); "
                        "kept the frames before it"
                    )
                    break
                if av_frame.pts is None or time_base is None:
                    if last_t is None:
                        t = 0.0
                    else:
                        t = last_t + self._frame_step
                    repaired += 1
                else:
                    t = float((av_frame.pts - self._origin) * time_base)
                if last_t is not None and t <= last_t:
                    self._dropped += 1  # a repeated or backwards timestamp
                    continue
                if av_frame.is_corrupt:
                    corrupt += 1
                image = self._orientation.apply(av_frame.to_ndarray(format="bgr24"))
                last_t = t
                step = _seconds(av_frame.duration, time_base) if av_frame.duration else None
                end_t = t + (step or self._frame_step)
                yield Frame(t=t, image=image, index=delivered)
                delivered += 1
        finally:
            extra["decoded_frames"] = delivered
            extra["decoded_duration"] = round(end_t, 6)
            extra["timestamps_dropped"] = self._dropped
            extra["timestamps_repaired"] = repaired
            if corrupt:
                extra["corrupt_frames"] = corrupt
            if self._container is container:
                self.close()
            else:
                container.close()
        expected = self.info.frame_count
        if self.ended_reason is None and expected:
            missing = expected - delivered - self._dropped
            if missing > 0:
                extra["frames_missing"] = missing
            if missing > max(1, expected // 100):
                self.ended_reason = (
                    f"{self._shown} ended after {delivered} of {expected} frames "
                    "(truncated or corrupt file); kept the frames before it"
                )

    def close(self) -> None:
        if self._container is not None:
            container, self._container = self._container, None
            container.close()


# --------------------------------------------------------------------------------------------
# The newest-frame mechanism shared by cameras and paced files
# --------------------------------------------------------------------------------------------


class LatestFrame:
    """A one-slot mailbox between a producer thread and the consumer: only the newest frame.

    `put` replaces an undelivered frame (counting it in `dropped`) instead of queueing it, so a
    slow consumer always gets the most recent image and never drifts behind real time.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: tuple[float, np.ndarray] | None = None
        self._finished = False
        self.reason: str | None = None  # why the producer finished; None = natural end
        self.dropped = 0
        self.produced = 0
        self.last_put: float | None = None  # time.monotonic() of the newest put

    def put(self, t: float, image: np.ndarray) -> None:
        with self._cond:
            if self._pending is not None:
                self.dropped += 1
            self._pending = (t, image)
            self.produced += 1
            self.last_put = time.monotonic()
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

    def take(self, deadline: Callable[[], float | None]) -> tuple[float, np.ndarray] | bool:
        """The newest frame; False once finished and empty; True when `deadline()` passed first.

        `deadline` is re-read on every wake-up (it moves with each new frame), and None means
        wait for ever.
        """
        with self._cond:
            while True:
                if self._pending is not None:
                    item, self._pending = self._pending, None
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
            reason = f"{self.info.name if hasattr(self, 'info') else 'source'} failed: {_one_line(error)}"
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
                t, image = item
                yield Frame(t=t, image=image, index=index)
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
            raise UserError(f"{self._label} could not be opened: {_one_line(error)}") from None
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


# --------------------------------------------------------------------------------------------
# Choosing a source from what the user typed
# --------------------------------------------------------------------------------------------


def is_camera_spec(spec: str | int) -> bool:
    """A device index ("0", 0), a /dev/video path, or a stream URL."""
    if isinstance(spec, int):
        return True
    text = spec.strip()
    return (
        text.isdigit()
        or text.lower().startswith(STREAM_SCHEMES)
        or (text.startswith("/dev/video") and not Path(text).is_file())
    )


def open_source(
    spec: str | int | os.PathLike[str],
    *,
    paced: bool = False,
    stale_timeout: float = DEFAULT_STALE_TIMEOUT,
    capture_factory: Callable[[int | str], CaptureLike] = opencv_capture,
) -> Source:
    """The source the user means: `0`/"0" a webcam, a URL a stream, a path a video file.

    `paced=True` plays a file in real time as if it were a camera (`formcheck live --camera
    FILE`); it has no effect on cameras, which are always live.
    """
    if isinstance(spec, (str, int)) and is_camera_spec(spec):
        text = str(spec).strip()
        device: int | str = int(text) if text.isdigit() else text
        return Camera(device, capture_factory=capture_factory, stale_timeout=stale_timeout)
    return PacedFile(spec) if paced else VideoFile(spec)
