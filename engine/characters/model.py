"""A character as data: parts with pivots, a face, expressions, visemes, gestures.

Coordinates are character units: design pixels at scale 1, origin at the point
between the feet, y pointing down (SVG's convention), so the head has negative y.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RGBA = tuple[float, float, float, float]

# The mouth is a small vector of shape parameters; visemes and expressions set
# it and the timeline interpolates it like any other tuple.
MOUTH_CHANNELS = ("open", "width", "round", "teeth", "tongue")
VISEMES = ("rest", "A", "E", "O", "M", "F", "L")
EYE_VARIANTS = ("open", "smile", "closed", "wide", "half", "narrow")
VIEWS = ("three_quarter", "side")
EXPRESSIONS = ("neutral", "happy", "sad", "surprised", "excited", "thinking", "sleepy", "angry", "scared")
# Gesture channels that are not part rotations.
BODY_CHANNELS = ("lift", "squash", "lean", "nod")
# Places on the character a gesture's hand can reach (`reach: {arm: arm_r, to: chin}`).
REACH_PLACES = ("chin", "mouth", "head_top")


@dataclass(frozen=True)
class Part:
    id: str
    path: str  # SVG path data in character units
    fill: RGBA
    pivot: tuple[float, float]
    stroke: bool = True  # drawn with the character's outline
    children: tuple["Part", ...] = ()
    face: bool = False  # the face is drawn inside this part's transform

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Face:
    eye_y: float
    eye_spacing: float
    eye_width: float
    eye_height: float
    eye_color: RGBA
    mouth_y: float
    mouth_width: float
    mouth_color: RGBA
    brow_y: float
    brow_color: RGBA
    cheek_y: float
    cheek_spacing: float
    cheek_radius: float
    cheek_color: RGBA
    center_x: float = 0.0


@dataclass(frozen=True)
class Expression:
    eyes: str = "open"
    brows: float = 0.0  # raise (+) / lower (-), in character units
    brow_tilt: float = 0.0  # degrees; + is worried/sad (inner ends up)
    smile: float = 0.3  # -1 frown .. +1 big smile
    mouth_open: float = 0.0  # held open (surprise)
    look: tuple[float, float] = (0.0, 0.0)
    blush: float = 0.5
    wavy: float = 0.0  # 0..1: the closed mouth wobbles (nervous, scared)


@dataclass(frozen=True)
class Gesture:
    duration: float
    keys: tuple[tuple[float, dict[str, float]], ...]  # (time, {channel: value})
    sound: str | None = None  # a sound effect the gesture makes (clap)
    reach: tuple[str, str] | None = None  # (arm, place): the `reach` channel moves that hand there
    sound_at: tuple[float, ...] = ()  # when the sound plays (default: each key at the furthest reach)
    face: str | None = None  # the expression shown while it plays (surprise: surprised)


    def channels(self) -> set[str]:
        return {name for _, values in self.keys for name in values}


@dataclass(frozen=True)
class VoiceSettings:
    preset: str = "narrator"
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Character:
    id: str
    name: str
    personality: str
    folder: str
    height: float
    outline: RGBA
    outline_width: float
    parts: tuple[Part, ...]
    face: Face
    expressions: dict[str, Expression]
    visemes: dict[str, tuple[float, ...]]
    gestures: dict[str, Gesture]
    voice: VoiceSettings
    walk_stride: float = 90.0  # character units per step
    idle_bob: float = 4.0
    # Hand-drawn parts for a view, used instead of the rig's: {"side": {"paths": {id: path}, "hide": (ids)}}.
    views: dict[str, dict] = field(default_factory=dict)

    @property
    def turns(self) -> bool:
        """False for a character drawn in profile already (`views: {turns: false}`):
        the rig mirrors it but does not make a three-quarter or side view."""
        return self.views.get("turns", {}).get("turns", True)

    def view_overrides(self, view: float) -> dict:
        """The hand-drawn overrides for a view value (0 front .. 1 side), or {}."""
        if view >= 0.75:
            return self.views.get("side", {})
        if view >= 0.25:
            return self.views.get("three_quarter", {})
        return {}

    def part(self, part_id: str) -> Part | None:
        for root in self.parts:
            for p in root.walk():
                if p.id == part_id:
                    return p
        return None

    def part_ids(self) -> list[str]:
        return [p.id for root in self.parts for p in root.walk()]
