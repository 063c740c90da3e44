"""Arrangements: nursery melodies and seeded original tunes laid out as a piece with
sections, written as General MIDI.

`arrange(duration, mood=..., melody=..., seed=..., tempo=..., key=..., age=...)`
plans a `Score` exactly `duration` seconds long:

  intro      one or two bars of accompaniment (I | V) under a sparkle
  verse      a theme as written (a nursery melody from melodies.yaml or an original)
  variation  the same theme an octave up on another instrument, with passing and
             neighbour notes, the plain tune underneath on a second instrument
  bridge     an original seeded 8-bar phrase (B then A'' of music.compose)
  outro      a cadence (I IV | V | I) in the home key, the final chord held and
             ringing to the last sample

Verse, variation and bridge form a cycle; each cycle takes the next theme of a
seeded list and moves to another key (home, up a tone, up a fourth, ...), so a
long episode's music keeps changing and no section follows itself. The section
that does not fit whole is cut at a phrase boundary; what is left over is taken
up by the final chord (one to three bars) and a tempo change of a few per cent.

Instrumentation (GM programs) and tempo follow the mood: xylophone, glockenspiel,
music box, piano, celesta, marimba, pizzicato strings, nylon guitar (a ukulele-like
pluck), harp and acoustic bass, with soft drums on channel 10 (shaker, kick, clap).
`Score.to_midi()` writes it with mido; `soundfont.render_midi` plays it.
Everything is derived from the arguments: the same arguments give the same score.
"""
from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from .errors import AudioError

MOODS = ("happy", "playful", "calm", "sleepy")
DEFAULT_MOOD = "happy"
MELODY_FILE = Path(__file__).with_name("melodies.yaml")
MAJOR = (0, 2, 4, 5, 7, 9, 11)
_ROMAN = {"I": 0, "II": 1, "III": 2, "IV": 3, "V": 4, "VI": 5, "VII": 6}
_NOTE_RE = re.compile(r"^([A-G])([#b]?)(-?\d)(?::(\d+(?:\.\d+)?))?$|^R(?::(\d+(?:\.\d+)?))?$")
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# GM programs (0-based)
PIANO, CELESTA, GLOCKENSPIEL, MUSIC_BOX, VIBRAPHONE, MARIMBA, XYLOPHONE = 0, 8, 9, 10, 11, 12, 13
NYLON_GUITAR, ACOUSTIC_BASS, PIZZICATO, HARP = 24, 32, 45, 46
PROGRAM_NAMES = {PIANO: "piano", CELESTA: "celesta", GLOCKENSPIEL: "glockenspiel", MUSIC_BOX: "music box",
                 VIBRAPHONE: "vibraphone", MARIMBA: "marimba", XYLOPHONE: "xylophone",
                 NYLON_GUITAR: "nylon guitar", ACOUSTIC_BASS: "acoustic bass", PIZZICATO: "pizzicato strings",
                 HARP: "harp"}
LEAD, COUNTER, CHORDS, BASS, DRUMS = 0, 1, 2, 3, 9
# GM percussion keys
KICK, CLAP, SHAKER, TAMBOURINE, TRIANGLE, CHIME_TREE = 36, 39, 70, 54, 81, 84

# tempo (quarter notes a minute), leads, chord instruments, bass, drum level (0 none .. 3 busy),
# accompaniment patterns
_MOOD = {
    "happy": dict(tempo=112, leads=(XYLOPHONE, GLOCKENSPIEL, PIANO, MARIMBA), chords=(NYLON_GUITAR, PIZZICATO, PIANO),
                  bass=ACOUSTIC_BASS, drums=2, patterns=("oompah", "arpeggio")),
    "playful": dict(tempo=124, leads=(XYLOPHONE, MARIMBA, GLOCKENSPIEL, PIZZICATO), chords=(PIZZICATO, NYLON_GUITAR),
                    bass=ACOUSTIC_BASS, drums=3, patterns=("oompah", "arpeggio")),
    "calm": dict(tempo=92, leads=(PIANO, VIBRAPHONE, CELESTA, NYLON_GUITAR), chords=(NYLON_GUITAR, HARP, PIANO),
                 bass=ACOUSTIC_BASS, drums=1, patterns=("arpeggio", "block")),
    "sleepy": dict(tempo=72, leads=(MUSIC_BOX, CELESTA, GLOCKENSPIEL, PIANO), chords=(HARP, NYLON_GUITAR, PIANO),
                   bass=ACOUSTIC_BASS, drums=0, patterns=("block", "arpeggio")),
}
_VOLUME = {LEAD: 104, COUNTER: 64, CHORDS: 70, BASS: 84, DRUMS: 60}
_KEY_STEPS = (0, 2, 5, -3, 7, -2, 4)  # semitones from home, one per cycle (kept within a sixth)
MIN_TEMPO, MAX_TEMPO = 56.0, 190.0


