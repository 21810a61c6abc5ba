"""The scorecard as tables: plain text for the terminal, Markdown for SCORECARD.md.

One function builds the cells, two draw them, so the terminal and the committed scorecard can
never disagree. Missing numbers are "-" and analyzers that do not exist yet say "not
implemented": a blank is never drawn as a zero.
"""

from __future__ import annotations

from typing import Any

from formcheck.evaluate.scorecard import KINDS, NOT_IMPLEMENTED, Scorecard, kind_of

DASH = "-"


def _pct(v: float | None) -> str:
    return DASH if v is None else f"{100 * v:.0f}%"


def _num(v: float | None, fmt: str = ".2f") -> str:
    return DASH if v is None else format(v, fmt)


def _hips_cell(h: dict[str, Any] | None) -> str:
    if h is None:
        return DASH
    if h["tp"] + h["fp"] + h["fn"] == 0:
        return f"agree: none ({h['frames']} fr)"
    return f"P {_num(h['precision'])} R {_num(h['recall'])} F1 {_num(h['f1'])}"


def _faults_cell(faults: dict[str, dict[str, Any]] | None) -> str:
    """'shoulder lift F1 0.95 (P 1.00 R 0.90)' per fault labelled or reported; 'agree: none'."""
    if not faults:
        return DASH
    parts = [f"{k.replace('_', ' ')} F1 {_num(f['f1'])} (P {_num(f['precision'])} R {_num(f['recall'])})"
             for k, f in faults.items() if f["tp"] + f["fp"] + f["fn"]]
    return "; ".join(parts) or "agree: none"


def _events_cell(row: dict[str, Any]) -> str:
    e = row.get("events")
    if e is None:
        return DASH
    text = f"{e['matched']}/{e['labelled']} found"
    if e["extra"]:
        text += f", {e['extra']} extra"
    if e["sides_compared"]:
        text += f"; side right {e['sides_agree']}/{e['sides_compared']}"
    return text


def _holds_cell(row: dict[str, Any]) -> str:
    s = row.get("hold_summary")
    if s is None:
        return DASH
    errs = [m["error"] for m in row["holds"] if m["error"] is not None]
    parts = [f"{s['matched']}/{s['matched'] + s['unmatched_labelled']} matched"]
    if errs:
        parts.append("err " + " ".join(f"{e:+.1f}" for e in errs) + " s")
    if s["unmatched_reported"]:
        parts.append(f"{s['unmatched_reported']} extra")
    if s.get("met_compared"):
        parts.append(f"long enough right {s['met_agree']}/{s['met_compared']}")
    return "; ".join(parts)


def _sets_cell(row: dict[str, Any]) -> str:
    sets = row.get("sets") or []
    if len(sets) < 2:
        return DASH
    return " ".join(f"{DASH if s['labelled'] is None else s['labelled']}/{s['reported']}" for s in sets)


CLIP_HEADERS = ["clip", "analyzer", "expected", "reported", "pass", "labelled events", "holds (reported - labelled)",
                "hips off floor (frames)", "other faults (frames)", "per set (labelled/reported)", "cannot judge"]


def clip_rows(card: Scorecard, kind: str) -> list[list[str]]:
    out = []
    for r in card.rows:
        if r["kind"] != kind:
            continue
        exp = f"{r['expected_count']} ±{r['tolerance']}"
        if r["status"] == NOT_IMPLEMENTED:
            out.append([r["clip"], r["analyzer"], exp, NOT_IMPLEMENTED] + [DASH] * 7)
        elif r["status"] != "ok":
            out.append([r["clip"], r["analyzer"], exp, "error", DASH, r.get("error", "")] + [DASH] * 5)
        else:
            side = r.get("count_by_side") or {}
            reported = str(r["reported_count"]) + (
                " (" + ", ".join(f"{k[0].upper()} {v}" for k, v in sorted(side.items())) + ")" if side else "")
            want_side = r.get("expected_by_side") or {}
            if want_side:
                exp += " (" + ", ".join(f"{k[0].upper()} {v}" for k, v in sorted(want_side.items())) + ")"
            cj = f"{r['cannot_judge_s']:.1f} of {r['duration_s']:.1f} s"
            out.append([r["clip"], r["analyzer"], exp, reported, "pass" if r["pass"] else "FAIL",
                        _events_cell(r), _holds_cell(r), _hips_cell(r.get("hips")),
                        _faults_cell(r.get("faults")), _sets_cell(r), cj])
    return out


SUMMARY_HEADERS = ["analyzer", "clips", "judged", "pass", "exact", "off by one", "MAE", "events P / R",
                   "hold error median / worst (matched, missed, extra)", "hips off floor P / R / F1",
                   "other faults (frames)", "not judged"]


