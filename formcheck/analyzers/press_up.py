"""Prone press-up: each press-up, its top hold, its range of motion, and hips that stay down.

Seen from the side, a person lying face down presses the chest up by straightening the arms
while the pelvis stays on the floor. The floor is found from the body itself: the line through
where the near hand and the toes rest on it (`FloorLine`, learned per set), which holds for a
press-up, a push-up and a plank alike. Against it, per frame (`press_features`, scale-free):

- the shoulder's height: the score, 0 lying flat, 1 at the top of a full press-up (the arms
  extending lift it); a rep is down -> arms extending -> top -> down, and each set must first be
  seen lying flat, the chest down (a set that opens at the top, a plank, a push-up's hover
  make no press-up);
- the trunk's angle to the floor, on which each top hold is timed, and the elbow angle: the
  range of motion, reported per rep; a top with the arms short of straight is noted
  (`short_range`);
- the hip's height over its own height lying flat, and the knee's height: hips off the floor
  (`hips_off_floor`, voiding any rep it touches). Knees off the floor mean a push-up from the
  toes or a plank, whose hips are off the floor throughout.

The framework times each hold and keeps the account. Why a score of its own and not a learned
neutral, and what was measured: docs/analyzers/press_up.md.
"""

from __future__ import annotations

import math
from collections import deque
from typing import ClassVar

import numpy as np

from formcheck.analyzers.base import Fault, Prescription, Reading, Rep
from formcheck.analyzers.framework import ExerciseAnalyzer
from formcheck.analyzers.geometry import (
    angle_deg, joint, lying_face, missing_landmarks, out_of_frame, posture, side_view_ratio,
    signed_distance,
)
from formcheck.analyzers.reasons import BODY_NOT_VISIBLE, NOT_LYING, NOT_PRONE, WRONG_VIEW
from formcheck.analyzers.registry import HIPS_OFF_FLOOR, SHORT_RANGE, register
from formcheck.analyzers.signals import Hysteresis
from formcheck.landmarks import PoseFrame

SIDES = ("left", "right")
# The joints a press-up is judged on, both sides inside the image (MediaPipe extrapolates joints
# cut off by the frame), and the near side's seen; the hands and feet only rest on the floor, so
# they may lie just beyond the frame's edge, as the hand nearest a low camera often does.
CORE = tuple(joint(p, s) for s in SIDES for p in ("shoulder", "elbow", "hip", "knee"))
ENDS = tuple(joint(p, s) for s in SIDES for p in ("wrist", "ankle", "toe"))
EDGE_SLACK = 0.1  # share of the image the hands and feet may lie beyond its edge
SEEN = ("shoulder", "elbow", "wrist", "hip", "knee")
# The measurements a rep reports (at its top), in the units press_features gives them.
REPORTED = ("trunk_deg", "elbow_deg", "shoulder_height", "hip_height")


