"""Runs one stream of frames through pose -> analyzer -> overlay -> sinks.

`Session` is the one place the stages meet: it feeds each `PoseFrame` to the analyzer, draws the
feedback, and hands the frame, pose and annotated image to every sink. It never reads a source
or runs the model itself, so `analyze` (a file), `live` (a camera) and `replay` (a recording, no
model, maybe no image) all drive the same code and get the same report.

`Session.run` is the one loop every use drives (analyze, live, replay, eval): it turns Ctrl-C,
the user quitting and a source that stops into an `ended_reason` instead of an exception, and
always closes the session, so whatever was computed is kept.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from formcheck.analyzers.base import Analyzer, Feedback, Report
from formcheck.cpu import lower_this_thread
from formcheck.frames import Frame
from formcheck.landmarks import PoseFrame

INTERRUPTED = "interrupted"
USER_STOPPED = "stopped by the user"
Step = tuple[Frame | None, PoseFrame]  # what a session is fed: the image (if any) and its pose

if TYPE_CHECKING:
    from formcheck.sinks.base import Sink


class EndSession(Exception):
    """Raised by an `on_step` hook to end the session early with a one-line reason (the live
    window or the voice failed): the session closes as after Ctrl-C, outputs kept, marked
    partial, and the reason becomes `ended_reason`."""


class Account(Protocol):
    """What `analyzer.report()` gives: an exercise `Report`, or a live routine's account of
    several; the JSON report writes `as_dict()` under its `section` ("exercise", "routine")."""

    section: str

    def as_dict(self) -> dict[str, Any]: ...


class Annotator(Protocol):
    def annotate(
        self,
        image: np.ndarray,
        pose: PoseFrame,
        feedback: Feedback | None,
        status: str | None = None,
    ) -> np.ndarray: ...


@dataclass
class SessionResult:
    """What one session saw: frame counts, the exercise report, and whether it ended early."""

    frames: int = 0
    detected: int = 0
    first_t: float | None = None
    last_t: float | None = None
    report: Report | Account | None = None
    partial: bool = False
    ended_reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def detection_rate(self) -> float:
        return self.detected / self.frames if self.frames else 0.0


def status_line(pose: PoseFrame, feedback: Feedback | None) -> str | None:
    """The panel's status when no analyzer speaks: tell the user when nobody is in view."""
    if not pose.detected:
        return "No person in view"
    if feedback is None:
        return "Pose only - no exercise chosen"
    return None


class _OutputThread:
    """Runs `emit(*item)` for each submitted item, in order, on one background thread.

    Why: drawing the overlay and H.264-encoding a frame cost about as much as the pose model at
    720p. MediaPipe runs its graph with the GIL released (ctypes), so doing the output work on
    this thread overlaps it with the next frame's decoding and inference instead of adding to
    it. The queue is short (memory stays flat) and blocks the producer when full; the first
    error is re-raised on the producer's side at the next submit or at close.
    """

    _STOP = object()

    def __init__(self, emit: Callable[..., None], maxsize: int = 4) -> None:
        self._emit = emit
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="formcheck-output", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        lower_this_thread()  # the model's thread is the critical path (formcheck.cpu)
        while True:
            item = self._queue.get()
            if item is self._STOP:
                return
            if self._error is None:
                try:
                    self._emit(*item)
                except BaseException as exc:  # handed to the producer
                    self._error = exc

    def submit(self, *item: Any) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def close(self) -> None:
        """Finish every queued item (even after Ctrl-C: they are already computed), then stop."""
        while True:
            try:
                self._queue.put(self._STOP)
                self._thread.join()
                break
            except KeyboardInterrupt:  # a second Ctrl-C: keep draining, the files need it
                continue
        if self._error is not None:
            raise self._error


