"""Script writers: Luna and Sunny's built-in lines pass the age's word list and sentence
length for every storybook objective; an OpenAI-compatible provider (a local server that
speaks chat completions) writes an episode when its words pass, and is refused, with the
findings located in its script, when they do not; failover on errors and on the budget."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from storyreel.channel.config import init_channel, load_channel
from storyreel.channel.curriculum import load_curriculum
from storyreel.channel.runner import ChannelRunner
from storyreel.channel.vocabulary import check_scene, check_text
from storyreel.channel.writer import ANSWER_PAUSE, WRITERS, BuiltinWriter, Script, ScriptRequest, check_script, write_script
from storyreel.dsl import SceneError
from storyreel.dsl.errors import Location


def _request(objective="animals-farm", age=2, number=3):
    o = next(o for o in load_curriculum() if o.id == objective)
    return ScriptRequest(o.id, o.title, o.topic, age, number, tuple(o.params["pages"]))


def test_builtin_scripts_are_written_for_each_age(tmp_path):
    storybook = [o for o in load_curriculum() if o.template == "storybook"]
    assert len(storybook) >= 10
    for o in storybook:
        for age in o.ages:
            for number in (1, 2, 3):
                request = ScriptRequest(o.id, o.title, o.topic, age, number)
                script = BuiltinWriter().write(request)
                assert check_script(script, request, tmp_path / "s.yaml") == [], (o.id, age, number)
                who = [line["who"] for line in script.lines()]
                assert who[:2] == ["luna", "sunny"] and "narrator" in who
                asks = [line for line in script.lines() if line.get("pause")]
                assert len(asks) == len(script.pages) - 2 and all(a["who"] == "luna" for a in asks)
    one, again, other = (BuiltinWriter().write(_request(number=n)) for n in (3, 3, 4))
    assert one.pages == again.pages and one.pages != other.pages  # deterministic, and varied by episode


def test_a_word_outside_the_age_is_a_located_warning():
    line = '    luna says "The hippopotamus is enormous." gently'
    findings = check_scene(None, f'video "x" {{\n}}\nscene a {{\n{line}\n}}\n', 2, display="ep.scene")
    text = "\n".join(f.format() for f in findings)
    assert "ep.scene:4:20: warning: 'hippopotamus' is not a word a 2-year-old knows" in text
    assert "^~~~~~~~~~~~" in text and "hint:" in text
    long = check_text("Luna and Sunny walk to the big red house by the tree.", 3, Location("s.yaml", 1, 1, ""))
    assert [f.message for f in long] == ["a sentence of 12 words is long for age 3 (at most 8)"]
    assert check_text("Luna and Sunny walk to the big red house by the tree.", 5, Location("s", 1, 1)) == []


class _ChatServer:
    """A local OpenAI-compatible chat-completions endpoint that answers `content`."""

    def __init__(self, content, status=200):
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((self.path, dict(self.headers), body))
                answer = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                                     "choices": [{"index": 0, "finish_reason": "stop",
                                                  "message": {"role": "assistant", "content": content}}],
                                     "usage": {"prompt_tokens": 90, "completion_tokens": 60, "total_tokens": 150}})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _script(*lines):
    return json.dumps({"title": "On the farm", "pages": [{"lines": [{"who": w, "text": t}]} for w, t in lines]})


@pytest.fixture
def chat():
    servers = []

    def start(content, status=200):
        servers.append(_ChatServer(content, status))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def test_a_chat_provider_writes_the_episode_when_its_words_pass(tmp_path, chat):
    server = chat(_script(("luna", "Hello! Look at the cow."), ("narrator", "The cow says moo!"),
                          ("sunny", "Moo! Moo! Ha ha!")))
    (tmp_path / "key.txt").write_text("sk-test\n")
    events = []
    script = write_script(_request(), {"provider": "openai", "endpoint": server.url, "model": "tiny",
                                       "key_file": str(tmp_path / "key.txt")}, tmp_path,
                          log=lambda e, **i: events.append(e))
    assert script.writer == "openai" and events == []
    assert [line["text"] for line in script.lines()][1] == "The cow says moo!"
    path, headers, body = server.requests[0]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer sk-test"
    assert body["model"] == "tiny" and body["messages"][0]["role"] == "system" and "2-year-olds" in body["messages"][0]["content"]
    assert "written by the openai" in (tmp_path / "script.yaml").read_text()


def test_a_chat_script_with_hard_words_is_refused_and_the_builtin_writes(tmp_path, chat):
    server = chat(_script(("narrator", "The bovine vocalises melodiously."), ("luna", "Moo!")))
    events = []
    script = write_script(_request(), {"provider": "openai", "endpoint": server.url}, tmp_path,
                          log=lambda e, **i: events.append((e, i)))
    assert script.writer == "builtin" and check_script(script, _request(), tmp_path / "again.yaml") == []
    (event, info), = events
    assert event == "script-rejected" and info["findings"] == 3
    assert f"{tmp_path / 'script.rejected.yaml'}:6:36: warning: 'bovine' is not a word a 2-year-old knows" in info["first"][0]


@pytest.mark.parametrize("content,status,error", [
    ("not json at all", 200, "not the JSON asked for"),
    (_script(("dragon", "Roar!")), 200, "not the JSON asked for"),
    ("", 500, "answered 500"),
])
def test_a_failing_provider_fails_over_to_the_builtin_writer(tmp_path, chat, content, status, error):
    server = chat(content, status)
    events = []
    script = write_script(_request(), {"provider": "openai", "endpoint": server.url}, tmp_path,
                          log=lambda e, **i: events.append((e, i)))
    assert script.writer == "builtin"
    assert events[0][0] == "writer-failed" and error in events[0][1]["error"]


def test_the_daily_budget_and_an_unreachable_endpoint_fail_over(tmp_path, chat):
    server = chat(_script(("luna", "Hello! Look at the cow.")))
    folder = tmp_path / "ch"
    init_channel(folder)
    path = folder / "channel.yaml"
    path.write_text(path.read_text().replace("  provider: builtin\n", f"  provider: openai\n  endpoint: \"{server.url}\"\n"
                                                                      "  daily_requests: 1\n"))
    runner = ChannelRunner(load_channel(folder), clock=lambda: 1_765_000_000.0)
    farm = next(e for e in runner.planner.plan(40) if e.template == "storybook" and e.age <= 3)
    assert runner.written_params(farm)["pages"][0]["lines"][0]["text"] == "Hello! Look at the cow."
    runner.written_params(farm)  # over today's budget: the built-in writer, and no request
    assert len(server.requests) == 1
    log = [json.loads(line) for line in (folder / "channel.log.jsonl").read_text().splitlines()]
    assert log[-1]["event"] == "writer-failed" and "budget of 1 requests is spent" in log[-1]["error"]

    script = write_script(_request(), {"provider": "openai", "endpoint": "http://127.0.0.1:9/v1", "timeout_s": 2},
                          tmp_path, log=lambda e, **i: None)
    assert script.writer == "builtin"


def test_another_packages_writer_is_a_registered_provider(tmp_path):
    class Echo:
        name = "echo"

        def __init__(self, options):
            pass

        def write(self, request):
            return Script(request.title, [{"text": "Moo!", "lines": [{"who": "sunny", "text": "Moo! Moo!"}]}], "echo")

    WRITERS.register("echo", Echo)
    try:
        folder = tmp_path / "ch"
        init_channel(folder)
        path = folder / "channel.yaml"
        path.write_text(path.read_text().replace("  provider: builtin", "  provider: echo"))
        assert load_channel(folder).writer["provider"] == "echo"
        assert write_script(_request(), {"provider": "echo"}, tmp_path).writer == "echo"
        path.write_text(path.read_text().replace("  provider: echo", "  provider: opnai"))
        with pytest.raises(SceneError) as err:
            load_channel(folder)
        assert "unknown script writer 'opnai'" in err.value.format() and "did you mean 'openai'" in err.value.format()
    finally:
        WRITERS.unregister("echo")


def test_a_storybook_episode_is_rendered_from_its_written_script(tmp_path):
    folder = tmp_path / "ch"
    init_channel(folder)
    runner = ChannelRunner(load_channel(folder), clock=lambda: 1_765_000_000.0)
    book = next(e for e in runner.planner.plan(60) if e.template == "storybook")
    spec = runner.spec_for(book)
    scene = open(spec["source"]).read()
    script = (folder / "episodes" / f"{book.slot:05d}-{book.objective}" / "script.yaml").read_text()
    assert "written by the builtin script writer" in script
    ask = next(line for line in scene.splitlines() if line.strip().startswith('luna says "Can you say it'))
    after = scene.splitlines()[scene.splitlines().index(ask) + 1:][:4]
    assert f"    wait {ANSWER_PAUSE[book.age]}s" in after  # the viewer's turn to answer
    assert "scene brand_intro" in scene and "scene brand_outro" in scene
    log = (folder / "channel.log.jsonl").read_text() if (folder / "channel.log.jsonl").exists() else ""
    assert '"writer-failed"' not in log and '"script-rejected"' not in log
