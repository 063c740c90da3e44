"""The `render` command, run for real: in a subprocess (`python -m storyreel`) where
the process matters (exit codes, signals, the MP4 on disk), and through click's
CliRunner elsewhere. Outputs are decoded and inspected; nothing is mocked."""
from __future__ import annotations

import json
import re
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
import skia
from click.testing import CliRunner

from helpers import close, decode
from storyreel.cli import main
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_frame
from storyreel.engine.encode.encoder import encoder_available

VIDEO = 'video "t" {{\n    size {size}\n}}\n'

# Red for 0.5s, then blue for 0.5s: 1s.
RED_BLUE = VIDEO.format(size="160x90") + (
    "scene a {\n"
    "    background solid #FF0000\n"
    "    wait 0.5s\n"
    "    background solid #0000FF\n"
    "    wait 0.5s\n"
    "}\n"
)

# A dot crossing the frame at constant speed over 3s: every frame differs.
MOVING = VIDEO.format(size="160x90") + (
    "scene a {\n"
    "    background solid white\n"
    "    dot = circle at (10%, 50%) radius 400 fill black\n"
    "    dot: move to (90%, 50%) over 3s ease linear\n"
    "}\n"
)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def storyreel(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "storyreel", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def invoke(*args: str):
    """`render ARGS` in-process; stdout and stderr apart."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def leftovers(directory: Path) -> list[str]:
    """Outputs and temporary files the command may have left."""
    return sorted(p.name for p in directory.iterdir() if p.suffix in (".mp4", ".png") or ".partial" in p.name)


def top_level_boxes(path: Path) -> list[tuple[str, int]]:
    """(type, offset) of each top-level MP4 box."""
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        elif size == 0:
            size = len(data) - offset
        boxes.append((kind.decode("latin-1"), offset))
        offset += size
    return boxes


def read_png(path: Path) -> np.ndarray:
    return skia.Image.open(str(path)).toarray(colorType=skia.kRGBA_8888_ColorType)


# ── render FILE -o out.mp4 ────────────────────────────────────────────────────


def test_render_writes_a_valid_faststart_mp4(tmp_path):
    write(tmp_path, "t.scene", RED_BLUE)
    result = storyreel("t.scene", "-o", "out.mp4", "--fps", "10", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote out.mp4 (1.00s, 10 frames, 160x90 @ 10 fps)" in result.stderr
    video = decode(tmp_path / "out.mp4")
    assert (video.codec, video.profile, video.pix_fmt) == ("h264", "High", "yuv420p")
    assert (video.width, video.height, video.fps) == (160, 90, 10.0)
    assert len(video.frames) == 10
    assert video.duration == pytest.approx(1.0, abs=0.05)
    assert video.audio == ["aac/48000/stereo"]
    assert close(video.at(0.2)[45, 80], (255, 0, 0))
    assert close(video.at(0.7)[45, 80], (0, 0, 255))
    boxes = dict(top_level_boxes(tmp_path / "out.mp4"))
    assert "moov" in boxes and "mdat" in boxes
    assert boxes["moov"] < boxes["mdat"], "moov must come first (faststart)"
    assert leftovers(tmp_path) == ["out.mp4", "out.thumbnail.png"]  # and the other publish outputs (test_publish.py)


def test_default_output_name_is_the_scene_name(in_tmp):
    write(in_tmp, "story.scene", RED_BLUE)
    result = invoke("story.scene", "--fps", "4", "-q")
    assert result.exit_code == 0, result.stderr
    assert len(decode(in_tmp / "story.mp4").frames) == 4


def test_preset_shorts_is_vertical_1080x1920_and_overrides_the_files_size(in_tmp):
    write(in_tmp, "t.scene", VIDEO.format(size="160x90") + "scene a (0.4s) {\n    background solid #00FF00\n}\n")
    result = invoke("t.scene", "--preset", "shorts", "--fps", "5", "--quality", "draft", "-o", "s.mp4", "-q")
    assert result.exit_code == 0, result.stderr
    video = decode(in_tmp / "s.mp4")
    assert (video.width, video.height) == (1080, 1920)
    assert len(video.frames) == 2
    assert close(video.frames[0][960, 540], (0, 255, 0))


def test_preset_with_size_keeps_the_presets_safe_area_in_proportion(in_tmp):
    write(in_tmp, "t.scene", VIDEO.format(size="160x90") + "scene a (0.4s) {\n    background solid #00FF00\n}\n")
    small = json.loads(invoke("compile", "t.scene", "--preset", "shorts", "--size", "108x192").stdout)
    full = json.loads(invoke("compile", "t.scene", "--preset", "shorts").stdout)
    assert (small["width"], small["height"]) == (108, 192)
    assert (full["width"], full["height"]) == (1080, 1920)
    assert small["safe_area"] == pytest.approx([v / 10 for v in full["safe_area"]])
    assert full["safe_area"] == pytest.approx([60, 240, 1080 - 190, 1920 - 380])


def test_size_option(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("t.scene", "--size", "320x180", "--fps", "4", "-o", "o.mp4", "-q")
    assert result.exit_code == 0, result.stderr
    video = decode(in_tmp / "o.mp4")
    assert (video.width, video.height, len(video.frames)) == (320, 180, 4)


def test_fps_option(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("t.scene", "--fps", "12", "-o", "o.mp4", "-q")
    assert result.exit_code == 0, result.stderr
    video = decode(in_tmp / "o.mp4")
    assert video.fps == 12.0
    assert len(video.frames) == 12


@pytest.mark.parametrize("quality, crf", [("draft", "28.0"), ("high", "18.0")])
def test_quality_option_sets_the_encoder_crf(in_tmp, quality, crf):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("t.scene", "--fps", "4", "--quality", quality, "-o", "o.mp4", "-q")
    assert result.exit_code == 0, result.stderr
    video = decode(in_tmp / "o.mp4")
    assert (video.codec, video.profile, len(video.frames)) == ("h264", "High", 4)
    # x264 writes its settings into the stream.
    options = re.search(rb"x264 - core .*? options: ([^\x00]*)", (in_tmp / "o.mp4").read_bytes())
    assert options is not None
    assert f" crf={crf} ".encode() in options.group(1)


def test_encoder_libx264(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("t.scene", "--fps", "4", "--encoder", "libx264", "-o", "o.mp4")
    assert result.exit_code == 0, result.stderr
    assert "encoder: libx264 (requested)" in result.stderr
    assert decode(in_tmp / "o.mp4").codec == "h264"


@pytest.mark.skipif(encoder_available("h264_nvenc"), reason="this machine has NVENC")
def test_encoder_nvenc_without_a_gpu_fails_cleanly(tmp_path):
    write(tmp_path, "t.scene", RED_BLUE)
    result = storyreel("t.scene", "--encoder", "h264_nvenc", "-o", "o.mp4", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("error: encoder 'h264_nvenc' cannot be opened on this machine (no hardware or driver "
                             "for it); use --encoder auto or --encoder libx264\n")
    assert "Traceback" not in result.stderr
    assert leftovers(tmp_path) == []


def test_unknown_encoder_fails_cleanly(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("t.scene", "--encoder", "h265_magic", "-o", "o.mp4")
    assert result.exit_code == 2  # a misused option: click's usage error
    assert ("Error: Invalid value for '--encoder': 'h265_magic' is not an H.264 encoder FFmpeg has here; "
            "use one of auto, libx264, h264_nvenc, h264_vaapi, h264_qsv, h264_videotoolbox") in result.stderr
    assert leftovers(in_tmp) == []


def test_encoder_auto_says_which_encoder_it_used(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("t.scene", "--fps", "4", "-o", "o.mp4")
    assert result.exit_code == 0, result.stderr
    line = result.stderr.splitlines()[0]
    assert re.fullmatch(r"encoder: (libx264 \(no hardware encoder here; tried .*\)|h264_\w+ \(hardware\))", line), line
    used = line.split()[1]
    with av.open(str(in_tmp / "o.mp4")) as container:
        encoder_name = container.streams.video[0].codec_context.name
    assert encoder_name == "h264"
    assert used == "libx264" or used.startswith("h264_")


# ── variables: front matter < --data < --set ─────────────────────────────────

TEMPLATED = (
    "---\ncolor: red\ncount: 1\nlabel: from front matter\n---\n"
    + VIDEO.format(size="160x90")
    + "scene a {\n"
    "    background solid {{ color }}\n"
    "    {% for i in range(count) %}\n"
    "    c{{ i }} = circle at ({{ 10 + i * 20 }}%, 50%) radius 10\n"
    "    {% endfor %}\n"
    '    t = text "{{ label }}" size 20\n'
    "    wait 0.5s\n"
    "}\n"
)


def compiled(*args: str) -> dict:
    result = invoke("compile", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def layers(tl: dict) -> dict[str, dict]:
    return {layer["id"]: layer for layer in tl["scenes"][0]["layers"]}


def test_front_matter_alone(in_tmp):
    write(in_tmp, "t.scene", TEMPLATED)
    tl = layers(compiled("t.scene"))
    assert tl["background"]["tracks"]["fill"]["initial"] == [1.0, 0.0, 0.0, 1.0]
    assert [name for name in tl if name.startswith("c")] == ["c0"]
    assert tl["t"]["attrs"]["text"] == "from front matter"


def test_data_wins_over_front_matter_and_set_wins_over_data(in_tmp):
    write(in_tmp, "t.scene", TEMPLATED)
    write(in_tmp, "vars.yaml", "color: lime\ncount: 2\nlabel: from data\n")
    tl = layers(compiled("t.scene", "--data", "vars.yaml"))
    assert tl["background"]["tracks"]["fill"]["initial"] == [0.0, 1.0, 0.0, 1.0]
    assert [name for name in tl if name.startswith("c")] == ["c0", "c1"]
    assert tl["t"]["attrs"]["text"] == "from data"

    # --set values are YAML: count=3 is a number (range() needs one).
    tl = layers(compiled("t.scene", "--data", "vars.yaml", "--set", "count=3", "--set", "color=blue"))
    assert tl["background"]["tracks"]["fill"]["initial"] == [0.0, 0.0, 1.0, 1.0]
    assert [name for name in tl if name.startswith("c")] == ["c0", "c1", "c2"]
    assert tl["t"]["attrs"]["text"] == "from data"


def test_set_values_are_typed_as_yaml(in_tmp):
    write(in_tmp, "t.scene", '---\nnames: [x]\n---\n' + VIDEO.format(size="160x90") + (
        "scene a {\n"
        "    {% for n in names %}\n"
        "    {{ n }} = circle\n"
        "    {% endfor %}\n"
        "    wait 0.5s\n"
        "}\n"))
    tl = layers(compiled("t.scene", "--set", "names=[ann, bob]"))
    assert list(tl) == ["ann", "bob"]


def test_data_and_set_reach_the_rendered_frames(in_tmp):
    write(in_tmp, "t.scene", TEMPLATED)
    write(in_tmp, "vars.yaml", "color: lime\n")
    assert invoke("still", "t.scene", "--data", "vars.yaml", "-o", "d.png").exit_code == 0
    assert invoke("still", "t.scene", "--data", "vars.yaml", "--set", "color=blue", "-o", "s.png").exit_code == 0
    assert close(read_png(in_tmp / "d.png")[5, 150], (0, 255, 0), tol=0)
    assert close(read_png(in_tmp / "s.png")[5, 150], (0, 0, 255), tol=0)


# ── --from / --to ─────────────────────────────────────────────────────────────


def test_from_to_renders_exactly_that_range(in_tmp):
    write(in_tmp, "t.scene", MOVING)
    assert invoke("t.scene", "--fps", "10", "-o", "full.mp4", "-q").exit_code == 0
    result = invoke("t.scene", "--fps", "10", "--from", "1s", "--to", "2s", "-o", "part.mp4", "-q")
    assert result.exit_code == 0, result.stderr
    full, part = decode(in_tmp / "full.mp4"), decode(in_tmp / "part.mp4")
    assert len(full.frames) == 30
    assert len(part.frames) == 10
    assert part.duration == pytest.approx(1.0, abs=0.05)

    def diff(a, b):
        return float(np.abs(a.astype(int) - b.astype(int)).mean())

    # The range starts with the frame at 1s, not the one at 0s.
    assert diff(part.frames[0], full.frames[10]) < 2.0
    assert diff(part.frames[0], full.frames[0]) > 10.0
    assert diff(part.frames[-1], full.frames[19]) < 2.0
    tl = load_scene(in_tmp / "t.scene", None, CompileOptions(fps=10)).timeline
    exact = render_frame(tl, 1.0)[:, :, :3]
    assert diff(part.frames[0], exact) < 3.0


def test_from_after_the_end_is_an_error(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("t.scene", "--from", "5s", "-o", "o.mp4")
    assert result.exit_code == 1
    assert result.stderr == "error: --from 5s is at or after the end of the video (1s)\n"
    assert leftovers(in_tmp) == []


def test_to_before_from_is_a_usage_error(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("t.scene", "--from", "2s", "--to", "1s", "-o", "o.mp4")
    assert result.exit_code == 2
    assert "--to must come after --from" in result.stderr
    assert leftovers(in_tmp) == []


# ── what it prints ────────────────────────────────────────────────────────────


def test_quiet_prints_nothing(tmp_path):
    write(tmp_path, "t.scene", RED_BLUE)
    result = storyreel("t.scene", "--fps", "4", "-q", "-o", "o.mp4", cwd=tmp_path)
    assert result.returncode == 0
    assert (result.stdout, result.stderr) == ("", "")
    assert len(decode(tmp_path / "o.mp4").frames) == 4


def test_progress_mentions_frames_fps_and_eta(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("t.scene", "--fps", "8", "-o", "o.mp4")
    assert result.exit_code == 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    progress = [line for line in lines if "frames" in line and "ETA" in line]
    assert progress, result.stderr
    assert re.search(r"frames 8/8 +100% +[\d.]+ fps +ETA +[\d.]+s", progress[-1]), progress[-1]
    assert re.fullmatch(r"wrote o\.mp4 \(1\.00s, 8 frames, 160x90 @ 8 fps\) in [\d.]+s \([\d.]+ fps\)", lines[-1])


# ── render still ──────────────────────────────────────────────────────────────


def test_still_writes_a_png_of_that_moment(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("still", "t.scene", "--at", "0.25s", "-o", "early.png")
    assert result.exit_code == 0, result.stderr
    result = invoke("still", "t.scene", "--at", "750ms", "--size", "320x180", "-o", "late.png")
    assert result.exit_code == 0, result.stderr
    early, late = read_png(in_tmp / "early.png"), read_png(in_tmp / "late.png")
    assert early.shape == (90, 160, 4)
    assert late.shape == (180, 320, 4)
    assert tuple(early[45, 80]) == (255, 0, 0, 255)
    assert tuple(late[0, 0]) == (0, 0, 255, 255)
    assert leftovers(in_tmp) == ["early.png", "late.png"]


def test_still_draws_elements_where_they_are(in_tmp):
    write(in_tmp, "t.scene", VIDEO.format(size="160x90") + (
        "scene a {\n"
        "    background solid white\n"
        "    box = rect at (25%, 50%) size 300 300 fill #00FF00\n"
        "    box: move to (75%, 50%) over 1s ease linear\n"
        "}\n"))
    assert invoke("still", "t.scene", "--at", "0.5s", "-o", "mid.png").exit_code == 0
    png = read_png(in_tmp / "mid.png")
    assert tuple(png[45, 80]) == (0, 255, 0, 255)  # halfway: the box is at the centre
    assert tuple(png[45, 5]) == (255, 255, 255, 255)
    assert tuple(png[45, 155]) == (255, 255, 255, 255)


def test_still_after_the_end_is_an_error(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("still", "t.scene", "--at", "3s", "-o", "f.png")
    assert result.exit_code == 1
    assert result.stderr == "error: --at 3s is after the end of the video (1s)\n"
    assert leftovers(in_tmp) == []


# ── render compile / check ───────────────────────────────────────────────────


def test_compile_prints_the_timeline_as_json(in_tmp):
    write(in_tmp, "t.scene", VIDEO.format(size="160x90") + (
        "scene intro {\n    background solid red\n    wait 1s\n}\n"
        "transition crossfade 0.5s\n"
        "scene outro {\n    background solid blue\n    wait 1s\n}\n"))
    result = invoke("compile", "t.scene", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    tl = json.loads(result.stdout)
    assert tl["storyreel_timeline"] == 1
    assert (tl["width"], tl["height"], tl["fps"], tl["duration"], tl["title"]) == (160, 90, 30.0, 1.5, "t")
    assert [(s["name"], s["start"], s["end"]) for s in tl["scenes"]] == [("intro", 0.0, 1.0), ("outro", 0.5, 1.5)]
    assert [(t["kind"], t["start"], t["end"], t["from_scene"], t["to_scene"]) for t in tl["transitions"]] == [
        ("crossfade", 0.5, 1.0, 0, 1)]
    assert tl["chapters"] == [{"name": "intro", "time": 0.0}, {"name": "outro", "time": 0.5}]


def test_check_a_good_file(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    result = invoke("check", "t.scene")
    assert result.exit_code == 0
    assert result.stdout == "t.scene: ok (1 scenes, 1.00s, 160x90 @ 30 fps)\n"
    assert leftovers(in_tmp) == []


def test_check_a_bad_file(tmp_path):
    write(tmp_path, "t.scene", VIDEO.format(size="160x90") + "scene a {\n    c = circle fil red\n    wait 1s\n}\n")
    result = storyreel("check", "t.scene", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("t.scene:5:16: error: unknown property 'fil' for circle\n")
    assert "hint: did you mean 'fill'?" in result.stderr


# ── errors leave nothing behind ───────────────────────────────────────────────

BAD_FILES = {
    "syntax": VIDEO.format(size="160x90") + "scene a {\n    c = circle at (1, 2\n}\n",
    "compile": VIDEO.format(size="160x90") + "scene a {\n    c = circle\n    c: fade inn\n}\n",
    "template": VIDEO.format(size="160x90") + "scene a {\n    t = text \"{{ nope }}\"\n    wait 1s\n}\n",
    "asset": VIDEO.format(size="160x90") + "scene a {\n    i = image \"gone.png\"\n    wait 1s\n}\n",
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_errors_leave_no_output_file(in_tmp, kind):
    write(in_tmp, "t.scene", BAD_FILES[kind])
    for args in (("t.scene", "-o", "out.mp4"), ("t.scene",), ("still", "t.scene", "-o", "f.png")):
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith("t.scene:"), result.stderr
        assert "Traceback" not in result.stderr
    assert leftovers(in_tmp) == []


def test_an_unwritable_output_is_an_error_not_a_traceback(in_tmp):
    write(in_tmp, "t.scene", RED_BLUE)
    (in_tmp / "blocker").write_text("a file, not a folder")
    result = invoke("t.scene", "-o", "blocker/out.mp4", "-q")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot write blocker/out.mp4: ")
    result = invoke("still", "t.scene", "-o", "blocker/f.png")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot write blocker/f.png: ")
    assert leftovers(in_tmp) == []


def test_ctrl_c_stops_cleanly(tmp_path):
    write(tmp_path, "long.scene", VIDEO.format(size="640x360") + (
        "scene a {\n"
        "    background gradient #FFE29A #FFA99F\n"
        "    c = circle at (10%, 50%) radius 80 fill tomato\n"
        "    c: move to (90%, 50%) over 60s ease linear\n"
        "}\n"))
    # A shell's background job inherits SIGINT ignored (and Python then keeps it ignored):
    # give the child the default disposition, as a terminal's foreground job has.
    proc = subprocess.Popen([sys.executable, "-m", "storyreel", "long.scene", "-o", "long.mp4", "--quality", "high"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        first = proc.stderr.readline()  # printed once the file is compiled, just before rendering starts
        assert first.startswith("encoder: "), first
        time.sleep(1.0)
        assert proc.poll() is None, "the render finished before it could be interrupted"
        assert list(tmp_path.glob("*.partial*")), "rendering writes to a partial file"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "interrupted: stopped, no output written" in stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert stdout == ""
    assert leftovers(tmp_path) == []


# ── help and tracebacks ───────────────────────────────────────────────────────


def test_python_m_storyreel_help(tmp_path):
    result = storyreel("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "render FILE.scene -o out.mp4" in result.stdout
    for command in ("video", "still", "compile", "check"):
        assert command in result.stdout
    result = storyreel("still", "--help", cwd=tmp_path)
    assert result.returncode == 0 and "--at TIME" in result.stdout


@pytest.mark.parametrize("args", [
    ("missing.scene",),
    ("t.scene", "--size", "oops"),
    ("t.scene", "--size", "7x7"),
    ("t.scene", "--fps", "0"),
    ("t.scene", "--preset", "imax"),
    ("t.scene", "--set", "novalue"),
    ("t.scene", "--data", "missing.yaml"),
    ("t.scene", "--from", "soon"),
    ("t.scene", "-o", "out.avi"),
    ("still", "t.scene", "--at", "-1s"),
    ("compile", "missing.scene"),
])
def test_user_errors_never_print_a_traceback(in_tmp, args):
    write(in_tmp, "t.scene", RED_BLUE)
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (1, 2), (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "error" in result.stderr.lower()
    assert leftovers(in_tmp) == []
