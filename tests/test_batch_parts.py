"""The batch's parts on their own (issue 18): finding inputs and naming outputs, the process pool
(results, Ctrl-C, a dying worker), resume, the summary files and the batch progress line."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from formcheck import __version__
from formcheck.batch.inputs import batch_inputs, find_videos, unique_names
from formcheck.batch.pool import WORKER_DIED, ProcessPool
from formcheck.batch.resume import completed_report
from formcheck.batch.runner import FrameTicker, TaskFailed
from formcheck.batch.summary import make_row, write_summary
from formcheck.batch.work import DONE, FAILED, AnalysisOptions, VideoResult
from formcheck.errors import UserError
from formcheck.progress import BatchProgress

# --- inputs ------------------------------------------------------------------------------------


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_folders_are_searched_and_files_taken_as_given(tmp_path):
    a = _touch(tmp_path / "in" / "b.MP4")
    b = _touch(tmp_path / "in" / "sub" / "a.mov")
    _touch(tmp_path / "in" / "notes.txt")
    _touch(tmp_path / "in" / ".hidden.mp4")
    _touch(tmp_path / "in" / ".x.annotated.mp4.part")
    out = tmp_path / "in" / "out"
    _touch(out / "b.annotated.mp4")  # our own output from an earlier run
    odd = _touch(tmp_path / "clip.video")  # named by the user: taken whatever its suffix
    missing = tmp_path / "gone.mp4"
    found = find_videos([tmp_path / "in", odd, missing, a], skip=out)
    assert found == [tmp_path / "in" / "b.MP4", b, odd, missing]  # `a` again is not repeated
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no videos found in"):
        find_videos([tmp_path / "empty"])


def test_output_names_are_unique_and_stable(tmp_path):
    videos = [Path("a/clip.mp4"), Path("b/clip.mp4"), Path("b/other.mp4"), Path("x/a/clip.mp4")]
    names = unique_names(videos)
    assert len(set(names)) == len(names)
    assert names[2] == "other"  # a name nobody else has stays as it is
    assert names[0].endswith("a_clip") and names[1] == "b_clip"
    assert unique_names(videos) == names
    # The same file through two links: the names are numbered.
    same = _touch(tmp_path / "v" / "c.mp4")
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "c.mp4").symlink_to(same)
    inputs = batch_inputs([tmp_path / "v" / "c.mp4", tmp_path / "w" / "c.mp4"])
    assert len(inputs) == 1  # one file, analyzed once


# --- the process pool --------------------------------------------------------------------------
# Worker functions live at module level: spawned workers import them by name.


def _slow_task(index, task, reporter):
    if not reporter.progress(index, 0, None):
        return "not started"
    for i in range(1, task["frames"] + 1):
        time.sleep(0.01)
        if not reporter.progress(index, i, task["frames"]):
            return f"stopped at {i}"
    if task.get("die"):
        os._exit(3)
    if task.get("raise"):
        raise ValueError("a bug in a task")
    return f"done {os.getpid()}"


def _collect(pool, tasks, **kw):
    results = {}
    progress = []
    interrupted = pool.run(_slow_task, tasks, on_result=results.__setitem__,
                           on_progress=lambda *a: progress.append(a), **kw)
    return results, progress, interrupted


def test_pool_runs_every_task_in_processes_and_reports_progress():
    tasks = [{"frames": 5}, {"frames": 5, "raise": True}, {"frames": 5}]
    results, progress, interrupted = _collect(ProcessPool(2), tasks)
    assert not interrupted
    assert sorted(results) == [0, 1, 2]
    assert results[0].startswith("done ") and results[2].startswith("done ")
    assert int(results[0].split()[1]) != os.getpid()
    assert isinstance(results[1], TaskFailed) and "ValueError: a bug in a task" in results[1].message
    assert {p[0] for p in progress} == {0, 1, 2}


def test_a_dying_worker_costs_only_its_own_task():
    tasks = [{"frames": 30}, {"frames": 3, "die": True}] + [{"frames": 3} for _ in range(6)]
    results, _, interrupted = _collect(ProcessPool(2), tasks)
    assert not interrupted
    assert results[1] == TaskFailed(WORKER_DIED)
    assert sorted(results) == list(range(8))
    assert all(results[i].startswith("done") for i in results if i != 1)


def test_ctrl_c_stops_new_tasks_and_asks_the_running_ones_to_stop():
    tasks = [{"frames": 400} for _ in range(6)]
    results: dict = {}
    stops = []

    def on_progress(index, done, total):
        if done >= 5 and not stops:
            stops.append(index)
            raise KeyboardInterrupt  # as Ctrl-C would, in the driver's loop

    started = time.monotonic()
    interrupted = ProcessPool(2).run(_slow_task, tasks, on_result=results.__setitem__,
                                     on_progress=on_progress, on_stop=lambda: stops.append("noted"))
    assert interrupted and "noted" in stops
    assert time.monotonic() - started < 4.0 + 6  # not the 6 x 4 s the tasks would take
    stopped = [r for r in results.values() if str(r).startswith("stopped at")]
    assert 1 <= len(stopped) <= 2  # the running ones, stopped well before their end
    assert all(int(r.split()[-1]) < 400 for r in stopped)
    assert all(r == "not started" or str(r).startswith("stopped") for r in results.values())
    assert len(results) < len(tasks)  # the queued ones were cancelled: no result at all


def test_frame_ticker_throttles_and_turns_a_stop_into_ctrl_c():
    calls = []

    class R:
        go = True

        def progress(self, index, done, total):
            calls.append(done)
            return self.go

    rep = R()
    tick = FrameTicker(rep, 3, every=10.0)
    tick(1, 10)
    tick(2, 10)
    assert calls == [1]
    rep.go = False
    tick = FrameTicker(rep, 3, every=0.0)
    with pytest.raises(KeyboardInterrupt):
        tick(3, 10)


# --- resume ------------------------------------------------------------------------------------


def _earlier_run(tmp_path, *, partial=False, version=__version__, exercise="pelvic_tilt", outputs=("frames_csv",)):
    from formcheck.analyzers import make_prescription
    from formcheck.files import file_sha256

    video = _touch(tmp_path / "v.mp4")
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    files = {"report": out / "v.report.json"}
    for kind in outputs:
        files[kind] = out / f"v.{kind}"
        files[kind].write_text("x")
    report = {
        "partial": partial, "formcheck_version": version,
        "input": {"sha256": file_sha256(video)},
        "model": {"name": "full", "sha256": "m" * 64},
        "exercise": {"exercise": exercise, "prescription": make_prescription("pelvic_tilt").as_dict()},
        "outputs": {k: str(v) for k, v in files.items()},
    }
    files["report"].write_text(json.dumps(report))
    return video, files["report"]


def test_resume_skips_only_complete_outputs_of_the_same_input(tmp_path):
    opts = AnalysisOptions(exercise="pelvic-tilt", write_video=False, model_sha256="m" * 64)
    video, report = _earlier_run(tmp_path)
    assert completed_report(report, video, opts) is not None
    # Another prescription, exercise, model or video option: run again.
    assert completed_report(report, video, AnalysisOptions(exercise="pelvic-tilt", reps=3, write_video=False)) is None
    assert completed_report(report, video, AnalysisOptions(write_video=False)) is None
    assert completed_report(report, video, AnalysisOptions(exercise="pelvic-tilt", write_video=False,
                                                           model="lite")) is None
    assert completed_report(report, video, AnalysisOptions(exercise="pelvic-tilt")) is None  # no video yet
    # The input changed since (same name, other bytes): run again.
    video.write_bytes(b"other bytes")
    assert completed_report(report, video, opts) is None


@pytest.mark.parametrize("case", ["partial", "version", "lost output", "torn report"])
def test_resume_runs_again_when_the_earlier_run_is_not_whole(tmp_path, case):
    opts = AnalysisOptions(exercise="pelvic-tilt", write_video=False)
    video, report = _earlier_run(tmp_path, partial=case == "partial",
                                 version="0.0.1" if case == "version" else __version__)
    if case == "lost output":
        (tmp_path / "out" / "v.frames_csv").unlink()
    if case == "torn report":
        report.write_text(report.read_text()[:40])
    assert completed_report(report, video, opts) is None


# --- summary -----------------------------------------------------------------------------------


def test_summary_rows_link_the_html_report_when_there_is_one(tmp_path):
    report = {"detection_rate": 0.5, "frames": {"processed": 10},
              "exercise": {"exercise": "pelvic_tilt", "count": 3, "good": 2, "cannot_judge_seconds": 1.5,
                           "faults": [{"kind": "hips_off_floor"}, {"kind": "hips_off_floor"}]}}
    (tmp_path / "a.report.json").write_text("{}")
    (tmp_path / "b.report.json").write_text("{}")
    (tmp_path / "b.report.html").write_text("<html>")
    rows = [make_row("in/a <1>.mp4", "a", VideoResult(DONE, report=report, seconds=2.0), tmp_path),
            make_row("in/b.mp4", "b", VideoResult(DONE, report=report), tmp_path),
            make_row("in/c.mp4", "c", VideoResult(FAILED, "c.mp4 is not a video", 2), tmp_path),
            make_row("in/d.mp4", "d", None, tmp_path)]
    assert (rows[0].reps, rows[0].good, rows[0].faults, rows[0].not_judged_s) == (3, 2, "hips_off_floor x2", 1.5)
    assert rows[0].report == "a.report.json" and rows[1].report == "b.report.html"
    assert rows[2].report == "" and rows[2].message == "c.mp4 is not a video"
    assert rows[3].status == "not started"
    paths = write_summary(tmp_path, rows, "2 processes")
    lines = paths["batch_csv"].read_text().splitlines()
    assert lines[0].startswith("video,name,status,exercise,reps,good,faults,not_judged_s,detection_rate")
    assert len(lines) == 5 and lines[3].startswith("in/c.mp4,c,failed,")
    page = paths["batch_html"].read_text()
    assert 'href="a.report.json"' in page and 'href="b.report.html"' in page
    assert "in/a &lt;1&gt;.mp4" in page and "50.0 %" in page
    assert "2 done, 1 failed, 1 not started" in page


def test_batch_progress_counts_videos_frames_and_eta():
    p = BatchProgress(4, enabled=False)
    p._start -= 10.0  # ten seconds in
    p.frames(0, 100, 200)
    p.frames(1, 100, 400)
    assert p.expected_frames() == 600 + 2 * 300
    line = p.line()
    assert line.startswith("0/4 videos, 200/~1200 frames") and "20.0 fps" in line and "ETA 0:50" in line
    p.finished(0, 180)  # it had fewer frames than its header said
    assert p.finished_videos == 1 and p.expected_frames() == 580 + 2 * 290


# --- a worker and its pose model ---------------------------------------------------------------


class _GoOn:
    def progress(self, index, done, total):
        return True


def test_a_worker_refuses_a_pose_model_other_than_the_drivers(tmp_path, monkeypatch):
    from formcheck.batch.work import VideoJob, analyze_video

    video = _touch(tmp_path / "v.mp4")
    job = VideoJob(str(video), "v", str(tmp_path), str(tmp_path),
                   AnalysisOptions(model_sha256="0" * 64))
    result = analyze_video(0, job, _GoOn())
    assert result.status == FAILED and "is not the one the batch was started with" in result.message
    # A node without the bundles (here: pointed at an empty folder) says which file is missing.
    monkeypatch.setenv("FORMCHECK_MODELS_DIR", str(tmp_path / "no-models"))
    result = analyze_video(0, replace(job, options=AnalysisOptions()), _GoOn())
    assert result.status == FAILED and "pose_landmarker_full.task does not exist" in result.message
    assert not (tmp_path / "v.report.json").exists()
