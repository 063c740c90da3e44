"""The audio stage: effects, the generated tune, file decoding, loudness, the mixer.

Nothing is mocked: files are written and read with PyAV, loudness is measured by
FFmpeg's ebur128, and the sync test encodes a real MP4 with the project's
VideoWriter and decodes it again.
"""
from __future__ import annotations

import av
import numpy as np
import pytest

from storyreel.engine.audio import (
    SOUND_EFFECTS, AudioError, Mixer, NurseryTune, decode_audio, measure_lufs, normalize, nursery,
    parse_key, sound_effect,
)
from storyreel.engine.audio.synth import fft_bandpass
from storyreel.engine.timeline.timeline import AudioClip

RATE = 48_000


def write_wav(path, samples: np.ndarray, rate: int) -> None:
    """Write (channels, n) float samples in [-1, 1] as 16-bit PCM WAV with PyAV."""
    samples = np.atleast_2d(samples)
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    pcm = np.round(np.clip(samples, -1, 1) * 32767).astype(np.int16)
    interleaved = np.ascontiguousarray(pcm.T.reshape(1, -1))
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(interleaved, format="s16", layout=layout)
        frame.sample_rate = rate
        frame.pts = 0
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def click_wav(tmp_path, name="click.wav") -> str:
    """A 48 kHz file whose first sample is a full-scale click, then 100 ms of silence."""
    x = np.zeros(4800)
    x[0] = 0.9
    path = tmp_path / name
    write_wav(path, x[None, :], RATE)
    return str(path)


