"""The session page (NAME.report.html) and `formcheck report`: made from the JSON alone.

The rendered samples are analysed (once with the pose model and the annotated video; the others
replayed from the pose cache) and their pages checked against their JSON: every number in the
rep and fault tables, the plots, a still per rep, nothing external. Reports built in the tests
cover what the samples cannot yet: sides, voided reps, exercises and faults the code has not
seen, several exercises in one session, an old schema, pose only. Bad input gets one line.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.analyzers.base import Fault, Interval, Prescription, Report, Rep
from formcheck.analyzers.reasons import WRONG_VIEW
from formcheck.analyzers.registry import EXERCISES, Measure
from formcheck.analyzers.timeline import Timeline
from formcheck.cli import main
from formcheck.report import REPORT_SCHEMA_VERSION, check_report
from formcheck.report.session_page import render_session
from report_helpers import SAMPLES, external_urls, looks_drawn, parse, replay, sample_recording, screenshot


def run_cli(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("formcheck: ") and "Traceback" not in err, err
    return lines[0]


def self_contained(html: str) -> None:
    assert not external_urls(html), external_urls(html)[:3]
    assert "<script" not in html.lower() and "@import" not in html and "@font-face" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def check_rep_table(page, ex: dict, n: int = 0) -> None:
    """Every number of the rep table is the JSON's, in order."""
    rows = page.tables["reps"][n]
    assert len(rows) == len(ex["reps"])
    col = {h: i for i, h in enumerate(page.headers["reps"][n])}
    for row, rep in zip(rows, ex["reps"]):
        assert row[col["Rep"]].value == rep["index"]
        assert row[col["Set"]].value == rep["set_index"] + 1
        assert row[col["Start (s)"]].value == rep["start"] and row[col["Start (s)"]].text == f"{rep['start']:.1f}"
        assert row[col["End (s)"]].value == rep["end"]
        if rep["hold"] is None:
            assert row[col["Hold (s)"]].value is None
        else:
            assert row[col["Hold (s)"]].value == rep["hold"] and row[col["Hold (s)"]].text == f"{rep['hold']:.1f}"
        assert row[col["Met"]].text.startswith("yes" if rep["met"] else "no")


