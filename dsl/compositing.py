"""Compositing properties of any element: colour filters (`brightness 1.3`,
`contrast`, `saturation`, `hue`, `sepia`, `grayscale`, `vignette`), `blend MODE`,
`flip`, `skew`, `clip SHAPE` and `mask NAME [alpha|luma] [invert]`.

The numbers are layer values (animatable: `NAME: brightness to 1.4 over 1s`);
the rest is the layer's `composite` attribute, which sends it down the
rasteriser's compositing path (engine/raster/compositing.py). A layer that sets
none of these has no `composite` and is drawn exactly as before.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine.raster.compositing import BLEND_MODES, CLIP_SHAPES, FLIPS, MATTES, NEUTRAL
from ..engine.timeline.paths import PathDataError, parse_path
from . import ast
from .errors import SceneError, did_you_mean
from .layers import LayerBuilder
from .values import Items

if TYPE_CHECKING:
    from .elements import Context

# Property word -> (layer value, lowest, highest, value when no number follows, what it is).
FILTERS: dict[str, tuple[str, float, float, float | None, str]] = {
    "brightness": ("brightness", 0, 4, None, "a brightness (1 keeps the colours, 0 is black)"),
    "contrast": ("contrast", 0, 4, None, "a contrast (1 keeps the colours, 0 is flat grey)"),
    "saturation": ("saturation", 0, 4, None, "a saturation (1 keeps the colours, 0 is grey)"),
    "hue": ("hue", -360, 360, None, "a hue turn in degrees"),
    "sepia": ("sepia", 0, 1, 1.0, "a sepia amount (0 to 1)"),
    "grayscale": ("grayscale", 0, 1, 1.0, "a grayscale amount (0 to 1)"),
    "vignette": ("vignette", 0, 1, 0.5, "a vignette strength (0 to 1)"),
}
MAX_SKEW = 80  # degrees; the tangent runs away towards 90


def composite(layer: LayerBuilder) -> dict:
    """The layer's compositing options (created, so the layer takes the compositing path)."""
    return layer.attrs.setdefault("composite", {})


def enable(layer: LayerBuilder, prop: str) -> None:
    """Before an action animates a compositing value the layer did not set: start
    from the value that changes nothing."""
    if prop in NEUTRAL:
        composite(layer)
        layer.default(prop, NEUTRAL[prop])
        if prop == "skew_x":
            layer.default("skew_y", 0.0)
        elif prop == "skew_y":
            layer.default("skew_x", 0.0)


def tween_range(name: str) -> tuple[float, float, str] | None:
    """(lowest, highest, what) for an animated compositing value, by property word."""
    if name in FILTERS:
        _, lo, hi, _, what = FILTERS[name]
        return lo, hi, what
    if name in ("skew", "skew-y"):
        return -MAX_SKEW, MAX_SKEW, "a skew angle in degrees"
    return None


def _filter_reader(word: str):
    prop, lo, hi, bare, what = FILTERS[word]

    def read(items: Items, layer: LayerBuilder, ctx: "Context") -> None:
        if bare is not None and not isinstance(items.peek(), ast.Number):
            value = bare
        else:
            value = items.number_between(what, lo, hi, word, hint=f"for example: {word} {bare or 1.3:g}")
        composite(layer)
        layer.set(prop, value)

    return read


def read_blend(items: Items, layer: LayerBuilder, ctx: "Context") -> None:
    composite(layer)["blend"] = items.expect_word("a blend mode", BLEND_MODES)
    parent = layer.parent
    while parent is not None:  # its groups, too, are drawn onto what is under them (engine/raster/compositing.py `blends`)
        parent.attrs["blend_inside"] = True
        parent = parent.parent


def read_flip(items: Items, layer: LayerBuilder, ctx: "Context") -> None:
    flip = items.take_word(*FLIPS)
    composite(layer)["flip"] = flip.name if flip else "horizontal"
    after = items.peek()
    if flip is None and isinstance(after, ast.Word) and did_you_mean(after.name, FLIPS, None):
        items.expect_word("a flip (horizontal, vertical or both)", FLIPS)  # a misspelt one: say so


