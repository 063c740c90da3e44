"""Chunked rendering: frame ranges encoded on their own, in parallel processes
(`--workers N`) and/or reused from a content-hash cache (`--cache DIR`), joined
by stream copy.

The plan (`plan_chunks`) cuts the frames at every scene start and, inside a
long scene, every `CHUNK_SECONDS` (a whole number of GOPs from the scene's
start). Every render follows it: each chunk starts a fresh encoder (an IDR
frame, closed GOPs, no rate-control state carried over) and a rasteriser with
no history, whether it is encoded in this process straight into the output
(`render_video` with one worker and no cache), in a worker process, or taken
from the cache. x264 is deterministic here (see `encoder.x264_params`), so the
output decodes to the same frames whatever the number of workers.

A chunked render: the timeline goes to the workers as JSON (engine.timeline.serialize),
each worker renders its chunks video-only into segment files
(`render_segment`: the render loop of `render_video`), and the main process
concatenates them in order by stream copy, offsetting pts/dts (no re-encode),
while it encodes the whole soundtrack (the `Mixer`) once and interleaves it.
Segments are deleted once copied (or kept in the cache), so disk and memory
stay flat however long the video. A worker's exception fails the render with
that exception; a worker that dies fails it with `RenderWorkerError`; either
way the other workers are stopped and no partial output is left.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.util
import os
import pickle
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path

import av

from .encoder import (
    EncoderError,
    add_video_stream,
    EncodeSettings,
    VideoWriter,
    write_chapters,
    _fps_fraction,
    encode_audio_until,
)
from .format_writers import FORMATS, FormatJoiner, FormatWriter, StreamCopyJoin
from .outputs import atomic_output, name_target, owned_temp_prefix, pid_alive, remove_stale
from ..timeline.timeline import Timeline

CHUNK_SECONDS = 10.0  # longest chunk inside a scene (rounded to whole GOPs)


class RenderWorkerError(EncoderError):
    """A worker process died (crashed, killed) or failed in a way that cannot be
    passed back as its own exception."""


def check_workers(workers) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number, 1 or more (got {workers!r})")


@dataclass(frozen=True)
class Chunk:
    index: int
    first: int  # first frame (inclusive)
    stop: int  # last frame (exclusive)
    scene: str  # the scene showing at its first frame (during a transition, the one it leads into)
    part: int  # 0: the first chunk of its stretch; k: the k-th cut inside a long one
    transition: bool = False  # the frames of a transition

    @property
    def frames(self) -> int:
        return self.stop - self.first

    def describe(self) -> str:
        where = (f"the transition into scene '{self.scene}'" if self.transition
                 else f"scene '{self.scene}'" + (f", part {self.part + 1}" if self.part else ""))
        return f"frames {self.first}-{self.stop - 1} ({where})"


def gop_frames(fps: float, gop: int | None = None) -> int:
    return gop or max(1, round(fps * 2))


def plan_chunks(timeline: Timeline, frames: range | None = None, gop: int | None = None) -> list[Chunk]:
    """The chunks tiling `frames` (default: the whole timeline).

    Cuts fall at every scene start and every transition's end, so a transition's
    frames are a chunk of their own and a scene's other frames depend on that
    scene alone (editing it re-renders it and the transitions touching it); a
    stretch longer than CHUNK_SECONDS is cut every whole number of GOPs from its
    start."""
    total = timeline.frame_count
    frames = range(total) if frames is None else frames
    fps = timeline.fps
    step = gop_frames(fps, gop)
    span = step * max(1, round(CHUNK_SECONDS * fps / step))

    def frame(t: float) -> int:
        return min(total, max(0, round(t * fps)))

    marks = {0, *(frame(s.start) for s in timeline.scenes),
             *(frame(t.end) for t in timeline.transitions if t.kind != "cut" and t.end > t.start)}
    marks = sorted(m for m in marks if m < total)
    bounds: list[tuple[int, int]] = []  # (first frame, part within the stretch)
    for i, mark in enumerate(marks):
        stop = marks[i + 1] if i + 1 < len(marks) else total
        bounds.extend((cut, part) for part, cut in enumerate(range(mark, stop, span)))
    chunks = []
    for i, (cut, part) in enumerate(bounds):
        stop = bounds[i + 1][0] if i + 1 < len(bounds) else total
        first, last = max(cut, frames.start), min(stop, frames.stop)
        if last > first:
            t = cut / fps
            scene = timeline.scene_at(t)
            moving = any(tr.start <= t < tr.end and tr.kind != "cut" for tr in timeline.transitions)
            chunks.append(Chunk(len(chunks), first, last, scene.name if scene else "", part, moving))
    return chunks


# -- rendering one chunk ---------------------------------------------------------------

def render_segment(timeline: Timeline, chunk: Chunk, path: Path, settings: EncodeSettings, *,
                   raster=None, convert=None, profile=None, on_frame: Callable[[], None] | None = None) -> int:
    """Encode `chunk`'s frames, video only, into `path` (one fresh encoder)."""
    return start_segment(timeline, chunk, path, settings, raster=raster, convert=convert, profile=profile,
                         on_frame=on_frame).join()


