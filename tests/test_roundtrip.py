"""The timeline JSON is a faithful IR, and compiling and rendering are deterministic.

One file uses every element kind, several backgrounds, six transitions and a
follow-path motion. Its timeline, written to JSON and read back, must draw the
very same pixels; two compiles must give the same JSON (also across processes
with different hash seeds); two renders must decode to the same frames.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import skia

from helpers import decode
from storyreel.dsl import CompileOptions, load_scene
from storyreel.dsl.elements import COMPILES_TO, ELEMENTS
from storyreel.engine import render_frame, render_video, timeline_from_json, timeline_to_json

SCENE = """\
video "Round trip" {
    size 320x180
    fps 10
    background #101010
}

scene shapes {
    background gradient #FFE29A #FFA99F vertical
    title = text "Round trip" at (50%, 15%) size 90 font rounded weight bold color #3A2E5C outline white 4
    title: typewriter 0.6s
    r = rect at (15%, 45%) size 180 120 radius 24 fill #4D96FF stroke #1D3557 4 shadow
    c = circle at (38%, 45%) radius 70 fill #FF6B6B blur 2
    e = ellipse at (62%, 45%) size 200 120 fill #FFD93D opacity 0.8
    s = star at (85%, 45%) points 5 radius 80 inner 0.45 fill gold rotate 10
    h = polygon at (15%, 80%) sides 6 radius 80 fill #6BCB77
    tri = polygon at (38%, 80%) points (0, 0) (160, 0) (80, -140) fill orchid
    l = line from (52%, 70%) to (72%, 90%) stroke #2B2D42 8
    heart = path "M 0 30 C 0 0 50 0 50 30 C 50 0 100 0 100 30 C 100 60 50 90 50 110 C 50 90 0 60 0 30 Z" at (85%, 80%) anchor center fill crimson
    c: pop 0.3s
    runner = circle at (10%, 60%) radius 30 fill #3A2E5C
    runner: follow path "M 0 0 C 200 -150 500 150 800 0" over 1s ease linear & s: rotate to 90 1s
}

transition crossfade 0.3s

scene pictures {
    background meadow seed 3
    background: zoom 1.0 -> 1.2 over scene
    pic = image "pic.png" at (30%, 50%) width 300
    logo = svg "logo.svg" at (70%, 50%) height 200
    clip = video "clip.mp4" at (50%, 80%) size 240 135 fit cover
    sparkles = particles confetti count 40 seed 5
    pic: enter from left 0.4s & logo: scale to 1.5 0.4s
    wait 0.3s
}

transition dissolve 0.3s

scene grouped {
    background solid #EAF4F4
    face = group at (50%, 50%) {
        head = circle radius 160 fill #FFD6A5
        eye = circle at (-55, -30) radius 18 fill #2B2D42
        mouth = path "M -60 40 Q 0 100 60 40" stroke #2B2D42 8 fill transparent
    }
    face: rotate to 20 0.5s & eye: scale to 0.3 0.3s
    face: bounce 0.4s
}

transition slide left 0.3s

scene night {
    background night seed 5
    moon = circle at (80%, 25%) radius 60 fill #FFF6D5
    moon: pulse 0.6s
}

transition wipe up 0.3s

scene photo {
    background image "pic.png" fit contain
    caption = text "A photo" at safe-bottom size 60 color white
    caption: fade in 0.3s
    wait 0.3s
}

transition fade-through white 0.3s

scene outro {
    background gradient #A8E6CF #DCEDC1 radial
    bye = text "Bye!" size 120 font rounded
    bye: shake 0.6s
}

transition zoom 0.3s

scene credits {
    background solid #264653
    dot = star radius 50 fill gold
    dot: exit to right 0.6s
}
"""

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80">
  <rect x="0" y="0" width="120" height="80" rx="12" fill="#2A9D8F"/>
  <circle cx="60" cy="40" r="25" fill="#E9C46A"/>
</svg>
"""

TRANSITIONS = ["crossfade", "dissolve", "slide", "wipe", "fade-through", "zoom"]


@pytest.fixture
def scene_file(tmp_path) -> Path:
    pixels = np.zeros((40, 60, 4), np.uint8)
    pixels[..., 0] = 230
    pixels[:, 30:, 2] = 200
    pixels[:20, :, 1] = 160
    pixels[..., 3] = 255
    image = skia.Image.fromarray(pixels, colorType=skia.kRGBA_8888_ColorType)
    (tmp_path / "pic.png").write_bytes(bytes(image.encodeToData(skia.kPNG, 100)))
    (tmp_path / "logo.svg").write_text(SVG, encoding="utf-8")
    write_clip(tmp_path / "clip.mp4")
    path = tmp_path / "roundtrip.scene"
    path.write_text(SCENE, encoding="utf-8")
    return path


