"""Keeping a jobs folder bounded: finished jobs' records and work files removed.

`render jobs purge` (and `render serve --keep-jobs`, through the runner) call
`purge`: the jobs that are done, failed or cancelled (never queued, running or
checking ones) and finished before a cut-off lose

- their rows: the job, its attempts, and every row of another table that names
  it (a foreign key to `jobs(id)`: the service's `api_jobs`, `webhooks`,
  `webhook_deliveries`), in one transaction;
- their files *inside the jobs folder*: each attempt's log
  (`logs/job-ID-attempt-N.log`), and the job's own work folder when the layer
  that made it names one (`work_folder`: an API job's `api/UID/`, its uploads
  and the files it served).

Nothing outside the jobs folder is ever deleted: the outputs a batch row named
(`out/ducks.mp4`) stay where they are, whatever the spec says, and a work folder
that is not strictly inside the jobs folder is left alone. The segment cache
(`JOBS_DIR/cache`) is shared by every job and bounded by its own size limit.
A purged batch row is rendered again by the next run of its batch (its record
was what told that it was done).
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .queue import FINAL, JobQueue

__all__ = ["Purged", "Retention", "parse_age", "purge"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """`7d`, `12h`, `30m`, `90s`, `2w` (or a bare number of days) as seconds; a
    ValueError saying what is expected otherwise."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text.lower())
    if not m:
        raise ValueError(f"'{text}' is not an age; write 7d, 12h, 30m, 90s or 2w")
    return float(m.group(1)) * _UNITS[m.group(2) or "d"]


@dataclass
class Purged:
    """What a purge removed (or, dry, would remove)."""
    jobs: dict[int, str] = field(default_factory=dict)  # id -> the state it ended in
    paths: list[Path] = field(default_factory=list)
    bytes: int = 0
    busy: list[int] = field(default_factory=list)  # old enough, but kept: `busy` said so (a webhook to send)

    def summary(self, dry_run: bool = False) -> str:
        counts = {s: sum(1 for v in self.jobs.values() if v == s) for s in FINAL}
        states = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        verb = "would purge" if dry_run else "purged"
        text = (f"{verb} {len(self.jobs)} job{'s' if len(self.jobs) != 1 else ''}" + (f" ({states})" if states else "")
                + f", {len(self.paths)} file{'s' if len(self.paths) != 1 else ''} or folder"
                + f"{'s' if len(self.paths) != 1 else ''}, {self.bytes / 1e6:.1f} MB")
        if self.busy:
            text += f"; kept {len(self.busy)} with a webhook still to deliver"
        return text


def _size(path: Path) -> int:
    if path.is_dir() and not path.is_symlink():
        return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())
    return path.lstat().st_size


def _inside(path: Path, folder: Path) -> bool:
    try:
        resolved = path.resolve()
    except OSError:
        return False
    return resolved != folder and resolved.is_relative_to(folder)


def _dependent_tables(db) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to `jobs(id)`: the queue's attempts, and
    whatever tables the layers above keep beside it."""
    found = []
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for key in db.execute(f'PRAGMA foreign_key_list("{table}")'):
            if key["table"] == "jobs":
                found.append((table, key["from"]))
    return found


def purge(queue: JobQueue, *, older_than_s: float | None = 0.0, states: tuple[str, ...] = FINAL,
          key_prefix: str | None = None, work_folder: Callable[[int], Path | None] | None = None,
          busy: Callable[[int], bool] | None = None, dry_run: bool = False) -> Purged:
    """Remove the finished jobs of `queue` in `states` that finished more than
    `older_than_s` seconds ago (by the queue's clock; None or 0: any finished
    job), optionally only those whose key starts with `key_prefix`.

    `work_folder(id)`: the job's own folder to delete with it (used only when it is
    strictly inside the jobs folder). `busy(id)`: True keeps a job this time (the
    service: a webhook not yet delivered). `dry_run`: report, change nothing."""
    wrong = [s for s in states if s not in FINAL]
    if wrong:
        raise ValueError(f"only finished jobs are purged ({', '.join(FINAL)}), not {', '.join(wrong)}")
    folder = queue.folder.resolve()
    cutoff = queue.clock() - (older_than_s or 0.0)
    marks = ",".join("?" * len(states))
    sql = f"SELECT id, state FROM jobs WHERE state IN ({marks}) AND coalesce(finished_at, updated_at) <= ?"
    args: list = [*states, cutoff]
    if key_prefix is not None:
        sql += " AND substr(key, 1, ?) = ?"
        args += [len(key_prefix), key_prefix]
    found = Purged()
    for job_id, state in queue.connection().execute(sql + " ORDER BY id", args).fetchall():
        if busy is not None and busy(job_id):
            found.busy.append(job_id)
        else:
            found.jobs[job_id] = state
    # Asked before the rows go: the layer above reads the folder from its own row.
    folders = {job_id: work_folder(job_id) for job_id in found.jobs} if work_folder is not None else {}
    if not dry_run and found.jobs:
        with queue.transaction() as db:
            # The state again, in the transaction: a job requeued meanwhile (its batch run again) stays.
            ids = list(found.jobs)
            kept = set(ids)
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                kept -= {r[0] for r in db.execute(f"SELECT id FROM jobs WHERE id IN ({','.join('?' * len(part))}) "
                                                  f"AND state IN ({marks})", [*part, *states])}
            ids = [i for i in ids if i not in kept]
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                where = f"IN ({','.join('?' * len(part))})"
                for table, column in _dependent_tables(db):
                    db.execute(f'DELETE FROM "{table}" WHERE "{column}" {where}', part)
                db.execute(f"DELETE FROM jobs WHERE id {where}", part)
        for job_id in kept:
            del found.jobs[job_id]
    for job_id in found.jobs:
        candidates = sorted((folder / "logs").glob(f"job-{job_id}-attempt-*.log"))
        extra = folders.get(job_id)
        if extra is not None:
            candidates.append(Path(extra))
        for path in candidates:
            if _inside(path, folder) and path.exists():
                found.paths.append(path)
                found.bytes += _size(path)
    if not dry_run:  # the files after the rows: a crash between leaves files, never a record without its files
        for path in found.paths:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    return found


@dataclass(frozen=True)
class Retention:
    """A runner's automatic bound (`Runner(retention=…)`): every `every_s`, purge
    the jobs of `key_prefix` finished more than `keep_s` ago (see `purge`)."""
    keep_s: float
    key_prefix: str | None = None
    work_folder: Callable[[int], Path | None] | None = None
    busy: Callable[[int], bool] | None = None
    every_s: float = 3600.0

    def apply(self, queue: JobQueue) -> Purged:
        return purge(queue, older_than_s=self.keep_s, key_prefix=self.key_prefix, work_folder=self.work_folder,
                     busy=self.busy)

