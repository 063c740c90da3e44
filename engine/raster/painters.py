"""One painter per layer kind: how a display-list node is drawn with Skia.

A painter draws in the node's local space (the rasteriser has already applied
position, rotation and scale) with the node's anchor applied to its own box.
To add an element kind, add a painter here and register it in `PAINTERS`; another
package adds one through the `storyreel.painters` entry point (engine/plugins.py).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable

import skia

from . import assets, morph
from .color import to_argb_int
from ..timeline.display import Node
from ..publish.captions import paint_caption
from ..characters.painter import paint_character
from .particles import paint_particles
from ..timeline.paths import parse_path
from ..plugins import PAINTERS_GROUP, Registry
from .clips import paint_clip
# Text's layout (wrap, spacing, line height, fit, spans, counting) and painting.
from .text import paint_text, text_bounds, text_box  # noqa: F401 - text_box, text_bounds: the rasteriser's
from .paint_kit import (SAMPLING, anchor_offset, apply_effects, draw_shape, fill_paint,  # noqa: F401
                        image_paint, stroke_paint)

MAX_SVG_RASTER = 4096 * 4096  # pixels of one rasterised SVG (64 MB)


# --- shapes -----------------------------------------------------------------

def paint_rect(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
    w, h = node.get("width", 0.0), node.get("height", 0.0)
    dx, dy = anchor_offset(node, w, h)
    rect = skia.Rect.MakeXYWH(dx, dy, w, h)
    r = min(node.get("radius", 0.0), w / 2, h / 2)
    if r > 0:
        rrect = skia.RRect.MakeRectXY(rect, r, r)
        draw_shape(canvas, node, alpha, lambda p: canvas.drawRRect(rrect, p), lambda: skia.Path().addRRect(rrect))
    else:
        draw_shape(canvas, node, alpha, lambda p: canvas.drawRect(rect, p), lambda: skia.Path().addRect(rect))


def paint_circle(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
    r = node.get("radius", 0.0)
    dx, dy = anchor_offset(node, 2 * r, 2 * r)
    draw_shape(canvas, node, alpha, lambda p: canvas.drawCircle(dx + r, dy + r, r, p),
                # Starting at the top, like a circle drawn by hand.
                lambda: skia.Path().addOval(skia.Rect.MakeXYWH(dx, dy, 2 * r, 2 * r), skia.PathDirection.kCCW, 0))


def paint_ellipse(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
    w, h = node.get("width", 0.0), node.get("height", 0.0)
    dx, dy = anchor_offset(node, w, h)
    oval = skia.Rect.MakeXYWH(dx, dy, w, h)
    draw_shape(canvas, node, alpha, lambda p: canvas.drawOval(oval, p),
                lambda: skia.Path().addOval(oval, skia.PathDirection.kCCW, 0))


def paint_line(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
    # A line is stored as its midpoint (x, y) and its vector (width, height).
    vx, vy = node.get("width", 0.0), node.get("height", 0.0)
    paint = stroke_paint(node, alpha)
    if paint is not None:
        k = max(0.0, min(1.0, node.values.get("draw", 1.0)))  # a `draw` action draws it from its start
        canvas.drawLine(-vx / 2, -vy / 2, -vx / 2 + vx * k, -vy / 2 + vy * k, paint)


def _polygon_points(node: Node) -> list[tuple[float, float]]:
    pts = node.attrs.get("points")
    if pts:
        return [tuple(p) for p in pts]
    sides = int(node.attrs.get("sides", 6))
    r = node.get("radius", 0.0)
    return [
        (r * math.cos(-math.pi / 2 + 2 * math.pi * i / sides), r * math.sin(-math.pi / 2 + 2 * math.pi * i / sides))
        for i in range(sides)
    ]


def _star_points(node: Node) -> list[tuple[float, float]]:
    n = int(node.attrs.get("points", 5))
    outer = node.get("radius", 0.0)
    inner = outer * node.get("inner", 0.5)
    out = []
    for i in range(2 * n):
        r = outer if i % 2 == 0 else inner
        a = -math.pi / 2 + math.pi * i / n
        out.append((r * math.cos(a), r * math.sin(a)))
    return out


def _paint_points(canvas: skia.Canvas, node: Node, alpha: float, pts: list[tuple[float, float]]) -> None:
    if len(pts) < 2:
        return
    path = _points_path(node, pts)
    draw_shape(canvas, node, alpha, lambda p: canvas.drawPath(path, p), lambda: path)


def _points_path(node: Node, pts: list[tuple[float, float]]) -> skia.Path:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    # Regular shapes are centred on their position; the anchor moves the box.
    x0, y0, w, h = min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)
    ax, ay = node.attrs.get("anchor_x", 0.5), node.attrs.get("anchor_y", 0.5)
    if node.attrs.get("points") and node.kind == "polygon":
        ox, oy = -(x0 + ax * w), -(y0 + ay * h)
    else:
        ox, oy = (0.5 - ax) * w, (0.5 - ay) * h
    return skia.Path.Polygon([skia.Point(x + ox, y + oy) for x, y in pts], True)


def paint_polygon(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
    _paint_points(canvas, node, alpha, _polygon_points(node))


def paint_star(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
    _paint_points(canvas, node, alpha, _star_points(node))


@lru_cache(maxsize=256)
def _scaled_path(data: str, scale: float) -> skia.Path:
    path = skia.Path(parse_path(data))
    path.transform(skia.Matrix.Scale(scale, scale))
    return path


def paint_path(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
    path = _scaled_path(node.attrs["d"], node.attrs.get("data_scale", 1.0))
    b = path.computeTightBounds()
    ax, ay = node.attrs.get("anchor_x", 0.0), node.attrs.get("anchor_y", 0.0)
    canvas.translate(-(b.left() + ax * b.width()) if node.attrs.get("anchored") else 0.0,
                     -(b.top() + ay * b.height()) if node.attrs.get("anchored") else 0.0)
    draw_shape(canvas, node, alpha, lambda p: canvas.drawPath(path, p), lambda: path)


# --- morphs (the `morph to` action) -------------------------------------------

def shape_outline(node: Node) -> skia.Path:
    """A shape's outline in its local space, its anchor applied: what it morphs from or into."""
    kind = node.kind
    if kind == "circle":
        r = node.get("radius", 0.0)
        dx, dy = anchor_offset(node, 2 * r, 2 * r)
        return skia.Path().addOval(skia.Rect.MakeXYWH(dx, dy, 2 * r, 2 * r), skia.PathDirection.kCW, 0)
    if kind in ("rect", "ellipse"):
        w, h = node.get("width", 0.0), node.get("height", 0.0)
        dx, dy = anchor_offset(node, w, h)
        rect = skia.Rect.MakeXYWH(dx, dy, w, h)
        if kind == "ellipse":
            return skia.Path().addOval(rect)
        r = min(node.get("radius", 0.0) or 0.0, w / 2, h / 2)
        return skia.Path().addRRect(skia.RRect.MakeRectXY(rect, r, r))
    if kind in ("polygon", "star"):
        return _points_path(node, _polygon_points(node) if kind == "polygon" else _star_points(node))
    path = _scaled_path(node.attrs["d"], node.attrs.get("data_scale", 1.0))
    if node.attrs.get("anchored"):
        b = path.computeTightBounds()
        ax, ay = node.attrs.get("anchor_x", 0.0), node.attrs.get("anchor_y", 0.0)
        path.offset(-(b.left() + ax * b.width()), -(b.top() + ay * b.height()))
    return path


