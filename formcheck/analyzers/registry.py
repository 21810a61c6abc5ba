"""The exercise registry: every exercise formcheck coaches, named once.

One `ExerciseSpec` per exercise holds its names (code and labels: `pelvic_tilt`; command line:
`pelvic-tilt`), its title on screen, the prescription defaults of the handouts
(../shared/docs/EXERCISES.md), the faults it reports and what each does to a rep, the sides it
counts separately, the camera views it judges, and the variants it is prescribed in. The CLI,
`eval`, `synth`, the overlay and the analyzers all read it, so a name is never spelled twice. An
exercise whose analyzer has not landed is still listed: the scorecard then says "not
implemented", never a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from formcheck.analyzers.base import Prescription

if TYPE_CHECKING:
    from formcheck.analyzers.base import Analyzer

# What a fault does to the rep it touches.
VOIDS = "voids"  # the rep is counted, with the fault, and does not meet the prescription
EXCLUDES = "excludes"  # the movement is another exercise (a bridge is not a tilt): not a rep
NOTES = "notes"  # reported with its times; the rep is judged as if it were not there
EFFECTS = (VOIDS, EXCLUDES, NOTES)

SIDES = ("left", "right")  # the person's own
# How the person lies for an exercise: on the back (supine) or face down (prone).
POSTURES = ("supine", "prone")
# Where the camera is, as `formcheck synth --camera` places it and the labels name it: at floor
# level looking at the person's side, raised at the side, high at the feet end, or oblique.
VIEWS = ("side", "side-raised", "oblique", "feet-high")


@dataclass(frozen=True)
class FaultSpec:
    """A fault as the clinic names it (`hips_off_floor`), its words in the report, its effect.

    `settle`: seconds after an excluding fault ends during which a rep that starts is excluded
    too (the body settling after another movement reads like the exercise).
    """

    name: str
    message: str
    effect: str = NOTES
    settle: float = 0.0

    def __post_init__(self) -> None:
        if self.effect not in EFFECTS:
            raise ValueError(f"fault {self.name}: effect must be one of {EFFECTS}, got {self.effect!r}")


@dataclass(frozen=True)
class Measure:
    """A value each rep reports (a key of `Rep.measured`), with the words and unit the report
    shows it in (e.g. the knees' drop, "knee drop", "deg")."""

    key: str
    label: str
    unit: str = ""


@dataclass(frozen=True)
class ExerciseSpec:
    """Everything about an exercise that is not how it is measured.

    `views` are the camera placements it judges (`formcheck synth --camera` names: side,
    side-raised, feet-high, oblique); `label_events` is where a label file lists its events
    (`holds`, `excursions`, `reps`); `sides` is set for exercises counted per side;
    `range_of_motion` is the measured value the report shows as each rep's range of motion
    (None: the rep's peak score, in full reps); `posture` is how the person lies (`POSTURES`),
    which the live set-up guidance asks for. `variants` names the versions a therapist may
    prescribe (`--variant`), the handouts' own first (the default); an exercise with none has
    one version and its reports name none.
    """

    name: str
    title: str
    prescription: Prescription
    faults: tuple[FaultSpec, ...] = ()
    sides: tuple[str, ...] = ()
    views: tuple[str, ...] = ()
    label_events: str = ""
    range_of_motion: Measure | None = None
    posture: str = ""
    variants: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.posture and self.posture not in POSTURES:
            raise ValueError(f"exercise {self.name}: posture must be one of {POSTURES}, got {self.posture!r}")

    @property
    def cli_name(self) -> str:
        return self.name.replace("_", "-")

    def fault(self, name: str) -> FaultSpec:
        for f in self.faults:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} declares no fault {name!r}")

    def faults_with(self, effect: str) -> frozenset[str]:
        return frozenset(f.name for f in self.faults if f.effect == effect)

    @property
    def fault_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.faults)


HIPS_OFF_FLOOR = "hips_off_floor"  # a fault two exercises share, scored against the labels
SHORT_RANGE = "short_range"  # a press-up whose arms stop short of straight at the top
# Trunk rotation: its faults, and its two variants (the handouts' feet on the floor; tabletop).
SHOULDER_LIFT = "shoulder_lift"
FEET_OFF_FLOOR = "feet_off_floor"
KNEES_APART = "knees_apart"
MOVING_TOO_FAST = "moving_too_fast"
FEET_DOWN, FEET_UP = "feet-down", "feet-up"

