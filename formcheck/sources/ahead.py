"""Decoding ahead of the model: a source read on a background thread into a short queue.

Why: decoding a frame (and turning it upright and into BGR) costs about a quarter of what the
pose model does on it. PyAV decodes with the GIL released, so on its own thread it overlaps the
model's work on the previous frame instead of adding to it. Unlike the live sources' one-slot
mailbox (`live.LatestFrame`, which drops stale frames), this queue drops nothing: a file is read
in full, in order, and the reader simply waits when it is `depth` frames ahead, so memory stays
bounded by `depth` images.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from formcheck.cpu import lower_this_thread
from formcheck.frames import Frame, SourceInfo
from formcheck.sources.base import Source

__all__ = ["ReadAhead"]

_END = object()  # the wrapped source ended (naturally or with its ended_reason)
_POLL = 0.1  # seconds between checks of the stop flag while the queue is full


class _Failed:
    """The wrapped source raised: the error is re-raised on the consumer's side."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class ReadAhead(Source):
    """`source`'s frames, unchanged and in order, read up to `depth` frames ahead on a thread.

        with ReadAhead(VideoFile("clip.mp4")) as video:
            for frame in video:
                ...

    `info`, `dropped` and `ended_reason` are the wrapped source's (read them after the frames
    are consumed, as with any source). An error of the source is raised where the frame would
    have been. `close()` (or leaving the iteration early, e.g. on Ctrl-C) stops the reader,
    waits for it, then closes the source, so the source is never used by two threads at once.
    """

    def __init__(self, source: Source, depth: int = 4) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self.source = source
        self.depth = depth
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=depth)

    @property
    def info(self) -> SourceInfo:  # type: ignore[override]
        return self.source.info

    @property
    def dropped(self) -> int:
        return self.source.dropped

    @property
    def ended_reason(self) -> str | None:  # type: ignore[override]
        return self.source.ended_reason

    def _put(self, item: object) -> bool:
        """Queue `item` unless asked to stop; False once stopping."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        lower_this_thread()  # so are the decoder threads FFmpeg starts here (formcheck.cpu)
        frames = iter(self.source)
        end: object = _END
        try:
            for frame in frames:
                if not self._put(frame):
                    break
        except BaseException as exc:  # handed to the consumer
            end = _Failed(exc)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()  # the source's own clean-up runs here, on the thread that used it
        self._put(end)

    def __iter__(self) -> Iterator[Frame]:
        self._stop_reader()
        self._stop.clear()
        self._queue = queue.Queue(maxsize=self.depth)
        self._thread = threading.Thread(target=self._read, name="formcheck-decode", daemon=True)
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _END:
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield item
        finally:
            self._stop_reader()

    def _stop_reader(self) -> None:
        """Ask the reader to stop and wait for it (through a second Ctrl-C too: the source must
        not be closed under its feet)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        while thread.is_alive():
            try:
                thread.join()
            except KeyboardInterrupt:
                continue

    def close(self) -> None:
        self._stop_reader()
        self.source.close()
