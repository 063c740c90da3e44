"""The raster stage: a display list drawn with Skia into a frame buffer.

    raster     Rasterizer: one frame's display list onto a BGRA buffer
    painters   one painter per layer kind (PAINTERS), registered through engine.plugins
    backdrops/ the drawn settings (meadow, forest, …) with their ground lines and life
    particles  confetti, stars, bubbles, snow
    clips      video clips inside a video
    assets     images and SVGs, decoded once
    fonts, glyphs, tracing   text: shipped fonts, glyph outlines and counters, the `draw` reveal
    color      the one colour parser
    gpu        the optional CUDA compositor
"""
from .raster import Rasterizer

__all__ = ["Rasterizer"]
