"""Indoor settings: a wall, a floor and the room's furniture; the time of day and
the weather show through the windows (`st.window`), and at night the room is lit
by its lamps. Characters stand on the floor at the setting's ground line."""
from __future__ import annotations

import math

import skia

from .stage import Stage, fill_below, mix, paint, rock, stroke


def _wall_and_floor(st: Stage, floor: float, wall: int, floor_colors: tuple[int, int], skirting: int,
                    boards: int = 8) -> None:
    w, h, c = st.w, st.h, st.canvas
    st.rect(0, 0, w, floor, wall)
    st.gradient(floor, h, list(floor_colors))
    st.rect(0, floor - 10 * st.u, w, floor, skirting)
    for i in range(1, boards):
        c.drawLine(w * i / boards, floor, w * i / boards, h, stroke(0x26000000, 2 * st.u))


def _window(st: Stage, x: float, y: float, ww: float, wh: float, frame: int = 0xFFFFFFFF) -> skia.Rect:
    """A window at most 1.3 times as tall as it is wide (a vertical frame would stretch it)."""
    rect = skia.Rect.MakeXYWH(x, y, ww, min(wh, ww * 1.3))
    st.window(rect, frame)
    return rect


def bedroom(st: Stage) -> None:
    w, h, c, u = st.w, st.h, st.canvas, st.u
    _wall_and_floor(st, h * 0.74, 0xFFCDE7F0, (0xFFD4A373, 0xFFB07D4F), 0xFFFFFFFF)
    for i in range(0, int(w / (40 * u)) + 1):  # wallpaper dots
        for j in range(0, int(h * 0.7 / (40 * u))):
            if (i + j) % 2 == 0:
                c.drawCircle(i * 40 * u + 20 * u, j * 40 * u + 20 * u, 3 * u, paint(0x22FFFFFF))
    win = _window(st, w * 0.42, h * 0.1, min(w * 0.18, h * 0.32), h * 0.3)
    st.spot("window", win.centerX(), win.centerY())
    for side in (-1, 1):  # curtains
        cx = win.left() - 30 * u if side < 0 else win.right() + 30 * u
        curtain = skia.Path.Polygon([skia.Point(cx - 26 * u, win.top() - 20 * u), skia.Point(cx + 26 * u, win.top() - 20 * u),
                                     skia.Point(cx + 40 * u * side, win.bottom() + 30 * u),
                                     skia.Point(cx - 20 * u, win.bottom() + 30 * u)], True)
        c.drawPath(curtain, paint(0xFFFF8FAB))
    # The bed, on the left, head against the wall.
    bl, bt, br, bb = w * 0.04, h * 0.56, w * 0.34, h * 0.8
    c.drawRoundRect(skia.Rect.MakeLTRB(bl, h * 0.42, bl + 24 * u, bb), 10 * u, 10 * u, paint(0xFF9C6644))
    c.drawRoundRect(skia.Rect.MakeLTRB(bl, bt, br, bb - 20 * u), 14 * u, 14 * u, paint(0xFFFFFFFF))
    c.drawRoundRect(skia.Rect.MakeLTRB(bl + w * 0.08, bt - 6 * u, br, bb - 20 * u), 14 * u, 14 * u, paint(0xFF4D96FF))
    c.drawRoundRect(skia.Rect.MakeLTRB(bl + 30 * u, bt - 30 * u, bl + w * 0.075, bt + 10 * u), 16 * u, 16 * u, paint(0xFFFFFFFF))
    c.drawRoundRect(skia.Rect.MakeLTRB(bl, bb - 24 * u, br, bb), 6 * u, 6 * u, paint(0xFF9C6644))
    st.spot("bed", (bl + br) / 2, bt)
    # A lamp on a bedside table, and a rug on the floor.
    tx = w * 0.86
    c.drawRect(skia.Rect.MakeLTRB(tx - 50 * u, h * 0.6, tx + 50 * u, h * 0.74), paint(0xFFB07D4F))
    shade = skia.Path.Polygon([skia.Point(tx - 40 * u, h * 0.56), skia.Point(tx + 40 * u, h * 0.56),
                               skia.Point(tx + 26 * u, h * 0.48), skia.Point(tx - 26 * u, h * 0.48)], True)
    c.drawLine(tx, h * 0.56, tx, h * 0.6, stroke(0xFF6D6875, 6 * u))
    c.drawPath(shade, paint(0xFFFFE8A3))
    st.lights.append((shade.getBounds(), "glow"))
    c.drawOval(skia.Rect.MakeLTRB(w * 0.36, h * 0.86, w * 0.78, h * 0.97), paint(0xFFB8E0D2))
    c.drawOval(skia.Rect.MakeLTRB(w * 0.39, h * 0.875, w * 0.75, h * 0.955), stroke(0xFFFFFFFF, 5 * u))


