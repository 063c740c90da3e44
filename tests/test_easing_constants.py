"""The easing table's constants pinned to the reference curves (easings.net,
Robert Penner's equations): a changed constant ("back"'s 1.70158, elastic's
period) moves these values. The shape tests in test_easing.py only see that a
curve pulls back or overshoots, not by how much."""
from __future__ import annotations

import numpy as np
import pytest

from storyreel.engine.timeline.easing import ease

# easeInBack(t) = 2.70158 t^3 - 1.70158 t^2 and friends, at t = 0.1, 0.3, 0.5, 0.7, 0.9
REFERENCE = {
    "in-back": [-0.014314, -0.080200, -0.087698, 0.092868, 0.591172],
    "out-back": [0.408828, 0.907132, 1.087698, 1.080200, 1.014314],
    "in-out-back": [-0.023225, -0.014514, 0.5, 1.014514, 1.023225],
    "in-elastic": [0.001953, -0.003906, -0.015625, 0.125, -0.25],
    "out-elastic": [1.25, 0.875, 1.015625, 1.003906, 0.998047],
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_easing_matches_the_reference_curve(name):
    got = [ease(name, t) for t in (0.1, 0.3, 0.5, 0.7, 0.9)]
    assert got == pytest.approx(REFERENCE[name], abs=2e-6), name


# easeOutBounce: four parabolas (7.5625 t^2 + 0, 0.75, 0.9375, 0.984375), one point in each,
# at t = 0.2, 0.5, 0.8, 0.95
BOUNCE = {
    "out-bounce": [0.3025, 0.765625, 0.94, 0.984531],
    "in-bounce": [0.06, 0.234375, 0.6975, 0.981094],
    "in-out-bounce": [0.11375, 0.5, 0.88625, 0.994062],
}


@pytest.mark.parametrize("name", sorted(BOUNCE))
def test_bounce_matches_the_reference_curve_on_each_of_its_four_bounces(name):
    got = [ease(name, t) for t in (0.2, 0.5, 0.8, 0.95)]
    assert got == pytest.approx(BOUNCE[name], abs=2e-6), name


@pytest.mark.parametrize("family", ["sine", "quad", "cubic", "back", "elastic", "bounce"])
def test_every_easing_starts_exactly_at_0_and_ends_exactly_at_1(family):
    """Elastic's formula is -0.00049 at t = 0 (2^-10 sin(...)): the ends are special-cased."""
    for name in (f"in-{family}", f"out-{family}", f"in-out-{family}"):
        assert (ease(name, 0.0), ease(name, 1.0)) == pytest.approx((0.0, 1.0), abs=1e-12), name


def test_back_pulls_back_exactly_ten_percent():
    """1.70158 is the constant that makes "back" overshoot by 10 %."""
    lowest = min(ease("in-back", t) for t in np.linspace(0, 1, 20001))
    assert lowest == pytest.approx(-0.1, abs=1e-4)
