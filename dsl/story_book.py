"""A story with the user's own art: `render story book.yaml` (or a folder holding story.yaml).

    title: The Little Seed
    pages:
      - text: A little seed fell into the garden.
        image: art/seed.png          # optional: the page's picture, full frame, with a slow Ken Burns move
        narration: voice/page1.wav   # optional: a person reading the page (used instead of a voice)
        sound: birds                 # optional: a library sound or a sound file, as the page opens
      - text: The rain came, and the sun came.

Each entry is one page, as written (a book's pages are not split or merged).
A page without an image is illustrated by the director like a plain-text story
(dsl/story_director.py). Files are relative to the YAML file; one that is not
there is an error at the line and column of its name: `book.yaml:4:16: error:
image file not found: 'art/seed.png'`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, SceneError
from .project import read_capped

__all__ = ["PAGE_KEYS", "PageArt", "StoryBook", "is_story_book", "read_story_book"]

PAGE_KEYS = ("text", "image", "narration", "sound")
BOOK_FILE = "story.yaml"


@dataclass(frozen=True)
class PageArt:
    """What the user gave for one page besides its words (absolute paths)."""
    image: str | None = None
    narration: str | None = None
    sound: str | None = None  # a library sound's name or an absolute file path


@dataclass
class StoryBook:
    story: Any  # dsl.story.Story: the title and one paragraph per page
    art: list[PageArt] = field(default_factory=list)
    folder: Path = Path(".")


def is_story_book(path: str | Path) -> bool:
    """A YAML file or a folder (read as its story.yaml), rather than a plain-text story."""
    path = Path(path)
    return path.is_dir() or path.suffix.lower() in (".yaml", ".yml")


def read_story_book(path: str | Path) -> StoryBook:
    from ..engine.audio.effects import SOUND_EFFECTS
    from ..engine.audio.library import is_library_sound
    from .story import Paragraph, Sentence, Story, _split_sentences

    path = Path(path)
    if path.is_dir():
        path = path / BOOK_FILE
        if not path.is_file():
            raise SceneError(f"the folder {path.parent} has no {BOOK_FILE}",
                             hint="a story folder holds story.yaml: title, then pages: [{text, image, narration, sound}]")
    shown = str(path)
    try:
        text = read_capped(path, what="story file").decode("utf-8")
    except FileNotFoundError:
        raise SceneError(f"file not found: {shown}") from None
    except UnicodeDecodeError:
        raise SceneError(f"{shown} is not UTF-8 text", hint="save the file as UTF-8") from None
    except OSError as exc:
        raise SceneError(f"cannot read {shown}: {exc.strerror or exc}") from None
    lines = tuple(text.split("\n"))

    def at(node: yaml.Node) -> Location:
        line = node.start_mark.line + 1
        source = lines[line - 1] if line <= len(lines) else ""
        length = max(1, (node.end_mark.column - node.start_mark.column) if node.end_mark.line == node.start_mark.line
                     else len(source) - node.start_mark.column)
        return Location(shown, line, node.start_mark.column + 1, source, length)

    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = Location(shown, mark.line + 1, mark.column + 1, lines[mark.line] if mark and mark.line < len(lines)
                         else "") if mark else None
        raise SceneError(f"the story is not valid YAML: {getattr(exc, 'problem', None) or exc}",
                         location=where) from None
    shape = "title: …, then pages: a list of {text, image, narration, sound}"
    if not isinstance(root, yaml.MappingNode):
        raise SceneError("a story book is a mapping with `title` and `pages`",
                         location=at(root) if root is not None else Location(shown, 1, 1, ""), hint=shape)
    top = {k.value: (k, v) for k, v in root.value}
    for key, (knode, _) in top.items():
        if key not in ("title", "pages"):
            raise SceneError(f"unknown key '{key}'", location=at(knode), hint=shape)
    if "title" not in top or not isinstance(top["title"][1], yaml.ScalarNode) or not str(top["title"][1].value).strip():
        raise SceneError("the story book needs a `title`", location=at(top["title"][1] if "title" in top else root),
                         hint=shape)
    if "pages" not in top or not isinstance(top["pages"][1], yaml.SequenceNode) or not top["pages"][1].value:
        raise SceneError("the story book needs `pages`: a list of pages",
                         location=at(top["pages"][1] if "pages" in top else root), hint=shape)
    title_node = top["title"][1]
    folder = path.resolve().parent
    paragraphs, art = [], []
    for number, node in enumerate(top["pages"][1].value, start=1):
        if isinstance(node, yaml.ScalarNode):
            fields = {"text": (node, node)}
        elif isinstance(node, yaml.MappingNode):
            fields = {k.value: (k, v) for k, v in node.value}
        else:
            raise SceneError(f"page {number} must be its text or a mapping {{text, image, narration, sound}}",
                             location=at(node), hint=shape)
        for key, (knode, _) in fields.items():
            if key not in PAGE_KEYS:
                raise SceneError(f"page {number} has an unknown key '{key}'", location=at(knode),
                                 hint=f"a page has {', '.join(PAGE_KEYS)}")
        words = fields.get("text", (None, None))[1]
        if words is None or not isinstance(words, yaml.ScalarNode) or not str(words.value).strip():
            raise SceneError(f"page {number} has no text", location=at(words or node),
                             hint="every page has `text:` (what is read and shown)")
        line, col = words.start_mark.line + 1, words.start_mark.column + 1
        body = " ".join(str(words.value).split())
        sentences = tuple(Sentence(s, line, col) for s, _ in _split_sentences(body))
        paragraphs.append(Paragraph(body, line, col, sentences))
        found: dict[str, str | None] = {}
        for key, what in (("image", "image"), ("narration", "narration"), ("sound", "sound")):
            if key not in fields:
                found[key] = None
                continue
            value = fields[key][1]
            name = str(value.value).strip() if isinstance(value, yaml.ScalarNode) else ""
            if key == "sound" and (name in SOUND_EFFECTS or is_library_sound(name)):
                found[key] = name
                continue
            file = (folder / name).resolve()
            if not name or not file.is_file():
                raise SceneError(f"{what} file not found: '{name}'", location=at(value),
                                 hint=f"file names are relative to {path.name}'s folder ({folder})"
                                      + (" or a built-in sound's name (pop, chime, birds, …)" if key == "sound" else ""))
            found[key] = str(file)
        art.append(PageArt(**found))
    story = Story(" ".join(str(title_node.value).split()), tuple(paragraphs), shown, title_node.start_mark.line + 1,
                  lines)
    return StoryBook(story, art, folder)
