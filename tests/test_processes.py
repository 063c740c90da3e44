"""Processes and files: nothing outlives a failed, stopped or killed render; a
misused option exits 2; `--workers` and `--cache` write the bytes one process does.

Real renders (small sizes) in real processes: `kill -9`, SIGTERM and SIGHUP are
sent to a running `python -m storyreel`, and its process tree is read from /proc.
Disk-full is a real tmpfs where the test may mount one (root), and an OSError
raised at the file-write layer otherwise.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from storyreel.cli import Terminated, _run, main
from storyreel.dsl import CompileOptions, load_scene
from storyreel.engine import render_video
from storyreel.engine.encode.outputs import atomic_output, failed_target, remove_stale

LINUX = Path("/proc/self/stat").exists()

TWO_SCENES = """\
video "two" {
    fps 15
}

scene one (1.2s) {
    background solid #FFE29A
    ball = circle at (10%, 70%) radius 30 fill tomato
    ball: move to (90%, 70%) over 1s
}

scene two (1.2s) {
    background solid #223344
    label = text "Hi" at (50%, 50%) size 60 color white
}
"""

# Long enough to still be rendering seconds after it starts, on a busy machine too.
LONG = """\
video "long" {
    fps 15
}

scene a (30s) {
    background gradient #FFE29A #FFA99F
    c = circle at (10%, 50%) radius 80 fill tomato
    c: move to (90%, 50%) over 30s ease linear
}

scene b (30s) {
    background gradient #AEE29A #FFA9FF
    c = circle at (10%, 50%) radius 80 fill navy
    c: move to (90%, 50%) over 30s ease linear
}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def leftovers(folder: Path) -> list[str]:
    """Temporary files and folders a render may leave beside its output."""
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name or ".chunks-" in p.name)


def mp_leftovers(folder: Path) -> list[str]:
    """multiprocessing's temporary folders (its fork server's socket) in `folder`."""
    return sorted(p.name for p in folder.iterdir() if re.fullmatch(r"pymp-.*|storyreel-\d+-.*", p.name))


@pytest.fixture
def short_tmp():
    """A TMPDIR for a render's processes: short, as the fork server's socket path must
    fit in 108 bytes (pytest's own folders are too deep for that)."""
    folder = Path(tempfile.mkdtemp(prefix="sr", dir="/tmp" if os.path.isdir("/tmp") else None))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# ── determinism ──────────────────────────────────────────────────────────────


def test_workers_and_cache_write_the_bytes_one_process_writes(tmp_path):
    """Not only the same packets: the same file, byte for byte (the joined file's
    'btrt' box once carried the first segment's measured bit rate)."""
    timeline = load_scene(write(tmp_path, "two.scene", TWO_SCENES), None, CompileOptions(size=(160, 90))).timeline
    one = tmp_path / "one.mp4"
    render_video(timeline, one, quality="draft")
    expected = one.read_bytes()
    for name, options in [("workers.mp4", {"workers": 2}),
                          ("cold.mp4", {"cache": tmp_path / "cache"}),
                          ("warm.mp4", {"cache": tmp_path / "cache"}),  # every chunk from the cache
                          ("both.mp4", {"cache": tmp_path / "cache", "workers": 2})]:
        render_video(timeline, tmp_path / name, quality="draft", **options)
        assert (tmp_path / name).read_bytes() == expected, f"{name} differs from the one-process render"


def test_a_platforms_rate_cap_joins_to_the_same_bytes_too(tmp_path):
    """With --platform the encoder carries rate properties (maxrate, bufsize) that the
    muxer writes into the file: the joined file has them as well."""
    from storyreel.engine.publish.platforms import get_platform

    timeline = load_scene(write(tmp_path, "two.scene", TWO_SCENES), None, CompileOptions(size=(160, 90))).timeline
    youtube = get_platform("youtube")
    render_video(timeline, tmp_path / "one.mp4", quality="draft", platform=youtube)
    render_video(timeline, tmp_path / "two.mp4", quality="draft", platform=youtube, workers=2)
    assert (tmp_path / "one.mp4").read_bytes() == (tmp_path / "two.mp4").read_bytes()


# ── processes ────────────────────────────────────────────────────────────────


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, start time) of every process (Linux /proc)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            table[int(entry.name)] = (int(fields[1]), fields[0], fields[19])
    return table


