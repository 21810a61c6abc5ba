"""`formcheck progress DIR`: the sessions under a folder, by date and exercise, as a page and CSV.

The sessions are the rendered samples replayed from their landmarks (the pose model runs once
per machine, in the pose cache) with different prescriptions, in week folders; what each row
must say comes from the samples' truth files and the prescriptions, not from the reports.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from formcheck.cli import main
from report_helpers import SAMPLES, external_urls, looks_drawn, parse, replay, sample_recording, screenshot

# (week folder, sample, options, the date the session is given)
SESSIONS = [
    ("week3", "pelvic_tilt_bridge_side", ("--hold", "2"), "2026-11-17T10:00:00+00:00"),
    ("week1", "pelvic_tilt_side", (), "2026-11-03T10:00:00+00:00"),
    ("week2", "pelvic_tilt_side", ("--hold", "1", "--reps", "5"), "2026-11-10T10:00:00+00:00"),
]


def truth(sample: str) -> dict:
    return json.loads((SAMPLES / f"{sample}.truth.json").read_text())


@pytest.fixture(scope="module")
def patient(tmp_path_factory) -> Path:
    """A patient's folder: three sessions a week apart, and a file that is not a report."""
    root = tmp_path_factory.mktemp("patient")
    recordings = tmp_path_factory.mktemp("recordings")
    for week, sample, options, date in SESSIONS:
        rec = sample_recording(sample, recordings)
        replay(rec, root / week, *options)
        path = root / week / f"{sample}.replay.report.json"
        report = json.loads(path.read_text())
        report["created"] = date  # the sessions happened a week apart
        path.write_text(json.dumps(report))
    (root / "week1" / "notes.report.json").write_text((SAMPLES / "rest_side.truth.json").read_text())
    return root


def expected_rows() -> list[dict]:
    """Each session's row from the truth (scripted holds against the prescription)."""
    rows = []
    for week, sample, options, date in sorted(SESSIONS, key=lambda s: s[3]):
        opts = dict(zip(options[::2], options[1::2]))
        hold, reps = float(opts.get("--hold", 3.0)), int(opts.get("--reps", 10))
        holds = [h["end"] - h["start"] for h in truth(sample)["pelvic_tilt"]["holds"]]
        rows.append({"date": date, "week": week, "target": reps, "reps": len(holds),
                     "long_enough": sum(h >= hold for h in holds), "prescribed_hold": hold,
                     "faults": len(truth(sample)["hips_off_floor"])})
    return rows


def test_progress_gives_a_row_per_session_by_date(patient, capsys):
    code = main(["progress", str(patient)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "3 sessions" in out and str(patient / "progress.html") in out
    assert err.count("formcheck: skipped") == 1 and "notes.report.json is not a formcheck report" in err

    with open(patient / "progress.csv", newline="") as fh:
        got = list(csv.DictReader(fh))
    want = expected_rows()
    assert [r["date"] for r in got] == [w["date"] for w in want]  # by date, not by folder name
    for g, w in zip(got, want):
        assert g["exercise"] == "pelvic_tilt" and g["report"].startswith(w["week"] + "/")
        assert int(g["target_reps"]) == w["target"] and int(g["reps_done"]) == w["reps"]
        assert int(g["holds_long_enough"]) == w["long_enough"] and int(g["holds_timed"]) == w["reps"]
        assert float(g["share_holds_long_enough"]) == pytest.approx(w["long_enough"] / w["reps"], abs=5e-4)
        assert float(g["prescribed_hold_s"]) == w["prescribed_hold"]
        assert int(g["faults"]) == w["faults"]
        assert int(g["met"]) + int(g["hold_too_short"]) + int(g["with_fault"]) == w["reps"]
    # The median hold is the median of the reported holds (within a few tenths of the script's).
    week1 = json.loads((patient / "week1" / "pelvic_tilt_side.replay.report.json").read_text())["exercise"]
    assert float(got[0]["median_hold_s"]) == pytest.approx(sorted(r["hold"] for r in week1["reps"])[1])
    assert float(got[0]["median_hold_s"]) == pytest.approx(3.5, abs=0.4)

    html = (patient / "progress.html").read_text()
    assert not external_urls(html) and "<script" not in html
    page = parse(html)
    assert page.sections == ["pelvic_tilt"] and page.svgs == 1
    table = page.tables["sessions"][0]
    assert [row[0].text[:10] for row in table] == [w["date"][:10] for w in want]
    assert [row[4].value for row in table] == [float(g["met"]) for g in got]
    assert [row[8].value for row in table] == [float(w["faults"]) for w in want]
    assert "notes.report.json" in html  # named among the files skipped
    # Each row links to that session's page, relative to the progress page.
    assert 'href="week1/pelvic_tilt_side.replay.report.html"' in html


def test_progress_page_in_a_real_browser(patient, tmp_path):
    assert main(["progress", str(patient), "--out", str(tmp_path / "p.html")]) == 0
    assert (tmp_path / "p.csv").is_file()
    looks_drawn(screenshot(tmp_path / "p.html", tmp_path / "progress.png", height=1500))


def test_progress_bad_folders_get_one_line(tmp_path, capsys):
    for folder, says in ((tmp_path / "none", "folder not found"),
                         (SAMPLES / "rest_side.truth.json", "is not a folder"),
                         (tmp_path, "no formcheck report with an exercise under")):
        assert main(["progress", str(folder)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("formcheck: ") and says in err, err
    (tmp_path / "x.report.json").write_text(json.dumps({"schema_version": 7, "formcheck_version": "9",
                                                        "frames": {}, "input": {}}))
    assert main(["progress", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "1 file(s) skipped" in err and "newer than this formcheck reads" in err
