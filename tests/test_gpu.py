"""The CUDA path (engine/raster/gpu.py).

Its pixel functions run on NumPy or CuPy with the same code, so the NumPy side
is checked here against what the CPU path makes (swscale's yuv420p, Skia's
crossfade and Ken Burns), and the GPU tests compare CuPy with NumPy and a GPU
render with a CPU render. Without CuPy and a CUDA device those are skipped.
"""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import skia
from click.testing import CliRunner
from helpers import decode
from storyreel.cli import main
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine.raster import gpu
from storyreel.engine import render_video
from storyreel.engine.raster.assets import SURFACE_ALPHA_TYPE, SURFACE_COLOR_TYPE
from storyreel.engine.raster.raster import Rasterizer

HAVE_GPU, WHY = gpu.available()
needs_gpu = pytest.mark.skipif(not HAVE_GPU, reason=WHY)
REFERENCE = Path(__file__).parents[1] / "bench" / "reference.scene"


def planes(frame: av.VideoFrame) -> list[np.ndarray]:
    return [np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[: p.height, : p.width] for p in frame.planes]


def noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    bgra = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    bgra[..., 3] = 255
    return bgra


# -- the arithmetic, on the CPU ---------------------------------------------------------------

@pytest.mark.parametrize("size", [(90, 160), (36, 64), (180, 320)])
def test_yuv420p_conversion_matches_swscale(size):
    bgra = noise(*size)
    ours = gpu.bgra_to_yuv420p(np, bgra)
    theirs = planes(av.VideoFrame.from_ndarray(bgra, format="bgra").reformat(format="yuv420p"))
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_compositor_converter_gives_a_yuv420p_frame():
    bgra = noise(90, 160, 3)
    frame = gpu.Compositor(160, 90, xp=np).convert(av.VideoFrame.from_ndarray(bgra, format="bgra"))
    assert frame.format.name == "yuv420p" and (frame.width, frame.height) == (160, 90)
    reference = planes(av.VideoFrame.from_ndarray(bgra, format="bgra").reformat(format="yuv420p"))
    assert all(np.abs(a.astype(int) - b.astype(int)).max() <= 1 for a, b in zip(planes(frame), reference))


@pytest.mark.parametrize("progress", [0.0, 0.3, 0.5, 0.77, 1.0])
def test_crossfade_matches_skias_layer_alpha(progress):
    a, b = noise(45, 80, 1), noise(45, 80, 2)
    buf = a.copy()
    surface = skia.Surface(buf, colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE)
    canvas = surface.getCanvas()
    canvas.saveLayerAlpha(None, round(progress * 255))
    canvas.drawImage(skia.Image.fromarray(b, colorType=SURFACE_COLOR_TYPE, alphaType=SURFACE_ALPHA_TYPE), 0, 0)
    canvas.restore()
    assert np.abs(gpu.crossfade(np, a, b, progress).astype(int) - buf.astype(int)).max() <= 2


def test_gpu_rasteriser_matches_the_cpu_one_within_a_small_tolerance():
    """The whole GPU path's logic (crossfades and Ken Burns composited by the
    compositor), run with NumPy: the reference video's frames stay close."""
    timeline = load_scene(REFERENCE, None, CompileOptions(size=(320, 180), fps=10)).timeline
    w, h = timeline.width, timeline.height
    cpu, emulated = Rasterizer(w, h), gpu.GpuRasterizer(w, h, gpu.Compositor(w, h, xp=np))
    for i in range(timeline.frame_count):
        display = timeline.sample(i / timeline.fps)
        diff = np.abs(cpu.draw(display).astype(int) - emulated.draw(display).astype(int))
        assert diff.mean() < 0.5 and diff.max() <= 24, (i, diff.mean(), diff.max())


