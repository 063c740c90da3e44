"""Publish-ready outputs (thumbnail, metadata, captions), --platform profiles and
`render check-video`. Real renders at 192x108 / 10 fps, decoded with PyAV."""
from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import av
import numpy as np
import pytest
import skia
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.dsl import CompileOptions, SceneError, load_scene
from storyreel.engine.publish.platforms import DATA_FILE, PLATFORM_NAMES, PlatformError, get_platform, load_platforms
from storyreel.engine.raster.color import contrast_ratio
from storyreel.engine.publish.quality import FlashAnalyzer, MAX_TRANSITIONS_PER_SECOND, check_video
from storyreel.engine.timeline.serialize import timeline_from_json, timeline_to_json

SIZE = "192x108"
VERTICAL = "108x192"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def image(path: Path) -> np.ndarray:
    """RGBA pixels of a PNG or JPEG."""
    img = skia.Image.MakeFromEncoded(skia.Data.MakeFromFileName(str(path)))
    assert img is not None, path
    return img.convert(alphaType=skia.kUnpremul_AlphaType, colorType=skia.kRGBA_8888_ColorType).toarray()


def is_white(px: np.ndarray) -> np.ndarray:
    return np.all(px[..., :3] >= 235, axis=-1)


def is_dark(px: np.ndarray) -> np.ndarray:
    return np.all(px[..., :3] <= 70, axis=-1)


# A speaking video used by several tests (rendered once).
STORY = """\
video "Blue Bird Counts" {
    fps 10
}

scene intro (3s) {
    background solid #3366CC
    title = text "Hello!" at (50%, 25%) size 120 color #FFFFFF font rounded weight bold
    narrator says "One bird sings."
}

transition crossfade 0.5s

scene counting_birds (3s) {
    background solid #FFE29A
    heading = text "Two birds" at (50%, 25%) size 100 color #3A2E5C font rounded
    narrator says "Two birds sing."
}
"""


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    folder = tmp_path_factory.mktemp("story")
    scene = write(folder, "story.scene", STORY)
    out = folder / "story.mp4"
    result = invoke(scene, "-o", out, "--size", SIZE, "--quality", "draft", "-q")
    assert result.exit_code == 0, result.output
    return out


# -- thumbnail -------------------------------------------------------------------------------


def test_publish_outputs_are_written_beside_the_video(story):
    names = sorted(p.name for p in story.parent.iterdir())
    assert names == ["story.json", "story.mp4", "story.scene", "story.srt", "story.thumbnail.jpg",
                     "story.thumbnail.png", "story.vtt"]  # captions are off, but there is speech


def test_thumbnail_has_the_platform_size_and_the_title(story):
    png, jpg = image(story.with_name("story.thumbnail.png")), image(story.with_name("story.thumbnail.jpg"))
    assert png.shape == (720, 1280, 4) and jpg.shape == (720, 1280, 4)  # 16:9 without a platform: YouTube's size
    # The title: white letters outlined in deep indigo, in the lower part of the safe area (5% margins).
    lower = png[int(0.55 * 720):int(0.95 * 720), int(0.05 * 1280):int(0.95 * 1280)]
    assert is_white(lower).mean() > 0.03
    assert is_dark(lower).mean() > 0.02
    assert not is_white(png[int(0.96 * 720):, :]).any()  # nothing in the bottom margin
    # Above it, the frame: the blue background of the first scene and its own white "Hello!".
    assert np.allclose(png[20, 20, :3], (0x33, 0x66, 0xCC), atol=12)
    meta = json.loads(story.with_suffix(".json").read_text())
    assert meta["thumbnail"]["png"] == "story.thumbnail.png" and meta["thumbnail"]["width"] == 1280
    x0, y0, x1, y1 = meta["thumbnail"]["title_box"]
    assert 0.05 * 1280 <= x0 < x1 <= 0.95 * 1280 and 0.5 * 720 < y0 < y1 <= 0.95 * 720


def test_vertical_platform_thumbnail(tmp_path):
    scene = write(tmp_path, "v.scene", """\
        video "Tall Tale" {
            fps 10
        }
        scene a (1s) {
            background solid #206040
        }
        """)
    result = invoke(scene, "-o", tmp_path / "v.mp4", "--platform", "shorts", "--size", VERTICAL, "-q")
    assert result.exit_code == 0, result.output
    png = image(tmp_path / "v.thumbnail.png")
    assert png.shape == (1920, 1080, 4)
    # The title sits above the Shorts UI at the bottom (380 of 1920 px) and inside the side margins.
    band = png[1000:1920 - 380, 60:1080 - 190]
    assert is_white(band).mean() > 0.02
    assert not is_white(png[1920 - 370:, :]).any()


