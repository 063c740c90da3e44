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
from ..engine.characters import motion
from ..engine.speech import MOOD_ALIASES
from ..engine.timeline import AudioClip, Segment
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
                        ("look", (0.0, 0.0))):
        layer.values[prop] = value
    for g in c.gestures.values():
        for channel in g.channels():
            track = channel if channel in motion.BODY_CHANNELS else f"pose.{channel}"
            layer.values.setdefault(track, motion.resting_value(track))
    for arm in ("arm_l", "arm_r"):
        if c.part(arm) is not None:
            layer.values.setdefault(f"pose.{arm}", 0.0)
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
        layer.tween("facing", t, t + 0.2, math.copysign(1.0, direction), "in-out-sine")


def _walk(layer: LayerBuilder, start: float, duration: float, distance_units: float) -> None:
    c = _character(layer)
    steps = motion.walk_steps(distance_units, c.walk_stride)
    base = layer.value_at("walk", start)
    layer.tween("walk", start, start + duration, base + steps, "linear", from_value=base)


def _walk_time(distance_px: float, canvas: Canvas) -> float:
    return max(0.4, distance_px / (WALK_SPEED * canvas.unit))


def walk_to(act: Action, canvas: Canvas) -> float:
    """`move to POS` for a character: turn, then walk there with a walk cycle."""
    layer = act.layer
    x, y, _ = act.items.position("where to walk")
    x0, y0 = layer.value_at("x", act.start), layer.value_at("y", act.start)
    distance = math.hypot(x - x0, y - y0)
    t = read_timing(act.items, _walk_time(distance, canvas), "in-out-sine")
    _turn(layer, act.start, x - x0)
    end = t.end(act.start)
    layer.tween("x", act.start, end, x, t.easing)
    layer.tween("y", act.start, end, y, t.easing)
    _walk(layer, act.start, t.duration, distance / canvas.unit / max(layer.value_at("scale", act.start), 0.1))
    return t.occupies


def _off_canvas(layer: LayerBuilder, side: str, t: float, canvas: Canvas) -> tuple[str, float]:
    """The offset that puts the character just beyond `side` of the canvas."""
    c = _character(layer)
    scale = layer.value_at("scale", t)
    half = c.height * 0.4 * canvas.unit * scale  # about half the character's width, with its arms
    x, y = layer.value_at("x", t), layer.value_at("y", t)
    return {"left": ("offset_x", -(x + half)), "right": ("offset_x", canvas.width - x + half),
            "top": ("offset_y", -y), "bottom": ("offset_y", canvas.height - y + c.height * canvas.unit * scale)}[side]


def walk_in(act: Action, canvas: Canvas) -> float:
    """`enter from SIDE`: waits just off-canvas, then walks in to its place."""
    side = act.items.expect_word("a side", SIDES)
    layer = act.layer
    prop, offset = _off_canvas(layer, side, act.start, canvas)
    t = read_timing(act.items, _walk_time(abs(offset), canvas), "out-sine")
    if not layer.has_tweens(prop):
        layer.values[prop] = offset
    if prop == "offset_x":
        _turn(layer, act.start, -offset)
        _walk(layer, act.start, t.duration, abs(offset) / canvas.unit)
    layer.tween(prop, act.start, t.end(act.start), 0.0, t.easing, from_value=offset)
    return t.occupies


def walk_out(act: Action, canvas: Canvas) -> float:
    """`exit to SIDE`: turns and walks off the canvas."""
    side = act.items.expect_word("a side", SIDES)
    layer = act.layer
    prop, offset = _off_canvas(layer, side, act.start, canvas)
    offset += layer.value_at(prop, act.start)
    t = read_timing(act.items, _walk_time(abs(offset), canvas), "in-sine")
    if prop == "offset_x":
        _turn(layer, act.start, offset)
        _walk(layer, act.start, t.duration, abs(offset) / canvas.unit)
    layer.tween(prop, act.start, t.end(act.start), offset, t.easing)
    return t.occupies


