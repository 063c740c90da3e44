"""Shapes for the cast generator (scripts/draw_cast.py): SVG path data built from a
few primitives, so 38 characters can be drawn from readable numbers.

A shape is a list of commands: ("M", x, y), ("L", x, y), ("C", x1, y1, x2, y2, x, y),
("A", rx, ry, rotation, large, sweep, x, y), ("Z",). `svg(shape, scale)` writes it
as path data; `mirror(shape)` flips it left to right (arc sweeps flip too).
"""
from __future__ import annotations

import math

Shape = list[tuple]


def _num(v: float) -> str:
    text = f"{v:.1f}"
    return "0" if text in ("-0.0", "0.0") else text.removesuffix(".0")


def svg(shape: Shape, scale: float = 1.0) -> str:
    out = []
    for cmd in shape:
        op, args = cmd[0], cmd[1:]
        if op == "A":
            rx, ry, rot, large, sweep, x, y = args
            out.append(f"A {_num(rx * scale)} {_num(ry * scale)} {_num(rot)} {int(large)} {int(sweep)} "
                       f"{_num(x * scale)} {_num(y * scale)}")
        else:
            out.append(" ".join([op, *(_num(a * scale) for a in args)]))
    return " ".join(out)


def mirror(shape: Shape) -> Shape:
    out = []
    for cmd in shape:
        op, args = cmd[0], list(cmd[1:])
        if op == "A":
            args[2] = -args[2]
            args[4] = 1 - args[4]
            args[5] = -args[5]
        else:
            args = [-a if i % 2 == 0 else a for i, a in enumerate(args)]
        out.append((op, *args))
    return out


def shift(shape: Shape, dx: float, dy: float) -> Shape:
    out = []
    for cmd in shape:
        op, args = cmd[0], list(cmd[1:])
        if op == "A":
            args[5] += dx
            args[6] += dy
        else:
            args = [a + (dx if i % 2 == 0 else dy) for i, a in enumerate(args)]
        out.append((op, *args))
    return out


def rotate(shape: Shape, degrees: float, cx: float = 0.0, cy: float = 0.0) -> Shape:
    """Turn a shape about (cx, cy); ellipses' own rotation turns with it."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))

    def turn(x, y):
        return cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c
    out = []
    for cmd in shape:
        op, args = cmd[0], list(cmd[1:])
        if op == "A":
            args[2] += degrees
            args[5], args[6] = turn(args[5], args[6])
        else:
            pts = [turn(args[i], args[i + 1]) for i in range(0, len(args), 2)]
            args = [v for p in pts for v in p]
        out.append((op, *args))
    return out


def ellipse(cx: float, cy: float, rx: float, ry: float | None = None, reverse: bool = False) -> Shape:
    ry = rx if ry is None else ry
    sweep = 0 if reverse else 1
    return [("M", cx - rx, cy), ("A", rx, ry, 0, 1, sweep, cx + rx, cy), ("A", rx, ry, 0, 1, sweep, cx - rx, cy), ("Z",)]


def tilted(cx: float, cy: float, rx: float, ry: float, degrees: float) -> Shape:
    return rotate(ellipse(cx, cy, rx, ry), degrees, cx, cy)


def ring(cx: float, cy: float, outer: float, inner: float) -> Shape:
    """A circle with a hole (glasses' rims, a shell's spiral band)."""
    return ellipse(cx, cy, outer) + ellipse(cx, cy, inner, reverse=True)


def poly(points) -> Shape:
    pts = list(points)
    return [("M", *pts[0]), *(("L", *p) for p in pts[1:]), ("Z",)]


def smooth(points, closed: bool = True, tension: float = 1.0) -> Shape:
    """A curve through the points (Catmull-Rom as cubic Béziers): organic outlines
    from a handful of numbers."""
    pts = list(points)
    n = len(pts)
    shape: Shape = [("M", *pts[0])]
    last = n if closed else n - 1
    for i in range(last):
        p0 = pts[(i - 1) % n] if closed or i > 0 else pts[i]
        p1, p2 = pts[i], pts[(i + 1) % n]
        p3 = pts[(i + 2) % n] if closed or i + 2 < n else p2
        k = tension / 6
        c1 = (p1[0] + (p2[0] - p0[0]) * k, p1[1] + (p2[1] - p0[1]) * k)
        c2 = (p2[0] - (p3[0] - p1[0]) * k, p2[1] - (p3[1] - p1[1]) * k)
        shape.append(("C", *c1, *c2, *p2))
    if closed:
        shape.append(("Z",))
    return shape


def rrect(x0: float, y0: float, x1: float, y1: float, r: float) -> Shape:
    r = min(r, (x1 - x0) / 2, (y1 - y0) / 2)
    return [("M", x0 + r, y0), ("L", x1 - r, y0), ("A", r, r, 0, 0, 1, x1, y0 + r), ("L", x1, y1 - r),
            ("A", r, r, 0, 0, 1, x1 - r, y1), ("L", x0 + r, y1), ("A", r, r, 0, 0, 1, x0, y1 - r),
            ("L", x0, y0 + r), ("A", r, r, 0, 0, 1, x0 + r, y0), ("Z",)]


def limb(x0: float, y0: float, x1: float, y1: float, w0: float, w1: float | None = None) -> Shape:
    """A sausage from (x0, y0) to (x1, y1), w0 wide at the start and w1 at the end."""
    w1 = w0 if w1 is None else w1
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length, dx / length
    a, b = w0 / 2, w1 / 2
    return [("M", x0 + nx * a, y0 + ny * a), ("L", x1 + nx * b, y1 + ny * b),
            ("A", b, b, 0, 0, 0, x1 - nx * b, y1 - ny * b), ("L", x0 - nx * a, y0 - ny * a),
            ("A", a, a, 0, 0, 0, x0 + nx * a, y0 + ny * a), ("Z",)]


def star(cx: float, cy: float, outer: float, inner: float, points: int = 5, turn: float = -90.0) -> Shape:
    pts = []
    for i in range(points * 2):
        r = outer if i % 2 == 0 else inner
        a = math.radians(turn + i * 180 / points)
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return poly(pts)


def join(*shapes: Shape) -> Shape:
    return [cmd for s in shapes for cmd in s]
