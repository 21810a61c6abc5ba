"""Where frames come from: a video file, a camera, or a file played as if it were a camera.

`open_source` turns what the user typed into the source they mean. Every source keeps the same
promises (`base.Source`): real times, upright images, `info` before the first frame, and an
early end told as `ended_reason`, never raised. `files` reads video files (PyAV); `live` holds
the sources read on a background thread that keeps only the newest frame (`Camera`, `PacedFile`).

    with open_source("clip.mp4") as source:     # or 0, "rtsp://...", or paced=True
        for frame in source:
            ...
        if source.ended_reason:
            print("ended early:", source.ended_reason)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from formcheck.sources.ahead import ReadAhead
from formcheck.sources.base import Source
from formcheck.sources.files import (
    Orientation,
    VideoFile,
    count_packets,
    frame_orientation,
    orientation_from_display_matrix,
    probe_video,
)
from formcheck.sources.live import (
    DEFAULT_FIRST_FRAME_TIMEOUT,
    DEFAULT_STALE_TIMEOUT,
    Camera,
    CaptureLike,
    LatestFrame,
    PacedFile,
    opencv_capture,
)

__all__ = [
    "Source",
    "ReadAhead",
    "Orientation",
    "orientation_from_display_matrix",
    "frame_orientation",
    "probe_video",
    "count_packets",
    "VideoFile",
    "DEFAULT_STALE_TIMEOUT",
    "DEFAULT_FIRST_FRAME_TIMEOUT",
    "LatestFrame",
    "CaptureLike",
    "opencv_capture",
    "Camera",
    "PacedFile",
    "STREAM_SCHEMES",
    "is_camera_spec",
    "open_source",
]

#: Stream URL schemes OpenCV's FFmpeg backend can read as a camera.
STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")


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
