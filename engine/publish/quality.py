"""The output quality report: decode a finished MP4 and check it.

`probe(path)` reads what a file is (streams, codecs, GOP structure, loudness);
`check_video(path, platform, age)` decodes every frame and returns a `Report`
of checks, each pass / fail / warn / skip:

- duration, frames, size, sync and encoding against the platform's profile
  (engine/publish/platforms.yaml);
- loudness: integrated -14 LUFS +- 1 LU and true peak <= -1 dBTP (EBU R128
  measured with FFmpeg's ebur128, the meter the mixer normalises with);
- photosensitivity: general and red flashes per WCAG 2.3.1 (Three Flashes or
  Below Threshold) and ITU-R BT.1702, counted in every one-second window;
- text contrast (WCAG 1.4.3, 4.5:1; 3:1 for large text) of the on-screen text
  that the render's OUT.json lists, against the decoded pixels around it;
- caption reading speed (characters per second of every OUT.srt/OUT.vtt cue)
  against a limit for the viewers' age.

Thresholds and their sources are in the constants below and in docs/GUIDE.md (*Checking a video*).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np

from ..audio.loudness import LoudnessMeter
from .captions import reading_length, reading_speed_limit
from ..raster.color import contrast_ratio, srgb_to_linear

# -- thresholds ---------------------------------------------------------------------

# WCAG 2.x "general flash and red flash thresholds" (also ITU-R BT.1702 / Ofcom):
# a flash is a pair of opposing changes in relative luminance of 10% or more of
# the maximum, where the darker state is below 0.80, over a combined area of at
# least a quarter of a 10-degree visual field. At video viewing distances the
# whole screen is about that field, so the practical rule (BT.1702, Ofcom) is
# 25% of the screen area. More than three flashes in any one second fails; we
# count transitions (half-flashes) and fail above six, so a fourth flash that has
# begun inside the second already fails (the reading EA's IRIS and the Harding
# analyser use).
FLASH_DELTA = 0.10
FLASH_DARKER_BELOW = 0.80
FLASH_AREA = 0.25
MAX_TRANSITIONS_PER_SECOND = 6
# WCAG red flash: a transition where either state is a saturated red, R/(R+G+B) >= 0.8,
# and the change in (R - G - B) * 320 (negatives as 0, linear RGB) is more than 20.
RED_SATURATION = 0.8
RED_DELTA = 20.0
_NOISE = 0.004  # per-cell luminance change ignored as compression noise (about one 8-bit step)
FLASH_GRID = 64  # cells along the frame's longer side

# WCAG 1.4.3 contrast (minimum): 4.5:1, 3:1 for large text. WCAG's large text is
# 18 pt (24 CSS px) or 14 pt (18.7 px) bold; on a video a design pixel is a
# 1080p screen pixel seen from further away, so storyreel scales these up by a
# third: large = at least 32 design px, or 24 design px at weight 700 or more.
CONTRAST_NORMAL = 4.5
CONTRAST_LARGE = 3.0
LARGE_TEXT = 32.0
LARGE_BOLD_TEXT = 24.0
OUTLINE_COUNTS = 0.05  # an outline at least this fraction of the font size is the text's own background
MIN_TEXT_PX = 8.0  # smaller text (a preview-sized render) is mostly anti-aliasing: not measured

LOUDNESS_TARGET = -14.0
LOUDNESS_TOLERANCE = 1.0
TRUE_PEAK = -1.0


# -- probing -------------------------------------------------------------------------


@dataclass
class VideoInfo:
    codec: str
    profile: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    frames: int
    start: float
    duration: float
    bit_rate: int
    progressive: bool
    keyframes: int
    max_gop: int  # the longest run of frames from one keyframe to the next
    closed_gop: bool  # no frame after a keyframe (in decode order) shows before it
    cabac: bool | None
    max_bframes: int | None = None  # longest run of B-frames (decoded; None: not decoded)
    irregular: int = 0  # frame intervals (presentation order) off the usual one by over half of it: dropped or repeated frames


@dataclass
class AudioInfo:
    codec: str
    profile: str
    sample_rate: int
    channels: int
    layout: str
    start: float
    duration: float
    bit_rate: int


@dataclass
class MediaInfo:
    path: Path
    size: int
    duration: float
    bit_rate: int
    faststart: bool
    video: VideoInfo | None
    audio: AudioInfo | None
    loudness: tuple[float, float] | None = None  # (integrated LUFS, true peak dBTP); None: no audio

    def to_dict(self) -> dict[str, Any]:
        v, a = self.video, self.audio
        return {
            "duration": round(self.duration, 3),
            "frames": v.frames if v else 0,
            "width": v.width if v else 0,
            "height": v.height if v else 0,
            "resolution": f"{v.width}x{v.height}" if v else None,
            "fps": round(v.fps, 3) if v else None,
            "video": None if v is None else {
                "codec": v.codec, "profile": v.profile, "pix_fmt": v.pix_fmt, "bit_rate": v.bit_rate,
                "progressive": v.progressive, "gop": v.max_gop, "closed_gop": v.closed_gop, "cabac": v.cabac,
            },
            "audio": None if a is None else {
                "codec": a.codec, "profile": a.profile, "sample_rate": a.sample_rate, "channels": a.channels,
                "layout": a.layout, "bit_rate": a.bit_rate,
            },
            "bit_rate": self.bit_rate,
            "file_size": self.size,
            "faststart": self.faststart,
            "loudness": None if self.loudness is None else {
                "integrated_lufs": _finite(self.loudness[0]), "true_peak_dbtp": _finite(self.loudness[1]),
                "silent": not math.isfinite(self.loudness[0]),
            },
        }


def _finite(x: float) -> float | None:
    return round(x, 2) if math.isfinite(x) else None


def _faststart(path: Path) -> bool:
    """The `moov` box (the index) comes before `mdat` (the media): players can start at once."""
    with open(path, "rb") as f:
        while True:
            header = f.read(8)
            if len(header) < 8:
                return False
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8]
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size == 1:
                size = int.from_bytes(f.read(8), "big") - 8
            elif size == 0:
                return False
            f.seek(size - 8, 1)


def _cabac(extradata: bytes | None) -> bool | None:
    """entropy_coding_mode_flag of the first PPS in an avcC record (None: not H.264 avcC)."""
    if not extradata or len(extradata) < 8 or extradata[0] != 1:
        return None
    try:
        i = 6
        for _ in range(extradata[5] & 0x1F):  # SPSs
            i += 2 + int.from_bytes(extradata[i:i + 2], "big")
        if extradata[i] == 0:
            return None
        pps = extradata[i + 3:i + 3 + int.from_bytes(extradata[i + 1:i + 3], "big")]
        bits = "".join(f"{b:08b}" for b in pps[1:6])
        pos = 0
        for _ in range(2):  # pic_parameter_set_id, seq_parameter_set_id: ue(v)
            zeros = 0
            while bits[pos] == "0":
                zeros += 1
                pos += 1
            pos += zeros + 1
        return bits[pos] == "1"
    except (IndexError, ValueError):
        return None


def _seconds(value, time_base) -> float:
    return float(value * time_base) if value is not None and time_base is not None else 0.0


def _packet_structure(packets: list[tuple[int, bool]]) -> tuple[int, int, bool]:
    """(keyframes, longest GOP in frames, closed) from (pts, keyframe) in decode order."""
    keys = [i for i, (_, key) in enumerate(packets) if key]
    if not keys:
        return 0, len(packets), False
    bounds = keys + [len(packets)]
    longest = max(b - a for a, b in zip(bounds, bounds[1:]))
    closed = True
    for k in keys:
        key_pts = packets[k][0]
        nxt = next((j for j in keys if j > k), len(packets))
        if any(packets[j][0] < key_pts for j in range(k + 1, nxt)):
            closed = False  # a leading picture: it shows before the keyframe, so it may reference the GOP before
    return len(keys), longest, closed


def _irregular_intervals(pts: list[int]) -> int:
    """How many intervals between consecutive presentation times differ from the
    typical (median) one by more than a quarter of it (and more than the one tick
    of rounding a frame rate that the time base cannot hold exactly may add): gaps
    where frames were dropped, or frames squeezed in (a variable frame rate)."""
    times = sorted(pts)
    steps = np.diff(np.asarray(times, dtype=np.int64))
    if len(steps) < 2:
        return 0
    nominal = float(np.median(steps))
    return int(np.sum(np.abs(steps - nominal) > max(1.0, nominal / 4)))


def _open(path: Path):
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError) as err:
        raise QualityError(f"cannot read {path}: {err}") from None


class QualityError(RuntimeError):
    pass


def probe(path: str | Path, loudness: bool = True) -> MediaInfo:
    """What the file is, from its packets (no video decoding), plus its loudness."""
    path = Path(path)
    with _open(path) as container:
        video = _probe_video(container)
        audio = _probe_audio(container)
        duration = container.duration / 1e6 if container.duration else (video.duration if video else 0.0)
        bit_rate = container.bit_rate or 0
    info = MediaInfo(path, path.stat().st_size, duration, bit_rate, _faststart(path), video, audio)
    if loudness and audio is not None:
        info.loudness = measure_file_loudness(path)
    return info


def _probe_video(container) -> VideoInfo | None:
    if not container.streams.video:
        return None
    stream = container.streams.video[0]
    ctx = stream.codec_context
    packets = [(p.pts, p.is_keyframe) for p in container.demux(stream) if p.size and p.pts is not None]
    container.seek(0)
    keyframes, longest, closed = _packet_structure(packets)
    fps = float(stream.average_rate or stream.guessed_rate or 0)
    duration = _seconds(stream.duration, stream.time_base) or (len(packets) / fps if fps else 0.0)
    return VideoInfo(
        codec=ctx.name, profile=str(ctx.profile or ""), pix_fmt=str(ctx.pix_fmt or ""),
        width=ctx.width, height=ctx.height, fps=fps, frames=len(packets),
        start=_seconds(stream.start_time, stream.time_base), duration=duration,
        bit_rate=int(stream.bit_rate or 0), progressive=getattr(ctx, "field_order", 1) in (0, 1),
        keyframes=keyframes, max_gop=longest, closed_gop=closed, cabac=_cabac(ctx.extradata),
        irregular=_irregular_intervals([p for p, _ in packets]),
    )


def _probe_audio(container) -> AudioInfo | None:
    if not container.streams.audio:
        return None
    stream = container.streams.audio[0]
    ctx = stream.codec_context
    start = _seconds(stream.start_time, stream.time_base)
    duration = _seconds(stream.duration, stream.time_base)
    if not duration:  # WebM states no stream durations: the end of its last packet
        ends = [p.pts + (p.duration or 0) for p in container.demux(stream) if p.size and p.pts is not None]
        container.seek(0)
        duration = max(0.0, _seconds(max(ends), stream.time_base) - start) if ends else 0.0
    return AudioInfo(
        codec=ctx.name, profile=str(ctx.profile or ""), sample_rate=ctx.sample_rate, channels=ctx.channels,
        layout=ctx.layout.name, start=start, duration=duration, bit_rate=int(stream.bit_rate or 0),
    )


def measure_file_loudness(path: str | Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of the file's first audio track, decoded in blocks."""
    meter = LoudnessMeter()
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48_000)
    with _open(Path(path)) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                meter.add(out.to_ndarray())
        for out in resampler.resample(None):
            meter.add(out.to_ndarray())
    return meter.result()


