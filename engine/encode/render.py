"""The render loop: timeline -> display lists -> rasteriser -> encoder, with the
mixed soundtrack alongside.

Writes to a temporary file beside the output and renames it at the end, so an
error or Ctrl-C never leaves a partial video behind.
"""
from __future__ import annotations

import time
from pathlib import Path

from .chunks import check_workers, plan_chunks, render_chunked
from .encoder import EncodeSettings, VideoWriter
from .frames import (ProgressCallback, chapter_marks, frame_range, pipeline, render_frame, render_frames,
                     soundtrack, write_caption_files, write_png)
from .outputs import atomic_output
from ..timeline.timeline import Timeline

__all__ = ["render_frame", "render_video", "write_png"]


def render_video(
    timeline: Timeline,
    output: str | Path,
    *,
    quality: str = "standard",
    encoder: str = "libx264",
    start: float | None = None,
    end: float | None = None,
    on_progress: ProgressCallback | None = None,
    platform=None,
    workers: int = 1,
    cache=None,
    profile=None,
    gpu: bool | None = False,
    executor=None,
) -> int:
    """Render `timeline` (or the time range start..end) to `output`; returns the frame count.

    With captions on (or burned), OUT.srt and OUT.vtt are written beside it.
    `platform` (an `engine.publish.platforms.Platform`) applies its encoder profile.

    The video is encoded in chunks (`engine.encode.chunks.plan_chunks`: cut at scene starts
    and every few seconds inside long scenes), each starting a fresh encoder, so
    the pictures do not depend on how the chunks are rendered:
    `workers` > 1 renders them in that many processes and joins them by stream
    copy; `cache` (a folder, bounded to 5 GB, or an `engine.encode.segment_cache.SegmentCache`)
    reuses the chunks whose content did not change. With neither, one process encodes them
    in turn into the output. `profile` (an `engine.encode.profile.Profile`) collects
    where the time goes. `gpu`: True composites and converts colours on a CUDA
    GPU (`engine.raster.gpu`; an error when there is none), None when one is there,
    False never. `executor` (an `engine.encode.executors.RayExecutor`) runs the chunks as
    Ray tasks instead of local processes.
    """
    check_workers(workers)
    output = Path(output)
    frames = frame_range(timeline, start, end)
    settings = EncodeSettings(timeline.width, timeline.height, timeline.fps, quality, encoder,
                              chapters=chapter_marks(timeline, frames.start / timeline.fps, frames.stop / timeline.fps))
    if platform is not None:
        settings = platform.encode_settings(settings)
    if profile is not None:
        profile.start()
    if workers > 1 or cache is not None or executor is not None:
        render_chunked(timeline, output, frames, settings, workers=workers, cache=cache,
                       on_progress=on_progress, profile=profile, gpu=gpu, executor=executor)
    else:
        raster, convert = pipeline(timeline.width, timeline.height, gpu, profile)
        # Mixed (and loudness-normalised) before the first frame, so bad audio fails early
        # and the encoder thread never waits on the analysis.
        began = time.perf_counter()
        audio = soundtrack(timeline, frames.start / timeline.fps)
        if profile is not None:
            profile.add("prepare:audio", time.perf_counter() - began)
        cuts = [chunk.first for chunk in plan_chunks(timeline, frames, settings.gop)]
        with atomic_output(output, ".mp4") as tmp:
            restarts = [cut - frames.start for cut in cuts]  # the writer counts from the output's first frame
            with VideoWriter(tmp, settings, audio, restart_at=restarts, profile=profile, convert=convert) as writer:
                render_frames(timeline, frames, writer, restart_at=cuts, raster=raster, profile=profile,
                              on_progress=on_progress)
    if profile is not None:
        profile.stop(len(frames))
    if timeline.captions_mode != "off":
        write_caption_files(timeline, output, frames.start / timeline.fps, frames.stop / timeline.fps)
    return len(frames)


