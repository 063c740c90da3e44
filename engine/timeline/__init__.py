"""The timeline stage: the engine's model of a video and how it is sampled.

    timeline   Timeline, Scene, Layer, Track, Transition, AudioClip, cues: the IR
    display    DisplayList, Node: what one frame shows, fully resolved
    easing     EASINGS: every easing the language names
    serialize  Timeline <-> JSON (the IR on disk, and what travels to workers)
    paths      SVG path data to skia.Path
"""
from .display import DisplayList, Node, TransitionNode
from .easing import EASINGS
from .serialize import timeline_from_json, timeline_to_json
from .timeline import AudioClip, CaptionCue, Chapter, Layer, Scene, Segment, Timeline, Track, Transition

__all__ = ["AudioClip", "CaptionCue", "Chapter", "DisplayList", "EASINGS", "Layer", "Node", "Scene", "Segment",
           "Timeline", "Track", "Transition", "TransitionNode", "timeline_from_json", "timeline_to_json"]
