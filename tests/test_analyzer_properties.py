"""Property tests: any analyzer, fed messy synthetic landmark streams, stays sane.

Noise, dropped frames, a person leaving and coming back, jittered timestamps, on pelvic tilt and
trunk rotation streams: the analyzer must never crash, never let a rep or a hold span a gap longer than its `gap`, never let its count go
down, and its report must agree with the live feedback.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from formcheck.analyzers import ANALYZERS
from formcheck.landmarks import PoseFrame
from synthetic_pose import SIZE, lying_points, rotation_session, session, to_pose
from synthetic_prone import press_session

ANALYZER_CLASSES = sorted(ANALYZERS.values(), key=lambda c: c.name)

absences = st.lists(
    st.tuples(st.floats(0.0, 25.0), st.floats(0.05, 4.0)), max_size=3
)
events = st.lists(st.tuples(st.floats(1.0, 24.0), st.floats(0.0, 5.0)), max_size=4)


def _check_stream(cls, frames):
    a = cls()
    counts, seen_t = [], []
    gaps = []  # (start, end) stretches with no person or no frames at all
    last_person = None
    for f in frames:
        fb = a.update(f)
        assert fb.count >= (counts[-1] if counts else 0), "count went down"
        assert fb.cue is not None and isinstance(fb.state, str)
        if fb.hold_elapsed is not None:
            assert fb.hold_elapsed >= 0
        counts.append(fb.count)
        if f.detected:
            if last_person is not None and f.t - last_person > a.gap:
                gaps.append((last_person, f.t))
            last_person = f.t
        seen_t.append(f.t)
    rep = a.report()
    assert rep.count == (counts[-1] if counts else 0) or rep.count >= (counts[-1] if counts else 0)
    for r in rep.reps:
        assert r.start <= r.end
        if r.hold is not None:
            assert 0 <= r.hold <= r.end - r.start + 1e-6
        for g0, g1 in gaps:
            assert not (r.start < g0 and r.end > g1), f"rep {r} spans gap {g0}-{g1}"
    for iv in rep.cannot_judge + rep.sets:
        assert iv.start <= iv.end
    d = rep.as_dict()
    assert d["count"] == rep.count
    return rep


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tilts=events, bridges=st.lists(st.tuples(st.floats(1.0, 24.0), st.floats(0.0, 3.0)), max_size=2),
    away=absences, noise=st.floats(0.0, 3.0), jitter=st.floats(0.0, 0.015),
    drop=st.floats(0.0, 0.4), fps=st.sampled_from([15.0, 25.0, 30.0, 60.0]), seed=st.integers(0, 999),
)
def test_messy_lying_streams(tilts, bridges, away, noise, jitter, drop, fps, seed):
    def present(t):
        return not any(s <= t < s + d for s, d in away)

    for cls in ANALYZER_CLASSES:
        frames = list(session(26.0, tilts=tilts, bridges=bridges, fps=fps, noise_px=noise, seed=seed,
                              present=present, jitter=jitter, drop=drop))
        _check_stream(cls, frames)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    presses=events, lifts=st.lists(st.tuples(st.floats(1.0, 24.0), st.floats(0.0, 3.0)), max_size=2),
    away=absences, noise=st.floats(0.0, 3.0), jitter=st.floats(0.0, 0.015),
    drop=st.floats(0.0, 0.4), fps=st.sampled_from([15.0, 25.0, 30.0, 60.0]), seed=st.integers(0, 999),
    plank=st.sampled_from([0.0, 1.0]),
)
def test_messy_prone_streams(presses, lifts, away, noise, jitter, drop, fps, seed, plank):
    """Face down: press-ups, hips lifting, push-ups from the toes (synthetic_prone.py)."""
    def present(t):
        return not any(s <= t < s + d for s, d in away)

    for cls in ANALYZER_CLASSES:
        frames = list(press_session(26.0, presses=presses, hip_lifts=lifts, fps=fps, noise_px=noise,
                                    seed=seed, present=present, jitter=jitter, drop=drop, plank=plank))
        _check_stream(cls, frames)


drops = st.lists(st.tuples(st.floats(1.0, 22.0), st.floats(0.0, 6.0), st.sampled_from([-1, 1])), max_size=4)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves=drops, away=absences, noise=st.floats(0.0, 3.0), jitter=st.floats(0.0, 0.015),
       drop=st.floats(0.0, 0.4), fps=st.sampled_from([15.0, 25.0, 30.0]), seed=st.integers(0, 999),
       view=st.sampled_from(["side", "side-left", "feet"]), ramp=st.floats(0.4, 2.0))
def test_messy_trunk_rotation_streams(moves, away, noise, jitter, drop, fps, seed, view, ramp):
    """Knees lowered side to side (3-D stick figure, from either side or the feet end), with the
    same mess: every analyzer stays sane."""
    def present(t):
        return not any(s <= t < s + d for s, d in away)

    frames = list(rotation_session(26.0, moves, fps=fps, ramp=ramp, view=view, noise_px=noise,
                                   seed=seed, present=present, jitter=jitter, drop=drop))
    for cls in ANALYZER_CLASSES:
        _check_stream(cls, frames)


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_garbage_landmarks_never_crash(data):
    """NaNs, points far outside the image, zero-size bodies, repeated and backwards timestamps."""
    rng = np.random.default_rng(data.draw(st.integers(0, 10_000)))
    for cls in ANALYZER_CLASSES:
        a = cls()
        t = 0.0
        for _ in range(data.draw(st.integers(1, 120))):
            kind = data.draw(st.sampled_from(["ok", "nan", "wild", "collapsed", "empty", "time"]))
            t += data.draw(st.sampled_from([0.0, -0.05, 1 / 30, 0.5, 3.0])) if kind == "time" else 1 / 30
            if kind == "empty":
                f = PoseFrame.empty(t, SIZE)
            else:
                f = to_pose(t, lying_points(), noise_px=1.0, rng=rng)
                arr = f.landmarks.copy()
                if kind == "nan":
                    arr[rng.integers(0, 33, 5)] = np.nan
                elif kind == "wild":
                    arr[:, :2] = rng.normal(0.5, 3.0, (33, 2))
                elif kind == "collapsed":
                    arr[:, :2] = 0.5
                f = PoseFrame(t, SIZE, arr, arr)
            fb = a.update(f)
            assert isinstance(fb.count, int)
        a.report()
        a.report()  # finish() is idempotent


def test_person_leaving_mid_hold_never_spans_the_gap():
    """A hold interrupted by the person leaving for longer than the gap is cut at the gap."""
    for cls in ANALYZER_CLASSES:
        frames = list(session(20.0, tilts=[(4.0, 6.0)], present=lambda t: not (6.0 <= t < 8.0)))
        rep = _check_stream(cls, frames)
        for r in rep.reps:
            assert r.end <= 6.0 + 1e-6 or r.start >= 8.0
        assert len(rep.sets) >= 1
        assert any(iv.reason == "no person in view" for iv in rep.cannot_judge)
        assert math.isclose(sum(iv.end - iv.start for iv in rep.cannot_judge if iv.reason == "no person in view"),
                            2.0, abs_tol=0.1)
