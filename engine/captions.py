"""Captions: cues from spoken lines, line-broken for reading, written as SRT/VTT.

A cue holds at most two lines of at most ~42 characters (the broadcast
convention); a longer utterance is split into several cues at word boundaries,
each timed by its words. `pysubs2` writes the files.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

from .timeline import CaptionCue, WordCue

MAX_CHARS = 42
MAX_LINES = 2


def break_lines(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """Greedy word wrap, then balanced: two lines of similar length read best."""
    words = text.split()
    if not words:
        return []
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and len(candidate) > max_chars:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    if len(lines) == 2:
        best = lines
        joined = words
        for cut in range(1, len(joined)):
            a, b = " ".join(joined[:cut]), " ".join(joined[cut:])
            if len(a) <= max_chars and len(b) <= max_chars and abs(len(a) - len(b)) < abs(len(best[0]) - len(best[1])):
                best = [a, b]
        lines = best
    return lines


def _fits(words: Sequence[str]) -> bool:
    return len(break_lines(" ".join(words))) <= MAX_LINES


def cues_for_utterance(text: str, start: float, end: float, words: Sequence[WordCue] = (),
                       speaker: str = "") -> list[CaptionCue]:
    """Caption cues for one spoken line from `start` to `end` (video seconds).

    `words` are the utterance's word timings on the video clock; without them
    the whole text is one cue (or several, split evenly in time).
    """
    tokens = text.split()
    if not tokens:
        return []
    if _fits(tokens):
        return [CaptionCue(start, end, "\n".join(break_lines(text)), speaker, tuple(words))]
    # Split into chunks that each fit two lines.
    chunks: list[list[int]] = [[]]
    for i, _ in enumerate(tokens):
        trial = [tokens[j] for j in chunks[-1]] + [tokens[i]]
        if chunks[-1] and not _fits(trial):
            chunks.append([])
        chunks[-1].append(i)
    timed = len(words) == len(tokens)
    cues = []
    for n, chunk in enumerate(chunks):
        chunk_text = " ".join(tokens[i] for i in chunk)
        if timed:
            c_start = start if n == 0 else words[chunk[0]].start
            c_end = end if n == len(chunks) - 1 else words[chunks[n + 1][0]].start
            chunk_words = tuple(words[i] for i in chunk)
        else:
            share = (end - start) / len(tokens)
            c_start = start + chunk[0] * share
            c_end = start + (chunk[-1] + 1) * share
            chunk_words = ()
        cues.append(CaptionCue(c_start, c_end, "\n".join(break_lines(chunk_text)), speaker, chunk_words))
    return cues


def active_cue(cues: Sequence[CaptionCue], t: float) -> CaptionCue | None:
    for cue in cues:
        if cue.start <= t < cue.end:
            return cue
    return None


def _subs(cues: Sequence[CaptionCue]):
    import pysubs2

    subs = pysubs2.SSAFile()
    for cue in cues:
        subs.append(pysubs2.SSAEvent(start=round(cue.start * 1000), end=round(cue.end * 1000),
                                     text=cue.text.replace("\n", "\\N")))
    return subs


def write_captions(cues: Sequence[CaptionCue], path: str | Path, fmt: str) -> None:
    """Write `cues` as `fmt` ("srt" or "vtt") to `path`, atomically."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".partial.{fmt}", dir=path.parent)
    os.close(fd)
    try:
        _subs(cues).save(tmp, format_=fmt)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