def start_segment(timeline: Timeline, chunk: Chunk, path: Path, settings: EncodeSettings, *,
                  raster=None, convert=None, profile=None,
                  on_frame: Callable[[], None] | None = None) -> "FinishingSegment":
    """Rasterise `chunk`'s frames into a writer for `path` and return once the last
    one is queued; the writer converts, encodes, drains and closes the file on a
    thread of its own (`FinishingSegment.join`), so the next chunk can start
    meanwhile. The rasteriser is free again when this returns."""
    from .frames import render_frames

    settings = replace(settings, audio=False, chapters=())  # the joined output carries both
    progress = (lambda done, total: on_frame()) if on_frame is not None else None
    if raster is not None:
        raster.reset_history()
    try:
        with ExitStack() as stack:
            if settings.format == "mp4":
                writer = stack.enter_context(VideoWriter(path, settings, None, profile=profile, convert=convert))
            else:  # H.265, WebM, MOV: the format's own encoder, one per chunk as well
                writer = stack.enter_context(FormatWriter(path, FORMATS[settings.format], settings.width,
                                                          settings.height, settings.fps, settings.quality,
                                                          None, settings.alpha))
            render_frames(timeline, range(chunk.first, chunk.stop), writer, raster=raster, profile=profile,
                          on_progress=progress)
            return FinishingSegment(writer, stack.pop_all())  # from here on the segment closes the writer
    except OSError as err:
        raise _segment_error(err, path) from None


def _segment_error(err: OSError, path) -> OSError:
    """`err` naming the segment file when it is about writing it (a full disk): a
    plain OSError, which survives the way back from a worker process."""
    if err.filename is not None and str(err.filename) != str(path):
        return err  # another file (one being read)
    plain = OSError(err.errno, err.strerror or str(err), str(path))
    return name_target(plain, path)


class FinishingSegment:
    """A segment whose frames are all queued, its writer finishing on a thread:
    flushing x264 in line would hold up the next chunk for 60-400 ms at 1080p."""

    def __init__(self, writer: VideoWriter, closing: ExitStack):
        self.writer = writer
        self._closing = closing
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._close, name="storyreel-segment", daemon=True)
        self._thread.start()

    def _close(self) -> None:
        try:
            self._closing.close()
        except BaseException as exc:  # noqa: BLE001 - raised again by join()
            self._error = exc

    def join(self) -> int:
        """Wait until the file is complete; the frames written (or the writer's error)."""
        self._thread.join()
        if isinstance(self._error, OSError):
            raise _segment_error(self._error, self.writer.path) from None
        if self._error is not None:
            raise self._error
        return self.writer.frames_written

    def abort(self) -> None:
        """Drop what is still queued and wait for the writer to stop (the render failed
        or was interrupted: the file is left for the caller to delete)."""
        self.writer.abort()
        self._thread.join()


# Per worker process: the timeline's JSON (from the pool's initializer), parsed on
# first use inside a task so that a bad timeline fails that task with its own error.
_worker: dict = {}


