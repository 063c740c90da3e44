"""Easings: each named curve starts at 0 and ends at 1, and a rendered tween
puts the element where the curve says."""
from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import scene_text
from storyreel.engine.timeline.easing import DEFAULT_EASING, EASINGS, ease

FAMILIES = ("sine", "quad", "cubic", "back", "elastic", "bounce")
NAMES = sorted(EASINGS)
RED = np.array((255, 0, 0), float)

# Circle (r = 10 px at 320x180) moving from x = 25% (80 px) to x = 75% (240 px).
X0, X1, Y = 80.0, 240.0, 90.0


def test_every_documented_name_exists():
    # `spring` with its default stiffness and damping is listed by name too; with
    # parameters, and cubic-bezier, see tests/test_motion.py.
    expected = {"linear", "spring"} | {f"{p}-{f}" for p in ("in", "out", "in-out") for f in FAMILIES}
    assert set(EASINGS) == expected
    assert DEFAULT_EASING == "in-out-cubic"


@pytest.mark.parametrize("name", NAMES)
def test_ends(name):
    assert ease(name, 0.0) == pytest.approx(0.0, abs=1e-9)
    assert ease(name, 1.0) == pytest.approx(1.0, abs=1e-9)
    # Progress is clamped outside 0..1.
    assert ease(name, -0.5) == pytest.approx(0.0, abs=1e-9)
    assert ease(name, 1.5) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("family", FAMILIES)
