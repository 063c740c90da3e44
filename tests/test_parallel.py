"""Chunked rendering: `--workers N` and `--cache DIR`.

Real renders at 160x90, 15 fps, decoded with PyAV: parallel output decodes to
exactly the frames of a one-process render, the joins are clean, the audio is
encoded once and in sync, the cache reuses unchanged scenes and re-renders
corrupt entries, misuse and failing workers end the render with a clear error
and no output. Nothing is mocked.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pytest
import skia
from click.testing import CliRunner
from helpers import decode
from storyreel.cli import main
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_video
from storyreel.engine.encode.chunks import RenderWorkerError, plan_chunks
from storyreel.engine.encode.frames import frame_range
from storyreel.engine.encode.segment_cache import SegmentCache
from storyreel.engine.timeline.serialize import timeline_from_dict, timeline_to_dict

SIZE = (160, 90)
FPS = 15

# Three scenes, two transitions (crossfade, wipe), a gradient, a photo with a Ken
# Burns zoom, text, moving and static stretches (so frames repeat), and a sound.
SCENE = """\
video "chunks" {{
    fps 15
}}

scene one (1.4s) {{
    background gradient #FFE29A #FFA99F vertical
    title = text "{title}" at (50%, 30%) size 120 color #3A2E5C
    ball = circle at (10%, 70%) radius 60 fill tomato
    ball: move to (90%, 70%) over 1s
}}

transition crossfade 0.4s

scene two (1.6s) {{
    background image "photo.png" fit cover
    background: zoom 1.0 -> 1.2 over scene
    label = text "{label}" at (50%, 50%) size 140 color white
    wait 0.6s
    sound pop
}}

transition wipe 0.4s

scene three (1.6s) {{
    background solid #A0C4FF
    star = star at (50%, 50%) points 5 radius 150 fill gold
    wait 0.4s
    star: rotate to 90 0.5s
}}
"""


def write_photo(path: Path) -> None:
    w, h = 240, 135
    yy, xx = np.mgrid[0:h, 0:w]
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[..., 0] = (xx * 255 // w).astype(np.uint8)
    rgba[..., 1] = (yy * 255 // h).astype(np.uint8)
    rgba[..., 2] = ((xx // 20 + yy // 20) % 2 * 200).astype(np.uint8)
    rgba[..., 3] = 255
    data = skia.Image.fromarray(rgba, colorType=skia.kRGBA_8888_ColorType).encodeToData(skia.kPNG, 100)
    path.write_bytes(bytes(data))


@pytest.fixture
def project(tmp_path):
    """(scene path, a function writing the scene with the given texts)."""
    write_photo(tmp_path / "photo.png")
    path = tmp_path / "chunks.scene"

    def write(title: str = "One", label: str = "Two") -> Path:
        path.write_text(SCENE.format(title=title, label=label), encoding="utf-8")
        return path

    write()
    return path, write


def load(path: Path):
    return load_scene(path, None, CompileOptions(size=SIZE)).timeline


def same_frames(a, b) -> bool:
    return len(a.frames) == len(b.frames) and all(np.array_equal(x, y) for x, y in zip(a.frames, b.frames))


def decode_audio(path: Path) -> np.ndarray:
    """The first audio stream as (2, n) float32, placed by its timestamps."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        parts = []
        for frame in container.decode(stream):
            parts.append(frame.to_ndarray())
        return np.concatenate(parts, axis=1)


