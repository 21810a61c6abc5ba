"""The scorecard's metrics on hand-made cases whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from formcheck.evaluate.metrics import (
    CountScore,
    FrameScore,
    ReportedHold,
    frame_score,
    in_intervals,
    match_holds,
    summarize_counts,
    summarize_holds,
)


def test_count_score_basics() -> None:
    s = CountScore(expected=3, reported=4, tolerance=1)
    assert s.passed and not s.exact and s.off_by_one and s.error == 1
    assert s.normalized_error == pytest.approx(1 / 3)
    assert not CountScore(3, 5, 1).passed and not CountScore(3, 5, 1).off_by_one
    assert CountScore(3, 3, 0).exact and CountScore(3, 3, 0).passed


def test_count_of_zero_weighs_one_rep() -> None:
    # 0 true reps: 2 reported is an error of 2 (not a division by zero, not infinite).
    s = CountScore(expected=0, reported=2, tolerance=0)
    assert s.normalized_error == 2.0 and not s.passed
    z = CountScore(expected=0, reported=0, tolerance=0)
    assert z.exact and z.passed and z.normalized_error == 0.0


def test_summarize_counts() -> None:
    scores = [CountScore(3, 3, 1), CountScore(0, 1, 0), CountScore(9, 7, 1), CountScore(1, 1, 1)]
    s = summarize_counts(scores)
    assert s.clips == 4
    assert s.exact_rate == 0.5
    assert s.off_by_one_rate == 0.25
    assert s.pass_rate == 0.5  # (3,3) and (1,1); (0,1) tol 0 fails; (9,7) tol 1 fails
    assert s.mae == pytest.approx((0 + 1 + 2 / 9 + 0) / 4)


def test_summarize_no_clips_gives_no_numbers() -> None:
    s = summarize_counts([])
    assert (s.clips, s.exact_rate, s.off_by_one_rate, s.pass_rate, s.mae) == (0, None, None, None, None)


def test_match_holds_one_to_one_with_errors() -> None:
    labelled = [(7.6, 9.2), (12.8, 14.1)]
    reported = [ReportedHold(7.0, 9.7, 1.2), ReportedHold(12.5, 14.6, 1.5)]
    m = match_holds(labelled, reported)
    assert [x.labelled for x in m] == labelled
    assert [x.error for x in m] == [pytest.approx(1.2 - 1.6), pytest.approx(1.5 - 1.3)]
    s = summarize_holds(m)
    assert (s.matched, s.unmatched_labelled, s.unmatched_reported) == (2, 0, 0)
    assert s.median_abs_error == pytest.approx(0.3) and s.worst_abs_error == pytest.approx(0.4)


def test_unmatched_holds_on_both_sides() -> None:
    labelled = [(1.0, 2.0), (5.0, 6.0)]
    reported = [ReportedHold(5.2, 6.5, 1.0), ReportedHold(9.0, 10.0, 0.8)]
    m = match_holds(labelled, reported)
    assert len(m) == 3
    matched = [x for x in m if x.labelled and x.reported]
    assert len(matched) == 1 and matched[0].labelled == (5.0, 6.0) and matched[0].error == pytest.approx(0.0)
    assert [x.labelled for x in m if x.reported is None] == [(1.0, 2.0)]
    assert [x.reported.start for x in m if x.labelled is None] == [9.0]
    s = summarize_holds(m)
    assert (s.matched, s.unmatched_labelled, s.unmatched_reported) == (1, 1, 1)
    d = [x.as_dict() for x in m]
    assert d[1]["reported"] is None and d[1]["error"] is None
    assert d[2]["labelled"] is None


def test_one_reported_hold_cannot_match_two_labelled() -> None:
    # A long reported hold spanning two labelled holds matches the one it overlaps most.
    m = match_holds([(0.0, 1.0), (2.0, 4.0)], [ReportedHold(0.5, 4.0, 3.5)])
    matched = [x for x in m if x.labelled and x.reported]
    assert len(matched) == 1 and matched[0].labelled == (2.0, 4.0)
    assert [x.labelled for x in m if x.reported is None] == [(0.0, 1.0)]


def test_touching_is_not_overlapping_and_no_length_means_no_error() -> None:
    m = match_holds([(0.0, 1.0)], [ReportedHold(1.0, 2.0, 1.0)])
    assert all(x.labelled is None or x.reported is None for x in m)
    m = match_holds([(0.0, 1.0)], [ReportedHold(0.0, 1.0, None)])
    assert m[0].error is None and summarize_holds(m).median_abs_error is None


def test_no_holds_at_all() -> None:
    assert match_holds([], []) == []
    s = summarize_holds([])
    assert (s.matched, s.median_abs_error, s.worst_abs_error) == (0, None, None)


def test_frame_score_by_hand() -> None:
    t = np.arange(10) * 0.5  # 0.0 .. 4.5
    truth = [(1.0, 2.0)]  # frames 1.0, 1.5, 2.0
    pred = [(1.5, 3.0)]  # frames 1.5, 2.0, 2.5, 3.0
    s = frame_score(t, truth, pred)
    assert (s.tp, s.fp, s.fn, s.tn) == (2, 2, 1, 5)
    assert s.precision == 0.5 and s.recall == pytest.approx(2 / 3) and s.f1 == pytest.approx(4 / 7)
    assert s.agreement == 0.7 and s.frames == 10


def test_no_hips_off_frames_at_all_is_undefined_not_perfect() -> None:
    s = frame_score(np.arange(5.0), [], [])
    assert (s.tp, s.fp, s.fn, s.tn) == (0, 0, 0, 5)
    assert s.precision is None and s.recall is None and s.f1 is None
    assert s.agreement == 1.0


def test_false_alarms_with_nothing_to_find() -> None:
    s = frame_score(np.arange(5.0), [], [(1.0, 2.0)])
    assert s.precision == 0.0 and s.recall is None and s.f1 == 0.0


def test_empty_clip() -> None:
    s = frame_score(np.array([]), [(0.0, 1.0)], [(0.0, 1.0)])
    assert s.frames == 0 and s.agreement is None and s.f1 is None
    d = s.as_dict()
    assert d["frames"] == 0 and d["precision"] is None


def test_pooling_sums_counts() -> None:
    a = FrameScore(1, 2, 3, 4)
    b = FrameScore(10, 0, 0, 5)
    assert a + b == FrameScore(11, 2, 3, 9)
    assert sum([a, b], FrameScore()) == FrameScore(11, 2, 3, 9)


def test_interval_edges_are_inclusive() -> None:
    assert in_intervals(np.array([0.9, 1.0, 2.0, 2.1]), [(1.0, 2.0)]).tolist() == [False, True, True, False]


@given(st.lists(st.booleans(), max_size=40), st.lists(st.booleans(), max_size=40))
def test_frame_score_counts_every_frame_once(want: list[bool], got: list[bool]) -> None:
    n = min(len(want), len(got))
    t = np.arange(n, dtype=float)
    truth = [(i - 0.1, i + 0.1) for i in range(n) if want[i]]
    pred = [(i - 0.1, i + 0.1) for i in range(n) if got[i]]
    s = frame_score(t, truth, pred)
    assert s.frames == n
    assert s.tp == sum(want[i] and got[i] for i in range(n))
    for v in (s.precision, s.recall, s.f1):
        assert v is None or 0.0 <= v <= 1.0


def test_labelled_hold_given_apart_from_the_interval() -> None:
    # A rendered excursion 1-5 s whose hold at the side is 2.0 s; the analyzer timed 2.4 s.
    m = match_holds([(1.0, 5.0)], [ReportedHold(1.2, 5.1, 2.4)], [2.0])
    assert m[0].error == pytest.approx(0.4) and m[0].as_dict()["labelled"]["length"] == 2.0


def test_event_score_sees_a_right_count_made_of_wrong_reps() -> None:
    from formcheck.evaluate.metrics import EventScore, event_score

    # 2 labelled, 2 reported: the count is right, but one rep is false and one labelled is missed.
    e = event_score([(1.0, 3.0), (5.0, 7.0)], [(1.5, 2.5), (9.0, 10.0)])
    assert (e.labelled, e.matched, e.missed, e.extra) == (2, 1, 1, 1)
    assert e.precision == 0.5 and e.recall == 0.5 and e.side_agreement is None
    sides = event_score([(1.0, 3.0), (5.0, 7.0)], [(1.0, 3.0), (5.0, 7.0)], ["left", "right"], ["left", "left"])
    assert (sides.sides_compared, sides.sides_agree, sides.side_agreement) == (2, 1, 0.5)
    none = event_score([], [])
    assert none.precision is None and none.recall is None
    assert e + sides == EventScore(4, 3, 1, 1, 2, 1)


intervals = st.lists(st.tuples(st.floats(0, 100), st.floats(0, 10)).map(lambda p: (p[0], p[0] + p[1])), max_size=8)


@given(intervals, intervals)
def test_matching_is_one_to_one_and_loses_nothing(lab: list, rep: list) -> None:
    reported = [ReportedHold(a, b, b - a) for a, b in rep]
    m = match_holds(lab, reported)
    assert sorted(x.labelled for x in m if x.labelled is not None) == sorted(tuple(i) for i in lab)
    assert sorted((x.reported.start, x.reported.end) for x in m if x.reported is not None) == sorted(rep)
    for x in m:
        if x.labelled is not None and x.reported is not None:
            assert min(x.labelled[1], x.reported.end) - max(x.labelled[0], x.reported.start) > 0
    s = summarize_holds(m)
    assert s.matched + s.unmatched_labelled == len(lab) and s.matched + s.unmatched_reported == len(rep)


def test_prescription_verdict_on_matched_holds() -> None:
    # Labelled holds of 3.5 s and 1.5 s against a 3 s prescription; the analyzer calls both long enough.
    m = match_holds([(0.0, 3.5), (5.0, 6.5)], [ReportedHold(0.0, 3.4, 3.4, True), ReportedHold(5.0, 6.6, 1.6, True),
                                               ReportedHold(9.0, 9.5, 0.5, False)])
    assert [x.met_agrees(3.0) for x in m] == [True, False, None]
    s = summarize_holds(m, 3.0)
    assert (s.met_compared, s.met_agree) == (2, 1)
    assert summarize_holds(m).met_compared == 0


def test_a_hold_placed_in_the_rest_beside_a_labelled_hold_does_not_match():
    """Overlapping a labelled hold by a sliver (the rest next to it) is an extra hold and a missed
    one; half the shorter interval or more is a match."""
    from formcheck.evaluate.metrics import ReportedHold, match_holds

    beside = match_holds([(1.2, 6.9)], [ReportedHold(6.5, 9.0, 2.5)])
    assert [(m.labelled, m.reported is not None) for m in beside] == [((1.2, 6.9), False), (None, True)]
    inside = match_holds([(9.6, 12.1)], [ReportedHold(9.8, 12.2, 2.4)])
    assert len(inside) == 1 and inside[0].error == pytest.approx(-0.1)
