"""Contact sheets of the settings and the props, for looking at them at phone size.

    python3 docs/contact_sheets.py            # writes docs/images/settings.png,
                                              # settings-looks.png and props.png

settings.png: every setting in daylight, each tile 390x219 px (a 16:9 frame shown
on a phone held upright). settings-looks.png: a few settings at every time of day
and weather. props.png: every kind of templates/_lib/objects.scene with its name.
Each is drawn through the same code a video uses (the backdrops at 1 s into their
life; the props compiled from a .scene file), so what the sheet shows is what a
video shows.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import skia

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the folder holding the storyreel package

from storyreel.dsl import CompileOptions, load_scene  # noqa: E402
from storyreel.engine import render_frame  # noqa: E402
from storyreel.engine.raster.backdrops import SETTINGS, draw_backdrop, draw_life  # noqa: E402

TILE_W, TILE_H = 390, 219
LABEL = 26
OUT = HERE / "images"
LOOKS = ("day clear", "dawn cloudy", "sunset wind", "night clear", "day rain", "day snow")
LOOK_SETTINGS = ("meadow", "street", "beach", "bedroom", "castle", "cave")


def _label(canvas: skia.Canvas, text: str, x: float, y: float, width: float, size: float = 18) -> None:
    font = skia.Font(skia.Typeface("DejaVu Sans"), size)
    w = font.measureText(text)
    canvas.drawString(text, x + (width - w) / 2, y, font, skia.Paint(AntiAlias=True, Color=0xFF2B2D42))


def _tile(name: str, time: str = "day", weather: str = "clear") -> skia.Image:
    surface = skia.Surface(TILE_W, TILE_H)
    canvas = surface.getCanvas()
    draw_backdrop(canvas, name, TILE_W, TILE_H, 7, time, weather)
    draw_life(canvas, name, TILE_W, TILE_H, 1.0, 7, time, weather)
    # The ground line, as a dashed guide: where characters stand.
    y = SETTINGS[name].ground * TILE_H
    dash = skia.Paint(Color=0xCCFF0066, StrokeWidth=1.5, PathEffect=skia.DashPathEffect.Make([6, 4], 0))
    canvas.drawLine(0, y, TILE_W, y, dash)
    return surface.makeImageSnapshot()


def _grid(tiles: list[tuple[str, skia.Image]], columns: int, path: Path) -> None:
    rows = (len(tiles) + columns - 1) // columns
    gap = 8
    surface = skia.Surface(columns * (TILE_W + gap) + gap, rows * (TILE_H + LABEL + gap) + gap)
    canvas = surface.getCanvas()
    canvas.clear(0xFFFFFFFF)
    for i, (label, image) in enumerate(tiles):
        x = gap + (i % columns) * (TILE_W + gap)
        y = gap + (i // columns) * (TILE_H + LABEL + gap)
        canvas.drawImage(image, x, y)
        _label(canvas, label, x, y + TILE_H + 19, TILE_W)
    surface.makeImageSnapshot().save(str(path), skia.kPNG)
    print(path)


def settings_sheets() -> None:
    named = [n for n in SETTINGS if n not in ("sky", "night", "ocean")]
    _grid([(f"{n} (ground {SETTINGS[n].ground:.0%})", _tile(n)) for n in named], 4, OUT / "settings.png")
    tiles = []
    for name in LOOK_SETTINGS:
        for look in LOOKS:
            time, weather = look.split()
            tiles.append((f"{name} {look}", _tile(name, time, weather)))
    _grid(tiles, len(LOOKS), OUT / "settings-looks.png")


def props_sheet(columns: int = 13, cell: int = 150) -> None:
    objects = HERE.parent / "templates" / "_lib" / "objects.scene"
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(objects.parent)))
    kinds = list(env.get_template(objects.name).module.KINDS)
    rows = (len(kinds) + columns - 1) // columns
    width, height = columns * cell, rows * cell
    unit = min(width, height) / 1080
    size = round(cell * 0.62 / (200 * unit), 3)  # a prop is about 200 design px across at size 1
    lines = [f'{{% import "{objects.as_posix()}" as obj %}}', f'video "props" {{\n    size {width}x{height}\n}}',
             "scene sheet {", "    background solid #FFFFFF"]
    for i, kind in enumerate(kinds):
        # Positions in percent of the canvas, lengths in design px (1/1080 of the shorter side).
        cx, cy = (i % columns + 0.5) * cell, (i // columns + 0.45) * cell
        px, py = round(100 * cx / width, 3), round(100 * cy / height, 3)
        lines.append(f'    box{i} = rect at ({px}%, {round(100 * (cy + cell * 0.05) / height, 3)}%) '
                     f'size {round(cell * 0.96 / unit)} {round(cell * 0.96 / unit)} fill transparent stroke #E9ECEF 2')
        lines.append(f'    {{{{ obj.draw("{kind}", "p{i}", {px}, {py}, {size}) }}}}')
        lines.append(f'    t{i} = text "{kind}" at ({px}%, {round(100 * (cy + cell * 0.42) / height, 3)}%) '
                     f'size {round(16 / unit)} color #2B2D42')
    lines += ["    wait 1s", "}"]
    with tempfile.TemporaryDirectory() as folder:
        scene = Path(folder) / "props.scene"
        scene.write_text("\n".join(lines) + "\n", encoding="utf-8")
        timeline = load_scene(scene, None, CompileOptions()).timeline
        rgba = render_frame(timeline, 0.5)
    image = skia.Image.fromarray(rgba[..., :4].copy(), colorType=skia.kRGBA_8888_ColorType)
    image.save(str(OUT / "props.png"), skia.kPNG)
    print(OUT / "props.png")


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    which = sys.argv[1:] or ["settings", "props"]
    if "settings" in which:
        settings_sheets()
    if "props" in which:
        props_sheet()
