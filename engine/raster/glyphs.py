"""Glyph shapes for painting text: each glyph's fill, its counters (the holes
of B, a, o, 8) and the outline that goes around it, outside.

Why not just stroke the glyphs: a stroke is centred on every contour, so half
of it lies inside the counters, and a thick outline fills them (the bowl of a
bold "b" became a pinhole). Here the outline is the glyph's silhouette (the
glyph with its counters filled) grown by the outline width, minus the
counters: the counters keep their size and the background's colour at every
outline width.

Fredoka's "B" is drawn with its middle arm stopping short of the stem, so the
glyph has one ε-shaped counter (two contours at every weight: a variable
font's instances share their contours, so no instancing or winding choice
closes it). A video that teaches letter shapes needs B's two bowls, so the arm
is joined to the stem here (`_CORRECTIONS`).

Glyphs are placed at the font's advances (no kerning), the same positions
`skia.TextBlob.MakeFromText` and `Font.measureText` use, so layout, fill and
outline agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import skia

from . import fonts


@dataclass(frozen=True)
class GlyphShape:
    fill: skia.Path  # what the glyph covers (corrected where `_CORRECTIONS` says)
    holes: skia.Path  # its counters
    silhouette: skia.Path  # fill and counters together
    corrected: bool  # fill differs from the font's own outline


def _contours(path: skia.Path) -> list[skia.Path]:
    out: list[skia.Path] = []
    it = skia.Path.Iter(path, False)
    current: skia.Path | None = None
    for verb, pts in it:
        if verb == skia.Path.Verb.kMove_Verb:
            current = skia.Path()
            current.moveTo(pts[0])
            out.append(current)
        elif current is None:
            continue
        elif verb == skia.Path.Verb.kLine_Verb:
            current.lineTo(pts[1])
        elif verb == skia.Path.Verb.kQuad_Verb:
            current.quadTo(pts[1], pts[2])
        elif verb == skia.Path.Verb.kConic_Verb:
            current.conicTo(pts[1], pts[2], it.conicWeight())
        elif verb == skia.Path.Verb.kCubic_Verb:
            current.cubicTo(pts[1], pts[2], pts[3])
        elif verb == skia.Path.Verb.kClose_Verb:
            current.close()
    return out


def _union(paths: list[skia.Path]) -> skia.Path:
    result = skia.Path()
    for p in paths:
        result = skia.Op(result, p, skia.PathOp.kUnion_PathOp) or result
    return result


def _runs_at_x(path: skia.Path, x: float, top: float, bottom: float, steps: int = 400) -> list[tuple[float, float]]:
    """The y-intervals of the column at `x` that `path` covers, between top and bottom."""
    runs: list[tuple[float, float]] = []
    start = None
    for i in range(steps + 1):
        y = top + (bottom - top) * i / steps
        inside = path.contains(x, y)
        if inside and start is None:
            start = y
        elif not inside and start is not None:
            runs.append((start, y))
            start = None
    if start is not None:
        runs.append((start, bottom))
    return runs


def _join_middle_arm(fill: skia.Path, holes: skia.Path, size: float) -> skia.Path | None:
    """A bar from B's stem to its middle arm, over the arm's height where the
    arm is full-thickness; None if the glyph does not look like that B."""
    counters = _contours(holes)
    if len(counters) != 1:
        return None
    box = counters[0].computeTightBounds()
    x = box.left() + 0.6 * box.width()
    arms = [(a, b) for a, b in _runs_at_x(fill, x, box.top(), box.bottom()) if a > box.top() and b < box.bottom()]
    if len(arms) != 1:
        return None
    top, bottom = arms[0]
    bar = skia.Path()
    bar.addRect(skia.Rect.MakeLTRB(box.left() - 0.02 * size, top, x, bottom))
    return bar


_CORRECTIONS: dict[tuple[str, str], Callable[[skia.Path, skia.Path, float], skia.Path | None]] = {
    ("rounded", "B"): _join_middle_arm,
}


def _holes_of(fill: skia.Path) -> tuple[skia.Path, skia.Path]:
    silhouette = _union([skia.Path(c) for c in _contours(fill)])
    holes = skia.Op(silhouette, fill, skia.PathOp.kDifference_PathOp) or skia.Path()
    return silhouette, holes


REFERENCE_SIZE = 1000.0  # shapes are made once at this size and scaled: outlines are unhinted, so linear
OUTLINE_STEP = 1e-3  # outline widths are made in steps of this fraction of the font size


def _scaled(path: skia.Path, k: float) -> skia.Path:
    out = skia.Path(path)
    out.transform(skia.Matrix.Scale(k, k))
    return out


@lru_cache(maxsize=1024)
def _reference_shape(family: str, weight: int, char: str) -> GlyphShape:
    f = fonts.font(family, weight, REFERENCE_SIZE)
    glyph = f.textToGlyphs(char)
    path = f.getPath(glyph[0]) if len(glyph) else None
    fill = skia.Simplify(path) if path is not None else None
    if fill is None:
        return GlyphShape(skia.Path(), skia.Path(), skia.Path(), False)
    silhouette, holes = _holes_of(fill)
    correct = _CORRECTIONS.get((family, char))
    patch = correct(fill, holes, REFERENCE_SIZE) if correct else None
    if patch is not None:
        fill = skia.Op(fill, patch, skia.PathOp.kUnion_PathOp) or fill
        silhouette, holes = _holes_of(fill)
    return GlyphShape(fill, holes, silhouette, patch is not None)


@lru_cache(maxsize=2048)
def glyph_shape(family: str, weight: int, size: float, char: str) -> GlyphShape:
    """The glyph at `size` px, origin on the baseline. A text whose size is
    animated only rescales the cached reference shapes."""
    ref = _reference_shape(family, weight, char)
    k = size / REFERENCE_SIZE
    return GlyphShape(_scaled(ref.fill, k), _scaled(ref.holes, k), _scaled(ref.silhouette, k), ref.corrected)


@lru_cache(maxsize=1024)
def _reference_outline(family: str, weight: int, char: str, steps: int) -> skia.Path:
    shape = _reference_shape(family, weight, char)
    if shape.silhouette.isEmpty():
        return skia.Path()
    width = steps * OUTLINE_STEP * REFERENCE_SIZE
    stroke = skia.Paint(Style=skia.Paint.kStroke_Style, StrokeWidth=2 * width,
                        StrokeJoin=skia.Paint.kRound_Join, StrokeCap=skia.Paint.kRound_Cap)
    grown = skia.Path()
    stroke.getFillPath(shape.silhouette, grown)
    body = skia.Op(grown, shape.silhouette, skia.PathOp.kUnion_PathOp) or grown
    return skia.Op(body, shape.holes, skia.PathOp.kDifference_PathOp) or body


@lru_cache(maxsize=2048)
def outline_shape(family: str, weight: int, size: float, char: str, width: float) -> skia.Path:
    """The glyph's outline `width` px wide, outside it: the silhouette grown by
    `width` (round joins), less the counters. Drawn under the fill."""
    if size <= 0:
        return skia.Path()
    steps = max(1, round(width / size / OUTLINE_STEP))
    return _scaled(_reference_outline(family, weight, char, steps), size / REFERENCE_SIZE)


def glyph_positions(family: str, weight: int, size: float, line: str) -> list[float]:
    """x of each character's glyph from the line's start (the font's advances)."""
    f = fonts.font(family, weight, size)
    return list(f.getXPos(f.textToGlyphs(line)))


def draw_glyphs(canvas: skia.Canvas, placed, paint: skia.Paint | None, shape: Callable[[str], skia.Path],
                x: float = 0.0, baseline: float = 0.0) -> None:
    """Draw `shape(char)` (a fill or an outline) for each (char, x) of a line."""
    if paint is None:
        return
    for ch, gx in placed:
        path = shape(ch)
        if not path.isEmpty():
            canvas.save()
            canvas.translate(x + gx, baseline)
            canvas.drawPath(path, paint)
            canvas.restore()
