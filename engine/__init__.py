"""storyreel's engine: the timeline graph, the Skia rasteriser and the PyAV encoder.

Any front end (the `.scene` DSL, a Python script) builds a `Timeline` and hands
it to `render_video` or `render_frame`. The engine never imports the DSL.
"""
from .display import DisplayList, Node, TransitionNode
from .encoder import EncoderError, choose_encoder
from .presets import PRESETS, Preset, SafeArea, design_pixel
from .render import render_frame, render_video, write_png
from .serialize import timeline_from_json, timeline_to_json
from .timeline import AudioClip, CaptionCue, Chapter, Layer, Scene, Segment, Timeline, Track, Transition

__all__ = [
    "AudioClip", "CaptionCue", "Chapter", "DisplayList", "EncoderError", "Layer", "Node", "PRESETS",
    "Preset", "SafeArea", "Scene", "Segment", "Timeline", "Track", "Transition", "TransitionNode",
    "choose_encoder", "design_pixel", "render_frame", "render_video", "timeline_from_json",
    "timeline_to_json", "write_png",
]