def test_out_mirrors_in_and_in_out_joins_them(family):
    ein, eout, eio = (EASINGS[f"{p}-{family}"] for p in ("in", "out", "in-out"))
    for t in np.linspace(0, 1, 41):
        assert eout(t) == pytest.approx(1 - ein(1 - t), abs=1e-9)
        half = ein(2 * t) / 2 if t < 0.5 else 1 - ein(2 - 2 * t) / 2
        assert eio(t) == pytest.approx(half, abs=1e-9)
    assert eio(0.5) == pytest.approx(0.5, abs=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_curves_are_continuous(name):
    ts = np.linspace(0, 1, 2001)
    values = np.array([ease(name, t) for t in ts])
    assert np.abs(np.diff(values)).max() < 0.02


def test_known_values():
    assert ease("linear", 0.3) == pytest.approx(0.3)
    assert ease("in-quad", 0.5) == pytest.approx(0.25)
    assert ease("out-quad", 0.5) == pytest.approx(0.75)
    assert ease("in-cubic", 0.5) == pytest.approx(0.125)
    assert ease("in-out-cubic", 0.25) == pytest.approx(4 * 0.25 ** 3)
    assert ease("in-sine", 0.5) == pytest.approx(1 - math.cos(math.pi / 4))
    assert ease("out-bounce", 0.5) == pytest.approx(0.765625)
    assert ease("in-back", 0.3) < 0  # pulls back first
    assert max(ease("out-back", t) for t in np.linspace(0, 1, 101)) > 1.05  # overshoots
    assert max(ease("out-elastic", t) for t in np.linspace(0, 1, 101)) > 1.2
    bounce = [ease("out-bounce", t) for t in np.linspace(0, 1, 401)]
    assert max(bounce) <= 1.0 + 1e-9 and min(bounce) >= 0.0


def test_monotone_families_stay_in_range():
    for family in ("sine", "quad", "cubic"):
        for prefix in ("in", "out", "in-out"):
            values = [ease(f"{prefix}-{family}", t) for t in np.linspace(0, 1, 201)]
            assert all(b >= a - 1e-12 for a, b in zip(values, values[1:]))


# -- rendered --------------------------------------------------------------------------------


def move_scene(easing: str | None) -> str:
    ease_words = "" if easing is None else f" ease {easing}"
    return scene_text(f"""
        scene s {{
            background solid white
            c = circle at (25%, 50%) radius 60 fill #FF0000
            c: move to (75%, 50%) over 1s{ease_words}
        }}
    """)


def red_centroid(frame: np.ndarray) -> tuple[float, float]:
    rgb = frame[..., :3].astype(float)
    white = np.array((255, 255, 255), float)
    d = RED - white
    k = np.clip(((rgb - white) @ d) / (d @ d), 0, 1)
    ys, xs = np.indices(k.shape)
    assert k.sum() > 250, "the circle is not (fully) on the canvas"
    return float((xs * k).sum() / k.sum()) + 0.5, float((ys * k).sum() / k.sum()) + 0.5


def assert_at(frame, progress):
    x, y = red_centroid(frame)
    assert x == pytest.approx(X0 + (X1 - X0) * progress, abs=0.35)
    assert y == pytest.approx(Y, abs=0.35)


RENDERED = ["linear", "in-out-cubic", "in-quad", "out-quad", "in-sine", "out-cubic", "in-out-sine",
            "out-back", "in-back", "in-out-back", "out-bounce", "in-bounce", "out-elastic", "in-out-elastic"]


@pytest.mark.parametrize("name", RENDERED)
def test_rendered_move_follows_the_curve(frame_at, name):
    text = move_scene(name)
    for t in (0.25, 0.5, 0.8):
        assert_at(frame_at(text, t), ease(name, t))
    assert_at(frame_at(text, 0.0), 0.0)


def test_default_easing_is_in_out_cubic(frame_at):
    default, explicit = move_scene(None), move_scene("in-out-cubic")
    for t in (0.25, 0.5, 0.7):
        frame = frame_at(default, t)
        assert np.array_equal(frame, frame_at(explicit, t))
        assert_at(frame, ease("in-out-cubic", t))
    # At a quarter of the way in time, in-out-cubic has covered 1/16 of the distance; linear a quarter.
    assert red_centroid(frame_at(default, 0.25))[0] == pytest.approx(X0 + 160 / 16, abs=0.35)
    assert red_centroid(frame_at(move_scene("linear"), 0.25))[0] == pytest.approx(X0 + 40, abs=0.35)


def test_midpoints_linear_and_default(frame_at):
    assert_at(frame_at(move_scene("linear"), 0.5), 0.5)
    assert_at(frame_at(move_scene(None), 0.5), 0.5)
    assert_at(frame_at(move_scene("in-quad"), 0.5), 0.25)


@pytest.mark.parametrize("name", NAMES)
def test_property_tween_follows_the_curve(compile_scene, name):
    """Every easing through the compiled timeline: a rect's width tween, sampled."""
    timeline = compile_scene(scene_text(f"""
        scene s {{
            r = rect size 120 60 fill #FF0000
            r: width to 720 over 2s ease {name}
        }}
    """))
    u = 180 / 1080
    for t in (0.0, 0.3, 1.0, 1.7, 2.0):
        node = next(n for n in timeline.sample(t).items if n.id == "r")
        assert node.values["width"] == pytest.approx((120 + 600 * ease(name, t / 2)) * u, abs=1e-6)


def test_rendered_width_tween(frame_at):
    text = scene_text("""
        scene s {
            background solid white
            r = rect size 120 60 fill #FF0000
            r: width to 720 over 1s ease out-quad
        }
    """)
    for t in (0.0, 0.3, 0.6):
        frame = frame_at(text, t)
        cols = np.nonzero((frame[90, :, 1] < 128))[0]
        width = (120 + 600 * ease("out-quad", t)) / 6
        assert len(cols) == pytest.approx(width, abs=1.01)


def test_transition_easing_option(compile_scene):
    timeline = compile_scene(scene_text("""
        scene a {
            wait 1s
        }
        transition crossfade 0.5s ease in-quad
        scene b {
            wait 1s
        }
    """))
    (tr,) = timeline.transitions
    assert tr.easing == "in-quad"
    assert tr.progress(tr.start + 0.25) == pytest.approx(0.25)
