"""The service's own tables, beside the jobs in the queue's database (one SQLite
file, so `render jobs show` and a restarted server see them too):

- `api_jobs`: who submitted a job (the token's name), its project folder, its
  webhook URL;
- `webhooks`: one pending or finished notification a job (frozen body, state,
  attempts, when it is next due);
- `webhook_deliveries`: every attempt to deliver one — when, the HTTP status or the
  error, how long it took, and what followed (delivered, retry, failed).

Every change is one `BEGIN IMMEDIATE` transaction on the queue's connection.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..jobs.queue import ACTIVE, Job, JobQueue

__all__ = ["ApiJob", "Delivery", "ServiceStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_jobs (
    job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
    token TEXT NOT NULL,           -- the name of the token that submitted it
    folder TEXT NOT NULL,          -- its project folder (inputs in project/, outputs in out/)
    webhook TEXT,                  -- the URL told when it is done or failed
    request TEXT NOT NULL,         -- JSON: what was asked for (kind, template, options), for listings
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS api_jobs_token ON api_jobs (token, job_id);
CREATE TABLE IF NOT EXISTS webhooks (
    job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
    url TEXT NOT NULL,
    event TEXT NOT NULL,           -- job.done | job.failed
    body TEXT NOT NULL,            -- the JSON sent, frozen when the job ended (every retry sends the same)
    state TEXT NOT NULL,           -- pending | delivered | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at REAL NOT NULL,          -- the next attempt (while one is in flight: when it is abandoned)
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_due ON webhooks (state, due_at);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    attempt INTEGER NOT NULL,
    url TEXT NOT NULL,
    at REAL NOT NULL,
    duration_s REAL,
    status INTEGER,                -- the listener's HTTP status (NULL: no answer)
    error TEXT,                    -- why it did not count as delivered
    outcome TEXT NOT NULL          -- delivered | retry | failed
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_job ON webhook_deliveries (job_id, id);
"""


@dataclass(frozen=True)
class ApiJob:
    job_id: int
    token: str
    folder: str
    webhook: str | None
    request: dict[str, Any]
    created_at: float


@dataclass(frozen=True)
class Delivery:
    attempt: int
    url: str
    at: float
    duration_s: float | None
    status: int | None
    error: str | None
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


