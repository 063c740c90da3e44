"""Running a channel: SIGTERM stops the loop cleanly, kill -9 mid-production resumes, and
`--once` publishes a real, checked episode exactly once; a failing episode is retried
with new seeds, then skipped and reported."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from storyreel.api import check_video
from storyreel.channel.config import init_channel, load_channel
from storyreel.channel.runner import MAX_TRIES, ChannelRunner
from storyreel.cli import main
from storyreel.jobs.queue import JobQueue


def _small_channel(tmp_path):
    folder = tmp_path / "ch"
    init_channel(folder)
    path = folder / "channel.yaml"
    text = path.read_text().replace('  size: ""', "  size: 320x180").replace("  fps: 30", "  fps: 10")
    path.write_text(text.replace("  quality: standard", "  quality: draft"))
    return folder


def _events(folder):
    path = folder / "channel.log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _start(folder, *args):
    return subprocess.Popen([sys.executable, "-m", "storyreel", "channel", "run", str(folder), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _job_state(folder):
    with JobQueue(folder / "jobs") as q:
        jobs = q.jobs()
        return jobs[0].state if jobs else None


def test_sigterm_then_kill9_then_once_publishes_exactly_once(tmp_path):
    folder = _small_channel(tmp_path)
    path = folder / "channel.yaml"  # colours first (today's shapes episode fails its true-peak check)
    path.write_text(path.read_text().replace("  colours: 1.0", "  colours: 5.0"))
    loop = _start(folder)
    try:
        assert _wait_for(lambda: _job_state(folder) == "running")
        time.sleep(1.0)
        loop.send_signal(signal.SIGTERM)
        _, err = loop.communicate(timeout=30)
    finally:
        if loop.poll() is None:
            loop.kill()
    assert loop.returncode == 143, err
    assert "terminated by SIGTERM" in err and "Traceback" not in err
    assert _events(folder)[-1]["event"] == "stop" and _job_state(folder) == "queued"  # released, not failed

    once = _start(folder, "--once")
    try:
        assert _wait_for(lambda: _job_state(folder) == "running")
        time.sleep(1.0)
        once.kill()  # kill -9 in the middle of the render
        once.communicate(timeout=30)
    finally:
        if once.poll() is None:
            once.kill()

    result = CliRunner().invoke(main, ["channel", "run", str(folder), "--once", "-q"])
    assert result.exit_code == 0, result.output
    assert "published episode 1" in result.output
    produce = [e for e in _events(folder) if e["event"] == "produce"]
    with JobQueue(folder / "jobs") as q:  # the first job was resumed after the stop and the kill, not put again
        outcomes = [a.outcome for a in q.attempts(produce[0]["job"])]
    assert outcomes[:2] == ["stopped", "interrupted"] and len(outcomes) == 3, outcomes
    # a second job only when the first seed's video failed check-video: a new seed (test below)
    assert all(e["attempt"] == i + 1 for i, e in enumerate(produce))
    published = [e for e in _events(folder) if e["event"] == "published"]
    assert len(published) == 1
    entries = list((folder / "outbox" / "youtube").iterdir())
    assert len(entries) == 1
    meta = json.loads((entries[0] / "metadata.json").read_text())
    assert meta["made_for_kids"] is True and meta["audience_age"] == 2
    assert (entries[0] / "thumbnail.jpg").exists() and (entries[0] / "captions.srt").exists()
    report = check_video(entries[0] / "video.mp4", platform="youtube", age=2)
    assert report.ok, report.table()

    status = CliRunner().invoke(main, ["channel", "status", str(folder), "--json"])
    s = json.loads(status.output)
    assert s["counts"]["published"] == 1 and s["mean_wall_s"] > 0


def test_a_failing_episode_is_retried_with_new_seeds_then_skipped(tmp_path, monkeypatch):
    folder = tiny_channel(tmp_path, monkeypatch)
    runner = ChannelRunner(load_channel(folder))
    episode = runner.next_to_make()
    real = runner.spec_for

    def broken(ep, layout=None, params=None):  # a scene the compiler refuses: fails in the worker, quickly
        spec = real(ep, layout, params)
        Path(spec["source"]).write_text('video "x" {\n    preset hexagon\n}\n')
        return spec

    runner.spec_for = broken
    assert runner.produce(episode) is False
    assert episode.state == "skipped" and episode.tries == MAX_TRIES and "hexagon" in episode.error
    events = _events(folder)
    retries = [e for e in events if e["event"] == "retry"]
    assert len(retries) == MAX_TRIES - 1 and events[-1]["event"] == "skipped"
    fingerprints = {e["fingerprint"] for e in events if e["event"] == "produce"}
    assert len(fingerprints) == MAX_TRIES  # a new seed each time
    assert not (folder / "outbox").exists()  # nothing published
    status = CliRunner().invoke(main, ["channel", "status", str(folder)])
    assert "skipped: slot 0" in status.output and "after 3 tries" in status.output


TINY_PARAMS = """\
title: Tiny
description: A one-second card (the channel's test-clock test).
params:
  thing: { type: choice, default: a, choices: [a, b, c, d], description: What }
  age: { type: int, default: 4, choices: [2, 3, 4, 5], description: Age }
  episode: { type: int, default: 1, min: 1, max: 9999, description: Which }
"""
TINY_SCENE = """\
video "Tiny {{ thing }}" {
    preset youtube
}

scene card {
    background solid #DCEDC1
    label = text "{{ thing }} {{ episode }}" at (50%, 50%) size 120 color #3A2E5C
    wait 1s
}
"""
TINY_CURRICULUM = """\
colours:
  template: tiny
  objectives:
    - {id: tiny-a, title: "A", ages: [2, 3, 4], params: {thing: a}}
    - {id: tiny-b, title: "B", ages: [2, 3, 4], params: {thing: b}}
shapes:
  template: tiny
  objectives:
    - {id: tiny-c, title: "C", ages: [2, 3, 4], params: {thing: c}}
    - {id: tiny-d, title: "D", ages: [2, 3, 4], params: {thing: d}}
"""


def tiny_channel(tmp_path, monkeypatch, size="160x90"):
    """A channel of one-second `tiny` template episodes (its own curriculum) at 5 fps."""
    templates = tmp_path / "templates" / "tiny"
    templates.mkdir(parents=True)
    (templates / "params.yaml").write_text(TINY_PARAMS)
    (templates / "template.scene").write_text(TINY_SCENE)
    monkeypatch.setenv("STORYREEL_TEMPLATES", str(tmp_path / "templates"))  # the workers inherit it
    folder = _small_channel(tmp_path)
    path = folder / "channel.yaml"
    path.write_text(path.read_text().replace("  size: 320x180", f"  size: {size}").replace("  fps: 10", "  fps: 5"))
    (folder / "curriculum.yaml").write_text(TINY_CURRICULUM)
    return folder


def test_a_day_at_a_test_clock_publishes_24_slots_in_order(tmp_path, monkeypatch):
    import threading

    folder = tiny_channel(tmp_path, monkeypatch)
    path = folder / "channel.yaml"
    path.write_text(path.read_text().replace("  intro: builtin", '  intro: ""').replace("  outro: builtin", '  outro: ""'))
    clock = [1764921600.0]  # 08:00, the first slot

    def sleep(seconds):  # accelerated time: waiting moves the clock, not the test
        clock[0] += max(seconds, 1.0)

    runner = ChannelRunner(load_channel(folder), clock=lambda: clock[0])
    runner.run(threading.Event(), sleep=sleep, until_slot=23)
    events = _events(folder)
    published = [e for e in events if e["event"] == "published"]
    assert [e["slot"] for e in published] == list(range(24))
    slot_at = {e.slot: e.slot_at for e in runner.planner.episodes()}
    assert all(e["t"] >= slot_at[e["slot"]] for e in published)  # never before its slot
    assert all(e["t"] - slot_at[e["slot"]] < 3600 for e in published)  # and within its hour
    assert len(list((folder / "outbox" / "youtube").iterdir())) == 24
    topics = [e.topic for e in runner.planner.episodes(0, 24)]
    assert all(a != b for a, b in zip(topics, topics[1:]))


def test_slots_that_passed_unmade_are_missed_not_made_late(tmp_path):
    folder = _small_channel(tmp_path)
    clock = [1764921600.0]
    runner = ChannelRunner(load_channel(folder), clock=lambda: clock[0])
    assert runner.next_to_make().slot == 0  # slots 0-2 planned (buffer 2)
    clock[0] += 5 * 3600 - 60  # the machine was off for five hours
    episode = runner.next_to_make()
    assert episode.slot == 5
    states = {e.slot: e.state for e in runner.planner.episodes()}
    assert [states[s] for s in range(3)] == ["missed"] * 3
    assert [e["slot"] for e in _events(folder) if e["event"] == "missed"] == [0, 1, 2]


def test_a_full_disk_stops_production_not_the_channel(tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    folder = _small_channel(tmp_path)
    runner = ChannelRunner(load_channel(folder))
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10 << 30, 10 << 30, 200 << 20))
    episode = runner.next_to_make()
    assert runner.produce(episode) is False and episode.state == "planned" and "disk low: 200 MB" in episode.error
    assert _events(folder)[-1]["event"] == "disk-low" and not (folder / "jobs").exists()
    result = CliRunner().invoke(main, ["channel", "run", str(folder), "--once"])
    assert result.exit_code == 1 and "was not published: planned: disk low" in result.output


def test_one_run_a_channel_at_a_time(tmp_path):
    folder = _small_channel(tmp_path)
    holder = ChannelRunner(load_channel(folder))
    assert holder.lock()
    result = CliRunner().invoke(main, ["channel", "run", str(folder), "--once"])
    assert result.exit_code == 1
    assert f"is being run by another process (pid {os.getpid()})" in result.output
    assert not (folder / "jobs").exists()
