"""The hibari provider: a small neural voice (hibari-tts, Apache-2.0 code and weights),
offline, from the pip wheel alone. It is the default provider; eSpeak NG is the fallback.

What ships in the wheel: one ONNX acoustic model (`hibari/assets/hibari.onnx`, 7.9 MB,
int8, distilled from Kokoro-82M's `af_heart`, an American English female voice), its
G2P (misaki's lexicon, a tagger and a small out-of-vocabulary net) and ~200 lines of
numpy DSP. hibari's other voices are downloaded from the network on first use: this
provider never asks for them. It loads the bundled model file by path (it never calls
`hibari.voices.voice_path`, the only code that downloads), so nothing here can open a
socket (tests/test_neural_voice.py checks it with sockets disabled).

How a line is made:
1. Text -> misaki phonemes with hibari's G2P, sentence by sentence, keeping which
   phonemes belong to which word (lexicon entries such as {a-sound} arrive as inline
   `[a](/ˈæ/)` pronunciations, see lexicon.py).
2. The ONNX graph predicts per-frame spectral parts and F0. Its per-phoneme durations
   (in frames of 600 samples at 24 kHz) are an internal tensor (`/Cast_32_output_0`,
   the rounded, clipped durations fed to the length regulator); we add it as a graph
   output with the `onnx` package at load time, and phoneme and word timings come from
   its cumulative sum. The `speed` input sets the speaking rate (durations / speed).
3. The voice preset is shaped before the DSP turns frames into sound: pitch is moved
   and its range widened or narrowed on the F0 curve itself (the model is a
   source-filter one, so the spectral envelope - the formants - stays where it was),
   the envelope is then warped along the frequency axis (formant shift: a smaller or
   larger vocal tract) and tilted (brightness, dB per octave above 1 kHz).
4. hibari's numpy DSP makes 24 kHz audio with noise from a generator seeded by the
   line's own inputs (same input -> same bytes), sentences are joined with a pause,
   the level is set to a fixed speech loudness and it is resampled to 48 kHz.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading

import numpy as np

from . import PhonemeTiming, Prosody, Speech, SpeechError, Voice, WordTiming
from .audio import SAMPLE_RATE, align_words, finish_timings, resample, soft_limit

NAME = "hibari"
PINNED = "0.2.1"  # pyproject.toml pins hibari-tts==0.2.1; the graph's node names are this release's
REVISION = 2  # bump when this module's processing changes what comes out (invalidates the cache)
INSTALL_HINT = "pip install hibari-tts==0.2.1 onnx   (both come with storyreel's own install)"
RATE = 24_000
FRAME = 600  # samples per duration frame: the decoder works at hop 300 and upsamples the durations 2x
DURATION_NODE = "/Cast_32_output_0"  # int64 [L]: frames per phoneme id (pads included)
NATIVE_WPM = 228.0  # af_heart's pace at speed 1.0, words a minute over a read passage with our pauses
MAX_PHONEMES = 400
LEAD = 0.04  # seconds kept before the first sound (the model leads with ~0.35 s of silence)
GRID_LEAD = 0.0625  # the audio leads the duration grid by 5 decoder frames (best match of the model's
# voiced F0 frames to the grid's vowels and voiceless consonants, at speed 1.0 and 0.6)
TAIL = 0.08  # seconds kept after a sentence's last sound, before the pause between sentences
TARGET_RMS = 0.08  # -22 dBFS over the sounding frames, before the preset's volume (peaks stay under 1)

# misaki's one-letter diphthongs and symbols -> IPA, so the characters' viseme table
# (engine/characters/motion.py, written for eSpeak's IPA) reads them.
IPA = {
    "A": "eɪ", "I": "aɪ", "O": "oʊ", "W": "aʊ", "Y": "ɔɪ", "Q": "əʊ", "T": "ɾ", "ᵊ": "ə",
    "ʤ": "dʒ", "ʧ": "tʃ", "ʣ": "dz", "ʦ": "ts", "ɐ": "ɐ", "ᵻ": "ɪ",
}
STRESS = "ˈˌ"
NOT_PHONEMES = set(';:,.!?—…"()“” ') | set("↓→↗↘")
_SENT_END = re.compile(r'(?<=[.!?…])["”’)\]]*\s+(?=\S)')

_LOCK = threading.Lock()


def _version_of_package() -> str:
    try:
        from importlib.metadata import version

        return version("hibari-tts")
    except Exception:
        import hibari  # type: ignore[import-not-found]

        return getattr(hibari, "__version__", "?")


def to_ipa(phoneme: str) -> str:
    """One misaki phoneme character (without stress) as IPA."""
    return IPA.get(phoneme, phoneme)


class HibariProvider:
    """hibari-tts's bundled voice through onnxruntime. `calls` counts real syntheses."""

    name = NAME
    description = ("hibari-tts (offline neural voice: the af_heart voice that ships inside the wheel, "
                   "shaped per preset)")
    install_hint = INSTALL_HINT

    def __init__(self) -> None:
        try:
            import hibari  # type: ignore[import-not-found]
            import onnx  # type: ignore[import-not-found]
            import onnxruntime as ort  # type: ignore[import-not-found]
            from hibari import dsp  # type: ignore[import-not-found]
            from hibari.g2p import G2P  # type: ignore[import-not-found]
            from hibari.g2p.normalize import normalize  # type: ignore[import-not-found]
        except ImportError as exc:
            raise ImportError(f"{exc.name or exc}") from exc
        self.package_version = _version_of_package()
        assets = os.path.join(os.path.dirname(os.path.abspath(hibari.__file__)), "assets")
        self.model_path = os.path.join(assets, "hibari.onnx")  # the bundled voice, by path: no download
        if not os.path.isfile(self.model_path):
            raise SpeechError(f"speech provider 'hibari': the bundled model {self.model_path} is missing",
                              hint="reinstall: pip install --force-reinstall hibari-tts==0.2.1")
        model = onnx.load(self.model_path)
        if not any(DURATION_NODE in node.output for node in model.graph.node):
            raise SpeechError(f"speech provider 'hibari': hibari-tts {self.package_version} has no duration tensor "
                              f"{DURATION_NODE!r} (storyreel reads hibari-tts {PINNED})",
                              hint=f"pip install hibari-tts=={PINNED}")
        model.graph.output.append(onnx.helper.make_tensor_value_info(DURATION_NODE, onnx.TensorProto.INT64, None))
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1  # deterministic and polite on 2 cores
        options.log_severity_level = 3
        self._session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        import json

        with open(os.path.join(assets, "vocab.json"), encoding="utf-8") as f:
            self._vocab: dict[str, int] = json.load(f)
        self._g2p = G2P(british=False)
        self._normalize = normalize
        self._dsp = dsp
        self.calls = 0

    def version(self) -> str:
        return f"hibari-tts {self.package_version} r{REVISION}"

    # ------------------------------------------------------------------ text
    @staticmethod
    def sentences(text: str) -> list[tuple[int, str]]:
        """(start character, sentence) for each sentence of `text`."""
        out, cut = [], 0
        for m in _SENT_END.finditer(text):
            if m.end() < len(text) and text[m.end()].islower():
                continue
            out.append((cut, text[cut:m.start()]))
            cut = m.end()
        out.append((cut, text[cut:]))
        return [(i, s) for i, s in out if s.strip()]

    def phoneme_words(self, sentence: str) -> list[tuple[str, str, bool]]:
        """(token text, phonemes, followed by a space) for each token of one sentence."""
        tokens = self._g2p.phonemize_tokens(self._g2p.tokenize(self._normalize(sentence)))
        return [(tk.text, tk.phonemes or "", bool(tk.whitespace)) for tk in tokens]

    # ----------------------------------------------------------------- audio
    def _run(self, ids: list[int], speed: float):
        out = self._session.run(None, {"ids": np.asarray([ids], np.int64),
                                       "speed": np.asarray([speed], np.float32)})
        lh, th, ln, lr, phi, f0 = (o[0] for o in out[:6])
        return lh, th, ln, lr, phi, f0, np.asarray(out[6]).reshape(-1)

    def synthesize(self, text: str, voice: Voice, prosody: Prosody) -> Speech:
        from . import lexicon

        spoken, shown = lexicon.for_provider(text, NAME)
        if prosody.exclaim:
            spoken = _exclaim(spoken)
        speed = float(np.clip(prosody.rate_wpm / NATIVE_WPM, 0.5, 2.0))
        if prosody.word_gap > 0:  # no per-word pause in the graph: slow down by what the gaps would add
            speed = max(0.5, speed / (1.0 + prosody.word_gap * prosody.rate_wpm / 60.0))
        seed = int.from_bytes(hashlib.sha256(f"{text}|{voice.name}|{prosody}".encode()).digest()[:8], "little")
        rng = np.random.default_rng(seed)
        shape = Shape.of(voice, prosody)
        pause = sentence_pause(prosody.rate_wpm)

        pieces: list[np.ndarray] = []
        word_starts: list[float] = []  # each spoken token's start, seconds
        phonemes: list[tuple[str, float]] = []
        t = 0.0
        with _LOCK:
            self.calls += 1
            for _, sentence in self.sentences(spoken):
                for chunk in _chunks(self.phoneme_words(sentence)):
                    ids, owner, labels = self._ids(chunk)
                    if len(ids) < 3:
                        continue
                    lh, th, ln, lr, phi, f0, durations = self._run(ids, speed)
                    f0, (lh, th, ln, lr, phi) = shape.apply(f0, (lh, th, ln, lr, phi))
                    audio = self._dsp.synth(lh, th, ln, lr, phi, f0, rng).astype(np.float32)
                    bounds = np.concatenate([[0], np.cumsum(durations)]) * FRAME / RATE
                    # The sound starts before the duration grid says (by 0.05-0.15 s, more when
                    # slow): the first phoneme starts at the measured onset; the start pad's
                    # silence is dropped but for LEAD seconds.
                    onset = min(_onset(audio), float(bounds[1]))
                    lead = max(0.0, onset - LEAD)
                    bounds[2:] -= GRID_LEAD  # the sound runs ahead of the grid (see GRID_LEAD)
                    bounds[1] = onset
                    bounds = np.maximum.accumulate(np.maximum(bounds, onset * (np.arange(bounds.size) > 0)))
                    audio = audio[int(round(lead * RATE)):int(round((_offset(audio) + TAIL) * RATE))]
                    if pieces and pause > 0:
                        pieces.append(np.zeros(int(round(pause * RATE)), np.float32))
                        t += pause
                    seen: set[int] = set()
                    stress_at: float | None = None
                    quiet = _quiet_frames(audio)
                    for i in range(1, len(ids) - 1):
                        start = t + float(bounds[i]) - lead
                        label, w = labels[i], owner[i]
                        if w is not None and w not in seen:
                            seen.add(w)
                            word_starts.append(t + _snap(float(bounds[i]) - lead, quiet) if seen != {w} else start)
                        if label in STRESS:  # a stress mark's frames belong to the vowel after it
                            stress_at = start if stress_at is None else stress_at
                            continue
                        if label in NOT_PHONEMES:
                            stress_at = None
                            continue
                        if stress_at is not None:
                            phonemes.append(("ˈ" + to_ipa(label), stress_at))
                            stress_at = None
                        else:
                            phonemes.append((to_ipa(label), start))
                    pieces.append(audio)
                    t += audio.size / RATE
        if not pieces:
            raise SpeechError(f"speech provider 'hibari' found nothing to say in {text!r}",
                              hint="write the line with words")
        samples = np.concatenate(pieces)
        samples = _level(samples) * np.float32(min(max(prosody.volume, 0.0), 200.0) / 100.0)
        samples = soft_limit(resample(samples, RATE, SAMPLE_RATE), knee=0.85)
        word_events = align_words(shown, _match_words(_word_starts(shown), word_starts))
        samples, word_timings, phoneme_timings = finish_timings(samples, word_events, phonemes)
        return Speech(samples, tuple(WordTiming(w, s, e) for w, s, e in word_timings),
                      tuple(PhonemeTiming(p, s, e) for p, s, e in phoneme_timings))

    def _ids(self, chunk: list[tuple[str, str, bool]]):
        """Model ids (pads included) for some tokens, which token each id belongs to
        (None for spaces and pads; a spoken-word number otherwise) and each id's character."""
        ids, owner, labels = [0], [None], ["<pad>"]
        word = -1
        for text, ps, space in chunk:
            spoken = any(c not in NOT_PHONEMES and c not in STRESS for c in ps)
            if spoken:
                word += 1
            for c in ps:
                if c in self._vocab:
                    ids.append(self._vocab[c])
                    owner.append(word if spoken else None)
                    labels.append(c)
            if space and " " in self._vocab:
                ids.append(self._vocab[" "])
                owner.append(None)
                labels.append(" ")
        ids.append(0)
        owner.append(None)
        labels.append("<pad>")
        return ids, owner, labels