def summary_rows(card: Scorecard, kind: str) -> list[list[str]]:
    out = []
    for name, entry in card.summary().items():
        s = entry.get(kind)
        if s is None:
            continue
        if entry["status"] == NOT_IMPLEMENTED:
            out.append([name, str(s["clips"]), NOT_IMPLEMENTED] + [DASH] * 8 + [str(s["not_judged"])])
            continue
        h = s["holds"]
        holds = DASH if h is None else (
            f"{_num(h['median_abs_error'], '.1f')} / {_num(h['worst_abs_error'], '.1f')} s "
            f"({h['matched']}, {h['unmatched_labelled']}, {h['unmatched_reported']})"
            + (f"; long enough right {h['met_agree']}/{h['met_compared']}" if h.get("met_compared") else ""))
        ev = s["events"]
        events = DASH if ev is None else f"{_num(ev['precision'])} / {_num(ev['recall'])}" + (
            f" (side {_pct(ev['side_agreement'])})" if ev["sides_compared"] else "")
        hp = s["hips"]
        hips = DASH if hp is None else (
            f"{_num(hp['precision'])} / {_num(hp['recall'])} / {_num(hp['f1'])}")
        out.append([name, str(s["clips"]), str(s["judged"]), _pct(s["pass_rate"]), _pct(s["exact_rate"]),
                    _pct(s["off_by_one_rate"]), _num(s["mae"]), events, holds, hips,
                    _faults_cell(s.get("faults")), str(s["not_judged"])])
    return out


def markdown_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    esc = lambda c: c.replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return lines


def text_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [fmt(headers), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]


KIND_TITLES = {"real": "Real clips (../shared/media, hand labels)",
               "rendered": "Rendered clips (formcheck synth, exact truth)"}

LEGEND = [
    "- **expected** = the label's count ± its tolerance; **pass** = the reported count is within it. "
    "A count is every repetition detected, good or faulty; meeting the prescription is scored "
    "separately (holds, faults).",
    "- **holds**: each reported hold matched one-to-one to a labelled hold overlapping at least half the shorter of the two; error = "
    "reported hold length - labelled hold length; \"extra\" = reported holds matching no labelled hold; "
    "\"long enough right\" = matched holds where the analyzer's verdict on the hold (long enough or not, "
    "whatever a fault did to the rep) agrees with the labelled length against the default prescribed hold.",
    "- **hips off floor**: frame-level precision / recall / F1 of the analyzer's `hips_off_floor` "
    "faults against the labelled intervals, on the clip's own frame times (pooled over clips in the "
    "summary); \"agree: none\" = nothing labelled and nothing reported.",
    "- **other faults**: the same frame-level agreement for each fault a rendered truth lists "
    "(trunk rotation: shoulder lift, feet off the floor, knees apart, moving too fast), scored with "
    "the default prescription (a feet-up clip's feet are off the floor for the default variant).",
    "- **labelled events**: labelled holds / excursions / press-ups matched one-to-one to reported "
    "reps overlapping at least half the shorter (a right count made of a false rep and a missed one shows here); "
    "**events P / R** = matched / reported and matched / labelled, pooled over clips.",
    "- **exact / off by one**: share of clips whose count is exactly right / off by exactly one; "
    "**MAE** = mean |reported - true| / max(true, 1).",
    "- **not judged**: clips that could not be scored (see the list below); **cannot judge** = "
    "seconds the analyzer itself refused to judge (body not visible, wrong view, ...).",
]


def render(card: Scorecard, *, markdown: bool) -> str:
    table = markdown_table if markdown else text_table
    lines: list[str] = []
    if markdown:
        lines += ["# formcheck accuracy scorecard", "",
                  "Generated by `formcheck eval --markdown > SCORECARD.md`; do not edit by hand.", ""]
        m = card.meta
        lines += [f"formcheck {m.get('formcheck_version')}, pose model `{m.get('model', '?')}`, "
                  f"mediapipe {m.get('mediapipe_version', '?')}, generated {m.get('created')}."]
        if m.get("label_folders"):
            lines += ["Label folders: " + ", ".join(f"`{f}`" for f in m["label_folders"]) + "."]
        lines += [""]
        lines += LEGEND + [""]
    for kind in KINDS:
        crow = clip_rows(card, kind)
        srow = summary_rows(card, kind)
        if not crow and not srow:
            lines += [f"## {KIND_TITLES[kind]}" if markdown else f"== {KIND_TITLES[kind]} ==", "",
                      "None scored: no " + ("label files of real clips" if kind == "real" else
                                            "*.truth.json of rendered clips") + " in the label folders.", ""]
            continue
        title = KIND_TITLES[kind]
        lines += [f"## {title}" if markdown else f"== {title} ==", ""]
        lines += [("### " if markdown else "") + "Per clip", ""] + table(CLIP_HEADERS, crow) + [""]
        lines += [("### " if markdown else "") + "Per analyzer", ""] + table(SUMMARY_HEADERS, srow) + [""]
        unread = sorted({p.file.name for p in card.skipped if p.analyzer is None and kind_of(p) == kind})
        if unread:
            lines += [f"Label files that could not be read at all (see Not scored): {', '.join(unread)}.", ""]
    if card.skipped or any(r["status"] == "error" for r in card.rows):
        lines += ["## Not scored" if markdown else "== Not scored ==", ""]
        for p in card.skipped:
            lines.append(f"- {p}" if markdown else f"  {p}")
        for r in card.rows:
            if r["status"] == "error":
                lines.append(("- " if markdown else "  ") + f"{r['label']}: {r['analyzer']}: {r['error']}")
        lines.append("")
    warned = [(r, w) for r in card.rows for w in r.get("warnings", [])]
    if warned:
        lines += ["## Warnings" if markdown else "== Warnings ==", ""]
        lines += [("- " if markdown else "  ") + f"{r['clip']} ({r['analyzer']}): {w}" for r, w in warned] + [""]
    if not card.rows and not card.skipped:
        lines.append("No label files found.")
    return "\n".join(lines).rstrip() + "\n"
