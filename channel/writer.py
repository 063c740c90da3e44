"""Script writers: what Luna and Sunny say in a channel's storybook episodes.

A writer is a provider behind one interface, as speech is: `factory(options) -> writer`,
the writer has `name` and `write(request) -> Script`. Two are built in, and another
package adds its own under the `storyreel.script_writers` entry point (engine/plugins.py):

- `builtin` (the default; offline, deterministic): lines from channel/scripts.yaml, chosen
  by the episode number, with the hosts' personalities and a question to the viewer with a
  pause to answer on every fact page;
- `openai`: any OpenAI-compatible chat-completions endpoint the channel configures
  (`writer: {provider: openai, endpoint, model, key_file, daily_requests}`).

`write_script` is what the channel calls: a provider's script must pass the same content
checks as the built-in one (channel/vocabulary.py: the age's words, its sentence length);
one that fails them, fails to answer, or would spend more than the day's budget is
refused and the built-in writer writes the episode instead (each logged).
"""
from __future__ import annotations

import functools
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import yaml

from ..dsl.errors import Location
from ..engine.plugins import SCRIPT_WRITERS_GROUP, Registry
from .vocabulary import Finding, check_text

BANK_FILE = Path(__file__).with_name("scripts.yaml")
HOSTS = ("luna", "sunny")
SPEAKERS = ("narrator", *HOSTS)
ANSWER_PAUSE = {2: 2.5, 3: 2.2, 4: 2.0, 5: 1.8}  # seconds for the viewer to answer, on top of the page's pause


class WriterError(Exception):
    """A provider that did not give a usable script (unreachable, refused, malformed)."""


@dataclass(frozen=True)
class ScriptRequest:
    objective: str  # its id in the curriculum
    title: str
    topic: str
    age: int
    number: int  # the episode number: the same number, the same script
    facts: tuple[str, ...] = ()  # the curriculum's own pages for the objective
    words: frozenset[str] = frozenset()  # the objective's own words, allowed at any age


@dataclass
class Script:
    title: str
    pages: list[dict[str, Any]]  # storybook pages: {text, lines: [{who, text, mood}], background, seed}
    writer: str
    findings: list[Finding] = field(default_factory=list)

    def lines(self) -> list[dict[str, str]]:
        return [line for page in self.pages for line in page["lines"]]


class ScriptWriter(Protocol):
    name: str

    def write(self, request: ScriptRequest) -> Script: ...


@functools.lru_cache(maxsize=None)
def content_bank() -> dict[str, Any]:
    return yaml.safe_load(BANK_FILE.read_text(encoding="utf-8"))


TOPIC_WORDS = {"colours": ("colour", "color"), "shapes": ("shape",), "numbers": ("number", "count"),
               "letters": ("letter", "sound", "word"), "feelings": ("feeling", "feel"), "seasons": ("season",),
               "opposites": ("opposite",)}  # what an episode of the topic names what it teaches


def objective_words(objective: str, topic: str = "") -> frozenset[str]:
    """An objective's own words (its facts' too, its topic's name): allowed in its episodes at any age."""
    entry = content_bank()["objectives"].get(objective, {})
    words = set(entry.get("words", [])) | set(TOPIC_WORDS.get(topic, ()))
    for fact in entry.get("facts", []):
        words |= set(fact.get("words", []))
    return frozenset(w.lower() for w in words)


