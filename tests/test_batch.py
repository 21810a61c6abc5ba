"""`formcheck analyze` on many videos (issue 18): a batch of rendered samples on two worker
processes gives the very reports single runs give; a corrupt file is a row, not the end of the
batch; Ctrl-C keeps what was done and `--resume` picks up the rest; `eval --jobs` computes its
pose passes on the same runner."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"


def comparable(report: dict) -> dict:
    """A report without what differs between two runs of the same video: when it was made, and
    the folder its outputs went to (kept: which outputs, and their file names)."""
    out = dict(report)
    out.pop("created")
    out["outputs"] = {k: Path(v).name for k, v in report["outputs"].items()}
    return out


def read_rows(out_dir: Path) -> dict[str, dict]:
    with open(out_dir / "batch.csv", newline="") as fh:
        return {row["name"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def batch_case(tmp_path_factory) -> Path:
    """A folder of videos (two rendered samples, a file cut short, two clips sharing a name with
    nobody in them) and each video's single `formcheck analyze --no-video` run, made once for
    the local and the Ray batch."""
    from conftest import write_video

    root = tmp_path_factory.mktemp("batch")
    inputs = root / "in"
    inputs.mkdir()
    for name in ("rest_side.mp4", "pelvic_tilt_side.mp4"):
        shutil.copy(SAMPLES / name, inputs / name)
    (inputs / "cut.mp4").write_bytes((SAMPLES / "rest_side.mp4").read_bytes()[:20_000])  # cut short
    for folder in ("a", "b"):
        (inputs / folder).mkdir()
        write_video(inputs / folder / "clip.mp4", n_frames=20, size=(96, 64))
    here = os.getcwd()
    os.chdir(root)
    try:
        for video in ("rest_side", "pelvic_tilt_side", "cut", "a/clip"):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main(["analyze", f"in/{video}.mp4", "--exercise", "pelvic-tilt", "--no-video",
                             "--out", f"single/{video.replace('/', '_')}"])
            assert code == {"cut": 2, "a/clip": 3}.get(video, 0)
            (root / "single" / f"{video.replace('/', '_')}.stderr").write_text(err.getvalue())
    finally:
        os.chdir(here)
    return root


def check_batch(root: Path, out: str, err_lines: list[str]) -> dict[str, dict]:
    """The batch in `root/out` holds each single run's report, and the failure as a row."""
    rows = read_rows(root / out)
    # A folder's own videos (sorted), then its subfolders'; names made unique by their folders.
    assert list(rows) == ["cut", "pelvic_tilt_side", "rest_side", "a_clip", "b_clip"]
    for name, single in (("rest_side", "rest_side"), ("pelvic_tilt_side", "pelvic_tilt_side"),
                         ("a_clip", "a_clip")):
        folder = root / "single" / single
        expected = json.loads(next(folder.glob("*.report.json")).read_text())
        got = json.loads((root / out / f"{name}.report.json").read_text())
        if name == "a_clip":  # named by its folder in the batch: only the file names differ
            expected["outputs"] = {k: v.replace("/clip.", "/a_clip.") for k, v in expected["outputs"].items()}
        assert comparable(got) == comparable(expected), name
        assert rows[name]["report"] == f"{name}.report.html"  # the page, made beside the JSON
        if expected["exercise"]["count"]:
            assert int(rows[name]["reps"]) == expected["exercise"]["count"]
            assert int(rows[name]["good"]) == expected["exercise"]["good"]
    assert [rows[n]["status"] for n in rows] == ["failed", "done", "done", "nobody in view", "nobody in view"]
    single_line = (root / "single" / "cut.stderr").read_text().strip()
    assert "formcheck: " + rows["cut"]["message"] == single_line  # the single run's one line
    assert rows["cut"]["message"] in err_lines
    workers = {rows[n]["worker"] for n in rows if rows[n]["worker"]}
    assert 1 <= len(workers) <= 2 and not any(w.endswith(f":{os.getpid()}") for w in workers)
    page = (root / out / "batch.html").read_text()
    assert 'href="rest_side.report.html"' in page and ">failed<" in page
    return rows


def test_batch_on_two_processes_gives_the_single_runs_reports(batch_case, capsys, monkeypatch):
    monkeypatch.chdir(batch_case)
    code = main(["analyze", "in", "--exercise", "pelvic-tilt", "--no-video", "--jobs", "2", "--out", "pool"])
    out, err = capsys.readouterr()
    assert code == 1  # not every video could be analyzed in full
    assert out.startswith("5 videos: 2 done, 2 nobody in view, 1 failed (2 processes on this machine)")
    assert err.strip().splitlines()[-1].startswith("formcheck: 3 of 5 videos were not analyzed in full")
    check_batch(batch_case, "pool", out.splitlines())


