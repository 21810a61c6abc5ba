"""The primitives every analyzer is built from, each written once.

Landmarks arrive ~25-30 times a second, already smoothed by the Tasks graph in VIDEO mode, and
the movements we judge are small (a pelvic tilt moves the hip a few pixels). So every primitive
here works in *time* (seconds from the source's `t`, never frame counts: cameras drop frames and
files have variable frame rates) and is honest about noise:

- smoothing filters behind a factory (`make_filter("none" | "ema" | "one_euro")`), so "no extra
  smoothing" is a choice the caller makes, not a missing branch;
- `Hysteresis`: two thresholds and a minimum dwell time, so a state flips only when the signal
  has clearly and lastingly crossed, and tells *when* the crossing began;
- `Baseline`: a per-set neutral calibration with its own noise estimate, so "the signal is below
  the noise" can be said instead of guessed;
- gating (`missing_landmarks`, `out_of_frame`) for visibility/presence and bodies cut by the frame;
- `SetDetector`: a new set when the person is lost for longer than a gap, or the body jumps in
  position or scale (a camera cut, another person), so a rep or hold never spans two sets;
- geometry in the image plane (pixels, y down): angles, the body axis, side-view and posture
  checks, which side faces the camera.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from formcheck.landmarks import PRESENCE, VISIBILITY, Z, Landmark, PoseFrame

# ---------------------------------------------------------------------------------------------
# Cannot-judge reasons: the words the screen shows and the report counts.

NO_PERSON = "no person in view"
BODY_NOT_VISIBLE = "body not fully visible"
WRONG_VIEW = "wrong view: film from the side"
NOT_LYING = "not lying down"
NOT_SUPINE = "not lying on the back"
BELOW_NOISE = "signal below the noise"

# ---------------------------------------------------------------------------------------------
# Smoothing


class Filter(Protocol):
    """A causal filter of a scalar or array signal sampled at irregular times."""

    def __call__(self, t: float, x: float | np.ndarray) -> float | np.ndarray: ...

    def reset(self) -> None: ...


class NoFilter:
    """Pass-through: the right default when the landmarks are already smoothed upstream."""

    def __call__(self, t: float, x: float | np.ndarray) -> float | np.ndarray:
        return x

    def reset(self) -> None:
        pass


class EmaFilter:
    """Exponential moving average with a *time constant*, so it behaves the same at 15 or 60 fps.

    alpha = 1 - exp(-dt / tau): a frame after a long gap counts more than one right after the
    previous frame. NaN samples are ignored (the output holds).
    """

    def __init__(self, tau: float = 0.1) -> None:
        if tau < 0:
            raise ValueError(f"EMA time constant must be >= 0 s, got {tau}")
        self.tau = tau
        self.reset()

    def reset(self) -> None:
        self._t: float | None = None
        self._y: float | np.ndarray | None = None

    def __call__(self, t: float, x: float | np.ndarray) -> float | np.ndarray:
        if np.any(np.isnan(x)):
            return x if self._y is None else self._y
        if self._y is None or self._t is None or self.tau == 0:
            self._t, self._y = t, x
            return x
        dt = max(t - self._t, 0.0)
        a = 1.0 - math.exp(-dt / self.tau)
        self._y = self._y + a * (x - self._y)
        self._t = t
        return self._y


class OneEuroFilter:
    """Casiez et al.'s One-Euro filter: heavy smoothing when still, little lag when moving.

    `min_cutoff` (Hz) sets the smoothing at rest, `beta` how fast the cutoff rises with speed.
    Suited to jittery landmarks where a plain EMA would lag the start of a movement.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError("One-Euro cutoffs must be > 0 Hz and beta >= 0")
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.reset()

    def reset(self) -> None:
        self._t: float | None = None
        self._x: float | np.ndarray | None = None
        self._dx: float | np.ndarray = 0.0

    @staticmethod
    def _alpha(dt: float, cutoff: float) -> float:
        """Smoothing factor of a first-order low-pass at `cutoff` Hz for a step of `dt` s."""
        r = 2 * math.pi * cutoff * dt
        return r / (r + 1)

    def __call__(self, t: float, x: float | np.ndarray) -> float | np.ndarray:
        if np.any(np.isnan(x)):
            return x if self._x is None else self._x
        if self._x is None or self._t is None:
            self._t, self._x = t, x
            return x
        if t <= self._t:  # a repeated timestamp carries no new information
            return self._x
        dt = t - self._t
        dx = (x - self._x) / dt
        a_d = self._alpha(dt, self.d_cutoff)
        self._dx = self._dx + a_d * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        r = 2 * np.pi * cutoff * dt
        a = r / (r + 1)  # per component when x is an array
        self._x = self._x + a * (x - self._x)
        self._t = t
        return self._x


