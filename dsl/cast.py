"""Characters in the language: `cast { … }`, character actions, speaking with lip sync.

A cast member is on stage in every scene that mentions it, at its cast
position, from the scene's start (an `enter from` keeps it off-canvas until it
walks in). Its actions (`wave`, `jump`, `walk`ing `move to`, `point at`, …)
become segments from `engine.characters.motion`; the engine draws the rest.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

from ..engine.characters import (EXPRESSIONS, Character, CharacterError, available_characters, find_character,
                                 load_character)
from ..engine.characters import motion, rig
from ..engine.speech import MOOD_ALIASES
from ..engine.timeline.timeline import AudioClip, Segment
from . import ast
from .actions import Action, read_timing
from .errors import Location, SceneError, did_you_mean
from .layers import LayerBuilder
from .values import SIDES, Canvas, Items

# A line said happily shows a happy face, and so on: one entry per speech mood
# (engine/speech MOODS); short forms (`happy`, `angry`, `afraid`) go through its MOOD_ALIASES.
MOOD_EXPRESSIONS = {
    "happily": "happy", "sadly": "sad", "excitedly": "excited", "surprised": "surprised", "quietly": "neutral",
    "gently": "happy", "curiously": "thinking", "sleepily": "sleepy", "grumpily": "angry", "scared": "scared",
    "loudly": "excited", "proudly": "happy",
}
WALK_SPEED = 380.0  # design px per second
RUN_SPEED = 820.0
RUN_STRIDE = 1.7  # a running step is this many walking steps long
TURN_TIME = 0.2  # seconds to turn round, or into the side view for a walk
THREE_QUARTER = 0.5  # the `view` value of a three-quarter turn (0 front, 1 side)


@dataclass(frozen=True)
class CastMember:
    name: str
    character: Character
    yaml_path: str
    x: float
    y: float
    scale: float
    facing: float
    span: ast.Span


def character_error(exc: CharacterError) -> SceneError:
    return SceneError(exc.message, hint=exc.hint,
                      location=Location(exc.file, exc.line, exc.column, exc.source_line, exc.length))


def read_cast(decl: ast.CastDecl, canvas: Canvas, known: dict[str, CastMember]) -> None:
    defaults = [(0.3, 0.88), (0.7, 0.88), (0.5, 0.88), (0.15, 0.88), (0.85, 0.88)]
    for member in decl.members:
        name = member.name.name
        if name in known:
            raise SceneError(f"'{name}' is already in the cast", member.name.span)
        if name in ("narrator", "background"):
            raise SceneError(f"'{name}' is a reserved name", member.name.span, hint="pick another name for this cast member")
        items = Items(member.items, canvas, member.span)
        items.expect_word("'character'", ("character",))
        id_item = items.next("a character id")
        char_id = id_item.value if isinstance(id_item, ast.String) else getattr(id_item, "name", id_item.text)
        path = find_character(char_id)
        if path is None:
            choices = available_characters()
            raise SceneError(f"unknown character '{char_id}'", id_item.span,
                             hint=did_you_mean(char_id, choices, f"characters: {', '.join(choices)} (folders in characters/)"))
        try:
            character = load_character(str(path))
        except CharacterError as exc:
            raise character_error(exc) from None
        fx, fy = defaults[len(known) % len(defaults)]
        x, y, scale, facing = fx * canvas.width, fy * canvas.height, 1.0, 1.0 if fx <= 0.5 else -1.0
        while not items.at_end():
            word = items.expect_word("at, scale or facing", ("at", "scale", "facing"))
            if word == "at":
                x, y, _ = items.position()
            elif word == "scale":
                scale = items.number("a scale factor")
            else:
                facing = -1.0 if items.expect_word("left or right", ("left", "right")) == "left" else 1.0
        known[name] = CastMember(name, character, str(path), x, y, scale, facing, member.span)


def character_layer(member: CastMember, canvas: Canvas) -> LayerBuilder:
    """A cast member's layer at the start of a scene, at rest."""
    c = member.character
    layer = LayerBuilder(member.name, "character", member.span, 0.0)
    layer.attrs.update(character=member.yaml_path, unit=canvas.unit, anchor_x=0.5, anchor_y=1.0)
    for prop, value in (("x", member.x), ("y", member.y), ("scale", member.scale), ("opacity", 1.0),
                        ("rotate", 0.0), ("offset_x", 0.0), ("offset_y", 0.0), ("facing", member.facing),
                        ("expression", "neutral"), ("mouth", c.visemes["rest"]), ("blink", 0.0), ("breath", 0.0),
                        ("walk", 0.0), ("lift", 0.0), ("squash", 1.0), ("lean", 0.0), ("nod", 0.0),
                        ("look", (0.0, 0.0)), ("view", 0.0), ("run", 0.0), ("sit", 0.0), ("lie", 0.0),
                        ("asleep", 0.0)):
        layer.values[prop] = value
    for g in c.gestures.values():
        for track in motion.gesture(c, g, 0.0):
            layer.values.setdefault(track, motion.resting_value(track))
    for part_id in c.part_ids():
        if rig.side_of(part_id):  # pointing and reaching move any arm, forearm or wing
            layer.values.setdefault(f"pose.{part_id}", 0.0)
    return layer


