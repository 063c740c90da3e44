"""Publishing: the folder outbox, and YouTube's resumable upload against a local server
that speaks the protocol (complete, resumed after a dropped chunk, never twice)."""
import functools
import json
import os

import pytest

from storyreel.channel.config import init_channel, load_channel
from storyreel.channel.planner import Planner
from storyreel.channel.publishers import Produced, Record, publish_episode
from storyreel.channel.youtube import CHUNK, TestServer, UploadError, Uploader, read_token

T0 = 1764921600.0


def _channel(tmp_path, endpoint=None, token="test-token"):
    folder = tmp_path / "ch"
    init_channel(folder)
    (folder / "token.json").write_text(json.dumps({"access_token": token}))
    if endpoint:
        path = folder / "channel.yaml"
        path.write_text(path.read_text().replace(
            "  # - youtube: {credentials: youtube-token.json, privacy: private}",
            f"  - youtube: {{credentials: token.json, endpoint: '{endpoint}', chunk_bytes: {CHUNK}}}"))
    channel = load_channel(folder)
    planner = Planner(channel, clock=lambda: T0)
    episode = planner.plan(1)[0]
    video = tmp_path / "made" / "ep.mp4"
    video.parent.mkdir()
    video.write_bytes(os.urandom(3 * CHUNK + 1000))
    video.with_suffix(".srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi!\n")
    video.with_name("ep.thumbnail.jpg").write_bytes(b"\xff\xd8jpeg")
    produced = Produced(video, {"title": "Circles", "description": "Learn circles.", "tags": ["shapes"],
                                "chapters": [{"title": "Hello", "start": 0.0}]})
    return channel, planner, episode, produced


def test_folder_outbox_has_video_captions_thumbnail_and_kids_flag(tmp_path):
    channel, planner, episode, produced = _channel(tmp_path)
    first = publish_episode(channel, planner.db, episode, produced)
    assert [(d["publisher"], d["platform"], d["again"]) for d in first] == [("folder", "youtube", True)]
    entry = tmp_path / "ch" / "outbox" / "youtube" / f"00000-{episode.objective}"
    assert sorted(p.name for p in entry.iterdir()) == ["captions.srt", "metadata.json", "thumbnail.jpg", "video.mp4"]
    meta = json.loads((entry / "metadata.json").read_text())
    assert meta["made_for_kids"] is True and meta["language"] == "en" and meta["audience_age"] == episode.age
    assert meta["title"].startswith("Circles | ") and meta["fingerprint"] == episode.fingerprint
    again = publish_episode(channel, planner.db, episode, produced)
    assert again[0]["again"] is False


def test_youtube_upload_is_complete_with_the_kids_flag_and_quota(tmp_path):
    with TestServer() as server:
        channel, planner, episode, produced = _channel(tmp_path, server.endpoint)
        done = publish_episode(channel, planner.db, episode, produced)
        yt = [d for d in done if d["publisher"] == "youtube"][0]
        video = server.videos[yt["id"]]
        assert video["data"] == produced.video.read_bytes()
        assert video["resource"]["status"]["selfDeclaredMadeForKids"] is True
        assert video["resource"]["status"]["privacyStatus"] == "private"
        assert server.inserts == 1 and server.puts == 4  # 3 full chunks and the rest
        row = planner.db.execute("SELECT value FROM meta WHERE key LIKE 'youtube-quota:%'").fetchone()
        assert json.loads(row[0]) == {"insert_calls": 1, "units": 1600}
        assert publish_episode(channel, planner.db, episode, produced)[1]["again"] is False
        assert server.inserts == 1


def test_a_dropped_chunk_is_resumed_not_restarted(tmp_path):
    data = os.urandom(5 * CHUNK + 7)
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    with TestServer(fail_chunks={2}) as server:
        slept = []
        up = Uploader("test-token", server.endpoint, chunk_bytes=CHUNK, sleep=slept.append)
        video = up.upload(path, {"snippet": {"title": "t"}, "status": {"selfDeclaredMadeForKids": True}})
        assert server.videos[video["id"]]["data"] == data
        assert server.inserts == 1 and up.calls["status"] == 1 and slept == [1.0]
        assert server.puts == 6  # 2, then 4 from the half chunk that arrived before the drop (not from 0)


