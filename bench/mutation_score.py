"""Mutation score: plant one-line bugs in the modules where a silent bug hurts
most, run the tests that cover each module, and count the mutants they kill.

    python3 bench/mutation_score.py [--per-module N] [--seed S] [--timeout SECONDS]
                                    [--module engine/publish/quality.py ...] [--list]
                                    [--without tests/test_x.py ...] [--json FILE]

A small mutator of our own (Python's `ast`), one change per mutant:
- comparison operators flipped: < <=, > >=, == !=, is / is not, in / not in;
- numeric constants changed: n -> n + 1, and n -> n * 2 (0 -> 1, 1 -> 2, 0.1 -> 0.2);
- `and` <-> `or`;
- `if COND: return …` -> `if False: return …` (the early return deleted);
- `not X` -> `X`.
Docstrings, annotations and constants inside f-strings are left alone.

The tree is never touched: the committed HEAD is exported (`git archive`) into a
temporary folder as `<tmp>/storyreel`, and the tests run there with `<tmp>` first on
PYTHONPATH, so `import storyreel` is the copy (the editable install points at the
real tree, which other people are testing in). Each mutant overwrites one file
of the copy, runs `pytest -x -q` on the module's test files with a timeout (a
timeout counts as killed: the bug hangs the render), and the file is restored in
a `finally`. The result is printed as a Markdown table (paste it into
bench/RESULTS.md) and, with --json, written as JSON with each surviving mutant.
"""
from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# module -> the test files that should catch a bug in it (fast ones; -x stops at the first failure)
TARGETS: dict[str, list[str]] = {
    "engine/publish/quality.py": ["tests/test_publish.py", "tests/test_safety_limits.py", "tests/test_quality_checks.py"],
    "engine/audio/mixer.py": ["tests/test_audio.py", "tests/test_mix_and_cache.py", "tests/test_clip_element.py",
                              "tests/test_mixer_rules.py"],
    "engine/encode/segment_cache.py": ["tests/test_parallel.py", "tests/test_mix_and_cache.py",
                                       "tests/test_segment_cache_rules.py"],
    # (tests/test_templates.py covers it too, but takes 100 s: too slow to run per mutant)
    "dsl/expand.py": ["tests/test_errors.py", "tests/test_hostile_input.py", "tests/test_project_paths.py",
                      "tests/test_easing.py", "tests/test_template_locations.py"],
    "engine/timeline/easing.py": ["tests/test_easing.py", "tests/test_transitions.py", "tests/test_easing_constants.py"],
    # The caption tests of test_reading and test_voice_audio (the whole files take 110 s a mutant:
    # the template check renders every template at every age, the rest is speech and music).
    "engine/publish/captions.py": [
        "tests/test_reading.py", "--deselect=tests/test_reading.py::test_every_template_captions_readably_at_every_age",
        *(f"tests/test_voice_audio.py::test_{name}" for name in (
            "captions_on_writes_srt_and_vtt_timed_to_the_speech", "a_long_line_is_split_into_cues_of_two_short_lines",
            "burned_captions_show_during_speech_with_the_spoken_word_in_yellow",
            "a_range_render_gets_the_matching_audio_slice_and_shifted_captions")),
        "tests/test_caption_rules.py"],
}
# Test files written for issue 21. Each module's older test files run first, so with
# -x a mutant the older suite already catches is credited to it: "before" is the
# score of the older files alone, from the same run.
NEW_TESTS = {"tests/test_safety_limits.py", "tests/test_mix_and_cache.py", "tests/test_clip_element.py",
             "tests/test_easing_constants.py", "tests/test_caption_rules.py", "tests/test_quality_checks.py",
             "tests/test_segment_cache_rules.py", "tests/test_template_locations.py", "tests/test_mixer_rules.py"}

FLIP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
        ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}


