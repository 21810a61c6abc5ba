"""A terminal progress line (frames, fps, ETA) that stays quiet when stderr is not a terminal;
`BatchProgress` is the one line of a whole batch (videos and frames done across the workers).

Small enough not to warrant a dependency: one line rewritten in place with `\r`, at most a few
times a second so drawing it never costs analysis time.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _fmt_seconds(s: float) -> str:
    s = max(0, int(round(s)))
    return f"{s // 60:d}:{s % 60:02d}"


class Progress:
    """`update(frames_done)` per frame; `close()` ends the line. `enabled=None` = auto (a tty)."""

    def __init__(
        self,
        total: int | None,
        *,
        label: str = "",
        stream: TextIO | None = None,
        enabled: bool | None = None,
        min_interval: float = 0.25,
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = total if total and total > 0 else None
        self.label = label
        self.min_interval = min_interval
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._done = 0
        self._drawn = False

    def update(self, done: int) -> None:
        self._done = done
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw < self.min_interval and done != self.total:
            return
        self._last_draw = now
        self.stream.write("\r" + self.line(now) + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def line(self, now: float | None = None) -> str:
        """The text of the progress line (also used by tests)."""
        now = time.monotonic() if now is None else now
        elapsed = max(1e-9, now - self._start)
        fps = self._done / elapsed
        prefix = f"{self.label} " if self.label else ""
        if self.total:
            pct = 100.0 * self._done / self.total
            eta = (self.total - self._done) / fps if fps > 0 else 0.0
            return (
                f"{prefix}{self._done}/{self.total} frames ({pct:3.0f}%) "
                f"{fps:5.1f} fps  ETA {_fmt_seconds(eta)}"
            )
        return f"{prefix}{self._done} frames {fps:5.1f} fps  {_fmt_seconds(elapsed)}"

    def note(self, text: str) -> None:
        """A message on a line of its own, above the progress line (drawn again at the next update)."""
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False
        self.stream.write(text + "\n")
        self.stream.flush()
        self._last_draw = 0.0

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


class BatchProgress(Progress):
    """One line for a whole batch: videos done, frames done across every worker, fps, ETA.

    Workers report `frames(task, done, total)` as they go and `finished(task, frames)` at the
    end. Videos not started yet count with the mean length of those whose length is known, so
    the ETA holds before every video has been opened.
    """

    def __init__(self, videos: int, **options: object) -> None:
        super().__init__(None, **options)  # type: ignore[arg-type]
        self.videos = videos
        self.finished_videos = 0
        self._by_task: dict[int, int] = {}
        self._totals: dict[int, int] = {}

    def frames(self, task: int, done: int, total: int | None = None) -> None:
        self._by_task[task] = done
        if total:
            self._totals.setdefault(task, total)
        self.update(sum(self._by_task.values()))

    def finished(self, task: int, frames: int) -> None:
        """Video `task` is over after `frames` frames (its real length, whatever was expected)."""
        self.finished_videos += 1
        self._by_task[task] = self._totals[task] = frames
        self.update(sum(self._by_task.values()))

    def expected_frames(self) -> int | None:
        if not self._totals:
            return None
        mean = sum(self._totals.values()) / len(self._totals)
        return int(sum(self._totals.values()) + mean * max(0, self.videos - len(self._totals)))

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = max(1e-9, now - self._start)
        fps = self._done_frames() / elapsed
        head = f"{self.label} " if self.label else ""
        head += f"{self.finished_videos}/{self.videos} videos, {self._done_frames()}"
        total = self.expected_frames()
        if total and fps > 0:
            eta = max(0, total - self._done_frames()) / fps
            return f"{head}/~{total} frames {fps:5.1f} fps  ETA {_fmt_seconds(eta)}"
        return f"{head} frames {fps:5.1f} fps  {_fmt_seconds(elapsed)}"

    def _done_frames(self) -> int:
        return sum(self._by_task.values())
