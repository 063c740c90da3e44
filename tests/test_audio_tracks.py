"""Named sound and music tracks (dsl/tracks.py): volume keyframes, tracks across
scenes and transitions, several music tracks at once, and ducking under a recorded
voice. Every check is made on the decoded soundtrack of a rendered WAV."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from helpers import scene_text, write_wav

RATE = 48_000


def tone(freq: float, seconds: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return level * np.sin(2 * np.pi * freq * t)


def soundtrack(tmp_path: Path, body: str, settings: str = "") -> np.ndarray:
    """The mono soundtrack of the .scene `body` (written beside tone files a440.wav,
    3 s of 440 Hz, and b660.wav, 3 s of 660 Hz), rendered to a WAV and decoded."""
    from storyreel.dsl import CompileOptions, load_scene
    from storyreel.engine.encode.formats import render_output

    write_wav(tmp_path / "a440.wav", tone(440, 3))
    write_wav(tmp_path / "b660.wav", tone(660, 3))
    scene = tmp_path / "s.scene"
    scene.write_text(scene_text(body, "size 160x90\nfps 10\n" + settings))
    render_output(load_scene(scene, None, CompileOptions()).timeline, tmp_path / "out.wav")
    with av.open(str(tmp_path / "out.wav")) as container:
        pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    return pcm.reshape(-1, 2).mean(axis=1) / 32768.0


def level(x: np.ndarray, a: float, b: float, freq: float | None = None) -> float:
    """RMS of seconds [a, b); with `freq`, of that frequency's component only."""
    seg = x[int(a * RATE):int(b * RATE)]
    if freq is None:
        return float(np.sqrt(np.mean(seg ** 2)))
    t = np.arange(seg.size) / RATE
    c, s = np.mean(seg * np.cos(2 * np.pi * freq * t)), np.mean(seg * np.sin(2 * np.pi * freq * t))
    return float(np.sqrt(2 * (c * c + s * s)))  # the amplitude's RMS: amplitude / sqrt 2


def hum_scene(*steps: str) -> str:
    """A scene where a looping 440 Hz track `hum` starts, then after 0.5 s `steps` run."""
    lines = "".join(f"    {step}\n" for step in steps)
    return f'scene s {{\n    background solid white\n    hum = sound "a440.wav" loop\n    wait 0.5s\n{lines}}}\n'


def test_volume_keyframes_ramp_the_level_at_the_times_they_name(tmp_path):
    x = soundtrack(tmp_path, hum_scene("hum: volume to 0.25 over 1s ease linear", "wait 0.5s",
                                       "hum: volume to 0.5 over 0.5s", "wait 0.5s"))
    full = level(x, 0.1, 0.45)
    assert full > 0.05
    assert level(x, 0.95, 1.05) == pytest.approx(0.625 * full, rel=0.05)  # halfway down the linear ramp
    assert level(x, 1.55, 1.95) == pytest.approx(0.25 * full, rel=0.03)
    assert level(x, 2.55, 2.95) == pytest.approx(0.5 * full, rel=0.03)


def test_fade_in_is_silent_until_it_starts_and_fade_out_stops_the_track(tmp_path):
    x = soundtrack(tmp_path, hum_scene("hum: fade in 0.5s", "wait 0.5s", "hum: fade out 0.5s", "wait 0.5s"))
    assert level(x, 0.0, 0.45) < 1e-3
    assert level(x, 1.05, 1.45) > 0.05
    assert level(x, 2.05, 2.5) < 1e-3


