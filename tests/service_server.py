"""A real `render serve` for the service tests: a process of its own on a free
loopback port (`--port 0`; the port is read from its first line), a token file,
a tiny template in a folder of `$STORYREEL_TEMPLATES`, and a small request limit."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from helpers import scene_text

TOKEN = "test-token-0123456789abcdef"
OTHER_TOKEN = "other-token-0123456789abcdef"
MAX_REQUEST = 200_000

# A template whose video is 1 s at 160x90: the background is the `colour` parameter,
# a white square sits in the middle.
TEMPLATE_PARAMS = """title: Tiny test card
description: One second of colour with a white square, for the service tests.
params:
  colour: { type: choice, default: red, choices: [red, green, blue], description: The background }
  seconds: { type: float, default: 1, min: 0.5, max: 60, description: How long }
"""
TEMPLATE_SCENE = """{% set rgb = {"red": "#E63946", "green": "#2A9D8F", "blue": "#1D3557"}[colour] %}
video "Tiny {{ colour }}" {
    size 160x90
    fps 15
}
scene card {
    background solid {{ rgb }}
    box = rect at (50%, 50%) size 600 400 fill #FFFFFF
    wait {{ seconds }}s
}
"""

TINY_SCENE = scene_text("""
    scene a {
        background solid #336699
        t = text "Hi" at (50%, 50%) size 20 color #FFFFFF
        wait {{ secs | default(1) }}s
    }
    """, "size 160x90\nfps 15")

# A job that renders long enough to be caught running: ten minutes at 320x180.
LONG_JOB = {"scene": TINY_SCENE.replace("size 160x90", "size 320x180"), "variables": {"secs": 600}, "check": "off"}


def png(rgba: tuple[int, int, int, int], size: int = 10) -> bytes:
    import numpy as np
    import skia

    return skia.Image.fromarray(np.full((size, size, 4), rgba, np.uint8)).encodeToData().bytes()


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    jobs_dir: Path
    log: Path

    def client(self, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_server(tmp: Path, *extra: str) -> Server:
    templates = tmp / "templates" / "tinycard"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "params.yaml").write_text(TEMPLATE_PARAMS, encoding="utf-8")
    (templates / "template.scene").write_text(TEMPLATE_SCENE, encoding="utf-8")
    tokens = tmp / "tokens.txt"
    tokens.write_text(f"# the test's clients\n{TOKEN} tester\n{OTHER_TOKEN} other\n", encoding="utf-8")
    jobs_dir = tmp / "jobs"
    log = tmp / "serve.log"
    env = dict(os.environ, STORYREEL_TEMPLATES=str(tmp / "templates"))
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "storyreel", "serve", "--port", "0", "--jobs-dir", str(jobs_dir), "--tokens",
             str(tokens), "--workers", "1", "--max-request-size", f"{MAX_REQUEST // 1000}KB", "-q", *extra],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        found = re.search(r"listening on (http://\S+)", text)
        if found:
            server = Server(found.group(1), process, jobs_dir, log)
            while time.monotonic() < deadline:  # the lifespan (queue, workers) is up once /healthz answers
                try:
                    if httpx.get(server.url + "/healthz", timeout=5).status_code == 200:
                        return server
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise AssertionError("render serve did not start:\n" + log.read_text(encoding="utf-8", errors="replace"))


def wait_for(client: httpx.Client, job_id: int, states: tuple[str, ...], timeout: float = 60,
             until=None) -> dict:
    """Poll the job until its state is one of `states` (and `until(job)` holds)."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in states and (until is None or until(job)):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is still {job['state']}: {job}")
        time.sleep(0.05)


def workers_of(pid: int) -> list[int]:
    """The worker processes started by the server `pid` (they carry its pid in their environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"storyreel.jobs.worker" in cmdline and f"STORYREEL_JOB_PARENT={pid}".encode() in environ:
            found.append(int(entry.name))
    return found
