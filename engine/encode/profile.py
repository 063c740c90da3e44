"""Where a render's time goes: `render … --profile`.

A `Profile` sums wall-clock seconds per stage. The render thread records
`sample` (Timeline.sample), `raster:KIND` (each top-level layer kind; groups
count as `group`, the static-prefix blit as `raster:static`; above a static
prefix KIND times the recording and `raster:playback` the drawing; transition
compositing is `raster:transition`) and `wait` (blocked on a full encoder
queue: the encoder is the bottleneck). The converter thread records `convert`
(BGRA -> yuv420p) and the encoder thread `encode` (x264 or NVENC), `mux` and
`audio` (mixing + AAC + muxing the audio); `drain` is the flushing of the
encoder a chunk start replaced, on a thread of its own. A chunked render adds `concat`
(stream-copying the segments) and sums the workers' stages.

The threads overlap (x264 also runs its own threads), so the stages of
different threads add up to more than the wall time; within one thread they
cannot. Timing costs two `perf_counter` calls per stage and frame, and only
when profiling is on.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Stage -> the thread it runs on (for the table).
THREADS = {
    "sample": "render", "raster": "render", "wait": "render", "static": "render",
    "convert": "convert", "encode": "encoder", "drain": "drain", "mux": "encoder", "audio": "encoder",
    "concat": "main", "prepare": "main", "cache": "main",
}
ORDER = ("prepare", "sample", "raster", "wait", "convert", "encode", "drain", "mux", "audio", "concat", "cache")


class Profile:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.frames = 0
        self.wall = 0.0
        self.notes: list[str] = []
        self._lock = threading.Lock()
        self._began: float | None = None

    # -- recording -----------------------------------------------------------------

    def add(self, stage: str, seconds: float, count: int = 1) -> None:
        with self._lock:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
            self.counts[stage] = self.counts.get(stage, 0) + count

    @contextmanager
    def time(self, stage: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - began)

    def start(self) -> None:
        self._began = time.perf_counter()

    def stop(self, frames: int) -> None:
        if self._began is not None:
            self.wall += time.perf_counter() - self._began
            self._began = None
        self.frames += frames

    def merge(self, other: Profile | dict) -> None:
        """Add another profile's stage times (a worker's, as `to_dict()`)."""
        data = other.to_dict() if isinstance(other, Profile) else other
        for stage, seconds in data["seconds"].items():
            self.add(stage, seconds, data["counts"].get(stage, 0))

    def to_dict(self) -> dict:
        with self._lock:
            return {"seconds": dict(self.seconds), "counts": dict(self.counts), "frames": self.frames,
                    "wall": self.wall, "notes": list(self.notes)}

    # -- reporting -------------------------------------------------------------------

    @property
    def fps(self) -> float:
        return self.frames / self.wall if self.wall > 0 else 0.0

    def rows(self) -> list[tuple[str, str, float, float, float]]:
        """(stage, thread, seconds, ms per frame, % of wall) in pipeline order."""
        def rank(stage: str) -> tuple[int, str]:
            base = stage.split(":", 1)[0]
            return (ORDER.index(base) if base in ORDER else len(ORDER), stage)

        frames = max(self.frames, 1)
        wall = self.wall if self.wall > 0 else 1.0
        out = []
        for stage in sorted(self.seconds, key=rank):
            s = self.seconds[stage]
            out.append((stage, THREADS.get(stage.split(":", 1)[0], "?"), s, 1000 * s / frames, 100 * s / wall))
        return out

    def table(self) -> str:
        rows = self.rows()
        raster = [i for i, row in enumerate(rows) if row[0].startswith("raster")]
        lines = [f"{'stage':<22} {'thread':<8} {'total s':>8} {'ms/frame':>9} {'% wall':>7}"]
        for i, (stage, thread, seconds, per_frame, share) in enumerate(rows):
            lines.append(f"{stage:<22} {thread:<8} {seconds:8.3f} {per_frame:9.3f} {share:6.1f}%")
            if len(raster) > 1 and i == raster[-1]:
                total = [sum(rows[j][k] for j in raster) for k in (2, 3, 4)]
                lines.append(f"{'raster (all kinds)':<22} {'render':<8} {total[0]:8.3f} {total[1]:9.3f} {total[2]:6.1f}%")
        lines.append(f"{self.frames} frames in {self.wall:.2f} s: {self.fps:.1f} fps "
                     "(threads overlap: stages of different threads add up to more than 100%)")
        lines.extend(self.notes)
        return "\n".join(lines)
