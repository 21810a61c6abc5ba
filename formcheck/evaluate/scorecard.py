"""The scorecard: every analyzer run over every labelled clip, compared with the truth.

For each label file: the clip's landmarks come from the pose cache (computed once), each analyzer
named in `expected` is fed every PoseFrame through a `Session` (exactly as `analyze` and `replay`
feed it, default prescription), and its `Report` is compared with the labels (formcheck.evaluate
.metrics). An analyzer that is not in the registry yet is a row marked "not implemented", never a
number. Anything that stops a clip or an analyzer from being scored (a malformed label, an
unknown analyzer, a missing or unreadable clip, an analyzer that raised) is kept as a skipped
entry with its reason, and the run goes on.

Rendered clips (truth from `formcheck synth`) and real clips (hand labels) are summarized
separately: exact truth on a rendered body says nothing about real people, and the reverse.
Segments are used only to break counts down per set; a count is every rep detected, good or
faulty (Report.count), and meeting the prescription is scored separately (holds, faults). Where a
truth lists an analyzer's fault intervals (rendered trunk rotations), each fault is scored frame
by frame like hips off the floor.
"""

from __future__ import annotations

import datetime as _dt
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from formcheck import __version__
from formcheck.analyzers import ANALYZERS, EXERCISES, KNOWN_EXERCISES
from formcheck.analyzers.registry import HIPS_OFF_FLOOR
from formcheck.analyzers.base import Analyzer, Report
from formcheck.errors import UserError
from formcheck.evaluate.labels import ClipTruth, LabelError, Problem, load_label
from formcheck.evaluate.metrics import (
    CountScore,
    EventScore,
    FrameScore,
    HoldMatch,
    ReportedHold,
    event_score,
    frame_score,
    match_holds,
    summarize_counts,
    summarize_holds,
)
from formcheck.landmarks import PoseFrame

# The analyzers whose protocol makes them judge hips off the floor (EXERCISES.md: a bridge in a
# pelvic tilt, hips lifting in a press-up): those declaring the fault. Trunk rotation does not
# claim to: scoring it on hip frames would be measuring something it never says.
HIP_ANALYZERS = tuple(n for n, spec in EXERCISES.items() if HIPS_OFF_FLOOR in spec.fault_names)
SET_KINDS = ("exercise", "closeup")
KINDS = ("real", "rendered")
NOT_IMPLEMENTED = "not implemented"


def run_analyzer(cls: type[Analyzer], poses: Iterable[PoseFrame]) -> Report:
    """Feed every pose to a fresh analyzer (default prescription), as analyze and replay do."""
    from formcheck.pipeline import analyze_poses

    return analyze_poses(cls(), poses)


def reported_holds(report: Report) -> list[ReportedHold]:
    """Each rep as a hold to match: its interval, its hold length (None if not timed) and the
    analyzer's verdict on that length (`hold_met`: a press-up voided by its hips was still held
    long enough; `met` for an analyzer that gives no separate hold verdict)."""
    out = []
    for rep in report.reps:
        m = rep.measured or {}
        start = m.get("hold_start", rep.start)
        end = m.get("hold_end", rep.end)
        verdict = rep.hold_met if rep.hold_met is not None else rep.met
        out.append(ReportedHold(float(start), float(end), None if rep.hold is None else float(rep.hold),
                                bool(verdict) if rep.hold is not None else None))
    return out


def _reasons(report: Report) -> dict[str, float]:
    """Seconds the analyzer refused to judge, per reason, longest first."""
    out: dict[str, float] = {}
    for c in report.cannot_judge:
        out[c.reason or "unspecified"] = out.get(c.reason or "unspecified", 0.0) + (c.end - c.start)
    return {k: round(v, 3) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}


def _per_set(truth: ClipTruth, analyzer: str, report: Report) -> list[dict[str, Any]]:
    events = truth.events.get(analyzer)
    out = []
    for seg in truth.segments:
        if seg.kind not in SET_KINDS:
            continue
        inside = lambda t: seg.start <= t < seg.end  # noqa: E731
        out.append({
            "start": seg.start, "end": seg.end, "kind": seg.kind, "view": seg.view,
            "labelled": None if events is None else sum(1 for e in events if inside(e.mid)),
            "reported": sum(1 for r in report.reps if inside(0.5 * (r.start + r.end))),
        })
    return out


