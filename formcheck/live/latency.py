"""Is the live session keeping up? Frames per second and capture-to-screen latency, measured.

`LatencyMeter.shown(captured, now)` is called once per frame when it reaches the screen (the
window showed it, or, without a window, the overlay has drawn it), with the monotonic time its
source received it (`Frame.captured`). Latencies go into a fixed histogram (0.25 ms bins up to
2 s), so p50/p95 cover the whole session in constant memory however long it runs; the `--debug`
HUD shows the last two seconds.
"""

from __future__ import annotations

from collections import deque

import numpy as np

BIN_MS = 0.25
MAX_MS = 2000.0


class LatencyMeter:
    """Counts frames shown and their capture-to-screen latency (see the module docstring)."""

    def __init__(self, recent_seconds: float = 2.0) -> None:
        self._hist = np.zeros(int(MAX_MS / BIN_MS) + 1, np.int64)  # the last bin: >= MAX_MS
        self.frames = 0
        self.first: float | None = None
        self.last: float | None = None
        self.worst_ms = 0.0
        self._recent: deque[tuple[float, float]] = deque(maxlen=512)  # (shown at, latency ms)
        self._recent_seconds = recent_seconds

    def shown(self, captured: float | None, now: float) -> None:
        self.frames += 1
        if self.first is None:
            self.first = now
        self.last = now
        if captured is None:
            return
        ms = max(0.0, (now - captured) * 1000.0)
        self._hist[min(int(ms / BIN_MS), len(self._hist) - 1)] += 1
        self.worst_ms = max(self.worst_ms, ms)
        self._recent.append((now, ms))

    def percentile(self, q: float) -> float | None:
        """The q-th percentile (0-100) of the latency in ms over the session (bin centre)."""
        total = int(self._hist.sum())
        if total == 0:
            return None
        index = int(np.searchsorted(np.cumsum(self._hist), q / 100.0 * total, side="left"))
        return min((index + 0.5) * BIN_MS, MAX_MS)

    @property
    def fps(self) -> float | None:
        """Frames shown per second over the session."""
        if self.first is None or self.last is None or self.last <= self.first:
            return None
        return (self.frames - 1) / (self.last - self.first)

    def summary(self, dropped: int = 0) -> dict[str, float | int | None]:
        """The report's figures: fps, latency p50/p95/max (ms), frames shown and dropped."""
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 1)

        return {"fps": r(self.fps), "latency_p50_ms": r(self.percentile(50)),
                "latency_p95_ms": r(self.percentile(95)), "latency_max_ms": r(self.worst_ms or None),
                "frames_shown": self.frames, "frames_dropped": dropped}

    def hud(self, dropped: int = 0) -> str:
        """One line for the debug HUD: the last seconds' fps and latency, and drops so far."""
        if not self._recent:
            return f"dropped {dropped}"
        end = self._recent[-1][0]
        recent = [(t, ms) for t, ms in self._recent if end - t <= self._recent_seconds]
        span = recent[-1][0] - recent[0][0]
        fps = (len(recent) - 1) / span if span > 0 else 0.0
        ms = np.array([m for _, m in recent])
        return (f"{fps:.1f} fps  latency p50 {np.percentile(ms, 50):.0f} / p95 "
                f"{np.percentile(ms, 95):.0f} ms  dropped {dropped}")
