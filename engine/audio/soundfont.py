"""Playing a `mido.MidiFile` through a General MIDI SoundFont, in-process (tinysoundfont).

The SoundFont is looked for in `$STORYREEL_SOUNDFONT`, then where Debian's packages
put theirs: `musescore-general-soundfont-small` (MuseScore_General_Lite.sf3, MIT,
installed by scripts/setup.sh) and `fluid-soundfont-gm` (FluidR3_GM.sf2, MIT).
TimGM6mb (GPL) is deliberately not on the list. `available()` says whether one
was found; without it (or without the tinysoundfont module) the caller falls back
to the numpy synthesiser.

One synthesiser is loaded per process (about 2 s and 0.5 GB for the SF3, whose
samples are decoded at load) and shared under a lock; every render starts from
silence with all controllers reset, so the same MIDI gives the same samples.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from .synth import RATE

SEARCH = (
    "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
    "/usr/share/sounds/sf3/MuseScore_General.sf3",
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
)
LICENCE = {
    "MuseScore_General_Lite.sf3": "MIT (MuseScore_General, based on FluidR3 Mono; parts PD/CC0)",
    "MuseScore_General.sf3": "MIT (MuseScore_General, based on FluidR3 Mono; parts PD/CC0)",
    "FluidR3_GM.sf2": "MIT (Fluid R3 GM)",
}
DRUM_CHANNEL = 9

_lock = threading.RLock()


def soundfont_path() -> Path | None:
    env = os.environ.get("STORYREEL_SOUNDFONT")
    if env is not None:
        return Path(env) if env and Path(env).is_file() else None
    for p in SEARCH:
        if Path(p).is_file():
            return Path(p)
    return None


def available() -> bool:
    try:
        import mido  # noqa: F401
        import tinysoundfont  # noqa: F401
    except ImportError:
        return False
    return soundfont_path() is not None


def describe() -> str:
    path = soundfont_path()
    if path is None:
        return "numpy synthesiser (no General MIDI SoundFont found)"
    return f"{path.name} ({LICENCE.get(path.name, 'see its package')})"


@lru_cache(maxsize=2)
def _synth(path: str):
    import tinysoundfont

    synth = tinysoundfont.Synth(samplerate=RATE)
    sfid = synth.sfload(path, gain=-6.0, max_voices=128)
    return synth, sfid


def _silence(synth) -> None:
    """Every voice off and rendered out (a quick release takes a few ms), so that the
    next piece starts from the same silent state."""
    synth.sounds_off()
    synth.generate_simple(RATE // 5)


def render_midi_to(mid, n: int, sink, block: int = 10 * RATE) -> None:
    """Play `mid` (a mido.MidiFile) from its start for exactly `n` samples, handing the
    audio to `sink` in order as (2, m) float32 blocks of at most `block` samples (so a
    long piece never needs to be held whole). Notes still sounding at the end are cut
    there (the caller fades)."""
    path = soundfont_path()
    if path is None:
        raise RuntimeError("no General MIDI SoundFont")
    buf = np.zeros(2 * block, dtype=np.float32)
    view = memoryview(buf).cast("B")
    # absolute sample times of every message, in file order (mido merges the tracks by time)
    events = []
    now = 0.0
    for msg in mid:  # .time is seconds since the previous message
        now += msg.time
        if not msg.is_meta:
            events.append((int(round(now * RATE)), msg))
    events.append((n, None))
    with _lock:
        synth, sfid = _synth(str(path))
        _silence(synth)
        for ch in range(16):
            synth.control_change(ch, 121, 0)  # reset all controllers
            synth.control_change(ch, 7, 100)
            synth.control_change(ch, 10, 64)
            if ch == DRUM_CHANNEL:
                synth.program_select(ch, sfid, 128, 0, is_drums=True)
            else:
                synth.program_select(ch, sfid, 0, 0)
        pos = 0  # samples handed on
        fill = 0  # samples waiting in buf

        def advance(to: int) -> None:
            nonlocal pos, fill
            while pos + fill < to:
                step = min(to - pos - fill, block - fill)
                synth.generate_simple(step, buffer=view[fill * 8:(fill + step) * 8])
                fill += step
                if fill == block:
                    sink(buf[:2 * fill].reshape(fill, 2).T.copy())
                    pos += fill
                    fill = 0

        for at, msg in events:
            advance(min(max(at, 0), n))
            if msg is None or at >= n:
                break
            kind = msg.type
            if kind == "note_on" and msg.velocity > 0:
                synth.noteon(msg.channel, msg.note, msg.velocity)
            elif kind in ("note_on", "note_off"):
                synth.noteoff(msg.channel, msg.note)
            elif kind == "program_change":
                if msg.channel == DRUM_CHANNEL:
                    synth.program_select(msg.channel, sfid, 128, msg.program, is_drums=True)
                else:
                    synth.program_select(msg.channel, sfid, 0, msg.program)
            elif kind == "control_change":
                synth.control_change(msg.channel, msg.control, msg.value)
        advance(n)
        if fill:
            sink(buf[:2 * fill].reshape(fill, 2).T.copy())
        _silence(synth)


def render_midi(mid, n: int) -> np.ndarray:
    """`render_midi_to` gathered into one (2, n) float32 array (for short sounds)."""
    blocks: list[np.ndarray] = []
    render_midi_to(mid, n, blocks.append)
    return np.concatenate(blocks, axis=1) if blocks else np.zeros((2, 0), dtype=np.float32)
