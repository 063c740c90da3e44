"""Drawing a character node: the part tree from its data, the face from values.

Node values (all ordinary timeline tracks):
    facing (-1..1, negative looks left), expression (name), mouth (viseme shape
    tuple), blink (0..1), look (dx, dy), breath (0..1), walk (steps taken),
    lift, squash, lean, and `pose.PART` rotations in degrees.
The rasteriser has already moved the canvas to the character's feet and
applied its scale; this module scales character units to canvas pixels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import skia

from ..raster.color import to_argb_int, with_alpha
from ..timeline.paths import parse_path
from . import rig
from .model import MOUTH_CHANNELS, Character, Expression, Part


def _paint(color, alpha: float, **kw) -> skia.Paint:
    """A paint for one of a character's colours (shared: callers never change it)."""
    return _shared_paint(tuple(color), alpha, tuple(sorted(kw.items())))


@lru_cache(maxsize=1024)
def _shared_paint(color: tuple, alpha: float, kw: tuple) -> skia.Paint:
    # A character is about 60 paints a frame, mostly the same few colours: building each
    # afresh (and packing its colour) cost more Python time than drawing the paths.
    return skia.Paint(AntiAlias=True, Color=to_argb_int(with_alpha(color, alpha)), **dict(kw))


@lru_cache(maxsize=256)
def _path(data: str) -> skia.Path:
    return parse_path(data)


def _copy(m: skia.Matrix) -> skia.Matrix:
    return skia.Matrix.Concat(m, _IDENTITY)


_IDENTITY = skia.Matrix()


@dataclass
class _Frame:
    """What one frame of one character needs while its parts are laid out."""

    character: Character
    values: dict
    turn: rig.Turn
    walk: float
    run: float
    sit: float
    hip: float
    toe: float
    seat: float
    overrides: dict
    gait: rig.Turn  # the view the walk cycle swings for (a profile-drawn fish still walks side-on)


def paint_character(canvas: skia.Canvas, node, alpha: float, ctx) -> None:
    from . import load_character

    character: Character = load_character(node.attrs["character"])
    v = node.values
    unit = node.attrs.get("unit", 1.0)
    facing = v.get("facing", 1.0)
    squash = v.get("squash", 1.0)
    breath = v.get("breath", 0.0)
    walk = v.get("walk", 0.0)
    walking = walk % 1.0 != 0.0 or node.attrs.get("walking", False)
    run = max(0.0, min(1.0, v.get("run", 0.0)))
    view = max(0.0, min(1.0, v.get("view", 0.0)))
    turn = rig.Turn(view if character.turns else 0.0)
    frame = _Frame(character, v, turn, walk if walking else 0.0, run, max(0.0, min(1.0, v.get("sit", 0.0))),
                   rig.hip_height(character), rig.toe_reach(character), rig.seat_height(character),
                   character.view_overrides(turn.view),
                   rig.Turn(view))

    canvas.save()
    canvas.scale(unit, unit)
    canvas.translate(0, -v.get("lift", 0.0) + (rig.bob(walk, run, frame.gait, frame.hip, frame.toe) if walking else 0.0))
    # Turning: the x scale passes through a narrow width, never zero.
    canvas.scale(math.copysign(max(0.08, abs(facing)), facing or 1.0), 1.0)
    lie = max(0.0, min(1.0, v.get("lie", 0.0)))
    if lie and frame.hip:
        # Lying down: the figure tips over onto the ground, head first. A character
        # without legs (a fish, a snail) is already down: it only closes its eyes.
        canvas.concat(rig.lying_matrix(character, lie))
    # Breathing stretches the body a little from the feet; a jump squashes it.
    stretch_y = squash * (1.0 + 0.012 * breath)
    canvas.scale(1.0 / math.sqrt(max(squash, 0.2)), stretch_y)
    lean = v.get("lean", 0.0) + (rig.lean(run) if walking else 0.0)
    if lean:
        canvas.rotate(lean)
    expression = character.expressions.get(v.get("expression", "neutral"), character.expressions["neutral"])
    outline = _paint(character.outline, alpha, Style=skia.Paint.kStroke_Style, StrokeWidth=character.outline_width,
                     StrokeJoin=skia.Paint.kRound_Join, StrokeCap=skia.Paint.kRound_Cap)
    behind: list = []
    draws: list = []
    for part in character.parts:
        _lay_out(part, skia.Matrix(), frame, None, breath, draws, behind)
    for part, matrix in behind + draws:
        if part.id in frame.overrides.get("hide", ()):
            continue
        canvas.save()
        canvas.concat(matrix)
        path = _path(frame.overrides.get("paths", {}).get(part.id, part.path))
        canvas.drawPath(path, _paint(part.fill, alpha))
        if part.stroke:
            canvas.drawPath(path, outline)
        canvas.restore()
        if part.face:
            canvas.save()
            canvas.concat(_face_matrix(frame, matrix, part))
            _draw_face(canvas, character, v, expression, alpha, turn)
            canvas.restore()
    canvas.restore()


