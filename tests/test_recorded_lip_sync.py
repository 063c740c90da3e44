"""Lip sync on a recorded line (issue 14), checked on decoded video frames.

`luna says "…" recording "lines/star.wav"` takes its phoneme times from forced
alignment of the recording. The recording here is Luna's own voice with a second
of silence spliced between its two sentences, so the test knows where the
speech and the silences are from the samples alone; it then decodes the
rendered MP4 and looks at the pixels of Luna's mouth: open (its dark red inside
shows) while the recording is loud, a closed line in the silences, and open
widest on the open vowels the aligner found.
"""
from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pocketsphinx")

from helpers import decode  # noqa: E402
from storyreel.dsl import CompileOptions, load_scene  # noqa: E402
from storyreel.engine import render_video, speech  # noqa: E402
from storyreel.engine.characters.motion import viseme_for  # noqa: E402
from storyreel.engine.speech.recorded import recorded  # noqa: E402

FIRST, SECOND = "Hello, little star!", "Where did you go tonight?"
LINE = f"{FIRST} {SECOND}"
GAP = 1.0  # seconds of silence spliced between the sentences
LEAD = 0.5  # the line starts this far into the scene
SIZE, FPS = (640, 360), 20
U = SIZE[1] / 1080  # canvas px per character unit
FEET = (0.30 * SIZE[0], 0.92 * SIZE[1])  # `luna … at (30%, 92%)`
MOUTH_RED = (0x9B, 0x2C, 0x4B)  # luna's `mouth`: the inside of an open mouth


def write_wav(path: Path, samples: np.ndarray, rate: int = speech.SAMPLE_RATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def loudness(samples: np.ndarray, t: float, half: float = 0.03) -> float:
    """RMS of the recording in a window of ±`half` seconds round `t`."""
    rate = speech.SAMPLE_RATE
    a, b = max(int((t - half) * rate), 0), max(int((t + half) * rate), 1)
    window = samples[a:b]
    return float(np.sqrt(np.mean(window ** 2))) if window.size else 0.0


def open_pixels(frame: np.ndarray) -> int:
    """Pixels of the mouth's dark red inside, in the box where Luna's open mouth is drawn."""
    fx, fy = FEET
    rows = slice(int(fy - 246 * U), math.ceil(fy - 215 * U))
    cols = slice(int(fx - 22 * U), math.ceil(fx + 22 * U))
    region = frame[rows, cols, :3].astype(np.int16)
    return int((np.abs(region - np.array(MOUTH_RED)).max(axis=-1) <= 40).sum())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """(recording samples, aligned Speech, decoded video) for Luna saying LINE from a recording."""
    project = tmp_path_factory.mktemp("lipsync")
    one, two = (speech.synthesize(s, voice="luna").samples for s in (FIRST, SECOND))
    samples = np.concatenate([one, np.zeros(int(GAP * speech.SAMPLE_RATE), np.float32), two])
    # 16-bit PCM, as the file holds it (what the video's audio is made from).
    samples = np.round(np.clip(samples, -1, 1) * 32767) / 32767
    wav = write_wav(project / "lines" / "star.wav", samples)
    scene = project / "lip.scene"
    scene.write_text(
        'video "lip sync" {\n    music off\n}\n'
        "cast {\n    luna = character luna at (30%, 92%)\n}\n"
        "scene a {\n    background solid #EAF4F4\n    wait 0.5s\n"
        f'    luna says "{LINE}" recording "lines/star.wav"\n    wait 1s\n}}\n', encoding="utf-8")
    timeline = load_scene(scene, None, CompileOptions(size=SIZE, fps=FPS)).timeline
    out = project / "lip.mp4"
    render_video(timeline, out, quality="draft")
    return samples.astype(np.float32), recorded(wav, LINE), decode(out)


def test_the_mouth_opens_with_the_recordings_loudness_and_closes_in_its_silences(rendered):
    samples, rec, video = rendered
    duration = samples.size / speech.SAMPLE_RATE
    assert rec.duration == pytest.approx(duration, abs=1e-3)
    times = [i / FPS for i in range(math.ceil(duration * FPS))]  # recording time of each frame
    level = {t: loudness(samples, t) for t in times}
    opened = {t: open_pixels(video.at(LEAD + t)) for t in times}
    loud = [t for t in times if level[t] > 0.02]
    # Silent: the spliced gap between the sentences and the quiet before the line
    # (0.15 s margins: the mouth eases shut and opens a little before the sound).
    gap_start = (speech.synthesize(FIRST, voice="luna").samples.size / speech.SAMPLE_RATE)
    silent = [t for t in times if gap_start + 0.15 <= t <= gap_start + GAP - 0.15]
    assert len(loud) >= 20 and len(silent) >= 10, (len(loud), len(silent))
    assert all(level[t] < 1e-3 for t in silent)
    assert all(opened[t] == 0 for t in silent), [(t, opened[t]) for t in silent if opened[t]]
    before = [video.at(t) for t in (0.1, 0.2, 0.3)]
    assert all(open_pixels(f) == 0 for f in before)
    after = [LEAD + duration + 0.3 + i / FPS for i in range(8)]
    assert all(open_pixels(video.at(t)) == 0 for t in after)
    # Loud: the mouth is open in most frames (closed on a b, m or p, or between syllables).
    open_when_loud = sum(opened[t] >= 6 for t in loud) / len(loud)
    assert open_when_loud >= 0.5, (open_when_loud, [(t, round(level[t], 3), opened[t]) for t in loud])
    # And the two follow each other: the mouth's opening goes with the sound's level
    # in decibels (measured 0.58; a mouth driven by other times would be near 0).
    db = np.log10(np.array([level[t] for t in times]) + 1e-3)
    assert float(np.corrcoef(db, [opened[t] for t in times])[0, 1]) >= 0.45


def test_the_mouth_is_open_on_the_aligned_open_vowels(rendered):
    """At the middle of each long open vowel the aligner placed (the o of "go",
    the a of "star"), the decoded frame shows the open mouth."""
    samples, rec, video = rendered
    vowels = [p for p in rec.phonemes if viseme_for(p.phoneme) in ("A", "O") and p.end - p.start >= 0.08]
    assert len(vowels) >= 3, rec.phonemes
    for p in vowels:
        t = (p.start + p.end) / 2
        frame = video.at(LEAD + t)
        assert open_pixels(frame) >= 6, (p, open_pixels(frame))
