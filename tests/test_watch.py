"""`render watch`: the preview server, for real.

A server on a free port of 127.0.0.1 compiles a small .scene file; the tests
fetch the page, the state and the segments over HTTP, follow the event stream,
change the file on disk and decode the new segments with PyAV. One test drives
the page in headless Chromium. Every wait is bounded; every server and browser
is stopped at the end of its test.
"""
from __future__ import annotations

import json
import queue
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import skia
from click.testing import CliRunner

from headless_chromium import Chromium, find_chromium
from helpers import close, decode
from storyreel.cli import main
from storyreel.preview import PreviewServer

RED, BLUE, GREEN, YELLOW = (255, 0, 0), (0, 0, 255), (0, 255, 0), (255, 255, 0)
HEX = {RED: "#FF0000", BLUE: "#0000FF", GREEN: "#00FF00", YELLOW: "#FFFF00"}


def scene(a=RED, b=BLUE, a_length="1s", size="320x180", b_extra="") -> str:
    """Two scenes of solid colour, 1 s each by default, cut together: 30 frames at 15 fps."""
    return (f'video "watch test" {{\n    size {size}\n    fps 15\n}}\n\n'
            f"scene a {{\n    background solid {HEX[a]}\n    wait {a_length}\n}}\n\n"
            f"scene b {{\n    background solid {HEX[b]}\n{b_extra}    wait 1s\n}}\n")


def ready(state: dict) -> bool:
    return state["error"] is None and bool(state["segments"]) and state["ready"] == len(state["segments"])


def urls(state: dict) -> dict[str, str]:
    return {s["name"]: s["url"] for s in state["segments"]}


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
        return r.status, dict(r.headers), r.read()


def fetch_video(server: PreviewServer, path: str, folder: Path):
    status, headers, body = get(server.url.rstrip("/") + path)
    assert status == 200 and headers["Content-Type"] == "video/mp4"
    out = folder / f"seg-{time.monotonic_ns()}.mp4"
    out.write_bytes(body)
    return decode(out)


