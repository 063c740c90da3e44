"""The `video` clip element's trim (`from`/`to`), `loop`, `fit`, `muted` and
`volume`, each checked on the decoded output of a real render.

The clip is made here with PyAV: 4 s at 10 fps, 64x16 (4:1), a different colour
each second with a black stripe down its left eighth, and a different tone each
second (300, 500, 700, 900 Hz), so a decoded frame and a second of decoded sound
say which second of the clip is playing.
"""
from __future__ import annotations

import textwrap
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from helpers import close, decode
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_video

RATE = 48_000
COLOURS = [(220, 40, 40), (40, 200, 40), (40, 40, 220), (220, 220, 40)]  # seconds 0, 1, 2, 3
TONES = [300.0, 500.0, 700.0, 900.0]
BACKGROUND = (128, 128, 128)
CW, CH = 64, 16  # the clip: 4:1
W, H = 160, 90  # the video: 16:9
BED = 150.0  # the reference music's tone (volume test)


def make_clip(path: Path) -> Path:
    with av.open(str(path), "w") as c:
        video = c.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = CW, CH, "yuv420p"
        video.options = {"crf": "10"}
        audio = c.add_stream("aac", rate=RATE, layout="stereo")
        for i in range(40):
            rgb = np.empty((CH, CW, 3), np.uint8)
            rgb[:] = COLOURS[i // 10]
            rgb[:, :CW // 8] = 0  # the stripe
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            c.mux(video.encode(frame))
        c.mux(video.encode(None))
        t = np.arange(4 * RATE) / RATE
        freq = np.asarray(TONES)[(t // 1).astype(int)]
        phase = 2 * np.pi * np.cumsum(freq) / RATE
        tone = (0.3 * np.sin(phase)).astype(np.float32)
        for k in range(0, len(tone), 1024):
            chunk = tone[k:k + 1024]
            frame = av.AudioFrame.from_ndarray(np.stack([chunk, chunk]), format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = RATE, k
            c.mux(audio.encode(frame))
        c.mux(audio.encode(None))
    return path


def write_tone(path: Path, freq: float, seconds: float, amplitude: float = 0.3) -> Path:
    t = np.arange(int(seconds * RATE)) / RATE
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes())
    return path


@pytest.fixture
def render_clip(tmp_path):
    """body (the scene's lines) -> (decoded video, mono soundtrack or None)."""
    make_clip(tmp_path / "clip.mp4")

    def render(body: str, seconds: float, settings: str = "", name: str = "out"):
        scene = tmp_path / f"{name}.scene"
        scene.write_text(f'video "clips" {{\n    fps 10\n{settings}}}\n\nscene a ({seconds:g}s) {{\n'
                         f"    background solid #808080\n{textwrap.indent(textwrap.dedent(body), '    ')}}}\n",
                         encoding="utf-8")
        timeline = load_scene(scene, None, CompileOptions(size=(W, H))).timeline
        out = tmp_path / f"{name}.mp4"
        render_video(timeline, out, quality="draft")
        with av.open(str(out)) as c:
            mono = None
            if c.streams.audio:
                mono = np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1).mean(axis=0)
        return decode(out), mono
    return render


def level(mono: np.ndarray, a: float, b: float, freq: float) -> float:
    """dB of the sine at `freq` in [a, b) s (Hann-windowed FFT peak near it)."""
    seg = mono[int(a * RATE):int(b * RATE)]
    window = np.hanning(len(seg))
    spectrum = np.abs(np.fft.rfft(seg * window))
    k = int(round(freq * len(seg) / RATE))
    return 20 * np.log10(spectrum[k - 2:k + 3].max() * 2 / window.sum() + 1e-12)


def loudest_tone(mono: np.ndarray, a: float, b: float) -> float:
    """Which of the clip's tones is loudest in [a, b), and by at least 20 dB."""
    levels = sorted(((level(mono, a, b, f), f) for f in TONES), reverse=True)
    assert levels[0][0] - levels[1][0] > 20, levels
    return levels[0][1]


def centre(video, t: float):
    return video.at(t)[H // 2, W // 2]


FULL = 'c = video "clip.mp4" at (50%, 50%) size 100% 100% fit stretch'


def test_trim_plays_from_to_and_then_holds_its_last_frame_and_stops_its_sound(render_clip):
    video, mono = render_clip(FULL + " from 1s to 3s\n", 3.0)
    assert close(centre(video, 0.5), COLOURS[1], 30)  # the clip's second 1 plays first
    assert close(centre(video, 1.5), COLOURS[2], 30)
    assert close(centre(video, 2.5), COLOURS[2], 30)  # past `to`: the last frame (from second 2) stays
    assert loudest_tone(mono, 0.2, 0.8) == TONES[1]
    assert loudest_tone(mono, 1.2, 1.8) == TONES[2]
    # After `to` the clip's sound is over: nothing of the 900 Hz of its last second, and silence.
    assert np.sqrt(np.mean(mono[int(2.3 * RATE):int(2.9 * RATE)] ** 2)) < 1e-3


def test_loop_repeats_the_trimmed_range_picture_and_sound(render_clip):
    video, mono = render_clip(FULL + " from 1s to 3s loop\n", 5.0)
    for t, second in [(0.5, 1), (1.5, 2), (2.5, 1), (3.5, 2), (4.5, 1)]:
        assert close(centre(video, t), COLOURS[second], 30), (t, centre(video, t))
    for a, second in [(0.2, 1), (1.2, 2), (2.2, 1), (3.2, 2)]:
        assert loudest_tone(mono, a, a + 0.6) == TONES[second], a


@pytest.mark.parametrize("fit", ["contain", "cover", "stretch"])
def test_fit_contain_cover_stretch(render_clip, fit):
    """A 4:1 clip in a 16:9 box that fills the video. contain: scaled 2.5x to
    160x40, grey bands above and below, the stripe 20 px wide; cover: scaled 5.625x
    to 360x90 and cut to the box, so the stripe (the left 45 px) is cut away;
    stretch: the whole box, the stripe 20 px wide."""
    video, _ = render_clip(f'c = video "clip.mp4" at (50%, 50%) size 100% 100% fit {fit}\n', 1.0)
    frame = video.at(0.5)
    red, black = COLOURS[0], (0, 0, 0)
    top, middle = frame[8, W // 2], frame[H // 2, W // 2]
    assert close(middle, red, 30), middle
    left = frame[H // 2, 6]
    stripe = int(np.sum(np.all(frame[H // 2, :60] < 60, axis=-1)))  # dark pixels along the middle row
    if fit == "contain":
        assert close(top, BACKGROUND, 20), top
        assert close(frame[H // 2 - 16, W // 2], red, 30) and close(frame[H // 2 - 24, W // 2], BACKGROUND, 20)
        assert close(left, black, 40) and 17 <= stripe <= 23, stripe
    elif fit == "cover":
        assert close(top, red, 30), top
        assert close(left, red, 30) and stripe == 0, (left, stripe)
    else:
        assert close(top, red, 30) and close(frame[1, W // 2], red, 40), top
        assert close(left, black, 40) and 17 <= stripe <= 23, stripe


def test_muted_leaves_the_clip_silent_and_unmuted_is_heard(render_clip):
    _, heard = render_clip(FULL + "\n", 1.0, name="heard")
    assert loudest_tone(heard, 0.2, 0.8) == TONES[0]
    video, muted = render_clip(FULL + " muted\n", 1.0, name="muted")
    assert close(centre(video, 0.5), COLOURS[0], 30)  # the picture still plays
    if muted is not None:  # a silent soundtrack, or none at all
        assert np.max(np.abs(muted)) < 1e-3, np.max(np.abs(muted))


def test_volume_scales_the_clips_sound_against_the_music(render_clip, tmp_path):
    """The soundtrack is normalised to -14 LUFS, so a clip's volume shows only against
    another sound: a steady music bed. Clip minus bed, in dB, is 6 dB lower at
    volume 0.5 than at volume 1 (20 log10 0.5 = -6.02)."""
    write_tone(tmp_path / "bed.wav", BED, 6.0)
    music = '    music "bed.wav" volume 0.5\n'
    relative = {}
    for volume in (1.0, 0.5):
        _, mono = render_clip(FULL + f" volume {volume:g}\n", 2.0, settings=music, name=f"v{volume:g}")
        relative[volume] = level(mono, 0.1, 0.9, TONES[0]) - level(mono, 0.1, 0.9, BED)
    drop = relative[1.0] - relative[0.5]
    assert 5.0 < drop < 7.0, (relative, drop)
