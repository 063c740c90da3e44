"""`--profile`, the static-prefix cache, encoder restarts at chunk starts and
deterministic encoding: real renders, decoded; the rasteriser's buffers compared
byte for byte."""
from __future__ import annotations

import hashlib

import av
import pytest
from click.testing import CliRunner
from helpers import decode
from storyreel.cli import main
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_video
from storyreel.engine.encode.chunks import plan_chunks
from storyreel.engine.encode.encoder import EncodeSettings, VideoWriter, x264_params
from storyreel.engine.encode.profile import Profile
from storyreel.engine.raster.raster import Rasterizer

# Mostly static: a gradient, a title and shapes that never move, one small dot
# crossing, a crossfade into a second scene with a title fading in.
STATIC = """\
video "static" {
    fps 15
}

scene a (2s) {
    background gradient #FFE29A #FFA99F vertical
    title = text "Hello there" at (50%, 25%) size 120 color #3A2E5C shadow
    box = rect at (20%, 70%) size 200 200 radius 30 fill #4D96FF
    ring = circle at (80%, 70%) radius 90 fill transparent stroke #3A2E5C 10
    dot = circle at (10%, 50%) radius 20 fill tomato
    dot: move to (90%, 50%) over 2s
}

transition crossfade 0.5s

scene b (2s) {
    background solid #A0C4FF
    label = text "Bye" at (50%, 50%) size 150 color white outline #1D3557 6
    label: fade in 1s
}
"""


@pytest.fixture
def static_scene(tmp_path):
    path = tmp_path / "static.scene"
    path.write_text(STATIC, encoding="utf-8")
    return path


def test_profile_prints_the_stages_and_fps(static_scene, tmp_path):
    result = CliRunner().invoke(main, [str(static_scene), "-o", str(tmp_path / "o.mp4"), "--size", "160x90",
                                       "--profile", "--no-extras", "-q"])
    assert result.exit_code == 0, result.output
    table = result.output
    for stage in ("prepare:audio", "sample", "raster:background", "raster:text", "raster:static", "convert",
                  "encode", "mux", "audio", "ms/frame", "% wall"):
        assert stage in table, stage
    assert " fps" in table and "52 frames in" in table


def test_profile_with_workers_adds_the_join(static_scene, tmp_path):
    result = CliRunner().invoke(main, [str(static_scene), "-o", str(tmp_path / "o.mp4"), "--size", "160x90",
                                       "--profile", "--workers", "2", "--no-extras", "-q"])
    assert result.exit_code == 0, result.output
    for stage in ("concat", "encode", "raster:", "audio"):
        assert stage in result.output


def test_profile_object_sums_per_layer_kind(static_scene):
    timeline = load_scene(static_scene, None, CompileOptions(size=(160, 90))).timeline
    profile = Profile()
    raster = Rasterizer(160, 90)
    raster.profile = profile
    for i in range(timeline.frame_count):
        raster.draw(timeline.sample(i / timeline.fps))
    # The static prefix (gradient, title, box, ring) is drawn once, then blitted:
    # the title is drawn only a few times, not in every frame of scene a.
    assert profile.counts["raster:static"] >= 20
    assert profile.counts["raster:text"] < 40
    assert profile.counts["raster:circle"] >= 25  # the moving dot, every frame


def render_all(timeline, raster) -> list[bytes]:
    return [raster.draw(timeline.sample(i / timeline.fps)).tobytes() for i in range(timeline.frame_count)]


@pytest.mark.parametrize("source", ["static", "reference"])
def test_static_prefix_draws_exactly_what_drawing_everything_draws(static_scene, source):
    from pathlib import Path

    path = static_scene if source == "static" else Path(__file__).parents[1] / "bench" / "reference.scene"
    timeline = load_scene(path, None, CompileOptions(size=(320, 180), fps=10)).timeline
    plain = Rasterizer(timeline.width, timeline.height)
    plain.flatten = False
    assert render_all(timeline, Rasterizer(timeline.width, timeline.height)) == render_all(timeline, plain)


