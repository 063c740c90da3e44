"""Settings (engine/raster/backdrops): every named setting at a time of day and a weather,
checked on decoded video frames — ground below its ground line, sky or wall above,
night darker than day, life that moves — and the `background` line's errors."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import decode, scene_text
from storyreel.dsl import CompileOptions, SceneError, load_scene
from storyreel.engine import render_video
from storyreel.engine.raster.backdrops import GROUND, SETTINGS, TIMES, WEATHERS

W, H, FPS, SCENE = 192, 108, 10, 0.3
NAMED = [n for n in SETTINGS if n not in ("sky", "night", "ocean")]  # the 21 settings
LOOKS = ("day clear", "night rain", "sunset snow", "dawn wind")
INDOOR = {n for n, s in SETTINGS.items() if s.indoor}

# What the ground under the ground line looks like in daylight (RGB medians).
GROUND_LOOKS = {
    "green": lambda p: p[1] > p[0] + 15 and p[1] > p[2],
    "sand": lambda p: p[0] > 180 and p[0] >= p[1] >= p[2] and p[0] - p[2] > 30,
    "snow": lambda p: min(p) > 200,
    "road": lambda p: max(p) - min(p) < 40 and 60 < p.mean() < 200,
    "brown": lambda p: p[0] > p[1] > p[2] and p[0] - p[2] > 40,
    "stone": lambda p: max(p) - min(p) < 60 and p.mean() < 200,
}
GROUND_OF = {"meadow": "green", "forest": "green", "river": "green", "lake": "green", "beach": "sand",
             "sea": "sand", "underwater": "sand", "snow": "snow", "mountain": "green", "farm": "green",
             "street": "road", "park": "green", "garden": "green", "bedroom": "brown", "kitchen": "brown",
             "classroom": "brown", "castle": "stone", "space": "stone", "desert": "sand", "jungle": "green",
             "cave": "brown"}


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    """One small video: every setting in every look, SCENE seconds each; the frames by (setting, look)."""
    body = "".join(f"scene s{i} ({SCENE}s) {{\n    background {name} {look}\n}}\n"
                   for i, (name, look) in enumerate((n, look) for look in LOOKS for n in NAMED))
    folder = tmp_path_factory.mktemp("settings")
    path = folder / "settings.scene"
    path.write_text(scene_text(body), encoding="utf-8")
    timeline = load_scene(path, None, CompileOptions(size=(W, H), fps=FPS)).timeline
    render_video(timeline, folder / "out.mp4", quality="draft")
    video = decode(folder / "out.mp4")
    per = round(SCENE * FPS)
    out = {}
    for i, key in enumerate((n, look) for look in LOOKS for n in NAMED):
        out[key] = [f[..., :3].astype(int) for f in video.frames[i * per:(i + 1) * per]]
    return out


def band(frame: np.ndarray, top: float, bottom: float) -> np.ndarray:
    """The median colour of the rows between two fractions of the height."""
    rows = frame[int(H * top):max(int(H * bottom), int(H * top) + 1)]
    return np.median(rows.reshape(-1, 3), axis=0)


def test_there_are_21_settings_and_the_old_names_still_work():
    assert len(NAMED) == 21
    assert {"sky", "night", "ocean"} <= set(SETTINGS)
    assert all(0.5 < GROUND[n] < 1.0 for n in SETTINGS)


@pytest.mark.parametrize("name", NAMED)
def test_ground_below_the_line_and_sky_or_wall_above(frames, name):
    day = frames[(name, "day clear")][0]
    g = GROUND[name]
    ground = band(day, g + 0.01, min(g + 0.06, 0.995))
    assert GROUND_LOOKS[GROUND_OF[name]](ground), f"{name}: ground {ground} is not {GROUND_OF[name]}"
    above = band(day, 0.0, 0.08)
    assert np.abs(above - ground).max() > 40, f"{name}: the top {above} looks like the ground {ground}"
    if name not in INDOOR and name not in ("underwater", "space", "jungle"):  # the jungle's canopy hides it
        assert above[2] > above[0] + 30, f"{name}: the sky {above} is not blue"


@pytest.mark.parametrize("name", NAMED)
def test_every_look_renders_and_night_is_darker(frames, name):
    day = frames[(name, "day clear")][0]
    for look in LOOKS:
        frame = frames[(name, look)][0]
        assert len(np.unique(frame.reshape(-1, 3), axis=0)) > 30, f"{name} {look} is nearly flat"
    night = frames[(name, "night rain")][0]
    if name == "space":  # space is the same at every hour
        return
    assert night.mean() < day.mean() - 12, f"{name}: night {night.mean():.0f} vs day {day.mean():.0f}"


@pytest.mark.parametrize("name", ["meadow", "street", "bedroom"])
def test_snow_settles_and_sunset_is_warm(frames, name):
    day, sunset = frames[(name, "day clear")][0], frames[(name, "sunset snow")][0]
    if name not in INDOOR:
        g = GROUND[name]
        assert band(sunset, g + 0.01, g + 0.06).mean() > band(day, g + 0.01, g + 0.06).mean()  # whiter ground
    assert sunset[..., 0].mean() - sunset[..., 2].mean() > day[..., 0].mean() - day[..., 2].mean()


@pytest.mark.parametrize("name", ["meadow", "river", "underwater", "kitchen"])
def test_life_moves(frames, name):
    """Rain falls, clouds drift, water and seaweed move: two frames of one scene differ."""
    a, b = frames[(name, "night rain")][0], frames[(name, "night rain")][-1]
    assert np.abs(a - b).max() > 40


def test_still_does_not_move_and_the_same_seed_draws_the_same_picture(frame_at):
    text = scene_text("scene s {\n    background river rain still seed 4\n    wait 1s\n}\n")
    assert np.array_equal(frame_at(text, 0.1), frame_at(text, 0.8))
    living = scene_text("scene s {\n    background river rain seed 4\n    wait 1s\n}\n")
    assert np.array_equal(frame_at(living, 0.5), frame_at(living, 0.5))
    assert not np.array_equal(frame_at(living, 0.1), frame_at(living, 0.8))


def test_the_ground_line_reaches_templates(compile_scene):
    """`{{ ground.NAME }}` is the setting's ground line in percent."""
    timeline = compile_scene(scene_text(
        "scene s {\n    background forest\n    b = circle at (50%, {{ ground.forest }}%) radius 10 fill red\n    wait 1s\n}\n"))
    ball = next(n for n in timeline.sample(0.1).items if n.kind == "circle")
    assert ball.values["y"] == pytest.approx(GROUND["forest"] * timeline.height)


