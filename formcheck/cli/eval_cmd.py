"""`formcheck eval [DIR ...]`: the accuracy scorecard on labelled real and rendered clips.

Landmarks come from the pose cache (formcheck.pose_cache): the first run pays the pose passes
(in parallel, `--jobs`, on the batch runner `formcheck analyze` uses), later runs only re-run the
analyzers. Progress and skipped files go to stderr; the tables (or the
Markdown scorecard) to stdout, so `formcheck eval --markdown > SCORECARD.md` regenerates it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from formcheck.errors import UserError


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "eval",
        help="score the analyzers against labelled clips (real and rendered)",
        description=(
            "Runs every analyzer named in each label file's `expected` over its clip and compares "
            "counts, hold lengths and hips-off-floor frames with the labels. With no DIR: "
            "../shared/media/labels (when present), samples/ and tests/data/rendered/. A DIR may "
            "hold label files (*.json), rendered truth (*.truth.json) or a labels/ subfolder."
        ),
    )
    p.add_argument("dirs", nargs="*", metavar="DIR", help="folders (or single files) of labels / truth JSON")
    p.add_argument("--json", metavar="FILE", help="also write rows and summary as JSON to FILE")
    p.add_argument("--markdown", action="store_true", help="print the Markdown scorecard (for SCORECARD.md)")
    from formcheck.cli.common import add_model_arg

    add_model_arg(p)
    p.add_argument("--cache-dir", metavar="DIR",
                   help="pose cache folder (default: $FORMCHECK_CACHE_DIR or ~/.cache/formcheck/landmarks)")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="pose passes run at once for clips not in the cache (default: one per core available)")
    return p


def shown(folder: Path) -> str:
    """A folder as the scorecard prints it: relative to the repo when inside or beside it, so the
    committed SCORECARD.md does not depend on where the checkout lives."""
    from formcheck.evaluate.labels import repo_root

    root = repo_root()
    folder = folder.resolve()
    for base, prefix in ((root, ""), (root.parent, "../")):
        try:
            return prefix + str(folder.relative_to(base))
        except ValueError:
            continue
    return str(folder)


def run(args: argparse.Namespace) -> int:
    from formcheck.evaluate.labels import default_folders, label_files
    from formcheck.batch.run import choose_runner
    from formcheck.evaluate.scorecard import clips_to_score, evaluate
    from formcheck.evaluate.tables import render
    from formcheck.pose import mediapipe_version
    from formcheck.pose_cache import PoseCache

    log = lambda msg: print(f"formcheck eval: {msg}", file=sys.stderr)  # noqa: E731
    folders = [Path(d) for d in args.dirs] if args.dirs else default_folders()
    if not folders:
        raise UserError("no label folders given and none of the defaults exist "
                        "(../shared/media/labels, samples/, tests/data/rendered/)")
    files: list[Path] = []
    seen: set[Path] = set()
    for folder in folders:
        for f in label_files(folder):
            if f.resolve() not in seen:  # a folder given twice (or inside another) counts once
                seen.add(f.resolve())
                files.append(f)
    if not files:
        raise UserError(f"no label files (*.json) in {', '.join(str(f) for f in folders)}")
    if args.json:
        out = Path(args.json)
        if not out.parent.is_dir():
            raise UserError(f"cannot write {out}: folder {out.parent} does not exist")

    cache = PoseCache(args.cache_dir, model=args.model, log=log)
    cache.model_identity()  # a missing or broken model fails once, here, not once per clip
    runner = choose_runner(args.jobs, None)
    if runner.jobs > 1:  # with one job the passes run here, one by one, as they come
        cache.prefetch(clips_to_score(files), runner)
    card = evaluate(files, cache.landmarks, log=log)
    card.meta.update({"model": args.model, "mediapipe_version": mediapipe_version(),
                      "label_folders": [shown(f) for f in folders]})
    log(f"{len(files)} label files, {len(card.rows)} rows, {len(card.skipped)} skipped; "
        f"pose cache {cache.root}: {cache.hits} hits, {cache.misses} computed")
    sys.stdout.write(render(card, markdown=args.markdown))
    if args.json:
        from formcheck.files import write_json_atomic

        write_json_atomic(args.json, card.as_dict())
        log(f"wrote {args.json}")
    return 0
