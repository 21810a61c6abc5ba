"""`formcheck progress DIR`: the sessions under a folder, by date and exercise, as a page and CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "progress",
        help="progress across the sessions (reports) found under a folder",
        description=(
            "Read every *.report.json under DIR and show, per exercise and by date: reps done "
            "against the target, the share of holds long enough, the median hold and range of "
            "motion, and the faults per session, as plots and a table (an HTML page), and the "
            "same rows as CSV beside it."
        ),
    )
    p.add_argument("folder", metavar="DIR", help="folder searched (with its subfolders) for *.report.json")
    p.add_argument("--out", metavar="FILE.html", help="the page (default: DIR/progress.html); the CSV goes beside it")
    return p


def run(args: argparse.Namespace) -> int:
    from formcheck.report.progress_page import write_progress

    page, csv_path, rows, skipped = write_progress(Path(args.folder), Path(args.out) if args.out else None)
    for line in skipped:
        print(f"formcheck: skipped {line}", file=sys.stderr)
    print(f"{len(rows)} sessions")
    print(f"progress_html: {page}")
    print(f"progress_csv: {csv_path}")
    return 0
