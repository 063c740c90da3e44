"""The planner: 200 episodes cover every objective of the configured ages, keep spaced
repetition and variety, never repeat a fingerprint; imported metrics move weights."""
import json

from click.testing import CliRunner

from storyreel.channel.config import init_channel, load_channel
from storyreel.channel.curriculum import REVIEW_DAYS, load_curriculum
from storyreel.channel.planner import DAY, Planner
from storyreel.cli import main

T0 = 1764921600.0  # 2025-12-05 08:00 UTC


def _planner(tmp_path, now=T0):
    init_channel(tmp_path / "ch")
    return Planner(load_channel(tmp_path / "ch"), clock=lambda: now)


def test_200_episodes_cover_space_and_vary(tmp_path):
    planner = _planner(tmp_path)
    episodes = planner.plan(200)
    assert [e.slot for e in episodes] == list(range(200))
    ages = planner.channel.ages
    wanted = {o.id for o in load_curriculum() if set(o.ages) & set(ages)}
    assert {e.objective for e in episodes} == wanted  # every objective of ages 2-4
    assert len({e.fingerprint for e in episodes}) == 200  # no duplicate content
    for a, b in zip(episodes, episodes[1:]):
        assert a.topic != b.topic  # no topic twice in a row
        assert b.slot_at - a.slot_at == 3600
    by_id = {o.id: o for o in load_curriculum()}
    for e in episodes:
        assert e.age in by_id[e.objective].ages and e.params["age"] == e.age
        assert e.reason
    # spaced repetition: the n-th review comes at least REVIEW_DAYS[n-1] days after the lesson that scheduled it
    reviews = 0
    for objective in wanted:
        mine = [e for e in episodes if e.objective == objective]
        assert not mine[0].review
        due, n = mine[0].slot_at + REVIEW_DAYS[0] * DAY, 0
        for e in mine[1:]:
            if e.review:
                assert e.slot_at >= due, (objective, e.slot)
                n += 1
                reviews += 1
                due = e.slot_at + REVIEW_DAYS[n] * DAY if n < len(REVIEW_DAYS) else float("inf")
    assert reviews > 20


def test_the_plan_is_deterministic_and_kept(tmp_path):
    a = _planner(tmp_path / "a").plan(50)
    b = _planner(tmp_path / "b").plan(50)
    assert [(e.objective, e.fingerprint) for e in a] == [(e.objective, e.fingerprint) for e in b]
    again = Planner(load_channel(tmp_path / "a" / "ch"), clock=lambda: T0).plan(60)
    assert [e.fingerprint for e in again[:50]] == [e.fingerprint for e in a]


def test_the_calendar_brings_world_days_and_the_season(tmp_path):
    kindness_day = 1763020800.0  # 2025-11-13 08:00 UTC
    episodes = _planner(tmp_path, kindness_day).plan(24)
    assert any("World Kindness Day" in e.reason and e.topic == "feelings" for e in episodes)
    seasons = [e for e in _planner(tmp_path / "w", T0).plan(60) if e.topic == "seasons"]
    assert seasons[1].objective == "season-winter" and "it is winter" in seasons[1].reason


def test_plan_command_prints_reasons(tmp_path):
    init_channel(tmp_path / "ch")
    result = CliRunner().invoke(main, ["channel", "plan", str(tmp_path / "ch"), "--next", "24", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 24 and all(r["reason"] for r in rows)
    assert (tmp_path / "ch" / "channel.sqlite3").exists()


def test_metrics_move_weights_within_bounds(tmp_path):
    planner = _planner(tmp_path)
    episodes = planner.plan(48)
    rows = []
    for e in episodes:
        good = e.topic == "colours"
        bad = e.topic == "letters"
        rows.append({"episode": e.id, "views": 100, "watch_time_hours": 9 if good else 1 if bad else 4,
                     "likes": 12 if good else 1 if bad else 5})
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(rows))
    before = planner.weights()
    result = CliRunner().invoke(main, ["channel", "metrics", "import", str(path), "--channel", str(tmp_path / "ch")])
    assert result.exit_code == 0, result.output
    after = Planner(load_channel(tmp_path / "ch"), clock=lambda: T0).weights()
    assert after["colours"] > before["colours"] and after["letters"] < before["letters"]
    for _ in range(30):  # imported again and again: the weights stay within bounds, nothing is dropped
        CliRunner().invoke(main, ["channel", "metrics", "import", str(path), "--channel", str(tmp_path / "ch")])
    later = Planner(load_channel(tmp_path / "ch"), clock=lambda: T0)
    w = later.weights()
    assert 0.1 <= w["letters"] < before["letters"] and w["colours"] <= 5
    episodes = later.plan(400)
    assert {e.objective for e in episodes} >= {o.id for o in load_curriculum() if o.topic == "letters"}


def test_a_metrics_csv_from_a_studio_export(tmp_path):
    planner = _planner(tmp_path)
    e = planner.plan(4)
    planner.db.execute("INSERT INTO publishes VALUES (?, 'youtube', 'youtube', 'done', 'vid123', NULL, NULL, 0)",
                       (e[0].id,))
    path = tmp_path / "export.csv"
    path.write_text("Content,Video title,Views,Watch time (hours),Likes\nvid123,Circles,50,2.5,3\nother,x,1,1,1\n")
    result = CliRunner().invoke(main, ["channel", "metrics", "import", str(path), "--channel", str(tmp_path / "ch")])
    assert result.exit_code == 0 and "1 videos matched, 1 unknown" in result.output
    path.write_text("Content,Views\nvid123,lots\n")
    bad = CliRunner().invoke(main, ["channel", "metrics", "import", str(path), "--channel", str(tmp_path / "ch")])
    assert bad.exit_code == 1 and f"{path}:2:1: error: views 'lots' is not a number" in bad.output
