"""`--executor ray`: a render's chunks as Ray tasks (engine/encode/executors.py).

A local Ray with two CPUs, started once for the module, renders the multi-scene
video of tests/test_parallel.py (a gradient, a photo with a Ken Burns zoom that
travels through the object store, transitions, a sound); the output must be the
bytes of a local `--workers 2` render, and so decode to the same frames and
audio. The command line is run as the user runs it, in a process of its own:
its output matches too, SIGTERM stops it with no output and no Ray process left
behind, and without Ray installed `--executor ray` is a misuse naming the extra.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import decode
from test_parallel import SCENE, decode_audio, load, write_photo

from storyreel.engine import render_video
from storyreel.engine.encode.executors import RayExecutor, RayMissing, repath

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'storyreel[ray]')")


def _leftovers(marker: str) -> list[str]:
    """Processes whose environment carries `marker` (Ray's raylet, GCS and workers
    inherit it from the render that started them): none may outlive it."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(f"{entry.name}: {(entry / 'cmdline').read_bytes()[:80]!r}")
            except OSError:  # gone meanwhile, or not ours to read
                pass
    return found


@pytest.fixture(scope="module")
def ray_temp():
    """A short temp root for Ray's sessions (its socket paths must fit 108 bytes), removed after."""
    folder = tempfile.mkdtemp(prefix="srray-", dir="/tmp")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def local_ray(ray_temp, project):
    """One local Ray (2 CPUs) for the module's in-process renders (started after the
    reference render, whose worker processes then never share the process with Ray)."""
    previous = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = os.path.join(ray_temp, "tmp")  # the workers' temp folder (shipped assets go there)
    os.makedirs(os.environ["TMPDIR"])
    try:
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                 _temp_dir=ray_temp)
    finally:
        if previous is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = previous
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ray")
    write_photo(folder / "photo.png")
    (folder / "chunks.scene").write_text(SCENE.format(title="One", label="Two"), encoding="utf-8")
    timeline = load(folder / "chunks.scene")
    render_video(timeline, folder / "local.mp4", quality="draft", workers=2)
    return folder, timeline


def test_ray_render_is_the_local_render_byte_for_byte(local_ray, project, tmp_path):
    folder, timeline = project
    with RayExecutor(num_cpus=2) as executor:  # Ray already up: used as it is, left running
        frames = render_video(timeline, tmp_path / "ray.mp4", quality="draft", executor=executor)
    assert ray.is_initialized()
    assert frames == timeline.frame_count
    local, remote = decode(folder / "local.mp4"), decode(tmp_path / "ray.mp4")
    assert len(remote.frames) == timeline.frame_count
    assert all(np.array_equal(a, b) for a, b in zip(local.frames, remote.frames))
    assert np.array_equal(decode_audio(folder / "local.mp4"), decode_audio(tmp_path / "ray.mp4"))
    assert (tmp_path / "ray.mp4").read_bytes() == (folder / "local.mp4").read_bytes()
    assert not list(tmp_path.glob(".ray.*")), "the chunk folder is removed"


def test_assets_shipped_to_another_node_are_repathed(local_ray, project, tmp_path, ray_temp, monkeypatch):
    """Tasks that believe they run on another node than the render take the files
    from the object store into their own folder, render a timeline repathed to the
    copies, and give the same bytes."""
    from storyreel.engine.encode.executors import fetch_assets, put_assets
    from storyreel.engine.timeline.serialize import timeline_to_dict

    folder, timeline = project
    data = timeline_to_dict(timeline)
    shipped = put_assets(ray, data)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this process's copies: in the test's folder
    photo = str(folder / "photo.png")
    assert photo in shipped
    mapping = fetch_assets(ray, shipped)
    assert Path(mapping[photo]).read_bytes() == Path(photo).read_bytes()
    moved = repath(data, mapping)
    assert photo not in repr(moved) and mapping[photo] in repr(moved)
    assert Path(mapping[photo]).is_relative_to(tmp_path)

    monkeypatch.setattr(RayExecutor, "render_node", lambda self: "0" * 56)  # no node is the render's
    with RayExecutor() as executor:
        render_video(timeline, tmp_path / "shipped.mp4", quality="draft", executor=executor)
    assert (tmp_path / "shipped.mp4").read_bytes() == (folder / "local.mp4").read_bytes()
    copies = list(Path(ray_temp, "tmp").rglob("photo.png"))
    assert copies and all(c.read_bytes() == Path(photo).read_bytes() for c in copies), "the workers' own copies"


