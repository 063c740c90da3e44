"""The README's picture: one frame of each ready-made template and of a story,
at phone size (a 16:9 frame shown 390 px wide), labelled with the command that
makes it.

    python3 docs/front_sheet.py          # writes docs/images/front.png

Frames are drawn through the Python API (`storyreel.template`, `storyreel.story`),
the same code a render uses, so the sheet shows what the commands make.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import skia

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the folder holding the storyreel package

import storyreel  # noqa: E402
from storyreel.engine.raster import fonts  # noqa: E402

TILE = (390, 220)  # a 16:9 frame as a phone held upright shows it
LABEL, GAP, COLUMNS = 24, 8, 3
OUT = HERE / "images" / "front.png"

# (label, how the project is made, which scene, how far into it 0..1): a scene
# where the picture is complete and says what the video teaches.
SHOTS = (
    ("render new counting", lambda: storyreel.template("counting", size=TILE, fps=10), 1, 0.85),
    ("render new alphabet", lambda: storyreel.template("alphabet", size=TILE, fps=10), 3, 0.9),
    ("render new colors", lambda: storyreel.template("colors", size=TILE, fps=10), 4, 0.7),
    ("render new shapes", lambda: storyreel.template("shapes", size=TILE, fps=10), 1, 0.8),
    ("render new feelings", lambda: storyreel.template("feelings", size=TILE, fps=10), 3, 0.6),
    ("render story story.txt", lambda: storyreel.story(HERE.parent / "examples" / "story.txt", size=TILE, fps=10),
     3, 0.7),
)


def shot(make, scene_index: int, fraction: float) -> np.ndarray:
    """The frame `fraction` of the way through scene `scene_index`, kept clear of transitions."""
    project = make()
    timeline = project.timeline
    scene = timeline.scenes[min(scene_index, len(timeline.scenes) - 1)]
    t = scene.start + fraction * (scene.end - scene.start)
    while any(tr.start <= t <= tr.end for tr in timeline.transitions) and t > scene.start:
        t -= 0.1
    return project.frame(t)


def draw(cells: list[tuple[str, np.ndarray]], out: Path) -> None:
    rows = -(-len(cells) // COLUMNS)
    width = COLUMNS * (TILE[0] + GAP) + GAP
    height = rows * (TILE[1] + LABEL + GAP) + GAP
    surface = skia.Surface(width, height)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorWHITE)
    font = fonts.font("sans", 700, 15)
    ink = skia.Paint(AntiAlias=True, Color=skia.ColorSetRGB(43, 45, 66))
    for i, (label, frame) in enumerate(cells):
        x = GAP + (i % COLUMNS) * (TILE[0] + GAP)
        y = GAP + (i // COLUMNS) * (TILE[1] + LABEL + GAP)
        image = skia.Image.fromarray(np.ascontiguousarray(frame), colorType=skia.kRGBA_8888_ColorType)
        canvas.drawImage(image, x, y)
        canvas.drawString(label, x + 2, y + TILE[1] + 17, font, ink)
    out.parent.mkdir(parents=True, exist_ok=True)
    surface.makeImageSnapshot().save(str(out), skia.kPNG)


def main() -> int:
    cells = []
    for label, make, scene_index, fraction in SHOTS:
        cells.append((label, shot(make, scene_index, fraction)))
        print(f"{label}: done", file=sys.stderr, flush=True)
    draw(cells, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
