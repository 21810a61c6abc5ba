"""`NAME.report.html`: one session as a physical therapist reads it, from its JSON report alone.

Per exercise (a session may hold several): the summary (prescription, reps done against the
target per side, met / hold too short / fault, the safety line), the holds against the
prescribed band, the range of motion per rep, the timeline of the analyzer's signal, the rep
table, the faults, and a still per rep when the video is at hand; then the capture quality.
`write_session_page` is what `pipeline._finish` and `formcheck report` call.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from formcheck.analyzers.reasons import WRONG_VIEW
from formcheck.report import plots
from formcheck.report.load import exercises_of, read_report
from formcheck.report.page import (
    card, cell, document, esc, figure, number, table, text_cell, write_page,
)
from formcheck.report.sections import FAULT, GOOD, PEAK, SHORT, ExerciseSection, seconds
from formcheck.report.stills import Media, find_media, rep_stills
from formcheck.safety import SAFETY_NOTE

VIEW_WORDS = {"side": "from the side, at floor level", "side-raised": "from the side, raised",
              "oblique": "at an angle", "feet-high": "high at the feet end"}


def html_path_for(report_path: Path) -> Path:
    """NAME.report.json -> NAME.report.html (any other name: .html in place of its suffix)."""
    return report_path.with_suffix(".html")


def _span(report: dict[str, Any]) -> tuple[float, float] | None:
    fr = report.get("frames") or {}
    a, b = seconds(fr.get("first_t")), seconds(fr.get("last_t"))
    return (a, b) if a is not None and b is not None else None


def _count_card(s: ExerciseSection) -> str:
    total = f"{s.done()} of {s.total_target}"
    if not s.sides:
        return card("Reps done", esc(total))
    of = f" of {s.target}" if s.per_side else ""
    return card("Reps done", esc(total), esc(" \u00b7 ".join(f"{side.capitalize()} {s.done(side)}{of}" for side in s.sides)))


def _summary(s: ExerciseSection) -> str:
    good, short, fault = (s.done(verdict=v) for v in (GOOD, SHORT, FAULT))
    by_side = ""
    if s.sides:
        by_side = " \u00b7 ".join(f"{side.capitalize()} {s.done(side, GOOD)}" for side in s.sides)
    long_enough, timed = s.holds_long_enough()
    cards = [
        card("Prescription", esc(s.prescription_text())),
        _count_card(s),
        card("Met the prescription", f'<span class="good">{good}</span>',
             f'<span class="short">{short} hold too short</span> \u00b7 <span class="fault">{fault} with a fault</span>'
             + (f"<br>{esc(by_side)} met" if by_side else "")),
    ]
    if timed:
        cards.append(card("Holds long enough", esc(f"{long_enough} of {timed}"),
                          esc(f"median hold {number(s.median_hold(), 1, 's')}")))
    measure = s.range_measure
    if measure is not None:
        unit = "" if measure is PEAK else measure.unit
        cards.append(card("Range of motion (median)", esc(number(s.median_range(), 2, unit)), esc(measure.label)))
    cards.append(card("Sets", esc(len(s.sets) or "\u2013"),
                      esc(f"{number(s.not_judged_seconds, 1, 's')} could not be judged")))
    if s.not_counted:
        cards.append(card("Not counted", esc(s.not_counted), "movements that were another exercise"))
    return f'<div class="cards">{"".join(cards)}</div>'


def _rep_table(s: ExerciseSection) -> str:
    if not s.reps:
        return '<p class="sub">No reps were counted.</p>'
    measure = s.range_measure
    headers = ["Rep", "Set"] + (["Side"] if s.sides else []) + ["Start (s)", "End (s)", "Hold (s)"]
    headers += ([f"Range ({measure.unit})" if measure is not PEAK else "Range (full reps)"] if measure else [])
    headers += ["Faults", "Met"]
    rows = []
    for r in s.reps:
        cells = [cell(seconds(r.get("index")), 0), cell((seconds(r.get("set_index")) or 0) + 1, 0)]
        if s.sides:
            cells.append(text_cell(r.get("side") or "\u2013"))
        cells += [cell(seconds(r.get("start"))), cell(seconds(r.get("end"))),
                  cell(seconds(r.get("hold")), at_least=bool(r.get("cut")))]  # a hold cut by the set's end
        if measure:
            cells.append(cell(s.range_of(r), 2))
        faults = sorted({s.fault_words(str(f.get("kind")), f.get("message")) for f in r.get("faults") or []})
        cells += [text_cell("; ".join(faults) or "\u2013"), text_cell(s.verdict_text(r))]
        rows.append((f"rep-{s.verdict(r)}", "".join(cells)))
    numeric = [0, 1] + [i for i, h in enumerate(headers) if "(" in h]
    return table(headers, rows, numeric=numeric, cls="reps")


def _fault_table(s: ExerciseSection) -> str:
    if not s.faults:
        return '<p class="sub">No faults were seen.</p>'
    rows = []
    for f in s.faults:
        a, b = seconds(f.get("start")), seconds(f.get("end"))
        lasted = seconds(f.get("duration"))
        if lasted is None and a is not None and b is not None:
            lasted = b - a
        words = s.fault_words(str(f.get("kind")), f.get("message"))
        rows.append(("fault", text_cell(words) + cell(a) + cell(b) + cell(lasted)))
    return table(["Fault", "Start (s)", "End (s)", "For (s)"], rows, numeric=[1, 2, 3], cls="faults")


def _stills(s: ExerciseSection, n: int, stills: dict[tuple[int, int], str], media: Media) -> str:
    shots = []
    for r in s.reps:
        uri = stills.get((n, int(r.get("index") or 0)))
        if uri is None:
            continue
        t = s.hold_middle(r)
        caption = f"Rep {s.rep_label(r)} \u00b7 {number(t, 1, 's')} \u00b7 {s.verdict_text(r)}"
        shots.append(f'<figure><img src="{uri}" alt="{esc(caption)}"><figcaption>{esc(caption)}</figcaption></figure>')
    note = f'<p class="sub">{esc(media.note)}</p>'
    return note + (f'<div class="stills">{"".join(shots)}</div>' if shots else "")


def _exercise(s: ExerciseSection, n: int, numbered: bool, report: dict[str, Any],
              stills: dict[tuple[int, int], str], media: Media) -> str:
    title = f"{n + 1}. {s.title}" if numbered else s.title
    parts = [f'<section class="exercise" id="exercise-{n + 1}" data-exercise="{esc(s.name)}">',
             f"<h2>{esc(title)}</h2>", _summary(s)]
    if s.timed:
        parts.append(figure(plots.hold_chart(s), "Each bar is one rep's hold; the band is the prescribed hold."))
    else:
        parts.append('<p class="sub">No hold is prescribed: only reps and range of motion count.</p>')
    parts.append(figure(plots.range_chart(s)))
    parts.append(figure(plots.timeline_chart(s, _span(report)),
                        "The score the analyzer judged on (0 at the neutral position, 1 a full rep); each "
                        "rep's hold shaded by its verdict; faults and stretches it could not judge below."))
    parts += ["<h3>Reps</h3>", _rep_table(s), "<h3>Faults</h3>", _fault_table(s),
              "<h3>Stills</h3>", _stills(s, n, stills, media), "</section>"]
    return "".join(parts)


def _capture(report: dict[str, Any], sections: list[ExerciseSection]) -> str:
    fr = report.get("frames") or {}
    inp = report.get("input") or {}
    rate = seconds(fr.get("detection_rate"))
    cards = [
        card("Person detected", esc(number(None if rate is None else 100 * rate, 1, "%")),
             esc(f"in {fr.get('with_person', '?')} of {fr.get('processed', '?')} frames")),
        card("Resolution", esc(f"{inp.get('width', '?')} \u00d7 {inp.get('height', '?')}"),
             esc(f"{number(seconds(inp.get('fps')), 1, 'fps')} \u00b7 {number(seconds(inp.get('duration')), 1, 's')}")),
    ]
    for s in sections:
        views = " or ".join(VIEW_WORDS.get(v, v) for v in (s.spec.views if s.spec else ()))
        wrong = sum(sec for reason, sec in s.not_judged() if reason == WRONG_VIEW)
        cards.append(card(f"In a view {s.title.lower()} is not judged from", esc(number(wrong, 1, "s")),
                          esc(f"judged {views}" if views else "")))
    rows = []
    for s in sections:
        for reason, sec in s.not_judged():
            rows.append(("", text_cell(s.title) + text_cell(reason) + cell(sec)))
    body = f'<div class="cards">{"".join(cards)}</div>'
    if rows:
        body += table(["Exercise", "Could not judge because", "Seconds"], rows, numeric=[2], cls="not-judged")
    elif sections:
        body += '<p class="sub">Every moment with the person in view could be judged.</p>'
    for w in report.get("warnings") or []:
        body += f'<p class="warn">{esc(w)}</p>'
    return "<h2>Capture quality</h2>" + body


def render_session(report: dict[str, Any], stills: dict[tuple[int, int], str] | None = None,
                   media: Media | None = None) -> str:
    """The page of a checked report dict (see `load.read_report`)."""
    media = media or Media(None, note="No stills: no video was given.")
    stills = stills or {}
    sections = [ExerciseSection(d) for d in exercises_of(report)]
    inp = report.get("input") or {}
    titles = " + ".join(s.title for s in sections) or "Pose only"
    name = inp.get("name") or "the session"
    head = [f"<h1>{esc(titles)}: session report</h1>",
            f'<p class="sub">{esc(name)} \u00b7 analysed {esc(report.get("created", "?"))}</p>',
            f'<p class="safety">{esc(report.get("note") or SAFETY_NOTE)}</p>']
    if report.get("partial"):
        why = report.get("ended_reason") or "it ended early"
        head.append(f'<p class="warn">This session is partial ({esc(why)}): the report covers what was seen before.</p>')
    if len(sections) > 1:
        head.append("<nav>" + "".join(f'<a href="#exercise-{i + 1}">{esc(s.title)}</a>' for i, s in enumerate(sections))
                    + "</nav>")
    if not sections:
        head.append('<p class="sub">No exercise was chosen: only the pose was tracked.</p>')
    body = "".join(head)
    body += "".join(_exercise(s, i, len(sections) > 1, report, stills, media) for i, s in enumerate(sections))
    body += _capture(report, sections)
    model = report.get("model") or {}
    facts = [f"formcheck {report.get('formcheck_version', '?')}", f"report schema {report.get('schema_version')}",
             f"pose model {model.get('name', 'none')}", f"input sha256 {inp.get('sha256') or 'not recorded'}"]
    body += f"<footer>{esc(' · '.join(facts))}</footer>"
    return document(f"{titles} \u2013 {name}", body)


def write_session_page(report_path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """Render the JSON report at `report_path` (with stills when its video is found) into `out`
    (default: beside it, NAME.report.html). Returns the page's path."""
    path = Path(report_path)
    report = read_report(path)
    target = Path(out) if out is not None else html_path_for(path)
    media = find_media(report, path)
    sections = [ExerciseSection(d) for d in exercises_of(report)]
    return write_page(target, render_session(report, rep_stills(sections, media), media))

