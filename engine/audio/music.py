"""A generated, copyright-free nursery-style tune (numpy synthesis).

`NurseryTune(tempo, key, seed)` composes a 16-bar pattern (sections A A' B A'':
I-IV-V-I style progressions, a seeded major-scale melody, oom-pah bass, soft
plucked chords, a kick on 1 and 3 and a tick on the off-beats) and renders it
once. The pattern is built to loop: the release tails that run past its end are
wrapped onto its start, so `read(start, count)` can extend the tune to any
length with no seam. `nursery(duration, ...)` gives a whole tune with a fade-out.

Level: about -19 LUFS at volume 1 (RMS-scaled, peaks below -3 dBFS), so that
under the mixer's -10 dB duck it sits well below speech.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from .errors import AudioError
from .melody import BARS, BEATS_PER_BAR, MAJOR, TRIAD, compose, degree_to_midi  # noqa: F401
from .synth import (
    RATE, adsr, end_fade, fft_bandpass, midi_hz, pan, percussive, raised_cosine, samples, sweep_phase, time_axis,
)

MIN_TEMPO, MAX_TEMPO = 60.0, 180.0
DEFAULT_TEMPO = 100.0
DEFAULT_KEY = "C"
TARGET_RMS = 10 ** (-20 / 20)
PEAK_LIMIT = 10 ** (-3 / 20)

_NOTE_OFFSETS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_KEY_RE = re.compile(r"^\s*([A-Ga-g])\s*([#b\u266f\u266d]?)\s*(?:maj|major)?\s*$")


def parse_key(key: str) -> tuple[str, int]:
    """'F#' -> ('F#', 6). Raises AudioError for anything but a major key name."""
    m = _KEY_RE.match(str(key))
    if not m:
        raise AudioError(f"unknown music key '{key}'",
                         "use a note name C, D, E, F, G, A or B, optionally with # or b (e.g. F#, Bb)")
    letter = m.group(1).upper()
    accidental = {"": "", "#": "#", "\u266f": "#", "b": "b", "\u266d": "b"}[m.group(2)]
    semitone = (_NOTE_OFFSETS[letter] + (1 if accidental == "#" else -1 if accidental == "b" else 0)) % 12
    return letter + accidental, semitone


def check_tempo(tempo) -> float:
    try:
        value = float(tempo)
    except (TypeError, ValueError):
        raise AudioError(f"music tempo '{tempo}' is not a number",
                         f"use beats per minute between {MIN_TEMPO:g} and {MAX_TEMPO:g}") from None
    if not (MIN_TEMPO <= value <= MAX_TEMPO):
        raise AudioError(f"music tempo {value:g} is out of range",
                         f"use beats per minute between {MIN_TEMPO:g} and {MAX_TEMPO:g}")
    return value


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        if isinstance(seed, float) and seed.is_integer():
            return int(seed)
        raise AudioError(f"music seed '{seed}' is not a whole number", "use e.g. seed 7")
    return int(seed)


# -- composition ------------------------------------------------------------------


class _Note:
    __slots__ = ("beat", "length", "pitch", "velocity")

    def __init__(self, beat: float, length: float, pitch: int, velocity: float):
        self.beat, self.length, self.pitch, self.velocity = beat, length, pitch, velocity


# -- instruments -----------------------------------------------------------------


def _toy_piano(n: int, hz: float, gate: float) -> np.ndarray:
    t = time_axis(n)
    tone = np.zeros(n)
    for k, amp in ((1, 1.0), (2, 0.32), (3, 0.12), (4, 0.05)):
        if hz * k < RATE * 0.45:
            tone += amp * np.sin(2 * np.pi * hz * k * t) * np.exp(-t * (1.2 + 1.8 * k))
    return tone * adsr(n, 0.006, 0.3, 0.55, 0.12, gate=gate)


def _bass(n: int, hz: float, gate: float) -> np.ndarray:
    t = time_axis(n)
    tone = np.sin(2 * np.pi * hz * t) + 0.25 * np.sin(4 * np.pi * hz * t) + 0.08 * np.sin(6 * np.pi * hz * t)
    return tone * adsr(n, 0.012, 0.25, 0.7, 0.09, gate=gate)


def _pluck(n: int, hz: float) -> np.ndarray:
    t = time_axis(n)
    tone = np.sin(2 * np.pi * hz * t) + 0.3 * np.sin(4 * np.pi * hz * t) * np.exp(-t * 12)
    return tone * percussive(n, 0.004, 0.16)


def _kick(n: int) -> np.ndarray:
    t = time_axis(n)
    freq = 48.0 + 70.0 * np.exp(-t / 0.03)
    return np.sin(sweep_phase(freq)) * percussive(n, 0.002, 0.11)


def _tick(n: int, noise: np.ndarray) -> np.ndarray:
    return noise[:n] * percussive(n, 0.0008, 0.014)


class NurseryTune:
    """One composed and rendered pattern; `read(start, count)` extends it forever."""

    def __init__(self, tempo: float = DEFAULT_TEMPO, key: str = DEFAULT_KEY, seed: int = 0):
        self.tempo = check_tempo(tempo)
        self.key, semitone = parse_key(key)
        self.seed = check_seed(seed)
        self.root = 60 + semitone  # melody tonic, C4..B4
        self.samples_per_beat = 60.0 / self.tempo * RATE
        self.loop_length = int(round(BARS * BEATS_PER_BAR * self.samples_per_beat))
        head, loop = self._render()
        head.flags.writeable = False
        loop.flags.writeable = False
        self.head = head  # first pass: nothing sounding before sample 0
        self.loop = loop  # later passes: the previous pass's tails wrapped in

    @property
    def loop_seconds(self) -> float:
        return self.loop_length / RATE

    def _at(self, beat: float) -> int:
        return int(round(beat * self.samples_per_beat))

    def _render(self) -> tuple[np.ndarray, np.ndarray]:
        chords, melody = compose(self.seed)
        spb = self.samples_per_beat
        beat_s = spb / RATE
        tail = samples(1.5)
        buf = np.zeros((2, self.loop_length + tail))

        def add(start: int, stereo: np.ndarray) -> None:
            end = min(buf.shape[1], start + stereo.shape[1])
            buf[:, start:end] += stereo[:, : end - start]

        # melody, a little right, with a soft echo on the left
        for beat, length, degree, velocity in melody:
            gate = length * beat_s * 0.92
            n = samples(gate + 0.12)
            note = _toy_piano(n, midi_hz(degree_to_midi(self.root, degree)), gate) * (0.34 * velocity)
            add(self._at(beat), pan(note, 0.25))
            add(self._at(beat + 0.75), pan(note * 0.16, -0.6))
        # bass: root on 1, fifth on 3
        for bar, chord in enumerate(chords):
            for beat_in_bar, offset in ((0, 0), (2, 4)):
                degree = chord + offset
                midi = degree_to_midi(self.root - 24, degree % 7)
                if midi < self.root - 26:
                    midi += 12
                gate = 2 * beat_s * 0.85
                n = samples(gate + 0.09)
                note = _bass(n, midi_hz(midi), gate) * (0.34 if beat_in_bar == 0 else 0.28)
                add(self._at(bar * BEATS_PER_BAR + beat_in_bar), pan(note, 0.0))
        # plucked chords on 2 and 4
        for bar, chord in enumerate(chords):
            for beat_in_bar in (1, 3):
                for i, d in enumerate(TRIAD):
                    midi = degree_to_midi(self.root - 12, chord + d)
                    n = samples(0.45)
                    note = _pluck(n, midi_hz(midi)) * 0.075
                    add(self._at(bar * BEATS_PER_BAR + beat_in_bar) + samples(0.008 * i), pan(note, -0.3))
        # beat: kick on 1 and 3, tick on the off-beats
        kick = _kick(samples(0.3))
        noise = fft_bandpass(np.random.default_rng([self.seed & 0xFFFFFFFF, 7]).standard_normal(samples(0.06)),
                             5000.0, 12000.0)
        noise /= np.max(np.abs(noise))
        tick = _tick(samples(0.06), noise)
        for bar in range(BARS):
            for beat_in_bar in range(BEATS_PER_BAR):
                b = bar * BEATS_PER_BAR + beat_in_bar
                if beat_in_bar in (0, 2):
                    add(self._at(b), pan(kick * (0.5 if beat_in_bar == 0 else 0.4), 0.0))
                add(self._at(b + 0.5), pan(tick * 0.07, 0.35))

        # level: fixed RMS, peaks kept below -3 dBFS
        body = buf[:, : self.loop_length]
        rms = float(np.sqrt(np.mean(body ** 2)))
        gain = TARGET_RMS / rms if rms > 0 else 1.0
        peak = float(np.max(np.abs(buf))) * gain
        if peak > PEAK_LIMIT:
            gain *= PEAK_LIMIT / peak
        buf *= gain
        head = buf[:, : self.loop_length].astype(np.float32)
        loop = buf[:, : self.loop_length].copy()
        spill = buf[:, self.loop_length:]
        loop[:, : spill.shape[1]] += spill
        return head, loop.astype(np.float32)

    def read(self, start: int, count: int) -> np.ndarray:
        """Samples [start, start+count) of the endlessly extended tune, (2, count) float32."""
        out = np.zeros((2, count), dtype=np.float32)
        pos, i = start, 0
        L = self.loop_length
        while i < count:
            if pos < 0:
                step = min(count - i, -pos)
            elif pos < L:
                step = min(count - i, L - pos)
                out[:, i:i + step] = self.head[:, pos:pos + step]
            else:
                k = pos % L
                step = min(count - i, L - k)
                out[:, i:i + step] = self.loop[:, k:k + step]
            pos += step
            i += step
        return out


@lru_cache(maxsize=8)
def nursery_tune(tempo: float = DEFAULT_TEMPO, key: str = DEFAULT_KEY, seed: int = 0) -> NurseryTune:
    """A cached `NurseryTune` (validates its arguments)."""
    return NurseryTune(tempo, key, seed)


def fade_out_length(duration: float, fade: float = 2.0) -> float:
    return max(0.0, min(fade, duration / 4.0))


def nursery(duration: float, tempo: float = DEFAULT_TEMPO, key: str = DEFAULT_KEY, seed: int = 0,
            fade_out: float = 2.0) -> np.ndarray:
    """The tune, `duration` seconds long as (2, round(duration*48000)) float32, ending in a
    fade-out (`fade_out` seconds, at most a quarter of the tune) down to exactly zero."""
    if duration < 0:
        raise AudioError(f"music duration {duration:g} s is negative")
    tune = nursery_tune(check_tempo(tempo), parse_key(key)[0], check_seed(seed))
    n = samples(duration)
    out = tune.read(0, n)
    fade = fade_out_length(duration, fade_out)
    if n >= 2 and fade > 0:
        out = end_fade(out.astype(np.float64), fade).astype(np.float32)
    return out


# -- arranged pieces (General MIDI SoundFont, or the synthesiser above as a fallback) -------

PIECE_TAIL_FADE = 0.35  # seconds: the final chord is faded to exactly zero on the last sample
_warned_fallback = False


def _fallback_voice(program: int, channel: int, n: int, hz: float, gate: float) -> np.ndarray:
    """The numpy instruments standing in for the General MIDI ones."""
    from .arrange import ACOUSTIC_BASS

    if channel == 3 or program == ACOUSTIC_BASS:
        return _bass(n, hz, gate)
    if channel == 2:
        return _pluck(n, hz)
    return _toy_piano(n, hz, gate)


def _render_fallback(score, n: int) -> np.ndarray:
    from .arrange import CLAP, KICK

    buf = np.zeros((2, n + samples(1.5)))
    spb = 60.0 / score.tempo
    programs = sorted(score.programs)
    noise = fft_bandpass(np.random.default_rng(7).standard_normal(samples(0.06)), 5000.0, 12000.0)
    noise /= np.max(np.abs(noise))
    tick = _tick(samples(0.06), noise)
    kick = _kick(samples(0.3))
    cache: dict = {}
    pans = {0: 0.25, 1: -0.45, 2: -0.3, 3: 0.0, 9: 0.3}
    for note in score.notes:
        start = int(round(note.start * spb * RATE))
        if start >= n:
            continue
        v = note.velocity / 127.0
        if note.channel == 9:
            sound = kick * 0.5 if note.pitch == KICK else tick * (0.12 if note.pitch == CLAP else 0.07)
            stereo = pan(sound * v, pans[9] if note.pitch != KICK else 0.0)
        else:
            program = 0
            for beat, ch, prog in programs:
                if ch == note.channel and beat <= note.start + 1e-9:
                    program = prog
            gate = note.length * spb
            key = (program, note.channel, note.pitch, round(gate, 3))
            mono = cache.get(key)
            if mono is None:
                m = samples(gate + (0.45 if note.channel == 2 else 0.12))
                mono = _fallback_voice(program, note.channel, m, midi_hz(note.pitch), gate)
                cache[key] = mono
            level = {0: 0.34, 1: 0.16, 2: 0.6, 3: 0.34}.get(note.channel, 0.3)
            stereo = pan(mono * (level * v), pans.get(note.channel, 0.0))
        end = min(buf.shape[1], start + stereo.shape[1])
        buf[:, start:end] += stereo[:, : end - start]
    return buf[:, :n]


def piece_engine() -> str:
    """'soundfont' when the General MIDI SoundFont and tinysoundfont are there, else 'synth'."""
    from . import soundfont

    return "soundfont" if soundfont.available() else "synth"


def render_score(score, engine: str | None = None) -> np.ndarray:
    """A score as (2, round(duration*48000)) float32: played, levelled (about -19 LUFS,
    peaks under -3 dBFS), and faded to zero over its last PIECE_TAIL_FADE seconds (the
    final chord is ringing there)."""
    p = Piece(score, engine)
    return p.read(0, p.length)


class Piece:
    """A rendered score, read in blocks like the mixer's other sources.

    With the SoundFont the audio streams, block by block, into an unlinked temporary
    file (float32) while its level is measured, and `read` takes it back from there:
    memory stays flat whatever the piece's length (a 40-minute piece is 920 MB on disk,
    none of it in memory). The gain and the final fade are applied as it is read."""

    def __init__(self, score, engine: str | None = None):
        global _warned_fallback
        from . import soundfont

        self.score = score
        n = self.length = samples(score.duration)
        chosen = engine or piece_engine()
        self._file = None
        self._data = None
        sumsq, peak = 0.0, 0.0
        if n == 0:
            self._data = np.zeros((2, 0), dtype=np.float32)
        elif chosen == "soundfont":
            import tempfile

            self._file = tempfile.TemporaryFile(prefix="storyreel-music-")

            def sink(block: np.ndarray) -> None:
                nonlocal sumsq, peak
                sumsq += float(np.sum(np.square(block, dtype=np.float64)))
                peak = max(peak, float(np.max(np.abs(block))))
                self._file.write(np.ascontiguousarray(block.T).tobytes())

            soundfont.render_midi_to(score.to_midi(), n, sink)
            self._file.flush()
        else:
            if engine is None and not _warned_fallback:
                import warnings

                warnings.warn("no General MIDI SoundFont (install musescore-general-soundfont-small with "
                              "scripts/setup.sh): music uses the built-in synthesiser", RuntimeWarning, stacklevel=3)
                _warned_fallback = True
            self._data = _render_fallback(score, n).astype(np.float32)
            sumsq = float(np.sum(np.square(self._data, dtype=np.float64)))
            peak = float(np.max(np.abs(self._data)))
        rms = float(np.sqrt(sumsq / (2 * n))) if n else 0.0
        gain = TARGET_RMS / rms if rms > 0 else 1.0
        if peak * gain > PEAK_LIMIT:
            gain = PEAK_LIMIT / peak
        self.gain = np.float32(gain)
        m = min(n, max(2, samples(min(PIECE_TAIL_FADE, score.duration / 4)))) if n >= 2 else 0
        self.fade_start = n - m
        self.ramp = (1.0 - raised_cosine(np.arange(m, dtype=np.float64) / max(m - 1, 1))).astype(np.float32)

    def _raw(self, lo: int, hi: int) -> np.ndarray:
        if self._data is not None:
            return self._data[:, lo:hi]
        import os

        raw = os.pread(self._file.fileno(), (hi - lo) * 8, lo * 8)
        return np.frombuffer(raw, dtype=np.float32).reshape(hi - lo, 2).T

    def read(self, start: int, count: int) -> np.ndarray:
        """Samples [start, start+count) as (2, count) float32 (zeros outside the piece)."""
        out = np.zeros((2, count), dtype=np.float32)
        lo, hi = max(0, start), min(self.length, start + count)
        if hi <= lo:
            return out
        seg = self._raw(lo, hi) * self.gain
        if hi > self.fade_start:
            a = max(lo, self.fade_start)
            seg[:, a - lo:] *= self.ramp[a - self.fade_start:hi - self.fade_start]
        if lo == 0:
            seg[:, 0] = 0.0
        out[:, lo - start:hi - start] = seg
        return out


@lru_cache(maxsize=4)
def piece(duration: float, mood: str = "happy", melody: str | None = None, seed: int = 0,
          tempo: float | None = None, key: str | None = None, age: float | None = None,
          source: str = "nursery", engine: str | None = None) -> Piece:
    """The arranged, rendered piece for these settings (cached)."""
    from .arrange import arrange

    semitone = parse_key(key)[1] if key is not None else None
    score = arrange(duration, mood=mood, melody=melody, seed=check_seed(seed),
                    tempo=check_tempo(tempo) if tempo is not None else None,
                    key=semitone, age=age, source=source)
    return Piece(score, engine)