def test_a_track_across_scenes_plays_through_the_transition_until_a_later_scene_stops_it(tmp_path):
    x = soundtrack(tmp_path, """
        scene one {
            background solid white
            hum = sound "a440.wav" loop across scenes
            wait 1s
        }
        transition crossfade 0.5s
        scene two {
            background solid black
            wait 1s
            hum: volume to 0.5 over 0.2s
        }
        scene three {
            background solid white
            wait 0.5s
            hum: stop
            wait 1s
        }
    """)
    # one: 0-1 s, two: 0.5-1.7 s (its ramp from 1.5 s), three: 1.7-3.2 s (stop at 2.2 s)
    full = level(x, 0.2, 0.5)
    assert level(x, 0.55, 1.45) == pytest.approx(full, rel=0.03)  # on through the transition
    assert level(x, 1.75, 2.15) == pytest.approx(0.5 * full, rel=0.03)  # the later scene's ramp
    assert level(x, 2.25, 3.1) < 1e-3  # stopped by the third scene
    # Without `across scenes` a track ends with its scene.
    y = soundtrack(tmp_path, """
        scene one {
            background solid white
            hum = sound "a440.wav" loop
            wait 1s
        }
        scene two {
            background solid black
            wait 1s
        }
    """)
    assert level(y, 0.2, 0.9) > 0.05 and level(y, 1.05, 2.0) < 1e-3


def test_several_music_tracks_play_at_once_with_their_own_volumes(tmp_path):
    x = soundtrack(tmp_path, """
        scene s {
            background solid white
            low = music "a440.wav" volume 1
            high = music "b660.wav" volume 0.5
            wait 2s
            high: volume to 1 over 0.1s
            wait 2s
        }
    """, 'music "a440.wav" volume 0.5')  # music fades out over its last quarter: 3.1-4.1 s
    # The video's music and the `low` track are the same tone in phase: 1.5x one track.
    a, b = level(x, 0.5, 1.5, 440), level(x, 0.5, 1.5, 660)
    assert b == pytest.approx(a / 3, rel=0.05)
    assert level(x, 2.2, 2.9, 660) == pytest.approx(2 * b, rel=0.05)


