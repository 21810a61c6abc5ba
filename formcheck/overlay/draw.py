"""The overlay's drawing vocabulary: scales, colours, sub-pixel lines, translucent fills, text.

Everything scales with the image: line widths, joint radii, font sizes and margins come from the
shorter image side, so the same overlay reads on a 640x360 preview and a 1080p recording (and on
a portrait phone video). Text is cut to fit ("...") rather than run off the image.

Colours are BGR (OpenCV). The person's own left is orange and right is blue (a pair that
colour-blind viewers still tell apart); joints the model is unsure of are drawn hollow and
faded, with dashed bones, so a user sees at a glance which parts of the body are not being
judged reliably (e.g. the far leg in a side view).
"""

from __future__ import annotations

import cv2
import numpy as np

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
SHIFT = 4  # sub-pixel drawing: coordinates in 1/16 px, so slow motion does not jitter
ONE = 1 << SHIFT


def unit(image: np.ndarray) -> float:
    """The drawing scale: 1.0 for a 720-pixel shorter side (360p -> 0.5, 1080p -> 1.5)."""
    h, w = image.shape[:2]
    return max(min(h, w), 1) / 720.0


def text_unit(image: np.ndarray) -> float:
    """The text scale: like `unit`, but text stops shrinking below 0.65 (a 468-pixel side), so
    a 640x360 preview still reads from a mat two metres away (it then takes more of the
    picture, which is the right trade for a coach's panel)."""
    return max(unit(image), 0.65)


def px(value: float, minimum: int = 1) -> int:
    return max(minimum, int(value + 0.5))


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


def to_fixed(x: float, y: float) -> tuple[int, int]:
    return int(round(x * ONE)), int(round(y * ONE))


def blend_rect(image: np.ndarray, box: tuple[int, int, int, int], color: Color, alpha: float) -> None:
    """Darken a box with a semi-transparent fill (the video stays visible through it)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    fill = np.empty_like(roi)
    fill[:] = color
    cv2.addWeighted(fill, alpha, roi, 1 - alpha, 0, dst=roi)


def blend_disc(image: np.ndarray, center: tuple[int, int], radius: int, color: Color, alpha: float) -> None:
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


def seconds_text(value: float) -> str:
    """Elapsed seconds: tenths below 10 s so a hold visibly ticks."""
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def target_text(value: float) -> str:
    """A prescribed number of seconds: "3", or "2.5"."""
    return f"{value:g}" if abs(value - round(value, 1)) < 1e-9 else f"{value:.1f}"