@pytest.mark.parametrize("source", ["static", "reference"])
def test_encoder_frames_restore_only_the_rows_that_moved_exactly(static_scene, source):
    """Drawing into the encoder's pooled frames, which come back holding a frame
    drawn a few frames ago, restores only the rows the moving items covered then:
    every frame must still be byte for byte what drawing everything gives."""
    from pathlib import Path

    from storyreel.engine.encode.encoder import PooledFrame

    path = static_scene if source == "static" else Path(__file__).parents[1] / "bench" / "reference.scene"
    timeline = load_scene(path, None, CompileOptions(size=(320, 180), fps=10)).timeline
    pool = [PooledFrame(320, 180) for _ in range(3)]
    pooled, plain = Rasterizer(320, 180), Rasterizer(320, 180)
    plain.flatten = False
    partial = 0
    for i in range(timeline.frame_count):
        slot = pool[i % len(pool)]
        partial += slot.drawn is not None
        frame = timeline.sample(i / timeline.fps)
        assert pooled.draw(frame, slot).tobytes() == plain.draw(frame).tobytes(), i
    assert partial > timeline.frame_count // 3  # the partial restore did happen


def test_reset_history_gives_a_fresh_rasterisers_frame(static_scene):
    timeline = load_scene(static_scene, None, CompileOptions(size=(160, 90))).timeline
    used = Rasterizer(160, 90)
    for i in range(20):
        used.draw(timeline.sample(i / 15))
    used.reset_history()
    frame = timeline.sample(20 / 15)
    assert used.draw(frame).tobytes() == Rasterizer(160, 90).draw(frame).tobytes()


