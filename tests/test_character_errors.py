"""Golden error messages for malformed character files.

Each test copies tests/fixtures/luna-for-errors.yaml (Luna's file, frozen) into tmp_path/chars/bad/ with one
targeted edit, points $STORYREEL_CHARACTERS at tmp_path/chars, and compares the
WHOLE formatted message, twice: from `load_character(path)` (CharacterError.format())
and from `render check` on a .scene file whose cast uses the character (the CLI
reports the character file's location, not the scene's).

The line numbers below are those of luna's file: editing it shifts them.
Every test has its own tmp_path, so the loader's (path, mtime) cache never
serves one test's file to another.
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.engine.characters import CharacterError, load_character

# A frozen copy of Luna's file from before her arms got elbows: the line numbers
# below are its own, so redrawing Luna does not move every message.
LUNA = (Path(__file__).resolve().parent / "fixtures" / "luna-for-errors.yaml").read_text(encoding="utf-8")
SCENE = 'video "t" {\n    size 160x90\n}\ncast {\n    b = character bad\n}\nscene a {\n    b: wave\n}\n'


@pytest.fixture
def chars(tmp_path, monkeypatch):
    """tmp_path is the working directory (short file names) and holds chars/."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYREEL_CHARACTERS", str(tmp_path / "chars"))
    return tmp_path


def replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in luna's file"
    return text.replace(old, new)


def drop_section(text: str, key: str) -> str:
    """Remove a top-level `key:` and its indented body."""
    out, skipping, found = [], False, False
    for line in text.split("\n"):
        if re.match(rf"{key}:", line):
            skipping = found = True
            continue
        if skipping and line and not line[0].isspace():
            skipping = False
        if not skipping:
            out.append(line)
    assert found, key
    return "\n".join(out)


