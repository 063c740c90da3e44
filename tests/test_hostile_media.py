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
from storyreel.engine.raster.assets import MAX_IMAGE_PIXELS, AssetError, load_image

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


# -- audio: header limits, truncated and damaged files ---------------------------------------


def wav_bytes(rate: int = 48000, channels: int = 2, frames: int = 48000, declared: int | None = None) -> bytes:
    """16-bit PCM; `declared` overrides the data chunk's size in the header."""
    pcm = (np.sin(np.arange(frames * channels) / 10) * 10000).astype("<i2").tobytes()
    block = 2 * channels
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, 16)
    size = len(pcm) if declared is None else declared
    return (b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + size) + b"WAVE" + b"fmt " + struct.pack("<I", len(fmt))
            + fmt + b"data" + struct.pack("<I", size) + pcm)


def write_mp3(path: Path, seconds: float = 2.0, rate: int = 44100) -> None:
    """A LAME MP3 (with its Xing/Info frame, which states the frame count)."""
    t = np.arange(int(rate * seconds)) / rate
    tone = (np.sin(2 * np.pi * 440 * t) * 0.3).astype(np.float32)
    samples = np.stack([tone, tone])
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libmp3lame", rate=rate)
        stream.layout = "stereo"
        for i in range(0, samples.shape[1], 1152):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, i:i + 1152]), format="fltp",
                                               layout="stereo")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def sound_error(tmp_path: Path, name: str, data: bytes, statement: str = 'sound "{}"') -> SceneError:
    (tmp_path / name).write_bytes(data)
    err = compile_error(tmp_path, one_scene(statement.format(name)))
    assert name in err.message and err.span.line == 7, err.message
    return err


@pytest.mark.parametrize("rate", [1, 7999, 192001, 4_000_000])
def test_a_wav_with_an_impossible_sample_rate_is_refused_before_decoding(tmp_path, rate):
    # 48000 frames at 1 Hz would be 13 hours, 20 GB once resampled to 48 kHz.
    err = sound_error(tmp_path, "odd.wav", wav_bytes(rate=rate, frames=48000))
    assert f"{rate} Hz" in err.message and "8 to 192 kHz" in err.hint


