"""The transitions drawn from the two scenes' pictures: shape wipes (iris, clock,
star, heart, blinds, squares…), moves (push, cover, reveal, doorway, page turn)
and image effects (pixelize, ripple, zoom blur, cross-zoom, directional warp).

Each is `draw(canvas, progress, scenes)`, the signature of a transition another
package registers (engine/plugins.py, `storyreel.transitions`); raster.py
registers these in its `TRANSITIONS` registry. Only Skia does the pixel work
(clip paths, transforms, scaled image draws, gradient masks): no per-pixel
Python, so each costs a few blits of a frame. The catalogue of names, directions
and default easings is engine/timeline/transition_kinds.py.
"""
from __future__ import annotations

import math
from typing import Callable

import skia

# Pictures are drawn 1:1 (a copy) or moved and scaled a little (bilinear): never
# mipmapped, as each frame's picture is new and building its mipmaps costs more than
# the whole draw.
_NEAREST = skia.SamplingOptions(skia.FilterMode.kNearest, skia.MipmapMode.kNone)
SAMPLING = skia.SamplingOptions(skia.FilterMode.kLinear, skia.MipmapMode.kNone)
_PAPER = skia.Color(255, 248, 231)  # the back of a turned page: a storybook's cream


def _vector(direction: str) -> tuple[int, int]:
    return {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}[direction]


def _direction(scenes) -> str:
    return scenes.params.get("direction") or "left"


def _draw(canvas: skia.Canvas, image: skia.Image, alpha: float = 1.0) -> None:
    paint = None if alpha >= 1.0 else skia.Paint(Alphaf=max(0.0, alpha))
    exact = canvas.getTotalMatrix().isTranslate()
    canvas.drawImage(image, 0, 0, _NEAREST if exact else SAMPLING, paint)


def _reveal_through(canvas: skia.Canvas, progress: float, scenes, path: skia.Path) -> None:
    """Scene A, with scene B showing through `path` (antialiased edge)."""
    _draw(canvas, scenes.image_a())
    if progress <= 0:
        return
    canvas.save()
    canvas.clipPath(path, skia.ClipOp.kIntersect, True)
    _draw(canvas, scenes.image_b())
    canvas.restore()


def _half_diagonal(scenes) -> float:
    return math.hypot(scenes.width, scenes.height) / 2


# -- shape wipes ---------------------------------------------------------------------

def iris(canvas: skia.Canvas, p: float, scenes) -> None:
    path = skia.Path()
    path.addCircle(scenes.width / 2, scenes.height / 2, p * _half_diagonal(scenes) + 0.5)
    _reveal_through(canvas, p, scenes, path)


def _wedge(scenes, start: float, sweep: float) -> skia.Path:
    """A pie slice from the centre, past the corners; angles in degrees, 0 = three o'clock."""
    cx, cy, r = scenes.width / 2, scenes.height / 2, _half_diagonal(scenes) + 2
    path = skia.Path()
    if sweep >= 359.99:
        path.addRect(skia.Rect.MakeWH(scenes.width, scenes.height))
        return path
    path.moveTo(cx, cy)
    path.arcTo(skia.Rect.MakeLTRB(cx - r, cy - r, cx + r, cy + r), start, sweep, False)
    path.close()
    return path


def clock(canvas: skia.Canvas, p: float, scenes) -> None:
    _reveal_through(canvas, p, scenes, _wedge(scenes, -90, 360 * p))


def radial(canvas: skia.Canvas, p: float, scenes) -> None:
    _reveal_through(canvas, p, scenes, _wedge(scenes, -90 - 180 * p, 360 * p))


def _grown(p: float, scenes, outline: Callable[[skia.Path, float], None], covering: float) -> skia.Path:
    """A shape around the middle of the frame, scaled so that it covers the frame at
    p = 1: `outline(path, r)` draws it with size r about the origin, and `covering`
    is the r at which it covers a circle of radius 1. Grows slowly at first so the
    shape is seen whole before its edges leave the frame."""
    path = skia.Path()
    outline(path, covering * _half_diagonal(scenes) * p ** 1.6)
    path.transform(skia.Matrix.Translate(scenes.width / 2, scenes.height / 2))
    return path


def _star_outline(path: skia.Path, r: float) -> None:
    inner = r * 0.5
    for i in range(10):
        radius = r if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        (path.moveTo if i == 0 else path.lineTo)(radius * math.cos(angle), radius * math.sin(angle))
    path.close()


