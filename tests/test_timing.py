"""Timing rules: the cursor, `&`, `together`, `at`, `wait`, scene durations,
`over scene`, frame units, and the actions that hide an element until they run.

Positions are read off rendered frames (320x180: a circle of radius 60 design
px is 10 canvas px; x = 25% is 80 px, 50% is 160 px, 75% is 240 px).
"""
from __future__ import annotations

import numpy as np
import pytest

from helpers import close, scene_text

RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)


def coverage(frame: np.ndarray, fill, bg=WHITE) -> np.ndarray:
    rgb = frame[..., :3].astype(float)
    fill, bg = np.array(fill, float), np.array(bg, float)
    d = fill - bg
    k = np.clip(((rgb - bg) @ d) / (d @ d), 0.0, 1.0)
    off = np.linalg.norm(rgb - bg - k[..., None] * d, axis=-1)
    return np.where(off <= 24, k, 0.0)


def x_of(frame: np.ndarray, fill) -> float:
    """The x of the centroid of `fill`'s pixels."""
    cov = coverage(frame, fill)
    assert cov.sum() > 50, "not on the canvas"
    return float((np.arange(cov.shape[1]) * cov.sum(axis=0)).sum() / cov.sum()) + 0.5


def area(frame: np.ndarray, fill) -> float:
    return float(coverage(frame, fill).sum())


def absent(frame: np.ndarray, fill) -> bool:
    return area(frame, fill) < 1  # nothing, beyond a trace from other colours' anti-aliased edges


def two_balls(steps: str) -> str:
    return scene_text(f"""
        scene s {{
            background solid white
            a = circle at (25%, 30%) radius 60 fill #FF0000
            b = circle at (25%, 70%) radius 60 fill #0000FF
{steps}
        }}
    """)


def steps(*lines: str) -> str:
    return "\n".join(" " * 12 + line for line in lines)


def check_positions(frame_at, text, expected: dict[float, tuple[float, float]]) -> None:
    for t, (ax, bx) in expected.items():
        frame = frame_at(text, t)
        assert x_of(frame, RED) == pytest.approx(ax, abs=0.35), f"a at {t}s"
        assert x_of(frame, BLUE) == pytest.approx(bx, abs=0.35), f"b at {t}s"


def test_steps_run_one_after_another(compile_scene, frame_at):
    text = two_balls(steps(
        "a: move to (75%, 30%) 1s ease linear",
        "b: move to (75%, 70%) 1s ease linear",
    ))
    assert compile_scene(text).duration == pytest.approx(2.0)
    check_positions(frame_at, text, {0.0: (80, 80), 0.5: (160, 80), 1.0: (240, 80), 1.5: (240, 160)})


def test_declaring_takes_no_time(compile_scene, frame_at):
    text = scene_text("""
        scene s {
            background solid white
            a = circle fill #FF0000
            wait 0.5s
            b = circle at (25%, 50%) fill #0000FF
            wait 0.5s
        }
    """)
    assert compile_scene(text).duration == pytest.approx(1.0)
    assert absent(frame_at(text, 0.25), BLUE)  # b appears when its line is reached
    assert area(frame_at(text, 0.75), BLUE) > 100
    assert area(frame_at(text, 0.25), RED) > 100


def test_ampersand_pair_ends_with_the_longer(compile_scene, frame_at):
    text = two_balls(steps(
        "a: move to (75%, 30%) 1s ease linear & b: move to (75%, 70%) 0.5s ease linear",
        "a: move to (25%, 30%) 0.5s ease linear",
    ))
    assert compile_scene(text).duration == pytest.approx(1.5)
    check_positions(frame_at, text, {0.25: (120, 160), 0.75: (200, 240), 1.0: (240, 240), 1.25: (160, 240)})
    # The shorter one first: the pair still lasts as long as the longer.
    flipped = two_balls(steps(
        "b: move to (75%, 70%) 0.5s ease linear & a: move to (75%, 30%) 1s ease linear",
        "a: move to (25%, 30%) 0.5s ease linear",
    ))
    assert compile_scene(flipped).duration == pytest.approx(1.5)
    check_positions(frame_at, flipped, {0.25: (120, 160), 1.25: (160, 240)})


