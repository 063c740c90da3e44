"""The display list: what one frame shows, fully resolved.

`Timeline.sample(t)` produces it; the rasteriser draws it. Values are in canvas
pixels; `attrs` are the layer's constant attributes (shared, not copied). Two
equal display lists draw identical frames, which the render loop uses to skip
rasterising unchanged frames.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, eq=True)
class Node:
    id: str
    kind: str
    values: dict[str, Any]
    attrs: dict[str, Any]
    children: tuple["Node", ...] = ()

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.values:
            return self.values[name]
        return self.attrs.get(name, default)


@dataclass(frozen=True, eq=True)
class TransitionNode:
    kind: str
    progress: float
    params: dict[str, Any]
    a: tuple[Node, ...]
    b: tuple[Node, ...]


@dataclass(frozen=True, eq=True)
class DisplayList:
    background: tuple[float, float, float, float]
    items: tuple[Any, ...]  # Node | TransitionNode
    overlay: tuple[Node, ...] = ()  # drawn over everything, transitions included (burned captions)