def play_gesture(act: Action, name: str, clips: list[AudioClip]) -> float:
    c = _character(act.layer)
    g = c.gestures.get(name)
    if g is None:
        raise SceneError(f"{c.name} has no '{name}' gesture", act.items.where,
                         hint=f"{c.name}'s gestures: {', '.join(sorted(c.gestures)) or 'none'}")
    t = read_timing(act.items, g.duration)
    speed = g.duration / t.duration if t.duration > 0 else 1.0
    _add(act.layer, motion.gesture(c, g, act.start, speed))
    if g.sound:
        for when in _sound_times(g):
            clips.append(AudioClip(start=round(act.start + when / speed, 6), kind="sound", source=g.sound, volume=0.8))
    return t.duration


def _sound_times(g) -> list[float]:
    """Where a gesture's sound plays: each key at the gesture's furthest reach."""
    first = sorted(g.channels())[0]
    values = [(t, abs(v[first])) for t, v in g.keys if first in v]
    peak = max(v for _, v in values)
    return [t for t, v in values if v == peak and peak > 0]


def point_at(act: Action, target: tuple[float, float]) -> float:
    layer = act.layer
    c = _character(layer)
    t = read_timing(act.items, 1.3)
    # Facing left mirrors the whole figure, so arm_r is always the arm on the side it faces.
    arm = "arm_r" if c.part("arm_r") is not None else "arm_l"
    x, y = layer.value_at("x", act.start), layer.value_at("y", act.start)
    shoulder_y = y - c.height * 0.45 * act.items.canvas.unit * layer.value_at("scale", act.start)
    facing = layer.value_at("facing", act.start)
    _turn(layer, act.start, target[0] - x)
    facing = math.copysign(1.0, target[0] - x) if target[0] != x else facing
    angle = motion.arm_angle_towards(c, arm, x, shoulder_y, target[0], target[1], facing)
    if arm == "arm_r" and angle > 90:
        angle -= 360  # turn the short way round
    rise, back = min(0.25, t.duration / 4), min(0.25, t.duration / 4)
    layer.tween(f"pose.{arm}", act.start, act.start + rise, angle, "out-back")
    layer.tween(f"pose.{arm}", act.start + t.duration - back, act.start + t.duration, 0.0, "in-out-sine")
    return t.duration


def look_at(act: Action, target: tuple[float, float]) -> float:
    layer = act.layer
    t = read_timing(act.items, 0.3)
    x = layer.value_at("x", act.start) + layer.value_at("offset_x", act.start)
    c = _character(layer)
    eyes_y = layer.value_at("y", act.start) - c.height * 0.7 * act.items.canvas.unit
    dx, dy = target[0] - x, target[1] - eyes_y
    _turn(layer, act.start, dx)
    n = math.hypot(dx, dy) or 1.0
    # Eyes look along the way the character faces (it turns towards the target first).
    layer.tween("look", act.start, t.end(act.start), (abs(dx) / n, dy / n), t.easing)
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
    side = act.items.expect_word("left or right", ("left", "right"))
    t = read_timing(act.items, 0.25, "in-out-sine")
    act.layer.tween("facing", act.start, t.end(act.start), -1.0 if side == "left" else 1.0, t.easing)
    return t.occupies


def _cancel_mood_restore(layer: LayerBuilder, t: float) -> str | None:
    """Drop a line's "back to the face before" change still to come after `t`; return that face."""
    pending = getattr(layer, "mood_restore", None)
    if pending is None or pending.start <= t or pending not in layer.tweens.get("expression", []):
        return None
    layer.tweens["expression"].remove(pending)
    return pending.to_value


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
        before = _cancel_mood_restore(layer, start) or layer.value_at("expression", start)
        layer.tween("expression", start, start, expression, "linear")
        layer.tween("expression", end + 0.3, end + 0.3, before, "linear")
        layer.mood_restore = layer.tweens["expression"][-1]  # type: ignore[attr-defined]


def voice_of(member: CastMember) -> str:
    return member.character.voice.preset
