"""The cast library: 38 story characters (characters/<id>/, drawn by scripts/draw_cast.py).

Each one loads, draws every expression, mouth shape and gesture (pixels inside its
stated height, feet on the ground line), changes its picture when it jumps or plays
a gesture of its own, speaks with its own voice in both providers (deep voices
lower than small ones), and shows up in `render characters`. Figures are drawn
small (a quarter of design size) so the whole library takes a few seconds.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import skia
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.engine.characters import EXPRESSIONS, VISEMES, available_characters, load_character
from storyreel.engine.characters.motion import gesture as gesture_tracks
from storyreel.engine.characters.painter import paint_character
from storyreel.engine.timeline.display import Node
from storyreel.engine.speech import FALLBACK_VOICES, VOICES, synthesize

ROOT = Path(__file__).resolve().parent.parent
ANIMALS = ("tortoise hare fox crow lion mouse bear owl wolf pig duck hen dog cat cow sheep horse frog ant "
           "grasshopper bee butterfly fish elephant monkey giraffe penguin bird snail squirrel").split()
PEOPLE = "girl boy grandma grandpa king queen farmer teacher".split()
CAST = ANIMALS + PEOPLE
UNIT = 0.25  # canvas pixels per character unit
BACKGROUND = 0xFFFFFFFF


def draw(char_id: str, values: dict) -> tuple[np.ndarray, tuple[int, int]]:
    """The character drawn on white, feet at `origin`; returns RGBA pixels and the origin."""
    c = load_character(char_id)
    size = int(c.height * UNIT * 2.4)
    origin = (size // 2, int(size * 0.8))
    surface = skia.Surface(size, size)
    canvas = surface.getCanvas()
    canvas.clear(BACKGROUND)
    canvas.translate(*origin)
    paint_character(canvas, Node(char_id, "character", values, {"character": char_id, "unit": UNIT}), 1.0, None)
    return surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType), origin


def inked(pixels: np.ndarray) -> np.ndarray:
    return np.any(pixels[..., :3] < 245, axis=-1)


def values_at(char_id: str, name: str, fraction: float) -> dict:
    """The gesture's channel values `fraction` of the way through it."""
    c = load_character(char_id)
    g = c.gestures[name]
    t = g.duration * fraction
    values = {}
    for track, segments in gesture_tracks(c, g, 0.0).items():
        for s in segments:
            if s.start <= t <= s.end:
                k = (t - s.start) / max(s.end - s.start, 1e-9)
                values[track] = s.from_value + (s.to_value - s.from_value) * k
                break
    return values


def test_the_library_has_every_story_character():
    assert len(CAST) == 38 == len(set(CAST))
    assert set(CAST) <= set(available_characters())
    for char_id in CAST:
        c = load_character(char_id)
        assert c.id == char_id and c.name and c.personality
        assert c.voice.preset == char_id and char_id in VOICES and (char_id, "espeak") in FALLBACK_VOICES


@pytest.mark.parametrize("char_id", CAST)
def test_every_face_and_mouth_is_drawn_inside_the_height_box_on_the_ground(char_id):
    c = load_character(char_id)
    neutral, (ox, oy) = draw(char_id, {})
    states = [{"expression": e} for e in EXPRESSIONS] + [{"mouth": c.visemes[v]} for v in VISEMES]
    faces = set()
    for values in states:
        pixels, _ = draw(char_id, values)
        mask = inked(pixels)
        assert mask.sum() > (c.height * UNIT) ** 2 * 0.1, f"{char_id} {values} is (nearly) blank"
        rows, cols = np.nonzero(mask)
        assert rows.min() >= oy - c.height * UNIT - 1, f"{char_id} {values} reaches above its height"
        assert abs(rows.max() - oy) <= 2, f"{char_id}'s feet are not on the ground line"
        assert np.abs(cols - ox).max() <= c.height * UNIT, f"{char_id} {values} is wider than its height box"
        faces.add(pixels.tobytes())
    # Each expression and mouth shape is a picture of its own (the face reads).
    assert len(faces) >= len(EXPRESSIONS) + len(VISEMES) - 2, f"{char_id}: some faces are the same picture"