# -- flashes --------------------------------------------------------------------------------


class _Transitions:
    """Per-cell transition tracking for one quantity (luminance, or red).

    A cell's value moves in runs of one direction; a run that has changed by at
    least `delta` (and passes `qualifies`) is a transition, counted once. A frame
    where cells making up `FLASH_AREA` of the screen complete a transition in the
    same direction is a screen-level transition.
    """

    def __init__(self, delta: float, noise: float):
        self.delta, self.noise = delta, noise
        self.prev = self.acc = self.start = self.counted = self.start_flag = self.prev_flag = None

    def step(self, value: np.ndarray, flag: np.ndarray | None = None) -> list[int]:
        """Directions (+1/-1) of the screen-level transitions completed at this frame."""
        if self.prev is None:
            self.prev, self.acc = value, np.zeros_like(value)
            self.start, self.counted = value.copy(), np.ones(value.shape, bool)
            self.start_flag = self.prev_flag = flag
            return []
        d = value - self.prev
        d[np.abs(d) < self.noise] = 0.0
        new = (d != 0) & (np.sign(d) != np.sign(self.acc))
        self.acc = np.where(new, d, self.acc + d)
        self.start = np.where(new, self.prev, self.start)
        self.counted = np.where(new, False, self.counted)
        if flag is not None:
            self.start_flag = np.where(new, self.prev_flag, self.start_flag)
        ok = ~self.counted & (np.abs(self.acc) >= self.delta)
        if flag is None:  # general flash: the darker state is below 0.80
            ok &= np.minimum(self.start, value) < FLASH_DARKER_BELOW
        else:  # red flash: either state is a saturated red
            ok &= self.start_flag | flag
        self.counted |= ok
        self.prev = value
        self.prev_flag = flag
        events = []
        for sign in (1, -1):
            if np.mean(ok & (np.sign(self.acc) == sign)) >= FLASH_AREA:
                events.append(sign)
        return events


