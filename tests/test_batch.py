"""`render batch JOBS`: every row checked before anything renders (errors at
JOBS:LINE:COLUMN), real renders of scene, template and story rows at 160x90,
the summary and JSON report, and a second run that skips what is done."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import decode
from storyreel.cli import main
from storyreel.jobs.batch import read_rows

TINY = '''video "hello {{ name }}" {
    size 160x90
    fps 15
}
scene a {
    background solid #336699
    t = text "Hi {{ name }}" at (50%, 50%) size 20 color #FFFFFF
    wait {{ secs | default(1) }}s
}
'''


def batch(*args: str):
    return CliRunner().invoke(main, ["batch", *args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "tiny.scene").write_text(TINY, encoding="utf-8")
    (tmp_path / "broken.scene").write_text(TINY.replace("wait {{", "wiggle {{"), encoding="utf-8")
    return tmp_path


def test_every_bad_row_is_reported_by_line_and_column_before_anything_renders(project):
    jobs = project / "jobs.csv"
    jobs.write_text("output,scene,template,name,count,quality\n"
                    "out/a.mp4,tiny.scene,,Ann,,draft\n"         # good
                    "out/b.mp4,,counting,,11,draft\n"            # count is 1-10
                    "out/c.mp4,tiny.scene,,Cy,,drafty\n"         # no such quality
                    "out/d.mp4,broken.scene,,Di,,draft\n"        # the scene itself does not compile
                    "out/a.mp4,tiny.scene,,Ed,,draft\n"          # a second row writing a.mp4
                    "out/f.mp4,,countng,,,draft\n",              # no such template
                    encoding="utf-8")
    result = batch(str(jobs))
    assert result.exit_code == 1
    err = result.stderr
    assert f"{jobs}:3:5: error: count: parameter 'count'" in err and "10" in err
    assert f"{jobs}:4:6: error: quality: 'drafty' is not a quality" in err
    assert f"{jobs}:5:2: error: scene: 'broken.scene' does not compile with this row:" in err
    assert "broken.scene:8:5: error:" in err  # the author's own located error beneath it
    assert f"{jobs}:6:1: error: output: 'out/a.mp4' is also the output of the row on line 2" in err
    assert f"{jobs}:7:3: error: template: unknown template 'countng'" in err and "counting" in err
    assert "5 errors in" in err and "nothing was rendered" in err
    assert not (project / "out").exists() and not (project / ".storyreel-jobs").exists()


def test_yaml_and_json_lines_rows_are_located_too(project):
    yaml_jobs = project / "jobs.yaml"
    yaml_jobs.write_text("- output: out/a.mp4\n  scene: tiny.scene\n  name: Ann\n"
                         "- output: out/b.mp4\n  scene: tiny.scene\n  platform: youtub\n", encoding="utf-8")
    result = batch(str(yaml_jobs))
    assert result.exit_code == 1
    assert f"{yaml_jobs}:6:3: error: platform: unknown platform 'youtub'" in result.stderr
    jsonl = project / "jobs.jsonl"
    jsonl.write_text('{"output": "out/a.mp4", "scene": "tiny.scene"}\n'
                     '{"output": "out/b.mp4", "scene": "tiny.scene", "fps": 0}\n', encoding="utf-8")
    result = batch(str(jsonl))
    assert result.exit_code == 1
    assert f"{jsonl}:2:48: error: fps: '0' is not a frame rate" in result.stderr
    (project / "broken.jsonl").write_text('{"output": "a.mp4"\n', encoding="utf-8")
    result = batch(str(project / "broken.jsonl"))
    assert result.exit_code == 1 and "broken.jsonl:1:" in result.stderr and "not JSON" in result.stderr
    rows = read_rows(yaml_jobs)
    assert [r.line for r in rows] == [1, 4] and rows[1].columns["platform"] == (6, 3)


def test_a_batch_renders_reports_and_a_second_run_skips_finished_rows(project):
    (project / "story.txt").write_text("Pip the Duck\n\nPip swam in the pond. Pip found a frog. They sang together.\n", encoding="utf-8")
    jobs = project / "jobs.csv"
    rows = ("output,scene,template,story,name,count,thing,length,size,fps,quality\n"
            "out/ann.mp4,tiny.scene,,,Ann,,,,,,draft\n"
            "out/bob.mp4,tiny.scene,,,Bob,,,,,,draft\n"
            "out/ducks.mp4,,counting,,,1,duck,short,160x90,6,draft\n"
            "out/pip.mp4,,,story.txt,,,,,160x90,6,draft\n")
    jobs.write_text(rows, encoding="utf-8")
    first = batch(str(jobs), "--workers", "2")
    assert first.exit_code == 0, first.stderr
    assert "4 rows ok; 0 unchanged (skipped), 4 to render" in first.stderr
    assert "batch 4/4 done" in first.stderr and "ETA" in first.stderr  # progress on stderr
    assert "4/4 done (0 unchanged), 0 failed" in first.stderr
    for name, size in (("ann", (160, 90)), ("ducks", (160, 90)), ("pip", (160, 90))):
        video = decode(project / "out" / f"{name}.mp4")
        assert (video.width, video.height) == size and len(video.frames) > 10
    assert (project / "out" / "ducks.json").is_file()  # the extras, moved in with the video
    report = json.loads((project / "jobs.report.json").read_text())
    assert report["ok"] and report["counts"]["done"] == 4
    assert {r["kind"] for r in report["rows"]} == {"scene", "template", "story"}
    assert all(r["check"] is True and r["attempts"] == 1 for r in report["rows"])
    assert not any(r["compiled_again"] for r in report["rows"])  # the workers rendered the timelines checked
    stamps = {p.name: p.stat().st_mtime_ns for p in (project / "out").glob("*.mp4")}

    # Again, with one row changed: only that row renders.
    jobs.write_text(rows.replace("out/bob.mp4,tiny.scene,,,Bob", "out/bob.mp4,tiny.scene,,,Bobby"), encoding="utf-8")
    second = batch(str(jobs), "--report", str(project / "again.json"))
    assert second.exit_code == 0, second.stderr
    assert "3 unchanged (skipped), 1 to render" in second.stderr
    report = json.loads((project / "again.json").read_text())
    assert [r["skipped"] for r in report["rows"]] == [True, False, True, True]
    after = {p.name: p.stat().st_mtime_ns for p in (project / "out").glob("*.mp4")}
    assert {n for n in after if after[n] != stamps[n]} == {"bob.mp4"}

    # An output that went missing is rendered again, even with its row unchanged.
    os.remove(project / "out" / "ann.mp4")
    third = batch(str(jobs), "-q")
    assert third.exit_code == 0 and third.stderr == ""
    assert (project / "out" / "ann.mp4").is_file()

    # A file the rows are made from changed: the rows made from it render again, the others do not.
    scene = project / "tiny.scene"
    scene.write_text(scene.read_text().replace("#336699", "#336698"), encoding="utf-8")
    fourth = batch(str(jobs), "--report", str(project / "fourth.json"))
    assert fourth.exit_code == 0, fourth.stderr
    report = json.loads((project / "fourth.json").read_text())
    assert [r["skipped"] for r in report["rows"]] == [False, False, True, True]


def test_a_row_that_fails_its_render_fails_the_batch_with_exit_1(project):
    jobs = project / "jobs.csv"
    # Black and white every 0.1 s: check-video's flash check fails it (at most 3 flashes a second).
    strobe = "".join(f"scene f{i} {{\n    background solid {'#FFFFFF' if i % 2 else '#000000'}\n    wait 0.1s\n}}\n"
                     for i in range(12))
    (project / "strobe.scene").write_text('video "s" {\n    size 160x90\n    fps 10\n}\n' + strobe, encoding="utf-8")
    jobs.write_text("output,scene,name,quality\nout/ok.mp4,tiny.scene,Al,draft\nout/strobe.mp4,strobe.scene,,draft\n",
                    encoding="utf-8")
    result = batch(str(jobs))
    assert result.exit_code == 1, result.stderr
    report = json.loads((project / "jobs.report.json").read_text())
    states = {Path(r["output"]).name: r for r in report["rows"]}
    assert states["ok.mp4"]["state"] == "done"
    bad = states["strobe.mp4"]
    assert bad["state"] == "failed" and bad["attempts"] == 1 and "flashes" in bad["error"]["message"]
    assert not (project / "out" / "strobe.mp4").exists()  # a failed check publishes nothing
    assert "1 failed" in result.stderr


def test_sigterm_stops_the_batch_cleanly_and_a_rerun_resumes(project):
    import signal
    import subprocess
    import sys
    import time

    jobs = project / "jobs.csv"
    jobs.write_text("output,scene,name,secs,quality\nout/long.mp4,tiny.scene,Lo,150,draft\n"
                    "out/short.mp4,tiny.scene,Sh,1,draft\n", encoding="utf-8")
    program = subprocess.Popen([sys.executable, "-m", "storyreel", "batch", str(jobs), "--workers", "1"],
                               cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db = project / ".storyreel-jobs" / "jobs.sqlite3"
    deadline = time.monotonic() + 60
    from storyreel.jobs import JobQueue

    while time.monotonic() < deadline and program.poll() is None:
        if db.exists() and any(j.state == "running" and j.progress[0] > 0 for j in JobQueue(db).jobs()):
            break
        time.sleep(0.05)
    program.send_signal(signal.SIGTERM)
    _, err = program.communicate(timeout=30)
    assert program.returncode == 128 + signal.SIGTERM, err
    assert "terminated by SIGTERM" in err
    out = project / "out"
    assert not (out / "long.mp4").exists()
    assert not out.exists() or not [p for p in out.iterdir() if ".partial" in p.name]
    queue = JobQueue(db)
    assert {j.state for j in queue.jobs()} == {"queued"}  # put back, no attempt spent
    assert all(j.attempts == 0 for j in queue.jobs())
    report = json.loads((project / "jobs.report.json").read_text())
    assert report["stopped"] and not report["ok"]
    again = batch(str(jobs), "-q")
    assert again.exit_code == 0, again.stderr
    assert (out / "long.mp4").is_file() and (out / "short.mp4").is_file()
