"""MediaPipe's landmark One Euro filter (Tasks graph, VIDEO mode), forward and undone.

What the PoseLandmarker graph does to every landmark coordinate (MediaPipe source:
pose_landmarks_detector_graph.cc, landmarks_smoothing_calculator(_utils).cc, one_euro_filter.cc,
low_pass_filter.cc): the normalised landmarks are turned into pixels (x * width, y * height,
z * width), each coordinate is filtered on its own with min cutoff 0.05 Hz, beta 80, derivative
cutoff 1 Hz, its speed divided by the object scale, and turned back. The object scale is the
mean of the width and height in pixels of `pose_rects_next_frame`, the square region the graph
derives from this frame's raw auxiliary landmarks for the next frame (side = 1.25 x twice the
distance from the hip centre to the body-circle point). MediaPipe 1.2's C API does not return
that region, so `object_scale` estimates it from the landmarks (see its docstring).

Given its last output and state, each new output fixes the new input up to a choice: on each
side of zero filtered speed the equation is a quadratic in the input (`admissible_inputs`), and
the filter is not one-to-one (where the cutoff falls faster than the step grows, two inputs give
the same output: 7 % of the coordinates of the real side-view clip). The root nearest the last
raw value is taken: exact on a steady stream, and on a jittery one right often enough that the
recovered landmarks sit ~30x closer to the raw ones than the filtered ones do (tested). Forward
of inverse reproduces the output to 1e-12 px whatever the choice. (MediaPipe keeps the filter's
state in float32; this works in float64.) The filter is reset when a frame has no person (the calculator resets on an empty
input); a frame at timestamp 0 passes through without touching the state (the filter returns
its input when the new timestamp is not after its last one, which starts at 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

MIN_CUTOFF, BETA, D_CUTOFF = 0.05, 80.0, 1.0
DEFAULT_FREQUENCY = 30.0  # the calculator option's default, used until two timestamps are seen
ROI_SCALE = 1.25  # RectTransformation on the alignment-points box
CIRCLE_OVER_FARTHEST = 1.0  # body-circle radius / farthest landmark from the hip centre (estimate)


def _alpha(cutoff: np.ndarray | float, freq: float) -> np.ndarray | float:
    return 1.0 / (1.0 + (1.0 / (2.0 * math.pi * cutoff)) * freq)


def object_scale(px: np.ndarray, ratio: float = CIRCLE_OVER_FARTHEST) -> float:
    """Estimated side in pixels of the region MediaPipe divides speeds by, from one frame.

    `px`: (33, 2) landmark pixels. The region is a square 2 x 1.25 x the body-circle radius; the
    radius is taken as `ratio` x the farthest landmark from the hip centre. The hold timings this
    leads to change little with `ratio` (measured: docs/analyzers/hold-timing.md).
    """
    centre = (px[23] + px[24]) / 2.0
    radius = float(np.max(np.linalg.norm(px - centre, axis=1))) * ratio
    return 2.0 * ROI_SCALE * radius


@dataclass
class _Filters:
    """The state of the filters of every coordinate of one landmark list (vectorised)."""

    last_ns: int = 0
    freq: float = DEFAULT_FREQUENCY
    raw: np.ndarray | None = None  # the last input (x_->LastRawValue), None until initialised
    out: np.ndarray | None = None  # the last output (x_ stored value)
    dx: np.ndarray | None = None  # the filtered speed (dx_ stored value)

    def reset(self) -> None:
        # A reset clears the per-coordinate filters; the timestamps live in them too.
        self.last_ns, self.freq, self.raw, self.out, self.dx = 0, DEFAULT_FREQUENCY, None, None, None

    def advance(self, ts_ns: int) -> bool:
        """Update the clock as OneEuroFilter::Apply does; False if the frame passes through."""
        if self.last_ns >= ts_ns:
            return False
        if self.last_ns != 0 and ts_ns != 0:
            self.freq = 1.0 / ((ts_ns - self.last_ns) * 1e-9)
        self.last_ns = ts_ns
        return True


def forward_step(st: _Filters, ts_ns: int, scale: float, value: np.ndarray) -> np.ndarray:
    """One frame of MediaPipe's filter on the pixel coordinates `value`; returns its output."""
    if not st.advance(ts_ns):
        return value.copy()
    f = st.freq
    if st.raw is None:
        dvalue = np.zeros_like(value)
    else:
        dvalue = (value - st.raw) * (1.0 / scale) * f
    ad = _alpha(D_CUTOFF, f)
    st.dx = dvalue if st.dx is None else ad * dvalue + (1.0 - ad) * st.dx
    a = _alpha(MIN_CUTOFF + BETA * np.abs(st.dx), f)
    st.out = value.copy() if st.out is None else a * value + (1.0 - a) * st.out
    st.raw = value.copy()
    return st.out.copy()


