"""`formcheck analyze VIDEO`: a recorded video -> annotated H.264 video, per-frame CSV, JSON report."""

from __future__ import annotations

import argparse
from pathlib import Path

from formcheck.cli.common import (
    add_exercise_args,
    add_model_arg,
    add_out_arg,
    make_analyzer,
    prepare_out_dir,
    report_outcome,
)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "analyze",
        help="analyze a recorded video",
        description=(
            "Run pose (and an exercise analyzer with --exercise) over a video file; write an "
            "annotated H.264 MP4, a per-frame CSV and a JSON report into --out."
        ),
    )
    p.add_argument("video", metavar="VIDEO", help="video file (mp4, mov, mkv, webm, ...)")
    add_out_arg(p)
    add_model_arg(p)
    add_exercise_args(p)
    p.add_argument("--no-video", action="store_true", help="skip the annotated video (faster)")
    p.add_argument(
        "--save-landmarks",
        action="store_true",
        help="also write a landmark recording (<name>.landmarks.npz) for `formcheck replay`",
    )
    return p


def run(args: argparse.Namespace) -> int:
    from formcheck.pipeline import analyze_file

    analyzer = make_analyzer(args)  # a bad --exercise fails before any work
    out_dir = prepare_out_dir(args.out)
    return report_outcome(analyze_file(
        Path(args.video),
        out_dir,
        model=args.model,
        analyzer=analyzer,
        write_video=not args.no_video,
        save_landmarks=args.save_landmarks,
    ))
