"""The analyzer framework on a toy exercise, and each of its generic steps on its own.

The toy ("lean") is not a real exercise: one feature (where the near wrist lies across the image)
with two sides, a hold and a fault that voids a rep. It is built only from the framework's public
interface, as a new analyzer would be, and driven by a synthetic landmark stream.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.analyzers.base import Fault, Prescription, Reading, Rep, Scored
from formcheck.analyzers.calibration import CALIBRATING, Neutral, NeutralSettings, SideVote
from formcheck.analyzers.framework import ExerciseAnalyzer
from formcheck.analyzers.reasons import BELOW_NOISE
from formcheck.analyzers.registry import EXCLUDES, SIDES, VOIDS, ExerciseSpec, FaultSpec
from formcheck.analyzers.reps import RepCycle
from formcheck.analyzers.tally import RepTally
from formcheck.landmarks import Landmark as L
from synthetic_pose import lying_points, to_pose, trapezoid


class Lean(ExerciseAnalyzer):
    """Toy: the wrist moved along the image x by 0.1 is a full rep, left (+) or right (-)."""

    spec = ExerciseSpec("toy_lean", "Lean", Prescription(reps=2, hold=1.0, per_side=True),
                        faults=(FaultSpec("hand_high", "hand raised", VOIDS),), sides=SIDES)
    neutral_settings = NeutralSettings(units={"wrist_x": 0.1})
    cycle_params = {"on": 0.5, "off": 0.25, "dwell": 0.1, "reach": 0.7}

    def measure(self, pose):
        x, y = pose.landmarks[L.RIGHT_WRIST, :2]
        faults = frozenset({"hand_high"}) if y < 0.3 else frozenset()
        return Reading(features={"wrist_x": float(x)}, faults=faults)

    def score(self, dev):
        return Scored(abs(float(dev[0])), side="left" if dev[0] > 0 else "right")


def lean_stream(moves, duration=20.0, fps=30.0, hand_high=()):
    """(start, hold, +1 left | -1 right) moves of the wrist; hand_high: (start, end) spans."""
    rng = np.random.default_rng(0)
    for i in range(int(duration * fps)):
        t = i / fps
        pts = lying_points()
        shift = sum(sign * trapezoid(t, s, h, 0.4) for s, h, sign in moves)
        pts[L.RIGHT_WRIST] = pts[L.RIGHT_WRIST] + [0.1 * 640 * shift, 0.0]
        if any(a <= t <= b for a, b in hand_high):
            pts[L.RIGHT_WRIST] = pts[L.RIGHT_WRIST] + [0.0, -200.0]
        yield to_pose(t, pts, noise_px=0.1, rng=rng)


def test_toy_counts_and_holds_per_side_and_a_voided_rep_is_counted_not_met():
    a = Lean()
    feedback = [a.update(p) for p in lean_stream(
        [(3, 1.5, 1), (7, 1.5, -1), (11, 0.5, 1), (15, 1.5, -1)], hand_high=[(15.6, 16.4)])]
    report = a.report()
    assert [r.side for r in report.reps] == ["left", "right", "left", "right"]
    assert [r.hold for r in report.reps] == pytest.approx([1.5, 1.5, 0.5, 1.5], abs=0.25)
    assert [r.met for r in report.reps] == [True, True, False, False]  # short; voided
    assert [r.hold_met for r in report.reps] == [True, True, False, True]
    assert [f.kind for f in report.reps[3].faults] == ["hand_high"]
    assert report.count_by_side() == {"left": 2, "right": 2}
    assert report.count_by_side(good_only=True) == {"left": 1, "right": 1}
    assert feedback[-1].by_side == {"left": 2, "right": 2} and feedback[-1].target == 2
    assert feedback[0].state == "calibrating"


def test_toy_rep_straight_from_one_side_to_the_other_is_two_reps():
    a = Lean()
    for p in lean_stream([(3, 1.5, 1), (4.8, 1.5, -1)], duration=10.0):
        a.update(p)
    assert [r.side for r in a.report().reps] == ["left", "right"]


def test_excluding_fault_drops_the_rep_within_its_margin():
    spec = ExerciseSpec("x", "X", Prescription(2, 0.0), faults=(
        FaultSpec("bridge", "", EXCLUDES), FaultSpec("sag", "", VOIDS)))
    tally = RepTally(spec, exclude_margin=1.0)
    tally.add(Rep(0, 1.0, 2.0))
    assert tally.confirm(2.5, []) == []  # still inside its margin
    assert tally.confirm(3.1, [("bridge", 2.6, 4.0)]) == []  # a bridge 0.6 s after it
    tally.add(Rep(0, 5.0, 6.0))
    tally.add(Rep(0, 8.0, 9.0))
    counted = tally.confirm(12.0, [("sag", 5.5, 5.8)])
    assert [(r.index, r.met) for r in counted] == [(1, False), (2, True)]
    assert tally.excluded == [{"start": 1.0, "end": 2.0}]
    tally.settle([Fault("sag", 5.5, 5.8)])
    assert tally.reps[0].faults and not tally.reps[0].met and tally.reps[1].met


def test_rep_cycle_keeps_each_sides_follow_level():
    cycle = RepCycle(on=0.4, off=0.2, dwell=0.1, follow=0.5)
    t, done = 0.0, []
    for level, side, seconds in [(0, "left", 1), (2.0, "left", 2), (0, "left", 1),
                                 (0.6, "right", 2), (0, "right", 1), (0.6, "left", 2), (0, "left", 1)]:
        for _ in range(int(seconds * 30)):
            t += 1 / 30
            r = cycle.update(t, level, side, {})
            if r is not None:
                done.append(r.side)
    # 0.6 is a rep on the right (no right rep seen yet), not on the left (0.5 x its plateau 2)
    assert done == ["left", "right"]


def test_side_vote_is_fixed_once_locked():
    vote = SideVote()
    pose = to_pose(0.0, lying_points())  # the right side nearer the camera
    assert vote.update(pose, locked=False) == "right"
    far = pose.landmarks.copy()
    far[:, 2] *= -1  # now the left looks nearer
    flipped = type(pose)(t=1.0, image_size=pose.image_size, landmarks=far, world=far)
    assert vote.update(flipped, locked=True) == "right"
    vote.reset()
    assert vote.update(flipped, locked=False) == "left"


def neutral(**kw) -> Neutral:
    return Neutral(NeutralSettings(units={"a": 1.0, "b": -2.0}, still={"c": 0.05}, **kw))


def feed(n: Neutral, t0: float, t1: float, a: float = 0.0, noise: float = 0.001, seed: int = 0):
    rng = np.random.default_rng(seed)
    state = None
    for t in np.arange(t0, t1, 1 / 32):
        _, learned = n.vector({"a": a + rng.normal(0, noise), "b": rng.normal(0, noise), "c": 0.0})
        n.saw(float(t))
        state = n.calibrate(float(t), learned, learn=True)
    return state


def test_neutral_waits_out_the_warmup_then_needs_a_still_second():
    n = neutral(warmup=0.5)
    assert feed(n, 0.0, 1.25) == CALIBRATING and not n.ready  # 0.5 s warm-up + 0.75 s
    feed(n, 1.25, 1.75)
    assert n.ready and feed(n, 1.75, 2.0) is None
    assert n.value("a") == pytest.approx(0.0, abs=0.01) and n.value("c") == 0.0


def test_neutral_refuses_noise_as_large_as_a_rep():
    n = neutral(max_noise=0.2, calibration_drift=100.0)  # calibrates, but on noise
    states = {feed(n, t, t + 0.1, noise=0.5, seed=int(t * 10)) for t in np.arange(0.0, 1.5, 0.1)}
    assert BELOW_NOISE in states  # refused while calibrating
    assert n.noisy(3.0) and n.noise > 0.2
    quiet = neutral(max_noise=0.2)
    feed(quiet, 0.0, 3.0)
    assert quiet.ready and not quiet.noisy(3.0)


def test_neutral_glitch_guard_and_wild_deviation():
    n = neutral(glitch_step=3.0, glitch_recovery=1.0, max_deviation=12.0, glitch_seconds=0.2)
    feed(n, 0.0, 2.0)
    vec = np.array([0.0, 0.0])
    assert not n.glitch(2.0, vec, rep_active=False)
    assert n.glitch(2.033, np.array([5.0, 0.0]), rep_active=False)  # a jump of 5 reps
    assert not n.glitch(2.2, vec, rep_active=True)  # a rep under way is not held back
    assert n.glitch(2.9, vec, rep_active=False) and not n.glitch(3.1, vec, rep_active=False)
    assert n.wild(4.0, np.array([20.0, 0.0])) == "glitch"
    assert n.wild(4.3, np.array([20.0, 0.0])) == "moved"
    assert n.wild(4.4, np.array([0.5, 0.0])) is None


def test_neutral_follows_drift_at_rest_and_relearns_after_a_lasting_shift():
    n = neutral(drift_band=0.2, rebase_after=2.0, window=1.0, settle=0.5)
    feed(n, 0.0, 1.0)
    for t in np.arange(1.0, 3.0, 1 / 30):  # drifting slowly to 0.1: followed
        vec, learned = n.vector({"a": 0.05 * (t - 1.0), "b": 0.0, "c": 0.0})
        n.follow(float(t), learned, n.deviation(vec), at_rest=True)
    assert n.value("a") == pytest.approx(0.08, abs=0.03)
    for t in np.arange(3.0, 5.5, 1 / 30):  # held 0.5 off: not learned, then learned again
        vec, learned = n.vector({"a": 0.6, "b": 0.0, "c": 0.0})
        n.follow(float(t), learned, n.deviation(vec), at_rest=True)
    assert not n.ready


def test_guards_set_to_none_are_off():
    n = neutral(glitch_step=None, max_deviation=None, max_noise=None)
    assert feed(n, 0.0, 3.0, noise=0.5) is None and n.ready
    assert not n.glitch(3.0, np.array([50.0, 0.0]), rep_active=False)
    assert n.wild(3.0, np.array([50.0, 0.0])) is None
    assert math.isfinite(n.noise)


def test_no_fault_or_cannot_judge_interval_spans_a_set_change():
    """The hand held high across a camera cut (the body jumps in the image): two faults, one per
    set, each ending or starting at the cut; nothing merged across it."""
    before = [p for p in lean_stream([], duration=6.0, hand_high=[(3.0, 9.0)])]
    after = []
    for p in lean_stream([], duration=6.0, hand_high=[(0.0, 3.0)]):
        lm = p.landmarks.copy()
        lm[:, 0] += 0.25  # the camera moved: the whole body is elsewhere
        after.append(type(p)(t=p.t + 6.0, image_size=p.image_size, landmarks=lm, world=lm))
    a = Lean()
    for p in before + after:
        a.update(p)
    report = a.report()
    assert len(report.sets) == 2
    cut = report.sets[1].start
    spans = [(f.start, f.end) for f in report.faults if f.kind == "hand_high"]
    assert len(spans) == 2, spans
    assert spans[0][1] <= cut <= spans[1][0]
    for iv in report.cannot_judge:
        assert not (iv.start < cut < iv.end), iv


def test_interval_log_split_closes_and_never_merges_across():
    from formcheck.analyzers.signals import IntervalLog

    log = IntervalLog(min_duration=0.0, merge_gap=0.5)
    for i in range(10):
        log.update(i * 0.1, "a")
    log.split(0.9, 1.0)
    for i in range(10, 20):
        log.update(i * 0.1, "a", edges={"a": 0.2})  # an edge dated back before the split
    log.close()
    assert [(round(s, 2), round(e, 2)) for _, s, e in log.intervals()] == [(0.0, 0.9), (1.0, 1.9)]


@pytest.mark.parametrize("share, error", [(0.5, 0.26), (0.8, 0.11)])
def test_hold_between_slow_ramps_with_a_higher_plateau_share(share, error):
    """A 1.2 s hold between 2.2 s cosine ramps at 15 fps: at half the peak the ramps' upper halves
    pull the plateau down and the hold reads long; a clean signal may use a higher share."""
    cycle = RepCycle(on=0.45, off=0.25, dwell=0.2, reach=0.7, release=0.3, plateau_share=share)
    done = None
    for i in range(14 * 15):
        t = i / 15
        level = trapezoid(t, 2.0, 1.2, 2.2)
        done = cycle.update(t, level, None, {"x": 1.0}, 0.08 + 0.92 * level) or done
    assert cycle.hold_of(done)[2] - 1.2 == pytest.approx(error, abs=0.03)
    with pytest.raises(ValueError, match="plateau_share"):
        RepCycle(plateau_share=1.0)


def test_a_rise_right_after_a_release_is_timed_from_its_own_foot():
    """A short rest between two reps: the second rep's lookback opens on the first's release
    tail, above a quarter of the plateau, and the timing signal rests a fifth of the way up
    (the trunk's angle of a body lying flat). Its rise is timed from the lowest point before
    it, not from the plateau's edge (samples/press_up_hips_lift_side: 2 s read 2.48 s)."""
    cycle = RepCycle(on=0.45, off=0.25, dwell=0.2, reach=0.7, release=0.3, release_dwell=0.15,
                     plateau_share=0.8)
    done = []
    for i in range(16 * 30):
        t = i / 30
        level = trapezoid(t, 2.0, 2.0, 1.3) + trapezoid(t, 7.4, 2.0, 1.3)  # rest 0.8 s
        r = cycle.update(t, level, None, {"x": 1.0}, 0.2 + 0.8 * level)
        if r is not None:
            done.append(cycle.hold_of(r)[2])
    assert done == pytest.approx([2.0, 2.0], abs=0.12)


def test_set_params_tune_what_counts_as_a_camera_cut():
    """A body turning 20 degrees between two frames and staying so is a camera cut by default;
    an exercise whose trunk turns fast (set_params) may ask for more."""

    class Turning(Lean):
        set_params = {"turn_jump": 30.0}

    def turned(t: float) -> object:
        pts = lying_points()
        if t >= 3.0:
            a = np.radians(20.0)
            rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
            mid = (pts[L.RIGHT_SHOULDER] + pts[L.RIGHT_HIP]) / 2  # turned about the torso's centre
            pts = {lm: mid + rot @ (p - mid) for lm, p in pts.items()}
        return to_pose(t, pts)

    frames = [turned(i / 30) for i in range(180)]
    for cls, sets in ((Lean, 2), (Turning, 1)):
        a = cls()
        for f in frames:
            a.update(f)
        assert len(a.report().sets) == sets


def test_the_report_says_when_each_sets_neutral_was_found():
    a = Lean()
    for p in lean_stream([(3, 1.5, 1)], duration=6.0):
        a.update(p)
    found = a.report().extra["neutral_found_at"]
    assert len(found) == 1 and 1.0 <= found[0] <= 2.0  # 0.3 s warm-up + a still second


def test_an_excluding_fault_found_after_its_dwell_and_the_settling_after_it_still_exclude():
    """A fault dated back (its dwell) still excludes a rep that ended just before it, and a
    rep that starts while the body settles after the fault is excluded too (`FaultSpec.settle`)."""
    spec = ExerciseSpec("x", "X", Prescription(2, 0.0), faults=(FaultSpec("knees", "", EXCLUDES, settle=3.0),))
    tally = RepTally(spec, exclude_margin=1.0, delay=0.5)
    tally.add(Rep(0, 20.0, 22.6))
    assert tally.confirm(23.7, [("knees", 23.55, 23.75)]) == []  # known only at 23.75: still waiting
    assert tally.confirm(24.2, [("knees", 23.55, 37.2)]) == [] and len(tally.excluded) == 1
    tally.add(Rep(0, 40.0, 41.4))  # 2.8 s after the knees came back: settling
    tally.add(Rep(0, 45.0, 48.0))
    assert [r.start for r in tally.confirm(60.0, [("knees", 23.55, 37.2)])] == [45.0]


def test_restart_set_drops_the_rep_in_progress_and_begins_a_new_set():
    a = Lean()
    restarted_at = None
    for p in lean_stream([(3, 1.5, 1), (7, 2.0, -1), (12, 1.5, 1)], duration=16.0):
        a.update(p)
        if restarted_at is None and p.t >= 8.0:  # mid-hold of the second move
            assert a.rep_in_progress
            a.restart_set()
            restarted_at = p.t
            assert not a.rep_in_progress
    report = a.report()
    assert [(r.side, r.set_index) for r in report.reps] == [("left", 0), ("left", 1)]
    assert len(report.sets) == 2
    assert report.sets[1].start > restarted_at  # the next frame begins the new set
    assert report.reps[1].start > report.sets[1].start


def test_restart_set_decides_a_rep_still_waiting_out_its_margin():
    class Waits(Lean):
        spec = ExerciseSpec("waits", "Waits", Prescription(2, 0.0), faults=(
            FaultSpec("other", "another movement", EXCLUDES),), sides=SIDES)
        exclude_margin = 3.0

    a = Waits()
    counts = []
    for p in lean_stream([(3, 1.5, 1)], duration=8.0):
        fb = a.update(p)
        if abs(p.t - 5.5) < 1e-6:  # the rep has ended but waits 3 s before it is counted
            assert fb.count == 0
            a.restart_set()
        counts.append(fb.count)
    assert counts[-1] == 1 and len(a.report().reps) == 1


def test_rep_cycle_rejoins_a_dip_mid_hold_but_not_a_release_and_a_new_rep():
    """A landmark dropout mid-hold (the score near 0 for a quarter second) is one rep; a real
    release and a new rep a second later are two; a rise toward the other side never rejoins."""
    def reps(pieces, rejoin=0.4):
        cycle, t, done = RepCycle(on=0.4, off=0.2, dwell=0.25, reach=0.45, release_dwell=0.12,
                                  rejoin=rejoin), 0.0, []
        for level, side, seconds in pieces:
            for _ in range(int(round(seconds * 30))):
                t += 1 / 30
                r = cycle.update(t, level, side, {})
                if r is not None:
                    done.append((round(r.start, 1), r.side))
        if (last := cycle.cut()) is not None:
            done.append((round(last.start, 1), last.side))
        return done

    dip = [(0, "left", 1), (1.0, "left", 1.5), (0.15, "left", 0.25), (1.0, "left", 1.5), (0, "left", 1)]
    assert len(reps(dip)) == 1 and len(reps(dip, rejoin=0.0)) == 2
    assert len(reps([(0, "left", 1), (1.0, "left", 1.5), (0, "left", 1.0), (1.0, "left", 1.5), (0, "left", 1)])) == 2
    swing = [(0, "left", 1), (1.0, "left", 1.5), (0.15, "left", 0.2), (1.0, "right", 1.5), (0, "right", 1)]
    assert [s for _, s in reps(swing)] == ["left", "right"]


def test_variants_are_listed_validated_and_recorded():
    """An exercise's variants (the first its default) are what --variant accepts; the chosen one
    is in the prescription and the report; an exercise without variants names none."""
    from formcheck.analyzers.registry import make_prescription

    class Twist(Lean):
        spec = ExerciseSpec("toy_twist", "Twist", Prescription(reps=2, hold=1.0, variant="flat"),
                            sides=SIDES, variants=("flat", "raised"))

    assert make_prescription(Twist).variant == "flat"
    chosen = make_prescription(Twist, hold=2, variant="raised")
    assert (chosen.variant, chosen.hold) == ("raised", 2.0)
    report = Twist(chosen).report().as_dict()
    assert report["prescription"]["variant"] == "raised"
    with pytest.raises(ValueError, match="'bent' is not a variant of toy-twist; valid: flat, raised"):
        make_prescription(Twist, variant="bent")
    assert "variant" not in Lean().report().as_dict()["prescription"]
    with pytest.raises(ValueError, match="valid: none"):
        make_prescription(Lean, variant="raised")


def test_rep_side_hook_settles_the_side_on_the_whole_rep():
    """An exercise whose side shows only as the rep goes on settles it when the rep ends; the
    count per side follows the settled side (live and in the report)."""

    class Settled(Lean):
        def rep_side(self, rep):
            return "left" if rep.hold and rep.hold > 1.0 else "right"  # anything the rep shows

    a = Settled()
    feedback = [a.update(p) for p in lean_stream([(3, 1.5, -1), (7, 0.6, 1)], duration=12.0)]
    report = a.report()
    assert [r.side for r in report.reps] == ["left", "right"]
    assert feedback[-1].by_side == {"left": 1, "right": 1}
