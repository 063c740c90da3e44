"""What a line's text is made into before any provider sees it (`synthesize` calls
`speakable` once, so every provider and the cache key get the same text).

Found by fuzzing lines with the characters a damaged or pasted-in text carries
(bench/speech_fuzz.py): hibari's G2P crashed on a digit that is not a decimal
digit (① ⑤ ➋ ⓶ ², which `str.isdigit` accepts and `int` does not), so the line
fell back to eSpeak, and a lone surrogate (possible from the Python API, never
from a UTF-8 file) crashed the speech cache's key. A line keeps its words; only
characters that cannot be said change:

- digits in circles, superscripts and other compatibility forms become the
  numbers they stand for, each a word of its own (⑤ -> 5, ⑫ -> 12, ①②③ -> 1 2 3,
  ² -> 2, ⅷ -> 8); fractions (½) are left to the providers, which say them;
- control characters and line separators become spaces; invisible format characters (zero-width
  spaces and joiners outside emoji, soft hyphens, a byte-order mark) and
  surrogates and non-characters are removed;
- runs of spaces become one.
"""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_KEEP_FORMAT = {"\u200d"}  # the zero-width joiner holds emoji sequences together (🧑‍🚀)


def _integer_value(ch: str) -> str | None:
    """The digits a numeric character that is not a decimal digit stands for, when it
    stands for a whole number (⑤ -> "5", ⑫ -> "12", ⅷ -> "8"); None for a fraction."""
    folded = unicodedata.normalize("NFKC", ch)
    if folded.isdecimal():
        return folded
    value = unicodedata.numeric(ch, None)
    if value is not None and value == int(value) and value >= 0:
        return str(int(value))
    return None


def speakable(text: str) -> str:
    """`text` with the characters no provider can say made sayable or removed (see above)."""
    out: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs" or (category == "Cn" and (ord(ch) & 0xFFFE == 0xFFFE or 0xFDD0 <= ord(ch) <= 0xFDEF)):
            continue  # a lone surrogate or a non-character
        if category in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif category == "Cf" and ch not in _KEEP_FORMAT:
            continue
        elif category in ("Nd", "No", "Nl") and not ch.isdecimal():
            digits = _integer_value(ch)
            out.append(ch if digits is None else f" {digits} ")  # ①②③ is 1 2 3, not 123
        else:
            out.append(ch)
    return _SPACES.sub(" ", "".join(out)).strip()
