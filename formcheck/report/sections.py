"""One exercise's account read for a therapist: the JSON's fields and the registry's words.

`ExerciseSection` wraps the `exercise` object of a report (docs/report-format.md) and answers
what the pages show: the title and fault messages (from the report, else the registry, else the
name tidied), the prescription in words, reps done against the target per side, each rep's
verdict (met; hold too short; a fault that voids it), its range of motion, and the seconds not
judged by reason. It reads only the report's fields and the registry, so an exercise, a side or
a fault this code has never seen still reads sensibly, and so does a report of an older schema.
"""

from __future__ import annotations

import statistics
from typing import Any

from formcheck.analyzers.registry import EXERCISES, SIDES, VOIDS, ExerciseSpec, Measure, canonical_name, title_of

GOOD, SHORT, FAULT = "good", "short", "fault"  # a rep's verdict
VERDICT_WORDS = {GOOD: "met the prescription", SHORT: "hold too short", FAULT: "fault"}
PEAK = Measure("peak_score", "range reached, in full reps", "full reps")


def tidy(name: str) -> str:
    """'hips_off_floor' -> 'Hips off floor' (a name nobody wrote words for)."""
    return title_of(name)


def seconds(value: Any) -> float | None:
    """A JSON number as float, None for null or anything else."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class ExerciseSection:
    """What the report says about one exercise, in the words the page uses."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.name: str = data["exercise"]
        self.spec: ExerciseSpec | None = EXERCISES.get(canonical_name(self.name))
        self.title = title_of(self.name)
        self.prescription: dict[str, Any] = data.get("prescription") or {}
        self.reps: list[dict[str, Any]] = [r for r in data.get("reps") or [] if isinstance(r, dict)]
        self.faults: list[dict[str, Any]] = [f for f in data.get("faults") or [] if isinstance(f, dict)]
        self.cannot_judge: list[dict[str, Any]] = [c for c in data.get("cannot_judge") or [] if isinstance(c, dict)]
        self.sets: list[dict[str, Any]] = [s for s in data.get("sets") or [] if isinstance(s, dict)]
        timeline = data.get("timeline")
        self.timeline: dict[str, Any] | None = timeline if isinstance(timeline, dict) and timeline.get("t") else None

    # --- the prescription and the count ------------------------------------------------------

    @property
    def target(self) -> int:
        return int(self.prescription.get("reps") or 0)

    @property
    def per_side(self) -> bool:
        return bool(self.prescription.get("per_side"))

    @property
    def total_target(self) -> int:
        """Reps prescribed in all: per side times the sides, for a per-side prescription."""
        return self.target * len(self.sides) if self.per_side and self.sides else self.target

    @property
    def hold_band(self) -> tuple[float, float | None]:
        """(minimum hold, upper end of the prescribed range or None), seconds."""
        return float(self.prescription.get("hold") or 0.0), seconds(self.prescription.get("hold_max"))

    @property
    def timed(self) -> bool:
        """A hold is prescribed (a rocking trunk rotation has none) and reps report one."""
        return any(seconds(r.get("hold")) is not None for r in self.reps)

    def prescription_text(self) -> str:
        reps = f"{self.target} reps" + (" a side" if self.per_side else "")
        low, high = self.hold_band
        if not low and not high:
            return f"{reps}, no hold"
        if high and high > low:
            return f"{reps}, hold {low:g}-{high:g} s"
        return f"{reps}, hold at least {low:g} s"

    @property
    def sides(self) -> tuple[str, ...]:
        """The sides counted separately: the registry's, else whatever the reps name."""
        seen = {r.get("side") for r in self.reps if isinstance(r.get("side"), str)}
        seen |= set(self.data.get("count_by_side") or {})
        known = tuple(self.spec.sides) if self.spec and self.spec.sides else ()
        if not known and not self.per_side and not seen:
            return ()
        order = list(known or SIDES)
        return tuple(order) + tuple(sorted(seen - set(order)))

    def done(self, side: str | None = None, verdict: str | None = None) -> int:
        """Reps counted (on `side`; with `verdict`)."""
        return sum(1 for r in self.reps if (side is None or r.get("side") == side)
                   and (verdict is None or self.verdict(r) == verdict))

    # --- each rep ----------------------------------------------------------------------------

    def fault_words(self, kind: str, message: str | None = None) -> str:
        """A fault in the clinic's words: the report's message, else the registry's."""
        if message:
            return message
        if self.spec is not None and kind in self.spec.fault_names:
            return self.spec.fault(kind).message
        return tidy(kind).lower()

    def voids(self, kind: str) -> bool:
        return self.spec is not None and kind in self.spec.faults_with(VOIDS)

    def verdict(self, rep: dict[str, Any]) -> str:
        """GOOD (met), FAULT (a fault voided it, or it failed for a reason other than its hold)
        or SHORT (the hold was too short)."""
        if rep.get("met"):
            return GOOD
        if any(self.voids(str(f.get("kind"))) for f in rep.get("faults") or []):
            return FAULT
        return SHORT if rep.get("hold_met") is False else FAULT

    def verdict_text(self, rep: dict[str, Any]) -> str:
        v = self.verdict(rep)
        if v == GOOD:
            return "yes"
        if v == SHORT:
            return "no: hold too short"
        faults = rep.get("faults") or []
        named = [f for f in faults if self.voids(str(f.get("kind")))] or faults
        words = sorted({self.fault_words(str(f.get("kind")), f.get("message")) for f in named})
        return "no: " + ("; ".join(words) if words else "did not meet the prescription")

    def rep_label(self, rep: dict[str, Any]) -> str:
        side = rep.get("side")
        return f"{rep.get('index', '?')}" + (f" {side[0].upper()}" if isinstance(side, str) and side else "")

    def hold_middle(self, rep: dict[str, Any]) -> float | None:
        """The middle of the rep's hold (of the rep, when no hold was timed): where its still is."""
        m = rep.get("measured") or {}
        a, b = seconds(m.get("hold_start")), seconds(m.get("hold_end"))
        if a is None or b is None:
            a, b = seconds(rep.get("start")), seconds(rep.get("end"))
        return None if a is None or b is None else (a + b) / 2

    # --- range of motion ---------------------------------------------------------------------

    @property
    def range_measure(self) -> Measure | None:
        """The registry's range-of-motion value when the reps carry it, else the peak score."""
        declared = self.spec.range_of_motion if self.spec is not None else None
        for measure in (declared, PEAK):
            if measure is not None and any(seconds((r.get("measured") or {}).get(measure.key)) is not None
                                           for r in self.reps):
                return measure
        return None

    def range_of(self, rep: dict[str, Any]) -> float | None:
        measure = self.range_measure
        return None if measure is None else seconds((rep.get("measured") or {}).get(measure.key))

    # --- the session's summary figures -------------------------------------------------------

    def holds(self) -> list[float]:
        return [h for h in (seconds(r.get("hold")) for r in self.reps) if h is not None]

    def holds_long_enough(self) -> tuple[int, int]:
        """(holds that reached the prescribed minimum, holds timed)."""
        judged = [r for r in self.reps if r.get("hold_met") is not None]
        return sum(1 for r in judged if r.get("hold_met")), len(judged)

    def median_hold(self) -> float | None:
        holds = self.holds()
        return statistics.median(holds) if holds else None

    def median_range(self) -> float | None:
        values = [v for v in (self.range_of(r) for r in self.reps) if v is not None]
        return statistics.median(values) if values else None

    def fault_counts(self) -> dict[str, int]:
        """Times each fault was seen in the session (its intervals), by its words."""
        out: dict[str, int] = {}
        for f in self.faults:
            words = self.fault_words(str(f.get("kind")), f.get("message"))
            out[words] = out.get(words, 0) + 1
        return out

    def not_judged(self) -> list[tuple[str, float]]:
        """Seconds that could not be judged, per reason, longest first."""
        out: dict[str, float] = {}
        for c in self.cannot_judge:
            a, b = seconds(c.get("start")), seconds(c.get("end"))
            if a is not None and b is not None:
                reason = str(c.get("reason") or "not said")
                out[reason] = out.get(reason, 0.0) + max(0.0, b - a)
        return sorted(out.items(), key=lambda kv: -kv[1])

    @property
    def not_judged_seconds(self) -> float:
        total = seconds(self.data.get("cannot_judge_seconds"))
        return total if total is not None else sum(s for _, s in self.not_judged())

    @property
    def not_counted(self) -> int:
        """Movements seen but not counted as reps (another exercise, e.g. a bridge)."""
        return len(self.data.get("not_counted") or [])
