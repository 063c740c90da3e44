"""Two bugs no other test saw, each tested on real decoded output:

- music from a file ducked under speech, measured on the decoded AAC soundtrack;
- burned captions in the segment cache key: a caption-only edit re-renders
  (a cache miss) and gives exactly the frames of a fresh render.
"""
from __future__ import annotations

import textwrap
import wave
from pathlib import Path

import av
import numpy as np

from helpers import decode
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_video
from storyreel.engine.encode.segment_cache import SegmentCache

RATE = 48_000
DUCK_DB = 10.0  # "Music is lowered by about 10 dB while anyone speaks" (docs/LANGUAGE.md)


def load(path: Path, size=(160, 90)):
    return load_scene(path, None, CompileOptions(size=size)).timeline


def write_tone(path: Path, freq: float, seconds: float, amplitude: float = 0.5) -> Path:
    t = np.arange(int(seconds * RATE)) / RATE
    pcm = (amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return path


def decoded_audio(path: Path) -> tuple[np.ndarray, int]:
    """The soundtrack as mono float (left and right averaged) and its sample rate."""
    with av.open(str(path)) as c:
        rate = c.streams.audio[0].sample_rate
        samples = np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)
    return samples.mean(axis=0), rate


def tone_level(mono: np.ndarray, rate: int, a: float, b: float, freq: float) -> float:
    """The level (dB) of the sine at `freq` in [a, b) seconds: the Hann-windowed FFT's
    peak near `freq`. One second of signal resolves 1 Hz, so speech (spread over
    many frequencies) adds little to this one bin."""
    seg = mono[int(a * rate):int(b * rate)]
    window = np.hanning(len(seg))
    spectrum = np.abs(np.fft.rfft(seg * window))
    freqs = np.fft.rfftfreq(len(seg), 1 / rate)
    k = int(np.argmin(np.abs(freqs - freq)))
    return 20 * np.log10(spectrum[k - 2:k + 3].max() * 2 / window.sum())


# -- file music ducked under speech ---------------------------------------------------------------


def test_music_from_a_file_is_ducked_about_10_db_under_speech_on_the_decoded_audio(tmp_path):
    """A steady 200 Hz tone from a WAV under a narrator's line. The tone's level in a
    second of music alone and in a second while the narrator speaks differ by the
    documented duck (10 dB; 8.5-11.5 allows AAC and the speech's own energy in that bin).
    Without ducking the two are within a dB."""
    write_tone(tmp_path / "song.wav", 200.0, 10.0)
    scene = tmp_path / "duck.scene"
    scene.write_text(textwrap.dedent("""\
        video "Ducked" {
            fps 10
        }

        scene a {
            background solid #334455
            music "song.wav" volume 1
            wait 2s
            narrator says "Hello there, little friend. Shall we sing a song?"
            wait 1s
        }
        """), encoding="utf-8")
    timeline = load(scene)
    (music,) = [c for c in timeline.audio if c.kind == "music"]
    (speech,) = [c for c in timeline.audio if c.kind == "speech"]
    assert music.source.endswith("song.wav") and abs(speech.start - 2.0) < 1e-6
    out = tmp_path / "duck.mp4"
    render_video(timeline, out, quality="draft")
    mono, rate = decoded_audio(out)
    alone = tone_level(mono, rate, 0.5, 1.5, 200.0)  # music only (the duck's attack starts at 1.92 s)
    under = tone_level(mono, rate, speech.start + 0.4, speech.start + 1.4, 200.0)  # the narrator speaking
    drop = alone - under
    assert 8.5 < drop < 11.5, (
        f"the file's music drops {drop:.1f} dB under speech ({alone:.1f} -> {under:.1f} dB); "
        f"it should be ducked by about {DUCK_DB:g} dB")


# -- burned captions in the segment cache key -------------------------------------------------------


CAPTIONED = """\
video "Cached" {{
    fps 10
    captions burned
}}

scene one (1s) {{
    background solid #224466
}}

scene two {{
    background solid #224466
    narrator says "{shown}" pronounced "Hello little star"
    wait 0.5s
}}

scene three (1s) {{
    background solid #446622
}}
"""


def test_a_caption_only_edit_is_a_cache_miss_with_the_frames_of_a_fresh_render(tmp_path):
    """`pronounced` keeps the speech (and so every time and sound) the same while
    the burned caption's text changes: only the key's captions can tell the two
    renders apart. The edited render must miss the cache where the caption shows,
    and its frames must equal a render without the cache."""
    size = (192, 108)
    first = tmp_path / "first.scene"
    first.write_text(CAPTIONED.format(shown="Hello little star"), encoding="utf-8")
    edited = tmp_path / "edited.scene"
    edited.write_text(CAPTIONED.format(shown="Hello LITTLE moon"), encoding="utf-8")
    a, b = load(first, size), load(edited, size)
    assert [c.text for c in a.captions] == ["Hello little star"] and [c.text for c in b.captions] == ["Hello LITTLE moon"]
    assert a.duration == b.duration and [(c.start, c.end) for c in a.captions] == [(c.start, c.end) for c in b.captions]

    folder = tmp_path / "cache"
    cache = SegmentCache(folder)
    render_video(a, tmp_path / "a.mp4", quality="draft", cache=cache)
    chunks = cache.stats.misses
    assert chunks >= 3 and cache.stats.hits == 0

    cache = SegmentCache(folder)
    render_video(b, tmp_path / "b_cached.mp4", quality="draft", cache=cache)
    assert cache.stats.misses >= 1, "a caption-only edit was served from the cache"
    assert cache.stats.hits >= 1, "scenes without the caption should still come from the cache"

    render_video(b, tmp_path / "b_fresh.mp4", quality="draft")
    cached, fresh, old = decode(tmp_path / "b_cached.mp4"), decode(tmp_path / "b_fresh.mp4"), decode(tmp_path / "a.mp4")
    assert len(cached.frames) == len(fresh.frames) == len(old.frames)
    differ = [i for i, (x, y) in enumerate(zip(cached.frames, fresh.frames)) if not np.array_equal(x, y)]
    assert not differ, f"frames {differ[:5]}… of the cached render differ from a fresh render"
    # The caption is on screen: the edit shows in the pictures (else this test proves nothing).
    assert any(not np.array_equal(x, y) for x, y in zip(old.frames, fresh.frames))
