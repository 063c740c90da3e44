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
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .story import Page, Story

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
    # First version of the interface: defaults only; the reading lands next.
    return [PageFacts((), (), "meadow", "day", "clear", ()) for _ in pages]


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