def _face_matrix(frame: _Frame, matrix: skia.Matrix, part: Part) -> skia.Matrix:
    """The face part's matrix without its narrowing: features place themselves on the ball."""
    narrow = frame.turn.narrow(rig.FACE_DEPTH)
    undo = skia.Matrix()
    undo.setScale(1.0 / narrow, 1.0)
    m = _copy(matrix)
    m.preConcat(undo)
    return m


def _gesturing(limb: Part, v, degrees: float = 30.0) -> bool:
    """Whether a limb is posed away from hanging (pointing, reaching, waving): its
    joints turned by more than `degrees` in all."""
    return sum(abs(v.get(f"pose.{p.id}", 0.0)) for p in limb.walk()) > degrees


def _lay_out(part: Part, pose: skia.Matrix, frame: _Frame, view: skia.Matrix | None, breath: float,
             draws: list, behind: list, leg: bool = False, in_face: bool = False) -> None:
    """Append (part, matrix) for `part` and its children, in drawing order.

    `pose` is the front-view pose of the parent (rotations about joints); the
    view's own transform is added per part (`view` is set inside a paired limb),
    so a turned arm keeps its length while the body it hangs from narrows.
    """
    v, turn = frame.values, frame.turn
    angle = v.get(f"pose.{part.id}", 0.0)
    if part.face:
        angle += 1.5 * math.sin(breath * math.pi / 2)  # a slight head sway when idle
    own = _copy(pose)
    if part.id == "head" and v.get("nod", 0.0):
        own.preTranslate(0, v["nod"])  # a nod moves the head group down and back
    starts_limb = view is None and rig.side_of(part.id) != 0
    if starts_limb:
        swing, lift = rig.walk_swing(part.id, frame.walk, frame.gait, frame.run)
        kind = rig.limb_kind(part.id)
        leg = kind == "leg"
        if frame.sit and kind:
            swing += rig.sit_swing(frame.sit, frame.gait, frame.hip, frame.seat, leg)
            if kind == "arm" and frame.gait.view < 0.3:
                angle -= 18.0 * frame.sit * rig.side_of(part.id)  # arms out a little, hands off the ground
        if lift:
            own.preTranslate(0, lift)
    if angle:
        px, py = part.pivot
        own.preTranslate(px, py)
        own.preRotate(angle)
        own.preTranslate(-px, -py)
    if starts_limb:
        view = rig.limb_view(part, own, turn, swing)
    in_face = in_face or part.face
    if part.id in frame.overrides.get("paths", {}):
        matrix = _copy(own)  # drawn for this view already
    elif view is not None:
        matrix = _copy(view)
        matrix.preConcat(own)
    elif in_face:
        matrix = rig.core_matrix(own, turn.narrow(rig.FACE_DEPTH), rig.face_shift(frame.character, turn))
    else:
        matrix = rig.core_matrix(own, turn.narrow(rig.CORE_DEPTH), 0.0)
    if frame.sit:
        matrix.postConcat(rig.sit_matrix(frame.sit, frame.hip, frame.seat, frame.gait, leg))
    target = draws
    if starts_limb and rig.side_of(part.id) > 0 and turn.far_behind and not _gesturing(part, v):
        target = behind  # the far limb goes behind the body, unless it reaches out in a gesture
    target.append((part, matrix))
    # A limb raised past the horizontal (a wave) or bent up to the face (think)
    # is drawn in front of its later siblings, or the head would hide it.
    raised = [c for c in part.children if _gesturing(c, v, 90.0)]
    for child in [c for c in part.children if c not in raised] + raised:
        _lay_out(child, own, frame, view, breath, target, behind, leg, in_face)


class _OnFace:
    """Draws one face feature where the turn puts it, foreshortened; skips it
    when it has gone round behind the head."""

    def __init__(self, canvas, character: Character, turn: rig.Turn):
        self.canvas, self.character, self.turn = canvas, character, turn

    def __call__(self, x: float, least: float = 0.35):
        at, width = rig.feature_x(self.character, x, self.turn)
        return _Squeeze(self.canvas, x, at, max(least, width) if width > 0.1 else 0.0)


