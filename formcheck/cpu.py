"""The cores this process may use, and the lower priority of the threads that work around the
pose model.

Analyzing a video runs three threads (`sources.ReadAhead` decodes, the caller runs the model,
`session._OutputThread` draws and encodes). The decoder and the writer have slack, bounded
queues either side of the model, while the model's thread (and MediaPipe's own threads, which
it starts) is the critical path: on a machine with few cores the other two should run in its
gaps rather than preempt it. Linux gives each thread its own nice value, inherited by the
threads it starts (FFmpeg's decoder threads); elsewhere lowering is a no-op.
"""

from __future__ import annotations

import os
import threading

# The nice value added to a helper thread (to the lowest, 19): its share of a core the model
# wants is small, and it runs whenever the model waits, which a full queue makes it do
# (measured against 10 in docs/batch.md).
HELPER_NICE = 19


def available_cores() -> int:
    """The cores this process may run on (a container's or `taskset`'s limit, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def lower_this_thread(by: int = HELPER_NICE) -> bool:
    """Lower the calling thread's scheduling priority by `by` nice steps (at most to 19); True
    when it was lowered. Never raises: a platform without per-thread priorities keeps it."""
    if by <= 0 or not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return False
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + by))
        return True
    except OSError:
        return False
