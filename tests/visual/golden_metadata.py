"""Golden metadata: the OUT.json sidecar `render` writes beside a video, compared
with control data in `tests/control/metadata/<name>.json`, like the golden
frames (tests/visual/golden.py): the same `--update-golden` flag regenerates it,
and a mismatch fails with the differing fields named, a unified diff, and the
actual file written to `tests/visual/_failures/metadata/<name>.json`.

Everything our code decides is compared exactly: title, description, tags,
chapters, text regions, thumbnail layout, captions, each platform's fields.
Only what the encoders measure gets a named tolerance (a libx264 or AAC build
elsewhere may spend a few bytes more), and the speech cache's counters, which
depend on what an earlier run left in the cache, are not compared.
"""
from __future__ import annotations

import difflib
import json
import math
import re

import pytest

from visual.golden import CONTROL_DIR, FAILURES_DIR, TESTS_DIR, UPDATE_HINT

# Byte counts the encoders choose (file size, bit rates, the thumbnail's JPEG):
# relative difference allowed. A quality preset or a GOP setting gone wrong moves
# them far more than this.
ENCODED_BYTES_RELATIVE_TOLERANCE = 0.15
ENCODED_BYTES = re.compile(r"^(file_size|bit_rate|video\.bit_rate|audio\.bit_rate|thumbnail\.jpg_bytes)$")
# Loudness measured from the decoded AAC (LUFS, dBTP): absolute difference allowed.
LOUDNESS_TOLERANCE_DB = 0.3
LOUDNESS = re.compile(r"^loudness\.(integrated_lufs|true_peak_dbtp)$")
# How many lines came from the speech cache and how many were synthesised depends
# on the cache an earlier test left: left out of the comparison.
NOT_COMPARED = re.compile(r"^speech\.providers\.[^.]+\.(synthesised|cache_hits)$")
NOT_COMPARED_MARK = "<not compared>"
DIFF_LINES = 60


def control_path(name: str):
    return CONTROL_DIR / "metadata" / f"{name}.json"


def _flatten(value, path: str = "") -> dict[str, object]:
    """{"a.b.0.c": leaf}: every leaf of the JSON with its dotted path."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return {path: value}
    flat: dict[str, object] = {}
    for key, sub in items:
        flat.update(_flatten(sub, f"{path}.{key}" if path else str(key)))
    if not flat:  # an empty list or dict is a leaf too
        flat[path] = value
    return flat


def masked(value, path: str = ""):
    """`value` with every NOT_COMPARED leaf replaced by NOT_COMPARED_MARK (what the
    control files hold there, and what the diff shows)."""
    if isinstance(value, dict):
        return {k: masked(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(value)]
    return NOT_COMPARED_MARK if NOT_COMPARED.match(path) else value


def _within_tolerance(path: str, expected, actual) -> bool:
    if NOT_COMPARED.match(path):
        return True
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (expected, actual))
    if numbers and ENCODED_BYTES.match(path):
        return abs(actual - expected) <= ENCODED_BYTES_RELATIVE_TOLERANCE * max(abs(expected), 1)
    if numbers and LOUDNESS.match(path):
        return math.isclose(expected, actual, abs_tol=LOUDNESS_TOLERANCE_DB)
    return expected == actual and type(expected) is type(actual)


def differences(expected: dict, actual: dict) -> list[str]:
    """One line per field that differs beyond its tolerance: 'path: expected X, got Y'."""
    want, got = _flatten(expected), _flatten(actual)
    lines = []
    for path in sorted(want.keys() | got.keys()):
        if path not in got:
            lines.append(f"{path}: missing (expected {want[path]!r})")
        elif path not in want:
            lines.append(f"{path}: new field ({got[path]!r})")
        elif not _within_tolerance(path, want[path], got[path]):
            lines.append(f"{path}: expected {want[path]!r}, got {got[path]!r}")
    return lines


def _dump(meta: dict) -> str:
    return json.dumps(meta, indent=2, ensure_ascii=False) + "\n"


def check_metadata(name: str, meta: dict, update: bool = False) -> None:
    """Compare the OUT.json `meta` with tests/control/metadata/`name`.json; with
    `update`, write it there instead (only when missing or different beyond the
    tolerances, so that a byte more from the encoder does not churn the file)."""
    path = control_path(name)
    meta = masked(meta)
    rel = path.relative_to(TESTS_DIR.parent)
    if not path.exists():
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_dump(meta), encoding="utf-8")
            return
        pytest.fail(f"no control data for golden metadata {name}: {rel} does not exist.\n"
                    f"Render it, read it, and commit it: {UPDATE_HINT}", pytrace=False)
    expected = json.loads(path.read_text(encoding="utf-8"))
    found = differences(expected, meta)
    if not found:
        return
    if update:
        path.write_text(_dump(meta), encoding="utf-8")
        return
    out = FAILURES_DIR / "metadata" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_dump(meta), encoding="utf-8")
    diff = list(difflib.unified_diff(_dump(expected).splitlines(), _dump(meta).splitlines(),
                                     str(rel), str(out.relative_to(TESTS_DIR.parent)), lineterm="", n=2))
    if len(diff) > DIFF_LINES:
        diff = diff[:DIFF_LINES] + [f"… {len(diff) - DIFF_LINES} more lines"]
    pytest.fail(f"golden metadata {name} differs from {rel} in {len(found)} field(s):\n  "
                + "\n  ".join(found) + "\n\n" + "\n".join(diff)
                + f"\n\nThe whole file as written: {out}\nIf the change is intended: {UPDATE_HINT}", pytrace=False)
