"""Characters that act: pointing, waving, walking side-on, turning, poses,
gestures on characters without arms, and feet on the ground line.

Each test renders a short video through libx264, decodes it with PyAV and
measures the picture. Character units: origin between the feet, y down, one
unit is 720 / 1080 px at 1280x720 and scale 1.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from helpers import decode
from storyreel.cli import main
from storyreel.engine import render_video
from storyreel.engine.characters import load_character

SIZE = (1280, 720)
U = 720 / 1080
FPS = 10
BG = (0xBF, 0xD7, 0xEA)
SKIN = (0xFF, 0xE6, 0xD5)  # Luna's skin: her face and hands
LUNA = load_character("luna")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "CHARACTERS.md"


def scene(body: str, cast: str = "luna = character luna at (25%, 90%)") -> str:
    """A one-scene file; a cast member is on stage when the scene names it."""
    steps = textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
    return (f'video "t" {{\n}}\ncast {{\n    {cast}\n}}\n'
            f"scene a {{\n    background solid #BFD7EA\n{steps}\n}}\n")


@pytest.fixture
def film(compile_scene, tmp_path):
    """scene text -> (timeline, decoded video) at SIZE and FPS."""
    count = iter(range(100))

    def build(text: str, size=SIZE):
        timeline = compile_scene(text, size=size, fps=FPS)
        out = tmp_path / f"v{next(count)}.mp4"
        render_video(timeline, out, quality="draft")
        return timeline, decode(out)
    return build


def rgb(frame: np.ndarray) -> np.ndarray:
    return frame[..., :3].astype(np.int16)


def near(frame: np.ndarray, color, tol: int = 28) -> np.ndarray:
    return np.abs(rgb(frame) - np.array(color)).max(axis=-1) <= tol


def ink(frame: np.ndarray, tol: int = 40) -> np.ndarray:
    return np.abs(rgb(frame) - np.array(BG)).max(axis=-1) > tol


def changed(a: np.ndarray, b: np.ndarray, tol: int = 50) -> np.ndarray:
    return np.abs(rgb(a) - rgb(b)).max(axis=-1) > tol


def centroid(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    assert len(xs), "nothing found"
    return np.array([xs.mean(), ys.mean()])


def box_of(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    assert len(xs), "nothing found"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def face_and_hands(control: np.ndarray, frame: np.ndarray, feet_y: float):
    """(the face's skin, the moved hand's skin): the face is the skin above the
    shoulders in the control frame; the hand is skin that is new in `frame`."""
    skin_before, skin_now = near(control, SKIN), near(frame, SKIN)
    shoulders = int(feet_y - 200 * U)
    face = skin_before.copy()
    face[shoulders:] = False
    hand = skin_now & changed(frame, control)
    return face, hand


@pytest.mark.parametrize("side", ["right", "left"])
def test_pointing_hand_ends_nearer_the_target_than_the_head(film, side):
    x, tx = ("25%", "88%") if side == "right" else ("75%", "12%")
    cast = f"luna = character luna at ({x}, 90%)"
    apple = f"apple = circle at ({tx}, 55%) radius 14 fill #2A9D8F"
    _, pointing = film(scene(f"{apple}\nluna: point at apple\nwait 0.3s", cast))
    _, control = film(scene(f"{apple}\nluna: turn to apple\nwait 1.3s", cast))
    target = centroid(near(control.at(0.7), (0x2A, 0x9D, 0x8F), 30))
    for t in (0.5, 0.7, 0.9):
        face, hand = face_and_hands(control.at(t), pointing.at(t), 0.9 * 720)
        head_at, hand_at = centroid(face), centroid(hand)
        assert np.linalg.norm(hand_at - target) < np.linalg.norm(head_at - target) - 60 * U, (t, hand_at, head_at)
        # The hand is out in the open, not on the face (nose-picking).
        fx0, fy0, fx1, fy1 = box_of(face)
        hx0, hy0, hx1, hy1 = box_of(hand)
        assert hx1 <= fx0 or hx0 >= fx1 or hy0 >= fy1, (t, box_of(face), box_of(hand))


def test_wave_hand_is_above_the_shoulder_and_off_the_face(film):
    _, waving = film(scene("luna: wave\nwait 0.3s", "luna = character luna at (50%, 90%)"))
    _, control = film(scene("luna: expression neutral\nwait 1.5s\nwait 0.3s", "luna = character luna at (50%, 90%)"))
    feet_y = 0.9 * 720
    shoulder_y = feet_y + LUNA.part("arm_r").pivot[1] * U
    for t in (0.3, 0.7, 1.1):  # the raised keys of engine/characters/gestures.yaml's wave
        face, hand = face_and_hands(control.at(t), waving.at(t), feet_y)
        assert hand.sum() > 60, t  # the hand is drawn, in front of the hair
        hx0, hy0, hx1, hy1 = box_of(hand)
        fx0, fy0, fx1, fy1 = box_of(face)
        assert hy1 < shoulder_y, (t, hy1, shoulder_y)
        assert hx0 >= fx1 or hx1 <= fx0, (t, box_of(hand), box_of(face))
    # Down again at the end.
    assert not changed(waving.at(1.7), control.at(1.7)).sum() > 20


def test_walk_crosses_the_frame_side_on_with_legs_alternating(film):
    # Half size: a walk across the frame is 30 frames.
    timeline, v = film(scene("luna: walk to (80%, 90%)\nwait 0.3s", "luna = character luna at (20%, 90%)"), (640, 360))
    luna = next(layer for layer in timeline.scenes[0].layers if layer.id == "luna")
    end = luna.tracks["x"].segments[-1].end
    assert luna.tracks["view"].value_at(end / 2) == 1.0  # side view while walking
    feet_y = int(0.9 * 360)
    centres, spans = [], []
    for t in np.arange(0.1, end, 0.1):
        drawn = ink(v.at(t))
        x0, _, x1, _ = box_of(drawn)
        centres.append((x0 + x1) / 2)
        feet = drawn[feet_y - int(10 * U):feet_y + 1]
        fx0, _, fx1, _ = box_of(feet)
        spans.append(fx1 - fx0)
    assert centres[-1] - centres[0] > 0.5 * 640  # across the frame, left to right
    assert all(b >= a - 2 for a, b in zip(centres, centres[1:]))
    # The feet spread and come together again, step after step.
    wide, narrow = max(spans), min(spans)
    assert wide > 1.5 * narrow, spans
    crossings = sum((a - (wide + narrow) / 2) * (b - (wide + narrow) / 2) < 0 for a, b in zip(spans, spans[1:]))
    assert crossings >= 4, spans


def test_side_view_turns_the_figure_not_only_mirrors_it(film):
    cast = "luna = character luna at (50%, 90%)"
    _, front = film(scene("luna: expression neutral\nwait 1s", cast))
    _, side = film(scene("luna: face right side\nwait 1s", cast))
    a, b = front.at(0.8), side.at(0.8)
    head_row = int(0.9 * 720 - 300 * U)
    def width(frame):
        xs = np.nonzero(ink(frame)[head_row])[0]
        return xs.max() - xs.min()
    assert width(b) < 0.85 * width(a)
    # The face slides towards the way she faces: her face's skin moves right.
    assert centroid(near(b, SKIN)[: head_row + int(100 * U)])[0] > \
        centroid(near(a, SKIN)[: head_row + int(100 * U)])[0] + 15 * U


def minimal_character() -> dict:
    """docs/CHARACTERS.md's minimal example, as data (so the doc is checked too)."""
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("## Minimal example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    return yaml.safe_load(block)


@pytest.fixture
def armless(tmp_path, monkeypatch):
    """The doc's example without its arms, as character `blob` (a snail has none either)."""
    data = minimal_character()
    for part in data["parts"]:
        part["children"] = [c for c in part.get("children", []) if not c["id"].startswith("arm")]
    folder = tmp_path / "chars" / "blob"
    folder.mkdir(parents=True)
    (folder / "character.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("STORYREEL_CHARACTERS", str(tmp_path / "chars"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_docs_minimal_character_loads(tmp_path, monkeypatch):
    folder = tmp_path / "chars" / "blob"
    folder.mkdir(parents=True)
    (folder / "character.yaml").write_text(yaml.safe_dump(minimal_character()), encoding="utf-8")
    blob = load_character(str(folder))
    assert {"clap", "cheer", "think", "wave"} <= set(blob.gestures)


def test_a_character_without_arms_plays_arm_gestures(armless, film):
    cast = "blob = character blob at (50%, 90%)"
    acts = "blob: clap\nblob: cheer\nblob: think\nblob: jump for joy\nblob: point at (90%, 30%)\nblob: shrug"
    (armless / "t.scene").write_text(scene(acts, cast), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "t.scene"])
    assert result.exit_code == 0, result.output
    timeline, clapping = film(scene("blob: clap\nwait 0.2s", cast))
    _, still = film(scene("blob: expression neutral\nwait 1.1s\nwait 0.2s", cast))
    assert [c.source for c in timeline.audio if c.kind == "sound"] == ["clap"] * 3
    # No arms: the clap is the body's bounce.
    assert changed(clapping.at(0.25), still.at(0.25)).sum() > 50


@pytest.mark.parametrize("who", ["luna", "sunny"])
def test_feet_stay_on_the_ground_line(film, who):
    cast = f"{who} = character {who} at (30%, 80%)"
    timeline, v = film(scene(f"wait 0.5s\n{who}: walk to (70%, 80%) 1.6s\n{who}: sit\nwait 0.5s\n"
                             f"{who}: lie down\nwait 0.5s", cast))
    ground = 0.8 * 720
    me = next(layer for layer in timeline.scenes[0].layers if layer.id == who)
    walk = me.tracks["x"].segments[-1]
    sat = me.tracks["sit"].segments[-1].end
    lying = me.tracks["lie"].segments[-1].end
    times = [0.3, *np.arange(walk.start + 0.25, walk.end - 0.2, 0.1), sat + 0.2, lying + 0.2]
    for t in times:
        _, _, _, bottom = box_of(ink(v.at(t)))
        # The outline is drawn centred on the shapes: half its width hangs below the soles.
        assert abs(bottom - ground) <= 4, (t, bottom, ground)


def test_a_line_said_to_someone_turns_both_to_each_other(compile_scene):
    cast = "luna = character luna at (25%, 90%)\n    sunny = character sunny at (75%, 90%)"
    timeline = compile_scene(scene('luna says "Look at this!" to sunny\nwait 0.5s', cast), size=SIZE, fps=FPS)
    layers = {layer.id: layer for layer in timeline.scenes[0].layers}
    luna, sunny = layers["luna"], layers["sunny"]
    assert luna.tracks["facing"].value_at(0.5) == 1.0 and sunny.tracks["facing"].value_at(0.5) == -1.0
    assert luna.tracks["view"].value_at(0.5) == sunny.tracks["view"].value_at(0.5) == 0.5  # three-quarter
    assert sunny.tracks["look"].value_at(0.5)[0] > 0.8  # eyes on Luna


def test_a_line_to_nobody_is_a_located_error(write_scene):
    path = write_scene(scene('luna says "Look!" to'))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert "error: expected who the line is said to after 'to'" in result.stderr
    assert "Traceback" not in result.stderr


def test_views_in_the_data_hide_parts_and_turns_false_only_mirrors(armless, compile_scene):
    from storyreel.engine import render_frame

    data = minimal_character()
    data["views"] = {"side": {"hide": ["leg_r"]}}
    (armless / "chars" / "blob" / "character.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    blob = load_character(str(armless / "chars" / "blob"))
    assert blob.view_overrides(1.0)["hide"] == ("leg_r",) and blob.view_overrides(0.0) == {}
    folder = armless / "chars" / "flat"
    folder.mkdir()
    (folder / "character.yaml").write_text(yaml.safe_dump({**data, "id": "flat", "views": {"turns": False}}),
                                           encoding="utf-8")
    cast = "flat = character flat at (50%, 90%)"
    def frame(steps: str) -> np.ndarray:
        return render_frame(compile_scene(scene(steps, cast), size=(640, 360), fps=FPS), 0.6)
    front, side = frame("flat: expression neutral\nwait 1s"), frame("flat: face right side\nwait 1s")
    assert np.array_equal(ink(front), ink(side))  # drawn in profile already: nothing to turn


@pytest.mark.parametrize("who", ["luna", "sunny"])
def test_an_open_mouth_reads_at_phone_size(who):
    """A 1920x1080 frame shown 390 px wide: the open mouth of lip sync (viseme A)
    must still be several pixels tall, and the eyes bigger than a dot."""
    import skia

    from storyreel.engine.characters.painter import paint_character
    from storyreel.engine.timeline.display import Node

    c = load_character(who)
    phone = 390 / 1920  # canvas px per character unit at scale 1 in a 1080p frame, on the phone
    surface = skia.Surface(200, 200)
    canvas = surface.getCanvas()
    canvas.clear(0xFFFFFFFF)
    canvas.translate(100, 190)
    paint_character(canvas, Node(who, "character", {"mouth": c.visemes["A"]}, {"character": who, "unit": phone}),
                    1.0, None)
    pixels = surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)
    mouth = near(pixels, tuple(round(v * 255) for v in c.face.mouth_color[:3]), 40)
    centre = (int(100 + c.face.center_x * phone), int(190 + c.face.mouth_y * phone))
    around = mouth[centre[1] - 15:centre[1] + 15, centre[0] - 15:centre[0] + 15]  # the face, not the clothes
    rows = np.nonzero(around.any(axis=1))[0]
    assert len(rows) and rows.max() - rows.min() + 1 >= 5, rows
    assert c.face.eye_height * phone >= 5 and c.face.mouth_width * phone >= 10


def test_pointing_at_the_background_is_a_located_error_not_a_crash():
    # Found by the fuzz (a colours episode's mutant): the background layer has no position.
    import storyreel

    text = ('video "x" { preset youtube }\ncast {\n    luna = character luna at (12%, 97%)\n}\n'
            'scene a {\n    background meadow\n    luna: point at background\n    wait 1s\n}\n')
    with pytest.raises(storyreel.SceneError) as err:
        storyreel.load(text, size=(320, 180))
    assert err.value.location.line == 7 and err.value.location.column == 20
    assert "no place on the canvas" in str(err.value)
