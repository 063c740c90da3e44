"""Characters: Luna and Sunny drawn by the engine, with lip sync, idle life,
gestures, walking, looking, pointing and turning.

Nothing is mocked. Scenes go through the compiler and Skia; the tests under
"decoded videos" and `render characters` also go through libx264 and PyAV, the
others compare rasterised frames. Pixel checks use the character's own geometry
(character units: origin between the feet, y up is negative, one unit is
min(width, height) / 1080 canvas pixels at scale 1). Scenes are small (640x360,
10 fps) to keep the file fast.
"""
from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
import skia
from click.testing import CliRunner

from helpers import decode
from storyreel.cli import main
from storyreel.engine import render_frame, render_video, speech
from storyreel.engine.characters import load_character
from storyreel.engine.characters.motion import lip_sync, viseme_for

BG = (0xEA, 0xF4, 0xF4)
SIZE = (640, 360)
U = 360 / 1080  # canvas px per character unit at SIZE
FPS = 10
LUNA_AT = "luna = character luna at (30%, 92%)"
FEET = (0.30 * 640, 0.92 * 360)  # where LUNA_AT puts Luna's feet at SIZE

LUNA = load_character("luna")
SUNNY = load_character("sunny")
DRESS_BLUE = (0x4C, 0x6F, 0xD6)  # luna's `dress`
SHIRT_YELLOW = (0xFF, 0xD2, 0x3F)  # sunny's `shirt`
GOLD = (0xFF, 0xD1, 0x66)  # luna's `gold`: her moon clip and badge
MOUTH_RED = (0x9B, 0x2C, 0x4B)  # luna's `mouth`
INK = (0x23, 0x19, 0x42)  # luna's `ink`: outline and eyes


def doc(body: str, cast: str = LUNA_AT, name: str = "a", before: str = "") -> str:
    """A .scene file: the cast, then `before` (whole scenes), then scene NAME with `body`."""
    cast_lines = "\n".join(f"    {line.strip()}" for line in cast.strip().split("\n"))
    steps = textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
    return (f'video "t" {{\n}}\ncast {{\n{cast_lines}\n}}\n{textwrap.dedent(before)}'
            f"scene {name} {{\n    background solid #EAF4F4\n{steps}\n}}\n")


def layer_of(timeline, name: str, scene: int = 0):
    return next(layer for layer in timeline.scenes[scene].layers if layer.id == name)


def rgb(frame: np.ndarray) -> np.ndarray:
    return frame[..., :3].astype(np.int16)


def ink(frame: np.ndarray, tol: int = 30) -> np.ndarray:
    """Where the frame is not the background."""
    return np.abs(rgb(frame) - np.array(BG)).max(axis=-1) > tol


def bbox(frame: np.ndarray, x_from: int = 0, x_to: int | None = None, tol: int = 30) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), exclusive ends, of the non-background pixels in columns x_from..x_to."""
    m = ink(frame, tol)
    m[:, :x_from] = False
    if x_to is not None:
        m[:, x_to:] = False
    ys, xs = np.nonzero(m)
    assert len(xs), "nothing drawn"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def box(x0: float, y0: float, x1: float, y1: float, feet=FEET, u: float = U) -> tuple[slice, slice]:
    """Pixel slices (rows, columns) of a rectangle given in Luna's character units."""
    fx, fy = feet
    return (slice(int(fy + y0 * u), math.ceil(fy + y1 * u)), slice(int(fx + x0 * u), math.ceil(fx + x1 * u)))


def diff(a: np.ndarray, b: np.ndarray, where=(slice(None), slice(None))) -> float:
    """Mean absolute difference of two frames in a region."""
    return float(np.abs(rgb(a)[where] - rgb(b)[where]).mean())


