"""Built-in settings: `background NAME [TIME] [WEATHER] [still] [seed N]`.

Each setting is bright vector art drawn with Skia at any canvas size, in layers
(sky, middle, foreground), laid out in fractions of the canvas and sized in design
pixels (1/1080 of the shorter side). It can be drawn at any time of day (`TIMES`)
and in any weather (`WEATHERS`): the sky changes, the scenery is tinted by the
light, snow settles, windows light up at night. Randomness (clouds, trees, stars,
flowers) comes from a generator seeded with the backdrop's seed, so the same file
always draws the same picture.

Every setting has a ground line (`GROUND`, a fraction of the frame's height from
the top) where characters stand; indoors it is a line on the floor.

The still picture is drawn once per scene (the rasteriser caches it); its gentle
life (life.py: drifting clouds, moving water, swaying grass, rain and snow) is
drawn over it per frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import skia

from . import indoor, life, outdoor
from .stage import TIMES, WEATHERS, Stage, modulate, paint, stroke

__all__ = ["BACKDROPS", "DEFAULT_SEED", "GROUND", "SETTINGS", "TIMES", "WEATHERS", "draw_backdrop", "draw_life",
           "ground_line", "resolve", "spots"]


@dataclass(frozen=True)
class Setting:
    draw: Callable[[Stage], None]
    ground: float                     # where characters stand: a fraction of the height from the top
    indoor: bool = False              # the sky shows only through windows (or a cave's mouth)
    sky: bool = True                  # weather and clouds apply
    clouds: bool = True               # drifting clouds (not under a jungle's canopy)
    water: tuple = ()                 # bands of moving water (fractions of the height)
    grass: tuple | None = None        # the band where grass sways
    under_water: bool = False
    wintry: bool = False              # snow lies here whatever the weather
    timeless: bool = False            # space: the same at every time of day
    fixed_time: str | None = None     # `night` is the meadow at night


SETTINGS: dict[str, Setting] = {
    "sky": Setting(outdoor.sky, 0.92),
    "meadow": Setting(outdoor.meadow, 0.86, grass=(0.82, 0.99)),
    "night": Setting(outdoor.meadow, 0.86, grass=(0.82, 0.99), fixed_time="night"),
    "forest": Setting(outdoor.forest, 0.88, grass=(0.82, 0.99)),
    "river": Setting(outdoor.river, 0.88, water=((0.67, 0.77),), grass=(0.84, 0.99)),
    "lake": Setting(outdoor.lake, 0.88, water=((0.6, 0.78),), grass=(0.86, 0.99)),
    "beach": Setting(outdoor.beach, 0.86, water=((0.53, 0.68),)),
    "sea": Setting(outdoor.sea, 0.93, water=((0.52, 0.84),)),
    "ocean": Setting(outdoor.sea, 0.93, water=((0.52, 0.84),)),
    "underwater": Setting(outdoor.underwater, 0.88, sky=False, under_water=True),
    "snow": Setting(outdoor.snow, 0.88, wintry=True),
    "mountain": Setting(outdoor.mountain, 0.88, grass=(0.84, 0.99)),
    "farm": Setting(outdoor.farm, 0.88, grass=(0.8, 0.99)),
    "street": Setting(outdoor.street, 0.82),
    "park": Setting(outdoor.park, 0.88, water=((0.75, 0.79),), grass=(0.84, 0.99)),
    "garden": Setting(outdoor.garden, 0.86, grass=(0.8, 0.99)),
    "bedroom": Setting(indoor.bedroom, 0.88, indoor=True),
    "kitchen": Setting(indoor.kitchen, 0.9, indoor=True),
    "classroom": Setting(indoor.classroom, 0.9, indoor=True),
    "castle": Setting(indoor.castle, 0.9, indoor=True),
    "space": Setting(outdoor.space, 0.88, sky=False, timeless=True),
    "desert": Setting(outdoor.desert, 0.88),
    "jungle": Setting(outdoor.jungle, 0.9, grass=(0.86, 0.99), clouds=False),
    "cave": Setting(indoor.cave, 0.88, indoor=True),
}

# Kept for the golden-frame listing and older callers: every setting by name.
BACKDROPS = SETTINGS
# Where characters stand in each setting, as a fraction of the frame height (0 top, 1 bottom).
GROUND: dict[str, float] = {name: s.ground for name, s in SETTINGS.items()}
DEFAULT_SEED = 7
LIFE_FPS = 8  # how often the gentle life moves (see draw_life)
INDOOR_NIGHT = 0xFFA8A0C8  # a room at night is lamp-lit: dimmer, not dark


def ground_line(name: str) -> float:
    """The setting's ground line, a fraction of the frame height from the top."""
    return SETTINGS[name].ground


def resolve(name: str, time: str = "day", weather: str = "clear") -> tuple[Setting, str, str]:
    """The setting and the time and weather it is really drawn at."""
    setting = SETTINGS[name]
    if setting.fixed_time and time == "day":
        time = setting.fixed_time
    if setting.timeless:
        time = "day"
    if not setting.sky and not setting.indoor:
        weather = "clear"
    return setting, time, weather


