"""Where a session's results go: the annotated H.264 video, the per-frame CSV and the JSON report.

Every output is written the same way, so that an interrupted run (Ctrl-C, a crash, a camera that
dies) never leaves half a file behind:

1. `__enter__` checks the destination *before any work is done* (a read-only folder, a file where
   a folder should be, a parent that cannot be created) and raises a one-line `UserError` naming
   the path, instead of failing after an hour of analysis;
2. everything is written to a hidden temp file in the destination folder (same file system, so the
   final rename is atomic);
3. `close()` finishes the file (flushes the encoder, writes the MP4 index, fsyncs) and renames it
   into place. `close(partial=True)` does the same, so what was computed is kept as a valid file;
   the MP4 then carries the metadata comment "partial" (the JSON report says so in its own words).

`__exit__` calls `close(partial=exc_type is not None)` and never swallows the exception.

    >>> from formcheck.sinks import CsvSink, VideoSink, output_paths
    >>> paths = output_paths("out", "clip")
    >>> with VideoSink(paths["video"], width=640, height=480, fps_hint=30) as video, \\
    ...      CsvSink(paths["csv"]) as csv:                                  # doctest: +SKIP
    ...     for frame, pose, annotated in session:
    ...         video.write(frame, pose, annotated)
    ...         csv.write(frame, pose, None)
"""

from __future__ import annotations

import csv
import io
import math
import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

import av
import cv2
import numpy as np

from formcheck.errors import UserError
from formcheck.files import discard, open_temp, publish, reason_of, write_json_atomic
from formcheck.frames import Frame
from formcheck.landmarks import NUM_LANDMARKS, Landmark, PoseFrame

__all__ = [
    "Sink",
    "VideoSink",
    "RawVideoSink",
    "CsvSink",
    "write_json_atomic",
    "output_paths",
    "csv_header",
    "PARTIAL_COMMENT",
]

# The MP4 metadata comment of a video cut short (Ctrl-C, an error): the file is valid and
# plays, but it holds only the frames written before the interruption.
PARTIAL_COMMENT = "partial"

# Fine enough to carry any source's timestamps (camera clocks, 29.97 fps, VFR phone video) to
# within 11 microseconds; 90 kHz is the MPEG convention and the MP4 muxer keeps it as timescale.
VIDEO_TIME_BASE = Fraction(1, 90_000)

_LANDMARK_FIELDS = ("x", "y", "z", "visibility", "presence")

# FFmpeg's AVColorSpace/AVColorPrimaries/AVColorTransferCharacteristic value 6 (SMPTE 170M,
# i.e. BT.601 525) and AVColorRange 1 (MPEG, "tv", 16-235).
_BT601 = 6
_LIMITED_RANGE = 1


