"""A `.scene` file reads only its project (dsl/project.py), and a template's Jinja
runs inside budgets (dsl/sandbox.py): each hostile input of the hardening issue
gives a located error, reads nothing outside, and never shows what it tried to read.

Every test makes a project folder `proj/` in tmp_path with a secret file beside it
(`outside.txt`), runs the CLI in-process from tmp_path and checks the whole story:
exit 1, `FILE:LINE:COL: error:`, and the secret nowhere in the output.
"""
from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.dsl import sandbox

SECRET = "TOP-SECRET-LINE-42"
VIDEO = 'video "t" {\n    size 160x90\n}\n'
QUOTE = '"'


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outside.txt").write_text(SECRET + "\n", encoding="utf-8")
    folder = tmp_path / "proj"
    folder.mkdir()
    return folder


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(*args: str, code: int = 1) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert SECRET not in result.output
    return result.output


def located(output: str, where: str) -> None:
    """The first line is `where: error: …` (file:line:col) and there is no traceback."""
    assert output.startswith(f"{where}: error: "), output
    assert "Traceback" not in output


# ── includes and imports ───────────────────────────────────────────────────


@pytest.mark.parametrize("tag", [
    "{% include '../outside.txt' %}",
    "{% include '../../../../../../../../outside.txt' %}",
    "{% include 'ABS' %}",
    "{% from 'ABS' import x %}",
    "{% import '../outside.txt' as x %}",
    "{% include ['missing.scene', '../outside.txt'] %}",
])
def test_an_include_outside_the_project_is_refused(proj, tag):
    tag = tag.replace("ABS", str(proj.parent / "outside.txt"))
    write(proj, "a.scene", VIDEO + tag + "\n")
    out = run("check", "proj/a.scene")
    bad = next(part for part in tag.split("'") if "outside" in part)
    located(out, f"proj/a.scene:4:{tag.index(chr(39) + bad) + 2}")  # at the name, after its quote
    assert "path leaves the project folder" in out
    assert "--allow-path" in out


def test_the_secret_never_reaches_the_frame_or_the_json(proj):
    write(proj, "a.scene", """\
        {% set s %}{% include '../outside.txt' %}{% endset %}
        video "t" {
            size 160x90
        }
        scene a {
            t = text "{{ s }}"
            wait 1s
        }
        """)
    for command in ("compile", "check", "still"):
        out = run(command, "proj/a.scene")
        located(out, "proj/a.scene:1:24")
    assert not (proj / "a.png").exists()


def test_a_symlink_inside_the_project_that_points_out_is_refused(proj):
    (proj / "link.txt").symlink_to(proj.parent / "outside.txt")
    write(proj, "a.scene", VIDEO + "{% include 'link.txt' %}\n")
    out = run("check", "proj/a.scene")
    located(out, "proj/a.scene:4:13")
    assert "is " + str(proj.parent / "outside.txt") in out


def test_system_files_and_devices_are_refused_without_reading_them(proj):
    for name in ("/etc/passwd", "/proc/self/environ", "/dev/zero"):
        write(proj, "a.scene", VIDEO + f"{{% include '{name}' %}}\n")
        started = time.perf_counter()
        out = run("check", "proj/a.scene")
        assert time.perf_counter() - started < 10
        located(out, "proj/a.scene:4:13")
        assert "root:" not in out and "PATH=" not in out


def test_allow_path_lets_a_device_in_but_only_regular_files_are_read(proj):
    write(proj, "a.scene", VIDEO + "{% include '/dev/zero' %}\n")
    out = run("check", "proj/a.scene", "--allow-path", "/dev")
    located(out, "proj/a.scene:4:1")
    assert "not a regular file" in out


def test_a_fifo_is_refused_without_blocking(proj):
    os.mkfifo(proj / "pipe.scene")
    write(proj, "a.scene", VIDEO + "{% include 'pipe.scene' %}\n")
    out = run("check", "proj/a.scene")
    assert "not a regular file" in out


def test_an_include_too_large_is_refused(proj):
    (proj / "huge.scene").write_bytes(b"# x\n" * 1_100_000)
    write(proj, "a.scene", VIDEO + "{% include 'huge.scene' %}\n")
    out = run("check", "proj/a.scene")
    assert "too large" in out and "huge.scene" in out


