"""Fixtures: render small real videos from .scene text. Nothing is mocked:
scenes go through Jinja, Lark, the compiler, Skia and libx264."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from helpers import SMALL, Decoded, decode
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_frame, render_video


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="regenerate the golden frames' control data (tests/control/) instead of comparing with it")


@pytest.fixture
def write_scene(tmp_path):
    def write(text: str, name: str = "test.scene") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return write


@pytest.fixture
def compile_scene(write_scene):
    """text -> Timeline at a small size (320x180, 30 fps unless given)."""
    def compile_(text: str, size=SMALL, fps: float | None = None, variables=None, preset=None):
        path = write_scene(text)
        return load_scene(path, variables, CompileOptions(size=size, fps=fps, preset=preset)).timeline
    return compile_


@pytest.fixture
def frame_at(compile_scene):
    """text, t -> RGBA frame (straight from the rasteriser, no encoding)."""
    def frame(text: str, t: float, **kw) -> np.ndarray:
        return render_frame(compile_scene(text, **kw), t)
    return frame


@pytest.fixture
def render_scene(compile_scene, tmp_path):
    """text -> Decoded video, rendered through libx264 at a small size."""
    def render(text: str, quality: str = "draft", **kw) -> Decoded:
        timeline = compile_scene(text, **kw)
        out = tmp_path / "out.mp4"
        render_video(timeline, out, quality=quality)
        return decode(out)
    return render



@pytest.fixture(autouse=True, scope="session")
def _speech_cache(tmp_path_factory):
    """Synthesised speech goes to a cache folder of the test run, not ~/.cache."""
    import os

    os.environ.setdefault("STORYREEL_CACHE", str(tmp_path_factory.mktemp("storyreel-cache")))
