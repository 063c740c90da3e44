"""Write a video in Python with the language's own words.

    video = Video("Counting", preset="youtube")
    intro = video.scene("intro")
    intro.background("solid", "#FFE29A")
    title = intro.text("Let's count!", at=("50%", "20%"), size=110)
    title.fade_in(duration=0.6)
    luna = intro.character("luna", at=("30%", "92%"))
    luna.says("Hello!", "happily")
    video.transition("crossfade", 0.6)

Each call writes one line of `.scene` text (`video.to_scene()` shows it) and
`compile()` compiles that text with the same compiler the files go through:
one language, one set of checks, and errors that are the same `SceneError`s —
re-located to the line of *your Python file* that wrote the statement, with the
generated `.scene` line shown beneath. The mapping is one-to-one:

| .scene                                | Python                                          |
|---------------------------------------|-------------------------------------------------|
| `video "T" { preset youtube }`        | `Video("T", preset="youtube")`                  |
| `scene intro (4s) {`                  | `video.scene("intro", duration=4)`              |
| `title = text "Hi" at (50%, 20%)`     | `title = scene.text("Hi", at=("50%", "20%"))`   |
| `sun = circle radius 90 fill #FD3`    | `sun = scene.add("circle", radius=90, fill="#FD3")` |
| `title: fade in 0.6s ease out-back`   | `title.fade_in(duration=0.6, ease="out-back")`  |
| `title: move to (20%, 50%) 1s`        | `title.move_to(("20%", "50%"), duration=1)`     |
| `cast { luna = character luna … }`    | `luna = scene.character("luna", at=…)`          |
| `luna says "Hi" happily`              | `luna.says("Hi", "happily")`                    |
| `wait 1s`, `together { … }`           | `scene.wait(1)`, `with scene.together(): …`     |
| `transition crossfade 0.6s`           | `video.transition("crossfade", 0.6)`            |
| `music nursery volume 0.2` (video)    | `video.music("nursery", volume=0.2)`            |

Values: a number is a number; `duration=` (and the seconds of `wait`,
`transition`) are seconds; a tuple of two is a position; a string is written
as it is when it is one word, colour, length or time (`"50%"`, `"#FFE29A"`,
`"0.5s"`, `"out-back"`), else quoted; `True` writes the property's bare word.
"""
from __future__ import annotations

import contextlib
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

from .dsl.errors import Location, SceneError

_TOKEN = re.compile(r"#[0-9A-Fa-f]{3,8}|-?(\d+\.?\d*|\.\d+)(ms|s|f|px|%)?|[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*"
                    r"|\d+x\d+|->")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def scene_value(value: Any) -> str:
    """One Python value as the language writes it (see the module's docstring)."""
    if isinstance(value, bool):
        raise TypeError("a flag is a keyword set to True (muted=True), not a positional True or False")
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, tuple) and len(value) == 2:
        return f"({scene_value(value[0])}, {scene_value(value[1])})"
    if isinstance(value, (list, tuple)):
        return " ".join(scene_value(v) for v in value)
    if isinstance(value, str):
        if _TOKEN.fullmatch(value):
            return value
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    raise TypeError(f"{type(value).__name__} is not a .scene value: use a number, a string or a pair")


def seconds(value: float | str) -> str:
    """A duration: 0.6 -> `0.6s`; a string ("500ms", "scene") as it is."""
    return value if isinstance(value, str) else f"{value:g}s"


def _words(args: tuple, props: dict[str, Any]) -> str:
    parts = [scene_value(a) for a in args]
    for key, value in props.items():
        if value is None or value is False:
            continue
        word = key.rstrip("_").replace("_", "-")
        if key == "duration":
            parts.append(seconds(value))
        elif value is True:
            parts.append(word)
        else:
            parts.append(f"{word} {scene_value(value)}")
    return " ".join(parts)


def _caller() -> tuple[str, int]:
    """Where in the user's code this statement was written: the first frame outside this file."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    return (frame.f_code.co_filename, frame.f_lineno) if frame is not None else ("<python>", 0)


class _Lines:
    """The `.scene` text being written, and the Python line each of its lines came from."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.origins: list[tuple[str, int]] = []

    def add(self, text: str, indent: int = 0) -> None:
        self.lines.append("    " * indent + text)
        self.origins.append(_caller())


