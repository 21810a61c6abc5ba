"""Unit tests of each shared analyzer primitive: signals, geometry, sets and the rep cycle."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.analyzers import geometry as geo, signals as sg
from formcheck.analyzers.reps import RepCycle
from formcheck.analyzers.sets import SetDetector
from formcheck.analyzers.signals import IntervalLog
from formcheck.landmarks import Landmark as L, PoseFrame
from synthetic_pose import SIZE, lying_points, standing_points, to_pose, trapezoid


# --- smoothing -------------------------------------------------------------------------------

def test_make_filter_lists_kinds_and_none_passes_through():
    f = sg.make_filter("none")
    assert f(0.0, 3.5) == 3.5
    with pytest.raises(ValueError, match="valid: ema, none, one_euro"):
        sg.make_filter("kalman")


def test_ema_uses_time_constant_not_frame_count():
    # Same elapsed time at 10 fps and 100 fps gives the same step response.
    outs = []
    for fps in (10, 100):
        f = sg.make_filter("ema", tau=0.2)
        f(0.0, 0.0)
        y = 0.0
        for i in range(1, fps + 1):
            y = f(i / fps, 1.0)
        outs.append(y)
    assert outs[0] == pytest.approx(outs[1], abs=1e-9)
    assert outs[0] == pytest.approx(1 - math.exp(-1 / 0.2), abs=1e-9)


def test_ema_holds_through_nan_and_filters_arrays():
    f = sg.EmaFilter(tau=0.1)
    f(0.0, np.array([1.0, 2.0]))
    out = f(0.1, np.array([np.nan, np.nan]))
    assert np.allclose(out, [1.0, 2.0])


def test_one_euro_reduces_jitter_when_still_and_lags_less_when_moving():
    rng = np.random.default_rng(1)
    f = sg.OneEuroFilter(min_cutoff=1.0, beta=0.0)
    raw, out = [], []
    for i in range(300):
        x = rng.normal(0, 1)
        raw.append(x)
        out.append(f(i / 30, x))
    assert np.std(out[30:]) < 0.5 * np.std(raw[30:])
    # After a step, a speed-adaptive filter (beta > 0) catches up faster than a fixed one.
    ys = {}
    for beta in (0.0, 1.0):
        g = sg.OneEuroFilter(min_cutoff=1.0, beta=beta)
        for i in range(30):
            g(i / 30, 0.0)
        for i in range(30, 36):
            ys[beta] = g(i / 30, 10.0)
    assert ys[1.0] > ys[0.0] + 2.0
    with pytest.raises(ValueError):
        sg.OneEuroFilter(min_cutoff=0)


# --- hysteresis ------------------------------------------------------------------------------

def test_hysteresis_needs_dwell_and_reports_crossing_start():
    h = sg.Hysteresis(on=1.0, off=0.5, dwell_on=0.3)
    assert not h.update(0.0, 1.2)
    assert not h.update(0.2, 1.2)
    assert h.update(0.31, 1.2)
    assert h.active and h.since == 0.0
    # Between the thresholds: nothing changes.
    assert not h.update(0.5, 0.7) and h.active
    # Below off, but not long enough; then back up cancels the pending switch.
    assert not h.update(0.6, 0.4)
    assert not h.update(0.7, 0.8)
    assert h.pending_since is None and h.active
    assert not h.update(1.0, 0.4)
    assert h.update(1.4, 0.3)
    assert not h.active and h.since == 1.0


def test_hysteresis_flicker_shorter_than_dwell_never_switches():
    h = sg.Hysteresis(on=1.0, off=0.0, dwell_on=0.2)
    for i in range(100):
        t = i / 30
        h.update(t, 2.0 if i % 5 == 0 else -1.0)
        assert not h.active


def test_hysteresis_ignores_nan_and_rejects_bad_thresholds():
    h = sg.Hysteresis(on=1.0, off=0.5)
    assert not h.update(0.0, float("nan"))
    with pytest.raises(ValueError):
        sg.Hysteresis(on=0.5, off=1.0)


# --- baseline --------------------------------------------------------------------------------

def test_baseline_median_noise_and_window():
    rng = np.random.default_rng(0)
    b = sg.Baseline(window=2.0, settle=1.0)
    assert not b.ready
    for i in range(90):
        b.update(i / 30, 5.0 + rng.normal(0, 0.1))
    assert b.ready
    assert b.value[0] == pytest.approx(5.0, abs=0.05)
    assert b.noise[0] == pytest.approx(0.1, rel=0.35)
    # The window forgets: after 2 s at 7 the median is 7.
    for i in range(90, 160):
        b.update(i / 30, 7.0)
    assert b.value[0] == pytest.approx(7.0)


def test_baseline_calibrates_only_on_a_still_stretch_and_forgets_what_came_before():
    b = sg.Baseline(window=4.0, settle=1.0, max_drift=0.2)
    for i in range(30):  # moving: 2 -> 0 over the first second
        b.update(i / 30, 2.0 - 2.0 * i / 30)
    assert not b.ready
    for i in range(30, 75):  # then still at 0
        b.update(i / 30, 0.0)
    assert b.ready
    assert b.value[0] == pytest.approx(0.0)  # the movement before is not in the neutral
    b.update(3.0, 5.0)  # once calibrated it stays ready, whatever comes
    assert b.ready
    b.reset()
    assert not b.ready


def test_baseline_noise_ignores_slow_drift():
    b = sg.Baseline(window=3.0, settle=1.0)
    for i in range(90):
        b.update(i / 30, i * 0.01)  # a steady ramp: no jitter at all
    assert b.noise[0] == pytest.approx(0.0, abs=1e-9)


# --- gating ----------------------------------------------------------------------------------

def test_missing_and_out_of_frame_landmarks():
    pose = to_pose(0.0, lying_points())
    assert geo.missing_landmarks(pose, [L.LEFT_HIP, L.NOSE]) == []
    arr = pose.landmarks.copy()
    arr[L.LEFT_HIP, 3] = 0.1
    arr[L.NOSE, 0] = 1.2
    p2 = PoseFrame(0.0, SIZE, arr, arr)
    assert geo.missing_landmarks(p2, [L.LEFT_HIP, L.NOSE]) == [L.LEFT_HIP]
    assert geo.out_of_frame(p2, [L.LEFT_HIP, L.NOSE]) == [L.NOSE]
    empty = PoseFrame.empty(0.0, SIZE)
    assert geo.missing_landmarks(empty, [L.NOSE]) == [L.NOSE]


# --- geometry --------------------------------------------------------------------------------

def test_angles_and_signed_distance():
    assert geo.angle_deg(np.array([1, 0]), np.array([0, 0]), np.array([0, 1])) == pytest.approx(90)
    assert geo.direction_deg(np.array([0, 0]), np.array([0, -1])) == pytest.approx(90)  # image up
    a, b = np.array([0.0, 10.0]), np.array([10.0, 10.0])
    assert geo.signed_distance(np.array([5.0, 7.0]), a, b) == pytest.approx(3.0)  # above: +
    assert geo.signed_distance(np.array([5.0, 12.0]), b, a) == pytest.approx(-2.0)  # either way round


def test_posture_lying_standing_and_supine():
    lying = to_pose(0.0, lying_points())
    standing = to_pose(0.0, standing_points(), centre=(320, 120), scale=0.6)
    assert geo.posture(lying) == "lying"
    assert geo.posture(standing) == "standing"
    assert geo.lying_face(lying) == "up"
    # Flip the image vertically: a person lying face down.
    arr = lying.landmarks.copy()
    arr[:, 1] = 1.0 - arr[:, 1]
    assert geo.lying_face(PoseFrame(0.0, SIZE, arr, arr)) == "down"


def test_posture_tells_a_body_lying_end_on_from_one_standing():
    """Lying along the line of sight (camera at the feet) looks upright in the image; the world
    landmarks' depth says it is lying ("end-on"), so nobody lying down hears "not lying down"."""
    upright = to_pose(0.0, standing_points(), centre=(320, 120), scale=0.6)
    world = np.zeros((33, 5), dtype=np.float32)
    world[:, 3:] = 1.0
    for side in ("LEFT", "RIGHT"):
        world[L[f"{side}_SHOULDER"], :3] = (0.0, -0.45, 0.0)
        world[L[f"{side}_ANKLE"], :3] = (0.0, 0.55, 0.0)
    standing = PoseFrame(0.0, SIZE, upright.landmarks, world)
    assert geo.depth_share(standing) == pytest.approx(0.0)
    assert geo.posture(standing) == "standing"
    for depth, expected in ((0.3, "standing"), (0.6, "end-on"), (1.2, "end-on")):
        tilted = world.copy()
        tilted[L.LEFT_ANKLE, 2] = tilted[L.RIGHT_ANKLE, 2] = -depth  # feet nearer
        pose = PoseFrame(0.0, SIZE, upright.landmarks, tilted)
        share = depth / math.hypot(depth, 1.0)
        assert geo.depth_share(pose) == pytest.approx(share)
        assert geo.posture(pose) == expected, (depth, share)
    assert geo.posture(PoseFrame(0.0, SIZE, upright.landmarks, None)) == "standing"  # no world


