"""Small numpy building blocks shared by the effects and the music generator.

Everything works at `RATE` (48 kHz) on float64 internally; callers convert to
float32 at the end. Envelopes start and end at exactly zero so nothing clicks.
"""
from __future__ import annotations

import numpy as np

RATE = 48_000


def seconds(n: int) -> float:
    return n / RATE


def samples(t: float) -> int:
    return int(round(t * RATE))


def time_axis(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.float64) / RATE


def raised_cosine(x: np.ndarray) -> np.ndarray:
    """0 -> 1 over x in [0, 1] with zero slope at both ends (clipped outside)."""
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def adsr(n: int, attack: float, decay: float, sustain: float, release: float,
         gate: float | None = None) -> np.ndarray:
    """An ADSR envelope `n` samples long.

    The note is held for `gate` seconds (default: until the release must start so
    that the envelope reaches zero at the last sample). Attack is a raised cosine
    from 0, decay exponential-ish towards `sustain`, release a raised cosine to 0.
    The first and last samples are exactly 0.
    """
    t = time_axis(n)
    total = n / RATE
    if gate is None:
        gate = max(0.0, total - release)
    gate = min(gate, total)
    a = max(attack, 1.0 / RATE)
    env = np.where(t < a, raised_cosine(t / a), 1.0)
    if decay > 0:
        after = np.clip(t - a, 0.0, None)
        env = np.where(t >= a, sustain + (1.0 - sustain) * np.exp(-after / (decay / 3.0)), env)
    # release from whatever level the envelope had at the gate
    level_at_gate = np.interp(gate, t, env) if n else 0.0
    rel = max(release, 1.0 / RATE)
    rel_part = level_at_gate * (1.0 - raised_cosine((t - gate) / rel))
    env = np.where(t >= gate, rel_part, env)
    if n:
        env[0] = 0.0
        env[-1] = 0.0
    return env


def percussive(n: int, attack: float, decay: float) -> np.ndarray:
    """Fast raised-cosine attack, exponential decay, forced to 0 over the last 5 ms."""
    t = time_axis(n)
    a = max(attack, 1.0 / RATE)
    env = np.where(t < a, raised_cosine(t / a), np.exp(-(t - a) / decay))
    return end_fade(env, 0.005)


def end_fade(x: np.ndarray, length: float) -> np.ndarray:
    """Multiply the last `length` seconds by a raised-cosine fade to exactly 0."""
    m = min(x.shape[-1], max(2, samples(length)))
    ramp = 1.0 - raised_cosine(np.arange(m, dtype=np.float64) / (m - 1))
    out = x.copy()
    out[..., -m:] = out[..., -m:] * ramp
    return out


def start_fade(x: np.ndarray, length: float) -> np.ndarray:
    m = min(x.shape[-1], max(2, samples(length)))
    ramp = raised_cosine(np.arange(m, dtype=np.float64) / (m - 1))
    out = x.copy()
    out[..., :m] = out[..., :m] * ramp
    return out


def pan(mono: np.ndarray, position: float) -> np.ndarray:
    """Equal-power pan: position -1 (left) .. 0 (centre) .. +1 (right) -> (2, n)."""
    angle = (position + 1.0) * np.pi / 4.0
    return np.stack([mono * np.cos(angle), mono * np.sin(angle)]) * np.sqrt(2.0)


def midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69.0) / 12.0)


def sweep_phase(freq: np.ndarray) -> np.ndarray:
    """Phase (radians) of an oscillator whose instantaneous frequency is `freq` (Hz per sample),
    starting at 0."""
    phase = np.cumsum(freq) * (2.0 * np.pi / RATE)
    return phase - phase[0]


def fft_bandpass(x: np.ndarray, low: float, high: float, slope: float = 0.3) -> np.ndarray:
    """Zero-phase band-pass of a whole signal in the frequency domain with soft
    (raised-cosine, `slope` octaves wide) band edges."""
    n = x.shape[-1]
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(n, 1.0 / RATE)
    with np.errstate(divide="ignore"):
        octave = np.log2(np.maximum(f, 1e-9))
    lo = raised_cosine((octave - (np.log2(low) - slope)) / slope)
    hi = 1.0 - raised_cosine((octave - np.log2(high)) / slope)
    return np.fft.irfft(spec * lo * hi, n)


def peak_normalise(x: np.ndarray, peak: float) -> np.ndarray:
    m = float(np.max(np.abs(x))) if x.size else 0.0
    return x if m == 0.0 else x * (peak / m)