def _morphing(paint: Callable) -> Callable:
    """`paint`, or, while the node morphs (`morph` above 0), its outline mixed with
    the next of the shapes in `morph_to` (morph 1: the first, 2: the second …)."""
    def paint_or_morph(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
        targets = node.attrs.get("morph_to")
        k = node.get("morph", 0.0) if targets else 0.0
        if k <= 0:
            paint(canvas, node, alpha, ctx)
            return
        shapes = [node, *(Node(node.id, t["kind"], dict(t["values"]), dict(t["attrs"])) for t in targets)]
        i = min(int(k), len(targets))
        path = shape_outline(shapes[i])
        if k - i > 1e-9 and i < len(targets):
            path = morph.mixed_path(path, shape_outline(shapes[i + 1]), k - i)
        draw_shape(canvas, node, alpha, lambda p: canvas.drawPath(path, p), lambda: path)
    return paint_or_morph


MORPHABLE = ("rect", "circle", "ellipse", "polygon", "star", "path")


# --- images ------------------------------------------------------------------

def paint_image(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
    w, h = node.get("width", 0.0), node.get("height", 0.0)
    dx, dy = anchor_offset(node, w, h)
    image = assets.load_image(node.attrs["file"])
    canvas.drawImageRect(image, skia.Rect.MakeXYWH(dx, dy, w, h), SAMPLING, image_paint(node, alpha))


def paint_svg(canvas: skia.Canvas, node: Node, alpha: float, ctx) -> None:
    w, h = node.get("width", 0.0), node.get("height", 0.0)
    dx, dy = anchor_offset(node, w, h)
    if w < 1 or h < 1:
        return
    # Rasterise at the drawn size (times the current scale) so scaling up stays sharp…
    scale = max(1.0, ctx.current_scale)
    pw, ph = round(w * scale), round(h * scale)
    if pw * ph > MAX_SVG_RASTER:
        # …but an SVG that says it is 100000 px wide, or one zoomed far past the frame, would
        # need gigabytes for pixels that are mostly off the canvas: a 4K frame's worth is enough.
        k = math.sqrt(MAX_SVG_RASTER / (pw * ph))
        pw, ph = max(1, int(pw * k)), max(1, int(ph * k))
    image = assets.render_svg(node.attrs["file"], pw, ph)
    canvas.drawImageRect(image, skia.Rect.MakeXYWH(dx, dy, w, h), SAMPLING, image_paint(node, alpha))


# --- background ----------------------------------------------------------------

def paint_background_content(canvas: skia.Canvas, node: Node, width: int, height: int) -> None:
    """The background over the whole canvas, before Ken Burns zoom/pan."""
    mode = node.attrs["mode"]
    full = skia.Rect.MakeWH(width, height)
    if mode == "solid":
        canvas.drawRect(full, skia.Paint(Color=to_argb_int(node.get("fill"))))
    elif mode == "gradient":
        colors = [to_argb_int(tuple(c)) for c in node.attrs["colors"]]
        direction = node.attrs.get("direction", "vertical")
        if direction == "radial":
            shader = skia.GradientShader.MakeRadial(
                skia.Point(width / 2, height / 2), math.hypot(width, height) / 2, colors)
        elif direction == "horizontal":
            shader = skia.GradientShader.MakeLinear([skia.Point(0, 0), skia.Point(width, 0)], colors)
        else:
            shader = skia.GradientShader.MakeLinear([skia.Point(0, 0), skia.Point(0, height)], colors)
        canvas.drawRect(full, skia.Paint(Shader=shader, Dither=True))
    elif mode == "image":
        image = assets.load_image(node.attrs["file"])
        iw, ih = image.width(), image.height()
        fit = node.attrs.get("fit", "cover")
        k = max(width / iw, height / ih) if fit == "cover" else min(width / iw, height / ih)
        dw, dh = iw * k, ih * k
        if fit == "contain":
            canvas.drawRect(full, skia.Paint(Color=to_argb_int(node.get("fill") or (0, 0, 0, 1))))
        canvas.drawImageRect(image, skia.Rect.MakeXYWH((width - dw) / 2, (height - dh) / 2, dw, dh), SAMPLING)
    elif mode == "procedural":
        from .backdrops import draw_backdrop

        a = node.attrs
        draw_backdrop(canvas, a["scene"], width, height, a.get("seed", 7), a.get("time", "day"), a.get("weather", "clear"))
    else:
        raise ValueError(f"unknown background mode {mode}")


def paint_background_life(canvas: skia.Canvas, node: Node, width: int, height: int) -> None:
    """A procedural backdrop's moving parts at its clock (`time`), over its cached still picture."""
    from .backdrops import draw_life

    a = node.attrs
    draw_life(canvas, a["scene"], width, height, node.values["time"], a.get("seed", 7), a.get("time", "day"),
              a.get("weather", "clear"))


PAINTERS: Registry[Callable] = Registry(PAINTERS_GROUP, {
    "rect": paint_rect,
    "circle": paint_circle,
    "ellipse": paint_ellipse,
    "line": paint_line,
    "polygon": paint_polygon,
    "star": paint_star,
    "path": paint_path,
    "text": paint_text,
    "image": paint_image,
    "svg": paint_svg,
    "caption": paint_caption,
    "character": paint_character,
    "particles": paint_particles,
})


PAINTERS.register("video", paint_clip, builtin=True)
for _kind in MORPHABLE:
    PAINTERS.register(_kind, _morphing(PAINTERS[_kind]), builtin=True)
