"""Captions that can be read: the viewers' `age`, cues held until readable,
`wait for reading`, `pronounced`, `speech rate`, and check-video taking the
age the video was made for. Real speech (eSpeak NG), real renders decoded back."""
from __future__ import annotations

import json

import pysubs2
import pytest
from click.testing import CliRunner

from helpers import compiled_template, scene_text
from storyreel.cli import main
from storyreel.engine.audio import load_audio
from storyreel.engine.publish.captions import reading_length, reading_speed_limit

RATE = 48000


def speech_windows(timeline) -> list[tuple[float, float]]:
    return [(clip.start, clip.start + load_audio(clip.source).shape[1] / RATE)
            for clip in timeline.audio if clip.kind == "speech"]


def cps(cue) -> float:
    return reading_length(cue.text) / (cue.end - cue.start)


def test_reading_speed_by_age():
    assert reading_speed_limit(None) == 17.0  # children's programmes
    assert reading_speed_limit(2) == reading_speed_limit(5) == 12.0
    assert reading_speed_limit(7) == 15.0 and reading_speed_limit(10) == 17.0 and reading_speed_limit(30) == 20.0


def test_a_short_line_stays_up_until_it_can_be_read(compile_scene):
    tl = compile_scene(scene_text("""
        scene a {
            narrator says "Yay!" rate 2
            wait 2s
            narrator says "Look at the big red apple over there."
        }
    """, "age 4\ncaptions on\nspeech rate 2"))  # brisk: the voice's own pace for age 4 is readable
    (yay_start, yay_end), (look_start, look_end) = speech_windows(tl)
    yay, look = tl.captions
    assert tl.audience_age == 4
    # "Yay!" is spoken in well under the third of a second that 4 characters take to read at 12/s.
    assert yay_end - yay_start < 4 / 12
    assert yay.start == pytest.approx(yay_start, abs=1e-6)
    # ...and at least MIN_CUE_SECONDS (0.8 s), so it does not flash by.
    assert yay.end == pytest.approx(yay_start + max(4 / 12, 0.8), abs=0.003) and cps(yay) <= 12
    # The long last line: held past its speech, to the end of the video at most.
    assert look.start == pytest.approx(look_start, abs=1e-6)
    assert look.end == pytest.approx(min(tl.duration, look_start + 37 / 12), abs=0.003)
    assert look.end >= look_end - 1e-6


def test_a_held_cue_never_runs_into_the_next_line(compile_scene):
    tl = compile_scene(scene_text("""
        scene a {
            sunny says "Ta-da!" excitedly rate 2
            narrator says "Hello there, friends."
        }
    """, "age 4"))
    (_, first_end), (second_start, _) = speech_windows(tl)
    tada, hello = tl.captions
    assert second_start == pytest.approx(first_end, abs=1e-6)  # back to back: no room to hold
    assert tada.end == pytest.approx(hello.start, abs=1e-6)
    assert cps(tada) > 12  # so too fast to read, honestly reported


def test_wait_for_reading_waits_exactly_long_enough(compile_scene):
    text = scene_text("""
        scene a {
            narrator says "Wow!"
            wait for reading
            narrator says "Hello there, friends."
            wait for reading
            box = rect at (50%, 50%) size 10% 10% fill red
        }
    """, "age 3")
    tl = compile_scene(text)
    (wow_start, wow_end), (hello_start, hello_end) = speech_windows(tl)
    assert hello_start == pytest.approx(max(wow_end, wow_start + 4 / 12 + 0.002), abs=1e-5)
    if len(tl.captions) == 2:
        wow, hello = tl.captions
        assert wow.end == pytest.approx(hello_start, abs=1e-5) and cps(wow) <= 12
    else:  # a one-word exclamation may share its neighbour's cue (engine/publish/captions.py: merge_short_cues)
        hello, = tl.captions
        assert hello.text.split() == ["Wow!", "Hello", "there,", "friends."]
        assert hello.start == pytest.approx(wow_start, abs=1e-6)
    # The second line is already slow enough at 12/s? Either way the scene lasts until it is readable.
    assert tl.duration == pytest.approx(max(hello_end, hello_start + 21 / 12 + 0.002), abs=1e-4)
    assert cps(hello) <= 12 + 1e-6


def test_wait_for_reading_before_any_line_takes_no_time(compile_scene):
    tl = compile_scene(scene_text("""
        scene a {
            wait for reading
            wait 1s
        }
    """))
    assert tl.duration == pytest.approx(1.0)


