"""Spoken cues: an offline speech engine behind a queue that never holds up the video.

`Voice.offer(say)` returns at once; one worker thread speaks one line at a time through a
`Speaker`. Counts and announcements are kept in order; a coaching cue waits for nothing: only the
newest is kept, it is dropped when stale, and the same cue is not repeated within
`repeat_after` seconds, nor any cue within `cooldown` seconds of the last one, so the voice
coaches instead of chattering. A speaker that fails stops the voice and leaves the error for
the session to end on (`error`).

The engine is Debian's `espeak-ng`, run as a subprocess (`EspeakSpeaker`): small, offline, and
light on the two cores the pose model needs (docs/live.md says what else was considered).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from formcheck.live.state import ANNOUNCE, COUNT, CUE, Say

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_word(n: int) -> str:
    """A count as it is spoken: 3 -> "three", 42 -> "forty-two" (digits from 100 on)."""
    if 0 <= n < 20:
        return _ONES[n]
    if 20 <= n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    return str(n)


class NoSoundOutput(RuntimeError):
    """The engine runs but cannot play (no sound device): the voice goes silent with a warning."""


class Speaker(Protocol):
    """Speaks one line and returns when it is done (called on the voice's own thread)."""

    name: str

    def say(self, text: str) -> None: ...


class EspeakSpeaker:
    """Debian's espeak-ng as a subprocess: `espeak-ng -s WPM TEXT` plays on the default output.

    `extra_args` go before the text (e.g. `["-w", "out.wav"]` writes a file instead: tests).
    A line that takes longer than `timeout` seconds is cut off. espeak-ng exits 0 even when it
    cannot play; what it says on stderr then raises `NoSoundOutput`.
    """

    name = "espeak-ng"

    def __init__(self, executable: str, *, words_per_minute: int = 150,
                 extra_args: list[str] | None = None, timeout: float = 15.0) -> None:
        self.executable = executable
        self.args = ["-s", str(words_per_minute), *(extra_args or [])]
        self.timeout = timeout

    def say(self, text: str) -> None:
        done = subprocess.run([self.executable, *self.args, "--", text], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=self.timeout,
                              check=False)
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        if done.returncode != 0:
            raise RuntimeError(f"espeak-ng exited with {done.returncode}" + (f": {detail[-1]}" if detail else ""))
        problems = [line for line in detail if "error" in line.lower() or "can't" in line.lower()]
        if problems:
            raise NoSoundOutput(f"espeak-ng cannot play (no sound device?): {problems[-1]}")


def find_speaker() -> Speaker | None:
    """The installed offline engine, or None (the caller warns once and goes on silent)."""
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    return EspeakSpeaker(exe) if exe else None


class Voice:
    """The cue queue in front of a speaker (see the module docstring). A speaker that raises
    `NoSoundOutput` leaves `warning` set and the voice silent; any other failure leaves `error`.

    `clock` is injectable so tests can drive the cooldowns; `max_age` is how long a cue may wait
    before it is no longer worth saying; `backlog` bounds the counts and announcements waiting.
    """

    def __init__(self, speaker: Speaker, *, cooldown: float = 2.5, repeat_after: float = 8.0,
                 max_age: float = 2.0, backlog: int = 4,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.speaker = speaker
        self.cooldown, self.repeat_after, self.max_age = cooldown, repeat_after, max_age
        self._clock = clock
        self._cond = threading.Condition()
        self._ordered: deque[tuple[Say, float]] = deque(maxlen=backlog)  # counts, announcements
        self._cue: tuple[Say, float] | None = None  # the newest coaching cue
        self._said: dict[str, float] = {}  # cue text -> when last spoken
        self._last_cue_end = float("-inf")
        self._closed = False
        self.error: str | None = None
        self.warning: str | None = None  # why the voice went silent (no sound device)
        self.spoken: list[str] = []  # what was said, in order (the session's record)
        self._thread = threading.Thread(target=self._run, name="formcheck-voice", daemon=True)
        self._thread.start()

    def offer(self, say: Say) -> None:
        """Queue a line; never blocks on the speaker."""
        now = self._clock()
        with self._cond:
            if self._closed or self.error is not None:
                return
            if say.kind in (COUNT, ANNOUNCE):
                self._ordered.append((say, now))
            else:
                self._cue = (say, now)
            self._cond.notify()

    def _next(self) -> Say | None:
        """The line to speak now (lock held), or None: ordered lines first, then a fresh cue."""
        if self._ordered:
            return self._ordered.popleft()[0]
        if self._cue is None:
            return None
        say, offered = self._cue
        now = self._clock()
        if now - offered > self.max_age or now - self._said.get(say.text, float("-inf")) < self.repeat_after:
            self._cue = None  # stale, or said a moment ago
            return None
        if now - self._last_cue_end < self.cooldown:
            return None  # keep it until the cooldown is over (unless a newer one replaces it)
        self._cue = None
        return say

    def _run(self) -> None:
        while True:
            with self._cond:
                say = None
                while not self._closed:
                    say = self._next()
                    if say is not None:
                        break
                    self._cond.wait(0.1 if self._cue is not None else None)
                if say is None:
                    return
            try:
                self.speaker.say(say.text)
            except NoSoundOutput as exc:  # nothing to hear on this machine: silence, once told
                with self._cond:
                    self.warning = str(exc)
                return
            except Exception as exc:  # the session ends on it, with its outputs
                with self._cond:
                    self.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                return
            with self._cond:
                self.spoken.append(say.text)
                if say.kind == CUE:
                    self._said[say.text] = self._last_cue_end = self._clock()

    def close(self, timeout: float = 3.0) -> None:
        """Stop: what is queued is dropped; a line being spoken may finish (up to `timeout`)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)


__all__ = ["Voice", "Speaker", "NoSoundOutput", "EspeakSpeaker", "find_speaker", "number_word", "CUE", "COUNT", "ANNOUNCE"]
