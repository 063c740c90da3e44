"""Runs a queue's jobs: each in a process of its own (`python -m storyreel.jobs.worker`),
at most `workers` at a time.

The runner is the only writer of its jobs' rows: it claims a job (`get_nowait`),
starts a worker with the spec on stdin, reads the worker's events (progress,
checking, result, error), renews its leases every `heartbeat_s`, and records
the outcome. A worker that dies without saying why (killed, crashed, out of
memory) is a transient failure: retried with backoff. A job whose cancel was
asked for (`JobQueue.cancel`) has its worker stopped (SIGTERM, then SIGKILL
after `grace_s`) and ends cancelled. When the runner itself is stopped (Ctrl-C,
SIGTERM) its workers are stopped the same way and their jobs go back to the
queue, so the next run resumes them; when it is killed outright, its workers
follow it (PR_SET_PDEATHSIG) and the next run `reclaim`s its jobs. A stopped
or killed worker's staging folder is removed (`engine.encode.outputs.remove_stale`):
never a partial output.

Each worker is in a session of its own, so a Ctrl-C in the terminal reaches the
runner only, which then stops them in order. While jobs wait, one spare worker
is kept started (`prewarm`): it has imported Skia, PyAV and the DSL (about
0.5-0.8 s here) and waits for its spec, so the next job does not wait for that.
"""
from __future__ import annotations

import json
import os
import queue as stdqueue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .queue import Empty, Job, JobQueue

__all__ = ["Runner", "default_workers"]

