"""`render check-video` pinned at its limits, on real files: frames written with
PyAV, encoded by libx264 (and AAC), decoded back by the checker.

The photosensitivity thresholds (engine/publish/quality.py, WCAG 2.3.1 / ITU-R BT.1702)
are tested on both sides of each limit, so that moving a threshold fails a test:
- the luminance step 0.10: a grey strobe whose decoded step is 0.09 passes, 0.115 fails;
- transitions per second: 6 pass, 7 fail;
- area: a strobing patch on 24 % of the screen passes, on 26 % fails;
- red: a saturated red strobe fails `red flashes` (and not `flashes`, its luminance
  does not change); a pink one (R/(R+G+B) under 0.8) with the same change passes.
Then the container checks shown failing: `sync`, `frames` and `file size`.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.engine.raster.color import srgb_to_linear
from storyreel.engine.publish.platforms import platforms

# 256x144 -> the analyser's 64x36 grid: one cell is exactly 4x4 pixels, so a patch
# on whole cells covers an exact fraction of the screen.
W, H = 256, 144
FPS = 10


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write_video(path: Path, frames, fps: int = FPS, pts=None, audio_seconds: float | None = None,
                audio_start: float = 0.0) -> Path:
    """An H.264 (libx264, near-lossless) MP4 of `frames` (RGB uint8), optionally with
    an AAC tone of `audio_seconds` starting at `audio_start`."""
    with av.open(str(path), "w") as c:
        video = c.add_stream("libx264", rate=fps)
        video.height, video.width = frames[0].shape[:2]
        video.pix_fmt = "yuv420p"
        video.options = {"crf": "8"}
        audio = c.add_stream("aac", rate=48000, layout="stereo") if audio_seconds else None
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb, dtype=np.uint8), format="rgb24")
            frame.pts = i if pts is None else pts[i]
            c.mux(video.encode(frame))
        c.mux(video.encode(None))
        if audio is not None:
            n = int(round(audio_seconds * 48000))
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(n) / 48000)).astype(np.float32)
            for k in range(0, n, 1024):
                chunk = tone[k:k + 1024]
                frame = av.AudioFrame.from_ndarray(np.stack([chunk, chunk]), format="fltp", layout="stereo")
                frame.sample_rate, frame.pts = 48000, k + int(round(audio_start * 48000))
                c.mux(audio.encode(frame))
            c.mux(audio.encode(None))
    return path


def decoded_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def luminance(rgb) -> np.ndarray:
    lin = srgb_to_linear(np.asarray(rgb, np.uint8))
    return 0.2126 * lin[..., 0] + 0.7152 * lin[..., 1] + 0.0722 * lin[..., 2]


def solid(colour) -> np.ndarray:
    return np.broadcast_to(np.asarray(colour, np.uint8), (H, W, 3)).copy()


def strobe(a, b, transitions: int, calm: int = 10, after: int = 10) -> list[np.ndarray]:
    """`calm` frames of `a`, then `transitions` changes a->b->a… one a frame, then the last
    state held for `after` frames."""
    frames = [a] * calm
    state = a
    for _ in range(transitions):
        state = b if state is a else a
        frames.append(state)
    frames += [state] * after
    return frames


def check(path: Path, *args) -> dict[str, str]:
    """Run `render check-video` and return {check name: result}."""
    result = invoke("check-video", path, *args)
    rows = {}
    for line in result.output.splitlines()[1:]:
        parts = line.split()
        if parts and parts[-1] in ("pass", "FAIL", "warn", "skip"):
            for name in ("red flashes", "flashes", "frames", "sync", "file size", "duration", "loudness"):
                if line.strip().startswith(name + " "):
                    rows.setdefault(name, parts[-1])
    last = result.output.splitlines()[-1]
    assert result.exit_code == (0 if last.startswith("ok:") else 1), result.output
    rows["_output"] = result.output
    return rows


# -- the luminance step: 0.10 ----------------------------------------------------------------------

DARK = 90  # relative luminance 0.102; the darker state is well under 0.80


@pytest.mark.parametrize("bright, low, high, verdict", [
    (121, 0.080, 0.098, "pass"),  # a step of about 0.09: under the threshold
    (129, 0.105, 0.130, "FAIL"),  # about 0.115: over it
])
def test_a_grey_strobe_fails_exactly_when_its_luminance_step_reaches_a_tenth(tmp_path, bright, low, high, verdict):
    """Ten transitions a second either way: only the size of the step decides. A
    threshold raised to 0.25 (or lowered under 0.09) fails one of the two cases."""
    frames = strobe(solid([DARK] * 3), solid([bright] * 3), transitions=10)
    out = write_video(tmp_path / f"grey{bright}.mp4", frames)
    decoded = decoded_frames(out)
    step = abs(float(luminance(decoded[11]).mean()) - float(luminance(decoded[10]).mean()))
    assert low < step < high, f"the decoded step is {step:.4f}, not where this test means to put it"
    rows = check(out)
    assert rows["flashes"] == verdict, rows["_output"]
    if verdict == "FAIL":
        assert "10 luminance transitions over a quarter of the screen" in rows["_output"]
    else:
        assert "flashes        0 transitions" in rows["_output"] or "0 transitions in 1s" in rows["_output"]


# -- transitions in one second: 6 pass, 7 fail -------------------------------------------------------


@pytest.mark.parametrize("transitions, verdict", [(6, "pass"), (7, "FAIL")])
def test_six_transitions_in_a_second_pass_and_seven_fail(tmp_path, transitions, verdict):
    """Black <-> light grey, one transition a frame at 10 fps: all within 0.7 s."""
    frames = strobe(solid([20] * 3), solid([200] * 3), transitions=transitions)
    out = write_video(tmp_path / f"t{transitions}.mp4", frames)
    rows = check(out)
    assert rows["flashes"] == verdict, rows["_output"]
    assert f"{transitions} transitions in 1s" in rows["_output"]
    assert rows["red flashes"] == "pass"


# -- area: a quarter of the screen ---------------------------------------------------------------------


@pytest.mark.parametrize("cols, verdict", [
    (23, "pass"),  # 23 x 24 cells of 64 x 36 = 23.96 % of the screen
    (25, "FAIL"),  # 25 x 24 cells = 26.04 %
])
def test_a_flash_over_a_quarter_of_the_screen_fails_and_under_it_passes(tmp_path, cols, verdict):
    base = solid([30] * 3)
    lit = base.copy()
    cell = W // 64
    x0, y0 = 8 * cell, 6 * cell  # on cell boundaries
    lit[y0:y0 + 24 * cell, x0:x0 + cols * cell] = 220
    frames = strobe(base, lit, transitions=12)
    out = write_video(tmp_path / f"area{cols}.mp4", frames)
    area = 24 * cols / (64 * 36)
    assert (area < 0.25) == (verdict == "pass")
    rows = check(out)
    assert rows["flashes"] == verdict, rows["_output"]
    if verdict == "pass":
        assert "0 transitions in 1s" in rows["_output"]


# -- red flashes --------------------------------------------------------------------------------------------


def _grey_matching(rgb) -> int:
    """The grey level whose relative luminance is closest to `rgb`'s."""
    target = float(luminance(np.array([[rgb]], np.uint8))[0, 0])
    greys = luminance(np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)[None])[0]
    return int(np.argmin(np.abs(greys - target)))


