"""Morphing one outline into another: both are walked at even steps along their
length into the same number of points, turned the same way round and lined up
(the second's starting point chosen to travel least), then mixed point by point.
Shapes with one contour (circle, rect, polygon, star, heart-shaped path) morph
cleanly; of a path with several contours, the longest is used.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import skia

POINTS = 240  # enough that a 1080p circle's edge shows no corners


def outline_points(path: skia.Path, count: int = POINTS) -> np.ndarray:
    """(count, 2) points evenly spaced along the longest contour, clockwise."""
    measure = skia.PathMeasure(path, True, 1.0)
    longest, chosen = 0.0, 0
    index = 0
    while True:  # PathMeasure walks contours in order: find the longest, then walk to it again
        if measure.getLength() > longest:
            longest, chosen = measure.getLength(), index
        if not measure.nextContour():
            break
        index += 1
    if longest <= 0:
        return np.zeros((count, 2))
    measure = skia.PathMeasure(path, True, 1.0)
    for _ in range(chosen):
        measure.nextContour()
    step = longest / count
    points = np.array([_position(measure, i * step) for i in range(count)], dtype=float)
    if _signed_area(points) < 0:
        points = points[::-1].copy()
    return points


def _position(measure: skia.PathMeasure, distance: float) -> tuple[float, float]:
    point, _tangent = measure.getPosTan(distance)
    return point.x(), point.y()


def _signed_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2


def lined_up(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`b` rotated (which point comes first) so its points travel least to `a`'s."""
    shifts = np.stack([np.roll(b, -k, axis=0) for k in range(0, len(b), 4)])  # every 4th start: close enough
    cost = ((shifts - a[None]) ** 2).sum(axis=(1, 2))
    return shifts[int(np.argmin(cost))]


def mixed_path(a: skia.Path, b: skia.Path, k: float) -> skia.Path:
    """The outline `k` of the way from `a` to `b` (0..1)."""
    pa, pb = _matched(bytes(a.serialize()), bytes(b.serialize()))
    points = pa + (pb - pa) * k
    return skia.Path.Polygon([skia.Point(float(x), float(y)) for x, y in points], True)


@lru_cache(maxsize=64)
def _matched(a: bytes, b: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Both outlines' points, lined up: the same pair of shapes is asked for every
    frame of a morph (walking them costs ~15 ms, mixing them well under 1)."""
    pa = outline_points(_read(a))
    return pa, lined_up(pa, outline_points(_read(b)))


def _read(data: bytes) -> skia.Path:
    path = skia.Path()
    path.readFromMemory(data)
    return path
