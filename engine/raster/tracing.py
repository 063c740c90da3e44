"""The `draw` action's reveal: a text glyph written stroke by stroke, a shape's
outline drawn around, with an optional pencil or finger at the tip and
worksheet guides (a pale letter, dotted centre-lines, a numbered start dot).

Text: each glyph's strokes come from `strokes.yaml` (centre-lines in the order
children are taught to write them), fitted to the glyph's ink box. A
round-capped brush about twice as wide as the font's stem follows them; the
glyph (fill and outline) is drawn clipped to what the brush has covered so
far. The node's `draw` value (0..1) is the fraction of the whole line's stroke
length (pen lifts between strokes included) that has been drawn: a pure
function of the value, so frames are deterministic and cheap (the plan is
cached; a frame measures a few path segments).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import skia
import yaml

from . import glyphs
from .color import to_argb_int, with_alpha
from ..timeline.display import Node
from ..timeline.paths import parse_path

STROKES_FILE = Path(__file__).with_name("strokes.yaml")
BRUSH_PER_STEM = 1.9  # the brush is this many stems wide: centre-lines may be a little off the middle
LIFT = 0.5  # a pen lift between strokes lasts as long as drawing this many brush widths
GUIDE_ALPHA = 0.3  # the pale letter under a guided trace
START_GREEN = (0.30, 0.75, 0.38, 1.0)
RULE_COLOR = (0.55, 0.66, 0.95, 0.9)  # a worksheet's blue lines
FINISH_FADE = 0.08  # the last fraction of a trace fades in whatever the brush missed


@lru_cache(maxsize=1)
def stroke_table() -> dict[str, list[str]]:
    return yaml.safe_load(STROKES_FILE.read_text(encoding="utf-8"))


def strokes_for(char: str, family: str) -> list[str] | None:
    table = stroke_table()
    return table.get(f"{char}@{family}") or table.get(char)


@dataclass(frozen=True)
class Stroke:
    path: skia.Path  # in the line's coordinates (origin: the line's start on the baseline)
    begin: float  # where along the line's whole trace this stroke starts (px)
    length: float
    char: int  # which character of the line it belongs to


@dataclass(frozen=True)
class TracePlan:
    strokes: tuple[Stroke, ...]
    total: float
    brush: float


@lru_cache(maxsize=64)
def stem_width(family: str, weight: int, size: float) -> float:
    """The width of the font's upright stem: the ink width of "I"."""
    fill = glyphs.glyph_shape(family, weight, size, "I").fill
    return max(1.0, fill.computeTightBounds().width()) if not fill.isEmpty() else size * 0.12


@lru_cache(maxsize=256)
def glyph_strokes(family: str, weight: int, size: float, char: str) -> tuple[skia.Path, ...]:
    """The glyph's strokes in its own coordinates (origin on the baseline)."""
    shape = glyphs.glyph_shape(family, weight, size, char)
    if shape.fill.isEmpty():
        return ()
    ink = shape.fill.computeTightBounds()
    data = strokes_for(char, family)
    if data is None:  # not a letter or a digit (! ? &): one line down its middle, or across
        data = ["M50 0 L50 100"] if ink.height() >= ink.width() else ["M0 50 L100 50"]
    out = []
    for d in data:
        path = skia.Path(parse_path(d))
        path.transform(skia.Matrix.Translate(ink.left(), ink.top()).preScale(ink.width() / 100, ink.height() / 100))
        out.append(path)
    return tuple(out)


@lru_cache(maxsize=256)
def trace_plan(family: str, weight: int, size: float, placed: tuple[tuple[str, float], ...]) -> TracePlan:
    """Every stroke of a line, in writing order, placed along one clock."""
    brush = BRUSH_PER_STEM * stem_width(family, weight, size)
    strokes: list[Stroke] = []
    at = 0.0
    for index, (ch, gx) in enumerate(placed):
        for path in glyph_strokes(family, weight, size, ch):
            moved = skia.Path(path)
            moved.offset(gx, 0)
            length = max(skia.PathMeasure(moved, False).getLength(), 1e-3)
            if strokes:
                at += LIFT * brush
            strokes.append(Stroke(moved, at, length, index))
            at += length
    return TracePlan(tuple(strokes), at, brush)


def _brush_paint(width: float) -> skia.Paint:
    return skia.Paint(AntiAlias=True, Style=skia.Paint.kStroke_Style, StrokeWidth=width,
                      StrokeCap=skia.Paint.kRound_Cap, StrokeJoin=skia.Paint.kRound_Join)


