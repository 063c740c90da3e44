"""Every element kind draws where the language guide says, in the right colours.

Frames come straight from the rasteriser (`frame_at`); positions are checked on
real pixels. At the default test size (320x180) one design pixel is 1/6 of a
canvas pixel, so sizes here are multiples of 6.
"""
from __future__ import annotations

import numpy as np
import pytest
import skia

from helpers import close, scene_text
from storyreel.engine.raster.raster import Rasterizer

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 255, 0)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)


def one_scene(body: str, settings: str = "", background: str = "background solid white") -> str:
    lines = "\n".join("    " + line.strip() for line in body.strip().splitlines())
    return scene_text(f"scene s {{\n    {background}\n{lines}\n    wait 1s\n}}\n", settings)


def coverage(frame: np.ndarray, fill, bg=WHITE) -> np.ndarray:
    """How much of each pixel is `fill` over `bg` (0..1); 0 for pixels off that blend."""
    rgb = frame[..., :3].astype(float)
    fill, bg = np.array(fill[:3], float), np.array(bg[:3], float)
    d = fill - bg
    k = np.clip(((rgb - bg) @ d) / (d @ d), 0.0, 1.0)
    off = np.linalg.norm(rgb - bg - k[..., None] * d, axis=-1)
    return np.where(off <= 24, k, 0.0)