MEMORY_PER_JOB = 1536 * 1024 * 1024  # what one render of up to 1080p may use, with headroom


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def default_workers() -> int:
    """Jobs at once: half the cores (a render keeps about two busy: the rasteriser
    and x264's threads), and no more than the free memory holds at 1.5 GB a job;
    at least one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = max(1, cores // 2)
    memory = _available_memory()
    if memory is not None:
        workers = min(workers, max(1, memory // MEMORY_PER_JOB))
    return workers


@dataclass
class _Worker:
    job: Job
    process: subprocess.Popen
    log: Path
    started: float
    events: "stdqueue.Queue[dict]" = field(default_factory=stdqueue.Queue)
    progress: tuple[int, int] = (0, 0)
    outcome: dict | None = None  # the result or error event
    stopping: str | None = None  # why we stopped it: "cancel" or "shutdown"
    stop_sent: float | None = None
    stopping_reason: str = "stopped: its program was stopped"
    timings: dict = field(default_factory=dict)


class Runner:
    """Run the jobs of `queue`.

    Args:
        queue: the `JobQueue`.
        workers: jobs at once (`default_workers()` when None).
        on_event: called as `on_event(kind, job, info)` for "start", "progress",
            "checking", "done", "retry", "failed", "cancelled" (info: the event's fields).
        heartbeat_s: how often leases are renewed and cancels looked for.
        prewarm: keep one worker process started (imports done) for the next job.
        key_prefix: claim only jobs whose key starts with it (`JobQueue.get`).
        grace_s: how long a stopped worker gets before SIGKILL.
        launcher: starts a worker elsewhere instead of a local process: called with
            the log's path, it returns an object of `subprocess.Popen`'s shape
            (`jobs.ray_workers.RayLauncher`: each job a Ray task).
        retention: purge finished jobs past its age at the first heartbeat and every
            `retention.every_s` after (`jobs.retention.Retention`; None: keep all).
    """

    def __init__(self, queue: JobQueue, workers: int | None = None, *,
                 on_event: Callable[[str, Job, dict], None] | None = None,
                 heartbeat_s: float = 1.0, grace_s: float = 5.0, python: str = sys.executable,
                 tick_s: float = 0.02, prewarm: bool = True, key_prefix: str | None = None,
                 launcher: Callable[[Path], subprocess.Popen] | None = None, retention=None):
        self.queue = queue
        self.workers = workers or default_workers()
        self.on_event = on_event or (lambda kind, job, info: None)
        self.heartbeat_s = heartbeat_s
        self.grace_s = grace_s
        self.python = python
        self.tick_s = tick_s
        self.running: dict[int, _Worker] = {}
        self.logs = queue.folder / "logs"
        self.prewarm = prewarm
        self.key_prefix = key_prefix
        self.spare: tuple[subprocess.Popen, Path] | None = None
        self._spawned = 0
        self.launcher = launcher
        self.retention = retention
        self._purged_at: float | None = None

    # ── one worker ───────────────────────────────────────────────────────────

    def _spawn(self) -> tuple[subprocess.Popen, Path]:
        """A worker process: it imports what a render needs, then waits for a spec."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self._spawned += 1
        log = self.logs / f"worker-{os.getpid()}-{self._spawned}.log"
        if self.launcher is not None:
            return self.launcher(log), log
        env = dict(os.environ, STORYREEL_JOB_PARENT=str(os.getpid()))
        with open(log, "wb") as err:
            process = subprocess.Popen([self.python, "-m", "storyreel.jobs.worker"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=err, start_new_session=True, env=env)
        return process, log

    def _start(self, job: Job) -> None:
        if self.spare is not None and self.spare[0].poll() is None:
            process, log = self.spare
        else:
            process, log = self._spawn()
        self.spare = None
        named = self.logs / f"job-{job.id}-attempt-{job.attempts}.log"
        try:
            os.replace(log, named)  # the open file keeps being written under its new name
            log = named
        except OSError:
            pass
        worker = _Worker(job, process, log, time.time())
        try:
            process.stdin.write(json.dumps(job.spec).encode())
            process.stdin.close()
        except OSError:  # it died at once: its exit status tells
            pass
        threading.Thread(target=self._read, args=(worker,), daemon=True,
                         name=f"storyreel-job-{job.id}-events").start()
        self.running[job.id] = worker
        self.on_event("start", job, {"pid": process.pid, "attempt": job.attempts})
        if self.prewarm and not self.queue.empty():
            self.spare = self._spawn()  # warm for the next job while this one renders

    def _drop_spare(self) -> None:
        if self.spare is not None:
            process, log = self.spare
            self.spare = None
            try:
                process.stdin.close()  # an empty spec: it exits
            except OSError:
                pass
            try:
                process.wait(timeout=self.grace_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            try:
                log.unlink()
            except OSError:
                pass

    @staticmethod
    def _read(worker: _Worker) -> None:
        for line in worker.process.stdout:
            try:
                worker.events.put(json.loads(line))
            except ValueError:
                continue
        worker.events.put({"event": "eof"})

    def _stop(self, worker: _Worker, why: str) -> None:
        if worker.stopping is None:
            worker.stopping = why
            worker.stop_sent = time.monotonic()
            try:
                worker.process.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _drain(self, worker: _Worker) -> bool:
        """Handle the worker's events; True once it has exited and said all it will."""
        ended = False
        while True:
            try:
                event = worker.events.get_nowait()
            except stdqueue.Empty:
                break
            kind = event.get("event")
            if kind == "eof":
                ended = True
            elif kind == "started":
                worker.timings["worker_started"] = event.get("t")
            elif kind == "rendering":
                worker.timings["render_started"] = event.get("t")
                worker.progress = (0, event.get("frames") or 0)
            elif kind == "progress":
                worker.progress = (event["done"], event["total"])
                self.on_event("progress", worker.job, event)
            elif kind == "checking":
                try:
                    self.queue.set_checking(worker.job.id)
                except LookupError:
                    pass
                self.on_event("checking", worker.job, event)
            elif kind in ("result", "error"):
                worker.outcome = event
        if ended:
            worker.process.wait()
        return ended

    def _finish(self, worker: _Worker) -> None:
        from ..engine.encode.outputs import remove_stale

        job = worker.job
        rc = worker.process.returncode
        outcome = worker.outcome or {}
        output = Path(job.spec["output"])
        remove_stale(output.parent, output.stem)  # what a killed worker left: never a partial output
        info = {k: v for k, v in outcome.items() if k != "event"}
        info["timings"] = {**worker.timings, **(info.get("timings") or {}), "worker_exited": time.time()}
        try:
            if worker.stopping == "cancel":
                self.on_event("cancelled", self.queue.finish_cancelled(job.id), info)
            elif worker.stopping == "shutdown" and outcome.get("event") != "result":
                self.queue.release(job.id, worker.stopping_reason)
            elif outcome.get("event") == "result" and rc == 0:
                self.on_event("done", self.queue.finish(job.id, info), info)
            elif outcome.get("event") == "error":
                error = {k: v for k, v in info.items() if k != "timings"}
                done = self.queue.fail(job.id, error, transient=bool(outcome.get("transient")))
                self.on_event("retry" if done.state == "queued" else "failed", done, error)
            else:
                if rc is not None and rc < 0:
                    why = f"killed by {signal.Signals(-rc).name}"
                else:
                    why = f"exited with status {rc} without a result"
                error = {"message": f"error: the worker process (pid {worker.process.pid}) {why}; "
                                    f"its log: {worker.log}", "kind": "worker", "transient": True,
                         "location": None, "log_tail": _tail(worker.log)}
                done = self.queue.fail(job.id, error, transient=True)
                self.on_event("retry" if done.state == "queued" else "failed", done, error)
        except LookupError:
            pass  # our lease ran out and another runner reclaimed the job: its outcome is theirs now

    # ── the loop ─────────────────────────────────────────────────────────────

    def progress(self) -> dict[int, tuple[int, int]]:
        return {job_id: w.progress for job_id, w in self.running.items()}

    def _heartbeat(self) -> None:
        cancels = self.queue.heartbeat(list(self.running), progress=self.progress())
        for job_id in cancels:
            if job_id in self.running:
                self._stop(self.running[job_id], "cancel")

    def step(self, claim: bool = True) -> None:
        """One turn: finish exited workers, stop overdue ones, start new ones."""
        for job_id, worker in list(self.running.items()):
            if self._drain(worker):
                del self.running[job_id]
                self._finish(worker)
            elif worker.stop_sent is not None and time.monotonic() - worker.stop_sent > self.grace_s:
                try:
                    worker.process.kill()
                except ProcessLookupError:
                    pass
        while claim and len(self.running) < self.workers:
            try:
                job = self.queue.get_nowait(key_prefix=self.key_prefix)
            except Empty:
                break
            self._start(job)

    def _beat(self, last_beat: float) -> float:
        """Every `heartbeat_s`: reclaim abandoned jobs, renew leases, look for cancels."""
        now = time.monotonic()
        if now - last_beat < self.heartbeat_s:
            return last_beat
        self.queue.reclaim()
        self._heartbeat()
        if self.retention is not None and (self._purged_at is None
                                           or now - self._purged_at >= self.retention.every_s):
            self._purged_at = now
            try:
                self.retention.apply(self.queue)
            except (OSError, sqlite3.Error) as err:  # a bound missed this hour is no reason to stop rendering
                print(f"warning: purging old jobs in {self.queue.folder} failed: {err}", file=sys.stderr)
        return now

    def serve(self, stop: threading.Event, reason: str = "stopped: the server stopped") -> None:
        """Run jobs as they arrive until `stop` is set (a server's loop, in a thread:
        an empty queue does not end it), keeping one worker warm even while idle so
        the next job starts at once; then stop the workers and put their jobs back."""
        last_beat = 0.0
        try:
            while not stop.is_set():
                last_beat = self._beat(last_beat)
                self.step()
                if self.prewarm and self.spare is None and len(self.running) < self.workers:
                    self.spare = self._spawn()
                stop.wait(self.tick_s)
        finally:
            self.shutdown(reason)
            self._drop_spare()

    def run(self, job_ids: list[int] | None = None, *, until: Callable[[], bool] | None = None) -> None:
        """Run until every job of `job_ids` is done, failed or cancelled (or, with
        neither argument, until nothing is queued or running). Ctrl-C or SIGTERM
        (as KeyboardInterrupt) stops the workers, puts their jobs back, re-raises."""
        last_beat = 0.0
        try:
            while True:
                last_beat = self._beat(last_beat)
                self.step()
                if until is not None and until():
                    break
                if job_ids is not None:
                    if not self.running and not self.queue.unfinished(job_ids):
                        break
                elif not self.running and self.queue.empty():
                    break
                time.sleep(self.tick_s)
        except KeyboardInterrupt as err:
            self.shutdown(f"stopped: its program was stopped by "
                          f"{signal.Signals(getattr(err, 'signum', signal.SIGINT)).name}")
            raise
        finally:
            self.shutdown("stopped: its program ended")
            self._drop_spare()

    def shutdown(self, reason: str) -> None:
        """Stop every worker (SIGTERM, SIGKILL after `grace_s`); their jobs go back
        to the queue, due at once, without spending an attempt."""
        if not self.running:
            return
        for worker in self.running.values():
            worker.stopping_reason = reason
            self._stop(worker, "shutdown")
        deadline = time.monotonic() + self.grace_s
        while self.running:
            for job_id, worker in list(self.running.items()):
                if self._drain(worker):
                    del self.running[job_id]
                    self._finish(worker)
                elif time.monotonic() > deadline:
                    worker.process.kill()
            time.sleep(self.tick_s)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