def _covered(plan: TracePlan, drawn: float, extra: float) -> skia.Path:
    """The area the brush (widened by `extra` on each side) has covered after `drawn` px."""
    paint = _brush_paint(plan.brush + 2 * extra)
    mask = skia.Path()
    for s in plan.strokes:
        if drawn <= s.begin:
            break
        part = skia.Path()
        skia.PathMeasure(s.path, False).getSegment(0, min(drawn - s.begin, s.length), part, True)
        if part.isEmpty():
            continue
        filled = skia.Path()
        paint.getFillPath(part, filled)
        mask.addPath(filled)
    return mask


def _tip(plan: TracePlan, drawn: float) -> tuple[float, float, int]:
    """Where the pen is after `drawn` px, and which stroke it is on or going to."""
    previous_end = None
    for i, s in enumerate(plan.strokes):
        if drawn < s.begin:  # lifting between strokes: glide from the last end to this start
            start = skia.PathMeasure(s.path, False).getPosTan(0)[0]
            if previous_end is None:
                return start.x(), start.y(), i
            gap = s.begin - (plan.strokes[i - 1].begin + plan.strokes[i - 1].length)
            k = 1.0 - (s.begin - drawn) / gap if gap > 0 else 1.0
            return (previous_end.x() + (start.x() - previous_end.x()) * k,
                    previous_end.y() + (start.y() - previous_end.y()) * k, i)
        if drawn <= s.begin + s.length:
            pos = skia.PathMeasure(s.path, False).getPosTan(drawn - s.begin)[0]
            return pos.x(), pos.y(), i
        previous_end = skia.PathMeasure(s.path, False).getPosTan(s.length)[0]
    if previous_end is None:
        return 0.0, 0.0, 0
    return previous_end.x(), previous_end.y(), len(plan.strokes)


def paint_traced_line(canvas: skia.Canvas, node: Node, placed: list[tuple[str, float]], x: float, baseline: float,
                      outline_paint: skia.Paint | None, fill_paint: skia.Paint | None, progress: float, ctx) -> None:
    family, weight, size = node.attrs["family"], node.attrs["weight"], node.get("size")
    plan = trace_plan(family, weight, size, tuple(placed))
    outline_width = node.get("outline_width", 0.0) if outline_paint is not None else 0.0
    drawn = max(0.0, min(1.0, progress)) * plan.total
    canvas.save()
    canvas.translate(x, baseline)

    def glyph_layer(paint: skia.Paint | None, shape) -> None:
        glyphs.draw_glyphs(canvas, placed, paint, shape)

    def outlines(ch: str) -> skia.Path:
        return glyphs.outline_shape(family, weight, size, ch, outline_width)

    def fills(ch: str) -> skia.Path:
        return glyphs.glyph_shape(family, weight, size, ch).fill

    guide = node.attrs.get("draw_guide")
    if guide and fill_paint is not None:
        pale = skia.Paint(fill_paint)
        pale.setAlphaf(fill_paint.getAlphaf() * GUIDE_ALPHA)
        glyph_layer(pale, fills)
    fade = (progress - (1.0 - FINISH_FADE)) / FINISH_FADE
    if fade > 0:  # whatever the brush did not reach comes in as the trace ends
        for paint, shape in ((outline_paint, outlines), (fill_paint, fills)):
            if paint is not None:
                faded = skia.Paint(paint)
                faded.setAlphaf(paint.getAlphaf() * fade)
                glyph_layer(faded, shape)
    if drawn > 0:
        if outline_paint is not None:
            canvas.save()
            canvas.clipPath(_covered(plan, drawn, outline_width), skia.ClipOp.kIntersect, True)
            glyph_layer(outline_paint, outlines)
            canvas.restore()
        if fill_paint is not None:
            canvas.save()
            canvas.clipPath(_covered(plan, drawn, 0.0), skia.ClipOp.kIntersect, True)
            glyph_layer(fill_paint, fills)
            canvas.restore()
    tx, ty, current = _tip(plan, drawn)
    alpha = fill_paint.getAlphaf() if fill_paint is not None else 1.0
    if guide and progress < 1.0:
        _paint_guides(canvas, plan, current, drawn, alpha)
    tool = node.attrs.get("draw_tool")
    if tool and 0.0 < progress < 1.0:
        color = node.get("fill") or (0.2, 0.2, 0.3, 1.0)
        paint_tool(canvas, tool, tx, ty, size * 0.75, color, alpha)
    canvas.restore()


