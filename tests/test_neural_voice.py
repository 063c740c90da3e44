"""The default neural voice (hibari): offline, deterministic, timed from its own
durations, three distinct shaped voices, lexicon entries, pace by age, provider
failover with accounting, and intelligibility measured by an offline recogniser."""
from __future__ import annotations

import socket
import warnings

import numpy as np
import pytest

from storyreel.engine import speech
from storyreel.engine.characters.motion import viseme_for
from storyreel.engine.speech import (
    VOICES,
    Speech,
    SpeechError,
    SpeechFallbackWarning,
    WordTiming,
    rate_for_age,
    register_provider,
    synthesize,
    unregister_provider,
)
from storyreel.engine.speech import lexicon
from test_speech import median_f0, rms

SR = 48_000


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def test_the_default_is_hibari_and_espeak_is_the_fallback():
    assert speech.DEFAULT_PROVIDER == "hibari"
    assert speech.provider_order("hibari") == ["hibari", "espeak"]
    assert all(VOICES[name].provider == "hibari" for name in ("narrator", "luna", "sunny"))
    assert speech.get_provider("hibari").version().startswith("hibari-tts 0.2.1")


def test_no_network_is_touched(cache, monkeypatch):
    """The bundled voice only: with every socket refused, a fresh provider loads and speaks."""
    def refuse(*args, **kwargs):
        raise AssertionError("hibari tried to reach the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("HIBARI_HOME", str(cache / "no-downloads-here"))
    from storyreel.engine.speech.hibari import HibariProvider

    provider = HibariProvider()
    assert provider.model_path.endswith("hibari/assets/hibari.onnx")
    said = provider.synthesize("Hello, little star.", VOICES["luna"], speech.resolve_mood(None).apply(VOICES["luna"]))
    assert said.duration > 0.5 and not (cache / "no-downloads-here").exists()


def test_same_input_same_bytes(cache):
    a = synthesize("The moon is round and bright.", "sunny", "happily", use_cache=False)
    b = synthesize("The moon is round and bright.", "sunny", "happily", use_cache=False)
    assert a.samples.tobytes() == b.samples.tobytes()
    assert a.words == b.words and a.phonemes == b.phonemes


def test_word_and_phoneme_timings_follow_the_durations(cache):
    said = synthesize("Look at the big red ball.", "narrator", cache_dir=cache)
    assert [w.text for w in said.words] == ["Look", "at", "the", "big", "red", "ball"]
    starts = [w.start for w in said.words]
    assert starts == sorted(starts) and said.words[-1].end <= said.duration + 1e-6
    for w in said.words:  # every word holds sound
        window = said.samples[int(w.start * SR):int(w.end * SR)]
        assert rms(window) > 0.2 * rms(said.samples), w
    ipa = [p.phoneme.lstrip("ˈˌ") for p in said.phonemes]
    assert "b" in ipa and "ɹ" in ipa and "l" in ipa
    # misaki's one-letter symbols come out as IPA the viseme table knows.
    day = synthesize("Today I go home now.", "luna", cache_dir=cache)
    ipa = {p.phoneme.lstrip("ˈˌ") for p in day.phonemes}
    assert {"eɪ", "aɪ", "oʊ", "aʊ"} <= ipa and not ipa & set("AIOWYTᵊ")


def test_every_hibari_phoneme_has_a_viseme():
    import json
    import os

    import hibari

    from storyreel.engine.speech.hibari import NOT_PHONEMES, STRESS, to_ipa

    vocab = json.load(open(os.path.join(os.path.dirname(hibari.__file__), "assets", "vocab.json"), encoding="utf-8"))
    english = set("AIOWYTQbdfhijklmnpstuvwzæðŋɑɔəɛɜɡɪɹɾʃʊʌʒʤʧθᵊɐ")
    for ch in vocab:
        if ch in NOT_PHONEMES or ch in STRESS or ch not in english:
            continue
        assert viseme_for(to_ipa(ch)) in ("A", "E", "O", "M", "F", "L"), ch
    assert viseme_for(to_ipa("O")) == "O" and viseme_for(to_ipa("A")) == "E" and viseme_for("m") == "M"


def test_the_voices_differ_in_pitch_and_do_not_clip(cache):
    text = "Once upon a time there was a small green frog."
    got = {name: synthesize(text, name, cache_dir=cache) for name in ("narrator", "luna", "sunny")}
    f0 = {name: median_f0(s.samples) for name, s in got.items()}
    assert f0["narrator"] < f0["luna"] < f0["sunny"]
    assert f0["luna"] > 1.25 * f0["narrator"] and f0["sunny"] > 1.08 * f0["luna"]
    for s in got.values():
        assert np.abs(s.samples).max() < 0.99  # soft-limited, never clipped
        assert 0.03 < rms(s.samples) < 0.3
    assert "semitones" in speech.voice_recipe("sunny") and "formants" in speech.voice_recipe("narrator")


def test_pace_by_age_and_per_line(cache):
    luna = VOICES["luna"]
    assert 110 <= rate_for_age(luna, 2) <= 130 and 130 <= rate_for_age(luna, 4) <= 150
    assert 130 <= rate_for_age(luna, 5) <= 150
    text = "We can count the little ducks in the pond today."
    two = synthesize(text, "luna", cache_dir=cache, age=2)
    five = synthesize(text, "luna", cache_dir=cache, age=5)
    slow = synthesize(text, "luna", cache_dir=cache, age=5, rate=0.8)
    assert two.duration > 1.1 * five.duration and slow.duration > 1.15 * five.duration
    words = len(text.split())
    assert 95 <= words / two.duration * 60 <= 145  # about 110-130 wpm at 2 (one line, lead and tail included)
    # Sentences are separated by a pause.
    two_sentences = synthesize("The sun is up. The birds sing.", "luna", cache_dir=cache, age=3)
    up, the = two_sentences.words[3], two_sentences.words[4]
    assert (up.text, the.text) == ("up", "The")
    assert the.start - up.end > 0.2


def test_lexicon_letter_names_and_sounds(cache):
    assert lexicon.shown("The letter A says {a-sound}.") == "The letter A says a."
    assert lexicon.shown("{A-sound}, {a-sound}, apple!") == "A, a, apple!"
    spoken, shown = lexicon.for_provider("The letter A says {a-sound}.", "hibari")
    assert "[a](/ˈæ/)" in spoken and shown == "The letter A says a."
    assert lexicon.for_provider("A!", "hibari")[0] == "[A](/ˈA/)!"
    for provider in ("hibari", "espeak"):
        said = synthesize("The letter A says {a-sound}.", "narrator", provider=provider, cache_dir=cache)
        assert [w.text for w in said.words] == ["The", "letter", "A", "says", "a"]
        ipa = [p.phoneme.lstrip("ˈˌ") for p in said.phonemes]
        assert "eɪ" in ipa and ipa[-1] == "æ", (provider, ipa)  # "A" as /eɪ/, the sound as /æ/
        alone = synthesize("A!", "luna", provider=provider, cache_dir=cache)
        assert [p.phoneme.lstrip("ˈˌ") for p in alone.phonemes] == ["eɪ"], provider
    with pytest.raises(SpeechError) as err:
        synthesize("The letter A says {a-sond}.", cache_dir=cache)
    assert "a-sond" in err.value.message and "{a-sound}" in err.value.hint


class Broken:
    name = "broken"

    def version(self):
        return "broken 1"

    def synthesize(self, text, voice, prosody):
        raise RuntimeError("the cloud is down")


class Beeper:
    name = "beeper"

    def version(self):
        return "beeper 1"

    def synthesize(self, text, voice, prosody):
        n = int(0.25 * 22050 * len(text.split()))
        samples = (0.3 * np.sin(np.arange(n) * 0.06)).astype(np.float32)
        words = tuple(WordTiming(w, i * 0.25, (i + 1) * 0.25) for i, w in enumerate(text.split()))
        return Speech(samples, words, (), sample_rate=22050)


def test_a_failing_provider_falls_back_with_a_warning_and_is_counted(cache, monkeypatch):
    register_provider("broken", Broken)
    register_provider("beeper", Beeper)
    register_provider("absent", lambda: __import__("storyreel_provider_that_is_not_installed"),
                      install_hint="pip install absent")
    speech.reset_usage()
    try:
        monkeypatch.setenv("STORYREEL_SPEECH_PROVIDERS", "absent,broken,beeper")
        with pytest.warns(SpeechFallbackWarning) as caught:
            said = synthesize("one two three", "luna", cache_dir=cache)
        messages = [str(w.message) for w in caught]
        assert any("'absent'" in m and "not installed" in m and "'broken'" in m for m in messages)
        assert any("'broken'" in m and "the cloud is down" in m and "'beeper'" in m for m in messages)
        assert said.provider == "beeper" and abs(said.duration - 0.75) < 0.02
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SpeechFallbackWarning)
            again = synthesize("one two three", "luna", cache_dir=cache)
        assert again.path == said.path
        summary = speech.usage_summary()
        assert summary["order"] == ["absent", "broken", "beeper"]
        assert summary["providers"]["absent"]["failures"] == 2
        assert summary["providers"]["broken"]["failures"] == 2
        beeper = summary["providers"]["beeper"]
        assert beeper["lines"] == 2 and beeper["synthesised"] == 1 and beeper["cache_hits"] == 1
        assert abs(beeper["seconds"] - 1.5) < 0.05
        assert any("broken" in m for m in summary["fallbacks"])
        assert "beeper 2 lines (1 synthesised, 1 cached" in speech.usage_line()
        # Every provider failing: the last error is raised.
        monkeypatch.setenv("STORYREEL_SPEECH_PROVIDERS", "absent,broken")
        with pytest.warns(SpeechFallbackWarning), pytest.raises(SpeechError) as err:
            synthesize("four five", "luna", cache_dir=cache)
        assert "broken" in err.value.message
    finally:
        for name in ("broken", "beeper", "absent"):
            unregister_provider(name)
        speech.reset_usage()


