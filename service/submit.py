"""A submission turned into a job: its own project folder, a checked spec, and the
compiled timeline.

    JOBS_DIR/api/UID/project/   what the client sent: the .scene and its assets, or the story
    JOBS_DIR/api/UID/out/       video.mp4 and its extras, moved in when the job is done

Three kinds of request:

- JSON `{"template": "counting", "parameters": {...}, ...options}`;
- JSON `{"story": "Once upon a time…", "age": 4, ...options}` (its text, pages and
  length are checked here; its compile, which synthesises the speech, is the worker's);
- JSON `{"scene": "<.scene text>", "variables": {...}}`, or multipart with a `scene`
  file, any number of `assets` files (their file names are their paths inside the
  project: `images/cat.png`) and an `options` field holding the same JSON options.

The options and parameters are checked exactly as a `render batch` row's are
(`jobs.batch.check_values`); then the video is compiled here, in the request (a
thread of the server's pool), so an error in the `.scene` — a path that leaves
the project folder included (`dsl/project.py`) — is the client's 400, located,
and never a job. What is queued carries the compiled timeline, as a batch row does.
"""
from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..jobs.batch import RESERVED, SOURCES
from .errors import ApiError
from .views import relative_to_project

__all__ = ["JSON_SOURCES", "OPTIONS", "Prepared", "new_folder", "prepare", "safe_asset_name"]

JSON_SOURCES = SOURCES  # template, scene, story: what a job renders
OPTIONS = tuple(name for name in RESERVED if name not in ("output", *SOURCES))  # a batch row's options, one list
_PARAMETERS = ("parameters", "variables")
MAX_ASSETS = 500
MAX_ASSET_DEPTH = 8
OUTPUT_NAME = "video.mp4"


@dataclass
class Prepared:
    spec: dict[str, Any]
    folder: Path
    webhook: str | None
    request: dict[str, Any]  # what was asked for, as listings show it


def new_folder(jobs_dir: Path) -> tuple[str, Path]:
    uid = uuid.uuid4().hex
    folder = Path(jobs_dir).resolve() / "api" / uid
    (folder / "project").mkdir(parents=True)
    return uid, folder


def safe_asset_name(name: str | None) -> PurePosixPath:
    """An uploaded file's name as a path inside the project: relative, no `..`, no
    hidden parts, not too deep (a 400 naming the file otherwise)."""
    from ..dsl.project import ProjectPathError, check_name

    shown = repr(name) if name else "(no file name)"
    if not name or "\\" in name or name.startswith("/") or "\0" in name:
        raise ApiError(400, f"assets: {shown} is not a file name inside the project", field="assets",
                       hint="name each uploaded asset by its relative path, e.g. images/cat.png")
    path = PurePosixPath(name)
    if any(part in ("", ".", "..") or part.startswith(".") for part in path.parts) or \
            len(path.parts) > MAX_ASSET_DEPTH:
        raise ApiError(400, f"assets: {shown} leaves the project folder or names a hidden file", field="assets",
                       hint="name each uploaded asset by its relative path inside the project, without '..'")
    try:
        check_name(name)
    except ProjectPathError as err:
        raise ApiError(400, f"assets: {err.message}", field="assets", hint=err.hint)
    return path


