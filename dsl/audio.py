"""The spoken and heard parts of a scene: `says`, `sound`, `music`, and the
video block's `voice`, `speech` (its providers) and `captions`.

`says` synthesises its line at compile time (through the engine's cached
speech service) because the step lasts exactly as long as the speech. Clips and
caption cues are produced in scene-local time; the compiler moves them onto the
video's clock when it places the scenes.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from dataclasses import dataclass, field, replace
from typing import Any

from ..engine import speech as speech_service
from ..engine.speech import lexicon as speech_lexicon
from ..engine.audio import AudioError, load_audio
from ..engine.audio.arrange import MOODS as MUSIC_MOODS
from ..engine.audio.arrange import find_melody
from ..engine.audio.library import LIBRARY_SOUNDS, library_sound
from ..engine.audio.music import parse_key
from ..engine.publish.caption_files import CaptionFileError, read_caption_file
from ..engine.publish.captions import cues_for_utterance
from ..engine.timeline.timeline import AudioClip, CaptionCue, WordCue
from . import ast
from .elements import Context
from .expand import _display_name as display_name
from .errors import Location, SceneError, SceneWarning, did_you_mean
from .values import Items

NARRATOR = "narrator"
CAPTION_MODES = ("off", "on", "burned")
TUNES = ("nursery", "generated", "melody")  # `melody NAME`: a nursery piece led by that melody
DEFAULT_MUSIC_VOLUME = 0.3


@dataclass(frozen=True)
class MusicSpec:
    """What plays under a scene: a generated tune or a file."""

    kind: str  # "tune" | "file"
    source: str
    volume: float
    params: tuple[tuple[str, Any], ...] = ()

    def clip(self, start: float, end: float, age: float | None = None) -> AudioClip:
        """The clip from `start` to `end`; a tune also gets the viewers' `age` (younger: slower)."""
        params = dict(self.params)
        if age is not None and self.kind == "tune":
            params.setdefault("age", age)
        return AudioClip(start=start, kind="music", source=self.source, volume=self.volume, end=end,
                         loop=True, duck=True, params=params)


@dataclass
class SceneAudio:
    """What a scene contributes to the soundtrack, in scene-local seconds."""

    clips: list[AudioClip] = field(default_factory=list)
    cues: list[CaptionCue] = field(default_factory=list)
    music: MusicSpec | None | str = "inherit"  # "inherit": the video's music


def read_music(items: Items, ctx: Context) -> MusicSpec | None:
    """`nursery|generated [mood M] [melody NAME] [volume V] [tempo N] [key K] [seed S]` |
    `melody NAME [...the same settings]` | `"file" [volume V] [from T] [to T]` | `off`.

    `nursery` arranges nursery melodies and original tunes, `generated` original tunes
    only; either way the piece lasts as long as its scenes and ends on a cadence."""
    first = items.next("a tune name, a \"file\" or off")
    if isinstance(first, ast.Word) and first.name == "off":
        items.finish("music off")
        return None
    params: dict[str, Any] = {}
    volume = DEFAULT_MUSIC_VOLUME
    if isinstance(first, ast.String):
        kind, source = "file", ctx.asset(first, "music")
        _check_audio_file(source, first)
        allowed = ("volume", "from", "to")
    elif isinstance(first, ast.Word) and first.name in TUNES:
        kind, source = "tune", "nursery" if first.name == "melody" else first.name
        allowed = ("volume", "tempo", "key", "seed", "mood", "melody")
        if first.name == "melody":
            params["melody"] = _melody(items)
    else:
        raise SceneError(f"unknown music '{first.text}'", first.span,
                         hint=(did_you_mean(first.text, TUNES) if isinstance(first, ast.Word) else None)
                         or 'music is nursery, generated, melody NAME, a "file.mp3|wav|ogg", or off')
    while not items.at_end():
        word = items.next("a music setting")
        if not isinstance(word, ast.Word) or word.name not in allowed:
            raise SceneError(f"unexpected '{word.text}' in music", word.span,
                             hint=(did_you_mean(word.text, allowed) if isinstance(word, ast.Word) else None)
                             or f"music settings: {', '.join(allowed)}")
        if word.name == "volume":
            volume = _volume(items)
        elif word.name == "tempo":
            params["tempo"] = items.number_between("a tempo in beats per minute", 60, 180, "tempo",
                                                   " beats per minute", "100 is a relaxed walking pace; 140 is lively")
        elif word.name == "key":
            item = items.next("a key such as C, G or \"F#\"")
            key = item.value if isinstance(item, ast.String) else getattr(item, "name", item.text)
            try:
                parse_key(key)
            except AudioError as exc:
                raise SceneError(exc.message, item.span,
                                 hint='a note name C, D, E, F, G, A or B; sharps and flats in quotes: key "F#", key "Bb"') from None
            params["key"] = key
        elif word.name == "seed":
            params["seed"] = int(items.number("a seed"))
        elif word.name == "mood":
            params["mood"] = items.expect_word("a music mood", MUSIC_MOODS)
        elif word.name == "melody":
            if "melody" in params:
                raise SceneError("a second melody in this music line", word.span, hint="music plays one melody first")
            params["melody"] = _melody(items)
        elif word.name == "from":
            params["trim_start"] = items.time("where the music starts in the file")
        elif word.name == "to":
            params["trim_end"] = items.time("where the music ends in the file")
    return MusicSpec(kind, source, volume, tuple(sorted(params.items())))