def test_cache_hits_cost_nothing(cache):
    import time

    text = "A cached line costs nothing at all."
    synthesize(text, "narrator", cache_dir=cache)
    began = time.perf_counter()
    for _ in range(20):
        synthesize(text, "narrator", cache_dir=cache)
    assert (time.perf_counter() - began) / 20 < 0.05


SENTENCES = [
    "The little fox smiled at the moon.",
    "Can you count the red apples with me?",
    "The cat sat on a warm mat.",
    "We are going to the park today.",
    "Look at the big blue boat on the water.",
]


def word_error_rate(reference: str, hypothesis: str) -> tuple[int, int]:
    ref = [w.strip(".,!?").lower() for w in reference.split()]
    hyp = hypothesis.lower().split()
    d = np.zeros((len(ref) + 1, len(hyp) + 1), int)
    d[:, 0], d[0, :] = range(len(ref) + 1), range(len(hyp) + 1)
    for i in range(1, len(ref) + 1):
        for j in range(1, len(hyp) + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]))
    return int(d[-1, -1]), len(ref)


def recogniser():
    pocketsphinx = pytest.importorskip("pocketsphinx")
    return pocketsphinx.Decoder(samprate=16000, logfn="/dev/null")


def recognise(decoder, samples: np.ndarray) -> str:
    from storyreel.engine.speech.audio import resample

    pcm = (np.clip(resample(samples, SR, 16000), -1, 1) * 32767).astype("<i2").tobytes()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp else ""


