"""Captions: cues from spoken lines, line-broken for reading, written as SRT/VTT.

A cue holds at most two lines of at most ~42 characters (the broadcast
convention). A longer utterance is split into phrases: at sentence ends first,
then at clause punctuation (, ; : —), then before a conjunction ("and", "but",
"because", …), never leaving one word alone in a cue or ending a cue or line on
"the" or "a" (`cues_for_utterance`); each cue is timed by its words. Short
lines said one after another by the same speaker ("One!" "Two!" "Three!") are
shown together in one cue instead of flashing by (`merge_short_cues`). A cue
starts when its words are spoken and ends when they end, unless it is too short
to read at the viewers' reading speed: then it stays up until it can be read,
but never past the next cue or the end of the video (`hold_for_reading`).
`pysubs2` writes the files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..encode.outputs import atomic_output
from ..timeline.timeline import CaptionCue, WordCue

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


MIN_CUE_SECONDS = 0.8  # a cue shorter than this flashes by (Netflix's minimum is 5/6 s)
MERGE_GAP = 1.0  # seconds of silence across which short lines may share a cue
MAX_CUE_SECONDS = 7.0  # merged lines stay within the usual longest cue


def hold_for_reading(cues: Sequence[CaptionCue], cps: float, until: float, merge: bool = True) -> list[CaptionCue]:
    """Keep each cue on screen long enough to read at `cps` characters per second.

    First (unless `merge` is false) short lines said in a row by one speaker
    share a cue (`merge_short_cues`). A short exclamation ("Yay!") is spoken in a
    fifth of a second, far faster than anyone reads; its cue stays up after the
    speech, into the pause that follows, but never past the start of the next cue
    or `until` (the end of the video). Likewise a cue stays up at least
    MIN_CUE_SECONDS when the next one leaves room. A cue already slow enough and
    long enough keeps its speech window exactly.
    """
    ordered = sorted(cues, key=lambda c: c.start)
    if merge:
        ordered = merge_short_cues(ordered, cps, until)
    held = []
    for i, cue in enumerate(ordered):
        limit = ordered[i + 1].start if i + 1 < len(ordered) else until
        end = min(max(cue.end, readable_at(cue, cps), cue.start + MIN_CUE_SECONDS), max(cue.end, limit))
        held.append(cue if end == cue.end else CaptionCue(cue.start, round(end, 6), cue.text, cue.speaker, cue.words))
    return held


def _is_short(cue: CaptionCue, next_start: float, cps: float) -> bool:
    """A cue that flashes by: a single word ("One!"), under MIN_CUE_SECONDS of
    speech, or one that cannot be read before the next cue replaces it."""
    window = next_start - cue.start
    return (len(cue.text.split()) < 2 or cue.end - cue.start < MIN_CUE_SECONDS
            or reading_length(cue.text) > cps * window + 1e-9)


def merge_short_cues(cues: Sequence[CaptionCue], cps: float, until: float | None = None) -> list[CaptionCue]:
    """Show short lines said in a row by the same speaker together ("One! Two!
    Three!" rather than three cues of a third of a second each).

    Consecutive cues are grouped to minimise a cost: every group costs 2, a group
    that still flashes by (`_is_short`) 20, and each join 1 plus 3 for each side
    that was fine on its own (so a short line joins other short lines before it
    joins a long one). Only cues of one speaker, at most MERGE_GAP apart, whose
    text fits one cue (two lines) and spans at most MAX_CUE_SECONDS, are joined,
    and only when the joined text can be read before the next cue (or the end).
    The group's cue runs from its first line's start to its last line's end; its
    words keep their own times (the spoken word is still highlighted).
    """
    ordered = sorted(cues, key=lambda c: c.start)
    n = len(ordered)
    if n < 2:
        return list(ordered)
    end_of_video = until if until is not None else max(c.end for c in ordered)

    def next_start(i: int) -> float:
        return ordered[i + 1].start if i + 1 < n else max(end_of_video, ordered[i].end)

    short = [_is_short(c, next_start(i), cps) for i, c in enumerate(ordered)]
    joinable = [ordered[i].speaker == ordered[i + 1].speaker
                and 0 <= ordered[i + 1].start - ordered[i].end <= MERGE_GAP for i in range(n - 1)]
    best = [0.0] + [float("inf")] * n  # best[j]: cost of grouping ordered[:j]
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        joins = 0.0
        for i in range(j - 1, -1, -1):  # group ordered[i:j]
            if i < j - 1:
                if not joinable[i]:
                    break
                joins += 1 + 3 * ((not short[i]) + (not short[i + 1]))
                text = " ".join(c.text.replace("\n", " ") for c in ordered[i:j])
                if ordered[j - 1].end - ordered[i].start > MAX_CUE_SECONDS or not fits_cue(text):
                    break
                if reading_length(text) > cps * (next_start(j - 1) - ordered[i].start) + 1e-9:
                    continue  # the joined text could not be read before the next cue (or the end)
                group = CaptionCue(ordered[i].start, ordered[j - 1].end, text)
                flashes = _is_short(group, next_start(j - 1), cps)
            else:
                flashes = short[i]
            cost = best[i] + 2 + 20 * flashes + joins
            if cost < best[j]:
                best[j], cut[j] = cost, i
    groups = []
    j = n
    while j > 0:
        groups.append((cut[j], j))
        j = cut[j]
    merged = []
    for i, j in reversed(groups):
        if j - i == 1:
            merged.append(ordered[i])
            continue
        part = ordered[i:j]
        text = " ".join(c.text.replace("\n", " ") for c in part)
        merged.append(CaptionCue(part[0].start, part[-1].end, "\n".join(break_lines(text)), part[0].speaker,
                                 tuple(w for c in part for w in c.words)))
    return merged


# ── phrases ─────────────────────────────────────────────────────────────────────

_CLOSERS = "\"')]\u201d\u2019\u00bb"
# A line or cue may break before these words: they start a clause or a phrase.
BREAK_BEFORE = frozenset("""and but or so because then when while until after before if
though although as where who which that with without into onto through of to along behind
under over across around beside between near past towards toward up down""".split())
# ...but should not end on these: they lean on the word after them.
WEAK_ENDS = frozenset("""a an the to of in on at by for from my your his her its our their this
that these those is are was were and or but with into very so""".split())


def _bare(token: str) -> str:
    return token.strip(".,!?;:\"'()[]\u201c\u201d\u2018\u2019\u00ab\u00bb\u2026\u2014-").lower()


def break_cost(tokens: Sequence[str], i: int) -> float:
    """How bad a break after tokens[i] is: 0 at a sentence end, 1 after clause
    punctuation, 3 before a conjunction or preposition, 8 anywhere else; 6 more
    when tokens[i] leans on the next word ("the", "a", "to")."""
    word = tokens[i].rstrip(_CLOSERS)
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if word.endswith((".", "!", "?", "\u2026")):
        cost = 0.0
    elif word.endswith((",", ";", ":", "\u2014", "\u2013")) or nxt in ("\u2014", "\u2013", "-"):
        cost = 1.0
    elif _bare(nxt) in BREAK_BEFORE:
        cost = 3.0
    else:
        cost = 8.0
    if cost > 0 and _bare(tokens[i]) in WEAK_ENDS:
        cost += 6.0
    return cost


def break_lines(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """One line when it fits; else two lines broken where the phrase breaks
    (after punctuation, before "and"), of similar length; else a greedy wrap
    (more than two lines: the caller splits the cue)."""
    words = text.split()
    if not words:
        return []
    if len(" ".join(words)) <= max_chars:
        return [" ".join(words)]
    best: tuple[float, list[str]] | None = None
    for cut in range(1, len(words)):
        a, b = " ".join(words[:cut]), " ".join(words[cut:])
        if len(a) > max_chars or len(b) > max_chars:
            continue
        score = 4 * break_cost(words, cut - 1) + abs(len(a) - len(b)) / 3
        if best is None or score < best[0]:
            best = (score, [a, b])
    if best is not None:
        return best[1]
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
    return lines


def fits_cue(text: str) -> bool:
    """Whether `text` fits one cue: at most MAX_LINES lines of MAX_CHARS."""
    return len(break_lines(text)) <= MAX_LINES


def _fits(words: Sequence[str]) -> bool:
    return fits_cue(" ".join(words))


def phrase_chunks(tokens: Sequence[str]) -> list[list[int]]:
    """Split tokens into cues that each fit two lines, breaking where phrases
    break: the fewest cues, at the best places (`break_cost`); a cue of one word
    costs 40 (never "said." alone unless a single word is too long for a line),
    of two words 6."""
    n = len(tokens)
    best = [0.0] + [float("inf")] * n
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        for i in range(j - 1, -1, -1):
            if i < j - 1 and not _fits(tokens[i:j]):
                break
            size = j - i
            cost = best[i] + 4 + (40 if size == 1 else 6 if size == 2 else 0)
            if j < n:
                cost += break_cost(tokens, j - 1)
            if cost < best[j]:
                best[j], cut[j] = cost, i
    chunks = []
    j = n
    while j > 0:
        chunks.append(list(range(cut[j], j)))
        j = cut[j]
    return chunks[::-1]


def cues_for_utterance(text: str, start: float, end: float, words: Sequence[WordCue] = (),
                       speaker: str = "") -> list[CaptionCue]:
    """Caption cues for one spoken line from `start` to `end` (video seconds).

    `words` are the utterance's word timings on the video clock; without them
    the whole text is one cue (or several, split in time by their characters).
    A line too long for one cue is split into phrases (`phrase_chunks`).
    """
    tokens = text.split()
    if not tokens:
        return []
    if _fits(tokens):
        return [CaptionCue(start, end, "\n".join(break_lines(text)), speaker, tuple(words))]
    chunks = phrase_chunks(tokens)
    timed = len(words) == len(tokens)
    total = sum(len(t) + 1 for t in tokens)
    cues = []
    for n, chunk in enumerate(chunks):
        chunk_text = " ".join(tokens[i] for i in chunk)
        if timed:
            c_start = start if n == 0 else words[chunk[0]].start
            c_end = end if n == len(chunks) - 1 else words[chunks[n + 1][0]].start
            chunk_words = tuple(words[i] for i in chunk)
        else:
            before = sum(len(tokens[i]) + 1 for i in range(chunk[0]))
            upto = before + sum(len(tokens[i]) + 1 for i in chunk)
            c_start = start + (end - start) * before / total
            c_end = end if n == len(chunks) - 1 else start + (end - start) * upto / total
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

    from ..raster import fonts
    from ..raster.color import to_argb_int

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
