"""A hold timed by fitting an eased (cosine) ramp to each side of it, least squares.

main's estimator (`RepCycle.hold_of`) reads each ramp off its 10/50/90 % crossings; on a jittery
signal (landmarks with MediaPipe's filter undone, the mask) a crossing is decided by one or two
noisy frames. Here each ramp is the best of a grid of cosine steps (start, duration) with the foot
and height solved by least squares over all the ramp's samples; the hold runs from the end of the
rise to the start of the release (what the rendered truth measures).
"""

from __future__ import annotations

import numpy as np

DURATIONS = np.arange(0.15, 3.01, 0.05)
STEP = 0.02


def _ease(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def fit_step(ts: np.ndarray, y: np.ndarray, rising: bool, foot: float | None = None
             ) -> tuple[float, float, float, float] | None:
    """(start, duration, foot, height) of the cosine step that best fits (ts, y); a rise goes
    foot -> foot + height, a fall the other way. `foot` fixes the foot (a fall seen only in
    part). None when too few samples or no positive height fits."""
    ok = np.isfinite(y)
    ts, y = ts[ok], y[ok]
    if len(ts) < 6:
        return None
    starts = np.arange(ts[0] - 0.5, ts[-1], STEP)
    best: tuple[float, float, float, float, float] | None = None
    for d in DURATIONS:
        x = (ts[None, :] - starts[:, None]) / d  # (starts, samples)
        h = _ease(x) if rising else 1.0 - _ease(x)
        if foot is None:
            # y = a + b h: least squares per start
            n = len(ts)
            sh, shh = h.sum(1), (h * h).sum(1)
            sy, shy = y.sum(), (h * y[None, :]).sum(1)
            det = n * shh - sh * sh
            with np.errstate(divide="ignore", invalid="ignore"):
                b = (n * shy - sh * sy) / det
                a = (sy - b * sh) / n
        else:
            r = y[None, :] - foot
            with np.errstate(divide="ignore", invalid="ignore"):
                b = (h * r).sum(1) / (h * h).sum(1)
            a = np.full(len(starts), foot)
        sse = ((y[None, :] - a[:, None] - b[:, None] * h) ** 2).sum(1)
        sse = np.where(np.isfinite(sse) & (b > 0), sse, np.inf)
        i = int(np.argmin(sse))
        if np.isfinite(sse[i]) and (best is None or sse[i] < best[0]):
            best = (float(sse[i]), float(starts[i]), float(d), float(a[i]), float(b[i]))
    if best is None:
        return None
    return best[1], best[2], best[3], best[4]


def fit_hold(ts: np.ndarray, y: np.ndarray, guess: tuple[float, float]
             ) -> tuple[float, float] | None:
    """(hold start, hold end) from a rep's timing samples, split at the middle of `guess` (the
    crossing estimator's hold). The release is fitted with the rise's foot when the samples do not
    reach its own (they stop soon after the release crosses half the plateau)."""
    mid = 0.5 * (guess[0] + guess[1])
    up, down = ts <= mid, ts >= mid
    rise = fit_step(ts[up], y[up], rising=True)
    if rise is None:
        return None
    t0, d0, foot, height = rise
    tail = y[down]
    whole = np.isfinite(tail).any() and float(np.nanmin(tail[-3:])) < foot + 0.3 * height
    fall = fit_step(ts[down], y[down], rising=False, foot=None if whole else foot)
    if fall is None:
        return None
    t1 = fall[0]
    start, end = t0 + d0, t1
    if end < start:
        return None
    return start, end
