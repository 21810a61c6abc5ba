"""The scorecard end to end on synthetic recordings and a stand-in analyzer with known output.

The stand-in is not a pelvic tilt detector: it reports a rep for each stretch where landmark 0's
x is above 0.5 and a hips-off-floor fault where its y is above 0.5, so every number the scorecard
prints can be worked out by hand from the stream.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.analyzers.base import Analyzer, Fault, Feedback, Prescription, Rep, Report
from formcheck.errors import UserError
from formcheck.evaluate.labels import label_files
from formcheck.evaluate.scorecard import evaluate, reported_holds, run_analyzer
from formcheck.evaluate.tables import render
from formcheck.landmarks import PoseFrame
from formcheck.recording import RecordingWriter, read_recording

FPS = 10.0


class Stub(Analyzer):
    name = "pelvic_tilt"
    title = "Stub"
    default_prescription = Prescription(reps=2, hold=1.0)

    def __init__(self, prescription: Prescription | None = None) -> None:
        super().__init__(prescription)
        self.reps: list[Rep] = []
        self.faults: list[Fault] = []
        self._rep: float | None = None
        self._hip: float | None = None
        self._last = 0.0

    def update(self, pose: PoseFrame) -> Feedback:
        up = pose.detected and pose.landmarks[0, 0] > 0.5
        hip = pose.detected and pose.landmarks[0, 1] > 0.5
        if up and self._rep is None:
            self._rep = pose.t
        if not up and self._rep is not None:
            self._close_rep(self._last)
        if hip and self._hip is None:
            self._hip = pose.t
        if not hip and self._hip is not None:
            self.faults.append(Fault("hips_off_floor", self._hip, self._last))
            self._hip = None
        self._last = pose.t
        return Feedback(exercise=self.name, state="x", count=len(self.reps), target=2)

    def _close_rep(self, end: float) -> None:
        start = self._rep
        self.reps.append(Rep(index=len(self.reps) + 1, start=start, end=end, hold=end - start,
                             met=end - start >= self.prescription.hold))
        self._rep = None

    def finish(self) -> None:
        if self._rep is not None:
            self._close_rep(self._last)

    def report(self) -> Report:
        self.finish()
        return Report(exercise=self.name, prescription=self.prescription, reps=list(self.reps),
                      faults=list(self.faults))


def stream(duration: float, up: list[tuple[float, float]], hips: list[tuple[float, float]]) -> list[PoseFrame]:
    out = []
    for i in range(int(round(duration * FPS))):
        t = i / FPS
        lm = np.full((33, 5), 0.2, np.float32)
        lm[0, 0] = 0.9 if any(a <= t <= b for a, b in up) else 0.1
        lm[0, 1] = 0.9 if any(a <= t <= b for a, b in hips) else 0.1
        out.append(PoseFrame(t=t, image_size=(64, 48), landmarks=lm, world=lm.copy()))
    return out


@pytest.fixture()
def clips(tmp_path: Path) -> tuple[Path, dict[str, list[PoseFrame]]]:
    """A labels folder: one good label, one rendered truth, and four broken ones."""
    labels = tmp_path / "media" / "labels"
    labels.mkdir(parents=True)
    media = tmp_path / "media"
    streams = {
        # true holds 1.0-2.0 and 5.0-6.5; reported 1.0-2.0 (exact), 5.0-6.0 (0.5 short), 8.0-8.5 (extra)
        "a.mp4": stream(10.0, up=[(1.0, 2.0), (5.0, 6.0), (8.0, 8.5)], hips=[(3.0, 3.9)]),
        "r.mp4": stream(4.0, up=[(1.0, 2.0)], hips=[]),
    }
    for name in streams:
        (media / name).write_bytes(name.encode())
    (labels / "a.json").write_text(json.dumps({
        "clip": "a.mp4",
        "segments": [{"start": 0, "end": 4, "kind": "exercise"}, {"start": 4, "end": 10, "kind": "closeup"}],
        "pelvic_tilt": {"holds": [{"start": 1.0, "end": 2.0}, {"start": 5.0, "end": 6.5}]},
        "hips_off_floor": [{"start": 3.0, "end": 4.0}],
        "expected": {"pelvic_tilt": {"count": 2, "tolerance": 1}, "trunk_rotation": {"count": 0, "tolerance": 0},
                     "squats": {"count": 1, "tolerance": 0}},
    }))
    rendered = tmp_path / "rendered"
    rendered.mkdir()
    (rendered / "r.mp4").write_bytes(b"r")
    (rendered / "r.truth.json").write_text(json.dumps({
        "clip": "r.mp4", "hips_off_floor": [], "frames": 40,
        "pelvic_tilt": {"holds": [{"start": 1.0, "end": 2.0}]},
        "expected": {"pelvic_tilt": {"count": 1, "tolerance": 0}}, "keypoints": [[1, 2]],
    }))
    (labels / "broken.json").write_text('{"clip": "a.mp4", "expected": {"pelvic_tilt": {"count": 1,')
    (labels / "nocip.json").write_text(json.dumps({"clip": "gone.mp4", "expected": {"pelvic_tilt": {"count": 1}}}))
    (labels / "badfield.json").write_text(json.dumps({"clip": "a.mp4", "hips_off_floor": [{"start": 2, "end": 1}],
                                                      "expected": {"pelvic_tilt": {"count": 1}}}))
    (media / "corrupt.mp4").write_bytes(b"c")
    (labels / "corrupt.json").write_text(json.dumps({"clip": "corrupt.mp4", "expected": {"pelvic_tilt": {"count": 1}}}))
    return tmp_path, streams


def fake_cache(tmp: Path, streams: dict[str, list[PoseFrame]]):
    def landmarks_for(clip: Path):
        if clip.name not in streams:
            raise UserError(f"{clip}: cannot decode")
        path = tmp / f"{clip.name}.landmarks.npz"
        with RecordingWriter(path) as w:
            for p in streams[clip.name]:
                w.write(None, p, None)
        return read_recording(path)
    return landmarks_for


def test_scorecard_rows_summary_and_skipped(clips) -> None:
    root, streams = clips
    files = label_files(root / "media") + label_files(root / "rendered")
    card = evaluate(files, fake_cache(root, streams), registry={"pelvic_tilt": Stub})

    rows = {(r["clip"], r["analyzer"]): r for r in card.rows}
    a = rows[("a.mp4", "pelvic_tilt")]
    assert (a["expected_count"], a["reported_count"], a["tolerance"], a["pass"]) == (2, 3, 1, True)
    assert a["kind"] == "real" and a["off_by_one"] and not a["exact"]
    assert a["hold_summary"] == {"matched": 2, "unmatched_labelled": 0, "unmatched_reported": 1,
                                 "median_abs_error": 0.25, "worst_abs_error": 0.5,
                                 "met_compared": 2, "met_agree": 2}  # Stub's 1 s prescription
    assert [m["error"] for m in a["holds"]] == [0.0, -0.5, None]
    assert (a["events"]["labelled"], a["events"]["matched"], a["events"]["extra"]) == (2, 2, 1)
    # hips: truth frames 3.0..4.0 (11), reported 3.0..3.9 (10): tp 10, fn 1, fp 0
    assert (a["hips"]["tp"], a["hips"]["fp"], a["hips"]["fn"]) == (10, 0, 1)
    assert a["hips"]["precision"] == 1.0 and a["hips"]["recall"] == pytest.approx(10 / 11, abs=1e-4)
    assert [(s["labelled"], s["reported"]) for s in a["sets"]] == [(1, 1), (1, 2)]

    tr = rows[("a.mp4", "trunk_rotation")]
    assert tr["status"] == "not implemented" and tr["reported_count"] is None and tr["pass"] is None

    r = rows[("r.mp4", "pelvic_tilt")]
    assert "warnings" not in r  # 40 frames labelled, 40 decoded
    assert r["kind"] == "rendered" and r["pass"] and r["exact"]
    assert r["hips"]["f1"] is None and r["hips"]["agreement"] == 1.0

    skipped = {(Path(p.file).name, p.field) for p in card.skipped}
    assert skipped == {("a.json", "expected.squats"), ("broken.json", ""), ("nocip.json", "clip"),
                       ("badfield.json", "hips_off_floor[0]"), ("corrupt.json", "clip")}

    s = card.summary()
    real = s["pelvic_tilt"]["real"]
    # a.mp4 judged; missing clip, malformed hips, undecodable clip not (broken.json names none)
    assert real["judged"] == 1 and real["clips"] == 4
    assert real["exact_rate"] == 0.0 and real["off_by_one_rate"] == 1.0 and real["mae"] == 0.5
    assert real["not_judged"] == 3
    why = " ".join(real["not_judged_why"])
    assert "cannot decode" in why and "gone.mp4" in why and "hips_off_floor[0]" in why
    assert real["events"]["precision"] == pytest.approx(2 / 3, abs=1e-4) and real["events"]["recall"] == 1.0
    assert s["pelvic_tilt"]["rendered"]["exact_rate"] == 1.0
    assert s["trunk_rotation"]["status"] == "not implemented"
    assert s["trunk_rotation"]["real"]["status"] == "not implemented"
    assert "press_up" in s and "real" not in s["press_up"]
    # "not implemented" follows the registry the scorecard ran with, not a fixed list
    assert evaluate(files, fake_cache(root, streams), registry={}).summary()["pelvic_tilt"]["status"] == "not implemented"

    data = json.loads(json.dumps(card.as_dict(), allow_nan=False))
    for row in data["rows"]:
        for k in ("clip", "analyzer", "expected_count", "reported_count", "tolerance", "pass"):
            assert k in row
    assert not any(k.startswith("_") for row in data["rows"] for k in row)
    assert len(data["skipped"]) == 5
    assert [s["analyzer"] for s in data["skipped"] if s["file"].endswith("broken.json")] == [None]
    assert [Path(f).name for f in data["files_not_read"]] == ["broken.json"]


def test_tables_never_show_a_number_for_a_missing_analyzer(clips) -> None:
    root, streams = clips
    card = evaluate(label_files(root / "media") + label_files(root / "rendered"), fake_cache(root, streams),
                    registry={"pelvic_tilt": Stub})
    for md in (True, False):
        text = render(card, markdown=md)
        assert text.index("Real clips") < text.index("Rendered clips")
        tr_lines = [ln for ln in text.splitlines() if "trunk_rotation" in ln and "unknown analyzer" not in ln]
        assert tr_lines and all("not implemented" in ln for ln in tr_lines)
        assert "expected.squats" in text and "broken.json" in text
        assert "could not be read at all (see Not scored): broken.json." in text
    md = render(card, markdown=True)
    assert "| a.mp4 | pelvic_tilt | 2 ±1 | 3 | pass |" in md


def test_an_analyzer_that_raises_is_reported_not_fatal(clips) -> None:
    root, streams = clips

    class Broken(Stub):
        def update(self, pose: PoseFrame) -> Feedback:
            raise RuntimeError("boom")

    card = evaluate(label_files(root / "rendered"), fake_cache(root, streams), registry={"pelvic_tilt": Broken})
    [row] = card.rows
    assert row["status"] == "error" and "boom" in row["error"] and row["reported_count"] is None
    assert card.summary()["pelvic_tilt"]["rendered"]["not_judged"] == 1


def test_run_analyzer_drops_non_increasing_times_like_a_session() -> None:
    poses = stream(2.0, up=[(0.5, 1.0)], hips=[])
    report = run_analyzer(Stub, poses + poses[-3:])  # repeated tail times are skipped
    assert report.count == 1


def test_empty_clip_scores_without_crashing(tmp_path: Path) -> None:
    (tmp_path / "e.mp4").write_bytes(b"e")
    (tmp_path / "e.truth.json").write_text(json.dumps({
        "clip": "e.mp4", "pelvic_tilt": {"holds": [{"start": 0.0, "end": 1.0}]},
        "hips_off_floor": [{"start": 0.0, "end": 1.0}], "expected": {"pelvic_tilt": {"count": 1, "tolerance": 0}}}))
    card = evaluate([tmp_path / "e.truth.json"], fake_cache(tmp_path, {"e.mp4": []}), registry={"pelvic_tilt": Stub})
    [row] = card.rows
    assert row["reported_count"] == 0 and row["pass"] is False and row["frames"] == 0
    assert row["hold_summary"]["unmatched_labelled"] == 1 and row["hips"]["frames"] == 0
    render(card, markdown=True)


def test_a_clip_that_is_not_the_labelled_one_is_flagged(tmp_path: Path) -> None:
    (tmp_path / "e.mp4").write_bytes(b"e")
    (tmp_path / "e.truth.json").write_text(json.dumps({
        "clip": "e.mp4", "frames": 500, "expected": {"pelvic_tilt": {"count": 0, "tolerance": 0}}}))
    card = evaluate([tmp_path / "e.truth.json"], fake_cache(tmp_path, {"e.mp4": stream(4.0, [], [])}),
                    registry={"pelvic_tilt": Stub})
    [row] = card.rows
    assert "label says 500 frames but the clip gave 40" in row["warnings"][0]
    assert "label says 500 frames" in render(card, markdown=True).split("## Warnings")[1]


def test_a_voided_rep_held_long_enough_is_judged_on_its_hold() -> None:
    """"Long enough right" compares the hold's verdict: a press-up voided by its hips was still
    held long enough; an analyzer giving no separate hold verdict is judged on `met`."""
    voided = Rep(index=1, start=1.0, end=5.0, hold=2.5, met=False, hold_met=True)
    short = Rep(index=2, start=6.0, end=9.0, hold=1.0, met=False, hold_met=False)
    plain = Rep(index=3, start=10.0, end=13.0, hold=2.0, met=True)
    report = Report("press_up", Prescription(reps=3, hold=2.0), reps=[voided, short, plain])
    assert [h.met for h in reported_holds(report)] == [True, False, True]


def test_fault_intervals_a_truth_lists_are_scored_frame_by_frame(tmp_path: Path) -> None:
    """`<analyzer>.faults.<kind>` intervals (rendered trunk rotations) are scored against the
    reported faults of that kind, per clip and pooled, and shown in both tables."""

    class FaultStub(Stub):  # the Stub's hip fault, named as a trunk rotation fault
        name = "trunk_rotation"

        def report(self) -> Report:
            r = super().report()
            r.faults = [Fault("shoulder_lift", f.start, f.end) for f in r.faults]
            return r

    (tmp_path / "f.mp4").write_bytes(b"f")
    (tmp_path / "f.truth.json").write_text(json.dumps({
        "clip": "f.mp4", "hips_off_floor": [],
        "trunk_rotation": {"excursions": [{"start": 1.0, "end": 2.0, "side": "left"}],
                           "faults": {"shoulder_lift": [{"start": 3.0, "end": 4.0}], "knees_apart": []}},
        "expected": {"trunk_rotation": {"count": 1, "tolerance": 0}},
    }))
    streams = {"f.mp4": stream(6.0, up=[(1.0, 2.0)], hips=[(3.0, 3.9)])}
    card = evaluate(label_files(tmp_path), fake_cache(tmp_path, streams), registry={"trunk_rotation": FaultStub})
    (row,) = card.rows
    lift = row["faults"]["shoulder_lift"]
    assert (lift["tp"], lift["fp"], lift["fn"]) == (10, 0, 1) and lift["labelled_intervals"] == 1
    assert row["faults"]["knees_apart"]["f1"] is None  # nothing to find, nothing found
    pooled = card.summary()["trunk_rotation"]["rendered"]["faults"]
    assert pooled["shoulder_lift"]["recall"] == pytest.approx(10 / 11, abs=1e-4)
    text = render(card, markdown=True)
    assert "shoulder lift F1 0.95 (P 1.00 R 0.91) |" in text and "knees apart F1" not in text
