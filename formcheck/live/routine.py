"""Routines: exercises done one after the other in one live session, and their one report.

A routine is a list of exercise names from the registry; each gets its registered analyzer with
its prescription (the registry's, or one given per exercise). An exercise whose analyzer has not
landed is listed with the status "no analyzer" and skipped, so a routine runs with whatever is
registered and with all of its exercises once they are. `RoutineReport` is the session report's
`routine` section: one entry per exercise, each holding what a one-exercise report's `exercise`
section holds, plus what became of it in the routine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from formcheck.analyzers.base import Prescription
from formcheck.analyzers.registry import ANALYZERS, canonical_name
from formcheck.live.coach import COMPLETE, NO_ANALYZER, LiveCoach, Step


@dataclass(frozen=True)
class Routine:
    """A named sequence of exercises (registry names), in the order they are done."""

    name: str
    title: str
    exercises: tuple[str, ...]


ROUTINES: dict[str, Routine] = {
    r.name: r
    for r in (
        # The three exercises of ../shared/docs/EXERCISES.md, on the back first, then face down.
        Routine("low-back", "Low-back routine", ("pelvic_tilt", "trunk_rotation", "press_up")),
    )
}
DEFAULT_REST = 30.0  # seconds between two exercises


def routine_of(name: str) -> Routine:
    """The routine `name`, or ValueError naming the known ones."""
    key = name.strip().lower().replace("_", "-")
    if key not in ROUTINES:
        raise ValueError(f"unknown routine {name!r}; known: {', '.join(sorted(ROUTINES))}")
    return ROUTINES[key]


def missing_analyzers(routine: Routine) -> list[str]:
    """The routine's exercises that have no registered analyzer (skipped when it runs)."""
    return [e for e in routine.exercises if canonical_name(e) not in ANALYZERS]


def routine_steps(routine: Routine, prescriptions: dict[str, Prescription] | None = None) -> list[Step]:
    """One step per exercise, each with its registered analyzer (None when there is none)."""
    steps = []
    for exercise in routine.exercises:
        key = canonical_name(exercise)
        cls = ANALYZERS.get(key)
        analyzer = cls((prescriptions or {}).get(key)) if cls is not None else None
        steps.append(Step(key, analyzer))
    return steps


def routine_coach(routine: Routine, *, rest: float = DEFAULT_REST,
                  prescriptions: dict[str, Prescription] | None = None) -> LiveCoach:
    """The coach of a routine; ValueError when none of its exercises has an analyzer."""
    missing = missing_analyzers(routine)
    if len(missing) == len(routine.exercises):
        raise ValueError(f"none of the {routine.name} routine's exercises has an analyzer yet")
    return LiveCoach(routine_steps(routine, prescriptions), routine=routine.name, rest=rest,
                     account=lambda coach: RoutineReport.of(routine, coach))


def exercise_coach(analyzer: Any) -> LiveCoach:
    """The coach of one exercise (its report stays the exercise's own)."""
    return LiveCoach([Step(analyzer.name, analyzer)])


@dataclass
class RoutineReport:
    """The `routine` section of the session report (see the module docstring)."""

    section: ClassVar[str] = "routine"

    name: str
    title: str
    rest: float
    exercises: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def of(routine: Routine, coach: LiveCoach) -> "RoutineReport":
        entries = []
        for step in coach.steps:
            entry: dict[str, Any] = {
                "exercise": step.spec.name, "title": step.spec.title, "posture": step.spec.posture,
                "status": step.status, "started": step.started, "ended": step.ended,
            }
            report = step.report() if step.started is not None else None
            if report is not None:
                entry.update(report.as_dict())
            elif step.analyzer is None:
                entry["reason"] = f"no analyzer for {step.spec.name} in this version of formcheck"
            else:
                entry["prescription"] = step.prescription.as_dict()
            entries.append(entry)
        return RoutineReport(routine.name, routine.title, coach.rest, entries)

    def as_dict(self) -> dict[str, Any]:
        done = [e for e in self.exercises if "count" in e]
        available = [e for e in self.exercises if e["status"] != NO_ANALYZER]
        return {
            "name": self.name,
            "title": self.title,
            # every exercise that could be coached met its prescription
            "complete": bool(available) and all(e["status"] == COMPLETE for e in available),
            "no_analyzer": [e["exercise"] for e in self.exercises if e["status"] == NO_ANALYZER],
            "rest_seconds": self.rest,
            "count": sum(e["count"] for e in done),
            "good": sum(e["good"] for e in done),
            "exercises": self.exercises,
        }


__all__ = ["Routine", "ROUTINES", "DEFAULT_REST", "routine_of", "missing_analyzers", "routine_steps",
           "routine_coach", "exercise_coach", "RoutineReport"]
