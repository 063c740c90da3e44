"""The ready-made templates (`templates/<name>/`), their parameters, `render templates`
and `render new`. Templates are compiled for real (Jinja, eSpeak, the compiler) at a
small size; one tiny render per template is decoded and checked (frames, speech in
the soundtrack, captions, chapters). Full episodes are only compiled, never rendered.
"""
from __future__ import annotations

import re
from pathlib import Path

import av
import numpy as np
import pysubs2
import pytest
from click.testing import CliRunner

from helpers import compiled_template, decode
from storyreel.cli import main
from storyreel.dsl import CompileOptions, SceneError, load_scene
from storyreel.dsl.templates import (EPISODE_WINDOWS, SHORT_WINDOW, TEMPLATES_DIR, list_templates, load_template,
                                     resolve_params, template_path, tidy_scene_text, validate_params)
from storyreel.engine import render_frame, render_video, timeline_to_json
from storyreel.engine.speech import lexicon

TEMPLATES = ["counting", "alphabet", "colors", "shapes", "feelings"]
TINY = (192, 108)
FPS = 6
AGES = (2, 3, 4, 5)

# Parameter combinations each template must compile with (besides its defaults).
COMBOS = {
    "counting": [{"count": 1, "thing": "duck"}, {"count": 10, "thing": "strawberry", "age": 2},
                 {"count": 7, "thing": "bear", "age": 5}],
    "alphabet": [{"letter": "X"}, {"letter": "b", "age": 2}, {"letter": "M", "words": ["moon", "milk", "mouse"]},
                 {"letter": "E", "sound": "eh", "age": 5}],
    "colors": [{"color": "green", "age": 5}, {"color": "yellow", "age": 2}, {"color": "brown"}],
    "shapes": [{"shape": "circle", "age": 2}, {"shape": "star", "color": "pink"}, {"shape": "diamond", "age": 5}],
    "feelings": [{"feeling": "angry", "who": "luna"}, {"feeling": "scared", "age": 2}, {"feeling": "lonely"},
                 {"feeling": "happy", "who": "luna", "age": 5}],
}


def compiled(name: str, **params):
    return compiled_template(name, TINY, FPS, **params)  # shared with test_episodes and test_reading


def spoken_lines(text: str) -> list[str]:
    return re.findall(r'\bsays "((?:\\.|[^"\\])*)"', text)


# ── the catalogue ────────────────────────────────────────────────────────────


def test_every_template_is_listed_with_age_and_length():
    found = {t.name: t for t in list_templates()}
    for name in TEMPLATES:
        assert name in found, f"{name} is not listed"
        template = found[name]
        assert template.title and template.description
        assert template.params["age"].choices == (2, 3, 4, 5) and template.params["age"].default == 4
        assert template.params["length"].choices == ("short", "episode")
        assert template.params["length"].default == "short"
        for param in template.params.values():
            assert param.description, f"{name}.{param.name} has no description"
    assert "_lib" not in found


def test_template_path_and_unknown_template():
    assert template_path("counting") == TEMPLATES_DIR / "counting" / "template.scene"
    with pytest.raises(SceneError) as err:
        load_template("countng")
    assert "unknown template 'countng'" in err.value.message and "did you mean 'counting'" in err.value.hint


# ── compiling ────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", TEMPLATES)
def test_compiles_with_defaults_and_combinations(name):
    for params in [{}, *COMBOS[name]]:
        loaded = compiled(name, **params)
        tl = loaded.timeline
        names = [s.name for s in tl.scenes]
        assert names[0] == "hello" and names[-1] == "goodbye", names
        assert [c.name for c in tl.chapters] == names  # chapters are the scenes
        assert SHORT_WINDOW[0] <= tl.duration <= SHORT_WINDOW[1], (params, tl.duration)
        # Luna and Sunny, narration, music, sound effects, captions.
        text = loaded.expanded.text
        assert "character luna" in text and "character sunny" in text
        assert "narrator says" in text and "luna says" in text and "sunny says" in text
        assert re.search(r"^\s*music nursery", text, re.M) and "captions on" in text
        assert re.search(r"\bsound (pop|ding|chime|clap|boing|whoosh)", text)
        kinds = {c.kind for c in tl.audio}
        assert {"speech", "music", "sound"} <= kinds


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("age", AGES)
def test_short_length_by_age(name, age):
    duration = compiled(name, age=age).timeline.duration
    assert SHORT_WINDOW[0] <= duration <= SHORT_WINDOW[1], duration


# Ages 4 and 5 (8-12 minute episodes) and other parameters: bench/test_bench_template_pacing.py,
# the same checks; each of those compiles minutes of speech (4.5 minutes of the suite).
@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("age", [2, 3])
def test_episode_lands_in_the_attention_span_window(name, age):
    check_episode_window(name, age)