THUMB = """\
video "Thumbs" {{
    fps 10
    {setting}
}}

scene grey (2s) {{
    background solid #808080
    wait 1s
    ball = circle at (50%, 30%) radius 400 fill #FF00AA
}}

scene green (1s) {{
    background solid #00AA00
}}
"""


@pytest.mark.parametrize("setting, colour", [
    ("", (0xFF, 0x00, 0xAA)),  # the most colourful frame of the first scene: the ball is there
    ("thumbnail at 0.2s", (0x80, 0x80, 0x80)),  # before the ball appears
    ("thumbnail at 2.5s", (0x00, 0xAA, 0x00)),  # in the second scene
])
def test_thumbnail_frame(tmp_path, setting, colour):
    scene = write(tmp_path, "t.scene", THUMB.format(setting=setting))
    result = invoke(scene, "-o", tmp_path / "t.mp4", "--size", SIZE, "--quality", "draft", "-q")
    assert result.exit_code == 0, result.output
    png = image(tmp_path / "t.thumbnail.png")
    assert np.allclose(png[int(0.3 * 720), 640, :3], colour, atol=10)


def test_thumbnail_at_is_part_of_the_timeline(tmp_path):
    path = write(tmp_path, "t.scene", THUMB.format(setting="thumbnail at 1.5s"))
    tl = load_scene(path, None, CompileOptions(size=(192, 108))).timeline
    assert tl.thumbnail_at == 1.5
    assert timeline_from_json(timeline_to_json(tl)).thumbnail_at == 1.5
    plain = load_scene(write(tmp_path, "p.scene", THUMB.format(setting="")), None, CompileOptions()).timeline
    assert plain.thumbnail_at is None and "thumbnail_at" not in timeline_to_json(plain)


def test_thumbnail_after_the_end_is_an_error(tmp_path):
    path = write(tmp_path, "t.scene", THUMB.format(setting="thumbnail at 9s"))
    with pytest.raises(SceneError) as err:
        load_scene(path, None, CompileOptions())
    assert "thumbnail at 9s is after the end of the video (3s)" in err.value.message
    assert err.value.location.line == 3


def test_no_extras_writes_only_the_video(tmp_path):
    scene = write(tmp_path, "t.scene", THUMB.format(setting=""))
    result = invoke(scene, "-o", tmp_path / "t.mp4", "--size", SIZE, "--no-extras", "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.mp4", "t.scene"]


# -- metadata --------------------------------------------------------------------------------


def test_metadata(story):
    meta = json.loads(story.with_suffix(".json").read_text())
    assert meta["title"] == "Blue Bird Counts"
    assert [(c["title"], c["timestamp"]) for c in meta["chapters"]] == [("Intro", "0:00"), ("Counting birds", "0:02")]
    assert meta["chapters"][1]["start"] == pytest.approx(2.5)
    assert meta["youtube_chapters"] == "0:00 Intro\n0:02 Counting birds"
    assert "at least 3" in meta["youtube_chapters_note"]  # too few and too short for YouTube to show
    assert meta["description"].startswith("One bird sings.\n\nTwo birds sing.\n\nChapters:\n0:00 Intro\n")
    assert {"blue bird counts", "blue", "bird", "counts", "intro"} <= set(meta["tags"])
    assert meta["duration"] == pytest.approx(5.5, abs=0.05)
    assert (meta["width"], meta["height"], meta["resolution"], meta["fps"]) == (192, 108, "192x108", 10.0)
    assert meta["frames"] == 55
    assert meta["video"]["codec"] == "h264" and meta["video"]["profile"] == "High"
    assert meta["audio"]["codec"] == "aac" and meta["audio"]["sample_rate"] == 48000
    assert meta["codecs"] == "h264 High, aac LC"
    assert meta["bit_rate"] > 0 and meta["video"]["bit_rate"] > 0
    assert meta["file_size"] == story.stat().st_size
    assert meta["loudness"]["integrated_lufs"] == pytest.approx(-14.0, abs=1.0)
    assert meta["loudness"]["true_peak_dbtp"] <= -1.0
    assert meta["captions"]["srt"] == "story.srt" and meta["captions"]["cues"] == 2
    # Per-platform fields: the title and description for each; what breaks each one's limits.
    assert set(meta["platforms"]) == set(PLATFORM_NAMES)
    assert meta["platforms"]["youtube"]["ok"] is True
    assert meta["platforms"]["shorts"]["ok"] is False
    assert "aspect" in meta["platforms"]["shorts"]["problems"][0]
    assert meta["platforms"]["shorts"]["description"].endswith("#shorts")
    assert "#bluebirdcounts" in meta["platforms"]["tiktok"]["caption"]
    # On-screen text, for the contrast check.
    texts = {t["text"]: t for t in meta["text"]}
    assert set(texts) == {"Hello!", "Two birds"}
    hello = texts["Hello!"]
    assert hello["fill"] == [255, 255, 255] and hello["large"] is True and hello["scene"] == "intro"
    x0, y0, x1, y1 = hello["box"]
    assert x0 < 96 < x1 and y0 < 27 < y1


