"""storyreel's Python API: everything the `render` command does, as functions.

    import storyreel

    project = storyreel.load("lesson.scene", name="Mia")   # Jinja variables as keywords
    project.render("lesson.mp4", workers=2)
    project.still(1.5, "frame.png")

`load` reads a `.scene` file (or its text), `template` fills a ready-made
template, `story` turns a plain-text story into a picture book; each returns a
`Project`, a compiled video ready to render. `Video` (api_builder.py) writes one
in Python. Mistakes raise the same located `SceneError` the command prints.
docs/API.md has the examples (every one is run by tests/test_api_docs.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .dsl import CompileOptions, LoadedScene, SceneError, check_size, load_data_file, load_scene
from .dsl.project import Project as ProjectFolder
from .engine import render_frame, render_video, timeline_to_json, write_png
from .engine.timeline.timeline import Timeline

if TYPE_CHECKING:
    from .engine.publish.quality import Report
    from .engine.encode.segment_cache import SegmentCache

ProgressCallback = Callable[[int, int], None]  # (frames done, frames in all)

_TEXT_NAME = "<text>.scene"  # how scene text given to `load` is named in errors


@dataclass
class Project:
    """A compiled video: its timeline, and what was read to make it.

    Made by `load`, `template`, `story` or `Video.compile`; render it whole, in part
    or one frame at a time. The timeline is the engine's model (engine/timeline/timeline.py)."""

    timeline: Timeline
    source: str  # the file (or `<text>.scene`) it was compiled from
    dependencies: list[str] = field(default_factory=list)  # every file read: includes, images, sounds
    scene_text: str = ""  # the `.scene` text after template expansion

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.timeline.duration

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.timeline.width, self.timeline.height

    @property
    def fps(self) -> float:
        return self.timeline.fps

    def render(self, output: str | Path, *, workers: int = 1, cache: "str | Path | SegmentCache | None" = None,
               on_progress: ProgressCallback | None = None, start: float | None = None, end: float | None = None,
               quality: str = "standard", encoder: str = "auto", platform: str | None = None,
               extras: bool = True, gpu: bool | None = False) -> Path:
        """Render to `output` (written atomically: no partial file on error) and return
        its path: an H.264 MP4, or the format its extension names (.webm, .mov, .gif,
        a folder of PNGs, .wav, .m4a: engine/encode/formats.py). `start`/`end` (seconds) render a range; `workers` > 1 renders
        chunks in that many processes; `cache` is a folder of encoded chunks (bounded to
        5 GB; or a `SegmentCache` with its own bound) reused when a scene did not change;
        `on_progress(done, total)` is called per frame; `platform` (youtube, shorts, …)
        applies its encoding and checks its limits; `extras` writes the thumbnail,
        OUT.json (and captions) beside the video, as `render` does; `gpu`: True
        composites on a CUDA GPU, None when there is one, False (the default) never."""
        from .engine.encode.encoder import choose_encoder
        from .engine.publish.sidecars import write_publish_outputs
        from .engine.encode.frames import frame_range
        from .engine.encode.segment_cache import SegmentCache

        from .engine.encode.formats import FormatError, check_chunked, format_for, render_output

        frames = frame_range(self.timeline, start, end)
        if not frames:
            raise SceneError(f"start={start} end={end} select no frames of this {self.duration:g}s video",
                             hint="give a range of at least one frame inside the video")
        try:
            fmt = format_for(output)
        except FormatError as err:
            raise SceneError(err.message, hint=err.hint) from None
        if fmt.name != "mp4":  # WebM, MOV, GIF, PNG frames, WAV, M4A, H.265: engine/encode/formats.py
            if platform is not None:
                raise SceneError(f"platform applies to H.264 MP4 only; {fmt.label} is not what platforms take",
                                 hint="leave it out, or render an .mp4")
            try:
                if workers != 1 or cache is not None:
                    check_chunked(fmt)  # H.265, WebM and MOV render in chunks; GIF, PNG and audio in one pass
            except FormatError as err:
                raise SceneError(err.message, hint=err.hint) from None
            render_output(self.timeline, output, fmt, quality=quality, start=start, end=end, on_progress=on_progress,
                          workers=workers, cache=SegmentCache(cache) if isinstance(cache, (str, Path)) else cache)
            return Path(output)
        output = Path(output)
        target = self._platform(platform)
        if target is not None:
            self._check_limits(target, len(frames) / self.fps)
        codec, _why = choose_encoder(encoder)
        render_video(self.timeline, output, quality=quality, encoder=codec, start=start, end=end,
                     on_progress=on_progress, platform=target, workers=workers,
                     cache=SegmentCache(cache) if isinstance(cache, (str, Path)) else cache, gpu=gpu)
        if extras:
            write_publish_outputs(self.timeline, output, target, start=start, end=end)
        return output

    def frame(self, t: float) -> np.ndarray:
        """The frame at `t` seconds as an RGBA uint8 array (height, width, 4)."""
        if not 0 <= t <= self.duration:
            raise SceneError(f"{t:g}s is outside the video (0 to {self.duration:g}s)")
        return render_frame(self.timeline, min(t, max(0.0, self.duration - 1e-6)))

    def still(self, t: float, output: str | Path) -> Path:
        """Write the frame at `t` seconds as a PNG; returns its path."""
        write_png(self.frame(t), output)
        return Path(output)

    def check(self, platform: str | None = None) -> list[str]:
        """Check the video against `platform`'s limits (duration, aspect) without
        rendering: raises `SceneError` when it breaks one, returns the warnings."""
        target = self._platform(platform)
        if target is None:
            return []
        self._check_limits(target, self.duration)
        return list(target.warnings(*self.size, self.fps))

    def to_json(self) -> str:
        """The timeline graph as JSON (what `render compile` prints), stable enough to diff."""
        return timeline_to_json(self.timeline)

    def _platform(self, name: str | None):
        from .engine.publish.platforms import PlatformError, get_platform

        if name is None:
            return None
        try:
            return get_platform(name)
        except PlatformError as err:
            raise SceneError(str(err)) from None

    def _check_limits(self, target, length: float) -> None:
        problems = target.check_limits(*self.size, length)
        if problems:
            raise SceneError("; ".join(problems), hint=f"nothing was rendered; fit the video to {target.label}")