def _paint_guides(canvas: skia.Canvas, plan: TracePlan, current: int, drawn: float, alpha: float) -> None:
    """Worksheet guides: the strokes still to draw as white dots along their
    centre-lines, and a green start dot with an arrow on the next one."""
    dot = max(1.5, plan.brush * 0.09)
    dots = skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha((1, 1, 1, 0.95), alpha)),
                      Style=skia.Paint.kStroke_Style, StrokeWidth=dot * 2, StrokeCap=skia.Paint.kRound_Cap,
                      PathEffect=skia.DashPathEffect.Make([0.0, dot * 5], 0.0))
    for s in plan.strokes[current + 1:]:
        canvas.drawPath(s.path, dots)
    if current >= len(plan.strokes):
        return
    s = plan.strokes[current]
    if drawn > s.begin:  # under way: the rest of this stroke dotted, no start dot
        rest = skia.Path()
        skia.PathMeasure(s.path, False).getSegment(drawn - s.begin, s.length, rest, True)
        canvas.drawPath(rest, dots)
        return
    measure = skia.PathMeasure(s.path, False)
    pos, tan = measure.getPosTan(0)
    r = max(3.0, plan.brush * 0.32)
    green = skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha(START_GREEN, alpha)))
    ring = skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha((1, 1, 1, 1), alpha)),
                      Style=skia.Paint.kStroke_Style, StrokeWidth=max(1.0, r * 0.25))
    # An arrow a little way along the stroke, pointing the way to go.
    ahead = min(s.length, r * 3.2)
    apos, atan = measure.getPosTan(ahead)
    angle = math.degrees(math.atan2(atan.y(), atan.x()))
    canvas.save()
    canvas.translate(apos.x(), apos.y())
    canvas.rotate(angle)
    head = skia.Path.Polygon([skia.Point(r * 0.9, 0), skia.Point(-r * 0.5, -r * 0.8), skia.Point(-r * 0.5, r * 0.8)], True)
    canvas.drawPath(head, green)
    canvas.restore()
    canvas.drawCircle(pos.x(), pos.y(), r, green)
    canvas.drawCircle(pos.x(), pos.y(), r, ring)
    number = skia.Font(glyphs.fonts.typeface("rounded", 700), r * 1.3)
    label = str(current + 1)
    width = number.measureText(label)
    canvas.drawString(label, pos.x() - width / 2, pos.y() + r * 0.45, number,
                      skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha((1, 1, 1, 1), alpha))))


def paint_ruled_lines(canvas: skia.Canvas, x0: float, x1: float, baseline: float, metrics: skia.FontMetrics,
                      size: float, alpha: float) -> None:
    """Handwriting lines under a guided trace, as on a tracing worksheet: the
    top (cap height) and base lines solid, the middle (x-height) line dashed."""
    width = max(1.0, size * 0.012)
    solid = skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha(RULE_COLOR, alpha)),
                       Style=skia.Paint.kStroke_Style, StrokeWidth=width, StrokeCap=skia.Paint.kRound_Cap)
    dashed = skia.Paint(solid)
    dashed.setPathEffect(skia.DashPathEffect.Make([width * 4, width * 4], 0.0))
    for y, paint in ((baseline - metrics.fCapHeight, solid), (baseline - metrics.fXHeight, dashed), (baseline, solid)):
        canvas.drawLine(x0, y, x1, y, paint)


# --- the pencil and the finger ---------------------------------------------------

