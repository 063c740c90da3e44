"""Tracing: the `draw` action writes a letter stroke by stroke in the order it is
taught, draws a shape around its outline, with a pencil or finger at the tip
and worksheet guides; `templates/_lib/tracing.scene` wraps it for templates,
and `layout.scene`'s aligned_grid lines rows of counted objects up.
Checked on rendered (and, for the main case, encoded and decoded) frames."""
from __future__ import annotations

import shutil
import string
from pathlib import Path

import numpy as np
import pytest
import skia

from helpers import scene_text
from storyreel.dsl import CompileOptions, load_scene
from storyreel.dsl.errors import SceneError
from storyreel.engine.raster import glyphs, tracing
from storyreel.engine import render_frame

INK = (29, 27, 76)
BG = (255, 255, 255)
LIB = Path(__file__).resolve().parents[1] / "templates" / "_lib"


def traced(char: str, extra: str = "", seconds: float = 2.0) -> str:
    return scene_text(f"""
    scene s {{
        background solid #FFFFFF
        t = text "{char}" at (50%, 50%) size 800 font rounded weight bold color #1D1B4C
        t: draw {seconds}s ease linear {extra}
        wait 0.5s
    }}
    """)


def ink(frame: np.ndarray) -> np.ndarray:
    return (np.abs(frame[..., :3].astype(int) - INK) < 40).all(axis=2)