@pytest.mark.parametrize("colour, verdict", [
    ((255, 0, 0), "FAIL"),  # saturated red: R/(R+G+B) = 1
    ((255, 120, 120), "pass"),  # pink: R/(R+G+B) = 0.73 in linear light, under 0.8; (R-G-B) x 320 still changes by 200
])
def test_a_saturated_red_flash_fails_red_flashes_even_with_no_luminance_change(tmp_path, colour, verdict):
    """Red <-> a grey of the same luminance, ten transitions a second: the general
    flash check sees nothing; only the red check can fail it."""
    grey = _grey_matching(colour)
    frames = strobe(solid([grey] * 3), solid(colour), transitions=10)
    out = write_video(tmp_path / f"red{colour[1]}.mp4", frames)
    rows = check(out)
    assert rows["flashes"] == "pass", rows["_output"]
    assert rows["red flashes"] == verdict, rows["_output"]
    if verdict == "FAIL":
        assert "10 saturated-red transitions over a quarter of the screen" in rows["_output"]


# -- sync, frames, file size --------------------------------------------------------------------------------


STILL = [solid([70, 90, 110])] * 20  # two seconds at 10 fps


def test_sync_fails_when_the_audio_runs_longer_than_the_video(tmp_path):
    good = check(write_video(tmp_path / "good.mp4", STILL, audio_seconds=2.0))
    assert good["sync"] == "pass", good["_output"]
    rows = check(write_video(tmp_path / "long.mp4", STILL, audio_seconds=3.0))
    assert rows["sync"] == "FAIL", rows["_output"]
    assert "end 1000 ms apart" in rows["_output"] and "audio 0.000-3.000s" in rows["_output"]


def test_sync_fails_when_the_audio_starts_late(tmp_path):
    rows = check(write_video(tmp_path / "late.mp4", STILL, audio_seconds=2.0, audio_start=0.5))
    assert rows["sync"] == "FAIL", rows["_output"]
    line = next(l for l in rows["_output"].splitlines() if l.strip().startswith("sync "))
    start = int(line.split("start ")[1].split(" ms")[0])
    assert 400 <= start <= 520, rows["_output"]


def test_frames_fails_for_dropped_frames(tmp_path):
    """Frames 5-8 of 20 dropped (their timestamps skipped). The file's average frame
    rate is its frame count over its duration (8 fps here), so a count alone cannot
    see the gap: the check must look at the intervals."""
    frames = [solid([10 * i] * 3) for i in range(16)]
    pts = [0, 1, 2, 3, 4] + list(range(9, 20))
    rows = check(write_video(tmp_path / "dropped.mp4", frames, pts=pts))
    assert rows["frames"] == "FAIL", rows["_output"]
    assert "1 interval between frames is not one frame long" in rows["_output"]
    regular = check(write_video(tmp_path / "regular.mp4", frames))
    assert regular["frames"] == "pass", regular["_output"]


