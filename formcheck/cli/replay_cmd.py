"""`formcheck replay RECORDING`: re-run an analyzer on a landmark recording, with no pose model.

A recording (from `analyze --save-landmarks`, or the scorecard's pose cache) holds every
PoseFrame of a session; replaying feeds them through the same `Session` as `analyze`, so the
report is exactly the original one, or the one another prescription (--reps, --hold) or another
exercise would have given. `--render` draws the skeleton and the coaching panel on a blank canvas
of the recorded image size: no video needed, and none of the person's image is kept.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from formcheck.cli.common import (
    add_exercise_args, add_out_arg, make_analyzer, prepare_out_dir, report_outcome,
)
from formcheck.errors import UserError
from formcheck.recording import SUFFIX, read_recording


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "replay",
        help="re-analyze a landmark recording (no video, no pose model)",
        description=(
            "Run an exercise analyzer over a landmark recording (*.landmarks.npz, written by "
            "`formcheck analyze --save-landmarks`) and write the JSON report into --out; with "
            "--render also a skeleton-only H.264 video drawn on a blank canvas. The report is "
            "<name>.replay.report.json, beside what analyze wrote, never over it."
        ),
    )
    p.add_argument("recording", metavar="RECORDING", help="landmark recording (*.landmarks.npz)")
    add_exercise_args(p)
    p.add_argument("--render", metavar="VIDEO.mp4", help="also draw the skeleton and feedback into this MP4")
    add_out_arg(p)
    return p


def stem_of(path: Path) -> str:
    name = path.name
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else path.stem


def run(args: argparse.Namespace) -> int:
    from formcheck.pipeline import replay_recording

    rec = read_recording(args.recording)
    analyzer = make_analyzer(args)  # a bad --exercise fails before any work
    out_dir = prepare_out_dir(args.out)
    render = Path(args.render) if args.render else None
    if render is not None and not render.parent.is_dir():
        raise UserError(f"cannot write {render}: folder {render.parent} does not exist")
    report_path = out_dir / f"{stem_of(Path(args.recording))}.replay.report.json"
    return report_outcome(replay_recording(rec, analyzer, report_path, render=render))
