"""Fuzz the `.scene` front end: seeded mutants of the repository's own scene
files (examples, templates' expanded text, template sources and their _lib
imports) must be accepted or rejected with `FILE:LINE:COL: error: …`, never
crash, and an accepted one must render. The mutator is bench/fuzz_scene.py.

CI runs a few thousand inputs in well under a minute; STORYREEL_FUZZ_N=1000000
(and STORYREEL_FUZZ_SEED) runs as many as you like, as does
`python3 bench/fuzz_scene.py --n 1000000`.
"""
from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyreel.bench import fuzz_scene as fz

N = int(os.environ.get("STORYREEL_FUZZ_N", "1500"))  # bench/fuzz_scene.py runs ten thousand and more
WORKERS = min(2, os.cpu_count() or 1)  # CI has 2 cores; each worker is a fork with its own folders
SEED = int(os.environ.get("STORYREEL_FUZZ_SEED", "20240613"))
JINJA_N = max(12, N // 200)  # template sources: about 0.4 s each, Jinja compiles them anew


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    fz.prepare(folder)
    return folder


def _report(summary) -> str:
    lines = [f"{summary.crashes} crashes, {summary.render_crashes} render crashes in {summary.inputs} inputs"]
    for kind, count in summary.crash_kinds.items():
        seed, text = summary.examples[kind]
        lines.append(f"--- {count} x {kind}\nfrom {seed}:\n{text[:1500]!r}")
    return "\n".join(lines)


def test_mutants_of_scene_files_are_accepted_or_located_errors(workdir):
    summary = fz.run_parallel(N, SEED, workdir, WORKERS, render_every=40, jinja_share=0.0)
    assert summary.crashes == 0 and summary.render_crashes == 0, _report(summary)
    # The mix stays useful: most mutants are rejected, a good share still compiles
    # (and some of those were rendered).
    assert summary.rejected > summary.inputs // 3 and summary.accepted > summary.inputs // 20, summary
    assert summary.rendered >= summary.accepted // 40


def test_mutants_of_template_sources(workdir):
    """Jinja sources and the library files they import, mutated in a copy of templates/."""
    summary = fz.run(JINJA_N, SEED + 1, workdir, render_every=4, jinja_share=1.0)
    assert summary.crashes == 0 and summary.render_crashes == 0, _report(summary)


@pytest.mark.parametrize("mutation", ["nest", "long", "nul", "bom", "crlf"])
def test_each_hostile_mutation_kind(workdir, mutation):
    """Each kind of the brief's mutations on every plain seed, so none depends on luck."""
    rng = random.Random(SEED)
    for seed in fz.seeds(workdir):
        if seed.jinja:
            continue
        lines = seed.text.split("\n")
        text = {
            "nest": lambda: "\n".join(fz._nest(rng, lines)),
            "long": lambda: re.sub(r"\d+", lambda m: fz._long_number(rng) if rng.random() < 0.2 else m.group(0),
                                   seed.text),
            "nul": lambda: seed.text.replace("\n", "\n\x00", 1),
            "bom": lambda: "\ufeff" + seed.text,
            "crlf": lambda: seed.text.replace("\n", "\r\n"),
        }[mutation]()
        path, _ = fz.place(seed, text, workdir)
        outcome = fz.check(path)
        assert outcome.kind != "crash", f"{seed.name}: {outcome.detail}"
        if outcome.kind == "accepted" and mutation in ("bom", "crlf"):
            assert fz.render_check(outcome.timeline) is None


def test_cli_check_on_a_sample(workdir, monkeypatch):
    """`render check` itself (click, cli._run): exit 0 or 1, a located message, no traceback."""
    from storyreel.cli import main

    rng = random.Random(SEED + 2)
    plain = [s for s in fz.seeds(workdir) if not s.jinja]
    monkeypatch.chdir(workdir)
    runner = CliRunner()
    for _ in range(40):
        seed = rng.choice(plain)
        path, _restore = fz.place(seed, fz.mutate(seed.text, rng), workdir)
        result = runner.invoke(main, ["check", str(path.relative_to(workdir)), "--size", "64x36"])
        assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        if result.exit_code == 1:
            assert fz.LOCATED.match(result.stderr) or result.stderr.startswith("error: "), result.stderr
