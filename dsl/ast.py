"""The syntax tree of a `.scene` file: small frozen dataclasses with source spans.

Spans are positions in the expanded (post-Jinja) text; the front end maps them
back to the author's file and line for error messages.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


# ── values ──────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Number:
    span: Span
    value: float
    text: str


@dataclass(frozen=True)
class Time:
    span: Span
    value: float
    unit: str  # s | ms | f
    text: str


@dataclass(frozen=True)
class Length:
    span: Span
    value: float
    unit: str  # px | %
    text: str


@dataclass(frozen=True)
class Color:
    span: Span
    text: str


@dataclass(frozen=True)
class String:
    span: Span
    value: str
    text: str


@dataclass(frozen=True)
class Word:
    span: Span
    name: str

    @property
    def text(self) -> str:
        return self.name


@dataclass(frozen=True)
class Arrow:
    span: Span
    text: str = "->"


@dataclass(frozen=True)
class Dimensions:
    span: Span
    width: int
    height: int
    text: str


@dataclass(frozen=True)
class Position:
    span: Span
    x: Union[Number, Length]
    y: Union[Number, Length]

    @property
    def text(self) -> str:
        return f"({self.x.text}, {self.y.text})"


Item = Union[Number, Time, Length, Color, String, Word, Arrow, Position, Dimensions]


# ── steps ───────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Declare:
    """`name = KIND items… [{ children }]` — an element appears."""

    span: Span
    name: Word
    kind: Word
    items: tuple[Item, ...]
    children: tuple["Declare", ...] | None = None


@dataclass(frozen=True)
class Animate:
    """`target: action words and values…`"""

    span: Span
    target: Word
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Wait:
    span: Span
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Together:
    span: Span
    steps: tuple["Step", ...]


@dataclass(frozen=True)
class AtBlock:
    span: Span
    when: Item
    steps: tuple["Step", ...]


@dataclass(frozen=True)
class BackgroundDecl:
    span: Span
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Says:
    """`SPEAKER says "…" [MOOD]` — speech; lasts as long as the synthesised line."""

    span: Span
    speaker: Word
    items: tuple[Item, ...]


@dataclass(frozen=True)
class SoundStep:
    """`sound NAME|"file" [volume V]` — a sound effect; takes no time."""

    span: Span
    items: tuple[Item, ...]


@dataclass(frozen=True)
class MusicStep:
    """`music …` inside a scene: this scene's music (or `music off`)."""

    span: Span
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Parallel:
    """`A & B & …` — all start together; the step ends when the longest ends."""

    span: Span
    steps: tuple["Step", ...]


Step = Union[Declare, Animate, Wait, Together, AtBlock, BackgroundDecl, Says, SoundStep, MusicStep, Parallel]


# ── structure ─────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Setting:
    span: Span
    name: Word
    items: tuple[Item, ...]


@dataclass(frozen=True)
class VideoDecl:
    span: Span
    title: str | None
    settings: tuple[Setting, ...]


@dataclass(frozen=True)
class SceneDecl:
    span: Span
    name: Word
    duration: Item | None
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class TransitionDecl:
    span: Span
    kind: Word
    items: tuple[Item, ...]


@dataclass(frozen=True)
class CastMember:
    """`name = character ID [at POS] [scale V] [facing left|right]`"""

    span: Span
    name: Word
    items: tuple[Item, ...]


@dataclass(frozen=True)
class CastDecl:
    span: Span
    members: tuple[CastMember, ...]


@dataclass(frozen=True)
class Document:
    video: VideoDecl
    parts: tuple[Union[SceneDecl, TransitionDecl, CastDecl], ...]
