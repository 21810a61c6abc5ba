"""The analyzer's timeline (the signal the report plots): thinned to at most `rate` samples a
second, NaN kept as a gap, the side kept for exercises done to a side, and present in the report
of every analyzer built on the framework."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from formcheck.analyzers import ANALYZERS
from formcheck.analyzers.timeline import Timeline
from synthetic_pose import session
from test_framework import Lean, lean_stream


@pytest.mark.parametrize("fps", [24.0, 25.0, 29.97, 30.0, 60.0])
def test_at_most_rate_samples_a_second_and_none_missing(fps):
    tl = Timeline(rate=10.0)
    n = int(20 * fps)
    for i in range(n):
        tl.add(i / fps, 0.5, "neutral")
    assert len(tl) == pytest.approx(200, abs=1)  # one per 0.1 s slot, every slot filled
    gaps = np.diff(tl.t)
    assert gaps.min() > 0.1 - 1.0 / fps - 1e-6 and gaps.max() < 0.1 + 1.0 / fps + 1e-6


def test_irregular_frames_and_slow_sources_keep_every_frame_they_can():
    tl = Timeline(rate=10.0)
    times = [0.0, 0.02, 0.25, 0.26, 0.9, 2.0]  # a 4 fps stretch keeps all its frames
    for t in times:
        tl.add(t, 1.0, "holding")
    assert tl.t == [0.0, 0.25, 0.9, 2.0]


def test_nan_is_a_gap_and_side_is_a_column_only_when_seen():
    tl = Timeline()
    tl.add(0.0, math.nan, "calibrating")
    tl.add(0.1, 0.1234, "neutral")
    d = tl.as_dict()
    assert d == {"rate": 10.0, "t": [0.0, 0.1], "score": [None, 0.123], "state": ["calibrating", "neutral"]}
    tl.add(0.2, 0.9, "holding", "left")
    assert tl.as_dict()["side"] == [None, None, "left"]
    with pytest.raises(ValueError, match="rate"):
        Timeline(rate=0)


def test_the_toy_per_side_exercise_reports_its_signal_with_sides_and_states():
    a = Lean()
    for p in lean_stream([(3, 1.5, 1), (7, 1.5, -1)], duration=10.0):
        a.update(p)
    report = a.report()
    d = json.loads(json.dumps(report.as_dict()))
    tl = d["timeline"]
    assert len(tl["t"]) == len(tl["score"]) == len(tl["state"]) == len(tl["side"])
    assert len(tl["t"]) == pytest.approx(100, abs=1)
    assert tl["state"][0] == "calibrating" and tl["score"][0] is None
    for rep in report.reps:  # the signal is high through each hold, toward the rep's side
        mid = (rep.measured["hold_start"] + rep.measured["hold_end"]) / 2
        i = int(np.argmin([abs(t - mid) for t in tl["t"]]))
        assert tl["score"][i] > 0.7 and tl["side"][i] == rep.side and tl["state"][i] == "holding"
    assert "neutral" in tl["state"]


@pytest.mark.parametrize("cls", sorted(ANALYZERS.values(), key=lambda c: c.name), ids=lambda c: c.name)
def test_every_registered_analyzer_keeps_a_timeline(cls):
    frames = list(session(12.0, tilts=[(4.0, 3.0)], present=lambda t: not 9.0 < t < 9.6))
    a = cls()
    for f in frames:
        a.update(f)
    tl = a.report().as_dict()["timeline"]
    assert 0 < len(tl["t"]) <= 12.0 * tl["rate"] + 1
    assert tl["t"] == sorted(set(tl["t"]))
    assert "cannot judge" in tl["state"]  # nobody in view from 9.0 s: a gap in the score
    i = tl["t"].index(next(t for t in tl["t"] if t > 9.1))
    assert tl["score"][i] is None
