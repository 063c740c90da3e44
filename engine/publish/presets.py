"""Output formats: canvas sizes and the safe areas the platforms' own UI leaves free.

A safe area is stored as margins in fractions of the canvas, so it follows
`--size`; `SafeArea.rect` gives it in canvas pixels. `resolve_format` is the one
place that decides the canvas from the options and the file's `video` block: the
compiler uses it, and so does Jinja's `canvas` (dsl/expand.py).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SafeArea:
    left: float
    top: float
    right: float
    bottom: float

    def rect(self, width: int, height: int) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) in canvas pixels."""
        return (
            self.left * width,
            self.top * height,
            width - self.right * width,
            height - self.bottom * height,
        )


@dataclass(frozen=True)
class Preset:
    name: str
    width: int
    height: int
    safe: SafeArea


# Vertical margins follow what the apps overlay on a 1080x1920 frame: the top bar,
# the caption/description block at the bottom and the action buttons on the right.
PRESETS: dict[str, Preset] = {
    "youtube": Preset("youtube", 1920, 1080, SafeArea(0.05, 0.05, 0.05, 0.05)),
    "shorts": Preset("shorts", 1080, 1920, SafeArea(60 / 1080, 240 / 1920, 190 / 1080, 380 / 1920)),
    "tiktok": Preset("tiktok", 1080, 1920, SafeArea(60 / 1080, 160 / 1920, 150 / 1080, 480 / 1920)),
    "reels": Preset("reels", 1080, 1920, SafeArea(60 / 1080, 220 / 1920, 120 / 1080, 420 / 1920)),
    "square": Preset("square", 1080, 1080, SafeArea(0.05, 0.05, 0.05, 0.05)),
}

DEFAULT_PRESET = "youtube"
DEFAULT_FPS = 30.0


def design_pixel(width: int, height: int) -> float:
    """Canvas pixels per design pixel: 1/1080 of the shorter side."""
    return min(width, height) / 1080.0


@dataclass(frozen=True)
class Format:
    """The canvas a render gets: a preset's name (its safe area), a size, a frame rate."""
    preset: str
    width: int
    height: int
    fps: float

    @property
    def safe(self) -> tuple[float, float, float, float]:
        return PRESETS[self.preset].safe.rect(self.width, self.height)


def resolve_format(preset: str | None = None, size: tuple[int, int] | None = None, fps: float | None = None, *,
                   file_preset: str | None = None, file_size: tuple[int, int] | None = None,
                   file_fps: float | None = None) -> Format:
    """The command line's --preset/--size/--fps win over the file's `video { preset … }`,
    which wins over the defaults (youtube, 30 fps). A --preset replaces the file's size
    too; --size keeps the preset's safe area, in proportion."""
    name = preset or file_preset or DEFAULT_PRESET
    if preset is not None:
        file_size = None
    chosen = PRESETS[name]
    width, height = size or file_size or (chosen.width, chosen.height)
    rate = fps if fps is not None else (file_fps if file_fps is not None else DEFAULT_FPS)
    return Format(name, width, height, rate)