def test_the_same_batch_on_a_local_ray_cluster(batch_case, capsys, monkeypatch):
    """A local Ray cluster with 2 CPUs runs the batch: the same reports, computed in Ray worker
    processes that found the pose model in the installed package; the reports and CSVs come back
    to the driver (--no-video). Then Ctrl-C on the driver stops the running tasks."""
    ray = pytest.importorskip("ray", reason="the cluster extra is not installed (pip install -e '.[cluster]')")
    from formcheck.batch.ray_cluster import RayCluster
    from formcheck.models import resolve_model

    monkeypatch.chdir(batch_case)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        code = main(["analyze", "in", "--exercise", "pelvic-tilt", "--no-video", "--cluster", "ray",
                     "--out", "ray"])
        out, err = capsys.readouterr()
        assert code == 1, err
        assert out.startswith("5 videos: 2 done, 2 nobody in view, 1 failed (")
        check_batch(batch_case, "ray", out.splitlines())
        model = json.loads((batch_case / "ray" / "rest_side.report.json").read_text())["model"]
        assert model["path"] == str(resolve_model("full"))
        assert sorted(p.name for p in (batch_case / "ray").iterdir() if p.name.startswith("rest_side.")) == [
            "rest_side.frames.csv", "rest_side.report.html", "rest_side.report.json"]
        page = (batch_case / "ray" / "pelvic_tilt_side.report.html").read_text()
        assert "Stills from pelvic_tilt_side.mp4" in page  # made on the worker, from the input
        assert "formcheck-batch-" not in page  # nothing of the worker's scratch folder

        ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the toy task below
        results: dict = {}
        pressed = []

        def ctrl_c(index, done, total):
            if done >= 5 and not pressed:
                pressed.append(index)
                raise KeyboardInterrupt

        interrupted = RayCluster(None, 2).run(_ray_toy, [400] * 6, on_result=results.__setitem__,
                                              on_progress=ctrl_c)
        assert interrupted and pressed
        assert 1 <= len(results) <= 2  # only the running ones: nothing new was submitted
        assert all(str(r).startswith("stopped at") and int(str(r).split()[-1]) < 400 for r in results.values())
    finally:
        ray.shutdown()


def _ray_toy(index, frames, reporter):
    import time

    for i in range(1, frames + 1):
        time.sleep(0.01)
        if not reporter.progress(index, i, frames):
            return f"stopped at {i}"
    return "done"


def test_batch_writes_each_annotated_video_whole_and_in_order(tmp_path, make_video, read_number, capsys):
    import av

    clips = [make_video(f"n{i}.mp4", n_frames=30 + 10 * i, size=(320, 240)) for i in range(3)]
    code = main(["analyze", *map(str, clips), "--jobs", "2", "--out", str(tmp_path / "o")])
    capsys.readouterr()
    assert code == 1  # nobody in these clips
    for i in range(3):
        with av.open(str(tmp_path / "o" / f"n{i}.annotated.mp4")) as c:
            numbers = [read_number(f.to_ndarray(format="bgr24")) for f in c.decode(video=0)]
        assert numbers == list(range(30 + 10 * i))


def test_ctrl_c_keeps_what_was_done_and_resume_does_the_rest(tmp_path, make_video, monkeypatch, capsys):
    from formcheck.progress import BatchProgress

    monkeypatch.chdir(tmp_path)
    for i in range(4):
        make_video(f"v{i}.mp4", n_frames=240, size=(96, 64))
    real_frames = BatchProgress.frames

    def ctrl_c_once_a_video_is_under_way(self, task, done, total=None):
        real_frames(self, task, done, total)
        if done >= 20 and not getattr(BatchProgress, "pressed", False):
            BatchProgress.pressed = True
            raise KeyboardInterrupt

    monkeypatch.setattr(BatchProgress, "frames", ctrl_c_once_a_video_is_under_way)
    monkeypatch.setattr(BatchProgress, "pressed", False, raising=False)
    videos = [f"v{i}.mp4" for i in range(4)]
    code = main(["analyze", *videos, "--no-video", "--jobs", "2", "--out", "out"])
    out, err = capsys.readouterr()
    assert code == 130 and "interrupted after" in err
    rows = read_rows(tmp_path / "out")
    statuses = [r["status"] for r in rows.values()]
    assert "interrupted" in statuses and "not started" in statuses
    for name, row in rows.items():
        if row["status"] == "interrupted":
            report = json.loads((tmp_path / "out" / f"{name}.report.json").read_text())
            assert report["partial"] is True and 0 < report["frames"]["processed"] < 240
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]

    code = main(["analyze", *videos, "--no-video", "--jobs", "2", "--out", "out", "--resume"])
    capsys.readouterr()
    rows_again = read_rows(tmp_path / "out")
    assert code == 1  # synthetic clips: nobody in view, but every one analyzed in full now
    assert all(r["status"] == "nobody in view" for r in rows_again.values())
    for name in rows_again:
        report = json.loads((tmp_path / "out" / f"{name}.report.json").read_text())
        assert report["partial"] is False and report["frames"]["processed"] == 240
    done_before = [n for n, r in rows.items() if r["status"] == "nobody in view"]
    for name in done_before:  # not run again: the very same report
        assert rows_again[name]["worker"] == ""

    # A third run finds everything done: nothing starts.
    code = main(["analyze", *videos, "--no-video", "--out", "out", "--resume"])
    assert code == 1 and "found done by an earlier run" in capsys.readouterr().out


