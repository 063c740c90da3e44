"""Episode lengths for the older ages and other parameters: the same check as
tests/test_templates.py's attention-span window, for the 8-12 minute episodes whose
speech takes minutes to synthesise (kept out of the suite's 10 minutes).

    python3 -m pytest bench/test_bench_template_pacing.py -n 2
"""
from __future__ import annotations

import pytest

from test_templates import TEMPLATES, check_episode_window


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("age", [4, 5])
def test_episode_lands_in_the_attention_span_window(name, age):
    check_episode_window(name, age)


@pytest.mark.parametrize("name, params", [
    ("counting", {"count": 1}), ("counting", {"count": 10, "thing": "fish"}),
    ("alphabet", {"letter": "Q"}), ("feelings", {"feeling": "happy", "who": "luna"})])
@pytest.mark.parametrize("age", [2, 5])
def test_episode_window_holds_for_other_parameters(name, params, age):
    check_episode_window(name, age, **params)
