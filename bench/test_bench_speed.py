"""Speed and scale-out benchmarks (issue 7). Run from the repository root:

    python -m pytest bench/test_bench_speed.py -q -p no:cacheprovider -s          # all, ~3 min
    python -m pytest bench/test_bench_speed.py -q -p no:cacheprovider -s -k rss   # memory only (~3 min)

Each benchmark prints its figures (and stores them in pytest-benchmark's
`extra_info`, so `--benchmark-json=FILE` keeps them):

* reference_vs_encode_only: bench/reference.scene (1080p30, 10 s), the whole
  render (`load_scene` + `render_video`) against the encode-only limit: the same
  frames, rasterised beforehand, pushed through `VideoWriter` with the same
  settings and the same encoder restarts (chunk starts). Target: ratio >= 0.9.
* static_vs_repeat: a mostly static 1080p scene (gradient, title, shapes; one
  small dot moving) against the rate at which the encoder takes a repeated
  frame (`write_repeat`, nothing rasterised). Target: approach the latter.
* workers: the reference at 1080p with --workers 1 and --workers 2 (on this
  machine's cores). Target: 2 workers no slower than 1.
* rss: peak resident memory of `render` (in a fresh process) for 1, 10 and 40
  minutes of timeline (64x36 @ 5 fps, a scene every 10 s, music under it all),
  with one worker (the process's own peak, from getrusage) and with two (the
  peak of the sum over the process tree, sampled every 20 ms). Target: flat.
* rss_1080p: the same at full size, 1 and 3 minutes of 1080p30 in which every
  frame changes whole (each scene's gradient zooms): per-frame buffers that
  outlive their frame show here at 3 MB a frame (they did, until 3133b68).

Timings on a shared machine are noisy: every result carries `other_cpu_s`, the
CPU time other processes used during it (bench/test_bench.py's Timer).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine.encode.chunks import plan_chunks
from storyreel.engine.encode.encoder import EncodeSettings, PooledFrame, VideoWriter
from storyreel.engine.encode.profile import Profile
from storyreel.engine.raster.raster import Rasterizer
from storyreel.engine.encode.render import render_video

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference.scene"
sys.path.insert(0, str(HERE))
from test_bench import Timer

STATIC = """\
video "mostly static" {
    preset youtube
    fps 30
}

