"""Media in: clips with alpha (VP9 WebM, ProRes 4444 MOV, PNG in MOV), animated
GIF, APNG and WebP, clips of odd sizes, and trims past a file's end.

Every file is generated here with PyAV; frames are checked on rendered pixels.
"""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from helpers import close, scene_text

RED, GREEN, BLUE = (255, 0, 0), (0, 160, 0), (0, 0, 255)
# Straight (not premultiplied) red at half opacity over GREEN.
HALF_RED_OVER_GREEN = (128, 80, 0)


def write_alpha_clip(path: Path, codec: str, pix_fmt: str, fmt: str | None = None, size=(64, 48),
                     frames: int = 10, options: dict | None = None, rate: int = 10) -> None:
    """Left quarter transparent, second quarter red at alpha 128 (straight), right half
    opaque red on even frames and opaque blue on odd ones."""
    w, h = size
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
        if options:
            stream.options = options
        for i in range(frames):
            rgba = np.zeros((h, w, 4), np.uint8)
            rgba[:, w // 4: w // 2] = (255, 0, 0, 128)
            rgba[:, w // 2:] = (*(RED if i % 2 == 0 else BLUE), 255)
            frame = av.VideoFrame.from_ndarray(rgba, format="rgba").reformat(format=pix_fmt)
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def clip_scene(name: str, extra: str = "", seconds: float = 1.0) -> str:
    return scene_text(f"scene s {{\n    background solid #00A000\n"
                      f'    c = video "{name}" at (50%, 50%) size 100% 100% fit stretch muted {extra}\n'
                      f"    wait {seconds:g}s\n}}\n")


ALPHA_CLIPS = [
    ("alpha.webm", "libvpx-vp9", "yuva420p", None, {"auto-alt-ref": "0"}),
    ("alpha.mov", "prores_ks", "yuva444p10le", None, {"profile": "4444"}),
    ("png.mov", "png", "rgba", None, None),
    ("anim.png", "apng", "rgba", "apng", {"plays": "0"}),
    ("anim.webp", "libwebp", "yuva420p", "webp", {"lossless": "1", "loop": "0"}),
]


@pytest.mark.parametrize("name, codec, pix_fmt, fmt, options", ALPHA_CLIPS, ids=[c[0] for c in ALPHA_CLIPS])
def test_a_clip_with_alpha_shows_the_scene_through_it(frame_at, tmp_path, name, codec, pix_fmt, fmt, options):
    write_alpha_clip(tmp_path / name, codec, pix_fmt, fmt, options=options)
    text = clip_scene(name)
    first = frame_at(text, 0.02)
    assert close(first[90, 20], GREEN, 10), first[90, 20]  # transparent: the background
    assert close(first[90, 240], RED, 16), first[90, 240]
    # Half-transparent red is composited once: not premultiplied twice, not added.
    assert close(first[90, 120], HALF_RED_OVER_GREEN, 18), first[90, 120]
    second = frame_at(text, 0.12)
    assert close(second[90, 240], BLUE, 16), second[90, 240]  # animated: the next frame


def test_an_animated_gif_clip_plays_its_frames(frame_at, tmp_path):
    path = tmp_path / "anim.gif"
    with av.open(str(path), "w", format="gif") as container:
        stream = container.add_stream("gif", rate=10)
        stream.width, stream.height, stream.pix_fmt = 33, 19, "rgb8"
        for i in range(4):
            rgb = np.zeros((19, 33, 3), np.uint8)
            rgb[...] = RED if i % 2 == 0 else BLUE
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="rgb8")))
        container.mux(stream.encode())
    text = clip_scene("anim.gif")
    assert close(frame_at(text, 0.05)[90, 160], RED, 8)
    assert close(frame_at(text, 0.15)[90, 160], BLUE, 8)


@pytest.mark.parametrize("size", [(66, 38), (67, 39), (2, 2), (322, 2)])
def test_clips_of_any_size_render(frame_at, tmp_path, size):
    write_alpha_clip(tmp_path / "any.mov", "png", "rgb24", size=size, frames=2)
    f = frame_at(clip_scene("any.mov"), 0.02)
    assert close(f[90, 300], RED, 12), f[90, 300]


def test_a_trim_past_the_end_of_the_file_is_clamped_with_a_warning(frame_at, tmp_path, caplog):
    write_alpha_clip(tmp_path / "short.mov", "png", "rgb24", frames=10)  # 1 s
    with caplog.at_level("WARNING"):
        f = frame_at(clip_scene("short.mov", "from 0.5s to 3s", seconds=2), 1.5)
    assert close(f[90, 300], BLUE, 12), f[90, 300]  # held on the file's last frame (odd: blue)
    messages = [r.getMessage() for r in caplog.records]
    assert any("test.scene:" in m and "warning:" in m and "3s" in m and "1.00s" in m for m in messages), messages
