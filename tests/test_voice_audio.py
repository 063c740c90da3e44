"""Voices, sounds, music and captions end to end: real .scene files are compiled
(eSpeak NG speaks every line), rendered through libx264 + AAC, and the MP4s are
decoded again with PyAV; the assertions are on the decoded samples, frames and
the caption files written beside the video. Nothing is mocked.

Speech is cached on disk; this module points $STORYREEL_CACHE at a temporary
folder so the tests never write to ~/.cache.
"""
from __future__ import annotations

import math
import textwrap
import wave
from pathlib import Path

import av
import numpy as np
import pysubs2
import pytest
from click.testing import CliRunner

from helpers import decode
from storyreel.cli import main
from storyreel.dsl import load_scene
from storyreel.engine import render_video
from storyreel.engine.audio import Mixer, load_audio, measure_lufs, sound_effect
from storyreel.engine.publish.captions import MAX_CHARS, MAX_LINES
from storyreel.engine.speech import synthesize

RATE = 48_000
SILENT_DB = -50.0
YELLOW = (255, 217, 61)


# ── fixtures and helpers ─────────────────────────────────────────────────────


@pytest.fixture(scope="module", autouse=True)
def speech_cache(tmp_path_factory):
    """One speech cache for the module: lines said twice are synthesised once."""
    with pytest.MonkeyPatch.context() as mp:
        folder = tmp_path_factory.mktemp("speech-cache")
        mp.setenv("STORYREEL_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("voice-audio")


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def render_text(directory: Path, name: str, text: str, **kw):
    """Compile and render `text` as NAME.scene -> NAME.mp4; (timeline, mp4 path)."""
    scene = write(directory, f"{name}.scene", text)
    timeline = load_scene(scene).timeline
    out = directory / f"{name}.mp4"
    render_video(timeline, out, quality="draft", **kw)
    return timeline, out


def decode_audio_track(path: Path) -> np.ndarray:
    """The MP4's first audio stream as (2, n) float32 at 48 kHz, cut to the stream's
    duration (the decoder hands out the encoder's padding in the last AAC frame too)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        length = round(stream.duration * stream.time_base * RATE)
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
        chunks = []
        for i, frame in enumerate(container.decode(stream)):
            if i == 0:
                assert frame.pts == 0, "audio starts with the video"
            chunks.extend(f.to_ndarray() for f in resampler.resample(frame))
        chunks.extend(f.to_ndarray() for f in resampler.resample(None))
    audio = np.concatenate(chunks, axis=1)
    assert audio.shape[1] >= length
    return audio[:, :length]


def audio_info(path: Path) -> tuple[str, int, int]:
    with av.open(str(path)) as container:
        ctx = container.streams.audio[0].codec_context
        return ctx.name, ctx.sample_rate, ctx.channels


def rms_db(x: np.ndarray) -> float:
    return 10 * math.log10(float(np.mean(np.square(x, dtype=np.float64))) + 1e-30)


def peak_db(x: np.ndarray) -> float:
    return 20 * math.log10(float(np.abs(x).max()) + 1e-30)


def span(audio: np.ndarray, a: float, b: float) -> np.ndarray:
    return audio[:, int(round(a * RATE)):int(round(b * RATE))]


def speech_windows(timeline) -> list[tuple[float, float]]:
    """(start, end) of each speech clip on the video's clock: start + the cached WAV's length."""
    return [(clip.start, clip.start + load_audio(clip.source).shape[1] / RATE)
            for clip in timeline.audio if clip.kind == "speech"]


def onset_offset(name: str, fraction: float = 0.1) -> float:
    """Seconds from a built-in effect's first sample to its first one above `fraction` of its peak."""
    x = np.max(np.abs(sound_effect(name)), axis=0)
    return int(np.flatnonzero(x > fraction * x.max())[0]) / RATE


def onsets(audio: np.ndarray, fraction: float = 0.1, apart: float = 1.0) -> list[float]:
    """Times of the first sample above `fraction` of the peak in each burst (bursts `apart` s apart)."""
    env = np.max(np.abs(audio), axis=0)
    loud = np.flatnonzero(env > fraction * env.max())
    if not loud.size:
        return []
    firsts = [loud[0]] + [b for a, b in zip(loud[:-1], loud[1:]) if b - a > apart * RATE]
    return [int(i) / RATE for i in firsts]


def close_to(frame: np.ndarray, colour, tol: int) -> np.ndarray:
    return np.all(np.abs(frame[..., :3].astype(int) - np.array(colour)) <= tol, axis=-1)


# ── shared renders ───────────────────────────────────────────────────────────

DIALOGUE = """
    video "dialogue" {{
        size 160x90
        fps 10
        music nursery seed 3
        captions {captions}
    }}

    scene talk {{
        background solid black
    {music}
        wait 0.5s
        narrator says "Hello there."
        wait 1s
        luna says "Good morning!"
        wait 0.5s
    }}
"""
LINES = ("Hello there.", "Good morning!")


@pytest.fixture(scope="module")
def quiet(workdir):
    """The dialogue with the scene's `music off`, captions on: (timeline, mp4, decoded audio)."""
    tl, out = render_text(workdir, "quiet", DIALOGUE.format(captions="on", music="    music off"))
    return tl, out, decode_audio_track(out)


@pytest.fixture(scope="module")
def musical(workdir):
    """The same dialogue over the video's nursery tune, captions off."""
    tl, out = render_text(workdir, "musical", DIALOGUE.format(captions="off", music=""))
    return tl, out, decode_audio_track(out)


# ── 1. speech inside its windows, silence outside ────────────────────────────


def test_speech_sounds_inside_each_says_window_and_silence_outside(quiet):
    tl, out, audio = quiet
    windows = speech_windows(tl)
    assert len(windows) == 2
    (a0, a1), (b0, b1) = windows
    assert a0 == pytest.approx(0.5)
    assert b0 == pytest.approx(a1 + 1.0, abs=1e-5), "the second line starts after the line and the wait"
    assert tl.duration == pytest.approx(b1 + 0.5, abs=1e-5)
    assert not [c for c in tl.audio if c.kind == "music"], "music off: no music clip"
    assert audio.shape[1] == pytest.approx(tl.frame_count / tl.fps * RATE, abs=1)

    margin = 0.06  # AAC spreads a transient over its 2048-sample window
    gaps = [(0.0, a0 - margin), (a1 + margin, b0 - margin), (b1 + margin, tl.frame_count / tl.fps)]
    for lo, hi in gaps:
        assert peak_db(span(audio, lo, hi)) < SILENT_DB, f"silence in {lo:.2f}..{hi:.2f}s"
    gap_db = rms_db(span(audio, a1 + margin, b0 - margin))
    for lo, hi in windows:
        inside = rms_db(span(audio, lo, hi))
        assert inside > -30, f"speech audible in {lo:.2f}..{hi:.2f}s"
        assert inside > gap_db + 40
    # every word has energy where its timing says it is
    for cue in tl.captions:
        for word in cue.words:
            assert rms_db(span(audio, word.start, word.end)) > -35, word


# ── 2. the next step waits for the speech to end ─────────────────────────────


def test_the_step_after_says_starts_when_the_speech_ends(workdir):
    tl, out = render_text(workdir, "after", """
        video "after" {
            size 160x90
            fps 10
        }

        scene s {
            background solid black
            veil = rect at (50%, 50%) width 100% height 100% fill white
            narrator says "Hello there."
            veil: fade in 0.1s
            wait 0.5s
        }
    """)
    (start, end), = speech_windows(tl)
    assert start == 0.0
    assert tl.duration == pytest.approx(end + 0.6, abs=1e-5), "says lasts as long as its speech"
    video = decode(out)
    before = video.frames[math.ceil(end * video.fps) - 1]  # the last frame before the speech ends
    assert before.mean() < 10, "still the old state just before the speech ends"
    assert video.at(end + 0.2).mean() > 245, "the fade has run 0.2s after the speech ends"
    audio = decode_audio_track(out)
    assert rms_db(span(audio, start, end)) > -30
    assert peak_db(span(audio, end + 0.06, tl.duration)) < SILENT_DB


# ── 3. music, and ducking under speech ───────────────────────────────────────


def test_music_plays_between_lines_and_is_ducked_under_speech(quiet, musical):
    tl, out, audio = musical
    music = [c for c in tl.audio if c.kind == "music"]
    assert len(music) == 1 and music[0].source == "nursery" and music[0].duck
    assert (music[0].start, music[0].end) == (0.0, pytest.approx(tl.duration))
    (a0, a1), (b0, b1) = speech_windows(tl)
    assert speech_windows(quiet[0]) == speech_windows(tl), "same lines, same times"

    gap = (a1 + 0.1, b0 - 0.1)
    assert rms_db(span(audio, *gap)) > -40, "the tune is heard between the lines"
    assert rms_db(span(audio, 0.1, a0 - 0.1)) > -40, "and before the first"
    assert peak_db(span(quiet[2], *gap)) < SILENT_DB, "`music off` in the scene: silence there"

    mixer = Mixer(tl.audio, tl.duration)
    def gain_db(t: float) -> float:
        return 20 * math.log10(float(mixer.duck_gain(round(t * RATE), 1)[0]))
    for lo, hi in ((a0, a1), (b0, b1)):
        assert gain_db((lo + hi) / 2) == pytest.approx(-10.0, abs=0.1), "ducked ~10 dB under speech"
    assert gain_db((a1 + b0) / 2) == pytest.approx(0.0, abs=0.01), "back up in the gap"
    assert gain_db(0.1) == pytest.approx(0.0, abs=0.01)

    # what the mixer does to the tune on this timeline (before loudness normalisation):
    # the whole mix minus the speech alone is the music as it is heard
    n = round(tl.duration * RATE)
    def raw(clips):
        return Mixer(clips, tl.duration, loudness_target=None).render_raw(0, n)
    heard = raw(tl.audio) - raw([c for c in tl.audio if c.kind != "music"])
    alone = raw(music)
    for lo, hi in ((a0, a1), (b0, b1)):
        inside = (lo + 0.15, hi - 0.15)
        assert rms_db(span(heard, *inside)) - rms_db(span(alone, *inside)) == pytest.approx(-10.0, abs=0.5)
    assert rms_db(span(heard, a1 + 0.4, b0 - 0.1)) - rms_db(span(alone, a1 + 0.4, b0 - 0.1)) == \
        pytest.approx(0.0, abs=0.05)


# ── 4. a sound lands on its step's time ──────────────────────────────────────


def test_sound_starts_at_its_step_within_a_frame(workdir):
    tl, out = render_text(workdir, "clap", """
        video "clap" {
            size 160x90
            fps 10
        }

        scene s {
            background solid black
            wait 1s
            sound clap
            wait 1s
        }
    """)
    assert tl.duration == pytest.approx(2.0), "sound takes no time"
    assert [(c.kind, c.source, c.start) for c in tl.audio] == [("sound", "clap", 1.0)]
    audio = decode_audio_track(out)
    found = onsets(audio)
    assert len(found) == 1
    expected = 1.0 + onset_offset("clap")
    assert abs(found[0] - expected) < 1 / tl.fps
    assert abs(found[0] - expected) < 0.002, "in fact within a couple of milliseconds"
    assert peak_db(span(audio, 0.0, 0.95)) < SILENT_DB


# ── 5. loudness and the audio stream's format ────────────────────────────────


def test_speech_and_music_are_normalised_to_minus_14_lufs_aac_48k_stereo(musical):
    tl, out, audio = musical
    assert audio_info(out) == ("aac", 48000, 2)
    lufs, true_peak = measure_lufs(audio)
    assert lufs == pytest.approx(-14.0, abs=1.0)
    assert true_peak <= -0.5


# ── 6. caption files ─────────────────────────────────────────────────────────


def test_captions_on_writes_srt_and_vtt_timed_to_the_speech(quiet, musical):
    tl, out, _ = quiet
    windows = speech_windows(tl)
    for fmt in ("srt", "vtt"):
        path = out.with_suffix(f".{fmt}")
        assert path.exists(), path
        subs = pysubs2.load(str(path))
        assert [e.plaintext for e in subs] == list(LINES), "one cue per short line, the spoken text"
        for i, (event, (start, end)) in enumerate(zip(subs, windows)):
            assert abs(event.start / 1000 - start) <= 1 / tl.fps
            assert event.end / 1000 >= end - 1 / tl.fps
            # A cue ends with its speech, or once it can be read at 17 chars/s (children's
            # programmes) and has been up 0.8 s (MIN_CUE_SECONDS), whichever is later, and
            # never after the next line starts.
            readable = max(start + len(LINES[i]) / 17 + 0.002, start + 0.8)
            next_start = windows[i + 1][0] if i + 1 < len(windows) else tl.duration
            expected_end = min(max(end, readable), max(end, next_start))
            assert abs(event.start / 1000 - start) <= 0.001 and abs(event.end / 1000 - expected_end) <= 0.001
    assert out.with_suffix(".vtt").read_text(encoding="utf-8").startswith("WEBVTT")
    # captions off: no files
    _, plain, _ = musical
    assert not plain.with_suffix(".srt").exists() and not plain.with_suffix(".vtt").exists()


LONG_LINE = ("Once upon a time, in a little house at the edge of a very big forest, there lived a small "
             "fox who loved to count the stars every single night before bed.")


def test_a_long_line_is_split_into_cues_of_two_short_lines(workdir):
    tl, out = render_text(workdir, "long-line", f"""
        video "long" {{
            size 160x90
            fps 10
            captions on
        }}

        scene s {{
            sunny says "{LONG_LINE}"
        }}
    """)
    (start, end), = speech_windows(tl)
    subs = pysubs2.load(str(out.with_suffix(".srt")))
    assert len(subs) >= 2
    for event in subs:
        lines = event.plaintext.split("\n")
        assert 1 <= len(lines) <= MAX_LINES
        assert all(0 < len(line) <= MAX_CHARS for line in lines), lines
    assert " ".join(e.plaintext.replace("\n", " ") for e in subs) == LONG_LINE
    assert subs[0].start / 1000 == pytest.approx(start, abs=0.001)
    assert subs[-1].end / 1000 == pytest.approx(min(end, tl.frame_count / tl.fps), abs=0.001)
    for a, b in zip(subs, subs[1:]):
        assert a.start < a.end <= b.start, "in order, not overlapping"
        assert b.start - a.end < 0.001, "back to back while the line is spoken"


# ── 7. burned captions ───────────────────────────────────────────────────────

BURNED = """
    video "burned" {{
        size 480x270
        fps 10
        captions {captions}
    }}

    scene s {{
        background solid #336699
        wait 0.5s
        luna says "Look at the moon!"
        wait 0.5s
    }}
"""


def test_burned_captions_show_during_speech_with_the_spoken_word_in_yellow(workdir):
    tl, burned_out = render_text(workdir, "burned", BURNED.format(captions="burned"))
    _, plain_out = render_text(workdir, "unburned", BURNED.format(captions="off"))
    assert burned_out.with_suffix(".srt").exists(), "burned captions come with the files too"
    burned, plain = decode(burned_out), decode(plain_out)
    (start, end), = speech_windows(tl)
    cue, = tl.captions
    moon = cue.words[-1]
    assert moon.text == "moon"
    x0, y0, x1, y1 = (round(v) for v in tl.safe_area)
    bottom = slice(y1 - 60, y1)  # where the caption box sits: the bottom of the safe area

    def region(frame):
        return frame[bottom, x0:x1].astype(int)

    def yellow(frame) -> int:
        return int(close_to(region(frame), YELLOW, 45).sum())

    def white(frame) -> int:
        return int(close_to(region(frame), (255, 255, 255), 30).sum())

    during = (moon.start + moon.end) / 2
    b, p = burned.at(during), plain.at(during)
    assert (np.abs(region(b) - region(p)).max(axis=-1) > 40).sum() > 1000, "the caption box is drawn during speech"
    assert white(b) > 20 and white(p) == 0, "white text"
    assert yellow(b) > 10 and yellow(p) == 0, "the spoken word in warm yellow"
    for t in (0.2, end + 0.3):  # before the line and after it
        b, p = burned.at(t), plain.at(t)
        assert np.abs(region(b) - region(p)).max() <= 3, f"no caption at {t:.2f}s"
        assert yellow(b) == 0 and white(b) == 0
    # the highlight follows the words: the first word is lit at its time, not 'moon'
    first = cue.words[0]
    early = burned.at((first.start + first.end) / 2)
    late = burned.at(during)
    ys, xs = np.nonzero(close_to(region(early), YELLOW, 45))
    ys2, xs2 = np.nonzero(close_to(region(late), YELLOW, 45))
    assert xs.size > 5 and xs2.size > 5
    assert xs.mean() < xs2.mean(), "'Look' (left) is lit before 'moon' (right)"


# ── 8. A/V sync over ten minutes ─────────────────────────────────────────────


def test_flashes_and_claps_stay_in_sync_over_ten_minutes(workdir):
    times = [1, 300, 599]
    tl, out = render_text(workdir, "sync", """
        video "sync" {
            size 64x36
            fps 5
        }

        scene s (600s) {
            background solid black
        {% for t in times %}
            at {{ t }}s {
                background solid white
                sound clap
                wait 2f
                background solid black
            }
        {% endfor %}
        }
    """.replace("times", repr(times)))
    assert tl.duration == 600.0
    audio = decode_audio_track(out)
    assert audio.shape[1] == 600 * RATE, "the audio lasts exactly as long as the video"
    with av.open(str(out)) as container:
        flashes = [float(f.time) for f in container.decode(video=0) if f.to_ndarray(format="gray").mean() > 128]
    firsts = [t for i, t in enumerate(flashes) if i == 0 or t - flashes[i - 1] > 1.0]
    assert len(flashes) == 2 * len(times)
    assert firsts == pytest.approx(times, abs=1e-6), "each flash on its frame"
    claps = [t - onset_offset("clap") for t in onsets(audio)]
    assert len(claps) == len(times)
    for flash, clap in zip(firsts, claps):
        assert abs(flash - clap) < 1 / tl.fps, f"flash {flash}s, clap {clap}s"
        assert abs(flash - clap) < 0.002, "no drift, even after ten minutes"


# ── 9. render say / render voices ────────────────────────────────────────────


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_render_say_writes_a_48k_mono_wav(in_tmp):
    result = CliRunner().invoke(main, ["say", "Hello there", "--voice", "luna", "-o", "x.wav", "--timings"])
    assert result.exit_code == 0, result.output
    with wave.open(str(in_tmp / "x.wav")) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (1, 48000, 2)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2") / 32768.0
    seconds = pcm.size / RATE
    assert 0.4 < seconds < 3.0, seconds
    assert rms_db(pcm[None, :]) > -30
    assert seconds == pytest.approx(synthesize("Hello there", voice="luna").duration, abs=1 / RATE)
    assert result.stderr.startswith(f"wrote x.wav ({seconds:.2f}s, voice luna)")
    lines = result.stdout.splitlines()
    assert [line.split()[2] for line in lines] == ["Hello", "there"], "one line per word"
    times = [(float(line.split()[0]), float(line.split()[1])) for line in lines]
    assert times[0][0] >= 0 and times[0][1] <= times[1][0] + 1e-3 and times[1][1] <= seconds + 1e-3


@pytest.mark.parametrize("args, message, hint", [
    (["say", ""], "error: nothing to say: the text is empty", "  hint: give the line some words"),
])
def test_render_say_errors_exit_1_with_a_hint(in_tmp, args, message, hint):
    result = CliRunner().invoke(main, [*args, "-o", "x.wav"])
    assert result.exit_code == 1
    assert result.stdout == "" and "Traceback" not in result.stderr
    first, second = result.stderr.splitlines()
    assert first == message
    assert second.startswith(hint)
    assert not (in_tmp / "x.wav").exists()


@pytest.mark.parametrize("args, message", [
    (["say", "Hi", "--voice", "lunaa"],
     "Error: Invalid value for '--voice': unknown voice 'lunaa' (did you mean 'luna'? known: ant, bear, bee,"),
    (["say", "Hi", "--mood", "hapy"], "Error: Invalid value for '--mood': unknown mood 'hapy' (did you mean 'happily'?"),
])
def test_render_say_unknown_voice_or_mood_is_a_usage_error(in_tmp, args, message):
    result = CliRunner().invoke(main, [*args, "-o", "x.wav"])
    assert result.exit_code == 2  # a misused option: click's usage message
    assert result.stderr.startswith("Usage: ") and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(message)
    assert not (in_tmp / "x.wav").exists()


def test_render_voices_lists_the_providers_the_voices_how_they_are_made_and_moods():
    result = CliRunner().invoke(main, ["voices"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("espeak: available, espeak-ng")  # the fallback
    assert any(line.startswith("hibari: available, hibari-tts 0.2.1") for line in lines)  # the default
    for name in ("narrator", "luna", "sunny"):
        at = next(i for i, line in enumerate(lines) if line.split()[:1] == [name])
        assert "made from hibari's af_heart voice, pitch" in lines[at + 1] and "semitones" in lines[at + 1], name
    assert "order: hibari, espeak" in result.stdout
    assert lines[-1] == ("moods: curiously, excitedly, gently, grumpily, happily, loudly, proudly, quietly, "
                         "sadly, scared, sleepily, surprised")


# ── 10. author errors point at file:line:col ─────────────────────────────────

VIDEO = 'video "t" {\n    size 160x90\n}\n\n'


def scene_with(step: str) -> str:
    return VIDEO + "scene a {\n    " + step + "\n}\n"


def video_with(setting: str) -> str:
    return 'video "t" {\n    size 160x90\n    ' + setting + "\n}\n\nscene a {\n    wait 1s\n}\n"


ERRORS = {
    "unknown speaker": (scene_with('zork says "Hi"'), """
        t.scene:6:5: error: unknown speaker 'zork'
            |     zork says "Hi"
            |     ^~~~
          hint: speakers: narrator, a cast member, or one of the voices `render voices` lists
    """),
    "misspelt speaker": (scene_with('lunaa says "Hi"'), """
        t.scene:6:5: error: unknown speaker 'lunaa'
            |     lunaa says "Hi"
            |     ^~~~~
          hint: did you mean 'luna'?
    """),
    "unknown mood": (scene_with('luna says "Hi" hapily'), """
        t.scene:6:20: error: unknown mood 'hapily'
            |     luna says "Hi" hapily
            |                    ^~~~~~
          hint: did you mean 'happily'?
    """),
    "unknown sound": (scene_with("sound clapp"), """
        t.scene:6:11: error: unknown sound 'clapp'
            |     sound clapp
            |           ^~~~~
          hint: did you mean 'clap'?
    """),
    "missing sound file": (scene_with('sound "missing.wav"'), """
        t.scene:6:11: error: file not found: 'missing.wav'
            |     sound "missing.wav"
            |           ^~~~~~~~~~~~~
          hint: paths are relative to the .scene file's folder ({dir})
    """),
    "unreadable sound file": (scene_with('sound "bad.wav"'), """
        t.scene:6:11: error: cannot read audio file '{dir}/bad.wav': Invalid data found when processing input
            |     sound "bad.wav"
            |           ^~~~~~~~~
          hint: use an MP3, WAV, OGG, FLAC or M4A file
    """),
    "unreadable music file": (scene_with('music "bad.wav"'), """
        t.scene:6:11: error: cannot read audio file '{dir}/bad.wav': Invalid data found when processing input
            |     music "bad.wav"
            |           ^~~~~~~~~
          hint: use an MP3, WAV, OGG, FLAC or M4A file
    """),
    "empty speech": (scene_with('luna says "  "'), """
        t.scene:6:15: error: there is nothing to say: the text is empty
            |     luna says "  "
            |               ^~~~
          hint: write the words between the quotes: narrator says "Hello!"
    """),
    "unknown voice": (video_with("voice lunar"), """
        t.scene:3:11: error: unknown voice 'lunar'
            |     voice lunar
            |           ^~~~~
          hint: did you mean 'luna'?
    """),
    "bad captions mode": (video_with("captions maybe"), """
        t.scene:3:14: error: expected on, off, burned or a captions file ("talk.srt" or "talk.vtt"), got 'maybe'
            |     captions maybe
            |              ^~~~~
          hint: one of: off, on, burned
    """),
    "tempo out of range": (video_with("music nursery tempo 200"), """
        t.scene:3:25: error: tempo must be between 60 and 180 beats per minute, got 200
            |     music nursery tempo 200
            |                         ^~~
          hint: 100 is a relaxed walking pace; 140 is lively
    """),
    "music at the top level": (VIDEO + "music nursery\n\nscene a {\n    wait 1s\n}\n", """
        t.scene:5:1: error: music is set in the video block (for the whole video) or inside a scene
            | music nursery
            | ^~~~~~~~~~~~~
          hint: video "Title" { music nursery volume 0.2 }, or scene NAME { music off … }
    """),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_audio_errors_name_the_place_and_hint(in_tmp, case):
    text, expected = ERRORS[case]
    (in_tmp / "bad.wav").write_bytes(b"this is not audio")
    (in_tmp / "t.scene").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "t.scene"])
    assert result.exit_code == 1, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    want = textwrap.dedent(expected).strip("\n").replace("{dir}", str(in_tmp.resolve())) + "\n"
    assert result.stderr == want
    lines = result.stderr.splitlines()
    assert lines[0] == want.splitlines()[0]
    assert [line for line in lines if line.startswith("  hint:")] == \
        [line for line in want.splitlines() if line.startswith("  hint:")]


# ── 11. --from/--to ──────────────────────────────────────────────────────────


def test_a_range_render_gets_the_matching_audio_slice_and_shifted_captions(workdir, monkeypatch):
    text = """
        video "range" {
            size 160x90
            fps 10
            captions on
        }

        scene s {
            background solid black
            at 2s {
                sound clap
            }
            wait 2.5s
            narrator says "Hello there."
            wait 0.5s
        }
    """
    tl, full_out = render_text(workdir, "range", text)
    (start, end), = speech_windows(tl)
    monkeypatch.chdir(workdir)
    result = CliRunner().invoke(main, ["range.scene", "-o", "part.mp4", "--from", "1s", "--to", "3s", "-q"])
    assert result.exit_code == 0, result.output
    full, part = decode_audio_track(full_out), decode_audio_track(workdir / "part.mp4")
    assert part.shape[1] == 2 * RATE, "2 s of audio for 2 s of video"
    clap = onset_offset("clap")
    assert onsets(full[:, :int(2.4 * RATE)])[0] == pytest.approx(2.0 + clap, abs=0.002)
    assert onsets(part[:, :int(1.4 * RATE)])[0] == pytest.approx(1.0 + clap, abs=0.002), \
        "the click at 2s is at 1s from --from 1s"
    # the same samples, up to the AAC coding of each file
    window = slice(int(0.9 * RATE), int(1.9 * RATE))
    reference = full[:, int(1.9 * RATE):int(2.9 * RATE)]
    assert rms_db(part[:, window] - reference) < rms_db(reference) - 20
    # the captions are shifted onto the range's clock and cut at its end
    part_subs = pysubs2.load(str(workdir / "part.srt"))
    assert [e.plaintext for e in part_subs] == ["Hello there."]
    assert part_subs[0].start / 1000 == pytest.approx(start - 1.0, abs=0.001)
    assert part_subs[0].end / 1000 == pytest.approx(min(end, 3.0) - 1.0, abs=0.001)
    full_subs = pysubs2.load(str(workdir / "range.vtt"))
    assert full_subs[0].start / 1000 == pytest.approx(start, abs=0.001)
    assert pysubs2.load(str(workdir / "part.vtt"))[0].start == part_subs[0].start


# ── 12. determinism ──────────────────────────────────────────────────────────


def test_rendering_twice_gives_identical_audio(musical, workdir):
    tl, out, audio = musical
    again = workdir / "musical-again.mp4"
    render_video(load_scene(workdir / "musical.scene").timeline, again, quality="draft")
    assert np.array_equal(decode_audio_track(again), audio)


# ── the language around it ───────────────────────────────────────────────────


def test_voice_moods_music_runs_and_sounds_with_actions(workdir):
    scene = write(workdir, "lang.scene", """
        video "lang" {
            size 160x90
            fps 10
            voice luna
            music nursery tempo 120 key G volume 0.2
        }

        scene one {
            star = star fill gold
            narrator says "Hello there."
            sunny says "Hello there." sadly
            star: pop & sound pop volume 0.5
        }

        scene two {
            wait 1s
        }

        scene three {
            music off
            wait 1s
        }

        scene four {
            music nursery seed 4
            wait 1s
        }
    """)
    tl = load_scene(scene).timeline
    speech = [c for c in tl.audio if c.kind == "speech"]
    assert speech[0].source == str(synthesize("Hello there.", voice="luna").path), "`voice luna` voices the narrator"
    assert speech[0].params == {"speaker": "narrator"}
    neutral = synthesize("Hello there.", voice="sunny").duration
    sad = synthesize("Hello there.", voice="sunny", mood="sadly")
    assert speech[1].source == str(sad.path) and sad.duration > neutral * 1.1, "sadly is slower"
    pop = next(c for c in tl.audio if c.kind == "sound")
    assert (pop.source, pop.volume) == ("pop", 0.5)
    assert pop.start == pytest.approx(speech[1].start + sad.duration, abs=1e-5), "with the pop, after the lines"
    one, two, three, four = tl.scenes
    music = [(c.source, c.start, c.end, c.volume, c.params) for c in tl.audio if c.kind == "music"]
    assert music == [
        ("nursery", 0.0, two.end, 0.2, {"tempo": 120, "key": "G"}),
        ("nursery", four.start, four.end, 0.3, {"seed": 4}),
    ], "one clip runs on through scenes one and two; off in three; four's own tune"