def _melody(items: Items) -> str:
    item = items.next("a melody name such as twinkle")
    name = item.value if isinstance(item, ast.String) else getattr(item, "name", item.text)
    try:
        return find_melody(name).name
    except AudioError as exc:
        raise SceneError(exc.message, item.span, hint=exc.hint) from None


def _volume(items: Items) -> float:
    return items.number_between("a volume (0 to 2)", 0, 2, "volume",
                                hint="1 is the sound as it is; 0.5 about half as loud; 0 silent")


def _check_audio_file(path: str, item: ast.Item) -> None:
    try:
        load_audio(path)
    except AudioError as exc:
        raise SceneError(exc.message, item.span, hint=exc.hint) from None


def read_voice(items: Items) -> str:
    """`voice NAME`: the narrator's voice, one of the voice presets."""
    item = items.next("a voice name")
    name = item.value if isinstance(item, ast.String) else getattr(item, "name", item.text)
    voices = sorted(speech_service.VOICES)
    if name.lower() not in speech_service.VOICES:
        raise SceneError(f"unknown voice '{name}'", item.span,
                         hint=did_you_mean(name, voices, f"voices: {', '.join(voices)} (render voices lists them)"))
    return name.lower()


def read_speech_providers(items: Items) -> tuple[str, ...]:
    """`speech hibari espeak`: the speech providers this video's lines are tried with,
    in order (the whole order: a line none of them can say is an error). Each must be
    registered (`render voices` lists them); one that is registered but missing here
    is skipped with a warning when a line is said, as in any failover."""
    order: list[str] = []
    while True:
        item = items.next("a speech provider's name, e.g. speech hibari espeak")
        name = item.value if isinstance(item, ast.String) else getattr(item, "name", item.text)
        try:
            name = speech_service.check_provider(str(name))
        except speech_service.SpeechError as exc:
            raise SceneError(exc.message, item.span,
                             hint=f"{exc.hint}; or 'rate', as in: speech rate 0.85") from None
        if name in order:
            raise SceneError(f"speech provider '{name}' is listed twice", item.span, hint="name each provider once")
        order.append(name)
        if items.at_end():
            return tuple(order)


def read_speech_budget(items: Items) -> float:
    """`speech budget 0.50`: the most this video's lines may cost, in US dollars, on paid
    speech providers (free ones, recordings and lines from the cache cost nothing)."""
    return items.number_between("a speech budget in US dollars, e.g. speech budget 0.50", 0, 10_000,
                                "speech budget", " US dollars", hint="0.50 is fifty cents; 0 lets only free voices speak")


def speech_ledger(limit: float | None, where: ast.Span) -> speech_service.SpeechBudget | None:
    """The ledger a compile charges paid lines to: the video's budget, else
    $STORYREEL_SPEECH_BUDGET's, else none (no limit)."""
    if limit is None:
        try:
            limit = speech_service.budget_from_env()
        except speech_service.SpeechError as exc:
            raise SceneError(exc.message, where, hint=exc.hint) from None
    return None if limit is None else speech_service.SpeechBudget(limit)


def read_captions(items: Items, ctx: Context | None = None, mode: str = "off") -> tuple[str, list[CaptionCue]]:
    """`captions on|off|burned`, or `captions "talk.srt"|"talk.vtt" [on|burned]`: the
    mode, and the file's cues (in its own seconds). A file alone turns captions on
    (sidecar files) and keeps `burned` if an earlier line set it."""
    item = items.peek()
    if isinstance(item, ast.String) and ctx is not None:
        items.next("a captions file")
        cues = read_caption_cues(item, ctx)
        if items.at_end():
            return (mode if mode != "off" else "on"), cues
        return items.expect_word("on or burned", ("on", "burned")), cues
    return items.expect_word('on, off, burned or a captions file ("talk.srt" or "talk.vtt")', CAPTION_MODES), []