def descendants(pid: int) -> dict[int, str]:
    """pid -> start time of every live process below `pid`."""
    table = _processes()
    found, frontier = {}, {pid}
    while frontier:
        children = {p for p, (ppid, state, _) in table.items() if ppid in frontier and p not in found and state != "Z"}
        found.update({p: table[p][2] for p in children})
        frontier = children
    return found


def still_running(processes: dict[int, str]) -> list[int]:
    """The processes of `processes` (pid -> start time) still alive; a zombie or a
    reused pid (another start time) is gone."""
    table = _processes()
    return [p for p, started in processes.items() if p in table and table[p][2] == started and table[p][1] != "Z"]


def start_render(folder: Path, tmp: Path, *args: str) -> subprocess.Popen:
    """`python -m storyreel ARGS` in `folder`, with its own temp folder `tmp` (TMPDIR)
    so that what multiprocessing leaves there can be seen."""
    env = dict(os.environ, TMPDIR=str(tmp))
    return subprocess.Popen([sys.executable, "-m", "storyreel", *args], cwd=folder, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_workers(proc: subprocess.Popen, count: int, timeout: float = 90) -> dict[int, str]:
    """The render's process tree once `count` workers (children of the fork server) run."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        assert proc.poll() is None, f"the render ended early: {proc.communicate()[1]}"
        tree = descendants(proc.pid)
        workers = [p for p in tree if _processes().get(p, (0,))[0] != proc.pid]  # grandchildren
        if len(workers) >= count:
            return tree
        time.sleep(0.2)
    raise AssertionError(f"no {count} workers after {timeout} s")


def gone_within(processes: dict[int, str], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not still_running(processes):
            return []
        time.sleep(0.1)
    return still_running(processes)


@pytest.mark.skipif(not LINUX, reason="reads the process tree from /proc")
def test_kill_9_leaves_no_process_and_the_next_render_cleans_up(tmp_path, short_tmp):
    """`kill -9` gives the render no chance to clean up: its workers, the fork
    server and the resource tracker still end within seconds (the workers watch
    their parent), and the next render of the same output removes the partial file,
    the chunk folder and multiprocessing's temp folder the killed one left."""
    write(tmp_path, "long.scene", LONG)
    proc = start_render(tmp_path, short_tmp, "long.scene", "--size", "640x360", "--quality", "high",
                        "--workers", "2", "-o", "out.mp4")
    try:
        tree = wait_for_workers(proc, 2)
        time.sleep(0.5)  # the joiner has opened its partial file
        proc.kill()
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(tree) >= 3  # two workers, the fork server (and the resource tracker)
    assert gone_within(tree, 10) == [], "processes outlived the killed render"
    assert any(".chunks-" in name for name in leftovers(tmp_path)), "the killed render left nothing to clean"
    assert mp_leftovers(short_tmp), "the killed render left no fork server folder to clean"

    write(tmp_path, "short.scene", TWO_SCENES)
    again = start_render(tmp_path, short_tmp, "short.scene", "--size", "160x90", "--workers", "2", "-o", "out.mp4", "-q")
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert leftovers(tmp_path) == []
    assert mp_leftovers(short_tmp) == []
    assert (tmp_path / "out.mp4").exists()


@pytest.mark.skipif(not LINUX, reason="reads the process tree from /proc")
@pytest.mark.parametrize("sig, workers, code", [(signal.SIGTERM, 1, 143), (signal.SIGHUP, 2, 129),
                                                (signal.SIGTERM, 2, 143)])
def test_sigterm_and_sighup_stop_like_ctrl_c(tmp_path, short_tmp, sig, workers, code):
    """SIGTERM (a supervisor, `timeout`, `kill`) and SIGHUP (the terminal closing)
    stop the render as Ctrl-C does: no partial file, no chunk folder, no worker
    left, and exit 128 + the signal, as a shell reports it."""
    write(tmp_path, "long.scene", LONG)
    proc = start_render(tmp_path, short_tmp, "long.scene", "--size", "640x360", "--quality", "high",
                        "--workers", str(workers), "-o", "out.mp4")
    try:
        assert proc.stderr.readline().startswith("encoder: ")  # compiled; rendering starts
        tree = wait_for_workers(proc, 2) if workers > 1 else {}
        time.sleep(1.0)
        assert proc.poll() is None, "the render finished before the signal"
        assert leftovers(tmp_path), "rendering writes to a partial file"
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, stderr
    assert f"terminated by {signal.Signals(sig).name}: stopped, no output written" in stderr
    assert "Traceback" not in stderr
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.mp4").exists()
    assert gone_within(tree, 10) == []
    assert mp_leftovers(short_tmp) == []


def test_run_turns_sigterm_into_exit_143_and_restores_the_handlers():
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)

    def work():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # interrupted by the handler
        raise AssertionError("SIGTERM did not interrupt the work")

    with pytest.raises(SystemExit) as stopped:
        _run(work)
    assert stopped.value.code == 143
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before
    assert _run(lambda: 7) == 7
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before
    assert issubclass(Terminated, KeyboardInterrupt)  # every Ctrl-C cleanup path handles it


