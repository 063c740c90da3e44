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


# -- sounds: from/to trims and fades ---------------------------------------------------------

def write_wav(path: Path, samples: np.ndarray) -> None:
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=48_000, layout="mono")
        frame = av.AudioFrame.from_ndarray((samples * 32767).astype(np.int16).reshape(1, -1), format="s16",
                                           layout="mono")
        frame.sample_rate = 48_000
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def rendered_sound(tmp_path: Path, sound_line: str, seconds: float = 2.0) -> np.ndarray:
    """The soundtrack (mono, 48 kHz) of a scene that plays `sound_line` at its start,
    written as a WAV and decoded; the file is 1 s of silence then 1 s of a 440 Hz tone."""
    from storyreel.dsl import CompileOptions, load_scene
    from storyreel.engine.encode.formats import render_output

    t = np.arange(48_000) / 48_000
    write_wav(tmp_path / "late.wav", np.concatenate([np.zeros(48_000), 0.5 * np.sin(2 * np.pi * 440 * t)]))
    scene = tmp_path / "s.scene"
    scene.write_text(scene_text(f"scene s {{\n    background solid white\n    {sound_line}\n    wait {seconds:g}s\n}}\n",
                                "size 160x90\nfps 10"))
    render_output(load_scene(scene, None, CompileOptions()).timeline, tmp_path / "out.wav")
    with av.open(str(tmp_path / "out.wav")) as container:
        pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    return pcm.reshape(-1, 2).mean(axis=1) / 32768.0


def level(x: np.ndarray, a: float, b: float) -> float:
    return float(np.sqrt(np.mean(x[int(a * 48_000):int(b * 48_000)] ** 2)))


def test_a_trimmed_sound_starts_at_its_from_sample_and_stops_at_its_to(tmp_path):
    x = rendered_sound(tmp_path, 'sound "late.wav" from 1s to 1.5s')
    assert level(x, 0.0, 0.01) > 0.05  # the tone from the first samples: the silence was trimmed off
    assert level(x, 0.05, 0.45) > 0.1
    assert level(x, 0.55, 1.5) < 1e-3  # stopped at `to`


def test_a_sound_fades_in_and_out(tmp_path):
    x = rendered_sound(tmp_path, 'sound "late.wav" from 1s fade in 0.4s fade out 0.4s')
    full = level(x, 0.45, 0.55)
    assert level(x, 0.0, 0.05) < 0.25 * full  # fading in
    assert level(x, 0.95, 1.0) < 0.25 * full  # fading out before the sound's end
    assert level(x, 1.05, 2.0) < 1e-3


def test_a_sound_trimmed_past_its_end_plays_to_the_end_with_a_warning(tmp_path, caplog):
    with caplog.at_level("WARNING"):
        x = rendered_sound(tmp_path, 'sound "late.wav" from 1.5s to 9s')
    assert level(x, 0.05, 0.45) > 0.1 and level(x, 0.55, 1.0) < 1e-3
    assert any("past the end of the sound (2.00s long)" in r.getMessage() and "warning:" in r.getMessage()
               for r in caplog.records)


def test_an_empty_sound_range_is_a_located_error(tmp_path):
    from storyreel.dsl import SceneError

    with pytest.raises(SceneError) as err:
        rendered_sound(tmp_path, 'sound "late.wav" from 1.5s to 1s')
    assert "from 1.5s to 1s" in err.value.location.source_line and "empty" in err.value.message


# -- clip speed ------------------------------------------------------------------------------

