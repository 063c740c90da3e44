"""Paid speech providers (issue 14): the characters and seconds each provider is
sent and says are counted per render, priced, and held to a budget that stops the
render with a located error *before* a request would pass it.

The paid provider is a fake cloud service on 127.0.0.1 speaking a small real
HTTP protocol (a JSON POST with a bearer token; the answer carries the audio as
a base64 WAV and the word times), so "nothing was spent" is checked where the
money would go: the server's log of requests."""
from __future__ import annotations

import base64
import io
import json
import threading
import urllib.request
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from click.testing import CliRunner

from helpers import scene_text
from storyreel.cli import main
from storyreel.dsl import CompileOptions, load_scene
from storyreel.dsl.errors import SceneError
from storyreel.engine import speech
from storyreel.engine.speech import Speech, WordTiming

PRICE = 16e-6  # US dollars a character: $16 a million, a neural cloud voice's list price
TOKEN = "test-token"
RATE = 24000
FIRST = "One little star is shining."  # 27 characters
SECOND = "Two little stars are shining."  # 29 characters
THIRD = "Three little stars are shining."  # 31 characters


class CloudService(ThreadingHTTPServer):
    """The fake paid service: POST /v1/speak {"text", "wpm"} -> {"wav": base64, "words": [[w, s, e], …]}."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[str] = []  # the texts it was asked to say (what it would bill)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/speak"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        if self.path != "/v1/speak" or self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_error(401)
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body["text"])
        words = body["text"].split()
        per_word = 60.0 / float(body["wpm"])
        t = np.arange(int(RATE * per_word * len(words))) / RATE
        pcm = (0.3 * np.sin(2 * np.pi * 200 * t) * 32767).astype("<i2")
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(pcm.tobytes())
        answer = json.dumps({"wav": base64.b64encode(buf.getvalue()).decode("ascii"),
                             "words": [[word, i * per_word, (i + 1) * per_word] for i, word in enumerate(words)]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer.encode("utf-8"))

    def log_message(self, *args):  # quiet
        pass


class CloudProvider:
    """A paid provider as a user would add one: it says what it costs per character."""

    name = "cloud"
    price_per_character = PRICE

    def __init__(self, url: str):
        self.url = url

    def version(self) -> str:
        return "cloud 1"

    def synthesize(self, text, voice, prosody) -> Speech:
        request = urllib.request.Request(self.url, json.dumps({"text": text, "wpm": prosody.rate_wpm}).encode("utf-8"),
                                         {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        with wave.open(io.BytesIO(base64.b64decode(answer["wav"]))) as w:
            samples = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32767
            rate = w.getframerate()
        return Speech(samples, tuple(WordTiming(*word) for word in answer["words"]), sample_rate=rate)


@pytest.fixture
def cloud(tmp_path, monkeypatch):
    """The service running, the provider registered, a cache of this test's own."""
    service = CloudService()
    thread = threading.Thread(target=service.serve_forever, daemon=True)
    thread.start()
    speech.register_provider("cloud", lambda: CloudProvider(service.url), "a paid cloud voice (test)")
    monkeypatch.setenv("STORYREEL_CACHE", str(tmp_path / "cache"))
    speech.reset_usage()
    yield service
    speech.unregister_provider("cloud")
    speech.reset_usage()
    service.shutdown()
    service.server_close()
    thread.join(5)


def write(tmp_path, settings: str, lines=(FIRST, SECOND)):
    says = "\n".join(f'    narrator says "{line}"' for line in lines)
    path = tmp_path / "paid.scene"
    path.write_text(scene_text(f"scene a {{\n    background solid #FFF4D6\n{says}\n    wait 0.2s\n}}\n",
                               f"size 160x90\nfps 10\nmusic off\nspeech cloud\n{settings}"), encoding="utf-8")
    return path