def centroid(cov: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(cov.shape)
    total = cov.sum()
    assert total > 0, "nothing drawn"
    return float((xs * cov).sum() / total) + 0.5, float((ys * cov).sum() / total) + 0.5


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the set pixels, x1/y1 exclusive."""
    ys, xs = np.nonzero(mask)
    assert len(xs), "nothing drawn"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def write_png(path, rgba: np.ndarray) -> None:
    image = skia.Image.fromarray(np.ascontiguousarray(rgba, dtype=np.uint8), colorType=skia.kRGBA_8888_ColorType)
    path.write_bytes(bytes(image.encodeToData(skia.kPNG, 100)))


def solid_blocks(width: int, height: int, blocks) -> np.ndarray:
    """An RGBA image filled block by block: [(x0, y0, x1, y1, colour), ...]."""
    img = np.zeros((height, width, 4), np.uint8)
    img[..., 3] = 255
    for x0, y0, x1, y1, colour in blocks:
        img[y0:y1, x0:x1, :3] = colour
    return img


# -- shapes ---------------------------------------------------------------------------------


def test_rect_fill_and_edges(frame_at):
    # 600 x 300 design px = 100 x 50 canvas px, centred at (160, 90).
    f = frame_at(one_scene("r = rect at (50%, 50%) size 600 300 fill #FF0000"), 0.5)
    assert close(f[90, 160], RED, 0)
    assert close(f[66, 111], RED, 0) and close(f[114, 209], RED, 0)  # just inside the corners
    assert close(f[63, 160], WHITE, 0) and close(f[117, 160], WHITE, 0)
    assert close(f[90, 108], WHITE, 0) and close(f[90, 212], WHITE, 0)
    assert coverage(f, RED).sum() == pytest.approx(100 * 50, abs=2)


def test_rect_corner_radius(frame_at):
    sharp = frame_at(one_scene("r = rect size 600 300 fill #FF0000"), 0.5)
    round_ = frame_at(one_scene("r = rect size 600 300 radius 150 fill #FF0000"), 0.5)
    corner = (66, 111)  # one pixel inside the top-left corner of the box
    assert close(sharp[corner], RED, 0)
    assert close(round_[corner], WHITE, 0)
    # The middles of the edges are still filled.
    assert close(round_[66, 160], RED, 0) and close(round_[90, 111], RED, 0)
    # A 25 px radius cuts (4 - pi) r^2 from the area.
    assert coverage(round_, RED).sum() == pytest.approx(100 * 50 - (4 - np.pi) * 25 ** 2, rel=0.01)


def test_rect_stroke(frame_at):
    f = frame_at(one_scene("r = rect size 600 300 fill #FFFFFF stroke #0000FF 24"), 0.5)
    # The 4 px stroke is centred on the edge at x = 110.
    assert close(f[90, 110], BLUE, 0)
    assert close(f[90, 160], WHITE, 0)
    assert close(f[90, 100], WHITE, 0)


def test_circle(frame_at):
    f = frame_at(one_scene("c = circle at (50%, 50%) radius 300 fill #0000FF"), 0.5)  # r = 50 px
    assert close(f[90, 160], BLUE, 0)
    assert close(f[90, 205], BLUE, 0) and close(f[46, 160], BLUE, 0)
    assert close(f[90 - 40, 160 - 40], WHITE, 0)  # inside the bounding box, outside the circle
    assert close(f[90, 215], WHITE, 0)
    assert coverage(f, BLUE).sum() == pytest.approx(np.pi * 50 ** 2, rel=0.01)


def test_circle_size_is_its_diameter(frame_at):
    a = frame_at(one_scene("c = circle radius 300 fill #0000FF"), 0.5)
    b = frame_at(one_scene("c = circle size 600 fill #0000FF"), 0.5)
    assert np.array_equal(a, b)


def test_ellipse(frame_at):
    f = frame_at(one_scene("e = ellipse size 600 240 fill #00FF00"), 0.5)  # 100 x 40
    assert close(f[90, 160], GREEN, 0)
    assert close(f[90, 205], GREEN, 0)  # along the long axis
    assert close(f[90 + 25, 160], WHITE, 0)  # past the short axis
    assert close(f[90 + 15, 160 + 45], WHITE, 0)  # outside the curve, inside the box
    assert coverage(f, GREEN).sum() == pytest.approx(np.pi * 50 * 20, rel=0.01)


def test_line(frame_at):
    f = frame_at(one_scene("l = line from (10%, 50%) to (90%, 50%) stroke #000080 30"), 0.5)  # 5 px thick
    navy = (0, 0, 128)
    for x in (40, 100, 160, 279):
        assert close(f[90, x], navy, 0)
    assert close(f[90, 20], WHITE, 0) and close(f[90, 300], WHITE, 0)  # beyond the ends (and caps)
    assert close(f[84, 160], WHITE, 0) and close(f[96, 160], WHITE, 0)


def test_diagonal_line_goes_between_its_points(frame_at):
    f = frame_at(one_scene("l = line from (0%, 0%) to (100%, 100%) stroke #000000 30"), 0.5)
    assert close(f[90, 160], BLACK, 0)
    assert close(f[45, 80], BLACK, 0)
    assert close(f[45, 240], WHITE, 0) and close(f[135, 80], WHITE, 0)


def test_polygon_sides(frame_at):
    # Four sides, radius 50 px, first vertex at the top: a diamond.
    f = frame_at(one_scene("p = polygon sides 4 radius 300 fill #FF0000"), 0.5)
    assert close(f[90, 160], RED, 0)
    assert close(f[90 - 45, 160], RED, 0) and close(f[90, 160 + 45], RED, 0)  # towards the vertices
    assert close(f[90 - 20, 160 - 20], RED, 0)
    assert close(f[90 - 30, 160 - 30], WHITE, 0)  # |dx| + |dy| > r: outside the diamond
    assert coverage(f, RED).sum() == pytest.approx(2 * 50 ** 2, rel=0.01)


def test_polygon_triangle_points_up(frame_at):
    f = frame_at(one_scene("p = polygon sides 3 radius 300 fill #FF0000"), 0.5)
    cov = coverage(f, RED)
    x0, y0, x1, y1 = bbox(cov > 0.5)
    top_row, bottom_row = cov[y0 + 2], cov[y1 - 3]
    assert top_row.sum() < bottom_row.sum() / 4  # narrow at the top, wide at the bottom
    assert abs((x0 + x1) / 2 - 160) <= 1


def test_polygon_points(frame_at):
    # A right triangle with legs along the top and the left; its box is centred on `at`.
    f = frame_at(one_scene("p = polygon at (50%, 50%) points (0, 0) (600, 0) (0, 600) fill #0000FF"), 0.5)
    cov = coverage(f, BLUE)
    assert bbox(cov > 0.5) == (110, 40, 210, 140)
    assert close(f[45, 115], BLUE, 0)  # near the right angle
    assert close(f[135, 205], WHITE, 0)  # the missing corner
    assert cov.sum() == pytest.approx(100 * 100 / 2, rel=0.02)


def test_star(frame_at):
    # Five points, outer radius 80 px, inner 0.4 * 80 = 32 px; the first tip points up.
    f = frame_at(one_scene("s = star points 5 radius 480 inner 0.4 fill #FF0000"), 0.5)
    cx, cy = 160, 90
    assert close(f[cy, cx], RED, 0)
    assert close(f[cy - 70, cx], RED, 0)  # the top tip
    tip = np.radians(-18)  # the second tip
    assert close(f[round(cy + 60 * np.sin(tip)), round(cx + 60 * np.cos(tip))], RED, 0)
    notch = np.radians(-54)  # between the first two tips, beyond the inner radius
    assert close(f[round(cy + 60 * np.sin(notch)), round(cx + 60 * np.cos(notch))], WHITE, 0)


def test_star_inner_ratio_changes_its_area(frame_at):
    thin = coverage(frame_at(one_scene("s = star radius 480 inner 0.2 fill #FF0000"), 0.5), RED).sum()
    fat = coverage(frame_at(one_scene("s = star radius 480 inner 0.8 fill #FF0000"), 0.5), RED).sum()
    assert fat > 2.5 * thin


def test_path_is_relative_to_at(frame_at):
    # Triangle (0,0) (100,0) (100,100) in canvas px, starting at (80, 45).
    f = frame_at(one_scene('p = path "M 0 0 L 600 0 L 600 600 Z" at (25%, 25%) fill #00FF00'), 0.5)
    assert close(f[60, 160], GREEN, 0)  # above the diagonal
    assert close(f[120, 100], WHITE, 0)  # below the diagonal
    assert close(f[40, 120], WHITE, 0)  # above the top edge
    assert bbox(coverage(f, GREEN) > 0.5) == (80, 45, 180, 145)


def test_path_with_anchor_centres_its_box(frame_at):
    f = frame_at(one_scene('p = path "M 0 0 L 600 0 L 600 600 Z" at (50%, 50%) anchor center fill #00FF00'), 0.5)
    assert bbox(coverage(f, GREEN) > 0.5) == (110, 40, 210, 140)


def test_path_stroke_only(frame_at):
    f = frame_at(one_scene('p = path "M 0 0 L 600 0" at (25%, 50%) stroke #0000FF 24 fill transparent'), 0.5)
    assert close(f[90, 130], BLUE, 0)
    assert close(f[80, 130], WHITE, 0)


# -- images and SVG ----------------------------------------------------------------------------


def test_image_element(frame_at, tmp_path):
    write_png(tmp_path / "pic.png", solid_blocks(40, 20, [(0, 0, 20, 20, RED), (20, 0, 40, 20, BLUE)]))
    # 600 design px wide = 100 canvas px; the height keeps the 2:1 aspect ratio.
    f = frame_at(one_scene('i = image "pic.png" at (50%, 50%) width 600'), 0.5)
    assert close(f[90, 130], RED, 2) and close(f[70, 115], RED, 2)
    assert close(f[90, 190], BLUE, 2) and close(f[110, 205], BLUE, 2)
    assert close(f[90, 105], WHITE, 0) and close(f[90, 215], WHITE, 0)
    assert close(f[60, 160], WHITE, 0) and close(f[120, 160], WHITE, 0)


def test_image_height_keeps_aspect(frame_at, tmp_path):
    write_png(tmp_path / "pic.png", solid_blocks(40, 20, [(0, 0, 40, 20, RED)]))
    f = frame_at(one_scene('i = image "pic.png" height 300'), 0.5)  # 50 px high -> 100 px wide
    assert bbox(coverage(f, RED) > 0.5) == (110, 65, 210, 115)


def test_svg_element(frame_at, tmp_path):
    (tmp_path / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50">'
        '<rect x="0" y="0" width="50" height="50" fill="#00FF00"/>'
        '<rect x="50" y="0" width="50" height="50" fill="#0000FF"/></svg>', encoding="utf-8")
    f = frame_at(one_scene('s = svg "logo.svg" height 300'), 0.5)  # 50 px high, 100 px wide
    assert close(f[90, 130], GREEN, 2) and close(f[68, 113], GREEN, 2)
    assert close(f[90, 190], BLUE, 2) and close(f[112, 207], BLUE, 2)
    assert close(f[90, 106], WHITE, 0) and close(f[90, 214], WHITE, 0)
    assert close(f[61, 160], WHITE, 0) and close(f[119, 160], WHITE, 0)


# -- backgrounds ------------------------------------------------------------------------------


def test_background_solid_and_canvas_colour(frame_at):
    f = frame_at(one_scene("", background="background solid #123456"), 0.5)
    assert (f[..., :3] == (0x12, 0x34, 0x56)).all()
    # No background in the scene: the video's canvas colour shows.
    f = frame_at(scene_text("scene s {\n    wait 1s\n}\n", "background #654321"), 0.5)
    assert (f[..., :3] == (0x65, 0x43, 0x21)).all()


def test_background_colour_shorthand(frame_at):
    f = frame_at(one_scene("", background="background tomato"), 0.5)
    assert close(f[90, 160], (255, 99, 71), 0)


def test_gradient_vertical(frame_at):
    f = frame_at(one_scene("", background="background gradient #FF0000 #0000FF vertical"), 0.5)
    assert close(f[0, 160], RED, 4) and close(f[0, 0], RED, 4)
    assert close(f[179, 160], BLUE, 4) and close(f[179, 319], BLUE, 4)
    assert close(f[90, 160], (127, 0, 128), 6)
    assert (f[5, :, :3].astype(int) - f[5, 0, :3]).std() < 2  # constant along a row


def test_gradient_horizontal(frame_at):
    f = frame_at(one_scene("", background="background gradient #FF0000 #0000FF horizontal"), 0.5)
    assert close(f[90, 0], RED, 4) and close(f[0, 0], RED, 4)
    assert close(f[90, 319], BLUE, 4) and close(f[179, 319], BLUE, 4)
    assert close(f[90, 160], (127, 0, 128), 6)


def test_gradient_default_is_vertical_and_takes_three_colours(frame_at):
    f = frame_at(one_scene("", background="background gradient #FF0000 #00FF00 #0000FF"), 0.5)
    assert close(f[0, 160], RED, 6)
    assert close(f[90, 160], GREEN, 6)
    assert close(f[179, 160], BLUE, 6)


def test_gradient_radial(frame_at):
    f = frame_at(one_scene("", background="background gradient #FF0000 #0000FF radial"), 0.5)
    assert close(f[90, 160], RED, 4)
    for y, x in ((0, 0), (0, 319), (179, 0), (179, 319)):
        assert close(f[y, x], BLUE, 6)
    # Equal distances from the centre have equal colours.
    assert close(f[90, 160 + 60], f[90 - 60, 160], 3)


def test_background_image_cover_and_contain(frame_at, tmp_path):
    # A square image, top half red, bottom half blue, on a 16:9 canvas.
    write_png(tmp_path / "sq.png", solid_blocks(100, 100, [(0, 0, 100, 50, RED), (0, 50, 100, 100, BLUE)]))
    cover = frame_at(one_scene("", background='background image "sq.png" fit cover'), 0.5)
    # Scaled to 320 x 320 and cropped: no bars; the colour boundary is at the middle row.
    for y, x in ((2, 2), (2, 317), (85, 160)):
        assert close(cover[y, x], RED, 2)
    for y, x in ((177, 2), (177, 317), (95, 160)):
        assert close(cover[y, x], BLUE, 2)
    assert not (cover[..., :3].sum(axis=-1) < 30).any()

    contain = frame_at(one_scene("", background='background image "sq.png" fit contain'), 0.5)
    # Scaled to 180 x 180, centred: black bars 70 px wide on the left and right.
    assert close(contain[90, 10], BLACK, 0) and close(contain[90, 310], BLACK, 0)
    assert close(contain[90, 68], BLACK, 0) and close(contain[90, 252], BLACK, 0)
    assert close(contain[40, 160], RED, 2) and close(contain[2, 72], RED, 2)
    assert close(contain[140, 160], BLUE, 2) and close(contain[177, 247], BLUE, 2)

    default = frame_at(one_scene("", background='background image "sq.png"'), 0.5)
    assert np.array_equal(default, cover)


def test_ken_burns_zoom_on_image(frame_at, tmp_path):
    # Red, with a green rectangle over the middle half of each side.
    write_png(tmp_path / "kb.png", solid_blocks(320, 180, [(0, 0, 320, 180, RED), (80, 45, 240, 135, GREEN)]))
    text = one_scene("background: zoom 1.0 -> 2.0 over scene ease linear",
                     background='background image "kb.png"')
    start = frame_at(text, 0.0)
    assert close(start[5, 5], RED, 2) and close(start[90, 160], GREEN, 2)
    middle = frame_at(text, 0.5)  # zoom 1.5: (5, 5) shows image point (57, 33), still red
    assert close(middle[5, 5], RED, 2) and close(middle[40, 60], GREEN, 2)
    end = frame_at(text, 0.999)  # zoom 2: only the centre half is visible
    inner = end[3:-3, 3:-3, :3].reshape(-1, 3)
    assert all(close(p, GREEN, 4) for p in inner[::97])


@pytest.mark.parametrize("backdrop, covers", [
    ('background image "kb.png" fit contain', True),
    ("background gradient #112233 #DDEEFF vertical", True),
    ("background forest", True),
    ("background gradient #FF000080 #0000FF80 vertical", False),  # translucent: the canvas shows through
])
def test_an_opaque_backdrop_hides_the_canvas_colour_exactly(compile_scene, tmp_path, backdrop, covers):
    """The rasteriser does not clear under a full-opacity backdrop that covers every
    pixel (a photo, or one that came out opaque), zoomed in or not: the canvas colour
    must then make no difference to any pixel, in any frame."""
    write_png(tmp_path / "kb.png", solid_blocks(320, 180, [(0, 0, 320, 180, RED), (80, 45, 240, 135, GREEN)]))
    frames = {}
    for colour in ("#FF00FF", "#00FFFF"):
        text = one_scene("background: zoom 1.0 -> 1.3 over scene ease linear", f"background {colour}",
                         background=backdrop)
        timeline = compile_scene(text)
        raster = Rasterizer(timeline.width, timeline.height)  # one for all frames: the backdrop is cached
        frames[colour] = [raster.draw(timeline.sample(t)).copy() for t in (0.0, 0.37, 0.9)]
    for a, b in zip(*frames.values()):
        assert np.array_equal(a, b) == covers
    assert not np.array_equal(frames["#FF00FF"][0], frames["#FF00FF"][1])  # the zoom did move


def test_ken_burns_pan_and_clamp(frame_at, tmp_path):
    write_png(tmp_path / "q.png", solid_blocks(320, 180, [
        (0, 0, 160, 90, RED), (160, 0, 320, 90, GREEN), (0, 90, 160, 180, BLUE), (160, 90, 320, 180, (255, 255, 0)),
    ]))
    for target in ("(25%, 25%)", "(0%, 0%)"):  # the second is clamped: the view never leaves the image
        text = one_scene(f"background: zoom to 2 0s\nbackground: pan to {target} 0s",
                         background='background image "q.png"')
        f = frame_at(text, 0.5)
        inner = f[3:-3, 3:-3, :3]
        assert (np.abs(inner.astype(int) - RED).max(axis=-1) <= 4).all(), target


def test_pan_moves_over_time(frame_at, tmp_path):
    write_png(tmp_path / "q.png", solid_blocks(320, 180, [(0, 0, 160, 180, RED), (160, 0, 320, 180, BLUE)]))
    text = one_scene("background: zoom to 2 0s\nbackground: pan to (75%, 50%) over 1s",
                     background='background image "q.png"')
    assert close(frame_at(text, 0.0)[90, 100], RED, 2)  # centred: the boundary is at x = 160
    assert close(frame_at(text, 0.999)[90, 20], BLUE, 2)  # the right half fills the frame


def test_later_background_replaces_earlier(frame_at):
    text = scene_text("scene s {\n    background solid #FF0000\n    wait 0.5s\n"
                      "    background solid #0000FF\n    wait 0.5s\n}\n")
    assert close(frame_at(text, 0.25)[90, 160], RED, 0)
    assert close(frame_at(text, 0.75)[90, 160], BLUE, 0)


# -- design pixels, anchors, safe areas ------------------------------------------------------

DESIGN = one_scene("""
r = rect at (25%, 50%) size 300 150 fill #FF0000
c = circle at (75%, 20%) radius 100 fill #0000FF
""")


@pytest.mark.parametrize("size", [(384, 216), (216, 384), (320, 180), (200, 200)])
def test_design_pixels_scale_with_the_shorter_side(frame_at, size):
    w, h = size
    u = min(w, h) / 1080
    f = frame_at(DESIGN, 0.5, size=size)
    red = coverage(f, RED)
    assert red.sum() == pytest.approx(300 * u * 150 * u, rel=0.02)
    cx, cy = centroid(red)
    assert cx == pytest.approx(0.25 * w, abs=0.3) and cy == pytest.approx(0.5 * h, abs=0.3)
    blue = coverage(f, BLUE)
    assert blue.sum() == pytest.approx(np.pi * (100 * u) ** 2, rel=0.03)
    cx, cy = centroid(blue)
    assert cx == pytest.approx(0.75 * w, abs=0.3) and cy == pytest.approx(0.2 * h, abs=0.3)


def test_percent_sizes(frame_at):
    f = frame_at(one_scene("r = rect size 50% 20% fill #FF0000"), 0.5)
    assert bbox(coverage(f, RED) > 0.5) == (80, 72, 240, 108)
    f = frame_at(one_scene("c = circle radius 10% fill #FF0000"), 0.5)  # 10% of the shorter side
    assert coverage(f, RED).sum() == pytest.approx(np.pi * 18 ** 2, rel=0.02)


def test_pixel_positions_are_design_pixels(frame_at):
    f = frame_at(one_scene("r = rect at (600, 300) size 60 60 fill #FF0000"), 0.5, size=(384, 216))
    assert centroid(coverage(f, RED)) == pytest.approx((120, 60), abs=0.3)


@pytest.mark.parametrize("anchor, box", [
    ("top-left", (0, 0, 60, 30)),
    ("top-right", (260, 0, 320, 30)),
    ("bottom-left", (0, 150, 60, 180)),
    ("bottom-right", (260, 150, 320, 180)),
    ("top", (130, 0, 190, 30)),
    ("bottom", (130, 150, 190, 180)),
    ("left", (0, 75, 60, 105)),
    ("right", (260, 75, 320, 105)),
    ("center", (130, 75, 190, 105)),
])
def test_named_anchors_align_the_element(frame_at, anchor, box):
    f = frame_at(one_scene(f"r = rect at {anchor} size 360 180 fill #FF0000"), 0.5)
    assert bbox(coverage(f, RED) > 0.5) == box


def test_explicit_anchor(frame_at):
    f = frame_at(one_scene("r = rect at (50%, 50%) anchor top-left size 360 180 fill #FF0000"), 0.5)
    assert bbox(coverage(f, RED) > 0.5) == (160, 90, 220, 120)
    f = frame_at(one_scene("r = rect at (50%, 50%) anchor (0.5, 1) size 360 180 fill #FF0000"), 0.5)
    assert bbox(coverage(f, RED) > 0.5) == (130, 60, 190, 90)


SAFE = one_scene("""
b = rect at safe-bottom size 100 50 fill #FF0000
t = rect at safe-top-left size 100 50 fill #0000FF
e = rect at bottom size 100 50 fill #00FF00
""")


def test_safe_anchors_with_shorts_preset_option(frame_at):
    from storyreel.engine.publish.presets import PRESETS

    w, h = 216, 384
    x0, y0, x1, y1 = PRESETS["shorts"].safe.rect(w, h)
    assert y1 < h - 50 and x1 < w - 30  # the margins are real
    f = frame_at(SAFE, 0.5, size=(w, h), preset="shorts")
    # 100 x 50 design px = 20 x 10 canvas px (1 px = 216/1080).
    red = coverage(f, RED) > 0.5
    assert bbox(red) == (round((x0 + x1) / 2) - 10, round(y1) - 10, round((x0 + x1) / 2) + 10, round(y1))
    assert not red[round(y1):].any()  # nothing below the safe margin
    blue = coverage(f, BLUE) > 0.5
    assert bbox(blue) == (round(x0), round(y0), round(x0) + 20, round(y0) + 10)
    # `bottom` (not safe) sits on the canvas edge.
    assert bbox(coverage(f, GREEN) > 0.5) == (w // 2 - 10, h - 10, w // 2 + 10, h)


def test_safe_anchors_with_preset_in_file(frame_at):
    by_option = frame_at(SAFE, 0.5, size=(216, 384), preset="shorts")
    in_file = frame_at(SAFE.replace('video "test" {', 'video "test" {\n    preset shorts', 1), 0.5, size=(216, 384))
    assert np.array_equal(by_option, in_file)
    youtube = frame_at(SAFE, 0.5, size=(216, 384))  # default preset: 5% margins all round
    y = bbox(coverage(youtube, RED) > 0.5)[3]
    assert y == round(384 * 0.95)


# -- opacity, z order, groups ---------------------------------------------------------------


def test_opacity_blends_with_background(frame_at):
    f = frame_at(one_scene("r = rect size 600 300 fill #FF0000 opacity 0.5"), 0.5)
    assert close(f[90, 160], (255, 128, 128), 1)


def test_translucent_colour(frame_at):
    f = frame_at(one_scene("r = rect size 600 300 fill #0000FF80"), 0.5)
    assert close(f[90, 160], (127, 127, 255), 1)


def test_z_order(frame_at):
    plain = frame_at(one_scene("""
        a = rect at (45%, 50%) size 300 fill #FF0000
        b = rect at (55%, 50%) size 300 fill #0000FF
    """), 0.5)
    assert close(plain[90, 160], BLUE, 0)  # declared later, on top
    raised = frame_at(one_scene("""
        a = rect at (45%, 50%) size 300 fill #FF0000 z 2
        b = rect at (55%, 50%) size 300 fill #0000FF
    """), 0.5)
    assert close(raised[90, 160], RED, 0)
    for f in (plain, raised):  # the parts that do not overlap are unaffected
        assert close(f[90, 120], RED, 0) and close(f[90, 200], BLUE, 0)


def test_background_is_behind_everything(frame_at):
    f = frame_at(scene_text("""
        scene s {
            r = rect size 300 fill #FF0000 z -5
            background solid #0000FF
            wait 1s
        }
    """), 0.5)
    assert close(f[90, 160], RED, 0) and close(f[5, 5], BLUE, 0)


GROUP = """
g = group at (25%, 50%) {
    dot = circle radius 60 fill #FF0000
    box = rect at (120, 0) size 60 fill #0000FF
}
"""


def test_group_children_are_relative_to_the_group(frame_at):
    f = frame_at(one_scene(GROUP), 0.5)
    assert centroid(coverage(f, RED)) == pytest.approx((80, 90), abs=0.3)
    assert centroid(coverage(f, BLUE)) == pytest.approx((100, 90), abs=0.3)


def test_moving_a_group_moves_its_children(frame_at):
    text = one_scene(GROUP + "g: move to (75%, 50%) 1s ease linear")
    for t, gx in ((0.0, 80), (0.5, 160), (0.999, 239.84)):
        f = frame_at(text, t)
        assert centroid(coverage(f, RED)) == pytest.approx((gx, 90), abs=0.3)
        assert centroid(coverage(f, BLUE)) == pytest.approx((gx + 20, 90), abs=0.3)


def test_group_scale_rotate_opacity(frame_at):
    f = frame_at(one_scene(GROUP.replace("group at (25%, 50%)", "group at (25%, 50%) scale 2")), 0.5)
    assert centroid(coverage(f, BLUE)) == pytest.approx((120, 90), abs=0.3)
    assert coverage(f, RED).sum() == pytest.approx(np.pi * 20 ** 2, rel=0.02)
    f = frame_at(one_scene(GROUP.replace("group at (25%, 50%)", "group at (25%, 50%) rotate 90")), 0.5)
    assert centroid(coverage(f, BLUE)) == pytest.approx((80, 110), abs=0.3)
    f = frame_at(one_scene(GROUP.replace("group at (25%, 50%)", "group at (25%, 50%) opacity 0.5")), 0.5)
    assert close(f[90, 80], (255, 128, 128), 2) and close(f[90, 100], (128, 128, 255), 2)


def test_named_anchor_inside_a_group_is_a_canvas_place(frame_at):
    f = frame_at(one_scene("""
        g = group at (25%, 50%) {
            corner = rect at top-left size 60 fill #FF0000
        }
    """), 0.5)
    assert bbox(coverage(f, RED) > 0.5) == (0, 0, 10, 10)


# -- text ------------------------------------------------------------------------------------


def test_text_draws_inside_its_box(frame_at):
    # Font size 240 design px = 40 canvas px, centred at (160, 90).
    f = frame_at(one_scene('t = text "Hello" at (50%, 50%) size 240 color #FF0000'), 0.5)
    red = coverage(f, RED)
    ink = red > 0.5
    assert ink.sum() > 200
    assert (np.abs(f[..., :3].astype(int) - RED).max(axis=-1) <= 8).sum() > 50  # solid text colour inside strokes
    x0, y0, x1, y1 = bbox(ink)
    assert 40 < x1 - x0 < 160 and 20 < y1 - y0 < 45
    cx, cy = centroid(red)
    assert cx == pytest.approx(160, abs=4)
    assert cy == pytest.approx(90, abs=0.25 * 40)  # vertically centred on `at`
    assert red[:, :60].sum() == 0 and red[:, 260:].sum() == 0
    assert red[:45].sum() == 0 and red[135:].sum() == 0


def test_text_anchor_top_left(frame_at):
    f = frame_at(one_scene('t = text "Hi" at top-left size 240 color #000000'), 0.5)
    x0, y0, x1, y1 = bbox(coverage(f, BLACK) > 0.5)
    assert x0 < 8 and y0 < 15  # in the corner, the glyphs' bearings aside
    assert x1 < 80 and y1 < 55


def test_text_align_and_wrap(frame_at):
    text = one_scene('t = text "one two three four five six" size 120 wrap 900 color #000000')
    lines = coverage(frame_at(text, 0.5), BLACK) > 0.5
    rows = np.nonzero(lines.any(axis=1))[0]
    unwrapped = coverage(frame_at(text.replace(" wrap 900", ""), 0.5), BLACK) > 0.5
    assert rows.max() - rows.min() > 1.5 * np.ptp(np.nonzero(unwrapped.any(axis=1))[0])
    cols = np.nonzero(lines.any(axis=0))[0]
    assert cols.max() - cols.min() <= 150 + 2  # wrapped at 900 design px = 150 canvas px


def test_typewriter_reveals_letters(frame_at):
    text = one_scene('t = text "Hello world" size 200 color #000000\nt: typewriter 1s')
    start = coverage(frame_at(text, 0.0), BLACK) > 0.3
    half = coverage(frame_at(text, 0.5), BLACK) > 0.3
    end = coverage(frame_at(text, 0.999), BLACK) > 0.3
    assert start.sum() == 0
    assert 0 < half.sum() < 0.75 * end.sum()
    # Letters appear where they will stay: the revealed part is the left part of the final text.
    hx0, _, hx1, _ = bbox(half)
    ex0, _, ex1, _ = bbox(end)
    assert abs(hx0 - ex0) <= 1 and hx1 < ex1 - 20


def test_text_outline(frame_at):
    f = frame_at(one_scene('t = text "O" size 480 color #FFFFFF outline #0000FF 24'), 0.5)
    assert (coverage(f, BLUE) > 0.9).sum() > 100


# -- effects ---------------------------------------------------------------------------------


def test_shadow_darkens_below_the_shape(frame_at):
    size = (384, 216)  # r = 30 px at (192, 108)
    plain = frame_at(one_scene("c = circle radius 150 fill #FF0000"), 0.5, size=size)
    shaded = frame_at(one_scene("c = circle radius 150 fill #FF0000 shadow"), 0.5, size=size)
    below, above = (108 + 31, 192), (108 - 33, 192)
    assert close(plain[below], WHITE, 0) and close(plain[above], WHITE, 0)
    assert int(shaded[below][:3].max()) < 240  # darker grey under the circle
    assert abs(int(shaded[below][0]) - int(shaded[below][2])) <= 2  # grey, not red
    assert close(shaded[above], WHITE, 3)
    assert close(shaded[108, 192], RED, 0)


def test_blur_softens_edges(frame_at):
    sharp = coverage(frame_at(one_scene("r = rect size 600 300 fill #FF0000"), 0.5), RED)
    blurred = coverage(frame_at(one_scene("r = rect size 600 300 fill #FF0000 blur 30"), 0.5), RED)
    partial = lambda c: ((c > 0.05) & (c < 0.95)).sum()  # noqa: E731
    assert partial(blurred) > 5 * max(1, partial(sharp))
    assert blurred.sum() == pytest.approx(sharp.sum(), rel=0.05)


def test_rotate_and_scale(frame_at):
    f = frame_at(one_scene("r = rect size 600 120 fill #FF0000 rotate 90"), 0.5)  # 100 x 20, turned upright
    assert bbox(coverage(f, RED) > 0.5) == (150, 40, 170, 140)
    f = frame_at(one_scene("r = rect size 300 120 fill #FF0000 scale 2"), 0.5)
    assert bbox(coverage(f, RED) > 0.5) == (110, 70, 210, 110)
