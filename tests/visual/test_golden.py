"""Golden frames of every element kind, transition, easing, character expression
and gesture, library object and background (see tests/visual/golden.py).

The cases come from the libraries' own listings (ELEMENTS, TRANSITIONS, EASINGS,
EXPRESSIONS, each character's gestures, objects.scene's KINDS, BACKDROPS), so a
new asset is a new case the day it is added; it fails until its control data is
rendered, looked at and committed (`pytest tests/visual --update-golden`).
"""
from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

import storyreel
from storyreel.dsl.compiler import DIRECTIONS, TRANSITIONS
from storyreel.dsl.elements import ELEMENTS
from storyreel.engine.raster.backdrops import BACKDROPS
from storyreel.engine.characters import EXPRESSIONS, load_character
from storyreel.engine.characters import available_characters
from storyreel.engine.timeline.easing import EASINGS
from storyreel.engine.raster.particles import STYLES as PARTICLE_STYLES
from visual import golden as g

PAPER = "#FFF8E7"


def scene(body: str, background: str = f"background solid {PAPER}", cast: str = "") -> str:
    """One scene of `body` steps (each on its own line) and a short wait."""
    steps = "\n".join(f"    {line.strip()}" for line in body.strip().splitlines())
    return f'video "golden" {{\n}}\n{cast}scene a {{\n    {background}\n{steps}\n    wait 0.5s\n}}\n'


# -- element kinds --------------------------------------------------------------------------------
# Design pixels: the canvas is 1920x1080 design px whatever its size (72 px high here).
# A new kind in dsl/elements.py ELEMENTS needs a scene here (the test says so).

ELEMENT_SCENES: dict[str, tuple[str, tuple[float, ...]]] = {
    "text": ('t = text "Hi, Luna!" size 300 color #3A2E5C font rounded weight bold outline #FFD93D 14\n'
             "t: typewriter 0.8s", (0.3, 0.9)),
    "rect": ("r = rect size 1000 600 radius 120 fill #4D96FF stroke #2B2D42 24 rotate 12", (0.5,)),
    "circle": ("c = circle radius 380 fill #FF6B6B stroke #2B2D42 24", (0.5,)),
    "ellipse": ("e = ellipse size 1400 600 fill #FFD93D stroke #2B2D42 24 rotate -15", (0.5,)),
    "line": ("l = line from (10%, 85%) to (90%, 15%) stroke #2B2D42 40", (0.5,)),
    "polygon": ("p = polygon sides 6 radius 420 fill #6BCB77 stroke #2B2D42 20\n"
                "q = polygon points (5%, 90%) (30%, 60%) (25%, 95%) fill #9D4EDD", (0.5,)),
    "star": ("s = star points 5 radius 460 inner 0.45 fill #FFD93D stroke #2B2D42 20", (0.5,)),
    "path": ('p = path "M -600 200 C -300 -500 300 -500 600 200 Q 0 500 -600 200 Z" fill #4D96FF '
             "stroke #2B2D42 20", (0.5,)),
    "image": ('i = image "pic.png" width 1500', (0.5,)),
    "svg": ('s = svg "logo.svg" height 800', (0.5,)),
    "group": ("g = group at (50%, 50%) rotate 20 scale 1.2 {\n"
              "b = rect size 600 400 radius 40 fill #4D96FF\n"
              "c = circle at (300, -200) radius 150 fill #FF6B6B opacity 0.8\n"
              "}\n"
              "g: move to (60%, 55%) 1s ease linear", (0.25, 0.75)),
    "video": ('v = video "clip.mov" size 100% 100% fit stretch muted', (0.05, 0.45, 0.85)),
    "lottie": ('b = lottie "ball.json" size 90% 90%', (0.05, 0.5, 0.95)),
    "particles": ("fx = particles confetti count 60 seed 3", (0.3, 0.9)),
}
# Particles are a few pixels each at this size: they are drawn on ink, where snow and stars show.
PARTICLES_BACKGROUND = "background solid #2B2D42"


def element_cases():
    cases = [pytest.param(kind, id=kind) for kind in ELEMENTS]
    cases += [pytest.param(f"particles-{style}", id=f"particles-{style}") for style in PARTICLE_STYLES]
    return cases


