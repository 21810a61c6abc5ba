"""What every source is: the `Source` interface and the one-line reason for a failure.

Every source is an iterable of `Frame(t, image, index)` with the same promises, so the session
never asks what it is reading:

- `t` is seconds from the source's own clock (a file's presentation timestamps, a camera's
  `time.monotonic()`), starting near 0 and strictly increasing; nothing downstream should
  recompute time from frame indices (variable frame rate and dropped frames make that wrong).
- `image` is BGR uint8 and upright: a phone video's display matrix is applied here, once.
- `info` (a `SourceInfo`) is known before the first frame, so sinks can be opened early.
- `dropped` counts frames the source did not deliver, and `ended_reason` is None when the
  source ran to its natural end (the end of a file) or a one-line reason when it ended early (a
  camera that stopped, a file that breaks off mid-stream). An early end is never an exception:
  the frames already delivered stay valid, and the caller decides how to report it (the
  pipeline marks its outputs partial).
- Bad inputs discovered before the first frame (missing file, not a video, camera that will
  not open) raise `UserError` with a one-line message.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from types import TracebackType
from typing import Self

from formcheck.frames import Frame, SourceInfo

__all__ = ["Source", "one_line"]


class Source(ABC):
    """What every source offers: iterate for `Frame`s; `info`, `dropped`, `ended_reason`.

    A source is a context manager and must be closed (`close()` is idempotent): files and
    cameras are OS resources that should not wait for the garbage collector.
    """

    info: SourceInfo
    #: Why iteration ended early, in one line; None while running or after a natural end.
    ended_reason: str | None = None

    @property
    def dropped(self) -> int:
        """Frames the source had but did not deliver (too slow a consumer, broken timestamps)."""
        return 0

    @abstractmethod
    def __iter__(self) -> Iterator[Frame]: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()



def one_line(error: BaseException) -> str:
    """An FFmpeg or OS error as a short one-line reason."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(str(text).split())
