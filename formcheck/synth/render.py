"""Software rendering of the posed body on a mat, and the camera that films it.

pyrender over OSMesa (no GPU, no display): `PYOPENGL_PLATFORM=osmesa` must be set before
OpenGL is imported, so this module sets it first. The look is deliberately plain (vertices
coloured by their dominant bone: skin, shirt, shorts, socks, a hair cap, dark eyes; a blue mat on
a light floor against a wall) because that is enough for MediaPipe to find the person in every
frame, and it keeps the clips small.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

import numpy as np  # noqa: E402
import pyrender  # noqa: E402
from pyrender.shader_program import ShaderProgramCache  # noqa: E402

from formcheck.synth.body import Body  # noqa: E402
from formcheck.synth.posing import MAT_TOP  # noqa: E402

SKIN_TONES = ((0.87, 0.70, 0.58), (0.76, 0.57, 0.42), (0.55, 0.38, 0.26), (0.93, 0.78, 0.68))
SHIRTS = ((0.80, 0.25, 0.22), (0.20, 0.45, 0.30), (0.92, 0.92, 0.90), (0.35, 0.30, 0.55))
SHORTS = ((0.15, 0.17, 0.22), (0.30, 0.30, 0.32), (0.22, 0.28, 0.45))


@dataclass(frozen=True)
class CameraSpec:
    """Where the camera stands, looking at the person's middle (metres, world frame)."""

    name: str
    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    hfov_deg: float


def camera_spec(name: str, prone: bool, body_length: float) -> CameraSpec:
    """The four placements the issue names. The person lies along x, head toward -x, centred
    near x = 0.1; the side cameras stand on the -y side (the person's right when supine)."""
    mid = 0.05 if not prone else 0.1
    dist = 1.4 * body_length + 0.1
    up = 0.0 if not prone else 0.12  # a press-up rises: keep the head in frame at the top
    if name == "side":
        return CameraSpec(name, (mid, -dist, 0.30 + up), (mid, 0.0, 0.22 + up), 52.0)
    if name == "side-raised":
        return CameraSpec(name, (mid, -dist, 1.05 + up), (mid, 0.0, 0.15 + up), 52.0)
    if name == "oblique":
        a = np.radians(40.0)
        return CameraSpec(name, (mid + dist * np.sin(a), -dist * np.cos(a), 0.85),
                          (mid, 0.0, 0.15), 52.0)
    if name == "feet-high":
        return CameraSpec(name, (mid + 1.9, 0.0, 1.4), (mid - 0.25, 0.0, 0.1), 60.0)
    raise ValueError(f"unknown camera {name!r}")


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray = np.array([0, 0, 1.0])) -> np.ndarray:
    """Camera-to-world pose in OpenGL's convention (the camera looks along its -z)."""
    f = target - eye
    f = f / np.linalg.norm(f)
    r = np.cross(f, up)
    r = r / np.linalg.norm(r)
    u = np.cross(r, f)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = r, u, -f, eye
    return pose


