"""`formcheck synth`: render a scripted exercise session to an MP4 plus its truth JSON.

This module imports nothing heavy: the CLI loads it for `--help` on installs without the
`synth` extra. The renderer (anny, torch, pyrender over OSMesa) is imported only in `run`, after
the options are checked, and a missing piece becomes one line naming the fix.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from formcheck.analyzers.registry import VIEWS as CAMERAS
from formcheck.errors import UserError
from formcheck.synth import DEFAULT_CRF
from formcheck.synth.script import EXERCISES, FAULTS, PRESS_SUPPORT, VARIANTS  # numpy only: cheap to import

TEMPOS = ("slow", "normal", "fast")
INSTALL_FIX = "pip install -e '.[synth]' and apt-get install libosmesa6"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "synth",
        help="render a scripted exercise session (needs the synth extra)",
        description=(
            "Render a person doing a scripted exercise to FILE.mp4 (H.264) and FILE.truth.json "
            "(exact events, per-frame keypoints). Needs the synth extra: " + INSTALL_FIX + "."
        ),
    )
    p.add_argument("exercise", metavar="EXERCISE", help="one of: " + ", ".join(EXERCISES))
    p.add_argument("--out", required=True, metavar="FILE.mp4", help="video to write (truth JSON beside it)")
    p.add_argument("--reps", type=int, default=3, help="repetitions (per side for trunk-rotation); default 3")
    p.add_argument("--hold", default=None, metavar="S[,S...]",
                   help="hold seconds per rep, cycled (e.g. 4,4,1.5); 0 = rocking / no hold")
    p.add_argument("--tempo", default="normal", metavar="slow|normal|fast|SECONDS",
                   help="time to move into and out of position")
    p.add_argument("--range", dest="range_deg", type=float, default=None, metavar="DEG",
                   help="pelvic tilt (default 10), knee drop (default 50), knee sway (default 8) "
                        "or top elbow angle of a press-up (default 175)")
    p.add_argument("--order", default="left,right", help="trunk-rotation sides in order, e.g. left,right or right")
    p.add_argument("--rest", type=float, default=1.5, help="seconds at neutral between reps")
    p.add_argument("--lead-in", type=float, default=2.0,
                   help="seconds lying still before the first rep (an analyzer's calibration); default 2")
    p.add_argument("--duration", type=float, default=None,
                   help="clip length in seconds: a rest clip's length (default 8), else a cut-off")
    p.add_argument("--camera", default="side", help="one of: " + ", ".join(CAMERAS))
    p.add_argument("--size", default="640x360", metavar="WxH", help="frame size (default 640x360)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    p.add_argument("--body", default="average",
                   help="body shape: average, woman, man, heavy, slim-tall, older, or gender=..,weight=.. (0..1)")
    p.add_argument("--seed", type=int, default=0, help="seed for small natural variation")
    p.add_argument("--fault", default=None,
                   help="bridge (pelvic-tilt); shoulder-lift, feet-off, knees-apart (trunk-rotation); "
                        "hips-lift (press-up); or, instead of press-ups, push-up / knee-push-up (from "
                        "the toes / knees) or plank (held --hold s per rep)")
    p.add_argument("--variant", default=None,
                   help="feet-up: a trunk rotation from tabletop (hips and knees at 90 degrees, feet "
                        "off the floor); default the handouts' feet on the floor")
    p.add_argument("--fault-reps", default=None, metavar="N[,N...]",
                   help="1-based reps that carry the fault (default: all)")
    p.add_argument("--sensor-noise", type=float, default=0.0, metavar="SIGMA",
                   help="camera sensor noise: Gaussian pixel noise of this standard deviation "
                        "(0-255 levels; default 0), so the landmarks jitter as a poor webcam's do")
    p.add_argument("--crf", type=int, default=DEFAULT_CRF,
                   help=f"H.264 quality (lower is larger; default {DEFAULT_CRF}: near-lossless, "
                        "so slow movements are not held back by the encoder)")
    return p


def _floats(text: str, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise UserError(f"{what} must be numbers separated by commas, got {text!r}") from None
    if not values:
        raise UserError(f"{what} is empty")
    return values


def check_args(args: argparse.Namespace):
    """Validate everything that does not need the renderer; returns the parameter objects."""
    if args.exercise not in EXERCISES:
        raise UserError(f"unknown exercise {args.exercise!r}: choose one of {', '.join(EXERCISES)}")
    if args.camera not in CAMERAS:
        raise UserError(f"unknown camera {args.camera!r}: choose one of {', '.join(CAMERAS)}")
    if args.reps < 0:
        raise UserError(f"--reps must be 0 or more, got {args.reps}")
    if not args.fps > 0 or args.fps > 120:
        raise UserError(f"--fps must be above 0 and at most 120, got {args.fps}")
    try:
        w_text, h_text = args.size.lower().split("x")
        width, height = int(w_text), int(h_text)
    except ValueError:
        raise UserError(f"--size must look like 640x360, got {args.size!r}") from None
    if not (64 <= width <= 3840 and 64 <= height <= 2160) or width % 2 or height % 2:
        raise UserError(f"--size {args.size}: width and height must be even, 64-3840 x 64-2160")
    holds = _floats(args.hold, "--hold") if args.hold is not None else ()
    if any(h < 0 for h in holds):
        raise UserError(f"--hold must not be negative, got {args.hold}")
    if any(h > 120 for h in holds):
        raise UserError(f"--hold {args.hold}: a hold longer than 120 s makes a clip too long to render")
    tempo: str | float = args.tempo
    if args.tempo not in TEMPOS:
        try:
            tempo = float(args.tempo)
        except ValueError:
            raise UserError(f"--tempo must be slow, normal, fast or seconds, got {args.tempo!r}") from None
        if not 0.2 <= tempo <= 10:
            raise UserError(f"--tempo {tempo}: seconds to move must be 0.2-10")
    order = tuple(s.strip() for s in args.order.split(",") if s.strip())
    if not order or any(s not in ("left", "right") for s in order):
        raise UserError(f"--order must list left and/or right, got {args.order!r}")
    if args.range_deg is not None:
        limits = {"pelvic-tilt": (1, 25), "trunk-rotation": (5, 80), "press-up": (90, 180), "rest": (0, 0),
                  "knee-sway": (1, 15)}
        lo, hi = limits[args.exercise]
        if not lo <= args.range_deg <= hi:
            raise UserError(f"--range {args.range_deg} is outside {lo}-{hi} for {args.exercise}")
    if args.rest < 0:
        raise UserError(f"--rest must not be negative, got {args.rest}")
    if not 0 <= args.lead_in <= 60:
        raise UserError(f"--lead-in must be 0-60 s, got {args.lead_in}")
    if args.fault is not None and args.fault not in FAULTS[args.exercise]:
        allowed = ", ".join(FAULTS[args.exercise]) or "none"
        raise UserError(f"unknown fault {args.fault!r} for {args.exercise}: choose {allowed}")
    if args.variant is not None and args.variant not in VARIANTS.get(args.exercise, ()):
        allowed = ", ".join(VARIANTS.get(args.exercise, ())) or "none"
        raise UserError(f"unknown variant {args.variant!r} for {args.exercise}: choose {allowed}")
    fault_reps: tuple[int, ...] = ()
    if args.fault_reps is not None:
        if args.fault is None:
            raise UserError("--fault-reps needs --fault")
        if args.fault in PRESS_SUPPORT:
            raise UserError(f"--fault {args.fault} replaces every press-up: drop --fault-reps")
        fault_reps = tuple(int(x) for x in _floats(args.fault_reps, "--fault-reps"))
        if any(not 1 <= r <= max(args.reps, 1) for r in fault_reps):
            raise UserError(f"--fault-reps {args.fault_reps}: reps are numbered 1-{args.reps}")
    if args.duration is not None:
        if not 0.1 <= args.duration <= 600:
            raise UserError(f"--duration must be 0.1-600 s, got {args.duration}")
        if holds and max(holds) >= args.duration:
            raise UserError(f"--hold {max(holds):g} s is longer than the clip (--duration {args.duration:g} s)")
    if not 0 <= args.sensor_noise <= 60:
        raise UserError(f"--sensor-noise must be 0-60 levels, got {args.sensor_noise}")
    from formcheck.synth.state import parse_body  # numpy only

    try:
        parse_body(args.body)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    out = Path(args.out)
    if out.suffix.lower() != ".mp4":
        raise UserError(f"--out must name an .mp4 file, got {args.out}")
    if out.is_dir():
        raise UserError(f"--out {args.out} is a directory; name an .mp4 file")
    if not out.parent.is_dir():
        raise UserError(f"--out {args.out}: folder {out.parent} does not exist")
    if not _writable(out.parent):
        raise UserError(f"--out {args.out}: folder {out.parent} is not writable")
    return dict(exercise=args.exercise, reps=args.reps, hold=holds, tempo=tempo,
                range_deg=args.range_deg, order=order, fault=args.fault, fault_reps=fault_reps,
                rest=args.rest, lead_in=args.lead_in, duration=args.duration,
                seed=args.seed, variant=args.variant), \
        dict(camera=args.camera, width=width, height=height, fps=args.fps, body=args.body,
             crf=args.crf, sensor_noise=args.sensor_noise), out


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK)


def require_extra() -> None:
    """One line naming the fix when the synth extra or the OSMesa library is missing."""
    missing = [name for name in ("torch", "anny", "pyrender") if importlib.util.find_spec(name) is None]
    if missing:
        raise UserError(f"formcheck synth needs the synth extra ({', '.join(missing)} missing): {INSTALL_FIX}")
    import ctypes.util

    if ctypes.util.find_library("OSMesa") is None:
        raise UserError(f"formcheck synth needs the OSMesa library (libOSMesa not found): {INSTALL_FIX}")


def run(args: argparse.Namespace) -> int:
    script_kw, render_kw, out = check_args(args)
    require_extra()
    import os

    os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
    try:
        from formcheck.synth.script import ScriptParams, build_script
        from formcheck.synth.session import RenderParams, render_session, truth_path_for
    except ImportError as exc:
        raise UserError(f"formcheck synth could not load its renderer ({exc}): {INSTALL_FIX}") from None
    script_params = ScriptParams(**script_kw)
    script = build_script(script_params)
    if script.duration > 600:
        raise UserError(f"the session would last {script.duration:.0f} s; keep it under 600 s (fewer reps or shorter holds)")
    if script_params.hold and script_params.reps == 0 and args.exercise != "rest":
        raise UserError("--hold given with --reps 0: there is nothing to hold")
    render_params = RenderParams(**render_kw, command=["formcheck", "synth", *sys.argv[2:]]
                                 if sys.argv[1:2] == ["synth"] else [])
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty and (done % 10 == 0 or done == total):
            print(f"\rrendering frame {done}/{total}", end="" if done < total else "\n",
                  file=sys.stderr, flush=True)

    render_session(script_params, render_params, out, progress)
    print(f"wrote {out} and {truth_path_for(out)}")
    return 0
