"""The JSON report of one session: what was analysed, with what, and what happened.

Versioned (`schema_version`) so that tools reading reports can refuse ones they do not know.
A physical therapist reads it, so exercise results use the clinic's words (rep, hold, set,
prescription, fault) and times are seconds from the video's own timestamps.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.frames import SourceInfo
from formcheck.safety import SAFETY_NOTE
from formcheck.session import SessionResult

REPORT_SCHEMA_VERSION = 1


def build_report(
    *,
    source: SourceInfo,
    model: dict[str, Any] | None,
    result: SessionResult,
    outputs: dict[str, Path],
    source_sha256: str | None = None,
    dropped_frames: int = 0,
) -> dict[str, Any]:
    """Assemble the report dict (JSON-ready)."""
    input_info = source.as_dict()
    if source_sha256:
        input_info["sha256"] = source_sha256
    frames: dict[str, Any] = {
        "processed": result.frames,
        "with_person": result.detected,
        "detection_rate": round(result.detection_rate, 4),
        "first_t": result.first_t,
        "last_t": result.last_t,
        "dropped": dropped_frames,
    }
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "formcheck_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "partial": result.partial,
        "ended_reason": result.ended_reason,
        "input": input_info,
        "model": model,
        "frames": frames,
        "detection_rate": frames["detection_rate"],
        "exercise": result.report.as_dict() if result.report is not None else None,
        "warnings": list(result.warnings),
        "outputs": {k: str(v) for k, v in outputs.items()},
        "note": SAFETY_NOTE,
    }


def summary_lines(report: dict[str, Any]) -> list[str]:
    """A few human lines for the terminal at the end of a run."""
    fr = report["frames"]
    lines = [
        f"{fr['processed']} frames, person in {100 * fr['detection_rate']:.1f} %"
        + (f" ({report['ended_reason']})" if report.get("ended_reason") else "")
    ]
    ex = report.get("exercise")
    if ex:
        p = ex["prescription"]
        target = f"{p['reps']} reps" + (" a side" if p.get("per_side") else "")
        variant = f", {p['variant']}" if p.get("variant") else ""
        counted = f"{ex['count']} reps"
        if p.get("per_side") and ex.get("count_by_side"):
            counted += " (" + ", ".join(f"{side} {n}" for side, n in ex["count_by_side"].items()) + ")"
        lines.append(
            f"{ex['exercise']}: {counted}, {ex['good']} met the prescription "
            f"(target {target}, hold {p['hold']:g} s{variant})"
        )
        if ex.get("faults"):
            kinds: dict[str, int] = {}
            for f in ex["faults"]:
                kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
            lines.append("faults: " + ", ".join(f"{k} x{n}" for k, n in kinds.items()))
        if ex.get("cannot_judge_seconds"):
            lines.append(f"could not judge {ex['cannot_judge_seconds']:.1f} s of the session")
    return lines
