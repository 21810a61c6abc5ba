"""`formcheck report REPORT.json`: the session's page again, from its JSON report alone.

The page (`NAME.report.html`) is what `analyze`, `live` and `replay` write; this renders it
again, from any report any formcheck wrote (an older schema included), with a still per rep
when the video is found where the report says or beside it.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "report",
        help="render a session's JSON report as a page a therapist reads",
        description=(
            "Render REPORT.json (written by analyze, live or replay) as one self-contained HTML "
            "page: the prescription against what was done, holds, range of motion, the signal "
            "behind each judgement, the reps, faults, a still per rep when the video is found "
            "(where the report says, or beside it), and the capture quality."
        ),
    )
    p.add_argument("report", metavar="REPORT.json", help="a formcheck JSON report (NAME.report.json)")
    p.add_argument("--out", metavar="FILE.html", help="where to write the page (default: NAME.report.html beside it)")
    return p


def run(args: argparse.Namespace) -> int:
    from formcheck.report.session_page import write_session_page

    path = write_session_page(Path(args.report), Path(args.out) if args.out else None)
    print(f"report_html: {path}")
    return 0
