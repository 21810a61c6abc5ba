"""Pelvic tilt signals from MediaPipe's person mask: the body contour over many pixels.

Two were measured (docs/analyzers/hold-timing.md). The gap under the low back: in a side view of a person lying on their back, the body's lower contour (the floor side) touches
down at the shoulder blades and at the buttocks and rises between them under the lumbar spine. A
posterior tilt flattens the low back toward the floor and closes that gap. Measured here along
the body axis (near-side shoulder -> hip, in torso lengths `s`): for each `s` the contour's depth
below the axis (the last mask pixel >= 0.5 on the floor side, sub-pixel), the line touching the
contour's lowest points over the upper back and over the buttocks, and the gap = the mean height
of the contour above that line between them, in torso lengths. The floor side is the side away
from the knees (which point up in hook-lying). It needs a camera at floor level: from a little
above, the lower contour is the near flank and the arm lying on the mat (the real clip).

The belly contrast (`belly_contrast`): on the contour on the knees' side, the front of the
pelvis and the thigh root (s 0.95-1.15) rise and the belly (s 0.6-0.9) sinks in a posterior
tilt, on the real clip and on rendered bodies alike; their difference, in torso lengths. Both are
measured against an axis held fixed over a set (the landmarks' own tilt motion would otherwise
be read into the contour).
"""

from __future__ import annotations

import numpy as np

UPPER_BACK = (-0.1, 0.45)  # s range where the shoulder blades touch down
BUTTOCKS = (0.8, 1.6)  # s range where the buttocks touch down (beyond the hip landmark)
LUMBAR = (0.4, 0.95)  # s range the gap is averaged over
STEP = 0.025  # s between contour samples
DEPTH = 0.8  # how far below the axis to look, in torso lengths


