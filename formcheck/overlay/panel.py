"""The status panel, top left: what the analyzer says now, laid out to fit any image size.

`PanelAnnotator.lines` decides what the panel says, `layout` where it goes and how each line is
wrapped, shrunk or cut so that it stays inside the image, and `annotate` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.analyzers.base import Feedback
from formcheck.analyzers.registry import title_of
from formcheck.overlay.draw import (
    AA,
    CUE_COLOR,
    FAULT_COLOR,
    FONT,
    GOOD_COLOR,
    JUDGE_COLOR,
    MUTED_COLOR,
    PANEL_BG,
    TEXT_COLOR,
    Color,
    ascii_text,
    blend_rect,
    fit_text,
    px,
    seconds_text,
    target_text,
    text_unit,
    unit,
    wrap_text,
)

__all__ = ["PanelAnnotator", "PanelLayout"]


@dataclass(frozen=True)
class _Line:
    text: str
    color: Color
    size: float = 1.0  # relative to the panel's base font size
    bold: bool = False


@dataclass(frozen=True)
class _Row:
    text: str
    color: Color
    scale: float
    thick: int
    width: int
    ascent: int  # from the row's top to the text baseline
    step: int  # row height


@dataclass(frozen=True)
class PanelLayout:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) in pixels
    rows: tuple[_Row, ...]
    text_x: int
    text_y: int
    accent: int


def _same_words(text: str, *others: str | None) -> bool:
    """True when `text` says what one of `others` already says (an analyzer may repeat its
    "cannot judge" reason as the cue; the panel shows it once)."""
    key = " ".join(text.lower().strip(" .!").split())
    return any(o is not None and key == " ".join(o.lower().strip(" .!").split()) for o in others)


class PanelAnnotator:
    """The status panel, top left: exercise, reps (count/target, good), hold timer, ONE cue,
    faults now, and "Cannot judge: <reason>" when the analyzer refuses to guess.

    With no analyzer (`feedback` None) only the status line is shown ("Pose only - no exercise
    chosen", "No person in view"); with neither, nothing is drawn. The panel never takes more
    than `max_width` of the image width (the right side is the timer ring's) and never leaves
    the image: long text is shrunk, then cut.
    """

    def __init__(self, max_width: float = 0.62, opacity: float = 0.62) -> None:
        self.max_width = max_width
        self.opacity = opacity

    def lines(self, feedback: Feedback | None, status: str | None = None) -> list[_Line]:
        """What the panel says, top to bottom (exposed so tests and docs can read it)."""
        out: list[_Line] = []
        if feedback is not None:
            title = title_of(feedback.exercise)
            if feedback.side:
                title += f" - {feedback.side}"
            out.append(_Line(title, TEXT_COLOR, 1.2, bold=True))
            if feedback.by_side:  # "Left 3/10  Right 2/10": the target is per side
                reps = "  ".join(f"{side.capitalize()} {n}/{feedback.target}"
                                 for side, n in feedback.by_side.items())
            else:
                reps = f"Reps {feedback.count}/{feedback.target}"
            if feedback.good != feedback.count:
                reps += f", {feedback.good} good"
            out.append(_Line(reps, TEXT_COLOR))
            if feedback.hold_target and feedback.hold_elapsed is not None:
                done = feedback.hold_elapsed >= feedback.hold_target
                out.append(
                    _Line(
                        f"Hold {seconds_text(feedback.hold_elapsed)} / {target_text(feedback.hold_target)} s",
                        GOOD_COLOR if done else MUTED_COLOR,
                    )
                )
            judge = f"Cannot judge: {feedback.cannot_judge}" if feedback.cannot_judge else None
            if judge:
                out.append(_Line(judge, JUDGE_COLOR))
            if feedback.cue and not _same_words(feedback.cue, judge, feedback.cannot_judge):
                out.append(_Line(feedback.cue, CUE_COLOR, 1.1, bold=True))
            if feedback.faults:
                names = ", ".join(f.replace("_", " ") for f in feedback.faults)
                out.append(_Line(f"Fault: {names}", FAULT_COLOR))
        if status:
            out.append(_Line(status, TEXT_COLOR if feedback is None else MUTED_COLOR))
        return out

    def layout(self, image: np.ndarray, feedback: Feedback | None, status: str | None = None) -> PanelLayout | None:
        """Where the panel goes and what it says on this image; None when there is nothing to
        say or no room at all. Every row fits inside `box`, and `box` inside the image."""
        lines = self.lines(feedback, status)
        if not lines:
            return None
        h, w = image.shape[:2]
        s = unit(image)
        ts = text_unit(image)
        margin = px(12 * s, 2)
        pad = px(10 * ts, 2)
        accent = px(5 * ts, 2)
        max_text_w = int(w * self.max_width) - 2 * pad - accent - margin
        max_h = h - 2 * margin
        if max_text_w < 8 or max_h < 8:
            return None

        # Lay out; if the lines are too tall for the image, shrink them all, then drop the last.
        for squeeze in (1.0, 0.85, 0.7, 0.55):
            rows = self._layout(lines, ts * squeeze, max_text_w)
            if sum(row.step for row in rows) + 2 * pad <= max_h:
                break
        while rows and sum(row.step for row in rows) + 2 * pad > max_h:
            rows.pop()
        rows = [row for row in rows if row.text]
        if not rows:
            return None
        width = max(row.width for row in rows) + 2 * pad + accent
        height = sum(row.step for row in rows) + 2 * pad
        box = (margin, margin, margin + width, margin + height)
        return PanelLayout(box=box, rows=tuple(rows), text_x=margin + accent + pad, text_y=margin + pad, accent=accent)

    def annotate(self, image: np.ndarray, feedback: Feedback | None, *, status: str | None = None) -> np.ndarray:
        panel = self.layout(image, feedback, status)
        if panel is None:
            return image
        x0, y0, x1, y1 = panel.box
        blend_rect(image, panel.box, PANEL_BG, self.opacity)
        cv2.rectangle(image, (x0, y0), (x0 + panel.accent - 1, y1 - 1), self._accent(feedback), -1)
        y = panel.text_y
        for row in panel.rows:
            cv2.putText(image, row.text, (panel.text_x, y + row.ascent), FONT, row.scale, row.color, row.thick, AA)
            y += row.step
        return image

    @staticmethod
    def _layout(lines: list[_Line], ts: float, max_text_w: int) -> list[_Row]:
        """Rows to draw: long lines wrap onto a second row, then shrink, then are cut."""
        rows: list[_Row] = []
        for line in lines:
            thick = px((2.0 if line.bold else 1.5) * ts * (line.size**0.5), 1)
            scale = 0.62 * ts * line.size
            min_scale = 0.75 * scale
            parts = wrap_text(ascii_text(line.text), max_text_w, scale, thick, max_rows=2)
            for part in parts:
                text, fitted = fit_text(part, max_text_w, scale, thick, min_scale)
                (tw, th), baseline = cv2.getTextSize(text, FONT, fitted, thick)
                gap = int(0.5 * th + 0.5)
                rows.append(_Row(text, line.color, fitted, thick, tw, th + gap // 2, th + baseline + gap))
        return rows

    @staticmethod
    def _accent(feedback: Feedback | None) -> Color:
        """The panel's edge colour says the state at a glance, even from across the room."""
        if feedback is None:
            return MUTED_COLOR
        if feedback.faults:
            return FAULT_COLOR
        if feedback.cannot_judge:
            return JUDGE_COLOR
        if feedback.hold_target and feedback.hold_elapsed is not None and feedback.hold_elapsed >= feedback.hold_target:
            return GOOD_COLOR
        return CUE_COLOR