def _heart_outline(path: skia.Path, r: float) -> None:
    # Two lobes and a point, in a box about 2r wide; its dip is the narrowest part.
    path.moveTo(0, r * 0.95)
    path.cubicTo(-r * 1.3, r * 0.1, -r * 1.05, -r * 0.95, -r * 0.5, -r * 0.95)
    path.cubicTo(-r * 0.2, -r * 0.95, 0, -r * 0.7, 0, -r * 0.45)
    path.cubicTo(0, -r * 0.7, r * 0.2, -r * 0.95, r * 0.5, -r * 0.95)
    path.cubicTo(r * 1.05, -r * 0.95, r * 1.3, r * 0.1, 0, r * 0.95)
    path.close()


def star(canvas: skia.Canvas, p: float, scenes) -> None:
    # A five-point star covers its inscribed circle (radius about 0.5 r) once r is 2.1.
    _reveal_through(canvas, p, scenes, _grown(p, scenes, _star_outline, 2.1))


def heart(canvas: skia.Canvas, p: float, scenes) -> None:
    _reveal_through(canvas, p, scenes, _grown(p, scenes, _heart_outline, 2.6))


def blinds(canvas: skia.Canvas, p: float, scenes, slats: int = 8) -> None:
    """Slats across the frame, each opening in the direction; left/right: upright slats."""
    w, h = scenes.width, scenes.height
    dx, dy = _vector(_direction(scenes))
    path = skia.Path()
    length = (w if dx else h) / slats
    for i in range(slats):
        lo = i * length
        a, b = (lo + length * (1 - p), lo + length) if (dx or dy) < 0 else (lo, lo + length * p)
        path.addRect(skia.Rect.MakeLTRB(a, 0, b, h) if dx else skia.Rect.MakeLTRB(0, a, w, b))
    _reveal_through(canvas, p, scenes, path)


def barn_door(canvas: skia.Canvas, p: float, scenes) -> None:
    """A band through the middle widening both ways; left/right: an upright band."""
    w, h = scenes.width, scenes.height
    dx, _ = _vector(_direction(scenes))
    path = skia.Path()
    if dx:
        path.addRect(skia.Rect.MakeLTRB(w / 2 * (1 - p), 0, w / 2 * (1 + p), h))
    else:
        path.addRect(skia.Rect.MakeLTRB(0, h / 2 * (1 - p), w, h / 2 * (1 + p)))
    _reveal_through(canvas, p, scenes, path)


def squares(canvas: skia.Canvas, p: float, scenes) -> None:
    """A grid of squares, each growing from its middle, a wave of them travelling
    in the direction (the first start at once, the last finish at p = 1)."""
    w, h = scenes.width, scenes.height
    dx, dy = _vector(_direction(scenes))
    rows = 6
    side = h / rows
    cols = math.ceil(w / side)
    spread = 0.6  # the share of the transition over which the squares start
    path = skia.Path()
    for row in range(rows):
        for col in range(cols):
            along = (col + 0.5) / cols if dx else (row + 0.5) / rows
            if (dx or dy) < 0:
                along = 1 - along
            q = min(1.0, max(0.0, (p - along * spread) / (1 - spread)))
            if q <= 0:
                continue
            half = side / 2 * q * 1.02  # a hair over, so grown squares leave no seams
            cx, cy = (col + 0.5) * side, (row + 0.5) * side
            path.addRect(skia.Rect.MakeLTRB(cx - half, cy - half, cx + half, cy + half))
    _reveal_through(canvas, p, scenes, path)


# -- moves ---------------------------------------------------------------------------

def _offset(scenes, amount: float) -> tuple[float, float]:
    dx, dy = _vector(_direction(scenes))
    return dx * amount * scenes.width, dy * amount * scenes.height


def _draw_at(canvas: skia.Canvas, image: skia.Image, x: float, y: float) -> None:
    canvas.drawImage(image, x, y, SAMPLING, None)


def push(canvas: skia.Canvas, p: float, scenes) -> None:
    a, b = scenes.image_a(), scenes.image_b()
    _draw_at(canvas, a, *_offset(scenes, p))
    _draw_at(canvas, b, *_offset(scenes, p - 1))


def cover(canvas: skia.Canvas, p: float, scenes) -> None:
    a, b = scenes.image_a(), scenes.image_b()
    _draw(canvas, a)
    x, y = _offset(scenes, p - 1)
    _edge_shadow(canvas, scenes, x, y)
    _draw_at(canvas, b, x, y)


