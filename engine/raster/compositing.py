"""Compositing one layer: colour filters, blend modes, flips and skew, clip paths
and mattes (`brightness 1.3`, `blend multiply`, `flip horizontal`, `clip circle`,
`mask NAME luma`; docs/LANGUAGE.md, *Compositing*).

A node whose attrs hold `composite` (a dict of its constant compositing options;
its animatable numbers are ordinary values) is drawn by `draw_composited` through
one offscreen layer (saveLayer): the layer's own drawing, its vignette and its
matte land there, and restoring it applies the colour filter and the blend mode.
Every node without `composite` takes the rasteriser's plain path, untouched.
All of it is Skia's own: a 4x5 colour matrix, `LumaColorFilter`, blend modes,
`clipPath`, and the matte composited with kDstIn (kDstOut inverted).
"""
from __future__ import annotations

import math
from dataclasses import replace

import skia

from ..timeline.display import Node
from .paint_kit import anchor_offset
from .painters import _scaled_path, text_bounds, text_box

BLEND_MODES: dict[str, skia.BlendMode] = {
    "normal": skia.BlendMode.kSrcOver, "multiply": skia.BlendMode.kMultiply, "screen": skia.BlendMode.kScreen,
    "overlay": skia.BlendMode.kOverlay, "darken": skia.BlendMode.kDarken, "lighten": skia.BlendMode.kLighten,
    "color-dodge": skia.BlendMode.kColorDodge, "color-burn": skia.BlendMode.kColorBurn,
    "hard-light": skia.BlendMode.kHardLight, "soft-light": skia.BlendMode.kSoftLight,
    "difference": skia.BlendMode.kDifference, "exclusion": skia.BlendMode.kExclusion,
    "add": skia.BlendMode.kPlus, "hue": skia.BlendMode.kHue, "saturation": skia.BlendMode.kSaturation,
    "color": skia.BlendMode.kColor, "luminosity": skia.BlendMode.kLuminosity,
}

# The animatable compositing values and the value that changes nothing.
NEUTRAL: dict[str, float] = {
    "brightness": 1.0, "contrast": 1.0, "saturation": 1.0, "hue": 0.0, "sepia": 0.0, "grayscale": 0.0,
    "vignette": 0.0, "skew_x": 0.0, "skew_y": 0.0,
}
FLIPS = ("horizontal", "vertical", "both")
CLIP_SHAPES = ("circle", "ellipse", "rounded", "path")
MATTES = ("alpha", "luma")

# Rec. 709 luma weights, as CSS filters use them.
_LR, _LG, _LB = 0.2126, 0.7152, 0.0722
_IDENTITY = ((1.0, 0.0, 0.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 1.0, 0.0, 0.0),
             (0.0, 0.0, 0.0, 1.0, 0.0))


# ── colour ───────────────────────────────────────────────────────────────────────

def _rgb(m3: list[list[float]], offset: float = 0.0) -> tuple:
    """A 4x5 colour matrix from a 3x3 RGB matrix and an offset added to R, G and B."""
    return tuple((*row, 0.0, offset) for row in m3) + (_IDENTITY[3],)


def _saturate(s: float) -> tuple:
    return _rgb([[_LR + (1 - _LR) * s, _LG - _LG * s, _LB - _LB * s],
                 [_LR - _LR * s, _LG + (1 - _LG) * s, _LB - _LB * s],
                 [_LR - _LR * s, _LG - _LG * s, _LB + (1 - _LB) * s]])


def _hue_rotate(degrees: float) -> tuple:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return _rgb([[_LR + c * (1 - _LR) - s * _LR, _LG - c * _LG - s * _LG, _LB - c * _LB + s * (1 - _LB)],
                 [_LR - c * _LR + s * 0.143, _LG + c * (1 - _LG) + s * 0.140, _LB - c * _LB - s * 0.283],
                 [_LR - c * _LR - s * (1 - _LR), _LG - c * _LG + s * _LG, _LB + c * (1 - _LB) + s * _LB]])


def _sepia(a: float) -> tuple:
    k = 1 - a
    return _rgb([[0.393 + 0.607 * k, 0.769 - 0.769 * k, 0.189 - 0.189 * k],
                 [0.349 - 0.349 * k, 0.686 + 0.314 * k, 0.168 - 0.168 * k],
                 [0.272 - 0.272 * k, 0.534 - 0.534 * k, 0.131 + 0.869 * k]])


def _then(first: tuple, second: tuple) -> tuple:
    """The 4x5 matrix applying `first`, then `second`."""
    out = []
    for row in second:
        out.append(tuple(sum(row[k] * first[k][j] for k in range(4)) + (row[4] if j == 4 else 0.0)
                         for j in range(5)))
    return tuple(out)