FILTERS: dict[str, Callable[..., Filter]] = {
    "none": NoFilter,
    "ema": EmaFilter,
    "one_euro": OneEuroFilter,
}


def make_filter(kind: str = "none", **params: float) -> Filter:
    """A filter by name ("none", "ema", "one_euro") with its parameters; ValueError lists kinds."""
    key = kind.strip().lower().replace("-", "_")
    if key not in FILTERS:
        raise ValueError(f"unknown filter {kind!r}; valid: {', '.join(sorted(FILTERS))}")
    return FILTERS[key](**params)


# ---------------------------------------------------------------------------------------------
# Thresholds with hysteresis and dwell


class Hysteresis:
    """A two-threshold switch that flips only after the crossing has lasted `dwell` seconds.

    On (`active`) once the value has stayed >= `on` for `dwell_on` seconds; off once it has stayed
    <= `off` for `dwell_off` seconds (`on` > `off`; flip the sign of the signal for "below").
    Between the thresholds nothing changes and a pending crossing is forgotten. `since` is the
    time the *current* state's crossing began (not when the dwell completed), so a hold timed
    from `since` is not shortened by the dwell. NaN samples neither confirm nor cancel.
    """

    def __init__(self, on: float, off: float, dwell_on: float = 0.0, dwell_off: float | None = None):
        if off > on:
            raise ValueError(f"hysteresis needs off <= on, got on={on} off={off}")
        if dwell_on < 0 or (dwell_off is not None and dwell_off < 0):
            raise ValueError("dwell times must be >= 0 s")
        self.on, self.off = on, off
        self.dwell_on = dwell_on
        self.dwell_off = dwell_on if dwell_off is None else dwell_off
        self.reset()

    def reset(self, active: bool = False, t: float | None = None) -> None:
        self.active = active
        self.since: float | None = t
        self._pending: float | None = None  # time the opposite crossing began

    @property
    def pending_since(self) -> float | None:
        """When an as yet unconfirmed crossing began (None if none is pending)."""
        return self._pending

    def update(self, t: float, value: float) -> bool:
        """Feed one sample; returns True when the state flipped on this sample."""
        if value is None or math.isnan(value):
            return False
        crossing = value <= self.off if self.active else value >= self.on
        if not crossing:
            self._pending = None
            return False
        if self._pending is None:
            self._pending = t
        dwell = self.dwell_off if self.active else self.dwell_on
        if t - self._pending >= dwell:
            self.active = not self.active
            self.since = self._pending
            self._pending = None
            return True
        return False


# ---------------------------------------------------------------------------------------------
# Per-set neutral baseline