def element_scene(case: str) -> tuple[str, tuple[float, ...]]:
    if case.startswith("particles-"):
        style = case.split("-", 1)[1]
        return f"fx = particles {style} count 60 seed 3", (0.3, 0.9)
    return ELEMENT_SCENES[case]


@pytest.mark.parametrize("case", element_cases())
def test_element(golden, media, case):
    if case not in ELEMENT_SCENES and not case.startswith("particles-"):
        pytest.fail(f"element kind '{case}' (dsl/elements.py ELEMENTS) has no golden scene: add one to "
                    f"ELEMENT_SCENES in {Path(__file__).name}, then run: {g.UPDATE_HINT}", pytrace=False)
    if case == "lottie":
        pytest.importorskip("rlottie_python", reason="the optional lottie extra (rlottie-python) is not installed")
    body, times = element_scene(case)
    background = PARTICLES_BACKGROUND if case.startswith("particles") else f"background solid {PAPER}"
    golden("elements", case, scene(body, background), times, folder=media)


# -- compositing -----------------------------------------------------------------------------------
# Colour filters, masks and clip paths, blend modes, flips and skew (dsl/compositing.py): element
# options, not kinds, so they are listed here by hand, a few to a case.

PICTURE = ("{name} = group at ({x}%, 50%) {options} {{\n"
           "{name}_sky = rect size 820 620 fill #8ED1FC\n"
           "{name}_sun = circle at (230, -170) radius 90 fill #FFD93D\n"
           "{name}_hill = ellipse at (-120, 260) size 900 340 fill #6BCB77\n"
           "{name}_house = rect at (40, 90) size 220 180 fill #FF6B6B\n"
           "}}")
COMPOSITING_SCENES: dict[str, tuple[str, tuple[float, ...]]] = {
    "filters": ("\n".join([PICTURE.format(name="a", x=25, options="sepia vignette 0.8"),
                           PICTURE.format(name="b", x=75, options="hue 150 saturation 1.5"),
                           "a: brightness to 1.4 0.4s"]), (0.05, 0.45)),
    "masks": ("\n".join(["ring = circle at (25%, 50%) radius 200",
                         PICTURE.format(name="a", x=25, options="mask ring"),
                         'word = text "OK" at (75%, 50%) size 520 weight 900',
                         PICTURE.format(name="b", x=75, options="mask word"),
                         "hole = star at (50%, 85%) radius 90",
                         "card = rect at (50%, 85%) size 500 200 radius 40 fill #9D4EDD mask hole invert",
                         "ring: radius to 300 0.4s"]), (0.05, 0.45)),
    "blend": ("\n".join(["night = rect at (25%, 50%) size 800 800 radius 60 fill #1B1F3B",
                         "r = circle at (21%, 44%) radius 190 fill #FF0000 blend screen",
                         "g = circle at (29%, 44%) radius 190 fill #00FF00 blend screen",
                         "b = circle at (25%, 58%) radius 190 fill #0000FF blend screen",
                         "arrow = polygon points (0, 0) (360, 0) (560, 140) (360, 280) (0, 280) (120, 140) "
                         "at (72%, 30%) fill #FF6B6B blend multiply",
                         "back = polygon points (0, 0) (360, 0) (560, 140) (360, 280) (0, 280) (120, 140) "
                         "at (72%, 60%) fill #4D96FF flip blend multiply",
                         "lean = rect at (72%, 86%) size 440 180 fill #6BCB77 skew 25",
                         "lean: skew to -25 0.4s"]), (0.05, 0.45)),
}


@pytest.mark.parametrize("case", list(COMPOSITING_SCENES))
def test_compositing(golden, case):
    body, times = COMPOSITING_SCENES[case]
    golden("compositing", case, scene(body), times)


# -- backgrounds -----------------------------------------------------------------------------------
# Every built-in backdrop (engine/raster/backdrops.py BACKDROPS) and every other `background` form.

BACKGROUND_FORMS = {
    "solid": "background solid #DCEDC1",
    "gradient-vertical": "background gradient #FFE29A #FFA99F vertical",
    "gradient-horizontal": "background gradient #8EC5FC #E0C3FC #FFD93D horizontal",
    "gradient-radial": "background gradient #FFFFFF #4D96FF radial",
    "image-cover": 'background image "pic.png" fit cover',
    "image-contain": 'background image "pic.png" fit contain',
}


