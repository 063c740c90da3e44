"""AST -> Timeline: a pure function of the document and the compile options.

Steps run on a cursor (scene-local seconds): each step starts when the previous
one ends; `&` and `together` start steps at once; `at T { }` runs at an absolute
offset without moving the cursor. Scenes are placed one after another, and a
transition overlaps the two scenes it joins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..engine.publish.presets import DEFAULT_FPS, PRESETS, Format, resolve_format
from ..engine.publish.captions import hold_for_reading, readable_at, reading_speed_limit
from ..engine.timeline.timeline import AudioClip, CaptionCue, Chapter, Scene, Timeline, Transition
from ..engine.timeline.transition_kinds import DIRECTIONS as TRANSITION_DIRECTIONS, KINDS as TRANSITION_KINDS
from ..engine.timeline.transition_kinds import ALIASES as TRANSITION_ALIASES, NAMES as TRANSITION_NAMES, pick_random
from ..engine.speech import SpeechBudget
from . import ast
from .actions import read_timing, run_action
from .camera import camera_action, frame_scene, new_camera
from .actions import Action
from .cast import (CHARACTER_WORDS, CastMember, add_idle_life, character_action, character_layer, face_each_other,
                   read_cast, speak, take_listener, voice_of)
from ..engine.characters import load_character
from .values import ALL_ANCHORS
from .audio import (NARRATOR, MusicSpec, SceneAudio, compile_says, compile_sound, read_captions, read_music,
                    read_speech_budget, read_speech_providers, read_voice, speech_ledger, shifted, shifted_cue, cut_clips, cut_cues)
from .compositing import attach_mask
from .elements import ELEMENTS, Context, background, declare, element_kind
from .errors import SceneError, did_you_mean
from .layers import LayerBuilder
from .limits import MAX_LAYERS, MAX_POINTS, check_frames, check_length
from .tracks import TRACK_KINDS, Tracks
from .project import Project
from .values import Canvas, Items

TRANSITIONS = TRANSITION_NAMES  # engine/timeline/transition_kinds.py: names, directions, easings
DIRECTIONS = TRANSITION_DIRECTIONS
SETTINGS = ("preset", "size", "fps", "background", "music", "voice", "speech", "captions", "thumbnail", "age",
            "tags", "description", "kids")
MAX_SIZE = 7680


@dataclass(frozen=True)
class CompileOptions:
    base_dir: Path = Path(".")
    project: Project | None = None  # the folders assets may come from (default: base_dir's project)
    preset: str | None = None  # overrides the file's
    size: tuple[int, int] | None = None
    fps: float | None = None


@dataclass
class CompileResult:
    timeline: Timeline
    dependencies: list[str] = field(default_factory=list)  # asset files read


def compile_document(doc: ast.Document, options: CompileOptions = CompileOptions()) -> CompileResult:
    ctx = Context(options.base_dir, project=options.project)
    video = _video_settings(doc.video, options, ctx)
    canvas = video.canvas
    scenes: list[tuple[ast.SceneDecl, float, list[LayerBuilder], SceneAudio]] = []
    cameras: list[LayerBuilder | None] = []  # each scene's camera, if it has `camera:` lines
    transitions: list[tuple[ast.TransitionDecl, int]] = []  # (decl, index of the scene before it)
    seen_names: dict[str, ast.SceneDecl] = {}
    cast: dict[str, CastMember] = {}
    tracks = Tracks()  # named sound and music tracks (dsl/tracks.py), some across scenes
    for part in doc.parts:
        if isinstance(part, ast.CastDecl):
            read_cast(part, canvas, cast)
    ctx.dependencies.extend(member.yaml_path for member in cast.values())
    for part in doc.parts:
        if isinstance(part, ast.CastDecl):
            continue
        if isinstance(part, ast.TransitionDecl):
            if not scenes:
                raise SceneError("a transition must come between two scenes", part.span,
                                 hint="move it after the first scene")
            if transitions and transitions[-1][1] == len(scenes) - 1:
                raise SceneError("two transitions in a row", part.span, hint="keep one transition between two scenes")
            transitions.append((part, len(scenes) - 1))
            continue
        if part.name.name in seen_names:
            raise SceneError(f"a second scene named '{part.name.name}'", part.name.span,
                             hint="scene names must be unique (they become chapters)")
        seen_names[part.name.name] = part
        tracks.begin_scene(len(scenes))
        scene = SceneCompiler(part, canvas, ctx, video, cast, tracks)
        duration, layers = scene.run()
        scenes.append((part, duration, layers, scene.audio))
        cameras.append(scene.camera)
    if not scenes:
        raise SceneError("the file has no scenes", doc.video.span, hint="add: scene intro { … }")
    if transitions and transitions[-1][1] == len(scenes) - 1:
        raise SceneError("a transition must come between two scenes", transitions[-1][0].span,
                         hint="a transition after the last scene has nothing to go to")

    # Place scenes: each starts where the previous ends, minus the transition's overlap.
    overlap = {index: _transition(decl, canvas, place) for place, (decl, index) in enumerate(transitions)}
    for index, (kind, dur, params, easing, decl) in overlap.items():
        for side in (index, index + 1):
            scene_decl, scene_dur, _, _ = scenes[side]
            if dur > scene_dur + 1e-9:
                raise SceneError(f"the {kind} transition ({dur:g}s) is longer than scene '{scene_decl.name.name}' "
                                 f"({scene_dur:g}s)", decl.span, hint="shorten the transition or lengthen the scene")
    for i, (decl, dur, _, _) in enumerate(scenes):
        before = overlap.get(i - 1, (None, 0.0))[1]
        after = overlap.get(i, (None, 0.0))[1]
        if before + after > dur + 1e-9:
            raise SceneError(f"the transitions into and out of scene '{decl.name.name}' ({before:g}s + {after:g}s) "
                             f"overlap: the scene lasts {dur:g}s", decl.name.span, hint="shorten a transition")

    built_scenes: list[Scene] = []
    built_transitions: list[Transition] = []
    clips: list[AudioClip] = []
    cues: list[CaptionCue] = []
    music_runs: list[tuple[MusicSpec, float, float]] = []
    scene_starts: list[float] = []
    scene_ends: list[float] = []
    start = 0.0
    for i, (decl, dur, layers, audio) in enumerate(scenes):
        ordered = sorted(layers, key=lambda layer: (layer.kind != "background", layer.z))
        # Rounded to the microsecond so that the JSON of a timeline diffs cleanly.
        start, end = round(start, 6), round(start + dur, 6)
        check_length(end, decl.name.span, f"the video, with scene '{decl.name.name}', would run to",
                     "shorten its scenes, or make two videos")
        check_frames(end, canvas.fps, decl.name.span)
        framed = frame_scene(cameras[i], [layer.build(dur) for layer in ordered], dur)
        built_scenes.append(Scene(decl.name.name, start, end, tuple(framed)))
        scene_starts.append(start)
        scene_ends.append(end)
        # A scene cut to a fixed length cuts its speech, sounds and captions too.
        clips.extend(shifted(clip, start) for clip in cut_clips(audio.clips, dur))
        cues.extend(shifted_cue(cue, start) for cue in cut_cues(audio.cues, dur))
        music = video.music if audio.music == "inherit" else audio.music
        if music is not None:
            # Consecutive scenes with the same music share one clip, so the tune runs on.
            if music_runs and music_runs[-1][0] == music and music_runs[-1][2] >= start:
                music_runs[-1] = (music, music_runs[-1][1], end)
            else:
                music_runs.append((music, start, end))
        if i in overlap:
            kind, tdur, params, easing, _ = overlap[i]
            built_transitions.append(Transition(kind, round(end - tdur, 6), end, i, i + 1, params, easing))
            start = round(end - tdur, 6)
        else:
            start = end
    duration = built_scenes[-1].end
    if video.thumbnail_at is not None and video.thumbnail_at[0] > duration + 1e-9:
        raise SceneError(f"thumbnail at {video.thumbnail_at[0]:g}s is after the end of the video ({duration:g}s)",
                         video.thumbnail_at[1], hint="pick a time inside the video")
    thumbnail_at = None if video.thumbnail_at is None else min(video.thumbnail_at[0], duration)
    if video.thumbnail_scene is not None:
        thumbnail_at = _scene_still(video.thumbnail_scene, built_scenes, built_transitions, canvas.fps)
    music_clips = [spec.clip(a, b, video.age) for spec, a, b in music_runs]  # age: the music's tempo
    music_clips += tracks.clips(scene_starts, scene_ends, duration, video.age)
    timeline = Timeline(
        width=canvas.width, height=canvas.height, fps=canvas.fps, duration=duration, title=video.title,
        background=video.background, safe_area=canvas.safe, scenes=tuple(built_scenes),
        transitions=tuple(built_transitions), chapters=tuple(Chapter(s.name, s.start) for s in built_scenes),
        audio=tuple(sorted(music_clips + clips, key=lambda c: c.start)),
        captions=tuple(hold_for_reading(cues + cut_cues(list(video.caption_cues), duration), video.reading_cps,
                                        duration)),
        captions_mode=video.captions,
        thumbnail_at=thumbnail_at,
        audience_age=video.age,
        tags=video.tags, description=video.description, made_for_kids=video.made_for_kids,
        speech_providers=video.speech_providers, speech_budget=video.speech_budget,
    )
    return CompileResult(timeline, ctx.dependencies)


def _scene_still(name: ast.Word, scenes: list[Scene], transitions: list[Transition], fps: float) -> float:
    """`thumbnail at SCENE`: the scene's last frame before the transition out of it,
    when everything it brought on is in place."""
    index = next((i for i, s in enumerate(scenes) if s.name == name.name), None)
    if index is None:
        names = [s.name for s in scenes]
        raise SceneError(f"thumbnail at '{name.name}': there is no scene of that name", name.span,
                         hint=did_you_mean(name.name, names, f"scenes: {', '.join(names[:12])}"))
    end = min([scenes[index].end] + [t.start for t in transitions if t.from_scene == index])
    return round(max(scenes[index].start, end - 1.0 / fps), 6)


@dataclass
class VideoSettings:
    canvas: Canvas
    title: str
    background: tuple
    music: MusicSpec | None = None
    voice: str = NARRATOR
    captions: str = "off"
    thumbnail_at: tuple[float, ast.Span] | None = None  # `thumbnail at 3s`
    age: float | None = None  # `age 4`: the viewers' age
    speech_rate: float = 1.0  # `speech rate 0.85`: every voice's pace, scaled
    thumbnail_scene: ast.Word | None = None  # `thumbnail at hello`: the end of that scene
    tags: tuple[str, ...] = ()  # `tags "counting" "numbers"`: the upload's tags, first
    description: str = ""  # `description "…"`: the upload's description, before the chapters
    made_for_kids: bool | None = None  # `kids on|off`: the platforms' made-for-children declaration
    speech_providers: tuple[str, ...] = ()  # `speech hibari espeak`: the providers tried, in order
    speech_budget: float | None = None  # `speech budget 0.50`: US dollars its paid speech may cost
    speech_spending: SpeechBudget | None = None  # this compile's ledger that paid lines are charged to
    caption_cues: tuple[CaptionCue, ...] = ()  # `captions "talk.srt"`: cues on the video's clock

    @property
    def reading_cps(self) -> float:
        """The captions' reading speed for the viewers' `age`."""
        return reading_speed_limit(self.age)


_PROBE = Canvas(1920, 1080, DEFAULT_FPS, (0, 0, 1920, 1080))
FORMAT_SETTINGS = ("preset", "size", "fps")


def video_format(video: ast.VideoDecl, options: CompileOptions = CompileOptions()) -> Format:
    """The canvas the video is compiled for: its `preset`, `size` and `fps` settings, with
    the options (the command line's --preset, --size, --fps) winning over them."""
    preset_name: str | None = None
    size = None
    fps: float | None = None
    for setting in video.settings:
        name = setting.name.name
        if name not in FORMAT_SETTINGS:
            continue
        items = Items(setting.items, _PROBE, setting.span)
        if name == "preset":
            preset_name = items.expect_word("a preset", PRESETS)
        elif name == "size":
            size = _size(items, setting)
        else:
            fps = items.number_between("frames per second", 1, 240, "fps")
        items.finish(f"'{name}'")
    return resolve_format(options.preset, options.size, options.fps,
                          file_preset=preset_name, file_size=size, file_fps=fps)


def _video_settings(video: ast.VideoDecl, options: CompileOptions, ctx: Context) -> VideoSettings:
    fmt = video_format(video, options)
    bg = (1.0, 1.0, 1.0, 1.0)
    music: MusicSpec | None = None
    voice, captions = NARRATOR, "off"
    thumbnail_at = None
    age: float | None = None
    speech_rate = 1.0
    extra: dict = {}  # the publishing settings (tags, description, kids, a thumbnail scene)
    for setting in video.settings:
        items = Items(setting.items, _PROBE, setting.span)
        name = setting.name.name
        if name in FORMAT_SETTINGS:
            continue  # read by video_format
        elif name == "background":
            bg = items.color("a background colour")
        elif name == "music":
            music = read_music(items, ctx)
        elif name == "voice":
            voice = read_voice(items)
        elif name == "captions":
            captions, file_cues = read_captions(items, ctx, captions)
            extra["caption_cues"] = extra.get("caption_cues", ()) + tuple(file_cues)
        elif name == "speech" and items.take_word("rate"):
            speech_rate = items.number_between("how much faster or slower everyone speaks, e.g. speech rate 0.85",
                                               0.5, 2, "speech rate",
                                               hint="1 is each voice's own pace; 0.8 is a fifth slower")
        elif name == "speech" and items.take_word("budget"):
            extra["speech_budget"] = read_speech_budget(items)
        elif name == "speech":
            extra["speech_providers"] = read_speech_providers(items)
        elif name == "age":
            age = items.number_between("the viewers' age in years, e.g. age 4", 1, 120, "age", " years")
        elif name == "thumbnail":
            items.take_word("at")
            item = items.peek()
            if isinstance(item, ast.Word) and not items.is_time_next():
                extra["thumbnail_scene"] = items.next("a scene's name")  # checked once the scenes are known
            else:
                thumbnail_at = (items.time("the thumbnail's time, e.g. thumbnail at 3s, or at a scene: "
                                           "thumbnail at hello"), item.span if item else setting.span)
        elif name == "tags":
            tags = [items.string("a tag in quotes, e.g. tags \"counting\" \"numbers\"")]
            while not items.at_end():
                tags.append(items.string("a tag in quotes"))
            extra["tags"] = tuple(" ".join(t.split()) for t in tags if t.strip())
        elif name == "description":
            extra["description"] = items.string('the description in quotes, e.g. description "Count ducks."')
        elif name == "kids":
            extra["made_for_kids"] = items.expect_word("'on' or 'off', as in: kids on", ("on", "off")) == "on"
        else:
            raise SceneError(f"unknown video setting '{name}'", setting.name.span,
                             hint=did_you_mean(name, SETTINGS, f"settings: {', '.join(SETTINGS)}"))
        items.finish(f"'{name}'")
    canvas = Canvas(fmt.width, fmt.height, fmt.fps, fmt.safe)
    extra["speech_spending"] = speech_ledger(extra.get("speech_budget"), video.span)
    if extra["speech_spending"] is not None:
        extra["speech_budget"] = extra["speech_spending"].limit  # the environment's, when the video sets none
    return VideoSettings(canvas, video.title or "", bg, music, voice, captions, thumbnail_at, age, speech_rate,
                         **extra)


def _size(items: Items, setting: ast.Setting) -> tuple[int, int]:
    item = items.next("a size like 1920x1080")
    if isinstance(item, ast.Dimensions):
        w, h = item.width, item.height
    elif isinstance(item, ast.Number):
        w, h = int(item.value), int(items.number("a height"))
    else:
        raise SceneError(f"expected a size like 1920x1080, got '{item.text}'", item.span)
    check_size(w, h, item.span)
    return w, h


def check_size(w: int, h: int, span: ast.Span | None = None, what: str = "size") -> None:
    if not (16 <= w <= MAX_SIZE and 16 <= h <= MAX_SIZE):
        raise SceneError(f"{what} {w}x{h} is out of range", span, hint=f"width and height between 16 and {MAX_SIZE}")
    if w % 2 or h % 2:
        raise SceneError(f"{what} {w}x{h} has an odd side", span, hint="H.264 with yuv420p needs even width and height")


def _extension(find, name: str, span: ast.Span):
    """`find(name)`, with an installed package's broken entry point reported at the word."""
    from ..engine.plugins import PluginError

    try:
        return find(name)
    except PluginError as err:
        raise SceneError(str(err), span, hint="reinstall (or uninstall) the package that declares it") from None


def _plugin_kinds() -> list[str]:
    """The element kinds installed packages add (engine/plugins.py), for hints."""
    from ..engine.raster.painters import PAINTERS

    return [name for name in PAINTERS.names() if name not in PAINTERS.builtins and name not in ELEMENTS]


def _plugin_transition(kind: str) -> bool:
    """A transition another package adds (engine/plugins.py, `storyreel.transitions`);
    it takes a duration and an easing, like crossfade."""
    from ..engine.raster.raster import TRANSITIONS as DRAWN

    return DRAWN.find(kind) is not None


def _transition(decl: ast.TransitionDecl, canvas: Canvas, place: int = 0):
    """(kind, duration, params, easing, decl); `place`: the transition's number in the
    video, so that two `random` transitions with one seed pick different kinds."""
    kind = TRANSITION_ALIASES.get(decl.kind.name, decl.kind.name)
    if kind not in TRANSITIONS and not _extension(_plugin_transition, kind, decl.kind.span):
        from ..engine.raster.raster import TRANSITIONS as DRAWN

        names = [*TRANSITIONS, *(n for n in DRAWN.names() if n not in TRANSITIONS)]
        raise SceneError(f"unknown transition '{kind}'", decl.kind.span,
                         hint=did_you_mean(kind, names, f"transitions: {', '.join(names)}"))
    items = Items(decl.items, canvas, decl.span)
    params: dict = {}
    if kind == "random":
        seed = 0
        if items.take_word("seed"):
            seed = int(items.number_between("the seed that picks the transition, e.g. seed 3", 0, 2**31, "seed"))
        kind, direction = pick_random(seed, place)
        if direction:
            params["direction"] = direction
    known = TRANSITION_KINDS.get(kind)
    if kind == "fade-through":
        params["color"] = list(items.color("the colour to fade through") if not items.is_time_next() else (0, 0, 0, 1))
    elif known is not None and known.directions and "direction" not in params:
        params["direction"] = (items.take_word(*known.directions).name if items.peek_word(*known.directions)
                               else known.default_direction)
    default_easing = known.easing if known is not None else "linear"
    timing = read_timing(items, 0.0 if kind == "cut" else 0.5, default_easing)
    items.finish(f"transition {kind}")
    if timing.rest_of_scene:
        raise SceneError("a transition needs a duration, not 'scene'", decl.span)
    duration = 0.0 if kind == "cut" else timing.duration
    return kind, duration, params, timing.easing, decl


def _check_drawable(layer: LayerBuilder, items: tuple[ast.Item, ...], span: ast.Span) -> None:
    """What the elements read but only the renderer would choke on, checked where
    `render check` sees it: a polygon of 1e29 sides compiles in no time and then
    never finishes drawing; a negative seed makes numpy raise at the first frame."""
    def where(word: str) -> ast.Span:
        # The value after `word` (`sides 12`, `seed 3`), else the whole statement.
        for i, item in enumerate(items[:-1]):
            if isinstance(item, ast.Word) and item.name == word:
                return items[i + 1].span
        return span

    for attr, word in (("sides", "sides"), ("points", "points")):
        value = layer.attrs.get(attr)
        if isinstance(value, int) and value > MAX_POINTS:
            count = f"{value:,}" if value < 10**9 else f"{float(value):.3g}"
            raise SceneError(f"a {layer.kind} with {count} {word}: the limit is {MAX_POINTS:,}", where(word),
                             hint=f"beyond a few hundred {word} a {layer.kind} looks like a circle: "
                                  f"use a circle")
    seed = layer.attrs.get("seed")
    if isinstance(seed, int) and seed < 0:
        raise SceneError(f"a seed must be 0 or more, got {seed}", where("seed"),
                         hint="any whole number from 0 picks a different random layout")


class SceneCompiler:
    """Runs one scene's steps on a cursor and collects its layers."""

    def __init__(self, decl: ast.SceneDecl, canvas: Canvas, ctx: Context, video: VideoSettings,
                 cast: dict[str, CastMember] | None = None, tracks: Tracks | None = None):
        self.cast = cast or {}
        self.tracks = tracks or Tracks()
        self.video = video
        self.decl = decl
        self.canvas = canvas
        self.ctx = ctx
        self.audio = SceneAudio()
        self.layers: dict[str, LayerBuilder] = {}
        self.order: list[LayerBuilder] = []
        self.background: LayerBuilder | None = None
        self.camera: LayerBuilder | None = None  # `camera: …` lines (dsl/camera.py)
        self.latest_end = 0.0
        self.layer_count = 0

    def run(self) -> tuple[float, list[LayerBuilder]]:
        end = self.run_sequence(self.decl.steps, 0.0)
        natural = max(end, self.latest_end)
        natural = max(natural, *(layer.appear for layer in self.order), 0.0)
        if self.decl.duration is not None:
            items = Items([self.decl.duration], self.canvas, self.decl.span)
            duration = items.time("the scene's duration")
            if duration <= 0:
                raise SceneError("a scene's duration must be more than 0", self.decl.duration.span)
            check_length(duration, self.decl.duration.span, "this scene would last", "shorten this scene")
        else:
            duration = natural if natural > 0 else self._clips_length()
        if duration <= 0:
            raise SceneError(f"scene '{self.decl.name.name}' lasts 0 seconds", self.decl.name.span,
                             hint=f"give it a duration, scene {self.decl.name.name} (3s), or add a wait")
        for layer in self.order:
            if layer.kind == "character":
                add_idle_life(layer, self.decl.name.name, duration)
        return duration, self.order

    def _clips_length(self) -> float:
        """A scene with nothing that takes time but its clips lasts as long as they play
        (`scene intro { c = video "intro.mp4" }`); looping clips have no length."""
        ends = [layer.appear + (layer.attrs["to"] - layer.attrs["from"]) / layer.attrs.get("speed", 1.0)
                for layer in self.order if layer.kind == "video" and not layer.attrs.get("loop")
                and "freeze" not in layer.attrs]
        return round(max(ends), 6) if ends else 0.0

    def reading_time_left(self, t: float) -> float:
        """`wait for reading`: how long the caption of the line said last needs to
        stay up, from `t`, to be read at the viewers' reading speed (`age`)."""
        said = [cue for cue in self.audio.cues if cue.start <= t + 1e-9]
        if not said:
            return 0.0
        last = max(said, key=lambda cue: cue.start)
        # hold_for_reading then keeps the cue up until this time.
        return max(0.0, round(readable_at(last, self.video.reading_cps) - t, 6))

    def run_sequence(self, steps: tuple[ast.Step, ...], start: float) -> float:
        cursor = start
        for step in steps:
            cursor = self.run_step(step, cursor)
        return cursor

    def run_step(self, step: ast.Step, t: float) -> float:
        end = self._run_step(step, t)
        # Checked after every step, not once per scene: a step that runs for years
        # (`wait 1e20s`, a walk to x = 1e20) must stop here, before the blinks and
        # breaths of the scene are planned for all that time.
        check_length(max(end, self.latest_end), step.span, "this step would run to", "shorten this step")
        return end

    def _run_step(self, step: ast.Step, t: float) -> float:
        if isinstance(step, ast.Declare) and step.kind.name in TRACK_KINDS:
            heard_until = self.tracks.declare(step, Items(step.items, self.canvas, step.span), t, self.ctx,
                                              set(self.layers) | set(self.cast))
            self.latest_end = max(self.latest_end, heard_until)
            return t
        if isinstance(step, ast.Declare):
            self.declare(step, t, None)
            return t
        if isinstance(step, ast.BackgroundDecl):
            self.declare_background(step, t)
            return t
        if isinstance(step, ast.Animate):
            items = Items(step.items, self.canvas, step.span)
            if step.target.name == "camera" and "camera" not in self.layers:
                self.camera = self.camera or new_camera(self.canvas, step.span)
                end = t + camera_action(self.camera, items, t, self.target_position)
                self.latest_end = max(self.latest_end, end)
                return end
            if step.target.name not in self.layers and self.tracks.get(step.target.name) is not None:
                end = t + self.tracks.act(step.target, items, t)
                self.latest_end = max(self.latest_end, end)
                return end
            layer = self.lookup(step.target)
            if layer.kind == "character":
                end = t + self.character_action(layer, items, t, step.span)
            else:
                end = t + run_action(layer, items, t, step.span)
            self.latest_end = max(self.latest_end, end)
            return end
        if isinstance(step, ast.Wait):
            items = Items(step.items, self.canvas, step.span)
            if items.take_word("for"):
                items.expect_word("'reading', as in: wait for reading", ("reading",))
                items.finish("wait for reading")
                return t + self.reading_time_left(t)
            item = items.peek()
            duration = items.time("how long to wait, or 'for reading'")
            if duration < 0:
                raise SceneError("a wait cannot be negative", item.span,  # type: ignore[union-attr]
                                 hint="to start something earlier, put it in an `at TIME { … }` block")
            items.finish("wait")
            return t + duration
        if isinstance(step, ast.Says):
            member = self.cast.get(step.speaker.name)
            said, listener = take_listener(step.items)  # `luna says "…" to sunny`
            items = Items(said, self.canvas, step.span)
            spoken, mood = compile_says(step, items, t, self.video.voice, self.audio,
                                        voice_of(member) if member else None, self.video.speech_rate, ctx=self.ctx,
                                        age=self.video.age, providers=self.video.speech_providers,
                                        budget=self.video.speech_spending)
            if member is not None:
                speak(self.lookup(step.speaker), spoken, t, mood)
                if listener is not None:
                    face_each_other(self.lookup(step.speaker), self.lookup(listener), t, self.canvas)
            end = t + spoken.duration
            self.latest_end = max(self.latest_end, end)
            return end
        if isinstance(step, ast.SoundStep):
            length = compile_sound(step, Items(step.items, self.canvas, step.span), t, self.ctx, self.audio)
            # A sound takes no time, but a scene that ends with one lasts until it is heard.
            self.latest_end = max(self.latest_end, t + length)
            return t
        if isinstance(step, ast.MusicStep):
            if self.audio.music != "inherit":
                raise SceneError("a second music line in this scene", step.span,
                                 hint="a scene has one music setting; it applies to the whole scene")
            self.audio.music = read_music(Items(step.items, self.canvas, step.span), self.ctx)
            return t
        if isinstance(step, (ast.Together, ast.Parallel)):
            return max([t, *(self.run_step(inner, t) for inner in step.steps)])
        if isinstance(step, ast.AtBlock):
            offset = Items([step.when], self.canvas, step.span).time("a time in the scene")
            if offset < 0:
                raise SceneError("an 'at' time cannot be negative", step.when.span,
                                 hint="'at' counts from the start of the scene: at 0s, at 1.5s")
            check_length(offset, step.when.span, "this 'at' time is", "choose an earlier time")
            end = self.run_sequence(step.steps, offset)
            self.latest_end = max(self.latest_end, end)
            return t
        raise AssertionError(f"unhandled step {step!r}")

    def declare(self, decl: ast.Declare, t: float, parent: LayerBuilder | None) -> LayerBuilder:
        name, kind = decl.name.name, decl.kind.name
        if _extension(element_kind, kind, decl.kind.span) is None:
            kinds = [*ELEMENTS, *_plugin_kinds()]
            raise SceneError(f"unknown element kind '{kind}'", decl.kind.span,
                             hint=did_you_mean(kind, kinds, f"kinds: {', '.join(kinds)}"))
        if name in self.layers and self.layers[name].disappear is None:
            raise SceneError(f"'{name}' is already declared in this scene", decl.name.span,
                             hint="pick another name, or remove the first one before reusing its name")
        self.tracks.check_free(name, decl.name.span)
        if name == "background":
            raise SceneError("'background' is the scene's background, not an element name", decl.name.span,
                             hint="write: background COLOR | gradient C1 C2 | image \"file\"")
        if decl.children is not None and kind != "group":
            raise SceneError(f"only a group has a {{ }} body; '{name}' is a {kind}", decl.kind.span)
        self.count_layer(decl.span)
        layer = LayerBuilder(name, kind, decl.span, t, parent=parent)
        declare(decl, Items(decl.items, self.canvas, decl.span), layer, self.ctx)
        attach_mask(layer, self.layers, self.order if parent is None else parent.children)
        _check_drawable(layer, decl.items, decl.span)
        if kind == "video" and layer.attrs.get("audible"):
            # The clip's own sound joins the soundtrack, trimmed and looped like its picture.
            self.audio.clips.append(AudioClip(
                start=t, kind="sound", source=layer.attrs["file"], volume=layer.attrs.get("volume", 1.0),
                loop=layer.attrs["loop"], params={"trim_start": layer.attrs["from"], "trim_end": layer.attrs["to"],
                                                  **({"speed": layer.attrs["speed"]} if "speed" in layer.attrs else {}),
                                                  **({"voice": True} if layer.attrs.get("voice") else {})}))
        self.layers[name] = layer
        if parent is None:
            self.order.append(layer)
        else:
            parent.children.append(layer)
        for child in decl.children or ():
            child_layer = self.declare(child, t, layer)
            child_layer.appear = 0.0  # children appear with their group
        return layer

    def declare_background(self, step: ast.BackgroundDecl, t: float) -> None:
        if self.background is not None and self.background.disappear is None:
            self.background.disappear = t  # a new background replaces the old one from now on
        self.count_layer(step.span)
        layer = LayerBuilder("background", "background", step.span, t)
        background(Items(step.items, self.canvas, step.span), layer, self.ctx)
        _check_drawable(layer, step.items, step.span)
        self.background = layer
        self.layers["background"] = layer
        self.order.append(layer)

    def character_action(self, layer: LayerBuilder, items: Items, t: float, span: ast.Span) -> float:
        """Character actions first (dsl/cast.py: walking, gestures, pointing, turning,
        poses, faces); anything else (fade in, scale to, …) is the ordinary action."""
        first = items.peek()
        word = first.name if isinstance(first, ast.Word) else None
        duration = character_action(Action(layer, t, items), self)
        if duration is None:
            try:
                return run_action(layer, items, t, span)
            except SceneError as err:
                if word is not None and err.message.startswith("unknown action") \
                        and not (err.hint or "").startswith("did you mean"):
                    err.hint = did_you_mean(word, CHARACTER_WORDS) or err.hint
                raise
        items.finish(f"'{word}'")
        return duration

    def target_position(self, items: Items, t: float) -> tuple[float, float]:
        """`NAME` (where that element or character is at `t`) or a position."""
        item = items.peek()
        if isinstance(item, ast.Word) and (item.name in self.layers or item.name in self.cast):
            items.i += 1
            other = self.lookup(item)
            if other.value_at("x", t) is None:  # the background, a sound: nothing to point at
                raise SceneError(f"'{item.name}' has no place on the canvas to look or point at", item.span,
                                 hint="name an element, a cast member or a position, as in: point at (50%, 40%)")
            x = other.value_at("x", t) + other.value_at("offset_x", t)
            y = other.value_at("y", t) + other.value_at("offset_y", t)
            if other.kind == "character":
                y -= load_character(other.attrs["character"]).height * 0.6 * self.canvas.unit
            return (x, y)
        if isinstance(item, ast.Word) and item.name not in ALL_ANCHORS:
            raise SceneError(f"unknown name '{item.name}'", item.span,
                             hint=did_you_mean(item.name, [*self.layers, *self.cast], "name an element, a cast member or a position"))
        x, y, _ = items.position("what to look or point at")
        return (x, y)

    def count_layer(self, span: ast.Span) -> None:
        """One more layer in this scene: at most MAX_LAYERS, each drawn on every frame."""
        self.layer_count += 1
        if self.layer_count > MAX_LAYERS:
            raise SceneError(f"more than {MAX_LAYERS:,} elements in one scene", span,
                             hint="split the scene, or draw many small things as one element "
                                  "(particles, an image)")

    def lookup(self, word: ast.Word) -> LayerBuilder:
        layer = self.layers.get(word.name)
        if layer is None and word.name in self.cast:
            # A cast member steps on stage in every scene that mentions it.
            self.count_layer(word.span)
            layer = character_layer(self.cast[word.name], self.canvas)
            self.layers[word.name] = layer
            self.order.append(layer)
        if layer is None:
            if word.name == "background":
                raise SceneError("this scene has no background yet", word.span,
                                 hint="declare one first: background gradient #FFE29A #FFA99F")
            raise SceneError(f"unknown name '{word.name}'", word.span,
                             hint=did_you_mean(word.name, self.layers,
                                               "declare it first in this scene: NAME = KIND … (names do not carry across scenes)"))
        return layer
