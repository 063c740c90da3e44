"""Element kinds and their properties: `name = KIND … properties`.

Each property word has a reader that takes its values from the statement and
writes the layer's initial values or attributes (canvas px). To add an element
kind: add it to `ELEMENTS` (its lead argument, defaults, extra properties) and
give the engine a painter of the same name (engine/raster/painters.py).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..engine.raster import assets, clips, fonts
from ..engine.raster.backdrops import SETTINGS as BACKDROP_SETTINGS, TIMES as BACKDROP_TIMES, WEATHERS as BACKDROP_WEATHERS
from ..engine.raster.backdrops import LIFE_FPS as BACKDROP_LIFE_FPS, has_life as backdrop_has_life
from ..engine.raster.color import css_color_names, parse_color
from ..engine.raster.particles import DEFAULT_COLORS as PARTICLE_COLORS, DEFAULT_COUNT as PARTICLE_COUNT, STYLES as PARTICLE_STYLES
from ..engine.timeline.paths import PathDataError, parse_path
from . import ast
from .actions import read_group_loop
from .compositing import PROPERTIES as COMPOSITING
from .errors import SceneError, SceneWarning, did_you_mean
from .layers import LayerBuilder
from .project import Project, ProjectPathError
from .text_props import TEXT_PROPERTIES, finish_text
from .values import ALL_ANCHORS, Items

Reader = Callable[[Items, LayerBuilder, "Context"], None]


@dataclass
class Context:
    """What a reader may need beyond the statement: where assets live, and the
    project they must stay inside (dsl/project.py)."""

    base_dir: Path
    dependencies: list[str] = field(default_factory=list)
    project: Project | None = None

    def asset(self, item: ast.String, kinds: str) -> str:
        project = self.project or Project.for_file(self.base_dir / "_")
        try:
            path = project.resolve(item.value, self.base_dir)
        except ProjectPathError as err:
            err.span = item.span
            raise
        if not path.is_file():
            hint = f"paths are relative to the .scene file's folder ({self.base_dir})"
            raise SceneError(f"{'not a file' if path.exists() else 'file not found'}: '{item.value}'", item.span,
                             hint=hint)
        self.dependencies.append(str(path))
        return str(path)


def _dpx(items: Items, value: float) -> float:
    return value * items.canvas.unit


# ── property readers ─────────────────────────────────────────────────────────────

def read_at(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    x, y, anchor = items.position()
    if layer.parent is not None and anchor is not None:
        # Named anchors are canvas places; inside a group, convert to the group's space.
        x -= layer.parent.values.get("x", 0.0)
        y -= layer.parent.values.get("y", 0.0)
    layer.set("x", x)
    layer.set("y", y)
    if anchor is not None and "anchor" not in layer.explicit:
        layer.attrs["anchor_x"], layer.attrs["anchor_y"] = anchor


def read_anchor(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    item = items.next("an anchor")
    if isinstance(item, ast.Word) and item.name in ALL_ANCHORS and not item.name.startswith("safe-"):
        fx, fy = ALL_ANCHORS[item.name]
    elif isinstance(item, ast.Position):
        fx, fy = (_fraction(c) for c in (item.x, item.y))
    else:
        raise SceneError(f"expected an anchor, got '{item.text}'", item.span,
                         hint="an anchor is center, top-left, bottom, … or (fx, fy) with fractions like (0.5, 1)")
    layer.attrs["anchor_x"], layer.attrs["anchor_y"] = fx, fy
    layer.explicit.add("anchor")


def _fraction(item: ast.Item) -> float:
    if isinstance(item, ast.Length) and item.unit == "%":
        return item.value / 100.0
    return float(item.value)  # type: ignore[union-attr]


def read_size(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    kind = layer.kind
    if kind == "text":
        layer.set("size", items.length("min", "a font size"))
    elif kind in ("circle", "polygon", "star"):
        layer.set("radius", items.length("min", "a size") / 2)
    else:
        w = items.length("x", "a width")
        if items.is_length_next():
            h = items.length("y", "a height")
        elif kind in ("image", "svg"):
            layer.attrs["keep_aspect"] = "width"
            h = w
        else:
            h = w
        layer.set("width", w)
        layer.set("height", h)


def read_width(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("width", items.length("x", "a width"))


def read_height(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("height", items.length("y", "a height"))


def read_radius(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("radius", items.length("min", "a radius"))


def read_fill(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("fill", items.color())


def read_stroke(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("stroke", items.color("a stroke colour"))
    layer.set("stroke_width", items.length("min", "a stroke width") if items.is_length_next() else _dpx(items, 4))


def read_stroke_width(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("stroke_width", items.length("min", "a stroke width"))


def read_opacity(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("opacity", _checked(items, "an opacity (0 to 1)", 0.0, 1.0))


def _checked(items: Items, what: str, lo: float, hi: float) -> float:
    return items.number_between(what, lo, hi, what.split(" (")[0])


def read_scale(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("scale", items.number("a scale factor"))


def read_rotate(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("rotate", items.number("an angle in degrees"))


def read_z(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.z = items.number("a z order")


def read_shadow(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    color = items.color() if items.is_color_next() else (0.0, 0.0, 0.0, 0.35)
    u = items.canvas.unit
    layer.attrs["shadow"] = {"dx": 0.0, "dy": 8 * u, "blur": 16 * u, "color": list(color)}


def read_blur(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("blur", items.length("min", "a blur radius"))


def read_font(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    item = items.next("a font")
    if isinstance(item, ast.String):
        layer.attrs["family"] = ctx.asset(item, "font")
        return
    if not isinstance(item, ast.Word) or fonts.resolve_family(item.name) is None:
        raise SceneError(f"unknown font '{item.text}'", item.span,
                         hint=did_you_mean(item.text, fonts.family_names(),
                                           f"fonts: {', '.join(fonts.family_names())}, or a \"file.ttf\""))
    layer.attrs["family"] = fonts.resolve_family(item.name)


def read_weight(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    item = items.next("a font weight")
    if isinstance(item, ast.Number):
        layer.attrs["weight"] = int(item.value)
    elif isinstance(item, ast.Word) and item.name in fonts.WEIGHTS:
        layer.attrs["weight"] = fonts.WEIGHTS[item.name]
    else:
        raise SceneError(f"unknown font weight '{item.text}'", item.span,
                         hint=did_you_mean(item.text, fonts.WEIGHTS, "use normal, bold, … or a number 300–900"))


def read_align(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["align"] = items.expect_word("an alignment", ("left", "center", "right"))


def read_wrap(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["wrap"] = items.length("x", "a wrap width")


def read_outline(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["outline"] = list(items.color("an outline colour"))
    layer.set("outline_width", items.length("min", "an outline width") if items.is_length_next() else _dpx(items, 4))


def read_sides(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    item = items.peek()
    sides = items.number("a number of sides")
    if sides < 3 or sides != int(sides):
        raise SceneError("a polygon needs a whole number of sides, 3 or more", item.span)  # type: ignore[union-attr]
    layer.attrs["sides"] = int(sides)


def read_points(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    if layer.kind == "star":
        item = items.peek()
        n = items.number("a number of points")
        if n < 2 or n != int(n):
            raise SceneError("a star needs a whole number of points, 2 or more", item.span)  # type: ignore[union-attr]
        layer.attrs["points"] = int(n)
        return
    points = []
    while isinstance(items.peek(), ast.Position):
        pos = items.next("a point")
        points.append([items.length_of(pos.x, "x"), items.length_of(pos.y, "y")])  # type: ignore[union-attr]
    if len(points) < 3:
        raise SceneError("a polygon needs at least three points", items.where, hint="points (0, 0) (100, 0) (50, 80)")
    layer.attrs["points"] = points


def read_inner(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.set("inner", _checked(items, "an inner radius ratio (0 to 1)", 0.0, 1.0))


def read_count(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    item = items.peek()
    n = items.number("a number of particles")
    if not 1 <= n <= 2000 or n != int(n):
        raise SceneError(f"particles need a whole count from 1 to 2000, got {n:g}", item.span)  # type: ignore[union-attr]
    layer.attrs["count"] = int(n)


def read_colors(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    colors = [list(items.color("a particle colour"))]
    while items.is_color_next():
        colors.append(list(items.color()))
    layer.attrs["colors"] = colors


def read_seed(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["seed"] = int(items.number("a seed"))


def read_area(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    x0, y0, _ = items.position("the area's top-left corner")
    x1, y1, _ = items.position("the area's bottom-right corner")
    layer.attrs["area"] = [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]


def read_clip_from(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["from"] = items.time("where the clip starts")


def read_clip_to(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["to"] = items.time("where the clip ends")


def read_loop(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["loop"] = True


def read_muted(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["muted"] = True


def read_clip_voice(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    """`voice`: the clip's sound is someone speaking; music ducks under it (engine/audio/mixer.py)."""
    layer.attrs["voice"] = True


