"""The Python API (`import storyreel`): the same videos, checks and errors as the
`render` command, asserted on decoded frames."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import storyreel
from helpers import close, decode
from storyreel.cli import main

SCENE = '''video "Colours" {
    size 320x180
    fps 10
}
scene red {
    background solid #{{ first }}
    wait 1s
}
scene blue {
    background solid #0000FF
    dot = circle at (50%, 50%) radius 200 fill #{{ dot | default("FFFFFF") }}
    wait 1s
}
'''


@pytest.fixture
def scene_file(tmp_path) -> Path:
    path = tmp_path / "colours.scene"
    path.write_text(SCENE)
    return path


def test_importing_storyreel_is_light_and_names_its_api():
    code = "import sys, storyreel; print('skia' in sys.modules, 'storyreel.api' in sys.modules, storyreel.__all__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("False False") and "'load'" in out and "'Video'" in out
    assert storyreel.load is storyreel.api.load and storyreel.Video.__module__ == "storyreel.api_builder"
    with pytest.raises(AttributeError):
        storyreel.no_such_name


def test_load_renders_the_same_video_as_the_command(scene_file, tmp_path):
    project = storyreel.load(scene_file, first="FF0000")
    assert project.duration == 2.0 and project.size == (320, 180) and project.fps == 10
    seen: list[tuple[int, int]] = []
    out = project.render(tmp_path / "api.mp4", on_progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (20, 20)
    assert (tmp_path / "api.json").is_file() and (tmp_path / "api.thumbnail.png").is_file()
    result = CliRunner().invoke(main, [str(scene_file), "--set", "first=FF0000", "-o", str(tmp_path / "cli.mp4"), "-q"])
    assert result.exit_code == 0, result.output
    api, cli = decode(out), decode(tmp_path / "cli.mp4")
    assert len(api.frames) == len(cli.frames) == 20
    assert all((a == b).all() for a, b in zip(api.frames, cli.frames))
    assert close(api.at(0.5)[90, 160], (255, 0, 0)) and close(api.at(1.5)[90, 160], (255, 255, 255))


def test_a_range_a_still_and_the_json(scene_file, tmp_path):
    project = storyreel.load(scene_file, data={"first": "00FF00", "dot": "000000"})
    part = decode(project.render(tmp_path / "part.mp4", start=1.0, end=1.5, extras=False, workers=2))
    assert len(part.frames) == 5 and close(part.frames[0][90, 160], (0, 0, 0))
    assert not (tmp_path / "part.json").exists()
    png = project.still(0.5, tmp_path / "still.png")
    import skia

    assert skia.Image.open(str(png)).width() == 320
    assert tuple(project.frame(0.5)[90, 160, :3]) == (0, 255, 0)
    graph = json.loads(project.to_json())
    assert [s["name"] for s in graph["scenes"]] == ["red", "blue"]
    assert project.to_json() == CliRunner().invoke(
        main, ["compile", str(scene_file), "--set", "first=00FF00", "--set", "dot='000000'"]).output.strip()


def test_data_files_and_keywords_keywords_win(scene_file, tmp_path):
    data = tmp_path / "vars.yaml"
    data.write_text("first: '0000FF'\ndot: '123456'\n")
    project = storyreel.load(scene_file, data, first="FFFF00")
    assert tuple(project.frame(0.5)[90, 160, :3]) == (255, 255, 0)
    assert tuple(project.frame(1.5)[90, 160, :3]) == (0x12, 0x34, 0x56)


def test_errors_are_located_scene_errors(scene_file, tmp_path):
    with pytest.raises(storyreel.SceneError) as err:
        storyreel.load(scene_file)  # `first` is not given
    assert err.value.location.file.endswith("colours.scene") and err.value.location.line == 6
    with pytest.raises(storyreel.SceneError) as err:
        storyreel.load('video "T" {\n    size 320x180\n}\nscene a {\n    sun = circel radius 5\n}\n')
    loc = err.value.location
    assert (loc.file, loc.line, loc.column) == ("<text>.scene", 5, 11) and "did you mean 'circle'" in str(err.value)
    project = storyreel.load(scene_file, first="FF0000")
    with pytest.raises(storyreel.SceneError, match="select no frames"):
        project.render(tmp_path / "none.mp4", start=5)
    with pytest.raises(storyreel.SceneError) as err:
        project.render(tmp_path / "video.xyz")
    assert err.value.hint and not (tmp_path / "video.xyz").exists()
    with pytest.raises(storyreel.SceneError, match="GIF .* is written in one pass"):
        project.render(tmp_path / "video.gif", workers=2)
    with pytest.raises(storyreel.SceneError, match="platform applies to H.264 MP4 only"):
        project.render(tmp_path / "video.webm", platform="youtube")
    with pytest.raises(storyreel.SceneError, match="outside the video"):
        project.frame(3)


def test_other_formats_by_extension(scene_file, tmp_path):
    project = storyreel.load(scene_file, first="FF0000")
    gif = decode(project.render(tmp_path / "colours.gif", start=0.5, end=1.5))
    assert len(gif.frames) == 10 and close(gif.frames[0][90, 160], (255, 0, 0), tol=16)
    assert close(gif.frames[-1][90, 160], (255, 255, 255), tol=16)


def test_check_against_a_platform(scene_file):
    project = storyreel.load(scene_file, first="FF0000")
    assert isinstance(project.check("youtube"), list) and project.check() == []
    with pytest.raises(storyreel.SceneError) as err:
        project.check("shorts")  # 16:9 is not a Short's shape
    assert "nothing was rendered" in err.value.hint
    with pytest.raises(storyreel.SceneError, match="unknown platform"):
        project.check("myspace")


def test_check_video_is_the_commands_check(scene_file, tmp_path):
    out = storyreel.load(scene_file, first="FF0000").render(tmp_path / "c.mp4")
    report = storyreel.check_video(out)
    assert report.ok and report.check("frames").status == "pass"
    assert "ok: every check passes" in report.table()


def test_a_template_by_name_with_parameters():
    assert "counting" in storyreel.templates()
    project = storyreel.template("counting", count=2, size=(320, 180))
    assert project.size == (320, 180) and project.source.endswith("template.scene")
    with pytest.raises(storyreel.SceneError, match="count"):
        storyreel.template("counting", count="many")
    with pytest.raises(storyreel.SceneError, match="did you mean 'counting'"):
        storyreel.template("countng")


def test_the_builder_writes_the_language_and_compiles_it():
    video = storyreel.Video("Built", size="320x180", fps=10)
    intro = video.scene("intro")
    intro.background("solid", "#FFFFFF")
    box = intro.add("rect", name="box", at=("50%", "50%"), width=300, height=300, fill="#FF0000", opacity=0)
    box.fade_in(duration=0.5)
    luna = intro.character("luna", at=("25%", "95%"))
    luna.wave()
    video.transition("crossfade", 0.5)
    second = video.scene("second", duration=1)
    second.background("solid", "#000000")
    with second.together():
        second.text("Bye", name="bye", at=("50%", "50%"), size=40, color="#FFFF00")
        second.sound("pop")
    text = video.to_scene()
    assert text.splitlines()[:8] == [
        'video "Built" {', "    size 320x180", "    fps 10", "}",
        "cast {", "    luna = character luna at (25%, 95%)", "}", "scene intro {"]
    assert "    box: fade in 0.5s" in text and "    luna: wave" in text and "transition crossfade 0.5s" in text
    assert "scene second (1s) {" in text and "    together {\n        bye = text \"Bye\"" in text
    project = video.compile()
    assert [s.name for s in project.timeline.scenes] == ["intro", "second"]
    assert project.to_json() == storyreel.load(text).to_json()  # the same as the text it wrote
    assert tuple(project.frame(0.1)[90, 160, :3]) != (255, 0, 0)  # still fading in
    assert tuple(project.frame(project.duration - 0.05)[5, 5, :3]) == (0, 0, 0)


def test_builder_errors_point_at_the_python_line():
    video = storyreel.Video("Oops", size="320x180")
    scene = video.scene("a")
    scene.add("circle", radius=10)
    scene.add("circle", radius=10, colour="#FF0000"); line = sys._getframe().f_lineno  # noqa: E702
    with pytest.raises(storyreel.SceneError) as err:
        video.compile()
    loc = err.value.location
    assert loc.file == __file__ and loc.line == line
    assert "circle2 = circle radius 10 colour #FF0000" in loc.expanded_line
    assert "did you mean 'color'" in str(err.value) and "the .scene line it wrote reads" in str(err.value)


def test_builder_values_and_speech():
    from storyreel.api_builder import scene_value

    assert [scene_value(v) for v in (3, 0.5, "50%", "#FFF", "out-back", "two words", ("10%", 20))] == [
        "3", "0.5", "50%", "#FFF", "out-back", '"two words"', "(10%, 20)"]
    video = storyreel.Video("Talk")
    luna = video.scene("a").character("luna")
    luna.says("Hi", "happily", to="sunny")
    luna.walk_to(("70%", "90%"), duration=1)
    assert '    luna says "Hi" happily to sunny\n    luna: walk to (70%, 90%) 1s' in video.to_scene()
    with pytest.raises(ValueError, match="already in the cast"):
        video.scene("b").character("luna", at=("10%", "90%"))
    with pytest.raises(ValueError, match="not a scene name"):
        video.scene("two words")


def test_say_writes_the_line_as_a_wav(tmp_path, monkeypatch):
    import wave

    import numpy as np

    from storyreel.engine import speech

    def fake(text, voice="narrator", mood=None, age=None, rate=1.0):
        assert (voice, mood) == ("luna", "happily")
        return speech.Speech(np.full(4800, 0.5, np.float32), (speech.WordTiming(text, 0.0, 0.1),))

    monkeypatch.setattr(speech, "synthesize", fake)
    spoken = storyreel.say("Hello", tmp_path / "hello.wav", voice="luna", mood="happily")
    assert spoken.duration == 0.1 and spoken.words[0].text == "Hello"
    with wave.open(str(tmp_path / "hello.wav")) as wav:
        assert (wav.getframerate(), wav.getnframes(), wav.getnchannels()) == (48000, 4800, 1)
    with pytest.raises(storyreel.SceneError, match="unknown voice"):
        monkeypatch.undo()
        storyreel.say("Hi", voice="nobody")