def _chunks(toks: list[tuple[str, str, bool]]) -> list[list[tuple[str, str, bool]]]:
    """Split a long sentence's tokens at clause punctuation so no chunk passes MAX_PHONEMES."""
    out: list[list] = [[]]
    size = 0
    for tok in toks:
        n = len(tok[1]) + 1
        if out[-1] and size + n > MAX_PHONEMES:
            cut = max((i for i, t in enumerate(out[-1]) if t[1] and t[1][-1] in ",;:—"), default=len(out[-1]) - 1)
            tail = out[-1][cut + 1:]
            out[-1] = out[-1][:cut + 1]
            out.append(tail)
            size = sum(len(t[1]) + 1 for t in tail)
        out[-1].append(tok)
        size += n
    return [c for c in out if c]


def _match_words(shown: list[int], starts: list[float]) -> list[tuple[int, float]]:
    """(character index, start) events for the shown words from the spoken tokens' starts.
    One to one when the counts agree; otherwise in proportion (a number the G2P read as
    several words, or two shown words read as one), always in order."""
    if not shown or not starts:
        return []
    if len(shown) == len(starts):
        return list(zip(shown, starts))
    out = []
    for j, index in enumerate(shown):
        k = min(len(starts) - 1, int(j * len(starts) / len(shown)))
        out.append((index, starts[k]))
    return out


