"""The JSON report of one session: what was analysed, with what, and what happened.

Versioned (`schema_version`, docs/report-format.md) so that tools reading reports can refuse ones
they do not know. A physical therapist reads it, so exercise results use the clinic's words
(rep, hold, set, prescription, fault) and times are seconds from the video's own timestamps.
One exercise is written under `exercise`; a live routine of several under `routine`
(`exercise` is then null), each of its `exercises` entries holding what `exercise` holds for
one (docs/live.md). Every page (`formcheck report`, `formcheck progress`) is made from this
JSON alone.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.frames import SourceInfo
from formcheck.safety import SAFETY_NOTE
from formcheck.session import SessionResult

# 2: the exercise's `timeline` (its signal, a few samples a second). Readers take any version up
# to theirs; a newer one is refused in one line (formcheck.report.load).
REPORT_SCHEMA_VERSION = 2


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
    account = result.report
    sections: dict[str, Any] = {"exercise": None}
    if account is not None:
        sections[account.section] = account.as_dict()
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
        **sections,
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
    if report.get("exercise"):
        lines += _exercise_lines(report["exercise"])
    routine = report.get("routine")
    if routine:
        lines.append(f"{routine['title']}: {'complete' if routine['complete'] else 'not complete'}")
        for ex in routine["exercises"]:
            if "count" in ex:
                lines += _exercise_lines(ex, status=ex["status"])
            else:
                lines.append(f"{ex['exercise']}: {ex['status']}")
    live = report.get("live")
    if live and live.get("fps"):
        lines.append(f"live: {live['fps']:.1f} fps, capture to screen p50 {live['latency_p50_ms']} ms / p95 "
                     f"{live['latency_p95_ms']} ms, {live['frames_dropped']} frames dropped")
    return lines


def _exercise_lines(ex: dict[str, Any], status: str | None = None) -> list[str]:
    """One exercise's result: reps against the prescription, faults, what could not be judged."""
    p = ex["prescription"]
    target = f"{p['reps']} reps" + (" a side" if p.get("per_side") else "")
    variant = f", {p['variant']}" if p.get("variant") else ""
    counted = f"{ex['count']} reps"
    if p.get("per_side") and ex.get("count_by_side"):
        counted += " (" + ", ".join(f"{side} {n}" for side, n in ex["count_by_side"].items()) + ")"
    lines = [
        f"{ex['exercise']}: {counted}, {ex['good']} met the prescription "
        f"(target {target}, hold {p['hold']:g} s{variant})" + (f" - {status}" if status else "")
    ]
    if ex.get("faults"):
        kinds: dict[str, int] = {}
        for f in ex["faults"]:
            kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
        lines.append("faults: " + ", ".join(f"{k} x{n}" for k, n in kinds.items()))
    if ex.get("cannot_judge_seconds"):
        lines.append(f"could not judge {ex['cannot_judge_seconds']:.1f} s of the session")
    return lines
