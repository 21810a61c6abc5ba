"""Supine posterior pelvic tilt: each tilt, each hold timed against the prescription, bridges.

What a side view shows of a posterior pelvic tilt is small. Measured with MediaPipe (full
model) on a real side-view clip (pelvic_tilt_side): a tilt slides the hip landmark toward the
planted feet by about 0.03 torso lengths and closes the trunk-thigh angle by about 1.3 degrees,
while the neutral frame-to-frame jitter is about 0.0005 torso lengths and 0.03 degrees. So:

- the tilt is measured against a *neutral baseline* learned per set from a still second
  (`signals.Baseline`), in those two features (`tilt_features`), each divided by the change a
  full tilt makes (`FULL_TILT`);
- the score (0 = neutral, 1 = a full tilt) is the larger of the two, provided the other does
  not move against it by more than a full tilt: on the real clip both move together, while
  rendered bodies (formcheck synth) show a tilt in only one of them, which one depending on the
  body (the hip only; the angle only, opening ~1.2 degrees; or half a tilt in both);
- rendered bodies move the features the other way round (hip toward the head, angle opening),
  so both directions are scored until the session's first counted tilt fixes the direction;
- arms moving (supine_arm_raises: a hand passing the hip drags the hip landmark) and knees
  leaving their start position over the feet (a trunk-rotation knee drop, whose first degrees
  swing the hip and angle like a tilt) are other movements: not judged, and the knees' one is a
  fault (`knees_off_start`) that voids any tilt it touches, like a bridge;
- a landmark jump of several tilts in one frame (a tracking glitch) and its smoothed tail,
  which MediaPipe takes a second to forget, start nothing (the jumps once seen at the start of
  every rendered tilt were the renderer's own, since fixed; the guard stays for real trackers);
- the framework's hysteresis + dwell turns the score into reps and times each hold;
- when the neutral jitter is a sizeable part of a tilt the analyzer says "cannot judge: signal
  below the noise" rather than count noise; a change far bigger than a tilt is another movement
  and the neutral is learned again;
- a bridge is a different movement: the hips rise well above the shoulder-ankle line (the index
  the labels use, in torso lengths). It is a fault ("hips_off_floor"), and a movement that
  overlaps it, or ends or starts within a second of it, is never counted as a tilt.
Tilts are judged only in a side view of a person lying on their back in the start position
(knees bent, feet on the floor); a bridge is flagged from any view that shows the body lying,
because it is plain to see.

Known limits (measured on the rendered pelvic tilt matrix: 20 clips, 3 bodies and 2 more, side
and raised-side cameras, slow/normal/fast; with the CI clips, samples and the real clip, 55
holds): every count exact but one, every matched hold judged long enough or short correctly; 45
of 55 holds within 0.3 s (median error 0.13 s), slow tempo the worst (11/18, up to +0.85 s). The
hold estimator (`RepCycle.hold_of`) assumes an eased ramp; what it cannot remove is how late
MediaPipe shows the middle of each ramp, which varies by up to half a second between the ramps
of one clip. Most of that lag is MediaPipe's own landmark filter (One Euro, min cutoff 0.05 Hz,
beta 80, in VIDEO mode): the middle of a rise shows 0.18 s late on average (sd 0.11), of a
release 0.12 s (sd 0.21), over 106 rendered ramps. The filter can be undone exactly frame by
frame (branch wip/unsmoothing; measured: the recovered landmarks put those middles within 0.06 s
on average, sd 0.10 and 0.08), but they jitter 3-4 times more, and timing them needs a ramp fit;
with a cosine fit 48 of 55 holds come within 0.3 s instead of 45, while the real clip's second
hold goes from -0.28 to -0.40 s. Two labelled real holds cannot say whether that trade is right,
so it is not taken. Undoing the filter removes the bias (ramp ends 0.22 and 0.17 s late on
average -> 0.02 and 0.06 s) but not the scatter: either way each ramp end is placed to +-0.14 s
(sd, cosine fit) and a hold to +-0.21 s, so about one hold in seven reads more than 0.3 s off
whatever the estimator. The miss: in side_bridge_mixed the arms' reference, taken before the
bridge, made the first frame after the new neutral read "arms moving"; the neutral was learned
again during the next held tilt, so that tilt's release read as a tilt the other way and it was
lost (a neutral learned mid-hold). Left alone: taking the arms' reference with each neutral
removes that, but the neutral then learned 1.4 s after the bridge sits a full tilt off
(MediaPipe still settling), and the release reads as another tilt; guarding the neutral after a
bridge needs real clips of it. A knee drop toward a raised camera hardly moves the knee in the
image and its angle swing can be taken for a tilt.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from formcheck.analyzers import register
from formcheck.analyzers.base import Prescription, Rep
from formcheck.analyzers.framework import ExerciseAnalyzer, Reading
from formcheck.analyzers.signals import (
    BELOW_NOISE, BODY_NOT_VISIBLE, NOT_LYING, NOT_SUPINE, WRONG_VIEW, Baseline, Hysteresis,
    angle_deg, facing_side, joint, lying_face, make_filter, missing_landmarks, out_of_frame,
    posture, side_view_ratio, signed_distance,
)
from formcheck.landmarks import Landmark, PoseFrame

HIPS_OFF_FLOOR = "hips_off_floor"
NOT_HOOK_LYING = "not in the start position: knees bent, feet on the floor"
OTHER_MOVEMENT = "moving too much for a pelvic tilt"
ARMS_MOVING = "arms moving"
# The measurements a rep reports (at its peak), in the units tilt_features gives them.
REPORTED = ("thigh_deg", "hip_caudal", "bridge")
ARM_KEYS = ("wrist_u", "wrist_n", "elbow_u", "elbow_n")
KNEE_KEYS = ("knee_u", "knee_n")
KNEES_MOVING = "knees moving: not a pelvic tilt"
KNEES_OFF = "knees_off_start"

# The joints the judgement needs, both sides (MediaPipe still places occluded far-side joints).
BODY = tuple(
    Landmark[f"{s}_{p}"] for s in ("LEFT", "RIGHT") for p in ("SHOULDER", "HIP", "KNEE", "ANKLE")
)


def tilt_features(pose: PoseFrame, side: str) -> dict[str, float]:
    """The side-view measurements, scale-free (degrees and torso lengths), on the `side` joints.

    - `thigh_deg`: angle at the hip between the trunk (hip->shoulder) and the thigh (hip->knee);
      a posterior tilt changes it by a degree or two;
    - `hip_caudal`: the hip's position along the body axis (shoulder->hip direction, i.e. toward
      the feet) measured from the ankle, in torso lengths; the feet stay planted, so this shows
      the pelvis sliding as it rotates (about 0.02-0.03 in a tilt);
    - `bridge`: how far the hip lies above the shoulder-ankle line, in torso lengths (about 0
      lying flat, 0.3-0.5 in a bridge);
    - `knee_u`, `knee_n`: where the knee lies from the planted ankle, along and across the
      shoulder->ankle line, in torso lengths. A tilt barely moves the knee over the foot (0.02
      on the real clip, at most 0.04 on rendered bodies); knees dropping to a side (a trunk
      rotation) or lifting move it 0.15-0.25.
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
    ln = np.array([lu[1], -lu[0]])
    return {
        "thigh_deg": angle_deg(sh, hip, knee),
        "hip_caudal": float(np.dot(hip - ankle, u)) / torso,
        "bridge": signed_distance(hip, sh, ankle) / torso,
        # where the arm lies in the body's frame (torso lengths from the shoulder)
        "wrist_u": float(np.dot(wrist - sh, u)) / torso, "wrist_n": float(np.dot(wrist - sh, n)) / torso,
        "elbow_u": float(np.dot(elbow - sh, u)) / torso, "elbow_n": float(np.dot(elbow - sh, n)) / torso,
        "knee_u": float(np.dot(knee - ankle, lu)) / torso, "knee_n": float(np.dot(knee - ankle, ln)) / torso,
    }


