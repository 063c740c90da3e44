"""Golden error messages: every class of author error, as the CLI prints it.

Each test writes a .scene file into tmp_path, runs `render check` there (so the
file name in the message is the short relative one) and compares the WHOLE of
stderr: `FILE:LINE:COL: error: MESSAGE`, the source line behind a `    | `
gutter, the caret line, the expanded line when Jinja changed it, and the hint.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.dsl import CompileOptions, SceneError, load_scene

# Lines 1-3 of most files below; the first scene starts on line 4.
VIDEO = 'video "t" {\n    size 160x90\n}\n'


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def cli_error(*args: str) -> str:
    """Run `render ARGS` in-process; it must fail with exit 1 and a clean message."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.stderr


def check_error(directory: Path, text: str, *args: str, name: str = "t.scene") -> str:
    write(directory, name, text)
    return cli_error("check", name, *args)


def golden(text: str) -> str:
    """The expected stderr: the message as written in the test, plus click's newline."""
    return textwrap.dedent(text).strip("\n") + "\n"


# ── structure and syntax ──────────────────────────────────────────────────────


def test_empty_file(in_tmp):
    assert check_error(in_tmp, "") == golden("""
        t.scene:1:1: error: the file is empty
          hint: a .scene file starts with: video "Title" { … } and then at least one scene
    """)


def test_file_of_only_comments_has_no_video_block(in_tmp):
    assert check_error(in_tmp, "# a comment\n\n# another\n") == golden("""
        t.scene:1:1: error: a .scene file must start with a video block
            | # a comment
            | ^
          hint: begin with: video "Title" { preset youtube }, then at least one scene
    """)


def test_missing_video_block(in_tmp):
    assert check_error(in_tmp, "scene a {\n    wait 1s\n}\n") == golden("""
        t.scene:1:1: error: a .scene file must start with a video block
            | scene a {
            | ^~~~~
          hint: begin with: video "Title" { preset youtube }
    """)


def test_video_block_without_scenes(in_tmp):
    assert check_error(in_tmp, VIDEO) == golden("""
        t.scene:1:1: error: the file has no scenes
            | video "t" {
            | ^
          hint: add: scene intro { … }
    """)


def test_syntax_error_unclosed_paren(in_tmp):
    text = VIDEO + "scene a {\n    c = circle at (10, 20 radius 5\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:27: error: unexpected 'radius'
            |     c = circle at (10, 20 radius 5
            |                           ^~~~~~
          hint: expected ')' or ','
    """)


def test_syntax_error_unexpected_token(in_tmp):
    text = VIDEO + "scene a {\n    c = circle radius 5 = 4\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:25: error: unexpected '='
            |     c = circle radius 5 = 4
            |                         ^
          hint: expected end of line, a value, '&' or '{'
    """)


def test_syntax_error_scene_without_name(in_tmp):
    text = VIDEO + "scene {\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:4:7: error: unexpected '{'
            | scene {
            |       ^
          hint: a scene is written: scene NAME [(DURATION)] {
    """)


def test_unterminated_string(in_tmp):
    text = VIDEO + 'scene a {\n    t = text "Hello\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:14: error: unterminated string
            |     t = text "Hello
            |              ^
          hint: close the string with " on the same line
    """)


def test_unclosed_brace_points_at_the_brace(in_tmp):
    text = VIDEO + "scene a {\n    together {\n        wait 1s\n    }\n    wait 1s\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:4:9: error: this '{' is never closed
            | scene a {
            |         ^
          hint: add the missing '}' at the end of the block
    """)


def test_unclosed_inner_brace(in_tmp):
    text = VIDEO + "scene a {\n    together {\n        wait 1s\n}\n"
    # The one '}' closes `together`; the scene's brace is the one left open.
    assert check_error(in_tmp, text) == golden("""
        t.scene:4:9: error: this '{' is never closed
            | scene a {
            |         ^
          hint: add the missing '}' at the end of the block
    """)


# ── words the compiler looks up ───────────────────────────────────────────────


def test_unknown_action_two_words(in_tmp):
    text = VIDEO + "scene a {\n    c = circle radius 5\n    c: fade inn 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:6:8: error: unknown action 'fade inn'
            |     c: fade inn 1s
            |        ^~~~~~~~
          hint: did you mean 'fade in'?
    """)


def test_unknown_action_misspelt(in_tmp):
    text = VIDEO + "scene a {\n    c = circle radius 5\n    c: mvoe to center\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:6:8: error: unknown action 'mvoe to'
            |     c: mvoe to center
            |        ^~~~~~~
          hint: did you mean 'move to'?
    """)


def test_unknown_action_one_word(in_tmp):
    text = VIDEO + "scene a {\n    c = circle radius 5\n    c: popp\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:6:8: error: unknown action 'popp'
            |     c: popp
            |        ^~~~
          hint: did you mean 'pop'?
    """)


def test_unknown_element_kind(in_tmp):
    text = VIDEO + "scene a {\n    c = cirle radius 5\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:9: error: unknown element kind 'cirle'
            |     c = cirle radius 5
            |         ^~~~~
          hint: did you mean 'circle'?
    """)


def test_unknown_property(in_tmp):
    text = VIDEO + "scene a {\n    c = circle radius 5 fil red\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:25: error: unknown property 'fil' for circle
            |     c = circle radius 5 fil red
            |                         ^~~
          hint: did you mean 'fill'?
    """)


