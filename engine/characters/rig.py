"""The rig: turning a front-view character into three-quarter and side views, and
moving its limbs for walking, running, sitting and lying down.

Characters are drawn from front-view data only. The rig makes the other views
from it, for any character that follows the part conventions (docs/CHARACTERS.md):

* `view` 0 is the front, 0.5 three-quarter, 1 the side (profile). The figure
  always turns towards +x here; the painter mirrors it for facing left.
* Paired parts end in `_l` (at negative x) or `_r` (positive x): legs, arms,
  ears, wings. Turning moves their joints towards the middle, hangs them
  straight, and puts the `_r` side (now the far side) behind the body; in side
  view the near (`_l`) limbs are mirrored so feet and hands point forward.
* Every other part is the core: the body and head narrow as they turn, like a
  rounded solid seen from an angle. The part with `face: true` slides towards
  the front, and the face's features sit on a ball: they slide forward, the far
  eye and cheek shrink and, in profile, disappear behind the head.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import skia

from ..timeline.paths import parse_path
from .model import Character, Part

CORE_DEPTH = 0.72  # how deep a body is for its width: its width in profile
FACE_DEPTH = 0.64  # the face part in profile, for its front width
FACE_FORWARD = 0.16  # how far the face pokes out in front of the head in profile (of its radius)
WALK = {"leg": 26.0, "arm": 22.0, "bob": 6.0, "lean": 0.0}
RUN = {"leg": 42.0, "arm": 55.0, "bob": 14.0, "lean": 9.0}
FRONT_LEG_LIFT = 16.0


def side_of(part_id: str) -> int:
    """-1 for a left part (`arm_l`), +1 for a right one, 0 for the core."""
    if part_id.endswith("_l"):
        return -1
    if part_id.endswith("_r"):
        return 1
    return 0


def limb_kind(part_id: str) -> str:
    """'leg' or 'arm' for the parts the walk cycle swings, else ''."""
    for kind, prefixes in (("leg", ("leg", "foot", "shoe", "paw_back", "hind")),
                           ("arm", ("arm", "wing", "paw_front", "flipper", "fin"))):
        if side_of(part_id) and part_id.startswith(prefixes):
            return kind
    return ""


@dataclass(frozen=True)
class Turn:
    """One view angle's numbers, shared by every part of a frame."""

    view: float  # 0 front .. 1 side

    @property
    def angle(self) -> float:
        return self.view * math.pi / 2

    def narrow(self, depth: float) -> float:
        """The width of a rounded solid `depth` deep (for its width 1) seen from this angle."""
        return math.hypot(math.cos(self.angle), depth * math.sin(self.angle))

    @property
    def far_behind(self) -> bool:
        """Whether the far (`_r`) limbs are drawn behind the body."""
        return self.view > 0.2

    def near_flip(self) -> float:
        """x scale of the near limbs: 1, then through 0 to -1 as the side view comes."""
        k = min(1.0, max(0.0, (self.view - 0.6) / 0.3))
        return math.cos(math.pi * k)


def per_character(fn):
    """Cache a measure of a character's parts (computed once, used every frame).
    Characters are unhashable data; the loader keeps one object per file version."""
    cache: dict[int, tuple] = {}

    def cached(character: Character):
        hit = cache.get(id(character))
        if hit is None or hit[0] is not character:
            hit = cache[id(character)] = (character, fn(character))
        return hit[1]
    cached.__doc__, cached.__name__ = fn.__doc__, fn.__name__
    return cached


@lru_cache(maxsize=256)
def _bounds(data: str) -> tuple[float, float, float, float]:
    b = parse_path(data).computeTightBounds()
    return b.left(), b.top(), b.right(), b.bottom()


