"""The analyzer contract shared by every exercise: what goes in, what comes out.

An analyzer is fed one `PoseFrame` at a time (including "no person") and answers with a
`Feedback` for the screen; at the end it gives a `Report` that a physical therapist can read:
every repetition with its start, end, measured values, whether it met the prescription and the
faults seen with their times. Analyzers never see images, so the same code runs on the model's
output, on recordings and on synthetic landmark streams. An exercise analyzer built on the
framework (`framework.ExerciseAnalyzer`) describes each frame to it as a `Reading`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from formcheck.analyzers.timeline import Timeline
from formcheck.landmarks import PoseFrame


@dataclass(frozen=True)
class Prescription:
    """What the therapist prescribed; defaults come from EXERCISES.md per exercise.

    `hold` is the minimum hold in seconds (0 = no hold, e.g. rocking trunk rotations);
    `hold_max` the upper end of the prescribed range (longer holds are fine, just reported).
    `per_side`: `reps` is counted on each side ("10 a side"), for exercises done to a side.
    `variant`: the version prescribed, for exercises with more than one (registry `variants`,
    e.g. a trunk rotation "feet-up"); None, and left out of reports, for the others.
    """

    reps: int
    hold: float
    hold_max: float | None = None
    per_side: bool = False
    variant: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["variant"] is None:
            del d["variant"]
        return d


@dataclass(frozen=True)
class Fault:
    """A fault seen over an interval, named as the clinic names it (e.g. "hips_off_floor")."""

    kind: str
    start: float
    end: float
    message: str = ""

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "duration": round(self.duration, 3)}


@dataclass
class Rep:
    """One repetition as the analyzer saw it, good or faulty.

    Every detected repetition is a rep (a hold that was too short is still a tilt; a press-up
    with the hips up is still a press-up); whether it met the prescription is `met`: the hold
    long enough (`hold_met`, None when no hold is prescribed) and no fault that voids a rep.
    `hold` is seconds from reaching the position to the start of the release (None when the
    exercise has no hold); `cut`: the set ended (a camera cut, the person left, the video ended)
    while it was still held, so the hold is "at least" that long. `side` is "left"/"right" (the
    person's own) where it applies.
    """

    index: int
    start: float
    end: float
    set_index: int = 0
    side: str | None = None
    hold: float | None = None
    met: bool = True
    hold_met: bool | None = None
    cut: bool = False
    measured: dict[str, float] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["faults"] = [f.as_dict() for f in self.faults]
        return d


@dataclass(frozen=True)
class Interval:
    """A span of the session, e.g. a set or a stretch that could not be judged (with why)."""

    start: float
    end: float
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Feedback:
    """What the screen shows for one frame: state, count, hold timer, one cue, faults now.

    `cannot_judge` holds the reason when the analyzer refuses to guess (body not fully visible,
    wrong view, signal below the noise); nothing is counted while it is set. Exercises done to
    a side also give the count per side (`by_side`, e.g. {"left": 3, "right": 2}), each against
    `target` (then a per-side target).
    """

    exercise: str
    state: str
    count: int
    target: int
    good: int = 0
    hold_elapsed: float | None = None
    hold_target: float | None = None
    cue: str = ""
    faults: tuple[str, ...] = ()
    cannot_judge: str | None = None
    side: str | None = None
    by_side: dict[str, int] | None = None


@dataclass
class Report:
    """The end-of-session account for one exercise.

    `count` is every repetition detected, good or faulty; `good` those that met the
    prescription. `faults` are session-level fault intervals (e.g. each time the hips left the
    floor), also attached to the reps they fall in. `cannot_judge` lists the stretches where the
    analyzer refused to judge and why; `sets` the sets it split the session into; `timeline`
    the analyzer's signal, a few samples a second, for the report's plot (None: not kept).
    """

    section: ClassVar[str] = "exercise"  # where the JSON report writes it

    exercise: str
    prescription: Prescription
    reps: list[Rep] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    cannot_judge: list[Interval] = field(default_factory=list)
    sets: list[Interval] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    timeline: Timeline | None = None

    @property
    def count(self) -> int:
        return len(self.reps)

    @property
    def good(self) -> int:
        return sum(1 for r in self.reps if r.met)

    def count_by_side(self, good_only: bool = False) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.reps:
            if r.side and (r.met or not good_only):
                out[r.side] = out.get(r.side, 0) + 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "prescription": self.prescription.as_dict(),
            "count": self.count,
            "good": self.good,
            "count_by_side": self.count_by_side(),
            "good_by_side": self.count_by_side(good_only=True),
            "reps": [r.as_dict() for r in self.reps],
            "faults": [f.as_dict() for f in self.faults],
            "cannot_judge": [c.as_dict() for c in self.cannot_judge],
            "cannot_judge_seconds": round(sum(c.end - c.start for c in self.cannot_judge), 3),
            "sets": [s.as_dict() for s in self.sets],
            **self.extra,
            **({"timeline": self.timeline.as_dict()} if self.timeline is not None else {}),
        }


@dataclass
class Reading:
    """What an exercise measured in one frame.

    - `features`: raw measurements the neutral is learned on (analyzers with
      `neutral_settings`); the framework then fills `score` and `timing` through `score(dev)`;
    - `score`: 0 at neutral, 1 at a full repetition's position (NaN = no score this frame), for
      analyzers without a neutral; `timing`, when given, is the signal holds are timed on;
    - `side`: the side the score is toward, for exercises done to a side;
    - `faults` present now, `fault_edges` dating a fault that starts or ends on this frame back
      to when its crossing began; `values`: measurements kept per rep (at its peak);
    - `cannot_judge`: faults are still seen, but no rep can be judged;
    - `learn`: this frame may teach the neutral (False, e.g., while the hips are up).
    """

    score: float = math.nan
    side: str | None = None
    faults: frozenset[str] = frozenset()
    fault_edges: dict[str, float] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    calibrating: bool = False
    cannot_judge: str | None = None
    timing: float | None = None
    features: dict[str, float] | None = None
    learn: bool = True


@dataclass(frozen=True)
class Scored:
    """What `ExerciseAnalyzer.score` makes of the deviation from neutral."""

    score: float
    timing: float | None = None
    side: str | None = None
    values: dict[str, float] = field(default_factory=dict)


class Analyzer(ABC):
    """One exercise's judge. Feed it every frame in time order; ask for the report at the end.

    `name` is the label/scorecard name ("pelvic_tilt"); the CLI spells it with a hyphen
    ("pelvic-tilt"), and the exercise registry holds its title, faults and views.
    `finish()` closes anything still open (a hold cut by the end of the video) and is safe to
    call more than once; `report()` calls it.
    """

    name: ClassVar[str]
    default_prescription: ClassVar[Prescription]

    def __init__(self, prescription: Prescription | None = None) -> None:
        self.prescription = prescription or self.default_prescription

    @abstractmethod
    def update(self, pose: PoseFrame) -> Feedback:
        """Consume one frame (t strictly increasing) and say what to show now."""

    @abstractmethod
    def finish(self) -> None:
        """Close whatever is open at the end of the session."""

    @abstractmethod
    def report(self) -> Report:
        """Everything that happened, per rep and in total."""

