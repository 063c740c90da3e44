"""The caption rules (engine/publish/captions.py) pinned at their limits: reading
speeds by age at each band's edge, how long a cue stays up, which short lines
share a cue, where lines and cues break, the times written to SRT, and the
burned caption's box and colours on a drawn frame. Each limit is tested on both
sides, so moving a constant or flipping a comparison fails a test here (issue
21's mutation score). Pure functions and one small canvas: milliseconds each.
"""
from __future__ import annotations

import numpy as np
import pytest
import skia

from storyreel.engine.publish import captions as cap
from storyreel.engine.publish.captions import (CaptionCue, break_cost, break_lines, cues_for_utterance,
                                               hold_for_reading, merge_short_cues, reading_speed_limit)
from storyreel.engine.timeline.timeline import WordCue


def cue(start: float, end: float, text: str, speaker: str = "narrator") -> CaptionCue:
    return CaptionCue(start, end, text, speaker)


@pytest.mark.parametrize("age, cps", [(None, 17.0), (2, 12.0), (5, 12.0), (5.01, 15.0), (8, 15.0), (8.01, 17.0),
                                      (12, 17.0), (12.01, 20.0), (200, 20.0), (300, 20.0)])
def test_reading_speed_by_age_at_each_bands_edge(age, cps):
    assert reading_speed_limit(age) == cps


def test_reading_length_counts_a_line_break_as_one_space():
    assert cap.reading_length("One apple,\ntwo  apples") == len("One apple, two apples")
    assert cap.readable_at(cue(1.0, 1.2, "abcdef"), 12.0) == pytest.approx(1.0 + 0.5 + 0.002)


# -- how long a cue stays up -----------------------------------------------------------------------

def test_a_short_cue_is_held_until_read_and_at_least_the_minimum():
    # "Hooray!" (7 chars) said in 0.2 s: read at 12 cps by 1.585 s, but held the 0.8 s minimum.
    held = hold_for_reading([cue(1.0, 1.2, "Hooray!")], 12.0, until=10.0)
    assert [(c.start, c.end) for c in held] == [(1.0, 1.8)]
    # 30 characters need 2.5 s at 12 cps: longer than the minimum.
    text = "We found the little red apple!"
    held = hold_for_reading([cue(1.0, 1.5, text)], 12.0, until=10.0)
    assert held[0].end == pytest.approx(1.0 + len(text) / 12.0 + 0.002)


def test_a_held_cue_stops_at_the_next_cue_and_at_the_end_of_the_video():
    held = hold_for_reading([cue(1.0, 1.2, "Hooray!", "a"), cue(1.5, 4.0, "Now the next line.", "b")],
                            12.0, until=10.0)
    assert [(c.start, c.end) for c in held] == [(1.0, 1.5), (1.5, 4.0)]
    held = hold_for_reading([cue(1.0, 1.2, "Hooray!")], 12.0, until=1.4)
    assert held[0].end == 1.4


def test_a_cue_read_in_time_keeps_its_speech_window_exactly():
    line = cue(2.0, 4.0, "A slow line.")
    assert hold_for_reading([line], 12.0, until=10.0) == [line]


# -- short lines share a cue -----------------------------------------------------------------------

def counting(gap: float, speakers=("narrator",) * 3, step: float = 0.3) -> list[CaptionCue]:
    """"One!" "Two!" "Three!": each said in `step` s, `gap` s apart."""
    out, t = [], 1.0
    for word, who in zip(("One!", "Two!", "Three!"), speakers):
        out.append(cue(t, t + step, word, who))
        t += step + gap
    return out


def test_short_lines_said_in_a_row_share_one_cue():
    merged = merge_short_cues(counting(0.2), 17.0, until=10.0)
    assert [(c.start, c.end, c.text) for c in merged] == [(1.0, 2.3, "One! Two! Three!")]


def test_short_lines_up_to_a_second_apart_are_joined_and_not_further():
    assert len(merge_short_cues(counting(cap.MERGE_GAP), 17.0, until=10.0)) == 1
    assert len(merge_short_cues(counting(cap.MERGE_GAP + 0.01), 17.0, until=10.0)) == 3


