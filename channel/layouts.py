"""The frames a channel renders each episode at: its platforms grouped by aspect.

youtube is 16:9; shorts, tiktok and reels are 9:16: a channel publishing to both renders an
episode twice, once per layout, laid out for it (the templates place everything by the
canvas), and hands each publisher the file of its platform's layout. The first platform of
a layout picks its preset (safe area); the others are checked against the same file.
"""
from __future__ import annotations

from dataclasses import dataclass

from .config import Channel


@dataclass(frozen=True)
class Layout:
    name: str  # "" for the first layout (episode.mp4), else its aspect: "9x16" (episode-9x16.mp4)
    platforms: tuple[str, ...]
    preset: str | None
    size: tuple[int, int] | None  # None: the platform's own


def _aspect_name(width: int, height: int) -> str:
    from math import gcd

    g = gcd(width, height)
    return f"{width // g}x{height // g}"


def _size_for(channel_size: tuple[int, int], width: int, height: int) -> tuple[int, int]:
    """channel.yaml's `size` for a platform of another aspect: the same short side."""
    short = min(channel_size)
    if width >= height:
        return (round(short * width / height / 2) * 2, short)
    return (short, round(short * height / width / 2) * 2)


def channel_layouts(channel: Channel) -> list[Layout]:
    from ..engine.publish.platforms import get_platform, platform_layout

    groups: dict[str, list[str]] = {}
    targets = {}
    for name in channel.platforms:
        target = targets[name] = get_platform(name)
        groups.setdefault(_aspect_name(*target.size), []).append(name)
    layouts = []
    for i, (aspect, names) in enumerate(groups.items()):
        target = targets[names[0]]
        size = channel.size
        if size is not None and i > 0:
            size = _size_for(channel.size, *target.size)
        preset, size = platform_layout(target, None, size)
        layouts.append(Layout("" if i == 0 else aspect, tuple(names), preset or target.preset, size))
    return layouts