def test_a_plain_render_restarts_the_encoder_at_each_chunk(static_scene, tmp_path):
    timeline = load_scene(static_scene, None, CompileOptions(size=(160, 90))).timeline
    out = tmp_path / "o.mp4"
    render_video(timeline, out, quality="standard")
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        step = round(1 / (stream.time_base * stream.average_rate))
        keys = {p.pts // step for p in container.demux(stream) if p.size and p.is_keyframe}
    assert {c.first for c in plan_chunks(timeline)} <= keys
    assert len(decode(out).frames) == timeline.frame_count


def test_x264_is_deterministic_at_awkward_widths(static_scene, tmp_path):
    """The same frames encoded twice give the same bytes (x264's AVX-512 code
    did not at widths that are not a multiple of 128)."""
    assert "open-gop=0" in x264_params()
    timeline = load_scene(static_scene, None, CompileOptions(size=(192, 108))).timeline
    raster = Rasterizer(192, 108)
    frames = [raster.draw(timeline.sample(i / 15)).copy() for i in range(30)]
    digests = set()
    for attempt in range(4):
        out = tmp_path / f"{attempt}.mp4"
        with VideoWriter(out, EncodeSettings(192, 108, 15, "standard", audio=False)) as writer:
            for frame in frames:
                writer.write(frame)
        with av.open(str(out)) as container:
            digests.add(hashlib.sha256(b"".join(bytes(p) for p in container.demux(video=0))).hexdigest())
    assert len(digests) == 1


def test_a_repeated_frame_is_not_rasterised(static_scene, tmp_path):
    text = STATIC.replace("dot: move to (90%, 50%) over 2s", "wait 2s")  # scene a: nothing moves
    path = tmp_path / "still.scene"
    path.write_text(text, encoding="utf-8")
    timeline = load_scene(path, None, CompileOptions(size=(160, 90))).timeline
    profile = Profile()
    render_video(timeline, tmp_path / "o.mp4", quality="draft", profile=profile)
    rasterised = profile.counts.get("raster:background", 0)
    assert rasterised < timeline.frame_count // 2  # most of scene a repeats the first frame
    assert len(decode(tmp_path / "o.mp4").frames) == timeline.frame_count


class _Whole:
    """The writer's converter, always converting the whole frame."""

    def __call__(self, item):
        return item.frame.reformat(format="yuv420p")


@pytest.mark.parametrize("source, size", [("static", (320, 180)), ("reference", (320, 180)),
                                          ("static", (330, 186))])
def test_converting_only_the_changed_rows_is_exact(static_scene, tmp_path, source, size):
    """The rasteriser reports the rows that changed; the converter converts only
    those: the encoded video is byte for byte the one whole-frame conversion gives.
    (At 330 px the encoder pads each row, so the band is copied out, not viewed.)"""
    from pathlib import Path

    from storyreel.engine.encode.frames import render_frames

    path = static_scene if source == "static" else Path(__file__).parents[1] / "bench" / "reference.scene"
    timeline = load_scene(path, None, CompileOptions(size=size, fps=10)).timeline
    w, h = timeline.width, timeline.height
    digests, partial = [], []
    for convert in (None, _Whole()):
        out = tmp_path / f"{len(digests)}.mp4"
        raster = Rasterizer(w, h)
        seen = []
        with VideoWriter(out, EncodeSettings(w, h, timeline.fps, "standard", audio=False), convert=convert) as writer:
            original = writer.submit

            def submit(slot, dirty=None, seen=seen, original=original):
                seen.append(dirty)
                original(slot, dirty)

            writer.submit = submit
            render_frames(timeline, range(timeline.frame_count), writer, raster=raster)
        partial.append(sum(1 for d in seen if d is not None))
        with av.open(str(out)) as container:
            digests.append(hashlib.sha256(b"".join(bytes(p) for p in container.demux(video=0))).hexdigest())
    assert partial[0] >= 5  # rows were tracked for some frames
    assert digests[0] == digests[1]


def test_released_frames_do_not_pile_up():
    """Frames the encoder is done with are kept for reuse only up to a few: a video
    of whole-frame changes (every frame converted afresh) used to keep every one
    of them, 3 MB a frame at 1080p, so memory grew with the video's length."""
    import numpy as np
    from storyreel.engine.encode.encoder import PooledFrame, SwscaleConverter

    convert = SwscaleConverter()
    slot = PooledFrame(64, 36)
    lumas = []
    for shade in range(0, 240, 6):
        slot.pixels[:] = (shade, shade, shade, 255)
        slot.dirty = None  # everything changed
        frame = convert(slot)
        lumas.append(int(np.frombuffer(frame.planes[0], np.uint8)[0]))
        convert.release(frame)
    assert lumas == sorted(lumas) and len(set(lumas)) == len(lumas)  # each frame converted afresh
    assert convert._spare.qsize() <= SwscaleConverter.SPARES


# A picture-book page: the backdrop zooms all through the scene, so no frame has a
# static prefix; the tint, paper and words over it never change; a dot moves on top.
PAGES = """\
video "pages" {
    fps 10
}

scene one (2s) {
    background gradient #1D3557 #A8DADC vertical
    background: zoom 1.0 -> 1.1 over scene
    tint = rect at (50%, 50%) size 100% 100% fill #FFB7003A
    paper = rect at (0%, 0%) anchor top-left size 100% 30% fill #FFFFFFA0
    words = text "Once upon a time" at (50%, 15%) size 80 color #3A2E5C
    dot = circle at (10%, 80%) radius 30 fill tomato
    dot: move to (90%, 80%) over 2s
}

transition slide left 0.4s

scene two (2s) {
    background gradient #2A9D8F #E9C46A vertical
    background: zoom 1.1 -> 1.0 over scene
    tint = rect at (50%, 50%) size 100% 100% fill #3A2E5C30
    words = text "The end" at (50%, 50%) size 100 color white
}
"""


def test_static_layers_over_a_moving_backdrop_are_drawn_once(tmp_path):
    path = tmp_path / "pages.scene"
    path.write_text(PAGES, encoding="utf-8")
    timeline = load_scene(path, None, CompileOptions(size=(320, 180))).timeline
    layered, plain = Rasterizer(320, 180), Rasterizer(320, 180)
    plain.flatten = False
    images = []
    for i in range(12):
        frame = timeline.sample(i / timeline.fps)
        a = layered.draw(frame).astype(int)
        b = plain.draw(frame).astype(int)
        # Blending the run into a layer first rounds differently, by a few levels at most.
        assert abs(a - b).max() <= 8 and abs(a - b).mean() < 0.5, i
        images.append(layered._runs.get(1, (None, None))[1])
    # From the second frame on, tint, paper and words (items 1-3) are one layer, drawn once.
    assert images[0] is None and images[1] is not None and all(im is images[1] for im in images[2:])
    assert len(layered._runs[1][0]) == 3


def test_layered_runs_give_the_same_frames_in_chunks(tmp_path):
    path = tmp_path / "pages.scene"
    path.write_text(PAGES, encoding="utf-8")
    timeline = load_scene(path, None, CompileOptions(size=(160, 90))).timeline
    render_video(timeline, tmp_path / "one.mp4", quality="draft")
    render_video(timeline, tmp_path / "two.mp4", quality="draft", workers=2)
    one, two = decode(tmp_path / "one.mp4"), decode(tmp_path / "two.mp4")
    assert len(one.frames) == len(two.frames) == timeline.frame_count
    assert all((x == y).all() for x, y in zip(one.frames, two.frames))