def test_frames_fails_for_an_irregular_frame_rate(tmp_path):
    """Timestamps in 1/30 s: frames alternately 2 and 4 ticks apart (15 fps and 7.5 fps)."""
    frames = [solid([10 * i] * 3) for i in range(16)]
    pts = np.cumsum([0] + [2 if i % 2 else 4 for i in range(15)]).tolist()
    rows = check(write_video(tmp_path / "vfr.mp4", frames, fps=30, pts=pts))
    assert rows["frames"] == "FAIL", rows["_output"]


def test_file_size_fails_over_the_platforms_limit(tmp_path, monkeypatch):
    out = write_video(tmp_path / "size.mp4", STILL, audio_seconds=2.0)
    size = out.stat().st_size
    youtube = platforms()["youtube"]
    monkeypatch.setitem(platforms(), "youtube", replace(youtube, max_file_size=size))
    assert check(out, "--platform", "youtube")["file size"] == "pass"  # at the limit: taken
    monkeypatch.setitem(platforms(), "youtube", replace(youtube, max_file_size=size - 1))
    rows = check(out, "--platform", "youtube")
    assert rows["file size"] == "FAIL", rows["_output"]
    assert "YouTube takes at most" in rows["_output"]


# -- the helpers behind `frames` and `encoding`, at their edges ------------------------------------------


def test_irregular_intervals_counts_gaps_of_more_than_a_quarter_frame():
    from storyreel.engine.publish.quality import _irregular_intervals

    assert _irregular_intervals([0, 100, 200, 300, 400]) == 0
    assert _irregular_intervals([0, 100, 200, 322, 422]) == 0  # 22 % of a frame late: rounding, not a drop
    assert _irregular_intervals([0, 100, 230, 330, 430]) == 1  # 30 %: a frame out of place
    assert _irregular_intervals([0, 341, 683, 1024, 1365]) == 0  # 30 fps in 1/10240: 341 or 342 ticks
    assert _irregular_intervals([0, 1, 11]) == 2  # three frames are enough to see a gap
    assert _irregular_intervals([0, 1]) == 0
    assert _irregular_intervals([40, 0, 10, 20, 30]) == 0  # decode order (B-frames): sorted first


def test_packet_structure_sees_an_open_gop():
    from storyreel.engine.publish.quality import _packet_structure

    # (pts, keyframe) in decode order: I0 P3 B1 B2 | I4 P7 B5 B6 -- closed
    closed = [(0, True), (3, False), (1, False), (2, False), (4, True), (7, False), (5, False), (6, False)]
    assert _packet_structure(closed) == (2, 4, True)
    # A leading picture after the second keyframe shows before it (pts 3 < 4): open.
    opened = [(0, True), (2, False), (1, False), (4, True), (3, False), (6, False), (5, False)]
    assert _packet_structure(opened) == (2, 4, False)


# -- true peak: -1 dBTP, as the README promises ------------------------------------------------------------


def _loud_burst(path: Path, spike: float) -> Path:
    """Three seconds of a 440 Hz tone at about -14 LUFS with one 20 ms burst of
    `spike` amplitude in the middle: the integrated loudness is on target, the
    true peak is the burst's."""
    rate = 48000
    with av.open(str(path), "w") as c:
        video = c.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 36, "yuv420p"
        audio = c.add_stream("aac", rate=rate, layout="stereo")
        for i in range(30):
            frame = av.VideoFrame.from_ndarray(np.full((36, 64, 3), 90, np.uint8), format="rgb24")
            frame.pts = i
            c.mux(video.encode(frame))
        c.mux(video.encode(None))
        t = np.arange(3 * rate) / rate
        x = 0.21 * np.sin(2 * np.pi * 440 * t)
        n, s = int(0.02 * rate), int(1.5 * rate)
        x[s:s + n] = spike * np.sin(2 * np.pi * 440 * t[s:s + n]) * np.hanning(n)
        x = x.astype(np.float32)
        for k in range(0, len(x), 1024):
            chunk = x[k:k + 1024]
            frame = av.AudioFrame.from_ndarray(np.stack([chunk, chunk]), format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = rate, k
            c.mux(audio.encode(frame))
        c.mux(audio.encode(None))
    return path


@pytest.mark.parametrize("spike, low, high, verdict", [
    (0.80, -2.5, -1.2, "pass"),  # about -1.8 dBTP
    (0.95, -0.95, 0.0, "FAIL"),  # about -0.6 dBTP: under 0 but over the -1 the README promises
])
def test_true_peak_fails_over_minus_one_dbtp(tmp_path, spike, low, high, verdict):
    rows = check(_loud_burst(tmp_path / f"peak{spike}.mp4", spike))
    line = next(l for l in rows["_output"].splitlines() if l.strip().startswith("loudness "))
    lufs = float(line.split()[1])
    peak = float(line.split("peak ")[1].split()[0])
    assert abs(lufs + 14) <= 1 and low < peak < high, line  # the file is what the test means it to be
    assert rows["loudness"] == verdict, rows["_output"]
    if verdict == "FAIL":
        assert "dBTP is over -1" in rows["_output"]
