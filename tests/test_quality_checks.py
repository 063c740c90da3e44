"""check-video's measuring pieces (engine/publish/quality.py) pinned where a
one-line bug would go unnoticed by the whole-video tests (issue 21's mutation
score): the faststart scan, the red-flash
scale on both sides of its step, where a text's background is sampled at the
frame's edges, and how a list of too-fast captions is reported. The flash
analyser gets frames straight from numpy here (exact values, no encoder);
test_safety_limits.py runs the same limits through decoded videos.
"""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from storyreel.engine.publish import quality as q
from storyreel.engine.raster.color import srgb_to_linear

# -- the file's structure ------------------------------------------------------------------------


def write_mp4(path: Path, frames: int = 5, faststart: bool = False) -> Path:
    """A tiny H.264 MP4, its index (moov) after the media (mdat) unless `faststart`."""
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as c:
        video = c.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 36, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((36, 64, 3), 40 * i, np.uint8), format="rgb24")
            frame.pts = i
            c.mux(video.encode(frame))
        c.mux(video.encode(None))
    return path


def test_faststart_is_seen_only_when_the_index_comes_before_the_media(tmp_path):
    assert q.probe(write_mp4(tmp_path / "late.mp4"), loudness=False).faststart is False
    assert q.probe(write_mp4(tmp_path / "front.mp4", faststart=True), loudness=False).faststart is True


# -- red flashes, exactly at the step --------------------------------------------------------------

def srgb_for_linear(value: float) -> int:
    """The 8-bit sRGB level whose linear value is nearest `value`."""
    levels = srgb_to_linear(np.arange(256, dtype=np.uint8).reshape(1, 256, 1).repeat(3, axis=2))[0, :, 0]
    return int(np.argmin(np.abs(levels - value)))


def red_strobe_count(low: int, high: int) -> int:
    """Red transitions in the busiest second of a full-screen (R, 0, 0) strobe, low <-> high every frame at 10 fps."""
    analyzer = q.FlashAnalyzer(10.0)
    for i in range(20):
        analyzer.add(np.full((36, 64, 3), (high if i % 2 else low, 0, 0), np.uint8))
    return analyzer.result().red


def test_a_saturated_red_strobe_counts_exactly_from_the_red_step():
    # Redness is (R - G - B) in linear light, scaled so that RED_DELTA (20) is a step of 1/16.
    step = q.RED_DELTA / 320.0
    low = srgb_for_linear(0.40)
    lin = float(srgb_to_linear(np.array([[[low, 0, 0]]], np.uint8))[0, 0, 0])
    under, over = srgb_for_linear(lin + step * 0.93), srgb_for_linear(lin + step * 1.07)
    assert red_strobe_count(low, under) == 0
    assert red_strobe_count(low, over) == 10


# -- a text's background at the frame's edges ----------------------------------------------------

WHITE, SKY, INK = (255, 255, 255), (90, 170, 230), (20, 20, 40)


def frame_with_top_band(rows: int = 2) -> np.ndarray:
    rgb = np.full((40, 80, 3), WHITE, np.uint8)
    rgb[:rows] = SKY
    return rgb


def test_a_text_box_at_the_top_edge_samples_the_first_row_too():
    # Box rows 0-2 and a 2 px margin below: rows 0-3, half sky (rows 0, 1), half white.
    bg = q.text_background(frame_with_top_band(), (10, 0, 30, 2), 4.0, [INK])
    assert list(bg) == [(a + b) / 2 for a, b in zip(SKY, WHITE)]


def test_a_text_box_hanging_off_the_frame_has_no_background_to_measure():
    rgb = frame_with_top_band()
    # 1 px of the frame left to sample beside the box: nothing measured, whichever edge
    assert q.text_background(rgb, (81, 10, 90, 20), 4.0, [INK]) is None
    assert q.text_background(rgb, (10, 41, 30, 50), 4.0, [INK]) is None
    # 2 and 3 px are enough (the margin is 2 px at this size)
    assert list(q.text_background(rgb, (80, 10, 90, 20), 4.0, [INK])) == list(WHITE)
    assert list(q.text_background(rgb, (10, 40, 30, 50), 4.0, [INK])) == list(WHITE)


@pytest.mark.parametrize("unlike, measured", [(8, SKY), (7, INK)])
def test_eight_pixels_unlike_the_text_are_enough_to_measure_its_background(unlike, measured):
    # all ink but `unlike` sky pixels inside a 4x4 box (an 8x8 region with its margin):
    # with fewer than 8 the margin around the box is taken as it is (ink here)
    rgb = np.full((40, 80, 3), INK, np.uint8)
    rows, cols = np.divmod(np.arange(unlike), 4)
    rgb[10 + rows, 10 + cols] = SKY
    assert list(q.text_background(rgb, (10, 10, 14, 14), 4.0, [INK])) == list(measured)


def test_when_the_text_colour_is_everywhere_the_margin_outside_the_box_is_measured():
    # Text (100 grey) in a box at the frame's top-left corner, every pixel near its colour:
    # the box itself (90) is left out, the margin is half 110 and half 95 -> 102.5.
    rgb = np.full((40, 80, 3), 110, np.uint8)
    rgb[0:2, 0:20] = 90  # the box
    rgb[3, 0:22] = 95
    rgb[0, 20:22] = 95
    assert list(q.text_background(rgb, (0, 0, 20, 2), 4.0, [(100, 100, 100)])) == [102.5] * 3


# -- captions too fast, listed ---------------------------------------------------------------------

def test_too_fast_captions_are_listed_five_at_a_time(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"")
    cues = [f"{i}\n00:00:0{i},000 --> 00:00:0{i},500\nThis line is far too long to read in half a second.\n"
            for i in range(1, 8)]
    video.with_suffix(".srt").write_text("\n".join(cues), encoding="utf-8")
    check = q._reading_check(video, 4)
    assert check.status == "fail"
    assert check.detail.count("chars/s") == 5 and check.detail.endswith("; and 2 more")
    cues = cues[:5]
    video.with_suffix(".srt").write_text("\n".join(cues), encoding="utf-8")
    assert "more" not in q._reading_check(video, 4).detail


@pytest.mark.parametrize("cps, verdict", [(12.0, "pass"), (12.1, "fail")])
def test_the_reading_check_fails_just_over_the_ages_speed(tmp_path, cps, verdict):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"")
    text = "x" * int(round(cps * 10))  # shown for 10 s
    video.with_suffix(".srt").write_text(f"1\n00:00:01,000 --> 00:00:11,000\n{text}\n", encoding="utf-8")
    assert q._reading_check(video, 4).status == verdict
