"""The generated tune's material: a seeded 16-bar melody over chord roots, in scale
degrees of a major key (AABA: a question, its answer, a bridge, the answer again).

Shared by `music` (the synthesised nursery tune) and `arrange` (arranged pieces,
whose bridge is this melody's second half); neither imports the other for it.
"""
from __future__ import annotations

import numpy as np

BARS = 16
BEATS_PER_BAR = 4
MAJOR = (0, 2, 4, 5, 7, 9, 11)

# Chords as scale-degree roots (0 = I) and the progressions a section may use.
TRIAD = (0, 2, 4)
_PROGRESSIONS = {
    "A": ((0, 3, 0, 4), (0, 0, 3, 4), (0, 3, 4, 4)),      # ends on V: a question
    "A2": ((0, 3, 4, 0), (0, 5, 4, 0), (0, 3, 4, 0)),      # ends on I: the answer
    "B": ((3, 0, 1, 4), (5, 3, 0, 4), (3, 3, 0, 4)),
    "A3": ((0, 3, 4, 0), (0, 3, 4, 0), (3, 0, 4, 0)),
}
# Melody rhythms for one bar, in eighth notes (sum 8).
_RHYTHMS = ((2, 2, 2, 2), (2, 2, 4), (4, 2, 2), (1, 1, 2, 2, 2), (2, 1, 1, 2, 2),
            (3, 1, 2, 2), (2, 2, 1, 1, 2), (3, 1, 4), (2, 2, 2, 1, 1))
_CADENCE_RHYTHMS = ((2, 2, 4), (4, 4), (2, 1, 1, 4))


def degree_to_midi(root: int, degree: int) -> int:
    octave, step = divmod(degree, 7)
    return root + 12 * octave + MAJOR[step]


def _chord_tones(chord: int) -> set[int]:
    return {(chord + d) % 7 for d in TRIAD}


_LEAP_WEIGHT = {0: 0.35, 1: 1.0, 2: 0.9, 3: 0.5, 4: 0.3}


def _pick(rng: np.random.Generator, choices: list[int], current: int) -> int:
    """A next melody degree: small steps preferred, pulled gently towards the middle (degree 4)."""
    weights = np.array([_LEAP_WEIGHT.get(abs(d - current), 0.15) / (1.0 + 0.12 * abs(d - 4) ** 1.5)
                        for d in choices])
    return int(rng.choice(choices, p=weights / weights.sum()))


def compose(seed: int) -> tuple[list[int], list[tuple[float, float, int, float]]]:
    """(chord roots per bar, melody as (beat, length in beats, degree, velocity))."""
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x5EED])
    sections = []
    for name in ("A", "A2", "B", "A3"):
        options = _PROGRESSIONS[name]
        sections.append(options[int(rng.integers(len(options)))])
    chords = [c for section in sections for c in section]

    def bar_melody(bar: int, start_degree: int, cadence: str | None) -> tuple[list, int]:
        chord = chords[bar]
        tones = _chord_tones(chord)
        rhythms = _CADENCE_RHYTHMS if cadence else _RHYTHMS
        rhythm = rhythms[int(rng.integers(len(rhythms)))]
        notes, pos, degree = [], 0, start_degree
        for i, eighths in enumerate(rhythm):
            last = i == len(rhythm) - 1
            strong = pos % 4 == 0
            if last and cadence == "tonic":
                target = min((d for d in range(-1, 10) if d % 7 == 0), key=lambda d: abs(d - degree))
                degree = target
            elif last and cadence == "dominant":
                choices = [d for d in range(-1, 10) if d % 7 in (4, 6, 1)]
                degree = min(choices, key=lambda d: abs(d - degree))
            elif strong or eighths >= 4:
                choices = [d for d in range(-1, 10) if d % 7 in tones and abs(d - degree) <= 4]
                if not choices:
                    choices = [d for d in range(-1, 10) if d % 7 in tones]
                degree = _pick(rng, choices, degree)
            else:
                degree = _pick(rng, [degree + s for s in (-2, -1, 0, 1, 2) if -1 <= degree + s <= 9], degree)
            velocity = 1.0 if pos == 0 else 0.85 if strong else 0.72
            notes.append((bar * BEATS_PER_BAR + pos / 2, eighths / 2, degree, velocity))
            pos += eighths
        return notes, degree

    melody: list = []
    degree = int(rng.choice((0, 2, 4)))
    motif_bars: dict[int, list] = {}
    for bar in range(BARS):
        section, within = divmod(bar, 4)
        cadence = None
        if within == 3:
            cadence = "dominant" if section in (0, 2) else "tonic"
        # A' and A'' restate the opening motif (bars 0-1) before their own ending.
        if section in (1, 3) and within < 2 and within in motif_bars and chords[bar] == chords[within]:
            notes = [(b + (bar - within) * BEATS_PER_BAR, ln, d, v) for b, ln, d, v in motif_bars[within]]
            degree = notes[-1][2]
        else:
            notes, degree = bar_melody(bar, degree, cadence)
        if section == 0 and within < 2:
            motif_bars[within] = notes
        melody.extend(notes)
    return chords, melody
