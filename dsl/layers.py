"""A layer while its scene is being compiled: initial values, tweens, attributes.

The compiler and the action table write here; `build` freezes it into the
engine's `Layer`. Times are scene-local seconds; `end=None` on a tween means
"the rest of the scene", resolved when the scene's length is known.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..engine.timeline.easing import DEFAULT_EASING
from ..engine.timeline.timeline import Layer, Segment, Track, Value
from . import ast


@dataclass
class Tween:
    start: float
    end: float | None
    from_value: Value
    to_value: Value
    easing: str = DEFAULT_EASING
    path: dict | None = None
    order: int = 0


@dataclass
class LayerBuilder:
    name: str
    kind: str
    span: ast.Span
    appear: float
    values: dict[str, Value] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)
    tweens: dict[str, list[Tween]] = field(default_factory=dict)
    disappear: float | None = None
    z: float = 0.0
    children: list["LayerBuilder"] = field(default_factory=list)
    parent: "LayerBuilder | None" = None
    explicit: set[str] = field(default_factory=set)  # properties the author set
    mask: "LayerBuilder | None" = None  # `mask NAME`: its matte, built as its last child (dsl/compositing.py)
    _counter: int = 0

    def set(self, prop: str, value: Value) -> None:
        self.values[prop] = value
        self.explicit.add(prop)

    def default(self, prop: str, value: Value) -> None:
        self.values.setdefault(prop, value)

    def has_tweens(self, prop: str) -> bool:
        return bool(self.tweens.get(prop))

    def value_at(self, prop: str, t: float) -> Value:
        tweens = sorted(self.tweens.get(prop, []), key=lambda tw: (tw.start, tw.order))
        current = self.values.get(prop)
        for tw in tweens:
            if tw.start > t:
                break
            if tw.end is None or t < tw.end:
                seg = Segment(tw.start, tw.end if tw.end is not None else tw.start + 1e9, tw.from_value, tw.to_value, tw.easing)
                current = seg.value_at(t) if tw.path is None else tw.to_value
            else:
                current = tw.to_value
        return current  # type: ignore[return-value]

    def tween(self, prop: str, start: float, end: float | None, to: Value, easing: str = DEFAULT_EASING,
              from_value: Value | None = None, path: dict | None = None) -> None:
        if from_value is None:
            from_value = self.value_at(prop, start)
        self._counter += 1
        self.tweens.setdefault(prop, []).append(Tween(start, end, from_value, to, easing, path, self._counter))

    def build(self, scene_end: float) -> Layer:
        tracks: dict[str, Track] = {}
        for prop in sorted(set(self.values) | set(self.tweens)):
            tweens = sorted(self.tweens.get(prop, []), key=lambda tw: (tw.start, tw.order))
            segments = tuple(
                Segment(tw.start, scene_end if tw.end is None else tw.end, tw.from_value, tw.to_value, tw.easing, tw.path)
                for tw in tweens
            )
            initial = self.values.get(prop, segments[0].from_value if segments else 0.0)
            tracks[prop] = Track(initial, segments)
        children = tuple(c.build(scene_end) for c in sorted(self.children, key=lambda c: c.z))
        if self.mask is not None:
            children += (self.mask.build(scene_end),)
        return Layer(self.name, self.kind, tracks, dict(self.attrs), self.appear, self.disappear, self.z, children)
