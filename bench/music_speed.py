"""Music figures for bench/RESULTS.md (issue 14): how fast pieces render, and how
much a 3-minute piece's first and last minute differ.

    python bench/music_speed.py            # ~1 min on 2 cores

Speed = seconds of music / wall seconds of `music.piece(...)` (arrange + MIDI +
SoundFont render into the temp file + level), the SoundFont already loaded (its
one-off load is reported separately), best of 3. Difference: for seeds 0..4 of a
3-minute happy piece, the lead's (pitch, length) sequences in minute 1 and minute 3,
and the L1 distance between the two minutes' pitch-class (chroma) profiles, from
the rendered audio.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from storyreel.engine.audio import RATE, measure_lufs
from storyreel.engine.audio import arrange as arr
from storyreel.engine.audio import soundfont
from storyreel.engine.audio.music import Piece

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import chroma  # noqa: E402 - the same pitch-class profile the music tests use


def main() -> None:
    print(f"sound: {soundfont.describe()}")
    t = time.perf_counter()
    soundfont._synth(str(soundfont.soundfont_path()))
    print(f"SoundFont load: {time.perf_counter() - t:.2f} s (once per process)")
    for engine in ("soundfont", "synth"):
        for seconds in (60, 180, 600):
            if engine == "synth" and seconds == 600:
                continue
            best = float("inf")
            for _ in range(3 if seconds < 600 else 1):
                t = time.perf_counter()
                p = Piece(arr.arrange(seconds, mood="happy", seed=1), engine)
                best = min(best, time.perf_counter() - t)
            x = p.read(0, p.length)
            lufs, peak = measure_lufs(x)
            print(f"{engine:9s} {seconds:4d} s piece: {best:6.2f} s = {seconds / best:5.0f}x real time; "
                  f"{lufs:.1f} LUFS, true peak {peak:.1f} dBTP, sample peak {20 * np.log10(np.abs(x).max()):.1f} dBFS")
    for seed in range(5):
        score = arr.arrange(180, mood="happy", seed=seed)
        p = Piece(score)
        lead = [(n.pitch, n.length) for n in score.notes if n.channel == arr.LEAD]
        first = [(n.pitch, n.length) for n in score.notes if n.channel == arr.LEAD and score.seconds(n.start) < 60]
        last = [(n.pitch, n.length) for n in score.notes if n.channel == arr.LEAD and score.seconds(n.start) >= 120]
        d = float(np.abs(chroma(p.read(0, 60 * RATE)) - chroma(p.read(120 * RATE, 60 * RATE))).sum())
        plan = " → ".join(f"{s.kind}:{s.theme}" for s in score.sections)
        print(f"seed {seed}: {len(lead)} lead notes; minute 1 vs 3 note sequences equal: {first == last}; "
              f"chroma L1 distance {d:.3f}\n   {plan}")


if __name__ == "__main__":
    main()
