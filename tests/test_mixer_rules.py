"""The mixer's fades, ducking and speech detection (engine/audio/mixer.py) pinned
to their numbers (issue 21's mutation score): the 10 ms fade where `end` cuts a
clip, music's 2 s fade out (at most a quarter of the clip), a clip that ends
where it starts, how deep music ducks under speech (-10 dB) and from which
sample speech counts as sounding (-50 dBFS). Constant-level signals, no
loudness normalisation: every level below is exact arithmetic, not a measure.
"""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from storyreel.engine.audio.mixer import RATE, Mixer
from storyreel.engine.timeline.timeline import AudioClip


def constant_wav(path: Path, seconds: float, level: float = 0.5, tone: float = 0.0) -> Path:
    """A mono 16-bit WAV holding `level` throughout (0.5 is exactly 16384), or a
    sine of that amplitude at `tone` Hz."""
    t = np.arange(int(seconds * RATE)) / RATE
    samples = level * (np.sin(2 * np.pi * tone * t) if tone else np.ones_like(t))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.round(samples * 32768).astype("<i2").tobytes())
    return path


def mix(clips, duration: float, speech=None) -> np.ndarray:
    """The raw mix's left channel (no loudness normalisation)."""
    loader = (lambda source: speech[source]) if speech else None
    return Mixer(clips, duration, speech_loader=loader, loudness_target=None).render()[0]


def at(seconds: float) -> int:
    return int(round(seconds * RATE))


def test_a_cut_sound_fades_out_over_its_last_10_ms(tmp_path):
    sound = constant_wav(tmp_path / "hum.wav", 1.0)
    out = mix([AudioClip(0.0, "sound", str(sound), end=0.5)], 1.0)
    assert out[at(0.5) - at(0.012)] == 0.5  # untouched 12 ms before the cut
    assert 0.0 < out[at(0.5) - at(0.005)] < 0.5  # fading 5 ms before it
    assert out[at(0.5) - at(0.005)] == pytest.approx(0.25, abs=0.01)  # a raised cosine: half way, half level
    assert not out[at(0.5):].any()


def test_a_sound_that_ends_where_it_starts_is_silent_not_an_error(tmp_path):
    sound = constant_wav(tmp_path / "hum.wav", 1.0)
    mixer = Mixer([AudioClip(0.3, "sound", str(sound), end=0.3)], 1.0, loudness_target=None)
    assert mixer.sources == [] and not mixer.render().any()


def test_cut_music_fades_out_over_two_seconds(tmp_path):
    song = constant_wav(tmp_path / "song.wav", 12.0)
    out = mix([AudioClip(0.0, "music", str(song), end=10.0)], 10.0)
    assert out[at(7.9)] == 0.5  # 2.1 s before the cut
    assert out[at(9.0)] == pytest.approx(0.25, abs=0.01)  # half way through the fade
    assert out[-1] < 0.001


def test_cut_music_fades_over_at_most_a_quarter_of_it(tmp_path):
    song = constant_wav(tmp_path / "song.wav", 12.0)
    out = mix([AudioClip(0.0, "music", str(song), end=4.0)], 4.0)  # a quarter: 1 s, not 2
    assert out[at(2.95)] == 0.5
    assert out[at(3.5)] == pytest.approx(0.25, abs=0.01)


def test_music_fades_in_over_50_ms(tmp_path):
    song = constant_wav(tmp_path / "song.wav", 2.0)
    out = mix([AudioClip(0.0, "music", str(song))], 1.0)
    assert out[at(0.025)] == pytest.approx(0.25, abs=0.01)  # half way: half level
    assert out[at(0.051)] == 0.5


def test_a_sounds_fade_in_and_fade_out_mirror_each_other_sample_for_sample(tmp_path):
    sound = constant_wav(tmp_path / "hum.wav", 1.0)
    out = mix([AudioClip(0.0, "sound", str(sound), params={"fade_in": 0.05, "fade_out": 0.05})], 1.0)
    n = at(0.05)
    assert 0.0 < out[0] < 1e-6 and out[n] == 0.5
    assert np.array_equal(out[:n], out[at(1.0) - n:][::-1])


