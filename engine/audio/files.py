"""Audio files (MP3, WAV, OGG, FLAC, M4A, ... whatever FFmpeg reads) decoded with PyAV
to (2, n) float32 at 48 kHz."""
from __future__ import annotations

import os
import struct
from functools import lru_cache
from pathlib import Path

import av
import numpy as np

from .errors import AudioError
from .synth import RATE

AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".webm", ".mp4")

# Checked from the header, before decoding: a WAV that says 1 Hz is resampled
# to 48 kHz and 100 bytes of it become gigabytes. 8 kHz (telephone) to 192 kHz
# (studio masters) covers every real file; 8 channels is 7.1.
MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 192_000
MAX_CHANNELS = 8
# How much shorter than its header a file may decode before it counts as truncated:
# encoder delay, priming and padding are a few thousand samples at most.
TRUNCATION_TOLERANCE = 0.1


def _trim_bounds(trim_start: float, trim_end: float | None, path: str) -> tuple[int, int | None]:
    if trim_start < 0 or (trim_end is not None and trim_end <= trim_start):
        raise AudioError(f"bad trim {trim_start:g}..{trim_end} for audio file '{path}'",
                         "the trim start must be >= 0 and before its end")
    return int(round(trim_start * RATE)), None if trim_end is None else int(round(trim_end * RATE))


def decode_audio(path: str | os.PathLike, trim_start: float = 0.0, trim_end: float | None = None,
                 keep_mono: bool = False) -> np.ndarray:
    """Decode the first audio stream of `path` to (2, n) float32 at 48 kHz.

    Mono is copied to both channels at its own level; more channels are
    downmixed by FFmpeg's resampler. `trim_start`/`trim_end` (seconds in the file) cut the result.
    Raises AudioError naming the file when it is missing, unreadable, has no
    audio stream or decodes to nothing.
    """
    path = str(path)
    start, end = _trim_bounds(trim_start, trim_end, path)
    p = Path(path)
    if not p.exists():
        raise AudioError(f"audio file '{path}' not found", "check the path (relative paths start at the scene file)")
    if p.is_dir():
        raise AudioError(f"audio file '{path}' is a folder, not a file")
    try:
        container = av.open(path, mode="r")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise AudioError(f"cannot read audio file '{path}': {_reason(exc)}",
                         "use an MP3, WAV, OGG, FLAC or M4A file") from None
    try:
        streams = container.streams.audio
        if not streams:
            raise AudioError(f"'{path}' has no audio stream", "use an MP3, WAV, OGG, FLAC or M4A file")
        stream = streams[0]
        _check_header(path, stream)
        stream.thread_type = "AUTO"
        mono = stream.codec_context.channels == 1
        # Mono is resampled as mono and copied to both channels at full level (FFmpeg's
        # own mono -> stereo upmix would lower it by 3 dB); more channels downmix to stereo.
        resampler = av.AudioResampler(format="fltp", layout="mono" if mono else "stereo", rate=RATE)
        chunks: list[np.ndarray] = []
        have = 0
        try:
            stopped_early = False
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
                    have += out.samples
                if end is not None and have >= end:
                    stopped_early = True
                    break
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
                have += out.samples
        except (av.error.FFmpegError, ValueError) as exc:
            raise AudioError(f"cannot decode audio file '{path}': {_reason(exc)}",
                             "the file may be damaged; try re-exporting it") from None
        if not stopped_early:
            declared = _declared_seconds(path, container, stream)
            if declared is not None and have / RATE < declared * 0.99 - TRUNCATION_TOLERANCE:
                raise AudioError(f"audio file '{path}' is truncated: its header says {declared:.2f}s "
                                 f"but only {have / RATE:.2f}s could be decoded",
                                 "the file is damaged or was not completely copied; re-export it")
    finally:
        container.close()
    if not chunks:
        raise AudioError(f"audio file '{path}' contains no audio samples")
    samples = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
    samples = samples[:, start:end]
    if samples.shape[0] == 1 and not keep_mono:
        samples = np.repeat(samples, 2, axis=0)
    if samples.shape[1] == 0:
        raise AudioError(f"audio file '{path}' has no samples in the trimmed range",
                         "the trim start is past the end of the file")
    return np.ascontiguousarray(samples)


