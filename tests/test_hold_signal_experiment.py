"""The hold-timing experiment's pieces (benchmarks/hold_signal/): MediaPipe's landmark filter and
its exact inverse, the cosine ramp fit, and the mask contour measures. Not part of the package
(no variant was adopted: docs/analyzers/hold-timing.md), tested so its figures can be trusted."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from hold_signal import mask_contour, one_euro, ramps  # noqa: E402

SIZE = (1280, 720)


def _filter(times: list[float], raw: list[np.ndarray | None], ratio: float = 1.0) -> list[np.ndarray | None]:
    """MediaPipe's forward filter over a stream (None: no person, a reset), in normalised units."""
    st = one_euro._Filters()
    unit = np.array([SIZE[0], SIZE[1], SIZE[0]], float)
    out: list[np.ndarray | None] = []
    for ts, r in zip(one_euro.timestamps_ns(times), raw):
        if r is None:
            st.reset()
            out.append(None)
            continue
        px = r * unit
        # the scale an inverse can know: estimated on the filtered frame, so it is applied to
        # the output below and the forward pass must use the same per-frame value
        y = one_euro.forward_step(st, ts, 1000.0, px)
        out.append(y / unit)
    return out


def _stream(n: int = 240, seed: int = 0, jitter: float = 0.0008) -> tuple[list[float], np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 30.0
    base = rng.uniform(0.2, 0.8, size=(33, 3))
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.clip((t - 2.0) / 1.5, 0, 1))  # a tilt-like slow ramp
    lm = base[None] + 0.03 * ramp[:, None, None] + rng.normal(0, 1.0, size=(n, 33, 3)) * jitter
    return list(t), lm


def test_forward_step_matches_the_one_euro_formula_on_one_coordinate():
    st = one_euro._Filters()
    ts = [33_000_000 * k for k in range(1, 4)]
    xs = [np.array([10.0]), np.array([12.0]), np.array([11.0])]
    ys = [one_euro.forward_step(st, t, 100.0, x)[0] for t, x in zip(ts, xs)]
    assert ys[0] == 10.0  # the first value initialises the filter
    f = 1.0 / 0.033  # from the second frame on, the rate of the timestamps
    ad = 1.0 / (1.0 + f / (2 * np.pi * 1.0))
    dx = ad * (2.0 / 100.0 * f)  # speed in object scales per second, low-passed at 1 Hz
    a = 1.0 / (1.0 + f / (2 * np.pi * (0.05 + 80.0 * dx)))
    y2 = a * 12.0 + (1 - a) * 10.0
    assert ys[1] == pytest.approx(y2, abs=1e-12)
    dx3 = ad * (-1.0 / 100.0 * f) + (1 - ad) * dx
    a3 = 1.0 / (1.0 + f / (2 * np.pi * (0.05 + 80.0 * abs(dx3))))
    assert ys[2] == pytest.approx(a3 * 11.0 + (1 - a3) * y2, abs=1e-12)


def test_a_frame_at_timestamp_zero_passes_through_without_touching_the_state():
    st = one_euro._Filters()
    assert one_euro.forward_step(st, 0, 100.0, np.array([5.0]))[0] == 5.0
    assert st.raw is None and st.last_ns == 0


def _invert(times: list[float], out: list[np.ndarray | None]) -> tuple[list, one_euro.UnsmoothState]:
    unit = np.array([SIZE[0], SIZE[1], SIZE[0]], float)
    state = one_euro.UnsmoothState()
    back: list[np.ndarray | None] = []
    for ts, y in zip(one_euro.timestamps_ns(times), out):
        if y is None:
            state.filters.reset()
            back.append(None)
            continue
        back.append(state.step(ts, 1000.0, y * unit) / unit)
    return back, state


def test_inverse_recovers_a_steady_raw_stream_exactly():
    times, raw = _stream(jitter=0.0)
    frames: list[np.ndarray | None] = list(raw)
    frames[100] = None  # the person lost for a frame: the filter resets
    out = _filter(times, frames)
    back, state = _invert(times, out)
    worst = max(float(np.max(np.abs(b - r))) for b, r in zip(back, frames) if r is not None)
    assert worst < 1e-9
    # (other inputs were admissible too, at rest; the one nearest the last raw value was right)
    assert state.ambiguous > 0
    # and the filter really had smoothed it: the inverse undid something
    assert max(float(np.max(np.abs(o - r))) for o, r in zip(out, frames) if r is not None) > 1e-3


def test_inverse_of_a_jittery_stream_removes_nearly_all_of_the_filter():
    # The filter is not one-to-one (two inputs give the same output where the cutoff falls
    # faster than the step grows); with jitter the root nearest the last raw value is sometimes
    # the wrong one, and the recovered stream still stays far closer to the raw one than the
    # filtered stream is.
    times, raw = _stream(jitter=0.0008)
    out = _filter(times, list(raw))
    back, state = _invert(times, out)
    err = np.sqrt(np.mean([(b - r) ** 2 for b, r in zip(back, raw)]))
    lag = np.sqrt(np.mean([(o - r) ** 2 for o, r in zip(out, raw)]))
    assert err < 0.1 * lag


