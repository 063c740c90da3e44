"""`render watch`: a local preview server that re-renders on every save.

Python's own `http.server` (threaded) with server-sent events written by hand,
rather than starlette + uvicorn: the work here is blocking (compiling, Skia,
PyAV) and runs on plain threads anyway, the protocol needs only GET, one POST,
byte ranges and an event stream, and a synchronous server stops with a single
`shutdown()` call: no event loop to share with the render threads, no new
dependency. watchfiles (already a dependency) reports file changes.

Three threads do the work:
- the HTTP server (a thread per request; an event stream holds its thread);
- the watcher: waits for changes to the files the scene is made of, lets them
  settle (debounce), then recompiles (`reload`); while the file does not
  compile it also retries every second, so that a file appearing where no
  watcher looks (an image in a new folder) still clears the error;
- the renderer (`renderer.SegmentRenderer`): renders the segments that changed,
  their chunks through the engine's segment cache (`cache_dir`, default
  `engine.encode.segment_cache.default_cache_dir()`), kept after the session.

Every change of state bumps `version` and wakes the event streams, which each
send the whole state as JSON: a page that missed events only needs the last.
"""
from __future__ import annotations

import dataclasses

import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import skia
import watchfiles

from ..dsl import CompileOptions, SceneError, load_data_file, load_scene
from ..engine import render_frame
from ..engine.encode.segment_cache import DEFAULT_MAX_BYTES, SegmentCache, default_cache_dir
from ..engine.timeline.timeline import Timeline
from .renderer import LONG_SIDE, SegmentRenderer, files_named, plan_segments, preview_size

DEBOUNCE_MS = 60  # reload once the files were quiet this long: many quick saves make one reload
MAX_WAIT_S = 1.0  # …but no later than this after the first change, however often the file is saved
PING_S = 10.0  # an idle event stream sends a comment this often (and so notices a closed tab)


def error_payload(err: BaseException) -> dict[str, Any]:
    """What the page's overlay shows: the CLI's text, and its parts."""
    if isinstance(err, SceneError):
        loc = err.location
        text = err.format()
        message, hint = err.message, err.hint
    else:
        loc, message, hint = None, str(err) or type(err).__name__, None
        text = f"error: {message}"
    payload: dict[str, Any] = {"message": message, "hint": hint, "text": text,
                               "file": None, "line": None, "column": None, "source_line": None, "caret": None}
    if loc is not None:
        payload.update(file=loc.file, line=loc.line, column=loc.column, source_line=loc.source_line,
                       caret=" " * max(0, loc.column - 1) + "^" + "~" * max(0, loc.length - 1))
    return payload


