"""Recorded narration: a WAV/MP3 of a person reading a line, as a `Speech`.

    speech = recorded("lines/hello.wav", "Hello, little star!")
    speech.words     # WordTiming per word of the text, from forced alignment
    speech.phonemes  # PhonemeTiming (IPA, as eSpeak writes it) for lip sync
    speech.path      # the recording as a cached 48 kHz mono WAV (an AudioClip's source)

The word and phoneme times come from forced alignment of the known text with
PocketSphinx (`pocketsphinx` on pip: its wheel carries the US English acoustic
model and the CMU pronouncing dictionary, so this works offline). Alignment runs
in two passes: a word-level pass over a grammar of exactly the text (with
optional pauses), then a state-level pass that gives every phone its frames
(10 ms) and an acoustic score. The phones (ARPAbet) are mapped to the IPA symbols
that eSpeak NG writes, so lip sync picks visemes as it does for synthesised lines;
captions and ducking see an ordinary `Speech`.

A recording that does not say the text is an error, not a misaligned video:

- the grammar cannot cover the audio at all (no alignment);
- the mean acoustic score per frame is below MIN_SCORE. Measured on the
  neural voice (the nearest thing to a person here): readings of the line score
  -9 to -18; readings of another line -39 or lower; the line followed by another
  sentence -33. A reading of only part of the line finds no alignment at all.
  eSpeak NG's formant speech scores -19 to -45 even when it says the line, so it
  is no stand-in for a recording;
- the recording is far too long or too short for the number of words.

Results are cached under `<cache>/speech/` by the recording's bytes and the text
(alignment takes ~0.2 s a line plus ~0.3 s to load the model once).
"""
from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

import numpy as np

from . import PhonemeTiming, Speech, SpeechError, WordTiming
from .audio import SAMPLE_RATE, resample

NAME = "recording"
REVISION = 1  # bump when what comes out changes (part of the cache key)
ALIGN_RATE = 16_000
FRAME_SECONDS = 0.01
MIN_SCORE = -27.0  # mean acoustic log-likelihood per 10 ms frame (PocketSphinx's units)
MAX_SECONDS_PER_WORD = 2.5  # plus MAX_EXTRA_SECONDS: slower than any reading, or other speech
MAX_EXTRA_SECONDS = 3.0
MIN_SECONDS_PER_WORD = 0.08  # faster than anyone speaks
MAX_SECONDS = 120.0
INSTALL_HINT = "pip install pocketsphinx   (its wheel has the English model and dictionary)"

# CMU dictionary phones (ARPAbet) -> IPA as eSpeak NG writes it (engine/characters/motion.py's viseme table).
ARPABET_IPA = {
    "AA": "ɑ", "AE": "æ", "AH": "ʌ", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "B": "b", "CH": "tʃ", "D": "d", "DH": "ð",
    "EH": "ɛ", "ER": "ɝ", "EY": "eɪ", "F": "f", "G": "ɡ", "HH": "h", "IH": "ɪ", "IY": "i", "JH": "dʒ", "K": "k",
    "L": "l", "M": "m", "N": "n", "NG": "ŋ", "OW": "oʊ", "OY": "ɔɪ", "P": "p", "R": "ɹ", "S": "s", "SH": "ʃ",
    "T": "t", "TH": "θ", "UH": "ʊ", "UW": "u", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ",
}

_LOCK = threading.Lock()
_DECODER = None


class RecordingError(SpeechError):
    """A recording that cannot be used for its line; `word` is the text's word at
    fault (its index in the text's words) when one is."""

    def __init__(self, message: str, hint: str = "", word: int | None = None):
        super().__init__(message, hint, provider=NAME)
        self.word = word


def _decoder():
    global _DECODER
    if _DECODER is None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:
            raise RecordingError(f"recorded lines need pocketsphinx, which is not installed ({exc})",
                                 INSTALL_HINT) from None
        # Wide beams, no second search: the state-level pass fails on pruned word lattices.
        _DECODER = Decoder(samprate=ALIGN_RATE, loglevel="FATAL", beam=1e-100, pbeam=1e-100, wbeam=1e-80,
                           fwdflat=False, bestpath=False)
    return _DECODER


def version() -> str:
    try:
        from importlib.metadata import version as dist_version

        ps = dist_version("pocketsphinx")
    except Exception:  # noqa: BLE001
        ps = "?"
    return f"{NAME}-{REVISION}/pocketsphinx-{ps}"


