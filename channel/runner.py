"""Running a channel: plan, produce through the jobs queue, check, publish.

An episode moves planned -> producing -> produced -> published (its working folder then
removed), or -> missed (its slot passed before it was made), or -> skipped after
`MAX_TRIES` failed productions (each retry with a new seed: another episode number, so
other segments and another fingerprint). Production is a job on the channel's own queue
(DIR/jobs, key `channel/EPISODE/TRY`) run by jobs/runner.py's `Runner` exactly as
`render batch` runs a row: render, extras, `check-video` for the episode's age and the
first platform, then here `check-video` for every other platform. A failing video is
never published.

Everything is in the channel folder, so a restart resumes: a `producing` episode's job is
reclaimed from its dead owner and run again, a produced one is published, and publish
records (channel/publishers.py) make every (episode, publisher, platform) happen once.
Every decision is a JSON line in DIR/channel.log.jsonl.
"""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Callable

from .config import Channel
from .layouts import Layout, channel_layouts
from .planner import Planned, Planner
from .publishers import Produced, make_publishers, publish_episode

MAX_TRIES = 3
MIN_FREE_BYTES = 1 << 30  # no production below 1 GiB free in the channel folder (an episode is ~10-300 MB)


class ChannelRunner:
    def __init__(self, channel: Channel, clock: Callable[[], float] = time.time,
                 log: Callable[[dict], None] | None = None, on_event: Callable[[str, dict], None] | None = None):
        self.channel = channel
        self.clock = clock
        self.planner = Planner(channel, clock=clock)
        self.db = self.planner.db
        self.on_event = on_event or (lambda kind, info: None)
        self._log_path = channel.folder / "channel.log.jsonl"
        self._log = log
        self._publish_failures = 0

    # ── one runner a channel ─────────────────────────────────────────────────

    def lock(self) -> bool:
        """Take DIR/.run.lock (flock; released when this process ends, even by kill -9).
        False: another `render channel run` holds it (a cron `--once` overlapping the last)."""
        import fcntl
        import os

        self._lock_file = open(self.channel.folder / ".run.lock", "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.seek(0)
            self.holder = self._lock_file.read().strip() or "?"
            self._lock_file.close()
            return False
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(str(os.getpid()))
        self._lock_file.flush()
        return True

    # ── the log ──────────────────────────────────────────────────────────────

    def log(self, event: str, **info) -> None:
        record = {"t": round(self.clock(), 3), "event": event, **info}
        with open(self._log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")
        if self._log:
            self._log(record)
        self.on_event(event, record)

    def _set(self, episode: Planned, **fields) -> None:
        fields["updated_at"] = time.time()
        sql = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE episodes SET {sql} WHERE id = ?", (*fields.values(), episode.id))
        for k, v in fields.items():
            if hasattr(episode, k):
                setattr(episode, k, v)

    # ── production ───────────────────────────────────────────────────────────

    def layouts(self) -> list[Layout]:
        """The channel's layouts: its platforms grouped by the frame they are rendered at (16:9
        for youtube, 9:16 for shorts, tiktok and reels), each rendered once per episode."""
        return channel_layouts(self.channel)

    def output_for(self, episode: Planned, layout: Layout | None = None) -> Path:
        name = "episode.mp4" if layout is None or not layout.name else f"episode-{layout.name}.mp4"
        return self.channel.folder / "episodes" / f"{episode.slot:05d}-{episode.objective}" / name

    def spec_for(self, episode: Planned, layout: Layout | None = None, params: dict | None = None) -> dict:
        """The job that renders `episode` at `layout` (the first by default): its template
        expanded with the written script and the brand, as DIR/episodes/…/episode[-LAYOUT].scene."""
        from .episode_scene import write_episode_scene

        ch = self.channel
        layout = layout or self.layouts()[0]
        video = self.output_for(episode, layout)
        scene = video.with_suffix(".scene")
        text = write_episode_scene(ch, episode.template, params or self.written_params(episode), scene,
                                   layout.preset, layout.size, ch.fps)
        if layout == self.layouts()[0]:  # the words are the same in every layout
            self._check_words(episode, scene, text)
        return {"kind": "scene", "source": str(scene), "variables": {},
                "output": str(video), "platform": layout.platforms[0], "preset": layout.preset,
                "size": list(layout.size) if layout.size else None, "fps": ch.fps, "quality": ch.quality,
                "encoder": "auto", "age": episode.age, "extras": True, "check": "fail",
                "cache": str(ch.jobs_dir / "cache")}

    def _check_words(self, episode: Planned, scene: Path, text: str) -> None:
        """What the episode says, against its age's words: located warnings in the log."""
        from .vocabulary import check_scene
        from .writer import objective_words

        findings = check_scene(scene, text, episode.age, objective_words(episode.objective, episode.topic))
        if findings:
            self.log("vocabulary", episode=episode.id, findings=len(findings),
                     first=[f.format() for f in findings[:3]])

    def written_params(self, episode: Planned) -> dict:
        """The episode's parameters, a storybook's pages written for it by the channel's
        script writer (channel/writer.py; DIR/episodes/…/script.yaml) and checked for its age."""
        from .writer import ScriptRequest, write_script

        params = dict(episode.params)
        if episode.template != "storybook":
            return params
        pages = params.get("pages") or []
        number = int((pages[0].get("seed", 0) if pages and isinstance(pages[0], dict) else 0) // 10)
        request = ScriptRequest(episode.objective, episode.title, episode.topic, episode.age, number,
                                tuple(p["text"] if isinstance(p, dict) else str(p) for p in pages))
        script = write_script(request, self.channel.writer, self.output_for(episode).parent,
                              spend=self._spend_writer_request,
                              log=lambda event, **info: self.log(event, episode=episode.id, **info))
        params["pages"] = [{**page, "seed": number * 10 + i} for i, page in enumerate(script.pages)]
        return params

    def _spend_writer_request(self) -> bool:
        """One more request to the text-generation provider today, if its budget allows."""
        limit = self.channel.writer.get("daily_requests")
        key = f"writer-requests:{time.strftime('%Y-%m-%d', time.gmtime(self.clock()))}"
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        used = int(row[0]) if row else 0
        if limit is not None and used >= limit:
            return False
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(used + 1)))
        return True

    def produce(self, episode: Planned, stop: threading.Event | None = None) -> bool:
        """Make `episode` (resuming its job if one was under way); True when it is produced.
        A failure is retried with a new seed; after MAX_TRIES it is skipped."""
        from ..jobs.queue import JobQueue
        from ..jobs.runner import Runner

        free = shutil.disk_usage(self.channel.folder).free
        if free < MIN_FREE_BYTES and episode.state == "planned":
            self._set(episode, error=f"disk low: {free / 2**20:.0f} MB free in {self.channel.folder}")
            self.log("disk-low", episode=episode.id, free_bytes=free, need_bytes=MIN_FREE_BYTES)
            return False
        with JobQueue(self.channel.jobs_dir, max_attempts=3) as queue:  # a kill -9 spends one
            queue.reclaim()  # a job whose program was killed: queued again
            while episode.state in ("planned", "producing"):
                jobs = self._layout_jobs(queue, episode)
                failed = next((j for j in jobs if j is not None and j.state in ("failed", "cancelled")), None)
                if failed is not None:
                    self._retry_or_skip(episode, failed)
                    continue
                if not episode.job_id or None in jobs:
                    if not self._put_jobs(queue, episode):
                        continue  # the episode's scene could not be made: retried or skipped
                    continue
                pending = [j.id for j in jobs if j.state != "done"]
                if pending:
                    began = time.time()
                    Runner(queue, workers=1, key_prefix=f"channel/{episode.id}/",
                           on_event=self._progress(episode)).run(
                        pending, until=stop.is_set if stop is not None else None)
                    if stop is not None and stop.is_set():
                        return False
                    self._set(episode, wall_s=(episode.wall_s or 0.0) + time.time() - began)  # every try
                    continue  # done, or failed: retried with a new seed, or skipped
                problems = self._check_other_platforms(episode)
                if problems:
                    self._retry_or_skip(episode, jobs[0], problems)
                    continue
                self._set(episode, state="produced", video=str(self.output_for(episode, self.layouts()[0])))
                self.log("produced", episode=episode.id, video=episode.video, wall_s=episode.wall_s,
                         videos=len(jobs), frames=sum((j.result or {}).get("frames") or 0 for j in jobs))
        return episode.state == "produced"

    def _job_key(self, episode: Planned, layout: Layout, attempt: int) -> str:
        return f"channel/{episode.id}/{attempt}" + (f"/{layout.name}" if layout.name else "")

    def _layout_jobs(self, queue, episode: Planned) -> list:
        """This try's job for each layout (None: not put yet)."""
        if not episode.job_id:
            return [None] * len(self.layouts())
        return [queue.latest(self._job_key(episode, layout, episode.tries)) for layout in self.layouts()]

    def _put_jobs(self, queue, episode: Planned) -> bool:
        """A new try: one job per layout (episode.job_id: the first). False when the
        episode's scene cannot be made (a template that refuses its parameters)."""
        from ..dsl import SceneError

        attempt = episode.tries + 1
        self._set(episode, state="producing", tries=attempt)
        try:
            params = self.written_params(episode)  # one script for every layout (a provider is asked once)
            specs = [(layout, self.spec_for(episode, layout, params)) for layout in self.layouts()]
        except SceneError as err:
            self._retry_or_skip(episode, None, [err.format()])
            return False
        ids = [queue.put(spec, key=self._job_key(episode, layout, attempt)).id for layout, spec in specs]
        self._set(episode, job_id=ids[0])
        self.log("produce", episode=episode.id, slot=episode.slot, job=ids[0], jobs=ids, attempt=attempt,
                 template=episode.template, params=episode.params, fingerprint=episode.fingerprint)
        return True

    def _progress(self, episode: Planned) -> Callable:
        """The job's render progress to the screen (not the JSON log), every tenth of it."""
        shown = [-1]

        def on_event(kind: str, job, info: dict) -> None:
            if self._log is None or kind not in ("progress", "checking"):
                return
            total = info.get("total") or 0
            tenth = 10 if kind == "checking" else int(10 * info.get("done", 0) / total) if total else 0
            if tenth > shown[0]:
                shown[0] = tenth
                self._log({"event": kind, "episode": episode.id,
                           **({"frames": f"{info['done']}/{total}"} if kind == "progress" else {})})

        return on_event

    def _check_other_platforms(self, episode: Planned) -> list[str]:
        """check-video for each platform its layout's job did not check (the job checks the first)."""
        from ..api import check_video

        problems = []
        for layout in self.layouts():
            for platform in layout.platforms[1:]:
                report = check_video(self.output_for(episode, layout), platform=platform, age=episode.age)
                if not report.ok:
                    problems += [f"{platform}: {c['name']} {c['value']} (limit {c['limit']})"
                                 for c in report.to_dict()["checks"] if c["status"] == "fail"]
        return problems

    def _retry_or_skip(self, episode: Planned, job, problems: list[str] | None = None) -> None:
        error = "; ".join(problems) if problems else ((job.error or {}).get("message") or "failed")
        if episode.tries >= MAX_TRIES:
            self._set(episode, state="skipped", error=error)
            self.log("skipped", episode=episode.id, slot=episode.slot, tries=episode.tries, error=error)
            return
        params, fp = self._new_seed(episode)
        shutil.rmtree(self.output_for(episode).parent, ignore_errors=True)
        self._set(episode, params=json.dumps(params, sort_keys=True), fingerprint=fp, job_id=None, error=error)
        episode.params = params
        self.log("retry", episode=episode.id, tries=episode.tries, error=error, fingerprint=fp)

    def _new_seed(self, episode: Planned) -> tuple[dict, str]:
        from .planner import fingerprint

        objective = next(o for o in self.planner.objectives if o.id == episode.objective)
        number = int(episode.params.get("episode") or (episode.params.get("pages") or [{}])[0].get("seed", 0) // 10)
        while True:
            number = number % 9999 + 1
            params = self.planner.params_for(objective, episode.age, number)
            fp = fingerprint(episode.template, params)
            if not self.db.execute("SELECT 1 FROM episodes WHERE fingerprint = ?", (fp,)).fetchone():
                return params, fp

    # ── publishing ───────────────────────────────────────────────────────────

    def publish(self, episode: Planned) -> list[dict] | None:
        """Publish a produced episode; None when a publisher failed (logged; the episode
        stays produced, and the next try skips what its records show done)."""
        from ..service.webhooks import WebhookError
        from .youtube import UploadError

        video = Path(episode.video or self.output_for(episode))
        produced = {}  # each platform gets its layout's video
        for layout in self.layouts():
            made = video if not layout.name else video.with_name(f"episode-{layout.name}.mp4")
            meta_path = made.with_suffix(".json")
            meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
            produced.update({platform: Produced(made, meta) for platform in layout.platforms})
        try:
            done = publish_episode(self.channel, self.db, episode, produced, make_publishers(self.channel, self.db))
        except (UploadError, WebhookError, OSError, ValueError) as err:
            self._set(episode, error=f"publishing: {err}")
            self.log("publish-failed", episode=episode.id, slot=episode.slot, error=str(err),
                     transient=getattr(err, "transient", True))
            return None
        self._set(episode, state="published")
        self.log("published", episode=episode.id, slot=episode.slot, to=done)
        if video.parent.parent == self.channel.folder / "episodes":  # only our own working folder
            shutil.rmtree(video.parent, ignore_errors=True)  # the outbox holds its own links; disk is finite
        return done

    # ── the loop ─────────────────────────────────────────────────────────────

    def next_to_make(self) -> Planned | None:
        """The earliest episode not yet produced, from the current slot on (one left
        producing by a killed run first)."""
        row = self.db.execute("SELECT id FROM episodes WHERE state = 'producing' ORDER BY slot LIMIT 1").fetchone()
        if row:
            return self.planner.episode(row["id"])
        current = self.planner.current_slot()
        for row in self.db.execute("SELECT id, slot FROM episodes WHERE state = 'planned' AND slot < ? ORDER BY slot",
                                   (current,)).fetchall():
            self.db.execute("UPDATE episodes SET state = 'missed', updated_at = ? WHERE id = ?", (time.time(), row["id"]))
            self.log("missed", episode=row["id"], slot=row["slot"])  # its time passed before it was made
        self.planner.plan(self.channel.buffer + 1, current)
        row = self.db.execute("SELECT id FROM episodes WHERE state = 'planned' AND slot >= ? ORDER BY slot LIMIT 1",
                              (current,)).fetchone()
        return self.planner.episode(row["id"]) if row else None

    def once(self) -> Planned | None:
        """Make and publish one episode (a produced one waiting first); returns it."""
        row = self.db.execute("SELECT id FROM episodes WHERE state = 'produced' ORDER BY slot LIMIT 1").fetchone()
        while row is None:
            episode = self.next_to_make()
            if episode is None:
                return None
            if self.produce(episode):
                row = {"id": episode.id}
            elif episode.state == "skipped":
                continue  # reported; the next slot's episode takes its place
            else:
                return episode
        episode = self.planner.episode(row["id"])
        if self.publish(episode) is not None:
            episode.state = "published"
        return episode

    def run(self, stop: threading.Event, sleep: Callable[[float], None] | None = None,
            until_slot: int | None = None) -> None:
        """Keep `buffer` episodes produced ahead of the schedule and publish each at its slot,
        until `stop` is set (or slot `until_slot` is published)."""
        wait = sleep or (lambda s: stop.wait(s))
        self.log("start", pid=__import__("os").getpid(), buffer=self.channel.buffer)
        try:
            self._loop(stop, wait, until_slot)
        except KeyboardInterrupt as err:  # SIGTERM (cli.Terminated) or Ctrl-C: the job was released
            self.log("stop", reason=f"signal {getattr(err, 'signum', 2)}")
            raise
        else:
            self.log("stop", reason="stop requested" if stop.is_set() else f"slot {until_slot} published")

    def _loop(self, stop: threading.Event, wait: Callable[[float], None], until_slot: int | None) -> None:
        while not stop.is_set():
            now = self.clock()
            due = self.db.execute("SELECT id FROM episodes WHERE state = 'produced' AND slot_at <= ? ORDER BY slot",
                                  (now,)).fetchall()
            failed = False
            for row in due:
                episode = self.planner.episode(row["id"])
                if self.publish(episode) is None:
                    failed = True
                    break  # in slot order: the next waits for this one
                if until_slot is not None and episode.slot >= until_slot:
                    return
            if failed:
                self._publish_failures += 1
                wait(min(900.0, 30.0 * 2 ** (self._publish_failures - 1)))
                continue
            self._publish_failures = 0
            ahead = self.db.execute("SELECT count(*) FROM episodes WHERE state = 'produced' AND slot_at > ?",
                                    (now,)).fetchone()[0]
            if ahead < max(1, self.channel.buffer):
                episode = self.next_to_make()
                if episode is not None:
                    if not self.produce(episode, stop) and episode.state == "planned":
                        wait(60.0)  # the disk is low: publish what is made, look again in a minute
                    continue
            nxt = self.db.execute("SELECT min(slot_at) FROM episodes WHERE state = 'produced'").fetchone()[0]
            wait(max(0.0, min(60.0, (nxt or now + 60) - now)))

    def recent_events(self, count: int = 20) -> list[dict]:
        """The last `count` decisions of DIR/channel.log.jsonl, newest first."""
        from collections import deque

        if not self._log_path.exists():
            return []
        with open(self._log_path, encoding="utf-8") as f:
            lines = deque(f, maxlen=count)
        events = []
        for line in reversed(lines):
            try:
                events.append(json.loads(line))
            except ValueError:
                continue  # a line a killed run left half-written
        return events

    def status(self, upcoming_count: int = 5) -> dict:
        counts = dict(self.db.execute("SELECT state, count(*) FROM episodes GROUP BY state").fetchall())
        current = self.planner.current_slot()
        upcoming = self.planner.episodes(current, upcoming_count)
        failed = [dict(r) for r in self.db.execute(
            "SELECT id, slot, objective, tries, error FROM episodes WHERE state = 'skipped' ORDER BY slot DESC LIMIT 5")]
        published = [dict(r) for r in self.db.execute(
            "SELECT e.id, e.slot, e.objective, p.publisher, p.platform, p.remote_id FROM publishes p "
            "JOIN episodes e ON e.id = p.episode WHERE p.state = 'done' ORDER BY e.slot DESC LIMIT 5")]
        walls = [r[0] for r in self.db.execute("SELECT wall_s FROM episodes WHERE wall_s IS NOT NULL")]
        quota = {r[0].split(":", 1)[1]: json.loads(r[1]) for r in self.db.execute(
            "SELECT key, value FROM meta WHERE key LIKE 'youtube-quota:%' ORDER BY key DESC LIMIT 3")}
        return {"channel": self.channel.name, "counts": counts, "weights": self.planner.weights(),
                "next_slot": {"slot": current, "at": self.planner.local_time(self.planner.slot_at(current)),
                              "t": self.planner.slot_at(current)},
                "upcoming": [{"id": e.id, "slot": e.slot, "at": self.planner.local_time(e.slot_at), "age": e.age,
                              "topic": e.topic, "objective": e.objective, "title": e.title, "template": e.template,
                              "reason": e.reason, "state": e.state} for e in upcoming],
                "skipped": failed, "published": published,
                "mean_wall_s": sum(walls) / len(walls) if walls else None, "youtube_quota": quota}
