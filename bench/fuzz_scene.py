"""Fuzz the `.scene` front end with mutants of the repository's own scene files.

    python3 bench/fuzz_scene.py [--n 100000] [--seed 1] [--out fuzz-out] [--render-every 50]

Each input is a seeded mutation (tokens and lines deleted, duplicated and
swapped, random bytes, long numbers, deep nesting, NUL, BOM, CRLF) of one of:

- `examples/*.scene`, and each template's expanded text (plain `.scene`, cheap
  to check: the bulk of the inputs);
- a template's own Jinja source (`templates/*/template.scene`) or a library file
  it imports (`templates/_lib/*.scene`), mutated in a copy of the templates folder
  so that `../_lib` imports resolve (about 0.5 s each: Jinja compiles them anew).

Every input goes through `storyreel.dsl.load_scene`, as `render check` does. The
outcome is `accepted`, `rejected` (a SceneError, or another error the CLI shows
as a message) or a `crash`: any other exception, or a SceneError without a
`FILE:LINE:COL` location. A sample of accepted inputs is also rendered (one
frame at the start and one near the end, at 64x36). Crashing inputs are written
to --out with a `.txt` of the traceback; the summary is printed as JSON.

tests/test_fuzz.py runs a few thousand inputs from here; STORYREEL_FUZZ_N there,
or this script, runs as many as you like.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = (64, 36)

# Errors the CLI turns into a message (cli._run), besides SceneError.
USER_ERRORS: tuple[type[BaseException], ...] = ()


def user_errors() -> tuple[type[BaseException], ...]:
    global USER_ERRORS
    if not USER_ERRORS:
        from storyreel.engine import EncoderError
        from storyreel.engine.raster.assets import AssetError
        from storyreel.engine.audio import AudioError
        from storyreel.engine.publish.platforms import PlatformError

        USER_ERRORS = (EncoderError, AssetError, AudioError, PlatformError)
    return USER_ERRORS


LOCATED = re.compile(r"^[^\n]+:\d+:\d+: error: ")


# ── mutations ─────────────────────────────────────────────────────────────────────

_TOKEN = re.compile(r"\s+|[A-Za-z_][A-Za-z0-9_-]*|-?\d+(?:\.\d+)?[a-z%]*|\"[^\"\n]*\"|#[0-9A-Fa-f]+|.", re.S)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_ODD = ["\x00", "\ufeff", "\r", "\r\n", "{", "}", "(", ")", "\"", "#", "&", ":", "=", "->", "\\", "\t", "%", "x",
        "{{", "}}", "{%", "%}", "{#", "\u2028", "\x85", "\x0c", "\x02 99999 \x03", "é", "🦆", "\U0010ffff", "\ud800"]
_WORDS = ["together", "at", "wait", "scene", "video", "cast", "group", "background", "music", "sound", "says",
          "character", "luna", "circle", "text", "image", "over", "ease", "to", "from", "for", "reading", "size",
          "fps", "preset", "transition", "crossfade", "nan", "inf", "-inf", "1e999", "0x10", "scene"]
_LONG = [1, 2, 29, 30, 31, 400, 5000]


def _long_number(rng: random.Random) -> str:
    if rng.random() < 0.15:  # the edges: zero, a sliver, negative
        return rng.choice(["0", "-0", "0.0", "0.000001", "-1", "-0.5"]) + rng.choice(["", "s", "ms", "f", "px", "%"])
    digits = rng.choice(_LONG)
    text = ("9" if rng.random() < 0.7 else str(rng.randint(1, 9))) * digits
    if rng.random() < 0.3:
        text = "-" + text
    if rng.random() < 0.3:
        text += "." + "5" * rng.choice([1, 20, 400])
    return text + rng.choice(["", "", "s", "ms", "f", "px", "%", "x2", "x" + "9" * digits])


def _nest(rng: random.Random, lines: list[str]) -> list[str]:
    """Wrap one line (inside a scene, with luck) in N nested blocks."""
    depth = rng.choice([2, 10, 63, 64, 65, 300, 2000])
    opener = rng.choice(["together {", "at 0s {", "g = group {", "at 1s {"])
    i = rng.randrange(len(lines) + 1)
    inner = lines[i:i + 1] or ["wait 1s"]
    block = [opener] * depth + inner + ["}"] * depth
    return lines[:i] + block + lines[i + 1:]


def mutate(text: str, rng: random.Random) -> str:
    """One to three mutations of `text`."""
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        kind = rng.randrange(14)
        if kind <= 4:
            tokens = _TOKEN.findall(text)
            if not tokens:
                continue
            i, j = rng.randrange(len(tokens)), rng.randrange(len(tokens))
            if kind == 0:  # delete a token
                del tokens[i]
            elif kind == 1:  # duplicate one
                tokens.insert(i, tokens[i])
            elif kind == 2:  # swap two
                tokens[i], tokens[j] = tokens[j], tokens[i]
            elif kind == 3:  # a keyword or odd word
                tokens[i] = rng.choice(_WORDS)
            else:  # a number, replaced by a long or odd one
                numbers = [k for k, tok in enumerate(tokens) if _NUMBER.match(tok)]
                k = rng.choice(numbers) if numbers else i
                tokens[k] = _long_number(rng)
            text = "".join(tokens)
        elif kind <= 7:
            lines = text.split("\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if kind == 5:
                del lines[i]
            elif kind == 6:
                lines.insert(i, lines[j])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif kind == 8:  # random bytes (as text: what a decoder with errors=replace would see)
            i = rng.randrange(len(text) + 1)
            junk = "".join(chr(rng.choice([rng.randrange(32), rng.randrange(32, 127), rng.randrange(0x80, 0x3000)]))
                           for _ in range(rng.randint(1, 8)))
            text = text[:i] + junk + text[i:]
        elif kind == 9:  # an odd character or sequence
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice(_ODD) + text[i:]
        elif kind == 10:
            text = "\n".join(_nest(rng, text.split("\n")))
        elif kind == 11:
            text = rng.choice(["\ufeff" + text, text.replace("\n", "\r\n"), text.replace("\n", "\r"),
                               text + "\x00", text[: rng.randrange(len(text) + 1)]])
        elif kind == 12:  # a long number somewhere
            i = rng.randrange(len(text) + 1)
            text = text[:i] + " " + _long_number(rng) + " " + text[i:]
        else:  # a line of words dropped in
            lines = text.split("\n")
            lines.insert(rng.randrange(len(lines) + 1),
                         " ".join(rng.choice(_WORDS + [_long_number(rng)]) for _ in range(rng.randint(1, 6))))
            text = "\n".join(lines)
    return text


# ── corpus ────────────────────────────────────────────────────────────────────────


@dataclass
class Seed:
    name: str  # e.g. examples/hello.scene, templates/counting/template.scene
    text: str
    jinja: bool  # a template source: slow, mutated inside a copy of templates/


def shorten(text: str, scenes: int = 2) -> str:
    """The video block, the cast and the first `scenes` scenes of a file: an expanded
    template has every construct in its first scenes, and parses in a fifth of the time."""
    parts = re.split(r"\n(?=(?:scene|transition|cast)\b)", text)
    kept, count = [], 0
    for part in parts:
        if part.startswith("scene"):
            count += 1
            if count > scenes:
                continue
        elif part.startswith("transition") and count >= scenes:
            continue
        kept.append(part)
    return "\n".join(kept) + "\n"


def seeds(workdir: Path, full: bool = False) -> list[Seed]:
    """The repository's scene files, and each template's expanded text (only its first
    scenes unless `full`)."""
    if full in _SEEDS:
        return _SEEDS[full]
    from storyreel.dsl import CompileOptions, load_scene

    found = [Seed(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"), False)
             for p in sorted((ROOT / "examples").glob("*.scene"))]
    templates = sorted((ROOT / "templates").glob("*/template.scene"))
    for path in templates:
        expanded = load_scene(path, None, CompileOptions(size=SIZE)).expanded.text
        found.append(Seed(f"{path.relative_to(ROOT)} (expanded)", expanded if full else shorten(expanded), False))
    for path in [*templates, *sorted((ROOT / "templates" / "_lib").glob("*.scene"))]:
        found.append(Seed(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"), True))
    _SEEDS[full] = found
    return found


_SEEDS: dict[bool, list[Seed]] = {}  # expanding the templates takes seconds: once a process


def prepare(workdir: Path) -> None:
    """A copy of templates/ (and examples/, for their data files) to mutate in."""
    for folder in ("templates", "examples"):
        if not (workdir / folder).exists():
            shutil.copytree(ROOT / folder, workdir / folder)


@contextlib.contextmanager
def library(workdir: Path):
    """The copy of templates/ is a template library: its `../_lib` imports leave the
    template's own folder, which a project allows only for library folders."""
    old = os.environ.get("STORYREEL_TEMPLATES")
    os.environ["STORYREEL_TEMPLATES"] = str(workdir / "templates")
    try:
        yield
    finally:
        if old is None:
            del os.environ["STORYREEL_TEMPLATES"]
        else:
            os.environ["STORYREEL_TEMPLATES"] = old


