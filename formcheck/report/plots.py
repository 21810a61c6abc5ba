"""The session page's plots, drawn with matplotlib as SVG text to inline in the HTML.

Three pictures of one exercise: each rep's hold against the prescribed band, each rep's range
of motion, and the timeline of the analyzer's signal with each hold shaded, faults and
stretches that could not be judged marked, and sets separated. `svg_text` turns a figure into
inline SVG a browser shows from a USB stick: no XML prolog, no metadata, no namespace URLs, text
kept as text in system fonts named by family (nothing embedded, nothing fetched).
matplotlib runs on its Agg backend and its object API, never a GUI window.
"""

from __future__ import annotations

import io
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402 (after the backend is chosen)
from matplotlib.patches import Patch  # noqa: E402

from formcheck.report.sections import FAULT, GOOD, PEAK, SHORT, ExerciseSection, seconds  # noqa: E402

COLORS = {GOOD: "#2e7d32", SHORT: "#ef8f00", FAULT: "#c62828"}
NOT_JUDGED_COLOR = "#9e9e9e"
SIGNAL_COLOR = "#1f4e79"
BAND_COLOR = "#2e7d32"
STYLE = {
    "svg.fonttype": "none",  # text stays text, in the page's system fonts
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
}
WIDTH = 8.6  # inches; the page scales the SVG to its column


def svg_text(fig: Figure) -> str:
    """The figure as an inline <svg> element (responsive: the page sets its width)."""
    buf = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1class="plot" role="img"', svg, count=1)
    return svg.strip()


def _figure(height: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(WIDTH, height), layout="constrained")


def _legend(ax: Any, items: list[tuple[str, str, float]]) -> None:
    handles = [Patch(facecolor=c, alpha=a, label=label) for label, c, a in items]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)


def _verdict_legend(section: ExerciseSection) -> list[tuple[str, str, float]]:
    present = {section.verdict(r) for r in section.reps}
    words = {GOOD: "met the prescription", SHORT: "hold too short", FAULT: "fault"}
    return [(words[v], COLORS[v], 1.0) for v in (GOOD, SHORT, FAULT) if v in present]


def hold_chart(section: ExerciseSection) -> str | None:
    """A bar per rep: its hold, against the prescribed band (None when no hold is timed)."""
    reps = [r for r in section.reps if seconds(r.get("hold")) is not None]
    if not reps:
        return None
    with matplotlib.rc_context(STYLE):
        fig = _figure(2.4)
        ax = fig.add_subplot()
        low, high = section.hold_band
        if high and high > low:
            ax.axhspan(low, high, color=BAND_COLOR, alpha=0.12, lw=0)
        if low:
            ax.axhline(low, color=BAND_COLOR, lw=1, ls="--")
        x = range(len(reps))
        ax.bar(x, [seconds(r["hold"]) for r in reps], color=[COLORS[section.verdict(r)] for r in reps], width=0.6)
        ax.set_xticks(list(x), [section.rep_label(r) for r in reps])
        ax.set_xlabel("rep" + (" (L left, R right)" if section.sides else ""))
        ax.set_ylabel("hold (s)")
        ax.set_title("Hold of each rep against the prescription")
        band = f"prescribed hold {low:g}-{high:g} s" if high and high > low else f"prescribed hold {low:g} s"
        _legend(ax, _verdict_legend(section) + ([(band, BAND_COLOR, 0.3)] if low or high else []))
        return svg_text(fig)


def range_chart(section: ExerciseSection) -> str | None:
    """A bar per rep: the range of motion it reached (None when the reps report none)."""
    measure = section.range_measure
    reps = [r for r in section.reps if section.range_of(r) is not None]
    if measure is None or not reps:
        return None
    with matplotlib.rc_context(STYLE):
        fig = _figure(2.2)
        ax = fig.add_subplot()
        x = range(len(reps))
        ax.bar(x, [section.range_of(r) for r in reps], color=[COLORS[section.verdict(r)] for r in reps], width=0.6)
        if measure is PEAK:
            ax.axhline(1.0, color="#555555", lw=1, ls=":")
        ax.set_xticks(list(x), [section.rep_label(r) for r in reps])
        ax.set_xlabel("rep")
        ax.set_ylabel(f"{measure.label}" + (f" ({measure.unit})" if measure.unit and measure is not PEAK else ""))
        ax.set_title("Range of motion of each rep")
        _legend(ax, _verdict_legend(section))
        return svg_text(fig)


