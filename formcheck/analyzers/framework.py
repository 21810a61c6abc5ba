"""The machinery every exercise analyzer shares, so an exercise file says only what it measures.

An exercise analyzer subclasses `ExerciseAnalyzer`, names its exercise in the registry, and
answers per frame:

- `judge(pose)`: can this frame be judged at all? None, or a cannot-judge reason ("not lying
  down"); "no person" and set changes are handled here;
- `measure(pose)`: a `Reading`: either the features its neutral is learned on (`features`,
  with `neutral_settings` set: the framework calibrates, guards and scores them through
  `score(dev)`), or a `score` of its own (0 = neutral, 1 = a full repetition's position);
  plus the faults seen now and values worth reporting; it may ask the framework to
  `relearn_neutral()` (the person moved) or `abandon_rep()` (that was not a repetition);
- `cue(...)`: the one short sentence to show.

The framework does the rest the same way for every exercise: sets (`SetDetector`), the neutral
and its guards (`calibration`), cannot-judge and fault intervals (`IntervalLog`), repetitions
per side with hold timing (`RepCycle`), faults that void or exclude a rep (declared in the
registry), the signal's `Timeline` and the `Report`. No rep, hold, fault or cannot-judge interval spans a set change.
How to add an analyzer: docs/architecture.md.
"""

from __future__ import annotations

import math
from collections import deque
from typing import ClassVar

import numpy as np

from formcheck.analyzers.base import (
    Analyzer, Fault, Feedback, Interval, Prescription, Reading, Report, Rep, Scored,
)
from formcheck.analyzers.calibration import Neutral, NeutralSettings, SideVote
from formcheck.analyzers.neutral_scoring import NeutralScoring
from formcheck.analyzers.reasons import NO_PERSON
from formcheck.analyzers.registry import ExerciseSpec, spec_of
from formcheck.analyzers.reps import RepCycle, RepInProgress
from formcheck.analyzers.sets import SetChange, SetDetector
from formcheck.analyzers.signals import Filter, IntervalLog, make_filter
from formcheck.analyzers.tally import RepTally
from formcheck.analyzers.timeline import Timeline
from formcheck.landmarks import PoseFrame