def test_a_looped_file_crossfades_its_seam_with_equal_power(tmp_path):
    # a 1 s loop: the last 50 ms fade out under the first 50 ms (cos / sin), so a constant
    # level rises to 0.5 * (cos 45deg + sin 45deg) half way through the seam
    song = constant_wav(tmp_path / "loop.wav", 1.0)
    out = mix([AudioClip(0.0, "music", str(song), loop=True, params={"fade_in": 0.0})], 3.0)
    seam = at(1.0) - at(0.05)  # where the second pass begins
    assert out[seam - 10] == 0.5
    assert out[seam + at(0.025)] == pytest.approx(0.5 * 2 ** 0.5, abs=1e-3)
    assert out[seam + at(0.0125)] == pytest.approx(0.5 * (np.cos(np.pi / 8) + np.sin(np.pi / 8)), abs=1e-3)
    assert out[seam + at(0.06)] == 0.5


def test_a_clip_at_volume_zero_is_silent_not_an_error(tmp_path):
    sound = constant_wav(tmp_path / "hum.wav", 1.0)
    assert not mix([AudioClip(0.0, "sound", str(sound), volume=0.0)], 1.0).any()


def ducked_music(tmp_path: Path, speech: np.ndarray) -> np.ndarray:
    """A 0.5 music file ducked under a line of `speech` said from 1 s; the mix's left channel."""
    song = constant_wav(tmp_path / "song.wav", 4.0)
    return mix([AudioClip(0.0, "music", str(song), duck=True, params={"fade_in": 0.0}),
                AudioClip(1.0, "speech", "line")], 4.0, speech={"line": speech})


def test_music_ducks_ten_db_under_speech(tmp_path):
    out = ducked_music(tmp_path, np.full((1, at(1.0)), 0.1, np.float32))
    assert out[at(0.5)] == 0.5  # before the line (and its 80 ms attack)
    assert out[at(1.5)] == pytest.approx(0.1 + 0.5 * 10 ** (-10 / 20), abs=1e-6)
    assert out[at(3.0)] == 0.5  # after the line and its 300 ms release


@pytest.mark.parametrize("pause, ducked_between", [(0.37, True), (0.38, True), (0.39, False)])
def test_music_stays_ducked_between_lines_closer_than_attack_and_release(tmp_path, pause, ducked_between):
    # two lines (0.1 for half a second each) `pause` apart: under 80 ms attack + 300 ms
    # release the music stays down between them; over it, it comes back up
    song = constant_wav(tmp_path / "song.wav", 4.0)
    word = np.full((1, at(0.5)), 0.1, np.float32)
    out = mix([AudioClip(0.0, "music", str(song), duck=True, params={"fade_in": 0.0}),
               AudioClip(1.0, "speech", "one"), AudioClip(1.5 + pause, "speech", "two")], 4.0,
              speech={"one": word, "two": word})
    middle = out[at(1.5 + pause / 2)]
    assert bool(middle < 0.2) == ducked_between, middle  # fully down: 0.5 at -10 dB = 0.16


@pytest.mark.parametrize("lead_in_dbfs, ducked_early", [(-54.0, False), (-46.0, True)])
def test_speech_counts_as_sounding_from_minus_50_dbfs(tmp_path, lead_in_dbfs, ducked_early):
    # half a second of near-silence before the words: under -50 dBFS it is not speech
    quiet = 10 ** (lead_in_dbfs / 20)
    line = np.concatenate([np.full(at(0.5), quiet), np.full(at(1.0), 0.1)])[None, :].astype(np.float32)
    out = ducked_music(tmp_path, line)
    music_at_1_2s = out[at(1.2)] - quiet
    assert bool(music_at_1_2s < 0.2) == ducked_early, music_at_1_2s


def test_the_mix_reports_its_samples_and_passes(tmp_path):
    song = constant_wav(tmp_path / "song.wav", 2.0, level=0.1, tone=440)  # -14 LUFS without the limiter
    quiet = Mixer([AudioClip(0.0, "music", str(song))], 2.0)
    quiet.render()
    assert (quiet.stats.output_samples, quiet.stats.passes, quiet.stats.limited) == (at(2.0), 1, False)
    loud = Mixer([AudioClip(0.0, "music", str(constant_wav(tmp_path / "loud.wav", 2.0, level=0.5, tone=440)))], 2.0,
                 loudness_target=0.0)  # +6.7 dB would peak over -1 dBTP: limited, then measured again
    loud.render()
    assert (loud.stats.passes, loud.stats.limited) == (2, True)