@pytest.mark.parametrize("name", [*BACKDROPS, *BACKGROUND_FORMS])
def test_background(golden, media, name):
    line = BACKGROUND_FORMS.get(name, f"background {name}")
    golden("backgrounds", name, scene("c = circle at (20%, 75%) radius 80 fill #E63946", background=line), (0.5,),
           folder=media)


# -- transitions -----------------------------------------------------------------------------------
# Scene a (red, a yellow star) then scene b (blue, a white circle), 1 s each, a 0.5 s
# transition from 0.5 s to 1 s, sampled before, at and after its midpoint.

def transition_cases():
    # slide and wipe in every direction; the others in their default one (the
    # direction code is shared, and tests/test_transitions.py checks it).
    for kind in TRANSITIONS:
        if kind in ("slide", "wipe"):
            yield from (pytest.param(f"{kind} {d}", id=f"{kind}-{d}") for d in DIRECTIONS)
        else:
            yield pytest.param(kind, id=kind)


@pytest.mark.parametrize("transition", transition_cases())
def test_transition(golden, transition):
    text = ('video "golden" {\n}\n'
            "scene a {\n    background solid #E63946\n"
            "    s = star at (30%, 50%) radius 300 fill #FFD93D\n    wait 1s\n}\n"
            f"transition {transition} 0.5s\n"
            "scene b {\n    background solid #4D96FF\n"
            "    c = circle at (70%, 50%) radius 250 fill #FFFFFF\n    wait 1s\n}\n")
    times = (0.45, 0.6, 0.75, 0.9) if transition != "cut" else (0.45, 0.55, 1.05)
    golden("transitions", transition.replace(" ", "-"), text, times)


# -- easings ---------------------------------------------------------------------------------------
# A full-height bar moving across the middle half of the frame in 1 s (room for the
# overshoot of back and elastic): a change of 1.5 % in progress moves its edges by
# about a pixel, a whole column of mismatched pixels.

@pytest.mark.parametrize("easing", list(EASINGS))
def test_easing(golden, easing):
    body = ("b = rect at (25%, 50%) size 4% 100% fill #4D96FF\n"
            f"b: move to (75%, 50%) over 1s ease {easing}")
    golden("easings", easing, scene(body), (0.1, 0.3, 0.5, 0.7, 0.9))


# -- characters ------------------------------------------------------------------------------------
# Expressions: a close-up of the face (the character at scale 3.5, its face in the
# middle of the frame). Gestures: the whole character, at a quarter, half and three
# quarters of the gesture.

# Luna and Sunny, the hand-drawn pair; the cast library (characters drawn by
# scripts/draw_cast.py) is checked by tests/test_cast_library.py instead of 700 golden frames.
CHARACTERS = [c for c in available_characters() if c in ("luna", "sunny")]
FACE_SCALE = 3.5
BODY_SCALE = 1.5


def character_cast(char_id: str, at: tuple[float, float], scale: float) -> str:
    return f"cast {{\n    {char_id} = character {char_id} at ({at[0]:g}%, {at[1]:.2f}%) scale {scale:g}\n}}\n"


def face_close_up(char_id: str) -> str:
    """A cast line putting the face (about 0.68 of the height above the feet) in the middle."""
    c = load_character(char_id)
    unit = g.SIZE[1] / 1080  # canvas px per design px
    feet_y = g.SIZE[1] / 2 + 0.68 * c.height * FACE_SCALE * unit
    return character_cast(char_id, (50, 100 * feet_y / g.SIZE[1]), FACE_SCALE)


@pytest.mark.parametrize("char_id, expression", [pytest.param(c, e, id=f"{c}-{e}")
                                                 for c in CHARACTERS for e in EXPRESSIONS])
def test_character_expression(golden, char_id, expression):
    text = scene(f"{char_id}: expression {expression}", background="background solid #EAF4F4",
                 cast=face_close_up(char_id))
    golden("expressions", f"{char_id}-{expression}", text, (0.4,))