def test_unknown_property_without_a_close_match_lists_them(in_tmp):
    text = VIDEO + "scene a {\n    c = circle zzz 3\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:16: error: unknown property 'zzz' for circle
            |     c = circle zzz 3
            |                ^~~
          hint: circle properties: anchor, at, blend, blur, brightness, clip, color, contrast, fill, fixed, flip, grayscale, hue, mask, opacity, radius, rotate, saturation, scale, sepia, shadow, size, skew, stroke, stroke-width, vignette, z
    """)


def test_unknown_video_setting(in_tmp):
    text = 'video "t" {\n    siz 160x90\n}\nscene a {\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden("""
        t.scene:2:5: error: unknown video setting 'siz'
            |     siz 160x90
            |     ^~~
          hint: did you mean 'size'?
    """)


def test_bare_number_where_a_time_is_expected(in_tmp):
    text = VIDEO + "scene a {\n    wait 2\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:10: error: a bare number where a time is expected
            |     wait 2
            |          ^
          hint: add a unit: 2s (seconds), or ms, or f (frames)
    """)


def test_bare_number_as_an_action_duration(in_tmp):
    text = VIDEO + "scene a {\n    c = circle\n    c: fade in 1.5\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:6:16: error: a bare number where a time is expected
            |     c: fade in 1.5
            |                ^~~
          hint: add a unit: 1.5s (seconds), or ms, or f (frames)
    """)


def test_time_where_a_length_is_expected(in_tmp):
    text = VIDEO + "scene a {\n    c = circle radius 2s\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:23: error: expected a radius, got the time '2s'
            |     c = circle radius 2s
            |                       ^~
          hint: lengths are design pixels (40 or 40px) or percentages (10%)
    """)


def test_unknown_name(in_tmp):
    text = VIDEO + "scene a {\n    ball = circle\n    bal: fade in\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:6:5: error: unknown name 'bal'
            |     bal: fade in
            |     ^~~
          hint: did you mean 'ball'?
    """)


def test_unknown_name_from_another_scene(in_tmp):
    text = VIDEO + "scene a {\n    ball = circle\n    wait 1s\n}\nscene b {\n    ball: fade out\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:9:5: error: unknown name 'ball'
            |     ball: fade out
            |     ^~~~
          hint: declare it first in this scene: NAME = KIND … (names do not carry across scenes)
    """)


def test_unknown_colour_name(in_tmp):
    text = VIDEO + "scene a {\n    c = circle fill tomatoe\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:21: error: unknown colour 'tomatoe'
            |     c = circle fill tomatoe
            |                     ^~~~~~~
          hint: did you mean 'tomato'?
    """)


def test_malformed_hex_colour(in_tmp):
    text = VIDEO + "scene a {\n    c = circle fill #12345\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:21: error: invalid colour '#12345'
            |     c = circle fill #12345
            |                     ^~~~~~
          hint: write #RGB, #RRGGBB or #RRGGBBAA with hexadecimal digits, or a CSS name like tomato
    """)


def test_hex_colour_with_non_hex_digits_reads_as_a_comment(in_tmp):
    # `#GG0000` is not a colour token, so the lexer takes it for a comment: the hint says so.
    text = VIDEO + "scene a {\n    c = circle fill #GG0000\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:20: error: missing a colour
            |     c = circle fill #GG0000
            |                    ^
          hint: add a colour here: #RGB, #RRGGBB, #RRGGBBAA or a name like tomato (a '#' not followed by 3 to 8 hex digits starts a comment)
    """)


def test_unknown_easing(in_tmp):
    text = VIDEO + "scene a {\n    c = circle\n    c: fade in 1s ease out-bounc\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:6:24: error: unknown easing 'out-bounc'
            |     c: fade in 1s ease out-bounc
            |                        ^~~~~~~~~
          hint: did you mean 'out-bounce'?
    """)


