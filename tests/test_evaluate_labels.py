"""Label and truth files: what is read, and a clear error naming the file and field otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.errors import UserError
from formcheck.evaluate.labels import LabelError, default_folders, find_clip, label_files, load_label

GOOD = {
    "clip": "tilt.mp4",
    "segments": [{"start": 0.0, "end": 5.0, "kind": "exercise", "view": "side"},
                 {"start": 5.0, "end": 9.0, "kind": "closeup", "view": "side"}],
    "pelvic_tilt": {"holds": [{"start": 1.0, "end": 2.5, "confidence": "high"}, {"start": 6.0, "end": 8.0}]},
    "trunk_rotation": {"excursions": [{"start": 1.0, "end": 2.0, "side": "left", "peak": 1.5}]},
    "hips_off_floor": [{"start": 3.0, "end": 3.5}],
    "expected": {"pelvic_tilt": {"count": 2, "tolerance": 1, "why": "two holds"},
                 "trunk_rotation": {"count": 0, "tolerance": 0}},
}


def put(folder: Path, name: str, data: object, clip: str | None = "tilt.mp4") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(data if isinstance(data, str) else json.dumps(data))
    if clip:
        (folder / clip).write_bytes(b"not really a video")
    return p


def test_good_label(tmp_path: Path) -> None:
    truth = load_label(put(tmp_path, "tilt.json", GOOD))
    assert truth.kind == "real" and truth.clip_path == tmp_path / "tilt.mp4"
    assert set(truth.expected) == {"pelvic_tilt", "trunk_rotation"}
    e = truth.expected["pelvic_tilt"]
    assert (e.count, e.tolerance, e.why) == (2, 1, "two holds")
    assert [(h.start, h.end) for h in truth.holds["pelvic_tilt"]] == [(1.0, 2.5), (6.0, 8.0)]
    assert truth.holds["pelvic_tilt"][0].confidence == "high"
    assert truth.events["trunk_rotation"][0].side == "left"
    assert [(s.start, s.end) for s in truth.hips_off_floor] == [(3.0, 3.5)]
    assert [s.kind for s in truth.segments] == ["exercise", "closeup"]
    assert truth.problems == []


def test_clip_in_the_folder_above_and_truth_kind(tmp_path: Path) -> None:
    (tmp_path / "tilt.mp4").write_bytes(b"x")
    label = put(tmp_path / "labels", "tilt.json", GOOD, clip=None)
    assert load_label(label).clip_path == tmp_path / "tilt.mp4"
    truth = load_label(put(tmp_path / "r", "tilt.truth.json", GOOD))
    assert truth.kind == "rendered"
    assert find_clip(label, "nope.mp4") is None


def test_missing_clip_names_file_and_field(tmp_path: Path) -> None:
    p = put(tmp_path, "gone.json", {**GOOD, "clip": "gone.mp4"}, clip=None)
    with pytest.raises(LabelError) as exc:
        load_label(p)
    msg = str(exc.value)
    assert str(p) in msg and "clip" in msg and "gone.mp4" in msg and "\n" not in msg
    assert isinstance(exc.value, UserError)


@pytest.mark.parametrize(
    ("data", "fld"),
    [
        ("{not json", ""),
        ([1, 2], ""),
        ({"clip": 3, "expected": {"pelvic_tilt": {"count": 1}}}, "clip"),
        ({"clip": "tilt.mp4"}, "expected"),
        ({"clip": "tilt.mp4", "expected": {}}, "expected"),
        ({**GOOD, "hips_off_floor": [{"start": 1.0, "end": 2.0}, {"start": 3.0, "end": 2.0}]}, "hips_off_floor[1]"),
        ({**GOOD, "hips_off_floor": {"start": 1}}, "hips_off_floor"),
        ({**GOOD, "pelvic_tilt": {"holds": [{"start": "a", "end": 2}]}}, "pelvic_tilt.holds[0]"),
        ({**GOOD, "pelvic_tilt": [1]}, "pelvic_tilt"),
        ({**GOOD, "segments": [{"start": 0, "end": 1}]}, "segments[0].kind"),
    ],
)
def test_malformed_label_names_file_and_field(tmp_path: Path, data: object, fld: str) -> None:
    p = put(tmp_path, "bad.json", data)
    with pytest.raises(LabelError) as exc:
        load_label(p)
    assert exc.value.field == fld
    msg = str(exc.value)
    assert msg.startswith(f"{p}: ") and "\n" not in msg
    if fld:
        assert f": {fld}: " in msg


def test_not_a_label_file(tmp_path: Path) -> None:
    p = put(tmp_path, "manifest.json", {"clips": ["a.mp4"]})
    with pytest.raises(LabelError, match="not a label file"):
        load_label(p)


def test_unknown_analyzer_is_a_problem_and_the_rest_is_kept(tmp_path: Path) -> None:
    data = {**GOOD, "expected": {**GOOD["expected"], "squats": {"count": 3, "tolerance": 0}}}
    truth = load_label(put(tmp_path, "x.json", data))
    assert set(truth.expected) == {"pelvic_tilt", "trunk_rotation"}
    [p] = truth.problems
    assert p.field == "expected.squats" and "unknown analyzer" in p.message and p.analyzer == "squats"
    assert str(p).startswith(f"{tmp_path / 'x.json'}: expected.squats: ")


def test_bad_expected_entry_only_drops_that_analyzer(tmp_path: Path) -> None:
    data = {**GOOD, "expected": {"pelvic-tilt": {"count": -1, "tolerance": 0},
                                 "trunk_rotation": {"count": 0, "tolerance": True},
                                 "press_up": {"count": 2, "tolerance": 1}}}
    truth = load_label(put(tmp_path, "x.json", data))
    assert set(truth.expected) == {"press_up"}
    assert sorted(p.field for p in truth.problems) == ["expected.pelvic-tilt.count", "expected.trunk_rotation.tolerance"]
    assert {p.analyzer for p in truth.problems} == {"pelvic_tilt", "trunk_rotation"}


def test_label_files_and_default_folders(tmp_path: Path) -> None:
    put(tmp_path, "a.truth.json", GOOD)
    put(tmp_path / "labels", "b.json", GOOD)
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in label_files(tmp_path)] == ["a.truth.json", "b.json"]
    assert label_files(tmp_path / "a.truth.json") == [tmp_path / "a.truth.json"]
    with pytest.raises(UserError, match="does not exist"):
        label_files(tmp_path / "missing")
    root = tmp_path / "repo"
    (root / "samples").mkdir(parents=True)
    (tmp_path / "shared" / "media" / "labels").mkdir(parents=True)
    assert default_folders(root) == [tmp_path / "shared" / "media" / "labels", root / "samples"]


@pytest.mark.shared
def test_the_shared_labels_all_load(shared_dir: Path) -> None:
    files = label_files(shared_dir / "media" / "labels")
    assert len(files) >= 8
    for f in files:
        truth = load_label(f)
        assert truth.problems == [] and truth.clip_path.parent == shared_dir / "media"


def test_rendered_holds_and_zero_count_holds(tmp_path: Path) -> None:
    data = {
        "clip": "tilt.mp4",
        "trunk_rotation": {"excursions": [{"start": 1.0, "end": 5.0, "side": "left", "hold": 2.0},
                                          {"start": 6.0, "end": 9.0, "side": "right", "hold": 1.5}]},
        "press_up": {"reps": [{"start": 1.0, "top": 2.0, "end": 4.0}]},  # no hold given: not scored
        "expected": {"trunk_rotation": {"count": 2, "tolerance": 0}, "press_up": {"count": 1, "tolerance": 0},
                     "pelvic_tilt": {"count": 0, "tolerance": 0}},
    }
    truth = load_label(put(tmp_path, "r.truth.json", data))
    assert [h.hold for h in truth.holds["trunk_rotation"]] == [2.0, 1.5]
    assert "press_up" not in truth.holds
    assert truth.holds["pelvic_tilt"] == []  # 0 reps expected: any reported hold is an extra
    bad = {**data, "trunk_rotation": {"excursions": [{"start": 1.0, "end": 5.0, "hold": -1}]}}
    with pytest.raises(LabelError) as exc:
        load_label(put(tmp_path, "b.truth.json", bad))
    assert exc.value.field == "trunk_rotation.excursions[0].hold"
