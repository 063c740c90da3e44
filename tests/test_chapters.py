"""Scenes become chapter markers inside the MP4, on the output's clock."""
from __future__ import annotations

import av

from helpers import scene_text
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_video

SCENES = scene_text("""
    scene intro {
        background solid red
        wait 1s
    }
    transition crossfade 0.5s
    scene middle {
        background solid blue
        wait 2s
    }
    scene outro {
        background solid green
        wait 1s
    }
""")


def chapters_of(path) -> list[tuple[str, float, float]]:
    with av.open(str(path)) as container:
        return [(c["metadata"]["title"], float(c["start"] * c["time_base"]), float(c["end"] * c["time_base"]))
                for c in container.chapters()]


def test_each_scene_is_a_chapter(write_scene, tmp_path):
    timeline = load_scene(write_scene(SCENES), None, CompileOptions(size=(64, 36), fps=10)).timeline
    out = tmp_path / "out.mp4"
    render_video(timeline, out, quality="draft")
    assert chapters_of(out) == [("intro", 0.0, 0.5), ("middle", 0.5, 2.5), ("outro", 2.5, 3.5)]


def test_a_range_render_shifts_and_clips_the_chapters(write_scene, tmp_path):
    timeline = load_scene(write_scene(SCENES), None, CompileOptions(size=(64, 36), fps=10)).timeline
    out = tmp_path / "range.mp4"
    render_video(timeline, out, quality="draft", start=1.0, end=3.0)
    assert chapters_of(out) == [("middle", 0.0, 1.5), ("outro", 1.5, 2.0)]