class Sink(Protocol):
    """What the session writes every frame to; a context manager that finishes on exit."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None: ...

    def write(self, frame: Frame, pose: PoseFrame, annotated: np.ndarray | None) -> None: ...

    def close(self, partial: bool = False) -> None: ...


def output_paths(out_dir: str | os.PathLike[str], stem: str) -> dict[str, Path]:
    """The files one session writes into `out_dir`, named after the input's `stem`.

    Keys: "video" (<stem>.annotated.mp4), "csv" (<stem>.frames.csv), "report"
    (<stem>.report.json), "landmarks" (<stem>.landmarks.npz, the landmark recording written on
    request by formcheck.recording). Fixed names so that a user, a script and the docs can find
    them.
    """
    out = Path(out_dir)
    return {
        "video": out / f"{stem}.annotated.mp4",
        "csv": out / f"{stem}.frames.csv",
        "report": out / f"{stem}.report.json",
        "landmarks": out / f"{stem}.landmarks.npz",
    }


# --------------------------------------------------------------------------------------------
# The atomic life cycle (formcheck.files) as a sink


class _AtomicSink:
    """The shared life cycle: check + temp file at enter, finish + rename at close.

    Subclasses implement `_open(fd, tmp)`, `write(...)` and `_finish(partial) -> bool` (False:
    nothing worth keeping, e.g. a video with no frame; the temp file is then removed).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.partial: bool | None = None  # set by close()
        self.written: bool = False  # True once the file is in place
        self.frames_written = 0
        self._tmp: Path | None = None
        self._closed = False

    def __enter__(self) -> Self:
        if self._tmp is not None or self._closed:
            raise RuntimeError(f"{type(self).__name__} for {self.path} can be entered only once")
        fd, tmp = open_temp(self.path)
        self._tmp = tmp
        try:
            self._open(fd, tmp)
        except BaseException:
            discard(tmp)
            self._tmp = None
            self._closed = True
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        try:
            self.close(partial=exc_type is not None)
        except Exception as err:
            if exc is None:
                raise
            # Keep the original exception (often Ctrl-C) as the one the user sees.
            exc.add_note(f"formcheck: also could not finish {self.path}: {err}")
        return False

    def close(self, partial: bool = False) -> None:
        """Finish the file and rename it into place; `partial` marks an interrupted run.

        Safe to call more than once. If finishing fails (or is interrupted), the temp file is
        removed, so no `.part` file is ever left behind.
        """
        if self._closed:
            return
        self._closed = True
        self.partial = partial
        tmp, self._tmp = self._tmp, None
        if tmp is None:
            return
        try:
            if self._finish(tmp, partial):
                if partial:
                    try:
                        self._mark_partial(tmp)
                    except Exception:
                        pass  # the file is whole, only unmarked; the JSON report says partial
                    except BaseException:
                        # A second Ctrl-C while marking: keep the finished file, then stop.
                        publish(tmp, self.path)
                        self.written = True
                        raise
                publish(tmp, self.path)
                self.written = True
        finally:
            discard(tmp)

    def _require_open(self) -> None:
        if self._tmp is None or self._closed:
            raise RuntimeError(f"{type(self).__name__} for {self.path} is not open (use it in a with block)")

    # Subclass hooks --------------------------------------------------------------------------
    def _open(self, fd: int, tmp: Path) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _finish(self, tmp: Path, partial: bool) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def _mark_partial(self, tmp: Path) -> None:
        """Record in the finished file that the run was cut short, where the format allows it
        (CSV has no place for it: a comment row would make it invalid CSV)."""


# --------------------------------------------------------------------------------------------
# Video


def _even(n: int) -> int:
    return n + (n % 2)


