"""What a trunk rotation measures in one frame: how far and to which side the knees are lowered,
whether the far shoulder rolls up, the feet rise and the knees part.

Seen from the side the knees move mostly toward or away from the camera, so no single image
angle shows the drop. Three measurements each see part of it (docs/analyzers/trunk_rotation.md):

- `knee_world_deg`: the knees' angle about the body's long axis in MediaPipe's world landmarks
  (metres, its own 3-D model): from the side it often misses a drop (rendered bodies), but when
  it registers one, its direction is right;
- `knee_height` (`knee_rise`): the knees' distance from the hip-ankle line in the image;
  lowering the knees to either side shortens it (as the cosine of the drop) in every view that
  shows them rise;
- `knee_stack`: which knee is on top: lowered to the person's left, the right knee lies above
  the left (from any camera that shows height); MediaPipe sees it when the knees come toward
  the camera, and on real people either way;
- `knee_depth`: the near knee's depth (MediaPipe's relative z) behind its hip, toward the
  person's left: the side of a drop away from the camera, where the near knee hides the far one
  and the image shows no stack.

Everything is scale-free: degrees, and distances in torso lengths (shoulder midpoint to hip
midpoint in the image). The person's left is positive wherever a side is signed.
"""

from __future__ import annotations

import math

import numpy as np

from formcheck.analyzers.geometry import joint, midpoint
from formcheck.landmarks import Z, Landmark, PoseFrame

# The joints every measurement needs, both sides.
BODY = tuple(
    Landmark[f"{s}_{p}"] for s in ("LEFT", "RIGHT") for p in ("SHOULDER", "HIP", "KNEE", "ANKLE")
)


def _unit(v: np.ndarray) -> np.ndarray | None:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 and math.isfinite(n) else None


