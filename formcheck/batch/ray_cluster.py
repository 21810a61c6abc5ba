"""The Ray backend (`--cluster ray[://ADDRESS]`): the same tasks on a Ray cluster.

Ray (the `cluster` extra) schedules one task per whole video, one CPU each, on whichever node
has one free; each task runs `work.analyze_video` in a Ray worker process that loads its own
pose model from the formcheck installed on that node (the bundles ship in its `models/`, so
nothing is fetched). The driver keeps at most `jobs` videos in flight (default: the cluster's
CPUs), so Ctrl-C has little to cancel: no new task is submitted, and a small actor tells the
running ones to stop, which end as partial like a single run does.

    ray                 start a local cluster (with --jobs CPUs), or join $RAY_ADDRESS
    ray://auto          join the cluster this machine is a node of (`ray start ...` was run)
    ray://HOST:PORT     join the cluster whose head listens there (`ray.init(address=...)`)
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Sequence
from typing import Any

from formcheck.batch.runner import Reporter, TaskFailed, call_task
from formcheck.errors import UserError

__all__ = ["RayCluster", "parse_cluster", "INSTALL_HINT"]

INSTALL_HINT = "the Ray backend needs the cluster extra: pip install -e '.[cluster]'"
_WAIT = 0.2  # seconds between looks at finished tasks and progress


def parse_cluster(spec: str) -> str | None:
    """`--cluster` -> the address for `ray.init` (None: start a local cluster or use
    $RAY_ADDRESS)."""
    if spec == "ray":
        return None
    if spec.startswith("ray://") and len(spec) > len("ray://"):
        return spec[len("ray://"):]
    raise UserError(f"--cluster {spec!r}: use ray (a local cluster), ray://auto or ray://HOST:PORT")


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise UserError(f"{INSTALL_HINT} ({exc})") from None
    return ray


class _Tracker:
    """A Ray actor between the driver and the tasks: progress in, the stop request out."""

    def __init__(self) -> None:
        self.updates: dict[int, tuple[int, int | None]] = {}
        self.stopping = False

    def update(self, index: int, done: int, total: int | None) -> bool:
        self.updates[index] = (done, total)
        return not self.stopping

    def take(self) -> dict[int, tuple[int, int | None]]:
        updates, self.updates = self.updates, {}
        return updates

    def stop(self) -> None:
        self.stopping = True


class _ActorReporter:
    """A Ray task's Reporter: each (throttled) progress call asks the tracker whether to go on."""

    def __init__(self, tracker: Any) -> None:
        self.tracker = tracker

    def progress(self, index: int, done: int, total: int | None) -> bool:
        import ray

        return bool(ray.get(self.tracker.update.remote(index, done, total)))


def _run_task(fn: Callable[[int, Any, Reporter], Any], index: int, task: Any, tracker: Any) -> Any:
    return call_task(fn, index, task, _ActorReporter(tracker))


def _check_reachable(address: str) -> None:
    """Fail in one line when HOST:PORT does not answer: Ray itself retries for minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto" and the like: Ray answers those at once
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise UserError(f"cannot reach the Ray cluster at {address} ({exc.strerror or exc})") from None


def _reason(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else 'Ray task failed'}"


class RayCluster:
    """Runs tasks on a Ray cluster (see the module docstring)."""

    def __init__(self, address: str | None, jobs: int | None = None) -> None:
        if jobs is not None and jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs}")
        self.address = address
        self.jobs = jobs
        joined = address or os.environ.get("RAY_ADDRESS")
        if joined:
            _check_reachable(joined)  # before any work, in one line
        cpus = f"{jobs} CPUs" if jobs else "a CPU per core"
        self.description = f"the Ray cluster at {joined}" if joined else f"a local Ray cluster with {cpus}"

    def _init(self, ray: Any) -> None:
        local = self.address is None and not os.environ.get("RAY_ADDRESS")
        try:
            ray.init(address=self.address, num_cpus=self.jobs if local else None,
                     include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        except Exception as exc:  # ConnectionError, a version mismatch, a port in use ...
            raise UserError(f"cannot start or reach the Ray cluster ({_reason(exc)})") from None

    def run(
        self,
        fn: Callable[[int, Any, Reporter], Any],
        tasks: Sequence[Any],
        *,
        on_result: Callable[[int, Any], None],
        on_progress: Callable[[int, int, int | None], None] | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> bool:
        ray = _import_ray()
        started_here = not ray.is_initialized()
        if started_here:
            self._init(ray)
        try:
            return self._run(ray, fn, tasks, on_result, on_progress, on_stop)
        finally:
            if started_here:
                ray.shutdown()

    def _run(self, ray: Any, fn: Callable[[int, Any, Reporter], Any], tasks: Sequence[Any],
             on_result: Callable[[int, Any], None],
             on_progress: Callable[[int, int, int | None], None] | None,
             on_stop: Callable[[], None] | None) -> bool:
        capacity = self.jobs or max(1, int(ray.cluster_resources().get("CPU", 1)))
        tracker = ray.remote(num_cpus=0)(_Tracker).remote()
        remote = ray.remote(num_cpus=1, max_retries=1)(_run_task)
        pending: dict[Any, int] = {}
        submitted = 0
        interrupted = False

        def report_progress() -> None:
            if on_progress is not None:
                for index, (done, total) in ray.get(tracker.take.remote()).items():
                    on_progress(index, done, total)

        while pending or (not interrupted and submitted < len(tasks)):
            try:
                while not interrupted and submitted < len(tasks) and len(pending) < capacity:
                    pending[remote.remote(fn, submitted, tasks[submitted], tracker)] = submitted
                    submitted += 1
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=_WAIT)
                report_progress()
                for ref in ready:
                    index = pending.pop(ref)
                    try:
                        result = ray.get(ref)
                    except ray.exceptions.RayError as exc:  # its worker or node died
                        result = TaskFailed(_reason(exc))
                    on_result(index, result)
            except KeyboardInterrupt:
                if not interrupted:
                    interrupted = True
                    tracker.stop.remote()
                    if on_stop is not None:
                        on_stop()
        return interrupted
