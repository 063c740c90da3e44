"""Layout for every canvas: Jinja's `canvas` (the size, frame rate, preset and safe
area a file is compiled for) and the templates laid out with it. Real compiles at
tiny sizes; a layer's extent is found by drawing it alone on a transparent canvas."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.dsl import CompileOptions, SceneError, load_scene
from storyreel.dsl.compiler import compile_document
from storyreel.dsl.expand import canvas_variable, expand
from storyreel.dsl.parser import parse
from storyreel.dsl.templates import load_template, template_variables, validate_params
from storyreel.engine.timeline.display import DisplayList, TransitionNode
from storyreel.engine.publish.presets import resolve_format
from storyreel.engine.raster.raster import Rasterizer

PROBE = """\
video "probe" {{
{video}
}}
# canvas {{{{ canvas.width }}}} {{{{ canvas.height }}}} {{{{ canvas.fps }}}} {{{{ canvas.preset }}}} \
{{{{ canvas.vertical }}}} {{{{ canvas.square }}}} {{{{ canvas.aspect }}}} {{{{ canvas.safe.x1 }}}} {{{{ canvas.safe.y1 }}}}
scene a {{
    background solid #FFFFFF
    t = text "{{{{ canvas.width }}}}x{{{{ canvas.height }}}} {{{{ canvas.preset }}}}" at ({{{{ canvas.safe.cx }}}}%, 50%)
    wait 1s
}}
"""


def probe(text: str) -> dict:
    """What `canvas` said, read back from the expanded text."""
    m = re.search(r"^# canvas (\d+) (\d+) (\S+) (\w+) (\w+) (\w+) (\S+) (\S+) (\S+)$", text, re.M)
    assert m, text
    w, h, fps, preset, vertical, square, aspect, x1, y1 = m.groups()
    return {"width": int(w), "height": int(h), "fps": float(fps), "preset": preset, "vertical": vertical == "True",
            "square": square == "True", "aspect": float(aspect), "safe_x1": float(x1), "safe_y1": float(y1)}


@pytest.fixture
def probe_file(tmp_path):
    def write(video: str = "") -> str:
        path = tmp_path / "probe.scene"
        path.write_text(PROBE.format(video=video), encoding="utf-8")
        return str(path)
    return write


# ── canvas in Jinja ──────────────────────────────────────────────────────────


def test_canvas_defaults_to_youtube(probe_file):
    loaded = load_scene(probe_file(), None, CompileOptions())
    assert probe(loaded.expanded.text) == {"width": 1920, "height": 1080, "fps": 30.0, "preset": "youtube",
                                           "vertical": False, "square": False, "aspect": 1.7778,
                                           "safe_x1": 95.0, "safe_y1": 95.0}


@pytest.mark.parametrize("args, expected", [
    (["--preset", "shorts"], {"width": 1080, "height": 1920, "preset": "shorts", "vertical": True, "square": False}),
    # --size keeps the preset's safe area, in proportion
    (["--preset", "shorts", "--size", "540x960"], {"width": 540, "height": 960, "preset": "shorts", "vertical": True}),
    (["--size", "320x320", "--fps", "12"], {"width": 320, "height": 320, "fps": 12.0, "preset": "youtube",
                                             "square": True, "vertical": False}),
    (["--preset", "square"], {"width": 1080, "height": 1080, "preset": "square", "square": True}),
])
def test_canvas_follows_the_command_line(probe_file, args, expected):
    result = CliRunner().invoke(main, ["compile", probe_file(), *args])
    assert result.exit_code == 0, result.output
    timeline = json.loads(result.output)
    text = next(layer["attrs"]["text"] for scene in timeline["scenes"] for layer in scene["layers"]
                if layer.get("attrs", {}).get("text"))
    assert text == f"{expected['width']}x{expected['height']} {expected['preset']}"
    assert (timeline["width"], timeline["height"]) == (expected["width"], expected["height"])
    loaded = load_scene(probe_file(), None, CompileOptions(
        preset=args[args.index("--preset") + 1] if "--preset" in args else None,
        size=tuple(int(v) for v in args[args.index("--size") + 1].split("x")) if "--size" in args else None,
        fps=float(args[args.index("--fps") + 1]) if "--fps" in args else None))
    seen = probe(loaded.expanded.text)
    assert {k: seen[k] for k in expected} == expected
    if expected["preset"] == "shorts":
        # The vertical platforms' buttons and captions: a narrow right and a deep bottom margin.
        assert seen["safe_x1"] == pytest.approx(100 - 190 / 10.8, abs=0.01)
        assert seen["safe_y1"] == pytest.approx(100 - 380 / 19.2, abs=0.01)


def test_canvas_is_what_the_file_itself_asks_for(probe_file):
    # Without options, the file's own `video { preset … }` decides, and `canvas` says so ...
    path = probe_file("    preset shorts\n    fps 24")
    loaded = load_scene(path, None, CompileOptions())
    seen = probe(loaded.expanded.text)
    assert (seen["width"], seen["height"], seen["fps"], seen["preset"]) == (1080, 1920, 24.0, "shorts")
    assert (loaded.timeline.width, loaded.timeline.height, loaded.timeline.fps) == (1080, 1920, 24.0)
    # ... and the command line wins over the file, as it does when compiling.
    loaded = load_scene(path, None, CompileOptions(preset="square", size=(200, 200)))
    seen = probe(loaded.expanded.text)
    assert (seen["width"], seen["height"], seen["fps"], seen["preset"]) == (200, 200, 24.0, "square")
    assert (loaded.timeline.width, loaded.timeline.height) == (200, 200)


def test_canvas_is_seen_by_imported_macros(tmp_path):
    (tmp_path / "lib.scene").write_text(
        '{% macro where() %}{{ "tall" if canvas.vertical else "wide" }}{% endmacro %}\n', encoding="utf-8")
    path = tmp_path / "main.scene"
    path.write_text('{% import "lib.scene" as lib %}\nvideo "x" {\n}\n# layout {{ lib.where() }}\n'
                    'scene a {\n    wait 1s\n}\n', encoding="utf-8")
    assert "# layout tall" in load_scene(path, None, CompileOptions(preset="shorts")).expanded.text
    assert "# layout wide" in load_scene(path, None, CompileOptions(size=(320, 180))).expanded.text


def test_a_misspelt_canvas_is_named_in_the_hint(tmp_path):
    path = tmp_path / "t.scene"
    path.write_text('video "x" {\n}\nscene a {\n    wait {{ canvs.fps }}f\n}\n', encoding="utf-8")
    with pytest.raises(SceneError) as err:
        load_scene(path, None, CompileOptions())
    assert "canvs" in err.value.message and "canvas" in (err.value.hint or "")


def test_canvas_variable_values():
    tall = canvas_variable(resolve_format("shorts", (540, 960)))
    assert tall["design_width"] == 1080 and tall["design_height"] == 1920 and tall["unit"] == 0.5
    assert tall["safe"]["left"] == pytest.approx(5.556, abs=1e-3) and tall["safe"]["top"] == 12.5
    assert tall["safe"]["cx"] == pytest.approx((tall["safe"]["x0"] + tall["safe"]["x1"]) / 2, abs=1e-3)
    wide = canvas_variable()
    assert (wide["width"], wide["height"], wide["preset"], wide["landscape"]) == (1920, 1080, "youtube", True)
    assert wide["safe"] == {"left": 5.0, "top": 5.0, "right": 5.0, "bottom": 5.0, "x0": 5.0, "y0": 5.0, "x1": 95.0,
                            "y1": 95.0, "width": 90.0, "height": 90.0, "cx": 50.0, "cy": 50.0}


def test_watch_preview_compiles_with_the_canvas(probe_file, tmp_path):
    from storyreel.preview import PreviewServer

    server = PreviewServer(probe_file(), options=CompileOptions(preset="shorts"), port=0, cache_dir=tmp_path / "cache")
    try:
        loaded, full = server._compile()
    finally:
        server.close()
    assert full == (1080, 1920)
    seen = probe(loaded.expanded.text)
    # The preview compiles small; `canvas` is that canvas, the same shape and format.
    assert seen["preset"] == "shorts" and seen["vertical"]
    assert (seen["width"], seen["height"]) == (loaded.timeline.width, loaded.timeline.height)
    assert seen["aspect"] == pytest.approx(1080 / 1920, abs=0.01)


def test_emitted_template_keeps_the_layout_and_format(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", "counting", "--platform", "shorts", "--emit-scene", "c.scene"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "c.scene").read_text(encoding="utf-8")
    assert re.search(r"^\s*preset shorts$", text, re.M)
    assert "luna = character luna at (12%, 97%)" not in text
    result = CliRunner().invoke(main, ["new", "counting", "--emit-scene", "y.scene"])
    text = (tmp_path / "y.scene").read_text(encoding="utf-8")
    # At 16:9 the templates keep their own numbers.
    assert re.search(r"^\s*preset youtube$", text, re.M)
    assert "luna = character luna at (12%, 97%)" in text and "sunny = character sunny at (88%, 97%)" in text


# ── the templates, laid out for the canvas ───────────────────────────────────

TALL = (108, 192)
SQUARE = (120, 120)
SKIP = {"background", "particles"}


def extents(timeline, t: float) -> dict[str, np.ndarray]:
    """Each visible layer at `t`, drawn alone: name -> its pixels' mask."""
    frame = timeline.sample(t)
    assert not any(isinstance(item, TransitionNode) for item in frame.items)
    raster = Rasterizer(timeline.width, timeline.height)
    masks = {}
    for node in frame.items:
        if node.kind in SKIP or (node.get("opacity", 1.0) or 0) < 0.2:
            continue
        raster.draw(DisplayList((0.0, 0.0, 0.0, 0.0), (node,)))
        mask = raster.snapshot_rgba()[..., 3] > 32
        if not mask.any():
            continue
        ys, xs = np.nonzero(mask)
        if xs.max() - xs.min() >= timeline.width * 0.9 and ys.max() - ys.min() >= timeline.height * 0.2:
            continue  # across the whole picture: a tint, the storybook's paper, rain
        masks[node.id] = mask
    return masks