def golden(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def errors(root: Path, yaml_text: str) -> tuple[str, str]:
    """(the API's message, the CLI's stderr) for a character file holding yaml_text."""
    folder = root / "chars" / "bad"
    folder.mkdir(parents=True)
    (folder / "character.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(CharacterError) as info:
        load_character(str(folder / "character.yaml"))
    api = info.value.format()
    assert str(info.value) == api

    (root / "t.scene").write_text(SCENE, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "t.scene"])
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    return api, result.stderr


def assert_error(root: Path, yaml_text: str, expected: str) -> None:
    api, cli = errors(root, yaml_text)
    assert api == golden(expected)
    assert cli == golden(expected) + "\n"


def test_luna_and_sunny_themselves_load(chars):
    # The baseline every edit below starts from is valid.
    (chars / "chars" / "good").mkdir(parents=True)
    (chars / "chars" / "good" / "character.yaml").write_text(LUNA, encoding="utf-8")
    assert load_character(str(chars / "chars" / "good")).id == "luna"
    assert load_character("sunny").name == "Sunny"
    (chars / "t.scene").write_text(SCENE.replace("character bad", "character good"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "t.scene"])
    assert result.exit_code == 0, result.output


# ── the file as a whole ─────────────────────────────────────────────────────


def test_invalid_yaml_unclosed_brace(chars):
    bad = replace(LUNA, "outline: { color: ink, width: 5 }", "outline: { color: ink, width: 5")
    assert_error(chars, bad, """
        chars/bad/character.yaml:23:6: error: invalid YAML: expected ',' or '}', but got ':'
            | voice: { preset: luna }
            |      ^
    """)


def test_invalid_yaml_tab(chars):
    bad = replace(LUNA, "height: 430\n", "height: 430\n\tfoo: 1\n")
    assert_error(chars, bad, """
        chars/bad/character.yaml:8:1: error: invalid YAML: found character '\\t' that cannot start any token
            |  foo: 1
            | ^
    """)


@pytest.mark.parametrize("text", ["", "# only a comment\n"], ids=["empty", "comments-only"])
def test_empty_file(chars, text):
    assert_error(chars, text, """
        chars/bad/character.yaml:1:1: error: the file is empty
          hint: see characters/luna/character.yaml for the format
    """)


def test_file_that_is_a_list(chars):
    assert_error(chars, "- luna\n- sunny\n", """
        chars/bad/character.yaml:1:1: error: a character file must be a mapping (name: value lines)
            | - luna
            | ^
    """)


@pytest.mark.parametrize("field", ["id", "name", "height", "outline", "parts", "face", "expressions", "visemes"])
def test_missing_required_field(chars, field):
    # The error points at the file's mapping, which starts at its first key (line 4).
    first = "name: Luna" if field == "id" else "id: luna"
    assert_error(chars, drop_section(LUNA, field), f"""
        chars/bad/character.yaml:4:1: error: the character is missing '{field}'
            | {first}
            | ^
    """)


def test_unknown_section_suggests(chars):
    assert_error(chars, replace(LUNA, "gestures:\n", "gesture:\n"), """
        chars/bad/character.yaml:122:1: error: unknown section 'gesture'
            | gesture:
            | ^~~~~~~
          hint: did you mean 'gestures'?
    """)


def test_unknown_section_lists_sections(chars):
    assert_error(chars, replace(LUNA, "walk: { stride: 80 }", "colours: { stride: 80 }"), """
        chars/bad/character.yaml:25:1: error: unknown section 'colours'
            | colours: { stride: 80 }
            | ^~~~~~~
          hint: sections: expressions, face, gestures, height, id, name, outline, palette, parts, personality, views, visemes, voice, walk
    """)


def test_height_must_be_a_number(chars):
    assert_error(chars, replace(LUNA, "height: 430", "height: tall"), """
        chars/bad/character.yaml:7:9: error: height must be a number
            | height: tall
            |         ^~~~
    """)


# ── parts ─────────────────────────────────────────────────────────────────────

LEG_L_PATH = '"M -36 -92 L -14 -92 L -14 -16 C -14 -5 -20 0 -31 0 L -46 0 C -57 0 -59 -13 -48 -17 L -36 -21 Z"'


def test_part_missing_its_path(chars):
    assert_error(chars, replace(LUNA, f"    path: {LEG_L_PATH}\n", ""), """
        chars/bad/character.yaml:28:5: error: part 'leg_l' is missing 'path'
            |   - id: leg_l
            |     ^
    """)


def test_invalid_path_data_wrong_argument_count(chars):
    assert_error(chars, replace(LUNA, "L -14 -16 C -14 -5", "L -14 -16 Q -14 -5"), f"""
        chars/bad/character.yaml:29:11: error: part 'leg_l': invalid path data: command 'Q' needs 4 numbers
            |     path: {LEG_L_PATH.replace(" C -14 -5", " Q -14 -5")}
            |           ^{"~" * (len(LEG_L_PATH) - 1)}
    """)


def test_invalid_path_data_unknown_command(chars):
    assert_error(chars, replace(LUNA, "L -14 -92 L -14 -16 C -14 -5", "L -14 -92 X -14 -16 C -14 -5"), f"""
        chars/bad/character.yaml:29:11: error: part 'leg_l': invalid path data: unexpected 'X' in path data
            |     path: {LEG_L_PATH.replace("-92 L -14 -16", "-92 X -14 -16")}
            |           ^{"~" * (len(LEG_L_PATH) - 1)}
    """)


def test_unknown_part_field_suggests(chars):
    assert_error(chars, replace(LUNA, "    pivot: [-25, -88]", "    pivit: [-25, -88]"), """
        chars/bad/character.yaml:31:5: error: unknown part field 'pivit'
            |     pivit: [-25, -88]
            |     ^~~~~
          hint: did you mean 'pivot'?
    """)


def test_bad_hex_colour_in_the_palette(chars):
    assert_error(chars, replace(LUNA, 'skin: "#FFE6D5"', 'skin: "#FFE6D"'), """
        chars/bad/character.yaml:10:9: error: bad colour '#FFE6D'
            |   skin: "#FFE6D"
            |         ^~~~~~~~
          hint: write #RGB, #RRGGBB or #RRGGBBAA with hexadecimal digits, or a CSS name like tomato
    """)


def test_unknown_palette_name_suggests(chars):
    bad = replace(LUNA, "    fill: leggings\n    pivot: [-25, -88]", "    fill: leggins\n    pivot: [-25, -88]")
    assert_error(chars, bad, """
        chars/bad/character.yaml:30:11: error: bad colour 'leggins'
            |     fill: leggins
            |           ^~~~~~~
          hint: did you mean 'leggings'?
    """)


def test_unknown_colour_name_without_a_close_match(chars):
    bad = replace(LUNA, "    fill: leggings\n    pivot: [-25, -88]", "    fill: sparkly\n    pivot: [-25, -88]")
    assert_error(chars, bad, """
        chars/bad/character.yaml:30:11: error: bad colour 'sparkly'
            |     fill: sparkly
            |           ^~~~~~~
          hint: use a CSS colour name or #RRGGBB
    """)


def test_outline_colour_uses_the_palette(chars):
    assert_error(chars, replace(LUNA, "outline: { color: ink,", "outline: { color: inc,"), """
        chars/bad/character.yaml:21:19: error: bad colour 'inc'
            | outline: { color: inc, width: 5 }
            |                   ^~~
          hint: did you mean 'ink'?
    """)


def test_pivot_outside_the_part(chars):
    assert_error(chars, replace(LUNA, "pivot: [-79, -112]", "pivot: [-79, 112]"), """
        chars/bad/character.yaml:58:20: error: part 'hand_l': the pivot [-79.0, 112.0] is outside the part
            |             pivot: [-79, 112]
            |                    ^~~~~~~~~~
          hint: the part spans x -93..-65, y -126..-98; a pivot is the joint it turns around
    """)


def test_duplicate_part_id(chars):
    assert_error(chars, replace(LUNA, "- id: hand_r", "- id: hand_l"), """
        chars/bad/character.yaml:64:13: error: a second part named 'hand_l'
            |           - id: hand_l
            |             ^
    """)


FACE_RULE = """
        chars/bad/character.yaml:28:3: error: exactly one part must carry the face (face: true), usually the head
            |   - id: leg_l
            |   ^
"""


def test_no_face_part(chars):
    assert_error(chars, replace(LUNA, "            face: true\n", ""), FACE_RULE)


def test_two_face_parts(chars):
    bad = replace(LUNA, "    fill: dress\n    pivot: [0, -80]\n", "    fill: dress\n    pivot: [0, -80]\n    face: true\n")
    assert_error(chars, bad, FACE_RULE)


# ── face, expressions, visemes ────────────────────────────────────────────────


def test_face_group_missing_a_field(chars):
    bad = replace(LUNA, "eyes: { y: -286, spacing: 36, width: 20,", "eyes: { y: -286, width: 20,")
    assert_error(chars, bad, """
        chars/bad/character.yaml:94:9: error: face eyes is missing 'spacing'
            |   eyes: { y: -286, width: 20, height: 28, color: ink }
            |         ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    """)


def test_unknown_expression_suggests(chars):
    assert_error(chars, replace(LUNA, "  sleepy:", "  sleeepy:"), """
        chars/bad/character.yaml:106:3: error: unknown expression 'sleeepy'
            |   sleeepy:    { eyes: half,   brows: -3, smile: 0.15, blush: 0.3 }
            |   ^~~~~~~
          hint: did you mean 'sleepy'?
    """)


def test_unknown_expression_lists_expressions(chars):
    assert_error(chars, replace(LUNA, "  sleepy:", "  grumpy:"), """
        chars/bad/character.yaml:106:3: error: unknown expression 'grumpy'
            |   grumpy:    { eyes: half,   brows: -3, smile: 0.15, blush: 0.3 }
            |   ^~~~~~
          hint: expressions: neutral, happy, sad, surprised, excited, thinking, sleepy, angry, scared
    """)


SLEEPY = "  sleepy:    { eyes: half,   brows: -3, smile: 0.15, blush: 0.3 }\n"
THINKING = "  thinking:  { eyes: open,   brows: 3,  brow_tilt: -10, smile: -0.1, look: [0.7, -0.8] }\n"


def test_missing_expression(chars):
    assert_error(chars, replace(LUNA, SLEEPY, ""), """
        chars/bad/character.yaml:100:3: error: missing expression: sleepy
            |   neutral:   { eyes: open,   brows: 0,  smile: 0.35 }
            |   ^
          hint: a character needs all of: neutral, happy, sad, surprised, excited, thinking, sleepy, angry, scared
    """)


def test_missing_expressions_plural(chars):
    assert_error(chars, replace(replace(LUNA, SLEEPY, ""), THINKING, ""), """
        chars/bad/character.yaml:100:3: error: missing expressions: thinking, sleepy
            |   neutral:   { eyes: open,   brows: 0,  smile: 0.35 }
            |   ^
          hint: a character needs all of: neutral, happy, sad, surprised, excited, thinking, sleepy, angry, scared
    """)


def test_unknown_eye_variant_suggests(chars):
    assert_error(chars, replace(LUNA, "happy:     { eyes: smile,", "happy:     { eyes: smiley,"), """
        chars/bad/character.yaml:101:22: error: unknown eye variant 'smiley'
            |   happy:     { eyes: smiley,  brows: 4,  smile: 1.0, blush: 0.9 }
            |                      ^~~~~~
          hint: did you mean 'smile'?
    """)


def test_unknown_eye_variant_lists_variants(chars):
    assert_error(chars, replace(LUNA, "happy:     { eyes: smile,", "happy:     { eyes: starry,"), """
        chars/bad/character.yaml:101:22: error: unknown eye variant 'starry'
            |   happy:     { eyes: starry,  brows: 4,  smile: 1.0, blush: 0.9 }
            |                      ^~~~~~
          hint: eye variants: open, smile, closed, wide, half, narrow
    """)


def test_unknown_viseme_suggests(chars):
    assert_error(chars, replace(LUNA, "  L:    {", "  LL:   {"), """
        chars/bad/character.yaml:118:3: error: unknown viseme 'LL'
            |   LL:   { open: 0.5,  width: 1.0, tongue: 1 }
            |   ^~
          hint: did you mean 'L'?
    """)


def test_unknown_viseme_lists_visemes(chars):
    assert_error(chars, replace(LUNA, "  rest: {", "  idle: {"), """
        chars/bad/character.yaml:112:3: error: unknown viseme 'idle'
            |   idle: { open: 0,    width: 1.0 }
            |   ^~~~
          hint: visemes: rest, A, E, O, M, F, L
    """)


def test_missing_viseme(chars):
    assert_error(chars, replace(LUNA, "  F:    { open: 0.18, width: 1.05, teeth: 1 }\n", ""), """
        chars/bad/character.yaml:112:3: error: missing viseme: F
            |   rest: { open: 0,    width: 1.0 }
            |   ^
          hint: a character needs all of: rest, A, E, O, M, F, L
    """)


def test_unknown_mouth_channel_suggests(chars):
    assert_error(chars, replace(LUNA, "teeth: 0.6", "teef: 0.6"), """
        chars/bad/character.yaml:114:35: error: unknown mouth channel 'teef'
            |   E:    { open: 0.45, width: 1.3, teef: 0.6 }
            |                                   ^~~~
          hint: did you mean 'teeth'?
    """)


def test_unknown_mouth_channel_lists_channels(chars):
    assert_error(chars, replace(LUNA, "teeth: 0.6", "lips: 0.6"), """
        chars/bad/character.yaml:114:35: error: unknown mouth channel 'lips'
            |   E:    { open: 0.45, width: 1.3, lips: 0.6 }
            |                                   ^~~~
          hint: channels: open, width, round, teeth, tongue
    """)


# ── gestures ──────────────────────────────────────────────────────────────────


def test_gesture_moves_unknown_part_suggests(chars):
    assert_error(chars, replace(LUNA, "{ t: 0.3,  arm_r: -150 }", "{ t: 0.3,  arm_rr: -150 }"), """
        chars/bad/character.yaml:127:20: error: gesture 'wave' moves unknown part 'arm_rr'
            |       - { t: 0.3,  arm_rr: -150 }
            |                    ^~~~~~
          hint: did you mean 'arm_r'?
    """)


def test_gesture_moves_unknown_part_lists_parts(chars):
    assert_error(chars, replace(LUNA, "{ t: 0.3,  arm_r: -150 }", "{ t: 0.3,  tail: -150 }"), """
        chars/bad/character.yaml:127:20: error: gesture 'wave' moves unknown part 'tail'
            |       - { t: 0.3,  tail: -150 }
            |                    ^~~~
          hint: parts: arm_l, arm_r, badge, bangs, body, clip, face, hand_l, hand_r, head, hem, leg_l, leg_r, shine
    """)


def test_gesture_key_times_going_back(chars):
    assert_error(chars, replace(LUNA, "{ t: 0.5,  arm_r: -118 }", "{ t: 0.2,  arm_r: -118 }"), """
        chars/bad/character.yaml:128:14: error: gesture 'wave': key times must increase from 0 to its duration (1.4)
            |       - { t: 0.2,  arm_r: -118 }
            |              ^~~
    """)


def test_gesture_key_time_past_its_duration(chars):
    assert_error(chars, replace(LUNA, "{ t: 1.4,  arm_r: 0 }", "{ t: 1.6,  arm_r: 0 }"), """
        chars/bad/character.yaml:132:14: error: gesture 'wave': key times must increase from 0 to its duration (1.4)
            |       - { t: 1.6,  arm_r: 0 }
            |              ^~~
    """)


# ── using a character in a scene ──────────────────────────────────────────────


def scene_error(root: Path, action: str) -> str:
    """`render check` of a scene where a cast member does `action`."""
    (root / "t.scene").write_text(SCENE.replace("    b: wave\n", f"    b: {action}\n"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "t.scene"])
    assert result.exit_code == 1, (result.output, result.exception)
    assert "Traceback" not in result.stderr
    return result.stderr


def test_character_without_its_own_gesture_plays_the_built_in_one(chars):
    # Luna's file without its clap gesture: `b: clap` plays engine/characters/gestures.yaml's.
    folder = chars / "chars" / "bad"
    folder.mkdir(parents=True)
    (folder / "character.yaml").write_text(LUNA[:LUNA.index("  clap:\n")], encoding="utf-8")
    (chars / "t.scene").write_text(SCENE.replace("b: wave", "b: clap"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "t.scene"])
    assert result.exit_code == 0, result.output
    assert "clap" in load_character(str(folder / "character.yaml")).gestures


@pytest.mark.parametrize("action, expected", [
    ("wavee", """
        t.scene:8:8: error: unknown action 'wavee'
            |     b: wavee
            |        ^~~~~
          hint: did you mean 'wave'?
    """),
    ("fadee in", """
        t.scene:8:8: error: unknown action 'fadee in'
            |     b: fadee in
            |        ^~~~~~~~
          hint: did you mean 'fade in'?
    """),
    ("point to apple", """
        t.scene:8:14: error: expected 'at' after 'point'
            |     b: point to apple
            |              ^~
          hint: write: point at NAME, or point at (x, y)
    """),
    ("look", """
        t.scene:8:8: error: expected 'at' after 'look'
            |     b: look
            |        ^~~~
          hint: write: look at NAME, or look at (x, y)
    """),
    ("walk up", """
        t.scene:8:13: error: expected 'to', 'in from' or 'out to' after 'walk'
            |     b: walk up
            |             ^~
          hint: walk to (60%, 90%), walk to apple, walk in from left, walk out to right
    """),
    ("expression sleepyy", """
        t.scene:8:19: error: unknown expression 'sleepyy'
            |     b: expression sleepyy
            |                   ^~~~~~~
          hint: did you mean 'sleepy'?
    """),
    ("face up", """
        t.scene:8:13: error: expected left, right or front, got 'up'
            |     b: face up
            |             ^~
          hint: one of: left, right, front
    """),
], ids=["misspelt-gesture", "misspelt-action", "point-without-at", "look-without-at", "walk", "expression", "face"])
def test_character_action_errors(chars, action, expected):
    (chars / "chars" / "bad").mkdir(parents=True)
    (chars / "chars" / "bad" / "character.yaml").write_text(LUNA, encoding="utf-8")
    assert scene_error(chars, action) == golden(expected) + "\n"


# ── the rig's fields: views, a gesture's face and reach ───────────────────────


def test_unknown_view_suggests(chars):
    assert_error(chars, LUNA + "\nviews:\n  sideways: { hide: [arm_r] }\n", """
        chars/bad/character.yaml:162:3: error: unknown view 'sideways'
            |   sideways: { hide: [arm_r] }
            |   ^~~~~~~~
          hint: did you mean 'side'?
    """)


def test_view_hides_an_unknown_part(chars):
    assert_error(chars, LUNA + "\nviews:\n  side: { hide: [arm_x] }\n", """
        chars/bad/character.yaml:162:18: error: no part named 'arm_x'
            |   side: { hide: [arm_x] }
            |                  ^~~~~
          hint: did you mean 'arm_r'?
    """)


def test_views_turns_is_true_or_false(chars):
    assert_error(chars, LUNA + "\nviews: { turns: maybe }\n", """
        chars/bad/character.yaml:161:17: error: views turns must be true or false
            | views: { turns: maybe }
            |                 ^~~~~
    """)


NOD = "  nod:\n    duration: 0.8"


def test_gesture_face_is_an_expression(chars):
    assert_error(chars, replace(LUNA, NOD, NOD + "\n    face: grumpy"), """
        chars/bad/character.yaml:143:11: error: unknown expression 'grumpy'
            |     face: grumpy
            |           ^~~~~~
          hint: expressions: neutral, happy, sad, surprised, excited, thinking, sleepy, angry, scared
    """)


def test_gesture_reaches_a_known_place(chars):
    assert_error(chars, replace(LUNA, NOD, NOD + "\n    reach: { arm: arm_r, to: nose }"), """
        chars/bad/character.yaml:143:30: error: unknown place 'nose'
            |     reach: { arm: arm_r, to: nose }
            |                              ^~~~
          hint: places: chin, mouth, head_top
    """)
