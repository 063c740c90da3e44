"""channel.yaml: what a channel is, read and checked field by field.

Every mistake is a `SceneError` located at its line and column in channel.yaml
(`channel.yaml:7:9: error: …`, the line, a caret and a hint), the same form the
language's errors take, so `render channel …` prints it and exits 1.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..dsl.errors import Location, SceneError
from ..diagnostics import closest

CONFIG_FILE = "channel.yaml"
TOPICS = ("letters", "numbers", "colours", "shapes", "feelings", "opposites", "animals", "seasons")
AGES = (2, 3, 4, 5)
LENGTHS = ("short", "episode")
PUBLISHER_KINDS = ("folder", "youtube", "webhook")
WEIGHT_BOUNDS = (0.1, 5.0)

DEFAULT_CHANNEL = """\
# channel.yaml: one children's channel that plans, makes, checks and publishes itself.
# `render channel plan DIR --next 24` shows what it would make; `render channel run DIR --once`
# makes and publishes one episode. Every field is checked: a mistake is reported at its line.

# The channel's name: shown in titles and in the metadata of every episode.
name: "Luna and Sunny's Playroom"

# The viewers' ages (2 to 5). Episodes take turns between them; an objective is taught
# only to the ages the curriculum gives it (channel/curriculum.yaml).
ages: [2, 3, 4]

# Topics and their weights: how often each comes up relative to the others (0.1 to 5).
# Leave a topic out, or set it to 0, to not teach it. Imported metrics move these
# weights within 0.1..5 (`render channel metrics import FILE`); no objective is dropped.
topics:
  letters: 1.0     # letters and their sounds (ages 3+)
  numbers: 1.0     # numbers 1-20 and counting
  colours: 1.0
  shapes: 1.0
  feelings: 1.0    # feelings and kindness
  opposites: 0.6   # big and small, up and down, ... (ages 3+)
  animals: 0.8     # animals and their sounds
  seasons: 0.6     # days, weather and seasons (ages 3+)

# How often an episode is published (30m, 1h, 2h, 1d), from `start` (HH:MM, local time).
# `buffer`: how many episodes `render channel run` keeps made ahead of the schedule.
cadence:
  every: 1h
  start: "07:00"
  buffer: 2

# The episode length per age: short (30-120 s) or episode (a full one, 4-6 min at
# age 2 ... 10-15 min at age 5; the templates pace it for the age).
length:
  2: short
  3: short
  4: short

# Where episodes go (engine/publish/platforms.yaml names): youtube, shorts, tiktok, reels,
# instagram, facebook, vimeo. Every episode is checked for each before it is published.
platforms: [youtube]

# How episodes are published, in order. folder: an outbox per platform (video, captions,
# thumbnail, metadata JSON with the made-for-children flag). youtube: the YouTube Data API
# resumable upload; credentials is an OAuth token file you provide (see docs/CHANNEL.md).
# webhook: a POST of the metadata JSON, signed with the key in `secret` (made if missing).
publishers:
  - folder: {outbox: outbox}
  # - youtube: {credentials: youtube-token.json, privacy: private}
  # - webhook: {url: "https://example.org/hook", secret: webhook-secret}

# The look: colours (hex; the first is the cards' background, the second their letters),
# and the intro and outro put before and after every episode: builtin (the channel's name
# on its colours, with a chime; a goodbye card), "" for none, or a .scene file in this
# folder holding `scene NAME { ... }` blocks ({{ name }} and {{ colours[0] }} are filled in).
brand:
  colours: ["#FFD93D", "#3A2E5C"]
  intro: builtin
  outro: builtin

# Who writes the words of storybook episodes (opposites, animals, seasons, numbers 11-20).
# builtin: Luna and Sunny's own lines (channel/scripts.yaml), offline, the same every run.
# openai: any OpenAI-compatible chat-completions endpoint (endpoint: its base URL, model,
# key_file: a file holding the API key, daily_requests: the most calls a day). A script it
# writes must pass the same checks (words a child of the age knows, short sentences) or the
# built-in writer writes the episode instead.
writer:
  provider: builtin
  # endpoint: "http://localhost:11434/v1"
  # model: llama3.1
  # key_file: openai-key.txt
  # daily_requests: 50

# The language of titles, descriptions and captions (a BCP 47 tag), and the time zone
# the schedule and the seasons follow (an IANA name: Europe/London, America/Chicago, UTC).
language: en
timezone: UTC