def test_includes_inside_the_project_still_work_and_root_widens_it(proj):
    write(proj, "parts/scene.scene", 'scene a {\n    background solid #FF0000\n    wait 1s\n}\n')
    write(proj, "shared.scene", 'scene b {\n    wait 1s\n}\n')
    write(proj, "sub/a.scene", VIDEO + "{% include '../parts/scene.scene' %}\n")
    # sub/a.scene's own project is proj/sub: ../parts is outside it ...
    located(run("check", "proj/sub/a.scene"), "proj/sub/a.scene:4:13")
    # ... unless the project root is proj.
    assert "ok (1 scenes" in run("check", "proj/sub/a.scene", "--root", "proj", code=0)
    assert "ok (1 scenes" in run("check", "proj/sub/a.scene", "--allow-path", "proj/parts", code=0)


# ── assets ─────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("statement", [
    'i = image "NAME"',
    'i = svg "NAME"',
    'background image "NAME"',
    'sound "NAME"',
    't = text "hi" font "NAME"',
    'v = video "NAME"',
])
@pytest.mark.parametrize("name", ["../outside.txt", "ABS", "link.txt"])
def test_an_asset_outside_the_project_is_refused(proj, statement, name):
    (proj / "link.txt").symlink_to(proj.parent / "outside.txt")
    name = name.replace("ABS", str(proj.parent / "outside.txt"))
    line = "    " + statement.replace("NAME", name)
    write(proj, "a.scene", VIDEO + "scene a {\n" + line + "\n    wait 1s\n}\n")
    out = run("check", "proj/a.scene")
    located(out, f"proj/a.scene:5:{line.index(name)}")  # the opening quote of the name
    assert "path leaves the project folder" in out


def test_music_outside_the_project_is_refused(proj):
    write(proj, "a.scene", 'video "t" {\n    size 160x90\n    music "/etc/passwd"\n}\nscene a {\n    wait 1s\n}\n')
    located(run("check", "proj/a.scene"), "proj/a.scene:3:11")


def test_font_etc_passwd_no_longer_passes_check(proj):
    write(proj, "a.scene", VIDEO + 'scene a {\n    t = text "hi" font "/etc/passwd"\n    wait 1s\n}\n')
    run("check", "proj/a.scene")


@pytest.mark.parametrize("name, message", [
    ("a" * 300 + ".png", "file name too long"),
    ("x" * 5000, "file name too long"),
])
def test_file_names_the_system_would_refuse_are_located_errors(proj, name, message):
    write(proj, "a.scene", VIDEO + f'scene a {{\n    i = image "{name}"\n    wait 1s\n}}\n')
    out = run("check", "proj/a.scene")
    located(out, "proj/a.scene:5:15")
    assert message in out


def test_a_nul_in_a_file_name_is_a_located_error(proj):
    write(proj, "a.scene", VIDEO + "scene a {\n    i = image \"{{ 'a\\x00.png' }}\"\n    wait 1s\n}\n")
    out = run("check", "proj/a.scene")
    assert out.startswith("proj/a.scene:5:") and "NUL" in out


@pytest.mark.parametrize("ident", ['"../../outside"', '"' + "a" * 300 + '"', '"luna/../sunny"'])
def test_a_character_id_is_a_name_not_a_path(proj, ident):
    write(proj, "a.scene", VIDEO + f"cast {{\n    c = character {ident}\n}}\nscene a {{\n    wait 1s\n}}\n")
    out = run("check", "proj/a.scene")
    located(out, "proj/a.scene:5:19")
    assert "unknown character" in out


# ── the text itself ────────────────────────────────────────────────────────


def test_bytes_that_look_like_line_markers_are_a_located_error(proj):
    (proj / "a.scene").write_bytes(VIDEO.encode() + b"scene a {\n    \x0299999\x03 wait 1s\n}\n")
    out = run("check", "proj/a.scene")
    located(out, "proj/a.scene:5:5")
    assert "control character U+0002" in out


def test_a_bom_and_crlf_are_read(proj):
    (proj / "a.scene").write_bytes(b"\xef\xbb\xbf" + (VIDEO + "scene a {\n    wait 1s\n}\n").replace("\n", "\r\n").encode())
    assert "ok (1 scenes" in run("check", "proj/a.scene", code=0)


