"""Golden frames: render a small scene straight from the rasteriser and compare
it with control data stored in the repository, the way Manim's graphical unit
tests do (`frames_comparison`, `control_data/<module>/<Test>.npz`).

Control data lives in `tests/control/<kind>/<name>.npz`: `frames` (N, H, W, 3)
uint8 RGB frames and `times` (N,) seconds. Regenerate it after an intended
change with `pytest tests/visual --update-golden`, then look at the diff of the
control files in review. On a mismatch the test writes a diff image
(expected | actual | difference, one row per frame, 4x nearest-neighbour) to
`tests/visual/_failures/<kind>/<name>.png` (git-ignored) and names it.

The configuration is pinned here, not taken from the scene or the command line:
SIZE, FPS, no segment cache (`render_frame` rasterises each frame afresh, with
no encoder and no cache in between).
"""
from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_frame
from storyreel.engine.encode.frames import write_png

# A pixel counts as mismatched when any channel differs by more than this many
# levels (0..255): room for Skia's rounding on another CPU's SIMD path, no more.
FRAME_ABSOLUTE_TOLERANCE = 2
# The test fails when more than this fraction of all pixels of the case (all its
# frames together) is mismatched: 1e-3 is 9 pixels of one 128x72 frame. A
# mismatch under the ratio only warns.
FRAME_MISMATCH_RATIO_TOLERANCE = 1e-3

SIZE = (128, 72)  # small: the whole suite has to run in well under a minute on 2 cores
FPS = 10

TESTS_DIR = Path(__file__).resolve().parent.parent
CONTROL_DIR = TESTS_DIR / "control"
FAILURES_DIR = Path(__file__).resolve().parent / "_failures"
UPDATE_HINT = "pytest tests/visual --update-golden"
DIFF_SCALE = 4


def compile_text(text: str, folder: Path, name: str = "golden.scene"):
    """`.scene` text -> Timeline at the pinned SIZE and FPS (assets relative to `folder`)."""
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_scene(path, None, CompileOptions(size=SIZE, fps=FPS)).timeline


def render_frames(timeline, times) -> np.ndarray:
    """(N, H, W, 3) uint8 RGB frames at `times`, straight from the rasteriser."""
    return np.stack([render_frame(timeline, float(t))[..., :3] for t in times])


def control_path(kind: str, name: str) -> Path:
    return CONTROL_DIR / kind / f"{name}.npz"


def mismatch_mask(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """(N, H, W) True where any channel differs by more than FRAME_ABSOLUTE_TOLERANCE."""
    return (np.abs(expected.astype(np.int16) - actual.astype(np.int16)) > FRAME_ABSOLUTE_TOLERANCE).any(axis=-1)


def diff_image(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """expected | actual | difference, one row per frame, as an RGBA image. In the
    difference, the actual frame is faded to grey and every mismatched pixel is
    magenta (brighter where it differs more)."""
    mask = mismatch_mask(expected, actual)
    delta = np.abs(expected.astype(np.int16) - actual.astype(np.int16)).max(axis=-1)
    grey = (actual.astype(np.float32).mean(axis=-1, keepdims=True) * 0.3 + 178).astype(np.uint8)
    highlight = np.repeat(grey, 3, axis=-1)
    strength = (np.clip(delta, 0, 255) / 255.0 * 0.5 + 0.5)[..., None]
    magenta = (np.array([255, 0, 255], np.float32) * strength).astype(np.uint8)
    highlight = np.where(mask[..., None], magenta, highlight)
    n, h, _, _ = expected.shape
    gap = np.full((h, 2, 3), 255, np.uint8)
    rows = [np.concatenate([expected[i], gap, actual[i], gap, highlight[i]], axis=1) for i in range(n)]
    sep = np.full((2, rows[0].shape[1], 3), 255, np.uint8)
    sheet = np.concatenate([x for row in rows for x in (row, sep)][:-1], axis=0)
    sheet = sheet.repeat(DIFF_SCALE, axis=0).repeat(DIFF_SCALE, axis=1)
    alpha = np.full(sheet.shape[:2] + (1,), 255, np.uint8)
    return np.concatenate([sheet, alpha], axis=-1)


def save_control(path: Path, frames: np.ndarray, times) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, frames=frames, times=np.asarray(times, np.float64))


def check_frames(kind: str, name: str, frames: np.ndarray, times, update: bool = False) -> None:
    """Compare `frames` with the control data of `kind`/`name`; with `update`,
    write the control data instead (only when it is missing or does not match,
    so that rounding noise does not churn the files)."""
    path = control_path(kind, name)
    rel = path.relative_to(TESTS_DIR.parent)
    times = [round(float(t), 6) for t in times]
    if not path.exists():
        if update:
            save_control(path, frames, times)
            return
        pytest.fail(f"no control data for golden frames {kind}/{name}: {rel} does not exist.\n"
                    f"Render it, look at it, and commit it: {UPDATE_HINT}", pytrace=False)
    with np.load(path) as data:
        expected, expected_times = data["frames"], [round(float(t), 6) for t in data["times"]]
    if expected.shape != frames.shape or expected_times != times:
        if update:
            save_control(path, frames, times)
            return
        pytest.fail(f"golden frames {kind}/{name}: the control data in {rel} holds {expected.shape} frames at "
                    f"{expected_times}, the test renders {frames.shape} at {times}; "
                    f"regenerate it after an intended change: {UPDATE_HINT}", pytrace=False)
    mask = mismatch_mask(expected, frames)
    ratio = float(mask.mean())
    if ratio == 0:
        return
    if ratio <= FRAME_MISMATCH_RATIO_TOLERANCE:
        warnings.warn(f"golden frames {kind}/{name}: {int(mask.sum())} pixels ({ratio:.2e}) differ by more than "
                      f"{FRAME_ABSOLUTE_TOLERANCE}, within FRAME_MISMATCH_RATIO_TOLERANCE", stacklevel=2)
        return
    if update:
        save_control(path, frames, times)
        return
    out = FAILURES_DIR / kind / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_png(diff_image(expected, frames), out)
    worst = [f"t={t:g}s: {int(m.sum())} px" for t, m in zip(times, mask) if m.any()]
    delta = int(np.abs(expected.astype(np.int16) - frames.astype(np.int16)).max())
    pytest.fail(f"golden frames {kind}/{name} differ from {rel}: {int(mask.sum())} of {mask.size} pixels "
                f"({ratio:.2%}) differ by more than {FRAME_ABSOLUTE_TOLERANCE} levels (largest difference {delta}), "
                f"over FRAME_MISMATCH_RATIO_TOLERANCE = {FRAME_MISMATCH_RATIO_TOLERANCE:g} "
                f"({'; '.join(worst)}).\n"
                f"Diff image (expected | actual | difference): {out}\n"
                f"If the change is intended: {UPDATE_HINT}", pytrace=False)