@dataclass
class Mutant:
    module: str
    index: int  # which mutation point of the module (in ast.walk order)
    line: int
    what: str


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes not to mutate: docstrings, annotations, f-string parts."""
    skip: set[int] = set()

    def mark(node):
        for sub in ast.walk(node):
            skip.add(id(sub))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                mark(first)
        if isinstance(node, ast.JoinedStr):
            mark(node)
        if isinstance(node, (ast.AnnAssign,)) and node.annotation is not None:
            mark(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.returns is not None:
                mark(node.returns)
            for arg in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
                if arg.annotation is not None:
                    mark(arg.annotation)
    return skip


def mutation_points(tree: ast.AST) -> list[tuple[ast.AST, str, int]]:
    """(node, kind, variant) for every mutation of the module, in a fixed order."""
    skip = _skipped_nodes(tree)
    points = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in FLIP:
                    points.append((node, "compare", i))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            points.append((node, "plus1", 0))
            if node.value not in (0, 1):  # 0*2 == 0; 1*2 == 1+1: same as plus1
                points.append((node, "times2", 0))
        elif isinstance(node, ast.BoolOp):
            points.append((node, "boolop", 0))
        elif isinstance(node, ast.If) and any(isinstance(s, ast.Return) for s in node.body) and not node.orelse:
            points.append((node, "no_early_return", 0))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            points.append((node, "drop_not", 0))
    return points


def describe(node: ast.AST, kind: str, variant: int) -> str:
    src = ast.unparse(node)
    src = src if len(src) <= 70 else src[:67] + "..."
    if kind == "compare":
        op = type(node.ops[variant])
        return f"{op.__name__} -> {FLIP[op].__name__} in `{src}`"
    if kind == "plus1":
        return f"{node.value!r} -> {node.value + 1!r}"
    if kind == "times2":
        return f"{node.value!r} -> {node.value * 2!r}"
    if kind == "boolop":
        return f"{'and -> or' if isinstance(node.op, ast.And) else 'or -> and'} in `{src}`"
    if kind == "no_early_return":
        return f"`if {ast.unparse(node.test)[:60]}: return` never taken"
    return f"`{src}` -> without `not`"


def mutate(source: str, index: int) -> tuple[str, Mutant | None]:
    """The module's source with mutation `index` applied (ast.unparse of the whole module)."""
    tree = ast.parse(source)
    points = mutation_points(tree)
    node, kind, variant = points[index]
    what = describe(node, kind, variant)
    line = getattr(node, "lineno", 0)
    if kind == "compare":
        node.ops[variant] = FLIP[type(node.ops[variant])]()
    elif kind == "plus1":
        node.value = node.value + 1
    elif kind == "times2":
        node.value = node.value * 2
    elif kind == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "no_early_return":
        node.test = ast.Constant(False)
    elif kind == "drop_not":
        # replace `not X` by X in its parent
        for parent in ast.walk(tree):
            for field, value in ast.iter_fields(parent):
                if value is node:
                    setattr(parent, field, node.operand)
                elif isinstance(value, list):
                    for i, v in enumerate(value):
                        if v is node:
                            value[i] = node.operand
    ast.fix_missing_locations(tree)
    return ast.unparse(tree), Mutant("", index, line, what)


def export_head(dest: Path) -> Path:
    """HEAD's files as <dest>/storyreel (importable as the package)."""
    root = dest / "storyreel"
    root.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return root


def run_tests(root: Path, tests: list[str], timeout: float, first: bool = True) -> tuple[str, float, str]:
    """'killed' | 'survived' | 'timeout', the seconds it took, and the test file that failed first
    (first=False: every test runs, and the third item is the failing test ids, one a line)."""
    env = dict(os.environ, PYTHONPATH=f"{root.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
               PYTHONDONTWRITEBYTECODE="1",
               # one speech cache for every run (the copy's conftest only sets it when unset)
               STORYREEL_CACHE=str(root.parent / "speech-cache"))
    began = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", *(["-x"] if first else []), "-q", "-rfE", "-p", "no:cacheprovider",
                               "--rootdir", str(root), *tests], cwd=root, env=env, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - began, ""
    # 0: all passed; 1: a test failed; 2-5: collection/usage errors (a mutant that breaks the import is killed too)
    secs = time.perf_counter() - began
    if proc.returncode == 0:
        return "survived", secs, ""
    ids = [line.split()[1] for line in proc.stdout.decode(errors="replace").splitlines()
           if line.startswith(("FAILED ", "ERROR ")) and len(line.split()) > 1]
    if not first:
        return "killed", secs, "\n".join(ids)
    return "killed", secs, (ids[0].split("::")[0] if ids else "")


