"""The live coach on synthetic landmark streams: set-up guidance from the analyzer's own reasons,
counting only once in position, pauses (the person leaving, the space key), restarting the set,
a routine moving on at the prescription with a rest and the change of position announced, and
the routine's one report."""

from __future__ import annotations

import pytest

from formcheck.analyzers.base import Prescription, Reading, Scored
from formcheck.analyzers.calibration import NeutralSettings
from formcheck.analyzers.framework import ExerciseAnalyzer
from formcheck.analyzers.pelvic_tilt import PelvicTiltAnalyzer
from formcheck.analyzers.reasons import (
    BELOW_NOISE, BODY_NOT_VISIBLE, NO_PERSON, NOT_LYING, NOT_PRONE, NOT_SUPINE, WRONG_VIEW,
)
from formcheck.analyzers.registry import ExerciseSpec
from formcheck.landmarks import Landmark as L
from formcheck.landmarks import PoseFrame
from formcheck.live import LiveCoach, RoutineReport, Step, exercise_coach, routine_coach, routine_of
from formcheck.live.coach import COMPLETE, MOVED_ON, NO_ANALYZER, NOT_REACHED
from formcheck.live.guidance import Guide, instruction
from formcheck.live.state import ANNOUNCE, COUNT, DONE, GETTING_READY, IN_POSITION, PAUSED, REST
from synthetic_pose import lying_points, session, standing_session, to_pose, trapezoid


def shifted(poses, dt: float) -> list[PoseFrame]:
    return [PoseFrame(t=p.t + dt, image_size=p.image_size, landmarks=p.landmarks, world=p.world)
            for p in poses]


def drive(coach: LiveCoach, poses, commands: dict[float, str] | None = None):
    """Feed every pose; `commands` {time: command} are pressed at the first frame at or after."""
    pending = sorted((commands or {}).items())
    out = []
    for p in poses:
        while pending and p.t >= pending[0][0]:
            coach.command(pending.pop(0)[1])
        out.append((p.t, coach.update(p)))
    return out


def said(feedback, kind: str | None = None) -> list[str]:
    return [s.text for _, fb in feedback for s in fb.speech if kind is None or s.kind == kind]


# --- guidance -----------------------------------------------------------------------------------


def test_each_cannot_judge_reason_becomes_one_instruction_in_the_exercise_posture():
    assert instruction(NO_PERSON, "supine") == "Move into the camera's view"
    assert instruction(BODY_NOT_VISIBLE, "supine") == "Move back until your whole body is in view"
    assert instruction(WRONG_VIEW, "prone") == "Turn side on to the camera"
    assert instruction(NOT_LYING, "supine") == "Lie on your back, knees bent"
    assert instruction(NOT_SUPINE, "supine") == "Lie on your back, knees bent"
    assert instruction(NOT_LYING, "prone").startswith("Lie face down")
    assert instruction(NOT_PRONE, "prone").startswith("Lie face down")
    assert instruction(BELOW_NOISE, "supine").startswith("Hold still")
    assert instruction(None, "supine", "calibrating").startswith("Hold still")
    assert instruction(None, "supine", "neutral") is None
    assert instruction("knees moving: not a pelvic tilt", "supine") == "Knees moving: not a pelvic tilt"


def test_guide_shows_the_first_instruction_at_once_and_ignores_a_flicker():
    g = Guide(settle=0.4)
    frames = [i / 30 for i in range(60)]
    shown = [g.update(t, "A" if t < 0.5 or abs(t - 0.8) < 0.01 else "B") for t in frames]
    assert shown[0] == "A"
    assert set(shown[:21]) == {"A"}  # B, asked for from 0.5 s, must hold most of 0.4 s first...
    assert set(shown[24:]) == {"B"}  # ...and a one-frame return of A (0.8 s) does not undo it
    g = Guide(settle=0.4)
    flicker = [g.update(t, "B" if i % 5 == 2 else "A") for i, t in enumerate(frames)]
    assert set(flicker) == {"A"}


# --- one exercise ---------------------------------------------------------------------------------


def standing_then_tilts(tilts, duration=20.0, present=None):
    stand = list(standing_session(2.0))
    return stand + shifted(session(duration, tilts=tilts, present=present), 2.0)