@dataclass(frozen=True)
class Tune:
    """A theme: bars of (offset in bar, beats, MIDI pitch in C or None) and chord roots."""

    name: str
    title: str
    meter: int
    bars: tuple[tuple[tuple[float, float, int | None], ...], ...]
    chords: tuple[tuple[int, ...], ...]  # per bar: scale-degree roots sharing the bar
    lilt: bool = False


@dataclass(frozen=True)
class Note:
    start: float  # beats from the piece's start
    length: float  # beats
    pitch: int
    velocity: int
    channel: int


@dataclass(frozen=True)
class Section:
    kind: str  # intro | verse | variation | bridge | outro
    theme: str
    key: int  # semitones above C
    start: float  # beats
    bars: int
    meter: int
    lead: int  # GM program
    chords: int

    @property
    def label(self) -> tuple:
        return (self.kind, self.theme, self.key, self.lead)


@dataclass
class Score:
    tempo: float
    duration: float  # seconds
    notes: list[Note] = field(default_factory=list)
    programs: list[tuple[float, int, int]] = field(default_factory=list)  # (beat, channel, program)
    sections: list[Section] = field(default_factory=list)
    mood: str = DEFAULT_MOOD
    home_key: int = 0

    def seconds(self, beat: float) -> float:
        return beat * 60.0 / self.tempo

    def to_midi(self, ticks_per_beat: int = 480):
        """A type-1 `mido.MidiFile`: a tempo track, then one track per channel."""
        import mido

        mid = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
        meta = mido.MidiTrack()
        meta.append(mido.MetaMessage("set_tempo", tempo=int(round(60_000_000 / self.tempo)), time=0))
        meta.append(mido.MetaMessage("end_of_track", time=0))
        mid.tracks.append(meta)
        channels = sorted({c for _, c, _ in self.programs} | {n.channel for n in self.notes})
        for ch in channels:
            events = []  # (tick, order, message)
            for beat, c, program in self.programs:
                if c == ch:
                    events.append((int(round(beat * ticks_per_beat)), 0,
                                   mido.Message("program_change", channel=ch, program=program)))
            events.append((0, 0, mido.Message("control_change", channel=ch, control=7, value=_VOLUME.get(ch, 90))))
            for n in self.notes:
                if n.channel != ch:
                    continue
                on = int(round(n.start * ticks_per_beat))
                off = max(on + 1, int(round((n.start + n.length) * ticks_per_beat)))
                events.append((on, 2, mido.Message("note_on", channel=ch, note=n.pitch, velocity=n.velocity)))
                events.append((off, 1, mido.Message("note_off", channel=ch, note=n.pitch, velocity=0)))
            events.sort(key=lambda e: (e[0], e[1], e[2].bytes()))
            track = mido.MidiTrack()
            now = 0
            for tick, _, msg in events:
                track.append(msg.copy(time=tick - now))
                now = tick
            track.append(mido.MetaMessage("end_of_track", time=0))
            mid.tracks.append(track)
        return mid


# -- the melody table ----------------------------------------------------------------