def _check_header(path: str, stream) -> None:
    """Refuse what the header says before a sample is decoded: no decoder, or a
    sample rate or channel count no real recording has. A WAV whose data chunk
    is longer than the file is truncated (FFmpeg would quietly play the rest)."""
    ctx = stream.codec_context
    if ctx is None:
        raise AudioError(f"audio file '{path}' uses a codec FFmpeg cannot decode",
                         "use an MP3, WAV, OGG, FLAC or M4A file")
    rate, channels = ctx.sample_rate, ctx.channels
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise AudioError(f"audio file '{path}' says its sample rate is {rate} Hz",
                         f"sample rates from {MIN_SAMPLE_RATE // 1000} to {MAX_SAMPLE_RATE // 1000} kHz work; "
                         "the file is damaged or not really audio")
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioError(f"audio file '{path}' says it has {channels} channels",
                         f"1 to {MAX_CHANNELS} channels work: mono, stereo, up to 7.1")
    short = _wav_data_shortfall(path)
    if short is not None:
        declared, present = short
        raise AudioError(f"audio file '{path}' is truncated: its header promises {declared} bytes of samples "
                         f"but the file holds {present}",
                         "the file is damaged or was not completely copied; re-export it")


def _wav_data_shortfall(path: str) -> tuple[int, int] | None:
    """(declared, present) bytes of a RIFF WAVE file's data chunk when the file
    ends before it does; None for other files and for complete ones."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            size = os.fstat(f.fileno()).st_size
            pos = 12
            for _ in range(64):  # a WAV has a handful of chunks; never walk a damaged one forever
                f.seek(pos)
                header = f.read(8)
                if len(header) < 8:
                    return None
                kind, length = header[:4], struct.unpack("<I", header[4:])[0]
                if kind == b"data":
                    if length in (0, 0xFFFFFFFF):
                        return None  # a streaming writer leaves the size unset
                    present = size - pos - 8
                    # A few bytes short is a writer's rounding, not a lost recording.
                    return (length, present) if present < length - 4096 else None
                pos += 8 + length + (length & 1)
    except OSError:
        return None
    return None


def _declared_seconds(path: str, container, stream) -> float | None:
    """The length the file's header states exactly, where it states one: FLAC's
    STREAMINFO, an MP4/M4A sample table, an MP3's Xing/Info frame count. Other
    lengths (an MP3 without one, OGG) are estimated from the file's size and
    would shrink with it, so they prove nothing."""
    if stream.duration is None or stream.time_base is None:
        return None
    name = container.format.name
    exact = "flac" in name or "mov" in name or "mp4" in name or (name == "mp3" and _has_xing_frame(path))
    if not exact:
        return None
    return float(stream.duration * stream.time_base)


def _has_xing_frame(path: str) -> bool:
    """Whether an MP3 starts with a Xing/Info frame (LAME writes one, with the frame count)."""
    try:
        with open(path, "rb") as f:
            head = f.read(10)
            skip = 0
            if head[:3] == b"ID3" and len(head) == 10:  # ID3v2: a syncsafe size, then the first frame
                skip = 10 + ((head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | head[9] & 0x7F)
            f.seek(skip)
            first = f.read(200)
    except OSError:
        return False
    return b"Xing" in first or b"Info" in first


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(": '", 1)[0].strip() or type(exc).__name__


@lru_cache(maxsize=16)
def _cached(path: str, mtime: float, size: int, trim_start: float, trim_end: float | None,
            keep_mono: bool) -> np.ndarray:
    data = decode_audio(path, trim_start, trim_end, keep_mono)
    data.flags.writeable = False
    return data


def load_audio(path: str | os.PathLike, trim_start: float = 0.0, trim_end: float | None = None,
               keep_mono: bool = False) -> np.ndarray:
    """`decode_audio` with a small cache keyed on the file's path, mtime and size
    (read-only array)."""
    path = str(path)
    try:
        st = os.stat(path)
    except OSError:
        return decode_audio(path, trim_start, trim_end, keep_mono)  # raises the right AudioError
    return _cached(path, st.st_mtime, st.st_size, float(trim_start), None if trim_end is None else float(trim_end),
                   keep_mono)
