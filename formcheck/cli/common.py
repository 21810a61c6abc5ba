"""Options and helpers shared by the commands that run an analyzer (analyze, live, replay)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.analyzers import new_analyzer
from formcheck.analyzers.base import Analyzer
from formcheck.analyzers.registry import EXERCISES, cli_names
from formcheck.errors import UserError
from formcheck.models import DEFAULT_MODEL, MODEL_NAMES

if TYPE_CHECKING:
    from formcheck.pipeline import Outcome

_MODEL_CHOICES = [f"{name} (default)" if name == DEFAULT_MODEL else name for name in MODEL_NAMES]
MODEL_HELP = f"pose model: {', '.join(_MODEL_CHOICES[:-1])} or {_MODEL_CHOICES[-1]}, or the path of a .task bundle"


def add_model_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=DEFAULT_MODEL, metavar="lite|full|heavy|PATH", help=MODEL_HELP)


def add_out_arg(parser: argparse.ArgumentParser, default: str = "out") -> None:
    parser.add_argument(
        "--out", default=default, metavar="DIR", help=f"folder for the outputs (default: {default})"
    )


def add_exercise_args(parser: argparse.ArgumentParser) -> None:
    """--exercise and the prescription it is judged against (defaults from EXERCISES.md)."""
    names = ", ".join(cli_names())
    parser.add_argument(
        "--exercise",
        metavar="NAME",
        help=f"exercise to coach and count ({names}); without it only the pose is shown",
    )
    parser.add_argument("--reps", type=int, metavar="N", help="prescribed reps (per side where it applies)")
    parser.add_argument("--hold", type=float, metavar="S", help="prescribed minimum hold, seconds")
    parser.add_argument("--variant", metavar="NAME", help=f"prescribed variant, where the exercise has them ({variant_help()})")


def variant_help() -> str:
    """'trunk-rotation: feet-down (default), feet-up': the variants each exercise offers."""
    parts = [f"{spec.cli_name}: " + ", ".join(f"{v} (default)" if i == 0 else v for i, v in enumerate(spec.variants))
             for spec in EXERCISES.values() if spec.variants]
    return "; ".join(parts) or "none"


def make_analyzer(args: argparse.Namespace) -> Analyzer | None:
    """The analyzer the options ask for, with its prescription; None for pose only."""
    if not getattr(args, "exercise", None):
        if any(getattr(args, k, None) is not None for k in ("reps", "hold", "variant")):
            raise UserError("--reps, --hold and --variant need --exercise")
        return None
    try:
        return new_analyzer(args.exercise, reps=args.reps, hold=args.hold,
                            variant=getattr(args, "variant", None))
    except ValueError as exc:
        raise UserError(str(exc)) from None


def prepare_out_dir(out: str | Path) -> Path:
    """Create the output folder, or say in one line why it cannot be used."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UserError(f"cannot write outputs to {path}: it is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create output folder {path}: {exc.strerror or exc}") from None
    return path


def report_outcome(outcome: Outcome) -> int:
    """Print what a run produced (summary, output files) and its one-line verdict; the exit code."""
    for line in outcome.summary:
        print(line)
    for kind, path in outcome.outputs.items():
        print(f"{kind}: {path}")
    code, problem = outcome.verdict()
    if problem:
        print(f"formcheck: {problem}", file=sys.stderr)
    return code
