"""Queue overhead of `render batch` per job (bench/RESULTS.md, "Batch and queue").

    python bench/batch_queue.py --rows 6 --size 160x90 --scene        # tiny scene rows: overhead alone
    python bench/batch_queue.py --rows 2 --size 1280x720              # short `counting` videos at 720p

Renders ROWS rows through the real queue and runner (one worker, so the jobs do
not compete) and reads each job's timestamps back from the queue database:

- claim -> render start: from the job's claim (its attempt's start; the rows
  are all queued at once and one worker takes them in turn, so the time a row
  waits for the rows before it is not overhead) to the worker's first frame
  (process start, imports, compile);
- overhead: the job's whole time (claim to recorded done) minus the work a
  plain `render` does too (compile, frames, extras, check-video): claiming,
  starting the process, importing, moving the files in, recording the result.

The per-second render cost ((check-and-compile + render) / video seconds) of the
rows gives the render time of a 60-second video, and the overhead as a share of it.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

SCENE = '''video "bench {{ n }}" {
    size {{ w }}x{{ h }}
    fps 30
}
scene a {
    background gradient #FFE29A #FFA99F vertical
    t = text "Video {{ n }}" at (50%, 50%) size 80 color #3A2E5C font rounded
    t: move to (50%, 40%) 2s
}
'''


def main() -> int:
    from storyreel.jobs import JobQueue
    from storyreel.jobs.batch import run_batch

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=6)
    parser.add_argument("--size", default="160x90")
    parser.add_argument("--scene", action="store_true", help="2-second scene rows instead of the counting template")
    parser.add_argument("--quality", default="standard")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jobs = folder / "jobs.csv"
        if args.scene:
            (folder / "bench.scene").write_text(SCENE, encoding="utf-8")
            rows = [f"out/v{n}.mp4,bench.scene,{n},{w},{h},{args.quality}" for n in range(args.rows)]
            jobs.write_text("output,scene,n,w,h,quality\n" + "\n".join(rows) + "\n", encoding="utf-8")
        else:
            things = ["apple", "duck", "star", "fish", "ball", "bear", "frog", "cat"]
            rows = [f"out/v{n}.mp4,counting,{1 + n % 5},{things[n % len(things)]},short,{args.size},{args.quality}"
                    for n in range(args.rows)]
            jobs.write_text("output,template,count,thing,length,size,quality\n" + "\n".join(rows) + "\n",
                            encoding="utf-8")
        began = time.time()
        code = run_batch(jobs, workers=args.workers, quiet=True)
        wall = time.time() - began
        if code:
            print("batch failed", file=sys.stderr)
            return code
        q = JobQueue(folder / ".storyreel-jobs")
        first_claim = min(q.attempts(job.id)[0].started_at for job in q.jobs())
        checking = (first_claim - began) / args.rows  # reading, checking and compiling every row, per row
        table = []
        for job in q.jobs():
            t = job.result["timings"]
            work = t["compile_s"] + t["render_s"] + t["extras_s"] + t["check_s"]
            # From the claim, not the enqueue: with one worker, the later rows wait for the earlier ones.
            claimed = q.attempts(job.id)[-1].started_at
            total = job.finished_at - claimed
            table.append({"video_s": job.result["duration"], "to_render": t["render_started"] - claimed,
                          "import_s": t["import_s"], "compile_s": t["compile_s"], "render_s": t["render_s"],
                          "check_s": t["extras_s"] + t["check_s"], "total": total, "overhead": total - work})
        print(f"{args.rows} rows, {'scene' if args.scene else 'counting template'} at {args.size}, "
              f"quality {args.quality}, {args.workers} worker(s); batch wall {wall:.1f}s (incl. checking every row first), "
              f"{3600 * args.rows / wall:.0f} videos/hour")
        print("video_s  claim->render    import  compile  render  extras+check  total  overhead")
        for r in table:
            print(f"{r['video_s']:7.1f}  {r['to_render']:15.2f}  {r['import_s']:6.2f}  {r['compile_s']:7.2f}  "
                  f"{r['render_s']:6.2f}  {r['check_s']:12.2f}  {r['total']:5.2f}  {r['overhead']:8.2f}")
        overhead = statistics.median(r["overhead"] for r in table)
        per_second = sum(r["render_s"] + r["compile_s"] + checking for r in table) / sum(r["video_s"] for r in table)
        print(f"checking and compiling every row before the first render: {checking:.2f}s per row "
              f"(the worker renders that compiled timeline: compile_s above is only reading it)")
        print(f"median overhead {overhead:.2f}s/job (of which imports {statistics.median(r['import_s'] for r in table):.2f}s); "
              f"median claim->render {statistics.median(r['to_render'] for r in table):.2f}s")
        print(f"render cost {per_second:.3f}s per video second -> a 60 s video {60 * per_second:.1f}s; "
              f"overhead = {100 * overhead / (60 * per_second):.2f}% of it")
        q.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