def _init_worker(timeline_json: str, counter) -> None:
    _die_with_parent()
    _worker.clear()
    _worker.update(json=timeline_json, counter=counter)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent() -> None:
    """End this worker as soon as the render that started it is gone, even when it
    was killed outright (`kill -9`) and never stopped the pool: a worker blocked on
    the pool's queue would otherwise wait forever (it holds the queue's write end
    itself), keeping the fork server and the resource tracker alive with it.

    Two ways, because neither covers every case alone:
    - a thread waiting on the parent's sentinel, a pipe whose other end only the
      render holds (any platform, any start method). Under forkserver this is the
      one that matters: the worker's parent process is the fork server, which
      itself only exits once every worker has;
    - Linux's PR_SET_PDEATHSIG, so the kernel kills the worker when its parent
      process dies, even while the worker is stuck in native code holding the GIL."""
    parent = multiprocessing.parent_process()
    ppid = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl here: the thread below still watches
            pass
    if os.getppid() != ppid or (parent is not None and not parent.is_alive()):
        os._exit(1)  # the parent died before the watch began

    def watch() -> None:
        from multiprocessing.connection import wait as wait_for

        sentinels = [parent.sentinel] if parent is not None else []
        while os.getppid() == ppid:  # reparented: the parent is gone (the check for when there is no sentinel)
            if sentinels and wait_for(sentinels, timeout=1.0):
                break  # the render's end of the pipe closed: it exited or was killed
            if not sentinels:
                time.sleep(1.0)
        segment = _worker.get("writing")
        if segment:
            try:
                os.unlink(segment)  # the render's chunk folder itself goes with the next render of its output
            except OSError:
                pass
        os._exit(1)

    threading.Thread(target=watch, name="storyreel-parent-watch", daemon=True).start()


def _worker_task(chunk: Chunk, path: str, settings: dict, profiling: bool, gpu: bool | None) -> tuple[int, dict | None]:
    try:
        from .profile import Profile
        from .frames import pipeline
        from ..timeline.serialize import timeline_from_json

        if "timeline" not in _worker:
            _worker["timeline"] = timeline_from_json(_worker["json"])
        timeline = _worker["timeline"]
        profile = Profile() if profiling else None
        if "pipeline" not in _worker:
            _worker["pipeline"] = pipeline(timeline.width, timeline.height, gpu)
        raster, convert = _worker["pipeline"]
        counter = _worker["counter"]
        pending = [0]

        def on_frame() -> None:
            pending[0] += 1
            if pending[0] >= 8:
                with counter.get_lock():
                    counter.value += pending[0]
                pending[0] = 0

        _worker["writing"] = path
        written = render_segment(timeline, chunk, Path(path), EncodeSettings(**settings), raster=raster,
                                 convert=convert, profile=profile, on_frame=on_frame)
        _worker["writing"] = None
        with counter.get_lock():
            counter.value += pending[0]
        return written, profile.to_dict() if profile else None
    except BaseException as exc:  # noqa: BLE001 - sent back to the main process
        raise _portable(exc, chunk) from None


