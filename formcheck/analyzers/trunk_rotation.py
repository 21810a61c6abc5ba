"""Supine lower trunk rotation: reps and holds per side, the range reached, and its faults.

Lying on the back, knees bent and together, both knees are lowered to one side and held, then
brought back through the middle to the other side. A rep on a side runs from the middle, past the
side threshold (`FULL_DROP_DEG`), back to the middle; its side is the person's own.

How far the knees are lowered is the larger of two estimates against the neutral learned per set
(rotation_features): the knees' angle in MediaPipe's world landmarks, and the cosine law on the
knees' height in the image above the line the legs turn about. The side comes from the world
angle when it registered the drop, else from which knee is on top, else from the near knee's
depth; shown live from the first cue that tells, and settled on the whole rep. The far shoulder
lifting and moving too fast void the rep; the feet leaving the floor and the knees parting are
reported. Judged lying on the back from the side (floor level or raised), from the feet end
(high) and obliquely; a bridge (hips off the floor) is another exercise and is not judged. What
was measured, and the known limits: docs/analyzers/trunk_rotation.md.
"""

from __future__ import annotations

import math
from collections import deque
from typing import ClassVar

import numpy as np

from formcheck.analyzers.base import Fault, Reading, Rep, Scored
from formcheck.analyzers.calibration import NeutralSettings
from formcheck.analyzers.framework import ExerciseAnalyzer
from formcheck.analyzers.geometry import (
    END_ON_DEPTH, body_axis, depth_share, lying_face, midpoint, out_of_frame, posture, side_view_ratio,
    signed_distance,
)
from formcheck.analyzers.reasons import BODY_NOT_VISIBLE, NOT_LYING, NOT_SUPINE
from formcheck.analyzers.registry import (
    FEET_OFF_FLOOR, FEET_UP, KNEES_APART, MOVING_TOO_FAST, SHOULDER_LIFT, register,
)
from formcheck.analyzers.rotation_features import (
    BODY, feet_up, heights, image_values, knee_depth, knee_rise, knee_world_deg, world_frame,
)
from formcheck.landmarks import PoseFrame

# A full rep's drop, the side threshold: the score is the drop over it (1 = past the side).
FULL_DROP_DEG = 30.0
# Guard units of the features (their change in a full rep, roughly): see NeutralSettings.
WORLD_UNIT_DEG = 30.0
HEIGHT_UNIT = -0.12  # torso lengths; the knees' height falls as they are lowered
DEPTH_STILL = 0.5  # torso lengths the knees' depth may wander while the neutral is learned
# The cosine law needs the knees to rise out of the body's line in the image: not from the feet.
MIN_RISE = 0.25  # torso lengths
# The world angle gives the side when it moved by this share of the drop seen.
WORLD_SHARE = 0.3
WORLD_MIN_DEG = 8.0
DEPTH_MIN = 0.03  # torso lengths the near knee's depth must move to give the side
SIDE_VIEW_MAX = 0.35  # shoulders this narrow in the image (torso lengths): a side view
# A way down or back quicker than this (the whole eased ramp, see ramp_times) is moving too
# fast: the handouts say slowly, about 2 s each way; well under a second is swinging.
TOO_FAST_S = 0.6
TRAIL_FRAMES = 3600  # two minutes at 30 fps: longer than any rep (a 15 s hold and its ramps)
# Lying with the feet up (the feet-up variant) makes the shoulders-to-ankles line steep in a
# raised view; the torso alone still lies within this of the image's horizontal (or along the
# line of sight, seen from an end).
LYING_TORSO_MAX_DEG = 35.0
# Hips this far above the shoulder-ankle line (torso lengths) are a bridge, not judged; from
# half of it the neutral is not learned (the pelvis rolling in a rotation lifts it ~0.05).
BRIDGE = 0.2
HIPS_UP = "hips off the floor: not a trunk rotation"
BRIDGE_VIEW_MAX = 0.42  # bridges: up to 0.37 on glute_bridge; the rendered oblique camera 0.48
# Faults, against the neutral (rotation_features.image_values; torso lengths). Judged where they
# measure well (docs/analyzers/trunk_rotation.md): the feet from the side, the shoulders from
# the side and from an end, the knees apart from an end; none obliquely.
FEET_RISE = 0.1  # the ankles this much higher than at the neutral: about 5 cm
# The far shoulder this much higher, from the side and from an end (MediaPipe shows a third of a
# lift from the side)...
SHOULDER_ROLL = {"side": 0.04, "end": 0.1}
ROLL_OVER_PELVIS = 1.5  # ... and this many times as far as the pelvis rolled: the trunk turned
# The knees this much further apart, seen from an end: shoulders this wide in the image (torso
# lengths). From the side or obliquely, knees lowered one above the other look apart.
KNEE_GAP = 0.35
END_VIEW_MIN = 0.6
FAULT_KEYS = ("feet_rise", "shoulder_roll", "hip_roll", "knee_gap")
IMAGE_KEYS = ("knee_stack", *FAULT_KEYS)
STACK_MIN = 0.05  # torso lengths one knee must rise above the other to give the side
# The one cue a fault seen now gives, most important first.
FAULT_CUES = ((SHOULDER_LIFT, "Keep your shoulders down"), (FEET_OFF_FLOOR, "Keep your feet on the floor"),
              (KNEES_APART, "Keep your knees together"))