def test_pronounced_speaks_one_text_and_captions_the_other(compile_scene):
    tl = compile_scene(scene_text("""
        scene a {
            luna says "A is for apple." pronounced "Ay is for apple." happily
            narrator says "Hello, friends!" pronounced "Hello hello hello hello, my friends!"
        }
    """, "captions on"))
    first, second = tl.captions
    assert first.text == "A is for apple." and second.text == "Hello, friends!"
    # Same number of words: the caption's words carry the spoken words' times (karaoke).
    assert [w.text for w in first.words] == ["A", "is", "for", "apple."]
    assert first.words[0].start == pytest.approx(first.start, abs=0.05)
    # A different number of words: no word highlighting, the cue still spans the speech.
    assert second.words == ()
    # The voice said the longer text: the speech lasts longer than the caption alone would need.
    (_, _), (s2, e2) = speech_windows(tl)
    plain = compile_scene(scene_text('scene a {\n    narrator says "Hello, friends!"\n}\n'))
    (p_start, p_end), = speech_windows(plain)
    assert e2 - s2 > 1.5 * (p_end - p_start)


def test_speech_rate_slows_every_voice(compile_scene):
    body = 'scene a {\n    narrator says "We are counting the red apples together today."\n' \
           '    luna says "One, two, three, four, five little ducks."\n}\n'
    normal = speech_windows(compile_scene(scene_text(body)))
    slow = speech_windows(compile_scene(scene_text(body, "speech rate 0.7")))
    for (a0, a1), (b0, b1) in zip(normal, slow):
        assert (b1 - b0) > 1.2 * (a1 - a0)


@pytest.mark.parametrize("setting, message", [
    ("age 0", "age must be between 1 and 120 years, got 0"),
    ("age old", "expected the viewers' age in years"),
    ("speech rate 3", "speech rate must be between 0.5 and 2, got 3"),
    ("speech 0.8", "unknown speech provider '0.8'"),  # a provider order, or 'rate'; the hint says both
])
def test_bad_settings_are_located_errors(tmp_path, setting, message):
    stderr = check_fails(tmp_path, scene_text('scene a {\n    wait 1s\n}\n', setting))
    assert "t.scene:2:" in stderr and message in stderr, stderr


def check_fails(tmp_path, text: str) -> str:
    """`render check` on `text` as t.scene: exit status 1, no traceback; its stderr."""
    path = tmp_path / "t.scene"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    return result.stderr


@pytest.mark.parametrize("line, message", [
    ('narrator says "Hi" pronounced', "missing how to say it"),
    ('narrator says "Hi" pronounced ""', "there is nothing to say"),
    ('narrator says "Hi" pronounced "Hey" pronounced "Ho"', "'pronounced' is given twice"),
    ('narrator says "Hi" happily sadly', "unexpected 'sadly'"),
    ('narrator says "Hi"\n    wait for lunch', "expected 'reading', as in: wait for reading"),
])
def test_bad_lines_are_located_errors(tmp_path, line, message):
    stderr = check_fails(tmp_path, scene_text(f"scene a {{\n    {line}\n}}\n"))
    assert message in stderr and "^" in stderr, stderr


def test_the_age_goes_into_the_metadata_and_check_video_uses_it(tmp_path):
    path = tmp_path / "t.scene"
    path.write_text(scene_text("""
        scene a {
            background solid #FFE8D1
            sunny says "Ta-da!" excitedly rate 2
            narrator says "Hello there, friends."
            wait 0.5s
        }
    """, "size 192x108\nfps 10\nage 4\ncaptions on"), encoding="utf-8")
    out = tmp_path / "t.mp4"
    result = CliRunner().invoke(main, [str(path), "-o", str(out), "--quality", "draft", "--quiet"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.with_suffix(".json").read_text())["audience_age"] == 4
    subs = pysubs2.load(str(out.with_suffix(".srt")))
    assert [e.plaintext for e in subs] == ["Ta-da!", "Hello there, friends."]
    # "Ta-da!" had no time to be read at 12 chars/s; check-video finds it by itself,
    # from the age in OUT.json, and says which age it checked for.
    result = CliRunner().invoke(main, ["check-video", str(out)])
    assert result.exit_code == 1 and "<= 12 chars/s (age 4)" in result.output, result.output
    assert result.output.splitlines()[-1] == "FAILED: reading speed"
    # An explicit --age wins: for adults (20 chars/s) the same cue is fine.
    tada = subs[0]
    assert 6 / ((tada.end - tada.start) / 1000) < 20
    result = CliRunner().invoke(main, ["check-video", str(out), "--age", "30"])
    assert "reading speed" not in result.output.splitlines()[-1], result.output


@pytest.mark.parametrize("name", ["counting", "alphabet", "colors", "shapes", "feelings", "storybook"])
def test_every_template_captions_readably_at_every_age(name):
    for age in (2, 3, 4, 5):
        tl = compiled_template(name, (192, 108), 6, age=age).timeline  # shared with test_templates
        limit = reading_speed_limit(age)
        assert tl.audience_age == age
        too_fast = [(round(c.start, 2), c.text, round(cps(c), 1)) for c in tl.captions if cps(c) > limit + 1e-6]
        assert not too_fast, f"{name} age {age}: {too_fast}"
