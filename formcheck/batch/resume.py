"""`--resume`: which videos of a batch already have complete outputs and can be skipped.

A video is done when its report is there, whole (written atomically, so a report on disk is
never half a file) and not partial, and says it was made from this very input (its sha256, not
its name or date), by this formcheck version, with the same model, exercise and prescription,
and every output it lists, and every one this run asks for, is there. Anything else runs again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.batch.work import AnalysisOptions
from formcheck.errors import UserError

__all__ = ["completed_report"]


def _expected_exercise(options: AnalysisOptions) -> dict[str, Any] | None:
    """(exercise name, prescription) the options give, as the report records them."""
    if not options.exercise:
        return None
    from formcheck.analyzers import canonical_name, make_prescription

    name = canonical_name(options.exercise)
    return {"exercise": name,
            "prescription": make_prescription(name, reps=options.reps, hold=options.hold,
                                              variant=options.variant).as_dict()}


def completed_report(report_path: Path, video: Path, options: AnalysisOptions) -> dict[str, Any] | None:
    """The earlier report of `video` when its outputs are complete for `options`, else None."""
    from formcheck.files import file_sha256
    from formcheck.models import MODEL_NAMES

    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict) or report.get("partial") is not False:
        return None
    if report.get("formcheck_version") != __version__:
        return None
    model = report.get("model") or {}
    name = options.model if options.model in MODEL_NAMES else Path(options.model).name
    if model.get("name") != name or (options.model_sha256 and model.get("sha256") != options.model_sha256):
        return None
    wanted = _expected_exercise(options)
    had = report.get("exercise")
    if (wanted is None) != (had is None):
        return None
    if wanted is not None and {k: had.get(k) for k in wanted} != wanted:
        return None
    outputs = report.get("outputs") or {}
    needed = {"report", "frames_csv"} | ({"video"} if options.write_video else set()) | (
        {"landmarks"} if options.save_landmarks else set())
    folder = report_path.parent  # looked up by name: the batch may be resumed from elsewhere
    if not needed <= set(outputs) or not all((folder / Path(p).name).is_file() for p in outputs.values()):
        return None
    try:
        sha = file_sha256(video)
    except UserError:  # an input that is gone or unreadable is not done; its run will say why
        return None
    if (report.get("input") or {}).get("sha256") != sha:
        return None
    return report
