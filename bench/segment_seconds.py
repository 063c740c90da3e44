"""How long each kind of segment of a template lasts, by age: the numbers the
templates' SECONDS tables hold (an episode adds segments until their seconds fill
the age's window, and Jinja cannot know how long speech takes).

    python bench/segment_seconds.py counting [--episodes 4]

Compiles the template's episode for a few `episode` numbers at each age (nothing is
rendered), groups the scenes by the segment kind their name starts with (PREFIXES: patterns), and prints
the mean seconds per kind at each age and the ratio to age 4.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys

from storyreel.dsl import CompileOptions, load_scene
from storyreel.dsl.templates import load_template, validate_params

# Scene-name prefixes of each template's segment kinds (the segments.scene files).
PREFIXES = {
    "counting": {"count_the_": "count_along", "how_many_": "count_together", "one_more_": "one_more",
                 "more_": "which_has_more", "peekaboo_": "peekaboo", "find_the_odd_one": "odd_one",
                 "sing_": "sing_along", "what_did_we": "recap"},
    "alphabet": {"the_letter_": "letter", "the_sound_of_": "sound", "words_with_": "words", "peekaboo_": "peekaboo",
                 "which_does_not": "odd_one", "sing_the_": "sing_along", "which_starts": "quiz",
                 "what_did_we": "recap"},
    "colors": {"the_colour_": "color", "[a-z]+_things": "things", "mixing_": "mix", "find_the_": "find",
               "peekaboo_": "peekaboo", "which_is_not": "odd_one", "sing_": "sing_along", "which_is_": "quiz",
               "what_is_": "recap"},
    "shapes": {"the_": "shape", "[a-z]+s_around_us": "things", "find_the_": "find", "peekaboo_": "peekaboo",
               "which_shape_is": "odd_one", "sing_": "sing_along", "which_is_the": "quiz", "what_is_": "recap"},
    "feelings": {"[a-z]+_feels_": "story", "faces_game": "faces_game", "feeling_": "situation", "peekaboo_": "peekaboo",
                 "which_face_is_different": "odd_one", "sing_": "sing_along", "which_face_is_": "quiz",
                 "what_feelings": "recap"},
}


def kind_of(template: str, scene: str) -> str | None:
    # The longest pattern first: "which_is_not" before "which_is_".
    for prefix in sorted(PREFIXES[template], key=len, reverse=True):
        if re.match(prefix, scene):
            return PREFIXES[template][prefix]
    return None


def measure(template: str, episodes: int) -> dict[int, dict[str, list[float]]]:
    t = load_template(template)
    out: dict[int, dict[str, list[float]]] = {}
    for age in (2, 3, 4, 5):
        seen: dict[str, list[float]] = {}
        for episode in range(1, episodes + 1):
            values = validate_params(t, {"age": age, "length": "episode", "episode": episode})
            timeline = load_scene(t.scene_path, values, CompileOptions(size=(192, 108), fps=6)).timeline
            for scene in timeline.scenes:
                kind = kind_of(template, scene.name)
                if kind:
                    seen.setdefault(kind, []).append(scene.end - scene.start)
            print(f"{template} age {age} episode {episode}: {timeline.duration:.0f}s", file=sys.stderr)
        out[age] = seen
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template")
    parser.add_argument("--episodes", type=int, default=3)
    args = parser.parse_args()
    table = measure(args.template, args.episodes)
    kinds = sorted({k for seen in table.values() for k in seen})
    print("| kind | " + " | ".join(f"age {a}" for a in table) + " |")
    for kind in kinds:
        cells = [f"{statistics.mean(table[a][kind]):.1f}" if table[a].get(kind) else "-" for a in table]
        print(f"| {kind} | " + " | ".join(cells) + " |")
    base = {k: statistics.mean(v) for k, v in table[4].items()}
    for age, seen in table.items():
        ratios = [statistics.mean(v) / base[k] for k, v in seen.items() if k in base]
        print(f"age {age}: x{statistics.mean(ratios):.2f} of age 4" if ratios else f"age {age}: -")
    return 0


if __name__ == "__main__":
    sys.exit(main())
