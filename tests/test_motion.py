"""Animation (issue 18): spring and cubic-bézier easings, shape morphs, and a
group's own clock (`loop`, `freeze`), checked on the curves and on rendered
pixels; then examples/animation.scene rendered small and decoded."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import scene_text
from storyreel.dsl import SceneError
from storyreel.engine.timeline.easing import bezier_name, ease, spring_name

W, H = 320, 180
RED = np.array((255, 0, 0))


def red_centre_x(frame: np.ndarray) -> float:
    mask = np.abs(frame[..., :3].astype(int) - RED).max(axis=-1) < 40
    return float(np.flatnonzero(mask.any(axis=0)).mean())


# -- easings --------------------------------------------------------------------------------

def test_spring_overshoots_then_settles():
    curve = [ease(spring_name(100, 10), t / 100) for t in range(101)]
    assert curve[0] == 0 and curve[-1] == 1
    assert max(curve) == pytest.approx(1.163, abs=0.01)  # damping ratio 0.5: 16 % over
    assert all(abs(v - 1) < 0.01 for v in curve[85:])  # at rest by the end
    stiff_and_damped = [ease(spring_name(300, 60), t / 100) for t in range(101)]
    assert max(stiff_and_damped) <= 1 + 1e-9  # over-damped: no overshoot
    assert all(b >= a - 1e-9 for a, b in zip(stiff_and_damped, stiff_and_damped[1:]))


@pytest.mark.parametrize("points, t, expected", [
    ((0.25, 0.1, 0.25, 1), 0.5, 0.8024033877399112),  # CSS `ease`
    ((0.42, 0, 0.58, 1), 0.25, 0.1291),  # CSS `ease-in-out`
    ((0, 0, 1, 1), 0.3, 0.3),
    ((0.34, 1.56, 0.64, 1), 0.5, 1.0874),  # an overshoot (y over 1; a dense sampling of the curve says 1.08740)
])
def test_cubic_bezier_matches_css(points, t, expected):
    assert ease(bezier_name(*points), t) == pytest.approx(expected, abs=2e-4)


def test_eased_move_lands_where_the_curve_says(compile_scene, frame_at):
    def scene(easing: str) -> str:
        return scene_text(f"""
            scene s (2s) {{
                background solid #FFFFFF
                c = circle at (25%, 50%) radius 20 fill #FF0000
                c: move to (75%, 50%) over 1s ease {easing}
            }}
        """)

    for easing, curve in (("spring stiffness 100 damping 10", spring_name(100, 10)),
                          ("cubic-bezier 0.34 1.56 0.64 1", bezier_name(0.34, 1.56, 0.64, 1)),
                          ("spring", spring_name())):
        text = scene(easing)
        (seg,) = [s for s in compile_scene(text).scenes[0].layers[-1].tracks["x"].segments]
        assert seg.easing == curve
        for t in (0.3, 0.5):
            assert red_centre_x(frame_at(text, t)) == pytest.approx(80 + 160 * ease(curve, t), abs=1.0)


@pytest.mark.parametrize("easing, message", [
    ("spring damping 0", "damping must be between"),
    ("spring stiffness 0", "stiffness must be between"),
    ("cubic-bezier 1.5 0 0.5 1", "x1 must be between"),
    ("cubic-bezier 0.5 0", "missing"),
])
def test_easing_errors_are_located(compile_scene, easing, message):
    with pytest.raises(SceneError) as err:
        compile_scene(scene_text(f"scene s (2s) {{\n    c = circle\n    c: move to (75%, 50%) over 1s ease {easing}\n}}\n"))
    assert message in str(err.value)


# -- a group's own time: loop and freeze ---------------------------------------------------

def group_scene(extra_group: str = "", steps: str = "") -> str:
    return scene_text(f"""
        scene s (4s) {{
            background solid #FFFFFF
            g = group at (50%, 50%) {extra_group} {{
                ball = circle at (-600px, 0px) radius 60 fill #FF0000
            }}
            {steps}
            ball: move to (600px, 0px) over 1s ease linear
        }}
    """)


def test_a_looping_group_replays_its_first_round(frame_at):
    looping = group_scene("loop 1s")
    for t in (0.25, 0.6):
        first = red_centre_x(frame_at(looping, t))
        assert red_centre_x(frame_at(looping, t + 1)) == pytest.approx(first, abs=0.5)
        assert red_centre_x(frame_at(looping, t + 2)) == pytest.approx(first, abs=0.5)
    plain = group_scene()
    assert red_centre_x(frame_at(plain, 1.25)) > red_centre_x(frame_at(plain, 0.25)) + 100  # no loop: it stays


def test_a_frozen_group_holds_then_goes_on(frame_at):
    # The group is frozen from 0 to 1 s; the ball's move is written for 1..2 s, on the
    # group's clock, which stood still for a second: the scene shows it at 2..3 s.
    frozen = scene_text("""
        scene s (4s) {
            background solid #FFFFFF
            g = group at (50%, 50%) {
                ball = circle at (-600px, 0px) radius 60 fill #FF0000
            }
            g: freeze 1s
            ball: move to (600px, 0px) over 1s ease linear
        }
    """)
    still = red_centre_x(frame_at(frozen, 0.0))
    for t in (0.5, 1.5, 1.95):  # frozen, then its own clock at 0.5 and 0.95: before the move
        assert red_centre_x(frame_at(frozen, t)) == pytest.approx(still, abs=0.5)
    for t in (0.25, 0.5, 0.75):
        assert red_centre_x(frame_at(frozen, 2 + t)) == pytest.approx(red_centre_x(frame_at(group_scene(), t)),
                                                                      abs=0.5)


@pytest.mark.parametrize("steps, message", [
    ("c = circle\n    c: freeze 1s", "a circle"),
    ("g = group {\n        c = circle\n    }\n    g: loop", "length of its round"),
    ("t = text \"hi\"\n    t: morph to star", "cannot morph"),
    ("c = circle\n    c: morph to text", "a shape to morph into"),
])
def test_clock_and_morph_errors(compile_scene, steps, message):
    with pytest.raises(SceneError) as err:
        compile_scene(scene_text(f"scene s (2s) {{\n    {steps}\n}}\n"))
    assert message in str(err.value)


# -- morphs ---------------------------------------------------------------------------------

def test_a_circle_morphs_into_a_square_and_takes_its_colour(frame_at):
    text = scene_text("""
        scene s (2s) {
            background solid #FFFFFF
            c = circle at (50%, 50%) radius 300 fill #FF0000
            c: morph to rect size 600 600 fill #0000FF over 1s ease linear
        }
    """)
    corner = (round(90 - 300 * H / 1080 * 0.9), round(160 - 300 * W / 1920 * 0.9))  # inside the square, outside the circle
    start, middle, end = (frame_at(text, t)[..., :3].astype(int) for t in (0.0, 0.5, 1.0))
    assert tuple(start[corner]) == (255, 255, 255) and tuple(end[corner]) == (0, 0, 255)
    assert tuple(end[90, 160]) == (0, 0, 255) and tuple(start[90, 160]) == (255, 0, 0)
    mid = middle[90, 160]
    assert abs(mid[0] - 128) < 3 and abs(mid[2] - 127) < 3  # half way from red to blue
    # Half way, the outline is between the two: its area too.
    def area(f):
        return int((np.abs(f - (255, 255, 255)).max(axis=-1) > 30).sum())
    assert area(start) < area(middle) < area(end)


def test_morphs_chain(compile_scene, frame_at):
    text = scene_text("""
        scene s (3s) {
            background solid #FFFFFF
            c = circle at (50%, 50%) radius 200 fill #FF0000
            c: morph to star radius 300 over 1s
            c: morph to rect size 100 100 over 1s
        }
    """)
    layer = compile_scene(text).scenes[0].layers[-1]
    assert [t["kind"] for t in layer.attrs["morph_to"]] == ["star", "rect"]
    assert layer.tracks["morph"].value_at(2.0) == 2.0
    small = frame_at(text, 2.5)[..., :3].astype(int)
    red = np.abs(small - (255, 0, 0)).max(axis=-1) < 30
    assert red.sum() == pytest.approx((100 * W / 1920) ** 2, rel=0.15)  # ended as the 100 px square


# -- examples/animation.scene, rendered small and decoded ----------------------------------

EXAMPLE = __import__("pathlib").Path(__file__).resolve().parent.parent / "examples" / "animation.scene"


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    import storyreel
    from helpers import decode

    out = tmp_path_factory.mktemp("animation") / "animation.mp4"
    storyreel.load(EXAMPLE, size=(640, 360)).render(out, extras=False)
    return decode(out)


def colour_x(frame: np.ndarray, colour, rows: slice) -> float:
    mask = np.abs(frame[rows].astype(int) - colour).max(axis=-1) < 40
    return float(np.flatnonzero(mask.any(axis=0)).mean())


def test_example_on_decoded_frames(example):
    top, bottom = slice(0, 150), slice(200, 360)
    teal, red, yellow = (42, 157, 143), (230, 57, 70), (255, 217, 61)
    # The looping group: its dot is where it was a second ago.
    assert colour_x(example.at(1.4), teal, top) == pytest.approx(colour_x(example.at(0.4), teal, top), abs=1.5)
    assert colour_x(example.at(0.4), teal, top) > colour_x(example.at(0.0), teal, top) + 40
    # The spring: past its target (85 % of 640 = 544 px) on the way, there at the end.
    path = [colour_x(example.at(1 + i / 10), red, bottom) for i in range(11)]
    assert max(path) > 544 + 5 and path[-1] == pytest.approx(544, abs=2)
    # The morph ended as a yellow star.
    end = example.at(2.95)
    assert (np.abs(end[bottom].astype(int) - yellow).max(axis=-1) < 40).sum() > 2000
