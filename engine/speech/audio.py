"""Audio helpers shared by the speech providers: resampling to 48 kHz, trimming
trailing silence, turning event start times into timed intervals, and a float32
WAV reader/writer for the cache."""
from __future__ import annotations

import bisect
import re
import struct
import unicodedata
from pathlib import Path

import numpy as np

SAMPLE_RATE = 48_000
FRAME = SAMPLE_RATE // 100  # 10 ms analysis frames
TAIL = 0.05  # seconds of audio kept after the last sound


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Mono float32 at `rate` -> mono float32 at `target` (libswresample through PyAV).
    The output starts at the same instant as the input and has round(n * target / rate) samples."""
    samples = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
    if rate == target or samples.size == 0:
        return samples.copy()
    import av

    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = rate
    frame.pts = 0
    resampler = av.AudioResampler(format="flt", layout="mono", rate=target)
    parts = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    out = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    want = int(round(samples.size * target / rate))
    if out.size < want:
        out = np.concatenate([out, np.zeros(want - out.size, np.float32)])
    return np.clip(out[:want], -1.0, 1.0).astype(np.float32, copy=False)


def soft_limit(samples: np.ndarray, knee: float = 0.8) -> np.ndarray:
    """Leave |x| <= knee alone and bend louder peaks smoothly towards (never past) 1."""
    x = np.asarray(samples, dtype=np.float32)
    mag = np.abs(x)
    over = mag > knee
    if not over.any():
        return x
    out = x.copy()
    room = 1.0 - knee
    out[over] = np.sign(x[over]) * (knee + room * np.tanh((mag[over] - knee) / room))
    return out


def sound_frames(samples: np.ndarray) -> np.ndarray:
    """A boolean per 10 ms frame: does it hold sound (above -34 dB of the loudest frame)?"""
    n = samples.size // FRAME + (1 if samples.size % FRAME else 0)
    padded = np.zeros(n * FRAME, np.float32)
    padded[: samples.size] = samples
    rms = np.sqrt(np.mean(padded.reshape(n, FRAME).astype(np.float64) ** 2, axis=1))
    if rms.size == 0:
        return rms > 0
    threshold = max(1e-4, 0.02 * float(rms.max()))
    return rms > threshold


def _is_spoken(token: str) -> bool:
    """A token that is not only punctuation (an emoji or a number counts as spoken)."""
    return any(not unicodedata.category(c).startswith("P") for c in token)


def _strip_punctuation(token: str) -> str:
    a, b = 0, len(token)
    while a < b and unicodedata.category(token[a]).startswith("P"):
        a += 1
    while b > a and unicodedata.category(token[b - 1]).startswith("P"):
        b -= 1
    return token[a:b] or token


def align_words(text: str, events: list[tuple[int, float]]) -> list[tuple[str, float | None]]:
    """Map word events (0-based character index into `text`, start seconds) onto
    the text's whitespace-separated words. Every spoken word comes back once, in
    order, stripped of surrounding punctuation, with the earliest event's start,
    or None when the synthesiser gave it no event of its own (e.g. the second
    half of "well-known"). Punctuation-only tokens are dropped."""
    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text)]
    starts: list[float | None] = [None] * len(tokens)
    token_starts = [t[0] for t in tokens]
    for index, seconds in events:
        if not tokens:
            break
        i = bisect.bisect_right(token_starts, index) - 1
        if i < 0 or index >= tokens[i][1]:  # on whitespace: the next word
            i = min(i + 1, len(tokens) - 1)
        if starts[i] is None or seconds < starts[i]:
            starts[i] = seconds
    return [(_strip_punctuation(tok), st) for (_, _, tok), st in zip(tokens, starts) if _is_spoken(tok)]


def finish_timings(
    samples: np.ndarray,
    words: list[tuple[str, float | None]],
    phonemes: list[tuple[str, float]],
) -> tuple[np.ndarray, list[tuple[str, float, float]], list[tuple[str, float, float]]]:
    """From 48 kHz samples and (label, start) events: trim trailing silence (keeping a
    short tail) and give each word and phoneme an end. A word ends at the next word's
    start or at the end of the sound, pulled back over any silence before that (so a
    word before a comma ends where the pause begins). Words with no start (None)
    share the preceding word's time, split by their lengths in characters."""
    loud = sound_frames(samples)
    if not loud.any():
        return samples, [], []
    last_sound = (int(np.flatnonzero(loud)[-1]) + 1) * FRAME / SAMPLE_RATE
    keep = min(samples.size, int(round((last_sound + TAIL) * SAMPLE_RATE)))
    samples = samples[:keep].copy()
    fade = min(FRAME, samples.size)
    if fade:
        samples[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    duration = samples.size / SAMPLE_RATE
    last_sound = min(last_sound, duration)

    def intervals(events: list[tuple[str, float]], trim: bool) -> list[tuple[str, float, float]]:
        out: list[tuple[str, float, float]] = []
        previous = 0.0
        starts = []
        for label, start in events:
            start = min(max(start, previous, 0.0), last_sound)
            starts.append((label, start))
            previous = start
        for i, (label, start) in enumerate(starts):
            end = starts[i + 1][1] if i + 1 < len(starts) else last_sound
            if trim and end > start:
                a, b = int(start * 100), int(np.ceil(end * 100))
                window = np.flatnonzero(loud[a:b])
                if window.size:
                    end = min(end, (a + int(window[-1]) + 1) / 100)
            out.append((label, start, max(end, start)))
        return out

    # Group untimed words behind the timed word before them (a leading one starts at 0).
    runs: list[list[str]] = []
    heads: list[tuple[str, float]] = []
    for label, start in words:
        if start is None and runs:
            runs[-1].append(label)
        else:
            runs.append([label])
            heads.append((label, 0.0 if start is None else start))
    word_out: list[tuple[str, float, float]] = []
    for run, (_, start, end) in zip(runs, intervals(heads, True)):
        total = sum(len(w) for w in run)
        t = start
        for label in run:
            step = (end - start) * len(label) / total if total else 0.0
            word_out.append((label, round(t, 4), round(t + step, 4)))
            t += step
    phoneme_out = [(p, round(s, 4), round(e, 4)) for p, s, e in intervals(phonemes, False)]
    return samples, word_out, phoneme_out


# ---------------------------------------------------------------- float32 WAV

def wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """Mono IEEE-float WAV (format 3) with a fact chunk, readable by FFmpeg/PyAV."""
    data = np.ascontiguousarray(samples, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHHH", 3, 1, rate, rate * 4, 4, 32, 0)
    fact = struct.pack("<I", samples.size)
    body = (
        b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + b"fact" + struct.pack("<I", len(fact)) + fact
        + b"data" + struct.pack("<I", len(data)) + data
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def read_wav(blob: bytes) -> tuple[np.ndarray, int]:
    """Parse a mono float32 WAV written by `wav_bytes`; ValueError when it is not one."""
    if len(blob) < 12 or blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos, rate, fmt_ok, data = 12, 0, False, None
    while pos + 8 <= len(blob):
        cid, size = blob[pos:pos + 4], struct.unpack("<I", blob[pos + 4:pos + 8])[0]
        body = blob[pos + 8:pos + 8 + size]
        if len(body) < size:
            raise ValueError(f"truncated {cid!r} chunk")
        if cid == b"fmt ":
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            fmt_ok = tag == 3 and channels == 1 and bits == 32
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    if not fmt_ok or data is None or len(data) % 4:
        raise ValueError("not a mono float32 WAV")
    return np.frombuffer(data, dtype="<f4").astype(np.float32), rate


def write_atomic(path: Path, blob: bytes) -> None:
    """Write to a unique temporary file beside `path`, then rename over it."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
