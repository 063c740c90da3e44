"""Where a chunked render's chunks run: local processes (`--workers`, the default,
in `engine.encode.chunks`) or Ray tasks (`RayExecutor`: `--executor ray`, `--ray-address`),
on this machine or across a cluster.

A Ray render follows the same plan as a local one (`chunks.plan_chunks`): each
chunk is one task that renders a video-only segment with the same render loop
(`chunks.render_segment`); the segment's bytes come back through Ray's object
store and the main process joins the segments in order by stream copy while it
mixes and encodes the soundtrack, exactly as with `--workers`. The output is
therefore byte-identical to a one-process render.

What travels: the timeline as JSON (`engine.timeline.serialize`, put in the object store
once per render), and, with ``assets="store"`` (the default), every file the
timeline names by absolute path (images, fonts, sounds: `segment_cache.named_files`),
put once each. A task on another node writes them into a content-addressed folder
of its own (``$TMPDIR/storyreel-ray-<uid>/assets/SHA256/NAME``, kept for the next
render) and renders a copy of the timeline whose paths point there; a task on the
driver's own node uses the files where they are. With ``assets="shared"`` the
paths are used as they are: every node must see the same files at the same
paths (an NFS mount). Every node must run the same storyreel: a task on a node
whose engine differs (`segment_cache.engine_digest`) fails the render with a
clear error rather than return different pixels.

    >>> from storyreel.engine.encode.executors import RayExecutor
    >>> with RayExecutor(num_cpus=2) as ray_executor:                    # doctest: +SKIP
    ...     render_video(timeline, "out.mp4", executor=ray_executor)

Ray is optional (``pip install 'storyreel[ray]'``); `RayExecutor` raises
`RayMissing` (an ImportError) with that hint when it is not installed.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import stat
import tempfile
import threading
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

EXECUTORS = ("local", "ray")
ASSET_MODES = ("store", "shared")
INSTALL_HINT = "pip install 'storyreel[ray]'"


class RayMissing(ImportError):
    """`--executor ray` without Ray installed."""


def import_ray():
    """The `ray` module, or `RayMissing` saying how to install it."""
    try:
        import ray
    except ImportError as err:
        raise RayMissing(f"--executor ray needs Ray, which is not installed ({err}): {INSTALL_HINT}") from None
    return ray


class RayExecutor:
    """Runs a render's chunks as Ray tasks (one CPU each).

    `address`: a running cluster (``"auto"``, ``"HOST:6379"``, ``"ray://HOST:10001"``);
    None starts a private Ray on this machine with `num_cpus` CPUs (default: all),
    shut down again when the executor closes. When Ray is already initialised in
    this process (a test, a notebook) it is used as it is and left running.
    `assets`: ``"store"`` (files travel through the object store) or ``"shared"``
    (every node sees them at the same paths)."""

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None, assets: str = "store"):
        if assets not in ASSET_MODES:
            raise ValueError(f"assets must be one of {', '.join(ASSET_MODES)} (got {assets!r})")
        self.ray = import_ray()
        self.address, self.num_cpus, self.assets = address, num_cpus, assets
        self._owned = False
        self.last: RayTasks | None = None  # the latest render's tasks (their `chunks` stats)

    # -- lifetime -------------------------------------------------------------------------

    def __enter__(self) -> RayExecutor:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Connect to (or start) Ray; the engine's own modules need no shipping: every
        node imports its installed storyreel."""
        ray = self.ray
        if ray.is_initialized():
            return
        options: dict[str, Any] = dict(include_dashboard=False, logging_level="ERROR", log_to_driver=False,
                                       configure_logging=True)
        if self.address:
            _probe(self.address)
            options["address"] = self.address
        else:  # "local": a new private Ray, even where `ray start` runs a cluster on this machine
            options.update(address="local", num_cpus=self.num_cpus or os.cpu_count() or 1)
        try:
            with _keep_signal_handlers():
                ray.init(**options)
        except (ConnectionError, RuntimeError, ValueError) as err:  # no cluster there, or a malformed address
            from .chunks import RenderWorkerError

            raise RenderWorkerError(f"cannot start or reach Ray{' at ' + self.address if self.address else ''}: "
                                    f"{err}") from None
        self._owned = True

    def close(self) -> None:
        """Shut down the Ray this executor started (its raylet, GCS and workers end)."""
        if self._owned:
            self._owned = False
            self.ray.shutdown()

    # -- the chunked render's side (engine.encode.chunks.render_chunked) ------------------------

    def render_node(self) -> str:
        """The Ray node this render runs on: its tasks there use the files in place."""
        return self.ray.get_runtime_context().get_node_id()

    def start(self, timeline, chunks, folder: Path, settings, profile, gpu) -> tuple[RayTasks, Any, dict]:
        """Submit one task per chunk, longest first; returns (tasks, progress, futures)
        in the shape `render_chunked` waits on: each future ends once its segment is
        written to ``folder/INDEX.mp4``, with (frames written, profile stages)."""
        from .segment_cache import engine_digest
        from ..timeline.serialize import timeline_to_json

        self.open()
        ray = self.ray
        text = timeline_to_json(timeline)
        shipped = put_assets(ray, json.loads(text)) if self.assets == "store" else {}
        job = dict(timeline=ray.put(text), assets=shipped, engine=engine_digest(),
                   node=self.render_node(), settings=asdict(settings),
                   profiling=profile is not None, gpu=gpu)
        task = ray.remote(num_cpus=1, max_retries=0)(_ray_chunk)
        tasks = RayTasks(ray)
        for chunk in sorted(chunks, key=lambda c: -c.frames):
            tasks.submit(task, job, chunk, folder / f"{chunk.index:05d}.mp4")
        self.last = tasks
        return tasks, tasks, tasks.futures


