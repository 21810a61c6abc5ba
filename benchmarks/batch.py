"""Batch benchmark: videos per minute with 1 job, `--jobs 2` and the Ray path, on the same videos.

Runs `formcheck analyze VIDEOS... --exercise pelvic-tilt` as a user would (a fresh process each
time, worker start-up and model loading included) three ways: `--jobs 1`, `--jobs 2` and
`--cluster ray --jobs 2` (a local Ray cluster with 2 CPUs, started and stopped by formcheck),
and prints the videos per minute of each and its ratio to 1 job, the CPU seconds the local runs
used (how many cores they kept busy on average), with the load average before and after. It asserts nothing: these machines are shared and noisy, so only ratios measured in
one run mean anything; a ratio well under the number of jobs on a busy machine says the other
cores were not free, not that the batch cannot use them.

    python benchmarks/batch.py [VIDEO ...] [--no-video] [--skip-ray]

Default videos: the 8 first of samples/ and tests/data/rendered/ (rendered clips, 6-22 s each).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def default_videos() -> list[Path]:
    found = sorted((REPO / "samples").glob("*.mp4")) + sorted((REPO / "tests" / "data" / "rendered").glob("*.mp4"))
    return found[:8]


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def formcheck_command() -> list[str]:
    exe = Path(sys.executable).with_name("formcheck")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "formcheck"]


def children_cpu() -> float:
    """CPU seconds of the finished child processes (and theirs: pool workers are waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(label: str, videos: list[Path], extra: list[str], no_video: bool) -> tuple[float, float]:
    """(seconds, CPU seconds) of one batch run; exits on failure with formcheck's own words.
    Ray's workers are the raylet's children, not ours: their CPU is not in the count."""
    out = Path(tempfile.mkdtemp(prefix="formcheck-bench-"))
    cmd = [*formcheck_command(), "analyze", *map(str, videos), "--exercise", "pelvic-tilt",
           "--out", str(out), *extra, *(["--no-video"] if no_video else [])]
    started, cpu = time.perf_counter(), children_cpu()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    shutil.rmtree(out, ignore_errors=True)
    if proc.returncode not in (0, 1):  # 1: a video with nobody in it still counts as analyzed
        sys.exit(f"{label} failed ({proc.returncode}):\n{proc.stderr.strip()[-2000:]}")
    return seconds, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("videos", nargs="*", type=Path)
    ap.add_argument("--no-video", action="store_true", help="without the annotated MP4s")
    ap.add_argument("--skip-ray", action="store_true", help="only the local process pool")
    args = ap.parse_args()
    videos = args.videos or default_videos()
    missing = [v for v in videos if not v.is_file()]
    if missing:
        sys.exit(f"no such video: {missing[0]}")
    ways = [("1 job", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"])]
    if not args.skip_ray:
        ways.append(("--cluster ray --jobs 2", ["--cluster", "ray", "--jobs", "2"]))

    print(f"{len(videos)} videos, {'no annotated video' if args.no_video else 'with the annotated video'}; "
          f"{os.cpu_count()} cores; load average before: {load()}")
    per_minute: dict[str, float] = {}
    for label, extra in ways:
        seconds, cpu = run(label, videos, extra, args.no_video)
        per_minute[label] = len(videos) / seconds * 60
        used = "Ray workers not counted" if "ray" in label else f"{cpu / seconds:4.2f} cores busy on average"
        print(f"{label:24s}: {seconds:7.1f} s  {per_minute[label]:6.2f} videos/min  "
              f"ratio to 1 job {per_minute[label] / per_minute['1 job']:5.2f}  CPU {cpu:6.1f} s "
              f"({used})   (load {load()})")
    print(f"load average after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
