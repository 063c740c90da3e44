"""Test helpers: decode real videos with PyAV; build small .scene files.

Nothing here is mocked: scenes go through Jinja, Lark, the compiler, Skia and
libx264, and assertions are made on the decoded frames.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
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