class VideoSink(_AtomicSink):
    """The annotated video: H.264 (libx264, yuv420p) MP4 with the index up front (`+faststart`),
    so it plays in a browser and can be seeked while still downloading.

    It keeps the source's timing: each frame's pts is `frame.t` (relative to the first frame) in
    a 1/90000 time base, not a nominal fps, so variable-frame-rate phone videos and cameras that
    dropped frames come out with their real times; frame i lasts until frame i+1 (the last one
    as long as the one before it), so the duration matches the input's within a frame. Frames are
    encoded one frame late for exactly that reason.

    B-frames are off: with variable frame times they made libx264 + the MP4 muxer report a wrong
    duration (measured: 0.71 s instead of 1.1 s), and they add latency to live use.

    Images not of the declared size are resized to it; an odd width or height is padded by one
    replicated pixel (yuv420p needs even sizes). A video with no frame at all is not written
    (`written` stays False).

        >>> with VideoSink("out/clip.annotated.mp4", width=640, height=480, fps_hint=30) as sink:
        ...     sink.write(frame, pose, annotated)                           # doctest: +SKIP
    """

    default_crf = 23  # a preview: small files, artefacts invisible at a glance

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        width: int,
        height: int,
        fps_hint: float | None = None,
        crf: int | None = None,
        preset: str = "veryfast",
    ) -> None:
        super().__init__(path)
        if width < 1 or height < 1:
            raise ValueError(f"video size must be positive, got {width}x{height}")
        self.width = int(width)
        self.height = int(height)
        self.fps_hint = float(fps_hint) if fps_hint and math.isfinite(fps_hint) and fps_hint > 0 else 30.0
        self.crf = int(crf if crf is not None else self.default_crf)
        self.preset = preset
        self._container: Any = None
        self._stream: Any = None
        self._t0: float | None = None
        self._last_pts: int | None = None
        self._pending: av.VideoFrame | None = None
        self._prev_pts: int | None = None
        self._durations: dict[int, int] = {}

    def _open(self, fd: int, tmp: Path) -> None:
        os.close(fd)  # FFmpeg opens the file by name: faststart reads it back at the end
        try:
            container = av.open(
                str(tmp), "w", format="mp4", container_options={"movflags": "+faststart"}
            )
        except (OSError, av.FFmpegError) as err:
            raise UserError(f"cannot write {self.path}: {err}") from None
        try:
            rate = Fraction(self.fps_hint).limit_denominator(1001)
            stream = container.add_stream("libx264", rate=rate)
            stream.width = _even(self.width)
            stream.height = _even(self.height)
            stream.pix_fmt = "yuv420p"
            stream.codec_context.time_base = VIDEO_TIME_BASE
            stream.time_base = VIDEO_TIME_BASE
            stream.codec_context.max_b_frames = 0
            # Frames are converted with OpenCV's BT.601 limited-range formula: say so in the
            # stream, or players guess BT.709 for HD sizes and shift the colours.
            stream.codec_context.colorspace = _BT601
            stream.codec_context.color_primaries = _BT601
            stream.codec_context.color_trc = _BT601
            stream.codec_context.color_range = _LIMITED_RANGE
            stream.options = {"crf": str(self.crf), "preset": self.preset}
            stream.codec_context.open()  # fail here, not on the first frame
        except BaseException:
            container.close()
            raise
        self._container = container
        self._stream = stream

    def _fit(self, image: np.ndarray) -> np.ndarray:
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        elif image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        if image.dtype != np.uint8:
            image = np.clip(image, 0, 255).astype(np.uint8)
        h, w = image.shape[:2]
        if (w, h) != (self.width, self.height):
            image = cv2.resize(image, (self.width, self.height), interpolation=cv2.INTER_AREA)
        pad_x, pad_y = self.width % 2, self.height % 2
        if pad_x or pad_y:
            image = cv2.copyMakeBorder(image, 0, pad_y, 0, pad_x, cv2.BORDER_REPLICATE)
        return np.ascontiguousarray(image)

    def write(self, frame: Frame | None, pose: PoseFrame | None, annotated: np.ndarray | None) -> None:
        """Append one frame: the annotated image when given, else the frame's own image.

        The time is `frame.t` (or `pose.t` when there is no frame, e.g. a skeleton drawn from a
        recording); with neither an image nor a frame there is nothing to encode.
        """
        self._require_open()
        image = self._pick(frame, annotated)
        if image is None:
            return
        t = float(frame.t) if frame is not None else float(pose.t) if pose is not None else None
        if t is None:
            raise ValueError("VideoSink.write needs a frame or a pose to know the time")
        image = self._fit(image)
        if self._t0 is None:
            self._t0 = t
        pts = int(round((t - self._t0) / VIDEO_TIME_BASE))
        if self._last_pts is not None and pts <= self._last_pts:
            pts = self._last_pts + 1  # the MP4 needs strictly increasing times
        # OpenCV's BGR -> I420 is 3-5x faster than swscale's (measured 0.9 vs 3.4 ms at 720p)
        # and gives the same limited-range BT.601 planes (Y within 1 level).
        video_frame = av.VideoFrame.from_ndarray(cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420), format="yuv420p")
        video_frame.pts = pts
        video_frame.time_base = VIDEO_TIME_BASE
        if self._pending is not None:
            self._prev_pts = self._pending.pts
            self._encode(self._pending, pts - self._pending.pts)
        self._pending = video_frame
        self._last_pts = pts
        self.frames_written += 1

    def _pick(self, frame: Frame | None, annotated: np.ndarray | None) -> np.ndarray | None:
        if annotated is not None:
            return annotated
        return frame.image if frame is not None else None

    def _encode(self, video_frame: av.VideoFrame | None, duration: int = 0) -> None:
        if video_frame is not None:
            self._durations[video_frame.pts] = max(1, duration)
        try:
            packets = self._stream.encode(video_frame)
            for packet in packets:
                # The muxer takes the last sample's length from its packet: without it the
                # video would end one frame early.
                packet.duration = self._durations.pop(packet.pts, 0)
                self._container.mux(packet)
        except OSError as err:
            raise UserError(f"cannot write {self.path}: {reason_of(err)}") from None

    def _finish(self, tmp: Path, partial: bool) -> bool:
        try:
            if self._pending is not None:
                last = self._pending
                self._pending = None
                self._encode(last, self._final_duration(last))
            if self._container is not None and self.frames_written:
                self._encode(None)  # flush the encoder
        finally:
            if self._container is not None:
                container, self._container = self._container, None
                container.close()
        return self.frames_written > 0

    def _mark_partial(self, tmp: Path) -> None:
        _mark_mp4_partial(tmp)

    def _final_duration(self, last: av.VideoFrame) -> int:
        """How long the last frame lasts: as long as the one before it (or 1/fps_hint)."""
        if self._prev_pts is not None:
            return max(1, last.pts - self._prev_pts)
        return int(round(1.0 / self.fps_hint / VIDEO_TIME_BASE))


