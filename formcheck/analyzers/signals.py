"""The time-series primitives every analyzer is built from, each written once.

Landmarks arrive ~25-30 times a second, already smoothed by the Tasks graph in VIDEO mode, and
the movements judged are small, so every primitive works in *time* (seconds from the source's
`t`, never frame counts: cameras drop frames and files have variable frame rates):

- smoothing filters behind a factory (`make_filter("none" | "ema" | "one_euro")`), so "no extra
  smoothing" is a choice, not a missing branch;
- `Hysteresis`: two thresholds and a dwell time, telling *when* a crossing began;
- `Baseline`: a neutral value learned while still, with its own noise estimate;
- `IntervalLog`: per-frame labels (a fault, a cannot-judge reason) turned into intervals.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

# ---------------------------------------------------------------------------------------------
# Smoothing


class Filter(Protocol):
    """A causal filter of a scalar or array signal sampled at irregular times."""

    def __call__(self, t: float, x: float | np.ndarray) -> float | np.ndarray: ...

    def reset(self) -> None: ...


class NoFilter:
    """Pass-through: the right default when the landmarks are already smoothed upstream."""

    def __call__(self, t: float, x: float | np.ndarray) -> float | np.ndarray:
        return x

    def reset(self) -> None:
        pass


class EmaFilter:
    """Exponential moving average with a *time constant*, so it behaves the same at 15 or 60 fps.

    alpha = 1 - exp(-dt / tau): a frame after a long gap counts more than one right after the
    previous frame. NaN samples are ignored (the output holds).
    """

    def __init__(self, tau: float = 0.1) -> None:
        if tau < 0:
            raise ValueError(f"EMA time constant must be >= 0 s, got {tau}")
        self.tau = tau
        self.reset()

    def reset(self) -> None:
        self._t: float | None = None
        self._y: float | np.ndarray | None = None

    def __call__(self, t: float, x: float | np.ndarray) -> float | np.ndarray:
        if np.any(np.isnan(x)):
            return x if self._y is None else self._y
        if self._y is None or self._t is None or self.tau == 0:
            self._t, self._y = t, x
            return x
        dt = max(t - self._t, 0.0)
        a = 1.0 - math.exp(-dt / self.tau)
        self._y = self._y + a * (x - self._y)
        self._t = t
        return self._y


class OneEuroFilter:
    """Casiez et al.'s One-Euro filter: heavy smoothing when still, little lag when moving.

    `min_cutoff` (Hz) sets the smoothing at rest, `beta` how fast the cutoff rises with speed.
    Suited to jittery landmarks where a plain EMA would lag the start of a movement.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError("One-Euro cutoffs must be > 0 Hz and beta >= 0")
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.reset()

    def reset(self) -> None:
        self._t: float | None = None
        self._x: float | np.ndarray | None = None
        self._dx: float | np.ndarray = 0.0

    @staticmethod
    def _alpha(dt: float, cutoff: float) -> float:
        """Smoothing factor of a first-order low-pass at `cutoff` Hz for a step of `dt` s."""
        r = 2 * math.pi * cutoff * dt
        return r / (r + 1)

    def __call__(self, t: float, x: float | np.ndarray) -> float | np.ndarray:
        if np.any(np.isnan(x)):
            return x if self._x is None else self._x
        if self._x is None or self._t is None:
            self._t, self._x = t, x
            return x
        if t <= self._t:  # a repeated timestamp carries no new information
            return self._x
        dt = t - self._t
        dx = (x - self._x) / dt
        a_d = self._alpha(dt, self.d_cutoff)
        self._dx = self._dx + a_d * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        r = 2 * np.pi * cutoff * dt
        a = r / (r + 1)  # per component when x is an array
        self._x = self._x + a * (x - self._x)
        self._t = t
        return self._x


FILTERS: dict[str, Callable[..., Filter]] = {
    "none": NoFilter,
    "ema": EmaFilter,
    "one_euro": OneEuroFilter,
}


def make_filter(kind: str = "none", **params: float) -> Filter:
    """A filter by name ("none", "ema", "one_euro") with its parameters; ValueError lists kinds."""
    key = kind.strip().lower().replace("-", "_")
    if key not in FILTERS:
        raise ValueError(f"unknown filter {kind!r}; valid: {', '.join(sorted(FILTERS))}")
    return FILTERS[key](**params)


# ---------------------------------------------------------------------------------------------
# Thresholds with hysteresis and dwell


