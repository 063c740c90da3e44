"""`render serve`: a real server on a free loopback port, a real HTTP client.
Submit a template job, poll it, download the video in ranges and decode it;
tokens (401, another client's job is 404), request limits (413), a `.scene`
that reads outside its job folder (400, located), cancelling (no output left),
listing by state, `render jobs` on the same folder, and a clean SIGTERM."""
from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="the serve extra (pip install 'storyreel[serve]') is not installed")
pytest.importorskip("starlette", reason="the serve extra (pip install 'storyreel[serve]') is not installed")

from helpers import close, decode  # noqa: E402
from service_server import (LONG_JOB, MAX_REQUEST, OTHER_TOKEN, TINY_SCENE, png, start_server, wait_for,  # noqa: E402
                            workers_of)

RED = (0xE6, 0x39, 0x46)
WHITE = (255, 255, 255)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("serve"))
    yield server
    server.stop()


@pytest.fixture
def client(server):
    with server.client() as client:
        yield client


def render_jobs(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "storyreel", "jobs", *args, "--jobs-dir", str(server.jobs_dir)],
                          capture_output=True, text=True, timeout=60)


def test_a_template_job_is_queued_polled_and_downloaded_in_ranges(server, client, tmp_path):
    response = client.post("/v1/jobs", json={"template": "tinycard", "parameters": {"colour": "red"},
                                             "quality": "draft", "check": "warn"})
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["state"] == "queued" and job["request"]["template"] == "tinycard"
    job = wait_for(client, job["id"], ("done", "failed"))
    assert job["state"] == "done", job["error"]
    assert job["progress"] == {"frames_done": 15, "frames_total": 15, "fraction": 1.0}
    kinds = {f["kind"] for f in job["files"]}
    assert {"video", "thumbnail", "metadata"} <= kinds
    video = next(f for f in job["files"] if f["kind"] == "video")
    # The first KiB, then the rest: two range requests make the whole file.
    head = client.get(video["url"], headers={"Range": "bytes=0-1023"})
    assert head.status_code == 206 and len(head.content) == 1024
    assert head.headers["content-range"] == f"bytes 0-1023/{video['bytes']}"
    tail = client.get(video["url"], headers={"Range": "bytes=1024-"})
    assert tail.status_code == 206 and len(tail.content) == video["bytes"] - 1024
    whole = client.get(video["url"])
    assert whole.status_code == 200 and whole.content == head.content + tail.content
    path = tmp_path / "video.mp4"
    path.write_bytes(head.content + tail.content)
    decoded = decode(path)
    assert (decoded.width, decoded.height, len(decoded.frames)) == (160, 90, 15)
    frame = decoded.at(0.5)
    assert close(frame[8, 8], RED) and close(frame[45, 80], WHITE)  # the colour asked for; the square
    metadata = client.get(f"/v1/jobs/{job['id']}/files/video.json")
    assert metadata.status_code == 200 and metadata.headers["content-type"].startswith("application/json")
    assert client.get(f"/v1/jobs/{job['id']}/files/jobs.sqlite3").status_code == 404
    assert client.get(f"/v1/jobs/{job['id']}/files/..%2F..%2Fjobs.sqlite3").status_code == 404


def test_a_missing_or_wrong_token_is_401_and_another_clients_job_404(server, client):
    with server.client(token=None) as anonymous:
        response = anonymous.post("/v1/jobs", json={"template": "tinycard"})
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert "bearer token" in response.json()["error"]["message"]
        assert anonymous.get("/healthz").status_code == 200  # liveness needs no token
        assert anonymous.get("/metrics").status_code == 401
    with server.client(token="not-a-token-of-this-server") as stranger:
        assert stranger.get("/v1/jobs").status_code == 401
    job = client.post("/v1/jobs", json={"scene": TINY_SCENE, "check": "off"}).json()
    with server.client(token=OTHER_TOKEN) as other:
        assert other.get(f"/v1/jobs/{job['id']}").status_code == 404
        assert other.delete(f"/v1/jobs/{job['id']}").status_code == 404
        assert all(j["id"] != job["id"] for j in other.get("/v1/jobs").json()["jobs"])
    wait_for(client, job["id"], ("done",))


