"""Values the author writes -> engine units (canvas pixels, seconds, RGBA).

`Canvas` holds what a conversion needs (size, design pixel, safe area, fps);
`Items` reads a step's or a declaration's values one at a time and raises a
`SceneError` pointing at the offending one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..engine.raster.color import ColorError, parse_color
from ..engine.timeline.easing import EASINGS, SPRING_DAMPING, SPRING_STIFFNESS, bezier_name, spring_name
from . import ast
from .errors import SceneError, did_you_mean

TIME_HINT = "add a unit: 2s, 500ms or 12f (frames)"

# name -> ((x fraction, y fraction) of the canvas, the element anchor it implies)
ANCHORS: dict[str, tuple[float, float]] = {
    "center": (0.5, 0.5), "top": (0.5, 0.0), "bottom": (0.5, 1.0), "left": (0.0, 0.5), "right": (1.0, 0.5),
    "top-left": (0.0, 0.0), "top-right": (1.0, 0.0), "bottom-left": (0.0, 1.0), "bottom-right": (1.0, 1.0),
}
SAFE_ANCHORS = {f"safe-{name}": frac for name, frac in ANCHORS.items()}
ALL_ANCHORS = {**ANCHORS, **SAFE_ANCHORS}
SIDES = ("left", "right", "top", "bottom")


@dataclass(frozen=True)
class Canvas:
    width: int
    height: int
    fps: float
    safe: tuple[float, float, float, float]  # x0, y0, x1, y1 in canvas px

    @property
    def unit(self) -> float:
        """Canvas pixels per design pixel (1/1080 of the shorter side)."""
        return min(self.width, self.height) / 1080.0

    def anchor_point(self, name: str) -> tuple[float, float]:
        fx, fy = ALL_ANCHORS[name]
        if name.startswith("safe-"):
            x0, y0, x1, y1 = self.safe
            return (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))
        return (fx * self.width, fy * self.height)


def describe(item: ast.Item) -> str:
    return f"'{item.text}'"


class Items:
    """A cursor over a statement's values."""

    def __init__(self, items: Iterable[ast.Item], canvas: Canvas, where: ast.Span):
        self.items = list(items)
        self.i = 0
        self.canvas = canvas
        self.where = where

    # -- cursor ---------------------------------------------------------------------
    def peek(self, offset: int = 0) -> ast.Item | None:
        j = self.i + offset
        return self.items[j] if j < len(self.items) else None

    def next(self, what: str) -> ast.Item:
        item = self.peek()
        if item is None:
            last = self.items[-1].span if self.items else self.where
            raise SceneError(f"missing {what}", ast.Span(last.end_line, last.end_column, last.end_line, last.end_column + 1),
                             hint=f"add {what} here")
        self.i += 1
        return item

    def at_end(self) -> bool:
        return self.i >= len(self.items)

    def peek_word(self, *names: str) -> bool:
        item = self.peek()
        return isinstance(item, ast.Word) and (not names or item.name in names)

    def take_word(self, *names: str) -> ast.Word | None:
        if self.peek_word(*names):
            self.i += 1
            return self.items[self.i - 1]  # type: ignore[return-value]
        return None

    def expect_word(self, what: str, choices: Iterable[str]) -> str:
        choices = list(choices)
        item = self.next(what)
        if not isinstance(item, ast.Word) or item.name not in choices:
            raise SceneError(f"expected {what}, got {describe(item)}", item.span,
                             hint=(did_you_mean(item.text, choices) if isinstance(item, ast.Word) else None)
                             or f"one of: {', '.join(choices)}")
        return item.name

    def finish(self, context: str) -> None:
        if not self.at_end():
            item = self.items[self.i]
            raise SceneError(f"unexpected {describe(item)} in {context}", item.span)

    # -- values -------------------------------------------------------------------------
    def time(self, what: str = "a duration") -> float:
        item = self.next(what)
        return self.time_of(item, what)

    def time_of(self, item: ast.Item, what: str = "a duration") -> float:
        if isinstance(item, ast.Time):
            if item.unit == "s":
                return item.value
            if item.unit == "ms":
                return item.value / 1000.0
            return item.value / self.canvas.fps
        if isinstance(item, ast.Number):
            raise SceneError("a bare number where a time is expected", item.span,
                             hint=f"add a unit: {item.text}s (seconds), or ms, or f (frames)")
        raise SceneError(f"expected {what}, got {describe(item)}", item.span, hint=TIME_HINT)

    def is_time_next(self) -> bool:
        return isinstance(self.peek(), ast.Time)

    def number(self, what: str = "a number") -> float:
        item = self.next(what)
        if isinstance(item, ast.Number):
            return item.value
        if isinstance(item, ast.Length) and item.unit == "%" and what.startswith("an opacity"):
            return item.value / 100.0
        raise SceneError(f"expected {what}, got {describe(item)}", item.span)

    def number_between(self, what: str, lo: float, hi: float, name: str, unit: str = "",
                       hint: str | None = None) -> float:
        """A number from `lo` to `hi`; outside: "NAME must be between LO and HI[UNIT], got X"."""
        item = self.peek()
        value = self.number(what)
        if not lo <= value <= hi:
            raise SceneError(f"{name} must be between {lo:g} and {hi:g}{unit}, got {value:g}", item.span,  # type: ignore[union-attr]
                             hint=hint)
        return value

    def length(self, axis: str, what: str = "a length") -> float:
        """In canvas px. axis: 'x' (% of width), 'y' (% of height), 'min' (% of the shorter side)."""
        item = self.next(what)
        return self.length_of(item, axis, what)

    def length_of(self, item: ast.Item, axis: str, what: str = "a length") -> float:
        c = self.canvas
        if isinstance(item, ast.Number) or (isinstance(item, ast.Length) and item.unit == "px"):
            return item.value * c.unit  # type: ignore[union-attr]
        if isinstance(item, ast.Length) and item.unit == "%":
            base = {"x": c.width, "y": c.height, "min": min(c.width, c.height)}[axis]
            return item.value / 100.0 * base
        if isinstance(item, ast.Time):
            raise SceneError(f"expected {what}, got the time {describe(item)}", item.span,
                             hint="lengths are design pixels (40 or 40px) or percentages (10%)")
        raise SceneError(f"expected {what}, got {describe(item)}", item.span)

    def is_length_next(self) -> bool:
        return isinstance(self.peek(), (ast.Number, ast.Length))

    def color(self, what: str = "a colour") -> tuple[float, float, float, float]:
        if self.at_end():
            # Often a '#' that is not a colour (#GG0000, # 333): the lexer read it as a comment.
            last = self.items[-1].span if self.items else self.where
            raise SceneError(f"missing {what}", ast.Span(last.end_line, last.end_column, last.end_line, last.end_column + 1),
                             hint="add a colour here: #RGB, #RRGGBB, #RRGGBBAA or a name like tomato "
                                  "(a '#' not followed by 3 to 8 hex digits starts a comment)")
        item = self.next(what)
        return self.color_of(item, what)

    def color_of(self, item: ast.Item, what: str = "a colour") -> tuple[float, float, float, float]:
        if isinstance(item, (ast.Color, ast.Word)):
            try:
                return parse_color(item.text)
            except ColorError as exc:
                raise SceneError(str(exc), item.span, hint=exc.hint) from None
        raise SceneError(f"expected {what}, got {describe(item)}", item.span,
                         hint="a colour is #RGB, #RRGGBB, #RRGGBBAA or a CSS name like tomato")

    def is_color_next(self) -> bool:
        item = self.peek()
        if isinstance(item, ast.Color):
            return True
        if isinstance(item, ast.Word):
            try:
                parse_color(item.name)
                return True
            except ColorError:
                return False
        return False

    def string(self, what: str = "a string") -> str:
        item = self.next(what)
        if not isinstance(item, ast.String):
            raise SceneError(f"expected {what} in double quotes, got {describe(item)}", item.span)
        return item.value

    def position(self, what: str = "a position") -> tuple[float, float, tuple[float, float] | None]:
        """(x, y, implied anchor or None) in canvas px."""
        item = self.next(what)
        return self.position_of(item, what)

    def position_of(self, item: ast.Item, what: str = "a position"):
        if isinstance(item, ast.Position):
            return (self.length_of(item.x, "x", "an x coordinate"), self.length_of(item.y, "y", "a y coordinate"), None)
        if isinstance(item, ast.Word) and item.name in ALL_ANCHORS:
            x, y = self.canvas.anchor_point(item.name)
            return (x, y, ALL_ANCHORS[item.name])
        hint = "write (x, y) in px or %, or a named anchor like center, top-left, safe-bottom"
        if isinstance(item, ast.Word):
            hint = did_you_mean(item.name, ALL_ANCHORS, hint)
        raise SceneError(f"expected {what}, got {describe(item)}", item.span, hint=hint)

    def easing(self) -> str:
        item = self.next("an easing")
        if isinstance(item, ast.Word) and item.name == "spring":
            return self._spring()
        if isinstance(item, ast.Word) and item.name == "cubic-bezier":
            return self._cubic_bezier()
        if not isinstance(item, ast.Word) or item.name not in EASINGS:
            name = item.text
            raise SceneError(f"unknown easing {describe(item)}", item.span,
                             hint=did_you_mean(name, [*EASINGS, "cubic-bezier"],
                                               "easings: linear, in|out|in-out + -sine|-quad|-cubic|-back|-elastic|"
                                               "-bounce, spring [stiffness N] [damping N], cubic-bezier X1 Y1 X2 Y2"))
        return item.name

    def _spring(self) -> str:
        """`spring [stiffness N] [damping N]` (either order): engine/timeline/easing.py."""
        stiffness, damping = SPRING_STIFFNESS, SPRING_DAMPING
        while self.peek_word("stiffness", "damping"):
            word = self.take_word("stiffness", "damping").name  # type: ignore[union-attr]
            if word == "stiffness":
                stiffness = self.number_between("a spring's stiffness, e.g. stiffness 100", 1, 10000, "stiffness")
            else:
                damping = self.number_between("a spring's damping, e.g. damping 10", 0.1, 1000, "damping",
                                              hint="above 0: a spring without damping never settles")
        return spring_name(stiffness, damping)

    def _cubic_bezier(self) -> str:
        """`cubic-bezier X1 Y1 X2 Y2`, as CSS: the x of both control points in 0..1."""
        x1 = self.number_between("the first control point's x (0 to 1)", 0, 1, "cubic-bezier x1")
        y1 = self.number("the first control point's y")
        x2 = self.number_between("the second control point's x (0 to 1)", 0, 1, "cubic-bezier x2")
        y2 = self.number("the second control point's y")
        return bezier_name(x1, y1, x2, y2)
