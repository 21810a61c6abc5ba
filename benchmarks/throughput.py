"""Throughput benchmark: a bare MediaPipe loop vs `formcheck analyze`, with and without the video.

The bare loop decodes a frame and runs the PoseLandmarker (VIDEO mode) on it, in series. formcheck
decodes ahead of the model on one thread and draws and encodes behind it on another, so with the
annotated video it should run at least as fast as the bare loop (goal: ratio >= 1.0) while doing
more work. Prints, from one run on this machine: frames per second, CPU seconds per frame (all
threads) and peak resident memory of each phase, the ratios to the bare loop, and the load
average before and after. It asserts nothing: these machines are shared and noisy, so only
ratios measured in one run mean anything, and the bare loop runs first and last (both shown,
the ratios use their mean) so a change of load during the run shows.

    python benchmarks/throughput.py [VIDEO] [--model full]

Each phase runs in its own subprocess so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO.parent / "shared" / "media" / "pelvic_tilt_side.mp4"

RAW = r"""
import sys, time, json
import av, mediapipe as mp, numpy as np
from mediapipe.tasks.python.core.base_options import BaseOptions
from mediapipe.tasks.python.vision import pose_landmarker as pl
from mediapipe.tasks.python.vision.core.vision_task_running_mode import VisionTaskRunningMode
clip, model = sys.argv[1], sys.argv[2]
opts = pl.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=model),
                                running_mode=VisionTaskRunningMode.VIDEO)
n = 0
t0 = time.perf_counter()
with pl.PoseLandmarker.create_from_options(opts) as lm, av.open(clip) as c:
    s = c.streams.video[0]
    last = -1
    for f in c.decode(s):
        rgb = f.to_ndarray(format="rgb24")
        ts = max(last + 1, int(round(float(f.pts * s.time_base) * 1000)))
        last = ts
        lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ts)
        n += 1
import resource
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"frames": n, "seconds": time.perf_counter() - t0, "cpu": u.ru_utime + u.ru_stime, "rss_kib": u.ru_maxrss}))
"""

FORMCHECK = r"""
import sys, time, json
from pathlib import Path
from formcheck.pipeline import analyze_file
clip, model, out, video = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
t0 = time.perf_counter()
o = analyze_file(Path(clip), Path(out), model=model, write_video=video, show_progress=False)
import resource
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"frames": o.result.frames, "seconds": time.perf_counter() - t0, "cpu": u.ru_utime + u.ru_stime, "rss_kib": u.ru_maxrss}))
"""


def run_phase(code: str, *args: str) -> tuple[dict, float]:
    """Run `code` in a fresh interpreter; return its JSON line and its own peak RSS in MiB."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"benchmark phase failed:\n{proc.stderr.strip()[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result, result["rss_kib"] / 1024.0


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> int:
    sys.path.insert(0, str(REPO))
    from formcheck.models import DEFAULT_MODEL, resolve_model

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video", nargs="?", default=str(DEFAULT_CLIP))
    ap.add_argument("--model", default=DEFAULT_MODEL)
    args = ap.parse_args()

    model_path = str(resolve_model(args.model))
    if not Path(args.video).is_file():
        sys.exit(f"no such video: {args.video}")

    print(f"load average before: {load()}  ({os.cpu_count()} cores)")
    phases: list[tuple[str, dict, float]] = []
    raw_first, rss = run_phase(RAW, args.video, model_path)
    phases.append(("bare MediaPipe loop (first)", raw_first, rss))
    for label, video in (("formcheck analyze (annotated MP4)", "1"), ("formcheck analyze --no-video", "0")):
        with tempfile.TemporaryDirectory() as out:
            result, rss = run_phase(FORMCHECK, args.video, model_path, out, video)
        phases.append((label, result, rss))
    raw_last, rss = run_phase(RAW, args.video, model_path)
    phases.append(("bare MediaPipe loop (last)", raw_last, rss))
    print(f"load average after : {load()}")

    fps = {label: r["frames"] / r["seconds"] for label, r, _ in phases}
    raw_fps = (fps[phases[0][0]] + fps[phases[-1][0]]) / 2
    print(f"clip: {args.video} ({raw_first['frames']} frames), model: {args.model}")
    for label, r, rss in phases:
        cpu_ms = 1000 * r["cpu"] / r["frames"]
        print(f"{label:34s}: {fps[label]:6.1f} fps  {cpu_ms:5.1f} ms CPU/frame  peak RSS {rss:6.1f} MiB")
    print(f"ratio with the video / bare loop   : {fps[phases[1][0]] / raw_fps:6.2f}   (goal >= 1.00)")
    print(f"ratio without the video / bare loop: {fps[phases[2][0]] / raw_fps:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
