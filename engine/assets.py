"""Images and SVG files: decoded once, kept in the rasteriser's colour type.

Images are converted to BGRA premultiplied with mipmaps at load, because drawing
an image whose colour type differs from the surface's costs ten times more.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import skia

SURFACE_COLOR_TYPE = skia.kBGRA_8888_ColorType
SURFACE_ALPHA_TYPE = skia.kPremul_AlphaType

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}


class AssetError(ValueError):
    pass


@lru_cache(maxsize=64)
def load_image(path: str) -> skia.Image:
    data = skia.Data.MakeFromFileName(path)
    if data is None:
        raise AssetError(f"cannot read image file '{path}'")
    image = skia.Image.MakeFromEncoded(data)
    if image is None:
        raise AssetError(f"'{path}' is not an image skia can decode (PNG, JPEG, WebP, GIF, BMP)")
    pixels = image.toarray(colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE)
    converted = skia.Image.fromarray(pixels, colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE)
    return converted.withDefaultMipmaps()


def image_size(path: str) -> tuple[int, int]:
    image = load_image(path)
    return image.width(), image.height()


@lru_cache(maxsize=64)
def _svg_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise AssetError(f"cannot read SVG file '{path}': {exc.strerror}") from None


def load_svg(path: str) -> skia.SVGDOM:
    """A fresh DOM: `setContainerSize` mutates it, so callers do not share one."""
    dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream.MakeDirect(_svg_bytes(path)))
    if dom is None:
        raise AssetError(f"'{path}' is not an SVG file skia can read")
    return dom


def svg_size(path: str) -> tuple[float, float]:
    size = load_svg(path).containerSize()
    w, h = size.width(), size.height()
    return (w or 100.0, h or 100.0)


@lru_cache(maxsize=128)
def render_svg(path: str, width: int, height: int) -> skia.Image:
    """The SVG rasterised at exactly width x height (cached per size)."""
    w0, h0 = svg_size(path)
    surface = skia.Surface(max(1, width), max(1, height), SURFACE_COLOR_TYPE)
    canvas = surface.getCanvas()
    canvas.clear(0)
    canvas.scale(width / w0, height / h0)
    dom = load_svg(path)
    dom.setContainerSize(skia.Size(w0, h0))
    dom.render(canvas)
    return surface.makeImageSnapshot()
