"""The account of repetitions: which count, which met the prescription, and per side.

A rep that has ended waits `exclude_margin` seconds (and the `delay` a fault takes to be known,
its dwell) before it is counted, in case a fault that excludes it (a bridge is not a pelvic
tilt) shows up just after; then it is counted for good,
so the live count never goes down. A fault that voids a rep (hips off the floor in a press-up)
leaves it counted but not met. The faults each rep carries are settled at the end, from the
final fault intervals.
"""

from __future__ import annotations

from formcheck.analyzers.base import Fault, Rep
from formcheck.analyzers.registry import EXCLUDES, VOIDS, ExerciseSpec

FaultSpan = tuple[str, float, float]  # (fault name, start, end)


class RepTally:
    """Reps waiting, counted and excluded, for one exercise (`spec`)."""

    def __init__(self, spec: ExerciseSpec, exclude_margin: float = 0.0, delay: float = 0.0) -> None:
        self.spec = spec
        self.margin = exclude_margin
        self.delay = delay if exclude_margin else 0.0
        self.excluding = spec.faults_with(EXCLUDES)
        self._settle_after = {f.name: f.settle for f in spec.faults}
        self.voiding = spec.faults_with(VOIDS)
        self.reps: list[Rep] = []  # counted, in order
        self.excluded: list[dict[str, float]] = []  # movements that were another exercise
        self._pending: list[Rep] = []

    @property
    def waiting(self) -> bool:
        return bool(self._pending)

    def add(self, rep: Rep) -> None:
        """A rep ended; it is counted by `confirm` once its margin has passed."""
        self._pending.append(rep)

    def confirm(self, t: float, spans: list[FaultSpan], final: bool = False) -> list[Rep]:
        """Count the reps whose margin has passed at `t` (all of them when `final`): not those an
        excluding fault touched, and not as met those a voiding fault overlaps. Returns the
        newly counted ones."""
        m = self.margin
        keep: list[Rep] = []
        counted: list[Rep] = []
        for rep in self._pending:
            if not final and t < rep.end + m + self.delay:
                keep.append(rep)
                continue
            if any(k in self.excluding and s - m < rep.end and e + max(m, self._settle_after[k]) > rep.start
                   for k, s, e in spans):
                self.excluded.append({"start": rep.start, "end": rep.end})
                continue
            if any(k in self.voiding and s < rep.end and e > rep.start for k, s, e in spans):
                rep.met = False
            rep.index = len(self.reps) + 1
            self.reps.append(rep)
            counted.append(rep)
        self._pending = keep
        return counted

    def by_side(self) -> dict[str, int] | None:
        """The count per side, for exercises with sides (None otherwise)."""
        if not self.spec.sides:
            return None
        out = {s: 0 for s in self.spec.sides}
        for rep in self.reps:
            if rep.side in out:
                out[rep.side] += 1
        return out

    @property
    def good(self) -> int:
        return sum(r.met for r in self.reps)

    def settle(self, faults: list[Fault]) -> None:
        """Attach to each rep the faults overlapping it, and judge it met or not with them."""
        for rep in self.reps:
            rep.faults = [f for f in faults if f.start < rep.end and f.end > rep.start]
            voided = any(f.kind in self.voiding for f in rep.faults)
            rep.met = rep.hold_met is not False and not voided