class RawVideoSink(VideoSink):
    """The camera as it was, without the overlay (`formcheck live --record FILE`), so a session
    can be analyzed again later. Same timing and atomicity as VideoSink; a lower CRF (18,
    visually lossless) because it is source material for the pose model, not a preview.
    """

    default_crf = 18

    def _pick(self, frame: Frame | None, annotated: np.ndarray | None) -> np.ndarray | None:
        return frame.image if frame is not None else None


def _mark_mp4_partial(tmp: Path) -> None:
    """Rewrite the finished MP4 with the metadata comment "partial" (packets copied as they are).

    PyAV hands the container's metadata to FFmpeg only when the header is written, long before
    we know the run will be cut short; re-muxing copies the packets (no re-encoding), so it
    costs a file copy, paid only by interrupted runs.
    """
    marked = tmp.with_name(tmp.name + ".partial")
    try:
        with av.open(str(tmp)) as src, av.open(
            str(marked), "w", format="mp4", container_options={"movflags": "+faststart"}
        ) as dst:
            dst.metadata["comment"] = PARTIAL_COMMENT
            src_stream = src.streams.video[0]
            dst_stream = dst.add_stream_from_template(src_stream)
            for packet in src.demux(src_stream):
                if packet.dts is None:
                    continue  # the demuxer's end-of-stream marker
                packet.stream = dst_stream
                dst.mux(packet)
        os.replace(marked, tmp)
    finally:
        discard(marked)


# --------------------------------------------------------------------------------------------
# CSV


def csv_header() -> list[str]:
    """`t, detected`, then x, y, z, visibility, presence of each landmark by its lower-case name.

    Names rather than indices so a spreadsheet user can find `left_hip_y` without the
    BlazePose index chart.
    """
    header = ["t", "detected"]
    for lm in Landmark:
        header.extend(f"{lm.name.lower()}_{field}" for field in _LANDMARK_FIELDS)
    return header


def _number(value: float) -> str:
    """Six decimals: below a pixel of a 4K image in normalized units; non-finite -> empty."""
    v = float(value)
    if not math.isfinite(v):
        return ""
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class CsvSink(_AtomicSink):
    """Per-frame landmarks as CSV: one row per frame, header first; empty cells when nobody was
    found (so "not detected" can never be mistaken for a landmark at 0, 0).

    Coordinates are MediaPipe's normalized image coordinates (x, y in 0..1 of the upright image's
    width and height, z relative depth on the scale of x). `t` is the source's time in seconds,
    as the analyzers saw it. Every row is written whole, and the file is renamed into place at
    the end, so even an interrupted run leaves a valid CSV of complete rows.

        >>> with CsvSink("out/clip.frames.csv") as sink:
        ...     sink.write(frame, pose, None)                                # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self._file: io.TextIOWrapper | None = None
        self._writer: Any = None
        self._empty = [""] * (NUM_LANDMARKS * len(_LANDMARK_FIELDS))

    def _open(self, fd: int, tmp: Path) -> None:
        self._file = open(fd, "w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writerow(csv_header())

    def _writerow(self, row: list[str]) -> None:
        try:
            self._writer.writerow(row)
        except OSError as err:
            raise UserError(f"cannot write {self.path}: {reason_of(err)}") from None

    def write(self, frame: Frame, pose: PoseFrame, annotated: np.ndarray | None = None) -> None:
        """Append the row for one frame (the image is not used: the CSV holds landmarks only)."""
        self._require_open()
        row = [f"{float(pose.t):.6f}", "1" if pose.detected else "0"]
        if pose.landmarks is None:
            row.extend(self._empty)
        else:
            values = np.asarray(pose.landmarks, dtype=np.float64)[:NUM_LANDMARKS, : len(_LANDMARK_FIELDS)]
            row.extend(_number(v) for v in values.ravel())
        self._writerow(row)
        self.frames_written += 1

    def _finish(self, tmp: Path, partial: bool) -> bool:
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()  # flushes; rows are whole because each is written by one call
            except OSError as err:
                raise UserError(f"cannot write {self.path}: {reason_of(err)}") from None
        return True
