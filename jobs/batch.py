"""`render batch JOBS`: one video per row of a CSV, YAML or JSON Lines file.

    output,template,count,thing,platform
    out/ducks.mp4,counting,7,duck,youtube
    out/bears.mp4,counting,3,bear,shorts

A row names what to render (`template`, `scene` or `story`: exactly one), where
(`output`, an .mp4), and how (`platform`, `preset`, `size`, `fps`, `quality`,
`age`, `extras`, `check`); every other column is a template parameter (or a
variable of the `.scene` file). Relative paths are relative to the jobs file.
An empty CSV cell means "not given".

Every row is checked first, compiled as it will be rendered: any error is
reported as `JOBS:LINE:COLUMN: error: …` (all of them) and nothing is rendered.
Then the rows become jobs in the queue of `--jobs-dir` (jobs/queue.py) and the
runner (jobs/runner.py) renders them. A row whose output exists and whose
inputs (the row, the files it is made from) hash as when it was done is
skipped, so running the batch again finishes only what is left.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

__all__ = ["BatchError", "RESERVED", "Row", "check_values", "default_report", "plan_batch", "read_rows", "run_batch"]

SOURCES = ("template", "scene", "story")
RESERVED = ("output", *SOURCES, "platform", "preset", "size", "fps", "quality", "age", "extras", "check")


@dataclass
class Row:
    """One row: its values, the line it starts on, and where each column is."""
    line: int
    values: dict[str, Any]
    columns: dict[str, tuple[int, int]]  # name -> (line, column), 1-based
    index: int = 0  # 1-based row number among the rows

    def where(self, name: str | None) -> tuple[int, int]:
        if name is not None and name in self.columns:
            return self.columns[name]
        return self.line, 1


@dataclass
class Problem:
    line: int
    column: int
    name: str | None
    message: str

    def format(self, display: str) -> str:
        what = f"{self.name}: " if self.name else ""
        return f"{display}:{self.line}:{self.column}: error: {what}{self.message}"


class BatchError(Exception):
    """The jobs file cannot be read as rows at all (not the rows' own errors)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message)
        self.problems = problems


@dataclass
class Planned:
    row: Row
    spec: dict[str, Any]
    key: str
    input_hash: str
    frames: int
    duration: float
    inputs: list[str] = field(default_factory=list)  # the files it is made from
    timeline: str | None = None  # compiled when checked (engine JSON): the worker renders it as it is
    job_id: int | None = None
    skipped: bool = False


# ── reading ───────────────────────────────────────────────────────────────────


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    return "csv"


def read_rows(path: str | Path) -> list[Row]:
    """The rows of a CSV, YAML list or JSON Lines file, each with its positions.
    Raises `BatchError` (located) when the file itself is malformed, `OSError`
    when it cannot be read."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    kind = _kind(path)
    rows = _read_yaml(text) if kind == "yaml" else _read_jsonl(text) if kind == "jsonl" else _read_csv(text)
    for i, row in enumerate(rows, 1):
        row.index = i
    if not rows:
        raise BatchError([Problem(1, 1, None, "no rows: write one row per video (a header line, then rows)"
                                  if kind == "csv" else "no rows: write one mapping per video")])
    return rows


def _read_csv(text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as err:
        raise BatchError([Problem(1, 1, None, f"not CSV: {err}")]) from None
    names = [h.strip() for h in header]
    problems = []
    for i, name in enumerate(names):
        if not name:
            problems.append(Problem(1, i + 1, None, "a column with no name in the header line"))
        elif name in names[:i]:
            problems.append(Problem(1, i + 1, name, f"a second '{name}' column"))
    if problems:
        raise BatchError(problems)
    rows = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            raise BatchError([Problem(reader.line_num, 1, None, f"not CSV: {err}")]) from None
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # a blank line
        values, columns = {}, {}
        for i, cell in enumerate(cells):
            if i >= len(names):
                if cell.strip():
                    raise BatchError([Problem(start, i + 1, None, f"{len(cells)} cells, but the header names "
                                                                  f"{len(names)} columns")])
                continue
            if cell.strip():
                values[names[i]] = cell.strip()
            columns[names[i]] = (start, i + 1)
        rows.append(Row(start, values, columns))
    return rows


def _read_yaml(text: str) -> list[Row]:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise BatchError([Problem(line, col, None, f"not YAML: {getattr(err, 'problem', None) or err}")]) from None
    if node is None:
        return []
    if not isinstance(data, list):
        raise BatchError([Problem(node.start_mark.line + 1, node.start_mark.column + 1, None,
                                  "the file must be a YAML list, one mapping per video (- output: a.mp4 …)")])
    rows = []
    for item_node, item in zip(node.value, data):
        line, col = item_node.start_mark.line + 1, item_node.start_mark.column + 1
        if not isinstance(item, dict):
            raise BatchError([Problem(line, col, None, "a row must be a mapping (output: …, template: …)")])
        columns = {}
        for key_node, _ in item_node.value:
            columns[str(key_node.value)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        values = {str(k): v for k, v in item.items() if v is not None}
        rows.append(Row(line, values, columns))
    return rows


def _read_jsonl(text: str) -> list[Row]:
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as err:
            raise BatchError([Problem(n, getattr(err, "colno", 1), None, f"not JSON: {getattr(err, 'msg', err)}")]) \
                from None
        if not isinstance(item, dict):
            raise BatchError([Problem(n, 1, None, "a line must be a JSON object ({\"output\": …})")])
        columns = {}
        for key in item:
            at = line.find(json.dumps(key))
            columns[str(key)] = (n, at + 1 if at >= 0 else 1)
        rows.append(Row(n, {str(k): v for k, v in item.items() if v is not None}, columns))
    return rows


# ── checking every row ──────────────────────────────────────────────────────


def _typed(value: Any) -> Any:
    """A CSV cell as `--set` types it (YAML: 7 is a number, [a, b] a list); other
    formats' values are already typed."""
    if not isinstance(value, str):
        return value
    from ..dsl import parse_set_option

    return parse_set_option(f"x={value}")[1]


def _check_row(row: Row, base: Path, defaults: dict[str, Any], outputs: dict[str, Row], cache: Path,
               problems: list[Problem], done: Callable[[Row, dict], Planned | None] | None = None) -> Planned | None:
    from ..dsl import SceneError, check_size
    from ..dsl.errors import did_you_mean
    from ..engine.encode.encoder import QUALITY
    from ..engine.publish.platforms import PLATFORM_NAMES
    from .spec import CHECK_MODES, input_hash, load

    before = len(problems)

    def bad(name: str | None, message: str) -> None:
        line, col = row.where(name)
        problems.append(Problem(line, col, name, message))

    def one_of(column: str, choices: list[str]) -> str:
        """The column's value, which must be one of `choices` (a located problem if not)."""
        name = str(values.pop(column))
        if name not in choices:
            bad(column, f"unknown {column} '{name}' "
                        f"({did_you_mean(name, choices, None) or f'{column}s: ' + ', '.join(choices)})")
        return name

    values = dict(row.values)
    sources = [s for s in SOURCES if s in values]
    if not sources:
        bad(None, "no template, scene or story column: say what to render (template: counting, scene: a.scene, "
                  "or story: tale.txt)")
        return None
    if len(sources) > 1:
        bad(sources[1], f"both {sources[0]} and {sources[1]}: a row renders one of template, scene or story")
        return None
    kind = sources[0]
    source = str(values.pop(kind))
    spec: dict[str, Any] = {"kind": kind, "variables": {}}
    for name in ("platform", "preset", "size", "fps", "quality", "check", "extras"):
        if defaults.get(name) is not None:
            spec[name] = defaults[name]
    output = values.pop("output", None)
    if output is None or not str(output).strip():
        bad(None, "no output: give each row an output .mp4")
    else:
        out = (base / str(output)).resolve()
        if out.suffix.lower() != ".mp4":
            bad("output", f"'{output}' must end in .mp4")
        elif str(out) in outputs:
            bad("output", f"'{output}' is also the output of the row on line {outputs[str(out)].line}")
        else:
            outputs[str(out)] = row
            spec["output"] = str(out)
    if "platform" in values:
        spec["platform"] = one_of("platform", list(PLATFORM_NAMES))
    if "preset" in values:
        from ..engine import PRESETS

        spec["preset"] = one_of("preset", sorted(PRESETS))
    if "size" in values:
        text = str(values.pop("size")).strip()
        parts = text.lower().split("x")
        try:
            width, height = int(parts[0]), int(parts[1])
            if len(parts) != 2:
                raise ValueError
            check_size(width, height, what="size")
            spec["size"] = [width, height]
        except (ValueError, IndexError):
            bad("size", f"'{text}' is not a size; write WIDTHxHEIGHT, e.g. 1280x720")
        except SceneError as err:
            bad("size", err.message + (f" ({err.hint})" if err.hint else ""))
    if "fps" in values:
        fps = _typed(values.pop("fps"))
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps) or not 1 <= fps <= 240:
            bad("fps", f"'{fps}' is not a frame rate from 1 to 240")
        else:
            spec["fps"] = fps
    if "quality" in values:
        quality = str(values.pop("quality"))
        if quality not in QUALITY:
            bad("quality", f"'{quality}' is not a quality; use one of {', '.join(QUALITY)}")
        spec["quality"] = quality
    if "check" in values:
        check = str(values.pop("check"))
        if check not in CHECK_MODES:
            bad("check", f"'{check}' is not a check mode; use one of {', '.join(CHECK_MODES)}")
        spec["check"] = check
    if "extras" in values:
        extras = _typed(values.pop("extras"))
        if not isinstance(extras, bool):
            bad("extras", f"'{extras}' is not yes or no")
        spec["extras"] = extras
    if kind == "story" and "age" in values:
        age = _typed(values.pop("age"))
        if isinstance(age, bool) or not isinstance(age, int) or not 2 <= age <= 5:
            bad("age", f"'{age}' is not an age from 2 to 5")
        spec["age"] = age
    if kind == "template":
        from ..dsl.templates import load_template, validate_params

        try:
            template = load_template(source)
        except SceneError as err:
            bad(kind, err.message + (f" ({err.hint})" if err.hint else ""))
            return None
        spec["source"] = source
        for name, value in values.items():
            try:
                typed = _typed(value)
                validate_params(template, {name: typed})
                spec["variables"][name] = typed
            except SceneError as err:
                bad(name, err.message.replace(f" for template '{template.name}'", "")
                    + (f" ({err.hint.splitlines()[0]})" if err.hint else ""))
    else:
        path = (base / source).resolve()
        if not path.is_file():
            bad(kind, f"no such file '{source}' (looked in {path.parent})")
            return None
        spec["source"] = str(path)
        if kind == "story" and values:
            name = next(iter(values))
            bad(name, f"a story row takes no '{name}' column (a story's columns: output, story, platform, "
                      "preset, size, fps, quality, age, extras, check)")
        elif kind == "scene":
            for name, value in values.items():
                try:
                    spec["variables"][name] = _typed(value)
                except SceneError as err:
                    bad(name, err.message)
    if len(problems) > before:
        return None
    spec["cache"] = str(cache)
    finished = done(row, spec) if done is not None else None
    if finished is not None:
        return finished  # done before, and nothing it is made from changed: no need to compile it again
    try:
        loaded = load(spec)
    except SceneError as err:
        # The row is fine; what it names does not compile: the author's own located error, under the row's.
        line, col = row.where(kind)
        problems.append(Problem(line, col, kind, f"'{source}' does not compile with this row:\n" + err.format()))
        return None
    except (OSError, ValueError) as err:  # AssetError, PlatformError, CharacterError, …: ValueErrors
        bad(kind, f"'{source}': {err}")
        return None
    inputs = sorted(set(loaded.dependencies))
    from ..engine import timeline_to_json

    return Planned(row, spec, "", input_hash(spec, inputs), loaded.timeline.frame_count, loaded.timeline.duration,
                   inputs, timeline_to_json(loaded.timeline))