def test_short_lines_of_two_speakers_stay_apart():
    merged = merge_short_cues(counting(0.2, ("luna", "sunny", "luna")), 17.0, until=10.0)
    assert [c.text for c in merged] == ["One!", "Two!", "Three!"]


def test_joined_lines_span_at_most_seven_seconds():
    # three 2.5 s lines, 0.2 s apart, each too short to read alone: all three would span 7.9 s.
    long_ones = [cue(t, t + 2.5, "Hip hip hip hip hip hip hip hip hip hip hooray") for t in (0.0, 2.7, 5.4)]
    merged = merge_short_cues(long_ones, 17.0, until=20.0)
    assert all(c.end - c.start <= cap.MAX_CUE_SECONDS for c in merged)
    assert len(merged) == 3  # two of them do not fit one cue either


def test_joined_lines_may_span_exactly_seven_seconds():
    # single words held long: "One!" 0-3 s and "Two!" 4 s to the span's end
    for end, cues in ((7.0, 1), (7.01, 2)):
        merged = merge_short_cues([cue(0.0, 3.0, "One!"), cue(4.0, end, "Two!")], 17.0, until=20.0)
        assert len(merged) == cues, end


def test_a_single_line_is_never_merged():
    assert merge_short_cues([cue(1.0, 1.2, "One!")], 17.0) == [cue(1.0, 1.2, "One!")]


# -- where lines and cues break ----------------------------------------------------------------------

@pytest.mark.parametrize("tokens, i, cost", [
    (["said.", "Then"], 0, 0.0),          # a sentence end
    (["apple,", "pear"], 0, 1.0),         # clause punctuation
    (["apples", "and", "pears"], 0, 3.0),  # before a conjunction
    (["red", "apples"], 0, 8.0),          # anywhere else
    (["the", "apple"], 0, 14.0),          # after a word that leans on the next one
    (["to", "and"], 0, 9.0),
])
def test_break_cost(tokens, i, cost):
    assert break_cost(tokens, i) == cost


def test_a_line_of_42_characters_is_one_line_and_43_are_two():
    forty_two = "Luna and Sunny counted every single apple."
    assert len(forty_two) == cap.MAX_CHARS == 42
    assert break_lines(forty_two) == [forty_two]
    two = break_lines(forty_two + "!")
    assert len(two) == 2 and " ".join(two) == forty_two + "!"


def test_no_words_make_no_lines_and_no_cues():
    assert break_lines("") == [] and break_lines(" \n ") == []
    assert cues_for_utterance("  ", 1.0, 2.0) == []


def test_two_lines_break_at_the_phrase_not_in_the_middle():
    assert break_lines("Luna looked under the big green tree, and found a shiny red apple.") == [
        "Luna looked under the big green tree,", "and found a shiny red apple."]


def test_what_does_not_fit_two_lines_is_wrapped_greedily_and_does_not_fit_a_cue():
    text = " ".join(["apple"] * 16)  # 95 characters: more than two lines of 42
    lines = break_lines(text)
    assert len(lines) == 3 and all(len(line) <= 42 for line in lines)
    assert not cap.fits_cue(text) and cap.fits_cue(" ".join(["apple"] * 14))


def test_a_long_line_becomes_cues_at_its_phrases_timed_by_its_words():
    text = ("Once upon a time a little fox lived in the woods. "
            "Every morning she ran down to the river, and she counted the fish.")
    tokens = text.split()
    words = [WordCue(w, 1.0 + 0.3 * i, 1.0 + 0.3 * i + 0.25) for i, w in enumerate(tokens)]
    cues = cues_for_utterance(text, 1.0, 1.0 + 0.3 * len(tokens), words, speaker="narrator")
    assert [c.text.replace("\n", " ") for c in cues] == [
        "Once upon a time a little fox lived in the woods.",
        "Every morning she ran down to the river, and she counted the fish."]
    second = tokens.index("Every")
    assert cues[0].start == 1.0 and cues[0].end == cues[1].start == words[second].start
    assert cues[1].end == 1.0 + 0.3 * len(tokens)
    assert [w.text for w in cues[1].words] == tokens[second:]


def test_without_word_times_the_cues_split_the_time_by_characters():
    text = ("Once upon a time a little fox lived in the woods. "
            "Every morning she ran down to the river, and she counted the fish.")
    first, second = cues_for_utterance(text, 0.0, 11.7)
    share = len("Once upon a time a little fox lived in the woods. ") / (len(text) + 1)
    assert first.end == second.start == pytest.approx(11.7 * share)
    assert (first.words, second.words) == ((), ())