def test_guidance_until_the_neutral_is_taken_then_counting_starts_by_itself():
    coach = exercise_coach(PelvicTiltAnalyzer(Prescription(reps=3, hold=1.0)))
    fb = drive(coach, standing_then_tilts([(4, 1.5), (8, 1.5), (12, 1.5)]))
    first = fb[0][1]
    assert first.phase == GETTING_READY and first.instruction == "Lie on your back, knees bent"
    assert first.first_screen and first.title == "Pelvic tilt"
    report = coach.report()
    coaching = report.extra["coaching"]
    assert [g["instruction"] for g in coaching["guidance"]] == [
        "Lie on your back, knees bent", "Hold still: finding your start position"]
    start = coaching["counting_from"]
    assert start > 2.0  # not while standing
    phases_before = {f.phase for t, f in fb if t < start}
    assert phases_before == {GETTING_READY} and all(f.count == 0 for t, f in fb if t < start)
    assert report.count == 3 and all(r.start >= start for r in report.reps)
    assert said(fb, COUNT) == ["one", "two", "three"]
    assert "That's the set. Well done." in said(fb, ANNOUNCE)
    assert not fb[-1][1].first_screen


def test_leaving_the_view_pauses_with_the_instruction_and_counting_resumes_by_itself():
    coach = exercise_coach(PelvicTiltAnalyzer(Prescription(reps=3, hold=1.0)))
    gone = lambda t: not (9.0 <= t < 11.0)  # noqa: E731
    fb = drive(coach, standing_then_tilts([(4, 1.5), (13, 1.5), (17, 1.5)], duration=22.0, present=gone))
    away = [f for t, f in fb if 11.5 <= t < 13.0]
    assert away and all(f.phase == PAUSED for f in away)
    assert away[-1].instruction == "Paused: Move into the camera's view"
    back = [f for t, f in fb if t > 20.5]
    assert back[-1].phase == IN_POSITION and back[-1].count == 3
    assert coach.report().count == 3


def test_space_pauses_and_resumes_and_nothing_is_judged_meanwhile():
    coach = exercise_coach(PelvicTiltAnalyzer(Prescription(reps=3, hold=1.0)))
    fb = drive(coach, standing_then_tilts([(4, 1.5), (10, 1.5), (16, 1.5)]),
               commands={11.0: "pause", 14.0: "pause"})
    during = [f for t, f in fb if 11.0 <= t < 14.0]
    assert all(f.phase == PAUSED and f.instruction.startswith("Paused") for f in during)
    assert all(f.count == 1 for f in during)  # the count stays on screen
    report = coach.report()
    assert report.count == 2  # the tilt done during the pause is not counted
    assert report.extra["coaching"]["paused"] == [{"start": pytest.approx(11.0, abs=0.05),
                                                   "end": pytest.approx(14.0, abs=0.05)}]
    assert "Paused." in said(fb) and "Carry on." in said(fb)


def test_r_restarts_the_set_the_count_starts_again_and_the_old_reps_stay_in_the_report():
    coach = exercise_coach(PelvicTiltAnalyzer(Prescription(reps=3, hold=1.0)))
    # (tilts at 6, 10, 17 and 21 s: the standing part comes first)
    fb = drive(coach, standing_then_tilts([(4, 1.5), (8, 1.5), (15, 1.5), (19, 1.5)], duration=24.0),
               commands={14.5: "restart"})
    assert [f.count for t, f in fb if 14.0 < t < 14.5][-1] == 2
    assert [f.count for t, f in fb if 14.5 <= t < 16.0][0] == 0
    assert fb[-1][1].count == 2
    report = coach.report()
    sets = [r.set_index for r in report.reps]
    assert report.count == 4 and sets[0] == sets[1] and sets[2] == sets[3] == sets[0] + 1
    assert report.extra["coaching"]["set_restarts"] == [pytest.approx(14.5, abs=0.05)]
    assert said(fb, COUNT) == ["one", "two", "one", "two"]


# --- a routine -----------------------------------------------------------------------------------


def toy(posture: str, reps: int = 2):
    """An exercise on the framework: the wrist moved along the image by 0.1 is a rep."""

    class Toy(ExerciseAnalyzer):
        spec = ExerciseSpec(f"toy_{posture}", f"Toy {posture}", Prescription(reps=reps, hold=0.5),
                            posture=posture)
        neutral_settings = NeutralSettings(units={"wrist_x": 0.1})
        cycle_params = {"on": 0.5, "off": 0.25, "dwell": 0.1, "reach": 0.7}

        def measure(self, pose):
            return Reading(features={"wrist_x": float(pose.landmarks[L.RIGHT_WRIST, 0])})

        def score(self, dev):
            return Scored(abs(float(dev[0])))

    return Toy()


def wrist_moves(starts, duration: float, t0: float = 0.0):
    import numpy as np

    rng = np.random.default_rng(1)
    for i in range(int(duration * 30)):
        t = i / 30
        pts = lying_points()
        pts[L.RIGHT_WRIST] = pts[L.RIGHT_WRIST] + [64.0 * sum(trapezoid(t, s, 1.0, 0.4) for s in starts), 0.0]
        yield to_pose(t0 + t, pts, noise_px=0.1, rng=rng)


