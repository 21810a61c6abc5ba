"""What the user sees drawn on the video: the skeleton, a status panel and the hold timer ring.

Annotators follow Roboflow supervision's habit: `annotate(image, data) -> image`, each drawing
one kind of thing, so the session composes them and tests can check each alone. Individual
annotators draw *in place* on the image they are given (like supervision's) and return it;
`Overlay`, the one the session uses, draws on a copy and never touches the caller's image.

Everything scales with the image: line widths, joint radii, font sizes and margins come from the
shorter image side, so the same overlay reads on a 640x360 preview and a 1080p recording (and on
a portrait phone video). Text is cut to fit ("...") rather than run off the image.

Colours are BGR (OpenCV). The person's own left is orange and right is blue (a pair that
colour-blind viewers still tell apart); joints the model is unsure of are drawn hollow and
faded, with dashed bones, so a user sees at a glance which parts of the body are not being
judged reliably (e.g. the far leg in a side view).

    >>> from formcheck.overlay import Overlay
    >>> shown = Overlay().annotate(frame.image, pose, feedback)            # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.analyzers.base import Feedback
from formcheck.landmarks import PRESENCE, SKELETON, VISIBILITY, X, Y, Landmark, PoseFrame

__all__ = [
    "SAFETY_NOTE",
    "SkeletonAnnotator",
    "PanelAnnotator",
    "HoldRingAnnotator",
    "NoteAnnotator",
    "Overlay",
]

# Shown by the live window at start (and in the README): formcheck coaches form, it does not
# assess a back.
SAFETY_NOTE = "Exercise feedback, not a diagnosis: stop if it hurts and ask your physical therapist."

Color = tuple[int, int, int]

LEFT_COLOR: Color = (0, 150, 255)  # orange: the person's own left
RIGHT_COLOR: Color = (255, 160, 30)  # blue: the person's own right
CENTER_COLOR: Color = (235, 235, 235)  # nose, and bones that cross the body
OUTLINE_COLOR: Color = (20, 20, 20)
DIM_TOWARD: Color = (120, 120, 120)  # low-confidence colours fade toward grey

PANEL_BG: Color = (24, 24, 24)
TEXT_COLOR: Color = (245, 245, 245)
MUTED_COLOR: Color = (185, 185, 185)
CUE_COLOR: Color = (90, 230, 255)  # warm yellow: the one thing to do now
FAULT_COLOR: Color = (80, 80, 255)  # red
JUDGE_COLOR: Color = (0, 190, 255)  # amber: "cannot judge"
GOOD_COLOR: Color = (90, 215, 90)  # green
RING_TRACK: Color = (90, 90, 90)
RING_FILL: Color = (0, 190, 255)  # amber while the hold is short of its target
RING_DONE: Color = GOOD_COLOR

FONT = cv2.FONT_HERSHEY_SIMPLEX  # OpenCV 4's Hershey fonts are ASCII only: text is sanitized first
AA = cv2.LINE_AA
_SHIFT = 4  # sub-pixel drawing: coordinates in 1/16 px, so slow motion does not jitter
_ONE = 1 << _SHIFT


def unit(image: np.ndarray) -> float:
    """The drawing scale: 1.0 for a 720-pixel shorter side (360p -> 0.5, 1080p -> 1.5)."""
    h, w = image.shape[:2]
    return max(min(h, w), 1) / 720.0


def text_unit(image: np.ndarray) -> float:
    """The text scale: like `unit`, but text stops shrinking below 0.65 (a 468-pixel side), so
    a 640x360 preview still reads from a mat two metres away (it then takes more of the
    picture, which is the right trade for a coach's panel)."""
    return max(unit(image), 0.65)


def _px(value: float, minimum: int = 1) -> int:
    return max(minimum, int(value + 0.5))


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


def dim(color: Color, amount: float = 0.6) -> Color:
    """`color` faded toward grey: how joints the model is unsure of are drawn."""
    return tuple(int(c * (1 - amount) + g * amount) for c, g in zip(color, DIM_TOWARD))  # type: ignore[return-value]


def ascii_text(text: str) -> str:
    """What Hershey fonts can draw: common typographic characters replaced, the rest '?'."""
    table = {
        "\u2026": "...", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00b0": " deg",
        "\u00d7": "x", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00b7": "-",
    }
    out = "".join(table.get(ch, ch) for ch in text)
    return out.encode("ascii", "replace").decode("ascii").replace("\n", " ")


def _to_fixed(x: float, y: float) -> tuple[int, int]:
    return int(round(x * _ONE)), int(round(y * _ONE))


# ------------------------------------------------------------------------------------------
# Skeleton


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

        bone = _px(3.2 * s, 2)
        thin = _px(1.6 * s, 1)
        outline = _px(1.5 * s, 1)
        radius = _px(5.0 * s, 3)

        # Unsure parts first, so confident ones are drawn on top of them.
        for a, b in SKELETON:
            if finite[a] and finite[b] and not (sure[a] and sure[b]):
                _dashed_line(image, xy[a], xy[b], dim(_bone_color(a, b)), thin, dash=_px(9 * s, 4))
        for a, b in SKELETON:
            if sure[a] and sure[b]:
                p, q = _to_fixed(*xy[a]), _to_fixed(*xy[b])
                cv2.line(image, p, q, OUTLINE_COLOR, bone + 2 * outline, AA, _SHIFT)
                cv2.line(image, p, q, _bone_color(a, b), bone, AA, _SHIFT)
        for lm in self._joints:
            if not finite[lm]:
                continue
            c = _to_fixed(*xy[lm])
            r = radius * _ONE
            if sure[lm]:
                cv2.circle(image, c, r + outline * _ONE, OUTLINE_COLOR, -1, AA, _SHIFT)
                cv2.circle(image, c, r, _side_color(lm), -1, AA, _SHIFT)
            else:
                cv2.circle(image, c, r, dim(_side_color(lm)), thin, AA, _SHIFT)
        if self.legend:
            self._draw_legend(image)
        return image

    def _draw_legend(self, image: np.ndarray) -> None:
        """A small "left / right" key in the bottom-right corner: the colours mean nothing
        without it."""
        h, w = image.shape[:2]
        s, ts = unit(image), text_unit(image)
        scale = 0.5 * ts
        thick = _px(1.3 * ts, 1)
        margin = _px(12 * s, 3)
        dot = _px(5 * ts, 2)
        gap = _px(6 * ts, 2)
        items = [("left", LEFT_COLOR), ("right", RIGHT_COLOR)]
        sizes = [cv2.getTextSize(t, FONT, scale, thick)[0] for t, _ in items]
        text_h = max(sz[1] for sz in sizes)
        total = sum(2 * dot + gap + sz[0] for sz in sizes) + 2 * gap
        x = w - margin - total
        y = h - margin
        if x < 0 or y - text_h < 0:
            return  # too small an image for a legend
        _blend_rect(image, (x - gap, y - text_h - gap, w - margin + gap, y + gap), PANEL_BG, 0.55)
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
        cv2.line(image, _to_fixed(*start), _to_fixed(*end), color, thickness, AA, _SHIFT)


def _blend_rect(image: np.ndarray, box: tuple[int, int, int, int], color: Color, alpha: float) -> None:
    """Darken a box with a semi-transparent fill (the video stays visible through it)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    fill = np.empty_like(roi)
    fill[:] = color
    cv2.addWeighted(fill, alpha, roi, 1 - alpha, 0, dst=roi)


# ------------------------------------------------------------------------------------------
# Text


@dataclass(frozen=True)
class _Line:
    text: str
    color: Color
    size: float = 1.0  # relative to the panel's base font size
    bold: bool = False


def fit_text(text: str, max_width: int, scale: float, thickness: int, min_scale: float) -> tuple[str, float]:
    """Shrink the font down to `min_scale`, then cut the text with "..." until it fits."""
    text = ascii_text(text)
    width = cv2.getTextSize(text, FONT, scale, thickness)[0][0]
    if width <= max_width:
        return text, scale
    shrunk = max(min_scale, scale * max_width / max(width, 1))
    if cv2.getTextSize(text, FONT, shrunk, thickness)[0][0] <= max_width:
        return text, shrunk
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if cv2.getTextSize(text[:mid].rstrip() + "...", FONT, shrunk, thickness)[0][0] <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return (text[:lo].rstrip() + "..." if lo else ""), shrunk


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


def wrap_text(text: str, max_width: int, scale: float, thickness: int, max_rows: int = 2) -> list[str]:
    """Split `text` at spaces into at most `max_rows` rows that fit `max_width` (the last row
    keeps the rest, to be shrunk or cut by `fit_text`)."""
    words = text.split()
    rows: list[str] = []
    current = ""
    for i, word in enumerate(words):
        trial = f"{current} {word}" if current else word
        if current and cv2.getTextSize(trial, FONT, scale, thickness)[0][0] > max_width:
            if len(rows) + 1 >= max_rows:  # the last row takes the rest
                return rows + [" ".join([current, *words[i:]])]
            rows.append(current)
            current = word
        else:
            current = trial
    return rows + [current] if current or not rows else rows


def exercise_title(name: str) -> str:
    """"pelvic_tilt" / "pelvic-tilt" -> "Pelvic tilt" (already-titled names are kept)."""
    text = name.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else ""


def _same_words(text: str, *others: str | None) -> bool:
    """True when `text` says what one of `others` already says (an analyzer may repeat its
    "cannot judge" reason as the cue; the panel shows it once)."""
    key = " ".join(text.lower().strip(" .!").split())
    return any(o is not None and key == " ".join(o.lower().strip(" .!").split()) for o in others)


def _seconds(value: float) -> str:
    """Elapsed seconds: tenths below 10 s so a hold visibly ticks."""
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _target(value: float) -> str:
    """A prescribed number of seconds: "3", or "2.5"."""
    return f"{value:g}" if abs(value - round(value, 1)) < 1e-9 else f"{value:.1f}"


# ------------------------------------------------------------------------------------------
# Panel


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
            title = exercise_title(feedback.exercise)
            if feedback.side:
                title += f" - {feedback.side}"
            out.append(_Line(title, TEXT_COLOR, 1.2, bold=True))
            reps = f"Reps {feedback.count}/{feedback.target}"
            if feedback.good != feedback.count:
                reps += f", {feedback.good} good"
            out.append(_Line(reps, TEXT_COLOR))
            if feedback.hold_target and feedback.hold_elapsed is not None:
                done = feedback.hold_elapsed >= feedback.hold_target
                out.append(
                    _Line(
                        f"Hold {_seconds(feedback.hold_elapsed)} / {_target(feedback.hold_target)} s",
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
        margin = _px(12 * s, 2)
        pad = _px(10 * ts, 2)
        accent = _px(5 * ts, 2)
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
        _blend_rect(image, panel.box, PANEL_BG, self.opacity)
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
            thick = _px((2.0 if line.bold else 1.5) * ts * (line.size**0.5), 1)
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


# ------------------------------------------------------------------------------------------
# Hold timer ring


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
        radius = min(_px(self.size * 720 * text_unit(image), 8), int(0.2 * min(h, w)))
        track = _px(radius * 0.2, 2)
        margin = _px(12 * unit(image), 2)
        cx, cy = w - margin - radius - track, margin + radius + track
        if radius < 8 or cx - radius - track < 0 or cy + radius + track > h:
            return None
        return cx, cy, radius

    def annotate(self, image: np.ndarray, feedback: Feedback | None) -> np.ndarray:
        if feedback is None or not feedback.hold_target or feedback.hold_elapsed is None:
            return image
        elapsed = max(0.0, float(feedback.hold_elapsed))
        target = float(feedback.hold_target)
        if not (math.isfinite(elapsed) and math.isfinite(target)) or target <= 0:
            return image
        geometry = self.geometry(image)
        if geometry is None:
            return image  # too small an image for a ring
        cx, cy, radius = geometry
        s = unit(image)
        track = _px(radius * 0.2, 2)
        done = elapsed >= target
        fraction = min(1.0, elapsed / target)

        _blend_disc(image, (cx, cy), radius + track + _px(4 * s, 1), PANEL_BG, 0.6)
        cv2.circle(image, (cx, cy), radius, RING_TRACK, track, AA)
        color = RING_DONE if done else RING_FILL
        if fraction > 0:  # clockwise from 12 o'clock
            cv2.ellipse(image, (cx, cy), (radius, radius), -90, 0, 360 * fraction, color, track, AA)

        inner = 2 * (radius - track)
        thick = _px(radius / 20, 1)
        text, scale = fit_text(_seconds(elapsed), int(inner * 0.78), radius / 44.0, thick, 0.25)
        (tw, th), _ = cv2.getTextSize(text, FONT, scale, thick)
        sthick = _px(radius / 50, 1)
        small, sscale = fit_text(f"of {_target(target)} s", int(inner * 0.8), radius / 110.0, sthick, 0.25)
        (sw, sh), _ = cv2.getTextSize(small, FONT, sscale, sthick)
        gap = _px(radius / 10, 1)
        top = cy - (th + gap + sh) // 2
        cv2.putText(image, text, (cx - tw // 2, top + th), FONT, scale, color if done else TEXT_COLOR, thick, AA)
        cv2.putText(image, small, (cx - sw // 2, top + th + gap + sh), FONT, sscale, MUTED_COLOR, sthick, AA)
        return image


def _blend_disc(image: np.ndarray, center: tuple[int, int], radius: int, color: Color, alpha: float) -> None:
    h, w = image.shape[:2]
    x0, y0 = max(0, center[0] - radius), max(0, center[1] - radius)
    x1, y1 = min(w, center[0] + radius + 1), min(h, center[1] + radius + 1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    mask = np.zeros(roi.shape[:2], np.uint8)
    cv2.circle(mask, (center[0] - x0, center[1] - y0), radius, 255, -1, cv2.LINE_8)
    fill = np.empty_like(roi)
    fill[:] = color
    blended = cv2.addWeighted(fill, alpha, roi, 1 - alpha, 0)
    np.copyto(roi, blended, where=mask[..., None] > 0)


# ------------------------------------------------------------------------------------------
# Note banner


class NoteAnnotator:
    """A one-line note across the bottom of the image, e.g. `SAFETY_NOTE` when the live window
    opens. Shrunk, then cut, to fit the width."""

    def annotate(self, image: np.ndarray, text: str = SAFETY_NOTE) -> np.ndarray:
        if not text:
            return image
        h, w = image.shape[:2]
        ts = text_unit(image)
        pad = _px(8 * ts, 2)
        thick = _px(1.4 * ts, 1)
        fitted, scale = fit_text(text, w - 4 * pad, 0.55 * ts, thick, 0.3 * ts)
        (tw, th), baseline = cv2.getTextSize(fitted, FONT, scale, thick)
        y1 = h
        y0 = max(0, h - th - baseline - 2 * pad)
        _blend_rect(image, (0, y0, w, y1), PANEL_BG, 0.7)
        cv2.putText(image, fitted, ((w - tw) // 2, h - pad - baseline // 2), FONT, scale, TEXT_COLOR, thick, AA)
        return image


# ------------------------------------------------------------------------------------------
# All together


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