def blocks(a: np.ndarray, b: np.ndarray, where) -> float:
    """The largest difference of 4x4 block means: codec noise averages out, shapes do not."""
    def means(f):
        x = rgb(f)[where].astype(float)
        h, w = x.shape[0] // 4 * 4, x.shape[1] // 4 * 4
        return x[:h, :w].reshape(h // 4, 4, w // 4, 4, 3).mean(axis=(1, 3))
    return float(np.abs(means(a) - means(b)).max())


def near(frame: np.ndarray, color, tol: int = 24) -> np.ndarray:
    return np.abs(rgb(frame) - np.array(color)).max(axis=-1) <= tol


def calm(timeline, name: str, t: float, margin: float = 0.12) -> bool:
    """No blink within `margin` of t (so a face comparison is not a blink's)."""
    track = layer_of(timeline, name).tracks["blink"]
    return all(s.end < t - margin or s.start > t + margin for s in track.segments)


@pytest.fixture
def stage(compile_scene):
    """text -> (timeline, frame(t)) at SIZE and FPS, rasterised (no encoding)."""
    def build(text: str, size=SIZE, fps=FPS):
        timeline = compile_scene(text, size=size, fps=fps)
        return timeline, (lambda t: render_frame(timeline, t))
    return build


@pytest.fixture
def video(compile_scene, tmp_path):
    """text -> (timeline, Decoded) through libx264 at SIZE and FPS."""
    count = iter(range(100))

    def build(text: str, size=SIZE, fps=FPS):
        timeline = compile_scene(text, size=size, fps=fps)
        out = tmp_path / f"v{next(count)}.mp4"
        render_video(timeline, out, quality="draft")
        return timeline, decode(out)
    return build


# ── decoded videos ────────────────────────────────────────────────────────────


def test_character_is_drawn_where_the_cast_puts_it(video):
    _, v = video(doc("luna: expression neutral\nwait 1s"))
    frame = v.at(0.5)
    x0, y0, x1, y1 = bbox(frame)
    # Feet on the cast position, as tall as the data says, centred on x (the
    # moon clip and the outline make it a little asymmetric).
    assert abs(y1 - FEET[1]) <= 3
    assert abs((y1 - y0) - LUNA.height * U) <= 5
    assert abs((x0 + x1) / 2 - FEET[0]) <= 6
    assert 70 <= x1 - x0 <= 90  # hair 236 units wide plus the outline
    # The region is mostly character, and everything else is background.
    assert ink(frame)[y0:y1, x0:x1].mean() > 0.5
    outside = ink(frame)
    outside[y0:y1, x0:x1] = False
    assert not outside.any()


def test_mouth_moves_while_speaking_and_rests_while_silent(video):
    line = "Mama, who moves the fox?"
    spoken = speech.synthesize(line, voice="luna")
    timeline, v = video(doc(f'luna says "{line}"\nwait 2s'))
    mouth = box(-34, -268, 34, -205)
    open_mouth = box(-22, -246, 22, -215)
    talking = [i / FPS for i in range(int(spoken.duration * FPS))]
    silent = [i / FPS for i in range(math.ceil((spoken.duration + 0.3) * FPS), int(timeline.duration * FPS))]
    moves = [diff(v.at(a), v.at(b), mouth) for a, b in zip(talking, talking[1:])]
    still = [diff(v.at(a), v.at(b), mouth) for a, b in zip(silent, silent[1:])]
    assert len(still) >= 15
    assert max(moves) > 20 and sum(m > 8 for m in moves) >= 5, moves
    # Silent: the only motion is breathing and the head's sway, a pixel's worth
    # round the (big, phone-readable) mouth's outline.
    assert max(still) < 5, still
    # While talking the mouth opens (its dark red inside shows); silent, it is a closed line.
    assert max(near(v.at(t), MOUTH_RED, 40)[open_mouth].sum() for t in talking) >= 6
    assert all(near(v.at(t), MOUTH_RED, 40)[open_mouth].sum() == 0 for t in silent)


def test_expression_change_alters_the_face_only(video):
    timeline, v = video(doc("luna: expression happy\nwait 1s\nluna: expression sad\nwait 1s"))
    t_happy = next(t for t in (0.3, 0.5, 0.7, 0.9) if calm(timeline, "luna", t))
    t_sad = next(t for t in (1.3, 1.5, 1.7, 1.9) if calm(timeline, "luna", t))
    face = box(-80, -340, 80, -215)
    body = box(-100, -195, 100, 0)
    # The body differs only by breathing (and the codec); the face by much more.
    assert diff(v.at(t_happy), v.at(t_sad), face) > 12
    assert diff(v.at(t_happy), v.at(t_sad), face) > 4 * diff(v.at(t_happy), v.at(t_sad), body)
    # Happy eyes are thin arcs; sad eyes are open, filled ovals: far more ink.
    eyes = box(-55, -305, 55, -265)
    assert near(v.at(t_sad), INK, 30)[eyes].sum() > 1.5 * near(v.at(t_happy), INK, 30)[eyes].sum()


def test_same_character_renders_identically_in_two_videos(video, stage):
    # The second video has another scene first, a second character and a shape:
    # Luna's scene `a` (same scene and cast names, so the same idle life) must
    # draw her pixel for pixel the same.
    first = doc("luna: expression neutral\nwait 2s")
    second = doc("luna: expression neutral\nsunny: face left\nstar = star at (90%, 20%) size 40\nwait 2s",
                 cast=f"{LUNA_AT}\nsunny = character sunny at (85%, 92%)",
                 before="scene intro {\n    background solid #EAF4F4\n    wait 1s\n}\n")
    t1, v1 = video(first)
    t2, v2 = video(second)
    t3, v3 = video(doc("luna: expression surprised\nwait 2s"))  # another pose
    assert t2.scenes[1].start == pytest.approx(1.0)
    where = box(-130, -440, 130, 10)
    face = box(-80, -340, 80, -215)
    for t in (0.3, 1.2):
        # The rasteriser draws the same pixels...
        assert np.array_equal(render_frame(t1, t)[where], render_frame(t2, t + 1.0)[where])
        assert not np.array_equal(render_frame(t1, t)[where], render_frame(t3, t)[where])
        # ...and after H.264 they differ by codec noise only, far less than a pose change.
        assert diff(v1.at(t), v2.at(t + 1.0), face) < 4
        assert diff(v1.at(t), v3.at(t), face) > 8
        assert blocks(v1.at(t), v2.at(t + 1.0), where) < 20
        assert blocks(v1.at(t), v3.at(t), where) > 40


def test_walk_moves_the_bounding_box_by_the_distance(video):
    timeline, v = video(doc("luna: expression neutral\nwait 0.5s\nluna: move to (70%, 92%)\nwait 0.5s"))
    before, after = bbox(v.at(0.3)), bbox(v.at(timeline.duration - 0.2))
    distance = 0.40 * 640
    assert after[0] - before[0] == pytest.approx(distance, abs=3)
    assert after[2] - before[2] == pytest.approx(distance, abs=3)
    assert after[3] == pytest.approx(before[3], abs=1)
    walk = layer_of(timeline, "luna").tracks["walk"].segments
    assert len(walk) == 1 and walk[0].start == pytest.approx(0.5)
    # Steps of the data's stride, in half steps.
    assert walk[0].to_value == round(distance / U / LUNA.walk_stride * 2) / 2
    # Half way she is between the two places, mid-stride.
    mid = round((walk[0].start + walk[0].end) / 2 * FPS) / FPS
    m = bbox(v.at(mid))
    assert before[0] + 40 < m[0] < after[0] - 40
    assert walk[0].value_at(mid) % 1.0 not in (0.0, 0.5)


def test_blinking_is_deterministic_and_closes_the_eyes(video, compile_scene):
    text = doc("luna: expression neutral\nwait 6s")
    timeline, v = video(text)
    blinks = layer_of(timeline, "luna").tracks["blink"].segments
    assert len(blinks) >= 2 and len(blinks) % 2 == 0
    assert blinks == layer_of(compile_scene(text, size=SIZE, fps=FPS), "luna").tracks["blink"].segments
    assert blinks != layer_of(compile_scene(text.replace("scene a", "scene b"), size=SIZE, fps=FPS),
                              "luna").tracks["blink"].segments
    # Eyes shut at the first blink's middle, open well away from it.
    shut = blinks[0].end
    open_t = next(t for t in np.arange(0.2, 6.0, 0.1) if calm(timeline, "luna", t, 0.3))
    eyes = box(-55, -310, 55, -262)
    assert diff(render_frame(timeline, shut), render_frame(timeline, open_t), eyes) > 5
    _, again = video(text)
    for t in (shut, open_t):
        assert np.array_equal(render_frame(timeline, t), render_frame(compile_scene(text, size=SIZE, fps=FPS), t))
        assert np.array_equal(v.at(t), again.at(t))


# ── lip sync ──────────────────────────────────────────────────────────────────


def test_mouth_track_moves_only_inside_the_line(compile_scene):
    line = "Hello friends, let's count!"
    spoken = speech.synthesize(line, voice="luna")
    timeline = compile_scene(doc(f'luna: expression neutral\nwait 0.5s\nluna says "{line}"\nwait 1.5s'), size=SIZE)
    mouth = layer_of(timeline, "luna").tracks["mouth"]
    rest = LUNA.visemes["rest"]
    start, end = 0.5, 0.5 + spoken.duration
    assert mouth.initial == rest
    assert len(mouth.segments) >= 6
    assert all(start - 1e-6 <= s.start <= s.end <= end + 0.1 for s in mouth.segments)
    assert all(s.to_value in LUNA.visemes.values() for s in mouth.segments)
    assert mouth.segments[-1].to_value == rest
    assert mouth.value_at(0.4) == rest
    assert mouth.value_at(end + 0.15) == rest
    assert mouth.value_at(timeline.duration) == rest
    assert any(mouth.value_at(t) != rest for t in np.arange(start, end, 0.05))


def test_visemes_come_from_phonemes():
    assert viseme_for("m") == "M" and viseme_for("b") == "M" and viseme_for("p") == "M"
    assert viseme_for("f") == "F" and viseme_for("v") == "F"
    assert viseme_for("ɑː") == "A" and viseme_for("ˈɑː") == "A"
    assert viseme_for("uː") == "O" and viseme_for("ˌuː") == "O"
    assert viseme_for("iː") == "E" and viseme_for("l") == "L"
    assert viseme_for("_") == "rest"
    spoken = speech.synthesize("Mama moves", voice="luna")
    phonemes = [(p.phoneme, p.start, p.end) for p in spoken.phonemes]
    shapes = {tuple(v): name for name, v in LUNA.visemes.items()}
    targets = [shapes[s.to_value] for s in lip_sync(LUNA, phonemes, 2.0, 2.0 + spoken.duration)]
    wanted = [viseme_for(p) for p, _, _ in phonemes]
    # "Mama moves": lips closed for m, open for the vowels, rounded for oo,
    # teeth on the lip for v; each target in phoneme order.
    assert targets[0] == "M" and "A" in targets and "O" in targets and "F" in targets
    assert targets[-1] == "rest"
    it = iter(wanted)  # (a pause between words may close the mouth to rest)
    assert all(any(t == w for w in it) for t in targets[:-1] if t != "rest"), (targets, wanted)


# ── idle life ─────────────────────────────────────────────────────────────────


def test_breathing_keeps_a_silent_character_alive_and_deterministic(stage):
    text = doc("luna: expression neutral\nwait 4s")
    timeline, frame = stage(text)
    breath = layer_of(timeline, "luna").tracks["breath"]
    assert breath.segments
    t0 = next(t for t in np.arange(0.3, 2.5, 0.1) if calm(timeline, "luna", t, 0.2) and calm(timeline, "luna", t + 1, 0.2)
              and abs(breath.value_at(t) - breath.value_at(t + 1)) > 0.3)
    where = box(-130, -440, 130, 10)
    a, b = frame(t0), frame(t0 + 1)
    changed = (np.abs(rgb(a) - rgb(b)).max(axis=-1) > 8)[where]
    assert changed.sum() >= 50  # alive, not frozen...
    # ...but only slightly: the outline moves by a pixel or two, the feet stay put.
    assert all(abs(p - q) <= 2 for p, q in zip(bbox(a), bbox(b)))
    assert bbox(a)[3] == bbox(b)[3]
    assert diff(a, b, box(-60, -40, 60, 0)) < 1
    _, again = stage(text)
    assert np.array_equal(a, again(t0)) and np.array_equal(b, again(t0 + 1))


# ── gestures ──────────────────────────────────────────────────────────────────


def gesture_and_control(stage, action: str, duration: float, **kw):
    """Frames with `action` and with a wait as long instead: the same idle life."""
    t1, with_it = stage(doc(f"luna: expression neutral\n{action}\nwait 0.5s"), **kw)
    _, without = stage(doc(f"luna: expression neutral\nwait {duration}s\nwait 0.5s"), **kw)
    return t1, with_it, without


def test_wave_raises_the_right_arm_above_the_shoulder(stage):
    timeline, with_wave, without = gesture_and_control(stage, "luna: wave", 1.5)
    arm = layer_of(timeline, "luna").tracks["pose.arm_r"]
    assert min(s.to_value for s in arm.segments) == -100  # engine/characters/gestures.yaml's keys
    above_right = box(20, -340, 150, -205)
    above_left = box(-150, -340, -20, -205)
    for t in (0.3, 0.7, 1.1):  # the raised keys
        assert (np.abs(rgb(with_wave(t)) - rgb(without(t))).max(axis=-1) > 40)[above_right].sum() >= 60, t
        assert diff(with_wave(t), without(t), above_left) == 0
        # The sleeve shows in front of her hair, not hidden behind her head.
        assert near(with_wave(t), DRESS_BLUE)[above_right].sum() >= 40
        assert near(without(t), DRESS_BLUE)[above_right].sum() == 0
    # The arm comes back down at the end.
    assert np.array_equal(with_wave(1.6), without(1.6))


def test_jump_lifts_the_bounding_box_by_the_datas_lift(stage):
    _, with_jump, without = gesture_and_control(stage, "luna: jump", 0.8)
    lift = max(v.get("lift", 0) for _, v in LUNA.gestures["jump"].keys)
    peak = next(t for t, v in LUNA.gestures["jump"].keys if v.get("lift") == lift)
    up, rest = bbox(with_jump(peak)), bbox(without(peak))
    assert rest[3] - up[3] == pytest.approx(lift * U, abs=2)
    assert rest[1] - up[1] > lift * U  # the stretch at the top of the jump adds to it
    assert bbox(with_jump(0.9)) == bbox(without(0.9))


def test_nod_moves_the_head_down(stage):
    _, with_nod, without = gesture_and_control(stage, "luna: nod", 0.8)
    nodded, rest = bbox(with_nod(0.2)), bbox(without(0.2))
    assert nodded[1] - rest[1] == pytest.approx(12 * U, abs=1.5)  # the head's top, down by the data's 12
    assert nodded[3] == rest[3]
    legs = box(-70, -60, 70, 0)
    assert diff(with_nod(0.2), without(0.2), legs) == 0


def test_clap_brings_the_hands_together_with_a_sound(stage):
    timeline, with_clap, without = gesture_and_control(stage, "luna: clap", 1.1)
    sounds = [c for c in timeline.audio if c.kind == "sound"]
    assert [c.source for c in sounds] == ["clap"] * 3
    assert [c.start for c in sounds] == pytest.approx([0.25, 0.55, 0.85])
    # At a clap both hands (skin) are in front of the chest.
    chest = box(-40, -185, 40, -120)
    skin = LUNA.part("hand_l").fill
    skin_rgb = tuple(round(c * 255) for c in skin[:3])
    assert near(with_clap(0.25), skin_rgb)[chest].sum() >= 20
    assert near(without(0.25), skin_rgb)[chest].sum() == 0


@pytest.mark.parametrize("facing", ["right", "left"])
@pytest.mark.parametrize("side", ["right", "left"])
def test_point_at_turns_an_arm_towards_the_target(stage, facing, side):
    size, u = (1280, 720), 720 / 1080
    feet_x = 0.5 * 1280
    cast = f"luna = character luna at (50%, 92%) facing {facing}"
    apple = f"apple = circle at ({'95%' if side == 'right' else '5%'}, 74%) radius 20 fill #D62828"
    t1, frame = stage(doc(f"{apple}\nluna: point at apple\nwait 0.5s", cast=cast), size=size)
    # The same turn and glance at the apple, without the arm.
    _, rest = stage(doc(f"{apple}\nluna: turn to apple\nwait 1.1s\nwait 0.5s", cast=cast), size=size)
    luna = layer_of(t1, "luna")
    assert luna.tracks["facing"].value_at(0.7) == (1.0 if side == "right" else -1.0)
    # Facing mirrors the whole figure, so the arm on the apple's side is always arm_r.
    assert not luna.tracks["pose.arm_l"].segments
    # The apple is level with the shoulder: the arm (hanging a little outwards at
    # rest) turns out sideways.
    assert -100 < luna.tracks["pose.arm_r"].segments[0].to_value < -60
    a, b = frame(0.7), rest(0.7)
    _, xs = np.nonzero(np.abs(rgb(a) - rgb(b)).max(axis=-1) > 40)
    reach = (xs.mean() - feet_x) / u  # where the pixels changed, in character units
    # The pointing hand sticks out beyond the standing silhouette, on the apple's side.
    x0, _, x1, _ = bbox(a, 200, 1080)  # the character, not the apple
    r0, _, r1, _ = bbox(b, 200, 1080)
    if side == "right":
        assert reach > 40 and x1 - r1 > 12 * u and abs(x0 - r0) <= 1
    else:
        assert reach < -40 and r0 - x0 > 12 * u and abs(x1 - r1) <= 1
    # Back down at the end.
    assert np.array_equal(frame(1.5), rest(1.5))


def test_look_at_moves_the_eyes_and_turns_to_a_target_behind(stage):
    cast = f"{LUNA_AT}\nsunny = character sunny at (75%, 92%)"
    t1, looking = stage(doc("luna: look at sunny\nwait 1s", cast=cast))
    _, ahead = stage(doc("luna: expression neutral\nwait 0.3s\nwait 1s", cast=cast))
    look = layer_of(t1, "luna").tracks["look"]
    dx, dy = look.value_at(1.0)
    assert dx > 0.8 and abs(dy) < 0.5
    assert layer_of(t1, "luna").tracks["facing"].value_at(1.0) == 1.0  # Sunny is ahead
    eyes = box(-55, -305, 55, -265)
    t = next(t for t in np.arange(0.4, 1.3, 0.1) if calm(t1, "luna", t))
    assert diff(looking(t), ahead(t), eyes) > 2
    assert diff(looking(t), ahead(t), box(-100, -200, 100, 0)) == 0
    # A target behind her: she turns round first.
    t3, _ = stage(doc("luna: look at (2%, 40%)\nwait 1s", cast=cast))
    assert layer_of(t3, "luna").tracks["facing"].value_at(1.0) == -1.0


def test_face_left_mirrors_the_character(stage):
    _, right = stage(doc("luna: face right\nwait 1s"))
    _, left = stage(doc("luna: face left\nwait 1s"))
    t = 0.8
    x = int(FEET[0])
    half = 60
    a, b = right(t)[:, x - half:x + half], left(t)[:, x - half:x + half]
    assert diff(b, a[:, ::-1]) < 0.5  # the mirror image...
    assert diff(b, a) > 10 * diff(b, a[:, ::-1])  # ...and not the same picture
    # Luna's moon clip is on her right: it swaps sides.
    top = box(-130, -430, 130, -355)
    xs_right = np.nonzero(near(right(t), GOLD)[top])[1]
    xs_left = np.nonzero(near(left(t), GOLD)[top])[1]
    centre = FEET[0] - top[1].start
    assert len(xs_right) > 20 and len(xs_left) > 20
    assert xs_right.mean() > centre + 10 and xs_left.mean() < centre - 10


def test_expression_sad_and_happy_differ_in_the_face(stage):
    _, happy = stage(doc("luna: expression happy\nwait 1s"))
    _, sad = stage(doc("luna: expression sad\nwait 1s"))
    assert diff(happy(0.5), sad(0.5), box(-80, -340, 80, -215)) > 6
    assert diff(happy(0.5), sad(0.5), box(-100, -195, 100, 0)) == 0


# ── angry and scared ──────────────────────────────────────────────────────────
# Faces drawn big (scale 2 on a 1280x720 canvas: 4/3 px per unit) and measured
# with each character's own face geometry, against its neutral face in the same
# scene (so blinks and breathing match).

BIG = (1280, 720)
BIG_U = 2 * 720 / 1080
BIG_FEET = (0.5 * 1280, 0.92 * 720)


def face_still(stage, who: str, expression: str) -> np.ndarray:
    cast = f"{who} = character {who} at (50%, 92%) scale 2"
    timeline, frame = stage(doc(f"{who}: expression {expression}\nwait 1.5s", cast=cast), size=BIG)
    t = next(t for t in np.arange(0.3, 1.5, 0.1) if calm(timeline, who, t, 0.2))
    return frame(t)


def face_change(stage, who: str, expression: str):
    """(the character, its neutral face, its face in `expression`), after checking
    that only the face changed: the body is the same pixels."""
    c = load_character(who)
    neutral, face = face_still(stage, who, "neutral"), face_still(stage, who, expression)
    assert diff(neutral, face, big_box(-100, -195, 100, 0)) == 0
    return c, neutral, face


def big_box(x0: float, y0: float, x1: float, y1: float) -> tuple[slice, slice]:
    return box(x0, y0, x1, y1, BIG_FEET, BIG_U)


def rgb255(color) -> tuple[int, ...]:
    return tuple(round(c * 255) for c in color[:3])


def brows(frame: np.ndarray, c) -> list[tuple[float, float]]:
    """(slope dy/dx, mean y in px) of each brow, left of the nose first."""
    f = c.face
    out = []
    for side in (-1, 1):
        cx = f.center_x + side * f.eye_spacing
        where = big_box(cx - f.eye_width, f.brow_y - 16, cx + f.eye_width, f.eye_y - f.eye_height * 0.625 - 2)
        ys, xs = np.nonzero(near(frame, rgb255(f.brow_color), 30)[where])
        assert len(xs) > 30, "no brow found"
        out.append((float(np.polyfit(xs, ys, 1)[0]), float(ys.mean() + where[0].start)))
    return out


def eyes(frame: np.ndarray, c) -> list[dict[str, float]]:
    """Per eye (left of the nose first): the eye's ink height, its centre x, and
    the top row of ink over its inner and outer thirds (px)."""
    f = c.face
    out = []
    for side in (-1, 1):
        cx = f.center_x + side * f.eye_spacing
        where = big_box(cx - f.eye_width * 1.2, f.eye_y - f.eye_height * 0.75,
                        cx + f.eye_width * 1.2, f.eye_y + f.eye_height * 0.75)
        m = near(frame, rgb255(f.eye_color), 30)[where]
        ys, xs = np.nonzero(m)
        assert len(xs) > 30, "no eye found"
        x0, x1 = int(xs.min()), int(xs.max()) + 1
        third = (x1 - x0) // 3

        def top(cols):
            return float(np.nonzero(m[:, cols].any(axis=1))[0].min())
        left, right = slice(x0, x0 + third), slice(x1 - third, x1)
        inner, outer = (right, left) if side < 0 else (left, right)
        out.append({"height": float(ys.max() - ys.min() + 1), "x": float(xs.mean()),
                    "inner_top": top(inner), "outer_top": top(outer)})
    return out


def mouth_profile(frame: np.ndarray, c) -> np.ndarray:
    """The closed mouth line's mean row (px) in each column across it."""
    f = c.face
    half = f.mouth_width / 2
    where = big_box(f.center_x - half * 0.9, f.mouth_y - 14, f.center_x + half * 0.9, f.mouth_y + 14)
    m = near(frame, rgb255(f.eye_color), 30)[where]
    assert m.any(axis=0).all(), "the mouth line has gaps"
    rows = np.arange(m.shape[0])[:, None]
    return (rows * m).sum(axis=0) / m.sum(axis=0)


@pytest.mark.parametrize("who", ["luna", "sunny"])
def test_angry_face_has_v_brows_narrowed_eyes_a_frown_and_red_cheeks(stage, who):
    c, neutral, angry = face_change(stage, who, "angry")  # the body untouched
    # Brows: tilted down towards the nose (a V) and lower than at rest.
    (nl, ny_l), (nr, ny_r) = brows(neutral, c)
    (al, ay_l), (ar, ay_r) = brows(angry, c)
    assert abs(nl) < 0.1 and abs(nr) < 0.1
    assert al > 0.25 and ar < -0.25, (al, ar)
    assert ay_l > ny_l + 3 and ay_r > ny_r + 3
    # Eyes: shorter, with the lid slanting down towards the nose.
    for n, a in zip(eyes(neutral, c), eyes(angry, c)):
        assert abs(n["inner_top"] - n["outer_top"]) <= 1
        assert a["inner_top"] - a["outer_top"] >= 3, a
        assert a["height"] <= n["height"] - 3
    # Mouth: a frown (the middle above the corners), where neutral smiles.
    n, a = mouth_profile(neutral, c), mouth_profile(angry, c)
    ends = lambda p: (p[:3].mean() + p[-3:].mean()) / 2
    middle = lambda p: p[len(p) // 2 - 2:len(p) // 2 + 2].mean()
    assert middle(n) > ends(n) + 2
    assert middle(a) < ends(a) - 3
    # Cheeks flush in full colour (at rest they are half see-through).
    cheeks = big_box(-c.face.cheek_spacing - 20, c.face.cheek_y - 12, c.face.cheek_spacing + 20, c.face.cheek_y + 12)
    blush = rgb255(c.face.cheek_color)
    assert near(angry, blush, 16)[cheeks].sum() > 200
    assert near(neutral, blush, 16)[cheeks].sum() == 0


@pytest.mark.parametrize("who", ["luna", "sunny"])
def test_scared_face_has_worried_brows_wide_eyes_looking_aside_and_a_wobbly_mouth(stage, who):
    c, neutral, scared = face_change(stage, who, "scared")  # the body untouched
    # Brows: raised, the inner ends up (worried), the opposite of angry's V.
    (nl, ny_l), (nr, ny_r) = brows(neutral, c)
    (sl, sy_l), (sr, sy_r) = brows(scared, c)
    assert sl < -0.25 and sr > 0.25, (sl, sr)
    assert sy_l < ny_l - 3 and sy_r < ny_r - 3
    # Eyes: wide open, round-topped, and both shifted to the side the data looks.
    look = c.expressions["scared"].look[0]
    assert abs(look) >= 0.3  # a scared glance aside
    for n, s in zip(eyes(neutral, c), eyes(scared, c)):
        assert s["height"] > 1.15 * n["height"]
        assert abs(s["inner_top"] - s["outer_top"]) <= 2
        shift = s["x"] - n["x"]
        assert np.sign(shift) == np.sign(look) and abs(shift) > 0.2 * c.face.eye_width * BIG_U, shift
    # Mouth: a wobbly line, waving up and down around its curve; neutral's is smooth.
    def wobble(profile):
        x = np.arange(len(profile))
        residual = profile - np.polyval(np.polyfit(x, profile, 2), x)
        signs = np.sign(residual[np.abs(residual) > 0.5])
        return float(np.abs(residual).max()), int((np.diff(signs) != 0).sum())
    n_amp, _ = wobble(mouth_profile(neutral, c))
    s_amp, s_turns = wobble(mouth_profile(scared, c))
    assert n_amp < 1.0
    assert s_amp > 2.0 and s_turns >= 3, (s_amp, s_turns)


def test_angry_and_scared_moods_show_their_faces(compile_scene):
    from storyreel.engine.speech import MOOD_ALIASES
    lines = [("I want the ball!", "grumpily", "angry"), ("Give it back!", "angry", "angry"),
             ("It is so dark.", "scared", "scared"), ("What was that?", "afraid", "scared")]
    durations = [speech.synthesize(text, voice="luna", mood=mood).duration for text, mood, _ in lines]
    text = doc("\n".join(f'luna says "{t}" {m}' for t, m, _ in lines) + "\nwait 1s")
    expression = layer_of(compile_scene(text, size=SIZE), "luna").tracks["expression"]
    start = 0.0
    for (_, mood, face), d in zip(lines, durations):
        assert {expression.value_at(t) for t in np.arange(start + 0.01, start + d, 0.05)} == {face}, mood
        start += d
    assert expression.value_at(start + 0.5) == "neutral"
    # The scared voice is a small one: quieter and slower than the plain voice.
    plain = speech.synthesize("It is so dark in here.", voice="luna")
    scared = speech.synthesize("It is so dark in here.", voice="luna", mood="scared")
    assert MOOD_ALIASES["afraid"] == "scared"
    assert scared.duration > 1.05 * plain.duration
    rms = lambda s: float(np.sqrt(np.mean(np.square(s.samples.astype(float)))))
    assert rms(scared) < 0.85 * rms(plain)


# ── entering, exiting, speaking ───────────────────────────────────────────────


def test_enter_from_left_waits_off_canvas_then_walks_in(stage):
    timeline, frame = stage(doc("wait 1s\nluna: enter from left\nwait 0.5s"))
    assert not ink(frame(0.0)).any() and not ink(frame(0.9)).any()
    x0, _, x1, y1 = bbox(frame(timeline.duration - 0.1))
    assert abs((x0 + x1) / 2 - FEET[0]) <= 6 and abs(y1 - FEET[1]) <= 3
    walk = layer_of(timeline, "luna").tracks["walk"]
    assert walk.segments and walk.segments[0].start == pytest.approx(1.0)
    mid = (1.0 + timeline.duration - 0.5) / 2
    assert bbox(frame(mid))[2] < x1 - 10  # on the way in, partly on the canvas


def test_exit_to_right_ends_off_canvas(stage):
    timeline, frame = stage(doc("luna: exit to right\nwait 0.5s"))
    assert ink(frame(0.0)).any()
    exit_end = layer_of(timeline, "luna").tracks["offset_x"].segments[-1].end
    assert not ink(frame(exit_end)).any()
    assert not ink(frame(timeline.duration)).any()


def test_says_lasts_the_speech_and_its_mood_sets_the_expression(stage):
    line = "Hello friends, let's count!"
    spoken = speech.synthesize(line, voice="luna", mood="happily")
    timeline, frame = stage(doc(f'luna: expression sad\nluna says "{line}" happily\nluna: wave\nwait 1s'))
    luna = layer_of(timeline, "luna")
    wave_start = luna.tracks["pose.arm_r"].segments[0].start
    assert wave_start == pytest.approx(spoken.duration, abs=1e-6)
    expression = luna.tracks["expression"]
    assert expression.value_at(spoken.duration / 2) == "happy"
    assert expression.value_at(spoken.duration + 0.5) == "sad"  # restored, not reset to neutral
    speech_clips = [c for c in timeline.audio if c.kind == "speech"]
    assert len(speech_clips) == 1 and speech_clips[0].params["speaker"] == "luna"
    # Happy eyes during the line (thin arcs), sad open eyes (filled ovals) after it.
    eyes = box(-60, -312, 60, -258)
    during = next(t for t in np.arange(0.3, spoken.duration, 0.05) if calm(timeline, "luna", t))
    after = next(t for t in np.arange(spoken.duration + 0.5, timeline.duration, 0.05) if calm(timeline, "luna", t))
    def eye_height(f):  # rows with eye ink: an arc is short, an open oval tall
        return int(near(f, INK, 30)[eyes].any(axis=1).sum())
    assert eye_height(frame(after)) >= eye_height(frame(during)) + 2


def test_moods_of_lines_in_a_row(compile_scene):
    first, second = "Hello there!", "Oh no, it is raining."
    d1 = speech.synthesize(first, voice="luna", mood="happily").duration
    d2 = speech.synthesize(second, voice="luna", mood="sadly").duration
    text = doc(f'luna says "{first}" happily\nluna says "{second}" sadly\nwait 1s')
    expression = layer_of(compile_scene(text, size=SIZE), "luna").tracks["expression"]
    # Each line shows its own mood for all of it; the first line's "back to
    # neutral" must not cut into the second, and the face ends as it began.
    assert {expression.value_at(t) for t in np.arange(0.0, d1, 0.05)} == {"happy"}
    assert {expression.value_at(t) for t in np.arange(d1, d1 + d2, 0.05)} == {"sad"}
    assert expression.value_at(d1 + d2 + 0.5) == "neutral"
    # An expression set right after a line is kept, not undone by the line's restore.
    text = doc(f'luna says "{first}" happily\nluna: expression surprised\nwait 1s')
    expression = layer_of(compile_scene(text, size=SIZE), "luna").tracks["expression"]
    assert expression.value_at(d1 / 2) == "happy"
    assert expression.value_at(d1 + 0.6) == "surprised"


# ── the two characters ────────────────────────────────────────────────────────


def test_luna_and_sunny_are_distinct(stage):
    cast = "luna = character luna at (25%, 92%)\nsunny = character sunny at (75%, 92%)"
    _, frame = stage(doc("luna: expression neutral\nsunny: expression neutral\nwait 1s", cast=cast))
    f = frame(0.5)
    luna, sunny = bbox(f, 0, 320), bbox(f, 320)
    assert SUNNY.height > LUNA.height and SUNNY.walk_stride != LUNA.walk_stride
    assert (sunny[3] - sunny[1]) - (luna[3] - luna[1]) >= 3  # Sunny is taller (450 + rays vs 430)
    assert (sunny[2] - sunny[0]) - (luna[2] - luna[0]) >= 5  # and wider (his rays)

    def colours(b):
        region = rgb(f)[b[1]:b[3], b[0]:b[2]].reshape(-1, 3)
        region = region[np.abs(region - np.array(BG)).max(axis=-1) > 30]
        return region

    def dominant(b):
        """The commonest strong colour (skin and outline are not saturated)."""
        c = colours(b)
        c = c[(c.max(axis=-1) - c.min(axis=-1)) > 0.5 * c.max(axis=-1)]
        values, counts = np.unique(c // 32, axis=0, return_counts=True)
        return values[counts.argmax()] * 32 + 16

    def share(b, color, tol=24):
        c = colours(b)
        return (np.abs(c - np.array(color)).max(axis=-1) <= tol).mean()

    assert share(luna, DRESS_BLUE) > 0.15 and share(sunny, DRESS_BLUE) == 0
    assert share(sunny, SHIRT_YELLOW) > 0.1 and share(luna, SHIRT_YELLOW) < 0.02
    assert np.abs(dominant(luna) - np.array(DRESS_BLUE)).max() <= 32
    assert np.abs(dominant(sunny) - np.array(SHIRT_YELLOW)).max() <= 32


def test_scale_is_proportional_to_the_canvas(stage):
    cast = "luna = character luna at (25%, 92%)\nsunny = character sunny at (75%, 92%)"
    text = doc("luna: expression neutral\nsunny: wave\nwait 1s", cast=cast)
    _, small = stage(text, size=(640, 360))
    _, large = stage(text, size=(1280, 720))
    for t in (0.3, 1.0):
        for lo, hi in ((0, 320), (320, None)):
            s = bbox(small(t), lo, hi)
            l = bbox(large(t), 2 * lo, None if hi is None else 2 * hi)
            assert all(abs(b - 2 * a) <= 3 for a, b in zip(s, l)), (t, s, l)


# ── render characters ─────────────────────────────────────────────────────────


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STORYREEL_CHARACTERS", raising=False)

    def run(*args: str):
        return CliRunner().invoke(main, list(args))
    return run


def test_contact_sheet_shows_both_characters(cli, tmp_path):
    # Named characters get the expression x viseme sheet (the whole cast's sheet:
    # tests/test_cast_library.py).
    result = cli("characters", "luna", "sunny", "-o", "sheet.png")
    assert result.exit_code == 0, result.output
    assert "2 characters" in result.stderr
    image = skia.Image.open(str(tmp_path / "sheet.png"))
    pixels = image.toarray(colorType=skia.kRGBA_8888_ColorType)
    assert image.width() >= 1200 and image.height() >= 1000
    top, bottom = pixels[: pixels.shape[0] // 2], pixels[pixels.shape[0] // 2:]
    # Luna's rows first (expressions, then mouth shapes), then Sunny's.
    assert near(top, DRESS_BLUE).sum() > 5000 and near(bottom, DRESS_BLUE).sum() == 0
    assert near(bottom, SHIRT_YELLOW, 12).sum() > 5000 and near(top, SHIRT_YELLOW, 12).sum() < 500


def test_gesture_preview_video_moves(cli, tmp_path):
    result = cli("characters", "luna", "--gesture", "wave", "-o", "wave.mp4", "--size", "320x320")
    assert result.exit_code == 0, result.output
    v = decode(tmp_path / "wave.mp4")
    assert (v.width, v.height) == (320, 320)
    assert v.duration == pytest.approx(0.3 + 1.4 + 0.5, abs=0.1)
    u, feet = 320 / 1080, (160, 0.92 * 320)
    # The wave plays from 0.3 s: her sleeve (dress blue) shows above her right
    # shoulder, never above the left, and is gone again at the end.
    right, left = box(20, -340, 150, -210, feet, u), box(-150, -340, -20, -210, feet, u)
    sleeve = [near(f, DRESS_BLUE, 30)[right].sum() for f in v.frames]
    assert sleeve[:round(0.35 * v.fps)] == [0] * round(0.35 * v.fps)
    assert min(sleeve[round(0.6 * v.fps):round(1.4 * v.fps)]) >= 15
    assert sleeve[-round(0.4 * v.fps):] == [0] * round(0.4 * v.fps)
    assert all(near(f, DRESS_BLUE, 30)[left].sum() == 0 for f in v.frames)


@pytest.mark.parametrize("args, message", [
    (("characters", "lunaa"), "Error: Invalid value for CHARACTER: unknown character 'lunaa' (did you mean 'luna'?)\n"),
    (("characters", "luna", "--gesture", "wav", "-o", "w.mp4"),
     "Error: Invalid value for --gesture: Luna has no 'wav' gesture (did you mean 'wave'?)\n"),
])
def test_characters_command_errors_suggest(cli, tmp_path, args, message):
    result = cli(*args)
    assert result.exit_code == 2  # a misused argument or option: click's usage error
    assert result.stderr.startswith("Usage: ") and result.stderr.endswith(message)
    assert not (tmp_path / "w.mp4").exists() and not (tmp_path / "characters.png").exists()