class BuiltinWriter:
    """Deterministic lines from the content bank (offline; the channel's fallback)."""

    name = "builtin"

    def __init__(self, options: dict[str, Any] | None = None):
        self.bank = content_bank()

    def write(self, request: ScriptRequest) -> Script:
        bank, n = self.bank, request.number
        luna, sunny = bank["luna"], bank["sunny"]
        entry = bank["objectives"].get(request.objective)
        facts = entry["facts"] if entry else [{"say": f} for f in request.facts]
        setting = entry.get("setting") if entry else None
        count = min(len(facts), bank["facts_per_age"][request.age])
        start = n % len(facts)  # which facts, rotated by the episode number
        chosen = [facts[(start + i) % len(facts)] for i in range(count)]

        def pick(options: list[str], k: int) -> str:
            return options[(n + k) % len(options)]

        pages = [_page(pick(luna["open"], 0), [("luna", pick(luna["open"], 0), luna["mood"]),
                                               ("sunny", pick(sunny["open"], 1), sunny["mood"])], setting)]
        for i, fact in enumerate(chosen):
            lines = [("narrator", fact["say"], "happy"),
                     ("luna", fact.get("ask") or pick(luna["ask"], i), luna["mood"])]
            if fact.get("answer"):
                lines.append(("sunny", fact["answer"], sunny["mood"]))
            lines.append(("sunny", pick(sunny["cheer"], i + 2), sunny["mood"]))
            page = _page(fact["say"], lines, setting, 1, ANSWER_PAUSE[request.age])
            if fact.get("prop"):
                page["stage"] = _stage(fact["prop"])
            pages.append(page)
        pages.append(_page(pick(luna["close"], 3), [("luna", pick(luna["close"], 3), luna["mood"]),
                                                    ("sunny", pick(sunny["close"], 4), sunny["mood"])], setting))
        return Script(request.title, pages, self.name)


def _page(text: str, lines: list[tuple[str, str, str]], setting: str | None, pause_after: int | None = None,
          answer_pause: float = 0.0) -> dict:
    page: dict[str, Any] = {"text": text, "lines": [{"who": w, "text": t, "mood": m} for w, t, m in lines]}
    if pause_after is not None:
        page["lines"][pause_after]["pause"] = answer_pause  # the viewer answers Luna's question here
    if setting:
        page["background"] = setting
    return page


def _stage(prop: str) -> dict[str, Any]:
    """Luna and Sunny facing each other with the fact's thing between them (storybook's `stage`)."""
    actors = [{"name": host, "character": host, "act": "", "verb": "", "expression": "happy", "toward": "",
               "gestures": ["wave", "jump", "nod", "clap", "point"], "facing": facing}
              for host, facing in zip(HOSTS, ("right", "left"))]
    return {"actors": actors, "prop": prop, "camera": "push", "key": prop}


_SYSTEM = """You write scripts for a children's video channel for {age}-year-olds.
Hosts: Luna (curious and gentle: she wonders aloud and asks the viewer questions) and
Sunny (bouncy and funny: he jumps in, answers, makes small jokes). A narrator says the facts.
Use only words a {age}-year-old knows; at most {limit} words in a sentence.
Every fact page ends with a question to the viewer.
Answer with JSON only: {{"title": str, "pages": [{{"lines": [{{"who": "narrator"|"luna"|"sunny", "text": str}}]}}]}}
with {pages} pages."""