@dataclass
class FlashResult:
    general: int  # most screen-level luminance transitions in any one-second window
    red: int
    general_at: float  # where that window ends (seconds)
    red_at: float


def _window_max(events: list[float], window: float = 1.0) -> tuple[int, float]:
    best, at, j = 0, 0.0, 0
    for i, t in enumerate(events):
        while events[j] <= t - window + 1e-9:
            j += 1
        if i - j + 1 > best:
            best, at = i - j + 1, t
    return best, at


class FlashAnalyzer:
    def __init__(self, fps: float):
        self.fps = fps
        self.luma = _Transitions(FLASH_DELTA, _NOISE)
        self.red = _Transitions(RED_DELTA, _NOISE * 320)
        self.luma_events: list[float] = []
        self.red_events: list[float] = []
        self.index = 0

    def add(self, rgb: np.ndarray) -> None:
        """One frame, already reduced to the flash grid (rgb uint8)."""
        lin = srgb_to_linear(rgb)
        r, g, b = lin[..., 0], lin[..., 1], lin[..., 2]
        luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
        redness = np.maximum(0.0, (r - g - b) * 320.0)
        saturated = r / np.maximum(r + g + b, 1e-6) >= RED_SATURATION
        t = self.index / self.fps
        self.luma_events += [t] * len(self.luma.step(luminance))
        self.red_events += [t] * len(self.red.step(redness, saturated & (r > 0.0)))
        self.index += 1

    def result(self) -> FlashResult:
        g, g_at = _window_max(self.luma_events)
        r, r_at = _window_max(self.red_events)
        return FlashResult(g, r, g_at, r_at)