def test_an_upload_over_the_limit_is_413_and_leaves_nothing(server, client):
    folders = set((server.jobs_dir / "api").iterdir())
    big = io.BytesIO(b"\0" * (MAX_REQUEST + 50_000))
    response = client.post("/v1/jobs", files={"scene": ("big.scene", TINY_SCENE.encode()),
                                              "assets": ("images/huge.png", big)})
    assert response.status_code == 413, response.text
    assert "larger than this server takes" in response.json()["error"]["message"]
    # Without a Content-Length (chunked), the body is cut off as it passes the limit.
    chunks = (b"x" * 10_000 for _ in range(MAX_REQUEST // 10_000 + 5))
    response = client.post("/v1/jobs", content=chunks, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert set((server.jobs_dir / "api").iterdir()) == folders


def test_a_scene_reading_outside_its_job_folder_is_a_located_400(server, client):
    scene = TINY_SCENE.replace("scene a {", "{% include '../../../tokens.txt' %}\nscene a {")
    response = client.post("/v1/jobs", files={"scene": ("lesson.scene", scene.encode())})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    line = scene.splitlines().index("{% include '../../../tokens.txt' %}") + 1
    assert (error["file"], error["line"], error["column"]) == ("lesson.scene", line, 13)
    assert error["message"] == "path leaves the job's folder: '../../../tokens.txt'"
    assert error["text"].startswith(f"lesson.scene:{line}:13: error: path leaves the job's folder")
    assert error["caret"].strip().startswith("^") and "uploaded" in error["hint"]
    assert "test-token" not in response.text and str(server.jobs_dir) not in response.text
    # An asset named to land outside the project is refused before anything is written.
    response = client.post("/v1/jobs", files={"scene": ("a.scene", TINY_SCENE.encode()),
                                              "assets": ("../escape.png", b"png")})
    assert response.status_code == 400 and response.json()["error"]["field"] == "assets"
    assert not (server.jobs_dir / "api" / "escape.png").exists()


def test_an_uploaded_scene_uses_its_assets(server, client, tmp_path):
    scene = TINY_SCENE.replace('t = text "Hi" at (50%, 50%) size 20 color #FFFFFF',
                               'p = image "art/dot.png" at (50%, 50%) width 600')
    response = client.post("/v1/jobs", files={"scene": ("dot.scene", scene.encode()),
                                              "assets": ("art/dot.png", png((0, 200, 0, 255)))},
                           data={"options": json.dumps({"check": "off", "variables": {"secs": 0.5}})})
    assert response.status_code == 202, response.text
    job = wait_for(client, response.json()["id"], ("done", "failed"))
    assert job["state"] == "done", job["error"]
    assert job["video"]["frames"] == 8  # secs 0.5 at 15 fps
    (tmp_path / "v.mp4").write_bytes(client.get(f"/v1/jobs/{job['id']}/files/video.mp4").content)
    frame = decode(tmp_path / "v.mp4").at(0.2)
    assert close(frame[45, 80], (0, 200, 0)) and close(frame[5, 5], (0x33, 0x66, 0x99))


def test_bad_fields_are_400_naming_the_field(client):
    response = client.post("/v1/jobs", json={"templte": "tinycard"})
    assert response.status_code == 400 and response.json()["error"]["field"] == "templte"
    assert "template" in response.json()["error"]["hint"]
    response = client.post("/v1/jobs", json={"template": "tinycard", "parameters": {"seconds": 999}})
    error = response.json()["error"]
    assert response.status_code == 400 and error["field"] == "seconds" and "60" in error["message"]
    response = client.post("/v1/jobs", json={"template": "tinycard", "quality": "best"})
    assert response.status_code == 400 and response.json()["error"]["field"] == "quality"
    assert client.post("/v1/jobs", content=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    story = client.post("/v1/jobs", json={"story": "Just a title"})
    error = story.json()["error"]
    assert story.status_code == 400 and error["file"] == "story.txt" and "no paragraphs" in error["message"]
    # A good story is queued at once: its speech is synthesised by the worker, not in the request.
    began = time.monotonic()
    story = client.post("/v1/jobs", json={"story": "Sky\n\nThe sky is blue. The sun is warm. A bird sings.\n",
                                          "size": "160x90"})
    assert story.status_code == 202 and time.monotonic() - began < 3, story.text
    assert client.delete(f"/v1/jobs/{story.json()['id']}").status_code in (202, 409)
    assert client.get("/v1/jobs?state=sleeping").status_code == 400


def test_cancel_stops_the_worker_and_leaves_no_output(server, client):
    job = client.post("/v1/jobs", json=LONG_JOB).json()
    wait_for(client, job["id"], ("running",), until=lambda j: j["progress"]["frames_done"] > 0)
    workers = workers_of(server.process.pid)  # the job's (with --workers 1 no spare waits while it runs)
    assert workers
    response = client.delete(f"/v1/jobs/{job['id']}")
    assert response.status_code == 202
    done = wait_for(client, job["id"], ("cancelled",), timeout=30)
    assert done["files"] == [] and done["error"] is None
    shown = json.loads(render_jobs(server, "show", str(job["id"]), "--json").stdout)
    out = Path(shown["spec"]["output"]).parent
    assert not out.exists() or not any(out.iterdir())  # no video, no extras, no staging folder
    deadline = time.monotonic() + 10
    while set(workers) & set(workers_of(server.process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not set(workers) & set(workers_of(server.process.pid))  # that worker is gone (a fresh one waits)
    assert client.delete(f"/v1/jobs/{job['id']}").status_code == 409
    shown = render_jobs(server, "show", str(job["id"]))
    assert shown.returncode == 0 and f"job {job['id']}: cancelled" in shown.stdout
    assert "cancelled" in shown.stdout.split("attempt 1:")[1]


def test_jobs_are_listed_by_state_over_http_and_on_the_command_line(server, client):
    job = client.post("/v1/jobs", json={"scene": TINY_SCENE, "check": "off"}).json()
    # long enough that the command-line cancel (a fresh process) always comes before its end:
    # 30 s at 160x90 once rendered in 0.9 s, before `render jobs cancel` had started
    queued = client.post("/v1/jobs", json=LONG_JOB).json()
    cancelled = render_jobs(server, "cancel", str(queued["id"]))
    assert cancelled.returncode == 0, cancelled.stderr
    wait_for(client, job["id"], ("done",))
    wait_for(client, queued["id"], ("cancelled",))
    done_ids = [j["id"] for j in client.get("/v1/jobs?state=done").json()["jobs"]]
    assert job["id"] in done_ids and queued["id"] not in done_ids
    assert [j["id"] for j in client.get("/v1/jobs?state=cancelled&limit=500").json()["jobs"]].count(queued["id"]) == 1
    listed = render_jobs(server, "list", "--state", "done")
    assert listed.returncode == 0 and any(line.split()[:2] == [str(job["id"]), "done"]
                                          for line in listed.stdout.splitlines())
    missing = render_jobs(server, "show", "999999")
    assert missing.returncode == 1 and "no job 999999" in missing.stderr
    metrics = client.get("/metrics").text
    assert 'storyreel_submissions_total{outcome="accepted"}' in metrics
    assert 'storyreel_jobs{state="done"}' in metrics
    openapi = client.get("/openapi.json").json()
    assert {"/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/files/{name}"} <= set(openapi["paths"])


def test_sigterm_stops_the_workers_and_queues_their_jobs_again(tmp_path):
    server = start_server(tmp_path)
    try:
        with server.client() as client:
            job = client.post("/v1/jobs", json=LONG_JOB).json()
            wait_for(client, job["id"], ("running",), until=lambda j: j["progress"]["frames_done"] > 0)
        workers = workers_of(server.process.pid)
        assert workers
        code = server.stop(signal.SIGTERM)
        assert code == 128 + signal.SIGTERM
        assert "stopped by SIGTERM" in server.log.read_text()
        for pid in workers:
            assert not (Path(f"/proc/{pid}").exists()), "a worker outlived its server"
        listed = subprocess.run([sys.executable, "-m", "storyreel", "jobs", "show", str(job["id"]), "--json",
                                 "--jobs-dir", str(server.jobs_dir)], capture_output=True, text=True, timeout=60)
        shown = json.loads(listed.stdout)
        assert shown["state"] == "queued" and shown["attempt_log"][-1]["outcome"] == "stopped"
        assert not list((server.jobs_dir / "api").glob("*/out/*"))  # no partial output
    finally:
        server.stop(signal.SIGKILL)


def test_a_killed_server_leaves_no_worker_and_its_job_runs_again_on_restart(tmp_path):
    server = start_server(tmp_path)
    with server.client() as client:
        job = client.post("/v1/jobs", json=LONG_JOB).json()
        wait_for(client, job["id"], ("running",), until=lambda j: j["progress"]["frames_done"] > 0)
    workers = workers_of(server.process.pid)
    assert workers
    server.stop(signal.SIGKILL)  # no shutdown at all: the workers follow it (PR_SET_PDEATHSIG)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "a worker outlived its killed server"
    server = start_server(tmp_path)  # the same jobs folder: the job is reclaimed and rendered again
    try:
        with server.client() as client:
            again = wait_for(client, job["id"], ("running",), until=lambda j: j["attempts"] == 2)
            assert again["error"] is None or "interrupted" in again["error"]["message"]
            assert client.delete(f"/v1/jobs/{job['id']}").status_code == 202
            wait_for(client, job["id"], ("cancelled",))
        assert server.stop(signal.SIGINT) == 128 + signal.SIGINT  # Ctrl-C: a clean stop too
        assert "stopped by SIGINT" in server.log.read_text()
        assert not workers_of(server.process.pid)  # not even the warm spare
    finally:
        server.stop(signal.SIGKILL)


def test_rate_and_concurrency_limits_answer_429(tmp_path):
    server = start_server(tmp_path, "--rate", "3", "--max-active", "1")
    try:
        with server.client() as client:
            first = client.post("/v1/jobs", json=LONG_JOB)
            assert first.status_code == 202
            busy = client.post("/v1/jobs", json=LONG_JOB)
            assert busy.status_code == 429 and "at most 1" in busy.json()["error"]["message"]
        with server.client(token=OTHER_TOKEN) as other:  # four at once: exactly one gets in (the fourth is over
            # the rate of 3; of the other three, only one fits under --max-active 1)
            with ThreadPoolExecutor(4) as pool:
                codes = sorted(pool.map(lambda _: other.post("/v1/jobs", json=LONG_JOB).status_code, range(4)))
            assert codes == [202, 429, 429, 429]
        with server.client() as client:
            assert client.delete(f"/v1/jobs/{first.json()['id']}").status_code == 202
            wait_for(client, first.json()["id"], ("cancelled",))
            assert client.post("/v1/jobs", json={"templte": "x"}).status_code == 400  # the third this minute
            limited = client.post("/v1/jobs", json=LONG_JOB)
            assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
            assert "a minute" in limited.json()["error"]["message"]
        with server.client(token=OTHER_TOKEN) as other:  # its own bucket, spent by the four above
            assert "a minute" in other.post("/v1/jobs", json={"templte": "x"}).json()["error"]["message"]
    finally:
        server.stop()


def test_a_bad_token_file_is_a_located_error(tmp_path):
    from click.testing import CliRunner

    from storyreel.cli import main

    tokens = tmp_path / "tokens.txt"
    tokens.write_text("# clients\n0123456789abcdef0123 school\nshort app\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--tokens", str(tokens), "--jobs-dir", str(tmp_path / "j")])
    assert result.exit_code == 1
    assert f"{tokens}:3:1: error: token too short (5 characters; at least 16)" in result.output
    tokens.write_text("0123456789abcdef0123 school\n0123456789abcdef0123 app\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--tokens", str(tokens), "--jobs-dir", str(tmp_path / "j")])
    assert result.exit_code == 1 and f"{tokens}:2:1: error: the token on line 1 is repeated" in result.output


def test_the_rate_limiter_refills_steadily():
    from storyreel.service.limits import RateLimiter

    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])  # one a second, a burst of 60
    assert all(limiter.allow("a")[0] for _ in range(60))
    allowed, wait = limiter.allow("a")
    assert not allowed and wait == pytest.approx(1.0)
    assert limiter.allow("b")[0]
    now[0] += 1.0
    assert limiter.allow("a")[0] and not limiter.allow("a")[0]


def test_render_jobs_on_a_folder_without_a_queue_says_so(tmp_path):
    from click.testing import CliRunner

    from storyreel.cli import main

    result = CliRunner().invoke(main, ["jobs", "list", "--jobs-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "no jobs in" in result.output and "--jobs-dir" in result.output
    assert not (tmp_path / "nowhere").exists()  # looking made nothing


def test_render_batch_shares_the_servers_jobs_folder(server, client, tmp_path):
    (tmp_path / "tiny.scene").write_text(TINY_SCENE, encoding="utf-8")
    (tmp_path / "jobs.csv").write_text("output,scene,quality,check\nout/a.mp4,tiny.scene,draft,off\n", encoding="utf-8")
    api_job = client.post("/v1/jobs", json={"scene": TINY_SCENE, "check": "off"}).json()
    batch = subprocess.run([sys.executable, "-m", "storyreel", "batch", str(tmp_path / "jobs.csv"), "--jobs-dir",
                            str(server.jobs_dir), "-q"], capture_output=True, text=True, timeout=120)
    assert batch.returncode == 0, batch.stderr
    assert (tmp_path / "out" / "a.mp4").is_file()
    wait_for(client, api_job["id"], ("done",))
    listed = render_jobs(server, "list").stdout
    assert "tiny.scene" in listed and f"\n{api_job['id']} " in listed  # one queue, both kinds of job
    api_ids = {j["id"] for j in client.get("/v1/jobs?limit=500").json()["jobs"]}
    assert api_job["id"] in api_ids and len(api_ids) < len(listed.splitlines()) - 1  # the batch's row is not the API's
