"""The mixer: a timeline's `AudioClip`s -> one 48 kHz stereo float32 track.

Every clip is placed at `round(start * 48000)` (sample-exact, so nothing drifts
at any length). The mix is computed in 1-second blocks on demand and never held
whole: a first pass measures it (FFmpeg's ebur128) to find the gain to the
loudness target, a second one runs only when a look-ahead limiter is needed to
keep true peaks under the ceiling, and then `read(start, count)` (the encoder's
`AudioSource` protocol) renders blocks as the encoder asks for them. Memory is
the decoded sources (speech, files, one loop of generated music) plus a few
blocks, whatever the length of the video.

Clip semantics (all times on the video's clock, in seconds):
  speech  source is handed to `speech_loader` (default: decode the file); it ducks music
  sound   a library sound (`library.LIBRARY_SOUNDS`: effects, bank sounds, animals) or an audio file
  music   "nursery" or "generated" (an arranged piece exactly as long as the clip, ending on
          a cadence; params mood, melody, tempo, key, seed, age; see music.piece) or an audio file
  end     cuts the clip (music defaults to the video's end); a cut gets a short fade,
          music a longer one (params fade_out, default 2 s, at most a quarter of the clip)
  loop    repeats a file (with a 50 ms crossfade at the seam) until `end`; generated
          music always extends to its end
  duck    the clip is lowered by `duck_db` (-10 dB) while any voice sounds (speech, or a
          sound with params voice: a recorded narration, gated frame by frame), with a
          smooth ~80 ms attack (finishing as speech starts) and ~300 ms release
  params  trim_start / trim_end (seconds in a file), fade_in (music: 0.05 s), fade_out,
          tempo, key, seed, voice (a sound that ducks music like speech), volume_keys
          (ramps of the volume over time: automation.VolumeCurve)
"""
from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..timeline.timeline import AudioClip
from .automation import VolumeCurve, voice_activity
from .errors import AudioError
from .files import load_audio
from .library import is_library_sound, library_sound
from .loudness import (
    DEFAULT_TARGET, DEFAULT_TRUE_PEAK, LIMITER_MARGIN_DB, LIMITER_REACH, LoudnessMeter, db_to_gain,
    limiter_gain, plan_gain,
)
from .music import check_seed, check_tempo, parse_key
from .music import piece as music_piece
from .synth import RATE, raised_cosine

BLOCK = RATE  # render granularity: 1 s (a multiple of the limiter's 1 ms grid)
CLIP_KINDS = ("speech", "sound", "music")
MUSIC_GENERATORS = ("nursery", "generated")
CUT_FADE = 0.010  # seconds: fade applied where `end` cuts a clip
LOOP_CROSSFADE = 0.050
# Music fades in over 50 ms unless params say otherwise: FFmpeg's AAC encoder codes its first
# frame poorly (a loud onset at sample 0 came back 1.5 dB over the true-peak ceiling).
MUSIC_FADE_IN = 0.050
SPEECH_GATE = 10 ** (-50 / 20)  # speech is "sounding" from its first to last sample above -50 dBFS

SpeechLoader = Callable[[str], np.ndarray]


