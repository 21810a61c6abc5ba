"""The pelvic tilt analyzer with another signal and/or estimator for its hold timing only.

Everything that decides whether a tilt happened (score, neutral, gates, counting) stays main's:
only the samples `RepCycle` keeps for timing a hold (`Scored.timing` in main) and the estimator
that times it are swapped, so a variant can move hold errors and nothing else... except where a
hold's new length moves a rep across the 0.3 s cut-hold minimum (counts are checked too).

Timing signals, each 0 at the neutral and ~1 at a full tilt:
- "filtered": main's (the mean of both features' deviations in full tilts);
- "raw": the same features on the landmarks with MediaPipe's filter undone (`one_euro`);
- "mask": the belly contour contrast from the person mask (`mask_contour.belly_contrast`)
  against an axis fixed per set, zeroed on the last 2 s the analyzer saw at rest, over MASK_FULL;
- "mask/frame": the same against each frame's shoulder -> ankle line (what an analyzer can
  measure frame by frame);
- "combined": the mean of "raw" and "mask/frame".
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import numpy as np

from formcheck.analyzers.pelvic_tilt import FULL_TILT, PelvicTiltAnalyzer, tilt_features
from formcheck.analyzers import neutral_scoring
from formcheck.analyzers.reps import RepCycle, RepInProgress
from formcheck.landmarks import PoseFrame

from .ramps import fit_hold

MASK_FULL = 0.05  # belly contrast change in a full tilt, torso lengths (real clip and rendered)
LOOKAHEAD = 1.0  # s of samples after a release the "fit+1s" estimator may use


class Clip:
    """One clip's frames as each signal sees them: filtered poses, raw landmarks, mask contrast."""

    def __init__(self, poses: list[PoseFrame], raw: list[np.ndarray | None],
                 masks: dict[str, np.ndarray]) -> None:
        self.poses = poses
        self.t = np.array([p.t for p in poses])
        self.raw = raw
        self.masks = masks  # "mask" (fixed axis), "mask/frame" (per-frame axis) -> contrast

    def index(self, t: float) -> int:
        return int(np.searchsorted(self.t, t - 1e-9))

    def raw_pose(self, i: int) -> PoseFrame | None:
        p, r = self.poses[i], self.raw[i]
        if p.landmarks is None or r is None:
            return None
        lm = p.landmarks.copy()
        lm[:, :3] = r
        return PoseFrame(t=p.t, image_size=p.image_size, landmarks=lm, world=p.world)


def _feature_timing(an: "VariantTilt", pose: PoseFrame | None) -> float:
    if pose is None or pose.landmarks is None or not an.neutral_ready or an.side is None:
        return math.nan
    f = tilt_features(pose, an.side)
    if not f:
        return math.nan
    dev = [(f[k] - an.neutral_value(k)) / u for k, u in FULL_TILT.items()]
    return float(np.nanmean(dev))


def timing_fn(kind: str, clip: Clip) -> Callable[["VariantTilt", int], float]:
    """The timing signal `kind` at frame i, for the analyzer's neutral as it is now."""
    def filtered(an: "VariantTilt", i: int) -> float:
        return _feature_timing(an, clip.poses[i])

    def raw(an: "VariantTilt", i: int) -> float:
        return _feature_timing(an, clip.raw_pose(i))

    def mask(an: "VariantTilt", i: int) -> float:
        if an.mask_rest is None or an.mask is None:
            return math.nan
        return (float(an.mask[i]) - an.mask_rest) / MASK_FULL

    def combined(an: "VariantTilt", i: int) -> float:
        both = [raw(an, i), mask(an, i)]
        return float(np.nanmean(both)) if np.isfinite(both).any() else math.nan

    return {"filtered": filtered, "raw": raw, "mask": mask, "mask/frame": mask,
            "combined": combined}[kind]


class TimedCycle(RepCycle):
    """main's RepCycle, its timing samples and hold estimator those of `owner` (a VariantTilt)."""

    def __init__(self, owner: "VariantTilt", **params: float) -> None:
        super().__init__(**params)
        self.owner = owner

    def update(self, t: float, score: float, side: str | None, values: dict[str, float],
               timing: float | None = None) -> RepInProgress | None:
        an = self.owner
        i = an.clip.index(t)
        an.follow_rest(t, score, i)
        if an.swap and an.timing is not None and not math.isnan(score):
            alt = an.timing(an, i)
            timing = alt if math.isfinite(alt) else math.nan
        return super().update(t, score, side, values, timing)

    def hold_of(self, rep: RepInProgress) -> tuple[float, float, float] | None:
        got = super().hold_of(rep)
        an = self.owner
        if got is None or an.estimator == "crossings":
            return got
        samples = list(rep.samples)
        if an.estimator == "fit+1s" and rep.end is not None and an.timing is not None:
            i = an.clip.index(samples[-1][0]) + 1
            while i < len(an.clip.t) and an.clip.t[i] <= rep.end + LOOKAHEAD:
                samples.append((float(an.clip.t[i]), an.timing(an, i)))
                i += 1
        ts = np.array([s[0] for s in samples])
        ys = np.array([s[1] for s in samples], dtype=float)
        fit = fit_hold(ts, ys, (got[0], got[1]))
        if fit is None:
            return got
        start = max(fit[0], rep.start)
        end = max(start, fit[1] if rep.end is None else min(fit[1], rep.end))
        return start, end, end - start


class VariantTilt(PelvicTiltAnalyzer):
    """PelvicTiltAnalyzer whose holds are timed on `signal` with `estimator` ("crossings":
    main's; "fit": cosine least squares on the rep's samples; "fit+1s": with LOOKAHEAD s more)."""

    def __init__(self, clip: Clip, signal: str, estimator: str) -> None:
        super().__init__()
        self.clip, self.estimator = clip, estimator
        self.swap = signal != "filtered"
        self.timing = timing_fn(signal, clip) if self.swap or estimator == "fit+1s" else None
        self.side: str | None = None
        self._rest: deque[tuple[float, float]] = deque()
        self.mask_rest: float | None = None
        self.mask = clip.masks.get("mask/frame" if signal == "combined" else signal)
        self.cycle = TimedCycle(self, **self.cycle_params)

    def _reread_opening(self) -> None:
        # main re-reads a set that opened mid-hold with a RepCycle of its own: make it ours.
        saved = neutral_scoring.RepCycle
        neutral_scoring.RepCycle = lambda **params: TimedCycle(self, **params)  # type: ignore[assignment]
        try:
            super()._reread_opening()
        finally:
            neutral_scoring.RepCycle = saved  # type: ignore[misc]

    def measure(self, pose: PoseFrame):  # type: ignore[override]
        got = super().measure(pose)
        if self.neutral_ready:
            self.side = self.facing_side(pose)  # fixed once the neutral is taken: no new vote
        return got

    def follow_rest(self, t: float, score: float, i: int) -> None:
        """The mask contrast's rest level: its median over the last 2 s judged at rest."""
        m = self.mask
        if m is None or math.isnan(score) or self.rep_in_progress or score > 0.2 or not math.isfinite(m[i]):
            return
        self._rest.append((t, float(m[i])))
        while self._rest and t - self._rest[0][0] > 2.0:
            self._rest.popleft()
        self.mask_rest = float(np.median([v for _, v in self._rest]))
