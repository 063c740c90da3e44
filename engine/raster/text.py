"""Text: its layout (wrapping, letter spacing, line height, auto-fit into a box,
rich spans in another colour or weight, a counted number) and its painting, the
glyphs' outlines outside them (glyphs.py) under their fills.

A node's text is `attrs["text"]`, or `attrs["segments"]` ([text, colour, weight]
runs, from `[words](style)` in the string), with `{n}` standing for the value
`count` has this frame. Layouts are cached: a frame asks for the same ones again.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import skia

from . import fonts, glyphs
from .color import to_argb_int, with_alpha
from .paint_kit import anchor_offset, apply_effects, fill_paint
from ..timeline.display import Node

LINE_SPACING = 1.2  # a line's advance, as a multiple of the size, unless `line-height` says
PLACEHOLDER = "{n}"
Segments = tuple[tuple[str, tuple | None, int | None], ...]  # (text, colour, weight) runs


@dataclass(frozen=True)
class Run:
    text: str
    weight: int
    color: tuple | None  # None: the node's fill
    positions: tuple[float, ...]  # each character's x from the line's start


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]
    width: float
    text: str


@dataclass(frozen=True)
class Layout:
    lines: tuple[Line, ...]
    size: float  # after fitting
    width: float
    height: float
    advance: float  # from one baseline to the next
    ascent: float


def segments_of(node: Node) -> Segments:
    """The runs the node shows this frame: `{n}` replaced by the counted value."""
    raw = node.attrs.get("segments") or ((node.attrs["text"], None, None),)
    count = node.get("count")
    shown = None if count is None else _format_count(count, node.attrs.get("count_decimals", 0))
    return tuple((text if shown is None else text.replace(PLACEHOLDER, shown),
                  tuple(color) if color is not None else None, weight) for text, color, weight in raw)


def _format_count(value: float, decimals: int) -> str:
    if decimals <= 0:
        return str(int(math.floor(value + 0.5)))  # half up: 0 -> 100 shows 50 half way, not 49
    return f"{value:.{decimals}f}"


def layout_of(node: Node) -> Layout:
    fit = node.attrs.get("fit")
    return layout(segments_of(node), node.attrs["family"], node.attrs["weight"], float(node.get("size", 0.0)),
                  node.attrs.get("wrap"), float(node.get("letter_spacing", 0.0) or 0.0),
                  float(node.attrs.get("line_height", LINE_SPACING)), tuple(fit) if fit else None)


@lru_cache(maxsize=2048)
def layout(segments: Segments, family: str, weight: int, size: float, wrap: float | None, spacing: float,
           line_height: float, fit: tuple[float, float] | None) -> Layout:
    if fit is None:
        return _lay_out(segments, family, weight, size, wrap, spacing, line_height)
    # The largest size, up to the given one, whose lines (wrapped at the box's width)
    # fit the box: a bisection on the size, 12 steps (a 4000th of it).
    box_w, box_h = fit

    def fits(s: float) -> Layout | None:
        lay = _lay_out(segments, family, weight, s, box_w, spacing * s / size if size else 0.0, line_height)
        return lay if lay.width <= box_w + 0.01 and lay.height <= box_h + 0.01 else None

    best = fits(size)
    if best is not None:
        return best
    lo, hi = 0.0, size
    for _ in range(12):
        mid = (lo + hi) / 2
        lay = fits(mid)
        if lay is not None:
            lo, best = mid, lay
        else:
            hi = mid
    return best or _lay_out(segments, family, weight, max(lo, 1.0), box_w, spacing, line_height)


def _lay_out(segments: Segments, family: str, weight: int, size: float, wrap: float | None, spacing: float,
             line_height: float) -> Layout:
    text = "".join(s[0] for s in segments)
    # Each character's (weight, colour), so a line cut anywhere knows its runs.
    styles = [(w or weight, c) for s, c, w in segments for _ in s]

    def runs(start: int, end: int) -> list[tuple[int, int, int, tuple | None]]:
        out: list = []
        for i in range(start, end):
            if out and styles[i] == (out[-1][2], out[-1][3]):
                out[-1][1] = i + 1
            else:
                out.append([i, i + 1, *styles[i]])
        return out

    def measure(start: int, end: int) -> float:
        width = sum(fonts.font(family, w, size).measureText(text[a:b]) for a, b, w, _ in runs(start, end))
        return width + spacing * max(0, end - start - 1)

    ranges: list[tuple[int, int]] = []
    at = 0
    for paragraph in text.split("\n"):
        start, end = at, at + len(paragraph)
        at = end + 1
        if wrap is None or wrap <= 0:
            ranges.append((start, end))
            continue
        line_start, line_end = start, None
        word_start = start
        for word in paragraph.split(" "):
            word_end = word_start + len(word)
            if line_end is not None and measure(line_start, word_end) > wrap:
                ranges.append((line_start, line_end))
                line_start = word_start
            line_end = word_end
            word_start = word_end + 1
        ranges.append((line_start, end))
    lines = []
    for start, end in ranges:
        placed, x = [], 0.0
        for a, b, w, color in runs(start, end):
            font = fonts.font(family, w, size)
            xs = font.getXPos(font.textToGlyphs(text[a:b]))
            placed.append(Run(text[a:b], w, color,
                              tuple(x + float(gx) + spacing * i for i, gx in enumerate(xs))))
            x += font.measureText(text[a:b]) + spacing * (b - a)
        lines.append(Line(tuple(placed), x - spacing if end > start else 0.0, text[start:end]))
    metrics = fonts.font(family, weight, size).getMetrics()
    advance = size * line_height
    height = (len(lines) - 1) * advance + (metrics.fDescent - metrics.fAscent)
    return Layout(tuple(lines), size, max((line.width for line in lines), default=0.0), height, advance,
                  -metrics.fAscent)


def text_box(node: Node) -> tuple[float, float]:
    """The text's box: its lines (or its `fit` box) and the padding round them."""
    lay = layout_of(node)
    pad = float(node.get("padding", 0.0) or 0.0)
    fit = node.attrs.get("fit")
    width, height = (fit[0], fit[1]) if fit else (lay.width, lay.height)
    return width + 2 * pad, height + 2 * pad


