"""`render story`: plain-text stories planned into storybook pages (dsl/story.py)
and expanded through templates/storybook. Mostly planning and compiling; one
tiny real render (160x90 @ 6 fps) checks the video, its narration and captions."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from helpers import decode
from storyreel.cli import main
from storyreel.dsl import CompileOptions, SceneError, load_scene
from storyreel.dsl.story import (MAX_PAGES, MAX_SENTENCES, MAX_WORDS, MOODS, check_length,
                                 choose_mood, estimate_seconds, lexicon, parse_story, plan_pages,
                                 read_story, scene_header, storybook_template, storybook_variables,
                                 length_limit, story_platform, validate_pages)
from storyreel.engine.publish.platforms import get_platform
from storyreel.engine import timeline_to_json

TINY = (160, 90)

THREE = """\
Into the Woods

Luna walked into the forest. Tall trees and green leaves were all around her, and a squirrel ran up a trunk.

When night came, the moon rose over the hills. Luna counted the stars until the sky was dark.

In the morning she reached the sea. A little boat bobbed on the waves, and a fish jumped out of the water.
"""


def story(text: str, path: str = "story.txt"):
    return parse_story(textwrap.dedent(text), path)


def compiled(text: str, age: int = 4, size=TINY):
    s = story(text)
    pages = plan_pages(s)
    loaded = load_scene(storybook_template(), storybook_variables(s, pages, age), CompileOptions(size=size))
    return pages, loaded


def all_layers(layers):
    """A scene's layers and those inside them (a camera holds the scene's layers)."""
    for layer in layers:
        yield layer
        yield from all_layers(layer.children)


def backgrounds(timeline) -> dict[str, str]:
    out = {}
    for scene in timeline.scenes:
        for layer in all_layers(scene.layers):
            if layer.kind == "background":
                out[scene.name] = layer.attrs.get("scene") or layer.attrs.get("mode")
    return out


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# ── the request's test: three paragraphs, three scenes, the expected backgrounds ──

def test_three_paragraphs_make_three_page_scenes_with_their_backgrounds():
    pages, loaded = compiled(THREE)
    assert [p.background for p in pages] == ["forest", "forest", "sea"]
    assert [p.stage["time"] for p in pages] == ["day", "night", "day"]
    tl = loaded.timeline
    assert [s.name for s in tl.scenes] == ["title", "page1", "page2", "page3", "the_end"]
    assert backgrounds(tl) == {"title": "gradient", "page1": "forest", "page2": "forest", "page3": "sea",
                               "the_end": "gradient"}
    # The title card carries the title and stars; the end card says "The End".
    text = loaded.expanded.text
    assert 'heading = text "Into the Woods"' in text and "particles stars" in text
    assert 'text "The End"' in text
    # Each page reads its sentences, and the page turns slide.
    assert text.count("transition slide left") == 2
    assert 'narrator says "Luna walked into the forest."' in text
    assert tl.captions and tl.captions_mode == "on"
    assert any(c.kind == "music" for c in tl.audio)


def test_story_file_format():
    s = story("""\
        # A Title With a Hash

        First paragraph, line one
        and line two.


        Second paragraph.
        """)
    assert s.title == "A Title With a Hash"
    assert [p.text for p in s.paragraphs] == ["First paragraph, line one and line two.", "Second paragraph."]
    assert [(p.line, p.column) for p in s.paragraphs] == [(3, 1), (7, 1)]
    # Without blank lines, a line that ends a sentence ends its paragraph.
    s = story("Title\nOne fine day.\nThe cat sat\non the mat.\n")
    assert [p.text for p in s.paragraphs] == ["One fine day.", "The cat sat on the mat."]


def test_braces_and_brackets_in_a_story_are_punctuation_not_markup():
    # In a scene, {a-sound} is a pronunciation, {n} a counted value and [word](#E63946) a
    # coloured word; a story's prose means none of them, and must not fail on them.
    text = """\
        The {Box} [of] Luna

        Luna found a box [with a bow](big) in the garden. Sunny said, "Look {here}!"

        They smiled at the box and opened it. Inside was a tiny kitten.

        Then they all went home for tea.
        """
    s = story(text)
    assert s.title == "The (Box) (of) Luna"
    assert s.paragraphs[0].text == 'Luna found a box (with a bow)(big) in the garden. Sunny said, "Look (here)!"'
    assert (s.paragraphs[1].line, s.paragraphs[1].column) == (5, 1)  # positions are unchanged
    pages, loaded = compiled(text)
    assert len(loaded.timeline.scenes) >= 3


def test_sentences_keep_quotes_and_abbreviations_together():
    s = story('T\n\n"Look! The moon!" said Luna. Mr. Fox waved. She went "home." Then she slept.\n')
    assert [x.text for x in s.paragraphs[0].sentences] == [
        '"Look! The moon!" said Luna.', "Mr. Fox waved.", 'She went "home."', "Then she slept."]
    assert [x.column for x in s.paragraphs[0].sentences] == [1, 30, 45, 62]


# ── splitting, merging, 3-15 ──────────────────────────────────────────────────

def sentences_of(pages) -> list[str]:
    return [s.text for p in pages for s in p.sentences]


def test_a_long_paragraph_is_split_at_sentence_boundaries():
    long = " ".join(f"Sentence number {w} has exactly seven words here." for w in
                    ["one", "two", "three", "four", "five", "six", "seven", "eight"])
    others = "A short second paragraph with enough words in it.\n\nAnd a third one that also has words.\n"
    s = story(f"T\n\n{long}\n\n{others}")
    pages = plan_pages(s)
    assert len(pages) == 5  # 8 sentences -> 3 pages of at most 3, then the two others
    assert all(p.words <= MAX_WORDS and len(p.sentences) <= MAX_SENTENCES for p in pages)
    assert sorted(len(p.sentences) for p in pages[:3]) == [2, 3, 3]
    assert sentences_of(pages) == sentences_of([type(pages[0])(list(p.sentences)) for p in s.paragraphs])


def test_a_sentence_over_the_word_limit_is_split_at_a_comma():
    clause = "and the little bunny hopped along the path"
    long = ", ".join([f"Once upon a time {clause}"] + [clause] * 6) + "."
    s = story(f"T\n\n{long}\n\nSecond paragraph has a few words.\n\nThird paragraph has a few words too.\n")
    pages = plan_pages(s)
    assert all(p.words <= MAX_WORDS for p in pages)
    assert len(pages) == 3 and f"{pages[0].text} {pages[1].text}" == long
    assert pages[0].text.endswith("path,") and pages[2].text.startswith("Second")  # the tiny ones merged


def test_tiny_paragraphs_merge_into_their_shorter_neighbour():
    s = story("""\
        T

        Luna woke up early and looked out of her window at the garden.

        It was sunny.

        She ran outside to play in the grass with all of her friends, laughing.

        Then she found a red ball under the big apple tree near the fence.
        """)
    pages = plan_pages(s)
    assert len(pages) == 3
    assert pages[0].text.endswith("It was sunny.")  # the previous page is the shorter neighbour


def test_tiny_pages_are_kept_when_merging_would_leave_fewer_than_three():
    pages = plan_pages(story("T\n\nLuna woke.\n\nShe smiled.\n\nShe slept.\n"))
    assert [p.text for p in pages] == ["Luna woke.", "She smiled.", "She slept."]


def test_one_paragraph_is_split_into_three_pages():
    pages = plan_pages(story("T\n\nLuna woke up. She ate some toast. She went to the park. She played all day.\n"))
    assert len(pages) == 3
    assert sentences_of(pages) == ["Luna woke up.", "She ate some toast.", "She went to the park.",
                                   "She played all day."]


def test_too_few_sentences_for_three_pages_is_an_error():
    with pytest.raises(SceneError) as err:
        plan_pages(story("T\n\nLuna woke up. She smiled.\n"))
    text = err.value.format()
    assert text.startswith("story.txt:3:15: error: the story is too short: 2 sentences make only 2 pages")
    assert "hint:" in text


def test_more_than_fifteen_pages_are_merged():
    paragraphs = [f"Page {n} tells what happened to Luna next, one little step at a time." for n in range(1, 22)]
    s = story("T\n\n" + "\n\n".join(paragraphs) + "\n")
    pages = plan_pages(s)
    assert len(pages) == MAX_PAGES
    assert sentences_of(pages) == paragraphs


# ── backgrounds and moods ─────────────────────────────────────────────────────

def test_the_page_background_is_the_reader_s_setting_time_and_weather():
    pages, loaded = compiled("T\n\nThe fox walked through the forest in the rain.\n\n"
                             "At sunset the fox reached the beach.\n\nThe fox sat by the sea.\n")
    assert [p.background for p in pages][:2] == ["forest", "beach"]
    assert (pages[0].stage["weather"], pages[1].stage["time"]) == ("rain", "sunset")
    assert "background forest day rain seed 5" in loaded.expanded.text
    assert "background beach sunset" in loaded.expanded.text


@pytest.mark.parametrize("text, mood", [
    ("Luna was so happy. She smiled and laughed with her friend.", "happy"),
    ("Hooray! They jumped and danced at the party!", "excited"),
    ("Sunny was sad and lonely. He cried.", "sad"),
    ("Luna was not happy. She was not glad at all.", "sad"),
    ("Luna was not scared. She smiled.", "happy"),
    ("The monster growled in the dark! Luna was scared and afraid.", "scary"),
    ("Luna yawned. She was sleepy, so she went to bed and fell asleep.", "sleepy"),
    ("Why is the sky blue? Luna wondered.", "curious"),
    ("Suddenly there was a loud bang!", "surprised"),
    ("They sat by the window.", "calm"),
])
def test_mood_from_the_word_lexicon(text, mood):
    assert choose_mood(text) == mood


def test_lexicon_size_and_moods():
    lex = lexicon()
    assert len(lex["words"]) >= 300
    assert set(lex["moods"]) == set(MOODS)
    assert set(lex["backgrounds"]) == {"forest", "night", "ocean", "classroom", "sky", "meadow"}


def test_mood_sets_expression_narration_and_palette_in_the_template():
    pages = [{"text": f"This page is {mood}.", "mood": mood, "characters": ["luna"]} for mood in MOODS]
    loaded = load_scene(storybook_template(), {"title": "Moods", "pages": pages, "age": 4}, CompileOptions(size=TINY))
    text = loaded.expanded.text
    tints = set()
    for n, (mood, style) in enumerate(MOODS.items(), start=1):
        body = text.split(f"scene page{n} {{")[1].split("\n}")[0]
        assert f"luna: expression {style['expression']}" in body, mood
        assert f'narrator says "This page is {mood}." {style["narration"]}' in body, mood
        tints.add(re.search(r"card = rect .* fill (#\w+)", body).group(1))  # the words' card in the mood's colour
        # A strong mood also darkens the whole page.
        assert ("tint = rect" in body) == (mood in ("sad", "scary", "sleepy")), mood
    assert len(tints) == len(MOODS)


# ── characters ────────────────────────────────────────────────────────────────

def test_the_cast_is_the_story_s_own_characters():
    s = story("""\
        T

        Luna met the fox at the park. "Hello!" said Luna.

        Luna and the fox played with a ball. Then the fox ran home.

        The fox waved goodbye, and Luna laughed.
        """)
    pages = plan_pages(s)
    assert [p.characters for p in pages] == [["luna", "fox"], ["luna", "fox"], ["fox", "luna"]]
    assert pages[0].lines[1] == {"who": "luna", "text": "Hello!", "mood": "excitedly"}
    assert "# Cast: Luna -> luna, the fox -> fox.\n" in scene_header(s, pages, 4, None, 30.0)


def test_without_names_luna_and_sunny_listen_on_every_page():
    text = "T\n\nThe sun came up over the hills.\n\nThe flowers opened one by one.\n\nThe day was warm and bright.\n"
    pages, loaded = compiled(text)
    assert [p.characters for p in pages] == [["luna", "sunny"]] * 3
    assert "luna = character luna" in loaded.expanded.text and "sunny = character sunny" in loaded.expanded.text


def test_quoted_speech_is_spoken_by_the_character():
    s = story('T\n\n"Where did it go?" asked Luna.\n\nSunny said, "Let\'s look!"\n\n'
              '"Over here," said Luna, pointing.\n')
    pages = plan_pages(s)
    assert pages[0].lines == [{"who": "luna", "text": "Where did it go?", "mood": "curiously"}]
    assert pages[1].lines == [{"who": "sunny", "text": "Let's look!", "mood": "excitedly"}]
    assert pages[2].lines == [{"who": "luna", "text": "Over here."},
                              {"who": "narrator", "text": "said Luna, pointing."}]
    # A quote inside a sentence is not speech: the narrator reads it all.
    embedded = plan_pages(story('T\n\nLuna said "hi" to the moon. She smiled. She slept.\n'))
    assert embedded[0].lines == [{"who": "narrator", "text": 'Luna said "hi" to the moon.'}]
    loaded = load_scene(storybook_template(), storybook_variables(s, pages), CompileOptions(size=TINY))
    assert 'luna says "Where did it go?" curiously' in loaded.expanded.text
    assert 'text "\u201cWhere did it go?\u201d"' in loaded.expanded.text  # shown with typographic quotes


# ── pacing and length ─────────────────────────────────────────────────────────

def test_younger_viewers_get_longer_pauses():
    _, age2 = compiled(THREE, age=2)
    _, age5 = compiled(THREE, age=5)
    assert age2.timeline.duration > age5.timeline.duration + 3


def test_the_estimate_is_close_to_the_compiled_length():
    s = read_story(Path(__file__).resolve().parent.parent / "examples" / "story.txt")
    pages = plan_pages(s)
    loaded = load_scene(storybook_template(), storybook_variables(s, pages), CompileOptions(size=TINY))
    estimate = estimate_seconds(s, pages)[-1]
    assert abs(estimate - loaded.timeline.duration) < 0.2 * loaded.timeline.duration
    assert check_length(s, pages, story_platform("youtube")) == estimate


# ── errors ────────────────────────────────────────────────────────────────────

def run_story(tmp_path, monkeypatch, content: bytes | str, *args: str):
    monkeypatch.chdir(tmp_path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    (tmp_path / "story.txt").write_bytes(data)
    return invoke("story", "story.txt", *args)


@pytest.mark.parametrize("content, first_line", [
    ("", "story.txt:1:1: error: the story is empty"),
    ("\n   \n\n", "story.txt:1:1: error: the story is empty"),
    ("My Title\n\n\n", "story.txt:1:9: error: the story has a title but no paragraphs"),
    (b"Title\n\nLuna ate a cr\xe8me cake.\n", "story.txt:3:14: error: the story is not UTF-8 text (byte 0xE8"),
])
def test_bad_stories_are_located_errors(tmp_path, monkeypatch, content, first_line):
    result = run_story(tmp_path, monkeypatch, content, "-o", "out.mp4")
    assert result.exit_code == 1
    assert result.stderr.startswith(first_line)
    assert "hint:" in result.stderr
    assert not (tmp_path / "out.mp4").exists()


def test_non_utf8_shows_the_line_and_a_caret(tmp_path, monkeypatch):
    result = run_story(tmp_path, monkeypatch, b"Title\n\nLuna ate a cr\xe8me cake.\n", "-o", "out.mp4")
    lines = result.stderr.splitlines()
    assert lines[1] == "    | Luna ate a cr\ufffdme cake."
    assert lines[2] == "    |              ^"


LONG_WEEK = [f"On day {n}, Luna and Sunny walked to the park, played on the swings, and then "
             f"walked back home again for a very long lunch with all their friends, and they sang a song "
             f"about the sun, the moon and the stars." for n in range(1, 15)]


def test_too_long_for_the_platform_states_the_estimate_and_the_limit(tmp_path, monkeypatch):
    text = "A Long Week\n\n" + "\n\n".join(LONG_WEEK) + "\n"
    shorts = get_platform("shorts")
    result = run_story(tmp_path, monkeypatch, text, "--platform", "shorts", "-o", "out.mp4")
    assert result.exit_code == 1
    message = next(line for line in result.stderr.splitlines() if ": error: " in line)  # after any warnings
    m = re.match(r"story\.txt:(\d+):1: error: the story is too long for YouTube Shorts: about (\d+)m (\d+)s narrated "
                 r"\((\d+) words, 14 pages\), and YouTube Shorts allows (\d+) min$", message)
    assert m, message
    assert int(m.group(5)) * 60 == shorts.max_duration  # the limit comes from engine/publish/platforms.yaml
    assert int(m.group(2)) * 60 + int(m.group(3)) > shorts.max_duration
    assert int(m.group(4)) == sum(len(p.split()) for p in LONG_WEEK)
    assert "--platform youtube" in result.stderr
    assert not (tmp_path / "out.mp4").exists()
    # --preset shorts means the same platform.
    assert run_story(tmp_path, monkeypatch, text, "--preset", "shorts", "-o", "out.mp4").stderr.splitlines()[0] \
        == message
    # The same story fits a YouTube episode for a four-year-old.
    result = run_story(tmp_path, monkeypatch, text, "--emit-scene", "long.scene", "-q")
    assert result.exit_code == 0, result.stderr


def test_too_long_for_the_age_is_the_attention_span(tmp_path, monkeypatch):
    s = read_story(Path(__file__).resolve().parent.parent / "examples" / "story.txt")
    pages = plan_pages(s)
    youtube = story_platform("youtube")
    assert length_limit(youtube, 2) == (360.0, "an episode for age 2")  # YouTube takes hours; a two-year-old does not
    assert length_limit(story_platform(preset="square"), 5) == (900.0, "an episode for age 5")
    assert length_limit(story_platform(preset="tiktok"), 4) == (600.0, "TikTok")  # 10 min, under the 12 of age 4
    assert check_length(s, pages, youtube, 2) > 0
    text = "A Long Week\n\n" + "\n\n".join(LONG_WEEK * 3) + "\n"
    result = run_story(tmp_path, monkeypatch, text, "--age", "2", "--emit-scene", "x.scene")
    assert result.exit_code == 1
    first = next(line for line in result.stderr.splitlines() if ": error: " in line)  # after any warnings
    assert "too long for an episode for age 2" in first and "allows 6 min" in first, first


def test_validate_pages():
    assert validate_pages(["Just text."]) == [
        {"text": "Just text.", "background": "meadow", "mood": "calm", "characters": ["luna", "sunny"], "seed": 7}]
    for bad, words in [([], "non-empty list"), ([{"text": "Hi.", "background": "moon"}], "pages[1].background 'moon'"),
                       ([{"text": "Hi.", "mood": "angry"}], "pages[1].mood 'angry'"),
                       ([{"text": "Hi.", "characters": ["bob"]}], "pages[1].characters"),
                       ([{"txt": "Hi."}], "unknown key txt")]:
        with pytest.raises(SceneError, match=re.escape(words)):
            validate_pages(bad)
    s = parse_story(THREE)
    assert validate_pages(storybook_variables(s, plan_pages(s))["pages"])


def test_the_template_takes_plain_text_pages():
    """`render new storybook` hands the template pages as plain texts (params.yaml)."""
    template = storybook_template().with_name("template.scene")
    loaded = load_scene(template, {"title": "Three", "pages": ["One page.", "Two pages.", "Three pages."], "age": 3},
                        CompileOptions(size=TINY))
    assert [s.name for s in loaded.timeline.scenes] == ["title", "page1", "page2", "page3", "the_end"]
    assert backgrounds(loaded.timeline)["page2"] == "forest"


# ── the command ───────────────────────────────────────────────────────────────

def test_emit_scene_passes_check_and_compiles_to_the_same_timeline(tmp_path, monkeypatch):
    result = run_story(tmp_path, monkeypatch, THREE, "--emit-scene", "book.scene", "--size", "160x90")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "story.mp4").exists()  # --emit-scene alone renders nothing
    text = (tmp_path / "book.scene").read_text(encoding="utf-8")
    assert text.startswith("# Generated by `render story story.txt`")
    assert "# Cast: Luna -> luna, the squirrel -> squirrel" in text
    check = invoke("check", "book.scene")
    assert check.exit_code == 0 and "ok (5 scenes" in check.stdout
    s = parse_story(THREE)
    direct = load_scene(storybook_template(), storybook_variables(s, plan_pages(s)), CompileOptions(size=TINY))
    emitted = load_scene(tmp_path / "book.scene", None, CompileOptions(size=TINY))
    assert timeline_to_json(emitted.timeline) == timeline_to_json(direct.timeline)


def test_emitted_scene_keeps_jinja_like_text_literal(tmp_path, monkeypatch):
    odd = THREE.replace("Tall trees", "Tall {{ trees }} and {% odd %}")
    result = run_story(tmp_path, monkeypatch, odd, "--emit-scene", "odd.scene")
    assert result.exit_code == 0, result.stderr
    assert invoke("check", "odd.scene").exit_code == 0
    assert "{{ trees }}" in load_scene(tmp_path / "odd.scene").expanded.text


def test_render_story_end_to_end(tmp_path, monkeypatch):
    tiny = "Good Night\n\nThe moon came up.\n\nLuna saw a star.\n\nShe fell asleep.\n"
    result = run_story(tmp_path, monkeypatch, tiny, "-o", "night.mp4", "--size", "160x90", "--fps", "6",
                       "--quality", "draft", "--age", "5")
    assert result.exit_code == 0, result.stderr
    assert "3 pages (" in result.stderr
    video = decode(tmp_path / "night.mp4")
    assert (video.width, video.height, video.fps) == (160, 90, 6)
    assert video.audio == ["aac/48000/stereo"]
    assert video.duration > 10
    srt = (tmp_path / "night.srt").read_text(encoding="utf-8")
    for line in ("Good Night", "The moon came up.", "Luna saw a star.", "She fell asleep.", "The End."):
        assert line in srt


def test_render_story_no_extras_writes_no_thumbnail_or_metadata(tmp_path, monkeypatch):
    tiny = "Good Night\n\nThe moon came up.\n\nLuna saw a star.\n\nShe fell asleep.\n"
    result = run_story(tmp_path, monkeypatch, tiny, "-o", "night.mp4", "--size", "96x54", "--fps", "4",
                       "--quality", "draft", "--age", "5", "--no-extras", "-q")
    assert result.exit_code == 0, result.stderr
    # The storybook turns captions on, so its caption files come with the video.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["night.mp4", "night.srt", "night.vtt", "story.txt"]
    assert decode(tmp_path / "night.mp4").duration > 10


def test_render_story_takes_the_speed_options(tmp_path, monkeypatch):
    """--workers, --cache and --profile work for a picture book as for any render:
    the same frames, the chunks reused the second time, the stages printed."""
    tiny = "Good Night\n\nThe moon came up.\n\nLuna saw a star.\n\nShe fell asleep.\n"
    common = ["--size", "96x54", "--fps", "4", "--quality", "draft", "--age", "5", "--no-extras"]
    assert run_story(tmp_path, monkeypatch, tiny, "-o", "one.mp4", *common, "-q").exit_code == 0
    spread = run_story(tmp_path, monkeypatch, tiny, "-o", "two.mp4", *common, "--workers", "2",
                       "--cache", "chunks", "--profile")
    assert spread.exit_code == 0, spread.stderr
    assert "raster:background" in spread.stdout and "fps" in spread.stdout  # the profile table
    assert "0 chunk(s) reused" in spread.stderr
    one, two = decode(tmp_path / "one.mp4"), decode(tmp_path / "two.mp4")
    assert len(one.frames) == len(two.frames) > 40
    assert all(np.array_equal(a, b) for a, b in zip(one.frames, two.frames))
    again = run_story(tmp_path, monkeypatch, tiny, "-o", "three.mp4", *common, "--cache", "chunks")
    assert again.exit_code == 0 and " 0 rendered" in again.stderr
    bad = run_story(tmp_path, monkeypatch, tiny, "-o", "four.mp4", *common, "--cache-size", "1GB")
    assert bad.exit_code == 2 and "give --cache DIR too" in bad.stderr and not (tmp_path / "four.mp4").exists()


def test_render_story_platform_aspect_breach_is_an_error_before_rendering(tmp_path, monkeypatch):
    tiny = "Good Night\n\nThe moon came up.\n\nLuna saw a star.\n\nShe fell asleep.\n"
    result = run_story(tmp_path, monkeypatch, tiny, "-o", "night.mp4", "--platform", "shorts", "--size", "160x90")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "160x90 (aspect 1.778) is outside the aspect ratios YouTube Shorts accepts" in result.stderr
    assert "nothing was rendered" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.txt"]