# ── template budgets ───────────────────────────────────────────────────────


@pytest.mark.parametrize("expression, message", [
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "range() ran past"),
    ("{{ 10 ** (10 ** 9) }}", "the power is over"),
    ("{{ 'a' * 10 ** 9 }}", "repeated string or list"),
    ("{{ [0] * 10 ** 9 }}", "repeated string or list"),
    ("{{ (10 ** 20000) * (10 ** 20000) }}", "the product is over"),
    ("{{ 'a'.center(10 ** 9) }}", "a number passed to a function"),
    ("{{ 'a' | center(10 ** 9) }}", "filter"),
    ("{{ 'a' | indent(10 ** 9) }}", "filter"),
    ("{{ '%1000000000d' % 1 }}", "format string"),
    ("{{ '{:>1000000000}'.format(1) }}", "format string"),
    ("{{ lipsum(10 ** 9) }}", "a number passed to a function"),
])
def test_template_budgets_stop_runaway_expressions(proj, expression, message):
    write(proj, "a.scene", VIDEO + expression + "\n")
    started = time.perf_counter()
    out = run("check", "proj/a.scene")
    assert time.perf_counter() - started < 5
    located(out, "proj/a.scene:4:1")
    assert message in out and "over" in out


def test_expansion_time_is_bounded(proj, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_EXPAND_SECONDS", 0.5)
    write(proj, "a.scene", VIDEO + textwrap.dedent("""\
        {% set l = [0] * 1000 %}
        {% for a in l %}{% for b in l %}{% for c in l %}{% endfor %}{% endfor %}{% endfor %}
        """))
    started = time.perf_counter()
    out = run("check", "proj/a.scene")
    assert time.perf_counter() - started < 5
    located(out, "proj/a.scene:5:1")
    assert "template expansion took over 0.5 s" in out


def test_expansion_output_is_bounded_and_located_at_the_repeated_line(proj):
    write(proj, "a.scene", VIDEO + textwrap.dedent("""\
        scene a {
        {% for i in range(60000) %}
            e{{ i }} = circle at (50%, 50%) radius 5
        {% endfor %}
            wait 1s
        }
        """))
    out = run("check", "proj/a.scene")
    located(out, "proj/a.scene:6:5")
    assert "over 2 MB of scene text" in out


def test_ordinary_templates_are_not_slowed_by_the_budgets(proj):
    write(proj, "a.scene", VIDEO + textwrap.dedent("""\
        {% macro dot(i) %}    d{{ i }} = circle at ({{ 10 + i * 2 }}%, 50%) radius {{ i ** 2 % 7 + 2 }}{% endmacro %}
        scene a {
        {% for i in range(30) %}
        {{ dot(i) }}
        {% endfor %}
            wait {{ 1500 * 2 }}ms
        }
        """))
    assert "ok (1 scenes, 3.00s" in run("check", "proj/a.scene", code=0)


@pytest.mark.parametrize("expression", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ lipsum.__globals__ }}",
    "{{ '' | attr('__class__') }}",
    "{{ '{0.__class__}'.format('') }}",
])
def test_the_sandbox_refuses_python_internals(proj, expression):
    write(proj, "a.scene", VIDEO + expression + "\n")
    out = run("check", "proj/a.scene")
    located(out, "proj/a.scene:4:1")
    assert "unsafe" in out or "undefined" in out


# ── options that are numbers ───────────────────────────────────────────────


@pytest.mark.parametrize("args", [
    ("--from", "9" * 400),
    ("--to", "99999999999s"),
])
def test_a_time_past_the_longest_video_is_a_usage_error(proj, args):
    write(proj, "a.scene", VIDEO + "scene a {\n    wait 1s\n}\n")
    out = run("proj/a.scene", "-o", "proj/a.mp4", *args, code=2)
    assert "past the 24 h a video may last" in out
    assert not list(proj.glob("*.mp4"))


def test_check_video_age_must_be_finite(proj):
    (proj / "v.mp4").write_bytes(b"")
    assert "is not a finite number" in run("check-video", "proj/v.mp4", "--age", "nan", code=2)
