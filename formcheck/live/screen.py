"""The live screen, laid out to be read from a mat 2-3 m away.

Sizes follow the image height, not its width, so a laptop window read from across the room
shows the same proportions at 640x480 or 1280x720:

- a bar across the top in the colour of the phase (amber getting ready, blue in position, green
  holding, red fault, grey paused, violet rest) with the phase in capitals and the exercise
  (with "2/3" in a routine);
- the count toward the target in large figures at the right (one row per side where there are
  sides), the rest timer there during a rest, and the hold ring below it;
- one instruction or cue in large type in a band across the bottom; the safety line above it on
  the first screen;
- the skeleton, its uncertain joints dimmed (`overlay.skeleton`); an optional debug HUD.

It is an annotator like the file overlay (`annotate(image, pose, feedback, status)`) and draws
with the same helpers (`overlay.draw`), on a copy of the frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.analyzers.base import Feedback
from formcheck.landmarks import PoseFrame
from formcheck.live.state import DONE, FAULT, GETTING_READY, HOLDING, IN_POSITION, PAUSED, REST, LiveFeedback
from formcheck.overlay.draw import (
    AA, FAULT_COLOR, FONT, GOOD_COLOR, JUDGE_COLOR, MUTED_COLOR, PANEL_BG, TEXT_COLOR, Color,
    blend_rect, fit_text, px, wrap_text,
)
from formcheck.overlay.ring import HoldRingAnnotator
from formcheck.overlay.skeleton import SkeletonAnnotator
from formcheck.safety import SAFETY_NOTE

PHASE_COLOR: dict[str, Color] = {
    GETTING_READY: JUDGE_COLOR,
    IN_POSITION: (215, 130, 30),  # blue
    HOLDING: GOOD_COLOR,
    FAULT: FAULT_COLOR,
    PAUSED: (140, 140, 140),
    REST: (190, 90, 160),  # violet
    DONE: GOOD_COLOR,
}
PHASE_LABEL = {GETTING_READY: "GET READY", IN_POSITION: "IN POSITION", HOLDING: "HOLD", FAULT: "FAULT",
               PAUSED: "PAUSED", REST: "REST", DONE: "DONE"}
CAP = 22.0  # cap height in pixels of the Hershey font at scale 1


def _scale(image: np.ndarray, share: float) -> float:
    """The font scale whose capitals are `share` of the image height."""
    return max(0.3, share * image.shape[0] / CAP)


class LiveScreen:
    """Draws a `LiveFeedback` for the mat (see the module docstring); `hud` is the debug line
    (None: no HUD)."""

    def __init__(self) -> None:
        self.skeleton = SkeletonAnnotator(legend=False)
        self.ring = HoldRingAnnotator()
        self.hud: str | None = None

    def annotate(self, image: np.ndarray, pose: PoseFrame | None, feedback: Feedback | None,
                 status: str | None = None) -> np.ndarray:
        out = np.array(image, dtype=np.uint8, copy=True, order="C")
        if out.ndim == 2:
            out = cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
        self.skeleton.annotate(out, pose)
        live = feedback if isinstance(feedback, LiveFeedback) else None
        phase = live.phase if live is not None else GETTING_READY
        color = PHASE_COLOR.get(phase, MUTED_COLOR)
        if live is None:
            label, title = ("POSE ONLY" if feedback is None else "LIVE"), ""
            text = status or (feedback.cue if feedback is not None else "")
        else:
            label = PHASE_LABEL.get(phase, phase.upper())
            title = live.title + (f"  {live.step}/{live.steps}" if live.steps > 1 else "")
            text = live.instruction
        bar = self._bar(out, label, title, color)
        right, box_left = self._count(out, live, bar)
        self._banner(out, text, color, first=live is None or live.first_screen)
        if live is not None and live.phase in (HOLDING, FAULT, IN_POSITION) and right is not None:
            self.ring.annotate(out, live, at=right)
        if self.hud:
            x = px(0.015 * out.shape[1])
            self._line(out, self.hud, (x, bar + px(0.05 * out.shape[0])), 0.028, MUTED_COLOR, box_left - 2 * x)
        return out

    # --- the parts -----------------------------------------------------------------------------

    def _bar(self, image: np.ndarray, label: str, title: str, color: Color) -> int:
        """The top bar; returns its height."""
        h, w = image.shape[:2]
        bar = px(0.12 * h, 12)
        blend_rect(image, (0, 0, w, bar), color, 0.82)
        margin = px(0.02 * w, 4)
        thick = px(0.009 * h, 2)
        text, scale = fit_text(label, int(0.55 * w), _scale(image, 0.06), thick, 0.3)
        (tw, th), _ = cv2.getTextSize(text, FONT, scale, thick)
        y = (bar + th) // 2
        cv2.putText(image, text, (margin, y), FONT, scale, (20, 20, 20), thick + 1, AA)
        if title:
            tthick = px(0.005 * h, 1)
            room = w - tw - 3 * margin
            ttext, tscale = fit_text(title, max(room, 10), _scale(image, 0.04), tthick, 0.3)
            (ttw, _), _ = cv2.getTextSize(ttext, FONT, tscale, tthick)
            cv2.putText(image, ttext, (w - margin - ttw, y), FONT, tscale, (20, 20, 20), tthick + 1, AA)
        return bar

    def _count(self, image: np.ndarray, live: LiveFeedback | None,
               top: int) -> tuple[tuple[int, int, int] | None, int]:
        """The count (or the rest timer) at the right; returns where the hold ring goes (None:
        no room) and the box's left edge."""
        h, w = image.shape[:2]
        if live is None:
            return None, w
        if live.phase == REST and live.rest_left is not None:
            rows = [f"{max(0, int(live.rest_left + 0.999))} s"]
        elif live.by_side:
            rows = [f"{side[0].upper()} {n}/{live.target}" for side, n in live.by_side.items()]
        else:
            rows = [f"{live.count}/{live.target}"]
        share = 0.13 if len(rows) == 1 else 0.085
        thick = px(share * h / 6, 2)
        scale = _scale(image, share)
        sizes = [cv2.getTextSize(r, FONT, scale, thick)[0] for r in rows]
        gap = px(0.025 * h, 3)
        margin = px(0.02 * w, 4)
        box_w = max(s[0] for s in sizes) + 2 * gap
        box_h = sum(s[1] for s in sizes) + (len(rows) + 1) * gap
        x0, y0 = w - margin - box_w, top + px(0.02 * h, 2)
        blend_rect(image, (x0, y0, x0 + box_w, y0 + box_h), PANEL_BG, 0.7)
        y = y0
        for text, (tw, th) in zip(rows, sizes):
            y += gap + th
            cv2.putText(image, text, (x0 + (box_w - tw) // 2, y), FONT, scale, TEXT_COLOR, thick, AA)
        radius = px(0.1 * h, 8)
        cy = y0 + box_h + gap + radius + px(radius * 0.2, 2)
        cx = x0 + box_w // 2
        cx = min(cx, w - margin - radius - px(radius * 0.2, 2))
        return ((cx, cy, radius) if cy + radius * 1.2 < 0.8 * h else None), x0

    def _banner(self, image: np.ndarray, text: str, color: Color, first: bool) -> None:
        """One instruction in large type across the bottom, and the safety line on the first screen."""
        h, w = image.shape[:2]
        margin = px(0.025 * w, 4)
        thick = px(0.008 * h, 2)
        scale = _scale(image, 0.055)
        rows = wrap_text(text, w - 2 * margin, scale, thick, max_rows=2) if text else []
        fitted = [fit_text(r, w - 2 * margin, scale, thick, 0.6 * scale) for r in rows]
        step = px(0.095 * h, 10)
        band = step * max(len(fitted), 1) + px(0.03 * h, 4)
        top = h - band
        blend_rect(image, (0, top, w, h), PANEL_BG, 0.78)
        cv2.rectangle(image, (0, top), (w - 1, top + px(0.008 * h, 2)), color, -1)
        y = top + px(0.015 * h, 2)
        for row, row_scale in fitted:
            (tw, th), _ = cv2.getTextSize(row, FONT, row_scale, thick)
            y += (step + th) // 2
            cv2.putText(image, row, ((w - tw) // 2, y), FONT, row_scale, TEXT_COLOR, thick, AA)
            y += (step - th) // 2
        if first:
            line_h = px(0.045 * h, 8)
            blend_rect(image, (0, top - line_h, w, top), PANEL_BG, 0.6)
            self._line(image, SAFETY_NOTE, (margin, top - line_h // 3), 0.022, MUTED_COLOR, w - 2 * margin)

    @staticmethod
    def _line(image: np.ndarray, text: str, at: tuple[int, int], share: float, color: Color,
              max_width: int | None = None) -> None:
        thick = px(share * image.shape[0] / 8, 1)
        room = max_width or image.shape[1] - at[0]
        fitted, scale = fit_text(text, room, _scale(image, share), thick, 0.3)
        cv2.putText(image, fitted, at, FONT, scale, color, thick, AA)
