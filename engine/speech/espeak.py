"""The eSpeak NG provider: the offline default, driven through its C library with ctypes.

The library comes from a system libespeak-ng when one is installed (with its own
data), else from the `espeakng-loader` wheel (library and data in the wheel). It
is initialised once per process in synchronous mode with phoneme events in IPA:
`espeak_Synth` then calls our callback with 22050 Hz int16 buffers and event
lists (WORD, PHONEME, SENTENCE, END ...) carrying `audio_position` in ms. Words
are taken from the input text at the events' character positions.

eSpeak's state (voice, parameters, callback) is global to the library, so every
use goes through `_LOCK`.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from ctypes import CFUNCTYPE, POINTER, Structure, Union, c_char, c_char_p, c_int, c_short, c_uint, c_void_p
from dataclasses import dataclass

import numpy as np

from . import PhonemeTiming, Prosody, Speech, SpeechError, Voice, WordTiming
from .audio import SAMPLE_RATE, align_words, finish_timings, resample, soft_limit

NAME = "espeak"
# Bump when this module's processing changes what comes out (invalidates the cache).
REVISION = 2  # 2: lexicon entries ({a-sound}) said as phonemes
INSTALL_HINT = "pip install espeakng-loader   (or install the system package libespeak-ng1)"

# speak_lib.h
AUDIO_OUTPUT_SYNCHRONOUS = 2
espeakINITIALIZE_PHONEME_EVENTS = 0x0001
espeakINITIALIZE_PHONEME_IPA = 0x0002
espeakINITIALIZE_DONT_EXIT = 0x8000
espeakCHARS_UTF8 = 1
espeakPHONEMES = 0x100  # espeak_Synth flag: read [[ ]] as phoneme mnemonics (lexicon entries)
POS_CHARACTER = 1
EVENT_LIST_TERMINATED, EVENT_WORD, EVENT_SENTENCE, EVENT_MARK, EVENT_PLAY = 0, 1, 2, 3, 4
EVENT_END, EVENT_MSG_TERMINATED, EVENT_PHONEME, EVENT_SAMPLERATE = 5, 6, 7, 8
espeakRATE, espeakVOLUME, espeakPITCH, espeakRANGE, espeakPUNCTUATION = 1, 2, 3, 4, 5
espeakCAPITALS, espeakWORDGAP = 6, 7
RATE_MIN, RATE_MAX = 80, 450
# eSpeak's noise generator is seeded before each utterance. Output still depends a
# little on what the process said before (the pitch flutter's phase carries over),
# so a re-synthesis matches the cached audio in words and length, not bit for bit.
SEED = 20240601


class _EventId(Union):
    _fields_ = [("number", c_int), ("name", c_char_p), ("string", c_char * 8)]


class _Event(Structure):
    _fields_ = [
        ("type", c_int),
        ("unique_identifier", c_uint),
        ("text_position", c_int),  # characters from the start of the text, 1-based
        ("length", c_int),  # characters, for WORD events
        ("audio_position", c_int),  # ms from the start of the message
        ("sample", c_int),
        ("user_data", c_void_p),
        ("id", _EventId),
    ]


_CALLBACK = CFUNCTYPE(c_int, POINTER(c_short), c_int, POINTER(_Event))


@dataclass
class _Library:
    lib: ctypes.CDLL
    path: str
    data: str | None
    sample_rate: int
    version: str
    source: str  # "system" | "espeakng-loader"
    seedable: bool = False


_LOCK = threading.RLock()
_LIB: _Library | None = None
_LOAD_ERROR: SpeechError | None = None
_voice: str | None = None  # the voice the library has selected


def _declare(lib: ctypes.CDLL) -> None:
    lib.espeak_Initialize.argtypes = [c_int, c_int, c_char_p, c_int]
    lib.espeak_Initialize.restype = c_int
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetParameter.argtypes = [c_int, c_int, c_int]
    lib.espeak_SetParameter.restype = c_int
    lib.espeak_SetVoiceByName.argtypes = [c_char_p]
    lib.espeak_SetVoiceByName.restype = c_int
    lib.espeak_Synth.argtypes = [c_void_p, ctypes.c_size_t, c_uint, c_int, c_uint, c_uint, POINTER(c_uint), c_void_p]
    lib.espeak_Synth.restype = c_int
    lib.espeak_Synchronize.argtypes = []
    lib.espeak_Synchronize.restype = c_int
    lib.espeak_Info.argtypes = [POINTER(c_char_p)]
    lib.espeak_Info.restype = c_char_p


def _candidates() -> list[tuple[str, str | None, str]]:
    """(library path, data path or None for the library's own, source) in order of preference."""
    found: list[tuple[str, str | None, str]] = []
    explicit = os.environ.get("STORYREEL_ESPEAK_LIBRARY")
    if explicit:
        found.append((explicit, os.environ.get("STORYREEL_ESPEAK_DATA") or None, "STORYREEL_ESPEAK_LIBRARY"))
    system = ctypes.util.find_library("espeak-ng")
    if system:
        found.append((system, None, "system"))
    try:
        import espeakng_loader  # type: ignore[import-not-found]

        found.append((espeakng_loader.get_library_path(), espeakng_loader.get_data_path(), "espeakng-loader"))
    except Exception:  # not installed, or its data folder is missing
        pass
    return found


def _load() -> _Library:
    """Load and initialise the library once per process (call with _LOCK held)."""
    global _LIB, _LOAD_ERROR
    if _LIB is not None:
        return _LIB
    if _LOAD_ERROR is not None:
        raise _LOAD_ERROR
    problems: list[str] = []
    for path, data, source in _candidates():
        try:
            lib = ctypes.CDLL(path)
            _declare(lib)
        except (OSError, AttributeError) as exc:
            problems.append(f"{source} {path}: {exc}")
            continue
        options = espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_PHONEME_IPA | espeakINITIALIZE_DONT_EXIT
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 100, data.encode() if data else None, options)
        # With DONT_EXIT a missing data folder does not abort: selecting a voice fails instead.
        if rate <= 0 or lib.espeak_SetVoiceByName(b"en") != 0:
            problems.append(f"{source} {path}: initialisation failed (data: {data or 'built-in path'})")
            continue
        lib.espeak_SetSynthCallback(_callback)
        try:  # espeak-ng >= 1.52: its noise generator can be seeded (deterministic output)
            lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
            lib.espeak_ng_SetRandSeed.restype = None
            seedable = True
        except AttributeError:
            seedable = False
        data_out = c_char_p()
        version = (lib.espeak_Info(ctypes.byref(data_out)) or b"?").decode(errors="replace")
        _LIB = _Library(lib, path, data, rate, version, source, seedable)
        return _LIB
    detail = "; ".join(problems) if problems else "no libespeak-ng found and the espeakng-loader wheel is not installed"
    _LOAD_ERROR = SpeechError(f"speech provider 'espeak' (eSpeak NG) is not available: {detail}", hint=INSTALL_HINT)
    raise _LOAD_ERROR


