"""Gentle life over a setting: clouds drift, water glints, grass and seaweed sway,
bubbles rise and fish swim, birds cross a fair sky, rain and snow fall, leaves
blow in the wind.

The still picture is drawn once per scene and cached by the rasteriser; only this
layer is drawn per frame, from a plan made once per setting (positions, speeds,
phases from the backdrop's seed), so a frame costs a few batched draw calls. The
same time always draws the same frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import skia

from .stage import Stage, cloud_path, mix, paint, stroke

# Per weather: how many clouds, how fast they drift (design px a second), how dark.
CLOUDS = {"clear": (4, 10, 0.0), "wind": (5, 45, 0.0), "cloudy": (8, 12, 0.18), "rain": (8, 16, 0.45),
          "snow": (6, 10, 0.12)}


@dataclass(frozen=True)
class Plan:
    w: float
    h: float
    u: float
    weather: str
    windows: tuple        # indoor: where the sky shows (clouds, rain and snow are clipped to them)
    window_frames: tuple  # the windows' frame colours, to redraw their bars over the clouds
    clouds: np.ndarray    # x, y, size, speed
    cloud_color: int
    water: np.ndarray     # x, y, length, phase
    blades: np.ndarray    # x, y, height, phase
    blade_color: int
    weeds: np.ndarray     # x, height, phase (under water)
    bubbles: np.ndarray   # x, speed, phase, radius
    drops: np.ndarray     # x, phase, length (rain) or radius (snow)
    leaves: np.ndarray    # y, speed, phase
    flyers: np.ndarray    # birds in the sky or fish under water: y, speed, phase, size
    fish: bool            # the flyers are fish


def make_plan(setting, st: Stage, windows: list, frames: list) -> Plan:
    rng = np.random.default_rng(int(st.rng.integers(0, 1 << 31)))
    w, h, u = st.w, st.h, st.u
    area = w * h / (1280 * 720)
    empty = np.zeros((0, 4))
    clouds = empty
    if setting.sky and setting.clouds and not setting.under_water:
        n, speed, dark = CLOUDS[st.weather]
        if st.night and st.weather == "clear":
            n = 2
        if windows:
            n = max(2, n // 2)
        k = np.arange(n)
        clouds = np.column_stack([w * (k + rng.uniform(0.1, 0.9, n)) / n, h * rng.uniform(0.06, 0.26, n),
                                  u * rng.uniform(40, 70, n) * (0.6 if windows else 1.0), u * speed * rng.uniform(0.7, 1.3, n)])
    grey = mix(st.light.cloud, 0xFF5A6270, CLOUDS[st.weather][2])
    water = empty
    if setting.water and not st.covered:
        rows = []
        for top, bottom in setting.water:
            for j in range(4):
                y = h * (top + (bottom - top) * (j + 0.5) / 4)
                m = 7
                rows.append(np.column_stack([w * (np.arange(m) + rng.uniform(0, 1, m)) / m, np.full(m, y),
                                             u * rng.uniform(30, 60, m) * (1 + j * 0.3), rng.uniform(0, 6.3, m)]))
        water = np.vstack(rows)
    blades = empty
    if setting.grass and not st.covered:
        top, bottom = setting.grass
        n = int(70 * w / max(h, 1))
        blades = np.column_stack([rng.uniform(0, w, n), h * rng.uniform(top, bottom, n), u * rng.uniform(18, 34, n),
                                  rng.uniform(0, 6.3, n)])
    weeds = bubbles = empty
    if setting.under_water:
        m = 7
        weeds = np.column_stack([w * (np.arange(m) + rng.uniform(0.2, 0.8, m)) / m, h * rng.uniform(0.18, 0.32, m),
                                 rng.uniform(0, 6.3, m), np.zeros(m)])
        m = int(18 * area) + 6
        bubbles = np.column_stack([rng.uniform(0, w, m), u * rng.uniform(40, 90, m), rng.uniform(0, 1, m),
                                   u * rng.uniform(5, 12, m)])
    drops = empty
    falls = st.weather in ("rain", "snow") and setting.sky and not setting.under_water
    if falls:
        m = int((150 if st.weather == "rain" else 110) * area * (0.3 if windows else 1.0)) + 10
        size = rng.uniform(22, 36, m) if st.weather == "rain" else rng.uniform(4, 9, m)
        drops = np.column_stack([rng.uniform(0, w, m), rng.uniform(0, 1, m), u * size, rng.uniform(0.8, 1.2, m)])
    leaves = empty
    if st.weather == "wind" and setting.sky and not windows:
        m = 8
        leaves = np.column_stack([h * rng.uniform(0.3, 0.85, m), u * rng.uniform(160, 260, m), rng.uniform(0, 1, m),
                                  rng.uniform(0, 6.3, m)])
    flyers = empty
    if setting.under_water:
        m = 3
        flyers = np.column_stack([h * rng.uniform(0.3, 0.7, m), u * rng.uniform(40, 80, m), rng.uniform(0, 1, m),
                                  u * rng.uniform(30, 44, m)])
    elif setting.sky and setting.clouds and not windows and not st.night and st.weather in ("clear", "wind"):
        m = 2
        flyers = np.column_stack([h * rng.uniform(0.12, 0.3, m), u * rng.uniform(50, 90, m), rng.uniform(0, 1, m),
                                  u * rng.uniform(16, 24, m)])
    blade_color = st.ground(0xFF40916C)  # a shade darker than the grass: texture, not scribble
    return Plan(w, h, u, st.weather, tuple(windows), tuple(frames), clouds, grey, water, blades, blade_color,
                weeds, bubbles, drops, leaves, flyers, setting.under_water)


@lru_cache(maxsize=64)
def _cloud(size: float) -> skia.Path:
    return cloud_path(size)


def draw(canvas: skia.Canvas, p: Plan, t: float) -> None:
    w, h, u = p.w, p.h, p.u
    if p.windows:
        canvas.save()
        clip = skia.Path()
        for window in p.windows:
            clip.addRRect(window)
        canvas.clipPath(clip, True)
    if len(p.clouds):
        span = w + 300 * u
        cp = paint(p.cloud_color)
        for x, y, s, speed in p.clouds:
            cx = (x + speed * t + 150 * u) % span - 150 * u
            canvas.save()
            canvas.translate(float(cx), float(y))
            canvas.drawPath(_cloud(round(float(s), 2)), cp)
            canvas.restore()
    if len(p.drops):
        if p.weather == "rain":
            slant = 0.25
            fall = h * 1.6  # per second
            y = (p.drops[:, 1] * (h + 100 * u) + fall * t * p.drops[:, 3]) % (h + 100 * u) - 50 * u
            x = (p.drops[:, 0] - slant * y) % w
            pts = []
            for xi, yi, li in zip(x, y, p.drops[:, 2]):
                pts.append(skia.Point(float(xi), float(yi)))
                pts.append(skia.Point(float(xi - slant * li), float(yi + li)))
            canvas.drawPoints(skia.Canvas.kLines_PointMode, pts, stroke(0xCCE2ECF6, 4 * u))
        else:
            fall = 70 * u
            y = (p.drops[:, 1] * (h + 40 * u) + fall * t * p.drops[:, 3]) % (h + 40 * u) - 20 * u
            x = p.drops[:, 0] + 18 * u * np.sin(t * 1.3 + p.drops[:, 1] * 40)
            for r in (5, 8):  # two sizes of flake, each one batched call
                sel = (p.drops[:, 2] < 6.5 * u) if r == 5 else (p.drops[:, 2] >= 6.5 * u)
                pts = [skia.Point(float(a), float(b)) for a, b in zip(x[sel], y[sel])]
                canvas.drawPoints(skia.Canvas.kPoints_PointMode, pts, stroke(0xF2FFFFFF, 2 * r * u))
    if p.windows:
        canvas.restore()
        bars = {}
        for window, frame in zip(p.windows, p.window_frames):
            if frame is None:
                continue
            rect = window.rect()
            bar = bars.setdefault(frame, stroke(frame, 8 * u, StrokeCap=skia.Paint.kButt_Cap))
            canvas.drawLine(rect.centerX(), rect.top(), rect.centerX(), rect.bottom(), bar)
            canvas.drawLine(rect.left(), rect.centerY(), rect.right(), rect.centerY(), bar)
    if len(p.water):
        x = p.water[:, 0] + 26 * u * np.sin(t * 0.9 + p.water[:, 3])
        a = 0.5 + 0.5 * np.sin(t * 1.7 + p.water[:, 3] * 2)
        pts = []
        for xi, yi, li, ai in zip(x, p.water[:, 1], p.water[:, 2], a):
            if ai > 0.25:
                pts.append(skia.Point(float(xi), float(yi)))
                pts.append(skia.Point(float(xi + li), float(yi)))
        if pts:
            canvas.drawPoints(skia.Canvas.kLines_PointMode, pts, stroke(0x99FFFFFF, 4 * u))
    if len(p.blades):
        gust = 2.5 if p.weather == "wind" else 1.0
        sway = np.sin(t * 1.6 * gust + p.blades[:, 3]) * 0.35 * gust
        pts = []
        for xi, yi, hi, si in zip(p.blades[:, 0], p.blades[:, 1], p.blades[:, 2], sway):
            pts.append(skia.Point(float(xi), float(yi)))
            pts.append(skia.Point(float(xi + si * hi), float(yi - hi)))
        canvas.drawPoints(skia.Canvas.kLines_PointMode, pts, stroke(p.blade_color, 4 * u))
    if len(p.weeds):
        weed = stroke(0xFF2D9C55, 14 * u)
        for x, height, phase, _ in p.weeds:
            path = skia.Path()
            base = h * 0.9
            path.moveTo(float(x), base)
            for k in range(1, 7):
                yk = base - height * k / 6
                path.lineTo(float(x + 22 * u * math.sin(t * 1.2 + phase + k * 0.7) * k / 6), float(yk))
            canvas.drawPath(path, weed)
    if len(p.bubbles):
        ring = stroke(0xCCFFFFFF, 3 * u)
        span = h * 0.95
        for x, speed, phase, r in p.bubbles:
            y = h * 0.9 - (phase * span + speed * t) % span
            canvas.drawCircle(float(x + 8 * u * math.sin(t * 2 + phase * 9)), float(y), float(r), ring)
    if len(p.flyers):
        _flyers(canvas, p, t)
    if len(p.leaves):
        leaf = paint(0xFF6BCB77)
        span = w + 200 * u
        for y, speed, phase, spin in p.leaves:
            x = (phase * span + speed * t) % span - 100 * u
            canvas.save()
            canvas.translate(float(x), float(y + 30 * u * math.sin(t * 2 + spin)))
            canvas.rotate(float(math.degrees(t * 3 + spin)))
            canvas.drawOval(skia.Rect.MakeXYWH(-14 * u, -7 * u, 28 * u, 14 * u), leaf)
            canvas.restore()


FISH_COLORS = (0xFFFF9F1C, 0xFFFFD93D, 0xFFFF70A6)


def _flyers(canvas: skia.Canvas, p: Plan, t: float) -> None:
    """Birds (a flapping 'v') crossing the sky, or little fish crossing the water."""
    span = p.w + 200 * p.u
    wing = stroke(0xFF2B2D42, 4 * p.u)
    for k, (y, speed, phase, size) in enumerate(p.flyers):
        x = (phase * span + speed * t) % span - 100 * p.u
        y = y + 10 * p.u * math.sin(t * 0.8 + phase * 6)
        if p.fish:
            body = paint(FISH_COLORS[k % len(FISH_COLORS)])
            canvas.drawOval(skia.Rect.MakeXYWH(x - size, y - size * 0.55, 2 * size, 1.1 * size), body)
            tail = skia.Path.Polygon([skia.Point(x - size * 0.8, y), skia.Point(x - size * 1.6, y - size * 0.6),
                                      skia.Point(x - size * 1.6, y + size * 0.6)], True)
            canvas.drawPath(tail, body)
            canvas.drawCircle(x + size * 0.5, y - size * 0.1, size * 0.15, paint(0xFF2B2D42))
        else:
            flap = size * 0.5 * math.sin(t * 6 + phase * 20)
            path = skia.Path()
            path.moveTo(x - size, y - flap)
            path.quadTo(x - size * 0.5, y - size * 0.5, x, y)
            path.quadTo(x + size * 0.5, y - size * 0.5, x + size, y - flap)
            canvas.drawPath(path, wing)
