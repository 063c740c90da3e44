"""Streaming H.264/AAC MP4 writer on PyAV.

Frames go straight from the rasteriser's buffer into the encoder: the calling
thread copies the BGRA buffer into an `av.VideoFrame` (so the buffer can be
drawn again at once) and a worker thread converts and encodes, so rasterising
and encoding overlap. Audio comes from an `AudioSource` and is encoded in step
with the video so the muxer can interleave.
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import numpy as np

log = logging.getLogger("storyreel.encoder")

AUDIO_RATE = 48_000
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


@dataclass(frozen=True)
class EncodeSettings:
    width: int
    height: int
    fps: float
    quality: str = "standard"
    encoder: str = SOFTWARE_ENCODER
    audio: bool = True


def _fps_fraction(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


_DONE = object()


class PooledFrame:
    """An `av.VideoFrame` (BGRA) and a numpy view of its pixels: the rasteriser
    draws straight into the frame the encoder will read, with no copy."""

    def __init__(self, width: int, height: int):
        self.frame = av.VideoFrame(width, height, "bgra")
        plane = self.frame.planes[0]
        flat = np.frombuffer(plane, dtype=np.uint8)
        # Rows may be padded past width * 4; the view keeps the plane's own stride.
        self.pixels = np.lib.stride_tricks.as_strided(
            flat, shape=(height, width, 4), strides=(plane.line_size, 4, 1), writeable=True)
        self.target = None  # the rasteriser's surface over `pixels`, made once


POOL_SIZE = 7  # queue (4) + one being drawn + the last one sent (kept for repeats) + slack


class VideoWriter:
    """`with VideoWriter(path, settings, audio) as w: …`.

    Either `slot = w.acquire(); draw into slot.pixels; w.submit(slot)` (zero
    copy), or `w.write(bgra_array)` (copies). On an exception inside the block
    the file is closed and left for the caller to delete (the render loop
    writes to a temporary name).
    """

    def __init__(self, path: str | Path, settings: EncodeSettings, audio: AudioSource | None = None):
        self.path = str(path)
        self.settings = settings
        self.audio_source = audio or Silence()
        self.frames_written = 0
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._audio_samples = 0
        self._free: queue.Queue = queue.Queue()
        self._pooled = 0

    # -- lifecycle --------------------------------------------------------------

    def __enter__(self) -> "VideoWriter":
        s = self.settings
        self.container = av.open(self.path, mode="w", format="mp4", options={"movflags": "+faststart"})
        rate = _fps_fraction(s.fps)
        stream = self.container.add_stream(s.encoder, rate=rate)
        stream.width, stream.height = s.width, s.height
        stream.pix_fmt = "yuv420p"
        stream.time_base = 1 / rate
        preset, crf = QUALITY[s.quality]
        ctx = stream.codec_context
        if s.encoder == SOFTWARE_ENCODER:
            # `profile` is only a ceiling for x264: ultrafast turns 8x8 transforms off and the
            # stream comes out Constrained Baseline. Forcing them keeps every quality High profile.
            stream.options = {"preset": preset, "crf": str(crf), "profile": "high", "x264-params": "8x8dct=1"}
            ctx.thread_type = "FRAME"  # 1.3x faster than PyAV's slice-thread default
        elif s.encoder.endswith("_nvenc"):
            stream.options = {"preset": "p4", "cq": str(crf), "profile": "high"}
        else:
            stream.options = {"profile": "high"}
        ctx.gop_size = max(1, round(s.fps * 2))
        self.video = stream
        self.audio = None
        if s.audio:
            self.audio = self.container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            self.audio.time_base = Fraction(1, AUDIO_RATE)
        self._thread = threading.Thread(target=self._run, name="storyreel-encoder", daemon=True)
        self._thread.start()
        return self

    def write(self, bgra: np.ndarray) -> None:
        """Queue one frame; copies `bgra`, so the caller may reuse its buffer."""
        self._raise_if_failed()
        frame = av.VideoFrame.from_ndarray(bgra, format="bgra")
        self._put(frame)

    def acquire(self) -> PooledFrame:
        """A frame to draw into; hand it back with `submit`."""
        self._raise_if_failed()
        try:
            return self._free.get_nowait()
        except queue.Empty:
            if self._pooled < POOL_SIZE:
                self._pooled += 1
                return PooledFrame(self.settings.width, self.settings.height)
        while True:
            try:
                return self._free.get(timeout=0.2)
            except queue.Empty:
                self._raise_if_failed()
                if self._thread is not None and not self._thread.is_alive():
                    raise EncoderError("the encoder stopped")

    def submit(self, slot: PooledFrame) -> None:
        self._raise_if_failed()
        self._put(slot)

    def write_repeat(self) -> None:
        """Queue the previous frame again (nothing changed on screen)."""
        self._raise_if_failed()
        self._put(None)

    def __exit__(self, exc_type, exc, tb) -> None:
        aborted = exc_type is not None
        try:
            self._put(_DONE, abort=aborted)
            if self._thread is not None:
                self._thread.join()
        finally:
            try:
                self.container.close()
            except Exception:  # noqa: BLE001
                if not aborted:
                    raise
        if not aborted:
            self._raise_if_failed()

    # -- worker ---------------------------------------------------------------------

    def _put(self, item, abort: bool = False) -> None:
        if abort:
            self._abort = True
        while True:
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                if self._error is not None or (self._thread is not None and not self._thread.is_alive()):
                    return

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise EncoderError(f"encoding failed: {self._error}") from self._error

    _abort = False

    def _run(self) -> None:
        last = None
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    break
                if self._abort:
                    continue
                current = item if item is not None else last
                if current is None:
                    continue
                frame = current.frame if isinstance(current, PooledFrame) else current
                frame.pts = self.frames_written
                self.container.mux(self.video.encode(frame))  # converts to yuv420p: the frame is free after
                if current is not last and isinstance(last, PooledFrame):
                    self._free.put(last)
                last = current
                self.frames_written += 1
                self._write_audio_until(self.frames_written / self.settings.fps)
            if not self._abort:
                self.container.mux(self.video.encode(None))
                self._write_audio_until(self.frames_written / self.settings.fps, final=True)
        except BaseException as exc:  # noqa: BLE001 - reported to the writing thread
            self._error = exc
            # Drain so a blocked producer wakes up.
            while True:
                try:
                    if self._queue.get_nowait() is _DONE:
                        break
                except queue.Empty:
                    break

    def _write_audio_until(self, seconds: float, final: bool = False) -> None:
        if self.audio is None:
            return
        target = round(seconds * AUDIO_RATE)
        while self._audio_samples + (0 if final else AAC_FRAME) <= target and self._audio_samples < target:
            count = min(AAC_FRAME, target - self._audio_samples)
            samples = np.ascontiguousarray(self.audio_source.read(self._audio_samples, count), dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
            frame.sample_rate = AUDIO_RATE
            frame.pts = self._audio_samples
            self._audio_samples += count
            self.container.mux(self.audio.encode(frame))
        if final:
            self.container.mux(self.audio.encode(None))
