"""The one exception a user ever sees: a one-line message and an exit code, no traceback.

Everything that is the input's fault (a missing file, a corrupt video, an unknown model, a camera
that will not open, an unwritable folder) is raised as `UserError` with a message that names the
thing and, where there is one, the fix. The CLI prints it on stderr as `formcheck: <message>`.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input or environment, told in one line."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
