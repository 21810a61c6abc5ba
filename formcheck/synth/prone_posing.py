"""The prone poses: a press-up with the pelvis on the mat, and the body held straight on the
hands and the toes or knees (a plank, push-ups as the arms bend).

`ProneBody` is mixed into `posing.LyingPoser`, whose body, limb lengths, lying orientation
(`base`), neutral anchors, trunk chain (`_trunk`) and limb placing (`_set_limb`) it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from formcheck.synth.kinematics import (
    FOOT_POINTED,
    LUMBAR,
    MAT_TOP,
    NECK,
    PELVIS,
    THORAX,
    align,
    rot,
    side_sign,
    two_joint,
)
from formcheck.synth.state import LyingState, Pose

if TYPE_CHECKING:
    from formcheck.synth.body import Body

HANDS_AHEAD_M = 0.16  # prone press-up: palms this far ahead of the shoulders lying flat
MAX_EXTENSION_DEG = 80.0  # prone: the most the thorax extends above the floor (lumbar + hips)
PLANK_HOVER_M = 0.10  # a push-up's bottom: the shoulders this much higher than lying flat


class ProneBody:
    """Prone poses of a `LyingPoser`: `_prone(state)` (a press-up, or `_plank` on the toes or
    knees)."""

    body: Body
    base: np.ndarray
    support: str
    thigh: float
    shank: float
    upperarm: float
    forearm: float
    _neutral: dict[str, np.ndarray]

    def _prone(self, s: LyingState) -> Pose:
        """Press-up: the pelvis stays on the mat, the trunk extends until the arms, hands fixed
        just ahead of where the shoulders lie, reach the scripted elbow extension. On the toes or
        the knees (`support`): a plank or a push-up instead (`_plank`)."""
        if self.support != "floor":
            return self._plank(s)
        b = self.body
        base = self.base
        if not hasattr(self, "_hands"):
            self._hands = self._hand_targets()
        reach = self._arm_reach(s.press, s.top_elbow)
        lift = s.hip_lift
        extension = self._bisect(lambda a: float(np.linalg.norm(
            b.heads(self._prone_trunk(a, lift))["upperarm01.L"] - self._hands["L"])), reach,
            hi=MAX_EXTENSION_DEG)
        pose = self._prone_trunk(extension, lift)
        for name in NECK:
            pose.rotations[name] = rot("y", extension * 0.8 + 12.0) @ rot("z", s.sway) @ base
        self._place_arms(pose, self._hands)
        # Legs on the mat behind; the thighs rise with the pelvis when the hips lift.
        self._lay_legs(pose, thighs=True)
        return pose

    def _lay_legs(self, pose: Pose, thighs: bool) -> None:
        """The legs lying prone: the knees and the fronts of the ankles on the mat where a body
        lying flat has them (`_leg_rest`), feet pointed. With `thighs`, each thigh runs from the
        hip to its knee (the shin follows); otherwise only the shins are laid (the thighs belong
        to a body raised on its knees)."""
        b = self.body
        rest = self._leg_rest()
        heads = b.heads(pose)
        for side in ("L", "R"):
            knee_at, ankle_at = rest[side]
            hip = heads[f"upperleg01.{side}"]
            knee = hip + self.thigh * (knee_at - hip) / np.linalg.norm(knee_at - hip) if thighs \
                else heads[f"lowerleg01.{side}"]
            ankle = knee + self.shank * (ankle_at - knee) / np.linalg.norm(ankle_at - knee)
            if thighs:
                self._set_limb(pose, heads, side, "leg", knee, ankle, self.base)
            else:
                pose.rotations[f"lowerleg01.{side}"] = align(
                    self.base @ b.segment(f"lowerleg01.{side}", f"foot.{side}"), ankle - knee) @ self.base
            pose.rotations[f"foot.{side}"] = FOOT_POINTED

    def _leg_rest(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Knee and ankle joint positions of the legs lying flat prone: under the lying hips'
        legs, each joint above the mat by its own depth in the rest mesh (the kneecap's, the
        front of the ankle's). The rest mesh's legs, turned prone with the trunk, would float:
        its standing legs do not lie in line with its trunk."""
        cache = self.__dict__.get("_legs_flat")
        if cache is None:
            b = self.body
            lying = b.heads(self._prone_trunk(0.0, 0.0))
            names = np.array(b.labels)[b.dominant_bone]
            v = b.rest_vertices
            cache = {}
            for side in ("L", "R"):
                leg = np.char.endswith(names, f".{side}") & (np.char.startswith(names, "upperleg")
                                                             | np.char.startswith(names, "lowerleg"))
                joints = []
                for bone, depth_of in (("lowerleg01", np.min), ("foot", np.max)):
                    rest = b.head(f"{bone}.{side}")
                    near = leg & (np.abs(v[:, 2] - rest[2]) < 0.03)
                    depth = abs(float(rest[1] - depth_of(v[near, 1])))  # kneecap front, ankle back
                    at = lying[f"{bone}.{side}"].copy()
                    at[2] = MAT_TOP + depth
                    joints.append(at)
                cache[side] = (joints[0], joints[1])
            self.__dict__["_legs_flat"] = cache
        return cache

    def _place_arms(self, pose: Pose, hands: dict[str, np.ndarray]) -> None:
        """Arms from the shoulders to the hands, elbows back and a little out; palms flat on the
        mat, fingers forward (-x)."""
        heads = self.body.heads(pose)
        for side in ("L", "R"):
            sgn = -side_sign(side)  # prone: the person's left is -y
            pole = np.array([1.0, sgn * 0.5, 0.6])
            elbow, reached = two_joint(heads[f"upperarm01.{side}"], hands[side], self.upperarm,
                                       self.forearm, pole)
            self._set_limb(pose, heads, side, "arm", elbow, reached, self.base)
            pose.rotations[f"wrist.{side}"] = self._palm_down(side)

    def _full_reach(self, elbow_deg: float) -> float:
        """Shoulder-to-wrist distance with the elbow open to `elbow_deg` degrees."""
        return float(np.sqrt(self.upperarm**2 + self.forearm**2
                             - 2 * self.upperarm * self.forearm * np.cos(np.radians(elbow_deg))))

    # -- a plank and push-ups (the body held straight off the floor) ----------------------------
    def _plank(self, s: LyingState) -> Pose:
        """A straight body on the hands and the toes (or the knees, shins on the mat): `press` 1
        is a plank, arms straight (to `top_elbow`); 0 a push-up's bottom, the shoulders
        PLANK_HOVER_M above where they lie flat. The hips are off the floor throughout."""
        b = self.body
        if not hasattr(self, "_plank_hands"):
            self._plank_hands = self._plank_hand_targets()
        bottom = self._bisect(lambda a: b.heads(self._straight_body(a))["upperarm01.L"][2]
                              - self._prone_rest_shoulder()[2], PLANK_HOVER_M)
        start = float(np.linalg.norm(b.heads(self._straight_body(bottom))["upperarm01.L"]
                                     - self._plank_hands["L"]))
        reach = start + (self._full_reach(s.top_elbow) - start) * float(np.clip(s.press, 0.0, 1.0))
        angle = self._bisect(lambda a: float(np.linalg.norm(
            b.heads(self._straight_body(a))["upperarm01.L"] - self._plank_hands["L"])), reach)
        pose = self._straight_body(angle)
        for name in NECK:  # the head in line with the body, eyes on the floor a little ahead
            pose.rotations[name] = rot("y", angle + 8.0) @ rot("z", s.sway) @ self.base
        self._place_arms(pose, self._plank_hands)
        return pose

    @staticmethod
    def _bisect(f, target: float, lo: float = 0.0, hi: float = 45.0) -> float:
        """The angle in [lo, hi] degrees where the increasing f reaches target (30 halvings)."""
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if f(mid) < target else (lo, mid)
        return 0.5 * (lo + hi)

    def _straight_body(self, angle_deg: float) -> Pose:
        """The whole body straight, raised `angle_deg` head-up about its support: the toe tips on
        the mat (feet upright, at right angles to the shins) or the knees where they lie prone
        (shins flat on the mat, feet pointed). Arms and head are placed by the caller."""
        b = self.body
        tilted = rot("y", angle_deg) @ self.base
        rots = {name: tilted for name in (*PELVIS, *LUMBAR, *THORAX)}
        for side in ("L", "R"):
            rots[f"upperleg01.{side}"] = tilted
            if self.support == "toes":
                rots[f"lowerleg01.{side}"] = tilted
                rots[f"foot.{side}"] = tilted  # the rest foot is at right angles to the shin
        pose = Pose(rots, np.zeros(3))
        if self.support == "knees":
            at, pivot = b.heads(pose)["lowerleg01.L"], self._leg_rest()["L"][0]
        else:
            at, pivot = b.point(pose, "foot.L", self._toe_tip()), self._toe_pivot()
        pose.root_position = np.array([pivot[0] - at[0], 0.0, pivot[2] - at[2]])
        if self.support == "knees":
            self._lay_legs(pose, thighs=False)
        return pose

    def _toe_tip(self) -> np.ndarray:
        """The rest-mesh point of the left foot that reaches furthest forward (the big toe's tip)."""
        b = self.body
        names = np.array(b.labels)[b.dominant_bone]
        toes = b.rest_vertices[np.char.startswith(names, "toe") & np.char.endswith(names, ".L")]
        return toes[np.argmin(toes[:, 1])]

    def _toe_pivot(self) -> np.ndarray:
        """Where the toe tips rest in a plank: under the ankles of the prone body, on the mat."""
        ankle = self._leg_rest()["L"][1]
        return np.array([ankle[0], ankle[1], MAT_TOP + 0.005])

    def _prone_rest_shoulder(self) -> np.ndarray:
        return self.body.heads(self._prone_trunk(0.0, 0.0))["upperarm01.L"]

    def _plank_hand_targets(self) -> dict[str, np.ndarray]:
        """Hands flat on the mat right under the shoulders of the plank, arms straight (175
        degrees): the top of a push-up."""
        b = self.body
        palm = MAT_TOP + 0.03
        full = self._full_reach(175.0)
        angle = self._bisect(lambda a: b.heads(self._straight_body(a))["upperarm01.L"][2] - palm, full)
        top = b.heads(self._straight_body(angle))
        return {side: np.array([top[f"upperarm01.{side}"][0], top[f"upperarm01.{side}"][1], palm])
                for side in ("L", "R")}

    def _palm_down(self, side: str) -> np.ndarray:
        """The hand turned so the palm lies on the mat, fingers toward the head (-x).

        The palm's normal is found from the rest mesh (the hand's thinnest direction, on the
        side the fingertips curl toward), not assumed from the A-pose.
        """
        b = self.body
        names = np.array(b.labels)[b.dominant_bone]
        mask = (names == f"wrist.{side}") | (
            (np.char.startswith(names, "finger") | np.char.startswith(names, "metacarpal"))
            & np.char.endswith(names, side))
        hand = b.rest_vertices[mask]
        tips = b.rest_vertices[np.char.startswith(names, "finger") & np.char.endswith(names, f"3.{side}")]
        f = b.segment(f"wrist.{side}", f"finger3-1.{side}")
        f = f / np.linalg.norm(f)
        centred = hand - hand.mean(axis=0)
        centred = centred - np.outer(centred @ f, f)
        n = np.linalg.svd(centred, full_matrices=False)[2][1]  # [2] is f itself (projected out)
        n = n - np.dot(n, f) * f
        n /= np.linalg.norm(n)
        if np.dot(tips.mean(axis=0) - hand.mean(axis=0), n) < 0:
            n = -n
        rest = np.stack([f, n, np.cross(f, n)], axis=1)
        tf = np.array([-1.0, 0, 0])
        tn = np.array([0, 0, -1.0])
        target = np.stack([tf, tn, np.cross(tf, tn)], axis=1)
        return target @ rest.T

    def _prone_trunk(self, extension_deg: float, lift: float) -> Pose:
        base = self.base
        # Extension lifts the head end (-x) up: about +y by +angle turns -x toward +z.
        thorax_rot = rot("y", extension_deg) @ base
        pelvis_rot = rot("y", 0.12 * extension_deg) @ base
        if lift > 0:
            hip_angle = np.degrees(np.arcsin(min(lift / self.thigh, 0.9)))
            pelvis_rot = rot("y", -hip_angle) @ pelvis_rot
        target = self._neutral["contact"].copy()
        target[2] += lift
        pose = self._trunk(pelvis_rot, thorax_rot, target, anchor="root")
        return pose

    def _arm_reach(self, press: float, top_elbow: float) -> float:
        """Shoulder-to-wrist distance for a press fraction: 0 is the chest on the mat (the arms
        bent however that needs), 1 the top, the elbow opened to `top_elbow` degrees."""
        start = float(np.linalg.norm(
            self.body.heads(self._prone_trunk(0.0, 0.0))["upperarm01.L"] - self._hands["L"]))
        return start + (self._full_reach(top_elbow) - start) * float(np.clip(press, 0.0, 1.0))

    def _hand_targets(self) -> dict[str, np.ndarray]:
        """Palms flat on the mat HANDS_AHEAD_M ahead of where the shoulders lie (the handouts'
        start: palms beneath the shoulders), or further ahead if this body's trunk cannot rise
        enough for straight arms there: at the most the trunk extends (MAX_EXTENSION_DEG) the
        arms must reach 175 degrees, so every scripted elbow extension is reached."""
        b = self.body
        palm = MAT_TOP + 0.03
        full = self._full_reach(175.0)
        lying = b.heads(self._prone_trunk(0.0, 0.0))
        top = b.heads(self._prone_trunk(MAX_EXTENSION_DEG, 0.0))
        out = {}
        for side in ("L", "R"):
            x = lying[f"upperarm01.{side}"][0] - HANDS_AHEAD_M
            shoulder = top[f"upperarm01.{side}"]
            rise = shoulder[2] - palm
            if rise < full:  # straight arms at the top need the hands at least this far ahead
                x = min(x, shoulder[0] - float(np.sqrt(full**2 - rise**2)))
            out[side] = np.array([x, lying[f"upperarm01.{side}"][1], palm])
        return out
