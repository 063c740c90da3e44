"""Publishers: where a produced, checked episode goes. One interface, two built in.

A publisher has a `name` and `publish(episode, produced, platform, record) -> remote id`.
`produced` is the episode's files (video, captions, thumbnail, metadata JSON) as the
jobs worker wrote them; `record` is its publish record, which the publisher updates as it
goes (`record.save(state, session=…)`), so that a crash at any point resumes rather than
publishes twice:

- `folder` (the default): an outbox per platform, OUTBOX/PLATFORM/SLOT-objective/ with
  video.mp4, captions.srt/.vtt, thumbnail.jpg and metadata.json (title, description,
  tags, chapters, language, made_for_kids: true, age, objective, fingerprint). Written
  into a hidden folder and renamed into place: an entry is whole or absent.
- `youtube`: the Data API's resumable upload (channel/youtube.py) with
  `status.selfDeclaredMadeForKids: true`; the session URI is recorded before the first
  byte, so a crash mid-upload, or between the last byte and the record, resumes or
  finds the finished video instead of uploading again. Quota is counted per day (calls
  of the videos.insert bucket, and the older 1,600 units a call).
- `webhook`: POSTs the episode's metadata JSON, signed as `render serve` signs its webhooks.

`publish_episode` runs every configured publisher for every platform it serves and
records each (episode, publisher, platform) as done exactly once.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .youtube import INSERT_UNITS, DEFAULT_ENDPOINT, UploadError, Uploader, read_token


class Record:
    """One (episode, publisher, platform) row of the `publishes` table."""

    def __init__(self, db, episode: int, publisher: str, platform: str):
        self.db, self.episode, self.publisher, self.platform = db, episode, publisher, platform
        row = db.execute("SELECT * FROM publishes WHERE episode = ? AND publisher = ? AND platform = ?",
                         (episode, publisher, platform)).fetchone()
        self.state = row["state"] if row else "new"
        self.remote_id = row["remote_id"] if row else None
        self.session = row["session"] if row else None

    def save(self, state: str, *, remote_id: str | None = None, session: str | None = None,
             detail: dict | None = None) -> None:
        self.state = state
        self.remote_id = remote_id or self.remote_id
        self.session = session or self.session
        self.db.execute("INSERT OR REPLACE INTO publishes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (self.episode, self.publisher, self.platform, state, self.remote_id, self.session,
                         json.dumps(detail) if detail else None, time.time()))


class Publisher(Protocol):
    name: str
    platforms: tuple[str, ...] | None  # the platforms it serves (None: all)

    def publish(self, episode, produced: "Produced", platform: str, record: Record) -> str: ...


@dataclass
class Produced:
    video: Path
    metadata: dict[str, Any]

    def sidecar(self, suffix: str) -> Path:
        return self.video.with_name(self.video.stem + suffix)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "episode"


def episode_metadata(channel, episode, produced: Produced, platform: str) -> dict[str, Any]:
    meta = produced.metadata
    title = meta.get("title") or episode.title
    return {"title": f"{title} | {channel.name}"[:100], "description": meta.get("description", ""),
            "tags": meta.get("tags", []), "chapters": meta.get("chapters", []),
            "youtube_chapters": meta.get("youtube_chapters"), "language": channel.language,
            "made_for_kids": True, "audience_age": episode.age, "topic": episode.topic,
            "objective": episode.objective, "fingerprint": episode.fingerprint, "platform": platform,
            "slot": episode.slot, "scheduled": dt.datetime.fromtimestamp(episode.slot_at, dt.timezone.utc).isoformat(),
            "duration": meta.get("duration"), "channel": channel.name, "brand_colours": channel.colours}


class FolderPublisher:
    name = "folder"
    platforms = None

    def __init__(self, channel, outbox: str = "outbox", keep: int | None = None):
        self.channel = channel
        self.outbox = (channel.folder / outbox) if not Path(outbox).is_absolute() else Path(outbox)
        self.keep = keep

    def entry(self, episode, platform: str) -> Path:
        return self.outbox / platform / f"{episode.slot:05d}-{slug(episode.objective)}"

    def publish(self, episode, produced: Produced, platform: str, record: Record) -> str:
        target = self.entry(episode, platform)
        if target.is_dir():  # renamed into place already: whole
            return str(target)
        staging = target.with_name(f".{target.name}.{os.getpid()}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        _link_or_copy(produced.video, staging / "video.mp4")
        for suffix, name in ((".srt", "captions.srt"), (".vtt", "captions.vtt"), (".thumbnail.jpg", "thumbnail.jpg")):
            if produced.sidecar(suffix).exists():
                _link_or_copy(produced.sidecar(suffix), staging / name)
        (staging / "metadata.json").write_text(json.dumps(episode_metadata(self.channel, episode, produced, platform),
                                                          indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(staging, target)
        self.prune(platform)
        return str(target)

    def prune(self, platform: str) -> None:
        """Keep the newest `keep` entries per platform (disk space); None keeps all."""
        if not self.keep:
            return
        entries = sorted(p for p in (self.outbox / platform).iterdir() if p.is_dir() and not p.name.startswith("."))
        for old in entries[:-self.keep]:
            shutil.rmtree(old, ignore_errors=True)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class QuotaExceeded(UploadError):
    pass


class YouTubePublisher:
    name = "youtube"
    platforms = ("youtube", "shorts")

    def __init__(self, channel, credentials: str, privacy: str = "private", endpoint: str = DEFAULT_ENDPOINT,
                 chunk_bytes: int = 8 * 256 * 1024, daily_quota: int = 100, db=None):
        path = Path(credentials)
        self.credentials = path if path.is_absolute() else channel.folder / path
        self.channel, self.privacy, self.endpoint = channel, privacy, endpoint
        self.chunk_bytes, self.daily_quota, self.db = int(chunk_bytes), int(daily_quota), db

    def quota(self, day: str | None = None) -> dict[str, int]:
        day = day or dt.date.today().isoformat()
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (f"youtube-quota:{day}",)).fetchone()
        return json.loads(row[0]) if row else {"insert_calls": 0, "units": 0}

    def _count(self) -> None:
        day = dt.date.today().isoformat()
        q = self.quota(day)
        q["insert_calls"] += 1
        q["units"] += INSERT_UNITS
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"youtube-quota:{day}", json.dumps(q)))

    def resource(self, episode, produced: Produced, platform: str) -> dict[str, Any]:
        meta = episode_metadata(self.channel, episode, produced, platform)
        tags = list(meta["tags"]) + (["shorts"] if platform == "shorts" else [])
        return {"snippet": {"title": meta["title"], "description": meta["description"][:5000], "tags": tags,
                            "categoryId": "27", "defaultLanguage": self.channel.language,
                            "defaultAudioLanguage": self.channel.language},
                "status": {"privacyStatus": self.privacy, "selfDeclaredMadeForKids": True, "embeddable": True}}

    def publish(self, episode, produced: Produced, platform: str, record: Record) -> str:
        uploader = Uploader(read_token(self.credentials), self.endpoint, self.chunk_bytes)
        if record.session is None and self.quota()["insert_calls"] >= self.daily_quota:
            raise QuotaExceeded(f"the day's videos.insert quota ({self.daily_quota} calls) is spent", transient=True)

        def on_session(uri: str) -> None:
            self._count()
            record.save("uploading", session=uri)  # before the first byte: a crash resumes this session

        video = uploader.upload(produced.video, self.resource(episode, produced, platform), session=record.session,
                                on_session=on_session)
        return video["id"]


class WebhookPublisher:
    """POSTs the episode's metadata JSON (and its files' paths) to `url`, signed as the
    service signs its webhooks (service/webhooks.py: `Storyreel-Signature: v1=HMAC`
    over `TIMESTAMP.` + body; the receiver checks it with `verify`). `Storyreel-Webhook-Id`
    is the same on every try: the receiver deduplicates on it. 2xx: done."""

    name = "webhook"
    platforms = None

    def __init__(self, channel, url: str, secret: str = "webhook-secret", timeout_s: float = 30.0):
        path = Path(secret)
        self.channel, self.url, self.timeout_s = channel, url, timeout_s
        self.secret_path = path if path.is_absolute() else channel.folder / path

    def publish(self, episode, produced: Produced, platform: str, record: Record) -> str:
        import urllib.error
        import urllib.request

        from ..service.webhooks import WebhookError, load_secret, sign

        body = json.dumps({"event": "channel.episode", "platform": platform,
                           "episode": episode_metadata(self.channel, episode, produced, platform),
                           "files": {"video": str(produced.video),
                                     "thumbnail": str(produced.sidecar(".thumbnail.jpg")),
                                     "captions": str(produced.sidecar(".srt"))}}, sort_keys=True).encode()
        stamp = int(time.time())
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "Storyreel-Event": "channel.episode",
            "Storyreel-Webhook-Id": f"channel-{episode.id}-{platform}", "Storyreel-Timestamp": str(stamp),
            "Storyreel-Signature": sign(load_secret(self.secret_path), stamp, body)})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return f"{self.url} {response.status}"
        except urllib.error.HTTPError as err:
            raise WebhookError(f"webhook {self.url}: {err.code} {err.reason}") from None
        except (urllib.error.URLError, OSError) as err:
            raise WebhookError(f"webhook {self.url}: {getattr(err, 'reason', err)}") from None


def make_publishers(channel, db) -> list:
    out = []
    for p in channel.publishers:
        if p.kind == "folder":
            out.append(FolderPublisher(channel, **p.options))
        elif p.kind == "youtube":
            out.append(YouTubePublisher(channel, db=db, **p.options))
        elif p.kind == "webhook":
            out.append(WebhookPublisher(channel, **p.options))
    return out


def publish_episode(channel, db, episode, produced: Produced | dict[str, Produced],
                    publishers: list | None = None) -> list[dict]:
    """Every publisher, every platform it serves; each (episode, publisher, platform) once.
    `produced`: the video, or each platform's (a channel rendering 16:9 and 9:16 layouts)."""
    done = []
    for publisher in publishers if publishers is not None else make_publishers(channel, db):
        for platform in channel.platforms:
            if publisher.platforms is not None and platform not in publisher.platforms:
                continue
            record = Record(db, episode.id, publisher.name, platform)
            if record.state == "done":
                done.append({"publisher": publisher.name, "platform": platform, "id": record.remote_id, "again": False})
                continue
            if record.state == "new":
                record.save("started")
            made = produced[platform] if isinstance(produced, dict) else produced
            remote = publisher.publish(episode, made, platform, record)
            record.save("done", remote_id=remote)
            done.append({"publisher": publisher.name, "platform": platform, "id": remote, "again": True})
    return done
