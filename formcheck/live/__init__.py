"""The live coaching session's own pieces, assembled by `pipeline.run_live`.

- `coach`: `LiveCoach`, one exercise or a routine turned into what the mat needs (set-up
  guidance, pauses, the count of the set, rest, announcements), and the keys' commands;
- `guidance`: the analyzer's cannot-judge reason as one instruction ("Turn side on...");
- `routine`: the routines (`low-back`) and their one session report;
- `state`: `LiveFeedback` and the phases; `screen`: the screen read from 2-3 m;
- `voice`: the cue queue and the offline speech engine; `window`: the HighGUI window and keys;
- `cameras`: `--list-cameras`; `latency`: fps and capture-to-screen latency;
- `standin`: a stand-in camera playing video files at a camera's pace (tests, benchmark).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from formcheck.live.coach import COMMANDS, NEXT, PAUSE, RESTART, LiveCoach, Step
from formcheck.live.latency import LatencyMeter
from formcheck.live.routine import (
    DEFAULT_REST, ROUTINES, Routine, RoutineReport, exercise_coach, missing_analyzers, routine_coach,
    routine_of,
)
from formcheck.live.screen import LiveScreen
from formcheck.live.state import LiveFeedback, Say
from formcheck.live.voice import Speaker, Voice, find_speaker

QUIT = "quit"  # the display's command to end the session


class Display(Protocol):
    """Shows the live screen; returns the key's command (QUIT or one of `COMMANDS`) or None."""

    def show(self, image: np.ndarray) -> str | None: ...


__all__ = [
    "COMMANDS", "NEXT", "PAUSE", "RESTART", "QUIT", "Display", "LiveCoach", "Step", "LatencyMeter",
    "DEFAULT_REST", "ROUTINES", "Routine", "RoutineReport", "exercise_coach", "missing_analyzers",
    "routine_coach", "routine_of", "LiveScreen", "LiveFeedback", "Say", "Speaker", "Voice", "find_speaker",
]
