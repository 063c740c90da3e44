"""Frames and sound for the encoder: the render loop (sample, rasterise, hand the
frame to the writer), the CPU or GPU pipeline, the mixed soundtrack, and the
chapter and caption marks of a frame range.

Shared by the one-pass render (`render.render_video`), the chunked render
(`chunks`), the other formats (`formats`) and Ray workers (`executors`); it
imports none of them, so the stage has no import circle."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Collection

import numpy as np
import skia

from ..publish.captions import write_captions
from .encoder import AUDIO_RATE, AudioSource, EncodeSettings, Silence, VideoWriter
from .outputs import atomic_output
from ..raster.raster import Rasterizer
from ..timeline.timeline import CaptionCue, Timeline, WordCue

ProgressCallback = Callable[[int, int], None]


def frame_range(timeline: Timeline, start: float | None, end: float | None) -> range:
    total = timeline.frame_count
    first = 0 if start is None else max(0, min(total, round(start * timeline.fps)))
    last = total if end is None else max(first, min(total, round(end * timeline.fps)))
    return range(first, last)


def render_frames(
    timeline: Timeline,
    frames: range,
    writer: VideoWriter,
    *,
    restart_at: Collection[int] = (),
    raster: Rasterizer | None = None,
    profile=None,
    on_progress: ProgressCallback | None = None,
    progress_offset: int = 0,
    progress_total: int | None = None,
) -> None:
    """The render loop: sample each frame, rasterise it into one of the writer's
    frames, or repeat the previous frame when the display list did not change.

    At each frame of `restart_at` (the starts of chunks) nothing is carried over
    from the frames before: the frame is rasterised afresh, as a chunk rendered on
    its own would do."""
    raster = raster or Rasterizer(timeline.width, timeline.height)
    raster.profile = profile
    cuts = frozenset(restart_at)
    total = progress_total if progress_total is not None else len(frames)
    previous = None
    clock = time.perf_counter
    for n, index in enumerate(frames, start=1):
        if index in cuts and previous is not None:
            previous = None
            raster.reset_history()
        began = clock()
        display = timeline.sample(timeline.time_of_frame(index))
        same = display == previous
        if profile is not None:
            profile.add("sample", clock() - began)
        if same:
            writer.write_repeat()  # nothing moved: skip rasterising entirely
        else:
            slot = writer.acquire()
            raster.draw(display, slot)  # straight into the encoder's frame
            writer.submit(slot, raster.dirty_rows)  # only the rows that changed are converted
            previous = display
        if on_progress is not None:
            on_progress(progress_offset + n, total)


def pipeline(width: int, height: int, gpu: bool | None, profile=None):
    """(rasteriser, colour converter or None for swscale): the CPU path, or the
    CUDA one (`engine.raster.gpu`) when `gpu` is True, or None and a GPU is there."""
    if gpu is False:
        return Rasterizer(width, height), None
    from ..raster import gpu as gpu_path

    usable, why = gpu_path.available()
    if not usable:
        if gpu:
            from .encoder import EncoderError

            raise EncoderError(f"--gpu: {why}")
        return Rasterizer(width, height), None
    compositor = gpu_path.Compositor(width, height)
    if profile is not None:
        profile.notes.append(f"gpu: {why}")
    return gpu_path.GpuRasterizer(width, height, compositor), compositor.convert


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
    from ..audio import Mixer

    mixer = Mixer(timeline.audio, timeline.duration, loudness_target=timeline.loudness)
    mixer.prepare()
    offset = round(start * AUDIO_RATE)
    return _Offset(mixer, offset) if offset else mixer


def chapter_marks(timeline: Timeline, start: float, end: float) -> tuple[tuple[str, float, float], ...]:
    """(scene name, start, end) for the scenes inside start..end, on the output's clock."""
    marks = []
    chapters = list(timeline.chapters)
    for i, chapter in enumerate(chapters):
        until = chapters[i + 1].time if i + 1 < len(chapters) else timeline.duration
        a, b = max(chapter.time, start), min(until, end)
        if b > a:
            marks.append((chapter.name, round(a - start, 6), round(b - start, 6)))
    return tuple(marks)


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
