"""What the characters cost: the same 8 s 1080p30 scene rendered with Luna and
Sunny speaking (lip sync, blinking, breathing, a wave and a nod) and without
them (the background and title alone). Speech is synthesised before the timed
part (the cache), so only rendering is measured.

    python -m pytest bench/test_bench_characters.py -q -p no:cacheprovider -s
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from storyreel.dsl import load_scene
from storyreel.engine.encode.render import render_video

SCENE = Path(__file__).resolve().parent / "characters.scene"


@pytest.mark.parametrize("with_cast", [True, False], ids=["with-characters", "without"])
def test_characters_fps(benchmark, tmp_path, with_cast):
    timeline = load_scene(SCENE, {"with_cast": with_cast}).timeline  # synthesises (and caches) the speech
    out = tmp_path / "characters.mp4"

    def render():
        began = time.perf_counter()
        frames = render_video(timeline, out, quality="standard")
        return frames / (time.perf_counter() - began)

    fps = benchmark.pedantic(render, rounds=2, iterations=1)
    benchmark.extra_info.update(fps=round(fps, 1), frames=timeline.frame_count, with_characters=with_cast)
    print(f"\n{'with characters' if with_cast else 'without characters'}: {fps:.1f} fps "
          f"({timeline.frame_count} frames at {timeline.width}x{timeline.height})")
