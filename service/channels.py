"""`render serve --channel DIR`: a channel's status as a page and as JSON.

    GET /channels                          the channels served: [{id, name, url}]
    GET /channels/{id}                     the page: next slot, plan, recent decisions, failures,
                                           what was published (with thumbnails)
    GET /channels/{id}/status.json         the same as JSON (what `render channel status --json` prints,
                                           plus the recent decisions)
    GET /channels/{id}/thumbnails/{episode}.jpg   a published episode's thumbnail (the folder outbox's)

The page only reads the channel folder (its SQLite state in WAL mode, its JSON log), so it is
safe beside a `render channel run` that is writing them. Tokens apply as to the rest of the API.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .errors import ApiError

RECENT = 20  # decisions shown
FAILURES = ("skipped", "publish-failed", "writer-failed", "script-rejected", "disk-low", "missed")


def channel_status(folder: Path) -> dict[str, Any]:
    from ..channel.config import load_channel
    from ..channel.runner import ChannelRunner

    runner = ChannelRunner(load_channel(folder))
    try:
        status = runner.status(upcoming_count=12)
        recent = runner.recent_events(RECENT)
    finally:
        runner.db.close()
    status["recent"] = recent
    status["failures"] = [e for e in recent if e.get("event") in FAILURES]
    for p in status["published"]:
        thumb = Path(p["remote_id"] or "") / "thumbnail.jpg" if p["publisher"] == "folder" else None
        p["thumbnail"] = thumb is not None and thumb.is_file()
    return status


def _thumbnail(folder: Path, episode: int) -> Path | None:
    """A published episode's thumbnail in the channel's outbox (None: none there)."""
    status = channel_status(folder)
    root = folder.resolve()
    for p in status["published"]:
        if p["id"] == episode and p["publisher"] == "folder" and p["thumbnail"]:
            path = (Path(p["remote_id"]) / "thumbnail.jpg").resolve()
            if path.is_relative_to(root):
                return path
    return None


_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;color:#2B2D42;background:#FFFDF6}
h1{margin-bottom:.2rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{padding:.3rem .7rem;
border-bottom:1px solid #eee;text-align:left;vertical-align:top}.fail{color:#B00020}.muted{color:#777}
.thumbs{display:flex;flex-wrap:wrap;gap:1rem}.thumbs figure{margin:0}.thumbs img{width:240px;border-radius:8px}"""


def status_page(cid: str, s: dict[str, Any]) -> str:
    e = html.escape
    counts = ", ".join(f"{s['counts'].get(k, 0)} {k}" for k in
                       ("planned", "producing", "produced", "published", "skipped", "missed"))
    rows = "".join(f"<tr><td>{e(u['at'])}</td><td>{u['age']}</td><td>{e(u['topic'])}</td><td>{e(u['title'])}</td>"
                   f"<td>{e(u['state'])}</td><td class=muted>{e(u['reason'] or '')}</td></tr>" for u in s["upcoming"])
    failures = "".join(f"<tr><td>{e(f['event'])}</td><td>{e(str(f.get('episode', '')))}</td>"
                       f"<td class=fail>{e(str(f.get('error', '')))}</td></tr>" for f in s["failures"])
    skipped = "".join(f"<tr><td>skipped</td><td>slot {k['slot']} {e(k['objective'])}</td>"
                      f"<td class=fail>{e(str(k['error']))}</td></tr>" for k in s["skipped"])
    recent = "".join(f"<tr><td>{e(r.get('event', ''))}</td><td>{e(str(r.get('episode', '')))}</td>"
                     f"<td class=muted>{e(', '.join(f'{k}={v}' for k, v in r.items() if k in ('slot', 'attempt', 'error', 'video')))}"
                     f"</td></tr>" for r in s["recent"])
    thumbs = "".join(f"<figure><img src='/channels/{e(cid)}/thumbnails/{p['id']}.jpg' alt='{e(p['objective'])}'>"
                     f"<figcaption>slot {p['slot']} {e(p['objective'])} &rarr; {e(p['publisher'])}/{e(p['platform'])}"
                     f"</figcaption></figure>" if p["thumbnail"] else
                     f"<figure>slot {p['slot']} {e(p['objective'])} &rarr; {e(p['publisher'])}/{e(p['platform'])}</figure>"
                     for p in s["published"])
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{e(s['channel'])}</title>"
            f"<meta http-equiv=refresh content=60><style>{_STYLE}</style></head><body>"
            f"<h1>{e(s['channel'])}</h1><p>{e(counts)}. Next slot: <b>{e(s['next_slot']['at'])}</b>"
            f" (slot {s['next_slot']['slot']}). <a href='/channels/{e(cid)}/status.json'>JSON</a></p>"
            f"<h2>Plan</h2><table><tr><th>when</th><th>age</th><th>topic</th><th>episode</th><th>state</th>"
            f"<th>why</th></tr>{rows or '<tr><td colspan=6>nothing planned</td></tr>'}</table>"
            f"<h2>Failures</h2><table>{(skipped + failures) or '<tr><td>none</td></tr>'}</table>"
            f"<h2>Published</h2><div class=thumbs>{thumbs or '<p>nothing yet</p>'}</div>"
            f"<h2>Recent decisions</h2><table>{recent or '<tr><td>none yet</td></tr>'}</table></body></html>")