class _Squeeze:
    def __init__(self, canvas, x: float, at: float, width: float):
        self.canvas, self.x, self.at, self.width = canvas, x, at, width

    def __enter__(self):
        self.canvas.save()
        self.canvas.translate(self.at, 0)
        self.canvas.scale(self.width or 1.0, 1.0)
        self.canvas.translate(-self.x, 0)
        return self.width > 0

    def __exit__(self, *exc):
        self.canvas.restore()


def _draw_face(canvas, character: Character, v, expression: Expression, alpha: float, turn: rig.Turn) -> None:
    f = character.face
    on_face = _OnFace(canvas, character, turn)
    look = v.get("look", (0.0, 0.0))
    lx = (look[0] or expression.look[0]) * f.eye_width * 0.45
    ly = (look[1] or expression.look[1]) * f.eye_height * 0.3
    # Asleep, the eyes stay shut whatever the blinking does.
    blink = max(0.0, min(1.0, max(v.get("blink", 0.0), v.get("asleep", 0.0))))
    # Cheeks under everything else on the face.
    if expression.blush > 0:
        cheek = _paint(f.cheek_color, alpha * min(1.0, expression.blush))
        for side in (-1, 1):
            x = f.center_x + side * f.cheek_spacing
            with on_face(x) as visible:
                if visible:
                    canvas.drawOval(skia.Rect.MakeXYWH(x - f.cheek_radius * 1.3, f.cheek_y - f.cheek_radius * 0.8,
                                                       f.cheek_radius * 2.6, f.cheek_radius * 1.6), cheek)
    for side in (-1, 1):
        x = f.center_x + side * f.eye_spacing
        with on_face(x) as visible:
            if visible:
                _draw_eye(canvas, f, x + lx, f.eye_y + ly, expression.eyes, blink, alpha, side)
                _draw_brow(canvas, f, x, expression, alpha, side)
    with on_face(f.center_x, 0.5):
        _draw_mouth(canvas, character, v, expression, alpha)


def _draw_eye(canvas, f, x: float, y: float, variant: str, blink: float, alpha: float, side: int) -> None:
    w, h = f.eye_width, f.eye_height
    ink = _paint(f.eye_color, alpha)
    line = _paint(f.eye_color, alpha, Style=skia.Paint.kStroke_Style, StrokeWidth=max(2.0, w * 0.32),
                  StrokeCap=skia.Paint.kRound_Cap)
    if variant in ("smile", "closed") or blink > 0.85:
        path = skia.Path()
        path.moveTo(x - w * 0.6, y)
        bend = -h * 0.75 if variant == "smile" else h * 0.5
        path.quadTo(x, y + bend, x + w * 0.6, y)
        canvas.drawPath(path, line)
        return
    if variant == "narrow":
        _draw_narrow_eye(canvas, x, y, w, h * (1.0 - blink), ink, line, alpha, side)
        return
    if variant == "wide":
        w, h = w * 1.2, h * 1.25
    open_h = h * (1.0 - blink)
    if variant == "half":
        open_h *= 0.5
        rect = skia.Rect.MakeXYWH(x - w / 2, y - open_h / 2 + h * 0.12, w, open_h)
    else:
        rect = skia.Rect.MakeXYWH(x - w / 2, y - open_h / 2, w, open_h)
    canvas.drawOval(rect, ink)
    if variant == "half":
        lid = skia.Path()
        lid.moveTo(x - w * 0.65, rect.top())
        lid.lineTo(x + w * 0.65, rect.top())
        canvas.drawPath(lid, line)
    if open_h > h * 0.35:
        shine = _paint((1.0, 1.0, 1.0, 1.0), alpha)
        canvas.drawCircle(x + w * 0.18, rect.top() + open_h * 0.3, w * 0.2, shine)
        canvas.drawCircle(x - w * 0.15, rect.top() + open_h * 0.62, w * 0.09, shine)


