"""Extensions from another package: a folder on sys.path holding a module and its
`*.dist-info/entry_points.txt`, as `pip install` would leave them. storyreel finds
the painter, transition, speech provider and publisher in the test's own process
and in fresh ones (the `render` command, and its parallel chunk workers)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import close, decode

from storyreel.dsl import SceneError
from storyreel.engine import speech
from storyreel.engine.raster.painters import PAINTERS
from storyreel.engine.plugins import PluginError, Registry
from storyreel.engine.publish.sidecars import PUBLISHERS
from storyreel.engine.raster.raster import TRANSITIONS

PLUGIN = '''
import numpy as np
import skia

from storyreel.engine import speech
from storyreel.engine.raster.painters import fill_paint


def paint_badge(canvas, node, alpha, ctx):
    w, h = node.get("width"), node.get("height")
    paint = fill_paint(node, alpha)
    if paint is not None:
        canvas.drawRect(skia.Rect.MakeXYWH(-w / 2, -h / 2, w, h), paint)


paint_badge.defaults = {"width": 400, "height": 400, "fill": "#00FF00"}


def curtain(canvas, progress, scenes):
    """B comes in from the top, a curtain falling."""
    scenes.draw_a(canvas)
    canvas.save()
    canvas.clipRect(skia.Rect.MakeWH(scenes.width, scenes.height * progress))
    scenes.draw_b(canvas)
    canvas.restore()


class ToneProvider:
    name = "tone"

    def version(self):
        return "tone 1"

    def synthesize(self, text, voice, prosody):
        words = text.split()
        t = np.arange(int(22050 * 0.3 * len(words))) / 22050
        timings = tuple(speech.WordTiming(w, i * 0.3, (i + 1) * 0.3) for i, w in enumerate(words))
        return speech.Speech((0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), timings, (), sample_rate=22050)


def scene_list(timeline, video, platform, *, start, end):
    out = video.with_suffix(".scenes.txt")
    out.write_text(" ".join(scene.name for scene in timeline.scenes))
    return [out]
'''

ENTRY_POINTS = '''
[storyreel.painters]
badge = storyreel_badges:paint_badge
broken = storyreel_badges_missing:paint

[storyreel.transitions]
curtain = storyreel_badges:curtain

[storyreel.speech_providers]
tone = storyreel_badges:ToneProvider

[storyreel.publishers]
scene-list = storyreel_badges:scene_list
'''

SCENE = '''video "Plugins" {
    size 320x180
    fps 10
}
scene a {
    background solid #000000
    b = badge at (50%, 50%)
    wait 1s
}
transition curtain 0.5s
scene b {
    background solid #FFFFFF
    wait 1s
}
'''


@pytest.fixture
def plugin_folder(tmp_path) -> Path:
    """A package as pip installs it: the module, and its dist-info with the entry points."""
    folder = tmp_path / "site"
    (folder / "storyreel_badges-0.1.dist-info").mkdir(parents=True)
    (folder / "storyreel_badges.py").write_text(PLUGIN)
    (folder / "storyreel_badges-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: storyreel-badges\nVersion: 0.1\n")
    (folder / "storyreel_badges-0.1.dist-info" / "entry_points.txt").write_text(ENTRY_POINTS)
    return folder


@pytest.fixture
def installed(plugin_folder, monkeypatch):
    """The package on this process's path, and the registries told to look again."""
    monkeypatch.syspath_prepend(str(plugin_folder))
    registries = (PAINTERS, TRANSITIONS, PUBLISHERS)
    for registry in registries:
        registry.rescan()
    yield plugin_folder
    for registry, name in ((PAINTERS, "badge"), (TRANSITIONS, "curtain"), (PUBLISHERS, "scene-list")):
        registry.unregister(name)
    for registry in registries:
        registry.rescan()
    sys.modules.pop("storyreel_badges", None)


def test_the_registries_find_another_packages_extensions(installed, tmp_path):
    import storyreel

    assert {"badge", "broken"} <= set(PAINTERS.names()) and "rect" in PAINTERS.names()
    assert "curtain" in TRANSITIONS.names() and "crossfade" in TRANSITIONS.names()
    project = storyreel.load(SCENE)
    badge = project.frame(0.2)
    assert tuple(badge[90, 160, :3]) == (0, 255, 0) and tuple(badge[2, 2, :3]) == (0, 0, 0)
    curtain = project.timeline.transitions[0]
    half = project.frame((curtain.start + curtain.end) / 2)
    assert tuple(half[20, 160, :3]) == (255, 255, 255), "the top half shows scene b"
    assert tuple(half[170, 5, :3]) == (0, 0, 0), "the bottom half still shows scene a"
    out = project.render(tmp_path / "plugins.mp4")
    assert (tmp_path / "plugins.scenes.txt").read_text() == "a b"
    assert len(decode(out).frames) == round(project.duration * 10)


