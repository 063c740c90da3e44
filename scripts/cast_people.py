"""The people of the cast library (see draw_cast.py): Luna's proportions (a big
head, a small body), children at her size and grown-ups a little taller (longer
legs and body: `grown` lifts everything above the hips)."""
from __future__ import annotations

from cast_animals import shift_part
from cast_geometry import ellipse, join, limb, poly, ring, rrect, smooth
from cast_rig import INK, Character, Face, biped_gestures, cast, mirrored, pair, part

HEAD_Y, HEAD_R = -300.0, 96.0


def person_face(grown: float = 0, **kw) -> Face:
    """The face on a head lifted by `grown`."""
    base = dict(eye_y=-292, spacing=38, eye_w=22, eye_h=30, mouth_y=-250, mouth_w=36, brow_y=-330, cheek_y=-262,
                cheek_spacing=62, cheek_r=14, brow="hair")
    base.update(kw)
    for key in ("eye_y", "mouth_y", "brow_y", "cheek_y"):
        base[key] -= grown
    return Face(**base)


def lifted(parts: list, dy: float) -> list:
    return [shift_part(p, 0, -dy) for p in parts]


def person(*, grown: float, legs_fill: str, shoe: str, top: str, sleeve: str, hair_back, face_children=(),
           head_children=(), skirt=None, body_children=(), long_skirt: bool = False, shorts: bool = False,
           width: float = 64) -> list:
    """Legs (with shoes), a body with arms (elbows, hands), a head: `hair_back` is
    drawn behind the face; `face_children` (fringe, hats, glasses, beards) over it."""
    hip = -96 - grown
    leg = part("leg_l", limb(-24, hip, -24, -22, 30, 28), legs_fill, (-24, hip + 6),
               part("shoe_l", smooth([(-46, -4), (-40, -22), (-14, -26), (-8, -10), (-12, 0), (-40, 2)]), shoe,
                    (-24, -14)))
    legs = pair(leg)
    # The body: shoulders at -206, waist at -104 (lifted by `grown`); a skirt or dress flares below.
    torso = smooth([(0, -214), (width * 0.7, -210), (width * 0.95, -170), (width, -110), (width * 0.9, -92),
                    (0, -88), (-width * 0.9, -92), (-width, -110), (-width * 0.95, -170), (-width * 0.7, -210)])
    forearm = part("forearm_r", limb(70, -140, 80, -86, 24, 22), sleeve, (70, -140),
                   part("hand_r", ellipse(82, -76, 17), "skin", (82, -76)))
    arm = part("arm_r", limb(54, -200, 70, -140, 30, 26), sleeve, (52, -196), forearm)
    head = part("head", hair_back, "hair", (0, -210), *head_children,
                part("face", ellipse(0, HEAD_Y, HEAD_R, HEAD_R * 0.98), "skin", (0, -214), *face_children, face=True))
    upper = [part("body", torso, top, (0, -90), *body_children, mirrored(arm), arm, head)]
    upper = lifted(upper, grown)
    if skirt is not None:
        # A skirt hangs from the waist to the knees (or the ankles): drawn over the legs.
        bottom = -26 if long_skirt else hip + 40
        waist = -100 - grown
        if shorts:
            flare = poly([(-width * 0.9, waist), (width * 0.9, waist), (width * 0.98, bottom), (6, bottom),
                          (0, bottom - 18), (-6, bottom), (-width * 0.98, bottom)])
        else:
            flare = smooth([(-width * 0.9, waist), (width * 0.9, waist), (width * 1.35, bottom + 6),
                            (width * 1.2, bottom), (0, bottom + 4), (-width * 1.2, bottom), (-width * 1.35, bottom + 6)],
                           tension=0.6)
        upper[0].children.insert(0, part("skirt", flare, skirt, (0, waist)))
    return [*legs, *upper]


def fringe(points, fill: str = "hair", name: str = "fringe"):
    return part(name, smooth(points), fill, (0, -360))


def round_hair(extra=()):
    """The back of a head of hair: a cap a little bigger than the face."""
    return join(ellipse(0, HEAD_Y - 8, HEAD_R + 14, HEAD_R + 10), *extra)


def glasses(y: float = -292, spacing: float = 38, r: float = 26):
    frame = join(ring(-spacing, y, r + 4, r - 1), ring(spacing, y, r + 4, r - 1),
                 rrect(-spacing + r - 2, y - 4, spacing - r + 2, y + 1, 2))
    return part("glasses", frame, "frame", (0, y), stroke=False)


def crown(y: float, w: float, fill: str = "gold", gem: str = "gem"):
    body = poly([(-w, y), (-w, y - 40), (-w * 0.55, y - 16), (0, y - 54), (w * 0.55, y - 16), (w, y - 40), (w, y)])
    return part("crown", body, fill, (0, y - 20), part("gem", ellipse(0, y - 14, 9, 9), gem, (0, y - 14)))


def palette(skin, hair, **more):
    return {"skin": skin, "hair": hair, "ink": INK, "blush": "#FF8FAB", "mouth": "#9B2C4B", **more}


