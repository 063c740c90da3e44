"""What a newcomer trips over in the first ten minutes (issue 19, "fixes found on
the way in"): copied snippets, the hints of the first errors, default file
names, the cache folder's documentation, a preview without a browser, and
rendered examples showing up in `git status`."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import storyreel
from storyreel.cli import _open_in_browser, main
from storyreel.dsl.parser import parse

ROOT = Path(__file__).resolve().parent.parent


def _guide_block(heading: str, contains: str) -> str:
    """The code block holding `contains` in docs/GUIDE.md's section `heading` (the
    reference that used to be the README's)."""
    text = (ROOT / "docs" / "GUIDE.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return next(b for b in re.findall(r"^```\n(.*?)^```", section, re.S | re.M) if contains in b)


def test_the_guides_characters_snippet_compiles_as_copied():
    snippet = _guide_block("Characters", "cast {")
    project = storyreel.load(snippet, size=(320, 180))
    assert [scene.name for scene in project.timeline.scenes] == ["hello"]
    assert project.duration > 1  # the lines are spoken


def test_a_video_block_on_one_line_parses_and_the_missing_block_hint_is_valid():
    assert parse('video "Title" { preset youtube }\nscene a {\n    wait 1s\n}\n').video.settings[0].name.name == "preset"
    assert parse('video "Title" {}\nscene a {\n    wait 1s\n}\n').video.settings == ()
    with pytest.raises(storyreel.SceneError) as err:
        parse("cast {\n    luna = character luna\n}\nscene a {\n    wait 1s\n}\n")
    assert "must start with a video block" in err.value.message
    suggested = err.value.hint.split("begin with: ", 1)[1].split(", then", 1)[0]
    assert parse(f"{suggested}\nscene a {{\n    wait 1s\n}}\n").video.title == "Title"


def test_a_misspelt_statement_word_is_blamed_with_a_guess(tmp_path):
    scene = tmp_path / "typo.scene"
    scene.write_text('video "T" {\n    size 320x180\n}\nscene a {\n    backgroud solid #FFFFFF\n    wait 1s\n}\n')
    result = CliRunner().invoke(main, ["check", str(scene)])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.endswith("typo.scene:5:5: error: unknown statement 'backgroud'"), result.output
    assert "did you mean 'background'?" in result.output and "^~~~~~~~" in result.output
    # A word that is no near miss keeps the parser's own message.
    scene.write_text('video "T" {\n}\nscene a {\n    title fade in\n}\n')
    result = CliRunner().invoke(main, ["check", str(scene)])
    assert "unexpected 'fade'" in result.output and "did you mean" not in result.output


def test_render_of_a_story_file_suggests_render_story(tmp_path):
    story = tmp_path / "story.txt"
    shutil.copy(ROOT / "examples" / "story.txt", story)
    result = CliRunner().invoke(main, [str(story)])
    assert result.exit_code == 2 and not (tmp_path / "story.mp4").exists()
    assert f"render story {story}" in result.output


def test_render_say_without_o_never_overwrites_an_earlier_line(tmp_path, monkeypatch):
    from storyreel.engine import speech

    def fake(text, **_):
        return speech.Speech(np.full(4800, 0.1, np.float32), (speech.WordTiming(text, 0.0, 0.1),))

    monkeypatch.setattr(speech, "synthesize", fake)
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        Path("line.wav").write_bytes(b"an earlier try")
        first = runner.invoke(main, ["say", "Hello"])
        second = runner.invoke(main, ["say", "Again"])
        assert first.exit_code == second.exit_code == 0
        assert Path("line.wav").read_bytes() == b"an earlier try"
        assert "wrote line-2.wav" in first.output and "wrote line-3.wav" in second.output
        assert runner.invoke(main, ["say", "Mine", "-o", "line.wav"]).exit_code == 0  # asked for: overwritten
        assert Path("line.wav").read_bytes()[:4] == b"RIFF"


def test_watch_open_without_a_browser_says_so(monkeypatch, capsys):
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    assert _open_in_browser("http://127.0.0.1:8765/") is False
    assert "no web browser found here; open http://127.0.0.1:8765/" in capsys.readouterr().err


def test_the_docs_name_the_cache_folder_the_code_uses(tmp_path, monkeypatch):
    from storyreel.engine.encode.segment_cache import default_cache_dir
    from storyreel.engine.speech.cache import cache_root

    monkeypatch.delenv("STORYREEL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root() == tmp_path / "storyreel" and default_cache_dir() == tmp_path / "storyreel" / "segments"
    for doc in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "cli.py"):
        text = doc.read_text(encoding="utf-8")
        for m in re.finditer(r"~/\.cache/storyreel", text):
            before = text[max(0, m.start() - 150):m.start()]
            assert "XDG_CACHE_HOME" in before, f"{doc.name}: '{text[m.start() - 60:m.end()]}' leaves out $XDG_CACHE_HOME"


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_rendered_examples_are_ignored_by_git():
    rendered = ["examples/hello.mp4", "examples/hello.thumbnail.png", "examples/hello.json", "examples/hello.srt",
                "hello.mp4", "hello.thumbnail.jpg", "hello.json", "line.wav", "line-2.wav"]
    kept = ["examples/hello.scene", "examples/counting.yaml", "examples/story.txt", "docs/images/sheet.png"]
    ignored = subprocess.run(["git", "check-ignore", *rendered, *kept], cwd=ROOT, capture_output=True, text=True)
    assert ignored.stdout.split() == rendered
