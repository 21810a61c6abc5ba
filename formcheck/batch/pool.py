"""The local backend: `--jobs N` worker processes on this machine, each with its own pose model.

Processes, not threads: the analyzers and the overlay are Python and would share one GIL, and
each MediaPipe graph is best kept to the process that made it. Workers are started with
`spawn` (a fresh interpreter: no inherited threads or half-initialised native libraries) and
reused from one video to the next; each ignores SIGINT, so Ctrl-C reaches only the driver,
which tells every running task to stop through its `Reporter` and waits while they write
their outputs, marked partial (a second Ctrl-C waits too, as a single run's closing does:
the files need it). A worker that dies (a crash in native code, the kernel's OOM killer)
takes the tasks then in the pool with it; each of them is run again alone, so only the one
that kills its worker again is lost, as a row saying so.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from formcheck.batch.runner import Reporter, TaskFailed, call_task

__all__ = ["ProcessPool", "WORKER_DIED"]

WORKER_DIED = "its worker process died while running it (a crash, or out of memory)"
_WAIT = 0.2  # seconds between looks at the progress queue


class _QueueReporter:
    """A worker's Reporter: progress into a queue the driver drains, stop from a shared Event."""

    def __init__(self, messages: Any, stop: Any) -> None:
        self.messages = messages
        self.stop = stop

    def progress(self, index: int, done: int, total: int | None) -> bool:
        try:
            self.messages.put_nowait((index, done, total))
        except queue.Full:  # a full queue only delays the progress bar
            pass
        return not self.stop.is_set()


_REPORTER: _QueueReporter | None = None


def _start_worker(messages: Any, stop: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    global _REPORTER
    _REPORTER = _QueueReporter(messages, stop)


def _run_in_worker(fn: Callable[[int, Any, Reporter], Any], index: int, task: Any) -> Any:
    assert _REPORTER is not None, "worker not initialised"
    return call_task(fn, index, task, _REPORTER)


class ProcessPool:
    """Runs tasks on `jobs` worker processes of this machine (see the module docstring)."""

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs}")
        self.jobs = jobs
        self.description = f"{jobs} process{'es' if jobs > 1 else ''} on this machine"
        self._ctx = mp.get_context("spawn")
        self._on_stop: Callable[[], None] | None = None

    def run(
        self,
        fn: Callable[[int, Any, Reporter], Any],
        tasks: Sequence[Any],
        *,
        on_result: Callable[[int, Any], None],
        on_progress: Callable[[int, int, int | None], None] | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> bool:
        messages = self._ctx.Queue()
        stop = self._ctx.Event()
        self._on_stop = on_stop
        broken, interrupted = self._round(fn, tasks, range(len(tasks)), min(self.jobs, len(tasks)),
                                          messages, stop, on_result, on_progress)
        for index in broken:  # alone this time: if its worker dies again, it was this task
            if interrupted:
                on_result(index, TaskFailed(WORKER_DIED))
                continue
            again, stopped = self._round(fn, tasks, [index], 1, messages, stop, on_result, on_progress)
            interrupted |= stopped
            for i in again:
                on_result(i, TaskFailed(WORKER_DIED))
        return interrupted

    def _round(self, fn: Callable[[int, Any, Reporter], Any], tasks: Sequence[Any], indices: Sequence[int],
               workers: int, messages: Any, stop: Any, on_result: Callable[[int, Any], None],
               on_progress: Callable[[int, int, int | None], None] | None) -> tuple[list[int], bool]:
        """Run `indices` on a fresh pool; (tasks lost to a dead worker, interrupted)."""
        broken: list[int] = []
        interrupted = stop.is_set()
        executor = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=self._ctx,
                                       initializer=_start_worker, initargs=(messages, stop))
        try:
            futures: dict[Future, int] = {executor.submit(_run_in_worker, fn, i, tasks[i]): i for i in indices}
            pending = set(futures)
            while pending:
                try:
                    done, pending = wait(pending, timeout=_WAIT, return_when=FIRST_COMPLETED)
                    _drain(messages, on_progress)
                    for future in done:
                        if future.cancelled():
                            continue  # never started: no result
                        index = futures[future]
                        try:
                            result = future.result()
                        except BrokenProcessPool:
                            broken.append(index)
                            continue
                        except Exception as exc:  # e.g. a result that could not be pickled
                            result = TaskFailed(f"{type(exc).__name__}: {exc}")
                        on_result(index, result)
                except KeyboardInterrupt:
                    if not interrupted:
                        interrupted = True
                        stop.set()  # running tasks end as partial; the queued ones do not start
                        for future in pending:
                            future.cancel()
                        if self._on_stop is not None:
                            self._on_stop()
        finally:
            while True:
                try:
                    executor.shutdown(wait=True, cancel_futures=True)
                    break
                except KeyboardInterrupt:  # the workers are writing their outputs: let them
                    continue
        _drain(messages, on_progress)
        return broken, interrupted


def _drain(messages: Any, on_progress: Callable[[int, int, int | None], None] | None) -> None:
    while True:
        try:
            index, done, total = messages.get_nowait()
        except queue.Empty:
            return
        if on_progress is not None:
            on_progress(index, done, total)
