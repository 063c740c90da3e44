"""Throughput of `render batch` (bench/RESULTS.md, "Batch throughput"): videos an
hour on this machine, and the queue's overhead per job.

    python bench/batch_throughput.py                          # 24 short template videos at 1280x720, 2 workers
    python bench/batch_throughput.py --rows 4 --size 320x180  # a quick try
    python bench/batch_throughput.py --rows 4 --executor ray  # the rows as Ray tasks (a private Ray, --workers CPUs)

Writes a JSON Lines jobs file of ROWS short videos, the four learning templates in
turn (counting, alphabet, colors, shapes, each row with other parameters), and runs
it through `run_batch` (every row checked and compiled first, then rendered by the
queue's worker processes). The wall time counts everything from reading the file
to the last video, so videos/hour is what a user of `render batch` gets.

Per job, from the queue's own timestamps: overhead = the job's time from its claim
to its recorded end, less the work a plain `render` does too (compile, frames,
extras, check-video), set against the render cost of a 60-second video (render
seconds per video second, checking included, times 60). See bench/batch_queue.py
for the same figures job by job.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = {  # template: the parameter that changes from row to row, and its values
    "counting": ("thing", ["apple", "duck", "star", "fish", "ball", "bear"]),
    "alphabet": ("letter", ["A", "B", "C", "D", "E", "F"]),
    "colors": ("color", ["red", "blue", "green", "yellow", "purple", "orange"]),
    "shapes": ("shape", ["circle", "square", "triangle", "star", "heart", "oval"]),
}


def jobs_lines(rows: int, size: str, quality: str) -> str:
    lines = []
    names = list(ROWS)
    for n in range(rows):
        template = names[n % len(names)]
        key, values = ROWS[template]
        row = {"output": f"out/{template}-{n:02d}.mp4", "template": template, key: values[n // len(names) % len(values)],
               "length": "short", "size": size, "quality": quality}
        if template == "counting":
            row["count"] = 1 + n % 5
        lines.append(json.dumps(row))
    return "\n".join(lines) + "\n"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> int:
    from storyreel.jobs import JobQueue
    from storyreel.jobs.batch import run_batch

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=24)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--quality", default="standard")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executor", choices=["local", "ray"], default="local")
    args = parser.parse_args()
    executor = None
    if args.executor == "ray":
        from storyreel.engine.encode.executors import RayExecutor

        executor = RayExecutor(num_cpus=args.workers)  # started after the rows are checked: its start is in the wall
    print(f"load before: {uptime()}")
    with tempfile.TemporaryDirectory(prefix="batchbench-") as tmp:
        folder = Path(tmp)
        jobs = folder / "jobs.jsonl"
        jobs.write_text(jobs_lines(args.rows, args.size, args.quality), encoding="utf-8")
        began = time.time()
        code = run_batch(jobs, workers=args.workers, quiet=True, executor=executor)
        wall = time.time() - began
        print(f"load after: {uptime()}")
        queue = JobQueue(folder / ".storyreel-jobs")
        every = queue.jobs()
        done = [job for job in every if job.state == "done"]
        if code:  # a row that fails its checks was still rendered: the throughput counts it, the overhead does not
            failed = [f"  {job.spec.get('output')}: {(job.error or {}).get('message')}"
                      for job in every if job.state != "done"]
            print(f"{len(failed)} row(s) failed:", *failed, sep="\n")
        checked = min(queue.attempts(job.id)[0].started_at for job in every) - began  # every row, before any render
        video_s = work_s = 0.0
        overheads = []
        for job in done:
            t = job.result["timings"]
            work = t["compile_s"] + t["render_s"] + t["extras_s"] + t["check_s"]
            overheads.append(job.finished_at - queue.attempts(job.id)[-1].started_at - work)
            video_s += job.result["duration"]
            work_s += t["compile_s"] + t["render_s"]
        queue.close()
    if not done:
        print("no row passed: no figures", file=sys.stderr)
        return code or 1
    per_video_s = (work_s + checked) / video_s
    overhead = statistics.median(overheads)
    print(f"{len(every)} videos rendered, {len(done)} passed check-video ({', '.join(ROWS)}; short, {args.size}, "
          f"quality {args.quality}), {args.workers} workers ({args.executor}): {wall:.0f}s wall; {video_s:.0f}s of video in the "
          f"passed ones (mean {video_s / len(done):.1f}s) -> {3600 * len(every) / wall:.1f} videos/hour "
          f"({3600 * len(done) / wall:.1f} passed)")
    print(f"checking every row first: {checked:.1f}s ({checked / len(done):.2f}s a row)")
    print(f"queue overhead per job: median {overhead:.2f}s (min {min(overheads):.2f}, max {max(overheads):.2f}); "
          f"a 60-second video renders in {60 * per_video_s:.1f}s -> {100 * overhead / (60 * per_video_s):.2f}%")
    return code


if __name__ == "__main__":
    sys.exit(main())