def check_episode_window(name: str, age: int, **params) -> None:
    duration = compiled(name, age=age, length="episode", **params).timeline.duration
    low, high = EPISODE_WINDOWS[age]
    assert low <= duration <= high, f"{name} {params} age {age}: {duration:.0f}s is outside {low}-{high}s"


def test_younger_viewers_get_a_slower_pace():
    for name in TEMPLATES:
        young, old = compiled(name, age=2).timeline, compiled(name, age=5).timeline
        # Seconds per scene: the seed (which has the age in it) chooses how many segments.
        assert young.duration / len(young.scenes) > old.duration / len(old.scenes), name


def test_counting_counts_the_objects():
    text = compiled("counting", count=3, thing="duck").expanded.text
    lines = spoken_lines(text)
    assert "One!" in lines and "Two!" in lines and "Three!" in lines and "Four!" not in lines
    assert "Three ducks!" in lines
    episode = compiled("counting", length="episode", age=3).timeline
    counted = [s.name for s in episode.scenes if s.name.startswith("count_the_")]
    assert len(counted) >= 2 and counted[0] == "count_the_apples"  # several kinds, the chosen one first
    assert len(set(counted)) == len(counted)  # each time another kind


def test_alphabet_words_and_sound():
    text = compiled("alphabet", letter="b").expanded.text
    assert "The letter B says {b-sound}." in spoken_lines(text)  # the lexicon's sound; the caption shows "b"
    assert any(re.fullmatch(r"\{B-sound\}, \{b-sound\}, b\w+!", line) for line in spoken_lines(text))
    custom_sound = compiled("alphabet", letter="E", sound="eh", age=5).expanded.text
    assert "The letter E says eh." in spoken_lines(custom_sound)  # a `sound` parameter is a respelling
    assert re.search(r'"B\w+ starts with B\."', text)  # a word of the bank's, with its picture
    custom = compiled("alphabet", letter="M", words=["moon", "marmalade", "mouse"]).expanded.text
    assert "Marmalade starts with M." in spoken_lines(custom)
    words = custom.split("scene words_with_M")[1]
    assert "pic1_body" in words and "pic2_card" in words  # the moon has a picture, marmalade a word card


# ── the objects library ──────────────────────────────────────────────────────


def test_objects_library_draws_every_kind():
    gallery = TEMPLATES_DIR / "_lib" / "gallery.scene"
    loaded = load_scene(gallery, None, CompileOptions(size=(640, 360)))
    text = loaded.expanded.text
    kinds = re.findall(r"^\s*o_(\w+) = group", text, re.M)
    assert len(kinds) >= 60
    for required in ["apple", "banana", "orange", "strawberry", "pear", "cat", "dog", "fish", "duck", "bird", "bear",
                     "circle", "square", "triangle", "star", "heart", "rectangle", "oval", "diamond"]:
        assert required in kinds, required
    frame = render_frame(loaded.timeline, 0.5)
    assert frame[..., :3].std() > 30  # lots of colourful art, not a blank page


# ── parameters ───────────────────────────────────────────────────────────────


def test_validate_params_types_and_defaults():
    counting = load_template("counting")
    assert validate_params(counting, {}) == {"count": 5, "thing": "apple", "age": 4, "episode": 1,
                                                  "length": "short"}
    values = validate_params(counting, {"count": 7.0, "thing": "Duck", "age": "3", "length": "EPISODE"})
    assert values == {"count": 7, "thing": "duck", "age": 3, "episode": 1, "length": "episode"}
    alphabet = load_template("alphabet")
    values = validate_params(alphabet, {"letter": "q", "words": "queen, quilt", "sound": 'say "kw"\nnow'})
    assert values["letter"] == "Q" and values["words"] == ["queen", "quilt"]
    assert '"' not in values["sound"] and "\n" not in values["sound"]  # safe between a line's quotes


@pytest.mark.parametrize("values, message", [
    ({"cont": 3}, "unknown parameter 'cont' for template 'counting' (from --set)"),
    ({"count": "many"}, "parameter 'count' of template 'counting' (from --set): expected a whole number"),
    ({"count": 2.5}, "expected a whole number"),
    ({"count": 11}, "11 is out of range (1-10)"),
    ({"count": 0}, "0 is out of range (1-10)"),
    ({"thing": "unicorn"}, "unicorn is not one of apple|banana"),
    ({"age": 7}, "7 is not one of 2|3|4|5"),
    ({"length": ["short"]}, "is not one of short|episode"),
])
def test_bad_parameters_list_the_valid_ones(values, message):
    with pytest.raises(SceneError) as err:
        validate_params(load_template("counting"), values, "--set")
    text = err.value.format()
    assert message in text
    for line in ["parameters of 'counting':", "count    int     default 5      1-10", "thing    choice  default apple",
                 "age      int     default 4      2|3|4|5", "episode  int     default 1      1-9999",
                 "length   choice  default short  short|episode"]:
        assert line in text, text
    if "cont" in values:
        assert "did you mean 'count'?" in text


