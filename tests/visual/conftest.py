"""The `golden` fixture (tests/visual/golden.py) and the small media files the
golden scenes read (an image, an SVG, a clip), written afresh into each test's
folder so that nothing binary but the control data lives in the repository."""
from __future__ import annotations

import shutil
from pathlib import Path

import av
import numpy as np
import pytest
import skia

from visual import golden as g

LOTTIE_BALL = Path(__file__).resolve().parents[2] / "examples" / "media" / "ball.json"


def write_image(path: Path) -> None:
    """A 16x8 PNG: four coloured blocks and a white diagonal."""
    rgba = np.zeros((8, 16, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[:4, :8, :3] = (230, 57, 70)
    rgba[:4, 8:, :3] = (77, 150, 255)
    rgba[4:, :8, :3] = (255, 217, 61)
    rgba[4:, 8:, :3] = (107, 203, 119)
    for i in range(8):
        rgba[i, 2 * i: 2 * i + 2, :3] = 255
    image = skia.Image.fromarray(rgba, colorType=skia.kRGBA_8888_ColorType)
    path.write_bytes(bytes(image.encodeToData(skia.kPNG, 100)))


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50">'
       '<rect x="2" y="2" width="96" height="46" rx="10" fill="#FFD93D" stroke="#2B2D42" stroke-width="4"/>'
       '<circle cx="30" cy="25" r="14" fill="#E63946"/>'
       '<path d="M 55 40 L 70 10 L 85 40 Z" fill="#4D96FF"/></svg>')


def write_clip(path: Path, frames: int = 10, fps: int = 10) -> None:
    """A lossless (PNG-in-MOV) 1 s clip, 32x18: a white bar moving right over teal,
    so that the frame shown at each time is visible and decoding is exact."""
    with av.open(str(path), "w", format="mov") as container:
        stream = container.add_stream("png", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 32, 18, "rgb24"
        for i in range(frames):
            rgb = np.zeros((18, 32, 3), np.uint8)
            rgb[:] = (20, 140, 150)
            rgb[:, i * 3: i * 3 + 3] = 255
            rgb[12:, :] = (240, 120, 40)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.fixture
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden", default=False))


@pytest.fixture
def media(tmp_path) -> Path:
    """A folder holding pic.png, logo.svg, clip.mov and ball.json for the scenes to read."""
    write_image(tmp_path / "pic.png")
    (tmp_path / "logo.svg").write_text(SVG, encoding="utf-8")
    write_clip(tmp_path / "clip.mov")
    shutil.copy(LOTTIE_BALL, tmp_path / "ball.json")  # a Lottie: a ball rolling over a block
    return tmp_path


@pytest.fixture
def golden(tmp_path, update_golden):
    """golden(kind, name, text, times): compile `text` at the pinned size and fps
    (in a folder where pic.png, logo.svg and clip.mov exist when `media` is used),
    render it at `times`, and compare with tests/control/<kind>/<name>.npz."""
    def check(kind: str, name: str, text: str, times, folder: Path | None = None) -> np.ndarray:
        timeline = g.compile_text(text, folder or tmp_path)
        frames = g.render_frames(timeline, times)
        g.check_frames(kind, name, frames, times, update_golden)
        return frames
    return check
