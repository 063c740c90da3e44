"""Built-in sound effects, synthesised with numpy (nothing recorded).

`sound_effect(name)` returns a (2, n) float32 array at 48 kHz, under 1.2 s,
peaking at -3 dBFS, starting and ending at exactly zero. The noise in the
noisy ones comes from fixed seeds, so every call gives the same samples.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ...diagnostics import did_you_mean

from .errors import AudioError
from .synth import (
    RATE, end_fade, fft_bandpass, midi_hz, pan, peak_normalise, percussive, raised_cosine,
    samples, start_fade, sweep_phase, time_axis,
)

PEAK = 10 ** (-3 / 20)


def _pop() -> np.ndarray:
    """A bubble pop: a short sine whose pitch jumps up, with a tiny noisy transient."""
    n = samples(0.14)
    t = time_axis(n)
    freq = 320.0 + 1100.0 * (1.0 - np.exp(-t / 0.018))
    body = np.sin(sweep_phase(freq)) * percussive(n, 0.0015, 0.028)
    noise = np.random.default_rng(11).standard_normal(n)
    click = fft_bandpass(noise, 2000.0, 6000.0) * percussive(n, 0.0005, 0.004) * 0.25
    return pan(body + click, 0.0)


def _bell(n: int, fundamental: float, decay: float, brightness: float = 1.0) -> np.ndarray:
    """An idealised bell: inharmonic partials, higher ones dying faster."""
    t = time_axis(n)
    partials = ((1.0, 1.0, 1.0), (2.0, 0.25, 0.55), (2.76, 0.35 * brightness, 0.4),
                (5.40, 0.15 * brightness, 0.22), (8.93, 0.06 * brightness, 0.12))
    out = np.zeros(n)
    for ratio, amp, life in partials:
        f = fundamental * ratio
        if f > RATE * 0.45:
            continue
        out += amp * np.sin(2 * np.pi * f * t) * np.exp(-t / (decay * life))
    attack = raised_cosine(t / 0.002)
    return end_fade(out * attack, 0.02)


def _ding() -> np.ndarray:
    n = samples(1.1)
    return pan(_bell(n, midi_hz(88), 0.9), 0.0)  # E6


def _chime() -> np.ndarray:
    """A rising four-note glockenspiel arpeggio (C6 E6 G6 C7), spread across the stereo field."""
    n = samples(1.15)
    out = np.zeros((2, n))
    for i, (note, position) in enumerate(((84, -0.45), (88, -0.15), (91, 0.15), (96, 0.45))):
        offset = samples(0.075 * i)
        length = n - offset
        out[:, offset:] += pan(_bell(length, midi_hz(note), 0.55, brightness=0.6), position) * (0.9 - 0.1 * i)
    return out


def _whoosh() -> np.ndarray:
    """Band-passed noise whose centre sweeps up then down while it pans left to right."""
    n = samples(0.7)
    rng = np.random.default_rng(23)
    noise = rng.standard_normal(n)
    frame, hop = 2048, 512
    window = np.hanning(frame)
    padded = np.concatenate([np.zeros(frame), noise, np.zeros(frame)])
    out = np.zeros_like(padded)
    norm = np.zeros_like(padded)
    f = np.fft.rfftfreq(frame, 1.0 / RATE)
    octave = np.log2(np.maximum(f, 1.0))
    for start in range(0, len(padded) - frame, hop):
        centre_t = (start + frame / 2 - frame) / n  # 0..1 over the sound
        k = float(np.clip(centre_t, 0.0, 1.0))
        centre = 250.0 * (12.0 ** np.sin(np.pi * k ** 0.8))  # 250 Hz -> 3 kHz -> 250 Hz
        gain = np.exp(-0.5 * ((octave - np.log2(centre)) / 0.7) ** 2)
        seg = np.fft.irfft(np.fft.rfft(padded[start:start + frame] * window) * gain, frame)
        out[start:start + frame] += seg * window
        norm[start:start + frame] += window ** 2
    filtered = (out / np.maximum(norm, 1e-6))[frame:frame + n]
    t = time_axis(n) / (n / RATE)
    env = np.sin(np.pi * np.clip(t, 0, 1) ** 0.7) ** 2  # swell, peak a little after the middle
    mono = filtered * env
    position = -0.8 + 1.6 * t
    angle = (position + 1.0) * np.pi / 4.0
    return np.stack([mono * np.cos(angle), mono * np.sin(angle)]) * np.sqrt(2.0)


def _clap() -> np.ndarray:
    """A hand clap: three quick noise bursts and a short diffuse tail, band-passed."""
    n = samples(0.32)
    rng = np.random.default_rng(37)
    noise = rng.standard_normal((2, n))
    env = np.zeros(n)
    for i, when in enumerate((0.0, 0.011, 0.022)):
        o = samples(when)
        env[o:] += percussive(n - o, 0.0007, 0.006) * (1.0 - 0.15 * i)
    o = samples(0.028)
    env[o:] += 0.7 * percussive(n - o, 0.001, 0.07)
    env = end_fade(env, 0.02)
    left = fft_bandpass(noise[0], 900.0, 3500.0) * env
    right = fft_bandpass(0.7 * noise[0] + 0.3 * noise[1], 900.0, 3500.0) * env
    return np.stack([left, right])


def _boing() -> np.ndarray:
    """A spring: a buzzy tone that drops in pitch and wobbles as it dies away."""
    n = samples(0.9)
    t = time_axis(n)
    base = 150.0 * (1.0 + 0.7 * np.exp(-t / 0.09))
    wobble = 1.0 + 0.09 * np.sin(2 * np.pi * 13.0 * t) * np.exp(-t / 0.45)
    phase = sweep_phase(base * wobble)
    tone = np.sin(phase) + 0.45 * np.sin(2 * phase) + 0.2 * np.sin(3 * phase) + 0.08 * np.sin(5 * phase)
    env = percussive(n, 0.004, 0.28)
    return pan(end_fade(tone * env, 0.05), 0.0)


_BUILDERS = {
    "pop": _pop,
    "ding": _ding,
    "whoosh": _whoosh,
    "clap": _clap,
    "boing": _boing,
    "chime": _chime,
}

SOUND_EFFECTS: tuple[str, ...] = tuple(_BUILDERS)


@lru_cache(maxsize=None)
def _render(name: str) -> np.ndarray:
    x = _BUILDERS[name]()
    x = start_fade(end_fade(x, 0.004), 0.0005)
    x = peak_normalise(x, PEAK).astype(np.float32)
    x[:, 0] = 0.0
    x[:, -1] = 0.0
    x.flags.writeable = False
    return x


def sound_effect(name: str) -> np.ndarray:
    """The built-in effect `name` as (2, n) float32 at 48 kHz (a fresh, writable copy)."""
    key = name.strip().lower()
    if key not in _BUILDERS:
        hint = did_you_mean(key, SOUND_EFFECTS, "")
        hint = f"{hint} " if hint else ""
        raise AudioError(f"unknown sound '{name}'",
                         f"{hint}built-in sounds: {', '.join(SOUND_EFFECTS)}; or give a file in quotes")
    return _render(key).copy()
