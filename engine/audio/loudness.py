"""Loudness: EBU R128 measurement with FFmpeg's `ebur128` filter (through PyAV),
gain to a target, and a look-ahead true-peak limiter for when the gain alone
would push peaks over the ceiling.

`LoudnessMeter` takes blocks one after another (constant memory), so a
40-minute mix is measured without holding it. The limiter is block-local: its
gain at a sample depends only on the samples within `LIMITER_REACH` of it, on a
fixed 1 ms grid, so limiting a long signal block by block (with that much
context either side) gives exactly the same samples as limiting it whole.
"""
from __future__ import annotations

import math
from fractions import Fraction

import av
import av.filter
import numpy as np

from .synth import RATE

SILENT_LUFS = -70.0  # ebur128 reports this (its absolute gate) when nothing is above it
DEFAULT_TARGET = -14.0
DEFAULT_TRUE_PEAK = -1.0
# The limiter aims this far under the ceiling: its peak estimate is 4x oversampled, and
# AAC coding adds a little overshoot (at 192 kbit/s, up to ~0.15 dB measured; EBU R128 s1
# suggests -2 dBTP ahead of lossy codecs).
LIMITER_MARGIN_DB = 0.8

_PUSH = 48_000  # samples per frame pushed into the filter graph
# Added to every sample the meter sees: ebur128's filters decay into subnormal doubles in the
# digital silence after a sound, which made measuring a mix with pauses several times slower.
# A +-1e-30 Nyquist pattern keeps them normal; it is ~600 dB under anything audible.
_FLOOR = 1e-30


def db_to_gain(db: float) -> float:
    return 10.0 ** (db / 20.0)


def gain_to_db(gain: float) -> float:
    return 20.0 * math.log10(gain) if gain > 0 else float("-inf")


class LoudnessMeter:
    """Feed (2, n) float32 blocks with `add`, then `result()` -> (LUFS, dBTP).

    Integrated loudness is -inf when the signal never rises above the -70 LUFS
    absolute gate (silence, or shorter than one 400 ms gating block); the true
    peak is -inf for digital silence.
    """

    def __init__(self) -> None:
        self._graph = av.filter.Graph()
        src = self._graph.add_abuffer(sample_rate=RATE, format="fltp", layout="stereo",
                                      time_base=Fraction(1, RATE))
        meter = self._graph.add("ebur128", "peak=true:metadata=1")
        sink = self._graph.add("abuffersink")
        self._graph.link_nodes(src, meter, sink).configure()
        self._pts = 0
        self._metadata: dict[str, str] = {}
        self._closed = False

    def add(self, block: np.ndarray) -> None:
        if self._closed:
            raise RuntimeError("LoudnessMeter: add() after result()")
        block = np.asarray(block, dtype=np.float32)
        if block.ndim == 1:
            block = np.stack([block, block])
        floor = np.full(block.shape[1], _FLOOR, dtype=np.float32)
        floor[(self._pts + 1) % 2::2] = -_FLOOR  # alternating sign, continuous across blocks
        block = block + floor
        for i in range(0, block.shape[1], _PUSH):
            part = np.ascontiguousarray(block[:, i:i + _PUSH])
            frame = av.AudioFrame.from_ndarray(part, format="fltp", layout="stereo")
            frame.sample_rate = RATE
            frame.time_base = Fraction(1, RATE)
            frame.pts = self._pts
            self._pts += part.shape[1]
            self._graph.push(frame)
            self._drain()

    def _drain(self) -> None:
        while True:
            try:
                frame = self._graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            if frame.metadata:
                self._metadata = dict(frame.metadata)

    def result(self) -> tuple[float, float]:
        if not self._closed:
            self._closed = True
            if self._pts:
                self._graph.push(None)
                self._drain()
        md = self._metadata
        integrated = float(md.get("lavfi.r128.I", SILENT_LUFS))
        if not math.isfinite(integrated) or integrated <= SILENT_LUFS:
            integrated = float("-inf")
        peak = float(md.get("lavfi.r128.true_peak", 0.0))
        return integrated, gain_to_db(peak if peak > 1e3 * _FLOOR else 0.0)


def measure_lufs(samples: np.ndarray) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBTP) of (2, n) or (n,) float samples
    at 48 kHz, measured by FFmpeg's ebur128 filter. -inf for silence."""
    meter = LoudnessMeter()
    meter.add(samples)
    return meter.result()


# -- limiter ---------------------------------------------------------------------

