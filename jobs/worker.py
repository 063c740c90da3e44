"""One job's render, in a process of its own: `python -m storyreel.jobs.worker`.

The runner (jobs/runner.py) starts it ahead of time (it imports Skia, PyAV and
the DSL, then waits), and gives it the job's spec as JSON on stdin; it answers
with JSON lines on stdout, one event each:

    {"event": "ready", "pid": …, "t": …}            imports done, waiting for a spec
    {"event": "started", "pid": …, "t": …}          the spec read
    {"event": "rendering", "t": …, "frames": N}     the timeline compiled, frames start
    {"event": "progress", "done": n, "total": N}
    {"event": "checking"}                           written; check-video runs
    {"event": "result", …}                          done: files, frames, timings, check report
    {"event": "error", "message", "kind", "transient", "location"}

Everything is written into a staging folder beside the output
(`.NAME.PID.XXXXXXXX.partial.job/`, a name `engine.encode.outputs.remove_stale`
removes once this pid is gone) and moved into place only when the video, its
extras and its checks are through: the video last, each by rename. So a crash,
a cancel (SIGTERM) or a failed check leaves no partial output.

The process ends with its runner: SIGTERM from the kernel when the runner dies
(Linux's PR_SET_PDEATHSIG), and a thread that notices it was re-parented.
"""
from __future__ import annotations

import errno
import json
import os
import signal
import sys
import threading
import time
import traceback

_out = sys.stdout
_lock = threading.Lock()

# OSErrors that may go away on their own: a full disk, an overloaded or unreachable service.
TRANSIENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EAGAIN, errno.ENOMEM, errno.EMFILE, errno.ENFILE,
                    errno.ETIMEDOUT, errno.ECONNRESET, errno.ECONNREFUSED, errno.ECONNABORTED, errno.EHOSTUNREACH,
                    errno.ENETUNREACH, errno.EBUSY}


def emit(event: str, **fields) -> None:
    with _lock:
        _out.write(json.dumps({"event": event, **fields}, default=str) + "\n")
        _out.flush()


def classify(err: BaseException) -> dict:
    """An error as the queue records it: message, kind, transient, location.

    Input errors (a `.scene` error, an unknown template, a bad asset, a platform's
    limit) are never transient: the same input fails the same way. A full disk,
    a timeout, a dropped connection or running out of memory may pass: transient.
    Anything else is a bug, which a retry would only repeat: not transient."""
    from ..dsl import SceneError

    location = None
    if isinstance(err, SceneError):
        loc = err.location
        if loc is not None:
            location = {"file": loc.file, "line": loc.line, "column": loc.column}
        return {"message": err.format(), "kind": "input", "transient": False, "location": location}
    from ..engine.raster.assets import AssetError
    from ..engine.audio import AudioError
    from ..engine.characters import CharacterError
    from ..engine.publish.platforms import PlatformError
    from ..engine.speech import SpeechError

    cause = err.__cause__ or err.__context__
    if isinstance(err, SpeechError):
        slow = isinstance(cause, (TimeoutError, ConnectionError)) or "timed out" in str(err).lower()
        return {"message": f"error: {err}", "kind": "provider" if slow else "input", "transient": slow,
                "location": None}
    if isinstance(err, (AssetError, AudioError, CharacterError, PlatformError)):
        return {"message": f"error: {err}", "kind": "input", "transient": False, "location": None}
    if isinstance(err, MemoryError):
        return {"message": "error: out of memory", "kind": "resources", "transient": True, "location": None}
    if isinstance(err, OSError):
        from ..engine.encode.outputs import failed_target

        target = failed_target(err)
        what = f"cannot write {target}: " if target is not None else (f"{err.filename}: " if err.filename else "")
        transient = isinstance(err, (TimeoutError, ConnectionError)) or err.errno in TRANSIENT_ERRNOS
        return {"message": f"error: {what}{err.strerror or err}", "kind": "resources" if transient else "io",
                "transient": transient, "location": None}
    from ..engine.encode.encoder import EncoderError

    if isinstance(err, EncoderError):
        return {"message": f"error: {err}", "kind": "encoder", "transient": False, "location": None}
    return {"message": f"internal error: {type(err).__name__}: {err}", "kind": "internal", "transient": False,
            "location": None, "traceback": "".join(traceback.format_exception(err, limit=8))}


def _die_with_parent() -> None:
    parent = int(os.environ.get("STORYREEL_JOB_PARENT", "0") or 0)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if parent and os.getppid() != parent:
        os._exit(1)  # the runner died before the watch began

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)  # clean up as for a cancel

    if parent:
        threading.Thread(target=watch, name="storyreel-job-parent-watch", daemon=True).start()


class _Stop(KeyboardInterrupt):
    pass


