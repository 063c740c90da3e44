"""The arranged music: melodies as note data, sections that change through a piece,
a cadence at the end, the General MIDI SoundFont (when installed) and the fallback
synthesiser. Listening by proxy: pitches by FFT, levels, spectra."""
from __future__ import annotations

import numpy as np
import pytest

from storyreel.engine.audio import AudioError, RATE, measure_lufs
from storyreel.engine.audio import arrange as arr
from storyreel.engine.audio import soundfont
from storyreel.engine.audio.music import piece, render_score

from helpers import chroma

needs_soundfont = pytest.mark.skipif(not soundfont.available(),
                                     reason="no General MIDI SoundFont (scripts/setup.sh installs one)")

NURSERY = ("twinkle", "baa_baa", "mary", "old_macdonald", "london_bridge", "row_your_boat", "frere_jacques",
           "hickory_dickory", "pop_goes_the_weasel", "this_old_man", "muffin_man", "hot_cross_buns")


def test_the_table_has_the_twelve_nursery_melodies_bar_for_bar():
    table = arr.melodies()
    assert set(NURSERY) <= set(table)
    for tune in table.values():  # parsing checked every bar's length against the meter
        assert len(tune.bars) == len(tune.chords) >= 4
        last = [p for _, _, p in tune.bars[-1] if p is not None][-1]
        assert last % 12 == 0, f"{tune.name} ends on the tonic"
    twinkle = [p for bar in table["twinkle"].bars for _, _, p in bar][:7]
    assert twinkle == [60, 60, 67, 67, 69, 69, 67]  # C C G G A A G
    with pytest.raises(AudioError) as err:
        arr.find_melody("twinkel")
    assert "twinkle" in str(err.value) + (err.value.hint or "")


@pytest.mark.parametrize("duration", [0.4, 2.5, 8.0, 31.0, 95.0, 300.0])
def test_a_piece_fills_its_duration_and_ends_with_a_cadence(duration):
    score = arr.arrange(duration, seed=5)
    last = max(n.start + n.length for n in score.notes)
    assert score.seconds(last) == pytest.approx(duration, abs=0.02), "the final chord rings to the end"
    assert score.sections[-1].kind == "outro"
    final = [n for n in score.notes if n.channel == arr.BASS][-1]
    assert (final.pitch - score.home_key) % 12 == 0, "the last bass note is the home tonic"
    kinds = [s.label for s in score.sections]
    for a, b, c in zip(kinds, kinds[1:], kinds[2:]):
        assert not (a == b == c), "no section three times in a row"


def test_long_pieces_have_all_the_sections_and_change_key():
    score = arr.arrange(300, mood="playful", seed=2)
    kinds = {s.kind for s in score.sections}
    assert kinds == {"intro", "verse", "variation", "bridge", "outro"}
    assert len({s.key for s in score.sections}) >= 2, "key changes"
    assert len({s.lead for s in score.sections}) >= 3, "instruments change"
    assert len({s.theme for s in score.sections if s.kind == "verse"}) >= 2, "themes change"
    assert any(n.channel == arr.DRUMS for n in score.notes)
    sleepy = arr.arrange(60, mood="sleepy", seed=2).notes
    assert not any(n.channel == arr.DRUMS and n.pitch in (arr.KICK, arr.SHAKER, arr.CLAP) for n in sleepy), \
        "sleepy: no beat (a chime on the last chord only)"


def test_mood_age_and_seed_shape_the_music():
    tempi = {m: arr.arrange(60, mood=m, seed=1).tempo for m in arr.MOODS}
    assert tempi["sleepy"] < tempi["calm"] < tempi["happy"] < tempi["playful"]
    assert arr.arrange(60, seed=1, age=2).tempo < arr.arrange(60, seed=1, age=7).tempo
    a, b = arr.arrange(60, seed=1), arr.arrange(60, seed=2)
    assert [(n.start, n.pitch) for n in a.notes] != [(n.start, n.pitch) for n in b.notes], "seed varies the music"
    assert arr.arrange(60, seed=1).notes == a.notes, "deterministic"
    assert arr.arrange(60, melody="mary", seed=1).sections[1].theme == "mary"
    with pytest.raises(AudioError):
        arr.arrange(10, mood="grumpy")