def packets(path: Path) -> list[tuple[int, int, bool]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        per_frame = round(1 / (stream.time_base * stream.average_rate))
        return [(p.pts // per_frame, p.dts, p.is_keyframe) for p in container.demux(stream) if p.size]


# -- parallel = one process ----------------------------------------------------------------

def test_plan_cuts_at_scene_starts_and_transition_ends(project):
    timeline = load(project[0])
    chunks = plan_chunks(timeline)
    cuts = [c.first for c in chunks]
    assert cuts[0] == 0 and chunks[-1].stop == timeline.frame_count
    assert all(a.stop == b.first for a, b in pairwise(chunks))  # they tile the video
    for scene in timeline.scenes[1:]:
        assert round(scene.start * FPS) in cuts
    for tr in timeline.transitions:
        assert round(tr.end * FPS) in cuts
    assert [c.transition for c in chunks] == [False, True, False, True, False]


def test_workers_2_decodes_to_exactly_the_frames_of_one_process(project, tmp_path):
    timeline = load(project[0])
    render_video(timeline, tmp_path / "one.mp4", quality="draft")
    render_video(timeline, tmp_path / "two.mp4", quality="draft", workers=2)
    one, two = decode(tmp_path / "one.mp4"), decode(tmp_path / "two.mp4")
    assert len(one.frames) == len(two.frames) == timeline.frame_count == round(3.8 * FPS)
    assert same_frames(one, two)
    assert abs(one.duration - two.duration) < 1e-6 and abs(two.duration - timeline.duration) < 0.05
    assert (two.width, two.height, two.fps, two.codec, two.pix_fmt) == (*SIZE, FPS, "h264", "yuv420p")
    assert one.audio == two.audio == ["aac/48000/stereo"]  # one audio track, encoded once


def test_cache_and_workers_do_not_change_the_pictures(project, tmp_path):
    timeline = load(project[0])
    render_video(timeline, tmp_path / "plain.mp4", quality="draft")
    plain = decode(tmp_path / "plain.mp4")
    cache = tmp_path / "cache"
    for name, kw in [("cold1", {"cache": cache}), ("warm2", {"cache": cache, "workers": 2}),
                     ("three", {"workers": 3})]:
        render_video(timeline, tmp_path / f"{name}.mp4", quality="draft", **kw)
        assert same_frames(plain, decode(tmp_path / f"{name}.mp4")), name


def test_joins_are_clean(project, tmp_path):
    """Every frame once, in order; dts strictly increasing; an IDR frame (closed
    GOP) at each chunk start and the frames around each join decode."""
    timeline = load(project[0])
    out = tmp_path / "two.mp4"
    render_video(timeline, out, quality="standard", workers=2)
    found = packets(out)
    assert sorted(p[0] for p in found) == list(range(timeline.frame_count))  # none missing, none twice
    dts = [p[1] for p in found]
    assert all(a < b for a, b in pairwise(dts))
    keyframes = {p[0] for p in found if p[2]}
    assert {c.first for c in plan_chunks(timeline)} <= keyframes
    with av.open(str(out)) as container:
        pts = [f.pts for f in container.decode(video=0)]
    assert all(b > a for a, b in pairwise(pts))
    assert len(set(np.diff(pts))) == 1  # evenly spaced: no gap or repeat at a join


def test_audio_once_and_in_sync(project, tmp_path):
    timeline = load(project[0])
    (clip,) = timeline.audio
    render_video(timeline, tmp_path / "one.mp4", quality="draft")
    render_video(timeline, tmp_path / "two.mp4", quality="draft", workers=2)
    a, b = decode_audio(tmp_path / "one.mp4"), decode_audio(tmp_path / "two.mp4")
    assert a.shape == b.shape and np.array_equal(a, b)  # the same AAC frames
    assert abs(a.shape[1] / 48_000 - timeline.duration) < 0.03
    onset = int(np.argmax(np.abs(b).max(axis=0) > 0.05)) / 48_000
    assert abs(onset - clip.start) < 0.01, (onset, clip.start)


def test_a_range_renders_the_same_frames_in_parallel(project, tmp_path):
    timeline = load(project[0])
    render_video(timeline, tmp_path / "one.mp4", quality="draft", start=0.5, end=3.5)
    render_video(timeline, tmp_path / "two.mp4", quality="draft", start=0.5, end=3.5, workers=2)
    one, two = decode(tmp_path / "one.mp4"), decode(tmp_path / "two.mp4")
    assert len(two.frames) == len(frame_range(timeline, 0.5, 3.5)) == 44 and same_frames(one, two)


# -- the cache ----------------------------------------------------------------------------

def test_cache_reuses_unchanged_scenes(project, tmp_path):
    path, write = project
    cache = SegmentCache(tmp_path / "cache")
    chunks = plan_chunks(load(path))
    render_video(load(path), tmp_path / "a.mp4", quality="draft", cache=cache)
    assert (cache.stats.hits, cache.stats.misses, cache.stats.stored) == (0, len(chunks), len(chunks))

    cache = SegmentCache(tmp_path / "cache")
    render_video(load(path), tmp_path / "b.mp4", quality="draft", cache=cache, workers=2)
    assert (cache.stats.hits, cache.stats.misses) == (len(chunks), 0)  # nothing rendered
    assert same_frames(decode(tmp_path / "a.mp4"), decode(tmp_path / "b.mp4"))

    # Edit scene two: it and the two transitions touching it are rendered again,
    # scenes one and three come from the cache.
    write(label="Deux")
    cache = SegmentCache(tmp_path / "cache")
    timeline = load(path)
    render_video(timeline, tmp_path / "c.mp4", quality="draft", cache=cache)
    assert (cache.stats.hits, cache.stats.misses) == (2, 3)
    render_video(timeline, tmp_path / "fresh.mp4", quality="draft")
    assert same_frames(decode(tmp_path / "c.mp4"), decode(tmp_path / "fresh.mp4"))


def test_a_changed_image_file_invalidates_its_scene(project, tmp_path):
    path, _ = project
    cache = SegmentCache(tmp_path / "cache")
    render_video(load(path), tmp_path / "a.mp4", quality="draft", cache=cache)
    photo = tmp_path / "photo.png"
    image = skia.Image.open(str(photo)).toarray(colorType=skia.kRGBA_8888_ColorType)
    image[..., 0] = 255 - image[..., 0]
    photo.write_bytes(bytes(skia.Image.fromarray(image, colorType=skia.kRGBA_8888_ColorType)
                            .encodeToData(skia.kPNG, 100)))
    cache = SegmentCache(tmp_path / "cache")
    render_video(load(path), tmp_path / "b.mp4", quality="draft", cache=cache)
    assert (cache.stats.hits, cache.stats.misses) == (2, 3)  # scene two and its transitions


def test_a_corrupt_cache_entry_is_detected_and_rendered_again(project, tmp_path):
    path, _ = project
    timeline = load(path)
    cache = SegmentCache(tmp_path / "cache")
    render_video(timeline, tmp_path / "a.mp4", quality="draft", cache=cache)
    entries = sorted((tmp_path / "cache").glob("*.mp4"))
    assert len(entries) == 5
    data = bytearray(entries[2].read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    entries[2].write_bytes(bytes(data))
    (tmp_path / "cache" / f"{entries[4].stem}.json").write_text("{not json", encoding="utf-8")

    cache = SegmentCache(tmp_path / "cache")
    render_video(timeline, tmp_path / "b.mp4", quality="draft", cache=cache, workers=2)
    assert (cache.stats.corrupt, cache.stats.hits, cache.stats.misses) == (2, 3, 2)
    assert same_frames(decode(tmp_path / "a.mp4"), decode(tmp_path / "b.mp4"))
    cache = SegmentCache(tmp_path / "cache")  # and the entries were replaced by good ones
    render_video(timeline, tmp_path / "c.mp4", quality="draft", cache=cache)
    assert (cache.stats.corrupt, cache.stats.hits) == (0, 5)


def test_cli_cache_says_what_it_reused(project, tmp_path):
    path, write = project
    runner = CliRunner()
    args = [str(path), "-o", str(tmp_path / "out.mp4"), "--size", "160x90", "--quality", "draft",
            "--cache", str(tmp_path / "cache"), "--no-extras"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "0 chunk(s) reused, 5 rendered" in first.output
    write(title="Uno")
    second = runner.invoke(main, [*args, "--workers", "2"])
    assert second.exit_code == 0, second.output
    assert "3 chunk(s) reused, 2 rendered" in second.output  # scene one and the crossfade


def cached(folder: Path) -> dict[str, int]:
    """key -> bytes of each whole entry (KEY.mp4 + KEY.json) in the cache folder."""
    keys = {p.stem for p in folder.glob("*.mp4")} & {p.stem for p in folder.glob("*.json")}
    return {k: (folder / f"{k}.mp4").stat().st_size + (folder / f"{k}.json").stat().st_size for k in keys}


def keys_of(path: Path) -> set[str]:
    """The cache keys of the chunks of a draft libx264 render of `path` at SIZE."""
    from storyreel.engine.encode.encoder import EncodeSettings
    from storyreel.engine.encode.segment_cache import chunk_keys

    tl = load(path)
    return set(chunk_keys(tl, plan_chunks(tl), EncodeSettings(tl.width, tl.height, tl.fps, "draft", "libx264")))


def test_cache_size_evicts_least_recently_used_and_keeps_the_latest_render(project, tmp_path):
    path, write = project
    folder = tmp_path / "cache"
    runner = CliRunner()

    def render(*extra: str) -> str:
        result = runner.invoke(main, [str(path), "-o", str(tmp_path / "out.mp4"), "--size", "160x90",
                                      "--quality", "draft", "--encoder", "libx264", "--cache", str(folder),
                                      "--no-extras", *extra])
        assert result.exit_code == 0, result.output
        return result.output

    render()
    first = set(cached(folder))
    write(title="Uno", label="Deux")  # four of the five chunks change; scene three's is shared
    render()
    latest = keys_of(path)
    assert len(first) == 5
    assert len(cached(folder)) == 9 and latest <= set(cached(folder)) and len(latest & first) == 1

    # The same file again under a bound that fits one version and a bit: the other
    # version's entries (least recently used) are evicted, none of this render's.
    sizes = cached(folder)
    bound = sum(sizes[k] for k in latest) + min(sizes.values()) // 2
    output = render("--cache-size", f"{bound}B")
    assert "5 chunk(s) reused, 0 rendered, 4 old entries evicted" in output, output
    after = cached(folder)
    assert set(after) == latest and sum(after.values()) <= bound
    assert not any(p.name.startswith(".") for p in folder.iterdir())  # no temporary leftovers
    assert "5 chunk(s) reused, 0 rendered" in render()  # and they serve the next render

    # A bound below one render's own chunks: they are all kept, and the log says so.
    write(title="Eins", label="Deux")
    output = render("--cache-size", "1KB")
    assert "3 chunk(s) reused, 2 rendered" in output and "over --cache-size" in output, output
    assert keys_of(path) <= set(cached(folder))


def test_a_hit_refreshes_an_entry_and_evict_is_lru(project, tmp_path):
    path, write = project
    folder = tmp_path / "cache"
    render_video(load(path), tmp_path / "a.mp4", quality="draft", cache=SegmentCache(folder, max_bytes=None))
    v1 = cached(folder)
    write(label="Deux")
    render_video(load(path), tmp_path / "b.mp4", quality="draft", cache=SegmentCache(folder, max_bytes=None))
    v2_only = set(cached(folder)) - set(v1)
    assert len(v2_only) == 3
    now = time.time()
    for i, path_ in enumerate(sorted(folder.glob("*.*"))):
        os.utime(path_, (now - 7200 + i, now - 7200 + i))  # everything old, in no useful order
    cache = SegmentCache(folder)
    write(label="Two")  # back to version one: all five hits, each touched
    render_video(load(path), tmp_path / "c.mp4", quality="draft", cache=cache)
    assert (cache.stats.hits, cache.stats.misses) == (5, 0)
    trim = SegmentCache(folder, max_bytes=sum(v1.values()))  # room for version one only
    trim.evict()
    assert set(cached(folder)) == set(v1) and trim.stats.evicted == 3  # the untouched ones went


def test_an_entry_evicted_during_a_render_does_not_break_it(project, tmp_path):
    """Another render emptying the shared folder mid-render (after the lookups): the
    hits were linked into this render's own folder, so it still joins them."""
    path, _ = project
    folder = tmp_path / "cache"
    render_video(load(path), tmp_path / "a.mp4", quality="draft", cache=folder)
    cleared = []

    def on_progress(done: int, total: int) -> None:
        if not cleared:
            cleared.append(SegmentCache(folder).clear().evicted)

    cache = SegmentCache(folder)
    render_video(load(path), tmp_path / "b.mp4", quality="draft", cache=cache, on_progress=on_progress)
    assert cleared == [5] and cache.stats.hits == 5
    assert same_frames(decode(tmp_path / "a.mp4"), decode(tmp_path / "b.mp4"))

    # Half an entry (its JSON gone: being evicted, or written): a miss, not corruption.
    render_video(load(path), tmp_path / "c.mp4", quality="draft", cache=folder)
    key = min(cached(folder))
    (folder / f"{key}.json").unlink()
    cache = SegmentCache(folder)
    render_video(load(path), tmp_path / "d.mp4", quality="draft", cache=cache)
    assert (cache.stats.hits, cache.stats.misses, cache.stats.corrupt) == (4, 1, 0)
    assert len(cached(folder)) == 5


def test_cache_command_shows_and_clears(project, tmp_path):
    folder = tmp_path / "cache"
    render_video(load(project[0]), tmp_path / "a.mp4", quality="draft", cache=folder)
    runner = CliRunner()
    info = runner.invoke(main, ["cache", str(folder)])
    assert info.exit_code == 0 and f"{folder}: 5 entries" in info.output
    cleared = runner.invoke(main, ["cache", str(folder), "--clear"])
    assert cleared.exit_code == 0 and "5 entries deleted" in cleared.output
    assert cached(folder) == {} and folder.is_dir()


# -- misuse and failures ---------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["--workers", "0"], ["--workers", "1 or more", "got 0"]),
    (["--workers", "-1"], ["--workers", "1 or more", "got -1"]),
    (["--workers", "two"], ["--workers", "two"]),
    (["--cache", "/proc/storyreel-cache"], ["--cache", "/proc/storyreel-cache"]),
    (["--cache-size", "0"], ["--cache-size", "more than 0", "got 0"]),
    (["--cache-size", "-1"], ["--cache-size", "more than 0", "got -1"]),
    (["--cache-size", "abc"], ["--cache-size", "'abc' is not a size", "500MB"]),
    (["--cache-size", "12"], ["--cache-size", "no unit", "12MB"]),
    (["--cache-size", "2GB"], ["--cache-size", "give --cache DIR too"]),
])
def test_misuse_is_a_usage_error_with_no_output(project, tmp_path, args, words):
    out = tmp_path / "out.mp4"
    result = CliRunner().invoke(main, [str(project[0]), "-o", str(out), *args])
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_file_as_the_cache_is_a_usage_error(project, tmp_path):
    out = tmp_path / "out.mp4"
    (tmp_path / "afile").write_text("x")
    result = CliRunner().invoke(main, [str(project[0]), "-o", str(out), "--cache", str(tmp_path / "afile")])
    assert result.exit_code == 2 and "afile" in result.output and "is a file" in result.output
    assert not out.exists()


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder that exists and in which no file can be created, root included:
    a mode-0500 folder for an ordinary user; for root (CI runs as root, and root
    ignores folder permissions) a folder of /proc, where nobody can create files."""
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        return locked
    folder = Path("/proc/self")
    assert folder.is_dir(), "/proc is not mounted"
    return folder


def test_an_unwritable_cache_folder_is_a_usage_error(project, tmp_path):
    folder = _unwritable_folder(tmp_path)
    try:
        result = CliRunner().invoke(main, [str(project[0]), "-o", str(tmp_path / "o.mp4"), "--cache", str(folder)])
    finally:
        if folder.is_relative_to(tmp_path):
            folder.chmod(0o700)
    assert result.exit_code == 2, result.output
    assert "cannot write in the cache folder" in result.output and str(folder) in result.output
    assert not (tmp_path / "o.mp4").exists()


def test_workers_must_be_a_positive_whole_number_in_python_too(project, tmp_path):
    timeline = load(project[0])
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="workers"):
            render_video(timeline, tmp_path / "x.mp4", workers=bad)
    assert not (tmp_path / "x.mp4").exists()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name or ".chunks-" in p.name)


def fails_cleanly(timeline, folder: Path, error: type, match: str, **options) -> None:
    """Rendering `timeline` into `folder` fails with `error` within 30 s (never a
    hang) and leaves neither the output nor a partial file behind."""
    out = folder / "out.mp4"
    began = time.perf_counter()
    with pytest.raises(error, match=match):
        render_video(timeline, out, quality="draft", **options)
    assert time.perf_counter() - began < 30
    assert not out.exists() and leftovers(folder) == []


def test_a_missing_image_fails_the_worker_and_the_render(project, tmp_path):
    from storyreel.engine.raster.assets import AssetError

    timeline = load(project[0])
    (tmp_path / "photo.png").unlink()  # after compiling: only the workers find out
    fails_cleanly(timeline, tmp_path, AssetError, "photo.png", workers=2)


def test_a_chunk_failing_while_the_one_before_finishes_leaves_nothing_behind(project, tmp_path):
    """In one process a chunk's encoder drains while the next chunk renders: when
    that next chunk fails, the draining one is stopped too, no thread is left
    running and no file is left behind."""
    import threading

    data = timeline_to_dict(load(project[0]))
    data["transitions"][1]["kind"] = "spin"  # fails the chunk after scene two's
    fails_cleanly(timeline_from_dict(data), tmp_path, ValueError, "unknown transition kind spin",
                  cache=tmp_path / "cache")
    assert not [t for t in threading.enumerate() if t.name.startswith("storyreel-")]


def test_a_soundtrack_failing_while_the_workers_render_stops_them(project, tmp_path):
    """The workers start before the main process mixes the soundtrack; when the
    mixing fails, the render fails with its error at once and nothing is left."""
    import wave

    from storyreel.engine.audio import AudioError

    with wave.open(str(tmp_path / "song.wav"), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(48000)
        out.writeframes((np.sin(np.arange(48000) / 48000 * 2 * np.pi * 440) * 8000).astype("<i2").tobytes())
    scene = project[0]
    scene.write_text(scene.read_text(encoding="utf-8").replace("fps 15", 'fps 15\n    music "song.wav"'),
                     encoding="utf-8")
    timeline = load(scene)
    (tmp_path / "song.wav").write_bytes(b"not a wav file " * 100)  # after compiling
    fails_cleanly(timeline, tmp_path, AudioError, "song.wav", workers=2)


def test_an_invalid_timeline_fails_in_the_worker_with_its_error(project, tmp_path):
    data = timeline_to_dict(load(project[0]))
    data["transitions"][1]["kind"] = "spin"  # the rasteriser has no such transition
    fails_cleanly(timeline_from_dict(data), tmp_path, ValueError, "unknown transition kind spin", workers=2)


def _descendants(pid: int) -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process below `pid` (Linux /proc)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except (OSError, ValueError, IndexError):
                continue
            table[int(entry.name)] = (ppid, cmd)
    found, frontier = {}, {pid}
    while frontier:
        children = {p for p, (pp, _) in table.items() if pp in frontier and p not in found}
        found.update({p: table[p] for p in children})
        frontier = children
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_worker_that_dies_fails_the_render_quickly_and_cleanly(tmp_path):
    """SIGKILL one worker mid-render: the render raises RenderWorkerError at once
    (no hang), the other workers are stopped, and nothing is left behind."""
    scene = tmp_path / "long.scene"
    body = "".join(f"scene s{i} (3s) {{\n    background solid #{i * 40:02X}4080\n"
                   f"    dot = circle at (10%, 50%) radius 80 fill white\n"
                   f"    dot: move to (90%, 50%) over 3s\n}}\n" for i in range(6))
    scene.write_text('video "long" {\n    fps 15\n}\n' + body, encoding="utf-8")
    timeline = load_scene(scene, None, CompileOptions(size=(320, 180))).timeline
    out = tmp_path / "out.mp4"
    started = threading.Event()

    def progress(done: int, total: int) -> None:
        if done > 10:
            started.set()

    def kill_a_worker() -> None:
        if started.wait(60):
            workers = _workers()
            if workers:
                os.kill(min(workers), signal.SIGKILL)

    def _workers() -> set[int]:
        tree = _descendants(os.getpid())
        servers = {p for p, (pp, cmd) in tree.items() if pp == os.getpid() and "forkserver" in cmd}
        return {p for p, (pp, _) in tree.items() if pp in servers}

    killer = threading.Thread(target=kill_a_worker, daemon=True)
    killer.start()
    began = time.perf_counter()
    with pytest.raises(RenderWorkerError, match="worker died"):
        render_video(timeline, out, quality="draft", workers=2, on_progress=progress)
    assert time.perf_counter() - began < 60
    killer.join(5)
    assert not out.exists() and leftovers(tmp_path) == []
    deadline = time.time() + 10
    while _workers() and time.time() < deadline:
        time.sleep(0.1)
    assert not _workers()  # no orphaned workers


def test_ctrl_c_stops_a_parallel_render_cleanly(project, tmp_path):
    path, _ = project
    long_scene = tmp_path / "long.scene"
    long_scene.write_text(path.read_text().replace("(1.6s)", "(1000s)"), encoding="utf-8")
    out = tmp_path / "out.mp4"
    proc = subprocess.Popen([sys.executable, "-m", "storyreel", str(long_scene), "-o", str(out), "--size", "320x180",
                             "--workers", "2", "--no-extras"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            # a run started in the background inherits SIGINT as ignored: restore it
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(3)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err.decode()
    assert "Traceback" not in err.decode()
    assert not out.exists() and leftovers(tmp_path) == []


def test_chunks_of_one_or_two_frames_join_cleanly(tmp_path):
    """x264 gives a one- or two-frame chunk no B-frame delay: the dts are
    renumbered, so they still rise one frame at a time and the rate stays exact."""
    body = "".join(f"scene s{i} ({0.1 * (1 + i % 2):.1f}s) {{\n    background solid #{i * 25:02X}{255 - i * 25:02X}80\n}}\n"
                   for i in range(10))
    scene = tmp_path / "short.scene"
    scene.write_text('video "short" {\n    fps 10\n}\nscene calm (1s) {\n    background solid #406080\n}\n' + body,
                     encoding="utf-8")
    timeline = load_scene(scene, None, CompileOptions(size=SIZE)).timeline
    render_video(timeline, tmp_path / "one.mp4", quality="standard")
    render_video(timeline, tmp_path / "two.mp4", quality="standard", workers=2)
    one, two = decode(tmp_path / "one.mp4"), decode(tmp_path / "two.mp4")
    assert len(one.frames) == timeline.frame_count == 25 and same_frames(one, two)
    for out in ("one.mp4", "two.mp4"):
        found = packets(tmp_path / out)
        assert sorted(p[0] for p in found) == list(range(25))
        dts = [p[1] for p in found]
        assert len(set(np.diff(dts))) == 1 and dts[0] < 0  # one frame apart, B-frame delay kept
        with av.open(str(tmp_path / out)) as container:
            assert container.streams.video[0].average_rate == 10
