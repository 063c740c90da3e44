"""The rasteriser: draws a display list with Skia onto a preallocated BGRA buffer.

The surface wraps the numpy array with zero copy, so the encoder reads exactly
the memory Skia drew into. The rasteriser knows display-list nodes only: no
syntax, no timing.
"""
from __future__ import annotations

import math
import time
from collections import OrderedDict

import numpy as np
import skia

from .assets import SURFACE_ALPHA_TYPE, SURFACE_COLOR_TYPE
from .color import to_argb_int
from .compositing import Compositing, blends, draw_composited
from ..timeline.display import DisplayList, Node, TransitionNode
from .paint_kit import SAMPLING
from .painters import PAINTERS, paint_background_content, paint_background_life, text_bounds
from ..plugins import TRANSITIONS_GROUP, Registry
from .transitions import DRAWN as DRAWN_FROM_PICTURES


def BUILT_IN(canvas: skia.Canvas, progress: float, scenes: "TransitionScenes") -> None:
    """Stands for a transition `Rasterizer._draw_transition` draws itself (the GPU
    compositor draws some of them its own way)."""
    raise AssertionError("drawn by the rasteriser")


# Transitions by name: a function (canvas, progress 0..1, scenes) draws one; another
# package adds one through the `storyreel.transitions` entry point (engine/plugins.py).
TRANSITIONS: Registry = Registry(TRANSITIONS_GROUP, dict.fromkeys(
    ("cut", "crossfade", "fade-through", "slide", "wipe", "zoom", "dissolve"), BUILT_IN))
for _name, _drawer in DRAWN_FROM_PICTURES.items():  # registered as a plugin's would be
    TRANSITIONS.register(_name, _drawer, builtin=True)


class TransitionScenes:
    """What a transition draws with: the outgoing scene A and the incoming scene B,
    each drawn whole (background included) onto a canvas, and the frame's size."""

    def __init__(self, raster: "Rasterizer", node: TransitionNode, background):
        self._raster, self._node, self._background = raster, node, background
        self.width, self.height = raster.width, raster.height
        self.params = node.params
        self._pictures: dict[str, skia.Image] = {}

    def draw_a(self, canvas: skia.Canvas) -> None:
        """Scene A as it is at this moment; respects the canvas's clip and matrix."""
        self._raster._draw_scene_clipped(canvas, self._node.a, self._background)

    def draw_b(self, canvas: skia.Canvas) -> None:
        """Scene B as it is at this moment; respects the canvas's clip and matrix."""
        self._raster._draw_scene_clipped(canvas, self._node.b, self._background)

    def image_a(self) -> skia.Image:
        """Scene A as a frame-sized picture (drawn once a frame, however often asked)."""
        return self._picture("a")

    def image_b(self) -> skia.Image:
        """Scene B as a frame-sized picture."""
        return self._picture("b")

    def scratch(self, name: str, width: int, height: int) -> skia.Surface:
        """A surface of that size to draw intermediate pictures on, kept for the next frame."""
        return self._raster._scratch_named(name, width, height)

    def _picture(self, site: str) -> skia.Image:
        if site not in self._pictures:
            surface = self.scratch(f"scene-{site}", self.width, self.height)
            items = self._node.a if site == "a" else self._node.b
            self._raster._draw_scene(surface.getCanvas(), items, self._background, site)
            self._pictures[site] = surface.makeImageSnapshot()
        return self._pictures[site]