def read_caption_cues(item: ast.String, ctx: Context) -> list[CaptionCue]:
    """The cues of the SRT or VTT file `item` names (inside the project); a malformed
    file is an error at its own line (talk.srt:12:1)."""
    path = ctx.asset(item, "captions")
    try:
        return read_caption_file(path)
    except CaptionFileError as exc:
        raise SceneError(exc.message, hint=exc.hint,
                         location=Location(display_name(Path(path)), exc.line, exc.column, exc.source_line)) from None


def file_cues_for_sound(cues: list[CaptionCue], t: float, params: dict[str, Any]) -> list[CaptionCue]:
    """A sound's caption file's cues placed with it at `t`: the part between its
    `from` and `to`, the file's `from` heard at `t`."""
    first, last = params.get("trim_start", 0.0), params.get("trim_end", float("inf"))
    return [CaptionCue(round(t + max(c.start, first) - first, 6), round(t + min(c.end, last) - first, 6), c.text,
                       c.speaker) for c in cues if c.end > first and c.start < last]


def _is_mood(name: str) -> bool:
    try:
        speech_service.resolve_mood(name)
        return True
    except speech_service.SpeechError:
        return False


def compile_says(step: ast.Says, items: Items, t: float, narrator_voice: str, out: SceneAudio,
                 cast_voice: str | None = None, speech_rate: float = 1.0, ctx: Context | None = None,
                 age: float | None = None, providers: tuple[str, ...] = (),
                 budget: speech_service.SpeechBudget | None = None):
    """Synthesise the line, place it at `t`, caption it; return (speech, mood).

    `SPEAKER says "caption text" [MOOD] [pronounced "spoken text"] [recording "file.wav"]`:
    the caption shows the first text; the voice says the second when it is given
    (a respelling for the synthesiser, e.g. "Ah" for the short a of "apple").
    `speech_rate` scales the voice's words per minute (`video { speech rate 0.85 }`),
    `rate 0.8` one line's; `age` (the video's) sets the pace for young viewers;
    `providers` (`video { speech hibari espeak }`) the speech providers tried, in order;
    `budget` the ledger a paid provider's line is charged to before it is sent.
    `{a-sound}`, `{letter-a}`, `{7}` in the text name lexicon entries
    (engine/speech/lexicon.yaml): the caption shows "a", the voice says /æ/.
    With `recording`, a person's reading of the line (a WAV/MP3 in the project,
    through `ctx.asset`) is used instead of a synthesised voice; its word and
    phoneme times come from forced alignment of the spoken text
    (engine/speech/recorded.py), so captions, lip sync and ducking work the same.
    """
    speaker = step.speaker.name
    voices = sorted(speech_service.VOICES)
    if cast_voice is not None:
        voice = cast_voice
    elif speaker == NARRATOR:
        voice = narrator_voice
    elif speaker in speech_service.VOICES:
        voice = speaker
    else:
        raise SceneError(f"unknown speaker '{speaker}'", step.speaker.span,
                         hint=did_you_mean(speaker, voices, None)
                         or "speakers: narrator, a cast member, or one of the voices `render voices` lists")
    text_item = _words(items, "the words to say, in double quotes", 'narrator says "Hello!"')
    mood = None
    spoken_item = None
    recording_item = None
    line_rate = 1.0
    while not items.at_end():
        keyword = items.take_word("rate")
        if keyword is not None:
            line_rate = items.number_between("how much faster or slower this line is said, e.g. rate 0.8",
                                             0.5, 2, "rate", hint="1 is the voice's pace; 0.8 is a fifth slower")
            continue
        keyword = items.take_word("recording")
        if keyword is not None:
            if recording_item is not None:
                raise SceneError("'recording' is given twice", keyword.span, hint="a line has one recording")
            recording_item = items.next('the recording\'s file, in double quotes, after \'recording\'')
            if not isinstance(recording_item, ast.String):
                raise SceneError(f"expected a file in double quotes after 'recording', got '{recording_item.text}'",
                                 recording_item.span, hint='luna says "Hello!" recording "lines/hello.wav"')
            continue
        keyword = items.take_word("pronounced")
        if keyword is not None:
            if spoken_item is not None:
                raise SceneError("'pronounced' is given twice", keyword.span, hint="keep one")
            spoken_item = _words(items, "how to say it, in double quotes, after 'pronounced'",
                                 'luna says "A is for apple" pronounced "Ay is for apple"')
            continue
        mood_item = items.next("a mood")
        if mood is not None:
            raise SceneError(f"unexpected '{mood_item.text}'", mood_item.span,
                             hint="a line has one mood and one 'pronounced \"…\"'")
        if not isinstance(mood_item, ast.Word) or not _is_mood(mood_item.name):
            moods = sorted({*speech_service.MOODS, *speech_service.MOOD_ALIASES})
            raise SceneError(f"unknown mood '{mood_item.text}'", mood_item.span,
                             hint=did_you_mean(mood_item.text, moods, f"moods: {', '.join(sorted(speech_service.MOODS))}"))
        mood = mood_item.name
    items.finish("says")
    caption_text = text_item.value.strip()
    spoken_text = spoken_item.value.strip() if spoken_item is not None else caption_text
    for item in (text_item, spoken_item):
        if item is not None:
            try:
                speech_lexicon.check(item.value)
            except speech_lexicon.LexiconError as exc:
                raise SceneError(exc.message, item.span, hint=exc.hint) from None
    caption_text = speech_lexicon.shown(caption_text)
    if recording_item is not None:
        spoken_text = speech_lexicon.shown(spoken_text)
    if recording_item is not None:
        spoken = _recorded(recording_item, spoken_text, ctx)
    else:
        try:
            voice_preset = speech_service.resolve_voice(voice)
            if speech_rate != 1.0:
                voice_preset = replace(voice_preset, rate_wpm=round(voice_preset.rate_wpm * speech_rate, 2))
            spoken = speech_service.synthesize(spoken_text, voice=voice_preset, mood=mood, age=age, rate=line_rate,
                                               providers=providers or None, budget=budget)
        except speech_service.SpeechBudgetError as exc:
            raise SceneError(exc.message, step.span, hint=exc.hint) from None
        except speech_service.SpeechError as exc:
            raise SceneError(f"speech synthesis failed: {exc.message}", step.span, hint=exc.hint) from None
    duration = spoken.duration
    out.clips.append(AudioClip(start=t, kind="speech", source=str(spoken.path), params={"speaker": speaker}))
    words = tuple(WordCue(w.text, t + w.start, t + w.end) for w in spoken.words)
    captions = caption_text.split()
    if spoken_item is not None and len(words) == len(captions):
        # Word for word: the caption's words take the spoken words' times (karaoke still works).
        words = tuple(WordCue(shown, w.start, w.end) for shown, w in zip(captions, words))
    elif spoken_item is not None:
        words = ()
    out.cues.extend(cues_for_utterance(caption_text, t, t + duration, words, speaker))
    return spoken, mood