def test_the_budget_stops_before_the_request_that_would_pass_it(tmp_path, cloud):
    path = write(tmp_path, "speech budget 0.0006")  # the first line costs $0.000432, both $0.000896
    with pytest.raises(SceneError) as err:
        load_scene(path, None, CompileOptions())
    assert cloud.requests == [FIRST]  # the second line was never sent: nothing past the budget was spent
    e = err.value
    assert e.span.line == 12  # the second `says`
    assert e.message == ("speech budget: saying this line with 'cloud' costs $0.0005 (29 characters), "
                         "but only $0.0002 of the $0.0006 budget is left ($0.0004 spent)")
    assert "speech budget" in e.hint and "cache" in e.hint
    # The same budget from the environment, for a video that sets none.
    cloud.requests.clear()
    monkey = pytest.MonkeyPatch()
    try:
        monkey.setenv(speech.BUDGET_ENV, "0.0001")
        with pytest.raises(SceneError, match=r"costs \$0.0005 \(31 characters\), but only \$0.0001"):
            load_scene(write(tmp_path, "", lines=(THIRD,)), None, CompileOptions())
        assert cloud.requests == []
    finally:
        monkey.undo()


def test_a_render_counts_characters_and_cost_and_a_rerender_spends_nothing(tmp_path, cloud):
    path = write(tmp_path, "speech budget 0.50")
    out = tmp_path / "paid.mp4"
    result = CliRunner().invoke(main, [str(path), "-o", str(out), "--quality", "draft"])
    assert result.exit_code == 0, result.output
    assert cloud.requests == [FIRST, SECOND]
    characters = len(FIRST) + len(SECOND)
    assert (f"cloud 2 lines (2 synthesised, 0 cached" in result.output
            and f"{characters} characters, $0.0009" in result.output
            and "spent $0.0009 of a $0.50 budget" in result.output), result.output
    report = json.loads(out.with_suffix(".json").read_text())["speech"]
    paid = report["providers"]["cloud"]
    assert paid["lines"] == 2 and paid["characters"] == characters
    assert paid["cost"] == pytest.approx(characters * PRICE) and paid["spent"] == pytest.approx(characters * PRICE)
    assert paid["seconds"] > 0
    assert report["order"] == ["cloud"]
    assert report["budget"] == {"limit": 0.5, "cost": pytest.approx(characters * PRICE),
                                "spent": pytest.approx(characters * PRICE), "currency": "USD"}
    # Again: every line comes from the cache, nothing is sent, nothing spent; the lines still cost what they cost.
    speech.reset_usage()
    result = CliRunner().invoke(main, [str(path), "-o", str(out), "--quality", "draft"])
    assert result.exit_code == 0, result.output
    assert cloud.requests == [FIRST, SECOND]
    report = json.loads(out.with_suffix(".json").read_text())["speech"]
    assert report["providers"]["cloud"]["cache_hits"] == 2 and report["budget"]["spent"] == 0
    assert report["budget"]["cost"] == pytest.approx(characters * PRICE)


def test_free_providers_cost_nothing_and_report_their_characters(tmp_path, monkeypatch):
    monkeypatch.setenv(speech.BUDGET_ENV, "0")  # a budget of nothing: the free voices still speak
    path = tmp_path / "free.scene"
    path.write_text(scene_text('scene a {\n    background solid white\n    narrator says "Free as a bird."\n}\n',
                               "size 160x90\nfps 10\nmusic off"), encoding="utf-8")
    timeline = load_scene(path, None, CompileOptions()).timeline
    report = speech.speech_report(timeline.audio)
    assert report["providers"]["hibari"]["characters"] == len("Free as a bird.")
    assert "cost" not in report["providers"]["hibari"]


@pytest.mark.parametrize("setting, message, column", [
    ("speech budget -1", "speech budget must be between 0 and 10000 US dollars, got -1", 19),
    ("speech budget lots", "expected a speech budget in US dollars", 19),
    ("speech budget", "missing a speech budget", 18),
])
def test_budget_errors_are_located(tmp_path, setting, message, column):
    path = tmp_path / "bad.scene"
    path.write_text(scene_text("scene a {\n    wait 1s\n}\n", setting), encoding="utf-8")
    with pytest.raises(SceneError) as err:
        load_scene(path, None, CompileOptions())
    assert message in err.value.message
    assert (err.value.span.line, err.value.span.column) == (2, column)


def test_a_bad_budget_in_the_environment_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(speech.BUDGET_ENV, "lots")
    path = tmp_path / "env.scene"
    path.write_text(scene_text('scene a {\n    narrator says "Hi."\n}\n', "size 160x90"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert "$STORYREEL_SPEECH_BUDGET is 'lots', not an amount" in result.output
    assert "Traceback" not in result.output
