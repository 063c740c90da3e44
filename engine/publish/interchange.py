"""The timeline as an OpenTimelineIO file (`render compile FILE --otio out.otio`),
for an editor (DaVinci Resolve, Premiere through its adapters, Kdenlive, OTIO's
own viewer) to open, re-cut and finish.

What it holds:
  - a video track "Scenes": one clip per scene, named after it, whose media is
    the rendered video (`media`, by default FILE.mp4 beside the .scene): each
    clip is that scene's part of the movie. A transition is rendered into the
    movie, so two scenes meet at its middle, and the clip that follows carries
    the transition (kind, duration) in its metadata under "storyreel".
  - audio tracks "Speech", "Sounds" and "Music" (more lanes where clips
    overlap): each clip with its file as an external reference (trimmed by its
    `from`/`to`), a built-in sound as a generator reference named after it,
    generated music as a generator reference with its settings (mood, melody,
    seed, …). Volume, fades and ramps go in the clip's metadata.
  - the chapters as markers on the timeline, and the caption cues as markers
    on the "Scenes" track (comment: the cue's text).
Times are exact: seconds at the video's frame rate (`RationalTime.from_seconds`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..encode.outputs import atomic_output
from ..timeline.timeline import AudioClip, Timeline

AUDIO_TRACKS = (("speech", "Speech"), ("sound", "Sounds"), ("music", "Music"))
METADATA_KEY = "storyreel"


def timeline_to_otio(timeline: Timeline, media: str | os.PathLike | None = None):
    """An `opentimelineio.schema.Timeline` of `timeline`; `media` is the rendered video
    the scene clips refer to (a missing reference when None)."""
    import opentimelineio as otio

    rate = float(timeline.fps)

    def at(seconds: float):
        return otio.opentime.RationalTime.from_seconds(seconds, rate)

    def span(start: float, duration: float):
        return otio.opentime.TimeRange(at(start), at(max(0.0, duration)))

    result = otio.schema.Timeline(name=timeline.title or "storyreel", global_start_time=at(0.0))
    result.metadata[METADATA_KEY] = {"width": timeline.width, "height": timeline.height, "fps": timeline.fps,
                                     "duration": timeline.duration, "captions_mode": timeline.captions_mode}
    movie = span(0.0, timeline.duration)

    def movie_reference():
        if media is None:
            return otio.schema.MissingReference(name="rendered video")
        return otio.schema.ExternalReference(target_url=Path(media).resolve().as_uri(), available_range=movie)

    scenes = otio.schema.Track(name="Scenes", kind=otio.schema.TrackKind.Video)
    bounds = _scene_bounds(timeline)
    into = {tr.to_scene: tr for tr in timeline.transitions}
    for i, scene in enumerate(timeline.scenes):
        start, end = bounds[i], bounds[i + 1]
        clip = otio.schema.Clip(name=scene.name, media_reference=movie_reference(), source_range=span(start, end - start))
        info: dict[str, Any] = {"scene_start": scene.start, "scene_end": scene.end}
        if i in into:
            tr = into[i]
            info["transition_in"] = {"kind": tr.kind, "duration": round(tr.end - tr.start, 6), "easing": tr.easing}
        clip.metadata[METADATA_KEY] = info
        scenes.append(clip)
    for cue in timeline.captions:
        scenes.markers.append(otio.schema.Marker(name="caption", marked_range=span(cue.start, cue.end - cue.start),
                                                 color=otio.schema.MarkerColor.YELLOW, comment=cue.text))
    result.tracks.append(scenes)

    for kind, title in AUDIO_TRACKS:
        for lane, clips in enumerate(_lanes([c for c in timeline.audio if c.kind == kind], timeline.duration)):
            track = otio.schema.Track(name=title if lane == 0 else f"{title} {lane + 1}",
                                      kind=otio.schema.TrackKind.Audio)
            cursor = 0.0
            for clip, start, end in clips:
                if start > cursor + 1e-9:
                    track.append(otio.schema.Gap(source_range=span(0.0, start - cursor)))
                track.append(_audio_clip(otio, clip, span(_trim_start(clip), end - start),
                                         _said(timeline, clip) if kind == "speech" else ""))
                cursor = end
            result.tracks.append(track)

    for chapter in timeline.chapters:
        result.tracks.markers.append(otio.schema.Marker(name=chapter.name, marked_range=span(chapter.time, 0.0),
                                                        color=otio.schema.MarkerColor.GREEN, comment="chapter"))
    return result


def write_otio(timeline: Timeline, path: str | os.PathLike, media: str | os.PathLike | None = None) -> Path:
    """Write `timeline` as an .otio file (OpenTimelineIO JSON), atomically."""
    import opentimelineio as otio

    path = Path(path)
    with atomic_output(path, ".otio") as tmp:
        otio.adapters.write_to_file(timeline_to_otio(timeline, media), str(tmp), adapter_name="otio_json")
    return path


def _scene_bounds(timeline: Timeline) -> list[float]:
    """Where each scene's clip starts in the movie, and the movie's end: a scene starts
    where it does, or at the middle of the transition into it."""
    bounds = [0.0]
    into = {tr.to_scene: tr for tr in timeline.transitions}
    for i, scene in enumerate(timeline.scenes[1:], start=1):
        tr = into.get(i)
        bounds.append(round((tr.start + tr.end) / 2, 6) if tr is not None else scene.start)
    bounds.append(timeline.duration)
    return bounds


def _lanes(clips: list[AudioClip], duration: float) -> list[list[tuple[AudioClip, float, float]]]:
    """Clips (with their start and end in the video) packed into as few tracks as keep
    them from overlapping, in time order."""
    lanes: list[list[tuple[AudioClip, float, float]]] = []
    for clip in sorted(clips, key=lambda c: c.start):
        start = max(0.0, clip.start)
        end = min(duration, _natural_end(clip, duration), clip.end if clip.end is not None else duration)
        if end <= start:
            continue
        for lane in lanes:
            if lane[-1][2] <= start + 1e-9:
                lane.append((clip, start, end))
                break
        else:
            lanes.append([(clip, start, end)])
    return lanes


def _natural_end(clip: AudioClip, duration: float) -> float:
    """Where a clip with no `end` stops: a file's or library sound's length (trimmed),
    or the video's end for what loops and for music."""
    if clip.loop or clip.kind == "music":
        return duration
    try:
        from ..audio.files import load_audio
        from ..audio.library import is_library_sound, library_sound

        data = library_sound(clip.source) if is_library_sound(clip.source) else load_audio(clip.source)
        length = data.shape[1] / 48000
    except Exception:  # noqa: BLE001 - an unreadable source still gets a clip, to the video's end
        return duration
    params = clip.params or {}
    length = min(length, float(params.get("trim_end", length))) - float(params.get("trim_start", 0.0))
    return clip.start + max(0.0, length)