def _options(preset: str | None, size: tuple[int, int] | None, fps: float | None,
             project: ProjectFolder | None = None) -> CompileOptions:
    if size is not None:
        check_size(*size, what="size")
    return CompileOptions(preset=preset, size=size, fps=fps, project=project)


def _project(loaded: LoadedScene, source: str) -> Project:
    return Project(loaded.timeline, source, loaded.dependencies, loaded.expanded.text)


def load(path_or_text: str | Path, data: str | Path | dict[str, Any] | None = None, *,
         preset: str | None = None, size: tuple[int, int] | None = None, fps: float | None = None,
         root: str | Path | None = None, allow_paths: tuple[str | Path, ...] = (), **variables: Any) -> Project:
    """Compile a `.scene` file, or `.scene` text, into a `Project`.

    A `Path`, or a string without a line break, is a file name; any other string is
    the text itself (its files are read relative to `root`, default the current
    folder). `data` is a YAML file of Jinja variables, or a dict; keyword
    `variables` win over it (as `--set` does over `--data`). `preset`, `size` and
    `fps` override the file's own; `root` and `allow_paths` are the folders it may
    read (`--root`, `--allow-path`). Raises `SceneError` with the location.
    A variable that shares a name with an option (`size`, `preset`, `fps`, `root`)
    goes in `data`: `load(path, data={"size": 3})`."""
    values: dict[str, Any] = {}
    if isinstance(data, dict):
        values.update(data)
    elif data is not None:
        values.update(load_data_file(data))
    values.update(variables)
    is_text = isinstance(path_or_text, str) and "\n" in path_or_text
    if is_text:
        folder = Path(root) if root is not None else Path.cwd()
        path = folder / _TEXT_NAME
        project = ProjectFolder.for_file(path, root, tuple(allow_paths))
        loaded = load_scene(path, values, _options(preset, size, fps, project), source=str(path_or_text))
        return _project(loaded, _TEXT_NAME)
    path = Path(path_or_text)
    project = ProjectFolder.for_file(path, root, tuple(allow_paths))
    return _project(load_scene(path, values, _options(preset, size, fps, project)), str(path))


def template(name: str, data: str | Path | dict[str, Any] | None = None, *, preset: str | None = None,
             size: tuple[int, int] | None = None, fps: float | None = None, **params: Any) -> Project:
    """A ready-made template (see `templates()`) filled with `params` (over `data`, a
    YAML file or dict), as `render new NAME --set k=v` does."""
    from .dsl.templates import load_template, resolve_params

    chosen = load_template(name)
    given = data if isinstance(data, dict) else (load_data_file(data) if data is not None else {})
    values = resolve_params(chosen, given, "data", params)
    loaded = load_scene(chosen.scene_path, values, _options(preset, size, fps))
    return _project(loaded, str(chosen.scene_path))


def templates() -> list[str]:
    """The names of the ready-made templates (the package's and `$STORYREEL_TEMPLATES`')."""
    from .dsl.templates import list_templates

    return [t.name for t in list_templates()]


def story(text_or_path: str | Path, *, age: int = 4, narration: str | Path | None = None,
          platform: str | None = None, preset: str | None = None, size: tuple[int, int] | None = None,
          fps: float | None = None) -> Project:
    """A narrated picture-book video, as `render story` makes it, from a plain-text
    story (the title on the first line, then paragraphs) given as text or as a file,
    or from a story book (a YAML file, or a folder with story.yaml: pages with the
    author's own pictures). `age` (2-5) sets the pace; `narration` is a recording of
    the story read aloud, used instead of a synthesised voice; the story must fit
    `platform`'s length limit (default: youtube's)."""
    return compose_story(text_or_path, age=age, narration=narration, platform=platform, preset=preset,
                         size=size, fps=fps).project


