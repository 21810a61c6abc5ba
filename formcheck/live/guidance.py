"""Set-up guidance: the one instruction that gets a person into position, from the analyzer.

The analyzer already judges every frame from the landmarks and says, in the shared words of
`analyzers.reasons`, why it cannot judge one (nobody in view, body not fully visible, wrong view,
not lying down, not on the back or face down). Guidance does not judge a second time: it turns
that reason into what to do about it ("Move back until your whole body is in view"), in the
posture the exercise's registry entry names, and holds an instruction for a moment before it
changes so the screen and the voice do not flicker between two.
"""

from __future__ import annotations

from collections import Counter, deque

from formcheck.analyzers.reasons import (
    BELOW_NOISE, BODY_NOT_VISIBLE, NO_PERSON, NOT_LYING, NOT_PRONE, NOT_SUPINE, WRONG_VIEW,
)

#: How to lie for each posture of the registry (`ExerciseSpec.posture`).
POSITION = {
    "supine": "Lie on your back, knees bent",
    "prone": "Lie face down, hands under your shoulders",
}
STEP_INTO_VIEW = "Move into the camera's view"
MOVE_BACK = "Move back until your whole body is in view"
TURN_SIDE_ON = "Turn side on to the camera"
HOLD_STILL = "Hold still: finding your start position"
STEADY = "Hold still: the camera cannot see you steadily"
CALIBRATING = "calibrating"  # the framework's state while it takes the neutral


def position_words(posture: str) -> str:
    """How to lie for `posture` ("supine", "prone"); a generic line for an unknown one."""
    return POSITION.get(posture, "Get into the start position")


def instruction(reason: str | None, posture: str, state: str = "") -> str | None:
    """What to do about the analyzer's cannot-judge `reason` (None: nothing to fix).

    `state` "calibrating" (the neutral is being taken) asks the person to keep still. A reason
    of an exercise's own ("knees moving: not a pelvic tilt") is shown in its own words.
    """
    if reason is None:
        return HOLD_STILL if state == CALIBRATING else None
    fixed = {
        NO_PERSON: STEP_INTO_VIEW,
        BODY_NOT_VISIBLE: MOVE_BACK,
        WRONG_VIEW: TURN_SIDE_ON,
        NOT_LYING: position_words(posture),
        NOT_SUPINE: position_words(posture),
        NOT_PRONE: position_words(posture),
        BELOW_NOISE: STEADY,
    }
    if reason in fixed:
        return fixed[reason]
    return reason[:1].upper() + reason[1:]


class Guide:
    """The instruction on screen: the first at once, then another only once it has been asked
    for in most (`share`) of the frames of the last `settle` seconds.

    A reason that flickers for a frame or two (a landmark dipping below its visibility, the
    detector losing a cut-off body for a frame) would otherwise flash another instruction, or
    keep the old one up for ever, and start the voice on it.
    """

    def __init__(self, settle: float = 0.4, share: float = 0.6) -> None:
        self.settle, self.share = settle, share
        self.shown: str | None = None
        self._recent: deque[tuple[float, str | None]] = deque()

    def reset(self) -> None:
        self.shown = None
        self._recent.clear()

    def update(self, t: float, wanted: str | None) -> str | None:
        """Feed the instruction this frame asks for; the one to show."""
        recent = self._recent
        recent.append((t, wanted))
        while len(recent) > 1 and recent[1][0] <= t - self.settle:
            recent.popleft()  # keep one frame at or before the window's start
        if self.shown is None:
            self.shown = wanted
            return wanted
        if recent[0][0] > t - self.settle:
            return self.shown  # not seen long enough yet
        counts = Counter(w for _, w in recent)
        best, n = counts.most_common(1)[0]
        if best != self.shown and n >= self.share * len(recent):
            self.shown = best
        return self.shown