class Rasterizer:
    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.buffer = np.zeros((height, width, 4), dtype=np.uint8)
        self.surface = skia.Surface(self.buffer, colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE)
        self.canvas = self.surface.getCanvas()
        self.current_scale = 1.0
        # Rendered backdrops and fitted photos (a full frame each, 8 MB at 1080p): one frame
        # needs at most a few (two scenes in a transition, a photo at two zoom levels), and
        # keeping more only grew memory with the number of scenes.
        self._backgrounds: _Recent = _Recent(6)
        self._scratch: tuple[np.ndarray, skia.Surface] | None = None
        self._named_scratch: _Recent = _Recent(8)  # (name, w, h) -> a surface transitions draw on
        self._noise: np.ndarray | None = None
        self._sprites: _Recent = _Recent(64)  # key -> (skia.Image, skia.IRect)
        self._seen: dict[str, tuple] = {}
        # Static prefixes: per call site ("scene", or a transition's "a"/"b"), the leading
        # items that stayed the same, drawn once into an image, and the last frame's items.
        self._static: dict[str, tuple] = {}
        self._last: dict[str, tuple] = {}
        self.flatten = True  # reuse static prefixes (False: draw every item every frame)
        self.profile = None  # an engine.encode.profile.Profile: time each top-level layer kind
        self._timed = 0.0
        # Rows [a, b) that may differ from the previous frame drawn, or None (all of
        # them): the colour converter converts only those (`encoder.SwscaleConverter`).
        self.dirty_rows: tuple[int, int] | None = None
        self._moving: tuple | None = None  # (static prefix entry, rows the other items covered)
        # Static runs above a moving layer: item index -> (the run's items, its image, left, top).
        self._runs: dict[int, tuple] = {}
        self._target = None  # the encoder's frame being drawn into, if any

    # -- public ---------------------------------------------------------------

    def draw(self, frame: DisplayList, target=None) -> np.ndarray:
        """Draw `frame` (BGRA, premultiplied) into `self.buffer`, or into `target`
        (an encoder's pooled frame: its pixels become the surface); return the pixels."""
        if target is not None:
            if target.target is None:
                target.target = surface_over(target)
            self.buffer, self.canvas = target.pixels, target.target.getCanvas()
        self._target = target
        canvas = self.canvas
        profile = self.profile
        began = time.perf_counter()
        self._timed = 0.0
        frame = _camera_at_rest(frame)
        transition = next((item for item in frame.items if isinstance(item, TransitionNode)), None)
        self.dirty_rows = None
        if transition is not None:
            self._moving = None
            self._draw_transition(canvas, transition, frame.background)
            for node in frame.overlay:
                self._draw_top(canvas, node)
        else:
            previous = self._last.get("scene")
            first = self._static_prefix(canvas, frame.items, frame.background, "scene") if self.flatten else 0
            if first:
                self._draw_tracked(canvas, frame.items, first, frame.overlay, previous)
            else:
                self._moving = None
                self._clear(canvas, frame.items + frame.overlay, frame.background)
                self._draw_items(canvas, frame.items, 0, previous)
                for node in frame.overlay:
                    self._draw_top(canvas, node)
        if target is not None:
            # What the buffer now holds, for the next frame drawn into it (`_static_prefix`).
            target.drawn = self._moving
        if profile is not None:
            # What no layer accounts for: clearing, and compositing a transition's two scenes.
            rest = time.perf_counter() - began - self._timed
            profile.add("raster:transition" if transition is not None else "raster:clear", rest)
        return self.buffer

    def reset_history(self) -> None:
        """Forget what earlier frames looked like (text sprites, static prefixes), so
        the next frame is drawn exactly as a fresh rasteriser would draw it: a chunked
        render starts each chunk this way and must match a render in one piece.
        Content caches (backgrounds, fitted images) are kept: they do not depend on
        history."""
        self._sprites.clear()
        self._seen.clear()
        self._static.clear()
        self._last.clear()
        self._runs = {}
        self._moving = None

    def snapshot_rgba(self) -> np.ndarray:
        """A copy of the current frame as straight RGBA (for PNG stills and tests)."""
        return self.buffer[..., [2, 1, 0, 3]].copy()

    # -- scenes ----------------------------------------------------------------

    def _draw_scene(self, canvas: skia.Canvas, items: tuple, background, site: str = "scene") -> None:
        first = self._static_prefix(canvas, items, background, site) if self.flatten else 0
        if first == 0:
            self._clear(canvas, items, background)
        for node in items[first:] if first else items:
            self._draw_top(canvas, node)

    def _clear(self, canvas: skia.Canvas, items, background) -> None:
        """Clear to the background colour, unless the first item paints every pixel
        opaquely anyway: a backdrop at full opacity, zoomed in or not at all, that is a
        photo or was opaque when first drawn (a Ken Burns frame then costs one
        resample, not a full-frame fill and a resample). Exact: an opaque blit
        replaces what was under it."""
        first = items[0] if items else None
        if (first is not None and first.kind == "background" and first.values.get("opacity", 1.0) >= 1.0
                and first.values.get("zoom", 1.0) >= 1.0 and self._whole_device(canvas)):
            if first.attrs["mode"] == "image":
                return
            cached = self._backgrounds.get(self._background_key(first))
            if cached is not None and cached.isOpaque():
                return
        canvas.clear(to_argb_int(background))

    def _draw_top(self, canvas: skia.Canvas, node: Node) -> None:
        """A top-level item, timed per layer kind when profiling."""
        if self.profile is None:
            self._draw_node(canvas, node)
            return
        began = time.perf_counter()
        self._draw_node(canvas, node)
        self._account(f"raster:{node.kind}", began)

    def _account(self, stage: str, began: float) -> None:
        """When profiling, the time since `began` goes to `stage` (and is not left
        over for "raster:clear" / "raster:transition")."""
        if self.profile is not None:
            took = time.perf_counter() - began
            self._timed += took
            self.profile.add(stage, took)

    # -- static prefixes ---------------------------------------------------------------

    def _static_prefix(self, canvas: skia.Canvas, items: tuple, background, site: str) -> int:
        """Leading items that did not change since the previous frame are drawn once
        into an image (background included) and then copied in with one blit; returns
        how many items the blit covers. Exact: the image holds the very pixels drawing
        those items onto the cleared canvas gives, and the rest is drawn on top as usual.
        Only where the canvas maps 1:1 onto the whole device (not inside a slide or a
        zoom)."""
        last = self._last.get(site)
        self._last[site] = (background, items)
        if not self._whole_device(canvas):
            return 0
        entry = self._static.get(site)
        covered = 0
        if entry is not None and entry[0] == background and _starts_with(items, entry[1]):
            covered = len(entry[1])
        if last is not None and last[0] == background:
            shared = _common_prefix(items, last[1])
            if shared > covered and shared >= 2:  # one item alone is already a single blit
                began = time.perf_counter()
                entry = (background, items[:shared], self._flatten(items[:shared], background))
                self._static[site] = entry
                covered = shared
                self._account("raster:static", began)
        if covered == 0:
            return 0
        began = time.perf_counter()
        # An encoder's frame comes back holding what was drawn into it a few frames ago.
        # If that was this same prefix, only the rows the other items covered then
        # differ from it: copying those back is the whole blit, for a fraction of it.
        held = getattr(self._target, "drawn", None) if site == "scene" else None
        if held is not None and held[0] is entry:
            top, bottom = held[1]
            if bottom > top:
                canvas.save()
                canvas.clipRect(skia.Rect.MakeLTRB(0, top, self.width, bottom))
                canvas.drawImage(entry[2], 0, 0, _EXACT, _COPY)
                canvas.restore()
        else:
            canvas.drawImage(entry[2], 0, 0, _EXACT, _COPY)
        self._account("raster:static", began)
        return covered

    # -- static runs -------------------------------------------------------------------

    def _draw_items(self, canvas: skia.Canvas, items: tuple, start: int, previous: tuple | None) -> None:
        """Draw items[start:]. Two or more neighbouring items that are the same as in
        the previous frame (a page's tint, paper and words over a zooming backdrop)
        are drawn once into a transparent layer the size of what they cover, and
        from then on that layer is blitted: one blend instead of one per item.
        An item with a blend mode is not: it blends with what is under it.
        Which runs are layered depends on the frames since the chunk began, which
        a chunked render replays exactly (`reset_history` at every chunk start)."""
        before = previous[1] if previous is not None and self._whole_device(canvas) else ()
        runs: dict[int, tuple] = {}
        i = start
        while i < len(items):
            j = i
            while (j < len(items) and j < len(before) and not isinstance(items[j], TransitionNode)
                   and (items[j] is before[j] or items[j] == before[j]) and not blends(items[j])):
                j += 1
            if j - i >= 2:
                runs[i] = self._draw_run(canvas, items[i:j], i)
                i = j
            else:
                self._draw_top(canvas, items[i])
                i += 1
        self._runs = runs

    def _draw_run(self, canvas: skia.Canvas, nodes: tuple, index: int) -> tuple:
        entry = self._runs.get(index)
        if entry is None or not (len(entry[0]) == len(nodes) and _starts_with(nodes, entry[0])):
            recorder, recording = self._recorder()
            for node in nodes:
                self._draw_top(recording, node)
            picture = recorder.finishRecordingAsPicture()
            began = time.perf_counter()
            left, top, right, bottom = self._touched(picture)
            image = None
            if right > left and bottom > top:
                info = skia.ImageInfo.Make(right - left, bottom - top, SURFACE_COLOR_TYPE, SURFACE_ALPHA_TYPE)
                surface = skia.Surface.MakeRaster(info)
                layer = surface.getCanvas()
                layer.clear(0)
                layer.translate(-left, -top)
                layer.drawPicture(picture)
                image = surface.makeImageSnapshot()
            entry = (nodes, image, left, top)
            self._account("raster:layer", began)
        if entry[1] is not None:
            began = time.perf_counter()
            canvas.drawImage(entry[1], entry[2], entry[3], _EXACT)
            self._account("raster:layer", began)
        return entry

    def _recorder(self) -> tuple[skia.PictureRecorder, skia.Canvas]:
        """A recorder over the whole frame, with a bounding-box hierarchy, so the
        recording knows the tight bounds of what was drawn."""
        recorder = skia.PictureRecorder()
        return recorder, recorder.beginRecording(skia.Rect.MakeWH(self.width, self.height), _RTREE())

    def _touched(self, picture: skia.Picture) -> tuple[int, int, int, int]:
        """(left, top, right, bottom): the pixels a recording can change, inside the
        frame; empty when it draws nothing. Antialiasing may touch the pixel beyond
        the geometry, so two are added on every side."""
        bounds = picture.cullRect()
        if bounds.isEmpty():
            return 0, 0, 0, 0
        return (max(0, math.floor(bounds.left()) - 2), max(0, math.floor(bounds.top()) - 2),
                min(self.width, math.ceil(bounds.right()) + 2), min(self.height, math.ceil(bounds.bottom()) + 2))

    def _draw_tracked(self, canvas: skia.Canvas, items: tuple, first: int, overlay: tuple,
                      previous: tuple | None) -> None:
        """Draw the items above a static prefix (items[first:], then the overlay)
        through a recording, whose tight bounds say which rows they cover; with
        the previous frame's (on the same prefix image) they bound the rows that
        changed."""
        nodes = items[first:] + overlay
        recorder, recording = self._recorder()
        self._draw_items(recording, items, first, previous)
        for node in overlay:
            self._draw_top(recording, node)
        picture = recorder.finishRecordingAsPicture()
        began = time.perf_counter()
        canvas.drawPicture(picture)
        self._account("raster:playback", began)
        _, top, _, bottom = self._touched(picture)
        rows = (top, bottom) if nodes and bottom > top else (0, 0)
        entry = self._static.get("scene")
        previous = self._moving
        if previous is not None and previous[0] is entry:
            spans = [r for r in (previous[1], rows) if r[1] > r[0]]
            self.dirty_rows = (min(r[0] for r in spans), max(r[1] for r in spans)) if spans else (0, 0)
        self._moving = (entry, rows)

    def _whole_device(self, canvas: skia.Canvas) -> bool:
        if not canvas.getTotalMatrix().isIdentity():
            return False
        clip = canvas.getDeviceClipBounds()
        return clip.left() <= 0 and clip.top() <= 0 and clip.right() >= self.width and clip.bottom() >= self.height

    def _flatten(self, items: tuple, background) -> skia.Image:
        info = skia.ImageInfo.Make(self.width, self.height, SURFACE_COLOR_TYPE, SURFACE_ALPHA_TYPE)
        surface = skia.Surface.MakeRaster(info)
        canvas = surface.getCanvas()
        canvas.clear(to_argb_int(background))
        for node in items:
            self._draw_node(canvas, node)
        return surface.makeImageSnapshot()

    def _draw_node(self, canvas: skia.Canvas, node: Node) -> None:
        if node.kind == "background":
            self._draw_background(canvas, node)
            return
        v = node.values
        opacity = v.get("opacity", 1.0)
        scale = v.get("scale", 1.0)
        if opacity <= 0.0 or scale == 0.0:
            return
        if "composite" in node.attrs:  # filters, blend, flip, skew, clip, matte: engine/raster/compositing.py
            draw_composited(canvas, node, self)
            return
        self._draw_placed(canvas, node, opacity, scale)

    def _draw_placed(self, canvas: skia.Canvas, node: Node, opacity: float, scale: float,
                     composite: Compositing | None = None) -> None:
        """The node at its position, rotation and scale (and, `composite`, in its
        filters' layer with its flip, skew, clip path, vignette and matte)."""
        v = node.values
        canvas.save()
        canvas.translate(v.get("x", 0.0) + v.get("offset_x", 0.0), v.get("y", 0.0) + v.get("offset_y", 0.0))
        rotate = v.get("rotate", 0.0)
        if rotate:
            canvas.rotate(rotate)
        if scale != 1.0:
            canvas.scale(scale, scale)
        if composite is not None:
            composite.begin(canvas)
        outer_scale = self.current_scale
        self.current_scale = outer_scale * abs(scale)
        try:
            if node.kind == "camera":
                self._draw_camera(canvas, node)
            elif node.kind == "group":
                if opacity < 1.0:
                    canvas.saveLayerAlpha(None, round(opacity * 255))
                for child in node.children:
                    self._draw_node(canvas, child)
                if opacity < 1.0:
                    canvas.restore()
            elif node.kind == "text" and scale == 1.0 and not rotate and self._draw_sprite(canvas, node, opacity):
                pass
            elif node.kind == "text" and opacity < 1.0 and node.attrs.get("outline") is not None:
                # Outline and fill overlap: fade them together, not each on its own.
                canvas.saveLayerAlpha(None, round(opacity * 255))
                PAINTERS["text"](canvas, node, 1.0, self)
                canvas.restore()
            else:
                PAINTERS[node.kind](canvas, node, opacity, self)
            if composite is not None:
                composite.end(canvas, self, self.width, self.height)
        finally:
            self.current_scale = outer_scale
            canvas.restore()

    def _draw_camera(self, canvas: skia.Canvas, node: Node) -> None:
        """The scene seen through the camera (dsl/camera.py): scaled by `zoom`
        about its focus, which comes to the middle of the frame; zoomed in, the
        focus stops short of the edges so the view never leaves the scene."""
        zoom = max(node.values.get("zoom", 1.0), 1e-3)
        fx = node.values.get("focus_x", self.width / 2)
        fy = node.values.get("focus_y", self.height / 2)
        if zoom >= 1.0:
            half_w, half_h = self.width / (2 * zoom), self.height / (2 * zoom)
            fx = min(max(fx, half_w), self.width - half_w)
            fy = min(max(fy, half_h), self.height - half_h)
        canvas.translate(self.width / 2, self.height / 2)
        canvas.scale(zoom, zoom)
        canvas.translate(-fx, -fy)
        self.current_scale *= zoom
        for child in node.children:
            self._draw_node(canvas, child)

    def _draw_sprite(self, canvas: skia.Canvas, node: Node, opacity: float) -> bool:
        """Text that has looked the same for two frames is rasterised once (shadow,
        outline and all) and then blitted. Only for pure translations, at the same
        sub-pixel offset, so the blit lands on the same pixels a direct draw would."""
        m = canvas.getTotalMatrix()
        if not m.isTranslate():
            return False
        tx, ty = m.getTranslateX(), m.getTranslateY()
        ix, iy = math.floor(tx), math.floor(ty)
        looks = tuple(sorted((k, v) for k, v in node.values.items() if k not in _PLACEMENT))
        key = (id(node.attrs), looks, round(tx - ix, 4), round(ty - iy, 4))
        sprite = self._sprites.get(key)
        if sprite is None:
            if self._seen.get(node.id) != key:
                self._seen[node.id] = key  # first sighting: draw directly, cache if it stays
                return False
            bounds = text_bounds(node).roundOut()
            if bounds.isEmpty():
                return False
            surface = skia.Surface(bounds.width(), bounds.height(), SURFACE_COLOR_TYPE)
            c = surface.getCanvas()
            c.clear(0)
            c.translate(tx - ix - bounds.left(), ty - iy - bounds.top())
            PAINTERS["text"](c, node, 1.0, self)
            sprite = (surface.makeImageSnapshot(), bounds)
            self._sprites[key] = sprite
        image, bounds = sprite
        canvas.save()
        canvas.resetMatrix()
        paint = _alpha_paint(opacity)
        canvas.drawImage(image, ix + bounds.left(), iy + bounds.top(), skia.SamplingOptions(), paint)
        canvas.restore()
        return True

    def _draw_background(self, canvas: skia.Canvas, node: Node) -> None:
        zoom = node.values.get("zoom", 1.0)
        px = node.values.get("pan_x", self.width / 2)
        py = node.values.get("pan_y", self.height / 2)
        opacity = node.values.get("opacity", 1.0)
        paint = _alpha_paint(opacity)
        if node.attrs["mode"] == "image":
            # The fitted image is resampled once (with mipmaps) at a little more than the
            # resolution the zoom needs, then each frame is a plain bilinear blit of it:
            # sharp when zoomed in, and a fraction of the cost of sampling the source.
            level = min(4.0, max(1.0, math.ceil(zoom * 4 - 1e-9) / 4))
            image = self._fitted_image(node, level)
            canvas.save()
            self._ken_burns(canvas, zoom, px, py)
            canvas.drawImageRect(image, skia.Rect.MakeWH(self.width, self.height), _BLIT, paint)
            canvas.restore()
            return
        # Solid and gradient backgrounds are rendered once and blitted: a full-frame
        # gradient shader costs more per frame than everything else in a simple scene.
        key = self._background_key(node)
        image = self._backgrounds.get(key)
        if image is None:
            surface = skia.Surface(self.width, self.height, SURFACE_COLOR_TYPE)
            paint_background_content(surface.getCanvas(), node, self.width, self.height)
            pixels = surface.makeImageSnapshot().toarray(colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE)
            # Most backdrops cover every pixel: marked opaque, they blit as a copy (a
            # quarter faster under a zoom) and need no clear under them (`_clear`).
            opaque = bool((pixels[..., 3] == 255).all())
            image = skia.Image.fromarray(pixels, colorType=SURFACE_COLOR_TYPE,
                                         alphaType=skia.kOpaque_AlphaType if opaque else SURFACE_ALPHA_TYPE)
            self._backgrounds[key] = image
        canvas.save()
        self._ken_burns(canvas, zoom, px, py)
        # Mipmaps only help when shrinking; when zooming in they add nothing to the
        # picture but cost four times the plain bilinear blit (30 ms a frame at 1080p).
        canvas.drawImage(image, 0, 0, _BLIT if zoom >= 1.0 else SAMPLING, paint)
        if "time" in node.values:  # a living backdrop: its moving parts, drawn every frame
            if opacity < 1.0:
                canvas.saveLayerAlpha(None, round(opacity * 255))
            paint_background_life(canvas, node, self.width, self.height)
            if opacity < 1.0:
                canvas.restore()
        canvas.restore()

    @staticmethod
    def _background_key(node: Node) -> tuple:
        return (id(node.attrs), tuple(sorted((k, val) for k, val in node.values.items() if k in ("fill",))))

    def _fitted_image(self, node: Node, level: float) -> skia.Image:
        key = ("image", node.attrs["file"], node.attrs.get("fit"), tuple(node.values.get("fill") or ()), level)
        image = self._backgrounds.get(key)
        if image is None:
            w, h = round(self.width * level), round(self.height * level)
            # Opaque (the fit fills it, with bars for contain): blending it is then a copy.
            surface = skia.Surface.MakeRaster(skia.ImageInfo.Make(w, h, SURFACE_COLOR_TYPE, skia.kOpaque_AlphaType))
            paint_background_content(surface.getCanvas(), node, w, h)
            image = surface.makeImageSnapshot()
            self._backgrounds[key] = image
        return image

    def _ken_burns(self, canvas: skia.Canvas, zoom: float, px: float, py: float) -> None:
        if zoom == 1.0 and px == self.width / 2 and py == self.height / 2:
            return
        zoom = max(zoom, 1e-3)
        # Keep the canvas covered: the focus point cannot come closer to an edge
        # than half the visible window.
        half_w, half_h = self.width / (2 * zoom), self.height / (2 * zoom)
        if zoom >= 1.0:
            px = min(max(px, half_w), self.width - half_w)
            py = min(max(py, half_h), self.height - half_h)
        canvas.translate(self.width / 2, self.height / 2)
        canvas.scale(zoom, zoom)
        canvas.translate(-px, -py)

    # -- transitions ---------------------------------------------------------------

    def _draw_transition(self, canvas: skia.Canvas, tn: TransitionNode, background) -> None:
        p = min(1.0, max(0.0, tn.progress))
        w, h = self.width, self.height
        kind = tn.kind
        if kind == "crossfade":
            self._draw_scene(canvas, tn.a, background, "a")
            canvas.saveLayerAlpha(None, round(p * 255))
            self._draw_scene(canvas, tn.b, background, "b")
            canvas.restore()
        elif kind == "fade-through":
            color = tuple(tn.params.get("color", (0, 0, 0, 1)))
            first_half = p < 0.5
            self._draw_scene(canvas, tn.a if first_half else tn.b, background, "a" if first_half else "b")
            amount = p * 2 if first_half else (1 - p) * 2
            canvas.drawColor(to_argb_int((color[0], color[1], color[2], color[3] * amount)))
        elif kind in ("slide", "wipe"):
            dx, dy = _direction_vector(tn.params.get("direction", "left"))
            if kind == "slide":
                canvas.save()
                canvas.translate(dx * p * w, dy * p * h)
                self._draw_scene(canvas, tn.a, background, "a")
                canvas.restore()
                canvas.save()
                canvas.translate(-dx * (1 - p) * w, -dy * (1 - p) * h)
                canvas.clipRect(skia.Rect.MakeWH(w, h))
                self._draw_scene_clipped(canvas, tn.b, background)
                canvas.restore()
            else:
                self._draw_scene(canvas, tn.a, background, "a")
                # The wipe edge travels in the named direction, revealing B behind it.
                if dx < 0:
                    clip = skia.Rect.MakeLTRB(w * (1 - p), 0, w, h)
                elif dx > 0:
                    clip = skia.Rect.MakeLTRB(0, 0, w * p, h)
                elif dy < 0:
                    clip = skia.Rect.MakeLTRB(0, h * (1 - p), w, h)
                else:
                    clip = skia.Rect.MakeLTRB(0, 0, w, h * p)
                canvas.save()
                canvas.clipRect(clip)
                self._draw_scene_clipped(canvas, tn.b, background)
                canvas.restore()
        elif kind == "zoom":
            # A zooms towards the viewer and fades; B settles in from slightly small.
            self._draw_scene(canvas, tn.b, background, "b")
            canvas.save()
            k = 1.0 + p
            canvas.translate(w / 2, h / 2)
            canvas.scale(k, k)
            canvas.translate(-w / 2, -h / 2)
            canvas.saveLayerAlpha(None, round((1 - p) * 255))
            self._draw_scene_clipped(canvas, tn.a, background)
            canvas.restore()
            canvas.restore()
        elif kind == "dissolve":
            self._draw_scene(canvas, tn.a, background, "a")
            scratch_buffer, scratch_surface = self._scratch_surface()
            self._draw_scene(scratch_surface.getCanvas(), tn.b, background, "b")
            mask = self._noise_mask() < p
            np.copyto(self.buffer, scratch_buffer, where=mask[..., None])
        else:
            draw = TRANSITIONS.find(kind)
            if draw is None or draw is BUILT_IN:
                raise ValueError(f"unknown transition kind {kind}")
            canvas.clear(to_argb_int(background))  # the buffer may hold an older frame
            draw(canvas, p, TransitionScenes(self, tn, background))

    def _draw_scene_clipped(self, canvas: skia.Canvas, items: tuple, background) -> None:
        """Like `_draw_scene`, but fills the background with a rect (respecting the
        clip and transform) instead of clearing the whole surface."""
        canvas.drawRect(skia.Rect.MakeWH(self.width, self.height), skia.Paint(Color=to_argb_int(background)))
        for node in items:
            self._draw_top(canvas, node)

    def _scratch_named(self, name: str, width: int, height: int) -> skia.Surface:
        key = (name, width, height)
        surface = self._named_scratch.get(key)
        if surface is None:
            surface = skia.Surface.MakeRaster(skia.ImageInfo.Make(width, height, SURFACE_COLOR_TYPE,
                                                                  SURFACE_ALPHA_TYPE))
            self._named_scratch[key] = surface
        return surface

    def _scratch_surface(self) -> tuple[np.ndarray, skia.Surface]:
        if self._scratch is None:
            buf = np.zeros_like(self.buffer)
            self._scratch = (buf, skia.Surface(buf, colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE))
        return self._scratch

    def _noise_mask(self) -> np.ndarray:
        """Seeded per-block noise in 0..1 (blocks of ~4 design px), fixed for the render."""
        if self._noise is None:
            block = max(1, round(min(self.width, self.height) / 270))
            rng = np.random.default_rng(20261123)
            small = rng.random((math.ceil(self.height / block), math.ceil(self.width / block)), dtype=np.float32)
            self._noise = np.repeat(np.repeat(small, block, axis=0), block, axis=1)[: self.height, : self.width]
        return self._noise


