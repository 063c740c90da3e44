from helpers import close, scene_text


def test_render_decodes_back(render_scene):
    video = render_scene(scene_text("""
        scene a {
            background solid #FF0000
            wait 1s
        }
    """))
    assert video.codec == "h264" and video.pix_fmt == "yuv420p"
    assert len(video.frames) == 30
    assert close(video.at(0.5)[90, 160], (255, 0, 0))


def test_widths_whose_rows_are_padded_render_straight(render_scene):
    """At widths that are not a multiple of 4 (854 x 480 is common) the encoder's
    frames pad each row; the rasteriser must draw with that stride, not skew the
    picture (or fail)."""
    for size in ((90, 50), (854, 480)):
        video = render_scene(scene_text("""
            scene a {
                background solid #FF0000
                box = rect at (50%, 50%) size 50% 50% fill #0000FF
                wait 0.2s
            }
        """), size=size)
        w, h = size
        frame = video.frames[-1]
        assert frame.shape[:2] == (h, w)
        for y, x in ((2, 2), (h - 3, w - 3), (2, w - 3), (h - 3, 2)):
            assert close(frame[y, x], (255, 0, 0), 24), (size, y, x)
        for y, x in ((h // 2, w // 2), (h // 3 + 2, w // 3 + 2), (2 * h // 3 - 3, 2 * w // 3 - 3)):
            assert close(frame[y, x], (0, 0, 255), 24), (size, y, x)
