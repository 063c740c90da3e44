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

from ..timeline import Segment
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
    """Track -> segments for one gesture played from `start` (scene seconds)."""
    out: dict[str, list[Segment]] = {}
    for channel in sorted(g.channels()):
        keys = [(t, values[channel]) for t, values in g.keys if channel in values]
        track = channel if channel in BODY_CHANNELS else f"pose.{channel}"
        segs = []
        for (t0, v0), (t1, v1) in zip(keys, keys[1:]):
            segs.append(Segment(round(start + t0 / speed, 6), round(start + t1 / speed, 6), v0, v1, "in-out-sine"))
        out[track] = segs
    return out


def resting_value(track: str) -> float:
    return 1.0 if track == "squash" else 0.0


def walk_steps(distance: float, stride: float) -> float:
    """Steps for a walk over `distance` units, in half steps so the legs end together."""
    return max(0.5, round(distance / stride * 2) / 2)


def arm_angle_towards(character: Character, arm: str, from_x: float, from_y: float, to_x: float, to_y: float,
                      facing: float) -> float:
    """The rotation (degrees) that points `arm` from the character's shoulder at a target.

    Arms hang straight down at rotation 0, so pointing right is -90 for the right arm.
    Positions are in canvas pixels; only the direction matters.
    """
    dx, dy = (to_x - from_x) * (1 if facing >= 0 else -1), to_y - from_y
    angle = math.degrees(math.atan2(dy, dx))  # 0 = right, 90 = down
    return angle - 90.0


def phonemes_of(speech) -> list[tuple[str, float, float]]:
    return [(p.phoneme, p.start, p.end) for p in speech.phonemes]