def _recorded(item: ast.String, text: str, ctx: Context | None):
    """The recording named by `item` (inside the project), aligned to `text`;
    every failure is located at the file name."""
    from ..engine.speech.recorded import recorded

    if ctx is None:
        raise SceneError("a recording cannot be used here", item.span, hint="use it in a scene's steps")
    path = ctx.asset(item, "recording")
    try:
        return recorded(path, text)
    except speech_service.SpeechError as exc:
        raise SceneError(f"recording '{item.value}': {exc.message}", item.span, hint=exc.hint) from None


def _words(items: Items, what: str, example: str) -> ast.String:
    item = items.next(what)
    if not isinstance(item, ast.String):
        raise SceneError(f"expected {what}, got '{item.text}'", item.span)
    if not item.value.strip():
        raise SceneError("there is nothing to say: the text is empty", item.span,
                         hint=f"write the words between the quotes: {example}")
    return item


def compile_sound(step: ast.SoundStep, items: Items, t: float, ctx: Context, out: SceneAudio) -> float:
    """`sound NAME|"file" [volume V] [loop] [voice]` at `t`; takes no time. Returns how long
    the scene must last for it to be heard (nothing for a loop, which plays to the scene's end).
    NAME is a library sound: an effect (pop, chime, applause, …) or an animal (cow, …);
    `voice` marks a recording of a voice, which music ducks under as under speech."""
    source, length = read_sound_source(items, ctx)
    volume, params = 1.0, sound_settings(items, length, ("loop",))
    if "volume" in params:
        volume = params.pop("volume")
    loop = params.pop("loop", False)
    captions = params.pop("captions", None)
    items.finish("sound")
    if captions is not None:
        out.cues.extend(file_cues_for_sound(read_caption_cues(captions, ctx), t, params))
    out.clips.append(AudioClip(start=t, kind="sound", source=source, volume=volume, loop=loop,
                               params=params or None))
    return 0.0 if loop else params.get("trim_end", length) - params.get("trim_start", 0.0)


