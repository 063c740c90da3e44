"""Letters keep their counters: every letter and digit of both bundled fonts,
bold, at the largest text size, with and without a thick outline, rendered,
encoded, decoded, and the enclosed background regions counted (the two bowls
of B and 8, the hole of a, e, o, 4, …). An outline sits outside the glyph, so a
counter with one is as large as without."""
from __future__ import annotations

import string

import numpy as np
import pytest

from helpers import scene_text

# How many counters each character has (all others: none). Both fonts draw a
# single-storey g; Nunito closes its 4, Fredoka leaves it open at the top.
COUNTERS = {**{c: 1 for c in "ADOPQRabdegopq0469"}, "B": 2, "8": 2}
OWN = {"rounded": {"4": 0}, "sans": {}}
CHARS = string.ascii_uppercase + string.ascii_lowercase + string.digits
SIZE = (480, 270)
FPS = 10


def _video(render_scene, family: str, outline: str):
    scenes = "\n".join(f"""
scene c{i} (0.1s) {{
    background solid #FFFFFF
    t = text "{ch}" at (50%, 50%) size 700 font {family} weight bold color #1D1B4C {outline}
}}""" for i, ch in enumerate(CHARS))
    return render_scene(scene_text(scenes, f"fps {FPS}"), size=SIZE, fps=FPS)


def _white(frame: np.ndarray) -> np.ndarray:
    return frame.astype(int).min(axis=2) > 200


def _counters(frame: np.ndarray) -> list[np.ndarray]:
    """The white regions not connected to the frame's edge, as masks."""
    white = _white(frame)
    outside = np.zeros_like(white)
    outside[0, :], outside[-1, :], outside[:, 0], outside[:, -1] = white[0, :], white[-1, :], white[:, 0], white[:, -1]
    while True:  # flood the background in from the edges, 4-connected
        grown = outside.copy()
        grown[1:] |= outside[:-1]
        grown[:-1] |= outside[1:]
        grown[:, 1:] |= outside[:, :-1]
        grown[:, :-1] |= outside[:, 1:]
        grown &= white
        if (grown == outside).all():
            break
        outside = grown
    holes = white & ~outside
    found, seen = [], np.zeros_like(holes)
    for y, x in zip(*np.nonzero(holes)):
        if seen[y, x]:
            continue
        stack, region = [(y, x)], np.zeros_like(holes)
        seen[y, x] = True
        while stack:
            cy, cx = stack.pop()
            region[cy, cx] = True
            for ny, nx in ((cy + 1, cx), (cy - 1, cx), (cy, cx + 1), (cy, cx - 1)):
                if holes[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        if region.sum() >= 4:  # a speck of compression noise is not a counter
            found.append(region)
    return found


@pytest.mark.parametrize("family", ["rounded", "sans"])
def test_every_letter_and_digit_keeps_its_counters(render_scene, family):
    plain = _video(render_scene, family, "")
    outlined = _video(render_scene, family, "outline #FFB703 24")
    assert len(plain.frames) == len(outlined.frames) == len(CHARS)  # one frame a character
    wrong = []
    for i, ch in enumerate(CHARS):
        counters = _counters(plain.frames[i])
        expected = OWN[family].get(ch, COUNTERS.get(ch, 0))
        if len(counters) != expected:
            wrong.append(f"{ch}: {len(counters)} counters, expected {expected}")
        # The outline leaves each counter open and background-coloured. (A thick
        # outline may close a narrow opening, such as bold S's: that pocket is no counter.)
        white = _white(outlined.frames[i])
        for region in counters:
            kept = white[region].mean()
            if kept < 0.85:
                wrong.append(f"{ch}: the outline covers {1 - kept:.0%} of a counter")
    assert not wrong, "\n".join(wrong)
