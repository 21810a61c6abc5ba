"""The hold timer ring, top right: how long the current hold has lasted against its target."""

from __future__ import annotations

import math

import cv2
import numpy as np

from formcheck.analyzers.base import Feedback
from formcheck.overlay.draw import (
    AA,
    FONT,
    MUTED_COLOR,
    PANEL_BG,
    RING_DONE,
    RING_FILL,
    RING_TRACK,
    TEXT_COLOR,
    blend_disc,
    fit_text,
    px,
    seconds_text,
    target_text,
    text_unit,
    unit,
)

__all__ = ["HoldRingAnnotator"]


class HoldRingAnnotator:
    """A timer ring in the top-right corner while a hold is being timed: the arc fills from 0 to
    the prescribed hold (`feedback.hold_target` seconds), amber until the target is reached and
    green from then on, with the seconds held written inside. Nothing is drawn without a hold
    target or outside a hold, so exercises without holds never show an empty ring.
    """

    def __init__(self, size: float = 0.09) -> None:
        self.size = size  # ring radius as a fraction of the shorter image side

    def geometry(self, image: np.ndarray) -> tuple[int, int, int] | None:
        """(centre x, centre y, radius) of the ring on this image; None if it would not fit."""
        h, w = image.shape[:2]
        radius = min(px(self.size * 720 * text_unit(image), 8), int(0.2 * min(h, w)))
        track = px(radius * 0.2, 2)
        margin = px(12 * unit(image), 2)
        cx, cy = w - margin - radius - track, margin + radius + track
        if radius < 8 or cx - radius - track < 0 or cy + radius + track > h:
            return None
        return cx, cy, radius

    def annotate(self, image: np.ndarray, feedback: Feedback | None,
                 at: tuple[int, int, int] | None = None) -> np.ndarray:
        """Draw the ring in its corner, or at `at` (centre x, centre y, radius) when given."""
        if feedback is None or not feedback.hold_target or feedback.hold_elapsed is None:
            return image
        elapsed = max(0.0, float(feedback.hold_elapsed))
        target = float(feedback.hold_target)
        if not (math.isfinite(elapsed) and math.isfinite(target)) or target <= 0:
            return image
        geometry = at or self.geometry(image)
        if geometry is None:
            return image  # too small an image for a ring
        cx, cy, radius = geometry
        s = unit(image)
        track = px(radius * 0.2, 2)
        done = elapsed >= target
        fraction = min(1.0, elapsed / target)

        blend_disc(image, (cx, cy), radius + track + px(4 * s, 1), PANEL_BG, 0.6)
        cv2.circle(image, (cx, cy), radius, RING_TRACK, track, AA)
        color = RING_DONE if done else RING_FILL
        if fraction > 0:  # clockwise from 12 o'clock
            cv2.ellipse(image, (cx, cy), (radius, radius), -90, 0, 360 * fraction, color, track, AA)

        inner = 2 * (radius - track)
        thick = px(radius / 20, 1)
        text, scale = fit_text(seconds_text(elapsed), int(inner * 0.78), radius / 44.0, thick, 0.25)
        (tw, th), _ = cv2.getTextSize(text, FONT, scale, thick)
        sthick = px(radius / 50, 1)
        small, sscale = fit_text(f"of {target_text(target)} s", int(inner * 0.8), radius / 110.0, sthick, 0.25)
        (sw, sh), _ = cv2.getTextSize(small, FONT, sscale, sthick)
        gap = px(radius / 10, 1)
        top = cy - (th + gap + sh) // 2
        cv2.putText(image, text, (cx - tw // 2, top + th), FONT, scale, color if done else TEXT_COLOR, thick, AA)
        cv2.putText(image, small, (cx - sw // 2, top + th + gap + sh), FONT, sscale, MUTED_COLOR, sthick, AA)
        return image
