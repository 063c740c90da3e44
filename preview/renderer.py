"""Preview segments: one short MP4 per scene, rendered in the background.

The timeline is cut at the scenes' starts into segments that tile it frame by
frame (a transition belongs to the segment of the scene it leads into). Each
segment's cache key hashes everything its frames and sound are made of: the
JSON of the scenes that show in it, the transitions, audio clips and caption
cues inside it (all with times relative to the segment's first frame, so a
scene that only moved on the clock keeps its key), the canvas, and the size and
modification time of every file it names. A segment whose key is already in the
cache is not rendered again.

One worker thread renders the missing segments, the one under the playhead
first, then the ones after it, then the ones before. A render whose segment the
newest timeline no longer wants is abandoned between two frames.

The pictures come from the engine's segment cache (`engine.encode.segment_cache`, the
store `render FILE --cache DIR` uses): a segment is rendered with
`render_video(…, cache=…)`, which reuses the encoded chunks whose content key is
there (settings included: the preview's small size and draft quality are part
of the key, so its chunks never stand in for a final render's) and stores the
new ones; the chunks are joined with the segment's sound into KEY.mp4 in the
session's own folder. After each segment the store is trimmed to its bound,
keeping the chunks of the segments on show.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..engine import render_video
from ..engine.encode.segment_cache import SegmentCache, named_files
from ..engine.timeline.serialize import timeline_to_dict
from ..engine.timeline.timeline import Timeline

CACHE_VERSION = 1  # bump when the way segments are rendered changes
LONG_SIDE = 640  # the preview's longer side in pixels (1920x1080 -> 640x360)
KEEP_FILES = 200  # segments kept in the cache beyond the ones in use (undo is instant)


def preview_size(width: int, height: int, long_side: int = LONG_SIDE) -> tuple[int, int]:
    """The canvas scaled so its longer side is at most `long_side`; both sides even."""
    scale = min(1.0, long_side / max(width, height))

    def even(x: float) -> int:
        return max(16, int(round(x * scale / 2)) * 2)

    return even(width), even(height)


@dataclass(frozen=True)
class Segment:
    name: str  # the scene it starts with
    first: int  # first frame (inclusive)
    stop: int  # last frame (exclusive)
    fps: float
    key: str

    @property
    def start(self) -> float:
        return self.first / self.fps

    @property
    def end(self) -> float:
        return self.stop / self.fps


def plan_segments(timeline: Timeline) -> list[Segment]:
    """The segments tiling `timeline`, one per scene that has frames of its own."""
    data = timeline_to_dict(timeline)
    fps = timeline.fps
    cuts = [0.0, *(s.start for s in timeline.scenes[1:]), timeline.duration]
    frames = [round(t * fps) for t in cuts]
    for i in range(1, len(frames)):
        frames[i] = max(frames[i - 1], min(frames[i], timeline.frame_count))
    segments = []
    for i, scene in enumerate(timeline.scenes):
        first, stop = frames[i], frames[i + 1]
        if stop > first:
            segments.append(Segment(scene.name, first, stop, fps, _key(data, first / fps, stop / fps)))
    return segments


def _key(data: dict, a: float, b: float) -> str:
    def rel(t: float | None) -> float | None:
        return None if t is None else round(t - a, 6)

    def inside(start: float, end: float | None) -> bool:
        return start < b and (end is None or end > a)

    shown = [i for i, s in enumerate(data["scenes"]) if inside(s["start"], s["end"])]
    base = shown[0] if shown else 0
    content = {
        "version": CACHE_VERSION,
        "canvas": [data["width"], data["height"], data["fps"], data["background"], data["safe_area"]],
        "length": round(b - a, 6),
        "scenes": [dict(data["scenes"][i], start=rel(data["scenes"][i]["start"]), end=rel(data["scenes"][i]["end"]))
                   for i in shown],
        "transitions": [dict(t, start=rel(t["start"]), end=rel(t["end"]), from_scene=t["from_scene"] - base,
                             to_scene=t["to_scene"] - base)
                        for t in data["transitions"] if inside(t["start"], t["end"])],
        "audio": [dict(c, start=rel(c["start"]), end=rel(c["end"])) for c in data["audio"] if inside(c["start"], c["end"])],
        "captions": [data["captions_mode"],
                     [dict(c, start=rel(c["start"]), end=rel(c["end"])) for c in data["captions"] if inside(c["start"], c["end"])]],
    }
    content["files"] = sorted(_file_stats(content))
    text = json.dumps(content, sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def files_named(timeline: Timeline) -> set[str]:
    """The existing files the timeline names by path (images, sounds, fonts, characters, …),
    less synthesised speech (the speech cache is the engine's, not the author's)."""
    data = timeline_to_dict(timeline)
    data["audio"] = [clip for clip in data["audio"] if clip["kind"] != "speech"]
    return {path for path, _ in named_files(data)}


def _file_stats(value: Any) -> set:
    """(path, size, mtime) of every existing file named by an absolute path in `value`."""
    return {(path, st.st_size, st.st_mtime_ns) for path, st in named_files(value)}


class _Abandoned(Exception):
    pass


class SegmentRenderer:
    """Renders the segments of the newest timeline into `cache_dir`, KEY.mp4 each,
    their chunks through `store` (default: an unbounded one in `cache_dir`/chunks).

    `on_ready(key)` is called (on the worker thread) after each segment is written,
    `on_error(message)` when one cannot be rendered.
    """

    def __init__(self, cache_dir: Path, on_ready: Callable[[str], None], on_error: Callable[[str], None],
                 store: SegmentCache | None = None):
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.store = store if store is not None else SegmentCache(self.cache_dir / "chunks", max_bytes=None)
        self._chunks: dict[str, set[str]] = {}  # segment key -> the chunk keys it was made of
        self._keep: set[str] = set()  # segment keys shown besides the current ones (stale versions)
        self.on_ready, self.on_error = on_ready, on_error
        self._cond = threading.Condition()
        self._timeline: Timeline | None = None
        self._segments: list[Segment] = []
        self._failed: set[str] = set()
        self._playhead = 0.0
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="storyreel-preview-render", daemon=True)
        self._thread.start()

    def path(self, key: str) -> Path:
        return self.cache_dir / f"{key}.mp4"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def submit(self, timeline: Timeline, segments: list[Segment], keep: set[str] = frozenset()) -> None:
        """Render these from now on (abandoning any render they no longer include)."""
        with self._cond:
            self._timeline, self._segments, self._failed = timeline, list(segments), set()
            self._keep = set(keep)
            self._cond.notify_all()
        self._prune({s.key for s in segments} | set(keep))

    def set_playhead(self, t: float) -> None:
        with self._cond:
            self._playhead = t

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout=10)

    # -- worker -------------------------------------------------------------------

    def _next(self) -> tuple[Timeline, Segment] | None:
        """The missing segment to render next: under the playhead, then after it, then before."""
        missing = [s for s in self._segments if s.key not in self._failed and not self.has(s.key)]
        if not missing or self._timeline is None:
            return None
        here = self._playhead
        after = [s for s in missing if s.end > here]
        return self._timeline, (after or missing)[0]

    def _wanted(self, key: str) -> bool:
        return not self._closing and any(s.key == key for s in self._segments)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closing or self._next() is not None)
                if self._closing:
                    return
                timeline, segment = self._next()  # type: ignore[misc]
            try:
                self._render(timeline, segment)
            except _Abandoned:
                continue
            except Exception as exc:  # noqa: BLE001 - the server must outlive any render failure
                with self._cond:
                    self._failed.add(segment.key)
                self.on_error(f"cannot render scene '{segment.name}': {exc}")
                continue
            self.on_ready(segment.key)

    def _render(self, timeline: Timeline, segment: Segment) -> None:
        def check(done: int, total: int) -> None:
            with self._cond:
                if not self._wanted(segment.key):
                    raise _Abandoned
        # render_video writes to a temporary name and renames at the end: a segment file is always whole.
        # A view of the store per segment: its `used` is this segment's chunks; the bound is applied below.
        view = SegmentCache(self.store.directory, max_bytes=None)
        render_video(timeline, self.path(segment.key), quality="draft", encoder="libx264",
                     start=segment.start, end=segment.end, on_progress=check, cache=view)
        with self._cond:
            self._chunks[segment.key] = set(view.used)
            shown = {s.key for s in self._segments} | self._keep | {segment.key}
            keep = set().union(*(self._chunks.get(k, ()) for k in shown))
        try:
            self.store.evict(keep=keep)
        except OSError:
            pass  # trimming the store never fails the preview

    def _prune(self, keep: set[str]) -> None:
        """Delete the oldest segments beyond KEEP_FILES, never the ones in `keep`."""
        try:
            files = sorted(self.cache_dir.glob("*.mp4"), key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return
        spare = [p for p in files if p.stem not in keep]
        for old in spare[KEEP_FILES:]:
            for suffix in (".mp4", ".srt", ".vtt"):  # captions are written beside the video
                old.with_suffix(suffix).unlink(missing_ok=True)
            with self._cond:
                self._chunks.pop(old.stem, None)
