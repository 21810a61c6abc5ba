"""Render one scripted session: the H.264 MP4 and its truth JSON, written atomically.

Frame i is shown at exactly i / fps seconds of the script (the MP4's timestamps are the script's
clock), so every event time in the truth refers to the same instant as the video.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import numpy as np

import formcheck
from formcheck.synth import DEFAULT_CRF
from formcheck.synth import truth as truth_schema
from formcheck.synth.body import COCO17, Body, parse_body
from formcheck.synth.posing import MAT_TOP, LyingPoser
from formcheck.synth.render import Camera, Renderer, camera_spec
from formcheck.synth.script import Script, ScriptParams, build_script

OCCLUDED_M = 0.12
VIEW_OF_CAMERA = {"side": "side", "side-raised": "side", "oblique": "oblique", "feet-high": "top"}


@dataclass
class RenderParams:
    """How to film a script."""

    camera: str = "side"
    width: int = 640
    height: int = 360
    fps: float = 30.0
    body: str = "average"
    crf: int = DEFAULT_CRF  # see formcheck.synth.DEFAULT_CRF
    # Camera sensor noise: the standard deviation (0-255 levels) of Gaussian noise added to
    # every pixel of every frame, so the pose landmarks jitter as a poor webcam's do.
    sensor_noise: float = 0.0
    command: list[str] = field(default_factory=list)


def truth_path_for(video: Path) -> Path:
    return video.with_name(video.stem + ".truth.json")


def render_session(script_params: ScriptParams, render_params: RenderParams, out: Path,
                   progress: Callable[[int, int], None] | None = None) -> dict:
    """Render to `out` (MP4) and `out.truth.json`; returns the truth dict."""
    script = build_script(script_params)
    rng = np.random.default_rng(script_params.seed + 1000)
    noise_rng = np.random.default_rng(script_params.seed + 2000)
    phenotype = parse_body(render_params.body)
    body = Body(phenotype)
    poser = LyingPoser(body, prone=script.prone, rng=rng, support=script.support)
    spec = camera_spec(render_params.camera, script.prone, 1.7)
    camera = Camera(spec, render_params.width, render_params.height)
    renderer = Renderer(camera, body, rng)
    fps = float(render_params.fps)
    length = script.duration if script_params.duration is None else min(script.duration, script_params.duration)
    n_frames = max(1, int(round(length * fps)))
    tmp_video = _temp_beside(out)
    per_frame: list[dict] = []
    try:
        container = av.open(str(tmp_video), mode="w", format="mp4",
                            options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001)
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height = render_params.width, render_params.height
        stream.pix_fmt = "yuv420p"
        frame_time_base = 1 / rate  # the muxer later changes stream.time_base: keep our own
        stream.time_base = frame_time_base
        stream.options = {"crf": str(render_params.crf), "preset": "medium"}
        batch = 16
        for first in range(0, n_frames, batch):
            idx = list(range(first, min(first + batch, n_frames)))
            times = [i / fps for i in idx]
            states = [script.state_at(t) for t in times]
            poses = [poser.pose(s) for s in states]
            vertices, keypoints = body.skin(poses)
            for k, i in enumerate(idx):
                image, depth = renderer.render(vertices[k])
                if render_params.sensor_noise > 0:
                    noisy = image + noise_rng.normal(0.0, render_params.sensor_noise, image.shape)
                    image = np.clip(noisy, 0, 255).astype(np.uint8)
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts = i
                frame.time_base = frame_time_base
                for packet in stream.encode(frame):
                    container.mux(packet)
                per_frame.append(_frame_truth(times[k], states[k], keypoints[k], camera, depth))
                if progress:
                    progress(i + 1, n_frames)
        for packet in stream.encode():
            container.mux(packet)
        container.close()
        truth = build_truth(script, script_params, render_params, body, camera, out.name,
                            fps, n_frames, per_frame)
        truth_schema.validate(truth)
        tmp_json = _temp_beside(truth_path_for(out))
        tmp_json.write_text(dump_truth(truth))
        for tmp in (tmp_video, tmp_json):
            os.chmod(tmp, 0o644)
        os.replace(tmp_video, out)
        os.replace(tmp_json, truth_path_for(out))
    finally:
        renderer.close()
        if tmp_video.exists():
            tmp_video.unlink()
    return truth


def dump_truth(truth: dict) -> str:
    """Readable events on top, then one compact line per frame (keeps samples' JSON small)."""
    head = {k: v for k, v in truth.items() if k != "per_frame"}
    text = json.dumps(head, indent=1)[:-2]
    lines = ",\n  ".join(json.dumps(f, separators=(",", ":")) for f in truth["per_frame"])
    return text + ',\n "per_frame": [\n  ' + lines + "\n ]\n}\n"


def _temp_beside(path: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    return Path(name)


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    u, v = a - b, c - b
    cos = np.dot(u, v) / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-9)
    return float(np.degrees(np.arccos(np.clip(cos, -1, 1))))


def _frame_truth(t: float, state, kp3d: np.ndarray, camera: Camera, depth: np.ndarray) -> dict:
    k = {name: kp3d[i] for i, name in enumerate(COCO17)}
    px, z = camera.project(kp3d)
    occluded = []
    for (x, y), d in zip(px, z):
        xi, yi = int(round(x)), int(round(y))
        surface = depth[yi, xi] if 0 <= xi < camera.width and 0 <= yi < camera.height else 0.0
        occluded.append(bool(surface > 0 and d - surface > OCCLUDED_M))
    shoulders = (k["left_shoulder"] + k["right_shoulder"]) / 2
    hips = (k["left_hip"] + k["right_hip"]) / 2
    trunk = np.degrees(np.arctan2(shoulders[2] - hips[2], np.linalg.norm(shoulders[:2] - hips[:2])))
    return {
        "t": round(t, 6),
        "keypoints": np.round(px, 1).tolist(),
        "depth": np.round(z, 2).tolist(),
        "occluded": occluded,
        "world": np.round(kp3d, 3).tolist(),
        "pelvic_tilt_deg": round(state.pelvic_tilt, 3),
        "knee_drop_deg": round(state.knee_drop, 3),
        "shoulder_lift_deg": round(state.shoulder_lift, 3),
        "feet_lift_m": round(state.feet_lift, 4),
        "knee_spread_deg": round(state.knee_spread, 3),
        "tabletop": round(state.tabletop, 3),
        "press": round(state.press, 4),
        "hip_lift_m": round(state.hip_lift, 4),
        "hip_height_m": round(float(hips[2] - MAT_TOP), 4),
        "knee_deg": [round(_angle(k[f"{s}_hip"], k[f"{s}_knee"], k[f"{s}_ankle"]), 2)
                     for s in ("left", "right")],
        "elbow_deg": [round(_angle(k[f"{s}_shoulder"], k[f"{s}_elbow"], k[f"{s}_wrist"]), 2)
                      for s in ("left", "right")],
        "trunk_deg": round(float(trunk), 2),
    }


def _clipped(intervals: list[dict], duration: float) -> list[dict]:
    """The intervals that start within the clip, ended at its end."""
    return [{**iv, "end": min(iv["end"], duration)} for iv in intervals if iv["start"] < duration]


def build_truth(script: Script, sp: ScriptParams, rp: RenderParams, body: Body, camera: Camera,
                clip_name: str, fps: float, n_frames: int, per_frame: list[dict]) -> dict:
    import anny

    duration = round(n_frames / fps, 6)
    holds = [h for h in script.holds if h["end"] <= duration]
    excursions = [e for e in script.excursions if e["end"] <= duration]
    reps = [r for r in script.press_reps if r["end"] <= duration]
    off = _clipped(script.hips_off_floor(), duration)
    truth: dict = {
        "schema": truth_schema.SCHEMA,
        "schema_version": truth_schema.SCHEMA_VERSION,
        "clip": clip_name,
        "fps": fps,
        "frames": n_frames,
        "duration_s": duration,
        "exercise": sp.exercise,
        "fault": sp.fault,
        "variant": sp.variant,
        "segments": [{"start": 0.0, "end": duration, "kind": "exercise",
                      "view": VIEW_OF_CAMERA[rp.camera], "whole_body": True, "person": "rendered",
                      "note": f"rendered {sp.exercise}, camera {rp.camera}, body {rp.body}"}],
    }
    why_holds = ", ".join(f"{h['end'] - h['start']:.2f}" for h in holds)
    if sp.exercise in ("pelvic-tilt", "trunk-rotation", "rest", "knee-sway"):
        truth["pelvic_tilt"] = {"holds": holds, "count": len(holds)}
        truth["trunk_rotation"] = {
            "excursions": excursions,
            "count_per_side": {s: sum(e["side"] == s for e in excursions) for s in ("left", "right")},
            "faults": {k: _clipped(v, duration) for k, v in script.faults().items()},
        }
    if sp.exercise == "press-up":
        truth["press_up"] = {"reps": reps, "count": len(reps)}
    truth["hips_off_floor"] = off
    expected: dict = {}
    if sp.exercise == "pelvic-tilt":
        why = f"{len(holds)} scripted tilts, holds {why_holds} s (from reaching the tilt to the start of the release)"
        if script.bridges:
            why += f"; {script.bridges} bridge(s) (hips lifted {len(off)} time(s)): faults, never tilts"
        expected["pelvic_tilt"] = {"count": len(holds), "tolerance": 0, "why": why}
        expected["trunk_rotation"] = {"count": 0, "tolerance": 0, "why": "the knees never move sideways"}
    elif sp.exercise == "trunk-rotation":
        left = truth["trunk_rotation"]["count_per_side"]["left"]
        right = truth["trunk_rotation"]["count_per_side"]["right"]
        feet = "from tabletop, feet off the floor (the feet-up variant)" if sp.variant == "feet-up" \
            else "feet on the floor"
        why = (f"{len(excursions)} scripted excursions (left {left}, right {right}), holds "
               f"{', '.join(str(e['hold']) for e in excursions)} s, {feet}")
        for key, words in (("shoulder_lifted", "the far shoulder lifts"),
                           ("feet_off", "the feet leave the floor"), ("knees_apart", "the knees fall apart")):
            n = sum(e[key] for e in excursions)
            if n:
                why += f"; {words} in {n} of them (fault)"
        expected["trunk_rotation"] = {"count": len(excursions), "tolerance": 0, "why": why}
        expected["pelvic_tilt"] = {"count": 0, "tolerance": 0,
                                   "why": "knees lowered side to side, no pelvic tilt hold"}
    elif sp.exercise == "knee-sway":
        why = "the knees sway a few degrees side to side with the pelvis, never held"
        expected["trunk_rotation"] = {"count": 0, "tolerance": 0,
                                      "why": why + ": far short of a side, not a trunk rotation"}
        expected["pelvic_tilt"] = {"count": 0, "tolerance": 0, "why": why + ": not a pelvic tilt"}
    elif sp.exercise == "press-up":
        bad = sum(not r["hips_on_floor"] for r in reps)
        why = f"{len(reps)} scripted press-ups, top elbow {reps[0]['top_elbow_deg'] if reps else '-'} deg"
        if bad:
            why += f"; the hips lift off the floor in {bad} of them (fault, still counted)"
        if script.notes:
            why = "; ".join(script.notes) if not reps else why + "; " + "; ".join(script.notes)
        expected["press_up"] = {"count": len(reps), "tolerance": 0, "why": why}
    else:
        expected["pelvic_tilt"] = {"count": 0, "tolerance": 0, "why": "lying still in hook-lying"}
        expected["trunk_rotation"] = {"count": 0, "tolerance": 0, "why": "lying still in hook-lying"}
    truth["expected"] = expected
    truth["confidence"] = "high"
    truth["notes"] = ("Rendered with formcheck synth: events are the script's own (exact). "
                      "Person lies along the image's horizontal, head "
                      + ("image-left" if rp.camera != "feet-high" else "away from the camera")
                      + "; supine, the side camera films the person's right side.")
    truth["generator"] = {
        "tool": "formcheck synth",
        "formcheck_version": formcheck.__version__,
        "anny_version": anny.__version__,
        "python": sys.version.split()[0],
        "command": shlex.join(rp.command) if rp.command else None,
        "script": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(sp).items()},
        "render": {k: v for k, v in asdict(rp).items() if k != "command"},
    }
    truth["camera"] = {"name": camera.spec.name, "eye": list(camera.spec.eye),
                       "target": list(camera.spec.target), "hfov_deg": camera.spec.hfov_deg,
                       "width": camera.width, "height": camera.height, "fx": camera.fx,
                       "fy": camera.fy, "cx": camera.cx, "cy": camera.cy}
    truth["body"] = {"name": rp.body, "phenotype": body.phenotype}
    truth["keypoint_names"] = list(body.keypoint_labels)
    truth["per_frame"] = per_frame
    return truth
