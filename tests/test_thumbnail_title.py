"""A thumbnail's title is drawn like the in-video text: its outline lies outside the
glyphs, so the counters of B, a, e, 8 show the picture behind (a stroke centred on
the contours, as before, filled the small ones with the outline's colour)."""
from __future__ import annotations

import numpy as np
import skia

from helpers import scene_text
from storyreel.engine.publish.presets import SafeArea
from storyreel.engine.publish.sidecars import render_thumbnail
from storyreel.engine.raster import fonts, glyphs

GREEN = np.array([0, 200, 80])


def test_the_title_keeps_its_counters_open(compile_scene):
    timeline = compile_scene(scene_text("scene s {\n    background solid #00C850\n    wait 1s\n}\n"))
    title = "Bae8"
    image, layout = render_thumbnail(timeline, 0.5, (1280, 720), SafeArea(0.05, 0.05, 0.05, 0.05), title)
    frame = image.toarray(colorType=skia.kRGBA_8888_ColorType)[..., :3].astype(int)
    size = layout["font_size"]
    font = fonts.font("rounded", 700, size)
    x = layout["centre_x"] - font.measureText(title) / 2
    baseline = layout["top"] - font.getMetrics().fAscent
    checked = 0
    for ch, gx in zip(title, glyphs.glyph_positions("rounded", 700, size, title)):
        holes = glyphs.glyph_shape("rounded", 700, size, ch).holes
        box = holes.computeTightBounds()
        inside = [(px, py) for py in range(int(box.top()), int(box.bottom()) + 1)
                  for px in range(int(box.left()), int(box.right()) + 1)
                  if holes.contains(px + 0.5, py + 0.5)]
        assert inside, f"{ch} has no counter"
        green = sum(np.abs(frame[int(baseline + py), int(x + gx + px)] - GREEN).max() < 40 for px, py in inside)
        # The counter's own pixels show the background, all but an antialiased rim.
        assert green >= 0.8 * len(inside), f"{ch}: {green} of {len(inside)} counter pixels show the picture"
        checked += 1
    assert checked == 4