def test_posture_follows_the_whole_body_so_a_high_bridge_is_still_lying():
    pts = lying_points(bridge=1.6)  # hips 0.8 torso lengths up: the torso at ~39 degrees
    pose = to_pose(0.0, pts, centre=(330, 300))
    axis = geo.body_axis(pose)
    assert axis.tilt_from_horizontal > 35
    assert geo.posture(pose) == "lying"


def test_side_view_ratio_and_facing_side():
    side = to_pose(0.0, lying_points())
    assert geo.side_view_ratio(side) < 0.1
    assert geo.facing_side(side) == "right"
    pts = lying_points()
    for lm in (L.LEFT_SHOULDER, L.LEFT_HIP):  # spread the far side: a view from above
        pts[lm] = pts[lm] + np.array([0.0, -100.0])
    assert geo.side_view_ratio(to_pose(0.0, pts, centre=(330, 300))) > 0.5
    arr = side.landmarks.copy()
    arr[:, 2] = -arr[:, 2]
    assert geo.facing_side(PoseFrame(0.0, SIZE, arr, arr)) == "left"


# --- set detection ---------------------------------------------------------------------------

def test_set_detector_first_gap_jump_and_glitch():
    d = SetDetector(gap=1.0, jump=0.5, confirm=0.25)
    assert d.update(to_pose(0.0, lying_points())).reason == "first"
    assert d.update(PoseFrame.empty(0.1, SIZE)) is None
    assert d.update(to_pose(0.5, lying_points())) is None  # lost < gap: same set
    ch = d.update(to_pose(2.0, lying_points()))
    assert ch is not None and ch.reason == "person lost"
    # A one-frame glitch is not a cut.
    assert d.update(to_pose(2.033, lying_points(), centre=(100, 100))) is None
    for i in range(2, 20):
        assert d.update(to_pose(2.0 + i / 30, lying_points())) is None
    # A lasting jump (camera cut): dated from its first frame.
    changes = [d.update(to_pose(3.0 + i / 30, lying_points(), centre=(330, 250), scale=1.8))
               for i in range(20)]
    got = [c for c in changes if c]
    assert len(got) == 1 and got[0].reason == "body jumped" and got[0].start == pytest.approx(3.0)
    assert d.index == 2