def _eroded(mask: np.ndarray) -> np.ndarray:
    """The mask less a pixel all round."""
    out = mask.copy()
    out[1:, :] &= mask[:-1, :]
    out[:-1, :] &= mask[1:, :]
    out[:, 1:] &= mask[:, :-1]
    out[:, :-1] &= mask[:, 1:]
    return out


def layout_problems(timeline, feet: float = 1.0) -> list[str]:
    """Layers outside the safe area (characters' feet may reach `feet` px below it),
    and layers that overlap, at the end of each scene, when everything is in place."""
    x0, y0, x1, y1 = timeline.safe_area
    problems = []
    for scene in timeline.scenes:
        t = scene.end - 1.0
        while any(tr.start <= t <= tr.end for tr in timeline.transitions):
            t -= 0.25
        masks = extents(timeline, t)
        for name, mask in masks.items():
            ys, xs = np.nonzero(mask)
            below = feet if name in ("luna", "sunny") else 1.0
            if xs.min() < x0 - 1 or ys.min() < y0 - 1 or xs.max() + 1 > x1 + 1 or ys.max() + 1 > y1 + below:
                problems.append(f"{scene.name}: {name} leaves the safe area")
        # Things that only touch (a tower's blocks, their outlines) do not overlap.
        inner = {name: _eroded(mask) for name, mask in masks.items()}
        names = sorted(masks)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                shared = int((inner[a] & inner[b]).sum())
                if shared > 0.05 * max(1, min(inner[a].sum(), inner[b].sum())):
                    problems.append(f"{scene.name}: {a} and {b} overlap")
    return problems


