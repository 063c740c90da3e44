"""`render channel …`: init, plan, metrics import, run, status (added to cli.py's `main`)."""
from __future__ import annotations

import sys
from pathlib import Path

import click


def _cli():
    from .. import cli

    return cli


def _load(folder: str):
    from ..api_channel import Channel

    return Channel(folder)


@click.group("channel")
def channel_group() -> None:
    """A children's channel that plans, makes, checks and publishes itself (docs/CHANNEL.md)."""


@channel_group.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
def init_command(directory):
    """Write a commented channel.yaml into DIRECTORY."""
    from ..api_channel import init_channel
    from ..dsl.errors import SceneError
    from .config import CONFIG_FILE

    path = Path(directory) / CONFIG_FILE
    try:
        init_channel(directory)
    except SceneError as err:  # it exists already
        _cli()._fail(err.format())
    except OSError as err:
        _cli()._fail(f"error: cannot write {Path(directory) / CONFIG_FILE}: {err.strerror or err}")
    click.echo(f"wrote {path}: edit it, then `render channel plan {directory} --next 24`")


@channel_group.command("check")
@click.argument("directory", type=click.Path(file_okay=False))
def check_command(directory):
    """Check DIRECTORY/channel.yaml: exit 0, or the error and exit 1."""
    channel = _cli()._run(lambda: _load(directory).check().config)  # its own intro and outro scenes compile
    click.echo(f"{channel.name}: ages {', '.join(map(str, channel.ages))}, {len(channel.topics)} topics, "
               f"every {channel.every_s // 60} min, publishers {', '.join(p.kind for p in channel.publishers)}: ok")


@channel_group.command("plan")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--next", "count", type=click.IntRange(1, 10000), default=24, show_default=True,
              help="How many slots from now to show (planned now if not yet).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def plan_command(directory, count, as_json):
    """Print the next episodes, each with the reason it was chosen."""
    import json

    def work():
        channel = _load(directory)
        planner = channel.planner
        for e in channel.plan(count):
            if as_json:
                click.echo(json.dumps({"slot": e.slot, "at": planner.local_time(e.slot_at), "age": e.age,
                                       "topic": e.topic, "objective": e.objective, "template": e.template,
                                       "params": e.params, "fingerprint": e.fingerprint, "reason": e.reason,
                                       "state": e.state}, sort_keys=True))
            else:
                click.echo(f"{planner.local_time(e.slot_at)}  age {e.age}  {e.topic:<9} {e.title:<32} "
                           f"[{e.template} {e.fingerprint[:8]}] {e.state}\n    why: {e.reason}")

    _cli()._run(work)


@channel_group.group("metrics")
def metrics_group() -> None:
    """Performance feedback: per-video views, watch time and likes."""


@metrics_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--channel", "directory", type=click.Path(file_okay=False), default=".", show_default=True,
              help="The channel folder.")
def metrics_import_command(file, directory):
    """Read FILE (CSV or JSON: video or episode, views, watch time, likes) and shift topic weights within bounds."""
    def work():
        result = _load(directory).import_metrics(file)
        click.echo(f"{result['matched']} videos matched" + (f", {len(result['unknown'])} unknown "
                                                             f"({', '.join(result['unknown'][:5])})" if result["unknown"] else ""))
        for topic, (old, new) in sorted(result["weights"].items()):
            click.echo(f"  {topic:<10} {old:5.2f} -> {new:5.2f}")

    _cli()._run(work)


def _echo_event(record: dict) -> None:
    """One line on stderr per decision (the same as the JSON log's)."""
    detail = " ".join(f"{k}={v}" for k, v in record.items() if k not in ("t", "event", "params", "to"))
    if record["event"] == "published":
        detail += " " + ", ".join(f"{d['publisher']}/{d['platform']}={d['id']}" for d in record.get("to", []))
    click.echo(f"{record['event']}: {detail}", err=True)


@channel_group.command("run")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--once", is_flag=True, help="Make and publish one episode, then exit (for cron and systemd timers).")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines (the JSON log is written all the same).")
def run_command(directory, once, quiet):
    """Plan, produce through the queue, check and publish; without --once, keep the buffer
    ahead of the schedule until SIGTERM (exit 143) or Ctrl-C."""
    def work():
        channel = _load(directory)  # run_once and run check its intro first and take its lock
        log = None if quiet else _echo_event
        if once:
            episode = channel.run_once(log)
            if episode is None:
                click.echo("nothing to make: no episode planned", err=True)
            elif episode.state == "published":
                click.echo(f"published episode {episode.id} (slot {episode.slot}, {episode.objective})")
            else:
                _cli()._fail(f"error: episode {episode.id} was not published: {episode.state}"
                             + (f": {episode.error}" if episode.error else ""))
        else:
            channel.run(log=log)

    _cli()._run(work)


@channel_group.command("status")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="The status as JSON.")
def status_command(directory, as_json):
    """Planned, produced, published and skipped episodes, what comes next, quota."""
    import json

    def work():
        s = _load(directory).status()
        if as_json:
            click.echo(json.dumps(s, indent=2, sort_keys=True))
            return
        counts = s["counts"]
        click.echo(f"{s['channel']}: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in
                                                   ("planned", "producing", "produced", "published", "skipped", "missed")))
        if s["mean_wall_s"]:
            click.echo(f"  production: {s['mean_wall_s']:.1f} s an episode on average")
        click.echo("  next: " + ("; ".join(f"{u['at']} age {u['age']} {u['objective']} ({u['state']})"
                                          for u in s["upcoming"]) or "nothing planned"))
        for p in s["published"]:
            click.echo(f"  published: slot {p['slot']} {p['objective']} -> {p['publisher']}/{p['platform']} {p['remote_id']}")
        for f in s["skipped"]:
            click.echo(f"  skipped: slot {f['slot']} {f['objective']} after {f['tries']} tries: {f['error']}")
        for day, q in s["youtube_quota"].items():
            click.echo(f"  youtube quota {day}: {q['insert_calls']} inserts ({q['units']} units by the older count)")

    _cli()._run(work)
