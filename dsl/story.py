"""Plain-text stories -> storybook pages (`render story`).

    story = read_story("story.txt")                 # title + paragraphs, with line numbers
    pages = plan_pages(story)                        # 3-15 pages: text, background, mood, characters, lines
    check_length(story, pages, "shorts", age=4)      # SceneError when it cannot fit the platform or the age
    variables = storybook_variables(story, pages)    # {"title", "pages", "age"} for the storybook template

A story file is UTF-8 text: the title on the first line (a leading `#` is
allowed), then paragraphs separated by blank lines. (A file without blank lines
takes each line that ends a sentence as the end of a paragraph.)

Planning, in order:

1. Paragraphs become pages. A paragraph over `MAX_WORDS` words or
   `MAX_SENTENCES` sentences is split at sentence boundaries into the fewest
   balanced pages that fit (a single sentence over `MAX_WORDS` is split at a
   comma or semicolon first).
2. A page under `MIN_WORDS` words is merged into its shorter neighbour, as long
   as `MIN_PAGES` pages remain.
3. Fewer than `MIN_PAGES` pages: the longest page with two or more sentences is
   split until there are three; a story that cannot reach three is an error.
   More than `MAX_PAGES`: the adjacent pair with the fewest words is merged
   until there are fifteen.
4. Each page gets a mood from the word valence/arousal lexicon in
   `story_lexicon.yaml` (negations handled).
5. The reader (dsl/story_reader.py) says who is on each page, who says each
   quoted line, what they do and feel and the page's props; the director
   (dsl/story_director.py) casts and stages them (`Page.stage`); the page's
   background is the reader's setting, time of day and weather. Each page's
   lines: one per phrase for the narrator, and each quoted line for the cast
   member who says it. A story that names no one gets Luna and Sunny, as listeners.

Every error is a `SceneError` located in the story file: `story.txt:LINE:COL:`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..engine.raster.backdrops import SETTINGS as BACKDROP_SETTINGS, TIMES, WEATHERS
from ..engine.publish.captions import fits_cue, phrase_chunks, reading_length, reading_speed_limit
from .errors import Location, SceneError
from .project import read_capped
from .story_director import has_character

if TYPE_CHECKING:
    from ..engine.publish.platforms import Platform

__all__ = [
    "BACKGROUNDS", "CAST", "MAX_PAGES", "MAX_SENTENCES", "MAX_WORDS", "MIN_PAGES", "MIN_WORDS", "MOODS",
    "Page", "Paragraph", "Sentence", "Story", "check_length", "check_reading", "direct_story",
    "choose_mood", "emitted_scene", "estimate_seconds", "format_duration", "format_limit", "length_limit", "lexicon",
    "mood_scores", "mood_style", "parse_story", "plan_book_pages", "plan_pages", "read_story", "scene_header", "smart_quotes",
    "story_names", "story_platform", "storybook_template", "storybook_variables", "validate_pages",
]

MAX_WORDS = 45  # a page reads comfortably in one breath of the picture book
MAX_SENTENCES = 3
MIN_WORDS = 8  # shorter pages are merged into a neighbour
MIN_PAGES = 3
MAX_PAGES = 15

BACKGROUNDS = tuple(BACKDROP_SETTINGS)  # engine/raster/backdrops: meadow, forest, river, …, cave
DEFAULT_BACKGROUND = "meadow"
CAST = ("luna", "sunny")
AGES = (2, 3, 4, 5)
DEFAULT_AGE = 4

# How each mood shows: the characters' expression and how the narrator reads.
# templates/storybook/template.scene holds the same table with the palettes
# (tests/test_story.py checks they agree).
MOODS: dict[str, dict[str, str]] = {
    "happy": {"expression": "happy", "narration": "happily"},
    "excited": {"expression": "excited", "narration": "excitedly"},
    "calm": {"expression": "neutral", "narration": "gently"},
    "sad": {"expression": "sad", "narration": "sadly"},
    "scary": {"expression": "scared", "narration": "quietly"},  # worried brows, wide eyes; the characters shiver
    "sleepy": {"expression": "sleepy", "narration": "sleepily"},
    "surprised": {"expression": "surprised", "narration": "surprised"},
    "curious": {"expression": "thinking", "narration": "curiously"},
}

# Pacing by the viewer's age (seconds), mirrored in the template: the pause
# after each sentence, before the first and after the last line of a page.
PAUSE_AFTER_SENTENCE = {2: 1.1, 3: 0.9, 4: 0.7, 5: 0.5}
PAGE_LEAD = {2: 1.0, 3: 0.9, 4: 0.8, 5: 0.7}
PAGE_TAIL = {2: 1.4, 3: 1.2, 4: 1.0, 5: 0.8}
TITLE_CARD = 3.0  # besides reading the title
END_CARD = 4.5
TRANSITION = 0.6

# eSpeak NG reads faster than its nominal words-per-minute: measured ~1.28x.
ESPEAK_PACE = 1.28

SPEECH_VERBS = ("said", "says", "asked", "asks", "cried", "shouted", "whispered", "called", "replied", "laughed",
                "yelled", "sang", "giggled", "answered", "exclaimed", "added", "squeaked", "sighed", "gasped",
                "smiled", "told", "explained", "wondered", "began", "cheered", "squealed", "murmured", "roared",
                "growled", "sobbed", "sniffed", "grinned", "shrieked", "yawned", "chirped", "whimpered", "agreed")

# Capitalised words that are not names (sentence openers, interjections, roles, days, …).
NOT_NAMES = frozenset("""
a an the and but or so then when while after before once one two three four five six seven eight nine ten
first next last soon later now today tonight tomorrow yesterday every each all some many most no not never
yes oh ah aha wow hooray yay hello hi hey goodbye bye please thank thanks sorry look listen come let lets
i i'm i'll i've i'd me my mine we our us you your he him his she her it its they them their there here this
that these those what who whom whose which why how where if because as at by for from in into of off on onto
out over to under up with without about above across along around behind below beside between down near
inside outside through is was were are be been being am do does did can could will would shall should may
might must have has had just still even only also very too again more less little big good great
mr mrs ms miss dr mister mom mum mommy mummy mama dad daddy papa grandma grandpa granny nana teacher
king queen prince princess sir madam uncle aunt auntie baby
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december christmas easter halloween
english french god earth moon sun mars the_end end
""".split())

_TERMINATORS = ".!?\u2026"
_CLOSERS = "\"'\u201d\u2019)]"
_OPEN_QUOTES = "\"\u201c"
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "mt", "jr", "sr", "prof", "vs", "etc"}
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")  # words and numbers, for counting
_LETTERS = r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*"  # a word of letters, any script


# ── the story ─────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Sentence:
    text: str
    line: int
    column: int

    @property
    def words(self) -> int:
        return len(_WORD.findall(self.text))


@dataclass(frozen=True)
class Paragraph:
    text: str
    line: int
    column: int
    sentences: tuple[Sentence, ...]

    @property
    def words(self) -> int:
        return sum(s.words for s in self.sentences)


@dataclass(frozen=True)
class Story:
    title: str
    paragraphs: tuple[Paragraph, ...]
    path: str = "story.txt"
    title_line: int = 1
    lines: tuple[str, ...] = ()  # the file's lines, for error carets

    @property
    def words(self) -> int:
        return sum(p.words for p in self.paragraphs)

    def location(self, line: int, column: int = 1, length: int = 1) -> Location:
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Location(self.path, line, column, source, length)


@dataclass
class Page:
    sentences: list[Sentence]
    background: str = DEFAULT_BACKGROUND
    mood: str = "calm"
    characters: list[str] = field(default_factory=list)
    lines: list[dict[str, str]] = field(default_factory=list)
    seed: int = 7
    stage: dict[str, Any] = field(default_factory=dict)  # the director's decisions (dsl/story_director.py)
    art: dict[str, str] = field(default_factory=dict)  # a story book's image, sound, narration (dsl/story_book.py)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def words(self) -> int:
        return sum(s.words for s in self.sentences)

    @property
    def line(self) -> int:
        return self.sentences[0].line

    def as_param(self) -> dict[str, Any]:
        """The page as the storybook template's `pages` item."""
        item = {"text": smart_quotes(self.text), "background": self.background, "mood": self.mood,
                "characters": list(self.characters), "lines": [dict(x) for x in self.lines], "seed": self.seed}
        if self.stage:
            item["stage"] = self.stage
        item.update({k: v for k, v in self.art.items() if k in ("image", "sound")})
        return item


