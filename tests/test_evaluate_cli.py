"""`formcheck eval` as a user runs it: on a folder of labels, and on ../shared/media."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import formcheck.pose
from formcheck.analyzers import ANALYZERS, KNOWN_EXERCISES
from formcheck.cli import main
from formcheck.landmarks import PoseFrame


class NobodyEstimator:
    """The pose model's stand-in for the CLI plumbing test: nobody in any frame."""

    def __init__(self, model: str = "full") -> None:
        self.model_name, self.model_sha256 = model, "0" * 64

    def __enter__(self) -> "NobodyEstimator":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def process(self, frame) -> PoseFrame:  # noqa: ANN001
        return PoseFrame.empty(frame.t, frame.size)


def test_eval_cli_on_a_labels_folder(tmp_path: Path, make_video, monkeypatch, capsys) -> None:
    monkeypatch.setattr(formcheck.pose, "PoseEstimator", NobodyEstimator)
    clip = make_video("c.mp4", n_frames=20, size=(64, 48), fps=10)
    labels = tmp_path / "labels"
    labels.mkdir()
    clip.rename(tmp_path / "c.mp4")
    (labels / "c.json").write_text(json.dumps({
        "clip": "c.mp4", "hips_off_floor": [{"start": 0.5, "end": 1.0}],
        "pelvic_tilt": {"holds": [{"start": 0.2, "end": 0.8}]},
        "expected": {"pelvic_tilt": {"count": 1, "tolerance": 0}, "press_up": {"count": 2, "tolerance": 1},
                     "jumping_jacks": {"count": 1, "tolerance": 0}},
    }))
    (labels / "bad.json").write_text("{")
    out = tmp_path / "card.json"
    cache = tmp_path / "cache"
    rc = main(["eval", str(tmp_path), "--json", str(out), "--cache-dir", str(cache), "--markdown"])
    assert rc == 0
    md = capsys.readouterr().out
    assert md.startswith("# formcheck accuracy scorecard")
    data = json.loads(out.read_text())
    rows = {r["analyzer"]: r for r in data["rows"]}
    assert rows["pelvic_tilt"]["reported_count"] == 0 and rows["pelvic_tilt"]["pass"] is False
    assert rows["pelvic_tilt"]["hold_summary"]["unmatched_labelled"] == 1
    if "press_up" not in ANALYZERS:
        assert rows["press_up"]["reported_count"] is None and "| c.mp4 | press_up | 2 ±1 | not implemented |" in md
    assert {Path(s["file"]).name for s in data["skipped"]} == {"c.json", "bad.json"}
    assert data["summary"]["pelvic_tilt"]["real"]["judged"] == 1
    assert len(list(cache.iterdir())) == 1
    # Second run: a cache hit, same rows.
    assert main(["eval", str(tmp_path), "--json", str(out), "--cache-dir", str(cache)]) == 0
    assert "1 hits, 0 computed" in capsys.readouterr().err
    assert json.loads(out.read_text())["rows"] == data["rows"]


def test_eval_cli_errors(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["eval", str(tmp_path / "empty")]) == 2
    assert "no label files" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty" / "x.json").write_text("{}")
    assert main(["eval", str(tmp_path / "empty"), "--json", str(tmp_path / "no" / "x.json")]) == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and err.count("\n") == 1


@pytest.mark.shared
def test_eval_over_the_shared_clips(shared_dir: Path, tmp_path: Path, capsys) -> None:
    """The real scorecard: every label of ../shared/media scored, nothing skipped.

    Uses the user's pose cache (or $FORMCHECK_CACHE_DIR): in CI it starts empty and the pose pass
    over all clips takes a few minutes; locally it is a hit and takes seconds.
    """
    labels = sorted((shared_dir / "media" / "labels").glob("*.json"))
    out = tmp_path / "card.json"
    assert main(["eval", str(shared_dir / "media"), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["skipped"] == []
    expected_rows = {(json.loads(p.read_text())["clip"], a) for p in labels for a in json.loads(p.read_text())["expected"]}
    assert {(r["clip"], r["analyzer"]) for r in data["rows"]} == expected_rows
    for r in data["rows"]:
        assert r["kind"] == "real"
        if r["analyzer"] in ANALYZERS:
            assert r["status"] == "ok" and isinstance(r["reported_count"], int) and isinstance(r["pass"], bool)
            assert r["frames"] > 0
        else:
            assert r["status"] == "not implemented" and r["reported_count"] is None
    tilt = {r["clip"]: r for r in data["rows"] if r["analyzer"] == "pelvic_tilt"}
    assert tilt["pelvic_tilt_side.mp4"]["hold_summary"]["matched"] + \
        tilt["pelvic_tilt_side.mp4"]["hold_summary"]["unmatched_labelled"] == 5
    assert tilt["glute_bridge.mp4"]["hips"]["labelled_intervals"] == 7
    for name in KNOWN_EXERCISES:
        assert name in data["summary"]
    assert "Real clips" in text
