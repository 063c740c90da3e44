"""Particles: confetti, stars, bubbles and snow.

Each particle's motion is a closed-form function of time (seeded start values,
constant fall or rise speed with sway, spin), so any frame can be drawn on its
own, in any order, and two renders are identical. Particles that leave the area
re-enter on the other side, so a field lasts as long as its element.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import skia

from .color import to_argb_int

STYLES = ("confetti", "stars", "bubbles", "snow")
DEFAULT_COUNT = {"confetti": 120, "stars": 40, "bubbles": 30, "snow": 150}
DEFAULT_COLORS = {
    "confetti": ["#E63946", "#FFD166", "#06D6A0", "#118AB2", "#EF476F", "#F78C6B"],
    "stars": ["#FFD166", "#FFF3B0", "#FFFFFF"],
    "bubbles": ["#A0E7FF", "#CDB4DB", "#BDE0FE"],
    "snow": ["#FFFFFF"],
}


@lru_cache(maxsize=64)
def _field(style: str, count: int, seed: int) -> dict[str, np.ndarray]:
    """Per-particle constants, in fractions of the area and design px."""
    rng = np.random.default_rng(seed)
    n = count
    return {
        "x": rng.random(n), "y": rng.random(n),
        "speed": rng.uniform(0.6, 1.4, n),  # times the style's base speed
        "sway": rng.uniform(0.5, 1.5, n), "phase": rng.uniform(0, 2 * math.pi, n),
        "size": rng.uniform(0.6, 1.4, n), "spin": rng.uniform(-1.0, 1.0, n),
        "color": rng.integers(0, 1 << 16, n),
    }


# style: (base speed in design px/s, +1 falls / -1 rises / 0 floats, base size, sway amplitude)
_MOTION = {
    "confetti": (260.0, 1, 14.0, 40.0),
    "snow": (70.0, 1, 6.0, 30.0),
    "bubbles": (90.0, -1, 22.0, 18.0),
    "stars": (14.0, -1, 16.0, 6.0),
}


def positions(style: str, count: int, seed: int, t: float, area: tuple[float, float, float, float],
              unit: float) -> dict[str, np.ndarray]:
    """Where every particle is at `t` seconds: x, y (canvas px), size, angle, alpha."""
    f = _field(style, count, seed)
    x0, y0, x1, y1 = area
    w, h = x1 - x0, y1 - y0
    speed, direction, size, sway = _MOTION[style]
    margin = 3 * size * unit
    span = h + 2 * margin
    travel = f["y"] * span + direction * speed * unit * f["speed"] * t
    y = y0 - margin + np.mod(travel, span)
    x = x0 + f["x"] * w + sway * unit * f["sway"] * np.sin(f["phase"] + t * 1.7 * f["sway"])
    angle = np.degrees(f["phase"] + t * 4.0 * f["spin"]) if style == "confetti" else np.zeros(count)
    alpha = np.ones(count)
    if style == "stars":  # twinkle
        alpha = 0.55 + 0.45 * np.sin(f["phase"] + t * 3.0 * f["sway"])
    return {"x": x, "y": y, "size": size * unit * f["size"], "angle": angle, "alpha": alpha,
            "flip": np.cos(f["phase"] + t * 6.0 * f["spin"]), "color": f["color"]}


def _star_path(r: float) -> skia.Path:
    pts = []
    for i in range(10):
        rr = r if i % 2 == 0 else r * 0.45
        a = -math.pi / 2 + math.pi * i / 5
        pts.append(skia.Point(rr * math.cos(a), rr * math.sin(a)))
    return skia.Path.Polygon(pts, True)


def paint_particles(canvas: skia.Canvas, node, alpha: float, ctx) -> None:
    a = node.attrs
    style = a["style"]
    p = positions(style, a["count"], a["seed"], node.values.get("time", 0.0), tuple(a["area"]), a["unit"])
    colors = [tuple(c) for c in a["colors"]]
    paint = skia.Paint(AntiAlias=True)
    ring = skia.Paint(AntiAlias=True, Style=skia.Paint.kStroke_Style)
    for i in range(a["count"]):
        color = colors[int(p["color"][i]) % len(colors)]
        x, y, s = float(p["x"][i]), float(p["y"][i]), float(p["size"][i])
        paint.setColor(to_argb_int((color[0], color[1], color[2], color[3] * alpha * float(p["alpha"][i]))))
        if style == "confetti":
            canvas.save()
            canvas.translate(x, y)
            canvas.rotate(float(p["angle"][i]))
            canvas.scale(1.0, max(0.15, abs(float(p["flip"][i]))))  # tumbling paper
            canvas.drawRect(skia.Rect.MakeXYWH(-s / 2, -s / 3.4, s, s / 1.7), paint)
            canvas.restore()
        elif style == "stars":
            canvas.save()
            canvas.translate(x, y)
            canvas.drawPath(_star_path(s / 2), paint)
            canvas.restore()
        elif style == "bubbles":
            paint.setColor(to_argb_int((color[0], color[1], color[2], 0.35 * alpha)))
            canvas.drawCircle(x, y, s, paint)
            ring.setColor(to_argb_int((color[0], color[1], color[2], 0.9 * alpha)))
            ring.setStrokeWidth(max(1.0, s * 0.12))
            canvas.drawCircle(x, y, s, ring)
            paint.setColor(to_argb_int((1.0, 1.0, 1.0, 0.85 * alpha)))
            canvas.drawCircle(x - s * 0.35, y - s * 0.35, s * 0.22, paint)
        else:
            canvas.drawCircle(x, y, s / 2, paint)
