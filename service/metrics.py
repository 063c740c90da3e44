"""`/metrics` in Prometheus' text format (version 0.0.4): counters kept by the
server, and gauges read from the queue when scraped (so they are right after a
restart, and for jobs `render batch` put in the same folder)."""
from __future__ import annotations

import threading
from collections import Counter

from ..jobs.queue import STATES

__all__ = ["Metrics"]


class Metrics:
    def __init__(self):
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, int]] = Counter()  # (method, status)
        self.submissions: Counter[str] = Counter()  # accepted, rejected, rate_limited, too_many_active, too_large
        self.finished: Counter[str] = Counter()  # done, failed, cancelled, retry (by this server's workers)

    def count(self, counter: str, key) -> None:
        with self._lock:
            getattr(self, counter)[key] += 1

    def render(self, job_states: dict[str, int], deliveries: dict[str, int], workers: int, running: int) -> str:
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            for labels, value in samples:
                lines.append(f"{name}{labels} {value:g}")

        with self._lock:
            requests = sorted(self.requests.items())
            submissions = sorted(self.submissions.items())
            finished = sorted(self.finished.items())
        family("storyreel_http_requests_total", "counter", "HTTP requests answered, by method and status.",
               [(f'{{method="{m}",status="{s}"}}', n) for (m, s), n in requests])
        family("storyreel_submissions_total", "counter", "POST /v1/jobs, by outcome.",
               [(f'{{outcome="{o}"}}', n) for o, n in submissions])
        family("storyreel_job_outcomes_total", "counter", "Attempts this server's workers ended, by outcome.",
               [(f'{{outcome="{o}"}}', n) for o, n in finished])
        family("storyreel_jobs", "gauge", "Jobs in the queue's folder, by state.",
               [(f'{{state="{s}"}}', job_states.get(s, 0)) for s in STATES])
        family("storyreel_webhook_deliveries_total", "counter", "Webhook delivery attempts, by outcome.",
               [(f'{{outcome="{o}"}}', n) for o, n in sorted(deliveries.items())])
        family("storyreel_workers", "gauge", "Videos this server renders at once.", [("", workers)])
        family("storyreel_workers_busy", "gauge", "Workers rendering now.", [("", running)])
        return "\n".join(lines) + "\n"