CHUNK = 48  # 1 ms: the limiter's gain grid
_AVG_HALF = 8  # moving-average passes (two, half-width each): gain changes over ~17 ms either way
_MIN_HALF = 2 * _AVG_HALF + 2  # the min filter reaches past the smoothing, so smoothing never lets a peak through
LIMITER_REACH = (_MIN_HALF + 2 * _AVG_HALF + 3) * CHUNK  # samples of context needed either side


_TAPS = np.arange(-7, 9)  # 16 taps around the point being interpolated


def _interpolators() -> np.ndarray:
    """Windowed-sinc FIRs for the points 1/4, 2/4, 3/4 of the way from each sample to
    the next (4x oversampling): value(n + f) = sum_j x[n + _TAPS[j]] * h_f[j]."""
    window = np.kaiser(len(_TAPS), 7.0)
    firs = []
    for frac in (0.25, 0.5, 0.75):
        h = np.sinc(frac - _TAPS) * window
        firs.append(h / h.sum())
    return np.array(firs)


_FIRS = _interpolators()


def _chunk_peaks(x: np.ndarray) -> np.ndarray:
    """Per 1 ms chunk, the largest absolute value among the samples and the three
    interpolated points after each (a 4x-oversampled true-peak estimate), over both channels."""
    n = x.shape[1]
    peak = np.max(np.abs(x), axis=0).astype(np.float64)
    for ch in range(x.shape[0]):
        padded = np.pad(x[ch].astype(np.float64), (7, 8))
        for h in _FIRS:
            np.maximum(peak, np.abs(np.correlate(padded, h, mode="valid")), out=peak)
    chunks = -(-n // CHUNK)
    padded = np.zeros(chunks * CHUNK)
    padded[:n] = peak
    return padded.reshape(chunks, CHUNK).max(axis=1)


def _sliding(values: np.ndarray, half: int, op) -> np.ndarray:
    padded = np.pad(values, half, mode="edge")
    out = padded[: len(values)].copy()
    for k in range(1, 2 * half + 1):
        op(out, padded[k:k + len(values)], out=out)
    return out


def limiter_gain(x: np.ndarray, ceiling: float) -> np.ndarray:
    """Per-sample gain (n,) in (0, 1] that keeps `x * gain` under linear `ceiling`
    (true-peak estimate). `x` must start on the 1 ms grid of the signal it comes from."""
    peaks = _chunk_peaks(x)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    if np.all(need >= 1.0):
        return np.ones(x.shape[1], dtype=np.float32)
    g = _sliding(need, _MIN_HALF, np.minimum)
    g = _sliding(g, _AVG_HALF, np.add) / (2 * _AVG_HALF + 1)
    g = _sliding(g, _AVG_HALF, np.add) / (2 * _AVG_HALF + 1)
    centres = np.arange(len(g)) * CHUNK + (CHUNK - 1) / 2
    return np.interp(np.arange(x.shape[1]), centres, g).astype(np.float32)


def limit(x: np.ndarray, ceiling_db: float) -> np.ndarray:
    ceiling = db_to_gain(ceiling_db - LIMITER_MARGIN_DB)
    return (x * limiter_gain(x, ceiling)[None, :]).astype(np.float32)


# -- normalisation --------------------------------------------------------------------


def plan_gain(integrated: float, peak_db: float, target: float, true_peak: float) -> tuple[float, bool]:
    """(gain in dB to reach `target`, whether the limiter must hold peaks under `true_peak`)."""
    if not math.isfinite(integrated):
        return 0.0, False
    gain_db = target - integrated
    return gain_db, peak_db + gain_db > true_peak - LIMITER_MARGIN_DB


def normalize(samples: np.ndarray, target: float = DEFAULT_TARGET, true_peak: float = DEFAULT_TRUE_PEAK) -> np.ndarray:
    """Scale (2, n) float samples to `target` LUFS integrated with true peaks at or
    under `true_peak` dBTP (look-ahead limiter where the gain alone would exceed
    it, then one correction pass). Silence, and signals too short to have an
    integrated loudness, are returned unchanged."""
    x = np.asarray(samples, dtype=np.float32)
    integrated, peak_db = measure_lufs(x)
    gain_db, needs_limit = plan_gain(integrated, peak_db, target, true_peak)
    if not math.isfinite(integrated):
        return x.copy()
    out = (x * db_to_gain(gain_db)).astype(np.float32)
    if not needs_limit:
        return out
    out = limit(out, true_peak)
    after, _ = measure_lufs(out)
    if math.isfinite(after) and abs(after - target) > 0.05:
        gain_db += target - after
        out = limit((x * db_to_gain(gain_db)).astype(np.float32), true_peak)
    return out
