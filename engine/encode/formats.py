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
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import skia

from .encoder import AUDIO_RATE, QUALITY, AudioSource, PooledFrame, add_aac_stream
from .outputs import atomic_output, name_target, owned_temp_prefix, remove_stale


class FormatError(ValueError):
    """An output format that cannot be written as asked: `message`, `hint`."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message, hint)
        self.message, self.hint = message, hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


@dataclass(frozen=True)
class OutputFormat:
    name: str
    label: str  # what the README's table and errors call it
    suffixes: tuple[str, ...]
    container: str | None = None  # PyAV's muxer name
    video: str | None = None  # video codec (None: audio only)
    pix_fmt: str | None = None
    alpha_pix_fmt: str | None = None  # None: the format has no alpha
    audio: str | None = None  # audio codec (None: silent format)
    options: dict = field(default_factory=dict)  # video codec options (see `_video_options`)

    @property
    def alpha(self) -> bool:
        return self.alpha_pix_fmt is not None


FORMATS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("mp4", "MP4 (H.264 + AAC)", (".mp4",), "mp4", "libx264", "yuv420p", None, "aac"),
    OutputFormat("hevc", "MP4 (H.265 + AAC)", (), "mp4", "libx265", "yuv420p", None, "aac"),
    OutputFormat("webm", "WebM (VP9 + Opus)", (".webm",), "webm", "libvpx-vp9", "yuv420p", "yuva420p", "libopus"),
    OutputFormat("mov", "MOV (ProRes 422 HQ, 4444 with alpha; PCM)", (".mov",), "mov", "prores",
                 "yuv422p10le", "yuva444p10le", "pcm_s16le"),
    OutputFormat("gif", "animated GIF (one palette per video, dithered)", (".gif",), "gif", "gif", "pal8", "pal8"),
    OutputFormat("png", "PNG sequence (a folder, or frame_%04d.png)", (), None, "png", "rgba", "rgba"),
    OutputFormat("wav", "WAV (16-bit PCM), audio only", (".wav",), "wav", None, audio="pcm_s16le"),
    OutputFormat("m4a", "M4A (AAC), audio only", (".m4a",), "ipod", None, audio="aac"),
)}

# --quality -> VP9 (deadline, cpu-used, crf), ProRes 422 profile, x265 (preset, crf).
VP9_QUALITY = {"draft": ("realtime", 8, 40), "standard": ("good", 5, 32), "high": ("good", 2, 24)}
PRORES_PROFILE = {"draft": "1", "standard": "3", "high": "3"}  # 1 LT, 3 HQ (4 is 4444, taken for alpha)
X265_QUALITY = {"draft": ("ultrafast", 30), "standard": ("veryfast", 26), "high": ("slow", 21)}
GIF_DITHER = "sierra2_4a"  # error diffusion; `bayer` makes smaller files, coarser gradients

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
                  start: float | None = None, end: float | None = None, on_progress=None, **mp4) -> int:
    """Render `timeline` to `output` in `fmt` (default: from the extension); returns
    the frames written (for audio only: the frames the video would have). `mp4`:
    the rest of `render_video`'s options, for H.264 MP4."""
    from .frames import frame_range, render_frames, soundtrack, write_caption_files
    from .render import render_video

    fmt = fmt or format_for(output)
    if fmt.name == "mp4":
        return render_video(timeline, output, quality=quality, start=start, end=end, on_progress=on_progress, **mp4)
    frames = frame_range(timeline, start, end)
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


# -- video formats -----------------------------------------------------------------------


def straight_alpha(bgra: np.ndarray) -> np.ndarray:
    """Premultiplied BGRA -> straight (un-premultiplied) BGRA, a new array. Skia's
    conversion: 12x faster than numpy at 720p, and the same bytes."""
    h, w = bgra.shape[:2]
    image = skia.Image.fromarray(np.ascontiguousarray(bgra), colorType=skia.kBGRA_8888_ColorType,
                                 alphaType=skia.kPremul_AlphaType)
    out = np.empty((h, w, 4), np.uint8)
    if not image.readPixels(skia.ImageInfo.Make(w, h, skia.kBGRA_8888_ColorType, skia.kUnpremul_AlphaType),
                            out, w * 4, 0, 0):
        raise FormatError("cannot un-premultiply a frame")
    return out


