"""Throughput benchmark: raw MediaPipe PoseLandmarker (VIDEO mode) vs `formcheck analyze`.

Prints, from one run on this machine, the frames per second of each, their ratio (the goal is
formcheck >= 0.8 of raw: the pipeline's decoding, overlay and H.264 encoding must not dominate
the model) and the peak resident memory of each. It asserts nothing: these machines are shared
and noisy, so only ratios measured in one run mean anything.

    python benchmarks/throughput.py [VIDEO] [--model full] [--no-video]

Each phase runs in its own subprocess so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
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
print(json.dumps({"frames": n, "seconds": time.perf_counter() - t0, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

FORMCHECK = r"""
import sys, time, json
from pathlib import Path
from formcheck.pipeline import analyze_file
clip, model, out, video = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
t0 = time.perf_counter()
o = analyze_file(Path(clip), Path(out), model=model, write_video=video, show_progress=False)
import resource
print(json.dumps({"frames": o.result.frames, "seconds": time.perf_counter() - t0, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
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


def main() -> int:
    sys.path.insert(0, str(REPO))
    from formcheck.models import DEFAULT_MODEL, resolve_model

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video", nargs="?", default=str(DEFAULT_CLIP))
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--no-video", action="store_true", help="formcheck phase without the annotated MP4")
    args = ap.parse_args()

    model_path = str(resolve_model(args.model))
    if not Path(args.video).is_file():
        sys.exit(f"no such video: {args.video}")

    raw, raw_rss = run_phase(RAW, args.video, model_path)
    with tempfile.TemporaryDirectory() as out:
        fc, fc_rss = run_phase(FORMCHECK, args.video, model_path, out, "0" if args.no_video else "1")
    raw_fps = raw["frames"] / raw["seconds"]
    fc_fps = fc["frames"] / fc["seconds"]
    print(f"clip: {args.video} ({raw['frames']} frames), model: {args.model}")
    print(f"raw PoseLandmarker VIDEO mode : {raw_fps:7.1f} fps   peak RSS {raw_rss:7.1f} MiB")
    label = "formcheck analyze" + (" --no-video" if args.no_video else " (annotated MP4)")
    print(f"{label:30s}: {fc_fps:7.1f} fps   peak RSS {fc_rss:7.1f} MiB")
    print(f"ratio formcheck / raw          : {fc_fps / raw_fps:7.2f}   (goal >= 0.80)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
