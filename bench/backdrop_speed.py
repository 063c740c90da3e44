"""What the settings cost (engine/raster/backdrops): drawing each one's still picture
(once per scene), drawing its life (every frame), and a frame of a scene over a
living backdrop against the same scene over a `still` one, at 1280x720.

    python3 bench/backdrop_speed.py [--video SECONDS]

Prints a table per setting and the per-frame totals; with --video it also renders
that many seconds of 720p/30 video (settings changing every 5 s, a title and a
moving ball on top) living and still, end to end through the encoder.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import skia

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from storyreel.dsl import CompileOptions, load_scene  # noqa: E402
from storyreel.engine import render_video  # noqa: E402
from storyreel.engine.raster.backdrops import SETTINGS, draw_backdrop, draw_life  # noqa: E402
from storyreel.engine.raster.raster import Rasterizer  # noqa: E402

W, H = 1280, 720
NAMED = [n for n in SETTINGS if n not in ("sky", "night", "ocean")]


def best_ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times) * 1000


def per_setting() -> None:
    surface = skia.Surface(W, H)
    canvas = surface.getCanvas()
    print(f"{'setting':<12} {'still ms':>9} {'life ms (clear)':>16} {'life ms (rain)':>15}")
    lives = []
    for name in NAMED:
        still = best_ms(lambda: draw_backdrop(canvas, name, W, H, 7), 3)
        draw_life(canvas, name, W, H, 0.0)  # the plan is made once per setting
        draw_life(canvas, name, W, H, 0.0, 7, "day", "rain")
        clear = statistics.median(best_ms(lambda t=t: draw_life(canvas, name, W, H, t), 1) for t in range(30))
        rain = statistics.median(best_ms(lambda t=t: draw_life(canvas, name, W, H, t, 7, "day", "rain"), 1)
                                 for t in range(30))
        lives += [clear, rain]
        print(f"{name:<12} {still:9.1f} {clear:16.2f} {rain:15.2f}")
    print(f"life per frame: median {statistics.median(lives):.2f} ms, max {max(lives):.2f} ms")


def scene(seconds: float, still: bool) -> str:
    word = " still" if still else ""
    looks = ("day clear", "sunset rain", "night snow", "dawn wind")
    scenes = []
    for i in range(max(1, round(seconds / 5))):
        name = NAMED[i % len(NAMED)]
        scenes.append(f"scene s{i} (5s) {{\n    background {name} {looks[i % 4]}{word}\n"
                      f"    t = text \"Page {i + 1}\" at (50%, 14%) size 80 color #FFFFFF outline #2B2D42 8\n"
                      f"    b = circle at (10%, 80%) radius 40 fill #E63946\n"
                      f"    b: move to (90%, 80%) over scene\n}}\n")
    return f'video "bench" {{\n    size {W}x{H}\n    fps 30\n}}\n' + "".join(scenes)


def raster_frames(still: bool, frames: int = 150) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "b.scene"
        path.write_text(scene(5, still), encoding="utf-8")
        timeline = load_scene(path, None, CompileOptions()).timeline
    raster = Rasterizer(timeline.width, timeline.height)
    raster.draw(timeline.sample(0.0))
    began = time.perf_counter()
    for k in range(frames):
        raster.draw(timeline.sample((k + 1) / 30))
    return (time.perf_counter() - began) / frames * 1000


def video(seconds: float, still: bool) -> tuple[float, float]:
    """(CPU seconds of this process, encoder threads included; wall seconds). On a
    shared machine the CPU time is the steadier figure."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "b.scene"
        path.write_text(scene(seconds, still), encoding="utf-8")
        cpu, wall = time.process_time(), time.perf_counter()
        timeline = load_scene(path, None, CompileOptions()).timeline
        render_video(timeline, Path(folder) / "b.mp4", quality="standard", workers=1)
        return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--video", type=float, default=0.0, help="also render this many seconds, living and still")
    args = parser.parse_args()
    per_setting()
    living, still = raster_frames(False), raster_frames(True)
    print(f"a 720p frame (backdrop, title, moving ball), rasterised: living {living:.2f} ms, still {still:.2f} ms")
    if args.video:
        for kind in (False, True):
            cpu, wall = video(args.video, kind)
            print(f"{args.video:g} s of 720p/30 video, {'still' if kind else 'living'}: {cpu:.1f} s CPU, {wall:.1f} s wall")


if __name__ == "__main__":
    main()
