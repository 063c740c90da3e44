"""Transitions between two solid-colour scenes, checked on the frame at the
transition's midpoint (times from the compiled timeline) and on a decoded video.

Scene A is red with a green marker, scene B is blue; each lasts 1s, the
transition 0.5s, so the video is 1.5s long and the midpoint is at 0.75s.
"""
from __future__ import annotations

import numpy as np
import pytest

from helpers import close, scene_text

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 255, 0)
W, H = 320, 180
# Marker positions in scene A for each slide direction: a quarter of the frame
# against the direction, so that at the midpoint it has slid to a quarter along it.
VECTORS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


def two_scenes(transition: str, marker: tuple[float, float] = (50, 50), fps: int | None = None) -> str:
    settings = f"fps {fps}" if fps else ""
    return scene_text(f"""
        scene a {{
            background solid #FF0000
            m = rect at ({marker[0]:g}%, {marker[1]:g}%) size 60 fill #00FF00
            wait 1s
        }}
        transition {transition}
        scene b {{
            background solid #0000FF
            wait 1s
        }}
    """, settings)


def midpoint(timeline) -> float:
    (tr,) = timeline.transitions
    return (tr.start + tr.end) / 2


def frame_at_mid(compile_scene, frame_at, text):
    timeline = compile_scene(text)
    return frame_at(text, midpoint(timeline)), timeline


def fraction_close(region: np.ndarray, colour, tol: int = 6) -> float:
    return float((np.abs(region[..., :3].astype(int) - colour).max(axis=-1) <= tol).mean())


def test_cut(compile_scene, frame_at):
    text = two_scenes("cut")
    timeline = compile_scene(text)
    (tr,) = timeline.transitions
    assert tr.kind == "cut" and tr.start == tr.end == 1.0
    assert timeline.duration == pytest.approx(2.0)
    assert close(frame_at(text, 0.99)[10, 10], RED, 0)
    assert close(frame_at(text, 1.0)[10, 10], BLUE, 0)


def test_cut_ignores_a_duration(compile_scene):
    timeline = compile_scene(two_scenes("cut 0.5s"))
    assert timeline.duration == pytest.approx(2.0)
    assert timeline.scenes[1].start == pytest.approx(1.0)


def test_crossfade_midpoint_is_the_average(compile_scene, frame_at):
    f, timeline = frame_at_mid(compile_scene, frame_at, two_scenes("crossfade 0.5s"))
    (tr,) = timeline.transitions
    assert (tr.kind, tr.start, tr.end, tr.easing) == ("crossfade", 0.5, 1.0, "linear")
    assert close(f[10, 10], (128, 0, 127), 2)
    assert close(f[90, 160], (0, 128, 127), 2)  # A's green marker, half faded into B
    quarter = frame_at(two_scenes("crossfade 0.5s"), tr.start + 0.125)
    assert close(quarter[10, 10], (191, 0, 64), 2)


def test_fade_through_colour(compile_scene, frame_at):
    text = two_scenes("fade-through white 0.5s")
    f, timeline = frame_at_mid(compile_scene, frame_at, text)
    (tr,) = timeline.transitions
    assert tr.kind == "fade-through" and tuple(tr.params["color"]) == (1.0, 1.0, 1.0, 1.0)
    assert fraction_close(f, (255, 255, 255), 1) == 1.0
    # A quarter in: scene A half-way to white. Three quarters: scene B half-way from white.
    a = frame_at(text, tr.start + 0.125)
    assert close(a[10, 10], (255, 128, 128), 2)
    b = frame_at(text, tr.start + 0.375)
    assert close(b[10, 10], (128, 128, 255), 2)
    assert close(b[90, 160], (128, 128, 255), 2)  # scene B: no marker


def test_fade_through_defaults_to_black(compile_scene, frame_at):
    f, timeline = frame_at_mid(compile_scene, frame_at, two_scenes("fade-through 0.5s"))
    assert fraction_close(f, (0, 0, 0), 1) == 1.0
    f, _ = frame_at_mid(compile_scene, frame_at, two_scenes("fade-through #00FF00 0.5s"))
    assert fraction_close(f, GREEN, 1) == 1.0


