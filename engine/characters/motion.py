"""A character's life as ordinary timeline segments.

Gestures (keyframed part poses from the character's data), lip sync (visemes
from speech phonemes), blinking (seeded intervals), breathing and walking all
become `Segment`s on named tracks, so the timeline stays plain data and the
painter only draws what it is given.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ..timeline.timeline import Segment
from . import rig
from .model import BODY_CHANNELS, Character, Gesture

# IPA (as eSpeak NG writes it) -> viseme. Longest prefixes are tried first.
_VISEME_OF: dict[str, str] = {}
for _viseme, _phones in {
    "A": "a ɑ æ ʌ aɪ aʊ ɐ ɜ ə ɚ ɝ ɒ",
    "E": "e ɛ i ɪ eɪ j ɨ y ʏ",
    "O": "o ɔ u ʊ oʊ əʊ ɔɪ w ɵ ø œ",
    "M": "m b p",
    "F": "f v",
    "L": "l ɫ θ ð n t d ɾ s z ʃ ʒ tʃ dʒ k ɡ g ŋ h r ɹ x",
}.items():
    for _p in _phones.split():
        _VISEME_OF[_p] = _viseme
_STRIP = "ˈˌːˑ̃ʰ̩̯"


def viseme_for(phoneme: str) -> str:
    p = "".join(ch for ch in phoneme if ch not in _STRIP)
    for length in (3, 2, 1):
        v = _VISEME_OF.get(p[:length])
        if v:
            return v
    return "rest" if not p or p in ("_", "|", "||") else "L"


def lip_sync(character: Character, phonemes: Iterable[tuple[str, float, float]], start: float,
             end: float) -> list[Segment]:
    """Mouth-shape segments for speech from `start` to `end` (scene seconds).

    Each phoneme eases the mouth to its viseme over a short attack; gaps longer
    than a breath close the mouth to rest; the mouth rests after the line.
    """
    shapes = character.visemes
    rest = shapes["rest"]
    segments: list[Segment] = []
    current = rest
    last_end = start
    for ipa, p_start, p_end in phonemes:
        t0, t1 = start + p_start, start + p_end
        if t0 - last_end > 0.12 and current != rest:
            segments.append(Segment(last_end, min(t0, last_end + 0.08), current, rest, "in-out-sine"))
            current = rest
        target = shapes[viseme_for(ipa)]
        if target != current:
            attack = min(0.07, max(0.02, (t1 - t0) * 0.6))
            a = max(t0 - 0.02, segments[-1].end if segments else start)
            segments.append(Segment(a, a + attack, current, target, "in-out-sine"))
            current = target
        last_end = max(last_end, t1)
    close = max(last_end, segments[-1].end if segments else start)
    if current != rest:
        segments.append(Segment(close, min(max(end, close + 0.06), close + 0.1), current, rest, "in-out-sine"))
    return segments


def blinks(seed: int, start: float, end: float) -> list[Segment]:
    """Seeded natural blinking: every 2-5 s, a 0.15 s close-and-open; sometimes twice."""
    rng = np.random.default_rng(seed)
    segments: list[Segment] = []
    t = start + rng.uniform(0.6, 2.5)
    while t + 0.15 < end:
        segments.append(Segment(round(t, 4), round(t + 0.06, 4), 0.0, 1.0, "in-quad"))
        segments.append(Segment(round(t + 0.06, 4), round(t + 0.15, 4), 1.0, 0.0, "out-quad"))
        if rng.random() < 0.15 and t + 0.5 < end:  # a double blink
            t += 0.3
            continue
        t += rng.uniform(2.0, 5.0)
    return segments


def breathing(start: float, end: float, period: float = 3.2, phase_seed: int = 0) -> list[Segment]:
    """Slow in-and-out: the idle bob that keeps a still character alive."""
    segments: list[Segment] = []
    half = period / 2
    t = start - (phase_seed % 7) * period / 7
    value = 0.0
    while t < end:
        nxt = 1.0 - value
        a, b = max(start, t), t + half
        if b > start:
            segments.append(Segment(round(a, 4), round(b, 4), value if a == t else _sine_at(value, nxt, (a - t) / half),
                                    nxt, "in-out-sine"))
        value, t = nxt, b
    return segments


def _sine_at(a: float, b: float, k: float) -> float:
    return a + (b - a) * (0.5 - 0.5 * math.cos(math.pi * k))


def gesture(character: Character, g: Gesture, start: float, speed: float = 1.0) -> dict[str, list[Segment]]:
    """Track -> segments for one gesture played from `start` (scene seconds).

    A `reach` channel (0..1) becomes the arm and forearm rotations that put the
    hand on the gesture's place (the chin, for `think`), times the value."""
    out: dict[str, list[Segment]] = {}
    reach = arm_angles(character, g.reach[0], reach_place(character, g.reach[0], g.reach[1])) if g.reach else {}
    for channel in sorted(g.channels()):
        keys = [(t, values[channel]) for t, values in g.keys if channel in values]
        targets = reach.items() if channel == "reach" else \
            [(channel if channel in BODY_CHANNELS else f"pose.{channel}", 1.0)]
        for track, scale in targets:
            out[track] = [Segment(round(start + t0 / speed, 6), round(start + t1 / speed, 6), v0 * scale, v1 * scale,
                                  "in-out-sine") for (t0, v0), (t1, v1) in zip(keys, keys[1:])]
    return out