class _Recent(OrderedDict):
    """A dict that keeps only the `size` entries used most recently."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get(self, key, default=None):
        if key not in self:
            return default
        self.move_to_end(key)
        return self[key]

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


def _camera_at_rest(frame: DisplayList) -> DisplayList:
    """A camera showing the whole frame (zoom 1) changes nothing: its layers are
    drawn as the scene's own, so unchanged ones are blitted (static prefixes)."""
    first = frame.items[0] if frame.items else None
    if isinstance(first, Node) and first.kind == "camera" and first.values.get("zoom", 1.0) == 1.0:
        return DisplayList(frame.background, first.children + frame.items[1:], frame.overlay)
    return frame


def _alpha_paint(opacity: float) -> skia.Paint | None:
    if opacity >= 1.0:
        return None
    paint = skia.Paint()
    paint.setAlphaf(opacity)
    return paint


_BLIT = skia.SamplingOptions(skia.FilterMode.kLinear, skia.MipmapMode.kNone)
_EXACT = skia.SamplingOptions()  # nearest: an unscaled blit copies pixels
_COPY = skia.Paint(BlendMode=skia.BlendMode.kSrc)
_RTREE = skia.RTreeFactory()  # called for a bounding-box hierarchy: recordings then know their tight bounds


def surface_over(frame) -> skia.Surface:
    """A Skia surface drawing straight into an encoder's pooled frame (`pixels`, whose
    rows may be padded: `flat` and `row_bytes` give the whole plane)."""
    height, width = frame.pixels.shape[:2]
    info = skia.ImageInfo.Make(width, height, SURFACE_COLOR_TYPE, SURFACE_ALPHA_TYPE)
    return skia.Surface.MakeRasterDirect(info, frame.flat, frame.row_bytes)


def _starts_with(items: tuple, prefix: tuple) -> bool:
    n = len(prefix)
    return len(items) >= n and all(a is b or a == b for a, b in zip(items, prefix))


def _common_prefix(a: tuple, b: tuple) -> int:
    n = 0
    for x, y in zip(a, b):
        if x is not y and x != y:
            break
        n += 1
    return n
_PLACEMENT = frozenset({"x", "y", "offset_x", "offset_y", "opacity"})


def _direction_vector(direction: str) -> tuple[int, int]:
    return {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}[direction]