def _draw_narrow_eye(canvas, x: float, y: float, w: float, h: float, ink: skia.Paint, line: skia.Paint,
                     alpha: float, side: int) -> None:
    """A cross eye: a shorter oval whose upper lid slants down towards the nose."""
    open_h = h * 0.8
    rect = skia.Rect.MakeXYWH(x - w / 2, y - open_h / 2 + h * 0.1, w, open_h)
    inner, outer = x - side * w * 0.7, x + side * w * 0.7  # side -1 is the eye left of the nose
    inner_y, outer_y = rect.top() + open_h * 0.5, rect.top() + open_h * 0.05
    lid = skia.Path()
    lid.moveTo(outer, outer_y)
    lid.lineTo(inner, inner_y)
    below = skia.Path(lid)
    below.lineTo(inner, rect.bottom() + h)
    below.lineTo(outer, rect.bottom() + h)
    below.close()
    canvas.save()
    canvas.clipPath(below, doAntiAlias=True)
    canvas.drawOval(rect, ink)
    canvas.restore()
    canvas.drawPath(lid, line)
    if open_h > h * 0.35:
        canvas.drawCircle(x + w * 0.12, rect.top() + open_h * 0.62, w * 0.16, _paint((1.0, 1.0, 1.0, 1.0), alpha))


def _draw_brow(canvas, f, x: float, expression: Expression, alpha: float, side: int) -> None:
    w = f.eye_width * 1.3
    y = f.brow_y - expression.brows
    # brow_tilt > 0 lifts the inner end (worried); < 0 lowers it (cross).
    tilt = math.radians(expression.brow_tilt) * side
    dx, dy = math.cos(tilt) * w / 2, math.sin(tilt) * w / 2
    path = skia.Path()
    path.moveTo(x - dx, y - dy)
    path.quadTo(x, y - w * 0.18, x + dx, y + dy)
    canvas.drawPath(path, _paint(f.brow_color, alpha, Style=skia.Paint.kStroke_Style,
                                 StrokeWidth=max(2.0, f.eye_width * 0.28), StrokeCap=skia.Paint.kRound_Cap))


def _draw_mouth(canvas, character: Character, v, expression: Expression, alpha: float) -> None:
    f = character.face
    rest = character.visemes["rest"]
    shape = dict(zip(MOUTH_CHANNELS, v.get("mouth", rest)))
    opened = max(shape["open"], expression.mouth_open)
    width = f.mouth_width * shape["width"] * (1.0 - 0.4 * shape["round"])
    smile = expression.smile * (1.0 - 0.6 * shape["round"])
    x, y = f.center_x, f.mouth_y
    half = width / 2
    ink = _paint(f.eye_color, alpha, Style=skia.Paint.kStroke_Style, StrokeWidth=max(2.0, f.eye_width * 0.26),
                 StrokeCap=skia.Paint.kRound_Cap, StrokeJoin=skia.Paint.kRound_Join)
    if opened < 0.06:
        path = skia.Path()
        if expression.wavy > 0:
            # A wobbly line: two waves along the smile's curve.
            steps = 24
            for i in range(steps + 1):
                u = i / steps * 2 - 1  # -1 .. 1 across the mouth
                curve = smile * width * (0.285 * (1 - u * u) - 0.12)  # the quad below, as a parabola
                wave = math.sin((u + 1) * 2 * math.pi) * expression.wavy * width * 0.1
                (path.lineTo if i else path.moveTo)(x + u * half, y + curve + wave)
        else:
            path.moveTo(x - half, y - smile * width * 0.12)
            path.quadTo(x, y + smile * width * 0.45, x + half, y - smile * width * 0.12)
        canvas.drawPath(path, ink)
        return
    top = y - smile * width * 0.1 - opened * width * 0.08 * (1 + shape["round"])
    bottom = y + opened * width * (0.8 + 0.4 * shape["round"]) + max(0.0, smile) * width * 0.3
    corner_y = y - smile * width * 0.12
    path = skia.Path()
    path.moveTo(x - half, corner_y)
    path.cubicTo(x - half * 0.5, top, x + half * 0.5, top, x + half, corner_y)
    path.cubicTo(x + half * (0.9 - 0.3 * shape["round"]), bottom, x - half * (0.9 - 0.3 * shape["round"]), bottom,
                 x - half, corner_y)
    path.close()
    canvas.drawPath(path, _paint(f.mouth_color, alpha))
    canvas.save()
    canvas.clipPath(path, doAntiAlias=True)
    if shape["teeth"] > 0.05:
        canvas.drawRect(skia.Rect.MakeLTRB(x - half, top - width, x + half, top + width * 0.12 * shape["teeth"] + 1),
                        _paint((1.0, 1.0, 1.0, 1.0), alpha))
    tongue = 0.35 + 0.65 * shape["tongue"]
    canvas.drawOval(skia.Rect.MakeXYWH(x - half * 0.55, bottom - width * 0.32 * tongue, half * 1.1, width * 0.5),
                    _paint((0.95, 0.45, 0.5, 1.0), alpha))
    canvas.restore()
    canvas.drawPath(path, ink)
