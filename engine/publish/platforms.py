"""Upload profiles of the platforms a video is published to.

The figures live in `platforms.yaml` beside this file (data, so that a changed
limit is a one-line edit); this module loads and validates them and turns a
profile into encoder settings (`encode_settings`) and limit checks
(`check_limits`, before rendering; `check_file_size`, after).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..encode.encoder import EncodeSettings
from .presets import PRESETS

DATA_FILE = Path(__file__).with_name("platforms.yaml")


class PlatformError(ValueError):
    """A platform name that does not exist, a broken data file, or a limit breached."""


@dataclass(frozen=True)
class Loudness:
    target: float = -14.0
    tolerance: float = 1.0
    true_peak: float = -1.0


@dataclass(frozen=True)
class Platform:
    name: str
    label: str
    preset: str
    size: tuple[int, int]
    fps: tuple[float, ...]
    aspect: tuple[float, float] | None
    aspect_recommended: tuple[int, int]
    max_duration: float | None
    max_file_size: int | None
    video_bitrate: tuple[tuple[int, int, int], ...]  # (lines, kbit/s up to 30 fps, kbit/s above)
    gop_seconds: float | None
    bframes: int | None
    closed_gop: bool
    cabac: bool
    audio_rate: int
    audio_channels: int
    audio_bitrate: int
    loudness: Loudness
    thumbnail: tuple[int, int]
    max_thumbnail_bytes: int | None
    title_max: int
    description_max: int
    tags_max: int
    hashtags: tuple[str, ...]

    # -- encoding ------------------------------------------------------------------

    def bitrate_for(self, width: int, height: int, fps: float) -> int | None:
        """The video bit-rate ceiling (kbit/s) for this size and frame rate."""
        if not self.video_bitrate:
            return None
        lines = min(width, height)
        row = next((r for r in self.video_bitrate if r[0] >= lines), self.video_bitrate[-1])
        return row[2] if fps > 30.5 else row[1]

    def gop_for(self, fps: float) -> int | None:
        if self.gop_seconds is None:
            return None
        return max(1, math.floor(fps * self.gop_seconds + 1e-9))

    def encode_settings(self, settings: EncodeSettings) -> EncodeSettings:
        """`settings` with this platform's GOP, B-frames, bit-rate ceiling and audio."""
        gop = self.gop_for(settings.fps)
        params = []
        if gop is not None:
            # A fixed GOP: no scene-cut keyframes in between, every keyframe an IDR.
            params += [f"keyint={gop}", f"min-keyint={gop}", "scenecut=0"]
        if self.bframes is not None:
            # b-adapt=0: always this many B-frames in a row (x264 would otherwise decide per frame).
            params += [f"bframes={self.bframes}", "b-adapt=0"]
        if self.closed_gop:
            params.append("open-gop=0")
        if self.cabac:
            params.append("cabac=1")  # `--quality draft` (ultrafast) turns CABAC off otherwise
        return replace(settings, gop=gop, bframes=self.bframes,
                       maxrate=self.bitrate_for(settings.width, settings.height, settings.fps),
                       audio_bitrate=self.audio_bitrate, x264_params=":".join(params))

    # -- limits ----------------------------------------------------------------------

    def aspect_ok(self, width: int, height: int) -> bool:
        if self.aspect is None:
            return True
        ratio = width / height
        return self.aspect[0] - 1e-3 <= ratio <= self.aspect[1] + 1e-3

    def aspect_text(self) -> str:
        if self.aspect is None:
            return "any"
        lo, hi = self.aspect
        if lo <= 0:
            return f"width/height at most {_ratio(hi)}"
        return f"{_ratio(lo)} to {_ratio(hi)}"

    def check_limits(self, width: int, height: int, duration: float) -> list[str]:
        """What breaks this platform's limits, as messages (empty: nothing)."""
        problems = []
        if self.max_duration is not None and duration > self.max_duration + 1e-6:
            problems.append(f"the video lasts {format_duration(duration)}; {self.label} takes at most "
                            f"{format_duration(self.max_duration)}")
        if not self.aspect_ok(width, height):
            problems.append(f"{width}x{height} (aspect {width / height:.3f}) is outside the aspect ratios "
                            f"{self.label} accepts ({self.aspect_text()})")
        return problems

    def check_file_size(self, size: int) -> list[str]:
        if self.max_file_size is not None and size > self.max_file_size:
            return [f"the file is {format_bytes(size)}; {self.label} takes at most {format_bytes(self.max_file_size)}"]
        return []

    def warnings(self, width: int, height: int, fps: float) -> list[str]:
        """Recommendations not followed (the render goes on)."""
        out = []
        if self.fps and not any(abs(fps - f) < 0.01 for f in self.fps):
            out.append(f"{self.label} recommends {', '.join(f'{f:g}' for f in self.fps)} fps; this video has {fps:g}")
        rw, rh = self.aspect_recommended
        if abs(width / height - rw / rh) > 0.01:
            out.append(f"{self.label} shows {rw}:{rh} best; this video is {width}x{height}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "label": self.label, "size": list(self.size), "fps": list(self.fps),
            "aspect": list(self.aspect) if self.aspect else None, "max_duration": self.max_duration,
            "max_file_size": self.max_file_size, "gop_seconds": self.gop_seconds, "bframes": self.bframes,
            "audio": {"codec": "aac", "profile": "LC", "sample_rate": self.audio_rate,
                      "channels": self.audio_channels, "bitrate": self.audio_bitrate * 1000},
            "loudness": {"target": self.loudness.target, "tolerance": self.loudness.tolerance,
                         "true_peak": self.loudness.true_peak},
            "thumbnail": list(self.thumbnail),
        }


