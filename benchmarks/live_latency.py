"""Live latency benchmark: does `formcheck live` keep up with a 30 fps camera?

A stand-in camera (`formcheck.live.standin`: a rendered sample at 640x480, looped, delivered at 30
fps through the real camera thread) drives a whole live session (pose model, the pelvic tilt
coach, the live screen, the annotated video, CSV and landmark recording) for `--minutes`, once per
model. Printed per model, from the session report and the process itself: sustained frames per
second, capture-to-screen latency p50/p95, frames dropped (by the loop: replaced in the
newest-frame slot before it took them; apart, those the stand-in skipped because the camera's
reader thread came late, which a webcam's driver buffers absorb), and resident memory at the start
(after 30 s), at each minute, at the loop's last frame and at its peak (the outputs written after
the loop included), with the load average around the run (the machine is shared). Asserts nothing:
read the figures with the load beside them.

    python benchmarks/live_latency.py [--minutes 10] [--models lite,full] [--window] [--voice]

`--window` shows the real window (needs a display: `xvfb-run -a python benchmarks/...`);
`--voice` runs espeak-ng for every line (synthesised to nothing, so a machine without sound
pays the same cost). Each model runs in its own subprocess so its memory is its own.
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
CLIP = REPO / "samples" / "pelvic_tilt_side.mp4"

RUN = r"""
import json, os, sys, threading, time
from pathlib import Path
from formcheck.analyzers import get_analyzer
from formcheck.live import QUIT, exercise_coach
from formcheck.live.standin import Scene, StandInCapture
from formcheck.live.voice import EspeakSpeaker, find_speaker
from formcheck.pipeline import run_live

clip, model, out, minutes, window, voice = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5] == "1", sys.argv[6] == "1"

def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0

rss = {}
def sample():
    t0 = time.monotonic()
    while not done.is_set():
        elapsed = time.monotonic() - t0
        if "start" not in rss and elapsed >= 30:
            rss["start"] = rss_mib()
        if elapsed >= 60 * (len(rss.setdefault("minutes", [])) + 1) and "end" not in rss:
            rss["minutes"].append(round(rss_mib(), 1))
        rss["peak"] = max(rss.get("peak", 0.0), rss_mib())
        done.wait(1.0)

class Timed:
    # Shows on the real window (or nowhere) and quits after the benchmark's minutes.
    def __init__(self):
        self.until = time.monotonic() + 60 * minutes
        self.window = None
        if window:
            from formcheck.live.window import Window
            self.window = Window()
    def show(self, image):
        key = self.window.show(image) if self.window is not None else None
        if time.monotonic() >= self.until:
            # the loop's last frame: writing the outputs and the report page comes after, and
            # its memory (the page's plots, the stills) is the peak's, not the loop's
            rss.setdefault("end", rss_mib())
            return QUIT
        return key

camera = StandInCapture([Scene(Path(clip))], fps=30.0, size=(640, 480), repeat=True)
speaker = None
if voice:
    exe = find_speaker()
    speaker = EspeakSpeaker(exe.executable, extra_args=["--stdout"]) if exe else None
done = threading.Event()
threading.Thread(target=sample, daemon=True).start()
load0 = os.getloadavg()[0]
outcome = run_live("0", Path(out), model=model, coach=exercise_coach(get_analyzer("pelvic_tilt")()),
                   display=Timed(), speaker=speaker, capture_factory=lambda _: camera)
done.set()
live = outcome.report["live"]
print(json.dumps({**live, "camera_skipped": camera.skipped, "camera_delivered": camera.delivered,
                  "rss": rss, "load": [round(load0, 2), round(os.getloadavg()[0], 2)],
                  "ended": outcome.result.ended_reason}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--models", default="lite,full")
    ap.add_argument("--window", action="store_true")
    ap.add_argument("--voice", action="store_true")
    ap.add_argument("--clip", type=Path, default=CLIP)
    args = ap.parse_args()
    print(f"live latency: {args.clip.name} at 640x480, 30 fps stand-in camera, {args.minutes:g} min per model, "
          f"window {'on' if args.window else 'off'}, voice {'on' if args.voice else 'off'}, {os.cpu_count()} cores")
    rows = []
    for model in args.models.split(","):
        with tempfile.TemporaryDirectory() as out:
            done = subprocess.run([sys.executable, "-c", RUN, str(args.clip), model, out, str(args.minutes),
                                   "1" if args.window else "0", "1" if args.voice else "0"],
                                  capture_output=True, text=True, cwd=REPO)
        if done.returncode != 0:
            print(f"{model}: failed\n{done.stderr[-2000:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append((model, r, r["camera_delivered"] + r["camera_skipped"], r["frames_dropped"]))
    print(f"{'model':6} {'fps':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'dropped':>15} {'late':>5} "
          f"{'RSS start':>10} {'RSS end':>8} {'peak':>8} {'load':>11}")
    for model, r, captured, dropped in rows:
        share = 100.0 * dropped / captured if captured else 0.0
        print(f"{model:6} {r['fps'] or 0:6.1f} {r['latency_p50_ms'] or 0:7.1f} {r['latency_p95_ms'] or 0:7.1f} "
              f"{r['latency_max_ms'] or 0:7.1f} {dropped:6d} ({share:5.2f} %) {r['camera_skipped']:5d} "
              f"{r['rss'].get('start', 0):7.0f} MiB {r['rss'].get('end', 0):5.0f} MiB {r['rss'].get('peak', 0):5.0f} MiB "
              f"{r['load'][0]:5.2f}-{r['load'][1]:<5.2f}")
    for model, r, _, _ in rows:
        print(f"{model}: RSS at each minute of the loop (MiB): {r['rss'].get('minutes', [])}")
    print("goals: >= 30 fps sustained with the full model, every frame analysed; capture-to-screen "
          "p95 <= 35 ms with the window and voice on; RSS flat")


if __name__ == "__main__":
    main()