# ── transitions and scenes ────────────────────────────────────────────────────


def test_unknown_transition(in_tmp):
    text = VIDEO + "scene a {\n    wait 1s\n}\ntransition crossfad 0.5s\nscene b {\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:7:12: error: unknown transition 'crossfad'
            | transition crossfad 0.5s
            |            ^~~~~~~~
          hint: did you mean 'crossfade'?
    """)


def test_transition_longer_than_its_scene(in_tmp):
    text = VIDEO + "scene a {\n    wait 3s\n}\ntransition crossfade 2s\nscene b {\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:7:1: error: the crossfade transition (2s) is longer than scene 'b' (1s)
            | transition crossfade 2s
            | ^~~~~~~~~~~~~~~~~~~~~~~
          hint: shorten the transition or lengthen the scene
    """)


def test_transition_before_the_first_scene(in_tmp):
    text = VIDEO + "transition crossfade 0.5s\nscene a {\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:4:1: error: a transition must come between two scenes
            | transition crossfade 0.5s
            | ^~~~~~~~~~~~~~~~~~~~~~~~~
          hint: move it after the first scene
    """)


def test_transition_after_the_last_scene(in_tmp):
    text = VIDEO + "scene a {\n    wait 1s\n}\ntransition wipe left 0.5s\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:7:1: error: a transition must come between two scenes
            | transition wipe left 0.5s
            | ^~~~~~~~~~~~~~~~~~~~~~~~~
          hint: a transition after the last scene has nothing to go to
    """)


def test_duplicate_scene_name(in_tmp):
    text = VIDEO + "scene intro {\n    wait 1s\n}\nscene intro {\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:7:7: error: a second scene named 'intro'
            | scene intro {
            |       ^~~~~
          hint: scene names must be unique (they become chapters)
    """)


# ── Jinja ─────────────────────────────────────────────────────────────────────


def test_jinja_undefined_variable_points_at_the_variable(in_tmp):
    # `name` also starts the line; the caret must be on the one inside {{ }}.
    text = VIDEO + 'scene a {\n    name = text "Hi {{ name }}" size 20\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:24: error: undefined variable 'name'
            |     name = text "Hi {{ name }}" size 20
            |                        ^~~~
          hint: define it in the front matter, with --data FILE.yaml, or with --set name=VALUE
    """)


def test_jinja_undefined_variable_did_you_mean(in_tmp):
    text = "---\ntitle: Hello\n---\n" + VIDEO + 'scene a {\n    t = text "{{ titel }}" size 20\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden("""
        t.scene:8:18: error: undefined variable 'titel'
            |     t = text "{{ titel }}" size 20
            |                  ^~~~~
          hint: did you mean 'title'?
    """)


def test_jinja_syntax_error(in_tmp):
    text = VIDEO + 'scene a {\n    t = text "{{ 1 + }}"\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:15: error: template syntax error: unexpected 'end of print statement'
            |     t = text "{{ 1 + }}"
            |               ^~~~~~~~~
          hint: Jinja tags are {{ expression }}, {% statement %} and {# comment #}
    """)


