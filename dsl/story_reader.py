"""Reading a story: who is on each page, who says what, where and when it happens.

    story = read_story("story.txt")
    pages = plan_pages(story)
    facts = read_story_facts(story, pages)      # one PageFacts per page, same order
    for w in story_warnings(facts): print(w)     # story.txt:3:14: warning: no picture for 'unicorn'; drawn as horse

The interface the storybook director stages pages from (keep it stable):

- `PageFacts.characters`: `CharacterFacts` in order of first mention on the
  page (by name, by a "the hare"-style noun, or by a pronoun followed from an
  earlier sentence or page). `id` is a character library id (`CHARACTER_IDS`),
  `name` how the story calls it ("Tortoise", "the hare", "Mia"), `actions` the
  verbs it acts out (from `ACTIONS`, in order), `feeling` one storybook mood or
  expression (from `FEELINGS`).
- `PageFacts.speeches`: every quoted line on the page, in order, with its
  `speaker` (a character id, or None: the narrator reads it), `addressee` (whom
  it is said to, or None), `feeling` (how it is said, or None) and where the
  opening quote is in the file (`line`, `col`).
- `setting` (`SETTINGS`), `time_of_day` (`TIMES`), `weather` (`WEATHERS`):
  read from the whole context and carried over from page to page until the
  text changes them.
- `props`: prop kinds of templates/_lib/objects.scene (its `KINDS`, read when
  the story is read), the page's key prop first.
- `warnings`: things the story names that the library cannot draw, located in
  the story file, with what draws them instead (`drawn_as`, or None).

`facts_as_json(facts)` is the JSON form `render story FILE --facts` prints.

How it reads (the word lists are dsl/story_words.yaml, the word forms come from
lemminflect; see dsl/story_words.py for why not a parser): a pass over the
story finds people's names (a capitalised word mid-sentence, or one a verb
follows; girl/boy by the she/he after it, else by the name lists, else
Luna/Sunny; "her dog Comet" and "Daisy the cow" name the animal; a story told
as "I" has its narrator on the pages). Then each sentence, in order, is cut
into clauses (at punctuation and "and", "but", "when", …); a clause's subject
is the character named before its verb, or carried from the clause before;
pronouns go to the latest fitting character (he/she fix a gender the first
time). The clause's verbs and feeling words are its subject's, unless
negated; "laughed at X" makes the subject mocking and X sad. A quoted line's
speaker is the character in its tag ("…," said the fox / the fox said, "…"),
else the one speaking just before in the same paragraph, the other one of a
conversation in a new paragraph, or the subject of the sentence before.
Setting, time and weather are weighted cues (phrases first: "the sun went
down"), the last one on a page winning, carried to the next pages.
Deterministic: no randomness, no network, same text, same facts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .story_words import (ANSWER_VERBS, ARTICLES, DETERMINERS, EVERYONE, INVERTERS, PRONOUNS, Phrases, TERMINATORS,
                          THING_SUBJECTS, TITLES, TITLE_IDS, Token, is_adjective, names_a_thing, prop_kinds,
                          tokenize, word_forms, words)

if TYPE_CHECKING:
    from .story import Page, Sentence, Story

__all__ = [
    "ACTIONS", "CHARACTER_IDS", "FEELINGS", "SETTINGS", "TIMES", "WEATHERS",
    "CharacterFacts", "PageFacts", "Speech", "StoryWarning", "facts_as_json", "read_story_facts", "story_warnings",
]

CHARACTER_IDS = (
    "luna", "sunny", "tortoise", "hare", "fox", "crow", "lion", "mouse", "bear", "owl", "wolf", "pig", "duck", "hen",
    "dog", "cat", "cow", "sheep", "horse", "frog", "ant", "grasshopper", "bee", "butterfly", "fish", "elephant",
    "monkey", "giraffe", "penguin", "bird", "snail", "squirrel", "girl", "boy", "grandma", "grandpa", "king", "queen",
    "farmer", "teacher",
)
ACTIONS = ("walk", "run", "race", "sleep", "laugh", "cheer", "jump", "fly", "swim", "eat", "give", "look", "hide",
           "find", "sit", "dance", "sing", "cry", "wave", "hug", "point", "climb", "fall", "talk")
FEELINGS = ("happy", "excited", "calm", "sad", "scared", "sleepy", "surprised", "curious", "angry", "proud",
            "mocking")
SETTINGS = ("meadow", "forest", "river", "lake", "beach", "sea", "underwater", "snow", "mountain", "farm", "street",
            "park", "garden", "bedroom", "kitchen", "classroom", "castle", "space", "desert", "jungle", "cave")
TIMES = ("dawn", "day", "sunset", "night")
WEATHERS = ("clear", "cloudy", "rain", "snow", "wind")


@dataclass(frozen=True)
class StoryWarning:
    """A word the library has no picture for, where the story first uses it."""
    path: str
    line: int
    col: int
    word: str
    drawn_as: str | None  # the character id or prop kind drawn instead; None: left out of the picture

    def __str__(self) -> str:
        instead = f"drawn as {self.drawn_as}" if self.drawn_as else "left out of the picture"
        return f"{self.path}:{self.line}:{self.col}: warning: no picture for '{self.word}'; {instead}"


@dataclass(frozen=True)
class Speech:
    """One quoted line."""
    text: str
    speaker: str | None  # character id; None: unknown, the narrator reads it
    addressee: str | None
    feeling: str | None
    line: int  # the opening quote's place in the story file
    col: int


@dataclass(frozen=True)
class CharacterFacts:
    id: str  # a CHARACTER_IDS entry
    name: str  # as the story calls it: "Tortoise", "the hare", "Mia"
    actions: tuple[str, ...]  # ACTIONS entries, in the order the page tells them
    feeling: str  # a FEELINGS entry


@dataclass(frozen=True)
class PageFacts:
    characters: tuple[CharacterFacts, ...]  # in order of first mention on the page
    speeches: tuple[Speech, ...]
    setting: str
    time_of_day: str
    weather: str
    props: tuple[str, ...]  # objects.scene KINDS, the key prop first
    warnings: tuple[StoryWarning, ...] = ()

    def character(self, id: str) -> CharacterFacts | None:
        return next((c for c in self.characters if c.id == id), None)


def read_story_facts(story: Story, pages: list[Page]) -> list[PageFacts]:
    """The facts of each page (see the module docstring)."""
    return _Reader(story, pages).read()


def story_warnings(facts: list[PageFacts]) -> list[StoryWarning]:
    """All pages' warnings, in story order, each once."""
    seen: dict[tuple, StoryWarning] = {}
    for page in facts:
        for w in page.warnings:
            seen.setdefault((w.line, w.col, w.word), w)
    return list(seen.values())


