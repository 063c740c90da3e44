"""How every error an author sees is shaped: `FILE:LINE:COL: error: MESSAGE`, the
line with a caret under the culprit, and a hint such as "did you mean …".

One place for it, so a `.scene` error, a `character.yaml` error and a CLI
message all read alike.
"""
from __future__ import annotations

import difflib
from typing import Iterable


def closest(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    found = difflib.get_close_matches(name, list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(name: str, choices: Iterable[str], fallback: str | None = None, cutoff: float = 0.6) -> str | None:
    match = closest(name, choices, cutoff)
    return f"did you mean '{match}'?" if match else fallback


def caret_lines(text: str, column: int, length: int = 1) -> list[str]:
    """The source line in a gutter, and a caret (with ~ under the rest of the token)."""
    text = text.rstrip("\n").replace("\t", " ")
    gutter = "    | "
    if len(text) > SHOWN_LINE:
        # A line of thousands of characters (a template loop, a mangled file) is shown
        # as a window around the column, marked with … where it was cut.
        start = max(0, min(column - 1 - SHOWN_LINE // 3, len(text) - SHOWN_LINE))
        end = start + SHOWN_LINE
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
        column = column - start + (1 if start else 0)
        length = min(length, SHOWN_LINE)
    pad = " " * max(0, column - 1)
    return [f"{gutter}{text}", f"{gutter}{pad}^{'~' * max(0, min(length, len(text) - column + 1) - 1)}"]


SHOWN_LINE = 120  # characters of a source line shown under an error


def format_diagnostic(file: str, line: int, column: int, message: str, source_line: str = "", length: int = 1,
                      hint: str | None = None) -> str:
    out = [f"{file}:{line}:{column}: error: {message}"]
    if source_line.strip():
        out += caret_lines(source_line, column, length)
    if hint:
        out.append(f"  hint: {hint}")
    return "\n".join(out)