class Baseline:
    """The neutral value of a signal for this set, learned while the person is still.

    Calibration: the baseline becomes `ready` once the samples of the last `settle` seconds
    have not drifted by more than `max_drift` (per component, see `drift`; None = no check), and then
    starts from those samples only, so a movement before it (a set that opens mid-repetition
    and releases) is not averaged into the neutral. After that, `update` keeps a `window` of
    samples and `value` is their median: the analyzer feeds it only at rest, so the baseline
    follows slow drift between reps but never learns the moved position. `noise` is a robust
    per-frame jitter (1.4826 x the median absolute deviation of frame-to-frame differences /
    sqrt(2)), which slow drifts do not inflate, at least `min_noise`.
    """

    def __init__(self, window: float = 3.0, settle: float = 1.0, min_noise: float = 0.0,
                 max_drift: float | Sequence[float] | np.ndarray | None = None) -> None:
        if settle > window:
            raise ValueError("baseline settle time must not exceed its window")
        self.window, self.settle, self.min_noise = window, settle, min_noise
        self.max_drift = None if max_drift is None else np.atleast_1d(np.asarray(max_drift, float))
        self.reset()

    def reset(self) -> None:
        self._samples: deque[tuple[float, np.ndarray]] = deque()
        self._ready = False

    def update(self, t: float, value: float | Sequence[float] | np.ndarray) -> None:
        v = np.atleast_1d(np.asarray(value, dtype=np.float64))
        if np.any(np.isnan(v)):
            return
        self._samples.append((t, v))
        keep = self.window if self._ready else self.settle
        while self._samples and t - self._samples[0][0] > keep:
            self._samples.popleft()
        if not self._ready and len(self._samples) >= 6 and self.span >= self.settle * 0.999:
            self._ready = self.max_drift is None or bool(np.all(self.drift <= self.max_drift))

    @property
    def drift(self) -> np.ndarray:
        """|median of the newer half - median of the older half| of the samples held: how much
        the signal moved, whatever its frame-to-frame jitter (a spread would mostly measure
        that)."""
        arr = np.stack([x for _, x in self._samples])
        half = len(arr) // 2
        return np.abs(np.median(arr[half:], axis=0) - np.median(arr[:half], axis=0))

    @property
    def span(self) -> float:
        """Seconds covered by the samples held."""
        if len(self._samples) < 2:
            return 0.0
        return self._samples[-1][0] - self._samples[0][0]

    @property
    def ready(self) -> bool:
        """Calibrated: stays True until `reset`, whatever is fed afterwards."""
        return self._ready

    @property
    def value(self) -> np.ndarray:
        """Median of the window (NaN when empty)."""
        if not self._samples:
            return np.array([np.nan])
        return np.median(np.stack([v for _, v in self._samples]), axis=0)

    @property
    def noise(self) -> np.ndarray:
        """Per-frame jitter of each component, at least `min_noise` (NaN with < 3 samples)."""
        if len(self._samples) < 3:
            return np.array([np.nan])
        arr = np.stack([v for _, v in self._samples])
        d = np.diff(arr, axis=0)
        mad = np.median(np.abs(d - np.median(d, axis=0)), axis=0)
        return np.maximum(1.4826 * mad / math.sqrt(2), self.min_noise)


# ---------------------------------------------------------------------------------------------
# Gating


def missing_landmarks(
    pose: PoseFrame, landmarks: Iterable[Landmark], min_visibility: float = 0.5
) -> list[Landmark]:
    """The landmarks whose min(visibility, presence) is below `min_visibility` (all if no person)."""
    lms = list(landmarks)
    if pose.landmarks is None:
        return lms
    arr = pose.landmarks
    return [
        lm for lm in lms
        if not (min(arr[lm, VISIBILITY], arr[lm, PRESENCE]) >= min_visibility)  # NaN -> missing
    ]


def out_of_frame(pose: PoseFrame, landmarks: Iterable[Landmark], margin: float = 0.0) -> list[Landmark]:
    """Landmarks placed outside the image (MediaPipe extrapolates joints cut off by the frame).

    `margin` is a fraction of the image: 0.02 treats joints within 2 % of an edge as outside.
    """
    lms = list(landmarks)
    if pose.landmarks is None:
        return lms
    xy = pose.landmarks[[int(lm) for lm in lms], :2]
    bad = ~((xy >= margin) & (xy <= 1 - margin)).all(axis=1)
    return [lm for lm, b in zip(lms, bad) if b]