def as_planar(samples: Any, what: str) -> np.ndarray:
    """(n,), (1, n), (2, n) or (n, 2) float -> contiguous (1, n) or (2, n) float32.
    Mono stays one channel (the mixer adds it to both at full level)."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    elif x.ndim == 2 and x.shape[0] not in (1, 2) and x.shape[1] in (1, 2):
        x = x.T
    if x.ndim != 2 or x.shape[0] not in (1, 2):
        raise AudioError(f"{what}: expected mono or stereo samples, got an array of shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise AudioError(f"{what}: samples contain NaN or infinity")
    return np.ascontiguousarray(x)


def change_tempo(data: np.ndarray, speed: float) -> np.ndarray:
    """(channels, n) float samples played `speed` times as fast, pitch kept (FFmpeg's
    atempo, chained for speeds outside its 0.5-2 range): a clip's `speed 2`."""
    import av

    steps, rest = [], speed
    while rest > 2.0:
        steps.append(2.0)
        rest /= 2.0
    while rest < 0.5:
        steps.append(0.5)
        rest /= 0.5
    steps.append(rest)
    channels = data.shape[0]
    layout = "mono" if channels == 1 else "stereo"
    planar = np.ascontiguousarray(data[:2], dtype=np.float32)
    graph = av.filter.Graph()
    nodes = [graph.add_abuffer(format="fltp", sample_rate=RATE, layout=layout, time_base=Fraction(1, RATE))]
    nodes += [graph.add("atempo", f"{step:.6f}") for step in steps]
    nodes += [graph.add("aformat", "sample_fmts=fltp"), graph.add("abuffersink")]
    for a, b in zip(nodes, nodes[1:]):
        a.link_to(b)
    graph.configure()
    out = []
    block = 4096
    for i in [*range(0, planar.shape[1], block), None]:
        if i is None:
            nodes[0].push(None)  # flush what atempo holds
        else:
            frame = av.AudioFrame.from_ndarray(planar[:, i:i + block], format="fltp", layout=layout)
            frame.sample_rate, frame.pts, frame.time_base = RATE, i, Fraction(1, RATE)
            nodes[0].push(frame)
        while True:
            try:
                out.append(nodes[-1].pull().to_ndarray())
            except (av.BlockingIOError, av.EOFError):
                break
    return np.concatenate(out, axis=1).astype(np.float32) if out else np.zeros((planar.shape[0], 0), np.float32)


def to_stereo(samples: Any, what: str = "audio") -> np.ndarray:
    """(n,), (1, n), (2, n) or (n, 2) float -> contiguous (2, n) float32."""
    x = as_planar(samples, what)
    return x if x.shape[0] == 2 else np.repeat(x, 2, axis=0)


# -- sources -----------------------------------------------------------------------