def dictionary_words(text: str) -> list[tuple[int, list[str]]]:
    """(index of the text's word, its dictionary words) for each spoken word of
    `text`: lower case, punctuation off, hyphenated words in parts ("bye-bye")."""
    out = []
    for i, token in enumerate(text.split()):
        parts = [p for p in re.split(r"[-\u2010\u2011\u2013\u2014/]+", token.lower())]
        parts = [re.sub(r"^[^\w']+|[^\w']+$", "", p.replace("\u2019", "'")).strip("'") for p in parts]
        parts = [p for p in parts if p]
        if parts:
            out.append((i, parts))
    return out


def _bare_token(token: str) -> str:
    return token.strip(".,!?;:\"'()[]\u201c\u201d\u2018\u2019\u00ab\u00bb\u2026\u2014-")


def align(samples: np.ndarray, text: str, rate: int = SAMPLE_RATE) -> tuple[list[WordTiming], list[PhonemeTiming], float]:
    """Forced alignment of `text` to mono `samples`: (words, phonemes, mean score
    per frame). Raises RecordingError when the audio does not say the text."""
    words = dictionary_words(text)
    if not words:
        raise RecordingError("the line has no words to align the recording with")
    tokens = text.split()
    pcm = np.clip(resample(np.asarray(samples, dtype=np.float32), rate, ALIGN_RATE), -1.0, 1.0)
    pcm16 = (pcm * 32767).astype("<i2").tobytes()
    frames = len(pcm) // int(ALIGN_RATE * FRAME_SECONDS)
    with _LOCK:
        decoder = _decoder()
        for index, parts in words:
            for part in parts:
                if decoder.lookup_word(part) is None:
                    raise RecordingError(
                        f"'{_bare_token(tokens[index]) or part}' is not in the aligner's English dictionary", word=index,
                        hint='spell it as it sounds with pronounced "…" (luna says "Zog!" pronounced "Zogg!" '
                             'recording "zog.wav"), or write numbers as words')
        flat = " ".join(p for _, parts in words for p in parts)
        try:
            decoder.set_align_text(flat)
            decoder.start_utt()
            decoder.process_raw(pcm16, full_utt=True)
            decoder.end_utt()
            if decoder.hyp() is None:
                raise RecordingError("the recording does not say the line's words (no alignment found)",
                                     "check that the file is the reading of this line")
            decoder.set_alignment()
            decoder.start_utt()
            decoder.process_raw(pcm16, full_utt=True)
            decoder.end_utt()
            alignment = decoder.get_alignment()
            aligned = [(w.name, w.start, w.duration, w.score, [(p.name, p.start, p.duration) for p in w])
                       for w in alignment.words()]
        except RuntimeError as exc:
            raise RecordingError(f"the recording does not say the line's words ({exc})",
                                 "check that the file is the reading of this line") from None
    total = sum(w[3] for w in aligned)
    score = total / max(1, frames)
    spoken = [w for w in aligned if w[0] != "<sil>"]
    expected = sum(len(parts) for _, parts in words)
    if len(spoken) != expected:
        raise RecordingError(f"the alignment found {len(spoken)} of the line's {expected} words",
                             "check that the file is the reading of this line")
    if score < MIN_SCORE:
        worst = min(range(len(spoken)), key=lambda k: spoken[k][3] / max(1, spoken[k][2]))
        index = _token_of(words, worst)
        raise RecordingError(
            f"the recording does not match the line: alignment score {score:.1f} per frame, below {MIN_SCORE:g} "
            f"(worst at '{_bare_token(tokens[index])}', {spoken[worst][1] * FRAME_SECONDS:.2f}s into the recording)",
            "record exactly the words in quotes, or change the text to what the recording says", word=index)
    # Word times: each text word from its first part's start to its last part's end.
    out_words: list[WordTiming] = []
    phonemes: list[PhonemeTiming] = []
    k = 0
    for index, parts in words:
        first, last = spoken[k], spoken[k + len(parts) - 1]
        k += len(parts)
        out_words.append(WordTiming(_bare_token(tokens[index]) or parts[0], round(first[1] * FRAME_SECONDS, 4),
                                    round((last[1] + last[2]) * FRAME_SECONDS, 4)))
    for name, _, _, _, phones in spoken:
        for phone, start, duration in phones:
            ipa = ARPABET_IPA.get(phone.upper())
            if ipa:
                phonemes.append(PhonemeTiming(ipa, round(start * FRAME_SECONDS, 4),
                                              round((start + duration) * FRAME_SECONDS, 4)))
    # The aligner gives the first word any silence before it; start it where the sound does.
    onset = _onset(pcm)
    if out_words and out_words[0].start < onset < out_words[0].end:
        out_words[0] = WordTiming(out_words[0].text, onset, out_words[0].end)
        if phonemes and phonemes[0].start < onset < phonemes[0].end:
            phonemes[0] = PhonemeTiming(phonemes[0].phoneme, onset, phonemes[0].end)
    return out_words, phonemes, score


