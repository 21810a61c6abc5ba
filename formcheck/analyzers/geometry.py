"""Where the body is and how it is seen, in the image plane (pixels, y down).

Joints by side, angles and distances, the body axis, posture (lying, standing, seen end-on),
which way up a lying person faces, how much of a side view the camera has, which side faces it,
and gating: landmarks the model is unsure of, or placed outside the image.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from formcheck.landmarks import PRESENCE, VISIBILITY, Z, Landmark, PoseFrame

# ---------------------------------------------------------------------------------------------
# Gating


def missing_landmarks(
    pose: PoseFrame, landmarks: Iterable[Landmark], min_visibility: float = 0.5
) -> list[Landmark]:
    """The landmarks whose min(visibility, presence) is below `min_visibility` (all if no person)."""
    lms = list(landmarks)
    if pose.landmarks is None:
        return lms
    arr = pose.landmarks
    return [
        lm for lm in lms
        if not (min(arr[lm, VISIBILITY], arr[lm, PRESENCE]) >= min_visibility)  # NaN -> missing
    ]


def out_of_frame(pose: PoseFrame, landmarks: Iterable[Landmark], margin: float = 0.0) -> list[Landmark]:
    """Landmarks placed outside the image (MediaPipe extrapolates joints cut off by the frame).

    `margin` is a fraction of the image: 0.02 treats joints within 2 % of an edge as outside.
    """
    lms = list(landmarks)
    if pose.landmarks is None:
        return lms
    xy = pose.landmarks[[int(lm) for lm in lms], :2]
    bad = ~((xy >= margin) & (xy <= 1 - margin)).all(axis=1)
    return [lm for lm, b in zip(lms, bad) if b]


# ---------------------------------------------------------------------------------------------
# Geometry (image plane, pixels, y down)

SIDES = ("left", "right")
_PAIRS = {
    "shoulder": (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    "hip": (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    "knee": (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE),
    "ankle": (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
    "heel": (Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL),
    "toe": (Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX),
    "elbow": (Landmark.LEFT_ELBOW, Landmark.RIGHT_ELBOW),
    "wrist": (Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST),
    "ear": (Landmark.LEFT_EAR, Landmark.RIGHT_EAR),
}


def joint(part: str, side: str) -> Landmark:
    """joint("hip", "left") -> Landmark.LEFT_HIP."""
    return _PAIRS[part][SIDES.index(side)]


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """The angle at `b` between b->a and b->c, in degrees (0..180)."""
    u, v = np.asarray(a, float) - b, np.asarray(c, float) - b
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        return float("nan")
    return float(np.degrees(np.arccos(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))))


def direction_deg(p: np.ndarray, q: np.ndarray) -> float:
    """Direction of p->q in degrees in the image, counter-clockwise from image right (y up)."""
    d = np.asarray(q, float) - p
    return float(np.degrees(np.arctan2(-d[1], d[0])))


def signed_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Distance of `p` from the line a->b, positive on the image-*up* side of the line."""
    d = np.asarray(b, float) - a
    n = np.linalg.norm(d)
    if n == 0:
        return float("nan")
    cross = d[0] * (p[1] - a[1]) - d[1] * (p[0] - a[0])  # y down: negative = above for d pointing right
    dist = cross / n
    # normal pointing image-up: choose the sign so that a point with smaller y is positive
    up = -1.0 if d[0] >= 0 else 1.0
    return float(up * dist)


def midpoint(pose: PoseFrame, part: str) -> np.ndarray:
    """Pixel midpoint of a left/right pair, e.g. midpoint(pose, "hip")."""
    return pose.pixels(list(_PAIRS[part])).mean(axis=0)


@dataclass(frozen=True)
class BodyAxis:
    """Shoulders-to-hips axis in pixels: where the body is, how big, and how it lies."""

    shoulder: np.ndarray
    hip: np.ndarray

    @property
    def length(self) -> float:
        """Torso length in pixels: the scale every distance is divided by."""
        return float(np.linalg.norm(self.hip - self.shoulder))

    @property
    def centre(self) -> np.ndarray:
        return (self.hip + self.shoulder) / 2

    @property
    def tilt_from_horizontal(self) -> float:
        """0 deg = torso horizontal in the image (lying), 90 = vertical (standing)."""
        d = self.hip - self.shoulder
        return float(np.degrees(np.arctan2(abs(d[1]), abs(d[0]) + 1e-12)))


def body_axis(pose: PoseFrame, side: str | None = None) -> BodyAxis:
    """The torso axis: from the midpoints of shoulders and hips, or one side's joints."""
    if side is None:
        return BodyAxis(midpoint(pose, "shoulder"), midpoint(pose, "hip"))
    return BodyAxis(pose.pixels([joint("shoulder", side)])[0], pose.pixels([joint("hip", side)])[0])


