"""Fonts shipped as OFL wheels and loaded by file, never through fontconfig,
so a frame is identical on every machine.

Family names an author writes (`rounded`, `sans`, …) map to files here; a
`Font` is built once per (family, weight, size) and reused across frames.
"""
from __future__ import annotations

import importlib.resources
from functools import lru_cache
from pathlib import Path

import skia

_WGHT = int.from_bytes(b"wght", "big")


def _font_file(package: str, filename: str) -> str:
    return str(importlib.resources.files(package) / "files" / filename)


# family name -> (package, file)
FAMILIES: dict[str, tuple[str, str]] = {
    "rounded": ("fontpkg_fredoka", "Fredoka[wdth,wght].ttf"),
    "sans": ("fontpkg_nunito", "Nunito[wght].ttf"),
}
ALIASES = {"fredoka": "rounded", "title": "rounded", "nunito": "sans", "body": "sans"}
DEFAULT_FAMILY = "sans"

WEIGHTS = {"thin": 300, "light": 300, "normal": 400, "regular": 400, "medium": 500,
           "semibold": 600, "bold": 700, "heavy": 800, "black": 900}
DEFAULT_WEIGHT = 500


def family_names() -> list[str]:
    return sorted([*FAMILIES, *ALIASES])


def resolve_family(name: str) -> str | None:
    """The canonical family for an author's name, or None if unknown.
    A path to a .ttf/.otf file is its own family."""
    if name in FAMILIES:
        return name
    if name in ALIASES:
        return ALIASES[name]
    if name.lower().endswith((".ttf", ".otf")):
        return name
    return None


@lru_cache(maxsize=1)
def _font_manager() -> skia.FontMgr:
    # An empty custom manager: skia's default one would initialise fontconfig,
    # read the system's configuration and make output depend on the machine.
    return skia.FontMgr.New_Custom_Empty()


class _Variation:
    """Holds the variation objects alive: skia's makeClone silently ignores a
    position whose coordinates were garbage-collected."""

    def __init__(self, weight: float):
        vp = skia.FontArguments.VariationPosition
        self.coords = vp.Coordinates([vp.Coordinate(_WGHT, float(weight))])
        self.position = vp(self.coords)
        self.args = skia.FontArguments()
        self.args.setVariationDesignPosition(self.position)


_keepalive: list[_Variation] = []


@lru_cache(maxsize=None)
def typeface(family: str, weight: int = DEFAULT_WEIGHT) -> skia.Typeface:
    if family in FAMILIES:
        path = _font_file(*FAMILIES[family])
    else:
        path = family
    base = _font_manager().makeFromFile(path)
    if base is None:
        raise FileNotFoundError(f"cannot load font file {path}")
    axes = base.getVariationDesignParameters() or []
    wght = [a for a in axes if a.tag == _WGHT]
    if not wght:
        return base
    clamped = max(wght[0].min, min(wght[0].max, weight))
    variation = _Variation(clamped)
    _keepalive.append(variation)
    return base.makeClone(variation.args)


@lru_cache(maxsize=512)
def font(family: str, weight: int, size: float) -> skia.Font:
    f = skia.Font(typeface(family, weight), size)
    f.setEdging(skia.Font.Edging.kAntiAlias)
    f.setSubpixel(True)
    f.setHinting(skia.FontHinting.kNone)
    return f


def license_files() -> list[Path]:
    return [Path(str(importlib.resources.files(pkg) / "LICENSE")) for pkg, _ in FAMILIES.values()]