def read_fit(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["fit"] = items.expect_word("a fit", ("contain", "cover", "stretch"))


def read_clip_freeze(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["freeze"] = items.time("the moment of the file to hold")


def read_clip_speed(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["speed"] = items.number_between("a playback speed (0.25 to 4)", 0.25, 4, "speed", "x",
                                                "speed 0.5 plays at half speed, speed 2 twice as fast")


def read_volume(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["volume"] = items.number_between("a volume (0 to 2)", 0, 2, "volume")


def read_from(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    x, y, _ = items.position("the line's start")
    layer.attrs["_from"] = (x, y)


def read_fixed(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    layer.attrs["fixed"] = True  # stays put when the camera moves (dsl/camera.py)


def read_to(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    x, y, _ = items.position("the line's end")
    layer.attrs["_to"] = (x, y)


COMMON: dict[str, Reader] = {
    "at": read_at, "anchor": read_anchor, "opacity": read_opacity, "scale": read_scale,
    "rotate": read_rotate, "z": read_z, "shadow": read_shadow, "blur": read_blur,
    "fill": read_fill, "color": read_fill, "stroke": read_stroke, "stroke-width": read_stroke_width,
    "fixed": read_fixed, **COMPOSITING,
}
BOX = {"size": read_size, "width": read_width, "height": read_height}


@dataclass(frozen=True)
class ElementKind:
    lead: str | None  # "text" | "file" | "svg" | "path": a string that comes first
    properties: dict[str, Reader]
    defaults: dict[str, object]


def _k(lead, extra, **defaults) -> ElementKind:
    return ElementKind(lead, {**COMMON, **extra}, defaults)


ELEMENTS: dict[str, ElementKind] = {
    "text": _k("text", {"size": read_size, "font": read_font, "weight": read_weight, "align": read_align,
                        "wrap": read_wrap, "outline": read_outline, **TEXT_PROPERTIES},
               size=64, fill="#2B2D42", reveal=1.0),
    "rect": _k(None, {**BOX, "radius": read_radius}, width=200, height=200, radius=0, fill="#4D96FF"),
    "circle": _k(None, {"size": read_size, "radius": read_radius}, radius=50, fill="#FF6B6B"),
    "ellipse": _k(None, BOX, width=200, height=120, fill="#FFD93D"),
    "line": _k(None, {"from": read_from, "to": read_to}, stroke="#2B2D42", stroke_width=6),
    "polygon": _k(None, {"size": read_size, "radius": read_radius, "sides": read_sides, "points": read_points},
                  radius=60, fill="#6BCB77"),
    "star": _k(None, {"size": read_size, "radius": read_radius, "points": read_points, "inner": read_inner},
               radius=60, inner=0.5, fill="#FFD93D"),
    "path": _k("path", {}, fill="#4D96FF"),
    "image": _k("file", BOX),
    "svg": _k("svg", BOX),
    "group": _k(None, {"loop": read_group_loop}),  # its own clock: dsl/actions.py
    "video": _k("clip", {**BOX, "from": read_clip_from, "to": read_clip_to, "loop": read_loop, "fit": read_fit,
                         "muted": read_muted, "voice": read_clip_voice, "volume": read_volume,
                         "speed": read_clip_speed,
                         "freeze": read_clip_freeze}),
    # A Lottie animation is a clip without sound (engine/raster/clips.py LottieReader):
    # the same box, range, loop, fit, speed and freeze; its layer is a `video` layer.
    "lottie": _k("lottie", {**BOX, "from": read_clip_from, "to": read_clip_to, "loop": read_loop, "fit": read_fit,
                            "speed": read_clip_speed, "freeze": read_clip_freeze}),
    "particles": ElementKind("particles", {"opacity": read_opacity, "z": read_z, "count": read_count,
                                           "colors": read_colors, "seed": read_seed, "area": read_area}, {}),
}

LENGTH_DEFAULTS = {"size", "width", "height", "radius", "stroke_width"}
# Keywords whose layer is another kind's: the engine draws a Lottie as a clip.
COMPILES_TO = {"lottie": "video"}


def element_kind(kind: str) -> ElementKind | None:
    """The kind's spec: a built-in one of `ELEMENTS`, or a painter another package
    registered (engine/plugins.py, `storyreel.painters`), which takes the common
    properties and a box (its painter's `defaults` dict, if any, gives their defaults)."""
    spec = ELEMENTS.get(kind)
    if spec is not None:
        return spec
    from ..engine.raster.painters import PAINTERS

    painter = PAINTERS.find(kind)
    if painter is None or kind in PAINTERS.builtins:  # the engine's own nodes (character, caption) are not kinds
        return None
    return _k(None, BOX, **{"width": 200, "height": 200, **getattr(painter, "defaults", {})})


def declare(decl: ast.Declare, items: Items, layer: LayerBuilder, ctx: Context) -> None:
    """Fill `layer` from a declaration's values."""
    spec = element_kind(layer.kind)
    assert spec is not None, layer.kind  # the compiler checked the kind
    u = items.canvas.unit
    if layer.parent is None:
        layer.default("x", items.canvas.width / 2)
        layer.default("y", items.canvas.height / 2)
    else:
        layer.default("x", 0.0)
        layer.default("y", 0.0)
    if spec.lead is not None:
        _read_lead(spec.lead, items, layer, ctx)
    while not items.at_end():
        word = items.next("a property")
        if not isinstance(word, ast.Word):
            raise SceneError(f"expected a property name, got '{word.text}'", word.span,
                             hint=f"{layer.kind} properties: {', '.join(sorted(spec.properties))}")
        reader = spec.properties.get(word.name)
        if reader is None:
            raise SceneError(f"unknown property '{word.name}' for {layer.kind}", word.span,
                             hint=did_you_mean(word.name, spec.properties,
                                               f"{layer.kind} properties: {', '.join(sorted(spec.properties))}"))
        reader(items, layer, ctx)
    for prop, value in spec.defaults.items():
        if isinstance(value, str):
            from ..engine.raster.color import parse_color

            value = parse_color(value)
        elif prop in LENGTH_DEFAULTS:
            value = float(value) * u  # type: ignore[arg-type]
        layer.default(prop, value)  # type: ignore[arg-type]
    layer.default("opacity", 1.0)
    layer.default("scale", 1.0)
    layer.default("rotate", 0.0)
    layer.default("offset_x", 0.0)
    layer.default("offset_y", 0.0)
    _finish(layer, items, ctx)


def _read_lead(lead: str, items: Items, layer: LayerBuilder, ctx: Context) -> None:
    item = items.peek()
    if lead == "text":
        layer.attrs["text"] = items.string("the text")
    elif lead == "particles":
        layer.attrs["style"] = items.expect_word("a particle style", PARTICLE_STYLES)
    elif lead == "path":
        data = items.string("SVG path data")
        try:
            parse_path(data)
        except PathDataError as exc:
            raise SceneError(f"invalid path data: {exc}", item.span, hint='for example path "M 0 0 L 100 0 L 50 80 Z"') from None  # type: ignore[union-attr]
        layer.attrs["d"] = data
        layer.attrs["data_scale"] = items.canvas.unit
    elif lead in ("clip", "lottie"):
        items.string("a Lottie .json file" if lead == "lottie" else "a video file")
        assert isinstance(item, ast.String)
        path = ctx.asset(item, "video")
        if lead == "lottie" and not path.lower().endswith(clips.LOTTIE_SUFFIXES):
            raise SceneError(f"'{item.value}' is not a Lottie animation (.json)", item.span,
                             hint=f'lottie plays a Lottie .json file; for a video file write: video "{item.value}"')
        try:
            info = clips.probe(path)
        except assets.AssetError as exc:
            raise SceneError(exc.message, item.span,
                             hint=exc.hint or "a clip is a video file PyAV can decode: MP4, WebM, MOV, …") from None
        layer.attrs.update(file=path, _natural=(info.width, info.height), _duration=info.duration,
                           _has_audio=info.has_audio, _span=item.span)
    else:
        items.string("a file name")
        assert isinstance(item, ast.String)
        path = ctx.asset(item, lead)
        try:
            w, h = assets.image_size(path) if lead == "file" else assets.svg_size(path)
        except assets.AssetError as exc:
            raise SceneError(exc.message, item.span, hint=exc.hint) from None
        layer.attrs["file"] = path
        layer.attrs["_natural"] = (w, h)


def _finish(layer: LayerBuilder, items: Items, ctx: Context) -> None:
    u = items.canvas.unit
    layer.kind = COMPILES_TO.get(layer.kind, layer.kind)  # after reading: errors name the keyword written
    if layer.kind == "text":
        finish_text(layer, items.where)  # spans, {n} (dsl/text_props.py)
        layer.attrs.setdefault("family", fonts.DEFAULT_FAMILY)
        layer.attrs.setdefault("weight", 600)
        layer.attrs.setdefault("align", "center")
        layer.attrs.setdefault("wrap", None)
    elif layer.kind == "video":
        duration = layer.attrs.pop("_duration")
        span = layer.attrs.pop("_span")
        start, end = layer.attrs.setdefault("from", 0.0), layer.attrs.setdefault("to", duration)
        if 0 <= start < duration < end - 1e-3:  # past the file's end: play to its end
            warnings.warn(SceneWarning(f"the clip's range {start:g}s..{end:g}s goes past the end of the file "
                                       f"({duration:.2f}s long); it plays to {duration:.2f}s", span))
            end = layer.attrs["to"] = duration
        if not 0 <= start < end or end > duration + 1e-3:
            raise SceneError(f"the clip's range {start:g}s..{end:g}s is outside the file ({duration:.2f}s long)", span,
                             hint="from and to are times inside the clip file")
        if "freeze" in layer.attrs and not 0 <= layer.attrs["freeze"] < duration:
            raise SceneError(f"freeze {layer.attrs['freeze']:g}s is outside the file ({duration:.2f}s long)", span,
                             hint="freeze T holds the file's frame at T, a time inside the file")
        layer.attrs.setdefault("fit", "contain")
        layer.attrs.setdefault("loop", False)
        # A frozen clip is a still picture: its sound is not played.
        layer.attrs["audible"] = (layer.attrs.pop("_has_audio") and not layer.attrs.pop("muted", False)
                                  and "freeze" not in layer.attrs)
        layer.values["time"] = 0.0
        layer.tween("time", layer.appear, layer.appear + 3600.0, 3600.0, "linear", from_value=0.0)
    if layer.kind in ("image", "svg", "video"):
        w0, h0 = layer.attrs.pop("_natural")
        keep = layer.attrs.pop("keep_aspect", None)
        has_w, has_h = "width" in layer.explicit, "height" in layer.explicit
        if keep == "width" or (has_w and not has_h):
            layer.values["height"] = layer.values["width"] * h0 / w0
        elif has_h and not has_w:
            layer.values["width"] = layer.values["height"] * w0 / h0
        elif not has_w and not has_h:
            layer.values["width"], layer.values["height"] = w0 * u, h0 * u
    if layer.kind == "line":
        fx, fy = layer.attrs.pop("_from", (layer.values["x"] - 100 * u, layer.values["y"]))
        tx, ty = layer.attrs.pop("_to", (layer.values["x"] + 100 * u, layer.values["y"]))
        layer.values["x"], layer.values["y"] = (fx + tx) / 2, (fy + ty) / 2
        layer.values["width"], layer.values["height"] = tx - fx, ty - fy
    elif layer.kind == "path":
        layer.attrs["anchored"] = "anchor" in layer.explicit
    elif layer.kind == "polygon" and "points" not in layer.attrs:
        layer.attrs.setdefault("sides", 6)
    elif layer.kind == "star":
        layer.attrs.setdefault("points", 5)
    elif layer.kind == "particles":
        style = layer.attrs["style"]
        layer.attrs.setdefault("count", PARTICLE_COUNT[style])
        layer.attrs.setdefault("colors", [list(parse_color(c)) for c in PARTICLE_COLORS[style]])
        layer.attrs.setdefault("seed", 1)
        layer.attrs.setdefault("area", [0.0, 0.0, float(items.canvas.width), float(items.canvas.height)])
        layer.attrs["unit"] = u
        layer.values["x"] = layer.values["y"] = 0.0  # the area is in canvas coordinates
        # Particle time runs from the element's appearance: a linear clock for an hour.
        layer.values["time"] = 0.0
        layer.tween("time", layer.appear, layer.appear + 3600.0, 3600.0, "linear", from_value=0.0)
    layer.attrs.setdefault("anchor_x", 0.5)
    layer.attrs.setdefault("anchor_y", 0.5)


# ── background ──────────────────────────────────────────────────────────────────

PROCEDURAL = tuple(BACKDROP_SETTINGS)  # engine/raster/backdrops: meadow, forest, …, cave (and sky, night, ocean)
SETTING_WORDS = ("still", "seed")  # after a setting's name, in any order, with a time and a weather


def _setting_options(items: Items, first: ast.Word) -> dict:
    """`background NAME [TIME] [WEATHER] [still] [seed N]`, the optional words in any order."""
    options = {"time": "day", "weather": "clear", "life": True, "seed": 7}
    seen: dict[str, ast.Item] = {}
    while not items.at_end():
        item = items.peek()
        word = item.name if isinstance(item, ast.Word) else None
        slot = ("time" if word in BACKDROP_TIMES else "weather" if word in BACKDROP_WEATHERS
                else "still" if word == "still" else "seed" if word == "seed" else None)
        if slot is None:
            known = [*BACKDROP_TIMES, *BACKDROP_WEATHERS, *SETTING_WORDS]
            hint = did_you_mean(word, known, None) if word else None
            raise SceneError(f"unexpected '{item.text}' after 'background {first.name}'", item.span,  # type: ignore[union-attr]
                             hint=hint or f"a time of day ({', '.join(BACKDROP_TIMES)}), a weather "
                                          f"({', '.join(BACKDROP_WEATHERS)}), still, or seed N")
        if slot in seen:
            label = {"time": "time of day", "weather": "weather"}.get(slot, f"'{slot}'")
            raise SceneError(f"a second {label} in one background line", item.span,  # type: ignore[union-attr]
                             hint=f"remove the second '{item.text}'" if seen[slot].text == item.text  # type: ignore[union-attr]
                             else f"keep one: '{seen[slot].text}' or '{item.text}'")  # type: ignore[union-attr]
        seen[slot] = items.next("a background word")
        if slot == "seed":
            options["seed"] = int(items.number("a seed"))
        elif slot == "still":
            options["life"] = False
        else:
            options[slot] = word
    return options


def background(items: Items, layer: LayerBuilder, ctx: Context) -> None:
    """`background solid C | C | gradient C1 C2 … [vertical|horizontal|radial]
    | image "f" [fit cover|contain] | SETTING [TIME] [WEATHER] [still] [seed N]` (engine/raster/backdrops)."""
    c = items.canvas
    layer.set("zoom", 1.0)
    layer.set("pan_x", c.width / 2)
    layer.set("pan_y", c.height / 2)
    layer.set("opacity", 1.0)
    first = items.peek()
    if isinstance(first, ast.Word) and first.name == "gradient":
        items.next("gradient")
        colors = [list(items.color("a gradient colour"))]
        while items.is_color_next():
            colors.append(list(items.color()))
        if len(colors) < 2:
            raise SceneError("a gradient needs two colours", first.span, hint="background gradient #FFE29A #FFA99F vertical")
        direction = items.take_word("vertical", "horizontal", "radial")
        layer.attrs.update(mode="gradient", colors=colors, direction=direction.name if direction else "vertical")
    elif isinstance(first, ast.Word) and first.name == "image":
        items.next("image")
        item = items.peek()
        items.string("an image file")
        path = ctx.asset(item, "image")  # type: ignore[arg-type]
        try:
            assets.image_size(path)
        except assets.AssetError as exc:
            raise SceneError(exc.message, item.span, hint=exc.hint) from None  # type: ignore[union-attr]
        fit = "cover"
        if items.take_word("fit"):
            fit = items.expect_word("a fit", ("cover", "contain"))
        layer.attrs.update(mode="image", file=path, fit=fit)
        layer.set("fill", (0.0, 0.0, 0.0, 1.0))
    elif isinstance(first, ast.Word) and first.name in PROCEDURAL:
        items.next("a backdrop")
        options = _setting_options(items, first)
        layer.attrs.update(mode="procedural", scene=first.name, **options)
        if options["life"] and backdrop_has_life(first.name, options["time"], options["weather"]):
            # The backdrop's own clock for its gentle life (drifting clouds, rain): seconds since it appeared.
            layer.values["time"] = 0.0
            layer.tween("time", layer.appear, layer.appear + 3600.0, 3600.0, "linear", from_value=0.0)
            layer.attrs["steps"] = {"time": 1.0 / BACKDROP_LIFE_FPS}  # life moves in steps (engine/raster/backdrops)
    else:
        if isinstance(first, ast.Word) and first.name != "solid" and not items.is_color_next():
            kinds = ["solid", "gradient", "image", *PROCEDURAL]
            raise SceneError(f"unknown background '{first.name}'", first.span,
                             hint=did_you_mean(first.name, kinds, None) or did_you_mean(first.name, css_color_names(), None)
                             or f"a colour, or one of: {', '.join(kinds)}")
        items.take_word("solid")
        layer.attrs["mode"] = "solid"
        layer.set("fill", items.color("a background colour"))
    if not items.at_end():
        item = items.peek()
        hint = None
        if isinstance(item, ast.Word):
            hint = did_you_mean(item.name, ["vertical", "horizontal", "radial", "fit", "seed"], None)
        raise SceneError(f"unexpected '{item.text}' in background", item.span, hint=hint)  # type: ignore[union-attr]
