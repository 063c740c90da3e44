"""Extension registries: named painters, transitions and publishers, the built-in
ones and those another installed package declares as Python entry points.

A package adds an element kind by declaring, in its own `pyproject.toml`::

    [project.entry-points."storyreel.painters"]
    badge = "my_package.badges:paint_badge"

and storyreel finds it the first time a scene uses `badge` — in every process,
so parallel chunk workers (`render --workers N`) find it too. The built-ins are
added with `Registry.register`, the same call a program makes to add its own
without packaging it. Speech providers have their own registry with the same
discovery (`engine.speech.register_provider`, group `storyreel.speech_providers`).

>>> from storyreel.engine.plugins import Registry
>>> shapes = Registry("example.shapes")
>>> shapes.register("dot", print)
>>> shapes.names()
['dot']
"""
from __future__ import annotations

import threading
from importlib.metadata import EntryPoint, entry_points
from typing import Callable, Generic, TypeVar

T = TypeVar("T")

PAINTERS_GROUP = "storyreel.painters"
TRANSITIONS_GROUP = "storyreel.transitions"
PUBLISHERS_GROUP = "storyreel.publishers"
SPEECH_PROVIDERS_GROUP = "storyreel.speech_providers"
SCRIPT_WRITERS_GROUP = "storyreel.script_writers"  # a channel's script writers (channel/writer.py)


class PluginError(Exception):
    """An entry point that cannot be loaded: its package is broken or half-installed."""


class Registry(dict, Generic[T]):
    """A name -> extension table (a dict, so lookups of the built-ins cost nothing
    extra) that, on a name it does not hold, loads the entry points of `group` once
    and looks again. A name registered in code wins over an entry point's."""

    def __init__(self, group: str, builtins: dict[str, T] | None = None):
        super().__init__(builtins or {})
        self.group = group
        self.builtins: set[str] = set(self)  # storyreel's own names (`register(…, builtin=True)` adds one)
        self._points: dict[str, EntryPoint] | None = None  # read once, each loaded on first use
        self._lock = threading.Lock()

    def register(self, name: str, extension: T, *, builtin: bool = False) -> T:
        """Add (or replace) `name`; returns `extension`. `builtin`: one of storyreel's own."""
        self[name] = extension
        if builtin:
            self.builtins.add(name)
        return extension

    def unregister(self, name: str) -> None:
        self.pop(name, None)

    def __missing__(self, name: str) -> T:
        point = self._entry_points().get(name)
        if point is None:
            raise KeyError(name)
        with self._lock:
            if not dict.__contains__(self, name):
                self[name] = _load(point)
        return dict.__getitem__(self, name)

    def find(self, name: str) -> T | None:
        """The extension called `name`, built-in or from an entry point, else None."""
        try:
            return self[name]
        except KeyError:
            return None

    def names(self) -> list[str]:
        """Every name, the installed packages' entry points included (not loaded), sorted."""
        return sorted(set(self) | set(self._entry_points()))

    def rescan(self) -> None:
        """Read the entry points again on the next miss (after installing a package at run time)."""
        self._points = None

    def _entry_points(self) -> dict[str, EntryPoint]:
        with self._lock:
            if self._points is None:
                self._points = {p.name: p for p in _entry_points(self.group)}
            return self._points


def _entry_points(group: str) -> list[EntryPoint]:
    try:
        return sorted(entry_points(group=group), key=lambda p: p.name)
    except Exception:  # noqa: BLE001 - a broken distribution's metadata must not stop a render
        return []  # (a broken entry point is reported when its name is used: `_load`)


def _load(point: EntryPoint) -> Callable:
    try:
        return point.load()
    except Exception as exc:  # noqa: BLE001 - reported with the package to fix
        raise PluginError(f"the {point.group} entry point '{point.name}' ({point.value}) cannot be loaded: "
                          f"{type(exc).__name__}: {exc}") from exc