def add_idle_life(layer: LayerBuilder, scene_name: str, end: float) -> None:
    """Blinking and breathing for the whole scene, seeded by scene and name."""
    seed = zlib.crc32(f"{scene_name}:{layer.name}".encode())
    for seg in motion.blinks(seed, layer.appear, end):
        layer.tween("blink", seg.start, seg.end, seg.to_value, seg.easing, from_value=seg.from_value)
    for seg in motion.breathing(layer.appear, end, phase_seed=seed):
        layer.tween("breath", seg.start, seg.end, seg.to_value, seg.easing, from_value=seg.from_value)


def _add(layer: LayerBuilder, tracks: dict[str, list[Segment]]) -> None:
    for track, segs in tracks.items():
        for seg in segs:
            layer.tween(track, seg.start, seg.end, seg.to_value, seg.easing, from_value=seg.from_value)


def _character(layer: LayerBuilder) -> Character:
    return load_character(layer.attrs["character"])


def _turn(layer: LayerBuilder, t: float, direction: float) -> None:
    if direction and math.copysign(1.0, layer.value_at("facing", t)) != math.copysign(1.0, direction):
        layer.tween("facing", t, t + TURN_TIME, math.copysign(1.0, direction), "in-out-sine")


def turns(layer: LayerBuilder) -> bool:
    """Whether the rig turns this character to other views. One drawn side-on already,
    its face off the centre line (the cast library's four-legged animals, fish and snail:
    docs/CHARACTERS.md), crosses the frame as drawn, mirrored to face left: the rig's
    made-up side view would narrow its body and gather its legs in the middle."""
    return not _character(layer).face.center_x


def _view(layer: LayerBuilder, t: float, view: float, duration: float = TURN_TIME) -> None:
    """Turn to a view: 0 front, 0.5 three-quarter, 1 side."""
    if turns(layer) and layer.value_at("view", t) != view:
        layer.tween("view", t, t + duration, view, "in-out-sine")


def turn_towards(layer: LayerBuilder, t: float, x: float) -> None:
    """Turn three-quarter towards the canvas x `x` (a listener, a thing to point at)."""
    here = layer.value_at("x", t) + layer.value_at("offset_x", t)
    _turn(layer, t, x - here)
    if layer.value_at("lie", t) < 0.5:
        _view(layer, t, THREE_QUARTER)


def _walk(layer: LayerBuilder, start: float, duration: float, distance_units: float, running: bool = False) -> None:
    """The walk (or run) cycle for a move: side view while moving, legs and arms
    swinging, then back to the view it had."""
    c = _character(layer)
    steps = motion.walk_steps(distance_units, c.walk_stride * (RUN_STRIDE if running else 1.0))
    base = layer.value_at("walk", start)
    end = start + duration
    layer.tween("walk", start, end, base + steps, "linear", from_value=base)
    before = layer.value_at("view", start)
    turn = min(TURN_TIME, duration / 4)
    _stand(layer, start, turn)
    if turns(layer):
        layer.tween("view", start, start + turn, 1.0, "in-out-sine")
        layer.tween("view", end - turn, end, before, "in-out-sine", from_value=1.0)
    if running:
        layer.tween("run", start, start + turn, 1.0, "in-out-sine")
        layer.tween("run", end - turn, end, 0.0, "in-out-sine", from_value=1.0)


def _stand(layer: LayerBuilder, t: float, duration: float) -> None:
    """Get up first (a walk from sitting or lying down)."""
    for track in ("sit", "lie", "asleep"):
        if layer.value_at(track, t):
            layer.tween(track, t, t + duration, 0.0, "in-out-sine")


