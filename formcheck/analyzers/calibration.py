"""Finding and keeping the person's neutral position, and knowing when not to trust it.

The movements formcheck judges are small against a person's own resting position, so most
analyzers measure their features against a *neutral* learned per set. The steps around that
neutral are the same for every exercise and live here, each configurable (or off) through
`NeutralSettings`, each tested on its own:

- `SideVote`: which side of the body faces the camera, voted over the calibration, then fixed
  for the set (switching joints mid-set would shift every feature against the neutral);
- tracker warm-up: MediaPipe's landmarks settle over the first fraction of a second of a person;
- calibration: the neutral is taken from a still stretch (`signals.Baseline`), with the jitter
  measured there; a jitter that is a sizeable part of a repetition is "signal below the noise";
- glitch guard: a jump no body makes in one frame starts nothing until the tracker's smoothing
  has forgotten it;
- wild-deviation guard: a change far bigger than a repetition is another movement: not judged,
  and the neutral is learned again;
- drift: at rest the neutral follows slow drift; a lasting shift that is not a repetition makes
  it be learned again.

Features are in their own units; `NeutralSettings.units` says how much each changes in one full
repetition, so every threshold here is in full repetitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.analyzers.geometry import facing_side
from formcheck.analyzers.reasons import BELOW_NOISE
from formcheck.analyzers.signals import Baseline, Hysteresis
from formcheck.landmarks import PoseFrame

CALIBRATING = "calibrating"
NOT_STILL = "not still: cannot find the neutral position"


class SideVote:
    """The body side facing the camera: votes until `locked`, then fixed until `reset`."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.side: str | None = None
        self._votes = {"left": 0, "right": 0}
        self._voted_at: float | None = None

    def update(self, pose: PoseFrame, locked: bool) -> str:
        """The side to measure on: a frame votes (once per time) while not `locked`."""
        if (not locked or self.side is None) and pose.t != self._voted_at:
            self._voted_at = pose.t
            vote = facing_side(pose)
            if vote:
                self._votes[vote] += 1
            self.side = max(self._votes, key=lambda k: self._votes[k])
        return self.side


@dataclass(frozen=True)
class NeutralSettings:
    """How an exercise's neutral is learned and guarded; every threshold in full repetitions.

    `units`: each scored feature's change in one full repetition (signed: the direction of the
    movement); `still`: other features that must keep still while the neutral is learned, with
    their tolerance in their own units (e.g. where the knees lie); both are learned with the
    neutral and their values are readable afterwards. A guard set to None is off.
    """

    units: dict[str, float]
    still: dict[str, float] = field(default_factory=dict)
    window: float = 4.0  # seconds of rest the neutral is the median of
    settle: float = 1.0  # seconds still before the neutral is taken
    calibration_drift: float = 0.3  # how far a scored feature may drift meanwhile
    # ... or this many times its frame-to-frame jitter, where that is more (see signals.Baseline)
    drift_noise_factor: float = 3.0
    # Seconds of trying before the screen and the report say why no neutral could be taken.
    patience: float = 3.0
    warmup: float = 0.3  # seconds after a set starts that are not used (tracker settling)
    max_noise: float | None = 0.2  # jitter above which the signal is "below the noise"
    glitch_step: float | None = 3.0  # a change this big between two frames is a glitch
    glitch_frame_gap: float = 0.1  # ... when the frames are at most this far apart (s)
    glitch_recovery: float = 1.0  # seconds after a glitch in which no repetition starts
    glitch_seconds: float = 0.2  # a wild stretch shorter than this is skipped as a glitch
    max_deviation: float | None = 12.0  # beyond this, another movement: learn again
    drift_band: float = 0.2  # the neutral follows only frames with every feature this near
    rebase_after: float = 6.0  # seconds of a lasting shift off neutral before learning again
    # For a movement made one way from the neutral only: when the set's first movement goes
    # this many full repetitions beyond its first neutral the other way, for `beyond_seconds`,
    # the set opened inside a repetition (a video cut in mid-hold): the neutral is learned again
    # there. Only then: later, a move the other way is another movement (an arched back), never
    # a new rest from which coming back would read as a repetition. None: off.
    beyond: float | None = None
    beyond_seconds: float = 0.5
    max_rep_seconds: float = 20.0  # a repetition longer than this (or 3 x the longest
    # prescribed hold) was measured from a wrong neutral: learn again
    other_movement: str = "moving too much for this exercise"

    @property
    def keys(self) -> list[str]:
        return list(self.units)

    @property
    def still_keys(self) -> list[str]:
        return list(self.still)


