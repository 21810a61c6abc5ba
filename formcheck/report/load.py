"""A JSON report read back: is it a formcheck report, of a schema this formcheck reads?

The pages are made from the JSON alone, so this is the one door through which a report written
by any formcheck comes back in. A file that is missing, not JSON, not a formcheck report (a
rendered clip's truth file, a label file) or of a newer schema than this code knows is told in
one line (`UserError`), never a traceback. Older schemas are read as they are: the pages treat
every field added since (docs/report-format.md) as optional.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from formcheck.errors import UserError
from formcheck.files import reason_of
from formcheck.report.document import REPORT_SCHEMA_VERSION

# What every formcheck report has had since schema 1.
_REQUIRED = ("schema_version", "formcheck_version", "frames", "input")


def read_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The report at `path`, checked (see `check_report`)."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"report not found: {path}")
    if p.is_dir():
        raise UserError(f"{path} is a folder, not a report (`formcheck progress` reads folders)")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path} is not a formcheck report (not a text file)") from None
    except OSError as err:
        raise UserError(f"cannot read {path}: {reason_of(err)}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise UserError(f"{path} is not a formcheck report (not JSON: {err.msg} at line {err.lineno})") from None
    return check_report(data, str(path))


def check_report(data: Any, shown: str) -> dict[str, Any]:
    """`data` if it is a formcheck report this code can read; else a one-line UserError."""
    if not isinstance(data, dict):
        raise UserError(f"{shown} is not a formcheck report (its JSON is not an object)")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise UserError(f"{shown} is not a formcheck report (no {', '.join(missing)})")
    version = data["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise UserError(f"{shown} is not a formcheck report (schema_version {version!r} is not a version)")
    if version > REPORT_SCHEMA_VERSION:
        raise UserError(
            f"{shown} is a formcheck report of schema {version}, newer than this formcheck reads "
            f"({REPORT_SCHEMA_VERSION}): update formcheck to render it"
        )
    if not isinstance(data["frames"], dict) or not isinstance(data["input"], dict):
        raise UserError(f"{shown} is not a formcheck report (frames or input is not an object)")
    for i, ex in enumerate(exercises_of(data)):
        if not isinstance(ex, dict) or not isinstance(ex.get("exercise"), str) \
                or not isinstance(ex.get("reps"), list) or not isinstance(ex.get("prescription"), dict):
            raise UserError(f"{shown} is not a formcheck report (exercise {i + 1} lacks its name, "
                            "prescription or reps)")
    return data


def exercises_of(report: dict[str, Any]) -> list[Any]:
    """The exercise accounts a report holds: one (`exercise`), none (pose only), or, for a
    session that covers several exercises, the list under `exercises`."""
    several = report.get("exercises")
    if isinstance(several, list):
        return several
    one = report.get("exercise")
    return [] if one is None else [one]