def _walk_time(distance_px: float, canvas: Canvas, running: bool = False) -> float:
    return max(0.4, distance_px / ((RUN_SPEED if running else WALK_SPEED) * canvas.unit))


def walk_to(act: Action, canvas: Canvas, target: tuple[float, float, bool], running: bool = False) -> float:
    """`walk to POS|NAME` (`move to`), `run to …`: turn, then walk there with a walk cycle.

    To a name, the character stops beside it, on its own ground line (its y does
    not change); to a position, its feet go there."""
    layer = act.layer
    x, y, named = target
    x0, y0 = layer.value_at("x", act.start), layer.value_at("y", act.start)
    if named:
        c = _character(layer)
        gap = c.height * 0.34 * canvas.unit * layer.value_at("scale", act.start)
        x, y = (x - gap if x >= x0 else x + gap), y0
    distance = math.hypot(x - x0, y - y0)
    t = read_timing(act.items, _walk_time(distance, canvas, running), "in-out-sine")
    _turn(layer, act.start, x - x0)
    end = t.end(act.start)
    layer.tween("x", act.start, end, x, t.easing)
    layer.tween("y", act.start, end, y, t.easing)
    _walk(layer, act.start, t.duration, distance / canvas.unit / max(layer.value_at("scale", act.start), 0.1), running)
    return t.occupies


def _off_canvas(layer: LayerBuilder, side: str, t: float, canvas: Canvas) -> tuple[str, float]:
    """The offset that puts the character just beyond `side` of the canvas."""
    c = _character(layer)
    scale = layer.value_at("scale", t)
    half = c.height * 0.4 * canvas.unit * scale  # about half the character's width, with its arms
    x, y = layer.value_at("x", t), layer.value_at("y", t)
    return {"left": ("offset_x", -(x + half)), "right": ("offset_x", canvas.width - x + half),
            "top": ("offset_y", -y), "bottom": ("offset_y", canvas.height - y + c.height * canvas.unit * scale)}[side]


def walk_in(act: Action, canvas: Canvas, running: bool = False) -> float:
    """`enter from SIDE` (`walk in from`, `run in from`): waits just off-canvas, then walks in to its place."""
    side = act.items.expect_word("a side", SIDES)
    layer = act.layer
    prop, offset = _off_canvas(layer, side, act.start, canvas)
    t = read_timing(act.items, _walk_time(abs(offset), canvas, running), "out-sine")
    if not layer.has_tweens(prop):
        layer.values[prop] = offset
    if prop == "offset_x":
        _turn(layer, act.start, -offset)
        _walk(layer, act.start, t.duration, abs(offset) / canvas.unit, running)
    layer.tween(prop, act.start, t.end(act.start), 0.0, t.easing, from_value=offset)
    return t.occupies


def walk_out(act: Action, canvas: Canvas, running: bool = False) -> float:
    """`exit to SIDE` (`walk out to`, `run out to`): turns and walks off the canvas."""
    side = act.items.expect_word("a side", SIDES)
    layer = act.layer
    prop, offset = _off_canvas(layer, side, act.start, canvas)
    offset += layer.value_at(prop, act.start)
    t = read_timing(act.items, _walk_time(abs(offset), canvas, running), "in-sine")
    if prop == "offset_x":
        _turn(layer, act.start, offset)
        _walk(layer, act.start, t.duration, abs(offset) / canvas.unit, running)
    layer.tween(prop, act.start, t.end(act.start), offset, t.easing)
    return t.occupies


def play_gesture(act: Action, name: str, clips: list[AudioClip]) -> float:
    c = _character(act.layer)
    g = c.gestures.get(name)
    if g is None:
        raise SceneError(f"{c.name} has no '{name}' gesture", act.items.where,
                         hint=f"{c.name}'s gestures: {', '.join(sorted(c.gestures)) or 'none'}")
    if "lift" in g.channels():
        _stand(act.layer, act.start, 0.3)  # a jump for joy starts by getting up
    t = read_timing(act.items, g.duration)
    speed = g.duration / t.duration if t.duration > 0 else 1.0
    _add(act.layer, motion.gesture(c, g, act.start, speed))
    if g.face:
        _show_face(act.layer, g.face, act.start, act.start + t.duration)
    if g.sound:
        for when in _sound_times(g):
            clips.append(AudioClip(start=round(act.start + when / speed, 6), kind="sound", source=g.sound, volume=0.8))
    return t.duration


