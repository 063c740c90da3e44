"""`render channel …` from Python: a channel folder (channel.yaml, its planner's
state, an outbox) that plans, makes, checks and publishes episodes (docs/CHANNEL.md).

    import storyreel

    channel = storyreel.init_channel("my-channel")   # render channel init (then edit channel.yaml)
    channel = storyreel.Channel("my-channel")        # read channel.yaml (channel.check(): render channel check)
    for episode in channel.plan(3):                  # render channel plan --next 3
        print(episode.title, episode.reason)
    channel.run_once()                               # render channel run --once
    channel.status()                                 # render channel status --json

Mistakes in channel.yaml raise the located `SceneError` the command prints.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .dsl.errors import SceneError

if TYPE_CHECKING:
    from .channel.config import Channel as ChannelConfig
    from .channel.planner import Planned, Planner
    from .channel.runner import ChannelRunner

EventLog = Callable[[dict], None]  # one call per decision, the JSON log's record


class Channel:
    """A channel folder, read and checked (`config` is its channel.yaml; a mistake
    raises SceneError). `planner` plans its slots in the folder's state file."""

    def __init__(self, folder: str | Path):
        from .channel.config import load_channel

        self.folder = folder
        self.config: "ChannelConfig" = load_channel(folder)
        self._planner: "Planner | None" = None

    @property
    def planner(self) -> "Planner":
        if self._planner is None:
            from .channel.planner import Planner

            self._planner = Planner(self.config)
        return self._planner

    def check(self) -> "Channel":
        """Compile the channel's own intro and outro scenes, as `render channel check`
        does: a mistake there is said once, not as every episode's failed render."""
        from .channel.episode_scene import check_brand

        check_brand(self.config)
        return self

    def plan(self, count: int = 24) -> "list[Planned]":
        """The next `count` episodes from now (planned now if not yet), each with the
        template, parameters and the reason it was chosen."""
        return self.planner.plan(count)

    def import_metrics(self, path: str | Path) -> dict[str, Any]:
        """Read per-video views, watch time and likes (CSV or JSON) and shift the
        topics' weights within bounds: {"matched": n, "unknown": [...], "weights": {topic: (old, new)}}."""
        from .channel.metrics import import_metrics

        return import_metrics(self.planner, path)

    def status(self) -> dict[str, Any]:
        """Planned, produced, published and skipped episodes, what comes next, quota
        (what `render channel status --json` prints)."""
        return self._runner(None).status()

    def run_once(self, log: EventLog | None = None) -> "Planned | None":
        """Make and publish one episode (`render channel run --once`); returns it
        (its `state` says whether it was published), or None when none is planned."""
        return self._locked_runner(log).once()

    def run(self, stop: threading.Event | None = None, log: EventLog | None = None) -> None:
        """Keep the buffer of episodes made ahead of the schedule and publish each at
        its slot until `stop` is set (`render channel run`)."""
        self._locked_runner(log).run(stop or threading.Event())

    def _runner(self, log: EventLog | None) -> "ChannelRunner":
        from .channel.runner import ChannelRunner

        return ChannelRunner(self.config, log=log)

    def _locked_runner(self, log: EventLog | None) -> "ChannelRunner":
        self.check()
        runner = self._runner(log)
        if not runner.lock():
            raise SceneError(f"{self.folder} is being run by another process (pid {runner.holder})",
                             hint="one `render channel run` a channel at a time; this one made nothing")
        return runner


def init_channel(folder: str | Path) -> Channel:
    """Write a commented channel.yaml into `folder` (refusing to overwrite one: a
    SceneError) and return the channel; edit the file, then plan."""
    from .channel.config import CONFIG_FILE, init_channel as write_config

    try:
        write_config(folder)
    except FileExistsError:
        raise SceneError(f"{Path(folder) / CONFIG_FILE} exists already", hint="edit it, or choose another folder") from None
    return Channel(folder)
