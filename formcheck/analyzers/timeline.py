"""The analyzer's signal over the session, thinned to a few samples a second, for the report.

A therapist trusts (or overrules) a judgement by seeing the signal behind it: the score each
frame had (0 at neutral, 1 at a full rep's position), the state the analyzer was in, and the
side the movement was toward. The analyzer sees 25-60 frames a second; a plot needs far fewer,
so `Timeline` keeps the first frame of each 1/`rate` s slot (at most `rate` samples a second),
at the cost of one multiplication and one comparison per frame. The report carries it as
columns (`t`, `score`, `state`, and `side` for exercises done to a side): docs/report-format.md.
"""

from __future__ import annotations

import math
from typing import Any

DEFAULT_RATE = 10.0  # samples a second: a 0.1 s step, finer than any ramp of a rep


class Timeline:
    """Decimated (t, score, state, side) samples: `add` per frame, `as_dict` for the report.

    A score that is NaN (no score this frame: cannot judge, calibrating) is kept as None, so the
    plot shows a gap there rather than a guess.
    """

    def __init__(self, rate: float = DEFAULT_RATE) -> None:
        if not rate > 0:
            raise ValueError(f"timeline rate must be > 0 samples a second, got {rate!r}")
        self.rate = float(rate)
        self.t: list[float] = []
        self.score: list[float | None] = []
        self.state: list[str] = []
        self.side: list[str | None] = []
        self._slot: int | None = None

    def __len__(self) -> int:
        return len(self.t)

    def add(self, t: float, score: float, state: str, side: str | None = None) -> None:
        """Keep this frame if it is the first of its 1/rate s slot (times must increase)."""
        slot = math.floor(t * self.rate)
        if self._slot is not None and slot <= self._slot:
            return
        self._slot = slot
        self.t.append(round(t, 3))
        self.score.append(round(score, 3) if math.isfinite(score) else None)
        self.state.append(state)
        self.side.append(side)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rate": self.rate, "t": list(self.t), "score": list(self.score),
                               "state": list(self.state)}
        if any(s is not None for s in self.side):
            out["side"] = list(self.side)
        return out
