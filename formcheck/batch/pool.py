"""The local backend: `--jobs N` worker processes on this machine, each with its own pose model.

Processes, not threads: the analyzers and the overlay are Python and would share one GIL, and
each MediaPipe graph is best kept to the process that made it. Workers are started with
`spawn` (a fresh interpreter: no inherited threads or half-initialised native libraries) and
reused from one video to the next; each ignores SIGINT, so Ctrl-C reaches only the driver,
which tells every running task to stop through its `Reporter` and waits while they write
their outputs, marked partial (a second Ctrl-C waits too, as a single run's closing does:
the files need it). A worker that dies (a crash in native code, the kernel's OOM killer)
breaks the whole pool: the tasks not started yet run again in a fresh pool, and those under way
each run again alone, so only the one that kills its worker again is lost, as a row saying so.
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

    def run(
        self,
        fn: Callable[[int, Any, Reporter], Any],
        tasks: Sequence[Any],
        *,
        on_result: Callable[[int, Any], None],
        on_progress: Callable[[int, int, int | None], None] | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> bool:
        batch = _Batch(self._ctx, fn, tasks, on_result, on_progress, on_stop)
        todo = list(range(len(tasks)))
        for _ in range(_FULL_ROUNDS):
            if not todo or batch.stopped:
                break
            broken = batch.round(todo, min(self.jobs, len(todo)))
            # A dead worker breaks the whole pool: the tasks it had not started yet simply run
            # again; those under way are suspects and run alone, so that only the one whose
            # worker dies again is lost.
            todo = [i for i in broken if i not in batch.started]
            for index in (i for i in broken if i in batch.started):
                if batch.stopped or batch.round([index], 1):
                    on_result(index, TaskFailed(WORKER_DIED))
        for index in todo:  # still breaking pools after every round: alone, or lost
            if batch.stopped:
                break  # never started: no result
            if batch.round([index], 1):
                on_result(index, TaskFailed(WORKER_DIED))
        return batch.stopped


_FULL_ROUNDS = 3  # full-size pools tried before the tasks left run alone


class _Batch:
    """One `ProcessPool.run`: the shared progress queue and stop flag, and which tasks started."""

    def __init__(self, ctx: Any, fn: Callable[[int, Any, Reporter], Any], tasks: Sequence[Any],
                 on_result: Callable[[int, Any], None],
                 on_progress: Callable[[int, int, int | None], None] | None,
                 on_stop: Callable[[], None] | None) -> None:
        self.ctx, self.fn, self.tasks = ctx, fn, tasks
        self.on_result, self.on_progress, self.on_stop = on_result, on_progress, on_stop
        self.messages = ctx.Queue()
        self.stop = ctx.Event()
        self.started: set[int] = set()

    @property
    def stopped(self) -> bool:
        return self.stop.is_set()

    def _interrupt(self, pending: set[Future]) -> None:
        if self.stopped:
            return  # a second Ctrl-C: the running tasks are already finishing
        self.stop.set()  # running tasks end as partial; the queued ones do not start
        for future in pending:
            future.cancel()
        if self.on_stop is not None:
            self.on_stop()

    def round(self, indices: Sequence[int], workers: int) -> list[int]:
        """Run `indices` on a fresh pool of `workers`; the tasks lost to a dead worker."""
        broken: list[int] = []
        executor = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=self.ctx,
                                       initializer=_start_worker, initargs=(self.messages, self.stop))
        try:
            futures: dict[Future, int] = {
                executor.submit(_run_in_worker, self.fn, i, self.tasks[i]): i for i in indices}
            pending = set(futures)
            while pending:
                try:
                    done, pending = wait(pending, timeout=_WAIT, return_when=FIRST_COMPLETED)
                    self.drain()
                    for future in done:
                        if not future.cancelled():  # a cancelled one never started: no result
                            self._finished(futures[future], future, broken)
                except KeyboardInterrupt:
                    self._interrupt(pending)
        finally:
            while True:
                try:
                    executor.shutdown(wait=True, cancel_futures=True)
                    break
                except KeyboardInterrupt:  # the workers are writing their outputs: let them
                    continue
        self.drain()
        return broken

    def _finished(self, index: int, future: Future, broken: list[int]) -> None:
        try:
            result = future.result()
        except BrokenProcessPool:
            broken.append(index)
            return
        except Exception as exc:  # e.g. a result that could not be pickled
            result = TaskFailed(f"{type(exc).__name__}: {exc}")
        self.on_result(index, result)

    def drain(self) -> None:
        """Hand on the progress the workers sent; note which tasks have started."""
        while True:
            try:
                index, done, total = self.messages.get_nowait()
            except queue.Empty:
                return
            self.started.add(index)
            if self.on_progress is not None:
                self.on_progress(index, done, total)