class ServiceStore:
    """The service's tables in `queue`'s database (made on first use)."""

    def __init__(self, queue: JobQueue):
        self.queue = queue
        with queue.transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    @classmethod
    def present(cls, queue: JobQueue) -> bool:
        """Whether a server ever used this queue (`render jobs` reads its tables then)."""
        return queue.connection().execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_jobs'").fetchone() is not None

    # ── jobs ─────────────────────────────────────────────────────────────────

    def add_job(self, job_id: int, token: str, folder: str, webhook: str | None, request: dict[str, Any]) -> None:
        with self.queue.transaction() as db:
            db.execute("INSERT INTO api_jobs (job_id, token, folder, webhook, request, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (job_id, token, folder, webhook, json.dumps(request),
                                                     self.queue.clock()))

    def api_job(self, job_id: int) -> ApiJob | None:
        row = self.queue.connection().execute("SELECT * FROM api_jobs WHERE job_id = ?", (job_id,)).fetchone()
        return _api_job(row) if row else None

    def jobs(self, token: str | None, state: str | None = None, limit: int = 100,
             before: int | None = None) -> list[tuple[Job, ApiJob]]:
        """The API's jobs, newest first (`token` None: everyone's)."""
        given = [(clause, value) for clause, value in (("a.token = ?", token), ("j.state = ?", state),
                                                       ("j.id < ?", before)) if value is not None]
        sql = "SELECT a.* FROM api_jobs a JOIN jobs j ON j.id = a.job_id WHERE 1" + "".join(
            f" AND {clause}" for clause, _ in given)
        rows = self.queue.connection().execute(sql + " ORDER BY j.id DESC LIMIT ?",
                                               [*(value for _, value in given), limit]).fetchall()
        return [(self.queue.job(r["job_id"]), _api_job(r)) for r in rows]

    def active_jobs(self, token: str) -> int:
        """The token's jobs queued or rendering: what its concurrency limit counts."""
        return self.queue.connection().execute(
            f"SELECT count(*) FROM api_jobs a JOIN jobs j ON j.id = a.job_id WHERE a.token = ? AND j.state IN "
            f"('queued', {', '.join(repr(s) for s in ACTIVE)})", (token,)).fetchone()[0]

    # ── webhooks ─────────────────────────────────────────────────────────────

    def schedule_webhook(self, job_id: int, url: str, event: str, body: str) -> bool:
        """Queue the notification of a job that ended (once: False when it is already there)."""
        with self.queue.transaction() as db:
            now = self.queue.clock()
            cur = db.execute("INSERT OR IGNORE INTO webhooks (job_id, url, event, body, state, due_at, updated_at) "
                             "VALUES (?, ?, ?, ?, 'pending', ?, ?)", (job_id, url, event, body, now, now))
            return cur.rowcount == 1

    def unscheduled(self) -> list[tuple[int, str]]:
        """Jobs with a webhook that ended without one scheduled (the server stopped in between)."""
        rows = self.queue.connection().execute(
            "SELECT a.job_id, a.webhook FROM api_jobs a JOIN jobs j ON j.id = a.job_id LEFT JOIN webhooks w "
            "ON w.job_id = a.job_id WHERE a.webhook IS NOT NULL AND j.state IN ('done', 'failed') "
            "AND w.job_id IS NULL").fetchall()
        return [(r[0], r[1]) for r in rows]

    def claim_webhooks(self, in_flight_s: float, limit: int = 16) -> list[dict[str, Any]]:
        """The due pending notifications, each pushed `in_flight_s` into the future
        while it is sent (so a crash mid-send only delays it)."""
        due = "SELECT * FROM webhooks WHERE state = 'pending' AND due_at <= ? ORDER BY due_at LIMIT ?"
        # A read first: polling an empty schedule takes no write lock from the queue's writers.
        if not self.queue.connection().execute(due, (self.queue.clock(), limit)).fetchone():
            return []
        with self.queue.transaction() as db:
            now = self.queue.clock()
            rows = db.execute(due, (now, limit)).fetchall()
            for r in rows:
                db.execute("UPDATE webhooks SET due_at = ?, attempts = attempts + 1, updated_at = ? "
                           "WHERE job_id = ?", (now + in_flight_s, now, r["job_id"]))
        return [dict(r, attempts=r["attempts"] + 1) for r in rows]

    def record_delivery(self, job_id: int, attempt: int, url: str, at: float, duration_s: float | None,
                        status: int | None, error: str | None, *, retry_at: float | None) -> str:
        """Log one attempt; delivered (2xx), or due again at `retry_at`, or failed
        for good (`retry_at` None). Returns the outcome."""
        outcome = "delivered" if error is None else ("retry" if retry_at is not None else "failed")
        with self.queue.transaction() as db:
            now = self.queue.clock()
            db.execute("INSERT INTO webhook_deliveries (job_id, attempt, url, at, duration_s, status, error, outcome) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (job_id, attempt, url, at, duration_s, status, error, outcome))
            state = {"delivered": "delivered", "retry": "pending", "failed": "failed"}[outcome]
            db.execute("UPDATE webhooks SET state = ?, due_at = ?, updated_at = ? WHERE job_id = ?",
                       (state, retry_at if retry_at is not None else now, now, job_id))
        return outcome

    def webhook(self, job_id: int) -> dict[str, Any] | None:
        row = self.queue.connection().execute(
            "SELECT job_id, url, event, state, attempts, due_at FROM webhooks WHERE job_id = ?", (job_id,)).fetchone()
        return dict(row) if row else None

    def work_folder(self, job_id: int) -> Path | None:
        """The job's project folder (its uploads and outputs), which a purge removes with it."""
        api = self.api_job(job_id)
        return Path(api.folder) if api is not None else None

    def webhook_pending(self, job_id: int) -> bool:
        """Whether the job's webhook is still to be delivered (a purge keeps the job till then)."""
        hook = self.webhook(job_id)
        return hook is not None and hook["state"] == "pending"

    def deliveries(self, job_id: int) -> list[Delivery]:
        rows = self.queue.connection().execute(
            "SELECT * FROM webhook_deliveries WHERE job_id = ? ORDER BY id", (job_id,)).fetchall()
        return [Delivery(r["attempt"], r["url"], r["at"], r["duration_s"], r["status"], r["error"], r["outcome"])
                for r in rows]

    def delivery_counts(self) -> dict[str, int]:
        rows = self.queue.connection().execute("SELECT outcome, count(*) FROM webhook_deliveries GROUP BY outcome")
        return {"delivered": 0, "retry": 0, "failed": 0} | {r[0]: r[1] for r in rows}


def _api_job(row) -> ApiJob:
    return ApiJob(row["job_id"], row["token"], row["folder"], row["webhook"], json.loads(row["request"]),
                  row["created_at"])