def _portable(exc: BaseException, chunk: Chunk) -> BaseException:
    """`exc` if it survives pickling (it is re-raised in the main process as is),
    else a RenderWorkerError with its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return RenderWorkerError(f"rendering {chunk.describe()} failed: {type(exc).__name__}: {exc}")


# -- the chunked render ------------------------------------------------------------------

def render_chunked(timeline: Timeline, output: Path, frames: range, settings: EncodeSettings, *,
                   workers: int = 1, cache=None, on_progress=None, profile=None, gpu: bool | None = False,
                   executor=None) -> int:
    """`executor`: None renders the chunks here or in `workers` local processes; an
    `engine.encode.executors.RayExecutor` runs them as Ray tasks."""
    from .frames import pipeline, soundtrack
    from .segment_cache import SegmentCache, chunk_keys

    check_workers(workers)
    if cache is not None and not isinstance(cache, SegmentCache):
        cache = SegmentCache(cache)
    chunks = plan_chunks(timeline, frames, settings.gop)
    total = len(frames)
    began = time.perf_counter()
    keys = chunk_keys(timeline, chunks, settings) if cache is not None else [None] * len(chunks)
    # Cached chunks are linked into `temp` (on the cache's file system), so another render
    # evicting them meanwhile does not pull them from under the join.
    temp = Path(cache.temp_dir() if cache is not None else _chunk_folder(output))
    pool = None
    try:
        ready: dict[int, Path] = {}
        if cache is not None:
            for chunk, key in zip(chunks, keys):
                hit = cache.get(key, chunk.frames, into=temp)
                if hit is not None:
                    ready[chunk.index] = hit
        if profile is not None:
            profile.add("cache:lookup", time.perf_counter() - began)
        todo = [c for c in chunks if c.index not in ready]
        cached_frames = sum(c.frames for c in chunks if c.index in ready)

        raster = convert = None
        if executor is not None and todo:
            pool, counter, futures = executor.start(timeline, todo, temp, settings, profile, gpu)
        elif len(todo) >= 2 and workers >= 2:
            # Started first: the workers render while this process mixes the soundtrack.
            pool, counter, futures = _start_pool(timeline, todo, temp, settings, workers, profile, gpu)

        began = time.perf_counter()
        audio = soundtrack(timeline, frames.start / timeline.fps)
        if profile is not None:
            profile.add("prepare:audio", time.perf_counter() - began)

        joining = SegmentJoiner if settings.format == "mp4" else FormatJoiner
        with atomic_output(output, ".mp4" if settings.format == "mp4" else output.suffix) as tmp:
            with joining(tmp, settings, audio, frames.start, profile) as joiner:
                done = cached_frames
                if on_progress is not None and done:
                    on_progress(done, total)
                if pool is None:
                    raster, convert = pipeline(timeline.width, timeline.height, gpu, profile)

                in_order = _InOrder(joiner, cache, overlap=convert is None)
                try:
                    for chunk, key in zip(chunks, keys):
                        if chunk.index in ready:
                            in_order.add(ready[chunk.index], chunk, key, rendered=False)
                            continue
                        path, segment = temp / f"{chunk.index:05d}.mp4", None
                        if pool is None:
                            segment = start_segment(timeline, chunk, path, settings, raster=raster, convert=convert,
                                                    profile=profile, on_frame=_Counter(done, total, on_progress))
                        else:
                            _wait_for(futures[chunk.index], chunk, futures, counter, cached_frames, total,
                                      on_progress, profile)
                        done += chunk.frames
                        in_order.add(path, chunk, key, rendered=True, segment=segment)
                    in_order.settle()
                finally:
                    in_order.abort()  # failed or interrupted: stop a finishing segment before its folder goes
                if on_progress is not None:
                    on_progress(total, total)
    except BaseException:
        if pool is not None:
            _stop_pool(pool)
            pool = None
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        shutil.rmtree(temp, ignore_errors=True)
        if cache is not None:
            try:
                cache.evict()  # within --cache-size, keeping what this render used
            except Exception:  # noqa: BLE001, S110 - a cache that cannot be trimmed never fails a render
                pass
    if profile is not None and cache is not None:
        profile.notes.append(str(cache.stats))
    return total


class _InOrder:
    """Joins the segments into the output in chunk order (and stores the rendered
    ones in the cache). A segment rendered in this process may still be finishing
    (its x264 draining, `FinishingSegment`) while the next chunk renders; it is
    joined in when the next one is added. `overlap` False (the GPU converter serves
    one writer at a time): each segment finishes before the next chunk starts."""

    def __init__(self, joiner: SegmentJoiner, cache, overlap: bool):
        self.joiner, self.cache, self.overlap = joiner, cache, overlap
        self._finishing: tuple | None = None  # (FinishingSegment, path, chunk, key)

    def add(self, path: Path, chunk: Chunk, key, rendered: bool, segment: "FinishingSegment | None" = None) -> None:
        self.settle()
        if segment is not None and self.overlap:
            self._finishing = (segment, path, chunk, key)
            return
        if segment is not None:
            segment.join()
        self._join(path, chunk, key, rendered)

    def settle(self) -> None:
        """Wait for the segment still finishing, if any, and join it in."""
        if self._finishing is not None:
            segment, path, chunk, key = self._finishing
            self._finishing = None
            segment.join()
            self._join(path, chunk, key, rendered=True)

    def abort(self) -> None:
        if self._finishing is not None:
            self._finishing[0].abort()
            self._finishing = None

    def _join(self, path: Path, chunk: Chunk, key, rendered: bool) -> None:
        if rendered and self.cache is not None:
            self.cache.put(key, path, chunk.frames)  # linked in: `path` stays ours to join
        self.joiner.add(path, chunk)
        path.unlink(missing_ok=True)  # disk stays flat: a segment lives until it is copied


class _Counter:
    """on_frame for a chunk rendered in this process: progress from `done` on."""

    def __init__(self, done: int, total: int, on_progress) -> None:
        self.done, self.total, self.on_progress = done, total, on_progress

    def __call__(self) -> None:
        self.done += 1
        if self.on_progress is not None:
            self.on_progress(self.done, self.total)


def _chunk_folder(output: Path) -> str:
    """`.NAME.chunks-PID-XXXXXXXX/` beside the output: found and removed by the next
    render of NAME when this one is killed (`outputs.remove_stale`)."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(output.parent, output.stem)
        return tempfile.mkdtemp(prefix=owned_temp_prefix(output, "chunks"), dir=output.parent)
    except OSError as err:
        raise name_target(err, output) from None


