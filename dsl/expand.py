"""Front matter and Jinja expansion, with a map from expanded lines back to the
author's files and lines.

How the map works: before Jinja sees a file, every line that does not start
inside a multi-line Jinja tag gets an invisible marker `\x02N\x03` at its start,
N indexing (file, line). Markers travel with the text through loops, includes
and macros; after rendering, the last marker on each output line says where that
line came from, and the markers are removed.
"""
from __future__ import annotations

import hashlib
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from ..engine.raster.backdrops import GROUND as BACKDROP_GROUND, spots as backdrop_spots
from ..engine.raster.color import contrast
from ..engine.publish.presets import Format, design_pixel, resolve_format
from .ast import Span
from .errors import Location, SceneError, did_you_mean
from .project import Project, ProjectPathError, read_capped
from .sandbox import BudgetedEnvironment, ExpansionBudget, TemplateBudgetError, collect

_MARK = re.compile(r"\x02(\d+)\x03")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(\r?\n|\Z)", re.S)


@dataclass
class SourceMap:
    origins: list[tuple[str, int]] = field(default_factory=list)  # marker id -> (file, line)
    lines: list[int] = field(default_factory=list)  # expanded line (0-based) -> marker id
    files: dict[str, list[str]] = field(default_factory=dict)  # file -> its lines
    expanded: list[str] = field(default_factory=list)

    def mark(self, file: str, line: int) -> str:
        self.origins.append((file, line))
        return f"\x02{len(self.origins) - 1}\x03"

    def origin(self, expanded_line: int) -> tuple[str, int]:
        if 1 <= expanded_line <= len(self.lines):
            return self.origins[self.lines[expanded_line - 1]]
        if self.lines:
            return self.origins[self.lines[-1]]
        return (next(iter(self.files), "<input>"), 1)

    def locate(self, span: Span | None, token_text: str | None = None) -> Location:
        """The author's file, line and column for a span in the expanded text."""
        if span is None:
            file, line = self.origin(1)
            return Location(file, line, 1, self._line(file, line))
        file, line = self.origin(span.line)
        source = self._line(file, line)
        expanded = self.expanded[span.line - 1] if 0 < span.line <= len(self.expanded) else ""
        length = max(1, span.end_column - span.column) if span.end_line == span.line else 1
        if expanded.rstrip() == source.rstrip():
            return Location(file, line, span.column, source, length)
        # Jinja changed the line: find the token in the author's line if it is there.
        text = token_text or expanded[span.column - 1 : span.column - 1 + length]
        found = _literal_column(source, text) if text.strip() else -1
        column = found + 1 if found >= 0 else len(source) - len(source.lstrip()) + 1
        return Location(file, line, column, source, length if found >= 0 else 1,
                        expanded_line=expanded, expanded_column=span.column)

    def _line(self, file: str, line: int) -> str:
        lines = self.files.get(file, [])
        return lines[line - 1] if 0 < line <= len(lines) else ""


@dataclass
class Expanded:
    text: str
    source_map: SourceMap
    variables: dict[str, Any]
    path: Path
    dependencies: list[str]


def _add_markers(source: str, file: str, smap: SourceMap, first_line: int = 1) -> str:
    out = []
    depth_open = None  # the closing delimiter we are waiting for, when a tag spans lines
    for number, line in enumerate(source.split("\n"), start=1):
        if number < first_line:
            out.append(line)
            continue
        if depth_open is None:
            out.append(smap.mark(file, number) + line)
        else:
            out.append(line)
        depth_open = _open_tag_after(line, depth_open)
    return "\n".join(out)


_OPEN = {"{{": "}}", "{%": "%}", "{#": "#}"}


def _open_tag_after(line: str, waiting: str | None) -> str | None:
    """Which Jinja closing delimiter is still pending at the end of `line`."""
    i = 0
    while i < len(line):
        if waiting is None:
            j = min((p for p in (line.find(o, i) for o in _OPEN) if p >= 0), default=-1)
            if j < 0:
                return None
            waiting = _OPEN[line[j : j + 2]]
            i = j + 2
        else:
            j = line.find(waiting, i)
            if j < 0:
                return waiting
            waiting = None
            i = j + 2
    return waiting


