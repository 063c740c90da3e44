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

from .assets import SURFACE_ALPHA_TYPE, SURFACE_COLOR_TYPE, AssetError, _image_codec, check_pixels
from .paint_kit import SAMPLING, anchor_offset, image_paint


@dataclass(frozen=True)
class ClipInfo:
    width: int
    height: int
    duration: float
    fps: float
    has_audio: bool


# FFmpeg decodes a still WebP but not an animated one; skia's codec decodes both.
SKIA_ANIMATIONS = (".webp",)


def _skia_animated(path: str) -> bool:
    return path.lower().endswith(SKIA_ANIMATIONS)


def _demuxed_duration(container, stream) -> float:
    """The end of the last packet, for files whose header states no duration (APNG)."""
    end = 0
    for packet in container.demux(stream):
        if packet.pts is not None:
            end = max(end, packet.pts + (packet.duration or 0))
    return float(end * stream.time_base) if stream.time_base else 0.0


LOTTIE_SUFFIXES = (".json",)  # Lottie (Bodymovin) animations, drawn by rlottie


@lru_cache(maxsize=64)
def probe(path: str) -> ClipInfo:
    if _skia_animated(path) or path.lower().endswith(LOTTIE_SUFFIXES):
        animation = reader(path)
        return ClipInfo(animation.width, animation.height, animation.duration, animation.fps, False)
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
            if not duration:
                duration = _demuxed_duration(container, stream)
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
        self.frames = _decode_with_alpha(self.container, self.stream)
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


# FFmpeg's own VP8/VP9 decoders drop the alpha a WebM carries beside each frame
# (Matroska BlockAdditional, the stream tagged alpha_mode 1); libvpx's decode it.
_ALPHA_DECODERS = {"vp9": "libvpx-vp9", "vp8": "libvpx"}


def _decode_with_alpha(container, stream):
    """The stream's decoded frames, through libvpx when it is a WebM with alpha."""
    name = _ALPHA_DECODERS.get(stream.codec_context.name)
    if name is None or str(stream.metadata.get("alpha_mode", stream.metadata.get("ALPHA_MODE", "0"))) != "1":
        return container.decode(stream)
    decoder = av.CodecContext.create(name, "r")
    if stream.codec_context.extradata:
        decoder.extradata = stream.codec_context.extradata

    def frames():
        for packet in container.demux(stream):
            yield from decoder.decode(packet if packet.size else None)
    return frames()


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


class AnimationReader:
    """An animated image skia decodes (WebP): each frame shown for its own duration."""

    def __init__(self, path: str):
        self.path = path
        self.lock = threading.Lock()
        self.codec, self._data = _image_codec(path)
        size = self.codec.dimensions()
        self.width, self.height = size.width(), size.height()
        durations = [max(1, info.fDuration) / 1000 for info in self.codec.getFrameInfo()] or [0.1]
        self.starts = np.cumsum([0.0] + durations[:-1])
        self.duration = float(sum(durations))
        self.fps = len(durations) / self.duration
        self._images: dict[int, skia.Image] = {}

    def frame_at(self, t: float) -> skia.Image:
        index = max(0, int(np.searchsorted(self.starts, t + 1e-6, side="right")) - 1)
        with self.lock:
            if index not in self._images:
                if len(self._images) > 64:
                    self._images.clear()
                self._images[index] = self._decode(index)
            return self._images[index]

    def _decode(self, index: int) -> skia.Image:
        info = skia.ImageInfo.Make(self.width, self.height, SURFACE_COLOR_TYPE, SURFACE_ALPHA_TYPE)
        pixels = np.zeros((self.height, self.width, 4), np.uint8)
        options = skia.Codec.Options()
        options.fFrameIndex = index
        result = self.codec.getPixels(info, pixels, self.width * 4, options)
        if result != skia.Codec.Result.kSuccess:
            raise AssetError(f"cannot decode frame {index + 1} of '{self.path}': {skia.Codec.ResultToString(result)}",
                             "the file may be damaged; re-export it")
        return skia.Image.fromarray(pixels, colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE)


class LottieReader(AnimationReader):
    """A Lottie animation (`video "wave.json"`) rendered frame by frame by rlottie
    (the optional `rlottie-python`, LGPL-2.1, loaded as a shared library), at the
    animation's own size: premultiplied BGRA, the surface's own format."""

    def __init__(self, path: str):
        try:
            from rlottie_python import LottieAnimation
        except ImportError:
            raise AssetError(f"'{path}' is a Lottie animation, and drawing one needs rlottie-python",
                             "pip install 'storyreel[lottie]'") from None
        self.path = path
        self.lock = threading.Lock()
        try:
            self.animation = LottieAnimation.from_file(path)
            w, h = self.animation.lottie_animation_get_size()
            self.frames = int(self.animation.lottie_animation_get_totalframe())
            self.fps = float(self.animation.lottie_animation_get_framerate())
        except Exception:  # noqa: BLE001 - rlottie returns null for anything it cannot parse
            raise AssetError(f"'{path}' is not a Lottie animation rlottie can read",
                             "export it from After Effects with Bodymovin, or from LottieFiles, as .json") from None
        if w <= 0 or h <= 0 or self.frames <= 0 or self.fps <= 0:
            raise AssetError(f"'{path}' is not a Lottie animation rlottie can read (it says {w}x{h}, "
                             f"{self.frames} frames at {self.fps:g} fps)", "the file is damaged; export it again")
        check_pixels(f"Lottie animation '{path}'", w, h, "give the composition a smaller size", " a frame")
        self.width, self.height = w, h
        self.duration = float(self.animation.lottie_animation_get_duration()) or self.frames / self.fps
        self.starts = np.arange(self.frames) / self.fps
        self._images = {}

    def _decode(self, index: int) -> skia.Image:
        data = self.animation.lottie_animation_render(frame_num=index)
        pixels = np.frombuffer(data, np.uint8).reshape(self.height, self.width, 4).copy()
        return skia.Image.fromarray(pixels, colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE)


@lru_cache(maxsize=16)
def reader(path: str) -> "ClipReader | AnimationReader":
    if path.lower().endswith(LOTTIE_SUFFIXES):
        return LottieReader(path)
    return AnimationReader(path) if _skia_animated(path) else ClipReader(path)


def clip_time(node) -> float:
    """The source time for a clip node: trimmed, looped or held at its end."""
    a = node.attrs
    if "freeze" in a:  # `freeze T`: the file's frame at T, held
        return a["freeze"]
    start, end = a["from"], a["to"]
    length = max(1e-6, end - start)
    local = max(0.0, node.values.get("time", 0.0)) * a.get("speed", 1.0)  # `speed 2`: the file's time runs twice as fast
    if a.get("loop"):
        local = local % length
    else:
        local = min(local, length - 1e-3)
    return start + local


def paint_clip(canvas: skia.Canvas, node, alpha: float, ctx) -> None:
    w, h = node.get("width", 0.0), node.get("height", 0.0)
    dx, dy = anchor_offset(node, w, h)
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
    canvas.drawImageRect(image, dest, SAMPLING, image_paint(node, alpha))
    canvas.restore()
