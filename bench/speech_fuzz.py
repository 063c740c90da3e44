"""Fuzz the default voice with damaged lines: does hibari say them itself?

    python3 bench/speech_fuzz.py [--n 1000] [--seed 1] [--provider hibari]

Each input is one of a few picture-book lines with one to three insertions of
what a damaged or pasted-in text carries: random characters (control codes,
ASCII, and the Latin, Greek, CJK, symbol and dingbat blocks up to U+3000) and
the scene fuzzer's odd characters (bench/fuzz_scene.py `_ODD`: BOM, NUL, line
separators, lone surrogates, emoji, …). Lines with a pronunciation name the
insertion broke ({a-sound}) are left out: those are the author's errors, with
their own message. Every other line goes to `speech.synthesize(provider=…)`
(no fallback, no cache); a SpeechError or any other exception is a failure,
grouped by message, printed with examples as JSON, and the exit status is 1.

tests/test_speech_text.py keeps the inputs this found (non-decimal digits that
crashed hibari's G2P, lone surrogates that crashed the cache key) as cases.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import warnings

from storyreel.bench.fuzz_scene import _ODD
from storyreel.engine import speech
from storyreel.engine.speech import lexicon

LINES = [
    "Hello, little star!",
    "The letter A says {a-sound}.",
    "One, two, three ducks went swimming.",
    "Where did you go tonight?",
    "Luna's kite flew up, up, up!",
    "Count with me: 1, 2, 3.",
]


def damaged(rng: random.Random) -> str:
    text = rng.choice(LINES)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        if rng.random() < 0.5:
            junk = "".join(chr(rng.choice([rng.randrange(32), rng.randrange(32, 127), rng.randrange(0x80, 0x3000)]))
                           for _ in range(rng.randint(1, 8)))
        else:
            junk = rng.choice(_ODD)
        text = text[:at] + junk + text[at:]
    return text


def run(n: int, seed: int, provider: str) -> dict:
    rng = random.Random(seed)
    speech.get_provider(provider)  # loaded before the clock starts
    failures: dict[str, list[str]] = {}
    said = skipped = 0
    began = time.perf_counter()
    for _ in range(n):
        text = damaged(rng)
        try:
            lexicon.check(text)
        except lexicon.LexiconError:
            skipped += 1
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                speech.synthesize(text, "narrator", provider=provider, use_cache=False)
            said += 1
        except speech.SpeechError as exc:
            if exc.message.startswith(("nothing to say", "unknown pronunciation")):
                skipped += 1  # the author's error, reported as such
                continue
            failures.setdefault(exc.message[:120], []).append(text)
        except Exception as exc:  # noqa: BLE001 (a crash is what this looks for)
            where = re.sub(r"position \d+", "position N", str(exc))[:100]
            failures.setdefault(f"crash: {type(exc).__name__}: {where}", []).append(text)
    return {"provider": provider, "inputs": n, "said": said, "skipped": skipped,
            "failed": sum(len(v) for v in failures.values()), "seconds": round(time.perf_counter() - began, 1),
            "failures": {k: {"count": len(v), "examples": v[:3]} for k, v in failures.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--provider", default="hibari")
    args = parser.parse_args()
    report = run(args.n, args.seed, args.provider)
    print(json.dumps(report, indent=2, ensure_ascii=True))
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
