"""Budgets: how big a `.scene` file may make the work, in one place.

A hostile or mistyped file must stop with a located error at `render check`,
not a traceback, a hang or a MemoryError at `render`. Each limit is far above
what a real video needs, and each error names the limit and a fix. The table
in docs/LANGUAGE.md ("Limits") lists them; keep the two in step.
"""
from __future__ import annotations

import math

from . import ast
from .errors import SceneError

# Blocks inside blocks (`scene {`, `together {`, `at 2s {`, a group's `{`): the
# parser and the compiler walk them recursively, so a few hundred would exhaust
# Python's stack.
MAX_NESTING = 64

# Digits in one number (`size 1920x1080` has 4 + 4; `0.125s` has 4): more would
# overflow a float to infinity, or make int() refuse the text.
MAX_DIGITS = 30

# The whole video's length, in seconds: every frame, blink and breath is
# planned up front, so a `wait` of a year would run out of memory.
MAX_DURATION = 24 * 3600.0

# Frames the video may have (length x fps): 24 hours at 60 fps.
MAX_FRAMES = 24 * 3600 * 60

# Elements (and backgrounds, group members, cast members on stage) in one
# scene: each is drawn on every frame.
MAX_LAYERS = 10_000

# A polygon's sides, a star's points: drawn as a path of that many corners on
# every frame (1e29 sides compiled at once, then never finished drawing).
MAX_POINTS = 1_000


def finite(value: float, span: ast.Span | None, what: str = "a number") -> float:
    """`value`, if it is finite: NaN and infinity never reach the engine."""
    if not math.isfinite(value):
        raise SceneError(f"{what} must be a finite number, got {value}", span,
                         hint="write an ordinary number, like 2.5")
    return value


def check_digits(text: str, span: ast.Span) -> None:
    """A number's text (`-12.5`, `1920x1080`, `3s`) has at most MAX_DIGITS digits in each part."""
    for part in text.split("x"):
        digits = sum(ch.isdigit() for ch in part)
        if digits > MAX_DIGITS:
            raise SceneError(f"a number with {digits} digits", span,
                             hint=f"numbers have at most {MAX_DIGITS} digits")


def check_length(seconds: float, span: ast.Span | None, what: str, fix: str) -> None:
    """`seconds` (scene-local or in the video) at most MAX_DURATION; else "WHAT N h, past the
    24 h limit", `what` saying what it is ("this step would run to")."""
    if not seconds <= MAX_DURATION:  # NaN fails too
        raise SceneError(f"{what} {_hours(seconds)}, past the {_hours(MAX_DURATION)} limit", span,
                         hint=f"a video lasts at most {_hours(MAX_DURATION)}; {fix}")


def check_frames(seconds: float, fps: float, span: ast.Span | None) -> None:
    frames = seconds * fps
    if not frames <= MAX_FRAMES:
        raise SceneError(f"the video would have {frames:,.0f} frames ({seconds:g}s at {fps:g} fps), "
                         f"more than the {MAX_FRAMES:,} limit", span,
                         hint="lower the fps or shorten the video")


def _hours(seconds: float) -> str:
    if not math.isfinite(seconds):
        return f"{seconds}s"
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds:g}s"


# ── files and template expansion (dsl/project.py, dsl/expand.py) ──────────────

# One file read by a template include or import, a `--data` file or a story: text
# this large is a mistake (or an attack), and media go through their own decoders.
MAX_INCLUDE_BYTES = 4_000_000

# A file name: the operating system's own limits (NAME_MAX, PATH_MAX), checked
# first so that an over-long name is a located error rather than ENAMETOOLONG.
MAX_PATH_PART_CHARS = 255
MAX_PATH_CHARS = 4096

# Template expansion: wall time, the text it may produce, and the items `range()`
# may hand out in all (nested loops multiply; the sandbox caps one range at 100,000).
MAX_EXPAND_SECONDS = 10.0
MAX_EXPANDED_BYTES = 2_000_000
MAX_LOOP_ITEMS = 1_000_000

# Numbers handed to a function or filter in a template (`'x'.center(N)`, `lipsum(N)`,
# `indent(N)`), and the size of a number a template computes (`10 ** N`), in bits:
# past these a single call allocates gigabytes before anything can stop it.
MAX_CALL_NUMBER = 1_000_000
MAX_INT_BITS = 100_000