class Neutral:
    """The neutral of one set and its guards (see the module docstring).

    The framework calls, per judgeable frame: `saw` (the set's clock), `calibrate` until
    `ready`, then `glitch`, `deviation`, `wild`, and at rest `follow`, then `noisy`.
    `relearn` forgets the neutral (not the set's clock); `new_set` forgets everything.
    """

    def __init__(self, settings: NeutralSettings) -> None:
        self.settings = s = settings
        self.units = np.array([s.units[k] for k in s.keys], dtype=float)
        self._abs_units = np.abs(self.units)
        self._n = len(s.keys)
        self._drift = np.concatenate([s.calibration_drift * self._abs_units,
                                      np.array([s.still[k] for k in s.still_keys], dtype=float)])
        self.new_set()

    def new_set(self) -> None:
        s = self.settings
        self.baseline = Baseline(window=s.window, settle=s.settle, max_drift=self._drift,
                                 noise_factor=s.drift_noise_factor)
        noise = s.max_noise if s.max_noise is not None else np.inf
        # Per scored feature: is its jitter a sizeable part of a repetition (with hysteresis)?
        self._noisy = [Hysteresis(noise, 0.75 * noise, dwell_on=0.3) for _ in range(self._n)]
        self._first_t: float | None = None  # first frame measured in this set
        self._rest_seen: float | None = None  # last time at rest near neutral
        self._wild_since: float | None = None
        self._prev: tuple[float, np.ndarray] | None = None
        self._glitch_at: float | None = None
        self._beyond_since: float | None = None
        self.opening = True  # the set's first neutral, no movement made from it yet
        self.reopened = False  # the opening proved to be inside a repetition (see `follow`)
        self._trying_since: float | None = None  # first frame fed to the calibration

    def relearn(self) -> None:
        """Learn the neutral again from a still stretch (the person moved)."""
        self.baseline.reset()
        self._trying_since = None
        self.opening = self.opening and not self.ready

    @property
    def ready(self) -> bool:
        return self.baseline.ready

    def value(self, key: str) -> float:
        """The learned neutral of one feature (scored or still)."""
        s = self.settings
        keys = s.keys + s.still_keys
        return float(self.baseline.value[keys.index(key)])

    def vector(self, features: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(scored features, all features learned) in the settings' order."""
        s = self.settings
        vec = np.array([features[k] for k in s.keys], dtype=float)
        still = np.array([features[k] for k in s.still_keys], dtype=float)
        return vec, np.concatenate([vec, still])

    def saw(self, t: float) -> None:
        """A frame of this set was measured (starts the tracker warm-up clock)."""
        if self._first_t is None:
            self._first_t = t

    def warmed_up(self, t: float) -> bool:
        return self._first_t is not None and t - self._first_t >= self.settings.warmup

    def calibrate(self, t: float, learned: np.ndarray, learn: bool) -> str | None:
        """Feed the calibration; CALIBRATING, BELOW_NOISE, NOT_STILL (still not taken after
        `patience` seconds: never a silent wait), or None once ready."""
        if self.ready:
            return None
        first = t if self._first_t is None else self._first_t
        if not learn:
            self._trying_since = None  # not tried now (the hips are up, say): nothing to explain
        elif t - first >= self.settings.warmup:
            if self._trying_since is None:
                self._trying_since = t
            self.baseline.update(t, learned)
            if self.ready:
                self._rest_seen = t  # the drift clock counts from this neutral, not an older one
                self._trying_since = None
        if self._update_noisy(t):
            return BELOW_NOISE
        if self._trying_since is not None and t - self._trying_since > self.settings.patience:
            return NOT_STILL
        return CALIBRATING

    def glitch(self, t: float, vec: np.ndarray, rep_active: bool) -> bool:
        """True while recovering from a landmark jump (no repetition may start)."""
        s = self.settings
        prev, self._prev = self._prev, (t, vec)
        if s.glitch_step is None:
            return False
        if prev is not None and t - prev[0] <= s.glitch_frame_gap:
            step = (np.abs(vec - prev[1]) / self._abs_units)[self.usable]
            if step.size and float(np.max(step)) > s.glitch_step:
                self._glitch_at = t
        return (self._glitch_at is not None and t - self._glitch_at < s.glitch_recovery
                and not rep_active)

    def deviation(self, vec: np.ndarray) -> np.ndarray:
        """Each scored feature's distance from the neutral, in full repetitions (signed); NaN for
        a feature whose jitter is a sizeable part of a repetition (the others carry the score)."""
        dev = (vec - self.baseline.value[: self._n]) / self.units
        return np.where(self.usable, dev, np.nan)

    @property
    def usable(self) -> np.ndarray:
        """Per scored feature: steady enough to judge (its jitter below `max_noise`)."""
        return np.array([not h.active for h in self._noisy])

    def wild(self, t: float, dev: np.ndarray) -> str | None:
        """"glitch" for a short excursion far beyond a repetition (skip the frame), "moved" for a
        lasting one (another movement: learn again), else None."""
        s = self.settings
        if s.max_deviation is None:
            return None
        wild = bool(np.nanmax(np.abs(dev)) > s.max_deviation)
        if wild and self._wild_since is None:
            self._wild_since = t
        elif not wild:
            self._wild_since = None
        if not wild:
            return None
        assert self._wild_since is not None
        return "glitch" if t - self._wild_since < s.glitch_seconds else "moved"

    def follow(self, t: float, learned: np.ndarray, dev: np.ndarray, at_rest: bool,
               toward: float = 0.0) -> None:
        """At rest near the neutral, follow slow drift; after a lasting shift, learn again.

        Only frames with every feature near the neutral are learned: a shift in one feature
        alone, learned frame by frame, would ratchet the neutral into a movement before its
        score reached the start threshold. `toward` is the signed movement (full repetitions,
        positive toward a repetition): held far enough the other way (`beyond`), the neutral
        was taken inside a repetition and is learned again.
        """
        s = self.settings
        if not self.ready:
            return
        if not at_rest:
            self.opening = False  # a movement was made from this neutral
        if s.beyond is not None and self.opening and toward < -s.beyond:
            if self._beyond_since is None:
                self._beyond_since = t
            if t - self._beyond_since >= s.beyond_seconds:
                self._beyond_since = None
                self.opening = False
                self.reopened = True  # the framework re-reads the opening once it is learned
                self.baseline.reset()
                return
        else:
            self._beyond_since = None
        if not at_rest:
            self._rest_seen = t
            return
        if self._rest_seen is None or float(np.nanmax(np.abs(dev))) < self.settings.drift_band:
            self.baseline.update(t, learned)
            self._rest_seen = t
        elif t - self._rest_seen > self.settings.rebase_after:
            self.baseline.reset()

    @property
    def jitter(self) -> np.ndarray:
        """Each scored feature's frame-to-frame jitter at the neutral, in full repetitions."""
        return self.baseline.noise[: self._n] / self._abs_units

    @property
    def noise(self) -> float:
        """The jitter of the steadiest scored feature, in full repetitions."""
        return float(np.nanmin(self.jitter)) if np.any(np.isfinite(self.jitter)) else float("nan")

    def _update_noisy(self, t: float) -> bool:
        jitter = self.jitter
        if np.all(np.isfinite(jitter)):
            for h, j in zip(self._noisy, jitter):
                h.update(t, float(j))
        return not bool(np.any(self.usable))

    def noisy(self, t: float) -> bool:
        """Is every scored feature's jitter a sizeable part of a repetition (with hysteresis)?
        Then the signal is below the noise; a feature alone that is too noisy is left out."""
        return self._update_noisy(t)