class _MarkingLoader(jinja2.BaseLoader):
    """Loads templates by path relative to the including file, adding markers.
    The environment's `join_path` has already checked that the path stays inside
    the project (dsl/sandbox.py); the read is of a regular file, capped."""

    def __init__(self, smap: SourceMap, main: Path, main_source: str, dependencies: list[str]):
        self.smap = smap
        self.main = main
        self.main_source = main_source
        self.dependencies = dependencies

    def get_source(self, environment, template):
        path = Path(template)
        if str(path) == str(self.main):
            raw = self.main_source
        else:
            try:
                data = read_capped(path, what="included file")
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                raise jinja2.TemplateNotFound(template) from None
            except OSError as exc:
                raise ProjectPathError(f"cannot read included file {_display_name(path)}: {exc.strerror}") from None
            raw = _decode(data, _display_name(path))
            self.dependencies.append(str(path))
        self.smap.files[str(path)] = raw.split("\n")
        return _add_markers(raw, str(path), self.smap), str(path), lambda: False


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _decode(data: bytes, display: str) -> str:
    """A file's text: UTF-8 (a BOM is dropped), with no control characters but tab,
    newline and carriage return (the source map marks lines with two of them)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        source = data.split(b"\n")[line - 1].decode("utf-8", "replace")
        raise SceneError(f"{display} is not UTF-8 text (byte 0x{data[exc.start]:02x})",
                         location=Location(display, line, column, source),
                         hint="save the file as UTF-8") from None
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise SceneError(f"control character U+{ord(bad.group()):04X} in the text",
                         location=Location(display, line, column, text.split("\n")[line - 1]),
                         hint="remove it: a .scene file is plain text")
    return text


def split_front_matter(text: str, file: str) -> tuple[dict[str, Any], str]:
    """(variables, text with the front matter blanked out so line numbers hold)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    body = m.group(1) or ""
    try:
        data = yaml.safe_load(body) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark else 1
        column = (mark.column + 1) if mark else 1
        raise SceneError(f"invalid front matter: {getattr(exc, 'problem', exc)}", location=Location(
            file, line, column, text.split("\n")[line - 1] if line - 1 < len(text.split("\n")) else "")) from None
    if not isinstance(data, dict):
        raise SceneError("front matter must be a mapping of names to values",
                         location=Location(file, 2, 1, text.split("\n")[1] if "\n" in text else ""),
                         hint="write one `name: value` per line between the --- lines")
    blank = "\n" * m.group(0).count("\n")
    return data, blank + text[m.end():]


def canvas_variable(fmt: Format | None = None) -> dict[str, Any]:
    """What `canvas` is in Jinja: the size, frame rate and format the file is compiled
    for (engine/publish/presets.py: resolve_format), so a template can lay itself out for it.
    Positions are percentages and lengths design pixels (1/1080 of the shorter side),
    so `design_width`/`design_height` are the canvas in design pixels; the safe area
    is in percent of the canvas (`left` … `bottom` its margins, `x0` … `y1` its edges)."""
    fmt = fmt or resolve_format()
    w, h = fmt.width, fmt.height
    unit = design_pixel(w, h)
    x0, y0, x1, y1 = fmt.safe
    pct = lambda v, whole: round(100.0 * v / whole, 3)  # noqa: E731
    safe = {"left": pct(x0, w), "top": pct(y0, h), "right": pct(w - x1, w), "bottom": pct(h - y1, h),
            "x0": pct(x0, w), "y0": pct(y0, h), "x1": pct(x1, w), "y1": pct(y1, h),
            "width": pct(x1 - x0, w), "height": pct(y1 - y0, h),
            "cx": pct((x0 + x1) / 2, w), "cy": pct((y0 + y1) / 2, h)}
    return {"width": w, "height": h, "fps": fmt.fps, "preset": fmt.preset,
            "vertical": h > w, "square": w == h, "landscape": w > h, "aspect": round(w / h, 4),
            "unit": round(unit, 6), "design_width": round(w / unit, 2), "design_height": round(h / unit, 2),
            "safe": safe}


