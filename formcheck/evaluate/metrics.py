"""The scorecard's yardsticks, each a small pure function on plain numbers and intervals.

- Counts: pass within the label's tolerance, exact, off by exactly one, and the normalized
  error |reported - true| / max(true, 1) (so a clip with 0 true reps still weighs one rep).
- Holds: reported holds matched one-to-one to labelled holds by time overlap (at least half
  the shorter of the two), largest overlap first; the error of a match is reported length - labelled length (seconds). Unmatched holds
  on either side are listed, never dropped.
- Hips off the floor: frame-level agreement on the clip's own frame times (a frame is "off" when
  its time falls in an interval), pooled across clips by summing the confusion counts, so long
  clips weigh by their frames. Precision, recall and F1 are None when undefined (nothing to find
  and nothing found), never a made-up 1.0 or 0.0.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

Interval = tuple[float, float]


@dataclass(frozen=True)
class CountScore:
    expected: int
    reported: int
    tolerance: int

    @property
    def error(self) -> int:
        return self.reported - self.expected

    @property
    def passed(self) -> bool:
        return abs(self.error) <= self.tolerance

    @property
    def exact(self) -> bool:
        return self.error == 0

    @property
    def off_by_one(self) -> bool:
        return abs(self.error) == 1

    @property
    def normalized_error(self) -> float:
        return abs(self.error) / max(self.expected, 1)


@dataclass(frozen=True)
class CountSummary:
    clips: int
    exact_rate: float | None
    off_by_one_rate: float | None
    pass_rate: float | None
    mae: float | None  # mean of |reported - true| / max(true, 1)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize_counts(scores: Sequence[CountScore]) -> CountSummary:
    n = len(scores)
    if n == 0:
        return CountSummary(0, None, None, None, None)
    return CountSummary(
        clips=n,
        exact_rate=sum(s.exact for s in scores) / n,
        off_by_one_rate=sum(s.off_by_one for s in scores) / n,
        pass_rate=sum(s.passed for s in scores) / n,
        mae=sum(s.normalized_error for s in scores) / n,
    )


@dataclass(frozen=True)
class ReportedHold:
    """A hold the analyzer reported: the rep's interval (for matching) and its hold length."""

    start: float
    end: float
    length: float | None
    met: bool | None = None  # the analyzer's verdict: long enough for the prescription


@dataclass(frozen=True)
class HoldMatch:
    """One labelled hold and the reported hold matched to it; either may be None (unmatched)."""

    labelled: Interval | None
    reported: ReportedHold | None
    overlap: float = 0.0
    labelled_length: float | None = None  # when the label gives the hold apart from the interval

    @property
    def labelled_hold(self) -> float | None:
        if self.labelled is None:
            return None
        return self.labelled_length if self.labelled_length is not None else self.labelled[1] - self.labelled[0]

    def met_agrees(self, prescribed_hold: float) -> bool | None:
        """Did the analyzer call this hold long enough exactly when the labelled hold was?
        None when unmatched or the analyzer gave no verdict."""
        if self.labelled is None or self.reported is None or self.reported.met is None:
            return None
        return self.reported.met == (self.labelled_hold >= prescribed_hold)  # type: ignore[operator]

    @property
    def error(self) -> float | None:
        """Reported minus labelled hold length, seconds (None unless both sides have a length)."""
        if self.labelled is None or self.reported is None or self.reported.length is None:
            return None
        return self.reported.length - self.labelled_hold  # type: ignore[operator]

    def as_dict(self) -> dict[str, Any]:
        lab = self.labelled
        rep = self.reported
        err = self.error
        return {
            "labelled": None if lab is None else {"start": lab[0], "end": lab[1],
                                                  "length": round(self.labelled_hold, 3)},  # type: ignore[arg-type]
            "reported": None if rep is None else {"start": rep.start, "end": rep.end,
                                                  "length": None if rep.length is None else round(rep.length, 3)},
            "error": None if err is None else round(err, 3),
        }


# The share of the shorter interval a labelled and a reported event must overlap to match.
MIN_OVERLAP = 0.5


def overlap(a: Interval, b: Interval) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def match_holds(
    labelled: Sequence[Interval],
    reported: Sequence[ReportedHold],
    labelled_lengths: Sequence[float | None] | None = None,
) -> list[HoldMatch]:
    """One-to-one matching by time overlap, largest overlap first; then the unmatched ones.

    `labelled` are the intervals matched on; a labelled hold's length is its interval's length
    unless `labelled_lengths` gives it (a rendered excursion or press-up: the interval is the
    whole movement, the hold a part of it). Pairs are made as `match_intervals` makes them.
    """
    lengths = list(labelled_lengths) if labelled_lengths is not None else [None] * len(labelled)
    pairs, lone_l, lone_r = match_intervals(labelled, [(r.start, r.end) for r in reported])
    matches = [HoldMatch(tuple(labelled[i]), reported[j], ov, lengths[i]) for i, j, ov in pairs]
    matches += [HoldMatch(tuple(labelled[i]), None, 0.0, lengths[i]) for i in lone_l]
    matches += [HoldMatch(None, reported[j]) for j in lone_r]
    return matches


