"""Outdoor settings: each draws its sky, middle and foreground layers in daylight
colours (the stage tints them for the time of day and the weather). The ground
line each is drawn around is its `ground` in `SETTINGS` (__init__.py)."""
from __future__ import annotations

import math

import skia

from .stage import PETALS, SNOW, Stage, edge, fence, fill_below, flower, flowers, hill, house, mix, paint, pine, rock, round_tree, stroke

GRASS_FAR, GRASS_MID, GRASS_NEAR = 0xFF95D5B2, 0xFF74C69D, 0xFF52B788
SAND, WATER_TOP, WATER_DEEP = 0xFFF6D6A8, 0xFF48CAE4, 0xFF0077B6


def _grass_ground(st: Stage, top: float) -> None:
    st.rect(0, top, st.w, st.h, st.ground(GRASS_NEAR))


def sky(st: Stage) -> None:
    pass  # the sky alone (drawn by draw_setting)


def meadow(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    hill(c, w, h, h * 0.64, h * 0.06, 0.3, st.ground(GRASS_FAR))
    hill(c, w, h, h * 0.74, h * 0.05, 2.1, st.ground(GRASS_MID))
    _grass_ground(st, h * 0.8)
    flowers(st, h * 0.82, h * 0.98, int(24 * w / max(h, 1)) + 10)


def forest(st: Stage) -> None:
    w, h, c, rng = st.w, st.h, st.canvas, st.rng
    hill(c, w, h, h * 0.6, h * 0.05, 1.2, st.ground(0xFF84A98C))
    for i in range(14):
        pine(st, w * (i + rng.uniform(0.1, 0.9)) / 14, h * 0.7, st.u * rng.uniform(200, 260), 0xFF52796F)
    st.rect(0, h * 0.7, w, h, st.ground(0xFF6A994E))
    for i in range(7):
        x = w * (i + rng.uniform(0.1, 0.9)) / 7
        if abs(x / w - 0.5) < 0.12:
            continue  # a clearing in the middle, where the story happens
        pine(st, x, h * 0.8, st.u * rng.uniform(300, 380), 0xFF2D6A4F)
    st.rect(0, h * 0.8, w, h, st.ground(0xFF588157))
    for _ in range(8):
        x = rng.uniform(0, w)
        c.drawCircle(x, h * rng.uniform(0.9, 0.99), st.u * rng.uniform(30, 50), paint(st.ground(0xFF3A6B35)))


def _water(st: Stage, top: float, bottom: float, far: int = WATER_TOP, near: int = WATER_DEEP) -> None:
    st.gradient(top, bottom, [far, near] if not st.covered else [0xFFCFE8F5, 0xFFA9CFE6])


def river(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    hill(c, w, h, h * 0.56, h * 0.05, 0.7, st.ground(GRASS_FAR))
    st.rect(0, h * 0.62, w, h * 0.66, st.ground(GRASS_MID))
    _water(st, h * 0.66, h * 0.78)
    st.spot("water", w * 0.5, h * 0.72)
    fill_below(st, (0.78, 0.76, 0.8, 0.77), st.ground(GRASS_NEAR))
    for x in (0.06, 0.11, 0.9, 0.95):
        for k in range(3):
            c.drawLine(w * x + k * 6 * st.u, h * 0.8, w * x + (k - 1) * 10 * st.u, h * 0.7,
                       stroke(st.ground(0xFF40916C), 5 * st.u))
    for x in (0.25, 0.62):
        rock(c, w * x, h * 0.785, 26 * st.u, 0xFFA8A29E)
    flowers(st, h * 0.86, h * 0.98, 12)


def lake(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    _mountains(st, h * 0.6, 0.48, 0xFF9DB4C0)
    hill(c, w, h, h * 0.58, h * 0.025, 1.0, st.ground(0xFF6A994E), waves=3)
    _water(st, h * 0.58, h * 0.8, 0xFF7EC8E3, 0xFF2E86AB)
    st.spot("water", w * 0.5, h * 0.69)
    fill_below(st, (0.8, 0.77, 0.77, 0.81), st.ground(GRASS_NEAR))
    for x in (0.04, 0.08, 0.93):  # reeds with cattails
        for k in range(4):
            top = h * (0.68 + 0.02 * k)
            c.drawLine(w * x + k * 8 * st.u, h * 0.82, w * x + k * 8 * st.u, top, stroke(0xFF40916C, 4 * st.u))
            if k % 2 == 0:
                c.drawRoundRect(skia.Rect.MakeXYWH(w * x + k * 8 * st.u - 5 * st.u, top, 10 * st.u, 26 * st.u),
                                5 * st.u, 5 * st.u, paint(0xFF7F5539))
    flowers(st, h * 0.88, h * 0.98, 8)


def _sea_band(st: Stage, top: float, bottom: float) -> None:
    _water(st, top, bottom)


def beach(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    _sea_band(st, h * 0.52, h * 0.7)
    shoreline = (0.72, 0.67, 0.74, 0.69)
    fill_below(st, shoreline, st.ground(SAND))
    c.drawPath(edge(st, shoreline), stroke(0xDDFFFFFF, 6 * st.u))
    _palm(st, w * 0.9, h * 0.86, h * 0.62)
    st.spot("palm", w * 0.9, h * 0.86)
    for x, y, col in ((0.2, 0.9, 0xFFFFB4A2), (0.36, 0.95, 0xFFFFFFFF), (0.7, 0.93, 0xFFFFD6A5)):
        _shell(st, w * x, h * y, 14 * st.u, col)


def _palm(st: Stage, x: float, base: float, height: float) -> None:
    c = st.canvas
    trunk = skia.Path()
    trunk.moveTo(x - height * 0.03, base)
    trunk.quadTo(x - height * 0.02, base - height * 0.5, x - height * 0.12, base - height)
    trunk.lineTo(x - height * 0.08, base - height)
    trunk.quadTo(x + height * 0.03, base - height * 0.5, x + height * 0.03, base)
    trunk.close()
    c.drawPath(trunk, paint(0xFFA47148))
    tx, ty = x - height * 0.1, base - height
    leaf = st.ground(0xFF2D9C55)
    for angle in (-160, -120, -60, -20, 20, 200):
        a = math.radians(angle)
        ex, ey = tx + math.cos(a) * height * 0.3, ty + math.sin(a) * height * 0.3 + height * 0.12
        p = skia.Path()
        p.moveTo(tx, ty)
        p.quadTo((tx + ex) / 2, ty - height * 0.12, ex, ey)
        p.quadTo((tx + ex) / 2, ty - height * 0.03, tx, ty)
        c.drawPath(p, paint(leaf))
    for dx in (-1, 1):
        c.drawCircle(tx + dx * height * 0.025, ty + height * 0.03, height * 0.025, paint(0xFF7F5539))


def _shell(st: Stage, x: float, y: float, r: float, color: int) -> None:
    c = st.canvas
    p = skia.Path()
    p.moveTo(x - r, y)
    p.quadTo(x, y - r * 2, x + r, y)
    p.close()
    c.drawPath(p, paint(color))
    for k in (-0.5, 0, 0.5):
        c.drawLine(x, y, x + k * r, y - r * 0.9, stroke(mix(color, 0xFF000000, 0.3), r * 0.12))


def sea(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    _sea_band(st, h * 0.5, h * 0.86)
    _sailboat(st, w * 0.28, h * 0.56, 60 * st.u)
    st.spot("boat", w * 0.28, h * 0.56)
    fill_below(st, (0.86, 0.83, 0.83, 0.87), st.ground(SAND))


def _sailboat(st: Stage, x: float, y: float, s: float) -> None:
    c = st.canvas
    hull = skia.Path.Polygon([skia.Point(x - s, y), skia.Point(x + s, y), skia.Point(x + s * 0.7, y + s * 0.35),
                              skia.Point(x - s * 0.7, y + s * 0.35)], True)
    c.drawPath(hull, paint(0xFFE63946))
    c.drawLine(x, y, x, y - s * 1.4, stroke(0xFF7F5539, s * 0.06))
    c.drawPath(skia.Path.Polygon([skia.Point(x + s * 0.05, y - s * 1.35), skia.Point(x + s * 0.75, y - s * 0.1),
                                  skia.Point(x + s * 0.05, y - s * 0.1)], True), paint(0xFFFFFFFF))


def underwater(st: Stage) -> None:
    w, h, c, rng = st.w, st.h, st.canvas, st.rng
    deep = 0xFF023E8A if not st.night else 0xFF03045E
    st.gradient(0, h, [0xFF48CAE4, 0xFF0096C7, deep] if not st.night else [0xFF0E4F7A, 0xFF03045E, 0xFF020230])
    for i in range(5):  # light from above
        x = w * (0.1 + 0.2 * i)
        ray = skia.Path.Polygon([skia.Point(x, 0), skia.Point(x + w * 0.06, 0), skia.Point(x + w * 0.16, h * 0.8),
                                 skia.Point(x + w * 0.08, h * 0.8)], True)
        c.drawPath(ray, paint(0x14FFFFFF))
    fill_below(st, (0.82, 0.78, 0.84, 0.8), 0xFFE9C891)
    for x, s, col in ((0.1, 50, 0xFFFF8FA3), (0.84, 60, 0xFFFFB703), (0.93, 40, 0xFFFF70A6)):
        _coral(st, w * x, h * 0.85, s * st.u, col)
    for _ in range(10):
        rock(c, rng.uniform(0, w), h * rng.uniform(0.86, 0.99), st.u * rng.uniform(10, 22), 0xFFB5A48A)


def _coral(st: Stage, x: float, base: float, s: float, color: int) -> None:
    c = st.canvas
    p = stroke(color, s * 0.28)
    c.drawLine(x, base, x, base - s * 2, p)
    c.drawLine(x, base - s * 0.8, x - s * 0.8, base - s * 1.6, p)
    c.drawLine(x, base - s * 1.1, x + s * 0.7, base - s * 1.9, p)
    c.drawLine(x - s * 0.8, base - s * 1.6, x - s * 0.8, base - s * 2.1, p)


def _mountains(st: Stage, base: float, height: float, color: int) -> None:
    """A row of peaks with snow caps; height is a fraction of the frame."""
    w, h, c = st.w, st.h, st.canvas
    peaks = ((0.1, 0.7), (0.32, 1.0), (0.55, 0.8), (0.78, 0.95), (1.0, 0.7))
    for px, k in peaks:
        top = base - h * height * k
        half = max(w * 0.18, (base - top) * 0.75)  # never a spike, however tall the frame
        c.drawPath(skia.Path.Polygon([skia.Point(w * px - half, base), skia.Point(w * px, top),
                                      skia.Point(w * px + half, base)], True), paint(color))
        cap = 0.28
        cl, cr = w * px - half * cap, w * px + half * cap
        cy = top + (base - top) * cap
        c.drawPath(skia.Path.Polygon([skia.Point(w * px, top), skia.Point(cl, cy), skia.Point(w * px - half * cap * 0.4, cy - h * 0.015),
                                      skia.Point(w * px, cy + h * 0.01), skia.Point(w * px + half * cap * 0.4, cy - h * 0.015),
                                      skia.Point(cr, cy)], True), paint(SNOW))


def mountain(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    _mountains(st, h * 0.8, 0.6, 0xFF8D99AE)  # their feet go under the hills
    hill(c, w, h, h * 0.72, h * 0.05, 0.9, st.ground(0xFF74A57F))
    for i in range(9):
        pine(st, w * (i + st.rng.uniform(0.2, 0.8)) / 9, h * 0.78, st.u * st.rng.uniform(140, 190), 0xFF40695A)
    st.rect(0, h * 0.78, w, h, st.ground(0xFF6A994E))
    path = skia.Path()  # a winding trail to the peaks
    path.moveTo(w * 0.45, h)
    path.cubicTo(w * 0.5, h * 0.9, w * 0.62, h * 0.84, w * 0.58, h * 0.78)
    c.drawPath(path, stroke(st.ground(0xFFD9B99B), 28 * st.u))
    for x in (0.12, 0.83):
        rock(c, w * x, h * 0.9, 40 * st.u, 0xFF9A8C98)


def snow(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    white, shade = SNOW, 0xFFDCE8F2
    hill(c, w, h, h * 0.6, h * 0.07, 0.4, shade)
    for i in range(10):
        pine(st, w * (i + st.rng.uniform(0.1, 0.9)) / 10, h * 0.68, st.u * st.rng.uniform(170, 230), 0xFF2F5D50)
    hill(c, w, h, h * 0.74, h * 0.04, 2.0, white)
    st.rect(0, h * 0.8, w, h, white)
    for x in (0.2, 0.76):  # soft drifts
        c.drawOval(skia.Rect.MakeXYWH(w * x - 90 * st.u, h * 0.9, 180 * st.u, 40 * st.u), paint(shade))
    _snowman(st, w * 0.86, h * 0.84, 70 * st.u)
    st.spot("snowman", w * 0.86, h * 0.84)


def _snowman(st: Stage, x: float, base: float, s: float) -> None:
    c = st.canvas
    outline = stroke(0xFFB8C8D8, s * 0.05)
    for r, y in ((s, base - s), (s * 0.72, base - s * 2.5), (s * 0.5, base - s * 3.6)):
        c.drawCircle(x, y, r, paint(SNOW))
        c.drawCircle(x, y, r, outline)
    hy = base - s * 3.6
    for dx in (-0.18, 0.18):
        c.drawCircle(x + dx * s, hy - s * 0.1, s * 0.06, paint(0xFF2B2D42))
    c.drawPath(skia.Path.Polygon([skia.Point(x, hy + s * 0.02), skia.Point(x + s * 0.45, hy + s * 0.1),
                                  skia.Point(x, hy + s * 0.14)], True), paint(0xFFFF9F1C))
    c.drawRect(skia.Rect.MakeLTRB(x - s * 0.55, base - s * 3.05, x + s * 0.55, base - s * 2.9), paint(0xFFE63946))


def farm(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    hill(c, w, h, h * 0.6, h * 0.05, 0.5, st.ground(GRASS_FAR))
    _barn(st, w * 0.72, h * 0.74, 300 * st.u)
    st.spot("barn", w * 0.72, h * 0.74)
    round_tree(st, w * 0.92, h * 0.74, 260 * st.u, 0xFF52B788, fruit=0xFFE63946)
    st.rect(0, h * 0.74, w, h, st.ground(GRASS_MID))
    for x in (0.12, 0.2):  # hay bales by the fence
        bale = skia.Rect.MakeXYWH(w * x, h * 0.68, 90 * st.u, 60 * st.u)
        c.drawRoundRect(bale, 14 * st.u, 14 * st.u, paint(st.ground(0xFFF2C14E)))
        for k in (0.33, 0.66):
            c.drawLine(bale.left() + bale.width() * k, bale.top(), bale.left() + bale.width() * k, bale.bottom(),
                       stroke(0xFFC9952B, 4 * st.u))
    fence(st, h * 0.66, h * 0.78, 0xFFFFFFFF)
    st.rect(0, h * 0.78, w, h, st.ground(GRASS_NEAR))
    path = skia.Path()
    path.moveTo(w * 0.25, h)
    path.cubicTo(w * 0.3, h * 0.9, w * 0.4, h * 0.84, w * 0.5, h * 0.8)
    c.drawPath(path, stroke(st.ground(0xFFD9B99B), 34 * st.u))
    flowers(st, h * 0.86, h * 0.98, 8)


def _barn(st: Stage, x: float, base: float, s: float) -> None:
    c = st.canvas
    red, white = 0xFFC1121F, 0xFFFFFFFF
    l, r, top = x - s * 0.5, x + s * 0.5, base - s * 0.6
    c.drawRect(skia.Rect.MakeLTRB(l, top, r, base), paint(red))
    roof = skia.Path.Polygon([skia.Point(l - s * 0.06, top), skia.Point(l + s * 0.12, top - s * 0.28),
                              skia.Point(r - s * 0.12, top - s * 0.28), skia.Point(r + s * 0.06, top)], True)
    c.drawPath(roof, paint(0xFF6D6875 if not st.covered else SNOW))
    door = skia.Rect.MakeLTRB(x - s * 0.18, base - s * 0.4, x + s * 0.18, base)
    c.drawRect(door, paint(0xFF9B2226))
    c.drawRect(door, stroke(white, s * 0.03))
    c.drawLine(door.left(), door.top(), door.right(), door.bottom(), stroke(white, s * 0.025))
    c.drawLine(door.right(), door.top(), door.left(), door.bottom(), stroke(white, s * 0.025))
    loft = skia.Rect.MakeXYWH(x - s * 0.08, top + s * 0.05, s * 0.16, s * 0.12)
    c.drawRect(loft, paint(0xFFFFE8A3))
    st.lights.append((loft, "window"))


def street(st: Stage) -> None:
    w, h, c, rng = st.w, st.h, st.canvas, st.rng
    walls = (0xFFFFD6A5, 0xFFBDE0FE, 0xFFFFC8DD, 0xFFCAFFBF, 0xFFFDFFB6, 0xFFE4C1F9)
    roofs = (0xFFE76F51, 0xFF457B9D, 0xFF9D4EDD, 0xFF2A9D8F, 0xFFB5651D)
    n = max(3, round(5 * w / max(h, 1) / (16 / 9)))
    for i in range(n):
        x = w * (i + 0.5) / n
        width = w / n * 0.8
        house(st, x, h * 0.76, width, min(h * rng.uniform(0.22, 0.3), width * 1.1),
              walls[int(rng.integers(0, len(walls)))], roofs[int(rng.integers(0, len(roofs)))])
    st.rect(0, h * 0.76, w, h * 0.84, st.ground(0xFFD6D3CE))  # pavement
    for i in range(12):
        x = w * i / 12
        c.drawLine(x, h * 0.76, x - 20 * st.u, h * 0.84, stroke(0x22000000, 2 * st.u))
    st.rect(0, h * 0.84, w, h * 0.86, 0xFF9A8C98)  # kerb
    st.rect(0, h * 0.86, w, h, st.ground(0xFF5C5F66))  # road
    for i in range(8):
        x = w * (i + 0.25) / 8
        st.rect(x, h * 0.925, x + w * 0.06, h * 0.94, 0xFFFFFFFF)
    for x in (0.05, 0.52):  # street lamps: lit at night
        lx = w * x
        c.drawLine(lx, h * 0.8, lx, h * 0.5, stroke(0xFF3D405B, 8 * st.u))
        lamp = skia.Rect.MakeXYWH(lx - 14 * st.u, h * 0.5 - 30 * st.u, 28 * st.u, 30 * st.u)
        c.drawRoundRect(lamp, 6 * st.u, 6 * st.u, paint(0xFFFFF3B0))
        st.lights.append((lamp, "window"))


def park(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    hill(c, w, h, h * 0.62, h * 0.04, 1.4, st.ground(GRASS_FAR))
    for x, s in ((0.08, 300), (0.3, 240), (0.78, 280), (0.95, 230)):
        round_tree(st, w * x, h * 0.72, s * st.u, 0xFF6BCB77)
    st.rect(0, h * 0.72, w, h, st.ground(GRASS_MID))
    pond = skia.Rect.MakeXYWH(w * 0.52, h * 0.74, w * 0.2, h * 0.06)
    c.drawOval(pond.makeOutset(6 * st.u, 4 * st.u), paint(st.ground(0xFFB7E4C7)))
    c.drawOval(pond, paint(WATER_TOP if not st.covered else 0xFFCFE8F5))
    st.spot("pond", pond.centerX(), pond.centerY())
    _bench(st, w * 0.3, h * 0.8, 150 * st.u)
    st.spot("bench", w * 0.3, h * 0.8 - 150 * st.u * 0.26)
    st.rect(0, h * 0.82, w, h, st.ground(GRASS_NEAR))
    c.drawPath(edge(st, (0.9, 0.86, 0.95, 0.88)), stroke(st.ground(0xFFE9D8A6), 40 * st.u, StrokeCap=skia.Paint.kButt_Cap))
    flowers(st, h * 0.95, h * 0.99, 6)


def _bench(st: Stage, x: float, base: float, s: float) -> None:
    c = st.canvas
    wood = paint(0xFFB5651D)
    for k in range(2):
        c.drawRoundRect(skia.Rect.MakeXYWH(x - s / 2, base - s * (0.55 - k * 0.15), s, s * 0.08), 4, 4, wood)
    c.drawRoundRect(skia.Rect.MakeXYWH(x - s / 2, base - s * 0.3, s, s * 0.09), 4, 4, wood)
    for dx in (-0.4, 0.4):
        c.drawLine(x + dx * s, base - s * 0.3, x + dx * s, base, stroke(0xFF3D405B, s * 0.05))


def garden(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    hill(c, w, h, h * 0.6, h * 0.03, 0.4, st.ground(GRASS_FAR))
    round_tree(st, w * 0.86, h * 0.7, 300 * st.u, 0xFF52B788, fruit=0xFFFF9F1C)
    st.spot("tree", w * 0.86, h * 0.7)
    st.rect(0, h * 0.66, w, h, st.ground(GRASS_MID))
    fence(st, h * 0.58, h * 0.72, 0xFFFFF1E6, step=50)
    st.rect(0, h * 0.72, w, h, st.ground(GRASS_NEAR))
    for k, x in enumerate((0.04, 0.58)):  # two flower beds along the fence
        bed = skia.Rect.MakeXYWH(w * x, h * 0.72, w * 0.34, h * 0.06)
        c.drawRoundRect(bed, 10 * st.u, 10 * st.u, paint(st.ground(0xFF8B5E3C)))
        for i in range(7):
            fx = bed.left() + bed.width() * (i + 0.5) / 7
            c.drawLine(fx, bed.centerY(), fx, bed.top() - 30 * st.u, stroke(st.ground(0xFF40916C), 5 * st.u))
        if not st.covered:
            for i in range(7):
                fx = bed.left() + bed.width() * (i + 0.5) / 7
                flower(c, fx, bed.top() - 34 * st.u, 14 * st.u, PETALS[int(st.rng.integers(0, len(PETALS)))])
    flowers(st, h * 0.9, h * 0.99, 6)


def space(st: Stage) -> None:
    w, h, c, rng = st.w, st.h, st.canvas, st.rng
    st.gradient(0, h, [0xFF10002B, 0xFF240046, 0xFF3C096C])
    n = int(200 * w * h / (1920 * 1080)) + 40
    for _ in range(n):
        c.drawCircle(rng.uniform(0, w), rng.uniform(0, h * 0.8), st.u * rng.uniform(1.2, 3.5),
                     paint(0xFFFFFFFF if rng.random() < 0.8 else 0xFFFFE8A3))
    _planet(st, w * 0.78, h * 0.26, 90 * st.u, 0xFFFF9F1C, ring=True)
    _planet(st, w * 0.16, h * 0.18, 40 * st.u, 0xFF4D96FF)
    fill_below(st, (0.82, 0.76, 0.84, 0.78), 0xFFADB5BD)
    for _ in range(9):
        x, y, r = rng.uniform(0, w), h * rng.uniform(0.86, 0.97), st.u * rng.uniform(16, 40)
        c.drawOval(skia.Rect.MakeXYWH(x - r, y - r * 0.35, 2 * r, r * 0.7), paint(0xFF8D99AE))


def _planet(st: Stage, x: float, y: float, r: float, color: int, ring: bool = False) -> None:
    c = st.canvas
    c.drawCircle(x, y, r, paint(color))
    c.drawCircle(x - r * 0.3, y - r * 0.3, r * 0.25, paint(0x33FFFFFF))
    if ring:
        c.drawOval(skia.Rect.MakeXYWH(x - r * 1.7, y - r * 0.35, r * 3.4, r * 0.7), stroke(0xFFFFE8A3, r * 0.1))


def desert(st: Stage) -> None:
    w, h, c = st.w, st.h, st.canvas
    hill(c, w, h, h * 0.64, h * 0.08, 0.2, st.ground(0xFFF4C68B), waves=1.2)
    hill(c, w, h, h * 0.74, h * 0.05, 2.4, st.ground(0xFFEDB26B), waves=1.4)
    st.rect(0, h * 0.8, w, h, st.ground(0xFFF6D6A8))
    for x, s in ((0.12, 200), (0.86, 250), (0.66, 120)):
        _cactus(st, w * x, h * (0.86 if s > 150 else 0.76), s * st.u)
    for x in (0.3, 0.55):
        rock(c, w * x, h * 0.92, 24 * st.u, 0xFFC68B59)


def _cactus(st: Stage, x: float, base: float, s: float) -> None:
    c = st.canvas
    green = stroke(0xFF3A9D5D, s * 0.22)
    c.drawLine(x, base, x, base - s, green)
    c.drawLine(x - s * 0.3, base - s * 0.45, x - s * 0.3, base - s * 0.7, green)
    c.drawLine(x - s * 0.3, base - s * 0.45, x, base - s * 0.45, green)
    c.drawLine(x + s * 0.3, base - s * 0.55, x + s * 0.3, base - s * 0.85, green)
    c.drawLine(x + s * 0.3, base - s * 0.55, x, base - s * 0.55, green)


def jungle(st: Stage) -> None:
    """Dense rainforest: two rows of trees, a canopy closing over the top with vines
    hanging from it, big leaves in the front corners."""
    w, h, c, rng = st.w, st.h, st.canvas, st.rng
    for i in range(8):
        round_tree(st, w * (i + rng.uniform(0.1, 0.9)) / 8, h * 0.62, st.u * rng.uniform(260, 320), 0xFF52B788)
    for i in range(9):
        round_tree(st, w * (i + rng.uniform(0.2, 0.8)) / 9, h * 0.74, st.u * rng.uniform(320, 400), 0xFF2D6A4F)
    st.rect(0, h * 0.72, w, h, st.ground(0xFF386641))
    canopy = paint(st.ground(0xFF1B4332))
    n = int(10 * w / max(h, 1)) + 4
    for i in range(n):
        x = w * (i + rng.uniform(0.0, 1.0)) / n
        c.drawCircle(x, h * rng.uniform(-0.04, 0.05), st.u * rng.uniform(110, 160), canopy)
    for i in range(7):  # vines hanging from the canopy
        x = w * (i + 0.5) / 7 + rng.uniform(-30, 30) * st.u
        p = skia.Path()
        p.moveTo(x, h * 0.08)
        end = h * rng.uniform(0.32, 0.5)
        p.cubicTo(x + 40 * st.u, h * 0.2, x - 40 * st.u, h * 0.3, x + 10 * st.u, end)
        c.drawPath(p, stroke(0xFF40916C, 8 * st.u))
        for k in (0.45, 0.75):
            c.drawOval(skia.Rect.MakeXYWH(x + (k - 0.6) * 30 * st.u, h * 0.08 + (end - h * 0.08) * k, 26 * st.u,
                                          14 * st.u), paint(0xFF52B788))
    st.rect(0, h * 0.82, w, h, st.ground(0xFF4F772D))
    for x, flip in ((0.02, 1), (0.12, 1), (0.88, -1), (0.98, -1)):
        _big_leaf(st, w * x, h * 0.98, 260 * st.u, flip)
    for x in (0.3, 0.7):
        flower(c, w * x, h * 0.93, 18 * st.u, 0xFFFF4D6D, 0xFFFFD93D)


def _big_leaf(st: Stage, x: float, base: float, s: float, flip: int) -> None:
    c = st.canvas
    for k, angle in enumerate((-70, -40, -100)):
        a = math.radians(angle)
        ex, ey = x + flip * math.cos(a) * s * (1 - 0.1 * k), base + math.sin(a) * s
        p = skia.Path()
        p.moveTo(x, base)
        p.quadTo(x + flip * s * 0.45, (base + ey) / 2, ex, ey)
        p.quadTo(x - flip * s * 0.05, (base + ey) / 2, x, base)
        c.drawPath(p, paint(st.ground(0xFF2D9C55 if k != 1 else 0xFF40916C)))
