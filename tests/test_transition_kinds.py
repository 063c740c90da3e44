"""The transitions beyond the first seven (engine/raster/transitions.py), checked
on frames straight from the rasteriser: scene A is red, scene B blue, a linear
0.5 s transition from 0.5 s to 1 s, so progress p is at 0.5 + p / 2 seconds."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import storyreel
from helpers import decode, scene_text
from storyreel.dsl import SceneError
from storyreel.engine.raster.raster import TRANSITIONS as DRAWN
from storyreel.engine.timeline.transition_kinds import KINDS, NAMES, RANDOM_POOL

W, H = 320, 180
RED, BLUE = (255, 0, 0), (0, 0, 255)


def two_scenes(transition: str) -> str:
    return scene_text(f"""
        scene a {{
            background solid #FF0000
            wait 1s
        }}
        transition {transition}
        scene b {{
            background solid #0000FF
            wait 1s
        }}
    """)


def at(frame_at, transition: str, p: float) -> np.ndarray:
    return frame_at(two_scenes(f"{transition} 0.5s ease linear"), 0.5 + p / 2)[..., :3].astype(int)


def is_(pixel, colour, tol: int = 8) -> bool:
    return bool(np.abs(pixel - colour).max() <= tol)


def test_at_least_24_by_name_each_drawn():
    drawn = [name for name in NAMES if name != "random"]
    assert len(drawn) >= 24
    assert all(DRAWN.find(name) is not None for name in drawn)
    assert all(name in DRAWN.builtins for name in drawn)


@pytest.mark.parametrize("p", [0.3, 0.6])
def test_iris_is_a_circle_of_scene_b(frame_at, p):
    f = at(frame_at, "iris", p)
    radius = p * math.hypot(W, H) / 2
    for angle in range(0, 360, 30):
        dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        inside = (round(W / 2 + dx * (radius - 3)), round(H / 2 + dy * (radius - 3)))
        outside = (round(W / 2 + dx * (radius + 3)), round(H / 2 + dy * (radius + 3)))
        if 0 <= inside[0] < W and 0 <= inside[1] < H:
            assert is_(f[inside[1], inside[0]], BLUE)
        if 0 <= outside[0] < W and 0 <= outside[1] < H:
            assert is_(f[outside[1], outside[0]], RED)
    for corner in (f[0, 0], f[0, -1], f[-1, 0], f[-1, -1]):
        assert is_(corner, RED)


def test_clock_sweeps_clockwise_from_twelve(frame_at):
    f = at(frame_at, "clock", 0.25)  # a quarter turn: the top right quarter is B
    assert is_(f[H // 4, 3 * W // 4], BLUE)
    assert is_(f[H // 4, W // 4], RED) and is_(f[3 * H // 4, 3 * W // 4], RED) and is_(f[3 * H // 4, W // 4], RED)


def test_radial_opens_both_ways(frame_at):
    f = at(frame_at, "radial", 0.5)  # half open: the top half is B
    assert is_(f[H // 4, W // 4], BLUE) and is_(f[H // 4, 3 * W // 4], BLUE)
    assert is_(f[3 * H // 4, W // 4], RED) and is_(f[3 * H // 4, 3 * W // 4], RED)


@pytest.mark.parametrize("kind", ["star", "heart"])
def test_shape_wipes_grow_from_the_middle(frame_at, kind):
    f = at(frame_at, kind, 0.5)
    assert is_(f[H // 2, W // 2], BLUE) and is_(f[2, 2], RED) and is_(f[-3, -3], RED)
    assert is_(at(frame_at, kind, 1.0)[2, 2], BLUE)


def test_cover_reveal_and_push_move_the_right_scene(frame_at):
    # Half way, going left: B covers the right half (A stays), A uncovers B's right half.
    cover = at(frame_at, "cover left", 0.5)
    assert is_(cover[H // 2, W // 4], RED) and is_(cover[H // 2, 3 * W // 4], BLUE)
    reveal = at(frame_at, "reveal right", 0.5)
    assert is_(reveal[H // 2, W // 4], BLUE) and is_(reveal[H // 2, 3 * W // 4], RED)
    push = at(frame_at, "push down", 0.5)
    assert is_(push[H // 4, W // 2], BLUE) and is_(push[3 * H // 4, W // 2], RED)


def test_blinds_open_as_slats(frame_at):
    f = at(frame_at, "blinds left", 0.5)  # upright slats, each showing B in its right half
    slat = W / 8
    for i in range(8):
        assert is_(f[H // 2, round(i * slat + slat * 0.25)], RED)
        assert is_(f[H // 2, round(i * slat + slat * 0.75)], BLUE)


def test_barn_door_opens_from_the_middle(frame_at):
    f = at(frame_at, "barn-door up", 0.5)  # a band across: rows H/4..3H/4 are B
    assert is_(f[H // 2, 5], BLUE) and is_(f[H // 8, W // 2], RED) and is_(f[7 * H // 8, W // 2], RED)


def test_pixelize_shows_blocks(frame_at):
    text = scene_text("""
        scene a {
            background gradient #FF0000 #0000FF horizontal
            wait 1s
        }
        transition pixelize 0.5s ease linear
        scene b {
            background solid #00FF00
            wait 1s
        }
    """)
    f = frame_at(text, 0.5 + 0.45 / 2)[..., :3].astype(int)  # near the middle: blocks of about H/12 px
    row = f[H // 2, :, 0]
    runs = np.flatnonzero(np.diff(row) != 0)
    assert len(runs) >= 8 and np.diff(runs).min() >= 8  # a few wide steps, not a smooth ramp


def test_random_picks_a_kind_by_seed(compile_scene):
    def kinds(seed: int) -> list[str]:
        text = scene_text("\n".join(
            [f"scene s{i} {{\n    background solid #FF0000\n    wait 1s\n}}\ntransition random seed {seed} 0.3s"
             for i in range(5)] + ["scene last {\n    background solid #0000FF\n    wait 1s\n}"]))
        return [t.kind for t in compile_scene(text).transitions]

    first = kinds(3)
    assert first == kinds(3) and all(k in RANDOM_POOL for k in first)
    assert len(set(first)) > 1  # one seed, different kinds along the video
    assert kinds(4) != first


def test_circle_is_iris(compile_scene):
    (tr,) = compile_scene(two_scenes("circle 0.5s")).transitions
    assert tr.kind == "iris"


def test_directions_and_easing_are_read(compile_scene):
    (tr,) = compile_scene(two_scenes("page-turn right 0.5s ease out-cubic")).transitions
    assert (tr.kind, tr.params["direction"], tr.easing) == ("page-turn", "right", "out-cubic")
    (tr,) = compile_scene(two_scenes("squares 0.5s")).transitions
    assert tr.params["direction"] == KINDS["squares"].default_direction


def test_a_direction_it_does_not_take_is_an_error(compile_scene):
    with pytest.raises(SceneError) as err:
        compile_scene(two_scenes("page-turn up 0.5s"))
    assert "up" in str(err.value)


@pytest.mark.parametrize("kind", [n for n in NAMES if n not in ("cut", "random")])
def test_every_kind_starts_on_a_and_ends_on_b(frame_at, kind):
    assert is_(at(frame_at, kind, 0.0)[H // 2, W // 3], RED, 12)
    assert is_(at(frame_at, kind, 1.0)[H // 2, W // 3], BLUE, 12)


# -- examples/transitions.scene, rendered small and decoded ------------------------------

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "transitions.scene"
SKY, MEADOW, NIGHT, PAPER = (142, 209, 252), (123, 201, 80), (43, 45, 110), (255, 248, 231)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("transitions") / "transitions.mp4"
    project = storyreel.load(EXAMPLE, size=(W, H))
    project.render(out, extras=False)
    return project.timeline, decode(out)


def near(pixel, colour, tol: int = 14) -> bool:
    return bool(np.abs(pixel[:3].astype(int) - colour).max() <= tol)


def test_example_iris_midpoint_is_a_circle(example):
    timeline, video = example
    iris = timeline.transitions[0]
    assert iris.kind == "iris"
    f = video.at((iris.start + iris.end) / 2)
    radius = 0.5 * math.hypot(W, H) / 2  # linear: half way, half the half-diagonal
    assert near(f[H // 2, round(W / 2 + radius - 8)], MEADOW) and near(f[H // 2, round(W / 2 - radius + 8)], MEADOW)
    assert near(f[3, 3], SKY) and near(f[-4, -4], SKY) and near(f[3, -4], SKY)


def test_example_cover_and_page_turn(example):
    timeline, video = example
    cover, page = timeline.transitions[1], timeline.transitions[2]
    f = video.at((cover.start + cover.end) / 2)
    assert near(f[10, W // 4], MEADOW) and near(f[10, 3 * W // 4], NIGHT)
    f = video.at((page.start + page.end) / 2)
    # The turned page's back (cream) lies over the left half; the book is uncovered right.
    assert near(f[10, 3 * W // 4], PAPER) and f[10, W // 4].astype(int)[:3].min() > 150


def test_example_random_is_seeded(example):
    timeline, _ = example
    assert timeline.transitions[4].kind in RANDOM_POOL
    again = storyreel.load(EXAMPLE, size=(W, H)).timeline
    assert [t.kind for t in again.transitions] == [t.kind for t in timeline.transitions]
