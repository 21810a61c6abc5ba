"""The machinery every exercise analyzer shares, so each exercise file only says what it measures.

An exercise analyzer subclasses `ExerciseAnalyzer` and answers three questions per frame:

- `judge(pose)`: can this frame be judged at all? (None, or a cannot-judge reason such as
  "not lying down"); the framework already handles "no person" and set changes;
- `measure(pose)`: a `Reading`: one *score* (0 = neutral, 1 = a full repetition's position,
  NaN while calibrating), the faults seen now, and values worth reporting;
- `cue(...)`: the one short sentence to show.

The framework does the rest, the same way for every exercise: it splits the session into sets
(`SetDetector`), logs cannot-judge and fault intervals (`IntervalLog`), turns the score into
repetitions with hold timing (`RepCycle`: neutral -> moving -> held -> released), never lets a rep
or hold span two sets or a long cannot-judge stretch, and assembles the `Report`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from formcheck.analyzers.base import Analyzer, Fault, Feedback, Interval, Prescription, Report, Rep
from formcheck.analyzers.signals import NO_PERSON, Hysteresis, SetChange, SetDetector
from formcheck.landmarks import PoseFrame


class IntervalLog:
    """Turns a per-frame label (a fault kind, a cannot-judge reason, or None) into intervals.

    An interval runs from the first frame with the label to the first frame without it (or the
    last frame seen, at `close`). Intervals shorter than `min_duration` are dropped, and two of
    the same label separated by less than `merge_gap` seconds are merged, so one flicker does
    not split or create an event.
    """

    def __init__(self, min_duration: float = 0.0, merge_gap: float = 0.0) -> None:
        self.min_duration, self.merge_gap = min_duration, merge_gap
        self._open: dict[str, float] = {}
        self._last_t: float | None = None
        self._done: list[tuple[str, float, float]] = []

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
                self._open[key] = min(t, edges.get(key, t))
        self._last_t = t

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
                if start - e <= self.merge_gap:
                    self._done[i] = (k, s, max(e, end))
                    return
                break
        self._done.append((key, start, end))

    def intervals(self) -> list[tuple[str, float, float]]:
        """(label, start, end), time-ordered, open ones excluded, short ones dropped."""
        kept = [iv for iv in self._done if iv[2] - iv[1] >= self.min_duration]
        return sorted(kept, key=lambda iv: (iv[1], iv[0]))


@dataclass
class Reading:
    """What an exercise measured in one judgeable frame.

    `score`: 0 at the neutral position, 1 at a full repetition's position (NaN = no score yet,
    e.g. while calibrating); `timing`, when given, is the signal the hold is timed on (a score
    built as a minimum of several features saturates on the weakest one, which blurs when the
    position is reached or left; the most direct feature times it better); `side` for exercises done to a side; `faults` present now, with
    `fault_edges` dating a fault that starts or ends on this frame back to when its crossing
    began; `values` raw measurements kept per rep (their value at the peak of the rep).
    """

    score: float
    side: str | None = None
    faults: frozenset[str] = frozenset()
    fault_edges: dict[str, float] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    calibrating: bool = False
    cannot_judge: str | None = None  # faults are still seen, but no rep can be judged
    timing: float | None = None  # the signal holds are timed on, when not the score itself


@dataclass
class RepInProgress:
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
    below the release level for `dwell` seconds (hysteresis: noise near one threshold cannot
    make or break a rep). The release level is `off`, or `release` x the rep's plateau when
    that is higher: people often come back only part of the way (a pelvis settling two-thirds
    back), and a rep must still end. Its start and end are the times those crossings began.
    The hold is measured afterwards on the rep's own samples, with `lookback` seconds before its
    start to see the whole rise (`hold_of`). Live, the timer runs from the first sample at or
    above `reach`; a movement that never reaches `reach` (a twitch off neutral) is not a rep.
    With `follow` > 0, once a rep has been seen the next must rise above `follow` x its plateau
    (and at least `on`): after a person has shown their range, a drift or an incomplete return
    a fraction of it high is not another rep. `reset` forgets it (a new set, a new neutral).
    `release_dwell` (default `dwell`) is how long the score must stay down to end a rep.
    """

    def __init__(self, on: float = 0.5, off: float = 0.25, dwell: float = 0.2,
                 hold_level: float = 0.75, reach: float = 0.7, release: float = 0.5,
                 lookback: float = 2.0, follow: float = 0.0,
                 release_dwell: float | None = None) -> None:
        self.switch = Hysteresis(on, off, dwell, release_dwell)
        self.on, self.follow = on, follow
        self.off, self.release, self.lookback = off, release, lookback
        self.hold_level, self.reach = hold_level, reach
        self.current: RepInProgress | None = None
        self._history: deque[tuple[float, float]] = deque()  # recent samples while neutral

    def reset(self) -> None:
        self.switch.reset()
        self.switch.off = self.off
        self.switch.on = self.on
        self.current = None
        self._history.clear()

    @property
    def starting(self) -> bool:
        """A start is pending (the score crossed `on`, the dwell is not over)."""
        return self.current is None and self.switch.pending_since is not None

    def update(self, t: float, score: float, side: str | None, values: dict[str, float],
               timing: float | None = None) -> RepInProgress | None:
        """Feed one score; returns the finished rep when one ends on this sample."""
        if math.isnan(score):
            return None
        timed = score if timing is None or math.isnan(timing) else timing
        flipped = self.switch.update(t, score)
        if self.switch.active:
            if flipped:
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
            plateau = float(np.median(levels[levels >= 0.5 * levels.max()]))
            cur.plateau = plateau
            self.switch.off = max(self.off, self.release * plateau)
            return None
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
            self.switch.on = max(self.on, self.follow * done.plateau)
            return done
        return None

    def cut(self) -> RepInProgress | None:
        """End the rep in progress now (end of set, long cannot-judge stretch, end of video)."""
        done = self.current
        self.reset()
        return done

    def hold_of(self, rep: RepInProgress) -> tuple[float, float, float] | None:
        """(hold start, hold end, hold seconds) from the rep's samples, or None if never held.

        Pose landmarks lag a slow movement (the Tasks graph smooths them), and the lag is not the
        same on the way in and out, so a hold read off a level crossing comes out long. What the
        lag shifts least is the middle of each ramp. So, on the rep's samples (a 5-sample
        median against single-frame spikes): the plateau is the median of the samples above half
        the peak; each ramp is located by where it crosses 10, 50 and 90 % of the way between
        its foot and the plateau; the hold starts half a ramp after the rise's midpoint and ends
        half a ramp before the release's midpoint, a ramp being its 10-90 % time / RAMP_10_90.
        Falls back to the plateau's own edges when a ramp is missing (a rep cut by the end of a
        set).

        Measured on 55 holds (rendered pelvic tilt matrix at CRF 12, CI clips, samples, the real
        clip): median |error| 0.13 s; fast tempo within 0.3 s (18/18), normal 14/17, slow (2 s
        eased ramps) 11/18, worst +0.85 s; the real clip's two labelled holds -0.19, -0.27 s.
        What is left is not the ramp shape but how late MediaPipe shows each ramp's middle,
        which varies from 0.0 to 0.47 s between ramps of one clip (see pelvic_tilt's known
        limits): mostly the One Euro filter the Tasks graph puts on every landmark in VIDEO mode
        (min cutoff 0.05 Hz, beta 80: a 3 s time constant at rest, a tenth of it mid-ramp),
        whose lag follows each ramp's speed. Measured on the same holds and not taken: other
        RAMP_10_90 values (see its note); a ramp shape fitted per ramp from its 10..90 %
        crossings (noise decides the shape: 10-18 holds beyond 0.3 s); a constant or quadrature
        spread for MediaPipe's smoothing subtracted from each ramp (11-22 beyond); timing the
        release on its whole fall by keeping a second of samples after the rep ends (the
        release's lower half holds MediaPipe's slow settling: 15 beyond instead of 10); pelvic
        tilt's timing signal on one feature alone instead of both (12 and 15 beyond); plateau
        bands at 0.5-0.9 of the plateau (read long at every tempo but fast); MediaPipe's heavy
        model instead of full (14 of 53 beyond, and three counts wrong: the thresholds are the
        full model's).
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
        plateau = float(np.median(sc[sc >= 0.5 * peak]))
        top = np.flatnonzero(sc >= self.hold_level * plateau)
        first_top, last_top = int(top[0]), int(top[-1])
        start, end = float(ts[first_top]), float(ts[last_top])
        near = np.flatnonzero(sc >= 0.95 * plateau)  # where each ramp has surely finished
        rise_to, fall_from = int(near[0]), int(near[-1])
        # Each ramp is measured from its own foot: the level the signal rests at before the rise
        # (median of the samples before it first reaches a quarter of the plateau) and after
        # the release. Not the neutral: MediaPipe often settles a tenth of a tilt off it after
        # a release, and noise around the 10 % level then made a 0.35 s rise read 2.4 s.
        first_quarter = np.flatnonzero(sc[: rise_to + 1] >= 0.25 * plateau)
        rise_foot = 0.0
        if first_quarter.size and first_quarter[0] > 0:
            rise_foot = float(np.median(sc[: first_quarter[0]]))
        rise = _crossings(ts[: rise_to + 1], sc[: rise_to + 1], rise_foot, plateau, rising=True)
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


# A ramp's 10-90 % time over its whole duration, i.e. the ramp shape assumed: 0.51 for a
# minimum-jerk ramp (the classic model of a smooth human movement), 0.59 for a cosine one, 0.61
# for smoothstep, 0.8 for a linear one. With a faithful signal a hold read this way is off by
# (1 - true ratio / RAMP_10_90) x the ramp's length, so a wrong shape costs most on slow ramps.
# Measured on 55 holds (the rendered pelvic tilt matrix, the CI clips and samples, the real
# clip), holds off by more than 0.3 s: 0.59 -> 10 (fast tempo 0/18, normal 3/17, slow 7/18;
# real clip -0.23 s on average); 0.64 -> 12; 0.7 -> 16 (slow +0.46 s on average); 0.8 -> 21.
# The renderer eases with a cosine, so rendered clips alone would pick 0.59 whatever people do;
# the real clip's two labelled holds (hand labels, ~0.1-0.2 s fuzzy) read 0.1 s shorter than
# with 0.7. 0.59 it is: it also errs toward "hold longer", the safe side of a prescription.
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


class ExerciseAnalyzer(Analyzer):
    """The shared body of every exercise analyzer (see the module docstring).

    Class settings a subclass may change:
    - `gap`: seconds without a judgeable frame after which an open rep is closed and a new set
      begins (a hold never spans a gap);
    - `rep_voiding_faults`: faults that make a movement *not* a rep of this exercise (a bridge is
      not a pelvic tilt): a rep overlapping one, or within `voiding_margin` seconds of it, is
      dropped and reported under `extra["not_counted"]`; reps are counted that many seconds
      after they end, so the live count never has to go down;
    - `min_hold`, `cut_rep_min_hold`: the shortest hold that makes a rep, and the shortest for a
      rep cut by the end of a set or of the video (never seen released);
    - `fault_messages`: the report's words for each fault kind;
    - `cycle_params`: thresholds of the `RepCycle`.
    """

    gap: ClassVar[float] = 1.0
    rep_voiding_faults: ClassVar[frozenset[str]] = frozenset()
    voiding_margin: ClassVar[float] = 0.0  # seconds around a voiding fault that also void a rep
    cut_rep_min_hold: ClassVar[float] = 1.0  # a rep cut before its release counts if held this long
    min_hold: ClassVar[float] = 0.0  # a rep held less than this is a blip (exercises with holds)
    fault_messages: ClassVar[dict[str, str]] = {}
    fault_min_duration: ClassVar[float] = 0.3
    cycle_params: ClassVar[dict[str, float]] = {}
    feedback_linger: ClassVar[float] = 2.5  # seconds a rep's verdict stays on screen

    def __init__(self, prescription: Prescription | None = None) -> None:
        super().__init__(prescription)
        self.sets = SetDetector(gap=self.gap)
        self.cycle = RepCycle(**self.cycle_params)
        self.cannot = IntervalLog(min_duration=0.0, merge_gap=0.0)
        self.fault_log = IntervalLog(min_duration=self.fault_min_duration, merge_gap=0.3)
        self._reps: list[Rep] = []
        self._voided: list[dict[str, float]] = []
        self._pending: list[Rep] = []  # ended reps waiting out `voiding_margin`
        self._set_spans: list[list[float]] = []
        self._recent_person_t: deque[float] = deque(maxlen=64)  # enough to date a confirmed cut
        self._last_t: float | None = None
        self._last_judged: float | None = None
        self._stale = False  # a long cannot-judge stretch already cut the rep and recalibrated
        self._finished = False
        self._last_rep_note: tuple[float, Rep] | None = None
        self._feedback: Feedback | None = None

    # --- what a subclass provides ------------------------------------------------------------

    def judge(self, pose: PoseFrame) -> str | None:
        """A cannot-judge reason for this frame (person present), or None when it can be judged."""
        return None

    def measure(self, pose: PoseFrame) -> Reading | str:
        """The frame's Reading, or a cannot-judge reason found while measuring."""
        raise NotImplementedError

    def new_set(self) -> None:
        """Forget per-set state (baseline, filters): called when a set begins, and after a
        stretch too long to judge (the person may have moved: calibrate again)."""

    def set_began(self) -> None:
        """Called only when a new set begins (first sight, a cut, a new person), after
        `new_set`: forget what must survive a long cannot-judge stretch within a set."""

    def rep_counted(self, rep: Rep) -> None:
        """Called once per rep when it is counted (after `voiding_margin`)."""

    def cue(self, t: float, state: str, reading: Reading | None, hold: float | None,
            faults: frozenset[str]) -> str:
        """The one sentence to show now."""
        return ""

    # --- the framework -----------------------------------------------------------------------

    @property
    def set_index(self) -> int:
        return max(len(self._set_spans) - 1, 0)

    def _begin_set(self, start: float) -> None:
        rip = self.cycle.cut()
        if rip is not None:  # the frames from the cut on belong to the new set
            rip.samples = [(ts, s) for ts, s in rip.samples if ts < start]
            if rip.end is not None and rip.end >= start:
                rip.end = None
        self._close_rep(rip, cut=True)
        if self._set_spans:  # the previous set ends before the cut
            prev = self._set_spans[-1]
            prev[1] = max(prev[0], min(prev[1], self._last_before(start)))
        self._set_spans.append([start, start])
        self._last_judged = None
        self._stale = False
        self.new_set()
        self.set_began()

    def _last_before(self, start: float) -> float:
        """Time of the last frame with a person before `start` (for closing the previous set)."""
        earlier = [ts for ts in self._recent_person_t if ts < start]
        return earlier[-1] if earlier else start

    def update(self, pose: PoseFrame) -> Feedback:
        t = float(pose.t)
        if self._finished or not math.isfinite(t) or (self._last_t is not None and t <= self._last_t):
            # Out-of-order or repeated timestamps cannot be timed: show the last feedback.
            return self._feedback or self._make_feedback("waiting", None, None, frozenset(), None)
        self._last_t = t
        if self._pending:
            self._confirm_pending(t)
        change: SetChange | None = self.sets.update(pose)
        if pose.landmarks is not None:
            self._recent_person_t.append(t)
        reason: str | None
        reading: Reading | None = None
        if pose.landmarks is None:
            reason = NO_PERSON
        else:
            if change is not None:
                self._begin_set(change.start)
            reason = self.judge(pose)
            if reason is None:
                r = self.measure(pose)
                if isinstance(r, str):
                    reason = r
                else:
                    reading = r
                    reason = r.cannot_judge
            if self._set_spans:  # (a body too broken to place has not started a set)
                self._set_spans[-1][1] = t
        self.cannot.update(t, reason)

        if reason is not None:
            # Too long without judging: the rep in progress cannot be timed any further, and the
            # person may have moved, so calibrate again (once per stretch).
            if not self._stale and self._last_judged is not None and t - self._last_judged > self.gap:
                self._close_rep(self.cycle.cut(), cut=True)
                self.new_set()
                self._stale = True
            faults = reading.faults if reading is not None else frozenset()
            self.fault_log.update(t, set(faults), reading.fault_edges if reading is not None else None)
            fb = self._make_feedback("cannot judge", reading, None, faults, reason)
            self._feedback = fb
            return fb

        assert reading is not None
        self._last_judged = t
        self._stale = False
        self.fault_log.update(t, set(reading.faults), reading.fault_edges)
        # While a jump of the body awaits confirmation as a cut, the frames may belong to the
        # next set: they must not end (or start) a rep of this one.
        score = math.nan if self.sets.pending else reading.score
        done = self.cycle.update(t, score, reading.side, reading.values, reading.timing)
        if done is not None:
            self._close_rep(done, cut=False)
        state = "calibrating" if reading.calibrating else self._state(t, reading)
        hold = None
        cur = self.cycle.current
        if cur is not None and cur.reached is not None:
            hold = t - cur.reached
        fb = self._make_feedback(state, reading, hold, reading.faults, None)
        self._feedback = fb
        return fb

    def _state(self, t: float, reading: Reading) -> str:
        cur = self.cycle.current
        if cur is None:
            return "neutral"
        if cur.reached is None:
            return "moving"
        if reading.score < self.cycle.reach:
            return "releasing"
        return "holding"

    def _make_feedback(self, state: str, reading: Reading | None, hold: float | None,
                       faults: frozenset[str], reason: str | None) -> Feedback:
        if reason and not faults:
            cue = f"Cannot judge: {reason}"
        else:
            cue = self.cue(self._last_t or 0.0, state, reading, hold, faults)
        side = reading.side if reading is not None else None
        return Feedback(
            exercise=self.name, state=state, count=len(self._reps),
            target=self.prescription.reps, good=sum(r.met for r in self._reps),
            hold_elapsed=hold, hold_target=self.prescription.hold or None, cue=cue,
            faults=tuple(sorted(faults)), cannot_judge=reason, side=side,
        )

    def recent_rep(self, t: float) -> Rep | None:
        """The rep that ended within `feedback_linger` seconds, for 'Good hold'-style cues."""
        if self._last_rep_note and t - self._last_rep_note[0] <= self.feedback_linger:
            return self._last_rep_note[1]
        return None

    def _close_rep(self, rip: RepInProgress | None, cut: bool) -> None:
        """A movement ended: make it a Rep, held back `voiding_margin` s for a voiding fault."""
        if rip is None or not rip.samples:
            return
        hold = self.cycle.hold_of(rip)
        if hold is None:
            return  # moved off neutral but never reached the position: not a rep
        h_start, h_end, seconds = hold
        if cut and seconds < self.cut_rep_min_hold:
            return  # never seen released and barely held: a cut or a fade, not a rep
        if seconds < self.min_hold:
            return  # a blip, not a held position
        end = rip.end if rip.end is not None else rip.samples[-1][0]
        target = self.prescription.hold
        measured = {k: round(v, 4) for k, v in rip.values_at_peak.items()}
        measured["peak_score"] = round(rip.peak, 3)
        measured["hold_start"] = round(h_start, 3)
        measured["hold_end"] = round(h_end, 3)
        if cut:
            measured["cut_short"] = 1.0
        rep = Rep(
            index=0, start=round(rip.start, 3), end=round(end, 3), set_index=self.set_index,
            side=rip.side, hold=round(seconds, 3) if target > 0 or self.prescription.hold_max else None,
            met=seconds + 1e-9 >= target, measured=measured,
        )
        self._pending.append(rep)
        self._confirm_pending(self._last_t or end)

    def _confirm_pending(self, t: float, final: bool = False) -> None:
        """Count the reps whose margin has passed, unless a voiding fault (a bridge) touched them."""
        m = self.voiding_margin
        spans = self.fault_log.intervals() + [(k, t - d, t) for k, d in self.fault_log.active(t).items()]
        keep: list[Rep] = []
        for rep in self._pending:
            if not final and t < rep.end + m:
                keep.append(rep)
                continue
            if any(k in self.rep_voiding_faults and s - m < rep.end and e + m > rep.start
                   for k, s, e in spans):
                self._voided.append({"start": rep.start, "end": rep.end})
                continue
            rep.index = len(self._reps) + 1
            self._reps.append(rep)
            self._last_rep_note = (t, rep)
            self.rep_counted(rep)
        self._pending = keep

    def finish(self) -> None:
        if self._finished:
            return
        self._close_rep(self.cycle.cut(), cut=True)
        self.cannot.close(self._last_t)
        self.fault_log.close(self._last_t)
        self._confirm_pending(self._last_t or 0.0, final=True)
        self._finished = True

    def report(self) -> Report:
        self.finish()
        faults = [
            Fault(kind=k, start=round(s, 3), end=round(e, 3), message=self.fault_messages.get(k, ""))
            for k, s, e in self.fault_log.intervals()
        ]
        for rep in self._reps:
            rep.faults = [f for f in faults if f.start < rep.end and f.end > rep.start]
        cannot = [Interval(round(s, 3), round(e, 3), k) for k, s, e in self.cannot.intervals() if e > s]
        sets = [Interval(round(s, 3), round(e, 3), "") for s, e in self._set_spans]
        extra: dict[str, object] = {}
        if self.rep_voiding_faults:
            extra["not_counted"] = list(self._voided)
        return Report(exercise=self.name, prescription=self.prescription, reps=list(self._reps),
                      faults=faults, cannot_judge=cannot, sets=sets, extra=extra)


def robust_peak(values: list[float] | np.ndarray, q: float = 90.0) -> float:
    """A peak that one outlier frame cannot make: the q-th percentile."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(np.percentile(arr, q)) if arr.size else float("nan")
