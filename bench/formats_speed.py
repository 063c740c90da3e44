"""Encode speed of each output format (engine/encode/formats.py): a 2 s, 30 fps scene
with a gradient, a moving ball and a sound, rendered end to end at 1280x720,
`--quality standard`; `--alpha` renders it on a transparent canvas instead.

    python3 bench/formats_speed.py [--alpha] [--size 1280x720]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine.encode.formats import FORMATS, render_output

SCENE = '''video "formats bench" {{
    fps 30
{setting}}}
scene a {{
{background}    ball = circle at (10%, 50%) radius 80 fill #E63946
    ball: move to (90%, 50%) 2s
    sound pop
    wait 2s
}}
'''
OUTPUTS = {"mp4": "x.mp4", "hevc": "h.mp4", "webm": "x.webm", "mov": "x.mov", "gif": "x.gif", "png": "frames/",
           "wav": "x.wav", "m4a": "x.m4a"}
ALPHA = ("webm", "mov", "gif", "png")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", action="store_true")
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as folder:
        scene = Path(folder) / "bench.scene"
        scene.write_text(SCENE.format(setting="    background none\n" if args.alpha else "",
                                      background="" if args.alpha else "    background gradient #FFE29A #FFA99F vertical\n"))
        tl = load_scene(scene, None, CompileOptions(size=(w, h))).timeline
        for name, output in OUTPUTS.items():
            if args.alpha and name not in ALPHA:
                continue
            began = time.perf_counter()
            frames = render_output(tl, f"{folder}/{output}", FORMATS[name], quality="standard")
            took = time.perf_counter() - began
            print(f"{name:5} {'alpha ' if args.alpha else ''}{frames} frames in {took:.2f}s = {frames / took:.1f} fps")


if __name__ == "__main__":
    main()
