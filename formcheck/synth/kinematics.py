"""The lying body's world frame, bone groups, and the rotation and two-joint maths the supine
and prone posers share (`posing`, `prone_posing`).

World frame: the floor is z = 0 (the mat's top at `MAT_TOP`), the person lies along x with the
head toward -x; supine, the person's left is +y.
"""

from __future__ import annotations

import numpy as np

MAT_TOP = 0.012  # metres: the mat's thickness; bodies rest on it.

LUMBAR = ("spine05", "spine04", "spine03", "spine02")
PELVIS = ("root", "pelvis.L", "pelvis.R")
THORAX = ("spine01",)
NECK = ("neck01", "neck02", "neck03", "head")

# Lying orientations of the whole body (columns: where the body's x (left), y (back), z (up) go).
SUPINE = np.array([[0, 0, -1.0], [1.0, 0, 0], [0, -1.0, 0]])  # face up, head -x, left +y
PRONE = np.array([[0, 0, -1.0], [-1.0, 0, 0], [0, 1.0, 0]])   # face down, head -x, left -y
# Feet: supine hook-lying, sole flat on the floor, toes toward +x; prone, toes pointed back, the
# top of the foot on the floor.
FOOT_FLAT = np.array([[0, -1.0, 0], [1.0, 0, 0], [0, 0, 1.0]])
FOOT_POINTED = np.array([[0, -1.0, 0], [-1.0, 0, 0], [0, 0, -1.0]])


def side_sign(body_side: str) -> float:
    return 1.0 if body_side == "L" else -1.0


def rot(axis: str | np.ndarray, degrees: float) -> np.ndarray:
    """Right-handed rotation about a world axis ('x', 'y', 'z' or a vector)."""
    if isinstance(axis, str):
        axis = {"x": np.array([1.0, 0, 0]), "y": np.array([0, 1.0, 0]), "z": np.array([0, 0, 1.0])}[axis]
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    t = np.radians(degrees)
    K = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(t) * K + (1 - np.cos(t)) * (K @ K)


def align(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The smallest rotation taking direction u to direction v."""
    u = u / np.linalg.norm(u)
    v = v / np.linalg.norm(v)
    c = float(np.dot(u, v))
    axis = np.cross(u, v)
    s = np.linalg.norm(axis)
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        perp = np.cross(u, [1.0, 0, 0])
        if np.linalg.norm(perp) < 1e-6:
            perp = np.cross(u, [0, 1.0, 0])
        return rot(perp, 180.0)
    return rot(axis, np.degrees(np.arctan2(s, c)))


def two_joint(root: np.ndarray, target: np.ndarray, upper: float, lower: float,
              pole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Middle joint and reached end of a two-segment limb (hip-knee-ankle, shoulder-elbow-wrist).

    The limb bends in the plane of root->target and the pole direction; a target out of reach is
    approached along the straight line (the limb straightens rather than stretching).
    """
    d_vec = target - root
    d = float(np.linalg.norm(d_vec))
    d = min(max(d, abs(upper - lower) + 1e-4), upper + lower - 1e-6)
    axis = d_vec / np.linalg.norm(d_vec)
    end = root + axis * d
    along = (upper**2 - lower**2 + d**2) / (2 * d)
    height = np.sqrt(max(upper**2 - along**2, 0.0))
    bend = pole - np.dot(pole, axis) * axis
    bend = bend / np.linalg.norm(bend)
    middle = root + axis * along + bend * height
    return middle, end


def rotvec(R: np.ndarray) -> np.ndarray:
    angle = np.arccos(np.clip((np.trace(R) - 1) / 2, -1.0, 1.0))
    if angle < 1e-9:
        return np.zeros(3)
    axis = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])
    return axis / (2 * np.sin(angle)) * angle


def from_rotvec(v: np.ndarray) -> np.ndarray:
    angle = float(np.linalg.norm(v))
    if angle < 1e-12:
        return np.eye(3)
    return rot(v / angle, np.degrees(angle))
