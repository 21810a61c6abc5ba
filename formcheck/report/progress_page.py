"""`formcheck progress DIR`: how a patient's sessions change, per exercise, as plots and a table.

Per exercise, across the sessions found under a folder (`sessions.session_rows`, by date): reps
done against the target, the share of holds long enough, the median hold against the
prescribed minimum, the median range of motion, and the faults per session; then the table of
every session with a link to its page, and the same rows as CSV beside the page.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

from formcheck.errors import UserError
from formcheck.report.page import cell, document, esc, figure, percent, table, text_cell, write_page
from formcheck.report.plots import COLORS, NOT_JUDGED_COLOR, SIGNAL_COLOR, STYLE, WIDTH, svg_text
from formcheck.report.sections import FAULT, GOOD
from formcheck.report.sessions import SessionRow, find_reports, session_rows, write_csv
from formcheck.safety import SAFETY_NOTE


def _label(row: SessionRow) -> str:
    return row.date.strftime("%d %b\n%H:%M")


def progress_chart(rows: list[SessionRow]) -> str:
    """Six small panels over the sessions of one exercise."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    x = list(range(len(rows)))
    labels = [_label(r) for r in rows]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, 5.6), layout="constrained")
        axes = fig.subplots(2, 3, sharex=True).ravel()

        ax = axes[0]
        ax.bar(x, [r.reps for r in rows], color=SIGNAL_COLOR, width=0.6, label="done")
        ax.bar(x, [r.good for r in rows], color=COLORS[GOOD], width=0.35, label="met")
        ax.plot(x, [r.total_target for r in rows], "k_", ms=18, mew=2, label="target")
        ax.set_title("Reps done vs target")
        ax.legend(frameon=False, fontsize=7)

        ax = axes[1]
        share = [100 * r.share_long_enough if r.share_long_enough is not None else float("nan") for r in rows]
        ax.plot(x, share, "o-", color=COLORS[GOOD])
        ax.set_ylim(0, 105)
        ax.set_title("Holds long enough (%)")

        ax = axes[2]
        ax.plot(x, [r.median_hold if r.median_hold is not None else float("nan") for r in rows], "o-", color=SIGNAL_COLOR)
        ax.plot(x, [r.hold_min or float("nan") for r in rows], "_", ms=18, mew=2, color=COLORS[GOOD],
                label="prescribed")
        ax.set_title("Median hold (s)")
        ax.legend(frameon=False, fontsize=7)

        ax = axes[3]
        ax.plot(x, [r.median_range if r.median_range is not None else float("nan") for r in rows], "o-", color=SIGNAL_COLOR)
        ax.set_title("Median range of motion")
        ax.set_ylabel(rows[-1].range_label, fontsize=7)

        ax = axes[4]
        ax.bar(x, [r.fault_total for r in rows], color=COLORS[FAULT], width=0.6)
        ax.set_title("Faults per session")

        ax = axes[5]
        ax.bar(x, [r.not_judged for r in rows], color=NOT_JUDGED_COLOR, width=0.6)
        ax.set_title("Seconds not judged")

        for ax in (axes[0], axes[4]):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in axes:
            ax.set_xticks(x, labels, fontsize=7)
            ax.margins(x=0.15)
            ax.set_ylim(bottom=0, top=max(1.0, ax.get_ylim()[1]))
        return svg_text(fig)


def _table(rows: list[SessionRow], page_dir: Path) -> str:
    body = []
    for r in rows:
        html = r.report.with_suffix(".html")
        link_to = html if html.is_file() else r.report
        href = os.path.relpath(link_to, page_dir)
        reps = f"{r.reps} of {r.total_target}"
        if r.by_side:
            reps += " (" + ", ".join(f"{k} {v}" for k, v in r.by_side.items()) + ")"
        holds = f"{r.holds_long_enough} of {r.holds_timed} ({percent(r.holds_long_enough, r.holds_timed)})" \
            if r.holds_timed else "\u2013"
        kinds = "; ".join(f"{k} \u00d7{v}" for k, v in r.faults.items())
        faults = f'<td data-value="{float(r.fault_total)!r}">{r.fault_total}{esc(": " + kinds if kinds else "")}</td>'
        cells = (text_cell(r.date.strftime("%Y-%m-%d %H:%M")) + text_cell(Path(r.source).name) + text_cell(r.prescription)
                 + text_cell(reps) + cell(float(r.good), 0) + text_cell(holds) + cell(r.median_hold)
                 + cell(r.median_range, 2) + faults
                 + cell(r.not_judged) + f'<td><a href="{esc(href)}" title="{esc(link_to.name)}">open</a></td>')
        body.append(("partial" if r.partial else "", cells))
    headers = ["Date", "Video", "Prescription", "Reps done", "Met", "Holds long enough", "Median hold (s)",
               "Median range", "Faults", "Not judged (s)", "Report"]
    return table(headers, body, numeric=[4, 6, 7, 9], cls="sessions")


def render_progress(rows: list[SessionRow], skipped: list[str], page_dir: Path, folder: str) -> str:
    exercises: dict[str, list[SessionRow]] = {}
    for r in rows:
        exercises.setdefault(r.exercise, []).append(r)
    parts = [f"<h1>Progress across sessions</h1><p class=\"sub\">{len(rows)} sessions under {esc(folder)}</p>",
             f'<p class="safety">{esc(SAFETY_NOTE)}</p>']
    for name, its in exercises.items():
        parts.append(f'<section class="exercise" data-exercise="{esc(name)}"><h2>{esc(its[0].title)}</h2>')
        parts.append(figure(progress_chart(its), "One point or bar per session, oldest on the left."))
        parts.append(_table(its, page_dir) + "</section>")
    if skipped:
        parts.append("<h2>Files skipped</h2>" + "".join(f'<p class="warn">{esc(s)}</p>' for s in skipped))
    return document("formcheck progress", "".join(parts))


def write_progress(folder: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> tuple[Path, Path, list[SessionRow], list[str]]:
    """Write the progress page and its CSV (default DIR/progress.html and .csv): (page, csv,
    rows, files skipped). No report under the folder is a one-line UserError."""
    reports, skipped = find_reports(folder)
    rows = session_rows(reports)
    if not rows:
        why = f" ({len(skipped)} file(s) skipped: {skipped[0]})" if skipped else ""
        raise UserError(f"no formcheck report with an exercise under {folder}{why}")
    page = Path(out) if out is not None else Path(folder) / "progress.html"
    csv_path = page.with_suffix(".csv")
    write_page(page, render_progress(rows, skipped, page.parent, str(folder)))
    write_csv(rows, csv_path)
    return page, csv_path, rows, skipped