class Hysteresis:
    """A two-threshold switch that flips only after the crossing has lasted `dwell` seconds.

    On (`active`) once the value has stayed >= `on` for `dwell_on` seconds; off once it has stayed
    <= `off` for `dwell_off` seconds (`on` > `off`; flip the sign of the signal for "below").
    Between the thresholds nothing changes and a pending crossing is forgotten. `since` is the
    time the *current* state's crossing began (not when the dwell completed), so a hold timed
    from `since` is not shortened by the dwell. NaN samples neither confirm nor cancel.
    """

    def __init__(self, on: float, off: float, dwell_on: float = 0.0, dwell_off: float | None = None):
        if off > on:
            raise ValueError(f"hysteresis needs off <= on, got on={on} off={off}")
        if dwell_on < 0 or (dwell_off is not None and dwell_off < 0):
            raise ValueError("dwell times must be >= 0 s")
        self.on, self.off = on, off
        self.dwell_on = dwell_on
        self.dwell_off = dwell_on if dwell_off is None else dwell_off
        self.reset()

    def reset(self, active: bool = False, t: float | None = None) -> None:
        self.active = active
        self.since: float | None = t
        self._pending: float | None = None  # time the opposite crossing began

    @property
    def pending_since(self) -> float | None:
        """When an as yet unconfirmed crossing began (None if none is pending)."""
        return self._pending

    def update(self, t: float, value: float) -> bool:
        """Feed one sample; returns True when the state flipped on this sample."""
        if value is None or math.isnan(value):
            return False
        crossing = value <= self.off if self.active else value >= self.on
        if not crossing:
            self._pending = None
            return False
        if self._pending is None:
            self._pending = t
        dwell = self.dwell_off if self.active else self.dwell_on
        if t - self._pending >= dwell:
            self.active = not self.active
            self.since = self._pending
            self._pending = None
            return True
        return False


# ---------------------------------------------------------------------------------------------
# Per-set neutral baseline


class Baseline:
    """The neutral value of a signal for this set, learned while the person is still.

    Calibration: the baseline becomes `ready` once the samples of the last `settle` seconds
    have not drifted by more than `max_drift` (per component, see `drift`; None = no check), or
    by more than `noise_factor` x their own jitter where that is larger (a still person seen at
    a low resolution, or on a frozen frame, still jitters by pixels: stillness is judged against
    the noise of this clip, not a fixed tolerance), and then
    starts from those samples only, so a movement before it (a set that opens mid-repetition
    and releases) is not averaged into the neutral. After that, `update` keeps a `window` of
    samples and `value` is their median: the analyzer feeds it only at rest, so the baseline
    follows slow drift between reps but never learns the moved position. `noise` is a robust
    per-frame jitter (1.4826 x the median absolute deviation of frame-to-frame differences /
    sqrt(2)), which slow drifts do not inflate, at least `min_noise`.
    """

    def __init__(self, window: float = 3.0, settle: float = 1.0, min_noise: float = 0.0,
                 max_drift: float | Sequence[float] | np.ndarray | None = None,
                 noise_factor: float = 0.0) -> None:
        if settle > window:
            raise ValueError("baseline settle time must not exceed its window")
        self.window, self.settle, self.min_noise = window, settle, min_noise
        self.noise_factor = noise_factor
        self.max_drift = None if max_drift is None else np.atleast_1d(np.asarray(max_drift, float))
        self.reset()

    def reset(self) -> None:
        self._samples: deque[tuple[float, np.ndarray]] = deque()
        self._ready = False

    def update(self, t: float, value: float | Sequence[float] | np.ndarray) -> None:
        v = np.atleast_1d(np.asarray(value, dtype=np.float64))
        if np.any(np.isnan(v)):
            return
        self._samples.append((t, v))
        keep = self.window if self._ready else self.settle
        # Drop the oldest sample only while the rest still span `keep`: the samples held then
        # always cover it (dropping every sample older than `keep` left 29 frame gaps of a
        # 29.97 fps video, 0.968 s, so a 1 s calibration never completed).
        while len(self._samples) > 1 and t - self._samples[1][0] >= keep:
            self._samples.popleft()
        if not self._ready and len(self._samples) >= 6 and self.span >= self.settle * 0.999:
            self._ready = self.max_drift is None or bool(np.all(self.drift <= self.allowed_drift))

    @property
    def allowed_drift(self) -> np.ndarray:
        """How far each component may drift during calibration (see the class docstring)."""
        assert self.max_drift is not None
        if not self.noise_factor or len(self._samples) < 3:
            return self.max_drift
        return np.maximum(self.max_drift, self.noise_factor * self.noise)

    @property
    def drift(self) -> np.ndarray:
        """|median of the newer half - median of the older half| of the samples held: how much
        the signal moved, whatever its frame-to-frame jitter (a spread would mostly measure
        that)."""
        arr = np.stack([x for _, x in self._samples])
        half = len(arr) // 2
        return np.abs(np.median(arr[half:], axis=0) - np.median(arr[:half], axis=0))

    @property
    def span(self) -> float:
        """Seconds covered by the samples held."""
        if len(self._samples) < 2:
            return 0.0
        return self._samples[-1][0] - self._samples[0][0]

    @property
    def ready(self) -> bool:
        """Calibrated: stays True until `reset`, whatever is fed afterwards."""
        return self._ready

    @property
    def value(self) -> np.ndarray:
        """Median of the window (NaN when empty)."""
        if not self._samples:
            return np.array([np.nan])
        return np.median(np.stack([v for _, v in self._samples]), axis=0)

    @property
    def noise(self) -> np.ndarray:
        """Per-frame jitter of each component, at least `min_noise` (NaN with < 3 samples)."""
        if len(self._samples) < 3:
            return np.array([np.nan])
        arr = np.stack([v for _, v in self._samples])
        d = np.diff(arr, axis=0)
        mad = np.median(np.abs(d - np.median(d, axis=0)), axis=0)
        return np.maximum(1.4826 * mad / math.sqrt(2), self.min_noise)