def test_a_crash_mid_upload_or_before_the_record_never_uploads_twice(tmp_path, monkeypatch):
    with TestServer(fail_chunks={2, 3, 4, 5, 6, 7, 8}) as server:
        channel, planner, episode, produced = _channel(tmp_path, server.endpoint)
        from storyreel.channel import publishers

        # The retries' back-off without its waits (1 + 2 + 4 + 8 + 16 s): the Uploader's
        # `sleep` is a dataclass default, bound at import, so it is passed in, not patched.
        monkeypatch.setattr(publishers, "Uploader", functools.partial(Uploader, sleep=lambda s: None))
        with pytest.raises(UploadError):  # the line keeps dropping: gives up, the session recorded
            publish_episode(channel, planner.db, episode, produced)
        monkeypatch.undo()
        rec = Record(planner.db, episode.id, "youtube", "youtube")
        assert rec.state == "uploading" and "upload_id=" in rec.session
        server.fail_chunks.clear()
        # the last byte arrives, then the program dies before it records the video
        original = Record.save

        def crash(self, state, **kw):
            if state == "done" and self.publisher == "youtube":
                raise KeyboardInterrupt("killed")
            return original(self, state, **kw)

        Record.save = crash
        try:
            with pytest.raises(KeyboardInterrupt):
                publish_episode(channel, planner.db, episode, produced)
        finally:
            Record.save = original
        assert len(server.videos) == 1
        done = publish_episode(channel, planner.db, episode, produced)  # run again: finds it, uploads nothing
        assert server.inserts == 1 and len(server.videos) == 1
        yt = [d for d in done if d["publisher"] == "youtube"][0]
        assert yt["id"] in server.videos
        assert list(server.videos.values())[0]["data"] == produced.video.read_bytes()


def test_credentials_come_from_the_users_file(tmp_path):
    (tmp_path / "t.json").write_text('{"access_token": "abc", "refresh_token": "r"}')
    (tmp_path / "t.txt").write_text("xyz\n")
    assert read_token(tmp_path / "t.json") == "abc" and read_token(tmp_path / "t.txt") == "xyz"
    with TestServer(token="right") as server:
        channel, planner, episode, produced = _channel(tmp_path, server.endpoint, token="wrong")
        with pytest.raises(UploadError, match="401") as err:
            publish_episode(channel, planner.db, episode, produced)
        assert not err.value.transient and server.inserts == 0


def test_webhook_publisher_signs_and_a_failure_is_retried_not_repeated(tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from storyreel.channel.runner import ChannelRunner
    from storyreel.service.webhooks import verify

    received, statuses = [], [500]

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(statuses.pop(0) if statuses else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        folder = tmp_path / "ch"
        init_channel(folder)
        path = folder / "channel.yaml"
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        path.write_text(path.read_text().replace(
            '  # - webhook: {url: "https://example.org/hook", secret: webhook-secret}',
            f'  - webhook: {{url: "{url}", secret: hook.key}}'))
        runner = ChannelRunner(load_channel(folder), clock=lambda: T0)
        episode = runner.next_to_make()
        video = tmp_path / "ep.mp4"
        video.write_bytes(b"video")
        runner._set(episode, state="produced", video=str(video))
        assert runner.publish(episode) is None  # the receiver answered 500: logged, still produced
        assert runner.planner.episode(episode.id).state == "produced"
        assert runner.publish(episode) is not None
        assert runner.publish(runner.planner.episode(episode.id)) is not None  # a third time sends nothing
        assert len(received) == 2  # the failed try and the one that counted
        headers, body = received[-1]
        secret = (folder / "hook.key").read_text().strip().encode()
        assert verify(secret, body, headers["Storyreel-Timestamp"], headers["Storyreel-Signature"])
        assert headers["Storyreel-Webhook-Id"] == f"channel-{episode.id}-youtube"
        payload = json.loads(body)
        assert payload["episode"]["made_for_kids"] is True and payload["event"] == "channel.episode"
        events = [json.loads(line)["event"] for line in (folder / "channel.log.jsonl").read_text().splitlines()]
        assert events.count("publish-failed") == 1
    finally:
        server.shutdown()
        server.server_close()


def test_the_days_insert_quota_holds_back_further_uploads(tmp_path):
    from storyreel.channel.runner import ChannelRunner

    with TestServer() as server:
        channel, planner, episode, produced = _channel(tmp_path, server.endpoint)
        path = tmp_path / "ch" / "channel.yaml"
        path.write_text(path.read_text().replace(f"chunk_bytes: {CHUNK}}}", f"chunk_bytes: {CHUNK}, daily_quota: 1}}"))
        runner = ChannelRunner(load_channel(tmp_path / "ch"), clock=lambda: T0)
        first, second = runner.planner.plan(2, 0)
        for ep in (first, second):
            runner._set(ep, state="produced", video=str(produced.video))
        assert runner.publish(first) is not None
        assert runner.publish(second) is None  # quota spent: logged, kept for tomorrow
        events = [json.loads(line) for line in (tmp_path / "ch" / "channel.log.jsonl").read_text().splitlines()]
        assert "quota (1 calls) is spent" in events[-1]["error"] and events[-1]["transient"] is True
        assert server.inserts == 1 and runner.planner.episode(second.id).state == "produced"