# ── stale files of killed renders ─────────────────────────────────────────────


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_only_the_stale_files_of_this_output_are_removed(tmp_path):
    """A render removes what killed renders of *its* output left; the files of a
    render still running (of this output or another) stay."""
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = _dead_pid()
    try:
        names = {
            f".out.{dead}.abcd1234.partial.mp4": False,  # ours, owner gone: removed
            f".out.chunks-{dead}-abcd_123": False,
            f".out.{alive.pid}.abcd1234.partial.mp4": True,  # a render of out.mp4 still running
            f".out.chunks-{alive.pid}-abcd_123": True,
            f".other.{dead}.abcd1234.partial.mp4": True,  # another output's
            f".out.5.{dead}.abcd1234.partial.mp4": True,  # out.5.mp4's, not out.mp4's
            f".out.thumbnail.{dead}.abcd1234.partial.png": True,  # the thumbnail's: its own writer sweeps it
            "out.notes.txt": True,
        }
        for name in names:
            (tmp_path / name).mkdir() if "chunks" in name else (tmp_path / name).write_text("x")
        with atomic_output(tmp_path / "out.mp4") as tmp:
            tmp.write_bytes(b"video")
        left = {p.name for p in tmp_path.iterdir()}
        assert {n for n, keep in names.items() if keep} | {"out.mp4"} == left
        assert remove_stale(tmp_path, "out") == []
    finally:
        alive.kill()
        alive.wait()


# ── write errors name the file ─────────────────────────────────────────────────


def _full_disk_for(marker: str, monkeypatch) -> None:
    """Writing a temporary file whose name contains `marker` fails as a full disk does
    (write() raises ENOSPC without a file name)."""
    real_write_bytes, real_write_text = Path.write_bytes, Path.write_text

    def check(path: Path) -> None:
        if marker in path.name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def write_bytes(self, data):
        check(self)
        return real_write_bytes(self, data)

    def write_text(self, data, *args, **kwargs):
        check(self)
        return real_write_text(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    monkeypatch.setattr(Path, "write_text", write_text)


@pytest.mark.parametrize("marker, failed", [(".thumbnail.", "out.thumbnail.png"), (".partial.json", "out.json")])
def test_a_full_disk_names_the_file_that_could_not_be_written(tmp_path, monkeypatch, marker, failed):
    write(tmp_path, "two.scene", TWO_SCENES)
    _full_disk_for(marker, monkeypatch)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["two.scene", "--size", "160x90", "-o", "out.mp4", "-q"])
    assert result.exit_code == 1, result.output
    assert f"error: cannot write {failed}: No space left on device" in result.output
    assert "hint: the disk is full" in result.output
    assert "cannot write out.mp4" not in result.output
    assert leftovers(tmp_path) == []


def test_a_full_disk_while_writing_captions_names_the_caption_file(tmp_path, monkeypatch):
    from storyreel.engine.publish.captions import write_captions

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), args[1] if len(args) > 1 else None)

    import pysubs2

    # pysubs2 opens the temporary file by name: the error carries that name.
    monkeypatch.setattr(pysubs2.SSAFile, "save", lambda self, path, **kw: full(self, path))
    with pytest.raises(OSError) as raised:
        write_captions([], tmp_path / "out.srt", "srt")
    assert failed_target(raised.value) == tmp_path / "out.srt"
    assert leftovers(tmp_path) == []


@contextlib.contextmanager
def small_disk(tmp_path: Path, size: str):
    """A real, tiny tmpfs at tmp_path/disk (root on Linux, as in CI), unmounted afterwards."""
    path = tmp_path / "disk"
    path.mkdir()
    if not LINUX or os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], capture_output=True)