# -- --platform ---------------------------------------------------------------------------------


def _structure(path: Path):
    """Packets in decode order (pts, keyframe), and the decoded frames' picture types."""
    with av.open(str(path)) as c:
        packets = [(p.pts, p.is_keyframe) for p in c.demux(video=0) if p.size]
    with av.open(str(path)) as c:
        types = [int(f.pict_type) for f in c.decode(video=0)]  # 1 I, 2 P, 3 B
        stream = c.streams.audio[0]
        audio = (stream.codec_context.name, stream.codec_context.profile, stream.codec_context.sample_rate,
                 stream.codec_context.layout.name)
    return packets, types, audio


def _longest_run(values, wanted) -> int:
    best = run = 0
    for v in values:
        run = run + 1 if v == wanted else 0
        best = max(best, run)
    return best


def test_platform_youtube_follows_the_upload_recommendations(tmp_path):
    scene = write(tmp_path, "t.scene", """\
        video "YT" {
            fps 10
        }
        scene a (3s) {
            background gradient #FFE29A #FFA99F vertical
            ball = circle at (20%, 50%) radius 30 fill #E63946
            ball: move to (80%, 50%) 3s
        }
        """)
    out = tmp_path / "t.mp4"
    # draft is x264's ultrafast preset, which on its own turns CABAC and B-frames off
    result = invoke(scene, "-o", out, "--platform", "youtube", "--size", SIZE, "--quality", "draft", "-q")
    assert result.exit_code == 0, result.output
    packets, types, audio = _structure(out)
    keys = [i for i, (_, key) in enumerate(packets) if key]
    assert keys[0] == 0 and len(packets) == 30
    assert max(b - a for a, b in zip(keys, keys[1:] + [len(packets)])) <= 5  # GOP: half the frame rate
    for k in keys:  # closed GOPs: nothing after a keyframe (in decode order) is shown before it
        following = [pts for pts, key in packets[k + 1:] if not key][:4]
        assert all(pts > packets[k][0] for pts in following)
    assert _longest_run(types, 3) == 2  # 2 consecutive B-frames
    assert types.count(3) >= 10
    assert audio == ("aac", "LC", 48000, "stereo")
    info = check_video(out, "youtube")
    assert info.info.video.cabac is True and info.info.faststart
    assert info.check("encoding").status == "pass"


def test_without_a_platform_the_encoding_is_unchanged(tmp_path):
    scene = write(tmp_path, "t.scene", "video \"x\" {\n    fps 10\n}\nscene a (3s) {\n    background solid #123456\n}\n")
    result = invoke(scene, "-o", tmp_path / "t.mp4", "--size", SIZE, "--quality", "draft", "-q", "--no-extras")
    assert result.exit_code == 0, result.output
    packets, types, _ = _structure(tmp_path / "t.mp4")
    assert [i for i, (_, key) in enumerate(packets) if key] == [0, 20]  # storyreel's 2 s GOP
    assert 3 not in types  # ultrafast: no B-frames