class PreviewServer:
    """Serve a live preview of `file` on http://host:port/ (port 0: any free port).

    Encoded chunks go to the segment cache in `cache_dir` (default:
    `default_cache_dir()`, the one `render FILE --cache DIR` can share), trimmed
    to `cache_size` bytes (None: unbounded); the joined per-scene segments go to
    a folder of the session's own.
    `start()` returns once the server listens and the first compile is done;
    `close()` stops everything and deletes the session's folder (the cache stays).
    """

    def __init__(self, file: str | Path, *, variables: dict[str, Any] | None = None, data: str | Path | None = None,
                 options: CompileOptions | None = None, host: str = "127.0.0.1", port: int = 8765,
                 long_side: int = LONG_SIDE, cache_dir: str | Path | None = None,
                 cache_size: int | None = DEFAULT_MAX_BYTES, debounce_ms: int = DEBOUNCE_MS):
        # Before the port: a cache folder that cannot be used fails with nothing to undo.
        self.cache = SegmentCache(default_cache_dir() if cache_dir is None else cache_dir, max_bytes=cache_size)
        self.httpd = _HTTPServer((host, port), _Handler)  # first: a busy port fails before anything starts
        self.httpd.preview = self
        self.file = Path(file).absolute()
        self.data = Path(data).absolute() if data else None
        self.variables = dict(variables or {})
        self.options = options or CompileOptions()
        self.long_side = long_side
        self.debounce_ms = debounce_ms
        self.work_dir = Path(tempfile.mkdtemp(prefix="storyreel-preview-"))
        self._cond = threading.Condition()  # guards everything below; notified on each new version
        self.version = 0
        self.compiles = 0  # how many times the file was compiled (saves are debounced)
        self.timeline: Timeline | None = None
        self.full_size: tuple[int, int] | None = None
        self.segments: list = []
        self.stale: dict[str, str] = {}  # scene name -> the last ready segment key shown for it
        self.playhead = 0.0  # the last one a page reported
        self.still: tuple[Timeline, float, bytes] | None = None  # the frame at the playhead, drawn on reload
        self.error: dict[str, Any] | None = None
        self.compile_failed = False  # the error is the file's (retried every second), not a render's
        self.dependencies: set[Path] = self._always_watched()
        self.closing = False
        self.started = False
        self.stop = threading.Event()
        self.renderer = SegmentRenderer(self.work_dir / "segments", self._segment_ready, self._render_failed,
                                        store=self.cache)
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> "PreviewServer":
        self.reload()
        self.started = True
        for target, name in ((lambda: self.httpd.serve_forever(poll_interval=0.1), "http"), (self._watch, "watch")):
            thread = threading.Thread(target=target, name=f"storyreel-preview-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def close(self) -> None:
        if self.closing:
            return
        with self._cond:
            self.closing = True
            self._cond.notify_all()  # event streams end
        self.stop.set()
        if self.started:
            self.httpd.shutdown()
        self.httpd.server_close()
        self.renderer.close()
        for thread in self._threads:
            thread.join(timeout=5)
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self) -> "PreviewServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- compiling --------------------------------------------------------------------

    def _compile(self):
        variables = load_data_file(self.data) if self.data else {}
        variables.update(self.variables)
        opts = self.options
        full = load_scene(self.file, variables, opts)
        size = preview_size(full.timeline.width, full.timeline.height, self.long_side)
        if size == (full.timeline.width, full.timeline.height):
            return full, size
        # Lengths are design pixels, so compiling at the small size gives the same picture, smaller.
        small = load_scene(self.file, variables, dataclasses.replace(opts, size=size))
        return small, (full.timeline.width, full.timeline.height)

    def reload(self) -> None:
        """Compile the file again; on success render what changed, else show the error."""
        self.compiles += 1
        try:
            loaded, full_size = self._compile()
        except Exception as exc:  # noqa: BLE001 - a half-written file, a template error, a missing asset…
            self._set_error(error_payload(exc), compiling=True)
            return
        segments = plan_segments(loaded.timeline)
        # The files the timeline names are watched too: a character's file, say, even where the
        # front end does not list it among the dependencies.
        named = files_named(loaded.timeline)
        try:  # drawn before the event goes out: the page asks for it at once
            still = self._still_at(loaded.timeline, self.playhead)
        except Exception:  # noqa: BLE001 - the segment's render will report it
            still = None
        with self._cond:
            # A scene being re-rendered keeps showing its last version meanwhile.
            shown = {s.name: s.key for s in self.segments if self.renderer.has(s.key)}
            self.stale = {s.name: shown.get(s.name) or self.stale.get(s.name) for s in segments}
            self.stale = {name: key for name, key in self.stale.items() if key}
            self.timeline, self.full_size, self.segments, self.error = loaded.timeline, full_size, segments, None
            self.compile_failed = False
            self.still = still
            self.dependencies = {_real(p) for p in [*loaded.dependencies, *named]} | self._always_watched()
            self._bump()
        self.renderer.submit(loaded.timeline, segments, keep=set(self.stale.values()))

    def _always_watched(self) -> set[Path]:
        return {_real(self.file)} | ({_real(self.data)} if self.data else set())

    def _set_error(self, payload: dict[str, Any], compiling: bool = False) -> None:
        with self._cond:
            self.compile_failed = compiling
            if payload != self.error:
                self.error = payload
                self._bump()

    def _segment_ready(self, key: str) -> None:
        with self._cond:
            if any(s.key == key for s in self.segments):
                self._bump()

    def _render_failed(self, message: str) -> None:
        if not self.compile_failed:  # the file's own error says more
            self._set_error(error_payload(RuntimeError(message)))

    def _bump(self) -> None:
        self.version += 1
        self._cond.notify_all()

    def state(self) -> dict[str, Any]:
        with self._cond:
            tl = self.timeline
            segments = [{"name": s.name, "start": s.start, "end": s.end,
                         "url": self._url(s.key) if self.renderer.has(s.key) else None,
                         "stale": self._url(self.stale[s.name]) if s.name in self.stale else None}
                        for s in self.segments]
            return {
                "version": self.version,
                "compiles": self.compiles,
                "file": str(self.file),
                "title": tl.title if tl else "",
                "width": tl.width if tl else None,
                "height": tl.height if tl else None,
                "full_size": list(self.full_size) if self.full_size else None,
                "fps": tl.fps if tl else None,
                "duration": tl.frame_count / tl.fps if tl else 0.0,
                "segments": segments,
                "ready": sum(1 for s in segments if s["url"]),
                "scenes": [{"name": s.name, "start": s.start, "end": s.end} for s in tl.scenes] if tl else [],
                "chapters": [{"name": c.name, "time": c.time} for c in tl.chapters] if tl else [],
                "error": self.error,
            }

    def _url(self, key: str) -> str:
        return f"/segment/{key}.mp4"

    def set_playhead(self, t: float) -> None:
        """Where the page's playhead is: its scene is rendered first, its frame drawn on each reload."""
        self.playhead = t
        self.renderer.set_playhead(t)

    def frame_jpeg(self, t: float) -> bytes | None:
        """The frame at `t` of the newest timeline (the page shows it while the segment renders)."""
        with self._cond:
            tl, still = self.timeline, self.still
        if tl is None:
            return None
        if still is not None and still[0] is tl and still[1] == t:
            return still[2]
        return self._still_at(tl, t)[2]

    @staticmethod
    def _still_at(tl: Timeline, t: float) -> tuple[Timeline, float, bytes]:
        rgba = render_frame(tl, min(max(0.0, t), max(0.0, tl.duration - 1e-6)))
        image = skia.Image.fromarray(np.ascontiguousarray(rgba), colorType=skia.kRGBA_8888_ColorType)
        return tl, t, bytes(image.encodeToData(skia.kJPEG, 90))  # JPEG: 3 ms where PNG takes 20

    def wait_for(self, predicate, timeout: float) -> dict[str, Any] | None:
        """Block until predicate(state) holds (for tests and tools); the state, or None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if predicate(state):
                return state
            with self._cond:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                if self.version == state["version"]:
                    self._cond.wait(min(left, 0.5))

    # -- watching ---------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self.stop.is_set():
            with self._cond:
                folders = self._folders()
            if not folders:  # the whole folder is gone: look again in a second
                self.stop.wait(1.0)
                self.reload()
                continue
            try:
                self._watch_folders(folders)
            except Exception:  # noqa: BLE001 - a folder vanished while being watched: start again
                self.stop.wait(0.2)

    def _folders(self) -> set[str]:
        return {str(p.parent) for p in self.dependencies if p.parent.is_dir()}

    def _watch_folders(self, folders: set[str]) -> None:
        """Reload once the files have been quiet for `debounce_ms` (at the latest a second after
        the first change); until the folders to watch change."""
        due = first = None
        retry = time.monotonic() + 1.0
        # watchfiles' own grouping does not help here: a file saved again and again is one
        # entry in its set of changes, so it reports every `step`. Hence the debounce below.
        for changes in watchfiles.watch(*sorted(folders), stop_event=self.stop, step=20, rust_timeout=20,
                                        yield_on_timeout=True, recursive=False, raise_interrupt=False,
                                        ignore_permission_denied=True):
            now = time.monotonic()
            with self._cond:
                deps, failing = set(self.dependencies), self.compile_failed
            if changes and (failing or any(_real(p) in deps for _, p in changes)):
                first = first or now
                due = min(now + self.debounce_ms / 1000, first + MAX_WAIT_S)
            if (due is not None and now >= due) or (failing and due is None and now >= retry):
                due = first = None
                self.reload()
                retry = time.monotonic() + 1.0
                with self._cond:
                    if self._folders() != folders:
                        return


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream never holds up the exit
    # socketserver's default listen backlog is 5: a burst of connections (tabs
    # reconnecting their event streams, a page's parallel range requests) overflowed
    # it and waited out TCP's SYN retries; 200 clients took 27 s to connect.
    request_queue_size = socket.SOMAXCONN
    preview: PreviewServer

    def handle_error(self, request, client_address) -> None:
        pass  # a tab closed mid-answer: nothing to tell anyone


class _Handler(BaseHTTPRequestHandler):
    server_version = "storyreel-preview"

    @property
    def preview(self) -> PreviewServer:
        return self.server.preview  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _local_names(self) -> tuple[str, ...]:
        host, port = self.server.server_address[:2]
        return tuple(dict.fromkeys((f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}")))

    def _local_host(self) -> bool:
        """Only pages of this server may talk to it (no DNS rebinding from a web site)."""
        return self.headers.get("Host", "") in self._local_names()

    def _same_origin(self) -> bool:
        """Whether a request that changes state comes from this server's own page.

        The Host check alone lets any web site the user visits send
        `POST /playhead` (a form or `fetch(…, {mode: "no-cors"})` to
        127.0.0.1 carries the right Host). Browsers send `Origin` with every
        POST, and `Sec-Fetch-Site` with every request: a foreign Origin, or a
        request another site started (another port on localhost is "same-site"
        but not the same origin), is refused. A client with neither header
        (curl, a script) is not a browser page and is let through.
        """
        origin = self.headers.get("Origin")
        if origin is not None and origin not in tuple(f"http://{name}" for name in self._local_names()):
            return False
        fetch_site = self.headers.get("Sec-Fetch-Site")
        return fetch_site is None or fetch_site in ("same-origin", "none")

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if not self._local_host():
            self.send_error(HTTPStatus.FORBIDDEN)
            return
        try:
            if url.path == "/":
                self._send(resources.files("storyreel.preview").joinpath("page.html").read_bytes(),
                           "text/html; charset=utf-8")
            elif url.path == "/state":
                self._send(json.dumps(self.preview.state()).encode(), "application/json")
            elif url.path == "/events":
                self._events()
            elif m := re.fullmatch(r"/segment/([0-9a-f]{24})\.mp4", url.path):
                self._file(self.preview.renderer.path(m.group(1)), "video/mp4")
            elif url.path == "/frame":
                if not self._same_origin():  # it moves the playhead and draws a frame: this page's only
                    self.send_error(HTTPStatus.FORBIDDEN, "not from this preview's page")
                    return
                t = _float(query.get("t", ["0"])[0])
                self.preview.set_playhead(t)
                jpeg = self.preview.frame_jpeg(t)
                if jpeg is None:
                    self.send_error(HTTPStatus.NOT_FOUND)
                else:
                    self._send(jpeg, "image/jpeg")
            else:
                self.send_error(HTTPStatus.NOT_FOUND)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the tab went away
        except Exception as exc:  # noqa: BLE001 - e.g. a frame that cannot be drawn: say so, keep serving
            self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc)[:200])

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if not self._local_host() or not self._same_origin():
            self.send_error(HTTPStatus.FORBIDDEN, "not from this preview's page")
            return
        if url.path != "/playhead":
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self.preview.set_playhead(_float(parse_qs(url.query).get("t", ["0"])[0]))
        self._send(b"{}", "application/json")

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _file(self, path: Path, content_type: str) -> None:
        """A cached segment, with byte ranges (browsers seek in video by ranges)."""
        try:
            body = path.read_bytes()
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        size, start, end = len(body), 0, len(body) - 1
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                start, end = int(m.group(1)), min(end, int(m.group(2) or end))
            else:
                start = max(0, size - int(m.group(2)))
            if start > end:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.end_headers()
                return
            self.send_response(HTTPStatus.PARTIAL_CONTENT)
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        else:
            self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Cache-Control", "max-age=3600, immutable")  # the name is a hash of the content
        self.end_headers()
        self.wfile.write(body[start:end + 1])

    def _events(self) -> None:
        """Server-sent events: the whole state at once, then again after every change."""
        preview = self.preview
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        sent = None
        while True:
            with preview._cond:
                preview._cond.wait_for(lambda: preview.closing or preview.version != sent, timeout=PING_S)
                if preview.closing:
                    return
                fresh = preview.version != sent
            if fresh:
                state = preview.state()
                sent = state["version"]
                self.wfile.write(f"event: state\nid: {sent}\ndata: {json.dumps(state)}\n\n".encode())
            else:
                self.wfile.write(b": ping\n\n")
            self.wfile.flush()


def _real(path: str | Path) -> Path:
    return Path(os.path.realpath(path))


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return 0.0
    return value if value == value and abs(value) != float("inf") else 0.0
