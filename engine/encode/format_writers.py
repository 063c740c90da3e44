"""The video formats' encoders and their table: what `formats.py` writes in one
pass and what chunked renders (`chunks.py`, `--workers`/`--cache`) write per
chunk and join.

`FORMATS` names every output format; `FormatWriter` encodes frames to H.265 MP4,
VP9 WebM, ProRes MOV or GIF; `FormatJoiner` concatenates video-only segments of
the first three by stream copy (each segment starts with a keyframe and a fresh
encoder, as the H.264 chunks do) and encodes the soundtrack into the output once.
GIF cannot be joined so (one palette for the whole video), nor PNG sequences and
audio files be sped up by it: they stay one pass (`CHUNKED`).

This module imports no other render module but the encoder's pieces, so the
chunked render (chunks.py) and the format dispatch (formats.py) both use it
without an import circle.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import skia

from .encoder import AUDIO_RATE, AudioSource, EncoderError, PooledFrame, add_aac_stream

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

    def abort(self) -> None:
        """Nothing queued to drop: each frame is encoded as it comes (a chunked render's
        `FinishingSegment.abort` calls this; the file is closed by `__exit__`)."""

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


# -- chunked renders ---------------------------------------------------------------------

# Formats whose chunks join by stream copy: every chunk's encoder starts afresh with a
# keyframe, and the joined file decodes to the frames a one-pass render shows (ProRes is
# intra-only: the same frames; VP9 and x265 restart their rate control at each chunk).
CHUNKED = ("mp4", "hevc", "webm", "mov")


def check_chunked(fmt: OutputFormat) -> None:
    if fmt.name not in CHUNKED:
        why = ("one palette is made from every frame" if fmt.name == "gif"
               else "its frames are written as they come" if fmt.name == "png" else "it is audio only")
        raise FormatError(f"--workers and --cache apply to MP4, H.265, WebM and MOV; {fmt.label} is written in one "
                          "pass", f"{why}: leave --workers and --cache out for this format")


class StreamCopyJoin:
    """What a joiner of segments checks before copying one (chunks.SegmentJoiner,
    FormatJoiner): it follows the frames joined so far, and its codec headers are the
    first segment's (else its packets cannot share the output's stream)."""

    first_frame = 0  # the output's frame 0 is this frame of the timeline
    video = None
    _frames = 0  # frames joined so far
    _extradata: bytes | None = None

    def _open_streams(self, template) -> None:
        raise NotImplementedError

    @contextmanager
    def _segment(self, path: Path, chunk):
        """`with self._segment(path, chunk) as (source, stream, offset):` the segment
        opened, checked, and where its first frame goes in the output."""
        offset = chunk.first - self.first_frame
        if offset != self._frames:
            raise EncoderError(f"segment for {chunk.describe()} does not follow the previous one")
        with av.open(str(path)) as source:
            stream = source.streams.video[0]
            if self.video is None:
                self._open_streams(stream)
            elif bytes(stream.codec_context.extradata or b"") != self._extradata:
                raise EncoderError(f"segment for {chunk.describe()} was encoded with other settings; "
                                   "cannot join it by stream copy")
            yield source, stream, offset


class FormatJoiner(StreamCopyJoin):
    """`chunks.SegmentJoiner`'s counterpart for H.265 MP4, VP9 WebM and ProRes MOV:
    the video-only segments copied in order (timestamps moved by whole frames, so
    they are the ones a one-pass render writes), the soundtrack encoded into the
    output as the video advances."""

    def __init__(self, path: str | Path, settings, audio: AudioSource | None, first_frame: int = 0, profile=None):
        self.path, self.fmt = str(path), FORMATS[settings.format]
        self.audio_source = audio
        self.first_frame = first_frame
        self.profile = profile
        self.fps = settings.fps
        self.rate = Fraction(settings.fps).limit_denominator(1001)
        self.audio: _AudioTrack | None = None

    def __enter__(self) -> "FormatJoiner":
        self.container = av.open(self.path, mode="w", format=self.fmt.container, options={"fflags": "+bitexact"})
        return self

    def _open_streams(self, template) -> None:
        self._extradata = bytes(template.codec_context.extradata or b"")  # every segment's must match
        self.video = self.container.add_stream_from_template(template)
        self.video.time_base = template.time_base
        self.video.metadata.update(template.metadata)  # a WebM's alpha_mode: its alpha plane is kept
        if self.fmt.name == "hevc":
            self.video.codec_tag = "hvc1"  # what QuickTime and Safari play, as the one-pass writer tags it
        if self.fmt.audio and self.audio_source is not None:
            self.audio = _AudioTrack(self.container, self.fmt.audio, self.audio_source)

    def add(self, segment: Path, chunk) -> None:
        began, count = time.perf_counter(), 0
        with self._segment(segment, chunk) as (source, stream, offset):
            tb = stream.time_base
            frame_ticks = 1 / self.rate / tb  # one frame, in the segment's time base

            def moved(ts: int) -> int:
                # Whole frames: a WebM's millisecond clock rounds each frame's time, and the
                # joined one must round the output's frame number, not the segment's.
                return round((round(ts / frame_ticks) + offset) * frame_ticks)

            for packet in source.demux(stream):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                shown = round(packet.pts / frame_ticks)
                packet.pts, packet.dts = moved(packet.pts), moved(packet.dts)
                packet.stream = self.video
                self.container.mux(packet)
                count += 1
                if self.audio is not None:
                    self.audio.until((offset + min(chunk.frames, shown + 1)) / self.fps)
        if count != chunk.frames:
            raise EncoderError(f"segment for {chunk.describe()} holds {count} frames, expected {chunk.frames}")
        self._frames += chunk.frames
        if self.profile is not None:
            self.profile.add("concat", time.perf_counter() - began)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None and self.audio is not None:
                self.audio.until(self._frames / self.fps, final=True)
        finally:
            self.container.close()