def kitchen(st: Stage) -> None:
    w, h, c, u = st.w, st.h, st.canvas, st.u
    _wall_and_floor(st, h * 0.76, 0xFFFFF3D6, (0xFFE9D8A6, 0xFFD4B483), 0xFFB5838D, boards=1)
    for i in range(14):  # chequered floor
        for j in range(4):
            if (i + j) % 2:
                x0, y0 = w * i / 14, h * (0.76 + 0.06 * j)
                st.rect(x0, y0, x0 + w / 14, y0 + h * 0.06, 0x22000000)
    tile = 46 * u
    y = h * 0.36
    while y < h * 0.5:  # tiles behind the counter
        x = 0.0
        while x < w:
            c.drawRect(skia.Rect.MakeXYWH(x + 2 * u, y + 2 * u, tile - 4 * u, tile - 4 * u), paint(0xFFD8F3DC))
            x += tile
        y += tile
    _window(st, w * 0.38, h * 0.08, w * 0.2, h * 0.24)
    for x0, x1 in ((0.02, 0.3), (0.66, 0.98)):  # wall cupboards
        c.drawRoundRect(skia.Rect.MakeLTRB(w * x0, h * 0.06, w * x1, h * 0.3), 8 * u, 8 * u, paint(0xFF8ECAE6))
        c.drawLine(w * (x0 + x1) / 2, h * 0.06, w * (x0 + x1) / 2, h * 0.3, stroke(0xFF5FA8D3, 4 * u))
    # The counter with its drawers, a stove and a pot.
    st.rect(0, h * 0.5, w, h * 0.54, 0xFFADB5BD)
    st.spot("counter", w * 0.5, h * 0.5)
    st.rect(0, h * 0.54, w, h * 0.76, 0xFF8ECAE6)
    for i in range(6):
        x = w * (i + 0.5) / 6
        c.drawLine(x - 30 * u, h * 0.6, x + 30 * u, h * 0.6, stroke(0xFF3D5A80, 6 * u))
        c.drawLine(w * i / 6, h * 0.54, w * i / 6, h * 0.76, stroke(0xFF5FA8D3, 4 * u))
    px = w * 0.78
    c.drawRoundRect(skia.Rect.MakeLTRB(px - 60 * u, h * 0.42, px + 60 * u, h * 0.5), 10 * u, 10 * u, paint(0xFFE63946))
    c.drawRect(skia.Rect.MakeLTRB(px - 70 * u, h * 0.41, px + 70 * u, h * 0.43), paint(0xFFC1121F))
    c.drawRect(skia.Rect.MakeLTRB(w * 0.2, h * 0.44, w * 0.24, h * 0.5), paint(0xFFFFFFFF))  # a jug
    c.drawCircle(w * 0.29, h * 0.47, 22 * u, paint(0xFFFF9F1C))  # an orange


