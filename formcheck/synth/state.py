"""The two small value types the posing layer speaks: a frame's clinical state and a pose.

Kept apart from `body` (torch, anny) so that scripts, poses and the two-joint solver can be
built and tested with numpy alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class LyingState:
    """The clinical quantities that define one frame (degrees, metres)."""

    pelvic_tilt: float = 0.0      # supine: posterior pelvic tilt (+), relative to neutral
    hip_lift: float = 0.0         # metres the pelvis rises off the mat (bridge; prone hips up)
    knee_drop: float = 0.0        # supine: knees lowered to the person's left (+) or right (-)
    shoulder_lift: float = 0.0    # supine: thorax roll following the knees (fault), degrees
    feet_lift: float = 0.0        # supine: metres the feet rise off the mat (fault)
    knee_spread: float = 0.0      # supine: degrees the knees fall apart, each half outward (fault)
    tabletop: float = 0.0         # supine: 0 feet on the floor (hook-lying) .. 1 hips and knees
    #                               at 90 degrees, feet off the floor (the feet-up variant)
    press: float = 0.0            # prone: 0 chest on the mat .. 1 at the top of the press-up
    top_elbow: float = 175.0      # prone: elbow angle (degrees) at the top (range of motion)
    sway: float = 0.0             # small natural variation: head turn, degrees


@dataclass
class Pose:
    """World rotations (relative to rest) for the named bones, and where the root's head goes.
    Bones not named inherit their parent's rotation (they move rigidly with it)."""

    rotations: dict[str, np.ndarray] = field(default_factory=dict)
    root_position: np.ndarray = field(default_factory=lambda: np.zeros(3))


# Body shapes offered by name (anny phenotype values, 0..1; unnamed labels stay at 0.5).
BODY_SHAPES: dict[str, dict[str, float]] = {
    "average": {},
    "woman": {"gender": 0.0, "height": 0.45, "weight": 0.45},
    "man": {"gender": 1.0, "height": 0.6, "muscle": 0.6},
    "heavy": {"gender": 0.7, "weight": 0.9, "muscle": 0.4},
    "slim-tall": {"gender": 0.3, "weight": 0.2, "height": 0.85},
    "older": {"gender": 0.2, "age": 0.9, "weight": 0.6},
}


def parse_body(spec: str) -> dict[str, float]:
    """'woman' or 'gender=0.2,weight=0.7' -> anny phenotype values (validated, 0..1)."""
    if spec in BODY_SHAPES:
        return dict(BODY_SHAPES[spec])
    values: dict[str, float] = {}
    for part in spec.split(","):
        key, sep, raw = part.partition("=")
        key = key.strip()
        if not sep or key not in ("gender", "age", "muscle", "weight", "height", "proportions"):
            raise ValueError(
                f"unknown body {spec!r}: use one of {', '.join(BODY_SHAPES)} or "
                "label=value pairs (gender, age, muscle, weight, height, proportions)"
            )
        value = float(raw)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"body value {key}={value} is outside 0..1")
        values[key] = value
    return values
