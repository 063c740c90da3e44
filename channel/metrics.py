"""`render channel metrics import FILE`: per-video views, watch time and likes (a
CSV or JSON as YouTube Studio and other platforms export them) shift the topic
weights, within bounds.

Each row names a video by its episode id (`episode`) or by the id a publisher
recorded (`video`, `video_id`, `content`: YouTube Studio's column). A topic's
score is its mean watch time per view and its likes per view, each relative to
the channel's mean, averaged; its weight factor is multiplied by
`score ** 0.5`, clamped to 0.8–1.25 per import and the weight to 0.1–5 overall,
so a topic never drops to 0 and no objective is dropped.
"""
from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

from ..dsl.errors import Location, SceneError
from .config import WEIGHT_BOUNDS

STEP_BOUNDS = (0.8, 1.25)
_ID = ("episode", "video", "video_id", "video id", "content", "id")
_VIEWS = ("views",)
_WATCH = {"watch time (hours)": 1.0, "watch_time_hours": 1.0, "watch time (minutes)": 1 / 60,
          "watch_time_minutes": 1 / 60, "watch_time": 1.0, "watch time": 1.0}
_LIKES = ("likes",)


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise SceneError(f"not JSON: {err.msg}", location=Location(str(path), err.lineno, err.colno,
                             text.splitlines()[err.lineno - 1] if text.splitlines() else ""),
                             hint="a list of {video, views, watch_time_hours, likes}") from None
        if isinstance(data, dict):
            data = data.get("rows") or data.get("videos") or []
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise SceneError("the JSON must be a list of rows", location=Location(str(path), 1, 1, ""),
                             hint="[{\"video\": \"abc\", \"views\": 120, \"watch_time_hours\": 3.5, \"likes\": 4}]")
        return [(i + 1, {str(k).lower().strip(): v for k, v in r.items()}) for i, r in enumerate(data)]
    reader = csv.DictReader(io.StringIO(text))
    return [(i + 2, {str(k).lower().strip(): v for k, v in r.items() if k is not None})
            for i, r in enumerate(reader)]


def import_metrics(planner, path: str | Path) -> dict:
    """Read `path`, store the rows, move the weights; returns {topic: (old, new)} and counts."""
    path = Path(path)
    db = planner.db
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    by_remote = {r["remote_id"]: r["episode"] for r in db.execute(
        "SELECT remote_id, episode FROM publishes WHERE remote_id IS NOT NULL")}
    topics = {r["id"]: r["topic"] for r in db.execute("SELECT id, topic FROM episodes")}
    matched, unknown = 0, []
    for line, row in _rows(path):
        def number(names, what):
            for name in names:
                if name in row and str(row[name]).strip() != "":
                    try:
                        return float(str(row[name]).replace(",", "")), name
                    except ValueError:
                        raise SceneError(f"{what} {row[name]!r} is not a number",
                                         location=Location(str(path), line, 1, lines[line - 1] if line <= len(lines) else ""),
                                         hint="a plain number, as the platform exports it") from None
            return None, None

        ident = next((str(row[k]).strip() for k in _ID if k in row and str(row[k]).strip()), None)
        if ident is None:
            raise SceneError("a row without a video id", location=Location(str(path), line, 1,
                             lines[line - 1] if line <= len(lines) else ""),
                             hint=f"name the video in one of the columns: {', '.join(_ID)}")
        episode = int(ident) if ident.isdigit() and int(ident) in topics else by_remote.get(ident)
        if episode is None:
            unknown.append(ident)
            continue
        views, _ = number(_VIEWS, "views")
        watch, column = number(tuple(_WATCH), "watch time")
        likes, _ = number(_LIKES, "likes")
        db.execute("INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (ident, episode, topics[episode], views or 0.0, (watch or 0.0) * _WATCH.get(column or "", 1.0),
                    likes or 0.0, time.time()))
        matched += 1
    return {"matched": matched, "unknown": unknown, "weights": shift_weights(planner)}


def shift_weights(planner) -> dict[str, tuple[float, float]]:
    db = planner.db
    stats = {r["topic"]: r for r in db.execute(
        "SELECT topic, sum(views) AS views, sum(watch_hours) AS watch, sum(likes) AS likes FROM metrics GROUP BY topic")}
    before = planner.weights()
    total_views = sum(r["views"] for r in stats.values())
    if not total_views:
        return {t: (w, w) for t, w in before.items()}
    mean_watch = sum(r["watch"] for r in stats.values()) / total_views
    mean_likes = sum(r["likes"] for r in stats.values()) / total_views
    low, high = WEIGHT_BOUNDS
    for topic, r in stats.items():
        if topic not in planner.channel.topics or not r["views"]:
            continue
        parts = []
        if mean_watch:
            parts.append((r["watch"] / r["views"]) / mean_watch)
        if mean_likes:
            parts.append((r["likes"] / r["views"]) / mean_likes)
        if not parts:
            continue
        step = min(STEP_BOUNDS[1], max(STEP_BOUNDS[0], (sum(parts) / len(parts)) ** 0.5))
        base = planner.channel.topics[topic]
        old = db.execute("SELECT factor FROM weights WHERE topic = ?", (topic,)).fetchone()
        factor = (old[0] if old else 1.0) * step
        factor = min(high / base, max(low / base, factor))  # the weight stays within 0.1..5
        db.execute("INSERT OR REPLACE INTO weights VALUES (?, ?)", (topic, factor))
    after = planner.weights()
    return {t: (before[t], after[t]) for t in before}