def decode_still(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/jpeg;base64,")
    image = cv2.imdecode(np.frombuffer(base64.b64decode(uri.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[1] == 360 and image.std() > 10  # a picture, not a blank
    return image


# --- the rendered samples ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory) -> Path:
    """`formcheck analyze` of the pelvic tilt sample, with its video and landmarks."""
    out = tmp_path_factory.mktemp("analyzed")
    assert main(["analyze", str(SAMPLES / "pelvic_tilt_side.mp4"), "--exercise", "pelvic-tilt",
                 "--save-landmarks", "--out", str(out)]) == 0
    return out


def test_analyze_writes_the_page_beside_the_json_with_the_same_numbers(analyzed):
    report = json.loads((analyzed / "pelvic_tilt_side.report.json").read_text())
    page_path = analyzed / "pelvic_tilt_side.report.html"
    assert report["outputs"]["report_html"] == str(page_path) and page_path.is_file()
    assert report["schema_version"] == REPORT_SCHEMA_VERSION == 2
    ex = report["exercise"]
    truth = json.loads((SAMPLES / "pelvic_tilt_side.truth.json").read_text())
    assert ex["count"] == truth["expected"]["pelvic_tilt"]["count"] == 3
    html = page_path.read_text()
    self_contained(html)
    page = parse(html)
    check_rep_table(page, ex)
    ranges = page.column("reps", "Range (full reps)")
    assert [c.value for c in ranges] == [r["measured"]["peak_score"] for r in ex["reps"]]
    assert [c.text for c in page.column("reps", "Met")] == ["yes", "no: hold too short", "yes"]
    assert page.svgs == 3  # holds, range of motion, timeline
    assert html.count('class="plot"') == 3
    assert len(page.images) == 3  # a still per rep, from the annotated video
    for uri in page.images:
        decode_still(uri)
    assert sum(len(u) for u in page.images) < 3 * 60_000  # small
    text = " ".join(page.text)
    for words in ("Prescription", "10 reps, hold 3-5 s", "3 of 10", "Holds long enough", "2 of 3",
                  "Range of motion", "not a diagnosis", "Capture quality", "100.0 %", "960 \u00d7 540"):
        assert words in text, words
    assert "with the skeleton as formcheck saw it" in text


def test_report_renders_again_from_a_copied_folder(analyzed, tmp_path, capsys):
    """On a USB stick the report's paths are gone: the video is found beside the JSON."""
    stick = tmp_path / "stick"
    stick.mkdir()
    report = json.loads((analyzed / "pelvic_tilt_side.report.json").read_text())
    report["outputs"] = {k: f"/no/such/folder/{Path(v).name}" for k, v in report["outputs"].items()}
    report["input"]["path"] = "/no/such/folder/pelvic_tilt_side.mp4"
    (stick / "pelvic_tilt_side.report.json").write_text(json.dumps(report))
    shutil.copy(analyzed / "pelvic_tilt_side.annotated.mp4", stick)
    code, out, err = run_cli(capsys, "report", stick / "pelvic_tilt_side.report.json")
    assert code == 0, err
    page_path = stick / "pelvic_tilt_side.report.html"
    assert str(page_path) in out
    again = parse(page_path.read_text())
    first = parse((analyzed / "pelvic_tilt_side.report.html").read_text())
    assert [[c.value for c in row] for row in again.tables["reps"][0]] == \
        [[c.value for c in row] for row in first.tables["reps"][0]]
    assert len(again.images) == 3
    # Without the video anywhere, the page still renders and says why there are no stills.
    (stick / "pelvic_tilt_side.annotated.mp4").unlink()
    assert run_cli(capsys, "report", stick / "pelvic_tilt_side.report.json", "--out", tmp_path / "x.html")[0] == 0
    bare = (tmp_path / "x.html").read_text()
    assert not parse(bare).images and "No stills: the video is not where the report says" in bare


def test_stills_of_a_session_whose_clock_does_not_start_at_zero(analyzed, tmp_path):
    """A camera's times start where its clock was; formcheck's annotated video starts at 0."""
    from formcheck.report.session_page import write_session_page

    report = json.loads((analyzed / "pelvic_tilt_side.report.json").read_text())
    fr = report["frames"]
    fr["first_t"], fr["last_t"] = fr["first_t"] + 5.0, fr["last_t"] + 5.0
    for rep in report["exercise"]["reps"]:
        rep["start"] += 5.0
        rep["end"] += 5.0
        rep["measured"]["hold_start"] += 5.0
        rep["measured"]["hold_end"] += 5.0
    shifted = tmp_path / "shifted.report.json"
    shifted.write_text(json.dumps(report))
    page = parse(write_session_page(shifted).read_text())
    assert page.images == parse((analyzed / "pelvic_tilt_side.report.html").read_text()).images


def test_replayed_bridge_sample_shows_the_fault_and_skeleton_stills(tmp_path):
    rec = sample_recording("pelvic_tilt_bridge_side", tmp_path)
    report = replay(rec, tmp_path / "out")
    ex = report["exercise"]
    truth = json.loads((SAMPLES / "pelvic_tilt_bridge_side.truth.json").read_text())
    assert ex["count"] == truth["expected"]["pelvic_tilt"]["count"] == 2
    html = (tmp_path / "out" / "pelvic_tilt_bridge_side.replay.report.html").read_text()
    self_contained(html)
    page = parse(html)
    check_rep_table(page, ex)
    faults = page.tables["faults"][0]
    assert len(faults) == len(ex["faults"]) == len(truth["hips_off_floor"]) == 1
    assert faults[0][0].text == "hips off the floor (a bridge, not a tilt)"
    assert [c.value for c in faults[0][1:]] == [ex["faults"][0]["start"], ex["faults"][0]["end"],
                                               ex["faults"][0]["duration"]]
    text = " ".join(page.text)
    assert ("movements that were another exercise" in text) == bool(ex["not_counted"])
    # No annotated video: the stills are the recorded source's frames, skeleton drawn from the
    # landmarks.
    assert "the skeleton drawn from pelvic_tilt_bridge_side.landmarks.npz" in text
    assert len(page.images) == 2
    for uri in page.images:
        decode_still(uri)


def test_the_page_opens_in_a_real_browser_without_errors(analyzed, tmp_path):
    looks_drawn(screenshot(analyzed / "pelvic_tilt_side.report.html", tmp_path / "session.png", height=2600))


# --- reports built here: what the samples cannot show yet --------------------------------------


def built(*exercises: Report, **changes: object) -> dict:
    """A report dict as `_finish` writes it (read back from JSON), holding `exercises`."""
    from formcheck.frames import SourceInfo
    from formcheck.report import build_report
    from formcheck.session import SessionResult

    source = SourceInfo(kind="file", name="clip.mp4", width=640, height=360, fps=30.0, duration=30.0,
                        frame_count=900)
    result = SessionResult(frames=900, detected=870, first_t=0.0, last_t=29.967,
                           report=exercises[0] if len(exercises) == 1 else None)
    report = json.loads(json.dumps(build_report(source=source, model=None, result=result, outputs={})))
    if len(exercises) > 1:
        report["exercise"] = None
        report["exercises"] = [json.loads(json.dumps(e.as_dict())) for e in exercises]
    report.update(changes)
    return check_report(report, "built")


def sided_timeline() -> Timeline:
    tl = Timeline()
    for i in range(300):
        t = i / 10
        left, right = 3.0 <= t <= 13.4, 17.0 <= t <= 24.9
        tl.add(t, 1.05 if left or right else (float("nan") if t > 27 else 0.02),
               "holding" if left or right else ("cannot judge" if t > 27 else "neutral"),
               "left" if t < 15 else "right")
    return tl


def trunk_rotation() -> Report:
    spec = EXERCISES["trunk_rotation"]
    m = lambda a, b, peak: {"hold_start": a, "hold_end": b, "peak_score": peak}  # noqa: E731
    shoulder = Fault("shoulder_lift", 18.0, 19.5, "far shoulder lifted")  # a fault not yet registered
    return Report(
        exercise="trunk_rotation", prescription=spec.prescription,
        reps=[Rep(1, 2.0, 14.5, side="left", hold=10.4, met=True, hold_met=True, measured=m(3.0, 13.4, 1.05)),
              Rep(2, 16.0, 26.0, side="right", hold=7.9, met=False, hold_met=False, measured=m(17.0, 24.9, 1.0)),
              Rep(3, 16.0, 26.0, set_index=1, side="right", hold=11.0, met=False, hold_met=True,
                  measured=m(17.0, 24.9, 0.9), faults=[shoulder])],
        faults=[shoulder], cannot_judge=[Interval(27.0, 29.0, WRONG_VIEW)],
        sets=[Interval(0.0, 15.0), Interval(15.5, 29.967)], timeline=sided_timeline())


def press_up() -> Report:
    hips = Fault("hips_off_floor", 9.0, 10.5, "hips off the floor")
    return Report(
        exercise="press_up", prescription=Prescription(10, 2.0, 5.0),
        reps=[Rep(1, 1.0, 5.0, hold=2.4, met=True, hold_met=True,
                  measured={"hold_start": 2.0, "hold_end": 4.4, "peak_score": 1.0, "top_elbow_deg": 172.5}),
              Rep(2, 7.0, 12.0, hold=2.6, met=False, hold_met=True,
                  measured={"hold_start": 8.5, "hold_end": 11.1, "peak_score": 1.1, "top_elbow_deg": 168.0},
                  faults=[hips])],
        faults=[hips], sets=[Interval(0.0, 29.967)])


def test_sides_are_counted_and_shown_per_side():
    html = render_session(built(trunk_rotation()))
    self_contained(html)
    page = parse(html)
    ex = built(trunk_rotation())["exercise"]
    check_rep_table(page, ex)
    assert [c.text for c in page.column("reps", "Side")] == ["left", "right", "right"]
    assert [c.text for c in page.column("reps", "Met")] == ["yes", "no: hold too short", "no: far shoulder lifted"]
    assert [row[0] for row in page.tables["reps"][0]] and [c.value for c in page.column("reps", "Set")] == [1, 1, 2]
    text = " ".join(page.text)
    assert "3 of 20" in text and "Left 1 of 10 \u00b7 Right 2 of 10" in text and "10 reps a side, hold 10-15 s" in text
    assert "Left 1 \u00b7 Right 0 met" in text
    wrong = [row for row in page.tables["not-judged"][0] if row[1].text == WRONG_VIEW]
    assert wrong and wrong[0][2].value == pytest.approx(2.0)
    assert "left up, right down" in html  # the signal is signed by side
    assert page.svgs == 3


def test_a_voided_rep_is_counted_not_met_with_its_fault():
    page = parse(render_session(built(press_up())))
    assert [c.text for c in page.column("reps", "Met")] == ["yes", "no: hips off the floor"]
    assert [c.text for c in page.column("reps", "Faults")] == ["\u2013", "hips off the floor"]
    rows = page.tables["reps"][0]
    text = " ".join(page.text)
    assert "2 of 10" in text and "0 hold too short" in text and "1 with a fault" in text and len(rows) == 2
    assert "Range (full reps)" in page.headers["reps"][0]  # no range declared: the peak score


def test_the_range_of_motion_the_registry_names_is_the_one_shown(monkeypatch):
    spec = dataclasses.replace(EXERCISES["press_up"], range_of_motion=Measure("top_elbow_deg", "elbow at the top", "deg"))
    monkeypatch.setitem(EXERCISES, "press_up", spec)
    page = parse(render_session(built(press_up())))
    assert [c.value for c in page.column("reps", "Range (deg)")] == [172.5, 168.0]
    assert "elbow at the top" in " ".join(page.text)


def test_an_exercise_and_fault_never_seen_still_read_sensibly():
    sag = Fault("hips_sag", 4.0, 6.0)
    plank = Report(exercise="side_plank", prescription=Prescription(3, 0.0),
                   reps=[Rep(1, 1.0, 8.0, met=False, faults=[sag]), Rep(2, 10.0, 15.0)], faults=[sag])
    page = parse(render_session(built(plank)))
    text = " ".join(page.text)
    assert "Side plank: session report" in text and "3 reps, no hold" in text
    assert "No hold is prescribed" in text
    assert [c.text for c in page.column("reps", "Met")] == ["no: hips sag", "yes"]
    assert not any(h.startswith("Range") for h in page.headers["reps"][0])
    assert page.tables["faults"][0][0][0].text == "hips sag"
    assert page.svgs == 1  # the timeline only: no hold, no range reported


def test_several_exercises_are_sections_in_order():
    page = parse(render_session(built(press_up(), trunk_rotation())))
    assert page.sections == ["press_up", "trunk_rotation"]
    assert len(page.tables["reps"]) == 2 and [len(t) for t in page.tables["reps"]] == [2, 3]
    text = " ".join(page.text)
    assert "1. Press-up" in text and "2. Lower trunk rotation" in text
    assert "Press-up + Lower trunk rotation: session report" in text


def test_an_old_report_without_a_timeline_and_a_pose_only_one_render():
    old = built(trunk_rotation())
    old["schema_version"] = 1
    del old["exercise"]["timeline"]
    html = render_session(check_report(old, "old"))
    assert "this report holds no signal (reports written before schema 2 hold none)" in html
    check_rep_table(parse(html), old["exercise"])
    pose_only = parse(render_session(built(exercise=None)))
    assert "No exercise was chosen" in " ".join(pose_only.text) and not pose_only.sections
    partial = " ".join(parse(render_session(built(press_up(), partial=True, ended_reason="interrupted"))).text)
    assert "This session is partial (interrupted)" in partial


def test_a_page_of_several_exercises_with_sides_opens_in_a_real_browser(tmp_path):
    page = tmp_path / "routine.report.html"
    page.write_text(render_session(built(press_up(), trunk_rotation())))
    looks_drawn(screenshot(page, tmp_path / "routine.png", height=3600))


def test_live_and_a_camera_that_stops_write_the_page_too(tmp_path):
    from formcheck import pipeline, sources
    from test_pipeline import _UnpluggedCapture

    def fake_open_source(spec, paced=False, **kw):
        return sources.Camera(0, capture_factory=lambda *_: _UnpluggedCapture(), **kw)

    mp = pytest.MonkeyPatch()
    mp.setattr(sources, "open_source", fake_open_source)
    try:
        outcome = pipeline.run_live("0", tmp_path, stale_timeout=1.0)
    finally:
        mp.undo()
    page = outcome.outputs["report_html"]
    assert page.is_file() and page.name.endswith(".report.html")
    assert "Capture quality" in page.read_text()


# --- bad input: one line ----------------------------------------------------------------------


@pytest.mark.parametrize("content, says", [
    ((SAMPLES / "pelvic_tilt_side.truth.json").read_text(), "is not a formcheck report (no formcheck_version"),
    ("{not json", "is not a formcheck report (not JSON: "),
    ("[1, 2]", "is not a formcheck report (its JSON is not an object)"),
    (json.dumps({"schema_version": 99, "formcheck_version": "9.0", "frames": {}, "input": {}}),
     "is a formcheck report of schema 99, newer than this formcheck reads (2): update formcheck"),
    (json.dumps({"schema_version": 2, "formcheck_version": "0.1", "frames": {}, "input": {},
                 "exercise": {"exercise": "pelvic_tilt"}}), "lacks its name, prescription or reps"),
])
def test_bad_reports_get_one_line(tmp_path, capsys, content, says):
    path = tmp_path / "x.report.json"
    path.write_text(content)
    code, _, err = run_cli(capsys, "report", path)
    assert code == 2 and says in one_line(err)
    assert not (tmp_path / "x.report.html").exists()


def test_missing_report_and_unwritable_page(tmp_path, capsys):
    code, _, err = run_cli(capsys, "report", tmp_path / "none.report.json")
    assert code == 2 and "report not found" in one_line(err)
    path = tmp_path / "x.report.json"
    path.write_text(json.dumps(built(press_up())))
    (tmp_path / "file").write_text("")
    code, _, err = run_cli(capsys, "report", path, "--out", tmp_path / "file" / "x.html")
    assert code == 2 and "cannot write" in one_line(err)


def test_a_hold_cut_by_the_end_of_its_set_reads_at_least():
    cut = Report(exercise="pelvic_tilt", prescription=Prescription(10, 3.0, 5.0),
                 reps=[Rep(1, 14.4, 17.6, hold=2.1, met=False, hold_met=False, cut=True,
                           measured={"hold_start": 15.0, "hold_end": 17.1, "peak_score": 1.0})],
                 sets=[Interval(0.0, 17.6)])
    page = parse(render_session(built(cut)))
    hold = page.column("reps", "Hold (s)")[0]
    assert hold.text.startswith("\u2265") and hold.value == pytest.approx(2.1)