def read_skew(items: Items, layer: LayerBuilder, ctx: "Context") -> None:
    what = "a skew angle in degrees"
    hint = "skew 15 slants the layer's vertical edges by 15°; skew 15 5 also slants the horizontal ones"
    composite(layer)
    layer.set("skew_x", items.number_between(what, -MAX_SKEW, MAX_SKEW, "skew", "°", hint))
    layer.set("skew_y", items.number_between(what, -MAX_SKEW, MAX_SKEW, "skew", "°", hint)
              if isinstance(items.peek(), ast.Number) else 0.0)


def read_clip(items: Items, layer: LayerBuilder, ctx: "Context") -> None:
    item = items.peek()
    shape = items.expect_word("a clip shape", CLIP_SHAPES)
    clip: dict = {"shape": shape}
    if shape == "rounded":
        clip["radius"] = items.length("min", "a corner radius")
    elif shape == "path":
        data_item = items.peek()
        data = items.string("SVG path data")
        try:
            parse_path(data)
        except PathDataError as exc:
            raise SceneError(f"invalid path data: {exc}", data_item.span,  # type: ignore[union-attr]
                             hint='for example clip path "M 0 0 L 200 0 L 100 160 Z"') from None
        clip.update(d=data, scale=items.canvas.unit)
    if shape != "path" and layer.kind in ("line", "path"):
        raise SceneError(f"a {layer.kind} has no box to clip to a {shape}", item.span,  # type: ignore[union-attr]
                         hint=f"clip a {layer.kind} with clip path \"…\", or with mask NAME (any element)")
    composite(layer)["clip"] = clip


def read_mask(items: Items, layer: LayerBuilder, ctx: "Context") -> None:
    """`mask NAME [alpha|luma] [invert]`: the element NAME, declared earlier at the
    same level, becomes this layer's matte (`attach_mask` moves it here)."""
    name = items.next("the name of the element to mask with")
    if not isinstance(name, ast.Word):
        raise SceneError(f"expected the name of an element, got '{name.text}'", name.span,
                         hint="declare the mask shape first: m = circle radius 100, then: mask m")
    mode = items.take_word(*MATTES)
    invert = items.take_word("invert")
    composite(layer)["mask"] = {"layer": name.name, "mode": mode.name if mode else "alpha", "invert": bool(invert)}
    layer.attrs["_mask_word"] = name


def attach_mask(layer: LayerBuilder, layers: dict[str, LayerBuilder], siblings: list[LayerBuilder]) -> None:
    """Move the matte a `mask NAME` names out of the drawing order: it travels as the
    masked layer's last child (sampled with it, drawn only as its matte) and keeps
    its own position and animations, in the space both were declared in."""
    word: ast.Word | None = layer.attrs.pop("_mask_word", None)
    if word is None:
        return
    matte = layers.get(word.name)
    if matte is None or matte.disappear is not None or matte.kind in ("background", "camera"):
        names = [n for n, other in layers.items() if other.kind not in ("background", "camera") and other is not layer]
        raise SceneError(f"unknown element '{word.name}' to mask with", word.span,
                         hint=did_you_mean(word.name, names, "declare the mask element earlier in the scene: "
                                                             "m = circle radius 100, then: mask m"))
    if matte is layer:
        raise SceneError("an element cannot be its own mask", word.span)
    if matte.parent is not layer.parent:
        raise SceneError(f"'{word.name}' is declared {'in another group' if matte.parent else 'outside this group'}",
                         word.span, hint="declare the mask element in the same group as what it masks")
    if matte in siblings:
        siblings.remove(matte)
    layer.mask = matte


PROPERTIES = {
    **{word: _filter_reader(word) for word in FILTERS},
    "blend": read_blend, "flip": read_flip, "skew": read_skew, "clip": read_clip, "mask": read_mask,
}
