"""Helpers of the report tests: sessions of the rendered samples, and a page read back.

- `sample_recording(name, folder)`: the landmark recording of samples/NAME.mp4, computed once per
  machine by the pose cache, copied into `folder` under the name analyze would give it;
- `replay(recording, out, *options)`: `formcheck replay` of it (another prescription with
  --reps/--hold), the JSON report it wrote;
- `screenshot(page, png)`: the page opened in Debian's headless Chromium, the screenshot taken;
  fails on any console message (the pages run no script: a message is an error, e.g. something
  the Content-Security-Policy refused to fetch); `looks_drawn(png)`: not an empty page;
- `parse(html)`: a page's tables (text and `data-value` of each cell), plots, stills and
  exercise sections, with the standard library's HTML parser; `external_urls(html)`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REPO_ROOT

SAMPLES = REPO_ROOT / "samples"


def sample_recording(name: str, folder: Path) -> Path:
    from formcheck.errors import UserError
    from formcheck.pose_cache import PoseCache

    try:
        rec = PoseCache(model="full", log=lambda msg: None).landmarks(SAMPLES / f"{name}.mp4")
    except UserError as exc:  # pragma: no cover - a checkout without the model bundle
        pytest.skip(f"pose model unavailable: {exc}")
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{name}.landmarks.npz"
    shutil.copyfile(rec.path, dest)
    return dest


def replay(recording: Path, out: Path, *options: str, exercise: str = "pelvic-tilt") -> dict:
    from formcheck.cli import main

    code = main(["replay", str(recording), "--exercise", exercise, "--out", str(out), *options])
    assert code == 0
    stem = recording.name[: -len(".landmarks.npz")]
    return json.loads((out / f"{stem}.replay.report.json").read_text())


@dataclass
class Cell:
    text: str = ""
    value: float | None = None


class Page(HTMLParser):
    """`tables[cls][n]`: the rows (lists of Cell) of the n-th <table class=cls> (a page has one
    per exercise section), `headers[cls][n]` its header texts; `svgs` (a count), `images` (the
    src of each <img>), `sections` (the exercise of each section)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[list[Cell]]]] = {}
        self.headers: dict[str, list[list[str]]] = {}
        self.svgs = 0
        self.images: list[str] = []
        self.sections: list[str] = []
        self.text: list[str] = []
        self._table: str | None = None
        self._row: list[Cell] | None = None
        self._cell: Cell | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("class") or ""
            self.tables.setdefault(self._table, []).append([])
            self.headers.setdefault(self._table, []).append([])
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._table is not None and not self._in_head:
            self._row = []
        elif tag in ("td", "th") and self._table is not None:
            v = a.get("data-value")
            self._cell = Cell(value=float(v) if v is not None else None)
        elif tag == "svg":
            self.svgs += 1
        elif tag == "img":
            self.images.append(a.get("src") or "")
        elif tag == "section" and a.get("data-exercise"):
            self.sections.append(a["data-exercise"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            if self._in_head:
                self.headers[self._table][-1].append(self._cell.text.strip())
            elif self._row is not None:
                self._cell.text = self._cell.text.strip()
                self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table][-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data
        self.text.append(data)

    def column(self, table: str, header: str, n: int = 0) -> list[Cell]:
        i = self.headers[table][n].index(header)
        return [row[i] for row in self.tables[table][n]]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


URL = re.compile(r"""(?:https?:|ftp:|wss?:)//|(?:src|href)\s*=\s*["']?\s*//|url\(\s*["']?\s*(?:https?:)?//""", re.I)


def external_urls(html: str) -> list[str]:
    """Every place the page names something on a network (scheme URLs, protocol-relative ones)."""
    return [html[max(0, m.start() - 40): m.end() + 40] for m in URL.finditer(html)]


CHROMIUM = Path("/usr/bin/chromium")
# As root in a container: no sandbox; no background networking, or it calls Google's hosts.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--enable-logging=stderr", "--v=0")


def screenshot(page: Path, png: Path, width: int = 1100, height: int = 2400) -> Path:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh --test installs it)")
    profile = png.parent / f"{png.stem}-profile"
    profile.mkdir(parents=True)
    run = subprocess.run(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
         f"--screenshot={png}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    console = [ln for ln in run.stderr.splitlines() if ":CONSOLE" in ln]
    assert not console, console
    assert run.returncode == 0 and png.is_file(), run.stderr[-2000:]
    return png


def looks_drawn(png: Path) -> None:
    """The screenshot shows a page: text, and the plots' colours (the SVG was drawn)."""
    import cv2
    import numpy as np

    image = cv2.imread(str(png))
    assert image is not None and image.shape[0] > 500
    gray = image.mean(axis=2)
    assert (gray < 100).mean() > 0.005, "hardly any dark (text) pixels: an empty page?"
    good = np.array([0x32, 0x7D, 0x2E])  # the plots' "met the prescription" green, BGR
    assert (np.abs(image.astype(int) - good).sum(axis=2) < 30).mean() > 0.002, "no plot colours drawn"