def test_forward_of_inverse_reproduces_any_output_stream():
    # An output stream the filter never made (jitter larger than it would leave): the inverse
    # still finds, frame by frame, an input that the filter turns into exactly that output.
    times, lm = _stream(seed=3)
    rng = np.random.default_rng(4)
    outs = [x + rng.normal(0, 0.002, size=x.shape) for x in lm]
    raws = list(one_euro.unsmooth_track(times, outs, SIZE))
    st = one_euro._Filters()
    unit = np.array([SIZE[0], SIZE[1], SIZE[0]], float)
    worst = 0.0
    for ts, r, y in zip(one_euro.timestamps_ns(times), raws, outs):
        scale = one_euro.object_scale(one_euro.to_pixels(y, SIZE)[:, :2])
        got = one_euro.forward_step(st, ts, scale, r * unit)
        worst = max(worst, float(np.max(np.abs(got - y * unit))))
    assert worst < 1e-9


def test_object_scale_is_the_region_side_from_the_farthest_landmark():
    px = np.zeros((33, 2))
    px[23], px[24] = (100.0, 100.0), (100.0, 100.0)
    px[0] = (100.0, 300.0)  # 200 px from the hip centre
    assert one_euro.object_scale(px) == pytest.approx(2 * 1.25 * 200.0)
    assert one_euro.object_scale(px, ratio=1.1) == pytest.approx(2 * 1.25 * 220.0)


def test_timestamps_are_the_estimators_milliseconds():
    assert one_euro.timestamps_ns([0.0, 0.0334, 0.0336, 0.1]) == [0, 33_000_000, 34_000_000, 100_000_000]


@pytest.mark.parametrize("rising", [True, False])
def test_cosine_step_fit_finds_start_and_duration_under_noise(rising):
    rng = np.random.default_rng(1)
    ts = np.arange(0, 4, 1 / 30)
    h = ramps._ease((ts - 1.2) / 1.5)
    y = 0.1 + 0.9 * (h if rising else 1 - h) + rng.normal(0, 0.08, len(ts))
    start, dur, foot, height = ramps.fit_step(ts, y, rising)
    assert start == pytest.approx(1.2, abs=0.06)
    assert dur == pytest.approx(1.5, abs=0.1)
    assert height == pytest.approx(0.9, abs=0.08)


def test_hold_fit_times_a_hold_between_its_ramps():
    ts = np.arange(0, 8, 1 / 30)
    y = ramps._ease((ts - 1.0) / 1.0) - ramps._ease((ts - 5.0) / 1.0)
    start, end = ramps.fit_hold(ts, y, (2.2, 4.8))
    assert start == pytest.approx(2.0, abs=0.03)
    assert end == pytest.approx(5.0, abs=0.03)


def _body_mask(belly: float, arch: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A side-view silhouette lying along x (head left, knees up): shoulder (100, 200), hip
    (300, 200), knee up at (400, 100). `belly` lifts the contour on the knees' side over
    the belly, `arch` lifts the floor-side contour under the low back (px)."""
    m = np.zeros((300, 600), np.uint8)
    xs = np.arange(60, 420)
    s = (xs - 100) / 200.0
    top = 200 - 40 - belly * np.exp(-((s - 0.75) / 0.1) ** 2)
    bottom = 200 + 40 - arch * np.exp(-((s - 0.65) / 0.12) ** 2)
    for x, a, b in zip(xs, top, bottom):
        m[int(round(a)): int(round(b)), x] = 255
    cv2.line(m, (330, 180), (400, 100), 255, 30)  # the thigh, up
    return m, np.array([100.0, 200.0]), np.array([300.0, 200.0]), np.array([400.0, 100.0])


def test_belly_contrast_falls_when_the_belly_rises():
    flat = mask_contour.belly_contrast(*_body_mask(belly=0.0, arch=0.0))
    bulge = mask_contour.belly_contrast(*_body_mask(belly=12.0, arch=0.0))
    assert np.isfinite(flat) and np.isfinite(bulge)
    assert bulge < flat - 0.02  # the belly higher: the contrast lower (12 px of a 200 px torso)


def test_lumbar_gap_grows_with_the_arch_under_the_low_back():
    flat = mask_contour.lumbar_gap(*_body_mask(belly=0.0, arch=0.0))
    arched = mask_contour.lumbar_gap(*_body_mask(belly=0.0, arch=10.0))
    assert flat == pytest.approx(0.0, abs=0.01)
    assert arched > flat + 0.015  # a bump of 10 px (0.05 torso) under the lumbar spine, averaged


def test_mask_series_holds_the_axis_of_each_set_and_leaves_other_frames_out():
    m, sh, hip, knee = _body_mask(0.0, 0.0)
    lm = np.full((33, 5), 0.5, np.float32)
    for j, p in zip((11, 23, 25, 27), (sh, hip, knee, np.array([450.0, 200.0]))):
        lm[j, :2] = p / np.array([600.0, 300.0])
    lm[:, 3] = np.where(np.isin(np.arange(33), [12, 24, 26, 28]), 0.1, 1.0)
    lms = np.stack([lm] * 6)
    lms[5] = np.nan  # nobody there
    t = np.arange(6) / 10.0
    out = mask_contour.mask_series(np.stack([m] * 6), lms, (600, 300), 1, t, [(0.0, 0.45)])
    assert np.isfinite(out[:5]).all() and np.isnan(out[5])
    per_frame = mask_contour.mask_series(np.stack([m] * 6), lms, (600, 300), 1, t, [(0.0, 1.0)], per_frame=True)
    assert per_frame[0] == pytest.approx(out[0], abs=1e-9)  # a still body: the same axis