def _onset(pcm: np.ndarray) -> float:
    """Seconds to the first 10 ms frame louder than a tenth of the recording's
    typical speech level (its 90th percentile frame)."""
    hop = int(ALIGN_RATE * FRAME_SECONDS)
    frames = pcm[: pcm.size // hop * hop].reshape(-1, hop)
    if not frames.size:
        return 0.0
    rms = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > 0.1 * np.percentile(rms, 90))
    return round(float(loud[0]) * FRAME_SECONDS, 4) if loud.size else 0.0


def _token_of(words: list[tuple[int, list[str]]], part_index: int) -> int:
    k = 0
    for index, parts in words:
        if part_index < k + len(parts):
            return index
        k += len(parts)
    return words[-1][0]


def check_length(seconds: float, text: str) -> None:
    """A recording far too long or too short for its words is the wrong file."""
    n = max(1, len(dictionary_words(text)))
    if seconds > MAX_SECONDS:
        raise RecordingError(f"the recording is {seconds:.1f}s long; a line's recording may be at most {MAX_SECONDS:g}s",
                             "record one line per file")
    if seconds > n * MAX_SECONDS_PER_WORD + MAX_EXTRA_SECONDS:
        raise RecordingError(f"the recording is {seconds:.1f}s long, far too long for {n} word{'s' * (n != 1)}",
                             "trim the silence around the reading, or check that it is this line's file")
    if seconds < n * MIN_SECONDS_PER_WORD:
        raise RecordingError(f"the recording is {seconds:.2f}s long, far too short for {n} word{'s' * (n != 1)}",
                             "check that it is this line's file")


def recorded(path: str | Path, text: str, cache_dir=None, use_cache: bool = True) -> Speech:
    """The recording at `path` (WAV, MP3, … anything the audio reader decodes) as
    a `Speech` of `text`: its sound at 48 kHz mono, words and phonemes aligned."""
    from . import cache
    from ..audio import AudioError, load_audio

    path = Path(path)
    if not isinstance(text, str) or not text.strip():
        raise RecordingError("nothing to align: the text is empty", "give the line its words")
    text = text.strip()
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise RecordingError(f"cannot read the recording '{path}': {exc.strerror or exc}") from None
    inputs = {"provider": NAME, "provider_version": version(), "recording": hashlib.sha256(blob).hexdigest(),
              "text": text}
    key = cache.make_key(inputs)
    folder = cache.speech_dir(cache_dir)
    if use_cache:
        hit = cache.load(folder, key)
        if hit is not None:
            return _named(hit)
    try:
        audio = load_audio(path, keep_mono=True)
    except AudioError as exc:
        raise RecordingError(exc.message, exc.hint) from None
    samples = np.asarray(audio, dtype=np.float32)
    samples = samples.reshape(-1) if samples.ndim == 1 else samples.mean(axis=0)
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if samples.size == 0 or float(np.max(np.abs(samples))) < 1e-4:
        raise RecordingError(f"the recording '{path.name}' is silent", "check the file")
    check_length(samples.size / SAMPLE_RATE, text)
    words, phonemes, _ = align(samples, text)
    speech = Speech(samples, tuple(words), tuple(phonemes), SAMPLE_RATE)
    if not use_cache:
        return _named(speech)
    stored = cache.store(folder, key, speech, inputs)
    samples.setflags(write=False)
    return _named(Speech(samples, speech.words, speech.phonemes, SAMPLE_RATE, stored))


def _named(speech: Speech) -> Speech:
    """The speech marked as spoken by "recording" where `Speech` records its provider
    (the render summary counts lines by provider)."""
    from dataclasses import replace

    if "provider" in getattr(Speech, "__dataclass_fields__", {}):
        return replace(speech, provider=NAME)
    return speech
