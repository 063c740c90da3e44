"""Watch mode: how long from saving the file to seeing the change (see bench/PREVIEW.md).

    python bench/preview_latency.py [--runs 10] [--browser]

Copies bench/reference.scene (or examples/hello.scene) and its assets to a
temporary folder, starts the preview server on a free port of 127.0.0.1, puts
the playhead in the middle of the second scene, then saves an edit of that
scene's title `--runs` times. For each save it times, from just before the
write:

- event:   the page is told (the `state` event with the new version arrives);
- frame:   the updated frame at the playhead has been fetched (`/frame`, what
           the page shows at once while the scene's segment renders);
- segment: the re-rendered segment under the playhead is ready;
- all:     every changed segment is ready.

With --browser the same is measured in headless Chromium: from the write to the
page's `load` of the updated still frame, and to the first `seeked` of the new
segment's video.
"""
from __future__ import annotations

import argparse
import json
import queue
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def events(url: str) -> queue.Queue:
    parts = urlsplit(url)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.request("GET", "/events")
    response = conn.getresponse()
    states: queue.Queue = queue.Queue()

    def read() -> None:
        try:
            while line := response.readline():
                if line.startswith(b"data: "):
                    states.put((time.perf_counter(), json.loads(line[6:])))
        except OSError:
            pass

    threading.Thread(target=read, daemon=True).start()
    return states


def wait(states: queue.Queue, predicate, timeout: float = 30):
    deadline = time.perf_counter() + timeout
    while True:
        at, state = states.get(timeout=max(0.01, deadline - time.perf_counter()))
        if predicate(state):
            return at, state


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--browser", action="store_true", help="also measure in headless Chromium")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from storyreel.preview import PreviewServer

    source = ROOT / "bench" / "reference.scene"
    if not source.exists():
        source = ROOT / "examples" / "hello.scene"
    work = Path(tempfile.mkdtemp(prefix="preview-bench-"))
    shutil.copytree(source.parent, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.mp4", "__pycache__"))
    path = work / source.name
    original = path.read_text(encoding="utf-8")

    server = PreviewServer(path, port=0, cache_dir=work / ".segment-cache").start()  # cold: no earlier run helps
    try:
        states = events(server.url)
        _, state = wait(states, lambda s: s["segments"] and s["ready"] == len(s["segments"]))
        target = state["segments"][1]
        playhead = (target["start"] + target["end"]) / 2
        urllib.request.urlopen(urllib.request.Request(f"{server.url}playhead?t={playhead}", method="POST")).read()
        # The second scene's first quoted text (its title) gets a number appended.
        scene_at = original.index(f"scene {target['name']}")
        quote = original.index('"', original.index(" text ", scene_at)) + 1
        quote = original.index('"', quote)
        print(f"{source.relative_to(ROOT)}: preview {state['width']}x{state['height']}, "
              f"{len(state['segments'])} segments; editing scene '{target['name']}', playhead {playhead:.2f}s")

        page = browser = None
        if args.browser:
            from headless_chromium import Chromium

            browser = Chromium()
            page = browser.open(f"{server.url}#t={playhead:.2f}")
            page.wait("window.preview && preview.state && preview.state.ready === preview.state.segments.length")
            page.eval("""(() => { window.bench = {seeks: []};
                document.getElementById('still').addEventListener('load', () => { bench.still = bench.still || Date.now(); });
                document.querySelectorAll('#stage video').forEach(v => v.addEventListener('seeked',
                    () => bench.seeks.push([v.src, Date.now()])));
            })()""")

        rows = []
        for run in range(args.runs):
            time.sleep(0.5)
            while not states.empty():
                states.get()
            version = server.state()["version"]
            text = original[:quote] + f" {run + 1}" + original[quote:]
            if page is not None:
                page.eval("window.bench = {seeks: []}")
            began, wall = time.perf_counter(), time.time()
            path.write_text(text, encoding="utf-8")
            at_event, state = wait(states, lambda s: s["version"] > version and s["error"] is None)
            with urllib.request.urlopen(f"{server.url}frame?t={playhead}&v={state['version']}") as r:
                r.read()
            at_frame = time.perf_counter()
            at_segment, state = wait(states, lambda s: s["segments"][1]["url"] is not None, timeout=60) \
                if state["segments"][1]["url"] is None else (at_event, state)
            at_all, state = wait(states, lambda s: s["ready"] == len(s["segments"]), timeout=60) \
                if state["ready"] < len(state["segments"]) else (at_segment, state)
            row = {"event": at_event - began, "frame": at_frame - began,
                   "segment": at_segment - began, "all": at_all - began}
            if page is not None:
                url = state["segments"][1]["url"]
                page.wait("bench.still", timeout=30)
                seeked = page.wait(f"(bench.seeks.find(s => s[0].endsWith({json.dumps(url)})) || [])[1]", timeout=30)
                row["page frame"] = page.eval("bench.still") / 1000 - wall
                row["page video"] = seeked / 1000 - wall
            rows.append(row)
            print(f"run {run + 1:2d}: " + "  ".join(f"{k} {v * 1000:6.0f} ms" for k, v in row.items()))
        print("median: " + "  ".join(f"{k} {statistics.median(r[k] for r in rows) * 1000:6.0f} ms" for k in rows[0]))
        print("max:    " + "  ".join(f"{k} {max(r[k] for r in rows) * 1000:6.0f} ms" for k in rows[0]))
        if browser is not None:
            browser.close()
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