def facts_as_json(facts: list[PageFacts]) -> dict[str, Any]:
    """{"pages": [...], "warnings": [...]}: the facts as plain JSON values."""
    def page(p: PageFacts) -> dict[str, Any]:
        return {
            "characters": [{"id": c.id, "name": c.name, "actions": list(c.actions), "feeling": c.feeling}
                           for c in p.characters],
            "speeches": [{"text": s.text, "speaker": s.speaker, "addressee": s.addressee, "feeling": s.feeling,
                          "line": s.line, "col": s.col} for s in p.speeches],
            "setting": p.setting, "time_of_day": p.time_of_day, "weather": p.weather, "props": list(p.props),
            "warnings": [str(w) for w in p.warnings],
        }
    return {"pages": [page(p) for p in facts], "warnings": [str(w) for w in story_warnings(facts)]}


@dataclass
class _Mention:
    start: int  # token indices
    end: int
    char: str | None  # a library id (None: a pronoun not resolved yet, or a thing left out of the picture)
    name: str = ""
    pronoun: str | None = None  # the pronoun as written
    role: str = "subject"  # a pronoun's: subject, object or possessive
    plural: bool = False  # a plural noun: "they" may be it


@dataclass
class _Clause:
    subjects: list[str] = field(default_factory=list)
    has_verb: bool = False
    negate: int = 0  # words still under a "not"
    thing: bool = False  # its subject is a thing ("the sun was setting")
    inverted: bool = False  # its subject comes after the verb ("down fell the cheese")
    size: int = 1  # how many tokens the last word read took (a phrase: several)
    after_quote: bool = False  # it follows a quoted line: its speech verb is the line's tag


@dataclass
class _PageNotes:
    present: list[str] = field(default_factory=list)
    actions: dict[str, list[str]] = field(default_factory=dict)
    feelings: dict[str, list[str]] = field(default_factory=dict)
    speeches: list[dict[str, Any]] = field(default_factory=list)
    props: dict[str, list[float]] = field(default_factory=dict)  # kind -> [score, first position]
    warnings: list[StoryWarning] = field(default_factory=list)

    def see(self, chars) -> None:
        for c in chars:
            if c and c not in self.present:
                self.present.append(c)

    def act(self, chars, action: str) -> None:
        for c in chars:
            done = self.actions.setdefault(c, [])
            if action not in done:
                done.append(action)

    def feel(self, chars, feeling: str) -> None:
        for c in chars:
            self.feelings.setdefault(c, []).append(feeling)


# ── the reader ────────────────────────────────────────────────────────────────

FEELING_OF_MOOD = {"happy": "happy", "excited": "excited", "calm": "calm", "sad": "sad", "scary": "scared",
                   "sleepy": "sleepy", "surprised": "surprised", "curious": "curious"}


NO_WEATHER = frozenset({"underwater", "space"})  # settings no rain or snow falls in
NARRATOR_WORDS = {"i": "subject", "me": "object", "my": "possessive", "myself": "possessive"}
MIN_SETTING_SCORE = 2.0  # to move the story somewhere else: a place's name (3), or two of its things
NAMED_PLACE_SCORE = 3.0  # a place's own name: "the farm"


