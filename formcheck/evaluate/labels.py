"""Reading and checking ground truth: the real clips' label files and `formcheck synth`'s truth.

Both use one schema (see ../shared/media/README.md): `clip` (the video, looked up beside the
label file, then in the folder above), `segments`, per-analyzer events (`pelvic_tilt.holds`,
`trunk_rotation.excursions`, `press_up.reps`), `hips_off_floor` intervals, per-analyzer fault
intervals where a truth lists them (`trunk_rotation.faults.shoulder_lift`, ...), and
`expected.<analyzer>` = {count, tolerance, why}. A rendered clip's truth is `<clip>.truth.json`
and may carry more (per-frame keypoints), which is ignored here.

A problem is reported, never guessed around: a file that cannot be trusted as a whole (bad JSON,
a malformed field, a missing clip) raises `LabelError` naming the file and the field; a problem
confined to one analyzer's entry (an unknown analyzer name, a malformed `expected` entry) is
kept in `ClipTruth.problems` so the other analyzers of that clip are still scored.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.analyzers import EXERCISES, KNOWN_EXERCISES, canonical_name
from formcheck.errors import UserError

TRUTH_SUFFIX = ".truth.json"



class LabelError(UserError):
    """A label file that cannot be scored at all; the message names the file and the field."""

    def __init__(self, file: Path, fld: str, message: str) -> None:
        super().__init__(f"{file}: {fld}: {message}" if fld else f"{file}: {message}")
        self.file = file
        self.field = fld
        self.reason = message
        # The analyzers the file asks for, when that much could be read: each is "not judged".
        self.analyzers: list[str] = []


@dataclass(frozen=True)
class Problem:
    """Something that kept an analyzer (or a whole file, `analyzer=None`) from being scored."""

    file: Path
    field: str
    message: str
    clip: str | None = None
    analyzer: str | None = None

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}" if self.field else f"{self.file}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": str(self.file), "field": self.field, "reason": self.message,
                "clip": self.clip, "analyzer": self.analyzer}


@dataclass(frozen=True)
class Span:
    """A labelled interval (a hold, an excursion, a rep, hips off the floor), seconds."""

    start: float
    end: float
    confidence: str | None = None
    side: str | None = None
    hold: float | None = None  # a hold given apart from the interval (rendered excursions, press-ups)

    @property
    def length(self) -> float:
        return self.end - self.start

    @property
    def mid(self) -> float:
        return 0.5 * (self.start + self.end)


@dataclass(frozen=True)
class Segment:
    """A piece of the clip between cuts (`kind`: exercise, closeup, transition, title, other)."""

    start: float
    end: float
    kind: str
    view: str = ""
    person: str = ""


@dataclass(frozen=True)
class Expected:
    """What a correct analyzer reports over the whole clip."""

    analyzer: str
    count: int
    tolerance: int
    why: str = ""


@dataclass
class ClipTruth:
    """One label file, checked: what to expect from which analyzer, and the events to match."""

    label_path: Path
    clip_name: str
    clip_path: Path
    kind: str  # "real" (a label of a real clip) or "rendered" (truth written by formcheck synth)
    expected: dict[str, Expected]
    events: dict[str, list[Span]] = field(default_factory=dict)  # analyzer -> labelled events
    holds: dict[str, list[Span]] = field(default_factory=dict)  # analyzer -> labelled holds
    hips_off_floor: list[Span] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    count_per_side: dict[str, dict[str, int]] = field(default_factory=dict)  # analyzer -> side -> n
    faults: dict[str, dict[str, list[Span]]] = field(default_factory=dict)  # analyzer -> fault -> spans
    frames: int | None = None  # what the labeller saw; a clip decoding to another count is suspect

    @property
    def name(self) -> str:
        return Path(self.clip_name).stem


def clip_kind(path: Path) -> str:
    return "rendered" if path.name.endswith(TRUTH_SUFFIX) else "real"


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _spans(file: Path, data: Any, fld: str) -> list[Span]:
    if not isinstance(data, list):
        raise LabelError(file, fld, f"must be a list of {{start, end}} intervals, got {type(data).__name__}")
    out = []
    for i, item in enumerate(data):
        f = f"{fld}[{i}]"
        if not isinstance(item, dict):
            raise LabelError(file, f, "must be an object with start and end")
        start, end = item.get("start"), item.get("end")
        if not _number(start) or not _number(end):
            raise LabelError(file, f, f"start and end must be numbers (seconds), got {start!r}, {end!r}")
        if end < start:
            raise LabelError(file, f, f"end {end} is before start {start}")
        conf = item.get("confidence")
        side = item.get("side")
        hold = item.get("hold")
        if hold is not None and (not _number(hold) or hold < 0):
            raise LabelError(file, f"{f}.hold", f"must be a number of seconds >= 0, got {hold!r}")
        out.append(Span(float(start), float(end), conf if isinstance(conf, str) else None,
                        side if isinstance(side, str) else None, None if hold is None else float(hold)))
    return out


def _segments(file: Path, data: Any) -> list[Segment]:
    if not isinstance(data, list):
        raise LabelError(file, "segments", "must be a list")
    out = []
    for i, item in enumerate(data):
        f = f"segments[{i}]"
        if not isinstance(item, dict):
            raise LabelError(file, f, "must be an object")
        start, end, kind = item.get("start"), item.get("end"), item.get("kind")
        if not _number(start) or not _number(end) or end < start:
            raise LabelError(file, f, f"needs numeric start <= end, got {start!r}, {end!r}")
        if not isinstance(kind, str):
            raise LabelError(file, f"{f}.kind", "must be a string")
        out.append(Segment(float(start), float(end), kind, str(item.get("view", "")), str(item.get("person", ""))))
    return out


def find_clip(label_path: Path, clip: str) -> Path | None:
    """The clip beside the label file, else in the folder above it (labels/ next to the clips)."""
    for folder in (label_path.parent, label_path.parent.parent):
        candidate = folder / clip
        if candidate.is_file():
            return candidate
    return None


def load_label(path: Path) -> ClipTruth:
    """Read and check one label/truth file. Raises LabelError when the file cannot be scored."""
    path = Path(path)
    try:
        return _load_label(path)
    except LabelError as exc:
        exc.analyzers = _asked_for(path)
        raise


def _asked_for(path: Path) -> list[str]:
    """The known analyzers a (broken) label file names in `expected`, if it can be read at all."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or not isinstance(data.get("expected"), dict):
        return []
    return [n for n in (canonical_name(str(k)) for k in data["expected"]) if n in KNOWN_EXERCISES]


