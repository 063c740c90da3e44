"""The word banks the templates teach from (templates/_lib/words.scene) have pictures:
every letter at least five pictured words that start with it (X: that have its
sound), every one of the twelve shapes drawn, taught by the shapes template, and
each new shape's silhouette checked on a decoded frame (its fill at the centre, its
area that of the polygon or half disc)."""
from __future__ import annotations

import math
from pathlib import Path

import jinja2
import numpy as np
import pytest

import storyreel

LIB = Path(storyreel.__file__).resolve().parent / "templates" / "_lib"
SHAPES_TEMPLATE = LIB.parent / "shapes" / "template.scene"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.fixture(scope="module")
def env():
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(LIB)))


@pytest.fixture(scope="module")
def library(env):
    return env.get_template("objects.scene").module


def pictured(env, letter: str) -> list[tuple[str, str]]:
    text = env.from_string('{% import "objects.scene" as obj %}{% import "words.scene" as words with context %}'
                           '{{ words.pictured(L) }}').render(L=letter)
    return [tuple(entry.split(":")) for entry in text.strip().split(",") if entry]


@pytest.mark.parametrize("letter", list(ALPHABET))
def test_every_letter_has_five_pictured_words(env, library, letter):
    words = pictured(env, letter)
    assert len(words) >= 5, f"{letter}: only {len(words)} pictured words: {words}"
    for kind, word in words:
        assert kind in library.KINDS, f"{letter}: {kind} is not drawn"
        if letter == "X":
            assert "x" in word.lower(), f"X: {word} has no x sound"
        else:
            assert word.lower().startswith(letter.lower()), f"{letter}: {word} does not start with {letter}"
    assert len({kind for kind, _ in words}) == len(words), f"{letter}: a picture is used twice"


def test_every_shape_of_the_bank_is_drawn_and_taught(env, library):
    bank = env.from_string('{% import "objects.scene" as obj %}{% import "words.scene" as words with context %}'
                           '{{ words.SHAPES | list | join(",") }}').render().strip().split(",")
    assert len(bank) >= 12
    template = SHAPES_TEMPLATE.read_text(encoding="utf-8")
    for shape in bank:
        assert shape in library.KINDS, f"{shape} is not drawn"
        assert library.THINGS[shape].get("shape") == shape
        assert f'"{shape}"' in template.split("{% set ORDER")[1].split("%}")[0], f"{shape} not in the shapes template's ORDER"


# Area of each new shape at size 1 in design px², from objects.scene's numbers: the
# regular polygons' circumradius and the half disc's radius.
NEW_SHAPES = {
    "pentagon": ("#F15BB5", 2.5 * 98 ** 2 * math.sin(math.radians(72))),
    "hexagon": ("#FF9F1C", 3 * math.sqrt(3) / 2 * 98 ** 2),
    "octagon": ("#E63946", 2 * math.sqrt(2) * 98 ** 2),
    "semicircle": ("#00BBF9", math.pi * 100 ** 2 / 2),
}
CELL = 160  # px: each shape in a cell of its own
SIZE = 4.5  # about 0.6 of a cell across


def test_the_new_shapes_have_their_colour_and_their_area(render_scene):
    width, height = CELL * len(NEW_SHAPES), CELL
    px_per_design = height / 1080 * SIZE
    lines = [f'{{% import "{(LIB / "objects.scene").as_posix()}" as obj %}}', 'video "shapes" {\n}', "scene s {",
             "    background solid #FFFFFF"]
    for i, shape in enumerate(NEW_SHAPES):
        lines.append(f'    {{{{ obj.draw("{shape}", "s{i}", {100 * (i + 0.5) / len(NEW_SHAPES):.3f}, 50, {SIZE}) }}}}')
    lines += ["    wait 0.2s", "}"]
    frame = render_scene("\n".join(lines) + "\n", quality="high", size=(width, height), fps=10).frames[0][..., :3]
    frame = frame.astype(int)
    for i, (shape, (colour, area)) in enumerate(NEW_SHAPES.items()):
        rgb = np.array([int(colour[j:j + 2], 16) for j in (1, 3, 5)])
        cell = frame[:, i * CELL:(i + 1) * CELL]
        centre = cell[CELL // 2, CELL // 2]
        assert np.abs(centre - rgb).max() < 40, f"{shape}: centre is {centre}, not {colour}"
        # Its area: the shape's own and its outline's outer half (7 to 11 % more here), so a
        # hexagon drawn in the octagon's place (9 % larger) fails.
        inked = (np.abs(cell - 255).max(axis=2) > 60).sum()
        expected = area * px_per_design ** 2
        assert expected < inked < 1.15 * expected, f"{shape}: {inked} px inked, expected about {expected:.0f}"