def score_report(truth: ClipTruth, analyzer: str, report: Report, times: np.ndarray) -> dict[str, Any]:
    """One row: the report of `analyzer` on `truth`'s clip against the labels."""
    exp = truth.expected[analyzer]
    cs = CountScore(exp.count, report.count, exp.tolerance)
    duration = float(times[-1] - times[0]) if len(times) > 1 else 0.0
    row: dict[str, Any] = {
        "clip": truth.clip_name, "label": str(truth.label_path), "kind": truth.kind, "analyzer": analyzer,
        "status": "ok",
        "expected_count": exp.count, "reported_count": report.count, "tolerance": exp.tolerance,
        "pass": cs.passed, "exact": cs.exact, "off_by_one": cs.off_by_one,
        "count_error": cs.error, "normalized_error": round(cs.normalized_error, 4),
        "good": report.good, "count_by_side": report.count_by_side(),
        "expected_by_side": truth.count_per_side.get(analyzer),
        "frames": int(len(times)),
        "cannot_judge_s": round(sum(c.end - c.start for c in report.cannot_judge), 3),
        "cannot_judge_why": _reasons(report),
        "duration_s": round(duration, 3),
        "sets": _per_set(truth, analyzer, report),
    }
    if analyzer in truth.events:
        ev = truth.events[analyzer]
        es = event_score([(e.start, e.end) for e in ev], [(r.start, r.end) for r in report.reps],
                         [e.side for e in ev], [r.side for r in report.reps])
        row["events"] = es.as_dict()
        row["_events"] = es
    if analyzer in truth.holds:
        labelled = truth.holds[analyzer]
        matches = match_holds([(h.start, h.end) for h in labelled], reported_holds(report),
                              [h.hold for h in labelled])
        row["holds"] = [m.as_dict() for m in matches]
        hold_min = report.prescription.hold if report.prescription.hold > 0 else None
        row["hold_summary"] = summarize_holds(matches, hold_min).as_dict()
        row["prescribed_hold"] = hold_min
        row["_hold_matches"] = matches
    if analyzer in truth.faults:  # fault intervals the truth lists (rendered: exact)
        row["faults"], row["_faults"] = {}, {}
        for kind, spans in sorted(truth.faults[analyzer].items()):
            fs = frame_score(times, [(s.start, s.end) for s in spans],
                             [(f.start, f.end) for f in report.faults if f.kind == kind])
            row["faults"][kind] = {**fs.as_dict(), "labelled_intervals": len(spans),
                                   "reported_intervals": sum(f.kind == kind for f in report.faults)}
            row["_faults"][kind] = fs
    if analyzer in HIP_ANALYZERS:
        truth_iv = [(s.start, s.end) for s in truth.hips_off_floor]
        got_iv = [(f.start, f.end) for f in report.faults if f.kind == HIPS_OFF_FLOOR]
        fs = frame_score(times, truth_iv, got_iv)
        row["hips"] = fs.as_dict()
        row["hips"]["labelled_intervals"] = len(truth_iv)
        row["hips"]["reported_intervals"] = len(got_iv)
        row["_hips"] = fs
    return row


@dataclass
class Scorecard:
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    implemented: tuple[str, ...] = ()

    def summary(self) -> dict[str, dict[str, Any]]:
        return summarize(self.rows, self.skipped, self.implemented)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.meta,
            "rows": [{k: v for k, v in r.items() if not k.startswith("_")} for r in self.rows],
            "summary": self.summary(),
            "skipped": [p.as_dict() for p in self.skipped],
            # Files too broken to say which analyzers they were for: in no analyzer's summary.
            "files_not_read": sorted({str(p.file) for p in self.skipped if p.analyzer is None}),
        }


