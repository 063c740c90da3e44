"""What each transition costs a frame at 1280x720: the frame at the transition's
middle (two scenes, each a backdrop colour and a shape), drawn repeatedly by one
rasteriser (so both scenes' static pictures are reused, as in a render), the
fastest and the median of several runs (the fastest is the cost; the median
shows how loaded the machine was), against a frame of scene A alone.

    python3 bench/transition_speed.py [--runs 15] [KIND ...]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from storyreel.dsl import CompileOptions, load_scene  # noqa: E402
from storyreel.engine.raster.raster import Rasterizer  # noqa: E402
from storyreel.engine.timeline.transition_kinds import NAMES  # noqa: E402

W, H = 1280, 720
SCENES = """video "bench" {{
}}
scene a {{
    background solid #E63946
    s = star at (30%, 50%) radius 300 fill #FFD93D
    wait 1s
}}
transition {kind} 0.5s
scene b {{
    background solid #4D96FF
    c = circle at (70%, 50%) radius 250 fill #FFFFFF
    wait 1s
}}
"""


def frame_ms(kind: str, runs: int, at: float | None = None) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.scene"
        path.write_text(SCENES.format(kind=kind), encoding="utf-8")
        timeline = load_scene(path, None, CompileOptions(size=(W, H), fps=30)).timeline
    (tr,) = timeline.transitions
    frame = timeline.sample((tr.start + tr.end) / 2 if at is None else at)
    raster = Rasterizer(W, H)
    raster.draw(frame)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        raster.draw(frame)
        times.append(time.perf_counter() - began)
    return min(times) * 1000, statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("kinds", nargs="*", default=[n for n in NAMES if n not in ("cut", "random")])
    args = parser.parse_args()
    print(f"{'kind':18} {'fastest':>8} {'median':>8}")
    for kind, at in [("crossfade", 0.2)] + [(kind, None) for kind in args.kinds]:
        fastest, median = frame_ms(kind, args.runs, at)
        print(f"{'scene A alone' if at else kind:18} {fastest:6.1f}ms {median:6.1f}ms")


if __name__ == "__main__":
    main()
