"""Reading a story (dsl/story_reader.py): who is on each page, who says each
quoted line, where and when it happens, what the characters do and feel.

The stories in tests/stories/ were written for these tests; their expected
facts are read back through `render story FILE --facts`."""
from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyreel.cli import main
from storyreel.dsl import story_words
from storyreel.dsl.story import parse_story, plan_pages, read_story
from storyreel.dsl.story_reader import (ACTIONS, CHARACTER_IDS, FEELINGS, SETTINGS, TIMES, WEATHERS, read_story_facts,
                                        story_warnings)
from storyreel.dsl.story_words import prop_kinds

STORIES = Path(__file__).parent / "stories"

# story -> (each page's cast, each page's "setting time weather", the speaker of each quoted line in order)
EXPECTED = {
    "ant_and_grasshopper": (
        ["grasshopper", "ant", "grasshopper ant", "ant grasshopper", "grasshopper", "grasshopper ant"],
        ["meadow day clear"] * 4 + ["meadow day snow"] * 2,
        ["grasshopper", "grasshopper", "ant", "ant"]),
    "beach_day": (
        ["girl grandma"] * 4 + ["grandma girl", "girl grandma"],
        ["beach day clear"] * 3 + ["sea day clear", "beach day clear", "beach sunset clear"],
        ["girl", "grandma", "girl"]),
    "farm_morning": (
        ["hen", "farmer hen", "farmer hen", "cow pig farmer", "cow pig farmer"],
        ["farm dawn clear"] * 4 + ["farm day clear"],
        ["farmer"]),
    "fox_and_crow": (
        ["crow", "fox crow", "fox crow", "crow", "fox crow", "crow fox", "fox crow"],
        ["forest day clear"] * 7,
        ["fox", "fox", "fox", "crow"]),
    "grandpa_garden": (
        ["boy grandpa", "grandpa boy", "bird boy", "grandpa boy", "boy grandpa"],
        ["garden dawn clear"] * 5,
        ["grandpa", "boy"]),
    "kings_castle": (
        ["king queen", "king queen", "queen king", "king queen", "queen horse", "king queen"],
        ["castle day clear"] * 6,
        ["king", "queen", "king", "king"]),
    "lion_and_mouse": (
        ["lion mouse", "lion mouse", "mouse lion", "lion mouse", "lion", "mouse lion", "lion mouse"],
        ["jungle day clear"] * 7,
        ["lion", "mouse", "mouse", "lion"]),
    "owl_night": (
        ["owl", "owl", "owl", "mouse owl", "owl mouse"],
        ["forest day clear", "forest sunset clear"] + ["forest night clear"] * 3,
        ["mouse", "owl", "owl"]),
    "penguin_sea": (
        ["penguin", "penguin fish", "penguin", "penguin", "penguin teacher"],
        ["sea day snow"] * 2 + ["underwater day clear"] * 3,
        ["fish", "penguin"]),
    "rainy_town": (
        ["girl dog", "girl", "dog girl", "girl dog", "girl"],
        ["street day cloudy"] + ["street day rain"] * 3 + ["street day clear"],
        ["girl"]),
    "snowy_night": (
        ["boy", "boy cat", "boy cat", "boy cat"],
        ["street sunset snow", "snow sunset snow", "snow night snow", "bedroom night snow"],
        ["boy"]),
    "space_trip": (
        ["girl dog", "", "dog girl", "dog girl", "girl dog"],
        ["space night clear"] * 4 + ["space dawn clear"],
        ["girl"]),
    "tortoise_and_hare": (
        ["hare tortoise", "tortoise hare fox", "hare", "hare", "tortoise hare", "hare tortoise"],
        ["meadow day clear"] * 5 + ["meadow sunset clear"],
        ["hare", "tortoise"]),
    "windy_park": (
        ["boy girl", "girl boy", "boy", "squirrel", "boy squirrel girl"],
        ["park day wind"] * 5,
        ["girl", "boy"]),
}