def _ratio(value: float) -> str:
    for a, b in ((16, 9), (9, 16), (4, 5), (1, 1), (4, 3), (3, 4)):
        if abs(value - a / b) < 0.002:
            return f"{a}:{b}"
    return f"{value:g}:1"


def format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:g}s"
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def format_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


# -- loading ----------------------------------------------------------------------------

_FIELDS = {"label", "preset", "size", "fps", "aspect", "aspect_recommended", "max_duration", "max_file_size",
           "video_bitrate", "gop_seconds", "bframes", "closed_gop", "cabac", "audio", "loudness", "thumbnail",
           "max_thumbnail_bytes", "title_max", "description_max", "tags_max", "hashtags"}


def _pair(value: Any, what: str, number=int) -> tuple:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value)):
        raise PlatformError(f"{what} must be a list of two numbers, got {value!r}")
    return tuple(number(v) for v in value)


def _optional_number(value: Any, what: str, minimum: float = 0):
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < minimum:
        raise PlatformError(f"{what} must be a number of at least {minimum:g} or null, got {value!r}")
    return value


def _platform(name: str, d: Any) -> Platform:
    where = f"{DATA_FILE.name}: {name}"
    if not isinstance(d, dict):
        raise PlatformError(f"{where}: expected a mapping")
    missing = _FIELDS - set(d)
    unknown = set(d) - _FIELDS
    if missing or unknown:
        raise PlatformError(f"{where}: " + "; ".join(
            ([f"missing {', '.join(sorted(missing))}"] if missing else [])
            + ([f"unknown {', '.join(sorted(unknown))}"] if unknown else [])))
    if d["preset"] not in PRESETS:
        raise PlatformError(f"{where}: unknown preset {d['preset']!r} (presets: {', '.join(PRESETS)})")
    size = _pair(d["size"], f"{where}: size")
    thumb = _pair(d["thumbnail"], f"{where}: thumbnail")
    if any(v < 16 or v % 2 for v in (*size, *thumb)):
        raise PlatformError(f"{where}: sizes must be even and at least 16")
    aspect = None if d["aspect"] is None else _pair(d["aspect"], f"{where}: aspect", float)
    if aspect is not None and not 0 <= aspect[0] < aspect[1]:
        raise PlatformError(f"{where}: aspect must be [min, max] with min < max")
    rates = d["video_bitrate"] or {}
    if not isinstance(rates, dict):
        raise PlatformError(f"{where}: video_bitrate must map lines to [standard, high] kbit/s")
    bitrate = tuple(sorted((int(lines), *_pair(v, f"{where}: video_bitrate {lines}")) for lines, v in rates.items()))
    audio = d["audio"]
    if not isinstance(audio, dict) or set(audio) != {"sample_rate", "channels", "bitrate"}:
        raise PlatformError(f"{where}: audio needs sample_rate, channels and bitrate")
    loud = d["loudness"]
    if not isinstance(loud, dict) or set(loud) - {"target", "tolerance", "true_peak"}:
        raise PlatformError(f"{where}: loudness takes target, tolerance and true_peak")
    fps = d["fps"]
    if not isinstance(fps, list) or not all(isinstance(f, (int, float)) and 1 <= f <= 240 for f in fps):
        raise PlatformError(f"{where}: fps must be a list of frame rates")
    bframes = _optional_number(d["bframes"], f"{where}: bframes")
    hashtags = d["hashtags"] or []
    if not isinstance(hashtags, list) or not all(isinstance(h, str) for h in hashtags):
        raise PlatformError(f"{where}: hashtags must be a list of strings")
    return Platform(
        name=name, label=str(d["label"]), preset=d["preset"], size=size, fps=tuple(float(f) for f in fps),
        aspect=aspect, aspect_recommended=_pair(d["aspect_recommended"], f"{where}: aspect_recommended"),
        max_duration=_optional_number(d["max_duration"], f"{where}: max_duration", 1),
        max_file_size=_optional_number(d["max_file_size"], f"{where}: max_file_size", 1),
        video_bitrate=bitrate, gop_seconds=_optional_number(d["gop_seconds"], f"{where}: gop_seconds", 0.01),
        bframes=None if bframes is None else int(bframes), closed_gop=bool(d["closed_gop"]), cabac=bool(d["cabac"]),
        audio_rate=int(audio["sample_rate"]), audio_channels=int(audio["channels"]), audio_bitrate=int(audio["bitrate"]),
        loudness=Loudness(**{k: float(v) for k, v in loud.items()}), thumbnail=thumb,
        max_thumbnail_bytes=_optional_number(d["max_thumbnail_bytes"], f"{where}: max_thumbnail_bytes", 1),
        title_max=int(d["title_max"]), description_max=int(d["description_max"]), tags_max=int(d["tags_max"]),
        hashtags=tuple(hashtags),
    )


