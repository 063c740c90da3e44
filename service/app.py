"""The HTTP API: `create_app(settings)` — the routes, authentication, limits, and
the lifespan that runs the queue's workers and the webhook sender while the
server is up.

Only checks and compiles run inside a request (in Starlette's thread pool);
renders are queued, and a `Runner` (jobs/runner.py) in a thread of its own runs
them in worker processes, as `render batch` does. On shutdown (SIGTERM, Ctrl-C)
uvicorn ends the lifespan: the runner stops its workers and puts their jobs back
in the queue, the next start resumes them.
"""
from __future__ import annotations

import logging
import shutil
import threading
from collections import Counter
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..jobs.queue import FINAL, STATES, JobQueue
from .auth import ANONYMOUS, Token, bearer, find_token, read_tokens
from .errors import ApiError, error_response, too_large_response
from .limits import BodyLimit, RateLimiter, RequestTooLarge
from .metrics import Metrics
from .settings import ServiceSettings
from .store import ServiceStore
from .views import file_kind, job_json

__all__ = ["Service", "create_app"]

log = logging.getLogger("storyreel.service")
API_KEY_PREFIX = "api/"  # the queue keys of the API's jobs: its runner claims only those
MEDIA_TYPES = {".mp4": "video/mp4", ".srt": "application/x-subrip", ".vtt": "text/vtt", ".png": "image/png",
               ".jpg": "image/jpeg", ".json": "application/json"}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("storyreel")
    except PackageNotFoundError:  # pragma: no cover - a checkout that was never installed
        return "0"


