"""Built-in procedural backgrounds: `background sky|meadow|forest|night|classroom|ocean`.

Each is simple, bright vector art drawn with Skia at any canvas size, laid out
in fractions of the canvas and sized in design pixels (1/1080 of the shorter
side). Randomness (clouds, trees, stars, flowers) comes from a generator seeded
with the backdrop's seed, so the same file always draws the same picture.
Backdrops are static: the rasteriser draws each one once and reuses the image.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import skia


def _paint(color: int, **kw) -> skia.Paint:
    return skia.Paint(AntiAlias=True, Color=color, **kw)


def _vertical_gradient(canvas: skia.Canvas, top: float, bottom: float, width: float, colors: list[int]) -> None:
    shader = skia.GradientShader.MakeLinear([skia.Point(0, top), skia.Point(0, bottom)], colors)
    canvas.drawRect(skia.Rect.MakeLTRB(0, top, width, bottom), skia.Paint(Shader=shader, Dither=True))


def _sun(canvas: skia.Canvas, x: float, y: float, r: float) -> None:
    halo = skia.GradientShader.MakeRadial(skia.Point(x, y), r * 2.2, [0x66FFF3B0, 0x00FFF3B0])
    canvas.drawCircle(x, y, r * 2.2, skia.Paint(AntiAlias=True, Shader=halo))
    canvas.drawCircle(x, y, r, _paint(0xFFFFD93D))


def _cloud(canvas: skia.Canvas, x: float, y: float, s: float, color: int = 0xFFFFFFFF) -> None:
    paint = _paint(color)
    for dx, dy, r in ((-0.9, 0.15, 0.55), (-0.35, -0.2, 0.75), (0.35, -0.1, 0.65), (0.9, 0.2, 0.5)):
        canvas.drawCircle(x + dx * s, y + dy * s, r * s, paint)
    canvas.drawRRect(skia.RRect.MakeRectXY(skia.Rect.MakeLTRB(x - 1.4 * s, y, x + 1.4 * s, y + 0.7 * s), 0.35 * s, 0.35 * s), paint)


def _hill(canvas: skia.Canvas, w: float, h: float, base: float, amp: float, phase: float, color: int) -> None:
    path = skia.Path()
    path.moveTo(0, h)
    steps = 48
    for i in range(steps + 1):
        x = w * i / steps
        y = base - amp * math.sin(math.pi * (i / steps) * 1.6 + phase)
        path.lineTo(x, y)
    path.lineTo(w, h)
    path.close()
    canvas.drawPath(path, _paint(color))


def _sky(canvas: skia.Canvas, w: float, h: float, u: float, rng: np.random.Generator, horizon: float = 1.0) -> None:
    _vertical_gradient(canvas, 0, h * horizon, w, [0xFF8EC5FC, 0xFFE0F7FF])
    _sun(canvas, w * 0.82, h * 0.18, 70 * u)
    for i in range(4):
        x = w * (0.1 + 0.22 * i + rng.uniform(-0.04, 0.04))
        y = h * rng.uniform(0.1, 0.3)
        _cloud(canvas, x, y, u * rng.uniform(45, 70))


def draw_sky(canvas, w, h, u, rng):
    _sky(canvas, w, h, u, rng)


def draw_meadow(canvas, w, h, u, rng):
    _sky(canvas, w, h, u, rng)
    _hill(canvas, w, h, h * 0.66, h * 0.06, 0.3, 0xFF95D5B2)
    _hill(canvas, w, h, h * 0.76, h * 0.05, 2.1, 0xFF74C69D)
    canvas.drawRect(skia.Rect.MakeLTRB(0, h * 0.84, w, h), _paint(0xFF52B788))
    for _ in range(int(24 * w / max(h, 1)) + 10):
        x, y = rng.uniform(0, w), rng.uniform(h * 0.8, h * 0.98)
        r = u * rng.uniform(7, 12)
        petal = [0xFFFFFFFF, 0xFFFFAFCC, 0xFFFFD93D, 0xFFCDB4DB][int(rng.integers(0, 4))]
        for k in range(5):
            a = 2 * math.pi * k / 5
            canvas.drawCircle(x + math.cos(a) * r, y + math.sin(a) * r, r * 0.7, _paint(petal))
        canvas.drawCircle(x, y, r * 0.6, _paint(0xFFF4A261))


def _pine(canvas: skia.Canvas, x: float, base: float, height: float, color: int) -> None:
    trunk_w = height * 0.08
    canvas.drawRect(skia.Rect.MakeLTRB(x - trunk_w / 2, base - height * 0.18, x + trunk_w / 2, base), _paint(0xFF7F5539))
    for k in range(3):
        top = base - height * (1.0 - 0.22 * k)
        bottom = base - height * (0.15 + 0.2 * (2 - k)) * 0.9
        half = height * (0.22 + 0.08 * k)
        tri = skia.Path.Polygon([skia.Point(x, top), skia.Point(x - half, bottom), skia.Point(x + half, bottom)], True)
        canvas.drawPath(tri, _paint(color))


def draw_forest(canvas, w, h, u, rng):
    _vertical_gradient(canvas, 0, h * 0.75, w, [0xFFB5E2FA, 0xFFEDF6F9])
    _sun(canvas, w * 0.15, h * 0.16, 55 * u)
    _hill(canvas, w, h, h * 0.62, h * 0.05, 1.2, 0xFF84A98C)
    for i in range(14):
        x = w * (i + rng.uniform(0.1, 0.9)) / 14
        _pine(canvas, x, h * 0.7, u * rng.uniform(200, 260), 0xFF52796F)
    canvas.drawRect(skia.Rect.MakeLTRB(0, h * 0.8, w, h), _paint(0xFF6A994E))
    for i in range(9):
        x = w * (i + rng.uniform(0.1, 0.9)) / 9
        _pine(canvas, x, h * 0.9, u * rng.uniform(300, 380), 0xFF2D6A4F)
    canvas.drawRect(skia.Rect.MakeLTRB(0, h * 0.9, w, h), _paint(0xFF588157))


def draw_night(canvas, w, h, u, rng):
    _vertical_gradient(canvas, 0, h, w, [0xFF0B1D3A, 0xFF2C3E73])
    for _ in range(int(140 * w * h / (1920 * 1080)) + 40):
        x, y = rng.uniform(0, w), rng.uniform(0, h * 0.7)
        r = u * rng.uniform(1.5, 4.0)
        canvas.drawCircle(x, y, r, _paint(0xFFFFFFFF if rng.random() < 0.7 else 0xFFFFF3B0))
    mx, my, mr = w * 0.8, h * 0.2, 70 * u
    glow = skia.GradientShader.MakeRadial(skia.Point(mx, my), mr * 2.5, [0x55FFF3B0, 0x00FFF3B0])
    canvas.drawCircle(mx, my, mr * 2.5, skia.Paint(AntiAlias=True, Shader=glow))
    moon = skia.Path.Circle(mx, my, mr)
    bite = skia.Path.Circle(mx + mr * 0.45, my - mr * 0.25, mr * 0.85)
    crescent = skia.Op(moon, bite, skia.PathOp.kDifference_PathOp)
    canvas.drawPath(crescent if crescent is not None else moon, _paint(0xFFFFF3B0))
    _hill(canvas, w, h, h * 0.8, h * 0.05, 0.8, 0xFF1B263B)
    _hill(canvas, w, h, h * 0.88, h * 0.04, 2.4, 0xFF0D1B2A)


def draw_classroom(canvas, w, h, u, rng):
    canvas.drawRect(skia.Rect.MakeWH(w, h * 0.78), _paint(0xFFFFF1D6))
    canvas.drawRect(skia.Rect.MakeLTRB(0, h * 0.74, w, h * 0.78), _paint(0xFFE9C46A))
    floor = skia.GradientShader.MakeLinear([skia.Point(0, h * 0.78), skia.Point(0, h)], [0xFFD4A373, 0xFFB07D4F])
    canvas.drawRect(skia.Rect.MakeLTRB(0, h * 0.78, w, h), skia.Paint(Shader=floor))
    for i in range(1, 8):
        canvas.drawLine(w * i / 8, h * 0.78, w * i / 8, h, _paint(0x33000000, StrokeWidth=2 * u))
    bw, bh = min(w * 0.5, h * 0.9), h * 0.36
    board = skia.Rect.MakeXYWH((w - bw) / 2, h * 0.14, bw, bh)
    frame = board.makeOutset(14 * u, 14 * u)
    canvas.drawRRect(skia.RRect.MakeRectXY(frame, 10 * u, 10 * u), _paint(0xFF9C6644))
    canvas.drawRect(board, _paint(0xFF2F5D50))
    canvas.drawRect(skia.Rect.MakeXYWH(board.left() + bw * 0.1, board.bottom() + 4 * u, bw * 0.8, 10 * u), _paint(0xFF7F5539))
    # A window with a bit of sky on one side and a clock on the other.
    win = skia.Rect.MakeXYWH(w * 0.04, h * 0.16, min(w * 0.16, h * 0.3), h * 0.3)
    canvas.drawRect(win.makeOutset(10 * u, 10 * u), _paint(0xFFFFFFFF))
    shader = skia.GradientShader.MakeLinear([skia.Point(0, win.top()), skia.Point(0, win.bottom())], [0xFF8EC5FC, 0xFFE0F7FF])
    canvas.drawRect(win, skia.Paint(Shader=shader))
    canvas.drawLine(win.centerX(), win.top(), win.centerX(), win.bottom(), _paint(0xFFFFFFFF, StrokeWidth=8 * u))
    canvas.drawLine(win.left(), win.centerY(), win.right(), win.centerY(), _paint(0xFFFFFFFF, StrokeWidth=8 * u))
    cx, cy, cr = w * 0.9, h * 0.24, 55 * u
    canvas.drawCircle(cx, cy, cr, _paint(0xFFFFFFFF))
    canvas.drawCircle(cx, cy, cr, _paint(0xFFE76F51, Style=skia.Paint.kStroke_Style, StrokeWidth=8 * u))
    hand = _paint(0xFF2B2D42, StrokeWidth=6 * u, StrokeCap=skia.Paint.kRound_Cap)
    canvas.drawLine(cx, cy, cx, cy - cr * 0.7, hand)
    canvas.drawLine(cx, cy, cx + cr * 0.5, cy, hand)


def draw_ocean(canvas, w, h, u, rng):
    _sky(canvas, w, h, u, rng, horizon=0.5)
    sea = skia.GradientShader.MakeLinear([skia.Point(0, h * 0.5), skia.Point(0, h * 0.85)], [0xFF48CAE4, 0xFF0077B6])
    canvas.drawRect(skia.Rect.MakeLTRB(0, h * 0.5, w, h * 0.85), skia.Paint(Shader=sea))
    wave = _paint(0x88FFFFFF, Style=skia.Paint.kStroke_Style, StrokeWidth=5 * u, StrokeCap=skia.Paint.kRound_Cap)
    for row in range(5):
        y = h * (0.56 + row * 0.06)
        for _ in range(6):
            x = rng.uniform(0, w)
            path = skia.Path()
            path.moveTo(x, y)
            path.quadTo(x + 30 * u, y - 14 * u, x + 60 * u, y)
            path.quadTo(x + 90 * u, y + 14 * u, x + 120 * u, y)
            canvas.drawPath(path, wave)
    sand = skia.Path()
    sand.moveTo(0, h)
    sand.lineTo(0, h * 0.86)
    sand.quadTo(w * 0.5, h * 0.8, w, h * 0.88)
    sand.lineTo(w, h)
    sand.close()
    canvas.drawPath(sand, _paint(0xFFF6D6A8))


BACKDROPS: dict[str, Callable] = {
    "sky": draw_sky,
    "meadow": draw_meadow,
    "forest": draw_forest,
    "night": draw_night,
    "classroom": draw_classroom,
    "ocean": draw_ocean,
}

DEFAULT_SEED = 7


def draw_backdrop(canvas: skia.Canvas, name: str, width: int, height: int, seed: int = DEFAULT_SEED) -> None:
    rng = np.random.default_rng(seed)
    unit = min(width, height) / 1080.0
    BACKDROPS[name](canvas, float(width), float(height), unit, rng)
