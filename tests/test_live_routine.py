"""The low-back routine end to end: a stand-in camera plays the rendered samples of its exercises
in turn (an empty mat before each, while the coach rests and announces the next), through the
real camera thread, pose model, coach and outputs; one session report covers them all.

Only exercises whose analyzer is registered are played and checked; the others are skipped here
with a reason naming the missing analyzer (the routine itself lists them as "no analyzer").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.analyzers import ANALYZERS, make_prescription
from formcheck.live import routine_coach, routine_of
from formcheck.live.standin import Scene, StandInCapture
from formcheck.pipeline import run_live
from test_live_session import ListeningSpeaker

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SAMPLE = {"pelvic_tilt": "pelvic_tilt_side", "trunk_rotation": "trunk_rotation_side", "press_up": "press_up_side"}
REST = 2.0
ROUTINE = routine_of("low-back")


def truth(exercise: str) -> dict:
    return json.loads((SAMPLES / f"{SAMPLE[exercise]}.truth.json").read_text())


def prescription_for(exercise: str):
    """The registry's prescription with the sample's number of reps (per side where it has
    sides), so that each exercise is done when its sample is."""
    t = truth(exercise)
    per_side = t.get(exercise, {}).get("count_per_side")
    reps = max(per_side.values()) if per_side else t["expected"][exercise]["count"]
    return make_prescription(exercise, reps=reps)


class Watcher:
    """A window that is never closed: the routine ends the session by itself."""

    def __init__(self) -> None:
        self.shown = 0

    def show(self, image) -> None:
        self.shown += 1
        return None


@pytest.fixture(scope="module")
def routine_run(tmp_path_factory):
    played = [e for e in ROUTINE.exercises if e in ANALYZERS]
    scenes = [Scene(None, 1.0)]
    for exercise in played:
        scenes += [Scene(SAMPLES / f"{SAMPLE[exercise]}.mp4"), Scene(None, REST + 3.0)]
    scenes.append(Scene(None, 20.0))  # nobody on the mat: the routine should be over by now
    camera = StandInCapture(scenes)
    coach = routine_coach(ROUTINE, rest=REST, prescriptions={e: prescription_for(e) for e in played})
    speaker = ListeningSpeaker()
    out = tmp_path_factory.mktemp("routine")
    # The full model, the default: with the lite one the trunk rotation's drop toward this
    # floor-level side camera reads as a drop away (its depth cue), and the routine never ends.
    outcome = run_live("0", out, model="full", coach=coach, display=Watcher(), speaker=speaker,
                       capture_factory=lambda _: camera)
    report = json.loads(outcome.outputs["report"].read_text())
    return outcome, report, speaker, played


def test_the_routine_ends_by_itself_with_one_report_covering_every_exercise(routine_run):
    outcome, report, speaker, played = routine_run
    assert outcome.verdict() == (0, None)
    assert report["exercise"] is None
    routine = report["routine"]
    assert routine["name"] == "low-back" and routine["complete"] is True
    assert [e["exercise"] for e in routine["exercises"]] == list(ROUTINE.exercises)
    assert routine["no_analyzer"] == [e for e in ROUTINE.exercises if e not in ANALYZERS]
    done = [e for e in routine["exercises"] if e["status"] == "done"]
    assert [e["exercise"] for e in done] == played
    for before, after in zip(done, done[1:]):
        assert after["started"] >= before["ended"] + REST - 0.1  # the rest between them
    assert report["live"]["frames_shown"] == report["frames"]["processed"]
    announced = " ".join(speaker.lines)
    assert "That is the end of the routine" in announced
    if len(played) > 1:
        assert f"Rest {REST:g} seconds" in announced


@pytest.mark.parametrize("exercise", ROUTINE.exercises)
def test_each_exercise_of_the_routine_counts_its_sample_truth(routine_run, exercise):
    if exercise not in ANALYZERS:
        pytest.skip(f"no analyzer registered for {exercise}: the routine skips it")
    _, report, _, _ = routine_run
    entry = next(e for e in report["routine"]["exercises"] if e["exercise"] == exercise)
    t = truth(exercise)
    assert entry["status"] == "done"
    assert entry["count"] == t["expected"][exercise]["count"]
    if t.get(exercise, {}).get("count_per_side"):
        assert entry["count_by_side"] == t[exercise]["count_per_side"]
    coaching = entry["coaching"]
    assert coaching["counting_from"] is not None
    assert all(rep["start"] >= coaching["counting_from"] for rep in entry["reps"])
    assert coaching["guidance"] and all(rep["start"] >= entry["started"] for rep in entry["reps"])