@pytest.mark.parametrize("direction", ["left", "right", "up", "down"])
def test_slide_pushes_in_its_direction(compile_scene, frame_at, direction):
    dx, dy = VECTORS[direction]
    marker = (50 - 25 * dx, 50 - 25 * dy)
    f, timeline = frame_at_mid(compile_scene, frame_at, two_scenes(f"slide {direction} 0.5s", marker))
    (tr,) = timeline.transitions
    assert tr.easing == "in-out-cubic" and tr.params["direction"] == direction
    # At p = 0.5 scene A covers the half it is moving towards, scene B the half it comes from.
    if dx:
        a_half, b_half = (f[:, :W // 2], f[:, W // 2:]) if dx < 0 else (f[:, W // 2:], f[:, :W // 2])
    else:
        a_half, b_half = (f[:H // 2], f[H // 2:]) if dy < 0 else (f[H // 2:], f[:H // 2])
    assert fraction_close(b_half, BLUE) == 1.0
    assert fraction_close(a_half, RED) + fraction_close(a_half, GREEN) == pytest.approx(1.0)
    # A's content moved with it: its marker is now a quarter of the frame along the direction.
    mx, my = round(W * (0.5 + 0.25 * dx)), round(H * (0.5 + 0.25 * dy))
    assert close(f[my, mx], GREEN, 0)


def test_slide_defaults_to_left(compile_scene, frame_at):
    left, _ = frame_at_mid(compile_scene, frame_at, two_scenes("slide left 0.5s"))
    default, _ = frame_at_mid(compile_scene, frame_at, two_scenes("slide 0.5s"))
    assert np.array_equal(left, default)


def test_slide_is_eased(compile_scene, frame_at):
    text = two_scenes("slide left 0.5s")
    timeline = compile_scene(text)
    (tr,) = timeline.transitions
    f = frame_at(text, tr.start + 0.125)  # in-out-cubic at 1/4: B has come in 1/16 of the width
    blue_cols = np.nonzero(np.abs(f[90, :, :3].astype(int) - BLUE).max(axis=-1) <= 6)[0]
    assert len(blue_cols) == pytest.approx(W / 16, abs=1)
    assert blue_cols.min() >= W - W / 16 - 1


@pytest.mark.parametrize("direction", ["left", "right", "up", "down"])
def test_wipe_reveals_without_moving(compile_scene, frame_at, direction):
    dx, dy = VECTORS[direction]
    # The marker sits on the half that is still scene A at the midpoint; it must not move.
    marker = (50 + 25 * dx, 50 + 25 * dy)
    f, timeline = frame_at_mid(compile_scene, frame_at, two_scenes(f"wipe {direction} 0.5s", marker))
    (tr,) = timeline.transitions
    assert tr.kind == "wipe" and tr.easing == "in-out-cubic"
    # The edge travels in the named direction: B shows on the side the edge started from.
    if dx:
        a_half, b_half = (f[:, :W // 2], f[:, W // 2:]) if dx < 0 else (f[:, W // 2:], f[:, :W // 2])
    else:
        a_half, b_half = (f[:H // 2], f[H // 2:]) if dy < 0 else (f[H // 2:], f[:H // 2])
    assert fraction_close(b_half, BLUE) == 1.0
    assert fraction_close(a_half, RED) + fraction_close(a_half, GREEN) == pytest.approx(1.0)
    mx, my = round(W * marker[0] / 100), round(H * marker[1] / 100)
    assert close(f[my, mx], GREEN, 0)  # where A had it


def test_wipe_edge_moves(compile_scene, frame_at):
    text = two_scenes("wipe right 0.5s ease linear")
    timeline = compile_scene(text)
    (tr,) = timeline.transitions
    for p in (0.2, 0.7):
        f = frame_at(text, tr.start + p * 0.5)
        blue_cols = np.nonzero(np.abs(f[10, :, :3].astype(int) - BLUE).max(axis=-1) <= 6)[0]
        assert blue_cols.min() == 0 and len(blue_cols) == pytest.approx(p * W, abs=1)


def test_zoom_enlarges_and_fades_the_first_scene(compile_scene, frame_at):
    # Marker at 60% across: at p = 0.5 scene A is scaled 1.5x about the centre, so it shows at 65%.
    text = two_scenes("zoom 0.5s", marker=(60, 50))
    f, timeline = frame_at_mid(compile_scene, frame_at, text)
    (tr,) = timeline.transitions
    assert tr.kind == "zoom" and tr.easing == "in-out-cubic"
    half_red = (128, 0, 127)
    assert close(f[10, 10], half_red, 2) and close(f[170, 310], half_red, 2)
    assert close(f[90, round(0.65 * W)], (0, 128, 127), 2)  # the marker, half faded over B
    assert close(f[90, round(0.60 * W) - 14], half_red, 2)  # where the unscaled marker's edge was
    # Near the end scene A has almost gone.
    late = frame_at(text, tr.end - 0.01)
    assert close(late[10, 10], BLUE, 4)


def test_dissolve_mixes_whole_pixels(compile_scene, frame_at):
    text = two_scenes("dissolve 0.5s")
    f, timeline = frame_at_mid(compile_scene, frame_at, text)
    (tr,) = timeline.transitions
    assert tr.kind == "dissolve" and tr.easing == "linear"
    background = f[:60]  # above the marker
    red, blue = fraction_close(background, RED, 0), fraction_close(background, BLUE, 0)
    assert red + blue == 1.0  # every pixel is from one scene or the other, never a blend
    assert blue == pytest.approx(0.5, abs=0.05)
    quarter = frame_at(text, tr.start + 0.125)
    assert fraction_close(quarter[:60], BLUE, 0) == pytest.approx(0.25, abs=0.05)
    # Seeded: the same pattern every time, and pixels once revealed stay revealed.
    assert np.array_equal(f, frame_at(text, midpoint(timeline)))
    was_blue = np.abs(quarter[..., :3].astype(int) - BLUE).max(axis=-1) == 0
    assert (np.abs(f[..., :3].astype(int) - BLUE).max(axis=-1)[was_blue] == 0).all()


# -- timing --------------------------------------------------------------------------------


def test_transition_overlaps_scenes(compile_scene):
    timeline = compile_scene(scene_text("""
        scene one {
            wait 3s
        }
        transition crossfade 0.5s
        scene two {
            wait 2s
        }
        transition slide up 0.25s
        scene three {
            wait 1s
        }
        scene four {
            wait 1s
        }
    """))
    assert timeline.duration == pytest.approx(3 + 2 + 1 + 1 - 0.5 - 0.25)
    starts = [s.start for s in timeline.scenes]
    assert starts == pytest.approx([0.0, 2.5, 4.25, 5.25])
    ends = [s.end for s in timeline.scenes]
    assert ends == pytest.approx([3.0, 4.5, 5.25, 6.25])
    a, b = timeline.transitions
    assert (a.start, a.end, a.from_scene, a.to_scene) == pytest.approx((2.5, 3.0, 0, 1))
    assert (b.start, b.end, b.from_scene, b.to_scene) == pytest.approx((4.25, 4.5, 1, 2))


def test_scene_b_animations_run_during_the_transition(compile_scene, frame_at):
    """Scene B's clock starts when the transition starts."""
    text = scene_text("""
        scene a {
            background solid #FF0000
            wait 1s
        }
        transition wipe left 0.5s ease linear
        scene b {
            background solid #0000FF
            c = circle at (75%, 50%) radius 60 fill #00FF00
            c: fade in 0.5s ease linear
            wait 0.5s
        }
    """)
    timeline = compile_scene(text)
    assert timeline.scenes[1].start == pytest.approx(0.5)
    f = frame_at(text, 0.75)  # b is 0.25s in: the circle is half faded in
    assert close(f[90, 240], (0, 128, 127), 2)


@pytest.mark.parametrize("transition, check", [
    ("crossfade 0.5s", "average"),
    ("slide left 0.5s", "halves"),
])
def test_rendered_video(render_scene, frame_at, compile_scene, transition, check):
    text = two_scenes(transition, marker=(75, 50), fps=20)
    timeline = compile_scene(text)
    video = render_scene(text)
    assert len(video.frames) == round(1.5 * 20) == timeline.frame_count
    mid = midpoint(timeline)
    assert mid * video.fps == pytest.approx(15)  # a frame lands on the midpoint
    decoded = video.at(mid).astype(int)
    raw = frame_at(text, mid)[..., :3].astype(int)
    # Away from the edges between colours (chroma subsampling blurs them) the decoded frame matches.
    if check == "average":
        assert close(decoded[10, 10], (128, 0, 127), 12)
        assert np.abs(decoded - raw)[:, :, :].mean() < 4
    else:
        assert close(decoded[90, 40], RED, 12) and close(decoded[90, 280], BLUE, 12)
        assert close(decoded[90, 80], GREEN, 16)  # A's marker, slid from 75% to 25%
        assert np.median(np.abs(decoded - raw)) <= 2
    # Before and after the transition, one scene each.
    assert close(video.at(0.25)[10, 10], RED, 12)
    assert close(video.at(1.25)[10, 10], BLUE, 12)


def test_transition_longer_than_a_scene_is_an_error(compile_scene):
    from storyreel.dsl import SceneError

    with pytest.raises(SceneError, match="longer than scene"):
        compile_scene(two_scenes("crossfade 1.5s"))