def test_jinja_unclosed_block_points_at_its_tag(in_tmp):
    text = VIDEO + "scene a {\n    {% for i in range(3) %}\n    c{{ i }} = circle\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:5: error: template syntax error: '{% for %}' is never closed
            |     {% for i in range(3) %}
            |     ^~~~~~~~~~~~~~~~~~~~~~~
          hint: add {% endfor %} where the block ends
    """)


def test_error_on_a_line_made_by_a_jinja_loop(in_tmp):
    text = VIDEO + (
        "scene a {\n"
        "    {% for i in range(3) %}\n"
        "    c{{ i }} = circle radius {{ i }} fil red\n"
        "    {% endfor %}\n"
        "    wait 1s\n"
        "}\n"
    )
    assert check_error(in_tmp, text) == golden("""
        t.scene:6:38: error: unknown property 'fil' for circle
            |     c{{ i }} = circle radius {{ i }} fil red
            |                                      ^~~
          after template expansion the line reads:
            |         c0 = circle radius 0 fil red
            |                              ^~~
          hint: did you mean 'fill'?
    """)


def test_error_inside_an_included_file(in_tmp):
    write(in_tmp, "parts/bit.scene", "c = circle\nc: fade inn\n")
    text = VIDEO + 'scene a {\n    {% include "parts/bit.scene" %}\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden("""
        parts/bit.scene:2:4: error: unknown action 'fade inn'
            | c: fade inn
            |    ^~~~~~~~
          hint: did you mean 'fade in'?
    """)


def test_include_is_relative_to_the_including_file(in_tmp):
    # parts/outer.scene includes "inner.scene": that is parts/inner.scene, not ./inner.scene.
    write(in_tmp, "parts/outer.scene", '{% include "inner.scene" %}\n')
    write(in_tmp, "parts/inner.scene", "d = circle\nd: scale to 2 ease linearr\n")
    text = VIDEO + 'scene a {\n    {% include "parts/outer.scene" %}\n}\n'
    assert check_error(in_tmp, text) == golden("""
        parts/inner.scene:2:20: error: unknown easing 'linearr'
            | d: scale to 2 ease linearr
            |                    ^~~~~~~
          hint: did you mean 'linear'?
    """)


def test_missing_included_file(in_tmp):
    text = VIDEO + 'scene a {\n    {% include "nope.scene" %}\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:17: error: included file not found: nope.scene
            |     {% include "nope.scene" %}
            |                 ^~~~~~~~~~
          hint: paths in include/import are relative to the file that names them
    """)


def test_error_inside_an_imported_macro(in_tmp):
    write(in_tmp, "lib.scene",
          "{% macro dot(name) %}\n{{ name }} = circle radius 10\n{{ name }}: pop 0.3s ease out-bak\n{% endmacro %}\n")
    text = '{% import "lib.scene" as lib %}\n' + VIDEO + 'scene a {\n    {{ lib.dot("d") }}\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden("""
        lib.scene:3:27: error: unknown easing 'out-bak'
            | {{ name }}: pop 0.3s ease out-bak
            |                           ^~~~~~~
          after template expansion the line reads:
            | d: pop 0.3s ease out-bak
            |                  ^~~~~~~
          hint: did you mean 'out-back'?
    """)


def test_undefined_variable_inside_an_imported_macro(in_tmp):
    write(in_tmp, "lib.scene", "{% macro dot(name) %}\n{{ name }} = circle radius {{ size }}\n{% endmacro %}\n")
    text = '{% import "lib.scene" as lib %}\n' + VIDEO + 'scene a {\n    {{ lib.dot("d") }}\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden("""
        lib.scene:2:31: error: undefined variable 'size'
            | {{ name }} = circle radius {{ size }}
            |                               ^~~~
          hint: define it in the front matter, with --data FILE.yaml, or with --set size=VALUE
    """)


# ── files the scene names ─────────────────────────────────────────────────────


def test_missing_image_file(in_tmp):
    text = VIDEO + 'scene a {\n    i = image "assets/cat.png" width 30\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden(f"""
        t.scene:5:15: error: file not found: 'assets/cat.png'
            |     i = image "assets/cat.png" width 30
            |               ^~~~~~~~~~~~~~~~
          hint: paths are relative to the .scene file's folder ({in_tmp.resolve()})
    """)


def test_missing_svg_file(in_tmp):
    text = VIDEO + 'scene a {\n    s = svg "logo.svg" height 40\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden(f"""
        t.scene:5:13: error: file not found: 'logo.svg'
            |     s = svg "logo.svg" height 40
            |             ^~~~~~~~~~
          hint: paths are relative to the .scene file's folder ({in_tmp.resolve()})
    """)


def test_missing_background_image(in_tmp):
    text = VIDEO + 'scene a {\n    background image "sky.jpg" fit cover\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden(f"""
        t.scene:5:22: error: file not found: 'sky.jpg'
            |     background image "sky.jpg" fit cover
            |                      ^~~~~~~~~
          hint: paths are relative to the .scene file's folder ({in_tmp.resolve()})
    """)


def test_missing_scene_file(in_tmp):
    assert cli_error("check", "nothere.scene") == "error: file not found: nothere.scene\n"


# ── front matter and the command line ────────────────────────────────────────


def test_invalid_front_matter_yaml(in_tmp):
    text = "---\ntitle: [unclosed\ncount: 3\n---\n" + VIDEO + "scene a {\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:3:6: error: invalid front matter: expected ',' or ']', but got ':'
            | count: 3
            |      ^
    """)