def test_resolve_params_precedence_and_options():
    counting = load_template("counting")
    values = resolve_params(counting, {"count": 3, "age": 2}, "data.yaml", {"count": 4}, age=5, length=None)
    assert values == {"count": 4, "thing": "apple", "age": 5, "episode": 1, "length": "short"}
    with pytest.raises(SceneError) as err:
        resolve_params(counting, {"colour": "red"}, "data.yaml", {})
    assert "(from data.yaml)" in err.value.message


def test_tidy_scene_text_indents_by_braces():
    text = 'video "x" {\n  preset youtube\n}\n\n\n\nscene a {\n g = group {\n c = circle\n\n }\n wait 1s\n}\n'
    assert tidy_scene_text(text, "made here") == (
        '# made here\nvideo "x" {\n    preset youtube\n}\n\nscene a {\n    g = group {\n        c = circle\n'
        '    }\n    wait 1s\n}\n')


# ── the command line ─────────────────────────────────────────────────────────


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_render_templates_lists_all(runner):
    result = runner.invoke(main, ["templates"])
    assert result.exit_code == 0, result.output
    for name in TEMPLATES:
        assert re.search(rf"^{name}: ", result.output, re.M), name
    assert "count    int     default 5      1-10" in result.output
    assert "letter" in result.output and "feeling" in result.output
    one = runner.invoke(main, ["templates", "colors"])
    assert one.exit_code == 0 and one.output.startswith("colors: ") and "counting" not in one.output


def test_render_new_errors(runner):
    # A misused argument or option exits 2 (click's usage error); a bad --data file, 1.
    result = runner.invoke(main, ["new", "countng"])
    assert result.exit_code == 2 and "unknown template 'countng'" in result.output
    assert "did you mean 'counting'" in result.output
    result = runner.invoke(main, ["new", "counting", "--set", "count=30", "-o", "x.mp4"])
    assert result.exit_code == 2 and "30 is out of range (1-10)" in result.output
    assert "parameters of 'counting':" in result.output and not Path("x.mp4").exists()
    result = runner.invoke(main, ["new", "counting", "--age", "9"])
    assert result.exit_code == 2 and "(from --age)" in result.output
    Path("d.yaml").write_text("count: 3\nfruit: kiwi\n", encoding="utf-8")
    result = runner.invoke(main, ["new", "counting", "--data", "d.yaml"])
    assert result.exit_code == 1 and "unknown parameter 'fruit'" in result.output and "(from d.yaml)" in result.output


def test_render_new_takes_the_speed_options(runner, tmp_path):
    """`render new` passes --cache, --workers and --profile on to the render."""
    window = ["--size", "96x54", "--fps", "4", "--from", "0s", "--to", "14s", "--quality", "draft", "--no-extras"]
    args = ["new", "counting", "--set", "count=2", "--age", "5", *window, "--cache", "chunks"]
    first = runner.invoke(main, [*args, "-o", "a.mp4", "--workers", "2", "--profile"])
    assert first.exit_code == 0, first.output
    assert "raster:" in first.stdout and " 0 chunk(s) reused" in first.stderr
    second = runner.invoke(main, [*args, "-o", "b.mp4"])
    assert second.exit_code == 0 and " 0 rendered" in second.stderr
    a, b = decode(tmp_path / "a.mp4"), decode(tmp_path / "b.mp4")
    assert len(a.frames) == len(b.frames) == 56
    assert all(np.array_equal(x, y) for x, y in zip(a.frames, b.frames))
    assert runner.invoke(main, ["new", "counting", "--workers", "-1"]).exit_code == 2


