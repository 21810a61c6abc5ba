"""Sets: a new one at a camera cut, a new person, or a person back after being lost.

A rep or a hold never spans two sets, and whatever depends on where the person lay (the neutral,
the start position, the floor line) is learned again in each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from formcheck.analyzers.geometry import body_axis, direction_deg, side_view_ratio
from formcheck.landmarks import PoseFrame

# ---------------------------------------------------------------------------------------------
# New-set detection


@dataclass(frozen=True)
class SetChange:
    """A new set began at `start`; `reason` says why ("person lost", "body jumped", "first")."""

    start: float
    reason: str


@dataclass(frozen=True)
class BodyPlacement:
    """Where the body is in the image and how it is seen: what a camera cut changes at once."""

    centre: np.ndarray  # torso centre, pixels
    scale: float  # torso length, pixels
    view: float  # side_view_ratio
    direction: float  # torso direction, degrees

    @staticmethod
    def of(pose: PoseFrame) -> "BodyPlacement | None":
        if pose.landmarks is None:
            return None
        axis = body_axis(pose)
        placement = BodyPlacement(axis.centre, axis.length, side_view_ratio(pose),
                                  direction_deg(axis.shoulder, axis.hip))
        values = [*placement.centre, placement.scale, placement.view, placement.direction]
        if not all(math.isfinite(v) for v in values) or placement.scale <= 0:
            return None
        return placement


class SetDetector:
    """Splits a session into sets, so no rep or hold is carried across a cut or a new person.

    A new set starts when:
    - the person is first seen, or seen again after being lost (or after a gap in the
      timestamps) for longer than `gap` seconds;
    - between two consecutive frames the body's placement jumps: its centre by more than `jump`
      torso lengths, its size by more than a factor `scale_jump`, its side-view ratio by more
      than `view_jump` or its direction by more than `turn_jump` degrees. A person moves far
      less than that in one frame; a camera cut or a new person does it at once. The jump must
      last `confirm` seconds (the body not coming back to where it was): a one-frame glitch of
      the landmarks is not a cut. The set is dated from the frame of the jump.
    """

    def __init__(self, gap: float = 1.0, jump: float = 0.15, scale_jump: float = 1.15,
                 view_jump: float = 0.12, turn_jump: float = 12.0, confirm: float = 0.25) -> None:
        self.gap, self.jump, self.scale_jump = gap, jump, scale_jump
        self.view_jump, self.turn_jump, self.confirm = view_jump, turn_jump, confirm
        self.reset()

    def reset(self) -> None:
        self._last: tuple[float, BodyPlacement] | None = None
        self._candidate: tuple[float, BodyPlacement] | None = None  # (jump time, placement before)
        self.index = -1
        self.start: float | None = None

    def distance(self, a: BodyPlacement, b: BodyPlacement) -> float:
        """How different two placements are, in units of the jump thresholds (> 1 = a jump)."""
        scale = max(a.scale, b.scale)
        turn = abs((a.direction - b.direction + 180.0) % 360.0 - 180.0)
        return max(
            float(np.linalg.norm(a.centre - b.centre)) / scale / self.jump,
            abs(math.log(a.scale / b.scale)) / math.log(self.scale_jump),
            abs(a.view - b.view) / self.view_jump,
            turn / self.turn_jump,
        )

    def update(self, pose: PoseFrame) -> SetChange | None:
        """Feed every frame; returns a SetChange on the frame that confirms a new set."""
        now = BodyPlacement.of(pose)
        if now is None:
            return None
        t = pose.t
        last, self._last = self._last, (t, now)
        if last is None:
            return self._begin(SetChange(t, "first"))
        if t - last[0] > self.gap:
            return self._begin(SetChange(t, "person lost"))
        if self._candidate is None:
            if self.distance(now, last[1]) > 1.0:
                self._candidate = (t, last[1])
            return None
        cand_t, before = self._candidate
        if self.distance(now, before) <= 1.0:
            self._candidate = None  # back where it was: a glitch, not a cut
        elif t - cand_t >= self.confirm:
            return self._begin(SetChange(cand_t, "body jumped"))
        return None

    @property
    def pending(self) -> bool:
        """True while a jump is waiting for confirmation (the frames may belong to a new set)."""
        return self._candidate is not None

    def _begin(self, change: SetChange) -> SetChange:
        self._candidate = None
        self.index += 1
        self.start = change.start
        return change
