"""Synthetic landmark streams of a person lying face down, for the press-up analyzer's tests.

Not a body model: a 2-D stick figure placed where MediaPipe puts the joints of a person lying
prone in a side view (their right side to the camera, head at image-left), with the sizes
measured on rendered and real press-ups (docs/analyzers/press_up.md): lying flat the shoulder is
about 0.2 torso lengths above the line through the wrist and the toes, the hip 0.15, the knee
0.07, the trunk 4 degrees up; a full press-up turns the trunk about the hip to ~50 degrees with
the arms straight. A hip lift raises the hip 0.3 torso lengths with the knees left on the floor;
a plank holds the whole body straight on the toes (knees 0.3-0.4 off the floor). Pixels of a
640x360 image about the hip, as in synthetic_pose.py, whose `to_pose`, `trapezoid` and
`with_far_side` are reused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from formcheck.landmarks import Landmark as L, PoseFrame
from synthetic_pose import SIZE, TORSO, frame_times, to_pose, trapezoid, with_far_side

FLOOR_Y = 0.19 * TORSO  # the floor line (through wrist and toes) under the hip, pixels (y down)
UPPER_ARM, FOREARM = 0.55 * TORSO, 0.5 * TORSO
LYING_DEG, TOP_DEG = 4.0, 50.0  # trunk angle lying flat and at the top of a full press-up


def _elbow(shoulder: np.ndarray, wrist: np.ndarray) -> np.ndarray:
    """The elbow of the shoulder-wrist chain, bent back toward the feet (image right) and up."""
    d = wrist - shoulder
    dist = min(float(np.linalg.norm(d)), UPPER_ARM + FOREARM - 1e-6)
    along = (UPPER_ARM**2 - FOREARM**2 + dist**2) / (2 * dist)
    h = math.sqrt(max(UPPER_ARM**2 - along**2, 0.0))
    u = d / np.linalg.norm(d)
    perp = np.array([-u[1], u[0]])
    if perp[0] < 0:  # the side toward the feet
        perp = -perp
    return shoulder + along * u + h * perp


def prone_points(press: float = 0.0, hip_lift: float = 0.0, plank: float = 0.0,
                 top_deg: float = TOP_DEG) -> dict[L, np.ndarray]:
    """Joint pixels (scale 1, origin at the lying hip) of a right-side view, head to image-left.

    `press` 0 = lying flat, 1 = the top of a press-up (the trunk at `top_deg` to the floor);
    `hip_lift` 1 = the hip raised 0.3 torso lengths, knees on the floor; `plank` 1 = the body held
    straight on the hands and the toes (`press` then bends the arms: 0 = a push-up's bottom).
    """
    toe = np.array([2.05 * TORSO, FLOOR_Y - 0.03 * TORSO])
    wrist = np.array([-1.25 * TORSO, FLOOR_Y - 0.04 * TORSO])
    if plank:
        beta = math.radians(plank * (4.0 + 12.0 * press))  # body angle above the floor
        axis = np.array([-math.cos(beta), -math.sin(beta)])  # from the toes toward the head
        ankle = toe + np.array([-0.1 * TORSO, -0.2 * TORSO])  # feet upright on the toes
        knee = ankle + 0.9 * TORSO * axis
        hip = knee + 0.95 * TORSO * axis
        shoulder = hip + TORSO * axis
        wrist = np.array([-1.0 * TORSO, FLOOR_Y - 0.04 * TORSO])  # under the shoulders at the top
    else:
        hip = np.array([0.0, -0.3 * TORSO * hip_lift])
        knee = np.array([0.95 * TORSO, FLOOR_Y - 0.1 * TORSO])
        ankle = np.array([1.85 * TORSO, FLOOR_Y - 0.08 * TORSO])
        angle = math.radians(LYING_DEG + press * (top_deg - LYING_DEG))
        shoulder = hip + TORSO * np.array([-math.cos(angle), -math.sin(angle)])
    elbow = _elbow(shoulder, wrist)
    trunk = (shoulder - hip) / np.linalg.norm(shoulder - hip)
    up = np.array([-trunk[1], trunk[0]])  # the back's side of the trunk (image-up lying)
    ear = shoulder + 0.3 * TORSO * trunk + 0.05 * TORSO * up
    nose = shoulder + 0.42 * TORSO * trunk - 0.06 * TORSO * up  # face down: below the ears
    pts = {
        L.RIGHT_SHOULDER: shoulder, L.RIGHT_ELBOW: elbow, L.RIGHT_WRIST: wrist,
        L.RIGHT_PINKY: wrist + [-12, 2], L.RIGHT_INDEX: wrist + [-15, 2], L.RIGHT_THUMB: wrist + [-10, 0],
        L.RIGHT_HIP: hip, L.RIGHT_KNEE: knee, L.RIGHT_ANKLE: ankle,
        L.RIGHT_HEEL: ankle + [-4, -8], L.RIGHT_FOOT_INDEX: toe,
        L.RIGHT_EAR: ear, L.RIGHT_EYE: nose + 0.05 * TORSO * up,
        L.RIGHT_EYE_INNER: nose + 0.05 * TORSO * up, L.RIGHT_EYE_OUTER: nose + 0.06 * TORSO * up,
        L.MOUTH_RIGHT: nose - 0.03 * TORSO * trunk, L.NOSE: nose,
    }
    return with_far_side(pts)


def press_session(duration: float, presses: list[tuple[float, float]] = (),
                  hip_lifts: list[tuple[float, float]] = (), fps: float = 30.0, ramp: float = 0.8,
                  noise_px: float = 0.3, seed: int = 0, plank: float = 0.0, top_deg: float = TOP_DEG,
                  scale: float = 1.0, present: Callable[[float], bool] | None = None,
                  opening: float = 0.0, jitter: float = 0.0, drop: float = 0.0) -> Iterator[PoseFrame]:
    """A stream of frames: `presses` and `hip_lifts` are (start, hold) pairs of eased ramps
    (`trapezoid`); `plank` holds the body on the toes throughout (then `presses` are push-ups
    from the bottom); `opening` seconds at the top from the first frame, then lowered over
    `ramp` (a set that opens at the top; a plank held); `present(t)` False = nobody in view;
    `jitter` (s) perturbs each timestamp (kept increasing), `drop` is the chance a frame is lost."""
    rng = np.random.default_rng(seed)
    for t in frame_times(duration, fps, rng, jitter, drop):
        if present is not None and not present(t):
            yield PoseFrame.empty(t, SIZE)
            continue
        press = sum(trapezoid(t, s, h, ramp) for s, h in presses)
        if opening:
            press += trapezoid(t, -ramp, opening, ramp)
        lift = sum(trapezoid(t, s, h, ramp) for s, h in hip_lifts)
        pts = prone_points(press=min(press, 1.0), hip_lift=lift, plank=plank, top_deg=top_deg)
        yield to_pose(t, pts, centre=(330.0, 230.0), scale=scale * 0.85, noise_px=noise_px, rng=rng)
