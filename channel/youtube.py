"""YouTube Data API v3 resumable upload (videos.insert), with the standard library.

The protocol (checked against Google's documentation; ../shared/notes/platform-facts.md):
1. POST {endpoint}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status with the
   video resource as JSON, `Authorization: Bearer`, `X-Upload-Content-Length`,
   `X-Upload-Content-Type` -> 200 and `Location:` the session URI.
2. PUT the bytes to the session URI in chunks (each but the last a multiple of 256 KiB) with
   `Content-Range: bytes FIRST-LAST/TOTAL` -> 308 with `Range: bytes=0-N`, the last 201/200
   with the video resource.
3. After a dropped connection or a 5xx: PUT with `Content-Range: bytes */TOTAL` and no body
   -> 308 with the Range received so far (none: nothing), or the final response.
404 on the session: it expired; other 4xx: a permanent failure.

`Uploader.upload` takes an `on_session(uri)` callback, called before any byte is sent, so the
caller records the session first: a crash mid-upload (or between the last chunk and the
publish record) resumes that session rather than uploading the video again.

`TestServer` is a local server speaking the same protocol (for the tests, and for trying a
channel without an account); `fail_chunks` drops the connection on chosen chunks.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

CHUNK = 256 * 1024
DEFAULT_ENDPOINT = "https://www.googleapis.com"
INSERT_UNITS = 1600  # older quota pages; the current page: 1 call of a 100-a-day videos.insert bucket


class UploadError(Exception):
    def __init__(self, message: str, *, transient: bool = False, status: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.status = status


class SessionExpired(UploadError):
    pass


def read_token(path: str | Path) -> str:
    """The OAuth access token from a file the user provides: JSON with `access_token`
    (as Google's OAuth tools write it) or `token`, or the bare token on one line."""
    text = Path(path).read_text(encoding="utf-8").strip()
    if text.startswith("{"):
        data = json.loads(text)
        token = data.get("access_token") or data.get("token")
    else:
        token = text.splitlines()[0].strip() if text else None
    if not token:
        raise UploadError(f"{path}: no access_token in the credentials file")
    return token


def _split(uri: str) -> tuple[str, str, int | None, str]:
    u = urllib.parse.urlsplit(uri)
    return u.scheme, u.hostname or "", u.port, u.path + (f"?{u.query}" if u.query else "")


def _request(method: str, uri: str, body: bytes | None, headers: dict[str, str], timeout: float = 60.0):
    scheme, host, port, path = _split(uri)
    conn = (http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection)(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _received(headers: dict[str, str]) -> int:
    """Bytes the server holds, from a 308's `Range: bytes=0-N` (none: 0)."""
    rng = headers.get("range")
    return int(rng.split("-")[1]) + 1 if rng else 0


@dataclass
class Uploader:
    token: str
    endpoint: str = DEFAULT_ENDPOINT
    chunk_bytes: int = 8 * CHUNK
    retries: int = 5
    backoff_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    calls: dict[str, int] = field(default_factory=lambda: {"insert": 0, "put": 0, "status": 0})

    def start(self, resource: dict[str, Any], size: int, content_type: str = "video/mp4") -> str:
        uri = f"{self.endpoint}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
        body = json.dumps(resource).encode()
        status, headers, text = _request("POST", uri, body, {
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json; charset=UTF-8",
            "Content-Length": str(len(body)), "X-Upload-Content-Length": str(size),
            "X-Upload-Content-Type": content_type})
        self.calls["insert"] += 1
        if status != 200 or "location" not in headers:
            raise UploadError(f"videos.insert: {status} {text[:200]!r}", transient=status >= 500, status=status)
        return headers["location"]

    def query(self, session: str, size: int) -> tuple[int, dict | None]:
        """(bytes the server holds, the video resource when the upload is complete)."""
        status, headers, text = _request("PUT", session, b"", {
            "Authorization": f"Bearer {self.token}", "Content-Length": "0", "Content-Range": f"bytes */{size}"})
        self.calls["status"] += 1
        if status in (200, 201):
            return size, json.loads(text)
        if status == 308:
            return _received(headers), None
        if status == 404:
            raise SessionExpired("the upload session expired", status=404)
        raise UploadError(f"upload status: {status} {text[:200]!r}", transient=status >= 500, status=status)

    def upload(self, path: str | Path, resource: dict[str, Any], session: str | None = None,
               on_session: Callable[[str], None] | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> dict:
        """Upload `path` (resuming `session` when given); returns the video resource."""
        path = Path(path)
        size = path.stat().st_size
        offset = 0
        if session is not None:
            try:
                offset, done = self.query(session, size)
                if done is not None:
                    return done
            except SessionExpired:
                session = None
        if session is None:
            session = self.start(resource, size)
            if on_session:
                on_session(session)
        failures = 0
        with open(path, "rb") as f:
            while True:
                f.seek(offset)
                data = f.read(self.chunk_bytes)
                last = offset + len(data) - 1
                try:
                    status, headers, text = _request("PUT", session, data, {
                        "Authorization": f"Bearer {self.token}", "Content-Length": str(len(data)),
                        "Content-Type": "video/mp4", "Content-Range": f"bytes {offset}-{last}/{size}"})
                    self.calls["put"] += 1
                except (OSError, http.client.HTTPException):
                    status, headers, text = 0, {}, b""
                if status in (200, 201):
                    return json.loads(text)
                if status == 308:
                    offset = _received(headers)
                    failures = 0
                    if on_progress:
                        on_progress(offset, size)
                    continue
                if status == 404:
                    raise SessionExpired("the upload session expired", status=404)
                if status and status not in (500, 502, 503, 504):
                    raise UploadError(f"upload: {status} {text[:200]!r}", status=status)
                failures += 1  # dropped, or 5xx: ask the server what it holds, then go on
                if failures > self.retries:
                    raise UploadError(f"upload: gave up after {self.retries} retries", transient=True, status=status)
                self.sleep(self.backoff_s * 2 ** (failures - 1))
                offset, done = self.query(session, size)
                if done is not None:
                    return done


# ── a local server that speaks the protocol ─────────────────────────────────


class TestServer:
    """`with TestServer() as server: Uploader(token, server.endpoint)…`. `server.videos`:
    the completed uploads {id: {"resource", "data"}}; `fail_chunks`: PUT numbers (1-based,
    counted over the server's life) whose connection is dropped after half the bytes arrive."""

    __test__ = False  # not a pytest class

    def __init__(self, token: str = "test-token", fail_chunks: set[int] | None = None):
        self.token = token
        self.fail_chunks = set(fail_chunks or ())
        self.sessions: dict[str, dict] = {}
        self.videos: dict[str, dict] = {}
        self.puts = 0
        self.inserts = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status: int, headers: dict | None = None, body: bytes = b""):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {outer.token}":
                    self._reply(401, body=b'{"error": {"code": 401, "message": "Invalid Credentials"}}')
                    return False
                return True

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                u = urllib.parse.urlsplit(self.path)
                q = urllib.parse.parse_qs(u.query)
                if u.path != "/upload/youtube/v3/videos" or q.get("uploadType") != ["resumable"]:
                    return self._reply(400, body=b'{"error": {"message": "uploadType=resumable expected"}}')
                if not self._authorized():
                    return
                try:
                    resource = json.loads(body)
                    total = int(self.headers["X-Upload-Content-Length"])
                except (ValueError, KeyError, TypeError):
                    return self._reply(400, body=b'{"error": {"message": "bad resource or length"}}')
                if "selfDeclaredMadeForKids" not in resource.get("status", {}):
                    return self._reply(400, body=b'{"error": {"message": "status.selfDeclaredMadeForKids missing"}}')
                with outer.lock:
                    outer.inserts += 1
                    upload_id = f"u{len(outer.sessions) + 1}"
                    outer.sessions[upload_id] = {"resource": resource, "total": total, "data": bytearray(),
                                                 "done": None}
                host = self.headers.get("Host")
                self._reply(200, {"Location": f"http://{host}/upload/youtube/v3/videos?uploadType=resumable"
                                              f"&upload_id={upload_id}"})

            def do_PUT(self):
                u = urllib.parse.urlsplit(self.path)
                upload_id = urllib.parse.parse_qs(u.query).get("upload_id", [""])[0]
                length = int(self.headers.get("Content-Length") or 0)
                s = outer.sessions.get(upload_id)
                if s is None:
                    self.rfile.read(length)
                    return self._reply(404, body=b'{"error": {"message": "session not found"}}')
                if not self._authorized():
                    self.rfile.read(length)
                    return
                crange = self.headers.get("Content-Range", "")
                if crange.startswith("bytes */"):
                    return self._final(s) if s["done"] else self._progress(s)
                first, rest = crange.removeprefix("bytes ").split("-")
                last, total = rest.split("/")
                first, last, total = int(first), int(last), int(total)
                with outer.lock:
                    outer.puts += 1
                    drop = outer.puts in outer.fail_chunks
                if drop:
                    s["data"][first:] = self.rfile.read(length // 2)  # half arrived, then the line went down
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                data = self.rfile.read(length)
                if first != len(s["data"]) or total != s["total"] or last - first + 1 != length:
                    return self._progress(s)  # out of order: tell the client what we hold
                if last + 1 < total and length % CHUNK:
                    return self._reply(400, body=b'{"error": {"message": "chunk not a multiple of 256 KiB"}}')
                s["data"] += data
                if len(s["data"]) == total:
                    with outer.lock:
                        video_id = f"vid{len(outer.videos) + 1:04d}"
                        s["done"] = {"kind": "youtube#video", "id": video_id, "snippet": s["resource"].get("snippet"),
                                     "status": dict(s["resource"].get("status", {}), uploadStatus="uploaded")}
                        outer.videos[video_id] = {"resource": s["resource"], "data": bytes(s["data"])}
                    return self._final(s, 201)
                self._progress(s)

            def _progress(self, s):
                self._reply(308, {"Range": f"bytes=0-{len(s['data']) - 1}"} if s["data"] else {})

            def _final(self, s, status: int = 200):
                self._reply(status, {"Content-Type": "application/json"}, json.dumps(s["done"]).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "TestServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