@pytest.mark.parametrize("char_id", CAST)
def test_every_gesture_plays_and_its_own_gestures_move_it(char_id):
    c = load_character(char_id)
    neutral, _ = draw(char_id, {})
    assert {"wave", "jump", "nod"} <= set(c.gestures)
    own = [name for name in c.gestures if name in ("wave", "flap", "swim", "trumpet", "wag", "jump")]
    for name in c.gestures:
        for fraction in (0.25, 0.5):
            pixels, _ = draw(char_id, values_at(char_id, name, fraction))
            assert inked(pixels).sum() > (c.height * UNIT) ** 2 * 0.1, f"{char_id} {name} is blank"
        if name in own:
            moved = max(np.abs(draw(char_id, values_at(char_id, name, f))[0].astype(int) - neutral).sum()
                        for f in (0.25, 0.4, 0.5))
            assert moved > 0, f"{char_id}'s {name} does not move anything"


def test_birds_flap_insects_have_six_legs_and_the_fish_swims():
    for bird in ("owl", "crow", "duck", "hen", "penguin", "bird", "bee", "butterfly"):
        assert "flap" in load_character(bird).gestures
    for insect in ("ant", "bee", "grasshopper", "butterfly"):
        limbs = [p for p in load_character(insect).part_ids()
                 if p.startswith(("arm_", "arm_mid_", "leg_")) and p.endswith(("_l", "_r"))]
        assert len(limbs) == 6, (insect, limbs)
    assert "swim" in load_character("fish").gestures
    assert "trumpet" in load_character("elephant").gestures


def test_big_animals_are_bigger_than_small_ones_and_small_ones_stay_readable():
    height = {c: load_character(c).height for c in CAST + ["luna"]}
    assert height["giraffe"] > height["elephant"] > height["mouse"]
    assert height["bear"] > height["luna"] > height["mouse"]
    for small in ("mouse", "ant", "bee", "bird", "snail", "frog", "fish", "tortoise", "butterfly"):
        assert 200 <= height[small] <= 360, (small, height[small])


def f0_median(samples: np.ndarray, rate: int) -> float:
    """The median pitch (Hz) of the voiced 40 ms frames, by autocorrelation."""
    frame, out = int(0.04 * rate), []
    for i in range(0, samples.size - frame, frame):
        w = samples[i:i + frame] * np.hanning(frame)
        if np.sqrt(np.mean(w ** 2)) < 0.02:
            continue
        ac = np.correlate(w, w, "full")[frame - 1:]
        lo, hi = rate // 500, rate // 70
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] > 0.3 * ac[0]:
            out.append(rate / k)
    return float(np.median(out))


def test_every_voice_speaks_and_deep_voices_are_lower_than_small_ones(tmp_path):
    pitch = {}
    for char_id in CAST:
        speech = synthesize("Hello, my friend!", char_id, cache_dir=tmp_path)
        assert speech.duration > 0.4 and np.abs(speech.samples).max() > 0.05, char_id
        if char_id in ("lion", "bear", "grandpa", "mouse", "bird", "hare"):
            pitch[char_id] = f0_median(speech.samples, speech.sample_rate)
    for deep in ("lion", "bear", "grandpa"):
        for small in ("mouse", "bird", "hare"):
            assert pitch[deep] < 0.75 * pitch[small], (deep, small, pitch)


def test_every_voice_has_an_espeak_fallback_that_speaks(tmp_path):
    for char_id in CAST:
        speech = synthesize("Hello!", char_id, provider="espeak", cache_dir=tmp_path)
        assert speech.provider == "espeak" and speech.duration > 0.2, char_id


def test_the_hare_is_quicker_than_the_tortoise(tmp_path):
    line = "The race is long, but I will get there in the end."
    hare = synthesize(line, "hare", cache_dir=tmp_path).duration
    tortoise = synthesize(line, "tortoise", cache_dir=tmp_path).duration
    assert hare < 0.8 * tortoise


