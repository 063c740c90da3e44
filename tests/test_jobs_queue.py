"""The durable job queue (storyreel.jobs): its Queue-shaped API on a real SQLite
file with a hand-stepped clock, and real renders in worker processes that are
killed, fail on a .scene error, or are cancelled."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import decode
from storyreel.jobs import Backoff, Empty, Full, JobQueue
from storyreel.jobs.runner import Runner, default_workers


class Clock:
    def __init__(self, t: float = 1_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def q(tmp_path, clock):
    queue = JobQueue(tmp_path / "jobs", clock=clock, backoff=Backoff(base=2.0, factor=3.0, cap=10.0),
                     max_attempts=3, lease_s=30.0)
    yield queue
    queue.close()


SPEC = {"kind": "scene", "source": "a.scene", "output": "a.mp4"}


# ── the Queue interface ──────────────────────────────────────────────────────


def test_put_get_in_order_and_the_queue_shape(q):
    assert q.empty() and q.qsize() == 0
    a = q.put(dict(SPEC, output="a.mp4"))
    b = q.put_nowait(dict(SPEC, output="b.mp4"))
    assert (a.state, b.state, q.qsize()) == ("queued", "queued", 2)
    first = q.get_nowait()
    assert first.id == a.id and first.state == "running" and first.attempts == 1 and first.owner == q.owner
    assert q.get(timeout=0).id == b.id
    with pytest.raises(Empty):
        q.get_nowait()
    with pytest.raises(Empty):
        q.get(timeout=0.05)
    with pytest.raises(ValueError):
        q.get(timeout=-1)
    with pytest.raises(ValueError):
        q.put(SPEC, timeout=-1)
    assert q.job(a.id).spec == dict(SPEC, output="a.mp4")
    mine = q.put(SPEC, key="/jobs.csv#/out/1.mp4")
    q.put(SPEC, key="/other.csv#/out/1.mp4")
    assert q.get_nowait(key_prefix="/jobs.csv#").id == mine.id  # one batch's rows only
    with pytest.raises(Empty):
        q.get_nowait(key_prefix="/jobs.csv#")


def test_maxsize_bounds_queued_jobs(tmp_path, clock):
    q = JobQueue(tmp_path / "j", maxsize=1, clock=clock)
    q.put(SPEC)
    assert q.full()
    with pytest.raises(Full):
        q.put_nowait(SPEC)
    with pytest.raises(Full):
        q.put(SPEC, timeout=0.05)
    q.get_nowait()  # running jobs do not count
    q.put_nowait(SPEC)


def test_states_running_checking_done_with_attempts_logged(q, clock):
    job = q.put(SPEC)
    q.get_nowait()
    q.set_checking(job.id)
    assert q.job(job.id).state == "checking"
    clock.t += 5
    done = q.finish(job.id, {"frames": 30})
    assert (done.state, done.result, done.finished_at - done.started_at) == ("done", {"frames": 30}, 5)
    [attempt] = q.attempts(job.id)
    assert (attempt.n, attempt.outcome, attempt.error) == (1, "done", None)
    assert q.counts()["done"] == 1


def test_transient_failures_back_off_exponentially_then_fail(q, clock):
    job = q.put(SPEC)
    delays = []
    for n in (1, 2):
        claimed = q.get_nowait()
        assert claimed.attempts == n
        after = q.fail(job.id, {"message": "disk full"}, transient=True)
        assert after.state == "queued"
        delays.append(after.due_at - clock.t)
        with pytest.raises(Empty):  # not before its time
            clock.t += delays[-1] - 0.001
            q.get_nowait()
        clock.t += 0.001
    assert delays == [2.0, 6.0]  # base, base * factor
    q.get_nowait()
    last = q.fail(job.id, {"message": "disk full"}, transient=True)
    assert (last.state, last.attempts) == ("failed", 3)  # max_attempts spent
    assert [a.outcome for a in q.attempts(job.id)] == ["retry", "retry", "failed"]
    assert Backoff(base=2, factor=3, cap=10).delay(3) == 10  # capped


def test_an_input_error_is_never_retried(q):
    job = q.put(SPEC)
    q.get_nowait()
    failed = q.fail(job.id, {"message": "a.scene:3:5: error: …", "kind": "input"}, transient=False)
    assert (failed.state, failed.attempts, failed.error["transient"]) == ("failed", 1, False)
    with pytest.raises(Empty):
        q.get_nowait()


def test_an_expired_lease_is_reclaimed_and_its_attempt_counts(q, clock):
    job = q.put(SPEC)
    q.get_nowait()
    clock.t += 29
    q.heartbeat()  # renewed: 30 s from now
    clock.t += 29
    assert q.reclaim() == []
    clock.t += 2
    assert q.reclaim() == [job.id]
    again = q.job(job.id)
    assert (again.state, again.owner, again.due_at) == ("queued", None, clock.t)  # due at once, no backoff
    assert q.attempts(job.id)[0].outcome == "interrupted"
    with pytest.raises(LookupError):  # the old owner's word no longer counts
        q.finish(job.id, {})


def test_a_dead_owner_on_this_host_is_reclaimed_at_once(q):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = q.put(SPEC)
    q.get_nowait(owner=f"{q.owner.rpartition(':')[0]}:{dead.pid}")
    assert q.reclaim() == [job.id]  # lease still valid, but its process is gone
    other = q.get_nowait(owner="some-other-host:1")  # another machine's: only its lease tells
    assert q.reclaim() == []
    assert q.job(other.id).state == "running"


def test_cancel_and_release(q):
    queued = q.put(SPEC)
    assert q.cancel(queued.id).state == "cancelled"
    running = q.put(SPEC)
    q.get_nowait()
    assert q.cancel(running.id).cancel_requested
    assert q.heartbeat() == [running.id]  # the owner learns of it on its next heartbeat
    assert q.finish_cancelled(running.id).state == "cancelled"
    stopped = q.put(SPEC)
    q.get_nowait()
    back = q.release(stopped.id, "stopped: Ctrl-C")
    assert (back.state, back.attempts) == ("queued", 0)  # a shutdown spends no attempt
    assert q.get_nowait().attempts == 1


def test_concurrent_claims_take_each_job_once(tmp_path):
    path = tmp_path / "shared"
    JobQueue(path).close()
    for i in range(40):
        JobQueue(path).put_nowait(dict(SPEC, output=f"{i}.mp4"))
    taken: list[int] = []

    def worker(n: int) -> None:
        q = JobQueue(path)
        while True:
            try:
                taken.append(q.get_nowait(owner=f"host:{n}").id)
            except Empty:
                return

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == list(range(1, 41))


def test_default_workers_is_half_the_cores_at_least_one():
    cores = len(os.sched_getaffinity(0))
    assert 1 <= default_workers() <= max(1, cores // 2)


# ── real renders in worker processes ─────────────────────────────────────────


def _scene(tmp_path: Path, name: str, scenes: int, seconds: float, fps: int = 30) -> Path:
    body = "".join(f"scene s{i} {{\n    background solid #{(i * 40) % 256:02X}6699\n"
                   f"    t{i} = text \"Part {i}\" at (50%, 50%) size 24 color #FFFFFF\n"
                   f"    t{i}: move to (60%, 40%) {seconds}s\n}}\n" for i in range(scenes))
    path = tmp_path / name
    path.write_text(f'video "jobs" {{\n    size 160x90\n    fps {fps}\n}}\n{body}', encoding="utf-8")
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name or "chunks-" in p.name)


def test_a_killed_worker_is_retried_and_the_job_completes_once_reusing_chunks(tmp_path):
    scene = _scene(tmp_path, "long.scene", scenes=8, seconds=2.0)
    out = tmp_path / "out" / "long.mp4"
    q = JobQueue(tmp_path / "jobs", backoff=Backoff(base=0.1), max_attempts=3)
    cache = tmp_path / "jobs" / "cache"
    job = q.put({"kind": "scene", "source": str(scene), "output": str(out), "quality": "draft",
                 "cache": str(cache), "check": "off"})
    runner = Runner(q, 1, heartbeat_s=0.2)
    killed = []

    def kill_mid_job() -> bool:
        worker = runner.running.get(job.id)
        if not killed and worker is not None and any(cache.glob("*.json")):
            os.kill(worker.process.pid, signal.SIGKILL)  # chunks are in the cache, the video is not done
            killed.append(worker.process.pid)
        return False

    runner.run([job.id], until=kill_mid_job)
    done = q.job(job.id)
    assert killed and done.state == "done", done.error
    attempts = q.attempts(job.id)
    assert [a.outcome for a in attempts] == ["retry", "done"]
    assert "killed by SIGKILL" in attempts[0].error["message"]
    assert done.result["cache"]["hits"] >= 1  # the chunks the killed attempt finished
    video = decode(out)
    assert len(video.frames) == 8 * 2 * 30 and (video.width, video.height) == (160, 90)
    assert _leftovers(out.parent) == [] and len(list(out.parent.glob("*.mp4"))) == 1
    assert len(q.jobs()) == 1


def test_a_scene_error_fails_once_with_its_location(tmp_path):
    bad = tmp_path / "bad.scene"
    bad.write_text('video "x" {\n    size 160x90\n}\nscene a {\n    background solid #123456\n'
                   '    t = text "hi" at (50%, 50%) wobble 3\n    wait 1s\n}\n', encoding="utf-8")
    q = JobQueue(tmp_path / "jobs", backoff=Backoff(base=0.01), max_attempts=3)
    job = q.put({"kind": "scene", "source": str(bad), "output": str(tmp_path / "bad.mp4"), "quality": "draft"})
    Runner(q, 1).run([job.id])
    failed = q.job(job.id)
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert failed.error["kind"] == "input" and failed.error["transient"] is False
    assert failed.error["location"]["file"].endswith("bad.scene") and failed.error["location"]["line"] == 6
    assert f"bad.scene:6:" in failed.error["message"] and "error:" in failed.error["message"]
    assert [a.outcome for a in q.attempts(job.id)] == ["failed"]
    assert not (tmp_path / "bad.mp4").exists()


def test_cancel_stops_the_worker_and_leaves_no_partial_output(tmp_path):
    scene = _scene(tmp_path, "long.scene", scenes=2, seconds=20.0)
    out = tmp_path / "out" / "long.mp4"
    q = JobQueue(tmp_path / "jobs")
    job = q.put({"kind": "scene", "source": str(scene), "output": str(out), "quality": "draft"})
    runner = Runner(q, 1, heartbeat_s=0.1, grace_s=5.0)
    pids = []

    def cancel_once_rendering() -> bool:
        worker = runner.running.get(job.id)
        if not pids and worker is not None and worker.progress[0] > 0:
            pids.append(worker.process.pid)
            q.cancel(job.id)
        return False

    began = time.monotonic()
    runner.run([job.id], until=cancel_once_rendering)
    assert pids and q.job(job.id).state == "cancelled"
    assert time.monotonic() - began < 20  # stopped, not rendered to the end
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)
    assert not out.exists() and _leftovers(out.parent) == []
    assert [a.outcome for a in q.attempts(job.id)] == ["cancelled"]


def test_kill_9_of_the_whole_program_resumes_on_restart(tmp_path):
    scene = _scene(tmp_path, "long.scene", scenes=8, seconds=2.0)
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("output,scene,quality,check\nout/long.mp4,long.scene,draft,off\n", encoding="utf-8")
    cache = tmp_path / ".storyreel-jobs" / "cache"
    program = subprocess.Popen([sys.executable, "-m", "storyreel", "batch", str(jobs), "--workers", "1", "-q"],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(cache.glob("*.json")) and program.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    program.kill()  # SIGKILL: no cleanup in the program itself
    program.wait()
    out = tmp_path / "out" / "long.mp4"
    # Its worker follows it (PR_SET_PDEATHSIG) and removes its staging folder.
    while _leftovers(out.parent) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _leftovers(out.parent) == [] and not out.exists()
    again = subprocess.run([sys.executable, "-m", "storyreel", "batch", str(jobs), "--workers", "1", "-q"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    import json

    report = json.loads((tmp_path / "jobs.report.json").read_text())
    [row] = report["rows"]
    assert row["state"] == "done" and [a["outcome"] for a in row["attempt_log"]] == ["interrupted", "done"]
    q = JobQueue(tmp_path / ".storyreel-jobs")
    [job] = q.jobs()
    assert job.result["cache"]["hits"] >= 1
    assert len(decode(out).frames) == 8 * 2 * 30
    assert _leftovers(out.parent) == []


def test_which_failures_are_retried():
    import errno

    from storyreel.dsl import SceneError
    from storyreel.engine.speech import SpeechError
    from storyreel.jobs.worker import classify

    assert classify(SceneError("unknown action 'wobble'"))["transient"] is False
    assert classify(OSError(errno.ENOSPC, "No space left on device"))["transient"] is True
    assert classify(FileNotFoundError(errno.ENOENT, "No such file", "pic.png"))["transient"] is False
    try:
        try:
            raise TimeoutError("no answer in 30 s")
        except TimeoutError as cause:
            raise SpeechError("the speech provider did not answer") from cause
    except SpeechError as err:
        slow = classify(err)
    assert (slow["kind"], slow["transient"]) == ("provider", True)
    assert classify(SpeechError("unknown voice 'lun'"))["transient"] is False
    bug = classify(ZeroDivisionError("division by zero"))
    assert (bug["kind"], bug["transient"]) == ("internal", False) and "ZeroDivisionError" in bug["traceback"]


def test_no_more_than_workers_jobs_render_at_once(tmp_path):
    scene = _scene(tmp_path, "short.scene", scenes=1, seconds=1.0, fps=15)
    q = JobQueue(tmp_path / "jobs")
    ids = [q.put({"kind": "scene", "source": str(scene), "output": str(tmp_path / f"{n}.mp4"), "quality": "draft",
                  "check": "off", "extras": False}).id for n in range(3)]
    runner = Runner(q, 2)
    most = []

    def watch() -> bool:
        most.append(len(runner.running))
        return False

    runner.run(ids, until=watch)
    assert max(most) == 2 and all(q.job(i).state == "done" for i in ids)
    assert runner.spare is None  # the warm worker is gone with the run