def compiled(name: str, size, preset: str, **params):
    template = load_template(name)
    variables = validate_params(template, params)
    return load_scene(template.scene_path, variables, CompileOptions(preset=preset, size=size, fps=10))


CASES = [("counting", {}), ("counting", {"count": 10, "thing": "strawberry"}), ("counting", {"count": 7}),
         ("alphabet", {}), ("alphabet", {"letter": "W"}), ("colors", {"color": "green", "age": 5}),
         ("shapes", {}), ("shapes", {"shape": "rectangle"}), ("feelings", {}),
         ("feelings", {"feeling": "happy", "who": "luna"}), ("feelings", {"feeling": "angry"}),
         ("feelings", {"feeling": "scared", "who": "luna"}),
         ("storybook", {})]


@pytest.mark.parametrize("name, params", CASES)
def test_templates_fit_the_safe_area_of_shorts(name, params):
    timeline = compiled(name, TALL, "shorts", **params).timeline
    assert layout_problems(timeline) == []


@pytest.mark.parametrize("name, params", [("counting", {"count": 8}), ("alphabet", {}), ("colors", {}),
                                          ("shapes", {}), ("feelings", {"feeling": "lonely"}), ("storybook", {})])
def test_templates_fit_a_square(name, params):
    # Luna and Sunny stand as low as at 16:9: their feet a little below the safe area.
    timeline = compiled(name, SQUARE, "square", **params).timeline
    assert layout_problems(timeline, feet=0.03 * SQUARE[1]) == []