def write_clip(path: Path) -> None:
    """A 1 s, 12 fps clip: red, then green from frame 6 on, with a moving bar."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        for i in range(12):
            rgb = np.zeros((36, 64, 3), np.uint8)
            rgb[:] = (220, 30, 30) if i < 6 else (30, 200, 60)
            rgb[:, i * 5 : i * 5 + 4] = 255
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def compile_file(path: Path):
    return load_scene(path, None, CompileOptions()).timeline


def kinds(layers) -> set[str]:
    found = set()
    for layer in layers:
        found.add(layer.kind)
        found |= kinds(layer.children)
    return found


def sample_times(tl) -> list[float]:
    """The start, the middle of every transition, and points inside every scene."""
    times = [0.0]
    times += [(t.start + t.end) / 2 for t in tl.transitions]
    times += [s.start + f * (s.end - s.start) for s in tl.scenes for f in (0.3, 0.6)]
    times.append(tl.duration - 1e-6)
    return times


def test_the_file_covers_every_element_kind_and_the_transitions(scene_file):
    tl = compile_file(scene_file)
    found = set()
    for scene in tl.scenes:
        found |= kinds(scene.layers)
    assert found == {COMPILES_TO.get(kind, kind) for kind in ELEMENTS} | {"background"}
    assert [t.kind for t in tl.transitions] == TRANSITIONS
    runner = next(layer for layer in tl.scenes[0].layers if layer.id == "runner")
    assert runner.tracks["x"].segments[0].path is not None  # the follow-path motion


def test_json_roundtrip_draws_the_same_frames(scene_file):
    tl = compile_file(scene_file)
    text = timeline_to_json(tl)
    loaded = timeline_from_json(text)
    assert timeline_to_json(loaded) == text
    assert loaded.duration == tl.duration and loaded.frame_count == tl.frame_count
    frames = []
    for t in sample_times(tl):
        original, reloaded = render_frame(tl, t), render_frame(loaded, t)
        assert original.shape == (180, 320, 4)
        assert np.array_equal(original, reloaded), f"frame at {t:.3f}s differs after the JSON round trip"
        frames.append(original)
    # The frames are real pictures (only the middle of the fade-through is flat white), all different.
    flat = [t for t, f in zip(sample_times(tl), frames) if f[..., :3].std() < 5]
    assert len(flat) <= 2, flat
    assert len({f.tobytes() for f in frames}) == len(frames)


def test_two_compiles_give_identical_json(scene_file):
    first = timeline_to_json(compile_file(scene_file))
    second = timeline_to_json(compile_file(scene_file))
    assert first == second


def test_compile_json_is_the_same_in_other_processes(scene_file):
    """`render compile` in fresh interpreters with different hash seeds prints the same JSON."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-m", "storyreel", "compile", scene_file.name], cwd=scene_file.parent,
                                capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    # The same timeline as compiling in this process (paths to assets are absolute, so no cwd matters).
    assert outputs[0] == timeline_to_json(compile_file(scene_file)) + "\n"


def test_two_renders_decode_to_identical_frames(scene_file, tmp_path):
    tl = compile_file(scene_file)
    dissolve = next(t for t in tl.transitions if t.kind == "dissolve")
    # Render from just before the dissolve to the end of the scene after it, twice.
    start, end = dissolve.start - 0.2, dissolve.end + 0.2
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    render_video(compile_file(scene_file), a, quality="draft", start=start, end=end)
    render_video(compile_file(scene_file), b, quality="draft", start=start, end=end)
    first, second = decode(a), decode(b)
    assert len(first.frames) == len(second.frames) == round((end - start) * tl.fps)
    for n, (x, y) in enumerate(zip(first.frames, second.frames)):
        assert np.array_equal(x, y), f"frame {n} differs between two renders"
    # The rendered range really holds the dissolve: its middle frame mixes the two scenes.
    mid = first.at((dissolve.start + dissolve.end) / 2 - start).astype(int)
    old, new = first.frames[0].astype(int), first.frames[-1].astype(int)
    assert np.abs(mid - old).mean() > 5 and np.abs(mid - new).mean() > 5


def test_dissolve_shows_seeded_blocks_of_both_scenes(write_scene):
    path = write_scene("""\
        video "d" {
            size 320x180
        }
        scene red {
            background solid #FF0000
            wait 0.5s
        }
        transition dissolve 0.5s
        scene blue {
            background solid #0000FF
            wait 0.5s
        }
    """)
    frames = [render_frame(compile_file(path), 0.25) for _ in range(2)]
    assert np.array_equal(frames[0], frames[1])
    red = np.all(frames[0] == (255, 0, 0, 255), axis=-1).mean()
    blue = np.all(frames[0] == (0, 0, 255, 255), axis=-1).mean()
    assert 0.3 < red < 0.7 and 0.3 < blue < 0.7 and red + blue > 0.95, (red, blue)
    # Later in the dissolve, more of the next scene.
    later = render_frame(compile_file(path), 0.4)
    assert np.all(later == (0, 0, 255, 255), axis=-1).mean() > blue


def test_dissolve_frames_are_identical_across_processes(scene_file, tmp_path):
    """The dissolve's random blocks come from a seed, not from the process."""
    tl = compile_file(scene_file)
    dissolve = next(t for t in tl.transitions if t.kind == "dissolve")
    t = (dissolve.start + dissolve.end) / 2
    outputs = []
    for seed in ("3", "4"):
        out = tmp_path / f"still{seed}.png"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-m", "storyreel", "still", scene_file.name, "--at", f"{t:.4f}",
                                 "-o", str(out)], cwd=scene_file.parent, capture_output=True, text=True, env=env,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        outputs.append(skia.Image.open(str(out)).toarray(colorType=skia.kRGBA_8888_ColorType))
    assert np.array_equal(outputs[0], outputs[1])
    assert np.array_equal(outputs[0], render_frame(tl, float(f"{t:.4f}")))