def _sound_times(g) -> list[float]:
    """Where a gesture's sound plays: its `sound_at` times, or each key at the
    gesture's furthest reach."""
    if g.sound_at:
        return list(g.sound_at)
    if not g.channels():
        return [g.duration / 2]
    first = sorted(g.channels())[0]
    values = [(t, abs(v[first])) for t, v in g.keys if first in v]
    peak = max(v for _, v in values)
    return [t for t, v in values if v == peak and peak > 0] or [g.duration / 2]


def _model_point(layer: LayerBuilder, t: float, target: tuple[float, float], canvas: Canvas,
                 facing: float) -> tuple[float, float]:
    """A canvas point in the character's own units (front view, origin between the feet)."""
    size = canvas.unit * max(layer.value_at("scale", t), 1e-3)
    x = layer.value_at("x", t) + layer.value_at("offset_x", t)
    y = layer.value_at("y", t) + layer.value_at("offset_y", t)
    return (target[0] - x) / size * math.copysign(1.0, facing), (target[1] - y) / size


def point_at(act: Action, target: tuple[float, float]) -> float:
    """`point at NAME|POS`: turn towards it and reach the arm on its side out at it,
    elbow straight, then lower it. The hand ends well away from the face."""
    layer = act.layer
    c = _character(layer)
    t = read_timing(act.items, 1.3)
    turn_towards(layer, act.start, target[0])
    _look(layer, act.start, act.start + TURN_TIME, target, act.items.canvas)
    here = layer.value_at("x", act.start) + layer.value_at("offset_x", act.start)
    facing = math.copysign(1.0, target[0] - here) if abs(target[0] - here) > 1e-6 \
        else layer.value_at("facing", act.start)
    point = _model_point(layer, act.start, target, act.items.canvas, facing)
    arms = [a for a in ("arm_r", "arm_l", "wing_r", "wing_l", "flipper_r", "flipper_l", "paw_front_r", "paw_front_l")
            if c.part(a) is not None]
    if not arms:  # nothing to point with: the character looks there instead
        layer.tween("look", act.start, act.start + 0.3, (1.0, 0.0), "in-out-sine")
        return t.duration
    arm = arms[0]
    rise, back = min(0.3, t.duration / 4), min(0.25, t.duration / 4)
    for track, angle in motion.arm_angles(c, arm, point, straight=True).items():
        layer.tween(track, act.start, act.start + rise, angle, "out-back")
        layer.tween(track, act.start + t.duration - back, act.start + t.duration, 0.0, "in-out-sine")
    return t.duration


def look_at(act: Action, target: tuple[float, float]) -> float:
    layer = act.layer
    t = read_timing(act.items, 0.3)
    _look(layer, act.start, t.end(act.start), target, act.items.canvas, t.easing)
    return t.occupies


def _look(layer: LayerBuilder, start: float, end: float, target: tuple[float, float], canvas: Canvas,
          easing: str = "in-out-sine") -> None:
    x = layer.value_at("x", start) + layer.value_at("offset_x", start)
    c = _character(layer)
    eyes_y = layer.value_at("y", start) - c.height * 0.7 * canvas.unit
    dx, dy = target[0] - x, target[1] - eyes_y
    _turn(layer, start, dx)
    n = math.hypot(dx, dy) or 1.0
    # Eyes look along the way the character faces (it turns towards the target first).
    layer.tween("look", start, end, (abs(dx) / n, dy / n), easing)


def turn_to(act: Action, target: tuple[float, float]) -> float:
    """`turn to NAME|POS`: a three-quarter turn towards it, eyes on it."""
    t = read_timing(act.items, TURN_TIME, "in-out-sine")
    turn_towards(act.layer, act.start, target[0])
    _look(act.layer, act.start, t.end(act.start), target, act.items.canvas, t.easing)
    return t.occupies


def set_expression(act: Action) -> float:
    item = act.items.next("an expression")
    name = getattr(item, "name", item.text)
    if name not in EXPRESSIONS:
        raise SceneError(f"unknown expression '{name}'", item.span,
                         hint=did_you_mean(name, EXPRESSIONS, f"expressions: {', '.join(EXPRESSIONS)}"))
    t = read_timing(act.items, 0.0)
    _cancel_mood_restore(act.layer, act.start)  # an expression set just after a line stays
    act.layer.tween("expression", act.start, act.start, name, "linear")
    return t.occupies


