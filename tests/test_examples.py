"""Every example in examples/ is rendered by a test that checks what it shows.

`RENDERED_BY` names the test file that renders each examples/**/*.scene (a new
example without a row fails here); this file renders the ones no other test
does: media/media.scene (alpha WebM over the scene, GIF, APNG, WebP, Lottie,
speed, freeze, a trim past the end, a scene as long as its clip) and the first
examples of the README (hello, counting with its data file, shorts). All at a
small size, encoded and decoded; pixels are read at known places and times.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import storyreel
from helpers import close, decode

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TESTS = Path(__file__).resolve().parent

RENDERED_BY = {
    "animation.scene": "test_motion.py",
    "audio/tracks.scene": "test_audio_tracks.py",
    "captions/captions.scene": "test_caption_files.py",
    "compositing.scene": "test_compositing.py",
    "counting.scene": "test_examples.py",
    "formats/chunked.scene": "test_formats.py",
    "formats/opaque.scene": "test_formats.py",
    "formats/transparent.scene": "test_formats.py",
    "hello.scene": "test_examples.py",
    "media/media.scene": "test_examples.py",
    "shorts.scene": "test_examples.py",
    "text.scene": "test_text_layout.py",
    "transitions.scene": "test_transition_kinds.py",
}


def test_every_example_is_rendered_by_a_test_that_names_it():
    found = sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.scene"))
    missing = [name for name in found if name not in RENDERED_BY]
    assert not missing, (f"examples no test renders: {missing}; render each in a test that checks what it shows "
                         f"and add it to RENDERED_BY in {Path(__file__).name}")
    for name, test in RENDERED_BY.items():
        assert (EXAMPLES / name).is_file(), f"RENDERED_BY names examples/{name}, which is gone"
        assert Path(name).name in (TESTS / test).read_text(encoding="utf-8"), f"{test} does not render {name}"


def render(tmp_path: Path, name: str, fps: float = 10, size=(320, 180), data=None):
    project = storyreel.load(EXAMPLES / name, data, size=size, fps=fps)
    return project, decode(project.render(tmp_path / (Path(name).stem + ".mp4"), quality="draft", extras=False))


# -- media/media.scene ------------------------------------------------------------------------

RED = (230, 57, 70)
ROW_BELOW = (0.72 - 0.34) * 180  # the second row of clips is this far below the first


def centre_row(frame: np.ndarray, x: int, rows: slice) -> float:
    """The mean row of the red ball's pixels in column x."""
    col = frame[rows, x].astype(int)
    hit = np.nonzero((col[:, 0] > 170) & (col[:, 1] < 110))[0]
    assert hit.size, col
    return rows.start + float(hit.mean())


def centre_column(frame: np.ndarray, y: int, columns: slice, color, tol: int = 40) -> float:
    row = frame[y, columns].astype(int)
    hit = np.nonzero(np.abs(row - np.array(color)).max(axis=1) <= tol)[0]
    assert hit.size, row
    return columns.start + float(hit.mean())


def moved_right(video, y: int, columns: slice, color) -> float:
    """How far pixels of `color` in row y moved right from 0.125 s to 0.875 s."""
    return centre_column(video.at(0.875), y, columns, color) - centre_column(video.at(0.125), y, columns, color)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """media.scene at 320x180 (a design unit is 1/6 px: a 220-unit box is 36.7 px),
    8 fps: frame times are whole eighths, clear of the clips' own frame changes
    (10, 5, 4 and 8 fps)."""
    pytest.importorskip("rlottie_python", reason="media.scene plays a Lottie: the optional lottie extra is not installed")
    log = logging.getLogger("storyreel")
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    log.addHandler(handler)
    try:
        project, video = render(tmp_path_factory.mktemp("media"), "media/media.scene", fps=8)
    finally:
        log.removeHandler(handler)
    return project, video, records


def test_media_alpha_webm_shows_the_scene_through_its_corner(media):
    _, video, _ = media
    f = video.at(0.0)
    assert close(f[71, 45], RED, 40), f[71, 45]  # the ball, low in its first frame
    assert close(f[44, 28], f[44, 4], 6), (f[44, 28], f[44, 4])  # the clip's corner is the gradient behind it


