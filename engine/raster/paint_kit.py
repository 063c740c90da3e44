"""What painters share: the paints a node's fill, stroke and effects (blur, shadow)
make, the anchor offset of a box, and fill-then-stroke drawing of a shape.

Kept apart from `painters` so that other painters (clips, plugins) use the same
helpers without importing the painter table."""
from __future__ import annotations

from typing import Callable

import skia

from .color import RGBA, to_argb_int, with_alpha
from ..timeline.display import Node

SAMPLING = skia.SamplingOptions(skia.FilterMode.kLinear, skia.MipmapMode.kLinear)


def fill_paint(node: Node, alpha: float, color_key: str = "fill") -> skia.Paint | None:
    color: RGBA | None = node.get(color_key)
    if color is None or color[3] * alpha <= 0:
        return None
    paint = skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha(color, alpha)))
    apply_effects(paint, node)
    return paint


def stroke_paint(node: Node, alpha: float) -> skia.Paint | None:
    color: RGBA | None = node.get("stroke")
    width = node.get("stroke_width", 0.0)
    if color is None or width <= 0 or color[3] * alpha <= 0:
        return None
    paint = skia.Paint(
        AntiAlias=True,
        Color=to_argb_int(with_alpha(color, alpha)),
        Style=skia.Paint.kStroke_Style,
        StrokeWidth=width,
        StrokeJoin=skia.Paint.kRound_Join,
        StrokeCap=skia.Paint.kRound_Cap,
    )
    apply_effects(paint, node)
    return paint


def apply_effects(paint: skia.Paint, node: Node) -> None:
    blur = node.get("blur", 0.0)
    shadow = node.attrs.get("shadow")
    filt = None
    if blur and blur > 0:
        filt = skia.ImageFilters.Blur(blur / 2, blur / 2)
    if shadow:
        filt = skia.ImageFilters.DropShadow(
            shadow["dx"], shadow["dy"], shadow["blur"] / 2, shadow["blur"] / 2,
            to_argb_int(tuple(shadow["color"])), filt,
        )
    if filt is not None:
        paint.setImageFilter(filt)


def anchor_offset(node: Node, w: float, h: float) -> tuple[float, float]:
    return (-node.attrs.get("anchor_x", 0.5) * w, -node.attrs.get("anchor_y", 0.5) * h)


def draw_shape(canvas: skia.Canvas, node: Node, alpha: float, draw: Callable[[skia.Paint], None],
                outline: Callable[[], skia.Path] | None = None) -> None:
    """Fill, then stroke; while a `draw` action is under way, the shape's
    `outline` is drawn around instead (engine/raster/tracing.py)."""
    if outline is not None and node.values.get("draw", 1.0) < 1.0:
        from .tracing import paint_traced_shape

        paint_traced_shape(canvas, node, alpha, outline(), fill_paint(node, alpha), stroke_paint(node, alpha))
        return
    for paint in (fill_paint(node, alpha), stroke_paint(node, alpha)):
        if paint is not None:
            draw(paint)


def image_paint(node: Node, alpha: float) -> skia.Paint:
    paint = skia.Paint(AntiAlias=True)
    if alpha < 1.0:
        paint.setAlphaf(alpha)
    apply_effects(paint, node)
    return paint
