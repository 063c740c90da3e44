"""storyreel: a declarative video render engine for story and educational videos."""

__version__ = "0.1.0"
