"""The cast generator's rig: parts, faces, gestures and the YAML writer (see draw_cast.py).

Draw the cast library: writes characters/<id>/character.yaml for the 38 story
characters (animals and people) from the shapes below.

The committed YAML is the data the engine reads; this script is how it was drawn,
so a change of style is made here and the files written again:

    python3 scripts/draw_cast.py            # write every character
    python3 scripts/draw_cast.py fox owl    # only these
    python3 scripts/draw_cast.py --check    # exit 1 if a file differs from what it would write

Conventions (as characters/luna): character units, origin between the feet, y down;
parts are drawn in order, children after their parent; the part with `face: true`
gets eyes, brows, mouth and cheeks drawn right after its own fill, so whatever
must sit on top of the face (a beak, a nose, glasses) is one of its children.
Every character is designed near Luna's size and then scaled by its `scale`, so
one set of numbers (outline width, face sizes, gestures) keeps the look consistent.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cast_geometry import (Shape, ellipse, join, limb, mirror, poly, ring, rotate, rrect, shift, smooth,  # noqa: E402
                           star, svg, tilted)

ROOT = Path(__file__).resolve().parent.parent
CHARACTERS = ROOT / "characters"
INK = "#2B2140"
OUTLINE = 5
EYE_BOOST, MOUTH_BOOST = 1.22, 1.45  # the faces below were drawn a size smaller than Luna's are now


# ── parts ─────────────────────────────────────────────────────────────────────

@dataclass
class Part:
    id: str
    shape: Shape
    fill: str
    pivot: tuple[float, float]
    children: list["Part"] = field(default_factory=list)
    stroke: bool = True
    face: bool = False


def part(id: str, shape: Shape, fill: str, pivot, *children: Part, stroke: bool = True, face: bool = False) -> Part:
    return Part(id, shape, fill, tuple(pivot), list(children), stroke, face)


def mirrored(p: Part) -> Part:
    """The same part on the other side: x flipped, _l and _r swapped in ids."""
    def swap(name: str) -> str:
        for a, b in (("_l", "_r"), ("_r", "_l")):
            if name.endswith(a):
                return name[: -len(a)] + b
        return name + "_m"
    return Part(swap(p.id), mirror(p.shape), p.fill, (-p.pivot[0], p.pivot[1]), [mirrored(c) for c in p.children],
                p.stroke, p.face)


def pair(p: Part) -> list[Part]:
    return [p, mirrored(p)]


# ── faces, expressions, mouths, gestures shared by the cast ──────────────────

@dataclass
class Face:
    eye_y: float
    spacing: float
    eye_w: float
    eye_h: float
    mouth_y: float
    mouth_w: float
    brow_y: float
    cheek_y: float
    cheek_spacing: float
    cheek_r: float
    mouth: str = "#9B2C4B"
    brow: str = INK
    blush: str = "#FF8FAB"
    eye: str = INK
    x: float = 0.0


def expressions(k: float) -> dict[str, dict]:
    """Luna's nine faces; brow movements scaled by k (eye height / Luna's)."""
    b = lambda v: round(v * k, 1)  # noqa: E731
    return {
        "neutral": {"eyes": "open", "brows": 0, "smile": 0.35},
        "happy": {"eyes": "smile", "brows": b(4), "smile": 1.0, "blush": 0.9},
        "sad": {"eyes": "open", "brows": b(-2), "brow_tilt": 18, "smile": -0.7, "blush": 0.2, "look": [0, 0.6]},
        "surprised": {"eyes": "wide", "brows": b(10), "smile": 0.0, "mouth_open": 0.55},
        "excited": {"eyes": "smile", "brows": b(8), "smile": 1.0, "mouth_open": 0.45, "blush": 1.0},
        "thinking": {"eyes": "open", "brows": b(3), "brow_tilt": -10, "smile": -0.1, "look": [0.7, -0.8]},
        "sleepy": {"eyes": "half", "brows": b(-3), "smile": 0.15, "blush": 0.3},
        "angry": {"eyes": "narrow", "brows": b(-5), "brow_tilt": -24, "smile": -0.8, "blush": 1.0},
        "scared": {"eyes": "wide", "brows": b(6), "brow_tilt": 22, "smile": -0.2, "wavy": 1.0, "blush": 0.1,
                   "look": [0.6, 0]},
    }


VISEMES = {
    "rest": {"open": 0, "width": 1.0},
    "A": {"open": 0.85, "width": 1.1},
    "E": {"open": 0.45, "width": 1.3, "teeth": 0.6},
    "O": {"open": 0.7, "width": 0.9, "round": 1},
    "M": {"open": 0, "width": 0.85},
    "F": {"open": 0.18, "width": 1.05, "teeth": 1},
    "L": {"open": 0.5, "width": 1.0, "tongue": 1},
}


def keys(*rows: dict) -> list[dict]:
    return list(rows)


def wave(arm: str = "arm_r", up: float = -150, down: float = -118) -> dict:
    return {"duration": 1.4, "keys": [{"t": 0.0, arm: 0}, {"t": 0.3, arm: up}, {"t": 0.5, arm: down},
                                      {"t": 0.7, arm: up}, {"t": 0.9, arm: down}, {"t": 1.1, arm: up},
                                      {"t": 1.4, arm: 0}]}


def jump(height: float = 90) -> dict:
    return {"duration": 0.8, "keys": [{"t": 0.0, "lift": 0, "squash": 1.0}, {"t": 0.14, "lift": 0, "squash": 0.86},
                                      {"t": 0.38, "lift": height, "squash": 1.08},
                                      {"t": 0.62, "lift": 0, "squash": 0.9}, {"t": 0.8, "lift": 0, "squash": 1.0}]}


def nod(depth: float = 12) -> dict:
    return {"duration": 0.8, "keys": [{"t": 0.0, "nod": 0}, {"t": 0.2, "nod": depth}, {"t": 0.4, "nod": 0},
                                      {"t": 0.6, "nod": depth}, {"t": 0.8, "nod": 0}]}


def clap(inward: float = 62, apart: float = 40) -> dict:
    rows = [{"t": 0.0, "arm_l": 0, "arm_r": 0}]
    for t, a in ((0.2, inward), (0.35, apart), (0.5, inward), (0.65, apart), (0.8, inward)):
        rows.append({"t": t, "arm_l": -a, "arm_r": a})
    rows.append({"t": 1.0, "arm_l": 0, "arm_r": 0})
    return {"duration": 1.0, "sound": "clap", "keys": rows}


def swing(name_angles: dict[str, float], duration: float = 1.2, beats: int = 3) -> dict:
    """Parts swing to their angles and back `beats` times (a flap, a wag, a swim)."""
    rows = [{"t": 0.0, **{p: 0 for p in name_angles}}]
    step = duration / (2 * beats)
    for i in range(1, 2 * beats):
        rows.append({"t": round(i * step, 3), **{p: (a if i % 2 else round(a * 0.2, 1)) for p, a in name_angles.items()}})
    rows.append({"t": duration, **{p: 0 for p in name_angles}})
    return {"duration": duration, "keys": rows}


def biped_gestures(s: float) -> dict:
    """None of their own: upright characters play the built-in gestures
    (engine/characters/gestures.yaml) with their arms, forearms and hands."""
    return {}


# ── a character ───────────────────────────────────────────────────────────────

@dataclass
class Character:
    id: str
    name: str
    personality: str
    about: str  # the file's first comment line
    palette: dict[str, str]
    parts: list[Part]
    face: Face
    gestures: dict[str, dict]
    stride: float
    scale: float = 1.0


def _flow(d: dict) -> str:
    items = []
    for k, v in d.items():
        if isinstance(v, list):
            v = "[" + ", ".join(_fmt(x) for x in v) + "]"
        else:
            v = _fmt(v)
        items.append(f"{k}: {v}")
    return "{ " + ", ".join(items) + " }"


def _fmt(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else f"{int(v)}"
    return str(v)


def _scaled(v: float, s: float) -> float:
    return round(v * s, 1)


def _part_yaml(p: Part, s: float, palette: dict[str, str], indent: str) -> list[str]:
    colour = p.fill if p.fill in palette else f'"{p.fill}"'
    lines = [f"{indent}- id: {p.id}", f'{indent}  path: "{svg(p.shape, s)}"', f"{indent}  fill: {colour}",
             f"{indent}  pivot: [{_fmt(_scaled(p.pivot[0], s))}, {_fmt(_scaled(p.pivot[1], s))}]"]
    if not p.stroke:
        lines.append(f"{indent}  stroke: false")
    if p.face:
        lines.append(f"{indent}  face: true")
    if p.children:
        lines.append(f"{indent}  children:")
        for c in p.children:
            lines += _part_yaml(c, s, palette, indent + "    ")
    return lines


def _all_shapes(parts: list[Part]):
    for p in parts:
        yield p.shape
        yield from _all_shapes(p.children)


def top_of(c: Character) -> float:
    """How far above the feet the drawing reaches (outline included), in scaled units."""
    import skia  # noqa: F401  (the engine's path parser needs it)
    from storyreel.engine.timeline.paths import parse_path
    top = 0.0
    for shape in _all_shapes(c.parts):
        top = min(top, parse_path(svg(shape, c.scale)).computeTightBounds().top())
    # Brows raised in surprise (10 units at Luna's eye size) may float above the head.
    f = c.face
    brow_top = (f.brow_y - 10 * f.eye_h * EYE_BOOST / 28 - f.eye_w * EYE_BOOST * 0.5) * c.scale
    return -min(top, brow_top) + OUTLINE / 2


def to_yaml(c: Character) -> str:
    s = c.scale
    f = c.face
    # Faces drawn big enough for lip sync at phone size (docs/CHARACTERS.md, Face).
    f = replace(f, eye_w=f.eye_w * EYE_BOOST, eye_h=f.eye_h * EYE_BOOST, mouth_w=f.mouth_w * MOUTH_BOOST)
    k = s * f.eye_h / 28
    height = int(-(-top_of(c) // 5) * 5)  # rounded up to 5 units
    out = [f"# {c.name}: {c.about}",
           "# Original vector art drawn for storyreel; generated by scripts/draw_cast.py (edit the script,",
           "# then run it). Same conventions as luna/character.yaml.",
           f"id: {c.id}", f"name: {c.name}", f"personality: {c.personality}", f"height: {height}", "",
           "palette:"]
    out += [f'  {k2}: "{v}"' for k2, v in c.palette.items()]
    out += ["", "outline: { color: ink, width: %d }" % OUTLINE, "", f"voice: {{ preset: {c.id} }}", "",
            f"walk: {{ stride: {_fmt(round(c.stride * s))} }}", "", "parts:"]
    for p in c.parts:
        out += _part_yaml(p, s, c.palette, "  ")
    sc = lambda v: _fmt(_scaled(v, s))  # noqa: E731
    col = lambda v: v if v in c.palette else f'"{v}"'  # noqa: E731
    out += ["", "face:"]
    if f.x:
        out.append(f"  x: {sc(f.x)}")
    out += [f"  eyes: {{ y: {sc(f.eye_y)}, spacing: {sc(f.spacing)}, width: {sc(f.eye_w)}, height: {sc(f.eye_h)}, "
            f"color: {col(f.eye)} }}",
            f"  mouth: {{ y: {sc(f.mouth_y)}, width: {sc(f.mouth_w)}, color: {col(f.mouth)} }}",
            f"  brows: {{ y: {sc(f.brow_y)}, color: {col(f.brow)} }}",
            f"  cheeks: {{ y: {sc(f.cheek_y)}, spacing: {sc(f.cheek_spacing)}, radius: {sc(f.cheek_r)}, "
            f"color: {col(f.blush)} }}", "", "expressions:"]
    out += [f"  {name}: {_flow(e)}" for name, e in expressions(k).items()]
    out += ["", "visemes:"]
    out += [f"  {name}: {_flow(v)}" for name, v in VISEMES.items()]
    out += ["", "# Gestures: the built-in ones (engine/characters/gestures.yaml: wave, jump, nod, clap, cheer,",
            "# jump_for_joy, think, surprise, shrug) play with these parts; "
            + ("one below replaces the built-in of its name." if c.gestures else "it needs none of its own.")]
    if c.gestures:
        out.append("gestures:")
    for name, g in c.gestures.items():
        out.append(f"  {name}:")
        out.append(f"    duration: {_fmt(g['duration'])}")
        if g.get("sound"):
            out.append(f"    sound: {g['sound']}")
        out.append("    keys:")
        out += [f"      - {_flow(row)}" for row in g["keys"]]
    return "\n".join(out) + "\n"


CAST: dict[str, "callable"] = {}


def cast(fn):
    CAST[fn.__name__.rstrip("_")] = fn
    return fn
