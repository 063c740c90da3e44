"""Captions: cues from spoken lines, line-broken for reading, written as SRT/VTT.

A cue holds at most two lines of at most ~42 characters (the broadcast
convention); a longer utterance is split into several cues at word boundaries,
each timed by its words. A cue starts when its words are spoken and ends when
they end, unless it is too short to read at the viewers' reading speed: then it
stays up until it can be read, but never past the next cue or the end of the
video (`hold_for_reading`). `pysubs2` writes the files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .outputs import atomic_output
from .timeline import CaptionCue, WordCue

MAX_CHARS = 42
MAX_LINES = 2

# Caption reading speed, characters per second (spaces and punctuation count, line
# breaks do not; Netflix's counting). Upper bands are Netflix's Timed Text Style
# Guide (adult programmes 20 cps, children's programmes 17 cps); younger bands
# follow the pace of speech aimed at that age and the DCMP Captioning Key's
# 120-130 words per minute for lower-level educational media (one word ~ 5.7
# characters with its space): pre-readers' captions serve the adults and early
# readers watching with them, and should not run ahead of the speech.
READING_SPEED = ((5, 12.0), (8, 15.0), (12, 17.0), (200, 20.0))  # (up to age, cps)
DEFAULT_READING_SPEED = 17.0  # no age given: children's programmes (storyreel makes children's videos)


def reading_speed_limit(age: float | None) -> float:
    """The most characters per second a caption may ask viewers of `age` to read."""
    if age is None:
        return DEFAULT_READING_SPEED
    for upto, cps in READING_SPEED:
        if age <= upto:
            return cps
    return READING_SPEED[-1][1]


def reading_length(text: str) -> int:
    """Characters a viewer reads in a cue: line breaks count as one space."""
    return len(" ".join(text.split()))


def readable_at(cue: CaptionCue, cps: float) -> float:
    """When a cue shown from its start has been up long enough to read at `cps`."""
    # 2 ms spare: SRT and VTT round times to the millisecond.
    return cue.start + reading_length(cue.text) / cps + 0.002


def hold_for_reading(cues: Sequence[CaptionCue], cps: float, until: float) -> list[CaptionCue]:
    """Keep each cue on screen long enough to read at `cps` characters per second.

    A short exclamation ("Yay!") is spoken in a fifth of a second, far faster than
    anyone reads; its cue stays up after the speech, into the pause that follows,
    but never past the start of the next cue or `until` (the end of the video).
    A cue already slow enough keeps its speech window exactly.
    """
    ordered = sorted(cues, key=lambda c: c.start)
    held = []
    for i, cue in enumerate(ordered):
        limit = ordered[i + 1].start if i + 1 < len(ordered) else until
        end = min(max(cue.end, readable_at(cue, cps)), max(cue.end, limit))
        held.append(cue if end == cue.end else CaptionCue(cue.start, round(end, 6), cue.text, cue.speaker, cue.words))
    return held


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
    with atomic_output(path, f".{fmt}") as tmp:
        _subs(cues).save(str(tmp), format_=fmt)


# ── burned captions ─────────────────────────────────────────────────────────────

CAPTION_SIZE = 46  # design px
CAPTION_TEXT = (1.0, 1.0, 1.0, 1.0)
CAPTION_SPOKEN = (1.0, 0.851, 0.239, 1.0)  # the word being said, in warm yellow
CAPTION_BOX = (0.07, 0.07, 0.12, 0.72)


def _word_slots(cue: CaptionCue) -> list[list[tuple[str, int]]]:
    """Each line's tokens with the index of the timed word they show (-1: none)."""
    slots: list[list[tuple[str, int]]] = []
    w = 0
    for line in cue.text.split("\n"):
        row = []
        for token in line.split():
            index = -1
            bare = token.strip(".,!?;:\"'()[]«»…—-")
            if w < len(cue.words) and bare and bare.lower() == cue.words[w].text.strip(".,!?;:\"'()[]«»…—-").lower():
                index = w
                w += 1
            row.append((token, index))
        slots.append(row)
    return slots


def paint_caption(canvas, node, alpha: float, ctx) -> None:
    """The caption box at the bottom of the safe area; the spoken word highlighted."""
    import skia

    from . import fonts
    from .color import to_argb_int

    cue: CaptionCue = node.attrs["cue"]
    x0, y0, x1, y1 = node.attrs["safe"]
    unit = node.attrs["unit"]
    size = CAPTION_SIZE * unit
    font = fonts.font(fonts.DEFAULT_FAMILY, 700, size)
    space = font.measureText(" ")
    rows = _word_slots(cue)
    widths = [sum(font.measureText(tok) for tok, _ in row) + space * max(0, len(row) - 1) for row in rows]
    line_height = size * 1.3
    pad_x, pad_y = size * 0.6, size * 0.35
    box_w = max(widths, default=0) + 2 * pad_x
    box_h = line_height * len(rows) + 2 * pad_y
    cx = (x0 + x1) / 2
    bottom = y1 - size * 0.5
    box = skia.Rect.MakeXYWH(cx - box_w / 2, bottom - box_h, box_w, box_h)
    canvas.drawRRect(skia.RRect.MakeRectXY(box, size * 0.35, size * 0.35),
                     skia.Paint(AntiAlias=True, Color=to_argb_int(CAPTION_BOX)))
    metrics = font.getMetrics()
    spoken = node.values.get("word", -1)
    plain = skia.Paint(AntiAlias=True, Color=to_argb_int(CAPTION_TEXT))
    lit = skia.Paint(AntiAlias=True, Color=to_argb_int(CAPTION_SPOKEN))
    for r, (row, width) in enumerate(zip(rows, widths)):
        x = cx - width / 2
        baseline = box.top() + pad_y + r * line_height + (line_height - (metrics.fDescent - metrics.fAscent)) / 2 - metrics.fAscent
        for token, index in row:
            canvas.drawString(token, x, baseline, font, lit if index == spoken and index >= 0 else plain)
            x += font.measureText(token) + space
