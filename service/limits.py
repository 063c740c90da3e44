"""How much one client may ask for: submissions a minute, jobs at once, and the
size of a request.

- `RateLimiter`: a token bucket per client name — `rate_per_minute` tokens, refilled
  steadily, so a burst of that many is accepted and then one every 60/rate s.
- Jobs at once: counted from the queue itself (`store.active_jobs`), so it holds across
  a restart; checked in `app`.
- `BodyLimit`: an ASGI middleware that answers 413 for a `Content-Length` over the
  limit before reading a byte, and stops a body without one (chunked) as soon as it
  passes the limit, so an upload can neither fill the disk nor the memory.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

__all__ = ["BodyLimit", "RateLimiter", "RequestTooLarge"]


class RequestTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"the request is larger than this server takes ({limit:,} bytes)")
        self.limit = limit


class RateLimiter:
    """`allow(name)` → (allowed, seconds until the next would be)."""

    def __init__(self, rate_per_minute: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = max(1.0, rate_per_minute)
        self.per_second = rate_per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, when)
        self._lock = threading.Lock()

    def allow(self, name: str) -> tuple[bool, float]:
        with self._lock:
            now = self.clock()
            tokens, when = self._buckets.get(name, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - when) * self.per_second)
            if tokens >= 1.0:
                self._buckets[name] = (tokens - 1.0, now)
                return True, 0.0
            self._buckets[name] = (tokens, now)
            wait = (1.0 - tokens) / self.per_second if self.per_second > 0 else float("inf")
            return False, wait


class BodyLimit:
    """ASGI middleware: requests whose body passes `limit` bytes end in 413."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            from .errors import too_large_response

            await too_large_response(self.limit)(scope, receive, send)
            return
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise RequestTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)