# The callback collects into this per-synthesis buffer (only ever touched with _LOCK held).
_current: dict | None = None


@_CALLBACK
def _callback(wav, count, events):  # type: ignore[no-untyped-def]
    state = _current
    if state is None:
        return 0
    try:
        if wav and count > 0:
            state["chunks"].append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            ev = events[i]
            if ev.type == EVENT_WORD:
                state["words"].append((ev.text_position, ev.length, ev.audio_position))
            elif ev.type == EVENT_PHONEME:
                raw = bytes(ev.id.string)
                state["phonemes"].append((raw.decode("utf-8", errors="ignore"), ev.audio_position))
            elif ev.type == EVENT_SAMPLERATE:
                state["rate"] = ev.id.number
            i += 1
            if ev.type == EVENT_MSG_TERMINATED:
                break
    except Exception as exc:  # never let a Python error unwind through C
        state["error"] = exc
        return 1
    return 0


def _voice_name(voice: Voice) -> str:
    name = voice.language or "en"
    if voice.speaker:
        name += "+" + voice.speaker
    return name


def _exclaim(text: str) -> str:
    """Speak a statement as an exclamation: a final '.' (or nothing) becomes '!'.
    Only the end changes, so word positions stay valid."""
    stripped = text.rstrip()
    if stripped.endswith(("!", "?", "…")):
        return text
    if stripped.endswith("."):
        return stripped[:-1] + "!"
    return stripped + "!"