class _FrameSink:
    """The writer interface `render_frames` drives: one pooled frame drawn into,
    handed over with `submit`, or the previous one repeated."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self._slot: PooledFrame | None = None
        self._last: np.ndarray | None = None
        self.frames_written = 0

    def acquire(self) -> PooledFrame:
        if self._slot is None:
            self._slot = PooledFrame(self.width, self.height)
        return self._slot

    def submit(self, slot: PooledFrame, dirty=None) -> None:
        self._last = np.ascontiguousarray(slot.pixels)
        self._write(self._last)

    def write(self, bgra: np.ndarray) -> None:
        self._last = np.ascontiguousarray(bgra)
        self._write(self._last)

    def write_repeat(self) -> None:
        self._write(self._last)

    def _write(self, bgra: np.ndarray) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class FormatWriter(_FrameSink):
    """WebM, MOV, H.265 MP4 and GIF: encode each frame as it comes, the audio in step."""

    def __init__(self, path: str | Path, fmt: OutputFormat, width: int, height: int, fps: float,
                 quality: str = "standard", audio: AudioSource | None = None, alpha: bool = False):
        super().__init__(width, height)
        self.path, self.fmt, self.fps, self.quality = str(path), fmt, fps, quality
        self.alpha = alpha
        self.audio_source = audio
        self._graph = None

    def __enter__(self) -> "FormatWriter":
        fmt = self.fmt
        # bitexact: no encoder version string or random segment id, so the same input
        # gives the same bytes.
        self.container = av.open(self.path, mode="w", format=fmt.container, options={"fflags": "+bitexact"})
        rate = Fraction(self.fps).limit_denominator(1001)
        if fmt.name == "gif":
            rate = Fraction(round(self.fps * 100), 100)
        stream = self.container.add_stream(fmt.video, rate=rate)
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = fmt.alpha_pix_fmt if self.alpha else fmt.pix_fmt
        stream.time_base = self.frame_time_base = 1 / rate
        stream.options = _video_options(fmt, self.quality, self.alpha)
        if fmt.name == "mov":
            stream.codec_context.thread_type = "FRAME"  # intra-only: the same bytes, both cores
        if fmt.name == "hevc":
            stream.codec_tag = "hvc1"  # what QuickTime and Safari play
        self.video = stream
        self.audio = None
        if fmt.audio and self.audio_source is not None:
            self.audio = _AudioTrack(self.container, fmt.audio, self.audio_source)
        if fmt.name == "gif":
            self._graph = _PaletteGraph(self.width, self.height, rate, self.alpha)
        return self

    def _write(self, bgra: np.ndarray) -> None:
        pixels = straight_alpha(bgra) if self.alpha else bgra
        frame = av.VideoFrame.from_ndarray(pixels, format="bgra")
        frame.pts = self.frames_written
        frame.time_base = self.frame_time_base  # not the stream's: the muxer changes that once it starts
        self.frames_written += 1
        if self._graph is not None:
            for out in self._graph.push(frame):
                self._encode(out)
            return
        self._encode(frame.reformat(format=self.video.pix_fmt))
        if self.audio is not None:
            self.audio.until(self.frames_written / self.fps)

    def _encode(self, frame) -> None:
        self.container.mux(self.video.encode(frame))

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                if self._graph is not None:
                    for out in self._graph.push(None):
                        self._encode(out)
                self.container.mux(self.video.encode(None))
                if self.audio is not None:
                    self.audio.until(self.frames_written / self.fps, final=True)
        finally:
            self.container.close()


def _video_options(fmt: OutputFormat, quality: str, alpha: bool) -> dict:
    if fmt.name == "webm":
        deadline, cpu, crf = VP9_QUALITY[quality]
        # One thread: libvpx's row threads make the bytes depend on timing.
        options = {"deadline": deadline, "cpu-used": str(cpu), "crf": str(crf), "b": "0", "row-mt": "0",
                   "threads": "1", "lag-in-frames": "0" if deadline == "realtime" else "16"}
        if alpha:
            options["auto-alt-ref"] = "0"  # libvpx refuses alt-ref frames with an alpha plane
        return options
    if fmt.name == "mov":
        return {"profile": "4" if alpha else PRORES_PROFILE[quality], "vendor": "apl0"}
    if fmt.name == "hevc":
        preset, crf = X265_QUALITY[quality]
        return {"preset": preset, "crf": str(crf), "x265-params": "log-level=error"}
    return {}


class _PaletteGraph:
    """One palette for the whole video (palettegen sees every frame first), then each
    frame mapped to it with error-diffusion dithering (paletteuse). The graph holds
    the frames until the palette exists: a GIF is short and small."""

    def __init__(self, width: int, height: int, rate: Fraction, alpha: bool):
        graph = av.filter.Graph()
        source = graph.add_buffer(width=width, height=height, format="bgra", time_base=1 / rate)
        split = graph.add("split")
        palette = graph.add("palettegen", "stats_mode=full:reserve_transparent=" + ("1" if alpha else "0"))
        use = graph.add("paletteuse", f"dither={GIF_DITHER}:alpha_threshold=128")
        sink = graph.add("buffersink")
        source.link_to(split)
        split.link_to(palette, 0, 0)
        split.link_to(use, 1, 0)
        palette.link_to(use, 0, 1)
        use.link_to(sink)
        graph.configure()
        self.graph, self.source, self.sink = graph, source, sink

    def push(self, frame) -> list:
        self.source.push(frame)
        out = []
        while True:
            try:
                out.append(self.sink.pull())
            except (av.BlockingIOError, av.EOFError):
                return out


class _AudioTrack:
    """Stereo float mix -> the stream's codec, whole codec frames, in step with video."""

    def __init__(self, container, codec: str, source: AudioSource):
        if codec == "aac":
            self.stream = add_aac_stream(container, 160_000)
        else:
            self.stream = container.add_stream(codec, rate=AUDIO_RATE, layout="stereo")
            self.stream.time_base = Fraction(1, AUDIO_RATE)
            if codec == "libopus":
                self.stream.bit_rate = 160_000
        self.source, self.container, self.written = source, container, 0

    def until(self, seconds: float, final: bool = False) -> None:
        ctx = self.stream.codec_context
        size = ctx.frame_size or 1024
        target = round(seconds * AUDIO_RATE)
        while self.written < target and (final or self.written + size <= target):
            count = min(size, target - self.written)
            samples = np.asarray(self.source.read(self.written, count), dtype=np.float32)
            frame = _audio_frame(samples, ctx.format.name)
            frame.sample_rate = AUDIO_RATE
            frame.pts = self.written
            self.written += count
            self.container.mux(self.stream.encode(frame))
        if final:
            self.container.mux(self.stream.encode(None))