def test_media_speed_2_shows_the_source_twice_as_far_on(media):
    _, video, _ = media
    rows = slice(30, 95)
    normal_early, normal_later = centre_row(video.at(0.125), 45, rows), centre_row(video.at(0.25), 45, rows)
    fast_early = centre_row(video.at(0.125), 102, rows)
    assert abs(fast_early - normal_later) <= 1.5 and normal_early - fast_early > 3, (normal_early, fast_early,
                                                                                      normal_later)


def test_media_freeze_holds_one_frame(media):
    _, video, _ = media
    rows = slice(100, 160)
    a, b = centre_row(video.at(0.125), 45, rows), centre_row(video.at(1.5), 45, rows)
    playing = centre_row(video.at(0.5), 45, slice(30, 95)) + ROW_BELOW  # the looping ball at 0.5 s
    assert abs(a - b) <= 1 and abs(a - playing) <= 1.5, (a, b, playing)


def test_media_gif_apng_and_webp_play_their_frames(media):
    _, video, _ = media
    early, late = video.at(0.125), video.at(0.625)
    assert close(early[62, 160], (255, 219, 0), 30) and close(late[62, 160], (255, 109, 0), 30), (early[62, 160],
                                                                                                  late[62, 160])
    assert close(early[47, 146], (73, 146, 255), 30)  # the GIF's card
    moon_early, moon_late = video.at(0.125)[61, 208], video.at(0.875)[61, 208]
    assert close(moon_early, video.at(0.125)[61, 240], 12) and close(moon_late, (255, 243, 176), 30), (moon_early,
                                                                                                      moon_late)
    assert moved_right(video, 61, slice(238, 318), (255, 127, 80)) > 12  # the fish swims


def test_media_lottie_rolls_its_ball(media):
    assert moved_right(media[1], 130, slice(105, 215), (255, 217, 61)) > 20


def test_media_trim_past_the_end_plays_to_the_end_with_a_warning(media):
    _, video, records = media
    assert any("media.scene:" in m and "goes past the end of the file" in m for m in records), records
    # Held on the file's last frame, where the ball is as low as in its first.
    held, first = centre_row(video.at(1.5), 275, slice(100, 160)), centre_row(video.at(0.0), 45, slice(30, 95))
    assert abs(held - (first + ROW_BELOW)) <= 1.5, (held, first)


def test_media_a_scene_holding_only_a_clip_lasts_as_long_as_the_clip(media):
    project, video, _ = media
    bounce = project.timeline.scenes[1]
    assert bounce.end - bounce.start == pytest.approx(1.0)
    assert close(video.at(2.5)[5, 5], (255, 214, 165), 12)


# -- the README's first examples -----------------------------------------------------------------

def test_hello_counts_five_apples(tmp_path):
    _, video = render(tmp_path, "hello.scene")
    last = video.frames[-1]
    for n in range(1, 6):
        x = round((8 + n * 14) / 100 * 320)
        assert close(last[round(0.58 * 180), x], (230, 57, 70), 30), (n, last[round(0.58 * 180), x])


def test_counting_with_its_data_file_counts_seven_cherries(tmp_path):
    _, video = render(tmp_path, "counting.scene", data=EXAMPLES / "counting.yaml")
    last = video.frames[-1]
    for n in range(1, 8):
        x = round((n - 0.5) * 100 / 7 / 100 * 320)
        assert close(last[round(0.55 * 180), x], (155, 34, 38), 30), (n, last[round(0.55 * 180), x])


def test_shorts_shows_five_stars_in_a_vertical_frame(tmp_path):
    _, video = render(tmp_path, "shorts.scene", size=(180, 320))
    assert (video.width, video.height) == (180, 320)
    last = video.frames[-1]
    for n in range(5):
        x, y = round((22 + n * 13) / 100 * 180), round((45 + (n % 2) * 8) / 100 * 320)
        assert close(last[y, x], (255, 217, 61), 30), (n, last[y, x])