def test_music_ducks_under_a_recorded_voice_and_comes_back_in_its_pauses(tmp_path):
    voice = np.concatenate([np.zeros(RATE // 2), tone(1000, 0.5), np.zeros(RATE), tone(1000, 0.5)])
    write_wav(tmp_path / "reading.wav", voice)
    x = soundtrack(tmp_path, """
        scene s {
            background solid white
            music "a440.wav" volume 0.5
            narration = sound "reading.wav" voice
            wait 4s
        }
    """)
    clear = level(x, 0.05, 0.35, 440)
    ducked = level(x, 0.65, 0.95, 440)
    assert ducked / clear == pytest.approx(10 ** (-10 / 20), rel=0.1)  # -10 dB while the voice speaks
    assert level(x, 1.5, 1.85, 440) == pytest.approx(clear, rel=0.05)  # back up in the pause
    assert level(x, 2.15, 2.45, 440) == pytest.approx(ducked, rel=0.1)
    # An unnamed `sound "…" voice` ducks music the same way.
    y = soundtrack(tmp_path, """
        scene s {
            background solid white
            music "a440.wav" volume 0.5
            sound "reading.wav" voice
            wait 4s
        }
    """)
    assert level(y, 0.65, 0.95, 440) == pytest.approx(ducked, rel=0.05)


@pytest.mark.parametrize("body, message, hint", [
    ('hum = sound "a440.wav"\n    hum: move to center', "a sound track cannot 'move'", "volume to, fade in"),
    ('hum = sound "a440.wav"\n    hum: volume to 3', "volume must be between 0 and 2", None),
    ('hum = sound "a440.wav"\n    hum = circle', "'hum' is already a sound track here", None),
    ('hum = circle\n    hum = sound "a440.wav"', "'hum' is already the name of an element", None),
    ('hum = sound "a440.wav"\n    hum: stop\n    hum: fade out', "'hum' has already stopped", None),
    ('tune = music off', "a music track cannot be 'off'", "NAME: stop"),
])
def test_track_mistakes_are_located_errors(tmp_path, body, message, hint):
    from storyreel.dsl import SceneError

    with pytest.raises(SceneError) as err:
        soundtrack(tmp_path, f"scene s {{\n    background solid white\n    {body}\n    wait 1s\n}}\n")
    assert message in err.value.message, err.value.message
    assert err.value.location is not None and err.value.location.line > 1
    if hint:
        assert hint in (err.value.hint or "")


def test_a_track_from_an_earlier_scene_is_unknown_unless_it_plays_across_scenes(tmp_path):
    from storyreel.dsl import SceneError

    with pytest.raises(SceneError) as err:
        soundtrack(tmp_path, """
            scene one {
                background solid white
                hum = sound "a440.wav"
                wait 1s
            }
            scene two {
                background solid white
                hum: fade out
            }
        """)
    assert "unknown name 'hum'" in err.value.message


def test_a_track_cannot_take_a_cast_members_name(tmp_path):
    from storyreel.dsl import SceneError

    with pytest.raises(SceneError) as err:
        soundtrack(tmp_path, """
            cast {
                luna = character luna
            }

            scene s {
                background solid white
                luna = sound pop
                wait 1s
            }
        """)
    assert "'luna' is already the name of an element, a cast member or a track" in err.value.message


def test_music_ducks_under_a_video_clips_voice(tmp_path):
    """`video "talk.mov" voice`: the clip's own sound is a voice, and music ducks under it."""
    clip = tmp_path / "talk.mov"
    with av.open(str(clip), "w", format="mov") as container:
        video = container.add_stream("png", rate=10)
        video.width, video.height, video.pix_fmt = 32, 18, "rgb24"
        audio = container.add_stream("pcm_s16le", rate=RATE, layout="mono")
        for i in range(30):
            frame = av.VideoFrame.from_ndarray(np.full((18, 32, 3), 200, np.uint8), format="rgb24")
            frame.pts = i
            container.mux(video.encode(frame))
        speech = np.concatenate([np.zeros(RATE), tone(1000, 1.0), np.zeros(RATE)])
        frame = av.AudioFrame.from_ndarray((speech * 32767).astype(np.int16)[None], format="s16", layout="mono")
        frame.sample_rate = RATE
        container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
        container.mux(video.encode(None))
    x = soundtrack(tmp_path, """
        scene s {
            background solid white
            music "a440.wav" volume 0.5
            talk = video "talk.mov" at center size 50% voice
            wait 4s
        }
    """)
    clear, ducked = level(x, 0.2, 0.8, 440), level(x, 1.3, 1.8, 440)
    assert ducked / clear == pytest.approx(10 ** (-10 / 20), rel=0.1)
    assert level(x, 2.5, 2.9, 440) == pytest.approx(clear, rel=0.05)


def test_an_unnamed_sound_loops_to_its_scenes_end(tmp_path):
    x = soundtrack(tmp_path, """
        scene s {
            background solid white
            sound "a440.wav" from 2s loop
            wait 2.5s
        }
        scene quiet {
            background solid black
            wait 1s
        }
    """)
    full = level(x, 0.1, 0.9)
    assert level(x, 1.1, 1.9) == pytest.approx(full, rel=0.05)  # the 1 s from 2s, played again
    assert level(x, 2.6, 3.5) < 1e-3  # cut where its scene ends


def test_the_tracks_example_keyframes_its_rain_and_plays_it_into_the_next_scene(tmp_path):
    from storyreel.dsl import CompileOptions, load_scene
    from storyreel.engine.encode.formats import render_output

    example = Path(__file__).resolve().parent.parent / "examples" / "audio" / "tracks.scene"
    timeline = load_scene(example, None, CompileOptions(size=(320, 180), fps=10)).timeline
    [rain] = [c for c in timeline.audio if c.kind == "sound"]
    second = timeline.scenes[1]
    assert rain.start == 0.0 and second.start < timeline.scenes[0].end < rain.end == second.start + 1.5
    music = [c for c in timeline.audio if c.kind == "music"]
    assert len(music) == 2 and all(c.start == second.start for c in music)  # two music tracks at once
    render_output(timeline, tmp_path / "rain.wav")
    with av.open(str(tmp_path / "rain.wav")) as container:
        x = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]).reshape(-1, 2).mean(axis=1)
    # Only the rain sounds before the narrator's line (3 s): 0.8, then keyframed down to 0.2 at 2 s.
    assert level(x, 2.05, 2.9) / level(x, 0.1, 0.9) == pytest.approx(0.25, rel=0.1)
