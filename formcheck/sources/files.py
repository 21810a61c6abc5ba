"""Video files read with PyAV: every frame with its stored presentation time, turned upright.

A phone video is stored sideways with a display matrix saying how to show it (`Orientation`,
decoded exactly, mirrored files included); `probe_video` learns size, rate, duration and frame
count before the first frame is delivered (`count_packets` when the container stores no
count), and `VideoFile` yields the frames, ending cleanly, with a reason, on a corrupt tail.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from formcheck.errors import UserError
from formcheck.frames import Frame, SourceInfo
from formcheck.sources.base import Source, one_line


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
        raise UserError(f"cannot open {shown} as a video: {one_line(error)}") from None


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
                f"{shown}: the video cannot be decoded ({one_line(error)}); corrupt file?"
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
                    reason = one_line(error)
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
