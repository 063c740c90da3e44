"""The prop library (templates/_lib/objects.scene): at least 150 kinds, each with
its words, each drawn non-blank and inside its box, checked on one decoded frame
with every prop in its own cell; the octopus has eight arms."""
from __future__ import annotations

from pathlib import Path

import jinja2
import numpy as np
import pytest

import storyreel
from helpers import decode, scene_text
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_video

OBJECTS = Path(storyreel.__file__).resolve().parent / "templates" / "_lib" / "objects.scene"
COLUMNS, CELL = 13, 64          # px; the frame is COLUMNS cells square
BOX = 250                       # design px: a prop stays inside ±BOX/2 of its centre at size 1
NOMINAL = 200                   # design px: a prop is about this wide at size 1
PICTURE_BOOK = ("bed", "chair", "table", "house", "barn", "tree", "flower", "mushroom", "carrotpatch", "umbrella",
                "ball", "kite", "finish", "flag", "basket", "cheese", "grapes", "crown", "well", "bridge", "boat",
                "moon", "star", "lantern", "book", "cake", "gift", "key", "map", "bucket", "nest", "egg", "honey",
                "acorn", "shell", "car", "bus", "train", "teddy")


@pytest.fixture(scope="module")
def library():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(OBJECTS.parent)))
    return env.get_template(OBJECTS.name).module


@pytest.fixture(scope="module")
def sheet(library, tmp_path_factory):
    """One decoded frame: every kind centred in its own cell on white."""
    kinds = list(library.KINDS)
    rows = (len(kinds) + COLUMNS - 1) // COLUMNS
    width, height = COLUMNS * CELL, rows * CELL
    unit = min(width, height) / 1080
    size = round(CELL * 0.62 / (NOMINAL * unit), 4)
    lines = [f'{{% import "{OBJECTS.as_posix()}" as obj %}}', "scene s {", "    background solid #FFFFFF"]
    for i, kind in enumerate(kinds):
        x, y = (i % COLUMNS + 0.5) * CELL, (i // COLUMNS + 0.5) * CELL
        lines.append(f'    {{{{ obj.draw("{kind}", "p{i}", {100 * x / width:.4f}, {100 * y / height:.4f}, {size}) }}}}')
    lines += ["    wait 0.2s", "}"]
    folder = tmp_path_factory.mktemp("props")
    path = folder / "props.scene"
    path.write_text(scene_text("\n".join(lines) + "\n"), encoding="utf-8")
    timeline = load_scene(path, None, CompileOptions(size=(width, height), fps=10)).timeline
    render_video(timeline, folder / "out.mp4", quality="high")
    frame = decode(folder / "out.mp4").frames[0][..., :3].astype(int)
    half = BOX / 2 * size * unit  # px
    return kinds, frame, half, size * NOMINAL * unit


def test_at_least_150_props_each_with_its_words(library):
    assert len(library.KINDS) >= 150
    for kind in library.KINDS:
        words = library.THINGS[kind]
        assert words["one"] and words["many"] and words["a"] in ("a", "an", "some"), kind
    missing = [k for k in PICTURE_BOOK if k not in library.KINDS]
    assert not missing, f"picture-book staples missing: {missing}"


def test_every_prop_is_drawn_inside_its_box(sheet):
    kinds, frame, half, nominal = sheet
    ink = np.abs(frame - 255).max(axis=2) > 60  # not the white page (video compression leaves a little)
    bad = []
    for i, kind in enumerate(kinds):
        cx, cy = (i % COLUMNS + 0.5) * CELL, (i // COLUMNS + 0.5) * CELL
        cell = ink[int(cy - CELL / 2):int(cy + CELL / 2), int(cx - CELL / 2):int(cx + CELL / 2)]
        ys, xs = np.nonzero(cell)
        if len(xs) < 0.08 * nominal * nominal:
            bad.append(f"{kind}: nearly blank ({len(xs)} px)")
            continue
        # Every inked pixel lies inside the prop's box (a pixel of slack for antialiasing).
        dx, dy = np.abs(xs + 0.5 - CELL / 2).max(), np.abs(ys + 0.5 - CELL / 2).max()
        if dx > half + 1.5 or dy > half + 1.5:
            bad.append(f"{kind}: reaches {dx:.0f},{dy:.0f} px from its centre (box {half:.0f})")
    assert not bad, "; ".join(bad)


def test_the_octopus_has_eight_arms(library):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(OBJECTS.parent)))
    text = env.from_string('{% import "objects.scene" as obj %}{{ obj.octopus("o", 50, 50) }}').render()
    arms = [line for line in text.splitlines() if line.strip().startswith("o_legf")]
    assert len(arms) == 8
