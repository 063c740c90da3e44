"""The optional CUDA path (`pip install storyreel[gpu]`, `render … --gpu`).

With CuPy and a CUDA device, the per-frame pixel work that is not vector
drawing moves to the GPU: crossfade and dissolve transitions are blended
there from the two scenes Skia drew, a Ken Burns image background is resampled
there from the fitted image (uploaded once), and every frame is converted
BGRA -> yuv420p there (BT.601, limited range, as swscale does), so the encoder
gets yuv420p frames. Skia still draws shapes and text on the CPU. NVENC
encodes where the GPU has it (`--encoder auto` finds it); H100/H200 have none,
and libx264 encodes.

The pixel functions take the array module as their first argument (`numpy` or
`cupy`): the same code runs on either, so the CPU tests check the arithmetic
against Skia and swscale here, and the GPU tests only compare CuPy with NumPy.

STATUS: written without a GPU. The NumPy side of every function is tested;
the CuPy side and `GpuRasterizer` have not run on hardware. `Compositor`
checks itself when it starts (a conversion on the GPU compared with the same
one in NumPy) and refuses to run if they disagree.
"""
from __future__ import annotations

import math

import numpy as np

from .assets import SURFACE_ALPHA_TYPE, SURFACE_COLOR_TYPE
from ..timeline.display import TransitionNode
from .raster import Rasterizer

NO_GPU = "no CUDA GPU/cupy here"


def available() -> tuple[bool, str]:
    """(usable, a line saying which device, or why not)."""
    try:
        import cupy
    except Exception as err:  # noqa: BLE001 - ImportError, or a CUDA library missing
        return False, f"{NO_GPU} (cupy does not import: {err.__class__.__name__}; pip install storyreel[gpu])"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        if count < 1:
            return False, f"{NO_GPU} (no CUDA device)"
        name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
        return True, f"CUDA device 0: {name.decode() if isinstance(name, bytes) else name}"
    except Exception as err:  # noqa: BLE001 - no driver, no device
        return False, f"{NO_GPU} ({err})"


# -- pixel functions (xp: numpy or cupy) ------------------------------------------------