def test_together_block(compile_scene, frame_at):
    text = two_balls(steps(
        "together {",
        "    a: move to (75%, 30%) 1s ease linear",
        "    b: move to (75%, 70%) 0.5s ease linear",
        "}",
        "b: move to (25%, 70%) 0.5s ease linear",
    ))
    assert compile_scene(text).duration == pytest.approx(1.5)
    check_positions(frame_at, text, {0.25: (120, 160), 0.75: (200, 240), 1.25: (240, 160)})


def test_at_block_does_not_move_the_cursor(compile_scene, frame_at):
    text = two_balls(steps(
        "a: move to (75%, 30%) 1s ease linear",
        "at 0.25s {",
        "    b: move to (75%, 70%) 0.5s ease linear",
        "    b: move to (25%, 70%) 0.5s ease linear",
        "}",
        "a: move to (25%, 30%) 0.5s ease linear",
    ))
    assert compile_scene(text).duration == pytest.approx(1.5)
    # Inside the block the steps run in order from 0.25s; after it, a continues at 1.0s.
    check_positions(frame_at, text, {0.25: (120, 80), 0.5: (160, 160), 1.0: (240, 160), 1.25: (160, 80)})


def test_at_block_extends_the_scene(compile_scene, frame_at):
    text = two_balls(steps(
        "a: move to (75%, 30%) 1s ease linear",
        "at 2s {",
        "    b: fade out 0.5s ease linear",
        "}",
    ))
    timeline = compile_scene(text)
    assert timeline.duration == pytest.approx(2.5)
    assert area(frame_at(text, 1.9), BLUE) == pytest.approx(np.pi * 100, rel=0.05)
    assert coverage(frame_at(text, 2.25), BLUE).max() == pytest.approx(0.5, abs=0.02)


def test_element_declared_in_at_block_appears_then(frame_at):
    text = scene_text("""
        scene s {
            background solid white
            at 0.5s {
                c = circle fill #FF0000
            }
            wait 1s
        }
    """)
    assert absent(frame_at(text, 0.4), RED)
    assert area(frame_at(text, 0.6), RED) > 100


def test_wait_moves_the_cursor(compile_scene, frame_at):
    text = two_balls(steps(
        "wait 0.5s",
        "a: move to (75%, 30%) 0.5s ease linear",
        "wait 250ms",
    ))
    assert compile_scene(text).duration == pytest.approx(1.25)
    check_positions(frame_at, text, {0.4: (80, 80), 0.75: (160, 80), 1.1: (240, 80)})


def test_scene_duration_cuts_a_longer_scene(compile_scene, frame_at):
    text = scene_text("""
        scene first (1s) {
            background solid white
            a = circle at (25%, 50%) radius 60 fill #FF0000
            a: move to (75%, 50%) 2s ease linear
        }
        scene second {
            background solid #0000FF
            wait 1s
        }
    """)
    timeline = compile_scene(text)
    assert timeline.duration == pytest.approx(2.0)
    assert [(s.start, s.end) for s in timeline.scenes] == [(0.0, 1.0), (1.0, 2.0)]
    assert x_of(frame_at(text, 0.9), RED) == pytest.approx(80 + 160 * 0.45, abs=0.35)  # cut mid-move
    assert absent(frame_at(text, 1.0), RED) and close(frame_at(text, 1.0)[90, 80], BLUE, 0)


def test_scene_duration_holds_a_shorter_scene(compile_scene, frame_at):
    text = scene_text("""
        scene first (2s) {
            background solid white
            a = circle at (25%, 50%) radius 60 fill #FF0000
            a: move to (75%, 50%) 1s ease linear
        }
    """)
    timeline = compile_scene(text)
    assert timeline.duration == pytest.approx(2.0)
    for t in (1.0, 1.5, 1.99):
        assert x_of(frame_at(text, t), RED) == pytest.approx(240, abs=0.35)


