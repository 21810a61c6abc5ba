"""The live coach: one exercise, or a routine of several, as a person on the mat needs it.

`LiveCoach` is what the live session feeds each pose to. It drives the current exercise's
analyzer and turns its `Feedback` into a `LiveFeedback`: set-up guidance until the analyzer has
taken its neutral (counting starts by itself then; nothing is counted before), a pause with the
instruction when the person leaves or the view turns wrong (resumed by itself), one cue, the
count of the current set, and the lines for the voice (counts, announcements, cues). The keys
reach it as commands: pause/resume, restart the set, next exercise. In a routine it moves to the
next exercise when the prescription is done (or on "next"), announces the change of position,
and runs the rest timer in between. Times are the stream's own, so a replayed stream gives the
same session.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from formcheck.analyzers.base import Analyzer, Feedback, Prescription, Report
from formcheck.analyzers.framework import ExerciseAnalyzer
from formcheck.analyzers.registry import spec_of
from formcheck.landmarks import PoseFrame
from formcheck.live.guidance import Guide, instruction, position_words
from formcheck.live.state import (
    ANNOUNCE, COUNT, CUE, DONE, FAULT, GETTING_READY, HOLDING, IN_POSITION, PAUSED, REST,
    LiveFeedback, Say,
)
from formcheck.live.voice import number_word

if TYPE_CHECKING:
    from formcheck.session import Account

PAUSE, RESTART, NEXT = "pause", "restart", "next"
COMMANDS = (PAUSE, RESTART, NEXT)
# What became of an exercise of the session (the report's `status`).
WAITING, ACTIVE, COMPLETE, MOVED_ON, ENDED_EARLY, NOT_REACHED, NO_ANALYZER = (
    "waiting", "active", "done", "moved on by the user", "ended early", "not reached", "no analyzer")


def prescription_words(title: str, p: Prescription) -> str:
    """"Pelvic tilt: 10 reps, hold 3 seconds." as the voice announces an exercise."""
    reps = f"{p.reps} reps" + (" each side" if p.per_side else "")
    hold = f", hold {p.hold:g} second{'' if p.hold == 1 else 's'}" if p.hold else ""
    return f"{title}: {reps}{hold}."


class Step:
    """One exercise of the session: its analyzer (None when not available) and what happened."""

    def __init__(self, exercise: str, analyzer: Analyzer | None) -> None:
        self.spec = getattr(analyzer, "spec", None) or spec_of(exercise)
        self.analyzer = analyzer
        self.status = WAITING if analyzer is not None else NO_ANALYZER
        self.started: float | None = None
        self.ended: float | None = None
        self.counting_from: float | None = None  # the first frame in position
        self.guidance: list[dict[str, Any]] = []  # each instruction shown while getting ready
        self.paused: list[list[float | None]] = []  # [start, end] of each pause by the user
        self.restarts: list[float] = []
        self.base: tuple[int, int, dict[str, int] | None] | None = (0, 0, None)  # restart offset
        self.guide = Guide()
        self.last: Feedback | None = None  # the last feedback of the current set
        self.last_cue = ""
        self.announced_complete = False

    @property
    def prescription(self) -> Prescription:
        return self.analyzer.prescription if self.analyzer is not None else self.spec.prescription

    def coaching(self) -> dict[str, Any]:
        """What the report records of the live coaching of this exercise."""
        return {
            "counting_from": self.counting_from,
            "guidance": self.guidance,
            "paused": [{"start": s, "end": e} for s, e in self.paused],
            "set_restarts": self.restarts,
        }

    def report(self) -> Report | None:
        if self.analyzer is None:
            return None
        report = self.analyzer.report()
        report.extra["coaching"] = self.coaching()
        return report


class LiveCoach(Analyzer):
    """Coaches the `steps` in order (see the module docstring).

    `routine` names the routine (None: one exercise, which never ends by itself and whose
    report is the exercise's own); `rest` is the rest between exercises in seconds; the session
    should end once `finished` (`linger` seconds after a routine's last exercise, so the last
    screen and words are seen and heard). `account(steps)` makes a routine's report.
    """

    name = "live"

    def __init__(self, steps: list[Step], *, routine: str | None = None, rest: float = 30.0,
                 linger: float = 4.0, account: Callable[[LiveCoach], Account] | None = None) -> None:
        active = [s for s in steps if s.analyzer is not None]
        if not active:
            raise ValueError("no exercise of the session has an analyzer")
        super().__init__(active[0].prescription)
        self.steps = steps
        self.routine = routine
        self.rest, self.linger = rest, linger
        self._account = account
        self._queue = active
        self._index = 0
        self._t: float | None = None
        self._rest_until: float | None = None
        self._done_at: float | None = None
        self._paused_at: float | None = None
        self._pending: list[str] = []
        self._speech: list[Say] = []
        self._first_screen = True
        self._last: LiveFeedback | None = None

    # --- what the session asks ---------------------------------------------------------------

    @property
    def current(self) -> Step:
        return self._queue[min(self._index, len(self._queue) - 1)]

    @property
    def finished(self) -> bool:
        """A routine is over and its last screen has been shown long enough."""
        return self._done_at is not None and self._t is not None and self._t - self._done_at >= self.linger

    def command(self, name: str) -> None:
        """A key: "pause" (toggle), "restart" (the set), "next" (exercise); applied at the next frame."""
        if name not in COMMANDS:
            raise ValueError(f"unknown command {name!r}; known: {', '.join(COMMANDS)}")
        self._pending.append(name)

    def update(self, pose: PoseFrame) -> Feedback:
        t = float(pose.t)
        if self._t is not None and t <= self._t:
            return self._last or self._feedback(GETTING_READY, "", None)
        self._t = t
        for name in self._pending:
            self._apply(name, t)
        self._pending.clear()
        if self._done_at is not None:
            fb = self._feedback(DONE, "Routine complete - well done", None)
        elif self._paused_at is not None:
            fb = self._feedback(PAUSED, "Paused - press space to resume", None)
        elif self._rest_until is not None and t < self._rest_until:
            fb = self._feedback(REST, self._rest_words(), None, rest_left=self._rest_until - t)
        else:
            if self._rest_until is not None:
                self._rest_until = None
                self._begin(self.current, t)
            elif self.current.status == WAITING:
                self._begin(self.current, t)
            fb = self._coach(pose)
        self._last = fb
        return fb

    def finish(self) -> None:
        for step in self.steps:
            if step.status == ACTIVE:
                self._end(step, ENDED_EARLY, self._t or 0.0)
            elif step.status == WAITING:
                step.status = NOT_REACHED

    def report(self) -> Report | Account:
        """The exercise's report (one exercise), or the routine's account of every step."""
        self.finish()
        if self.routine is None or self._account is None:
            report = self.current.report()
            assert report is not None
            return report
        return self._account(self)

    # --- the exercise in progress ------------------------------------------------------------

    def _coach(self, pose: PoseFrame) -> LiveFeedback:
        step = self.current
        assert step.analyzer is not None
        t = float(pose.t)
        fb = step.analyzer.update(pose)
        if step.base is None:  # the first frame after a restart: the old sets' reps
            step.base = (fb.count, fb.good, dict(fb.by_side) if fb.by_side else None)
        fb = self._of_set(step, fb)
        reason = fb.cannot_judge
        judged = reason is None and fb.state != "calibrating"
        if not judged:
            words = step.guide.update(t, instruction(reason, step.spec.posture, fb.state)) or ""
            if step.counting_from is None and (not step.guidance or step.guidance[-1]["instruction"] != words):
                step.guidance.append({"t": round(t, 3), "instruction": words})
            if fb.faults:  # a fault seen even where the exercise cannot be judged (a bridge)
                phase, text = (FAULT if step.counting_from is not None else GETTING_READY), fb.cue
            elif step.counting_from is None:
                phase, text = GETTING_READY, words
            else:
                phase, text = PAUSED, f"Paused: {words}"
            self._say_cue(step, fb.cue if fb.faults else words)
        else:
            step.guide.reset()
            if step.counting_from is None:
                step.counting_from = round(t, 3)
                self._first_screen = False
                self._speech.append(Say("Good. Begin when you are ready.", ANNOUNCE))
            phase = FAULT if fb.faults else HOLDING if fb.state == "holding" else IN_POSITION
            text = fb.cue
            if fb.faults or not any(ch.isdigit() for ch in text):  # the hold count is not read out
                self._say_cue(step, text)
        self._count_words(step, fb)
        return self._feedback(phase, text, fb)

    def _of_set(self, step: Step, fb: Feedback) -> Feedback:
        """The feedback with the counts of the current set (after the last restart)."""
        count0, good0, sides0 = step.base or (0, 0, None)
        by_side = fb.by_side
        if by_side is not None and sides0:
            by_side = {k: n - sides0.get(k, 0) for k, n in by_side.items()}
        return dataclasses.replace(fb, count=fb.count - count0, good=fb.good - good0, by_side=by_side)

    def _count_words(self, step: Step, fb: Feedback) -> None:
        """Speak each new count (the side's, where there are sides); at the target, end the
        exercise (in a routine) or say the set is done (one exercise)."""
        before = step.last
        if before is not None and fb.count > before.count:
            n = fb.count
            if fb.by_side:
                grew = [k for k, v in fb.by_side.items() if v > (before.by_side or {}).get(k, 0)]
                n = fb.by_side[grew[0]] if grew else n
            self._speech.append(Say(number_word(n), COUNT))
        step.last = fb
        target = fb.target
        done = fb.count >= target if not fb.by_side else all(n >= target for n in fb.by_side.values())
        if not done or step.announced_complete:
            return
        step.announced_complete = True
        if self.routine is None:
            self._speech.append(Say("That's the set. Well done.", ANNOUNCE))
        else:
            self._next(COMPLETE)

    def _say_cue(self, step: Step, text: str) -> None:
        """Speak a new cue, unless an announcement of this frame already says it."""
        if text and text != step.last_cue and not any(text in say.text for say in self._speech):
            self._speech.append(Say(text, CUE))
        step.last_cue = text

    # --- moving through the session ----------------------------------------------------------

    def _begin(self, step: Step, t: float) -> None:
        step.status = ACTIVE
        step.started = round(t, 3)
        self.prescription = step.prescription
        position = position_words(step.spec.posture)
        self._speech.append(Say(f"{prescription_words(step.spec.title, step.prescription)} {position}.", ANNOUNCE))

    def _end(self, step: Step, status: str, t: float) -> None:
        step.status = status
        step.ended = round(t, 3)
        if step.analyzer is not None:
            step.analyzer.finish()

    def _next(self, status: str) -> None:
        """End the current exercise; rest before the next, or end the routine."""
        assert self._t is not None
        step = self.current
        if step.status == ACTIVE:
            self._end(step, status, self._t)
        if self._index + 1 >= len(self._queue):
            self._done_at = self._t
            self._speech.append(Say(f"{step.spec.title} done. That is the end of the routine. Well done.", ANNOUNCE))
            return
        self._index += 1
        self._rest_until = self._t + self.rest
        nxt = self.current
        turn = ("Stay as you are" if nxt.spec.posture == step.spec.posture
                else f"Then turn over: {position_words(nxt.spec.posture).lower()}")
        self._speech.append(Say(f"{step.spec.title} done. Rest {self.rest:g} seconds. "
                                f"Next: {nxt.spec.title.lower()}. {turn}.", ANNOUNCE))

    def _rest_words(self) -> str:
        nxt = self.current
        return f"Rest. Next: {nxt.spec.title.lower()} - {position_words(nxt.spec.posture).lower()}"

    def _apply(self, name: str, t: float) -> None:
        if name == PAUSE:
            if self._paused_at is None:
                self._paused_at = t
                if self.current.status == ACTIVE:
                    self.current.paused.append([round(t, 3), None])
                self._speech.append(Say("Paused.", ANNOUNCE))
            else:
                if self._rest_until is not None:
                    self._rest_until += t - self._paused_at  # the rest does not run out meanwhile
                if self.current.paused and self.current.paused[-1][1] is None:
                    self.current.paused[-1][1] = round(t, 3)
                self._paused_at = None
                self._speech.append(Say("Carry on.", ANNOUNCE))
        elif name == RESTART:
            step = self.current
            if step.status == ACTIVE and isinstance(step.analyzer, ExerciseAnalyzer):
                step.analyzer.restart_set()
                step.base = None
                step.last = None
                step.announced_complete = False
                step.restarts.append(round(t, 3))
                self._speech.append(Say("Set restarted.", ANNOUNCE))
        elif name == NEXT and self.routine is not None and self._done_at is None:
            if self._rest_until is not None:
                self._rest_until = t  # skip the rest
            else:
                self._next(MOVED_ON)

    def _feedback(self, phase: str, text: str, fb: Feedback | None, *,
                  rest_left: float | None = None) -> LiveFeedback:
        step = self.current
        if fb is None and step.last is not None and phase in (PAUSED, DONE):
            fb = dataclasses.replace(step.last, hold_elapsed=None, faults=(), cue="", cannot_judge=None)
        base = fb or Feedback(exercise=step.spec.name, state=phase, count=0, target=step.prescription.reps,
                              by_side={s: 0 for s in step.spec.sides} or None)
        speech, self._speech = tuple(self._speech), []
        return LiveFeedback(
            **{f.name: getattr(base, f.name) for f in dataclasses.fields(Feedback)},
            phase=phase, instruction=text, title=step.spec.title,
            step=self._index + 1, steps=len(self._queue),
            rest_left=rest_left, first_screen=self._first_screen, speech=speech,
        )