class FloorLine:
    """The floor in the image, from where the body rests on it: the near wrist and toes.

    Hands and toes stay planted through a press-up (and a push-up or a plank), so the floor is
    the line through the median of each over the last `window` seconds: steadier than one
    frame's landmarks, and it follows a camera that pans or a person who shifts. Learned anew
    in every set (`reset`).
    """

    def __init__(self, window: float = 3.0) -> None:
        self.window = window
        self.reset()

    def reset(self) -> None:
        self._points: deque[tuple[float, np.ndarray, np.ndarray]] = deque()

    def update(self, t: float, hand: np.ndarray, foot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Add a frame's contact points; returns the line as (foot end, hand end), pixels."""
        if np.all(np.isfinite(hand)) and np.all(np.isfinite(foot)):
            self._points.append((t, hand, foot))
        while len(self._points) > 1 and t - self._points[0][0] > self.window:
            self._points.popleft()
        if not self._points:
            return foot, hand
        hands = np.median(np.stack([p[1] for p in self._points]), axis=0)
        feet = np.median(np.stack([p[2] for p in self._points]), axis=0)
        return feet, hands


def press_features(pose: PoseFrame, side: str, floor: tuple[np.ndarray, np.ndarray]) -> dict[str, float]:
    """The side-view measurements on the `side` joints against the floor line (foot -> hand):

    - `shoulder_height`, `hip_height`, `knee_height`: each joint's height above the floor line,
      in torso lengths (shoulder to hip); lying flat about 0.15-0.3, 0.15-0.2 and 0-0.1;
    - `trunk_deg`: the trunk's (hip -> shoulder) angle above the floor line, degrees;
    - `elbow_deg`: the elbow angle (180 = straight).
    """
    sh, el, wr, hip, knee = pose.pixels([joint(p, side) for p in ("shoulder", "elbow", "wrist", "hip", "knee")])
    torso = float(np.linalg.norm(hip - sh))
    foot, hand = floor
    along = hand - foot
    if not torso > 0 or not np.linalg.norm(along) > 0:
        return {}
    heights = [signed_distance(p, foot, hand) for p in (sh, hip, knee)]
    run = float(np.dot(sh - hip, along)) / float(np.linalg.norm(along))
    return {
        "shoulder_height": heights[0] / torso,
        "hip_height": heights[1] / torso,
        "knee_height": heights[2] / torso,
        "trunk_deg": math.degrees(math.atan2(heights[0] - heights[1], run)),
        "elbow_deg": angle_deg(sh, el, wr),
    }


@register
class PressUpAnalyzer(ExerciseAnalyzer):
    """Counts prone press-ups, times each top hold, reports the range, flags hips off the floor."""

    name: ClassVar[str] = "press_up"
    # A full press-up lifts the shoulders from about SHOULDER_DOWN to SHOULDER_DOWN +
    # SHOULDER_RANGE torso lengths above the floor (score 0 -> 1).
    SHOULDER_DOWN: ClassVar[float] = 0.25
    SHOULDER_RANGE: ClassVar[float] = 0.7
    TRUNK_TOP_DEG: ClassVar[float] = 50.0  # the trunk's angle at the top: holds are timed on it
    cycle_params = {"on": 0.45, "off": 0.25, "dwell": 0.2, "hold_level": 0.85, "reach": 0.7,
                    "release": 0.3, "release_dwell": 0.15, "plateau_share": 0.8}
    # The trunk turns ~45 degrees in a press-up: quickly (0.6 s) at 10 fps, 12 degrees between
    # frames, the framework's threshold for a camera cut; a cut also moves, grows or turns the
    # body's view, which the other thresholds still catch.
    set_params = {"turn_jump": 30.0}
    ELBOW_STRAIGHT: ClassVar[float] = 150.0  # degrees at the top below which the range is short
    SIDE_VIEW_MAX: ClassVar[float] = 0.35  # side view below this width ratio
    # Hips off the floor, each criterion as (height at rest, height that is surely off), torso
    # lengths: the hip over its height lying flat in this set; the hip itself when the set has
    # shown no flat lying; the knee (off the floor: a plank or a push-up from the toes).
    HIP_RISE: ClassVar[tuple[float, float]] = (0.0, 0.12)
    HIP_HEIGHT: ClassVar[tuple[float, float]] = (0.15, 0.3)
    KNEE_HEIGHT: ClassVar[tuple[float, float]] = (0.08, 0.22)
    # A lift is the whole excursion above this share of the way to "surely off" that reaches it.
    LIFT_OFF: ClassVar[float] = 0.5
    FLAT_TRUNK_DEG: ClassVar[float] = 8.0  # the trunk this close to the floor, knees down: lying flat
    FLAT_WINDOW: ClassVar[float] = 4.0  # the hip's rest height: over the last 4 s lying flat

    def __init__(self, prescription: Prescription | None = None) -> None:
        self.floor = FloorLine()
        super().__init__(prescription)

    def on_new_set(self) -> None:
        # The floor, the hip's height lying flat and which way up the person lies belong to
        # where the body and the camera are: learned again in each set.
        self.floor.reset()
        self._face: str | None = None
        self._flat_hips: deque[tuple[float, float]] = deque()
        self.lift = Hysteresis(1.0, self.LIFT_OFF, dwell_on=0.2, dwell_off=0.2)
        self._lift_low: float | None = None  # last time the lift was below LIFT_OFF

    def on_recalibrate(self) -> None:
        # A rep must be seen from the floor: not in a set that opens at the top, nor after a
        # stretch that could not be judged.
        self._seen_down = False

    def judge(self, pose: PoseFrame) -> str | None:
        if out_of_frame(pose, CORE) or out_of_frame(pose, ENDS, margin=-EDGE_SLACK):
            return BODY_NOT_VISIBLE
        body = posture(pose)
        if body == "end-on":  # filmed from the head or the feet: the pelvis is hidden
            return WRONG_VIEW
        if body != "lying":
            return NOT_LYING
        if side_view_ratio(pose) > self.SIDE_VIEW_MAX:
            return WRONG_VIEW
        side = self.facing_side(pose)
        if missing_landmarks(pose, [joint(p, side) for p in SEEN], 0.5):
            return BODY_NOT_VISIBLE
        return None

    def measure(self, pose: PoseFrame) -> Reading | str:
        t = pose.t
        side = self.facing_side(pose)
        hand, foot = pose.pixels([joint("wrist", side), joint("toe", side)])
        f = press_features(pose, side, self.floor.update(t, hand, foot))
        if not f or any(math.isnan(v) for v in f.values()):
            return BODY_NOT_VISIBLE
        score = (f["shoulder_height"] - self.SHOULDER_DOWN) / self.SHOULDER_RANGE
        face = lying_face(pose)
        # The head is raised at the top of a press-up, so which way the body faces is judged
        # lying down; until it has been, a face up is taken at its word (lying on the back, the
        # feet up on a tabletop, lifts the shoulders off any floor line the hands and feet draw).
        if face is not None and (score < 0.3 or self._face is None):
            self._face = face
        values = {k: round(f[k], 4) for k in REPORTED}
        values["press_score"] = round(score, 3)
        faults, edges, lift = self._hips(t, f)
        if self._face == "up":
            return Reading(values=values, cannot_judge=NOT_PRONE)
        if f["trunk_deg"] <= self.FLAT_TRUNK_DEG and lift < self.LIFT_OFF and not faults:
            self._seen_down = True  # lying flat, the chest on the floor (not a push-up's bottom)
        if not self._seen_down:
            score = min(score, 0.0)  # not yet seen down: whatever this is, it is no press-up
        # Holds are timed on the trunk's angle: the shoulder's height, a sine of it, saturates
        # near the top and reads a hold long (docs/analyzers/press_up.md).
        return Reading(score=score, faults=faults, fault_edges=edges, values=values,
                       timing=f["trunk_deg"] / self.TRUNK_TOP_DEG)

    def _hips(self, t: float, f: dict[str, float]) -> tuple[frozenset[str], dict[str, float], float]:
        """Hips off the floor now, the time a lift began or ended when it is confirmed, and the
        lift itself.

        The lift is the largest of the criteria (`HIP_RISE` or `HIP_HEIGHT`, `KNEE_HEIGHT`),
        each as a share of the way from rest to surely off; it is on at 1 (for 0.2 s), dated
        back to when it last was below LIFT_OFF, and off once below LIFT_OFF (for 0.2 s).
        """
        flat = self._flat_hips
        if (f["trunk_deg"] <= self.FLAT_TRUNK_DEG and f["knee_height"] < self.KNEE_HEIGHT[1]
                and not self.lift.active):
            flat.append((t, f["hip_height"]))  # lying flat: the hip's rest height, kept while up
            while t - flat[0][0] > self.FLAT_WINDOW:
                flat.popleft()
        if flat:
            rest, off = self.HIP_RISE
            hip = f["hip_height"] - float(np.median([h for _, h in flat]))
        else:
            rest, off = self.HIP_HEIGHT
            hip = f["hip_height"]
        knee_rest, knee_off = self.KNEE_HEIGHT
        lift = max((hip - rest) / (off - rest), (f["knee_height"] - knee_rest) / (knee_off - knee_rest))
        if lift <= self.LIFT_OFF:
            self._lift_low = t
        edges: dict[str, float] = {}
        if self.lift.update(t, lift):
            since = self.lift.since if self.lift.since is not None else t
            if self.lift.active and self._lift_low is not None:
                since = min(since, self._lift_low)
            edges[HIPS_OFF_FLOOR] = since
        return (frozenset({HIPS_OFF_FLOOR}) if self.lift.active else frozenset()), edges, lift

    def rep_faults(self, rep: Rep) -> list[Fault]:
        elbow = rep.measured.get("elbow_deg")
        if elbow is not None and elbow < self.ELBOW_STRAIGHT:
            start = rep.measured.get("hold_start", rep.start)
            end = max(rep.measured.get("hold_end", rep.end), start)
            return [Fault(SHORT_RANGE, start, end, self.spec.fault(SHORT_RANGE).message)]
        return []

    def cue(self, t: float, state: str, reading: Reading | None, hold: float | None,
            faults: frozenset[str]) -> str:
        if HIPS_OFF_FLOOR in faults:
            return "Keep your hips on the floor"
        values = reading.values if reading is not None else {}
        if not self._seen_down:
            return "Lie face down, hands under your shoulders"
        short = values.get("elbow_deg", 180.0) < self.ELBOW_STRAIGHT
        target = self.prescription.hold
        if state == "holding":
            if short:
                return "Straighten your arms more"
            if hold is not None and target and hold < target:
                return f"Hold... {int(hold)} of {target:g} s" if hold >= 1 else "Hold..."
            return "Good hold - lower down slowly"
        if state == "releasing":
            return "Lower down slowly"
        if state == "moving":
            return "Straighten your arms, hips down"
        last = self.recent_rep(t)
        if last is not None:
            if last.hold_met is False:
                return "Hold at the top longer next time"
            if not last.met:  # held long enough: voided by the hips
                return "Keep your hips on the floor next time"
            if last.measured.get("elbow_deg", 180.0) < self.ELBOW_STRAIGHT:
                return "Straighten your arms more next time"
            return "Good press-up"
        return "Press up: straighten your arms, hips down"