def classroom(st: Stage) -> None:
    w, h, c, u = st.w, st.h, st.canvas, st.u
    _wall_and_floor(st, h * 0.78, 0xFFFFF1D6, (0xFFD4A373, 0xFFB07D4F), 0xFFE9C46A)
    bw = min(w * 0.5, h * 0.9)
    bh = min(h * 0.36, bw * 0.62)
    board = skia.Rect.MakeXYWH((w - bw) / 2, h * 0.14, bw, bh)
    c.drawRRect(skia.RRect.MakeRectXY(board.makeOutset(14 * u, 14 * u), 10 * u, 10 * u), paint(0xFF9C6644))
    c.drawRect(board, paint(0xFF2F5D50))
    st.spot("board", board.centerX(), board.centerY())
    c.drawRect(skia.Rect.MakeXYWH(board.left() + bw * 0.1, board.bottom() + 4 * u, bw * 0.8, 10 * u), paint(0xFF7F5539))
    _window(st, w * 0.04, h * 0.16, min(w * 0.16, h * 0.3), h * 0.3)
    cx, cy, cr = w * 0.9, h * 0.24, 55 * u
    c.drawCircle(cx, cy, cr, paint(0xFFFFFFFF))
    c.drawCircle(cx, cy, cr, stroke(0xFFE76F51, 8 * u))
    hand = stroke(0xFF2B2D42, 6 * u)
    c.drawLine(cx, cy, cx, cy - cr * 0.7, hand)
    c.drawLine(cx, cy, cx + cr * 0.5, cy, hand)
    # Bunting of coloured flags above the board.
    colors = (0xFFE63946, 0xFFFFD93D, 0xFF4D96FF, 0xFF6BCB77, 0xFF9D4EDD)
    n = 9
    for i in range(n):
        x0 = board.left() + bw * i / n
        x1 = x0 + bw / n
        c.drawPath(skia.Path.Polygon([skia.Point(x0, h * 0.06), skia.Point(x1, h * 0.06),
                                      skia.Point((x0 + x1) / 2, h * 0.11)], True), paint(colors[i % len(colors)]))


def castle(st: Stage) -> None:
    """A castle hall: stone walls, arched windows, banners and a red carpet."""
    w, h, c, u = st.w, st.h, st.canvas, st.u
    _wall_and_floor(st, h * 0.76, 0xFFB8B8C8, (0xFF9A8C98, 0xFF6D6875), 0xFF8D8D9E, boards=1)
    stone = 70 * u
    for j in range(int(h * 0.76 / (stone * 0.5)) + 1):  # staggered blocks
        y = j * stone * 0.5
        off = (j % 2) * stone / 2
        x = -off
        while x < w:
            c.drawRect(skia.Rect.MakeXYWH(x, y, stone, stone * 0.5), stroke(0x1F000000, 2 * u))
            x += stone
    for x in (0.2, 0.8):  # tall windows
        ww = max(w * 0.09, h * 0.08)
        wh = min(h * 0.3, ww * 2.4)
        st.window(skia.Rect.MakeXYWH(w * x - ww / 2, h * 0.14, ww, wh), 0xFF6D6875, radius=ww / 2)
    for x in (0.36, 0.64):  # banners
        bx = w * x
        banner = skia.Path.Polygon([skia.Point(bx - 40 * u, h * 0.1), skia.Point(bx + 40 * u, h * 0.1),
                                    skia.Point(bx + 40 * u, h * 0.42), skia.Point(bx, h * 0.37),
                                    skia.Point(bx - 40 * u, h * 0.42)], True)
        c.drawPath(banner, paint(0xFFC1121F))
        c.drawCircle(bx, h * 0.2, 16 * u, paint(0xFFFFD93D))
        c.drawLine(bx - 50 * u, h * 0.1, bx + 50 * u, h * 0.1, stroke(0xFF7F5539, 8 * u))
    # A throne in the middle, torches on the walls, and the red carpet.
    tx = w * 0.5
    c.drawRoundRect(skia.Rect.MakeLTRB(tx - 60 * u, h * 0.44, tx + 60 * u, h * 0.7), 20 * u, 20 * u, paint(0xFFFFB703))
    c.drawRoundRect(skia.Rect.MakeLTRB(tx - 44 * u, h * 0.48, tx + 44 * u, h * 0.64), 14 * u, 14 * u, paint(0xFF9D0208))
    st.spot("throne", tx, h * 0.64)
    c.drawRect(skia.Rect.MakeLTRB(tx - 76 * u, h * 0.64, tx + 76 * u, h * 0.72), paint(0xFFFB8500))
    for x in (0.08, 0.92):
        c.drawLine(w * x, h * 0.5, w * x, h * 0.42, stroke(0xFF7F5539, 10 * u))
        flame = skia.Rect.MakeXYWH(w * x - 14 * u, h * 0.36, 28 * u, 40 * u)
        c.drawOval(flame, paint(0xFFFF9F1C))
        st.lights.append((flame, "glow"))
    carpet = skia.Path.Polygon([skia.Point(tx - 90 * u, h * 0.76), skia.Point(tx + 90 * u, h * 0.76),
                                skia.Point(tx + 200 * u, h), skia.Point(tx - 200 * u, h)], True)
    c.drawPath(carpet, paint(0xFFC1121F))
    c.drawPath(carpet, stroke(0xFFFFD93D, 6 * u))