def expand(path: str | Path, variables: dict[str, Any] | None = None, canvas: Format | None = None,
           project: Project | None = None, source: str | None = None) -> Expanded:
    """Read `path`, apply front matter + `variables` (later wins), expand Jinja.
    Every file it reads, included and imported ones too, sees `canvas` (canvas_variable),
    and must lie inside `project` (default: the folder of `path`; dsl/project.py).
    `source`: the file's text, given rather than read (`path` then need not exist:
    it names the text in errors, and includes are relative to its folder)."""
    project = project or Project.for_file(path)
    path = Path(path).resolve()
    display = _display_name(path)
    try:
        raw = _decode(read_capped(path, what="scene file"), display) if source is None else source
    except FileNotFoundError:
        raise SceneError(f"file not found: {display}") from None
    except OSError as exc:
        raise SceneError(f"cannot read {display}: {exc.strerror}") from None
    front, body = split_front_matter(raw, display)
    merged = {**front, **(variables or {})}
    smap = SourceMap()
    dependencies: list[str] = []
    loader = _MarkingLoader(smap, path, body, dependencies)
    env = BudgetedEnvironment(project, loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True,
                              keep_trailing_newline=True, autoescape=False, bytecode_cache=_COMPILED)
    # A global, so that macros in `{% import %}`ed files (imported without context) see it too;
    # a variable of the same name (front matter, --set) hides it in the file that has it.
    env.globals["canvas"] = canvas_variable(canvas)
    env.globals["contrast"] = contrast  # for picking a text's outline that stands out from its ink
    env.globals["seed_of"] = seed_of  # a template's episode seed from its parameters (music, layouts)
    env.globals["ground"] = GROUND_PERCENT  # where characters stand in each setting: {{ ground.forest }}%
    env.globals["spot"] = spot_function(canvas)  # a setting's named place: {{ spot("bedroom", "bed") }}
    known = {"canvas": env.globals["canvas"], **merged}  # for "did you mean" hints
    try:
        with ExpansionBudget():
            rendered = collect(env.get_template(str(path)).generate(**merged))
    except ProjectPathError as exc:
        # A name in an include or import: locate it at the tag that says it.
        file, line = _template_frame(exc, smap, str(path))
        raise _located(exc, smap, file, line, getattr(exc, "name", None)) from None
    except TemplateBudgetError as exc:
        if exc.marker is not None and exc.marker < len(smap.origins):
            file, line = smap.origins[exc.marker]
        else:
            file, line = _template_frame(exc, smap, str(path))
        raise _located(SceneError(exc.message, hint=exc.hint), smap, file, line) from None
    except jinja2.TemplateSyntaxError as exc:
        raise _jinja_error(exc, smap, exc.filename or str(path), exc.lineno, display, known) from None
    except jinja2.TemplateNotFound as exc:
        file, line = _template_frame(exc, smap, str(path))
        raise _located(SceneError(f"included file not found: {_display_name(Path(str(exc.name)))}",
                                  hint="paths in include/import are relative to the file that names them"),
                       smap, file, line, str(exc.name).split("/")[-1]) from None
    except jinja2.UndefinedError as exc:
        file, line = _template_frame(exc, smap, str(path))
        raise _jinja_error(exc, smap, file, line, display, known) from None
    except jinja2.TemplateError as exc:
        file, line = _template_frame(exc, smap, str(path))
        raise _located(SceneError(f"template error: {exc}"), smap, file, line) from None
    except Exception as exc:  # noqa: BLE001 - an expression in the template failed
        file, line = _template_frame(exc, smap, str(path))
        raise _located(SceneError(f"template error: {type(exc).__name__}: {exc}"), smap, file, line) from None
    text = _strip_markers(rendered, smap)
    # Show the author's own path, not the absolute one, in messages. Once per file, not per
    # line: resolving a path is a system call, and an episode has tens of thousands of lines
    # (it was a quarter of a mutant's check time in tests/test_fuzz.py).
    names = {f: _display_name(Path(f)) for f in {f for f, _ in smap.origins}}
    smap.origins = [(names[f], line) for f, line in smap.origins]
    smap.files = {_display_name(Path(f)): lines for f, lines in smap.files.items()}
    return Expanded(text, smap, merged, path, dependencies)


