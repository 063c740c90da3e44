"""A batch's jobs as Ray tasks: `render batch JOBS --executor ray [--ray-address ADDR]`.

The runner (jobs/runner.py) drives a worker through the little of
`subprocess.Popen` it uses: the spec written to `stdin`, JSON event lines read
from `stdout`, `poll`/`wait`/`returncode`, SIGTERM to stop and `kill`. `RayWorker`
is that shape over one Ray task, so the queue, the claims and leases, the retries,
cancellation, progress and the summary are the local batch's, unchanged:

- closing `stdin` submits the task (a streaming generator: it yields the worker's
  event lines as they come). On its node the task starts the same worker process
  a local batch starts (`python -m storyreel.jobs.worker`, which dies with the task
  through PR_SET_PDEATHSIG) and relays its lines;
- on the render's own node the worker writes the output in place, as locally. On
  another node the spec is pointed at a folder of that node's (its output, a
  segment cache of its own, the timeline's files fetched from the object store
  as `engine.encode.executors` does for chunks); the files come back through the
  object store with the last item and are moved into place here, each by rename
  from a staging folder, the video last (never a partial output);
- SIGTERM (a cancel, or the batch stopping) cancels the task: Ray raises
  KeyboardInterrupt in it, which SIGTERMs the worker, which removes its staging
  folder as it does locally; `kill` cancels it by force;
- a task lost with its node or its Ray worker is a transient failure (retried
  with backoff, like a killed local worker); a node running another engine fails
  the job (not retried).
"""
from __future__ import annotations

import json
import os
import queue as stdqueue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator

__all__ = ["RayLauncher", "RayWorker"]

_EOF = object()


