"""Test helpers: decode real videos with PyAV; build small .scene files.

Nothing here is mocked: scenes go through Jinja, Lark, the compiler, Skia and
libx264, and assertions are made on the decoded frames.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import av
import numpy as np

SMALL = (320, 180)


@dataclass
class Decoded:
    frames: list[np.ndarray]  # RGB uint8 (H, W, 3)
    fps: float
    width: int
    height: int
    duration: float
    codec: str
    profile: str
    pix_fmt: str
    audio: list[str]

    def at(self, t: float) -> np.ndarray:
        """The frame showing at time t."""
        return self.frames[min(len(self.frames) - 1, int(round(t * self.fps)))]


def decode(path: str | Path) -> Decoded:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        return Decoded(
            frames=frames,
            fps=float(stream.average_rate),
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            duration=container.duration / 1e6 if container.duration else 0.0,
            codec=stream.codec_context.name,
            profile=stream.codec_context.profile,
            pix_fmt=stream.codec_context.pix_fmt,
            audio=[f"{s.codec_context.name}/{s.codec_context.sample_rate}/{s.codec_context.layout.name}"
                   for s in container.streams.audio],
        )


def scene_text(body: str, settings: str = "", header: str = "") -> str:
    """A whole .scene file: `header` (front matter), a video block, then `body`."""
    return f'{header}video "test" {{\n{textwrap.indent(settings, "    ")}\n}}\n\n{textwrap.dedent(body)}'




def close(pixel, expected, tol: int = 12) -> bool:
    """Colour comparison tolerant of YUV 4:2:0 and rounding."""
    return all(abs(int(a) - int(b)) <= tol for a, b in zip(pixel[:3], expected[:3]))


def chroma(x: np.ndarray, rate: int = 48000) -> np.ndarray:
    """The pitch-class profile (12 bins, summing to 1) of (channels, n) audio between
    60 Hz and 2 kHz: how much of each note name a passage plays, whatever the octave."""
    mono = x.mean(axis=0).astype(np.float64)
    frame = 8192
    spec = np.zeros(frame // 2 + 1)
    for s in range(0, len(mono) - frame, frame):
        spec += np.abs(np.fft.rfft(mono[s:s + frame] * np.hanning(frame)))
    f = np.fft.rfftfreq(frame, 1 / rate)
    keep = (f > 60) & (f < 2000)
    classes = np.round(12 * np.log2(f[keep] / 440)).astype(int) % 12
    profile = np.bincount(classes, weights=spec[keep] ** 2, minlength=12)
    return profile / profile.sum()


def write_wav(path: str | Path, samples: np.ndarray, rate: int = 48_000) -> None:
    """A mono 16-bit WAV of float `samples` (-1..1): a sound file for a scene to play."""
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray((np.asarray(samples) * 32767).astype(np.int16).reshape(1, -1),
                                           format="s16", layout="mono")
        frame.sample_rate = rate
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def compiled_template(name: str, size: tuple[int, int] = (192, 108), fps: float = 6, **params):
    """A template compiled with these parameters at a tiny size: the dsl's Loaded (its
    timeline and expanded text), made once per test run. test_templates, test_episodes
    and test_reading compile the same (template, parameters) at 192x108, 6 fps: each
    compile is seconds (mostly the speech), so they share it. Treat it as read-only."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _compiled_template(name, tuple(size), fps, key)


@lru_cache(maxsize=None)
def _compiled_template(name: str, size: tuple[int, int], fps: float, params: tuple):
    from storyreel.dsl import CompileOptions, load_scene
    from storyreel.dsl.templates import load_template, validate_params

    template = load_template(name)
    return load_scene(template.scene_path, validate_params(template, dict(params)), CompileOptions(size=size, fps=fps))