def settle(server: PreviewServer, quiet: float = 1.0, timeout: float = 20) -> dict:
    """The state once it is ready and nothing was compiled for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        state = server.state()
        if (state["compiles"], ready(state)) != last:
            last, since = (state["compiles"], ready(state)), time.monotonic()
        elif ready(state) and time.monotonic() - since >= quiet:
            return state
        time.sleep(0.05)
    raise TimeoutError("the server did not settle")


def centre(frame: np.ndarray):
    return frame[frame.shape[0] // 2, frame.shape[1] // 2]


class EventStream:
    """A client of /events: every `state` event, parsed, in a queue."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.conn.request("GET", "/events")
        self.sock = self.conn.sock  # the response takes it over (the stream has no length)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.headers["Content-Type"] == "text/event-stream"
        self.states: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        event = None
        try:
            while line := self.response.readline():
                line = line.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "state":
                    self.states.put(json.loads(line[6:]))
        except (OSError, ValueError):
            pass

    def wait(self, predicate, timeout: float = 20) -> dict:
        """The first state from now on for which predicate holds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no such state arrived")
            try:
                state = self.states.get(timeout=left)
            except queue.Empty:
                raise TimeoutError("no such state arrived") from None
            if predicate(state):
                return state

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()
        self.thread.join(timeout=5)


@pytest.fixture
def serve(tmp_path):
    """Write test.scene and start a preview server on a free port; stopped at the end."""
    started: list[PreviewServer] = []
    streams: list[EventStream] = []

    def start(text: str, **kw) -> tuple[PreviewServer, Path]:
        path = tmp_path / "test.scene"
        path.write_text(text, encoding="utf-8")
        server = PreviewServer(path, port=0, **kw).start()
        started.append(server)
        return server, path

    def stream(server: PreviewServer) -> EventStream:
        streams.append(EventStream(server.url))
        return streams[-1]

    start.stream = stream  # type: ignore[attr-defined]
    yield start
    for s in streams:
        s.close()
    for server in started:
        server.close()


def test_page_segments_and_update_keep_unchanged_scenes(serve, tmp_path):
    server, path = serve(scene(size="640x360"), long_side=320)
    status, headers, page = get(server.url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"EventSource" in page and b'id="overlay"' in page
    assert server.url.startswith("http://127.0.0.1:")

    events = serve.stream(server)
    first = events.wait(ready)
    assert (first["width"], first["height"], first["full_size"]) == (320, 180, [640, 360])  # reduced size
    assert [(s["name"], s["start"]) for s in first["scenes"]] == [("a", 0.0), ("b", 1.0)]
    assert [(c["name"], c["time"]) for c in first["chapters"]] == [("a", 0.0), ("b", 1.0)]
    assert [(s["start"], s["end"]) for s in first["segments"]] == [(0.0, 1.0), (1.0, 2.0)]

    # Byte ranges, as a browser's <video> asks for them.
    status, headers, body = get(server.url.rstrip("/") + urls(first)["a"], {"Range": "bytes=0-99"})
    assert status == 206 and len(body) == 100 and headers["Content-Range"].startswith("bytes 0-99/")
    video = fetch_video(server, urls(first)["a"], tmp_path)
    assert (video.width, video.height, len(video.frames)) == (320, 180, 15)
    assert close(centre(video.frames[7]), RED)
    assert close(centre(fetch_video(server, urls(first)["b"], tmp_path).frames[7]), BLUE)

    # Change scene b: an event brings the new state; only b is rendered again.
    path.write_text(scene(size="640x360", b=GREEN), encoding="utf-8")
    second = events.wait(lambda s: ready(s) and urls(s)["b"] != urls(first)["b"])
    assert urls(second)["a"] == urls(first)["a"]
    assert close(centre(fetch_video(server, urls(second)["b"], tmp_path).frames[7]), GREEN)
    status, headers, jpeg = get(server.url + "frame?t=1.5")  # the still the page shows while b renders
    frame = skia.Image.MakeFromEncoded(skia.Data.MakeWithCopy(jpeg)).toarray(colorType=skia.kRGBA_8888_ColorType)
    assert headers["Content-Type"] == "image/jpeg" and close(centre(frame), GREEN)

    # Make scene a longer: b only moves on the clock, so it keeps its segment.
    path.write_text(scene(size="640x360", b=GREEN, a_length="2s"), encoding="utf-8")
    third = events.wait(lambda s: ready(s) and urls(s)["a"] != urls(second)["a"])
    assert urls(third)["b"] == urls(second)["b"]
    assert [(s["start"], s["end"]) for s in third["segments"]] == [(0.0, 2.0), (2.0, 3.0)]
    assert len(fetch_video(server, urls(third)["a"], tmp_path).frames) == 30


def test_error_payload_matches_cli_and_clears(serve, tmp_path):
    server, path = serve(scene())
    events = serve.stream(server)
    good = events.wait(ready)

    bad = scene(b_extra="    dot = circle at (50%, 50%) radius 20 fil red\n")
    path.write_text(bad, encoding="utf-8")
    broken = events.wait(lambda s: s["error"] is not None)
    error = broken["error"]
    line = bad.split("\n").index("    dot = circle at (50%, 50%) radius 20 fil red") + 1
    column = bad.split("\n")[line - 1].index("fil red") + 1
    assert (error["line"], error["column"]) == (line, column)
    assert error["file"].endswith("test.scene")
    assert error["source_line"] == "    dot = circle at (50%, 50%) radius 20 fil red"
    assert error["caret"] == " " * (column - 1) + "^~~"
    assert "unknown property 'fil'" in error["message"] and error["hint"] == "did you mean 'fill'?"
    cli = CliRunner().invoke(main, ["check", str(path)])  # the same text the CLI prints
    assert cli.exit_code == 1 and error["text"].strip() in cli.output
    assert urls(broken) == urls(good)  # the last good preview stays

    unclosed = scene().replace("scene b {", "{% if wanted %}\nscene b {")  # a template error
    path.write_text(unclosed, encoding="utf-8")
    template = events.wait(lambda s: s["error"] is not None and s["error"]["message"] != error["message"])
    assert "never closed" in template["error"]["message"]
    assert template["error"]["line"] == unclosed.split("\n").index("{% if wanted %}") + 1

    path.write_text(scene(b=YELLOW), encoding="utf-8")
    fixed = events.wait(lambda s: ready(s) and s["error"] is None)
    assert close(centre(fetch_video(server, urls(fixed)["b"], tmp_path).frames[7]), YELLOW)


def test_deleted_half_written_and_missing_asset(serve, tmp_path):
    server, path = serve(scene())
    events = serve.stream(server)
    events.wait(ready)

    path.unlink()
    gone = events.wait(lambda s: s["error"] is not None)
    assert "not found" in gone["error"]["message"]
    text = scene(b=GREEN)
    path.write_text(text[: text.index("scene b") + 12], encoding="utf-8")  # an editor half way through saving
    events.wait(lambda s: s["error"] is not None and "not found" not in s["error"]["message"])
    path.write_text(text, encoding="utf-8")
    back = events.wait(ready)
    assert close(centre(fetch_video(server, urls(back)["b"], tmp_path).frames[7]), GREEN)

    # An image that is not there yet, in a folder that is not there yet either.
    path.write_text(scene(b_extra='    background image "pictures/yellow.png" fit cover\n'), encoding="utf-8")
    missing = events.wait(lambda s: s["error"] is not None)
    assert "yellow.png" in missing["error"]["message"]
    (tmp_path / "pictures").mkdir()
    pixels = np.zeros((36, 64, 4), np.uint8)
    pixels[:] = (255, 255, 0, 255)
    data = skia.Image.fromarray(pixels, colorType=skia.kRGBA_8888_ColorType).encodeToData(skia.kPNG, 100)
    (tmp_path / "pictures" / "yellow.png").write_bytes(bytes(data))
    shown = events.wait(ready)
    assert close(centre(fetch_video(server, urls(shown)["b"], tmp_path).frames[7]), YELLOW)


def test_many_saves_are_debounced_and_data_file_is_watched(serve, tmp_path):
    data = tmp_path / "vars.yaml"
    data.write_text("second: '#0000FF'\n", encoding="utf-8")
    text = scene().replace("#0000FF", "{{ second }}")
    server, path = serve(text, data=data)
    events = serve.stream(server)
    before = events.wait(ready)

    for i in range(40):  # 40 saves in under half a second
        data.write_text(f"second: '{'#00FF00' if i % 2 else '#FF0000'}'\n", encoding="utf-8")
        time.sleep(0.01)
    data.write_text("second: '#FFFF00'\n", encoding="utf-8")
    final = settle(server)
    assert final["compiles"] - before["compiles"] <= 4, "saves were not grouped"
    assert urls(final)["a"] == urls(before)["a"]
    assert close(centre(fetch_video(server, urls(final)["b"], tmp_path).frames[7]), YELLOW)


def test_two_tabs_and_a_closed_tab(serve):
    server, path = serve(scene())
    one, two = serve.stream(server), serve.stream(server)
    start = one.wait(ready)
    two.wait(ready)
    one.close()  # a tab closed: the server notices on its next write and carries on

    path.write_text(scene(b=GREEN), encoding="utf-8")
    changed = two.wait(lambda s: ready(s) and urls(s)["b"] != urls(start)["b"])
    three = serve.stream(server)  # a tab opened again: gets the current state at once
    assert three.wait(lambda s: True, timeout=5)["version"] >= changed["version"]
    status, _, _ = get(server.url + "state")
    assert status == 200


class WatchProcess:
    """`render watch FILE ARGS…` in a real process: `url` once it is serving;
    `stop()` sends Ctrl-C and returns (exit code, stderr)."""

    def __init__(self, path: Path, *args: str):
        # A test run started in the background inherits SIGINT as ignored; restore the
        # default in the child so Ctrl-C reaches it as it would in a terminal.
        self.proc = subprocess.Popen([sys.executable, "-m", "storyreel", "watch", str(path), "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.first_line = ""

    def __enter__(self) -> "WatchProcess":
        assert select.select([self.proc.stdout], [], [], 30)[0], "no URL printed"
        self.first_line = self.proc.stdout.readline()
        return self

    @property
    def url(self) -> str:
        return self.first_line.split()[1]

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=20)
        return self.proc.returncode, err

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=5)


def test_cli_watch_prints_url_and_stops_on_ctrl_c(tmp_path):
    path = tmp_path / "test.scene"
    path.write_text(scene(), encoding="utf-8")
    with WatchProcess(path) as watch:
        assert watch.first_line.startswith("preview: http://127.0.0.1:")
        status, _, body = get(watch.url)
        assert status == 200 and b"<video" in body
        code, err = watch.stop()
    assert code == 0
    assert "preview stopped" in err and "Traceback" not in err


def test_cli_watch_busy_port(tmp_path):
    path = tmp_path / "test.scene"
    path.write_text(scene(), encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = CliRunner().invoke(main, ["watch", str(path), "--port", str(taken.getsockname()[1])])
    assert result.exit_code == 1 and "cannot listen" in result.output


def test_cli_watch_cache_is_shared_with_render(tmp_path):
    """`render watch --cache DIR` stores its chunks where `render FILE --cache DIR` finds
    them: the same file at the preview's settings renders nothing new."""
    path, folder = tmp_path / "test.scene", tmp_path / "shared"
    path.write_text(scene(size="192x108"), encoding="utf-8")  # below the preview's size: rendered as is
    with WatchProcess(path, "--cache", str(folder), "--cache-size", "100MB") as watch:
        deadline = time.monotonic() + 30
        while not ready(json.loads(get(watch.url + "state")[2])):
            assert time.monotonic() < deadline, "the preview never got ready"
            time.sleep(0.1)
        code, err = watch.stop()
    assert code == 0 and "Traceback" not in err
    entries = sorted(p.name for p in folder.iterdir())
    assert len(entries) == 4 and {Path(e).suffix for e in entries} == {".mp4", ".json"}  # two scenes' chunks

    result = CliRunner().invoke(main, [str(path), "-o", str(tmp_path / "out.mp4"), "--quality", "draft",
                                       "--encoder", "libx264", "--cache", str(folder), "--no-extras"])
    assert result.exit_code == 0, result.output
    assert "cache: 2 chunk(s) reused, 0 rendered" in result.output
    assert sorted(p.name for p in folder.iterdir()) == entries  # nothing new
    video = decode(tmp_path / "out.mp4")
    assert len(video.frames) == 30 and close(centre(video.frames[7]), RED) and close(centre(video.frames[22]), BLUE)

    bad = CliRunner().invoke(main, ["watch", str(path), "--cache-size", "abc"])
    assert bad.exit_code == 2 and "'abc' is not a size" in bad.output and "Traceback" not in bad.output


