"""The animals of the cast library (see draw_cast.py). Numbers are design units at
Luna's size (430 tall); each character's `scale` sizes it."""
from __future__ import annotations

from cast_geometry import ellipse, join, limb, mirror, poly, ring, rotate, rrect, shift, smooth, star, tilted
from cast_rig import INK, Character, Face, biped_gestures, cast, clap, jump, mirrored, nod, pair, part, swing, wave

# ── the upright animal: Luna's proportions with an animal's head and tail ─────

SKULL_Y, SKULL_R = -308.0, 106.0


def face_at(**kw) -> Face:
    base = dict(eye_y=-318, spacing=40, eye_w=22, eye_h=30, mouth_y=-262, mouth_w=34, brow_y=-357, cheek_y=-282,
                cheek_spacing=70, cheek_r=14)
    base.update(kw)
    return Face(**base)


def legs(fill: str, foot: str, hip: float = -104, spread: float = 30, width: float = 34) -> list:
    leg = part("leg_l", limb(-spread, hip, -spread - 2, -24, width, width - 4), fill, (-spread, hip + 6),
               part("foot_l", ellipse(-spread - 8, -15, 30, 16), foot, (-spread - 2, -22)))
    return pair(leg)


def arms(fill: str, paw: str, shoulder=(56, -196), elbow=(76, -136), wrist=(84, -84), width: float = 30) -> list:
    """Upper arm, forearm (turning at the elbow) and a round paw, as Luna's."""
    (sx, sy), (ex, ey), (hx, hy) = shoulder, elbow, wrist
    forearm = part("forearm_r", limb(ex, ey, hx, hy, width - 4, width - 8), fill, (ex, ey),
                   part("hand_r", ellipse(hx + 1, hy + 8, 18, 17), paw, (hx + 1, hy + 8)))
    arm = part("arm_r", limb(sx, sy, ex, ey, width, width - 4), fill, (sx - 2, sy + 4), forearm)
    return [mirrored(arm), arm]


def torso(fill: str, *children, top: float = -218, bottom: float = -60, width: float = 84) -> object:
    shape = smooth([(0, top), (width * 0.6, top + 6), (width * 0.92, top + 80), (width, bottom - 40),
                    (width * 0.7, bottom), (0, bottom + 4), (-width * 0.7, bottom), (-width, bottom - 40),
                    (-width * 0.92, top + 80), (-width * 0.6, top + 6)])
    return part("body", shape, "fur", (0, -84), *children)


def belly(fill: str = "light", cy: float = -128, rx: float = 52, ry: float = 58):
    return part("belly", ellipse(0, cy, rx, ry), fill, (0, cy), stroke=False)


def upright(*, ears: list, skull, face_part, tail=None, leg_parts=None, arm_parts=None, body_children=(),
            head_children_front=(), fur="fur", paw="dark") -> list:
    head = part("head", ellipse(0, -230, 30, 20), fur, (0, -212), *ears,
                *([part("skull", skull, fur, (0, -220))] if skull is not None else []), face_part,
                *head_children_front)
    body = torso(fur, *body_children, *(arm_parts if arm_parts is not None else arms(fur, paw)), head)
    return [*([tail] if tail else []), *(leg_parts if leg_parts is not None else legs(fur, paw)), body]


def round_head(r: float = SKULL_R, cy: float = SKULL_Y):
    return ellipse(0, cy, r * 1.04, r)


# ── the animals ───────────────────────────────────────────────────────────────

@cast
def fox():
    ear = part("ear_l", poly([(-98, -352), (-92, -462), (-30, -396)]), "fur", (-64, -380),
               part("ear_inner_l", poly([(-86, -372), (-84, -440), (-48, -396)]), "dark", (-70, -390), stroke=False))
    mask = smooth([(-112, -296), (-70, -284), (-30, -290), (0, -280), (30, -290), (70, -284), (112, -296),
                   (70, -232), (0, -206), (-70, -232)])
    face_part = part("face", mask, "light", (0, -220),
                     part("nose", ellipse(0, -282, 13, 9), "ink", (0, -282)), face=True)
    tail = part("tail", join(smooth([(40, -96), (120, -130), (178, -210), (168, -290), (132, -236), (84, -170),
                                     (30, -126)])), "fur", (40, -110),
                part("tail_tip", smooth([(168, -290), (178, -240), (150, -226), (140, -258)]), "light", (160, -260),
                     stroke=False))
    return Character(
        "fox", "Fox", "Clever and quick-witted; loves a plan, and sometimes a trick.",
        "a sly, smart orange fox with a white-tipped brush of a tail.",
        {"fur": "#F08A3C", "light": "#FFF3E6", "dark": "#5A2E1E", "ink": INK, "blush": "#FF7B6B", "mouth": "#8E2A3A"},
        upright(ears=pair(ear), skull=round_head(), face_part=face_part, tail=tail,
                body_children=[belly()]),
        face_at(eye_y=-322, brow=INK), biped_gestures(1.0), 85, scale=0.9)



def whiskers(y: float, x: float = 40, ink: str = "ink") -> list:
    """Three thin whiskers a side, over the face (children of the face part)."""
    lines = []
    for dy, tilt in ((-8, -10), (0, 0), (8, 10)):
        lines.append(rotate(rrect(x, y + dy - 1.6, x + 52, y + dy + 1.6, 1.6), tilt, x, y + dy))
    w = join(*lines)
    return [part("whiskers_l", mirror(w), ink, (-x, y), stroke=False), part("whiskers_r", w, ink, (x, y), stroke=False)]