@cast
def girl():
    pig = part("pigtail_l", ellipse(-118, -296, 34, 50), "hair", (-100, -320))
    bow = part("bow", join(poly([(40, -394), (66, -410), (66, -378)]), poly([(92, -394), (66, -410), (66, -378)])),
               "bow", (66, -394))
    hair = round_hair()
    front = fringe([(-98, -300), (-96, -370), (-40, -404), (20, -406), (80, -380), (100, -310), (70, -346),
                    (20, -352), (-30, -344), (-70, -340)])
    return Character(
        "girl", "Girl", "Curious and kind; asks questions, helps her friends and loves stories.",
        "a little girl with brown pigtails, a red bow and a coral dress.",
        palette("#F9D3B4", "#7B4B2A", dress="#EF6F6C", bow="#E63946", shoe="#5B3A7A", legs="#F9D3B4"),
        person(grown=0, legs_fill="skin", shoe="shoe", top="dress", sleeve="dress", hair_back=hair,
               head_children=pair(pig), face_children=[front, bow], skirt="dress"),
        person_face(), biped_gestures(1.0), 80)


@cast
def boy():
    hair = round_hair()
    front = fringe([(-100, -300), (-98, -370), (-50, -408), (10, -412), (70, -392), (102, -320), (80, -350),
                    (50, -366), (30, -350), (0, -370), (-30, -352), (-60, -362)])
    stripes = join(*(rrect(-60, y, 60, y + 10, 3) for y in (-184, -156, -128)))
    return Character(
        "boy", "Boy", "Lively and brave; runs everywhere, climbs trees and shares his snacks.",
        "a little boy with short black hair, a striped green T-shirt and blue shorts.",
        palette("#C68E65", "#2B2430", shirt="#3FA66B", stripe="#8FD6A8", shorts="#3D6FB6", shoe="#E63946"),
        person(grown=0, legs_fill="skin", shoe="shoe", top="shirt", sleeve="shirt", hair_back=hair,
               face_children=[front], skirt="shorts", shorts=True,
               body_children=[part("stripes", stripes, "stripe", (0, -156), stroke=False)]),
        person_face(), biped_gestures(1.0), 85)


@cast
def grandma():
    bun = part("bun", ellipse(0, -408, 44, 34), "hair", (0, -400))
    hair = round_hair()
    front = fringe([(-100, -290), (-96, -360), (-40, -396), (40, -396), (96, -360), (100, -290), (70, -340),
                    (0, -356), (-70, -340)])
    shawl = part("shawl", smooth([(-70, -214), (70, -214), (58, -150), (0, -120), (-58, -150)]), "shawl", (0, -180))
    return Character(
        "grandma", "Grandma", "Warm and wise; bakes cookies, knits scarves and tells the best stories.",
        "a grandmother with a white bun, round glasses, a lilac cardigan and a long skirt.",
        palette("#FBE0CF", "#E8E6EE", cardigan="#A98BD1", shawl="#F4A6B8", skirt="#5C5A8E", shoe="#6B4A3A",
                frame="#6B4A3A"),
        person(grown=50, legs_fill="skin", shoe="shoe", top="cardigan", sleeve="cardigan", hair_back=hair,
               head_children=[bun], face_children=[front, glasses()], skirt="skirt", long_skirt=True,
               body_children=[shawl]),
        person_face(50, brow="#9A96A8"), biped_gestures(1.0), 70, scale=1.0)


@cast
def grandpa():
    hair = join(ellipse(-88, -300, 30, 44), ellipse(88, -300, 30, 44), ellipse(0, -236, 30, 20))  # + the nape
    moustache = part("moustache", join(smooth([(0, -272), (-20, -282), (-46, -270), (-40, -258), (-16, -262)]),
                                       smooth([(0, -272), (20, -282), (46, -270), (40, -258), (16, -262)])), "hair",
                     (0, -268))
    cap = part("cap", smooth([(-92, -330), (-80, -392), (0, -414), (80, -392), (92, -330), (0, -350)]), "cap",
               (0, -370))
    return Character(
        "grandpa", "Grandpa", "Gentle and funny; grows tomatoes, fixes things and naps after lunch.",
        "a grandfather with a white moustache, glasses, a flat cap and a brown cardigan.",
        palette("#E8B896", "#F1EFEA", cardigan="#9C6B4E", trousers="#5A6270", shoe="#3B2A22", frame="#3B2A22",
                cap="#6F7D5C"),
        person(grown=60, legs_fill="trousers", shoe="shoe", top="cardigan", sleeve="cardigan", hair_back=hair,
               face_children=[moustache, glasses(), cap], width=70),
        person_face(60, brow="#BDB8B0", mouth_y=-244), biped_gestures(1.0), 75)


