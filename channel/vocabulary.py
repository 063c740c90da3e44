"""Is what an episode says written for its age? Words from channel/words.yaml (each age
knows its own list and every younger age's) and sentences no longer than the age allows.

A finding is located in the file the words came from (a script the writer wrote, or the
episode's .scene), `FILE:LINE:COL: warning: …` with the line and a caret, the same form
the language's warnings take. The channel refuses a provider's script with any finding,
and logs findings in the templates' own words as warnings.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..dsl.errors import Location, warning_text

WORDS_FILE = Path(__file__).with_name("words.yaml")
NAMES = frozenset({"luna", "sunny"})  # the hosts' names are always words a viewer knows
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_CONTRACTIONS = {"'m": "am", "'re": "are", "'ve": "have", "'ll": "will", "'d": "would", "n't": "not"}


@dataclass(frozen=True)
class Finding:
    """One word or sentence outside what the age allows, at its place."""

    message: str
    location: Location
    hint: str = ""

    def format(self) -> str:
        return warning_text(self.message, self.location) + (f"\n  hint: {self.hint}" if self.hint else "")


@functools.lru_cache(maxsize=None)
def _lists() -> tuple[dict[int, frozenset[str]], dict[int, int]]:
    data = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    known: dict[int, frozenset[str]] = {}
    words: set[str] = set()
    for age in sorted(data["words"]):
        words |= set(data["words"][age].lower().split())
        known[int(age)] = frozenset(words)
    return known, {int(k): int(v) for k, v in data["sentence_words"].items()}


def known_words(age: int) -> frozenset[str]:
    known, _ = _lists()
    return known[min(max(age, min(known)), max(known))]


def sentence_limit(age: int) -> int:
    _, limits = _lists()
    return limits[min(max(age, min(limits)), max(limits))]


def _roots(word: str) -> list[str]:
    """The word and the roots its plain endings may hide (jumps, jumped, jumping, bigger)."""
    w = word.lower().replace("’", "'")
    for ending, _ in _CONTRACTIONS.items():
        if w.endswith(ending) and len(w) > len(ending):
            w = w[: -len(ending)]
            break
    w = w.removesuffix("'s").removesuffix("'")
    out = [w]
    for suffix in ("ies", "es", "s", "ing", "ed", "er", "est", "ly", "y"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 2:
            stem = w[: -len(suffix)]
            out += [stem, stem + "e", stem + "y"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                out.append(stem[:-1])  # hopping -> hop, bigger -> big
    return out


def is_known(word: str, age: int, extra: frozenset[str] = frozenset()) -> bool:
    known = known_words(age) | NAMES | extra
    return any(root in known for root in _roots(word)) or "-" in word and all(
        is_known(part, age, extra) for part in word.split("-") if part)


def check_text(text: str, age: int, location: Location, extra: frozenset[str] = frozenset()) -> list[Finding]:
    """The findings in `text`, which begins at `location` (its line; columns counted from it)."""
    findings = []
    allowed = frozenset(w.lower() for w in extra)
    limit = sentence_limit(age)
    for sentence in _SENTENCE.finditer(text):
        words = list(_WORD.finditer(sentence.group()))
        if len(words) > limit:
            findings.append(Finding(f"a sentence of {len(words)} words is long for age {age} (at most {limit})",
                                    _shift(location, sentence.start() + words[0].start(),
                                           words[-1].end() - words[0].start()),
                                    "split it in two: short sentences are easier to follow"))
        for m in words:
            if not is_known(m.group(), age, allowed):
                findings.append(Finding(f"'{m.group()}' is not a word a {age}-year-old knows",
                                        _shift(location, sentence.start() + m.start(), len(m.group())),
                                        "use a simpler word, or add it to the objective's words "
                                        "(channel/words.yaml lists the words per age)"))
    return findings


def _shift(location: Location, offset: int, length: int) -> Location:
    return Location(location.file, location.line, location.column + offset, location.source_line, max(1, length))


_SAYS = re.compile(r'\bsays\s+"((?:[^"\\]|\\.)*)"')


def check_scene(path: Path, text: str, age: int, extra: frozenset[str] = frozenset(),
                display: str | None = None) -> list[Finding]:
    """The findings in every line a .scene says (`WHO says "…"`), located in `path`."""
    findings = []
    for n, line in enumerate(text.splitlines(), 1):
        for m in _SAYS.finditer(line):
            loc = Location(display or str(path), n, m.start(1) + 1, line)
            findings += check_text(m.group(1), age, loc, extra)
    return findings