def test_a_real_full_disk_names_the_thumbnail(tmp_path):
    """On a 16 KiB tmpfs the video fits and its thumbnail does not."""
    with small_disk(tmp_path, "16k") as disk:
        write(tmp_path, "two.scene", TWO_SCENES)
        result = subprocess.run([sys.executable, "-m", "storyreel", "two.scene", "--size", "160x90", "-q",
                                 "-o", str(disk / "out.mp4")], cwd=tmp_path, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 1, result.stderr
        assert f"error: cannot write {disk / 'out.thumbnail.png'}: No space left on device" in result.stderr
        assert leftovers(disk) == []


def test_a_real_full_disk_under_the_cache_names_the_segment(tmp_path):
    """Chunks are encoded inside the --cache folder: when that disk is full the
    message names the segment file, not the video."""
    with small_disk(tmp_path, "8k") as disk:
        write(tmp_path, "long.scene", LONG)
        result = subprocess.run([sys.executable, "-m", "storyreel", "long.scene", "--size", "320x180", "-q",
                                 "--quality", "draft", "--cache", str(disk / "cache"), "-o", "out.mp4"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert result.returncode == 1, result.stderr
        assert "No space left on device" in result.stderr and "Traceback" not in result.stderr
        assert f"cannot write {disk / 'cache'}" in result.stderr and "cannot write out.mp4" not in result.stderr
        assert leftovers(tmp_path) == [] and not (tmp_path / "out.mp4").exists()


# ── exit codes ─────────────────────────────────────────────────────────────────

MISUSED = [
    ["two.scene", "--size", "0x0"],
    ["two.scene", "--size", "99999x2"],
    ["two.scene", "--size", "161x90"],
    ["two.scene", "--set", "x"],
    ["two.scene", "--set", "1x=2"],
    ["two.scene", "--encoder", "nope"],
    ["two.scene", "--encoder", "aac"],
    ["two.scene", "-o", ""],
    ["still", "two.scene", "-o", ""],
    ["still", "two.scene", "--size", "0x0"],
    ["compile", "two.scene", "--size", "3x3"],
    ["check", "two.scene", "--set", "x"],
    ["watch", "two.scene", "--size", "0x0"],
    ["watch", "two.scene", "--set", "x"],
    ["new", "counting", "--set", "x"],
    ["new", "counting", "--set", "nope=1"],
    ["new", "counting", "--age", "99"],
    ["new", "counting", "--length", "bogus"],
    ["new", "counting", "--size", "0x0"],
    ["new", "counting", "--encoder", "nope"],
    ["new", "counting", "-o", ""],
    ["new", "counting", "--emit-scene", ""],
    ["new", "nope"],
    ["story", "story.txt", "--size", "0x0"],
    ["story", "story.txt", "-o", ""],
    ["story", "story.txt", "--encoder", "nope"],
    ["story", "story.txt", "--emit-scene", ""],
    ["characters", "luna", "--gesture", "wave", "--size", "0x0"],
    ["characters", "nobody"],
    ["characters", "luna", "--gesture", "nope"],
    ["characters", "-o", ""],
    ["say", "hi", "--voice", "nope"],
    ["say", "hi", "--mood", "nope"],
    ["say", "hi", "-o", ""],
]


@pytest.mark.parametrize("args", MISUSED, ids=lambda a: " ".join(repr(x) if not x else x for x in a))
def test_a_misused_option_exits_2_with_the_usage_message(tmp_path, monkeypatch, args):
    write(tmp_path, "two.scene", TWO_SCENES)
    write(tmp_path, "story.txt", "A story\n\nOnce upon a time there was a cat.\n")
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Usage: " in result.output and "Error: " in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_the_usage_messages_say_what_is_wrong(tmp_path, monkeypatch):
    write(tmp_path, "two.scene", TWO_SCENES)
    monkeypatch.chdir(tmp_path)

    def error(*args: str) -> str:
        return CliRunner().invoke(main, list(args)).output.split("Error: ", 1)[1]

    assert "size 0x0 is out of range (width and height between 16 and" in error("two.scene", "--size", "0x0")
    assert "has an odd side" in error("two.scene", "--size", "161x90")
    assert "expects key=value, got 'x'" in error("two.scene", "--set", "x")
    assert "use one of auto, libx264, h264_nvenc" in error("two.scene", "--encoder", "libx26")
    assert "(did you mean 'libx264'?)" in error("two.scene", "--encoder", "libx26")
    assert "the name is empty" in error("two.scene", "-o", "")
    assert "did you mean 'luna'?" in error("say", "hi", "--voice", "lun")
