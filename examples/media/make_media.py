"""Writes the small media files media.scene plays (run it from anywhere; the
files land beside it). Every picture is drawn here with Skia and encoded with
PyAV, so the examples hold nothing of unknown origin (LICENSES.md):

- ball.webm  VP9 with alpha: a red ball bouncing on a transparent canvas, 1 s
- star.gif   animated GIF: a star turning, yellow to orange, on a blue card, 4 frames
- moon.png   APNG with alpha: a moon growing from a crescent to full, 4 frames
- fish.webp  animated WebP with alpha: a fish swimming left to right, 8 frames
- ball.json  Lottie: a yellow ball rolling over a blue block, 1 s

    python3 examples/media/make_media.py
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import av
import numpy as np
import skia

HERE = Path(__file__).resolve().parent


def canvas_frame(width: int, height: int, draw) -> np.ndarray:
    """RGBA (straight alpha) pixels of what `draw(canvas)` paints on a transparent canvas."""
    surface = skia.Surface(width, height)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorTRANSPARENT)
    draw(canvas)
    info = skia.ImageInfo.Make(width, height, skia.kRGBA_8888_ColorType, skia.kUnpremul_AlphaType)
    pixels = np.zeros((height, width, 4), np.uint8)
    surface.makeImageSnapshot().readPixels(info, pixels, width * 4, 0, 0)
    return pixels


def paint(color: int, style=skia.Paint.kFill_Style, width: float = 0) -> skia.Paint:
    return skia.Paint(Color=color, AntiAlias=True, Style=style, StrokeWidth=width)


def encode(path: Path, frames: list[np.ndarray], codec: str, pix_fmt: str, rate: int, fmt: str | None = None,
           options: dict | None = None, source_format: str = "rgba") -> None:
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format=fmt, options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
        stream.options = options or {}
        for i, pixels in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format=source_format)
            frame = frame.reformat(format=pix_fmt)
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def ball_frames() -> list[np.ndarray]:
    def draw(i):
        def paint_ball(canvas):
            y = 90 - 60 * math.sin(math.pi * i / 9)  # up and back down over the second
            canvas.drawCircle(60, y, 26, paint(0xFFE63946))
            canvas.drawCircle(60, y, 26, paint(0xFF9D0208, skia.Paint.kStroke_Style, 4))
            canvas.drawCircle(52, y - 9, 7, paint(0xCCFFFFFF))
        return paint_ball
    return [canvas_frame(120, 120, draw(i)) for i in range(10)]


def star_path(cx: float, cy: float, outer: float, inner: float, turn: float) -> skia.Path:
    path = skia.Path()
    for k in range(10):
        r = outer if k % 2 == 0 else inner
        a = turn + math.pi * k / 5 - math.pi / 2
        (path.moveTo if k == 0 else path.lineTo)(cx + r * math.cos(a), cy + r * math.sin(a))
    path.close()
    return path


def star_frames() -> list[np.ndarray]:
    # Colours of GIF's 3-3-2 palette (rgb8), so no dithering speckles them; a GIF has
    # no alpha here, so the card fills its frame.
    colors = [0xFFFFDB00, 0xFFFFB600, 0xFFFF9200, 0xFFFF6D00]
    def draw(i):
        def paint_star(canvas):
            canvas.drawRect(skia.Rect(0, 0, 120, 120), paint(0xFF4992FF))
            canvas.drawPath(star_path(60, 62, 46, 20, i * math.pi / 20), paint(colors[i]))
        return paint_star
    return [canvas_frame(120, 120, draw(i))[..., :3] for i in range(4)]


def moon_frames() -> list[np.ndarray]:
    def draw(i):
        def paint_moon(canvas):
            disc = skia.Path()
            disc.addCircle(60, 60, 44)
            shade = skia.Path()
            shade.addCircle(60 - 30 - 28 * i, 52, 44)  # the shadow slides off: crescent to full
            canvas.drawPath(skia.Op(disc, shade, skia.PathOp.kDifference_PathOp), paint(0xFFFFF3B0))
        return paint_moon
    return [canvas_frame(120, 120, draw(i)) for i in range(4)]


def fish_frames() -> list[np.ndarray]:
    def draw(i):
        def paint_fish(canvas):
            x = 40 + 10 * i
            tail = skia.Path()
            tail.moveTo(x - 22, 50)
            tail.lineTo(x - 40, 34 + (i % 2) * 6)
            tail.lineTo(x - 40, 66 - (i % 2) * 6)
            tail.close()
            canvas.drawPath(tail, paint(0xFFFF7F50))
            canvas.drawOval(skia.Rect(x - 28, 32, x + 28, 68), paint(0xFFFF7F50))
            canvas.drawCircle(x + 14, 45, 5, paint(0xFFFFFFFF))
            canvas.drawCircle(x + 15, 45, 2.5, paint(0xFF2B2D42))
        return paint_fish
    return [canvas_frame(160, 100, draw(i)) for i in range(8)]


def lottie_ball() -> dict:
    def static(value):
        return {"a": 0, "k": value}

    def layer(index, name, shapes, position):
        transform = {"ty": "tr", "p": static([0, 0]), "a": static([0, 0]), "s": static([100, 100]),
                     "r": static(0), "o": static(100)}
        return {"ddd": 0, "ind": index, "ty": 4, "nm": name, "ip": 0, "op": 30, "st": 0, "sr": 1, "bm": 0,
                "ks": {"o": static(100), "r": static(0), "p": position, "a": static([0, 0, 0]),
                       "s": static([100, 100, 100])},
                "shapes": [{"ty": "gr", "it": [*shapes, transform]}]}

    ball = layer(1, "ball", [{"ty": "el", "p": static([0, 0]), "s": static([60, 60])},
                             {"ty": "st", "c": static([0.17, 0.18, 0.26, 1]), "o": static(100), "w": static(6)},
                             {"ty": "fl", "c": static([1, 0.85, 0.24, 1]), "o": static(100)}],
                 {"a": 1, "k": [{"t": 0, "s": [40, 60, 0], "i": {"x": [0.5], "y": [1]}, "o": {"x": [0.5], "y": [0]}},
                                {"t": 29, "s": [160, 60, 0]}]})
    block = layer(2, "block", [{"ty": "rc", "p": static([0, 0]), "s": static([80, 80]), "r": static(12)},
                               {"ty": "fl", "c": static([0.3, 0.59, 1, 1]), "o": static(100)}],
                  static([100, 60, 0]))
    return {"v": "5.5.2", "fr": 30, "ip": 0, "op": 30, "w": 200, "h": 120, "nm": "ball", "ddd": 0, "assets": [],
            "layers": [ball, block]}


def main() -> None:
    encode(HERE / "ball.webm", ball_frames(), "libvpx-vp9", "yuva420p", 10, "webm",
           {"auto-alt-ref": "0", "lossless": "1", "row-mt": "0", "threads": "1"})
    encode(HERE / "star.gif", star_frames(), "gif", "rgb8", 5, "gif", source_format="rgb24")
    encode(HERE / "moon.png", moon_frames(), "apng", "rgba", 4, "apng", {"plays": "0"})
    encode(HERE / "fish.webp", fish_frames(), "libwebp_anim", "bgra", 8, "webp", {"lossless": "1", "loop": "0"})
    (HERE / "ball.json").write_text(json.dumps(lottie_ball(), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