class RayLauncher:
    """Starts `RayWorker`s on the Ray an open `engine.encode.executors.RayExecutor`
    is connected to; one task a job, `cpus_per_job` CPUs each."""

    def __init__(self, executor, cpus_per_job: int = 1):
        from ..engine.encode.segment_cache import engine_digest

        executor.open()
        self.ray = executor.ray
        self.node = executor.render_node()
        self.engine = engine_digest()
        self.task = self.ray.remote(num_cpus=cpus_per_job, max_retries=0)(_ray_job).options(num_returns="streaming")
        self.cpus_per_job = cpus_per_job
        self.shipped: dict = {}  # the files put in the object store so far (put_assets' `known`)

    def capacity(self) -> int:
        """Jobs the cluster runs at once: its CPUs now, `cpus_per_job` each (at least one)."""
        cpus = self.ray.cluster_resources().get("CPU", 1)
        return max(1, int(cpus // self.cpus_per_job))

    def __call__(self, log: Path) -> "RayWorker":
        return RayWorker(self, log)


class _Stdin:
    """Collects the spec; closing it submits the task (or ends a spare worker)."""

    def __init__(self, worker: "RayWorker"):
        self.worker, self.data = worker, bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)

    def close(self) -> None:
        self.worker._submit(bytes(self.data))


class _Stdout:
    """The task's event lines, as the runner's reader thread iterates a pipe."""

    def __init__(self):
        self.lines: stdqueue.Queue = stdqueue.Queue()

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.lines.get()
            if line is _EOF:
                return
            yield line


class RayWorker:
    """One job on Ray, driven like a worker process (see the module's docstring)."""

    def __init__(self, launcher: RayLauncher, log: Path):
        self.launcher = launcher
        self.ray = launcher.ray
        self.pid = os.getpid()  # until the worker on its node says its own (its "ready" event)
        self.stdin = _Stdin(self)
        self.stdout = _Stdout()
        self.returncode: int | None = None
        self._log = open(log, "ab")  # noqa: SIM115 - kept open: the runner renames the file while the job runs
        self._ended = threading.Event()
        self._generator = None
        self._cancelled: int | None = None

    # -- Popen's shape ------------------------------------------------------------------------

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired("ray task", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        self._cancel(signum, force=False)

    def kill(self) -> None:
        self._cancel(signal.SIGKILL, force=True)

    # -- the task -----------------------------------------------------------------------------

    def _cancel(self, signum: int, force: bool) -> None:
        self._cancelled = signum
        if self._generator is not None and not self._ended.is_set():
            try:
                self.ray.cancel(self._generator, force=force)
            except Exception:  # noqa: BLE001, S110 - it ended meanwhile
                pass

    def _end(self, code: int) -> None:
        self.returncode = code
        self._log.close()
        self._ended.set()
        self.stdout.lines.put(_EOF)

    def _say(self, event: str, **fields: Any) -> None:
        self.stdout.lines.put(json.dumps({"event": event, **fields}).encode() + b"\n")

    def _submit(self, text: bytes) -> None:
        if not text.strip():
            self._end(0)  # a spare the runner did not need
            return
        try:
            spec = json.loads(text)
            job = {"spec": spec, "node": self.launcher.node, "engine": self.launcher.engine,
                   "assets": _ship_assets(self.ray, spec, self.launcher.shipped)}
            self._generator = self.launcher.task.remote(job)
        except Exception as err:  # noqa: BLE001 - the job fails with the reason, the runner goes on
            self._log.write(f"cannot submit the job to Ray: {err}\n".encode())
            self._say("error", message=f"error: cannot submit the job to Ray: {err}", kind="worker",
                      transient=True, location=None)
            self._end(1)
            return
        if self._cancelled is not None:
            self._cancel(self._cancelled, force=self._cancelled == signal.SIGKILL)
        threading.Thread(target=self._relay, args=(Path(spec["output"]),), daemon=True,
                         name="storyreel-ray-job-events").start()

    def _relay(self, output: Path) -> None:
        """Pass the task's lines on; place the files a remote task sent back, then
        its result; map Ray's failures to what a worker process would have said."""
        ray = self.ray
        held: dict | None = None
        code = 1
        try:
            for ref in self._generator:
                item = ray.get(ref)
                if isinstance(item, bytes):
                    event = _event(item) or {}
                    if event.get("event") == "ready":
                        self.pid = event.get("pid") or self.pid  # what the runner's messages name
                    if event.get("event") == "result":
                        held = event  # said once its files are in place
                    else:
                        self.stdout.lines.put(item)
                    continue
                self._log.write(item.get("log", b""))
                code = item["returncode"]
                if held is not None and item.get("files"):
                    try:
                        held = _place(output, item["files"], held)
                    except OSError as err:  # this machine's disk, not the task: as a worker reports it
                        from .worker import classify

                        self._say("error", **classify(err))
                        held, code = None, 1
                if held is not None:
                    self.stdout.lines.put(json.dumps(held).encode() + b"\n")
        except Exception as err:  # noqa: BLE001 - every way a task ends becomes an outcome
            code = self._lost(err)
        self._end(code)

    def _lost(self, err: Exception) -> int:
        errors = self.ray.exceptions
        self._log.write(f"the Ray task ended: {type(err).__name__}: {err}\n".encode())
        if isinstance(err, errors.TaskCancelledError) or self._cancelled is not None:
            try:  # until the task has stopped its worker (which removes its staging folder)
                self.ray.wait([self._generator.completed()], timeout=15)
            except Exception:  # noqa: BLE001, S110 - it failed: it has ended all the same
                pass
            return -(self._cancelled or signal.SIGTERM)  # stopped, as asked: the runner knows why
        cause = getattr(err, "cause", None)
        if isinstance(err, errors.RayTaskError) and isinstance(cause, _NodeMismatch):
            self._say("error", message=f"error: {cause}", kind="worker", transient=False, location=None)
            return 1
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        self._say("error", message=f"error: the Ray task rendering it was lost ({type(err).__name__}: {first})",
                  kind="worker", transient=True, location=None)
        return 1


def _event(line: bytes) -> dict | None:
    try:
        return json.loads(line)
    except ValueError:
        return None


def _ship_assets(ray, spec: dict, known: dict) -> dict:
    """The files the compiled timeline names, put in the object store once a batch
    (for a task that lands on another node; one on this node uses them in place)."""
    from ..engine.encode.executors import put_assets

    return put_assets(ray, json.loads(spec["timeline"]), known) if spec.get("timeline") else {}


def _place(output: Path, files: dict[str, bytes], result: dict) -> dict:
    """Write what a remote task rendered beside `output`: into a staging folder
    `remove_stale` knows, then each file renamed into place, the video last."""
    from ..engine.encode.outputs import owned_temp_prefix, remove_stale

    output.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(output.parent, output.stem)
    staging = Path(tempfile.mkdtemp(prefix=owned_temp_prefix(output), suffix=".partial.job", dir=output.parent))
    try:
        placed = []
        for name in sorted(files, key=lambda n: n == output.name):
            (staging / name).write_bytes(files[name])
        for name in sorted(files, key=lambda n: n == output.name):
            os.replace(staging / name, output.parent / name)
            placed.append(str(output.parent / name))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report = result.get("check")
    if isinstance(report, dict):
        report = dict(report, path=str(output))
    return dict(result, output=str(output), files=placed, check=report)


# -- on the Ray worker ------------------------------------------------------------------------


class _NodeMismatch(RuntimeError):
    """This node runs another engine than the batch's machine."""


def _remote_spec(spec: dict, assets: dict, work: Path) -> dict:
    """The spec as a task on another node renders it: output and cache in `work`'s
    node-local folders, the timeline's files fetched from the object store."""
    import ray

    from ..engine.encode.executors import fetch_assets, repath, asset_folder

    spec = dict(spec, output=str(work / Path(spec["output"]).name),
                cache=str(asset_folder().parent / "cache") if spec.get("cache") else None)
    if assets and spec.get("timeline"):
        spec["timeline"] = json.dumps(repath(json.loads(spec["timeline"]), fetch_assets(ray, assets)))
    return spec


def _ray_job(job: dict):
    """One job on a Ray node: the worker process, its event lines yielded as they
    come, then {"returncode", "log", "files"} (the files only from another node)."""
    import socket

    import ray

    from ..engine.encode.executors import asset_folder
    from ..engine.encode.segment_cache import engine_digest

    if job["engine"] != engine_digest():
        raise _NodeMismatch(f"the Ray node {socket.gethostname()} runs another version of storyreel's engine than "
                            "the batch's machine: install the same storyreel on every node")
    here = ray.get_runtime_context().get_node_id() == job["node"]
    spec, work = job["spec"], None
    if not here:
        (asset_folder().parent / "jobs").mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=asset_folder().parent / "jobs"))
        spec = _remote_spec(spec, job["assets"], work)
    process, log = _take_worker()
    try:
        process.stdin.write(json.dumps(spec).encode())
        process.stdin.close()
        for line in process.stdout:
            yield line
        code = process.wait()
        files = {}
        if work is not None and code == 0:
            files = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
        log.seek(0)
        yield {"returncode": code, "log": log.read(), "files": files}
    finally:
        # However the task ends early — ray.cancel raises KeyboardInterrupt or TaskCancelledError
        # here, the driver closing the generator GeneratorExit — stop the worker as a local cancel
        # does: SIGTERM, and it removes its staging folder.
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    _spare.append(_start_worker())  # not when cancelled (the generator ends above): warm for the next job here


_spare: list = []  # per Ray worker process: a worker process started ahead, imports done


def _start_worker() -> tuple[subprocess.Popen, Any]:
    """A worker process (as the local runner starts one), with a temporary file for
    its log; it dies with this Ray worker process (PR_SET_PDEATHSIG)."""
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-m", "storyreel.jobs.worker"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=log,
                               env=dict(os.environ, STORYREEL_JOB_PARENT=str(os.getpid())))
    return process, log


def _take_worker() -> tuple[subprocess.Popen, Any]:
    """The warm worker the last job here left (it has imported Skia, PyAV and the
    DSL: the 0.5-3 s a job would otherwise wait), or a new one."""
    while _spare:
        process, log = _spare.pop()
        if process.poll() is None:
            return process, log
        log.close()
    return _start_worker()
