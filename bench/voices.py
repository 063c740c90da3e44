"""The default voices' synthesis speed (x real time), cache-hit cost, pitch, peak and
intelligibility (an offline recogniser's word error rate), and eSpeak NG's for comparison.

    python3 bench/voices.py            # a markdown table for bench/RESULTS.md

Speed: the same 12 sentences (a short picture-book page's worth, 5-12 words each)
synthesised with the cache off after one warm-up line, wall time of `synthesize`
(G2P, the ONNX graph, shaping, DSP, resampling to 48 kHz), at the age-4 pace.
WER: pocketsphinx 5 (its bundled en-us model) over the 5 sentences of
tests/test_neural_voice.py, at the age-4 pace, resampled to 16 kHz.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from storyreel.engine.speech import synthesize  # noqa: E402
from test_neural_voice import SENTENCES, recognise, word_error_rate  # noqa: E402
from test_speech import median_f0  # noqa: E402

PAGE = SENTENCES + [
    "Once upon a time, a little bunny lived in a cozy burrow.",
    "Every morning she hopped outside to say hello to the sun.",
    "One, two, three, four, five little ducks went swimming.",
    "Sunny jumped up high and touched a fluffy white cloud.",
    "Luna smiled and waved at all her friends.",
    "The stars came out, and everyone went to sleep.",
    "Good night, little bunny!",
]


def measure(provider: str, voice: str, decoder) -> dict:
    synthesize("Warm up the voice.", voice, provider=provider, use_cache=False, age=4)
    audio = took = cpu = 0.0
    peaks, f0s = [], []
    for sentence in PAGE:
        began, began_cpu = time.perf_counter(), time.process_time()
        said = synthesize(sentence, voice, provider=provider, use_cache=False, age=4)
        took += time.perf_counter() - began
        cpu += time.process_time() - began_cpu
        audio += said.duration
        peaks.append(float(np.abs(said.samples).max()))
        f0s.append(median_f0(said.samples))
    errors = words = 0
    for sentence in SENTENCES:
        said = synthesize(sentence, voice, provider=provider, use_cache=False, age=4)
        e, n = word_error_rate(sentence, recognise(decoder, said.samples))
        errors, words = errors + e, words + n
    with tempfile.TemporaryDirectory() as cache:
        synthesize(PAGE[0], voice, provider=provider, cache_dir=cache, age=4)
        began = time.perf_counter()
        for _ in range(50):
            synthesize(PAGE[0], voice, provider=provider, cache_dir=cache, age=4)
        hit_ms = (time.perf_counter() - began) / 50 * 1000
    return {"provider": provider, "voice": voice, "x_realtime": audio / took, "x_cpu": audio / cpu, "audio_s": audio,
            "wer": errors / words, "f0": float(np.median(f0s)), "peak": max(peaks), "hit_ms": hit_ms}


def main() -> None:
    import pocketsphinx

    decoder = pocketsphinx.Decoder(samprate=16000, logfn="/dev/null")
    print("| provider | voice | x real time (wall) | per CPU second | audio | cache hit | WER (pocketsphinx) | median F0 | peak |")
    print("|---|---|---|---|---|---|---|---|---|")
    for provider in ("hibari", "espeak"):
        for voice in ("narrator", "luna", "sunny"):
            r = measure(provider, voice, decoder)
            print(f"| {r['provider']} | {r['voice']} | {r['x_realtime']:.0f}x | {r['x_cpu']:.0f}x | {r['audio_s']:.1f} s | "
                  f"{r['hit_ms']:.1f} ms | {r['wer']:.2f} | {r['f0']:.0f} Hz | {r['peak']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