def test_the_gpu_pipeline_end_to_end_with_numpy(tmp_path):
    """GpuRasterizer + the compositor's converter feeding the writer yuv420p frames,
    with NumPy standing in for CuPy: the decoded video stays close to the CPU one."""
    from storyreel.engine.encode.encoder import EncodeSettings, VideoWriter
    from storyreel.engine.encode.frames import render_frames

    timeline = load_scene(REFERENCE, None, CompileOptions(size=(320, 180), fps=10)).timeline
    w, h = timeline.width, timeline.height
    compositor = gpu.Compositor(w, h, xp=np)
    with VideoWriter(tmp_path / "emulated.mp4", EncodeSettings(w, h, timeline.fps, "high"),
                     convert=compositor.convert) as writer:
        render_frames(timeline, range(timeline.frame_count), writer, raster=gpu.GpuRasterizer(w, h, compositor))
    render_video(timeline, tmp_path / "cpu.mp4", quality="high")
    emulated, cpu = decode(tmp_path / "emulated.mp4"), decode(tmp_path / "cpu.mp4")
    assert len(emulated.frames) == len(cpu.frames) == timeline.frame_count
    # Two lossy encodes of pictures that differ by a level here and there (the
    # photo's resampling): close, not equal.
    diffs = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(cpu.frames, emulated.frames)]
    assert max(diffs) < 3.0 and np.mean(diffs) < 1.5


def test_gpu_flag_without_a_gpu_is_a_clear_error(tmp_path):
    if HAVE_GPU:
        pytest.skip("this machine has a GPU")
    scene = tmp_path / "a.scene"
    scene.write_text('video "a" {\n}\nscene a (0.5s) {\n    background solid red\n}\n', encoding="utf-8")
    out = tmp_path / "a.mp4"
    result = CliRunner().invoke(main, [str(scene), "-o", str(out), "--size", "160x90", "--gpu"])
    assert result.exit_code == 1 and "no CUDA GPU/cupy here" in result.output
    assert not out.exists()
    # Without --gpu the CPU path runs, and says nothing about a GPU.
    result = CliRunner().invoke(main, [str(scene), "-o", str(out), "--size", "160x90", "--no-extras"])
    assert result.exit_code == 0 and "gpu:" not in result.output


# -- on a CUDA device --------------------------------------------------------------------------

@needs_gpu
def test_cupy_functions_match_numpy():
    import cupy

    a, b = noise(90, 160, 1), noise(90, 160, 2)
    for x, y in zip(gpu.bgra_to_yuv420p(np, a), gpu.bgra_to_yuv420p(cupy, cupy.asarray(a))):
        assert np.abs(x.astype(int) - cupy.asnumpy(y).astype(int)).max() <= 1
    fade = cupy.asnumpy(gpu.crossfade(cupy, cupy.asarray(a), cupy.asarray(b), 0.4))
    assert np.abs(fade.astype(int) - gpu.crossfade(np, a, b, 0.4).astype(int)).max() <= 1
    kb = cupy.asnumpy(gpu.ken_burns(cupy, cupy.asarray(a), 80, 45, 1.1, 40, 22, 2.0))
    assert np.abs(kb.astype(int) - gpu.ken_burns(np, a, 80, 45, 1.1, 40, 22, 2.0).astype(int)).max() <= 1


@needs_gpu
def test_gpu_render_matches_the_cpu_render(tmp_path):
    timeline = load_scene(REFERENCE, None, CompileOptions(size=(320, 180), fps=10)).timeline
    render_video(timeline, tmp_path / "cpu.mp4", quality="high", gpu=False)
    render_video(timeline, tmp_path / "gpu.mp4", quality="high", gpu=True)
    cpu, on_gpu = decode(tmp_path / "cpu.mp4"), decode(tmp_path / "gpu.mp4")
    assert len(cpu.frames) == len(on_gpu.frames) == timeline.frame_count
    diffs = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(cpu.frames, on_gpu.frames)]
    assert max(diffs) < 3.0 and np.mean(diffs) < 1.5