def test_over_scene_runs_to_the_end_without_moving_the_cursor(compile_scene, frame_at):
    text = two_balls(steps(
        "a: move to (75%, 30%) over scene ease linear",
        "wait 1s",
        "b: move to (75%, 70%) 0.5s ease linear",
    ))
    assert compile_scene(text).duration == pytest.approx(1.5)
    check_positions(frame_at, text, {0.5: (80 + 160 / 3, 80), 0.75: (160, 80), 1.25: (80 + 160 * 1.25 / 1.5, 160),
                                     1.499: (240, 240)})


def test_over_scene_with_a_scene_duration(compile_scene, frame_at):
    text = scene_text("""
        scene s (2s) {
            background solid white
            a = circle at (25%, 50%) radius 60 fill #FF0000
            a: move to (75%, 50%) over scene ease linear
            wait 0.5s
        }
    """)
    assert compile_scene(text).duration == pytest.approx(2.0)
    assert x_of(frame_at(text, 1.0), RED) == pytest.approx(160, abs=0.35)


def test_frame_units(compile_scene, frame_at):
    body = """
        scene s {
            background solid white
            a = circle at (25%, 50%) radius 60 fill #FF0000
            wait 12f
            a: move to (75%, 50%) 12f ease linear
        }
    """
    text = scene_text(body)
    timeline = compile_scene(text, fps=24)
    assert timeline.fps == 24 and timeline.duration == pytest.approx(1.0)
    assert x_of(frame_at(text, 0.75, fps=24), RED) == pytest.approx(160, abs=0.35)
    # The same frames at 48 fps are half as long.
    assert compile_scene(text, fps=48).duration == pytest.approx(0.5)
    # fps from the file.
    in_file = compile_scene(scene_text(body, "fps 24"))
    assert in_file.fps == 24 and in_file.duration == pytest.approx(1.0)


def test_remove(compile_scene, frame_at):
    text = scene_text("""
        scene s {
            background solid white
            a = circle fill #FF0000
            wait 0.5s
            a: remove
            a = circle fill #0000FF
            wait 0.5s
        }
    """)
    assert compile_scene(text).duration == pytest.approx(1.0)
    assert area(frame_at(text, 0.25), RED) > 100 and absent(frame_at(text, 0.25), BLUE)
    assert absent(frame_at(text, 0.75), RED) and area(frame_at(text, 0.75), BLUE) > 100


def test_fade_in_hides_the_element_first(frame_at):
    text = scene_text("""
        scene s {
            background solid white
            a = rect size 300 fill #FF0000
            wait 0.5s
            a: fade in 0.5s ease linear
        }
    """)
    assert absent(frame_at(text, 0.0), RED)
    assert absent(frame_at(text, 0.25), RED)
    assert close(frame_at(text, 0.75)[90, 160], (255, 128, 128), 1)
    assert close(frame_at(text, 0.999)[90, 160], RED, 1)


def test_fade_out_then_in(frame_at):
    text = scene_text("""
        scene s {
            background solid white
            a = rect size 300 fill #FF0000
            a: fade out 0.5s
            a: fade in 0.5s
        }
    """)
    assert close(frame_at(text, 0.0)[90, 160], RED, 0)  # visible before it fades out
    assert close(frame_at(text, 0.5)[90, 160], WHITE, 0)
    assert close(frame_at(text, 0.999)[90, 160], RED, 1)