class Element:
    """A named element, or a cast member, in one scene. Any action is a method named
    after its words (`fade_in`, `scale_to`, `move_to`, `enter_from`, `wave`), its
    values as arguments: `title.scale_to(1.2, duration=0.3, ease="out-back")`."""

    def __init__(self, scene: "Scene", name: str):
        self._scene, self.name = scene, name

    def act(self, words: str, *args: Any, **props: Any) -> "Element":
        """`NAME: WORDS ARGS…` — any action by its words: `act("fade in", duration=0.5)`."""
        rest = _words(args, props)
        self._scene._step(f"{self.name}: {words}" + (f" {rest}" if rest else ""))
        return self

    def __getattr__(self, action: str):
        if action.startswith("_"):
            raise AttributeError(action)
        return lambda *args, **props: self.act(action.replace("_", " "), *args, **props)


class Character(Element):
    """A cast member seen from one scene: it acts like an element, and speaks."""

    def says(self, line: str, *how: str, **props: Any) -> "Character":
        """`NAME says "LINE" [MOOD] [to OTHER]`: `luna.says("Hi!", "happily", to="sunny")`."""
        rest = _words(how, props)
        self._scene._step(f"{self.name} says {_quoted(line)}" + (f" {rest}" if rest else ""))
        return self


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Scene:
    """`scene NAME { … }`: add elements and steps in the order they happen."""

    def __init__(self, video: "Video", name: str, duration: float | str | None):
        self.video, self.name, self.duration = video, name, duration
        self._body = _Lines()
        self._depth = 1
        self._count = 0

    def _step(self, text: str) -> None:
        self._body.add(text, self._depth)

    def add(self, kind: str, *lead: Any, name: str | None = None, **props: Any) -> Element:
        """`NAME = KIND [LEAD] PROPS…`, e.g. `add("circle", radius=90, fill="#FFD93D")`;
        the name defaults to the kind and a number (circle1, circle2, …)."""
        if name is None:
            self._count += 1
            name = f"{kind}{self._count}"
        if not _NAME.fullmatch(name):
            raise ValueError(f"'{name}' is not an element name: letters, digits and _ only")
        lead_text = " ".join(_quoted(v) if isinstance(v, str) else scene_value(v) for v in lead)
        rest = _words((), props)
        self._step(" ".join(p for p in (f"{name} = {kind}", lead_text, rest) if p))
        return Element(self, name)

    def text(self, text: str, *, name: str | None = None, **props: Any) -> Element:
        """`NAME = text "TEXT" PROPS…` (at, size, color, font, wrap, …)."""
        return self.add("text", text, name=name, **props)

    def image(self, file: str | Path, *, name: str | None = None, **props: Any) -> Element:
        """`NAME = image "FILE" PROPS…` (relative to the project folder)."""
        return self.add("image", str(file), name=name, **props)

    def character(self, character: str, *, name: str | None = None, **props: Any) -> Character:
        """A character of the cast (`cast { NAME = character ID PROPS… }`), declared
        once for the whole video; on stage in every scene whose steps name it."""
        name = name or character
        self.video._cast_member(name, character, props)
        return Character(self, name)

    def background(self, *values: Any, **props: Any) -> "Scene":
        """`background VALUES…`: `background("solid", "#DCEDC1")`, `background("meadow")`."""
        self._step("background " + _words(values, props))
        return self

    def wait(self, duration: float | str) -> "Scene":
        """`wait 1s` (or `wait("scene")`)."""
        self._step(f"wait {seconds(duration)}")
        return self

    def sound(self, *values: Any, **props: Any) -> "Scene":
        """`sound VALUES…`: `sound("pop")`, `sound("chime", volume=0.5)`."""
        self._step("sound " + _words(values, props))
        return self

    def music(self, *values: Any, **props: Any) -> "Scene":
        """`music VALUES…` inside this scene: `music("off")`."""
        self._step("music " + _words(values, props))
        return self

    def together(self) -> contextlib.AbstractContextManager["Scene"]:
        """`together { … }`: the steps inside start at the same time."""
        return self._block("together")

    def at(self, t: float | str) -> contextlib.AbstractContextManager["Scene"]:
        """`at 1.5s { … }`: the steps inside start that far into the scene."""
        return self._block(f"at {seconds(t)}")

    @contextlib.contextmanager
    def _block(self, opening: str) -> Iterator["Scene"]:
        self._step(opening + " {")
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            self._step("}")


