"""`formcheck` command line: parsing, exit codes and one-line messages, nothing else.

Each subcommand lives in its own module here with `add_parser(subparsers)` and `run(args) -> int`,
so a command's options sit next to the code that reads them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from formcheck import __version__
from formcheck.errors import UserError

# Subcommand modules, in the order `--help` lists them. A module that is not there yet (its
# feature has not landed) is simply not offered.
COMMANDS = ("analyze", "live", "replay", "report", "progress", "eval", "synth", "models")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck",
        description=(
            "Watches low-back mobility exercises and tells you whether you are doing them right. "
            "Exercise feedback, not a diagnosis: stop if it hurts, and see a professional if pain "
            "persists."
        ),
    )
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"formcheck.cli.{name}_cmd")
        except ModuleNotFoundError as exc:
            if exc.name == f"formcheck.cli.{name}_cmd":
                continue
            raise
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except UserError as exc:
        print(f"formcheck: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