def face(act: Action) -> float:
    """`face left|right [side]`: a three-quarter (or side) turn; `face front`: back to the front view."""
    side = act.items.expect_word("left, right or front", ("left", "right", "front"))
    profile = side != "front" and act.items.take_word("side") is not None
    t = read_timing(act.items, 0.25, "in-out-sine")
    layer, end = act.layer, t.end(act.start)
    if side != "front":
        layer.tween("facing", act.start, end, -1.0 if side == "left" else 1.0, t.easing)
    if turns(layer):
        layer.tween("view", act.start, end, 1.0 if profile else 0.0 if side == "front" else THREE_QUARTER, t.easing)
    if side == "front":
        layer.tween("look", act.start, end, (0.0, 0.0), t.easing)
    return t.occupies


def _pose(act: Action, default: float, targets: dict[str, float]) -> float:
    """Tween the body-pose tracks (sit, lie, asleep, view) to `targets` together."""
    t = read_timing(act.items, default, "in-out-sine")
    for track, value in targets.items():
        if act.layer.value_at(track, act.start) != value:
            act.layer.tween(track, act.start, t.end(act.start), value, t.easing)
    return t.occupies


def sit(act: Action) -> float:
    """`sit` / `sit down`: on the ground, legs out in front (three-quarter view)."""
    view = max(THREE_QUARTER, act.layer.value_at("view", act.start)) if turns(act.layer) else 0.0
    return _pose(act, 0.5, {"sit": 1.0, "lie": 0.0, "asleep": 0.0, "view": view})


def lie_down(act: Action) -> float:
    """`lie down`: on the ground, on its back, head first the way it faces."""
    return _pose(act, 0.6, {"lie": 1.0, "sit": 0.0, "view": 0.0})


def sleep(act: Action) -> float:
    """`sleep`: lie down with the eyes closed (they stay closed through blinks)."""
    return _pose(act, 0.8, {"lie": 1.0, "sit": 0.0, "view": 0.0, "asleep": 1.0})


def stand_up(act: Action) -> float:
    """`stand up` / `wake up`: back on its feet, eyes open."""
    return _pose(act, 0.5, {"lie": 0.0, "sit": 0.0, "asleep": 0.0})


def gesture_name(character: Character, items) -> tuple[str, int] | None:
    """The gesture the words at the cursor name (`jump for joy` is `jump_for_joy`),
    and how many words it takes; None if they name none of the character's."""
    words = []
    for offset in range(4):
        item = items.peek(offset)
        if not isinstance(item, ast.Word):
            break
        words.append(item.name)
    for n in range(len(words), 0, -1):
        if "_".join(words[:n]) in character.gestures:
            return "_".join(words[:n]), n
    return None


def take_listener(items: tuple) -> tuple[tuple, ast.Word | None]:
    """`… says "…" to NAME …`: the line's items without `to NAME`, and NAME."""
    for i, item in enumerate(items):
        if isinstance(item, ast.Word) and item.name == "to":
            listener = items[i + 1] if i + 1 < len(items) else None
            if not isinstance(listener, ast.Word):
                raise SceneError("expected who the line is said to after 'to'", (listener or item).span,
                                 hint='luna says "Look!" to sunny')
            return items[:i] + items[i + 2:], listener
    return items, None


def face_each_other(speaker: LayerBuilder, listener: LayerBuilder, t: float, canvas: Canvas) -> None:
    """A line said to someone: the speaker turns to the listener and the listener
    turns to the speaker and looks at them."""
    def where(layer: LayerBuilder) -> tuple[float, float]:
        x = layer.value_at("x", t) + layer.value_at("offset_x", t)
        y = layer.value_at("y", t) + layer.value_at("offset_y", t)
        if layer.kind == "character":
            y -= _character(layer).height * 0.7 * canvas.unit * layer.value_at("scale", t)
        return x, y
    for one, other in ((speaker, listener), (listener, speaker)):
        if one.kind == "character":
            turn_towards(one, t, where(other)[0])
            _look(one, t, t + TURN_TIME, where(other), canvas)


def _cancel_mood_restore(layer: LayerBuilder, t: float) -> str | None:
    """Drop a line's "back to the face before" change still to come after `t`; return that face."""
    pending = getattr(layer, "mood_restore", None)
    if pending is None or pending.start <= t or pending not in layer.tweens.get("expression", []):
        return None
    layer.tweens["expression"].remove(pending)
    return pending.to_value


def _show_face(layer: LayerBuilder, expression: str, start: float, end: float) -> None:
    """Show `expression` from `start`, and the face from before at `end` (unless
    a later expression or line changes it first)."""
    before = _cancel_mood_restore(layer, start) or layer.value_at("expression", start)
    layer.tween("expression", start, start, expression, "linear")
    layer.tween("expression", end, end, before, "linear")
    layer.mood_restore = layer.tweens["expression"][-1]  # type: ignore[attr-defined]