# The neutral is the knees up in the middle: not learned with them this far over (absolute
# world angle; MediaPipe's own offset at the middle is up to ~15 degrees).
MIDDLE_MAX_DEG = 40.0


@register
class TrunkRotationAnalyzer(ExerciseAnalyzer):
    """Counts trunk rotations per side, times each hold, reports range and faults."""

    name: ClassVar[str] = "trunk_rotation"
    min_hold = 0.0  # rocking: a rep with no hold is still a rep
    cut_rep_min_hold = 1.0
    gap = 1.0
    # Starts at 20 degrees, must reach the side threshold (30), ends back within 10 degrees of
    # the middle or a third of its own range (people come back only part of the way).
    cycle_params = {"on": 0.67, "off": 0.33, "dwell": 0.2, "hold_level": 0.8, "reach": 1.0,
                    "release": 0.3, "release_dwell": 0.15}
    neutral_settings = NeutralSettings(
        units={"knee_world_deg": WORLD_UNIT_DEG, "knee_rise": HEIGHT_UNIT, "knee_height": HEIGHT_UNIT},
        still={"knee_depth": DEPTH_STILL, **{k: 0.1 for k in IMAGE_KEYS}},
        max_noise=0.25,
        settle=0.35,  # people pause only briefly in the middle, and start soon after a cut
        warmup=0.0,
        calibration_drift=0.35,  # 10 degrees, 0.04 torso lengths: not a drop well under way
        max_rep_seconds=60.0,
        # No glitch guard: the knees cross the image in a fifth of a second when lowered quickly
        # seen from the feet end, and a one-frame jump cannot make a rep (dwell, reach).
        glitch_step=None,
        other_movement="moving too much for a trunk rotation",
    )

    def on_new_set(self) -> None:
        self._feet_up = False  # the feet off the floor, as last seen
        self._left_ref: np.ndarray | None = None  # the person's left in world landmarks
        self._frame0: tuple[np.ndarray, ...] | None = None  # the trunk's frame at the neutral

    def on_recalibrate(self) -> None:
        self._depth_now = math.nan
        self._side: str | None = None  # the side the knees are lowered to, once clear
        self._stack_now = math.nan
        # (t, world angle, knee stack, depth, drop) of the recent frames, to settle reps' sides.
        self._trail: deque[tuple[float, float, float, float, float]] = deque(maxlen=TRAIL_FRAMES)

    def _world_frame(self, pose: PoseFrame) -> tuple[np.ndarray, ...] | None:
        """The trunk's frame in world landmarks: the current one until the neutral is learned,
        then the neutral's, kept (its left kept from the set's first frame: `world_frame`)."""
        if not self.neutral_ready:
            self._frame0 = None
        elif self._frame0 is not None:
            return self._frame0
        frame = world_frame(pose, self._left_ref)
        if frame is not None and self._left_ref is None:
            self._left_ref = frame[2]
        if self.neutral_ready:
            self._frame0 = frame
        return frame

    def judge(self, pose: PoseFrame) -> str | None:
        if out_of_frame(pose, BODY):
            return BODY_NOT_VISIBLE
        body = posture(pose)
        if body == "standing" or (body == "unknown" and depth_share(pose) < END_ON_DEPTH
                                  and body_axis(pose).tilt_from_horizontal > LYING_TORSO_MAX_DEG):
            return NOT_LYING
        if body == "lying" and side_view_ratio(pose) < SIDE_VIEW_MAX and lying_face(pose) == "down":
            return NOT_SUPINE
        return None

    def measure(self, pose: PoseFrame) -> Reading | str:
        height, ankle = heights(pose)
        # (Unknown from an end, and while the knees are down level with the body: as before.)
        up = feet_up(height, ankle) if side_view_ratio(pose) < END_VIEW_MIN else None
        if up is not None:
            self._feet_up = up
        bridge = 0.0 if self._feet_up else self._bridge(pose)  # feet up, the hips cannot bridge
        if bridge > BRIDGE:
            self.abandon_rep()
            self.relearn_neutral()
            return HIPS_UP
        world = knee_world_deg(pose, self._world_frame(pose))
        rise = knee_rise(pose)
        near = self.facing_side(pose)
        depth = knee_depth(pose, near)
        if not all(math.isfinite(v) for v in (world, rise, depth)):
            return BODY_NOT_VISIBLE
        self._depth_now = depth
        values = image_values(pose)
        if len(values) != len(IMAGE_KEYS) or not all(math.isfinite(v) for v in values.values()):
            return BODY_NOT_VISIBLE
        self._stack_now = values["knee_stack"]
        faults = self._faults(pose, values)
        return Reading(features={"knee_world_deg": world, "knee_rise": rise, "knee_height": height,
                                 "knee_depth": depth, **values},
                       faults=faults,
                       learn=abs(world) < MIDDLE_MAX_DEG and bridge < 0.5 * BRIDGE)

    def _faults(self, pose: PoseFrame, values: dict[str, float]) -> frozenset[str]:
        """The faults seen now: the feet up (in the handouts' variant), and while the knees are
        lowered to a side, the far shoulder rolled up with them, the feet lifted, the knees apart."""
        out: set[str] = set()
        feet_down_prescribed = self.prescription.variant != FEET_UP
        if feet_down_prescribed and self._feet_up:
            out.add(FEET_OFF_FLOOR)
        if not self.neutral_ready or self._side is None:
            return frozenset(out)
        d = {k: values[k] - self.neutral_value(k) for k in FAULT_KEYS}
        away = 1.0 if self._side == "left" else -1.0  # the far shoulder rises this way
        roll, pelvis = away * d["shoulder_roll"], away * d["hip_roll"]
        ratio = side_view_ratio(pose)
        view = "side" if ratio < SIDE_VIEW_MAX else "end" if ratio >= END_VIEW_MIN else None
        if view and roll >= SHOULDER_ROLL[view] and roll >= ROLL_OVER_PELVIS * max(pelvis, 0.0):
            out.add(SHOULDER_LIFT)
        if feet_down_prescribed and view == "side" and d["feet_rise"] >= FEET_RISE:
            out.add(FEET_OFF_FLOOR)
        if view == "end" and d["knee_gap"] >= KNEE_GAP:
            out.add(KNEES_APART)
        return frozenset(out)

    @staticmethod
    def _bridge(pose: PoseFrame) -> float:
        """How far the hips lie above the shoulder-ankle line, torso lengths, in a view that shows
        it (across the image, from the side); 0 seen end-on, where the image cannot tell up, and
        obliquely, where a pelvis rolling onto its side with the knees reads the same."""
        if posture(pose) != "lying" or side_view_ratio(pose) > BRIDGE_VIEW_MAX:
            return 0.0
        sh, hip, ankle = (midpoint(pose, part) for part in ("shoulder", "hip", "ankle"))
        torso = float(np.linalg.norm(hip - sh))
        return signed_distance(hip, sh, ankle) / torso if torso > 0 else 0.0

    def score(self, dev: np.ndarray) -> Scored:
        """The drop (degrees) over FULL_DROP_DEG, toward the side it is seen to go."""
        world = float(dev[0]) * WORLD_UNIT_DEG
        # The legs turn about the hip-ankle line with the feet down, about the body's long axis
        # with them up (tabletop): the knees' height above that line falls as the cosine. With
        # the feet down the body line is read too: a raised camera sees a drop away from it
        # shorten the knees' height over it more. Holds are timed on the turning line alone (a
        # shoulder lifting tilts the body line, and the cosine off it with it).
        turning = self._cosine(dev, "knee_height" if self._feet_up else "knee_rise")
        cosine = turning if self._feet_up else max(turning, self._cosine(dev, "knee_height"))
        drop = max(abs(world), cosine)
        depth = self._depth_now - self.neutral_value("knee_depth")
        stack = self._stack_now - self.neutral_value("knee_stack")
        self._side = self._side_of(world, stack, depth, drop)
        if self._last_t is not None:
            self._trail.append((self._last_t, world, stack, depth, drop))
        return Scored(drop / FULL_DROP_DEG, timing=max(abs(world), turning) / FULL_DROP_DEG,
                      side=self._side, values={"range_deg": round(drop, 1), "world_deg": round(world, 1),
                              "depth": round(depth, 3)})

    def _cosine(self, dev: np.ndarray, key: str) -> float:
        """The drop (degrees) by the cosine law on one of the knees' heights, against the
        neutral's; 0 where the knees do not rise in the image (seen from the feet end)."""
        h0 = self.neutral_value(key)
        if abs(h0) < MIN_RISE:
            return 0.0
        h = h0 + float(dev[self.neutral_settings.keys.index(key)]) * HEIGHT_UNIT
        return math.degrees(math.acos(max(-1.0, min(1.0, h / h0))))

    def _world_says(self, world: float, drop: float) -> bool:
        """MediaPipe's 3-D angle registered the drop (it often misses one seen side-on)."""
        return abs(world) >= max(WORLD_MIN_DEG, WORLD_SHARE * drop)

    def _side_of(self, world: float, stack: float, depth: float, drop: float) -> str | None:
        """The side shown live, kept until the knees are back in the middle (to go from one side
        to the other they pass through it, and a rep keeps the side it began on): the first of
        the cues to say (`_side_told`). None in the middle and while none has said. The rep's
        side is settled on the whole rep (`rep_side`)."""
        if drop < self.cycle.off * FULL_DROP_DEG:
            return None
        if self._side is not None:
            return self._side
        return self._side_told(world if self._world_says(world, drop) else 0.0, stack, depth)

    def _side_told(self, world: float, stack: float, depth: float, must: bool = False) -> str | None:
        """The side from, in this order: MediaPipe's 3-D angle (when it registered the drop),
        which knee is on top, the near knee's depth; None when none is clear, unless `must`:
        then toward the camera when the stack and the depth both lean that way, else away from
        it (the knees lowered toward the camera show one above the other; lowered away, the near
        knee hides the far one)."""
        cues = ((world, 1e-9), (stack, STACK_MIN), (depth, DEPTH_MIN))
        for value, least in cues:
            if abs(value) >= least:
                return "left" if value > 0 else "right"
        near = self.facing.side
        if not must or near is None:
            return None
        toward = 1.0 if near == "left" else -1.0  # (left is +)
        if stack * toward > 0 and depth * toward > 0:
            return near
        return "left" if near == "right" else "right"

    def rep_side(self, rep: Rep) -> str | None:
        """The side of the whole rep, from its frames past the middle: the cues of `_side_told`,
        each averaged over the rep weighted by the drop (the first degrees of a drop toward the
        camera often read away from it in depth, rendered and real)."""
        frames = [f for f in self._trail
                  if rep.start <= f[0] <= rep.end and f[4] >= self.cycle.off * FULL_DROP_DEG]
        if not frames:
            return rep.side
        weight = sum(drop for *_, drop in frames)
        world = sum(w for _t, w, _s, _d, drop in frames if self._world_says(w, drop))
        stack = sum(s * drop for _t, _w, s, _d, drop in frames) / weight
        depth = sum(d * drop for _t, _w, _s, d, drop in frames) / weight
        return self._side_told(world, stack, depth, must=True) or rep.side

    def rep_faults(self, rep: Rep) -> list[Fault]:
        """Moving too fast: the way down or back (`ramp_times`) shorter than TOO_FAST_S."""
        frames = [(t, drop) for t, *_, drop in self._trail if rep.start - 2.0 <= t <= rep.end + 0.5]
        ramps = ramp_times(frames, float(rep.measured.get("range_deg", 0.0)))
        quick = [(a, b) for a, b, seconds in ramps if seconds < TOO_FAST_S]
        if not quick:
            return []
        rep.measured["fastest_way_s"] = round(min(seconds for *_, seconds in ramps), 2)
        start, end = min(a for a, _ in quick), max(b for _, b in quick)
        return [Fault(MOVING_TOO_FAST, round(start, 3), round(end, 3), self._messages[MOVING_TOO_FAST])]

    def cue(self, t: float, state: str, reading: Reading | None, hold: float | None,
            faults: frozenset[str]) -> str:
        side = reading.side if reading is not None else None
        target = self.prescription.hold
        for fault, words in FAULT_CUES:
            if fault in faults:
                return words
        if state == "calibrating":
            return "Lie still: knees bent and together"
        if state == "holding" and hold is not None and target:
            if hold < target:
                return f"Hold... {int(hold)} of {target:g} s" if hold >= 1 else "Hold..."
            return "Good hold - back to the middle"
        if state == "releasing" or (state == "holding" and not target):
            return "Back to the middle"
        if state == "moving" and side:
            return f"Lower both knees to the {side}"
        last = self.recent_rep(t)
        if last is not None and "fastest_way_s" in last.measured:  # (only a too fast one has it)
            return "Slower: about 2 s each way"
        if last is not None and last.side:
            return f"Now the {'right' if last.side == 'left' else 'left'}"
        counts = self.tally.by_side() or {}
        next_side = min(("left", "right"), key=lambda s: counts.get(s, 0))
        return f"Lower both knees to the {next_side}"


