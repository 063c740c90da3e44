"""An episode as one .scene file: the template expanded for the layout it is rendered at,
with the channel's brand intro before its first scene and its outro after its last.

The channel renders this file (DIR/episodes/SLOT-OBJECTIVE/episode.scene), so what was
made can be read and rendered again by hand (`render episode.scene`), and its words are
checked for the episode's age where they are (channel/vocabulary.py).

channel.yaml's `brand`: `intro`/`outro` are `builtin` (the channel's name on its colours:
a title card with a chime, and a goodbye card), "" for none, or a file in the channel folder
holding `scene NAME { … }` blocks, where `{{ name }}` and `{{ colours[0] }}` are the channel's.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .config import Channel

BUILTIN = "builtin"
_FIRST_SCENE = re.compile(r"^scene\s", re.MULTILINE)


def _lighter(colour: str, amount: float = 0.35) -> str:
    """`colour` mixed with white: the far end of the cards' gradient."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in (r, g, b))


def _quote(text: str) -> str:
    """A string literal of the scene language (as the templates' `q` macro writes one)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ink(channel: Channel) -> str:
    """The letters' colour: the brand's second colour where it reads on the cards (WCAG 4.5:1
    against both ends of their gradient), else whichever of it, near-black and white reads best
    (check-video refuses text under 3:1, and a child cannot read it)."""
    from ..engine.raster.color import contrast

    card = channel.colours[0]
    candidates = [*channel.colours[1:2], "#2B2D42", "#FFFFFF"]

    def worst(ink: str) -> float:
        return min(contrast(ink, card), contrast(ink, _lighter(card)))

    return next((c for c in candidates if worst(c) >= 4.5), max(candidates, key=worst))


def _card(scene: str, channel: Channel, lines: list[str], seconds: float) -> str:
    light, ink = channel.colours[0], _ink(channel)
    return "\n".join([
        f"scene {scene} {{",
        f"    background gradient {light} {_lighter(light)} vertical",
        f"    sparkles = particles stars count 40 seed 7 colors #FFFFFF {_lighter(ink, 0.3)}",
        *lines,
        f"    wait {seconds}s",
        "}",
    ])


def builtin_intro(channel: Channel) -> str:
    name, ink = _quote(channel.name), _ink(channel)
    return _card("brand_intro", channel, [
        f"    brand_name = text {name} at (50%, 46%) size 136 wrap 72% font rounded weight bold color {ink} scale 0",
        "    brand_name: pop 0.6s & sound chime volume 0.6",
    ], 1.4)


def builtin_outro(channel: Channel) -> str:
    name, ink = _quote(channel.name), _ink(channel)
    return _card("brand_outro", channel, [
        f"    brand_bye = text \"See you next time!\" at (50%, 36%) size 110 wrap 80% font rounded weight bold "
        f"color {ink} scale 0",
        f"    brand_name = text {name} at (50%, 66%) size 80 wrap 80% font rounded weight bold color {ink} opacity 0",
        "    brand_bye: pop 0.6s & sound chime volume 0.5",
        "    brand_name: fade in 0.5s",
    ], 2.0)


def _user_scenes(channel: Channel, file: str) -> str:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    from ..dsl import SceneError
    from ..dsl.errors import Location

    path = channel.folder / file
    text = path.read_text(encoding="utf-8")
    try:
        return SandboxedEnvironment(autoescape=False, undefined=jinja2.StrictUndefined).from_string(text).render(
            name=channel.name, colours=channel.colours).strip()
    except jinja2.TemplateSyntaxError as err:
        lines = text.splitlines()
        line = min(max(1, err.lineno), len(lines)) if lines else 1
        raise SceneError(f"template error: {err.message}", hint="{{ name }} and {{ colours[0] }} are the channel's",
                         location=Location(str(path), line, 1, lines[line - 1] if lines else "")) from None
    except jinja2.TemplateError as err:
        raise SceneError(f"{path}: template error: {err}", hint="{{ name }} and {{ colours[0] }} are the channel's") from None


_CHECK_HEADER = 'video "brand" {\n    size 320x180\n}\n'


def check_brand(channel: Channel) -> None:
    """Compile the brand's intro and outro on their own: a mistake in the channel's own scene
    files is a SceneError at its line there (not a failed render of every episode)."""
    from dataclasses import replace

    from ..dsl import SceneError, load_scene

    for file in (channel.intro, channel.outro):
        if not file or file == BUILTIN:
            continue
        text = _user_scenes(channel, file)
        path = channel.folder / file
        try:
            load_scene(path, {}, source=_CHECK_HEADER + text + "\n")
        except SceneError as err:
            loc, shift = err.location, _CHECK_HEADER.count("\n")
            if loc is not None and loc.line > shift:
                lines = text.splitlines()
                line = loc.line - shift
                err.location = replace(loc, file=str(path), line=line,
                                       source_line=lines[line - 1] if line <= len(lines) else loc.source_line)
            raise


def brand_scenes(channel: Channel) -> tuple[str, str]:
    """The intro's and the outro's scene text ("" for none)."""
    def one(value: str, builtin) -> str:
        if value == BUILTIN:
            return builtin(channel)
        return _user_scenes(channel, value) if value else ""

    return one(channel.intro, builtin_intro), one(channel.outro, builtin_outro)


def with_brand(text: str, intro: str, outro: str) -> str:
    """The expanded episode `text` with `intro` before its first scene and `outro` after the last."""
    first = _FIRST_SCENE.search(text)
    if intro and first:
        text = f"{text[:first.start()]}{intro}\n\ntransition crossfade 0.4s\n\n{text[first.start():]}"
    if outro:
        text = f"{text.rstrip()}\n\ntransition crossfade 0.5s\n\n{outro}\n"
    return text


def write_episode_scene(channel: Channel, template: str, params: dict[str, Any], path: Path,
                        preset: str | None, size: tuple[int, int] | None, fps: float | None) -> str:
    """Expand `template` with `params` for the layout (not compiled: the job compiles it), add
    the brand, write it to `path`; returns the text. Raises SceneError for parameters the
    template refuses."""
    from ..dsl import CompileOptions, expand_scene
    from ..dsl.templates import load_template, tidy_scene_text

    chosen = load_template(template)
    expanded = expand_scene(chosen.scene_path, params, CompileOptions(preset=preset, size=size, fps=fps))
    intro, outro = brand_scenes(channel)
    header = f"The channel's episode: template {template}, then the brand's intro and outro (channel.yaml)."
    text = with_brand(tidy_scene_text(expanded.text, header), intro, outro)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text
