"""Colours: the one parser for `#RGB`, `#RRGGBB`, `#RRGGBBAA`, CSS names and `transparent`.

A colour in the timeline is a tuple of four floats (r, g, b, a) in 0..1, so that
tracks can interpolate it like any other numeric tuple.
"""
from __future__ import annotations

import numpy as np
import webcolors

RGBA = tuple[float, float, float, float]

TRANSPARENT: RGBA = (0.0, 0.0, 0.0, 0.0)


class ColorError(ValueError):
    """The text is not a colour; `.hint` suggests the closest valid one."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def css_color_names() -> list[str]:
    return sorted(webcolors.names("css3"))


def parse_color(text: str) -> RGBA:
    s = text.strip()
    if s.startswith("#"):
        digits = s[1:]
        if len(digits) in (3, 4):
            digits = "".join(ch * 2 for ch in digits)
        if len(digits) not in (6, 8) or any(ch not in "0123456789abcdefABCDEF" for ch in digits):
            raise ColorError(
                f"invalid colour '{text}'",
                "write #RGB, #RRGGBB or #RRGGBBAA with hexadecimal digits, or a CSS name like tomato",
            )
        channels = [int(digits[i : i + 2], 16) / 255.0 for i in range(0, len(digits), 2)]
        if len(channels) == 3:
            channels.append(1.0)
        return tuple(channels)  # type: ignore[return-value]
    name = s.lower()
    if name in ("transparent", "none"):  # `background none`: a transparent canvas (alpha video)
        return TRANSPARENT
    try:
        hex_value = webcolors.name_to_hex(name, spec="css3")
    except ValueError:
        from ...diagnostics import did_you_mean

        hint = did_you_mean(name, css_color_names(), "use a CSS colour name or #RRGGBB")
        raise ColorError(f"unknown colour '{text}'", hint) from None
    return parse_color(hex_value)


def srgb_to_linear(srgb) -> np.ndarray:
    """sRGB channels (0-255, any shape) as linear light (0-1), float32."""
    c = np.asarray(srgb).astype(np.float32) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def relative_luminance(rgb) -> float:
    """WCAG 2 relative luminance of an sRGB colour given as 0-255 channels."""
    r, g, b = srgb_to_linear(list(rgb)[:3])
    return float(0.2126 * r + 0.7152 * g + 0.0722 * b)


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio (1 to 21) of two sRGB colours given as 0-255 channels."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours written as in the language (#RRGGBB, a CSS name)."""
    return contrast_ratio(*([255 * c for c in parse_color(text)[:3]] for text in (a, b)))


def with_alpha(color: RGBA, alpha: float) -> RGBA:
    return (color[0], color[1], color[2], color[3] * alpha)


def to_argb_int(color: RGBA) -> int:
    """Skia's packed 0xAARRGGBB."""
    r, g, b, a = (max(0, min(255, round(c * 255))) for c in color)
    return (a << 24) | (r << 16) | (g << 8) | b