def box(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def near(mask: np.ndarray, fx: float, fy: float, bounds, r: int = 2) -> bool:
    """Whether there is ink around the point at fractions (fx, fy) of the box."""
    x0, y0, x1, y1 = bounds
    x, y = round(x0 + fx * (x1 - x0)), round(y0 + fy * (y1 - y0))
    return bool(mask[y - r:y + r + 1, x - r:x + r + 1].any())


def test_a_letter_is_written_stroke_by_stroke_in_teaching_order(render_scene):
    """L: the stem from the top down, then the foot from left to right."""
    video = render_scene(traced("L"), size=(320, 180), fps=20)
    whole = ink(video.at(2.3))
    bounds = box(whole)
    assert not ink(video.at(0.0)).any()  # nothing before the pencil starts
    early = ink(video.at(0.4))  # a fifth of the way: the top of the stem only
    assert near(early, 0.15, 0.08, bounds) and not near(early, 0.15, 0.9, bounds)
    middle = ink(video.at(1.2))  # the stem done, the foot begun
    assert near(middle, 0.15, 0.9, bounds) and not near(middle, 0.95, 0.92, bounds)
    # Each frame shows all of the last one and more.
    shown = [ink(video.at(t)).sum() for t in (0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1)]
    assert shown == sorted(shown) and shown[0] < shown[-1]


def test_the_end_of_a_trace_is_the_plain_letter(frame_at):
    drawn = frame_at(traced("Bg"), 2.2)
    plain = frame_at(traced("Bg").replace("t: draw 2.0s ease linear", "wait 2s"), 2.2)
    assert np.array_equal(drawn, plain)


def test_A_left_leg_before_right_leg(frame_at):
    bounds = box(ink(frame_at(traced("A"), 2.2)))
    # The legs are each about 40% of the trace: at 35% the left one is nearly done.
    frame = ink(frame_at(traced("A"), 0.7))
    assert near(frame, 0.12, 0.92, bounds, 3) and not near(frame, 0.88, 0.92, bounds, 3)


def test_tracing_is_deterministic(compile_scene):
    text = traced("Ra", "with pencil guide")
    a = render_frame(compile_scene(text), 0.9)
    b = render_frame(compile_scene(text), 0.9)
    assert np.array_equal(a, b)


def test_pencil_follows_the_tip_and_goes_when_done(frame_at):
    yellow = (255, 201, 61)

    def pencil(frame: np.ndarray) -> int:
        return int((np.abs(frame[..., :3].astype(int) - yellow) < 30).all(axis=2).sum())

    assert pencil(frame_at(traced("S", "with pencil"), 1.0)) > 30
    assert pencil(frame_at(traced("S", "with pencil"), 2.2)) == 0
    skin = (255, 204, 163)
    mid = frame_at(traced("S", "with finger"), 1.0)
    assert (np.abs(mid[..., :3].astype(int) - skin) < 25).all(axis=2).sum() > 30


def test_guides_show_the_pale_letter_and_the_start_dot(frame_at):
    frame = frame_at(traced("D", "guide"), 0.0)
    rgb = frame[..., :3].astype(int)
    green = (np.abs(rgb - (77, 191, 97)) < 30).all(axis=2)
    pale = (rgb.min(axis=2) > 150) & (rgb.max(axis=2) < 250) & ~green
    assert green.sum() > 20  # the numbered start dot
    assert pale.sum() > 500  # the pale letter (and its handwriting lines)
    assert not ink(frame).any()


def test_a_circle_is_drawn_anticlockwise_from_the_top(frame_at):
    text = scene_text("""
    scene s {
        background solid #FFFFFF
        c = circle at (50%, 50%) radius 300 fill #FFFFFF00 stroke #1D1B4C 30
        c: draw 2s ease linear
        wait 0.3s
    }
    """)
    quarter = ink(frame_at(text, 0.45))  # a little under a quarter of the way round
    h, w = quarter.shape
    r = 300 * h / 1080
    upper_left = (round(h / 2 - r * 0.7071), round(w / 2 - r * 0.7071))
    upper_right = (round(h / 2 - r * 0.7071), round(w / 2 + r * 0.7071))
    assert quarter[upper_left[0] - 2:upper_left[0] + 3, upper_left[1] - 2:upper_left[1] + 3].any()
    assert not quarter[upper_right[0] - 2:upper_right[0] + 3, upper_right[1] - 2:upper_right[1] + 3].any()


@pytest.mark.parametrize("family", ["rounded", "sans"])
def test_every_letter_and_digit_has_strokes_inside_it(family):
    """The stroke table covers A-Z, a-z, 0-9, and its centre-lines run inside
    the bold glyphs (a typo in a coordinate would leave the glyph)."""
    for ch in string.ascii_letters + string.digits:
        assert tracing.strokes_for(ch, family), f"no strokes for {ch}"
        fill = glyphs.glyph_shape(family, 700, 200.0, ch).fill
        inside = total = 0
        for path in tracing.glyph_strokes(family, 700, 200.0, ch):
            measure = skia.PathMeasure(path, False)
            for i in range(41):
                point = measure.getPosTan(measure.getLength() * i / 40)[0]
                inside += fill.contains(point.x(), point.y())
                total += 1
        assert inside / total >= 0.8, f"{ch} ({family}): only {inside / total:.0%} of its strokes inside it"


@pytest.mark.parametrize("line, message", [
    ("pic: draw 1s", "'draw' draws text and shapes"),
    ("t: draw 1s with crayon", "expected what draws it"),
])
def test_draw_mistakes_are_located(compile_scene, tmp_path, line, message):
    text = scene_text(f"""
    scene s {{
        background solid #FFFFFF
        t = text "A" at (50%, 50%) size 200
        pic = particles confetti
        {line}
    }}
    """)
    with pytest.raises(SceneError) as err:
        compile_scene(text)
    assert message in err.value.message
    assert err.value.span is not None and err.value.span.line == 10


def _lib_scene(tmp_path: Path, body: str, size=(320, 180)):
    shutil.copytree(LIB, tmp_path / "_lib")
    path = tmp_path / "t.scene"
    path.write_text(body, encoding="utf-8")
    return load_scene(path, None, CompileOptions(size=size, fps=10)).timeline


def test_tracing_macros_render(tmp_path):
    timeline = _lib_scene(tmp_path, """{% import "_lib/tracing.scene" as trace %}
video "t" {
    preset youtube
}
scene s {
    background solid #FFFFFF
    {{ trace.letter("big", "Bb", 50, 50, seconds=2) }}
    {{ trace.numeral("three", "3", 80, 50, size=300, seconds=1, tool="finger", lead=0) }}
}
""")
    assert timeline.duration == pytest.approx(0.6 + 2 + 1)
    before, during, after = (render_frame(timeline, t) for t in (0.3, 1.6, 3.5))
    assert not ink(before).any() and before[..., :3].min() < 250  # pale guides, no ink yet
    blue = (np.abs(after[..., :3].astype(int) - (77, 150, 255)) < 30).all(axis=2)
    orange = (np.abs(after[..., :3].astype(int) - (255, 140, 66)) < 30).all(axis=2)
    assert blue.sum() > 500 and orange.sum() > 100
    assert (np.abs(during[..., :3].astype(int) - (77, 150, 255)) < 30).all(axis=2).sum() < blue.sum()


def test_aligned_grid_rows_line_up(tmp_path):
    timeline = _lib_scene(tmp_path, """{% import "_lib/layout.scene" as lay %}
video "t" {
    preset youtube
}
scene s {
    background solid #FFFFFF
    {% set G = namespace() %}
    {% set _ = lay.aligned_grid(G, 7, 10, 20, 90, 80, cols=4) %}
    {% for x, y in G.pts %}
    dot{{ loop.index }} = circle at ({{ x }}%, {{ y }}%) radius 20 fill #E63946
    {% endfor %}
    wait 0.1s
}
""")
    layers = [layer for layer in timeline.scenes[0].layers if layer.kind == "circle"]
    pts = [(layer.tracks["x"].initial, layer.tracks["y"].initial) for layer in layers]
    first, second = pts[:4], pts[4:]
    assert len({round(y, 3) for _, y in first}) == 1 and len({round(y, 3) for _, y in second}) == 1
    assert second[0][1] > first[0][1]
    # Row two's centres sit under row one's first three, and the block is centred.
    for (x2, _), (x1, _) in zip(second, first):
        assert abs(x2 - x1) < 0.01
    assert abs((first[0][0] + first[-1][0]) / 2 - 0.5 * timeline.width) < 1