def test_front_matter_that_is_not_a_mapping(in_tmp):
    text = "---\n- a\n- b\n---\n" + VIDEO + "scene a {\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:2:1: error: front matter must be a mapping of names to values
            | - a
            | ^
          hint: write one `name: value` per line between the --- lines
    """)


GOOD = VIDEO + "scene a {\n    wait 1s\n}\n"


def test_data_file_missing(in_tmp):
    assert check_error(in_tmp, GOOD, "--data", "vars.yaml") == "error: data file not found: vars.yaml\n"


def test_data_file_invalid_yaml(in_tmp):
    write(in_tmp, "vars.yaml", "count: 3\nnames: [a, b\ncolor: red\n")
    assert check_error(in_tmp, GOOD, "--data", "vars.yaml") == golden("""
        vars.yaml:3:6: error: invalid YAML: expected ',' or ']', but got ':'
            | color: red
            |      ^
    """)


def test_data_file_not_a_mapping(in_tmp):
    write(in_tmp, "vars.yaml", "- 1\n- 2\n")
    assert check_error(in_tmp, GOOD, "--data", "vars.yaml") == golden("""
        vars.yaml:1:1: error: vars.yaml must hold a mapping of names to values
            | - 1
            | ^
    """)


def option_error(directory: Path, text: str, *args: str) -> str:
    """`render check` with a misused option: exit 2, click's usage message; the error line."""
    write(directory, "t.scene", text)
    result = CliRunner().invoke(main, ["check", "t.scene", *args])
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.stderr.startswith("Usage: ") and "Traceback" not in result.stderr
    return result.stderr.split("\n\n", 1)[1]


def test_set_without_equals(in_tmp):
    assert option_error(in_tmp, GOOD, "--set", "count") == (
        "Error: Invalid value for '--set': expects key=value, got 'count' (for example --set count=5)\n")


def test_set_with_a_bad_name(in_tmp):
    assert option_error(in_tmp, GOOD, "--set", "2x=3") == (
        "Error: Invalid value for '--set': '2x' is not a valid variable name (names are letters, digits and _)\n")


def test_odd_size_option(in_tmp):
    assert option_error(in_tmp, GOOD, "--size", "321x180") == (
        "Error: Invalid value for '--size': size 321x180 has an odd side "
        "(H.264 with yuv420p needs even width and height)\n")


def test_odd_size_in_the_file(in_tmp):
    text = 'video "t" {\n    size 161x90\n}\nscene a {\n    wait 1s\n}\n'
    assert check_error(in_tmp, text) == golden("""
        t.scene:2:10: error: size 161x90 has an odd side
            |     size 161x90
            |          ^~~~~~
          hint: H.264 with yuv420p needs even width and height
    """)


def test_cast_member_must_be_a_character(in_tmp):
    text = VIDEO + "cast {\n    luna = luna\n}\nscene a {\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:12: error: expected 'character', got 'luna'
            |     luna = luna
            |            ^~~~
          hint: one of: character
    """)


def test_unknown_character_suggests(in_tmp):
    text = VIDEO + "cast {\n    luna = character lunna\n}\nscene a {\n    wait 1s\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:5:22: error: unknown character 'lunna'
            |     luna = character lunna
            |                      ^~~~~
          hint: did you mean 'luna'?
    """)






def test_character_action_on_an_element(in_tmp):
    # `luna` here is a circle, not a cast member.
    text = VIDEO + "scene a {\n    luna = circle\n    luna: wave\n}\n"
    assert check_error(in_tmp, text) == golden("""
        t.scene:6:11: error: 'wave' is a character action, and 'luna' is a circle
            |     luna: wave
            |           ^~~~
          hint: characters come from the cast: cast { luna = character luna }
    """)


# ── the same messages from the Python API ─────────────────────────────────────


def test_scene_error_format_matches_the_cli(in_tmp):
    text = VIDEO + "scene a {\n    c = circle radius 5 fil red\n    wait 1s\n}\n"
    path = write(in_tmp, "t.scene", text)
    with pytest.raises(SceneError) as info:
        load_scene(path.name, None, CompileOptions())
    err = info.value
    assert (err.location.file, err.location.line, err.location.column) == ("t.scene", 5, 25)
    assert err.format() + "\n" == cli_error("check", "t.scene")
    assert str(err) == err.format()