@dataclass
class UnsmoothState:
    """Undoes the filter frame by frame; `ambiguous` counts coordinates with several roots."""

    filters: _Filters = field(default_factory=_Filters)
    ambiguous: int = 0

    def step(self, ts_ns: int, scale: float, out: np.ndarray) -> np.ndarray:
        """The input that made the filter output `out` (pixel coordinates) at `ts_ns`."""
        st = self.filters
        if not st.advance(ts_ns):
            return out.copy()
        f = st.freq
        ad = _alpha(D_CUTOFF, f)
        if st.raw is None or st.out is None or st.dx is None:
            # First frame after a reset: the speed starts at 0, the output is the input.
            st.dx, st.out, st.raw = np.zeros_like(out), out.copy(), out.copy()
            return out.copy()
        value = self._solve(out, st.out, st.raw, st.dx, ad * f / scale, (1.0 - ad), f)
        dvalue = (value - st.raw) * (1.0 / scale) * f
        st.dx = ad * dvalue + (1.0 - ad) * st.dx
        st.out, st.raw = out.copy(), value
        return value.copy()

    def _solve(self, y: np.ndarray, yp: np.ndarray, xr: np.ndarray, edp: np.ndarray,
               k: float, keep: float, f: float) -> np.ndarray:
        """The admissible input nearest the previous raw value (ambiguities counted)."""
        roots = admissible_inputs(y, yp, xr, edp, k, keep, f)
        lo, hi = np.nanmin(roots, axis=0), np.nanmax(roots, axis=0)
        self.ambiguous += int(np.sum(hi - lo > 1e-6))
        pick = np.nanargmin(np.where(np.isfinite(roots), np.abs(roots - xr[None]), np.inf), axis=0)
        return np.take_along_axis(roots, pick[None], axis=0)[0]


def admissible_inputs(y: np.ndarray, yp: np.ndarray, xr: np.ndarray, edp: np.ndarray,
                      k: float, keep: float, f: float) -> np.ndarray:
    """(4, ...) every input v (NaN where none) with y = yp + a(c)(v - yp),
    c = MIN_CUTOFF + BETA |k (v - xr) + keep edp|: on each side of zero filtered speed, c is
    linear in w = v - yp and the equation a quadratic in w. At least one exists (the output
    lies between the last output and some input); where the filter is not monotonic in its
    input there are two or more."""
    d = y - yp
    g = xr - yp
    e0 = keep * edp
    two_pi = 2.0 * math.pi
    out = []
    for sign in (1.0, -1.0):
        big_a = MIN_CUTOFF + BETA * sign * (e0 - k * g)
        big_b = BETA * sign * k
        qa, qb, qc = two_pi * big_b, two_pi * (big_a - big_b * d), -two_pi * big_a * d - f * d
        sq = np.sqrt(np.maximum(qb * qb - 4.0 * qa * qc, 0.0))
        q = -0.5 * (qb + np.copysign(sq, qb))  # numerically stable roots
        with np.errstate(divide="ignore", invalid="ignore"):
            pair = (np.where(qa != 0, q / qa, -qc / qb), np.where(q != 0, qc / q, np.nan))
        for w in pair:
            speed = k * (w - g) + e0
            a = _alpha(MIN_CUTOFF + BETA * np.abs(speed), f)
            ok = np.isfinite(w) & (sign * speed >= -1e-12) & (np.abs(a * w - d) <= 1e-9 * (1.0 + np.abs(d)))
            out.append(np.where(ok, w + yp, np.nan))
    roots = np.array(out)
    # (a root on the boundary between the two sides appears twice)
    none = ~np.isfinite(roots).any(axis=0)
    roots[0] = np.where(none, y, roots[0])
    return roots


def timestamps_ns(times: Iterable[float]) -> list[int]:
    """The timestamps MediaPipe saw: PoseEstimator's integer milliseconds, nudged forward by 1 ms
    where two would collide, in nanoseconds."""
    out, last = [], -1
    for t in times:
        ms = int(round(t * 1000.0))
        if ms <= last:
            ms = last + 1
        last = ms
        out.append(ms * 1_000_000)
    return out


def to_pixels(norm: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(33, 3) normalised x, y, z -> the pixel coordinates the filter works in."""
    w, h = size
    return norm.astype(np.float64) * np.array([w, h, w], dtype=np.float64)


def unsmooth_track(times: Iterable[float], frames: Iterable[np.ndarray | None],
                   size: tuple[int, int], ratio: float = CIRCLE_OVER_FARTHEST
                   ) -> Iterator[np.ndarray | None]:
    """Raw landmarks (normalised (33, 3)) recovered from a stream of filtered ones (None: no
    person, which resets the filter). The object scale is estimated on each filtered frame."""
    state = UnsmoothState()
    w, h = size
    unit = np.array([w, h, w], dtype=np.float64)
    for ts, norm in zip(timestamps_ns(times), frames):
        if norm is None:
            state.filters.reset()
            yield None
            continue
        px = to_pixels(norm, size)
        yield state.step(ts, object_scale(px[:, :2], ratio), px) / unit