class _Reader:
    """Reads the pages in order, carrying who is who, the place, the time and the weather."""

    def __init__(self, story: Story, pages: list[Page]):
        self.story, self.pages, self.w = story, pages, words()
        self.kinds = prop_kinds()
        self.names: dict[str, str] = {}  # a person's name as written -> library id
        self.gender: dict[str, str] = {}  # library id -> "m" / "f"
        self.called: dict[str, str] = {}  # library id -> how the story first calls it
        self.recent: list[str] = []  # characters by last mention, most recent last
        self.last_subjects: list[str] = []  # the subjects of the last clause that had one
        self.sentence_subjects: list[str] = []  # the first subjects of the previous sentence
        self.previous_quoted = False  # the previous sentence had a quoted line
        self.speakers: list[str] = []  # who spoke, most recent last
        self.warned: set[str] = set()
        self.paragraph_at = {(s.line, s.column): k for k, p in enumerate(story.paragraphs) for s in p.sentences}
        self.previous_paragraph: int | None = None
        self.last_addressee: str | None = None
        self.last_speaker: str | None = None
        self.previous_present: list[str] = []  # the last page's characters ("everyone")
        self.next_sentence: Sentence | None = None
        self.previous_quote_only = False
        self.taken: set[str] = set()
        self.peeking = False  # reading ahead into the next sentence, for a speech tag or a deed
        self.narrator: str | None = None  # who "I" is in a story told by one of its characters
        self.plural: str | None = None  # the last subject, when a plural noun named it ("the other ducks")
        for cid in self.w["female"]:
            self.gender[cid] = "f"
        for cid in self.w["male"]:
            self.gender[cid] = "m"

    # ── the pass over the story ──

    def read(self) -> list[PageFacts]:
        self._find_names()
        title = tokenize(self.story.title)
        setting = self._setting(title) or self._first_setting() or "meadow"
        time_of_day = self._last_cue(title, self.w["times"]) or "day"
        weather = self._last_cue(title, self.w["weather"]) or "clear"
        out = []
        sentences = [s for page in self.pages for s in page.sentences]
        k = 0  # the sentence's index in the story
        for page in self.pages:
            notes = _PageNotes()
            tokens_of_page: list[Token] = []
            for sentence in page.sentences:
                tokens = tokenize(sentence.text)
                tokens_of_page += tokens
                k += 1
                self.next_sentence = sentences[k] if k < len(sentences) else None
                self._read_sentence(sentence, tokens, notes)
            setting = self._setting(tokens_of_page, setting) or setting
            time_of_day = self._last_cue(tokens_of_page, self.w["times"]) or time_of_day
            weather = self._last_cue(tokens_of_page, self.w["weather"]) or weather
            self._props(page, tokens_of_page, setting, notes)
            self.previous_present = list(notes.present)
            shown = "clear" if setting in NO_WEATHER else weather  # the weather goes on above, for later pages
            out.append(self._facts(page, notes, setting, time_of_day, shown))
        return out

    def _facts(self, page: Page, notes: _PageNotes, setting: str, time_of_day: str, weather: str) -> PageFacts:
        fallback = FEELING_OF_MOOD.get(page.mood, "calm")
        characters = []
        for cid in notes.present:
            actions = tuple(notes.actions.get(cid, ()))
            cues = notes.feelings.get(cid, [])
            if "mocking" in cues:
                feeling = "mocking"  # laughing at someone is not joy, whatever else the page says
            elif cues:
                feeling = cues[-1]
            elif fallback == "sleepy" and "sleep" not in actions:
                feeling = "calm"
            else:
                feeling = fallback
            characters.append(CharacterFacts(cid, self.called.get(cid, cid), actions, feeling))
        speeches = []
        for s in notes.speeches:
            addressee = s["addressee"]
            if addressee is None and s["speaker"]:
                others = [c for c in notes.present if c != s["speaker"]]
                if len(others) == 1:
                    addressee = others[0]
            speeches.append(Speech(s["text"], s["speaker"], addressee, s["feeling"], s["line"], s["col"]))
        ranked = sorted(notes.props, key=lambda k: (-notes.props[k][0], notes.props[k][1]))
        key = ranked[:1]
        rest = sorted(ranked[1:], key=lambda k: notes.props[k][1])
        return PageFacts(tuple(characters), tuple(speeches), setting, time_of_day, weather, tuple(key + rest),
                         tuple(sorted(notes.warnings, key=lambda w: (w.line, w.col))))

    # ── names ──

    def _find_names(self) -> None:
        """People's names (capitalised words that are not sentence openers or known words) -> girl/boy by
        the pronouns that follow them, else by the name lists, else luna/sunny; nouns' ids are taken first."""
        from .story import NOT_NAMES

        taken: set[str] = set()
        order: list[str] = []
        mid: dict[str, int] = {}
        initial: dict[str, int] = {}
        sentences = [s for page in self.pages for s in page.sentences]
        tokenized = [tokenize(s.text) for s in sentences]
        verb_after: set[str] = set()  # names a verb follows somewhere ("Nova climbed")
        for tokens in tokenized:
            for i, t in enumerate(tokens):
                if t.kind != "word":
                    continue
                cid = self._noun_id(tokens, i)
                if cid:
                    taken.add(cid)
                    self._apposition(tokens, i, cid)
                    continue
                if t.text in self.names or (i and tokens[i - 1].capital and tokens[i - 1].quote < 0
                                            and tokens[i - 1].low not in NOT_NAMES | TITLES):
                    continue  # a later word of a name already counted: "Red Riding Hood"
                if not t.capital or t.quote >= 0 or t.low in NOT_NAMES or t.low in TITLES or len(t.low) < 2:
                    continue
                first = i == 0 or tokens[i - 1].kind == "open" or tokens[i - 1].text in TERMINATORS
                j = i + 1
                while j < len(tokens) and j < i + 4 and tokens[j].capital and tokens[j].quote < 0 \
                        and tokens[j].low not in NOT_NAMES and not self._noun_id(tokens, j):
                    j += 1
                bare = re.sub(r"['\u2019]s$", "", " ".join(x.text for x in tokens[i:j]))
                cid = self._noun_id(tokens, j + 1) if j + 1 < len(tokens) and tokens[j].low == "the" else None
                if cid and bare not in self.names:  # "Daisy the cow"
                    self.names[bare] = cid
                    self.called.setdefault(cid, bare)
                    continue
                (initial if first else mid)[bare] = (initial if first else mid).get(bare, 0) + 1
                if j < len(tokens) and (tokens[j].verb or tokens[j].low == "and"):
                    verb_after.add(bare)
                if bare not in order:
                    order.append(bare)
        self.taken = taken  # ids the story's own nouns use: stand-ins avoid them
        told = sum(1 for tokens in tokenized for t in tokens if t.quote < 0 and t.low in ("i", "me", "my"))
        if told >= 2:  # "Today I went to the park with my dad": the one telling it is on the pages too
            self.narrator = next((c for c in ("luna", "sunny", "girl", "boy") if c not in taken), None)
            if self.narrator:
                taken.add(self.narrator)
                self.called[self.narrator] = "the narrator"
        for name in order:
            low = name.lower()
            known = low in self.w["girl_names"] or low in self.w["boy_names"] or low in ("luna", "sunny")
            pos = word_forms(low)[3]
            opener_only = initial.get(name, 0) >= 2 and (not pos or (pos <= {"NOUN", "PROPN"} and name in verb_after))
            if name in self.names or not (mid.get(name) or known or opener_only):
                continue
            gender = self._pronoun_after(name, tokenized)
            if gender is None:
                gender = "f" if low in self.w["girl_names"] else "m" if low in self.w["boy_names"] else None
            if low in ("luna", "sunny"):
                cid = low
            else:
                prefer = {"f": ("girl", "luna", "sunny", "boy"), "m": ("boy", "sunny", "luna", "girl")}.get(
                    gender, ("luna", "sunny", "girl", "boy"))
                cid = next((c for c in prefer if c not in taken), None)
            if cid is None:
                continue
            taken.add(cid)
            self.names[name] = cid
            if gender:
                self.gender[cid] = gender

    def _apposition(self, tokens: list[Token], i: int, cid: str) -> None:
        """"her dog Comet", "a penguin named Pip": the name is that character's."""
        from .story import NOT_NAMES

        j = i + 1
        if j < len(tokens) and tokens[j].low in ("named", "called"):
            j += 1
        if j < len(tokens) and tokens[j].capital and tokens[j].quote < 0 and tokens[j].low not in NOT_NAMES \
                and not self._noun_id(tokens, j) and tokens[j].text not in self.names:
            self.names[tokens[j].text] = cid
            titled = tokens[i].capital and j == i + 1  # "Farmer Joe"
            self.called.setdefault(cid, f"{tokens[i].text} {tokens[j].text}" if titled else tokens[j].text)

    @staticmethod
    def _pronoun_after(name: str, tokenized: list[list[Token]]) -> str | None:
        """"f" or "m": the first she/he (her/him) in the sentence that first names `name`, or the next."""
        for k, tokens in enumerate(tokenized):
            first = name.split()[0]
            at = next((i for i, t in enumerate(tokens) if t.text == first or t.text.startswith(first + "'")), None)
            if at is None:
                continue
            for t in tokens[at + 1:] + (tokenized[k + 1] if k + 1 < len(tokenized) else []):
                if t.quote < 0 and t.low in PRONOUNS and PRONOUNS[t.low][0] != "*":
                    return PRONOUNS[t.low][0]
            return None
        return None

    def _noun_id(self, tokens: list[Token], i: int) -> str | None:
        """The library id a character noun at tokens[i] names ("the hare", "Tortoise"), or None."""
        t = tokens[i]
        nouns = self.w["nouns"]
        cid = next((nouns[n] for n in t.nouns if n in nouns), None)
        if cid is None:
            return None
        if i + 1 < len(tokens) and tokens[i + 1].kind == "word" and any(n in nouns for n in tokens[i + 1].nouns):
            return None  # "baby bird", "mother duck": the next noun is the character
        if any(n in self.w["ambiguous"] for n in t.nouns) and not t.capital:
            before = tokens[i - 1].low if i else ""
            if before not in DETERMINERS and before not in TITLES and not (
                    i and tokens[i - 1].kind == "word" and not tokens[i - 1].verb and is_adjective(tokens[i - 1])):
                return None  # "to duck", "could not bear"
        return cid

    # ── mentions ──

    def _mention(self, tokens: list[Token], i: int, sentence: Sentence, notes: _PageNotes) -> _Mention | None:
        t = tokens[i]
        if t.kind != "word" or (i and tokens[i - 1].low == "no"):  # "there was no wolf"
            return None
        if t.low in PRONOUNS:
            role = PRONOUNS[t.low][1]
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if t.low == "her" and after is not None and after.kind == "word" and (
                    "VERB" not in after.pos or is_adjective(after)
                    or ("NOUN" in after.pos and after.nouns[-1] != after.low)):
                role = "possessive"  # her beak, her eggs; but "let her go", "hugged her"
            return _Mention(i, i + 1, None, pronoun=t.low, role=role)
        if t.low in EVERYONE:
            return _Mention(i, i + 1, None, pronoun="everyone")
        if self.narrator and t.quote < 0 and t.low in NARRATOR_WORDS:
            return _Mention(i, i + 1, self.narrator, "the narrator", role=NARRATOR_WORDS[t.low])
        if self.narrator and t.quote < 0 and t.low in ("we", "us", "our"):
            return _Mention(i, i + 1, None, pronoun="we", role="subject" if t.low == "we" else "object")
        nouns = self.w["nouns"]
        if t.capital and t.low in TITLES:
            j = i + 1
            while j < len(tokens) and j <= i + 3 and tokens[j].capital:
                cid = next((nouns[n] for n in tokens[j].nouns if n in nouns), None)
                name = re.sub(r"['\u2019]s$", "", " ".join(x.text for x in tokens[i: j + 1]))  # Baby Bear's
                if cid:
                    return self._called(_Mention(i, j + 1, cid, name), tokens)
                named = self._name_at(tokens, j)
                if named:
                    cid = self.names[named[0]] if t.low not in TITLE_IDS and t.low not in nouns else (
                        TITLE_IDS.get(t.low) or nouns[t.low])
                    name = " ".join(x.text for x in tokens[i:j]) + " " + named[0]  # Little Red Riding Hood
                    return self._called(_Mention(i, named[1], cid, name), tokens)
                j += 1
        cid = self._noun_id(tokens, i)
        if cid and any(x.low == "like" for x in tokens[max(0, i - 3):i]):
            return None  # "I felt like a bird": no bird on the page
        if cid:
            j = i + 1 + (i + 1 < len(tokens) and tokens[i + 1].low in ("named", "called"))
            if j < len(tokens) and self.names.get(tokens[j].text) == cid:
                return self._called(_Mention(i, j + 1, cid, tokens[j].text), tokens)  # "her dog Comet"
            plural = t.low not in nouns and t.low != t.nouns[-1]  # "ducks"; "sheep" may be either
            return self._called(_Mention(i, i + 1, cid, self._written(tokens, i), plural=plural), tokens)
        stand_in = next((n for n in t.nouns if n in self.w["stand_ins"]), None)
        if stand_in in self.kinds:
            stand_in = None  # objects.scene draws it (a whale, a zebra): a prop, not a stand-in character
        if stand_in and i + 1 < len(tokens) and any(n in nouns for n in tokens[i + 1].nouns):
            stand_in = None  # "a mother duck": the duck
        if stand_in and (t.capital or (i and tokens[i - 1].low in DETERMINERS)
                         or stand_in not in self.w["ambiguous"]):  # "a bat", not "bat an eye"
            drawn_as = next((c for c in self.w["stand_ins"][stand_in] if c not in self.taken), None)
            self._warn(stand_in, sentence, t, drawn_as, notes)
            if drawn_as:
                return self._called(_Mention(i, i + 1, drawn_as, self._written(tokens, i)), tokens)
            return None
        named = self._name_at(tokens, i)
        if named:
            name, end = named
            return self._called(_Mention(i, end, self.names[name], name), tokens)
        return None

    def _name_at(self, tokens: list[Token], i: int) -> tuple[str, int] | None:
        """The longest known name starting at tokens[i] ("Red Riding Hood's" -> "Red Riding Hood"), and its end."""
        for end in range(min(len(tokens), i + 4), i, -1):
            words = tokens[i:end]
            if all(w.kind == "word" for w in words):
                name = re.sub(r"['\u2019]s$", "", " ".join(w.text for w in words))
                if name in self.names:
                    return name, end
        return None

    def _called(self, m: _Mention, tokens: list[Token]) -> _Mention:
        if tokens[m.start].quote < 0:  # how the narrator calls it, not "Wolf! Wolf!"
            self.called.setdefault(m.char, m.name)
        return m

    @staticmethod
    def _written(tokens: list[Token], i: int) -> str:
        t = tokens[i]
        if t.capital and not (i and tokens[i - 1].low in DETERMINERS):
            return re.sub(r"['\u2019]s$", "", t.text)  # Tortoise, Grandpa
        return "the " + re.sub(r"['\u2019]s$", "", t.low)

    def _warn(self, word: str, sentence: Sentence, token: Token, drawn_as: str | None, notes: _PageNotes) -> None:
        if word in self.warned or self.peeking:  # a look at the next sentence warns when it is read
            return
        self.warned.add(word)
        line, col = self._locate(sentence, token.start)
        notes.warnings.append(StoryWarning(self.story.path, line, col, word, drawn_as))

    def _locate(self, sentence: Sentence, offset: int) -> tuple[int, int]:
        """The file line and column of sentence.text[offset] (its runs of white space may be line breaks)."""
        lines = self.story.lines
        line, col = sentence.line, sentence.column
        if not lines:  # a story made in memory: its sentences' text is all there is
            return line, col + offset
        where = (line, col)
        for ch in sentence.text[: offset + 1]:
            if ch.isspace():
                continue
            while line <= len(lines):  # the file's white space and line breaks before this character
                source = lines[line - 1]
                if col > len(source):
                    line, col = line + 1, 1
                elif source[col - 1].isspace():
                    col += 1
                else:
                    break
            where = (line, col)
            col += 1
        return where

    def _resolve(self, m: _Mention, subjects: list[str], notes: _PageNotes,
                 avoid: str | None = None) -> tuple[str, ...]:
        """What a mention refers to; a pronoun goes to the latest fitting character (a subject pronoun
        prefers the last subject), and fixes that character's gender when the story had not said."""
        if m.pronoun is None:
            return (m.char,) if m.char else ()
        if m.pronoun == "everyone":
            return tuple(notes.present or self.previous_present)
        if m.pronoun == "we":  # the narrator and whoever is with them
            others = [c for c in (notes.present or self.previous_present) if c != self.narrator]
            return (self.narrator, *others[:2])
        gender, role = PRONOUNS[m.pronoun][0], m.role
        if gender == "*":
            if self.plural and self.last_subjects == [self.plural]:
                return (self.plural,)  # "The other ducks laughed. … they quacked."
            if len(self.last_subjects) >= 2:
                return tuple(self.last_subjects)
            group = notes.present if len(notes.present) >= 2 else self.recent[-2:]
            return tuple(group)
        candidates = list(reversed(self.recent))
        if role == "subject":
            candidates = [c for c in self.last_subjects if c in candidates] + candidates
            if avoid in candidates:
                candidates = [c for c in candidates if c != avoid] + [avoid]
        elif role == "possessive":  # "his paw" is the doer's own, mostly
            candidates = subjects + [c for c in self.last_subjects if c in candidates] + candidates
        else:
            candidates = [c for c in candidates if c not in subjects] + [c for c in candidates if c in subjects]
        for c in candidates:
            if self.gender.get(c, gender) == gender:
                if role != "possessive":  # "ran over his nose": whose nose is too unsure to tell a gender by
                    self.gender.setdefault(c, gender)
                return (c,)
        # No one fits: two of one kind share a picture (a mother duck and her duckling), so "he" is still
        # the likeliest one rather than nobody.
        return tuple(candidates[:1])

    # ── a sentence: who does what, who says what ──

    def _read_sentence(self, sentence: Sentence, tokens: list[Token], notes: _PageNotes) -> None:
        """Mentions, each clause's subjects and what they do and feel, then the sentence's quoted lines."""
        before_subjects, before_quoted = list(self.sentence_subjects), self.previous_quoted
        same_paragraph = self._paragraph_of(sentence) == self.previous_paragraph
        refs: dict[int, tuple[str, ...]] = {}  # token index -> the characters a mention there refers to
        first_subjects: list[str] = []
        opens_with_tag = bool(tokens) and tokens[0].kind == "word" and (
            tokens[0].low in PRONOUNS or self._name_at(tokens, 0) is not None
            or any(f in self.w["speech_verbs"] for f in tokens[0].forms))
        # '"Wolf! Wolf!" Tom cried.' is two sentences; "Tom cried" is still the line's tag.
        clause = _Clause(after_quote=self.previous_quote_only and opens_with_tag)
        i = 0
        while i < len(tokens):
            t = tokens[i]
            if t.quote >= 0:
                if t.kind == "word" and t.capital:  # "Hello, Crow!", "Mia, look!": whom it is said to
                    m = self._mention(tokens, i, sentence, notes)
                    called = m and ((i and tokens[i - 1].text == ",")
                                    or (m.end < len(tokens) and tokens[m.end].text == ","))
                    if m and called and m.pronoun is None and m.char:
                        refs[i] = (m.char,)
                        i = m.end
                        continue
                if t.kind in ("open", "close"):
                    clause = _Clause(after_quote=t.kind == "close")
                i += 1
                continue
            if t.kind == "punct" or (t.low in self.w["clause_breaks"] and (clause.has_verb or not clause.subjects)):
                clause = _Clause(after_quote=t.kind == "punct" and i > 0 and tokens[i - 1].kind == "close")
                i += 1
                continue
            m = self._mention(tokens, i, sentence, notes)
            if m:
                answering = clause.after_quote and m.end < len(tokens) and any(
                    f in ANSWER_VERBS for f in tokens[m.end].forms)  # '"…," she answered': not the asker
                chars = self._resolve(m, clause.subjects, notes, self.last_speaker if answering else None)
                refs[i] = chars
                notes.see(chars)
                for c in chars:
                    if c in self.recent:
                        self.recent.remove(c)
                    self.recent.append(c)
                if (not clause.has_verb or clause.inverted) and m.role == "subject":
                    clause.subjects = clause.subjects + [c for c in chars if c not in clause.subjects]
                    self.last_subjects = list(clause.subjects)
                    self.plural = m.char if m.plural else None
                    first_subjects = first_subjects or list(clause.subjects)
                i = m.end
                continue
            if t.low in self.w["negations"] or t.low.endswith(("n't", "n\u2019t")):
                clause.negate = 3
                i += 1
                continue
            if not clause.has_verb and not clause.subjects:
                if t.low in ARTICLES or t.low in THING_SUBJECTS:
                    clause.thing = True  # unless a character follows: "the race began", "the sun was setting"
                elif t.low in INVERTERS and i + 1 < len(tokens) and tokens[i + 1].verb:
                    clause.inverted = True  # "Down fell the cheese", "Off ran the hare"
            self._read_words(tokens, i, clause, sentence, notes)
            i += clause.size
        self._read_speeches(sentence, tokens, refs, notes, before_subjects, before_quoted, same_paragraph)
        self.sentence_subjects = first_subjects
        self.previous_quoted = any(t.kind == "open" for t in tokens)
        self.previous_quote_only = bool(tokens) and all(t.quote >= 0 for t in tokens)
        self.previous_paragraph = self._paragraph_of(sentence)

    def _paragraph_of(self, sentence: Sentence) -> int | None:
        return self.paragraph_at.get((sentence.line, sentence.column), self.previous_paragraph)

    def _read_words(self, tokens: list[Token], i: int, clause: _Clause, sentence: Sentence,
                    notes: _PageNotes) -> None:
        """An action, a feeling or a speech verb at tokens[i], given to whoever does it; sets clause.size."""
        t = tokens[i]
        action = self.w["actions"].match(tokens, i)
        feeling = self.w["feelings"].match(tokens, i)
        speech = next((f for f in t.forms if f in self.w["speech_verbs"]), None)
        size = clause.size = max(action[0] if action else 1, feeling[0] if feeling else 1)
        if not (action or feeling or speech or t.verb):
            clause.negate = max(0, clause.negate - 1)
            return
        doers = clause.subjects or ([] if clause.thing or clause.inverted else self.last_subjects)
        ahead = self._mention_ahead(tokens, i + size, sentence, notes)
        describes = ahead is not None and i > 0 and tokens[i - 1].low in DETERMINERS
        if not describes and i > 0 and (tokens[i - 1].low in DETERMINERS or (
                "NOUN" in t.pos and "ADJ" in tokens[i - 1].pos)):
            return  # "the falling snow", "the race", "the gentle waves": a thing, not a deed
        after = [x.kind if x.kind != "punct" else x.text for x in tokens[i + size: i + size + 2]]
        tag = bool(speech) and (clause.after_quote or after[:1] == ["open"] or after in ([",", "open"], [":", "open"]))
        if ahead is not None and (describes or (not clause.subjects and (speech or clause.inverted))):
            doers = list(ahead)  # "said the fox", "off ran the hare"; "the proud hare", "the sleeping hare"
            if not describes:
                clause.subjects = list(ahead)
                self.last_subjects = list(ahead)
        if not describes:
            clause.has_verb = True
            if clause.thing and not clause.subjects:
                self.last_subjects = []  # "It waved and giggled": the next verbs are not the last character's
        if tag:  # '"Look!" cried Leo': he calls out, not weeps; how he says it is the line's feeling
            notes.act(doers, action[1] if action and action[1] != "cry" else "talk")
        elif not clause.negate:
            if action:
                notes.act(doers, action[1])
            if feeling:
                notes.feel(doers, feeling[1])
                if feeling[1] == "mocking" and ahead and not describes:
                    notes.feel(ahead, "sad")  # the one laughed at
        elif feeling:
            notes.feel(doers, self.w["negated_feelings"].get(feeling[1], "calm"))
        clause.negate = max(0, clause.negate - size)

    def _mention_ahead(self, tokens, i, sentence, notes) -> tuple[str, ...] | None:
        """The characters named right after a verb or adjective (skipping a determiner), without moving on."""
        j = i + (1 if i < len(tokens) and tokens[i].low in DETERMINERS else 0)
        if j >= len(tokens) or tokens[j].quote >= 0 or tokens[j].low in PRONOUNS and PRONOUNS[tokens[j].low][1] != "subject":
            return None
        for k in (j, j + 1):
            if k < len(tokens) and tokens[k].kind == "word" and tokens[k].quote < 0:
                if tokens[k].low in PRONOUNS:
                    gender = PRONOUNS[tokens[k].low][0]
                    return tuple(c for c in reversed(self.recent) if self.gender.get(c) in (gender, None))[:1]
                m = self._mention(tokens, k, sentence, notes)
                if m:
                    return (m.char,) if m.char else None
        return None

    def _read_speeches(self, sentence, tokens, refs, notes, before_subjects, before_quoted, same_paragraph) -> None:
        """Each quoted line's speaker: a "said X" after or before it (in this sentence or opening the
        next), else as `_unattributed` says."""
        opens = [i for i, t in enumerate(tokens) if t.kind == "open"]
        previous_speaker = None
        for n, o in enumerate(opens):
            q = tokens[o].quote
            close = next((i for i in range(o + 1, len(tokens)) if tokens[i].kind == "close"), len(tokens))
            end = tokens[close].start if close < len(tokens) else len(sentence.text)
            text = sentence.text[tokens[o].start + 1: end].strip().rstrip(",").strip()
            start_before = next((i + 1 for i in range(o - 1, -1, -1) if tokens[i].kind == "close"), 0)
            after = []
            for i in range(close + 1, len(tokens)):
                if tokens[i].kind == "open" or tokens[i].text in TERMINATORS or (after and tokens[i].text == ","):
                    break
                after.append(i)
            before = list(range(start_before, o))
            speaker, addressee, feeling = None, None, None
            for segment in (after, before):
                mentioned = [c for i in segment if i in refs for c in refs[i]]
                verbs = [f for i in segment for f in tokens[i].forms if f in self.w["speech_verbs"]]
                said = verbs or (segment is after and segment and segment[0] in refs)
                said = said or (segment is before and segment and tokens[segment[-1]].text in (",", ":"))
                if mentioned and said:
                    speaker = mentioned[0]
                    addressee = next((c for c in mentioned if c != speaker), None)
                    feeling = next((self.w["speech_verbs"][v] for v in verbs if self.w["speech_verbs"][v]), None)
                    adverb = next((self.w["feelings"].match(tokens, i) for i in segment  # "said sadly"
                                   if self.w["feelings"].match(tokens, i)
                                   and not any(f in self.w["speech_verbs"] for f in tokens[i].forms)), None)
                    feeling = feeling or (adverb[1] if adverb else None)
                    break
                if segment is before and segment and not mentioned and previous_speaker and n:
                    speaker = previous_speaker  # "Wait," said the hare, "I am faster."
                    break
            if speaker is None and n and previous_speaker and not before:
                speaker = previous_speaker
            alone = n == 0 and not before and not after  # the sentence is only the quote
            if speaker is None and alone:
                speaker = self._tag_in_next_sentence(notes)  # '"Wolf! Wolf!" Tom cried.' is two sentences
            if speaker is None and n == 0:
                speaker = self._unattributed(sentence, before_subjects, before_quoted, same_paragraph, alone, notes)
            if speaker is None and n and previous_speaker:
                speaker = previous_speaker
            called = [c for i in range(o, close) if i in refs for c in refs[i]]
            if addressee is None:
                addressee = next((c for c in called if c != speaker), None)
            if addressee is None and speaker:  # whom this one was talking to, else the last one mentioned
                if self.last_speaker == speaker and self.last_addressee:
                    addressee = self.last_addressee
                else:
                    addressee = next((c for c in reversed(self.recent) if c != speaker), None)
            if feeling is None:
                feeling = self._said_feeling(tokens, o, close)
            if feeling is None and text.endswith("!"):
                feeling = "excited"
            if speaker:
                notes.see([speaker, addressee])
                notes.act([speaker], "talk")
                if feeling:
                    notes.feel([speaker], feeling)
                if not self.speakers or self.speakers[-1] != speaker:
                    self.speakers.append(speaker)
            line, col = self._locate(sentence, tokens[o].start)
            notes.speeches.append({"text": text, "speaker": speaker, "addressee": addressee, "feeling": feeling,
                                   "line": line, "col": col})
            previous_speaker = speaker
            self.last_speaker, self.last_addressee = speaker, addressee

    def _said_feeling(self, tokens: list[Token], start: int, end: int) -> str | None:
        """How a line sounds from its own words: the last feeling word in it ("so happy", "Hooray!",
        "Help!"), turned round when negated ("Do not be scared": calm); a deed it tells of ("someone has been
        sleeping", "why are you crying?") is no feeling of the speaker's."""
        feeling, negate = None, 0
        for i in range(start, end):
            t = tokens[i]
            if t.kind != "word":
                negate = 0 if t.text in TERMINATORS else negate
                continue
            if t.low in self.w["negations"] or t.low.endswith(("n't", "n\u2019t")):
                negate = 3
                continue
            found = self.w["feelings"].match(tokens, i)
            if found and not t.low.endswith("ing"):  # "sleeping", "crying": a deed told, not a feeling shown
                feeling = self.w["negated_feelings"].get(found[1], "calm") if negate else found[1]
            negate = max(0, negate - 1)
        return feeling

    def _tag_in_next_sentence(self, notes: _PageNotes) -> str | None:
        """The speaker when the next sentence opens with "Tom cried" or "said Tom"."""
        if self.next_sentence is None:
            return None
        tokens = tokenize(self.next_sentence.text)
        if not tokens or tokens[0].kind != "word":
            return None

        def is_speech(k: int) -> bool:
            return k < len(tokens) and any(f in self.w["speech_verbs"] for f in tokens[k].forms)

        self.peeking = True
        try:
            if is_speech(0):
                ahead = self._mention_ahead(tokens, 1, self.next_sentence, notes)
                return ahead[0] if ahead else None
            m = self._mention(tokens, 0, self.next_sentence, notes)
            if m and is_speech(m.end):
                chars = self._resolve(m, [], notes)
                return chars[0] if len(chars) == 1 else None
            return None
        finally:
            self.peeking = False

    def _unattributed(self, sentence: Sentence, before_subjects: list[str], before_quoted: bool,
                      same_paragraph: bool, alone: bool, notes: _PageNotes) -> str | None:
        """A quoted line with no "said X", in this order: the one speaking just before in the same
        paragraph; the character whose own sentence comes just before it in the paragraph ('Mia smiled.
        "Play?"'); the one whose deed follows it ('"Look at me!" The frog jumped.'); in a conversation,
        the other one's turn; the subject of the sentence before. None: the narrator reads it."""
        if before_quoted and same_paragraph and self.speakers:
            return self.speakers[-1]
        if same_paragraph and len(before_subjects) == 1:
            return before_subjects[0]
        beat = self._beat_after(sentence, notes) if alone else None
        if beat:
            return beat
        if before_quoted and self.speakers:
            last = self.speakers[-1]
            earlier = [c for c in reversed(self.speakers) if c != last]
            if earlier:
                return earlier[0]
            if self.last_addressee and self.last_addressee != last:
                return self.last_addressee
            others = [c for c in notes.present if c != last]
            return others[0] if len(others) == 1 else None
        if len(before_subjects) == 1:
            return before_subjects[0]
        return None

    def _beat_after(self, sentence: Sentence, notes: _PageNotes) -> str | None:
        """The character the next sentence of the paragraph opens with, doing something ("The frog jumped")."""
        following = self.next_sentence
        if following is None or self._paragraph_of(following) != self._paragraph_of(sentence):
            return None
        tokens = tokenize(following.text)
        i = 0
        while i < min(3, len(tokens)) and (tokens[i].low in DETERMINERS or "ADJ" in tokens[i].pos):
            i += 1
        self.peeking = True
        try:
            m = self._mention(tokens, i, following, notes) if i < len(tokens) else None
        finally:
            self.peeking = False
        if m is None or m.end >= len(tokens) or not (tokens[m.end].verb or self.w["actions"].match(tokens, m.end)):
            return None
        chars = self._resolve(m, [], notes)
        return chars[0] if len(chars) == 1 else None

    # ── where, when, what ──

    def _cues(self, tokens: list[Token], table: Phrases):
        """(position, label, negated) of each cue outside quotes, longest phrases first."""
        i, negate = 0, 0
        while i < len(tokens):
            t = tokens[i]
            if t.quote >= 0 or t.kind != "word" or t.text in self.names:  # Sunny is no sunny day
                if t.kind == "punct":
                    negate = 0
                i += 1
                continue
            if t.low in self.w["negations"] or t.low.endswith(("n't", "n\u2019t")):
                negate = 3
                i += 1
                continue
            found = table.match(tokens, i)
            if found:
                yield i, found[1], bool(negate)
                i += found[0]
                negate = max(0, negate - found[0])
                continue
            negate = max(0, negate - 1)
            i += 1

    def _last_cue(self, tokens: list[Token], table: Phrases) -> str | None:
        """The last cue's label (a negated weather cue, "it did not rain", means clear)."""
        last = None
        for _, label, negated in self._cues(tokens, table):
            if not negated:
                last = label
            elif table is self.w["weather"]:
                last = "clear"
        return last

    def _setting(self, tokens: list[Token], previous: str | None = None,
                 least: float = MIN_SETTING_SCORE) -> str | None:
        """The place whose cues weigh most; ties keep the previous place, else the first named."""
        score: dict[str, float] = {}
        first: dict[str, int] = {}
        for i, (place, weight), negated in self._cues(tokens, self.w["settings"]):
            if not negated:
                score[place] = score.get(place, 0.0) + weight
                first.setdefault(place, i)
        top = max(score.values(), default=0.0)
        if top == 0 or (previous and top < least):
            return None
        leaders = [p for p in score if score[p] == top]
        if previous in leaders:
            return previous
        return min(leaders, key=lambda p: first[p])

    def _first_setting(self) -> str | None:
        """Where a story that does not say at first is: the first place it names (else the first cue)."""
        first = None
        for page in self.pages:
            tokens = [t for s in page.sentences for t in tokenize(s.text)]
            found = self._setting(tokens)
            if found and self._setting(tokens, found, NAMED_PLACE_SCORE):
                return found
            first = first or found
        return first

    def _props(self, page: Page, tokens: list[Token], setting: str, notes: _PageNotes) -> None:
        """The page's prop kinds, scored by mentions (inside quotes at half weight); things the library
        cannot draw are warned about once."""
        w = self.w
        previous = None  # (where, kind, weight) of the last prop counted
        sentence_at = []  # token index -> its sentence, for warnings' places
        for s in page.sentences:
            sentence_at += [s] * len(tokenize(s.text))
        i = 0
        while i < len(tokens):
            t = tokens[i]
            if t.kind != "word" or self._noun_id(tokens, i) or t.low in PRONOUNS or t.text in self.names:
                i += 1
                continue
            size, kind = w["props"].match(tokens, i) or (1, None)
            if kind is None and not names_a_thing(tokens, i):
                i += 1
                continue
            noun = next((n for n in t.nouns if n in self.kinds or n in w["prop_words"] or n in w["things"]), None)
            if kind is None and noun is not None:
                if noun in self.kinds:
                    kind = noun
                elif noun in w["prop_words"]:
                    kind = w["prop_words"][noun]
                else:
                    stand_in = w["things"][noun]
                    kind = stand_in if stand_in in self.kinds else None
                    self._warn(noun, sentence_at[i], t, kind, notes)
            if kind and kind in self.kinds and kind != setting and (kind not in w["not_props"] or (
                    kind in w["sky_props"] and setting in w["sky_props_in"])):
                if previous and previous[0] == i - 1:  # "apple tree", "hen house": the last noun is the thing
                    notes.props[previous[1]][0] -= previous[2]
                    if notes.props[previous[1]][0] <= 0:
                        del notes.props[previous[1]]
                weight = 0.5 if t.quote >= 0 else 1.0
                entry = notes.props.setdefault(kind, [0.0, float(i)])
                entry[0] += weight
                previous = (i + size - 1, kind, weight)
            i += size