class ExerciseAnalyzer(NeutralScoring, Analyzer):
    """The shared body of every exercise analyzer (see the module docstring).

    Class settings a subclass may change:
    - `neutral_settings`: how its neutral is learned and guarded (None: `measure` scores itself);
    - `smoothing`: extra filtering of the features (`signals.make_filter` kind and parameters);
    - `gap`: seconds without a judgeable frame after which the rep in progress is cut and the
      neutral learned again (a hold never spans a gap);
    - `exclude_margin`: seconds around an excluding fault that also exclude a rep (reps are
      counted that many seconds, plus the `fault_delay` a fault takes to be confirmed, after
      they end, so the live count never goes down);
    - `min_hold`, `cut_rep_min_hold`: the shortest hold that makes a rep, and the shortest for
      a rep cut by the end of a set or of the video (never seen released: counted, its hold
      marked "at least", `Rep.cut`);
    - `cycle_params`: thresholds of the `RepCycle`; `set_params`: of the `SetDetector` (an
      exercise that turns the trunk fast may need a larger turn to mean a camera cut);
      `fault_min_duration`: shorter faults are flicker; `feedback_linger`: seconds a rep's
      verdict stays on screen.
    """

    spec: ClassVar[ExerciseSpec]
    neutral_settings: ClassVar[NeutralSettings | None] = None
    smoothing: ClassVar[tuple[str, dict[str, float]]] = ("none", {})
    gap: ClassVar[float] = 1.0
    exclude_margin: ClassVar[float] = 0.0
    fault_delay: ClassVar[float] = 0.5  # a fault is known this long after it began (its dwell)
    cut_rep_min_hold: ClassVar[float] = 0.3
    min_hold: ClassVar[float] = 0.0
    fault_min_duration: ClassVar[float] = 0.3
    cycle_params: ClassVar[dict[str, float]] = {}
    set_params: ClassVar[dict[str, float]] = {}
    feedback_linger: ClassVar[float] = 2.5

    def __init_subclass__(cls, **kwargs: object) -> None:
        # An exercise analyzer names its registry entry (`name`), or brings its own `spec` (a
        # test's toy exercise); the entry decides the prescription and the faults' effects.
        super().__init_subclass__(**kwargs)
        if "spec" in cls.__dict__:
            cls.name = cls.spec.name
        elif "name" in cls.__dict__:
            cls.spec = spec_of(cls.name)
        else:
            return
        cls.default_prescription = cls.spec.prescription

    def __init__(self, prescription: Prescription | None = None) -> None:
        super().__init__(prescription)
        self.sets = SetDetector(gap=self.gap, **self.set_params)
        self.cycle = RepCycle(**self.cycle_params)
        self.facing = SideVote()
        self.neutral = Neutral(self.neutral_settings) if self.neutral_settings else None
        self._smooth: Filter = make_filter(self.smoothing[0], **self.smoothing[1])
        self._messages = {f.name: f.message for f in self.spec.faults}
        self.cannot = IntervalLog(min_duration=0.0, merge_gap=0.0)
        self.fault_log = IntervalLog(min_duration=self.fault_min_duration, merge_gap=0.3)
        self.tally = RepTally(self.spec, self.exclude_margin, self.fault_delay)
        self.timeline = Timeline()
        self._rep_faults: list[Fault] = []  # faults judged on a whole rep (too fast, ...)
        self._opening: list[tuple[float, np.ndarray, dict[str, float]]] = []  # the set's first frames
        self._replay: list[tuple[float, np.ndarray, dict[str, float]]] = []  # ... to read again
        self._set_spans: list[list[float]] = []
        self._recent_person_t: deque[float] = deque(maxlen=64)  # enough to date a confirmed cut
        self._last_t: float | None = None
        self._last_judged: float | None = None
        self._stale = False  # a long cannot-judge stretch already cut the rep and recalibrated
        self._finished = False
        self._last_rep_note: tuple[float, Rep] | None = None
        self._feedback: Feedback | None = None
        self._restart = False  # restart_set() asked for a new set at the next frame with a person
        self.on_recalibrate()
        self.on_new_set()

    # --- what a subclass provides ------------------------------------------------------------

    def judge(self, pose: PoseFrame) -> str | None:
        """A cannot-judge reason for this frame (person present), or None when it can be judged."""
        return None

    def measure(self, pose: PoseFrame) -> Reading | str:
        """The frame's Reading, or a cannot-judge reason found while measuring."""
        raise NotImplementedError

    def score(self, dev: np.ndarray) -> Scored:
        """The score from each feature's deviation from neutral, in full repetitions (in the
        order of `neutral_settings.units`; NaN for a feature too noisy to judge now, and at
        least one is not). Default: their mean."""
        return Scored(float(np.nanmean(dev)))

    def on_recalibrate(self) -> None:
        """Forget what is learned with the neutral (filters, references): called when a set
        begins and after a stretch too long to judge (the person may have moved)."""

    def on_new_set(self) -> None:
        """Forget what must survive a long cannot-judge stretch but not a new set (a start
        position): called when a set begins (first sight, a cut, a new person)."""

    def rep_side(self, rep: Rep) -> str | None:
        """The side a finished rep was done to, told from the whole rep (default: the side it
        began on). For exercises whose side shows only as the rep goes on; called before
        `rep_faults`."""
        return rep.side

    def rep_faults(self, rep: Rep) -> list[Fault]:
        """Faults judged on a whole rep when it ends (moving too fast, a short range)."""
        return []

    def rep_counted(self, rep: Rep) -> None:
        """Called once per rep when it is counted."""

    def cue(self, t: float, state: str, reading: Reading | None, hold: float | None,
            faults: frozenset[str]) -> str:
        """The one sentence to show now."""
        return ""

    # --- what a subclass may ask -------------------------------------------------------------

    @property
    def set_index(self) -> int:
        return max(len(self._set_spans) - 1, 0)

    @property
    def rep_in_progress(self) -> bool:
        """A repetition has started and not ended."""
        return self.cycle.current is not None

    @property
    def neutral_ready(self) -> bool:
        return self.neutral is not None and self.neutral.ready

    def relearn_neutral(self) -> None:
        """The person moved: learn the neutral again from a still stretch."""
        if self.neutral is not None:
            self.neutral.relearn()

    def abandon_rep(self) -> None:
        """The movement in progress was not a repetition of this exercise: drop it."""
        self.cycle.cut()

    def restart_set(self) -> None:
        """Start a new set on demand (a user restarting it): the rep in progress is dropped, never
        counted; reps waiting out the exclude margin are decided now, so the count is final for
        the old set; the next frame with a person begins the new set, its neutral learned again.
        The old set's reps stay in the report."""
        self.cycle.cut()
        self._confirm_pending(self._last_t or 0.0, final=True)
        self._restart = True

    def neutral_value(self, key: str) -> float:
        """The learned neutral of one feature (scored or still); NaN before it is learned."""
        return self.neutral.value(key) if self.neutral_ready else math.nan  # type: ignore[union-attr]

    def facing_side(self, pose: PoseFrame) -> str:
        """The body side facing the camera, voted until the neutral is taken, then fixed."""
        return self.facing.update(pose, locked=self.neutral_ready)

    def recent_rep(self, t: float) -> Rep | None:
        """The rep that ended within `feedback_linger` seconds, for 'Good hold'-style cues."""
        if self._last_rep_note and t - self._last_rep_note[0] <= self.feedback_linger:
            return self._last_rep_note[1]
        return None

    # --- the framework -----------------------------------------------------------------------

    def _recalibrate(self) -> None:
        if self.neutral is not None:
            self.neutral.new_set()
        self._opening, self._replay = [], []
        self._smooth.reset()
        self.facing.reset()
        self.on_recalibrate()

    def _begin_set(self, start: float) -> None:
        rip = self.cycle.cut()
        if rip is not None:  # the frames from the cut on belong to the new set
            rip.samples = [(ts, s) for ts, s in rip.samples if ts < start]
            if rip.end is not None and rip.end >= start:
                rip.end = None
        self._close_rep(rip, cut=True)
        old_end = start
        if self._set_spans:  # the previous set ends before the cut
            prev = self._set_spans[-1]
            prev[1] = old_end = max(prev[0], min(prev[1], self._last_before(start)))
        # No fault or cannot-judge stretch runs across a set change.
        self.fault_log.split(old_end, start)
        self.cannot.split(old_end, start)
        self._set_spans.append([start, start])
        self._last_judged = None
        self._stale = False
        self._recalibrate()
        self.on_new_set()

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
        if self.tally.waiting:
            self._confirm_pending(t)
        change: SetChange | None = self.sets.update(pose)
        if pose.landmarks is not None:
            self._recent_person_t.append(t)
        reason: str | None
        reading: Reading | None = None
        if pose.landmarks is None:
            reason = NO_PERSON
        else:
            if change is None and self._restart:
                change = SetChange(t, "restarted")
            self._restart = False
            if change is not None:
                self._begin_set(change.start)
            reason = self.judge(pose)
            if reason is None:
                r = self.measure(pose)
                if isinstance(r, str):
                    reason = r
                else:
                    reading = self._with_neutral(t, r) if self.neutral is not None else r
                    reason = reading.cannot_judge
            if self._set_spans:  # (a body too broken to place has not started a set)
                self._set_spans[-1][1] = t
        self.cannot.update(t, reason)

        if reason is not None:
            # Too long without judging: the rep in progress cannot be timed any further, and the
            # person may have moved, so calibrate again (once per stretch).
            # (While the neutral is still being sought there is nothing to forget.)
            if not self._stale and self._last_judged is not None and t - self._last_judged > self.gap:
                self._close_rep(self.cycle.cut(), cut=True)
                if self.neutral is None or self.neutral.ready:
                    self._recalibrate()
                self._stale = True
            faults = reading.faults if reading is not None else frozenset()
            self.fault_log.update(t, set(faults), reading.fault_edges if reading is not None else None)
            fb = self._make_feedback("cannot judge", reading, None, faults, reason)
            self._feedback = fb
            self.timeline.add(t, math.nan, fb.state)
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
        state = "calibrating" if reading.calibrating else self._state(reading)
        hold = None
        cur = self.cycle.current
        if cur is not None and cur.reached is not None:
            hold = t - cur.reached
        fb = self._make_feedback(state, reading, hold, reading.faults, None)
        self._feedback = fb
        self.timeline.add(t, reading.score, state, reading.side)
        return fb

    def _state(self, reading: Reading) -> str:
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
            exercise=self.name, state=state, count=len(self.tally.reps),
            target=self.prescription.reps, good=self.tally.good,
            hold_elapsed=hold, hold_target=self.prescription.hold or None, cue=cue,
            faults=tuple(sorted(faults)), cannot_judge=reason, side=side, by_side=self.tally.by_side(),
        )

    def _close_rep(self, rip: RepInProgress | None, cut: bool, cycle: RepCycle | None = None) -> None:
        """A movement ended: make it a Rep, held back `exclude_margin` s for an excluding fault."""
        if rip is None or not rip.samples:
            return
        hold = (cycle or self.cycle).hold_of(rip)
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
        timed = target > 0 or bool(self.prescription.hold_max)
        # The hold from its rounded edges, so it never exceeds the rounded rep it lies in.
        held = round(measured["hold_end"] - measured["hold_start"], 3)
        hold_met = seconds + 1e-9 >= target
        rep = Rep(
            index=0, start=round(rip.start, 3), end=round(end, 3), set_index=self.set_index,
            side=rip.side, hold=held if timed else None, met=hold_met,
            hold_met=hold_met if timed else None, cut=cut, measured=measured,
        )
        rep.side = self.rep_side(rep)
        self._rep_faults.extend(self.rep_faults(rep))
        self.tally.add(rep)
        self._confirm_pending(self._last_t or end)

    def _fault_spans(self, t: float) -> list[tuple[str, float, float]]:
        spans = self.fault_log.intervals() + [(k, t - d, t) for k, d in self.fault_log.active(t).items()]
        return spans + [(f.kind, f.start, f.end) for f in self._rep_faults]

    def _confirm_pending(self, t: float, final: bool = False) -> None:
        for rep in self.tally.confirm(t, self._fault_spans(t), final):
            self._last_rep_note = (t, rep)
            self.rep_counted(rep)

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
            Fault(kind=k, start=round(s, 3), end=round(e, 3), message=self._messages.get(k, ""))
            for k, s, e in self.fault_log.intervals()
        ] + list(self._rep_faults)
        faults.sort(key=lambda f: (f.start, f.kind))
        self.tally.settle(faults)
        cannot = [Interval(round(s, 3), round(e, 3), k) for k, s, e in self.cannot.intervals() if e > s]
        sets = [Interval(round(span[0], 3), round(span[1], 3), "") for span in self._set_spans]
        extra: dict[str, object] = {}
        if self.tally.excluding:
            extra["not_counted"] = list(self.tally.excluded)
        if self.neutral is not None:  # per set: when its neutral was found (None: never)
            extra["neutral_found_at"] = [round(span[2], 3) if len(span) > 2 else None
                                         for span in self._set_spans]
        return Report(exercise=self.name, prescription=self.prescription, reps=list(self.tally.reps),
                      faults=faults, cannot_judge=cannot, sets=sets, extra=extra,
                      timeline=self.timeline)
