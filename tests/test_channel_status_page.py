"""`render serve --channel DIR`: the channel's plan, recent decisions, failures, next slot
and published thumbnails, as a page and as JSON, through Starlette's test client."""
import json

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from storyreel.channel.config import init_channel, load_channel  # noqa: E402
from storyreel.channel.publishers import Produced, publish_episode  # noqa: E402
from storyreel.channel.runner import ChannelRunner  # noqa: E402
from storyreel.service.app import create_app  # noqa: E402
from storyreel.service.settings import ServiceSettings  # noqa: E402

JPEG = b"\xff\xd8\xff\xe0 a thumbnail \xff\xd9"


@pytest.fixture
def channel(tmp_path):
    folder = tmp_path / "ch"
    init_channel(folder)
    runner = ChannelRunner(load_channel(folder))  # the real clock: the server's
    first, second = runner.planner.plan(6)[:2]
    video = tmp_path / "made" / "episode.mp4"  # what a production leaves: the video and its sidecars
    video.parent.mkdir()
    video.write_bytes(b"not really a video")
    video.with_name("episode.thumbnail.jpg").write_bytes(JPEG)
    publish_episode(runner.channel, runner.db, first, Produced(video, {"title": first.title}))
    runner.db.execute("UPDATE episodes SET state = 'published' WHERE id = ?", (first.id,))
    runner.db.execute("UPDATE episodes SET state = 'skipped', tries = 3, error = ? WHERE id = ?",
                      ("youtube: loudness -20.1 (limit -14 ± 1) <b>", second.id))
    runner.log("published", episode=first.id, slot=first.slot)
    runner.log("skipped", episode=second.id, slot=second.slot, tries=3, error="youtube: loudness -20.1 <b>")
    runner.log("writer-failed", episode=3, writer="openai", error="http://127.0.0.1:9/v1 cannot be reached")
    return folder, first, second


def _client(tmp_path, folder, tokens=None):
    settings = ServiceSettings(jobs_dir=tmp_path / "jobs", channels=(folder,), tokens=tokens)
    return TestClient(create_app(settings))  # no lifespan: the render workers are not started


def test_the_status_page_shows_plan_failures_next_slot_and_thumbnails(tmp_path, channel):
    folder, first, second = channel
    client = _client(tmp_path, folder)
    listing = client.get("/channels").json()["channels"]
    assert listing == [{"id": "1", "name": "Luna and Sunny's Playroom", "folder": str(folder), "url": "/channels/1"}]

    page = client.get("/channels/1")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    body = page.text
    assert "Luna and Sunny&#x27;s Playroom" in body and "1 published, 1 skipped" in body
    assert "Next slot: <b>" in body and "<h2>Plan</h2>" in body
    assert "cannot be reached" in body and "&lt;b&gt;" in body and "<b>\"" not in body  # escaped
    assert f"/channels/1/thumbnails/{first.id}.jpg" in body

    s = client.get("/channels/1/status.json").json()
    assert s["counts"] == {"planned": 4, "published": 1, "skipped": 1}
    assert s["next_slot"]["slot"] in (0, 1) and [u["state"] for u in s["upcoming"]][-4:] == ["planned"] * 4
    assert all(u["reason"] for u in s["upcoming"])
    assert [f["event"] for f in s["failures"]] == ["writer-failed", "skipped"]  # newest first
    assert s["skipped"][0]["id"] == second.id and s["published"][0]["thumbnail"] is True
    assert s["recent"][0]["event"] == "writer-failed"

    thumb = client.get(f"/channels/1/thumbnails/{first.id}.jpg")
    assert thumb.status_code == 200 and thumb.content == JPEG and thumb.headers["content-type"] == "image/jpeg"
    assert client.get(f"/channels/1/thumbnails/{second.id}.jpg").status_code == 404
    missing = client.get("/channels/7")
    assert missing.status_code == 404 and "no channel 7" in missing.text


def test_the_page_needs_a_token_when_the_server_has_them_and_a_broken_channel_is_reported(tmp_path, channel):
    folder = channel[0]
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("secret-token-0123456789abcdef ops\n")
    client = _client(tmp_path, folder, tokens)
    assert client.get("/channels/1").status_code == 401
    ok = client.get("/channels/1/status.json", headers={"Authorization": "Bearer secret-token-0123456789abcdef"})
    assert ok.status_code == 200 and json.loads(ok.text)["channel"] == "Luna and Sunny's Playroom"

    (folder / "channel.yaml").write_text((folder / "channel.yaml").read_text().replace("ages: [2, 3, 4]", "ages: [9]"))
    broken = _client(tmp_path, folder).get("/channels/1/status.json")
    assert broken.status_code == 503 and "cannot be read" in broken.text
