"""A durable job queue in one SQLite file (WAL mode): no server to run.

The interface keeps the stdlib's (and `ray.util.queue.Queue`'s) shape: `put`,
`put_nowait`, `get`, `get_nowait`, `qsize`, `empty`, `full`, the `Empty` and
`Full` exceptions, and a `ValueError` for a negative timeout. What a queue of
renders needs on top of that:

- a job has a state: queued -> running -> checking -> done, or failed, or
  cancelled (`STATES`). `get` *claims* the next due job for an owner (it becomes
  running, with a lease), it does not delete it;
- every attempt is logged (`attempts`) with its outcome and error;
- `fail(…, transient=True)` puts the job back with exponential backoff
  (`Backoff`) until `max_attempts` is spent; an input error (`transient=False`)
  fails it at once, never retried;
- the owner renews its lease (`heartbeat`); `reclaim` puts back the jobs whose
  owner is gone: its lease ran out, or it was a process on this machine that no
  longer runs (a `kill -9` of the whole program). The attempt counts; the job
  is due again at once, so a restarted program carries on where it was;
- `cancel` ends a queued job at once and asks the owner of a running one to stop
  it (`cancel_requested`), which then calls `finish_cancelled`.

All times come from `clock` (injectable: the tests step it by hand). Every
change runs in one `BEGIN IMMEDIATE` transaction, so several programs may share
the file; a claimed job has exactly one owner.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

__all__ = ["ACTIVE", "Attempt", "Backoff", "Empty", "FINAL", "Full", "Job", "JobQueue", "STATES", "owner_id"]

STATES = ("queued", "running", "checking", "done", "failed", "cancelled")
ACTIVE = ("running", "checking")  # claimed by an owner, under a lease
FINAL = ("done", "failed", "cancelled")
SCHEMA_VERSION = 2  # 2: jobs.inputs
DB_NAME = "jobs.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT,                      -- what the job is for (a batch row: FILE#OUTPUT), to find it again
    spec TEXT NOT NULL,            -- JSON: what to render and how (jobs/spec.py)
    input_hash TEXT,               -- sha256 of the spec and every input file's content
    inputs TEXT,                   -- JSON list of those files (to check the hash again without compiling)
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    due_at REAL NOT NULL,          -- not claimed before this time (backoff)
    owner TEXT,                    -- host:pid of the program that claimed it
    lease_until REAL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    progress_done INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    result TEXT,                   -- JSON, when done
    error TEXT,                    -- JSON {message, kind, transient, location}, of the last failure
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    started_at REAL,               -- the first attempt's start
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, due_at, id);
CREATE INDEX IF NOT EXISTS jobs_key ON jobs (key);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    n INTEGER NOT NULL,            -- the attempt it was (one stopped by its program's shutdown does not count)
    owner TEXT,
    started_at REAL NOT NULL,
    ended_at REAL,
    outcome TEXT,                  -- done | retry | failed | interrupted | stopped | cancelled (NULL: running)
    error TEXT                     -- JSON, as jobs.error
);
CREATE INDEX IF NOT EXISTS attempts_job ON attempts (job_id, id);
"""


class Empty(Exception):
    """No job is due (`get_nowait`, or `get` after its timeout)."""


class Full(Exception):
    """`maxsize` jobs are queued already (`put_nowait`, or `put` after its timeout)."""


def owner_id(pid: int | None = None) -> str:
    """`host:pid`: who holds a job. The pid is checked on this host only."""
    return f"{socket.gethostname()}:{os.getpid() if pid is None else pid}"


