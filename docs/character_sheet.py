"""Draw Luna and Sunny (or the characters named) in every view, walk phase,
pose and gesture: the rig's contact sheet (docs/CHARACTERS.md).

    python3 docs/character_sheet.py [-o character_sheet.png] [ID ...]

Look at it shrunk to phone size (a 16:9 frame shown 390 px wide is a fifth of
1920): faces, hands and silhouettes must still read.
"""
from __future__ import annotations

import argparse

import skia

from storyreel.engine.characters import load_character
from storyreel.engine.characters.sheet import poses_sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", default=["luna", "sunny"])
    parser.add_argument("-o", "--output", default="character_sheet.png")
    args = parser.parse_args()
    pixels = poses_sheet([(i, load_character(i)) for i in args.ids])
    skia.Image.fromarray(pixels).save(args.output, skia.kPNG)
    print(f"{args.output}: {pixels.shape[1]}x{pixels.shape[0]}")


if __name__ == "__main__":
    main()
