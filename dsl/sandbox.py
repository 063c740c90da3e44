"""The Jinja environment templates run in: Jinja's sandbox plus budgets.

Jinja's `SandboxedEnvironment` stops a template from reaching Python's insides
(`__class__`, `__globals__`, unsafe `format`), but not from asking for more work
than any machine has: `'a' * 10**9`, `10 ** (10**9)`, `'x'.center(10**9)`, two
nested `range(100000)` loops. This environment adds the budgets of dsl/limits.py:

- numbers a template computes stay under MAX_INT_BITS, and repeated strings and
  lists under MAX_EXPANDED_BYTES (the `*`, `**` and `%` operators are intercepted);
- numbers handed to a function or a filter stay under MAX_CALL_NUMBER, and so do
  the widths in a format string (a single C call would allocate them at once);
- `range()` hands out at most MAX_LOOP_ITEMS items in all;
- the expansion stops after MAX_EXPAND_SECONDS (`ExpansionBudget`, which raises
  `TemplateBudgetError` inside the template's own Python code, so the error is
  located at the template line that was running) or past MAX_EXPANDED_BYTES of output.

Every refusal is a `TemplateBudgetError`, which dsl/expand.py locates at the
template line that caused it.
"""
from __future__ import annotations

import ctypes
import functools
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2.runtime import Macro
from jinja2.sandbox import SandboxedEnvironment, safe_range

from .limits import MAX_CALL_NUMBER, MAX_EXPAND_SECONDS, MAX_EXPANDED_BYTES, MAX_INT_BITS, MAX_LOOP_ITEMS
from .project import Project

_BIG_WIDTH = re.compile(r"\d{%d,}" % (len(str(MAX_CALL_NUMBER)) + 1))


class TemplateBudgetError(Exception):
    """A template asked for more than a budget of dsl/limits.py allows."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.marker: int | None = None  # the source map's marker of the line, where the frame cannot tell


def _too_big(what: str) -> TemplateBudgetError:
    return TemplateBudgetError(f"{what} is over the template budget",
                               hint="templates build scene text; numbers, strings and loops this large are "
                                    "a mistake (see 'Limits' in docs/LANGUAGE.md)")


def _check_number(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_CALL_NUMBER:
        raise _too_big(f"{what} {_short(value)}")


def _check_format(text: Any) -> None:
    if isinstance(text, str) and _BIG_WIDTH.search(text):
        raise _too_big("a width or precision in a format string")


def _short(value: int) -> str:
    digits = len(str(abs(value))) if value.bit_length() < 10_000 else None
    return f"({digits} digits)" if digits and digits > 12 else (f"{value}" if digits else "(a huge number)")


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else 0


class BudgetedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with storyreel's budgets and project-bound includes.

    Includes and imports are relative to the file that names them and must stay
    inside `project` (dsl/project.py); an absolute path or `../` that leaves it,
    or a symlink out of it, is a `ProjectPathError`."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, project: Project, **options: Any):
        super().__init__(**options)
        self.project = project
        self.loop_items = 0
        self.globals["range"] = self._range
        self.filters = {name: _budgeted_filter(f) for name, f in self.filters.items()}

    def join_path(self, template: str, parent: str) -> str:
        # `{% include "parts/intro.scene" %}` is relative to the file that says it.
        return str(self.project.resolve(template, Path(parent).parent))

    def _range(self, *args: int) -> range:
        for arg in args:
            _check_number(arg, "range() of")
        items = safe_range(*args)
        self.loop_items += len(items)
        if self.loop_items > MAX_LOOP_ITEMS:
            raise TemplateBudgetError(
                f"loops over range() ran past {MAX_LOOP_ITEMS:,} items in all",
                hint="nested loops multiply: loop over fewer items (see 'Limits' in docs/LANGUAGE.md)")
        return items

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if max(abs(left).bit_length(), 1) * right > MAX_INT_BITS and abs(left) > 1:
                raise _too_big("the power")
        elif operator == "*":
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                    raise _too_big("the product")
            elif isinstance(right, int) or isinstance(left, int):
                count, seq = (right, left) if isinstance(right, int) else (left, right)
                if count > 0 and _sized(seq) * count > MAX_EXPANDED_BYTES:
                    raise _too_big("the repeated string or list")
        elif operator == "%":
            _check_format(left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        # A macro is the template's own code: its arguments are the author's numbers
        # (milliseconds, pixels), and anything it builds goes through these checks again.
        if not isinstance(__obj, Macro):
            for value in (*args, *kwargs.values()):
                _check_number(value, "a number passed to a function:")
            if getattr(__obj, "__name__", "") in ("format", "format_map"):
                # The sandbox wraps str.format (functools.update_wrapper): the string is the original's __self__.
                _check_format(getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None))
        return super().call(__context, __obj, *args, **kwargs)


def _budgeted_filter(fn: Callable) -> Callable:
    @functools.wraps(fn)  # keeps jinja_pass_arg (pass_context, pass_environment)
    def budgeted(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            _check_number(value, f"a number passed to the '{fn.__name__}' filter:")
        if fn.__name__ == "do_format" and args:
            _check_format(args[0])
        return fn(*args, **kwargs)
    return budgeted


def collect(chunks: Iterator[str]) -> str:
    """A template's output, stopped past MAX_EXPANDED_BYTES."""
    out: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_EXPANDED_BYTES:
            error = TemplateBudgetError(
                f"the template's output is over {MAX_EXPANDED_BYTES // 1_000_000} MB of scene text",
                hint="a loop probably runs far more often than meant (see 'Limits' in docs/LANGUAGE.md)")
            # The line being repeated: the last line marker in the output (dsl/expand.py).
            marks = _MARKER.findall(chunk) or next((_MARKER.findall(c) for c in reversed(out[-64:])
                                                    if _MARKER.search(c)), [])
            error.marker = int(marks[-1]) if marks else None
            raise error
        out.append(chunk)
    return "".join(out)