def speech_like(seconds: float, level: float = 0.3, seed: int = 0) -> np.ndarray:
    """Mono 'speech': a gliding harmonic voice with a syllable-rate envelope."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    f0 = 150 + 25 * np.sin(2 * np.pi * (0.6 + 0.1 * seed) * t)
    phase = np.cumsum(f0) * 2 * np.pi / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllables = (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)) ** 2
    window = np.sin(np.pi * np.arange(n) / (n - 1))
    return (level * voice * syllables * window / 3).astype(np.float32)


def rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.asarray(x, dtype=np.float64) ** 2) + 1e-30)


# -- sound effects -------------------------------------------------------------------


@pytest.mark.parametrize("name", SOUND_EFFECTS)
def test_effect_is_short_clean_and_deterministic(name):
    x = sound_effect(name)
    assert x.dtype == np.float32 and x.shape[0] == 2
    assert 0.05 * RATE < x.shape[1] < 1.2 * RATE
    assert rms_db(x) > -40, "audible"
    assert np.abs(x).max() <= 1.0
    # no click at either end: starts and ends at zero, and the first/last 2 ms are tiny
    assert np.all(x[:, 0] == 0) and np.all(x[:, -1] == 0)
    assert np.abs(x[:, -96:]).max() < 0.02
    assert np.array_equal(x, sound_effect(name))


def test_effects_are_distinct_and_names_checked():
    effects = {n: sound_effect(n) for n in SOUND_EFFECTS}
    assert set(SOUND_EFFECTS) == {"pop", "ding", "whoosh", "clap", "boing", "chime"}

    def centroid(x):
        spec = np.abs(np.fft.rfft(x.mean(axis=0)))
        freqs = np.fft.rfftfreq(x.shape[1], 1 / RATE)
        return float((spec * freqs).sum() / spec.sum())

    signatures = {n: (round(x.shape[1] / RATE, 2), round(centroid(x), -1)) for n, x in effects.items()}
    assert len(set(signatures.values())) == len(SOUND_EFFECTS), signatures
    with pytest.raises(AudioError) as err:
        sound_effect("dingg")
    assert "ding" in str(err.value)


# -- the nursery tune ------------------------------------------------------------------


def test_nursery_length_fade_and_seeds():
    a = nursery(7.3, seed=1)
    assert a.shape == (2, round(7.3 * RATE)) and a.dtype == np.float32
    assert rms_db(a) > -35
    assert np.all(a[:, 0] == 0) and np.all(a[:, -1] == 0), "starts from silence, fades out to zero"
    assert rms_db(a[:, -RATE // 10:]) < rms_db(a) - 20, "faded out at the end"
    assert np.array_equal(a, nursery(7.3, seed=1)), "deterministic"
    b = nursery(7.3, seed=2)
    assert not np.allclose(a, b, atol=1e-3), "another seed, another melody"
    assert np.abs(a[0] - a[1]).max() > 1e-3, "stereo, not two copies of mono"


def test_nursery_loops_seamlessly():
    tune = NurseryTune(tempo=180, key="D", seed=4)
    L = tune.loop_length
    x = tune.read(0, 3 * L)
    deltas = np.abs(np.diff(x.astype(np.float64), axis=1)).max(axis=0)
    typical = np.percentile(deltas, 99.9)
    for seam in (L, 2 * L):
        assert deltas[seam - 3:seam + 3].max() <= typical, "no jump at the loop point"
    # the second and third passes are the same samples (the loop), the pass after the
    # first carries the first one's tails
    assert np.array_equal(x[:, L:2 * L], x[:, 2 * L:3 * L])
    # reading in pieces gives the same samples as reading at once
    pieces = np.concatenate([tune.read(s, 7777) for s in range(L - 20000, L + 20000, 7777)], axis=1)
    assert np.array_equal(pieces[:, :40000], x[:, L - 20000:L + 20000])


def _beat_period(x: np.ndarray) -> float:
    """Seconds between low-band (kick + bass) onsets, from the onset envelope's autocorrelation."""
    low = fft_bandpass(x.mean(axis=0).astype(np.float64), 30.0, 150.0)
    hop = 480
    env = np.sqrt((low[: len(low) // hop * hop].reshape(-1, hop) ** 2).mean(axis=1))
    env = np.convolve(env, np.hanning(5) / np.hanning(5).sum(), "same")
    onset = np.maximum(np.diff(env), 0)
    onset -= onset.mean()
    ac = np.correlate(onset, onset, "full")[len(onset) - 1:]
    lags = np.arange(len(ac)) * hop / RATE
    peaks = [i for i in range(1, len(ac) - 1)
             if 0.25 < lags[i] < 3 and ac[i] >= ac[i - 1] and ac[i] >= ac[i + 1]]
    best = max(ac[i] for i in peaks)
    return float(next(lags[i] for i in peaks if ac[i] >= 0.8 * best))


@pytest.mark.parametrize("tempo", [90, 150])
def test_tempo_sets_the_beat(tempo):
    # kick and bass land on beats 1 and 3: one low onset every two beats
    assert _beat_period(nursery(10, tempo=tempo, seed=3)) == pytest.approx(120 / tempo, abs=0.02)


@pytest.mark.parametrize("kwargs, words", [
    ({"tempo": 250}, "tempo 250"), ({"tempo": 20}, "between 60 and 180"),
    ({"key": "H"}, "key 'H'"), ({"key": "C minor"}, "C minor"), ({"seed": "x"}, "seed"),
])
def test_nursery_rejects_bad_settings(kwargs, words):
    with pytest.raises(AudioError) as err:
        nursery(1.0, **kwargs)
    assert words in str(err.value) and err.value.hint


def test_nursery_keys_transpose():
    assert parse_key("bb") == ("Bb", 10) and parse_key("F#") == ("F#", 6) and parse_key("G major") == ("G", 7)
    c, b_flat = nursery(2.0, key="C"), nursery(2.0, key="Bb")
    assert not np.allclose(c, b_flat, atol=1e-3)


# -- files -------------------------------------------------------------------------------


def test_decode_resamples_mono_44k_to_48k_stereo(tmp_path):
    n = int(1.5 * 44100)
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(n) / 44100)
    path = tmp_path / "tone.wav"
    write_wav(path, tone[None, :], 44100)
    x = decode_audio(path)
    assert x.shape == (2, round(1.5 * RATE)) and x.dtype == np.float32
    assert np.array_equal(x[0], x[1])
    assert np.abs(x[:, 1000:-1000]).max() == pytest.approx(0.5, abs=0.01), "mono keeps its level"
    spectrum = np.abs(np.fft.rfft(x[0]))
    assert np.fft.rfftfreq(x.shape[1], 1 / RATE)[spectrum.argmax()] == pytest.approx(440, abs=1)
    assert decode_audio(path, trim_start=0.5, trim_end=1.0).shape == (2, RATE // 2)


def test_unreadable_missing_and_silent_files_name_the_file(tmp_path):
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"this is not an mp3 file at all " * 40)
    for path in (bad, tmp_path / "missing.wav"):
        with pytest.raises(AudioError) as err:
            decode_audio(path)
        assert path.name in str(err.value)
    # the mixer checks its sources when it is built, before any rendering
    with pytest.raises(AudioError) as err:
        Mixer([AudioClip(0.0, "music", str(bad))], 2.0)
    assert "broken.mp3" in str(err.value)
    with pytest.raises(AudioError) as err:
        Mixer([AudioClip(0.0, "sound", "boinng")], 2.0)
    assert "boing" in str(err.value)


# -- loudness -------------------------------------------------------------------------------


def test_normalize_reaches_target_and_peak_ceiling():
    rng = np.random.default_rng(0)
    t = np.arange(20 * RATE) / RATE
    quiet = 0.05 * np.sin(2 * np.pi * 220 * t) + 0.02 * rng.standard_normal(len(t))
    spiky = quiet.copy()
    spiky[::RATE // 2] += 0.6  # a crest factor that needs the limiter at -14 LUFS
    for signal in (quiet, spiky):
        x = np.stack([signal, 0.8 * signal]).astype(np.float32)
        before, _ = measure_lufs(x)
        assert before < -20
        lufs, peak = measure_lufs(normalize(x))
        assert lufs == pytest.approx(-14.0, abs=1.0)
        assert peak <= -1.0 + 0.05
    silence = np.zeros((2, RATE), dtype=np.float32)
    assert measure_lufs(silence) == (float("-inf"), float("-inf"))
    assert np.array_equal(normalize(silence), silence)


def test_measure_matches_a_known_tone():
    # a 1 kHz sine at -20 dBFS in both channels measures -20 LUFS (K-weighting ~0 dB at 1 kHz)
    t = np.arange(5 * RATE) / RATE
    tone = (0.1 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    lufs, peak = measure_lufs(np.stack([tone, tone]))
    assert lufs == pytest.approx(-20.0, abs=0.2)
    assert peak == pytest.approx(-20.0, abs=0.1)


# -- the mixer ----------------------------------------------------------------------------------


def test_clicks_land_on_their_exact_sample(tmp_path):
    click = click_wav(tmp_path)
    impulse = np.zeros(960, dtype=np.float32)
    impulse[0] = 0.5
    starts = (0.0, 0.123457, 1.5, 2.0 + 1 / 3)
    clips = [AudioClip(s, "sound", click) for s in starts[:2]] + \
            [AudioClip(s, "speech", "line") for s in starts[2:]]
    mixer = Mixer(clips, 3.0, speech_loader=lambda source: impulse, loudness_target=None)
    out = mixer.render()
    assert out.shape == (2, 3 * RATE)
    hits = np.flatnonzero(np.abs(out[0]) > 1e-6)
    assert hits.tolist() == [round(s * RATE) for s in starts]
    # normalised, the clicks stay where they were
    out = Mixer(clips, 3.0, speech_loader=lambda source: impulse).render()
    loudest = np.argsort(np.abs(out[0]))[-4:]
    assert sorted(loudest.tolist()) == [round(s * RATE) for s in starts]


def test_read_pads_past_the_end_and_matches_render():
    mixer = Mixer([AudioClip(0.0, "music", "nursery"), AudioClip(0.4, "sound", "ding")], 2.5)
    whole = mixer.render()
    pieces = np.concatenate([mixer.read(s, 1024) for s in range(0, 3 * RATE, 1024)], axis=1)
    assert np.array_equal(pieces[:, :whole.shape[1]], whole)
    assert not pieces[:, whole.shape[1]:].any()


def test_music_ducks_about_10_db_under_speech():
    speech = speech_like(2.0)
    music = AudioClip(0.0, "music", "nursery", duck=True, params={"tempo": 120, "seed": 2})
    alone = Mixer([music], 8.0, loudness_target=None).render()
    mixer = Mixer([music, AudioClip(3.0, "speech", "hello")], 8.0,
                  speech_loader=lambda source: speech, loudness_target=None)
    mixed = mixer.render()
    ducked = mixed.copy()
    ducked[:, 3 * RATE:5 * RATE] -= speech  # what is left is the music, as the mixer lowered it
    inside = slice(int(3.3 * RATE), int(4.7 * RATE))
    outside = slice(int(0.5 * RATE), int(2.5 * RATE))
    assert rms_db(ducked[:, inside]) - rms_db(alone[:, inside]) == pytest.approx(-10.0, abs=0.5)
    assert rms_db(ducked[:, outside]) - rms_db(alone[:, outside]) == pytest.approx(0.0, abs=0.01)
    gain = 20 * np.log10(mixer.duck_gain(0, 8 * RATE).astype(np.float64))
    first = np.flatnonzero(np.abs(speech) > 10 ** (-50 / 20))[0] + 3 * RATE
    assert gain[first] == pytest.approx(-10.0, abs=0.01), "fully down when speech starts"
    assert gain[first - int(0.1 * RATE)] == pytest.approx(0.0, abs=0.01), "attack ~80 ms"
    assert np.abs(np.diff(gain)).max() < 0.01, "smooth: no steps in the gain"
    back = np.flatnonzero(gain > -0.01)
    assert 0.25 < (back[back > first][0] - (5 * RATE - first)) / RATE, "release ~300 ms"


def test_realistic_mix_is_normalised_and_bounded():
    clips = [AudioClip(0.0, "music", "nursery", duck=True, params={"tempo": 110, "key": "G", "seed": 3})]
    clips += [AudioClip(1.0 + 2.4 * i, "speech", f"line{i}") for i in range(8)]
    clips += [AudioClip(0.5 + 2.5 * i, "sound", SOUND_EFFECTS[i % 6], volume=0.8) for i in range(8)]
    lines = {f"line{i}": speech_like(1.6, level=0.5, seed=i) for i in range(8)}
    mixer = Mixer(clips, 20.0, speech_loader=lines.__getitem__)
    out = mixer.render()
    lufs, peak = measure_lufs(out)
    assert lufs == pytest.approx(-14.0, abs=0.5)
    assert peak <= -1.0 + 0.05
    stats = mixer.mix_stats()
    assert stats["realtime_factor"] and stats["realtime_factor"] > 5
    # music alone, faded out at the video's end
    assert np.abs(out[:, -1]).max() < 1e-6


def test_silent_mix_passes_through():
    assert not Mixer([], 1.0).render().any()
    quiet = Mixer([AudioClip(0.2, "speech", "s")], 1.0, speech_loader=lambda s: np.zeros(4800, np.float32))
    assert not quiet.render().any()
    assert quiet.mix_stats()["integrated_before"] == float("-inf")


def test_ten_minute_mix_keeps_a_click_on_its_sample(tmp_path):
    click = click_wav(tmp_path)
    duration = 600.0
    at = 599.5
    base = [AudioClip(0.0, "music", "nursery", duck=True, loop=True)]
    base += [AudioClip(30.0 * i + 1, "speech", "line") for i in range(20)]
    line = speech_like(2.0)
    with_click = Mixer(base + [AudioClip(at, "sound", click)], duration, speech_loader=lambda s: line,
                       loudness_target=None)
    without = Mixer(base, duration, speech_loader=lambda s: line, loudness_target=None)
    start = round(at * RATE) - 5000
    diff = with_click.read(start, 10000) - without.read(start, 10000)
    assert np.flatnonzero(np.abs(diff[0]) > 1e-6).tolist() == [5000]
    # and the end of the video: the tune fades to zero on the last sample, then zeros
    tail = with_click.read(round(duration * RATE) - 10, 20)
    assert tail[:, 9].any() or tail[:, 8].any()
    assert not tail[:, 10:].any()


def test_encoded_video_keeps_audio_in_sync(tmp_path):
    from storyreel.engine.encode.encoder import EncodeSettings, VideoWriter

    impulse = np.zeros(4800, dtype=np.float32)
    impulse[0], impulse[1] = 0.9, -0.9
    mixer = Mixer([AudioClip(0.0, "music", "nursery", duck=True), AudioClip(2.0, "speech", "click")],
                  3.0, speech_loader=lambda source: impulse, loudness_target=None)
    out = tmp_path / "sync.mp4"
    with VideoWriter(out, EncodeSettings(64, 36, 30, quality="draft"), mixer) as writer:
        for _ in range(90):
            writer.write(np.zeros((36, 64, 4), np.uint8))
    with av.open(str(out)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "aac" and stream.codec_context.profile == "LC"
        frames = list(container.decode(stream))
    assert frames[0].pts == 0
    decoded = np.concatenate([f.to_ndarray() for f in frames], axis=1)
    click_at = int(np.abs(np.diff(decoded[0])).argmax())
    assert abs(click_at - 2 * RATE) <= 2, "the click is where the mixer put it (well within a frame)"


def test_encoded_mix_meets_the_loudness_target(tmp_path):
    """Through the real AAC encoder: -14 LUFS and true peaks still under -1 dBTP."""
    from storyreel.engine.encode.encoder import EncodeSettings, VideoWriter

    clips = [AudioClip(0.0, "music", "nursery", duck=True, params={"tempo": 110, "key": "G", "seed": 3})]
    clips += [AudioClip(0.8 + 2.0 * i, "speech", f"line{i}") for i in range(4)]
    clips += [AudioClip(0.3 + 2.0 * i, "sound", SOUND_EFFECTS[i], volume=0.8) for i in range(4)]
    lines = {f"line{i}": speech_like(1.2, level=0.5, seed=i) for i in range(4)}
    mixer = Mixer(clips, 8.0, speech_loader=lines.__getitem__)
    out = tmp_path / "mix.mp4"
    with VideoWriter(out, EncodeSettings(64, 36, 30, quality="draft"), mixer) as writer:
        for _ in range(240):
            writer.write(np.zeros((36, 64, 4), np.uint8))
    with av.open(str(out)) as container:
        decoded = np.concatenate([f.to_ndarray() for f in container.decode(container.streams.audio[0])], axis=1)
    lufs, peak = measure_lufs(decoded)
    assert lufs == pytest.approx(-14.0, abs=0.5)
    assert peak <= -1.0
