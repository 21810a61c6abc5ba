"""Scoring a reading against the neutral: the per-frame steps of `calibration`, in order.

The part of `ExerciseAnalyzer` that turns an analyzer's raw features into a score: calibrate
until the neutral is found, then the glitch and wild-deviation guards, the analyzer's own
`score(dev)`, following drift at rest, the noise gate, and reading a set's first frames again
when the set proved to have opened inside a rep. A mixin: it uses the analyzer's `neutral`,
`cycle`, `score`, `prescription` and `_close_rep`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from formcheck.analyzers.base import Reading
from formcheck.analyzers.calibration import CALIBRATING
from formcheck.analyzers.reasons import BELOW_NOISE
from formcheck.analyzers.reps import RepCycle

if TYPE_CHECKING:
    from formcheck.analyzers.framework import ExerciseAnalyzer

# Seconds of a set's first frames kept in case the set opened inside a rep (longer than any
# prescribed hold): read again once the true neutral is known (`_reread_opening`).
OPENING_KEPT = 30.0


class NeutralScoring:
    """Readings with `features` scored against the neutral (see the module docstring)."""

    def _with_neutral(self: ExerciseAnalyzer, t: float, r: Reading) -> Reading:
        """Calibrate, guard and score the reading's features against the neutral (in place)."""
        neutral = self.neutral
        assert neutral is not None
        if r.features is None:
            return r
        features = dict(r.features)
        keys = list(features)
        smoothed = np.atleast_1d(np.asarray(self._smooth(t, np.array([features[k] for k in keys]))))
        features = dict(zip(keys, (float(v) for v in smoothed)))
        neutral.saw(t)
        if r.cannot_judge is not None:
            return r
        vec, learned = neutral.vector(features)
        if neutral.opening and neutral.warmed_up(t):
            self._opening.append((t, vec, dict(r.values)))  # in case the set opened mid-rep
            while t - self._opening[0][0] > OPENING_KEPT:
                self._opening.pop(0)
        elif self._opening:
            self._opening = []  # a movement was made from the first neutral: it was the rest
        if self._replay and neutral.ready:
            self._reread_opening()
        if not neutral.ready:
            state = neutral.calibrate(t, learned, r.learn)
            if neutral.ready and self._set_spans and len(self._set_spans[-1]) == 2:
                self._set_spans[-1].append(t)  # when this set's neutral was first found
            r.calibrating = state == CALIBRATING
            r.cannot_judge = None if r.calibrating else state
            r.score = math.nan
            return r
        if not neutral.usable.any():  # every feature too noisy to judge
            r.score = math.nan
            if neutral.noisy(t) and not self.rep_in_progress:
                r.cannot_judge = BELOW_NOISE
            return r
        recovering = neutral.glitch(t, vec, self.rep_in_progress)
        dev = neutral.deviation(vec)
        wild = neutral.wild(t, dev)
        if wild == "glitch":  # a frame or two far off: a landmark glitch, skip it
            r.score = math.nan
            return r
        if wild == "moved" or self._rep_too_long(t):
            neutral.relearn()
            self.cycle.cut()  # whatever was in progress was not a rep from this neutral
            r.score = math.nan
            r.cannot_judge = neutral.settings.other_movement
            return r
        scored = self.score(dev)
        r.values.update(scored.values)
        r.values["noise"] = round(neutral.noise, 3)
        r.score, r.timing, r.side = scored.score, scored.timing, scored.side
        if recovering:
            # The tracker is still forgetting a landmark jump: no rep starts (its frames still
            # time a rep that rises meanwhile), and nothing is learned.
            r.score = min(r.score, 0.0)
            return r
        at_rest = not self.rep_in_progress and not self.cycle.starting and r.learn
        neutral.follow(t, learned, dev, at_rest, r.score if r.timing is None else r.timing)
        if neutral.reopened:
            neutral.reopened = False
            self._replay, self._opening = self._opening, []
        if neutral.noisy(t) and not self.rep_in_progress:
            r.score = math.nan
            r.cannot_judge = BELOW_NOISE
        return r

    def _reread_opening(self: ExerciseAnalyzer) -> None:
        """The set opened inside a repetition (its first neutral proved to be one): now that
        the true neutral is known, read those first frames again against it, so the rep the set
        opened with is counted and timed too."""
        assert self.neutral is not None
        frames, self._replay = self._replay, []
        cycle = RepCycle(**self.cycle_params)
        for t, vec, values in frames:
            scored = self.score(self.neutral.deviation(vec))
            done = cycle.update(t, scored.score, scored.side, {**values, **scored.values}, scored.timing)
            if done is not None:  # held from the very first frame: "at least", like a cut hold
                self._close_rep(done, cut=done.start <= frames[0][0], cycle=cycle)
        self._close_rep(cycle.cut(), cut=True, cycle=cycle)

    def _rep_too_long(self: ExerciseAnalyzer, t: float) -> bool:
        """A 'hold' far beyond any prescription means the neutral was learned in the wrong place."""
        cur = self.cycle.current
        assert self.neutral is not None
        longest = self.prescription.hold_max or self.prescription.hold
        return cur is not None and t - cur.start > max(self.neutral.settings.max_rep_seconds, 3.0 * longest)
