"""Contact sheets of the templates' segments: one frame of every scene (its last
second, when everything it brought on is in place), for each template at two ages
and three aspect ratios, to look at before calling a template done.

    python docs/templates_sheet.py                      # every template -> docs/images/templates_NAME.png
    python docs/templates_sheet.py --templates counting --episode 3 --length episode

Each row is one (age, aspect) of one template; each cell a scene, labelled with
its name (the chapter). Cells are drawn at phone size: a 16:9 frame 390 px wide
(a vertical one 390 px tall, a square one 300), the size a child sees on a phone.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import skia

from storyreel.dsl import CompileOptions, load_scene
from storyreel.dsl.templates import load_template, validate_params
from storyreel.engine.raster import fonts
from storyreel.engine.encode.frames import render_frame

ROOT = Path(__file__).resolve().parent
TEMPLATES = ["counting", "alphabet", "colors", "shapes", "feelings"]
ASPECTS = {"16:9": ("youtube", (390, 220)), "9:16": ("shorts", (124, 220)), "1:1": ("square", (220, 220))}
LABEL = 16


def still_times(timeline) -> list[tuple[str, float]]:
    """Each scene's name and a time in its last second outside any transition."""
    out = []
    for scene in timeline.scenes:
        t = scene.end - 0.6
        while any(tr.start <= t <= tr.end for tr in timeline.transitions) and t > scene.start:
            t -= 0.25
        out.append((scene.name, max(scene.start, t)))
    return out


def sheet_rows(name: str, ages, episode: int, length: str) -> list[tuple[str, list[tuple[str, np.ndarray]]]]:
    template = load_template(name)
    rows = []
    for age in ages:
        for aspect, (preset, size) in ASPECTS.items():
            values = validate_params(template, {"age": age, "episode": episode, "length": length})
            timeline = load_scene(template.scene_path, values, CompileOptions(preset=preset, size=size, fps=10)).timeline
            cells = [(scene, render_frame(timeline, t)) for scene, t in still_times(timeline)]
            rows.append((f"{name} age {age} {aspect}", cells))
            print(f"{name} age {age} {aspect}: {len(cells)} scenes", file=sys.stderr, flush=True)
    return rows


def draw_sheet(rows, out: Path) -> None:
    gap = 6
    width = max(sum(img.shape[1] + gap for _, img in cells) for _, cells in rows) + gap
    height = sum(max(img.shape[0] for _, img in cells) + 2 * LABEL + gap for _, cells in rows) + gap
    surface = skia.Surface(width, height)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorWHITE)
    font = fonts.font("sans", 600, 11)
    ink = skia.Paint(AntiAlias=True, Color=skia.ColorSetRGB(43, 45, 66))
    y = gap
    for title, cells in rows:
        canvas.drawString(title, gap, y + 12, fonts.font("sans", 800, 13), ink)
        y += LABEL
        x = gap
        for scene, img in cells:
            image = skia.Image.fromarray(np.ascontiguousarray(img), colorType=skia.kRGBA_8888_ColorType)
            canvas.drawImage(image, x, y)
            canvas.drawString(scene[:34], x, y + img.shape[0] + 12, font, ink)
            x += img.shape[1] + gap
        y += max(img.shape[0] for _, img in cells) + LABEL + gap
    out.parent.mkdir(parents=True, exist_ok=True)
    surface.makeImageSnapshot().save(str(out), skia.kPNG)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", default=",".join(TEMPLATES))
    parser.add_argument("--ages", default="2,5")
    parser.add_argument("--episode", type=int, default=1)
    parser.add_argument("--length", default="short", choices=["short", "episode"])
    parser.add_argument("--out", default=str(ROOT / "images"))
    args = parser.parse_args()
    ages = [int(a) for a in args.ages.split(",")]
    for name in args.templates.split(","):
        out = Path(args.out) / f"templates_{name}.png"
        draw_sheet(sheet_rows(name, ages, args.episode, args.length), out)
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
