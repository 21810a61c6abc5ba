"""A few frames of a video file by their times, for the report's stills.

`VideoFile` reads a file from start to end; a report needs one frame per rep (the hold's
middle), so `frames_at` seeks to the keyframe before each time and decodes on to it: a few
stills of an hour-long session cost a few keyframe intervals of decoding, not the whole file.
Times are the ones `VideoFile` gives its frames (the same origin, the image turned upright).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import av

from formcheck.frames import Frame
from formcheck.sources.files import _check_path, _open_container, _video_stream, probe_video

# Decoding on from the last still beats seeking again when the next one is this close (seconds;
# a keyframe every few seconds is usual).
SEEK_AFTER = 2.0


def frames_at(path: str | os.PathLike[str], times: Sequence[float]) -> list[Frame | None]:
    """The frame on screen at each of `times` (seconds), upright, in the order of `times`.

    None for a time before the first frame or after the last, or past a point the file cannot
    be decoded from.
    `index` is the nominal one (t times the frame rate): a seek does not count frames. A file
    that cannot be opened at all is a one-line UserError, as for `VideoFile`.
    """
    p, shown = Path(path), str(path)
    _check_path(p, shown)
    probe = probe_video(p, shown)
    wanted = sorted({float(t) for t in times if math.isfinite(t)})
    found: dict[float, Frame] = {}
    with _open_container(p, shown) as container:
        stream = _video_stream(container, shown)
        stream.thread_type = "AUTO"
        base = stream.time_base
        if base is None:
            return [None for _ in times]
        decoded: Iterator[av.VideoFrame] | None = None
        prev: tuple[float, av.VideoFrame] | None = None  # the last frame at or before the target
        ahead: tuple[float, av.VideoFrame | None] | None = None  # the first frame read past it
        try:
            for target in wanted:
                where = ahead or prev
                if decoded is None or where is None or target - where[0] > SEEK_AFTER:
                    container.seek(probe.origin_pts + round(target / float(base)), stream=stream,
                                   backward=True, any_frame=False)
                    decoded, prev, ahead = container.decode(stream), None, None
                while ahead is None or ahead[0] <= target:
                    if ahead is not None and ahead[1] is not None:
                        prev = (ahead[0], ahead[1])
                    av_frame = next(decoded, None)
                    if av_frame is None:
                        ahead = (math.inf, None)
                        break
                    if av_frame.pts is not None:
                        ahead = (float((av_frame.pts - probe.origin_pts) * base), av_frame)
                if ahead[0] == math.inf and prev is not None and target - prev[0] > 1.5 * probe.frame_step:
                    continue  # past the last frame: nothing is on screen then
                if prev is not None:
                    image = probe.orientation.apply(prev[1].to_ndarray(format="bgr24"))
                    found[target] = Frame(t=prev[0], image=image, index=round(prev[0] / probe.frame_step))
        except av.FFmpegError:
            pass  # a damaged stretch: the frames found before it stand
    return [found.get(float(t)) if math.isfinite(t) else None for t in times]
