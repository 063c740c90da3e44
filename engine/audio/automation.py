"""A clip's volume over time: the ramps the compiler writes for `rain: volume to
0.2 over 2s` (and `fade in`/`fade out` of a named track) as gains per sample.

The ramps are the timeline's own `Segment`s, so a volume eases exactly as any
animated property does (same easing table, later ramp wins from its start). The
curve is sampled once a millisecond and interpolated linearly in between: the
ramps are continuous, and 48 samples is far finer than any audible change of
level, at a thousandth of the cost of evaluating every sample.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..timeline.easing import is_easing
from ..timeline.timeline import Segment, Track
from .errors import AudioError
from .synth import RATE

GRID = RATE // 1000  # samples between two evaluations of the curve


class VolumeCurve:
    """`initial` gain, then `ramps` ([start, end, from, to, easing], seconds from the
    clip's start); `gains(first, count)` for clip-local samples."""

    def __init__(self, initial: float, ramps: Sequence[Sequence], what: str = "clip"):
        segments = []
        for ramp in ramps:
            try:
                start, end, low, high, easing = ramp
                start, end, low, high = float(start), float(end), float(low), float(high)
            except (TypeError, ValueError):
                raise AudioError(f"{what}: a volume ramp must be [start, end, from, to, easing], got {ramp!r}") from None
            if not all(math.isfinite(v) for v in (start, end, low, high)) or min(low, high) < 0 or end < start:
                raise AudioError(f"{what}: bad volume ramp {list(ramp)!r}",
                                 "times are seconds from the clip's start, volumes 0 or more")
            if not is_easing(easing):
                raise AudioError(f"{what}: unknown easing '{easing}' in a volume ramp")
            segments.append(Segment(start, end, low, high, easing))
        segments.sort(key=lambda s: s.start)
        self.track = Track(float(initial), tuple(segments))

    def gains(self, first: int, count: int) -> np.ndarray:
        """(count,) float32 gains for clip-local samples [first, first + count)."""
        lo = (first // GRID) * GRID
        hi = -(-(first + count) // GRID) * GRID
        points = np.arange(lo, hi + 1, GRID)
        values = np.array([self.track.value_at(p / RATE) for p in points], dtype=np.float64)
        return np.interp(np.arange(first, first + count), points, values).astype(np.float32)


def voice_activity(data: np.ndarray, gate_db: float = -45.0, frame: float = 0.020) -> list[tuple[int, int]]:
    """[first, last) sample ranges of (channels, n) `data` where a voice sounds: 20 ms
    frames whose RMS is above `gate_db`. A recorded narration's pauses are found
    here, so music ducked under it comes back up between its sentences."""
    step = max(1, int(frame * RATE))
    n = data.shape[1] // step * step
    if n == 0:
        return []
    power = np.mean(np.square(data[:, :n].astype(np.float64)), axis=0).reshape(-1, step).mean(axis=1)
    loud = power > 10 ** (gate_db / 10)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], loud.astype(np.int8), [0]))))
    return [(int(a) * step, int(b) * step) for a, b in zip(edges[::2], edges[1::2])]