class ChatWriter:
    """An OpenAI-compatible chat-completions endpoint (`POST {endpoint}/chat/completions`)."""

    name = "openai"

    def __init__(self, options: dict[str, Any]):
        self.endpoint = str(options.get("endpoint") or "").rstrip("/")
        if not self.endpoint:
            raise WriterError("the openai writer needs an endpoint")
        self.model = str(options.get("model") or "gpt-4o-mini")
        self.timeout = float(options.get("timeout_s") or 60)
        self.key = ""
        if options.get("key_file"):
            self.key = Path(options["key_file"]).read_text(encoding="utf-8").strip()

    def write(self, request: ScriptRequest) -> Script:
        from .vocabulary import sentence_limit

        pages = 2 + content_bank()["facts_per_age"][request.age]
        body = {"model": self.model, "temperature": 0, "seed": request.number,
                "response_format": {"type": "json_object"},
                "messages": [{"role": "system", "content": _SYSTEM.format(age=request.age, pages=pages,
                                                                          limit=sentence_limit(request.age))},
                             {"role": "user", "content": f"Episode: {request.title} ({request.topic}). "
                                                         f"Facts to teach: {' '.join(request.facts)}"}]}
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        req = urllib.request.Request(f"{self.endpoint}/chat/completions", json.dumps(body).encode(), headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                answer = json.loads(response.read())
            content = answer["choices"][0]["message"]["content"]
        except urllib.error.HTTPError as err:
            raise WriterError(f"{self.endpoint} answered {err.code} {err.reason}") from None
        except (urllib.error.URLError, OSError) as err:
            raise WriterError(f"{self.endpoint} cannot be reached: {getattr(err, 'reason', err)}") from None
        except (ValueError, KeyError, IndexError, TypeError) as err:
            raise WriterError(f"{self.endpoint} did not answer as chat completions do: {err}") from None
        return Script(*_parse_script(content, request.title), self.name)


def _parse_script(content: str, title: str) -> tuple[str, list[dict]]:
    text = content.strip().removeprefix("```json").removeprefix("```").removesuffix("```")
    try:
        data = json.loads(text)
        pages = []
        for page in data["pages"]:
            lines = [{"who": str(line["who"]).lower(), "text": str(line["text"]).strip()} for line in page["lines"]]
            if not lines or any(line["who"] not in SPEAKERS or not line["text"] for line in lines):
                raise ValueError("a page without lines, or a line by someone not in the show")
            pages.append({"text": lines[0]["text"], "lines": lines})
    except (ValueError, KeyError, TypeError) as err:
        raise WriterError(f"the script is not the JSON asked for: {err}") from None
    if not pages:
        raise WriterError("the script has no pages")
    return str(data.get("title") or title), pages


WRITERS: Registry[Callable[[dict], ScriptWriter]] = Registry(
    SCRIPT_WRITERS_GROUP, {"builtin": BuiltinWriter, "openai": ChatWriter})


def script_yaml(script: Script) -> tuple[str, list[tuple[int, int, str]]]:
    """The script as YAML the user can read, and where each line's words are in it
    (line, column, text), so that a finding points into the file."""
    out = [f"# written by the {script.writer} script writer", f"title: {json.dumps(script.title)}", "pages:"]
    spans = []
    for page in script.pages:
        out.append(f"  - background: {page.get('background', 'default')}")
        out.append("    lines:")
        for line in page["lines"]:
            prefix = f"      - {{who: {line['who']}, text: "
            spans.append((len(out) + 1, len(prefix) + 2, line["text"]))  # +2: past the opening quote
            out.append(f"{prefix}{json.dumps(line['text'])}}}")
    return "\n".join(out) + "\n", spans


def check_script(script: Script, request: ScriptRequest, path: Path) -> list[Finding]:
    """Every line against the age's words and sentence length, located in `path` (written here)."""
    text, spans = script_yaml(script)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    source = text.splitlines()
    allowed = request.words | objective_words(request.objective, request.topic)
    findings = []
    for line, column, words in spans:
        findings += check_text(words, request.age, Location(str(path), line, column, source[line - 1]), allowed)
    return findings


def write_script(request: ScriptRequest, options: dict[str, Any], folder: Path,
                 spend: Callable[[], bool] = lambda: True,
                 log: Callable[..., None] = lambda event, **info: None) -> Script:
    """The episode's script by the configured provider, checked; the built-in writer's when
    the provider fails, is over budget (`spend()` False) or writes words outside the age."""
    provider = str(options.get("provider") or "builtin")
    if provider != "builtin":
        try:
            if not spend():
                raise WriterError(f"the day's budget of {options.get('daily_requests')} requests is spent")
            script = WRITERS[provider](options).write(request)
            findings = check_script(script, request, folder / "script.rejected.yaml")
            if not findings:
                (folder / "script.rejected.yaml").rename(folder / "script.yaml")
                return script
            log("script-rejected", writer=provider, findings=len(findings),
                first=[f.format() for f in findings[:3]])
        except (WriterError, OSError, KeyError) as err:
            log("writer-failed", writer=provider, error=str(err))
    script = BuiltinWriter().write(request)
    script.findings = check_script(script, request, folder / "script.yaml")
    if script.findings:
        log("vocabulary", writer="builtin", findings=len(script.findings), first=[f.format() for f in script.findings[:3]])
    return script
