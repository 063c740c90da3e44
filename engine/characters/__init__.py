"""Characters as data: `characters/<id>/character.yaml` -> `Character`.

The engine draws them (`painter.py`) and turns their gestures, speech and idle
life into ordinary timeline segments (`motion.py`). Characters are found in the
package's `characters/` folder and in any folder named by $STORYREEL_CHARACTERS
(os.pathsep-separated), which comes first.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .loader import CharacterError, load_character_file
from .model import BODY_CHANNELS, EXPRESSIONS, EYE_VARIANTS, MOUTH_CHANNELS, VISEMES, Character

__all__ = ["BODY_CHANNELS", "Character", "CharacterError", "EXPRESSIONS", "EYE_VARIANTS", "MOUTH_CHANNELS",
           "VISEMES", "character_folders", "find_character", "load_character"]


def character_folders() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("STORYREEL_CHARACTERS", "").split(os.pathsep) if p]
    return [*extra, Path(str(resources.files("storyreel"))) / "characters"]


def available_characters() -> list[str]:
    names = set()
    for folder in character_folders():
        if folder.is_dir():
            names.update(p.name for p in folder.iterdir() if (p / "character.yaml").is_file())
    return sorted(names)


_CHARACTER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def find_character(char_id: str) -> Path | None:
    """The `character.yaml` of the character `char_id`, or None. An id is a plain name
    (letters, digits, - and _), so that `character "../../elsewhere"` cannot reach
    outside the character folders, and an over-long one is simply unknown."""
    if not _CHARACTER_ID.fullmatch(char_id):
        return None
    for folder in character_folders():
        candidate = folder / char_id / "character.yaml"
        if candidate.is_file():
            return candidate
    return None


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@lru_cache(maxsize=32)
def _load(path: str, mtime: float) -> Character:
    return load_character_file(path, _display(Path(path)))


def load_character(ref: str) -> Character:
    """A character by id (`luna`) or by the path of its folder or YAML file."""
    path = Path(ref)
    if path.is_dir():
        path = path / "character.yaml"
    elif not path.is_file():
        found = find_character(ref)
        if found is None:
            raise KeyError(ref)
        path = found
    return _load(str(path.resolve()), path.stat().st_mtime)