def read_story(path: str | Path, display: str | None = None) -> Story:
    """Read and parse a story file; undecodable bytes are an error at their line and column."""
    path = Path(path)
    shown = display or str(path)
    try:
        data = read_capped(path, what="story file")
    except FileNotFoundError:
        raise SceneError(f"file not found: {shown}") from None
    except IsADirectoryError:
        raise SceneError(f"{shown} is a folder, not a story file") from None
    except OSError as exc:
        raise SceneError(f"cannot read {shown}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(data[line_start: exc.start].decode("utf-8", "replace")) + 1
        line_end = data.find(b"\n", exc.start)
        source = data[line_start: line_end if line_end >= 0 else len(data)].decode("utf-8", "replace")
        raise SceneError(f"the story is not UTF-8 text (byte 0x{data[exc.start]:02X} cannot be read)",
                         location=Location(shown, line, column, source.rstrip("\r")),
                         hint="save the file as UTF-8 (most editors: Save with Encoding > UTF-8)") from None
    return parse_story(text, shown)


# Single braces and brackets are markup inside a scene's text and lines (`{a-sound}`,
# `{n}`, `[word](#E63946)`); in a story they are only punctuation, read as parentheses.
# Jinja-like `{{ }}`, `{% %}` and `{# #}` stay as written: the emitted scene keeps them
# literal, and the line markup ignores them.
_SINGLE_BRACE = re.compile(r"(?<![{%#])\{(?![{%#])|(?<![}%#])\}(?![}%#])")


def _literal(text: str) -> str:
    """Markup characters as punctuation, one character for one (positions hold)."""
    text = _SINGLE_BRACE.sub(lambda m: "(" if m.group() == "{" else ")", text)
    return text.replace("[", "(").replace("]", ")")


def parse_story(text: str, path: str = "story.txt") -> Story:
    """Title (the first non-blank line) and paragraphs (separated by blank lines), with positions."""
    text = text.lstrip("\ufeff")
    lines = tuple(line.rstrip("\r") for line in text.split("\n"))
    hint_format = "write the title on the first line, then the story in paragraphs separated by blank lines"
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if not nonblank:
        raise SceneError("the story is empty", location=Location(path, 1, 1, ""), hint=hint_format)
    t = nonblank[0]
    raw_title = lines[t]
    title = re.sub(r"^\s*#+\s*", "", raw_title).strip()
    title = _literal(title)
    story = Story(title, (), path, t + 1, lines)
    if not title:
        raise SceneError("the title line has no words", location=story.location(t + 1, 1, len(raw_title) or 1),
                         hint=hint_format)
    body = [(i + 1, lines[i]) for i in range(t + 1, len(lines))]
    groups = _paragraph_lines(body)
    if not groups:
        raise SceneError("the story has a title but no paragraphs",
                         location=story.location(t + 1, len(raw_title.rstrip()) + 1),
                         hint="after the title line, write the story in paragraphs separated by blank lines")
    paragraphs = []
    for group in groups:
        joined, where = _join(group)
        joined = _literal(joined)
        if not _WORD.search(joined):
            continue
        sentences = tuple(Sentence(s, *where[a]) for s, a in _split_sentences(joined))
        paragraphs.append(Paragraph(joined, *where[0], sentences))
    if not paragraphs:
        raise SceneError("the story has a title but no paragraphs with words",
                         location=story.location(groups[0][0][0], 1), hint=hint_format)
    return Story(title, tuple(paragraphs), path, t + 1, lines)


def _paragraph_lines(body: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    if not any(line.strip() for _, line in body):
        return []
    first = next(i for i, (_, line) in enumerate(body) if line.strip())
    body = body[first:]
    last = max(i for i, (_, line) in enumerate(body) if line.strip())
    has_blank = any(not line.strip() for _, line in body[: last + 1])
    groups: list[list[tuple[int, str]]] = [[]]
    for number, line in body:
        if not line.strip():
            if groups[-1]:
                groups.append([])
            continue
        groups[-1].append((number, line))
        # Without blank lines, a line that ends a sentence ends its paragraph.
        if not has_blank and re.search(r"[.!?\u2026][\"'\u201d\u2019)]*\s*$", line):
            groups.append([])
    return [g for g in groups if g]


def _join(group: list[tuple[int, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The group's lines as one string with single spaces, and each character's (line, column)."""
    chars: list[str] = []
    where: list[tuple[int, int]] = []
    for number, line in group:
        for col, ch in enumerate(line, start=1):
            if ch.isspace():
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    where.append((number, col))
                continue
            chars.append(ch)
            where.append((number, col))
        if chars and chars[-1] != " ":
            chars.append(" ")
            where.append((number, len(line) + 1))
    while chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    return "".join(chars), where


def _split_sentences(text: str) -> list[tuple[str, int]]:
    """(sentence, start index) — at . ! ? … outside quotes, before a capital or an opening quote."""
    out: list[tuple[str, int]] = []
    start = 0
    in_quote = False
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            in_quote = not in_quote
        elif ch == "\u201c":
            in_quote = True
        elif ch == "\u201d":
            in_quote = False
        elif ch in _TERMINATORS:
            j = i
            while j < n and text[j] in _TERMINATORS:
                j += 1
            quote = in_quote
            while j < n and text[j] in _CLOSERS:
                if text[j] in "\"\u201d" and quote:
                    quote = False
                j += 1
            k = j
            while k < n and text[k] == " ":
                k += 1
            ends = k == n or (k > j and not quote and (text[k].isupper() or text[k].isdigit()
                                                          or text[k] in _OPEN_QUOTES + "\u2018'("))
            if ends and ch == ".":
                before = re.search(r"([A-Za-z]+)$", text[start:i])
                if before and before.group(1).lower() in _ABBREVIATIONS:
                    ends = False
            in_quote = quote
            if ends:
                sentence = text[start:j].strip()
                if sentence:
                    out.append((sentence, start))
                start = k
            i = j
            continue
        i += 1
    tail = text[start:].strip()
    if tail:
        out.append((tail, start))
    return out


def _split_long_sentence(sentence: Sentence, limit: int = MAX_WORDS) -> list[Sentence]:
    """A sentence over `limit` words, cut at the clause boundary nearest its middle (recursively)."""
    if sentence.words <= limit:
        return [sentence]
    text = sentence.text
    middle = len(text) / 2
    cuts = [m.end() for m in re.finditer(r"[,;:\u2014]\s+", text)]
    cuts = [c for c in cuts if _WORD.search(text[:c]) and _WORD.search(text[c:])]
    if not cuts:
        words = list(re.finditer(r"\S+\s*", text))
        cuts = [words[len(words) // 2].start()]
    cut = min(cuts, key=lambda c: abs(c - middle))
    first = Sentence(text[:cut].strip(), sentence.line, sentence.column)
    second = Sentence(text[cut:].strip(), sentence.line, sentence.column + cut)
    return _split_long_sentence(first, limit) + _split_long_sentence(second, limit)


# ── planning ──────────────────────────────────────────────────────────────────

def plan_pages(story: Story) -> list[Page]:
    """The story's pages (3-15): split, merged, with background, mood, characters and lines."""
    chunks: list[list[Sentence]] = []
    for paragraph in story.paragraphs:
        sentences = [piece for s in paragraph.sentences for piece in _split_long_sentence(s)]
        chunks.extend(_split_paragraph(sentences))
    chunks = _merge_tiny(chunks)
    while len(chunks) < MIN_PAGES:
        candidates = [i for i, c in enumerate(chunks) if len(c) >= 2]
        if not candidates:
            break
        i = max(candidates, key=lambda i: (_words(chunks[i]), -i))
        a, b = _best_cut(chunks[i], 2)
        chunks[i: i + 1] = [a, b]
    if len(chunks) < MIN_PAGES:
        sentences = sum(len(c) for c in chunks)
        last = chunks[-1][-1]
        plural = "s" if len(chunks) != 1 else ""
        raise SceneError(f"the story is too short: {sentences} sentence{'s' if sentences != 1 else ''} "
                         f"make{'s' if sentences == 1 else ''} only {len(chunks)} page{plural}, "
                         f"and a storybook needs at least {MIN_PAGES}",
                         location=story.location(last.line, last.column, len(last.text)),
                         hint=f"write at least {MIN_PAGES} sentences (a page each), or {MIN_PAGES} paragraphs")
    while len(chunks) > MAX_PAGES:
        i = min(range(len(chunks) - 1), key=lambda i: (_words(chunks[i]) + _words(chunks[i + 1]), i))
        chunks[i: i + 2] = [chunks[i] + chunks[i + 1]]

    return _planned(story, chunks)


def plan_book_pages(book) -> list[Page]:
    """A story book's pages (dsl/story_book.py): one per entry, as the author wrote
    them, with the author's picture, sound and recorded narration."""
    pages = _planned(book.story, [list(p.sentences) for p in book.story.paragraphs])
    for page, art in zip(pages, book.art):
        page.art = {key: value for key, value in vars(art).items() if value}
        if art.image:  # the author's picture is the page: nobody drawn over it
            page.stage.update(actors=[], prop="", camera="kenburns")
            page.characters = []
        if art.narration:
            # One recording reads the whole page: one line, captioned from the recording's own timing.
            page.lines = [{"who": "narrator", "text": page.text, "recording": art.narration}]
    return pages


def _planned(story: Story, chunks: list[list[Sentence]]) -> list[Page]:
    names = story_names(story)
    pages = [Page(chunk) for chunk in chunks]
    for page in pages:
        page.mood = choose_mood(page.text, names)
    direct_story(story, pages)
    return pages


def direct_story(story: Story, pages: list[Page]) -> None:
    """Who is on each page, what they do and say (the reader's facts, staged by
    dsl/story_director.py). A story that names no one gets Luna and Sunny as listeners."""
    from .story_director import cast_story, direct_page, listeners
    from .story_reader import read_story_facts

    facts = read_story_facts(story, pages)
    cast = cast_story(c for f in facts for c in f.characters)
    previous_camera = ""
    run = 0
    for index, (page, page_facts) in enumerate(zip(pages, facts)):
        # The reader's setting (carried over until the text changes it); a new place, a new seed.
        page.background = page_facts.setting if page_facts.setting in BACKGROUNDS else DEFAULT_BACKGROUND
        if index and page.background != pages[index - 1].background:
            run += 1
        page.seed = 5 + 11 * run
        page.stage = direct_page(page_facts, cast, mood_style(page.mood)["expression"], previous_camera)
        previous_camera = page.stage["camera"]
        if not cast:
            page.stage["actors"] = listeners(mood_style(page.mood)["expression"])
        page.characters = [a["name"] for a in page.stage["actors"]]
        page.lines = _page_lines(page.sentences, _speakers(page_facts, cast), page.mood, _attribution_words(cast, facts))
def _words(chunk: list[Sentence]) -> int:
    return sum(s.words for s in chunk)


def _fits(chunk: list[Sentence]) -> bool:
    return len(chunk) <= MAX_SENTENCES and _words(chunk) <= MAX_WORDS


def _split_paragraph(sentences: list[Sentence]) -> list[list[Sentence]]:
    if _fits(sentences):
        return [sentences]
    k = max(math.ceil(_words(sentences) / MAX_WORDS), math.ceil(len(sentences) / MAX_SENTENCES), 2)
    while k < len(sentences):
        parts = _best_cut(sentences, k)
        if all(_fits(p) for p in parts):
            return parts
        k += 1
    return [[s] for s in sentences]


def _best_cut(sentences: list[Sentence], k: int) -> list[list[Sentence]]:
    """Split into k contiguous non-empty parts, minimising the largest part's words (then the spread)."""
    n = len(sentences)
    k = min(k, n)
    counts = [s.words for s in sentences]
    prefix = [0]
    for c in counts:
        prefix.append(prefix[-1] + c)

    @lru_cache(maxsize=None)
    def best(i: int, parts: int) -> tuple[tuple[int, int], tuple[int, ...]]:
        # the best way to cut sentences[i:] into `parts` parts: ((max words, sum of squares), cut points)
        if parts == 1:
            w = prefix[n] - prefix[i]
            return (w, w * w), ()
        result = None
        for j in range(i + 1, n - parts + 2):
            w = prefix[j] - prefix[i]
            (rest_max, rest_sq), cuts = best(j, parts - 1)
            score = (max(w, rest_max), w * w + rest_sq)
            if result is None or score < result[0]:
                result = (score, (j, *cuts))
        return result

    _, cuts = best(0, k)
    bounds = [0, *cuts, n]
    return [sentences[a:b] for a, b in zip(bounds, bounds[1:])]


def _merge_tiny(chunks: list[list[Sentence]]) -> list[list[Sentence]]:
    chunks = [c for c in chunks if c]
    while len(chunks) > MIN_PAGES:
        tiny = [i for i, c in enumerate(chunks) if _words(c) < MIN_WORDS]
        if not tiny:
            break
        i = min(tiny, key=lambda i: (_words(chunks[i]), i))
        left = _words(chunks[i - 1]) if i > 0 else None
        right = _words(chunks[i + 1]) if i + 1 < len(chunks) else None
        if right is None or (left is not None and left <= right):
            chunks[i - 1: i + 1] = [chunks[i - 1] + chunks[i]]
        else:
            chunks[i: i + 2] = [chunks[i] + chunks[i + 1]]
    return chunks


# ── lexicon: backgrounds and moods ────────────────────────────────────────────

@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    data = yaml.safe_load((Path(__file__).parent / "story_lexicon.yaml").read_text(encoding="utf-8"))
    words = {str(w).lower(): (float(v), float(a)) for w, (v, a) in data["words"].items()}
    keywords = {bg: {str(w).lower() for w in ws} for bg, ws in data["backgrounds"].items()}
    phrases = {tuple(str(p).lower().split()): (float(v), float(a)) for p, (v, a) in data.get("phrases", {}).items()}
    negations = {str(w).lower() for w in data["negations"]}
    return {"words": words, "phrases": phrases, "backgrounds": keywords, "negations": negations,
            "moods": data["moods"]}


def _stems(word: str) -> list[str]:
    """The word and the forms it may come from: foxes -> fox, running -> run, happily -> happy."""
    w = word.lower().replace("\u2019", "'")
    if w.endswith("'s"):
        w = w[:-2]
    out = [w]
    if w.endswith("ies") and len(w) > 4:
        out.append(w[:-3] + "y")
    if w.endswith("es") and len(w) > 3:
        out.append(w[:-2])
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        out.append(w[:-1])
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            base = w[: -len(suffix)]
            out += [base, base + "e"]
            if len(base) > 2 and base[-1] == base[-2]:
                out.append(base[:-1])
            if base.endswith("i"):
                out.append(base[:-1] + "y")
    if w.endswith("ily") and len(w) > 4:
        out.append(w[:-3] + "y")
    elif w.endswith("ly") and len(w) > 4:
        out.append(w[:-2])
    return out


def _tokens(text: str, names: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Lower-case words, leaving out the story's character names; `.`, `!`, `?` and `,` kept as tokens."""
    out = []
    for m in re.finditer(_LETTERS + r"|[.!?,;]", text):
        tok = m.group(0)
        if tok in names:
            out.append("")
            continue
        out.append(tok.lower())
    return out


def _lookup(word: str, table) -> str | None:
    for stem in _stems(word):
        if stem in table:
            return stem
    return None


def mood_scores(text: str, names=frozenset()) -> dict[str, float]:
    """The text's place on the word lexicon: mean valence and arousal (of the
    words that carry a feeling, when there are any), the share of drowsy words
    (arousal 0.1 or less), question and exclamation marks."""
    lex = lexicon()
    table, phrases, negations = lex["words"], lex["phrases"], lex["negations"]
    longest = max((len(p) for p in phrases), default=1)
    tokens = _tokens(text, set(names))
    scores: list[tuple[float, float]] = []
    negate = 0  # words still under a negation
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in (".", "!", "?", ",", ";"):
            negate = 0
            i += 1
            continue
        if not token:
            negate = max(0, negate - 1)
            i += 1
            continue
        found = None
        for size in range(min(longest, len(tokens) - i), 1, -1):
            if tuple(tokens[i: i + size]) in phrases:
                found = phrases[tuple(tokens[i: i + size])], size
                break
        if found is None and (token in negations or token.endswith(("n't", "n\u2019t"))):
            negate = 3
            i += 1
            continue
        if found is None:
            stem = _lookup(token, table)
            found = (table[stem], 1) if stem is not None else None
        if found is not None:
            (v, a), size = found
            if negate:
                v, a = -0.6 * v, 0.5 + (a - 0.5) * 0.3
            scores.append((v, a))
            i += size
        else:
            i += 1
        negate = max(0, negate - 1)
    # Words that carry a feeling (strong valence, very high or very low arousal)
    # decide when there are any; "teacher" and "book" only when nothing else does.
    salient = [s for s in scores if abs(s[0]) >= 0.5 or s[1] >= 0.75 or s[1] <= 0.12]
    scores = salient or scores
    if scores:
        v = sum(s[0] for s in scores) / len(scores)
        a = sum(s[1] for s in scores) / len(scores)
        drowsy = sum(1 for s in scores if s[1] <= 0.1) / len(scores)
    else:
        v, a, drowsy = 0.0, 0.4, 0.0
    a = min(1.0, a + min(0.2, 0.07 * text.count("!")))
    return {"valence": v, "arousal": a, "drowsy": drowsy, "questions": text.count("?"),
            "exclamations": text.count("!"), "words": len(scores)}


def choose_mood(text: str, names=frozenset()) -> str:
    """The first mood in the lexicon whose region holds the text's scores."""
    s = mood_scores(text, names)
    v, a = s["valence"], s["arousal"]
    for mood, region in lexicon()["moods"].items():
        region = region or {}
        if "v_min" in region and v < region["v_min"]:
            continue
        if "v_max" in region and v > region["v_max"]:
            continue
        if "a_min" in region and a < region["a_min"]:
            continue
        if "a_max" in region and a > region["a_max"]:
            continue
        if "drowsy_min" in region and s["drowsy"] < region["drowsy_min"]:
            continue
        if region.get("questions") and not s["questions"]:
            continue
        return mood
    return "calm"


def mood_style(mood: str) -> dict[str, str]:
    """{"expression": …, "narration": …} for a mood."""
    return dict(MOODS.get(mood, MOODS["calm"]))


# ── characters ────────────────────────────────────────────────────────────────

def story_names(story: Story) -> list[str]:
    """Capitalised names in the story, most mentioned first (ties: first mentioned first)."""
    table = lexicon()["words"]
    keywords = set().union(*lexicon()["backgrounds"].values())
    mid: dict[str, int] = {}
    start: dict[str, int] = {}
    order: dict[str, int] = {}
    position = 0
    for paragraph in story.paragraphs:
        for sentence in paragraph.sentences:
            initial = True
            in_quote = False
            for m in re.finditer(r"[\"\u201c\u201d.!?:]|" + _LETTERS, sentence.text):
                tok = m.group(0)
                if tok in ".!?:":
                    initial = True
                    continue
                if tok in "\"\u201c\u201d":
                    opening = tok == "\u201c" or (tok == '"' and not in_quote)
                    in_quote = opening
                    if opening:
                        initial = True  # the first word inside a quote starts a sentence of its own
                    continue
                position += 1
                if (tok[0].isupper() and not tok.isupper()) or tok in ("Luna", "Sunny"):
                    bare = re.sub(r"['\u2019]s$", "", tok)
                    counts = start if initial else mid
                    counts[bare] = counts.get(bare, 0) + 1
                    order.setdefault(bare, position)
                initial = False
    names = []
    for name in order:
        low = name.lower()
        if low in ("luna", "sunny"):
            names.append(name)
            continue
        if low in NOT_NAMES or low in table or low in keywords or len(name) < 2:
            continue
        if mid.get(name, 0) >= 1 or start.get(name, 0) >= 2:
            names.append(name)
    counts = {n: mid.get(n, 0) + start.get(n, 0) for n in names}
    return sorted(names, key=lambda n: (-counts[n], order[n]))


_QUOTE = re.compile(r"\"([^\"]+)\"|\u201c([^\u201d]+)\u201d?")


# How a line is said, by the feeling the reader gives it (a mocking line is said grumpily, with an angry face).
SAID_AS = {"mocking": "grumpily", "angry": "grumpily", "sad": "sadly", "scared": "scared", "sleepy": "sleepily",
           "proud": "proudly", "calm": "gently"}


def _speakers(facts, cast: dict[str, tuple[str, str]]):
    """quote text -> (the cast member who says it, how: a mood word or None) from the reader's Speech."""
    said = {_plain(s.text): (cast[s.speaker][0], SAID_AS.get(s.feeling or ""))
            for s in facts.speeches if s.speaker in cast}
    return lambda quote: said.get(_plain(quote), (None, None))


def _plain(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _attribution_words(cast: dict[str, tuple[str, str]], facts) -> set[str]:
    """Words that only say who speaks ("said the hare", "she asked"): not narrated on their own."""
    words = {"the", "a", "an", "little", "old", "big", "he", "she", "they", "it", "his", "her", "their", "mr", "mrs"}
    for page in facts:
        for c in page.characters:
            words.update(w.lower() for w in _WORD.findall(c.name))
    words.update(key for key in cast)
    return words


def _page_lines(sentences: list[Sentence], speaker_of, mood: str, attribution: set[str]) -> list[dict[str, str]]:
    lines: list[dict[str, str]] = []
    for sentence in sentences:
        lines.extend({**line, "text": phrase}
                     for line in _sentence_lines(sentence.text, speaker_of, mood, attribution)
                     for phrase in _phrases(line["text"]))
    return lines


def _phrases(text: str) -> list[str]:
    """A line longer than one caption cue (two lines of MAX_CHARS), split at the
    comma (or 'and') nearest its middle: each phrase is then said on its own and
    its caption stays up until it is read (`wait for reading`); one long line would
    run its cues at the voice's pace, faster than young viewers' captions may go.
    A line with no such break is split where its captions would break it
    (`phrase_chunks`: before a preposition or conjunction, never one word alone)."""
    if fits_cue(text):
        return [text]
    cuts = [m.end() for m in re.finditer(r"[,;:]\s+|\s+(?=and\s|but\s|then\s)", text)]
    cuts = [c for c in cuts if 12 <= c <= len(text) - 12]
    if not cuts:
        tokens = text.split()
        return [" ".join(tokens[i] for i in chunk) for chunk in phrase_chunks(tokens)]
    cut = min(cuts, key=lambda c: abs(c - len(text) / 2))
    return _phrases(text[:cut].strip()) + _phrases(text[cut:].strip())


def check_reading(timeline, age: int = DEFAULT_AGE, where: str = "story") -> None:
    """The planner's promise: every caption of the book can be read at the age's
    speed (what `render check-video` checks). A cue that cannot is a planning bug;
    it stops the render before a video its own check would reject is written."""
    limit = reading_speed_limit(age)
    for cue in timeline.captions:
        seconds = cue.end - cue.start
        cps = reading_length(cue.text) / seconds if seconds > 0 else float("inf")
        if cps > limit + 1e-6:
            raise SceneError(
                f"{where}: the caption '{' '.join(cue.text.split())}' at {cue.start:.2f}s would be shown for "
                f"{seconds:.2f}s, {cps:.1f} characters a second against {limit:g} for age {age}",
                hint="split the sentence with a comma or a full stop; please report it, the planner should have")


def _sentence_lines(text: str, speaker_of, mood: str, attribution: set[str]) -> list[dict[str, str]]:
    quotes = list(_QUOTE.finditer(text))
    # A quote that does not end like speech ("Hi," / "Hi!") is a quoted word inside the
    # narration (Luna said "hi" to the moon): the narrator reads the whole sentence.
    said = [speaker_of(q.group(1) or q.group(2) or "") for q in quotes]
    how = [h for _, h in said]
    speakers = [who if (q.group(1) or q.group(2) or "").rstrip()[-1:] in ",.!?\u2026-\u2014" else None
                for (who, _), q in zip(said, quotes)]
    if not quotes or not any(speakers):
        return [{"who": "narrator", "text": text}]
    # Any unattributed quote takes the speaker of an attributed one in the same sentence.
    known = next(s for s in speakers if s)
    speakers = [s or known for s in speakers]
    lines: list[dict[str, str]] = []
    skip = set(SPEECH_VERBS) | attribution
    cursor = 0
    for q, who, said_as in zip(quotes, speakers, how):
        _narrate_between(text[cursor: q.start()], lines, skip)
        spoken = (q.group(1) or q.group(2) or "").strip()
        spoken = re.sub(r"[,;:\u2014-]+$", ".", spoken)
        if _WORD.search(spoken):
            line = {"who": who, "text": spoken}
            if said_as:
                line["mood"] = said_as
            elif spoken.endswith("?"):
                line["mood"] = "curiously"
            elif spoken.endswith("!") and mood in ("happy", "excited", "calm", "surprised", "curious"):
                line["mood"] = "excitedly"
            lines.append(line)
        cursor = q.end()
    _narrate_between(text[cursor:], lines, skip)
    return lines


def _narrate_between(text: str, lines: list[dict[str, str]], skip: set[str]) -> None:
    """Narrate the words around a quote unless they are only the attribution ("said Luna", "asked the hare")."""
    words = [w.lower() for w in _WORD.findall(text)]
    said = any(w in SPEECH_VERBS for w in words)  # "asked the fox sweetly": the adverb goes with the tag
    if not words or all(w in skip or (said and w.endswith("ly")) for w in words):
        return
    cleaned = re.sub(r"^[\s,.;:!?\u2014-]+", "", text).strip()
    cleaned = re.sub(r"[\s,;:\u2014-]+$", "", cleaned)
    if cleaned and cleaned[-1] not in _TERMINATORS:
        cleaned += "."
    if cleaned:
        lines.append({"who": "narrator", "text": cleaned})


# ── length ────────────────────────────────────────────────────────────────────

def _speech_seconds(words: int, narration: str, voice: str = "narrator") -> float:
    from ..engine.speech import MOOD_ALIASES, MOODS as SPEECH_MOODS, VOICES

    rate = VOICES[voice].rate_wpm * ESPEAK_PACE if voice in VOICES else 200.0
    mood = SPEECH_MOODS.get(MOOD_ALIASES.get(narration, narration))
    if mood is not None:
        return words * 60.0 / (rate * mood.rate) + words * mood.word_gap + 0.25
    return words * 60.0 / rate + 0.25


def estimate_seconds(story: Story, pages: list[Page], age: int = DEFAULT_AGE) -> list[float]:
    """The video's running time before synthesis, cumulative: [after the title card, after page 1, …, total]."""
    age = age if age in AGES else DEFAULT_AGE
    t = TITLE_CARD + _speech_seconds(len(_WORD.findall(story.title)), "happily")
    marks = [t]
    for page in pages:
        narration = mood_style(page.mood)["narration"]
        t += PAGE_LEAD[age] + PAGE_TAIL[age] - TRANSITION
        for line in page.lines:
            who = line["who"] if line["who"] != "narrator" else "narrator"
            speech = _speech_seconds(len(_WORD.findall(line["text"])), line.get("mood", narration), who)
            # The book waits for its caption to be read (`wait for reading`).
            t += max(speech, reading_length(line["text"]) / reading_speed_limit(age))
            t += PAUSE_AFTER_SENTENCE[age]
        marks.append(t)
    marks.append(t + END_CARD - TRANSITION)
    return marks


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    return f"{seconds // 60}m {seconds % 60:02d}s"


def format_limit(seconds: float) -> str:
    """A platform's limit: 60s, 12 min."""
    seconds = int(round(seconds))
    return f"{seconds}s" if seconds < 120 or seconds % 60 else f"{seconds // 60} min"


def story_platform(platform: str | None = None, preset: str | None = None) -> Platform | None:
    """The platform a story is made for: --platform, else the one its --preset is
    named after (shorts, tiktok, reels, youtube), else YouTube; None for a
    preset no platform is named after (square)."""
    from ..engine.publish.platforms import PLATFORM_NAMES, get_platform

    name = platform or preset or "youtube"
    return get_platform(name) if name in PLATFORM_NAMES else None


def length_limit(platform: Platform | None, age: int = DEFAULT_AGE) -> tuple[float, str]:
    """The longest the video may run, and whose limit that is: the platform's
    (engine/publish/platforms.yaml) or, when shorter, the longest episode for the age."""
    from .templates import EPISODE_WINDOWS

    span = float(EPISODE_WINDOWS[age if age in AGES else DEFAULT_AGE][1])
    if platform is not None and platform.max_duration is not None and platform.max_duration < span:
        return float(platform.max_duration), platform.label
    return span, f"an episode for age {age}"


def check_length(story: Story, pages: list[Page], platform: Platform | None = None, age: int = DEFAULT_AGE) -> float:
    """The estimated length in seconds; a SceneError when it is over the platform's
    limit or the attention span of the age (`length_limit`)."""
    limit, whose = length_limit(platform, age)
    marks = estimate_seconds(story, pages, age)
    total = marks[-1]
    if total <= limit:
        return total
    # Point at the page during which the limit is passed.
    over = next((i for i, t in enumerate(marks[1:-1]) if t > limit), len(pages) - 1)
    sentence = pages[over].sentences[0]
    fit_words = int(story.words * max(0.0, limit - (TITLE_CARD + END_CARD)) / max(total - TITLE_CARD - END_CARD, 1))
    longest, _ = length_limit(None, age)
    other = (f", or make a longer video (--platform youtube: up to {format_limit(longest)} at age {age})"
             if limit < longest else "")
    raise SceneError(
        f"the story is too long for {whose}: about {format_duration(total)} narrated "
        f"({story.words} words, {len(pages)} pages), and {whose} allows {format_limit(limit)}",
        location=story.location(sentence.line, sentence.column, len(sentence.text.split()[0])),
        hint=f"the {format_limit(limit)} limit is passed on this page (page {over + 1}); "
             f"shorten the story to about {fit_words} words{other}")


# ── the template's variables ──────────────────────────────────────────────────

def storybook_template() -> Path:
    """The storybook template's body. `templates/storybook/template.scene` only
    includes it; `render story` expands it directly because its pages are
    mappings it has planned and checked (`validate_pages`) itself."""
    return Path(__file__).resolve().parent.parent / "templates" / "storybook" / "book.scene"


def smart_quotes(text: str) -> str:
    """Straight double quotes as typographic ones, for the words shown on a page."""
    out, opening = [], True
    for i, ch in enumerate(text):
        if ch == '"':
            opening = i == 0 or text[i - 1].isspace() or text[i - 1] in "([\u2014-"
            out.append("\u201c" if opening else "\u201d")
        else:
            out.append(ch)
    return "".join(out)


def storybook_variables(story: Story, pages: list[Page], age: int = DEFAULT_AGE) -> dict[str, Any]:
    return {"title": smart_quotes(story.title), "pages": [p.as_param() for p in pages], "age": age}


def scene_header(story: Story, pages: list[Page], age: int, platform: Platform | None, seconds: float) -> str:
    """The comment block at the top of an emitted scene: where it came from and the cast mapping."""
    roles: dict[str, str] = {}
    for page in pages:
        for actor in page.stage.get("actors", ()):
            roles.setdefault(actor.get("role") or actor["name"], actor["character"])
    if roles:
        cast = ", ".join(f"{role} -> {member}" for role, member in roles.items())
    else:
        cast = "nobody is named; luna and sunny listen on every page"
    backgrounds = ", ".join(f"{i}: {p.background}/{p.mood}" for i, p in enumerate(pages, start=1))
    lines = [
        f"Generated by `render story {story.path}` from the storybook template (templates/storybook/book.scene).",
        (f"{len(pages)} pages, about {format_duration(seconds)} narrated, age {age}, "
         f"{platform.label if platform else 'no platform'} (limit {format_limit(length_limit(platform, age)[0])})."),
        f"Cast: {cast}.",
        f"Pages (background/mood): {backgrounds}.",
    ]
    return "".join(f"# {line}\n" for line in lines) + "\n"


def emitted_scene(header: str, text: str) -> str:
    """An expanded scene as a file of its own: the header, and the text kept away from
    Jinja (it is expanded again when the file is rendered) if it contains Jinja markup."""
    body = text.strip("\n") + "\n"
    if any(tag in body for tag in ("{{", "{%", "{#")) and "endraw" not in body:
        body = "{% raw %}\n" + body + "{% endraw %}\n"
    return header + body


def validate_pages(pages: Any, where: str = "pages") -> list[dict[str, Any]]:
    """Check the storybook template's `pages` parameter; the pages with defaults filled in.

    Each page is a mapping: text (required), background (meadow), mood (calm),
    characters (both), lines (optional list of {who, text, mood}), seed."""
    if not isinstance(pages, list) or not pages:
        raise SceneError(f"{where} must be a non-empty list of pages",
                         hint="each page: {text: ..., background: forest, mood: happy, characters: [luna]}")
    out = []
    for i, page in enumerate(pages, start=1):
        at = f"{where}[{i}]"
        if isinstance(page, str):
            page = {"text": page}
        if not isinstance(page, dict):
            raise SceneError(f"{at} must be a mapping with at least `text`")
        unknown = set(page) - {"text", "background", "mood", "characters", "lines", "seed", "stage", "image", "sound"}
        if unknown:
            raise SceneError(f"{at} has unknown key{'s' if len(unknown) > 1 else ''} {', '.join(sorted(unknown))}",
                             hint="a page has text, background, mood, characters, lines, seed and stage")
        text = page.get("text")
        if not isinstance(text, str) or not _WORD.search(text):
            raise SceneError(f"{at}.text must be text with words")
        background = page.get("background", DEFAULT_BACKGROUND)
        if background not in BACKGROUNDS:
            raise SceneError(f"{at}.background '{background}' is not one of {', '.join(BACKGROUNDS)}")
        for key, known in (("time", TIMES), ("weather", WEATHERS)):
            if key in (page.get("stage") or {}) and page["stage"][key] not in known:
                raise SceneError(f"{at}.stage.{key} '{page['stage'][key]}' is not one of {', '.join(known)}")
        mood = page.get("mood", "calm")
        if mood not in MOODS:
            raise SceneError(f"{at}.mood '{mood}' is not one of {', '.join(MOODS)}")
        characters = page.get("characters", list(CAST))
        if not isinstance(characters, list) or not all(isinstance(c, str) and has_character(c) for c in characters):
            raise SceneError(f"{at}.characters must be a list of character ids (folders in characters/: luna, sunny, …)")
        lines = page.get("lines")
        if lines is not None:
            if not isinstance(lines, list) or not all(isinstance(x, dict) and isinstance(x.get("text"), str)
                                                      and x.get("who", "narrator") in ("narrator", *characters)
                                                      for x in lines):
                raise SceneError(f"{at}.lines must be a list of {{who: narrator or one of the page's characters, "
                                 f"text: ...}}")
        stage = page.get("stage")
        if stage is not None and not (isinstance(stage, dict) and isinstance(stage.get("actors", []), list)):
            raise SceneError(f"{at}.stage must be a mapping (render story --emit-scene shows one)")
        seed = page.get("seed", 7)
        if not isinstance(seed, int):
            raise SceneError(f"{at}.seed must be a whole number")
        item = {"text": text, "background": background, "mood": mood, "characters": characters, "seed": seed}
        if lines is not None:
            item["lines"] = lines
        if stage is not None:
            item["stage"] = stage
        for key in ("image", "sound"):
            if key in page:
                if not isinstance(page[key], str) or not page[key].strip():
                    raise SceneError(f"{at}.{key} must be a file name" + (" or a sound's name" if key == "sound" else ""))
                item[key] = page[key]
        out.append(item)
    return out


# ── a recorded narration ──────────────────────────────────────────────────────

END_LINE = "The End."  # what the storybook's last card says (templates/storybook/book.scene)


def narration_texts(story: Story, pages: list[Page]) -> list[str]:
    """What the book says, line by line, in order: the title, each page's lines, "The End."."""
    return [smart_quotes(story.title), *(line["text"] for page in pages for line in page.lines), END_LINE]


def split_narration(path: str | Path, texts: list[str], folder: str | Path | None = None) -> list[Path]:
    """Cut a recording of the whole book read aloud into one WAV per line.

    The recording is aligned with all the lines' words at once
    (engine/speech/recorded.py); each line's piece runs from halfway through the
    pause before its first word to halfway through the pause after its last (the
    first from just before its first word, the last to the end of the file).
    Each piece is then used as that line's `recording`, so it is aligned again on
    its own (cached) and the book keeps its pauses and `wait for reading`. Pieces
    are written to `folder` (default: `<cache>/narration/<hash of file and text>`).
    Raises SceneError, located at the story when it can be, when the recording
    does not say the book."""
    import hashlib

    import numpy as np

    from ..engine.audio import AudioError, load_audio
    from ..engine.speech import SpeechError
    from ..engine.speech.audio import SAMPLE_RATE, wav_bytes, write_atomic
    from ..engine.speech.cache import cache_root
    from ..engine.speech.recorded import align, dictionary_words

    path = Path(path)
    shown = str(path)
    try:
        blob = path.read_bytes()
        audio = load_audio(path, keep_mono=True)
    except OSError as exc:
        raise SceneError(f"cannot read the narration '{shown}': {exc.strerror or exc}") from None
    except AudioError as exc:
        raise SceneError(f"narration: {exc.message}", hint=exc.hint) from None
    samples = np.asarray(audio, dtype=np.float32)
    samples = samples.reshape(-1) if samples.ndim == 1 else samples.mean(axis=0)
    counts = [len(dictionary_words(t)) for t in texts]
    try:
        words, _, _ = align(samples, " ".join(texts))
    except SpeechError as exc:
        raise SceneError(f"narration '{shown}': {exc.message}",
                         hint="the recording must read the title, every page and \"The End.\" in order; "
                              "render story --emit-scene shows what is read") from None
    key = hashlib.sha256(blob + "\n".join(texts).encode("utf-8")).hexdigest()[:24]
    out = Path(folder) if folder is not None else cache_root() / "narration" / key
    out.mkdir(parents=True, exist_ok=True)
    bounds: list[tuple[float, float]] = []
    k = 0
    for n in counts:
        bounds.append((words[k].start, words[k + n - 1].end))
        k += n
    total = samples.size / SAMPLE_RATE
    pieces = []
    for i, (first, last) in enumerate(bounds):
        start = max(0.0, first - 0.1) if i == 0 else (bounds[i - 1][1] + first) / 2
        end = total if i == len(bounds) - 1 else (last + bounds[i + 1][0]) / 2
        piece = samples[int(round(start * SAMPLE_RATE)): int(round(end * SAMPLE_RATE))]
        target = out / f"line{i + 1:03d}.wav"
        write_atomic(target, wav_bytes(piece))
        pieces.append(target)
    return pieces


def narrated_variables(story: Story, pages: list[Page], age: int, pieces: list[Path]) -> dict[str, Any]:
    """`storybook_variables` with each line's piece of the narration as its `recording`."""
    variables = storybook_variables(story, pages, age)
    it = iter(str(p) for p in pieces)
    variables["title_recording"] = next(it)
    for page in variables["pages"]:
        for line in page["lines"]:
            line["recording"] = next(it)
    variables["end_recording"] = next(it)
    return variables