def _object(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(400, f"{field}: give a JSON object of names and values", field=field)
    return value


def _check_keys(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    from ..dsl.errors import did_you_mean

    for key in body:
        if key not in allowed:
            raise ApiError(400, f"unknown field '{key}'", field=key,
                           hint=did_you_mean(key, list(allowed), None) or "fields: " + ", ".join(allowed))


def prepare(body: dict[str, Any], folder: Path, cache: Path, *, allow_private_webhooks: bool,
            scene_name: str | None = None) -> Prepared:
    """Check and compile one submission whose files are already in `folder/project`
    (`scene_name`: an uploaded `.scene`). Raises `ApiError` (400) for anything wrong
    with it; the caller removes the folder then."""
    from ..jobs.batch import check_values
    from .webhooks import WebhookError, check_url

    _check_keys(body, (*(() if scene_name else JSON_SOURCES), *_PARAMETERS, *OPTIONS, "webhook"))
    project = folder / "project"
    if scene_name:
        kind, source = "scene", scene_name
    else:
        given = [k for k in JSON_SOURCES if k in body]
        if len(given) != 1:
            raise ApiError(400, "say what to render: exactly one of 'template' (a name), 'scene' (the .scene "
                                "text) or 'story' (the story's text)" + (f"; got {', '.join(given)}" if given else ""),
                           field=given[1] if len(given) > 1 else None)
        kind = given[0]
        if not isinstance(body[kind], str) or not body[kind].strip():
            raise ApiError(400, f"{kind}: give it as a non-empty string", field=kind)
        source = body[kind]
        if kind == "scene":
            (project / "scene.scene").write_text(source, encoding="utf-8")
            source = "scene.scene"
        elif kind == "story":
            (project / "story.txt").write_text(source, encoding="utf-8")
            source = "story.txt"
    if all(k in body for k in _PARAMETERS):
        raise ApiError(400, "both 'parameters' and 'variables': give one", field="variables")
    parameters = _object(body.get("parameters", body.get("variables")), "parameters")
    for name in parameters:
        if name in RESERVED:
            raise ApiError(400, f"parameters: '{name}' is an option, not a parameter; give it beside 'parameters'",
                           field="parameters")
    webhook = None
    if body.get("webhook") is not None:
        try:
            webhook = check_url(body["webhook"], allow_private_webhooks)
        except WebhookError as err:
            raise ApiError(400, str(err), field="webhook")
    options = {k: body[k] for k in OPTIONS if body.get(k) is not None}
    values = {kind: source, "output": str(folder / "out" / OUTPUT_NAME), **options, **parameters}
    spec, problems = check_values(values, project, cache)
    if problems:
        first = problems[0]
        raise ApiError(400, relative_to_project(folder, first.message), field=first.name,
                       problems=[{"field": p.name, "message": relative_to_project(folder, p.message)}
                                 for p in problems])
    if kind == "story":
        _check_story(spec, folder)
    else:
        _compile(spec, folder)
    request = {"kind": kind, **({"template": source} if kind == "template" else {}), **options,
               **({"variables" if kind == "scene" else "parameters": parameters} if parameters else {})}
    return Prepared(spec, folder, webhook, request)


def _compile(spec: dict[str, Any], folder: Path) -> None:
    from ..dsl import SceneError
    from ..engine import timeline_to_json
    from ..jobs.spec import load

    from ..dsl.project import ProjectPathError

    try:
        loaded = load(spec)
    except SceneError as err:
        if isinstance(err, ProjectPathError) and "leaves the project folder" in err.message:
            # The CLI's words name server paths and --allow-path; a client can only upload files.
            err.message = f"path leaves the job's folder: '{getattr(err, 'name', '?')}'"
            err.hint = ("a job reads only its own files: the .scene and the assets uploaded with it "
                        "(and the installed templates and characters)")
        raise _located(err, folder)
    except (OSError, ValueError) as err:  # AssetError, PlatformError, CharacterError, AudioError: ValueErrors
        raise ApiError(400, relative_to_project(folder, str(err)))
    spec["timeline"] = timeline_to_json(loaded.timeline)


def _located(err, folder: Path) -> ApiError:
    """A `SceneError` as a 400 with its location, in the client's file names."""
    from ..preview.server import error_payload

    located = relative_to_project(folder, error_payload(err))
    return ApiError(400, located.pop("message"), hint=located.pop("hint"), **located)


def _check_story(spec: dict[str, Any], folder: Path) -> None:
    """A story's text, pages and length checked as `jobs.spec.load` checks them,
    without the compile: that synthesises every line's speech (seconds), which
    belongs in the worker, not in the request."""
    from ..dsl import SceneError
    from ..dsl.story import check_length, plan_pages, read_story, story_platform

    try:
        target = story_platform(spec.get("platform"), spec.get("preset"))
        story = read_story(spec["source"])
        check_length(story, plan_pages(story), target, spec.get("age") or 4)
    except SceneError as err:
        raise _located(err, folder)
    except (OSError, ValueError) as err:
        raise ApiError(400, relative_to_project(folder, str(err)))


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def parse_options(text: str | None) -> dict[str, Any]:
    """A multipart request's `options` field: JSON."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError as err:
        raise ApiError(400, f"options: not JSON ({err})", field="options")
    return _object(value, "options")
