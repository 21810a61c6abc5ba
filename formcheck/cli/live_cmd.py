"""`formcheck live`: coach in front of a webcam (or a file played as if it were one)."""

from __future__ import annotations

import argparse
import os
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

WINDOW = "formcheck (q or Esc quits)"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "live",
        help="coach live from a webcam",
        description=(
            "Show the annotated camera stream in a window (q or Esc quits) and write the same "
            "outputs as `analyze` when the session ends. A video file given as --camera is "
            "played at its own pace, as if it were a camera."
        ),
    )
    p.add_argument(
        "--camera",
        default="0",
        metavar="N|URL|FILE",
        help="camera index (default 0), stream URL, or a video file played as a camera",
    )
    add_out_arg(p)
    add_model_arg(p)
    add_exercise_args(p)
    p.add_argument("--mirror", action="store_true", help="show the window as a mirror (selfie view)")
    p.add_argument("--no-window", action="store_true", help="no window: outputs only")
    p.add_argument("--record", metavar="FILE", help="also save the raw camera stream as an MP4")
    return p


def _window_show():
    """A `show(image) -> keep_going` for an OpenCV window; fails early without a display."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UserError("no display to open a window on; use --no-window")
    import cv2

    from formcheck.safety import SAFETY_NOTE

    print(SAFETY_NOTE)
    try:
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
    except cv2.error as exc:
        raise UserError(f"cannot open a window ({exc.msg.strip() if hasattr(exc, 'msg') else exc}); use --no-window") from None

    def show(image) -> bool:
        cv2.imshow(WINDOW, image)
        key = cv2.waitKey(1) & 0xFF
        if key in (ord("q"), 27):
            return False
        # The window's close button: stop as if q was pressed.
        return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) >= 1

    return show


def run(args: argparse.Namespace) -> int:
    from formcheck.pipeline import run_live

    analyzer = make_analyzer(args)
    out_dir = prepare_out_dir(args.out)
    if args.record:
        prepare_out_dir(Path(args.record).parent if Path(args.record).parent != Path("") else ".")
    show = None if args.no_window else _window_show()
    try:
        outcome = run_live(
            args.camera,
            out_dir,
            model=args.model,
            analyzer=analyzer,
            mirror=args.mirror,
            show=show,
            record=Path(args.record) if args.record else None,
        )
    finally:
        if show is not None:
            import cv2

            cv2.destroyAllWindows()
    return report_outcome(outcome)