def channel_routes(service, folders: tuple[Path, ...]) -> list[Route]:
    """The routes for `folders` (ids: 1, 2, … in the order given)."""
    served = {str(i): Path(f) for i, f in enumerate(folders, 1)}

    def folder_of(request: Request) -> tuple[str, Path]:
        service.authorize(request)
        cid = request.path_params["cid"]
        if cid not in served:
            raise ApiError(404, f"no channel {cid}", hint=f"channels: {', '.join(served) or 'none'} (GET /channels)")
        return cid, served[cid]

    async def list_channels(request: Request) -> Response:
        service.authorize(request)
        names = await run_in_threadpool(lambda: {cid: _name(f) for cid, f in served.items()})
        return JSONResponse({"channels": [{"id": cid, "name": names[cid], "folder": str(f), "url": f"/channels/{cid}"}
                                          for cid, f in served.items()]})

    async def page(request: Request) -> Response:
        cid, folder = folder_of(request)
        return HTMLResponse(status_page(cid, await run_in_threadpool(_status_or_error, folder)))

    async def status_json(request: Request) -> Response:
        _, folder = folder_of(request)
        return JSONResponse(await run_in_threadpool(_status_or_error, folder))

    async def thumbnail(request: Request) -> Response:
        _, folder = folder_of(request)
        try:
            episode = int(request.path_params["episode"])
        except ValueError:
            raise ApiError(404, "no such thumbnail")
        path = await run_in_threadpool(_thumbnail, folder, episode)
        if path is None:
            raise ApiError(404, f"episode {episode} has no published thumbnail")
        return FileResponse(path, media_type="image/jpeg")

    return [Route("/channels", list_channels), Route("/channels/{cid}", page),
            Route("/channels/{cid}/status.json", status_json),
            Route("/channels/{cid}/thumbnails/{episode}.jpg", thumbnail)]


def _name(folder: Path) -> str:
    try:
        return _load(folder).name
    except ApiError:
        return str(folder)


def _load(folder: Path):
    from ..channel.config import load_channel
    from ..dsl import SceneError

    try:
        return load_channel(folder)
    except SceneError as err:
        raise ApiError(503, f"the channel in {folder} cannot be read: {err.message}", hint=err.hint) from None


def _status_or_error(folder: Path) -> dict[str, Any]:
    _load(folder)  # a broken channel.yaml: 503 with its message, not a traceback
    return channel_status(folder)
