"""The timeline graph: the engine's intermediate representation.

Immutable data, in canvas pixels and seconds, built by any front end (the DSL
compiler is one). `Timeline.sample(t)` turns it into a display list for the
rasteriser. Nothing here knows about syntax or about Skia.

Shape:
    Timeline
      scenes:       Scene(start, end, layers: tree of Layer)
      transitions:  Transition(kind, start, end) between scene i and i+1
      audio, captions, chapters: filled by later stages (empty is valid)
    Layer
      tracks: property -> Track(initial, segments)   (animatable values)
      attrs:  property -> plain value                 (text, file, font, ...)
      appear / disappear in scene-local seconds
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any, Union

from .easing import DEFAULT_EASING, ease
from .display import DisplayList, Node, TransitionNode

Value = Union[float, tuple[float, ...], str]


def lerp(a: Value, b: Value, k: float) -> Value:
    if isinstance(a, tuple):
        return tuple(x + (y - x) * k for x, y in zip(a, b))  # type: ignore[arg-type]
    if isinstance(a, str):
        return b if k >= 1.0 else a
    return a + (b - a) * k  # type: ignore[operator]


@dataclass(frozen=True)
class Segment:
    """One tween: from `start` to `end` the value goes `from_value` -> `to_value`.

    With `path` set the value follows a motion path instead of a straight line:
    `{"d": SVG path data, "scale": data units -> canvas px, "origin": [x, y],
    "axis": 0 or 1}` gives the x (or y) of the point at the eased fraction of
    the path's length, offset by `origin`.
    """

    start: float
    end: float
    from_value: Value
    to_value: Value
    easing: str = DEFAULT_EASING
    path: dict | None = None

    def value_at(self, t: float) -> Value:
        if self.end <= self.start:
            k = 1.0
        else:
            k = ease(self.easing, (t - self.start) / (self.end - self.start))
        if self.path is not None:
            from .paths import point_along

            point = point_along(self.path["d"], k)
            return self.path["origin"][self.path["axis"]] + point[self.path["axis"]] * self.path["scale"]
        return lerp(self.from_value, self.to_value, k)


@dataclass(frozen=True)
class Track:
    """A property over time. Segments are sorted by start; the latest one that has
    started wins (a later tween overrides an earlier one from its start on)."""

    initial: Value
    segments: tuple[Segment, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(s.start for s in self.segments))

    def value_at(self, t: float) -> Value:
        if not self.segments:
            return self.initial
        i = bisect.bisect_right(self._starts, t) - 1  # type: ignore[attr-defined]
        if i < 0:
            return self.initial
        return self.segments[i].value_at(t)

    def is_static(self) -> bool:
        return not self.segments

    def changes_between(self, t0: float, t1: float) -> bool:
        return any(s.start < t1 and s.end > t0 for s in self.segments)


@dataclass(frozen=True)
class Layer:
    id: str
    kind: str
    tracks: dict[str, Track]
    attrs: dict[str, Any] = field(default_factory=dict)
    appear: float = 0.0
    disappear: float | None = None
    z: float = 0.0
    children: tuple["Layer", ...] = ()

    def visible_at(self, t: float) -> bool:
        return t >= self.appear and (self.disappear is None or t < self.disappear)

    def sample(self, t: float) -> Node:
        values = {name: track.value_at(t) for name, track in self.tracks.items()}
        for name, step in self.attrs.get("steps", {}).items():
            # A value that moves in steps (a backdrop's life clock): between two steps the
            # node is unchanged, so the rasteriser reuses what it drew and the encoder
            # gets rows that did not change.
            values[name] = math.floor(values[name] / step + 1e-6) * step
        own = own_time(self.attrs, t) if self.children else t
        children = tuple(c.sample(own) for c in self.children if c.visible_at(own))
        return Node(self.id, self.kind, values, self.attrs, children)


def own_time(attrs: dict[str, Any], t: float) -> float:
    """The time a group's children live at: the scene's, held where the group is
    frozen (`freezes`: [at, until or None] pairs, time standing still from `at`
    and going on from there at `until`) and then wrapped round its `loop`
    ([from, length]: the children's first `length` seconds, again and again)."""
    held = 0.0
    for at, until in attrs.get("freezes", ()):
        if t < at:
            break
        if until is None or t < until:
            t = at  # held still (less what earlier freezes held, below)
            break
        held += until - at
    t -= held
    loop = attrs.get("loop_time")
    if loop is not None and t > loop[0] and loop[1] > 0:
        t = loop[0] + math.fmod(t - loop[0], loop[1])
    return t


@dataclass(frozen=True)
class Scene:
    name: str
    start: float
    end: float
    layers: tuple[Layer, ...]  # drawn in order (the compiler sorts by z)

    @property
    def duration(self) -> float:
        return self.end - self.start

    def sample(self, t: float) -> tuple[Node, ...]:
        local = t - self.start
        return tuple(layer.sample(local) for layer in self.layers if layer.visible_at(local))


@dataclass(frozen=True)
class Transition:
    kind: str  # a name of transition_kinds.KINDS (never "random": the compiler picks) or a plugin's
    start: float
    end: float
    from_scene: int
    to_scene: int
    params: dict[str, Any] = field(default_factory=dict)  # direction, color
    easing: str = "linear"

    def progress(self, t: float) -> float:
        if self.end <= self.start:
            return 1.0
        return ease(self.easing, (t - self.start) / (self.end - self.start))


@dataclass(frozen=True)
class AudioClip:
    """A sound placed on the video's clock (seconds).

    kind: "speech" (source: a cached WAV of synthesised speech), "sound" (a
    built-in effect name or a file), "music" (a built-in generator name such as
    "nursery", or a file). `end` cuts the clip; `loop` repeats a file or extends
    a generated tune to `end`; `duck` lowers it under speech; `params` holds the
    generator's settings (tempo, key, seed) or a file's trim.
    """

    start: float
    kind: str
    source: str
    volume: float = 1.0
    end: float | None = None
    loop: bool = False
    duck: bool = False
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WordCue:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class CaptionCue:
    start: float
    end: float
    text: str
    speaker: str = ""
    words: tuple[WordCue, ...] = ()  # for karaoke highlighting


@dataclass(frozen=True)
class Chapter:
    name: str
    time: float


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    fps: float
    duration: float
    title: str = ""
    background: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    safe_area: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # x0, y0, x1, y1 px
    scenes: tuple[Scene, ...] = ()
    transitions: tuple[Transition, ...] = ()
    audio: tuple[AudioClip, ...] = ()
    captions: tuple[CaptionCue, ...] = ()
    chapters: tuple[Chapter, ...] = ()
    captions_mode: str = "off"  # off | on (SRT/VTT files) | burned (drawn into the frames, files too)
    thumbnail_at: float | None = None  # the thumbnail's frame (None: the most colourful of the first scene)
    audience_age: float | None = None  # the viewers' age: caption reading speed, metadata, check-video
    tags: tuple[str, ...] = ()  # the upload's own tags (publish.py puts them first)
    description: str = ""  # the upload's own description (publish.py adds the chapters)
    made_for_kids: bool | None = None  # declared made for children (None: not declared)
    loudness: float = -14.0  # LUFS the mix is normalised to (`render --loudness`)
    speech_providers: tuple[str, ...] = ()  # the speech providers its lines were tried with (empty: the default order)
    speech_budget: float | None = None  # US dollars its lines could spend on paid speech (None: no limit)

    @property
    def frame_count(self) -> int:
        return max(0, round(self.duration * self.fps))

    def time_of_frame(self, index: int) -> float:
        return index / self.fps

    def sample(self, t: float) -> DisplayList:
        """The display list for time `t` (seconds from the start of the video)."""
        overlay = self._caption_overlay(t)
        for tr in self.transitions:
            if tr.start <= t < tr.end and tr.kind != "cut":
                a = self.scenes[tr.from_scene].sample(t)
                b = self.scenes[tr.to_scene].sample(t)
                node = TransitionNode(tr.kind, tr.progress(t), tr.params, a, b)
                return DisplayList(self.background, (node,), overlay)
        scene = self.scene_at(t)
        items = scene.sample(t) if scene is not None else ()
        return DisplayList(self.background, items, overlay)

    def _caption_overlay(self, t: float) -> tuple[Node, ...]:
        """Burned captions: the cue showing at `t`, with the word being spoken."""
        if self.captions_mode != "burned":
            return ()
        for cue in self.captions:
            if cue.start <= t < cue.end:
                spoken = -1
                for i, word in enumerate(cue.words):
                    if word.start <= t:
                        spoken = i
                attrs = {"cue": cue, "safe": self.safe_area, "unit": min(self.width, self.height) / 1080.0}
                return (Node("captions", "caption", {"word": spoken}, attrs),)
        return ()

    def scene_at(self, t: float) -> Scene | None:
        """The scene showing at `t`; during a cut or overlap, the later one."""
        current = None
        for scene in self.scenes:
            if scene.start <= t:
                current = scene
        return current
