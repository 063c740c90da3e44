"""The publish stage: what goes out with a video, and whether it may.

    platforms  upload profiles (platforms.yaml): sizes, encoding, limits
    presets    canvas sizes and safe areas
    captions   caption cues from spoken lines, SRT/VTT
    sidecars   OUT.json, thumbnails and captions beside a video (write_publish_outputs)
    quality    check_video: decode a finished video and check it
"""
from .presets import PRESETS, Preset, SafeArea, design_pixel
from .sidecars import PUBLISHERS, write_publish_outputs

__all__ = ["PRESETS", "PUBLISHERS", "Preset", "SafeArea", "design_pixel", "write_publish_outputs"]