_MP_TEMP = re.compile(r"storyreel-(\d+)-[a-z0-9_]{8}")


def _own_mp_temp_dir() -> None:
    """multiprocessing keeps the fork server's socket in a `pymp-XXXX` folder of the
    system's temp folder, removed only at an orderly exit: a killed render would
    leave it, with nothing to tell whose it is. Name it `storyreel-PID-XXXXXXXX`
    instead (short: the socket's path must fit AF_UNIX's 108 bytes), and remove
    those of processes that are gone."""
    config = getattr(multiprocessing.current_process(), "_config", None)
    base = Path(tempfile.gettempdir())
    try:
        for entry in base.iterdir():
            m = _MP_TEMP.fullmatch(entry.name)
            if m and not pid_alive(int(m.group(1))):
                shutil.rmtree(entry, ignore_errors=True)
    except OSError:  # an unreadable temp folder: nothing to sweep
        pass
    if config is None or config.get("tempdir") is not None:
        return  # already chosen (by an earlier pool, or by other multiprocessing use)
    folder = tempfile.mkdtemp(prefix=f"storyreel-{os.getpid()}-", dir=base)
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=-100)
    config["tempdir"] = folder


def _start_pool(timeline, todo, temp, settings, workers, profile, gpu):
    from ..timeline.serialize import timeline_to_json

    _own_mp_temp_dir()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        # The fork server imports the engine (Skia, PyAV) once; each worker is a fork of it.
        context.set_forkserver_preload(["storyreel.engine.encode.chunks", "storyreel.engine.encode.render"])
    counter = context.Value("q", 0)
    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context,
                               initializer=_init_worker, initargs=(timeline_to_json(timeline), counter))
    data = asdict(settings)
    try:
        # Longest first: the workers finish closer together than in timeline order.
        futures = {c.index: pool.submit(_worker_task, c, str(temp / f"{c.index:05d}.mp4"), data,
                                        profile is not None, gpu)
                   for c in sorted(todo, key=lambda c: -c.frames)}
    except OSError as err:
        # Not a file of the render's: starting processes failed (no fork server socket, no
        # more processes). Said as such, or the message would blame the output file.
        _stop_pool(pool)
        socket = "AF_UNIX" in str(err)  # the fork server's socket path is over 108 bytes
        raise RenderWorkerError(f"cannot start the render workers: {err}; render with --workers 1"
                                + (", or point TMPDIR at a folder with a short path" if socket else "")) from None
    except BaseException:
        _stop_pool(pool)
        raise
    return pool, counter, futures


def _wait_for(future: Future, chunk: Chunk, futures: dict, counter, cached: int, total: int,
              on_progress, profile) -> None:
    """Wait for `future` (reporting progress); any failed chunk fails the render at once."""
    pending = set(futures.values())
    while True:
        finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        for f in finished:
            if f.exception() is not None:
                _raise_from(f)
        pending -= finished
        if on_progress is not None:
            on_progress(min(total - 1, cached + counter.value), total)  # `total` once, at the end
        if future.done():
            _written, stages = future.result()
            if profile is not None and stages is not None:
                profile.merge(stages)
            return


