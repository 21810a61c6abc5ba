"""Synthetic landmark streams for analyzer tests: a person lying hook-lying in a side view.

Not a body model: a 2-D stick figure placed where MediaPipe puts the joints of a person lying on
their back with knees bent, seen from their right side, head at image-left. A posterior pelvic
tilt is drawn the way it shows in MediaPipe's landmarks of a real side view and as anatomy has
it (measured on pelvic_tilt_side against its corrected label: the hip slides ~0.03 torso lengths
toward the head and the trunk-thigh angle opens by ~1.3 degrees); a bridge lifts the hips well
above the shoulder-ankle line. Everything is in pixels of a 640x360 image, then normalized.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from formcheck.landmarks import NUM_LANDMARKS, Landmark as L, PoseFrame

SIZE = (640, 360)
TORSO = 160.0  # torso length in pixels at scale 1


def _rot(v: np.ndarray, deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([c * v[0] + s * v[1], -s * v[0] + c * v[1]])  # counter-clockwise in y-down


def lying_points(tilt: float = 0.0, bridge: float = 0.0, thigh_deg_per_tilt: float = 1.0,
                 hip_shift_per_tilt: float = 0.015, arms_up: float = 0.0,
                 knee_drop: float = 0.0) -> dict[L, np.ndarray]:
    """Joint pixels (scale 1, origin at the hip) of a right-side view, head to image-left.

    `tilt` 1 = a full posterior pelvic tilt; `bridge` 1 = hips raised 0.5 torso lengths;
    `arms_up` 1 = the arms raised overhead (0 = by the sides); `knee_drop` 1 = the knees
    dropped to a side (a trunk rotation): seen from the side the knee sinks toward the floor
    by 0.25 torso lengths over the planted feet.
    """
    hip = np.array([0.0, 0.0])
    hip = hip - np.array([hip_shift_per_tilt * TORSO * tilt, 0.0])  # slides toward the head
    hip = hip + np.array([0.0, -0.5 * TORSO * bridge])
    shoulder = np.array([-TORSO, 0.0])
    ankle = np.array([0.95 * TORSO, 5.0])
    thigh = 0.95 * TORSO
    shin = 0.9 * TORSO
    # Knee from the two-bone chain hip-knee-ankle with the knee up (smaller y).
    d = ankle - hip
    dist = float(np.linalg.norm(d))
    a = (thigh**2 - shin**2 + dist**2) / (2 * dist)
    h = math.sqrt(max(thigh**2 - a**2, 0.0))
    base = hip + a * d / dist
    perp = np.array([d[1], -d[0]]) / dist
    knee = base + h * perp
    if knee[1] > base[1]:
        knee = base - h * perp
    knee = hip + _rot(knee - hip, -thigh_deg_per_tilt * tilt)  # the trunk-thigh angle opens
    knee = knee + np.array([0.03, 0.25]) * TORSO * knee_drop
    pts = {
        L.RIGHT_SHOULDER: shoulder, L.RIGHT_HIP: hip, L.RIGHT_KNEE: knee, L.RIGHT_ANKLE: ankle,
        L.RIGHT_HEEL: ankle + [-8, 6], L.RIGHT_FOOT_INDEX: ankle + [25, 6],
        L.RIGHT_ELBOW: shoulder + [0.45 * TORSO, 8], L.RIGHT_WRIST: shoulder + [0.85 * TORSO, 10],
        L.RIGHT_PINKY: shoulder + [0.9 * TORSO, 10], L.RIGHT_INDEX: shoulder + [0.92 * TORSO, 9],
        L.RIGHT_THUMB: shoulder + [0.9 * TORSO, 7],
        L.RIGHT_EAR: shoulder + [-0.35 * TORSO, -0.12 * TORSO],
        L.RIGHT_EYE: shoulder + [-0.45 * TORSO, -0.2 * TORSO],
        L.RIGHT_EYE_INNER: shoulder + [-0.46 * TORSO, -0.21 * TORSO],
        L.RIGHT_EYE_OUTER: shoulder + [-0.43 * TORSO, -0.19 * TORSO],
        L.MOUTH_RIGHT: shoulder + [-0.48 * TORSO, -0.12 * TORSO],
        L.NOSE: shoulder + [-0.5 * TORSO, -0.25 * TORSO],
    }
    if arms_up:
        a = math.radians(180.0 * arms_up)  # the arm swings from the side, over the chest, overhead
        for lm, reach in ((L.RIGHT_ELBOW, 0.45), (L.RIGHT_WRIST, 0.85), (L.RIGHT_PINKY, 0.9),
                          (L.RIGHT_INDEX, 0.92), (L.RIGHT_THUMB, 0.9)):
            pts[lm] = shoulder + reach * TORSO * np.array([math.cos(a), -math.sin(a)])
    return with_far_side(pts)


def with_far_side(pts: dict[L, np.ndarray]) -> dict[L, np.ndarray]:
    """The near (right) side's joints and the far (left) side's, a few pixels behind: slightly
    up and shifted, as MediaPipe places them in a side view."""
    far = {}
    for lm, p in pts.items():
        name = lm.name.replace("RIGHT_", "LEFT_")
        if name in L.__members__ and name != lm.name:
            far[L[name]] = p + np.array([3.0, -4.0])
    return {**pts, **far}


def standing_points() -> dict[L, np.ndarray]:
    """A person standing, seen from the side (torso vertical, head up)."""
    pts = lying_points()
    out = {}
    for lm, p in pts.items():
        out[lm] = np.array([-p[1], p[0]])  # rotate 90 deg: head (image-left) -> up
    # legs straight down under the hips
    for side in ("LEFT", "RIGHT"):
        out[L[f"{side}_KNEE"]] = out[L[f"{side}_HIP"]] + [0, 0.95 * TORSO]
        out[L[f"{side}_ANKLE"]] = out[L[f"{side}_HIP"]] + [0, 1.85 * TORSO]
        out[L[f"{side}_HEEL"]] = out[L[f"{side}_ANKLE"]] + [-8, 8]
        out[L[f"{side}_FOOT_INDEX"]] = out[L[f"{side}_ANKLE"]] + [25, 8]
    return out


def to_pose(t: float, pts: dict[L, np.ndarray], centre: tuple[float, float] = (330.0, 250.0),
            scale: float = 1.0, noise_px: float = 0.0, rng: np.random.Generator | None = None,
            size: tuple[int, int] = SIZE, visibility: float = 0.95) -> PoseFrame:
    """A PoseFrame from joint pixels about the hip: scaled, placed at `centre`, with pixel noise."""
    arr = np.zeros((NUM_LANDMARKS, 5), dtype=np.float32)
    arr[:, 3:] = visibility
    for lm, p in pts.items():
        xy = np.asarray(centre) + scale * np.asarray(p, dtype=float)
        if noise_px and rng is not None:
            xy = xy + rng.normal(0.0, noise_px, 2)
        arr[lm, 0] = xy[0] / size[0]
        arr[lm, 1] = xy[1] / size[1]
        arr[lm, 2] = -0.1 if lm.name.startswith("RIGHT") else 0.1  # right side nearer the camera
    world = arr.copy()
    return PoseFrame(t=t, image_size=size, landmarks=arr, world=world)


def trapezoid(t: float, start: float, hold: float, ramp: float = 0.5) -> float:
    """0 -> 1 over `ramp` s from `start`, held `hold` s, back to 0 over `ramp` s, each ramp eased
    (cosine): people ease into and out of a position, as `formcheck synth` bodies do, and the
    hold timing (`RepCycle.hold_of`) assumes an eased ramp. The hold is exactly `hold` s."""
    if t < start or t > start + 2 * ramp + hold:
        return 0.0
    if t < start + ramp:
        u = (t - start) / ramp
    elif t <= start + ramp + hold:
        return 1.0
    else:
        u = 1.0 - (t - start - ramp - hold) / ramp
    return 0.5 - 0.5 * math.cos(math.pi * u)


def frame_times(duration: float, fps: float, rng: np.random.Generator, jitter: float = 0.0,
                drop: float = 0.0) -> Iterator[float]:
    """The times of a clip's frames: `jitter` (s) perturbs each (kept increasing: a frame that
    would go back is skipped), `drop` is the chance a frame is lost. Draws from `rng` lazily, so
    a caller drawing its noise between frames gets the same stream as before."""
    last = -1.0
    for i in range(int(duration * fps)):
        t = i / fps + (rng.uniform(-jitter, jitter) if jitter else 0.0)
        if t <= last or (drop and rng.random() < drop):
            continue
        last = t
        yield t


def session(duration: float, tilts: list[tuple[float, float]] = (), bridges: list[tuple[float, float]] = (),
            fps: float = 30.0, ramp: float = 0.5, noise_px: float = 0.1, seed: int = 0,
            scale: float = 1.0, present: Callable[[float], bool] | None = None,
            jitter: float = 0.0, drop: float = 0.0, polarity: float = 1.0,
            arm_raises: list[tuple[float, float]] = (), hand_push: float = 0.0,
            knee_drops: list[tuple[float, float]] = (), knee_push: float = 0.0,
            thigh_deg_per_tilt: float = 1.0, hip_shift_per_tilt: float = 0.015,
            glitches: list[float] = ()) -> Iterator[PoseFrame]:
    """A stream of frames: `tilts`/`bridges` are (start, hold) pairs; `present(t)` False = nobody.

    `jitter` (s) perturbs each timestamp (kept increasing); `drop` is the chance a frame is lost.
    `polarity` -1 draws each tilt the other way round (hip toward the feet, trunk-thigh angle
    closing): an anterior tilt, arching the back, which is not the exercise. `arm_raises` are (start, hold) of the arms going overhead;
    `hand_push` moves the hip landmark like that many tilts while the arms move (a hand passing
    the hip disturbs MediaPipe's hip, as on supine_arm_raises). `knee_drops` are (start, hold)
    of the knees dropping to a side over 1 s; `knee_push` adds that many tilts while they start
    to move (a knee drop's first degrees swing the pelvis like a tilt). `thigh_deg_per_tilt` and
    `hip_shift_per_tilt` set how a tilt shows (0 = not at all in that feature, as on some
    rendered bodies). `glitches` are times of a one-frame landmark jump of 8 tilts whose tail
    (1.2 tilts for 0.6 s) the tracker's smoothing forgets over about a second (first measured on
    rendered clips whose glitch was the renderer's; the shape is what a misplaced frame gives).
    """
    rng = np.random.default_rng(seed)
    for t in frame_times(duration, fps, rng, jitter, drop):
        if present is not None and not present(t):
            yield PoseFrame.empty(t, SIZE)
            continue
        tilt = polarity * sum(trapezoid(t, s, h, ramp) for s, h in tilts)
        bridge = sum(trapezoid(t, s, h, ramp) for s, h in bridges)
        arms = sum(trapezoid(t, s, h, 1.0) for s, h in arm_raises)
        tilt += hand_push * min(arms, 1.0)
        knees = sum(trapezoid(t, s, h, 1.0) for s, h in knee_drops)
        tilt += knee_push * min(3.0 * knees, 1.0)
        # the jump frame, then a tail forgotten over about a second
        tilt += sum((8.0 if t - g < 1.0 / fps else 1.2 * min(1.0, math.exp(-(t - g - 0.6) / 0.3)))
                    for g in glitches if t >= g)
        yield to_pose(t, lying_points(tilt=tilt, bridge=bridge, arms_up=arms, knee_drop=knees,
                                      thigh_deg_per_tilt=thigh_deg_per_tilt,
                                      hip_shift_per_tilt=hip_shift_per_tilt),
                      scale=scale, noise_px=noise_px, rng=rng)


def standing_session(duration: float, fps: float = 30.0, seed: int = 0) -> Iterator[PoseFrame]:
    rng = np.random.default_rng(seed)
    for i in range(int(duration * fps)):
        yield to_pose(i / fps, standing_points(), centre=(320.0, 120.0), scale=0.6, noise_px=0.5, rng=rng)


# ---------------------------------------------------------------------------------------------
# Lower trunk rotations: a 3-D stick figure, filmed from the side or from the feet end.

def rotation_points(drop: float = 0.0, shoulder_lift: float = 0.0, feet_lift: float = 0.0,
                    knee_spread: float = 0.0, tabletop: bool = False,
                    depth_seen: float = 1.0) -> dict[L, np.ndarray]:
    """Joint positions in metres of a person lying on their back, knees bent and together (or
    in tabletop), the knees lowered `drop` degrees to the person's left (+) or right (-).

    Person's frame: x toward the feet, y toward the person's left, z up from the floor. The knees
    turn about the hip-ankle line (about the long axis in tabletop), the pelvis following by a
    third; `shoulder_lift` rolls the chest the same way by that many degrees (the far shoulder
    lifts), `feet_lift` raises the feet (metres), `knee_spread` lets the knees fall apart (each
    half outward). `depth_seen` scales how much of the knees' sideways travel MediaPipe's depth
    and world landmarks show (1 = all, as on real people; rendered bodies side-on show little).
    """
    def rx(deg: float) -> np.ndarray:
        a = math.radians(deg)
        return np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])

    pelvis = rx(-drop / 3.0)
    chest = rx(-math.copysign(shoulder_lift, drop) if drop else 0.0)
    pts: dict[L, np.ndarray] = {}
    for side, s in (("LEFT", 1.0), ("RIGHT", -1.0)):
        pts[L[f"{side}_SHOULDER"]] = np.array([-0.5, 0.0, 0.1]) + chest @ np.array([0.0, 0.18 * s, 0.0])
        pts[L[f"{side}_ELBOW"]] = np.array([-0.25, 0.22 * s, 0.05])
        pts[L[f"{side}_WRIST"]] = np.array([-0.02, 0.24 * s, 0.05])
        for name, dx in (("PINKY", 0.05), ("INDEX", 0.06), ("THUMB", 0.04)):
            pts[L[f"{side}_{name}"]] = np.array([dx, 0.24 * s, 0.06])
        hip = np.array([0.0, 0.0, 0.1]) + pelvis @ np.array([0.0, 0.12 * s, 0.0])
        pts[L[f"{side}_HIP"]] = hip
        leg_drop = drop + s * 0.5 * knee_spread
        if tabletop:
            knee = hip + rx(-leg_drop) @ np.array([0.0, 0.0, 0.42])
            ankle = knee + np.array([0.4, 0.0, 0.0])
        else:
            ankle = np.array([0.55, 0.08 * s, 0.07 + feet_lift])
            base = 0.5 * (hip + ankle)
            knee = base + rx(-leg_drop) @ np.array([0.0, 0.0, 0.33]) + np.array([0.0, 0.05 * s, 0.0])
        pts[L[f"{side}_KNEE"]] = knee
        pts[L[f"{side}_ANKLE"]] = ankle
        pts[L[f"{side}_HEEL"]] = ankle + np.array([-0.02, 0.0, -0.05])
        pts[L[f"{side}_FOOT_INDEX"]] = ankle + np.array([0.12, 0.0, -0.05])
    head = np.array([-0.72, 0.0, 0.12])
    pts[L.NOSE] = head + [0.0, 0.0, 0.1]
    for side, s in (("LEFT", 1.0), ("RIGHT", -1.0)):
        pts[L[f"{side}_EAR"]] = head + [0.0, 0.07 * s, 0.0]
        pts[L[f"{side}_EYE"]] = head + [0.02, 0.03 * s, 0.08]
        pts[L[f"{side}_EYE_INNER"]] = head + [0.02, 0.015 * s, 0.08]
        pts[L[f"{side}_EYE_OUTER"]] = head + [0.02, 0.045 * s, 0.075]
        pts[L[f"MOUTH_{side}"]] = head + [0.0, 0.02 * s, 0.07]
    if depth_seen != 1.0:  # the sideways travel of the knees, shown only in part in depth
        rest = rotation_points(0.0, shoulder_lift, feet_lift, knee_spread, tabletop)
        for lm in (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE):
            pts[lm] = pts[lm].copy()
            pts[lm][1] = rest[lm][1] + depth_seen * (pts[lm][1] - rest[lm][1])
    return pts


def film(t: float, pts: dict[L, np.ndarray], view: str = "side", noise_px: float = 0.0,
         rng: np.random.Generator | None = None, size: tuple[int, int] = SIZE,
         visibility: float = 0.95) -> PoseFrame:
    """A PoseFrame of a 3-D body (`rotation_points`): image landmarks with MediaPipe's relative
    depth, and world landmarks (camera-aligned metres about the hip centre).

    `view` "side": a camera level at the person's right, head image-left; "side-left": the same
    at their left, head image-right; "feet": high at the feet end, looking down 40 degrees along
    the body, the person's left on image right.
    """
    e = math.radians(40.0)
    arr = np.zeros((NUM_LANDMARKS, 5), dtype=np.float32)
    world = np.zeros((NUM_LANDMARKS, 5), dtype=np.float32)
    arr[:, 3:] = visibility
    world[:, 3:] = visibility
    hips = 0.5 * (pts[L.LEFT_HIP] + pts[L.RIGHT_HIP])
    scale = 300.0  # pixels per metre
    for lm, p in pts.items():
        x, y, z = (np.asarray(p, dtype=float) - hips)
        if view == "side":
            cam = np.array([x, -z, y])  # image right, image down, away from the camera
        elif view == "side-left":
            cam = np.array([-x, -z, -y])
        else:
            cam = np.array([y, x * math.sin(e) - z * math.cos(e), -x * math.cos(e) - z * math.sin(e)])
        px = np.array([size[0] * 0.5, size[1] * 0.55]) + scale * cam[:2]
        if noise_px and rng is not None:
            px = px + rng.normal(0.0, noise_px, 2)
        arr[lm, 0], arr[lm, 1] = px[0] / size[0], px[1] / size[1]
        arr[lm, 2] = scale * cam[2] / size[0]
        world[lm, :3] = cam
    return PoseFrame(t=t, image_size=size, landmarks=arr, world=world)


def rotation_session(duration: float, drops: list[tuple[float, float, float]] = (),
                     fps: float = 30.0, ramp: float = 1.5, drop_deg: float = 50.0,
                     view: str = "side", noise_px: float = 0.2, seed: int = 0,
                     present: Callable[[float], bool] | None = None, jitter: float = 0.0,
                     drop: float = 0.0, depth_seen: float = 1.0, tabletop: bool = False,
                     shoulder_lift: list[tuple[float, float]] = (),
                     feet_lift: list[tuple[float, float]] = (),
                     knee_spread: list[tuple[float, float]] = ()) -> Iterator[PoseFrame]:
    """Frames of trunk rotations: `drops` are (start, hold, +1 left | -1 right), each lowering the
    knees `drop_deg` degrees over `ramp` s (eased), held `hold` s, back over `ramp` s.

    `shoulder_lift`, `feet_lift`, `knee_spread` are (start, end) spans where the fault is there
    (22 degrees of chest roll, 0.12 m, 45 degrees; eased in and out over their first and last
    half second); `present(t)` False = nobody; `jitter` (s)
    perturbs each timestamp (kept increasing); `drop` is the chance a frame is lost.
    """
    rng = np.random.default_rng(seed)
    for t in frame_times(duration, fps, rng, jitter, drop):
        if present is not None and not present(t):
            yield PoseFrame.empty(t, SIZE)
            continue
        angle = drop_deg * sum(sign * trapezoid(t, s, h, ramp) for s, h, sign in drops)
        # each fault eases in and out over half a second at the ends of its span
        amount = lambda spans: sum(trapezoid(t, a, max(0.0, b - a - 1.0), 0.5) for a, b in spans)  # noqa: E731
        pts = rotation_points(angle, 22.0 * amount(shoulder_lift), 0.12 * amount(feet_lift),
                              45.0 * amount(knee_spread), tabletop, depth_seen)
        yield film(t, pts, view, noise_px, rng)
