"""Repetitions from a score: neutral -> moving -> held -> released, and each hold timed.

An analyzer turns each frame into a score (0 = neutral, 1 = a full repetition's position);
`RepCycle` turns the scores into repetitions with hysteresis and dwell, per side where the
exercise has sides, and `RepCycle.hold_of` times the hold between the two ramps. How the hold
estimator was chosen, and what was measured and not taken: docs/analyzers/hold-timing.md.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from formcheck.analyzers.signals import Hysteresis


@dataclass
class RepInProgress:
    """A movement off neutral while it lasts: its samples, peak and live hold clock."""

    start: float
    side: str | None
    samples: list[tuple[float, float]] = field(default_factory=list)  # (t, timing signal)
    levels: list[float] = field(default_factory=list)  # the score since the start
    values_at_peak: dict[str, float] = field(default_factory=dict)
    peak: float = -math.inf
    reached: float | None = None  # live: when the score first reached the held level
    plateau: float = 0.0  # median of the scores above half the highest so far
    end: float | None = None  # when the release crossed back to neutral (samples may go on)

    def add(self, t: float, score: float, values: dict[str, float]) -> None:
        self.samples.append((t, score))
        if values and score > self.peak:
            self.peak = score
            self.values_at_peak = dict(values)


class RepCycle:
    """neutral -> moving -> held -> released, from a 0..1 score, with the hold timed.

    A rep starts when the score stays >= `on` for `dwell` seconds and ends when it stays at or
    below the release level for `release_dwell` seconds (default `dwell`). The release level is
    `off`, or `release` x the rep's plateau when that is higher: people often come back only
    part of the way, and a rep must still end. Start and end are when those crossings began.
    Live, the hold clock runs from the first sample at or above `reach`; a movement that never
    reaches it (a twitch) is not a rep. With `follow` > 0, once a rep has been seen on a side the
    next one there must rise above `follow` x its plateau: after a person has shown their range,
    a drift a fraction of it high is not another rep. Each side keeps its own level, and a rep
    keeps the side it began on: a score toward the other side counts as moving back. With
    `rejoin` > 0, a rise that begins within that many seconds of a release, on the same side,
    and is back at the rep's held level when confirmed, continues the rep (a dip of the landmarks mid-hold is not a release and a new rep); the
    released rep is given back once that time has passed. `reset`
    forgets all of it (a new set, a new neutral). `lookback` seconds of samples before a start
    are kept so the hold estimator sees the whole rise. `plateau_share`: the hold estimator's
    plateau is the median of the samples above this share of the peak (see `hold_of`).
    """

    def __init__(self, on: float = 0.5, off: float = 0.25, dwell: float = 0.2,
                 hold_level: float = 0.75, reach: float = 0.7, release: float = 0.5,
                 lookback: float = 2.0, follow: float = 0.0,
                 release_dwell: float | None = None, plateau_share: float = 0.5,
                 rejoin: float = 0.0) -> None:
        if not 0.0 < plateau_share < 1.0:
            raise ValueError(f"plateau_share must be between 0 and 1, got {plateau_share}")
        self.switch = Hysteresis(on, off, dwell, release_dwell)
        self.plateau_share = plateau_share
        self.on, self.follow = on, follow
        self.off, self.release, self.lookback = off, release, lookback
        self.hold_level, self.reach = hold_level, reach
        self.rejoin = rejoin
        self.current: RepInProgress | None = None
        self._released: RepInProgress | None = None  # ended, but may still rejoin (`rejoin`)
        self._plateaus: dict[str | None, float] = {}  # the last rep's plateau, per side
        self._history: deque[tuple[float, float]] = deque()  # recent samples while neutral

    def reset(self) -> None:
        self.switch.reset()
        self.switch.off = self.off
        self.switch.on = self.on
        self.current = None
        self._released = None
        self._plateaus.clear()
        self._history.clear()

    @property
    def starting(self) -> bool:
        """A start is pending (the score crossed `on`, the dwell is not over)."""
        return self.current is None and self.switch.pending_since is not None

    def update(self, t: float, score: float, side: str | None, values: dict[str, float],
               timing: float | None = None) -> RepInProgress | None:
        """Feed one score (toward `side`); returns the finished rep when one ends on this sample."""
        if math.isnan(score):
            return None
        timed = score if timing is None or math.isnan(timing) else timing
        cur = self.current
        if cur is not None and side != cur.side and side is not None and cur.side is not None:
            score, timed = -score, -timed  # toward the other side: on the way back
        elif cur is None and self.follow and not self.switch.active:
            self.switch.on = max(self.on, self.follow * self._plateaus.get(side, 0.0))
        flipped = self.switch.update(t, score)
        if self.switch.active:
            late = None  # a released rep a new one follows (too late to rejoin it)
            if flipped and self._rejoins(side, self.switch.since or t, score):
                self.current, self._released = self._released, None  # a dip, not a release
                assert self.current is not None
                self.current.end = None
                for ts, sc in self._history:
                    if ts > self.current.samples[-1][0]:
                        self.current.add(ts, sc, {})
                self._history.clear()
            elif flipped:
                late, self._released = self._released, None
                self.current = RepInProgress(start=self.switch.since or t, side=side)
                for ts, sc in self._history:
                    self.current.add(ts, sc, values if ts >= self.current.start else {})
                self._history.clear()
            cur = self.current
            assert cur is not None
            cur.add(t, timed, values)
            cur.levels.append(score)
            if cur.reached is None and score >= self.reach:
                cur.reached = t
            levels = np.array(cur.levels)
            cur.plateau = float(np.median(levels[levels >= 0.5 * levels.max()]))
            self.switch.off = max(self.off, self.release * cur.plateau)
            return late
        self._history.append((t, timed))
        while self._history and t - self._history[0][0] > self.lookback:
            self._history.popleft()
        if flipped and self.current is not None:
            done = self.current
            done.end = self.switch.since if self.switch.since is not None else t
            for ts, sc in self._history:  # the dwell's samples show the foot of the release
                if ts > done.samples[-1][0]:
                    done.add(ts, sc, {})
            self.current = None
            self.switch.off = self.off
            self._plateaus[done.side] = done.plateau
            self.switch.on = max(self.on, self.follow * done.plateau)
            if self.rejoin > 0:
                self._released = done  # given back once it can no longer rejoin
                return None
            return done
        return self._due(t)

    def _rejoins(self, side: str | None, rise: float, score: float) -> bool:
        """A rise that begins within `rejoin` s of the last rep's release, on its side, and is
        back at that rep's held level, continues it: the score dipped (a landmark dropout), and
        nobody releases and holds again so fast (a body settling after a release comes back only
        part of the way)."""
        done = self._released
        return (done is not None and done.side == side and done.end is not None
                and rise - done.end <= self.rejoin and score >= self.hold_level * done.plateau)

    def _due(self, t: float) -> RepInProgress | None:
        """The released rep, once no rise could rejoin it any more."""
        done = self._released
        if done is None or done.end is None or t - done.end <= self.rejoin:
            return None
        pending = self.switch.pending_since
        if pending is not None and pending - done.end <= self.rejoin:
            return None  # a rise that began in time is still confirming
        self._released = None
        return done

    def cut(self) -> RepInProgress | None:
        """End the rep in progress now (end of set, long cannot-judge stretch, end of video)."""
        done = self.current or self._released
        self.reset()
        return done

    def hold_of(self, rep: RepInProgress) -> tuple[float, float, float] | None:
        """(hold start, hold end, hold seconds) from the rep's samples, or None if never held.

        Pose landmarks lag a slow movement (MediaPipe smooths them), differently on the way in
        and out, so a hold read off a level crossing comes out long; what the lag shifts least
        is the middle of each ramp. On the rep's samples (a 5-sample median against one-frame
        spikes): the plateau is the median of the samples above `plateau_share` of the peak
        (half by default, robust to noise; with a clean signal a higher share keeps the upper
        halves of slow ramps around a short hold out of the plateau, which they lower, reading
        the hold long: docs/analyzers/hold-timing.md); each ramp is located by where it crosses
        10, 50 and 90 % of the way from its own foot to the plateau;
        the hold starts half a ramp after the rise's middle and ends half a ramp before the
        release's, a ramp being its 10-90 % time / RAMP_10_90. Falls back to the plateau's own
        edges when a ramp is missing (a rep cut by the end of a set).
        """
        if len(rep.samples) < 3:
            return None
        ts = np.array([t for t, _ in rep.samples], dtype=float)
        raw = np.array([s for _, s in rep.samples], dtype=float)
        sc = np.array([np.median(raw[max(0, i - 2): i + 3]) for i in range(len(raw))])
        if not robust_peak(rep.levels or sc) >= self.reach:
            return None
        peak = robust_peak(sc)
        if not peak > 0:
            return None
        plateau = float(np.median(sc[sc >= self.plateau_share * peak]))
        top = np.flatnonzero(sc >= self.hold_level * plateau)
        first_top, last_top = int(top[0]), int(top[-1])
        start, end = float(ts[first_top]), float(ts[last_top])
        near = np.flatnonzero(sc >= 0.95 * plateau)  # where each ramp has surely finished
        rise_to, fall_from = int(near[0]), int(near[-1])
        # Each ramp is measured from its own foot (the level before the rise, after the
        # release), not the neutral: MediaPipe often settles a tenth of a rep off it.
        first_quarter = np.flatnonzero(sc[: rise_to + 1] >= 0.25 * plateau)
        skip = 0
        if first_quarter.size and first_quarter[0] == 0:
            # The lookback opens on the previous rep's release (a short rest between reps): this
            # rise starts from the lowest point before it.
            skip = int(np.argmin(sc[: rise_to + 1]))
            first_quarter = np.flatnonzero(sc[skip: rise_to + 1] >= 0.25 * plateau) + skip
        rise_foot = 0.0
        if first_quarter.size and first_quarter[0] > skip:
            rise_foot = float(np.median(sc[skip: first_quarter[0]]))
        rise = _crossings(ts[skip: rise_to + 1], sc[skip: rise_to + 1], rise_foot, plateau, rising=True)
        foot = float(np.min(sc[fall_from:]))
        fall = _crossings(ts[fall_from:], sc[fall_from:], max(0.0, foot), plateau, rising=False)
        if rise is not None:
            start = max(ts[0], rise[1] + rise[2] / 2)
        if fall is not None and foot < 0.5 * plateau:
            end = min(ts[-1], fall[1] - fall[2] / 2)
        start = max(start, rep.start)
        if rep.end is not None:
            end = min(end, rep.end)
        end = max(end, start)
        return start, end, end - start


# A ramp's 10-90 % time over its whole duration, i.e. the ramp shape assumed: 0.51 minimum-jerk,
# 0.59 cosine, 0.61 smoothstep, 0.8 linear. 0.59, chosen on 55 measured holds (see
# docs/analyzers/hold-timing.md); it also errs toward "hold longer", the safe side.
RAMP_10_90 = 0.59


def _crossings(ts: np.ndarray, sc: np.ndarray, foot: float, top: float,
               rising: bool) -> tuple[float, float, float] | None:
    """(t10, t50, ramp seconds) of a rise (or fall) from `foot` to `top`, interpolated."""
    if len(ts) < 2 or top - foot <= 0:
        return None
    frac = (sc - foot) / (top - foot)
    if not rising:
        ts, frac = ts[::-1], frac[::-1]  # read the fall backwards: it rises toward the plateau

    def when(level: float) -> float | None:
        # the last time the ramp was still below `level`, going toward the plateau at the end
        below = np.flatnonzero(frac < level)
        if below.size == 0 or below[-1] == len(frac) - 1:
            return None
        i = int(below[-1])
        f0, f1 = frac[i], frac[i + 1]
        return float(ts[i] + (level - f0) / (f1 - f0) * (ts[i + 1] - ts[i]))

    t10, t50, t90 = when(0.1), when(0.5), when(0.9)
    if t10 is None or t50 is None or t90 is None:
        return None
    ramp = abs(t90 - t10) / RAMP_10_90
    return t10, t50, ramp


def robust_peak(values: list[float] | np.ndarray, q: float = 90.0) -> float:
    """A peak that one outlier frame cannot make: the q-th percentile."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(np.percentile(arr, q)) if arr.size else float("nan")
