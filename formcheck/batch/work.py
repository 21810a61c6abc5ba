"""One video of a batch, analyzed in a worker: `pipeline.analyze_file`, as a single run does.

So every video of a batch is finished the one way a single `formcheck analyze` is (`Session.run`
and `pipeline._finish`: report written, `Outcome.verdict` for its status), and its report equals
the one a single run gives. The worker gets only plain data (`VideoJob`: paths, the exercise's
name and prescription, the model's name and sha256), builds its own analyzer and pose model, and
sends back plain data (`VideoResult`: status, one line, the report dict, and the output files
themselves when the driver cannot read the worker's disk).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from formcheck.batch.runner import FrameTicker, Reporter, where
from formcheck.errors import UserError
from formcheck.models import DEFAULT_MODEL

__all__ = ["AnalysisOptions", "VideoJob", "VideoResult", "analyze_video", "STATUSES",
           "DONE", "DONE_EARLIER", "NOBODY", "ENDED_EARLY", "INTERRUPTED", "FAILED", "NOT_STARTED"]

# A video's status in the batch summary, in the words a clinic reads.
DONE = "done"
DONE_EARLIER = "done earlier"  # --resume found its complete outputs
NOBODY = "nobody in view"
ENDED_EARLY = "ended early"  # e.g. a corrupt tail: the frames before it were analyzed
INTERRUPTED = "interrupted"
FAILED = "failed"
NOT_STARTED = "not started"
STATUSES = (DONE, DONE_EARLIER, NOBODY, ENDED_EARLY, INTERRUPTED, FAILED, NOT_STARTED)
# Outcome.verdict's exit codes -> status
_STATUS_OF_CODE = {0: DONE, 3: NOBODY, 4: ENDED_EARLY, 130: INTERRUPTED}


@dataclass(frozen=True)
class AnalysisOptions:
    """What every video of the batch is analyzed with (the options of `formcheck analyze`)."""

    model: str = DEFAULT_MODEL
    exercise: str | None = None
    reps: int | None = None
    hold: float | None = None
    variant: str | None = None
    write_video: bool = True
    save_landmarks: bool = False
    #: the driver's bundle: a worker whose own differs refuses to run rather than disagree
    model_sha256: str | None = None

    def with_model_checked(self) -> AnalysisOptions:
        """These options with the driver's model bundle found and hashed, once, so a bad
        --model fails before any work and every worker is held to the same bundle."""
        from formcheck.files import file_sha256
        from formcheck.models import resolve_model

        return replace(self, model_sha256=file_sha256(resolve_model(self.model), cache=True))


@dataclass(frozen=True)
class VideoJob:
    """One video to analyze: where it is, what to call its outputs, where they go."""

    video: str  # as given or found; relative paths are relative to `cwd`
    name: str  # the outputs' stem, unique in the batch
    out_dir: str
    cwd: str  # the driver's working folder
    options: AnalysisOptions
    #: write into a temporary folder and send the files back (a cluster without a shared --out)
    return_files: bool = False


@dataclass
class VideoResult:
    """What a worker sends back for one video."""

    status: str
    message: str | None = None  # the one line a user should read (None when all went well)
    exit_code: int = 0  # as a single `formcheck analyze` of this video would exit
    report: dict[str, Any] | None = None  # the JSON report as written
    files: dict[str, bytes] = field(default_factory=dict)  # file name -> content, if returned
    seconds: float = 0.0  # analysis time in the worker
    worker: str = ""  # host:pid


@contextlib.contextmanager
def _working_dir(folder: str) -> Iterator[None]:
    """Run in the driver's working folder when this node has it, so relative paths mean what
    they meant to the user (and the report names the input as they typed it)."""
    before = os.getcwd()
    if not os.path.isdir(folder) or os.path.samefile(folder, before):
        yield
        return
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _check_model(options: AnalysisOptions) -> None:
    """The worker's pose model is found (it ships with the package) and is the driver's."""
    from formcheck.files import file_sha256
    from formcheck.models import resolve_model

    path = resolve_model(options.model)
    if options.model_sha256 and file_sha256(path, cache=True) != options.model_sha256:
        raise UserError(f"the pose model {path} on {where()} is not the one the batch was started "
                        "with (its sha256 differs): install the same formcheck on every node")


def _make_analyzer(options: AnalysisOptions):  # noqa: ANN202 (Analyzer | None)
    from formcheck.analyzers import new_analyzer

    if not options.exercise:
        return None
    try:
        return new_analyzer(options.exercise, reps=options.reps, hold=options.hold, variant=options.variant)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _returned_files(folder: Path, name: str, report_path: Path) -> dict[str, bytes]:
    """The outputs written into the temporary folder, except the report (sent as data)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and p.name.startswith(f"{name}.") and p != report_path}


def analyze_video(index: int, job: VideoJob, reporter: Reporter) -> VideoResult:
    """Analyze `job`'s video in this worker process; never raises for a bad input (its row says)."""
    from formcheck.pipeline import analyze_file

    started = time.monotonic()
    if not reporter.progress(index, 0, None):
        return VideoResult(NOT_STARTED, "not started: the batch was interrupted", 130)
    scratch: Path | None = None
    with _working_dir(job.cwd):
        try:
            _check_model(job.options)
            analyzer = _make_analyzer(job.options)
            if job.return_files:
                scratch = Path(tempfile.mkdtemp(prefix="formcheck-batch-"))
                out = scratch
            else:
                out = Path(job.out_dir)
                if not out.is_dir():
                    raise UserError(f"output folder {job.out_dir} does not exist on {where()}: give "
                                    "--out a folder every node can reach, or use --no-video to have "
                                    "the reports and CSVs sent back")
            outcome = analyze_file(
                Path(job.video), out, model=job.options.model, analyzer=analyzer,
                write_video=job.options.write_video, save_landmarks=job.options.save_landmarks,
                show_progress=False, stem=job.name, on_frames=FrameTicker(reporter, index),
            )
            files: dict[str, bytes] = {}
            if scratch is not None:  # the files go back: say where the driver puts them
                files = _returned_files(scratch, job.name, outcome.outputs["report"])
                moved = {k: Path(job.out_dir) / p.name for k, p in outcome.outputs.items()}
                outcome = replace(outcome, outputs=moved, report={
                    **outcome.report, "outputs": {k: str(p) for k, p in moved.items()}})
            code, line = outcome.verdict()
            report = outcome.report
            return VideoResult(_STATUS_OF_CODE.get(code, FAILED), line, code, report, files,
                               time.monotonic() - started, where())
        except UserError as exc:
            return VideoResult(FAILED, str(exc), exc.exit_code, seconds=time.monotonic() - started,
                               worker=where())
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
