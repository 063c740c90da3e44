"""The planner: which episode fills each slot of the schedule, and why.

State is one SQLite file in the channel folder (channel.sqlite3, WAL): the
planned episodes (their slot, age, objective, template parameters, content
fingerprint, reason and production state), each objective's spaced-repetition
state, the topic weight factors that imported metrics set, and the publish
records (channel/publishers.py). Planning is deterministic: the same channel,
seed and clock give the same plan, and a slot once planned keeps its episode.

For slot k (its time T, its age: the channel's ages in turn):
1. a holiday today (the channel's own, or a world day) brings its topic once;
2. else, unless the slot before was a review, the most overdue review of an
   objective for this age (spaced repetition: 1, 3, 7 and 21 days after);
3. else a topic with objectives not yet taught and none new in 24 slots;
4. else the topic furthest behind its weight, then its first objective not yet
   taught (the current season's first), or the one taught longest ago.
Never the topic of the slot before; never a fingerprint already used.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from .config import WEIGHT_BOUNDS, Channel
from .curriculum import REVIEW_DAYS, Objective, holiday, load_curriculum, season

DAY = 86400.0
COVERAGE_SLOTS = 24  # a topic with objectives not yet taught brings a new one at least this often

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS episodes (
    id INTEGER PRIMARY KEY, slot INTEGER UNIQUE NOT NULL, slot_at REAL NOT NULL, age INTEGER NOT NULL,
    topic TEXT NOT NULL, objective TEXT NOT NULL, title TEXT NOT NULL, template TEXT NOT NULL, params TEXT NOT NULL,
    fingerprint TEXT UNIQUE NOT NULL, reason TEXT NOT NULL, review INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'planned', job_id INTEGER, video TEXT, tries INTEGER NOT NULL DEFAULT 0,
    error TEXT, wall_s REAL, updated_at REAL);
CREATE TABLE IF NOT EXISTS objectives (
    id TEXT PRIMARY KEY, first_at REAL, last_at REAL, taught INTEGER NOT NULL DEFAULT 0,
    reviews INTEGER NOT NULL DEFAULT 0, next_due REAL);
CREATE TABLE IF NOT EXISTS weights (topic TEXT PRIMARY KEY, factor REAL NOT NULL);
CREATE TABLE IF NOT EXISTS publishes (
    episode INTEGER NOT NULL, publisher TEXT NOT NULL, platform TEXT NOT NULL, state TEXT NOT NULL,
    remote_id TEXT, session TEXT, detail TEXT, updated_at REAL, PRIMARY KEY (episode, publisher, platform));
CREATE TABLE IF NOT EXISTS metrics (
    video TEXT PRIMARY KEY, episode INTEGER, topic TEXT, views REAL, watch_hours REAL, likes REAL, imported_at REAL);
"""


@dataclass
class Planned:
    id: int
    slot: int
    slot_at: float
    age: int
    topic: str
    objective: str
    title: str
    template: str
    params: dict[str, Any]
    fingerprint: str
    reason: str
    review: bool
    state: str
    job_id: int | None = None
    video: str | None = None
    tries: int = 0
    error: str | None = None
    wall_s: float | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Planned":
        d = dict(row)
        d.pop("updated_at", None)
        d["params"] = json.loads(d["params"])
        d["review"] = bool(d["review"])
        return cls(**d)