# ---------------------------------------------------------------------------------------------
# Intervals


class IntervalLog:
    """Turns a per-frame label (a fault kind, a cannot-judge reason, or None) into intervals.

    An interval runs from the first frame with the label to the first frame without it (or the
    last frame seen, at `close`). Intervals shorter than `min_duration` are dropped, and two of
    the same label separated by less than `merge_gap` seconds are merged, so one flicker does
    not split or create an event. `split` ends everything at a set change: nothing is merged or
    dated back across it.
    """

    def __init__(self, min_duration: float = 0.0, merge_gap: float = 0.0) -> None:
        self.min_duration, self.merge_gap = min_duration, merge_gap
        self._open: dict[str, float] = {}
        self._last_t: float | None = None
        self._done: list[tuple[str, float, float]] = []
        self._barrier = -math.inf  # intervals start at or after it and never merge across it

    def update(self, t: float, labels: str | set[str] | frozenset[str] | None,
               edges: dict[str, float] | None = None) -> None:
        """Labels present at `t`. `edges` may date a label's start or end earlier than `t`: a
        switch with a dwell time knows when the crossing it just confirmed began."""
        now = {labels} if isinstance(labels, str) else set(labels or ())
        edges = edges or {}
        for key in list(self._open):
            if key not in now:
                start = self._open.pop(key)
                self._push(key, start, max(start, min(t, edges.get(key, t))))
        for key in now:
            if key not in self._open:
                self._open[key] = max(self._barrier, min(t, edges.get(key, t)))
        self._last_t = t

    def split(self, old_end: float, new_start: float) -> None:
        """A set ended at `old_end` and the next began at `new_start`: close what is open (at
        `old_end`, or at `new_start` for what opened between the two, such as nobody in view)."""
        for key, start in list(self._open.items()):
            self._push(key, start, old_end if start <= old_end else max(start, new_start))
        self._open.clear()
        self._barrier = new_start

    def active(self, t: float) -> dict[str, float]:
        """Labels open now with how long they have lasted."""
        return {k: t - s for k, s in self._open.items()}

    def close(self, t: float | None = None) -> None:
        end = t if t is not None else self._last_t
        for key, start in list(self._open.items()):
            self._push(key, start, end if end is not None else start)
        self._open.clear()

    def _push(self, key: str, start: float, end: float) -> None:
        for i in range(len(self._done) - 1, -1, -1):
            k, s, e = self._done[i]
            if k == key:
                if start - e <= self.merge_gap and not s < self._barrier <= start:
                    self._done[i] = (k, s, max(e, end))
                    return
                break
        self._done.append((key, start, end))

    def intervals(self) -> list[tuple[str, float, float]]:
        """(label, start, end), time-ordered, open ones excluded, short ones dropped."""
        kept = [iv for iv in self._done if iv[2] - iv[1] >= self.min_duration]
        return sorted(kept, key=lambda iv: (iv[1], iv[0]))