def _word_starts(text: str) -> list[int]:
    """Character index of each spoken whitespace-separated word of `text`."""
    from .audio import _is_spoken

    return [m.start() for m in re.finditer(r"\S+", text) if _is_spoken(m.group())]


def _exclaim(text: str) -> str:
    stripped = text.rstrip()
    if stripped.endswith(("!", "?", "…")):
        return text
    return (stripped[:-1] if stripped.endswith(".") else stripped) + "!"


def _onset(audio: np.ndarray) -> float:
    """Seconds to the first 5 ms frame within 40 dB of the loudest."""
    n = audio.size // 120
    if n == 0:
        return 0.0
    rms = np.sqrt(np.mean(audio[: n * 120].reshape(n, 120).astype(np.float64) ** 2, axis=1))
    loud = np.flatnonzero(rms > 0.01 * rms.max())
    return float(loud[0]) * 120 / RATE if loud.size else 0.0


def _quiet_frames(audio: np.ndarray) -> np.ndarray:
    """A boolean per 5 ms frame: more than 34 dB below the loudest frame."""
    n = audio.size // 120
    if n == 0:
        return np.zeros(0, bool)
    rms = np.sqrt(np.mean(audio[: n * 120].reshape(n, 120).astype(np.float64) ** 2, axis=1))
    return rms < 0.02 * rms.max()