def test_midi_round_trip_keeps_every_note():
    score = arr.arrange(20, seed=4)
    mid = score.to_midi()
    ons = [m for m in mid if m.type == "note_on" and m.velocity > 0]
    assert len(ons) == len(score.notes)
    assert mid.length == pytest.approx(20, abs=0.05)


def _pitch(x: np.ndarray, lo: float = 230.0, hi: float = 470.0) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), 8 * len(x)))
    f = np.fft.rfftfreq(8 * len(x), 1 / RATE)
    band = (f >= lo) & (f <= hi)
    return float(f[band][np.argmax(spec[band])])


@needs_soundfont
def test_twinkle_sounds_c_c_g_g_a_a_g():
    score = arr.solo("twinkle", arr.PIANO, tempo=100)
    x = render_score(score, "soundfont").mean(axis=0)
    beat = 0.6
    heard = []
    for i in range(7):
        a = int((i * beat + 0.05) * RATE)
        heard.append(_pitch(x[a:a + int(0.4 * RATE)]))
    midi = [round(69 + 12 * np.log2(h / 440)) for h in heard]
    assert midi == [60, 60, 67, 67, 69, 69, 67], heard


@needs_soundfont
def test_soundfont_piece_is_deterministic_unclipped_and_at_its_level():
    a = piece(12.0, mood="happy", seed=3).read(0, 12 * RATE)
    b = render_score(arr.arrange(12.0, mood="happy", seed=3))
    assert np.abs(a - b).max() < 1.5 / 32767, "same settings, same samples"
    assert np.abs(b).max() <= 10 ** (-3 / 20) + 1e-6, "no clipping: peaks under -3 dBFS"
    lufs, _ = measure_lufs(b)
    assert -23 < lufs < -16
    assert b[:, -1].max() == 0 and np.abs(b[:, -RATE // 2:-RATE // 3]).max() > 1e-4, "rings, then fades to zero"


def test_fallback_synth_plays_the_same_score():
    score = arr.arrange(10.0, seed=3)
    x = render_score(score, "synth")
    assert x.shape == (2, 10 * RATE) and np.abs(x).max() <= 10 ** (-3 / 20) + 1e-6
    assert np.array_equal(x, render_score(score, "synth"))


def test_three_minutes_first_and_last_minute_differ():
    p = piece(180.0, mood="happy", seed=7)
    score = p.score
    first = [(n.pitch, round(n.length, 3)) for n in score.notes if n.channel == arr.LEAD and score.seconds(n.start) < 60]
    last = [(n.pitch, round(n.length, 3)) for n in score.notes if n.channel == arr.LEAD and score.seconds(n.start) >= 120]
    assert first != last
    themes_first = {s.theme for s in score.sections if score.seconds(s.start) < 60}
    themes_last = {s.theme for s in score.sections if score.seconds(s.start) >= 110}
    assert themes_first != themes_last
    a, b = p.read(0, 60 * RATE), p.read(120 * RATE, 60 * RATE)
    distance = float(np.abs(chroma(a) - chroma(b)).sum())
    assert distance > 0.1, f"pitch-class profiles of minute 1 and minute 3 differ ({distance:.3f})"


SCENE = """
video "m" {{
    size 64x36
    fps 5
    music {music}
}}
scene a {{
    wait 2s
}}
scene b {{
    music generated mood sleepy seed 2
    wait 2s
}}
"""


def _music_clips(tmp_path, music):
    from storyreel.dsl import load_scene

    path = tmp_path / "m.scene"
    path.write_text(SCENE.format(music=music))
    timeline = load_scene(str(path)).timeline
    return [c for c in timeline.audio if c.kind == "music"]


def test_music_lines_in_the_language(tmp_path):
    first, second = _music_clips(tmp_path, "melody twinkle mood calm seed 3 volume 0.3")
    assert (first.source, first.params, first.end) == ("nursery", {"melody": "twinkle", "mood": "calm", "seed": 3}, 2.0)
    assert (second.source, second.params) == ("generated", {"mood": "sleepy", "seed": 2})
    (old,) = _music_clips(tmp_path, "nursery volume 0.25 tempo 110 seed 4")[:1]
    assert old.params == {"tempo": 110, "seed": 4}, "the old form still reads"


@pytest.mark.parametrize("music, words", [
    ("melody twinkel", "did you mean 'twinkle'"),
    ("nursery mood grumpy", "expected a music mood"),
    ("generatd", "did you mean 'generated'"),
])
def test_bad_music_lines_are_located_errors(tmp_path, music, words):
    from storyreel.dsl import SceneError

    with pytest.raises(SceneError) as err:
        _music_clips(tmp_path, music)
    assert words in err.value.format()
    assert err.value.span.line == 5


def test_render_music_command(tmp_path):
    import wave

    from click.testing import CliRunner

    from storyreel.cli import main

    runner = CliRunner()
    out = tmp_path / "tune.wav"
    result = runner.invoke(main, ["music", "--melody", "twinkle", "--mood", "calm", "--length", "6s",
                                  "--seed", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (2, 48000, 6 * 48000)
    mid = tmp_path / "tune.mid"
    assert runner.invoke(main, ["music", "--length", "5s", "-o", str(mid)]).exit_code == 0
    assert mid.read_bytes()[:4] == b"MThd"
    for bad in (["--melody", "twinkel"], ["--mood", "grumpy"], ["--length", "0s"], ["--length", "3h"],
                ["--seed", "-1"], ["--generated", "--melody", "mary"]):
        result = runner.invoke(main, ["music", *bad, "-o", str(tmp_path / "x.wav")])
        assert result.exit_code == 2, (bad, result.output)
    assert not (tmp_path / "x.wav").exists()


def test_the_videos_age_reaches_the_music(tmp_path):
    from storyreel.dsl import load_scene

    path = tmp_path / "m.scene"
    path.write_text(SCENE.format(music="nursery seed 3").replace("fps 5", "fps 5\n    age 2"))
    first, second = [c for c in load_scene(str(path)).timeline.audio if c.kind == "music"]
    assert first.params == {"seed": 3, "age": 2} and second.params["age"] == 2
    assert arr.arrange(60, seed=3, age=2).tempo < arr.arrange(60, seed=3, age=7).tempo


def test_without_the_soundfont_the_synthesiser_plays_with_a_warning(monkeypatch):
    from storyreel.engine.audio import library
    from storyreel.engine.audio import music as music_module

    monkeypatch.setenv("STORYREEL_SOUNDFONT", "")
    monkeypatch.setattr(music_module, "_warned_fallback", False)
    assert not soundfont.available() and music_module.piece_engine() == "synth"
    assert "no General MIDI SoundFont" in soundfont.describe()
    with pytest.warns(RuntimeWarning, match="built-in synthesiser"):
        x = render_score(arr.arrange(4.0, seed=1))
    assert x.shape == (2, 4 * RATE) and np.abs(x).max() > 0.1
    assert library._bank_fallback("applause").shape[1] > RATE, "bank sounds have stand-ins"


@needs_soundfont
@pytest.mark.parametrize("mood", arr.MOODS)
def test_the_arranged_verse_sounds_the_melody_on_each_moods_lead(mood):
    """The lead of a `melody twinkle` piece, alone through the SoundFont (glockenspiel,
    celesta, piano, pizzicato…, transposed to the piece's key): C C G G A A G by FFT."""
    s = arr.arrange(40, mood=mood, melody="twinkle", seed=5)
    verse = next(x for x in s.sections if x.kind == "verse")
    lead = [n for n in s.notes if n.channel == arr.LEAD]
    solo = arr.Score(tempo=s.tempo, duration=s.duration, notes=lead,
                     programs=[p for p in s.programs if p[1] == arr.LEAD])
    x = render_score(solo, "soundfont").mean(axis=0)
    notes = [n for n in lead if n.start >= verse.start][:7]
    assert [n.pitch - notes[0].pitch for n in notes] == [0, 0, 7, 7, 9, 9, 7]
    lo = 440 * 2 ** ((notes[0].pitch - 2 - 69) / 12)
    hi = 440 * 2 ** ((notes[0].pitch + 11 - 69) / 12)
    heard = []
    for n in notes:
        a = int((s.seconds(n.start) + 0.03) * RATE)
        heard.append(round(69 + 12 * np.log2(_pitch(x[a:a + int(min(0.3, s.seconds(n.length) - 0.05) * RATE)],
                                                     lo, hi) / 440)))
    assert heard == [n.pitch for n in notes]