# ---------------------------------------------------------------------------------------------
# Geometry (image plane, pixels, y down)

SIDES = ("left", "right")
_PAIRS = {
    "shoulder": (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    "hip": (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    "knee": (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE),
    "ankle": (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
    "heel": (Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL),
    "elbow": (Landmark.LEFT_ELBOW, Landmark.RIGHT_ELBOW),
    "wrist": (Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST),
    "ear": (Landmark.LEFT_EAR, Landmark.RIGHT_EAR),
}


def joint(part: str, side: str) -> Landmark:
    """joint("hip", "left") -> Landmark.LEFT_HIP."""
    return _PAIRS[part][SIDES.index(side)]


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """The angle at `b` between b->a and b->c, in degrees (0..180)."""
    u, v = np.asarray(a, float) - b, np.asarray(c, float) - b
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        return float("nan")
    return float(np.degrees(np.arccos(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))))


def direction_deg(p: np.ndarray, q: np.ndarray) -> float:
    """Direction of p->q in degrees in the image, counter-clockwise from image right (y up)."""
    d = np.asarray(q, float) - p
    return float(np.degrees(np.arctan2(-d[1], d[0])))


def signed_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Distance of `p` from the line a->b, positive on the image-*up* side of the line."""
    d = np.asarray(b, float) - a
    n = np.linalg.norm(d)
    if n == 0:
        return float("nan")
    cross = d[0] * (p[1] - a[1]) - d[1] * (p[0] - a[0])  # y down: negative = above for d pointing right
    dist = cross / n
    # normal pointing image-up: choose the sign so that a point with smaller y is positive
    up = -1.0 if d[0] >= 0 else 1.0
    return float(up * dist)


def midpoint(pose: PoseFrame, part: str) -> np.ndarray:
    """Pixel midpoint of a left/right pair, e.g. midpoint(pose, "hip")."""
    return pose.pixels(list(_PAIRS[part])).mean(axis=0)


@dataclass(frozen=True)
class BodyAxis:
    """Shoulders-to-hips axis in pixels: where the body is, how big, and how it lies."""

    shoulder: np.ndarray
    hip: np.ndarray

    @property
    def length(self) -> float:
        """Torso length in pixels: the scale every distance is divided by."""
        return float(np.linalg.norm(self.hip - self.shoulder))

    @property
    def centre(self) -> np.ndarray:
        return (self.hip + self.shoulder) / 2

    @property
    def tilt_from_horizontal(self) -> float:
        """0 deg = torso horizontal in the image (lying), 90 = vertical (standing)."""
        d = self.hip - self.shoulder
        return float(np.degrees(np.arctan2(abs(d[1]), abs(d[0]) + 1e-12)))


def body_axis(pose: PoseFrame, side: str | None = None) -> BodyAxis:
    """The torso axis: from the midpoints of shoulders and hips, or one side's joints."""
    if side is None:
        return BodyAxis(midpoint(pose, "shoulder"), midpoint(pose, "hip"))
    return BodyAxis(pose.pixels([joint("shoulder", side)])[0], pose.pixels([joint("hip", side)])[0])


# Share of the body's long axis (shoulders to ankles, in MediaPipe's world landmarks) that runs
# along the camera's line of sight, above which an upright-looking body is lying seen end-on.
# Measured: a person standing (standing_squats, 254 frames) at most 0.35; lying filmed from the
# feet, 0.38-0.82 (rendered feet-high camera, 4 clips; 2 of 3387 frames below 0.4) and 0.96
# (cobra_press_up's end-on part, 215 frames, 1 below 0.4).
END_ON_DEPTH = 0.4


def posture(pose: PoseFrame, lying_max_deg: float = 35.0, standing_min_deg: float = 55.0) -> str:
    """"lying", "standing", "end-on" or "unknown" from the body's long axis (shoulders to ankles).

    The whole body's axis, not the torso's: in a bridge or a press-up the torso tilts 30-45
    degrees while the shoulders (or hands) and feet stay on the floor, and the person is still
    lying. Standing needs the shoulders above the ankles as well. Assumes the image is upright
    (sources apply the container rotation). Lying covers supine and prone: see `lying_face`.
    A body lying along the line of sight (the camera at its feet or head) also looks upright
    in the image; MediaPipe's world landmarks tell it apart by depth ("end-on": lying, but no
    side view), so nobody lying down is told they are not.
    """
    if pose.landmarks is None:
        return "unknown"
    top, bottom = midpoint(pose, "shoulder"), midpoint(pose, "ankle")
    d = bottom - top
    if not np.all(np.isfinite(d)) or not np.any(d):
        return "unknown"
    angle = float(np.degrees(np.arctan2(abs(d[1]), abs(d[0]))))
    if angle <= lying_max_deg:
        return "lying"
    if angle >= standing_min_deg and top[1] < bottom[1]:
        return "end-on" if depth_share(pose) >= END_ON_DEPTH else "standing"
    return "unknown"


def depth_share(pose: PoseFrame) -> float:
    """How much of the shoulders-to-ankles axis runs toward the camera (0..1; 0 without world
    landmarks): |z| over its length in MediaPipe's world landmarks (metres, camera-aligned)."""
    if pose.world is None:
        return 0.0
    w = pose.world
    axis = ((w[Landmark.LEFT_SHOULDER, :3] + w[Landmark.RIGHT_SHOULDER, :3])
            - (w[Landmark.LEFT_ANKLE, :3] + w[Landmark.RIGHT_ANKLE, :3])) / 2.0
    length = float(np.linalg.norm(axis))
    if not (length > 0 and np.all(np.isfinite(axis))):
        return 0.0
    return float(abs(axis[2]) / length)


def lying_face(pose: PoseFrame) -> str | None:
    """"up" (supine) or "down" (prone) for a person lying in a side view, None if unclear.

    Lying on the back the nose points at the ceiling, so it sits above (smaller y than) the ears;
    lying face down it sits below them. Measured in torso lengths to be scale-free.
    """
    if pose.landmarks is None:
        return None
    axis = body_axis(pose)
    if axis.length <= 0:
        return None
    nose = pose.pixels([Landmark.NOSE])[0]
    ears = midpoint(pose, "ear")
    dy = (ears[1] - nose[1]) / axis.length
    if dy > 0.05:
        return "up"
    if dy < -0.05:
        return "down"
    return None


def side_view_ratio(pose: PoseFrame) -> float:
    """Shoulder and hip width over torso length, in the image: ~0 in a true side view.

    Seen from the side the left and right joints nearly overlap; seen from the front or above,
    the shoulders are about 0.7 torso lengths apart. The mean of the shoulder and hip ratios.
    """
    axis = body_axis(pose)
    if axis.length <= 0:
        return float("nan")
    sh = pose.pixels(list(_PAIRS["shoulder"]))
    hp = pose.pixels(list(_PAIRS["hip"]))
    w = (np.linalg.norm(sh[0] - sh[1]) + np.linalg.norm(hp[0] - hp[1])) / 2
    return float(w / axis.length)


def facing_side(pose: PoseFrame) -> str | None:
    """Which side of the body faces the camera: "left", "right" or None when unclear.

    The near side's joints are closer to the camera (smaller MediaPipe z) and more visible; the
    vote sums both over shoulders, hips, knees and ankles.
    """
    if pose.landmarks is None:
        return None
    arr = pose.landmarks
    score = 0.0
    for part in ("shoulder", "hip", "knee", "ankle"):
        left, right = _PAIRS[part]
        score += float(arr[right, Z] - arr[left, Z])  # > 0: left is nearer
        score += float(arr[left, VISIBILITY] - arr[right, VISIBILITY])
    if math.isnan(score) or abs(score) < 0.05:
        return None
    return "left" if score > 0 else "right"


# ---------------------------------------------------------------------------------------------
# New-set detection


@dataclass(frozen=True)
class SetChange:
    """A new set began at `start`; `reason` says why ("person lost", "body jumped", "first")."""

    start: float
    reason: str


@dataclass(frozen=True)
class BodyPlacement:
    """Where the body is in the image and how it is seen: what a camera cut changes at once."""

    centre: np.ndarray  # torso centre, pixels
    scale: float  # torso length, pixels
    view: float  # side_view_ratio
    direction: float  # torso direction, degrees

    @staticmethod
    def of(pose: PoseFrame) -> "BodyPlacement | None":
        if pose.landmarks is None:
            return None
        axis = body_axis(pose)
        placement = BodyPlacement(axis.centre, axis.length, side_view_ratio(pose),
                                  direction_deg(axis.shoulder, axis.hip))
        values = [*placement.centre, placement.scale, placement.view, placement.direction]
        if not all(math.isfinite(v) for v in values) or placement.scale <= 0:
            return None
        return placement


class SetDetector:
    """Splits a session into sets, so no rep or hold is carried across a cut or a new person.

    A new set starts when:
    - the person is first seen, or seen again after being lost (or after a gap in the
      timestamps) for longer than `gap` seconds;
    - between two consecutive frames the body's placement jumps: its centre by more than `jump`
      torso lengths, its size by more than a factor `scale_jump`, its side-view ratio by more
      than `view_jump` or its direction by more than `turn_jump` degrees. A person moves far
      less than that in one frame; a camera cut or a new person does it at once. The jump must
      last `confirm` seconds (the body not coming back to where it was): a one-frame glitch of
      the landmarks is not a cut. The set is dated from the frame of the jump.
    """

    def __init__(self, gap: float = 1.0, jump: float = 0.15, scale_jump: float = 1.15,
                 view_jump: float = 0.12, turn_jump: float = 12.0, confirm: float = 0.25) -> None:
        self.gap, self.jump, self.scale_jump = gap, jump, scale_jump
        self.view_jump, self.turn_jump, self.confirm = view_jump, turn_jump, confirm
        self.reset()

    def reset(self) -> None:
        self._last: tuple[float, BodyPlacement] | None = None
        self._candidate: tuple[float, BodyPlacement] | None = None  # (jump time, placement before)
        self.index = -1
        self.start: float | None = None

    def distance(self, a: BodyPlacement, b: BodyPlacement) -> float:
        """How different two placements are, in units of the jump thresholds (> 1 = a jump)."""
        scale = max(a.scale, b.scale)
        turn = abs((a.direction - b.direction + 180.0) % 360.0 - 180.0)
        return max(
            float(np.linalg.norm(a.centre - b.centre)) / scale / self.jump,
            abs(math.log(a.scale / b.scale)) / math.log(self.scale_jump),
            abs(a.view - b.view) / self.view_jump,
            turn / self.turn_jump,
        )

    def update(self, pose: PoseFrame) -> SetChange | None:
        """Feed every frame; returns a SetChange on the frame that confirms a new set."""
        now = BodyPlacement.of(pose)
        if now is None:
            return None
        t = pose.t
        last, self._last = self._last, (t, now)
        if last is None:
            return self._begin(SetChange(t, "first"))
        if t - last[0] > self.gap:
            return self._begin(SetChange(t, "person lost"))
        if self._candidate is None:
            if self.distance(now, last[1]) > 1.0:
                self._candidate = (t, last[1])
            return None
        cand_t, before = self._candidate
        if self.distance(now, before) <= 1.0:
            self._candidate = None  # back where it was: a glitch, not a cut
        elif t - cand_t >= self.confirm:
            return self._begin(SetChange(cand_t, "body jumped"))
        return None

    @property
    def pending(self) -> bool:
        """True while a jump is waiting for confirmation (the frames may belong to a new set)."""
        return self._candidate is not None

    def _begin(self, change: SetChange) -> SetChange:
        self._candidate = None
        self.index += 1
        self.start = change.start
        return change
