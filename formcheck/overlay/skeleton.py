"""The skeleton: the pose's bones and joints, with the parts the model is unsure of shown as
guesses (hollow, faded joints; thin dashed bones), and a small left/right colour key.
"""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.landmarks import PRESENCE, SKELETON, VISIBILITY, X, Y, Landmark, PoseFrame
from formcheck.overlay.draw import (
    AA,
    CENTER_COLOR,
    FONT,
    LEFT_COLOR,
    ONE,
    OUTLINE_COLOR,
    PANEL_BG,
    RIGHT_COLOR,
    SHIFT,
    TEXT_COLOR,
    Color,
    blend_rect,
    dim,
    px,
    text_unit,
    to_fixed,
    unit,
)

__all__ = ["SkeletonAnnotator"]


def _side_color(lm: Landmark) -> Color:
    if lm.name.startswith("LEFT_"):
        return LEFT_COLOR
    if lm.name.startswith("RIGHT_"):
        return RIGHT_COLOR
    return CENTER_COLOR


def _bone_color(a: Landmark, b: Landmark) -> Color:
    ca, cb = _side_color(a), _side_color(b)
    if ca == cb:
        return ca
    if CENTER_COLOR in (ca, cb):  # e.g. ear-nose: the side's colour
        return ca if cb == CENTER_COLOR else cb
    return CENTER_COLOR  # crosses the body (shoulders, hips)


class SkeletonAnnotator:
    """Bones and joints of the pose; nothing for "no person".

    A joint whose min(visibility, presence) is below `min_confidence` is drawn hollow in a faded
    colour, and a bone touching one is dashed and thin: the model's guess is shown, but clearly
    as a guess. Only joints that belong to a bone are drawn (no eye corners or finger tips).
    """

    def __init__(self, min_confidence: float = 0.5, legend: bool = True) -> None:
        self.min_confidence = float(min_confidence)
        self.legend = legend
        self._joints = sorted({lm for bone in SKELETON for lm in bone})

    def annotate(self, image: np.ndarray, pose: PoseFrame | None) -> np.ndarray:
        if pose is None or pose.landmarks is None:
            return image
        h, w = image.shape[:2]
        s = unit(image)
        lms = np.asarray(pose.landmarks, dtype=np.float64)
        # Pixels of *this* image: the overlay may be drawn on a resized frame.
        xy = lms[:, [X, Y]] * np.array([w, h], dtype=np.float64)
        confidence = np.minimum(lms[:, VISIBILITY], lms[:, PRESENCE])
        finite = np.isfinite(xy).all(axis=1) & (np.abs(xy) < 1e6).all(axis=1)
        sure = finite & (np.nan_to_num(confidence, nan=0.0) >= self.min_confidence)

        bone = px(3.2 * s, 2)
        thin = px(1.6 * s, 1)
        outline = px(1.5 * s, 1)
        radius = px(5.0 * s, 3)

        # Unsure parts first, so confident ones are drawn on top of them.
        for a, b in SKELETON:
            if finite[a] and finite[b] and not (sure[a] and sure[b]):
                _dashed_line(image, xy[a], xy[b], dim(_bone_color(a, b)), thin, dash=px(9 * s, 4))
        for a, b in SKELETON:
            if sure[a] and sure[b]:
                p, q = to_fixed(*xy[a]), to_fixed(*xy[b])
                cv2.line(image, p, q, OUTLINE_COLOR, bone + 2 * outline, AA, SHIFT)
                cv2.line(image, p, q, _bone_color(a, b), bone, AA, SHIFT)
        for lm in self._joints:
            if not finite[lm]:
                continue
            c = to_fixed(*xy[lm])
            r = radius * ONE
            if sure[lm]:
                cv2.circle(image, c, r + outline * ONE, OUTLINE_COLOR, -1, AA, SHIFT)
                cv2.circle(image, c, r, _side_color(lm), -1, AA, SHIFT)
            else:
                cv2.circle(image, c, r, dim(_side_color(lm)), thin, AA, SHIFT)
        if self.legend:
            self._draw_legend(image)
        return image

    def _draw_legend(self, image: np.ndarray) -> None:
        """A small "left / right" key in the bottom-right corner: the colours mean nothing
        without it."""
        h, w = image.shape[:2]
        s, ts = unit(image), text_unit(image)
        scale = 0.5 * ts
        thick = px(1.3 * ts, 1)
        margin = px(12 * s, 3)
        dot = px(5 * ts, 2)
        gap = px(6 * ts, 2)
        items = [("left", LEFT_COLOR), ("right", RIGHT_COLOR)]
        sizes = [cv2.getTextSize(t, FONT, scale, thick)[0] for t, _ in items]
        text_h = max(sz[1] for sz in sizes)
        total = sum(2 * dot + gap + sz[0] for sz in sizes) + 2 * gap
        x = w - margin - total
        y = h - margin
        if x < 0 or y - text_h < 0:
            return  # too small an image for a legend
        blend_rect(image, (x - gap, y - text_h - gap, w - margin + gap, y + gap), PANEL_BG, 0.55)
        for (text, color), (tw, _) in zip(items, sizes):
            cv2.circle(image, (x + dot, y - text_h // 2), dot, color, -1, AA)
            x += 2 * dot + gap
            cv2.putText(image, text, (x, y), FONT, scale, TEXT_COLOR, thick, AA)
            x += tw + 2 * gap


def _dashed_line(image: np.ndarray, p: np.ndarray, q: np.ndarray, color: Color, thickness: int, dash: int) -> None:
    length = float(np.hypot(*(q - p)))
    if length < 1:
        return
    n = max(1, int(length // (2 * dash)))
    step = (q - p) / length
    on = min(dash, length)
    for i in range(n + 1):
        start = p + step * (i * 2 * dash)
        if i * 2 * dash >= length:
            break
        end = p + step * min(i * 2 * dash + on, length)
        cv2.line(image, to_fixed(*start), to_fixed(*end), color, thickness, AA, SHIFT)
