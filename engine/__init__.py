"""storyreel's engine: the timeline graph, the Skia rasteriser and the PyAV encoder.

Any front end (the `.scene` DSL, a Python script) builds a `Timeline` and hands
it to `render_video` or `render_frame`. The engine never imports the DSL.
"""
from .timeline.display import DisplayList, Node, TransitionNode
from .encode.encoder import EncoderError, choose_encoder
from .publish.presets import PRESETS, Preset, SafeArea, design_pixel
from .encode.frames import render_frame, write_png
from .encode.render import render_video
from .timeline.serialize import timeline_from_json, timeline_to_json
from .timeline.timeline import AudioClip, CaptionCue, Chapter, Layer, Scene, Segment, Timeline, Track, Transition

__all__ = [
    "AudioClip", "CaptionCue", "Chapter", "DisplayList", "EncoderError", "Layer", "Node", "PRESETS",
    "Preset", "SafeArea", "Scene", "Segment", "Timeline", "Track", "Transition", "TransitionNode",
    "choose_encoder", "design_pixel", "render_frame", "render_video", "timeline_from_json",
    "timeline_to_json", "write_png",
]