def open_state(path: str | Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    return db


def fingerprint(template: str, params: dict[str, Any]) -> str:
    """The episode's content: its template and every parameter (episode number, age, pages, seeds)."""
    return hashlib.sha256(json.dumps({"template": template, "params": params}, sort_keys=True).encode()).hexdigest()[:16]


class Planner:
    """Plans `channel`'s slots into its state file. `clock`: seconds since the epoch."""

    def __init__(self, channel: Channel, clock: Callable[[], float] = time.time, db: sqlite3.Connection | None = None,
                 objectives: list[Objective] | None = None):
        from ..dsl.templates import load_template

        self.channel = channel
        self.clock = clock
        self.db = db or open_state(channel.state_path)
        self.tz = ZoneInfo(channel.timezone)
        self.objectives = [o for o in (objectives or load_curriculum(self._curriculum_path()))
                           if o.topic in channel.topics and set(o.ages) & set(channel.ages)]
        self.template_params = {o.template: set(load_template(o.template).params) for o in self.objectives}

    def _curriculum_path(self) -> Path | None:
        own = self.channel.folder / "curriculum.yaml"
        return own if own.is_file() else None

    # ── the schedule ─────────────────────────────────────────────────────────

    def anchor(self) -> float:
        """The time of slot 0: the first cadence time at or after the state was made."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'anchor'").fetchone()
        if row:
            return float(row[0])
        now = dt.datetime.fromtimestamp(self.clock(), self.tz)
        h, m = self.channel.start
        t = now.replace(hour=h, minute=m, second=0, microsecond=0).timestamp()
        every = self.channel.every_s
        while t - every >= self.clock():
            t -= every
        while t < self.clock():
            t += every
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('anchor', ?)", (repr(t),))
        return float(self.db.execute("SELECT value FROM meta WHERE key = 'anchor'").fetchone()[0])

    def slot_at(self, slot: int) -> float:
        return self.anchor() + slot * self.channel.every_s

    def current_slot(self, now: float | None = None) -> int:
        """The first slot at or after `now`."""
        now = self.clock() if now is None else now
        return max(0, int(-(-(now - self.anchor()) // self.channel.every_s)))

    def weights(self) -> dict[str, float]:
        factors = {r["topic"]: r["factor"] for r in self.db.execute("SELECT topic, factor FROM weights")}
        low, high = WEIGHT_BOUNDS
        return {t: min(high, max(low, w * factors.get(t, 1.0))) for t, w in self.channel.topics.items()}

    # ── planning ─────────────────────────────────────────────────────────────

    def episodes(self, first: int = 0, count: int | None = None, state: str | None = None) -> list[Planned]:
        sql, args = "SELECT * FROM episodes WHERE slot >= ?", [first]
        if state:
            sql += " AND state = ?"
            args.append(state)
        sql += " ORDER BY slot"
        if count is not None:
            sql += " LIMIT ?"
            args.append(count)
        return [Planned.from_row(r) for r in self.db.execute(sql, args)]

    def episode(self, episode_id: int) -> Planned:
        return Planned.from_row(self.db.execute("SELECT * FROM episodes WHERE id = ?", (episode_id,)).fetchone())

    def plan(self, count: int, first: int | None = None) -> list[Planned]:
        """Slots `first` .. `first + count - 1` (default: from the current slot), planning
        any not yet planned in order; returns their episodes."""
        first = self.current_slot() if first is None else first
        last = first + count - 1
        row = self.db.execute("SELECT max(slot) FROM episodes").fetchone()[0]
        for slot in range(first if row is None else max(row + 1, first), last + 1):
            self._plan_slot(slot)  # slots passed while nothing ran are never planned
        return self.episodes(first, count)

    def _objective_state(self) -> dict[str, sqlite3.Row]:
        return {r["id"]: r for r in self.db.execute("SELECT * FROM objectives")}

    def _plan_slot(self, slot: int) -> None:
        ch = self.channel
        at = self.slot_at(slot)
        day = dt.datetime.fromtimestamp(at, self.tz).date()
        age = ch.ages[slot % len(ch.ages)]
        prev = self.db.execute("SELECT topic, review FROM episodes WHERE slot < ? ORDER BY slot DESC LIMIT 1",
                               (slot,)).fetchone()
        last_topic, last_review = (prev["topic"], bool(prev["review"])) if prev else (None, False)
        fits = [o for o in self.objectives if age in o.ages]
        topics = sorted({o.topic for o in fits})
        allowed = [t for t in topics if t != last_topic] or topics  # one topic for this age: it must repeat
        state = self._objective_state()
        weights = self.weights()
        now_season = season(day, ch.hemisphere)
        chosen: Objective | None = None
        review = False
        reason = ""

        marked = self.db.execute("SELECT value FROM meta WHERE key = ?", (f"holiday:{day.isoformat()}",)).fetchone()
        feast = holiday(day, ch)
        if feast and not marked and feast[1] in allowed:
            chosen = self._pick_in_topic(feast[1], fits, state, now_season)
            reason = f"holiday: {feast[0]} brings {feast[1]}"
            self.db.execute("INSERT OR IGNORE INTO meta VALUES (?, '1')", (f"holiday:{day.isoformat()}",))
        if chosen is None and not last_review:
            due = [o for o in fits if o.topic in allowed and o.id in state and state[o.id]["next_due"] is not None
                   and state[o.id]["next_due"] <= at]
            if due:
                chosen = min(due, key=lambda o: (state[o.id]["next_due"], o.order))
                review = True
                n = state[chosen.id]["reviews"] + 1
                since = self.local_time(state[chosen.id]["next_due"] - REVIEW_DAYS[n - 1] * DAY)
                reason = (f"review {n} of {len(REVIEW_DAYS)}: spaced repetition, due {REVIEW_DAYS[n - 1]} "
                          f"day{'s' if REVIEW_DAYS[n - 1] > 1 else ''} after {since}")
        if chosen is None:  # no objective is dropped: a low weight still teaches every objective
            starved = []
            for topic in allowed:
                fresh = [o for o in fits if o.topic == topic and (o.id not in state or not state[o.id]["taught"])]
                firsts = [state[o.id]["first_at"] for o in self.objectives if o.topic == topic and o.id in state]
                seen = max(firsts, default=self.anchor())  # when the topic last brought a new objective
                if fresh and at - seen > COVERAGE_SLOTS * ch.every_s:
                    starved.append((seen, topic, len(fresh)))
            if starved:
                _, topic, fresh_count = min(starved)
                chosen = self._pick_in_topic(topic, fits, state, now_season)
                reason = (f"coverage: {topic} has {fresh_count} objective{'s' if fresh_count > 1 else ''} not yet "
                          f"taught and none new in the last {COVERAGE_SLOTS} slots")
        if chosen is None:
            counts = dict(self.db.execute("SELECT topic, count(*) FROM episodes GROUP BY topic").fetchall())

            def behind(topic: str) -> tuple:
                tie = hashlib.sha256(f"{ch.seed}:{slot}:{topic}".encode()).hexdigest()
                return ((counts.get(topic, 0) + 1) / weights[topic], tie)

            topic = min(allowed, key=behind)
            chosen = self._pick_in_topic(topic, fits, state, now_season)
            total = sum(counts.values())
            reason = (f"{topic} is furthest behind its weight {weights[topic]:.2f} "
                      f"({counts.get(topic, 0)} of {total} so far)")
        s = state.get(chosen.id)
        if not review:
            if s is None or not s["taught"]:
                reason = f"new objective; {reason}"
            else:
                reason = f"practice (taught {s['taught']}x, last {(at - s['last_at']) / DAY:.1f} days ago); {reason}"
        if chosen.season and chosen.season == now_season:
            reason += f"; it is {now_season}"
        self._record(slot, at, age, chosen, review, reason, s)

    def _pick_in_topic(self, topic: str, fits: list[Objective], state: dict, now_season: str) -> Objective:
        mine = [o for o in fits if o.topic == topic]
        fresh = [o for o in mine if o.id not in state or not state[o.id]["taught"]]
        if fresh:
            return min(fresh, key=lambda o: (o.season is not None and o.season != now_season, o.order))
        return min(mine, key=lambda o: (o.season is not None and o.season != now_season, state[o.id]["last_at"], o.order))

    def params_for(self, objective: Objective, age: int, number: int) -> dict[str, Any]:
        """The template's parameters for one episode: the objective's, with the age, the
        length the channel gives the age and the episode number where the template has them."""
        have = self.template_params[objective.template]
        params = dict(objective.params)
        if "age" in have:
            params["age"] = age
        if "length" in have:
            params["length"] = self.channel.length.get(age, "short")
        if "episode" in have:
            params["episode"] = number
        if "who" in have and "who" not in params:
            params["who"] = ("sunny", "luna")[number % 2]
        if objective.template == "storybook" and isinstance(params.get("pages"), list):
            params["pages"] = [{"text": p, "seed": number * 10 + i} if isinstance(p, str) else p
                               for i, p in enumerate(params["pages"])]
        return params

    def _record(self, slot: int, at: float, age: int, o: Objective, review: bool, reason: str, s) -> None:
        uses = self.db.execute("SELECT count(*) FROM episodes WHERE objective = ?", (o.id,)).fetchone()[0]
        number = (self.channel.seed * 37 + uses) % 9999 + 1
        while True:
            params = self.params_for(o, age, number)
            fp = fingerprint(o.template, params)
            if not self.db.execute("SELECT 1 FROM episodes WHERE fingerprint = ?", (fp,)).fetchone():
                break
            number = number % 9999 + 1
        with _tx(self.db):
            self.db.execute(
                "INSERT INTO episodes (slot, slot_at, age, topic, objective, title, template, params, fingerprint, "
                "reason, review, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (slot, at, age, o.topic, o.id, o.title, o.template, json.dumps(params, sort_keys=True), fp, reason,
                 int(review), self.clock()))
            if s is None or not s["taught"]:
                self.db.execute("INSERT OR REPLACE INTO objectives (id, first_at, last_at, taught, reviews, next_due) "
                                "VALUES (?, ?, ?, 1, 0, ?)", (o.id, at, at, at + REVIEW_DAYS[0] * DAY))
            elif review:
                n = s["reviews"] + 1
                due = at + REVIEW_DAYS[n] * DAY if n < len(REVIEW_DAYS) else None
                self.db.execute("UPDATE objectives SET last_at = ?, taught = taught + 1, reviews = ?, next_due = ? "
                                "WHERE id = ?", (at, n, due, o.id))
            else:
                self.db.execute("UPDATE objectives SET last_at = ?, taught = taught + 1 WHERE id = ?", (at, o.id))

    def local_time(self, at: float) -> str:
        return dt.datetime.fromtimestamp(at, self.tz).strftime("%a %Y-%m-%d %H:%M")


class _tx:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