_MARKER = re.compile(r"\x02(\d+)\x03(?=[ \t]*[^\x02\s])")  # a line marker followed by text on its line


class ExpansionBudget:
    """`with ExpansionBudget():` stops the code inside with `TemplateBudgetError`
    after MAX_EXPAND_SECONDS.

    A watchdog thread raises the error in this thread (PyThreadState_SetAsyncExc):
    a template's loops are Python code that checks for it between bytecodes, so
    the error surfaces inside the template and is located there. A lock makes
    sure it can only fire while the block is running; one still pending when the
    block ends is withdrawn and raised here instead."""

    def __init__(self, seconds: float | None = None):
        self.seconds = MAX_EXPAND_SECONDS if seconds is None else seconds  # read now: tests lower it
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._active = False
        self._fired = False
        self._thread_id = threading.get_ident()

    def __enter__(self) -> "ExpansionBudget":
        self._active = True
        threading.Thread(target=self._watch, name="template-budget", daemon=True).start()
        return self

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        with self._lock:
            if self._active:
                self._fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread_id),
                                                           ctypes.py_object(_TimedOut))

    def __exit__(self, exc_type, exc, tb) -> bool:
        self._done.set()
        with self._lock:
            self._active = False
            if self._fired:
                # Withdraw the error if it has not been delivered yet (a no-op if it has).
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread_id), None)
        if self._fired and exc_type is None:  # fired as the block ended, and withdrawn
            raise _timed_out(self.seconds)
        return False  # a delivered _TimedOut goes on with its traceback, which locates it


class _TimedOut(TemplateBudgetError):
    """What the watchdog raises inside the template (an exception class with no
    arguments, as PyThreadState_SetAsyncExc needs)."""

    def __init__(self) -> None:
        error = _timed_out(MAX_EXPAND_SECONDS)  # the budget in force (a test may have lowered it)
        super().__init__(error.message, error.hint)


def _timed_out(seconds: float) -> TemplateBudgetError:
    return TemplateBudgetError(f"template expansion took over {seconds:g} s",
                               hint="a loop probably runs far more often than meant, or never ends "
                                    "(see 'Limits' in docs/LANGUAGE.md)")
