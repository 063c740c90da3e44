"""What `render serve` was asked for, read once (the command line fills it in)."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from ..jobs.queue import Backoff

__all__ = ["ServiceSettings", "is_loopback"]

MB = 1_000_000


def is_loopback(host: str) -> bool:
    """Whether `host` only listens on this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServiceSettings:
    """Args:
        jobs_dir: the queue's folder (shared with `render batch --jobs-dir` and `render jobs`).
        host, port: where to listen (loopback by default; port 0: any free port).
        tokens: the token file (None: no authentication; only sensible on loopback).
        workers: videos rendered at once (None: `jobs.runner.default_workers()`).
        max_request_bytes: the largest request body (uploads included): 413 past it.
        rate_per_minute: submissions a token may make a minute (a bucket that
            refills steadily; a burst of this many is allowed): 429 past it.
        max_active: a token's jobs queued or rendering at once: 429 past it.
        retries: retries of a transient render failure.
        webhook_secret: the file holding the HMAC key (None: JOBS_DIR/webhook-secret,
            made on first start).
        webhook_backoff, webhook_attempts: the retry schedule of a webhook delivery.
        webhook_timeout_s: how long one delivery may take.
        private_webhooks: whether webhooks may go to loopback or private addresses
            (None: only when the server itself listens on loopback).
        channels: `render channel` folders shown at /channels/N (`--channel DIR`).
        keep_jobs_s: finished API jobs (their records and folders) older than this are
            purged, at start and hourly (`--keep-jobs`; None: kept for ever).
    """

    jobs_dir: Path = Path(".storyreel-jobs")
    host: str = "127.0.0.1"
    port: int = 8800
    tokens: Path | None = None
    workers: int | None = None
    max_request_bytes: int = 100 * MB
    rate_per_minute: float = 120.0
    max_active: int = 100
    retries: int = 2
    webhook_secret: Path | None = None
    webhook_backoff: Backoff = field(default_factory=lambda: Backoff(base=5.0, factor=2.0, cap=600.0))
    webhook_attempts: int = 8
    webhook_timeout_s: float = 10.0
    private_webhooks: bool | None = None
    heartbeat_s: float = 1.0
    channels: tuple[Path, ...] = ()  # channel folders whose status pages are served (service/channels.py)
    keep_jobs_s: float | None = 7 * 86400.0

    @property
    def allow_private_webhooks(self) -> bool:
        return is_loopback(self.host) if self.private_webhooks is None else self.private_webhooks

    @property
    def secret_path(self) -> Path:
        return self.webhook_secret or Path(self.jobs_dir) / "webhook-secret"
