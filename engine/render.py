"""The render loop: timeline -> display lists -> rasteriser -> encoder.

Writes to a temporary file beside the output and renames it at the end, so an
error or Ctrl-C never leaves a partial video behind.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import skia

from .encoder import EncodeSettings, VideoWriter
from .raster import Rasterizer
from .timeline import Timeline

ProgressCallback = Callable[[int, int], None]


def frame_range(timeline: Timeline, start: float | None, end: float | None) -> range:
    total = timeline.frame_count
    first = 0 if start is None else max(0, min(total, round(start * timeline.fps)))
    last = total if end is None else max(first, min(total, round(end * timeline.fps)))
    return range(first, last)


def render_video(
    timeline: Timeline,
    output: str | Path,
    *,
    quality: str = "standard",
    encoder: str = "libx264",
    start: float | None = None,
    end: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Render `timeline` (or the time range start..end) to `output`; returns the frame count."""
    output = Path(output)
    frames = frame_range(timeline, start, end)
    settings = EncodeSettings(timeline.width, timeline.height, timeline.fps, quality, encoder)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output.stem}.", suffix=".partial.mp4", dir=output.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        raster = Rasterizer(timeline.width, timeline.height)
        previous = None
        with VideoWriter(tmp, settings) as writer:
            for n, index in enumerate(frames, start=1):
                display = timeline.sample(timeline.time_of_frame(index))
                if display == previous:
                    writer.write_repeat()  # nothing moved: skip rasterising entirely
                else:
                    writer.write(raster.draw(display))
                    previous = display
                if on_progress is not None:
                    on_progress(n, len(frames))
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(frames)


def render_frame(timeline: Timeline, t: float) -> np.ndarray:
    """One frame at time `t` as an RGBA uint8 array (H, W, 4)."""
    raster = Rasterizer(timeline.width, timeline.height)
    raster.draw(timeline.sample(t))
    return raster.snapshot_rgba()


def write_png(rgba: np.ndarray, output: str | Path) -> None:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    image = skia.Image.fromarray(np.ascontiguousarray(rgba), colorType=skia.kRGBA_8888_ColorType)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output.stem}.", suffix=".partial.png", dir=output.parent)
    os.close(fd)
    try:
        data = image.encodeToData(skia.kPNG, 100)
        if data is None:
            raise OSError(f"cannot encode {output} as PNG")
        Path(tmp_name).write_bytes(bytes(data))
        os.replace(tmp_name, output)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
