"""The video sinks: the annotated H.264 MP4 (`VideoSink`) and the raw camera recording
(`RawVideoSink`), both keeping the source's own frame times, and the "partial" mark an MP4 gets
when the run was cut short.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from formcheck.cpu import available_cores
from formcheck.errors import UserError
from formcheck.files import discard, reason_of
from formcheck.frames import Frame
from formcheck.landmarks import PoseFrame
from formcheck.sinks.base import PARTIAL_COMMENT, AtomicSink

__all__ = ["VideoSink", "RawVideoSink"]

# Fine enough to carry any source's timestamps (camera clocks, 29.97 fps, VFR phone video) to
# within 11 microseconds; 90 kHz is the MPEG convention and the MP4 muxer keeps it as timescale.
VIDEO_TIME_BASE = Fraction(1, 90_000)

# FFmpeg's AVColorSpace/AVColorPrimaries/AVColorTransferCharacteristic value 6 (SMPTE 170M,
# i.e. BT.601 525) and AVColorRange 1 (MPEG, "tv", 16-235).
_BT601 = 6
_LIMITED_RANGE = 1


def _even(n: int) -> int:
    return n + (n % 2)


class VideoSink(AtomicSink):
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
        preset: str = "superfast",  # 2x veryfast's size, 1.5x cheaper: it keeps up with the model
        threads: int | None = None,
    ) -> None:
        super().__init__(path)
        if width < 1 or height < 1:
            raise ValueError(f"video size must be positive, got {width}x{height}")
        self.width = int(width)
        self.height = int(height)
        self.fps_hint = float(fps_hint) if fps_hint and math.isfinite(fps_hint) and fps_hint > 0 else 30.0
        self.crf = int(crf if crf is not None else self.default_crf)
        self.preset = preset
        # x264's threads: on two cores or fewer, none of its own. They would be started where the
        # codec opens (the caller's thread, at full priority) and preempt the pose model; encoding
        # on the thread that writes (the output thread, lowered: formcheck.cpu) keeps up with
        # it. 0 = x264's automatic count, for machines with cores to spare.
        self.threads = int(threads if threads is not None else (1 if available_cores() <= 2 else 0))
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
            stream.options = {"crf": str(self.crf), "preset": self.preset, "threads": str(self.threads)}
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