def color_matrix(values: dict) -> tuple | None:
    """The layer's colour filters as one 4x5 matrix (None: they change nothing), in
    the order the guide gives: brightness, contrast, saturation, hue, grayscale, sepia."""
    steps = []
    b = values.get("brightness", 1.0)
    if b != 1.0:
        b = max(0.0, b)
        steps.append(_rgb([[b, 0, 0], [0, b, 0], [0, 0, b]]))
    c = values.get("contrast", 1.0)
    if c != 1.0:
        c = max(0.0, c)
        steps.append(_rgb([[c, 0, 0], [0, c, 0], [0, 0, c]], 0.5 * (1 - c)))
    s = values.get("saturation", 1.0)
    if s != 1.0:
        steps.append(_saturate(max(0.0, s)))
    h = values.get("hue", 0.0)
    if h % 360:
        steps.append(_hue_rotate(h))
    g = min(1.0, max(0.0, values.get("grayscale", 0.0)))
    if g:
        steps.append(_saturate(1 - g))
    a = min(1.0, max(0.0, values.get("sepia", 0.0)))
    if a:
        steps.append(_sepia(a))
    if not steps:
        return None
    m = steps[0]
    for step in steps[1:]:
        m = _then(m, step)
    return m


def color_filter(values: dict) -> skia.ColorFilter | None:
    m = color_matrix(values)
    return None if m is None else skia.ColorFilters.Matrix([x for row in m for x in row])


# ── geometry ─────────────────────────────────────────────────────────────────────

def local_box(node: Node) -> skia.Rect | None:
    """The layer's own box in its local space (anchor applied; a group's: round its
    children's boxes), or None for a kind without one (a line, a path)."""
    if node.kind == "group":
        return _group_box(node)
    if node.kind == "text":
        w, h = text_box(node)
    elif node.kind == "polygon" and node.attrs.get("points"):
        xs, ys = [p[0] for p in node.attrs["points"]], [p[1] for p in node.attrs["points"]]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
    elif "width" in node.values and node.kind != "line":
        w, h = node.values["width"], node.values.get("height", 0.0)
    elif "radius" in node.values:
        w = h = 2 * node.values["radius"]
    else:
        return None
    dx, dy = anchor_offset(node, w, h)
    return skia.Rect.MakeXYWH(dx, dy, w, h)


def _group_box(node: Node) -> skia.Rect | None:
    """The box round a group's children's boxes (each placed, turned and scaled as
    the rasteriser places it), in the group's space; None if none has a box."""
    left = top = math.inf
    right = bottom = -math.inf
    for child in node.children:
        box = local_box(child) if child.kind in _BOXED or child.kind in ("text", "group") else None
        if box is None:
            continue
        v = child.values
        m = skia.Matrix.Translate(v.get("x", 0.0) + v.get("offset_x", 0.0), v.get("y", 0.0) + v.get("offset_y", 0.0))
        m.preRotate(v.get("rotate", 0.0))
        m.preScale(v.get("scale", 1.0), v.get("scale", 1.0))
        placed = m.mapRect(box)
        left, top = min(left, placed.left()), min(top, placed.top())
        right, bottom = max(right, placed.right()), max(bottom, placed.bottom())
    return skia.Rect.MakeLTRB(left, top, right, bottom) if right > left else None


def reshape(canvas: skia.Canvas, node: Node) -> None:
    """Flip and skew about the layer's centre, then clip to its clip path: called in
    the layer's local space, after its position, rotation and scale."""
    spec = node.attrs["composite"]
    v = node.values
    flip = spec.get("flip")
    sx, sy = math.tan(math.radians(v.get("skew_x", 0.0))), math.tan(math.radians(v.get("skew_y", 0.0)))
    box = local_box(node)
    if flip or sx or sy:
        cx, cy = (box.centerX(), box.centerY()) if box is not None else (0.0, 0.0)
        canvas.translate(cx, cy)
        if sx or sy:
            canvas.skew(sx, sy)
        if flip:
            canvas.scale(-1.0 if flip in ("horizontal", "both") else 1.0, -1.0 if flip in ("vertical", "both") else 1.0)
        canvas.translate(-cx, -cy)
    clip = spec.get("clip")
    if clip is not None:
        canvas.clipPath(clip_path(clip, box), skia.ClipOp.kIntersect, True)


def clip_path(clip: dict, box: skia.Rect | None) -> skia.Path:
    """A clip shape in the layer's box (`path` data: from the box's top-left, or
    from the layer's position where it has no box)."""
    shape = clip["shape"]
    if shape == "path":
        path = skia.Path(_scaled_path(clip["d"], clip.get("scale", 1.0)))
        if box is not None:
            path.offset(box.left(), box.top())
        return path
    box = box if box is not None else skia.Rect.MakeEmpty()
    if shape == "circle":
        r = min(box.width(), box.height()) / 2
        return skia.Path().addCircle(box.centerX(), box.centerY(), r)
    if shape == "ellipse":
        return skia.Path().addOval(box)
    r = min(clip.get("radius", 0.0), box.width() / 2, box.height() / 2)
    return skia.Path().addRRect(skia.RRect.MakeRectXY(box, r, r))


