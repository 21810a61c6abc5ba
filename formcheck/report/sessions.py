"""The sessions under a folder: one row per report and exercise, by date, for `formcheck progress`.

Every `*.report.json` below the folder is read through `load.read_report` (a file that is not a
report, or of a newer schema, is skipped and named, never fatal) and each exercise in it becomes
a `SessionRow`: reps done against the target (per side), met / hold too short / fault, the share
of holds long enough, the median hold and range of motion, the faults, the seconds not judged.
The date is the report's `created` (when the session was analysed; for a live session, when it
happened). `write_csv` gives the same rows to a spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.errors import UserError
from formcheck.files import write_atomic
from formcheck.report.load import exercises_of, read_report
from formcheck.report.sections import FAULT, GOOD, PEAK, SHORT, ExerciseSection

PATTERN = "*.report.json"


@dataclass
class SessionRow:
    """One exercise of one session, as the progress table and CSV show it."""

    date: dt.datetime
    report: Path
    source: str
    exercise: str
    title: str
    prescription: str
    target: int  # per side when `per_side`
    hold_min: float
    reps: int
    by_side: dict[str, int] = field(default_factory=dict)
    good: int = 0
    short: int = 0
    faulty: int = 0
    holds_long_enough: int = 0
    holds_timed: int = 0
    median_hold: float | None = None
    median_range: float | None = None
    range_label: str = ""
    faults: dict[str, int] = field(default_factory=dict)
    not_judged: float = 0.0
    partial: bool = False
    per_side: bool = False
    total_target: int = 0  # in all (per side times the sides)

    @property
    def share_long_enough(self) -> float | None:
        return self.holds_long_enough / self.holds_timed if self.holds_timed else None

    @property
    def fault_total(self) -> int:
        return sum(self.faults.values())


def _date(report: dict[str, Any], path: Path) -> dt.datetime:
    """When the session was analysed (the report's `created`), else the file's time; in UTC."""
    try:
        when = dt.datetime.fromisoformat(str(report.get("created")))
    except ValueError:
        when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _source_name(report: dict[str, Any]) -> str:
    """The video the session was of (for a replayed recording, the video it was recorded from)."""
    inp = report.get("input") or {}
    recorded = inp.get("recorded_source") if inp.get("kind") == "recording" else None
    return str((recorded or {}).get("name") or inp.get("name") or "")


def find_reports(folder: str | os.PathLike[str]) -> tuple[list[tuple[Path, dict[str, Any]]], list[str]]:
    """(readable reports under `folder`, one line per file skipped and why)."""
    root = Path(folder)
    if not root.exists():
        raise UserError(f"folder not found: {folder}")
    if not root.is_dir():
        raise UserError(f"{folder} is not a folder (`formcheck report` renders one report)")
    found, skipped = [], []
    for path in sorted(root.rglob(PATTERN)):
        try:
            found.append((path, read_report(path)))
        except UserError as exc:
            skipped.append(str(exc))
    return found, skipped


def rows_of(path: Path, report: dict[str, Any]) -> list[SessionRow]:
    """A row per exercise of one report (none for a pose-only session)."""
    rows = []
    for data in exercises_of(report):
        s = ExerciseSection(data)
        long_enough, timed = s.holds_long_enough()
        measure = s.range_measure
        rows.append(SessionRow(
            date=_date(report, path), report=path, source=_source_name(report),
            exercise=s.name, title=s.title, prescription=s.prescription_text(), target=s.target,
            hold_min=s.hold_band[0], reps=s.done(), by_side={side: s.done(side) for side in s.sides},
            good=s.done(verdict=GOOD), short=s.done(verdict=SHORT), faulty=s.done(verdict=FAULT),
            holds_long_enough=long_enough, holds_timed=timed, median_hold=s.median_hold(),
            median_range=s.median_range(),
            range_label="" if measure is None else (measure.label if measure is PEAK else f"{measure.label} ({measure.unit})"),
            faults=s.fault_counts(), not_judged=round(s.not_judged_seconds, 3), partial=bool(report.get("partial")),
            per_side=s.per_side, total_target=s.total_target,
        ))
    return rows


def session_rows(reports: list[tuple[Path, dict[str, Any]]]) -> list[SessionRow]:
    """Every report's rows, by date, then exercise, then file."""
    rows = [row for path, report in reports for row in rows_of(path, report)]
    return sorted(rows, key=lambda r: (r.date, r.exercise, str(r.report)))


CSV_COLUMNS = (
    "date", "exercise", "source", "report", "prescription", "target_reps", "per_side", "reps_done", "reps_by_side",
    "met", "hold_too_short", "with_fault", "holds_long_enough", "holds_timed", "share_holds_long_enough",
    "prescribed_hold_s", "median_hold_s", "median_range", "range_of_motion", "faults", "fault_kinds",
    "seconds_not_judged", "partial",
)


def _num(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def csv_text(rows: list[SessionRow], relative_to: Path | None = None) -> str:
    """The rows as CSV (one header line, then a line per session and exercise)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for r in rows:
        report = os.path.relpath(r.report, relative_to) if relative_to is not None else str(r.report)
        out.writerow([
            r.date.isoformat(timespec="seconds"), r.exercise, r.source, report, r.prescription, r.target,
            "yes" if r.per_side else "no", r.reps, " ".join(f"{k}={v}" for k, v in r.by_side.items()), r.good, r.short, r.faulty,
            r.holds_long_enough, r.holds_timed, _num(r.share_long_enough), _num(r.hold_min, 1),
            _num(r.median_hold), _num(r.median_range), r.range_label, r.fault_total,
            "; ".join(f"{k} x{v}" for k, v in r.faults.items()), _num(r.not_judged, 1),
            "yes" if r.partial else "no",
        ])
    return buf.getvalue()


def write_csv(rows: list[SessionRow], path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    text = csv_text(rows, relative_to=target.parent)
    return write_atomic(target, lambda fh: fh.write(text.encode("utf-8")))
