"""Streaming H.264/AAC MP4 writer on PyAV.

The rasteriser draws straight into the encoder's own BGRA frames (`acquire`,
`submit`: no copy), a converter thread turns them into yuv420p and the encoder
thread encodes and muxes, so rasterising, converting and encoding overlap. At
each chunk start a fresh encoder takes over while the one it replaces drains
on a thread of its own. Audio comes from an `AudioSource` and is encoded in
step with the video so the muxer can interleave.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable, Protocol

import av
import numpy as np

log = logging.getLogger("storyreel.encoder")

AUDIO_RATE = 48_000
DEFAULT_AUDIO_KBPS = 192  # AAC-LC stereo; platform profiles may ask for more
# FFmpeg's AAC encoder replaces noise-like high bands (an "s" in speech) with
# generated noise of the same energy (perceptual noise substitution). The noise has
# its own phases, so the decoded peaks are not the mix's: a -1.8 dBTP mix came back
# at +0.2 dBTP. Without it the same mix decodes at -1.6 dBTP, under the -1 ceiling.
AAC_OPTIONS = {"aac_pns": "0"}


def add_aac_stream(container, bit_rate: int | None = None):
    """A stereo AAC-LC stream at AUDIO_RATE that keeps the mix's true peak (AAC_OPTIONS)."""
    stream = container.add_stream("aac", rate=AUDIO_RATE, layout="stereo", options=dict(AAC_OPTIONS))
    stream.time_base = Fraction(1, AUDIO_RATE)
    if bit_rate:
        stream.bit_rate = bit_rate
    return stream
AAC_FRAME = 1024

# Probed in this order by `--encoder auto`; each only opens where its hardware exists.
HARDWARE_ENCODERS = ("h264_nvenc", "h264_vaapi", "h264_qsv", "h264_videotoolbox")
SOFTWARE_ENCODER = "libx264"

# --quality -> (libx264 preset, CRF); hardware encoders get a comparable setting.
QUALITY = {
    "draft": ("ultrafast", 28),
    "standard": ("veryfast", 23),
    "high": ("slow", 18),
}


class EncoderError(RuntimeError):
    pass


class AudioSource(Protocol):
    def read(self, start_sample: int, count: int) -> np.ndarray:
        """Stereo float32 samples, shape (2, count), at 48 kHz."""


class Silence:
    def read(self, start_sample: int, count: int) -> np.ndarray:
        return np.zeros((2, count), dtype=np.float32)


def _can_open(name: str) -> bool:
    try:
        ctx = av.CodecContext.create(name, "w")
        ctx.width, ctx.height = 256, 256
        ctx.pix_fmt = "yuv420p" if name != "h264_vaapi" else "vaapi"
        ctx.time_base = Fraction(1, 30)
        ctx.open()
        return True
    except Exception:  # noqa: BLE001 - every failure means "not usable here"
        return False


_probe_cache: dict[str, bool] = {}


def encoder_available(name: str) -> bool:
    if name not in _probe_cache:
        _probe_cache[name] = _can_open(name)
    return _probe_cache[name]


def choose_encoder(requested: str = "auto") -> tuple[str, str]:
    """(codec name, a log line saying why)."""
    if requested != "auto":
        try:
            av.codec.Codec(requested, "w")
        except Exception:
            raise EncoderError(f"unknown encoder '{requested}'") from None
        if not encoder_available(requested):
            raise EncoderError(
                f"encoder '{requested}' cannot be opened on this machine (no hardware or driver for it); "
                f"use --encoder auto or --encoder {SOFTWARE_ENCODER}"
            )
        return requested, f"encoder: {requested} (requested)"
    for name in HARDWARE_ENCODERS:
        if encoder_available(name):
            return name, f"encoder: {name} (hardware)"
    return SOFTWARE_ENCODER, f"encoder: {SOFTWARE_ENCODER} (no hardware encoder here; tried {', '.join(HARDWARE_ENCODERS)})"


