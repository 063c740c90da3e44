"""Hostile `.scene` input: each case once gave a traceback, a hang or a
MemoryError; now `render check` stops with `FILE:LINE:COL: error: …` (exit 1),
or click's usage error (exit 2) for a bad option. The budgets are the named
limits of dsl/limits.py, listed in docs/LANGUAGE.md's "Limits" table.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.dsl import SceneError, compiler, limits, load_scene

VIDEO = 'video "t" {\n    size 160x90\n}\n'  # lines 1-3; the first scene starts on line 4
CAST = 'cast {\n    luna = character luna\n}\n'  # lines 4-6 after VIDEO
NINES = "9" * (limits.MAX_DIGITS - 1)  # the longest number allowed: 1e29, finite but absurd


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(directory: Path, text: str, *args: str) -> str:
    """`render check t.scene ARGS`: exit 1, no traceback; the first line of stderr."""
    (directory / "t.scene").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "t.scene", *args])
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr and "ok (" not in result.stdout
    first = result.stderr.splitlines()[0]
    assert re.match(r"t\.scene:\d+:\d+: error: ", first), result.stderr
    return result.stderr


def located(stderr: str) -> tuple[int, int, str]:
    m = re.match(r"t\.scene:(\d+):(\d+): error: (.*)", stderr.splitlines()[0])
    assert m, stderr
    return int(m.group(1)), int(m.group(2)), m.group(3)


# ── 1, 4: numbers too long to convert ───────────────────────────────────────────────


def test_5000_digit_dimensions_is_a_located_error(in_tmp):
    # int("1" * 5000) raises ValueError (Python's 4300-digit limit) inside Lark's transformer.
    err = check(in_tmp, f'video "t" {{\n    size {"1" * 5000}x2\n}}\nscene a {{\n    wait 1s\n}}\n')
    assert located(err) == (2, 10, "a number with 5000 digits")
    assert f"hint: numbers have at most {limits.MAX_DIGITS} digits" in err


def test_400_digit_size_is_a_located_error(in_tmp):
    # float("9" * 400) is inf; int(inf) raised OverflowError in the compiler.
    err = check(in_tmp, f'video "t" {{\n    size {"9" * 400} 90\n}}\nscene a {{\n    wait 1s\n}}\n')
    assert located(err) == (2, 10, "a number with 400 digits")


def test_longest_number_size_is_out_of_range(in_tmp):
    err = check(in_tmp, f'video "t" {{\n    size {NINES} 90\n}}\nscene a {{\n    wait 1s\n}}\n')
    line, col, message = located(err)
    assert (line, col) == (2, 10) and "is out of range" in message


@pytest.mark.parametrize("value", ["1" * 31, "1" * 20 + "." + "1" * 11, "-" + "1" * 31 + "%", "0." + "0" * 40 + "1s"])
def test_digits_limit_counts_every_digit(in_tmp, value):
    err = check(in_tmp, VIDEO + f"scene a {{\n    c = circle at ({value}, 50%)\n    wait 1s\n}}\n"
                if not value.endswith("s") else VIDEO + f"scene a {{\n    wait {value}\n}}\n")
    assert located(err)[2].startswith("a number with ")


# ── 2: nesting ──────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("opener", ["together {{", "g{i} = group {{", "at 0s {{"])
def test_300_nested_blocks_is_a_located_error(in_tmp, opener):
    depth = 300
    inner = "c = circle" if "group" in opener else "wait 1s"
    body = "".join(opener.format(i=i) + "\n" for i in range(depth)) + inner + "\n" + "}\n" * depth
    err = check(in_tmp, VIDEO + "scene a {\n" + body + "}\n")
    line, _, message = located(err)
    # The scene is the first block, so the 64th opener (line 4 + 64) is the 65th block.
    assert (line, message) == (4 + limits.MAX_NESTING, f"blocks nested more than {limits.MAX_NESTING} deep")
    assert "hint: flatten the blocks" in err


def test_nesting_up_to_the_limit_compiles(in_tmp):
    depth = limits.MAX_NESTING - 1  # plus the scene's own block
    body = "together {\n" * depth + "wait 1s\n" + "}\n" * depth
    (in_tmp / "t.scene").write_text(VIDEO + "scene a {\n" + body + "}\n", encoding="utf-8")
    assert load_scene(in_tmp / "t.scene").timeline.duration == pytest.approx(1.0)


# ── 7, 8, 9: time running away ──────────────────────────────────────────────────────


def test_character_at_400_digit_x_is_a_located_error(in_tmp):
    text = VIDEO + f"cast {{\n    luna = character luna at ({'9' * 400}, 50%)\n}}\nscene a {{\n    luna: move to (10%, 50%)\n}}\n"
    assert located(check(in_tmp, text))[:2] == (5, 31)


def test_character_walking_from_far_away_stops_at_the_walk(in_tmp):
    # A walk's duration follows its distance: 1e29 px took 1e26 s, then the walk
    # cycle's round() overflowed (or the blinks for all that time never ended).
    text = VIDEO + f"cast {{\n    luna = character luna at ({NINES}, 50%)\n}}\nscene a {{\n    luna: move to (10%, 50%)\n}}\n"
    began = time.perf_counter()
    line, col, message = located(check(in_tmp, text))
    assert (line, col) == (8, 5) and "past the 24 h limit" in message, message
    assert time.perf_counter() - began < 10


def test_400_digit_wait_is_a_located_error(in_tmp):
    # `render check` used to say "ok (1 scenes, infs, …)", and `render` then crashed.
    assert located(check(in_tmp, VIDEO + f"scene a {{\n    wait {'9' * 400}s\n}}\n"))[:2] == (5, 10)


def test_a_wait_past_the_length_limit_is_a_located_error(in_tmp):
    err = check(in_tmp, VIDEO + f"scene a {{\n    c = circle\n    wait {NINES}s\n}}\n")
    line, col, message = located(err)
    assert (line, col) == (6, 5) and message.startswith("this step would run to ")
    assert "hint: a video lasts at most 24 h; shorten this step" in err


def test_an_at_time_past_the_length_limit_is_a_located_error(in_tmp):
    line, col, message = located(check(in_tmp, VIDEO + f"scene a {{\n    at {NINES}s {{\n        wait 1s\n    }}\n}}\n"))
    assert (line, col) == (5, 8) and "past the 24 h limit" in message


def test_negative_wait_and_at_are_located_errors(in_tmp):
    assert located(check(in_tmp, VIDEO + f"scene a {{\n    wait -{NINES}s\n    wait 1s\n}}\n")) == \
        (5, 10, "a wait cannot be negative")
    assert located(check(in_tmp, VIDEO + "scene a {\n    at -2s {\n        wait 1s\n    }\n    wait 1s\n}\n")) == \
        (5, 8, "an 'at' time cannot be negative")


def test_a_billion_frame_scene_with_a_cast_member_fails_fast(in_tmp):
    # 1e9 frames at 30 fps is 9259 h: the blinks and breaths planned for it took
    # 47 s, then a MemoryError.
    began = time.perf_counter()
    err = check(in_tmp, VIDEO + CAST + "scene talk (1000000000f) {\n    luna: wave\n}\n")
    assert located(err) == (7, 13, "this scene would last 9259.26 h, past the 24 h limit")
    assert time.perf_counter() - began < 10


def test_scenes_adding_up_past_the_length_limit(in_tmp):
    text = VIDEO + "scene a (50000s) {\n    wait 1s\n}\nscene b (50000s) {\n    wait 1s\n}\n"
    line, col, message = located(check(in_tmp, text))
    assert (line, col) == (7, 7) and message.startswith("the video, with scene 'b', would run to 27.7778 h")


def test_too_many_frames(in_tmp):
    # 20 h is within the length limit, but at 240 fps it is 17 million frames.
    err = check(in_tmp, VIDEO + "scene a (72000s) {\n    wait 1s\n}\n", "--fps", "240")
    line, col, message = located(err)
    assert (line, col) == (4, 7) and "17,280,000 frames" in message
    assert f"more than the {limits.MAX_FRAMES:,} limit" in message


def test_too_many_layers_in_a_scene(in_tmp, monkeypatch):
    # The real limit is 10,000; a small one keeps the test fast and exercises the same path.
    monkeypatch.setattr(compiler, "MAX_LAYERS", 3)
    body = "background solid #fff\n" + "".join(f"c{i} = circle\n" for i in range(3)) + "wait 1s\n"
    err = check(in_tmp, VIDEO + "scene a {\n" + body + "}\n")
    assert located(err) == (8, 1, "more than 3 elements in one scene")  # the 4th: c2


# ── what compiles at once but would never finish drawing, or crash at the first frame ──


@pytest.mark.parametrize("statement, column, message", [
    (f"c = polygon sides {NINES}", 23, "a polygon with 1e+29 sides: the limit is 1,000"),
    ("c = star points 1001", 21, "a star with 1,001 points: the limit is 1,000"),
    ("p = particles confetti count 50 seed -1", 42, "a seed must be 0 or more, got -1"),
    ("background meadow seed -3", 28, "a seed must be 0 or more, got -3"),
])
def test_drawables_the_renderer_would_choke_on(in_tmp, statement, column, message):
    assert located(check(in_tmp, VIDEO + f"scene a {{\n    {statement}\n    wait 1s\n}}\n")) == (5, column, message)


def test_polygons_and_seeds_within_the_limits_render(in_tmp):
    from storyreel.engine import render_frame

    text = VIDEO + (f"scene a {{\n    background night seed {NINES}\n    c = polygon sides {limits.MAX_POINTS}\n"
                    "    s = star points 12\n    p = particles snow count 20 seed 0\n    wait 1s\n}\n")
    (in_tmp / "t.scene").write_text(text, encoding="utf-8")
    tl = load_scene(in_tmp / "t.scene").timeline
    for t in (0.0, 0.9):
        assert render_frame(tl, t).shape == (90, 160, 4)


# ── command-line options: finite numbers only ───────────────────────────────────────


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_fps_must_be_finite(in_tmp, value):
    (in_tmp / "t.scene").write_text(VIDEO + "scene a {\n    wait 1s\n}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "t.scene", "--fps", value])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--fps'" in result.stderr and "Traceback" not in result.stderr


def test_size_option_with_thousands_of_digits(in_tmp):
    (in_tmp / "t.scene").write_text(VIDEO + "scene a {\n    wait 1s\n}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "t.scene", "--size", "1" * 5000 + "x2"])
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Invalid value for --size" in result.stderr and "out of range" in result.stderr


# ── the limits, in one place and documented ─────────────────────────────────────────


def test_limits_are_documented():
    doc = (Path(__file__).parents[1] / "docs" / "LANGUAGE.md").read_text(encoding="utf-8")
    section = doc.split("## Limits", 1)[1].split("\n## ", 1)[0]
    for value in (f"{limits.MAX_NESTING}", f"{limits.MAX_DIGITS}", "24 h", f"{limits.MAX_LAYERS:,}",
                  f"{limits.MAX_FRAMES:,}"):
        assert value in section, value


def test_scene_error_for_a_bad_number_has_a_span():
    from storyreel.dsl.parser import parse

    with pytest.raises(SceneError) as info:
        parse(VIDEO + f"scene a {{\n    wait {'1' * 40}s\n}}\n")
    assert info.value.span is not None and info.value.span.line == 5


@pytest.mark.parametrize("data", ["M 0 0 L 10 10 Z 5 5", "M 0 0 z 1"])
def test_numbers_after_close_path_are_an_error_not_a_hang(in_tmp, data):
    """Found by the 60,000-input fuzz run: Z takes no numbers, and the path reader
    looped forever on one after it (it never advanced past the number)."""
    started = time.perf_counter()
    err = check(in_tmp, f'video "t" {{\n    size 160x90\n}}\nscene a {{\n    p = path "{data}"\n    wait 1s\n}}\n')
    assert time.perf_counter() - started < 10
    assert "after Z: closing a path takes no numbers" in err
