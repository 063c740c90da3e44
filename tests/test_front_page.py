"""The README is a front page (issue 19): short, with the picture, every command
in one table and links that lead somewhere; the reference is docs/GUIDE.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from storyreel.cli import main

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(doc: Path) -> set[str]:
    text = re.sub(r"(?ms)^```.*?^```", "", doc.read_text(encoding="utf-8"))
    return {_anchor(h) for h in re.findall(r"(?m)^#{1,6} (.*)$", text)}


def test_the_readme_is_a_front_page():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.encode()) < 9_000, "the reference belongs in docs/GUIDE.md"
    assert "bash scripts/setup.sh test && python3 -m pytest" in text  # .ci/run's command
    assert "bash scripts/setup.sh test && python3 -m pytest" in (ROOT / ".ci" / "run").read_text()
    picture = ROOT / "docs" / "images" / "front.png"
    assert "](docs/images/front.png)" in text and picture.stat().st_size < 400_000
    assert "## Output formats" in text  # issue 18: the formats table on the front page
    table = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    for name in main.commands:
        if name != "video":  # `render FILE.scene`, the first row
            assert f"`render {name}" in table, f"`render {name}` is missing from the README's commands"


@pytest.mark.parametrize("doc", ["README.md", "docs/GUIDE.md"])
def test_every_link_leads_somewhere(doc):
    source = ROOT / doc
    for target in LINK.findall(source.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (source.parent / path).resolve() if path else source
        assert file.exists(), f"{doc}: link to {target}: no such file"
        if anchor and file.suffix == ".md":
            assert anchor in _anchors(file), f"{doc}: link to {target}: no such heading"
