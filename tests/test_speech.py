"""Speech synthesis: real output of the default provider (hibari's neural voice) and
of eSpeak NG (no mocks), its timings, moods, voices and the disk cache."""
from __future__ import annotations

import json
import threading

import av
import numpy as np
import pytest

from storyreel.engine.speech import (
    MOODS,
    VOICES,
    Speech,
    SpeechError,
    Voice,
    WordTiming,
    get_provider,
    providers,
    register_provider,
    synthesize,
    unregister_provider,
)

SR = 48_000
SENTENCE = "The little fox smiled."


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def median_f0(x: np.ndarray) -> float:
    """Median pitch (Hz) of the voiced 40 ms frames, by autocorrelation."""
    n, found = 1920, []
    loud = 0.1 * np.abs(x).max()
    for i in range(0, x.size - n, n):
        frame = x[i:i + n].astype(np.float64)
        if rms(frame) < 0.2 * loud:
            continue
        frame -= frame.mean()
        ac = np.correlate(frame, frame, "full")[n - 1:]
        lo, hi = SR // 500, SR // 60
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] > 0.3 * ac[0]:
            found.append(SR / k)
    assert found, "no voiced frames"
    return float(np.median(found))


def same_words(a: Speech, b: Speech, tolerance: float = 0.025) -> bool:
    return [w.text for w in a.words] == [w.text for w in b.words] and all(
        abs(x.start - y.start) <= tolerance for x, y in zip(a.words, b.words))


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def test_sentence_is_audible_48k_mono(cache):
    speech = synthesize(SENTENCE, cache_dir=cache)
    assert isinstance(speech, Speech)
    assert speech.samples.dtype == np.float32 and speech.samples.ndim == 1
    assert speech.sample_rate == SR
    assert 0.5 < speech.duration < 3.5
    assert np.abs(speech.samples).max() > 0.1 and np.abs(speech.samples).max() <= 1.0
    assert rms(speech.samples) > 0.01
    assert speech.stereo().shape == (2, speech.samples.size)


def test_word_timings_one_per_word_in_order(cache):
    speech = synthesize(SENTENCE, cache_dir=cache)
    assert [w.text for w in speech.words] == ["The", "little", "fox", "smiled"]
    previous_end = 0.0
    for w in speech.words:
        assert 0.0 <= w.start < w.end <= speech.duration + 1e-6
        assert w.start >= previous_end - 1e-6
        previous_end = w.end
    # Punctuation is stripped, a hyphenated word stays one word, non-ASCII positions line up.
    speech = synthesize('"Hello," said the well-known café owner!', cache_dir=cache)
    assert [w.text for w in speech.words] == ["Hello", "said", "the", "well-known", "café", "owner"]


def test_words_hold_the_energy(cache):
    speech = synthesize(SENTENCE, cache_dir=cache)
    overall = rms(speech.samples)
    for w in speech.words:
        window = speech.samples[int(w.start * SR):int(w.end * SR)]
        assert rms(window) > 0.3 * overall, w
    # A comma pause is left out of the word before it.
    speech = synthesize("Wait, then run.", cache_dir=cache)
    wait, then = speech.words[0], speech.words[1]
    assert then.start - wait.end > 0.05
    gap = speech.samples[int(wait.end * SR) + 480:int(then.start * SR) - 480]
    assert rms(gap) < 0.1 * rms(speech.samples)


def test_phonemes_inside_the_audio(cache):
    speech = synthesize(SENTENCE, cache_dir=cache)
    assert len(speech.phonemes) >= 10
    starts = [p.start for p in speech.phonemes]
    assert starts == sorted(starts)
    for p in speech.phonemes:
        assert p.phoneme.strip()
        assert 0.0 <= p.start <= p.end <= speech.duration + 1e-6
    ipa = "".join(p.phoneme for p in speech.phonemes)
    assert "f" in ipa and ("ɒ" in ipa or "ɑ" in ipa)  # f-o-x, RP or US vowel (IPA, whatever the provider)
    assert speech.phonemes[0].start < 0.2 and speech.phonemes[-1].start > speech.duration / 2


