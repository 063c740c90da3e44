"""The storybook's director: what the reader found on a page -> how the page is staged.

    stages = direct_pages(pages, facts)     # one stage per page (dsl/story.py calls it from plan_pages)

The reader (dsl/story_reader.py) says who is on a page, who says each quoted
line, where and when it happens, what each character does and feels, and the
page's props. The director turns that into decisions a template can draw
(templates/storybook/book.scene lays them out for the canvas):

- **casting**: a story character whose id has a folder in characters/ plays
  itself; one that has none is played by Luna or Sunny (whichever is free), so a
  story about a unicorn still has someone on stage; one the objects library
  draws (a fish) is drawn as the page's prop instead.
- **blocking**: the page's characters in the order the text names them, left to
  right, facing whom they talk to (else each other, else the prop); the
  template spreads them over the middle of the stage, never the far edges.
- **acting**: each character's verbs become one act (`ACTS`: race -> run across
  the frame, nap -> sleep, give -> the prop passes to the other), played with the
  gestures the character has (`gestures`), falling back to a face and a move
  where it has none; the feeling picks the face (`FEELINGS`: mocking is a smug,
  angry face, never a jump for joy).
- **the prop**: the page's key prop (the reader puts it first), if the
  objects library can draw it (`templates/_lib/objects.scene` KINDS).
- **the camera**: a slow push-in on most pages, a pan between two characters who
  talk to each other, a cut-in on the prop when the page is about it.
- **the key word**: what a two- or three-year-old sees on screen: the act, the
  prop or the main character, one word.

Everything here is a pure function of the reader's facts: deterministic.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

__all__ = ["ACTS", "FALLBACK_CAST", "FEELINGS", "cast_story", "direct_page", "drawable_props", "gestures_of",
           "has_character", "listeners"]

FALLBACK_CAST = ("luna", "sunny")  # who plays a character the library has no folder for

# A verb (the reader's lemma) -> the act that shows it. Earlier acts win when a
# character does several things on one page (the race beats the walk to it).
ACTS: dict[str, tuple[str, ...]] = {
    "run": ("race", "run", "dash", "hurry", "rush", "chase", "sprint", "scamper", "zoom", "gallop", "flee"),
    "sleep": ("sleep", "nap", "doze", "snooze", "rest", "snore", "dream", "lie"),
    "give": ("give", "hand", "share", "offer", "bring", "pass", "gift"),
    "hide": ("hide", "crouch", "cower"),
    "mock": ("mock", "tease", "laugh at", "jeer", "sneer", "boast", "brag", "scoff", "taunt"),
    "cheer": ("cheer", "celebrate", "clap", "applaud", "win", "hooray"),
    "jump": ("jump", "hop", "leap", "bounce", "skip"),
    "laugh": ("laugh", "giggle", "chuckle", "smile", "grin"),
    "cry": ("cry", "sob", "weep", "sniff"),
    "fly": ("fly", "flutter", "soar", "float"),
    "swim": ("swim", "splash", "paddle", "dive"),
    "eat": ("eat", "munch", "nibble", "drink", "chew", "taste", "gobble"),
    "find": ("find", "discover", "spot", "see", "look", "watch", "search", "notice", "point"),
    "wave": ("wave", "greet", "hello", "goodbye"),
    "dance": ("dance", "sing", "play", "twirl"),
    "hug": ("hug", "cuddle", "kiss"),
    "sit": ("sit",),
    "climb": ("climb", "fall", "tumble", "slip"),
    "walk": ("walk", "go", "stroll", "wander", "march", "come", "arrive", "visit", "trot", "plod", "crawl"),
}
_VERB_ACT = {verb: act for act, verbs in ACTS.items() for verb in verbs}
_ACT_ORDER = list(ACTS)

# A feeling (the reader's word) -> the face. Mocking and boasting are smug, not happy.
FEELINGS: dict[str, tuple[str, ...]] = {
    "happy": ("happy", "glad", "joyful", "pleased", "cheerful", "delighted", "kind", "friendly", "love", "proud"),
    "excited": ("excited", "thrilled", "eager", "joy"),
    "sad": ("sad", "unhappy", "lonely", "sorry", "upset", "disappointed", "crying"),
    "angry": ("angry", "cross", "mad", "grumpy", "furious", "mocking", "smug", "boastful", "teasing",
              "rude", "jealous", "annoyed"),
    "scared": ("scared", "afraid", "frightened", "worried", "nervous", "fear", "shy"),
    "surprised": ("surprised", "amazed", "shocked", "astonished"),
    "sleepy": ("sleepy", "tired", "drowsy", "asleep", "sleeping"),
    "thinking": ("curious", "thinking", "puzzled", "wondering", "thoughtful", "determined", "patient", "steady"),
}
_FEELING_FACE = {word: face for face, words in FEELINGS.items() for word in words}

# The face an act shows when the character's feeling does not say.
ACT_FACE = {"run": "excited", "sleep": "sleepy", "mock": "angry", "cheer": "excited", "jump": "excited",
            "laugh": "happy", "cry": "sad", "hide": "scared", "give": "happy", "find": "surprised", "dance": "happy",
            "hug": "happy"}

# The gestures the language plays by name (dsl/compiler.py CHARACTER_WORDS, less
# the ones that take arguments); a character plays those its file defines.
_GESTURE_WORDS = ("wave", "jump", "nod", "clap", "cheer", "surprise", "shrug", "think", "point", "walk", "run", "sit",
                  "sleep")


def listeners(mood_face: str) -> list[dict[str, Any]]:
    """Luna and Sunny, facing each other: the stage of a story that names no one."""
    return [{"name": c, "character": c, "role": c.capitalize(), "height": height_of(c), "act": "", "verb": "",
             "expression": mood_face,
             "gestures": list(gestures_of(c)), "toward": "", "facing": facing}
            for c, facing in zip(FALLBACK_CAST, ("right", "left"))]


def has_character(char_id: str) -> bool:
    from ..engine.characters import find_character

    return find_character(char_id) is not None


@lru_cache(maxsize=64)
def height_of(char_id: str) -> float:
    """How tall the character stands, in design px at scale 1 (the staging keeps heads below the words)."""
    from ..engine.characters import load_character

    try:
        return float(load_character(char_id).height)
    except Exception:  # noqa: BLE001 - a broken file is reported where the scene compiles it
        return 450.0


@lru_cache(maxsize=64)
def gestures_of(char_id: str) -> tuple[str, ...]:
    """The action words `char_id` can play: those the language gives every character
    (dsl/cast.py CHARACTER_WORDS: wave, cheer, run, sleep, …) and its own gestures by name."""
    from ..engine.characters import load_character
    from .compiler import CHARACTER_WORDS

    try:
        own = set(load_character(char_id).gestures)
    except Exception:  # noqa: BLE001 - a broken file is reported where the scene compiles it
        own = set()
    return tuple(g for g in _GESTURE_WORDS if g in CHARACTER_WORDS or g in own)


@lru_cache(maxsize=1)
def drawable_props() -> frozenset[str]:
    """The kinds templates/_lib/objects.scene can draw (its MACROS table)."""
    text = (Path(__file__).resolve().parent.parent / "templates" / "_lib" / "objects.scene").read_text("utf-8")
    table = re.search(r"{%\s*set MACROS = {(.*?)}\s*%}", text, re.S)
    return frozenset(re.findall(r'"([a-z_]+)"\s*:', table.group(1))) if table else frozenset()


# ── casting ───────────────────────────────────────────────────────────────────

def cast_story(characters: Iterable[Any]) -> dict[str, tuple[str, str]]:
    """Story character id -> (cast member name, character folder id), in order of
    first appearance. Ids with a folder play themselves; one the objects library
    draws (fish) is left to be drawn as a prop; others take Luna or Sunny while
    one is free, else are not cast."""
    cast: dict[str, tuple[str, str]] = {}
    seen: list[str] = []
    for c in characters:
        if c.id not in cast and c.id not in seen:
            seen.append(c.id)
    for key in seen:
        if has_character(key):
            cast[key] = (key, key)
    used = set(cast)
    free = [c for c in FALLBACK_CAST if c not in used]
    for key in seen:
        # One the objects library draws (a fish) is drawn as a prop, not played by Luna.
        if key not in cast and free and key not in drawable_props():
            member = free.pop(0)
            cast[key] = (member, member)
    return cast


# ── one page ──────────────────────────────────────────────────────────────────

def _act_of(actions: Iterable[str]) -> tuple[str, str]:
    """(act, the verb that chose it), or ("", "") when no verb is acted out."""
    found = [(_VERB_ACT[a.lower()], a.lower()) for a in actions if a.lower() in _VERB_ACT]
    return min(found, key=lambda f: _ACT_ORDER.index(f[0])) if found else ("", "")


def _face_of(feeling: str | None, act: str | None, mood_face: str) -> str:
    if feeling and feeling.lower() in _FEELING_FACE:
        return _FEELING_FACE[feeling.lower()]
    return ACT_FACE.get(act or "", mood_face)


def direct_page(facts: Any, cast: dict[str, tuple[str, str]], mood_face: str, previous_camera: str = "") -> dict[str, Any]:
    """The stage for one page: actors (left to right), the prop, the camera and the key word.

    `facts` is the reader's PageFacts; `cast` comes from `cast_story`;
    `mood_face` is the page mood's expression, for characters with no feeling."""
    actors: list[dict[str, Any]] = []
    for c in facts.characters:
        if c.id not in cast or any(a["name"] == cast[c.id][0] for a in actors):
            continue
        name, kind = cast[c.id]
        act, verb = _act_of(c.actions)
        actors.append({"name": name, "character": kind, "role": c.name, "height": height_of(kind),
                       "act": act, "verb": verb,
                       "expression": _face_of(getattr(c, "feeling", None), act, mood_face),
                       "gestures": list(gestures_of(kind)), "toward": "", "facing": "right"})
    by_key = {k: v[0] for k, v in cast.items()}
    names = [a["name"] for a in actors]
    # Who talks to whom: the speaker faces the addressee (else the other on stage).
    for speech in facts.speeches:
        speaker, addressee = by_key.get(speech.speaker or ""), by_key.get(getattr(speech, "addressee", None) or "")
        for a in actors:
            if a["name"] == speaker and not a["toward"] and addressee in names and addressee != speaker:
                a["toward"] = addressee
    for i, a in enumerate(actors):
        if a["act"] == "give" and not a["toward"] and len(actors) > 1:
            a["toward"] = names[1] if i == 0 else names[0]
    uncast = [c.id for c in facts.characters if c.id not in cast]
    prop = next((p for p in (*facts.props, *uncast) if p in drawable_props()), "")
    for i, a in enumerate(actors):
        if a["toward"]:
            a["facing"] = "right" if names.index(a["toward"]) > i else "left"
        elif len(actors) > 1:
            a["facing"] = "right" if i < len(actors) / 2 else "left"
        elif a["act"] in ("run", "walk"):
            a["facing"] = "right"
    speakers = {by_key.get(s.speaker or "") for s in facts.speeches} - {None}
    if len(speakers) >= 2:
        camera = "pan"
    elif prop and any(a["act"] in ("give", "find", "eat") for a in actors):
        camera = "cutin"
    else:
        camera = "push" if previous_camera != "push" or len(actors) < 2 else "drift"
    key = _key_word(actors, prop, facts)
    return {"actors": actors, "prop": prop, "camera": camera, "key": key,
            "setting": facts.setting or "", "time": facts.time_of_day or "day", "weather": facts.weather or "clear"}


_LIVELY = ("run", "jump", "cheer", "hide", "fly", "swim", "dance")


def _key_word(actors: list[dict[str, Any]], prop: str, facts: Any) -> str:
    """One word for the youngest viewers: the page's verb (race, nap), else its prop, else who is on it."""
    for a in actors:
        if a["verb"] and a["act"] not in ("walk", "find"):
            return a["verb"].capitalize() + ("!" if a["act"] in _LIVELY else "")
    if prop:
        return prop.capitalize()
    names = [c.name for c in facts.characters if getattr(c, "name", "")]
    return names[0].capitalize() if names else ""
