"""Reading `characters/<id>/character.yaml` with errors that point at the line.

PyYAML's node tree keeps each value's position, so every check can say
`character.yaml:LINE:COL: error: …` like the `.scene` compiler does.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..raster.color import ColorError, parse_color
from ...diagnostics import did_you_mean, format_diagnostic
from ..timeline.paths import PathDataError, parse_path
from .model import (BODY_CHANNELS, EXPRESSIONS, EYE_VARIANTS, MOUTH_CHANNELS, REACH_PLACES, VIEWS, VISEMES, Character,
                    Expression, Face, Gesture, Part, VoiceSettings)

BUILTIN_GESTURES = Path(__file__).with_name("gestures.yaml")
# The part names built-in gestures may move (docs/CHARACTERS.md, "Parts").
STANDARD_PARTS = {f"{name}_{side}" for name in ("arm", "forearm", "hand", "leg", "wing", "ear") for side in "lr"} \
    | {"head", "body", "tail"}
GESTURE_FIELDS = ("duration", "keys", "sound", "sound_at", "reach", "face")
# An arm channel a character lacks falls back to the first of these it has.
ARM_STAND_INS = ("wing", "flipper", "fin", "paw_front")


class CharacterError(ValueError):
    """A malformed character: message, file, line, column, source line, hint."""

    def __init__(self, message: str, file: str, line: int = 1, column: int = 1, source_line: str = "",
                 hint: str | None = None, length: int = 1):
        super().__init__(message)
        self.message, self.file, self.line, self.column = message, file, line, column
        self.source_line, self.hint, self.length = source_line, hint, length

    def format(self) -> str:
        return format_diagnostic(self.file, self.line, self.column, self.message, self.source_line, self.length,
                                 self.hint)

    def __str__(self) -> str:
        return self.format()


def _close(name: str, options) -> str | None:
    return did_you_mean(name, options)


class _Doc:
    """The YAML node tree of one file, with helpers that raise located errors."""

    def __init__(self, path: Path, display: str):
        self.display = display
        self.text = path.read_text(encoding="utf-8")
        self.lines = self.text.split("\n")
        try:
            self.root = yaml.compose(self.text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            raise CharacterError(f"invalid YAML: {getattr(exc, 'problem', exc)}", display, line, col,
                                 self._line(line)) from None
        if self.root is None:
            raise CharacterError("the file is empty", display, hint="see characters/luna/character.yaml for the format")

    def _line(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def error(self, node: yaml.Node | None, message: str, hint: str | None = None) -> CharacterError:
        if node is None:
            return CharacterError(message, self.display, 1, 1, self._line(1), hint)
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        length = node.end_mark.column - node.start_mark.column if node.end_mark.line == node.start_mark.line else 1
        return CharacterError(message, self.display, line, col, self._line(line), hint, max(1, length))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping (name: value lines)")
        return {k.value: (k, v) for k, v in node.value}

    def seq(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"{what} must be a list")
        return list(node.value)

    def scalar(self, node: yaml.Node) -> Any:
        loader = yaml.SafeLoader("")
        try:
            return loader.construct_object(node, deep=True)
        finally:
            loader.dispose()

    def string(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise self.error(node, f"{what} must be a non-empty string")
        return str(node.value)

    def number(self, node: yaml.Node, what: str) -> float:
        value = self.scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(node, f"{what} must be a number")
        return float(value)

    def point(self, node: yaml.Node, what: str) -> tuple[float, float]:
        items = self.seq(node, what)
        if len(items) != 2:
            raise self.error(node, f"{what} must be [x, y]")
        return (self.number(items[0], what), self.number(items[1], what))

    def required(self, fields: dict, key: str, parent: yaml.Node, what: str) -> yaml.Node:
        if key not in fields:
            raise self.error(parent, f"{what} is missing '{key}'")
        return fields[key][1]


def load_character_file(path: str | Path, display: str | None = None) -> Character:
    path = Path(path)
    doc = _Doc(path, display or str(path))
    top = doc.mapping(doc.root, "a character file")
    known = {"id", "name", "personality", "height", "palette", "outline", "parts", "face", "expressions",
             "visemes", "gestures", "voice", "walk", "views"}
    for key, (knode, _) in top.items():
        if key not in known:
            raise doc.error(knode, f"unknown section '{key}'", _close(key, known) or f"sections: {', '.join(sorted(known))}")

    palette: dict[str, tuple] = {}
    if "palette" in top:
        for name, (knode, vnode) in doc.mapping(top["palette"][1], "palette").items():
            palette[name] = _color(doc, vnode, {})

    def color(node: yaml.Node) -> tuple:
        return _color(doc, node, palette)

    char_id = doc.string(doc.required(top, "id", doc.root, "the character"), "id")
    name = doc.string(doc.required(top, "name", doc.root, "the character"), "name")
    personality = doc.string(top["personality"][1], "personality") if "personality" in top else ""
    height = doc.number(doc.required(top, "height", doc.root, "the character"), "height")

    outline = doc.mapping(doc.required(top, "outline", doc.root, "the character"), "outline")
    outline_color = color(doc.required(outline, "color", top["outline"][1], "outline"))
    outline_width = doc.number(doc.required(outline, "width", top["outline"][1], "outline"), "outline width")

    parts_node = doc.required(top, "parts", doc.root, "the character")
    parts = tuple(_part(doc, n, color) for n in doc.seq(parts_node, "parts"))
    ids: dict[str, yaml.Node] = {}
    for pnode, part in zip(_walk_nodes(doc, parts_node), (p for root in parts for p in root.walk())):
        if part.id in ids:
            raise doc.error(pnode, f"a second part named '{part.id}'")
        ids[part.id] = pnode
    face_parts = [p for root in parts for p in root.walk() if p.face]
    if len(face_parts) != 1:
        raise doc.error(parts_node, "exactly one part must carry the face (face: true), usually the head")

    face = _face(doc, doc.required(top, "face", doc.root, "the character"), color)
    expressions = _expressions(doc, doc.required(top, "expressions", doc.root, "the character"))
    visemes = _visemes(doc, doc.required(top, "visemes", doc.root, "the character"))
    own = _gestures(doc, top["gestures"][1], set(ids)) if "gestures" in top else {}
    gestures = {**playable_gestures(builtin_gestures(), set(ids)), **own}
    voice = VoiceSettings()
    if "voice" in top:
        vmap = doc.mapping(top["voice"][1], "voice")
        preset = doc.string(doc.required(vmap, "preset", top["voice"][1], "voice"), "voice preset")
        overrides = {k: doc.scalar(v) for k, (_, v) in vmap.items() if k != "preset"}
        voice = VoiceSettings(preset, overrides)
    stride = 90.0
    if "walk" in top:
        wmap = doc.mapping(top["walk"][1], "walk")
        if "stride" in wmap:
            stride = doc.number(wmap["stride"][1], "walk stride")
    views = _views(doc, top["views"][1], set(ids)) if "views" in top else {}
    return Character(char_id, name, personality, str(path.parent), height, outline_color, outline_width, parts,
                     face, expressions, visemes, gestures, voice, stride, views=views)


def _color(doc: _Doc, node: yaml.Node, palette: dict) -> tuple:
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    if text in palette:
        return palette[text]
    try:
        return parse_color(text)
    except ColorError as exc:
        hint = exc.hint
        if palette and not text.startswith("#"):
            hint = _close(text, palette) or hint
        raise doc.error(node, f"bad colour '{text}'", hint) from None


def _walk_nodes(doc: _Doc, parts_node: yaml.Node):
    for node in doc.seq(parts_node, "parts"):
        yield node
        fields = doc.mapping(node, "a part")
        if "children" in fields:
            yield from _walk_nodes(doc, fields["children"][1])


def _part(doc: _Doc, node: yaml.Node, color) -> Part:
    fields = doc.mapping(node, "a part")
    known = {"id", "path", "fill", "pivot", "children", "face", "stroke"}
    for key, (knode, _) in fields.items():
        if key not in known:
            raise doc.error(knode, f"unknown part field '{key}'", _close(key, known))
    part_id = doc.string(doc.required(fields, "id", node, "a part"), "part id")
    path_node = doc.required(fields, "path", node, f"part '{part_id}'")
    data = doc.string(path_node, "path")
    try:
        path = parse_path(data)
    except PathDataError as exc:
        raise doc.error(path_node, f"part '{part_id}': invalid path data: {exc}") from None
    fill = color(doc.required(fields, "fill", node, f"part '{part_id}'"))
    pivot_node = doc.required(fields, "pivot", node, f"part '{part_id}'")
    pivot = doc.point(pivot_node, "pivot")
    bounds = path.computeTightBounds()
    margin = 0.15 * max(bounds.width(), bounds.height()) + 2
    if not (bounds.left() - margin <= pivot[0] <= bounds.right() + margin
            and bounds.top() - margin <= pivot[1] <= bounds.bottom() + margin):
        raise doc.error(pivot_node, f"part '{part_id}': the pivot {list(pivot)} is outside the part",
                        f"the part spans x {bounds.left():.0f}..{bounds.right():.0f}, "
                        f"y {bounds.top():.0f}..{bounds.bottom():.0f}; a pivot is the joint it turns around")
    children = tuple(_part(doc, c, color) for c in doc.seq(fields["children"][1], "children")) if "children" in fields else ()
    face = bool(doc.scalar(fields["face"][1])) if "face" in fields else False
    stroke = bool(doc.scalar(fields["stroke"][1])) if "stroke" in fields else True
    return Part(part_id, data, fill, pivot, stroke, children, face)


_FACE_FIELDS = {
    "eyes": ("y", "spacing", "width", "height", "color"),
    "mouth": ("y", "width", "color"),
    "brows": ("y", "color"),
    "cheeks": ("y", "spacing", "radius", "color"),
}


def _face(doc: _Doc, node: yaml.Node, color) -> Face:
    fields = doc.mapping(node, "face")
    values: dict[str, Any] = {}
    for group, names in _FACE_FIELDS.items():
        gnode = doc.required(fields, group, node, "face")
        gfields = doc.mapping(gnode, f"face {group}")
        for key, (knode, _) in gfields.items():
            if key not in names:
                raise doc.error(knode, f"unknown field '{key}' in face {group}", _close(key, names))
        for name in names:
            vnode = doc.required(gfields, name, gnode, f"face {group}")
            values[f"{group}.{name}"] = color(vnode) if name == "color" else doc.number(vnode, f"{group} {name}")
    cx = doc.number(fields["x"][1], "face x") if "x" in fields else 0.0
    return Face(values["eyes.y"], values["eyes.spacing"], values["eyes.width"], values["eyes.height"],
                values["eyes.color"], values["mouth.y"], values["mouth.width"], values["mouth.color"],
                values["brows.y"], values["brows.color"], values["cheeks.y"], values["cheeks.spacing"],
                values["cheeks.radius"], values["cheeks.color"], cx)


def _expressions(doc: _Doc, node: yaml.Node) -> dict[str, Expression]:
    out = {}
    fields = doc.mapping(node, "expressions")
    for name, (knode, vnode) in fields.items():
        if name not in EXPRESSIONS:
            raise doc.error(knode, f"unknown expression '{name}'",
                            _close(name, EXPRESSIONS) or f"expressions: {', '.join(EXPRESSIONS)}")
        values = doc.mapping(vnode, f"expression '{name}'")
        kwargs: dict[str, Any] = {}
        for key, (k2, v2) in values.items():
            if key == "eyes":
                eyes = doc.string(v2, "eyes")
                if eyes not in EYE_VARIANTS:
                    raise doc.error(v2, f"unknown eye variant '{eyes}'", _close(eyes, EYE_VARIANTS)
                                    or f"eye variants: {', '.join(EYE_VARIANTS)}")
                kwargs["eyes"] = eyes
            elif key == "look":
                kwargs["look"] = doc.point(v2, "look")
            elif key in ("brows", "brow_tilt", "smile", "mouth_open", "blush", "wavy"):
                kwargs[key] = doc.number(v2, key)
            else:
                raise doc.error(k2, f"unknown expression field '{key}'",
                                _close(key, ("eyes", "brows", "brow_tilt", "smile", "mouth_open", "look", "blush",
                                            "wavy")))
        out[name] = Expression(**kwargs)
    missing = [e for e in EXPRESSIONS if e not in out]
    if missing:
        raise doc.error(node, f"missing expression{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                        f"a character needs all of: {', '.join(EXPRESSIONS)}")
    return out


def _visemes(doc: _Doc, node: yaml.Node) -> dict[str, tuple[float, ...]]:
    out = {}
    fields = doc.mapping(node, "visemes")
    for name, (knode, vnode) in fields.items():
        if name not in VISEMES:
            raise doc.error(knode, f"unknown viseme '{name}'", _close(name, VISEMES) or f"visemes: {', '.join(VISEMES)}")
        values = doc.mapping(vnode, f"viseme '{name}'")
        shape = {"open": 0.0, "width": 1.0, "round": 0.0, "teeth": 0.0, "tongue": 0.0}
        for key, (k2, v2) in values.items():
            if key not in shape:
                raise doc.error(k2, f"unknown mouth channel '{key}'", _close(key, MOUTH_CHANNELS)
                                or f"channels: {', '.join(MOUTH_CHANNELS)}")
            shape[key] = doc.number(v2, key)
        out[name] = tuple(shape[c] for c in MOUTH_CHANNELS)
    missing = [v for v in VISEMES if v not in out]
    if missing:
        raise doc.error(node, f"missing viseme{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                        f"a character needs all of: {', '.join(VISEMES)}")
    return out


@lru_cache(maxsize=1)
def builtin_gestures() -> dict[str, Gesture]:
    doc = _Doc(BUILTIN_GESTURES, "engine/characters/gestures.yaml")
    top = doc.mapping(doc.root, "the gesture library")
    return _gestures(doc, doc.required(top, "gestures", doc.root, "the gesture library"), STANDARD_PARTS)


def playable_gestures(library: dict[str, Gesture], part_ids: set[str]) -> dict[str, Gesture]:
    """The library's gestures as a character with these parts plays them: an arm
    channel moves its stand-in (a wing, a flipper) and channels for parts it
    does not have are dropped, so a gesture never fails on a fish."""
    out = {}
    for name, g in library.items():
        def channel(ch: str) -> str | None:
            if ch in BODY_CHANNELS or ch in part_ids:
                return ch
            if ch == "reach":
                return ch if g.reach and channel(g.reach[0]) else None
            if ch.startswith("arm_"):
                return next((f"{alt}_{ch[-1]}" for alt in ARM_STAND_INS if f"{alt}_{ch[-1]}" in part_ids), None)
            return None
        keys = tuple((t, {channel(ch): v for ch, v in values.items() if channel(ch)}) for t, values in g.keys)
        reach = (channel(g.reach[0]), g.reach[1]) if g.reach and channel(g.reach[0]) else None
        out[name] = Gesture(g.duration, keys, g.sound, reach, g.sound_at, g.face)
    return out


def _gestures(doc: _Doc, node: yaml.Node, part_ids: set[str]) -> dict[str, Gesture]:
    out = {}
    channels = part_ids | set(BODY_CHANNELS) | {"reach"}
    for name, (knode, vnode) in doc.mapping(node, "gestures").items():
        g = doc.mapping(vnode, f"gesture '{name}'")
        for key, (k2, _) in g.items():
            if key not in GESTURE_FIELDS:
                raise doc.error(k2, f"unknown field '{key}' in gesture '{name}'", _close(key, GESTURE_FIELDS))
        duration = doc.number(doc.required(g, "duration", vnode, f"gesture '{name}'"), "duration")
        keys = []
        last_t = -1.0
        for key_node in doc.seq(doc.required(g, "keys", vnode, f"gesture '{name}'"), "keys"):
            kmap = doc.mapping(key_node, "a key")
            t = doc.number(doc.required(kmap, "t", key_node, "a key"), "t")
            if t < last_t or t > duration + 1e-9:
                raise doc.error(kmap["t"][1], f"gesture '{name}': key times must increase from 0 to its duration ({duration:g})")
            last_t = t
            values = {}
            for ch, (k2, v2) in kmap.items():
                if ch == "t":
                    continue
                if ch not in channels:
                    raise doc.error(k2, f"gesture '{name}' moves unknown part '{ch}'",
                                    _close(ch, channels) or f"parts: {', '.join(sorted(part_ids))}")
                values[ch] = doc.number(v2, ch)
            keys.append((t, values))
        sound = doc.string(g["sound"][1], "sound") if "sound" in g else None
        reach = _reach(doc, g["reach"][1], part_ids) if "reach" in g else None
        if reach is None and any("reach" in values for _, values in keys):
            raise doc.error(vnode, f"gesture '{name}' has a 'reach' channel but no reach: {{arm: …, to: …}}")
        sound_at = tuple(doc.number(n, "a sound time") for n in doc.seq(g["sound_at"][1], "sound_at")) \
            if "sound_at" in g else ()
        face = None
        if "face" in g:
            face = doc.string(g["face"][1], "face")
            if face not in EXPRESSIONS:
                raise doc.error(g["face"][1], f"unknown expression '{face}'",
                                _close(face, EXPRESSIONS) or f"expressions: {', '.join(EXPRESSIONS)}")
        out[name] = Gesture(duration, tuple(keys), sound, reach, sound_at, face)
    return out


def _views(doc: _Doc, node: yaml.Node, part_ids: set[str]) -> dict[str, dict]:
    """`views: {side: {parts: {ID: {path: …}}, hide: [ID, …]}, three_quarter: …}`."""
    out: dict[str, dict] = {}
    for name, (knode, vnode) in doc.mapping(node, "views").items():
        if name == "turns":  # `turns: false`: drawn in profile already (a fish); views only mirror it
            value = doc.scalar(vnode)
            if not isinstance(value, bool):
                raise doc.error(vnode, "views turns must be true or false")
            out["turns"] = {"turns": value}
            continue
        if name not in VIEWS:
            raise doc.error(knode, f"unknown view '{name}'", _close(name, (*VIEWS, "turns"))
                            or f"views: {', '.join(VIEWS)}, or turns: false")
        fields = doc.mapping(vnode, f"view '{name}'")
        paths: dict[str, str] = {}
        hide: list[str] = []
        for key, (k2, v2) in fields.items():
            if key == "parts":
                for part_id, (k3, v3) in doc.mapping(v2, f"view '{name}' parts").items():
                    _known_part(doc, k3, part_id, part_ids)
                    pfields = doc.mapping(v3, f"view '{name}' part '{part_id}'")
                    pnode = doc.required(pfields, "path", v3, f"view '{name}' part '{part_id}'")
                    data = doc.string(pnode, "path")
                    try:
                        parse_path(data)
                    except PathDataError as exc:
                        raise doc.error(pnode, f"part '{part_id}': invalid path data: {exc}") from None
                    paths[part_id] = data
            elif key == "hide":
                for item in doc.seq(v2, f"view '{name}' hide"):
                    _known_part(doc, item, doc.string(item, "a part id"), part_ids)
                    hide.append(str(item.value))
            else:
                raise doc.error(k2, f"unknown field '{key}' in view '{name}'", _close(key, ("parts", "hide")))
        out[name] = {"paths": paths, "hide": tuple(hide)}
    return out


def _known_part(doc: _Doc, node: yaml.Node, part_id: str, part_ids: set[str]) -> None:
    if part_id not in part_ids:
        raise doc.error(node, f"no part named '{part_id}'", _close(part_id, part_ids)
                        or f"parts: {', '.join(sorted(part_ids))}")


def _reach(doc: _Doc, node: yaml.Node, part_ids: set[str]) -> tuple[str, str]:
    fields = doc.mapping(node, "reach")
    arm = doc.string(doc.required(fields, "arm", node, "reach"), "reach arm")
    _known_part(doc, fields["arm"][1], arm, part_ids)
    to_node = doc.required(fields, "to", node, "reach")
    place = doc.string(to_node, "reach to")
    if place not in REACH_PLACES:
        raise doc.error(to_node, f"unknown place '{place}'", _close(place, REACH_PLACES)
                        or f"places: {', '.join(REACH_PLACES)}")
    return arm, place
