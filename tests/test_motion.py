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
