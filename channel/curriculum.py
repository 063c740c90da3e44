"""The curriculum (curriculum.yaml beside this file, or a channel's own
DIR/curriculum.yaml) and the seasonal calendar.

Each objective names a template and the public parameters that teach it; they
are checked against the template's params.yaml (read at run time through
dsl/templates.py), so a template that changes its parameters is caught here,
at the objective's line, not in a render an hour later.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..dsl.errors import Location, SceneError

CURRICULUM_FILE = Path(__file__).with_name("curriculum.yaml")
REVIEW_DAYS = (1, 3, 7, 21)  # spaced repetition: an objective comes back after these many days


@dataclass(frozen=True)
class Objective:
    id: str
    topic: str
    title: str
    ages: tuple[int, ...]
    template: str
    params: dict[str, Any] = field(hash=False)
    season: str | None = None
    kindness: bool = False
    order: int = 0


def load_curriculum(path: str | Path | None = None) -> list[Objective]:
    """Every objective, in curriculum order; a SceneError at the line of a mistake."""
    from ..dsl.templates import load_template
    from .config import TOPICS

    path = Path(path or CURRICULUM_FILE)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()

    def error(node, message: str, hint: str | None = None) -> SceneError:
        line = node.start_mark.line
        return SceneError(message, hint=hint, location=Location(str(path), line + 1, node.start_mark.column + 1,
                                                                lines[line] if line < len(lines) else ""))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text)
    objectives: list[Objective] = []
    seen: set[str] = set()
    for (topic_node, topic_value), (topic, body) in zip(root.value, data.items()):
        if topic not in TOPICS:
            raise error(topic_node, f"unknown topic {topic!r}", f"topics: {', '.join(TOPICS)}")
        fields = {str(k.value): v for k, v in topic_value.value}
        for node, item in zip(fields["objectives"].value, body["objectives"]):
            template_name = item.get("template", body.get("template"))
            try:
                template = load_template(template_name)
            except SceneError as err:
                raise error(node, f"objective {item.get('id')!r}: {err.message}", err.hint) from None
            for name in item.get("params", {}):
                if name not in template.params:
                    raise error(node, f"objective {item['id']!r}: template {template_name} has no parameter {name!r}",
                                f"its parameters: {', '.join(template.params)}")
            if item["id"] in seen:
                raise error(node, f"objective {item['id']!r} is listed twice")
            seen.add(item["id"])
            objectives.append(Objective(item["id"], topic, item["title"], tuple(item["ages"]), template_name,
                                        dict(item.get("params") or {}), item.get("season"), bool(item.get("kindness")),
                                        len(objectives)))
    return objectives


# ── the calendar ─────────────────────────────────────────────────────────────

# Days marked around the world, tied to no religion or country (UN and UNESCO days).
WORLD_DAYS = (
    ((1, 1), "New Year's Day", "seasons"),
    ((3, 20), "International Day of Happiness", "feelings"),
    ((4, 22), "Earth Day", "animals"),
    ((6, 1), "Global Day of Parents", "feelings"),
    ((10, 4), "World Animal Day", "animals"),
    ((11, 13), "World Kindness Day", "feelings"),
    ((11, 20), "World Children's Day", "feelings"),
)

_NORTH = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring", 6: "summer", 7: "summer",
          8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}
_FLIP = {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}


def season(day: dt.date, hemisphere: str = "north") -> str:
    name = _NORTH[day.month]
    return _FLIP[name] if hemisphere == "south" else name


def holiday(day: dt.date, channel) -> tuple[str, str | None] | None:
    """(name, topic) of a holiday on `day` (the channel's own first, then world days), or None."""
    for h in channel.holidays:
        if h["date"] == (day.month, day.day):
            return h["name"], h["topic"]
    if channel.world_days:
        for date, name, topic in WORLD_DAYS:
            if date == (day.month, day.day):
                return name, topic
    return None