def test_platform_limits_are_checked_before_rendering(tmp_path):
    long = write(tmp_path, "long.scene", "video \"x\" {\n    fps 10\n}\nscene a (200s) {\n    background solid #123456\n}\n")
    result = invoke(long, "-o", tmp_path / "long.mp4", "--platform", "shorts", "--size", VERTICAL)
    assert result.exit_code == 1
    assert "error: the video lasts 3m20s; YouTube Shorts takes at most 3m00s" in result.stderr
    assert "nothing was rendered" in result.stderr and "Traceback" not in result.stderr
    wide = write(tmp_path, "wide.scene", "video \"x\" {\n    fps 10\n}\nscene a (1s) {\n    background solid #123456\n}\n")
    result = invoke(wide, "-o", tmp_path / "wide.mp4", "--platform", "reels", "--size", "384x108")
    assert result.exit_code == 1
    assert "384x108 (aspect 3.556) is outside the aspect ratios Instagram Reels accepts (9:16 to 1.91:1)" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.scene", "wide.scene"]


def test_platform_sets_the_layout(tmp_path):
    # The file says youtube; --platform instagram renders the feed's 4:5 at its recommended size.
    scene = write(tmp_path, "t.scene", "video \"x\" {\n    preset youtube\n}\nscene a (1s) {\n    background solid #123456\n}\n")
    result = invoke(scene, "-o", tmp_path / "t.mp4", "--platform", "instagram", "--fps", "2", "--quality", "draft", "-q")
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "t.json").read_text())
    assert (meta["width"], meta["height"], meta["aspect"], meta["platform"]) == (1080, 1350, "4:5", "instagram")
    assert image(tmp_path / "t.thumbnail.jpg").shape == (1350, 1080, 4)


def test_platform_data_file_is_validated(tmp_path):
    assert list(load_platforms()) == list(PLATFORM_NAMES)
    yt = get_platform("youtube")
    assert yt.gop_for(30) == 15 and yt.bframes == 2 and yt.bitrate_for(1920, 1080, 30) == 8000
    assert yt.bitrate_for(1920, 1080, 60) == 12000 and yt.bitrate_for(1080, 1920, 30) == 8000
    broken = tmp_path / "p.yaml"
    text = DATA_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace("  gop_seconds: 0.5                  # \"closed GOP", "  gop_secs: 0.5  # \"", 1))
    with pytest.raises(PlatformError, match="youtube: missing gop_seconds; unknown gop_secs"):
        load_platforms(broken)
    with pytest.raises(PlatformError, match="unknown platform 'myspace'"):
        get_platform("myspace")


# -- check-video ---------------------------------------------------------------------------------


def test_check_video_passes_a_good_file(story):
    result = invoke("check-video", story, "--platform", "youtube")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "ok: every check passes"
    for name in ("duration", "sync", "loudness", "file size", "flashes", "red flashes", "text contrast",
                 "reading speed"):
        line = next(line for line in result.output.splitlines() if line.strip().startswith(name + " "))
        assert line.rstrip().endswith("pass"), line


def _failed(result) -> str:
    assert result.exit_code == 1, result.output
    last = result.output.splitlines()[-1]
    assert last.startswith("FAILED: "), result.output
    return last[len("FAILED: "):]


def test_check_video_fails_a_strobing_file(tmp_path):
    scene = write(tmp_path, "s.scene", """\
        video "Strobe" {
            fps 10
        }
        scene calm (1s) {
            background solid #406080
        }
        {% for i in range(20) %}
        scene s{{ i }} (0.1s) {
            background solid {{ "#000000" if i % 2 else "#FFFFFF" }}
        }
        {% endfor %}
        """)
    out = tmp_path / "s.mp4"
    assert invoke(scene, "-o", out, "--size", SIZE, "-q").exit_code == 0
    result = invoke("check-video", out)
    assert _failed(result) == "flashes"
    assert "10 luminance transitions over a quarter of the screen" in result.output


def test_check_video_fails_low_contrast_text(tmp_path):
    scene = write(tmp_path, "l.scene", """\
        video "Pale" {
            fps 10
        }
        scene a (1s) {
            background solid white
            title = text "Pale title" at (50%, 40%) size 100 color #CCCCCC font rounded
            note = text "Readable" at (50%, 80%) size 40 color #3A2E5C
        }
        """)
    out = tmp_path / "l.mp4"
    assert invoke(scene, "-o", out, "--size", SIZE, "-q").exit_code == 0
    result = invoke("check-video", out)
    assert _failed(result) == "text contrast"
    assert "'Pale title' in scene a: 1.6" in result.output and "needs 3:1" in result.output