class Session:
    """Feeds frames and poses through the analyzer, the overlay and the sinks.

        with Session(analyzer, sinks=[video, csv], overlay=Overlay()) as session:
            for frame in source:
                session.step(frame, estimator.process(frame))
        result = session.result

    Sinks are entered in `__enter__` so that an unwritable output fails before any work; they
    are closed in `close()`, marked partial when the session ended early.

    `background=True` draws and writes on a background thread (see `_OutputThread`): the right
    choice for files, where nobody looks at `last_annotated`. Live sessions draw in the caller's
    thread because the window shows the image at once (`draw_here=True`), and with `background`
    still write the sinks (the H.264 encoder, the CSV) on the thread, off the video loop.
    """

    def __init__(
        self,
        analyzer: Analyzer | None,
        sinks: Iterable[Sink] = (),
        overlay: Annotator | None = None,
        *,
        background: bool = False,
        draw_here: bool = False,
    ) -> None:
        self.analyzer = analyzer
        self.sinks = list(sinks)
        self.overlay = overlay
        self._background = background
        self._draw_here = draw_here
        self._output: _OutputThread | None = None
        self.result = SessionResult()
        self.last_feedback: Feedback | None = None
        self.last_annotated: np.ndarray | None = None
        self._entered: list[Sink] = []
        self._closed = False
        self._last_t: float | None = None

    def __enter__(self) -> "Session":
        try:
            for sink in self.sinks:
                sink.__enter__()
                self._entered.append(sink)
        except BaseException:
            for sink in reversed(self._entered):
                sink.close(partial=True)
            self._closed = True
            raise
        if self._background:
            self._output = _OutputThread(self._write if self._draw_here else self._emit)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        self.close(partial=exc_type is not None)

    def step(self, frame: Frame | None, pose: PoseFrame) -> Feedback | None:
        """One frame through the analyzer, overlay and sinks. Times must increase."""
        if self._last_t is not None and pose.t <= self._last_t:
            # Sources guarantee increasing times; a repeat here would corrupt hold timers.
            self.result.warnings.append(f"skipped a frame whose time {pose.t:.3f}s did not increase")
            return self.last_feedback
        self._last_t = pose.t
        r = self.result
        r.frames += 1
        r.detected += int(pose.detected)
        if r.first_t is None:
            r.first_t = pose.t
        r.last_t = pose.t
        feedback = self.analyzer.update(pose) if self.analyzer is not None else None
        self.last_feedback = feedback
        if self._draw_here:
            annotated = self._draw(frame, pose, feedback)
            self.last_annotated = annotated
            if self._output is not None:
                self._output.submit(frame, pose, annotated)
            else:
                self._write(frame, pose, annotated)
        elif self._output is not None:
            self._output.submit(frame, pose, feedback)
        else:
            self._emit(frame, pose, feedback)
        return feedback

    def _draw(self, frame: Frame | None, pose: PoseFrame, feedback: Feedback | None) -> np.ndarray | None:
        if self.overlay is None or frame is None:
            return None
        return self.overlay.annotate(frame.image, pose, feedback, status=status_line(pose, feedback))

    def _write(self, frame: Frame | None, pose: PoseFrame, annotated: np.ndarray | None) -> None:
        for sink in self._entered:
            sink.write(frame, pose, annotated)

    def _emit(self, frame: Frame | None, pose: PoseFrame, feedback: Feedback | None) -> None:
        """Draw the frame and hand it to every sink."""
        annotated = self._draw(frame, pose, feedback)
        self._write(frame, pose, annotated)
        self.last_annotated = annotated

    def run(
        self,
        steps: Iterable[Step],
        *,
        on_step: Callable[[Frame | None, PoseFrame, Feedback | None], bool] | None = None,
        ended: Callable[[], str | None] | None = None,
    ) -> SessionResult:
        """Drive every (frame, pose) step through the session, then close it; the result.

        `on_step` runs after each step (progress bar, live window); returning False ends the
        session as "stopped by the user" (a normal end for a live session). Ctrl-C ends it as
        "interrupted", and `EndSession(reason)` raised by `on_step` with its reason, both marked
        partial; `ended()` is asked, after a natural end of the steps, why the source ended early
        (a camera that stopped, a truncated file), also marked partial. Any other error closes
        the session (partial) and propagates.
        """
        reason: str | None = None
        try:
            try:
                for frame, pose in steps:
                    feedback = self.step(frame, pose)
                    if on_step is not None and on_step(frame, pose, feedback) is False:
                        reason = USER_STOPPED
                        break
            finally:  # a generator of steps ends here (a camera stops reading), not when collected
                close = getattr(steps, "close", None)
                if close is not None:
                    close()
        except KeyboardInterrupt:
            reason = INTERRUPTED
        except EndSession as stop:
            reason = str(stop) or INTERRUPTED
        except BaseException as exc:
            # Anything else (a full disk, a bug) still closes the outputs, marked partial, before
            # the error reaches the user: the frames already written stay playable.
            try:
                self.close(partial=True, ended_reason=f"stopped by an error: {exc}")
            except BaseException:
                pass
            raise
        if reason is None and ended is not None:
            reason = ended()
        return self.close(partial=reason not in (None, USER_STOPPED), ended_reason=reason)

    def close(self, partial: bool = False, ended_reason: str | None = None) -> SessionResult:
        """Finish the analyzer and close every sink (atomically); safe to call twice."""
        if self._closed:
            return self.result
        self._closed = True
        r = self.result
        r.partial = r.partial or partial
        if ended_reason:
            r.ended_reason = ended_reason
        # A failure (or a second Ctrl-C) while closing one part must not cost the others their
        # files: close everything, then re-raise the first problem.
        errors: list[BaseException] = []
        if self._output is not None:
            try:
                self._output.close()
            except BaseException as exc:
                errors.append(exc)
        if self.analyzer is not None:
            try:
                r.report = self.analyzer.report()
            except BaseException as exc:
                errors.append(exc)
        for sink in reversed(self._entered):
            try:
                sink.close(partial=r.partial)
            except BaseException as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
        return r