class _ArrayReader:
    """Clip-local samples of a decoded (channels, n) array, optionally repeated with a
    crossfade seam. Returns as many channels as it holds (1 or 2)."""

    def __init__(self, data: np.ndarray, loop: bool):
        self.data = data
        n = data.shape[1]
        self.loop = loop and n >= 8
        self.length = None if self.loop else n
        if self.loop:
            x = min(int(LOOP_CROSSFADE * RATE), n // 4)
            self.xfade = x
            self.period = n - x
            k = (np.arange(x, dtype=np.float64) + 0.5) / max(x, 1)
            fade_in = np.sin(0.5 * np.pi * k)
            fade_out = np.cos(0.5 * np.pi * k)
            self.seam = (data[:, n - x:] * fade_out + data[:, :x] * fade_in).astype(np.float32)

    def read(self, start: int, count: int) -> np.ndarray:
        c, n = self.data.shape
        if not self.loop:
            out = np.zeros((c, count), dtype=np.float32)
            lo, hi = max(0, start), min(n, start + count)
            if hi > lo:
                out[:, lo - start:hi - start] = self.data[:, lo:hi]
            return out
        out = np.empty((c, count), dtype=np.float32)
        pos, i = start, 0
        while i < count:
            if pos < self.period:  # the first pass, up to where the first seam begins
                step = min(count - i, self.period - pos)
                out[:, i:i + step] = self.data[:, pos:pos + step]
            else:
                j = (pos - self.period) % self.period
                if j < self.xfade:
                    step = min(count - i, self.xfade - j)
                    out[:, i:i + step] = self.seam[:, j:j + step]
                else:
                    step = min(count - i, self.period - j)
                    out[:, i:i + step] = self.data[:, j:j + step]
            pos += step
            i += step
        return out


@dataclass
class _Placed:
    """One clip on the sample clock: [start, stop) absolute samples."""

    index: int
    kind: str
    start: int
    stop: int
    gain: float
    duck: bool
    reader: Any
    skip: int = 0  # clip-local sample that plays at `start` (a clip that begins before 0)
    fade_in: int = 0
    fade_out: int = 0
    sounding: tuple[tuple[int, int], ...] = ()  # a voice: absolute [first, last) ranges above the gate
    volume: VolumeCurve | None = None  # the volume automated over time (replaces `gain`)

    def render(self, lo: int, hi: int) -> np.ndarray:
        """Absolute samples [lo, hi) of this clip (inside [start, stop)), gain and fades applied."""
        local = lo - self.start
        seg = self.reader.read(self.skip + local, hi - lo)
        env = None
        if self.fade_in and local < self.fade_in:
            idx = np.arange(local, hi - self.start, dtype=np.float64)
            env = raised_cosine((idx + 0.5) / self.fade_in)
        length = self.stop - self.start
        if self.fade_out and hi - self.start > length - self.fade_out:
            idx = np.arange(local, hi - self.start, dtype=np.float64)
            out_env = raised_cosine((length - idx - 0.5) / self.fade_out)
            env = out_env if env is None else env * out_env
        if self.volume is not None:
            curve = self.volume.gains(self.skip + local, hi - lo)
            env = curve if env is None else env * curve
            seg = seg * env.astype(np.float32)
        elif env is not None:
            seg = seg * (env * self.gain).astype(np.float32)
        elif self.gain != 1.0:
            seg = seg * np.float32(self.gain)
        return seg


@dataclass
class MixStats:
    duration: float
    clips: int
    analysis_seconds: float = 0.0  # measuring passes (ebur128) incl. rendering for them
    output_seconds: float = 0.0  # rendering blocks handed out by read()/render()
    output_samples: int = 0
    integrated_before: float = float("-inf")  # LUFS of the raw mix
    true_peak_before: float = float("-inf")  # dBTP of the raw mix
    gain_db: float = 0.0
    limited: bool = False
    passes: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def realtime_factor(self) -> float | None:
        """Seconds of audio per second of work, once the whole mix has been produced."""
        total = self.analysis_seconds + self.output_seconds
        if total <= 0 or self.output_samples < round(self.duration * RATE):
            return None
        return self.duration / total

    def as_dict(self) -> dict:
        return {
            "duration": self.duration, "clips": self.clips, "analysis_seconds": self.analysis_seconds,
            "output_seconds": self.output_seconds, "integrated_before": self.integrated_before,
            "true_peak_before": self.true_peak_before, "gain_db": self.gain_db, "limited": self.limited,
            "passes": self.passes, "realtime_factor": self.realtime_factor,
        }


class Mixer:
    """Mix `clips` over `duration` seconds; an `AudioSource` for the encoder.

    All sources are loaded and checked here, so a bad file or setting raises
    `AudioError` before any rendering. Loudness analysis runs on `prepare()`, or
    on the first `read()`/`render()`.
    """

    def __init__(
        self,
        clips: Sequence[AudioClip],
        duration: float,
        speech_loader: SpeechLoader | None = None,
        loudness_target: float | None = DEFAULT_TARGET,
        true_peak: float = DEFAULT_TRUE_PEAK,
        base_dir: str | os.PathLike | None = None,
        duck_db: float = -10.0,
        duck_attack: float = 0.08,
        duck_release: float = 0.30,
    ):
        if not (duration >= 0 and math.isfinite(duration)):
            raise AudioError(f"bad audio duration {duration!r}")
        self.duration = float(duration)
        self.total_samples = int(round(self.duration * RATE))
        self.loudness_target = loudness_target
        self.true_peak = float(true_peak)
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.speech_loader = speech_loader
        self.duck_db = float(duck_db)
        self.duck_attack = max(1, int(round(duck_attack * RATE)))
        self.duck_release = max(1, int(round(duck_release * RATE)))

        self._speech_cache: dict[str, np.ndarray] = {}
        placed = [p for i, clip in enumerate(clips) if (p := self._place(i, clip)) is not None]
        self._speech_cache.clear()
        placed.sort(key=lambda p: (p.start, p.index))
        self.sources = placed
        self._starts = np.array([p.start for p in placed], dtype=np.int64)
        self._stops = np.array([p.stop for p in placed], dtype=np.int64)
        self._speech = self._speech_intervals(placed)

        self.stats = MixStats(duration=self.duration, clips=len(placed))
        self._gain = 1.0
        self._limit = False
        self._prepared = False
        self._lock = threading.RLock()
        self._cache: dict[int, np.ndarray] = {}

    # -- loading -------------------------------------------------------------------

    def _resolve(self, source: str) -> str:
        p = Path(os.path.expanduser(source))
        if not p.is_absolute() and self.base_dir is not None:
            p = self.base_dir / p
        return str(p)

    def _file(self, clip: AudioClip, what: str) -> np.ndarray:
        params = clip.params or {}
        trim = params.get("trim")
        trim_start = float(params.get("trim_start", trim[0] if trim else 0.0) or 0.0)
        trim_end = params.get("trim_end", trim[1] if trim and len(trim) > 1 else None)
        data = load_audio(self._resolve(clip.source), trim_start, None if trim_end is None else float(trim_end),
                          keep_mono=True)
        speed = float(params.get("speed", 1.0))
        return data if speed == 1.0 else change_tempo(data, speed)

    def _place(self, index: int, clip: AudioClip) -> _Placed | None:
        kind = clip.kind
        what = f"{kind} '{clip.source}'"
        if kind not in CLIP_KINDS:
            raise AudioError(f"unknown audio clip kind '{kind}'", f"use one of {', '.join(CLIP_KINDS)}")
        if not (clip.volume >= 0 and math.isfinite(clip.volume)):
            raise AudioError(f"{what}: volume {clip.volume} must be a number >= 0")
        if not math.isfinite(clip.start):
            raise AudioError(f"{what}: bad start time {clip.start!r}")
        params = clip.params or {}
        start = int(round(clip.start * RATE))
        limit = self.total_samples
        if clip.end is not None:
            if clip.end < clip.start:
                raise AudioError(f"{what}: ends ({clip.end:g} s) before it starts ({clip.start:g} s)")
            limit = min(limit, int(round(clip.end * RATE)))
        fade_in = int(round(float(params.get("fade_in", MUSIC_FADE_IN if kind == "music" else 0.0)) * RATE))
        sounding: list[tuple[int, int]] = []

        if kind == "music" and clip.source.strip().lower() in MUSIC_GENERATORS:
            # An arranged piece as long as the clip (to its end or the video's), ending on a
            # cadence: nothing loops, and nothing is cut.
            tempo = params.get("tempo")
            key = params.get("key")
            age = params.get("age")
            reader: Any = music_piece(max(0, limit - start) / RATE, mood=str(params.get("mood", "happy")),
                                      melody=params.get("melody"), seed=check_seed(params.get("seed", 0)),
                                      tempo=None if tempo is None else check_tempo(tempo),
                                      key=None if key is None else parse_key(key)[0],
                                      age=None if age is None else float(age),
                                      source=clip.source.strip().lower())
            natural = reader.length
        else:
            if kind == "speech" and self.speech_loader is not None:
                data = self._speech_cache.get(clip.source)
                if data is None:
                    try:
                        data = as_planar(self.speech_loader(clip.source), what)
                    except AudioError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - a loader's failure, reported with the clip
                        raise AudioError(f"cannot load {what}: {exc}") from exc
                    self._speech_cache[clip.source] = data
            elif kind == "sound" and is_library_sound(clip.source):
                data = library_sound(clip.source)
                if "trim_start" in params or "trim_end" in params:  # `sound pop from 0.1s to 0.3s`
                    first = int(round(float(params.get("trim_start", 0.0)) * RATE))
                    last = params.get("trim_end")
                    data = data[:, first:None if last is None else int(round(float(last) * RATE))]
            else:
                path = self._resolve(clip.source)
                if kind == "sound" and not Path(path).exists() and not Path(clip.source).suffix:
                    library_sound(clip.source)  # not a file and not a built-in: raises with a suggestion
                data = self._file(clip, what)
            loop = bool(clip.loop) and kind != "speech"
            reader = _ArrayReader(data, loop)
            natural = reader.length
            if kind == "speech":
                loud = np.flatnonzero(np.max(np.abs(data), axis=0) > SPEECH_GATE)
                if loud.size:
                    sounding = [(int(loud[0]), int(loud[-1]) + 1)]
            elif params.get("voice"):  # a recorded narration: music ducks while it speaks
                sounding = voice_activity(data)

        stop = limit if natural is None else min(limit, start + natural)
        if stop <= max(start, 0):
            return None  # starts after the video (or its own end) or has no samples
        cut = natural is None or start + natural > stop
        fade_out = 0
        length = stop - start
        if kind == "music":
            wanted = float(params.get("fade_out", 2.0))
            fade_out = int(round(min(wanted, length / RATE / 4.0) * RATE)) if cut else 0
        elif cut:
            fade_out = min(int(CUT_FADE * RATE), length // 2)
        if kind == "sound" and "fade_out" in params:  # `sound "x.wav" fade out 1s`: its own fade
            fade_out = max(fade_out, min(int(round(float(params["fade_out"]) * RATE)), length))
        skip = 0
        if start < 0:  # begins before the video: play from the right place in it
            skip, start = -start, 0
        spans = []
        for a, b in sounding:
            first, last = max(start - skip + a, start), min(start - skip + b, stop)
            if last > first:
                spans.append((first, last))
        keys = params.get("volume_keys")
        return _Placed(index=index, kind=kind, start=start, stop=stop, gain=float(clip.volume),
                       duck=bool(clip.duck), reader=reader, skip=skip, fade_in=min(fade_in, length),
                       fade_out=fade_out, sounding=tuple(spans),
                       volume=VolumeCurve(clip.volume, keys, what) if keys else None)

    def _speech_intervals(self, placed: list[_Placed]) -> np.ndarray:
        spans = sorted(span for p in placed for span in p.sounding)
        merged: list[list[int]] = []
        gap = self.duck_attack + self.duck_release  # closer sentences stay ducked in between
        for a, b in spans:
            if merged and a - merged[-1][1] <= gap:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return np.array(merged, dtype=np.int64).reshape(-1, 2)

    # -- rendering -------------------------------------------------------------------

    def duck_gain(self, start: int, count: int) -> np.ndarray:
        """Linear gain (count,) for ducked clips over absolute samples [start, start+count)."""
        depth = np.zeros(count, dtype=np.float64)
        sp = self._speech
        if len(sp):
            end = start + count
            # intervals whose ramps reach into the range
            lo = np.searchsorted(sp[:, 1] + self.duck_release, start, side="right")
            hi = np.searchsorted(sp[:, 0] - self.duck_attack, end, side="left")
            if hi > lo:
                idx = np.arange(start, end, dtype=np.float64)
                for a, b in sp[lo:hi]:
                    attack = raised_cosine((idx - (a - self.duck_attack)) / self.duck_attack)
                    release = raised_cosine(((b + self.duck_release) - idx) / self.duck_release)
                    np.maximum(depth, np.minimum(attack, release), out=depth)
        if self.duck_db == 0.0:
            return np.ones(count, dtype=np.float32)
        return np.power(10.0, self.duck_db * depth / 20.0).astype(np.float32)

    def render_raw(self, start: int, count: int) -> np.ndarray:
        """The mix before loudness normalisation over absolute samples [start, start+count)
        (zeros outside the video)."""
        out = np.zeros((2, count), dtype=np.float32)
        end = start + count
        lo_clip, hi_clip = max(start, 0), min(end, self.total_samples)
        if hi_clip <= lo_clip or not self.sources:
            return out
        hits = np.flatnonzero((self._starts < hi_clip) & (self._stops > lo_clip))
        ducked = None
        for i in hits:
            src = self.sources[i]
            lo, hi = max(lo_clip, src.start), min(hi_clip, src.stop)
            seg = src.render(lo, hi)
            if src.duck:
                if ducked is None:
                    ducked = np.zeros((2, count), dtype=np.float32)
                ducked[:, lo - start:hi - start] += seg
            else:
                out[:, lo - start:hi - start] += seg
        if ducked is not None:
            out += ducked * self.duck_gain(start, count)[None, :]
        return out

    def _render_normalised(self, start: int, count: int, gain: float, limit: bool) -> np.ndarray:
        if not limit:
            raw = self.render_raw(start, count)
            return raw if gain == 1.0 else raw * np.float32(gain)
        reach = LIMITER_REACH
        wide = self.render_raw(start - reach, count + 2 * reach) * np.float32(gain)
        g = limiter_gain(wide, db_to_gain(self.true_peak - LIMITER_MARGIN_DB))
        return wide[:, reach:reach + count] * g[None, reach:reach + count]

    def _blocks(self):
        for a in range(0, self.total_samples, BLOCK):
            yield a, min(BLOCK, self.total_samples - a)

    def prepare(self) -> None:
        """Measure the mix and settle the gain (and whether the limiter runs). Idempotent."""
        with self._lock:
            if self._prepared:
                return
            t0 = time.perf_counter()
            st = self.stats
            if self.loudness_target is not None and self.sources and self.total_samples:
                meter = LoudnessMeter()
                for a, n in self._blocks():
                    meter.add(self.render_raw(a, n))
                st.integrated_before, st.true_peak_before = meter.result()
                st.passes = 1
                gain_db, limit = plan_gain(st.integrated_before, st.true_peak_before,
                                           self.loudness_target, self.true_peak)
                if limit:
                    # the limiter takes a little loudness off: measure and correct once
                    meter = LoudnessMeter()
                    for a, n in self._blocks():
                        meter.add(self._render_normalised(a, n, db_to_gain(gain_db), True))
                    after, _ = meter.result()
                    st.passes = 2
                    if math.isfinite(after):
                        gain_db += self.loudness_target - after
                st.gain_db, st.limited = gain_db, limit
                self._gain, self._limit = db_to_gain(gain_db), limit
            st.analysis_seconds = time.perf_counter() - t0
            self._prepared = True

    def _block(self, a: int) -> np.ndarray:
        block = self._cache.get(a)
        if block is None:
            t0 = time.perf_counter()
            n = min(BLOCK, self.total_samples - a)
            block = self._render_normalised(a, n, self._gain, self._limit)
            self.stats.output_seconds += time.perf_counter() - t0
            self.stats.output_samples += n
            if len(self._cache) >= 2:
                self._cache.pop(next(iter(self._cache)))
            self._cache[a] = block
        return block

    def read(self, start_sample: int, count: int) -> np.ndarray:
        """The encoder's AudioSource: (2, count) float32 from `start_sample`, zeros past the end."""
        with self._lock:
            self.prepare()
            out = np.zeros((2, count), dtype=np.float32)
            lo, hi = max(start_sample, 0), min(start_sample + count, self.total_samples)
            pos = lo
            while pos < hi:
                a = (pos // BLOCK) * BLOCK
                block = self._block(a)
                step = min(hi, a + block.shape[1]) - pos
                out[:, pos - start_sample:pos - start_sample + step] = block[:, pos - a:pos - a + step]
                pos += step
            return out

    def render(self) -> np.ndarray:
        """The whole normalised mix, (2, round(duration*48000)) float32 (holds it all: for
        tests and short videos; the encoder streams through `read`)."""
        return self.read(0, self.total_samples)

    def iter_blocks(self):
        """(start_sample, block) over the whole normalised mix, one block at a time."""
        self.prepare()
        for a, _ in self._blocks():
            with self._lock:
                yield a, self._block(a)

    def mix_stats(self) -> dict:
        return self.stats.as_dict()