def write_clip_with_tone(path: Path, seconds: float = 1.0) -> None:
    """10 fps frames, red on even frames and blue on odd ones, and a 440 Hz tone throughout."""
    with av.open(str(path), "w", format="mov") as container:
        video = container.add_stream("png", rate=10)
        video.width, video.height, video.pix_fmt = 32, 18, "rgb24"
        audio = container.add_stream("pcm_s16le", rate=48_000, layout="mono")
        for i in range(round(seconds * 10)):
            rgb = np.zeros((18, 32, 3), np.uint8)
            rgb[...] = RED if i % 2 == 0 else BLUE
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            container.mux(video.encode(frame))
        t = np.arange(round(seconds * 48_000)) / 48_000
        tone = (0.5 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(tone, format="s16", layout="mono")
        frame.sample_rate, frame.pts = 48_000, 0
        container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
        container.mux(video.encode(None))


def test_clip_speed_plays_the_picture_faster_and_keeps_the_sounds_pitch(frame_at, tmp_path):
    from storyreel.dsl import CompileOptions, load_scene
    from storyreel.engine.encode.formats import render_output

    write_clip_with_tone(tmp_path / "tone.mov")
    assert close(frame_at(clip_scene("tone.mov"), 0.05)[90, 160], RED, 12)
    assert close(frame_at(clip_scene("tone.mov", "speed 2"), 0.05)[90, 160], BLUE, 12)  # source time 0.1 s
    scene = tmp_path / "s.scene"
    scene.write_text(scene_text('scene s {\n    c = video "tone.mov" size 100% 100% speed 2\n    wait 1.5s\n}\n',
                                "size 160x90\nfps 10"))
    render_output(load_scene(scene, None, CompileOptions()).timeline, tmp_path / "out.wav")
    with av.open(str(tmp_path / "out.wav")) as container:
        pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    x = pcm.reshape(-1, 2).mean(axis=1) / 32768.0
    assert level(x, 0.05, 0.4) > 0.05 and level(x, 0.6, 1.4) < 1e-3  # 1 s of sound over in 0.5 s
    part = x[2400:19200]
    peak = np.argmax(np.abs(np.fft.rfft(part))) * 48_000 / part.size
    assert abs(peak - 440) < 10, peak  # the pitch is kept


def test_clip_speed_outside_its_range_is_a_located_error(tmp_path):
    from storyreel.dsl import CompileOptions, SceneError, load_scene

    write_clip_with_tone(tmp_path / "tone.mov")
    scene = tmp_path / "s.scene"
    scene.write_text(scene_text('scene s {\n    c = video "tone.mov" speed 8\n    wait 1s\n}\n'))
    with pytest.raises(SceneError) as err:
        load_scene(scene, None, CompileOptions(size=(160, 90)))
    assert "speed must be between 0.25 and 4" in err.value.message, err.value.message


def test_a_scene_holding_only_a_clip_lasts_as_long_as_the_clip(tmp_path):
    from storyreel.dsl import CompileOptions, load_scene

    write_clip_with_tone(tmp_path / "tone.mov", seconds=1.0)
    scene = tmp_path / "s.scene"
    scene.write_text(scene_text('scene a {\n    c = video "tone.mov" size 100% 100% from 0.2s speed 2\n}\n\n'
                                'scene b {\n    c = video "tone.mov"\n    wait 0.5s\n}\n'))
    tl = load_scene(scene, None, CompileOptions(size=(160, 90))).timeline
    assert abs(tl.duration - (0.4 + 0.5)) < 1e-6, tl.duration  # 0.8 s of file at speed 2, then b's own wait


def test_freeze_holds_one_frame_of_the_clip_and_silences_it(frame_at, tmp_path, compile_scene):
    write_clip_with_tone(tmp_path / "tone.mov")
    text = clip_scene("tone.mov", "freeze 0.1s").replace(" muted", "")
    for t in (0.0, 0.25, 0.9):
        assert close(frame_at(text, t)[90, 160], BLUE, 12)  # frame 1 (odd: blue), whatever the time
    assert not compile_scene(text).audio
    with pytest.raises(Exception, match="freeze 5s is outside the file"):
        compile_scene(clip_scene("tone.mov", "freeze 5s"))


# -- Lottie ----------------------------------------------------------------------------------

def write_lottie(path: Path) -> None:
    """64x48 at 10 fps for 1 s: the left half transparent, the right half a red solid
    for the first 0.5 s and a blue one after."""
    import json

    def solid(color: str, first: int, stop: int) -> dict:
        return {"ddd": 0, "ind": 1, "ty": 1, "sc": color, "sw": 32, "sh": 48, "ip": first, "op": stop, "st": 0,
                "sr": 1, "bm": 0, "ks": {"o": {"a": 0, "k": 100}, "r": {"a": 0, "k": 0}, "p": {"a": 0, "k": [32, 0, 0]},
                                         "a": {"a": 0, "k": [0, 0, 0]}, "s": {"a": 0, "k": [100, 100, 100]}}}
    path.write_text(json.dumps({"v": "5.5.2", "fr": 10, "ip": 0, "op": 10, "w": 64, "h": 48, "nm": "t", "ddd": 0,
                                "assets": [], "layers": [solid("#ff0000", 0, 5), solid("#0000ff", 5, 10)]}))


@pytest.mark.parametrize("keyword", ["video", "lottie"])
def test_a_lottie_animation_plays_as_a_clip(frame_at, tmp_path, keyword):
    pytest.importorskip("rlottie_python", reason="the optional lottie extra (rlottie-python) is not installed")
    write_lottie(tmp_path / "anim.json")
    text = clip_scene("anim.json") if keyword == "video" else lottie_scene("anim.json")
    early, late = frame_at(text, 0.1), frame_at(text, 0.7)
    assert close(early[90, 40], GREEN, 10)  # transparent: the background shows
    assert close(early[90, 240], RED, 10) and close(late[90, 240], BLUE, 10), (early[90, 240], late[90, 240])


def test_a_file_that_is_not_lottie_is_a_located_error(tmp_path, compile_scene):
    pytest.importorskip("rlottie_python", reason="the optional lottie extra (rlottie-python) is not installed")
    from storyreel.dsl import SceneError

    (tmp_path / "bad.json").write_text('{"hello": 1}')
    with pytest.raises(SceneError) as err:
        compile_scene(clip_scene("bad.json"))
    assert "not a Lottie animation" in err.value.message and "bad.json" in err.value.location.source_line


def lottie_scene(name: str, extra: str = "") -> str:
    return clip_scene(name).replace(f'video "{name}"', f'lottie "{name}"').replace(" muted", f" {extra}")


def test_the_lottie_keyword_takes_a_clips_from_and_freeze(frame_at, tmp_path):
    pytest.importorskip("rlottie_python", reason="the optional lottie extra (rlottie-python) is not installed")
    write_lottie(tmp_path / "anim.json")
    # from 0.5s starts on the blue half; freeze 0.1s holds the red frame all along.
    assert close(frame_at(lottie_scene("anim.json", "from 0.5s"), 0.1)[90, 240], BLUE, 10)
    assert close(frame_at(lottie_scene("anim.json", "freeze 0.1s"), 0.8)[90, 240], RED, 10)


def test_the_lottie_keyword_refuses_another_file_and_sound_options(tmp_path, compile_scene):
    pytest.importorskip("rlottie_python", reason="the optional lottie extra (rlottie-python) is not installed")
    from storyreel.dsl import SceneError

    write_alpha_clip(tmp_path / "clip.webm", "libvpx-vp9", "yuva420p", options={"auto-alt-ref": "0"})
    with pytest.raises(SceneError) as err:
        compile_scene(lottie_scene("clip.webm"))
    assert "not a Lottie animation (.json)" in err.value.message and 'video "clip.webm"' in err.value.hint
    write_lottie(tmp_path / "anim.json")
    with pytest.raises(SceneError, match="unknown property 'muted' for lottie"):
        compile_scene(lottie_scene("anim.json", "muted"))


def test_lottie_without_the_extra_is_a_located_error_naming_the_pip_command(tmp_path, compile_scene, monkeypatch):
    from storyreel.dsl import SceneError
    from storyreel.engine.raster import clips

    write_lottie(tmp_path / "anim.json")
    monkeypatch.setitem(__import__("sys").modules, "rlottie_python", None)  # as if not installed
    clips.reader.cache_clear()
    with pytest.raises(SceneError) as err:
        compile_scene(lottie_scene("anim.json"))
    clips.reader.cache_clear()
    assert "needs rlottie-python" in err.value.message and "pip install 'storyreel[lottie]'" in err.value.hint
    assert 'lottie "anim.json"' in err.value.location.source_line
