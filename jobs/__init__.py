"""Production jobs: a durable queue of renders and `render batch`.

This layer sits above the DSL: a job is a spec (jobs/spec.py) loaded with the
same Python API the `render` commands use, rendered in a process of its own
(jobs/worker.py) by a runner (jobs/runner.py) that takes its jobs from a SQLite
queue in a jobs folder (jobs/queue.py). `render batch` (jobs/batch.py) turns
the rows of a CSV, YAML or JSON Lines file into such jobs.
"""
from .queue import ACTIVE, FINAL, STATES, Attempt, Backoff, Empty, Full, Job, JobQueue

__all__ = ["ACTIVE", "Attempt", "Backoff", "Empty", "FINAL", "Full", "Job", "JobQueue", "STATES"]
