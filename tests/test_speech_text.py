"""A line's text made sayable before any provider sees it (engine/speech/text.py).
The cases are what bench/speech_fuzz.py found: before, hibari's G2P crashed on a
digit that is not a decimal digit (the line fell back to eSpeak, with a warning)
and a lone surrogate crashed the speech cache's key with a traceback."""
from __future__ import annotations

import warnings

import pytest

from storyreel.engine import speech
from storyreel.engine.speech.text import speakable


@pytest.mark.parametrize("text, said", [
    ("Hello, little star!", "Hello, little star!"),  # ordinary text: untouched (same cache keys as before)
    ("⑤ little ducks", "5 little ducks"),
    ("Count ①②③!", "Count 1 2 3 !"),
    ("Step ➋ now", "Step 2 now"),
    ("H₂O and x²", "H 2 O and x 2"),
    ("Chapter ⅷ", "Chapter 8"),
    ("½ an apple", "½ an apple"),  # a fraction: the providers say it
    ("hel\u00adlo\u200b there\ufeff", "hello there"),
    ("one\x1btwo\u2028three", "one two three"),
    ("a lone \ud800surrogate", "a lone surrogate"),
    ("🧑\u200d🚀 in space", "🧑\u200d🚀 in space"),
])
def test_speakable(text, said):
    assert speakable(text) == said


@pytest.mark.parametrize("text, words", [
    ("Hello, little st%⓺ar!", ["Hello", "little", "st", "6", "ar"]),
    ("One, two, ➋ ducks went swimming.", ["One", "two", "2", "ducks", "went", "swimming"]),
    ("Where did yo\ud800u go tonight?", ["Where", "did", "you", "go", "tonight"]),
])
def test_hibari_says_the_fuzzers_lines_itself(text, words):
    with warnings.catch_warnings():
        warnings.simplefilter("error", speech.SpeechFallbackWarning)  # no fallback to eSpeak
        said = speech.synthesize(text, "narrator", use_cache=False)
    assert said.provider == "hibari" and said.duration > 0.5
    assert [w.text for w in said.words] == words


def test_a_line_of_nothing_sayable_is_the_authors_error():
    with pytest.raises(speech.SpeechError, match="nothing to say"):
        speech.synthesize("\u200b\ufeff\x07", "narrator")
