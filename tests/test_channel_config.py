"""channel.yaml: `render channel init` writes a valid, commented file; every field's mistake is located."""
import pytest
from click.testing import CliRunner

from storyreel.channel.config import DEFAULT_CHANNEL, load_channel
from storyreel.cli import main


def _init(tmp_path):
    result = CliRunner().invoke(main, ["channel", "init", str(tmp_path / "ch")])
    assert result.exit_code == 0, result.output
    return tmp_path / "ch"


def test_init_writes_a_valid_commented_channel(tmp_path):
    folder = _init(tmp_path)
    text = (folder / "channel.yaml").read_text()
    assert text == DEFAULT_CHANNEL and text.count("#") > 30
    ch = load_channel(folder)
    assert ch.ages == [2, 3, 4] and ch.every_s == 3600 and ch.timezone == "UTC"
    assert ch.publishers[0].kind == "folder" and ch.platforms == ["youtube"]
    assert set(ch.topics) >= {"letters", "numbers", "colours", "shapes", "feelings"}
    again = CliRunner().invoke(main, ["channel", "init", str(folder)])
    assert again.exit_code == 1 and "exists already" in again.output


@pytest.mark.parametrize("old, new, column, message", [
    ("  colours: 1.0", "  colors: 1.0", 3, "unknown topic 'colors'"),
    ("ages: [2, 3, 4]", "ages: [2, 9]", 11, "age 9 is out of range"),
    ("  every: 1h", "  every: often", 10, "cannot read the cadence 'often'"),
    ("timezone: UTC", "timezone: Europe/Londn", 11, "unknown time zone"),
    ("platforms: [youtube]", "platforms: [youtub]", 13, "unknown platform 'youtub'"),
    ("  - folder: {outbox: outbox}", "  - ftp: {outbox: outbox}", 5, "unknown publisher 'ftp'"),
    ("  2: short", "  2: long", 6, "unknown length 'long'"),
    ('  colours: ["#FFD93D", "#3A2E5C"]', '  colours: ["yellow"]', 13, "cannot read the colour"),
    ("seed: 1", "seed: one", 7, "seed must be a whole number"),
    ("  hemisphere: north", "  hemisphere: up", 15, "unknown hemisphere"),
    ("  buffer: 2", "  bufer: 2", 3, "unknown cadence field 'bufer'"),
    ("  - folder: {outbox: outbox}", "  - folder: {outbox: outbox, keep: -2}", 36, "keep -2 is out of range"),
])
def test_every_field_is_checked_at_its_line(tmp_path, old, new, column, message):
    folder = _init(tmp_path)
    path = folder / "channel.yaml"
    text = path.read_text()
    assert old in text
    line = text[:text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    result = CliRunner().invoke(main, ["channel", "check", str(folder)])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith(f"{path}:{line}:{column}: error: "), result.output
    assert message in first
    assert "^" in result.output and "hint:" in result.output and "Traceback" not in result.output


def test_youtube_publisher_needs_its_credentials_file(tmp_path):
    folder = _init(tmp_path)
    path = folder / "channel.yaml"
    path.write_text(path.read_text().replace("  # - youtube: {credentials: youtube-token.json, privacy: private}",
                                             "  - youtube: {credentials: token.json}"))
    result = CliRunner().invoke(main, ["channel", "check", str(folder)])
    assert result.exit_code == 1 and "no credentials file 'token.json'" in result.output
    (folder / "token.json").write_text('{"access_token": "t"}')
    assert CliRunner().invoke(main, ["channel", "check", str(folder)]).exit_code == 0


def test_a_missing_channel_is_an_error_with_a_hint(tmp_path):
    result = CliRunner().invoke(main, ["channel", "check", str(tmp_path)])
    assert result.exit_code == 1 and "render channel init" in result.output