class Camera:
    """A pinhole camera: the renderer's camera and the projection of truth keypoints agree."""

    def __init__(self, spec: CameraSpec, width: int, height: int) -> None:
        self.spec = spec
        self.width, self.height = width, height
        self.fx = self.fy = (width / 2) / np.tan(np.radians(spec.hfov_deg) / 2)
        self.cx, self.cy = width / 2, height / 2
        self.pose = look_at(np.array(spec.eye, float), np.array(spec.target, float))
        self.world_to_cam = np.linalg.inv(self.pose)

    def pyrender_camera(self) -> "pyrender.IntrinsicsCamera":
        return pyrender.IntrinsicsCamera(self.fx, self.fy, self.cx, self.cy, znear=0.05, zfar=30.0)

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (N, 3) -> pixel coordinates (N, 2) and depth along the view (N,)."""
        p = (self.world_to_cam[:3, :3] @ points.T).T + self.world_to_cam[:3, 3]
        depth = -p[:, 2]
        x = self.cx + self.fx * p[:, 0] / depth
        y = self.cy - self.fy * p[:, 1] / depth
        return np.stack([x, y], axis=1), depth


def vertex_colours(body: Body, rng: np.random.Generator) -> np.ndarray:
    """RGBA per vertex from its dominant bone: clothes and skin a pose model has seen before."""
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))]
    shirt = SHIRTS[rng.integers(len(SHIRTS))]
    shorts = SHORTS[rng.integers(len(SHORTS))]
    colours = np.tile(np.array([*skin, 1.0]), (len(body.rest_vertices), 1))
    names = np.array(body.labels)[body.dominant_bone]

    def paint(mask: np.ndarray, rgb: tuple[float, float, float]) -> None:
        colours[mask, :3] = rgb

    starts = np.char.startswith
    paint(starts(names, "spine") | starts(names, "clavicle") | starts(names, "shoulder")
          | (names == "upperarm01.L") | (names == "upperarm01.R"), shirt)
    paint(starts(names, "pelvis") | (names == "root") | starts(names, "upperleg01")
          | starts(names, "upperleg02"), shorts)
    paint(starts(names, "foot") | starts(names, "toe"), (0.95, 0.95, 0.95))
    paint(starts(names, "eye"), (0.08, 0.06, 0.05))
    v = body.rest_vertices
    head_top = v[names == "head"][:, 2].max() if np.any(names == "head") else 0.0
    hair = (names == "head") & (v[:, 2] > head_top - 0.10) & (v[:, 1] > -0.06)
    hair |= (names == "head") & (v[:, 1] > 0.02) & (v[:, 2] > head_top - 0.20)
    paint(hair, (0.18, 0.12, 0.08))
    return colours


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    tri = vertices[faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    out = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(out, faces[:, k], n)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _box(size: tuple[float, float, float], centre: tuple[float, float, float],
         rgb: tuple[float, float, float]) -> "pyrender.Node":
    import trimesh

    mesh = trimesh.creation.box(extents=size)
    material = pyrender.MetallicRoughnessMaterial(baseColorFactor=[*rgb, 1.0], metallicFactor=0.0,
                                                  roughnessFactor=1.0)
    pose = np.eye(4)
    pose[:3, 3] = centre
    return pyrender.Node(mesh=pyrender.Mesh.from_trimesh(mesh, material=material, smooth=False),
                         matrix=pose)


class _OneContextProgramCache(ShaderProgramCache):
    """pyrender's shader cache, keyed by the shaders and their defines only.

    pyrender keys compiled shader programs by `OpenGL.contextdata.getContext()`, which under
    OSMesa is a new ctypes pointer object on every call (same hash, never equal), so the cache
    never hit: each frame compiled its programs again and leaked them, ~16 MB a frame (measured
    at 320x180; a 30 s clip at 960x540 grew past 9 GB and the matrix run was OOM-killed). A
    `Renderer` owns exactly one context, so the context is not needed in the key.
    """

    def __init__(self) -> None:
        super().__init__()
        self._by_source: dict[tuple, object] = {}

    def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):  # type: ignore[no-untyped-def]
        key = (vertex_shader, fragment_shader, geometry_shader, tuple(sorted((defines or {}).items())))
        program = self._by_source.get(key)
        if program is None:
            program = super().get_program(vertex_shader, fragment_shader, geometry_shader, defines)
            self._by_source[key] = program
        return program


class Renderer:
    """An off-screen scene (room, mat, lights, camera) into which each frame's body is put."""

    def __init__(self, camera: Camera, body: Body, rng: np.random.Generator,
                 mat_centre_x: float = 0.1) -> None:
        self.camera = camera
        self.body = body
        self.colours = vertex_colours(body, rng)
        self.scene = pyrender.Scene(bg_color=[0.85, 0.86, 0.88, 1.0], ambient_light=[0.35, 0.35, 0.35])
        floor_rgb = (0.72, 0.66, 0.58)
        self.scene.add_node(_box((12.0, 12.0, 0.02), (0.0, 0.0, -0.01), floor_rgb))
        self.scene.add_node(_box((1.95, 0.68, MAT_TOP), (mat_centre_x, 0.0, MAT_TOP / 2), (0.22, 0.40, 0.68)))
        self.scene.add_node(_box((12.0, 0.05, 4.0), (0.0, 3.0, 2.0), (0.88, 0.87, 0.82)))
        self.scene.add_node(_box((0.05, 12.0, 4.0), (-3.5, 0.0, 2.0), (0.84, 0.85, 0.80)))
        key = pyrender.DirectionalLight(color=np.ones(3), intensity=2.5)
        self.scene.add(key, pose=look_at(np.array([1.0, -2.0, 3.0]), np.zeros(3)))
        fill = pyrender.DirectionalLight(color=np.ones(3), intensity=1.2)
        self.scene.add(fill, pose=np.asarray(camera.pose))
        self.scene.add(camera.pyrender_camera(), pose=camera.pose)
        self.renderer = pyrender.OffscreenRenderer(camera.width, camera.height)
        self.renderer._renderer._program_cache = _OneContextProgramCache()  # see its docstring
        self._person: pyrender.Node | None = None

    def render(self, vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """RGB image (H, W, 3) uint8 and the depth map (metres, 0 where nothing) of one frame."""
        if self._person is not None:
            self.scene.remove_node(self._person)
        prim = pyrender.Primitive(
            positions=vertices.astype(np.float32),
            normals=vertex_normals(vertices, self.body.faces).astype(np.float32),
            color_0=self.colours.astype(np.float32),
            indices=self.body.faces.astype(np.uint32),
            material=pyrender.MetallicRoughnessMaterial(metallicFactor=0.0, roughnessFactor=0.9),
        )
        self._person = self.scene.add(pyrender.Mesh([prim]))
        colour, depth = self.renderer.render(self.scene)
        return np.ascontiguousarray(colour[:, :, :3]), depth

    def close(self) -> None:
        self.renderer.delete()
