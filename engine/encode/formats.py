"""Output formats other than H.264 MP4: H.265 MP4, VP9 WebM, ProRes MOV, animated
GIF, PNG sequences and audio only (WAV, M4A).

`format_for(output, requested)` picks the format from `--format` or the output's
extension; `render_output` renders to it. H.264 MP4 goes on through
`render.render_video` untouched (chunked, cached, byte-identical to before); the
other formats are written here in one pass by a `FormatWriter`, which offers the
encoder's interface (`acquire`, `submit`, `write_repeat`) so `render.render_frames`
drives it like the MP4 writer.

A transparent canvas (`background none` or `transparent` in the `video { }` block)
gives an alpha video where the format carries one (WebM: yuva420p, MOV: ProRes
4444, GIF: a transparent palette entry, PNG: RGBA). Skia draws premultiplied
pixels; they are un-premultiplied once here, since every alpha format stores
straight alpha.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import av
import numpy as np
import skia

from .encoder import AudioSource
from .format_writers import (  # noqa: F401 - the format table and writers, named here as before
    CHUNKED, FORMATS, GIF_DITHER, PRORES_PROFILE, VP9_QUALITY, X265_QUALITY, FormatError, FormatWriter,
    OutputFormat, _AudioTrack, _FrameSink, check_chunked, straight_alpha)
from .outputs import atomic_output, name_target, owned_temp_prefix, remove_stale


PNG_PATTERN = "frame_%04d.png"


def format_for(output: str | Path, requested: str | None = None) -> OutputFormat:
    """The format `--format` names, else the one the output's extension says."""
    if requested is not None:
        fmt = FORMATS.get(requested.lower())
        if fmt is None:
            raise FormatError(f"unknown format '{requested}'", f"use one of {', '.join(FORMATS)}")
        if fmt.name == "png":
            return _png_target(output)
        if not Path(output).suffix:
            return fmt
        if Path(output).suffix.lower() not in (fmt.suffixes or FORMATS["mp4"].suffixes):
            ends = "/".join(fmt.suffixes or FORMATS["mp4"].suffixes)
            raise FormatError(f"--format {fmt.name} writes {fmt.label}, but '{output}' ends in {Path(output).suffix}",
                              f"name the output with {ends}, or leave --format out")
        return fmt
    text = str(output)
    suffix = Path(text).suffix.lower()
    if not suffix or text.endswith(("/", os.sep)) or "%" in Path(text).name or suffix == ".png":
        return _png_target(text)  # a folder or a numbered pattern: a PNG sequence
    for fmt in FORMATS.values():
        if suffix in fmt.suffixes:
            return fmt
    known = sorted({s for f in FORMATS.values() for s in f.suffixes})
    raise FormatError(f"'{output}' ends in {suffix}, which is not an output format",
                      f"use {', '.join(known)}, a folder for PNG frames, or --format")


def _png_target(output: str | Path) -> OutputFormat:
    """PNG frames go into a folder or a numbered pattern, never over one PNG file."""
    name = Path(output).name
    if Path(output).suffix.lower() == ".png" and "%" not in name and not str(output).endswith(("/", os.sep)):
        raise FormatError(f"'{output}' names one picture, not a sequence of frames",
                          f"for every frame write a folder (frames/) or a pattern (frames/frame_%04d.png); "
                          f"for one frame: render still FILE --at 2s -o {name}")
    if "%" in name:
        try:
            name % 1
        except (TypeError, ValueError):
            raise FormatError(f"'{name}' is not a frame-number pattern",
                              "write one number field, such as frame_%04d.png") from None
    return FORMATS["png"]


def check_platform_format(platform, fmt: OutputFormat) -> None:
    """Every platform profile uploads H.264 MP4 (engine/publish/platforms.yaml)."""
    if platform is not None and fmt.name != "mp4":
        raise FormatError(f"{platform.label} takes an H.264 MP4; --platform cannot write {fmt.label}",
                          "render an .mp4 for the platform, or leave --platform out for this format")


def has_alpha(timeline) -> bool:
    """A transparent canvas: the video's background is not opaque."""
    return timeline.background[3] < 1.0


