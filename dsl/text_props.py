"""What a `text` element reads beyond its font: letter spacing, line height, a box
(background, padding, corner radius), auto-fit into a box, rich spans written in
the string (`"I like [red apples](#E63946 bold)"`) and a counted value
(`text "{n}%" counting 0 -> 100 over 3s`).

Readers here fill the layer's attrs and values; engine/raster/text.py lays the
text out and paints it from them.
"""
from __future__ import annotations

import re

from ..engine.raster import fonts
from ..engine.raster.color import ColorError, parse_color
from . import ast
from .errors import SceneError, did_you_mean
from .values import Items

# `[words](style)`: the words drawn in the style (a colour and/or a weight).
SPAN = re.compile(r"\[([^\[\]]+)\]\(([^()]*)\)")
PLACEHOLDER = "{n}"


def read_letter_spacing(items: Items, layer, ctx) -> None:
    layer.set("letter_spacing", items.length("x", "a letter spacing"))


def read_line_height(items: Items, layer, ctx) -> None:
    layer.attrs["line_height"] = items.number_between("a line height, as a multiple of the size (1.2 is usual)",
                                                      0.5, 4, "line-height")


def read_box(items: Items, layer, ctx) -> None:
    layer.attrs["box"] = list(items.color("the box's colour"))


def read_padding(items: Items, layer, ctx) -> None:
    layer.set("padding", items.length("min", "a padding"))


def read_box_radius(items: Items, layer, ctx) -> None:
    layer.set("box_radius", items.length("min", "a corner radius"))


def read_fit(items: Items, layer, ctx) -> None:
    """`fit W H`: wrap at W and shrink the size until the lines fit in W x H."""
    first = items.peek()
    w = items.length("x", "the width to fit the text in")
    h = items.length("y", "the height to fit the text in")
    if w < 1 or h < 1:
        raise SceneError("a text's fit box needs a width and a height above 0", first.span,  # type: ignore[union-attr]
                         hint="for example fit 800 300")
    layer.attrs["fit"] = [w, h]


def read_counting(items: Items, layer, ctx) -> None:
    """`counting A -> B over T [ease E]`: `{n}` in the text shows a number running
    from A to B over T from the element's first frame."""
    from .actions import read_timing

    start_item = items.peek()
    start = items.number("the number to count from")
    arrow = items.next("'->' between the two numbers")
    if not isinstance(arrow, ast.Arrow):
        raise SceneError(f"expected '->' after the number to count from, got {arrow.text}", arrow.span,
                         hint="counting 0 -> 100 over 3s")
    end_item = items.peek()
    end = items.number("the number to count to")
    if not items.take_word("over"):
        raise SceneError("counting needs a duration: 'over 3s'", end_item.span,  # type: ignore[union-attr]
                         hint="counting 0 -> 100 over 3s")
    timing = read_timing(items, 1.0, "linear")
    layer.set("count", float(start))
    layer.tween("count", layer.appear, None if timing.rest_of_scene else layer.appear + timing.duration,
                float(end), timing.easing, from_value=float(start))
    layer.attrs["count_decimals"] = max(_decimals(start_item), _decimals(end_item))


def _decimals(item) -> int:
    text = getattr(item, "text", "")
    return len(text.split(".", 1)[1]) if "." in text else 0


def finish_text(layer, span: ast.Span) -> None:
    """After every property is read: the string's `[words](style)` spans become
    `segments` (text, colour or None, weight or None), the plain text stays in
    `text` (for wrapping, reveal and captions); `{n}` needs `counting`."""
    text = layer.attrs["text"]
    if PLACEHOLDER in text and "count" not in layer.values:
        raise SceneError("the text shows {n} but counts nothing", span,
                         hint='add counting: text "{n}%" counting 0 -> 100 over 3s')
    if "count" in layer.values and PLACEHOLDER not in text:
        raise SceneError("counting, but the text has no {n} to show the number", span,
                         hint='put {n} where the number goes: text "{n} apples" counting 1 -> 10 over 2s')
    if "[" not in text:
        return
    segments: list[list] = []
    plain, at = [], 0
    for match in SPAN.finditer(text):
        if match.start() > at:
            segments.append([text[at:match.start()], None, None])
        color, weight = _span_style(match.group(2), span)
        segments.append([match.group(1), color, weight])
        at = match.end()
    if not segments:
        return
    if at < len(text):
        segments.append([text[at:], None, None])
    plain = "".join(s[0] for s in segments)
    layer.attrs["text"] = plain
    layer.attrs["segments"] = segments


def _span_style(style: str, span: ast.Span) -> tuple[list | None, int | None]:
    color, weight = None, None
    for word in style.split():
        if word in fonts.WEIGHTS:
            weight = fonts.WEIGHTS[word]
        elif word.isdigit() and 100 <= int(word) <= 900:
            weight = int(word)
        else:
            try:
                color = list(parse_color(word))
            except ColorError:
                raise SceneError(f"'{word}' in a text span's style is neither a colour nor a weight", span,
                                 hint=did_you_mean(word, fonts.WEIGHTS,
                                                   "a span is [words](style): a colour (#E63946, tomato) "
                                                   "and/or a weight (bold, 800)")) from None
    if color is None and weight is None:
        raise SceneError(f"the text span's style '({style})' is empty", span,
                         hint="[words](#E63946 bold): a colour and/or a weight")
    return color, weight


TEXT_PROPERTIES = {
    "letter-spacing": read_letter_spacing, "line-height": read_line_height, "box": read_box,
    "padding": read_padding, "radius": read_box_radius, "fit": read_fit, "counting": read_counting,
}