def _snap(start: float, quiet: np.ndarray) -> float:
    """A word's start moved to the end of a pause just before or at its grid start (the
    grid is not exact to the frame), so a comma's pause is not
    counted in the word after it."""
    a, b = max(0, int((start - 0.08) / 0.005)), min(quiet.size, int((start + 0.03) / 0.005) + 1)
    found = np.flatnonzero(quiet[a:b])
    return (a + int(found[-1]) + 1) * 0.005 if found.size else start


def _offset(audio: np.ndarray) -> float:
    """Seconds to the end of the last 5 ms frame within 45 dB of the loudest."""
    n = audio.size // 120
    if n == 0:
        return audio.size / RATE
    rms = np.sqrt(np.mean(audio[: n * 120].reshape(n, 120).astype(np.float64) ** 2, axis=1))
    loud = np.flatnonzero(rms > 0.0056 * rms.max())
    return float(loud[-1] + 1) * 120 / RATE if loud.size else audio.size / RATE


def _level(samples: np.ndarray) -> np.ndarray:
    """Scale to TARGET_RMS over the 10 ms frames that sound (a line's loudness does not
    depend on its pauses)."""
    n = samples.size // 240
    if n == 0:
        return samples
    frames = samples[: n * 240].reshape(n, 240).astype(np.float64)
    rms = np.sqrt(np.mean(frames ** 2, axis=1))
    loud = rms[rms > 0.05 * rms.max()]
    level = float(np.sqrt(np.mean(loud ** 2))) if loud.size else 0.0
    if level < 1e-6:
        return samples
    return (samples * np.float32(TARGET_RMS / level)).astype(np.float32)