@dataclass
class ComposedStory:
    """A story made into a video (`compose_story`): the project, and what was read to
    make it, for a command to report (`render story` prints the pages and the length)."""

    project: Project
    story: Any  # dsl.story.Story: the title and paragraphs as read
    pages: list  # dsl.story's planned pages, one scene each
    seconds: float  # the length estimated from the words, before anything was spoken


def compose_story(text_or_path: str | Path, *, age: int = 4, narration: str | Path | None = None,
                  platform: str | None = None, preset: str | None = None, size: tuple[int, int] | None = None,
                  fps: float | None = None, on_pages: Callable[[Any, list], None] | None = None) -> ComposedStory:
    """`story`, with the story and its pages: `on_pages(story, pages)` is called once
    the pages are planned and fit the length, before the video is compiled."""
    from .dsl.story import (check_length, check_reading, narrated_variables, narration_texts, parse_story,
                            plan_pages, split_narration, story_platform, storybook_template, storybook_variables)

    if not 2 <= age <= 5:
        raise SceneError(f"age {age} is out of range", hint="stories are made for ages 2 to 5")
    is_text = isinstance(text_or_path, str) and "\n" in text_or_path
    where = "story.txt" if is_text else str(text_or_path)
    if is_text:
        told = parse_story(str(text_or_path), where)
        pages, allowed = plan_pages(told), []
    else:
        told, pages, allowed = read_story_pages(text_or_path)
    seconds = check_length(told, pages, story_platform(platform, preset), age)
    if on_pages is not None:
        on_pages(told, pages)
    variables = storybook_variables(told, pages, age)
    if narration is not None:
        pieces = split_narration(narration, narration_texts(told, pages))
        variables = narrated_variables(told, pages, age, pieces)
        allowed.append(pieces[0].parent)
    folder = ProjectFolder.for_file(storybook_template(), allowed=tuple(allowed)) if allowed else None
    loaded = load_scene(storybook_template(), variables, _options(preset, size, fps, folder))
    check_reading(loaded.timeline, age, where)  # never a video its own reading-speed check rejects
    return ComposedStory(_project(loaded, where), told, pages, seconds)


def read_story_pages(path: str | Path):
    """(story, its pages, the folders its scene may read) of a story file or story book:
    a book's pages are the author's, with its folder's pictures; a text's are planned."""
    from .dsl.story import plan_book_pages, plan_pages, read_story
    from .dsl.story_book import is_story_book, read_story_book

    if is_story_book(path):  # YAML (or a folder with story.yaml): the author's pages and art
        book = read_story_book(path)
        return book.story, plan_book_pages(book), [Path(book.folder)]
    told = read_story(path)
    return told, plan_pages(told), []


def check_video(path: str | Path, *, platform: str | None = None, age: float | None = None) -> "Report":
    """Decode a rendered video and check it (duration, sync, loudness, size, flashes,
    text contrast, caption reading speed): an `engine.publish.quality.Report` whose `.ok`
    says whether every check passed and `.table()` shows them, as `render check-video`."""
    from .engine.publish.quality import check_video as run_checks

    return run_checks(path, platform, age)


def say(text: str, output: str | Path | None = None, *, voice: str = "narrator", mood: str | None = None,
        age: float | None = None, rate: float = 1.0):
    """Speak one line, as `render say` does: an `engine.speech.Speech` (samples at
    48 kHz, `.words` with their times), also written to the WAV `output` if given.
    An unknown voice or mood, or no provider that works, is a `SceneError`."""
    from .engine import speech

    try:
        spoken = speech.synthesize(text, voice=voice, mood=mood, age=age, rate=rate)
    except speech.SpeechError as err:
        raise SceneError(err.message, hint=err.hint) from None
    if output is not None:
        write_wav(spoken.samples, output)
    return spoken


def write_wav(samples: np.ndarray, output: str | Path, rate: int = 48000) -> Path:
    """16-bit PCM WAV of float samples in -1..1: mono (n,) or planar stereo (2, n);
    written atomically."""
    import wave

    from .engine.encode.outputs import atomic_output

    samples = np.asarray(samples)
    channels = samples.shape[0] if samples.ndim == 2 else 1
    pcm = (np.clip(samples.T if samples.ndim == 2 else samples, -1.0, 1.0) * 32767).astype("<i2")
    with atomic_output(output, ".wav") as tmp:
        with wave.open(str(tmp), "wb") as wav:
            wav.setnchannels(channels)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(pcm.tobytes())
    return Path(output)


def render(path: str | Path, output: str | Path | None = None, **variables: Any) -> Path:
    """`load(path, **variables).render(output)`: the one-line way (output: PATH with .mp4)."""
    return load(path, **variables).render(output or Path(path).with_suffix(".mp4"))


__all__ = ["Project", "ProgressCallback", "SceneError", "check_video", "load", "render", "say", "story", "template",
           "templates", "write_wav"]