def _owner_gone(owner: str | None) -> bool:
    """Whether `owner` is a process on this host that no longer runs."""
    if not owner:
        return True
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's: only its lease tells
    from ..engine.encode.outputs import pid_alive

    return not pid_alive(int(pid)) if int(pid) != os.getpid() else False


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt n+1 after a transient failure of attempt n:
    `base * factor ** (n - 1)`, at most `cap` seconds (no jitter: the renders of
    one machine do not stampede a server, and the tests can predict it)."""

    base: float = 2.0
    factor: float = 2.0
    cap: float = 300.0

    def delay(self, attempt: int) -> float:
        return min(self.cap, self.base * self.factor ** max(0, attempt - 1))


@dataclass(frozen=True)
class Attempt:
    job_id: int
    n: int
    owner: str | None
    started_at: float
    ended_at: float | None
    outcome: str | None
    error: dict | None


@dataclass(frozen=True)
class Job:
    id: int
    key: str | None
    spec: dict[str, Any]
    input_hash: str | None
    inputs: list[str] | None
    state: str
    attempts: int
    max_attempts: int
    due_at: float
    owner: str | None
    lease_until: float | None
    cancel_requested: bool
    progress: tuple[int, int]
    result: dict | None
    error: dict | None
    created_at: float
    updated_at: float
    started_at: float | None
    finished_at: float | None

    @classmethod
    def _from_row(cls, row: sqlite3.Row) -> "Job":
        return cls(id=row["id"], key=row["key"], spec=json.loads(row["spec"]), input_hash=row["input_hash"],
                   inputs=json.loads(row["inputs"]) if row["inputs"] else None,
                   state=row["state"], attempts=row["attempts"], max_attempts=row["max_attempts"],
                   due_at=row["due_at"], owner=row["owner"], lease_until=row["lease_until"],
                   cancel_requested=bool(row["cancel_requested"]),
                   progress=(row["progress_done"], row["progress_total"]),
                   result=json.loads(row["result"]) if row["result"] else None,
                   error=json.loads(row["error"]) if row["error"] else None,
                   created_at=row["created_at"], updated_at=row["updated_at"], started_at=row["started_at"],
                   finished_at=row["finished_at"])

    @property
    def frames(self) -> tuple[int, int]:
        """(frames done, frames in all): the progress its runner last recorded, or the
        rendered count once it is done (a short job may end between two heartbeats)."""
        if self.state == "done" and self.result and self.result.get("frames"):
            return self.result["frames"], self.result["frames"]
        return self.progress

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("id", "key", "state", "attempts", "max_attempts", "spec", "input_hash",
                                              "result", "error", "created_at", "started_at", "finished_at")}


class JobQueue:
    """The jobs of one folder: `FOLDER/jobs.sqlite3` (or a file path ending in
    `.sqlite3`).

    Args:
        path: the jobs folder (created) or the database file.
        maxsize: at most this many queued jobs (0: no bound); `put` blocks or raises `Full`.
        max_attempts: attempts a job gets before a transient failure fails it.
        backoff: the delay before each retry.
        lease_s: how long a claim holds without a `heartbeat`.
        clock: seconds (`time.time` by default; the tests pass their own).
        poll_s: how often a blocking `get`/`put` looks again.

    Example:
        >>> q = JobQueue(tmp_path)
        >>> job = q.put({"kind": "scene", "source": "a.scene", "output": "a.mp4"})
        >>> claimed = q.get_nowait()          # running, leased to this process
        >>> q.finish(claimed.id, {"frames": 90})
    """

    def __init__(self, path: str | Path, maxsize: int = 0, *, max_attempts: int = 3, backoff: Backoff = Backoff(),
                 lease_s: float = 30.0, clock: Callable[[], float] = time.time, poll_s: float = 0.05):
        path = Path(path)
        if path.suffix != ".sqlite3":
            path.mkdir(parents=True, exist_ok=True)
            path = path / DB_NAME
        self.path = path
        self.folder = path.parent
        self.maxsize = maxsize
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.lease_s = lease_s
        self.clock = clock
        self.poll_s = poll_s
        self.owner = owner_id()
        self._local = threading.local()
        db = self._db()
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{path} was written by a newer storyreel (schema {version}); upgrade storyreel")
        if version < SCHEMA_VERSION:
            # One transaction: another program opening the folder meanwhile waits, then finds the tables.
            with self._tx() as tx:
                version = tx.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            tx.execute(statement)
                elif version == 1:
                    tx.execute("ALTER TABLE jobs ADD COLUMN inputs TEXT")
                tx.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ── connections ──────────────────────────────────────────────────────────

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at each checkpoint, never corrupt
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    class _Tx:
        def __init__(self, db: sqlite3.Connection):
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type, exc, tb) -> None:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _tx(self) -> "_Tx":
        return self._Tx(self._db())

    def connection(self) -> sqlite3.Connection:
        """This thread's connection to the queue's database (autocommit; rows as
        `sqlite3.Row`), for layers above that read tables of their own beside the
        jobs (the HTTP service's webhook log)."""
        return self._db()

    def transaction(self) -> "_Tx":
        """`with queue.transaction() as db:` one `BEGIN IMMEDIATE` transaction, as
        every change of the queue's own is made."""
        return self._tx()

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def __enter__(self) -> "JobQueue":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ── the Queue interface ──────────────────────────────────────────────────

    @staticmethod
    def _check_timeout(timeout: float | None) -> None:
        if timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")

    def qsize(self) -> int:
        """Jobs waiting (queued, due now or later)."""
        return self._db().execute("SELECT count(*) FROM jobs WHERE state = 'queued'").fetchone()[0]

    def empty(self) -> bool:
        return self.qsize() == 0

    def full(self) -> bool:
        return 0 < self.maxsize <= self.qsize()

    def put(self, spec: dict[str, Any], block: bool = True, timeout: float | None = None, *,
            key: str | None = None, input_hash: str | None = None, inputs: list[str] | None = None,
            max_attempts: int | None = None) -> Job:
        """Add a job (queued, due now); returns it.

        Raises:
            Full: `maxsize` jobs are queued and none left within `timeout` (at once when not `block`).
            ValueError: a negative `timeout`.
        """
        self._check_timeout(timeout)
        text = json.dumps(spec, sort_keys=True)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._tx() as db:
                if not self.maxsize or db.execute(
                        "SELECT count(*) FROM jobs WHERE state = 'queued'").fetchone()[0] < self.maxsize:
                    now = self.clock()
                    cur = db.execute(
                        "INSERT INTO jobs (key, spec, input_hash, inputs, max_attempts, due_at, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (key, text, input_hash, json.dumps(inputs) if inputs is not None else None,
                         max_attempts or self.max_attempts, now, now, now))
                    job_id = cur.lastrowid
                    break
            if not block or (deadline is not None and time.monotonic() >= deadline):
                raise Full(f"{self.maxsize} jobs are queued already")
            time.sleep(self.poll_s)
        return self.job(job_id)

    def put_nowait(self, spec: dict[str, Any], **kwargs: Any) -> Job:
        return self.put(spec, block=False, **kwargs)

    def get(self, block: bool = True, timeout: float | None = None, *, owner: str | None = None,
            key_prefix: str | None = None) -> Job:
        """Claim the oldest due queued job: it becomes running, leased to `owner`
        (this process by default), and a new attempt is logged. `key_prefix`: only
        jobs whose key starts with it (one batch's rows in a shared jobs folder).

        Raises:
            Empty: no job is due within `timeout` (at once when not `block`).
            ValueError: a negative `timeout`.
        """
        self._check_timeout(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self._claim(owner or self.owner, key_prefix)
            if job is not None:
                return job
            if not block or (deadline is not None and time.monotonic() >= deadline):
                raise Empty("no job is due")
            time.sleep(self.poll_s)

    def get_nowait(self, *, owner: str | None = None, key_prefix: str | None = None) -> Job:
        return self.get(block=False, owner=owner, key_prefix=key_prefix)

    def _claim(self, owner: str, key_prefix: str | None = None) -> Job | None:
        due = "SELECT id, attempts FROM jobs WHERE state = 'queued' AND due_at <= ?"
        args: list[Any] = []
        if key_prefix is not None:
            due += " AND substr(key, 1, ?) = ?"
            args = [len(key_prefix), key_prefix]
        due += " ORDER BY due_at, id LIMIT 1"
        # A read first: polling an empty (or backing-off) queue takes no write lock.
        if self._db().execute(due, [self.clock(), *args]).fetchone() is None:
            return None
        with self._tx() as db:
            now = self.clock()
            row = db.execute(due, [now, *args]).fetchone()
            if row is None:
                return None
            n = row["attempts"] + 1
            db.execute("UPDATE jobs SET state = 'running', attempts = ?, owner = ?, lease_until = ?, "
                       "progress_done = 0, progress_total = 0, updated_at = ?, started_at = coalesce(started_at, ?) "
                       "WHERE id = ?", (n, owner, now + self.lease_s, now, now, row["id"]))
            db.execute("INSERT INTO attempts (job_id, n, owner, started_at) VALUES (?, ?, ?, ?)",
                       (row["id"], n, owner, now))
        return self.job(row["id"])

    # ── reading ──────────────────────────────────────────────────────────────

    def job(self, job_id: int) -> Job:
        row = self._db().execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(f"no job {job_id}")
        return Job._from_row(row)

    def jobs(self, state: str | None = None, key: str | None = None) -> list[Job]:
        sql, args = "SELECT * FROM jobs WHERE 1", []
        if state is not None:
            sql += " AND state = ?"
            args.append(state)
        if key is not None:
            sql += " AND key = ?"
            args.append(key)
        return [Job._from_row(r) for r in self._db().execute(sql + " ORDER BY id", args)]

    def unfinished(self, job_ids: list[int]) -> int:
        """How many of `job_ids` are not yet done, failed or cancelled."""
        db, count = self._db(), 0
        for i in range(0, len(job_ids), 500):
            part = job_ids[i:i + 500]
            count += db.execute(f"SELECT count(*) FROM jobs WHERE id IN ({','.join('?' * len(part))}) AND state NOT IN "
                                "('done', 'failed', 'cancelled')", part).fetchone()[0]
        return count

    def latest(self, key: str) -> Job | None:
        row = self._db().execute("SELECT * FROM jobs WHERE key = ? ORDER BY id DESC LIMIT 1", (key,)).fetchone()
        return Job._from_row(row) if row else None

    def attempts(self, job_id: int) -> list[Attempt]:
        rows = self._db().execute("SELECT * FROM attempts WHERE job_id = ? ORDER BY id", (job_id,))
        return [Attempt(r["job_id"], r["n"], r["owner"], r["started_at"], r["ended_at"], r["outcome"],
                        json.loads(r["error"]) if r["error"] else None) for r in rows]

    def counts(self) -> dict[str, int]:
        rows = self._db().execute("SELECT state, count(*) FROM jobs GROUP BY state")
        return {state: 0 for state in STATES} | {r[0]: r[1] for r in rows}

    # ── the owner's side ─────────────────────────────────────────────────────

    def _owned(self, db: sqlite3.Connection, job_id: int, owner: str | None) -> sqlite3.Row:
        row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(f"no job {job_id}")
        if row["state"] not in ACTIVE or row["owner"] != (owner or self.owner):
            raise LookupError(f"job {job_id} is {row['state']}, not held by {owner or self.owner}: "
                              f"its lease ran out and it was reclaimed")
        return row

    def heartbeat(self, job_ids: list[int] | None = None, *, owner: str | None = None,
                  progress: dict[int, tuple[int, int]] | None = None) -> list[int]:
        """Renew the lease of `owner`'s active jobs (all of them, or `job_ids`) and
        record their progress; returns the ids of those whose cancel was asked for."""
        owner = owner or self.owner
        with self._tx() as db:
            now = self.clock()
            for job_id, (done, total) in (progress or {}).items():
                db.execute("UPDATE jobs SET progress_done = ?, progress_total = ? WHERE id = ? AND owner = ?",
                           (done, total, job_id, owner))
            where = "owner = ? AND state IN ('running', 'checking')"
            args: list[Any] = [owner]
            if job_ids is not None:
                where += f" AND id IN ({','.join('?' * len(job_ids))})"
                args += job_ids
            db.execute(f"UPDATE jobs SET lease_until = ? WHERE {where}", [now + self.lease_s, *args])
            return [r[0] for r in db.execute(f"SELECT id FROM jobs WHERE {where} AND cancel_requested", args)]

    def set_checking(self, job_id: int, owner: str | None = None) -> None:
        """running -> checking: the video is written, its checks run."""
        with self._tx() as db:
            self._owned(db, job_id, owner)
            db.execute("UPDATE jobs SET state = 'checking', updated_at = ? WHERE id = ?", (self.clock(), job_id))

    def _end_attempt(self, db, job_id: int, n: int, outcome: str, error: dict | None, now: float) -> None:
        db.execute("UPDATE attempts SET ended_at = ?, outcome = ?, error = ? WHERE id = (SELECT max(id) FROM "
                   "attempts WHERE job_id = ? AND n = ?)", (now, outcome, json.dumps(error) if error else None,
                                                            job_id, n))

    def finish(self, job_id: int, result: dict[str, Any] | None = None, owner: str | None = None) -> Job:
        """The job is done."""
        with self._tx() as db:
            row = self._owned(db, job_id, owner)
            now = self.clock()
            db.execute("UPDATE jobs SET state = 'done', result = ?, error = NULL, owner = NULL, lease_until = NULL, "
                       "updated_at = ?, finished_at = ? WHERE id = ?", (json.dumps(result or {}), now, now, job_id))
            self._end_attempt(db, job_id, row["attempts"], "done", None, now)
        return self.job(job_id)

    def fail(self, job_id: int, error: dict[str, Any], *, transient: bool, owner: str | None = None) -> Job:
        """The attempt failed. Transient (a killed worker, a full disk, a provider's
        timeout): queued again after `backoff.delay(attempt)` while attempts remain.
        Otherwise (an input error: a `.scene` error, an unknown template) failed now."""
        with self._tx() as db:
            row = self._owned(db, job_id, owner)
            self._record_failure(db, row, dict(error, transient=transient), retry=transient, delay=True)
        return self.job(job_id)

    def _record_failure(self, db, row, error: dict, *, retry: bool, delay: bool, outcome: str | None = None) -> None:
        now = self.clock()
        n = row["attempts"]
        again = retry and n < row["max_attempts"]
        due = now + (self.backoff.delay(n) if delay else 0.0)
        db.execute("UPDATE jobs SET state = ?, due_at = ?, error = ?, owner = NULL, lease_until = NULL, "
                   "updated_at = ?, finished_at = ? WHERE id = ?",
                   ("queued" if again else "failed", due if again else row["due_at"], json.dumps(error), now,
                    None if again else now, row["id"]))
        self._end_attempt(db, row["id"], n, outcome or ("retry" if again else "failed"), error, now)

    def release(self, job_id: int, reason: str, owner: str | None = None) -> Job:
        """Give a running job back, due now, without spending its attempt (its owner
        is stopping: Ctrl-C or SIGTERM of the program; the next run resumes it)."""
        with self._tx() as db:
            row = self._owned(db, job_id, owner)
            now = self.clock()
            db.execute("UPDATE jobs SET state = 'queued', attempts = attempts - 1, due_at = ?, owner = NULL, "
                       "lease_until = NULL, updated_at = ? WHERE id = ?", (now, now, job_id))
            self._end_attempt(db, job_id, row["attempts"], "stopped", {"message": reason, "kind": "stopped"}, now)
        return self.job(job_id)

    def cancel(self, job_id: int) -> Job:
        """Cancel a job: a queued one is cancelled now; a running one is marked
        `cancel_requested` and its owner stops it (`finish_cancelled`). A finished
        job is left as it is."""
        with self._tx() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise KeyError(f"no job {job_id}")
            now = self.clock()
            if row["state"] == "queued":
                db.execute("UPDATE jobs SET state = 'cancelled', updated_at = ?, finished_at = ? WHERE id = ?",
                           (now, now, job_id))
            elif row["state"] in ACTIVE:
                db.execute("UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?", (now, job_id))
        return self.job(job_id)

    def finish_cancelled(self, job_id: int, owner: str | None = None) -> Job:
        """The owner stopped a job whose cancel was asked for."""
        with self._tx() as db:
            row = self._owned(db, job_id, owner)
            now = self.clock()
            db.execute("UPDATE jobs SET state = 'cancelled', owner = NULL, lease_until = NULL, updated_at = ?, "
                       "finished_at = ? WHERE id = ?", (now, now, job_id))
            self._end_attempt(db, job_id, row["attempts"], "cancelled", None, now)
        return self.job(job_id)

    def reclaim(self) -> list[int]:
        """Put back the active jobs whose owner is gone: its lease ran out, or it is a
        process on this host that no longer runs. The attempt is logged as
        interrupted and counts; the job is due at once (or failed, when that was
        its last attempt). Returns their ids."""
        reclaimed = []
        with self._tx() as db:
            now = self.clock()
            for row in db.execute("SELECT * FROM jobs WHERE state IN ('running', 'checking')").fetchall():
                expired = row["lease_until"] is None or row["lease_until"] < now
                if not expired and not _owner_gone(row["owner"]):
                    continue
                why = "its lease ran out" if expired else "its process is gone"
                error = {"message": f"interrupted: the program running it ({row['owner']}) stopped ({why})",
                         "kind": "interrupted", "transient": True}
                self._record_failure(db, row, error, retry=True, delay=False, outcome="interrupted")
                reclaimed.append(row["id"])
        return reclaimed

    def requeue(self, job_id: int) -> Job:
        """A failed or cancelled job queued again with fresh attempts (a batch run again)."""
        with self._tx() as db:
            now = self.clock()
            db.execute("UPDATE jobs SET state = 'queued', due_at = ?, cancel_requested = 0, max_attempts = "
                       "attempts + ?, updated_at = ?, finished_at = NULL WHERE id = ? AND state IN "
                       "('failed', 'cancelled')", (now, self.max_attempts, now, job_id))
        return self.job(job_id)

    def __iter__(self) -> Iterator[Job]:
        return iter(self.jobs())