def toy_routine(rest: float = 3.0) -> LiveCoach:
    routine = routine_of("low-back")
    return LiveCoach([Step("a", toy("supine")), Step("b", toy("prone"))], routine="test", rest=rest,
                     linger=1.0, account=lambda coach: RoutineReport.of(routine, coach))


def test_a_routine_moves_on_at_the_prescription_rests_and_announces_the_change_of_position():
    coach = toy_routine(rest=3.0)
    fb = drive(coach, wrist_moves([3, 6, 14, 17], duration=22.0))
    phases = [f.phase for _, f in fb]
    first_rest = phases.index(REST)
    t_rest = fb[first_rest][0]
    assert 7.7 < t_rest < 8.5  # right after the second rep of the first exercise is counted
    rests = [f for _, f in fb if f.phase == REST]
    assert rests[0].rest_left == pytest.approx(3.0, abs=0.05) and rests[-1].rest_left < 0.1
    assert rests[0].step == 2 and rests[0].title == "Toy prone" and "face down" in rests[0].instruction
    words = " ".join(said(fb, ANNOUNCE))
    assert "Rest 3 seconds. Next: toy prone. Then turn over: lie face down" in words
    after = [f for t, f in fb if t > t_rest + 3.1]
    assert after[0].phase == GETTING_READY and after[0].count == 0
    assert phases[-1] == DONE and coach.finished
    assert said(fb, COUNT) == ["one", "two", "one", "two"]
    account = coach.report().as_dict()
    assert [e["status"] for e in account["exercises"]] == [COMPLETE, COMPLETE]
    assert account["complete"] and account["count"] == 4
    assert account["exercises"][1]["reps"][0]["start"] > t_rest + 3.0


def test_n_moves_on_and_skips_the_rest_and_the_session_end_leaves_the_rest_not_reached():
    coach = toy_routine(rest=30.0)
    fb = drive(coach, wrist_moves([3], duration=12.0), commands={6.0: "next", 7.0: "next"})
    assert [f.phase for t, f in fb if 6.0 <= t < 7.0] and all(
        f.phase == REST for t, f in fb if 6.0 <= t < 7.0)
    assert fb[-1][1].step == 2 and fb[-1][1].phase in (GETTING_READY, IN_POSITION)  # no rest
    account = coach.report().as_dict()
    assert [e["status"] for e in account["exercises"]] == [MOVED_ON, "ended early"]
    assert account["exercises"][0]["count"] == 1 and not account["complete"]


def test_the_low_back_routine_lists_an_exercise_without_analyzer_and_runs_the_others():
    from formcheck.analyzers import ANALYZERS

    coach = routine_coach(routine_of("low-back"), rest=1.0)
    assert [s.spec.name for s in coach.steps] == ["pelvic_tilt", "trunk_rotation", "press_up"]
    assert [s.spec.posture for s in coach.steps] == ["supine", "supine", "prone"]
    for step in coach.steps:
        assert (step.status == NO_ANALYZER) == (step.spec.name not in ANALYZERS)
    drive(coach, list(standing_session(1.0)))
    account = coach.report().as_dict()
    for entry in account["exercises"]:
        if entry["exercise"] not in ANALYZERS:
            assert entry["status"] == NO_ANALYZER and entry["exercise"] in account["no_analyzer"]
        elif entry["exercise"] != "pelvic_tilt":
            assert entry["status"] == NOT_REACHED
    assert account["exercises"][0]["status"] == "ended early"
    with pytest.raises(ValueError, match="unknown routine"):
        routine_of("high-back")


def test_the_session_report_writes_a_routine_under_its_own_section(tmp_path):
    from formcheck.frames import SourceInfo
    from formcheck.report import build_report, summary_lines
    from formcheck.session import SessionResult

    coach = toy_routine(rest=1.0)
    drive(coach, wrist_moves([3, 6, 10, 13], duration=18.0))
    result = SessionResult(frames=10, detected=10, report=coach.report())
    info = SourceInfo(kind="camera", name="0", width=640, height=360, fps=30.0, duration=None, frame_count=None)
    report = build_report(source=info, model=None, result=result, outputs={})
    assert report["exercise"] is None and report["routine"]["complete"] is True
    assert report["routine"]["exercises"][0]["prescription"]["reps"] == 2
    lines = summary_lines(report)
    assert any(line.startswith("toy_supine: 2 reps") and "done" in line for line in lines)
    single = exercise_coach(PelvicTiltAnalyzer())
    drive(single, list(session(3.0)))
    one = build_report(source=info, model=None, result=SessionResult(report=single.report()), outputs={})
    assert one["exercise"]["exercise"] == "pelvic_tilt" and "routine" not in one