def check_address(address: str) -> tuple[str, int]:
    """(host, port) of a HOST:PORT Ray address, or a ValueError saying what is expected
    (`auto` and `ray://HOST:PORT` are checked by Ray: (address, 0))."""
    if address == "auto" or address.startswith("ray://"):
        return address, 0
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT (the address `ray start --head` prints, e.g. 10.0.0.1:6379), auto, "
                         f"or ray://HOST:10001 (got {address!r})")
    return host.strip("[]"), int(port)


def _probe(address: str, timeout: float = 5.0) -> None:
    """Fail fast on a HOST:PORT nobody listens at: Ray itself would retry for minutes,
    printing warnings. ("auto" and ray:// addresses are left to Ray.)"""
    from .chunks import RenderWorkerError

    if address == "auto" or address.startswith("ray://"):
        return
    try:
        host, port = check_address(address)
    except ValueError as err:
        raise RenderWorkerError(str(err)) from None
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as err:
        raise RenderWorkerError(f"cannot reach the Ray cluster at {address}: {err.strerror or err}; start its head "
                                "with `ray start --head --port PORT` (docs/RAY.md)") from None


@contextlib.contextmanager
def _keep_signal_handlers():
    """Ray's core installs its own crash handlers for SIGTERM (and others), which
    print a stack and exit at once: put Python's back, so SIGTERM still raises
    inside the render and takes Ctrl-C's cleanup path (tasks cancelled, Ray shut
    down, no partial output)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGINT", "SIGTERM", "SIGHUP")
    saved = {sig: signal.getsignal(sig) for sig in (getattr(signal, n, None) for n in names) if sig is not None}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            if handler is not None:
                signal.signal(sig, handler)


@dataclass(frozen=True)
class ChunkStats:
    """One chunk rendered by a Ray task: its frames, the seconds the task took on its
    worker (setting up included), and the bytes of the segment it sent back."""
    frames: int
    seconds: float
    size: int


class RayTasks:
    """The submitted chunk tasks, with the little of `ProcessPoolExecutor`'s and of a
    shared counter's shape that `render_chunked` uses: `shutdown(wait, cancel_futures)`
    and `value` (frames of the chunks whose segments are back)."""

    def __init__(self, ray):
        self.ray = ray
        self.refs: dict[int, Any] = {}
        self.futures: dict[int, Future] = {}
        self.value = 0
        self.chunks: dict[int, ChunkStats] = {}  # what each landed task took and sent back
        self._lock = threading.Lock()

    def submit(self, task, job: dict, chunk, path: Path) -> None:
        ref = task.remote(job, chunk)
        done: Future = Future()
        self.refs[chunk.index], self.futures[chunk.index] = ref, done
        ref.future().add_done_callback(lambda f: self._landed(f, chunk, path, done))

    def _landed(self, future: Future, chunk, path: Path, done: Future) -> None:
        """A task ended: write its segment (or pass its error on)."""
        try:
            written, stages, segment, seconds = future.result()
            path.write_bytes(segment)
        except BaseException as exc:  # noqa: BLE001 - the render's thread raises it
            done.set_exception(self._own_error(exc, chunk))
            return
        with self._lock:
            self.value += chunk.frames
            self.chunks[chunk.index] = ChunkStats(chunk.frames, seconds, len(segment))
            self.refs.pop(chunk.index, None)  # the object store may free the segment now
        done.set_result((written, stages))

    def _own_error(self, exc: BaseException, chunk) -> BaseException:
        from .chunks import RenderWorkerError

        ray_errors = self.ray.exceptions
        if isinstance(exc, ray_errors.RayTaskError):
            cause = getattr(exc, "cause", None)
            if isinstance(cause, Exception):
                return cause  # the task's own exception (a SceneError, an OSError, …)
            return RenderWorkerError(f"rendering {chunk.describe()} failed on a Ray worker: {exc}")
        if isinstance(exc, ray_errors.TaskCancelledError):
            return RenderWorkerError(f"rendering {chunk.describe()} was cancelled")
        if isinstance(exc, ray_errors.RayError):
            return RenderWorkerError(f"a Ray worker rendering {chunk.describe()} died ({type(exc).__name__}: "
                                     f"{exc}); nothing was written")
        return exc

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        if cancel_futures:
            for index, ref in list(self.refs.items()):
                if not self.futures[index].done():
                    try:
                        self.ray.cancel(ref, force=True)  # ends the worker process, if it started
                    except Exception:  # noqa: BLE001, S110 - already finished or gone
                        pass
        if wait:
            for future in self.futures.values():
                try:
                    future.exception(timeout=30)
                except Exception:  # noqa: BLE001, S110 - cancelled, or a worker Ray has given up on
                    pass


def put_assets(ray, data: dict, known: dict | None = None) -> dict[str, tuple[str, Any]]:
    """{path: (sha256, object ref)} for every regular file the timeline names.
    `known` ({path: ((mtime_ns, size), entry)}, kept by the caller between calls:
    a batch's videos share their fonts and sounds): a file unchanged since is
    neither read nor put again."""
    from .segment_cache import file_sha256, named_files

    shipped: dict[str, tuple[str, Any]] = {}
    for path, st in named_files(data):
        if path in shipped or not stat.S_ISREG(st.st_mode):
            continue
        stamp = (st.st_mtime_ns, st.st_size)
        if known is not None and path in known and known[path][0] == stamp:
            shipped[path] = known[path][1]
            continue
        shipped[path] = (file_sha256(Path(path)), ray.put(Path(path).read_bytes()))
        if known is not None:
            known[path] = (stamp, shipped[path])
    return shipped


# -- on the Ray worker --------------------------------------------------------------------

_state: dict = {}  # per worker process: the last timeline, parsed once for all its chunks


def _ray_chunk(job: dict, chunk) -> tuple[int, dict | None, bytes, float]:
    """One chunk, in a Ray worker: render its segment into a temporary file and
    return (frames, profile stages, the file's bytes, seconds it took here)."""
    import time

    import ray

    from .chunks import RenderWorkerError, render_segment
    from .encoder import EncodeSettings
    from .profile import Profile
    from .frames import pipeline
    from .segment_cache import engine_digest
    from ..timeline.serialize import timeline_from_dict

    if job["engine"] != engine_digest():
        raise RenderWorkerError(f"the Ray node {socket.gethostname()} runs another version of storyreel's "
                                "engine than the render's machine: install the same storyreel on every node")
    began = time.perf_counter()
    key = (job["timeline"].hex(), job["node"])
    if _state.get("key") != key:
        _state.clear()
        data = json.loads(ray.get(job["timeline"]))
        here = ray.get_runtime_context().get_node_id() == job["node"]
        if job["assets"] and not here:
            data = repath(data, fetch_assets(ray, job["assets"]))
        timeline = timeline_from_dict(data)
        _state.update(key=key, timeline=timeline, pipeline=pipeline(timeline.width, timeline.height, job["gpu"]))
    timeline = _state["timeline"]
    raster, convert = _state["pipeline"]
    profile = Profile() if job["profiling"] else None
    _sweep_segments()
    fd, name = tempfile.mkstemp(prefix=f"storyreel-ray-{os.getpid()}-", suffix=".mp4")
    os.close(fd)
    try:
        written = render_segment(timeline, chunk, Path(name), EncodeSettings(**job["settings"]),
                                 raster=raster, convert=convert, profile=profile)
        segment = Path(name).read_bytes()
    finally:
        Path(name).unlink(missing_ok=True)
    return written, profile.to_dict() if profile else None, segment, time.perf_counter() - began


_SEGMENT = re.compile(r"storyreel-ray-(\d+)-[a-z0-9_]{8}\.mp4")


def _sweep_segments() -> None:
    """Remove the temporary segments of workers that are gone (a task cancelled on
    a failed or interrupted render ends its worker process mid-chunk)."""
    from .outputs import pid_alive

    try:
        for entry in Path(tempfile.gettempdir()).iterdir():
            m = _SEGMENT.fullmatch(entry.name)
            if m and not pid_alive(int(m.group(1))):
                entry.unlink(missing_ok=True)
    except OSError:  # an unreadable temp folder: nothing to sweep
        pass


def asset_folder() -> Path:
    """This node's content-addressed copies of shipped assets."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"storyreel-ray-{uid}" / "assets"


def fetch_assets(ray, assets: dict) -> dict[str, str]:
    """{original path: local copy}, writing the copies this node lacks (atomically)."""
    base = asset_folder()
    mapping = {}
    for path, (digest, ref) in assets.items():
        target = base / digest / Path(path).name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            blob = ray.get(ref)
            if hashlib.sha256(blob).hexdigest() != digest:
                raise OSError(f"{path}: the copy from the object store does not match its checksum")
            partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
            partial.write_bytes(blob)
            os.replace(partial, target)
        mapping[path] = str(target)
    return mapping


def repath(value: Any, mapping: dict[str, str]) -> Any:
    """`value` (a timeline's JSON) with every string that is a shipped path replaced."""
    if isinstance(value, dict):
        return {k: repath(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [repath(v, mapping) for v in value]
    if isinstance(value, str):
        return mapping.get(value, value)
    return value