@pytest.mark.parametrize("voice", ["narrator", "luna", "sunny"])
def test_an_offline_recogniser_understands_each_voice(cache, voice):
    decoder = recogniser()
    errors = words = 0
    for sentence in SENTENCES:
        said = synthesize(sentence, voice, cache_dir=cache, age=4)
        e, n = word_error_rate(sentence, recognise(decoder, said.samples))
        errors, words = errors + e, words + n
    assert errors / words <= 0.3, (voice, errors / words)


def test_a_render_reports_speech_in_the_summary_and_out_json(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from storyreel.cli import main

    monkeypatch.setenv("STORYREEL_CACHE", str(tmp_path / "cache"))
    scene = tmp_path / "lex.scene"
    scene.write_text('video "Letters" {\n    size 160x90\n    fps 10\n    captions on\n    age 3\n}\n\n'
                     'scene a {\n    narrator says "The letter A says {a-sound}." rate 0.9\n'
                     '    luna says "A!" happily\n}\n', encoding="utf-8")
    speech.reset_usage()
    result = CliRunner().invoke(main, [str(scene), "-o", str(tmp_path / "lex.mp4"), "--quality", "draft"])
    assert result.exit_code == 0, result.output
    assert "speech: hibari 2 lines (2 synthesised, 0 cached" in result.stderr
    meta = json.loads((tmp_path / "lex.json").read_text(encoding="utf-8"))
    assert meta["speech"]["order"] == ["hibari", "espeak"] and meta["speech"]["fallbacks"] == []
    hibari = meta["speech"]["providers"]["hibari"]
    assert hibari["lines"] == 2 and hibari["synthesised"] == 2 and hibari["seconds"] > 1.0
    srt = (tmp_path / "lex.srt").read_text(encoding="utf-8")
    assert "The letter A says a." in srt and "{" not in srt  # the caption shows the entry's text
    # An unknown entry is an author error at the line, with the names that exist.
    scene.write_text(scene.read_text(encoding="utf-8").replace("{a-sound}", "{a-sond}"), encoding="utf-8")
    result = CliRunner().invoke(main, [str(scene), "-o", str(tmp_path / "bad.mp4")])
    assert result.exit_code == 1 and "unknown pronunciation '{a-sond}'" in result.output
    assert "lex.scene:9:19:" in result.output and "did you mean {a-sound}?" in result.output


def test_a_fallback_warning_prints_as_one_warning_line_once():
    import warnings as w

    message = SpeechFallbackWarning("speech provider 'gone' failed (test); falling back to 'espeak'")
    first = w.formatwarning(message, SpeechFallbackWarning, "dsl/audio.py", 1)
    assert first == "warning: speech provider 'gone' failed (test); falling back to 'espeak'\n"
    assert w.formatwarning(message, SpeechFallbackWarning, "dsl/audio.py", 1) == ""  # once per process
    assert "UserWarning" in w.formatwarning(UserWarning("other"), UserWarning, "x.py", 1)