def cave(st: Stage) -> None:
    w, h, c, u, rng = st.w, st.h, st.canvas, st.u, st.rng
    st.rect(0, 0, w, h, 0xFF5C4D5E)
    mouth = skia.Rect.MakeLTRB(w * 0.9 - max(w * 0.26, h * 0.2), h * 0.22, w * 0.9, h * 0.8)  # the way out, showing the sky
    st.window(mouth, 0xFF4A3B4F, radius=mouth.width() * 0.45)
    st.spot("mouth", mouth.centerX(), h * 0.8)
    # Rock layers over the wall: darker bands and stalactites hanging from the roof.
    for k in range(4):
        _roof_band(c, w, h * (0.12 + 0.05 * k), h * 0.03, k * 1.7, mix(0xFF3D3145, 0xFF5C4D5E, k / 4))
    for i in range(12):
        x = w * (i + rng.uniform(0.1, 0.9)) / 12
        length = h * rng.uniform(0.08, 0.2)
        c.drawPath(skia.Path.Polygon([skia.Point(x - 22 * u, h * 0.1), skia.Point(x + 22 * u, h * 0.1),
                                      skia.Point(x, h * 0.1 + length)], True), paint(0xFF4A3B4F))
    fill_below(st, (0.8, 0.76, 0.82, 0.77), 0xFFA58B6C)  # an earthen floor under purple rock
    for x, col in ((0.1, 0xFF72DDF7), (0.16, 0xFFCDB4DB), (0.48, 0xFF72DDF7)):  # glowing crystals
        cx = w * x
        c.drawPath(skia.Path.Polygon([skia.Point(cx - 16 * u, h * 0.84), skia.Point(cx, h * 0.74),
                                      skia.Point(cx + 16 * u, h * 0.84)], True), paint(col))
        st.lights.append((skia.Rect.MakeXYWH(cx - 16 * u, h * 0.74, 32 * u, h * 0.1), "glow"))
    for _ in range(6):
        rock(c, rng.uniform(0, w), h * rng.uniform(0.88, 0.99), u * rng.uniform(18, 40), 0xFF8A7A83)


def _roof_band(c: skia.Canvas, w: float, base: float, amp: float, phase: float, color: int) -> None:
    """A wavy band hanging from the top of the frame (a cave's roof)."""
    path = skia.Path()
    path.moveTo(0, 0)
    steps = 40
    for i in range(steps + 1):
        path.lineTo(w * i / steps, base + amp * math.sin(math.pi * (i / steps) * 3 + phase))
    path.lineTo(w, 0)
    path.close()
    c.drawPath(path, paint(color))
