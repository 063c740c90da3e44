"""Caption files in (engine/publish/caption_files.py): `captions "talk.srt"` in the
video block and `sound "talk.wav" captions "talk.vtt"`, burned into the frames and
written to the sidecars like spoken captions; a malformed file is an error at its
own line."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import decode, scene_text, write_wav
from storyreel.dsl import CompileOptions, SceneError, load_scene
from storyreel.engine import render_video

SRT = """1
00:00:00,500 --> 00:00:01,500
Hello, <i>little</i> star!

2
00:00:02,000 --> 00:00:03,000
Where are you going, little mouse, so late at night?
"""

VTT = """WEBVTT

NOTE made by hand

hello
00:01.000 --> 00:02.000 line:80%
<v Luna>Good night, moon &amp; stars.
"""


def compiled(tmp_path, body: str, settings: str = ""):
    (tmp_path / "talk.srt").write_text(SRT, encoding="utf-8")
    (tmp_path / "talk.vtt").write_text(VTT, encoding="utf-8")
    write_wav(tmp_path / "talk.wav", 0.2 * np.sin(2 * np.pi * 300 * np.arange(3 * 48_000) / 48_000))
    path = tmp_path / "s.scene"
    path.write_text(scene_text(body, "size 320x180\nfps 10\n" + settings), encoding="utf-8")
    return load_scene(path, None, CompileOptions()).timeline


def caption_box_shown(frame: np.ndarray) -> bool:
    """The dark caption box at the bottom centre of a white frame."""
    h, w, _ = frame.shape
    return int(frame[int(h * 0.6):, w // 2 - 5:w // 2 + 5].min()) < 120


def test_an_srt_file_is_burned_and_written_to_the_sidecars(tmp_path):
    timeline = compiled(tmp_path, "scene s {\n    background solid white\n    wait 3.5s\n}\n",
                        'captions "talk.srt" burned')
    assert [(c.start, c.text) for c in timeline.captions] == [
        (0.5, "Hello, little star!"), (2.0, "Where are you going,\nlittle mouse, so late at night?")]
    out = tmp_path / "out.mp4"
    render_video(timeline, out, quality="draft")
    video = decode(out)
    assert not caption_box_shown(video.at(0.2))
    assert caption_box_shown(video.at(1.0)) and caption_box_shown(video.at(2.5))
    written = (tmp_path / "out.srt").read_text(encoding="utf-8")
    # Held until it can be read at the reading speed (17 characters a second), as spoken captions are.
    assert "00:00:00,500 --> 00:00:01,620\nHello, little star!" in written
    assert "little mouse, so late at night?" in (tmp_path / "out.vtt").read_text(encoding="utf-8")


def test_a_file_alone_turns_captions_on_and_keeps_an_earlier_burned(tmp_path):
    assert compiled(tmp_path, "scene s {\n    background solid white\n    wait 3s\n}\n",
                    'captions "talk.srt"').captions_mode == "on"
    assert compiled(tmp_path, "scene s {\n    background solid white\n    wait 3s\n}\n",
                    'captions burned\ncaptions "talk.vtt"').captions_mode == "burned"


def test_a_sounds_vtt_captions_play_with_it_from_its_from(tmp_path):
    timeline = compiled(tmp_path, """
        scene s {
            background solid white
            wait 1s
            sound "talk.wav" from 1.5s captions "talk.vtt"
            wait 3s
        }
    """, "captions on")
    # The cue 1-2 s of the file, heard from 1.5 s of it at 1 s of the video: 1-1.5 s, held to be read.
    [cue] = timeline.captions
    assert cue.start == 1.0 and cue.text == "Good night, moon & stars." and cue.speaker == "Luna"
    assert cue.end >= 1.5


@pytest.mark.parametrize("text, line, column, message", [
    ("1\n00:00:01,000 -> 00:00:02,000\nHi\n", 2, 1, "expected a cue number, then a timing line"),
    ("1\n00:00:03,000 --> 00:00:02,000\nHi\n", 2, 17, "the cue ends (2.000s) before it starts (3.000s)"),
    ("1\n00:00:01,000 --> 00:00:02,000\nHi\n2\n00:00:03,000 --> 00:00:04,000\nThere\n", 5, 1,
     "a timing line inside the text of the cue before it"),
    ("1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\nThere\n", 2, 1, "the cue has no text"),
    ("one\n00:00:01,000 --> 00:00:02,000\nHi\n", 1, 1, "expected a cue number"),
    ("1\n00:00:01,000 --> 00:00:61,000\nHi\n", 2, 1, "60 or more minutes or seconds"),
    ("\n\n", 3, 1, "the file has no caption cues"),
])
def test_a_malformed_srt_is_an_error_at_its_line(tmp_path, text, line, column, message):
    (tmp_path / "bad.srt").write_text(text, encoding="utf-8")
    with pytest.raises(SceneError) as err:
        compiled(tmp_path, "scene s {\n    background solid white\n    wait 1s\n}\n", 'captions "bad.srt"')
    loc = err.value.location
    assert loc.file.endswith("bad.srt") and (loc.line, loc.column) == (line, column), err.value.format()
    assert message in err.value.message
    assert err.value.format().startswith(f"{loc.file}:{line}:{column}: error: ")


def test_a_vtt_without_its_header_and_a_missing_file_are_located_errors(tmp_path):
    (tmp_path / "bad.vtt").write_text("00:01.000 --> 00:02.000\nHi\n", encoding="utf-8")
    with pytest.raises(SceneError) as err:
        compiled(tmp_path, "scene s {\n    background solid white\n    wait 1s\n}\n", 'captions "bad.vtt"')
    assert err.value.location.file.endswith("bad.vtt") and "must start with 'WEBVTT'" in err.value.message
    with pytest.raises(SceneError) as err:
        compiled(tmp_path, "scene s {\n    background solid white\n    wait 1s\n}\n", 'captions "gone.srt"')
    assert "file not found: 'gone.srt'" in err.value.message and err.value.location.line == 4


def test_the_captions_example_burns_its_srt(tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "examples" / "captions" / "captions.scene"
    timeline = load_scene(example, None, CompileOptions(size=(320, 180), fps=10)).timeline
    assert [c.start for c in timeline.captions] == [0.4, 2.8, 5.0]
    assert timeline.captions[2].text == "Goodnight, little owl."  # the <i> tag dropped
    out = tmp_path / "owl.mp4"
    render_video(timeline, out, quality="draft")
    video = decode(out)

    def white_text(t: float) -> int:  # near-white pixels in the bottom centre: the caption's letters
        h, w, _ = video.frames[0].shape
        return int((video.at(t)[int(h * 0.75):, w // 4:3 * w // 4].min(axis=2) > 215).sum())

    assert white_text(0.2) < 5 < white_text(1.2)
    assert white_text(6.0) > 5
    assert (tmp_path / "owl.srt").read_text(encoding="utf-8").count("-->") == 3