def subtree_bounds(part: Part) -> tuple[float, float, float, float]:
    boxes = [_bounds(p.path) for p in part.walk()]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def hang_angle(part: Part) -> float:
    """Degrees that turn a limb's subtree to hang straight (down, or up for ears)
    from its joint: the rotation the side view gives it."""
    left, top, right, bottom = subtree_bounds(part)
    cx, cy = (left + right) / 2 - part.pivot[0], (top + bottom) / 2 - part.pivot[1]
    if abs(cx) < 1e-6:
        return 0.0
    # Skia turns clockwise for positive degrees (y points down).
    if cy >= 0:  # hangs down: turn its centre under the joint
        return math.degrees(math.atan2(cx, cy))
    return -math.degrees(math.atan2(cx, -cy))


@per_character
def face_geometry(character: Character) -> tuple[float, float, float]:
    """(face part's half width, its centre x, the head's half width) in front view."""
    face_part, head = None, None
    for root in character.parts:
        for p in root.walk():
            for child in p.children:
                if child.face:
                    head = p
            if p.face:
                face_part = p
    fl, _, fr, _ = _bounds(face_part.path)
    radius = (fr - fl) / 2
    head_half = radius
    if head is not None:
        hl, _, hr, _ = _bounds(head.path)
        head_half = max(radius, (hr - hl) / 2)
    return radius, (fl + fr) / 2, head_half


def face_shift(character: Character, turn: Turn) -> float:
    """How far the face part slides towards the front as the character turns."""
    radius, _, head_half = face_geometry(character)
    room = turn.narrow(CORE_DEPTH) * head_half - turn.narrow(FACE_DEPTH) * radius
    # In profile the face's front is the head's outline: it pokes out past the hair.
    return (max(0.0, room) * 0.9 + FACE_FORWARD * radius) * math.sin(turn.angle)


def feature_x(character: Character, x: float, turn: Turn) -> tuple[float, float]:
    """Where a face feature drawn at `x` (front view) lands, and how wide it looks (0..1).

    Features sit on a ball the size of the face part: turning slides them
    forward and foreshortens them; at 0 or below a feature is behind the head.
    """
    if not turn.view:
        return x, 1.0
    radius, centre, _ = face_geometry(character)
    phi = math.asin(max(-1.0, min(1.0, (x - centre) / radius)))
    psi = phi + turn.angle * 0.8
    spread = turn.narrow(0.45)
    return centre + radius * math.sin(psi) * spread, math.cos(psi)


def walk_swing(part_id: str, walk: float, turn: Turn, run: float) -> tuple[float, float]:
    """(rotation in degrees, lift in units) of a limb at walk phase `walk` (steps).

    From the front, legs take turns lifting and arms swing out; from the side,
    legs swing forward and back about the hip and arms swing the opposite way.
    """
    kind, side = limb_kind(part_id), side_of(part_id)
    if not walk or not kind:
        return 0.0, 0.0
    wave = math.sin(2 * math.pi * walk)
    amp = {k: WALK[k] + (RUN[k] - WALK[k]) * run for k in WALK}
    if turn.view >= 0.3:
        # Positive degrees swing a hanging limb backwards (its end towards -x).
        sign = side if kind == "leg" else -side
        return sign * amp[kind] * wave, 0.0
    wave *= -side
    if kind == "leg":
        return -side * amp["leg"] * 0.25 * max(0.0, wave), -FRONT_LEG_LIFT * max(0.0, wave)
    return -side * amp["arm"] * 0.7 * wave, 0.0


def bob(walk: float, run: float, gait: Turn, hip: float, toe: float) -> float:
    """How far the body moves down (up if negative) at walk phase `walk`.

    Side-on, the body rides so that the lowest sole of the swinging legs (a
    leg `hip` long, its foot reaching `toe` from the joint's line) stays on the
    ground; a run also flies between steps. From the front, the body rises a
    little as a leg lifts."""
    if not walk % 0.5:
        return 0.0
    spread = abs(math.sin(2 * math.pi * walk))
    flight = RUN["bob"] * run * (1.0 - spread)
    if gait.view >= 0.3:
        swing = math.radians((WALK["leg"] + (RUN["leg"] - WALK["leg"]) * run) * spread)
        return hip - (toe * math.sin(swing) + hip * math.cos(swing)) - flight
    return -spread * WALK["bob"] * (1.0 - run) - flight