# x264's AVX-512 code makes its output depend on uninitialised memory (with mb-tree on,
# at widths that are not a multiple of 128, e.g. 1080x1920 or 320x180: the same frames
# encoded twice in one process came out different). Without it x264 is deterministic,
# which parallel chunks and the segment cache rely on, and no slower here.
_X264_BASE = "8x8dct=1:open-gop=0"
_x264_lock = threading.Lock()
_x264_params: str | None = None


def x264_params() -> str:
    """libx264's `x264-params`: High profile transforms, closed GOPs, and the CPU
    features x264 detects here less AVX-512 (asked once per process, from x264's log)."""
    global _x264_params
    with _x264_lock:
        if _x264_params is None:
            _x264_params = _X264_BASE + _cpu_option()
        return _x264_params


def _cpu_option() -> str:
    import av.logging

    previous = av.logging.get_level()
    try:
        av.logging.set_level(av.logging.INFO)
        with av.logging.Capture() as logs:
            ctx = av.CodecContext.create(SOFTWARE_ENCODER, "w")
            ctx.width, ctx.height, ctx.pix_fmt = 64, 64, "yuv420p"
            ctx.time_base = Fraction(1, 30)
            ctx.open()
            del ctx
    except Exception:  # noqa: BLE001 - no x264, or no log: keep x264's own choice
        return ""
    finally:
        av.logging.set_level(previous)
    for _level, name, message in logs:
        if name == "libx264" and "using cpu capabilities:" in message:
            caps = message.split(":", 1)[1].split()
            if "AVX512" not in caps:
                return ""
            kept = [c for c in caps if c != "AVX512"]
            return ":asm=" + ",".join(kept) if kept else ":asm=0"
    return ""


@dataclass(frozen=True)
class EncodeSettings:
    width: int
    height: int
    fps: float
    quality: str = "standard"
    encoder: str = SOFTWARE_ENCODER
    audio: bool = True
    # Platform profiles (engine/publish/platforms.py); None keeps the defaults above.
    gop: int | None = None  # keyframe interval in frames (default: 2 s)
    bframes: int | None = None  # consecutive B-frames
    maxrate: int | None = None  # video bit-rate ceiling, kbit/s (bufsize twice that)
    # kbit/s. FFmpeg's AAC encoder at its default 128 kbit/s overshot a mix held at
    # -2.3 dBTP by 1.7 dB (peaks over the -1 dBTP ceiling); at 192 it stayed within 0.15.
    audio_bitrate: int | None = DEFAULT_AUDIO_KBPS
    x264_params: str = ""  # appended to libx264's x264-params (applied after the preset)
    # Chapter markers written into the MP4: (title, start s, end s), on the output's clock.
    chapters: tuple[tuple[str, float, float], ...] = ()
    # Chunks of another format (engine/encode/format_writers.py CHUNKED: hevc, webm, mov),
    # written by its FormatWriter and joined by FormatJoiner; `alpha`: its alpha pixel format.
    format: str = "mp4"
    alpha: bool = False


def write_chapters(container, chapters) -> None:
    """MP4 chapter atoms, so players list the scenes."""
    if chapters:
        container.set_chapters([
            {"id": i + 1, "start": round(a * 1000), "end": round(b * 1000), "time_base": Fraction(1, 1000),
             "metadata": {"title": title}}
            for i, (title, a, b) in enumerate(chapters)
        ])