def test_render_check_on_a_template_file_uses_its_defaults(runner):
    scene = str(TEMPLATES_DIR / "counting" / "template.scene")
    result = runner.invoke(main, ["check", scene, "--set", "count=2", "--size", "192x108"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["check", scene, "--set", "count=12"])
    assert result.exit_code == 1 and "out of range" in result.output


def test_emit_scene_checks_and_renders_the_same_frames(runner, tmp_path):
    args = ["new", "counting", "--set", "count=2", "--set", "thing=fish", "--age", "5"]
    result = runner.invoke(main, [*args, "--emit-scene", "fish.scene"])
    assert result.exit_code == 0, result.output
    emitted = (tmp_path / "fish.scene").read_text(encoding="utf-8")
    assert emitted.startswith("# Made by `render new counting") and "{{" not in emitted and "{%" not in emitted
    assert not list(tmp_path.glob("*.mp4"))  # --emit-scene alone renders nothing
    assert runner.invoke(main, ["check", "fish.scene"]).exit_code == 0
    # The same timeline, so the same frames ...
    template = load_template("counting")
    params = validate_params(template, {"count": 2, "thing": "fish", "age": 5})
    options = CompileOptions(size=TINY, fps=FPS)
    a = load_scene(template.scene_path, params, options).timeline
    b = load_scene(tmp_path / "fish.scene", None, options).timeline
    assert timeline_to_json(a) == timeline_to_json(b)
    # ... and rendered through the command line, frame for frame.
    window = ["--size", "192x108", "--fps", "6", "--from", "11s", "--to", "14s", "--quality", "draft", "-q"]
    assert runner.invoke(main, [*args, *window, "-o", "new.mp4"]).exit_code == 0
    assert runner.invoke(main, ["fish.scene", *window, "-o", "edit.mp4"]).exit_code == 0
    first, second = decode(tmp_path / "new.mp4"), decode(tmp_path / "edit.mp4")
    assert len(first.frames) == len(second.frames) == 18
    for x, y in zip(first.frames, second.frames):
        assert np.abs(x.astype(int) - y.astype(int)).max() <= 2


# ── one tiny render per template ─────────────────────────────────────────────

RENDER = {"counting": {"count": 2, "age": 5}, "alphabet": {"letter": "O", "age": 5}, "colors": {"color": "blue"},
          "shapes": {"shape": "square", "age": 5}, "feelings": {"feeling": "lonely", "age": 5}}


def _audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=8000)
        chunks = []
        for frame in container.decode(audio=0):
            chunks.extend(f.to_ndarray().ravel() for f in resampler.resample(frame))
    return np.concatenate(chunks)


@pytest.mark.parametrize("name", TEMPLATES)
def test_tiny_render_decodes_with_speech_captions_and_chapters(name, tmp_path):
    loaded = compiled(name, **RENDER[name])
    tl = loaded.timeline
    out = tmp_path / f"{name}.mp4"
    render_video(tl, out, quality="draft")
    video = decode(out)
    assert (video.width, video.height) == TINY and video.fps == FPS
    assert abs(len(video.frames) - round(tl.duration * FPS)) <= 1
    assert video.audio and video.frames[len(video.frames) // 2].std() > 10
    # Chapters are the scenes (in the timeline, and in the file when the engine writes them).
    names = [s.name for s in tl.scenes]
    assert [c.name for c in tl.chapters] == names
    with av.open(str(out)) as container:
        chapters = [c.get("metadata", {}).get("title") for c in container.chapters()]
    if chapters:
        assert chapters == names
    # Narration is in the soundtrack: loud where the first line is said, and overall.
    audio = _audio(out)
    speech = [c for c in tl.audio if c.kind == "speech"]
    assert len(speech) >= 8
    rms = lambda a, b: float(np.sqrt(np.mean(audio[int(a * 8000):int(b * 8000)] ** 2)))  # noqa: E731
    assert rms(speech[0].start, speech[0].start + 0.5) > 10 ** (-30 / 20)
    assert rms(0, tl.duration) > 10 ** (-30 / 20)
    # Captions match what is said, word for word.
    srt = out.with_suffix(".srt")
    assert srt.exists() and out.with_suffix(".vtt").exists()
    captions = " ".join(e.plaintext.replace("\n", " ") for e in pysubs2.load(str(srt)))
    said = lexicon.shown(" ".join(spoken_lines(loaded.expanded.text)))  # {a-sound} is captioned "a"
    assert re.sub(r"\s+", " ", captions).strip() == re.sub(r"\s+", " ", said).strip()


def test_templates_ship_as_package_data():
    pyproject = (TEMPLATES_DIR.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"templates/**/*"' in pyproject
    for name in TEMPLATES:
        assert (TEMPLATES_DIR / name / "params.yaml").is_file() and (TEMPLATES_DIR / name / "template.scene").is_file()
    assert (TEMPLATES_DIR / "_lib" / "objects.scene").is_file()


@pytest.mark.parametrize("name, change", [("counting", {"count": 4}), ("colors", {"color": "blue"}),
                                          ("alphabet", {"letter": "B"})])
def test_each_episode_gets_its_own_music_and_keeps_it(name, change):
    """The music's seed comes from the episode's parameters (`seed_of` in Jinja): the
    same episode always sounds the same, another episode sounds different."""
    from storyreel.dsl import CompileOptions, load_scene
    from storyreel.dsl.templates import load_template

    def music_seed(values):
        scene = load_template(name).scene_path
        tl = load_scene(scene, values, CompileOptions(size=(160, 90))).timeline
        [music] = [clip for clip in tl.audio if clip.kind == "music"]
        return music.params["seed"]

    assert music_seed({}) == music_seed({})
    assert music_seed({}) != music_seed(change)