def _trim_start(clip: AudioClip) -> float:
    return float((clip.params or {}).get("trim_start", 0.0))


def _said(timeline: Timeline, clip: AudioClip) -> str:
    """The words of a spoken line: the caption cue that starts with it (names its clip)."""
    for cue in timeline.captions:
        if abs(cue.start - clip.start) < 0.05:
            return cue.text.replace("\n", " ")
    return ""


def _audio_clip(otio, clip: AudioClip, source_range, words: str = ""):
    from ..audio.library import is_library_sound

    params = {k: v for k, v in (clip.params or {}).items() if k not in ("trim_start", "trim_end")}
    if clip.kind == "music" and clip.source.strip().lower() in ("nursery", "generated"):
        reference = otio.schema.GeneratorReference(name=clip.source, generator_kind=f"storyreel.music.{clip.source}",
                                                   parameters=_plain(params))
        name = f"music: {params.get('melody') or clip.source}"
    elif clip.kind == "sound" and is_library_sound(clip.source):
        reference = otio.schema.GeneratorReference(name=clip.source, generator_kind="storyreel.sound",
                                                   parameters={"sound": clip.source})
        name = clip.source
    else:
        reference = otio.schema.ExternalReference(target_url=Path(clip.source).resolve().as_uri())
        name = Path(clip.source).name if clip.kind != "speech" else f"{params.get('speaker', 'speech')}: {words or 'line'}"
    result = otio.schema.Clip(name=name, media_reference=reference, source_range=source_range)
    result.metadata[METADATA_KEY] = _plain({"kind": clip.kind, "volume": clip.volume, "loop": clip.loop,
                                            "duck": clip.duck, **params})
    return result


def _plain(value: Any) -> Any:
    """JSON-able values for OTIO's metadata (tuples as lists, numbers as floats or ints)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return str(value)