def summarize(
    rows: list[dict[str, Any]], skipped: list[Problem], implemented: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Per analyzer, per kind (real / rendered): the totals the issue asks for."""
    implemented = set(ANALYZERS if implemented is None else implemented)
    out: dict[str, dict[str, Any]] = {}
    names = list(KNOWN_EXERCISES) + sorted({r["analyzer"] for r in rows} - set(KNOWN_EXERCISES))
    for name in names:
        mine = [r for r in rows if r["analyzer"] == name]
        entry: dict[str, Any] = {"status": "implemented" if name in implemented else NOT_IMPLEMENTED}
        for kind in KINDS:
            kr = [r for r in mine if r["kind"] == kind]
            ks = [p for p in skipped if p.analyzer == name and kind_of(p) == kind]
            if not kr and not ks:
                continue
            if entry["status"] == NOT_IMPLEMENTED:
                entry[kind] = {"clips": len(kr), "status": NOT_IMPLEMENTED,
                               "not_judged": len(ks), "not_judged_why": [str(p) for p in ks]}
                continue
            ok = [r for r in kr if r["status"] == "ok"]
            errs = [r for r in kr if r["status"] != "ok"]
            counts = summarize_counts([CountScore(r["expected_count"], r["reported_count"], r["tolerance"]) for r in ok])
            matches: list[HoldMatch] = [m for r in ok for m in r.get("_hold_matches", [])]
            hold_sums = [r["hold_summary"] for r in ok if "hold_summary" in r]
            hips = [r["_hips"] for r in ok if "_hips" in r]
            pooled = sum(hips, FrameScore()) if hips else None
            evs = [r["_events"] for r in ok if "_events" in r]
            fault_scores: dict[str, FrameScore] = {}
            for r in ok:
                for fault, fs in r.get("_faults", {}).items():
                    fault_scores[fault] = fault_scores.get(fault, FrameScore()) + fs
            entry[kind] = {
                **counts.as_dict(),
                "clips": len(kr) + len(ks),
                "judged": len(ok),
                "holds": {**summarize_holds(matches).as_dict(),
                          "met_compared": sum(h["met_compared"] for h in hold_sums),
                          "met_agree": sum(h["met_agree"] for h in hold_sums)} if hold_sums else None,
                "hips": pooled.as_dict() if pooled is not None else None,
                "faults": {k: v.as_dict() for k, v in sorted(fault_scores.items())} or None,
                "events": sum(evs, EventScore()).as_dict() if evs else None,
                "cannot_judge_s": round(sum(r["cannot_judge_s"] for r in ok), 3),
                "not_judged": len(ks) + len(errs),
                "not_judged_why": [str(p) for p in ks] + [f"{r['clip']}: {r['error']}" for r in errs],
            }
        out[name] = entry
    return out


def kind_of(p: Problem) -> str:
    return "rendered" if str(p.file).endswith(".truth.json") else "real"


def clips_to_score(label_paths: Iterable[Path], registry: Mapping[str, type[Analyzer]] | None = None) -> list[Path]:
    """The clips whose landmarks `evaluate` will ask for (a label naming an analyzer in the
    registry), so their pose passes can run in parallel first. Unreadable labels are left to
    `evaluate`, which records why."""
    registry = ANALYZERS if registry is None else registry
    clips: list[Path] = []
    for path in label_paths:
        try:
            truth = load_label(path)
        except LabelError:
            continue
        if any(a in registry for a in truth.expected):
            clips.append(truth.clip_path)
    return clips


def evaluate(
    label_paths: Iterable[Path],
    landmarks_for: Callable[[Path], Any],
    *,
    registry: Mapping[str, type[Analyzer]] | None = None,
    log: Callable[[str], None] = lambda m: None,
) -> Scorecard:
    """Score every label file; `landmarks_for(clip)` returns a Recording (the pose cache)."""
    registry = ANALYZERS if registry is None else registry
    card = Scorecard(implemented=tuple(registry))
    for path in label_paths:
        try:
            truth = load_label(path)
        except LabelError as exc:
            for a in exc.analyzers or [None]:
                card.skipped.append(Problem(exc.file, exc.field, exc.reason, None, a))
            log(f"skipped {exc}")
            continue
        card.skipped.extend(truth.problems)
        for p in truth.problems:
            log(f"skipped {p}")
        todo = [a for a in truth.expected if a in registry]
        for a in truth.expected:
            if a not in registry:
                card.rows.append({"clip": truth.clip_name, "label": str(truth.label_path), "kind": truth.kind,
                                  "analyzer": a, "status": NOT_IMPLEMENTED,
                                  "expected_count": truth.expected[a].count, "reported_count": None,
                                  "tolerance": truth.expected[a].tolerance, "pass": None})
        if not todo:
            continue
        try:
            rec = landmarks_for(truth.clip_path)
        except UserError as exc:
            for a in todo:
                card.skipped.append(Problem(truth.label_path, "clip", f"landmarks unavailable: {exc}", truth.clip_name, a))
            log(f"skipped {truth.label_path}: {exc}")
            continue
        times = np.asarray(rec.t)
        warnings = []
        if truth.frames is not None and abs(len(times) - truth.frames) > max(2, truth.frames // 100):
            warnings.append(f"the label says {truth.frames} frames but the clip gave {len(times)}: "
                            "is it the clip that was labelled?")
            log(f"{truth.label_path}: {warnings[-1]}")
        for a in todo:
            try:
                report = run_analyzer(registry[a], rec.poses())
            except Exception as exc:  # an analyzer bug must not hide the other clips' scores
                msg = f"analyzer raised {type(exc).__name__}: {exc}".splitlines()[0]
                log(f"{truth.clip_name} {a}: {msg}\n{traceback.format_exc()}")
                card.rows.append({"clip": truth.clip_name, "label": str(truth.label_path), "kind": truth.kind,
                                  "analyzer": a, "status": "error", "error": msg,
                                  "expected_count": truth.expected[a].count, "reported_count": None,
                                  "tolerance": truth.expected[a].tolerance, "pass": None})
                continue
            row = score_report(truth, a, report, times)
            if warnings:
                row["warnings"] = warnings
            card.rows.append(row)
    card.meta = {"formcheck_version": __version__,
                 "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    return card