def speak(layer: LayerBuilder, speech, start: float, mood: str | None) -> None:
    """Lip sync and the mood's expression for a line said from `start`."""
    c = _character(layer)
    end = start + speech.duration
    _add(layer, {"mouth": motion.lip_sync(c, motion.phonemes_of(speech), start, end)})
    mood = (mood or "").strip().lower()
    expression = MOOD_EXPRESSIONS.get(MOOD_ALIASES.get(mood, mood))
    if expression:
        # If the line before has not restored its face yet, this line's mood takes
        # over, and this line restores the face from before both.
        _show_face(layer, expression, start, end + 0.3)


def voice_of(member: CastMember) -> str:
    return member.character.voice.preset


# Words that are a character's actions (besides its gestures, which are played by name).
CHARACTER_WORDS = ("wave", "jump", "nod", "clap", "cheer", "think", "surprise", "shrug", "jump for joy", "point",
                   "look", "turn", "face", "expression", "walk", "run", "sit", "lie", "sleep", "stand", "wake")


def character_action(act: Action, scene) -> float | None:
    """Run the character action at the cursor and return how long it takes, or None
    when the words are not a character action (an ordinary one: fade in, …).

    `scene` is the SceneCompiler: its canvas, sound clips and `target_position`."""
    items = act.items
    words = tuple(item.name if isinstance(item, ast.Word) else None for item in (items.peek(), items.peek(1),
                                                                                 items.peek(2)))
    canvas = scene.canvas

    def walk_target() -> tuple[float, float, bool]:
        item = items.peek()
        named = isinstance(item, ast.Word) and (item.name in scene.layers or item.name in scene.cast)
        if named and item.name == act.layer.name:
            raise SceneError(f"'{item.name}' cannot walk to itself", item.span,
                             hint="walk to another element or character, or to a position: walk to (60%, 90%)")
        if named:
            x, y = scene.target_position(items, act.start)
            return x, y, True
        x, y, _ = items.position("where to go: a position or a name")
        return x, y, False

    moves = {
        ("move", "to"): lambda: walk_to(act, canvas, walk_target()),
        ("walk", "to"): lambda: walk_to(act, canvas, walk_target()),
        ("run", "to"): lambda: walk_to(act, canvas, walk_target(), running=True),
        ("enter", "from"): lambda: walk_in(act, canvas),
        ("exit", "to"): lambda: walk_out(act, canvas),
        ("walk", "in", "from"): lambda: walk_in(act, canvas),
        ("walk", "out", "to"): lambda: walk_out(act, canvas),
        ("run", "in", "from"): lambda: walk_in(act, canvas, running=True),
        ("run", "out", "to"): lambda: walk_out(act, canvas, running=True),
        ("point", "at"): lambda: point_at(act, scene.target_position(items, act.start)),
        ("look", "at"): lambda: look_at(act, scene.target_position(items, act.start)),
        ("turn", "to"): lambda: turn_to(act, scene.target_position(items, act.start)),
        ("sit", "down"): lambda: sit(act),
        ("lie", "down"): lambda: lie_down(act),
        ("stand", "up"): lambda: stand_up(act),
        ("wake", "up"): lambda: stand_up(act),
        ("face",): lambda: face(act),
        ("expression",): lambda: set_expression(act),
        ("sit",): lambda: sit(act),
        ("sleep",): lambda: sleep(act),
    }
    for n in (3, 2, 1):
        if words[:n] in moves:
            items.i += n
            return moves[words[:n]]()
    named = gesture_name(_character(act.layer), items)
    if named is not None:
        items.i += named[1]
        return play_gesture(act, named[0], scene.audio.clips)
    if words[0] in ("point", "look", "turn"):
        what = "to" if words[0] == "turn" else "at"
        raise SceneError(f"expected '{what}' after '{words[0]}'", (items.peek(1) or items.peek()).span,
                         hint=f"write: {words[0]} {what} NAME, or {words[0]} {what} (x, y)")
    if words[0] in ("walk", "run"):
        raise SceneError(f"expected 'to', 'in from' or 'out to' after '{words[0]}'",
                         (items.peek(1) or items.peek()).span,
                         hint=f"{words[0]} to (60%, 90%), {words[0]} to apple, {words[0]} in from left, "
                              f"{words[0]} out to right")
    return None