def reveal(canvas: skia.Canvas, p: float, scenes) -> None:
    a, b = scenes.image_a(), scenes.image_b()
    _draw(canvas, b)
    x, y = _offset(scenes, p)
    _edge_shadow(canvas, scenes, x, y)
    _draw_at(canvas, a, x, y)


def _edge_shadow(canvas: skia.Canvas, scenes, x: float, y: float) -> None:
    """A soft shadow along the edge of a frame-sized sheet at (x, y) that faces the
    other scene, so the sheet reads as lying on top. A gradient strip only that
    wide: a gradient costs per pixel it covers."""
    w, h = scenes.width, scenes.height
    reach = h / 30
    if abs(x) >= 0.5:
        edge = x if x > 0 else x + w
        outer = edge - reach if x > 0 else edge + reach
        rect = skia.Rect.MakeLTRB(min(edge, outer), 0, max(edge, outer), h)
        ends = [skia.Point(edge, 0), skia.Point(outer, 0)]
    elif abs(y) >= 0.5:
        edge = y if y > 0 else y + h
        outer = edge - reach if y > 0 else edge + reach
        rect = skia.Rect.MakeLTRB(0, min(edge, outer), w, max(edge, outer))
        ends = [skia.Point(0, edge), skia.Point(0, outer)]
    else:
        return
    canvas.drawRect(rect, skia.Paint(Shader=skia.GradientShader.MakeLinear(
        ends, [skia.Color(0, 0, 0, 80), skia.Color(0, 0, 0, 0)])))


def doorway(canvas: skia.Canvas, p: float, scenes) -> None:
    """A's halves swing apart like double doors while B comes forward from the dark."""
    w, h = scenes.width, scenes.height
    a, b = scenes.image_a(), scenes.image_b()
    canvas.drawColor(skia.ColorBLACK)
    scale = 0.7 + 0.3 * p
    canvas.save()
    canvas.translate(w / 2, h / 2)
    canvas.scale(scale, scale)
    canvas.translate(-w / 2, -h / 2)
    _draw(canvas, b, min(1.0, 0.3 + p))
    canvas.restore()
    for side in (-1, 1):
        canvas.save()
        half = skia.Rect.MakeLTRB(0, 0, w / 2, h) if side < 0 else skia.Rect.MakeLTRB(w / 2, 0, w, h)
        canvas.translate(side * p * w / 2, 0)
        canvas.clipRect(half, True)
        _draw(canvas, a)
        canvas.restore()


def page_turn(canvas: skia.Canvas, p: float, scenes) -> None:
    """A turns over like a page of a book: the fold runs from the far edge across;
    past it B lies uncovered, and the page's turned-over back (cream paper with A
    faintly through it) lies over A. `left`: the page turns towards the left."""
    w, h = scenes.width, scenes.height
    a, b = scenes.image_a(), scenes.image_b()
    leftward = _direction(scenes) != "right"
    fold = w * (1 - p) if leftward else w * p

    def span(lo: float, hi: float) -> skia.Rect:  # [lo, hi] measured from the page's spine
        return skia.Rect.MakeLTRB(lo, 0, hi, h) if leftward else skia.Rect.MakeLTRB(w - hi, 0, w - lo, h)

    far = w * (1 - p)  # the fold, measured from the spine
    _draw(canvas, b)
    shadow = skia.Paint(Shader=skia.GradientShader.MakeLinear(
        [skia.Point(fold, 0), skia.Point(fold + (w / 12 if leftward else -w / 12), 0)],
        [skia.Color(0, 0, 0, 110), skia.Color(0, 0, 0, 0)]))
    canvas.drawRect(span(far, min(w, far + w / 12)), shadow)
    canvas.save()
    canvas.clipRect(span(0, far), True)
    _draw(canvas, a)
    back = span(max(0.0, 2 * far - w), far)
    canvas.clipRect(back, True)
    canvas.drawColor(_PAPER)
    canvas.translate(2 * fold, 0)  # A mirrored about the fold: seen through the paper
    canvas.scale(-1, 1)
    canvas.drawImage(a, 0, 0, _NEAREST, skia.Paint(Alphaf=0.3))  # a mirror maps pixels 1:1
    canvas.restore()
    # The turned page's shading: darker at the fold, where it bends.
    crease = skia.Paint(Shader=skia.GradientShader.MakeLinear(
        [skia.Point(fold, 0), skia.Point(fold + (-w / 10 if leftward else w / 10), 0)],
        [skia.Color(120, 90, 40, 90), skia.Color(120, 90, 40, 0)]))
    canvas.drawRect(span(max(2 * far - w, far - w / 10, 0.0), far), crease)


