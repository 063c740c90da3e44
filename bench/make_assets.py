"""Generate bench/assets/meadow.jpg, the reference workload's Ken Burns image.

Run once (the JPEG is committed): `python bench/make_assets.py`. Seeded, so a
re-run draws the same picture; the bytes may differ slightly between Skia
versions, which does not matter for the benchmark.

A 2400x1600 stylised meadow: a sky gradient (numpy), a sun with a glow, soft
clouds, three layers of rolling hills and seeded flowers (Skia vector art),
saved as JPEG quality 85. It is larger than the 1920x1080 frame on purpose:
`fit cover` scales it down and the Ken Burns zoom samples it with mipmaps, as
a real photo background would be.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import skia

WIDTH, HEIGHT = 2400, 1600
SEED = 20261123
OUT = Path(__file__).resolve().parent / "assets" / "meadow.jpg"


def sky(width: int, height: int) -> np.ndarray:
    """RGBA sky: deep blue at the top to a warm haze at the horizon."""
    top = np.array([74, 144, 226], dtype=np.float32)
    bottom = np.array([255, 226, 180], dtype=np.float32)
    k = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None] ** 1.4
    rows = top * (1 - k) + bottom * k
    rgb = np.broadcast_to(rows[:, None, :], (height, width, 3))
    rgba = np.empty((height, width, 4), dtype=np.uint8)
    rgba[..., :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    rgba[..., 3] = 255
    return rgba


def hill_path(rng: np.random.Generator, base: float, amplitude: float, width: int, height: int) -> skia.Path:
    """A closed path along a sum of a few seeded sine waves, filled down to the bottom."""
    waves = [(rng.uniform(0.6, 2.2), rng.uniform(0, 2 * math.pi), rng.uniform(0.3, 1.0)) for _ in range(3)]
    norm = sum(a for _, _, a in waves)
    path = skia.Path()
    path.moveTo(0, height)
    for x in range(0, width + 1, 16):
        u = x / width
        y = base + amplitude * sum(a * math.sin(2 * math.pi * f * u + p) for f, p, a in waves) / norm
        path.lineTo(x, y)
    path.lineTo(width, height)
    path.close()
    return path


def main() -> None:
    rng = np.random.default_rng(SEED)
    pixels = sky(WIDTH, HEIGHT)
    surface = skia.Surface(pixels, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kPremul_AlphaType)
    canvas = surface.getCanvas()

    # Sun with a soft glow.
    sun = (WIDTH * 0.76, HEIGHT * 0.24)
    glow = skia.Paint(AntiAlias=True, Shader=skia.GradientShader.MakeRadial(
        skia.Point(*sun), 420, [0x88FFF1B8, 0x00FFF1B8]))
    canvas.drawCircle(*sun, 420, glow)
    canvas.drawCircle(*sun, 150, skia.Paint(AntiAlias=True, Color=0xFFFFD93D))

    # Clouds: clusters of soft white circles.
    cloud = skia.Paint(AntiAlias=True, Color=0xE6FFFFFF,
                       MaskFilter=skia.MaskFilter.MakeBlur(skia.kNormal_BlurStyle, 6))
    for _ in range(6):
        cx, cy = rng.uniform(0.05, 0.95) * WIDTH, rng.uniform(0.08, 0.38) * HEIGHT
        for _ in range(5):
            canvas.drawCircle(cx + rng.uniform(-150, 150), cy + rng.uniform(-30, 30), rng.uniform(55, 110), cloud)

    # Hills, far to near, each greener and darker; a vertical gradient on each.
    hills = [
        (0.58, 70, (0xFF9CCB86, 0xFF7FB069)),
        (0.68, 90, (0xFF7DBB5A, 0xFF5E9E40)),
        (0.80, 80, (0xFF5FA83B, 0xFF3F7F25)),
    ]
    for base, amplitude, (c_top, c_bottom) in hills:
        path = hill_path(rng, base * HEIGHT, amplitude, WIDTH, HEIGHT)
        top = path.getBounds().top()
        shader = skia.GradientShader.MakeLinear([skia.Point(0, top), skia.Point(0, HEIGHT)], [c_top, c_bottom])
        canvas.drawPath(path, skia.Paint(AntiAlias=True, Shader=shader))

    # Flowers on the nearest hill: a stem-less dot with a centre.
    colors = [0xFFFF6B6B, 0xFFFFD93D, 0xFFFFFFFF, 0xFFC77DFF, 0xFFFF9F1C]
    for _ in range(140):
        x, y = rng.uniform(0, WIDTH), rng.uniform(0.86, 0.99) * HEIGHT
        r = rng.uniform(7, 14)
        canvas.drawCircle(x, y, r, skia.Paint(AntiAlias=True, Color=int(rng.choice(colors))))
        canvas.drawCircle(x, y, r * 0.35, skia.Paint(AntiAlias=True, Color=0xFF8A5A00))

    surface.flushAndSubmit()
    image = skia.Image.fromarray(pixels, colorType=skia.kRGBA_8888_ColorType)
    data = image.encodeToData(skia.kJPEG, 85)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(bytes(data))
    print(f"wrote {OUT} ({WIDTH}x{HEIGHT}, {OUT.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