def world_frame(pose: PoseFrame, left_ref: np.ndarray | None = None,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(hip centre, long axis, left, front) of the trunk in world landmarks, or None.

    The long axis runs shoulders -> hips; `left` is the right-to-left shoulder line made square
    to it; `front` (out of the chest, toward the ceiling when supine) completes the frame. The
    shoulders, not the hips, set it: in a trunk rotation the pelvis rolls with the knees, while
    the shoulders stay flat. With `left_ref` (the set's first `left`), a frame in which MediaPipe
    swapped the shoulders' labels (from the feet end it does) keeps the set's left.
    """
    if pose.world is None:
        return None
    w = pose.world[:, :3].astype(np.float64)
    sh = (w[Landmark.LEFT_SHOULDER] + w[Landmark.RIGHT_SHOULDER]) / 2
    hip = (w[Landmark.LEFT_HIP] + w[Landmark.RIGHT_HIP]) / 2
    u = _unit(hip - sh)
    if u is None:
        return None
    lat = w[Landmark.LEFT_SHOULDER] - w[Landmark.RIGHT_SHOULDER]
    left = _unit(lat - np.dot(lat, u) * u)
    if left is None:
        return None
    if left_ref is not None and np.dot(left, left_ref) < 0:
        left = -left
    return hip, u, left, np.cross(u, left)


def knee_world_deg(pose: PoseFrame, frame: tuple[np.ndarray, ...] | None) -> float:
    """The knees' angle from the front (straight up, lying on the back) about the long axis,
    toward the person's left, in a `world_frame` (the neutral's: a shoulder lifting, or
    MediaPipe folding the shoulder line seen from the feet end, must not turn it), degrees
    (-180..180); NaN without world landmarks."""
    if frame is None or pose.world is None:
        return math.nan
    _hip0, u, left, front = frame
    w = pose.world[:, :3].astype(np.float64)
    hip = (w[Landmark.LEFT_HIP] + w[Landmark.RIGHT_HIP]) / 2
    k = (w[Landmark.LEFT_KNEE] + w[Landmark.RIGHT_KNEE]) / 2 - hip
    return float(np.degrees(np.arctan2(np.dot(k, left), np.dot(k, front))))


def torso_axis(pose: PoseFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, float] | None:
    """(hip midpoint, unit axis shoulders -> hips, unit normal, torso length) in image pixels."""
    sh, hip = midpoint(pose, "shoulder"), midpoint(pose, "hip")
    torso = float(np.linalg.norm(hip - sh))
    if not (torso > 0 and math.isfinite(torso)):
        return None
    u = (hip - sh) / torso
    return hip, u, np.array([u[1], -u[0]]), torso


def knee_rise(pose: PoseFrame) -> float:
    """The knee midpoint's signed distance from the line through the hip and ankle midpoints in
    the image, in torso lengths (the image's sign: only its size against the neutral's is meant).

    Lowering the knees turns the legs about that line (the feet planted, or in tabletop with the
    legs), so seen from the side this shortens as the cosine of the drop, whether or not the
    feet rise with it (feet lifting raise the knees off the floor as they drop).
    """
    axis = torso_axis(pose)
    if axis is None:
        return math.nan
    _hip, _u, n, torso = axis
    hip, ankle = midpoint(pose, "hip"), midpoint(pose, "ankle")
    leg = ankle - hip
    length = float(np.linalg.norm(leg))
    if not length > 0:
        return math.nan
    normal = np.array([leg[1], -leg[0]]) / length
    if np.dot(normal, n) < 0:  # the side the shoulder-hip line's normal points to, always
        normal = -normal
    return float(np.dot(midpoint(pose, "knee") - hip, normal)) / torso


def heights(pose: PoseFrame, normal: np.ndarray | None = None) -> tuple[float, float]:
    """(knees, ankles): the midpoints' signed distances from the shoulder-hip line in the image,
    in torso lengths (the image's sign: only sizes and ratios are meant), measured along
    `normal` when given (the line's normal as the set began: a shoulder lifting tilts the line
    now). Lying with the feet on the floor the ankles sit on that line; in tabletop as high as
    the knees."""
    axis = torso_axis(pose)
    if axis is None:
        return math.nan, math.nan
    hip, _u, n, torso = axis
    n = n if normal is None else normal
    return (float(np.dot(midpoint(pose, "knee") - hip, n)) / torso,
            float(np.dot(midpoint(pose, "ankle") - hip, n)) / torso)


def feet_up(knee: float, ankle: float) -> bool | None:
    """Are the feet off the floor, as high as half the knees' height above the body line (the
    feet-up variant's tabletop; feet on the floor sit at about a tenth)? None where the knees
    do not rise in the image (seen from the feet end)."""
    if not (abs(knee) >= 0.15 and math.isfinite(ankle)):
        return None
    return ankle / knee > 0.5


def knee_depth(pose: PoseFrame, near: str) -> float:
    """How far the `near` side's knee lies behind its hip, in MediaPipe's relative depth
    (image-width units, as x) over the torso length, signed toward the person's left: filmed from
    their right (`near` "right") a drop to the left takes the knee away from the camera."""
    axis = torso_axis(pose)
    if axis is None or pose.landmarks is None:
        return math.nan
    lm = pose.landmarks
    depth = float(lm[joint("knee", near), Z] - lm[joint("hip", near), Z]) * pose.image_size[0] / axis[3]
    return depth if near == "right" else -depth

# The landmarks' shoulder width is about this many torso lengths on an adult: the body's size in
# the image is the larger of its torso length and the shoulders' width over it, so a body seen
# from the feet end (the torso foreshortened) is measured on the same scale as from the side.
SHOULDER_WIDTH = 0.75


def image_values(pose: PoseFrame) -> dict[str, float]:
    """Which knee is on top, and the faults' measurements: heights are up the image (the camera is upright; rising moves a
    point up from the side, obliquely and from above the feet alike), distances over the body's
    size in the image (about a torso length, see SHOULDER_WIDTH). Meant against the neutral's.

    - `knee_stack`: how much higher the right knee is than the left (knees to the left: +);
    - `feet_rise`: the ankles' height above the shoulders;
    - `shoulder_roll`, `hip_roll`: how much higher the right shoulder (hip) is than the left: the
      chest, the pelvis turning toward the person's left (+) or right (-);
    - `knee_gap`: the knees' distance apart in the image.
    """
    if pose.landmarks is None:
        return {}
    p = {lm: pose.pixels([lm])[0] for lm in BODY}
    torso = float(np.linalg.norm(midpoint(pose, "hip") - midpoint(pose, "shoulder")))
    shoulders = float(np.linalg.norm(p[Landmark.LEFT_SHOULDER] - p[Landmark.RIGHT_SHOULDER]))
    size = max(torso, shoulders / SHOULDER_WIDTH)
    if not (size > 0 and math.isfinite(size)):
        return {}
    up = lambda a, b: float(b[1] - a[1]) / size  # noqa: E731  (a above b, image y down)
    return {
        "knee_stack": up(p[Landmark.RIGHT_KNEE], p[Landmark.LEFT_KNEE]),
        "feet_rise": up(midpoint(pose, "ankle"), midpoint(pose, "shoulder")),
        "shoulder_roll": up(p[Landmark.RIGHT_SHOULDER], p[Landmark.LEFT_SHOULDER]),
        "hip_roll": up(p[Landmark.RIGHT_HIP], p[Landmark.LEFT_HIP]),
        "knee_gap": float(np.linalg.norm(p[Landmark.LEFT_KNEE] - p[Landmark.RIGHT_KNEE])) / size,
    }