# --- framework pieces ------------------------------------------------------------------------

def test_interval_log_merges_and_drops_short():
    log = IntervalLog(min_duration=0.3, merge_gap=0.2)
    labels = ["a"] * 10 + [None] * 3 + ["a"] * 10 + [None] * 20 + ["a"] * 2 + [None]
    for i, lab in enumerate(labels):
        log.update(i / 30, lab)
    log.close()
    ivs = log.intervals()
    assert len(ivs) == 1 and ivs[0][0] == "a"
    assert ivs[0][1] == 0.0 and ivs[0][2] == pytest.approx(23 / 30)


def test_rep_cycle_times_hold_between_ramps():
    cyc = RepCycle(on=0.5, off=0.25, dwell=0.1, hold_level=0.75, reach=0.6)
    done = None
    for i in range(300):
        t = i / 30
        s = trapezoid(t, 1.0, 3.0, 0.5)  # eased ramp up 1.0-1.5 s, held until 4.5 s, down by 5.0 s
        r = cyc.update(t, s, None, {})
        if r is not None:
            done = r
    assert done is not None
    start, end, hold = cyc.hold_of(done)
    # The hold is the plateau (1.5-4.5 s), the ramps left out.
    assert start == pytest.approx(1.5, abs=0.1) and end == pytest.approx(4.5, abs=0.1)
    assert hold == pytest.approx(3.0, abs=0.15)


def test_rep_cycle_twitch_is_not_a_rep():
    cyc = RepCycle(on=0.5, off=0.25, dwell=0.1, reach=0.9)
    finished = [cyc.update(i / 30, 0.7 if 30 <= i < 60 else 0.0, None, {}) for i in range(120)]
    reps = [r for r in finished if r]
    assert len(reps) == 1 and cyc.hold_of(reps[0]) is None  # moved, never reached the position


def test_rep_cycle_follow_raises_the_start_level_to_a_fraction_of_the_last_plateau():
    """After a rep with plateau 2, a lingering 0.5 is no rep when follow=0.3 (start at 0.6), is
    one without; a reset (new set, new neutral) forgets the raised level."""
    def feed(cycle, pieces):
        done, t = [], 0.0
        for level, seconds in pieces:
            for _ in range(int(seconds * 30)):
                t += 1 / 30
                r = cycle.update(t, level, None, {})
                if r is not None:
                    done.append(r)
        return done

    pieces = [(0.0, 1.0), (2.0, 3.0), (0.0, 0.5), (0.5, 3.0), (0.0, 1.0)]
    assert len(feed(RepCycle(on=0.4, off=0.2, follow=0.3), pieces)) == 1
    assert len(feed(RepCycle(on=0.4, off=0.2, follow=0.0), pieces)) == 2
    cycle = RepCycle(on=0.4, off=0.2, follow=0.3)
    feed(cycle, pieces[:3])
    assert cycle.switch.on == pytest.approx(0.6)
    cycle.reset()
    assert cycle.switch.on == pytest.approx(0.4)


@pytest.mark.parametrize("fps", [25.0, 30.0, 30000 / 1001, 2997 / 100, 24.0, 15.0])
def test_baseline_calibrates_at_any_frame_rate(fps):
    """A still second calibrates whatever the frame spacing (29.97 fps once never did)."""
    b = sg.Baseline(window=3.0, settle=1.0, max_drift=0.1)
    ready_at = None
    for i in range(int(3 * fps)):
        b.update(i / fps, 0.0)
        if b.ready and ready_at is None:
            ready_at = i / fps
    assert ready_at is not None and ready_at <= 1.0 + 1.5 / fps