def render_output(timeline, output: str | Path, fmt: OutputFormat | None = None, *, quality: str = "standard",
                  start: float | None = None, end: float | None = None, on_progress=None, workers: int = 1,
                  cache=None, executor=None, **mp4) -> int:
    """Render `timeline` to `output` in `fmt` (default: from the extension); returns
    the frames written (for audio only: the frames the video would have). `workers`,
    `cache`, `executor`: a chunked render (engine/encode/chunks.py) for the formats
    that join by stream copy (`CHUNKED`); a FormatError for the others. `mp4`: the
    rest of `render_video`'s options, for H.264 MP4."""
    from .frames import frame_range, render_frames, soundtrack, write_caption_files
    from .render import render_video

    fmt = fmt or format_for(output)
    if fmt.name == "mp4":
        return render_video(timeline, output, quality=quality, start=start, end=end, on_progress=on_progress,
                            workers=workers, cache=cache, executor=executor, **mp4)
    frames = frame_range(timeline, start, end)
    if workers > 1 or cache is not None or executor is not None:
        check_chunked(fmt)
        _render_chunked(timeline, Path(output), fmt, frames, quality, workers, cache, executor, on_progress)
        if timeline.captions_mode != "off":
            write_caption_files(timeline, Path(output), frames.start / timeline.fps, frames.stop / timeline.fps)
        return len(frames)
    audio = soundtrack(timeline, frames.start / timeline.fps) if fmt.audio else None
    if fmt.video is None:
        write_audio_file(output, fmt, audio, len(frames) / timeline.fps)
        return len(frames)
    alpha = fmt.alpha and has_alpha(timeline)
    if fmt.name == "png":
        with png_sequence(output) as folder:
            with PngWriter(folder, timeline.width, timeline.height) as writer:
                render_frames(timeline, frames, writer, on_progress=on_progress)
        return len(frames)
    with atomic_output(output, Path(output).suffix or ".mp4") as tmp:
        with FormatWriter(tmp, fmt, timeline.width, timeline.height, timeline.fps, quality, audio, alpha) as writer:
            render_frames(timeline, frames, writer, on_progress=on_progress)
    if timeline.captions_mode != "off" and fmt.audio:  # OUT.srt and OUT.vtt beside it, as beside an MP4
        write_caption_files(timeline, Path(output), frames.start / timeline.fps, frames.stop / timeline.fps)
    return len(frames)


def write_audio_file(output: str | Path, fmt: OutputFormat, audio: AudioSource | None, seconds: float) -> None:
    """The soundtrack alone, `seconds` long (silence where there is none)."""
    from .encoder import Silence

    with atomic_output(output, Path(output).suffix) as tmp:
        with av.open(str(tmp), mode="w", format=fmt.container, options={"fflags": "+bitexact"}) as container:
            track = _AudioTrack(container, fmt.audio, audio or Silence())
            track.until(seconds, final=True)


def _render_chunked(timeline, output: Path, fmt: OutputFormat, frames: range, quality: str, workers: int, cache,
                    executor, on_progress) -> None:
    """H.265, WebM or MOV in chunks, as `render_video` renders an MP4 with workers or a
    cache: each chunk a fresh encoder of the format, the chunks joined by stream copy."""
    from .chunks import check_workers, render_chunked
    from .encoder import EncodeSettings

    check_workers(workers)
    settings = EncodeSettings(timeline.width, timeline.height, timeline.fps, quality, fmt.video,
                              audio=fmt.audio is not None, format=fmt.name,
                              alpha=fmt.alpha and has_alpha(timeline))
    render_chunked(timeline, output, frames, settings, workers=workers, cache=cache, on_progress=on_progress,
                   executor=executor)


# -- PNG sequences -------------------------------------------------------------------------


class PngWriter(_FrameSink):
    """Each frame as `folder/frame_0001.png` (straight RGBA; skia un-premultiplies)."""

    def __init__(self, folder: Path, width: int, height: int):
        super().__init__(width, height)
        self.folder = folder

    def _write(self, bgra: np.ndarray) -> None:
        self.frames_written += 1
        image = skia.Image.fromarray(bgra, colorType=skia.kBGRA_8888_ColorType, alphaType=skia.kPremul_AlphaType)
        data = image.encodeToData(skia.kPNG, 100)
        if data is None:
            raise OSError(f"cannot encode frame {self.frames_written} as PNG")
        (self.folder / (PNG_PATTERN % self.frames_written)).write_bytes(bytes(data))


class png_sequence:
    """`with png_sequence(output) as folder:` frames are written into a temporary
    folder beside the target, then moved into place as `PATTERN % n` (the output's
    own pattern, or `frame_%04d.png` inside the output folder); nothing is left on
    an error."""

    def __init__(self, output: str | Path):
        text = str(output)
        path = Path(text)
        if "%" in path.name:
            _png_target(path)
            self.folder, self.pattern = path.parent, path.name
        else:
            self.folder, self.pattern = path, PNG_PATTERN
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            remove_stale(self.folder, "frames")
            self.tmp = Path(tempfile.mkdtemp(prefix=owned_temp_prefix(self.folder / "frames"), suffix=".partial.png",
                                             dir=self.folder))
        except OSError as err:
            raise name_target(err, self.folder)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.tmp is not None
        try:
            if exc_type is None:
                for n, frame in enumerate(sorted(self.tmp.iterdir()), start=1):
                    os.replace(frame, self.folder / (self.pattern % n))
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