scene calm (10s) {
    background gradient #FFE29A #FFA99F vertical
    title = text "Nothing much moves" at (50%, 20%) size 110 color #3A2E5C font rounded weight bold shadow
    subtitle = text "a storyreel benchmark" at (50%, 35%) size 54 color #5C4D7D font rounded
    box = rect at (20%, 65%) size 260 260 radius 28 fill #4D96FF
    ring = circle at (80%, 65%) radius 120 fill transparent stroke #3A2E5C 12
    star = star at (50%, 65%) points 5 radius 120 inner 0.45 fill gold
    dot = circle at (5%, 90%) radius 18 fill tomato
    dot: move to (95%, 90%) over 10s ease linear
}
"""


def _report(name: str, benchmark, figures: dict) -> None:
    benchmark.extra_info.update(figures)
    print(f"\n[{name}] " + json.dumps(figures))


def _fps(frames: int, timer: Timer) -> float:
    return round(frames / min(timer.times), 1)


def test_reference_vs_encode_only(benchmark, tmp_path):
    timeline = load_scene(REFERENCE, None, CompileOptions()).timeline
    count = timeline.frame_count
    cuts = [c.first for c in plan_chunks(timeline)]
    raster = Rasterizer(timeline.width, timeline.height)
    slots = []
    for index in range(count):  # not timed: the encode-only input
        if index in cuts:
            raster.reset_history()  # as render_video does at each chunk start
        slot = PooledFrame(timeline.width, timeline.height)
        raster.draw(timeline.sample(timeline.time_of_frame(index)), slot)
        slots.append(slot)
    settings = EncodeSettings(timeline.width, timeline.height, timeline.fps, "standard")
    encode_timer, render_timer = Timer(), Timer()

    def encode_only():
        with encode_timer, VideoWriter(tmp_path / "enc.mp4", settings, restart_at=cuts) as writer:
            for slot in slots:
                writer.submit(slot)

    def whole():
        with render_timer:
            tl = load_scene(REFERENCE, None, CompileOptions()).timeline
            render_video(tl, tmp_path / "render.mp4", quality="standard", encoder="libx264")

    try:
        for _ in range(2):  # alternate, so both see the same machine
            encode_only()
            whole()
    finally:
        slots.clear()
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    profile = Profile()
    render_video(timeline, tmp_path / "profiled.mp4", quality="standard", profile=profile)
    enc, ren = _fps(count, encode_timer), _fps(count, render_timer)
    same = (tmp_path / "enc.mp4").read_bytes() == (tmp_path / "render.mp4").read_bytes()
    _report("reference 1080p", benchmark, {
        "frames": count, "render_fps": ren, "encode_only_fps": enc, "ratio": round(ren / enc, 3),
        "identical_output": same, "render_rounds_s": [round(t, 2) for t in render_timer.times],
        "encode_rounds_s": [round(t, 2) for t in encode_timer.times],
        "other_cpu_s": [round(c, 1) for c in render_timer.other_cpu + encode_timer.other_cpu]})
    print(profile.table())


def test_static_vs_repeat(benchmark, tmp_path):
    scene = tmp_path / "static.scene"
    scene.write_text(STATIC, encoding="utf-8")
    timeline = load_scene(scene, None, CompileOptions()).timeline
    count = timeline.frame_count
    settings = EncodeSettings(timeline.width, timeline.height, timeline.fps, "standard")
    raster = Rasterizer(timeline.width, timeline.height)
    repeat_timer, render_timer = Timer(), Timer()

    def repeated():
        with repeat_timer, VideoWriter(tmp_path / "repeat.mp4", settings) as writer:
            slot = writer.acquire()
            raster.draw(timeline.sample(0.0), slot)
            writer.submit(slot)
            for _ in range(count - 1):
                writer.write_repeat()

    def whole():
        with render_timer:
            render_video(timeline, tmp_path / "static.mp4", quality="standard", encoder="libx264")

    for _ in range(2):
        repeated()
        whole()
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    profile = Profile()
    render_video(timeline, tmp_path / "profiled.mp4", quality="standard", profile=profile)
    rep, ren = _fps(count, repeat_timer), _fps(count, render_timer)
    _report("mostly static 1080p", benchmark, {
        "frames": count, "render_fps": ren, "repeated_frame_fps": rep, "ratio": round(ren / rep, 3),
        "other_cpu_s": [round(c, 1) for c in render_timer.other_cpu + repeat_timer.other_cpu]})
    print(profile.table())


def test_workers(benchmark, tmp_path):
    timeline = load_scene(REFERENCE, None, CompileOptions()).timeline
    count = timeline.frame_count
    timers = {1: Timer(), 2: Timer()}
    # Start the fork server once, outside the timing (a CLI run pays ~0.5 s for it).
    render_video(timeline, tmp_path / "warm.mp4", quality="draft", workers=2, end=1.0)
    for _ in range(2):
        for workers, timer in timers.items():
            with timer:
                render_video(timeline, tmp_path / f"w{workers}.mp4", quality="standard", workers=workers)
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    one, two = _fps(count, timers[1]), _fps(count, timers[2])
    _report("workers 1080p", benchmark, {
        "cores": os.cpu_count(), "workers_1_fps": one, "workers_2_fps": two, "speedup": round(two / one, 3),
        "other_cpu_s": [round(c, 1) for t in timers.values() for c in t.other_cpu]})


def long_scene(minutes: int, zooming: bool = False) -> str:
    """Scenes of 10 s. Default: 5 fps, a solid backdrop, a title, a dot crossing,
    music under it all. `zooming`: 30 fps, each scene's gradient zooms (every
    frame changes whole), no music."""
    scenes = []
    for i in range(minutes * 6):
        colour = f"#{(i * 37) % 256:02X}{(i * 91) % 256:02X}A0"
        if zooming:
            backdrop = (f"background gradient {colour} #FFF4D6 vertical\n"
                        f"    background: zoom 1.0 -> 1.1 over scene")
        else:
            backdrop = f"background solid {colour}"
        scenes.append(
            f"scene s{i} (10s) {{\n    {backdrop}\n"
            f'    title = text "Part {i + 1}" at (50%, 30%) size 200 color white\n'
            f"    dot = circle at (10%, 70%) radius 120 fill gold\n"
            f"    dot: move to (90%, 70%) over 8s\n}}\n")
    header = "fps 30" if zooming else "fps 5\n    music nursery volume 0.2"
    return f'video "long" {{\n    {header}\n}}\n\n' + "\n".join(scenes)


_PEAK = r"""
import os, resource, subprocess, sys, time
def tree_rss(root):
    total, kids = 0, {root}
    stats = {}
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                s = open(f"/proc/{e}/stat").read(); ppid = int(s.rsplit(")", 1)[1].split()[1])
                rss = int(s.rsplit(")", 1)[1].split()[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError, IndexError):
                continue
            stats[int(e)] = (ppid, rss)
    frontier = {root}
    while frontier:
        new = {p for p, (pp, _) in stats.items() if pp in frontier and p not in kids}
        kids |= new; frontier = new
    return sum(stats[p][1] for p in kids if p in stats)
began = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
peak = 0
while proc.poll() is None:
    peak = max(peak, tree_rss(proc.pid)); time.sleep(0.02)
print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, peak,
      round(time.perf_counter() - began, 2))
