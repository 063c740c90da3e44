"""The audio stage's one error type."""
from __future__ import annotations


class AudioError(ValueError):
    """Bad audio input: an unreadable file, an unknown sound, a bad music setting.

    `message` names the file or the value; `hint` (may be None) says what would
    work. `str(err)` is the message followed by the hint in parentheses, so a
    caller that only prints the exception still shows both.
    """

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"
