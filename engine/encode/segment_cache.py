"""A content-hash cache of encoded chunks (`render … --cache DIR`).

A chunk's key is the sha256 of everything its pictures are made of: the JSON of
the scenes that show in it (with a transition, both neighbours), the transitions
and burned-in captions inside it, all with times relative to the chunk's first
frame (so a scene that only moved on the clock keeps its key); the canvas; the
sha256 of every file they name (images, fonts, clips, characters); the encoder
settings (codec, quality, GOP, x264 parameters and CPU features); and the
versions of storyreel (plus a digest of the engine's source), PyAV and
libavcodec. Segments are video-only: the audio is encoded once per render, so
it is not part of the key.

An entry is KEY.mp4 and KEY.json (its own key, the mp4's sha256, size and
frame count), both written under temporary names and renamed into place. `get`
checks the hash, and that the entry records the key it is filed under (an
entry copied or renamed onto another key would otherwise be trusted: a chunk
of another scene), before trusting it; a corrupt or misfiled one is deleted
and counted in `stats.corrupt`, and the chunk is rendered again.

Size bound: after a render, `evict` deletes the least recently used entries
(last use: the files' mtime, touched on every hit) until the folder holds at
most `max_bytes`, never an entry this render used (`used`). Several renders may
share the folder: a render takes a hit by hard-linking the entry into its own
temporary folder before checking it (a copy where links are not possible), and
stores a chunk by linking it into place while it joins its own copy, so an
entry another render evicts meanwhile is either still whole for this one or
simply a miss, rendered again. An entry with one of its two files missing is
being written or evicted: a miss, left alone (and removed by `evict` once it is
old). `default_cache_dir()` is where `render watch` keeps it unless told.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .encoder import EncoderError, EncodeSettings

SEGMENT_FORMAT = 2  # bump when the way chunks are rendered or stored changes
DEFAULT_MAX_BYTES = 5 * 1000**3  # `--cache-size` when not given: 5 GB
_ENTRY = re.compile(r"([0-9a-f]{32})\.(mp4|json)")
LEFTOVER_S = 3600.0  # a half entry, temporary file or render folder this old was left by a killed render
RENDERING_S = 24 * 3600.0  # …and a render folder untouched this long (chunks land in it as they finish)


class CacheError(EncoderError):
    """The cache folder cannot be used (a file, not creatable, not writable)."""


@dataclass
class CacheStats:
    hits: int = 0  # chunks reused
    misses: int = 0  # chunks not found (or corrupt), so rendered
    stored: int = 0  # chunks written to the cache
    corrupt: int = 0  # entries whose hash or recorded key did not match: deleted and rendered again
    evicted: int = 0  # least recently used entries deleted to keep within the bound
    freed: int = 0  # their bytes
    over: int = 0  # bytes still over the bound after evicting (this render's own entries exceed it)

    def __str__(self) -> str:
        text = f"cache: {self.hits} chunk(s) reused, {self.misses} rendered"
        if self.corrupt:
            text += f", {self.corrupt} corrupt entr{'y' if self.corrupt == 1 else 'ies'} replaced"
        if self.evicted:
            text += (f", {self.evicted} old entr{'y' if self.evicted == 1 else 'ies'} evicted "
                     f"({format_size(self.freed)})")
        if self.over:
            text += f", still {format_size(self.over)} over --cache-size (this render's chunks alone exceed it)"
        return text


class SegmentCache:
    """The cache in `directory`, bounded to `max_bytes` by `evict` (None: unbounded)."""

    def __init__(self, directory: str | Path, max_bytes: int | None = DEFAULT_MAX_BYTES):
        if max_bytes is not None and max_bytes <= 0:
            raise ValueError(f"max_bytes must be more than 0 (got {max_bytes!r})")
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self.used: set[str] = set()  # keys this render took or stored: `evict` keeps them
        check_cache_dir(self.directory)

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.directory / f"{key}.mp4", self.directory / f"{key}.json"

    def get(self, key: str, frames: int, into: str | Path | None = None) -> Path | None:
        """The cached segment for `key`, checked against its recorded sha256 and
        frame count; None when missing (the chunk is then rendered), and the entry
        deleted when corrupt. With `into` (a folder on the cache's file system,
        e.g. `temp_dir()`), the segment is first linked there and that path is
        returned: it stays whole if another render evicts the entry meanwhile."""
        video, meta = self._paths(key)
        target = video
        if into is not None:
            target = Path(into) / f"hit-{key}.mp4"
            if not _link_or_copy(video, target):
                self.stats.misses += 1  # not there, or being evicted right now
                return None
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            size = target.stat().st_size
        except FileNotFoundError:  # half written, or half evicted: not ours to judge
            self._drop(target, video)
            self.stats.misses += 1
            return None
        except (OSError, ValueError):
            info, size = None, -1
        ok = (isinstance(info, dict) and info.get("format") == SEGMENT_FORMAT and info.get("key") == key
              and info.get("frames") == frames and info.get("size") == size
              and info.get("sha256") == file_sha256(target))
        if not ok:
            self._drop(target, video)
            self.stats.corrupt += 1
            self.stats.misses += 1
            for path in (video, meta):
                try:
                    path.unlink()
                except OSError:
                    pass
            return None
        now = time.time()
        for path in (video, meta):  # last use, for `evict`
            try:
                os.utime(path, (now, now))
            except OSError:
                pass
        self.used.add(key)
        self.stats.hits += 1
        return target

    @staticmethod
    def _drop(target: Path, video: Path) -> None:
        if target != video:
            target.unlink(missing_ok=True)

    def put(self, key: str, segment: Path, frames: int) -> Path:
        """Store `segment` (a file inside `temp_dir()`) as `key`; `segment` stays
        where it is (linked, or copied where links are not possible), so the
        caller reads its own file even if another render evicts the entry."""
        video, meta = self._paths(key)
        info = {"format": SEGMENT_FORMAT, "key": key, "frames": frames, "size": segment.stat().st_size,
                "sha256": file_sha256(segment)}
        staging = self.directory / f".{key}.{os.getpid()}.{time.monotonic_ns()}.mp4"
        try:
            if not _link_or_copy(segment, staging):
                raise FileNotFoundError(segment)
            os.replace(staging, video)
        finally:
            staging.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".json", dir=self.directory)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(info, f)
        os.replace(tmp, meta)
        self.used.add(key)
        self.stats.stored += 1
        return video

    def evict(self, keep: Iterable[str] = ()) -> None:
        """Delete the least recently used entries until the folder is within
        `max_bytes`, never the ones in `used` or `keep`; also leftovers of killed
        renders (half entries, temporary files and folders) once they are old.
        Never raises for a file another render deleted first."""
        if self.max_bytes is None:
            return
        protected = self.used | set(keep)
        entries = scan_entries(self.directory, sweep=True)
        total = sum(e.size for e in entries)
        for entry in sorted(entries, key=lambda e: e.last_used):
            if total <= self.max_bytes:
                break
            if entry.key in protected:
                continue
            for path in self._paths(entry.key):  # the video first: a reader links it before it reads the JSON
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
                except OSError:
                    break
            else:
                total -= entry.size
                self.stats.evicted += 1
                self.stats.freed += entry.size
        self.stats.over = max(0, total - self.max_bytes)

    def clear(self) -> CacheStats:
        """Delete every entry (and old leftovers); renders running meanwhile just miss."""
        bound, self.max_bytes = self.max_bytes, 0
        try:
            self.evict()
        finally:
            self.max_bytes = bound
            self.stats.over = 0
        return self.stats

    def temp_dir(self) -> str:
        """A private folder inside the cache for segments being rendered (same file
        system, so `put` is a rename)."""
        return tempfile.mkdtemp(prefix=".rendering-", dir=self.directory)


def _link_or_copy(source: Path, target: Path) -> bool:
    """Hard-link `source` as `target` (a copy where the file system has no links);
    False when `source` is not there."""
    try:
        os.link(source, target)
        return True
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        # Once open, the data stays readable even if the entry is unlinked meanwhile.
        with open(source, "rb") as f, open(target, "wb") as out:
            shutil.copyfileobj(f, out)
        return True
    except FileNotFoundError:
        target.unlink(missing_ok=True)
        return False


@dataclass
class Entry:
    key: str
    size: int  # bytes of KEY.mp4 and KEY.json
    last_used: float  # the newer mtime of the two (a hit touches both)
    files: int  # 2: whole; 1: being written or evicted (or left so by a killed render)


def scan_entries(directory: Path, sweep: bool = False) -> list[Entry]:
    """The entries in `directory` (whole ones, and half ones younger than LEFTOVER_S).
    With `sweep`, leftovers of killed renders are deleted: half entries and
    temporary files older than LEFTOVER_S, render folders untouched for RENDERING_S."""
    found: dict[str, Entry] = {}
    now = time.time()
    try:
        listing = list(os.scandir(directory))
    except OSError:
        return []
    for item in listing:
        try:
            st = item.stat(follow_symlinks=False)
        except OSError:
            continue
        match = _ENTRY.fullmatch(item.name)
        if match:
            entry = found.setdefault(match.group(1), Entry(match.group(1), 0, 0.0, 0))
            entry.files += 1
            entry.size += st.st_size
            entry.last_used = max(entry.last_used, st.st_mtime)
        elif sweep and item.name.startswith(".") and not item.name.startswith(".probe-"):
            age = now - st.st_mtime
            try:
                if item.is_dir(follow_symlinks=False):
                    if item.name.startswith(".rendering-") and age > RENDERING_S:
                        shutil.rmtree(item.path, ignore_errors=True)
                elif age > LEFTOVER_S:
                    os.unlink(item.path)
            except OSError:
                pass
    entries = []
    for entry in found.values():
        if sweep and entry.files < 2 and now - entry.last_used > LEFTOVER_S:
            for suffix in (".mp4", ".json"):
                try:
                    os.unlink(directory / f"{entry.key}{suffix}")
                except OSError:
                    pass
            continue
        entries.append(entry)
    return entries


def default_cache_dir() -> Path:
    """`<cache root>/segments`: the root the speech cache uses ($STORYREEL_CACHE,
    else $XDG_CACHE_HOME/storyreel, else ~/.cache/storyreel)."""
    from ..speech.cache import cache_root

    return cache_root() / "segments"


_UNITS = {"": None, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
          "t": 1000**4, "tb": 1000**4, "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}


def parse_size(text: str) -> int:
    """'2GB', '500MB', '1.5GiB' -> bytes (KB/MB/GB/TB: powers of 1000; KiB/MiB/GiB/TiB: of 1024).
    ValueError with a message for anything else, or a size that is not more than 0."""
    m = re.fullmatch(r"\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*([a-zA-Z]*)\s*", str(text))
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(f"'{text}' is not a size; write a number and a unit, e.g. 500MB or 2GB")
    value = float(m.group(1))
    if value <= 0:
        raise ValueError(f"must be more than 0 (got {text.strip()}); write e.g. 500MB or 2GB")
    unit = _UNITS[m.group(2).lower()]
    if unit is None:
        raise ValueError(f"'{text}' has no unit; write e.g. {m.group(1)}MB or {m.group(1)}GB")
    size = int(value * unit)
    if size < 1:
        raise ValueError(f"'{text}' is less than one byte; write e.g. 500MB or 2GB")
    return size


def format_size(size: int) -> str:
    for unit, scale in (("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def check_cache_dir(directory: Path) -> None:
    """Create `directory` if needed and make sure a file can be written in it."""
    if directory.exists() and not directory.is_dir():
        raise CacheError(f"the cache '{directory}' is a file, not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CacheError(f"cannot create the cache folder '{directory}': {err.strerror or err}") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise CacheError(f"cannot write in the cache folder '{directory}': {err.strerror or err}") from None


# -- keys --------------------------------------------------------------------------------

def chunk_keys(timeline, chunks: Iterable, settings: EncodeSettings) -> list[str]:
    from ..timeline.serialize import timeline_to_dict

    data = timeline_to_dict(timeline)
    base = _base(data, settings)
    return [_chunk_key(data, timeline, chunk, base) for chunk in chunks]


def _base(data: dict, settings: EncodeSettings) -> dict:
    import av

    from ... import __version__
    from .encoder import QUALITY, SOFTWARE_ENCODER, x264_params

    # Segments are video-only and carry no chapters (the joined output does): neither is in the key.
    video = {k: v for k, v in asdict(settings).items() if k not in ("audio", "audio_bitrate", "chapters")}
    other_format = None
    if settings.format == "mp4":
        del video["format"], video["alpha"]  # H.264 keys stay what they were before other formats
    else:
        from .format_writers import FORMATS, _video_options

        fmt = FORMATS[settings.format]
        other_format = [fmt.video, _video_options(fmt, settings.quality, settings.alpha)]
    return {
        "format": SEGMENT_FORMAT,
        "storyreel": __version__,
        "engine": engine_digest(),
        "av": av.__version__,
        "libavcodec": list(av.library_versions.get("libavcodec", ())),
        "settings": video,
        "quality": QUALITY.get(settings.quality),
        "x264": x264_params() if settings.encoder == SOFTWARE_ENCODER else None,
        **({"codec": other_format} if other_format is not None else {}),
        "canvas": [data["width"], data["height"], data["fps"], data["background"], data["safe_area"],
                   data["captions_mode"]],
    }


def _chunk_key(data: dict, timeline, chunk, base: dict) -> str:
    fps = timeline.fps
    a, b = chunk.first / fps, chunk.stop / fps

    def rel(t: float | None) -> float | None:
        return None if t is None else round(t - a, 9)

    def inside(start: float, end: float | None) -> bool:
        return start < b and (end is None or end > a)

    shown = {i for i, s in enumerate(data["scenes"]) if inside(s["start"], s["end"])}
    current = timeline.scene_at(a)
    if current is not None:
        shown.add(timeline.scenes.index(current))
    shown = sorted(shown)
    first = shown[0] if shown else 0
    content: dict[str, Any] = {
        "base": base,
        "frames": chunk.stop - chunk.first,
        "scenes": [dict(data["scenes"][i], start=rel(data["scenes"][i]["start"]), end=rel(data["scenes"][i]["end"]))
                   for i in shown],
        "transitions": [dict(t, start=rel(t["start"]), end=rel(t["end"]), from_scene=t["from_scene"] - first,
                             to_scene=t["to_scene"] - first)
                        for t in data["transitions"] if inside(t["start"], t["end"])],
    }
    if data["captions_mode"] == "burned":
        content["captions"] = [dict(c, start=rel(c["start"]), end=rel(c["end"]),
                                    words=[dict(w, start=rel(w["start"]), end=rel(w["end"])) for w in c["words"]])
                               for c in data["captions"] if inside(c["start"], c["end"])]
    content["files"] = sorted(_file_hashes(content))
    text = json.dumps(content, sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


_file_memo: dict[tuple, str] = {}


def named_files(value: Any) -> Iterator[tuple[str, os.stat_result]]:
    """(path, stat) of everything that exists at an absolute path named anywhere in
    `value` (a timeline's JSON): the images, sounds, fonts and characters it uses."""
    if isinstance(value, dict):
        for v in value.values():
            yield from named_files(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from named_files(v)
    elif isinstance(value, str) and os.path.isabs(value):
        try:
            yield value, os.stat(value)
        except (OSError, ValueError):
            pass


def _file_hashes(value: Any) -> set:
    """(path, sha256) of every existing file named by an absolute path in `value`."""
    found = set()
    for path, st in named_files(value):
        if not stat.S_ISREG(st.st_mode):
            continue
        stamp = (path, st.st_size, st.st_mtime_ns)
        if stamp not in _file_memo:
            _file_memo[stamp] = file_sha256(Path(path))
        found.add((path, _file_memo[stamp]))
    return found


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_engine_digest: str | None = None


def engine_digest() -> str:
    """sha256 of the engine's Python source: a code change invalidates the cache
    even when the version number did not move."""
    global _engine_digest
    if _engine_digest is None:
        digest = hashlib.sha256()
        root = Path(__file__).resolve().parent.parent  # all of engine/, not only encode/
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
        _engine_digest = digest.hexdigest()
    return _engine_digest