def test_the_active_cue_starts_at_its_start_and_is_gone_at_its_end():
    cues = [cue(1.0, 2.0, "One."), cue(2.0, 3.0, "Two.")]
    assert cap.active_cue(cues, 0.99) is None
    assert cap.active_cue(cues, 1.0).text == "One."
    assert cap.active_cue(cues, 2.0).text == "Two."
    assert cap.active_cue(cues, 3.0) is None


def test_srt_times_are_milliseconds(tmp_path):
    cap.write_captions([cue(1.25, 2.5, "One apple,\ntwo apples.")], tmp_path / "a.srt", "srt")
    text = (tmp_path / "a.srt").read_text(encoding="utf-8")
    assert "00:00:01,250 --> 00:00:02,500" in text
    assert "One apple,\ntwo apples." in text


# -- the burned caption ---------------------------------------------------------------------------

class Node:
    """What the rasteriser hands a painter: the cue, the safe area, the design unit, the spoken word."""
    def __init__(self, cue_, safe, unit, word):
        self.attrs = {"cue": cue_, "safe": safe, "unit": unit}
        self.values = {"word": word}


def burned(word: int) -> np.ndarray:
    """A caption drawn on a white 640x360 canvas (RGB), the safe area 20 px in."""
    words = (WordCue("Hello", 0.0, 0.5), WordCue("Luna!", 0.5, 1.0))
    surface = skia.Surface(640, 360)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorWHITE)
    cap.paint_caption(canvas, Node(CaptionCue(0.0, 1.0, "Hello Luna!", "narrator", words), (20, 20, 620, 340),
                                   1.0, word), 1.0, None)
    return surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)[..., :3].astype(int)


def test_the_spoken_words_are_matched_to_the_captions_words_skipping_punctuation():
    words = (WordCue("Hello", 0.0, 0.5), WordCue("Luna!", 0.5, 1.0))
    slots = cap._word_slots(CaptionCue(0.0, 1.0, "Hello —\nLuna!", "narrator", words))
    assert slots == [[("Hello", 0), ("—", -1)], [("Luna!", 1)]]
    assert cap._word_slots(CaptionCue(0.0, 1.0, "Hello Luna and Sunny", "narrator", words)) == [
        [("Hello", 0), ("Luna", 1), ("and", -1), ("Sunny", -1)]]


def test_the_burned_caption_box_sits_at_the_bottom_of_the_safe_area_in_dark_blue():
    rgb = burned(-1)
    size = cap.CAPTION_SIZE
    bottom = round(340 - size * 0.5)  # the box ends half a caption height over the safe area's bottom
    column = rgb[:, 320]
    box_rows = np.flatnonzero((np.abs(column - column[0]).max(axis=1) > 0))
    assert abs(box_rows.max() + 1 - bottom) <= 1
    assert abs((box_rows.max() + 1 - box_rows.min()) - (size * 1.3 + 2 * size * 0.35)) <= 2
    # the box: (0.07, 0.07, 0.12) at 72 % over white
    expected = [round(255 * (0.28 + 0.72 * c)) for c in (0.07, 0.07, 0.12)]
    corner_inside = rgb[bottom - 4, 320 - 60]
    assert np.abs(corner_inside - expected).max() <= 2, corner_inside


def test_the_burned_caption_is_white_with_the_spoken_word_in_yellow():
    plain, second_lit = burned(-1), burned(1)
    yellow = (np.abs(second_lit - [255, 217, 61]).max(axis=-1) <= 8)
    white = (np.abs(plain - 255).max(axis=-1) == 0) & (np.arange(640)[None, :] > 200) & (np.arange(360)[:, None] > 250)
    assert white.sum() > 100, "the caption's letters are white"
    assert yellow.sum() > 50, "the spoken word is yellow"
    assert not (np.abs(plain - [255, 217, 61]).max(axis=-1) <= 8).any(), "no word lit when none is spoken"
    xs = np.flatnonzero(yellow.any(axis=0))
    assert xs.min() > 320, "the second word, right of the centre, is the lit one"