def text_bounds(node: Node) -> skia.Rect:
    """Everything `paint_text` may touch, in local coordinates: the box, the
    outline, and the shadow or blur spread."""
    width, height = text_box(node)
    dx, dy = anchor_offset(node, width, height)
    size = node.get("size", 0.0)
    # Glyphs overhang their advance box a little (italics, round letters).
    rect = skia.Rect.MakeXYWH(dx, dy, width, height).makeOutset(size * 0.15 + 2, size * 0.1 + 2)
    if node.attrs.get("outline") is not None:
        w = node.get("outline_width", 0.0)
        rect = rect.makeOutset(w + 1, w + 1)
    if node.attrs.get("draw_tool") or node.attrs.get("draw_guide"):
        rect = rect.makeOutset(size, size)  # the pencil or finger (engine/raster/tracing.py) reaches outside
    blur = node.get("blur", 0.0) or 0.0
    shadow = node.attrs.get("shadow")
    spread = 3 * blur / 2
    if shadow:
        spread = max(spread, 3 * shadow["blur"] / 2 + max(abs(shadow["dx"]), abs(shadow["dy"])))
    return rect.makeOutset(spread, spread)


def paint_text(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
    if node.get("size", 0.0) <= 0:
        return
    lay = layout_of(node)
    family, size = node.attrs["family"], lay.size
    width, height = text_box(node)
    dx, dy = anchor_offset(node, width, height)
    box = node.attrs.get("box")
    if box is not None:
        radius = min(float(node.get("box_radius", 0.0) or 0.0), width / 2, height / 2)
        paint = skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha(tuple(box), alpha)))
        apply_effects(paint, node)
        canvas.drawRRect(skia.RRect.MakeRectXY(skia.Rect.MakeXYWH(dx, dy, width, height), radius, radius), paint)
    pad = float(node.get("padding", 0.0) or 0.0)
    fit = node.attrs.get("fit")
    inner_w = fit[0] if fit else lay.width
    top = dy + pad + ((fit[1] - lay.height) / 2 if fit else 0.0)  # a fitted text sits in its box's middle
    left = dx + pad
    align = node.attrs.get("align", "center")
    remaining = None
    reveal = node.get("reveal", 1.0)
    if reveal < 1.0:
        total = sum(len(line.text) for line in lay.lines)
        remaining = int(math.floor(total * max(0.0, reveal) + 1e-9))
    outline = node.attrs.get("outline")
    outline_width = node.get("outline_width", 0.0)
    op = None
    if outline is not None and outline_width > 0:
        # Filled, not stroked: `glyphs.outline_shape` is the ring outside the glyph.
        op = skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha(tuple(outline), alpha)))
        apply_effects(op, node)
    fp = fill_paint(node, alpha)
    draw = node.get("draw", 1.0)
    for i, line in enumerate(lay.lines):
        runs = line.runs
        if remaining is not None:
            if remaining <= 0:
                break
            runs = _first_chars(runs, remaining)
            remaining -= len(line.text)
        if not runs:
            continue
        if align == "left":
            x = left
        elif align == "right":
            x = left + inner_w - line.width
        else:
            x = left + (inner_w - line.width) / 2
        baseline = top + i * lay.advance + lay.ascent
        if node.attrs.get("draw_guide"):  # `draw … guide`: handwriting lines under it
            from .tracing import paint_ruled_lines

            paint_ruled_lines(canvas, x - size * 0.12, x + line.width + size * 0.12, baseline,
                              fonts.font(family, node.attrs["weight"], size).getMetrics(), size, alpha)
        if draw < 1.0 and len(runs) == 1:
            from .tracing import paint_traced_line  # the `draw` action's reveal (engine/raster/tracing.py)

            paint_traced_line(canvas, node, list(zip(runs[0].text, runs[0].positions)), x, baseline, op, fp,
                              draw, ctx)
            continue
        # The outlines of a whole line go under its fills, so no outline covers a neighbour.
        for run in runs:
            glyphs.draw_glyphs(canvas, list(zip(run.text, run.positions)), op,
                               lambda ch, w=run.weight: glyphs.outline_shape(family, w, size, ch, outline_width),
                               x, baseline)
        for run in runs:
            paint = fp if run.color is None else _span_paint(node, run.color, alpha)
            glyphs.draw_glyphs(canvas, list(zip(run.text, run.positions)), paint,
                               lambda ch, w=run.weight: glyphs.glyph_shape(family, w, size, ch).fill, x, baseline)


def _first_chars(runs: tuple[Run, ...], count: int) -> tuple[Run, ...]:
    """The runs cut after `count` characters (the `type` action's reveal)."""
    out = []
    for run in runs:
        if count <= 0:
            break
        out.append(run if len(run.text) <= count else
                   Run(run.text[:count], run.weight, run.color, run.positions[:count]))
        count -= len(run.text)
    return tuple(out)


def _span_paint(node: Node, color, alpha: float) -> skia.Paint | None:
    if color[3] * alpha <= 0:
        return None
    paint = skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha(tuple(color), alpha)))
    apply_effects(paint, node)
    return paint