def _plan(root: Path, modules: list[str], args, show: bool = False) -> dict[str, list[int]]:
    """Which mutation points of each module to run (all, or a seeded sample)."""
    rng = random.Random(args.seed)
    plan: dict[str, list[int]] = {}
    # Sample every module of TARGETS in its order, so a module's sample does not depend on --module.
    for module in list(TARGETS) + [m for m in modules if m not in TARGETS]:
        source = (root / module).read_text(encoding="utf-8")
        count = len(mutation_points(ast.parse(source)))
        chosen = list(range(count))
        if args.per_module and count > args.per_module:
            chosen = sorted(rng.sample(chosen, args.per_module))
        plan[module] = chosen
        if show and module in modules:
            for i in chosen:
                _, m = mutate(source, i)
                print(f"{module}:{m.line}: #{i} {m.what}")
    return {m: plan[m] for m in modules}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--module", action="append", help="a module path (default: all of TARGETS)")
    ap.add_argument("--per-module", type=int, default=0, help="sample this many mutants a module (0: all)")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds per mutant's test run")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--without", action="append", default=[], metavar="TEST_FILE",
                    help="leave this test file out (a 'before' score: the suite without a new file)")
    args = ap.parse_args(argv)
    modules = args.module or list(TARGETS)
    if args.list:
        _plan(REPO, modules, args, show=True)
        return 0
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="storyreel-mutants-") as tmp:
        root = export_head(Path(tmp))
        plan = _plan(root, modules, args)  # from HEAD's sources, the ones mutated
        for module in modules:
            path = root / module
            original = path.read_text(encoding="utf-8")
            tests = [t for t in TARGETS[module] if t not in args.without]
            status, secs, failing = run_tests(root, tests, args.timeout * 2, first=False)
            broken = failing.split()
            if status == "killed" and broken:
                # Tests already failing on HEAD (someone's work in progress) are left out, and said so.
                print(f"{module}: failing without any mutant, deselected: {', '.join(broken)}", flush=True)
                tests = tests + [f"--deselect={t}" for t in broken]
                status, secs, _ = run_tests(root, tests, args.timeout * 2, first=False)
            if status != "survived":
                print(f"{module}: the tests fail without any mutant ({status}); skipped", flush=True)
                continue
            row = {"total_points": len(mutation_points(ast.parse(original))), "tried": 0, "killed": 0,
                   "timeout": 0, "killed_before": 0, "survivors": [], "survivors_before": [],
                   "baseline_s": round(secs, 1), "tests": tests, "deselected": broken}
            for i in plan[module]:
                mutated, m = mutate(original, i)
                try:
                    path.write_text(mutated, encoding="utf-8")
                    status, secs, failed = run_tests(root, tests, args.timeout)
                finally:
                    path.write_text(original, encoding="utf-8")
                row["tried"] += 1
                # killed by an older test file (or a hang, or a failure we could not attribute): "before" too
                old = status == "timeout" or (status == "killed" and failed not in NEW_TESTS)
                if status == "survived":
                    row["survivors"].append(f"line {m.line}: {m.what}")
                else:
                    row["killed"] += 1
                    row["timeout"] += status == "timeout"
                if old:
                    row["killed_before"] += 1
                else:
                    row["survivors_before"].append(f"line {m.line}: {m.what}")
                print(f"{module}:{m.line} #{i} {status:8s} {secs:5.1f}s  {m.what}  {failed}", flush=True)
            results[module] = row
    print()
    print("| module | mutation points | mutants run | killed before (older tests) | killed after | score before | score after |")
    print("|---|---|---|---|---|---|---|")
    for module, row in results.items():
        n = max(1, row["tried"])
        print(f"| {module} | {row['total_points']} | {row['tried']} | {row['killed_before']} | {row['killed']} "
              f"| {100.0 * row['killed_before'] / n:.0f} % | {100.0 * row['killed'] / n:.0f} % |")
    if args.json:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        args.json.write_text(json.dumps({"commit": commit, "seed": args.seed, "per_module": args.per_module,
                                         "without": args.without, "results": results},
                                        indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
