"""What every setting draws with: the light of a time of day and a weather, and
the shared pieces of scenery (sky, sun and moon, clouds, hills, trees, windows).

A setting draws in fractions of the canvas and sizes in design pixels (`u`, 1/1080
of the shorter side). Colours go through the stage: `st.ground(c)` turns grass
white under snow, and the whole scenery layer is tinted by the light (night blue,
sunset orange), so a setting is written once, in daylight colours.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import skia

TIMES = ("dawn", "day", "sunset", "night")
WEATHERS = ("clear", "cloudy", "rain", "snow", "wind")


@dataclass(frozen=True)
class Light:
    sky: tuple[int, ...]        # gradient, top to horizon
    tint: int                   # multiplied over the scenery (0xFFFFFFFF: none)
    sun: int | None             # the sun's colour, None at night
    sun_at: tuple[float, float]  # where the sun or moon stands (fractions of the frame)
    cloud: int                  # cloud colour


LIGHTS = {
    "day": Light((0xFF8EC5FC, 0xFFE0F7FF), 0xFFFFFFFF, 0xFFFFD93D, (0.82, 0.17), 0xFFFFFFFF),
    "dawn": Light((0xFF9FB4F0, 0xFFFFC8D8, 0xFFFFE6B8), 0xFFFFE4E0, 0xFFFFB47A, (0.16, 0.36), 0xFFFFE8EE),
    "sunset": Light((0xFF5E4B9C, 0xFFFF8C6B, 0xFFFFD27F), 0xFFFFC4A0, 0xFFFF7A3D, (0.78, 0.38), 0xFFFFC6A8),
    "night": Light((0xFF0B1D3A, 0xFF2C3E73), 0xFF5C6AA6, None, (0.8, 0.18), 0xFF6B7AA8),
}

# How the weather greys the sky (mixed toward this colour by that much) and dims the scenery.
WEATHER_SKY = {"clear": (0, 0.0), "wind": (0, 0.0), "cloudy": (0xFFB8C4CE, 0.45),
               "rain": (0xFF8E9BAA, 0.65), "snow": (0xFFD6DEE6, 0.6)}
WEATHER_TINT = {"clear": 0xFFFFFFFF, "wind": 0xFFFFFFFF, "cloudy": 0xFFE4E8EC,
                "rain": 0xFFC4CCD8, "snow": 0xFFF0F4FA}
SNOW = 0xFFF4F8FC


def paint(color: int, **kw) -> skia.Paint:
    return skia.Paint(AntiAlias=True, Color=color, **kw)


def stroke(color: int, width: float, **kw) -> skia.Paint:
    kw.setdefault("StrokeCap", skia.Paint.kRound_Cap)
    return skia.Paint(AntiAlias=True, Color=color, Style=skia.Paint.kStroke_Style, StrokeWidth=width,
                      StrokeJoin=skia.Paint.kRound_Join, **kw)


def mix(a: int, b: int, k: float) -> int:
    """Colour a moved toward b by k (0..1), ARGB ints."""
    out = 0
    for shift in (24, 16, 8, 0):
        ca, cb = (a >> shift) & 255, (b >> shift) & 255
        out |= int(round(ca + (cb - ca) * k)) << shift
    return out


def modulate(a: int, b: int) -> int:
    out = 0xFF000000
    for shift in (16, 8, 0):
        out |= (((a >> shift) & 255) * ((b >> shift) & 255) // 255) << shift
    return out


@dataclass
class Stage:
    canvas: skia.Canvas
    w: float
    h: float
    u: float
    rng: np.random.Generator
    time: str = "day"
    weather: str = "clear"
    windows: list[skia.RRect] = field(default_factory=list)  # where an indoor setting shows the sky
    lights: list[tuple[skia.Rect, str]] = field(default_factory=list)  # at night: "window"s light up, "glow"s glow
    window_frames: list = field(default_factory=list)  # each window's bar colour (None: no bars)
    spots: dict[str, tuple[float, float]] = field(default_factory=dict)  # named places, in px (see spot)
    wintry: bool = False  # a snowy setting: snow on the ground whatever the weather

    @property
    def covered(self) -> bool:
        """Snow lies on the ground (snowing now, or a winter setting)."""
        return self.wintry or self.weather == "snow"

    @property
    def light(self) -> Light:
        return LIGHTS[self.time]

    @property
    def night(self) -> bool:
        return self.time == "night"

    @property
    def tint(self) -> int:
        return modulate(self.light.tint, WEATHER_TINT[self.weather])

    def ground(self, color: int, snowy: bool = True) -> int:
        """A ground or foliage colour: under snow, mostly white."""
        return mix(color, SNOW, 0.85) if snowy and self.covered else color

    def sky_colors(self) -> list[int]:
        grey, k = WEATHER_SKY[self.weather]
        colors = list(self.light.sky)
        if k:
            target = grey if not self.night else mix(grey, 0xFF101826, 0.75)
            colors = [mix(c, target, k) for c in colors]
        return colors

    # -- pieces --------------------------------------------------------------------------

    def rect(self, l: float, t: float, r: float, b: float, color: int) -> None:
        self.canvas.drawRect(skia.Rect.MakeLTRB(l, t, r, b), paint(color))

    def gradient(self, top: float, bottom: float, colors: list[int], left: float = 0.0, right: float | None = None) -> None:
        right = self.w if right is None else right
        shader = skia.GradientShader.MakeLinear([skia.Point(0, top), skia.Point(0, bottom)], colors)
        self.canvas.drawRect(skia.Rect.MakeLTRB(left, top, right, bottom), skia.Paint(Shader=shader, Dither=True))

    def sky(self, bottom: float, clip: skia.RRect | None = None, stars: bool = True) -> None:
        """Sky down to `bottom` (px) with the sun or moon, and stars at night."""
        c = self.canvas
        if clip is not None:
            c.save()
            c.clipRRect(clip, True)
            clip = clip.rect()
        top = 0.0 if clip is None else clip.top()
        bottom = bottom if clip is None else clip.bottom()
        self.gradient(top, bottom, self.sky_colors())
        heavy = self.weather in ("cloudy", "rain", "snow")
        if self.night and stars and not heavy:
            rng = np.random.default_rng(int(self.rng.integers(0, 1 << 30)))
            n = int(120 * self.w * self.h / (1920 * 1080)) + 30
            for x, y, r, warm in zip(rng.uniform(0, self.w, n), rng.uniform(top, top + (bottom - top) * 0.85, n),
                                     rng.uniform(1.5, 3.8, n), rng.random(n)):
                c.drawCircle(float(x), float(y), float(r) * self.u, paint(0xFFFFF3B0 if warm < 0.3 else 0xFFFFFFFF))
        lx, ly = self.light.sun_at
        if clip is not None:
            lx, ly = clip.left() + clip.width() * 0.7, clip.top() + clip.height() * 0.3
        else:
            lx, ly = lx * self.w, ly * self.h
        r = (70 if clip is None else 40) * self.u
        if self.night:
            if not heavy:
                moon(c, lx, ly, r)
        elif self.light.sun is not None and self.weather not in ("rain", "snow"):
            sun(c, lx, ly, r, self.light.sun, faint=self.weather == "cloudy")
        if clip is not None:
            c.restore()

    def spot(self, name: str, x: float, y: float) -> None:
        """A named place in the picture (px) where something can be staged: the top
        of the bed, the middle of the chalkboard. Read back by `backdrops.spots`."""
        self.spots[name] = (x, y)

    def window(self, rect: skia.Rect, frame: int = 0xFFFFFFFF, radius: float = 0.0) -> None:
        """A window (rounded by `radius` px: an arch, a cave's mouth): its frame now,
        its sky after the tint (so daylight shows through)."""
        border = 12 * self.u
        self.canvas.drawRoundRect(rect.makeOutset(border, border), radius + 6 * self.u, radius + 6 * self.u, paint(frame))
        self.windows.append(skia.RRect.MakeRectXY(rect, radius, radius))


def sun(c: skia.Canvas, x: float, y: float, r: float, color: int, faint: bool = False) -> None:
    halo = skia.GradientShader.MakeRadial(skia.Point(x, y), r * 2.2, [(color & 0xFFFFFF) | 0x66000000, color & 0xFFFFFF])
    c.drawCircle(x, y, r * 2.2, skia.Paint(AntiAlias=True, Shader=halo))
    c.drawCircle(x, y, r, paint(mix(color, 0xFFE8ECF0, 0.55) if faint else color))


def moon(c: skia.Canvas, x: float, y: float, r: float) -> None:
    glow = skia.GradientShader.MakeRadial(skia.Point(x, y), r * 2.5, [0x55FFF3B0, 0x00FFF3B0])
    c.drawCircle(x, y, r * 2.5, skia.Paint(AntiAlias=True, Shader=glow))
    disc = skia.Path.Circle(x, y, r)
    bite = skia.Path.Circle(x + r * 0.45, y - r * 0.25, r * 0.85)
    crescent = skia.Op(disc, bite, skia.PathOp.kDifference_PathOp)
    c.drawPath(crescent if crescent is not None else disc, paint(0xFFFFF3B0))


def cloud_path(s: float) -> skia.Path:
    """A cloud of size s centred on (0, 0)."""
    path = skia.Path()
    for dx, dy, r in ((-0.9, 0.15, 0.55), (-0.35, -0.2, 0.75), (0.35, -0.1, 0.65), (0.9, 0.2, 0.5)):
        path.addCircle(dx * s, dy * s, r * s)
    path.addRRect(skia.RRect.MakeRectXY(skia.Rect.MakeLTRB(-1.4 * s, 0, 1.4 * s, 0.7 * s), 0.35 * s, 0.35 * s))
    return path


def hill(c: skia.Canvas, w: float, h: float, base: float, amp: float, phase: float, color: int,
         waves: float = 1.6) -> None:
    path = skia.Path()
    path.moveTo(0, h)
    steps = 48
    for i in range(steps + 1):
        path.lineTo(w * i / steps, base - amp * math.sin(math.pi * (i / steps) * waves + phase))
    path.lineTo(w, h)
    path.close()
    c.drawPath(path, paint(color))


def pine(st: Stage, x: float, base: float, height: float, color: int) -> None:
    c = st.canvas
    trunk_w = height * 0.08
    c.drawRect(skia.Rect.MakeLTRB(x - trunk_w / 2, base - height * 0.18, x + trunk_w / 2, base), paint(0xFF7F5539))
    for k in range(3):
        top = base - height * (1.0 - 0.22 * k)
        bottom = base - height * (0.15 + 0.2 * (2 - k)) * 0.9
        half = height * (0.22 + 0.08 * k)
        tri = skia.Path.Polygon([skia.Point(x, top), skia.Point(x - half, bottom), skia.Point(x + half, bottom)], True)
        c.drawPath(tri, paint(color))
        if st.covered:
            cap = skia.Path.Polygon([skia.Point(x, top), skia.Point(x - half * 0.35, top + (bottom - top) * 0.35),
                                     skia.Point(x + half * 0.35, top + (bottom - top) * 0.35)], True)
            c.drawPath(cap, paint(SNOW))


def round_tree(st: Stage, x: float, base: float, height: float, color: int, fruit: int | None = None) -> None:
    """A deciduous tree: a trunk and a crown of overlapping circles."""
    c = st.canvas
    tw = height * 0.1
    c.drawRoundRect(skia.Rect.MakeLTRB(x - tw / 2, base - height * 0.55, x + tw / 2, base), tw * 0.3, tw * 0.3,
                    paint(0xFF8B5E3C))
    r = height * 0.26
    cy = base - height * 0.68
    crown = st.ground(color)
    dark = mix(crown, 0xFF000000, 0.15)
    for dx, dy, k in ((-0.7, 0.25, 0.8), (0.7, 0.25, 0.8), (0, 0.3, 0.85)):
        c.drawCircle(x + dx * r, cy + dy * r, r * k, paint(dark))
    for dx, dy, k in ((-0.55, 0.05, 0.85), (0.55, 0.0, 0.85), (0, -0.45, 0.95)):
        c.drawCircle(x + dx * r, cy + dy * r, r * k, paint(crown))
    if fruit is not None and not st.covered:
        for dx, dy in ((-0.6, -0.1), (0.3, -0.6), (0.6, 0.2), (-0.1, 0.25)):
            c.drawCircle(x + dx * r, cy + dy * r, r * 0.12, paint(fruit))


def flower(c: skia.Canvas, x: float, y: float, r: float, petal: int, heart: int = 0xFFF4A261) -> None:
    for k in range(5):
        a = 2 * math.pi * k / 5
        c.drawCircle(x + math.cos(a) * r, y + math.sin(a) * r, r * 0.7, paint(petal))
    c.drawCircle(x, y, r * 0.6, paint(heart))


PETALS = (0xFFFFFFFF, 0xFFFFAFCC, 0xFFFFD93D, 0xFFCDB4DB, 0xFFFF8FA3)


def flowers(st: Stage, top: float, bottom: float, count: int, size: tuple[float, float] = (7, 12)) -> None:
    if st.covered:
        return
    for _ in range(count):
        x, y = st.rng.uniform(0, st.w), st.rng.uniform(top, bottom)
        flower(st.canvas, x, y, st.u * st.rng.uniform(*size), PETALS[int(st.rng.integers(0, len(PETALS)))])


def house(st: Stage, x: float, base: float, width: float, height: float, wall: int, roof: int) -> None:
    """A front-on house: wall, roof, door and two windows (lit at night)."""
    c = st.canvas
    l, r, top = x - width / 2, x + width / 2, base - height
    c.drawRect(skia.Rect.MakeLTRB(l, top, r, base), paint(wall))
    roof_path = skia.Path.Polygon([skia.Point(l - width * 0.08, top), skia.Point(x, top - height * 0.55),
                                   skia.Point(r + width * 0.08, top)], True)
    c.drawPath(roof_path, paint(roof))
    if st.covered:
        cap = skia.Path.Polygon([skia.Point(l - width * 0.08, top), skia.Point(x, top - height * 0.55),
                                 skia.Point(r + width * 0.08, top), skia.Point(x, top - height * 0.4)], True)
        c.drawPath(cap, paint(SNOW))
    dw = width * 0.22
    c.drawRoundRect(skia.Rect.MakeLTRB(x - dw / 2, base - height * 0.5, x + dw / 2, base), dw * 0.3, dw * 0.3,
                    paint(0xFF7F5539))
    for side in (-1, 1):
        wx = x + side * width * 0.3
        win = skia.Rect.MakeLTRB(wx - width * 0.1, top + height * 0.2, wx + width * 0.1, top + height * 0.45)
        c.drawRect(win.makeOutset(3 * st.u, 3 * st.u), paint(0xFFFFFFFF))
        c.drawRect(win, paint(0xFF9ED8F5))
        st.lights.append((win, "window"))


def fence(st: Stage, top: float, base: float, color: int = 0xFFFFFFFF, step: float = 60.0) -> None:
    c = st.canvas
    gap = step * st.u
    rail = paint(color)
    c.drawRect(skia.Rect.MakeLTRB(0, top + (base - top) * 0.25, st.w, top + (base - top) * 0.38), rail)
    c.drawRect(skia.Rect.MakeLTRB(0, top + (base - top) * 0.62, st.w, top + (base - top) * 0.75), rail)
    x = gap * 0.3
    pw = gap * 0.35
    while x < st.w:
        post = skia.Path.Polygon([skia.Point(x, base), skia.Point(x, top + pw * 0.5), skia.Point(x + pw / 2, top),
                                  skia.Point(x + pw, top + pw * 0.5), skia.Point(x + pw, base)], True)
        c.drawPath(post, rail)
        x += gap


def edge(st: Stage, ys: tuple[float, float, float, float]) -> skia.Path:
    """A gently curving line across the frame: heights (fractions) at the left, two
    control points (at 30% and 65% of the width) and the right."""
    path = skia.Path()
    path.moveTo(0, st.h * ys[0])
    path.cubicTo(st.w * 0.3, st.h * ys[1], st.w * 0.65, st.h * ys[2], st.w, st.h * ys[3])
    return path


def fill_below(st: Stage, ys: tuple[float, float, float, float], color: int) -> None:
    """Everything under `edge(ys)`: a bank, a shore, a floor."""
    path = edge(st, ys)
    path.lineTo(st.w, st.h)
    path.lineTo(0, st.h)
    path.close()
    st.canvas.drawPath(path, paint(color))


def rock(c: skia.Canvas, x: float, y: float, s: float, color: int) -> None:
    path = skia.Path()
    path.moveTo(x - s, y)
    path.cubicTo(x - s, y - s * 0.9, x + s * 0.6, y - s * 1.0, x + s, y)
    path.close()
    c.drawPath(path, paint(color))
    c.drawPath(path, stroke(mix(color, 0xFF000000, 0.25), s * 0.06))