class Service:
    """What the app holds while it runs: the queue, the service's tables, the
    runner thread, the webhook sender, the limits and the counters."""

    def __init__(self, settings: ServiceSettings):
        self.settings = settings
        self.tokens: list[Token] | None = read_tokens(settings.tokens) if settings.tokens else None
        self.limiter = RateLimiter(settings.rate_per_minute)
        self.metrics = Metrics()
        self.submitting: Counter[str] = Counter()  # a token's submissions in flight (the event loop's only)
        self.jobs_dir = Path(settings.jobs_dir).resolve()
        self.queue: JobQueue | None = None
        self.store: ServiceStore | None = None
        self.runner = None
        self.sender = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ── the lifespan ─────────────────────────────────────────────────────────

    def start(self) -> None:
        from ..jobs.runner import Runner
        from .webhooks import WebhookSender, load_secret

        self.queue = JobQueue(self.jobs_dir, max_attempts=self.settings.retries + 1)
        (self.jobs_dir / "api").mkdir(exist_ok=True)
        self.store = ServiceStore(self.queue)
        retention = None
        if self.settings.keep_jobs_s:
            from ..jobs.retention import Retention

            retention = Retention(self.settings.keep_jobs_s, key_prefix=API_KEY_PREFIX,
                                  work_folder=self.store.work_folder, busy=self.store.webhook_pending)
        self.runner = Runner(self.queue, self.settings.workers, on_event=self._on_event,
                             heartbeat_s=self.settings.heartbeat_s, key_prefix=API_KEY_PREFIX, retention=retention)
        self.sender = WebhookSender(self.store, load_secret(self.settings.secret_path), self.settings)
        self.sender.start()
        self._thread = threading.Thread(target=self.runner.serve, args=(self._stop,), name="storyreel-runner")
        self._thread.start()

    def stop(self) -> None:
        """Stop the workers (their jobs go back to the queue) and the webhook sender."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.sender is not None:
            self.sender.stop()

    def _on_event(self, kind: str, job, info: dict) -> None:
        if kind in ("done", "failed", "cancelled", "retry"):
            self.metrics.count("finished", kind)
        api = self.store.api_job(job.id)
        if api is None:
            return
        if kind == "cancelled":
            # A cancel that raced the worker's last rename still leaves nothing behind.
            shutil.rmtree(Path(api.folder) / "out", ignore_errors=True)
        if kind in ("done", "failed") and api.webhook:
            self.sender.notify(job.id, api.webhook)

    # ── requests ─────────────────────────────────────────────────────────────

    def authorize(self, request: Request) -> Token:
        if self.tokens is None:
            return ANONYMOUS
        token = find_token(self.tokens, bearer(request.headers.get("authorization")))
        if token is None:
            raise ApiError(401, "a valid bearer token is needed", hint="send the header Authorization: Bearer TOKEN "
                           "with a token from the server's token file", headers={"WWW-Authenticate": "Bearer"})
        return token

    def owned(self, request: Request, token: Token):
        """The job named in the path, if `token` may see it (404 otherwise: another
        client's job is not even said to exist)."""
        try:
            job_id = int(request.path_params["id"])
            job = self.queue.job(job_id)
        except (ValueError, KeyError):
            job = None
        api = self.store.api_job(job.id) if job is not None else None
        if api is None or (self.tokens is not None and api.token != token.name):
            raise ApiError(404, f"no job {request.path_params['id']}")
        return job, api


def create_app(settings: ServiceSettings) -> Starlette:
    """The ASGI application (a `BodyLimit` around Starlette); its lifespan runs the workers."""
    service = Service(settings)

    async def submit(request: Request) -> Response:
        token = service.authorize(request)
        allowed, wait = service.limiter.allow(token.name)
        if not allowed:
            service.metrics.count("submissions", "rate_limited")
            raise ApiError(429, f"too many submissions: at most {settings.rate_per_minute:g} a minute",
                           hint=f"try again in {wait:.1f} s", headers={"Retry-After": str(max(1, round(wait)))})
        # Read and counted with no await in between (a WAL read of an index: well under a
        # millisecond, so on the event loop itself): concurrent submissions cannot all pass
        # the limit. A submission counts from here until its job is in the database.
        active = service.store.active_jobs(token.name) + service.submitting[token.name]
        if active >= settings.max_active:
            service.metrics.count("submissions", "too_many_active")
            raise ApiError(429, f"{active} of your jobs are queued or rendering (at most {settings.max_active})",
                           hint="wait for one to finish, or cancel one", headers={"Retry-After": "5"})
        service.submitting[token.name] += 1
        try:
            return await _submit(request, token)
        finally:
            service.submitting[token.name] -= 1

    async def _submit(request: Request, token: Token) -> Response:
        from . import submit as sub

        uid, folder = await run_in_threadpool(sub.new_folder, service.jobs_dir)
        try:
            content_type = request.headers.get("content-type", "")
            scene_name = None
            if content_type.startswith("multipart/form-data"):
                async with request.form(max_files=sub.MAX_ASSETS + 1, max_fields=50) as form:
                    body = sub.parse_options(form.get("options") if isinstance(form.get("options"), str) else None)
                    scene_name = await _save_uploads(form, folder / "project")
            elif content_type.startswith("application/json"):
                try:
                    body = await request.json()
                except ValueError as err:
                    raise ApiError(400, f"the body is not JSON: {err}")
                if not isinstance(body, dict):
                    raise ApiError(400, "the body must be a JSON object")
            else:
                raise ApiError(415, "send application/json or multipart/form-data",
                               hint="see docs/SERVICE.md for both forms")
            prepared = await run_in_threadpool(
                sub.prepare, body, folder, service.jobs_dir / "cache",
                allow_private_webhooks=settings.allow_private_webhooks, scene_name=scene_name)
            job = await run_in_threadpool(_enqueue, service, prepared, uid, token)
        except BaseException as err:
            await run_in_threadpool(sub.discard, folder)
            outcome = "too_large" if isinstance(err, RequestTooLarge) else "rejected"
            service.metrics.count("submissions", outcome)
            raise
        service.metrics.count("submissions", "accepted")
        return JSONResponse(job, status_code=202, headers={"Location": job["url"]})

    async def get_job(request: Request) -> Response:
        token = service.authorize(request)
        job, api = await run_in_threadpool(service.owned, request, token)
        return JSONResponse(await run_in_threadpool(job_json, job, api, service.store))

    async def list_jobs(request: Request) -> Response:
        token = service.authorize(request)
        state = request.query_params.get("state")
        if state is not None and state not in STATES:
            raise ApiError(400, f"state: '{state}' is not a state", field="state", hint="one of " + ", ".join(STATES))
        try:
            limit = min(500, max(1, int(request.query_params.get("limit", 100))))
            before = int(request.query_params["before"]) if "before" in request.query_params else None
        except ValueError:
            raise ApiError(400, "limit and before are whole numbers")
        owner = None if service.tokens is None else token.name
        rows = await run_in_threadpool(service.store.jobs, owner, state, limit, before)
        jobs = await run_in_threadpool(lambda: [job_json(job, api, service.store) for job, api in rows])
        return JSONResponse({"jobs": jobs, "next": jobs[-1]["id"] if len(jobs) == limit else None})

    async def cancel_job(request: Request) -> Response:
        token = service.authorize(request)
        job, api = await run_in_threadpool(service.owned, request, token)
        if job.state in FINAL:
            raise ApiError(409, f"job {job.id} is {job.state}: nothing to cancel")
        job = await run_in_threadpool(service.queue.cancel, job.id)
        return JSONResponse(await run_in_threadpool(job_json, job, api, service.store), status_code=202)

    async def get_file(request: Request) -> Response:
        token = service.authorize(request)
        job, api = await run_in_threadpool(service.owned, request, token)
        name = request.path_params["name"]
        if job.state != "done":
            raise ApiError(409 if job.state not in FINAL else 404, f"job {job.id} is {job.state}: it has no files"
                           + (" yet" if job.state not in FINAL else ""))
        files = {Path(p).name: Path(p) for p in (job.result or {}).get("files", [])}
        path = files.get(name)
        if path is None or not path.is_file():
            raise ApiError(404, f"job {job.id} has no file '{name}'",
                           hint="its files: " + ", ".join(sorted(files)) if files else None)
        return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
                            headers={"X-Storyreel-File-Kind": file_kind(name)})

    async def healthz(request: Request) -> Response:
        counts = await run_in_threadpool(service.queue.counts)
        return JSONResponse({"ok": True, "version": _version(), "workers": service.runner.workers,
                             "queued": counts["queued"], "running": counts["running"] + counts["checking"]})

    async def metrics(request: Request) -> Response:
        service.authorize(request)
        states = await run_in_threadpool(service.queue.counts)
        deliveries = await run_in_threadpool(service.store.delivery_counts)
        text = service.metrics.render(states, deliveries, service.runner.workers, len(service.runner.running))
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4")

    from .channels import channel_routes
    from .openapi import docs_page, openapi

    description = openapi(_version())

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(description)

    async def docs(request: Request) -> Response:
        return HTMLResponse(docs_page(description))

    async def on_api_error(request: Request, err: ApiError) -> Response:
        return error_response(err)

    async def on_too_large(request: Request, err: RequestTooLarge) -> Response:
        return too_large_response(err.limit)

    @asynccontextmanager
    async def lifespan(app):
        await run_in_threadpool(service.start)
        try:
            yield
        finally:
            await run_in_threadpool(service.stop)

    app = Starlette(routes=[
        Route("/v1/jobs", submit, methods=["POST"]),
        Route("/v1/jobs", list_jobs, methods=["GET"]),
        Route("/v1/jobs/{id}", get_job, methods=["GET"]),
        Route("/v1/jobs/{id}", cancel_job, methods=["DELETE"]),
        Route("/v1/jobs/{id}/files/{name}", get_file, methods=["GET", "HEAD"]),
        Route("/healthz", healthz), Route("/metrics", metrics),
        Route("/openapi.json", openapi_json), Route("/docs", docs),
        *channel_routes(service, settings.channels),
    ], exception_handlers={ApiError: on_api_error, RequestTooLarge: on_too_large}, lifespan=lifespan)
    app.state.service = service
    return _CountRequests(BodyLimit(app, settings.max_request_bytes), service.metrics)


