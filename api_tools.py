"""The rest of storyreel's Python API: the `render` command's tools beside making
a video (api.py), one function each, so that the command is a layer over them.

    import storyreel

    storyreel.music(8, "tune.wav", mood="calm", seed=3)       # render music
    storyreel.voices()                                        # render voices
    storyreel.character_sheet("cast.png")                     # render characters
    storyreel.gesture("luna", "wave").render("wave.mp4")     # render characters luna --gesture wave
    storyreel.batch("jobs.csv", workers=2)                    # render batch
    storyreel.serve(port=8800, jobs_dir="jobs")               # render serve (service_app: the ASGI app)
    storyreel.Channel("my-channel")                           # render channel … (api_channel.py: plan, run, status)

Mistakes raise the located `SceneError` the command prints. docs/API.md has the
examples (run by tests/test_api_docs.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from .dsl.errors import SceneError

if TYPE_CHECKING:
    from .api import Project
    from .engine.audio.arrange import Score
    from .engine.speech import ProviderInfo
    from .service.settings import ServiceSettings


# ── render music ────────────────────────────────────────────────────────────


@dataclass
class Music:
    """A piece of music as videos get it: its arrangement (`score`: sections,
    tempo, `.to_midi()`), its samples ((2, n) float32 at 48 kHz; None when only a
    MIDI file was written), the file written (if any), and the seconds rendering took."""

    score: "Score"
    samples: np.ndarray | None
    output: Path | None
    render_seconds: float = 0.0

    @property
    def duration(self) -> float:
        return self.score.duration


def music(length: float = 60.0, output: str | Path | None = None, *, mood: str = "happy",
          melody: str | None = None, seed: int = 0, tempo: float | None = None, age: float | None = None,
          generated: bool = False) -> Music:
    """Arrange and play a piece `length` seconds long (it ends on a cadence there), as
    `render music` does: `mood` happy, playful, calm or sleepy; `melody` a nursery
    melody to lead with (twinkle, mary, …; None: chosen by `seed`); `generated`
    original tunes only. `output`: a .wav (16-bit, 48 kHz, stereo) or a .mid (the
    arrangement as MIDI, nothing played); None writes nothing."""
    import time

    from .api import write_wav
    from .engine.audio import AudioError
    from .engine.audio.arrange import arrange
    from .engine.audio.music import render_score

    if generated and melody:
        raise SceneError("generated=True plays original tunes only", hint="leave out melody")
    try:
        score = arrange(length, mood=mood, melody=melody, seed=seed, tempo=tempo, age=age,
                        source="generated" if generated else "nursery")
        if output is not None and str(output).lower().endswith((".mid", ".midi")):
            from .engine.encode.outputs import atomic_output

            with atomic_output(output, ".mid") as tmp:
                score.to_midi().save(str(tmp))
            return Music(score, None, Path(output))
        began = time.perf_counter()
        samples = render_score(score)
        took = time.perf_counter() - began
    except AudioError as err:
        raise SceneError(err.message, hint=err.hint) from None
    if output is not None:
        write_wav(samples, output)
    return Music(score, samples, Path(output) if output is not None else None, took)


# ── render voices ───────────────────────────────────────────────────────────


def voices() -> "list[ProviderInfo]":
    """Every speech provider, as `render voices` lists them: `.name`, `.available`
    (it works here), `.version`, `.description`, `.voices` (the names of its voice
    presets, to pass as `say(voice=…)` or a character's voice), `.install_hint`.
    A preset's settings are `storyreel.engine.speech.VOICES[name]`."""
    from .engine import speech

    return speech.providers()


# ── render characters ───────────────────────────────────────────────────────


class UnknownName(SceneError):
    """A character or gesture that does not exist; `argument` says which
    ("character", "gesture"), so that the command can blame its own argument."""

    def __init__(self, message: str, hint: str, argument: str):
        super().__init__(message, hint=hint)
        self.argument = argument


def _characters(names: Sequence[str]) -> list:
    """(file, Character) for each name (all of them when `names` is empty); an
    unknown name is a SceneError that lists the characters."""
    from .dsl.errors import did_you_mean
    from .engine.characters import CharacterError, available_characters, find_character, load_character

    known = available_characters()
    for name in names:
        if find_character(name) is None:
            raise UnknownName(f"unknown character '{name}'", did_you_mean(name, known, f"characters: {', '.join(known)}"),
                              "character")
    try:
        return [(str(find_character(n)), load_character(str(find_character(n)))) for n in (list(names) or known)]
    except CharacterError as err:
        raise SceneError(err.format()) from None


def character_sheet(output: str | Path = "characters.png", characters: Sequence[str] = ()) -> Path:
    """A PNG contact sheet, as `render characters`: with no `characters` the whole
    cast, one figure each, to scale; with names, each of them x expression x viseme.
    Returns the path written."""
    from .engine import write_png
    from .engine.characters.sheet import cast_sheet, contact_sheet

    loaded = _characters(characters)
    write_png(contact_sheet(loaded) if characters else cast_sheet(loaded), Path(output))
    return Path(output)


def gesture(character: str, gesture: str, *, size: tuple[int, int] = (640, 640)) -> "Project":
    """A short video of one character's gesture (wave, jump, nod, clap, …), as
    `render characters NAME --gesture G` makes: a `Project` to render or look at."""
    from .api import load
    from .dsl.errors import did_you_mean

    (_, char), = _characters([character])
    if gesture not in char.gestures:
        raise UnknownName(f"{char.name} has no '{gesture}' gesture",
                          did_you_mean(gesture, char.gestures, f"gestures: {', '.join(sorted(char.gestures))}"), "gesture")
    return load(f'video "{char.name}: {gesture}" {{\n}}\ncast {{\n    c = character {character} at (50%, 92%)\n}}\n'
                f"scene g {{\n    background solid #EAF4F4\n    wait 0.3s\n    c: {gesture}\n    wait 0.5s\n}}\n",
                size=size)


# ── render batch ────────────────────────────────────────────────────────────


@dataclass
class BatchResult:
    """What `batch` did: `status` is the command's exit status (0: every row done
    or unchanged; 1: a row failed, or the jobs file has errors and nothing ran);
    `report` the JSON report it wrote (None when nothing ran)."""

    status: int
    report: Path | None

    @property
    def ok(self) -> bool:
        return self.status == 0

    def rows(self) -> list[dict[str, Any]]:
        """The report's rows: output, state (done, failed, …), skipped, seconds, files, error."""
        return json.loads(self.report.read_text(encoding="utf-8"))["rows"] if self.report else []


def batch(jobs_file: str | Path, *, workers: int | None = None, jobs_dir: str | Path | None = None,
          report: str | Path | None = None, retries: int = 2, quality: str | None = None,
          size: tuple[int, int] | None = None, platform: str | None = None, check: str = "fail",
          ray: bool = False, ray_address: str | None = None, quiet: bool = True,
          echo: Callable[[str], None] | None = None) -> BatchResult:
    """Render one video per row of `jobs_file` (CSV, YAML list or JSON Lines), as
    `render batch` does: every row checked first (its errors, located, go to `echo`:
    stderr by default), then queued in `jobs_dir` (default: .storyreel-jobs beside
    the file) and rendered `workers` at once; a row whose output and inputs did not
    change is skipped, so running it again finishes what is left. `quality`, `size`,
    `platform` and `check` (fail, warn, off) are for rows without that column;
    `ray`/`ray_address` render the rows as Ray tasks (docs/RAY.md)."""
    import time

    from .jobs.batch import default_report, run_batch

    defaults = {"quality": quality, "platform": platform, "check": check, "size": list(size) if size else None}
    executor = None
    if ray or ray_address:
        from .engine.encode.executors import RayExecutor

        executor = RayExecutor(ray_address, num_cpus=workers)  # opened once the rows are checked
    began = time.time()
    status = run_batch(jobs_file, jobs_dir=jobs_dir, workers=workers, report=report, defaults=defaults,
                       retries=retries, quiet=quiet, echo=echo, executor=executor)
    written = Path(report) if report is not None else default_report(jobs_file)
    fresh = written.is_file() and written.stat().st_mtime >= began - 1  # not an earlier run's
    return BatchResult(status, written if fresh else None)


# ── render serve ────────────────────────────────────────────────────────────


def _service_settings(settings: "ServiceSettings | None", options: dict[str, Any]) -> "ServiceSettings":
    """`settings`, or ServiceSettings(**options) with its folders and files as Paths;
    a missing serve extra is a SceneError naming what to install."""
    import importlib.util

    missing = [name for name in ("starlette", "uvicorn", "multipart", "httpx") if importlib.util.find_spec(name) is None]
    if missing:
        raise SceneError(f"render serve needs the serve extra ({', '.join(missing)} not installed)",
                         hint="pip install 'storyreel[serve]'")
    from .service.settings import ServiceSettings

    if settings is not None:
        return settings
    for name in ("jobs_dir", "tokens", "webhook_secret"):
        if options.get(name) is not None:
            options[name] = Path(options[name])
    options["channels"] = tuple(Path(c).resolve() for c in options.get("channels", ()))
    return ServiceSettings(**options)


def service_app(settings: "ServiceSettings | None" = None, **options: Any):
    """The HTTP API (submit renders, poll, download, cancel, webhooks: docs/SERVICE.md)
    as an ASGI app to mount in your own server or test with a client; its workers
    start with the app's lifespan. `options` are `service.settings.ServiceSettings`'s
    fields (jobs_dir, tokens, workers, rate_per_minute, …)."""
    from .service.app import create_app

    return create_app(_service_settings(settings, options))


def serve(settings: "ServiceSettings | None" = None, *, echo: Callable[[str], None] | None = None,
          access_log: bool = True, **options: Any) -> None:
    """Serve the HTTP API until SIGINT or SIGTERM, as `render serve` does (host
    127.0.0.1 and port 8800 unless `options` say otherwise; port 0: any free one).
    The workers stop with it and their jobs are queued again for the next start."""
    from .service.server import serve as run_server

    run_server(_service_settings(settings, options), echo=echo, access_log=access_log)
