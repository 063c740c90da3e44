"""Animation actions: `NAME: ACTION [args] [DURATION] [ease E]`.

One function per action word, named after it (`fade in` -> `fade_in`), each
turning the author's words into tweens on the layer's property tracks. An
action returns how long it occupies the cursor (0 for `over scene`).
To add an action: write its function and register its words in `ACTIONS`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..engine.timeline.easing import DEFAULT_EASING
from . import ast
from .compositing import FILTERS as COMPOSITING_FILTERS, enable, tween_range
from .errors import SceneError, did_you_mean
from .layers import LayerBuilder
from .values import SIDES, Items


@dataclass
class Timing:
    duration: float
    rest_of_scene: bool
    easing: str

    def end(self, start: float) -> float | None:
        return None if self.rest_of_scene else start + self.duration

    @property
    def occupies(self) -> float:
        return 0.0 if self.rest_of_scene else self.duration


def read_timing(items: Items, default: float, easing: str = DEFAULT_EASING) -> Timing:
    """`[over] DURATION | over scene`, `ease E`, in either order, all optional."""
    duration, rest = default, False
    seen_duration = False
    while not items.at_end():
        if items.take_word("ease"):
            easing = items.easing()
            continue
        over = items.take_word("over")
        if (over or not seen_duration) and items.peek_word("scene"):
            items.next("scene")
            rest, seen_duration = True, True
            continue
        item = items.peek()
        if over is not None or isinstance(item, (ast.Time, ast.Number)):
            if seen_duration:
                raise SceneError(f"a second duration '{item.text}'", item.span)  # type: ignore[union-attr]
            duration = items.time("a duration")
            if duration < 0:
                raise SceneError("a duration cannot be negative", item.span)  # type: ignore[union-attr]
            seen_duration = True
            continue
        break
    return Timing(duration, rest, easing)


@dataclass
class Action:
    layer: LayerBuilder
    start: float
    items: Items
    kinds: tuple[str, ...] | None = None


ActionFn = Callable[[Action], float]


def _off_canvas(act: Action, side: str) -> tuple[str, float]:
    c = act.items.canvas
    return {"left": ("offset_x", -c.width), "right": ("offset_x", c.width),
            "top": ("offset_y", -c.height), "bottom": ("offset_y", c.height)}[side]


def _first_time(layer: LayerBuilder, prop: str) -> bool:
    return not layer.has_tweens(prop)


def fade_in(act: Action) -> float:
    t = read_timing(act.items, 0.5)
    layer = act.layer
    target = layer.values.get("opacity", 1.0) if _first_time(layer, "opacity") else 1.0
    if _first_time(layer, "opacity"):
        layer.values["opacity"] = 0.0  # hidden until it fades in
    layer.tween("opacity", act.start, t.end(act.start), target or 1.0, t.easing, from_value=0.0)
    return t.occupies


def fade_out(act: Action) -> float:
    t = read_timing(act.items, 0.5)
    act.layer.tween("opacity", act.start, t.end(act.start), 0.0, t.easing)
    return t.occupies


def move_to(act: Action) -> float:
    x, y, _ = act.items.position("where to move")
    layer = act.layer
    if layer.parent is not None and isinstance(act.items.items[act.items.i - 1], ast.Word):
        x -= layer.parent.values.get("x", 0.0)
        y -= layer.parent.values.get("y", 0.0)
    t = read_timing(act.items, 1.0)
    layer.tween("x", act.start, t.end(act.start), x, t.easing)
    layer.tween("y", act.start, t.end(act.start), y, t.easing)
    return t.occupies


def _to_number(prop: str, what: str, default: float = 0.5) -> ActionFn:
    def action(act: Action) -> float:
        value = act.items.number(what)
        t = read_timing(act.items, default)
        act.layer.tween(prop, act.start, t.end(act.start), value, t.easing)
        return t.occupies
    action.__name__ = f"{prop}_to"
    return action


scale_to = _to_number("scale", "a scale factor")
rotate_to = _to_number("rotate", "an angle in degrees")
opacity_to = _to_number("opacity", "an opacity (0 to 1)")


def color_to(act: Action) -> float:
    color = act.items.color()
    t = read_timing(act.items, 0.5)
    act.layer.tween("fill", act.start, t.end(act.start), color, t.easing)
    return t.occupies


def enter_from(act: Action) -> float:
    side = act.items.expect_word("a side", SIDES)
    t = read_timing(act.items, 0.8, "out-cubic")
    prop, offset = _off_canvas(act, side)
    layer = act.layer
    if _first_time(layer, prop):
        layer.values[prop] = offset  # waits off-canvas until it enters
    layer.tween(prop, act.start, t.end(act.start), 0.0, t.easing, from_value=offset)
    return t.occupies


def exit_to(act: Action) -> float:
    side = act.items.expect_word("a side", SIDES)
    t = read_timing(act.items, 0.8, "in-cubic")
    prop, offset = _off_canvas(act, side)
    act.layer.tween(prop, act.start, t.end(act.start), offset, t.easing)
    return t.occupies


def pop(act: Action) -> float:
    t = read_timing(act.items, 0.4, "out-back")
    layer = act.layer
    target = layer.values.get("scale", 1.0) if _first_time(layer, "scale") else layer.value_at("scale", act.start)
    if _first_time(layer, "scale"):
        layer.values["scale"] = 0.0
    layer.tween("scale", act.start, t.end(act.start), target or 1.0, t.easing, from_value=0.0)
    return t.occupies


def bounce(act: Action) -> float:
    t = read_timing(act.items, 0.6)
    height = -60 * act.items.canvas.unit
    up = t.duration * 0.4
    act.layer.tween("offset_y", act.start, act.start + up, height, "out-quad", from_value=0.0)
    act.layer.tween("offset_y", act.start + up, act.start + t.duration, 0.0, "out-bounce", from_value=height)
    return t.duration


def shake(act: Action) -> float:
    t = read_timing(act.items, 0.5)
    amplitude = 20 * act.items.canvas.unit
    steps = 6
    for i in range(steps):
        a = act.start + t.duration * i / steps
        b = act.start + t.duration * (i + 1) / steps
        to = 0.0 if i == steps - 1 else amplitude * (1 if i % 2 == 0 else -1) * (1 - i / steps)
        act.layer.tween("offset_x", a, b, to, "in-out-sine")
    return t.duration


def pulse(act: Action) -> float:
    t = read_timing(act.items, 0.5)
    base = act.layer.value_at("scale", act.start)
    half = act.start + t.duration / 2
    act.layer.tween("scale", act.start, half, base * 1.15, "out-sine", from_value=base)  # type: ignore[operator]
    act.layer.tween("scale", half, act.start + t.duration, base, "in-sine", from_value=base * 1.15)  # type: ignore[operator]
    return t.duration


def typewriter(act: Action) -> float:
    layer = act.layer
    if layer.kind != "text":
        raise SceneError(f"'typewriter' needs a text element; '{layer.name}' is a {layer.kind}", act.items.where)
    default = max(0.2, 0.05 * len(layer.attrs.get("text", "")))
    t = read_timing(act.items, default, "linear")
    if _first_time(layer, "reveal"):
        layer.values["reveal"] = 0.0
    layer.tween("reveal", act.start, t.end(act.start), 1.0, t.easing, from_value=0.0)
    return t.occupies


DRAWABLE = ("text", "rect", "circle", "ellipse", "line", "polygon", "star", "path")
DRAW_TOOLS = ("pencil", "finger")


def draw(act: Action) -> float:
    """`draw [DURATION] [with pencil|finger] [guide]`: the element is drawn along its
    strokes (a text glyph as it is written, a shape around its outline)."""
    layer, items = act.layer, act.items
    if layer.kind not in DRAWABLE:
        raise SceneError(f"'draw' draws text and shapes; '{layer.name}' is a {layer.kind}", items.where,
                         hint="to bring it in, use: fade in, pop or enter from")
    letters = len(layer.attrs.get("text", "").replace(" ", "")) if layer.kind == "text" else 1
    timing = None
    while not items.at_end():
        if items.take_word("with"):
            layer.attrs["draw_tool"] = items.expect_word("what draws it", DRAW_TOOLS)
        elif items.take_word("guide", "guides"):
            layer.attrs["draw_guide"] = True
        elif timing is None:
            timing = read_timing(items, max(1.0, 1.5 * letters), "in-out-sine")
        else:
            break
    t = timing or read_timing(items, max(1.0, 1.5 * letters), "in-out-sine")
    if _first_time(layer, "draw"):
        layer.values["draw"] = 0.0  # not there until it is drawn
    layer.tween("draw", act.start, t.end(act.start), 1.0, t.easing, from_value=0.0)
    return t.occupies


def zoom(act: Action) -> float:
    """`zoom A -> B` or `zoom to B`: the background's Ken Burns zoom, an element's scale."""
    items = act.items
    prop = "zoom" if act.layer.kind == "background" else "scale"
    if items.take_word("to"):
        start_value = None
        end_value = items.number("a zoom factor")
    else:
        start_value = items.number("a zoom factor")
        arrow = items.next("'->'")
        if not isinstance(arrow, ast.Arrow):
            raise SceneError(f"expected '->' in zoom, got '{arrow.text}'", arrow.span, hint="zoom 1.0 -> 1.2 over 3s")
        end_value = items.number("a zoom factor")
    t = read_timing(items, 1.0, "in-out-sine")
    if start_value is not None and _first_time(act.layer, prop):
        act.layer.values[prop] = start_value
    act.layer.tween(prop, act.start, t.end(act.start), end_value, t.easing, from_value=start_value)
    return t.occupies


def pan_to(act: Action) -> float:
    if act.layer.kind != "background":
        raise SceneError("'pan to' moves the background's view", act.items.where,
                         hint=f"to move '{act.layer.name}', use 'move to'")
    x, y, _ = act.items.position("where to pan")
    t = read_timing(act.items, 1.0, "in-out-sine")
    act.layer.tween("pan_x", act.start, t.end(act.start), x, t.easing)
    act.layer.tween("pan_y", act.start, t.end(act.start), y, t.easing)
    return t.occupies


def follow_path(act: Action) -> float:
    from ..engine.timeline.paths import PathDataError, parse_path, point_along

    item = act.items.peek()
    data = act.items.string("SVG path data")
    try:
        parse_path(data)
    except PathDataError as exc:
        raise SceneError(f"invalid path data: {exc}", item.span) from None  # type: ignore[union-attr]
    t = read_timing(act.items, 2.0)
    layer = act.layer
    # The path is in design px, relative to where the element is when it starts.
    x0, y0 = layer.value_at("x", act.start), layer.value_at("y", act.start)
    sx, sy = point_along(data, 0.0)
    u = act.items.canvas.unit
    origin = [x0 - sx * u, y0 - sy * u]
    ex, ey = point_along(data, 1.0)
    for axis, prop, end in ((0, "x", origin[0] + ex * u), (1, "y", origin[1] + ey * u)):
        layer.tween(prop, act.start, t.end(act.start), end, t.easing,
                    path={"d": data, "scale": u, "origin": origin, "axis": axis})
    return t.occupies


def remove(act: Action) -> float:
    act.layer.disappear = act.start
    return 0.0


# Any numeric (or colour) property can be tweened: `NAME: PROPERTY to V`.
TWEENABLE = {
    "x": ("x", "x"), "y": ("y", "y"), "opacity": ("opacity", "number"), "scale": ("scale", "number"),
    "rotate": ("rotate", "number"), "width": ("width", "x"), "height": ("height", "y"),
    "radius": ("radius", "min"), "size": ("size", "min"), "fill": ("fill", "color"), "color": ("fill", "color"),
    "stroke": ("stroke", "color"), "stroke-width": ("stroke_width", "min"), "blur": ("blur", "min"),
    "inner": ("inner", "number"), "zoom": ("zoom", "number"), "outline-width": ("outline_width", "min"),
    "count": ("count", "number"),  # a counting text's {n} (dsl/text_props.py): `score: count to 50 over 1s`
    "letter-spacing": ("letter_spacing", "x"),  # where the text set one (`letter-spacing 0` to start from none)
    # Compositing (dsl/compositing.py): animated from the value that changes nothing if the layer set none.
    **{word: (word, "number") for word in COMPOSITING_FILTERS}, "skew": ("skew_x", "number"),
    "skew-y": ("skew_y", "number"),
}


def tween_property(act: Action, name: str) -> float:
    prop, kind = TWEENABLE[name]
    layer, items = act.layer, act.items
    if layer.kind == "circle" and name == "size":
        prop, kind = "radius", "min"
    limits = tween_range(name)
    if limits is not None and layer.kind not in ("background", "camera", "particles"):
        enable(layer, prop)
    if prop not in layer.values:
        raise SceneError(f"{layer.kind} '{layer.name}' has no '{name}' to animate", items.where,
                         hint=f"its properties: {', '.join(sorted(k for k, (p, _) in TWEENABLE.items() if p in layer.values))}")
    if limits is not None:
        value = items.number_between(limits[2], limits[0], limits[1], name, hint=f"{name} is {limits[2]}")
    elif kind == "number":
        value = items.number(f"a value for {name}")
    elif kind == "color":
        value = items.color()
    else:
        value = items.length(kind, f"a value for {name}")
        if name == "size" and layer.kind == "circle":
            value /= 2
    t = read_timing(items, 0.5)
    layer.tween(prop, act.start, t.end(act.start), value, t.easing)
    return t.occupies


def _own_clock(act: Action, word: str) -> None:
    if act.layer.kind != "group":
        raise SceneError(f"'{word}' holds or repeats a group's own time; '{act.layer.name}' is a {act.layer.kind}",
                         act.items.where, hint=f"put what should {word} in a group: g = group {{ … }}, then g: {word}")


def freeze(act: Action) -> float:
    """`GROUP: freeze [DURATION]`: the group's children stand still (their own time
    stops) for DURATION, then go on from where they were; without one, to the end."""
    _own_clock(act, "freeze")
    t = read_timing(act.items, 0.0)
    end = None if t.rest_of_scene or t.duration <= 0 else act.start + t.duration
    act.layer.attrs.setdefault("freezes", []).append([act.start, end])
    return 0.0 if end is None else t.duration


def loop(act: Action) -> float:
    """`GROUP: loop DURATION`: from now on the group's children replay their next
    DURATION seconds again and again (a walk cycle, a blinking light)."""
    _own_clock(act, "loop")
    first = act.items.peek()
    t = read_timing(act.items, 0.0)
    if t.rest_of_scene or t.duration <= 0:
        raise SceneError("a loop needs the length of its round, e.g. loop 2s", first.span if first else act.items.where,
                         hint="g: loop 2s")
    act.layer.attrs["loop_time"] = [act.start, t.duration]
    return 0.0


MORPH_SHAPES = ("circle", "rect", "ellipse", "polygon", "star", "path")  # engine/raster/painters.py MORPHABLE


def morph_to(act: Action) -> float:
    """`NAME: morph to KIND [its properties] [DURATION] [ease E]`: the shape's outline
    turns into a KIND written as in its declaration (`morph to star radius 200
    fill #FFD93D`), taking its fill and stroke too; morphs chain (circle, star, heart)."""
    from .elements import declare  # (elements reads a group's loop from here)

    layer, items = act.layer, act.items
    if layer.kind not in MORPH_SHAPES:
        raise SceneError(f"a {layer.kind} cannot morph; shapes can: {', '.join(MORPH_SHAPES)}", items.where,
                         hint="draw it as a path or a shape to morph it")
    kind_item = items.peek()
    kind = items.expect_word("a shape to morph into", MORPH_SHAPES)
    end = items.i
    while end < len(items.items) and not _starts_timing(items.items[end]):
        end += 1
    target = LayerBuilder(f"{layer.name} morph", kind, kind_item.span, act.start)  # type: ignore[union-attr]
    declare(None, Items(items.items[items.i:end], items.canvas, items.where), target, None)  # type: ignore[arg-type]
    items.i = end
    t = read_timing(items, 0.8)
    targets = layer.attrs.setdefault("morph_to", [])
    keep = {"x", "y", "opacity", "scale", "rotate", "offset_x", "offset_y"}
    targets.append({"kind": kind, "values": {k: v for k, v in target.values.items() if k not in keep},
                    "attrs": dict(target.attrs)})
    layer.default("morph", 0.0)
    layer.tween("morph", act.start, t.end(act.start), float(len(targets)), t.easing)
    for prop in ("fill", "stroke", "stroke_width"):  # the colours it turns into
        if prop in target.explicit and prop in layer.values:
            layer.tween(prop, act.start, t.end(act.start), target.values[prop], t.easing)
    return t.occupies


def _starts_timing(item: ast.Item) -> bool:
    return isinstance(item, ast.Time) or (isinstance(item, ast.Word) and item.name in ("over", "ease"))


def read_group_loop(items: Items, layer: LayerBuilder, ctx) -> None:
    """`g = group loop 2s { … }`: the group's children replay their first 2 s for
    as long as the group is shown (its own clock, from when it appears)."""
    loop(Action(layer, layer.appear, items))


ACTIONS: dict[tuple[str, ...], ActionFn] = {
    ("fade", "in"): fade_in,
    ("fade", "out"): fade_out,
    ("move", "to"): move_to,
    ("scale", "to"): scale_to,
    ("rotate", "to"): rotate_to,
    ("opacity", "to"): opacity_to,
    ("color", "to"): color_to,
    ("enter", "from"): enter_from,
    ("exit", "to"): exit_to,
    ("pop",): pop,
    ("bounce",): bounce,
    ("shake",): shake,
    ("pulse",): pulse,
    ("typewriter",): typewriter,
    ("draw",): draw,
    ("zoom",): zoom,
    ("pan", "to"): pan_to,
    ("follow", "path"): follow_path,
    ("remove",): remove,
    ("morph", "to"): morph_to,
    ("freeze",): freeze,
    ("loop",): loop,
}

CHARACTER_ACTIONS = ("wave", "point", "jump", "nod", "clap", "look", "face", "expression", "walk", "run", "cheer",
                     "think", "surprise", "shrug", "turn", "sit", "lie", "sleep", "stand", "wake")
ACTION_NAMES = [" ".join(words) for words in ACTIONS] + [f"{p} to" for p in TWEENABLE]


def run_action(layer: LayerBuilder, items: Items, start: float, span: ast.Span) -> float:
    """Apply the action in `items` to `layer` at `start`; return its duration."""
    first = items.peek()
    if not isinstance(first, ast.Word):
        raise SceneError(f"expected an action, got '{first.text}'" if first else "missing action", span,  # type: ignore[union-attr]
                         hint="for example: fade in 0.5s, move to center over 1s, scale to 2")
    act = Action(layer, start, items)
    second = items.peek(1)
    pair = (first.name, second.name) if isinstance(second, ast.Word) else None
    if pair in ACTIONS:
        items.i += 2
        duration = ACTIONS[pair](act)  # type: ignore[index]
    elif (first.name,) in ACTIONS:
        items.i += 1
        duration = ACTIONS[(first.name,)](act)
    elif first.name in TWEENABLE and pair is not None and pair[1] == "to":
        items.i += 2
        duration = tween_property(act, first.name)
    elif first.name in CHARACTER_ACTIONS:
        raise SceneError(f"'{first.name}' is a character action, and '{layer.name}' is a {layer.kind}", first.span,
                         hint="characters come from the cast: cast { luna = character luna }")
    else:
        phrase = first.name + (f" {second.name}" if isinstance(second, ast.Word) else "")
        hint = did_you_mean(phrase, ACTION_NAMES) or did_you_mean(first.name, ACTION_NAMES,
                                                                  "actions: " + ", ".join(" ".join(w) for w in ACTIONS))
        two_words = pair is not None and (first.name,) not in ACTIONS
        span = first.span
        if two_words:
            span = ast.Span(first.span.line, first.span.column, second.span.end_line, second.span.end_column)  # type: ignore[union-attr]
        raise SceneError(f"unknown action '{phrase if two_words else first.name}'", span, hint=hint)
    items.finish(f"'{first.name}'")
    return duration