def test_watch_cache_defaults_to_the_user_cache_and_outlives_the_server(serve, tmp_path, monkeypatch):
    monkeypatch.setenv("STORYREEL_CACHE", str(tmp_path / "user-cache"))
    server, _ = serve(scene())
    assert server.wait_for(ready, 30) is not None
    server.close()
    chunks = list((tmp_path / "user-cache" / "segments").glob("*.mp4"))
    assert len(chunks) == 2 and not server.work_dir.exists()


VIDEO_PIXEL = """(() => {
    const v = preview.video;
    if (!v || v.readyState < 2 || !v.videoWidth) return null;
    const c = document.createElement("canvas");
    c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext("2d");
    g.drawImage(v, 0, 0);
    return Array.from(g.getImageData(c.width / 2, c.height / 2, 1, 1).data);
})()"""


def wait_for_pixel(page, colour, timeout=15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pixel = page.eval(VIDEO_PIXEL)
        if pixel and close(pixel, colour, tol=20):
            return
        time.sleep(0.1)
    raise AssertionError(f"the video never showed {colour}; last pixel {pixel}")


def test_page_in_headless_chromium(serve, tmp_path):
    if find_chromium() is None:
        pytest.skip("Chromium is not installed: `bash scripts/setup.sh test` installs Debian's chromium "
                    "with apt, which was not possible on this machine")
    server, path = serve(scene())
    with Chromium() as browser:
        page = browser.open(server.url)
        page.wait("window.preview && preview.state && preview.state.ready === 2")
        assert page.eval("document.querySelectorAll('#scenes button').length") == 2
        assert page.eval("document.querySelectorAll('#track .marker').length") == 2

        # It plays: the playhead and the video's clock move.
        page.eval("preview.play()")
        page.wait("preview.video.currentTime > 0.3 && !preview.video.paused && preview.time > 0.3")
        page.eval("document.getElementById('play').click()")  # pause
        page.eval("document.querySelectorAll('#scenes button')[1].click()")  # jump to scene b
        page.wait("Math.abs(preview.time - 1.0) < 0.01")
        wait_for_pixel(page, BLUE)
        page.eval("preview.seek(1.5)")
        wait_for_pixel(page, BLUE)

        # A mistake: the overlay shows the CLI's text over the last good frame.
        path.write_text(scene(b_extra="    dot = circle radius 20 fil red\n"), encoding="utf-8")
        text = page.wait("!document.getElementById('overlay').hidden && document.getElementById('error').textContent")
        assert "test.scene:" in text and "error: unknown property 'fil'" in text and "^~~" in text
        wait_for_pixel(page, BLUE)
        page.screenshot(tmp_path / "overlay.png")

        # Fixed, with a new colour: the overlay goes, the playhead stays, the new frames show.
        path.write_text(scene(b=GREEN), encoding="utf-8")
        page.wait("document.getElementById('overlay').hidden")
        wait_for_pixel(page, GREEN)
        assert abs(page.eval("preview.time") - 1.5) < 0.01
        assert page.eval("location.hash") == "#t=1.50"