@register
class PelvicTiltAnalyzer(ExerciseAnalyzer):
    """Counts posterior pelvic tilts, times each hold, and flags bridges (see module docstring)."""

    name: ClassVar[str] = "pelvic_tilt"
    title: ClassVar[str] = "Pelvic tilt"
    default_prescription: ClassVar[Prescription] = Prescription(reps=10, hold=3.0, hold_max=5.0)
    rep_voiding_faults = frozenset({HIPS_OFF_FLOOR, KNEES_OFF})
    voiding_margin = 1.0  # the way into or out of a bridge passes through a tilt
    min_hold = 0.5  # under half a second "held" cannot be told from landmark jitter
    fault_messages = {HIPS_OFF_FLOOR: "hips off the floor (a bridge, not a tilt)",
                      KNEES_OFF: "knees moved off the start position (not a tilt)"}
    # Starts at 0.4 of a real-clip tilt (rendered bodies show 0.5-0.8 of one); once a tilt has
    # been seen, the next must reach 0.4 of its plateau: MediaPipe's landmarks often settle a
    # quarter of a tilt off neutral after a release, which must not start another.
    cycle_params = {"on": 0.4, "off": 0.2, "dwell": 0.25, "hold_level": 0.85, "reach": 0.45,
                    "follow": 0.4, "release_dwell": 0.12}
    # Extra smoothing of the features. None by default: measured on real clips, MediaPipe's
    # VIDEO-mode output already jitters ~40x less than a tilt moves (see the module docstring);
    # e.g. ("one_euro", {"min_cutoff": 1.0, "beta": 0.0}) for a noisy source.
    smoothing: ClassVar[tuple[str, dict[str, float]]] = ("none", {})

    # Change of each feature in a full posterior tilt (see tilt_features), with the signs
    # measured on a real person (pelvic_tilt_side); rendered bodies move both the other way
    # round, so both directions are scored (see the module docstring).
    FULL_TILT: ClassVar[dict[str, float]] = {"thigh_deg": -1.2, "hip_caudal": 0.025}
    # How far (in full tilts) a feature may lag behind the score: the angle only corroborates
    # (it must not move against the hip's slide by more than a full tilt). 0.4 missed a
    # rendered tilt whose angle stayed put; arm movements are caught by ARM_MOVE instead.
    SLACK: ClassVar[dict[str, float]] = {"thigh_deg": 1.0, "hip_caudal": 1.0}
    # A feature's neutral jitter, in full tilts, above which a tilt cannot be told from noise.
    MAX_NOISE: ClassVar[float] = 0.2
    # A change of more than this many full tilts in any feature is another movement (shifting
    # on the mat, legs moving): not judged, and the neutral position is learned again. Not
    # lower: rendered tilts filmed from a raised camera open the thigh angle by up to 8 full
    # (real-clip) tilts, and 4 refused them all; legs and arms have their own gates.
    MAX_DEVIATION: ClassVar[float] = 12.0
    GLITCH_SECONDS: ClassVar[float] = 0.2  # shorter excursions beyond it are landmark glitches
    # A change of more than GLITCH_STEP full tilts between two frames (at most GLITCH_FRAME_GAP
    # s apart) is a tracking glitch: a tilt ramp moves the features about 0.1 full tilts a
    # frame (up to 1 on raised-camera rendered bodies); the rendered glitches this was measured
    # on (a renderer bug, since fixed) jumped 4-15. No tilt may start for GLITCH_RECOVERY s after one (MediaPipe's smoothing decays it
    # over about a second).
    GLITCH_STEP: ClassVar[float] = 3.0
    GLITCH_FRAME_GAP: ClassVar[float] = 0.1
    GLITCH_RECOVERY: ClassVar[float] = 1.0
    ARM_MOVE: ClassVar[float] = 0.12  # torso lengths a wrist or elbow moves: the arms moved
    # Torso lengths the knee may leave its neutral place over the foot: a tilt moves it <= 0.04
    # (real and rendered, see tilt_features), a knee drop or lift 0.15 and more.
    KNEE_MOVE: ClassVar[float] = 0.1
    KNEE_DRIFT: ClassVar[float] = 0.02  # calibration: the knee still to this (torso lengths)
    # Seconds the knees must stay away from the start position before it is learned again
    # (longer than a trunk-rotation hold, 10-15 s).
    KNEE_REHOME: ClassVar[float] = 20.0
    # The neutral follows slow drift only from frames with every feature within this many
    # full tilts of it.
    NEUTRAL_BAND: ClassVar[float] = 0.2
    # Hook-lying: feet on the floor (the hip not far below the shoulder-ankle line, i.e. the
    # ankles not lifted) and the thigh at a bent-knee angle to the trunk.
    FEET_UP_BELOW: ClassVar[float] = -0.15
    THIGH_MIN_DEG: ClassVar[float] = 90.0

    # Calibration needs a still second: no feature drifting by more than this many full tilts.
    CALIBRATION_DRIFT: ClassVar[float] = 0.3
    # MediaPipe's tracker settles over the first frames of a person (landmarks drift by a
    # third of a tilt in ~0.3 s on rendered clips): not used for calibration.
    TRACKER_WARMUP: ClassVar[float] = 0.3
    # A rep longer than this (or 3 x the longest prescribed hold) was measured from a wrong neutral.
    MAX_REP_SECONDS: ClassVar[float] = 20.0
    REBASE_AFTER: ClassVar[float] = 6.0
    # Side view below this width ratio (signals.side_view_ratio).
    SIDE_VIEW_MAX: ClassVar[float] = 0.35
    BRIDGE_ON, BRIDGE_OFF = 0.2, 0.12

    def __init__(self, prescription: Prescription | None = None) -> None:
        super().__init__(prescription)
        self.polarity: int | None = None  # fixed by the session's first counted tilt
        self.set_began()
        self._slack = np.array([self.SLACK[k] for k in self.FULL_TILT])
        self._rep_sign: int | None = None
        self._sign_now = 1
        self.new_set()

    def new_set(self) -> None:
        full = np.abs(np.array(list(self.FULL_TILT.values())))
        # The neutral holds the tilt features and, after them, where the knee lies over the foot.
        drift = np.concatenate([self.CALIBRATION_DRIFT * full, [self.KNEE_DRIFT] * len(KNEE_KEYS)])
        self.baseline = Baseline(window=4.0, settle=1.0, max_drift=drift)
        self.smooth = make_filter(self.smoothing[0], **self.smoothing[1])
        self.bridge = Hysteresis(self.BRIDGE_ON, self.BRIDGE_OFF, dwell_on=0.2, dwell_off=0.2)
        self.noisy = Hysteresis(self.MAX_NOISE, 0.75 * self.MAX_NOISE, dwell_on=0.3)
        self.side: str | None = None
        self._side_votes: dict[str, int] = {"left": 0, "right": 0}
        self._voted_at: float | None = None
        self._rest_seen: float | None = None  # last time at rest near neutral
        self._first_t: float | None = None  # first frame measured in this set
        self._wild_since: float | None = None  # since when the features are far off
        self._arms_at: np.ndarray | None = None  # where the arms lay when last still
        self._prev: tuple[float, np.ndarray] | None = None  # last frame's tilt features
        self._glitch_at: float | None = None  # last landmark jump no body can make in a frame
        self._arms_since: float | None = None  # since when they are elsewhere

    def set_began(self) -> None:
        # Where the knees lay over the feet at the set's first calibration: the start position.
        # Relearning the neutral (after a long cannot-judge stretch too) does not move it: a
        # knee drop held still would otherwise become the neutral and its settling be read as
        # tilts. Only a new set, or KNEE_REHOME s with the knees elsewhere, forgets it.
        self._knee_home: np.ndarray | None = None
        self._knee_fault_on: frozenset[str] = frozenset()
        self._knees_since: float | None = None  # since when the knees are far from home

    def _near_side(self, pose: PoseFrame) -> str:
        """The side facing the camera: voted over the calibration, then fixed for the set
        (switching joints mid-set would shift every feature against the baseline)."""
        if (not self.baseline.ready or self.side is None) and pose.t != self._voted_at:
            self._voted_at = pose.t
            vote = facing_side(pose)
            if vote:
                self._side_votes[vote] += 1
            self.side = max(self._side_votes, key=lambda k: self._side_votes[k])
        return self.side

    def judge(self, pose: PoseFrame) -> str | None:
        # All four joints of both sides inside the image (MediaPipe extrapolates joints cut off
        # by the frame, as in a close-up), and the near side's, which are measured, seen. The
        # far side's are often hidden behind the near leg in a side view: that is fine.
        if out_of_frame(pose, BODY):
            return BODY_NOT_VISIBLE
        body = posture(pose)
        if body == "end-on":  # lying, filmed from the feet or the head
            return WRONG_VIEW
        if body != "lying":
            return NOT_LYING
        side = self._near_side(pose)
        if missing_landmarks(pose, [joint(p, side) for p in ("shoulder", "hip", "knee", "ankle")], 0.5):
            return BODY_NOT_VISIBLE
        return None

    def measure(self, pose: PoseFrame) -> Reading | str:
        side = self._near_side(pose)
        f = tilt_features(pose, side)
        if not f or any(math.isnan(v) for v in f.values()):
            return BODY_NOT_VISIBLE
        t = pose.t
        values = {k: round(f[k], 4) for k in REPORTED}
        if f["bridge"] < self.FEET_UP_BELOW or f["thigh_deg"] < self.THIGH_MIN_DEG:
            self.baseline.reset()
            return Reading(score=math.nan, values=values, cannot_judge=NOT_HOOK_LYING)
        edges: dict[str, float] = {}
        if self.bridge.update(t, f["bridge"]):
            edges[HIPS_OFF_FLOOR] = self.bridge.since if self.bridge.since is not None else t
            if not self.bridge.active:
                self.baseline.reset()  # after a bridge, find the neutral position again
        faults = frozenset({HIPS_OFF_FLOOR}) if self.bridge.active else frozenset()
        # A bridge is visible from an oblique view too; a tilt needs a side view of a supine body.
        if side_view_ratio(pose) > self.SIDE_VIEW_MAX:
            return Reading(score=math.nan, faults=faults, fault_edges=edges, values=values,
                           cannot_judge=WRONG_VIEW)
        if lying_face(pose) == "down":
            return Reading(score=math.nan, faults=faults, fault_edges=edges, values=values,
                           cannot_judge=NOT_SUPINE)
        keys = list(self.FULL_TILT)
        vec = np.asarray(self.smooth(t, np.array([f[k] for k in keys])))
        full = np.array([self.FULL_TILT[k] for k in keys])
        knee = np.array([f[k] for k in KNEE_KEYS])
        both = np.concatenate([vec, knee])  # what the baseline learns
        nk = len(keys)
        if self._first_t is None:
            self._first_t = t
        # (Knees moving while the hips rise are a bridge in the making: the bridge's own fault.)
        knees_moved = (self._knee_home is not None and not self.bridge.active
                       and f["bridge"] < self.BRIDGE_OFF
                       and bool(np.linalg.norm(knee - self._knee_home) > self.KNEE_MOVE))
        if knees_moved and self._knees_since is None:
            self._knees_since = t
        elif not knees_moved:
            self._knees_since = None
        if self._knees_since is not None and t - self._knees_since >= self.KNEE_REHOME:
            self._knee_home = None  # the feet were placed elsewhere: a new start position
            self._knees_since = None
        if self._knees_since is not None and t - self._knees_since >= self.GLITCH_SECONDS:
            # The knees left the start position over the feet (dropped to a side, lifted): that
            # is another movement (a trunk rotation), whose first degrees swing the thigh angle
            # and the hip landmark like a tilt. A fault that voids any tilt it touches (even
            # one that ended just before: `voiding_margin`); the neutral is learned again.
            if KNEES_OFF not in self._knee_fault_on:
                edges[KNEES_OFF] = self._knees_since
                self._knee_fault_on = frozenset({KNEES_OFF})
            self.baseline.reset()
            self.cycle.cut()
            return Reading(score=math.nan, faults=faults | self._knee_fault_on, fault_edges=edges,
                           values=values, cannot_judge=KNEES_MOVING)
        if self._knee_fault_on:
            edges[KNEES_OFF] = t
            self._knee_fault_on = frozenset()
        if not self.baseline.ready:
            if not self.bridge.active and t - self._first_t >= self.TRACKER_WARMUP:
                self.baseline.update(t, both)
                if self.baseline.ready:
                    self._rest_seen = t  # REBASE_AFTER counts from this neutral, not an older one
            jitter = self.baseline.noise[:nk] / np.abs(full)
            if np.all(np.isfinite(jitter)):
                self.noisy.update(t, float(np.max(jitter)))
            reason = BELOW_NOISE if self.noisy.active else None
            return Reading(score=math.nan, faults=faults, fault_edges=edges, values=values,
                           calibrating=reason is None, cannot_judge=reason)
        arms = np.array([f[k] for k in ARM_KEYS])
        if self._arms_at is None:
            self._arms_at = arms
        arms_moved = bool(np.max(np.abs(arms - self._arms_at)) > self.ARM_MOVE)
        if arms_moved and self._arms_since is None:
            self._arms_since = t
        elif not arms_moved:
            self._arms_since = None
        if arms_moved and t - self._arms_since >= self.GLITCH_SECONDS:
            # The arms moved: a hand over the hip or a raised arm shifts the hip landmark and
            # the shoulder, so the neutral is learned again once they are still.
            self._arms_at = arms
            self.baseline.reset()
            self.cycle.cut()
            return Reading(score=math.nan, faults=faults, fault_edges=edges, values=values,
                           cannot_judge=ARMS_MOVING)
        prev, self._prev = self._prev, (t, vec)
        if prev is not None and t - prev[0] <= self.GLITCH_FRAME_GAP:
            if float(np.max(np.abs(vec - prev[1]) / np.abs(full))) > self.GLITCH_STEP:
                self._glitch_at = t
        # The landmarks jumped by several tilts between two frames (a frame the tracker got
        # wrong) and MediaPipe's smoothing takes about a second to forget it: the decaying tail
        # looks like a tilt held and released. No tilt starts, and nothing is learned, until it
        # has passed; the frames still show the hold timing where a tilt rises meanwhile. (A
        # hold already under way goes on: its timing is robust to a few bad frames.)
        recovering = (self._glitch_at is not None and t - self._glitch_at < self.GLITCH_RECOVERY
                      and self.cycle.current is None)
        neutral = self.baseline.value
        dev = (vec - neutral[:nk]) / full
        if self._knee_home is None:
            self._knee_home = neutral[nk:].copy()
        wild = bool(np.max(np.abs(dev)) > self.MAX_DEVIATION)
        if wild and self._wild_since is None:
            self._wild_since = t
        elif not wild:
            self._wild_since = None
        if wild and t - self._wild_since < self.GLITCH_SECONDS:
            # One or two frames far off: a glitch of the landmarks, not a movement. Skip them.
            return Reading(score=math.nan, faults=faults, fault_edges=edges, values=values)
        if wild or self._rep_too_long(t):
            self.baseline.reset()
            self.cycle.cut()  # whatever was in progress was not a tilt from this neutral
            return Reading(score=math.nan, faults=faults, fault_edges=edges, values=values,
                           cannot_judge=OTHER_MOVEMENT)
        score, sign = self._score(dev)
        # Holds are timed on the mean of both features: the score (a minimum) saturates on the
        # weaker one and blurs when the position is reached or left.
        timing = float(sign * np.mean(dev))
        noise = float(np.max(self.baseline.noise[:nk] / np.abs(full)))
        values.update(tilt_score=round(score, 3), noise=round(noise, 3), polarity=float(sign))
        if recovering:
            return Reading(score=min(score, 0.0), faults=faults, fault_edges=edges, values=values,
                           timing=timing)
        if self.cycle.current is None and not self.cycle.starting and not self.bridge.active:
            # At rest near neutral (either way round): follow slow drift. A lasting shift off
            # neutral that is not a tilt (a partial return, a tilt the other way) is not
            # learned, so coming back from it is not a tilt; after REBASE_AFTER s of it the
            # neutral is learned again from a still second.
            # Learned only when every feature is near neutral: a shift in one feature alone
            # (what a tilt is on some bodies) learned frame by frame would ratchet the neutral
            # into the tilt before the score reached it.
            if self._rest_seen is None or float(np.max(np.abs(dev))) < self.NEUTRAL_BAND:
                self.baseline.update(t, both)
                self._rest_seen = t
            elif t - self._rest_seen > self.REBASE_AFTER:
                self.baseline.reset()
        else:
            self._rest_seen = t
        self.noisy.update(t, noise)
        if self.noisy.active and self.cycle.current is None:
            return Reading(score=math.nan, faults=faults, fault_edges=edges, values=values,
                           cannot_judge=BELOW_NOISE)
        return Reading(score=score, faults=faults, fault_edges=edges, values=values, timing=timing)

    def _score(self, dev: np.ndarray) -> tuple[float, int]:
        """The tilt score and its direction (+1: as FULL_TILT's signs, -1: the mirror).

        The hip's slide along the body is the measure; the trunk-thigh angle must move with it
        or stay put, never against it (`SLACK`): a hand or an arm passing the hip pushes the hip
        landmark about with the angle going every which way, and a raised arm moves the
        shoulder, while a tilt moves the two together (measured on supine_arm_raises, the real
        tilts and rendered ones). Both directions are scored (see FULL_TILT) until the
        session's first counted tilt fixes it; a rep keeps the direction it began in.
        """
        up = min(float(np.max(dev)), float(np.min(dev + self._slack)))
        down = min(float(np.max(-dev)), float(np.min(-dev + self._slack)))
        if self.cycle.current is None:
            self._rep_sign = None
        elif self._rep_sign is None:
            self._rep_sign = self._sign_now
        sign = self._rep_sign or self.polarity or (1 if up >= down else -1)
        self._sign_now = sign
        return (up if sign > 0 else down), sign

    def _rep_too_long(self, t: float) -> bool:
        """A 'hold' far beyond any prescription means the neutral was learned in the wrong place."""
        cur = self.cycle.current
        limit = max(self.MAX_REP_SECONDS, 3.0 * (self.prescription.hold_max or self.prescription.hold))
        return cur is not None and t - cur.start > limit

    def rep_counted(self, rep: Rep) -> None:
        if self.polarity is None and "polarity" in rep.measured:
            self.polarity = int(rep.measured["polarity"])

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