def _parse_tune(name: str, entry: dict) -> Tune:
    meter = int(entry["meter"])
    bar_texts = [b.strip() for b in str(entry["notes"]).split("|")]
    chord_texts = [c.strip() for c in str(entry["chords"]).split("|")]
    if len(bar_texts) != len(chord_texts):
        raise AudioError(f"melody '{name}': {len(bar_texts)} bars of notes but {len(chord_texts)} of chords")
    bars = []
    for i, text in enumerate(bar_texts):
        pos, notes = 0.0, []
        for token in text.split():
            m = _NOTE_RE.match(token)
            if not m:
                raise AudioError(f"melody '{name}' bar {i + 1}: cannot read note '{token}'")
            if m.group(1):
                pitch = 12 * (int(m.group(3)) + 1) + _LETTER[m.group(1)] + {"": 0, "#": 1, "b": -1}[m.group(2)]
                beats = float(m.group(4) or 1)
            else:
                pitch, beats = None, float(m.group(5) or 1)
            notes.append((pos, beats, pitch))
            pos += beats
        if abs(pos - meter) > 1e-6:
            raise AudioError(f"melody '{name}' bar {i + 1} lasts {pos:g} beats, not {meter}")
        bars.append(tuple(notes))
    chords = tuple(tuple(_ROMAN[c.upper()] for c in group.split()) for group in chord_texts)
    return Tune(name, str(entry.get("title", name)), meter, tuple(bars), chords,
                lilt=str(entry.get("feel", "straight")) == "lilt")


@lru_cache(maxsize=1)
def melodies() -> dict[str, Tune]:
    """The public-domain nursery melodies, by name (melodies.yaml)."""
    data = yaml.safe_load(MELODY_FILE.read_text(encoding="utf-8"))
    return {name: _parse_tune(name, entry) for name, entry in data.items()}


MELODY_NAMES: tuple[str, ...] = tuple(yaml.safe_load(MELODY_FILE.read_text(encoding="utf-8")))


def find_melody(name: str) -> Tune:
    from ...diagnostics import did_you_mean

    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    table = melodies()
    if key in table:
        return table[key]
    hint = did_you_mean(key, MELODY_NAMES, "")
    raise AudioError(f"unknown melody '{name}'", f"{hint + ' ' if hint else ''}melodies: {', '.join(MELODY_NAMES)}")


@lru_cache(maxsize=64)
def original_tune(seed: int, half: str = "whole") -> Tune:
    """A seeded original 16-bar tune (music.compose), or its second half (`half="bridge"`)."""
    from .melody import compose, degree_to_midi

    chords, melody = compose(seed)
    bars: list[list] = [[] for _ in range(16)]
    for beat, length, degree, _ in melody:
        bar, pos = divmod(beat, 4)
        bars[int(bar)].append((pos, length, degree_to_midi(60, degree)))
    first = 8 if half == "bridge" else 0
    return Tune(f"original-{seed}" + ("-b" if half == "bridge" else ""), f"Original tune {seed}", 4,
                tuple(tuple(b) for b in bars[first:]), tuple((c,) for c in chords[first:]))


# -- building blocks ------------------------------------------------------------------


def _scale_pitch(key: int, degree: int, base: int = 60) -> int:
    octave, step = divmod(degree, 7)
    return base + key + 12 * octave + MAJOR[step]


def _degree_of(pitch_in_c: int) -> int | None:
    """C-major scale degree (0 = C4, 7 = C5, -1 = B3 ...) of a pitch, or None off the scale."""
    octave, pc = divmod(pitch_in_c - 60, 12)
    return 7 * octave + MAJOR.index(pc) if pc in MAJOR else None


def _chord_segments(tune: Tune, bar: int) -> list[tuple[float, float, int]]:
    group = tune.chords[bar]
    each = tune.meter / len(group)
    return [(i * each, each, root) for i, root in enumerate(group)]