# Share of the body's long axis (shoulders to ankles, in MediaPipe's world landmarks) that runs
# along the camera's line of sight, above which an upright-looking body is lying seen end-on.
# Measured: a person standing (standing_squats, 254 frames) at most 0.35; lying filmed from the
# feet, 0.38-0.82 (rendered feet-high camera, 4 clips; 2 of 3387 frames below 0.4) and 0.96
# (cobra_press_up's end-on part, 215 frames, 1 below 0.4).
END_ON_DEPTH = 0.4


def posture(pose: PoseFrame, lying_max_deg: float = 35.0, standing_min_deg: float = 55.0) -> str:
    """"lying", "standing", "end-on" or "unknown" from the body's long axis (shoulders to ankles).

    The whole body's axis, not the torso's: in a bridge or a press-up the torso tilts 30-45
    degrees while the shoulders (or hands) and feet stay on the floor, and the person is still
    lying. Standing needs the shoulders above the ankles as well. Assumes the image is upright
    (sources apply the container rotation). Lying covers supine and prone: see `lying_face`.
    A body lying along the line of sight (the camera at its feet or head) also looks upright
    in the image; MediaPipe's world landmarks tell it apart by depth ("end-on": lying, but no
    side view), so nobody lying down is told they are not.
    """
    if pose.landmarks is None:
        return "unknown"
    top, bottom = midpoint(pose, "shoulder"), midpoint(pose, "ankle")
    d = bottom - top
    if not np.all(np.isfinite(d)) or not np.any(d):
        return "unknown"
    angle = float(np.degrees(np.arctan2(abs(d[1]), abs(d[0]))))
    if angle <= lying_max_deg:
        return "lying"
    if angle >= standing_min_deg and top[1] < bottom[1]:
        return "end-on" if depth_share(pose) >= END_ON_DEPTH else "standing"
    return "unknown"


def depth_share(pose: PoseFrame) -> float:
    """How much of the shoulders-to-ankles axis runs toward the camera (0..1; 0 without world
    landmarks): |z| over its length in MediaPipe's world landmarks (metres, camera-aligned)."""
    if pose.world is None:
        return 0.0
    w = pose.world
    axis = ((w[Landmark.LEFT_SHOULDER, :3] + w[Landmark.RIGHT_SHOULDER, :3])
            - (w[Landmark.LEFT_ANKLE, :3] + w[Landmark.RIGHT_ANKLE, :3])) / 2.0
    length = float(np.linalg.norm(axis))
    if not (length > 0 and np.all(np.isfinite(axis))):
        return 0.0
    return float(abs(axis[2]) / length)


def lying_face(pose: PoseFrame) -> str | None:
    """"up" (supine) or "down" (prone) for a person lying in a side view, None if unclear.

    Lying on the back the nose points at the ceiling, so it sits above (smaller y than) the ears;
    lying face down it sits below them. Measured in torso lengths to be scale-free.
    """
    if pose.landmarks is None:
        return None
    axis = body_axis(pose)
    if axis.length <= 0:
        return None
    nose = pose.pixels([Landmark.NOSE])[0]
    ears = midpoint(pose, "ear")
    dy = (ears[1] - nose[1]) / axis.length
    if dy > 0.05:
        return "up"
    if dy < -0.05:
        return "down"
    return None


def side_view_ratio(pose: PoseFrame) -> float:
    """Shoulder and hip width over torso length, in the image: ~0 in a true side view.

    Seen from the side the left and right joints nearly overlap; seen from the front or above,
    the shoulders are about 0.7 torso lengths apart. The mean of the shoulder and hip ratios.
    """
    axis = body_axis(pose)
    if axis.length <= 0:
        return float("nan")
    sh = pose.pixels(list(_PAIRS["shoulder"]))
    hp = pose.pixels(list(_PAIRS["hip"]))
    w = (np.linalg.norm(sh[0] - sh[1]) + np.linalg.norm(hp[0] - hp[1])) / 2
    return float(w / axis.length)


def facing_side(pose: PoseFrame) -> str | None:
    """Which side of the body faces the camera: "left", "right" or None when unclear.

    The near side's joints are closer to the camera (smaller MediaPipe z) and more visible; the
    vote sums both over shoulders, hips, knees and ankles.
    """
    if pose.landmarks is None:
        return None
    arr = pose.landmarks
    score = 0.0
    for part in ("shoulder", "hip", "knee", "ankle"):
        left, right = _PAIRS[part]
        score += float(arr[right, Z] - arr[left, Z])  # > 0: left is nearer
        score += float(arr[left, VISIBILITY] - arr[right, VISIBILITY])
    if math.isnan(score) or abs(score) < 0.05:
        return None
    return "left" if score > 0 else "right"
