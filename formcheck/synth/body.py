"""The rendered person: an anny body posed by world-frame segment rotations.

anny takes, in its 'world-orient' parameterization, each bone's orientation in world terms while
each bone's head follows its parent. That is the natural way to pose a lying body (a segment lies
along the floor, points at the ceiling, rolls about the spine's long axis), so the rest of
`formcheck.synth` speaks only in `Pose`: one world rotation per bone *relative to its rest
orientation* (bones not named inherit their parent's rotation, i.e. move rigidly with it) plus the
world position of the root. The same forward kinematics is done here in numpy on the bone heads, so
the posing code can place feet and hands (two-joint solving) before anything is skinned.

Importing this module imports torch and anny: only `formcheck.synth` code imports it.
"""

from __future__ import annotations

import os
import numpy as np

from formcheck.synth.state import BODY_SHAPES, Pose, parse_body

# anny's default cache is ~/.cache/anny (about 790 MB after the first body build).
os.environ.setdefault("ANNY_CACHE_DIR", os.path.expanduser("~/.cache/anny"))

import anny  # noqa: E402
import torch  # noqa: E402

__all__ = ["BODY_SHAPES", "COCO17", "Body", "Pose", "parse_body"]

# COCO-17 order as anny's regressor gives it (the first 17 of its 23 labels; the last six are the
# COCO-WholeBody feet: big toe, small toe, heel).
COCO17 = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)

_MODEL: "anny.Anny | None" = None


def _model() -> "anny.Anny":
    """One anny model per process: it is the same mesh and rig for every body shape."""
    global _MODEL
    if _MODEL is None:
        torch.set_grad_enabled(False)
        _MODEL = anny.Anny()
    return _MODEL


class Body:
    """One body shape: its rest skeleton, forward kinematics, skinning and truth keypoints."""

    def __init__(self, phenotype: dict[str, float] | None = None) -> None:
        self.model = _model()
        self.phenotype = dict(phenotype or {})
        self._phenotype_kwargs = {
            label: torch.tensor([float(self.phenotype.get(label, 0.5))], dtype=torch.float64)
            for label in self.model.phenotype_labels
        }
        rest = self.model(phenotype_kwargs=self._phenotype_kwargs)
        self.labels: list[str] = list(self.model.bone_labels)
        self.index = {name: i for i, name in enumerate(self.labels)}
        self.parents = [int(p) for p in self.model.bone_parents]
        self.rest_heads = rest["rest_bone_heads"][0].numpy().copy()
        self.rest_rotations = rest["rest_bone_poses"][0, :, :3, :3].numpy().copy()
        self.rest_vertices = rest["rest_vertices"][0].numpy().copy()
        self.faces = self.model.get_triangular_faces().numpy().copy()
        weights = self.model.vertex_bone_weights.numpy()
        indices = self.model.vertex_bone_indices.numpy()
        self.dominant_bone = indices[np.arange(len(indices)), np.argmax(weights, axis=1)]
        self.regressor = anny.KeypointsRegressor.coco(self.model)
        self.keypoint_labels: list[str] = list(self.regressor.labels)
        rest_keypoints = self.regressor({"vertices": rest["rest_vertices"]})[0].numpy()
        self.rest_keypoints = dict(zip(self.keypoint_labels, rest_keypoints))
        # Children listed once, in depth order, so inheritance of rotations is one pass.
        self._order = self._depth_order()

    # -- geometry at rest -------------------------------------------------------------------
    def head(self, bone: str) -> np.ndarray:
        return self.rest_heads[self.index[bone]]

    def segment(self, bone_from: str, bone_to: str) -> np.ndarray:
        """Rest vector between two bone heads (body frame: x left, -y front, z up)."""
        return self.head(bone_to) - self.head(bone_from)

    def vertices_of(self, prefixes: tuple[str, ...]) -> np.ndarray:
        """Rest vertices whose dominant bone starts with one of the prefixes."""
        wanted = [i for i, name in enumerate(self.labels) if name.startswith(prefixes)]
        return self.rest_vertices[np.isin(self.dominant_bone, wanted)]

    # -- posing -------------------------------------------------------------------------------
    def _depth_order(self) -> list[int]:
        children: list[list[int]] = [[] for _ in self.labels]
        for i, p in enumerate(self.parents):
            if p >= 0:
                children[p].append(i)
        order, todo = [], [0]
        while todo:
            i = todo.pop(0)
            order.append(i)
            todo.extend(children[i])
        return order

    def full_rotations(self, pose: Pose) -> np.ndarray:
        """Per-bone world rotation relative to rest, unnamed bones inheriting their parent's."""
        G = np.empty((len(self.labels), 3, 3))
        for i in self._order:
            name = self.labels[i]
            if name in pose.rotations:
                G[i] = pose.rotations[name]
            elif self.parents[i] >= 0:
                G[i] = G[self.parents[i]]
            else:
                G[i] = np.eye(3)
        return G

    def heads(self, pose: Pose) -> dict[str, np.ndarray]:
        """World bone heads for a pose (numpy forward kinematics, same rule as anny's)."""
        G = self.full_rotations(pose)
        world = np.empty_like(self.rest_heads)
        for i in self._order:
            p = self.parents[i]
            if p < 0:
                world[i] = pose.root_position
            else:
                world[i] = world[p] + G[p] @ (self.rest_heads[i] - self.rest_heads[p])
        return {name: world[i] for i, name in enumerate(self.labels)}

    def point(self, pose: Pose, bone: str, rest_point: np.ndarray) -> np.ndarray:
        """Where a rest-frame point rigidly attached to `bone` goes in a pose."""
        G = self.full_rotations(pose)
        i = self.index[bone]
        return self.heads(pose)[bone] + G[i] @ (rest_point - self.rest_heads[i])

    def skin(self, poses: list[Pose]) -> tuple[np.ndarray, np.ndarray]:
        """Vertices (N, V, 3) and the 23 anny COCO(-WholeBody feet) keypoints (N, 23, 3)."""
        D = np.zeros((len(poses), len(self.labels), 4, 4))
        for n, pose in enumerate(poses):
            G = self.full_rotations(pose)
            D[n, :, :3, :3] = G @ self.rest_rotations
            D[n, :, 3, 3] = 1.0
            D[n, 0, :3, 3] = pose.root_position
        out = self.model(
            pose_parameters=torch.from_numpy(D),
            phenotype_kwargs=self._phenotype_kwargs,
            pose_parameterization="world-orient",
        )
        keypoints = self.regressor(out)
        return out["vertices"].numpy(), keypoints.numpy()