def _grid(width: int, height: int) -> tuple[int, int]:
    scale = FLASH_GRID / max(width, height)
    return max(2, round(width * scale)), max(2, round(height * scale))


# -- the report ----------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    value: str
    limit: str
    status: str  # pass | fail | warn | skip
    detail: str = ""


@dataclass
class Report:
    path: Path
    platform: str | None
    age: float | None
    info: MediaInfo
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.status == "fail"]

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def table(self) -> str:
        rows = [("check", "value", "limit", "result")]
        rows += [(c.name, c.value, c.limit, c.status.upper() if c.status == "fail" else c.status) for c in self.checks]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [f"{self.path}" + (f" (platform: {self.platform})" if self.platform else "")
                 + (f" (age: {self.age:g})" if self.age is not None else "")]
        for r in rows:
            lines.append("  " + "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
        for c in self.checks:
            if c.detail and c.status in ("fail", "warn"):
                lines.append(f"  {c.name}: {c.detail}")
        lines.append("ok: every check passes" if self.ok else f"FAILED: {', '.join(self.failed)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "platform": self.platform, "age": self.age, "ok": self.ok,
                "checks": [c.__dict__ for c in self.checks]}


def _sidecar(path: Path, suffix: str) -> Path | None:
    p = path.with_suffix(suffix)
    return p if p.is_file() else None


def load_metadata(path: Path) -> dict | None:
    sidecar = _sidecar(path, ".json")
    if sidecar is None:
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "storyreel_metadata" in data else None


def check_video(path: str | Path, platform=None, age: float | None = None) -> Report:
    """Decode `path` and check it (see the module's docstring). `platform`: a
    `Platform` or its name. `age`: the viewers' age; by default the `age` the
    video was made for (OUT.json's audience_age), if any."""
    from .platforms import get_platform

    path = Path(path)
    if isinstance(platform, str):
        platform = get_platform(platform)
    info = probe(path, loudness=False)
    if info.video is None:
        raise QualityError(f"{path} has no video stream")
    meta = load_metadata(path)
    if age is None and meta is not None and isinstance(meta.get("audience_age"), (int, float)):
        age = float(meta["audience_age"])
    texts = _text_entries(meta, info.video)
    wanted = {t["frame"] for t in texts}
    frames_for_text: dict[int, np.ndarray] = {}
    flashes = FlashAnalyzer(info.video.fps or 30.0)
    gw, gh = _grid(info.video.width, info.video.height)
    decoded = 0
    b_run = b_max = 0
    with _open(path) as container:
        container.streams.video[0].thread_type = "AUTO"  # decode on every core
        for frame in container.decode(video=0):
            small = frame.reformat(width=gw, height=gh, format="rgb24", interpolation="AREA")
            flashes.add(small.to_ndarray())
            if decoded in wanted:
                frames_for_text[decoded] = frame.to_ndarray(format="rgb24")
            b_run = b_run + 1 if int(frame.pict_type) == 3 else 0  # AV_PICTURE_TYPE_B
            b_max = max(b_max, b_run)
            decoded += 1
    info.video.max_bframes = b_max
    if info.audio is not None:
        info.loudness = measure_file_loudness(path)
    report = Report(path, platform.name if platform else None, age, info)
    checks = report.checks
    checks.append(_duration_check(info, platform))
    checks.append(_frames_check(info, decoded))
    checks.append(_sync_check(info))
    checks.append(_loudness_check(info, platform))
    checks.append(_size_check(info, platform))
    if platform is not None:
        checks.append(_aspect_check(info, platform))
        checks.append(_encoding_check(info, platform))
    checks.append(_flash_check(flashes.result(), "flashes", "general"))
    checks.append(_flash_check(flashes.result(), "red flashes", "red"))
    checks.append(_contrast_check(texts, frames_for_text, meta))
    checks.append(_reading_check(path, age))
    return report


def _duration_check(info: MediaInfo, platform) -> Check:
    from .platforms import format_duration

    value = f"{info.duration:.2f}s"
    if platform is None or platform.max_duration is None:
        return Check("duration", value, "-", "pass" if info.duration > 0 else "fail",
                     "" if info.duration > 0 else "the file is empty")
    ok = info.duration <= platform.max_duration + 1e-3
    return Check("duration", value, f"<= {format_duration(platform.max_duration)} ({platform.label})",
                 "pass" if ok else "fail",
                 "" if ok else f"{platform.label} takes videos up to {format_duration(platform.max_duration)}")


def _frames_check(info: MediaInfo, decoded: int) -> Check:
    v = info.video
    expected = round(v.duration * v.fps)
    ok = decoded > 0 and abs(decoded - expected) <= 1 and decoded == v.frames and not v.irregular
    if ok:
        detail = ""
    elif v.irregular:
        # A file's average frame rate is its frame count over its duration, so dropped
        # frames hide from the count: the intervals between frames show them.
        detail = (f"{v.irregular} interval{'s' if v.irregular != 1 else ''} between frames "
                  f"{'is' if v.irregular == 1 else 'are'} not one frame long (dropped or irregular frames)")
    else:
        detail = (f"decoded {decoded} frames, {v.frames} packets; {v.duration:.3f}s at {v.fps:g} fps "
                  f"should be {expected}")
    return Check("frames", f"{decoded} @ {v.fps:g} fps", f"{expected} (constant frame rate)",
                 "pass" if ok else "fail", detail)


def _sync_check(info: MediaInfo) -> Check:
    v, a = info.video, info.audio
    frame = 1.0 / (v.fps or 30.0)
    if a is None:
        return Check("sync", "no audio track", f"<= {frame * 1000:.0f} ms", "skip")
    d_start = abs(v.start - a.start)
    d_end = abs((v.start + v.duration) - (a.start + a.duration))
    worst = max(d_start, d_end)
    ok = worst <= frame + 1e-6
    return Check("sync", f"start {d_start * 1000:.0f} ms, end {d_end * 1000:.0f} ms apart",
                 f"<= {frame * 1000:.0f} ms (1 frame)", "pass" if ok else "fail",
                 "" if ok else f"video {v.start:.3f}-{v.start + v.duration:.3f}s, audio {a.start:.3f}-{a.start + a.duration:.3f}s")


def _loudness_check(info: MediaInfo, platform) -> Check:
    target, tol, peak_max = LOUDNESS_TARGET, LOUDNESS_TOLERANCE, TRUE_PEAK
    if platform is not None:
        target, tol, peak_max = platform.loudness.target, platform.loudness.tolerance, platform.loudness.true_peak
    limit = f"{target:g} +- {tol:g} LUFS, peak <= {peak_max:g} dBTP"
    if info.loudness is None:
        return Check("loudness", "no audio track", limit, "skip")
    lufs, peak = info.loudness
    if not math.isfinite(lufs):
        return Check("loudness", "silent", limit, "skip")
    problems = []
    if abs(lufs - target) > tol + 1e-6:
        problems.append(f"integrated {lufs:.1f} LUFS is {abs(lufs - target):.1f} LU {'under' if lufs < target else 'over'} "
                        f"the target {target:g}")
    if peak > peak_max + 1e-6:
        problems.append(f"true peak {peak:.1f} dBTP is over {peak_max:g}")
    return Check("loudness", f"{lufs:.1f} LUFS, peak {peak:.1f} dBTP", limit,
                 "fail" if problems else "pass", "; ".join(problems))


def _size_check(info: MediaInfo, platform) -> Check:
    from .platforms import format_bytes

    value = f"{format_bytes(info.size)}, {info.bit_rate / 1000:.0f} kbit/s"
    if platform is None or platform.max_file_size is None:
        return Check("file size", value, "-", "pass")
    problems = platform.check_file_size(info.size)
    return Check("file size", value, f"<= {format_bytes(platform.max_file_size)}",
                 "fail" if problems else "pass", "; ".join(problems))


def _aspect_check(info: MediaInfo, platform) -> Check:
    v = info.video
    ok = platform.aspect_ok(v.width, v.height)
    return Check("aspect", f"{v.width}x{v.height} ({v.width / v.height:.3f})", platform.aspect_text(),
                 "pass" if ok else "fail", "" if ok else f"{platform.label} does not take this aspect ratio")


def _encoding_check(info: MediaInfo, platform) -> Check:
    """The platform's recommended encoding; a deviation is a warning (the platform still takes the file)."""
    v, a = info.video, info.audio
    notes = []
    if v.codec != "h264" or v.profile != "High":
        notes.append(f"video is {v.codec} {v.profile}, recommended H.264 High")
    if v.pix_fmt != "yuv420p":
        notes.append(f"pixel format {v.pix_fmt}, recommended yuv420p (4:2:0)")
    if not v.progressive:
        notes.append("interlaced, recommended progressive")
    if not info.faststart:
        notes.append("the index (moov) is not at the front (faststart)")
    gop = platform.gop_for(v.fps)
    if gop is not None and v.max_gop > gop:
        notes.append(f"keyframes every {v.max_gop} frames, recommended {gop} (half the frame rate)")
    if platform.closed_gop and not v.closed_gop:
        notes.append("open GOPs, recommended closed")
    if platform.bframes is not None and v.max_bframes is not None and v.max_bframes > platform.bframes:
        notes.append(f"{v.max_bframes} consecutive B-frames, recommended {platform.bframes}")
    if platform.cabac and v.cabac is False:
        notes.append("CAVLC, recommended CABAC")
    if a is None:
        notes.append("no audio track")
    else:
        if a.codec != "aac" or a.profile != "LC":
            notes.append(f"audio is {a.codec} {a.profile}, recommended AAC-LC")
        if a.sample_rate != platform.audio_rate or a.channels != platform.audio_channels:
            notes.append(f"audio {a.sample_rate} Hz {a.channels} ch, recommended {platform.audio_rate} Hz "
                         f"{platform.audio_channels} ch")
    value = f"{v.codec} {v.profile} {v.pix_fmt}, GOP {v.max_gop}" + (f", B {v.max_bframes}" if v.max_bframes is not None else "")
    if a is not None:
        value += f"; {a.codec} {a.profile} {a.sample_rate // 1000} kHz {a.channels} ch"
    return Check("encoding", value, f"{platform.label} recommendations", "warn" if notes else "pass", "; ".join(notes))


def _flash_check(result: FlashResult, name: str, kind: str) -> Check:
    count = result.general if kind == "general" else result.red
    at = result.general_at if kind == "general" else result.red_at
    ok = count <= MAX_TRANSITIONS_PER_SECOND
    value = f"{count} transition{'s' if count != 1 else ''} in 1s" + (f" (at {at:.2f}s)" if count else "")
    what = "luminance" if kind == "general" else "saturated-red"
    return Check(name, value, f"<= {MAX_TRANSITIONS_PER_SECOND} (3 flashes) in any 1s", "pass" if ok else "fail",
                 "" if ok else f"{count} {what} transitions over a quarter of the screen in the second "
                               f"before {at:.2f}s: photosensitive viewers are at risk")


# -- text contrast ---------------------------------------------------------------------------


def _text_entries(meta: dict | None, video: VideoInfo) -> list[dict]:
    if not meta or not isinstance(meta.get("text"), list):
        return []
    sx = video.width / meta.get("width", video.width)
    sy = video.height / meta.get("height", video.height)
    out = []
    for entry in meta["text"]:
        try:
            x0, y0, x1, y1 = entry["box"]
            frame = min(max(0, video.frames - 1), round(float(entry["time"]) * video.fps))
            out.append({**entry, "frame": frame, "box_px": (x0 * sx, y0 * sy, x1 * sx, y1 * sy),
                        "size_scaled": float(entry["size_px"]) * sy})
        except (KeyError, TypeError, ValueError):
            continue
    return out


def text_background(rgb: np.ndarray, box, size_px: float, exclude: list) -> np.ndarray | None:
    """The median colour behind and around a text box: pixels in the box and a
    margin around it, leaving out those close to the text's own colours."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = box
    margin = max(2.0, 0.25 * size_px)
    ax0, ay0 = max(0, int(math.floor(x0 - margin))), max(0, int(math.floor(y0 - margin)))
    ax1, ay1 = min(w, int(math.ceil(x1 + margin))), min(h, int(math.ceil(y1 + margin)))
    if ax1 - ax0 < 2 or ay1 - ay0 < 2:
        return None
    region = rgb[ay0:ay1, ax0:ax1].reshape(-1, 3).astype(np.int16)
    keep = np.ones(len(region), bool)
    for colour in exclude:
        keep &= np.max(np.abs(region - np.asarray(colour, np.int16)), axis=1) > 24
    pixels = region[keep]
    if len(pixels) < max(8, 0.05 * len(region)):
        # The text's colour is everywhere: take the margin outside the box as it is.
        ring = np.ones((ay1 - ay0, ax1 - ax0), bool)
        ring[max(0, int(y0) - ay0):max(0, int(math.ceil(y1)) - ay0), max(0, int(x0) - ax0):max(0, int(math.ceil(x1)) - ax0)] = False
        pixels = rgb[ay0:ay1, ax0:ax1][ring].reshape(-1, 3).astype(np.int16)
        if len(pixels) == 0:
            return None
    return np.median(pixels, axis=0)


def text_contrast(entry: dict, rgb: np.ndarray) -> tuple[float, float] | None:
    """(contrast ratio, required ratio) of one text entry on its decoded frame."""
    fill = entry["fill"][:3]
    outline = entry.get("outline")
    exclude = [fill] + ([outline[:3]] if outline else [])
    bg = text_background(rgb, entry["box_px"], entry.get("size_scaled", entry["size_px"]), exclude)
    if bg is None:
        return None
    alpha = float(entry.get("opacity", 1.0))
    shown = [alpha * f + (1 - alpha) * b for f, b in zip(fill, bg)]
    ratio = contrast_ratio(shown, bg)
    if outline and float(entry.get("outline_width", 0)) >= OUTLINE_COUNTS * float(entry["size_px"]):
        ratio = max(ratio, contrast_ratio(fill, outline[:3]))
    required = CONTRAST_LARGE if entry.get("large") else CONTRAST_NORMAL
    return ratio, required


def _contrast_check(texts: list[dict], frames: dict[int, np.ndarray], meta: dict | None) -> Check:
    limit = f">= {CONTRAST_NORMAL:g}:1 ({CONTRAST_LARGE:g}:1 large text)"
    if meta is None:
        return Check("text contrast", "no OUT.json beside the video", limit, "skip")
    if not texts:
        return Check("text contrast", "no on-screen text", limit, "pass")
    worst = None
    failing = []
    small = 0
    for entry in texts:
        rgb = frames.get(entry["frame"])
        if rgb is None:
            continue
        if entry["size_scaled"] < MIN_TEXT_PX:
            small += 1
            continue
        measured = text_contrast(entry, rgb)
        if measured is None:
            continue
        ratio, required = measured
        label = f"'{_short(entry.get('text', ''))}' in scene {entry.get('scene', '?')}"
        if worst is None or ratio / required < worst[0] / worst[1]:
            worst = (ratio, required, label)
        if ratio < required - 1e-6:
            failing.append(f"{label}: {ratio:.2f}:1, needs {required:g}:1")
    if worst is None:
        what = f"{small} text{'s' if small != 1 else ''} under {MIN_TEXT_PX:g} px, not measured" if small \
            else "no text on screen to measure"
        return Check("text contrast", what, limit, "skip" if small else "pass")
    value = f"{worst[0]:.2f}:1 ({worst[2]})"
    return Check("text contrast", value, limit, "fail" if failing else "pass", "; ".join(failing))


def _short(text: str, n: int = 24) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


# -- caption reading speed -------------------------------------------------------------------------


def caption_speeds(path: Path) -> list[tuple[float, float, float, str]]:
    """(start, end, characters per second, text) of each cue in a SRT/VTT file."""
    import pysubs2

    subs = pysubs2.load(str(path))
    out = []
    for event in subs:
        if event.is_comment:
            continue
        text = " ".join(event.plaintext.split())
        chars = reading_length(text)
        seconds = max(1e-3, (event.end - event.start) / 1000)
        out.append((event.start / 1000, event.end / 1000, chars / seconds, text))
    return out


def _reading_check(path: Path, age: float | None) -> Check:
    limit_cps = reading_speed_limit(age)
    who = "children's programmes" if age is None else f"age {age:g}"
    limit = f"<= {limit_cps:g} chars/s ({who})"
    captions = _sidecar(path, ".srt") or _sidecar(path, ".vtt")
    if captions is None:
        return Check("reading speed", "no captions beside the video", limit, "skip")
    try:
        speeds = caption_speeds(captions)
    except Exception as err:  # noqa: BLE001 - a broken captions file is a failed check, not a crash
        return Check("reading speed", f"cannot read {captions.name}", limit, "fail", str(err))
    if not speeds:
        return Check("reading speed", "no cues", limit, "pass")
    start, end, cps, text = max(speeds, key=lambda s: s[2])
    too_fast = [s for s in speeds if s[2] > limit_cps + 1e-6]
    detail = "; ".join(f"{s[0]:.2f}s '{_short(s[3], 32)}' {s[2]:.1f} chars/s" for s in too_fast[:5])
    if len(too_fast) > 5:
        detail += f"; and {len(too_fast) - 5} more"
    return Check("reading speed", f"{cps:.1f} chars/s (cue at {start:.2f}s)", limit,
                 "fail" if too_fast else "pass", detail)
