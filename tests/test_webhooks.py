"""Webhooks: a local listener receives the job's JSON when it is done, signed with
HMAC-SHA256 over `timestamp.body` (checked here with the receiver's snippet,
`service.webhooks.verify`); a listener that fails is retried with backoff, every
attempt logged and shown at GET /v1/jobs/{id} and by `render jobs show`."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("httpx", reason="the serve extra (pip install 'storyreel[serve]') is not installed")
pytest.importorskip("starlette", reason="the serve extra (pip install 'storyreel[serve]') is not installed")

from service_server import LONG_JOB, TINY_SCENE, png, start_server, wait_for  # noqa: E402
from storyreel.service.webhooks import WebhookError, check_url, sign, verify  # noqa: E402

SECRET = b"0123456789abcdef0123456789abcdef"


class Listener:
    """An HTTP server on a free loopback port that records every POST. `/ok` and
    `/failed` answer 200; `/flaky` 500 twice, then 204; `/down` always 503."""

    def __init__(self):
        self.received: list[dict] = []
        self.arrived = threading.Condition()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with listener.arrived:
                    listener.received.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                              "at": time.monotonic()})
                    seen = sum(1 for r in listener.received if r["path"] == self.path)
                    listener.arrived.notify_all()
                status = {"/ok": 200, "/failed": 200, "/down": 503}.get(self.path, 500 if seen <= 2 else 204)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, path: str, count: int, timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                got = [r for r in self.received if r["path"] == path]
                if len(got) >= count or time.monotonic() > deadline:
                    return got
                self.arrived.wait(0.1)


@pytest.fixture(scope="module")
def listener():
    listener = Listener()
    yield listener
    listener.server.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("hooks"), "--webhook-backoff", "0.2s", "--webhook-retries", "3")
    yield server
    server.stop()


def docs_snippet():
    """`verify_webhook` as docs/SERVICE.md writes it."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "SERVICE.md").read_text(encoding="utf-8")
    [code] = [block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify_webhook" in block]
    namespace: dict = {}
    exec(compile(code, "docs/SERVICE.md", "exec"), namespace)
    return namespace["verify_webhook"]


def submit(server, hook: str) -> int:
    with server.client() as client:
        response = client.post("/v1/jobs", json={"scene": TINY_SCENE, "check": "off", "webhook": hook})
        assert response.status_code == 202, response.text
        return response.json()["id"]


def test_a_done_jobs_webhook_carries_a_valid_signature(server, listener):
    job_id = submit(server, listener.url + "/ok")
    [request] = listener.wait("/ok", 1)
    headers, body = request["headers"], request["body"]
    secret = (server.jobs_dir / "webhook-secret").read_text().strip().encode()
    assert verify(secret, body, headers["Storyreel-Timestamp"], headers["Storyreel-Signature"])
    assert not verify(secret, body + b" ", headers["Storyreel-Timestamp"], headers["Storyreel-Signature"])
    assert not verify(b"another secret, not the server's", body, headers["Storyreel-Timestamp"],
                      headers["Storyreel-Signature"])
    documented = docs_snippet()  # what docs/SERVICE.md tells a receiver to run
    assert documented(secret, headers, body) and not documented(secret, headers, body.replace(b"done", b"dune"))
    assert headers["Storyreel-Event"] == "job.done" and headers["Storyreel-Webhook-Id"] == f"job-{job_id}"
    event = json.loads(body)
    assert event["event"] == "job.done" and event["job"]["id"] == job_id and event["job"]["state"] == "done"
    assert any(f["kind"] == "video" for f in event["job"]["files"])
    with server.client() as client:
        job = wait_for(client, job_id, ("done",), until=lambda j: j["webhook"]["state"] == "delivered")
    [delivery] = job["webhook"]["deliveries"]
    assert (delivery["attempt"], delivery["status"], delivery["outcome"]) == (1, 200, "delivered")


def test_a_failing_listener_is_retried_with_backoff(server, listener):
    job_id = submit(server, listener.url + "/flaky")
    requests = listener.wait("/flaky", 3)
    assert len(requests) == 3
    assert {r["headers"]["Storyreel-Webhook-Id"] for r in requests} == {f"job-{job_id}"}
    assert [r["body"] for r in requests] == [requests[0]["body"]] * 3  # the same event every time
    gaps = [b["at"] - a["at"] for a, b in zip(requests, requests[1:])]
    assert gaps[0] >= 0.18 and gaps[1] >= 0.38  # 0.2 s, then doubled
    with server.client() as client:
        job = wait_for(client, job_id, ("done",), until=lambda j: j["webhook"]["state"] == "delivered")
    log = [(d["attempt"], d["status"], d["outcome"]) for d in job["webhook"]["deliveries"]]
    assert log == [(1, 500, "retry"), (2, 500, "retry"), (3, 204, "delivered")]
    shown = subprocess.run([sys.executable, "-m", "storyreel", "jobs", "show", str(job_id), "--jobs-dir",
                            str(server.jobs_dir)], capture_output=True, text=True, timeout=60)
    assert "webhook deliveries:" in shown.stdout and "#3 delivered 204" in shown.stdout


def test_a_listener_that_keeps_failing_is_given_up_after_the_last_retry(server, listener):
    job_id = submit(server, listener.url + "/down")
    assert len(listener.wait("/down", 4)) == 4
    with server.client() as client:
        job = wait_for(client, job_id, ("done",), until=lambda j: j["webhook"]["state"] == "failed")
    outcomes = [d["outcome"] for d in job["webhook"]["deliveries"]]
    assert outcomes == ["retry", "retry", "retry", "failed"]
    assert job["webhook"]["deliveries"][-1]["error"] == "the listener answered 503"
    time.sleep(1.0)
    assert len(listener.wait("/down", 5, timeout=0)) == 4  # no fifth


def test_a_failed_job_is_notified_with_its_located_error(server, listener):
    from storyreel.jobs import JobQueue

    scene = TINY_SCENE.replace('t = text "Hi" at (50%, 50%) size 20 color #FFFFFF',
                               'p = image "art/dot.png" at (50%, 50%) width 600')
    with server.client() as client:
        blocker = client.post("/v1/jobs", json=LONG_JOB).json()  # keeps the one worker busy
        wait_for(client, blocker["id"], ("running",))
        response = client.post("/v1/jobs", files={"scene": ("dot.scene", scene.encode()),
                                                  "assets": ("art/dot.png", png((0, 200, 0, 255)))},
                               data={"options": json.dumps({"check": "off", "webhook": listener.url + "/failed"})})
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        # While it waits, its image goes: the worker finds the compiled timeline stale, compiles
        # again, and the .scene's own located error fails the job (an input error: not retried).
        with JobQueue(server.jobs_dir) as queue:
            source = Path(queue.job(job_id).spec["source"])
        (source.parent / "art" / "dot.png").unlink()
        client.delete(f"/v1/jobs/{blocker['id']}")
        job = wait_for(client, job_id, ("failed", "done"))
    assert job["state"] == "failed" and job["attempts"] == 1
    error = job["error"]
    assert error["kind"] == "input" and error["location"]["file"] == "dot.scene"
    line = scene.splitlines().index('    p = image "art/dot.png" at (50%, 50%) width 600') + 1
    assert error["location"]["line"] == line and error["message"].startswith(f"dot.scene:{line}:")
    assert str(server.jobs_dir) not in str(job)
    [request] = listener.wait("/failed", 1)
    event = json.loads(request["body"])
    assert request["headers"]["Storyreel-Event"] == "job.failed" and event["job"]["error"] == error


def test_signatures_are_over_the_timestamp_and_body_and_expire():
    body = b'{"event": "job.done"}'
    signature = sign(SECRET, 1_765_000_000, body)
    assert signature.startswith("v1=") and len(signature) == 3 + 64
    assert verify(SECRET, body, "1765000000", signature, now=1_765_000_100)
    assert not verify(SECRET, body, "1765000001", signature, now=1_765_000_100)  # another timestamp
    assert not verify(SECRET, body, "1765000000", signature, now=1_765_000_000 + 301)  # too old: a replay
    assert not verify(SECRET, body, "soon", signature)


def test_webhook_urls_are_checked():
    assert check_url("http://127.0.0.1:9/hook", allow_private=True) == "http://127.0.0.1:9/hook"
    for url, words in [("ftp://example.org/x", "not an http(s) URL"), ("http:///x", "not an http(s) URL"),
                       ("https://user:pw@example.org/", "password"), (42, "as a string")]:
        with pytest.raises(WebhookError, match=words.replace("(", r"\(").replace(")", r"\)")):
            check_url(url, allow_private=True)
    for url in ("http://127.0.0.1/hook", "http://10.0.0.8/hook", "http://[::1]/hook", "http://169.254.169.254/"):
        with pytest.raises(WebhookError, match="private address"):
            check_url(url, allow_private=False)
