"""What every formcheck page shares: one self-contained HTML document, its style, tables, numbers.

A page must open from a USB stick with no network: everything is inline (style, SVG plots,
JPEG stills as data URIs), no script runs, and a Content-Security-Policy forbids the browser to
fetch anything, so a stray reference would show as an error instead of a silent request. Text
is escaped here, once. Numbers in tables carry the exact JSON value in `data-value` beside the
rounded text a person reads.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from formcheck.files import write_atomic

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
:root { --ink: #1d2733; --muted: #5b6673; --line: #d9dee4; --good: #2e7d32; --short: #ef8f00;
        --fault: #c62828; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.45 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 32px 0 8px;
     border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
.sub { color: var(--muted); margin: 0 0 12px; }
.safety { border-left: 4px solid var(--short); background: #fff8e6; padding: 8px 12px; margin: 12px 0; }
.warn { border-left: 4px solid var(--fault); background: #fdecea; padding: 8px 12px; margin: 12px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card .k { color: var(--muted); font-size: 13px; } .card .v { font-size: 20px; font-weight: bold; }
.card .d { font-size: 13px; }
.good { color: var(--good); } .short { color: var(--short); } .fault { color: var(--fault); }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg); } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.rep-short td:last-child { color: var(--short); } tr.rep-fault td:last-child { color: var(--fault); }
tr.rep-good td:last-child { color: var(--good); }
table.sessions td:first-child { white-space: nowrap; } table.sessions { font-size: 13px; }
figure { margin: 10px 0 18px; } svg.plot { width: 100%; height: auto; display: block; }
.stills { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 10px; }
.stills figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.stills img { width: 100%; display: block; } .stills figcaption { padding: 4px 8px; font-size: 13px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
nav a { margin-right: 14px; }
@media print { body { background: #fff; } main { padding: 0; } h2 { break-before: auto; } figure { break-inside: avoid; } }
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def number(value: float | None, digits: int = 1, unit: str = "") -> str:
    """A number as the page shows it ('3.3 s'); an en dash when there is none."""
    if value is None:
        return "\u2013"
    return f"{value:.{digits}f}" + (f" {unit}" if unit else "")


def percent(part: int, whole: int) -> str:
    return "\u2013" if not whole else f"{100.0 * part / whole:.0f} %"


def cell(value: float | None, digits: int = 1, unit: str = "", at_least: bool = False) -> str:
    """A numeric table cell: the rounded text (with "at least" for a value cut short), and the
    exact value in data-value."""
    data = "" if value is None else f' data-value="{value!r}"'
    prefix = "\u2265 " if at_least and value is not None else ""
    return f'<td class="num"{data}>{esc(prefix + number(value, digits, unit))}</td>'


def text_cell(text: object) -> str:
    return f"<td>{esc(text)}</td>"


def table(headers: Sequence[str], rows: Iterable[tuple[str, str]], numeric: Iterable[int] = (),
          cls: str = "") -> str:
    """A table from (row class, the row's <td> cells already made) pairs."""
    nums = set(numeric)
    head = "".join(f'<th class="num">{esc(h)}</th>' if i in nums else f"<th>{esc(h)}</th>"
                   for i, h in enumerate(headers))
    body = "".join(f'<tr class="{esc(c)}">{cells}</tr>' if c else f"<tr>{cells}</tr>" for c, cells in rows)
    klass = f' class="{esc(cls)}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def card(key: str, value: str, detail: str = "", cls: str = "") -> str:
    klass = f"card {cls}".strip()
    extra = f'<div class="d">{detail}</div>' if detail else ""
    return f'<div class="{esc(klass)}"><div class="k">{esc(key)}</div><div class="v">{value}</div>{extra}</div>'


def figure(svg: str | None, caption: str = "") -> str:
    if not svg:
        return ""
    cap = f"<figcaption class=\"sub\">{esc(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{cap}</figure>"


def document(title: str, body: str) -> str:
    """The whole page: one file, nothing to fetch."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def write_page(path: str | os.PathLike[str], text: str) -> Path:
    """Write a page atomically (never half a page where a browser looks); unwritable: UserError."""
    return write_atomic(path, lambda fh: fh.write(text.encode("utf-8")), shown=str(path))
