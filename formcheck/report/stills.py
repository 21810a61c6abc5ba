"""A still per rep, at the middle of its hold, with the skeleton, small enough to embed.

Where the frames come from is read from the report itself (`find_media`): the annotated video
(the skeleton and the panel already drawn), else the input video, with the skeleton drawn from
the landmark recording when there is one; for a replayed recording, its source video first. A
path that no longer exists is also looked for beside the report, so a folder copied to a USB
stick still finds its video. Each still is a JPEG data URI a few tens of kB in size.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formcheck.errors import UserError
from formcheck.report.sections import ExerciseSection

WIDTH = 360  # pixels across a still
QUALITY = 72  # JPEG quality: the skeleton stays legible, a still weighs ~15-30 kB
MAX_STILLS = 60  # per exercise; a longer session shows its first reps' stills only


@dataclass(frozen=True)
class Media:
    """The video stills come from, whether it shows the skeleton already, and the recording to
    draw the skeleton from when it does not; `offset` is the report's time of the video's t = 0
    (formcheck's own videos start at the session's first frame). `note` says so on the page."""

    video: Path | None
    skeleton_drawn: bool = False
    recording: Path | None = None
    note: str = ""
    offset: float = 0.0


def _locate(path: Any, beside: Path) -> Path | None:
    """`path` from the report if it exists, else a file of that name beside the report."""
    if not isinstance(path, str) or not path:
        return None
    p = Path(path)
    if p.is_file():
        return p
    near = beside / p.name
    return near if near.is_file() else None


def _fits(video: Path, report: dict[str, Any]) -> bool:
    """The video is of the size the report says its frames were (not some other video)."""
    from formcheck.sources import probe_video

    try:
        info = probe_video(video, str(video)).info
    except UserError:
        return False
    inp = report.get("input") or {}
    return (info.width, info.height) == (inp.get("width"), inp.get("height"))


def find_media(report: dict[str, Any], report_path: Path) -> Media:
    """The best video (and landmark recording) for the stills of this report, or none."""
    beside = report_path.parent
    inp = report.get("input") or {}
    outputs = report.get("outputs") or {}
    annotated = _locate(outputs.get("video"), beside)
    if inp.get("kind") == "recording":
        recording = _locate(inp.get("path") or inp.get("name"), beside)
        plain = _locate(((inp.get("recorded_source") or {}).get("path")), beside)
        order = [(plain, False), (annotated, True)]
    else:
        recording = _locate(outputs.get("landmarks"), beside)
        plain = _locate(inp.get("path"), beside) if inp.get("kind") == "file" else None
        order = [(annotated, True), (plain, False)]
    first = (report.get("frames") or {}).get("first_t")
    for video, drawn in order:
        if video is None or not _fits(video, report):
            continue
        if drawn:  # written by formcheck (VideoSink): its time 0 is the first frame's
            return Media(video, True, None, f"Stills from {video.name}, with the skeleton as formcheck saw it.",
                         offset=float(first) if isinstance(first, (int, float)) else 0.0)
        if recording is not None:
            return Media(video, False, recording,
                         f"Stills from {video.name}, the skeleton drawn from {recording.name}.")
        return Media(video, False, None, f"Stills from {video.name}, without the skeleton (no landmark "
                                         "recording found: `analyze --save-landmarks` keeps one).")
    return Media(None, note="No stills: the video is not where the report says, nor beside the report.")


def _data_uri(image: np.ndarray) -> str:
    h, w = image.shape[:2]
    if w > WIDTH:
        image = cv2.resize(image, (WIDTH, max(1, round(h * WIDTH / w))), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
    if not ok:  # pragma: no cover - OpenCV always encodes a uint8 BGR image
        raise ValueError("JPEG encoding failed")
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode("ascii")


def _skeleton_drawer(recording: Path | None):  # noqa: ANN202 (Callable[[float, ndarray], ndarray])
    """Draws the recorded pose nearest in time onto an image (or nothing without a recording)."""
    if recording is None:
        return lambda t, image: image
    from formcheck.overlay import SkeletonAnnotator
    from formcheck.recording import read_recording

    try:
        rec = read_recording(recording)
    except UserError:
        return lambda t, image: image
    skeleton = SkeletonAnnotator(legend=False)

    def draw(t: float, image: np.ndarray) -> np.ndarray:
        if not len(rec):
            return image
        i = int(np.clip(np.searchsorted(rec.t, t), 0, len(rec) - 1))
        if i > 0 and abs(rec.t[i - 1] - t) < abs(rec.t[i] - t):
            i -= 1
        return skeleton.annotate(np.ascontiguousarray(image), rec.pose(i))

    return draw


def rep_stills(sections: list[ExerciseSection], media: Media) -> dict[tuple[int, int], str]:
    """{(section number, rep index): JPEG data URI} at each rep's hold middle; {} without video."""
    if media.video is None:
        return {}
    from formcheck.sources.seek import frames_at

    wanted: list[tuple[tuple[int, int], float]] = []
    for n, section in enumerate(sections):
        for rep in section.reps[:MAX_STILLS]:
            t = section.hold_middle(rep)
            if t is not None:
                wanted.append(((n, int(rep.get("index") or 0)), t))
    if not wanted:
        return {}
    try:
        frames = frames_at(media.video, [t - media.offset for _, t in wanted])
    except UserError:
        return {}
    draw = _skeleton_drawer(None if media.skeleton_drawn else media.recording)
    return {key: _data_uri(draw(t, frame.image)) for (key, t), frame in zip(wanted, frames) if frame is not None}
