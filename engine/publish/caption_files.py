"""Caption files read as caption cues: SubRip (.srt) and WebVTT (.vtt).

`captions "talk.srt"` (the video's) and `sound "talk.wav" captions "talk.srt"`
(a recording's) bring captions someone wrote or exported into the video, so they
are burned and written to the sidecars like the captions of spoken lines.

Read here, not with pysubs2 (which writes the sidecars): a malformed file must be
an error at its line (`talk.srt:12:1: error: …`), and pysubs2 skips what it
cannot read. Styling is dropped (`<i>`, `<b>`, `{\\an8}`, a VTT cue's settings);
a VTT voice tag (`<v Luna>`) names the cue's speaker; entities are decoded.
Lines longer than a caption line are broken as spoken captions are.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from ..timeline.timeline import CaptionCue
from .captions import MAX_CHARS, break_lines

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(.*)$")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")


class CaptionFileError(Exception):
    """A malformed caption file: `line` and `column` (1-based) in it, and that line."""

    def __init__(self, message: str, line: int, column: int = 1, source_line: str = "", hint: str | None = None):
        super().__init__(message)
        self.message, self.line, self.column, self.source_line, self.hint = message, line, column, source_line, hint


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based
    text: str


def read_caption_file(path: str | Path) -> list[CaptionCue]:
    """The cues of an .srt or .vtt file (by its first line: `WEBVTT` is WebVTT), in time
    order, in the file's seconds. Raises CaptionFileError at the line that is wrong."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = Path(path).read_bytes()[:exc.start].count(b"\n") + 1
        raise CaptionFileError("the file is not UTF-8 text", line,
                               hint="save the captions as UTF-8 (most subtitle editors offer it)") from None
    lines = [_Line(i + 1, raw.rstrip("\r")) for i, raw in enumerate(text.split("\n"))]
    vtt = bool(lines) and lines[0].text.startswith("WEBVTT")
    if not vtt and Path(path).suffix.lower() == ".vtt":
        raise CaptionFileError("a WebVTT file must start with 'WEBVTT'", 1, 1, lines[0].text if lines else "",
                               hint="write WEBVTT on the first line, then an empty line")
    blocks = _blocks(lines[1:] if vtt else lines)
    cues = []
    for block in blocks:
        if vtt and block[0].text.split(" ")[0].split("\t")[0] in _VTT_BLOCKS:
            continue
        cues.append(_cue(block, vtt))
    if not cues:
        raise CaptionFileError("the file has no caption cues", len(lines) or 1, 1, lines[-1].text if lines else "",
                               hint="a cue is a timing line, 00:00:01,000 --> 00:00:03,500, then its text")
    return sorted(cues, key=lambda c: (c.start, c.end))


def _blocks(lines: list[_Line]) -> list[list[_Line]]:
    """Runs of non-blank lines."""
    blocks: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        if line.text.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _cue(block: list[_Line], vtt: bool) -> CaptionCue:
    timing_at = 0 if "-->" in block[0].text else 1
    if timing_at >= len(block) or "-->" not in block[timing_at].text:
        bad = block[min(timing_at, len(block) - 1)]
        what = "a cue number, then a timing line" if not vtt else "a timing line"
        raise CaptionFileError(f"expected {what}, got '{bad.text.strip()}'", bad.number, 1, bad.text,
                               hint="a cue is: 12, then 00:01:02,500 --> 00:01:04,000, then its text, "
                                    "then an empty line")
    if timing_at == 1 and not vtt and not block[0].text.strip().isdigit():
        raise CaptionFileError(f"expected a cue number, got '{block[0].text.strip()}'", block[0].number, 1,
                               block[0].text, hint="SRT cues are numbered 1, 2, 3 …; or is an empty line missing "
                                                   "between two cues?")
    line = block[timing_at]
    match = _TIMING.match(line.text)
    if match is None:
        arrow = line.text.index("-->")
        column = 1 if not _TIMING_START.match(line.text) else arrow + 4
        raise CaptionFileError("this timing line is not 'START --> END'", line.number, column, line.text,
                               hint="times are HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (VTT): 00:00:01,500 --> 00:00:03,000")
    try:
        start, end = _seconds(match.groups()[0:4]), _seconds(match.groups()[4:8])
    except ValueError:
        raise CaptionFileError("a time in this line has 60 or more minutes or seconds", line.number, 1, line.text,
                               hint="times are HH:MM:SS,mmm: 01:02:03,500 is 1 h 2 min 3.5 s") from None
    if end <= start:
        raise CaptionFileError(f"the cue ends ({end:.3f}s) before it starts ({start:.3f}s)", line.number,
                               line.text.index("-->") + 4, line.text, hint="the second time is when the cue ends")
    for entry in block[timing_at + 1:]:
        if _TIMING_START.match(entry.text):
            raise CaptionFileError("a timing line inside the text of the cue before it", entry.number, 1, entry.text,
                                   hint="leave an empty line between two cues")
    text_lines = [entry.text for entry in block[timing_at + 1:]]
    if not text_lines:
        raise CaptionFileError("the cue has no text", line.number, 1, line.text,
                               hint="write the caption's words on the lines after the timing line")
    speaker = ""
    voice = _VOICE.search(" ".join(text_lines))
    if voice is not None:
        speaker = voice.group(1).strip()
    shown = [html.unescape(_TAG.sub("", t)).strip() for t in text_lines]
    shown = [t for t in shown if t]
    if any(len(t) > MAX_CHARS for t in shown):
        shown = break_lines(" ".join(shown))
    return CaptionCue(round(start, 6), round(end, 6), "\n".join(shown), speaker)


_TIMING_START = re.compile(rf"^\s*{_TIME}\s*-->")


def _seconds(parts) -> float:
    hours, minutes, seconds, fraction = parts
    if int(seconds) >= 60 or int(minutes) >= 60:
        raise ValueError
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction.ljust(3, "0")) / 1000
