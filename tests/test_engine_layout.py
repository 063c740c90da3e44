"""The engine's folders show the pipeline (issue 19): stage packages, each naming
what it offers, no import circle between the engine's modules (counting imports
inside functions too: a lazy import hides a circle, it does not remove it), and
the engine never imports the DSL or anything above it."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "engine"
STAGES = ("timeline", "raster", "encode", "publish", "audio", "speech", "characters")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """The storyreel modules `path` imports, as dotted names relative to the package root."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("storyreel."):
                target = node.module[len("storyreel."):]
            else:
                continue
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name[len("storyreel."):] for a in node.names if a.name.startswith("storyreel."))
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in ENGINE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        # a package's __init__ re-exporting its own modules is not an edge of the pipeline
        graph[name] = {t for t in _imports(path) if t in modules and t != name
                       and not (path.name == "__init__.py" and t.startswith(name + "."))}
    return graph


def test_engine_modules_have_no_import_circle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt.endswith("__init__"):
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_engine_never_imports_the_layers_above_it():
    above = ("dsl", "preview", "cli", "api", "api_builder", "jobs", "service", "channel")
    for path in ENGINE.rglob("*.py"):
        bad = sorted(t for t in _imports(path) if t.split(".")[0] in above)
        assert not bad, f"{path.relative_to(ENGINE.parent)} imports {bad}: the engine never imports what sits above it"


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_package_says_what_it_offers(stage):
    package = importlib.import_module(f"storyreel.engine.{stage}")
    assert package.__doc__ and len(package.__doc__.strip()) > 40, f"engine/{stage}/__init__.py needs a docstring"
    exported = getattr(package, "__all__", None)
    assert exported, f"engine/{stage}/__init__.py names nothing in __all__"
    for name in exported:
        assert hasattr(package, name), f"engine.{stage}.__all__ names {name!r}, which it does not define"


def test_no_flat_modules_left_but_the_shared_ones():
    flat = sorted(p.name for p in ENGINE.glob("*.py"))
    assert flat == ["__init__.py", "plugins.py"], f"engine/ holds {flat}: put each module in its stage's package"