class _Builder:
    def __init__(self, rng: np.random.Generator, mood: str):
        self.rng = rng
        self.mood = mood
        self.notes: list[Note] = []
        self.programs: list[tuple[float, int, int]] = []
        self.current: dict[int, int] = {}

    def program(self, beat: float, channel: int, program: int) -> None:
        if self.current.get(channel) != program:
            self.programs.append((beat, channel, program))
            self.current[channel] = program

    def note(self, start: float, length: float, pitch: int, velocity: float, channel: int, gate: float = 0.92):
        pitch = int(pitch)
        while pitch > 108:
            pitch -= 12
        while pitch < 28:
            pitch += 12
        self.notes.append(Note(round(start, 6), round(max(0.05, length * gate), 6), pitch,
                               int(np.clip(round(velocity), 1, 127)), channel))

    # -- accompaniment --
    def accompany(self, start: float, meter: int, segments, key: int, pattern: str, lilt: bool,
                  drums: int, velocity: float = 1.0) -> None:
        for seg_start, seg_len, root in segments:
            t0 = start + seg_start
            triad = [_scale_pitch(key, root + d, 48) for d in (0, 2, 4)]
            bass_root = _scale_pitch(key, root % 7, 36)
            bass_fifth = _scale_pitch(key, root % 7 + 4, 36)
            if bass_fifth - bass_root > 7:
                bass_fifth -= 12
            if lilt:  # 6/8: bass on each dotted beat, the chord on the two eighths after it
                for k in range(int(round(seg_len / 1.5))):
                    self.note(t0 + 1.5 * k, 1.5, bass_root if k % 2 == 0 else bass_fifth, 80 * velocity, BASS)
                    for j, off in enumerate((0.5, 1.0)):
                        if 1.5 * k + off < seg_len:
                            for p in triad:
                                self.note(t0 + 1.5 * k + off, 0.5, p, (52 if j == 0 else 44) * velocity, CHORDS, 0.8)
                continue
            if pattern == "block":
                self.note(t0, seg_len, bass_root, 70 * velocity, BASS, 0.98)
                for i, p in enumerate(triad):  # a gently rolled chord
                    self.note(t0 + 0.06 * i, seg_len - 0.06 * i, p, 50 * velocity, CHORDS, 0.98)
            elif pattern == "arpeggio":
                self.note(t0, seg_len, bass_root, 76 * velocity, BASS, 0.9)
                shape = (0, 1, 2, 1) if self.rng.random() < 0.5 else (0, 2, 1, 2)
                steps = int(round(seg_len * 2))
                for k in range(steps):
                    p = triad[shape[k % 4]] + (12 if k % 4 == 2 and shape[2] == 2 else 0)
                    self.note(t0 + 0.5 * k, 0.5, p, (56 if k % 2 == 0 else 46) * velocity, CHORDS, 0.95)
            else:  # oom-pah: bass on the strong beats, short chords between
                beats = int(round(seg_len))
                for k in range(beats):
                    if k % 2 == 0:
                        self.note(t0 + k, 1, bass_root if (k // 2) % 2 == 0 else bass_fifth, 84 * velocity, BASS, 0.8)
                    else:
                        for p in triad:
                            self.note(t0 + k, 0.5, p, 54 * velocity, CHORDS, 0.9)
                if beats == 1:
                    for p in triad:
                        self.note(t0 + 0.5, 0.5, p, 48 * velocity, CHORDS, 0.9)
        self.drums(start, meter, lilt, drums)

    def drums(self, start: float, meter: int, lilt: bool, level: int) -> None:
        if level <= 0:
            return
        step = 0.5
        for k in range(int(round(meter / step))):
            t = start + k * step
            strong = (k * step) % (1.5 if lilt else 2) == 0
            self.note(t, 0.25, SHAKER, (44 if strong else 30), DRUMS, 1.0)
            if level >= 2 and (k * step == 0 or (not lilt and k * step == 2)):
                self.note(t, 0.25, KICK, 62 if k == 0 else 52, DRUMS, 1.0)
            if level >= 3 and not lilt and (k * step) in (1.0, 3.0):
                self.note(t, 0.25, CLAP, 40, DRUMS, 1.0)
            if level >= 3 and lilt and k * step == 1.5:
                self.note(t, 0.25, TAMBOURINE, 36, DRUMS, 1.0)


def _ornament(rng: np.random.Generator, bar, next_pitch: int | None):
    """Passing notes into leaps of a third and upper neighbours on repeated notes (C-major pitches)."""
    out = []
    for i, (pos, beats, pitch) in enumerate(bar):
        nxt = bar[i + 1][2] if i + 1 < len(bar) else next_pitch
        d, dn = (_degree_of(pitch) if pitch is not None else None), (_degree_of(nxt) if nxt is not None else None)
        if pitch is not None and d is not None and dn is not None and beats >= 1 and beats <= 2 and rng.random() < 0.7:
            half = beats / 2
            if abs(dn - d) == 2:
                out += [(pos, half, pitch), (pos + half, half, _scale_pitch(0, (d + dn) // 2))]
                continue
            if dn == d:
                out += [(pos, half, pitch), (pos + half, half, _scale_pitch(0, d + 1))]
                continue
        out.append((pos, beats, pitch))
    return tuple(out)


def _play_theme(b: _Builder, tune: Tune, start: float, bars: int, key: int, kind: str, lead: int,
                counter: int, chord_prog: int, pattern: str, drums: int, lift: int) -> None:
    b.program(start, LEAD, lead)
    b.program(start, CHORDS, chord_prog)
    if kind == "variation":
        b.program(start, COUNTER, counter)
    for bar in range(bars):
        t = start + bar * tune.meter
        notes = tune.bars[bar]
        if kind == "variation":
            nxt = tune.bars[bar + 1][0][2] if bar + 1 < len(tune.bars) else None
            for pos, beats, pitch in notes:
                if pitch is not None:
                    b.note(t + pos, beats, pitch + key, 58, COUNTER, 0.9)
            notes = _ornament(b.rng, notes, nxt)
        for i, (pos, beats, pitch) in enumerate(notes):
            if pitch is None:
                continue
            accent = 100 if pos == 0 else 88 if pos % (1.5 if tune.lilt else 2) == 0 else 78
            b.note(t + pos, beats, pitch + key + lift, accent, LEAD)
        b.accompany(t, tune.meter, _chord_segments(tune, bar), key, pattern, tune.lilt, drums)


# -- planning ----------------------------------------------------------------------------


def check_mood(mood: str) -> str:
    from ...diagnostics import did_you_mean

    m = str(mood).strip().lower()
    if m not in MOODS:
        hint = did_you_mean(m, MOODS, "")
        raise AudioError(f"unknown music mood '{mood}'", f"{hint + ' ' if hint else ''}moods: {', '.join(MOODS)}")
    return m


def base_tempo(mood: str, age: float | None = None) -> float:
    tempo = float(_MOOD[mood]["tempo"])
    if age is not None:
        tempo += -6 if age <= 2 else 6 if age >= 6 else 0
    return tempo


def _lift(program: int) -> int:
    """Bells and mallets sound best an octave up; piano and plucks where written."""
    return 12 if program in (GLOCKENSPIEL, MUSIC_BOX, CELESTA, XYLOPHONE) else 0


def arrange(duration: float, mood: str = DEFAULT_MOOD, melody: str | None = None, seed: int = 0,
            tempo: float | None = None, key: int | None = None, age: float | None = None,
            source: str = "nursery") -> Score:
    """A piece exactly `duration` seconds long (see the module docstring).

    `source`: "nursery" mixes the table's melodies with original tunes; "generated"
    uses original tunes only. `melody` names the first theme. `key`: semitones above C
    (None: chosen by the seed). `tempo`: quarter notes a minute (None: by mood and age)."""
    mood = check_mood(mood)
    if not (duration >= 0 and math.isfinite(duration)):
        raise AudioError(f"music duration {duration!r} must be a finite number of seconds >= 0")
    style = _MOOD[mood]
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(f"{mood}:{melody}:{source}".encode())])
    if tempo is None:
        tempo = base_tempo(mood, age) + float(rng.integers(-3, 4))
    home = int(key) % 12 if key is not None else int(rng.choice((0, 2, 5, 7, -2, -3))) % 12
    if home > 7:
        home -= 12  # keep the register: Bb and A sit below C

    # themes: the named melody first, then a seeded mix
    table = list(MELODY_NAMES)
    rng.shuffle(table)
    originals = [f"original:{(int(seed) * 7919 + 101 * k) & 0xFFFF}" for k in range(8)]
    if source == "generated":
        pool = originals
    else:
        pool = [x for pair in zip(table, originals) for x in pair] + table[len(originals):]
    if melody:
        first = find_melody(melody).name
        pool = [first] + [p for p in pool if p != first]

    def theme(name: str) -> Tune:
        return original_tune(int(name.split(":")[1])) if name.startswith("original:") else melodies()[name]

    leads = list(style["leads"])
    chord_progs = list(style["chords"])
    lead_offset = int(rng.integers(len(leads)))

    # the plan: (kind, tune, bars, key, lead, counter, chords program, pattern)
    plan: list[tuple] = []

    def orchestration(i: int) -> tuple[int, int, int, str]:
        lead = leads[(lead_offset + i) % len(leads)]
        counter = leads[(lead_offset + i + 1) % len(leads)]
        chords = chord_progs[(i + int(seed)) % len(chord_progs)]
        pattern = style["patterns"][(i // 2 + int(seed)) % len(style["patterns"])]
        return lead, counter, chords, pattern

    def cycle(k: int):
        t = theme(pool[k % len(pool)])
        bridge = original_tune((int(seed) * 31 + 977 * k + 5) & 0xFFFF, "bridge")
        key_k = home + _KEY_STEPS[k % len(_KEY_STEPS)]
        while key_k > 7:
            key_k -= 12
        while key_k < -5:
            key_k += 12
        yield ("verse", t, key_k)
        yield ("variation", t, key_k)
        yield ("bridge", bridge, key_k)

    beat_s = 60.0 / tempo
    available = duration / beat_s  # beats at the wished tempo
    intro_bars = 2 if duration >= 24 else 1 if duration >= 10 else 0
    meter0 = theme(pool[0]).meter
    used = intro_bars * meter0
    outro_beats = 2 * 4 + 4  # cadence (2 bars) + one bar of final chord, at most
    sections = (s for k in range(10_000) for s in cycle(k))
    index = 0
    while True:
        kind, tune, key_k = next(sections)
        need = len(tune.bars) * tune.meter
        room = available - used - outro_beats
        if need <= room:
            plan.append((kind, tune, len(tune.bars), key_k) + orchestration(index))
            used += need
            index += 1
            continue
        # the last, partial section: as many 2-bar half-phrases as fit (what is left is
        # then under 2 bars, which the final chord takes up without moving the tempo)
        bars = int(room // (2 * tune.meter)) * 2
        if bars >= 2:
            plan.append((kind, tune, bars, key_k) + orchestration(index))
            used += bars * tune.meter
        break

    # outro: cadence bars in the home key, then the final chord takes up what is left
    out_meter = plan[-1][1].meter if plan else meter0
    lilt = bool(plan and plan[-1][1].lilt)
    cadence_bars = 2 if available - used >= 2 * out_meter + out_meter else (1 if available - used >= 2 * out_meter else 0)
    hold = available - used - cadence_bars * out_meter
    hold = min(max(hold, out_meter if cadence_bars else max(available - used, 0.5)), 3 * out_meter)
    total = used + cadence_bars * out_meter + hold
    # stretch the tempo so that the plan fills the duration exactly
    tempo = float(np.clip(total * 60.0 / duration, MIN_TEMPO, MAX_TEMPO)) if duration > 0 else tempo
    if duration > 0:
        hold = max(0.25, duration * tempo / 60.0 - (total - hold))

    b = _Builder(rng, mood)
    b.program(0, BASS, style["bass"])
    b.program(0, DRUMS, 0)
    score = Score(tempo=tempo, duration=float(duration), mood=mood, home_key=home)
    pos = 0.0
    first_tune = plan[0][1] if plan else theme(pool[0])
    if intro_bars:
        lead, counter, chords, pattern = orchestration(0)
        b.program(0, CHORDS, chords)
        b.program(0, COUNTER, GLOCKENSPIEL if lead != GLOCKENSPIEL else CELESTA)
        m = first_tune.meter
        for bar in range(intro_bars):
            root = 0 if bar == 0 and intro_bars > 1 else 4
            b.accompany(pos, m, [(0.0, float(m), root)], home, pattern, first_tune.lilt,
                        min(style["drums"], 1), 0.85)
            for i, d in enumerate((0, 2, 4, 7)):  # a sparkle up the chord
                b.note(pos + i * m / 8 + m / 2, m / 8, _scale_pitch(home, root + d, 72), 50, COUNTER)
            pos += m
        score.sections.append(Section("intro", "vamp", home, 0.0, intro_bars, m, GLOCKENSPIEL, chords))
    for kind, tune, bars, key_k, lead, counter, chords, pattern in plan:
        lift = _lift(lead) + (12 if kind == "variation" and _lift(lead) == 0 else 0)
        _play_theme(b, tune, pos, bars, key_k, kind, lead, counter, chords, pattern, style["drums"], lift)
        score.sections.append(Section(kind, tune.name, key_k, pos, bars, tune.meter, lead, chords))
        pos += bars * tune.meter

    # outro: I IV | V | (final) I, melody 3 4 5 6 | 5 2 | 1
    lead = plan[-1][4] if plan else leads[lead_offset]
    chords = plan[-1][6] if plan else chord_progs[0]
    pattern = plan[-1][7] if plan else style["patterns"][0]
    b.program(pos, LEAD, lead)
    b.program(pos, CHORDS, chords)
    lift = _lift(lead)
    m = out_meter
    start_outro = pos
    if cadence_bars == 2:
        line = (((0, 2), (m / 4, 3), (m / 2, 4), (3 * m / 4, 5)), ((0, 4), (m / 2, 1)))
        chords_of = ([(0.0, m / 2, 0), (m / 2, m / 2, 3)], [(0.0, float(m), 4)])
    elif cadence_bars == 1:
        line = (((0, 4), (m / 2, 1)),)
        chords_of = ([(0.0, float(m), 4)],)
    else:
        line, chords_of = (), ()
    for bar_line, segs in zip(line, chords_of):
        for j, (at, degree) in enumerate(bar_line):
            end = bar_line[j + 1][0] if j + 1 < len(bar_line) else m
            b.note(pos + at, end - at, _scale_pitch(home, degree) + lift, 92 if at == 0 else 80, LEAD)
        b.accompany(pos, m, segs, home, pattern, lilt, style["drums"], 0.9)
        pos += m
    # the final chord rings to the end: tonic on top, a rolled chord, low root, one soft kick
    b.note(pos, hold, _scale_pitch(home, 0) + lift, 96, LEAD, 1.0)
    b.note(pos, hold, _scale_pitch(home, 0, 36), 80, BASS, 1.0)
    for i, d in enumerate((0, 2, 4, 7)):
        b.note(pos + 0.08 * i, hold - 0.08 * i, _scale_pitch(home, d, 48), 62, CHORDS, 1.0)
    if style["drums"] >= 2:
        b.note(pos, 0.5, KICK, 56, DRUMS, 1.0)
    b.note(pos, hold, TRIANGLE if style["drums"] else CHIME_TREE, 36, DRUMS, 1.0)
    score.sections.append(Section("outro", "cadence", home, start_outro, cadence_bars + 1, m, lead, chords))
    score.notes = sorted(b.notes, key=lambda n: (n.start, n.channel, n.pitch))
    score.programs = b.programs
    return score


def solo(melody: str, program: int = PIANO, tempo: float = 100.0, key: int = 0) -> Score:
    """Just a melody, on one instrument, nothing else (for listening tests)."""
    tune = find_melody(melody)
    b = _Builder(np.random.default_rng(0), DEFAULT_MOOD)
    b.program(0, LEAD, program)
    for bar, notes in enumerate(tune.bars):
        for pos, beats, pitch in notes:
            if pitch is not None:
                b.note(bar * tune.meter + pos, beats, pitch + key, 96, LEAD, 0.9)
    beats = len(tune.bars) * tune.meter + 2
    score = Score(tempo=tempo, duration=beats * 60.0 / tempo, notes=b.notes, programs=b.programs)
    return score
