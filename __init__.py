"""storyreel: a declarative video render engine for story and educational videos.

The Python API (docs/API.md); the `render` command is a layer over it:

    import storyreel

    storyreel.load("lesson.scene").render("lesson.mp4")          # a .scene file
    storyreel.template("counting", count=3).render("three.mp4")  # a ready-made template
    storyreel.story("story.txt", age=4).render("story.mp4")      # a plain-text story

    video = storyreel.Video("Hello", preset="youtube")           # a video written in Python
    video.scene("intro").text("Hello!", at=("50%", "50%"))
    video.render("hello.mp4")

Importing the package imports nothing heavy: the names below load on first use.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module (relative to the package) that defines it
_EXPORTS = {
    "Project": ".api", "load": ".api", "render": ".api", "template": ".api", "templates": ".api",
    "story": ".api", "check_video": ".api", "say": ".api", "ProgressCallback": ".api",
    "Video": ".api_builder", "Scene": ".api_builder", "Element": ".api_builder", "Character": ".api_builder",
    "SceneError": ".dsl.errors", "Timeline": ".engine.timeline", "Registry": ".engine.plugins",
    "PluginError": ".engine.plugins",
    "music": ".api_tools", "Music": ".api_tools", "voices": ".api_tools", "character_sheet": ".api_tools",
    "gesture": ".api_tools", "batch": ".api_tools", "BatchResult": ".api_tools",
    "serve": ".api_tools", "service_app": ".api_tools",
    "init_channel": ".api_channel", "Channel": ".api_channel",  # (`storyreel.channel` is the package)
}
__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from .api import Project, ProgressCallback, check_video, load, render, say, story, template, templates
    from .api_builder import Character, Element, Scene, Video
    from .api_channel import Channel, init_channel
    from .api_tools import (BatchResult, Music, batch, character_sheet, gesture, music, serve, service_app,
                            voices)
    from .dsl.errors import SceneError
    from .engine.plugins import PluginError, Registry
    from .engine.timeline.timeline import Timeline


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'storyreel' has no attribute '{name}'")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