def directional_warp(canvas: skia.Canvas, p: float, scenes) -> None:
    """A soft edge sweeps in the direction; behind it B, ahead of it A squeezed
    towards the side the edge is heading to."""
    w, h = scenes.width, scenes.height
    a, b = scenes.image_a(), scenes.image_b()
    dx, dy = _vector(_direction(scenes))
    length = w if dx else h
    band = length * 0.2
    edge = (length + band / 2) - p * (length + band)  # the band's middle, from the side A is squeezed to

    def box(lo: float, hi: float) -> skia.Rect:  # [lo, hi] from A's side, across the frame
        lo, hi = max(lo, 0.0), min(hi, length)
        if (dx or dy) > 0:
            lo, hi = length - hi, length - lo
        return skia.Rect.MakeLTRB(lo, 0, hi, h) if dx else skia.Rect.MakeLTRB(0, lo, w, hi)

    def point(d: float) -> skia.Point:
        along = d if (dx or dy) < 0 else length - d
        return skia.Point(along, 0) if dx else skia.Point(0, along)

    def squeezed_a(target: skia.Canvas) -> None:
        squeeze = 1 - 0.45 * p
        anchor_x, anchor_y = (0 if dx < 0 else w), (0 if dy < 0 else h)
        target.save()
        target.translate(anchor_x, anchor_y)
        target.scale(squeeze if dx else 1, squeeze if dy else 1)
        target.translate(-anchor_x, -anchor_y)
        _draw(target, a)
        target.restore()

    _draw(canvas, b)
    canvas.save()
    canvas.clipRect(box(0, edge - band / 2))
    squeezed_a(canvas)
    canvas.restore()
    soft = box(edge - band / 2, edge + band / 2)
    if soft.isEmpty():
        return
    # Only the band is blended through a gradient (a gradient costs per pixel).
    canvas.save()
    canvas.clipRect(soft)
    canvas.saveLayer(soft, None)
    squeezed_a(canvas)
    canvas.drawRect(soft, skia.Paint(BlendMode=skia.BlendMode.kDstIn, Shader=skia.GradientShader.MakeLinear(
        [point(edge - band / 2), point(edge + band / 2)], [skia.ColorBLACK, skia.ColorTRANSPARENT])))
    canvas.restore()
    canvas.restore()


# -- image effects -------------------------------------------------------------------

def _blend(scenes, p: float) -> skia.Image:
    """A and B crossfaded by p, as one picture."""
    if p <= 0:
        return scenes.image_a()
    if p >= 1:
        return scenes.image_b()
    surface = scenes.scratch("blend", scenes.width, scenes.height)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorTRANSPARENT)  # a scene may be see-through (`background none`)
    _draw(canvas, scenes.image_a())
    _draw(canvas, scenes.image_b(), p)
    return surface.makeImageSnapshot()


def pixelize(canvas: skia.Canvas, p: float, scenes) -> None:
    """A breaks into blocks that grow to a twelfth of the height at the middle,
    where B takes over and its blocks shrink back to pixels."""
    w, h = scenes.width, scenes.height
    block = 1 + (h / 12 - 1) * (1 - abs(2 * p - 1))
    image = scenes.image_a() if p < 0.5 else scenes.image_b()
    if block < 1.5:
        _draw(canvas, image)
        return
    small_w, small_h = max(1, round(w / block)), max(1, round(h / block))
    surface = scenes.scratch(f"pixels{small_w}x{small_h}", small_w, small_h)
    surface.getCanvas().clear(skia.ColorTRANSPARENT)
    surface.getCanvas().drawImageRect(image, skia.Rect.MakeWH(small_w, small_h), SAMPLING)
    canvas.drawImageRect(surface.makeImageSnapshot(), skia.Rect.MakeWH(w, h), _NEAREST)


