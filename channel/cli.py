"""`render channel …`: init, plan, metrics import, run, status (added to cli.py's `main`)."""
from __future__ import annotations

import sys
from pathlib import Path

import click


def _cli():
    from .. import cli

    return cli


def _load(folder: str):
    from .config import load_channel

    return load_channel(folder)


@click.group("channel")
def channel_group() -> None:
    """A children's channel that plans, makes, checks and publishes itself (docs/CHANNEL.md)."""


@channel_group.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
def init_command(directory):
    """Write a commented channel.yaml into DIRECTORY."""
    from .config import CONFIG_FILE, init_channel

    try:
        path = init_channel(directory)
    except FileExistsError:
        _cli()._fail(f"error: {Path(directory) / CONFIG_FILE} exists already\n  hint: edit it, or choose another folder")
    except OSError as err:
        _cli()._fail(f"error: cannot write {Path(directory) / CONFIG_FILE}: {err.strerror or err}")
    click.echo(f"wrote {path}: edit it, then `render channel plan {directory} --next 24`")


@channel_group.command("check")
@click.argument("directory", type=click.Path(file_okay=False))
def check_command(directory):
    """Check DIRECTORY/channel.yaml: exit 0, or the error and exit 1."""
    channel = _cli()._run(lambda: _load(directory))
    click.echo(f"{channel.name}: ages {', '.join(map(str, channel.ages))}, {len(channel.topics)} topics, "
               f"every {channel.every_s // 60} min, publishers {', '.join(p.kind for p in channel.publishers)}: ok")
