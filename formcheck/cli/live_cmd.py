"""`formcheck live`: coach in front of a webcam (or a file played as if it were one)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from formcheck.cli.common import (
    add_exercise_args,
    add_model_arg,
    add_out_arg,
    make_analyzer,
    prepare_out_dir,
    report_outcome,
)
from formcheck.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from formcheck.live import DEFAULT_REST, ROUTINES

    p = sub.add_parser(
        "live",
        help="coach live from a webcam",
        description=(
            "Coach in front of a webcam: set-up guidance, then the count, the hold timer and one "
            "cue at a time on a screen read from the mat (q or Esc quits, space pauses, r "
            "restarts the set, n goes to the next exercise); the same outputs as `analyze` and "
            "the landmark recording when the session ends. A video file given as --camera is "
            "played at its own pace, as if it were a camera."
        ),
    )
    p.add_argument("--camera", default="0", metavar="N|URL|FILE",
                   help="camera index (default 0), stream URL, or a video file played as a camera")
    p.add_argument("--list-cameras", action="store_true", help="list the cameras that can be opened, and exit")
    add_out_arg(p)
    add_model_arg(p)
    add_exercise_args(p)
    p.add_argument("--routine", metavar="NAME", choices=sorted(ROUTINES),
                   help=f"exercises in turn with a rest between ({', '.join(sorted(ROUTINES))}: "
                        "pelvic tilt, lower trunk rotation, press-up), one report for all")
    p.add_argument("--rest", type=float, default=DEFAULT_REST, metavar="S",
                   help=f"rest between the exercises of a routine, seconds (default {DEFAULT_REST:g})")
    p.add_argument("--voice", action="store_true", help="speak counts and cues (offline: espeak-ng)")
    p.add_argument("--debug", action="store_true", help="show frame rate, latency and dropped frames")
    p.add_argument("--mirror", action="store_true", help="show the window as a mirror (selfie view)")
    p.add_argument("--no-window", action="store_true", help="no window: outputs only")
    p.add_argument("--record", metavar="FILE", help="also save the raw camera stream as an MP4")
    return p


def _list_cameras() -> int:
    from formcheck.live.cameras import list_cameras

    found = list_cameras()
    for cam in found:
        print(cam.line())
    if not found:
        print("formcheck: no camera could be opened (is one plugged in, and not in use?)", file=sys.stderr)
        return 1
    return 0


def _coach(args: argparse.Namespace):  # noqa: ANN202 (formcheck.live.LiveCoach | None)
    from formcheck.analyzers import title_of
    from formcheck.live import exercise_coach, missing_analyzers, routine_coach, routine_of

    if not args.routine:
        analyzer = make_analyzer(args)
        return exercise_coach(analyzer) if analyzer is not None else None
    if args.exercise or args.reps is not None or args.hold is not None:
        raise UserError("--routine takes each exercise's own prescription: drop --exercise, --reps and --hold")
    if not args.rest >= 0:
        raise UserError(f"--rest must be a number of seconds >= 0, got {args.rest!r}")
    routine = routine_of(args.routine)
    for name in missing_analyzers(routine):
        print(f"formcheck: {title_of(name).lower()} has no analyzer in this version: the {routine.name} "
              "routine goes on without it", file=sys.stderr)
    try:
        return routine_coach(routine, rest=args.rest)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    if args.list_cameras:
        return _list_cameras()
    from formcheck.live import find_speaker
    from formcheck.pipeline import run_live

    coach = _coach(args)
    out_dir = prepare_out_dir(args.out)
    if args.record:
        prepare_out_dir(Path(args.record).parent if Path(args.record).parent != Path("") else ".")
    speaker = find_speaker() if args.voice else None
    if args.voice and speaker is None:
        print("formcheck: no speech engine found (apt-get install espeak-ng); going on without voice",
              file=sys.stderr)
    window = None
    if not args.no_window:
        from formcheck.live.window import Window
        from formcheck.safety import SAFETY_NOTE

        window = Window()
        print(SAFETY_NOTE)
    try:
        outcome = run_live(args.camera, out_dir, model=args.model, coach=coach, mirror=args.mirror,
                           display=window, speaker=speaker, debug=args.debug,
                           record=Path(args.record) if args.record else None)
    finally:
        if window is not None:
            window.close()
    return report_outcome(outcome)
