"""The pronunciation lexicon (lexicon.yaml): letter names, letter sounds and numbers
that a line asks for by name in braces, so the caption and the voice can differ.

    shown("The letter A says {a-sound}.")              -> "The letter A says a."
    for_provider("The letter A says {a-sound}.", "hibari")
        -> ("The letter A says [a](/ˈæ/).", "The letter A says a.")
    for_provider(..., "espeak") -> ("The letter A says [['a]].", ...)

Names: `letter-a`…`letter-z` (the letter's name, /eɪ/ for A), `a-sound`…`z-sound`
(its phonics sound, the short vowel for a e i o u), `0`…`20` (number words). A
name with a capital first letter shows its text capitalised (`{A-sound}` -> "A").
A line made only of single letters ("A!", "B, B, B!") says their names, as
does a letter after the word "letter" ("The letter A says …"). Each
reference stays one word, so word timings still match the caption word for word.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

REF = re.compile(r"\{([A-Za-z0-9][A-Za-z0-9-]*)\}")
_LONE_LETTERS = re.compile(r"^(?:\W*\b[A-Za-z]\b\W*)+$")


class LexiconError(ValueError):
    """An unknown {name}: `hint` lists what exists."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


@lru_cache(maxsize=1)
def entries() -> dict[str, dict[str, str]]:
    """name -> {show, hibari, espeak, say} for every entry of lexicon.yaml."""
    data = yaml.safe_load((Path(__file__).with_name("lexicon.yaml")).read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for letter, e in data["letters"].items():
        out[f"letter-{letter}"] = {k: str(v) for k, v in e.items()}
    for letter, e in data["sounds"].items():
        out[f"{letter}-sound"] = {k: str(v) for k, v in e.items()}
    for number, e in data["numbers"].items():
        out[str(number)] = {k: str(v) for k, v in e.items()}
    return out


def lookup(name: str) -> dict[str, str]:
    entry = entries().get(name.lower())
    if entry is None:
        from ...diagnostics import closest

        guess = closest(name.lower(), list(entries()), cutoff=0.6)
        raise LexiconError(f"unknown pronunciation '{{{name}}}'",
                           (f"did you mean {{{guess}}}? " if guess else "")
                           + "names: {letter-a}…{letter-z} (letter names), {a-sound}…{z-sound} (letter sounds), "
                             "{0}…{20} (numbers)")
    return entry


def check(text: str) -> None:
    """Raise LexiconError for the first unknown {name} in `text`."""
    for m in REF.finditer(text):
        lookup(m.group(1))


def _show(name: str, entry: dict[str, str]) -> str:
    text = entry.get("show", entry.get("say", name))
    return text[:1].upper() + text[1:] if name[:1].isupper() else text


def shown(text: str) -> str:
    """The caption's text: every {name} replaced by what it shows."""
    return REF.sub(lambda m: _show(m.group(1), lookup(m.group(1))), text)


def _lone_letters(text: str) -> str:
    """"A!" / "A, A, A!" -> "{letter-a}!" …: a line of single letters says their names,
    and so does a single letter after the word "letter" ("the letter A says …")."""
    name = lambda m: m.group(1) + "{letter-" + m.group(2).lower() + "}"  # noqa: E731
    if _LONE_LETTERS.match(text) and not REF.search(text):
        return re.sub(r"()\b([A-Za-z])\b", name, text)
    return re.sub(r"(\b[Ll]etters? )([A-Za-z])\b(?![-'’])", name, text)


def for_provider(text: str, provider: str) -> tuple[str, str]:
    """(what `provider` is given to say, what the caption shows) for a line."""
    caption = shown(text)
    text = _lone_letters(text)

    def spoken(m: re.Match) -> str:
        name = m.group(1)
        entry = lookup(name)
        show = _show(name, entry)
        if provider == "hibari" and "hibari" in entry:
            return f"[{show}](/{entry['hibari']}/)"
        if provider == "espeak" and "espeak" in entry:
            return f"[[{entry['espeak']}]]"
        return entry.get("say", show)

    return REF.sub(spoken, text), caption


def plain(text: str) -> str:
    """The line in plain words (for a provider that knows no phonemes)."""
    return for_provider(text, "")[0]
