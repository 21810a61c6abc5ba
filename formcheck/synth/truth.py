"""The truth JSON written beside every rendered clip, and its validator.

Schema `formcheck-synth-truth`, version 1. The event part is the same as the hand-written labels
in `../shared/media/labels/` so one scorer reads both:

- `clip` (the MP4's file name, beside the JSON), `fps`, `frames`, `duration_s`;
- `segments`: one `exercise` segment covering the clip (`view` is the camera's, `whole_body`
  true, `person` "rendered");
- `pelvic_tilt.holds` [{start, end, confidence}] and `count`; `trunk_rotation.excursions`
  [{start, end, side, peak, hold, range_deg, shoulder_lifted, feet_off, knees_apart,
  confidence}], `count_per_side` and `faults` ({shoulder_lift, feet_off_floor, knees_apart:
  [{start, end}]}, where the scripted fault is there);
  `press_up.reps` [{start, top, end, hips_on_floor, hold, top_elbow_deg, confidence}] and
  `count`; `hips_off_floor` [{start, end}];
- `expected.<analyzer>` {count, tolerance, why} for every analyzer the clip can judge;
- `confidence` "high" (the events are the script's own, exact to the millisecond).

Rendered clips add what no hand label has:

- `schema`, `schema_version`, `exercise`, `fault`, `variant`, `generator` (tool, versions, parameters and
  the command line that regenerates the clip from its seed), `camera` (placement and pinhole
  intrinsics), `body` (anny phenotype values);
- `keypoint_names`: COCO-17 then the six COCO-WholeBody foot points, as anny's regressor gives
  them; `per_frame`: one entry per video frame with `t` (seconds, the frame's presentation time),
  `keypoints` [[x, y] pixels], `depth` (metres along the view), `occluded` (the rendered surface
  is more than 0.12 m in front of the point: a far-side joint), `world` [[x, y, z] metres, floor
  z = 0, head toward -x], the scripted quantities (`pelvic_tilt_deg`, `knee_drop_deg` with the
  person's left positive, `shoulder_lift_deg`, `feet_lift_m`, `knee_spread_deg`, `tabletop`,
  `press` 0..1, `hip_lift_m`) and measured ones
  (`hip_height_m` of the hip keypoints above the mat, `knee_deg` and `elbow_deg` [left, right]
  from the 3-D keypoints, `trunk_deg` the shoulder-to-hip line's angle above the floor).

This module is numpy-free and renderer-free so that tests can validate the committed truth files
with the core install only.
"""

from __future__ import annotations

from typing import Any

SCHEMA = "formcheck-synth-truth"
SCHEMA_VERSION = 1
ANALYZERS = ("pelvic_tilt", "trunk_rotation", "press_up")
SIDES = ("left", "right")
PER_FRAME_KEYS = ("t", "keypoints", "depth", "occluded", "world", "pelvic_tilt_deg",
                  "knee_drop_deg", "shoulder_lift_deg", "press", "hip_lift_m", "hip_height_m",
                  "knee_deg", "elbow_deg", "trunk_deg")


class TruthError(ValueError):
    """A truth file that does not follow the schema; the message names the field."""


