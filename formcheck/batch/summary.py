"""The batch summary: one row per video in `batch.csv` (for a spreadsheet or a script) and
`batch.html` (for the therapist), each row linking to that video's report.

A row is built from the video's JSON report (the same numbers whether it was analyzed now or
found done by `--resume`) and its status; a video that failed has its one-line reason instead.
Both files are written atomically, and rewritten as videos finish, so a batch stopped even by a
kill leaves a summary of what was done.
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
from collections import Counter
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import quote

from formcheck.analyzers import title_of
from formcheck.batch.work import DONE, DONE_EARLIER, NOT_STARTED, STATUSES, VideoResult
from formcheck.files import write_atomic
from formcheck.safety import SAFETY_NOTE

__all__ = ["Row", "make_row", "write_summary", "all_ok", "CSV_NAME", "HTML_NAME"]

CSV_NAME = "batch.csv"
HTML_NAME = "batch.html"
_OK = (DONE, DONE_EARLIER)


@dataclass(frozen=True)
class Row:
    """One video in the summary (the CSV's columns, in order)."""

    video: str
    name: str
    status: str
    exercise: str | None = None
    reps: int | None = None
    good: int | None = None  # reps that met the prescription
    faults: str = ""  # "hips_off_floor x1; ..."
    not_judged_s: float | None = None
    detection_rate: float | None = None
    frames: int | None = None
    seconds: float | None = None  # analysis time
    message: str = ""
    report: str = ""  # the report's file name, beside the summary
    worker: str = ""


def _faults(exercise: dict[str, Any]) -> str:
    kinds = Counter(f.get("kind", "?") for f in exercise.get("faults") or [])
    return "; ".join(f"{k} x{n}" for k, n in kinds.items())


def _report_link(out_dir: Path, name: str) -> str:
    """The video's report beside the summary: the HTML one when there is one, else the JSON."""
    for suffix in (".report.html", ".report.json"):
        if (out_dir / f"{name}{suffix}").is_file():
            return f"{name}{suffix}"
    return ""


def make_row(video: str, name: str, result: VideoResult | None, out_dir: Path) -> Row:
    """The summary row of one video (None: it never ran)."""
    if result is None:
        return Row(video, name, NOT_STARTED)
    report = result.report or {}
    exercise = report.get("exercise") or {}
    frames = (report.get("frames") or {}).get("processed")
    return Row(
        video=video, name=name, status=result.status,
        exercise=exercise.get("exercise"), reps=exercise.get("count"), good=exercise.get("good"),
        faults=_faults(exercise), not_judged_s=exercise.get("cannot_judge_seconds"),
        detection_rate=report.get("detection_rate"), frames=frames,
        seconds=round(result.seconds, 1) if result.seconds else None,
        message=result.message or "", report=_report_link(out_dir, name) if report else "",
        worker=result.worker,
    )


def _csv_text(rows: list[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([f.name for f in fields(Row)])
    for row in rows:
        writer.writerow(["" if v is None else v for v in asdict(row).values()])
    return buf.getvalue()


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; } th, td { padding: .3em .7em; border-bottom: 1px solid #ddd; }
th { text-align: left; background: #f4f4f4; } td.n { text-align: right; }
.done, .done-earlier { color: #1a7f37; } .failed, .interrupted, .not-started { color: #b42318; }
.nobody-in-view, .ended-early { color: #9a6700; } .note { color: #555; margin-top: 2em; }
"""


def _cell(value: Any, numeric: bool = False) -> str:
    text = "" if value is None else html.escape(str(value))
    return f'<td class="n">{text}</td>' if numeric else f"<td>{text}</td>"


def _html_text(rows: list[Row], about: str) -> str:
    counts = Counter(r.status for r in rows)
    tally = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    head = ("video", "status", "exercise", "reps", "met the prescription", "faults",
            "seconds not judged", "person detected", "frames", "analysis time (s)", "report", "note")
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>formcheck batch summary</title>", f"<style>{_STYLE}</style></head><body>",
           "<h1>formcheck batch summary</h1>",
           f"<p>{len(rows)} videos: {html.escape(tally)}. {html.escape(about)}</p>",
           "<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for r in rows:
        link = (f'<td><a href="{quote(r.report)}">{html.escape(r.report)}</a></td>' if r.report
                else "<td></td>")
        rate = None if r.detection_rate is None else f"{100 * r.detection_rate:.1f} %"
        out.append(
            "<tr>" + _cell(r.video)
            + f'<td class="{r.status.replace(" ", "-")}">{html.escape(r.status)}</td>'
            + _cell(title_of(r.exercise) if r.exercise else None) + _cell(r.reps, True) + _cell(r.good, True) + _cell(r.faults)
            + _cell(r.not_judged_s, True) + _cell(rate, True) + _cell(r.frames, True)
            + _cell(r.seconds, True) + link + _cell(r.message) + "</tr>")
    out += ["</tbody></table>", f'<p class="note">{html.escape(SAFETY_NOTE)}</p>', "</body></html>", ""]
    return "\n".join(out)


def write_summary(out_dir: Path, rows: list[Row], about: str) -> dict[str, Path]:
    """Write batch.csv and batch.html into `out_dir` (atomically); their paths."""
    stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    csv_path, html_path = out_dir / CSV_NAME, out_dir / HTML_NAME
    write_atomic(csv_path, lambda fh: fh.write(_csv_text(rows).encode("utf-8")))
    page = _html_text(rows, f"{about}; written {stamp}.")
    write_atomic(html_path, lambda fh: fh.write(page.encode("utf-8")))
    return {"batch_csv": csv_path, "batch_html": html_path}


def all_ok(rows: list[Row]) -> bool:
    """Every video analyzed in full (now or by an earlier run)."""
    return all(r.status in _OK for r in rows)
