"""`render jobs list|show`: a jobs folder's jobs as a table, and one job in full.

Plain text from the queue's rows, so it works on any jobs folder — `render batch`'s,
`render serve`'s, or one they share — while they run."""
from __future__ import annotations

import time
from typing import Any

from .queue import Attempt, Job

__all__ = ["describe", "table"]


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"


def _what(job: Job) -> str:
    spec = job.spec
    source = spec.get("source", "")
    if spec.get("kind") != "template":
        source = source.rsplit("/", 1)[-1]
    return f"{spec.get('kind', '?')} {source}"


def _progress(job: Job) -> str:
    done, total = job.frames
    if job.state == "done":
        return "100%"
    return f"{100 * done // total}%" if total else "-"


def table(jobs: list[Job]) -> str:
    """One line a job: id, state, progress, attempts, what, output, updated."""
    rows = [("ID", "STATE", "PROGRESS", "TRIES", "WHAT", "OUTPUT", "UPDATED")]
    for job in jobs:
        rows.append((str(job.id), job.state + (" (cancelling)" if job.cancel_requested and job.state not in
                                               ("cancelled", "done", "failed") else ""),
                     _progress(job), f"{job.attempts}/{job.max_attempts}", _what(job)[:40],
                     str(job.spec.get("output", ""))[-50:], _when(job.updated_at)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(r[i].ljust(widths[i]) for i in range(len(r))).rstrip() for r in rows)


def describe(job: Job, attempts: list[Attempt], extra: dict[str, Any] | None = None) -> str:
    """A job in full: what it renders, its state and progress, every attempt with
    its error, its files; `extra` adds sections (the service's webhook deliveries)."""
    lines = [f"job {job.id}: {job.state}" + (" (cancel asked for)" if job.cancel_requested else ""),
             f"  what:      {_what(job)}",
             f"  output:    {job.spec.get('output')}",
             f"  progress:  {_progress(job)} ({job.frames[0]}/{job.frames[1]} frames)",
             f"  attempts:  {job.attempts} of {job.max_attempts}",
             f"  created:   {_when(job.created_at)}   started: {_when(job.started_at)}   "
             f"finished: {_when(job.finished_at)}"]
    if job.key:
        lines.append(f"  key:       {job.key}")
    if job.error and job.state != "done":
        lines.append("  error:")
        lines += ["    " + line for line in str(job.error.get("message", "")).splitlines()]
    for a in attempts:
        message = ((a.error or {}).get("message") or "").splitlines()
        lines.append(f"  attempt {a.n}: {a.outcome or 'running'} at {_when(a.started_at)} by {a.owner}"
                     + (f": {message[0]}" if message else ""))
    for path in (job.result or {}).get("files", []):
        lines.append(f"  file:      {path}")
    for title, entries in (extra or {}).items():
        lines.append(f"  {title}:")
        lines += [f"    {entry}" for entry in entries]
    return "\n".join(lines)