# The seasonal calendar: hemisphere decides which months are winter. Holidays are off
# unless listed: days the whole world marks are built in (world_days: true); add your own
# as {name, date: MM-DD, topic}.
calendar:
  hemisphere: north
  world_days: true
  holidays: []

# What is rendered: size WIDTHxHEIGHT (empty: the platform's), frames per second,
# quality (draft, standard, high), and the seed every plan starts from (same seed,
# same plan).
render:
  size: ""
  fps: 30
  quality: standard
seed: 1
"""


@dataclass
class Publisher:
    kind: str
    options: dict[str, Any]
    line: int = 0


@dataclass
class Channel:
    folder: Path
    name: str
    ages: list[int]
    topics: dict[str, float]
    every_s: int
    start: tuple[int, int]
    buffer: int
    length: dict[int, str]
    platforms: list[str]
    publishers: list[Publisher]
    colours: list[str]
    intro: str
    outro: str
    language: str
    timezone: str
    hemisphere: str
    world_days: bool
    holidays: list[dict[str, Any]]
    size: tuple[int, int] | None
    fps: float
    quality: str
    seed: int
    writer: dict[str, Any] = field(default_factory=lambda: {"provider": "builtin"})
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def state_path(self) -> Path:
        return self.folder / "channel.sqlite3"

    @property
    def jobs_dir(self) -> Path:
        return self.folder / "jobs"


class _Doc:
    """channel.yaml's nodes, and errors located on them."""

    def __init__(self, path: Path, text: str, display: str):
        self.path, self.text, self.display = path, text, display
        self.lines = text.splitlines()

    def at(self, node: yaml.Node | None) -> Location:
        if node is None:
            return Location(self.display, 1, 1, self.lines[0] if self.lines else "")
        line = node.start_mark.line
        source = self.lines[line] if line < len(self.lines) else ""
        end = node.end_mark.column if node.end_mark.line == line else len(source)
        return Location(self.display, line + 1, node.start_mark.column + 1, source,
                        max(1, end - node.start_mark.column))

    def error(self, node: yaml.Node | None, message: str, hint: str | None = None) -> SceneError:
        return SceneError(message, hint=hint, location=self.at(node))

    def mapping(self, node: yaml.Node, what: str, hint: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping", hint)
        return {str(k.value): (k, v) for k, v in node.value}

    def seq(self, node: yaml.Node, what: str, hint: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"{what} must be a list", hint)
        return list(node.value)

    def scalar(self, node: yaml.Node, what: str, hint: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, f"{what} must be a single value", hint)
        return yaml.safe_load(yaml.serialize(node))

    def string(self, node: yaml.Node, what: str, hint: str, empty: bool = False) -> str:
        value = self.scalar(node, what, hint)
        if value is None:
            value = ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.error(node, f"{what} must be text", hint)
        value = str(value).strip()
        if not value and not empty:
            raise self.error(node, f"{what} is empty", hint)
        return value

    def number(self, node: yaml.Node, what: str, low: float, high: float, hint: str, integer: bool = False) -> float:
        value = self.scalar(node, what, hint)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
            raise self.error(node, f"{what} must be {'a whole number' if integer else 'a number'}, not "
                                   f"{node.value!r}", hint)
        if not low <= value <= high:
            raise self.error(node, f"{what} {value} is out of range ({low:g} to {high:g})", hint)
        return value

    def choice(self, node: yaml.Node, what: str, choices: tuple[str, ...] | list[str]) -> str:
        value = self.string(node, what, f"one of: {', '.join(choices)}")
        if value not in choices:
            near = closest(value, choices)
            raise self.error(node, f"unknown {what} {value!r}",
                             (f"did you mean {near!r}? " if near else "") + f"one of: {', '.join(choices)}")
        return value


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> int | None:
    """`30m`, `1h`, `1d` in seconds, or None."""
    m = _DURATION.match(str(text))
    return int(float(m.group(1)) * _UNITS[m.group(2)]) if m else None


def _known_keys(doc: _Doc, fields: dict, known: tuple[str, ...], what: str) -> None:
    for key, (key_node, _) in fields.items():
        if key not in known:
            near = closest(key, known)
            raise doc.error(key_node, f"unknown {what} {key!r}",
                            (f"did you mean {near!r}? " if near else "") + f"{what}s: {', '.join(known)}")


_TOP = ("name", "ages", "topics", "cadence", "length", "platforms", "publishers", "brand", "writer", "language",
        "timezone", "calendar", "render", "seed")


def load_channel(folder: str | Path) -> Channel:
    """Read and check DIR/channel.yaml. Raises SceneError (located) for any mistake."""
    folder = Path(folder)
    path = folder / CONFIG_FILE if folder.is_dir() or not folder.suffix else folder
    folder = path.parent.resolve()  # jobs name their files by absolute paths
    display = str(path)
    if not path.exists():
        raise SceneError(f"no {CONFIG_FILE} in {folder}", hint=f"make one with: render channel init {folder}")
    text = path.read_text(encoding="utf-8")
    doc = _Doc(path, text, display)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        loc = Location(display, mark.line + 1, mark.column + 1,
                       doc.lines[mark.line] if mark.line < len(doc.lines) else "") if mark else None
        raise SceneError(f"not YAML: {getattr(err, 'problem', None) or err}", location=loc,
                         hint="check the indentation and the quotes on this line") from None
    if root is None:
        raise doc.error(None, f"{CONFIG_FILE} is empty", f"write a fresh one with: render channel init {folder}")
    top = doc.mapping(root, CONFIG_FILE, "name: …, ages: […], topics: {…}: see render channel init")
    _known_keys(doc, top, _TOP, "field")

    def need(key: str, hint: str) -> yaml.Node:
        if key not in top:
            raise doc.error(root, f"{CONFIG_FILE} has no {key!r}", hint)
        return top[key][1]

    name = doc.string(need("name", "name: \"My channel\""), "name", "name: \"My channel\"")
    if len(name) > 100:
        raise doc.error(top["name"][1], f"the name is {len(name)} characters long", "at most 100")

    ages_hint = "ages: [2, 3, 4] (2 to 5)"
    ages_node = need("ages", ages_hint)
    ages = []
    for node in doc.seq(ages_node, "ages", ages_hint):
        age = int(doc.number(node, "an age", 2, 5, ages_hint, integer=True))
        if age in ages:
            raise doc.error(node, f"age {age} is listed twice", ages_hint)
        ages.append(age)
    if not ages:
        raise doc.error(ages_node, "ages is empty", ages_hint)

    topics_hint = f"topics: {{letters: 1.0, colours: 0.5}}; topics: {', '.join(TOPICS)}"
    topics: dict[str, float] = {}
    for key, (key_node, value) in doc.mapping(need("topics", topics_hint), "topics", topics_hint).items():
        if key not in TOPICS:
            near = closest(key, TOPICS)
            raise doc.error(key_node, f"unknown topic {key!r}",
                            (f"did you mean {near!r}? " if near else "") + f"topics: {', '.join(TOPICS)}")
        weight = doc.number(value, f"the weight of {key}", 0, WEIGHT_BOUNDS[1], "a weight from 0.1 to 5 (0: not taught)")
        if 0 < weight < WEIGHT_BOUNDS[0]:
            raise doc.error(value, f"the weight of {key} is {weight}, below {WEIGHT_BOUNDS[0]}",
                            "a weight from 0.1 to 5, or 0 to not teach it")
        if weight > 0:
            topics[key] = float(weight)
    if len(topics) < 2:
        raise doc.error(top["topics"][1], "a channel needs at least two topics",
                        "no topic may come twice in a row, so one topic cannot fill the schedule")

    cadence_hint = "cadence: {every: 1h, start: \"07:00\", buffer: 2}"
    every_s, start, buffer = 3600, (7, 0), 2
    if "cadence" in top:
        cad = doc.mapping(top["cadence"][1], "cadence", cadence_hint)
        _known_keys(doc, cad, ("every", "start", "buffer"), "cadence field")
        if "every" in cad:
            every = doc.string(cad["every"][1], "every", "every: 1h (30m, 1h, 2h, 1d)")
            every_s = parse_every(every) or 0
            if not every_s:
                raise doc.error(cad["every"][1], f"cannot read the cadence {every!r}", "every: 1h (30m, 1h, 2h, 1d)")
            if not 600 <= every_s <= 7 * 86400:
                raise doc.error(cad["every"][1], f"a cadence of {every} is out of range", "from 10m to 7d")
        if "start" in cad:
            text_start = doc.string(cad["start"][1], "start", "start: \"07:00\" (HH:MM, quoted)")
            m = re.match(r"^(\d{1,2}):(\d{2})$", text_start)
            if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
                raise doc.error(cad["start"][1], f"cannot read the start time {text_start!r}",
                                "start: \"07:00\" (HH:MM, 24-hour, quoted)")
            start = (int(m.group(1)), int(m.group(2)))
        if "buffer" in cad:
            buffer = int(doc.number(cad["buffer"][1], "buffer", 0, 48, "buffer: 2 (episodes made ahead)", True))

    length_hint = "length: {2: short, 3: episode} (short or episode)"
    length = {age: "short" for age in ages}
    if "length" in top:
        for key, (key_node, value) in doc.mapping(top["length"][1], "length", length_hint).items():
            if not key.isdigit() or int(key) not in ages:
                raise doc.error(key_node, f"length for age {key!r}, which is not in ages",
                                f"ages: {', '.join(map(str, ages))}")
            length[int(key)] = doc.choice(value, "length", LENGTHS)

    from ..engine.publish.platforms import PLATFORM_NAMES

    platforms_hint = f"platforms: [youtube]; platforms: {', '.join(PLATFORM_NAMES)}"
    platforms = []
    for node in doc.seq(need("platforms", platforms_hint), "platforms", platforms_hint):
        p = doc.choice(node, "platform", PLATFORM_NAMES)
        if p in platforms:
            raise doc.error(node, f"platform {p} is listed twice", platforms_hint)
        platforms.append(p)
    if not platforms:
        raise doc.error(top["platforms"][1], "platforms is empty", platforms_hint)

    publishers = _publishers(doc, top.get("publishers", (None, None))[1], folder)

    colours, intro, outro = ["#FFD93D", "#3A2E5C"], "", ""
    if "brand" in top:
        brand_hint = "brand: {colours: [\"#FFD93D\"], intro: intro.scene, outro: \"\"}"
        brand = doc.mapping(top["brand"][1], "brand", brand_hint)
        _known_keys(doc, brand, ("colours", "intro", "outro"), "brand field")
        if "colours" in brand:
            colours = []
            for node in doc.seq(brand["colours"][1], "colours", brand_hint):
                c = doc.string(node, "a colour", "#RRGGBB, quoted")
                if not re.match(r"^#[0-9A-Fa-f]{6}$", c):
                    raise doc.error(node, f"cannot read the colour {c!r}", "#RRGGBB, quoted: \"#FFD93D\"")
                colours.append(c.upper())
        for key in ("intro", "outro"):
            if key in brand:
                value = doc.string(brand[key][1], key, f"{key}: builtin, {key}.scene (in the channel folder) or \"\"",
                                   True)
                if value and value != "builtin" and not (folder / value).is_file():
                    raise doc.error(brand[key][1], f"no file {value!r} in {folder}",
                                    f"{key}: builtin, a .scene file in the channel folder, or \"\" for none")
                if key == "intro":
                    intro = value
                else:
                    outro = value

    writer = _writer(doc, top["writer"][1], folder) if "writer" in top else {"provider": "builtin"}

    language = "en"
    if "language" in top:
        language = doc.string(top["language"][1], "language", "a BCP 47 tag: en, en-GB, es, fr")
        if not re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", language):
            raise doc.error(top["language"][1], f"{language!r} is not a language tag", "en, en-GB, es, fr, pt-BR")

    timezone = "UTC"
    if "timezone" in top:
        timezone = doc.string(top["timezone"][1], "timezone", "an IANA name: UTC, Europe/London")
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            near = closest(timezone, sorted(available_timezones()))
            raise doc.error(top["timezone"][1], f"unknown time zone {timezone!r}",
                            (f"did you mean {near!r}? " if near else "") + "an IANA name: UTC, Europe/London") from None

    hemisphere, world_days, holidays = "north", True, []
    if "calendar" in top:
        cal_hint = "calendar: {hemisphere: north, world_days: true, holidays: [{name: Sports day, date: 06-14, topic: numbers}]}"
        cal = doc.mapping(top["calendar"][1], "calendar", cal_hint)
        _known_keys(doc, cal, ("hemisphere", "world_days", "holidays"), "calendar field")
        if "hemisphere" in cal:
            hemisphere = doc.choice(cal["hemisphere"][1], "hemisphere", ("north", "south"))
        if "world_days" in cal:
            value = doc.scalar(cal["world_days"][1], "world_days", "true or false")
            if not isinstance(value, bool):
                raise doc.error(cal["world_days"][1], "world_days must be true or false", "world_days: true")
            world_days = value
        if "holidays" in cal:
            for node in doc.seq(cal["holidays"][1], "holidays", cal_hint):
                h = doc.mapping(node, "a holiday", "{name: Sports day, date: 06-14, topic: numbers}")
                _known_keys(doc, h, ("name", "date", "topic"), "holiday field")
                for key in ("name", "date"):
                    if key not in h:
                        raise doc.error(node, f"a holiday needs a {key}", "{name: Sports day, date: 06-14}")
                date = doc.string(h["date"][1], "date", "MM-DD, quoted: \"06-14\"")
                m = re.match(r"^(\d{2})-(\d{2})$", date)
                if not m or not (1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 31):
                    raise doc.error(h["date"][1], f"cannot read the date {date!r}", "MM-DD, quoted: \"06-14\"")
                topic = doc.choice(h["topic"][1], "topic", TOPICS) if "topic" in h else None
                holidays.append({"name": doc.string(h["name"][1], "name", "name: Sports day"),
                                 "date": (int(m.group(1)), int(m.group(2))), "topic": topic})

    size, fps, quality = None, 30.0, "standard"
    if "render" in top:
        r_hint = "render: {size: 640x360, fps: 30, quality: standard}"
        r = doc.mapping(top["render"][1], "render", r_hint)
        _known_keys(doc, r, ("size", "fps", "quality"), "render field")
        if "size" in r:
            text_size = doc.string(r["size"][1], "size", "WIDTHxHEIGHT: 640x360, or \"\"", True)
            if text_size:
                m = re.match(r"^(\d{2,5})x(\d{2,5})$", text_size)
                if not m or not (16 <= int(m.group(1)) <= 7680 and 16 <= int(m.group(2)) <= 4320):
                    raise doc.error(r["size"][1], f"cannot read the size {text_size!r}", "WIDTHxHEIGHT: 640x360")
                size = (int(m.group(1)), int(m.group(2)))
        if "fps" in r:
            fps = float(doc.number(r["fps"][1], "fps", 1, 60, "fps: 30"))
        if "quality" in r:
            quality = doc.choice(r["quality"][1], "quality", ("draft", "standard", "high"))

    seed = 1
    if "seed" in top:
        seed = int(doc.number(top["seed"][1], "seed", 0, 2**31 - 1, "seed: 1 (a whole number)", integer=True))

    return Channel(folder=folder, name=name, ages=ages, topics=topics, every_s=every_s, start=start, buffer=buffer,
                   length=length, platforms=platforms, publishers=publishers, colours=colours, intro=intro,
                   outro=outro, language=language, timezone=timezone, hemisphere=hemisphere, world_days=world_days,
                   holidays=holidays, size=size, fps=fps, quality=quality, seed=seed, writer=writer)


_WRITER_OPTIONS = ("provider", "endpoint", "model", "key_file", "daily_requests", "timeout_s")


def _writer(doc: _Doc, node: yaml.Node, folder: Path) -> dict[str, Any]:
    from .writer import WRITERS

    hint = "writer: {provider: openai, endpoint: \"http://localhost:11434/v1\", model: llama3.1}"
    fields = doc.mapping(node, "writer", hint)
    _known_keys(doc, fields, _WRITER_OPTIONS, "writer field")
    out: dict[str, Any] = {"provider": "builtin"}
    if "provider" in fields:
        out["provider"] = doc.choice(fields["provider"][1], "script writer", WRITERS.names())
    for key in ("endpoint", "model", "key_file"):
        if key in fields:
            out[key] = doc.string(fields[key][1], key, hint)
    if out["provider"] == "openai" and "endpoint" not in out:
        raise doc.error(node, "the openai writer needs an endpoint", hint)
    if "endpoint" in out and not re.match(r"^https?://[^\s/]+", out["endpoint"]):
        raise doc.error(fields["endpoint"][1], f"cannot read the URL {out['endpoint']!r}",
                        "endpoint: the API's base URL, such as https://api.openai.com/v1")
    if "key_file" in out:
        key_path = folder / out["key_file"]
        if not key_path.is_file():
            raise doc.error(fields["key_file"][1], f"no key file {out['key_file']!r} in {folder}",
                            "a file in the channel folder holding the API key")
        out["key_file"] = str(key_path)
    if "daily_requests" in fields:
        out["daily_requests"] = int(doc.number(fields["daily_requests"][1], "daily_requests", 0, 1_000_000,
                                               "daily_requests: 50 (a whole number)", integer=True))
    if "timeout_s" in fields:
        out["timeout_s"] = float(doc.number(fields["timeout_s"][1], "timeout_s", 1, 600, "timeout_s: 60"))
    return out


_PUBLISHER_OPTIONS = {"folder": ("outbox", "keep"), "youtube": ("credentials", "privacy", "endpoint", "chunk_bytes",
                                                                "daily_quota"),
                      "webhook": ("url", "secret")}


def _publishers(doc: _Doc, node: yaml.Node | None, folder: Path) -> list[Publisher]:
    hint = "publishers: [{folder: {outbox: outbox}}, {youtube: {credentials: token.json}}]"
    if node is None:
        return [Publisher("folder", {"outbox": "outbox"})]
    out = []
    for item in doc.seq(node, "publishers", hint):
        if isinstance(item, yaml.ScalarNode):
            kind_node, options_node = item, None
        else:
            fields = doc.mapping(item, "a publisher", hint)
            if len(fields) != 1:
                raise doc.error(item, "a publisher is one name with its options", hint)
            (kind_node, options_node), = fields.values()
        kind = doc.choice(kind_node, "publisher", PUBLISHER_KINDS)
        options: dict[str, Any] = {}
        if options_node is not None and not (isinstance(options_node, yaml.ScalarNode) and options_node.value in ("", "~", "null")):
            fields = doc.mapping(options_node, f"{kind}'s options", hint)
            _known_keys(doc, fields, _PUBLISHER_OPTIONS[kind], f"{kind} option")
            for key, (_, value) in fields.items():
                options[key] = doc.scalar(value, key, hint)
                if key == "chunk_bytes":
                    n = int(doc.number(value, key, 262144, 1 << 30, "a multiple of 262144 (256 KiB)", True))
                    if n % 262144:
                        raise doc.error(value, f"chunk_bytes {n} is not a multiple of 262144",
                                        "YouTube takes chunks of a multiple of 256 KiB: 262144, 2097152, 8388608")
                elif key in ("daily_quota", "keep"):
                    doc.number(value, key, 1, 1_000_000, f"{key}: a whole number", True)
                elif key in ("outbox", "credentials", "endpoint", "privacy", "url", "secret"):
                    options[key] = doc.string(value, key, hint)
                if key == "url" and not re.match(r"^https?://[^\s/]+", options[key]):
                    raise doc.error(value, f"cannot read the URL {options[key]!r}", "url: https://example.org/hook")
            if kind == "webhook" and "url" not in options:
                raise doc.error(options_node, "the webhook publisher needs a url",
                                "- webhook: {url: https://example.org/hook, secret: webhook-secret}")
            if kind == "youtube":
                if "credentials" not in options:
                    raise doc.error(options_node, "the youtube publisher needs credentials",
                                    "credentials: youtube-token.json (an OAuth token file you provide)")
                if options.get("privacy", "private") not in ("private", "unlisted", "public"):
                    raise doc.error(fields["privacy"][1], f"unknown privacy {options['privacy']!r}",
                                    "private, unlisted or public")
                if not (folder / str(options["credentials"])).is_file() and not Path(str(options["credentials"])).is_file():
                    raise doc.error(fields["credentials"][1], f"no credentials file {options['credentials']!r}",
                                    "an OAuth token JSON ({\"access_token\": …}) in the channel folder")
        elif kind in ("youtube", "webhook"):
            raise doc.error(kind_node, f"the {kind} publisher needs its options",
                            "- youtube: {credentials: youtube-token.json}" if kind == "youtube"
                            else "- webhook: {url: https://example.org/hook, secret: webhook-secret}")
        if any(p.kind == kind for p in out):
            raise doc.error(kind_node, f"publisher {kind} is listed twice", hint)
        out.append(Publisher(kind, options, item.start_mark.line + 1))
    if not out:
        raise doc.error(node, "publishers is empty", hint)
    return out


def init_channel(folder: str | Path) -> Path:
    """Write DIR/channel.yaml (commented); refuses to overwrite one."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_FILE
    with open(path, "x", encoding="utf-8") as f:
        f.write(DEFAULT_CHANNEL)
    return path
