"""Ready-made video templates: `templates/<name>/template.scene` (a Jinja `.scene`
file) with `params.yaml` declaring its parameters.

    title: Counting with Luna and Sunny
    description: Count N objects of one kind, one at a time, with the characters.
    params:
      count: { type: int, default: 5, min: 1, max: 10, description: How many objects to count }
      thing: { type: choice, default: apple, choices: [apple, banana], description: What to count }

Types: int, float, str, bool, choice, list (of str); `min`/`max` (a number's range,
a list's length) and `choices` (allowed values; for a list, allowed items) are
optional. `validate_params` checks what an author gives against this and fills in
the defaults; a mistake is a `SceneError` whose hint lists every parameter.

Templates are found in the package's `templates/` folder and in the folders named
by `$STORYREEL_TEMPLATES` (separated by the OS path separator). Folders whose
name starts with `_` or `.` (`templates/_lib/`, shared macros) are not templates.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, SceneError, did_you_mean

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
SCENE_FILE = "template.scene"
PARAMS_FILE = "params.yaml"
TYPES = ("int", "float", "str", "bool", "choice", "list")
LENGTHS = ("short", "episode")

# Attention spans by age for a full-length episode (`length: episode`), in seconds.
# 2-4 years are the windows the issue cites; 5 years continues the pattern.
EPISODE_WINDOWS: dict[int, tuple[int, int]] = {2: (240, 360), 3: (360, 540), 4: (480, 720), 5: (600, 900)}
SHORT_WINDOW: tuple[int, int] = (30, 120)

__all__ = ["EPISODE_WINDOWS", "LENGTHS", "PARAMS_FILE", "Param", "SCENE_FILE", "SHORT_WINDOW", "TEMPLATES_DIR",
           "Template", "TemplateInfo", "find_template", "format_params", "list_templates", "load_template",
           "resolve_params", "template_for_file", "template_path", "template_roots", "template_variables", "tidy_scene_text",
           "validate_params"]


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any
    description: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None

    def range_text(self) -> str:
        """`1-10`, `apple|banana`, `2 to 8 items` … or '' when anything of the type goes."""
        if self.choices is not None:
            return "|".join(_show(c) for c in self.choices)
        if self.min is None and self.max is None:
            return ""
        low = "" if self.min is None else _show(self.min)
        high = "" if self.max is None else _show(self.max)
        if self.type == "list":
            if self.min is not None and self.max is not None:
                return f"{low}-{high} items"
            return f"at least {low} items" if self.max is None else f"at most {high} items"
        if self.min is not None and self.max is not None:
            return f"{low}-{high}"
        return f">= {low}" if self.max is None else f"<= {high}"

    def describe(self) -> str:
        parts = [self.type, f"default {_show(self.default)}"]
        if self.range_text():
            parts.append(self.range_text())
        return f"{self.name} ({', '.join(parts)})" + (f": {self.description}" if self.description else "")


@dataclass(frozen=True)
class Template:
    name: str
    folder: Path
    title: str
    description: str
    params: dict[str, Param] = field(default_factory=dict)

    @property
    def scene_path(self) -> Path:
        return self.folder / SCENE_FILE

    @property
    def params_path(self) -> Path:
        return self.folder / PARAMS_FILE

    def defaults(self) -> dict[str, Any]:
        return {name: _copy(p.default) for name, p in self.params.items()}


TemplateInfo = Template  # what `list_templates` returns: the same description


# ── finding templates ────────────────────────────────────────────────────────


def template_roots() -> list[Path]:
    roots = [TEMPLATES_DIR]
    extra = os.environ.get("STORYREEL_TEMPLATES", "")
    roots += [Path(p) for p in extra.split(os.pathsep) if p.strip()]
    return roots


def _template_folders() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in template_roots():
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if folder.name.startswith(("_", ".")) or not folder.is_dir():
                continue
            if (folder / PARAMS_FILE).is_file() and (folder / SCENE_FILE).is_file():
                found.setdefault(folder.name, folder)  # the package's own come first
    return found


def find_template(name: str) -> Path | None:
    """The folder of template `name`, or None."""
    return _template_folders().get(name)


def template_path(name: str) -> Path:
    """The `template.scene` of template `name` (a `SceneError` with a did-you-mean if unknown)."""
    return load_template(name).scene_path


def list_templates() -> list[TemplateInfo]:
    return [load_template(name) for name in sorted(_template_folders())]


def load_template(name: str) -> Template:
    folders = _template_folders()
    folder = folders.get(name)
    if folder is None:
        names = sorted(folders)
        raise SceneError(f"unknown template '{name}'",
                         hint=did_you_mean(name, names, None) or
                         (f"templates: {', '.join(names)} (render templates lists them)" if names else
                          "no templates are installed"))
    return _load_folder(folder)


def template_for_file(path: str | Path) -> Template | None:
    """The template whose `template.scene` is `path` (so that rendering a template's own
    file directly gets its parameters' defaults and checks), or None."""
    path = Path(path)
    if path.name != SCENE_FILE or not (path.parent / PARAMS_FILE).is_file():
        return None
    return _load_folder(path.resolve().parent)


_CACHE: dict[str, tuple[float, Template]] = {}


def _load_folder(folder: Path) -> Template:
    params_file = folder / PARAMS_FILE
    try:
        stamp = params_file.stat().st_mtime
    except OSError:
        raise SceneError(f"template '{folder.name}' has no {PARAMS_FILE}") from None
    cached = _CACHE.get(str(params_file))
    if cached and cached[0] == stamp:
        return cached[1]
    template = _parse_params(folder, params_file.read_text(encoding="utf-8"))
    _CACHE[str(params_file)] = (stamp, template)
    return template


# ── params.yaml ──────────────────────────────────────────────────────────────


def _node_error(file: str, text: str, node: yaml.Node | None, message: str, hint: str | None = None) -> SceneError:
    lines = text.split("\n")
    if node is None:
        return SceneError(message, hint=hint, location=Location(file, 1, 1, lines[0] if lines else ""))
    mark = node.start_mark
    length = max(1, node.end_mark.column - mark.column) if node.end_mark.line == mark.line else 1
    return SceneError(message, hint=hint, location=Location(
        file, mark.line + 1, mark.column + 1, lines[mark.line] if mark.line < len(lines) else "", length))


def _map_items(node: yaml.Node) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def _parse_params(folder: Path, text: str) -> Template:
    file = _display(folder / PARAMS_FILE)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        lines = text.split("\n")
        line = mark.line + 1 if mark else 1
        raise SceneError(f"invalid YAML: {getattr(exc, 'problem', exc)}", location=Location(
            file, line, (mark.column + 1) if mark else 1, lines[line - 1] if line <= len(lines) else "")) from None
    if not isinstance(data, dict):
        raise _node_error(file, text, root, f"{PARAMS_FILE} must be a mapping with title, description and params")
    nodes = {k.value: v for k, v in _map_items(root)}
    for key_node, _ in _map_items(root):
        if key_node.value not in ("title", "description", "params"):
            raise _node_error(file, text, key_node, f"unknown key '{key_node.value}' in {PARAMS_FILE}",
                              hint=did_you_mean(key_node.value, ("title", "description", "params"),
                                                "keys: title, description, params"))
    params_data = data.get("params") or {}
    if not isinstance(params_data, dict):
        raise _node_error(file, text, nodes.get("params"), "params must be a mapping of parameter names to their "
                          "declarations", hint="count: { type: int, default: 5, min: 1, max: 10, description: … }")
    param_nodes = {k.value: v for k, v in _map_items(nodes.get("params"))}
    params: dict[str, Param] = {}
    for name, spec in params_data.items():
        node = param_nodes.get(name)
        params[str(name)] = _parse_param(str(name), spec, file, text, node)
    return Template(folder.name, folder, str(data.get("title") or folder.name), str(data.get("description") or ""),
                    params)


_PARAM_KEYS = ("type", "default", "min", "max", "choices", "description")


def _parse_param(name: str, spec: Any, file: str, text: str, node: yaml.Node | None) -> Param:
    def fail(message: str, key: str | None = None, hint: str | None = None) -> SceneError:
        sub = node
        if key is not None:
            sub = next((v for k, v in _map_items(node) if k.value == key), node) if node is not None else None
        return _node_error(file, text, sub, f"parameter '{name}': {message}", hint)

    if not str(name).isidentifier():
        raise fail("a parameter name is letters, digits and _ (and does not start with a digit)")
    if not isinstance(spec, dict):
        raise fail("its declaration must be a mapping", hint="{ type: int, default: 5, description: … }")
    for key in spec:
        if key not in _PARAM_KEYS:
            raise fail(f"unknown key '{key}'", key, did_you_mean(str(key), _PARAM_KEYS, f"keys: {', '.join(_PARAM_KEYS)}"))
    kind = spec.get("type")
    if kind not in TYPES:
        raise fail(f"unknown type '{kind}'" if kind is not None else "it needs a type", "type" if kind else None,
                   did_you_mean(str(kind), TYPES, None) or f"types: {', '.join(TYPES)}")
    if "default" not in spec:
        raise fail("it needs a default")
    choices = spec.get("choices")
    if choices is not None and (not isinstance(choices, list) or not choices):
        raise fail("choices must be a non-empty list", "choices")
    if kind == "choice" and choices is None:
        raise fail("a choice needs its choices", hint="choices: [a, b, c]")
    for key in ("min", "max"):
        if spec.get(key) is not None and (isinstance(spec[key], bool) or not isinstance(spec[key], (int, float))):
            raise fail(f"{key} must be a number", key)
    param = Param(name, kind, None, str(spec.get("description") or ""), spec.get("min"), spec.get("max"),
                  tuple(choices) if choices is not None else None)
    try:
        default = _coerce(param, spec["default"])
    except _Bad as bad:
        raise fail(f"its default {_show(spec['default'])} is not valid: {bad.reason}", "default") from None
    return Param(name, kind, default, param.description, param.min, param.max, param.choices)


# ── checking values ──────────────────────────────────────────────────────────


class _Bad(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, str):
        return value if value and re.fullmatch(r"[\w.+-]+", value) else repr(value)
    return str(value)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


def _clean_text(value: str) -> str:
    """A text goes between double quotes in a `.scene` file: no line breaks, and its
    own double quotes become typographic ones."""
    value = re.sub(r"\s*[\r\n]+\s*", " ", value)
    out, opening = [], True
    for ch in value:
        if ch == '"':
            out.append("\u201c" if opening else "\u201d")
            opening = not opening
        else:
            out.append(ch)
    return "".join(out).replace("\\", "/")


def _scalar_text(value: Any, what: str) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise _Bad(f"expected {what}, got {_type_name(value)}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _clean_text(str(value))


def _clean_data(value: Any) -> Any:
    """Texts anywhere inside a mapping or list made safe to quote in a `.scene` file."""
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {k: _clean_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_data(v) for v in value]
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a yes/no value ({_show(value)})"
    if isinstance(value, int):
        return f"a whole number ({value})"
    if isinstance(value, float):
        return f"a number ({_show(value)})"
    if isinstance(value, str):
        return f"a text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _match_choice(param: Param, value: Any) -> Any:
    assert param.choices is not None
    for choice in param.choices:
        if value == choice and type(value) is not bool or value is choice:
            return choice
    text = str(value).strip().lower()
    for choice in param.choices:
        if _show(choice).lower() == text or str(choice).lower() == text:
            return choice
    hint = did_you_mean(str(value), [str(c) for c in param.choices], None)
    raise _Bad(f"{_show(value)} is not one of {'|'.join(_show(c) for c in param.choices)}"
               + (f" ({hint})" if hint else ""))


def _check_range(param: Param, number: float) -> None:
    if param.min is not None and number < param.min or param.max is not None and number > param.max:
        raise _Bad(f"{_show(number)} is out of range ({param.range_text()})")


def _coerce(param: Param, value: Any) -> Any:
    kind = param.type
    if kind == "choice":
        return _match_choice(param, value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _Bad(f"expected a whole number, got {_type_name(value)}")
        if isinstance(value, str):
            if not re.fullmatch(r"\s*[-+]?\d+\s*", value):
                raise _Bad(f"expected a whole number, got {_type_name(value)}")
            value = int(value)
        if isinstance(value, float):
            if not value.is_integer():
                raise _Bad(f"expected a whole number, got {_type_name(value)}")
            value = int(value)
        if param.choices is not None:
            return _match_choice(param, value)
        _check_range(param, value)
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _Bad(f"expected a number, got {_type_name(value)}")
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise _Bad(f"expected a number, got {_type_name(value)}") from None
        value = float(value)
        if not math.isfinite(value):
            raise _Bad("expected a finite number")
        if param.choices is not None:
            return _match_choice(param, value)
        _check_range(param, value)
        return value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("yes", "no", "true", "false", "on", "off"):
            return value.strip().lower() in ("yes", "true", "on")
        raise _Bad(f"expected true or false, got {_type_name(value)}")
    if kind == "str":
        text = _scalar_text(value, "a text")
        if param.choices is not None:
            return _match_choice(param, text)
        return text
    if kind == "list":
        if isinstance(value, str):
            value = [v for v in (p.strip() for p in value.split(",")) if v]
        if isinstance(value, tuple):
            value = list(value)
        if not isinstance(value, list):
            raise _Bad(f"expected a list such as [a, b, c], got {_type_name(value)}")
        items = []
        for item in value:
            if isinstance(item, dict) and param.choices is None:
                items.append(_clean_data(item))  # a structured item (a storybook page): checked by its template
                continue
            text = _scalar_text(item, "a list of texts")
            if param.choices is not None:
                text = _match_choice(param, text)
            items.append(text)
        count = len(items)
        if param.min is not None and count < param.min or param.max is not None and count > param.max:
            raise _Bad(f"{count} items is out of range ({param.range_text()})")
        return items
    raise _Bad(f"unknown type {kind}")


def format_params(template: Template, indent: str = "    ") -> str:
    """One line per parameter: name, type, default, range or choices, description
    (long defaults are shortened; long choice lists go on a line of their own)."""
    if not template.params:
        return f"{indent}(no parameters)"
    rows = []
    for p in template.params.values():
        default = _show(p.default)
        if len(default) > 24:
            default = f"[{len(p.default)} items]" if isinstance(p.default, list) else default[:21] + "..."
        rng = p.range_text()
        rows.append((p.name, p.type, f"default {default}", rng if len(rng) <= 24 else "", p.description,
                     rng if len(rng) > 24 else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for r in rows:
        line = indent + "  ".join(r[i].ljust(widths[i]) for i in range(4))
        lines.append((line + "  " + r[4]).rstrip() if r[4] else line.rstrip())
        if r[5]:
            lines.append(f"{indent}{' ' * (widths[0] + 2)}one of: {r[5].replace('|', ', ')}")
    return "\n".join(lines)


def _listing(template: Template) -> str:
    return f"parameters of '{template.name}':\n" + format_params(template)


def validate_params(template: Template, values: dict[str, Any] | None, where: str = "") -> dict[str, Any]:
    """The template's defaults updated with `values`, each checked and typed. `where`
    names where the values came from (`--set`, a data file) for the message."""
    source = f" (from {where})" if where else ""
    result = template.defaults()
    for name, value in (values or {}).items():
        param = template.params.get(name)
        if param is None:
            close = did_you_mean(str(name), template.params, None)
            raise SceneError(f"unknown parameter '{name}' for template '{template.name}'{source}",
                             hint=(close + "\n  " if close else "") + _listing(template))
        try:
            result[name] = _coerce(param, value)
        except _Bad as bad:
            raise SceneError(f"parameter '{name}' of template '{template.name}'{source}: {bad.reason}",
                             hint=_listing(template)) from None
    return result


def resolve_params(template: Template, data: dict[str, Any] | None = None, data_where: str = "--data",
                   sets: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    """Defaults < `data` (a --data file) < `sets` (--set) < `options` given as
    command-line options (--age, --length; None means not given)."""
    values = validate_params(template, data, data_where)
    values.update({k: v for k, v in validate_params(template, sets, "--set").items() if k in (sets or {})})
    given = {k: v for k, v in options.items() if v is not None}
    for name in given:
        if name not in template.params:
            raise SceneError(f"template '{template.name}' has no '{name}' parameter (--{name})",
                             hint=_listing(template))
    for name, value in given.items():
        values[name] = validate_params(template, {name: value}, f"--{name}")[name]
    return values


def template_variables(template: Template, values: dict[str, Any]) -> dict[str, Any]:
    """What the template's Jinja sees: its parameters and `template_dir`, the absolute
    folder of the template (so an asset written "{{ template_dir }}/assets/x.png"
    still resolves in a scene written with --emit-scene)."""
    return {**values, "template_dir": template.folder.resolve().as_posix(), "template_name": template.name}


# ── --emit-scene ─────────────────────────────────────────────────────────────


def tidy_scene_text(text: str, header: str = "") -> str:
    """The expanded text of a template made pleasant to edit: indented by its braces,
    at most one blank line in a row, a comment header."""
    out: list[str] = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    depth = 0
    blank = True
    continued = False
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            if not blank and depth < 2:  # blank lines inside a group are noise from macros
                out.append("")
            blank = True
            continued = False
            continue
        code = _without_strings(line)
        comment = code.find("# ")
        if comment == 0 or code.startswith("#") and not re.match(r"#[0-9A-Fa-f]{3,8}\b", code):
            code = ""
        opens, closes = code.count("{"), code.count("}")
        lead = depth - (1 if code.startswith("}") else 0)
        if continued:
            lead += 1
        out.append("    " * max(0, lead) + _single_spaced(line))
        depth = max(0, depth + opens - closes)
        continued = line.endswith("\\")
        blank = False
    while out and not out[-1]:
        out.pop()
    # No blank line just inside a block's braces.
    tidy = [line for i, line in enumerate(out)
            if line or not (i + 1 < len(out) and out[i + 1].lstrip().startswith("}")
                            or i > 0 and out[i - 1].rstrip().endswith("{"))]
    body = "\n".join(tidy[len(header.splitlines()) if header else 0:]) + "\n"
    head = "\n".join(tidy[:len(header.splitlines())]) + "\n" if header else ""
    if any(tag in body for tag in ("{{", "{%", "{#")):
        # The file is expanded by Jinja again when it is rendered: keep its text as it is.
        body = "{% raw %}\n" + body + "{% endraw %}\n"
    return head + body


def _single_spaced(line: str) -> str:
    """Runs of spaces between words (not inside strings) as one space."""
    parts = re.split(r'("(?:\\.|[^"\\])*")', line)
    return "".join(p if i % 2 else re.sub(r"(?<=\S)  +", " ", p) for i, p in enumerate(parts))


def _without_strings(line: str) -> str:
    return re.sub(r'"(\\.|[^"\\])*"', '""', line)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
