"""The encode stage: frames and sound into files.

    render         render_video / render_frame: timeline -> rasteriser -> encoder
    chunks         chunked rendering (workers, cache), joined without re-encoding
    encoder        the streaming H.264/AAC writer on PyAV, and encoder choice
    formats        every other output format (H.265, WebM, MOV, GIF, PNG frames, WAV, M4A)
    segment_cache  the content-hash cache of encoded chunks
    executors      where chunks run: local processes or Ray
    outputs        atomic output files
    profile        where a render's time goes (`--profile`)
"""
from .encoder import EncoderError, choose_encoder
from .frames import render_frame, write_png
from .render import render_video

__all__ = ["EncoderError", "choose_encoder", "render_frame", "render_video", "write_png"]