def _fps_fraction(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


_DONE = object()


class PooledFrame:
    """An `av.VideoFrame` (BGRA) and a numpy view of its pixels: the rasteriser
    draws straight into the frame the encoder will read, with no copy."""

    def __init__(self, width: int, height: int):
        self.frame = av.VideoFrame(width, height, "bgra")
        plane = self.frame.planes[0]
        # Rows may be padded past width * 4 (at widths that are not a multiple of 4,
        # 854 say); the view keeps the plane's own stride, and `flat`/`row_bytes` let a
        # surface be made over the padded rows (`raster.surface_over`).
        self.flat = np.frombuffer(plane, dtype=np.uint8)
        self.row_bytes = plane.line_size
        self.pixels = np.lib.stride_tricks.as_strided(
            self.flat, shape=(height, width, 4), strides=(plane.line_size, 4, 1), writeable=True)
        self.target = None  # the rasteriser's surface over `pixels`, made once
        self.dirty: tuple[int, int] | None = None  # rows changed since the previous frame (None: all)
        # What the rasteriser left in `pixels`: (its static prefix, the rows drawn over
        # that), or None; the next frame drawn here restores only those rows.
        self.drawn: tuple | None = None


POOL_SIZE = 7  # queue (4) + one being drawn + the last one sent (kept for repeats) + slack


def add_video_stream(container, s: "EncodeSettings"):
    """The video stream `s` asks for, configured but not opened. `VideoWriter` and
    `chunks.SegmentJoiner` both make theirs here, so a joined file's stream (its
    headers, its bit-rate box) is the one a single-process render writes."""
    rate = _fps_fraction(s.fps)
    stream = container.add_stream(s.encoder, rate=rate)
    stream.width, stream.height = s.width, s.height
    stream.pix_fmt = "yuv420p"
    stream.time_base = 1 / rate
    preset, crf = QUALITY[s.quality]
    ctx = stream.codec_context
    if s.encoder == SOFTWARE_ENCODER:
        # `profile` is only a ceiling for x264: ultrafast turns 8x8 transforms off and the
        # stream comes out Constrained Baseline. Forcing them keeps every quality High profile.
        stream.options = {"preset": preset, "crf": str(crf), "profile": "high", "x264-params": x264_params()}
        ctx.thread_type = "FRAME"  # 1.3x faster than PyAV's slice-thread default
    elif s.encoder.endswith("_nvenc"):
        stream.options = {"preset": "p4", "cq": str(crf), "profile": "high"}
    else:
        stream.options = {"profile": "high"}
    ctx.gop_size = s.gop or max(1, round(s.fps * 2))
    if s.bframes is not None or s.maxrate or s.x264_params:
        options = dict(stream.options)
        if s.bframes is not None:
            ctx.max_b_frames = s.bframes
            if s.encoder.endswith("_nvenc"):
                options["bf"] = str(s.bframes)
        if s.maxrate:
            options.update(maxrate=f"{s.maxrate}k", bufsize=f"{2 * s.maxrate}k")
        if s.x264_params and s.encoder == SOFTWARE_ENCODER:
            options["x264-params"] = f"{options['x264-params']}:{s.x264_params}"
        stream.options = options
    return stream


class VideoWriter:
    """`with VideoWriter(path, settings, audio) as w: …`.

    Either `slot = w.acquire(); draw into slot.pixels; w.submit(slot)` (zero
    copy), or `w.write(bgra_array)` (copies). On an exception inside the block
    the file is closed and left for the caller to delete (the render loop
    writes to a temporary name).
    """

    def __init__(self, path: str | Path, settings: EncodeSettings, audio: AudioSource | None = None, *,
                 restart_at: Iterable[int] = (), profile=None, convert: Converter | None = None):
        """`restart_at`: frame indices where a fresh encoder starts (an IDR frame, no
        state carried over), so the file holds exactly the frames a chunked render
        concatenates. `profile`: an `engine.encode.profile.Profile` to time the stages in.
        `convert`: BGRA frame -> yuv420p `av.VideoFrame` (default: swscale; the GPU
        path passes its own)."""
        self.path = str(path)
        self.settings = settings
        self.audio_source = audio or Silence()
        self.frames_written = 0
        self.restart_at = frozenset(restart_at)
        self.profile = profile
        self._convert = convert or SwscaleConverter()
        self._release = getattr(self._convert, "release", None)
        self._queue: queue.Queue = queue.Queue(maxsize=4)  # render -> converter
        self._converted: queue.Queue = queue.Queue(maxsize=2)  # converter -> encoder
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._converter: threading.Thread | None = None
        self._audio_samples = 0
        self._free: queue.Queue = queue.Queue()
        self._pooled = 0

    # -- lifecycle --------------------------------------------------------------

    def __enter__(self) -> "VideoWriter":
        s = self.settings
        self.container = av.open(self.path, mode="w", format="mp4", options={"movflags": "+faststart"})
        write_chapters(self.container, s.chapters)
        stream = add_video_stream(self.container, s)
        self.video = stream
        self.audio = None
        if s.audio:
            self.audio = add_aac_stream(self.container, (s.audio_bitrate or DEFAULT_AUDIO_KBPS) * 1000)
        # The codec options as set (x264 consumes them when the context opens): a
        # restarted encoder is configured from these.
        vctx = self.video.codec_context
        self._encoder_setup = {"options": dict(vctx.options), "gop_size": vctx.gop_size,
                               "max_b_frames": vctx.max_b_frames, "bit_rate": vctx.bit_rate,
                               "thread_type": vctx.thread_type, "thread_count": vctx.thread_count}
        # The stream's own encoder is opened only for the headers the file needs; every
        # chunk (the first one too) is encoded by a fresh encoder that is freed once
        # drained. x264 holds about 240 MB at 1080p once it runs, and the stream's
        # encoder would hold it until the file closes.
        vctx.open()
        self._thread = threading.Thread(target=self._run, name="storyreel-encoder", daemon=True)
        self._converter = threading.Thread(target=self._convert_run, name="storyreel-convert", daemon=True)
        self._thread.start()
        self._converter.start()
        return self

    def write(self, bgra: np.ndarray) -> None:
        """Queue one frame; copies `bgra`, so the caller may reuse its buffer."""
        self._raise_if_failed()
        frame = av.VideoFrame.from_ndarray(bgra, format="bgra")
        self._put(self._queue, frame, self._converter)

    def acquire(self) -> PooledFrame:
        """A frame to draw into; hand it back with `submit`."""
        self._raise_if_failed()
        try:
            return self._free.get_nowait()
        except queue.Empty:
            if self._pooled < POOL_SIZE:
                self._pooled += 1
                return PooledFrame(self.settings.width, self.settings.height)
        began = time.perf_counter()
        try:
            while True:
                try:
                    return self._free.get(timeout=0.2)
                except queue.Empty:
                    self._raise_if_failed()
                    if not self._alive():
                        raise EncoderError("the encoder stopped")
        finally:
            if self.profile is not None:
                self.profile.add("wait", time.perf_counter() - began)

    def submit(self, slot: PooledFrame, dirty: tuple[int, int] | None = None) -> None:
        """Queue a drawn frame. `dirty`: the rows [a, b) that may differ from the
        previous frame (the rasteriser's `dirty_rows`); only those are converted."""
        self._raise_if_failed()
        slot.dirty = dirty
        self._put(self._queue, slot, self._converter)

    def write_repeat(self) -> None:
        """Queue the previous frame again (nothing changed on screen)."""
        self._raise_if_failed()
        self._put(self._queue, None, self._converter)

    def abort(self) -> None:
        """Stop encoding: frames still queued are dropped (the closing `__exit__`
        then leaves an incomplete file for the caller to delete)."""
        self._abort = True

    def __exit__(self, exc_type, exc, tb) -> None:
        aborted = exc_type is not None or self._abort
        try:
            if aborted:
                self._abort = True
            self._put(self._queue, _DONE, self._converter)
            for thread in (self._converter, self._thread):
                if thread is not None:
                    thread.join()
        finally:
            try:
                self.container.close()
            except Exception:  # noqa: BLE001
                if not aborted:
                    raise
        if not aborted:
            self._raise_if_failed()

    # -- worker threads -----------------------------------------------------------------

    def _alive(self) -> bool:
        return all(t is None or t.is_alive() for t in (self._converter, self._thread))

    def _put(self, q: queue.Queue, item, consumer: threading.Thread | None) -> None:
        """Block until `q` takes `item`, unless its consumer has failed or stopped."""
        began = time.perf_counter()
        while True:
            try:
                q.put(item, timeout=0.2)
                break
            except queue.Full:
                if self._error is not None or (consumer is not None and not consumer.is_alive()):
                    return
        if self.profile is not None and q is self._queue:
            waited = time.perf_counter() - began
            if waited > 1e-4:
                self.profile.add("wait", waited)

    def _raise_if_failed(self) -> None:
        if isinstance(self._error, OSError):
            # Writing the file failed (a full disk): raised as is, so the caller can say which file.
            raise self._error
        if self._error is not None:
            raise EncoderError(f"encoding failed: {self._error}") from self._error

    _abort = False

    def _fail(self, exc: BaseException, inbox: queue.Queue) -> None:
        """Record the error and drain `inbox` so a blocked producer wakes up."""
        if self._error is None:
            self._error = exc
        while True:
            try:
                if inbox.get_nowait() is _DONE:
                    break
            except queue.Empty:
                break

    def _convert_run(self) -> None:
        """BGRA -> yuv420p on a thread of its own, off the render and encode paths
        (swscale releases the GIL). A pooled frame is free again once converted."""
        profile = self.profile
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    break
                if self._abort or self._error is not None:
                    continue
                if item is not None:
                    began = time.perf_counter()
                    converted = self._convert(item)
                    if profile is not None:
                        profile.add("convert", time.perf_counter() - began)
                    if isinstance(item, PooledFrame):
                        self._free.put(item)
                    item = converted
                self._put(self._converted, item, self._thread)
        except BaseException as exc:  # noqa: BLE001 - reported to the writing thread
            self._fail(exc, self._queue)
        finally:
            self._put(self._converted, _DONE, self._thread)

    def _run(self) -> None:
        """Encode and mux; a fresh encoder at each frame of `restart_at`.

        The encoder a restart replaces is drained on a thread of its own
        (`_Drain`) while the new one takes the next frames: x264 holds its
        lookahead and frame threads' worth of frames, and flushing them in line
        would leave the cores idle for up to a few hundred milliseconds per
        restart. The new encoder's packets wait until the old one's are muxed."""
        last = None
        encoder, base = None, 0  # None: no frame yet
        draining: _Drain | None = None
        held: list[tuple[list, int]] = []  # (packets, base) produced while `draining` runs
        try:
            while True:
                item = self._converted.get()
                if item is _DONE:
                    break
                if self._abort:
                    continue
                current = item if item is not None else last
                if current is None:
                    continue
                index = self.frames_written
                if encoder is None:
                    encoder = self._fresh_encoder()
                elif index in self.restart_at and index > base:
                    if draining is not None:  # a chunk shorter than a drain: finish that one first
                        draining = self._mux_drained(draining, held, wait=True)
                    draining = _Drain(encoder, base, self.profile)
                    encoder, base = self._fresh_encoder(), index
                current.pts = index - base
                packets = self._encode(encoder, current)
                if draining is not None:
                    held.append((packets, base))
                    draining = self._mux_drained(draining, held, wait=False)
                else:
                    self._mux_timed(packets, base)
                if last is not None and last is not current and self._release is not None:
                    self._release(last)  # encoded (x264 copied it) and no longer the one to repeat
                last = current
                self.frames_written += 1
                self._write_audio_until(self.frames_written / self.settings.fps)
            if not self._abort and self._error is None:
                if draining is not None:
                    draining = self._mux_drained(draining, held, wait=True)
                if encoder is not None:
                    self._mux_timed(self._encode(encoder, None), base)
                self._write_audio_until(self.frames_written / self.settings.fps, final=True)
        except BaseException as exc:  # noqa: BLE001 - reported to the writing thread
            self._fail(exc, self._converted)
        finally:
            if draining is not None:
                draining.join()  # never close the container under an encoder still flushing

    def _encode(self, encoder, frame) -> list:
        began = time.perf_counter()
        packets = encoder.encode(frame)
        if self.profile is not None:
            self.profile.add("encode", time.perf_counter() - began)
        return packets

    def _mux_timed(self, packets, base: int) -> None:
        began = time.perf_counter()
        self._mux_video(packets, base)
        if self.profile is not None:
            self.profile.add("mux", time.perf_counter() - began)

    def _mux_drained(self, draining: "_Drain", held: list, wait: bool) -> "_Drain | None":
        """Once `draining` is done (or after waiting for it), mux its packets, then
        the held ones, in encoding order; returns the drain still running, or None."""
        if not wait and not draining.done():
            return draining
        self._mux_timed(draining.join(), draining.base)
        for packets, base in held:
            self._mux_timed(packets, base)
        held.clear()
        return None

    _muxed = 0  # video packets muxed so far
    _delay: int | None = None  # the stream's reorder depth (B-frames): dts run `delay` frames behind

    def _mux_video(self, packets, base: int) -> None:
        """Mux, with dts renumbered `packet index - reorder depth` (in frames): x264
        gives a chunk of one or two frames no B-frame delay, and its dts would then
        collide with the next chunk's. Renumbering keeps dts strictly increasing, one
        frame apart, never after pts; for an unbroken stream it changes nothing."""
        for packet in packets:
            if self._delay is None:  # from the encoder's own first dts, or its stated depth
                depth = int(getattr(self.video.codec_context, "reorder_depth", 0) or 0)
                self._delay = max(depth, -(packet.dts or 0))
            packet.pts += base
            packet.stream = self.video
            packet.dts = self._muxed - self._delay
            self._muxed += 1
            if packet.pts is not None and packet.dts > packet.pts:
                raise EncoderError(f"the encoder's frame order needs more than {self._delay} frames of delay")
        self.container.mux(packets)

    def _fresh_encoder(self):
        """A new encoder configured exactly like the stream's: its packets continue
        the stream (same headers), and it starts with an IDR frame. Each chunk is
        encoded by one of these."""
        src, setup = self.video.codec_context, self._encoder_setup
        ctx = av.CodecContext.create(self.settings.encoder, "w")
        ctx.width, ctx.height, ctx.pix_fmt = src.width, src.height, src.pix_fmt
        ctx.time_base, ctx.framerate = src.time_base, src.framerate
        ctx.flags = src.flags
        ctx.gop_size, ctx.max_b_frames = setup["gop_size"], setup["max_b_frames"]
        if setup["bit_rate"]:
            ctx.bit_rate = setup["bit_rate"]
        ctx.thread_type, ctx.thread_count = setup["thread_type"], setup["thread_count"]
        ctx.options = dict(setup["options"])
        ctx.open()
        if bytes(ctx.extradata or b"") != bytes(src.extradata or b""):
            raise EncoderError("a restarted encoder wrote different stream headers; cannot continue the stream")
        return ctx

    def _write_audio_until(self, seconds: float, final: bool = False) -> None:
        if self.audio is None:
            return
        began = time.perf_counter()
        self._audio_samples = encode_audio_until(
            self.container, self.audio, self.audio_source, self._audio_samples, seconds, final)
        if self.profile is not None:
            self.profile.add("audio", time.perf_counter() - began)


class _Drain:
    """Flushes an encoder on a thread of its own and keeps its last packets
    (PyAV encodes without the GIL, so this overlaps the next encoder's work)."""

    def __init__(self, codec, base: int, profile=None):
        self.base = base
        self._codec, self._profile = codec, profile
        self._packets: list = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="storyreel-drain", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        began = time.perf_counter()
        try:
            self._packets = self._codec.encode(None)
        except BaseException as exc:  # noqa: BLE001 - raised again by join()
            self._error = exc
        if self._profile is not None:
            self._profile.add("drain", time.perf_counter() - began)

    def done(self) -> bool:
        return not self._thread.is_alive()

    def join(self) -> list:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._packets


def encode_audio_until(container, stream, source: AudioSource, written: int, seconds: float,
                       final: bool = False) -> int:
    """Encode `source` from sample `written` up to `seconds` into `stream` (AAC, whole
    1024-sample frames until `final`) and mux it; returns the samples written. The
    render loop and the chunk joiner both call this, so their audio is the same."""
    target = round(seconds * AUDIO_RATE)
    while written + (0 if final else AAC_FRAME) <= target and written < target:
        count = min(AAC_FRAME, target - written)
        samples = np.ascontiguousarray(source.read(written, count), dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
        frame.sample_rate = AUDIO_RATE
        frame.pts = written
        written += count
        container.mux(stream.encode(frame))
    if final:
        container.mux(stream.encode(None))
    return written


Converter = Callable[["PooledFrame | av.VideoFrame"], av.VideoFrame]


class SwscaleConverter:
    """BGRA -> yuv420p with swscale. When a pooled frame says which rows changed
    since the previous frame, the previous result is copied and only a band around
    those rows is converted (8 rows of context either side, so the chroma filter
    sees what it would in the whole frame: the band's rows come out exactly as a
    whole-frame conversion makes them). A mostly static frame then costs a copy."""

    PAD = 8
    WHOLE = 0.8  # a band over this share of the rows costs as much as converting the whole frame
    SPARES = 4  # frames kept for reuse; the rest are freed (a whole-frame conversion makes its own)
    # One swscale thread: the pipeline is CPU-bound (x264 fills the cores), and slice
    # threads only add their hand-offs to the CPU time. The output is the same.
    THREADS = 1

    def __init__(self) -> None:
        self.last: av.VideoFrame | None = None
        self._spare: queue.Queue = queue.Queue(maxsize=self.SPARES)  # frames the encoder is done with

    def release(self, frame: av.VideoFrame) -> None:
        """The encoder has encoded `frame` and will not repeat it: it may be reused."""
        try:
            self._spare.put_nowait(frame)
        except queue.Full:
            pass  # dropped: holding every released frame would grow with the video

    def __call__(self, item: "PooledFrame | av.VideoFrame") -> av.VideoFrame:
        rows = getattr(item, "dirty", None)
        if rows is None or self.last is None or not isinstance(item, PooledFrame):
            frame = item.frame if isinstance(item, PooledFrame) else item
            out = frame.reformat(format="yuv420p", threads=self.THREADS)
        else:
            out = self._update(item, rows)
        self.last = out
        return out

    def _update(self, slot: PooledFrame, rows: tuple[int, int]) -> av.VideoFrame:
        height = slot.pixels.shape[0]
        first, stop = max(0, rows[0]) // 2 * 2, min(height, rows[1] + 1) // 2 * 2
        if stop - first > self.WHOLE * height:  # the band would cost as much as the whole frame
            return slot.frame.reformat(format="yuv420p", threads=self.THREADS)
        try:
            out = self._spare.get_nowait()  # reused: no fresh memory to fault in
        except queue.Empty:
            out = av.VideoFrame(slot.frame.width, height, "yuv420p")
        for dst, src, scale in zip(out.planes, self.last.planes, (1, 2, 2)):
            a, b = first // scale, stop // scale  # rows [a, b) come from the band below
            _rows(dst)[:a] = _rows(src)[:a]
            _rows(dst)[b:] = _rows(src)[b:]
        if stop > first:
            lo = max(0, first - self.PAD)
            hi = min(height, stop + self.PAD + (stop + self.PAD) % 2)
            pixels = slot.pixels[lo:hi]
            # The band's rows are one block of the pooled frame unless rows are padded.
            band = (av.VideoFrame.from_numpy_buffer(pixels, format="bgra") if pixels.flags.c_contiguous
                    else av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="bgra"))
            converted = band.reformat(format="yuv420p", threads=self.THREADS)
            for plane, part, scale in zip(out.planes, converted.planes, (1, 2, 2)):
                a, b = first // scale, stop // scale
                _rows(plane)[a:b] = _rows(part)[a - lo // scale: b - lo // scale]
        return out


def _rows(plane) -> np.ndarray:
    """A plane's pixels as (height, width), without the row padding."""
    return np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[: plane.height, : plane.width]