def _audio_frame(samples: np.ndarray, sample_format: str) -> av.AudioFrame:
    """(2, n) float32 -> an AudioFrame in `sample_format` (fltp, flt or s16)."""
    if sample_format == "fltp":
        return av.AudioFrame.from_ndarray(np.ascontiguousarray(samples), format="fltp", layout="stereo")
    interleaved = np.ascontiguousarray(samples.T).reshape(1, -1)
    if sample_format == "flt":
        return av.AudioFrame.from_ndarray(interleaved, format="flt", layout="stereo")
    if sample_format == "s16":
        pcm = np.clip(np.round(interleaved * 32767.0), -32768, 32767).astype(np.int16)
        return av.AudioFrame.from_ndarray(pcm, format="s16", layout="stereo")
    raise FormatError(f"no conversion to the audio sample format {sample_format}")


def write_audio_file(output: str | Path, fmt: OutputFormat, audio: AudioSource | None, seconds: float) -> None:
    """The soundtrack alone, `seconds` long (silence where there is none)."""
    from .encoder import Silence

    with atomic_output(output, Path(output).suffix) as tmp:
        with av.open(str(tmp), mode="w", format=fmt.container, options={"fflags": "+bitexact"}) as container:
            track = _AudioTrack(container, fmt.audio, audio or Silence())
            track.until(seconds, final=True)


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
