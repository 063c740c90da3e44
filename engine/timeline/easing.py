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


# -- easings with parameters: `spring(STIFFNESS,DAMPING)` and `cubic-bezier(X1,Y1,X2,Y2)` ----------
# The timeline stores them as such names (the compiler writes them: `spring_name`,
# `bezier_name`); `easing_function` builds one the first time it is asked for.

SPRING_STIFFNESS, SPRING_DAMPING = 100.0, 10.0  # `ease spring`: a lively settle, one overshoot of ~16 %


def spring_name(stiffness: float = SPRING_STIFFNESS, damping: float = SPRING_DAMPING) -> str:
    return f"spring({stiffness:g},{damping:g})"


def bezier_name(x1: float, y1: float, x2: float, y2: float) -> str:
    return f"cubic-bezier({x1:g},{y1:g},{x2:g},{y2:g})"


def _spring(stiffness: float, damping: float) -> Easing:
    """A unit mass on a spring of `stiffness`, slowed by `damping`, let go at 0 and
    pulled to 1. The tween's duration spans the spring's settling (within 0.1 % of
    1 and nearly still), so it ends at rest; stiffer springs just settle sooner."""
    w0 = math.sqrt(stiffness)
    zeta = damping / (2 * w0)
    if zeta < 1:
        wd = w0 * math.sqrt(1 - zeta * zeta)

        def x(tau: float) -> float:
            return 1 - math.exp(-zeta * w0 * tau) * (math.cos(wd * tau) + zeta * w0 / wd * math.sin(wd * tau))
    elif zeta == 1:
        def x(tau: float) -> float:
            return 1 - math.exp(-w0 * tau) * (1 + w0 * tau)
    else:
        r1, r2 = -w0 * (zeta - math.sqrt(zeta * zeta - 1)), -w0 * (zeta + math.sqrt(zeta * zeta - 1))

        def x(tau: float) -> float:
            return 1 + (r2 * math.exp(r1 * tau) - r1 * math.exp(r2 * tau)) / (r1 - r2)
    # Settled: from here on it stays within 0.1 % of 1 (found by stepping, 1/40 of a period).
    step = 2 * math.pi / w0 / 40
    settle, tau, calm = step, 0.0, 0
    while calm < 80 and tau < 3600:
        tau += step
        if abs(1 - x(tau)) < 1e-3:
            calm += 1
        else:
            calm, settle = 0, tau + step
    return lambda t: 1.0 if t >= 1 else x(t * settle)


def _cubic_bezier(x1: float, y1: float, x2: float, y2: float) -> Easing:
    """CSS's cubic-bezier(x1, y1, x2, y2): the curve from (0, 0) to (1, 1) with those
    two control points, read as y at x = t (Newton's method, then bisection)."""
    def coordinate(s: float, a: float, b: float) -> float:
        return 3 * a * s * (1 - s) ** 2 + 3 * b * s * s * (1 - s) + s ** 3

    def slope(s: float, a: float, b: float) -> float:
        return 3 * a * (1 - s) ** 2 + 6 * (b - a) * s * (1 - s) + 3 * (1 - b) * s * s

    def at(t: float) -> float:
        if t <= 0 or t >= 1:
            return float(t >= 1)
        s = t
        for _ in range(8):
            error = coordinate(s, x1, x2) - t
            d = slope(s, x1, x2)
            if abs(error) < 1e-7:
                return coordinate(s, y1, y2)
            if abs(d) < 1e-6:
                break
            s = min(1.0, max(0.0, s - error / d))
        lo, hi = 0.0, 1.0
        for _ in range(40):
            s = (lo + hi) / 2
            if coordinate(s, x1, x2) < t:
                lo = s
            else:
                hi = s
        return coordinate((lo + hi) / 2, y1, y2)

    return at


_PARAMETRISED: dict[str, Callable[..., Easing]] = {"spring": _spring, "cubic-bezier": _cubic_bezier}
_built: dict[str, Easing] = {}


def easing_function(name: str) -> Easing:
    """The easing called `name`: one of `EASINGS`, or `spring(k,d)` / `cubic-bezier(…)`.
    KeyError for anything else."""
    found = EASINGS.get(name) or _built.get(name)
    if found is not None:
        return found
    family, _, args = name.partition("(")
    if family not in _PARAMETRISED or not args.endswith(")"):
        raise KeyError(name)
    try:
        numbers = [float(a) for a in args[:-1].split(",")]
        built = _PARAMETRISED[family](*numbers)
    except (TypeError, ValueError, ZeroDivisionError):
        raise KeyError(name) from None
    _built[name] = built
    return built


def is_easing(name: str) -> bool:
    try:
        easing_function(name)
    except KeyError:
        return False
    return True


EASINGS["spring"] = easing_function(spring_name())  # by name too, so the listing (and the golden frames) have it


def ease(name: str, t: float) -> float:
    return easing_function(name)(min(1.0, max(0.0, t)))