def lean(run: float) -> float:
    return RUN["lean"] * run


def limb_view(part: Part, pose: skia.Matrix, turn: Turn, swing: float) -> skia.Matrix:
    """The view transform of a paired part and everything it carries: its joint
    slides towards the middle, it hangs straight, the near side flips forward,
    then the walk swing turns it about the joint. `pose` is the part's own pose."""
    side = side_of(part.id)
    px, py = pose.mapXY(*part.pivot)
    s = math.sin(turn.angle)
    m = skia.Matrix()
    x = px * math.cos(turn.angle) + side * 6 * s
    if not limb_kind(part.id):
        x -= 0.45 * abs(px) * s  # ears, horns: towards the back of the head in profile
    m.preTranslate(x, py)
    if swing:
        m.preRotate(swing)
    flip = turn.near_flip() if side < 0 else 1.0
    m.preScale(math.copysign(max(abs(flip), 0.12), flip), 1.0)
    # Arms hang down and out in front view: side-on they hang straight. Legs are
    # straight already (their feet stick out, and turning them would sink the toes).
    straighten = hang_angle(part) * s if limb_kind(part.id) != "leg" else 0.0
    if straighten:
        m.preRotate(straighten)
    m.preTranslate(-px, -py)
    return m


@per_character
def hip_height(character: Character) -> float:
    """How high the legs' joints are (0 for a character without legs)."""
    return max((-p.pivot[1] for root in character.parts for p in root.walk() if limb_kind(p.id) == "leg"
                and side_of(p.id)), default=0.0)


@per_character
def toe_reach(character: Character) -> float:
    """How far a foot sticks out sideways from its leg's joint (front view)."""
    reach = [max(abs(left - p.pivot[0]), abs(right - p.pivot[0]))
             for root in character.parts for p in root.walk() if limb_kind(p.id) == "leg" and side_of(p.id)
             for left, _, right, _ in [subtree_bounds(p)]]
    return max(reach, default=0.0)


@per_character
def seat_height(character: Character) -> float:
    """How high the bottom of the body (not the limbs) is: what sitting rests on."""
    bottoms = [_bounds(p.path)[3] for root in character.parts for p in _core_parts(root)]
    return max(0.0, -max(bottoms, default=0.0))


def _core_parts(part: Part):
    if side_of(part.id):
        return
    yield part
    for child in part.children:
        yield from _core_parts(child)


def sit_swing(sit: float, turn: Turn, hip: float, seat: float, leg: bool) -> float:
    """Sitting seen from the side: the legs swing forward until the feet touch
    the ground in front; the arms come forward a little so the hands rest."""
    if turn.view < 0.3:
        return 0.0
    if not leg:
        return -35.0 * sit
    reach_down = math.degrees(math.asin(max(0.0, min(1.0, (hip - seat) / hip)))) if hip else 0.0
    return -(90.0 - reach_down) * sit


def sit_matrix(sit: float, hip: float, seat: float, turn: Turn, leg: bool) -> skia.Matrix:
    """Sitting lowers everything above the hips until the body rests on the
    ground; from the front the legs fold (foreshortened towards the viewer),
    from the side they point forward."""
    drop = seat * sit if hip else 0.0
    m = skia.Matrix()
    if leg and turn.view < 0.3:
        m.setScale(1.0, 1.0 - drop / hip)
    else:
        m.setTranslate(0, drop)
    return m


def lying_matrix(character: Character, lie: float) -> skia.Matrix:
    """Lying on the ground: the figure turns a quarter over (head towards -x) and
    rests on its side's outermost point, centred where it stood."""
    left = min(subtree_bounds(root)[0] for root in character.parts)
    m = skia.Matrix()
    m.setTranslate(character.height / 2 * lie, left * lie)
    m.preRotate(-90.0 * lie)
    return m


def core_matrix(pose: skia.Matrix, narrow: float, shift: float) -> skia.Matrix:
    m = skia.Matrix()
    m.preTranslate(shift, 0)
    m.preScale(narrow, 1.0)
    m.preConcat(pose)
    return m
