"""Output formats: every format renders examples/formats/*.scene and decodes back
(pixels at known places, the sound's level, alpha at a transparent corner); the
format comes from the extension or --format; same input, same bytes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from helpers import close
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_video
from storyreel.engine.raster.clips import _decode_with_alpha
from storyreel.engine.encode.formats import FORMATS, FormatError, check_platform_format, format_for, render_output
from storyreel.engine.publish.platforms import get_platform

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "formats"
RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 255, 0)


def timeline(name: str):
    return load_scene(EXAMPLES / name, None, CompileOptions(size=(320, 180))).timeline


def video_frames(path: Path) -> list[np.ndarray]:
    """RGBA frames (a WebM's alpha through libvpx, as clips read it)."""
    if path.is_dir():
        files = sorted(path.glob("*.png"))
        assert files, f"no frames in {path}"
        return [next(av.open(str(f)).decode(video=0)).to_ndarray(format="rgba") for f in files]
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgba") for f in _decode_with_alpha(container, container.streams.video[0])]


def audio_peak(path: Path) -> tuple[str, float, float]:
    """(codec, seconds, peak level) of the first audio stream."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = []
        for frame in container.decode(stream):
            data = frame.to_ndarray().astype(np.float64)
            if frame.format.name.startswith("s16"):
                data /= 32768.0
            chunks.append(data.reshape(-1))
        samples = np.concatenate(chunks)
        return stream.codec_context.name, samples.size / 2 / stream.codec_context.sample_rate, float(np.abs(samples).max())


VIDEO_FORMATS = [("webm", "out.webm", "vp9"), ("mov", "out.mov", "prores"), ("gif", "out.gif", "gif"),
                 ("png", "frames/", None), ("hevc", "out.mp4", "hevc"), ("mp4", "out.mp4", "h264")]


@pytest.mark.parametrize("name, output, codec", VIDEO_FORMATS, ids=[f[0] for f in VIDEO_FORMATS])
def test_every_video_format_decodes_back_with_its_pixels_and_sound(tmp_path, name, output, codec):
    out = tmp_path / output
    n = render_output(timeline("opaque.scene"), str(out) + ("/" if output.endswith("/") else ""), FORMATS[name],
                      quality="draft")
    assert n == 10
    frames = video_frames(out)
    assert len(frames) == 10
    tol = 24 if name in ("hevc", "mp4") else 10  # x264 and x265 ultrafast at draft quality
    for frame in (frames[0], frames[9]):
        assert frame.shape[:2] == (180, 320)
        assert close(frame[90, 240], RED, tol) and close(frame[90, 40], BLUE, tol), (frame[90, 240], frame[90, 40])
        assert frame[5, 5, 3] == 255  # opaque
    if codec is not None:
        with av.open(str(out)) as container:
            assert container.streams.video[0].codec_context.name == codec
    if FORMATS[name].audio:
        audio_codec, seconds, peak = audio_peak(out)
        assert audio_codec == {"webm": "opus", "mov": "pcm_s16le"}.get(name, "aac")
        assert abs(seconds - 1.0) < 0.05 and peak > 0.1, (seconds, peak)


@pytest.mark.parametrize("name, output", [("wav", "out.wav"), ("m4a", "out.m4a")])
def test_audio_only_formats_hold_the_mix_and_no_picture(tmp_path, name, output):
    out = tmp_path / output
    render_output(timeline("opaque.scene"), out, format_for(out))
    with av.open(str(out)) as container:
        assert not container.streams.video
    codec, seconds, peak = audio_peak(out)
    assert codec == ("pcm_s16le" if name == "wav" else "aac")
    assert abs(seconds - 1.0) < 0.05 and peak > 0.1


ALPHA_FORMATS = [("webm", "a.webm", 12), ("mov", "a.mov", 4), ("png", "a/", 1), ("gif", "a.gif", None)]


@pytest.mark.parametrize("name, output, tol", ALPHA_FORMATS, ids=[f[0] for f in ALPHA_FORMATS])
def test_a_transparent_canvas_gives_an_alpha_video(tmp_path, name, output, tol):
    out = tmp_path / output
    render_output(timeline("transparent.scene"), str(out) + ("/" if output.endswith("/") else ""), FORMATS[name],
                  quality="draft")
    frame = video_frames(out)[5]
    assert frame[5, 5, 3] == 0 and frame[170, 310, 3] == 0  # the transparent corners
    assert frame[90, 80, 3] == 255 and close(frame[90, 80], GREEN, 12), frame[90, 80]
    assert close(frame[90, 240], RED, 4)  # straight colour, not darkened by premultiplication
    if tol is None:  # GIF: one bit of alpha (threshold 128)
        assert frame[90, 240, 3] == 255
    else:
        assert abs(int(frame[90, 240, 3]) - 128) <= tol, frame[90, 240]


def test_mp4_through_render_output_is_byte_identical_to_render_video(tmp_path):
    tl = timeline("opaque.scene")
    render_video(tl, tmp_path / "a.mp4", quality="draft")
    render_output(tl, tmp_path / "b.mp4", quality="draft")
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


@pytest.mark.parametrize("output", ["x.webm", "x.mov", "x.gif", "x.m4a", "x.wav", "h.mp4"])
def test_same_input_same_bytes(tmp_path, output):
    tl = timeline("transparent.scene" if output not in ("x.m4a", "h.mp4") else "opaque.scene")
    fmt = FORMATS["hevc"] if output == "h.mp4" else None
    render_output(tl, tmp_path / "1" / output, fmt, quality="draft")
    render_output(tl, tmp_path / "2" / output, fmt, quality="draft")
    assert (tmp_path / "1" / output).read_bytes() == (tmp_path / "2" / output).read_bytes()


def test_png_pattern_names_the_frames(tmp_path):
    render_output(timeline("opaque.scene"), tmp_path / "seq" / "shot_%03d.png", quality="draft")
    names = sorted(p.name for p in (tmp_path / "seq").iterdir())
    assert names == [f"shot_{i:03d}.png" for i in range(1, 11)]


def test_the_format_comes_from_the_extension_or_is_a_clear_error():
    assert format_for("a.webm").name == "webm" and format_for("a.MOV").name == "mov"
    assert format_for("frames/").name == "png" and format_for("f/frame_%04d.png").name == "png"
    assert format_for("a.mp4", "hevc").name == "hevc"
    with pytest.raises(FormatError, match="not an output format"):
        format_for("a.avi")
    with pytest.raises(FormatError, match="names one picture"):
        format_for("a.png")
    with pytest.raises(FormatError, match="ends in .mp4"):
        format_for("a.mp4", "webm")
    with pytest.raises(FormatError, match="unknown format"):
        format_for("a.mp4", "flv")
    with pytest.raises(FormatError, match="YouTube takes an H.264 MP4"):
        check_platform_format(get_platform("youtube"), FORMATS["webm"])
    check_platform_format(get_platform("youtube"), FORMATS["mp4"])


def run_render(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "storyreel", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_the_command_writes_a_format_and_refuses_misused_options(tmp_path):
    scene = str(EXAMPLES / "opaque.scene")
    done = run_render(scene, "-o", str(tmp_path / "o.webm"), "--size", "320x180", "-q", "--quality", "draft",
                      cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert close(video_frames(tmp_path / "o.webm")[3][90, 240], RED, 10)
    bad = run_render(scene, "-o", str(tmp_path / "o.webm"), "--platform", "youtube", cwd=tmp_path)
    assert bad.returncode == 2 and "takes an H.264 MP4" in bad.stderr and "Traceback" not in bad.stderr
    bad = run_render(scene, "-o", str(tmp_path / "o.avi"), cwd=tmp_path)
    assert bad.returncode == 2 and "not an output format" in bad.stderr
    assert not (tmp_path / "o.avi").exists()


def tone_scene(tmp_path: Path) -> Path:
    """A 2 s scene playing a 2 s 440 Hz tone (a WAV made here)."""
    t = np.arange(96_000) / 48_000
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    with av.open(str(tmp_path / "tone.wav"), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=48_000, layout="mono")
        frame = av.AudioFrame.from_ndarray((tone * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 48_000
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    scene = tmp_path / "tone.scene"
    scene.write_text('video "tone" {\n    fps 10\n    size 160x90\n}\n\nscene a {\n    sound "tone.wav"\n    wait 2s\n}\n')
    return scene


def decoded_lufs(path: Path) -> float:
    from storyreel.engine.audio import measure_lufs

    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48_000)
    with av.open(str(path)) as container:
        parts = [out.to_ndarray() for f in container.decode(audio=0) for out in resampler.resample(f)]
    return measure_lufs(np.concatenate(parts, axis=1).astype(np.float32))[0]


def test_loudness_target_is_measured_back_on_the_decoded_audio(tmp_path):
    from dataclasses import replace

    tl = load_scene(tone_scene(tmp_path), None, CompileOptions()).timeline
    render_output(tl, tmp_path / "default.m4a")
    render_output(replace(tl, loudness=-16.0), tmp_path / "quiet.m4a")
    render_output(replace(tl, loudness=-20.0), tmp_path / "quieter.mp4", quality="draft")
    assert abs(decoded_lufs(tmp_path / "default.m4a") - -14.0) < 0.7
    assert abs(decoded_lufs(tmp_path / "quiet.m4a") - -16.0) < 0.7
    assert abs(decoded_lufs(tmp_path / "quieter.mp4") - -20.0) < 0.7


def test_the_command_takes_loudness_and_refuses_a_platforms_other_target(tmp_path):
    scene = tone_scene(tmp_path)
    done = run_render(str(scene), "-o", str(tmp_path / "t.wav"), "--loudness", "-18", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert abs(decoded_lufs(tmp_path / "t.wav") - -18.0) < 0.7
    bad = run_render(str(scene), "--loudness", "-16", "--platform", "youtube", cwd=tmp_path)
    assert bad.returncode == 2 and "expects -14 LUFS" in bad.stderr
    bad = run_render(str(scene), "--loudness", "3", cwd=tmp_path)
    assert bad.returncode == 2 and "outside -40 to -5" in bad.stderr


def test_caption_files_are_written_beside_a_webm(tmp_path):
    scene = tmp_path / "say.scene"
    scene.write_text('video "say" {\n    size 160x90\n    fps 10\n    captions on\n}\n\n'
                     'scene a {\n    narrator says "Hello there"\n}\n')
    render_output(load_scene(scene, None, CompileOptions()).timeline, tmp_path / "say.webm", quality="draft")
    assert "Hello there" in (tmp_path / "say.srt").read_text() and (tmp_path / "say.vtt").exists()


def test_check_video_measures_a_webm_soundtrack_and_finds_it_in_sync(tmp_path):
    from storyreel.engine.publish.quality import check_video

    render_output(load_scene(tone_scene(tmp_path), None, CompileOptions()).timeline, tmp_path / "t.webm",
                  quality="draft")
    report = check_video(tmp_path / "t.webm")
    assert abs(report.info.audio.duration - 2.0) < 0.05
    sync = next(c for c in report.checks if c.name == "sync")
    assert sync.status == "pass", sync


def test_a_failed_png_sequence_leaves_nothing_behind(tmp_path, monkeypatch):
    from storyreel.engine.encode import formats

    def broken(self, bgra):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(formats.PngWriter, "_write", broken)
    with pytest.raises(OSError):
        render_output(timeline("opaque.scene"), str(tmp_path / "frames") + "/", quality="draft")
    assert list((tmp_path / "frames").iterdir()) == []


# -- --workers and --cache for other formats ---------------------------------------------------

CHUNKED_FORMATS = [("webm", "c.webm", 12), ("mov", "c.mov", 2), ("hevc", "c.mp4", 24)]


@pytest.mark.parametrize("name, output, tol", CHUNKED_FORMATS, ids=[f[0] for f in CHUNKED_FORMATS])
def test_a_chunked_render_of_another_format_decodes_like_one_pass(tmp_path, name, output, tol):
    """chunked.scene is three chunks (two scenes and their transition): two workers
    render them, the joined file decodes to the one-pass render's frames (each chunk's
    encoder starts afresh, so within the codec's loss), with its alpha and sound; a
    cached one-worker render of the same chunks is the same bytes."""
    tl = timeline("chunked.scene")
    fmt = FORMATS[name]
    one, two, cached = (tmp_path / d / output for d in ("one", "two", "cached"))
    render_output(tl, one, fmt, quality="draft")
    assert render_output(tl, two, fmt, quality="draft", workers=2) == tl.frame_count == 22
    a, b = np.stack(video_frames(one)), np.stack(video_frames(two))
    assert a.shape == b.shape == (22, 180, 320, 4)
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16))
    assert diff.mean() < 1.0 and np.percentile(diff, 99.9) <= tol, (diff.mean(), np.percentile(diff, 99.9))
    assert close(b[2, 90, 300], BLUE, tol) and b[2, 5, 5, 3] == 255  # scene one: opaque blue
    assert close(b[21, 90, 160], (255, 217, 61), tol)  # scene two: the star, on
    corner = b[21, 5, 5, 3]  # a transparent canvas where the format has alpha
    assert corner == 255 if name == "hevc" else corner <= 2, corner
    codec, seconds, peak = audio_peak(two)
    assert abs(seconds - 2.2) < 0.05 and peak > 0.1, (codec, seconds, peak)
    render_output(tl, cached, fmt, quality="draft", cache=tmp_path / "cache")
    assert cached.read_bytes() == two.read_bytes()


@pytest.mark.parametrize("output", ["x.gif", "frames/", "x.wav"])
def test_formats_written_in_one_pass_refuse_workers_with_the_reason(tmp_path, output):
    with pytest.raises(FormatError, match="is written in one pass") as err:
        render_output(timeline("chunked.scene"), tmp_path / output, format_for(str(tmp_path / output)), workers=2)
    assert "leave --workers and --cache out" in err.value.hint


def test_the_command_chunks_a_webm_with_workers_and_a_cache_and_refuses_them_for_a_gif(tmp_path):
    scene = str(EXAMPLES / "chunked.scene")
    args = ("--size", "320x180", "--quality", "draft", "--workers", "2", "--cache", str(tmp_path / "cache"))
    done = run_render(scene, "-o", str(tmp_path / "c.webm"), *args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "0 chunk(s) reused, 3 rendered" in done.stderr and len(video_frames(tmp_path / "c.webm")) == 22
    bad = run_render(scene, "-o", str(tmp_path / "c.gif"), *args, cwd=tmp_path)
    assert bad.returncode == 2 and "is written in one pass" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "c.gif").exists()