def test_a_failing_chunk_fails_the_render_with_its_own_error(local_ray, project, tmp_path, ray_temp):
    folder, timeline = project
    from dataclasses import replace

    broken = replace(timeline, width=-4)  # every task fails when it sets up its rasteriser
    with pytest.raises(Exception) as info:
        with RayExecutor() as executor:
            render_video(broken, tmp_path / "broken.mp4", quality="draft", executor=executor)
    assert "Ray" not in type(info.value).__name__  # the task's own exception, not Ray's wrapper
    assert not (tmp_path / "broken.mp4").exists()
    render_video(timeline, tmp_path / "after.mp4", quality="draft", executor=RayExecutor())
    left = [p.name for p in Path(ray_temp, "tmp").glob("storyreel-ray-*.mp4")]
    assert not left, f"the segments of cancelled tasks are swept: {left}"


def _cli(folder: Path, ray_temp: str, marker: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, RAY_TMPDIR=ray_temp, STORYREEL_RAY_TEST=marker)
    return subprocess.Popen([sys.executable, "-m", "storyreel", *args], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_executor_ray_matches_workers_and_leaves_no_process(project, ray_temp, tmp_path):
    folder, _ = project
    marker = f"cli-{os.getpid()}-{time.time_ns()}"
    proc = _cli(folder, ray_temp, marker, "chunks.scene", "-o", str(tmp_path / "cli.mp4"), "--size", "160x90",
                "--quality", "draft", "--executor", "ray", "--workers", "2", "--no-extras")
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert (tmp_path / "cli.mp4").read_bytes() == (folder / "local.mp4").read_bytes()
    time.sleep(0.5)
    assert _leftovers(marker) == []


def test_sigterm_stops_a_ray_render_cleanly(project, ray_temp, tmp_path):
    folder, _ = project
    long = SCENE.format(title="Long", label="Run").replace("(1.6s)", "(12s)")
    (tmp_path / "photo.png").write_bytes((folder / "photo.png").read_bytes())
    (tmp_path / "long.scene").write_text(long, encoding="utf-8")
    marker = f"term-{os.getpid()}-{time.time_ns()}"
    proc = _cli(tmp_path, ray_temp, marker, "long.scene", "-o", "long.mp4", "--size", "320x180",
                "--executor", "ray", "--workers", "2")
    seen = ""
    while "frames" not in seen:  # the tasks are submitted: Ray and its workers are up
        line = proc.stderr.readline()
        assert line, f"the render ended early: {seen}"
        seen += line
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, seen + err
    assert "terminated by SIGTERM" in err
    assert not (tmp_path / "long.mp4").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".long.")], "no partial files"
    deadline = time.monotonic() + 10
    while _leftovers(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _leftovers(marker) == []


def test_without_ray_executor_ray_is_a_misuse_naming_the_extra(project, monkeypatch):
    from click.testing import CliRunner

    from storyreel.cli import main

    folder, _ = project
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if it were not installed
    with pytest.raises(RayMissing, match=r"pip install 'storyreel\[ray\]'"):
        RayExecutor()
    for option in (["--executor", "ray"], ["--ray-address", "127.0.0.1:6379"]):
        result = CliRunner().invoke(main, [str(folder / "chunks.scene"), "-o", str(folder / "none.mp4"), *option])
        assert result.exit_code == 2, result.output
        assert "pip install 'storyreel[ray]'" in result.output and option[0] in result.output
        assert "Traceback" not in result.output
    assert not (folder / "none.mp4").exists()


def test_a_bad_ray_address_is_a_clear_error(project, ray_temp, tmp_path):
    """A malformed address is a misuse (exit 2); one nobody listens at fails at once
    (exit 1), not after Ray's minutes of retries."""
    import socket as sockets

    from click.testing import CliRunner

    from storyreel.cli import main

    folder, _ = project
    scene = str(folder / "chunks.scene")
    result = CliRunner().invoke(main, [scene, "-o", str(tmp_path / "a.mp4"), "--ray-address", "nonsense"])
    assert result.exit_code == 2 and "HOST:PORT" in result.output, result.output
    with sockets.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]  # closed again below: nothing listens there
    began = time.monotonic()  # in a process of its own: this one may have a Ray up already (it would be used)
    proc = _cli(folder, ray_temp, "bad-address", scene, "-o", str(tmp_path / "b.mp4"), "--ray-address",
                f"127.0.0.1:{port}")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in err and "ray start --head" in err
    assert "Traceback" not in err
    assert time.monotonic() - began < 30 and not (tmp_path / "b.mp4").exists()


