"""The contact sheet: every character x expression, and its mouth shapes.

`render characters -o sheet.png` draws it so authors can browse the cast.
"""
from __future__ import annotations

import numpy as np
import skia

from .. import fonts
from ..color import parse_color, to_argb_int
from ..display import Node
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
