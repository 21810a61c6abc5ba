"""The lower trunk rotation analyzer on synthetic 3-D landmark streams (fast), and on real clips
when present.

The stick figure (synthetic_pose.rotation_points) is filmed from the side (either side) or from
the feet end; `depth_seen` < 1 shows the knees' sideways travel only in part in MediaPipe's depth
and world landmarks, as on rendered bodies filmed side-on. These tests check the logic end to
end: reps per side, holds, range, the rocking variant, cues, what is not a trunk rotation, faults,
cuts and gaps, and the --variant option.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.analyzers import get_analyzer, make_prescription
from formcheck.analyzers.registry import FEET_DOWN, FEET_UP, spec_of
from formcheck.analyzers.trunk_rotation import TrunkRotationAnalyzer
from formcheck.cli import main
from formcheck.landmarks import PoseFrame
from synthetic_pose import (
    SIZE, film, rotation_points, rotation_session, session, standing_session,
)

HOLD = 3.0


def run(frames, prescription=None):
    a = TrunkRotationAnalyzer(prescription)
    feedback = [(f.t, a.update(f)) for f in frames]
    return a.report(), feedback


def sides(report) -> list[str]:
    return [r.side for r in report.reps]


# --- the registry entry and the prescription --------------------------------------------------

def test_registered_with_the_handouts_prescription_and_its_variants():
    assert get_analyzer("trunk-rotation") is TrunkRotationAnalyzer
    p = make_prescription("trunk-rotation")
    assert (p.reps, p.hold, p.hold_max, p.per_side, p.variant) == (10, 10.0, 15.0, True, FEET_DOWN)
    assert spec_of("trunk_rotation").variants == (FEET_DOWN, FEET_UP)
    assert make_prescription(TrunkRotationAnalyzer, hold=0, variant=FEET_UP).as_dict() == {
        "reps": 10, "hold": 0.0, "hold_max": 15.0, "per_side": True, "variant": "feet-up"}
    with pytest.raises(ValueError, match="--variant 'tabletop' is not a variant of trunk-rotation; "
                                         "valid: feet-down, feet-up"):
        make_prescription("trunk-rotation", variant="tabletop")
    # An exercise with one version names none, and refuses one.
    assert "variant" not in make_prescription("pelvic-tilt").as_dict()
    with pytest.raises(ValueError, match="not a variant of pelvic-tilt; valid: none"):
        make_prescription("pelvic-tilt", variant=FEET_UP)


# --- reps per side, holds, range -----------------------------------------------------------------

DROPS = [(3.0, HOLD, 1), (11.0, HOLD, -1), (19.0, HOLD, -1), (27.0, HOLD, 1)]


@pytest.mark.parametrize("view, depth_seen", [("side", 1.0), ("side", 0.15), ("side-left", 1.0),
                                              ("side-left", 0.15), ("feet", 1.0)])
def test_reps_per_side_holds_and_range(view, depth_seen):
    """Each side counted in the person's own terms from either side of them and from the feet;
    from the side also when MediaPipe's depth shows a seventh of the knees' travel."""
    report, feedback = run(rotation_session(36.0, DROPS, view=view, depth_seen=depth_seen))
    assert sides(report) == ["left", "right", "right", "left"]
    for rep, (start, hold, _) in zip(report.reps, DROPS):
        assert rep.hold == pytest.approx(hold, abs=0.4)
        assert start < rep.start < start + 1.5 and rep.end < start + hold + 3.0 + 0.5
        assert rep.measured["range_deg"] == pytest.approx(50.0, abs=12.0)
        assert not rep.met and rep.hold_met is False  # 3 s against the prescribed 10
    assert report.count_by_side() == {"left": 2, "right": 2}
    counts = [fb.count for _, fb in feedback]
    assert counts == sorted(counts)
    assert feedback[-1][1].by_side == {"left": 2, "right": 2} and feedback[-1][1].target == 10


def test_holds_judged_against_the_prescription_and_the_rocking_variant():
    drops = [(3.0, 4.0, 1), (12.0, 1.5, -1)]
    report, _ = run(rotation_session(20.0, drops), make_prescription("trunk-rotation", hold=3))
    assert [r.met for r in report.reps] == [True, False]
    # Rocking: knees side to side with no hold, prescribed with hold 0: every rep meets it.
    rocking = [(3.0 + 3.0 * k, 0.0, 1 if k % 2 == 0 else -1) for k in range(6)]
    report, _ = run(rotation_session(24.0, rocking, ramp=1.2), make_prescription("trunk-rotation", hold=0))
    assert sides(report) == ["left", "right"] * 3
    assert report.good == 6


def test_live_cues_one_at_a_time():
    report, feedback = run(rotation_session(22.0, [(3.0, HOLD, 1), (12.0, HOLD, -1)]),
                           make_prescription("trunk-rotation", hold=2))
    cues = [fb.cue for _, fb in feedback]
    seen = list(dict.fromkeys(cues))  # first appearance order
    for cue in ("Lie still: knees bent and together", "Lower both knees to the left", "Hold...",
                "Hold... 1 of 2 s", "Good hold - back to the middle", "Now the right",
                "Lower both knees to the right"):
        assert cue in seen, (cue, seen)
    assert seen.index("Now the right") < seen.index("Lower both knees to the right")
    holding = [fb for t, fb in feedback if 6.0 < t < 7.0]
    assert all(fb.state == "holding" and fb.side == "left" and fb.hold_target == 2 for fb in holding)


# --- what is not a trunk rotation ------------------------------------------------------------

def test_pelvic_tilts_bridges_arm_raises_and_a_knee_sway_are_not_reps():
    report, _ = run(session(30.0, tilts=[(4.0, 3.0), (12.0, 3.0)], bridges=[(20.0, 3.0)]))
    assert report.count == 0
    report, _ = run(session(24.0, arm_raises=[(4.0, 3.0), (13.0, 4.0)], hand_push=1.5))
    assert report.count == 0
    sway = [(3.0 + 2.0 * k, 0.0, 1 if k % 2 == 0 else -1) for k in range(8)]
    report, _ = run(rotation_session(22.0, sway, drop_deg=10.0, ramp=0.9))
    assert report.count == 0


def test_standing_is_not_judged():
    report, feedback = run(standing_session(6.0))
    assert report.count == 0 and feedback[-1][1].cannot_judge == "not lying down"


# --- faults ------------------------------------------------------------------------------------

def fault_kinds(report) -> list[list[str]]:
    return [sorted({f.kind for f in r.faults}) for r in report.reps]


def test_the_far_shoulder_lifting_voids_the_rep():
    report, feedback = run(rotation_session(22.0, [(3.0, HOLD, 1), (12.0, HOLD, -1)],
                                            shoulder_lift=[(12.7, 16.3)]),
                           make_prescription("trunk-rotation", hold=2))
    assert sides(report) == ["left", "right"]
    assert fault_kinds(report) == [[], ["shoulder_lift"]]
    assert [r.met for r in report.reps] == [True, False]  # counted, not met
    (lift,) = [f for f in report.faults if f.kind == "shoulder_lift"]
    assert 12.5 < lift.start < 13.5 and 15.5 < lift.end < 16.6
    assert any(fb.cue == "Keep your shoulders down" for _, fb in feedback)


def test_feet_leaving_the_floor_and_the_feet_up_variant():
    report, feedback = run(rotation_session(22.0, [(3.0, HOLD, 1), (12.0, HOLD, -1)], feet_lift=[(3.8, 7.2)]))
    assert fault_kinds(report) == [["feet_off_floor"], []]
    assert [r.hold_met for r in report.reps] == [False, False] and report.reps[0].met is False  # the hold
    assert any(fb.cue == "Keep your feet on the floor" for _, fb in feedback)
    # Tabletop: the handouts' variant says the feet are off the floor all along (and counts on);
    # the feet-up variant prescribes it.
    frames = list(rotation_session(22.0, [(3.0, HOLD, 1), (12.0, HOLD, -1)], tabletop=True))
    report, _ = run(frames)
    assert sides(report) == ["left", "right"] and fault_kinds(report) == [["feet_off_floor"]] * 2
    report, _ = run(frames, make_prescription("trunk-rotation", hold=2, variant="feet-up"))
    assert sides(report) == ["left", "right"] and fault_kinds(report) == [[], []]
    assert [r.met for r in report.reps] == [True, True]


def test_knees_apart_seen_from_the_feet_end():
    report, _ = run(rotation_session(22.0, [(3.0, HOLD, 1), (12.0, HOLD, -1)], view="feet",
                                     knee_spread=[(12.5, 16.5)]))
    assert sides(report) == ["left", "right"] and fault_kinds(report) == [[], ["knees_apart"]]
    assert report.reps[1].met is False  # the hold is short anyway; knees apart only notes


def test_moving_too_fast_voids_the_rep():
    report, _ = run(rotation_session(14.0, [(3.0, 2.0, 1)], ramp=0.4), make_prescription("trunk-rotation", hold=1))
    assert fault_kinds(report) == [["moving_too_fast"]] and not report.reps[0].met
    assert report.reps[0].measured["fastest_way_s"] < 0.6
    report, _ = run(rotation_session(14.0, [(3.0, 2.0, 1)], ramp=1.2), make_prescription("trunk-rotation", hold=1))
    assert fault_kinds(report) == [[]] and report.reps[0].met


# --- sets, gaps ------------------------------------------------------------------------------------

def test_a_person_leaving_mid_hold_cuts_the_rep_and_the_next_is_counted():
    frames = rotation_session(30.0, [(3.0, 6.0, 1), (18.0, HOLD, -1)], present=lambda t: not 7.0 <= t < 9.0)
    report, _ = run(frames)
    assert sides(report) == ["left", "right"]
    assert report.reps[0].end <= 7.0 and report.reps[0].cut
    assert report.reps[1].start >= 18.0


# --- the command line ------------------------------------------------------------------------------

def test_variant_option_is_recorded_in_the_report(tmp_path: Path, capsys):
    from formcheck.recording import RecordingWriter
    from formcheck.session import Session

    rec = tmp_path / "r.landmarks.npz"
    with Session(TrunkRotationAnalyzer(), [RecordingWriter(rec, model_name="full", mediapipe_version="1.2.2")]) as s:
        for p in rotation_session(12.0, [(3.0, 2.0, 1)], tabletop=True):
            s.step(None, p)
    out = tmp_path / "out"
    assert main(["replay", str(rec), "--exercise", "trunk-rotation", "--variant", "feet-up", "--out", str(out)]) == 0
    ex = json.loads((out / "r.replay.report.json").read_text())["exercise"]
    assert ex["prescription"]["variant"] == "feet-up" and ex["count_by_side"] == {"left": 1}
    assert "1 reps (left 1)" in capsys.readouterr().out
    assert main(["replay", str(rec), "--exercise", "trunk-rotation", "--variant", "x", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["formcheck: --variant 'x' is not a variant of trunk-rotation; valid: feet-down, feet-up"]
    assert main(["replay", str(rec), "--variant", "feet-up", "--out", str(out)]) == 2
    assert "need --exercise" in capsys.readouterr().err


def test_no_person_frames_and_garbage_never_crash():
    frames = [PoseFrame.empty(i / 30, SIZE) for i in range(30)]
    frames += [film(1 + i / 30, rotation_points()) for i in range(30)]
    report, feedback = run(frames)
    assert report.count == 0 and feedback[0][1].cannot_judge == "no person in view"


# --- rendered clips with exact truth, and real clips (landmarks from the pose cache) -------------

REPO = Path(__file__).resolve().parents[1]
RENDERED = sorted([*(REPO / "tests" / "data" / "rendered").glob("*.truth.json"),
                   *(REPO / "samples").glob("*.truth.json")])
HOLD_TOLERANCE = 0.5  # the acceptance: each hold within 0.5 s


def report_of_clip(video: Path, prescription=None):
    """The trunk rotation report of a clip, its landmarks computed once and kept in the pose cache."""
    from formcheck.errors import UserError
    from formcheck.pipeline import analyze_poses
    from formcheck.pose_cache import PoseCache

    try:
        recording = PoseCache(model="full", log=lambda msg: None).landmarks(video)
    except UserError as exc:  # pragma: no cover - a checkout without the model bundle
        pytest.skip(f"pose model unavailable: {exc}")
    return analyze_poses(TrunkRotationAnalyzer(prescription), recording.poses())


@pytest.mark.parametrize("truth_path", RENDERED, ids=lambda p: p.name.split(".")[0])
def test_rendered_clips(truth_path):
    """Exact counts per side, each hold within 0.5 s, every far-shoulder lift flagged and only
    those, nothing on rest, pelvic tilt and bridge clips."""
    truth = json.loads(truth_path.read_text())
    if "trunk_rotation" not in truth.get("expected", {}):
        pytest.skip("no trunk rotation expectation in this clip's truth")
    report = report_of_clip(truth_path.parent / truth["clip"])
    excursions = (truth.get("trunk_rotation") or {}).get("excursions", [])
    assert report.count == truth["expected"]["trunk_rotation"]["count"], report.as_dict()
    assert sides(report) == [e["side"] for e in excursions]
    for rep, ex in zip(report.reps, excursions):
        assert rep.start < ex["end"] and rep.end > ex["start"], (rep, ex)
        assert rep.hold == pytest.approx(ex["hold"], abs=HOLD_TOLERANCE), (rep, ex)
        lifted = any(f.kind == "shoulder_lift" for f in rep.faults)
        assert lifted == ex.get("shoulder_lifted", False), (rep, ex)


REAL = {  # clip: (expected count, tolerance, per side)
    "bent_leg_twist": (9, 1, {"left": 5, "right": 4}),
    "pelvic_tilt_side": (0, 0, {}),
    "glute_bridge": (0, 0, {}),
    "supine_arm_raises": (0, 0, {}),
    "standing_squats": (0, 0, {}),
}


@pytest.mark.shared
@pytest.mark.parametrize("clip", sorted(REAL))
def test_real_clips(clip, shared_dir):
    """With the default prescription, as `formcheck eval` scores them: the feet-up twist counted
    per side (its feet off the floor reported, the count unaffected), nothing on the others."""
    report = report_of_clip(shared_dir / "media" / f"{clip}.mp4")
    expected, tol, per_side = REAL[clip]
    assert abs(report.count - expected) <= tol, report.as_dict()
    for side, n in per_side.items():
        assert abs(report.count_by_side().get(side, 0) - n) <= tol


def test_live_mirror_keeps_the_persons_own_sides(tmp_path: Path):
    """`formcheck live --mirror` shows a selfie view; the analyzer still sees the true pose, so
    the sides are the person's own (a rendered clip played as a camera)."""
    from formcheck import pipeline

    truth_path = REPO / "tests" / "data" / "rendered" / "ci_trunk_rotation_raised.truth.json"
    truth = json.loads(truth_path.read_text())
    shown = []

    class Window:  # the window shows what it is given and is never closed
        def show(self, image):
            shown.append(image.shape)

    outcome = pipeline.run_live(str(truth_path.parent / truth["clip"]), tmp_path, analyzer=TrunkRotationAnalyzer(),
                                mirror=True, display=Window())
    assert shown, "frames were shown"
    reps = outcome.report["exercise"]["reps"]
    assert [r["side"] for r in reps] == [e["side"] for e in truth["trunk_rotation"]["excursions"]]