def _zoom_blur(canvas: skia.Canvas, image: skia.Image, scenes, zoom: float, streak: float) -> None:
    """`image` scaled by `zoom` about the middle, smeared outwards by `streak` (a
    share of its size) as copies at growing scales averaged together, drawn at half
    or a quarter of the size (a blur needs no more) and scaled back up."""
    w, h = scenes.width, scenes.height
    if streak < 0.004:
        canvas.save()
        _zoom_about_middle(canvas, w, h, zoom)
        _draw(canvas, image)
        canvas.restore()
        return
    # A strong streak hides detail: a quarter of the size is then enough.
    shrink = 4 if streak > 0.15 else 2
    half = scenes.scratch("zoom-blur", max(1, w // shrink), max(1, h // shrink))
    small = half.getCanvas()
    small.clear(skia.ColorTRANSPARENT)
    copies = 10 if shrink == 4 else 6  # enough that the copies read as a streak, not rings
    for k in range(copies):
        small.save()
        small.scale(1 / shrink, 1 / shrink)
        _zoom_about_middle(small, w, h, zoom * (1 + streak * k / (copies - 1)))
        _draw(small, image, 1 / (k + 1))  # each copy an equal share of the average
        small.restore()
    canvas.drawImageRect(half.makeImageSnapshot(), skia.Rect.MakeWH(w, h), SAMPLING)


def _zoom_about_middle(canvas: skia.Canvas, w: float, h: float, zoom: float) -> None:
    canvas.translate(w / 2, h / 2)
    canvas.scale(zoom, zoom)
    canvas.translate(-w / 2, -h / 2)


def zoom_blur(canvas: skia.Canvas, p: float, scenes) -> None:
    """A crossfade through a blur streaking out from the middle, strongest halfway."""
    _zoom_blur(canvas, _blend(scenes, _smooth(0.3, 0.7, p)), scenes, 1.0, 0.3 * math.sin(math.pi * p))


def cross_zoom(canvas: skia.Canvas, p: float, scenes) -> None:
    """A rushes towards the viewer, blurring; a white flash; B rushes back out of it."""
    streak = 0.35 * math.sin(math.pi * p)
    if p < 0.5:
        _zoom_blur(canvas, scenes.image_a(), scenes, 1 + 2 * p, streak)
    else:
        _zoom_blur(canvas, scenes.image_b(), scenes, 1 + 2 * (1 - p), streak)
    flash = math.sin(math.pi * p) ** 6
    if flash > 0.01:
        canvas.drawColor(skia.Color4f(1, 1, 1, 0.7 * flash).toColor())


def ripple(canvas: skia.Canvas, p: float, scenes) -> None:
    """Rings of water spreading from the middle while the scenes blend: each ring
    of the picture is scaled a little more or less than its neighbours, by a wave
    that travels outwards and dies away at both ends."""
    w, h = scenes.width, scenes.height
    image = _blend(scenes, p)
    amplitude = 0.035 * math.sin(math.pi * p)
    if amplitude < 0.001:
        _draw(canvas, image)
        return
    rings = 14
    reach = _half_diagonal(scenes) * 1.1
    cx, cy = w / 2, h / 2
    # Clamped at its edges, so a ring scaled down still reaches the frame's edge.
    paint = skia.Paint(Shader=image.makeShader(skia.TileMode.kClamp, skia.TileMode.kClamp, SAMPLING))
    for k in range(rings):
        inner, outer = reach * k / rings, reach * (k + 1) / rings
        ring = skia.Path()
        ring.setFillType(skia.PathFillType.kEvenOdd)
        ring.addCircle(cx, cy, outer + 0.5)
        if inner > 0:
            ring.addCircle(cx, cy, inner)
        scale = 1 + amplitude * math.sin(k * 1.4 - p * 14)
        canvas.save()
        canvas.clipPath(ring, skia.ClipOp.kIntersect, False)  # aliased: neighbouring rings leave no seam
        _zoom_about_middle(canvas, w, h, scale)
        canvas.drawPaint(paint)
        canvas.restore()


def _smooth(lo: float, hi: float, x: float) -> float:
    t = min(1.0, max(0.0, (x - lo) / (hi - lo)))
    return t * t * (3 - 2 * t)


# Drawn here, by name (the rest of the catalogue is drawn by the rasteriser itself).
DRAWN = {
    "iris": iris, "clock": clock, "radial": radial, "star": star, "heart": heart,
    "push": push, "cover": cover, "reveal": reveal, "page-turn": page_turn,
    "zoom-blur": zoom_blur, "blinds": blinds, "barn-door": barn_door, "doorway": doorway,
    "ripple": ripple, "squares": squares, "pixelize": pixelize,
    "directional-warp": directional_warp, "cross-zoom": cross_zoom,
}
