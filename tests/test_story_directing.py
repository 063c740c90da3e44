"""The storybook director (dsl/story_director.py) and how templates/storybook/book.scene
stages its decisions: who is on stage, where they stand, what they do, where the
words go by age and shape of screen, the author's own pictures, --emit-scene.

Pixels come from frames rendered at low resolution (engine.render_frame); where a
thing is comes from rendering the page again without it and looking at what changed."""
from __future__ import annotations

import dataclasses
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.dsl import CompileOptions, load_scene
from storyreel.dsl.story import plan_pages, parse_story, storybook_template, storybook_variables
from storyreel.dsl.story_director import cast_story, direct_page
from storyreel.dsl.story_reader import CharacterFacts, PageFacts, Speech
from storyreel.engine import render_frame
from storyreel.engine.raster.backdrops import GROUND

WIDE = (320, 180)
TALL = (180, 320)

FABLE = """\
The Hare and the Tortoise

The hare laughed at the tortoise. "You are so slow!" said the hare.

The tortoise smiled at the hare. "Let us race," said the tortoise.

The hare and the tortoise raced across the meadow. The hare ran far ahead.

In the warm afternoon sun, the hare took a nap under a tree.

The tortoise walked on and on, and the tortoise won the race. The hare was sorry.
"""


def facts(*characters, speeches=(), props=(), setting="meadow"):
    return PageFacts(tuple(characters), tuple(speeches), setting, "day", "clear", tuple(props))


def staged(text: str = FABLE, age: int = 4, size=WIDE, preset=None):
    story = parse_story(textwrap.dedent(text))
    pages = plan_pages(story)
    loaded = load_scene(storybook_template(), storybook_variables(story, pages, age),
                        CompileOptions(size=size, preset=preset))
    return pages, loaded


def layers_of(layers):
    for layer in layers:
        yield layer
        yield from layers_of(layer.children)


def find(scene, layer_id):
    return next(layer for layer in layers_of(scene.layers) if layer.id == layer_id)


def without(timeline, ids: set[str]):
    """The timeline with the layers `ids` left out of every scene (to see where they were)."""
    def strip(layers):
        return tuple(dataclasses.replace(layer, children=strip(layer.children)) for layer in layers
                     if layer.id not in ids)
    return dataclasses.replace(timeline, scenes=tuple(dataclasses.replace(s, layers=strip(s.layers))
                                                      for s in timeline.scenes))


def changed(timeline, ids: set[str], t: float) -> np.ndarray:
    """Where the layers `ids` are drawn at `t`: the pixels that change without them."""
    a = render_frame(timeline, t)[:, :, :3].astype(int)
    b = render_frame(without(timeline, ids), t)[:, :, :3].astype(int)
    return np.abs(a - b).sum(axis=2) > 30


