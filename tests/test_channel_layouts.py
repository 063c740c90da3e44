"""What an episode is made of: the brand's intro and outro (the channel's name on its
colours) around the template, seen on decoded frames; a channel publishing to youtube
(16:9) and shorts (9:16) renders each layout once and gives each platform its own file."""
import json

import pytest
from click.testing import CliRunner
from test_channel_run import tiny_channel as make_tiny_channel

from helpers import decode
from storyreel.channel.config import init_channel, load_channel
from storyreel.channel.episode_scene import builtin_intro, with_brand
from storyreel.channel.layouts import channel_layouts
from storyreel.channel.runner import ChannelRunner
from storyreel.cli import main
from storyreel.dsl import SceneError

CARD, INK = (0xFF, 0xB4, 0xA2), (0x3D, 0x2C, 0x8D)  # the test brand: peach cards, deep purple letters


@pytest.fixture
def tiny_channel(tmp_path, monkeypatch):
    folder = make_tiny_channel(tmp_path, monkeypatch, size="192x108")
    path = folder / "channel.yaml"
    text = path.read_text().replace("platforms: [youtube]", "platforms: [youtube, shorts]")
    path.write_text(text.replace('colours: ["#FFD93D", "#3A2E5C"]', 'colours: ["#FFB4A2", "#3D2C8D"]'))
    return folder


def _near(pixel, colour, tolerance=40):
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, colour))


def test_each_layout_is_rendered_once_with_the_brand_and_published_to_its_platforms(tiny_channel):
    channel = load_channel(tiny_channel)
    youtube, vertical = channel_layouts(channel)
    assert youtube.platforms == ("youtube",) and youtube.size == (192, 108)
    assert vertical.platforms == ("shorts",) and vertical.size == (108, 192) and vertical.name == "9x16"

    episode = ChannelRunner(channel).once()
    assert episode.state == "published", episode.error
    log = [json.loads(line) for line in (tiny_channel / "channel.log.jsonl").read_text().splitlines()]
    produce, = [e for e in log if e["event"] == "produce"]
    assert len(produce["jobs"]) == 2  # one render per layout, not one per platform
    published, = [e for e in log if e["event"] == "published"]
    assert sorted((d["publisher"], d["platform"]) for d in published["to"]) == [("folder", "shorts"), ("folder", "youtube")]

    for platform, (w, h) in (("youtube", (192, 108)), ("shorts", (108, 192))):
        entry, = (tiny_channel / "outbox" / platform).iterdir()
        video = decode(entry / "video.mp4")
        assert (video.width, video.height) == (w, h), platform
        assert json.loads((entry / "metadata.json").read_text())["made_for_kids"] is True
        intro, outro = video.at(1.2), video.at(video.duration - 0.3)
        # the intro and outro cards: the brand's first colour at the top, its second in the letters
        for card in (intro, outro):
            assert _near(card[2, w // 2], CARD), (platform, card[2, w // 2])
            middle_band = card[int(h * 0.3):int(h * 0.75)].reshape(-1, 3)
            assert any(_near(p, INK, 30) for p in middle_band), platform
        template = [i / video.fps for i, f in enumerate(video.frames) if _near(f[h // 2, 3], (0xDC, 0xED, 0xC1), 20)]
        assert template and 1.2 < template[0] and template[-1] < video.duration - 0.3  # the template's card between
    assert not (tiny_channel / "episodes" / f"{episode.slot:05d}-{episode.objective}").exists()  # cleaned up


def test_letters_that_would_not_read_on_the_brand_cards_are_replaced(tiny_channel):
    from storyreel.engine.raster.color import contrast

    channel = load_channel(tiny_channel)
    assert f"color #3D2C8D" in builtin_intro(channel)  # the brand's own, where it reads
    channel.colours = ["#2A9D8F", "#FFF3B0"]  # cream on teal: 2.9:1
    ink = builtin_intro(channel).split(" color ")[1].split()[0]
    assert ink != "#FFF3B0" and contrast(ink, "#2A9D8F") >= 3.0


def test_the_brand_goes_after_the_header_and_a_file_brand_is_checked(tiny_channel):
    text = 'video "x" {\n    preset youtube\n}\n\ncast {\n}\n\nscene a {\n    wait 1s\n}\n'
    branded = with_brand(text, "scene hi {\n    wait 1s\n}", "scene bye {\n    wait 1s\n}")
    assert branded.index("scene hi") > branded.index("cast {") and branded.index("scene hi") < branded.index("scene a")
    assert branded.rstrip().endswith("scene bye {\n    wait 1s\n}") and branded.count("transition crossfade") == 2

    (tiny_channel / "hello.scene").write_text(
        'scene my_intro {\n    background solid {{ colours[0] }}\n    t = text "{{ name }}" at (50%, 50%) size 90\n'
        '    wait 1s\n}\n')
    path = tiny_channel / "channel.yaml"
    path.write_text(path.read_text().replace("  intro: builtin", "  intro: hello.scene").replace("  outro: builtin", '  outro: ""'))
    runner = ChannelRunner(load_channel(tiny_channel))
    episode = runner.next_to_make()
    spec = runner.spec_for(episode)
    scene = (tiny_channel / "episodes" / f"{episode.slot:05d}-{episode.objective}" / "episode.scene").read_text()
    assert spec["kind"] == "scene" and spec["source"].endswith("episode.scene")
    assert "background solid #FFB4A2" in scene and "\"Luna and Sunny's Playroom\"" in scene and "brand_outro" not in scene

    (tiny_channel / "hello.scene").write_text('scene my_intro {\n    wait 1s\n    t = txt "{{ name }}"\n}\n')
    result = CliRunner().invoke(main, ["channel", "run", str(tiny_channel), "--once"])
    assert result.exit_code == 1 and "hello.scene:3:9: error: unknown element kind 'txt'" in result.output
    assert not (tiny_channel / "jobs").exists()  # nothing made

    path.write_text(path.read_text().replace("  intro: hello.scene", "  intro: missing.scene"))
    with pytest.raises(SceneError) as err:
        load_channel(tiny_channel)
    assert "no file 'missing.scene'" in err.value.format() and "builtin" in err.value.format()