@pytest.mark.parametrize("line, message, hint", [
    ("background forest sunst", "unexpected 'sunst' after 'background forest'", "did you mean 'sunset'?"),
    ("background beach rian", "unexpected 'rian' after 'background beach'", "did you mean 'rain'?"),
    ("background castel", "unknown background 'castel'", "did you mean 'castle'?"),
    ("background farm night dawn", "a second time of day in one background line", "keep one: 'night' or 'dawn'"),
    ("background farm still still", "a second 'still' in one background line", "remove the second 'still'"),
])
def test_unknown_words_are_located_errors(write_scene, line, message, hint):
    path = write_scene(scene_text(f"scene s {{\n    {line}\n    wait 1s\n}}\n"))
    with pytest.raises(SceneError) as info:
        load_scene(path, None, CompileOptions(size=(W, H)))
    err = info.value
    assert err.message == message and err.hint == hint
    bad = line.split()[-1]
    assert err.span.line == 6 and err.span.column == 5 + line.rindex(bad)


def test_every_time_and_weather_word_is_accepted(compile_scene):
    for time in TIMES:
        for weather in WEATHERS:
            compile_scene(scene_text(f"scene s {{\n    background lake {weather} {time} seed 2\n    wait 1s\n}}\n"))


def test_the_language_guide_states_every_ground_line():
    """docs/LANGUAGE.md's ground-line table says what GROUND says, for every setting."""
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parent.parent / "docs" / "LANGUAGE.md").read_text(encoding="utf-8")
    table = guide[guide.index("| setting | ground |"):]
    table = table[:table.index("\n\n")]
    stated = {}
    for names, percent in re.findall(r"\|\s*([a-z, ]+?)\s*\|\s*(\d+)%", table):
        for name in names.split(","):
            stated[name.strip()] = int(percent) / 100
    assert stated == {name: pytest.approx(g) for name, g in GROUND.items()}


def test_spots_put_things_where_the_picture_has_them(compile_scene):
    """`{{ spot("classroom", "board") }}` is the chalkboard's middle and
    `spot("bedroom", "bed")` the top of the bed, at 16:9 and at 9:16."""
    from storyreel.engine import render_frame

    cases = (("classroom", "board", (0x2F, 0x5D, 0x50), 0), ("bedroom", "bed", (0x4D, 0x96, 0xFF), 4))
    for size in ((320, 180), (180, 320)):
        for setting, place, colour, below in cases:
            timeline = compile_scene(scene_text(
                f"scene s {{\n    background {setting} still\n"
                f"    dot = circle at {{{{ spot('{setting}', '{place}') }}}} radius 1 opacity 0\n    wait 1s\n}}\n"), size=size)
            dot = next(n for n in timeline.sample(0.5).items if n.kind == "circle")
            x, y = round(dot.values["x"]), round(dot.values["y"]) + below  # just under the bed's top: the quilt
            pixel = render_frame(timeline, 0.5)[y, x, :3].astype(int)
            assert abs(pixel - colour).max() < 24, f"{setting} {place} at {size}: {pixel}"


def test_an_unknown_spot_is_a_located_error(write_scene):
    path = write_scene(scene_text("scene s {\n    background bedroom\n"
                                  "    b = circle at {{ spot('bedroom', 'bedd') }} radius 9\n    wait 1s\n}\n"))
    with pytest.raises(SceneError) as info:
        load_scene(path, None, CompileOptions(size=(W, H)))
    assert "bedroom has no 'bedd'; its places: window, bed" in info.value.message
    assert info.value.location.line == 7