def check_values(values: dict[str, Any], base: Path, cache: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """One video's values (`output`, one of `template`/`scene`/`story`, the options,
    the parameters) checked exactly as a row's are, but not compiled: the spec, or
    the problems (each naming its field). The HTTP API's submissions go through
    here, so a job reads the same whether it came from a row or a request."""
    problems: list[Problem] = []
    # `done` is asked before the compile; answering with the spec stops there.
    spec = _check_row(Row(1, dict(values), {}), base, {}, {}, cache, problems, done=lambda row, spec: spec)
    return (None if problems else spec), problems


def _row_key(jobs_file: Path, spec: dict) -> str:
    return f"{jobs_file.resolve()}#{spec['output']}"


def plan_batch(path: str | Path, defaults: dict[str, Any] | None = None, cache: str | Path | None = None,
               on_row: Callable[[int, int], None] | None = None,
               queue=None) -> tuple[list[Planned], list[Problem]]:
    """Check every row of the jobs file; returns the planned jobs and the problems
    (all of them: a row with errors is not planned). With the `queue` of an earlier
    run, a row done there whose output exists and whose input hash, taken again
    over the files it was made from, is unchanged is planned as skipped without
    being compiled again."""
    from .spec import input_hash

    path = Path(path)

    def done(row: Row, spec: dict) -> Planned | None:
        if queue is None:
            return None
        key = _row_key(path, spec)
        latest = queue.latest(key)
        if latest is None or latest.state != "done" or latest.inputs is None or not Path(spec["output"]).is_file():
            return None
        if input_hash(spec, latest.inputs) != latest.input_hash:
            return None
        result = latest.result or {}
        return Planned(row, spec, key, latest.input_hash, result.get("frames") or 0, result.get("duration") or 0.0,
                       latest.inputs, job_id=latest.id, skipped=True)

    rows = read_rows(path)
    base = path.resolve().parent
    outputs: dict[str, Row] = {}
    planned, problems = [], []
    cache = Path(cache) if cache is not None else base / ".storyreel-jobs" / "cache"
    for row in rows:
        if on_row is not None:
            on_row(row.index, len(rows))
        plan = _check_row(row, base, defaults or {}, outputs, cache, problems, done)
        if plan is not None:
            planned.append(plan)
    return planned, problems


# ── running ─────────────────────────────────────────────────────────────────


def default_report(jobs_file: str | Path) -> Path:
    path = Path(jobs_file)
    return path.with_name(path.stem + ".report.json")


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class _Progress:
    """`batch 3/24 done, 1 failed, 2 running  41%  ETA 2m10s` on stderr."""

    def __init__(self, plans: list[Planned], quiet: bool, stream=None):
        self.plans = {p.job_id: p for p in plans if not p.skipped}
        self.total = len(plans)
        self.skipped = len(plans) - len(self.plans)
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.finished: dict[int, str] = {}
        self.last = 0.0
        self.frames_total = sum(p.frames for p in self.plans.values())

    def event(self, kind: str, job, info: dict) -> None:
        if kind in ("done", "failed", "cancelled"):
            self.finished[job.id] = kind
            if not self.quiet and kind == "failed":
                plan = self.plans.get(job.id)
                self._line(f"row {plan.row.index if plan else '?'} ({Path(job.spec['output']).name}) failed: "
                           f"{info.get('message', '').splitlines()[0] if info.get('message') else ''}", final=True)
        if not self.quiet and kind == "retry":
            self._line(f"{Path(job.spec['output']).name}: attempt {job.attempts} failed, retrying: "
                       f"{(info.get('message') or '').splitlines()[0]}", final=True)

    def draw(self, running: dict[int, tuple[int, int]], force: bool = False) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if not force and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        done_frames = sum(self.plans[i].frames for i in self.finished if i in self.plans)
        done_frames += sum(d for i, (d, _) in running.items() if i not in self.finished)
        elapsed = now - self.started
        share = done_frames / self.frames_total if self.frames_total else 1.0
        eta = elapsed * (1 - share) / share if share > 0.01 else None
        done = self.skipped + sum(1 for s in self.finished.values() if s == "done")
        failed = sum(1 for s in self.finished.values() if s != "done")
        text = (f"batch {done}/{self.total} done" + (f", {failed} failed" if failed else "")
                + f", {len(running)} running  {100 * share:3.0f}%  "
                + (f"ETA {_clock(eta)}" if eta is not None else "ETA …") + f"  ({_clock(elapsed)})")
        self._line(text)

    def _line(self, text: str, final: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if not self.quiet and self.tty:
            self.stream.write("\n")


def _summary(rows: list[dict]) -> str:
    table = [("row", "output", "state", "tries", "time", "note")]
    for r in rows:
        note = r.get("error", {}).get("message", "").splitlines()[0] if r.get("error") else (
            "unchanged, skipped" if r["skipped"] else "")
        table.append((str(r["row"]), r["output_shown"], r["state"], str(r["attempts"]),
                      f"{r['seconds']:.1f}s" if r.get("seconds") is not None else "-", note[:70]))
    widths = [max(len(t[i]) for t in table) for i in range(5)]
    return "\n".join("  ".join(t[i].ljust(widths[i]) for i in range(5)) + "  " + t[5] for t in table)


def run_batch(jobs_file: str | Path, *, jobs_dir: str | Path | None = None, workers: int | None = None,
              report: str | Path | None = None, defaults: dict[str, Any] | None = None, retries: int = 2,
              quiet: bool = False, echo: Callable[[str], None] | None = None, stream=None, executor=None) -> int:
    """Check, queue and render every row of `jobs_file`; returns the exit status
    (0: every row done or unchanged; 1: a row failed, or the file has errors).

    `executor`: an `engine.encode.executors.RayExecutor` to render each row as a
    Ray task (jobs/ray_workers.py) instead of a local process; it is opened once
    the rows are checked (a file with errors starts no Ray) and closed at the end.
    `workers` then bounds the jobs in flight (default: the cluster's CPUs)."""
    from ..engine.encode.outputs import atomic_output
    from .queue import ACTIVE, JobQueue
    from .runner import Runner, default_workers

    echo = echo or (lambda text: print(text, file=sys.stderr))
    stream = stream or sys.stderr
    jobs_file = Path(jobs_file)
    display = str(jobs_file)
    folder = Path(jobs_dir) if jobs_dir is not None else jobs_file.resolve().parent / ".storyreel-jobs"
    began = time.time()
    from .queue import DB_NAME

    earlier = JobQueue(folder) if (folder / DB_NAME).is_file() else None  # never made by a file with errors
    try:
        plans, problems = plan_batch(jobs_file, defaults, folder / "cache", queue=earlier)
    except BatchError as err:
        for problem in err.problems:
            echo(problem.format(display))
        return 1
    finally:
        if earlier is not None:
            earlier.close()
    if problems:
        for problem in problems:
            echo(problem.format(display))
        echo(f"{len(problems)} error{'s' if len(problems) != 1 else ''} in {display}; nothing was rendered")
        return 1
    queue = JobQueue(folder, max_attempts=retries + 1)
    launcher = None
    try:
        if executor is not None and any(not p.skipped for p in plans):
            from .ray_workers import RayLauncher

            launcher = RayLauncher(executor)
            workers = workers or launcher.capacity()
        workers = workers or default_workers()
        queue.reclaim()
        for plan in plans:
            if plan.skipped:
                continue
            plan.key = _row_key(jobs_file, plan.spec)
            latest = queue.latest(plan.key)
            same = latest is not None and latest.input_hash == plan.input_hash
            if same and latest.state == "done" and Path(plan.spec["output"]).is_file():
                plan.job_id, plan.skipped = latest.id, True
            elif same and latest.state in ("queued", *ACTIVE):
                plan.job_id = latest.id  # an earlier run's, stopped or killed: resumed
            elif same and latest.state in ("failed", "cancelled"):
                plan.job_id = queue.requeue(latest.id).id
            else:
                if latest is not None and latest.state in ("queued", *ACTIVE):
                    queue.cancel(latest.id)  # the row changed: that job is out of date
                spec = dict(plan.spec, timeline=plan.timeline) if plan.timeline else plan.spec
                plan.job_id = queue.put(spec, key=plan.key, input_hash=plan.input_hash, inputs=plan.inputs).id
            plan.timeline = None  # in the queue now
        skipped = sum(p.skipped for p in plans)
        todo = [p.job_id for p in plans if not p.skipped]
        if not quiet:
            echo(f"{display}: {len(plans)} rows ok; {skipped} unchanged (skipped), {len(todo)} to render "
                 f"with {workers} worker{'s' if workers != 1 else ''}"
                 + (f" on Ray ({executor.address or 'a private Ray on this machine'})" if launcher else "")
                 + f"; jobs in {folder}")
        progress = _Progress(plans, quiet, stream)
        # Only this file's rows: another batch's jobs in a shared jobs folder are its own to run.
        runner = Runner(queue, workers, on_event=progress.event, key_prefix=_row_key(jobs_file, {"output": ""}),
                        launcher=launcher)
        stopped = None
        try:
            if todo:
                runner.run(todo, until=lambda: progress.draw(runner.progress()) and False)
                progress.draw({}, force=True)
        except KeyboardInterrupt as err:
            stopped = err
        finally:
            progress.close()
        rows = []
        for plan in plans:
            job = queue.job(plan.job_id)
            result = job.result or {}
            took = (job.finished_at - job.started_at) if job.finished_at and job.started_at else None
            out = Path(plan.spec["output"])
            try:
                shown = os.path.relpath(out)
            except ValueError:
                shown = str(out)
            row = {"row": plan.row.index, "line": plan.row.line, "output": str(out), "output_shown": shown,
                   "kind": plan.spec["kind"], "source": plan.spec["source"], "job": job.id, "state": job.state,
                   "skipped": plan.skipped, "attempts": job.attempts, "seconds": None if plan.skipped else took,
                   "frames": result.get("frames"), "duration": result.get("duration"),
                   "files": result.get("files", []), "input_hash": plan.input_hash,
                   "check": (result.get("check") or {}).get("ok"), "compiled_again": result.get("compiled"),
                   "timings": result.get("timings")}
            if job.state != "done" and job.error:
                row["error"] = job.error
            row["attempt_log"] = [{"n": a.n, "outcome": a.outcome, "error": (a.error or {}).get("message")}
                                  for a in queue.attempts(job.id)]
            rows.append(row)
        ok = all(r["state"] == "done" for r in rows)
        counts = {s: sum(1 for r in rows if r["state"] == s) for s in ("done", "failed", "cancelled", "queued")}
        if not quiet or not ok:
            echo(_summary(rows))
            echo(f"{counts['done']}/{len(rows)} done ({skipped} unchanged), {counts['failed']} failed"
                 + (f", {counts['queued']} left queued" if counts["queued"] else "")
                 + (f", {counts['cancelled']} cancelled" if counts["cancelled"] else "")
                 + f" in {_clock(time.time() - began)}")
        target = Path(report) if report is not None else default_report(jobs_file)
        payload = {"jobs_file": str(jobs_file.resolve()), "jobs_dir": str(folder.resolve()), "ok": ok,
                   "stopped": stopped is not None, "started": began, "finished": time.time(),
                   "counts": {**counts, "skipped": skipped, "rows": len(rows)},
                   "rows": [{k: v for k, v in r.items() if k != "output_shown"} for r in rows]}
        with atomic_output(target, ".json") as tmp:
            tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        if not quiet:
            echo(f"report: {target}")
        if stopped is not None:
            raise stopped
        return 0 if ok else 1
    finally:
        queue.close()
        if executor is not None:
            executor.close()
