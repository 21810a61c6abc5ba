"""What the live coach tells the screen and the voice for one frame.

`LiveFeedback` is the exercise's `Feedback` with what a person on the mat needs on top: the
phase (getting ready, in position, holding, fault, paused, rest, done) that colours the screen,
the one instruction to show in large type, where the session is in a routine, the rest timer,
and the `Say` lines for the voice. Being a `Feedback`, it goes through the session, the sinks and
any annotator unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.analyzers.base import Feedback

GETTING_READY = "getting ready"
IN_POSITION = "in position"
HOLDING = "holding"
FAULT = "fault"
PAUSED = "paused"
REST = "rest"
DONE = "done"
PHASES = (GETTING_READY, IN_POSITION, HOLDING, FAULT, PAUSED, REST, DONE)

# What a line for the voice is: a count ("three"), an announcement (the next exercise, the
# change of position, the rest), or a coaching cue (dropped when stale or repeated).
COUNT, ANNOUNCE, CUE = "count", "announce", "cue"


@dataclass(frozen=True)
class Say:
    """One line for the voice."""

    text: str
    kind: str = CUE


@dataclass(frozen=True)
class LiveFeedback(Feedback):
    """A frame's feedback on the mat (see the module docstring).

    `count`, `good` and `by_side` are those of the current set (what counts toward the target:
    "r" restarts the set at 0); `step`/`steps` place the exercise in a routine (1 of 3);
    `rest_left` is set during a rest; `first_screen` asks for the safety line.
    """

    phase: str = GETTING_READY
    instruction: str = ""
    title: str = ""
    step: int = 1
    steps: int = 1
    rest_left: float | None = None
    first_screen: bool = False
    speech: tuple[Say, ...] = ()