def sentence_pause(rate_wpm: float) -> float:
    """Silence between two sentences of one line: longer at a slower (younger) pace."""
    return round(float(np.clip(0.3 * 150.0 / max(rate_wpm, 60.0), 0.2, 0.5)), 3)


class Shape:
    """How a preset changes the one shipped voice: pitch (semitones), pitch range (a factor
    on the F0 curve's excursions, in the log domain, around the line's median), formant
    shift (a factor on the spectral envelope's frequencies) and brightness (dB per octave
    above 1 kHz)."""

    def __init__(self, semitones: float, pitch_range: float, formant: float, brightness: float):
        self.semitones, self.range, self.formant, self.brightness = semitones, pitch_range, formant, brightness

    @classmethod
    def of(cls, voice: Voice, prosody: Prosody) -> "Shape":
        # 0-100 pitch scale, 50 = the shipped voice; 4 points = one semitone.
        semitones = (prosody.pitch - 50.0) / 4.0
        pitch_range = 0.5 + prosody.pitch_range / 100.0  # 50 -> 1.0 (as shipped)
        return cls(semitones, pitch_range, float(voice.formant), float(voice.brightness))

    def describe(self) -> str:
        return (f"pitch {self.semitones:+.1f} semitones, pitch range x{self.range:.2f}, "
                f"formants x{self.formant:.2f}, brightness {self.brightness:+.1f} dB/octave")

    def apply(self, f0: np.ndarray, parts: tuple[np.ndarray, ...]):
        f0 = np.asarray(f0, np.float32).copy()
        voiced = f0 > 40.0
        if voiced.any():
            logf = np.log(f0[voiced])
            centre = float(np.median(logf))
            shifted = centre + self.range * (logf - centre) + self.semitones * np.log(2.0) / 12.0
            f0[voiced] = np.clip(np.exp(shifted), 60.0, 600.0)
        lh, th, ln, lr, phi = parts
        bins = lh.shape[0]
        if abs(self.formant - 1.0) > 1e-3:
            # Envelope value at frequency f comes from f / formant (nearest bin below Nyquist).
            src = np.minimum(np.round(np.arange(bins) / self.formant).astype(np.int64), bins - 1)
            lh, ln, lr = lh[src], ln[src], lr[src]  # magnitudes only: the phase parts stay put
        if abs(self.brightness) > 1e-3:
            freqs = np.arange(bins) * (RATE / 2) / (bins - 1)
            octaves = np.log2(np.maximum(freqs, 1000.0) / 1000.0)
            tilt = (self.brightness * octaves * np.log(10) / 20).astype(np.float32)[:, None]  # dB -> natural log
            lh, ln, lr = lh + tilt, ln + tilt, lr + tilt
        return f0, (np.ascontiguousarray(lh), np.ascontiguousarray(th), np.ascontiguousarray(ln),
                    np.ascontiguousarray(lr), np.ascontiguousarray(phi))