def place(seed: Seed, text: str, workdir: Path) -> tuple[Path, Path | None]:
    """Write the mutant where its imports and assets resolve; returns (file to load,
    file to restore afterwards)."""
    if not seed.jinja:
        name = seed.name.split(" ")[0]
        folder = (workdir / name).parent
        path = folder / "fuzz_mutant.scene"  # not template.scene: no template parameters apply
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        return path, None
    target = workdir / seed.name
    target.write_bytes(text.encode("utf-8", "surrogatepass"))
    if "/_lib/" in seed.name:
        # A library file is loaded through a template that imports it.
        return workdir / "templates" / "counting" / "template.scene", target
    return target, target


# ── running ───────────────────────────────────────────────────────────────────────

CHECK_SECONDS = 30.0  # past this a check is a crash: a hang (Jinja itself stops at 10 s)
RENDER_SECONDS = 10.0  # two 64x36 frames take milliseconds


class TooSlow(BaseException):
    """Raised by the alarm; a BaseException so that no `except Exception` swallows it."""


@contextlib.contextmanager
def deadline(seconds: float):
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum, frame):
        raise TooSlow(f"took more than {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    kind: str  # accepted, rejected, crash
    detail: str = ""
    timeline: object = None


def check(path: Path) -> Outcome:
    """What `render check` does, in-process."""
    from storyreel.dsl import CompileOptions, SceneError, load_scene

    try:
        with deadline(CHECK_SECONDS):
            tl = load_scene(path, None, CompileOptions(size=SIZE)).timeline
    except TooSlow:
        return Outcome("crash", traceback.format_exc(limit=-8))
    except SceneError as err:
        text = err.format()
        if err.location is None or not LOCATED.match(text):
            return Outcome("crash", "SceneError without a location:\n" + text)
        return Outcome("rejected", text.splitlines()[0])
    except user_errors() as err:
        return Outcome("rejected", f"error: {err}")
    except RecursionError:  # not a bare Exception, on purpose: keep the message short
        return Outcome("crash", traceback.format_exc(limit=-8))
    except Exception:  # noqa: BLE001 - a crash is what we are looking for
        return Outcome("crash", traceback.format_exc(limit=-8))
    return Outcome("accepted", timeline=tl)


def render_check(tl) -> str | None:
    """Render the first frame and one near the end; the traceback if that fails."""
    from storyreel.engine import render_frame

    try:
        with deadline(RENDER_SECONDS):
            for t in (0.0, max(0.0, tl.duration - 1.0 / tl.fps)):
                render_frame(tl, t)
    except (Exception, TooSlow):  # noqa: BLE001
        return traceback.format_exc(limit=-8)
    return None


@dataclass
class Summary:
    inputs: int = 0
    accepted: int = 0
    rejected: int = 0
    crashes: int = 0
    rendered: int = 0
    render_crashes: int = 0
    seconds: float = 0.0
    crash_kinds: dict[str, int] = field(default_factory=dict)
    examples: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind -> (seed, mutant text)


def _kind(trace: str) -> str:
    """A crash's kind: its exception type and the innermost frame in storyreel."""
    lines = trace.strip().splitlines()
    last = lines[-1].split(":")[0] if lines else "?"
    where = [line.strip() for line in lines if line.strip().startswith("File ") and "storyreel" in line
             or "/work/" in line and line.strip().startswith("File ")]
    return f"{last} at {where[-1] if where else '?'}"


def run(n: int, seed: int, workdir: Path, *, render_every: int = 50, jinja_share: float = 0.01,
        out: Path | None = None, on_crash=None, full: bool = False) -> Summary:
    """`n` mutants, `jinja_share` of them of template sources; every `render_every`-th
    accepted one is rendered."""
    prepare(workdir)
    corpus = seeds(workdir, full)
    plain = [s for s in corpus if not s.jinja]
    jinja = [s for s in corpus if s.jinja]
    rng = random.Random(seed)
    summary = Summary()
    began = time.perf_counter()
    for i in range(n):
        chosen = rng.choice(jinja if jinja and rng.random() < jinja_share else plain)
        text = mutate(chosen.text, rng)
        path, restore = place(chosen, text, workdir)
        try:
            with library(workdir) if chosen.jinja else contextlib.nullcontext():
                outcome = check(path)
        finally:
            if restore is not None:
                shutil.copyfile(ROOT / restore.relative_to(workdir), restore)
        summary.inputs += 1
        trace = None
        if outcome.kind == "accepted":
            summary.accepted += 1
            if render_every and summary.accepted % render_every == 1:
                summary.rendered += 1
                trace = render_check(outcome.timeline)
                if trace:
                    summary.render_crashes += 1
        elif outcome.kind == "rejected":
            summary.rejected += 1
        else:
            summary.crashes += 1
            trace = outcome.detail
        if trace:
            kind = _kind(trace)
            summary.crash_kinds[kind] = summary.crash_kinds.get(kind, 0) + 1
            summary.examples.setdefault(kind, (chosen.name, text))
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                (out / f"crash-{i:07d}.scene").write_bytes(text.encode("utf-8", "surrogatepass"))
                (out / f"crash-{i:07d}.txt").write_text(f"seed file: {chosen.name}\n{trace}", encoding="utf-8")
            if on_crash is not None:
                on_crash(chosen, text, trace)
    summary.seconds = time.perf_counter() - began
    return summary


def _worker(n: int, seed: int, workdir: str, options: dict) -> Summary:
    return run(n, seed, Path(workdir), **options)


def run_parallel(n: int, seed: int, workdir: Path, workers: int = 2, **options) -> Summary:
    """`run` in `workers` forked processes (seeds seed, seed+1, …), each in its own
    copy of the folders; the summaries added up."""
    if workers <= 1:
        return run(n, seed, workdir, **options)
    import multiprocessing

    seeds(workdir, options.get("full", False))  # expanded once, inherited by the forks
    began = time.perf_counter()
    jobs = [(n // workers + (k < n % workers), seed + k, str(workdir / f"worker{k}"), options) for k in range(workers)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.starmap(_worker, jobs)
    total = Summary()
    for part in parts:
        for name in ("inputs", "accepted", "rejected", "crashes", "rendered", "render_crashes"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        for kind, count in part.crash_kinds.items():
            total.crash_kinds[kind] = total.crash_kinds.get(kind, 0) + count
            total.examples.setdefault(kind, part.examples[kind])
    total.seconds = time.perf_counter() - began
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="inputs to try")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("fuzz-out"), help="where crashing inputs are written")
    parser.add_argument("--render-every", type=int, default=50, help="render every Nth accepted input")
    parser.add_argument("--jinja-share", type=float, default=0.01, help="share of template-source mutants")
    parser.add_argument("--workers", type=int, default=1, help="processes (forked)")
    parser.add_argument("--full", action="store_true", help="whole expanded templates, not their first scenes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        summary = run_parallel(args.n, args.seed, Path(tmp), args.workers, render_every=args.render_every,
                               jinja_share=args.jinja_share, out=args.out, full=args.full)
    report = {k: v for k, v in summary.__dict__.items() if k != "examples"}
    report["inputs_per_second"] = round(summary.inputs / max(summary.seconds, 1e-9), 1)
    report["workers"] = args.workers
    print(json.dumps(report, indent=2))
    return 1 if summary.crashes or summary.render_crashes else 0


if __name__ == "__main__":
    sys.exit(main())
