"""The procedural backgrounds draw their scene, deterministically per seed."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import close, scene_text

BACKDROPS = ("sky", "meadow", "forest", "night", "classroom", "ocean")


def backdrop(name: str, extra: str = "") -> str:
    return scene_text(f"scene s {{\n    background {name} {extra}\n    wait 1s\n}}\n")


@pytest.mark.parametrize("name", BACKDROPS)
def test_backdrop_is_a_picture_and_deterministic(name, frame_at):
    first = frame_at(backdrop(name), 0.5)
    again = frame_at(backdrop(name), 0.5)
    assert np.array_equal(first, again)
    # A scene, not a flat fill: many distinct colours.
    colours = np.unique(first[..., :3].reshape(-1, 3), axis=0)
    assert len(colours) > 50


def test_seed_changes_the_random_parts(frame_at):
    a = frame_at(backdrop("night", "seed 1"), 0.5)
    b = frame_at(backdrop("night", "seed 2"), 0.5)
    assert not np.array_equal(a, b)


def test_backdrop_colours_match_their_names(frame_at):
    h, w = 180, 320
    night = frame_at(backdrop("night"), 0.5)
    assert night[h // 2, w // 3, :3].mean() < 90  # dark sky
    sky = frame_at(backdrop("sky"), 0.5)
    top = sky[5, w // 2]
    assert top[2] > top[0] + 40  # blue above
    meadow = frame_at(backdrop("meadow"), 0.5)
    ground = meadow[h - 3, 3]
    assert ground[1] > ground[0] + 40 and ground[1] > ground[2]  # green ground
    ocean = frame_at(backdrop("ocean"), 0.5)
    sea = ocean[int(h * 0.7), w // 2]
    assert sea[2] > sea[0] + 60  # blue sea
    classroom = frame_at(backdrop("classroom"), 0.5)
    board = classroom[int(h * 0.3), w // 2]
    assert close(board, (0x2F, 0x5D, 0x50), tol=20)  # the green chalkboard


def test_unknown_backdrop_suggests(compile_scene):
    from storyreel.dsl import SceneError

    with pytest.raises(SceneError) as info:
        compile_scene(backdrop("medow"))
    assert info.value.message == "unknown background 'medow'"
    assert info.value.hint == "did you mean 'meadow'?"


def test_many_scenes_keep_only_a_few_backdrops_in_memory(compile_scene):
    """Each scene's rendered backdrop is a whole frame; a long video used to keep
    up to 32 of them. The rasteriser keeps the few used last, and a backdrop
    dropped from it is drawn again exactly when it comes back."""
    from storyreel.engine.raster.raster import Rasterizer

    shades = [f"#{20 + 9 * i:02X}4080" for i in range(20)]
    body = "".join(f"scene s{i} (0.2s) {{\n    background {shade}\n}}\n" for i, shade in enumerate(shades))
    timeline = compile_scene(scene_text(body))
    raster = Rasterizer(timeline.width, timeline.height)
    firsts = []
    for i in range(len(shades)):
        frame = raster.draw(timeline.sample(0.2 * i + 0.1))  # BGRA
        firsts.append(frame[90, 160, :3].copy())
        assert len(raster._backgrounds) <= 6
    assert [int(f[2]) for f in firsts] == [20 + 9 * i for i in range(len(shades))]  # red, in BGRA order
    again = raster.draw(timeline.sample(0.1))
    assert np.array_equal(again[90, 160, :3], firsts[0])