@pytest.mark.parametrize("char_id, gesture", [pytest.param(c, name, id=f"{c}-{name}")
                                              for c in CHARACTERS for name in load_character(c).gestures])
def test_character_gesture(golden, char_id, gesture):
    duration = load_character(char_id).gestures[gesture].duration
    text = scene(f"{char_id}: {gesture}", background="background solid #EAF4F4",
                 cast=character_cast(char_id, (50, 97), BODY_SCALE))
    golden("gestures", f"{char_id}-{gesture}", text, tuple(round(duration * f, 3) for f in (0.25, 0.5, 0.75)))


# -- the template object library -------------------------------------------------------------------
# Every kind of templates/_lib/objects.scene (its KINDS), every feeling face and a
# letter. All of them are compiled once, as one video of one-second scenes (the
# library's Jinja import is most of the time), and each test renders its own scene.

OBJECTS = Path(storyreel.__file__).resolve().parent / "templates" / "_lib" / "objects.scene"
OBJECT_SIZE = 3.5  # about 700 design px, 47 px here


def object_kinds() -> list[str]:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(OBJECTS.parent)))
    return list(env.get_template(OBJECTS.name).module.KINDS)


def feelings() -> list[str]:
    text = OBJECTS.read_text(encoding="utf-8")
    macro = text[text.index("{% macro feeling_face"):]
    macro = macro[:macro.index("{% endmacro %}")]
    return re.findall(r'feeling == "(\w+)"', macro)


OBJECT_CASES = {kind: f'{{{{ obj.draw("{kind}", "o", 50, 50, {OBJECT_SIZE}) }}}}' for kind in object_kinds()}
OBJECT_CASES.update({f"feeling-{f}": f'{{{{ obj.feeling_face("o", "{f}", 50, 50, {OBJECT_SIZE}) }}}}'
                     for f in feelings()})
OBJECT_CASES["letter"] = f'{{{{ obj.letter("o", "Aa", 50, 50, {OBJECT_SIZE}) }}}}'


@pytest.fixture(scope="session")
def object_video(tmp_path_factory):
    scenes = "".join(f"scene s{i} {{\n    background solid {PAPER}\n    {line}\n    wait 1s\n}}\n"
                     for i, line in enumerate(OBJECT_CASES.values()))
    text = f'{{% import "{OBJECTS.as_posix()}" as obj %}}\nvideo "objects" {{\n}}\n{scenes}'
    timeline = g.compile_text(text, tmp_path_factory.mktemp("objects"))
    assert len(timeline.scenes) == len(OBJECT_CASES)
    return timeline, {name: timeline.scenes[i] for i, name in enumerate(OBJECT_CASES)}


@pytest.mark.parametrize("name", list(OBJECT_CASES))
def test_object(object_video, update_golden, name):
    timeline, scenes = object_video
    s = scenes[name]
    t = round((s.start + s.end) / 2, 6)
    frames = g.render_frames(timeline, (t,))
    g.check_frames("objects", name, frames, (t - s.start,), update_golden)


# -- no stale control data -------------------------------------------------------------------------

def expected_control() -> set[str]:
    names = {f"elements/{p.values[0]}" for p in element_cases()}
    names |= {f"backgrounds/{n}" for n in [*BACKDROPS, *BACKGROUND_FORMS]}
    names |= {f"transitions/{p.values[0].replace(' ', '-')}" for p in transition_cases()}
    names |= {f"easings/{e}" for e in EASINGS}
    names |= {f"expressions/{c}-{e}" for c in CHARACTERS for e in EXPRESSIONS}
    names |= {f"gestures/{c}-{n}" for c in CHARACTERS for n in load_character(c).gestures}
    names |= {f"objects/{n}" for n in OBJECT_CASES}
    names |= {f"compositing/{n}" for n in COMPOSITING_SCENES}
    return names


def test_every_control_file_belongs_to_a_case():
    """A control file whose asset was renamed or removed is stale: delete it."""
    found = {p.relative_to(g.CONTROL_DIR).with_suffix("").as_posix() for p in g.CONTROL_DIR.glob("*/*.npz")}
    stale = sorted(found - expected_control())
    assert not stale, f"control data without a golden case (delete it): {', '.join(stale)}"