def test_moods_change_speed_pitch_and_volume(cache):
    text = "Look at the big bright moon in the sky."
    plain = synthesize(text, "narrator", cache_dir=cache)
    excited = synthesize(text, "narrator", "excitedly", cache_dir=cache)
    sad = synthesize(text, "narrator", "sadly", cache_dir=cache)
    quiet = synthesize(text, "narrator", "quietly", cache_dir=cache)
    surprised = synthesize(text, "narrator", "surprised", cache_dir=cache)
    assert excited.duration < plain.duration < sad.duration
    assert excited.duration < 0.85 * sad.duration
    assert median_f0(surprised.samples) > 1.15 * median_f0(sad.samples)
    assert rms(quiet.samples) < 0.6 * rms(plain.samples)
    for name in ("happily", "gently", "curiously", "sleepily"):
        assert name in MOODS
    # Aliases and an unknown mood.
    assert synthesize(text, "narrator", "excited", cache_dir=cache).duration == excited.duration
    with pytest.raises(SpeechError) as err:
        synthesize(text, "narrator", "hapily", cache_dir=cache)
    assert "hapily" in str(err.value) and "happily" in err.value.hint


def test_the_three_voices_differ(cache):
    text = "Once upon a time there was a small green frog."
    assert {"narrator", "luna", "sunny"} <= set(VOICES)
    got = {name: synthesize(text, name, cache_dir=cache) for name in ("narrator", "luna", "sunny")}
    f0 = {name: median_f0(s.samples) for name, s in got.items()}
    assert f0["luna"] > 1.3 * f0["narrator"]
    assert f0["sunny"] > 1.3 * f0["narrator"]
    assert got["sunny"].duration < 0.97 * got["luna"].duration  # sunny is the brisk one
    assert len({round(s.duration, 3) for s in got.values()}) == 3
    listed = {p.name: p for p in providers()}
    assert listed["hibari"].available and "hibari-tts 0.2.1" in listed["hibari"].version
    assert set(listed["hibari"].voices) >= {"narrator", "luna", "sunny"}
    assert listed["espeak"].available and "espeak-ng" in listed["espeak"].version  # the fallback
    # A custom Voice works without registering it.
    custom = Voice("robot", "espeak", "en-us", rate_wpm=140, pitch=20, pitch_range=0, speaker="m1")
    assert synthesize("Beep boop.", custom, cache_dir=cache).duration > 0.3


def test_cache_hits_without_calling_the_library(cache):
    provider = get_provider("hibari")
    before = provider.calls
    first = synthesize("A cached sentence for the cache.", "luna", "happily", cache_dir=cache)
    assert provider.calls == before + 1
    assert first.path is not None and first.path.exists() and first.path.parent == cache / "speech"
    again = synthesize("A cached sentence for the cache.", "luna", "happily", cache_dir=cache)
    assert provider.calls == before + 1
    assert np.array_equal(again.samples, first.samples)
    assert again.words == first.words and again.phonemes == first.phonemes
    assert again.path == first.path
    # Another mood is another entry.
    synthesize("A cached sentence for the cache.", "luna", "sadly", cache_dir=cache)
    assert provider.calls == before + 2
    # The cached WAV is a 48 kHz file that FFmpeg reads back sample for sample.
    with av.open(str(first.path)) as container:
        stream = container.streams.audio[0]
        assert stream.rate == SR
        decoded = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(stream)])
    assert np.allclose(decoded, first.samples, atol=1e-6)


