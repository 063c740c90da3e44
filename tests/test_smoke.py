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