@cast
def king():
    beard = part("beard", smooth([(-80, -262), (-40, -222), (0, -226), (40, -222), (80, -262), (70, -190),
                                  (0, -150), (-70, -190)]), "hair", (0, -200))
    hair = round_hair()
    trim = part("trim", rrect(-74, -108, 74, -88, 8), "ermine", (0, -98))
    cape = part("cape", smooth([(-60, -214), (60, -214), (110, -40), (0, -30), (-110, -40)], tension=0.5), "cape",
                (0, -150))
    return Character(
        "king", "King", "Grand and a little vain, but fair in the end; likes feasts and fanfares.",
        "a king with a golden crown, a brown beard and a red robe trimmed with ermine.",
        palette("#F2C9A5", "#6B3E26", robe="#C8323C", cape="#8E1F2F", ermine="#FFFFFF", gold="#FFC93C",
                gem="#3A86FF", legs="#4A2C6B", shoe="#2E1F3A"),
        [cape_part(cape, 70), *person(grown=70, legs_fill="legs", shoe="shoe", top="robe", sleeve="robe",
                                      hair_back=hair, face_children=[beard, crown(-376, 62)], skirt="robe",
                                      long_skirt=True, body_children=[trim], width=70)],
        person_face(70, mouth_y=-246), biped_gestures(1.0), 75)


def cape_part(cape, grown: float):
    """A cape hangs behind everything, from the shoulders."""
    return shift_part(cape, 0, -grown)


@cast
def queen():
    hair = join(ellipse(0, HEAD_Y - 8, HEAD_R + 16, HEAD_R + 12),
                smooth([(-110, -300), (-120, -200), (-90, -170), (90, -170), (120, -200), (110, -300)]))
    front = fringe([(-100, -300), (-92, -372), (-30, -404), (40, -402), (96, -364), (100, -300), (60, -352),
                    (0, -330), (-60, -352)])
    necklace = part("necklace", join(*(ellipse(x, -200 + abs(x) * -0.25, 7) for x in (-30, -15, 0, 15, 30))),
                    "gold", (0, -200))
    return Character(
        "queen", "Queen", "Graceful and clever; rules kindly and loves a garden party.",
        "a queen with a golden crown, long dark curls and a purple gown.",
        palette("#8D5A3B", "#2A1B1B", gown="#7B4FBF", gold="#FFC93C", gem="#E63946", shoe="#3A2460",
                blush="#E0708A"),
        person(grown=60, legs_fill="skin", shoe="shoe", top="gown", sleeve="gown", hair_back=hair,
               face_children=[front, crown(-386, 50)], skirt="gown", long_skirt=True, body_children=[necklace]),
        person_face(60), biped_gestures(1.0), 70)


@cast
def farmer():
    hat = part("hat", join(ellipse(0, -372, 150, 26), smooth([(-70, -372), (-64, -430), (0, -446), (64, -430),
                                                               (70, -372)])), "straw", (0, -380),
               part("band", rrect(-68, -392, 68, -376, 4), "band", (0, -384), stroke=False))
    hair = round_hair()
    bib = part("bib", join(rrect(-42, -176, 42, -96, 8), rrect(-56, -214, -40, -170, 4),
                           rrect(40, -214, 56, -170, 4)), "overalls", (0, -140))
    checks = join(*(rrect(x, -210, x + 8, -92, 2) for x in (-60, -24, 16, 52)))
    return Character(
        "farmer", "Farmer", "Hard-working and cheerful; up with the sun to feed the animals.",
        "a farmer in a straw hat, a red checked shirt and blue overalls.",
        palette("#D9A07A", "#8A4B2A", shirt="#D7443E", check="#A92E2A", overalls="#3E6FB0", straw="#F2C66D",
                band="#C8323C", boot="#4A3426"),
        person(grown=60, legs_fill="overalls", shoe="boot", top="shirt", sleeve="shirt", hair_back=hair,
               face_children=[hat], width=70,
               body_children=[part("checks", checks, "check", (0, -150), stroke=False), bib]),
        person_face(60), biped_gestures(1.0), 80)


@cast
def teacher():
    hair = join(ellipse(0, HEAD_Y - 6, HEAD_R + 16, HEAD_R + 10),
                smooth([(-112, -300), (-114, -230), (-80, -220), (80, -220), (114, -230), (112, -300)]))
    front = fringe([(-100, -290), (-94, -370), (-30, -404), (50, -400), (100, -350), (102, -290), (60, -330),
                    (-10, -360), (-60, -340)])
    collar = part("collar", join(poly([(-30, -212), (0, -188), (-14, -176), (-40, -204)]),
                                 poly([(30, -212), (0, -188), (14, -176), (40, -204)])), "blouse", (0, -196))
    return Character(
        "teacher", "Teacher", "Patient and encouraging; loves books, questions and gold stars.",
        "a teacher with an auburn bob, a teal cardigan over a white blouse and a navy skirt.",
        palette("#F1C7A0", "#A4432A", cardigan="#2A9D8F", blouse="#FFFFFF", skirt="#2E3A6B", shoe="#6B2E3A"),
        person(grown=60, legs_fill="skin", shoe="shoe", top="cardigan", sleeve="cardigan", hair_back=hair,
               face_children=[front], skirt="skirt", body_children=[collar]),
        person_face(60), biped_gestures(1.0), 75)


