"""Every ```scene example in docs/LANGUAGE.md renders, and shows something."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from helpers import decode
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_video

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "LANGUAGE.md"
EXAMPLES = re.findall(r"```scene\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def test_guide_has_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_guide_example_renders(index, tmp_path):
    path = tmp_path / f"example{index}.scene"
    path.write_text(EXAMPLES[index], encoding="utf-8")
    timeline = load_scene(path, None, CompileOptions(size=(192, 108), fps=10)).timeline
    out = tmp_path / "out.mp4"
    render_video(timeline, out, quality="draft")
    video = decode(out)
    assert len(video.frames) == timeline.frame_count > 0
    assert (video.width, video.height) == (192, 108)
    # Not a blank video: some frame has more than one colour in it.
    assert any(np.ptp(frame.reshape(-1, 3), axis=0).max() > 40 for frame in video.frames)
