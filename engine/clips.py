"""Video clips inside a video: `clip = video "file.mp4" [from T] [to T] [loop] [fit …] [muted]`.

Frames are decoded with PyAV on demand. Rendering moves forward in time, so a
reader keeps its decoder open and decodes ahead; a jump backwards (or far
ahead) seeks. Any source frame rate becomes the output's by taking, for each
output time, the last source frame shown at or before it (sample and hold).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import av
import numpy as np
import skia

from .assets import SURFACE_ALPHA_TYPE, SURFACE_COLOR_TYPE, AssetError, check_pixels
from .painters import SAMPLING, _anchor_offset, _image_paint


@dataclass(frozen=True)
class ClipInfo:
    width: int
    height: int
    duration: float
    fps: float
    has_audio: bool


@lru_cache(maxsize=64)
def probe(path: str) -> ClipInfo:
    try:
        with av.open(path) as container:
            if not container.streams.video:
                raise AssetError(f"'{path}' has no video stream")
            stream = container.streams.video[0]
            duration = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration:
                duration = container.duration / 1e6
            rate = stream.average_rate or stream.guessed_rate or Fraction(30)
            w, h = stream.codec_context.width, stream.codec_context.height
            if w <= 0 or h <= 0:
                raise AssetError(f"video file '{path}' has no frame size in its header", "the file may be damaged")
            # Every frame is converted to a BGRA image: refuse before decoding one.
            check_pixels(f"video file '{path}'", w, h, "scale it down first, to 3840x2160 or less", " a frame")
            return ClipInfo(w, h, duration or 0.0, float(rate), bool(container.streams.audio))
    except av.FFmpegError as exc:
        raise AssetError(f"cannot read video file '{path}': {exc}") from None


class ClipReader:
    """Sequential decoding with seeking; `frame_at(t)` gives a skia.Image."""

    def __init__(self, path: str):
        self.path = path
        self.lock = threading.Lock()
        self.container = None
        self._open()

    def _open(self, seek_to: float | None = None) -> None:
        if self.container is not None:
            self.container.close()
        self.container = av.open(self.path)
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        if seek_to:
            self.container.seek(int(seek_to / self.stream.time_base), stream=self.stream, backward=True)
        self.frames = self.container.decode(self.stream)
        self.current: tuple[float, skia.Image] | None = None
        self.upcoming = None

    def _time(self, frame) -> float:
        return float(frame.pts * self.stream.time_base) if frame.pts is not None else 0.0

    def frame_at(self, t: float) -> skia.Image | None:
        with self.lock:
            if self.current is not None and (t < self.current[0] - 1e-6 or t > self.current[0] + 2.0):
                self._open(seek_to=max(0.0, t - 0.5))
            while True:
                if self.upcoming is None:
                    try:
                        self.upcoming = next(self.frames, None)
                    except av.FFmpegError as exc:
                        raise AssetError(f"cannot decode video file '{self.path}' near {t:.2f}s: {exc}",
                                         "the file may be damaged; re-encode it") from None
                    if self.upcoming is None:
                        break  # end of the file: hold the last frame
                if self._time(self.upcoming) > t + 1e-6 and self.current is not None:
                    break
                self.current = (self._time(self.upcoming), frame_image(self.upcoming))
                self.upcoming = None
            return self.current[1] if self.current else None


def frame_image(frame) -> skia.Image:
    """A decoded frame as a skia.Image in the surface's colour type.

    PyAV returns rows padded to FFmpeg's line alignment (a 330-wide BGRA frame
    has 1328-byte rows, not 1320; GIF frames likewise), and skia only takes
    C-contiguous arrays, so padded rows are packed first (one frame's copy).
    """
    pixels = np.ascontiguousarray(frame.to_ndarray(format="bgra"))
    has_alpha = any(c.is_alpha for c in frame.format.components)
    if not has_alpha or pixels[..., 3].min() == 255:
        return skia.Image.fromarray(pixels, colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE)
    # Straight alpha (GIF or ProRes 4444 transparency): premultiply once, here, so drawing
    # stays on the surface's fast path and edges do not glow.
    straight = skia.Image.fromarray(pixels, colorType=SURFACE_COLOR_TYPE, alphaType=skia.kUnpremul_AlphaType)
    return skia.Image.fromarray(straight.toarray(colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE),
                                colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE)


@lru_cache(maxsize=16)
def reader(path: str) -> ClipReader:
    return ClipReader(path)


def clip_time(node) -> float:
    """The source time for a clip node: trimmed, looped or held at its end."""
    a = node.attrs
    start, end = a["from"], a["to"]
    length = max(1e-6, end - start)
    local = max(0.0, node.values.get("time", 0.0))
    if a.get("loop"):
        local = local % length
    else:
        local = min(local, length - 1e-3)
    return start + local


def paint_clip(canvas: skia.Canvas, node, alpha: float, ctx) -> None:
    w, h = node.get("width", 0.0), node.get("height", 0.0)
    dx, dy = _anchor_offset(node, w, h)
    image = reader(node.attrs["file"]).frame_at(clip_time(node))
    if image is None:
        return
    iw, ih = image.width(), image.height()
    fit = node.attrs.get("fit", "contain")
    box = skia.Rect.MakeXYWH(dx, dy, w, h)
    if fit == "stretch":
        dest = box
    else:
        k = max(w / iw, h / ih) if fit == "cover" else min(w / iw, h / ih)
        dest = skia.Rect.MakeXYWH(dx + (w - iw * k) / 2, dy + (h - ih * k) / 2, iw * k, ih * k)
    canvas.save()
    canvas.clipRect(box, doAntiAlias=True)
    canvas.drawImageRect(image, dest, SAMPLING, _image_paint(node, alpha))
    canvas.restore()
