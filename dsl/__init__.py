"""The `.scene` language front end: expand (Jinja) -> parse (Lark) -> compile.

`load_scene` is the one entry point the CLI uses; each stage is importable on
its own for tests. Every error leaves here as a `SceneError` located in the
author's file.
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..engine.timeline.timeline import Timeline
from ..engine.publish.presets import resolve_format
from .compiler import CompileOptions, check_size, compile_document, video_format
from .errors import SceneError, SceneWarning, warning_text
from .expand import Expanded, expand, load_data_file, parse_set_option
from .parser import parse
from .project import Project
from .templates import template_for_file, template_variables, validate_params

__all__ = ["CompileOptions", "LoadedScene", "Project", "SceneError", "check_size", "expand_scene", "load_data_file",
           "load_scene", "parse_set_option"]


@dataclass
class LoadedScene:
    timeline: Timeline
    expanded: Expanded
    dependencies: list[str]


def _prepare(path: Path, variables: dict[str, Any] | None, options: CompileOptions | None,
             source: str | None):
    """The template (if `path` is one's own file), the options and the variables to expand with."""
    template = template_for_file(path) if source is None else None
    if template is not None:
        # A template's own file: its parameters' defaults and checks apply (dsl/templates.py).
        variables = template_variables(template, validate_params(template, variables))
    opts = options or CompileOptions()
    # Every file the scene names must lie in its project: the file's folder unless the
    # caller gave another root (`--root`), plus `--allow-path` folders (dsl/project.py).
    opts = replace(opts, base_dir=path.resolve().parent, project=opts.project or Project.for_file(path))
    return template, opts, variables


def _expand_for_format(path: Path, variables: dict[str, Any] | None, opts: CompileOptions, source: str | None):
    """Expanded and parsed for the format it is compiled at: the options' (Jinja's `canvas`),
    unless the file's own `video { preset … }` (or size, fps) picks another, when it is
    expanded again so that `canvas` is what is compiled."""
    fmt = resolve_format(opts.preset, opts.size, opts.fps)
    expanded = expand(path, variables, fmt, opts.project, source)
    try:
        document = parse(expanded.text)
        actual = video_format(document.video, opts)
        if actual != fmt:
            expanded = expand(path, variables, actual, opts.project, source)
            document = parse(expanded.text)
    except SceneError as err:
        if err.location is None:
            err.location = expanded.source_map.locate(err.span)
        raise
    return expanded, document


def expand_scene(path: str | Path, variables: dict[str, Any] | None = None,
                 options: CompileOptions | None = None) -> Expanded:
    """The `.scene` file (a template's with its parameters checked) expanded and parsed for the
    format it would be compiled at, not compiled: the text `render new --emit-scene` writes."""
    path = Path(path)
    _, opts, variables = _prepare(path, variables, options, None)
    return _expand_for_format(path, variables, opts, None)[0]


def load_scene(path: str | Path, variables: dict[str, Any] | None = None,
               options: CompileOptions | None = None, source: str | None = None) -> LoadedScene:
    """Expand, parse and compile the `.scene` file `path` (or the text `source`, named
    `path` in errors) into a timeline; raises `SceneError` located in the author's file."""
    path = Path(path)
    template, opts, variables = _prepare(path, variables, options, source)
    expanded, document = _expand_for_format(path, variables, opts, source)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SceneWarning)
            result = compile_document(document, opts)
        for w in caught:
            if isinstance(w.message, SceneWarning):
                logging.getLogger("storyreel").warning(
                    warning_text(w.message.message, expanded.source_map.locate(w.message.span)))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    except SceneError as err:
        if err.location is None:
            err.location = expanded.source_map.locate(err.span)
        raise
    extra = [str(template.params_path)] if template is not None else []
    return LoadedScene(result.timeline, expanded,
                       [str(path.resolve()), *extra, *expanded.dependencies, *result.dependencies])
