"""Supine posterior pelvic tilt: each tilt, each hold timed against the prescription, bridges.

A side view shows a tilt as a small slide of the hip landmark along the body and a degree or two
of the trunk-thigh angle (`tilt_features`), measured against the neutral the framework learns
per set. The score is the larger of the two in full tilts, as long as the other does not move
against it by more than a full tilt. Arms moving (a hand over the hip drags its landmark) and
knees leaving their start position over the feet (a trunk-rotation knee drop) are other
movements; a bridge (the hips well above the shoulder-ankle line) is a fault that excludes any
tilt it touches. Tilts are judged only in a side view of a person lying on their back, knees
bent, feet on the floor; a bridge is flagged from any view that shows the body lying.
What was measured, and the known limits: docs/analyzers/pelvic_tilt.md.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from formcheck.analyzers.base import Prescription, Reading, Scored
from formcheck.analyzers.calibration import NeutralSettings
from formcheck.analyzers.framework import ExerciseAnalyzer
from formcheck.analyzers.geometry import (
    angle_deg, joint, lying_face, missing_landmarks, out_of_frame, posture, side_view_ratio,
    signed_distance,
)
from formcheck.analyzers.reasons import BODY_NOT_VISIBLE, NOT_LYING, NOT_SUPINE, WRONG_VIEW
from formcheck.analyzers.registry import HIPS_OFF_FLOOR, register
from formcheck.analyzers.signals import Hysteresis
from formcheck.landmarks import Landmark, PoseFrame

NOT_HOOK_LYING = "not in the start position: knees bent, feet on the floor"
ARMS_MOVING = "arms moving"
KNEES_MOVING = "knees moving: not a pelvic tilt"
KNEES_OFF = "knees_off_start"
# The measurements a rep reports (at its peak), in the units tilt_features gives them.
REPORTED = ("thigh_deg", "hip_caudal", "bridge")
ARM_KEYS = ("wrist_u", "wrist_n", "elbow_u", "elbow_n")
KNEE_KEYS = ("knee_u", "knee_n")
# The start position: the knees over the feet and the pelvis on the floor (its height above the
# shoulder-ankle line), learned with the set's first neutral.
START_KEYS = (*KNEE_KEYS, "bridge")

# The joints the judgement needs, both sides (MediaPipe still places occluded far-side joints).
BODY = tuple(
    Landmark[f"{s}_{p}"] for s in ("LEFT", "RIGHT") for p in ("SHOULDER", "HIP", "KNEE", "ANKLE")
)

# Change of each feature in a full posterior tilt (see tilt_features). The direction is
# anatomy's: the pelvis rotates the pubis toward the face, so the hip joint moves toward the head
# and the trunk-thigh angle opens; measured on the real side-view clip against its corrected
# label (0.025-0.03 torso lengths, 1.2-1.3 degrees), and what the rendered bodies do.
FULL_TILT: dict[str, float] = {"thigh_deg": 1.2, "hip_caudal": -0.025}


def tilt_features(pose: PoseFrame, side: str) -> dict[str, float]:
    """The side-view measurements, scale-free (degrees and torso lengths), on the `side` joints.

    - `thigh_deg`: angle at the hip between the trunk (hip->shoulder) and the thigh (hip->knee);
      a posterior tilt changes it by a degree or two;
    - `hip_caudal`: the hip's position along the body axis (shoulder->hip direction, i.e. toward
      the feet) measured from the ankle, in torso lengths; the feet stay planted, so this shows
      the pelvis sliding as it rotates (about 0.02-0.03 in a tilt);
    - `bridge`: how far the hip lies above the shoulder-ankle line, in torso lengths (about 0
      lying flat, 0.3-0.5 in a bridge);
    - `wrist_*`, `elbow_*`: where the arm lies in the body's frame, from the shoulder;
    - `knee_u`, `knee_n`: where the knee lies from the planted ankle, along the shoulder->ankle
      line and above it (its height, positive up). A tilt barely moves the knee over the foot
      (<= 0.04); knees dropping to a side (a trunk rotation) or lifting move it 0.15-0.25.
    """
    sh, hip, knee, ankle = pose.pixels([joint(p, side) for p in ("shoulder", "hip", "knee", "ankle")])
    axis = hip - sh
    torso = float(np.linalg.norm(axis))
    if not torso > 0:
        return {}
    u = axis / torso
    n = np.array([u[1], -u[0]])
    wrist, elbow = pose.pixels([joint("wrist", side), joint("elbow", side)])
    leg = ankle - sh
    leg_len = float(np.linalg.norm(leg))
    lu = leg / leg_len if leg_len > 0 else u
    return {
        "thigh_deg": angle_deg(sh, hip, knee),
        "hip_caudal": float(np.dot(hip - ankle, u)) / torso,
        "bridge": signed_distance(hip, sh, ankle) / torso,
        "wrist_u": float(np.dot(wrist - sh, u)) / torso, "wrist_n": float(np.dot(wrist - sh, n)) / torso,
        "elbow_u": float(np.dot(elbow - sh, u)) / torso, "elbow_n": float(np.dot(elbow - sh, n)) / torso,
        "knee_u": float(np.dot(knee - ankle, lu)) / torso,
        "knee_n": signed_distance(knee, sh, ankle) / torso,
    }


@register
class PelvicTiltAnalyzer(ExerciseAnalyzer):
    """Counts posterior pelvic tilts, times each hold, and flags bridges (see module docstring)."""

    name: ClassVar[str] = "pelvic_tilt"
    exclude_margin = 1.0  # the way into or out of a bridge passes through a tilt
    # A tilt held 0.3 s or more is a tilt, however short of the prescription (reported short);
    # under that it cannot be told from the knees swaying side to side with the pelvis, whose
    # landmarks move as a tilt's do for 0.06-0.2 s (rendered knee sways).
    min_hold = 0.3
    # Starts at 0.4 of a real-clip tilt; once a tilt has been seen, the next must reach 0.4 of
    # its plateau (MediaPipe often settles a quarter of a tilt off neutral after a release).
    cycle_params = {"on": 0.4, "off": 0.2, "dwell": 0.25, "hold_level": 0.85, "reach": 0.45,
                    "follow": 0.4, "release_dwell": 0.12,
                    "rejoin": 0.4}
    neutral_settings = NeutralSettings(
        units=FULL_TILT,
        still={k: 0.02 for k in START_KEYS},  # knees and pelvis still to this (torso lengths)
        other_movement="moving too much for a pelvic tilt",
        beyond=0.5,  # a tilt only goes one way from rest: half a tilt the other way is the rest
    )

    # How far (in full tilts) a feature may move against the score: the angle only corroborates.
    SLACK: ClassVar[dict[str, float]] = {"thigh_deg": 1.0, "hip_caudal": 1.0}
    OFF_SECONDS: ClassVar[float] = 0.2  # arms or knees away this long: another movement
    ARM_MOVE: ClassVar[float] = 0.12  # torso lengths a wrist or elbow moves: the arms moved
    # Torso lengths the knee may leave its place over the foot (a tilt moves it <= 0.04).
    KNEE_MOVE: ClassVar[float] = 0.1
    # Torso lengths the near hip may rise above its start height with the knees not rising: a
    # tilt lifts it by 0.01 (real clip) or not at all (rendered); knees lowered to a side turn
    # the pelvis and lift it 0.04-0.07 (rendered, raised camera).
    PELVIS_TURN: ClassVar[float] = 0.03
    # Seconds the knees must stay away from the start position before it is learned again
    # (longer than a trunk-rotation hold, 10-15 s).
    KNEE_REHOME: ClassVar[float] = 20.0
    # Hook-lying: feet on the floor (the hip not far below the shoulder-ankle line) and the
    # thigh at a bent-knee angle to the trunk.
    FEET_UP_BELOW: ClassVar[float] = -0.15
    THIGH_MIN_DEG: ClassVar[float] = 90.0
    # ... and the knees up: hook-lying puts them 0.57-0.72 torso lengths above the shoulder-ankle
    # line (measured on every side-view clip, real and rendered); lowered ~30 degrees to a side
    # they sink below 0.5 (rendered held twists: 0.38-0.46).
    KNEES_DOWN_BELOW: ClassVar[float] = 0.5
    SIDE_VIEW_MAX: ClassVar[float] = 0.35  # side view below this width ratio
    BRIDGE_ON, BRIDGE_OFF = 0.2, 0.12

    def __init__(self, prescription: Prescription | None = None) -> None:
        self._slack = np.array([self.SLACK[k] for k in FULL_TILT])
        super().__init__(prescription)

    def on_recalibrate(self) -> None:
        self._arms_at: np.ndarray | None = None  # where the arms lay when last still
        self._arms_since: float | None = None  # since when they are elsewhere

    def on_new_set(self) -> None:
        # A bridge is judged from any view and needs no neutral: it survives a stretch that could
        # not be judged, not a new set.
        self.bridge = Hysteresis(self.BRIDGE_ON, self.BRIDGE_OFF, dwell_on=0.2, dwell_off=0.2)
        # Where the knees lay over the feet at the set's first calibration: the start position.
        # Relearning the neutral does not move it (a knee drop held still would otherwise become
        # the neutral); only a new set, or KNEE_REHOME s with the knees elsewhere, forgets it.
        self._knee_home: np.ndarray | None = None
        self._knee_fault_on: frozenset[str] = frozenset()
        self._knees_since: float | None = None  # since when the knees are far from home

    def judge(self, pose: PoseFrame) -> str | None:
        # All four joints of both sides inside the image (MediaPipe extrapolates joints cut off
        # by the frame, as in a close-up), and the near side's, which are measured, seen.
        if out_of_frame(pose, BODY):
            return BODY_NOT_VISIBLE
        body = posture(pose)
        if body == "end-on":  # lying, filmed from the feet or the head
            return WRONG_VIEW
        if body != "lying":
            return NOT_LYING
        side = self.facing_side(pose)
        if missing_landmarks(pose, [joint(p, side) for p in ("shoulder", "hip", "knee", "ankle")], 0.5):
            return BODY_NOT_VISIBLE
        return None

    def measure(self, pose: PoseFrame) -> Reading | str:
        f = tilt_features(pose, self.facing_side(pose))
        if not f or any(math.isnan(v) for v in f.values()):
            return BODY_NOT_VISIBLE
        t = pose.t
        values = {k: round(f[k], 4) for k in REPORTED}
        edges: dict[str, float] = {}
        # The knees left the start position over the feet (lowered to a side, lifted): another
        # movement (a trunk rotation), whose first degrees swing the thigh angle and the hip like
        # a tilt. A fault that excludes any tilt near it, on every frame while they are away.
        knees_away = self._knees_gone(t, f)
        if knees_away and KNEES_OFF not in self._knee_fault_on:
            edges[KNEES_OFF] = self._knees_since  # type: ignore[assignment]
            self._knee_fault_on = frozenset({KNEES_OFF})
        if (f["bridge"] < self.FEET_UP_BELOW or f["thigh_deg"] < self.THIGH_MIN_DEG
                or f["knee_n"] < self.KNEES_DOWN_BELOW):
            self.relearn_neutral()
            return Reading(values=values, faults=self._knee_fault_on, fault_edges=edges,
                           cannot_judge=NOT_HOOK_LYING)
        # A bridge lifts the hips with the knees up over the feet; knees lowered to a side (a
        # lower trunk rotation) rotate the pelvis and raise the hip landmark without the hips
        # leaving the floor: never a bridge.
        if self.bridge.update(t, 0.0 if self._knees_lowered(f) else f["bridge"]):
            edges[HIPS_OFF_FLOOR] = self.bridge.since if self.bridge.since is not None else t
            if not self.bridge.active:
                self.relearn_neutral()  # after a bridge, find the neutral position again
        faults = (frozenset({HIPS_OFF_FLOOR}) if self.bridge.active else frozenset()) | self._knee_fault_on
        # A bridge is visible from an oblique view too; a tilt needs a side view of a supine body.
        if side_view_ratio(pose) > self.SIDE_VIEW_MAX:
            return Reading(faults=faults, fault_edges=edges, values=values, cannot_judge=WRONG_VIEW)
        if lying_face(pose) == "down":
            return Reading(faults=faults, fault_edges=edges, values=values, cannot_judge=NOT_SUPINE)
        features = {k: f[k] for k in (*FULL_TILT, *START_KEYS)}
        reading = Reading(features=features, faults=faults, fault_edges=edges, values=values,
                          learn=not self.bridge.active)
        if knees_away:  # the neutral is learned again once they are back
            self.relearn_neutral()
            self.abandon_rep()
            reading.cannot_judge = KNEES_MOVING
            return reading
        if self._knee_fault_on:  # the knees are back: the fault ends here
            edges[KNEES_OFF] = t
            reading.faults = reading.faults - self._knee_fault_on
            self._knee_fault_on = frozenset()
        if self.neutral_ready and self._arms_moved(t, f):
            # A hand over the hip or a raised arm shifts the hip landmark and the shoulder: the
            # neutral is learned again once they are still.
            self.relearn_neutral()
            self.abandon_rep()
            reading.cannot_judge = ARMS_MOVING
            return reading
        if self.neutral_ready and self._knee_home is None:
            self._knee_home = np.array([self.neutral_value(k) for k in START_KEYS])
        return reading

    def _knees_gone(self, t: float, f: dict[str, float]) -> bool:
        """The knees have been away from the start position over the feet, or the pelvis turned
        up off it with them, for OFF_SECONDS."""
        home = self._knee_home
        knee = np.array([f[k] for k in KNEE_KEYS])
        # (Knees moving forward while the hips rise are a bridge in the making: the bridge's own
        # fault. Knees lowered are not, whatever the hip does.)
        moved = (home is not None and not self.bridge.active
                 and (f["bridge"] < self.BRIDGE_OFF or self._knees_lowered(f))
                 and bool(np.linalg.norm(knee - home[:2]) > self.KNEE_MOVE))
        # Knees lowered away from a raised camera barely move in the image (the knee sinks and
        # goes away, which from above cancel), but the pelvis turns with them and lifts the near
        # hip above the shoulder-ankle line, without the knees rising as a bridge raises them;
        # a tilt moves the hip along the body, not up.
        turned = (home is not None and not self.bridge.active
                  and f["bridge"] - home[2] > self.PELVIS_TURN and f["knee_n"] <= home[1] + 0.02)
        moved = moved or turned
        if moved and self._knees_since is None:
            self._knees_since = t
        elif not moved:
            self._knees_since = None
        if self._knees_since is not None and t - self._knees_since >= self.KNEE_REHOME:
            self._knee_home = None  # the feet were placed elsewhere: a new start position
            self._knees_since = None
        return self._knees_since is not None and t - self._knees_since >= self.OFF_SECONDS

    def _knees_lowered(self, f: dict[str, float]) -> bool:
        """The knees sank toward the floor from the start position (dropped to a side)."""
        home = self._knee_home
        return home is not None and home[1] - f["knee_n"] > self.KNEE_MOVE

    def _arms_moved(self, t: float, f: dict[str, float]) -> bool:
        """The arms have been away from where they last lay still for OFF_SECONDS."""
        arms = np.array([f[k] for k in ARM_KEYS])
        if self._arms_at is None:
            self._arms_at = arms
        moved = bool(np.max(np.abs(arms - self._arms_at)) > self.ARM_MOVE)
        if moved and self._arms_since is None:
            self._arms_since = t
        elif not moved:
            self._arms_since = None
        if moved and self._arms_since is not None and t - self._arms_since >= self.OFF_SECONDS:
            self._arms_at = arms
            return True
        return False

    def score(self, dev: np.ndarray) -> Scored:
        """The tilt score: the hip's slide along the body, corroborated by the trunk-thigh angle.

        Either feature may carry the tilt (rendered bodies show it in one of them, depending on
        the body) as long as the other does not move against it by more than a full tilt
        (`SLACK`): a hand or an arm passing the hip pushes the hip landmark about with the angle
        going every which way, while a tilt moves the two together. A feature too noisy to judge
        here (NaN) is left out and the other carries the tilt alone. Only the posterior direction
        scores: an arched back (an anterior tilt) is not the exercise. Holds are timed on the
        mean of both features: the score (a minimum) saturates on the weaker one and blurs when
        the position is reached or left.
        """
        score = min(float(np.nanmax(dev)), float(np.nanmin(dev + self._slack)))
        return Scored(score, timing=float(np.nanmean(dev)), values={"tilt_score": round(score, 3)})

    def cue(self, t: float, state: str, reading: Reading | None, hold: float | None,
            faults: frozenset[str]) -> str:
        if HIPS_OFF_FLOOR in faults:
            return "Keep your hips on the floor"
        if KNEES_OFF in faults:
            return "Knees back up, feet flat: then flatten your back"
        target = self.prescription.hold
        if state == "calibrating":
            return "Lie still: finding your neutral position"
        if state == "holding" and hold is not None:
            if target and hold < target:
                return f"Hold... {int(hold)} of {target:g} s" if hold >= 1 else "Hold..."
            return "Good hold - now release"
        if state in ("moving", "releasing"):
            return "Flatten your back" if state == "moving" else "Release slowly"
        last = self.recent_rep(t)
        if last is not None:
            return "Good hold" if last.met else "Hold it longer next time"
        return "Flatten your back"
