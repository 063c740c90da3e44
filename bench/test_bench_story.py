"""What a picture book costs: the first 20 s of `render story examples/story.txt`
at 1080p30 (the title card and the first pages: procedural backdrops that zoom
all through each page, a tinted paper band with the page's words, Luna and
Sunny, a slide between pages). Speech is synthesised before the timed part (the
cache), so only rendering is measured. Every page's backdrop moves, so no frame
has a static prefix: this is the workload for layered static runs
(`Rasterizer._draw_items`) and opaque backdrop blits.

    python -m pytest bench/test_bench_story.py -q -p no:cacheprovider -s
"""
from __future__ import annotations

import time
from pathlib import Path

from storyreel.dsl import load_scene
from storyreel.dsl.story import plan_pages, read_story, storybook_template, storybook_variables
from storyreel.engine.render import render_video

STORY = Path(__file__).resolve().parents[1] / "examples" / "story.txt"
SECONDS = 20.0


def test_story_fps(benchmark, tmp_path):
    story = read_story(STORY)
    timeline = load_scene(storybook_template(), storybook_variables(story, plan_pages(story))).timeline
    out = tmp_path / "story.mp4"

    def render():
        began = time.perf_counter()
        frames = render_video(timeline, out, quality="standard", end=SECONDS)
        return frames / (time.perf_counter() - began)

    fps = benchmark.pedantic(render, rounds=2, iterations=1)
    benchmark.extra_info.update(fps=round(fps, 1), seconds=SECONDS)
    print(f"\nstorybook, first {SECONDS:g} s at {timeline.width}x{timeline.height}: {fps:.1f} fps")
