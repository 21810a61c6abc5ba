"""Pose landmarks as the rest of formcheck sees them: `PoseFrame` and the `Landmark` names.

Kept free of MediaPipe and OpenCV so that analyzers, recordings, replay and tests work on plain
arrays: an analyzer is fed `PoseFrame`s whether they come from the model, a recording or a
synthetic stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

NUM_LANDMARKS = 33

# Columns of PoseFrame.landmarks / PoseFrame.world.
X, Y, Z, VISIBILITY, PRESENCE = range(5)


class Landmark(IntEnum):
    """BlazePose's 33 landmarks; `.L`/LEFT is the person's own left."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


# Bones drawn by the overlay: (from, to) pairs, the torso and limbs (face points omitted
# except nose-ears, which is enough to show where the head is).
SKELETON: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_EAR, Landmark.NOSE),
    (Landmark.RIGHT_EAR, Landmark.NOSE),
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW),
    (Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW),
    (Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL),
    (Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_FOOT_INDEX),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL),
    (Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_FOOT_INDEX),
)


@dataclass(frozen=True, slots=True)
class PoseFrame:
    """The pose seen in one frame, or "no person".

    - `t`: seconds, from the source's own clock (carried through unchanged).
    - `image_size`: (width, height) of the upright image the landmarks were measured on;
      normalized coordinates times this give pixels.
    - `landmarks`: float32 (33, 5) = x, y (0..1 of width/height), z (relative depth, same scale
      as x), visibility, presence; None when no person was found.
    - `world`: float32 (33, 5) = x, y, z in metres about the hip centre (y down), visibility,
      presence; None when no person was found.
    """

    t: float
    image_size: tuple[int, int]
    landmarks: np.ndarray | None = None
    world: np.ndarray | None = None

    @property
    def detected(self) -> bool:
        return self.landmarks is not None

    def pixel(self, lm: Landmark) -> tuple[float, float]:
        """The landmark in pixels of the upright image (raises if no person)."""
        row = self._require()[lm]
        return float(row[X] * self.image_size[0]), float(row[Y] * self.image_size[1])

    def pixels(self, lms: "tuple[Landmark, ...] | list[Landmark] | None" = None) -> np.ndarray:
        """(n, 2) float pixel coordinates for `lms` (all 33 when None)."""
        arr = self._require()
        idx = list(range(NUM_LANDMARKS)) if lms is None else [int(x) for x in lms]
        scale = np.asarray(self.image_size, dtype=np.float64)
        return arr[idx, :2].astype(np.float64) * scale

    def visibility(self, lm: Landmark) -> float:
        """min(visibility, presence) of one landmark: 0 when no person."""
        if self.landmarks is None:
            return 0.0
        row = self.landmarks[lm]
        return float(min(row[VISIBILITY], row[PRESENCE]))

    def _require(self) -> np.ndarray:
        if self.landmarks is None:
            raise ValueError(f"no person at t={self.t:.3f}s")
        return self.landmarks

    @staticmethod
    def empty(t: float, image_size: tuple[int, int]) -> "PoseFrame":
        """A frame in which nobody was found."""
        return PoseFrame(t=t, image_size=image_size)