@pytest.fixture(scope="module")
def story_facts() -> dict[str, tuple[dict, str]]:
    """Each test story's `render story --facts` JSON and its stderr."""
    runner = CliRunner()
    out = {}
    for name in EXPECTED:
        result = runner.invoke(main, ["story", str(STORIES / f"{name}.txt"), "--facts"])
        assert result.exit_code == 0, result.output
        out[name] = (json.loads(result.stdout), result.stderr)
    return out


def facts_of(text: str, path: str = "story.txt"):
    story = parse_story(textwrap.dedent(text), path)
    return read_story_facts(story, plan_pages(story))


def test_the_test_stories_are_all_checked():
    assert sorted(p.stem for p in STORIES.glob("*.txt")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 12


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_story_facts(story_facts, name):
    cast, scenes, speakers = EXPECTED[name]
    facts, _ = story_facts[name]
    pages = facts["pages"]
    assert [" ".join(c["id"] for c in p["characters"]) for p in pages] == cast
    assert [f'{p["setting"]} {p["time_of_day"]} {p["weather"]}' for p in pages] == scenes
    assert [s["speaker"] for p in pages for s in p["speeches"]] == speakers
    for page in pages:  # every value is one the director can stage
        assert {c["id"] for c in page["characters"]} <= set(CHARACTER_IDS)
        assert all(set(c["actions"]) <= set(ACTIONS) and c["feeling"] in FEELINGS for c in page["characters"])
        assert page["setting"] in SETTINGS and page["time_of_day"] in TIMES and page["weather"] in WEATHERS
        assert set(page["props"]) <= prop_kinds()


def test_names_pronouns_and_appositions(story_facts):
    beach = story_facts["beach_day"][0]["pages"]
    assert beach[0]["characters"][0] == {"id": "girl", "name": "Mia", "actions": [], "feeling": "happy"}
    space = story_facts["space_trip"][0]["pages"][0]["characters"]
    assert [(c["id"], c["name"]) for c in space] == [("girl", "Nova"), ("dog", "Comet")]  # "Her dog Comet"
    penguin = story_facts["penguin_sea"][0]["pages"][0]["characters"]
    assert [(c["id"], c["name"]) for c in penguin] == [("penguin", "Pip")]  # "a little penguin named Pip"
    farm = story_facts["farm_morning"][0]["pages"][1]["characters"]
    assert farm[0]["name"] == "Farmer Joe"
    hare = story_facts["tortoise_and_hare"][0]["pages"][0]["characters"]
    assert [c["name"] for c in hare] == ["Hare", "Tortoise"]


def test_mocking_is_not_joy_and_a_nap_in_the_sun_is_daytime(story_facts):
    pages = story_facts["tortoise_and_hare"][0]["pages"]
    hare, tortoise = pages[0]["characters"]
    assert hare["feeling"] == "mocking" and "laugh" in hare["actions"]
    assert tortoise["feeling"] == "sad"  # the one laughed at
    assert pages[0]["speeches"][0]["feeling"] == "mocking"  # "…," he teased
    nap = pages[3]
    assert nap["time_of_day"] == "day" and "sleep" in nap["characters"][0]["actions"]
    assert nap["characters"][0]["feeling"] == "sleepy"
    assert pages[4]["characters"][1]["actions"] == ["sleep"]  # "He passed the sleeping hare"
    assert pages[4]["characters"][0]["actions"] == ["walk"]
    assert pages[2]["characters"][0]["actions"] == ["run"]


def test_speech_addressees_feelings_and_places(story_facts):
    crow = story_facts["fox_and_crow"][0]["pages"]
    first = crow[2]["speeches"][0]
    assert (first["speaker"], first["addressee"], first["text"]) == ("fox", "crow", "Good morning, Crow!")
    assert (first["line"], first["col"]) == (7, 1)
    asked = crow[4]["speeches"][0]
    assert (asked["speaker"], asked["addressee"], asked["feeling"]) == ("fox", "crow", "curious")
    assert crow[3]["characters"][0]["feeling"] == "proud"
    castle = story_facts["kings_castle"][0]["pages"]
    said = castle[3]["speeches"][0]
    assert (said["speaker"], said["feeling"]) == ("king", "sad")  # "I did," he said sadly.
    leo = story_facts["grandpa_garden"][0]["pages"][4]
    assert leo["speeches"][0]["feeling"] == "excited"  # '"Look how big it is!" cried Leo': not weeping
    assert "cry" not in leo["characters"][0]["actions"]
    assert leo["characters"][1]["actions"] == ["laugh", "hug"]
    owl = story_facts["owl_night"][0]["pages"][4]["speeches"]
    assert [(s["speaker"], s["feeling"]) for s in owl] == [("owl", None), ("owl", "calm")]  # "Do not be scared."


def test_props_key_prop_first(story_facts):
    park = story_facts["windy_park"][0]["pages"]
    assert park[0]["props"][0] == "kite"
    assert park[3]["props"][:2] == ["tree", "kite"]
    assert story_facts["beach_day"][0]["pages"][4]["props"][0] == "ball"
    assert story_facts["space_trip"][0]["pages"][0]["props"][0] == "rocket"


def test_things_without_a_picture_are_warned_about_where_they_are(story_facts):
    facts, stderr = story_facts["kings_castle"]
    path = str(STORIES / "kings_castle.txt")
    assert f"{path}:11:39: warning: no picture for 'unicorn'; drawn as horse" in stderr
    assert f"{path}:11:39: warning: no picture for 'unicorn'; drawn as horse" in facts["warnings"]
    assert any(w.endswith("no picture for 'throne'; left out of the picture") for w in facts["pages"][2]["warnings"])
    lines = (STORIES / "kings_castle.txt").read_text().splitlines()
    assert lines[10][38:].startswith("unicorn")
    assert "horse" in [c["id"] for c in facts["pages"][4]["characters"]]


def test_prop_kinds_are_read_when_the_story_is(tmp_path, monkeypatch):
    library = tmp_path / "objects.scene"
    library.write_text('{% set MACROS = {\n  "cheese": cheese, "tree": tree,\n} %}\n{% set KINDS = MACROS | list %}\n')
    monkeypatch.setattr(story_words, "OBJECTS_LIBRARY", library)
    story = read_story(STORIES / "fox_and_crow.txt")
    facts = read_story_facts(story, plan_pages(story))
    assert facts[0].props[0] == "cheese"
    assert not [w for w in story_warnings(facts) if w.word == "cheese"]


def test_negation_pronouns_across_pages_and_that_night():
    facts = facts_of("""\
        A Night Walk

        Mia was not scared of the dark garden. She did not run. The afternoon sun was warm on her face.

        The next page tells more. She walked slowly to the pond and found a frog.

        That night, the frog sang to her. "Ribbit!" said the frog.
        """)
    mia = facts[0].characters[0]
    assert (mia.id, mia.name) == ("girl", "Mia") and mia.feeling == "calm" and "run" not in mia.actions
    assert facts[0].time_of_day == "day" and facts[0].setting == "garden"
    assert [c.id for c in facts[1].characters] == ["girl", "frog"]  # "She" on a page that never names her
    assert facts[1].characters[0].actions == ("walk", "find") and facts[1].setting == "lake"
    assert facts[2].time_of_day == "night" and facts[2].setting == "lake"
    assert facts[2].speeches[0].speaker == "frog" and facts[2].speeches[0].addressee == "girl"


def test_dialogue_without_tags_alternates_and_unknown_lines_go_to_the_narrator():
    facts = facts_of("""\
        Two Friends

        "Hello," said the bear to the duck.

        "Hello, Bear," the duck replied. "Shall we play?"

        "Yes, please!"

        "Hooray!"

        Somebody far away sang. "La la la," went a song on the wind over the hills.
        """)
    speeches = [(s.speaker, s.addressee) for p in facts for s in p.speeches]
    assert speeches == [("bear", "duck"), ("duck", "bear"), ("duck", "bear"), ("bear", "duck"), ("duck", "bear"),
                        (None, None)]


def test_people_without_a_known_name_take_luna_and_sunny():
    facts = facts_of("""\
        Zib and Quon

        Zib met Quon by the river. Zib waved and Quon waved back.

        Then Zib and Quon sat on the bank and ate their lunch together.

        At sunset they walked home, happy and tired after the long day.
        """)
    assert [(c.id, c.name) for c in facts[0].characters] == [("luna", "Zib"), ("sunny", "Quon")]
    assert facts[0].setting == "river" and facts[2].time_of_day == "sunset"


def test_lemmas_are_lemminflects():
    from lemminflect import getAllLemmas

    for word in ("ran", "mice", "leaves", "happily", "sang", "teased", "crowed", "her", "everyone", "zib", "could"):
        assert story_words.lemmas_of(word) == getAllLemmas(word), word


def test_reading_is_fast_and_deterministic():
    story = read_story(STORIES / "lion_and_mouse.txt")
    pages = plan_pages(story)
    story_words._lemma_tables.cache_clear()
    story_words.word_forms.cache_clear()
    began = time.perf_counter()
    read_story_facts(story, pages)  # the first story in a process reads lemminflect's table (~50 ms)
    cold = time.perf_counter() - began
    assert cold < 0.5, f"the first reading took {cold:.3f}s"
    began = time.perf_counter()
    first = read_story_facts(story, pages)
    took = time.perf_counter() - began
    assert took < 0.2, f"reading took {took:.3f}s"
    assert read_story_facts(story, pages) == first


def test_a_missing_story_is_a_located_error_not_a_traceback(tmp_path):
    result = CliRunner().invoke(main, ["story", str(tmp_path / "nope.txt"), "--facts"])
    assert result.exit_code == 1
    assert "file not found" in result.output and "Traceback" not in result.output


def test_a_tag_after_an_exclaimed_line_and_an_absent_wolf():
    facts = facts_of("""\
        The Boy Who Cried Wolf

        Every morning, Tom took the sheep up the mountain. He was bored and lonely.

        "Wolf! Wolf!" shouted Tom. The villagers came running, but there was no wolf. Tom laughed at them.

        Then one evening, a real wolf came out of the woods. "Wolf! Wolf!" Tom cried, but nobody came.
        """)
    assert [c.id for c in facts[1].characters] == ["boy", "sheep"]  # "no wolf" is not on the page
    tom = facts[1].characters[0]
    assert tom.feeling == "mocking" and tom.actions == ("talk", "laugh")
    # The sentence ends at '!"' before a capital: "Tom cried" is the next sentence, and still the tag.
    line = facts[2].speeches[0]
    assert (line.speaker, line.feeling) == ("boy", "excited")
    assert [(c.id, c.name) for c in facts[2].characters] == [("wolf", "the wolf"), ("boy", "Tom"), ("sheep", "the sheep")]
    assert facts[2].character("boy").actions == ("talk",)  # "Tom cried" there is calling out, not weeping
    assert (facts[0].setting, facts[2].setting, facts[2].time_of_day) == ("mountain", "forest", "sunset")


def test_long_names_stand_ins_that_keep_out_of_the_way_and_they_for_a_flock():
    school = facts_of("""\
        Little Red Riding Hood Goes to School

        Little Red Riding Hood went to school with her mum. The teacher smiled and waved.

        "Welcome, Red Riding Hood," said the teacher. She sat down next to a girl called Lily.

        At home time, Red Riding Hood ran to her mum and hugged her. "I love school!" she said.
        """)
    cast = [(c.id, c.name) for c in school[0].characters]
    # The story's own teacher is the teacher, so her mum is drawn as the queen (with a warning).
    assert cast == [("luna", "Little Red Riding Hood"), ("queen", "the mum"), ("teacher", "the teacher")]
    assert [c.id for c in school[1].characters] == ["teacher", "luna", "girl"]
    assert (school[1].speeches[0].speaker, school[1].speeches[0].addressee) == ("teacher", "luna")
    assert school[2].speeches[0].speaker == "luna" and school[2].speeches[0].addressee == "queen"
    assert [str(w).split(": ", 1)[1] for w in story_warnings(school)] == [
        "warning: no picture for 'mum'; drawn as queen"]
    ducks = facts_of("""\
        The Little Duckling

        By the pond, a mother duck sat on her eggs. Out came five fluffy ducklings.

        The other ducks laughed at the grey duckling. "You are so ugly!" they quacked.

        He ran away and hid in the reeds all winter, and the snow fell on the lake.
        """)
    assert [(c.id, c.name, c.actions) for c in ducks[0].characters] == [("duck", "the duck", ("sit",))]
    assert ducks[1].speeches[0].speaker == "duck" and ducks[1].characters[0].feeling == "mocking"
    assert ducks[2].characters[0].actions == ("run", "hide") and ducks[2].weather == "snow"


def test_render_story_prints_the_warnings(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("The Unicorn\n\nA unicorn ran.\n\nIt was fast.\n\nThe end.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["story", str(story), "--emit-scene", str(tmp_path / "book.scene"),
                                       "--size", "160x90"])
    assert result.exit_code == 0, result.output
    assert f"{story}:3:3: warning: no picture for 'unicorn'; drawn as horse" in result.stderr


def test_tags_before_between_and_after_lines_and_beats():
    facts = facts_of("""\
        Tags

        "Hello," Fox said to Crow, "how are you today?" Said the crow, "Very well, thank you."

        "Look at me!" The little frog jumped high into the air over the pond.

        Mia smiled at Leo. "Want to play?" Leo nodded. "Yes!"

        "Where are you?" called Grandma from the kitchen. "Here!" answered Tom from the garden.
        """)
    said = [(s.speaker, s.addressee) for p in facts for s in p.speeches]
    assert said == [("fox", "crow"), ("fox", "crow"), ("crow", "fox"), ("frog", "crow"), ("girl", "boy"),
                    ("boy", "girl"), ("grandma", "boy"), ("sunny", "grandma")]


def test_a_name_with_its_animal_and_a_field_on_the_farm():
    facts = facts_of("""\
        Daisy the Cow

        Daisy the cow lived on a farm with Percy the pig. One morning Daisy could not find her bell.

        She looked in the barn and Percy looked in the mud. "Here it is!" cried Percy.

        Daisy was so happy that she danced in the field, and Percy laughed.
        """)
    assert [(c.id, c.name) for c in facts[0].characters] == [("cow", "Daisy"), ("pig", "Percy")]
    assert facts[0].characters[0].actions == ()  # "could not find"
    assert facts[1].speeches[0].speaker == "pig"
    assert [(c.id, c.actions) for c in facts[2].characters] == [("cow", ("dance",)), ("pig", ("laugh",))]
    assert [f.setting for f in facts] == ["farm"] * 3  # a field on the farm is still the farm


def test_a_story_told_by_its_child():
    facts = facts_of("""\
        My Sunny Day

        Today I went to the park with my dad. We played on the swings and ate ice cream.

        My dad pushed me high on the swing. I felt like a bird in the sky!

        When the sun went down, we walked home together. I was tired but happy.
        """)
    assert [(c.id, c.name) for c in facts[0].characters] == [("luna", "the narrator"), ("farmer", "the dad")]
    assert [c.id for c in facts[1].characters] == ["luna", "farmer"]  # "My dad"; "like a bird": no bird
    assert [(c.id, c.actions) for c in facts[2].characters] == [("luna", ("walk",)), ("farmer", ("walk",))]
    assert facts[2].character("luna").feeling == "happy" and facts[2].time_of_day == "sunset"
    assert facts[0].props[0] == "icecream" and facts[0].setting == "park"