def test_a_broken_entry_point_is_an_error_at_the_word_that_uses_it(installed):
    import storyreel

    with pytest.raises(SceneError) as err:
        storyreel.load(SCENE.replace("badge at", "broken at"))
    assert err.value.location.line == 7 and "storyreel_badges_missing" in err.value.message
    with pytest.raises(PluginError):
        PAINTERS["broken"]


def test_a_registered_name_wins_and_unknown_names_are_key_errors():
    shapes: Registry = Registry("storyreel.test-nothing-declares-this")
    shapes.register("dot", print)
    assert shapes.names() == ["dot"] and shapes.find("square") is None
    with pytest.raises(KeyError):
        shapes["square"]


def _render_command(plugin_folder: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(plugin_folder), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "storyreel", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_fresh_render_command_and_its_workers_find_them(plugin_folder, tmp_path):
    (tmp_path / "plugins.scene").write_text(SCENE)
    voices = _render_command(plugin_folder, "voices", cwd=tmp_path)
    assert voices.returncode == 0 and "tone: available, tone 1" in voices.stdout
    done = _render_command(plugin_folder, "plugins.scene", "-o", "out.mp4", "--workers", "2", "-q",
                           cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    video = decode(tmp_path / "out.mp4")
    assert close(video.at(0.2)[90, 160], (0, 255, 0), tol=24)  # the badge, drawn by a worker process
    assert (tmp_path / "out.scenes.txt").read_text() == "a b"
    missing = _render_command(Path(tmp_path / "nowhere"), "plugins.scene", "-o", "x.mp4", cwd=tmp_path)
    assert missing.returncode == 1 and "unknown element kind 'badge'" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_the_engines_own_nodes_are_not_element_kinds():
    import storyreel

    for kind in ("character luna", 'caption "Hi"'):
        with pytest.raises(SceneError, match="unknown element kind"):
            storyreel.load(f'video "T" {{\n    size 320x180\n}}\nscene a {{\n    x = {kind}\n    wait 1s\n}}\n')


def test_hints_name_the_installed_kinds_and_transitions(installed):
    import storyreel

    with pytest.raises(SceneError, match="did you mean 'badge'"):
        storyreel.load(SCENE.replace("badge at", "badg at"))
    with pytest.raises(SceneError, match="did you mean 'curtain'"):
        storyreel.load(SCENE.replace("transition curtain", "transition curtian"))


def test_every_built_in_is_registered_as_a_plugin_would_be(tmp_path):
    """The built-in painters, transitions and publishers sit in the same registries
    another package's go into, marked as storyreel's own; the publishers run in
    their order (captions, thumbnail, OUT.json), and a program can turn one off."""
    import storyreel
    from storyreel.dsl import elements
    from storyreel.dsl.compiler import ELEMENTS
    from storyreel.engine.publish.sidecars import BUILT_IN_PUBLISHERS
    from storyreel.engine.timeline.transition_kinds import NAMES

    painted = {getattr(elements, "COMPILES_TO", {}).get(kind, kind) for kind in ELEMENTS}  # lottie: a video
    assert painted - {"group"} <= PAINTERS.builtins  # a group draws its children, nothing itself
    assert set(NAMES) - {"random"} == TRANSITIONS.builtins  # random picks one of the others
    assert all(TRANSITIONS.find(name) is not None for name in TRANSITIONS.builtins)
    assert list(BUILT_IN_PUBLISHERS) == ["captions", "thumbnail", "metadata"]
    assert all(PUBLISHERS[name] is BUILT_IN_PUBLISHERS[name] for name in PUBLISHERS.builtins)
    assert set(BUILT_IN_PUBLISHERS) == PUBLISHERS.builtins
    project = storyreel.load('video "Off" {\n    size 160x90\n    fps 5\n}\nscene a {\n'
                             '    background solid #FFFFFF\n    wait 0.4s\n}\n')
    thumbnail = PUBLISHERS["thumbnail"]
    PUBLISHERS.unregister("thumbnail")
    try:
        project.render(tmp_path / "off.mp4")
    finally:
        PUBLISHERS.register("thumbnail", thumbnail, builtin=True)
    assert (tmp_path / "off.json").is_file() and not (tmp_path / "off.thumbnail.png").exists()
    project.render(tmp_path / "on.mp4")
    assert json.loads((tmp_path / "on.json").read_text())["thumbnail"]["png"] == "on.thumbnail.png"
