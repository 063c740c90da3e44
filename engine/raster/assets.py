"""Images and SVG files: decoded once, kept in the rasteriser's colour type.

Images are converted to BGRA premultiplied with mipmaps at load, because drawing
an image whose colour type differs from the surface's costs ten times more.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import skia

SURFACE_COLOR_TYPE = skia.kBGRA_8888_ColorType
SURFACE_ALPHA_TYPE = skia.kPremul_AlphaType

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}


# An image is decoded whole and kept with its mipmaps (about 5.3 bytes a pixel), so
# 100 megapixels is already half a gigabyte; larger files are refused from their
# header, before anything is allocated.
MAX_IMAGE_PIXELS = 100_000_000


class AssetError(ValueError):
    """A media file that cannot be used: missing, unreadable, damaged or too large.

    `message` names the file; `hint` (may be None) says what would work. `str(err)`
    is the message followed by the hint in parentheses, like AudioError.
    """

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message, hint)  # both in args: the error survives pickling out of a worker
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


def _image_codec(path: str) -> tuple[skia.Codec, skia.Data]:
    """A codec over the file, its header read, nothing decoded yet; too-large images refused."""
    data = skia.Data.MakeFromFileName(path)
    if data is None:
        raise AssetError(f"cannot read image file '{path}'", "check the path and that the file is readable")
    if data.size() == 0:
        raise AssetError(f"image file '{path}' is empty", "the file was not completely copied; copy it again")
    try:
        codec = skia.Codec.MakeFromData(data)
    except RuntimeError:  # skia-python raises where skia returns null
        codec = None
    if codec is None:
        raise AssetError(f"'{path}' is not an image skia can decode",
                         "use a PNG, JPEG, WebP, GIF or BMP file")
    size = codec.dimensions()
    w, h = size.width(), size.height()
    if w <= 0 or h <= 0:
        raise AssetError(f"image '{path}' says it is {w}x{h} pixels", "the file is damaged; re-export it")
    check_pixels(f"image '{path}'", w, h, "scale it down first: a 4K frame is 8 megapixels")
    return codec, data


def check_pixels(what: str, w: int, h: int, hint: str, per: str = "") -> None:
    """Refuse a picture of more than MAX_IMAGE_PIXELS from its header, before one is decoded."""
    if w * h > MAX_IMAGE_PIXELS:
        raise AssetError(f"{what} is {w}x{h} ({w * h / 1e6:.0f} megapixels{per}); "
                         f"the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels", hint)


@lru_cache(maxsize=64)
def load_image(path: str) -> skia.Image:
    codec, data = _image_codec(path)
    size = codec.dimensions()
    w, h = size.width(), size.height()
    # Decode straight into the surface's colour type (no colour-space conversion, as before).
    info = skia.ImageInfo.Make(w, h, SURFACE_COLOR_TYPE, SURFACE_ALPHA_TYPE)
    pixels = np.zeros((h, w, 4), np.uint8)
    result = codec.getPixels(info, pixels, w * 4)
    # Skia fills what it could not decode and reports it; such an image is half
    # grey or half missing in the video, so it is an error rather than a surprise.
    if result == skia.Codec.Result.kIncompleteInput:
        raise AssetError(f"image '{path}' is truncated: only part of it could be decoded",
                         "the file is damaged or was not completely copied; re-export it")
    if result == skia.Codec.Result.kErrorInInput:
        raise AssetError(f"image '{path}' is damaged: its data has errors",
                         "re-export it from the original")
    if result != skia.Codec.Result.kSuccess:
        raise AssetError(f"cannot decode image '{path}': {skia.Codec.ResultToString(result)}",
                         "use a PNG, JPEG, WebP, GIF or BMP file")
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