def test_the_16_9_layout_does_not_fit_shorts():
    # The template expanded as if the canvas were youtube's, then compiled for shorts:
    # the check above catches it.
    template = load_template("counting")
    variables = template_variables(template, validate_params(template, {}))
    expanded = expand(template.scene_path, variables, resolve_format("youtube"))
    options = CompileOptions(base_dir=template.folder, preset="shorts", size=TALL, fps=10)
    timeline = compile_document(parse(expanded.text), options).timeline
    problems = layout_problems(timeline)
    assert any("leaves the safe area" in p for p in problems)
    assert any("overlap" in p for p in problems)


def test_objects_grow_to_use_a_tall_canvas():
    # Ten objects wrap into rows on a phone's screen instead of shrinking into one line.
    text = compiled("counting", TALL, "shorts", count=10).expanded.text
    rows = {m.group(2) for m in re.finditer(r"^\s*o\d+ = group at \(([\d.]+)%, ([\d.]+)%\)", text, re.M)}
    assert len(rows) >= 2
    sizes = {float(s) for s in re.findall(r"^\s*o\d+ = group at \([^)]*\) scale ([\d.]+)", text, re.M)}
    assert len(sizes) == 1 and sizes.pop() >= 0.6


# ── text that stands out from any picture ────────────────────────────────────


def test_contrast_and_the_layout_outline_for_any_ink(tmp_path):
    """`contrast(a, b)` is WCAG's ratio; `lay.outline(ink, size)` picks the edge that
    stands out from the ink, 6% of the font size wide (check-video counts 5%)."""
    import os

    from storyreel.dsl.templates import TEMPLATES_DIR

    layout = os.path.relpath(TEMPLATES_DIR / "_lib" / "layout.scene", tmp_path)
    path = tmp_path / "inks.scene"
    path.write_text(f'{{% import "{layout}" as lay %}}\n'
                    '# {{ contrast("#000000", "white") | round(2) }} {{ contrast("#777", "#777") }}\n'
                    '# {{ lay.outline("#FFBE0B", 150) }}|{{ lay.outline("#3A0CA3", 120) }}|{{ lay.outline("#2B2D42", "40") }}\n',
                    encoding="utf-8")
    lines = expand(path, canvas=resolve_format("youtube")).text.strip().splitlines()
    assert lines[-2] == "# 21.0 1.0"
    assert lines[-1] == "# outline #2B2D42 9|outline #FFFFFF 8|outline #FFFFFF 3"


def test_contrast_of_a_bad_colour_is_a_located_error(tmp_path):
    path = tmp_path / "bad.scene"
    path.write_text('video "x" { preset youtube }\n{{ contrast("#12", "white") }}\n', encoding="utf-8")
    with pytest.raises(SceneError) as err:
        expand(path)
    assert "bad.scene:2" in str(err.value) and "invalid colour '#12'" in str(err.value)