@pytest.mark.parametrize("rate", [8000, 192000])
def test_sample_rates_at_the_limits_are_accepted(tmp_path, rate):
    from storyreel.engine.audio import decode_audio

    (tmp_path / "ok.wav").write_bytes(wav_bytes(rate=rate, frames=rate // 10))
    assert decode_audio(tmp_path / "ok.wav").shape == (2, 4800)


def test_a_wav_with_too_many_channels_is_refused(tmp_path):
    err = sound_error(tmp_path, "many.wav", wav_bytes(channels=200, frames=100), 'music "{}"')
    assert "200 channels" in err.message


def test_a_truncated_wav_is_an_error(tmp_path):
    data = wav_bytes()
    err = sound_error(tmp_path, "cut.wav", data[: len(data) // 4])
    assert "truncated" in err.message


def test_a_wav_a_few_bytes_short_is_still_played(tmp_path):
    from storyreel.engine.audio import decode_audio

    data = wav_bytes()
    (tmp_path / "near.wav").write_bytes(data[:-40])
    assert abs(decode_audio(tmp_path / "near.wav").shape[1] - 48000) <= 20


def test_a_wav_with_an_unknown_codec_is_an_error(tmp_path):
    data = bytearray(wav_bytes())
    data[20:22] = b"\x99\x00"  # format tag 0x99: no such codec
    err = sound_error(tmp_path, "codec.wav", bytes(data))
    assert "codec" in err.message


def test_a_truncated_mp3_is_an_error(tmp_path):
    write_mp3(tmp_path / "whole.mp3")
    data = (tmp_path / "whole.mp3").read_bytes()
    err = sound_error(tmp_path, "half.mp3", data[: len(data) // 2], 'music "{}"')
    assert "truncated" in err.message and "2.00s" in err.message


def test_a_damaged_mp3_is_an_error(tmp_path):
    write_mp3(tmp_path / "whole.mp3")
    data = bytearray((tmp_path / "whole.mp3").read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 2000):
        data[i] ^= 0x5A
    err = sound_error(tmp_path, "bad.mp3", bytes(data))
    assert "bad.mp3" in err.message


def test_a_whole_mp3_and_wav_still_decode(tmp_path):
    from storyreel.engine.audio import decode_audio

    write_mp3(tmp_path / "whole.mp3")
    (tmp_path / "whole.wav").write_bytes(wav_bytes())
    assert abs(decode_audio(tmp_path / "whole.mp3").shape[1] - 96000) < 100
    assert decode_audio(tmp_path / "whole.wav").shape[1] == 48000
    # A trimmed read stops early: that is not truncation.
    assert decode_audio(tmp_path / "whole.mp3", 0.0, 0.5).shape[1] == 24000


# -- the segment cache: an entry filed under another key ---------------------------------------


CACHE_SCENES = """\
video "cache" {
    size 160x90
    fps 15
}

scene red (1s) {
    background solid #FF0000
}

scene green (1s) {
    background solid #00FF00
}

scene blue (1s) {
    background solid #0000FF
}
"""


def test_a_cache_entry_copied_under_another_key_is_not_trusted(tmp_path):
    from helpers import decode
    from storyreel.engine import render_video
    from storyreel.engine.encode.segment_cache import SegmentCache

    path = tmp_path / "c.scene"
    path.write_text(CACHE_SCENES, encoding="utf-8")

    def timeline():
        return load_scene(path, None, CompileOptions(size=(160, 90), fps=15)).timeline

    folder = tmp_path / "cache"
    render_video(timeline(), tmp_path / "first.mp4", quality="draft", cache=SegmentCache(folder))
    entries = sorted(folder.glob("*.mp4"), key=lambda p: p.stat().st_mtime_ns)
    assert len(entries) >= 2
    # Both files of one entry (its video and its own, valid, metadata) copied over another's.
    source, victim = entries[0].stem, entries[-1].stem
    for suffix in (".mp4", ".json"):
        (folder / f"{victim}{suffix}").write_bytes((folder / f"{source}{suffix}").read_bytes())

    cache = SegmentCache(folder)
    render_video(timeline(), tmp_path / "again.mp4", quality="draft", cache=cache)
    assert cache.stats.corrupt == 1 and cache.stats.misses == 1, cache.stats
    render_video(timeline(), tmp_path / "fresh.mp4", quality="draft")
    again, fresh = decode(tmp_path / "again.mp4").frames, decode(tmp_path / "fresh.mp4").frames
    assert len(again) == len(fresh) == 45
    for i, (a, b) in enumerate(zip(again, fresh)):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 2, f"frame {i} differs from a fresh render"
    # The misfiled entry was replaced by a good one.
    cache = SegmentCache(folder)
    render_video(timeline(), tmp_path / "third.mp4", quality="draft", cache=cache)
    assert cache.stats.corrupt == 0 and cache.stats.misses == 0


# -- the preview server: who may change its state, and how many may connect --------------------


@pytest.fixture
def preview(tmp_path):
    from storyreel.preview import PreviewServer

    path = tmp_path / "p.scene"
    path.write_text('video "p" {\n    size 160x90\n    fps 15\n}\n\nscene a {\n    background solid #FF0000\n'
                    "    wait 2s\n}\n", encoding="utf-8")
    server = PreviewServer(path, port=0, cache_dir=tmp_path / "cache").start()
    yield server
    server.close()


def request(server, method: str, path: str, headers: dict | None = None) -> int:
    from http.client import HTTPConnection

    host, port = server.httpd.server_address[:2]
    conn = HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def own_origin(server) -> str:
    return server.url.rstrip("/")


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "http://localhost:1"},  # another local web app: same site, not the same origin
    {"Origin": "null"},  # a sandboxed frame or a file:// page
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Host": "evil.example"},  # DNS rebinding
])
def test_a_foreign_page_cannot_move_the_playhead(preview, headers):
    before = preview.playhead
    assert request(preview, "POST", "/playhead?t=1.5", headers) == 403
    assert preview.playhead == before


def test_the_page_itself_and_plain_clients_may_move_the_playhead(preview):
    assert request(preview, "POST", "/playhead?t=1.5",
                   {"Origin": own_origin(preview), "Sec-Fetch-Site": "same-origin"}) == 200
    assert preview.playhead == 1.5
    port = preview.httpd.server_address[1]
    assert request(preview, "POST", "/playhead?t=0.5",
                   {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"}) == 200
    assert preview.playhead == 0.5
    assert request(preview, "POST", "/playhead?t=1.0") == 200  # curl: no Origin, no Sec-Fetch-Site
    assert preview.playhead == 1.0


def test_a_foreign_page_cannot_draw_frames(preview):
    # /frame moves the playhead and renders: an <img> on another site must not do that.
    assert request(preview, "GET", "/frame?t=1.5", {"Sec-Fetch-Site": "cross-site"}) == 403
    assert preview.playhead == 0.0
    assert request(preview, "GET", "/frame?t=1.5", {"Sec-Fetch-Site": "same-origin"}) == 200
    assert preview.playhead == 1.5
    # Reading the page or the state stays open (a link from elsewhere opens the preview).
    assert request(preview, "GET", "/", {"Sec-Fetch-Site": "cross-site"}) == 200


def test_many_clients_connect_at_once(preview):
    import socket
    import time

    assert preview.httpd.request_queue_size >= 128
    host, port = preview.httpd.server_address[:2]
    began = time.monotonic()
    clients = []
    try:
        # Faster than the server accepts them: with a backlog of 5 the 7th connection waited
        # out a SYN retry (1 s, then 3 s, …); 200 took 27 s. 100 stay inside a normal
        # backlog, so a server slow to accept on a busy machine cannot make them wait.
        for _ in range(100):
            clients.append(socket.create_connection((host, port), timeout=10))
        elapsed = time.monotonic() - began
    finally:
        for client in clients:
            client.close()
    assert elapsed < 3.0, f"100 connections took {elapsed:.1f}s"
    assert request(preview, "GET", "/state") == 200


def test_an_svg_that_says_it_is_huge_is_rasterised_at_a_bounded_size(frame_at, tmp_path, monkeypatch):
    from storyreel.engine.raster import assets
    from storyreel.engine.raster.painters import MAX_SVG_RASTER

    sizes = []
    render_svg = assets.render_svg

    def recording(path, width, height):
        sizes.append((width, height))
        return render_svg(path, width, height)

    monkeypatch.setattr(assets, "render_svg", recording)
    # 60000 design px is 10000 canvas px at 320x180: 400 MB of pixels, nearly all off the frame.
    (tmp_path / "huge.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="60000" height="60000">'
                                       '<rect width="30000" height="30000" fill="#FF0000"/></svg>', encoding="utf-8")
    f = frame_at(one_scene('s = svg "huge.svg" at (50%, 50%)'), 0.5)
    assert close(f[40, 40], RED, 2) and close(f[150, 250], WHITE, 2)
    assert sizes and all(w * h <= MAX_SVG_RASTER for w, h in sizes), sizes