def contour_depths(mask: np.ndarray, sh: np.ndarray, hip: np.ndarray, knee: np.ndarray,
                   ceiling: bool = False) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(s, distance from the axis in torso lengths, torso px) of the floor-side contour (or,
    with `ceiling`, of the contour on the knees' side: chest and belly)."""
    axis = hip - sh
    torso = float(np.hypot(*axis))
    if not torso > 4:
        return None
    u = axis / torso
    n = np.array([-u[1], u[0]])
    if (np.dot(knee - sh, n) > 0) != ceiling:  # n points away from the knees: to the floor
        n = -n
    s = np.arange(UPPER_BACK[0], BUTTOCKS[1] + 1e-9, STEP)
    r = np.arange(0.0, DEPTH * torso, 0.5)  # half-pixel steps along each ray
    px = sh[None, None, :] + (s[:, None, None] * torso) * u + r[None, :, None] * n
    h, w = mask.shape
    x, y = px[..., 0], px[..., 1]
    inside = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
    x0 = np.clip(np.floor(x).astype(int), 0, w - 2)
    y0 = np.clip(np.floor(y).astype(int), 0, h - 2)
    fx, fy = np.clip(x - x0, 0, 1), np.clip(y - y0, 0, 1)
    m = mask.astype(np.float32) / 255.0
    val = ((1 - fx) * (1 - fy) * m[y0, x0] + fx * (1 - fy) * m[y0, x0 + 1]
           + (1 - fx) * fy * m[y0 + 1, x0] + fx * fy * m[y0 + 1, x0 + 1])
    val = np.where(inside, val, 0.0)
    depth = np.full(len(s), np.nan)
    for i in range(len(s)):
        on = np.flatnonzero(val[i] >= 0.5)
        if on.size == 0 or on[0] > 2:  # the axis itself is not on the body here
            continue
        # the first drop below 0.5 after the axis: the body's floor-side edge
        gaps = np.flatnonzero(np.diff(on) > 1)
        j = int(on[gaps[0]] if gaps.size else on[-1])
        if j + 1 >= len(r):
            continue
        v0, v1 = val[i, j], val[i, j + 1]
        frac = (v0 - 0.5) / (v0 - v1) if v0 != v1 else 0.0
        depth[i] = (r[j] + frac * (r[1] - r[0])) / torso
    return s, depth, torso


def lumbar_gap(mask: np.ndarray, sh: np.ndarray, hip: np.ndarray, knee: np.ndarray) -> float:
    """The gap under the low back in torso lengths (NaN where the contour is not found)."""
    got = contour_depths(mask, sh, hip, knee)
    if got is None:
        return float("nan")
    s, d, _ = got

    def lowest(lo: float, hi: float) -> tuple[float, float] | None:
        sel = (s >= lo) & (s <= hi) & np.isfinite(d)
        if not sel.any():
            return None
        i = int(np.nanargmax(np.where(sel, d, -np.inf)))
        return float(s[i]), float(d[i])

    a, b = lowest(*UPPER_BACK), lowest(*BUTTOCKS)
    if a is None or b is None or b[0] <= a[0]:
        return float("nan")
    sel = (s >= LUMBAR[0]) & (s <= LUMBAR[1]) & (s > a[0]) & (s < b[0]) & np.isfinite(d)
    if sel.sum() < 3:
        return float("nan")
    line = a[1] + (s[sel] - a[0]) * (b[1] - a[1]) / (b[0] - a[0])
    return float(np.mean(line - d[sel]))


FRONT = (0.95, 1.15)  # s range of the front of the pelvis and the thigh root
BELLY = (0.6, 0.9)


def belly_contrast(mask: np.ndarray, sh: np.ndarray, hip: np.ndarray, knee: np.ndarray) -> float:
    """Front-of-pelvis height minus belly height on the knees' side, torso lengths (NaN: not
    found)."""
    got = contour_depths(mask, sh, hip, knee, ceiling=True)
    if got is None:
        return float("nan")
    s, d, _ = got
    front = d[(s >= FRONT[0]) & (s <= FRONT[1])]
    belly = d[(s >= BELLY[0]) & (s <= BELLY[1])]
    if np.isnan(front).mean() > 0.5 or np.isnan(belly).mean() > 0.5:
        return float("nan")
    return float(np.nanmean(front) - np.nanmean(belly))


JOINTS = {"left": (11, 23, 25, 27), "right": (12, 24, 26, 28)}  # shoulder, hip, knee, ankle


def mask_series(masks: np.ndarray, landmarks: np.ndarray, image_size: tuple[int, int],
                factor: int, times: np.ndarray, sets: list[tuple[float, float]],
                measure=belly_contrast, axis_seconds: float = 1.0, per_frame: bool = False
                ) -> np.ndarray:
    """`measure` on every frame of each set (start, end), on the side the camera sees best, NaN
    elsewhere. The axis is the set's first `axis_seconds` with a person (median landmarks), or,
    `per_frame`, each frame's shoulder -> ankle line with the torso length taken as the same
    share of it as in those first seconds (shoulders and ankles stay put in a tilt, the hip does
    not)."""
    w, h = image_size
    scale = np.array([w / factor, h / factor])
    out = np.full(len(masks), np.nan)
    for start, end in sets:
        inside = (times >= start) & (times < end) & np.isfinite(landmarks[:, 0, 0])
        if not inside.any():
            continue
        first = inside & (times < times[inside][0] + axis_seconds)
        side = max(JOINTS, key=lambda k: float(np.nanmean(landmarks[first][:, list(JOINTS[k][:3]), 3])))
        sh, hip, knee, ankle = (landmarks[:, j, :2] * scale for j in JOINTS[side])
        fixed = [np.nanmedian(p[first], axis=0) for p in (sh, hip, knee)]
        share = float(np.nanmedian(np.linalg.norm(hip[first] - sh[first], axis=1)
                                   / np.linalg.norm(ankle[first] - sh[first], axis=1)))
        for i in np.flatnonzero(inside):
            if per_frame:
                along = ankle[i] - sh[i]
                axis = [sh[i], sh[i] + share * along, knee[i]]
            else:
                axis = fixed
            out[i] = measure(masks[i], *axis)
    return out