def _stage(canvas: skia.Canvas, name: str, width: float, height: float, seed: int, time: str, weather: str) -> tuple[Setting, Stage]:
    setting, time, weather = resolve(name, time, weather)
    stage = Stage(canvas, float(width), float(height), min(width, height) / 1080.0, np.random.default_rng(seed),
                  time, weather, wintry=setting.wintry)
    return setting, stage


def draw_backdrop(canvas: skia.Canvas, name: str, width: int, height: int, seed: int = DEFAULT_SEED,
                  time: str = "day", weather: str = "clear") -> None:
    """The still picture of a setting (everything but its life)."""
    setting, st = _stage(canvas, name, width, height, seed, time, weather)
    _draw_still(setting, st)


def _draw_still(setting: Setting, st: Stage) -> None:
    c = st.canvas
    if not setting.indoor and setting.sky:
        st.sky(st.h)
    tint = st.tint
    if setting.indoor and st.night:
        tint = modulate(INDOOR_NIGHT, 0xFFFFFFFF)
    if setting.timeless or setting.under_water:
        tint = 0xFFFFFFFF
    layer = tint != 0xFFFFFFFF
    if layer:
        filt = skia.ColorFilters.Blend(tint, skia.BlendMode.kModulate)
        c.saveLayer(None, skia.Paint(ColorFilter=filt))
    setting.draw(st)
    if layer:
        c.restore()
    frames = []
    for window in st.windows:
        st.sky(window.rect().bottom(), clip=window)
        frames.append(None if setting is SETTINGS["cave"] else modulate(0xFFFFFFFF, tint))
    for window, frame in zip(st.windows, frames):
        rect = window.rect()
        if frame is not None:
            bar = stroke(frame, 8 * st.u, StrokeCap=skia.Paint.kButt_Cap)
            c.drawLine(rect.centerX(), rect.top(), rect.centerX(), rect.bottom(), bar)
            c.drawLine(rect.left(), rect.centerY(), rect.right(), rect.centerY(), bar)
    st.window_frames = frames
    if st.night:
        for rect, kind in st.lights:
            _glow(c, rect, st.u, kind)


def _glow(c: skia.Canvas, rect: skia.Rect, u: float, kind: str) -> None:
    """At night: a window lights up; a lamp, torch or crystal glows around itself."""
    x, y = rect.centerX(), rect.centerY()
    r = max(rect.width(), rect.height()) * (1.2 if kind == "window" else 2.2) + 20 * u
    halo = skia.GradientShader.MakeRadial(skia.Point(x, y), r, [0x66FFE8A3, 0x00FFE8A3])
    c.drawCircle(x, y, r, skia.Paint(AntiAlias=True, Shader=halo))
    if kind == "window":
        c.drawRect(rect, paint(0xFFFFE08A))


def has_life(name: str, time: str = "day", weather: str = "clear") -> bool:
    setting, time, weather = resolve(name, time, weather)
    return setting.sky or setting.under_water or bool(setting.water) or setting.grass is not None


@lru_cache(maxsize=8)
def spots(width: int, height: int) -> dict[str, dict[str, tuple[float, float]]]:
    """Every setting's named places at this canvas size, as fractions of the width
    and height: {"bedroom": {"bed": (0.19, 0.56), "window": …}, "classroom":
    {"board": …}, …}. Where characters sit or lie (the bed, a bench, the throne),
    the point is on the surface; a thing's place (the board, a window, the pond)
    is its middle. The pictures are recorded, not rasterised, to find them."""
    out = {}
    for name in SETTINGS:
        recorder = skia.PictureRecorder()
        canvas = recorder.beginRecording(skia.Rect.MakeWH(width, height))
        setting, st = _stage(canvas, name, width, height, DEFAULT_SEED, "day", "clear")
        setting.draw(st)
        recorder.finishRecordingAsPicture()
        out[name] = {spot: (round(x / width, 4), round(y / height, 4)) for spot, (x, y) in st.spots.items()}
    return out


@lru_cache(maxsize=16)
def _plan(name: str, width: int, height: int, seed: int, time: str, weather: str) -> life.Plan:
    # The still picture is recorded (not rasterised) to learn where its windows are.
    recorder = skia.PictureRecorder()
    canvas = recorder.beginRecording(skia.Rect.MakeWH(width, height))
    setting, st = _stage(canvas, name, width, height, seed, time, weather)
    _draw_still(setting, st)
    recorder.finishRecordingAsPicture()
    st.rng = np.random.default_rng(seed + 1)
    return life.make_plan(setting, st, list(st.windows), list(st.window_frames))


def draw_life(canvas: skia.Canvas, name: str, width: int, height: int, t: float, seed: int = DEFAULT_SEED,
              time: str = "day", weather: str = "clear") -> None:
    """The moving parts of a setting at `t` seconds into its scene, over its still picture.
    Life moves in steps of 1/LIFE_FPS s (as cartoons are animated "on fours"); the
    compiler steps the clock itself (the layer's `steps` attr, engine/timeline/timeline.py), so
    between two steps the background node is unchanged: the rasteriser reuses what it
    drew, and the encoder gets rows that did not change. Moving on every frame made a
    720p video several times slower to encode."""
    step = math.floor(float(t) * LIFE_FPS + 1e-6) / LIFE_FPS
    life.draw(canvas, _plan(name, int(width), int(height), int(seed), time, weather), step)
