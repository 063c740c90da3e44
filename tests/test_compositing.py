"""Compositing (issue 18): examples/compositing.scene rendered small to an MP4 and
decoded; each feature is checked on pixels at known places. Then the language's
errors, animation and the untouched plain path."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import storyreel
from helpers import close, decode, scene_text
from storyreel.dsl import CompileOptions, load_scene
from storyreel.dsl.errors import SceneError

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "compositing.scene"
W, H = 640, 360
K = W / 1920  # design px -> frame px
PAPER = (255, 248, 231)
SKY = (142, 209, 252)  # picture.svg's sky, unfiltered


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    out = tmp_path_factory.mktemp("compositing") / "compositing.mp4"
    storyreel.load(EXAMPLE, size=(W, H)).render(out, extras=False)
    return decode(out)


def px(frame: np.ndarray, x: float, y: float) -> tuple[int, int, int]:
    """The pixel at design coordinates (1920 x 1080), as RGB ints."""
    return tuple(int(c) for c in frame[round(y * K), round(x * K)][:3])


def pct(x: float, y: float) -> tuple[float, float]:
    return x / 100 * 1920, y / 100 * 1080


# Scene times: filters 0-2s, masks 1.7-3.7s, blends 3.4-5.4s (0.3s crossfades).
FILTERS, MASKS, BLENDS = 1.5, 3.0, 5.2


def sky_of(frame, cx: float, cy: float) -> tuple[int, int, int]:
    """A sky pixel of the 440-wide picture centred at (cx, cy) design px: near its top-left."""
    return px(frame, cx - 220 + 40, cy - 165 + 30)


def test_filters(video):
    f0, f = video.at(0.0), video.at(FILTERS)
    drawn_before, drawn = sky_of(f0, *pct(25, 31)), sky_of(f, *pct(25, 31))
    assert close(drawn_before, SKY, 10)
    assert drawn[0] > drawn_before[0] + 40, "brightness to 1.4 brightens the picture"
    r, g, b = sky_of(f, *pct(75, 31))
    assert max(r, g, b) - min(r, g, b) <= 4, f"grayscale gives R = G = B, got {(r, g, b)}"
    r, g, b = sky_of(f, *pct(50, 31))
    assert r > g > b and b < SKY[2] - 50, f"sepia turns the blue sky brownish yellow, got {(r, g, b)}"
    r, g, b = sky_of(f, *pct(25, 72))
    assert r > b and r > g, f"hue 150 turns the blue sky pink, got {(r, g, b)}"
    cx, cy = pct(50, 72)
    corner, middle = px(f, cx - 220 + 8, cy - 165 + 8), px(f, cx - 120, cy - 100)
    assert sum(corner) < sum(middle) - 200, f"the vignette darkens the corner: {corner} vs {middle}"
    r, g, b = sky_of(f, *pct(75, 72))
    assert b - r > SKY[2] - SKY[0] + 30, f"saturation 1.8 makes the sky bluer, got {(r, g, b)}"


def test_masks_and_clip_paths(video):
    f = video.at(MASKS)
    cx, cy = pct(16, 45)  # a 400 x 300 picture masked by a circle
    assert close(px(f, cx - 190, cy - 140), PAPER), "the circle mask leaves the corner showing the background"
    assert not close(px(f, cx, cy - 100), PAPER, 40), "inside the circle, the picture"
    cx, cy = pct(39, 45)  # masked by the text "ZOO"
    box = f[round((cy - 150) * K):round((cy + 150) * K), round((cx - 200) * K):round((cx + 200) * K)].astype(int)
    paper = (np.abs(box - np.array(PAPER)).max(axis=2) <= 12).mean()
    assert 0.3 < paper < 0.85, f"the text mask shows the picture only through the letters ({paper:.0%} paper)"
    cx, cy = pct(61, 45)  # a luma matte: white middle, black edges
    assert close(px(f, cx - 195, cy - 145), PAPER), "where the luma matte is black, nothing shows"
    assert close(px(f, cx - 60, cy - 45), SKY, 14), "where it is white, the picture shows fully"
    cx, cy = pct(84, 45)  # clipped to a heart
    assert close(px(f, cx, cy - 140), PAPER), "the heart's dip is clipped away"
    assert close(px(f, cx - 60, cy - 80), SKY, 14), "inside the heart, the picture"
    cx, cy = pct(50, 86)  # a blue card with an inverted star mask: a star-shaped hole
    assert close(px(f, cx, cy), PAPER), "the inverted mask cuts the star out of the card"
    assert close(px(f, cx + 300, cy), (0x4D, 0x96, 0xFF)), "outside the star, the card"


def test_blend_modes(video):
    f = video.at(BLENDS)
    cx, cy = pct(16, 45)  # a white drawing multiplied over a pink card
    assert close(px(f, cx - 170, cy - 170), (0xFF, 0xB4, 0xA2)), "multiply of white leaves the colour under it"
    cx, cy = pct(39, 45)  # red, green and blue circles screened over night blue
    r, g, b = px(f, cx, cy - 40)
    assert min(r, g, b) > 225, f"the three lights screen to white, got {(r, g, b)}"
    r, g, b = px(f, cx - 100 - 20, cy - 54)
    assert r > 200 and g < 80, f"red alone stays red, got {(r, g, b)}"
    r, g, b = sky_of(f, cx=pct(61, 45)[0] + 20, cy=pct(61, 45)[1] + 15)
    assert r > SKY[0] + 80 and b > 200, f"orange overlaid on the sky warms it (its blue kept), got {(r, g, b)}"


def test_flip_and_skew(video):
    f = video.at(BLENDS)
    red, blue = (0xFF, 0x6B, 0x6B), (0x4D, 0x96, 0xFF)
    x, y = pct(84, 32)  # a 280 x 140 arrow pointing right: its notch on the left
    assert close(px(f, x - 120, y), PAPER) and close(px(f, x + 120, y), red)
    x, y = pct(84, 52)  # the same arrow flipped: pointing left
    assert close(px(f, x - 120, y), blue) and close(px(f, x + 120, y), PAPER), "the flipped arrow is mirrored"
    x, y = pct(84, 84)  # a 240 x 130 rect skewed to -25°: its left edge leans
    shift = 40 * math.tan(math.radians(25))
    left = x - 120
    assert close(px(f, left + shift - 12, y - 40), PAPER), "near the top the left edge has moved right"
    assert close(px(f, left - shift + 10, y + 40), (0x6B, 0xCB, 0x77)), "near the bottom it has moved left"


def compile_text(body: str, tmp_path: Path):
    path = tmp_path / "t.scene"
    path.write_text(scene_text(body, "size 320x180"), encoding="utf-8")
    return load_scene(path, None, CompileOptions())


@pytest.mark.parametrize("line, message, hint", [
    ("r = rect blend multipy", "expected a blend mode, got", "did you mean 'multiply'"),
    ("r = rect brightness 9", "brightness must be between 0 and 4, got 9", "brightness 1.3"),
    ("r = rect skew 90", "skew must be between -80 and 80°, got 90", "slants"),
    ("r = rect mask nothing", "unknown element 'nothing' to mask with", "declare the mask element"),
    ("l = line clip circle", "a line has no box to clip to a circle", "clip path"),
    ("r = rect clip star", "expected a clip shape, got", "circle, ellipse, rounded, path"),
    ('r = rect clip path "M 0 0 Q"', "invalid path data", "clip path"),
    ("r = rect flip horizonal", "expected a flip", "did you mean 'horizontal'"),
])
def test_bad_values_are_located_errors(tmp_path, line, message, hint):
    with pytest.raises(SceneError) as err:
        compile_text(f"scene a (1s) {{\n    {line}\n}}\n", tmp_path)
    assert message in err.value.message and hint in (err.value.hint or "")
    assert err.value.span is not None and err.value.span.line == 6  # the scene's line, after the video block


def test_mask_in_another_group_is_an_error(tmp_path):
    with pytest.raises(SceneError, match="outside this group"):
        compile_text("scene a (1s) {\n    m = circle\n    g = group {\n        r = rect mask m\n    }\n}\n", tmp_path)


def test_filters_animate_from_the_neutral_value(tmp_path):
    result = compile_text("scene a (2s) {\n    background solid #000000\n    r = rect size 100% 100% fill #808080\n"
                          "    r: brightness to 2 over 1s ease linear\n}\n", tmp_path)
    timeline = result.timeline
    layer = next(node for node in timeline.sample(0.5).items if node.id == "r")
    assert layer.values["brightness"] == pytest.approx(1.5)
    assert "composite" in layer.attrs
    from storyreel.engine import render_frame

    grey = render_frame(timeline, 0.0)[90, 160, 0]
    bright = render_frame(timeline, 1.5)[90, 160, 0]
    assert abs(int(grey) - 128) <= 1 and bright == 255


def test_plain_layers_take_the_old_path(tmp_path):
    """Layers without compositing options carry no `composite`: the rasteriser draws
    them exactly as before; a matte is not drawn on its own."""
    result = compile_text("scene a (1s) {\n    m = circle radius 50\n    r = rect blur 4\n"
                          "    p = rect mask m\n}\n", tmp_path)
    nodes = {node.id: node for node in result.timeline.sample(0.5).items}
    assert "composite" not in nodes["r"].attrs
    assert "m" not in nodes and [c.id for c in nodes["p"].children] == ["m"]


@pytest.mark.parametrize("grouped", [False, True])
def test_a_blend_mode_blends_with_what_moves_under_it(tmp_path, grouped):
    """Unchanged neighbours over a moving layer are drawn once into a layer of their
    own (Rasterizer._draw_items); one that multiplies must still multiply the moving
    card under it, not a transparent layer."""
    paper = "paper = rect at (50%, 60%) size 300 200 fill #FFFFFF blend multiply"
    if grouped:
        paper = f"g = group {{\n        {paper.replace('at (50%, 60%)', 'at (0, 108)')}\n    }}"
    result = compile_text("scene a (1s) {\n    background solid #FFF8E7\n"
                          "    card = rect at (50%, 60%) size 600 400 fill #FF6B6B\n"
                          f"    {paper}\n    label = text \"hi\" at (50%, 20%) size 60\n"
                          "    card: move to (52%, 60%) 1s\n}\n", tmp_path)
    from storyreel.engine.raster.raster import Rasterizer

    raster = Rasterizer(320, 180)
    for i in range(6):
        pixel = raster.draw(result.timeline.sample(i / 10))[108, 160, [2, 1, 0]]
        assert close(pixel, (0xFF, 0x6B, 0x6B), 2), f"frame {i}: {pixel}"


def test_a_saved_timeline_composites_the_same():
    import json

    from storyreel.engine import render_frame
    from storyreel.engine.timeline.serialize import timeline_from_dict, timeline_to_dict

    timeline = storyreel.load(EXAMPLE, size=(W // 2, H // 2)).timeline
    again = timeline_from_dict(json.loads(json.dumps(timeline_to_dict(timeline))))
    for t in (FILTERS, MASKS, BLENDS):
        assert np.array_equal(render_frame(timeline, t), render_frame(again, t))


def test_same_input_same_pixels():
    project = storyreel.load(EXAMPLE, size=(W // 2, H // 2))
    for t in (FILTERS, MASKS, BLENDS):
        assert np.array_equal(project.frame(t), project.frame(t))
