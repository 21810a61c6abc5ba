"""What every sink is: the `Sink` protocol the session writes to, and the atomic file life cycle.

Every output is written the same way (formcheck.files), so that an interrupted run (Ctrl-C, a
crash, a camera that dies) never leaves half a file behind:

1. `__enter__` checks the destination *before any work is done* (a read-only folder, a file where
   a folder should be, a parent that cannot be created) and raises a one-line `UserError` naming
   the path, instead of failing after an hour of analysis;
2. everything is written to a hidden temp file in the destination folder (same file system, so the
   final rename is atomic);
3. `close()` finishes the file (flushes the encoder, writes the MP4 index, fsyncs) and renames it
   into place. `close(partial=True)` does the same, so what was computed is kept as a valid file;
   the MP4 then carries the metadata comment "partial" (the JSON report says so in its own words).

`__exit__` calls `close(partial=exc_type is not None)` and never swallows the exception.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import numpy as np

from formcheck.files import discard, open_temp, publish
from formcheck.frames import Frame
from formcheck.landmarks import PoseFrame

__all__ = ["Sink", "AtomicSink", "output_paths", "PARTIAL_COMMENT"]

# The MP4 metadata comment of a video cut short (Ctrl-C, an error): the file is valid and
# plays, but it holds only the frames written before the interruption.
PARTIAL_COMMENT = "partial"


@runtime_checkable
class Sink(Protocol):
    """What the session writes every frame to; a context manager that finishes on exit.

    `frame` is None when there is no image, e.g. when `formcheck replay` feeds a recording's
    poses without rendering; `annotated` is the overlay's drawing of the frame, when there is
    one. `close(partial=True)` marks an interrupted run; its return value is not used.
    """

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None: ...

    def write(self, frame: Frame | None, pose: PoseFrame, annotated: np.ndarray | None) -> None: ...

    def close(self, partial: bool = False) -> object: ...


def output_paths(out_dir: str | os.PathLike[str], stem: str) -> dict[str, Path]:
    """The files one session writes into `out_dir`, named after the input's `stem`.

    Keys: "video" (<stem>.annotated.mp4), "csv" (<stem>.frames.csv), "report"
    (<stem>.report.json), "landmarks" (<stem>.landmarks.npz, the landmark recording written on
    request by formcheck.recording). Fixed names so that a user, a script and the docs can find
    them.
    """
    out = Path(out_dir)
    return {
        "video": out / f"{stem}.annotated.mp4",
        "csv": out / f"{stem}.frames.csv",
        "report": out / f"{stem}.report.json",
        "landmarks": out / f"{stem}.landmarks.npz",
    }



class AtomicSink:
    """The shared life cycle: check + temp file at enter, finish + rename at close.

    Subclasses implement `_open(fd, tmp)`, `write(...)` and `_finish(partial) -> bool` (False:
    nothing worth keeping, e.g. a video with no frame; the temp file is then removed).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.partial: bool | None = None  # set by close()
        self.written: bool = False  # True once the file is in place
        self.frames_written = 0
        self._tmp: Path | None = None
        self._closed = False

    def __enter__(self) -> Self:
        if self._tmp is not None or self._closed:
            raise RuntimeError(f"{type(self).__name__} for {self.path} can be entered only once")
        fd, tmp = open_temp(self.path)
        self._tmp = tmp
        try:
            self._open(fd, tmp)
        except BaseException:
            discard(tmp)
            self._tmp = None
            self._closed = True
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        try:
            self.close(partial=exc_type is not None)
        except Exception as err:
            if exc is None:
                raise
            # Keep the original exception (often Ctrl-C) as the one the user sees.
            exc.add_note(f"formcheck: also could not finish {self.path}: {err}")
        return False

    def close(self, partial: bool = False) -> None:
        """Finish the file and rename it into place; `partial` marks an interrupted run.

        Safe to call more than once. If finishing fails (or is interrupted), the temp file is
        removed, so no `.part` file is ever left behind.
        """
        if self._closed:
            return
        self._closed = True
        self.partial = partial
        tmp, self._tmp = self._tmp, None
        if tmp is None:
            return
        try:
            if self._finish(tmp, partial):
                if partial:
                    try:
                        self._mark_partial(tmp)
                    except Exception:
                        pass  # the file is whole, only unmarked; the JSON report says partial
                    except BaseException:
                        # A second Ctrl-C while marking: keep the finished file, then stop.
                        publish(tmp, self.path)
                        self.written = True
                        raise
                publish(tmp, self.path)
                self.written = True
        finally:
            discard(tmp)

    def _require_open(self) -> None:
        if self._tmp is None or self._closed:
            raise RuntimeError(f"{type(self).__name__} for {self.path} is not open (use it in a with block)")

    # Subclass hooks --------------------------------------------------------------------------
    def _open(self, fd: int, tmp: Path) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _finish(self, tmp: Path, partial: bool) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def _mark_partial(self, tmp: Path) -> None:
        """Record in the finished file that the run was cut short, where the format allows it
        (CSV has no place for it: a comment row would make it invalid CSV)."""
