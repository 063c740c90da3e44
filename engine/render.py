"""The render loop: timeline -> display lists -> rasteriser -> encoder, with the
mixed soundtrack alongside.

Writes to a temporary file beside the output and renames it at the end, so an
error or Ctrl-C never leaves a partial video behind.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import skia

from .captions import write_captions
from .encoder import AUDIO_RATE, AudioSource, EncodeSettings, Silence, VideoWriter
from .outputs import atomic_output
from .raster import Rasterizer
from .timeline import CaptionCue, Timeline, WordCue

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
    """Render `timeline` (or the time range start..end) to `output`; returns the frame count.

    With captions on (or burned), OUT.srt and OUT.vtt are written beside it.
    """
    output = Path(output)
    frames = frame_range(timeline, start, end)
    settings = EncodeSettings(timeline.width, timeline.height, timeline.fps, quality, encoder)
    # Mixed (and loudness-normalised) before the first frame, so bad audio fails early
    # and the encoder thread never waits on the analysis.
    audio = soundtrack(timeline, frames.start / timeline.fps)
    with atomic_output(output, ".mp4") as tmp:
        raster = Rasterizer(timeline.width, timeline.height)
        previous = None
        with VideoWriter(tmp, settings, audio) as writer:
            for n, index in enumerate(frames, start=1):
                display = timeline.sample(timeline.time_of_frame(index))
                if display == previous:
                    writer.write_repeat()  # nothing moved: skip rasterising entirely
                else:
                    slot = writer.acquire()
                    raster.draw(display, slot)  # straight into the encoder's frame
                    writer.submit(slot)
                    previous = display
                if on_progress is not None:
                    on_progress(n, len(frames))
    if timeline.captions_mode != "off":
        write_caption_files(timeline, output, frames.start / timeline.fps, frames.stop / timeline.fps)
    return len(frames)


def render_frame(timeline: Timeline, t: float) -> np.ndarray:
    """One frame at time `t` as an RGBA uint8 array (H, W, 4)."""
    raster = Rasterizer(timeline.width, timeline.height)
    raster.draw(timeline.sample(t))
    return raster.snapshot_rgba()


def write_png(rgba: np.ndarray, output: str | Path) -> None:
    image = skia.Image.fromarray(np.ascontiguousarray(rgba), colorType=skia.kRGBA_8888_ColorType)
    data = image.encodeToData(skia.kPNG, 100)
    if data is None:
        raise OSError(f"cannot encode {output} as PNG")
    with atomic_output(output, ".png") as tmp:
        tmp.write_bytes(bytes(data))


class _Offset:
    """An audio source read from `offset` samples on (for --from)."""

    def __init__(self, source: AudioSource, offset: int):
        self.source, self.offset = source, offset

    def read(self, start_sample: int, count: int) -> np.ndarray:
        return self.source.read(self.offset + start_sample, count)


def soundtrack(timeline: Timeline, start: float = 0.0) -> AudioSource:
    """The timeline's mixed audio from `start` seconds, or silence when it has none."""
    if not timeline.audio:
        return Silence()
    from .audio import Mixer

    mixer = Mixer(timeline.audio, timeline.duration)
    mixer.prepare()
    offset = round(start * AUDIO_RATE)
    return _Offset(mixer, offset) if offset else mixer


def caption_cues(timeline: Timeline, start: float = 0.0, end: float | None = None) -> list[CaptionCue]:
    """The cues inside start..end, on a clock that starts at `start`."""
    end = timeline.duration if end is None else end
    cues = []
    for cue in timeline.captions:
        if cue.end <= start or cue.start >= end:
            continue
        words = tuple(WordCue(w.text, w.start - start, w.end - start) for w in cue.words)
        cues.append(CaptionCue(max(0.0, cue.start - start), min(end, cue.end) - start, cue.text, cue.speaker, words))
    return cues


def write_caption_files(timeline: Timeline, output: Path, start: float = 0.0, end: float | None = None) -> list[Path]:
    """OUT.srt and OUT.vtt beside the video."""
    cues = caption_cues(timeline, start, end)
    written = []
    for fmt in ("srt", "vtt"):
        path = output.with_suffix(f".{fmt}")
        write_captions(cues, path, fmt)
        written.append(path)
    return written