def test_one_video_without_batch_options_is_the_single_run(tmp_path, make_video, capsys):
    clip = make_video("c.mp4", n_frames=5, size=(64, 48))
    code = main(["analyze", str(clip), "--out", str(tmp_path / "o"), "--no-video"])
    out, err = capsys.readouterr()
    assert code == 3 and "nobody was found in any of the 5 frames" in err
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["c.frames.csv", "c.report.html", "c.report.json"]
    assert f"report: {tmp_path / 'o' / 'c.report.json'}" in out.splitlines()


def test_bad_batch_options_fail_before_any_work(tmp_path, make_video, capsys):
    clip = make_video("c.mp4", n_frames=3, size=(64, 48))
    assert main(["analyze", str(clip), str(clip), "--jobs", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err
    assert main(["analyze", str(clip), "--cluster", "spark://x", "--out", str(tmp_path / "o")]) == 2
    assert "use ray" in capsys.readouterr().err
    assert main(["analyze", str(clip), str(clip), "--model", "gigantic", "--out", str(tmp_path / "o")]) == 2
    assert "unknown model" in capsys.readouterr().err
    assert not (tmp_path / "o" / "batch.csv").exists()


def test_an_unreachable_ray_cluster_is_one_line(tmp_path, make_video, capsys):
    pytest.importorskip("ray", reason="the cluster extra is not installed (pip install -e '.[cluster]')")
    clip = make_video("c.mp4", n_frames=3, size=(64, 48))
    assert main(["analyze", str(clip), "--cluster", "ray://127.0.0.1:1", "--out", str(tmp_path / "o")]) == 2
    assert "cannot reach the Ray cluster at 127.0.0.1:1" in capsys.readouterr().err
    assert not (tmp_path / "o" / "batch.csv").exists()


def test_eval_pose_passes_run_on_the_pool_and_match_the_serial_ones(tmp_path, make_video, capsys):
    from formcheck.batch import ProcessPool
    from formcheck.pose_cache import PoseCache

    clips = [SAMPLES / "rest_side.mp4", make_video("n.mp4", n_frames=30, size=(96, 64))]
    parallel = PoseCache(tmp_path / "parallel", log=lambda m: None)
    assert parallel.prefetch(clips, ProcessPool(2)) == 2
    serial = PoseCache(tmp_path / "serial", log=lambda m: None)
    for clip in clips:
        a, b = parallel.landmarks(clip), serial.landmarks(clip)
        assert np.array_equal(a.t, b.t) and np.array_equal(a.detected, b.detected)
        assert np.array_equal(a.landmarks, b.landmarks, equal_nan=True)
    assert (parallel.hits, parallel.misses, serial.misses) == (2, 2, 2)
    assert a.meta["detected_frames"] == 0 and parallel.landmarks(clips[0]).meta["detected_frames"] == 180

    # The command: labels for two clips, --jobs 2, a fresh cache.
    labels = tmp_path / "labels"
    labels.mkdir()
    for i in range(2):
        make_video(f"e{i}.mp4", n_frames=10 + i, size=(64, 48))
        (labels / f"e{i}.json").write_text(json.dumps({
            "clip": f"e{i}.mp4", "expected": {"pelvic_tilt": {"count": 0, "tolerance": 0}}}))
    code = main(["eval", str(tmp_path), "--jobs", "2", "--cache-dir", str(tmp_path / "c"),
                 "--json", str(tmp_path / "card.json")])
    err = capsys.readouterr().err
    assert code == 0 and "2 of 2 missing clips computed on 2 processes" in err
    assert "2 hits, 2 computed" in err
    assert {r["clip"] for r in json.loads((tmp_path / "card.json").read_text())["rows"]} == {"e0.mp4", "e1.mp4"}