class EspeakProvider:
    """eSpeak NG through ctypes. `calls` counts real syntheses (the cache test reads it)."""

    name = NAME
    description = "eSpeak NG (offline, formant synthesis; bundled via espeakng-loader)"
    install_hint = INSTALL_HINT

    def __init__(self) -> None:
        with _LOCK:
            self._lib = _load()
        self.calls = 0

    def version(self) -> str:
        return f"espeak-ng {self._lib.version} r{REVISION}"

    @property
    def library(self) -> str:
        return f"{self._lib.path} ({self._lib.source})"

    def synthesize(self, text: str, voice: Voice, prosody: Prosody) -> Speech:
        global _current, _voice
        from . import lexicon

        said, shown = lexicon.for_provider(text, NAME)
        flags = espeakCHARS_UTF8 | (espeakPHONEMES if "[[" in said else 0)
        spoken = _exclaim(said) if prosody.exclaim else said
        data = spoken.encode("utf-8") + b"\0"
        name = _voice_name(voice)
        lib = self._lib.lib
        with _LOCK:
            if _voice != name:
                if lib.espeak_SetVoiceByName(name.encode()) != 0:
                    _voice = None
                    raise SpeechError(
                        f"speech provider 'espeak' has no voice '{name}' (language {voice.language!r}, "
                        f"variant {voice.speaker!r})",
                        hint="use an eSpeak language code such as en, en-us, en-gb-x-rp, fr, de and a "
                        "variant such as f3, m3, Annie (see espeak-ng --voices)",
                    )
                _voice = name
            lib.espeak_SetParameter(espeakRATE, int(round(min(max(prosody.rate_wpm, RATE_MIN), RATE_MAX))), 0)
            lib.espeak_SetParameter(espeakPITCH, int(round(min(max(prosody.pitch, 0), 100))), 0)
            lib.espeak_SetParameter(espeakRANGE, int(round(min(max(prosody.pitch_range, 0), 100))), 0)
            # Above 100 eSpeak compresses and clips in int16: louder is applied as gain below.
            lib.espeak_SetParameter(espeakVOLUME, int(round(min(max(prosody.volume, 0), 100))), 0)
            lib.espeak_SetParameter(espeakWORDGAP, int(round(max(prosody.word_gap, 0.0) * 100)), 0)
            lib.espeak_SetParameter(espeakPUNCTUATION, 0, 0)
            lib.espeak_SetParameter(espeakCAPITALS, 0, 0)
            state: dict = {"chunks": [], "words": [], "phonemes": [], "rate": self._lib.sample_rate, "error": None}
            _current = state
            try:
                self.calls += 1
                if self._lib.seedable:
                    lib.espeak_ng_SetRandSeed(SEED)
                err = lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, flags, None, None)
                if err == 0:
                    lib.espeak_Synchronize()
            finally:
                _current = None
        if state["error"] is not None:
            raise SpeechError(f"speech provider 'espeak' failed in its callback: {state['error']}")
        if err != 0:
            raise SpeechError(f"speech provider 'espeak' failed: espeak_Synth returned {err}")
        raw = np.concatenate(state["chunks"]) if state["chunks"] else np.zeros(0, np.int16)
        if raw.size == 0 or not np.any(raw):
            raise SpeechError(f"speech provider 'espeak' produced no audio for {text!r}")
        samples = resample(raw.astype(np.float32) / 32768.0, state["rate"], SAMPLE_RATE)
        if prosody.volume > 100:
            samples = soft_limit(samples * np.float32(min(prosody.volume, 200) / 100.0))
        return _build(said, samples, state["words"], state["phonemes"], shown)


def _build(text: str, samples: np.ndarray, words_raw: list, phonemes_raw: list, shown: str | None = None) -> Speech:
    # text_position counts characters (1-based) of the UTF-8 input.
    words = align_words(text, [(max(position - 1, 0), ms / 1000.0) for position, _, ms in words_raw])
    if shown is not None and shown != text:  # lexicon entries: the caption's words, the spoken words' times
        labels = [w for w, _ in align_words(shown, [])]
        if len(labels) == len(words):
            words = [(label, start) for label, (_, start) in zip(labels, words)]
    phonemes = [(p.strip(), ms / 1000.0) for p, ms in phonemes_raw if p.strip()]
    samples, word_timings, phoneme_timings = finish_timings(samples, words, phonemes)
    return Speech(
        samples,
        tuple(WordTiming(t, s, e) for t, s, e in word_timings),
        tuple(PhonemeTiming(p, s, e) for p, s, e in phoneme_timings),
    )
