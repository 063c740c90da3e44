"""The words a story is read with (dsl/story_reader.py): the word lists of
story_words.yaml, word forms from lemminflect, the prop kinds objects.scene
draws, and tokens with their place in a sentence.

Why lemminflect and not a parser: spaCy's small English pipeline (with a
permissively licensed re-upload on PyPI) would tag and parse, but loading it
takes seconds and ~50 MB, and stories for young children are short, plain
sentences that hand-made lists read well. lemminflect (MIT, pinned) gives the
base forms the lists need ("ran" -> run, "mice" -> mouse, "leaves" -> leaf and
leave) from tables in its wheel, offline and deterministic. Its lemma table
is searched where it lies in the installed package (`lemmas_of`, the same
answers as lemminflect.getAllLemmas), so the first story in a process reads
in ~80 ms rather than ~1 s, and each one after in ~2 ms.
"""
from __future__ import annotations

import bisect
import gzip
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ADJECTIVES", "ANSWER_VERBS", "ARTICLES", "DETERMINERS", "EVERYONE", "INVERTERS", "NUMBERS", "OBJECTS_LIBRARY", "PRONOUNS", "Phrases", "TERMINATORS", "THING_SUBJECTS", "TITLES", "TITLE_IDS", "Token", "is_adjective", "names_a_thing", "prop_kinds", "tokenize", "word_forms", "words",
]

# ── words ─────────────────────────────────────────────────────────────────────

OBJECTS_LIBRARY = Path(__file__).resolve().parent.parent / "templates" / "_lib" / "objects.scene"
_MACROS = re.compile(r"\{%-?\s*set\s+MACROS\s*=\s*\{(.*?)\}\s*-?%\}", re.S)
_MACRO_KEY = re.compile(r"[\"']([^\"']+)[\"']\s*:")


def prop_kinds() -> frozenset[str]:
    """The prop kinds objects.scene draws (its MACROS keys, i.e. KINDS), read now: new kinds land often."""
    try:
        text = OBJECTS_LIBRARY.read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    m = _MACROS.search(text)
    return frozenset(_MACRO_KEY.findall(m.group(1))) if m else frozenset()


