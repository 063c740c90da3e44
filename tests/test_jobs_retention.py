"""Retention of a jobs folder (jobs/retention.py): `render jobs purge` and the
runner's automatic bound (`render serve --keep-jobs`), on a real jobs folder —
a batch's rendered rows with their logs, a failed and a cancelled job, an API
job with its project folder, one whose webhook is still to be sent, and jobs
still queued or running."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.jobs.queue import JobQueue
from storyreel.jobs.retention import Retention, parse_age, purge
from storyreel.jobs.runner import Runner
from storyreel.service.store import ServiceStore

TINY = '''video "hi" {
    size 160x90
    fps 10
}
scene a {
    background solid #336699
    wait 0.5s
}
'''
DAY = 86400.0


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _age(folder: Path, job_ids: list[int], days: float) -> None:
    """Pretend these jobs finished `days` ago (the purge reads finished_at)."""
    with sqlite3.connect(folder / "jobs.sqlite3") as db:
        db.executemany("UPDATE jobs SET finished_at = finished_at - ? WHERE id = ?", [(days * DAY, i) for i in job_ids])


@pytest.fixture
def jobs_folder(tmp_path):
    """A jobs folder as a batch and a server leave it."""
    (tmp_path / "tiny.scene").write_text(TINY, encoding="utf-8")
    (tmp_path / "jobs.csv").write_text("output,scene\nout/a.mp4,tiny.scene\nout/b.mp4,tiny.scene\n", encoding="utf-8")
    result = cli("batch", str(tmp_path / "jobs.csv"), "--workers", "1", "--check", "off", "-q")
    assert result.exit_code == 0, result.output
    folder = tmp_path / ".storyreel-jobs"
    with JobQueue(folder) as queue:
        spec = {"kind": "scene", "source": str(tmp_path / "tiny.scene"), "output": str(tmp_path / "x.mp4")}
        failed = queue.put(spec, key="other/failed").id
        queue.get_nowait(key_prefix="other/failed")
        queue.fail(failed, {"message": "error: broken"}, transient=False)
        cancelled = queue.cancel(queue.put(spec, key="other/cancelled").id).id
        store = ServiceStore(queue)
        api_ids = []
        for uid in ("aaaa", "bbbb"):
            work = folder / "api" / uid
            (work / "project").mkdir(parents=True)
            (work / "out").mkdir()
            (work / "project" / "upload.png").write_bytes(b"\x89PNG" + b"0" * 5000)
            (work / "out" / "video.mp4").write_bytes(b"0" * 20000)
            job = queue.put(dict(spec, output=str(work / "out" / "video.mp4")), key=f"api/{uid}").id
            queue.get_nowait(key_prefix=f"api/{uid}")
            queue.finish(job, {"files": [str(work / "out" / "video.mp4")]})
            store.add_job(job, "anonymous", str(work), "http://127.0.0.1:9/hook", {"kind": "scene"})
            api_ids.append(job)
        store.schedule_webhook(api_ids[0], "http://127.0.0.1:9/hook", "job.done", "{}")
        store.record_delivery(api_ids[0], 1, "http://127.0.0.1:9/hook", 0.0, 0.1, 200, None, retry_at=None)
        store.schedule_webhook(api_ids[1], "http://127.0.0.1:9/hook", "job.done", "{}")  # still to send
        queued = queue.put(spec, key="other/queued").id
        running = queue.put(spec, key="other/running").id
        queue.get_nowait(key_prefix="other/running")
        finished = [j.id for j in queue.jobs() if j.state in ("done", "failed", "cancelled")]
    _age(folder, finished, 8)
    ids = {"batch": [1, 2], "failed": failed, "cancelled": cancelled, "api": api_ids, "queued": queued,
           "running": running}
    return tmp_path, folder, ids


def test_purge_removes_old_finished_jobs_their_logs_and_folders_never_outputs(jobs_folder):
    base, folder, ids = jobs_folder
    logs = sorted(p.name for p in (folder / "logs").glob("job-*.log"))
    assert logs == ["job-1-attempt-1.log", "job-2-attempt-1.log"]
    outputs = {p: p.read_bytes() for p in (base / "out").iterdir()}
    assert base / "out" / "a.mp4" in outputs and base / "out" / "a.thumbnail.png" in outputs

    dry = cli("jobs", "purge", "--jobs-dir", str(folder), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would purge 5 jobs (3 done, 1 failed, 1 cancelled)" in dry.output
    assert "kept 1 with a webhook still to deliver" in dry.output
    assert (folder / "logs" / "job-1-attempt-1.log").is_file() and (folder / "api" / "aaaa").is_dir()

    young = cli("jobs", "purge", "--jobs-dir", str(folder), "--older-than", "9d")
    assert young.exit_code == 0 and "purged 0 jobs" in young.output, young.output

    only = cli("jobs", "purge", "--jobs-dir", str(folder), "--state", "failed")
    assert only.exit_code == 0 and "purged 1 job (1 failed)" in only.output, only.output

    result = cli("jobs", "purge", "--jobs-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert "purged 4 jobs (3 done, 1 cancelled), 3 files or folders" in result.output
    with JobQueue(folder) as queue:
        left = {j.id: j.state for j in queue.jobs()}
        assert left == {ids["api"][1]: "done", ids["queued"]: "queued", ids["running"]: "running"}
        db = queue.connection()
        for table in ("attempts", "api_jobs", "webhooks", "webhook_deliveries"):
            rows = {r[0] for r in db.execute(f"SELECT job_id FROM {table}")}
            assert rows <= set(left), (table, rows)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert not list((folder / "logs").glob("job-1-*")) and not list((folder / "logs").glob("job-2-*"))
    assert not (folder / "api" / "aaaa").exists(), "the API job's folder went with it"
    assert (folder / "api" / "bbbb" / "out" / "video.mp4").is_file(), "its webhook is still to be sent"
    assert {p: p.read_bytes() for p in (base / "out").iterdir()} == outputs, "a batch's outputs are never touched"
    assert (folder / "cache").is_dir(), "the shared segment cache stays (it has its own bound)"

    listed = cli("jobs", "list", "--jobs-dir", str(folder))
    assert "queued" in listed.output and "running" in listed.output

    # The batch again: its purged rows render again (their record was what said they were done).
    again = cli("batch", str(base / "jobs.csv"), "--workers", "1", "--check", "off")
    assert again.exit_code == 0 and "0 unchanged (skipped), 2 to render" in again.output, again.output


def test_a_work_folder_outside_the_jobs_folder_is_never_deleted(tmp_path):
    outside = tmp_path / "mine"
    outside.mkdir()
    (outside / "keep.mp4").write_bytes(b"video")
    with JobQueue(tmp_path / "jobs") as queue:
        job = queue.put({"kind": "scene", "source": "x", "output": str(outside / "keep.mp4")}).id
        queue.cancel(job)
        found = purge(queue, work_folder=lambda job_id: outside)
        assert list(found.jobs) == [job] and found.paths == []
        with pytest.raises(ValueError, match="only finished jobs"):
            purge(queue, states=("running",))
    assert (outside / "keep.mp4").read_bytes() == b"video"


def test_the_runner_applies_its_retention_bound(tmp_path):
    """`render serve --keep-jobs` gives its runner a Retention: purged at the first
    heartbeat (and hourly after), only the runner's own jobs."""
    with JobQueue(tmp_path / "jobs") as queue:
        spec = {"kind": "scene", "source": "x", "output": str(tmp_path / "x.mp4")}
        ours, old_other, young = (queue.cancel(queue.put(spec, key=k).id).id for k in ("api/1", "batch#x", "api/2"))
        _age(queue.folder, [ours, old_other], 3)
        Runner(queue, workers=1, prewarm=False, retention=Retention(2 * DAY, key_prefix="api/")).run()
        assert [j.id for j in queue.jobs()] == [old_other, young]


def test_keep_jobs_and_older_than_are_checked(tmp_path):
    assert parse_age("7d") == 7 * DAY and parse_age("12h") == 12 * 3600 and parse_age("2") == 2 * DAY
    with pytest.raises(ValueError, match="not an age"):
        parse_age("soon")
    from storyreel.service.settings import ServiceSettings

    assert ServiceSettings().keep_jobs_s == 7 * DAY
    bad = CliRunner().invoke(main, ["serve", "--keep-jobs", "soon"])
    assert bad.exit_code == 2 and "'soon' is not an age" in bad.output
    JobQueue(tmp_path / "jobs").close()
    bad = CliRunner().invoke(main, ["jobs", "purge", "--jobs-dir", str(tmp_path / "jobs"), "--older-than", "x"])
    assert bad.exit_code == 2 and "not an age" in bad.output
    missing = CliRunner().invoke(main, ["jobs", "purge", "--jobs-dir", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "no jobs in" in missing.output