# Each built-in setting's ground line (engine/raster/backdrops GROUND) in percent of the frame height.
GROUND_PERCENT = {name: round(100.0 * y, 2) for name, y in BACKDROP_GROUND.items()}


def spot_function(fmt: Format | None = None):
    """`spot(SETTING, PLACE)` for templates: where a setting's bed, chalkboard, bench,
    throne, … is at this canvas size, as a position, "(19.0%, 56.0%)" (engine/raster/backdrops
    `spots`; the pictures keep their proportions, so the place moves with the aspect)."""
    fmt = fmt or resolve_format()

    def spot(setting: str, place: str) -> str:
        table = backdrop_spots(fmt.width, fmt.height)
        if setting not in table:
            hint = did_you_mean(setting, table, "")
            raise jinja2.TemplateRuntimeError(f"spot(): no setting '{setting}'" + (f" ({hint})" if hint else ""))
        places = table[setting]
        if place not in places:
            raise jinja2.TemplateRuntimeError(f"spot(): {setting} has no '{place}'; its places: "
                                              + (", ".join(places) or "none"))
        x, y = places[place]
        return f"({round(100 * x, 2)}%, {round(100 * y, 2)}%)"
    return spot


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled Jinja code kept in memory, keyed by the file's name and the
    checksum of its (marked) text: a process that expands many scenes (tests,
    `render batch`, contact sheets) compiles the templates' shared libraries once
    rather than every time (compiling was most of a template's expansion time)."""

    def __init__(self, size: int = 256):
        self.size = size
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if len(self.codes) >= self.size:
            self.codes.pop(next(iter(self.codes)))
        self.codes[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def seed_of(*values: Any) -> int:
    """A stable seed (0-9999) from any values: the same parameters give the same
    episode, other parameters another one (Python's hash() changes per process)."""
    text = "\x1f".join(repr(v) for v in values)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") % 10_000


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _strip_markers(rendered: str, smap: SourceMap) -> str:
    out_lines = []
    current = 0
    for line in rendered.split("\n"):
        marks = _MARK.findall(line)
        if marks:
            current = int(marks[-1])
        smap.lines.append(current)
        out_lines.append(_MARK.sub("", line))
    smap.expanded = out_lines
    return "\n".join(out_lines)


def _template_frame(exc: BaseException, smap: SourceMap, default: str) -> tuple[str, int]:
    """The innermost traceback frame that belongs to one of our template files."""
    found = (default, getattr(exc, "lineno", None) or 1)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename in smap.files and frame.lineno:
            found = (frame.filename, frame.lineno)
    return found


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def _literal_column(source: str, text: str) -> int:
    """0-based column of `text` written literally in `source` (outside Jinja tags), as a
    whole word where possible; -1 if absent (Jinja produced it)."""
    tags = [(m.start(), m.end()) for m in _TAG.finditer(source)]
    outside = lambda i: not any(a <= i < b for a, b in tags)  # noqa: E731
    word = [m.start() for m in re.finditer(rf"(?<![\w-]){re.escape(text)}(?![\w-])", source)]
    anywhere = [i for i in range(len(source)) if source.startswith(text, i)]
    for hits in ([i for i in word if outside(i)], [i for i in anywhere if outside(i)]):
        if hits:
            return hits[0]
    return -1


def _token_column(source: str, token: str) -> int:
    """0-based column of `token` in `source` as a whole word, preferring one inside a
    Jinja tag (`{{ name }}` rather than the `name = …` before it); -1 if absent."""
    tags = [(m.start(), m.end()) for m in _TAG.finditer(source)]
    hits = [m.start() for m in re.finditer(rf"(?<![\w.]){re.escape(token)}(?!\w)", source)]
    for hit in hits:
        if any(a <= hit < b for a, b in tags):
            return hit
    return hits[0] if hits else source.find(token)


def _located(err: SceneError, smap: SourceMap, file: str, line: int, token: str | None = None,
             column: int | None = None, length: int = 1) -> SceneError:
    lines = smap.files.get(file, [])
    source = _MARK.sub("", lines[line - 1]) if 0 < line <= len(lines) else ""
    found = _token_column(source, token) if token else -1
    if column is not None:
        pass
    elif found >= 0:
        column, length = found + 1, len(token)  # type: ignore[arg-type]
    elif source.strip():
        column = len(source) - len(source.lstrip()) + 1
    else:
        column = 1
    err.location = Location(_display_name(Path(file)), line, column, source, length)
    return err


_BLOCK_TAGS = ("for", "if", "macro", "call", "filter", "block", "with", "raw", "autoescape", "trans")


def _unclosed_block(smap: SourceMap, file: str, block: str) -> tuple[int, int, int] | None:
    """(line, column, length) of the last `{% block … %}` in `file` without its `{% endblock %}`."""
    stack: list[tuple[str, int, int, int]] = []
    for number, text in enumerate(smap.files.get(file, []), start=1):
        for m in re.finditer(r"\{%[-+]?\s*(\w+)[^%]*(%\})?", text):
            name = m.group(1)
            if name in _BLOCK_TAGS:
                stack.append((name, number, m.start() + 1, m.end() - m.start()))
            elif name.startswith("end") and name[3:] in _BLOCK_TAGS:
                while stack and stack.pop()[0] != name[3:]:
                    pass
    for name, number, column, length in reversed(stack):
        if name == block:
            return number, column, length
    return None


def _jinja_error(exc: Exception, smap: SourceMap, file: str, line: int, display: str, variables: dict) -> SceneError:
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        m = re.search(r"'([^']+)' is undefined", message)
        name = m.group(1) if m else None
        hint = None
        if name:
            hint = did_you_mean(name, variables, None) or (
                f"define it in the front matter, with --data FILE.yaml, or with --set {name}=VALUE")
        text = f"undefined variable '{name}'" if name else f"undefined variable: {message}"
        return _located(SceneError(text, hint=hint), smap, file, line, name)
    m = re.search(r"innermost block that needs to be closed is '(\w+)'", message)
    if m:
        # Jinja reports where the template ended; the author needs the tag that is open.
        block = m.group(1)
        where = _unclosed_block(smap, file, block)
        err = SceneError(f"template syntax error: '{{% {block} %}}' is never closed",
                         hint=f"add {{% end{block} %}} where the block ends")
        if where is not None:
            return _located(err, smap, file, where[0], column=where[1], length=where[2])
        return _located(err, smap, file, line)
    err = SceneError(f"template syntax error: {message}",
                     hint="Jinja tags are {{ expression }}, {% statement %} and {# comment #}")
    lines = smap.files.get(file, [])
    tags = list(_TAG.finditer(lines[line - 1])) if 0 < line <= len(lines) else []
    if len(tags) == 1:  # the line has one tag: it must be the one Jinja could not read
        return _located(err, smap, file, line, column=tags[0].start() + 1, length=len(tags[0].group(0)))
    return _located(err, smap, file, line)


def load_data_file(path: str | Path) -> dict[str, Any]:
    """Variables from `--data FILE.yaml`."""
    path = Path(path)
    display = _display_name(path)
    try:
        text = _decode(read_capped(path, what="data file"), display)
    except FileNotFoundError:
        raise SceneError(f"data file not found: {display}") from None
    except OSError as exc:
        raise SceneError(f"cannot read data file {display}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        lines = text.split("\n")
        raise SceneError(f"invalid YAML: {getattr(exc, 'problem', exc)}", location=Location(
            display, line, (mark.column + 1) if mark else 1, lines[line - 1] if line <= len(lines) else "")) from None
    if not isinstance(data, dict):
        raise SceneError(f"{display} must hold a mapping of names to values", location=Location(display, 1, 1, text.split("\n")[0]))
    return data


def parse_set_option(text: str) -> tuple[str, Any]:
    """`--set key=value`, the value typed as YAML (`5` -> int, `[a, b]` -> list)."""
    if "=" not in text:
        raise SceneError(f"--set expects key=value, got '{text}'", hint="for example --set count=5")
    key, _, value = text.partition("=")
    key = key.strip()
    if not key.isidentifier():
        raise SceneError(f"--set: '{key}' is not a valid variable name", hint="names are letters, digits and _")
    try:
        return key, yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError:
        return key, value