def test_render_characters_shows_the_whole_cast(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STORYREEL_CHARACTERS", raising=False)
    result = CliRunner().invoke(main, ["characters", "-o", "cast.png"])
    assert result.exit_code == 0, result.output
    names = available_characters()
    assert len(names) >= 40 and f"({len(names)} characters)" in result.stderr
    pixels = skia.Image.open(str(tmp_path / "cast.png")).toarray(colorType=skia.kRGBA_8888_ColorType)
    from storyreel.engine.characters.sheet import CAST_COLUMNS, CAST_H, CAST_W
    paper = pixels[5, 5, :3].astype(int)
    for i, name in enumerate(names):  # every cell has a figure in it
        x, y = 20 + (i % CAST_COLUMNS) * CAST_W, 20 + (i // CAST_COLUMNS) * CAST_H
        cell = pixels[y:y + CAST_H - 40, x:x + CAST_W, :3].astype(int)
        assert (np.abs(cell - paper).sum(axis=-1) > 60).sum() > 400, f"{name}'s cell is empty"


def test_the_cast_in_a_scene_is_drawn_where_it_stands(render_scene):
    """A rendered, decoded frame: the hare (brown) on the left, the tortoise's shell on the right."""
    video = render_scene("""
        video "Race" {
        }
        cast {
            hare = character hare at (28%, 92%)
            tortoise = character tortoise at (72%, 92%)
        }
        scene s {
            background solid #EAF4F4
            hare: expression happy
            tortoise: expression neutral
            wait 0.5s
        }
        """)
    frame = video.at(0.2).astype(int)
    hare_fur, shell = np.array([0xC4, 0x9A, 0x6C]), np.array([0xB0, 0x7A, 0x3E])
    left, right = frame[:, :160], frame[:, 160:]
    near = lambda px, c: (np.abs(px - c).max(axis=-1) <= 12).sum()  # noqa: E731
    assert near(left, hare_fur) > 150 and near(right, hare_fur) < near(left, hare_fur) / 4
    assert near(right, shell) > 100 and near(left, shell) < near(right, shell) / 4


def test_the_generator_reproduces_the_committed_files():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "draw_cast.py"), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_side_on_animals_cross_the_frame_as_drawn_and_upright_ones_turn(compile_scene):
    """The cow, the tortoise (and the other animals drawn side-on) walk at view 0:
    the rig's made-up side view would narrow them; the hare turns to its side view."""
    timeline = compile_scene("""
        video "Walk" {
        }
        cast {
            tortoise = character tortoise at (20%, 92%)
            hare = character hare at (20%, 60%)
        }
        scene s {
            background solid #EAF4F4
            tortoise: move to (70%, 92%) & hare: move to (80%, 60%)
            tortoise: face left
            tortoise: sit
        }
        """)
    layers = {layer.id: layer for layer in timeline.scenes[0].layers}
    tortoise, hare = layers["tortoise"].tracks, layers["hare"].tracks
    assert max(s.to_value for s in tortoise["walk"].segments) > 2  # it walked, legs going
    assert "view" not in tortoise or all(s.to_value == 0 for s in tortoise["view"].segments)
    assert max(s.to_value for s in hare["view"].segments) == 1.0


def test_their_own_gestures_are_actions_in_a_scene(compile_scene):
    timeline = compile_scene("""
        video "Own gestures" {
        }
        cast {
            owl = character owl at (20%, 92%)
            fish = character fish at (45%, 92%)
            elephant = character elephant at (75%, 92%) scale 0.5
            dog = character dog at (90%, 92%) scale 0.5
        }
        scene s {
            background solid #EAF4F4
            owl: flap & fish: swim & elephant: trumpet & dog: wag
        }
        """)
    layers = {layer.id: layer.tracks for layer in timeline.scenes[0].layers}
    for name, track in (("owl", "pose.arm_r"), ("fish", "pose.tail"), ("elephant", "pose.trunk"),
                        ("dog", "pose.tail")):
        assert max(abs(s.to_value) for s in layers[name][track].segments) >= 15, (name, track)
