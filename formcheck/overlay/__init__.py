"""What the user sees drawn on the video: the skeleton, a status panel and the hold timer ring.

Annotators follow Roboflow supervision's habit: `annotate(image, data) -> image`, each drawing
one kind of thing, so the session composes them and tests can check each alone. Individual
annotators draw *in place* on the image they are given (like supervision's) and return it;
`Overlay`, the one the session uses, draws on a copy and never touches the caller's image.

`draw` holds what they share (scales, colours, text fitting); `skeleton`, `panel` and `ring`
one annotator each.

    >>> from formcheck.overlay import Overlay
    >>> shown = Overlay().annotate(frame.image, pose, feedback)            # doctest: +SKIP
"""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.analyzers.base import Feedback
from formcheck.landmarks import PoseFrame
from formcheck.overlay.panel import PanelAnnotator
from formcheck.overlay.ring import HoldRingAnnotator
from formcheck.overlay.skeleton import SkeletonAnnotator
from formcheck.safety import SAFETY_NOTE

__all__ = [
    "SAFETY_NOTE",
    "SkeletonAnnotator",
    "PanelAnnotator",
    "HoldRingAnnotator",
    "Overlay",
]


class Overlay:
    """The skeleton, the panel and the hold ring, drawn on a copy of the frame.

        >>> shown = Overlay().annotate(image, pose, feedback, status="No person in view")  # doctest: +SKIP
    """

    def __init__(
        self,
        skeleton: SkeletonAnnotator | None = None,
        panel: PanelAnnotator | None = None,
        ring: HoldRingAnnotator | None = None,
    ) -> None:
        self.skeleton = skeleton or SkeletonAnnotator()
        self.panel = panel or PanelAnnotator()
        self.ring = ring or HoldRingAnnotator()

    def annotate(
        self,
        image: np.ndarray,
        pose: PoseFrame | None,
        feedback: Feedback | None = None,
        status: str | None = None,
    ) -> np.ndarray:
        out = np.array(image, dtype=np.uint8, copy=True, order="C")
        if out.ndim == 2:
            out = cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
        self.skeleton.annotate(out, pose)
        self.panel.annotate(out, feedback, status=status)
        self.ring.annotate(out, feedback)
        return out
