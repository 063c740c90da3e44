"""The camera: `camera: zoom to Z on NAME`, `pan to`, `cut to wide|close`, and
`fixed` layers that stay put. Checked on decoded frames: the target's pixels
grow and come to the middle; a fixed title does not move."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import close, scene_text
from storyreel.dsl.errors import SceneError

RED = (230, 57, 70)
NAVY = (58, 46, 92)

SCENE = scene_text("""
scene s {
    background solid #FFFFFF
    title = text "Apples" at (50%, 10%) size 90 color #3A2E5C fixed
    {% for n in range(1, 5) %}
    apple{{ n }} = circle at ({{ n * 20 }}%, 60%) radius 50 fill {{ '#E63946' if n == 3 else '#2A9D8F' }}
    {% endfor %}
    wait 0.5s
    camera: zoom to 2 on apple3 1s
    wait 0.5s
    camera: pan to (30%, 50%) 1s
    camera: cut to wide
    wait 0.5s
    camera: cut to close on apple1
    wait 0.5s
}
""", "preset youtube")


def red_blob(frame: np.ndarray) -> tuple[float, float, int]:
    """(centre x, centre y, pixel count) of apple3's red."""
    rgb = frame[..., :3].astype(int)
    mask = (np.abs(rgb - RED) < 30).all(axis=2)
    ys, xs = np.nonzero(mask)
    return (float(xs.mean()) if len(xs) else -1.0, float(ys.mean()) if len(ys) else -1.0, int(mask.sum()))


def navy_rows(frame: np.ndarray) -> tuple[int, int]:
    mask = (np.abs(frame[..., :3].astype(int) - NAVY) < 40).all(axis=2)
    ys = np.nonzero(mask.any(axis=1))[0]
    return int(ys.min()), int(ys.max())


def test_zoom_on_a_target_grows_it_and_brings_it_to_the_middle(render_scene):
    video = render_scene(SCENE)
    w, h = video.width, video.height
    x0, y0, n0 = red_blob(video.at(0.25))
    x1, y1, n1 = red_blob(video.at(1.75))  # the zoom has ended
    assert abs(x0 - 0.6 * w) < 3 and abs(y0 - 0.6 * h) < 3
    assert n1 > 3.5 * n0  # twice as wide: four times the pixels
    assert abs(x1 - w / 2) < 3 and abs(y1 - h / 2) < 3
    # Half way through the move it is on its way: bigger, and nearer the middle.
    xm, ym, nm = red_blob(video.at(1.0))
    assert n0 < nm < n1 and abs(xm - w / 2) < abs(x0 - w / 2)
    # The fixed title did not move or grow.
    assert navy_rows(video.at(0.25)) == navy_rows(video.at(1.75))


def test_cut_to_wide_and_close(render_scene):
    video = render_scene(SCENE)
    w, h = video.width, video.height
    x, y, n = red_blob(video.at(3.25))  # after `cut to wide`: the first frame again
    x0, y0, n0 = red_blob(video.at(0.25))
    assert abs(x - x0) < 2 and abs(y - y0) < 2 and abs(n - n0) < 0.05 * n0
    # `cut to close on apple1`: apple1 at 20% is near the edge, so the view stops
    # at the scene's edge (no empty margin): its left edge is the canvas's.
    frame = video.at(3.75)
    teal = (np.abs(frame[..., :3].astype(int) - (42, 157, 143)) < 30).all(axis=2)
    xs = np.nonzero(teal.any(axis=0))[0]
    first = xs[xs < 0.3 * w * 1.6]  # apple1, not apple2 beside it
    assert close(frame[2, 2], (255, 255, 255))
    assert abs(first.mean() - 0.2 * w * 1.6) < 3  # 20% of the width, scaled 1.6 from the left edge


@pytest.mark.parametrize("line, message", [
    ("camera: fly to apple1", "unknown camera move"),
    ("camera: zoom to 50 on apple1", "out of range"),
    ("camera: cut to wide 1s", "a cut takes no time"),
    ("camera: pan to nowhere 1s", "unknown name 'nowhere'"),
])
def test_camera_mistakes_are_located(compile_scene, line, message):
    text = scene_text(f"""
    scene s {{
        background solid #FFFFFF
        apple1 = circle at (20%, 60%) radius 50 fill #E63946
        {line}
    }}
    """)
    with pytest.raises(SceneError) as err:
        compile_scene(text)
    assert message in err.value.message
    assert err.value.span is not None and err.value.span.line == 9


def test_a_scene_without_camera_lines_has_no_camera_layer(compile_scene):
    timeline = compile_scene(scene_text("""
    scene s {
        background solid #FFFFFF
        a = circle at (20%, 60%) radius 50 fill #E63946
        wait 1s
    }
    """))
    assert [layer.kind for layer in timeline.scenes[0].layers] == ["background", "circle"]
