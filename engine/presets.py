"""Output formats: canvas sizes and the safe areas the platforms' own UI leaves free.

A safe area is stored as margins in fractions of the canvas, so it follows
`--size`; `SafeArea.rect` gives it in canvas pixels.
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
