"""The on-disk speech cache: content-addressed, so a re-render re-synthesises nothing.

Layout: `<root>/speech/<key>.wav` (mono float32, 48 kHz) and `<key>.json` (the
inputs, the WAV's sha256, word and phoneme timings). Both are written to
temporary files and renamed; the JSON goes last and is the commit marker. An
entry whose JSON does not parse, whose WAV is missing, or whose WAV does not
match the recorded hash is treated as absent (and overwritten by the caller).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .audio import SAMPLE_RATE, read_wav, wav_bytes, write_atomic

FORMAT = 1  # bump when the entry layout changes


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """`cache_dir`, else $STORYREEL_CACHE, else $XDG_CACHE_HOME/storyreel, else ~/.cache/storyreel."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("STORYREEL_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "storyreel" if xdg else Path.home() / ".cache" / "storyreel"


def speech_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    return cache_root(cache_dir) / "speech"


def make_key(inputs: dict[str, Any]) -> str:
    blob = json.dumps({"format": FORMAT, **inputs}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load(folder: Path, key: str):
    """The cached `Speech` for `key`, or None when absent or damaged."""
    from . import PhonemeTiming, Speech, WordTiming

    meta_path, wav_path = folder / f"{key}.json", folder / f"{key}.wav"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        blob = wav_path.read_bytes()
        if meta.get("format") != FORMAT or meta.get("key") != key:
            return None
        if hashlib.sha256(blob).hexdigest() != meta["sha256"]:
            return None
        samples, rate = read_wav(blob)
        if rate != SAMPLE_RATE or samples.size != meta["samples"] or samples.size == 0:
            return None
        words = tuple(WordTiming(str(t), float(s), float(e)) for t, s, e in meta["words"])
        phonemes = tuple(PhonemeTiming(str(p), float(s), float(e)) for p, s, e in meta["phonemes"])
    except (OSError, ValueError, KeyError, TypeError):  # JSONDecodeError is a ValueError
        return None
    samples.setflags(write=False)
    return Speech(samples, words, phonemes, path=wav_path)


def store(folder: Path, key: str, speech, inputs: dict[str, Any], facts: dict[str, Any] | None = None) -> Path:
    """Write `speech` under `key`; returns the WAV's path. `facts` are kept in the JSON
    beside the inputs (the characters sent and what the synthesis cost, for OUT.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    blob = wav_bytes(speech.samples)
    wav_path = folder / f"{key}.wav"
    write_atomic(wav_path, blob)
    meta = {
        "format": FORMAT,
        "key": key,
        "sample_rate": SAMPLE_RATE,
        "samples": int(speech.samples.size),
        "sha256": hashlib.sha256(blob).hexdigest(),
        "inputs": inputs,
        "words": [[w.text, w.start, w.end] for w in speech.words],
        "phonemes": [[p.phoneme, p.start, p.end] for p in speech.phonemes],
        **(facts or {}),
    }
    write_atomic(folder / f"{key}.json", json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))
    return wav_path