def test_check_video_fails_captions_too_fast_for_the_age(story, tmp_path):
    # A brisk narrator (about 14 chars/s) is fine for children's programmes (17 chars/s), too fast
    # for a three-year-old. (The default voice reads slower than that: its own captions pass.)
    brisk = tmp_path / "brisk.mp4"
    shutil.copy(story, brisk)
    (tmp_path / "brisk.srt").write_text("1\n00:00:00,500 --> 00:00:01,600\nOne bird sings.\n", encoding="utf-8")
    result = invoke("check-video", brisk, "--age", "3")
    assert _failed(result) == "reading speed"
    assert "<= 12 chars/s (age 3)" in result.output
    assert invoke("check-video", brisk).exit_code == 0
    # A cue crammed with words fails at any age.
    copy = tmp_path / "fast.mp4"
    shutil.copy(story, copy)
    (tmp_path / "fast.srt").write_text(
        "1\n00:00:00,500 --> 00:00:01,500\nThis caption has far too many words\nfor anyone to read in one second\n",
        encoding="utf-8")
    result = invoke("check-video", copy, "--age", "30")
    assert _failed(result) == "reading speed"
    assert "68.0 chars/s" in result.output


def test_check_video_fails_loudness_off_target(tmp_path):
    """A file written directly with PyAV, without storyreel's normaliser: a quiet sine."""
    out = tmp_path / "quiet.mp4"
    with av.open(str(out), "w") as c:
        video = c.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 36, "yuv420p"
        audio = c.add_stream("aac", rate=48000, layout="stereo")
        for i in range(30):
            frame = av.VideoFrame.from_ndarray(np.full((36, 64, 3), 90, np.uint8), format="rgb24")
            frame.pts = i
            c.mux(video.encode(frame))
        c.mux(video.encode(None))
        t = np.arange(3 * 48000) / 48000
        tone = (0.02 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for k in range(0, len(tone), 1024):
            chunk = tone[k:k + 1024]
            frame = av.AudioFrame.from_ndarray(np.stack([chunk, chunk]), format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = 48000, k
            c.mux(audio.encode(frame))
        c.mux(audio.encode(None))
    result = invoke("check-video", out)
    assert _failed(result) == "loudness"
    assert "LU under the target -14" in result.output


def test_check_video_fails_over_the_platform_duration(tmp_path):
    scene = write(tmp_path, "l.scene", "video \"x\" {\n    fps 1\n}\nscene a (181s) {\n    background solid #123456\n}\n")
    out = tmp_path / "l.mp4"
    assert invoke(scene, "-o", out, "--size", "36x64", "-q", "--no-extras").exit_code == 0
    assert invoke("check-video", out).exit_code == 0
    result = invoke("check-video", out, "--platform", "shorts")
    assert _failed(result) == "duration"
    assert "YouTube Shorts takes videos up to 3m00s" in result.output


# -- the analysers on their own ------------------------------------------------------------------


def _analyse(frames, fps=10.0):
    flashes = FlashAnalyzer(fps)
    for f in frames:
        flashes.add(np.broadcast_to(np.asarray(f, np.uint8), (9, 16, 3)).copy())
    return flashes.result()


def test_red_flashes_are_caught_even_at_equal_luminance():
    # Saturated red and a green of the same relative luminance: no luminance flash, a red one.
    red, green = (255, 0, 0), (0, 148, 0)
    assert contrast_ratio(red, green) < 1.05
    result = _analyse([red if i % 2 else green for i in range(20)])
    assert result.general <= MAX_TRANSITIONS_PER_SECOND < result.red


def test_slow_fades_and_three_flashes_pass():
    fade = _analyse([(round(255 * i / 29),) * 3 for i in range(30)], fps=30)  # black to white over a second
    assert fade.general == 1
    # Three flashes a second (black, white, black, ... every 5 frames at 30 fps = 6 transitions) is the limit.
    three = _analyse([(255,) * 3 if (i // 5) % 2 else (0,) * 3 for i in range(60)], fps=30)
    assert three.general == 6
    four = _analyse([(255,) * 3 if (i // 4) % 2 else (0,) * 3 for i in range(60)], fps=30)
    assert four.general > MAX_TRANSITIONS_PER_SECOND
    # Bright changes above 0.80 relative luminance do not count (WCAG: the darker state must be below 0.80).
    bright = _analyse([(255,) * 3 if i % 2 else (235,) * 3 for i in range(20)])
    assert bright.general == 0