class _CountRequests:
    """ASGI middleware: count every answer by method and status (for /metrics)."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counted(message):
            if message["type"] == "http.response.start":
                self.metrics.count("requests", (scope["method"], message["status"]))
            await send(message)

        await self.app(scope, receive, counted)


async def _save_uploads(form, project: Path) -> str:
    """Write a multipart request's `scene` and `assets` into the project folder;
    returns the `.scene`'s name there."""
    from starlette.datastructures import UploadFile

    from .submit import safe_asset_name

    scene = form.get("scene")
    if isinstance(scene, UploadFile):
        name = Path(scene.filename or "scene.scene").name
        if not name.endswith(".scene") or name.startswith("."):
            name = "scene.scene"
        data = await scene.read()
    elif isinstance(scene, str) and scene.strip():
        name, data = "scene.scene", scene.encode("utf-8")
    else:
        raise ApiError(400, "scene: a multipart request needs a 'scene' file (the .scene to render)", field="scene")
    written = {name}
    await run_in_threadpool((project / name).write_bytes, data)
    for asset in form.getlist("assets"):
        if not isinstance(asset, UploadFile):
            raise ApiError(400, "assets: each must be a file", field="assets")
        path = safe_asset_name(asset.filename)
        if str(path) in written:
            raise ApiError(400, f"assets: '{path}' is uploaded twice (or is the scene's own name)", field="assets")
        written.add(str(path))
        target = project.joinpath(*path.parts)
        await run_in_threadpool(target.parent.mkdir, parents=True, exist_ok=True)
        await run_in_threadpool(_copy_upload, asset.file, target)
    return name


def _copy_upload(source, target: Path) -> None:
    source.seek(0)
    with open(target, "xb") as out:  # x: never through a file a symlink or another upload made
        shutil.copyfileobj(source, out, 1 << 20)


def _enqueue(service: Service, prepared, uid: str, token: Token) -> dict[str, Any]:
    job = service.queue.put(prepared.spec, key=f"{API_KEY_PREFIX}{uid}")
    service.store.add_job(job.id, token.name, str(prepared.folder), prepared.webhook, prepared.request)
    return job_json(job, service.store.api_job(job.id), service.store)