def test_ray_with_a_segment_cache_stores_and_reuses_its_chunks(local_ray, project, tmp_path):
    from storyreel.engine.encode.segment_cache import SegmentCache

    folder, timeline = project
    cache = SegmentCache(tmp_path / "chunks")
    with RayExecutor() as executor:
        render_video(timeline, tmp_path / "first.mp4", quality="draft", executor=executor, cache=cache)
        assert cache.stats.stored > 0 and cache.stats.hits == 0
        again = SegmentCache(tmp_path / "chunks")
        render_video(timeline, tmp_path / "again.mp4", quality="draft", executor=executor, cache=again)
        assert again.stats.misses == 0 and again.stats.hits == cache.stats.stored
    for name in ("first.mp4", "again.mp4"):
        assert (tmp_path / name).read_bytes() == (folder / "local.mp4").read_bytes()


# ── render batch --executor ray: a batch's rows as Ray tasks (jobs/ray_workers.py) ──────────


def _batch_folder(folder: Path, target: Path) -> Path:
    """Two rows: the multi-scene video (its photo and sound travel as assets) and a
    template, both small."""
    target.mkdir()
    (target / "photo.png").write_bytes((folder / "photo.png").read_bytes())
    (target / "chunks.scene").write_bytes((folder / "chunks.scene").read_bytes())
    (target / "jobs.csv").write_text("output,scene,size,quality\nout/chunks.mp4,chunks.scene,160x90,draft\n"
                                     "out/again.mp4,chunks.scene,192x108,draft\n", encoding="utf-8")
    return target / "jobs.csv"


def _batch(jobs: Path, executor=None, **options):
    from storyreel.jobs.batch import run_batch

    lines: list[str] = []
    code = run_batch(jobs, executor=executor, echo=lines.append, quiet=False, stream=io.StringIO(),
                     defaults={"check": "off"}, **options)
    return code, "\n".join(lines)


@pytest.fixture(scope="module")
def local_batch(project, tmp_path_factory):
    """The same rows rendered by a local batch (worker processes): what Ray must match."""
    folder, _ = project
    jobs = _batch_folder(folder, tmp_path_factory.mktemp("batch") / "local")
    code, said = _batch(jobs, workers=2)
    assert code == 0, said
    return jobs.parent


@pytest.mark.parametrize("where", ["this node", "another node"])
def test_a_batch_on_ray_renders_every_row_as_the_local_batch_does(local_ray, project, local_batch, tmp_path,
                                                                   monkeypatch, ray_temp, where):
    """Each row a Ray task; on the batch's node it writes in place, on another its
    files come back through the object store: either way the bytes of a local batch,
    the same report, and a second run skips the finished rows."""
    folder, _ = project
    if where == "another node":
        monkeypatch.setattr(RayExecutor, "render_node", lambda self: "0" * 56)  # no node is the batch's
    jobs = _batch_folder(folder, tmp_path / "ray")
    code, said = _batch(jobs, RayExecutor())
    assert code == 0, said
    assert "with 2 workers on Ray" in said  # the cluster's 2 CPUs
    assert ray.is_initialized(), "a Ray already up is used as it is and left running"
    for name in ("chunks", "again"):
        for suffix in (".mp4", ".thumbnail.png", ".json"):
            assert (jobs.parent / "out" / f"{name}{suffix}").is_file(), (name, suffix)
        ours = (jobs.parent / "out" / f"{name}.mp4").read_bytes()
        assert ours == (local_batch / "out" / f"{name}.mp4").read_bytes(), name
    assert not [p.name for p in (jobs.parent / "out").iterdir() if p.name.startswith(".")], "no staging left"
    if where == "another node":  # rendered in the node's own folder, sent back, and that folder removed
        work = list(Path(ray_temp, "tmp").glob("storyreel-ray-*/jobs"))
        assert work and not [p for p in work[0].iterdir()], "the node's work folders are removed"
    report = json.loads((jobs.parent / "jobs.report.json").read_text())
    assert report["ok"] and [r["state"] for r in report["rows"]] == ["done", "done"]
    files = report["rows"][0]["files"]
    assert str(jobs.parent / "out" / "chunks.mp4") in files and all(Path(f).is_file() for f in files)
    code, said = _batch(jobs, RayExecutor())
    assert code == 0 and "2 unchanged (skipped), 0 to render" in said, said


