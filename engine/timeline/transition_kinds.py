"""The transitions the language names: which take a direction, their default
easing, and how `transition random` picks one.

This is the catalogue (no drawing, no Skia): the compiler checks a scene against
it and the rasteriser (engine/raster/transitions.py) draws each kind by name.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

DIRECTIONS = ("left", "right", "up", "down")


@dataclass(frozen=True)
class TransitionKind:
    about: str  # one line for the guide and hints
    directions: tuple[str, ...] = ()  # the directions it takes; () for none
    easing: str = "linear"  # the default easing of its progress

    @property
    def default_direction(self) -> str:
        return self.directions[0] if self.directions else ""


_MOVES = "in-out-cubic"  # things that travel start and stop gently

KINDS: dict[str, TransitionKind] = {
    "cut": TransitionKind("no transition (duration ignored)"),
    "crossfade": TransitionKind("the next scene fades in over the previous"),
    "fade-through": TransitionKind("fade to a colour, then from it"),
    "slide": TransitionKind("the next scene pushes the previous one out", DIRECTIONS, _MOVES),
    "wipe": TransitionKind("an edge moving in that direction reveals the next scene", DIRECTIONS, _MOVES),
    "zoom": TransitionKind("the previous scene zooms towards the viewer and fades", (), _MOVES),
    "dissolve": TransitionKind("the next scene appears in seeded random blocks"),
    "iris": TransitionKind("a circle opening from the middle shows the next scene", (), _MOVES),
    "clock": TransitionKind("a clock hand sweeps round from twelve, clockwise", (), _MOVES),
    "radial": TransitionKind("a fan opens both ways from the top to the bottom", (), _MOVES),
    "star": TransitionKind("a growing star shows the next scene", (), _MOVES),
    "heart": TransitionKind("a growing heart shows the next scene", (), _MOVES),
    "push": TransitionKind("the next scene pushes the previous one out (as slide)", DIRECTIONS, _MOVES),
    "cover": TransitionKind("the next scene slides in over the previous one", DIRECTIONS, _MOVES),
    "reveal": TransitionKind("the previous scene slides away, uncovering the next", DIRECTIONS, _MOVES),
    "page-turn": TransitionKind("the previous scene turns over like a book's page", ("left", "right"), _MOVES),
    "zoom-blur": TransitionKind("a blur streaking out from the middle carries one scene into the next"),
    "blinds": TransitionKind("slats open across the frame; left/right: upright slats", DIRECTIONS, _MOVES),
    "barn-door": TransitionKind("two doors open from the middle; left/right: side by side", DIRECTIONS, _MOVES),
    "doorway": TransitionKind("the previous scene opens like double doors as the next comes forward", (), _MOVES),
    "ripple": TransitionKind("rings ripple out from the middle as the scenes blend"),
    "squares": TransitionKind("squares grow across the frame in that direction", DIRECTIONS, "linear"),
    "pixelize": TransitionKind("the previous scene breaks into big pixels that settle into the next"),
    "directional-warp": TransitionKind("a soft edge sweeps across, stretching the previous scene", DIRECTIONS,
                                       _MOVES),
    "cross-zoom": TransitionKind("the previous scene rushes in, the next rushes out, with a flash"),
    "random": TransitionKind("one of the others, picked by `seed N`"),
}

NAMES = tuple(KINDS)
ALIASES = {"circle": "iris"}  # other editors' names for the same transition
# What `random` picks from: every kind that shows both scenes moving or blending.
RANDOM_POOL = tuple(name for name in NAMES if name not in ("cut", "random"))


def pick_random(seed: int, position: int) -> tuple[str, str]:
    """The kind and direction `transition random seed N` stands for; `position`
    (the transition's place in the video) makes two random transitions differ."""
    rng = random.Random(f"transition:{seed}:{position}")
    name = rng.choice(RANDOM_POOL)
    directions = KINDS[name].directions
    return name, rng.choice(directions) if directions else ""
