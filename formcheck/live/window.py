"""The live window (OpenCV's HighGUI: Qt in opencv-contrib) and its keys.

`Window.show(image)` displays a frame and returns the command of the key pressed, if any:
q or Esc (or closing the window) quit; space pauses and resumes; r restarts the set; n goes to
the next exercise. It fails early, with a one-line `UserError`, where no window can be opened.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from formcheck.errors import UserError
from formcheck.live import NEXT, PAUSE, QUIT, RESTART

TITLE = "formcheck  (q quit, space pause, r restart set, n next exercise)"
KEYS = {ord("q"): QUIT, ord("Q"): QUIT, 27: QUIT, ord(" "): PAUSE, ord("r"): RESTART, ord("R"): RESTART,
        ord("n"): NEXT, ord("N"): NEXT}


class Window:
    """A resizable window showing the live screen (see the module docstring)."""

    def __init__(self, title: str = TITLE) -> None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise UserError("no display to open a window on; use --no-window")
        import cv2

        self.title = title
        try:
            # resizable, keeping the picture's shape, without the Qt toolbar (nothing to click on the mat)
            cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        except cv2.error as exc:
            raise UserError(f"cannot open a window ({getattr(exc, 'msg', str(exc)).strip()}); use --no-window") from None
        self._sized = False

    def show(self, image: np.ndarray) -> str | None:
        """Show `image`; the command of the key pressed ("quit", "pause", ...) or None."""
        import cv2

        if not self._sized:  # open at the frame's size, at least 960 wide: it is read from afar
            h, w = image.shape[:2]
            factor = max(1.0, 960.0 / max(w, 1))
            cv2.resizeWindow(self.title, int(w * factor), int(h * factor))
            self._sized = True
        cv2.imshow(self.title, image)
        key = cv2.waitKey(1)
        if key != -1 and (key & 0xFF) in KEYS:
            return KEYS[key & 0xFF]
        if cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            return QUIT  # the window's close button
        return None

    def close(self) -> None:
        import cv2

        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass
