"""Scripted exercise sessions: a timeline of clinical states and the exact events it contains.

A script is a list of keyframes (time, `LyingState`), eased between with a smooth cosine ramp,
plus the events a physical therapist would label, taken from the script itself rather than
measured: each pelvic tilt hold runs from reaching the tilted position to the start of the
release, each trunk rotation excursion from leaving centre to being back at centre (its peak in
the middle of the hold), each press-up from the start of the rise through the top to being back
down. Faults are scripted too (a bridge instead of a tilt, the far shoulder lifting, the feet
leaving the floor or the knees falling apart in a trunk rotation, the hips lifting in a
press-up, push-ups or a plank instead of press-ups), and hips-off-floor intervals are found from
the scripted hip lift (the whole session for a body held up off the floor). A trunk rotation can
also be done in its feet-up (tabletop) variant, and a knee sway (the knees rocking a few degrees
side to side with the pelvis, as people do settling into a pelvic tilt) is a negative control
that no analyzer may count.

This module is pure numpy on purpose: scripts and their truth can be tested without a renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from formcheck.analyzers.registry import EXERCISES as REGISTERED
from formcheck.synth.state import LyingState

# What can be rendered: every registered exercise (by its command-line name), lying still, and
# the knees swaying a few degrees (neither a trunk rotation nor a pelvic tilt).
EXERCISES = tuple(spec.cli_name for spec in REGISTERED.values()) + ("rest", "knee-sway")
FAULTS = {
    "pelvic-tilt": ("bridge",),
    "trunk-rotation": ("shoulder-lift", "feet-off", "knees-apart"),
    # push-up / knee-push-up: push-ups from the toes / knees instead (the body held straight, hips
    # off the floor throughout); plank: a plank held instead. None of them is a press-up.
    "press-up": ("hips-lift", "push-up", "knee-push-up", "plank"),
    "rest": (),
    "knee-sway": (),
}
# The variants a script can be done in, besides the handouts' own (the registry's names).
VARIANTS = {name: REGISTERED[name.replace("-", "_")].variants[1:]
            for name in EXERCISES if name.replace("-", "_") in REGISTERED}
# Seconds to move into (and out of) position, per exercise and tempo.
TEMPOS = {
    "pelvic-tilt": {"slow": 2.0, "normal": 1.2, "fast": 0.6},
    "trunk-rotation": {"slow": 3.0, "normal": 2.0, "fast": 1.0},
    "press-up": {"slow": 2.2, "normal": 1.5, "fast": 0.8},
    "rest": {"slow": 1.0, "normal": 1.0, "fast": 1.0},
    "knee-sway": {"slow": 2.0, "normal": 1.4, "fast": 0.9},
}
DEFAULT_RANGE = {"pelvic-tilt": 10.0, "trunk-rotation": 50.0, "press-up": 175.0, "rest": 0.0,
                 "knee-sway": 8.0}
DEFAULT_HOLD = {"pelvic-tilt": 3.5, "trunk-rotation": 3.0, "press-up": 2.0, "rest": 0.0,
                "knee-sway": 0.0}
HIPS_OFF_FLOOR_M = 0.02  # the pelvis counts as off the floor above this scripted lift
BRIDGE_LIFT_M = 0.13
PRESS_HIPS_LIFT_M = 0.11
# What the body rests on in a press-up session with each fault (formcheck.synth.posing.SUPPORTS).
PRESS_SUPPORT = {"push-up": "toes", "knee-push-up": "knees", "plank": "toes"}
SHOULDER_LIFT_DEG = 22.0
FEET_LIFT_M = 0.12  # the feet leaving the floor in a trunk rotation (fault)
KNEE_SPREAD_DEG = 30.0  # the knees falling apart in a trunk rotation (fault)
SWAY_TILT_DEG = 4.0  # the pelvis rocking with a knee sway (a third of a pelvic tilt)
# A trunk rotation's faults as the truth lists them (the analyzer's names): the scripted quantity
# and the level above which the fault is there (5 degrees of thorax roll lifts the far shoulder
# about 3 cm; 2 cm of feet lift; 8 degrees of knees falling apart is a hand's width at the knees).
TOO_FAST_S = 0.7  # seconds: a way down or back quicker than this is moving too fast
FAULT_THRESHOLDS = {"shoulder_lift": ("shoulder_lift", 5.0), "feet_off_floor": ("feet_lift", 0.02),
                    "knees_apart": ("knee_spread", 8.0)}


@dataclass
class ScriptParams:
    """Everything a session script depends on (the CLI's options, validated there)."""

    exercise: str
    reps: int = 3
    hold: tuple[float, ...] = ()       # seconds per rep, cycled; () = the exercise's default
    tempo: str | float = "normal"      # slow | normal | fast | seconds to move
    range_deg: float | None = None     # tilt / knee drop / top elbow angle; None = default
    order: tuple[str, ...] = ("left", "right")
    fault: str | None = None
    fault_reps: tuple[int, ...] = ()   # 1-based reps that carry the fault; () = all
    variant: str | None = None         # trunk-rotation: "feet-up" (tabletop); None = feet down
    rest: float = 1.5                  # seconds at neutral between reps
    lead_in: float = 2.0               # neutral before the first rep (baseline calibration)
    lead_out: float = 1.0
    duration: float | None = None      # rest exercise only
    seed: int = 0

    def holds(self) -> tuple[float, ...]:
        return self.hold or (DEFAULT_HOLD[self.exercise],)

    def move_seconds(self) -> float:
        if isinstance(self.tempo, str):
            return TEMPOS[self.exercise][self.tempo]
        return float(self.tempo)

    def has_fault(self, rep: int) -> bool:
        return self.fault is not None and (not self.fault_reps or rep in self.fault_reps)


@dataclass
class Script:
    """The keyframes and the labelled events of one session."""

    exercise: str
    prone: bool
    support: str = "floor"  # prone: lying on the thighs, or a plank on the toes or knees
    keys: list[tuple[float, LyingState]] = field(default_factory=list)
    holds: list[dict] = field(default_factory=list)
    excursions: list[dict] = field(default_factory=list)
    press_reps: list[dict] = field(default_factory=list)
    bridges: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.keys[-1][0]

    def add(self, dt: float, state: LyingState) -> float:
        """Append a keyframe dt seconds after the last; returns its time."""
        t = (self.keys[-1][0] if self.keys else 0.0) + dt
        self.keys.append((t, state))
        return t

    def state_at(self, t: float) -> LyingState:
        """The eased state at time t (cosine ramp between keyframes, flat outside)."""
        times = [k[0] for k in self.keys]
        if t <= times[0]:
            return self.keys[0][1]
        if t >= times[-1]:
            return self.keys[-1][1]
        i = int(np.searchsorted(times, t, side="right")) - 1
        (t0, a), (t1, b) = self.keys[i], self.keys[i + 1]
        u = 0.0 if t1 <= t0 else (t - t0) / (t1 - t0)
        w = 0.5 - 0.5 * np.cos(np.pi * u)
        return LyingState(**{
            name: (1 - w) * getattr(a, name) + w * getattr(b, name)
            for name in a.__dataclass_fields__
        })

    def hips_off_floor(self, step: float = 0.001) -> list[dict]:
        """Intervals where the scripted hip lift exceeds HIPS_OFF_FLOOR_M (to the millisecond);
        the whole session for a body held up on the toes or knees (a plank, push-ups)."""
        if self.support != "floor":
            return [{"start": 0.0, "end": round(float(self.duration), 3)}]
        return self.intervals_where("hip_lift", HIPS_OFF_FLOOR_M, step)

    def faults(self) -> dict[str, list[dict]]:
        """Trunk rotation's scripted fault intervals, by the analyzer's fault names: where the far
        shoulder is lifted, the feet are off the floor or the knees apart by more than a
        clinician would let pass (FAULT_THRESHOLDS), and the excursions with a way down or back
        quicker than TOO_FAST_S."""
        out = {name: self.intervals_where(attr, limit) for name, (attr, limit) in FAULT_THRESHOLDS.items()}
        out["moving_too_fast"] = [{"start": e["start"], "end": e["end"]} for e in self.excursions if e["too_fast"]]
        return out

    def intervals_where(self, attr: str, limit: float, step: float = 0.001) -> list[dict]:
        """Intervals where the scripted `attr` exceeds `limit` (to the millisecond)."""
        ts = np.arange(0.0, self.duration + step, step)
        lifted = np.array([getattr(self.state_at(t), attr) > limit for t in ts])
        out, start = [], None
        for t, up in zip(ts, lifted):
            if up and start is None:
                start = t
            elif not up and start is not None:
                out.append({"start": round(float(start), 3), "end": round(float(t), 3)})
                start = None
        if start is not None:
            out.append({"start": round(float(start), 3), "end": round(float(self.duration), 3)})
        return out


def build_script(p: ScriptParams) -> Script:
    """The session for the parameters, with small seeded natural variation in range and timing
    (never in the prescribed hold lengths, which the truth reports exactly)."""
    rng = np.random.default_rng(p.seed)
    builder = {"pelvic-tilt": _pelvic_tilt, "trunk-rotation": _trunk_rotation,
               "press-up": _press_up, "rest": _rest, "knee-sway": _knee_sway}[p.exercise]
    script = builder(p, rng)
    return script


def _jitter(rng: np.random.Generator, value: float, frac: float) -> float:
    return float(value * (1 + frac * rng.uniform(-1, 1)))


def _sway(rng: np.random.Generator) -> float:
    return float(rng.uniform(-4, 4))


def _pelvic_tilt(p: ScriptParams, rng: np.random.Generator) -> Script:
    s = Script("pelvic-tilt", prone=False)
    rest = LyingState()
    s.add(0.0, rest)
    s.add(p.lead_in, replace(rest, sway=_sway(rng)))
    holds = p.holds()
    tilt = p.range_deg if p.range_deg is not None else DEFAULT_RANGE["pelvic-tilt"]
    move = p.move_seconds()
    for rep in range(1, p.reps + 1):
        hold = holds[(rep - 1) % len(holds)]
        angle = _jitter(rng, tilt, 0.08)
        up = replace(rest, pelvic_tilt=angle, sway=_sway(rng))
        if p.has_fault(rep):  # a bridge: hips lifted off the mat, not a tilt
            up = replace(up, hip_lift=_jitter(rng, BRIDGE_LIFT_M, 0.1), pelvic_tilt=angle * 0.6)
            s.bridges += 1
        t_top = s.add(_jitter(rng, move, 0.1), up)
        t_release = s.add(hold, replace(up, sway=up.sway + rng.uniform(-1, 1)))
        s.add(_jitter(rng, move, 0.1), replace(rest, sway=_sway(rng)))
        if not p.has_fault(rep):
            s.holds.append({"start": round(t_top, 3), "end": round(t_release, 3),
                            "confidence": "high"})
        s.add(_jitter(rng, p.rest, 0.15), replace(rest, sway=_sway(rng)))
    s.add(p.lead_out, rest)
    return s


def _trunk_rotation(p: ScriptParams, rng: np.random.Generator) -> Script:
    s = Script("trunk-rotation", prone=False)
    rest = LyingState(tabletop=1.0 if p.variant == "feet-up" else 0.0)
    s.add(0.0, rest)
    s.add(p.lead_in, rest)
    holds = p.holds()
    drop = p.range_deg if p.range_deg is not None else DEFAULT_RANGE["trunk-rotation"]
    move = p.move_seconds()
    n = 0
    for rep in range(1, p.reps + 1):
        for side in p.order:
            hold = holds[n % len(holds)]
            n += 1
            sign = 1.0 if side == "left" else -1.0
            angle = sign * _jitter(rng, drop, 0.08)
            out = replace(rest, knee_drop=angle, sway=_sway(rng))
            faulty = p.has_fault(rep)
            if faulty and p.fault == "shoulder-lift":
                out = replace(out, shoulder_lift=_jitter(rng, SHOULDER_LIFT_DEG, 0.1))
            elif faulty and p.fault == "feet-off":
                out = replace(out, feet_lift=_jitter(rng, FEET_LIFT_M, 0.1))
            elif faulty and p.fault == "knees-apart":
                out = replace(out, knee_spread=_jitter(rng, KNEE_SPREAD_DEG, 0.1))
            t_start = s.keys[-1][0]
            t_top = s.add(_jitter(rng, move, 0.1), out)
            t_release = s.add(hold, out) if hold > 0 else t_top
            t_end = s.add(_jitter(rng, move, 0.1), replace(rest, sway=_sway(rng)))
            down, up = t_top - t_start, t_end - t_release
            s.excursions.append({
                "start": round(t_start, 3), "end": round(t_end, 3), "side": side,
                "peak": round((t_top + t_release) / 2, 3), "hold": round(t_release - t_top, 3),
                "range_deg": round(abs(angle), 2), "down_s": round(down, 3), "up_s": round(up, 3),
                "too_fast": min(down, up) < TOO_FAST_S,
                "shoulder_lifted": bool(faulty and p.fault == "shoulder-lift"),
                "feet_off": bool(faulty and p.fault == "feet-off"),
                "knees_apart": bool(faulty and p.fault == "knees-apart"),
                "confidence": "high",
            })
            pause = p.rest if hold > 0 else 0.0
            if pause > 0:
                s.add(_jitter(rng, pause, 0.15), replace(rest, sway=_sway(rng)))
    s.add(p.lead_out, rest)
    return s


def _knee_sway(p: ScriptParams, rng: np.random.Generator) -> Script:
    """The knees rocking `range` degrees to each side and back with the pelvis rocking a few
    degrees, no hold: how people settle into a pelvic tilt. Neither a trunk rotation (far short
    of a side) nor a pelvic tilt (never held): a negative control for both."""
    s = Script("knee-sway", prone=False)
    rest = LyingState()
    s.add(0.0, rest)
    s.add(p.lead_in, rest)
    sway = p.range_deg if p.range_deg is not None else DEFAULT_RANGE["knee-sway"]
    move = p.move_seconds()
    for _ in range(p.reps):
        for side in p.order:
            sign = 1.0 if side == "left" else -1.0
            out = replace(rest, knee_drop=sign * _jitter(rng, sway, 0.15),
                          pelvic_tilt=_jitter(rng, SWAY_TILT_DEG, 0.2), sway=_sway(rng))
            s.add(_jitter(rng, move, 0.1), out)
            s.add(_jitter(rng, move, 0.1), replace(rest, sway=_sway(rng)))
    s.add(p.lead_out, rest)
    return s


def _press_up(p: ScriptParams, rng: np.random.Generator) -> Script:
    support = PRESS_SUPPORT.get(p.fault or "", "floor")
    s = Script("press-up", prone=True, support=support)
    top_elbow = p.range_deg if p.range_deg is not None else DEFAULT_RANGE["press-up"]
    # press 0: lying flat (a press-up) or a push-up's bottom; a plank is held at the top.
    rest = LyingState(top_elbow=top_elbow, press=1.0 if p.fault == "plank" else 0.0)
    s.add(0.0, rest)
    s.add(p.lead_in, rest)
    holds = p.holds()
    move = p.move_seconds()
    for rep in range(1, p.reps + 1):
        hold = holds[(rep - 1) % len(holds)]
        if p.fault == "plank":  # held on, the head turning a little now and then
            s.add(hold + _jitter(rng, p.rest, 0.15), replace(rest, sway=_sway(rng) * 0.5))
            continue
        up = replace(rest, press=1.0, sway=_sway(rng) * 0.5)
        faulty = p.has_fault(rep)
        if faulty and p.fault == "hips-lift":
            up = replace(up, hip_lift=_jitter(rng, PRESS_HIPS_LIFT_M, 0.1))
        t_start = s.keys[-1][0]
        t_top = s.add(_jitter(rng, move, 0.1), up)
        s.add(hold, up)
        t_end = s.add(_jitter(rng, move, 0.1), rest)
        if support == "floor":
            s.press_reps.append({"start": round(t_start, 3), "top": round(t_top, 3),
                                 "end": round(t_end, 3), "hips_on_floor": not faulty,
                                 "hold": round(hold, 3), "top_elbow_deg": round(top_elbow, 1),
                                 "confidence": "high"})
        s.add(_jitter(rng, p.rest, 0.15), rest)
    if support != "floor":
        what = "a plank held" if p.fault == "plank" else f"{p.reps} {p.fault}(s)"
        s.notes.append(f"{what}, on the {support}: hips off the floor throughout, no press-up")
    s.add(p.lead_out, rest)
    return s


def _rest(p: ScriptParams, rng: np.random.Generator) -> Script:
    """Lying still in hook-lying (a negative control: nothing should be counted)."""
    s = Script("rest", prone=False)
    rest = LyingState()
    s.add(0.0, rest)
    total = p.duration if p.duration is not None else 8.0
    t = 0.0
    while t < total - 1e-9:
        dt = min(float(rng.uniform(1.5, 3.0)), total - t)
        t = s.add(dt, replace(rest, sway=_sway(rng)))
    return s
