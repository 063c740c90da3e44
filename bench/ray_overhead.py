"""`--executor ray` against `--workers` on one machine, and a projection to a cluster
(bench/RESULTS.md, "Ray across machines").

    python bench/ray_overhead.py                       # 2 minutes at 1280x720, 2 CPUs
    python bench/ray_overhead.py --minutes 0.3 --size 320x180   # a quick try

Renders one generated multi-scene video (a photo with a Ken Burns zoom, gradients,
text, moving shapes, crossfades) twice: with `--workers N` (local processes) and
with a private Ray of N CPUs started for it, as `render --executor ray` does (its
start counted, and shown apart). Checks the two files are the same bytes.

From the Ray render's per-chunk task times and segment sizes it projects the wall
time of a 40-minute episode on 1, 4 and 16 machines like this one: the chunks of
the measured video repeated to 40 minutes, placed longest first on the machines'
task slots (one per CPU); the render's machine receives every segment over the
network (--gbit), joins it by stream copy and encodes the soundtrack, at the
rates measured here.
"""
from __future__ import annotations

import argparse
import heapq
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent

SCENE = """video "ray bench" {{
    size {w}x{h}
    fps 30
}}
{scenes}
"""

ONE = """
scene s{n} ({seconds}s) {{
    background {background}
    title = text "Part {n}" at (50%, 18%) size 90 color #3A2E5C font rounded
    title: fade in 0.6s
    ball = circle at (10%, 70%) radius 60 fill tomato
    ball: move to (90%, 70%) over {move}s
    star = star at (80%, 35%) points 5 radius 70 fill gold
    star: rotate to 180 {move}s
}}
"""


def scene_text(minutes: float, w: int, h: int) -> str:
    seconds = 15.0
    count = max(2, round(minutes * 60 / seconds))
    parts = []
    for n in range(count):
        background = ('image "meadow.jpg" fit cover\n    background: zoom 1.0 -> 1.15 over scene' if n % 2
                      else f"gradient #FFE29A #{0xA0C4FF + n * 0x010203:06X} vertical")
        parts.append(ONE.format(n=n + 1, seconds=seconds, background=background, move=seconds * 0.6))
        if n + 1 < count:
            parts.append("transition crossfade 0.5s\n")
    return SCENE.format(w=w, h=h, scenes="".join(parts))


def schedule(times: list[float], slots: int) -> float:
    """Makespan of `times` placed longest first on `slots` identical slots."""
    free = [0.0] * slots
    for t in sorted(times, reverse=True):
        heapq.heappush(free, heapq.heappop(free) + t)
    return max(free)


