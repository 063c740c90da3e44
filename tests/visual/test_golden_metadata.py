"""Golden OUT.json for every platform (tests/visual/golden_metadata.py): a short
video with a spoken line, captions, two chapters and texts, rendered for
each platform the way `render FILE --platform NAME` does (its layout, encoding
and checks), and once with no platform; the sidecar it writes is compared field
by field with tests/control/metadata/<platform>.json.

The cases come from the platforms' own listing, so a platform added to
platforms.yaml fails here until its control data is rendered, read and
committed (`pytest tests/visual -k metadata --update-golden`).
"""
from __future__ import annotations

import json

import pytest

import storyreel
from storyreel.engine.publish.platforms import PLATFORM_NAMES, get_platform, platform_layout
from visual import golden_metadata as gm

# fps 10 and 1.9 s: at each platform's full size (the text boxes and thumbnail
# layout are in its pixels) a case renders in about half a second.
SCENE = """\
video "Counting Apples" {
    fps 10
    kids on
    age 4
    captions on
    tags "counting" "apples"
    description "Count red apples with Luna."
    thumbnail at hello
}

scene hello {
    background solid #DCEDC1
    title = text "One apple" at (50%, 30%) size 80 color #3A2E5C
    apple = circle at (50%, 65%) radius 60 fill #E63946
    apple: pop & narrator says "One apple."
}

transition crossfade 0.3s

scene more {
    background solid #FFE29A
    more = text "Two apples" at safe-bottom size 70 color #3A2E5C
    wait 0.5s
}
"""
NO_PLATFORM = "no-platform"


def render_sidecar(folder, platform: str | None) -> dict:
    """OUT.json as `render FILE -o video.mp4 [--platform NAME]` writes it."""
    target = get_platform(platform) if platform else None
    preset, size = platform_layout(target, None, None)
    (folder / "apples.scene").write_text(SCENE, encoding="utf-8")
    project = storyreel.load(folder / "apples.scene", preset=preset, size=size)
    video = project.render(folder / "video.mp4", platform=platform)
    return json.loads(video.with_suffix(".json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("platform", [*PLATFORM_NAMES, NO_PLATFORM])
def test_metadata(tmp_path, update_golden, platform):
    meta = render_sidecar(tmp_path, None if platform == NO_PLATFORM else platform)
    gm.check_metadata(platform, meta, update_golden)


def test_every_metadata_control_file_belongs_to_a_platform():
    """A platform renamed or removed leaves its control file stale: delete it."""
    found = {p.stem for p in gm.control_path("x").parent.glob("*.json")}
    stale = sorted(found - {*PLATFORM_NAMES, NO_PLATFORM})
    assert not stale, f"golden metadata without a platform (delete it): {', '.join(stale)}"


# -- the comparison itself: it fails, and says where ------------------------------------------------

CONTROL = {"title": "Counting Apples", "tags": ["counting", "apples"], "file_size": 20000,
           "loudness": {"integrated_lufs": -14.0, "true_peak_dbtp": -1.9},
           "speech": {"providers": {"hibari": {"lines": 1, "synthesised": 1, "cache_hits": 0}}}}


def test_metadata_within_the_named_tolerances_is_equal():
    same = json.loads(json.dumps(CONTROL))
    same["file_size"] = 20000 * (1 + gm.ENCODED_BYTES_RELATIVE_TOLERANCE * 0.9)
    same["loudness"]["integrated_lufs"] = -14.0 + gm.LOUDNESS_TOLERANCE_DB * 0.9
    same["speech"]["providers"]["hibari"].update(synthesised=0, cache_hits=1)  # a warm speech cache
    assert gm.differences(CONTROL, same) == []


def test_metadata_differences_name_each_field():
    changed = json.loads(json.dumps(CONTROL))
    changed["title"] = "Counting Pears"
    changed["tags"].append("pears")
    changed["file_size"] = 20000 * (1 + gm.ENCODED_BYTES_RELATIVE_TOLERANCE * 1.1)
    changed["loudness"]["true_peak_dbtp"] = -1.9 + gm.LOUDNESS_TOLERANCE_DB * 1.1
    changed["speech"]["providers"]["hibari"]["lines"] = 2
    del changed["loudness"]["integrated_lufs"]
    assert gm.differences(CONTROL, changed) == [
        f"file_size: expected 20000, got {changed['file_size']!r}",
        "loudness.integrated_lufs: missing (expected -14.0)",
        f"loudness.true_peak_dbtp: expected -1.9, got {changed['loudness']['true_peak_dbtp']!r}",
        "speech.providers.hibari.lines: expected 1, got 2",
        "tags.2: new field ('pears')",
        "title: expected 'Counting Apples', got 'Counting Pears'",
    ]
    assert gm.differences({"made_for_kids": True}, {"made_for_kids": 1}) == [
        "made_for_kids: expected True, got 1"]


def test_metadata_mismatch_fails_with_a_readable_diff(tmp_path, monkeypatch):
    monkeypatch.setattr(gm, "TESTS_DIR", tmp_path / "tests")
    monkeypatch.setattr(gm, "CONTROL_DIR", tmp_path / "tests/control")
    monkeypatch.setattr(gm, "FAILURES_DIR", tmp_path / "tests/visual/_failures")
    with pytest.raises(pytest.fail.Exception, match="no control data for golden metadata case"):
        gm.check_metadata("case", CONTROL)
    gm.check_metadata("case", CONTROL, update=True)  # --update-golden writes it
    gm.check_metadata("case", CONTROL)
    changed = dict(CONTROL, title="Counting Pears")
    with pytest.raises(pytest.fail.Exception) as failure:
        gm.check_metadata("case", changed)
    message = str(failure.value)
    assert "golden metadata case differs from tests/control/metadata/case.json in 1 field(s)" in message
    assert "title: expected 'Counting Apples', got 'Counting Pears'" in message
    assert '-  "title": "Counting Apples",' in message and '+  "title": "Counting Pears",' in message
    written = tmp_path / "tests/visual/_failures/metadata/case.json"
    assert json.loads(written.read_text(encoding="utf-8")) == gm.masked(changed)
    gm.check_metadata("case", changed, update=True)
    assert json.loads(gm.control_path("case").read_text(encoding="utf-8")) == gm.masked(changed)
