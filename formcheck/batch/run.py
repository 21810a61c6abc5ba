"""A batch from start to end: find the videos, skip the ones done (`--resume`), run the rest on
a backend, keep every result (a failure is a row, never the end of the batch), write the summary.

The summary is written before any work (an unwritable `--out` fails at once), again as videos
finish, and at the end, whatever ended the batch: Ctrl-C stops new work, the running videos
finish their outputs marked partial, and the summary says which videos never started.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from formcheck.batch.inputs import VideoInput, batch_inputs
from formcheck.batch.resume import completed_report
from formcheck.batch.runner import Runner, TaskFailed
from formcheck.batch.summary import Row, all_ok, make_row, write_summary
from formcheck.batch.work import (
    DONE_EARLIER, FAILED, INTERRUPTED, NOBODY, NOT_STARTED, STATUSES, AnalysisOptions, VideoJob,
    VideoResult, analyze_video,
)
from formcheck.errors import UserError
from formcheck.progress import BatchProgress

__all__ = ["BatchOutcome", "run_batch", "choose_runner"]

_REWRITE_EVERY = 5.0  # seconds between rewrites of the summary while the batch runs


@dataclass
class BatchOutcome:
    """What a batch produced; read like a single run's `pipeline.Outcome` (summary, outputs,
    verdict), so the command prints both the same way."""

    rows: list[Row]
    interrupted: bool
    outputs: dict[str, Path]
    about: str

    @property
    def summary(self) -> list[str]:
        counts = {s: sum(r.status == s for r in self.rows) for s in STATUSES}
        tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        lines = [f"{len(self.rows)} videos: {tally} ({self.about})"]
        for r in self.rows:
            if r.status not in ("done", DONE_EARLIER, NOT_STARTED):
                text = r.message or r.status
                lines.append(text if r.video in text else f"{r.video}: {text}")
        return lines

    def verdict(self) -> tuple[int, str | None]:
        """(exit code, one line or None): 0 every video analyzed in full; 130 interrupted;
        1 when any video failed, ended early or showed nobody (its row says which)."""
        where = self.outputs.get("batch_html", "the output folder")
        if self.interrupted:
            started = sum(r.status != NOT_STARTED for r in self.rows)
            return 130, (f"interrupted after {started} of {len(self.rows)} videos (the running ones "
                         f"kept as partial); summary in {where}")
        if not all_ok(self.rows):
            bad = sum(r.status not in ("done", DONE_EARLIER) for r in self.rows)
            return 1, f"{bad} of {len(self.rows)} videos were not analyzed in full; see {where}"
        return 0, None


def choose_runner(jobs: int | None, cluster: str | None) -> Runner:
    """The backend `--jobs` and `--cluster` ask for: local processes (default: one per core
    available) or a Ray cluster (default: as many videos at once as it has CPUs)."""
    if jobs is not None and jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {jobs}")
    if cluster is not None:
        from formcheck.batch.ray_cluster import RayCluster, parse_cluster

        return RayCluster(parse_cluster(cluster), jobs)
    from formcheck.batch.pool import ProcessPool
    from formcheck.batch.runner import available_cores

    return ProcessPool(jobs or available_cores())


def _status_of(report: dict[str, Any]) -> str:
    frames = report.get("frames") or {}
    return NOBODY if frames.get("processed") and not frames.get("with_person") else DONE_EARLIER


class _Summary:
    """The batch's rows as they stand, written to batch.csv / batch.html (throttled)."""

    def __init__(self, out_dir: Path, inputs: list[VideoInput], about: str) -> None:
        self.out_dir = out_dir
        self.inputs = inputs
        self.about = about
        self.results: dict[int, VideoResult] = {}
        self._written = 0.0

    def rows(self) -> list[Row]:
        return [make_row(str(v.path), v.name, self.results.get(i), self.out_dir)
                for i, v in enumerate(self.inputs)]

    def write(self, *, throttled: bool = False) -> dict[str, Path]:
        if throttled and time.monotonic() - self._written < _REWRITE_EVERY:
            return {}
        self._written = time.monotonic()
        return write_summary(self.out_dir, self.rows(), self.about)


def _save_returned(out_dir: Path, name: str, result: VideoResult) -> VideoResult:
    """Write the files a worker sent back; the report last, so a report on disk means the
    outputs it lists are there (what --resume relies on)."""
    from formcheck.files import write_atomic, write_json_atomic
    from formcheck.sinks import output_paths

    try:
        for file_name, data in result.files.items():
            write_atomic(out_dir / file_name, lambda fh, data=data: fh.write(data))
        if result.report is not None:
            write_json_atomic(output_paths(out_dir, name)["report"], result.report)
    except UserError as exc:
        return replace(result, status=FAILED, message=str(exc), exit_code=exc.exit_code, files={})
    return replace(result, files={})


def run_batch(
    paths: list[str],
    out_dir: Path,
    options: AnalysisOptions,
    runner: Runner,
    *,
    resume: bool = False,
    return_files: bool = False,
    show_progress: bool | None = None,
) -> BatchOutcome:
    """Analyze every video in `paths` (files and folders) into `out_dir` on `runner`."""
    from formcheck.sinks import output_paths

    inputs = batch_inputs(paths, out_dir=out_dir)
    earlier: dict[int, VideoResult] = {}
    todo: list[int] = []
    for i, video in enumerate(inputs):
        report = (completed_report(output_paths(out_dir, video.name)["report"], video.path, options)
                  if resume else None)
        if report is None:
            todo.append(i)
        else:
            earlier[i] = VideoResult(_status_of(report), report=report)
    about = runner.description + (f"; {len(earlier)} found done by an earlier run" if resume else "")
    summary = _Summary(out_dir, inputs, about)
    summary.results.update(earlier)
    summary.write()  # before any work: an unwritable --out fails here
    cwd = os.getcwd()
    jobs = [VideoJob(str(inputs[i].path), inputs[i].name, str(out_dir), cwd, options, return_files)
            for i in todo]
    progress = BatchProgress(len(jobs), enabled=show_progress)

    def on_result(k: int, result: VideoResult | TaskFailed) -> None:
        if isinstance(result, TaskFailed):
            result = VideoResult(INTERRUPTED if result.interrupted else FAILED, result.message,
                                 130 if result.interrupted else 1)
        elif return_files:
            result = _save_returned(out_dir, inputs[todo[k]].name, result)
        summary.results[todo[k]] = result
        progress.finished(k, ((result.report or {}).get("frames") or {}).get("processed") or 0)
        summary.write(throttled=True)

    def on_stop() -> None:
        progress.note("formcheck: stopping: no new videos start; the running ones finish their "
                      "outputs, marked partial")

    interrupted = False
    try:
        if jobs:
            interrupted = runner.run(analyze_video, jobs, on_result=on_result,
                                     on_progress=progress.frames, on_stop=on_stop)
    finally:
        progress.close()
        outputs = summary.write()
    return BatchOutcome(summary.rows(), interrupted, outputs, about)
