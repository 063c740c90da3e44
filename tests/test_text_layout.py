"""Text beyond a font and a size (engine/raster/text.py, dsl/text_props.py):
letter spacing, line height, a box with padding and corner radius, auto-fit,
rich spans and a counted number, checked on rendered pixels; then
examples/text.scene rendered small, encoded and decoded."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import storyreel
from helpers import decode, scene_text
from storyreel.dsl import SceneError

W, H = 320, 180
K = W / 1920  # design px -> frame px
PAPER = (255, 255, 255)
INK = (0, 0, 0)
RED = (230, 57, 70)


def still(frame_at, element: str, t: float = 0.5) -> np.ndarray:
    text = scene_text(f"""
        scene s (2s) {{
            background solid #FFFFFF
            {element}
        }}
    """)
    return frame_at(text, t)[..., :3].astype(int)


def ink(frame: np.ndarray, colour=INK, tol: int = 60) -> np.ndarray:
    return np.abs(frame - colour).max(axis=-1) <= tol


def extent(mask: np.ndarray, axis: int) -> tuple[int, int]:
    """First and last index along `axis` (0: rows, 1: columns) holding any ink."""
    hits = np.flatnonzero(mask.any(axis=1 - axis))
    return int(hits[0]), int(hits[-1])


def test_letter_spacing_widens_by_the_gaps(frame_at):
    plain = extent(ink(still(frame_at, 't = text "MMMMM" size 120 color #000000')), 1)
    spaced = extent(ink(still(frame_at, 't = text "MMMMM" size 120 color #000000 letter-spacing 60')), 1)
    grown = (spaced[1] - spaced[0]) - (plain[1] - plain[0])
    assert grown == pytest.approx(4 * 60 * K, abs=1.5)  # four gaps between five letters


def test_line_height_moves_the_second_line(frame_at):
    def second_line_top(extra: str) -> int:
        f = ink(still(frame_at, f't = text "A\\nA" at (50%, 10%) anchor top size 120 color #000000 {extra}'))
        rows = np.flatnonzero(f.any(axis=1))
        gap = np.flatnonzero(np.diff(rows) > 1)[0]  # the blank rows between the lines
        return int(rows[gap + 1])

    assert second_line_top("line-height 2") - second_line_top("") == pytest.approx(120 * 0.8 * K, abs=1.5)


def test_box_with_padding_and_round_corners(frame_at):
    f = still(frame_at, 't = text "Hi" at (50%, 50%) size 100 color #FFFFFF box #000000 padding 120 radius 90')
    box = ink(f)  # the black box (the white letters are holes in it)
    top, bottom = extent(box, 0)
    left, right = extent(box, 1)
    assert bottom - top > 2 * 120 * K + 100 * K * 0.8  # the padding above and below the letters
    assert not box[top, left] and not box[bottom, right]  # rounded corners: the very corner is paper
    assert box[(top + bottom) // 2, left + 1] and box[top + 1, (left + right) // 2]
    letters = ink(f[top:bottom, left:right], PAPER, 40)
    assert letters.any()  # the text is drawn on the box


def test_fit_shrinks_text_into_its_box(frame_at):
    f = ink(still(frame_at, 't = text "A sentence far too long for the box" at (50%, 50%) size 300 '
                            'color #000000 fit 960 300'))
    top, bottom = extent(f, 0)
    left, right = extent(f, 1)
    assert right - left <= 960 * K + 2 and bottom - top <= 300 * K + 2
    assert right - left >= 960 * K * 0.7  # shrunk to fit, not to nothing
    # A text that already fits keeps its size.
    small = ink(still(frame_at, 't = text "Hi" at (50%, 50%) size 100 color #000000 fit 960 300'))
    same = ink(still(frame_at, 't = text "Hi" at (50%, 50%) size 100 color #000000'))
    assert (small == same).all()


def test_a_span_in_another_colour_and_weight(frame_at):
    f = still(frame_at, 't = text "ab [cd](#E63946 black) ef" size 160 color #000000')
    red, black = ink(f, RED, 40), ink(f, INK, 40)
    red_cols, black_cols = np.flatnonzero(red.any(axis=0)), np.flatnonzero(black.any(axis=0))
    assert red.sum() > 50
    # The red word sits between the black ones.
    assert black_cols.min() < red_cols.min() and red_cols.max() < black_cols.max()
    # Heavier: the red letters have more ink than the same letters at the text's weight.
    plain = ink(still(frame_at, 't = text "ab [cd](#E63946) ef" size 160 color #000000'), RED, 40)
    assert red.sum() > plain.sum() * 1.1


def test_counting_shows_the_value_of_the_frame(frame_at):
    counting = 't = text "{n}%" size 120 color #000000 counting 0 -> 100 over 2s'
    for t, shown in ((0.0, "0"), (1.0, "50"), (2.0, "100"), (1.5, "75")):
        fixed = f't = text "{shown}%" size 120 color #000000'
        assert (still(frame_at, counting, t) == still(frame_at, fixed, t)).all(), (t, shown)
    decimals = 't = text "{n} m" size 120 color #000000 counting 0.0 -> 1.0 over 2s'
    assert (still(frame_at, decimals, 1.0) == still(frame_at, 't = text "0.5 m" size 120 color #000000', 1.0)).all()


def test_count_to_and_spacing_to_animate(frame_at):
    later = ('t = text "{n}" size 120 color #000000 counting 0 -> 10 over 1s\n'
             '            wait 1s\n            t: count to 30 over 1s ease linear')
    assert (still(frame_at, later, 1.5) == still(frame_at, 't = text "20" size 120 color #000000', 1.5)).all()
    opening = ('t = text "MMMMM" size 120 color #000000 letter-spacing 0\n'
               '            t: letter-spacing to 60 over 1s ease linear')
    plain = extent(ink(still(frame_at, opening, 0.0)), 1)
    half = extent(ink(still(frame_at, opening, 0.5)), 1)
    assert (half[1] - half[0]) - (plain[1] - plain[0]) == pytest.approx(4 * 30 * K, abs=1.5)


@pytest.mark.parametrize("element, message", [
    ('t = text "x [y](#E63946 bolder)"', "neither a colour nor a weight"),
    ('t = text "{n} apples"', "counts nothing"),
    ('t = text "apples" counting 1 -> 5 over 1s', "no {n}"),
    ('t = text "{n}" counting 1 5 over 1s', "'->'"),
    ('t = text "x" line-height 9', "line-height"),
])
def test_located_errors(compile_scene, element, message):
    with pytest.raises(SceneError) as err:
        compile_scene(scene_text(f"scene s (1s) {{\n    {element}\n}}\n"))
    assert message in str(err.value) and err.value.span is not None


# -- examples/text.scene, rendered small and decoded ---------------------------------------

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "text.scene"
EW, EH = 640, 360
EK = EW / 1920
MEADOW, NAVY, CREAM = (220, 237, 193), (58, 46, 92), (255, 248, 231)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("text") / "text.mp4"
    storyreel.load(EXAMPLE, size=(EW, EH)).render(out, extras=False)
    return decode(out)


def near(frame, x: float, y: float, colour, tol: int = 16) -> bool:
    """The decoded pixel at design coordinates (1920 x 1080) is `colour`."""
    return bool(np.abs(frame[round(y * EK), round(x * EK)].astype(int) - colour).max() <= tol)


def test_example_features_on_decoded_frames(example):
    f = example.at(1.0)
    # The box of "A box with padding": navy at its padded edge, meadow just outside its corner.
    assert near(f, 0.30 * 1920, 0.60 * 1080 - 55, NAVY)
    # The fitted sentence's cream box is 900 x 220 around (30%, 87%).
    assert near(f, 0.30 * 1920 - 440, 0.87 * 1080 - 100, CREAM) and near(f, 0.30 * 1920 - 470, 0.87 * 1080, MEADOW)
    # Red and green words inside the navy line.
    row = f[round(0.33 * 1080 * EK) - 8: round(0.33 * 1080 * EK) + 8].astype(int).reshape(-1, 3)
    assert (np.abs(row - (230, 57, 70)).max(axis=1) < 40).sum() > 30
    assert (np.abs(row - (42, 157, 143)).max(axis=1) < 40).sum() > 30


def test_example_counts_up(example):
    def red_ink(t: float) -> int:
        f = example.at(t)[round(0.80 * 1080 * EK):, round(0.6 * 1920 * EK):].astype(int)
        return int((np.abs(f - (230, 57, 70)).max(axis=-1) < 50).sum())

    assert red_ink(0.0) < red_ink(1.0) < red_ink(2.2)  # "0%", "50%", "100%": more digits, more ink