def read_sound_source(items: Items, ctx: Context) -> tuple[str, float]:
    """A library sound's name or a "file" (inside the project): (source, length in seconds)."""
    item = items.next("a sound name or a \"file\"")
    if isinstance(item, ast.String):
        source = ctx.asset(item, "sound")
        _check_audio_file(source, item)
        length = load_audio(source).shape[1] / 48000
    elif isinstance(item, ast.Word) and item.name.lower() in LIBRARY_SOUNDS:
        source = item.name.lower()
        length = library_sound(source).shape[1] / 48000
    else:
        raise SceneError(f"unknown sound '{item.text}'", item.span,
                         hint=(did_you_mean(item.text, LIBRARY_SOUNDS) if isinstance(item, ast.Word) else None)
                         or f"sounds: {', '.join(LIBRARY_SOUNDS)}, or a \"file.wav\"")
    return source, length


SOUND_SETTINGS = ("volume", "from", "to", "fade", "voice", "captions")


def sound_settings(items: Items, length: float, flags: tuple[str, ...] = ()) -> dict[str, Any]:
    """`[volume V] [from T] [to T] [fade in T] [fade out T] [voice]`, in any order: the
    mixer's params (trim_start, trim_end, fade_in, fade_out, voice). A `to` past the
    sound's end plays to its end, with a warning. `flags` are further words that set
    their param to True (a named track's `loop`, `duck`; `across` reads `across scenes`)."""
    params: dict[str, Any] = {}
    while not items.at_end():
        word = items.peek()
        if not isinstance(word, ast.Word) or word.name not in (*SOUND_SETTINGS, *flags):
            break
        items.next(word.name)
        if word.name == "voice" or word.name in flags:
            if word.name == "across":
                items.expect_word("'scenes', as in: across scenes", ("scenes",))
            params[word.name] = True
        elif word.name == "captions":
            params["captions"] = items.next('a captions file ("talk.srt" or "talk.vtt")')
            if not isinstance(params["captions"], ast.String):
                raise SceneError(f"expected a captions file in double quotes, got '{params['captions'].text}'",
                                 params["captions"].span, hint='sound "talk.wav" captions "talk.srt"')
        elif word.name == "volume":
            params["volume"] = _volume(items)
        elif word.name == "fade":
            way = items.expect_word("in or out", ("in", "out"))
            params[f"fade_{way}"] = items.time(f"how long the sound fades {way}")
        else:
            params["trim_start" if word.name == "from" else "trim_end"] = (
                items.time("where the sound starts in the file" if word.name == "from" else "where it ends"), word)
    start, start_word = params.get("trim_start", (0.0, None))
    end, end_word = params.get("trim_end", (length, None))
    if end > length + 1e-3 and start < length:
        warnings.warn(SceneWarning(f"'to {end:g}s' is past the end of the sound ({length:.2f}s long); "
                                   f"it plays to {length:.2f}s", end_word.span))
        end = length
    if not 0 <= start < end and (start_word or end_word) is not None:
        raise SceneError(f"the sound's range {start:g}s..{end:g}s is empty or outside the sound ({length:.2f}s long)",
                         (start_word or end_word).span, hint="from and to are times inside the sound, from before to")
    for key, value in (("trim_start", start), ("trim_end", end)):
        if key in params:
            params[key] = value
    return params


def cut_clips(clips: list[AudioClip], end: float) -> list[AudioClip]:
    """Speech and sounds of a scene stop where the scene ends."""
    from dataclasses import replace

    kept = []
    for clip in clips:
        if clip.start >= end:
            continue
        if clip.kind in ("speech", "sound") and (clip.end is None or clip.end > end):
            clip = replace(clip, end=end)
        kept.append(clip)
    return kept


def cut_cues(cues: list[CaptionCue], end: float) -> list[CaptionCue]:
    return [CaptionCue(c.start, min(c.end, end), c.text, c.speaker, tuple(w for w in c.words if w.start < end))
            for c in cues if c.start < end]


def shifted(clip: AudioClip, offset: float) -> AudioClip:
    from dataclasses import replace

    return replace(clip, start=round(clip.start + offset, 6), end=None if clip.end is None else round(clip.end + offset, 6))


def shifted_cue(cue: CaptionCue, offset: float) -> CaptionCue:
    return CaptionCue(round(cue.start + offset, 6), round(cue.end + offset, 6), cue.text, cue.speaker,
                      tuple(WordCue(w.text, round(w.start + offset, 6), round(w.end + offset, 6)) for w in cue.words))