def _on_term(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second one must not cut the cleanup short
    raise _Stop(signum)


def run(spec: dict) -> dict:
    """Render `spec` (jobs/spec.py) into its output; returns the result."""
    import shutil
    import tempfile
    from pathlib import Path

    began = time.time()
    from ..engine import choose_encoder, render_video
    from ..engine.encode.outputs import owned_temp_prefix, remove_stale
    from ..engine.publish.sidecars import write_publish_outputs
    from .spec import from_timeline, load
    from ..dsl import load_scene  # noqa: F401 - here, so that import_s is the imports and compile_s the compile

    imported = time.time()
    loaded = from_timeline(spec)  # as `render batch` compiled it when it checked the row
    compiled = loaded is None
    if compiled:
        loaded = load(spec)
    tl = loaded.timeline
    out = Path(spec["output"])
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out.parent, out.stem)  # a killed attempt's staging folder
    staging = Path(tempfile.mkdtemp(prefix=owned_temp_prefix(out), suffix=".partial.job", dir=out.parent))
    try:
        staged = staging / out.name
        codec, _ = choose_encoder(spec.get("encoder") or "auto")
        cache = None
        if spec.get("cache"):
            from ..engine.encode.segment_cache import DEFAULT_MAX_BYTES, SegmentCache

            cache = SegmentCache(spec["cache"], max_bytes=spec.get("cache_size") or DEFAULT_MAX_BYTES)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if done == total or now - last[0] >= 0.25:
                last[0] = now
                emit("progress", done=done, total=total)

        rendering = time.time()
        emit("rendering", t=rendering, frames=tl.frame_count, duration=tl.duration)
        frames = render_video(tl, staged, quality=spec.get("quality") or "standard", encoder=codec,
                              on_progress=progress, platform=loaded.encode_for, cache=cache, gpu=spec.get("gpu"))
        rendered = time.time()
        if spec.get("extras", True):
            write_publish_outputs(tl, staged, loaded.encode_for)
        report = None
        extras_done = checked = time.time()
        if (spec.get("check") or "fail") != "off":
            from ..engine.publish.quality import check_video

            emit("checking")
            report = check_video(staged, loaded.encode_for, spec.get("age")).to_dict()
            report["path"] = str(out)
            checked = time.time()
            if spec.get("check", "fail") == "fail" and not report["ok"]:
                failed = [c for c in report["checks"] if c["status"] == "fail"]
                return {"error": {"message": "error: check-video failed: " + "; ".join(
                    f"{c['name']} {c['value']} (limit {c['limit']})" for c in failed), "kind": "check",
                    "transient": False, "location": None, "checks": report}}
        files = []
        for path in sorted(staging.iterdir(), key=lambda p: p == staged):  # the video last
            os.replace(path, out.parent / path.name)
            files.append(str(out.parent / path.name))
        return {"output": str(out), "files": files, "compiled": compiled, "frames": frames, "duration": frames / tl.fps,
                "size": [tl.width, tl.height], "fps": tl.fps, "encoder": codec,
                "cache": vars(cache.stats) if cache is not None else None, "check": report,
                "timings": {"import_s": imported - began, "compile_s": rendering - imported,
                            "load_s": rendering - began, "render_s": rendered - rendering,
                            "extras_s": extras_done - rendered, "check_s": checked - extras_done,
                            "render_started": rendering}}
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _preload() -> None:
    """Import what a render needs (Skia, PyAV, NumPy, the DSL) before the spec
    arrives: a runner keeps one such worker warm, so the next job starts at once."""
    from .. import dsl  # noqa: F401
    from ..dsl import story, templates  # noqa: F401
    from ..engine.publish import sidecars as publish, quality  # noqa: F401
    from ..engine.encode import render  # noqa: F401


def main() -> int:
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)
    _die_with_parent()
    # Whatever the render prints goes to stderr (the job's log); stdout carries events only.
    sys.stdout = sys.stderr
    code = 0
    try:
        _preload()
        emit("ready", pid=os.getpid(), t=time.time())
        text = sys.stdin.read()
        if not text.strip():
            return 0  # a warm worker the runner did not need
        spec = json.loads(text)
        emit("started", pid=os.getpid(), t=time.time())
        result = run(spec)
        if "error" in result:
            emit("error", **result["error"])
            code = 1
        else:
            emit("result", **result)
    except KeyboardInterrupt:
        emit("stopped")
        code = 128 + signal.SIGTERM
    except BaseException as err:  # noqa: BLE001 - every failure is reported to the runner
        emit("error", **classify(err))
        code = 1
    # Everything is written and moved; skip the interpreter's teardown of Skia, PyAV
    # and their threads (a few hundred ms the runner would wait for).
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
