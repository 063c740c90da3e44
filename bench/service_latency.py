"""`render serve`: time from POST to the job running, and a burst of concurrent
submissions (bench/RESULTS.md, "Service").

    python bench/service_latency.py                      # 10 jobs one at a time, then 50 at once
    python bench/service_latency.py --sequential 20 --burst 100 --workers 2

Starts a real `render serve` on a free loopback port with a token file (a
process of its own, as in production) and talks to it over HTTP with httpx:

- sequential: POST a tiny `.scene` job (160x90, 1 s), wait until it is done and
  `--gap` seconds more (the next warm worker gets ready), and the next: an idle
  server's latency. Read back from the queue database: the
  POST's round trip seen by the client; created -> claimed (the job `running`);
  created -> the worker's first frame (a warm worker: imports done, compile
  already done in the request).
- burst: BURST threads POST at the same moment; every answer must be 202; the
  POSTs' round trips (median, 95th percentile, slowest) and the wall time until
  all are accepted, then until all are done.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TOKEN = "bench-token-0123456789abcdef"
SCENE = '''video "bench" {
    size 160x90
    fps 15
}
scene a {
    background solid #336699
    t = text "{{ n | default(0) }}" at (50%, 50%) size 30 color #FFFFFF
    wait 1s
}
'''


def start(folder: Path, workers: int) -> tuple[subprocess.Popen, str]:
    (folder / "tokens.txt").write_text(f"{TOKEN} bench\n", encoding="utf-8")
    log = folder / "serve.log"
    process = subprocess.Popen([sys.executable, "-m", "storyreel", "serve", "--port", "0", "--jobs-dir",
                                str(folder / "jobs"), "--tokens", str(folder / "tokens.txt"), "--workers",
                                str(workers), "--rate", "100000", "--max-active", "100000", "-q"],
                               stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"listening on (http://\S+)", log.read_text())
        if found:
            try:
                if httpx.get(found.group(1) + "/healthz").status_code == 200:
                    return process, found.group(1)
            except httpx.TransportError:
                pass
        time.sleep(0.05)
    process.kill()
    raise SystemExit("render serve did not start:\n" + log.read_text())


def wait_done(client, ids: list[int], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    left = set(ids)
    while left and time.monotonic() < deadline:
        for job in client.get("/v1/jobs", params={"state": "done", "limit": 500}).json()["jobs"]:
            left.discard(job["id"])
        time.sleep(0.05)
    if left:
        raise SystemExit(f"jobs not done: {sorted(left)}")


def ms(values: list[float]) -> str:
    return f"{1000 * statistics.median(values):.0f} ms (min {1000 * min(values):.0f}, max {1000 * max(values):.0f})"


def main() -> int:
    import httpx

    from storyreel.jobs import JobQueue

    parser = argparse.ArgumentParser()
    parser.add_argument("--sequential", type=int, default=10)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--gap", type=float, default=2.0,
                        help="Seconds between sequential jobs (0: back to back, before the next warm worker is ready)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        process, url = start(folder, args.workers)
        try:
            client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
            round_trips, ids = [], []
            for n in range(args.sequential):
                began = time.perf_counter()
                response = client.post("/v1/jobs", json={"scene": SCENE, "variables": {"n": n}, "check": "off"})
                round_trips.append(time.perf_counter() - began)
                assert response.status_code == 202, response.text
                ids.append(response.json()["id"])
                wait_done(client, ids[-1:])
                time.sleep(args.gap)
            queue = JobQueue(folder / "jobs")
            claimed = [queue.job(i).started_at - queue.job(i).created_at for i in ids]
            first_frame = [queue.job(i).result["timings"]["render_started"] - queue.job(i).created_at for i in ids]
            print(f"sequential ({args.sequential} jobs, {args.workers} worker(s), {args.gap:g} s apart):")
            print(f"  POST round trip (check + compile + enqueue): {ms(round_trips)}")
            print(f"  created -> running (claimed):                {ms(claimed)}")
            print(f"  created -> first frame in the worker:        {ms(first_frame)}")

            statuses: list[int] = []
            times: list[float] = []
            lock = threading.Lock()
            gate = threading.Barrier(args.burst + 1)

            def submit(n: int) -> None:
                with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300) as c:
                    gate.wait()
                    began = time.perf_counter()
                    try:
                        status = c.post("/v1/jobs", json={"scene": SCENE, "variables": {"n": 1000 + n},
                                                          "check": "off"}).status_code
                    except httpx.HTTPError as err:
                        status = f"{type(err).__name__}"
                    with lock:
                        statuses.append(status)
                        times.append(time.perf_counter() - began)

            threads = [threading.Thread(target=submit, args=(n,)) for n in range(args.burst)]
            for t in threads:
                t.start()
            gate.wait()
            began = time.perf_counter()
            for t in threads:
                t.join()
            accepted_in = time.perf_counter() - began
            ok = statuses.count(202)
            times.sort()
            print(f"burst ({args.burst} POSTs at once): {ok}/{args.burst} accepted (202), "
                  f"others: {[s for s in statuses if s != 202]}")
            print(f"  all accepted in {accepted_in:.2f} s; POST round trip median "
                  f"{1000 * statistics.median(times):.0f} ms, 95th percentile "
                  f"{1000 * times[int(0.95 * (len(times) - 1))]:.0f} ms, slowest {1000 * times[-1]:.0f} ms")
            burst_ids = [j.id for j in queue.jobs() if j.id not in ids]
            began = time.perf_counter()
            wait_done(client, burst_ids)
            print(f"  all {len(burst_ids)} rendered {time.perf_counter() - began:.1f} s after the last was accepted")
            print(f"  load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            return 0 if ok == args.burst else 1
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


if __name__ == "__main__":
    sys.exit(main())