"""


def _peak_rss(tmp_path: Path, scene_text: str, *options: str) -> tuple[int, int, float]:
    """(the render process's own peak RSS, the peak over its process tree, wall s)."""
    scene = tmp_path / "long.scene"
    scene.write_text(scene_text, encoding="utf-8")
    cmd = [sys.executable, "-c", _PEAK, sys.executable, "-m", "storyreel", str(scene), "-o", str(tmp_path / "o.mp4"),
           "--no-extras", "-q", *options]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    code, own_peak, tree_peak, wall = result.stdout.split()
    assert code == "0", result.stderr
    return int(own_peak), int(tree_peak), float(wall)


@pytest.mark.parametrize("minutes", [1, 10, 40])
@pytest.mark.parametrize("workers", [1, 2])
def test_rss(benchmark, tmp_path, minutes, workers):
    own_peak, tree_peak, wall = _peak_rss(tmp_path, long_scene(minutes), "--size", "64x36", "--quality", "draft",
                                          "--workers", str(workers))
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    _report(f"rss {minutes} min, {workers} worker(s)", benchmark, {
        "minutes": minutes, "workers": workers, "frames": minutes * 60 * 5,
        "peak_rss_main_mb": round(own_peak / 2**20, 1), "peak_rss_tree_mb": round(tree_peak / 2**20, 1),
        "wall_s": wall, "output_mb": round((tmp_path / "o.mp4").stat().st_size / 2**20, 2)})


@pytest.mark.parametrize("minutes", [1, 3])
def test_rss_1080p(benchmark, tmp_path, minutes):
    own_peak, _, wall = _peak_rss(tmp_path, long_scene(minutes, zooming=True), "--preset", "youtube")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    _report(f"rss 1080p {minutes} min", benchmark, {
        "minutes": minutes, "frames": minutes * 60 * 30, "peak_rss_main_mb": round(own_peak / 2**20, 1),
        "wall_s": wall, "fps": round(minutes * 60 * 30 / wall, 1)})