def _raise_from(future: Future) -> None:
    exc = future.exception()
    if isinstance(exc, BrokenProcessPool):
        raise RenderWorkerError(f"a render worker died ({exc}); nothing was written") from exc
    raise exc


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (a render that failed
    or was interrupted does not wait for the other chunks)."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except Exception:  # noqa: BLE001, S110 - already gone
            pass
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
    try:
        pool.shutdown(wait=True)
    except Exception:  # noqa: BLE001, S110 - a broken pool may complain; it is stopped either way
        pass


# -- joining ---------------------------------------------------------------------------------

class SegmentJoiner(StreamCopyJoin):
    """Concatenates video-only segments by stream copy into one MP4 and encodes
    the soundtrack into it as it goes (the same AAC frames `VideoWriter` makes)."""

    def __init__(self, path: str | Path, settings: EncodeSettings, audio, first_frame: int = 0, profile=None):
        self.path = str(path)
        self.settings = settings
        self.audio_source = audio
        self.first_frame = first_frame  # the output's frame 0 is this frame of the timeline
        self.profile = profile
        self.rate = _fps_fraction(settings.fps)
        self.video = None
        self.audio = None
        self._extradata: bytes | None = None
        self._samples = 0
        self._frames = 0  # frames joined so far

    def __enter__(self) -> SegmentJoiner:
        self.container = av.open(self.path, mode="w", format="mp4", options={"movflags": "+faststart"})
        write_chapters(self.container, self.settings.chapters)
        return self

    def _open_streams(self, template) -> None:
        # The stream is made and opened as VideoWriter makes its own, not copied from
        # the segment's: the mp4 muxer writes the encoder's rate properties (none for
        # CRF) into the 'btrt' box, and a copied stream would carry the first
        # segment's measured bit rate instead, so --workers/--cache output would
        # differ from a one-process render in those bytes. Its headers are the
        # segment's, already in the mp4 form (avcC) its packets are in: the
        # encoder's own (Annex B) would make the muxer rewrite them as Annex B.
        self._extradata = bytes(template.codec_context.extradata or b"")  # every segment's must match
        self.video = add_video_stream(self.container, self.settings)
        self.video.codec_context.open()
        self.video.codec_context.extradata = self._extradata
        self.video.time_base = template.time_base
        if self.settings.audio:
            from .encoder import add_aac_stream

            bit_rate = self.settings.audio_bitrate * 1000 if self.settings.audio_bitrate else None
            self.audio = add_aac_stream(self.container, bit_rate)

    def add(self, segment: Path, chunk: Chunk) -> None:
        began = time.perf_counter()
        count = 0
        with self._segment(segment, chunk) as (source, stream, offset):
            tb = stream.time_base
            shift = Fraction(offset) / self.rate / tb
            if shift.denominator != 1:
                raise EncoderError(f"frame {chunk.first} does not fall on the segment's time base {tb}")
            shift = int(shift)
            for packet in source.demux(stream):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.pts += shift
                packet.dts += shift
                packet.stream = self.video
                self.container.mux(packet)
                count += 1
                if self.audio is not None:
                    shown = offset + min(chunk.frames, round(float((packet.pts - shift) * tb * self.rate)) + 1)
                    self._audio_until(max(shown, 0))
        if count != chunk.frames:
            raise EncoderError(f"segment for {chunk.describe()} holds {count} frames, expected {chunk.frames}")
        self._frames += chunk.frames
        if self.audio is not None:
            self._audio_until(self._frames)
        if self.profile is not None:
            self.profile.add("concat", time.perf_counter() - began - self._audio_time)
        self._audio_time = 0.0

    _audio_time = 0.0  # audio encoding time inside the current `add` (not counted as concat)

    def _audio_until(self, frames: int, final: bool = False) -> None:
        target = frames / self.settings.fps
        if target * 48_000 <= self._samples and not final:
            return
        began = time.perf_counter()
        self._samples = encode_audio_until(self.container, self.audio, self.audio_source, self._samples,
                                           target, final)
        took = time.perf_counter() - began
        self._audio_time += took
        if self.profile is not None:
            self.profile.add("audio", took)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None and self.audio is not None:
                self._audio_until(self._frames, final=True)
        finally:
            self.container.close()
