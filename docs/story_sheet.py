"""Contact sheets of what `render story` draws: one frame from each page of a few
stories, wide (16:9) and upright (9:16), written to docs/images/.

    python3 docs/story_sheet.py                      # the stories below, into docs/images/
    python3 docs/story_sheet.py tests/stories/fox_and_crow.txt --age 2 --out /tmp/sheets

Each page's frame is taken 70% of the way through the page (the camera has
moved, the characters are acting, the words are on screen). The sheet shows
the frames at phone size: a wide frame 390 px across (a phone held upright
showing a 16:9 video) and an upright one 220 px across, so what is too small to
read there is too small here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STORIES = [ROOT / "examples" / "story.txt", ROOT / "tests" / "stories" / "fox_and_crow.txt",
           ROOT / "tests" / "stories" / "lion_and_mouse.txt"]
FORMATS = {"wide": ("youtube", (390, 219), 4), "tall": ("shorts", (220, 391), 7)}
GAP = 8


def page_frames(story_path: Path, preset: str, size: tuple[int, int], age: int) -> list[np.ndarray]:
    """One RGB frame from each page of the story (and the title card first)."""
    from storyreel.dsl import CompileOptions, load_scene
    from storyreel.dsl.story import plan_pages, read_story, storybook_template, storybook_variables
    from storyreel.engine.encode.frames import render_frame

    story = read_story(story_path)
    pages = plan_pages(story)
    timeline = load_scene(storybook_template(), storybook_variables(story, pages, age),
                          CompileOptions(preset=preset, size=size)).timeline
    frames = []
    for scene in timeline.scenes[:-1]:
        t = scene.start + 0.7 * (scene.end - scene.start)
        frames.append(render_frame(timeline, t)[:, :, :3])
    return frames


def sheet(stories: list[list[np.ndarray]], cols: int) -> np.ndarray:
    """Each story's frames in rows of `cols`, on a light grey card."""
    rows = [frames[i: i + cols] for frames in stories for i in range(0, len(frames), cols)]
    h = max(f.shape[0] for row in rows for f in row)
    w = max(f.shape[1] for row in rows for f in row)
    out = np.full((GAP + len(rows) * (h + GAP), GAP + cols * (w + GAP), 3), 236, np.uint8)
    for r, row in enumerate(rows):
        for c, frame in enumerate(row):
            y, x = GAP + r * (h + GAP), GAP + c * (w + GAP)
            out[y: y + frame.shape[0], x: x + frame.shape[1]] = frame
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stories", nargs="*", type=Path, default=STORIES)
    parser.add_argument("--age", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    from storyreel.engine.encode.frames import write_png

    args.out.mkdir(parents=True, exist_ok=True)
    for mode, (preset, size, cols) in FORMATS.items():
        stories = [page_frames(path, preset, size, args.age) for path in args.stories]
        rgb = sheet(stories, cols)
        rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
        target = args.out / f"story_sheet_{mode}_age{args.age}.png"
        write_png(rgba, target)
        print(f"wrote {target} ({len(stories)} stories)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
