"""Hostile media: files that are too large, truncated, damaged, oddly shaped or
swapped behind the engine's back. Each one is either used correctly or refused
with a message that names the file; never a traceback, never gigabytes.

Every file here is generated in tmp_path (PyAV, skia, numpy, struct); nothing
is mocked.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import av
import numpy as np
import pytest
import skia

from helpers import close, scene_text
from storyreel.dsl import CompileOptions, SceneError, load_scene
from storyreel.engine.assets import MAX_IMAGE_PIXELS, AssetError, load_image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)


def one_scene(body: str, background: str = "background solid white", seconds: float = 1) -> str:
    lines = "\n".join("    " + line.strip() for line in body.strip().splitlines())
    return scene_text(f"scene s {{\n    {background}\n{lines}\n    wait {seconds:g}s\n}}\n")


def compile_error(tmp_path: Path, text: str) -> SceneError:
    path = tmp_path / "t.scene"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SceneError) as info:
        load_scene(path, None, CompileOptions(size=(320, 180)))
    return info.value


def png_header_only(path: Path, width: int, height: int, rows: int = 4) -> None:
    """A valid-looking PNG whose IHDR claims width x height but holds a few rows:
    a few hundred bytes that would need width*height*4 bytes to decode."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(b"\0" * (1 + 3 * width)) for _ in range(rows)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def png_bytes(width: int = 300, height: int = 200) -> bytes:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    image = skia.Image.fromarray(pixels, colorType=skia.kRGBA_8888_ColorType)
    return bytes(image.encodeToData(skia.kPNG, 100))


# -- images: pixel limit from the header, truncated and damaged files -------------------------


@pytest.mark.parametrize("side", [20000, 60000])
def test_an_image_over_the_pixel_limit_is_refused_from_its_header(tmp_path, side):
    png_header_only(tmp_path / "huge.png", side, side)
    assert side * side > MAX_IMAGE_PIXELS
    err = compile_error(tmp_path, one_scene('i = image "huge.png" width 600'))
    assert "huge.png" in err.message and f"{side}x{side}" in err.message and "100 megapixels" in err.message
    assert err.span.line == 7 and err.hint


def test_a_background_image_over_the_limit_is_refused_at_its_statement(tmp_path):
    png_header_only(tmp_path / "huge.png", 60000, 60000)
    err = compile_error(tmp_path, one_scene("", background='background image "huge.png"'))
    assert "huge.png" in err.message and "megapixels" in err.message and err.span.line == 6


def test_an_image_just_under_the_limit_is_not_refused_for_its_size(tmp_path):
    # 10000 x 10000 is exactly the limit: the header passes; the (tiny) data is then truncated.
    png_header_only(tmp_path / "edge.png", 10000, 10000)
    with pytest.raises(AssetError, match="truncated"):
        load_image(str(tmp_path / "edge.png"))


def test_a_truncated_png_is_an_error_naming_the_file(tmp_path):
    data = png_bytes()
    (tmp_path / "half.png").write_bytes(data[: len(data) // 2])
    err = compile_error(tmp_path, one_scene('i = image "half.png" width 600'))
    assert "half.png" in err.message and "truncated" in err.message and err.span.line == 7


def test_a_damaged_png_is_an_error_naming_the_file(tmp_path):
    data = bytearray(png_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 200):
        data[i] ^= 0x5A
    (tmp_path / "bad.png").write_bytes(bytes(data))
    err = compile_error(tmp_path, one_scene('i = image "bad.png" width 600'))
    assert "bad.png" in err.message and "damaged" in err.message


@pytest.mark.parametrize("content, words", [(b"", "empty"), (b"not an image at all" * 8, "not an image")])
def test_an_empty_or_foreign_file_is_an_error(tmp_path, content, words):
    (tmp_path / "x.png").write_bytes(content)
    err = compile_error(tmp_path, one_scene('i = image "x.png" width 600'))
    assert "x.png" in err.message and words in err.message


def test_a_good_png_still_decodes_exactly(tmp_path):
    (tmp_path / "ok.png").write_bytes(png_bytes(30, 20))
    ours = load_image(str(tmp_path / "ok.png")).toarray(colorType=skia.kRGBA_8888_ColorType)
    rng = np.random.default_rng(7)
    expected = rng.integers(0, 256, (20, 30, 4), dtype=np.uint8)
    expected[..., 3] = 255
    assert np.array_equal(ours, expected)


# -- clips and animated GIFs of any width -----------------------------------------------------


def write_clip(path: Path, width: int, height: int, codec: str, pix_fmt: str, frames: int = 10,
               fmt: str | None = None) -> None:
    """Left half blue, right half red, every frame."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        rgb = np.zeros((height, width, 3), np.uint8)
        rgb[:, : width // 2] = BLUE
        rgb[:, width // 2:] = RED
        for _ in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format=pix_fmt)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def write_gif(path: Path, width: int, height: int, frames: int = 6) -> None:
    """Red and blue frames in turn, 0.1 s each."""
    with av.open(str(path), "w", format="gif") as container:
        stream = container.add_stream("gif", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "rgb8"
        for i in range(frames):
            rgb = np.zeros((height, width, 3), np.uint8)
            rgb[...] = RED if i % 2 == 0 else BLUE
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="rgb8")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


CLIP = 'c = video "{}" at (50%, 50%) size 100% 100% fit stretch muted'


@pytest.mark.parametrize("name, size, codec, pix_fmt", [
    ("wide.mp4", (330, 186), "libx264", "yuv420p"),  # 330 * 4 bytes is not a multiple of FFmpeg's row alignment
    ("odd.mkv", (331, 187), "ffv1", "yuv420p"),  # odd both ways (libx264 refuses odd sizes)
    ("odd.mov", (331, 187), "png", "rgb24"),
])
def test_a_clip_of_any_width_renders(render_scene, tmp_path, name, size, codec, pix_fmt):
    write_clip(tmp_path / name, *size, codec, pix_fmt)
    video = render_scene(one_scene(CLIP.format(name)))
    for t in (0.1, 0.5, 0.9):
        frame = video.at(t)
        assert close(frame[90, 60], BLUE, 24) and close(frame[90, 260], RED, 24), (t, frame[90, 60], frame[90, 260])


def test_an_animated_gif_clip_renders_its_frames(frame_at, tmp_path):
    write_gif(tmp_path / "anim.gif", 30, 20)
    text = one_scene(CLIP.format("anim.gif"))
    first, second = frame_at(text, 0.05), frame_at(text, 0.15)
    assert close(first[90, 160], RED, 8) and close(first[10, 10], RED, 8)
    assert close(second[90, 160], BLUE, 8) and close(second[170, 310], BLUE, 8)


def test_an_animated_gif_as_an_image_shows_its_first_frame(frame_at, tmp_path):
    write_gif(tmp_path / "anim.gif", 31, 21)
    f = frame_at(one_scene('i = image "anim.gif" at (50%, 50%) size 100% 100%'), 0.5)
    assert close(f[90, 160], RED, 8)
