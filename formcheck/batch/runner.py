"""What every batch backend is: run one function over many tasks, each whole task in a worker.

A task is one whole video (or one clip's pose pass): the pose tracker in VIDEO mode keeps state
from frame to frame and needs increasing timestamps, so a video is never split between workers.
The function and its tasks are plain, picklable data (`fn(index, task, reporter) -> result`);
results are plain data too, so they cross a process or a network unchanged.

A worker tells the driver how far it is through a `Reporter`, and learns from the same call
whether to stop (Ctrl-C on the driver): `FrameTicker` turns that into the per-frame hook of
`pipeline.analyze_file`, raising KeyboardInterrupt in the worker so its run ends exactly as
Ctrl-C ends a single run (outputs kept, marked partial).

Backends: `pool.ProcessPool` (this machine's cores) and `ray_cluster.RayCluster` (a Ray
cluster). Each calls `on_result(index, result)` as tasks finish, in any order, and returns True
when it was interrupted; an error a task did not handle itself comes back as `TaskFailed`.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from formcheck.cpu import available_cores

__all__ = ["Reporter", "TaskFailed", "FrameTicker", "Runner", "call_task", "available_cores", "where"]


class Reporter(Protocol):
    """The worker's side of the line to the driver."""

    def progress(self, index: int, done: int, total: int | None) -> bool:
        """Tell the driver task `index` has `done` of `total` frames; False: stop now."""
        ...


@dataclass(frozen=True)
class TaskFailed:
    """A task that ended with an error it did not handle, or whose worker died."""

    message: str
    interrupted: bool = False


class FrameTicker:
    """`analyze_file`'s `on_frames` hook for a worker: reports at most every `every` seconds,
    and raises KeyboardInterrupt when the driver asks the batch to stop."""

    def __init__(self, reporter: Reporter, index: int, every: float = 0.25) -> None:
        self.reporter = reporter
        self.index = index
        self.every = every
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        if not self.reporter.progress(self.index, done, total):
            raise KeyboardInterrupt  # the driver's Ctrl-C, delivered where the run can handle it


def call_task(fn: Callable[[int, Any, Reporter], Any], index: int, task: Any, reporter: Reporter) -> Any:
    """Run one task in a worker; an error it did not handle comes back as a TaskFailed, never
    as an exception that would take the worker (and, in a pool, its other tasks) with it."""
    try:
        return fn(index, task, reporter)
    except KeyboardInterrupt:
        return TaskFailed("interrupted", interrupted=True)
    except Exception as exc:  # a bug, reported in the task's row; the batch goes on
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        at = f" (at {os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
        text = " ".join(str(exc).split()) or type(exc).__name__
        return TaskFailed(f"{type(exc).__name__}: {text}{at}")


class Runner(Protocol):
    """A batch backend."""

    #: e.g. "2 processes", "Ray cluster at auto (4 CPUs)": said in the batch summary
    description: str

    def run(
        self,
        fn: Callable[[int, Any, Reporter], Any],
        tasks: Sequence[Any],
        *,
        on_result: Callable[[int, Any], None],
        on_progress: Callable[[int, int, int | None], None] | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> bool:
        """Run every task; True when Ctrl-C stopped the batch (tasks not started have no
        result). `on_stop()` is called once, when the Ctrl-C arrives."""
        ...


def where() -> str:
    """host:pid of the process running a task (in the summary, so a failing node can be found)."""
    return f"{socket.gethostname()}:{os.getpid()}"