# Ramps are timed between 40 and 90 % of the way: near the middle the cosine law's angle is
# steep in the knees' height and MediaPipe's last few degrees come in a frame or two (on 56
# rendered ramps of 0.9-3.3 s: median error -0.15 s, nine in ten within 0.53 s). Of an
# eased (cosine) ramp, that is this share of its time.
RAMP_LO, RAMP_HI = 0.4, 0.9
EASED_SHARE = (math.acos(1 - 2 * RAMP_HI) - math.acos(1 - 2 * RAMP_LO)) / math.pi


def ramp_times(frames: list[tuple[float, float]], peak: float) -> list[tuple[float, float, float]]:
    """(start, end, seconds) of the way down and the way back of one rep from its (t, drop)
    frames: the crossings of RAMP_LO and RAMP_HI of `peak` (interpolated), scaled to the whole
    ramp (EASED_SHARE)."""
    if peak <= 0 or len(frames) < 3:
        return []
    lo, hi = RAMP_LO * peak, RAMP_HI * peak

    def cross(i: int, level: float) -> float:  # between frames i and i + 1
        (t0, d0), (t1, d1) = frames[i], frames[i + 1]
        return t0 if d1 == d0 else t0 + (level - d0) / (d1 - d0) * (t1 - t0)

    top = [i for i, (_t, d) in enumerate(frames) if d >= hi]
    if not top:
        return []
    first, last = top[0], top[-1]
    out = []
    below = [i for i in range(first) if frames[i][1] <= lo]
    if below and first > 0:
        a, b = cross(below[-1], lo), cross(first - 1, hi)
        out.append((a, b, (b - a) / EASED_SHARE))
    after = [i for i in range(last + 1, len(frames)) if frames[i][1] <= lo]
    if after:
        a, b = cross(last, hi), cross(after[0] - 1, lo)
        out.append((a, b, (b - a) / EASED_SHARE))
    return out
