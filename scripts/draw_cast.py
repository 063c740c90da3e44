"""Draw the cast library: writes characters/<id>/character.yaml for the story cast
(see scripts/cast_rig.py for the conventions, cast_animals.py and cast_people.py for
the drawings).

    python3 scripts/draw_cast.py            # write every character
    python3 scripts/draw_cast.py fox owl    # only these
    python3 scripts/draw_cast.py --check    # exit 1 if a file differs from what it would write
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cast_animals  # noqa: E402,F401  (each module registers its characters)
import cast_people  # noqa: E402,F401
from cast_rig import CAST, CHARACTERS, to_yaml  # noqa: E402


def main(argv: list[str]) -> int:
    check = "--check" in argv
    names = [a for a in argv if not a.startswith("--")] or list(CAST)
    unknown = [n for n in names if n not in CAST]
    if unknown:
        print(f"unknown: {', '.join(unknown)}; known: {', '.join(CAST)}", file=sys.stderr)
        return 2
    stale = []
    for name in names:
        text = to_yaml(CAST[name]())
        path = CHARACTERS / name / "character.yaml"
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)} (run python3 scripts/draw_cast.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
