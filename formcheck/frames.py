"""What a source yields: one upright image with the time it was captured.

The time `t` is seconds from the source itself (a video's presentation timestamps, a camera's
monotonic clock), never an index divided by a nominal fps, and it travels with the data so that
nothing downstream recomputes time from frame counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One image from a source, already rotated upright.

    `image` is BGR uint8 (H, W, 3), the OpenCV convention; `index` counts delivered frames
    (a camera may drop frames, so indices are not times). `captured` is `time.monotonic()` when
    a live source received the frame (None for files): what capture-to-screen latency is
    measured from.
    """

    t: float
    image: np.ndarray
    index: int
    captured: float | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What is known about a source before its first frame (a camera knows less)."""

    kind: str  # "file" or "camera"
    name: str  # the path, device index or URL as given
    width: int
    height: int  # upright size, after rotation
    fps: float | None  # average frame rate; None when unknown
    duration: float | None  # seconds; None for a live camera
    frame_count: int | None  # None for a live camera
    rotation: int = 0  # degrees clockwise applied to make the image upright
    path: Path | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready description, as the report's `input` section records it."""
        return {
            "kind": self.kind,
            "name": self.name,
            "path": str(self.path) if self.path else None,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "duration": self.duration,
            "frame_count": self.frame_count,
            "rotation": self.rotation,
            **self.extra,
        }