def test_corrupt_cache_entries_are_resynthesised(cache):
    provider = get_provider("hibari")
    text = "Please do not break the cache."
    first = synthesize(text, cache_dir=cache)
    calls = provider.calls
    # Damaged audio: bytes flipped in the middle of the WAV.
    blob = bytearray(first.path.read_bytes())
    blob[len(blob) // 2:len(blob) // 2 + 64] = b"\x7f" * 64
    first.path.write_bytes(bytes(blob))
    again = synthesize(text, cache_dir=cache)
    assert provider.calls == calls + 1
    # hibari is deterministic: the same input gives the same samples.
    assert same_words(again, first, tolerance=0.0)
    assert np.array_equal(again.samples, first.samples)
    # Truncated JSON, then a missing WAV.
    meta = first.path.with_suffix(".json")
    meta.write_text(meta.read_text()[:40])
    synthesize(text, cache_dir=cache)
    assert provider.calls == calls + 2
    json.loads(meta.read_text())  # rewritten whole
    first.path.unlink()
    third = synthesize(text, cache_dir=cache)
    assert provider.calls == calls + 3 and third.path.exists()


def test_empty_text_and_unknown_names_raise(cache):
    for text in ("", "   \n\t"):
        with pytest.raises(SpeechError) as err:
            synthesize(text, cache_dir=cache)
        assert "empty" in str(err.value)
    with pytest.raises(SpeechError) as err:
        synthesize("Hello.", voice="lunna", cache_dir=cache)
    assert "lunna" in err.value.message and "did you mean 'luna'" in err.value.hint
    with pytest.raises(SpeechError) as err:
        synthesize("Hello.", provider="espeek", cache_dir=cache)
    assert "espeek" in err.value.message and "espeak" in err.value.hint


def test_default_cache_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("STORYREEL_CACHE", str(tmp_path / "env-cache"))
    speech = synthesize("Where am I kept?")
    assert speech.path is not None and speech.path.parent == tmp_path / "env-cache" / "speech"
    assert speech.path.with_suffix(".json").exists()


def test_an_unknown_espeak_language_is_an_error(cache):
    bad = Voice("nowhere", "espeak", "xx-nowhere", rate_wpm=150, pitch=50, pitch_range=50)
    with pytest.raises(SpeechError) as err:
        synthesize("Hello.", bad, provider="espeak", cache_dir=cache)
    assert "espeak" in err.value.message and "xx-nowhere" in err.value.message
    # Without a forced provider the fallback chain speaks the line, with a warning naming eSpeak.
    from storyreel.engine.speech import SpeechFallbackWarning

    with pytest.warns(SpeechFallbackWarning, match="espeak.*xx-nowhere"):
        assert synthesize("Hello.", bad, cache_dir=cache).provider == "hibari"
    assert synthesize("Hello.", "narrator", cache_dir=cache).duration > 0.2  # still usable


def test_a_missing_provider_names_itself_and_how_to_install(cache):
    def not_installed():
        import storyreel_voice_that_is_not_installed  # noqa: F401

    register_provider("piper-test", not_installed, "Piper (test)", "pip install 'storyreel[piper]'")
    try:
        with pytest.raises(SpeechError) as err:
            synthesize("Hello.", provider="piper-test", cache_dir=cache)
        assert "piper-test" in err.value.message and "not installed" in err.value.message
        assert err.value.hint == "pip install 'storyreel[piper]'"
        listed = {p.name: p for p in providers()}
        assert not listed["piper-test"].available and "pip install" in listed["piper-test"].install_hint
    finally:
        unregister_provider("piper-test")


class ToneProvider:
    """A tiny real provider (a hummed tone per word at 22050 Hz): the plug-in interface."""

    name = "tone"

    def __init__(self, silent: bool = False):
        self.silent = silent

    def version(self) -> str:
        return "tone 1"

    def synthesize(self, text, voice, prosody):
        sr, per_word = 22050, 60.0 / prosody.rate_wpm
        words = text.split()
        t = np.arange(int(sr * per_word * len(words))) / sr
        hz = 100 + 3 * prosody.pitch
        samples = np.zeros_like(t) if self.silent else 0.3 * np.sin(2 * np.pi * hz * t)
        timings = tuple(WordTiming(w, i * per_word, (i + 1) * per_word) for i, w in enumerate(words))
        return Speech(samples.astype(np.float32), timings, (), sample_rate=sr)


def test_a_plugged_in_provider_is_resampled_cached_and_checked(cache):
    register_provider("tone", ToneProvider)
    register_provider("hush", lambda: ToneProvider(silent=True), install_hint="nothing to install")
    try:
        speech = synthesize("one two three", "narrator", provider="tone", cache_dir=cache)
        assert speech.sample_rate == SR and abs(speech.duration - 3 * 60 / VOICES["narrator"].rate_wpm) < 0.01
        assert [w.text for w in speech.words] == ["one", "two", "three"]
        assert speech.path is not None and speech.path.exists()
        with pytest.raises(SpeechError) as err:
            synthesize("one two three", provider="hush", cache_dir=cache)
        assert "hush" in err.value.message and "silence" in err.value.message
    finally:
        unregister_provider("tone")
        unregister_provider("hush")


def test_concurrent_synthesis_is_safe(cache):
    texts = [f"Thread number {n} says hello to everyone." for n in range(6)]
    results: dict[int, Speech] = {}

    def work(i: int) -> None:
        results[i] = synthesize(texts[i], ("narrator", "luna", "sunny")[i % 3], cache_dir=cache)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, text in enumerate(texts):
        assert [w.text for w in results[i].words] == text.rstrip(".").split()
        serial = synthesize(text, ("narrator", "luna", "sunny")[i % 3], cache_dir=cache, use_cache=False)
        assert abs(serial.duration - results[i].duration) < 0.03
        assert same_words(serial, results[i])
