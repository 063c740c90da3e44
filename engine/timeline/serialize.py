"""Timeline <-> JSON. The JSON is the engine's IR on disk: stable key order, so
two compiles of the same file diff cleanly, and loading it gives the same frames."""
from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from .timeline import AudioClip, CaptionCue, Chapter, Layer, Scene, Segment, Timeline, Track, Transition, WordCue

FORMAT_VERSION = 1


def _value(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


def _segment(s: Segment) -> dict:
    d = {"start": s.start, "end": s.end, "from": _value(s.from_value), "to": _value(s.to_value), "easing": s.easing}
    if s.path is not None:
        d["path"] = s.path
    return d


def _layer(layer: Layer) -> dict:
    d: dict[str, Any] = {
        "id": layer.id,
        "kind": layer.kind,
        "appear": layer.appear,
        "disappear": layer.disappear,
        "z": layer.z,
        "attrs": layer.attrs,
        "tracks": {
            name: {"initial": _value(t.initial), "segments": [_segment(s) for s in t.segments]}
            for name, t in layer.tracks.items()
        },
    }
    if layer.children:
        d["children"] = [_layer(c) for c in layer.children]
    return d


def timeline_to_dict(tl: Timeline) -> dict:
    return {
        "storyreel_timeline": FORMAT_VERSION,
        "title": tl.title,
        "width": tl.width,
        "height": tl.height,
        "fps": tl.fps,
        "duration": tl.duration,
        "background": list(tl.background),
        "safe_area": list(tl.safe_area),
        "scenes": [
            {"name": s.name, "start": s.start, "end": s.end, "layers": [_layer(layer) for layer in s.layers]}
            for s in tl.scenes
        ],
        "transitions": [
            {"kind": t.kind, "start": t.start, "end": t.end, "from_scene": t.from_scene,
             "to_scene": t.to_scene, "params": t.params, "easing": t.easing}
            for t in tl.transitions
        ],
        "audio": [{f.name: getattr(a, f.name) for f in fields(a)} for a in tl.audio],
        "captions": [
            {"start": c.start, "end": c.end, "text": c.text, "speaker": c.speaker,
             "words": [{"text": w.text, "start": w.start, "end": w.end} for w in c.words]}
            for c in tl.captions
        ],
        "chapters": [{"name": c.name, "time": c.time} for c in tl.chapters],
        "captions_mode": tl.captions_mode,
        **({"thumbnail_at": tl.thumbnail_at} if tl.thumbnail_at is not None else {}),
        **({"audience_age": tl.audience_age} if tl.audience_age is not None else {}),
        **({"tags": list(tl.tags)} if tl.tags else {}),
        **({"description": tl.description} if tl.description else {}),
        **({"made_for_kids": tl.made_for_kids} if tl.made_for_kids is not None else {}),
        **({"loudness": tl.loudness} if tl.loudness != -14.0 else {}),
        **({"speech_providers": list(tl.speech_providers)} if tl.speech_providers else {}),
        **({"speech_budget": tl.speech_budget} if tl.speech_budget is not None else {}),
    }


def timeline_to_json(tl: Timeline) -> str:
    return json.dumps(timeline_to_dict(tl), indent=2, sort_keys=False, default=_value)


def _tuple(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(_tuple(x) for x in v)
    return v


def _attrs(d: dict) -> dict:
    # Attribute values that are lists in JSON were tuples or lists of points.
    return {k: (_tuple(v) if isinstance(v, list) else v) for k, v in d.items()}


def _load_layer(d: dict) -> Layer:
    tracks = {
        name: Track(
            _tuple(t["initial"]),
            tuple(
                Segment(s["start"], s["end"], _tuple(s["from"]), _tuple(s["to"]), s["easing"], s.get("path"))
                for s in t["segments"]
            ),
        )
        for name, t in d["tracks"].items()
    }
    return Layer(
        id=d["id"], kind=d["kind"], tracks=tracks, attrs=_attrs(d.get("attrs", {})),
        appear=d["appear"], disappear=d["disappear"], z=d["z"],
        children=tuple(_load_layer(c) for c in d.get("children", [])),
    )


def timeline_from_dict(d: dict) -> Timeline:
    if d.get("storyreel_timeline") != FORMAT_VERSION:
        raise ValueError("not a storyreel timeline (or a different format version)")
    return Timeline(
        width=d["width"], height=d["height"], fps=d["fps"], duration=d["duration"], title=d.get("title", ""),
        background=tuple(d["background"]), safe_area=tuple(d["safe_area"]),
        scenes=tuple(
            Scene(s["name"], s["start"], s["end"], tuple(_load_layer(layer) for layer in s["layers"]))
            for s in d["scenes"]
        ),
        transitions=tuple(
            Transition(t["kind"], t["start"], t["end"], t["from_scene"], t["to_scene"], _attrs(t["params"]), t["easing"])
            for t in d["transitions"]
        ),
        audio=tuple(AudioClip(**a) for a in d.get("audio", [])),
        captions=tuple(
            CaptionCue(c["start"], c["end"], c["text"], c.get("speaker", ""),
                       tuple(WordCue(**w) for w in c.get("words", [])))
            for c in d.get("captions", [])
        ),
        chapters=tuple(Chapter(**c) for c in d.get("chapters", [])),
        captions_mode=d.get("captions_mode", "off"),
        thumbnail_at=d.get("thumbnail_at"),
        audience_age=d.get("audience_age"),
        tags=tuple(d.get("tags", ())),
        description=d.get("description", ""),
        made_for_kids=d.get("made_for_kids"),
        loudness=d.get("loudness", -14.0),
        speech_providers=tuple(d.get("speech_providers", ())),
        speech_budget=d.get("speech_budget"),
    )


def timeline_from_json(text: str) -> Timeline:
    return timeline_from_dict(json.loads(text))