def thin_tail(points, width: float, fill: str, pivot, *children, taper: float = 0.6):
    """A rope of a tail along the points (a mouse's, a pig's curl, a lion's)."""
    import math
    left, right = [], []
    for i, (x, y) in enumerate(points):
        a = points[max(0, i - 1)]
        b = points[min(len(points) - 1, i + 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        n = math.hypot(dx, dy) or 1
        w = width / 2 * (1 - taper * i / (len(points) - 1))
        left.append((x - dy / n * w, y + dx / n * w))
        right.append((x + dy / n * w, y - dx / n * w))
    return part("tail", smooth(left + right[::-1]), fill, pivot, *children)


def mane(cx: float, cy: float, r: float, bumps: int = 14, depth: float = 18):
    import math
    pts = []
    for i in range(bumps * 2):
        a = math.radians(i * 180 / bumps - 90)
        rr = r if i % 2 == 0 else r - depth
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return smooth(pts)


def snout_nose(y: float, w: float = 13, h: float = 9, fill: str = "ink"):
    return part("nose", smooth([(-w, y - h * 0.6), (w, y - h * 0.6), (w * 0.4, y + h * 0.7), (-w * 0.4, y + h * 0.7)]),
                fill, (0, y))


def palette(fur, light, dark, blush="#FF8FAB", mouth="#8E2A3A", **more):
    return {"fur": fur, "light": light, "dark": dark, "ink": INK, "blush": blush, "mouth": mouth, **more}


@cast
def wolf():
    ear = part("ear_l", poly([(-100, -350), (-90, -470), (-34, -394)]), "fur", (-64, -380),
               part("ear_inner_l", poly([(-88, -372), (-84, -446), (-52, -396)]), "dark", (-70, -390), stroke=False))
    mask = smooth([(-108, -290), (-64, -300), (-26, -292), (0, -300), (26, -292), (64, -300), (108, -290),
                   (64, -222), (0, -204), (-64, -222)])
    face_part = part("face", mask, "light", (0, -220), snout_nose(-286, 15, 11), face=True)
    tail = thin_tail([(40, -100), (110, -110), (160, -150), (186, -200)], 64, "fur", (40, -104), taper=0.3)
    fur = "#7D8597"
    return Character(
        "wolf", "Wolf", "Big, hungry and sure of himself; huffs, puffs and learns his lesson.",
        "a tall grey wolf with pointed ears, a long snout and a bushy tail.",
        palette(fur, "#E9ECF2", "#3E4352", blush="#E7A0A8"),
        upright(ears=pair(ear), skull=round_head(), face_part=face_part, tail=tail, body_children=[belly()],
                head_children_front=[]),
        face_at(eye_y=-326, brow_y=-364, brow="#3E4352", mouth_y=-246, mouth_w=36), biped_gestures(1.0), 95,
        scale=1.05)


@cast
def lion():
    ear = part("ear_l", ellipse(-70, -392, 24), "fur", (-70, -392),
               part("ear_inner_l", ellipse(-70, -392, 12), "dark", (-70, -392), stroke=False))
    muzzle = smooth([(-46, -280), (0, -292), (46, -280), (54, -250), (0, -228), (-54, -250)])
    face_part = part("face", muzzle, "light", (0, -220), snout_nose(-280, 16, 11, "dark"), face=True)
    tuft = part("tail_tuft", tilted(176, -222, 20, 26, 20), "mane", (170, -212))
    tail = thin_tail([(40, -96), (110, -104), (150, -140), (168, -200)], 20, "fur", (40, -98), tuft, taper=0.2)
    return Character(
        "lion", "Lion", "The proud king of the jungle; a big voice and, underneath, a kind heart.",
        "a golden lion with a great russet mane.",
        palette("#F2B84B", "#FFEBC2", "#7A4A1E", mane="#C9622A", blush="#FF8A5C"),
        upright(ears=[part("mane", mane(0, SKULL_Y + 6, 150), "mane", (0, -220)), *pair(ear)],
                skull=round_head(96), face_part=face_part, tail=tail, body_children=[belly()]),
        face_at(mouth_y=-250, brow="#7A4A1E"), biped_gestures(1.0), 95, scale=1.05)


@cast
def bear():
    ear = part("ear_l", ellipse(-78, -392, 30), "fur", (-78, -392),
               part("ear_inner_l", ellipse(-78, -392, 16), "light", (-78, -392), stroke=False))
    face_part = part("face", ellipse(0, -264, 52, 40), "light", (0, -220), snout_nose(-286, 18, 12), face=True)
    return Character(
        "bear", "Bear", "Big, slow and cosy; loves honey, naps and a good hug.",
        "a round brown bear with a honey-coloured muzzle.",
        palette("#9C6644", "#E8C9A0", "#4A2C1A", blush="#F29E8E"),
        upright(ears=pair(ear), skull=round_head(112), face_part=face_part, body_children=[belly(rx=58, ry=62)],
                leg_parts=legs("fur", "dark", spread=36, width=40)),
        face_at(eye_y=-326, mouth_y=-256, mouth_w=36, cheek_spacing=76), biped_gestures(0.9), 80, scale=1.15)


@cast
def mouse():
    ear = part("ear_l", ellipse(-92, -392, 58), "fur", (-80, -370),
               part("ear_inner_l", ellipse(-92, -392, 38), "pink", (-92, -392), stroke=False))
    face_part = part("face", smooth([(-104, -320), (-80, -396), (0, -414), (80, -396), (104, -320), (70, -236),
                                     (0, -214), (-70, -236)]), "fur", (0, -220),
                     part("nose", ellipse(0, -268, 12, 9), "pink", (0, -268)), *whiskers(-266, 34), face=True)
    tail = thin_tail([(40, -90), (100, -70), (150, -90), (180, -140), (170, -190)], 16, "pink", (40, -92))
    return Character(
        "mouse", "Mouse", "Small, quick and brave when it counts; squeaks when surprised.",
        "a little brown mouse with big round pink ears and a long tail.",
        palette("#B08D74", "#F1E3D3", "#5C4033", pink="#FFB3C6"),
        upright(ears=pair(ear), skull=None, face_part=face_part, tail=tail, body_children=[belly()]),
        face_at(eye_y=-318, eye_w=26, eye_h=34, mouth_y=-246, mouth_w=30, brow_y=-360), biped_gestures(1.2), 80,
        scale=0.66)


@cast
def pig():
    ear = part("ear_l", poly([(-100, -360), (-118, -430), (-48, -400)]), "fur", (-80, -390),
               part("ear_inner_l", poly([(-98, -378), (-108, -418), (-66, -400)]), "dark", (-86, -394),
                    stroke=False))
    snout = part("snout", ellipse(0, -278, 38, 26), "dark", (0, -278),
                 part("nostril_l", ellipse(-13, -278, 6, 9), "ink", (-13, -278), stroke=False),
                 part("nostril_r", ellipse(13, -278, 6, 9), "ink", (13, -278), stroke=False))
    face_part = part("face", round_head(), "fur", (0, -220), snout, face=True)
    curl = [(40, -96), (70, -110), (86, -130), (78, -150), (62, -142), (66, -124), (84, -118), (102, -128)]
    tail = thin_tail(curl, 12, "fur", (40, -98), taper=0.3)
    return Character(
        "pig", "Pig", "Cheerful and hard-working; builds things and loves a muddy puddle.",
        "a pink pig with a round snout, triangle ears and a curly tail.",
        palette("#F7A8B8", "#FFD6DF", "#E07A95", blush="#F0607E"),
        upright(ears=pair(ear), skull=None, face_part=face_part, tail=tail, body_children=[belly()]),
        face_at(eye_y=-330, spacing=44, mouth_y=-240, brow_y=-368, cheek_y=-266, cheek_spacing=74),
        biped_gestures(0.9), 80, scale=0.9)


@cast
def dog():
    ear = part("ear_l", smooth([(-86, -392), (-118, -380), (-134, -300), (-118, -262), (-96, -290), (-84, -350)]),
               "dark", (-96, -380))
    face_part = part("face", smooth([(-50, -286), (0, -298), (50, -286), (58, -254), (0, -226), (-58, -254)]),
                     "light", (0, -220), snout_nose(-288, 18, 12), face=True)
    tail = thin_tail([(40, -100), (80, -130), (100, -170), (96, -206)], 22, "fur", (40, -104), taper=0.4)
    return Character(
        "dog", "Dog", "Loyal, friendly and always ready to play fetch; wags at everything.",
        "a friendly tan puppy with long floppy brown ears and a patch over one eye.",
        palette("#E2B77A", "#FFF4E2", "#8A5A34"),
        upright(ears=[], skull=round_head(), face_part=face_part, tail=tail, body_children=[belly()],
                head_children_front=pair(ear)),
        face_at(eye_y=-326, mouth_y=-258, cheek_spacing=76), {**biped_gestures(1.0), "wag": swing({"tail": 26}, 1.0, 4)}, 90,
        scale=0.85)


@cast
def cat():
    ear = part("ear_l", poly([(-102, -350), (-96, -452), (-40, -400)]), "fur", (-70, -380),
               part("ear_inner_l", poly([(-90, -370), (-88, -428), (-56, -398)]), "pink", (-76, -390), stroke=False))
    stripes = join(*(rrect(x - 4, -414, x + 4, -380 + abs(x) * 0.4, 4) for x in (-22, 0, 22)))
    skull = part("skull", round_head(), "fur", (0, -220), part("stripes", stripes, "dark", (0, -400), stroke=False))
    face_part = part("face", smooth([(-42, -282), (0, -294), (42, -282), (48, -252), (0, -232), (-48, -252)]),
                     "light", (0, -220), part("nose", poly([(-10, -288), (10, -288), (0, -276)]), "pink", (0, -282)),
                     *whiskers(-266, 46), face=True)
    tail = thin_tail([(40, -90), (110, -100), (140, -160), (130, -220), (150, -250)], 22, "fur", (40, -94),
                     taper=0.2)
    return Character(
        "cat", "Cat", "Curious and independent; naps in the sun and pounces on string.",
        "a soft grey tabby cat with pointed ears, whiskers and a curling tail.",
        palette("#A3A9BF", "#F4F1F8", "#6C7189", pink="#FF9FB5"),
        upright(ears=[*pair(ear), skull], skull=None, face_part=face_part, tail=tail, body_children=[belly()]),
        face_at(eye_y=-324, eye_w=24, eye_h=32, mouth_y=-258, brow="#4F5368"), biped_gestures(1.0), 85, scale=0.8)


@cast
def monkey():
    ear = part("ear_l", ellipse(-112, -316, 32), "fur", (-104, -316),
               part("ear_inner_l", ellipse(-112, -316, 18), "light", (-112, -316), stroke=False))
    face_shape = smooth([(0, -350), (-40, -372), (-82, -344), (-84, -300), (-66, -248), (0, -222), (66, -248),
                         (84, -300), (82, -344), (40, -372)])
    face_part = part("face", face_shape, "light", (0, -220),
                     part("nostrils", join(ellipse(-8, -276, 4, 5), ellipse(8, -276, 4, 5)), "dark", (0, -276),
                          stroke=False), face=True)
    curl = [(40, -90), (110, -80), (150, -120), (150, -180), (118, -196), (104, -170), (122, -152)]
    tail = thin_tail(curl, 18, "fur", (40, -92), taper=0.2)
    return Character(
        "monkey", "Monkey", "Playful and cheeky; swings, climbs and can't sit still.",
        "a cheeky brown monkey with a heart-shaped face, round ears and a curly tail.",
        palette("#8B5A33", "#F2CB98", "#4E2F1A", blush="#FF8F80"),
        upright(ears=pair(ear), skull=round_head(), face_part=face_part, tail=tail,
                body_children=[belly(fill="light")]),
        face_at(eye_y=-318, mouth_y=-252, brow_y=-352, brow="#4E2F1A"), biped_gestures(1.1), 85, scale=0.85)


@cast
def hare():
    ear = part("ear_l", tilted(-48, -470, 30, 110, -10), "fur", (-44, -380),
               part("ear_inner_l", tilted(-48, -466, 16, 88, -10), "pink", (-48, -466), stroke=False))
    face_part = part("face", smooth([(-40, -284), (0, -294), (40, -284), (46, -254), (0, -230), (-46, -254)]),
                     "light", (0, -220), part("nose", ellipse(0, -288, 11, 8), "pink", (0, -288)), face=True)
    tail = part("tail", ellipse(74, -96, 30), "light", (60, -96))
    return Character(
        "hare", "Hare", "Fast, boastful and bouncy; sure he'll win every race.",
        "a quick brown hare with very long ears, big feet and a white cotton tail.",
        palette("#C49A6C", "#FBF1E4", "#6E4A2C", pink="#FFB6C8"),
        upright(ears=pair(ear), skull=round_head(100), face_part=face_part, tail=tail, body_children=[belly()],
                leg_parts=legs("fur", "light", width=32)),
        face_at(eye_y=-324, mouth_y=-260, mouth_w=30, brow_y=-360, cheek_spacing=68), biped_gestures(1.2), 110, scale=0.8)


@cast
def squirrel():
    ear = part("ear_l", poly([(-86, -370), (-92, -448), (-40, -398)]), "fur", (-66, -388),
               part("ear_inner_l", poly([(-78, -384), (-82, -428), (-54, -400)]), "light", (-70, -396), stroke=False))
    tail = part("tail", smooth([(30, -100), (110, -110), (176, -180), (190, -290), (160, -380), (100, -420),
                                (60, -390), (80, -350), (126, -330), (130, -250), (98, -190), (40, -150)]),
                "fur", (40, -110),
                part("tail_light", smooth([(150, -300), (160, -360), (120, -390), (130, -350)]), "light",
                     (140, -350), stroke=False))
    face_part = part("face", smooth([(-44, -282), (0, -294), (44, -282), (50, -252), (0, -230), (-50, -252)]),
                     "light", (0, -220), part("nose", ellipse(0, -288, 10, 7), "ink", (0, -288)), face=True)
    return Character(
        "squirrel", "Squirrel", "Busy and chattery; gathers nuts and never stops planning for winter.",
        "a red squirrel with tufted ears and a huge bushy tail.",
        palette("#C8652E", "#F8DDBE", "#6B3319", blush="#FF8A6B"),
        upright(ears=pair(ear), skull=round_head(), face_part=face_part, tail=tail, body_children=[belly()]),
        face_at(eye_y=-324, eye_w=24, eye_h=32, mouth_y=-258), biped_gestures(1.2), 80, scale=0.68)


@cast
def frog():
    bump = part("eye_bump_l", ellipse(-54, -360, 44), "fur", (-54, -340),
                part("eye_white_l", ellipse(-54, -362, 31, 33), "#FFFFFF", (-54, -362), stroke=False))
    face_part = part("face", ellipse(0, -288, 126, 84), "fur", (0, -220), face=True)
    feet = []
    for p in legs("fur", "fur", spread=40, width=36):
        feet.append(p)
    return Character(
        "frog", "Frog", "Jolly and jumpy; loves the pond, lily pads and a good croak.",
        "a round green frog with eyes on top of its head and a big wide smile.",
        palette("#74BE5C", "#E3F5C9", "#3E7A34", blush="#FF8FA3", mouth="#A4283F"),
        upright(ears=pair(bump), skull=None, face_part=face_part, body_children=[belly(rx=56)], leg_parts=feet,
                arm_parts=arms("fur", "fur")),
        face_at(eye_y=-362, spacing=54, eye_w=24, eye_h=32, mouth_y=-270, mouth_w=64, brow_y=-416,
                cheek_y=-290, cheek_spacing=84, cheek_r=16), biped_gestures(1.5), 90, scale=0.66)


# ── birds: an egg of a body, wings for arms (arm_l/arm_r, so wave, clap and point
# work), thin legs and a beak over the top of the mouth, so an open mouth opens the beak ─

def bird_legs(color: str = "beak", webbed: bool = False, spread: float = 28) -> list:
    if webbed:
        foot = smooth([(-spread - 34, -4), (-spread - 20, -20), (-spread, -22), (-spread + 16, -8), (-spread + 10, 0),
                       (-spread - 30, 2)])
    else:
        foot = join(limb(-spread, -16, -spread - 26, -6, 10, 8), limb(-spread, -16, -spread, -2, 10, 8),
                    limb(-spread, -16, -spread + 24, -6, 10, 8))
    leg = part("leg_l", join(limb(-spread, -78, -spread, -16, 12)), color, (-spread, -74),
               part("foot_l", foot, color, (-spread, -16)))
    return pair(leg)


def wings(fill: str, shoulder=(66, -212), tip=(104, -104), width: float = 56) -> list:
    sx, sy = shoulder
    tx, ty = tip
    shape = smooth([(sx - 10, sy), (sx + width * 0.55, sy + 24), (tx + 8, ty - 30), (tx, ty), (tx - 26, ty - 12),
                    (sx - 4, sy + 60)])
    wing = part("arm_r", shape, fill, (sx - 6, sy + 8))
    return [mirrored(wing), wing]


def egg_body(fill: str, *children, top: float = -250, bottom: float = -62, width: float = 92):
    shape = smooth([(0, top), (width * 0.7, top + 30), (width, top + 120), (width * 0.8, bottom - 14),
                    (0, bottom), (-width * 0.8, bottom - 14), (-width, top + 120), (-width * 0.7, top + 30)])
    return part("body", shape, fill, (0, -90), *children)


def bird(*, feathers: str, under: list, wing_fill: str, head_back: list, skull, face_part, tail=None,
         leg_parts=None) -> list:
    head = part("head", ellipse(0, -240, 30, 20), feathers, (0, -222), *head_back,
                *([part("skull", skull, feathers, (0, -230))] if skull is not None else []), face_part)
    body = egg_body(feathers, *under, *wings(wing_fill), head)
    return [*([tail] if tail else []), *(leg_parts if leg_parts is not None else bird_legs()), body]


def beak(y: float = -286, w: float = 24, h: float = 30, fill: str = "beak"):
    return part("beak", smooth([(-w, y), (0, y - h * 0.35), (w, y), (w * 0.35, y + h * 0.55), (0, y + h * 0.85),
                                (-w * 0.35, y + h * 0.55)]), fill, (0, y))


def bird_gestures(s: float) -> dict:
    """The built-in gestures fit a bird (wings are arms); a flap is its own."""
    return {"flap": swing({"arm_l": 70, "arm_r": -70}, 1.0, 4)}


def bird_face(**kw) -> Face:
    base = dict(eye_y=-318, spacing=38, eye_w=24, eye_h=32, mouth_y=-264, mouth_w=30, brow_y=-358, cheek_y=-280,
                cheek_spacing=66, cheek_r=14)
    base.update(kw)
    return Face(**base)


@cast
def owl():
    tuft = part("tuft_l", poly([(-96, -350), (-108, -430), (-50, -388)]), "fur", (-80, -380))
    disc = join(ellipse(-40, -318, 54), ellipse(40, -318, 54))
    face_part = part("face", smooth([(0, -350), (-40, -374), (-92, -350), (-96, -300), (-60, -266), (0, -258),
                                     (60, -266), (96, -300), (92, -350), (40, -374)]), "light", (0, -230),
                     beak(-292, 14, 30), face=True)
    spots = join(*(ellipse(x, y, 9, 6) for x, y in ((-30, -170), (0, -160), (30, -170), (-18, -140), (18, -140))))
    return Character(
        "owl", "Owl", "Wise and calm; stays up all night and always has good advice.",
        "a wise brown owl with big round eyes, a pale face and ear tufts.",
        palette("#8C6A4A", "#F4E4C8", "#5A3E28", beak="#F2A93B", blush="#F7A48B"),
        bird(feathers="fur", under=[part("chest", ellipse(0, -150, 60, 76), "light", (0, -150),
                                         part("spots", spots, "dark", (0, -160), stroke=False), stroke=False)],
             wing_fill="dark", head_back=pair(tuft), skull=round_head(104, -310), face_part=face_part),
        bird_face(eye_y=-322, spacing=42, eye_w=34, eye_h=42, mouth_y=-270, brow_y=-372, cheek_spacing=72),
        bird_gestures(1.0), 70, scale=0.8)


@cast
def crow():
    whites = join(ellipse(-38, -322, 26, 30), ellipse(38, -322, 26, 30))
    face_part = part("face", whites, "#FFFFFF", (0, -300), beak(-296, 26, 44), face=True)
    tail = part("tail", poly([(-26, -90), (-62, -26), (-20, -36), (0, -24), (20, -36), (62, -26), (26, -90)]), "fur",
                (0, -86))
    return Character(
        "crow", "Crow", "Proud and clever; loves shiny things, and a little flattery.",
        "a glossy black crow with a strong grey beak.",
        palette("#2E2F45", "#4A4D6E", "#1C1C2B", beak="#8D93A8", blush="#C86B8A", mouth="#C23B5A"),
        bird(feathers="fur", under=[part("chest", ellipse(0, -150, 56, 70), "light", (0, -150), stroke=False)],
             wing_fill="light", head_back=[], skull=round_head(100, -312), face_part=face_part, tail=tail,
             leg_parts=bird_legs("beak")),
        bird_face(eye_y=-322, mouth_y=-256, brow_y=-364, brow="#8D93A8"), bird_gestures(1.0), 75, scale=0.78)


@cast
def duck():
    bill = part("beak", smooth([(-44, -282), (0, -292), (44, -282), (36, -264), (0, -258), (-36, -264)]), "beak",
                (0, -274))
    face_part = part("face", round_head(100, -312), "fur", (0, -230), bill, face=True)
    tail = part("tail", poly([(-40, -110), (-120, -150), (-96, -100), (-40, -80)]), "fur", (-40, -96))
    return Character(
        "duck", "Duck", "Cheerful and a bit silly; splashes in every puddle and quacks hello.",
        "a white duck with a wide orange bill and webbed feet.",
        palette("#FFFFFF", "#F1F1EA", "#D9D9D0", beak="#FF9F1C", blush="#FF9AA2", mouth="#B3333F"),
        bird(feathers="fur", under=[], wing_fill="light", head_back=[], skull=None, face_part=face_part,
             tail=tail, leg_parts=bird_legs("beak", webbed=True)),
        bird_face(eye_y=-330, mouth_y=-264, mouth_w=52, brow_y=-370), bird_gestures(1.0), 70, scale=0.75)


@cast
def hen():
    comb = part("comb", smooth([(-44, -392), (-44, -450), (-16, -428), (0, -478), (20, -430), (46, -458), (50, -392)]),
                "comb", (0, -400))
    face_part = part("face", round_head(100, -312), "fur", (0, -230), beak(-290, 20, 30), face=True)
    tail = part("tail", smooth([(-40, -150), (-110, -210), (-132, -150), (-110, -110), (-50, -96)]), "fur",
                (-50, -120))
    return Character(
        "hen", "Hen", "Motherly and busy; clucks over her chicks and asks who will help.",
        "a plump white hen with a red comb and a yellow beak.",
        palette("#FFF8EE", "#F3E6D2", "#D8C6AA", beak="#FFC23D", comb="#E63946", blush="#FF9AA2"),
        bird(feathers="fur", under=[], wing_fill="light", head_back=[comb], skull=None, face_part=face_part,
             tail=tail),
        bird_face(eye_y=-326, mouth_y=-260, brow_y=-366), bird_gestures(1.0), 65, scale=0.75)


@cast
def penguin():
    mask = smooth([(0, -330), (-30, -360), (-76, -344), (-86, -290), (-60, -240), (0, -226), (60, -240), (86, -290),
                   (76, -344), (30, -360)])
    face_part = part("face", mask, "light", (0, -230), beak(-288, 18, 26), face=True)
    return Character(
        "penguin", "Penguin", "Bouncy and brave in the cold; slides on his tummy and loves fish.",
        "a black-and-white penguin with an orange beak and feet.",
        palette("#2F3A56", "#FFFFFF", "#1F273B", beak="#FF9F1C", blush="#FF9AA2"),
        bird(feathers="fur", under=[part("chest", ellipse(0, -150, 66, 86), "light", (0, -150), stroke=False)],
             wing_fill="fur", head_back=[], skull=round_head(100, -312), face_part=face_part,
             leg_parts=bird_legs("beak", webbed=True)),
        bird_face(eye_y=-318, mouth_y=-262, brow_y=-354, brow="#2F3A56"), bird_gestures(1.0), 55, scale=0.8)


@cast
def bird_():
    face_part = part("face", round_head(100, -312), "fur", (0, -230), beak(-288, 18, 24), face=True)
    tail = part("tail", poly([(-30, -110), (-110, -160), (-100, -120), (-40, -84)]), "dark", (-40, -100))
    return Character(
        "bird", "Bird", "Chirpy and free; sings in the morning and flies wherever it likes.",
        "a small bluebird with an orange breast.",
        palette("#4D8FE0", "#FFB067", "#2D62B0", beak="#FFCD3C", blush="#FF9AA2"),
        bird(feathers="fur", under=[part("chest", ellipse(0, -150, 62, 72), "light", (0, -150), stroke=False)],
             wing_fill="dark", head_back=[], skull=None, face_part=face_part, tail=tail),
        bird_face(eye_y=-324, eye_w=26, eye_h=34, mouth_y=-262, brow_y=-364), bird_gestures(1.2), 60, scale=0.66)


# ── four-legged animals, three-quarter view: the body side on (facing right), the
# head turned to the viewer; leg_l/leg_r are the front legs, leg_back_l/_r the back
# ones (the far pair a shade darker), so the walk cycle and a raised front leg work ─

def leg_set(front: float, back: float, top: float, width: float, fill: str, far: str, hoof: str,
            hoof_h: float = 22) -> list:
    out = []
    for name, x, colour, dy in (("hind_r", back + 26, far, -6), ("leg_r", front + 26, far, -6),
                                ("hind_l", back, fill, 0), ("leg_l", front, fill, 0)):
        shape = limb(x, top, x, dy - width / 2, width, width * 0.92)
        out.append(part(name, shape, colour, (x, top + 6),
                        part(f"hoof_{name}", rrect(x - width / 2 - 1, dy - hoof_h, x + width / 2 + 1, dy, 8),
                             hoof, (x, dy - hoof_h / 2))))
    return out


def quad_gestures(s: float, lift: float = 60) -> dict:
    return {"wave": wave("leg_l", -70, -45), "jump": jump(round(lift * s)), "nod": nod(round(14 * s, 1))}


def shift_part(p, dx: float, dy: float):
    """The same part moved (its children too)."""
    from cast_rig import Part
    return Part(p.id, shift(p.shape, dx, dy), p.fill, (p.pivot[0] + dx, p.pivot[1] + dy),
                [shift_part(c, dx, dy) for c in p.children], p.stroke, p.face)


@cast
def cow():
    body = smooth([(-150, -250), (60, -262), (110, -220), (112, -140), (70, -100), (-120, -96), (-160, -130),
                   (-166, -210)])
    patches = join(tilted(-70, -210, 40, 30, -10), tilted(30, -150, 34, 26, 20), ellipse(-130, -140, 22, 20))
    horn = part("horn_l", smooth([(-40, -432), (-60, -470), (-48, -484), (-26, -440)]), "horn", (-36, -436))
    ear = part("ear_l", tilted(-92, -404, 34, 16, -20), "fur", (-70, -400),
               part("ear_inner_l", tilted(-94, -404, 22, 9, -20), "pink", (-94, -404), stroke=False))
    skull = smooth([(0, -450), (-62, -440), (-76, -380), (-62, -320), (0, -300), (62, -320), (76, -380), (62, -440)])
    muzzle = part("face", smooth([(-70, -336), (0, -346), (70, -336), (74, -292), (0, -270), (-74, -292)]), "pink",
                  (0, -300), part("nostrils", join(ellipse(-26, -322, 7, 9), ellipse(26, -322, 7, 9)), "dark",
                                  (0, -322), stroke=False), face=True)
    head = part("head", shift(join(limb(-10, -250, 40, -330, 70)), 0, 0), "fur", (10, -250),
                *[shift_part(p, 60, 0) for p in (*pair(horn), *pair(ear))],
                part("skull", shift(skull, 60, 0), "fur", (60, -300),
                     part("spot", tilted(106, -430, 18, 14, 30), "dark", (106, -430), stroke=False)),
                shift_part(muzzle, 60, 0))
    tail = thin_tail([(-150, -230), (-190, -190), (-196, -130)], 14, "fur", (-150, -226),
                     part("tail_tuft", tilted(-196, -124, 14, 22, 0), "dark", (-196, -130)), taper=0.2)
    return Character(
        "cow", "Cow", "Calm and kind; chews, thinks slowly and moos hello to everyone.",
        "a black-and-white cow with a pink muzzle and little horns.",
        palette("#FFFFFF", "#F4F1EA", "#2E2A3A", pink="#F7B6C2", horn="#F3E3B5", far="#E2DED6", hoof="#4A4458"),
        [*leg_set(60, -120, -130, 34, "fur", "far", "hoof"), tail,
         part("body", body, "fur", (0, -160), part("patches", patches, "dark", (0, -180), stroke=False), head)],
        face_at(x=60, eye_y=-390, spacing=32, mouth_y=-294, mouth_w=36, brow_y=-426, cheek_y=-350,
                cheek_spacing=56, cheek_r=12), quad_gestures(1.0), 90, scale=0.95)


def quad_head(neck: tuple, neck_w: float, fill: str, behind: list, skull, face_part, dx: float, front=()):
    """A head turned to the viewer at x = dx, on a neck from neck[0] to neck[1]."""
    (x0, y0), (x1, y1) = neck
    return part("head", limb(x0, y0, x1, y1, neck_w), fill, (x0, y0 + 4),
                *[shift_part(p, dx, 0) for p in behind],
                *([part("skull", shift(skull, dx, 0), fill, (dx, y1))] if skull is not None else []),
                shift_part(face_part, dx, 0), *[shift_part(p, dx, 0) for p in front])


def wool(cx: float, cy: float, rx: float, ry: float, bumps: int = 12, depth: float = 14):
    import math
    pts = []
    for i in range(bumps * 2):
        a = math.radians(i * 180 / bumps)
        k = 1.0 if i % 2 == 0 else (1 - depth / min(rx, ry))
        pts.append((cx + rx * k * math.cos(a), cy + ry * k * math.sin(a)))
    return smooth(pts, tension=1.3)


@cast
def sheep():
    ear = part("ear_l", tilted(-78, -370, 34, 14, -15), "face", (-56, -370))
    face_part = part("face", smooth([(0, -420), (-54, -404), (-62, -340), (-40, -292), (0, -280), (40, -292),
                                     (62, -340), (54, -404)]), "face", (0, -300),
                     part("tuft", wool(0, -420, 56, 30, 8, 8), "fur", (0, -420)), face=True)
    head = quad_head(((20, -230), (60, -320)), 60, "fur", pair(ear), None, face_part, 60)
    tail = part("tail", wool(-168, -190, 26, 24, 6, 6), "fur", (-150, -190))
    return Character(
        "sheep", "Sheep", "Gentle and a little shy; follows the flock and baas softly.",
        "a fluffy white sheep with a cream face and dark legs.",
        palette("#FFFFFF", "#F4F1EA", "#4A4458", face="#F5DCC4", far="#3A3446", blush="#FF9AA2"),
        [*leg_set(50, -110, -90, 28, "dark", "far", "dark", 14), shift_part(tail, 0, 34),
         shift_part(part("body", wool(-30, -190, 150, 96, 14, 16), "fur", (0, -160), head), 0, 34)],
        face_at(x=60, eye_y=-328, spacing=26, eye_w=20, eye_h=26, mouth_y=-272, mouth_w=28, brow_y=-358,
                cheek_y=-292, cheek_spacing=42, cheek_r=10), quad_gestures(1.0), 80, scale=0.95)


@cast
def horse():
    ear = part("ear_l", poly([(-46, -470), (-50, -530), (-18, -478)]), "fur", (-34, -474))
    skull = smooth([(0, -496), (-52, -484), (-62, -420), (-54, -350), (0, -330), (54, -350), (62, -420), (52, -484)])
    muzzle = part("face", smooth([(-56, -376), (0, -386), (56, -376), (60, -330), (0, -300), (-60, -330)]), "light",
                  (0, -330), part("nostrils", join(ellipse(-22, -356, 6, 8), ellipse(22, -356, 6, 8)), "dark",
                                  (0, -356), stroke=False), face=True)
    forelock = part("forelock", smooth([(-30, -500), (10, -512), (36, -490), (20, -456), (0, -470), (-20, -452)]),
                    "mane", (0, -480))
    mane_back = part("mane", smooth([(50, -450), (14, -400), (-10, -320), (-24, -250), (10, -262), (30, -340),
                                     (66, -410)]), "mane", (20, -330))
    head = quad_head(((20, -250), (60, -380)), 70, "fur", pair(ear), skull, muzzle, 60, front=[forelock])
    tail = part("tail", smooth([(-150, -250), (-196, -220), (-214, -130), (-190, -80), (-176, -150), (-160, -220)]),
                "mane", (-150, -240))
    body = smooth([(-150, -276), (60, -286), (110, -240), (108, -180), (70, -150), (-120, -150), (-160, -190),
                   (-166, -240)])
    return Character(
        "horse", "Horse", "Strong, steady and loyal; loves to gallop across the fields.",
        "a chestnut horse with a dark flowing mane, a long face and a soft muzzle.",
        palette("#B86B3C", "#E8B48C", "#4A2A1A", mane="#4A2A1A", far="#9A552C", hoof="#3A2A2A"),
        [*leg_set(50, -120, -170, 30, "fur", "far", "hoof"), tail,
         part("body", body, "fur", (0, -200), mane_back, head)],
        face_at(x=60, eye_y=-432, spacing=32, mouth_y=-324, mouth_w=34, brow_y=-466, cheek_y=-390,
                cheek_spacing=50, cheek_r=11, brow="#4A2A1A"), quad_gestures(1.0, 70), 110, scale=0.95)


@cast
def elephant():
    ear = part("ear_l", smooth([(-40, -430), (-120, -460), (-170, -400), (-160, -320), (-110, -290), (-50, -320)]),
               "fur", (-50, -380),
               part("ear_inner_l", smooth([(-54, -418), (-116, -440), (-150, -396), (-140, -336), (-104, -312),
                                           (-60, -336)]), "pink", (-100, -380), stroke=False))
    skull = ellipse(0, -380, 96, 92)
    trunk = part("trunk", smooth([(-20, -350), (20, -350), (22, -300), (40, -262), (84, -256), (100, -280),
                                  (116, -272), (104, -236), (56, -224), (0, -250), (-16, -300)]), "fur", (0, -330))
    face_part = part("face", skull, "fur", (0, -300), trunk, face=True)
    head = quad_head(((20, -250), (50, -330)), 80, "fur", pair(ear), None, face_part, 50)
    tail = thin_tail([(-160, -230), (-190, -190), (-192, -140)], 14, "fur", (-160, -226),
                     part("tail_tuft", tilted(-192, -134, 10, 16, 0), "dark", (-192, -140)), taper=0.2)
    body = smooth([(-160, -290), (60, -300), (120, -240), (116, -140), (70, -100), (-130, -96), (-176, -140),
                   (-180, -240)])
    return Character(
        "elephant", "Elephant", "Big, gentle and never forgets a friend; sprays water to play.",
        "a big blue-grey elephant with huge ears and a curling trunk.",
        palette("#8FA3BF", "#B9C8DC", "#56657D", pink="#F5B5C5", far="#7688A4", toe="#E9E4DA", blush="#F59CB0"),
        [*leg_set(50, -120, -130, 48, "fur", "far", "toe", 14), tail, part("body", body, "fur", (0, -180), head)],
        face_at(x=50, eye_y=-396, spacing=40, mouth_y=-226, mouth_w=34, brow_y=-436, cheek_y=-356,
                cheek_spacing=64, brow="#56657D"),
        {**quad_gestures(0.8, 50), "trumpet": {"duration": 1.2, "keys": [
            {"t": 0.0, "trunk": 0, "nod": 0}, {"t": 0.3, "trunk": -80, "nod": -6}, {"t": 0.9, "trunk": -80, "nod": -6},
            {"t": 1.2, "trunk": 0, "nod": 0}]}}, 100, scale=1.0)


@cast
def giraffe():
    ossicone = part("ossicone_l", limb(-22, -660, -26, -706, 12), "dark", (-22, -664),
                    part("knob_l", ellipse(-26, -710, 11), "dark", (-26, -710)))
    ear = part("ear_l", tilted(-70, -640, 28, 12, -20), "fur", (-50, -640))
    skull = smooth([(0, -690), (-48, -680), (-56, -630), (-50, -580), (0, -566), (50, -580), (56, -630),
                    (48, -680)])
    muzzle = part("face", smooth([(-50, -604), (0, -612), (50, -604), (54, -566), (0, -538), (-54, -566)]), "light",
                  (0, -560), part("nostrils", join(ellipse(-16, -588, 5, 6), ellipse(16, -588, 5, 6)), "dark",
                                  (0, -588), stroke=False), face=True)
    neck_spots = join(tilted(40, -330, 14, 18, 20), tilted(56, -420, 14, 16, 20), tilted(68, -500, 12, 14, 20))
    head = part("head", limb(20, -290, 60, -600, 52), "fur", (20, -286),
                part("neck_spots", neck_spots, "spot", (50, -420), stroke=False),
                part("neck_mane", limb(8, -300, 44, -590, 10), "spot", (20, -300)),
                *[shift_part(p, 60, 0) for p in (*pair(ossicone), *pair(ear))],
                part("skull", shift(skull, 60, 0), "fur", (60, -600)), shift_part(muzzle, 60, 0))
    spots = join(tilted(-80, -300, 26, 20, 10), tilted(-10, -290, 22, 18, -10), tilted(-110, -250, 16, 14, 0),
                 tilted(-40, -248, 18, 14, 20), tilted(30, -256, 14, 12, 0))
    body = smooth([(-130, -330), (40, -334), (76, -300), (70, -236), (40, -220), (-120, -220), (-150, -250),
                   (-150, -300)])
    tail = thin_tail([(-146, -310), (-170, -270), (-174, -220)], 10, "fur", (-146, -306),
                     part("tail_tuft", tilted(-174, -214, 9, 14, 0), "spot", (-174, -220)), taper=0.2)
    return Character(
        "giraffe", "Giraffe", "Tall, calm and kind; sees everything first and shares the tallest leaves.",
        "a tall yellow giraffe with brown patches, a long neck and little horns.",
        palette("#F6C858", "#FBE7B4", "#7A4A22", spot="#B86A2A", far="#DDAE45", blush="#FF9A7A"),
        [*leg_set(30, -116, -236, 26, "fur", "far", "dark", 16), tail,
         part("body", body, "fur", (0, -270), part("spots", spots, "spot", (-50, -280), stroke=False), head)],
        face_at(x=60, eye_y=-636, spacing=30, mouth_y=-558, mouth_w=30, brow_y=-668, cheek_y=-596,
                cheek_spacing=50, cheek_r=11, brow="#7A4A22"), quad_gestures(1.0, 50), 110, scale=0.95)


@cast
def tortoise():
    shell = smooth([(-134, -60), (-124, -140), (-62, -204), (20, -208), (86, -158), (108, -70)])
    plates = join(*(rotate(poly([(x - 22, y - 12), (x, y - 24), (x + 22, y - 12), (x + 22, y + 12), (x, y + 24),
                                 (x - 22, y + 12)]), 0) for x, y in ((-58, -140), (0, -156), (54, -120), (-30, -92),
                                                                    (28, -88), (-86, -92))))
    rim = smooth([(-142, -66), (114, -66), (116, -50), (-144, -50)])
    skull = ellipse(0, -176, 68, 60)
    face_part = part("face", skull, "fur", (0, -150), face=True)
    head = quad_head(((90, -70), (140, -150)), 52, "fur", [], None, face_part, 140)
    tail = part("tail", poly([(-130, -70), (-164, -56), (-126, -52)]), "fur", (-128, -62))
    return Character(
        "tortoise", "Tortoise", "Slow, steady and patient; never gives up and always finishes.",
        "a green tortoise with a high patterned shell, stubby legs and a friendly face.",
        palette("#8CC36A", "#C9E6A6", "#4E7A3A", shell="#B07A3E", plate="#D9A35C", rim="#8A5A2A",
                far="#76A85A", blush="#FF9A9A"),
        [*leg_set(56, -96, -70, 42, "fur", "far", "fur", 8), tail,
         part("body", shell, "shell", (0, -120), part("plates", plates, "plate", (0, -120)),
              part("rim", rim, "rim", (0, -58)), head)],
        face_at(x=140, eye_y=-192, spacing=28, eye_w=22, eye_h=28, mouth_y=-146, mouth_w=30, brow_y=-224,
                cheek_y=-160, cheek_spacing=44, cheek_r=10), quad_gestures(0.6, 40), 50, scale=1.05)


# ── small creatures, picture-book sized: six legs on the insects (arms with
# forearms, a middle pair arm_mid_*, legs), wings that flap, a fish that swims ─

def antenna(x0: float, y0: float, x1: float, y1: float, fill: str = "ink", name: str = "antenna_l"):
    return part(name, join(limb(x0, y0, x1, y1, 8, 6), ellipse(x1, y1, 11)), fill, (x0, y0))


def thin_arms(fill: str, hand: str, shoulder=(48, -190), elbow=(74, -150), wrist=(80, -104)) -> list:
    return arms(fill, hand, shoulder, elbow, wrist, width=18)


def mid_arms(fill: str, y: float = -140) -> list:
    arm = part("arm_mid_r", join(limb(44, y, 86, y + 30, 14, 12), limb(86, y + 30, 92, y + 70, 12, 10)), fill,
               (46, y + 2))
    return [mirrored(arm), arm]


def insect_legs(fill: str, foot: str) -> list:
    leg = part("leg_l", limb(-26, -100, -30, -22, 16, 14), fill, (-26, -96),
               part("foot_l", ellipse(-36, -12, 22, 12), foot, (-30, -18)))
    return pair(leg)


def insect_head(fill: str, r: float = 100, ants=None, face_children=()) -> object:
    return part("head", ellipse(0, -226, 20, 14), fill, (0, -212), *(ants or []),
                part("face", round_head(r, -300), fill, (0, -214), *face_children, face=True))


@cast
def ant():
    ants = [antenna(-34, -386, -74, -470), antenna(34, -386, 74, -470, name="antenna_r")]
    # Three beads, as an ant is drawn in picture books: head, thorax, abdomen.
    abdomen = part("abdomen", ellipse(0, -92, 64, 56), "fur", (0, -92),
                   part("abdomen_band", rrect(-58, -100, 58, -88, 6), "dark", (0, -94), stroke=False))
    body = part("body", ellipse(0, -178, 36, 40), "fur", (0, -160), *mid_arms("dark", -178),
                *thin_arms("dark", "dark", (26, -206), (62, -176), (76, -136)), insect_head("fur", 100, ants))
    return Character(
        "ant", "Ant", "Hard-working and sensible; plans ahead, carries ten times her weight.",
        "a red-brown ant with a big round head, bent antennae and six legs.",
        palette("#C2452D", "#F2A27E", "#7A2A1C", blush="#FF8FA3"),
        [*insect_legs("dark", "dark"), abdomen, body],
        face_at(eye_y=-310, mouth_y=-254, brow_y=-348, brow="#7A2A1C"), {}, 70, scale=0.7)


@cast
def bee():
    wing = part("wing_l", smooth([(-40, -196), (-110, -270), (-170, -250), (-160, -196), (-90, -170)]), "wing",
                (-40, -190))
    ants = [antenna(-30, -386, -56, -450), antenna(30, -386, 56, -450, name="antenna_r")]
    stripes = join(rrect(-92, -176, 92, -152, 6), rrect(-88, -124, 88, -100, 6))
    body = part("body", ellipse(0, -140, 96, 84), "fur", (0, -140),
                part("stripes", stripes, "dark", (0, -140), stroke=False), *mid_arms("dark", -120),
                *thin_arms("dark", "dark", (56, -190), (86, -160), (94, -116)), insect_head("fur", 96, ants))
    return Character(
        "bee", "Bee", "Busy and buzzy; flits from flower to flower and loves to dance.",
        "a round yellow bumblebee with black stripes and see-through wings.",
        palette("#FFD23F", "#FFF3C4", "#2B2140", wing="#DDF3FF", blush="#FF8F6B"),
        [*pair(wing), *insect_legs("dark", "dark"), body],
        face_at(eye_y=-310, mouth_y=-256, brow_y=-348),
        {"flap": swing({"wing_l": 30, "wing_r": -30}, 0.8, 6)}, 60, scale=0.68)


@cast
def grasshopper():
    ants = [antenna(-30, -388, -90, -500), antenna(30, -388, 90, -500, name="antenna_r")]
    thigh = part("leg_l", join(limb(-34, -110, -92, -190, 34, 24)), "fur", (-34, -106),
                 part("shin_l", limb(-92, -190, -60, -20, 20, 16), "dark", (-92, -190),
                      part("foot_l", ellipse(-64, -12, 24, 12), "dark", (-60, -18))))
    body = part("body", smooth([(0, -226), (50, -210), (56, -120), (30, -76), (0, -70), (-30, -76), (-56, -120),
                                (-50, -210)]), "fur", (0, -150),
                part("belly", ellipse(0, -150, 28, 58), "light", (0, -150), stroke=False),
                *mid_arms("dark", -150), *thin_arms("fur", "dark"), insect_head("fur", 96, ants))
    return Character(
        "grasshopper", "Grasshopper", "Carefree and musical; fiddles all summer long and loves a jump.",
        "a bright green grasshopper with long antennae and big folded jumping legs.",
        palette("#7DC95E", "#DDF5C4", "#3F8A3A", blush="#FF9AA2"),
        [*pair(thigh), body],
        face_at(eye_y=-312, mouth_y=-256, brow_y=-350, brow="#3F8A3A"), {}, 90, scale=0.72)


@cast
def butterfly():
    upper = smooth([(-20, -200), (-90, -330), (-190, -340), (-210, -250), (-130, -190)])
    lower = smooth([(-20, -180), (-130, -190), (-170, -110), (-110, -70), (-40, -120)])
    spots = join(ellipse(-140, -280, 24), ellipse(-110, -130, 16))
    wing = part("wing_l", join(upper, lower), "wing", (-20, -190),
                part("spots_l", spots, "spot", (-120, -220)),
                part("edge_l", ellipse(-180, -300, 10), "light", (-180, -300), stroke=False))
    ants = [antenna(-26, -388, -60, -460), antenna(26, -388, 60, -460, name="antenna_r")]
    body = part("body", ellipse(0, -150, 34, 80), "fur", (0, -150), *mid_arms("fur", -150),
                *thin_arms("fur", "fur", (26, -200), (56, -170), (66, -128)), insect_head("skin", 96, ants))
    return Character(
        "butterfly", "Butterfly", "Gentle and dreamy; floats on the breeze and loves every flower.",
        "a butterfly with big orange and purple wings and a friendly round face.",
        palette("#5B3A8C", "#FFFFFF", "#3A2460", wing="#FF9F45", spot="#8E5BD8", skin="#FFE3C2",
                blush="#FF8FAB"),
        [*pair(wing), *insect_legs("fur", "fur"), body],
        face_at(eye_y=-310, mouth_y=-256, brow_y=-348, brow="#5B3A8C"),
        {"flap": swing({"wing_l": 24, "wing_r": -24}, 1.2, 4)}, 70, scale=0.62)


@cast
def fish():
    body = smooth([(-120, -110), (-40, -196), (70, -200), (140, -120), (90, -30), (-40, -22)])
    tail = part("tail", smooth([(-110, -110), (-190, -180), (-180, -110), (-196, -40)]), "fin", (-110, -110))
    fin_top = part("fin_top", smooth([(-50, -180), (0, -240), (60, -196)]), "fin", (0, -196))
    fin = part("fin_r", tilted(-6, -56, 34, 16, 30), "fin", (10, -70))
    stripes = join(rrect(-12, -198, 6, -24, 8), rrect(-80, -172, -64, -46, 8))
    return Character(
        "fish", "Fish", "Bubbly and curious; swims everywhere and blows bubbles when happy.",
        "a round orange fish with white stripes and big fins.",
        palette("#FF8C42", "#FFFFFF", "#C8552A", fin="#FFB36B", blush="#FF6F91"),
        [shift_part(p, 0, 21) for p in  # its belly on the ground line
         (tail, fin_top, part("body", body, "fur", (0, -110), part("stripes", stripes, "light", (0, -110)), fin,
                              face=True))],
        face_at(x=60, eye_y=-119, spacing=28, eye_w=24, eye_h=32, mouth_y=-75, mouth_w=30, brow_y=-157,
                cheek_y=-89, cheek_spacing=48, cheek_r=11),
        {"swim": {"duration": 1.2, "keys": [
            {"t": 0.0, "tail": 0, "fin_r": 0, "lift": 0}, {"t": 0.3, "tail": 18, "fin_r": -30, "lift": 14},
            {"t": 0.6, "tail": -18, "fin_r": 0, "lift": 0}, {"t": 0.9, "tail": 18, "fin_r": -30, "lift": 14},
            {"t": 1.2, "tail": 0, "fin_r": 0, "lift": 0}]},
         "wave": wave("fin_r", -70, -30)}, 60, scale=1.0)


@cast
def snail():
    foot = smooth([(-170, -4), (-160, -40), (40, -50), (110, -60), (140, -30), (130, 0)])
    shell = part("shell", ellipse(-40, -140, 100, 96), "shell", (-40, -140),
                 part("spiral", join(ring(-40, -140, 70, 56), ring(-40, -140, 36, 24)), "swirl", (-40, -140),
                      stroke=False))
    stalk = part("stalk_l", limb(60, -176, 40, -260, 12, 10), "fur", (60, -176))
    face_part = part("face", smooth([(40, -60), (40, -170), (84, -200), (130, -170), (136, -60)]), "fur",
                     (88, -80), face=True)
    return Character(
        "snail", "Snail", "Slow, patient and never in a hurry; carries her house wherever she goes.",
        "a little snail with a big swirly shell and eyes on stalks.",
        palette("#B9D98C", "#E6F2CF", "#6E8F4A", shell="#E08A5A", swirl="#B95E3A", blush="#FF8FAB"),
        [part("body", foot, "fur", (0, -30), shell,
              part("head", ellipse(88, -100, 30, 30), "fur", (88, -80), stalk,
                   mirrored_about(stalk, 88), face_part))],
        face_at(x=88, eye_y=-262, spacing=24, eye_w=20, eye_h=26, mouth_y=-120, mouth_w=30, brow_y=-296,
                cheek_y=-130, cheek_spacing=34, cheek_r=9),
        # A wave is the whole head swaying (the eyes are drawn on the face, so they go with it).
        {"wave": {"duration": 1.2, "keys": [{"t": 0.0, "head": 0}, {"t": 0.3, "head": 14}, {"t": 0.6, "head": -6},
                                            {"t": 0.9, "head": 14}, {"t": 1.2, "head": 0}]}}, 30, scale=1.0)


def mirrored_about(p, x: float):
    """A paired part mirrored about the vertical line at x (a snail's eye stalks)."""
    return shift_part(mirrored(shift_part(p, -x, 0)), x, 0)