def _load_label(path: Path) -> ClipTruth:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelError(path, "", f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LabelError(path, "", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise LabelError(path, "", f"must hold a JSON object, got {type(data).__name__}")
    if "clip" not in data and "expected" not in data:
        raise LabelError(path, "", "not a label file (no 'clip' and no 'expected' field)")
    clip = data.get("clip")
    if not isinstance(clip, str) or not clip.strip():
        raise LabelError(path, "clip", f"must name the video file, got {clip!r}")
    exp_raw = data.get("expected")
    if not isinstance(exp_raw, dict) or not exp_raw:
        raise LabelError(path, "expected", "must be an object naming at least one analyzer")

    problems: list[Problem] = []
    expected: dict[str, Expected] = {}
    for raw_name, entry in exp_raw.items():
        name = canonical_name(str(raw_name))
        fld = f"expected.{raw_name}"
        if name not in KNOWN_EXERCISES:
            known = ", ".join(KNOWN_EXERCISES)
            problems.append(Problem(path, fld, f"unknown analyzer {raw_name!r} (known: {known})", clip, str(raw_name)))
            continue
        if not isinstance(entry, dict):
            problems.append(Problem(path, fld, "must be an object with count and tolerance", clip, name))
            continue
        count, tol = entry.get("count"), entry.get("tolerance", 0)
        if not _count(count):
            problems.append(Problem(path, f"{fld}.count", f"must be a whole number >= 0, got {count!r}", clip, name))
            continue
        if not _count(tol):
            problems.append(Problem(path, f"{fld}.tolerance", f"must be a whole number >= 0, got {tol!r}", clip, name))
            continue
        why = entry.get("why", "")
        expected[name] = Expected(name, count, tol, why if isinstance(why, str) else "")

    hips = _spans(path, data.get("hips_off_floor", []), "hips_off_floor")
    segments = _segments(path, data.get("segments", []))
    events: dict[str, list[Span]] = {}
    holds: dict[str, list[Span]] = {}
    per_side: dict[str, dict[str, int]] = {}
    faults: dict[str, dict[str, list[Span]]] = {}
    for name in KNOWN_EXERCISES:
        section = data.get(name)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise LabelError(path, name, "must be an object")
        if "holds" in section:
            holds[name] = _spans(path, section["holds"], f"{name}.holds")
        if "faults" in section:
            fl = section["faults"]
            if not isinstance(fl, dict):
                raise LabelError(path, f"{name}.faults", "must map each fault to a list of {start, end}")
            faults[name] = {str(k): _spans(path, v, f"{name}.faults.{k}") for k, v in fl.items()}
        if "count_per_side" in section:
            cps = section["count_per_side"]
            if not isinstance(cps, dict) or not all(isinstance(k, str) and _count(v) for k, v in cps.items()):
                raise LabelError(path, f"{name}.count_per_side", "must map each side to a whole number >= 0")
            per_side[name] = dict(cps)
        key = EXERCISES[name].label_events  # where its events are listed
        if key in section:
            events[name] = _spans(path, section[key], f"{name}.{key}")
            # Rendered truth times the hold of each excursion / press-up: score those holds too.
            if name not in holds and events[name] and all(e.hold is not None for e in events[name]):
                holds[name] = events[name]
    for name, exp in expected.items():
        # "0 reps" means no events and no holds either: every rep reported is an extra one.
        if exp.count == 0:
            holds.setdefault(name, [])
            events.setdefault(name, [])

    clip_path = find_clip(path, clip)
    if clip_path is None:
        raise LabelError(path, "clip", f"{clip!r} not found beside the label file or in the folder above it")
    return ClipTruth(
        label_path=path,
        clip_name=clip,
        clip_path=clip_path,
        kind=clip_kind(path),
        expected=expected,
        events=events,
        holds=holds,
        hips_off_floor=hips,
        segments=segments,
        problems=problems,
        count_per_side=per_side,
        faults=faults,
        frames=data["frames"] if _count(data.get("frames")) else None,
    )


def label_files(folder: Path) -> list[Path]:
    """The label files a folder offers: its *.json (truth and labels) and those in labels/."""
    folder = Path(folder)
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise UserError(f"label folder {folder} does not exist")
    files = sorted(folder.glob("*.json"))
    sub = folder / "labels"
    if sub.is_dir():
        files += sorted(sub.glob("*.json"))
    return files


def repo_root() -> Path:
    """The checkout this formcheck runs from (the folder holding pyproject.toml)."""
    return Path(__file__).resolve().parents[2]


def default_folders(root: Path | None = None) -> list[Path]:
    """What `formcheck eval` scores with no folder given: the real clips' labels (when
    ../shared is there) and the rendered clips committed in the repo (samples/, tests/data/rendered/)."""
    root = root or repo_root()
    candidates = [root.parent / "shared" / "media" / "labels", root / "samples", root / "tests" / "data" / "rendered"]
    return [c for c in candidates if c.is_dir()]