def _need(obj: dict, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise TruthError(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind in (int, float, (int, float)) and isinstance(value, bool)):
        raise TruthError(f"{where}.{key}: expected {kind}, got {type(value).__name__}")
    return value


def _interval(ev: dict, where: str, duration: float) -> None:
    start = _need(ev, "start", (int, float), where)
    end = _need(ev, "end", (int, float), where)
    if not 0 <= start <= end <= duration + 1e-6:
        raise TruthError(f"{where}: interval {start}-{end} is outside 0-{duration}")


def validate(truth: dict) -> None:
    """Raise TruthError naming the first field that breaks schema version 1."""
    if truth.get("schema") != SCHEMA:
        raise TruthError(f"schema: expected {SCHEMA!r}, got {truth.get('schema')!r}")
    version = _need(truth, "schema_version", int, "truth")
    if version > SCHEMA_VERSION:
        raise TruthError(f"schema_version {version} is newer than this formcheck ({SCHEMA_VERSION})")
    clip = _need(truth, "clip", str, "truth")
    if not clip.endswith(".mp4") or "/" in clip:
        raise TruthError(f"clip: expected a file name ending in .mp4, got {clip!r}")
    fps = _need(truth, "fps", (int, float), "truth")
    frames = _need(truth, "frames", int, "truth")
    duration = _need(truth, "duration_s", (int, float), "truth")
    if fps <= 0 or frames <= 0 or abs(frames / fps - duration) > 1.5 / fps:
        raise TruthError(f"fps/frames/duration_s disagree: {fps}, {frames}, {duration}")
    if _need(truth, "confidence", str, "truth") != "high":
        raise TruthError("confidence: rendered truth is exact and must say 'high'")
    segments = _need(truth, "segments", list, "truth")
    if not segments:
        raise TruthError("segments: empty")
    for i, seg in enumerate(segments):
        _interval(seg, f"segments[{i}]", duration)
        for key, kind in (("kind", str), ("view", str), ("whole_body", bool), ("person", str)):
            _need(seg, key, kind, f"segments[{i}]")
    if "pelvic_tilt" in truth:
        pt = _need(truth, "pelvic_tilt", dict, "truth")
        holds = _need(pt, "holds", list, "pelvic_tilt")
        for i, h in enumerate(holds):
            _interval(h, f"pelvic_tilt.holds[{i}]", duration)
        if _need(pt, "count", int, "pelvic_tilt") != len(holds):
            raise TruthError("pelvic_tilt.count differs from the number of holds")
    if "trunk_rotation" in truth:
        tr = _need(truth, "trunk_rotation", dict, "truth")
        excursions = _need(tr, "excursions", list, "trunk_rotation")
        per_side = {side: 0 for side in SIDES}
        for i, ex in enumerate(excursions):
            where = f"trunk_rotation.excursions[{i}]"
            _interval(ex, where, duration)
            side = _need(ex, "side", str, where)
            if side not in SIDES:
                raise TruthError(f"{where}.side: {side!r} is not left or right")
            per_side[side] += 1
            peak = _need(ex, "peak", (int, float), where)
            if not ex["start"] <= peak <= ex["end"]:
                raise TruthError(f"{where}.peak {peak} is outside its excursion")
        if _need(tr, "count_per_side", dict, "trunk_rotation") != per_side:
            raise TruthError("trunk_rotation.count_per_side differs from the excursions")
        for kind, intervals in tr.get("faults", {}).items():
            for i, iv in enumerate(intervals):
                _interval(iv, f"trunk_rotation.faults.{kind}[{i}]", duration)
    if "press_up" in truth:
        pu = _need(truth, "press_up", dict, "truth")
        reps = _need(pu, "reps", list, "press_up")
        for i, rep in enumerate(reps):
            where = f"press_up.reps[{i}]"
            _interval(rep, where, duration)
            top = _need(rep, "top", (int, float), where)
            if not rep["start"] <= top <= rep["end"]:
                raise TruthError(f"{where}.top {top} is outside its rep")
            _need(rep, "hips_on_floor", bool, where)
        if _need(pu, "count", int, "press_up") != len(reps):
            raise TruthError("press_up.count differs from the number of reps")
    for i, iv in enumerate(_need(truth, "hips_off_floor", list, "truth")):
        _interval(iv, f"hips_off_floor[{i}]", duration)
    expected = _need(truth, "expected", dict, "truth")
    if not expected:
        raise TruthError("expected: empty")
    for name, exp in expected.items():
        if name not in ANALYZERS:
            raise TruthError(f"expected.{name}: unknown analyzer (known: {', '.join(ANALYZERS)})")
        _need(exp, "count", int, f"expected.{name}")
        _need(exp, "tolerance", int, f"expected.{name}")
        _need(exp, "why", str, f"expected.{name}")
    names = _need(truth, "keypoint_names", list, "truth")
    per_frame = _need(truth, "per_frame", list, "truth")
    if len(per_frame) != frames:
        raise TruthError(f"per_frame has {len(per_frame)} entries for {frames} frames")
    last = -1.0
    for i, fr in enumerate(per_frame):
        where = f"per_frame[{i}]"
        for key in PER_FRAME_KEYS:
            if key not in fr:
                raise TruthError(f"{where}: missing field {key!r}")
        if fr["t"] <= last:
            raise TruthError(f"{where}.t: times must increase")
        last = fr["t"]
        for key in ("keypoints", "depth", "occluded", "world"):
            if len(fr[key]) != len(names):
                raise TruthError(f"{where}.{key}: {len(fr[key])} values for {len(names)} keypoints")