def bgra_to_yuv420p(xp, bgra):
    """(Y, U, V) uint8 planes of an (H, W, 4) BGRA frame (H, W even), BT.601 limited
    range, as swscale makes them: chroma from horizontal pairs, then a [1 3 3 1]/8
    vertical filter (edges repeated)."""
    px = bgra[..., :3].astype(xp.float32)
    b, g, r = px[..., 0], px[..., 1], px[..., 2]
    y = 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0
    h, w = bgra.shape[0] // 2 * 2, bgra.shape[1] // 2 * 2
    pairs = px[:h, :w].reshape(h, w // 2, 2, 3).mean(axis=2)
    padded = xp.concatenate([pairs[:1], pairs, pairs[-1:]], axis=0)
    quad = (padded[0:h:2] + 3 * padded[1:h + 1:2] + 3 * padded[2:h + 2:2] + padded[3:h + 3:2]) / 8.0
    qb, qg, qr = quad[..., 0], quad[..., 1], quad[..., 2]
    u = 128.0 + (-37.797 * qr - 74.203 * qg + 112.0 * qb) / 255.0
    v = 128.0 + (112.0 * qr - 93.786 * qg - 18.214 * qb) / 255.0

    def to8(x):
        return xp.clip(xp.floor(x + 0.5), 0, 255).astype(xp.uint8)

    return to8(y), to8(u), to8(v)


def crossfade(xp, a, b, progress: float):
    """B over A at `progress` (premultiplied BGRA), as Skia's saveLayerAlpha does it."""
    alpha = round(min(1.0, max(0.0, progress)) * 255) / 255.0
    fa, fb = a.astype(xp.float32), b.astype(xp.float32)
    cover = fb[..., 3:4] * (alpha / 255.0)
    out = fb * alpha + fa * (1.0 - cover)
    return xp.clip(xp.floor(out + 0.5), 0, 255).astype(xp.uint8)


def dissolve(xp, a, b, mask):
    """B where `mask` (H, W bool) is set, A elsewhere."""
    return xp.where(mask[..., None], b, a)


def ken_burns(xp, image, width: int, height: int, zoom: float, px: float, py: float, level: float):
    """Resample `image` (the background fitted at `level` x the canvas) into a
    width x height frame, zoomed by `zoom` around (px, py), bilinear, as
    `Rasterizer._ken_burns` + `drawImageRect` place it."""
    zoom = max(zoom, 1e-3)
    if zoom >= 1.0:
        half_w, half_h = width / (2 * zoom), height / (2 * zoom)
        px = min(max(px, half_w), width - half_w)
        py = min(max(py, half_h), height - half_h)
    src_h, src_w = image.shape[:2]
    sx = src_w / width
    sy = src_h / height
    xs = ((xp.arange(width, dtype=xp.float32) + 0.5 - width / 2) / zoom + px) * sx - 0.5
    ys = ((xp.arange(height, dtype=xp.float32) + 0.5 - height / 2) / zoom + py) * sy - 0.5
    x0 = xp.clip(xp.floor(xs), 0, src_w - 1).astype(xp.int32)
    y0 = xp.clip(xp.floor(ys), 0, src_h - 1).astype(xp.int32)
    x1 = xp.minimum(x0 + 1, src_w - 1)
    y1 = xp.minimum(y0 + 1, src_h - 1)
    fx = xp.clip(xs - x0, 0.0, 1.0)[None, :, None]
    fy = xp.clip(ys - y0, 0.0, 1.0)[:, None, None]
    upper, lower = image[y0], image[y1]  # gather the rows, then the columns, then widen
    f32 = xp.float32
    top = upper[:, x0].astype(f32) * (1 - fx) + upper[:, x1].astype(f32) * fx
    bottom = lower[:, x0].astype(f32) * (1 - fx) + lower[:, x1].astype(f32) * fx
    out = top * (1 - fy) + bottom * fy
    return xp.clip(xp.floor(out + 0.5), 0, 255).astype(xp.uint8)


# -- the compositor -------------------------------------------------------------------------

class Compositor:
    """Per-frame pixel work on a CUDA device (or, with xp=numpy, on the CPU: used
    by the tests)."""

    def __init__(self, width: int, height: int, xp=None, check: bool = True):
        if xp is None:
            import cupy as xp
        self.xp = xp
        self.width, self.height = width, height
        self._images: dict = {}  # fitted background images, uploaded once
        if check:
            self._self_test()

    def _self_test(self) -> None:
        rng = np.random.default_rng(1)
        sample = rng.integers(0, 256, (8, 8, 4), dtype=np.uint8)
        here = bgra_to_yuv420p(np, sample)
        there = [self._host(p) for p in bgra_to_yuv420p(self.xp, self.xp.asarray(sample))]
        if any(np.abs(a.astype(int) - b.astype(int)).max() > 1 for a, b in zip(here, there)):
            raise RuntimeError("the GPU colour conversion disagrees with the CPU one; not using the GPU")

    def _host(self, array) -> np.ndarray:
        return array if isinstance(array, np.ndarray) else self.xp.asnumpy(array)

    def convert(self, item):
        """The writer's converter: a pooled BGRA frame (or av.VideoFrame) -> yuv420p frame."""
        import av

        pixels = item.pixels if hasattr(item, "pixels") else item.to_ndarray(format="bgra")
        device = self.xp.asarray(np.ascontiguousarray(pixels))
        planes = [self._host(p) for p in bgra_to_yuv420p(self.xp, device)]
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        for plane, data in zip(frame.planes, planes):
            view = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)
            view[: data.shape[0], : data.shape[1]] = data
        return frame

    def crossfade(self, a: np.ndarray, b: np.ndarray, progress: float) -> np.ndarray:
        xp = self.xp
        return self._host(crossfade(xp, xp.asarray(a), xp.asarray(b), progress))

    def dissolve(self, a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
        xp = self.xp
        return self._host(dissolve(xp, xp.asarray(a), xp.asarray(b), xp.asarray(mask)))

    def ken_burns(self, key, image: np.ndarray, zoom: float, px: float, py: float, level: float) -> np.ndarray:
        if key not in self._images:
            if len(self._images) > 8:
                self._images.clear()
            self._images[key] = self.xp.asarray(image)
        out = ken_burns(self.xp, self._images[key], self.width, self.height, zoom, px, py, level)
        return self._host(out)


class GpuRasterizer(Rasterizer):
    """The rasteriser with crossfades, dissolves and Ken Burns backgrounds done by
    the compositor; everything else as on the CPU."""

    def __init__(self, width: int, height: int, compositor: Compositor):
        super().__init__(width, height)
        self.compositor = compositor

    def _draw_transition(self, canvas, tn: TransitionNode, background) -> None:
        if tn.kind not in ("crossfade", "dissolve") or canvas.getSaveCount() != 1:
            return super()._draw_transition(canvas, tn, background)
        p = min(1.0, max(0.0, tn.progress))
        self._draw_scene(canvas, tn.a, background, "a")
        scratch_buffer, scratch_surface = self._scratch_surface()
        self._draw_scene(scratch_surface.getCanvas(), tn.b, background, "b")
        if tn.kind == "crossfade":
            self.buffer[...] = self.compositor.crossfade(self.buffer, scratch_buffer, p)
        else:
            self.buffer[...] = self.compositor.dissolve(self.buffer, scratch_buffer, self._noise_mask() < p)

    def _draw_background(self, canvas, node) -> None:
        zoom = node.values.get("zoom", 1.0)
        if (node.attrs["mode"] != "image" or node.values.get("opacity", 1.0) < 1.0 or canvas is not self.canvas
                or canvas.getSaveCount() != 1 or not canvas.getTotalMatrix().isIdentity()):
            return super()._draw_background(canvas, node)
        level = min(4.0, max(1.0, math.ceil(zoom * 4 - 1e-9) / 4))
        image = self._fitted_image(node, level)
        key = ("image", node.attrs["file"], node.attrs.get("fit"), tuple(node.values.get("fill") or ()), level)
        pixels = None
        if key not in self.compositor._images:
            pixels = image.toarray(colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE)
        self.buffer[...] = self.compositor.ken_burns(
            key, pixels, zoom, node.values.get("pan_x", self.width / 2), node.values.get("pan_y", self.height / 2),
            level)
