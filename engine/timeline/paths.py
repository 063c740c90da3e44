"""SVG path data (`M 0 0 L 100 0 …`) to `skia.Path`.

skia-python exposes no SVG path parser, but `skia.Path` has every SVG drawing
verb (arcs included), so this module only tokenises the data and dispatches; all
geometry is Skia's.
"""
from __future__ import annotations

import re
from functools import lru_cache

import skia

_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARITY = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "A": 7, "Z": 0}


class PathDataError(ValueError):
    pass


@lru_cache(maxsize=256)
def parse_path(data: str) -> skia.Path:
    tokens = _TOKEN.findall(data)
    leftovers = _TOKEN.sub("", data).replace(",", "").strip()
    if leftovers:
        raise PathDataError(f"unexpected '{leftovers.split()[0]}' in path data")
    if not tokens or tokens[0] not in "Mm":
        raise PathDataError("path data must start with M (move to)")
    path = skia.Path()
    i, cmd = 0, ""
    cur = start = (0.0, 0.0)
    last_ctrl: tuple[float, float] | None = None
    last_cmd = ""
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok
            i += 1
            if cmd in "Zz":
                path.close()
                cur = start
                last_cmd, last_ctrl = "Z", None
                continue
        elif not cmd:
            raise PathDataError(f"number '{tok}' before any command")
        elif cmd in "Zz":
            # Z takes no numbers: without this, i would never advance past one.
            raise PathDataError(f"number '{tok}' after Z: closing a path takes no numbers")
        n = _ARITY[cmd.upper()]
        args = tokens[i : i + n]
        if len(args) < n or any(a.isalpha() for a in args):
            raise PathDataError(f"command '{cmd}' needs {n} numbers")
        v = [float(a) for a in args]
        i += n
        rel = cmd.islower()
        ox, oy = cur if rel else (0.0, 0.0)
        c = cmd.upper()
        if c == "M":
            cur = (ox + v[0], oy + v[1])
            path.moveTo(*cur)
            start = cur
            cmd = "l" if rel else "L"  # implicit line-tos after a move
        elif c == "L":
            cur = (ox + v[0], oy + v[1])
            path.lineTo(*cur)
        elif c == "H":
            cur = ((cur[0] if rel else 0.0) + v[0], cur[1])
            path.lineTo(*cur)
        elif c == "V":
            cur = (cur[0], (cur[1] if rel else 0.0) + v[0])
            path.lineTo(*cur)
        elif c == "C":
            c1, c2 = (ox + v[0], oy + v[1]), (ox + v[2], oy + v[3])
            cur = (ox + v[4], oy + v[5])
            path.cubicTo(*c1, *c2, *cur)
            last_ctrl = c2
        elif c == "S":
            c1 = _reflect(cur, last_ctrl) if last_cmd in "CS" else cur
            c2 = (ox + v[0], oy + v[1])
            cur = (ox + v[2], oy + v[3])
            path.cubicTo(*c1, *c2, *cur)
            last_ctrl = c2
        elif c == "Q":
            c1 = (ox + v[0], oy + v[1])
            cur = (ox + v[2], oy + v[3])
            path.quadTo(*c1, *cur)
            last_ctrl = c1
        elif c == "T":
            c1 = _reflect(cur, last_ctrl) if last_cmd in "QT" else cur
            cur = (ox + v[0], oy + v[1])
            path.quadTo(*c1, *cur)
            last_ctrl = c1
        elif c == "A":
            cur = (ox + v[5], oy + v[6])
            size = skia.Path.ArcSize.kLarge_ArcSize if v[3] else skia.Path.ArcSize.kSmall_ArcSize
            sweep = skia.PathDirection.kCW if v[4] else skia.PathDirection.kCCW
            path.arcTo(v[0], v[1], v[2], size, sweep, *cur)
        last_cmd = c
    return path


def _reflect(point: tuple[float, float], ctrl: tuple[float, float] | None) -> tuple[float, float]:
    if ctrl is None:
        return point
    return (2 * point[0] - ctrl[0], 2 * point[1] - ctrl[1])


@lru_cache(maxsize=64)
def _measure(data: str) -> tuple[skia.PathMeasure, float]:
    measure = skia.PathMeasure(parse_path(data), False)
    return measure, measure.getLength()


def point_along(data: str, fraction: float) -> tuple[float, float]:
    """The point at `fraction` (0..1) of the path's length (first contour)."""
    measure, length = _measure(data)
    pos, _tangent = measure.getPosTan(max(0.0, min(1.0, fraction)) * length)
    return (float(pos.x()), float(pos.y()))