class Video:
    """`video "TITLE" { SETTINGS }` and what follows it: the cast, scenes and transitions.

    Settings are keywords: `Video("T", preset="youtube", captions="on", age=4)`."""

    def __init__(self, title: str, **settings: Any):
        self.title = title
        self._settings = _Lines()
        for key, value in settings.items():
            self.setting(key.replace("_", "-"), value)
        self._cast: dict[str, tuple[str, dict[str, Any]]] = {}
        self._cast_lines = _Lines()
        self._parts: list[Scene | _Lines] = []  # scenes and transitions, in order

    def setting(self, name: str, *values: Any, **props: Any) -> "Video":
        """Any `video { }` setting: `setting("voice", "narrator")`."""
        self._settings.add(f"{name} {_words(values, props)}", 1)
        return self

    def music(self, *values: Any, **props: Any) -> "Video":
        """The whole video's music: `music("nursery", volume=0.2)`."""
        return self.setting("music", *values, **props)

    def scene(self, name: str, duration: float | str | None = None) -> Scene:
        """A new scene after the ones before (and their transitions)."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"'{name}' is not a scene name: letters, digits and _ only")
        scene = Scene(self, name, duration)
        self._parts.append(scene)
        return scene

    def transition(self, kind: str, duration: float | str | None = None, *values: Any, **props: Any) -> "Video":
        """`transition KIND [VALUES] DURATION` between the last scene and the next."""
        lines = _Lines()
        rest = _words(values, props)
        lines.add(" ".join(p for p in ("transition", kind, rest, seconds(duration) if duration is not None else "")
                           if p))
        self._parts.append(lines)
        return self

    def _cast_member(self, name: str, character: str, props: dict[str, Any]) -> None:
        known = self._cast.get(name)
        if known is None:
            self._cast[name] = (character, props)
            rest = _words((), props)
            self._cast_lines.add(f"{name} = character {character}" + (f" {rest}" if rest else ""), 1)
        elif known != (character, props) and props:
            raise ValueError(f"'{name}' is already in the cast as {known[0]} {known[1]}: a cast member is "
                             f"declared once; give the other scenes `{name}` without properties")

    def _text(self) -> tuple[str, list[tuple[str, int]]]:
        lines, origins = [], []

        def take(block: _Lines) -> None:
            lines.extend(block.lines)
            origins.extend(block.origins)

        here = _caller()
        lines.append(f"video {_quoted(self.title)} {{")
        origins.append(here)
        take(self._settings)
        lines.append("}")
        origins.append(here)
        if self._cast:
            lines.append("cast {")
            origins.append(here)
            take(self._cast_lines)
            lines.append("}")
            origins.append(here)
        for part in self._parts:
            if isinstance(part, Scene):
                length = f" ({seconds(part.duration)})" if part.duration is not None else ""
                lines.append(f"scene {part.name}{length} {{")
                origins.append(here)
                take(part._body)
                lines.append("}")
                origins.append(here)
            else:
                take(part)
        return "\n".join(lines) + "\n", origins

    def to_scene(self) -> str:
        """The `.scene` text this video is (save it, and `render` renders the same video)."""
        return self._text()[0]

    def compile(self, **options: Any):
        """Compile into a `Project` (see `storyreel.load` for `options`: preset, size,
        fps, root). A mistake raises `SceneError` located at the Python line that made it."""
        from .api import load

        text, origins = self._text()
        try:
            return load(text, **options)
        except SceneError as err:
            raise _at_python_line(err, text, origins) from None

    def render(self, output: str | Path, **options: Any):
        """`compile().render(output, **options)`."""
        return self.compile().render(output, **options)


def _at_python_line(err: SceneError, text: str, origins: list[tuple[str, int]]) -> SceneError:
    """The error pointed at the Python line that wrote the statement, with the
    generated `.scene` line shown as the line "after template expansion"."""
    loc = err.location
    if loc is None or not 0 < loc.line <= len(origins):
        return err
    file, line = origins[loc.line - 1]
    try:
        import linecache

        source = linecache.getline(file, line).rstrip("\n")
    except Exception:  # noqa: BLE001 - a frame without a file (the REPL)
        source = ""
    generated = text.split("\n")[loc.line - 1]
    indent = len(source) - len(source.lstrip())
    err.location = replace(loc, file=file, line=line, column=indent + 1, source_line=source,
                           expanded_line=generated,
                           expanded_column=loc.column, expanded_label="the .scene line it wrote reads")
    return err


__all__ = ["Character", "Element", "Location", "Scene", "Video", "scene_value", "seconds"]