def match_intervals(
    labelled: Sequence[Interval], reported: Sequence[Interval]
) -> tuple[list[tuple[int, int, float]], list[int], list[int]]:
    """One-to-one matching by overlap: ([(labelled i, reported j, overlap s)] in labelled time
    order, unmatched labelled indices, unmatched reported indices).

    A pair must overlap by at least `MIN_OVERLAP` of the shorter of the two (and by more than
    zero seconds: touching is not overlapping), so a hold placed in the rest beside a labelled
    hold is an extra one and the labelled hold is missed, not "matched". Largest overlap first;
    ties go to the earlier interval, so equal inputs give equal results.
    """
    def fits(lab: Interval, rep: Interval) -> float:
        ov = overlap(lab, rep)
        shorter = min(lab[1] - lab[0], rep[1] - rep[0])
        return ov if ov > 0 and ov >= MIN_OVERLAP * shorter else 0.0

    cands = [(fits(lab, rep), i, j) for i, lab in enumerate(labelled) for j, rep in enumerate(reported)]
    cands = sorted((c for c in cands if c[0] > 0), key=lambda c: (-c[0], c[1], c[2]))
    used_l: set[int] = set()
    used_r: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for ov, i, j in cands:
        if i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        pairs.append((i, j, ov))
    pairs.sort(key=lambda p: (labelled[p[0]][0], p[0]))
    return (pairs, [i for i in range(len(labelled)) if i not in used_l],
            [j for j in range(len(reported)) if j not in used_r])


@dataclass(frozen=True)
class EventScore:
    """Labelled events (holds, excursions, press-ups) against reported reps, one-to-one by
    overlap: a right count made of one false rep and one missed rep shows here, not in the count.
    `sides_*` compare the side of matched pairs where both give one (trunk rotation)."""

    labelled: int = 0
    matched: int = 0
    missed: int = 0
    extra: int = 0
    sides_compared: int = 0
    sides_agree: int = 0

    @property
    def precision(self) -> float | None:
        return self.matched / (self.matched + self.extra) if self.matched + self.extra else None

    @property
    def recall(self) -> float | None:
        return self.matched / (self.matched + self.missed) if self.matched + self.missed else None

    @property
    def side_agreement(self) -> float | None:
        return self.sides_agree / self.sides_compared if self.sides_compared else None

    def __add__(self, o: "EventScore") -> "EventScore":
        return EventScore(*(a + b for a, b in zip(astuple_(self), astuple_(o))))

    def as_dict(self) -> dict[str, Any]:
        r = lambda v: None if v is None else round(v, 4)  # noqa: E731
        return {**asdict(self), "precision": r(self.precision), "recall": r(self.recall),
                "side_agreement": r(self.side_agreement)}


def astuple_(e: EventScore) -> tuple[int, ...]:
    return (e.labelled, e.matched, e.missed, e.extra, e.sides_compared, e.sides_agree)


def event_score(
    labelled: Sequence[Interval],
    reported: Sequence[Interval],
    labelled_sides: Sequence[str | None] | None = None,
    reported_sides: Sequence[str | None] | None = None,
) -> EventScore:
    pairs, lone_l, lone_r = match_intervals(labelled, reported)
    compared = agree = 0
    if labelled_sides is not None and reported_sides is not None:
        for i, j, _ in pairs:
            a, b = labelled_sides[i], reported_sides[j]
            if a and b:
                compared += 1
                agree += a == b
    return EventScore(len(labelled), len(pairs), len(lone_l), len(lone_r), compared, agree)


@dataclass(frozen=True)
class HoldSummary:
    matched: int
    unmatched_labelled: int
    unmatched_reported: int
    median_abs_error: float | None
    worst_abs_error: float | None
    met_compared: int = 0  # matched holds with a verdict, judged against the prescribed hold
    met_agree: int = 0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("median_abs_error", "worst_abs_error"):
            if d[k] is not None:
                d[k] = round(d[k], 3)
        return d


def summarize_holds(matches: Iterable[HoldMatch], prescribed_hold: float | None = None) -> HoldSummary:
    ms = list(matches)
    errors = [abs(m.error) for m in ms if m.error is not None]
    verdicts = [] if prescribed_hold is None else [v for m in ms if (v := m.met_agrees(prescribed_hold)) is not None]
    return HoldSummary(
        matched=sum(1 for m in ms if m.labelled is not None and m.reported is not None),
        unmatched_labelled=sum(1 for m in ms if m.reported is None),
        unmatched_reported=sum(1 for m in ms if m.labelled is None),
        median_abs_error=statistics.median(errors) if errors else None,
        worst_abs_error=max(errors) if errors else None,
        met_compared=len(verdicts),
        met_agree=sum(verdicts),
    )


@dataclass(frozen=True)
class FrameScore:
    """Frame-level confusion counts for a yes/no per frame (here: hips off the floor)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def frames(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else None

    @property
    def agreement(self) -> float | None:
        return (self.tp + self.tn) / self.frames if self.frames else None

    def __add__(self, other: "FrameScore") -> "FrameScore":
        return FrameScore(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    def as_dict(self) -> dict[str, Any]:
        r = lambda v: None if v is None else round(v, 4)  # noqa: E731
        return {"frames": self.frames, "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "precision": r(self.precision), "recall": r(self.recall), "f1": r(self.f1),
                "agreement": r(self.agreement)}


def in_intervals(times: np.ndarray, intervals: Iterable[Interval]) -> np.ndarray:
    """Boolean per time: inside any closed interval [start, end]."""
    t = np.asarray(times, dtype=np.float64)
    mask = np.zeros(t.shape, dtype=bool)
    for start, end in intervals:
        mask |= (t >= start) & (t <= end)
    return mask


def frame_score(times: np.ndarray, truth: Iterable[Interval], predicted: Iterable[Interval]) -> FrameScore:
    """Confusion counts over the clip's frame times."""
    want = in_intervals(times, truth)
    got = in_intervals(times, predicted)
    return FrameScore(
        tp=int(np.sum(want & got)),
        fp=int(np.sum(~want & got)),
        fn=int(np.sum(want & ~got)),
        tn=int(np.sum(~want & ~got)),
    )
