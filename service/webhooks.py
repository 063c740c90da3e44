"""Webhooks: when a job is done or failed, POST its JSON to the URL it named,
signed so the receiver can tell it came from this server and was not replayed.

Each request carries

    Storyreel-Event: job.done | job.failed
    Storyreel-Webhook-Id: job-42            (the same on every retry: deduplicate on it)
    Storyreel-Timestamp: 1765000000         (Unix seconds, when this attempt was signed)
    Storyreel-Signature: v1=HEX             (HMAC-SHA256 with the server's secret over
                                             b"TIMESTAMP." + the raw body)

as Stripe signs its events: the receiver recomputes the HMAC over the timestamp and
the exact bytes it received, compares in constant time, and refuses a timestamp
more than a few minutes old (`verify` is that check; docs/SERVICE.md has it as a
snippet). A delivery counts when the listener answers 2xx; anything else — another
status, a refused connection, a timeout — is retried with exponential backoff
(`ServiceSettings.webhook_backoff`) until `webhook_attempts` are spent. Every
attempt is a row in `webhook_deliveries` (service/store.py), shown at
`GET /v1/jobs/{id}`. The schedule lives in the database, so a restarted server
carries on with it.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from .settings import ServiceSettings
from .store import ServiceStore

__all__ = ["WebhookError", "WebhookSender", "check_url", "load_secret", "sign", "verify"]

log = logging.getLogger("storyreel.service.webhooks")
TOLERANCE_S = 300  # how old a signed timestamp `verify` accepts
MAX_URL_CHARS = 2000


class WebhookError(ValueError):
    """A webhook URL the server will not call."""


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The `Storyreel-Signature` header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: bytes, body: bytes, timestamp: str, signature: str, *, now: float | None = None,
           tolerance_s: float = TOLERANCE_S) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance_s:
        return False
    expected = sign(secret, sent, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in signature.split(","))


def load_secret(path: str | Path) -> bytes:
    """The HMAC key in `path`, made (32 random bytes as hex, readable by this user
    only) when the file does not exist yet."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another server made it meanwhile
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < 16:
        raise WebhookError(f"{path}: the webhook secret is too short (at least 16 characters)")
    return secret.encode()


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified)


def check_url(url: object, allow_private: bool) -> str:
    """`url` if the server may call it: http(s), with a host, and — unless
    `allow_private` — not an address on this machine or a private network (so a
    client of an exposed server cannot make it call what sits behind its firewall)."""
    if not isinstance(url, str) or not url.strip():
        raise WebhookError("webhook: give the URL as a string, e.g. https://example.org/hooks/storyreel")
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise WebhookError(f"webhook: the URL is longer than {MAX_URL_CHARS} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(f"webhook: '{url}' is not an http(s) URL with a host")
    if parts.username or parts.password:
        raise WebhookError("webhook: a URL with a user name or password is not accepted; verify the signature "
                           "instead")
    if not allow_private:
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443,
                                                                   type=socket.SOCK_STREAM)}
        except OSError as err:
            raise WebhookError(f"webhook: cannot resolve '{parts.hostname}': {err.strerror or err}")
        if any(_private(a) for a in addresses):
            raise WebhookError(f"webhook: '{parts.hostname}' is a loopback or private address, which this server "
                               f"does not call (start it with --private-webhooks to allow that)")
    return url


class WebhookSender:
    """A thread that sends the due notifications, a few at a time."""

    def __init__(self, store: ServiceStore, secret: bytes, settings: ServiceSettings, *, poll_s: float = 0.1,
                 parallel: int = 4):
        self.store = store
        self.secret = secret
        self.settings = settings  # the retry schedule, the timeout, whether private addresses may be called
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(parallel, thread_name_prefix="storyreel-webhook")
        self._thread = threading.Thread(target=self._loop, name="storyreel-webhooks", daemon=True)
        self._wake = threading.Event()

    def start(self) -> None:
        for job_id, url in self.store.unscheduled():  # jobs that ended while no server ran
            self.notify(job_id, url)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def notify(self, job_id: int, url: str) -> None:
        """Schedule the notification of job `job_id`, which has just ended."""
        from .views import job_json

        job = self.store.queue.job(job_id)
        api = self.store.api_job(job_id)
        if api is None or job.state not in ("done", "failed"):
            return
        body = json.dumps({"event": f"job.{job.state}", "job": job_json(job, api)}, sort_keys=True)
        if self.store.schedule_webhook(job_id, url, f"job.{job.state}", body):
            self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                for hook in self.store.claim_webhooks(in_flight_s=self.settings.webhook_timeout_s + 30):
                    self._pool.submit(self._deliver, hook)
            except Exception:  # noqa: BLE001 - a locked database must not end the thread
                log.exception("webhooks: could not read the schedule")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _deliver(self, hook: dict) -> None:
        import httpx

        body = hook["body"].encode()
        started, status, error = time.time(), None, None
        try:
            check_url(hook["url"], self.settings.allow_private_webhooks)  # again: the name may point elsewhere now
            timestamp = int(time.time())
            headers = {"Content-Type": "application/json", "User-Agent": "storyreel-webhooks/1",
                       "Storyreel-Event": hook["event"], "Storyreel-Webhook-Id": f"job-{hook['job_id']}",
                       "Storyreel-Timestamp": str(timestamp), "Storyreel-Signature": sign(self.secret, timestamp, body)}
            response = httpx.post(hook["url"], content=body, headers=headers, timeout=self.settings.webhook_timeout_s,
                                  follow_redirects=False)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"the listener answered {status}"
        except WebhookError as err:
            error = str(err)
        except httpx.HTTPError as err:
            error = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        except Exception as err:  # noqa: BLE001 - logged as the attempt's error, retried
            error = f"{type(err).__name__}: {err}"
        took = time.time() - started
        attempt = hook["attempts"]
        retry_at = None
        if error is not None and attempt < self.settings.webhook_attempts:
            retry_at = self.store.queue.clock() + self.settings.webhook_backoff.delay(attempt)
        try:
            outcome = self.store.record_delivery(hook["job_id"], attempt, hook["url"], started, took, status, error,
                                                 retry_at=retry_at)
        except Exception:  # noqa: BLE001
            log.exception("webhooks: could not record a delivery")
            return
        log.info("webhook for job %s, attempt %s: %s%s", hook["job_id"], attempt, outcome,
                 f" ({error})" if error else "")
        if retry_at is not None:
            self._wake.set()