def vignette(canvas: skia.Canvas, node: Node, width: int, height: int) -> None:
    """Darken the layer's edges (its box, or the frame for a layer without one):
    a radial shade drawn only where the layer has drawn (kSrcATop)."""
    amount = min(1.0, max(0.0, node.values.get("vignette", 0.0)))
    if not amount:
        return
    box = local_box(node)
    canvas.save()
    if box is None:
        canvas.resetMatrix()
        box = skia.Rect.MakeWH(width, height)
    # Circular in the box's own shape: scale a unit gradient to the box.
    canvas.translate(box.centerX(), box.centerY())
    canvas.scale(max(box.width(), 1e-3) / 2, max(box.height(), 1e-3) / 2)
    shade = skia.GradientShader.MakeRadial(
        skia.Point(0, 0), math.sqrt(2),
        [skia.ColorSetARGB(0, 0, 0, 0), skia.ColorSetARGB(0, 0, 0, 0), skia.ColorSetARGB(round(255 * amount), 0, 0, 0)],
        [0.0, 0.45, 1.0])
    canvas.drawRect(skia.Rect.MakeLTRB(-1, -1, 1, 1), skia.Paint(Shader=shade, BlendMode=skia.BlendMode.kSrcATop))
    canvas.restore()


# ── drawing ──────────────────────────────────────────────────────────────────────

class Compositing:
    """One composited node's drawing: `begin` (in its local space: flip, skew, clip,
    then an offscreen layer the size of its box), the node's own drawing, `end`
    (its vignette, its matte, and the layer composited with its filter and blend)."""

    def __init__(self, node: Node, matte: Node | None, parent: skia.Matrix):
        self.node, self.matte, self.parent = node, matte, parent

    def begin(self, canvas: skia.Canvas) -> None:
        reshape(canvas, self.node)
        paint = skia.Paint()
        spec, values = self.node.attrs["composite"], self.node.values
        if spec.get("blend") is not None:
            paint.setBlendMode(BLEND_MODES[spec["blend"]])
        filt = color_filter(values)
        if filt is not None:
            paint.setColorFilter(filt)
        canvas.saveLayer(layer_bounds(self.node), paint)

    def end(self, canvas: skia.Canvas, raster, width: int, height: int) -> None:
        vignette(canvas, self.node, width, height)
        if self.matte is not None:
            matte = self.node.attrs["composite"]["mask"]
            paint = skia.Paint(BlendMode=skia.BlendMode.kDstOut if matte.get("invert") else skia.BlendMode.kDstIn)
            if matte.get("mode") == "luma":
                paint.setColorFilter(skia.LumaColorFilter.Make())
            canvas.save()
            canvas.setMatrix(self.parent)  # the matte lives where it was declared, beside the node
            canvas.saveLayer(None, paint)
            raster._draw_node(canvas, self.matte)
            canvas.restore()
            canvas.restore()
        canvas.restore()


def layer_bounds(node: Node) -> skia.Rect | None:
    """What the node's own drawing may touch, in its local space (its box, with its
    stroke, blur and shadow around it); None where unknown (the whole frame)."""
    if node.kind == "text":
        return text_bounds(node)
    box = local_box(node) if node.kind in _BOXED else None
    if box is None:
        return None
    spread = node.values.get("stroke_width", 0.0) if node.get("stroke") is not None else 0.0
    spread += 3 * (node.values.get("blur", 0.0) or 0.0) / 2
    shadow = node.attrs.get("shadow")
    if shadow:
        spread += 3 * shadow["blur"] / 2 + max(abs(shadow["dx"]), abs(shadow["dy"]))
    return box.makeOutset(spread + 2, spread + 2)


_BOXED = frozenset({"rect", "ellipse", "circle", "image", "svg", "video", "polygon", "star"})


def blends(node) -> bool:
    """Whether the node mixes with what is under it (a blend mode), so it must be
    drawn onto it, not into a layer of its own first."""
    if not isinstance(node, Node):
        return False
    spec = node.attrs.get("composite")
    return (spec is not None and spec.get("blend", "normal") != "normal") or "blend_inside" in node.attrs


def draw_composited(canvas: skia.Canvas, node: Node, raster) -> None:
    """Draw `node` (it has at least one compositing option) with `raster._draw_placed`."""
    matte = node.attrs["composite"].get("mask")
    matte_node = None
    if matte is not None:
        # The matte layer travels as the node's last child (dsl/compositing.py); while
        # it is not on stage, nothing of the layer shows.
        if not node.children or node.children[-1].id != matte["layer"]:
            return
        matte_node, node = node.children[-1], replace(node, children=node.children[:-1])
    raster._draw_placed(canvas, node, node.values.get("opacity", 1.0), node.values.get("scale", 1.0),
                        Compositing(node, matte_node, canvas.getTotalMatrix()))
