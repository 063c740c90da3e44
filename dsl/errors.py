"""Errors an author sees: `FILE:LINE:COL: error: MESSAGE`, the line, a caret, a hint.

Stages raise `SceneError` with a span in the text they saw (the expanded text
for the parser and compiler); the front end attaches `location`, the place in
the file the author wrote, before the error is shown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..diagnostics import caret_lines, did_you_mean  # noqa: F401 - did_you_mean is re-exported
from .ast import Span


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int
    source_line: str = ""
    length: int = 1
    expanded_line: str | None = None  # shown when Jinja changed the line
    expanded_column: int | None = None
    expanded_label: str = "after template expansion the line reads"  # what `expanded_line` is


class SceneError(Exception):
    def __init__(self, message: str, span: Span | None = None, hint: str | None = None,
                 location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        self.location = location

    def format(self) -> str:
        loc = self.location
        message = _shorten_quotes(self.message)
        if loc is None:
            lines = [f"error: {message}"]
        else:
            lines = [f"{loc.file}:{loc.line}:{loc.column}: error: {message}"]
            if loc.source_line.strip():
                lines += caret_lines(loc.source_line, loc.column, loc.length)
            if loc.expanded_line is not None and loc.expanded_column is not None:
                lines.append(f"  {loc.expanded_label}:")
                lines += caret_lines(loc.expanded_line, loc.expanded_column, loc.length)
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()



class SceneWarning(UserWarning):
    """Something the compiler changed to make it work (a clip trimmed past its file's
    end): issued with `warnings.warn` and a span; `load_scene` locates it in the
    author's file and logs it as `FILE:LINE:COL: warning: MESSAGE`."""

    def __init__(self, message: str, span: Span | None = None):
        super().__init__(message)
        self.message, self.span = message, span


def warning_text(message: str, loc: Location | None) -> str:
    if loc is None:
        return f"warning: {message}"
    return "\n".join([f"{loc.file}:{loc.line}:{loc.column}: warning: {message}",
                      *(caret_lines(loc.source_line, loc.column, loc.length) if loc.source_line.strip() else [])])


_LONG_QUOTE = re.compile(r"(?<!\w)'([^'\s]{300,})'")


def _shorten_quotes(message: str) -> str:
    """A quoted token of thousands of characters (a mangled or generated file) cut to
    its start, so that the message stays one readable line."""
    return _LONG_QUOTE.sub(lambda m: f"'{m.group(1)[:60]}…' ({len(m.group(1)):,} characters)", message)
