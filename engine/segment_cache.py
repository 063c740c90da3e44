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

An entry is KEY.mp4 and KEY.json (the mp4's sha256, size and frame count),
both written under temporary names and renamed into place. `get` checks the
hash before trusting an entry; a corrupt or half-written one is deleted and
counted in `stats.corrupt`, and the chunk is rendered again. Nothing is ever
evicted: delete the folder to empty it.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .encoder import EncoderError, EncodeSettings

SEGMENT_FORMAT = 1  # bump when the way chunks are rendered or stored changes


class CacheError(EncoderError):
    """The cache folder cannot be used (a file, not creatable, not writable)."""


@dataclass
class CacheStats:
    hits: int = 0  # chunks reused
    misses: int = 0  # chunks not found (or corrupt), so rendered
    stored: int = 0  # chunks written to the cache
    corrupt: int = 0  # entries whose hash did not match: deleted and rendered again

    def __str__(self) -> str:
        text = f"cache: {self.hits} chunk(s) reused, {self.misses} rendered"
        return text + (f", {self.corrupt} corrupt entr{'y' if self.corrupt == 1 else 'ies'} replaced"
                       if self.corrupt else "")


class SegmentCache:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.stats = CacheStats()
        check_cache_dir(self.directory)

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.directory / f"{key}.mp4", self.directory / f"{key}.json"

    def get(self, key: str, frames: int) -> Path | None:
        """The cached segment for `key`, checked against its recorded sha256 and
        frame count; None (and the entry removed) when missing or corrupt."""
        video, meta = self._paths(key)
        if not video.exists() and not meta.exists():
            self.stats.misses += 1
            return None
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            ok = (info.get("format") == SEGMENT_FORMAT and info.get("frames") == frames
                  and info.get("size") == video.stat().st_size and info.get("sha256") == file_sha256(video))
        except (OSError, ValueError, AttributeError):
            ok = False
        if not ok:
            self.stats.corrupt += 1
            self.stats.misses += 1
            for path in (video, meta):
                try:
                    path.unlink()
                except OSError:
                    pass
            return None
        self.stats.hits += 1
        return video

    def put(self, key: str, segment: Path, frames: int) -> Path:
        """Move `segment` (a file inside `temp_dir()`) into the cache as `key`."""
        video, meta = self._paths(key)
        info = {"format": SEGMENT_FORMAT, "frames": frames, "size": segment.stat().st_size,
                "sha256": file_sha256(segment)}
        os.replace(segment, video)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".json", dir=self.directory)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(info, f)
        os.replace(tmp, meta)
        self.stats.stored += 1
        return video

    def temp_dir(self) -> str:
        """A private folder inside the cache for segments being rendered (same file
        system, so `put` is a rename)."""
        return tempfile.mkdtemp(prefix=".rendering-", dir=self.directory)


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
    from .serialize import timeline_to_dict

    data = timeline_to_dict(timeline)
    base = _base(data, settings)
    return [_chunk_key(data, timeline, chunk, base) for chunk in chunks]


def _base(data: dict, settings: EncodeSettings) -> dict:
    import av

    from .. import __version__
    from .encoder import QUALITY, SOFTWARE_ENCODER, x264_params

    video = {k: v for k, v in asdict(settings).items() if k not in ("audio", "audio_bitrate")}
    return {
        "format": SEGMENT_FORMAT,
        "storyreel": __version__,
        "engine": engine_digest(),
        "av": av.__version__,
        "libavcodec": list(av.library_versions.get("libavcodec", ())),
        "settings": video,
        "quality": QUALITY.get(settings.quality),
        "x264": x264_params() if settings.encoder == SOFTWARE_ENCODER else None,
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


def _file_hashes(value: Any, found: set | None = None) -> set:
    """(path, sha256) of every existing file named by an absolute path in `value`."""
    found = set() if found is None else found
    if isinstance(value, dict):
        for v in value.values():
            _file_hashes(v, found)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _file_hashes(v, found)
    elif isinstance(value, str) and os.path.isabs(value):
        try:
            st = os.stat(value)
        except (OSError, ValueError):
            return found
        if not os.path.isfile(value):
            return found
        stamp = (value, st.st_size, st.st_mtime_ns)
        if stamp not in _file_memo:
            _file_memo[stamp] = file_sha256(Path(value))
        found.add((value, _file_memo[stamp]))
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
        root = Path(__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
        _engine_digest = digest.hexdigest()
    return _engine_digest
