"""`formcheck analyze VIDEO|DIR ...`: recorded videos -> annotated H.264 video, per-frame CSV and
JSON report each; many at once on every core (`--jobs`) or a Ray cluster (`--cluster`)."""

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
        help="analyze recorded videos",
        description=(
            "Run pose (and an exercise analyzer with --exercise) over video files; write an "
            "annotated H.264 MP4, a per-frame CSV and a JSON report per video into --out. "
            "Several videos or a folder make a batch: analyzed in parallel, summarized in "
            "batch.csv and batch.html."
        ),
    )
    p.add_argument("video", metavar="VIDEO|DIR", nargs="+",
                   help="video files (mp4, mov, mkv, webm, ...) or folders searched for them")
    add_out_arg(p)
    add_model_arg(p)
    add_exercise_args(p)
    p.add_argument("--no-video", action="store_true", help="skip the annotated video (faster)")
    p.add_argument(
        "--save-landmarks",
        action="store_true",
        help="also write a landmark recording (<name>.landmarks.npz) for `formcheck replay`",
    )
    batch = p.add_argument_group("many videos")
    batch.add_argument("--jobs", type=int, metavar="N",
                       help="videos analyzed at once (default: one per core available; "
                            "with --cluster: the cluster's CPUs)")
    batch.add_argument("--cluster", metavar="ray[://ADDRESS]",
                       help="run the batch on Ray: `ray` starts a local cluster, ray://auto or "
                            "ray://HOST:PORT joins one (needs the cluster extra)")
    batch.add_argument("--resume", action="store_true",
                       help="skip videos whose outputs are complete (same input sha256, "
                            "formcheck version and options)")
    return p


def is_batch(args: argparse.Namespace) -> bool:
    """More than one video, a folder, or a batch option: otherwise exactly the single run."""
    return (len(args.video) > 1 or Path(args.video[0]).is_dir() or args.jobs is not None
            or args.cluster is not None or args.resume)


def run(args: argparse.Namespace) -> int:
    analyzer = make_analyzer(args)  # a bad --exercise fails before any work
    out_dir = prepare_out_dir(args.out)
    if not is_batch(args):
        from formcheck.pipeline import analyze_file

        return report_outcome(analyze_file(
            Path(args.video[0]),
            out_dir,
            model=args.model,
            analyzer=analyzer,
            write_video=not args.no_video,
            save_landmarks=args.save_landmarks,
        ))
    from formcheck.batch import AnalysisOptions, run_batch
    from formcheck.batch.run import choose_runner

    runner = choose_runner(args.jobs, args.cluster)
    options = AnalysisOptions(model=args.model, exercise=args.exercise, reps=args.reps, hold=args.hold,
                              variant=args.variant,
                              write_video=not args.no_video, save_landmarks=args.save_landmarks)
    return report_outcome(run_batch(args.video, out_dir, options.with_model_checked(), runner,
                                    resume=args.resume,
                                    return_files=args.cluster is not None and args.no_video))