def paint_tool(canvas: skia.Canvas, tool: str, x: float, y: float, length: float,
               color: tuple, alpha: float) -> None:
    """A pencil (its point, in `color`, at x, y) or a pointing finger, leaning
    up and to the right as a right hand holds it."""
    canvas.save()
    canvas.translate(x, y)
    canvas.rotate(-55.0)  # along +x, up and to the right

    def paint(rgba) -> skia.Paint:
        return skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha(rgba, alpha)))

    line = skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha((0.23, 0.18, 0.36, 1), alpha)),
                      Style=skia.Paint.kStroke_Style, StrokeWidth=max(1.0, length * 0.012),
                      StrokeJoin=skia.Paint.kRound_Join)
    w = length * 0.13  # the body's width
    if tool == "pencil":
        tip, cone = length * 0.07, length * 0.2
        wood = skia.Path.Polygon([skia.Point(0, 0), skia.Point(cone, -w / 2), skia.Point(cone, w / 2)], True)
        lead = skia.Path.Polygon([skia.Point(0, 0), skia.Point(tip, -w * 0.18), skia.Point(tip, w * 0.18)], True)
        body = skia.Rect.MakeLTRB(cone, -w / 2, length * 0.82, w / 2)
        band = skia.Rect.MakeLTRB(length * 0.82, -w / 2, length * 0.88, w / 2)
        eraser = skia.RRect.MakeRectXY(skia.Rect.MakeLTRB(length * 0.86, -w / 2, length, w / 2), w * 0.3, w * 0.3)
        canvas.drawRRect(eraser, paint((0.96, 0.55, 0.65, 1)))
        canvas.drawRRect(eraser, line)
        canvas.drawRect(body, paint((1.0, 0.79, 0.24, 1)))
        canvas.drawRect(skia.Rect.MakeLTRB(cone, -w / 2, length * 0.82, -w / 6), paint((1.0, 0.88, 0.45, 1)))
        canvas.drawRect(body, line)
        canvas.drawRect(band, paint((0.72, 0.74, 0.80, 1)))
        canvas.drawRect(band, line)
        canvas.drawPath(wood, paint((0.96, 0.83, 0.62, 1)))
        canvas.drawPath(wood, line)
        canvas.drawPath(lead, paint(color))
    else:  # finger: a pointing index finger from a small fist, a little smaller than a pencil
        length *= 0.8
        w = length * 0.12
        skin, shade = (1.0, 0.80, 0.64, 1), (0.93, 0.66, 0.52, 1)
        finger = skia.RRect.MakeRectXY(skia.Rect.MakeLTRB(-w * 0.45, -w * 0.45, length * 0.55, w * 0.45),
                                       w * 0.45, w * 0.45)
        fist = skia.RRect.MakeRectXY(skia.Rect.MakeLTRB(length * 0.42, -w * 0.6, length * 0.88, w * 1.5),
                                     w * 0.7, w * 0.7)
        sleeve = skia.RRect.MakeRectXY(skia.Rect.MakeLTRB(length * 0.84, -w * 0.5, length * 1.1, w * 1.45),
                                       w * 0.3, w * 0.3)
        canvas.drawRRect(sleeve, paint((0.36, 0.55, 0.95, 1)))
        canvas.drawRRect(sleeve, line)
        canvas.drawRRect(fist, paint(skin))
        canvas.drawRRect(fist, line)
        canvas.drawRRect(finger, paint(skin))
        canvas.drawRRect(finger, line)
        nail = skia.RRect.MakeRectXY(skia.Rect.MakeLTRB(0, -w * 0.32, w * 0.55, w * 0.05), w * 0.2, w * 0.2)
        canvas.drawRRect(nail, paint(shade))
    canvas.restore()


# --- shapes ------------------------------------------------------------------------

def paint_traced_shape(canvas: skia.Canvas, node: Node, alpha: float, outline: skia.Path,
                       fill: skia.Paint | None, stroke: skia.Paint | None) -> None:
    """A shape drawn around its outline: the stroke (or, without one, a line in
    the fill colour) follows the outline, and the fill comes in as it closes."""
    progress = max(0.0, min(1.0, node.get("draw", 1.0)))
    contours = list(_each_contour(outline))
    total = sum(length for length, _ in contours) or 1.0
    if fill is not None and progress > 0.75:
        faded = skia.Paint(fill)
        faded.setAlphaf(fill.getAlphaf() * (progress - 0.75) / 0.25)
        canvas.drawPath(outline, faded)
    pen = stroke
    if pen is None and fill is not None:
        pen = skia.Paint(fill)
        pen.setStyle(skia.Paint.kStroke_Style)
        pen.setStrokeWidth(max(2.0, outline.computeTightBounds().width() * 0.03))
        pen.setStrokeCap(skia.Paint.kRound_Cap)
    drawn, tip = progress * total, None
    if pen is not None:
        for length, m in contours:
            if drawn <= 0:
                break
            part = skia.Path()
            m.getSegment(0, min(drawn, length), part, True)
            canvas.drawPath(part, pen)
            tip = m.getPosTan(min(drawn, length))[0]
            drawn -= length
    tool = node.attrs.get("draw_tool")
    if tool and tip is not None and 0.0 < progress < 1.0:
        b = outline.computeTightBounds()
        color = node.get("stroke") or node.get("fill") or (0.2, 0.2, 0.3, 1.0)
        paint_tool(canvas, tool, tip.x(), tip.y(), max(b.width(), b.height()), color, alpha)


def _each_contour(path: skia.Path):
    measure = skia.PathMeasure(path, False)
    while True:
        length = measure.getLength()
        # getSegment and getPosTan read the current contour: hand out a measure of it alone.
        single = skia.Path()
        measure.getSegment(0, length, single, True)
        yield length, skia.PathMeasure(single, False)
        if not measure.nextContour():
            break