EXERCISES: dict[str, ExerciseSpec] = {
    spec.name: spec
    for spec in (
        ExerciseSpec(
            name="pelvic_tilt",
            title="Pelvic tilt",
            prescription=Prescription(reps=10, hold=3.0, hold_max=5.0),
            faults=(
                FaultSpec(HIPS_OFF_FLOOR, "hips off the floor (a bridge, not a tilt)", EXCLUDES),
                # After the knees come back from a twist the pelvis settles for a few seconds
                # (rendered held twists: a tilt-like drift 2.8 s after the knees returned).
                FaultSpec("knees_off_start", "knees moved off the start position (not a tilt)", EXCLUDES,
                          settle=3.0),
            ),
            views=("side", "side-raised"),
            label_events="holds",
            posture="supine",
        ),
        ExerciseSpec(
            name="trunk_rotation",
            title="Lower trunk rotation",
            prescription=Prescription(reps=10, hold=10.0, hold_max=15.0, per_side=True,
                                      variant=FEET_DOWN),
            faults=(
                # The trunk turned with the knees: no rotation between pelvis and thorax, so no
                # stretch; the rep is counted and does not meet the prescription.
                FaultSpec(SHOULDER_LIFT, "far shoulder lifted off the floor", VOIDS),
                # A rep done faster than about a second each way is swung, not a slow stretch.
                FaultSpec(MOVING_TOO_FAST, "moved too fast (about 2 s each way)", VOIDS),
                # The rotation and its hold still happened; reported with times for the
                # therapist (and the start position of the feet-up variant, where it is no fault).
                FaultSpec(FEET_OFF_FLOOR, "feet off the floor", NOTES),
                FaultSpec(KNEES_APART, "knees apart", NOTES),
            ),
            sides=SIDES,
            views=("side", "side-raised", "feet-high", "oblique"),
            label_events="excursions",
            posture="supine",
            variants=(FEET_DOWN, FEET_UP),
        ),
        ExerciseSpec(
            name="press_up",
            title="Press-up",
            prescription=Prescription(reps=10, hold=2.0, hold_max=5.0),
            # Hips off the floor: a push-up or a plank, not the press-up prescribed. A short
            # range is reported with the angles reached: a press-up goes as far as it
            # comfortably can (EXERCISES.md), so it still counts.
            faults=(FaultSpec(HIPS_OFF_FLOOR, "hips off the floor", VOIDS),
                    FaultSpec(SHORT_RANGE, "arms not straightened at the top (short range of motion)", NOTES)),
            views=("side", "side-raised"),
            label_events="reps",
            # The spine's extension at the top (the elbow's is in each rep's measured values too).
            range_of_motion=Measure("trunk_deg", "trunk angle to the floor", "deg"),
            posture="prone",
        ),
    )
}
KNOWN_EXERCISES: tuple[str, ...] = tuple(EXERCISES)

# The analyzers that have landed, by exercise name (filled by `register`).
ANALYZERS: dict[str, type[Analyzer]] = {}


def register(cls: type[Analyzer]) -> type[Analyzer]:
    """Class decorator: `cls` is the analyzer of the registered exercise named `cls.name`."""
    if cls.name not in EXERCISES:
        raise ValueError(f"{cls.__name__}: no exercise {cls.name!r} in the registry")
    ANALYZERS[cls.name] = cls
    return cls


def canonical_name(name: str) -> str:
    """'pelvic-tilt', 'Pelvic_Tilt' -> 'pelvic_tilt'."""
    return name.strip().lower().replace("-", "_")


def spec_of(name: str) -> ExerciseSpec:
    """The registered exercise `name` (either spelling); KeyError when there is none."""
    return EXERCISES[canonical_name(name)]


def title_of(name: str) -> str:
    """What the screen calls an exercise; an unknown name is shown as it is, tidied."""
    spec = EXERCISES.get(canonical_name(name))
    if spec is not None:
        return spec.title
    text = name.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def cli_names(implemented_only: bool = True) -> list[str]:
    """The exercise names the command line accepts, sorted."""
    names = ANALYZERS if implemented_only else EXERCISES
    return sorted(EXERCISES[n].cli_name for n in names)


def get_analyzer(name: str) -> type[Analyzer]:
    """The analyzer class for `name`, or ValueError listing the valid names."""
    key = canonical_name(name)
    if key not in ANALYZERS:
        valid = ", ".join(cli_names()) or "none yet"
        if key in EXERCISES:
            raise ValueError(f"exercise {name!r} has no analyzer yet; valid: {valid}")
        raise ValueError(f"unknown exercise {name!r}; valid: {valid}")
    return ANALYZERS[key]


def make_prescription(
    exercise: str | type[Analyzer], reps: int | None = None, hold: float | None = None,
    variant: str | None = None,
) -> Prescription:
    """The exercise's default prescription with the therapist's `reps`/`hold`/`variant` (CLI
    --reps/--hold/--variant).

    Checked here, once, so the CLI, replay and the scorecard all refuse the same bad values with
    the same words: reps must be a whole number >= 1, hold a number of seconds >= 0, the variant
    one the exercise lists. A hold longer than the default range's upper end raises that end to
    the hold (the range stays valid). ValueError carries a one-line message the CLI turns into a
    UserError.
    """
    if isinstance(exercise, str):
        spec = spec_of(exercise)
        base = spec.prescription
    else:
        spec = getattr(exercise, "spec", None) or EXERCISES.get(canonical_name(exercise.name))
        base = exercise.default_prescription
    new_variant = base.variant
    if variant is not None:
        known = spec.variants if spec is not None else ()
        if variant not in known:
            name = spec.cli_name if spec is not None else exercise
            valid = ", ".join(known) if known else "none (it has one version)"
            raise ValueError(f"--variant {variant!r} is not a variant of {name}; valid: {valid}")
        new_variant = variant
    new_reps = base.reps
    if reps is not None:
        if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
            raise ValueError(f"--reps must be a whole number of at least 1, got {reps!r}")
        new_reps = reps
    new_hold, hold_max = base.hold, base.hold_max
    if hold is not None:
        if isinstance(hold, bool) or not isinstance(hold, (int, float)) or not math.isfinite(hold) or hold < 0:
            raise ValueError(f"--hold must be a number of seconds >= 0, got {hold!r}")
        new_hold = float(hold)
        if hold_max is not None and hold_max < new_hold:
            hold_max = new_hold
    return Prescription(reps=new_reps, hold=new_hold, hold_max=hold_max, per_side=base.per_side,
                        variant=new_variant)


def new_analyzer(exercise: str, reps: int | None = None, hold: float | None = None,
                 variant: str | None = None) -> Analyzer:
    """A fresh analyzer for `exercise` judged against its prescription with `reps`/`hold`/
    `variant` changed (as `make_prescription`); ValueError with a one-line message otherwise.
    The CLI and a batch worker, which gets the exercise's name, not an analyzer, build it the
    same way."""
    cls = get_analyzer(exercise)
    return cls(make_prescription(cls, reps=reps, hold=hold, variant=variant))