def load_platforms(path: str | Path = DATA_FILE) -> dict[str, Platform]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise PlatformError(f"cannot read {path}: {err}") from None
    if not isinstance(data, dict) or not data:
        raise PlatformError(f"{path}: expected a mapping of platform names")
    return {str(name): _platform(str(name), d) for name, d in data.items()}


@lru_cache(maxsize=1)
def platforms() -> dict[str, Platform]:
    """The shipped profiles (loaded once)."""
    return load_platforms()


PLATFORM_NAMES = ("youtube", "shorts", "tiktok", "reels", "instagram", "facebook", "vimeo")


def get_platform(name: str) -> Platform:
    table = platforms()
    if name not in table:
        raise PlatformError(f"unknown platform '{name}' (platforms: {', '.join(table)})")
    return table[name]


def platform_layout(target: Platform | None, preset: str | None,
                    size: tuple[int, int] | None) -> tuple[str | None, tuple[int, int] | None]:
    """The format to compile for: the given preset and size, or, when neither is
    given, the platform's layout: its preset (safe area) at its recommended size
    (None where that is the preset's own). Shared by the CLI and the job queue."""
    if target is None or preset is not None or size is not None:
        return preset, size
    recommended = None
    if target.size != (PRESETS[target.preset].width, PRESETS[target.preset].height):
        recommended = tuple(target.size)
    return target.preset, recommended
