"""Lying poses a physical therapist would accept, from a handful of clinical quantities.

World frame: the floor is z = 0 (the mat's top at `MAT_TOP`), the person lies along x with the
head toward -x; supine, the person's left is +y. A pose is described by a `LyingState` (pelvic
tilt, hip lift, knee drop to a side, shoulder lift, trunk extension, elbow extension, ...) and
turned into per-bone world rotations here:

- the thorax, neck and head keep the lying orientation, anchored where the upper back (supine)
  or the pelvis (prone) meets the floor;
- the pelvis and the lumbar segments rotate in small graded steps between them, solved so the
  chain closes (the pelvis stays where the script wants it: down on the mat in a tilt, lifted in
  a bridge) — that is how a posterior tilt flattens the lumbar curve without lifting the hips;
- legs and arms are placed by two-joint solving: the ankle (feet flat on the floor) or the wrist
  (hands flat under the shoulders) is fixed and the knee or elbow goes where the limb lengths
  and a pole direction put it;
- prone, the body can instead be held straight on the hands and the toes or knees (a plank, and
  push-ups as the arms bend), pivoting on where the toes or knees rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from formcheck.synth.kinematics import (
    FOOT_FLAT,
    LUMBAR,
    MAT_TOP,
    NECK,
    PELVIS,
    PRONE,
    SUPINE,
    THORAX,
    align,
    from_rotvec,
    rot,
    rotvec,
    side_sign,
    two_joint,
)
from formcheck.synth.prone_posing import ProneBody
from formcheck.synth.state import LyingState, Pose

if TYPE_CHECKING:  # the body (torch, anny) is only needed by whoever builds a LyingPoser
    from formcheck.synth.body import Body

NEUTRAL_ARCH = 6.0  # degrees of anterior pelvic tilt in neutral supine lying
# Prone, the body lies on its thighs (a press-up) or is held up straight on the toes or knees.
SUPPORTS = ("floor", "toes", "knees")

IK_ITERATIONS = 20
IK_REGULARISER = 1e-4  # m^2 per rad^2 of lumbar correction (see LyingPoser._trunk)


class LyingPoser(ProneBody):
    """Turns `LyingState`s into `Pose`s for one body, supine or prone."""

    def __init__(self, body: Body, prone: bool, rng: np.random.Generator | None = None,
                 support: str = "floor") -> None:
        if support not in SUPPORTS or (support != "floor" and not prone):
            raise ValueError(f"support must be one of {SUPPORTS} (a plank is prone), got {support!r}")
        self.body = body
        self.prone = prone
        self.support = support
        self.base = PRONE if prone else SUPINE
        b = body
        self.thigh = float(np.linalg.norm(b.segment("upperleg01.L", "lowerleg01.L")))
        self.shank = float(np.linalg.norm(b.segment("lowerleg01.L", "foot.L")))
        self.upperarm = float(np.linalg.norm(b.segment("upperarm01.L", "lowerarm01.L")))
        self.forearm = float(np.linalg.norm(b.segment("lowerarm01.L", "wrist.L")))
        foot = b.vertices_of(("foot.L", "toe"))
        self.ankle_above_sole = float(b.head("foot.L")[2] - foot[:, 2].min())
        rng = rng or np.random.default_rng(0)
        # Per-person natural variation: how wide the feet sit, how far out the arms rest.
        self.foot_spread = 0.01 * rng.uniform(-1, 1)
        self.knee_bend = 88.0 + 6.0 * rng.uniform(-1, 1)   # knee interior angle, hook-lying
        self.arm_out = 14.0 + 4.0 * rng.uniform(-1, 1)
        self._neutral = self._neutral_anchor()
        if not prone:
            self._settle_sacrum()

    # -- anchors ------------------------------------------------------------------------------
    def _neutral_anchor(self) -> dict[str, np.ndarray]:
        """Root height so that the body rests on the mat, and the fixed contact points."""
        b = self.body
        pose = Pose({"root": self.base}, np.zeros(3))
        G = self.base
        trunk = b.vertices_of(("spine", "pelvis", "root", "clavicle", "shoulder"))
        trunk_w = (G @ trunk.T).T
        root = np.array([0.0, 0.0, MAT_TOP - trunk_w[:, 2].min()])
        pose.root_position = root
        heads = b.heads(pose)
        # Sacral contact (supine) / pubic contact (prone): the trunk vertex nearest the mat
        # among the pelvis's vertices.
        pelvis_v = (G @ b.vertices_of(("pelvis", "root")).T).T + root
        contact = pelvis_v[np.argmin(pelvis_v[:, 2])]
        return {"root": root, "spine01": heads["spine01"], "contact": contact,
                "contact_rest": np.linalg.solve(G, contact - root) + b.head("root")}

    def _settle_sacrum(self) -> None:
        """Put the sacral contact where the arched neutral pelvis lands, not where the rest mesh
        has it.

        The rest mesh's lumbar chain is straight. The neutral arch bends it, and a bent chain
        is shorter: it cannot reach the rest pose's contact. Holding that contact left the
        chain pulled straight (a singular pose) through the first ~4 degrees of every tilt, so
        the pelvis could not slide and the hip moved second order in the tilt (7 % of its path
        in the first 36 % of the tilt, measured on the rendered keypoints). Here the arched
        pelvis settles with its height and side held and its place along the mat free; a tilt
        then keeps that contact, which it can always reach.
        """
        arched = rot("y", NEUTRAL_ARCH) @ self.base
        pose = self._trunk(arched, self.base, self._neutral["contact"], anchor="spine01", axes=(1, 2))
        self._neutral["contact"] = self.body.point(pose, "root", self._neutral["contact_rest"])
        self.__dict__.pop("_ik_warm", None)

    # -- the trunk chain ----------------------------------------------------------------------
    def _trunk(self, pelvis_rot: np.ndarray, thorax_rot: np.ndarray, pelvis_target: np.ndarray,
               anchor: str, axes: tuple[int, ...] = (0, 1, 2),
               thorax_anchor: np.ndarray | None = None) -> Pose:
        """Pelvis and thorax orientations given; lumbar rotations graded between them and
        corrected (least change) so the pelvis contact lands on `pelvis_target` while the thorax
        (anchor 'spine01') or the pelvis (anchor 'root') stays put."""
        b = self.body
        weights = np.array([0.8, 0.6, 0.4, 0.2])  # spine05 (lowest) .. spine02: share of pelvis
        rel = rotvec(pelvis_rot @ thorax_rot.T)

        def build(extra: np.ndarray) -> Pose:
            rots = {name: pelvis_rot for name in PELVIS}
            for k, name in enumerate(LUMBAR):
                rots[name] = from_rotvec(rel * weights[k] + extra[3 * k:3 * k + 3]) @ thorax_rot
            for name in THORAX:
                rots[name] = thorax_rot
            return Pose(rots, np.zeros(3))

        def place(pose: Pose) -> tuple[Pose, np.ndarray]:
            heads = b.heads(pose)
            if anchor == "spine01":
                fixed = self._neutral["spine01"] if thorax_anchor is None else thorax_anchor
                pose.root_position = fixed - heads["spine01"]
            else:
                contact_now = b.point(pose, "root", self._neutral["contact_rest"])
                pose.root_position = pelvis_target - contact_now
            contact = b.point(pose, "root", self._neutral["contact_rest"])
            return pose, contact

        extra = np.zeros(12)
        if anchor == "root":
            return place(build(extra))[0]
        # The corrections minimise |contact error|^2 + IK_REGULARISER |corrections|^2, by
        # Levenberg-Marquardt from none. (Plain Gauss-Newton steps on the error alone, as first
        # written, did not converge near the neutral pose: there the lumbar chain is almost
        # straight, the target a few millimetres out of its reach and J J^T ill-conditioned
        # (cond up to 1e4); the error bounced 15 -> 4 -> 206 mm and whatever the 6th iterate was
        # got rendered, so the spine jumped up to 16 cm in the first frames of every pelvic
        # tilt: a glitch in the video, not in the person. The small regulariser makes the
        # solution unique and continuous, reachable or not; a 1 cm miss weighs like 1 rad.)
        ax = list(axes)
        root_mu = np.sqrt(IK_REGULARISER)

        def residual(x: np.ndarray) -> tuple[Pose, np.ndarray, np.ndarray]:
            pose, contact = place(build(x))
            return pose, contact, np.concatenate([(pelvis_target - contact)[ax], -root_mu * x])

        # Start from the last frame's corrections (same minimum, a few iterations instead of 20).
        warm = self.__dict__.get("_ik_warm")
        if warm is not None and warm.shape == extra.shape:
            extra = warm.copy()
        pose, _, res = residual(extra)
        damping = 1e-6
        for _ in range(IK_ITERATIONS):
            J = np.zeros((len(ax) + 12, 12))  # d(residual)/d(corrections)
            for j in range(12):
                e = extra.copy()
                e[j] += 1e-5
                J[:, j] = (residual(e)[2] - res) / 1e-5
            grad = J.T @ res
            while damping < 1e3:
                step = -np.linalg.solve(J.T @ J + damping * np.eye(12), grad)
                trial, _, trial_res = residual(extra + step)
                if trial_res @ trial_res < res @ res:
                    extra, pose, res = extra + step, trial, trial_res
                    damping = max(damping / 10, 1e-9)
                    break
                damping *= 10
            else:
                break  # no step lowers the cost: at its minimum
            if np.linalg.norm(step) < 1e-4:  # rad: under 0.03 mm at the pelvis
                break
        self.__dict__["_ik_warm"] = extra
        return pose

    # -- whole poses --------------------------------------------------------------------------
    def pose(self, s: LyingState) -> Pose:
        return self._prone(s) if self.prone else self._supine(s)

    def _supine(self, s: LyingState) -> Pose:
        b = self.body
        base = self.base
        # Posterior tilt turns the top of the pelvis toward the floor: about +y by -tilt.
        roll = rot("x", -0.45 * s.knee_drop)  # the pelvis follows the knees part way
        bridge_deg = 0.0
        if s.hip_lift > 0:
            reach = float(np.linalg.norm(self._neutral["contact"] - self._neutral["spine01"]))
            bridge_deg = np.degrees(np.arcsin(min(s.hip_lift / reach, 0.9)))
        # Neutral lying keeps a small lumbar arch (the rest mesh has almost none): the pelvis
        # sits NEUTRAL_ARCH degrees anteriorly, and a posterior tilt flattens it into the mat.
        pelvis_rot = roll @ rot("y", -(s.pelvic_tilt - NEUTRAL_ARCH + bridge_deg)) @ base
        thorax_roll = rot("x", -np.sign(s.knee_drop) * s.shoulder_lift)
        thorax_rot = thorax_roll @ rot("y", -bridge_deg) @ base
        # A thorax rolling to lift the far shoulder pivots on the near shoulder blade, on the mat.
        # In a bridge the thorax pivots on the shoulder blades, a little headward of spine01.
        a0 = self._neutral["spine01"]
        thorax_anchor = None
        if s.shoulder_lift and s.knee_drop:
            pivot = np.array([a0[0], 0.13 * np.sign(s.knee_drop), MAT_TOP])
            thorax_anchor = pivot + thorax_roll @ (a0 - pivot)
        if bridge_deg:
            pivot = np.array([a0[0] - 0.08, 0.0, MAT_TOP])
            base_anchor = a0 if thorax_anchor is None else thorax_anchor
            thorax_anchor = pivot + rot("y", -bridge_deg) @ (base_anchor - pivot)
        target = self._neutral["contact"].copy()
        target[2] += s.hip_lift
        # A pelvis rolling onto its side pivots on its edge: keep that edge on the mat.
        if s.knee_drop:
            half = 0.09 * np.sign(s.knee_drop)
            target[1] += half * (1 - np.cos(np.radians(0.45 * s.knee_drop)))
            target[2] += abs(half) * np.sin(np.radians(0.45 * abs(s.knee_drop)))
        # The sacrum stays where it lies on the mat (the hips stay down): the pelvis turns about
        # it, so the hip joints rise a few millimetres and move toward the head in a tilt.
        pose = self._trunk(pelvis_rot, thorax_rot, target, anchor="spine01", thorax_anchor=thorax_anchor)
        heads = b.heads(pose)
        # Neck and head stay lying, with a small natural turn.
        head_rot = rot("x", s.sway) @ base
        for name in NECK:
            pose.rotations[name] = head_rot
        # Legs: feet flat on the mat where hook-lying put them (or lifted, or up in tabletop);
        # knees up, dropping to a side, each half the spread further out when they fall apart.
        for side in ("L", "R"):
            drop = s.knee_drop + side_sign(side) * 0.5 * s.knee_spread
            knee, reached, foot = self._leg(heads[f"upperleg01.{side}"], side, drop, s)
            self._set_limb(pose, heads, side, "leg", knee, reached, base)
            pose.rotations[f"foot.{side}"] = foot
        # Arms by the sides on the mat, hands on their edges (thumbs up), a little out from the body.
        heads = b.heads(pose)
        for side in ("L", "R"):
            sgn = side_sign(side)
            shoulder = heads[f"upperarm01.{side}"]
            out = np.radians(self.arm_out)
            reach = self.upperarm + self.forearm
            wrist = shoulder + reach * np.array([np.cos(out), sgn * np.sin(out), 0.0])
            wrist[2] = MAT_TOP + 0.055  # hand on its edge, thumb up
            elbow, reached = two_joint(shoulder, wrist, self.upperarm, self.forearm,
                                       np.array([0, sgn * 1.0, 0.3]))
            self._set_limb(pose, heads, side, "arm", elbow, reached, base)
        return pose

    def _leg(self, hip: np.ndarray, side: str, drop: float,
             s: LyingState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Knee, ankle and foot rotation of one leg whose knee is lowered `drop` degrees to the
        person's left (+) or right (-).

        Hook-lying: the ankle stays where the foot was planted (risen `feet_lift` metres and drawn
        a little toward the hip when the feet leave the floor) and the knee goes where the two
        segments and the drop put it. Tabletop (the feet-up variant): the thigh stands up from the
        hip and the shin lies level toward the feet, the whole leg turning about the body's long
        axis as the knees drop. Between the two (`tabletop` 0..1) the joints are blended.
        """
        turn = rot("x", -drop)
        ankle = self._ankle_target(side).copy()
        if s.feet_lift:
            ankle = ankle + np.array([-0.4 * s.feet_lift, 0.0, s.feet_lift])
        knee, reached = two_joint(hip, ankle, self.thigh, self.shank, turn @ np.array([0, 0, 1.0]))
        foot = rot("x", -0.35 * drop) @ FOOT_FLAT  # feet roll onto their edges a little
        if s.tabletop > 0:
            w = float(np.clip(s.tabletop, 0.0, 1.0))
            up_knee = hip + self.thigh * (turn @ np.array([0.0, 0.0, 1.0]))
            up_ankle = up_knee + self.shank * np.array([1.0, 0.0, 0.0])
            knee, reached = (1 - w) * knee + w * up_knee, (1 - w) * reached + w * up_ankle
            if w >= 0.5:  # soles toward the feet end, toes up, turning with the legs
                foot = turn @ rot("y", -90.0) @ FOOT_FLAT
        return knee, reached, foot

    def _ankle_target(self, side: str) -> np.ndarray:
        """Where the ankle sits with the foot flat on the mat (fixed for the whole session)."""
        cache = self.__dict__.setdefault("_ankles", {})
        if side not in cache:
            cache[side] = self._place_ankle(side)
        return cache[side]

    def _place_ankle(self, side: str) -> np.ndarray:
        hip0 = self._hook_hip(side)
        d = np.sqrt(self.thigh**2 + self.shank**2
                    - 2 * self.thigh * self.shank * np.cos(np.radians(self.knee_bend)))
        z = MAT_TOP + self.ankle_above_sole
        dz = z - hip0[2]
        # Feet a little inside hip width, so the knees sit together as the handouts ask.
        y = hip0[1] * 0.6 + side_sign(side) * self.foot_spread
        dy = y - hip0[1]
        dx = np.sqrt(max(d**2 - dz**2 - dy**2, 0.01))
        return np.array([hip0[0] + dx, y, z])

    def _hook_hip(self, side: str) -> np.ndarray:
        pose = self._trunk(self.base, self.base, self._neutral["contact"], anchor="spine01")
        return self.body.heads(pose)[f"upperleg01.{side}"]

    def _set_limb(self, pose: Pose, heads: dict[str, np.ndarray], side: str, limb: str,
                  middle: np.ndarray, end: np.ndarray, base: np.ndarray) -> None:
        b = self.body
        if limb == "leg":
            top, mid, low = f"upperleg01.{side}", f"lowerleg01.{side}", f"foot.{side}"
        else:
            top, mid, low = f"upperarm01.{side}", f"lowerarm01.{side}", f"wrist.{side}"
        start = heads[top]
        rest_upper = base @ b.segment(top, mid)
        rest_lower = base @ b.segment(mid, low)
        pose.rotations[top] = align(rest_upper, middle - start) @ base
        pose.rotations[mid] = align(rest_lower, end - middle) @ base