def _side(part_id: str) -> str:
    return part_id.rsplit("_", 1)[-1] if part_id.endswith(("_l", "_r")) else ""


def _centre(part) -> tuple[float, float]:
    left, top, right, bottom = rig.subtree_bounds(part)
    return (left + right) / 2, (top + bottom) / 2


def arm_joints(character: Character, arm_id: str) -> tuple[tuple[float, float], ...]:
    """Shoulder, elbow (when the arm has a forearm) and hand centre, in the front view."""
    arm = character.part(arm_id)
    side = _side(arm_id)
    forearm = character.part(f"forearm_{side}") if arm_id.startswith("arm_") else None
    hand = character.part(f"hand_{side}")
    if hand is None or not any(p is hand for p in arm.walk()):
        left, top, right, bottom = rig.subtree_bounds(arm)
        # No hand: the end of the limb furthest from the joint.
        hand_at = max(((x, y) for x in (left, right) for y in (top, bottom)),
                      key=lambda q: math.dist(q, arm.pivot))
    else:
        hand_at = _centre(hand)
    if forearm is not None and any(p is forearm for p in arm.walk()):
        return arm.pivot, forearm.pivot, hand_at
    return arm.pivot, hand_at


def reach_place(character: Character, arm_id: str, place: str) -> tuple[float, float]:
    """Where a hand touching `place` goes, in character units (front view)."""
    f = character.face
    face_part = next(p for root in character.parts for p in root.walk() if p.face)
    left, top, right, bottom = rig.subtree_bounds(face_part)
    hand = character.part(f"hand_{_side(arm_id)}")
    hand_r = (rig.subtree_bounds(hand)[2] - rig.subtree_bounds(hand)[0]) / 2 if hand else 10.0
    side = -1.0 if arm_id.endswith("_l") else 1.0
    if place == "chin":  # under the chin, a little to the hand's side: not over the mouth or nose
        return f.center_x + side * f.mouth_width * 0.2, max(bottom - hand_r * 0.2, f.mouth_y + hand_r * 1.6)
    if place == "mouth":
        return f.center_x + side * f.mouth_width * 0.3, f.mouth_y + hand_r * 0.5
    return f.center_x + side * (right - left) * 0.2, top - hand_r * 0.2  # head_top


def _heading(v: tuple[float, float]) -> float:
    return math.degrees(math.atan2(v[1], v[0]))  # y down: clockwise, like Skia's rotations


def arm_angles(character: Character, arm_id: str, target: tuple[float, float],
               straight: bool = False) -> dict[str, float]:
    """Rotations (degrees, by track) that bring `arm_id`'s hand to `target` (character
    units); with `straight`, the arm points at it with the elbow straight."""
    joints = arm_joints(character, arm_id)
    shoulder = joints[0]
    aim = (target[0] - shoulder[0], target[1] - shoulder[1])
    if len(joints) == 2 or straight:
        upper_rest = _heading((joints[1][0] - shoulder[0], joints[1][1] - shoulder[1]))
        angles = {f"pose.{arm_id}": _wrap(_heading(aim) - upper_rest)}
        if len(joints) == 3:
            lower_rest = _heading((joints[2][0] - joints[1][0], joints[2][1] - joints[1][1]))
            angles[f"pose.forearm_{_side(arm_id)}"] = _wrap(upper_rest - lower_rest)
        return angles
    elbow, hand = joints[1], joints[2]
    upper = math.dist(shoulder, elbow)
    lower = math.dist(elbow, hand)
    d = min(max(math.hypot(*aim), abs(upper - lower) + 1e-3), upper + lower - 1e-3)
    bend = math.degrees(math.acos((upper ** 2 + d ** 2 - lower ** 2) / (2 * upper * d)))
    # Of the two elbow positions, the lower one: a hand raised to the chin, the elbow down.
    candidates = [_heading(aim) + s * bend for s in (-1, 1)]
    upper_dir = max(candidates, key=lambda a: math.sin(math.radians(a)))
    new_elbow = (shoulder[0] + upper * math.cos(math.radians(upper_dir)),
                 shoulder[1] + upper * math.sin(math.radians(upper_dir)))
    lower_dir = _heading((shoulder[0] + aim[0] * d / max(math.hypot(*aim), 1e-9) - new_elbow[0],
                          shoulder[1] + aim[1] * d / max(math.hypot(*aim), 1e-9) - new_elbow[1]))
    upper_rest = _heading((elbow[0] - shoulder[0], elbow[1] - shoulder[1]))
    lower_rest = _heading((hand[0] - elbow[0], hand[1] - elbow[1]))
    arm_turn = _wrap(upper_dir - upper_rest)
    return {f"pose.{arm_id}": arm_turn, f"pose.forearm_{_side(arm_id)}": _wrap(lower_dir - lower_rest - arm_turn)}


def _wrap(degrees: float) -> float:
    """The same turn the short way round (-180..180)."""
    return (degrees + 180.0) % 360.0 - 180.0


def resting_value(track: str) -> float:
    return 1.0 if track == "squash" else 0.0


def walk_steps(distance: float, stride: float) -> float:
    """Steps for a walk over `distance` units, in half steps so the legs end together."""
    return max(0.5, round(distance / stride * 2) / 2)


def phonemes_of(speech) -> list[tuple[str, float, float]]:
    return [(p.phoneme, p.start, p.end) for p in speech.phonemes]
