"""Named sound and music tracks: `rain = sound "rain.wav" loop across scenes`,
`theme = music "theme.mp3" volume 0.2`.

A track's volume animates with the words any property animates with
(`rain: volume to 0.1 over 2s ease out-sine`, `rain: fade out 1s`), it can be
stopped (`rain: stop`), and with `across scenes` it plays on past its scene's
end, through transitions, until it is stopped, ends, or the video ends; a later
scene refers to it by its name. Music tracks play alongside the video's and the
scene's music (several at once) and duck under speech like it.

Tracks are read in scene-local times tagged with their scene; once the compiler
has placed the scenes, `Tracks.clips` puts them on the video's clock, with the
volume ramps as the mixer's `volume_keys` (engine/audio/automation.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..engine.timeline.timeline import AudioClip, Segment, Track
from . import ast
from .actions import read_timing
from .audio import MusicSpec, read_music, read_sound_source, sound_settings
from .elements import Context
from .errors import SceneError, did_you_mean
from .values import Items

TRACK_KINDS = ("sound", "music")
TRACK_ACTIONS = ("volume to", "fade in", "fade out", "stop")
DEFAULT_RAMP = 0.5  # seconds, as for any property's tween
SOUND_FLAGS = ("loop", "duck", "across")


@dataclass
class Ramp:
    """The volume going to `to` from `start` to `end` (scene-local; None: the scene's end)."""

    scene: int
    start: float
    end: float | None
    to: float
    easing: str


@dataclass
class SoundTrack:
    name: str
    scene: int
    start: float  # scene-local
    clip: AudioClip | None  # a sound: its clip, placed at 0
    music: MusicSpec | None  # a music track
    across: bool
    span: ast.Span
    ramps: list[Ramp] = field(default_factory=list)
    stop: tuple[int, float] | None = None  # (scene, scene-local time)
    silent_until_fade: bool = False  # its first volume action is `fade in`: silent until then

    @property
    def volume(self) -> float:
        return self.music.volume if self.music is not None else self.clip.volume  # type: ignore[union-attr]


class Tracks:
    """Every named track of a video; `begin_scene(i)` before compiling scene i."""

    def __init__(self) -> None:
        self.all: list[SoundTrack] = []
        self.live: dict[str, SoundTrack] = {}  # the names a scene's steps can use now
        self.scene = 0

    def begin_scene(self, index: int) -> None:
        self.scene = index
        self.live = {name: tr for name, tr in self.live.items() if tr.across and tr.stop is None}

    def get(self, name: str) -> SoundTrack | None:
        return self.live.get(name)

    def check_free(self, name: str, span: ast.Span) -> None:
        """An element may not take the name of a track that is playing."""
        if name in self.live:
            raise SceneError(f"'{name}' is already a {'music' if self.live[name].music else 'sound'} track here",
                             span, hint="pick another name")

    def declare(self, decl: ast.Declare, items: Items, t: float, ctx: Context, taken: set[str]) -> float:
        """`NAME = sound …` / `NAME = music …` at scene-local `t`: returns until when the
        scene must last for it to be heard (t for a loop, music, or a track across scenes)."""
        name = decl.name.name
        if name in taken or name in self.live:
            raise SceneError(f"'{name}' is already the name of an element, a cast member or a track here",
                             decl.name.span, hint="pick another name, or stop the track before reusing its name")
        if decl.children is not None:
            raise SceneError(f"only a group has a {{ }} body; '{name}' is a {decl.kind.name}", decl.kind.span)
        if decl.kind.name == "music":
            rest, across = _without_across(items)
            spec = read_music(rest, ctx)
            if spec is None:
                raise SceneError("a music track cannot be 'off'", decl.kind.span,
                                 hint="stop a playing track with: NAME: stop, or NAME: fade out 1s")
            track = SoundTrack(name, self.scene, t, None, spec, across, decl.span)
            heard_until = t
        else:
            source, length = read_sound_source(items, ctx)
            params = sound_settings(items, length, SOUND_FLAGS)
            items.finish(f"the sound track '{name}'")
            if "captions" in params:
                raise SceneError("a named track cannot have captions", params["captions"].span,
                                 hint='caption the recording with an unnamed sound: sound "talk.wav" captions '
                                      '"talk.srt", or give the video the file: video { captions "talk.srt" }')
            volume = params.pop("volume", 1.0)
            loop, duck, across = (bool(params.pop(flag, False)) for flag in SOUND_FLAGS)
            clip = AudioClip(start=0.0, kind="sound", source=source, volume=volume, loop=loop, duck=duck,
                             params=params)
            track = SoundTrack(name, self.scene, t, clip, None, across, decl.span)
            played = params.get("trim_end", length) - params.get("trim_start", 0.0)
            heard_until = t if loop or across else t + played
        self.all.append(track)
        self.live[name] = track
        return heard_until

    def act(self, word: ast.Word, items: Items, t: float) -> float:
        """`NAME: volume to V [over T] [ease E]`, `fade in|out [T]`, `stop` at `t`; returns
        how long it occupies the cursor."""
        track = self.live[word.name]
        if track.stop is not None:
            raise SceneError(f"'{word.name}' has already stopped", word.span,
                             hint="a track's actions come before its stop")
        first = items.next("an action: " + ", ".join(TRACK_ACTIONS))
        action = first.name if isinstance(first, ast.Word) else first.text
        if action == "volume":
            items.expect_word("'to', as in: volume to 0.2 over 2s", ("to",))
            to = items.number_between("a volume (0 to 2)", 0, 2, "volume",
                                      hint="1 is the sound as it is; 0.5 about half as loud; 0 silent")
            timing = read_timing(items, DEFAULT_RAMP)
        elif action == "fade":
            way = items.expect_word("in or out", ("in", "out"))
            timing = read_timing(items, DEFAULT_RAMP, "linear")
            to = track.volume if way == "in" else 0.0
            if way == "in" and not track.ramps:
                track.silent_until_fade = True
        elif action == "stop":
            items.finish("stop")
            track.stop = (self.scene, t)
            return 0.0
        else:
            raise SceneError(f"a {'music' if track.music else 'sound'} track cannot '{first.text}'", first.span,
                             hint=did_you_mean(first.text, ("volume", "fade", "stop"), None)
                             or f"a track's actions: {', '.join(TRACK_ACTIONS)}")
        items.finish(f"{action} of the track '{word.name}'")
        end = timing.end(t)
        track.ramps.append(Ramp(self.scene, t, end, to, timing.easing))
        if action == "fade" and to == 0.0:
            track.stop = (self.scene, t + timing.duration) if end is not None else None
        return timing.occupies

    def clips(self, starts: list[float], ends: list[float], duration: float, age: float | None) -> list[AudioClip]:
        """Every track on the video's clock; `starts`/`ends`: each scene's place in the video."""
        out = []
        for track in self.all:
            begin = round(starts[track.scene] + track.start, 6)
            if track.stop is not None:
                end = starts[track.stop[0]] + track.stop[1]
            elif track.across:
                end = duration
            else:
                end = ends[track.scene]
            end = round(min(end, duration), 6)
            if end <= begin:
                continue
            keys = _volume_keys(track, starts, ends, begin)
            if track.music is not None:
                clip = track.music.clip(begin, end, age)
            else:
                clip = replace(track.clip, start=begin, end=end)  # type: ignore[arg-type]
            params: dict[str, Any] = dict(clip.params or {})
            initial = 0.0 if track.silent_until_fade else clip.volume
            if keys or initial != clip.volume:
                params["volume_keys"] = keys
                clip = replace(clip, volume=initial)
            out.append(replace(clip, params=params))
        return out


def _volume_keys(track: SoundTrack, starts: list[float], ends: list[float], begin: float) -> list[list]:
    """The track's ramps as [start, end, from, to, easing] in seconds from its start, each
    from the volume the ones before it reached (a later ramp wins from its start)."""
    curve = Track(0.0 if track.silent_until_fade else track.volume)
    keys = []
    for ramp in sorted(track.ramps, key=lambda r: (starts[r.scene] + r.start)):
        a = round(starts[ramp.scene] + ramp.start - begin, 6)
        b = round((ends[ramp.scene] if ramp.end is None else starts[ramp.scene] + ramp.end) - begin, 6)
        segment = Segment(a, b, float(curve.value_at(a)), ramp.to, ramp.easing)
        curve = Track(curve.initial, (*curve.segments, segment))
        keys.append([a, b, segment.from_value, segment.to_value, segment.easing])
    return keys


def _without_across(items: Items) -> tuple[Items, bool]:
    """The items with `across scenes` taken out (music's own settings reader does not know it)."""
    rest, across, i = [], False, 0
    while i < len(items.items):
        item, after = items.items[i], items.items[i + 1] if i + 1 < len(items.items) else None
        if isinstance(item, ast.Word) and item.name == "across" and isinstance(after, ast.Word) \
                and after.name == "scenes":
            across, i = True, i + 2
            continue
        rest.append(item)
        i += 1
    return Items(rest, items.canvas, items.where), across
