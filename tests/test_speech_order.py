"""`video { speech NAME … }` (issue 14): the speech providers a video's lines are
tried with, in order; unknown names are located errors. Which provider spoke a
line is read from the speech cache's entry beside the clip's WAV (what OUT.json
reports), and the audio itself is checked: eSpeak's and hibari's lines differ."""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from helpers import scene_text
from storyreel.dsl import CompileOptions, load_scene
from storyreel.dsl.errors import SceneError
from storyreel.engine import speech
from storyreel.engine.speech import Speech, SpeechFallbackWarning, WordTiming
from storyreel.engine.timeline.serialize import timeline_from_json, timeline_to_json

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "LANGUAGE.md"
LINE = 'narrator says "Beep boop. I am a robot."'


@pytest.fixture(autouse=True)
def _own_accounting():
    """This file's providers and fallbacks stay out of other tests' OUT.json."""
    yield
    speech.reset_usage()


def compile_text(tmp_path: Path, settings: str, body: str = LINE):
    path = tmp_path / "order.scene"
    path.write_text(scene_text(f"scene a {{\n    background solid white\n    {body}\n}}\n",
                               f"size 160x90\nfps 10\nmusic off\n{settings}"), encoding="utf-8")
    return load_scene(path, None, CompileOptions()).timeline


def spoken_by(timeline) -> list[str]:
    """The provider of each speech clip, from its cache entry (inputs.provider)."""
    return [json.loads(Path(c.source).with_suffix(".json").read_text())["inputs"]["provider"]
            for c in timeline.audio if c.kind == "speech"]


def test_the_guides_example_is_said_by_espeak(tmp_path):
    example = next(e for e in re.findall(r"```scene\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
                   if "speech espeak" in e)
    path = tmp_path / "guide.scene"
    path.write_text(example, encoding="utf-8")
    timeline = load_scene(path, None, CompileOptions(size=(160, 90), fps=10)).timeline
    assert spoken_by(timeline) == ["espeak"]
    assert timeline.speech_providers == ("espeak",) and timeline.speech_budget is None
    # The order (and a budget) travel with the timeline: OUT.json is written from it, in any process.
    again = timeline_from_json(timeline_to_json(replace(timeline, speech_budget=0.5)))
    assert (again.speech_providers, again.speech_budget) == (("espeak",), 0.5)
    default = compile_text(tmp_path, "")
    assert spoken_by(default) == ["hibari"]
    # Not only the label: the two providers' recordings of the line differ in length.
    lengths = [json.loads(Path(c.source).with_suffix(".json").read_text())["samples"]
               for t in (timeline, default) for c in t.audio if c.kind == "speech"]
    assert abs(lengths[0] - lengths[1]) > 0.05 * speech.SAMPLE_RATE


def test_the_videos_order_wins_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(speech.PROVIDERS_ENV, "hibari")
    assert spoken_by(compile_text(tmp_path, "speech espeak hibari")) == ["espeak"]
    assert speech.provider_order("hibari", ("ESPEAK", "hibari")) == ["espeak", "hibari"]
    assert speech.provider_order("hibari") == ["hibari"]


class Broken:
    name = "sulky"

    def version(self):
        return "sulky 1"

    def synthesize(self, text, voice, prosody):
        raise speech.SpeechError("the sulky provider will not talk today")


class Hum:
    name = "hum"

    def version(self):
        return "hum 1"

    def synthesize(self, text, voice, prosody):
        words = text.split()
        samples = (0.2 * np.sin(np.arange(int(0.2 * 24000 * len(words))) * 0.05)).astype(np.float32)
        return Speech(samples, tuple(WordTiming(w, i * 0.2, (i + 1) * 0.2) for i, w in enumerate(words)),
                      sample_rate=24000)


@pytest.fixture
def extra_providers():
    speech.register_provider("sulky", Broken)
    speech.register_provider("hum", Hum)
    yield
    speech.unregister_provider("sulky")
    speech.unregister_provider("hum")


def test_a_failing_provider_in_the_order_falls_back_to_the_next(tmp_path, extra_providers):
    with pytest.warns(SpeechFallbackWarning, match="'sulky' failed .*will not talk.*falling back to 'hum'"):
        timeline = compile_text(tmp_path, "speech sulky hum espeak")
    assert spoken_by(timeline) == ["hum"]
    report = speech.speech_report(timeline.audio, timeline.speech_providers)
    assert report["order"] == ["sulky", "hum", "espeak"]
    assert report["providers"]["hum"]["lines"] == 1 and report["providers"]["sulky"]["failures"] == 1
    assert any("'sulky' failed" in m for m in report["fallbacks"])
    # Another video of the same process (a server's next job) does not inherit them.
    other = compile_text(tmp_path, "")
    assert other.speech_providers == ()
    report = speech.speech_report(other.audio, other.speech_providers)
    assert set(report["providers"]) == {"hibari"} and report["fallbacks"] == []
    # Only failing providers listed: the line is an error at the line.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpeechFallbackWarning)
        with pytest.raises(SceneError, match="will not talk") as err:
            compile_text(tmp_path, "speech sulky")
    assert err.value.span.line == 10  # the says line


@pytest.mark.parametrize("setting, message, column, hint", [
    ("speech espeak hibary", "unknown speech provider 'hibary'", 19, "did you mean 'hibari'?"),
    ("speech rat 0.9", "unknown speech provider 'rat'", 12, "or 'rate', as in: speech rate 0.85"),
    ("speech espeak espeak", "speech provider 'espeak' is listed twice", 19, "name each provider once"),
    ("speech", "missing a speech provider's name", 11, "speech hibari espeak"),
])
def test_unknown_and_repeated_providers_are_located_errors(tmp_path, setting, message, column, hint):
    with pytest.raises(SceneError) as err:
        compile_text(tmp_path, setting)
    assert message in err.value.message
    assert (err.value.span.line, err.value.span.column) == (5, column)
    assert hint in (err.value.hint or "")


def test_check_names_the_error_with_a_caret(tmp_path):
    from click.testing import CliRunner

    from storyreel.cli import main

    path = tmp_path / "bad.scene"
    path.write_text('video "t" {\n    speech espeak hibary\n}\nscene a {\n    wait 1s\n}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2:19: error: unknown speech provider 'hibary'" in result.output
    assert "^~~~~~" in result.output and "Traceback" not in result.output
