"""Audio files (MP3, WAV, OGG, FLAC, M4A, ... whatever FFmpeg reads) decoded with PyAV
to (2, n) float32 at 48 kHz."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import av
import numpy as np

from .errors import AudioError
from .synth import RATE

AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".webm", ".mp4")


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
        stream.thread_type = "AUTO"
        mono = stream.codec_context.channels == 1
        # Mono is resampled as mono and copied to both channels at full level (FFmpeg's
        # own mono -> stereo upmix would lower it by 3 dB); more channels downmix to stereo.
        resampler = av.AudioResampler(format="fltp", layout="mono" if mono else "stereo", rate=RATE)
        chunks: list[np.ndarray] = []
        have = 0
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
                    have += out.samples
                if end is not None and have >= end:
                    break
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
        except (av.error.FFmpegError, ValueError) as exc:
            raise AudioError(f"cannot decode audio file '{path}': {_reason(exc)}",
                             "the file may be damaged; try re-exporting it") from None
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