def _signal(section: ExerciseSection) -> tuple[list[float], list[float]]:
    """The timeline's (t, score), signed by side for exercises done to a side (the first side
    up), NaN where there was no score."""
    tl = section.timeline or {}
    ts, scores = tl.get("t") or [], tl.get("score") or []
    sides = tl.get("side") or [None] * len(ts)
    first = section.sides[0] if section.sides else None
    out = []
    for s, side in zip(scores, sides):
        v = seconds(s)
        if v is None:
            out.append(float("nan"))
        else:
            out.append(-v if first is not None and side not in (None, first) else v)
    return [float(t) for t in ts], out


def timeline_chart(section: ExerciseSection, span: tuple[float, float] | None = None) -> str:
    """The analyzer's signal over the session, each hold shaded by its verdict, sets separated,
    and below it a strip of the faults and of what could not be judged."""
    rows: list[tuple[str, list[tuple[float, float]], str]] = []
    spans = [(seconds(c.get("start")), seconds(c.get("end"))) for c in section.cannot_judge]
    rows.append(("cannot judge", [(a, b - a) for a, b in spans if a is not None and b is not None], NOT_JUDGED_COLOR))
    kinds: dict[str, list[tuple[float, float]]] = {}
    for f in section.faults:
        a, b = seconds(f.get("start")), seconds(f.get("end"))
        if a is not None and b is not None:
            kinds.setdefault(section.fault_words(str(f.get("kind")), f.get("message")), []).append((a, max(b - a, 0.05)))
    rows += [(words, bars, COLORS[FAULT]) for words, bars in kinds.items()]
    with matplotlib.rc_context(STYLE):
        fig = _figure(2.6 + 0.22 * len(rows))
        top, strip = fig.subplots(2, 1, sharex=True, height_ratios=[4, 0.45 * len(rows) + 0.3])
        t, y = _signal(section)
        if t:
            top.plot(t, y, color=SIGNAL_COLOR, lw=1.1)
        else:
            top.text(0.5, 0.5, "this report holds no signal (reports written before schema 2 hold none)", transform=top.transAxes,
                     ha="center", va="center", color="#666666")
        top.axhline(0.0, color="#999999", lw=0.6)
        top.margins(y=0.18)
        top.axhline(1.0, color="#555555", lw=0.8, ls=":")
        if section.sides:
            top.axhline(-1.0, color="#555555", lw=0.8, ls=":")
            top.set_ylabel(f"score (1 = a full rep)\n{section.sides[0]} up, {'/'.join(section.sides[1:])} down")
        else:
            top.set_ylabel("score (1 = a full rep)")
        for rep in section.reps:
            m = rep.get("measured") or {}
            a, b = seconds(m.get("hold_start")), seconds(m.get("hold_end"))
            if a is None or b is None:
                a, b = seconds(rep.get("start")), seconds(rep.get("end"))
            if a is None or b is None:
                continue
            top.axvspan(a, b, color=COLORS[section.verdict(rep)], alpha=0.22, lw=0)
            top.annotate(section.rep_label(rep), ((a + b) / 2, 0.98), xycoords=("data", "axes fraction"),
                         ha="center", va="top", fontsize=8, color="#333333")
        for i, s in enumerate(section.sets):
            start = seconds(s.get("start"))
            if start is None:
                continue
            if i:
                for ax in (top, strip):
                    ax.axvline(start, color="#333333", lw=1, ls="--")
            top.annotate(f"set {i + 1}", (start, 0.0), xycoords=("data", "axes fraction"), xytext=(3, 3),
                         textcoords="offset points", fontsize=8, color="#333333")
        for i, (label, bars, color) in enumerate(rows):
            if bars:
                strip.broken_barh(bars, (i - 0.35, 0.7), color=color)
        strip.set_yticks(range(len(rows)), [label for label, _, _ in rows])
        strip.set_ylim(len(rows) - 0.5, -0.5)
        strip.set_xlabel("time in the video (s)")
        if span is not None and span[1] > span[0]:
            strip.set_xlim(*span)
        top.set_title("The signal behind each judgement (holds shaded)")
        _legend(top, _verdict_legend(section) + [("cannot judge", NOT_JUDGED_COLOR, 1.0)])
        return svg_text(fig)
