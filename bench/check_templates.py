"""Render every shipped template at every preset and run `render check-video` on it.

    python bench/check_templates.py                 # full size: 1920x1080, 1080x1920, 1080x1080
    python bench/check_templates.py --scale 0.5     # half size (same layout and safe areas), 4x faster
    python bench/check_templates.py --templates counting,feelings --presets shorts
    python bench/check_templates.py --scale 0.25 --ages 2,5 --presets youtube,shorts,square   # the matrix

Each template renders its default short at each preset through the real CLI
(`render new`, and `render story examples/story.txt` for the storybook), then
`render check-video` decodes it and checks duration, sync, loudness, flashes,
text contrast and caption reading speed for the age the video was made for. The
table printed at the end (markdown) goes into bench/RESULTS.md. Exit 1 when any
check fails. Too slow for the test suite (a minute of 1080p video per cell).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storyreel.engine.publish.presets import PRESETS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ["counting", "alphabet", "colors", "shapes", "feelings", "storybook"]


def render(template: str, preset: str, scale: float, out: Path, age: int | None = None,
           episode: int | None = None) -> list[str]:
    w, h = PRESETS[preset].width, PRESETS[preset].height
    size = f"{round(w * scale / 2) * 2}x{round(h * scale / 2) * 2}"
    if template == "storybook":
        return [sys.executable, "-m", "storyreel", "story", str(ROOT / "examples" / "story.txt"), "--preset", preset,
                "--size", size, "-o", str(out), "-q"]
    extra = (["--age", str(age)] if age else []) + (["--set", f"episode={episode}"] if episode else [])
    return [sys.executable, "-m", "storyreel", "new", template, "--preset", preset, "--size", size, "-o", str(out),
            "-q", *extra]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of each preset's size (default 1)")
    parser.add_argument("--templates", default=",".join(TEMPLATES))
    parser.add_argument("--presets", default=",".join(PRESETS))
    parser.add_argument("--ages", default="", help="viewers' ages, e.g. 2,5 (default: each template's own)")
    parser.add_argument("--episode", type=int, default=None, help="the templates' episode number (their seed)")
    args = parser.parse_args()
    ages = [int(a) for a in args.ages.split(",") if a] or [None]
    rows, failed = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for template in args.templates.split(","):
            for preset, age in [(p, a) for a in ages for p in args.presets.split(",")]:
                out = Path(tmp) / f"{template}-{preset}-{age}.mp4"
                began = time.perf_counter()
                made = subprocess.run(render(template, preset, args.scale, out, age if template != "storybook" else None,
                                             args.episode if template != "storybook" else None),
                                      capture_output=True, text=True)
                took = time.perf_counter() - began
                if made.returncode != 0:
                    rows.append((template, f"{preset} age {age}", "-", f"render failed: {made.stderr.strip().splitlines()[-1]}"))
                    failed += 1
                    continue
                checked = subprocess.run([sys.executable, "-m", "storyreel", "check-video", str(out), "--json"],
                                         capture_output=True, text=True)
                report = json.loads(checked.stdout)
                bad = [c["name"] for c in report["checks"] if c["status"] == "fail"]
                reading = next(c for c in report["checks"] if c["name"] == "reading speed")
                contrast = next(c for c in report["checks"] if c["name"] == "text contrast")
                verdict = "pass" if not bad else "FAIL: " + ", ".join(bad)
                failed += bool(bad)
                length = next(c for c in report["checks"] if c["name"] == "duration")["value"]
                rows.append((template, preset if age is None else f"{preset} age {age}", f"{length} in {took:.0f}s",
                             f"{verdict} (reading {reading['value']}, age {report['age']:g}; contrast {contrast['value']})"))
                print(" | ".join(rows[-1]), flush=True)
    print(f"\n| template | preset (x{args.scale:g}) | length, render time | check-video |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
