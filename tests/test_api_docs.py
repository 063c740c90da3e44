"""Every `python` block of docs/API.md runs, in order, in one namespace, in an
empty folder: the API's documentation cannot drift from the API."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from storyreel.engine.raster.painters import PAINTERS
from storyreel.engine.publish.sidecars import PUBLISHERS
from storyreel.engine.raster.raster import TRANSITIONS
from storyreel.engine import speech

API_DOC = Path(__file__).resolve().parent.parent / "docs" / "API.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks() -> list[tuple[int, str]]:
    text = API_DOC.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in BLOCK.finditer(text)]


def test_the_guide_has_examples_of_every_entry_point():
    code = "\n".join(block for _, block in blocks())
    for call in ("storyreel.load(", ".render(", ".still(", "storyreel.check_video(", "storyreel.template(",
                 "storyreel.story(", "storyreel.Video(", "PAINTERS.register", "TRANSITIONS.register",
                 "register_provider", "PUBLISHERS.register", ".to_json()", "storyreel.music(", "storyreel.voices(",
                 "storyreel.character_sheet(", "storyreel.gesture(", "storyreel.batch(", "storyreel.service_app(",
                 "storyreel.init_channel(", "storyreel.Channel("):
        assert call in code, f"docs/API.md has no example of {call}"


def test_every_example_in_the_api_guide_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "api_doc"}
    try:
        for line, block in blocks():
            try:
                exec(compile(block, f"{API_DOC}:{line}", "exec"), namespace)
            except Exception as exc:  # noqa: BLE001 - say which example failed
                pytest.fail(f"docs/API.md example at line {line} failed: {type(exc).__name__}: {exc}")
    finally:
        PAINTERS.unregister("badge")
        TRANSITIONS.unregister("porthole")  # (not a built-in's name: unregister would remove it)
        PUBLISHERS.unregister("chapters-txt")
        speech.unregister_provider("tone")