def test_enter_from_left_waits_off_canvas(frame_at):
    text = scene_text("""
        scene s {
            background solid white
            a = circle at (50%, 50%) radius 60 fill #FF0000
            wait 0.5s
            a: enter from left 0.5s
        }
    """)
    assert absent(frame_at(text, 0.0), RED)
    assert absent(frame_at(text, 0.25), RED)
    # out-cubic at half time: 7/8 of the way from x = 160 - 320 to 160.
    assert x_of(frame_at(text, 0.75), RED) == pytest.approx(160 - 320 / 8, abs=0.35)
    assert x_of(frame_at(text, 0.999), RED) == pytest.approx(160, abs=0.35)


def test_enter_from_top_and_exit(frame_at):
    text = scene_text("""
        scene s {
            background solid white
            a = circle radius 60 fill #FF0000
            a: enter from top 0.5s
            a: exit to right 0.5s
        }
    """)
    assert absent(frame_at(text, 0.0), RED)
    cov = coverage(frame_at(text, 0.25), RED)
    assert cov.sum() > 100
    rows = np.nonzero(cov.sum(axis=1))[0]
    assert rows.mean() < 90  # still coming down from above
    assert area(frame_at(text, 0.5), RED) == pytest.approx(np.pi * 100, rel=0.05)
    assert absent(frame_at(text, 0.999), RED)


def test_pop_starts_at_scale_zero(frame_at):
    text = scene_text("""
        scene s {
            background solid white
            a = circle radius 60 fill #FF0000
            wait 0.5s
            a: pop 0.4s
        }
    """)
    full = np.pi * 10 ** 2
    assert absent(frame_at(text, 0.25), RED)
    assert absent(frame_at(text, 0.5), RED)
    # out-back overshoots: 60% of the way through the scale is about 1.1.
    c1 = 1.70158
    k = 1 + (c1 + 1) * (0.6 - 1) ** 3 + c1 * (0.6 - 1) ** 2
    assert area(frame_at(text, 0.5 + 0.4 * 0.6), RED) == pytest.approx(full * k * k, rel=0.03)
    assert area(frame_at(text, 0.899), RED) == pytest.approx(full, rel=0.03)


def test_scale_to_keeps_the_centre(frame_at):
    text = scene_text("""
        scene s {
            background solid white
            a = circle at (25%, 50%) radius 60 fill #FF0000
            a: scale to 2 1s ease linear
        }
    """)
    frame = frame_at(text, 0.5)
    assert area(frame, RED) == pytest.approx(np.pi * 15 ** 2, rel=0.02)
    assert x_of(frame, RED) == pytest.approx(80, abs=0.35)


# -- the encoded video ----------------------------------------------------------------------


@pytest.mark.parametrize("fps, wait", [(24, "1.25s"), (30, "1010ms")])
def test_video_frame_count_and_duration(render_scene, compile_scene, fps, wait):
    text = scene_text(f"""
        scene s {{
            background solid #FF0000
            c = circle at (25%, 50%) radius 60 fill #0000FF
            c: move to (75%, 50%) over scene ease linear
            wait {wait}
        }}
    """)
    timeline = compile_scene(text, size=(160, 90), fps=fps)
    video = render_scene(text, size=(160, 90), fps=fps)
    assert len(video.frames) == timeline.frame_count == round(timeline.duration * fps)
    assert video.fps == pytest.approx(fps)
    assert (video.width, video.height) == (160, 90)
    assert video.duration == pytest.approx(timeline.duration, abs=1 / fps + 1e-3)
    # The ball moves: the first and last frames differ where it was.
    assert video.frames[0][45, 40, 2] > 200 and video.frames[-1][45, 40, 2] < 60


def test_chapters_are_the_scene_starts(compile_scene):
    timeline = compile_scene(scene_text("""
        scene intro {
            wait 1s
        }
        transition crossfade 0.25s
        scene middle (2s) {
            wait 1s
        }
        scene outro {
            wait 0.5s
        }
    """))
    assert [(c.name, c.time) for c in timeline.chapters] == [("intro", 0.0), ("middle", 0.75), ("outro", 2.75)]
    assert [c.time for c in timeline.chapters] == [s.start for s in timeline.scenes]
    assert timeline.duration == pytest.approx(3.25)
