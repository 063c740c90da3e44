"""The scene's camera: `camera: zoom to 1.3 on apple3 0.6s`, `camera: pan to
(30%, 50%) 1s`, `camera: cut to wide`.

The camera is one layer of kind "camera" with three tracks: `zoom` and the
canvas point it looks at (`focus_x`, `focus_y`). When a scene uses it, the
compiler hangs every layer of the scene under it as its children, except those
marked `fixed` (titles, scores, on-screen UI), which are drawn above the view
as they are. The rasteriser scales the children about the focus and puts the
focus in the middle of the frame (engine/raster/raster.py, `_draw_camera`).
"""
from __future__ import annotations

from typing import Callable

from ..engine.timeline.timeline import Layer
from . import ast
from .actions import read_timing
from .errors import SceneError
from .layers import LayerBuilder
from .values import Canvas, Items

CLOSE_ZOOM = 1.6  # `cut to close on X`: a close shot, as in a picture book's detail page
CAMERA_MOVES = ("zoom to", "pan to", "cut to")

TargetReader = Callable[[Items, float], tuple[float, float]]


def new_camera(canvas: Canvas, span: ast.Span) -> LayerBuilder:
    camera = LayerBuilder("camera", "camera", span, 0.0)
    camera.values.update(zoom=1.0, focus_x=canvas.width / 2, focus_y=canvas.height / 2)
    return camera


def camera_action(camera: LayerBuilder, items: Items, t: float, target: TargetReader) -> float:
    """Run one `camera: …` line from `t`; return how long it occupies the cursor."""
    first = items.take_word("zoom", "pan", "cut")
    if first is None or not items.take_word("to"):
        item = items.peek()
        raise SceneError(f"unknown camera move '{item.text if item else ''}'", item.span if item else items.where,
                         hint="camera moves: zoom to 1.3 on NAME 0.6s, pan to (30%, 50%) 1s, cut to wide")
    canvas = items.canvas
    zoom, focus = None, None
    if first.name == "pan":
        focus = target(items, t)
    elif first.name == "zoom":
        zoom = items.number("a zoom factor, e.g. zoom to 1.3")
        if items.take_word("on"):
            focus = target(items, t)
    else:  # cut
        if items.take_word("wide"):
            zoom, focus = 1.0, (canvas.width / 2, canvas.height / 2)
        else:
            zoom = CLOSE_ZOOM if items.take_word("close") else items.number("'wide', 'close' or a zoom factor")
            if items.take_word("on"):
                focus = target(items, t)
    if zoom is not None and not 0.1 <= zoom <= 10:
        raise SceneError(f"a camera zoom of {zoom:g} is out of range", items.where,
                         hint="1 is the whole frame, 2 shows a quarter of it; use 0.1 to 10")
    if first.name == "cut":
        end, easing, occupies = t, "linear", 0.0
        if not items.at_end():
            raise SceneError("a cut takes no time", items.peek().span,  # type: ignore[union-attr]
                             hint="for a move, use: camera: zoom to 1.3 on NAME 0.6s")
    else:
        timing = read_timing(items, 0.8, "in-out-sine")
        end, easing, occupies = timing.end(t), timing.easing, timing.occupies
    items.finish("the camera move")
    for prop, value in (("zoom", zoom), ("focus_x", focus and focus[0]), ("focus_y", focus and focus[1])):
        if value is None:
            continue
        if end == t:  # a cut: jump, by a tween that is over the moment it starts
            camera.tween(prop, t, t, value, "linear", from_value=value)
        else:
            camera.tween(prop, t, end, value, easing)
    return occupies


def frame_scene(camera: LayerBuilder | None, layers: list[Layer], scene_end: float) -> list[Layer]:
    """The scene's layers as drawn: everything not `fixed` under the camera."""
    if camera is None:
        return layers
    world = [layer for layer in layers if not layer.attrs.get("fixed")]
    fixed = [layer for layer in layers if layer.attrs.get("fixed")]
    view = camera.build(scene_end)
    return [Layer(view.id, view.kind, view.tracks, view.attrs, 0.0, None, 0.0, tuple(world)), *fixed]
