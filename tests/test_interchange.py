"""`render compile FILE --otio out.otio` (engine/publish/interchange.py): the
OpenTimelineIO file is read back with the library and holds the scenes as clips
of the rendered video, the audio on its tracks and the chapters as markers."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import scene_text, write_wav

otio = pytest.importorskip("opentimelineio")

SCENE = """
scene meadow {
    background solid white
    hum = sound "tone.wav" loop across scenes
    sound pop
    wait 1s
}

transition crossfade 0.5s

scene night {
    background solid black
    music nursery seed 2
    wait 1s
    hum: fade out 0.5s
    sound "tone.wav" from 1s to 2s
    wait 1s
}
"""


def write_tone(path) -> None:
    write_wav(path, 0.3 * np.sin(2 * np.pi * 440 * np.arange(3 * 48_000) / 48_000))


@pytest.fixture
def exported(tmp_path):
    from click.testing import CliRunner

    from storyreel.cli import main

    write_tone(tmp_path / "tone.wav")
    (tmp_path / "talk.srt").write_text("1\n00:00:00,500 --> 00:00:01,500\nHello, owls!\n", encoding="utf-8")
    scene = tmp_path / "owls.scene"
    scene.write_text(scene_text(SCENE, 'size 320x180\nfps 25\ncaptions "talk.srt"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["compile", str(scene), "--otio", str(tmp_path / "owls.otio")])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    return otio.adapters.read_from_file(str(tmp_path / "owls.otio")), tmp_path


def test_scenes_are_clips_of_the_rendered_video_meeting_at_the_transitions_middle(exported):
    timeline, folder = exported
    assert timeline.name == "test" and timeline.duration().to_seconds() == pytest.approx(3.0)
    scenes = next(t for t in timeline.tracks if t.name == "Scenes")
    assert scenes.kind == otio.schema.TrackKind.Video
    clips = list(scenes)
    assert [c.name for c in clips] == ["meadow", "night"]
    # meadow 0-1 s, night 0.5-3 s, a 0.5 s crossfade: they meet at 0.75 s of the movie.
    assert [(c.source_range.start_time.to_seconds(), c.source_range.duration.to_seconds()) for c in clips] == [
        (0.0, 0.75), (0.75, 2.25)]
    assert clips[0].media_reference.target_url == (folder / "owls.mp4").resolve().as_uri()
    assert clips[1].metadata["storyreel"]["transition_in"]["kind"] == "crossfade"
    [caption] = scenes.markers
    assert caption.comment == "Hello, owls!" and caption.marked_range.start_time.to_seconds() == 0.5


def test_chapters_are_markers_and_the_audio_is_on_its_tracks(exported):
    timeline, folder = exported
    assert [(m.name, m.marked_range.start_time.to_seconds()) for m in timeline.tracks.markers] == [
        ("meadow", 0.0), ("night", 0.5)]
    tracks = {t.name: t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio}
    assert set(tracks) == {"Sounds", "Sounds 2", "Music"}

    def placed(track):
        return [(c.name, round(c.range_in_parent().start_time.to_seconds(), 3),
                 round(c.source_range.duration.to_seconds(), 3)) for c in track if isinstance(c, otio.schema.Clip)]

    # The track across scenes (0-2 s: its fade out ends in the second scene), then the trimmed sound.
    assert placed(tracks["Sounds"]) == [("tone.wav", 0.0, 2.0), ("tone.wav", 2.0, 1.0)]
    trimmed = list(tracks["Sounds"])[1]
    assert trimmed.source_range.start_time.to_seconds() == 1.0  # from 1s of the file
    assert trimmed.media_reference.target_url == (folder / "tone.wav").resolve().as_uri()
    hum = list(tracks["Sounds"])[0]
    assert [list(key) for key in hum.metadata["storyreel"]["volume_keys"]] == [[1.5, 2.0, 1.0, 0.0, "linear"]]
    [pop] = [c for c in tracks["Sounds 2"] if isinstance(c, otio.schema.Clip)]
    assert pop.name == "pop" and pop.media_reference.generator_kind == "storyreel.sound"
    [music] = [c for c in tracks["Music"] if isinstance(c, otio.schema.Clip)]
    assert music.range_in_parent().start_time.to_seconds() == 0.5
    assert music.media_reference.generator_kind == "storyreel.music.nursery"
    assert music.media_reference.parameters["seed"] == 2


def test_a_scene_error_writes_no_otio_file(tmp_path):
    from click.testing import CliRunner

    from storyreel.cli import main

    scene = tmp_path / "bad.scene"
    scene.write_text(scene_text("scene s {\n    wait 1s\n    hum: fade out\n}\n"), encoding="utf-8")
    result = CliRunner().invoke(main, ["compile", str(scene), "--otio", str(tmp_path / "bad.otio")])
    assert result.exit_code == 1 and "unknown name 'hum'" in result.output
    assert not (tmp_path / "bad.otio").exists()


def test_a_spoken_line_is_a_speech_clip_named_by_its_words(tmp_path):
    from storyreel.dsl import CompileOptions, load_scene
    from storyreel.engine.publish.interchange import timeline_to_otio

    scene = tmp_path / "say.scene"
    scene.write_text(scene_text('scene s {\n    background solid white\n    narrator says "Good night, owls!"\n}\n',
                                "size 320x180"), encoding="utf-8")
    timeline = load_scene(scene, None, CompileOptions()).timeline
    exported = timeline_to_otio(timeline)
    [speech] = [t for t in exported.tracks if t.name == "Speech"]
    [line] = list(speech)
    assert line.name == "narrator: Good night, owls!"
    assert line.media_reference.target_url.endswith(".wav")
    assert line.source_range.duration.to_seconds() == pytest.approx(timeline.duration, abs=0.04)
    [scene_clip] = next(t for t in exported.tracks if t.name == "Scenes")
    assert isinstance(scene_clip.media_reference, otio.schema.MissingReference)  # no rendered video named