def project(stats, video_s: float, target_s: float, machines: int, cpus: int, gbit: float, mbit: float | None,
            join_s: float, audio_s_per_s: float, start_s: float) -> tuple[float, float]:
    """(wall seconds, segment megabytes) for a `target_s` video on `machines` machines.

    `mbit`: the segments' bit rate to assume (None: as measured); `join_s`: the
    render's machine's time to join one segment; `audio_s_per_s`: to mix and encode
    a second of soundtrack. Segments from other machines cross the network one
    after another into the render's machine; what only it does (receive, join,
    soundtrack) overlaps the rendering, and the last segment's share comes after."""
    repeat = round(target_s / video_s)
    times = [s.seconds for s in stats] * repeat
    scale = 1.0 if mbit is None else mbit * 1e6 / 8 * video_s / sum(s.size for s in stats)
    megabytes = sum(s.size for s in stats) * scale * repeat / 1e6
    render = schedule(times, machines * cpus)
    remote = (machines - 1) / machines  # the render's own machine's segments stay on it
    network = megabytes * remote * 8 / (gbit * 1000)
    driver = network + len(times) * join_s + target_s * audio_s_per_s  # serial on the render's machine
    tail = max(s.size for s in stats) * scale / 1e6 * 8 / (gbit * 1000) * (machines > 1) + join_s
    return start_s + max(render, driver) + tail, megabytes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--cpus", type=int, default=2, help="--workers N, and the Ray's CPUs")
    parser.add_argument("--quality", default="standard")
    parser.add_argument("--gbit", type=float, default=1.0, help="network between machines, Gbit/s (projection)")
    parser.add_argument("--mbit", type=float, default=4.0,
                        help="segment bit rate to assume as well (busy 720p pictures; the generated video is calmer)")
    parser.add_argument("--episode", type=float, default=40.0, help="minutes of the projected episode")
    parser.add_argument("--stats", metavar="FILE", help="write the per-chunk times and sizes as JSON")
    parser.add_argument("--no-warm", dest="warm", action="store_false", help="skip the render on a running Ray")
    args = parser.parse_args()
    from storyreel.dsl import CompileOptions, load_scene
    from storyreel.engine import render_video
    from storyreel.engine.encode.executors import RayExecutor
    from storyreel.engine.encode.profile import Profile

    w, h = (int(x) for x in args.size.split("x"))
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"({subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()})")
    with tempfile.TemporaryDirectory(prefix="raybench-") as tmp:
        folder = Path(tmp)
        (folder / "meadow.jpg").write_bytes((BENCH / "assets" / "meadow.jpg").read_bytes())
        (folder / "bench.scene").write_text(scene_text(args.minutes, w, h), encoding="utf-8")
        timeline = load_scene(folder / "bench.scene", None, CompileOptions()).timeline
        video_s = timeline.frame_count / timeline.fps

        began = time.perf_counter()
        render_video(timeline, folder / "local.mp4", quality=args.quality, workers=args.cpus,
                     profile=Profile())  # profiled as the Ray render is (for the join and soundtrack times)
        local = time.perf_counter() - began
        print(f"--workers {args.cpus}: {local:.1f}s for {video_s:.0f}s of {w}x{h} video "
              f"(load now {os.getloadavg()[0]:.2f})")

        began = time.perf_counter()
        profile = Profile()
        with RayExecutor(num_cpus=args.cpus) as executor:
            start_s = time.perf_counter() - began
            render_video(timeline, folder / "ray.mp4", quality=args.quality, executor=executor, profile=profile)
            ray_s = time.perf_counter() - began
            tasks = executor.last
            print(f"--executor ray, a private Ray started for it: {ray_s:.1f}s, of which starting Ray {start_s:.1f}s "
                  f"(load now {os.getloadavg()[0]:.2f})")
            warm_s = None
            if args.warm:  # Ray already running, its workers' imports done: a standing cluster's case
                began = time.perf_counter()
                render_video(timeline, folder / "warm.mp4", quality=args.quality, executor=executor,
                             profile=Profile())
                warm_s = time.perf_counter() - began
                print(f"--executor ray, Ray already running: {warm_s:.1f}s (load now {os.getloadavg()[0]:.2f})")
        began = time.perf_counter()  # again after Ray: the baseline brackets the Ray renders (the load drifts)
        render_video(timeline, folder / "local2.mp4", quality=args.quality, workers=args.cpus, profile=Profile())
        again = time.perf_counter() - began
        print(f"--workers {args.cpus} again: {again:.1f}s (load now {os.getloadavg()[0]:.2f})")
        local = (local + again) / 2
        reference = (folder / "local.mp4").read_bytes()
        same = all((folder / f).read_bytes() == reference for f in ("ray.mp4", "warm.mp4") if (folder / f).exists())
        print(f"byte-identical: {same}")
        print(f"overhead against --workers {args.cpus} (the mean of its two renders): {100 * (ray_s / local - 1):+.1f}% with Ray's start, "
              f"{100 * ((ray_s - start_s) / local - 1):+.1f}% without"
              + (f", {100 * (warm_s / local - 1):+.1f}% on a running Ray" if warm_s is not None else ""))

        stats = list(tasks.chunks.values())
        if args.stats:
            Path(args.stats).write_text(json.dumps({"video_s": video_s, "start_s": start_s, "profile": profile.seconds,
                                                    "chunks": [vars(s) for s in stats]}, indent=1))
        sizes = [s.size / 1e6 for s in stats]
        print(f"{len(stats)} chunks: task {min(s.seconds for s in stats):.1f}-{max(s.seconds for s in stats):.1f}s "
              f"(sum {sum(s.seconds for s in stats):.1f}s), segments {min(sizes):.2f}-{max(sizes):.2f} MB "
              f"(sum {sum(sizes):.1f} MB, {8 * sum(sizes) / video_s:.2f} Mbit/s of video)")
        stages = profile.seconds
        concat = stages.get("concat", 0.0)
        audio = stages.get("audio", 0.0) + stages.get("prepare:audio", 0.0)
        join_s = concat / len(stats)
        audio_s_per_s = audio / video_s
        print(f"on the render's machine: join {join_s * 1000:.0f} ms a segment, soundtrack {audio_s_per_s * 1000:.1f} "
              f"ms per video second")
        for mbit in (None, args.mbit):
            rate = "segments as measured" if mbit is None else f"segments at {mbit:g} Mbit/s"
            print(f"projection, {args.episode:.0f}-minute episode, {args.cpus} task slots a machine, "
                  f"{args.gbit:g} Gbit/s, {rate}, Ray start {start_s:.1f}s:")
            for machines in (1, 4, 16):
                wall, megabytes = project(stats, video_s, args.episode * 60, machines, args.cpus, args.gbit, mbit,
                                          join_s, audio_s_per_s, start_s)
                print(f"  {machines:2d} machine(s): {wall / 60:5.1f} min  ({megabytes:.0f} MB of segments)")
    print(f"load after: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