@lru_cache(maxsize=1)
def words() -> dict[str, Any]:
    """story_words.yaml, with phrase tables keyed by their first word."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's reader: ~7x faster where built in
    data = yaml.load((Path(__file__).parent / "story_words.yaml").read_text(encoding="utf-8"), Loader=loader)
    nouns = {noun: cid for cid, ns in data["characters"].items() for noun in ns}

    def phrases(table: dict[str, list]) -> Phrases:
        return Phrases([(str(w), label) for label, ws in table.items() for w in ws])

    return {
        "nouns": nouns,
        "ambiguous": set(data["ambiguous"]),
        "stand_ins": {w: [] if ids is None else [ids] if isinstance(ids, str) else list(ids)
                      for w, ids in data["stand_ins"].items()},
        "girl_names": set(data["girl_names"]), "boy_names": set(data["boy_names"]),
        "female": set(data["female"]), "male": set(data["male"]),
        "actions": phrases(data["actions"]),
        "speech_verbs": data["speech_verbs"],
        "feelings": phrases(data["feelings"]),
        "negated_feelings": data["negated_feelings"],
        "settings": Phrases([(str(w), (place, float(weight))) for place, ws in data["settings"].items()
                              for w, weight in ws.items()]),
        "times": phrases(data["times"]),
        "weather": phrases(data["weather"]),
        "props": Phrases([(w, kind) for w, kind in data["prop_phrases"].items()]),
        "prop_words": data["prop_words"],
        "not_props": set(data["not_props"]), "sky_props_in": set(data["sky_props_in"]),
        "sky_props": set(data["sky_props"]),
        "things": data["things"],
        "clause_breaks": set(data["clause_breaks"]),
        "negations": set(data["negations"]),
    }


class Phrases:
    """Word sequences (lemmas) -> a label; `match` finds the longest one starting at a token."""

    def __init__(self, entries: list[tuple[str, Any]]):
        self.first: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
        for text, label in entries:
            seq = tuple(text.lower().split())
            self.first.setdefault(seq[0], []).append((seq, label))
        for options in self.first.values():
            options.sort(key=lambda o: -len(o[0]))

    def match(self, tokens: list[Token], i: int) -> tuple[int, Any] | None:
        """(how many tokens, label) of the longest phrase at tokens[i], or None."""
        for form in tokens[i].forms:
            for seq, label in self.first.get(form, ()):
                if i + len(seq) <= len(tokens) and all(
                        seq[k] in tokens[i + k].forms and tokens[i + k].quote == tokens[i].quote
                        for k in range(1, len(seq))):
                    return len(seq), label
        return None


@lru_cache(maxsize=1)
def _lemma_tables() -> tuple[list[str], dict[str, dict[str, tuple[str, ...]]]]:
    """lemminflect's lemma table (its lemma_lu.csv.gz: word,category,lemma/lemma, sorted by word) and its
    overrides, read from the installed package without importing it: lemminflect's own getAllLemmas
    builds a dictionary of all 80,000 lines first (~1 s), a binary search over the lines needs none."""
    spec = importlib.util.find_spec("lemminflect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("lemminflect is not installed (pip install lemminflect==0.2.3)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "resources"
    lines = gzip.decompress((folder / "lemma_lu.csv.gz").read_bytes()).decode("utf-8").splitlines()
    overrides: dict[str, dict[str, tuple[str, ...]]] = {}
    for line in (folder / "lemma_overrides.csv").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, upos, lemma = line.split(",")
            overrides.setdefault(word, {})[upos] = (lemma,)
    return lines, overrides


def _word_of(line: str) -> str:
    return line[: line.find(",")]


def lemmas_of(word: str) -> dict[str, tuple[str, ...]]:
    """What lemminflect.getAllLemmas(word) gives for a lower-case word: {"VERB": ("run",)} for "ran"."""
    lines, overrides = _lemma_tables()
    i = bisect.bisect_left(lines, word, key=_word_of)
    found: dict[str, tuple[str, ...]] = {}
    while i < len(lines) and _word_of(lines[i]) == word:
        _, category, forms = lines[i].split(",")
        found["AUX" if category == "modal" else category.upper()] = tuple(forms.split("/"))
        i += 1
    found.update(overrides.get(word, {}))
    return found


@lru_cache(maxsize=8192)
def word_forms(low: str) -> tuple[tuple[str, ...], tuple[str, ...], bool, frozenset[str]]:
    """The word's forms for matching (itself and its lemmas: ran -> run, leaves -> leave, leaf; happily ->
    happy), its noun forms (itself and its noun lemmas: mice -> mouse, but not crowed -> crow), and whether it
    is an inflected verb form (wanted, sang, runs), and the parts of speech it can be (none: an unknown
    word, such as most names)."""
    low = low.replace("\u2019", "'")
    lemmas = lemmas_of(low)
    forms = [low]
    for pos in ("VERB", "NOUN", "ADJ", "AUX", "ADV"):
        for lemma in lemmas.get(pos, ()):
            if lemma.lower() not in forms:
                forms.append(lemma.lower())
    if low.endswith("ily") and len(low) > 5:
        forms.append(low[:-3] + "y")
    elif low.endswith("ly") and len(low) > 4:
        forms.append(low[:-2])
    if low.endswith("'s"):
        forms.append(low[:-2])
    nouns = tuple(dict.fromkeys([low if not low.endswith("'s") else low[:-2],
                                 *(n.lower() for n in lemmas.get("NOUN", ()))]))
    verb = any(v.lower() != low for v in lemmas.get("VERB", ())) or (low.endswith("ed") and len(low) > 4)
    return tuple(forms), nouns, verb, frozenset(lemmas)


# ── tokens and mentions ───────────────────────────────────────────────────────

_TOKEN = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*|[\"\u201c\u201d]|[.,;:!?\u2014]")
TERMINATORS = {".", "!", "?"}
DETERMINERS = frozenset("the a an this that these those his her their my our your its every each some one two "
                        "three four five many no other".split())
# Words that may stand before a character noun in a name: "Mr Fox", "Little Red Hen", "King Leo".
TITLES = frozenset("mr mrs ms miss mister dr old little big mother father mama papa uncle aunt auntie sir lady "
                   "baby king queen prince princess grandma grandpa granny farmer teacher captain wise".split())
# A title before a person's name that no noun draws: who draws them.
TITLE_IDS = {"mrs": "teacher", "ms": "teacher", "miss": "teacher", "lady": "queen", "aunt": "teacher",
             "auntie": "teacher", "mr": "farmer", "mister": "farmer", "sir": "king", "uncle": "farmer",
             "dr": "teacher", "captain": "farmer", "prince": "boy", "princess": "girl"}
PRONOUNS = {"he": ("m", "subject"), "him": ("m", "object"), "his": ("m", "possessive"),
            "himself": ("m", "possessive"), "she": ("f", "subject"), "her": ("f", "object"),
            "hers": ("f", "possessive"), "herself": ("f", "possessive"), "they": ("*", "subject"),
            "them": ("*", "object"), "their": ("*", "possessive"), "themselves": ("*", "possessive")}
ANSWER_VERBS = frozenset({"answer", "reply", "respond"})
# Words a clause may open with before its verb, the subject coming after: "Down fell the cheese".
INVERTERS = frozenset("down up off out away in here there".split())
ARTICLES = frozenset("the a an this that these those some".split())
# Subjects that are no character on the page: the verbs after them are nobody's.
THING_SUBJECTS = frozenset("it somebody someone something nobody nothing everything there i we you".split())
EVERYONE = frozenset({"everyone", "everybody", "friends", "both"})  # all who are on the page (or were)


@dataclass
class Token:
    text: str
    low: str
    start: int  # offset in the sentence's text
    kind: str  # word, punct, open, close
    quote: int  # the index of the quote it is inside (its quote marks too), -1 outside
    forms: tuple[str, ...] = ()
    nouns: tuple[str, ...] = ()
    verb: bool = False
    pos: frozenset[str] = frozenset()

    @property
    def capital(self) -> bool:
        return self.kind == "word" and self.text[0].isupper() and not self.text.isupper()


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    quote, count = -1, 0
    for m in _TOKEN.finditer(text):
        t = m.group(0)
        if t in "\"\u201c\u201d":
            if t == "\u201c" or (t == '"' and quote < 0):
                quote, count = count, count + 1
                out.append(Token(t, t, m.start(), "open", quote))
            else:
                out.append(Token(t, t, m.start(), "close", quote))
                quote = -1
        elif t[0].isalnum():
            low = t.lower()
            out.append(Token(t, low, m.start(), "word", quote, *word_forms(low)))
        else:
            out.append(Token(t, t, m.start(), "punct", quote))
    return out


ADJECTIVES = frozenset("""little big old young small tiny wise clever lazy busy hungry proud brave kind slow fast quick
brown grey gray black white red yellow green blue orange pink golden sly silly happy sad sleepy friendly good bad
naughty fat thin tall short pretty beautiful fluffy cheeky grumpy shy mighty great hard-working speedy""".split())


def is_adjective(token: Token) -> bool:
    return token.low in ADJECTIVES


NUMBERS = frozenset("two three four five six seven eight nine ten lots".split())


def names_a_thing(tokens: list[Token], i: int) -> bool:
    """Whether tokens[i] is used as a noun for a thing: after an article, a possessive, a number or an
    adjective, in the plural, or a word that is only ever a noun; not "the top of the hill", "as well"."""
    t = tokens[i]
    if i + 1 < len(tokens) and tokens[i + 1].low == "of":
        return False
    before = tokens[i - 1] if i else None
    if before is not None and before.kind == "word" and (
            before.low in DETERMINERS or before.low in NUMBERS or before.low in PRONOUNS or "ADJ" in before.pos
            or before.low.endswith(("'s", "\u2019s")) or before.pos == {"NOUN"}):  # the hunter's net, apple tree
        return True
    if t.pos == {"NOUN"}:
        return True
    return t.low != t.nouns[-1] and t.low.endswith("s")  # "apples", "flowers"
