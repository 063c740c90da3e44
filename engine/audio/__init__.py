"""The audio stage: built-in sound effects, a generated nursery tune, audio files,
loudness measurement/normalisation and the timeline mixer.

Everything is 48 kHz stereo float32 shaped (2, n). `Mixer(timeline.audio,
timeline.duration, ...)` is an `AudioSource` for `engine.encode.encoder.VideoWriter`.
"""
from .effects import SOUND_EFFECTS, sound_effect
from .errors import AudioError
from .files import AUDIO_SUFFIXES, decode_audio, load_audio
from .loudness import DEFAULT_TARGET, DEFAULT_TRUE_PEAK, LoudnessMeter, limit, measure_lufs, normalize
from .mixer import CLIP_KINDS, MUSIC_GENERATORS, Mixer, MixStats, to_stereo
from .music import MAX_TEMPO, MIN_TEMPO, NurseryTune, nursery, nursery_tune, parse_key
from .synth import RATE

__all__ = [
    "AUDIO_SUFFIXES", "AudioError", "CLIP_KINDS", "DEFAULT_TARGET", "DEFAULT_TRUE_PEAK", "LoudnessMeter",
    "MAX_TEMPO", "MIN_TEMPO", "MUSIC_GENERATORS", "Mixer", "MixStats", "NurseryTune", "RATE", "SOUND_EFFECTS",
    "decode_audio", "limit", "load_audio", "measure_lufs", "normalize", "nursery", "nursery_tune", "parse_key",
    "sound_effect", "to_stereo",
]
