"""Contact sheets: the whole cast at a glance, or characters x expressions and mouth shapes.

`render characters -o sheet.png` draws the cast (`cast_sheet`: every character
once, at one scale so their sizes compare); `render characters luna fox -o
sheet.png` draws those characters' expressions and visemes (`contact_sheet`).
"""
from __future__ import annotations

import math

import numpy as np
import skia

from ..raster import fonts
from ..raster.color import parse_color, to_argb_int
from ..timeline.display import Node
from .model import EXPRESSIONS, VISEMES, Character
from .painter import paint_character

CELL_W, CELL_H = 240, 300
SCALE = 0.55
LABEL = 18


def contact_sheet(characters: list[tuple[str, Character]]) -> np.ndarray:
    """RGBA pixels: per character, a row of expressions and a row of visemes."""
    columns = max(len(EXPRESSIONS), len(VISEMES))
    width = CELL_W * columns + 40
    height = (2 * CELL_H + 60) * len(characters) + 20
    surface = skia.Surface(width, height)
    canvas = surface.getCanvas()
    canvas.clear(to_argb_int(parse_color("#F4F1EA")))
    title = fonts.font(fonts.ALIASES["title"], 600, 34)
    label = fonts.font(fonts.DEFAULT_FAMILY, 600, LABEL)
    ink = skia.Paint(AntiAlias=True, Color=to_argb_int(parse_color("#2B2D42")))
    y = 20
    for ref, character in characters:
        canvas.drawString(f"{character.name}  ({character.id})", 24, y + 34, title, ink)
        y += 50
        rows = [[(e, {"expression": e}) for e in EXPRESSIONS],
                [(f"viseme {v}", {"expression": "neutral", "mouth": character.visemes[v]}) for v in VISEMES]]
        for row in rows:
            for i, (name, values) in enumerate(row):
                x = 20 + i * CELL_W
                canvas.save()
                canvas.translate(x + CELL_W / 2, y + CELL_H - 34)
                paint_character(canvas, Node(ref, "character", values, {"character": ref, "unit": SCALE}), 1.0, None)
                canvas.restore()
                w = label.measureText(name)
                canvas.drawString(name, x + (CELL_W - w) / 2, y + CELL_H - 8, label, ink)
            y += CELL_H
        y += 10
    return surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)


CAST_COLUMNS = 8
CAST_W, CAST_H = 220, 300  # one cell of the cast sheet
CAST_FIGURE = CAST_H - 60  # the tallest character's height in pixels


def cast_sheet(characters: list[tuple[str, Character]]) -> np.ndarray:
    """RGBA pixels: each character once (neutral, front view) with its name, all at
    one scale so that a mouse is small beside a giraffe, in rows of CAST_COLUMNS."""
    columns = min(CAST_COLUMNS, max(1, len(characters)))
    rows = math.ceil(len(characters) / columns)
    width, height = CAST_W * columns + 40, CAST_H * rows + 40
    scale = CAST_FIGURE / max((c.height for _, c in characters), default=1.0)
    surface = skia.Surface(width, height)
    canvas = surface.getCanvas()
    canvas.clear(to_argb_int(parse_color("#F4F1EA")))
    label = fonts.font(fonts.DEFAULT_FAMILY, 600, LABEL)
    ink = skia.Paint(AntiAlias=True, Color=to_argb_int(parse_color("#2B2D42")))
    for i, (ref, character) in enumerate(characters):
        x, y = 20 + (i % columns) * CAST_W, 20 + (i // columns) * CAST_H
        canvas.save()
        canvas.translate(x + CAST_W / 2, y + CAST_H - 34)
        canvas.clipRect(skia.Rect.MakeLTRB(-CAST_W / 2, -CAST_H + 34, CAST_W / 2, 34))
        paint_character(canvas, Node(ref, "character", {"expression": "neutral"},
                                     {"character": ref, "unit": scale}), 1.0, None)
        canvas.restore()
        w = label.measureText(character.name)
        canvas.drawString(character.name, x + (CAST_W - w) / 2, y + CAST_H - 8, label, ink)
    return surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)


# The rig's views and poses, each a set of node values (engine/characters/rig.py).
POSES = (
    ("front", {}), ("three-quarter", {"view": 0.5}), ("side", {"view": 1.0}),
    ("facing left", {"view": 0.5, "facing": -1.0}),
    ("walk", {"view": 1.0, "walk": 0.25}), ("walk", {"view": 1.0, "walk": 0.75}),
    ("run", {"view": 1.0, "walk": 0.3, "run": 1.0}), ("sit", {"view": 0.5, "sit": 1.0}),
    ("sleep", {"lie": 1.0, "asleep": 1.0}),
)


def gesture_peak(character: Character, name: str) -> dict:
    """The node values of a gesture at its fullest key (the one furthest from rest)."""
    from .motion import gesture

    g = character.gestures[name]
    tracks = gesture(character, g, 0.0)
    def strength(t: float) -> float:
        return sum(abs(v - (1.0 if k == "squash" else 0.0)) for k, v in _values_at(tracks, t).items())
    peak = max((t for t, _ in g.keys), key=strength)
    return {**_values_at(tracks, peak), **({"expression": g.face} if g.face else {})}


def _values_at(tracks: dict, t: float) -> dict:
    out = {}
    for track, segments in tracks.items():
        for s in segments:
            if s.start <= t + 1e-9:
                out[track] = s.to_value
    return out


def poses_sheet(characters: list[tuple[str, Character]], cell: tuple[int, int] = (200, 260)) -> np.ndarray:
    """RGBA pixels: per character, a row of views and poses and a row of gestures
    (`python3 docs/character_sheet.py`; looked at shrunk to phone size)."""
    w, h = cell
    rows = [(ref, c, [(n, v) for n, v in POSES]) for ref, c in characters] + \
           [(ref, c, [(g.replace("_", " "), gesture_peak(c, g)) for g in sorted(c.gestures)]) for ref, c in characters]
    rows.sort(key=lambda r: [ref for ref, _ in characters].index(r[0]))
    columns = max(len(r[2]) for r in rows)
    surface = skia.Surface(w * columns, h * len(rows))
    canvas = surface.getCanvas()
    canvas.clear(to_argb_int(parse_color("#DCEFE3")))
    label = fonts.font(fonts.DEFAULT_FAMILY, 600, 16)
    ink = skia.Paint(AntiAlias=True, Color=to_argb_int(parse_color("#2B2D42")))
    ground = skia.Paint(AntiAlias=True, Color=to_argb_int(parse_color("#7FB77E")), StrokeWidth=3)
    for r, (ref, character, cells) in enumerate(rows):
        unit = (h - 60) / character.height
        for i, (name, values) in enumerate(cells):
            x, y = i * w, r * h + h - 30
            canvas.drawLine(x + 8, y, x + w - 8, y, ground)
            canvas.save()
            canvas.translate(x + w / 2, y)
            paint_character(canvas, Node(ref, "character", {"expression": "neutral", **values},
                                         {"character": ref, "unit": unit}), 1.0, None)
            canvas.restore()
            canvas.drawString(name, x + (w - label.measureText(name)) / 2, y + 22, label, ink)
    return surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)
