"""The easing table: every easing the language names, as functions of progress 0..1.

Names are the author's (`out-back`, `in-out-cubic`); the compiler stores them in
the timeline as strings and the timeline looks them up here when it samples.
"""
from __future__ import annotations

import math
from typing import Callable

Easing = Callable[[float], float]

DEFAULT_EASING = "in-out-cubic"


def _ease_in_sine(t: float) -> float:
    return 1 - math.cos(t * math.pi / 2)


def _ease_in_quad(t: float) -> float:
    return t * t


def _ease_in_cubic(t: float) -> float:
    return t * t * t


def _ease_in_back(t: float) -> float:
    c1 = 1.70158
    return (c1 + 1) * t * t * t - c1 * t * t


def _ease_in_elastic(t: float) -> float:
    if t in (0.0, 1.0):
        return t
    return -(2 ** (10 * t - 10)) * math.sin((t * 10 - 10.75) * (2 * math.pi) / 3)


def _ease_out_bounce(t: float) -> float:
    n1, d1 = 7.5625, 2.75
    if t < 1 / d1:
        return n1 * t * t
    if t < 2 / d1:
        t -= 1.5 / d1
        return n1 * t * t + 0.75
    if t < 2.5 / d1:
        t -= 2.25 / d1
        return n1 * t * t + 0.9375
    t -= 2.625 / d1
    return n1 * t * t + 0.984375


def _ease_in_bounce(t: float) -> float:
    return 1 - _ease_out_bounce(1 - t)


_IN: dict[str, Easing] = {
    "sine": _ease_in_sine,
    "quad": _ease_in_quad,
    "cubic": _ease_in_cubic,
    "back": _ease_in_back,
    "elastic": _ease_in_elastic,
    "bounce": _ease_in_bounce,
}


def _out_of(ease_in: Easing) -> Easing:
    return lambda t: 1 - ease_in(1 - t)


def _in_out_of(ease_in: Easing) -> Easing:
    return lambda t: ease_in(2 * t) / 2 if t < 0.5 else 1 - ease_in(2 - 2 * t) / 2


EASINGS: dict[str, Easing] = {"linear": lambda t: t}
for _family, _fn in _IN.items():
    EASINGS[f"in-{_family}"] = _fn
    EASINGS[f"out-{_family}"] = _out_of(_fn)
    EASINGS[f"in-out-{_family}"] = _in_out_of(_fn)
EASINGS["out-bounce"] = _ease_out_bounce  # the exact closed form rather than the mirror


def ease(name: str, t: float) -> float:
    return EASINGS[name](min(1.0, max(0.0, t)))