def test_a_ray_job_whose_worker_is_killed_is_retried(local_ray, project, tmp_path):
    """A worker killed on its node (as a node's crash would) is a transient failure:
    the row is retried through the queue and done once, with no partial output."""
    import threading

    folder, _ = project
    jobs = _batch_folder(folder, tmp_path / "killed")
    jobs.write_text("output,scene,size,quality\nout/chunks.mp4,chunks.scene,160x90,draft\n", encoding="utf-8")
    killed: list[int] = []

    def kill_first_worker() -> None:
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            for entry in Path("/proc").iterdir():
                try:
                    cmd = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if b"storyreel.jobs.worker" in cmd and str(jobs.parent).encode() in _open_files(entry):
                    os.kill(int(entry.name), signal.SIGKILL)
                    killed.append(int(entry.name))
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_first_worker)
    killer.start()
    code, said = _batch(jobs, RayExecutor())
    killer.join()
    assert killed, "the worker was found and killed"
    assert code == 0, said
    report = json.loads((jobs.parent / "jobs.report.json").read_text())
    row = report["rows"][0]
    assert row["state"] == "done" and row["attempts"] == 2, row["attempt_log"]
    assert "killed by SIGKILL" in row["attempt_log"][0]["error"]
    assert decode(jobs.parent / "out" / "chunks.mp4").frames


def _open_files(entry: Path) -> bytes:
    """The paths a process has open (its staging folder's files, once it renders)."""
    names = []
    try:
        for fd in (entry / "fd").iterdir():
            try:
                names.append(os.readlink(fd))
            except OSError:
                pass
    except OSError:
        pass
    return "\n".join(names).encode()


def test_batch_executor_ray_without_ray_is_a_misuse(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from storyreel.cli import main

    (tmp_path / "jobs.csv").write_text("output,template\na.mp4,counting\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "ray", None)
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "jobs.csv"), "--executor", "ray"])
    assert result.exit_code == 2 and "pip install 'storyreel[ray]'" in result.output, result.output


def test_sigterm_stops_a_ray_batch_cleanly_and_a_rerun_resumes(local_ray, project, ray_temp, tmp_path):
    """SIGTERM mid-row: the tasks are cancelled, each stops its worker (which removes
    its staging folder), the rows go back to the queue without spending an attempt,
    no Ray process outlives the batch; the batch run again renders them."""
    long = TINY_LONG
    (tmp_path / "long.scene").write_text(long, encoding="utf-8")
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("output,scene\nout/a.mp4,long.scene\n", encoding="utf-8")
    marker = f"batch-term-{os.getpid()}-{time.time_ns()}"
    proc = _cli(tmp_path, ray_temp, marker, "batch", "jobs.csv", "--executor", "ray", "--workers", "1",
                "--check", "off")
    deadline = time.monotonic() + 120
    while not list((tmp_path / "out").glob(".a.*.partial.job")) and proc.poll() is None:
        assert time.monotonic() < deadline, "the row never started rendering"
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "1 left queued" in err
    assert not (tmp_path / "out" / "a.mp4").exists()
    assert not [p.name for p in (tmp_path / "out").iterdir()], "no staging folder left"
    deadline = time.monotonic() + 10
    while _leftovers(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _leftovers(marker) == []
    with_row = json.loads((tmp_path / "jobs.report.json").read_text())["rows"][0]
    assert with_row["state"] == "queued" and with_row["attempts"] == 0
    assert with_row["attempt_log"][0]["outcome"] == "stopped"
    code, said = _batch(jobs, RayExecutor())
    assert code == 0 and "1 to render" in said, said
    assert decode(tmp_path / "out" / "a.mp4").frames


TINY_LONG = '''video "long" {
    size 320x180
    fps 30
}
scene a {
    background gradient #FFE29A #FFA99F vertical
    star = star at (50%, 50%) points 5 radius 60 fill gold
    star: rotate to 720 30s
}
'''
