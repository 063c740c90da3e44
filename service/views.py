"""A job as the API shows it (and as its webhook sends it): plain JSON, with the
server's own paths taken out — a client sees `scene.scene:3:5`, not where the
jobs folder lives."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..jobs.queue import Job
from .store import ApiJob, ServiceStore

__all__ = ["FILE_KINDS", "file_kind", "job_json", "relative_to_project"]

FILE_KINDS = {".mp4": "video", ".srt": "captions", ".vtt": "captions", ".png": "thumbnail", ".jpg": "thumbnail",
              ".json": "metadata"}
_HIDDEN_ERROR_KEYS = ("traceback", "log_tail", "transient")  # the server's log has them; a client needs none


def file_kind(name: str) -> str:
    return FILE_KINDS.get(Path(name).suffix.lower(), "other")


def relative_to_project(folder: str | Path, value: Any) -> Any:
    """`value` (a string, or the strings in a dict or list) with the job's folders
    written as the client named its files."""
    folder = str(folder).rstrip("/")
    if isinstance(value, str):
        return value.replace(folder + "/project/", "").replace(folder + "/out/", "").replace(folder + "/", "")
    if isinstance(value, dict):
        return {k: relative_to_project(folder, v) for k, v in value.items()}
    if isinstance(value, list):
        return [relative_to_project(folder, v) for v in value]
    return value


def job_json(job: Job, api: ApiJob, store: ServiceStore | None = None) -> dict[str, Any]:
    done, total = job.frames
    result = job.result or {}
    fraction = 1.0 if job.state == "done" else round(done / total, 4) if total else 0.0
    files = []
    for path in result.get("files", []):
        p = Path(path)
        if p.is_file():
            files.append({"name": p.name, "kind": file_kind(p.name), "bytes": p.stat().st_size,
                          "url": f"/v1/jobs/{job.id}/files/{p.name}"})
    body: dict[str, Any] = {
        "id": job.id, "state": job.state,
        "progress": {"frames_done": done, "frames_total": total,
                     "fraction": fraction},
        "attempts": job.attempts, "max_attempts": job.max_attempts, "cancel_requested": job.cancel_requested,
        "request": api.request, "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at, "files": files, "error": None, "video": None,
        "url": f"/v1/jobs/{job.id}",
    }
    if job.error and job.state != "done":
        body["error"] = relative_to_project(api.folder, {k: v for k, v in job.error.items()
                                                         if k not in _HIDDEN_ERROR_KEYS})
    if job.state == "done":
        body["video"] = {k: result.get(k) for k in ("duration", "frames", "fps", "size", "encoder")}
        check = result.get("check")
        if check:
            body["video"]["check_ok"] = check.get("ok")
    if api.webhook:
        hook = store.webhook(job.id) if store is not None else None
        body["webhook"] = {"url": api.webhook, "state": hook["state"] if hook else "waiting",
                           "deliveries": [d.to_dict() for d in store.deliveries(job.id)] if store else []}
    else:
        body["webhook"] = None
    return body