def box(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    assert ys.size, "nothing drawn"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


# ── the director's decisions ──────────────────────────────────────────────────

def test_mocking_is_an_angry_face_not_a_jump_for_joy():
    hare = CharacterFacts("hare", "the hare", ("laugh",), "mocking")
    tortoise = CharacterFacts("tortoise", "the tortoise", (), "calm")
    cast = cast_story([hare, tortoise])
    stage = direct_page(facts(hare, tortoise, speeches=[Speech("You are slow!", "hare", "tortoise", "mocking", 1, 1)]),
                        cast, "happy")
    by = {a["name"]: a for a in stage["actors"]}
    assert by["hare"]["expression"] == "angry" and by["hare"]["act"] == "laugh"
    assert by["hare"]["facing"] == "right" and by["tortoise"]["facing"] == "left"  # they face each other


@pytest.mark.parametrize("verb, act, face", [("race", "run", "excited"), ("nap", "sleep", "sleepy"),
                                             ("cheer", "cheer", "excited"), ("hide", "hide", "scared"),
                                             ("give", "give", "happy"), ("look", "find", "surprised")])
def test_verbs_become_acts_and_faces(verb, act, face):
    fox = CharacterFacts("fox", "the fox", (verb,), "")
    stage = direct_page(facts(fox), cast_story([fox]), "neutral")
    assert (stage["actors"][0]["act"], stage["actors"][0]["expression"]) == (act, face)


def test_the_prop_the_camera_and_the_key_word():
    crow = CharacterFacts("crow", "the crow", (), "happy")
    fox = CharacterFacts("fox", "the fox", ("give",), "happy")
    cast = cast_story([crow, fox])
    giving = direct_page(facts(fox, crow, props=("dinosaur", "apple")), cast, "happy")
    assert giving["prop"] == "apple"  # the first the library can draw
    assert giving["camera"] == "cutin" and giving["key"] == "Give"
    assert giving["actors"][0]["toward"] == "crow"
    talk = direct_page(facts(fox, crow, speeches=[Speech("Hi!", "fox", "crow", None, 1, 1),
                                                  Speech("Hello!", "crow", "fox", None, 2, 1)]), cast, "happy")
    assert talk["camera"] == "pan"


def test_casting_uses_the_library_and_falls_back_to_luna_and_sunny():
    cast = cast_story([CharacterFacts("owl", "Owl", (), ""), CharacterFacts("dragon", "the dragon", (), ""),
                       CharacterFacts("goblin", "the goblin", (), ""), CharacterFacts("yeti", "the yeti", (), "")])
    assert cast == {"owl": ("owl", "owl"), "dragon": ("luna", "luna"), "goblin": ("sunny", "sunny")}


# ── staged and drawn ──────────────────────────────────────────────────────────

def test_the_fable_s_characters_stand_on_the_ground_in_the_middle_of_the_stage():
    pages, loaded = staged()
    tl = loaded.timeline
    assert pages[0].characters == ["hare", "tortoise"]
    assert [line["who"] for line in pages[0].lines] == ["narrator", "hare"]
    assert 'hare says "You are so slow!"' in loaded.expanded.text
    ground = GROUND["meadow"] * tl.height
    for n, page in enumerate(pages, start=1):
        scene = next(s for s in tl.scenes if s.name == f"page{n}")
        t = scene.end - 0.9  # settled: runners have arrived, before the page turns
        for actor in page.stage["actors"]:
            layer = find(scene, actor["name"])
            x = layer.tracks["x"].value_at(t - scene.start)
            assert 0.15 * tl.width < x < 0.85 * tl.width, (n, actor["name"], x)  # not at the far edges
            mask = changed(tl, {actor["name"]}, t)
            x0, y0, x1, y1 = box(mask)
            assert x1 > 0 and x0 < tl.width  # on screen
            # The feet on the ground line (the camera's slow push-in moves it a little).
            assert abs(y1 - ground) < 0.09 * tl.height, (n, actor["name"], y1, ground)
    # The nap: the hare dozes (z z Z over its head) in the afternoon sun, not at night.
    nap = pages[3]
    assert nap.stage["time"] == "day" and nap.stage["actors"][0]["act"] == "sleep"
    assert "hare_zzz = text" in loaded.expanded.text


def test_the_words_never_cover_a_face_or_the_prop():
    text = FABLE.replace("took a nap under a tree", "took a nap by a carrot")
    pages, loaded = staged(text)
    tl = loaded.timeline
    for n, page in enumerate(pages, start=1):
        scene = next(s for s in tl.scenes if s.name == f"page{n}")
        t = scene.end - 0.9
        words = changed(tl, {"card"} | {f"words{i}" for i in range(1, 9)}, t)
        _, _, _, card_bottom = box(words)
        names = {a["name"] for a in page.stage["actors"]} | ({"prop"} if page.stage["prop"] else set())
        _, top, _, _ = box(changed(tl, names, t))
        assert top > card_bottom, (n, top, card_bottom)
    assert any(p.stage["prop"] for p in pages)


@pytest.mark.parametrize("age", [2, 5])
def test_the_words_follow_the_age(age):
    pages, loaded = staged(age=age)
    text = loaded.expanded.text
    if age == 2:
        assert "key = text" in text and "words1 = text" not in text
        assert 'key = text "Laugh"' in text
    else:
        assert "key = text" not in text
        assert text.count("words1 = text") == len(pages)
        assert 'words2 = text "\u201cYou are so slow!\u201d"' in text


def test_upright_the_picture_is_restaged_not_shrunk():
    _, wide = staged()
    _, tall = staged(size=TALL, preset="shorts")
    scale = {}
    for name, loaded in (("wide", wide), ("tall", tall)):
        scene = next(s for s in loaded.timeline.scenes if s.name == "page1")
        hare = find(scene, "hare")
        scale[name] = hare.tracks["scale"].value_at(1.0)
        words = find(scene, "words1")
        line = words.tracks["size"].value_at(1.0) * 1.28 / loaded.timeline.height
        assert line >= (0.05 if name == "tall" else 0.04), (name, line)  # readable on a phone held upright
    assert scale["tall"] > scale["wide"] * 1.1  # bigger, closer


# ── the author's own pictures ─────────────────────────────────────────────────

def test_a_story_book_uses_the_author_s_pictures_and_falls_back_to_drawn_pages(tmp_path, monkeypatch):
    from storyreel.engine.encode.frames import write_png

    (tmp_path / "art").mkdir()
    picture = np.zeros((90, 160, 4), np.uint8)
    picture[..., 2] = 200
    picture[..., 3] = 255
    write_png(picture, tmp_path / "art" / "one.png")
    (tmp_path / "story.yaml").write_text(textwrap.dedent("""\
        title: The Blue Day
        pages:
          - text: The whole sky was blue that day.
            image: art/one.png
            sound: chime
          - text: The fox walked in the forest.
          - text: Then the fox went home to sleep.
        """), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["story", ".", "--emit-scene", "book.scene", "--size", "160x90"])
    assert result.exit_code == 0, result.output
    scene = (tmp_path / "book.scene").read_text(encoding="utf-8")
    assert f'background image "{tmp_path / "art" / "one.png"}" fit cover' in scene
    assert "background: zoom 1.0 -> 1.12 over scene" in scene  # Ken Burns
    timeline = load_scene(tmp_path / "book.scene", None, CompileOptions(size=(160, 90))).timeline
    page1 = next(s for s in timeline.scenes if s.name == "page1")
    frame = render_frame(timeline, page1.end - 1.0)
    assert frame[80, 10, 2] > 150 and frame[80, 10, 0] < 60  # the author's blue picture, full frame
    assert "fox: x to" in scene.split("scene page2")[1]  # a page without a picture is drawn
    # A file that is not there is an error at its place in the YAML.
    (tmp_path / "bad.yaml").write_text("title: T\npages:\n  - text: Hi.\n    image: art/none.png\n", encoding="utf-8")
    bad = CliRunner().invoke(main, ["story", "bad.yaml", "-o", "bad.mp4"])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert "bad.yaml:4:12: error: image file not found: 'art/none.png'" in bad.output
    assert "^~~~" in bad.output


# ── --emit-scene: the director's decisions as a scene an author can edit ─────

def test_the_emitted_scene_renders_the_same_frames(tmp_path, monkeypatch):
    (tmp_path / "fable.txt").write_text(FABLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["story", "fable.txt", "--emit-scene", "fable.scene", "--size", "160x90"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "fable.scene").read_text(encoding="utf-8")
    assert "hare: x to" in text and "camera: zoom to" in text  # the decisions, readable
    story = parse_story(FABLE)
    direct = load_scene(storybook_template(), storybook_variables(story, plan_pages(story)),
                        CompileOptions(size=(160, 90))).timeline
    emitted = load_scene(tmp_path / "fable.scene", None, CompileOptions(size=(160, 90))).timeline
    assert emitted.duration == pytest.approx(direct.duration)
    for t in np.linspace(1.0, direct.duration - 1.0, 6):
        assert np.array_equal(render_frame(emitted, t), render_frame(direct, t)), t


# ── every story render passes its own checks ──────────────────────────────────

SHORT = """\
The Fox and the Hen

The fox met the hen on the farm. "Hello, Hen!" said the fox.

"Hello, Fox!" said the hen, and she gave him an apple.

The fox ate the apple and laughed. They were friends.
"""


@pytest.mark.parametrize("age, platform, size", [(2, "shorts", "180x320"), (5, "youtube", "320x180")])
def test_a_story_render_passes_check_video(tmp_path, monkeypatch, age, platform, size):
    """A representative pair at low resolution (the whole matrix of ages and platforms: bench/test_bench_story.py)."""
    (tmp_path / "fox.txt").write_text(SHORT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    made = runner.invoke(main, ["story", "fox.txt", "-o", "fox.mp4", "--platform", platform, "--size", size,
                                "--fps", "10", "--quality", "draft", "--age", str(age), "-q", "--no-extras"])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(main, ["check-video", "fox.mp4", "--platform", platform, "--age", str(age)])
    assert checked.exit_code == 0, checked.output
    assert "ok: every check passes" in checked.output
