"""What a job renders: a spec (plain JSON, stored in the queue) and how it is loaded.

A spec is one video:

    {"kind": "scene" | "template" | "story",
     "source": "/abs/file.scene" | "counting" | "/abs/story.txt",
     "variables": {...},             # template parameters, or a scene's variables
     "output": "/abs/out.mp4",
     "platform": null, "preset": null, "size": [w, h] | null, "fps": null,
     "quality": "standard", "encoder": "auto", "age": null (a story's),
     "extras": true,                 # thumbnail, metadata JSON (captions when there is speech)
     "check": "fail" | "warn" | "off",   # check-video after the render
     "cache": "/abs/cache" | null, "cache_size": null,
     "timeline": "…"}                # optional: the compiled timeline (engine JSON), so
                                     # the worker need not compile it again

`load` turns it into a timeline with the Python API the `render`,
`render new` and `render story` commands use (storyreel.load, api.compose_story);
`input_hash` hashes the spec with the content of every
file the video is made from, so a batch run again can tell an unchanged row.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CHECK_MODES", "KINDS", "Loaded", "input_hash", "load"]

KINDS = ("scene", "template", "story")
CHECK_MODES = ("fail", "warn", "off")
_NOT_INPUT = ("cache", "cache_size", "timeline")  # where chunks are kept changes no picture; the timeline is derived


@dataclass
class Loaded:
    timeline: Any  # engine.Timeline
    dependencies: list[str]  # every file read, for input_hash
    encode_for: Any  # the engine.publish.platforms.Platform whose encoding applies, or None


def _check_limits(target, tl) -> None:
    from ..dsl import SceneError

    problems = target.check_limits(tl.width, tl.height, tl.duration)
    if problems:
        raise SceneError("; ".join(problems), hint=f"nothing was rendered; shorten it, or choose a size "
                                                    f"{target.label} takes")


def load(spec: dict[str, Any]) -> Loaded:
    """Compile the video `spec` describes through the Python API, as the commands do
    (`storyreel.load` for a scene or a template's file, `api.compose_story` for a
    story). Raises what the commands raise for the same input: `SceneError`
    (located), `PlatformError`, `AssetError`, …"""
    from ..api import compose_story
    from ..api import load as load_project
    from ..dsl import check_size
    from ..dsl.story import story_platform
    from ..engine.publish.platforms import get_platform, platform_layout

    kind = spec["kind"]
    size = tuple(spec["size"]) if spec.get("size") else None
    if size is not None:
        check_size(*size, what="size")
    if kind == "story":
        target = story_platform(spec.get("platform"), spec.get("preset"))  # its length limit applies always
        encode_for = target if spec.get("platform") else None
        preset, size = platform_layout(encode_for, spec.get("preset"), size)
        project = compose_story(str(spec["source"]), age=spec.get("age") or 4, platform=spec.get("platform"),
                                preset=preset, size=size, fps=spec.get("fps")).project
        deps = [str(Path(spec["source"]).resolve()), *project.dependencies]
    else:
        encode_for = get_platform(spec["platform"]) if spec.get("platform") else None
        preset, size = platform_layout(encode_for, spec.get("preset"), size)
        if kind == "template":
            from ..dsl.templates import load_template

            path = load_template(spec["source"]).scene_path  # its parameters are checked by load_scene
        else:
            path = Path(spec["source"])
        project = load_project(path, dict(spec.get("variables") or {}), preset=preset, size=size,
                               fps=spec.get("fps"))
        deps = list(project.dependencies)
    if encode_for is not None:
        _check_limits(encode_for, project.timeline)
    return Loaded(project.timeline, deps, encode_for)


def from_timeline(spec: dict[str, Any]) -> Loaded | None:
    """The timeline `render batch` compiled when it checked the row (`spec["timeline"]`,
    the engine's JSON IR), when every file it names is still there (a speech line
    is a file in the speech cache); None: compile the spec again with `load`."""
    import os
    import re

    text = spec.get("timeline")
    if not text:
        return None
    for path in set(re.findall(r'"(/[^"\\]+)"', text)):
        if not os.path.exists(path):
            return None
    from ..engine import timeline_from_json
    from ..engine.publish.platforms import get_platform

    encode_for = get_platform(spec["platform"]) if spec.get("platform") else None
    return Loaded(timeline_from_json(text), [], encode_for)


def _file_digest(path: str) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as err:
        return f"unreadable: {err.strerror}"
    return h.hexdigest()


def input_hash(spec: dict[str, Any], dependencies: list[str]) -> str:
    """sha256 of the spec (its output and options included) and the content of
    every dependency, plus storyreel's version: any change renders the row again."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("storyreel")
    except PackageNotFoundError:  # pragma: no cover - run from a checkout
        ours = "unknown"
    h = hashlib.sha256()
    what = {k: v for k, v in spec.items() if k not in _NOT_INPUT}
    h.update(json.dumps({"spec": what, "storyreel": ours}, sort_keys=True, default=str).encode())
    for dep in sorted(set(dependencies)):
        h.update(f"\0{dep}\0{_file_digest(dep)}".encode())
    return h.hexdigest()
