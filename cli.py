"""The `render` command.

    render FILE.scene -o out.mp4          render a video (the default command)
    render still FILE.scene --at 2.5s     one frame as PNG
    render compile FILE.scene --json      the timeline graph as JSON
    render check FILE.scene               validate without rendering

Errors an author can cause print `file:line:col: error: …` with the line and a
caret, exit 1, and leave no output file. A misused option exits 2 with click's
usage message. Ctrl-C, SIGTERM and SIGHUP stop the work, remove the partial
file, and exit 128 + the signal's number (130, 143, 129), as a shell reports a
process that signal ended.
"""
from __future__ import annotations

import math
import re
import sys
import time
from pathlib import Path
from typing import Any

import click

from .dsl.errors import did_you_mean
from .dsl.limits import MAX_DURATION
from .dsl import CompileOptions, Project, SceneError, check_size, load_data_file, load_scene, parse_set_option
from .engine import EncoderError, PRESETS, choose_encoder, render_frame, render_video, write_png
from .engine.raster.assets import AssetError
from .engine.audio import AudioError
from .engine.encode.encoder import QUALITY
from .engine.publish.platforms import PLATFORM_NAMES, PlatformError, get_platform, platform_layout
from .engine.plugins import PluginError
from .engine.publish.sidecars import write_publish_outputs
from .engine.encode.frames import frame_range

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class _DefaultGroup(click.Group):
    """`render FILE …` means `render video FILE …`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["video", *args]
        return super().parse_args(ctx, args)


def _parse_time(text: str, option: str) -> float:
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|ms)?\s*", text)
    if not m:
        raise click.BadParameter(f"'{text}' is not a time; write 2.5s, 500ms or 2.5 (seconds)", param_hint=option)
    value = float(m.group(1))
    if value > MAX_DURATION:  # 400 digits would be infinity, and no video is that long
        raise click.BadParameter(f"'{text}' is past the {MAX_DURATION / 3600:g} h a video may last", param_hint=option)
    return value / 1000 if m.group(2) == "ms" else value


def _parse_size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    m = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not m:
        raise click.BadParameter(f"'{text}' is not a size; write WIDTHxHEIGHT, e.g. 1280x720", param_hint="--size")
    if max(len(m.group(1)), len(m.group(2))) > 9:
        from .dsl.compiler import MAX_SIZE

        # int() refuses thousands of digits with a ValueError; no side needs more than 4.
        raise click.BadParameter(f"'{text[:40]}…' is out of range; width and height are at most {MAX_SIZE}",
                                 param_hint="--size")
    return int(m.group(1)), int(m.group(2))


class _FiniteFloatRange(click.FloatRange):
    """click.FloatRange lets 'nan' through (every comparison with NaN is false); a
    NaN frame rate would pass `render check` and crash `render`."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number; write an ordinary one, like 4 or 29.97", param, ctx)
        return number


def _check_size_option(ctx, param, value: str | None) -> str | None:
    """--size as it is parsed: not a size, out of range or odd is a usage error (exit 2)."""
    if value is None:
        return None
    width, height = _parse_size(value)
    try:
        check_size(width, height, what="size")
    except SceneError as err:
        raise click.BadParameter(_message(err)) from None
    return value


def _check_sets(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    """--set KEY=VALUE as it is parsed (the values are typed again where they are used)."""
    for item in values:
        try:
            parse_set_option(item)
        except SceneError as err:
            raise click.BadParameter(_message(err)) from None
    return values


def _check_encoder(ctx, param, value: str) -> str:
    """--encoder: auto, or an H.264 encoder by FFmpeg's name. A hardware encoder this
    machine cannot open is not a usage error: the render says so (exit 1)."""
    from .engine.encode.encoder import HARDWARE_ENCODERS, SOFTWARE_ENCODER

    if value == "auto" or value in HARDWARE_ENCODERS:
        return value
    import av

    try:
        codec = av.codec.Codec(value, "w")
    except Exception:  # noqa: BLE001 - any failure means FFmpeg has no such encoder
        codec = None
    if codec is None or codec.type != "video" or codec.canonical_name != "h264":
        names = ["auto", SOFTWARE_ENCODER, *HARDWARE_ENCODERS]
        guess = did_you_mean(value, names)
        raise click.BadParameter(f"'{value}' is not an H.264 encoder FFmpeg has here; use one of "
                                 f"{', '.join(names)}" + (f" ({guess})" if guess else ""))
    return value


class _OutputPath(click.Path):
    """An output file's name: an empty one (`-o ''`) is a usage error, not FILE.mp4."""

    def __init__(self):
        super().__init__(dir_okay=False)

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value.strip():
            self.fail("the name is empty; give a file name", param, ctx)
        return super().convert(value, param, ctx)


def _message(err) -> str:
    """A SceneError's (or SpeechError's) message and hint on one line, for
    click.BadParameter, which names the option itself."""
    message = re.sub(r"^--set:? ", "", err.message)
    return f"{message} ({err.hint})" if err.hint else message


def _check_voice(ctx, param, value: str | None) -> str | None:
    """--voice and --mood of `render say`: unknown names are usage errors (exit 2)."""
    if value is None:
        return None
    from .engine import speech

    try:
        (speech.resolve_voice if param.name == "voice" else speech.resolve_mood)(value)
    except speech.SpeechError as err:
        raise click.BadParameter(_message(err)) from None
    return value


def _format_options(overrides: str):
    """--preset, --fps and --size: the video's format, overriding `overrides`."""
    def apply(f):
        f = click.option("--size", callback=_check_size_option,
                         help=f"Canvas size WIDTHxHEIGHT (overrides {overrides}).")(f)
        f = click.option("--fps", type=_FiniteFloatRange(1, 240), help=f"Frames per second (overrides {overrides}).")(f)
        return click.option("--preset", type=click.Choice(sorted(PRESETS)),
                            help=f"Output format (overrides {overrides}).")(f)
    return apply


def _source_options(f):
    """FILE and what it is read with. `--root` and `--allow-path` reach the command as
    `root` and `allow_paths`, which it hands to `_load` (the project: dsl/project.py)."""
    f = click.option("--allow-path", "allow_paths", multiple=True, metavar="DIR",
                     type=click.Path(file_okay=False, exists=True),
                     help="Also let the file read from DIR (repeatable): includes, images, sounds, fonts.")(f)
    f = click.option("--root", type=click.Path(file_okay=False, exists=True), metavar="DIR",
                     help="The project folder the file may read from (default: the file's own folder).")(f)
    f = click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", callback=_check_sets,
                     help="Set a template variable (YAML-typed); repeatable; wins over --data.")(f)
    f = click.option("--data", type=click.Path(dir_okay=False), help="YAML file of template variables.")(f)
    f = _format_options("the file")(f)
    return click.argument("file", type=click.Path(dir_okay=False))(f)


def _encode_options(f):
    """How a video is encoded and what is written beside it: shared by `render FILE` and `render new`."""
    options = [
        click.option("--quality", type=click.Choice(list(QUALITY)), default="standard", show_default=True,
                     help="Encoder preset/CRF: draft=ultrafast/28, standard=veryfast/23, high=slow/18."),
        click.option("--encoder", default="auto", show_default=True, callback=_check_encoder,
                     help="auto (probe hardware, else libx264), libx264, h264_nvenc, h264_vaapi, h264_qsv, …"),
        click.option("--from", "t_from", metavar="TIME", help="Start of the range to render (2.5s, 500ms)."),
        click.option("--to", "t_to", metavar="TIME", help="End of the range to render."),
        click.option("-q", "--quiet", is_flag=True, help="No progress or summary."),
        click.option("--platform", type=click.Choice(PLATFORM_NAMES),
                     help="Target this platform's size, encoding and limits (engine/publish/platforms.yaml)."),
        click.option("--no-extras", "--no-publish", "no_extras", is_flag=True,
                     help="No thumbnail or metadata JSON beside the video (caption files only when captions are on)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _speed_options(f):
    """How a render is spread out and measured: shared by `render FILE`, `render new`
    and `render story` (the command receives them as `**speed`, for `_render`)."""
    options = [
        click.option("--workers", type=int, default=1, show_default=True, callback=lambda c, p, v: _check_workers(v),
                     help="Processes rendering chunks (scenes) in parallel, joined without re-encoding."),
        click.option("--cache", "cache_dir", type=click.Path(file_okay=False), callback=lambda c, p, v: _check_cache(v),
                     help="Folder of encoded chunks: unchanged scenes are reused on the next render."),
        click.option("--cache-size", "cache_size", metavar="SIZE", callback=lambda c, p, v: _check_cache_size(v),
                     help="Bound on the --cache folder (500MB, 2GB; default 5GB): least recently used chunks go first."),
        click.option("--profile", "profiling", is_flag=True, help="Print where the time went (per stage, per layer kind)."),
        click.option("--gpu/--no-gpu", "gpu", default=None,
                     help="Composite and convert colours on a CUDA GPU (pip install storyreel[gpu]); "
                          "default: when one is there."),
        click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
                     callback=lambda c, p, v: _check_executor(v, "--executor"),
                     help="Where chunks render: local processes, or Ray tasks (pip install 'storyreel[ray]'; "
                          "a private Ray with --workers CPUs, default all; docs/RAY.md)."),
        click.option("--ray-address", "ray_address", metavar="ADDR",
                     callback=lambda c, p, v: _check_executor(v, "--ray-address") if v else v,
                     help="Render the chunks on this Ray cluster (HOST:6379, auto, ray://HOST:10001); "
                          "implies --executor ray."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _check_executor(value: str, hint: str) -> str:
    """`--executor ray` / `--ray-address` need Ray: misuse (exit 2) when it is missing."""
    if value != "local":
        from .engine.encode.executors import RayMissing, check_address, import_ray

        try:
            import_ray()
            if hint == "--ray-address":
                check_address(value)
        except (RayMissing, ValueError) as err:
            raise click.BadParameter(str(err).replace("--executor ray", hint), param_hint=hint) from None
    return value


def _executor(executor: str, ray_address: str | None, workers: int):
    """The `--executor`/`--ray-address` choice as a context manager: None (local
    processes) or an open `RayExecutor`, shut down afterwards (Ctrl-C included)."""
    import contextlib

    if executor != "ray" and not ray_address:
        return contextlib.nullcontext()
    from .engine.encode.executors import RayExecutor

    return RayExecutor(ray_address, num_cpus=workers if workers > 1 else None)


def _check_speed(speed: dict) -> None:
    if speed.get("cache_size") is not None and not speed.get("cache_dir"):
        raise click.BadParameter("bounds the --cache folder; give --cache DIR too", param_hint="--cache-size")


def _render(tl, out: Path, *, quality: str, encoder: str, quiet: bool, target=None, start=None, end=None,
            workers: int = 1, cache_dir=None, cache_size=None, profiling: bool = False, gpu=None,
            executor: str = "local", ray_address: str | None = None) -> int:
    """The render itself, as every command that writes a video does it: pick the
    encoder (and say which), show progress, apply the `_speed_options`, and print
    the cache's and the profile's summaries. Returns the frames written."""
    from .engine.encode.profile import Profile
    from .engine.encode.segment_cache import DEFAULT_MAX_BYTES, SegmentCache

    codec, why = choose_encoder(encoder)
    if not quiet:
        click.echo(why, err=True)
        _say_gpu(gpu, codec)
    progress = Progress(quiet)
    prof = Profile() if profiling else None
    cache = SegmentCache(cache_dir, max_bytes=cache_size or DEFAULT_MAX_BYTES) if cache_dir else None
    with _executor(executor, ray_address, workers) as chunk_executor:
        frames = render_video(tl, out, quality=quality, encoder=codec, start=start, end=end, on_progress=progress,
                              platform=target, workers=workers, cache=cache, profile=prof, gpu=gpu,
                              executor=chunk_executor)
    progress.finish()
    if cache is not None and not quiet:
        click.echo(str(cache.stats), err=True)
    if not quiet and any(clip.kind == "speech" for clip in tl.audio):
        from .engine import speech

        click.echo(speech.usage_line(tl.speech_budget), err=True)  # per provider: lines, syntheses, cache hits, seconds, cost
    if prof is not None:
        click.echo(prof.table())
    return frames


def _load(file: str, data: str | None, sets: tuple[str, ...], preset: str | None, fps: float | None, size: str | None,
          root: str | None = None, allow_paths: tuple[str, ...] = (), template: str | None = None):
    """FILE compiled with the command's options: `storyreel.load`, the Python API's
    front door, with --data and --set merged (--set wins) and --size parsed; the
    ready-made `template` (`render new`) through `storyreel.template`."""
    from .api import load
    from .api import template as fill_template

    variables: dict[str, Any] = {}
    if data:
        variables.update(load_data_file(data))
    for item in sets:
        key, value = parse_set_option(item)
        variables[key] = value
    parsed_size = _parse_size(size)
    if parsed_size is not None:
        check_size(*parsed_size, what="--size")
    if template is not None:
        return fill_template(template, variables, preset=preset, size=parsed_size, fps=fps)
    return load(Path(file), variables, preset=preset, size=parsed_size, fps=fps, root=root,
                allow_paths=tuple(allow_paths))


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(message, err=True)
    sys.exit(code)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the work is (as Python raises KeyboardInterrupt
    for SIGINT), so every `except KeyboardInterrupt`/`finally` that cleans up after
    Ctrl-C does the same for them: partial files removed, workers stopped."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stopping_signals():
    """While the work runs, SIGTERM and SIGHUP raise `Terminated`; the previous
    handlers come back afterwards. A signal that was ignored when we started
    (`nohup` ignores SIGHUP) stays ignored."""
    import contextlib
    import signal
    import threading

    @contextlib.contextmanager
    def installed():
        if threading.current_thread() is not threading.main_thread():
            yield  # only the main thread may set handlers (and receives signals)
            return
        previous = {}

        def handler(signum, frame):
            # Raised once: a second signal while cleaning up would cut the cleanup short.
            for sig in previous:
                signal.signal(sig, signal.SIG_IGN)
            raise Terminated(signum)

        for name in ("SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)  # Windows has no SIGHUP
            if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
                previous[sig] = signal.signal(sig, handler)
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    return installed()


def _write_failure(err: OSError, target) -> str:
    reason = err.strerror or str(err)
    import errno

    hint = {errno.ENOSPC: "the disk is full: free some space, or write elsewhere with -o",
            errno.EDQUOT: "over the disk quota: free some space, or write elsewhere with -o",
            errno.EROFS: "a read-only file system: write elsewhere with -o",
            errno.EACCES: "no permission to write there: write elsewhere with -o"}.get(err.errno)
    return f"error: cannot write {target}: {reason}" + (f"\n  hint: {hint}" if hint else "")


def _run(action, output: Path | None = None):
    """Turn user-facing errors into messages and exit codes, never tracebacks.

    Ctrl-C, SIGTERM and SIGHUP stop the work and remove what it was writing; the
    exit status is 128 + the signal's number (130, 143, 129), what a shell reports
    for a process the signal ended, so scripts and supervisors see why it stopped."""
    from .engine.encode.outputs import failed_target

    try:
        with _stopping_signals():
            return action()
    except SceneError as err:
        _fail(err.format())
    except (EncoderError, AssetError, AudioError, PlatformError, PluginError) as err:
        _fail(f"error: {err}")
    except OSError as err:
        target = failed_target(err)  # the file being written (video, thumbnail, captions, metadata)
        if target is not None:
            _fail(_write_failure(err, target))
        if output is None:
            raise
        if err.filename is not None:
            _fail(f"error: {err.filename}: {err.strerror or err}")  # not ours: a file being read
        _fail(_write_failure(err, output))
    except KeyboardInterrupt as err:
        import signal

        signum = getattr(err, "signum", signal.SIGINT)
        if signum == signal.SIGINT:
            _fail("interrupted: stopped, no output written", EXIT_INTERRUPTED)
        _fail(f"terminated by {signal.Signals(signum).name}: stopped, no output written", 128 + signum)


class Progress:
    """`frames 120/300  40%  58.2 fps  ETA 3s` on one line of stderr."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.started = time.perf_counter()
        self.last_draw = 0.0
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if done < total and now - self.last_draw < (0.1 if self.tty else 2.0):
            return
        self.last_draw = now
        elapsed = max(now - self.started, 1e-9)
        fps = done / elapsed
        eta = (total - done) / fps if fps > 0 else 0.0
        width = 24
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        line = f"[{bar}] frames {done}/{total} {100 * done / max(total, 1):3.0f}%  {fps:5.1f} fps  ETA {eta:4.1f}s"
        click.echo(("\r" + line) if self.tty else line, err=True, nl=not self.tty)

    def finish(self) -> None:
        if not self.quiet and self.tty:
            click.echo("", err=True)


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="storyreel")
def main() -> None:
    """storyreel: render .scene files to video.

    \b
    render FILE.scene -o out.mp4        render a video
    render still FILE.scene --at 2.5s   write one frame as PNG
    render compile FILE.scene --json    print the timeline graph
    render check FILE.scene             validate without rendering
    render story story.txt -o out.mp4   a narrated picture book from a text story
    render templates                    list the ready-made templates and their parameters
    render new counting -o out.mp4      render a template (--set k=v, --age N, --length episode)
    render batch jobs.csv               one video per row (CSV, YAML, JSON Lines); resumable
    render serve [--tokens FILE]        the HTTP API: submit, poll, download, cancel, webhooks
    render jobs list|show|cancel        a jobs folder's jobs
    render check-video out.mp4          check a rendered video (flashes, contrast, loudness, limits)
    render say "Hello!" --voice luna    synthesise one line to a WAV
    render voices                       list voices and moods
  render music --melody twinkle -o tune.wav   a piece of music (--mood, --length 90s, --seed N)
    render watch FILE.scene --open      live preview in the browser
    render cache [DIR] [--clear]        size of (or empty) the segment cache
    """


@main.command("video")
@_source_options
@click.option("-o", "--output", type=_OutputPath(),
              help="Output: .mp4, .webm, .mov, .gif, .wav, .m4a, or a folder / frame_%04d.png for PNG frames "
                   "(default: FILE with .mp4).")
@click.option("--format", "out_format", metavar="FORMAT",
              help="mp4, hevc (H.265 MP4), webm, mov, gif, png, wav, m4a (default: from the output's extension).")
@click.option("--loudness", type=float, metavar="LUFS",
              help="Normalise the soundtrack to this integrated loudness (default -14; -40 to -5).")
@_encode_options
@_speed_options
def video_command(file, preset, fps, size, data, sets, output, quality, encoder, t_from, t_to, quiet,
                  platform=None, no_extras=False, root=None, allow_paths=(), out_format=None, loudness=None,
                  template=None, **speed):
    """Render FILE.scene to a video (MP4 unless the output or --format says otherwise)."""
    _suggest_story(file)
    _check_speed(speed)
    start = _parse_time(t_from, "--from") if t_from else None
    end = _parse_time(t_to, "--to") if t_to else None
    if start is not None and end is not None and end <= start:
        raise click.BadParameter("--to must come after --from", param_hint="--to")
    fmt, output = _output_format(file, output, out_format, platform, speed)
    _check_loudness(loudness, platform)
    out = Path(output)
    if fmt.name != "mp4":
        _run(lambda: _render_format(file, output, fmt, preset, fps, size, data, sets, root, allow_paths, quality,
                                    start, end, quiet, loudness, template, speed=speed), out)
        return

    def work():
        began = time.perf_counter()
        target = get_platform(platform) if platform else None
        chosen_preset, chosen_size = _platform_layout(target, preset, size)
        loaded = _load(file, data, sets, chosen_preset, fps, chosen_size, root, allow_paths, template)
        tl = _with_loudness(loaded.timeline, loudness)
        if not frame_range(tl, start, end):
            # An empty range would write a video with no frames and report success.
            if start is not None and start >= tl.duration:
                raise SceneError(f"--from {start:g}s is at or after the end of the video ({tl.duration:g}s)")
            raise SceneError(f"--from/--to select no frames at {tl.fps:g} fps",
                             hint="widen the range to at least one frame")
        if target is not None:
            _check_platform_limits(target, tl, len(frame_range(tl, start, end)) / tl.fps, quiet,
                                   "shorten the video (or render a part of it with --from/--to)")
        frames = _render(tl, out, quality=quality, encoder=encoder, quiet=quiet, target=target, start=start,
                         end=end, **speed)
        extras = [] if no_extras else write_publish_outputs(tl, out, target, start=start, end=end)
        if not quiet:
            if extras:
                click.echo(f"wrote {', '.join(p.name for p in extras)}", err=True)
            took = time.perf_counter() - began
            click.echo(f"wrote {out} ({frames / tl.fps:.2f}s, {frames} frames, {tl.width}x{tl.height} @ {tl.fps:g} fps) "
                       f"in {took:.1f}s ({frames / max(took, 1e-9):.1f} fps)", err=True)
        _check_file_size(target, out)

    _run(work, out)


def _output_format(file: str, output: str | None, requested: str | None, platform: str | None, speed: dict):
    """(the output format, the output path as text) for `render FILE`: from --format or
    the output's extension (engine/encode/formats.py); a misused option is exit 2."""
    from .engine.encode.formats import FORMATS, FormatError, check_chunked, check_platform_format, format_for

    if output is None:
        chosen = FORMATS.get((requested or "mp4").lower())
        stem = Path(file).with_suffix("")
        output = (f"{stem}_frames/" if chosen is not None and chosen.name == "png"
                  else str(stem) + (chosen.suffixes[0] if chosen is not None and chosen.suffixes else ".mp4"))
    try:
        fmt = format_for(output, requested)
        check_platform_format(get_platform(platform) if platform else None, fmt)
    except FormatError as err:
        hint = "--format" if requested and not str(err).startswith("--format") else "--output"
        raise click.BadParameter(str(err), param_hint="--platform" if platform and "platform" in str(err) else hint)
    if speed.get("workers", 1) != 1 or speed.get("cache_dir"):
        try:
            check_chunked(fmt)  # MP4, H.265, WebM and MOV render in chunks; GIF, PNG and audio in one pass
        except FormatError as err:
            raise click.BadParameter(str(err), param_hint="--workers" if speed.get("workers", 1) != 1 else "--cache")
    return fmt, output


def _check_loudness(loudness: float | None, platform: str | None) -> None:
    """--loudness: a sane LUFS target, and within a --platform's own loudness window."""
    if loudness is None:
        return
    if not -40.0 <= loudness <= -5.0:
        raise click.BadParameter(f"{loudness:g} LUFS is outside -40 to -5 (streaming services use -14 to -16, "
                                 "broadcast -23)", param_hint="--loudness")
    target = get_platform(platform) if platform else None
    if target is not None and abs(loudness - target.loudness.target) > target.loudness.tolerance:
        raise click.BadParameter(f"{target.label} expects {target.loudness.target:g} LUFS "
                                 f"(±{target.loudness.tolerance:g} LU); {loudness:g} would fail its check",
                                 param_hint="--loudness")


def _with_loudness(tl, loudness: float | None):
    from dataclasses import replace

    return tl if loudness is None else replace(tl, loudness=loudness)


def _render_format(file, output, fmt, preset, fps, size, data, sets, root, allow_paths, quality, start, end, quiet,
                   loudness=None, template=None, speed=None):
    """`render FILE -o out.webm` (or any format but H.264 MP4): engine/encode/formats.py;
    --workers, --cache and --executor chunk H.265, WebM and MOV as they chunk an MP4."""
    from .engine.encode.formats import render_output
    from .engine.encode.segment_cache import DEFAULT_MAX_BYTES, SegmentCache

    began = time.perf_counter()
    tl = _with_loudness(_load(file, data, sets, preset, fps, size, root, allow_paths, template).timeline, loudness)
    if not frame_range(tl, start, end):
        raise SceneError(f"--from/--to select no frames at {tl.fps:g} fps", hint="widen the range to at least one frame")
    progress = Progress(quiet)
    speed = speed or {}
    workers, cache_dir = speed.get("workers", 1), speed.get("cache_dir")
    cache = SegmentCache(cache_dir, max_bytes=speed.get("cache_size") or DEFAULT_MAX_BYTES) if cache_dir else None
    with _executor(speed.get("executor", "local"), speed.get("ray_address"), workers) as chunk_executor:
        frames = render_output(tl, output, fmt, quality=quality, start=start, end=end, on_progress=progress,
                               workers=workers, cache=cache, executor=chunk_executor)
    progress.finish()
    if cache is not None and not quiet:
        click.echo(str(cache.stats), err=True)
    if not quiet:
        click.echo(f"wrote {output} ({fmt.label}; {frames / tl.fps:.2f}s, {tl.width}x{tl.height} @ {tl.fps:g} fps) "
                   f"in {time.perf_counter() - began:.1f}s", err=True)


def _suggest_story(file: str) -> None:
    """`render story.txt`: a plain-text story is rendered with `render story`, not as a
    .scene file (whose error would blame its first line). A usage error (exit 2)."""
    path = Path(file)
    if path.suffix.lower() not in (".txt", ".md") or not path.is_file():
        return
    try:
        first = next((line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
                      if line.strip()), "")
    except OSError:
        return
    if not first.startswith(("video", "{%", "{#", "---", "#")):
        raise click.UsageError(f"{file} looks like a story, not a .scene file\n"
                               f"  hint: make a picture-book video of it with: render story {file}")


def _check_platform_limits(target, tl, length: float, quiet: bool, shorten: str) -> None:
    """A platform's duration and aspect limits, before anything is rendered."""
    problems = target.check_limits(tl.width, tl.height, length)
    if problems:
        fixes = []
        if target.max_duration is not None and length > target.max_duration:
            fixes.append(shorten)
        if not target.aspect_ok(tl.width, tl.height):
            fixes.append(f"use a size {target.label} takes: without --size and --preset, "
                         f"--platform {target.name} renders {target.size[0]}x{target.size[1]}")
        raise SceneError("; ".join(problems), hint="nothing was rendered; " + "; ".join(fixes))
    if not quiet:
        for warning in target.warnings(tl.width, tl.height, tl.fps):
            click.echo(f"warning: {warning}", err=True)


def _check_file_size(target, out: Path) -> None:
    """A platform's file-size limit can only be checked once the video exists."""
    too_big = target.check_file_size(out.stat().st_size) if target is not None else None
    if too_big:
        _fail(f"error: {target.label}: {'; '.join(too_big)} (the file is kept; lower --quality or shorten it)")


def _platform_layout(target, preset: str | None, size: str | None) -> tuple[str | None, str | None]:
    """--preset and --size as given (--size as text), else the platform's layout
    (engine.publish.platforms.platform_layout)."""
    if size is not None:
        return preset, size
    chosen, recommended = platform_layout(target, preset, None)
    return chosen, (f"{recommended[0]}x{recommended[1]}" if recommended else None)


def _check_workers(value: int) -> int:
    if value < 1:
        raise click.BadParameter(f"must be 1 or more (got {value}): the number of processes that render chunks",
                                 param_hint="--workers")
    return value


def _check_cache(value: str | None) -> str | None:
    if value is not None:
        from .engine.encode.segment_cache import CacheError, check_cache_dir

        try:
            check_cache_dir(Path(value))
        except CacheError as err:
            raise click.BadParameter(str(err), param_hint="--cache") from None
    return value


def _check_cache_size(value: str | None) -> int | None:
    if value is None:
        return None
    from .engine.encode.segment_cache import parse_size

    try:
        return parse_size(value)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--cache-size") from None


@main.command("cache")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--clear", is_flag=True, help="Delete every cached chunk.")
def cache_command(directory, clear):
    """Show (or --clear) a segment cache: DIRECTORY, default the one `render watch` uses."""
    from .engine.encode.segment_cache import SegmentCache, default_cache_dir, format_size, scan_entries

    def work():
        folder = Path(directory) if directory else default_cache_dir()
        if folder.exists() and not folder.is_dir():
            raise click.BadParameter(f"'{folder}' is a file, not a folder", param_hint="DIRECTORY")
        if clear:
            if not folder.is_dir():
                click.echo(f"{folder}: no cache here, nothing to clear")
                return
            stats = SegmentCache(folder).clear()
            click.echo(f"{folder}: {stats.evicted} entr{'y' if stats.evicted == 1 else 'ies'} deleted "
                       f"({format_size(stats.freed)})")
            return
        entries = scan_entries(folder) if folder.is_dir() else []
        click.echo(f"{folder}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}, "
                   f"{format_size(sum(e.size for e in entries))}")

    _run(work)


def _say_gpu(gpu: bool | None, codec: str) -> None:
    """One line on the GPU path: used or not, and what encodes (H100/H200 have no NVENC)."""
    if gpu is False:
        return
    from .engine.raster import gpu as gpu_path

    usable, why = gpu_path.available()
    if usable:
        nvenc = " (NVENC encodes)" if codec.endswith("_nvenc") else f" (no NVENC here: {codec} encodes)"
        click.echo(f"gpu: {why}{nvenc}", err=True)
    elif gpu:
        raise EncoderError(f"--gpu: {why}")


@main.command("still")
@_source_options
@click.option("--at", "at", default="0s", show_default=True, metavar="TIME", help="Time of the frame (2.5s, 500ms).")
@click.option("-o", "--output", type=_OutputPath(), help="Output .png (default: FILE with .png).")
def still_command(file, preset, fps, size, data, sets, at, output, root=None, allow_paths=()):
    """Write the frame at --at as a PNG."""
    t = _parse_time(at, "--at")
    out = Path(output) if output else Path(file).with_suffix(".png")

    def work():
        tl = _load(file, data, sets, preset, fps, size, root, allow_paths).timeline
        if t > tl.duration:
            raise SceneError(f"--at {t:g}s is after the end of the video ({tl.duration:g}s)")
        write_png(render_frame(tl, min(t, max(0.0, tl.duration - 1e-6))), out)

    _run(work, out)


@main.command("compile")
@_source_options
@click.option("--json", "as_json", is_flag=True, default=True, help="Print the timeline graph as JSON (default).")
@click.option("--otio", "otio_path", type=click.Path(dir_okay=False), metavar="OUT.otio",
              help="Write an OpenTimelineIO timeline instead (scenes as clips of the rendered video, audio tracks, "
                   "chapter markers) for an editor to open.")
@click.option("--media", type=click.Path(dir_okay=False), metavar="VIDEO",
              help="With --otio: the rendered video the scene clips refer to (default: FILE.mp4 beside FILE).")
def compile_command(file, preset, fps, size, data, sets, as_json, otio_path=None, media=None, root=None,
                    allow_paths=()):
    """Print the compiled timeline graph (the engine's IR) as JSON, or write it as an
    OpenTimelineIO file (--otio)."""
    def work():
        compiled = _load(file, data, sets, preset, fps, size, root, allow_paths)
        if otio_path is None:
            click.echo(compiled.to_json())
            return
        from .engine.publish.interchange import write_otio

        written = write_otio(compiled.timeline, otio_path, media or Path(file).with_suffix(".mp4"))
        click.echo(f"wrote {written}")

    _run(work, Path(otio_path) if otio_path else None)


@main.command("check")
@_source_options
def check_command(file, preset, fps, size, data, sets, root=None, allow_paths=()):
    """Validate FILE.scene without rendering."""

    def work():
        tl = _load(file, data, sets, preset, fps, size, root, allow_paths).timeline
        click.echo(f"{file}: ok ({len(tl.scenes)} scenes, {tl.duration:.2f}s, {tl.width}x{tl.height} @ {tl.fps:g} fps)")

    _run(work)


@main.command("check-video")
@click.argument("video", type=click.Path(exists=True, dir_okay=False))
@click.option("--platform", type=click.Choice(PLATFORM_NAMES), help="Also check this platform's limits and encoding.")
@click.option("--age", type=_FiniteFloatRange(0, 120), metavar="YEARS",
              help="The viewers' age, for the caption reading speed (default: the video's `age` as "
                   "recorded in OUT.json, else children's programmes, 17 chars/s).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check_video_command(video, platform, age, as_json):
    """Decode VIDEO and check it: duration, sync, loudness, size, flashes,
    text contrast, caption reading speed. Exits 1 when a check fails."""
    import json

    from .api import check_video
    from .engine.publish.quality import QualityError

    def work():
        try:
            report = check_video(video, platform=platform, age=age)
        except QualityError as err:
            _fail(f"error: {err}")
        click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.table())
        if not report.ok:
            sys.exit(EXIT_ERROR)

    _run(work)


@main.command("say")
@click.argument("text")
@click.option("--voice", default="narrator", show_default=True, callback=_check_voice,
              help="A voice preset (see `render voices`).")
@click.option("--mood", default=None, callback=_check_voice, help="happily, sadly, excitedly, quietly, surprised, …")
@click.option("-o", "--output", type=_OutputPath(),
              help="Output WAV file (16-bit, 48 kHz, mono; default: line.wav, or line-2.wav, … when that exists).")
@click.option("--timings", is_flag=True, help="Also print each word's start and end time.")
@click.option("--age", type=click.FloatRange(1, 120), default=None,
              help="The viewers' age: the voice's pace for it (about 120 words a minute at 2, 137 at 4).")
@click.option("--rate", type=click.FloatRange(0.5, 2), default=1.0, show_default=True,
              help="This line faster or slower (0.8 is a fifth slower).")
def say_command(text, voice, mood, output, timings, age=None, rate=1.0):
    """Synthesise one line of speech to a WAV file (for trying voices)."""
    output = output or str(_free_name(Path("line.wav")))  # never over an earlier try (-o overwrites)

    def work():
        from .api import say

        spoken = say(text, output, voice=voice, mood=mood, age=age, rate=rate)
        click.echo(f"wrote {output} ({spoken.duration:.2f}s, voice {voice}{', ' + mood if mood else ''})", err=True)
        if timings:
            for word in spoken.words:
                click.echo(f"{word.start:7.3f} {word.end:7.3f}  {word.text}")

    _run(work, Path(output))


def _free_name(path: Path) -> Path:
    """`path`, or `NAME-2.EXT`, `NAME-3.EXT`, … : the first that does not exist yet."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _check_melody(ctx, param, value: str | None) -> str | None:
    """--melody of `render music`: an unknown name is a usage error (exit 2)."""
    if value is None:
        return None
    from .engine.audio.arrange import find_melody

    try:
        return find_melody(value).name
    except AudioError as err:
        raise click.BadParameter(f"{err.message} ({err.hint})" if err.hint else err.message) from None


def _music_length(ctx, param, value: str) -> float:
    seconds = _parse_time(value, "--length")
    if not 0.5 <= seconds <= 1800:
        raise click.BadParameter(f"'{value}' is out of range; a piece lasts 0.5s to 30 min", param_hint="--length")
    return seconds


@main.command("music")
@click.option("--melody", default=None, callback=_check_melody,
              help="A nursery melody to lead with (twinkle, mary, old_macdonald, …); default: chosen by the seed.")
@click.option("--mood", type=click.Choice(["happy", "playful", "calm", "sleepy"]), default="happy", show_default=True)
@click.option("--length", "length", default="60s", show_default=True, callback=_music_length,
              help="How long the piece lasts (it ends on a cadence there).")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
@click.option("--tempo", type=_FiniteFloatRange(60, 180), default=None, help="Beats a minute (default: by mood and age).")
@click.option("--age", type=_FiniteFloatRange(1, 12), default=None, help="The audience's age (younger: slower).")
@click.option("--generated", is_flag=True, help="Original tunes only (no nursery melodies).")
@click.option("-o", "--output", type=_OutputPath(), default="tune.wav", show_default=True,
              help="Output file: .wav (16-bit, 48 kHz, stereo) or .mid (the arrangement as MIDI).")
def music_command(melody, mood, length, seed, tempo, age, generated, output):
    """Write a piece of music, as videos get it (for hearing a template's music)."""
    from .api_tools import music
    from .engine.audio import soundfont
    from .engine.audio.arrange import PROGRAM_NAMES

    if generated and melody:
        raise click.UsageError("--generated plays original tunes only; leave out --melody")

    def work():
        piece = music(length, output, mood=mood, melody=melody, seed=seed, tempo=tempo, age=age, generated=generated)
        score, took = piece.score, piece.render_seconds
        plan = ", ".join(f"{s.kind} {s.theme} ({PROGRAM_NAMES.get(s.lead, s.lead)})" for s in score.sections)
        speed = f", rendered {length / took:.0f}x real time" if took else ""
        click.echo(f"wrote {output} ({length:.1f}s, {mood}, {score.tempo:.0f} bpm{speed})\n"
                   f"  sound: {soundfont.describe()}\n  sections: {plan}", err=True)

    _run(work, Path(output))


@main.command("voices")
def voices_command():
    """List speech providers and their voices."""
    from .api_tools import voices
    from .engine import speech

    for info in voices():
        state = f"available, {info.version}" if info.available else f"not installed ({info.install_hint or info.error})"
        click.echo(f"{info.name}: {state}")
        if info.description:
            click.echo(f"  {info.description}")
        for name in info.voices:
            v = speech.VOICES[name]
            click.echo(f"  {name:10s} {v.language:6s} {v.rate_wpm:4.0f} wpm  pitch {v.pitch:3.0f}  {v.description}")
            click.echo(f"  {'':10s} made from {speech.voice_recipe(v)}")
        fallbacks = [v for (name, provider), v in speech.FALLBACK_VOICES.items() if provider == info.name]
        if fallbacks:
            click.echo(f"  as the fallback: {', '.join(v.name + ' = ' + speech.voice_recipe(v) for v in fallbacks)}")
    click.echo(f"order: {', '.join(speech.provider_order())} (the first that works speaks; "
               f"${speech.PROVIDERS_ENV} sets it, a video's `speech NAME …` its own)")
    click.echo("moods: " + ", ".join(sorted(speech.MOODS)))


@main.command("watch")
@_source_options
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the web browser.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), callback=lambda c, p, v: _check_cache(v),
              help="Folder of encoded chunks, shared with `render FILE --cache DIR` "
                   "(default: $STORYREEL_CACHE/segments, else $XDG_CACHE_HOME/storyreel/segments, "
                   "else ~/.cache/storyreel/segments).")
@click.option("--cache-size", "cache_size", metavar="SIZE", callback=lambda c, p, v: _check_cache_size(v),
              help="Bound on the cache folder (500MB, 2GB; default 5GB).")
def watch_command(file, preset, fps, size, data, sets, port, open_browser, cache_dir=None, cache_size=None,
                  root=None, allow_paths=()):
    """Preview FILE.scene in the browser, updated on every save (Ctrl-C stops)."""
    from .engine.encode.segment_cache import DEFAULT_MAX_BYTES, CacheError, default_cache_dir
    from .preview import PreviewServer

    def work():
        variables = dict(parse_set_option(item) for item in sets)
        parsed_size = _parse_size(size)
        if parsed_size is not None:
            check_size(*parsed_size, what="--size")
        folder = cache_dir or default_cache_dir()
        try:
            server = PreviewServer(file, variables=variables, data=data, port=port, cache_dir=folder,
                                   cache_size=cache_size or DEFAULT_MAX_BYTES,
                                   options=CompileOptions(preset=preset, size=parsed_size, fps=fps,
                                                          project=Project.for_file(file, root, allow_paths)))
        except CacheError as err:
            _fail(f"error: {err}" + ("" if cache_dir else "; choose another folder with --cache DIR"))
        except OSError as err:
            _fail(f"error: cannot listen on 127.0.0.1:{port}: {err.strerror or err}; try another --port (0: any free one)")
        try:
            server.start()
            click.echo(f"preview: {server.url}  (watching {file}; Ctrl-C stops)")
            state = server.state()
            if state["error"]:
                click.echo(state["error"]["text"], err=True)
            if open_browser:
                _open_in_browser(server.url)
            while not server.stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            click.echo("preview stopped", err=True)
        finally:
            server.close()

    _run(work)



def _open_in_browser(url: str) -> bool:
    """`watch --open`: open `url` in the web browser, or say that there is none (a
    server, a container) and that the preview is still there to open by hand."""
    import webbrowser

    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        click.echo(f"warning: --open: no web browser found here; open {url} in a browser yourself "
                   f"(the preview keeps running)", err=True)
    return opened


@main.command("characters")
@click.argument("character", nargs=-1)
@click.option("--gesture", help="Render this gesture (wave, jump, nod, clap, …) of CHARACTER as a short video.")
@click.option("-o", "--output", type=_OutputPath(), help="Output (.png sheet or .mp4 gesture).")
@click.option("--size", default="640x640", show_default=True, callback=_check_size_option,
              help="Size of a gesture video.")
def characters_command(character, gesture, output, size):
    """Draw a contact sheet of the characters, or preview one gesture.

    \b
    render characters -o sheet.png                 the whole cast, one figure each, to scale
    render characters luna fox -o sheet.png        these characters x expression x viseme
    render characters luna --gesture wave -o wave.mp4
    """
    from .api_tools import UnknownName, character_sheet, gesture as gesture_project
    from .engine.characters import available_characters

    def work():
        try:
            make()
        except UnknownName as err:  # a misused argument: click's usage error (exit 2)
            raise click.BadParameter(f"{err.message} ({err.hint})",
                                     param_hint="CHARACTER" if err.argument == "character" else "--gesture") from None

    def make():
        if gesture is None:
            out = character_sheet(output or "characters.png", character)
            click.echo(f"wrote {out} ({len(character) or len(available_characters())} characters)", err=True)
            return
        if len(character) != 1:
            raise click.UsageError("--gesture needs one CHARACTER")
        out = Path(output or f"{character[0]}-{gesture}.mp4")
        project = gesture_project(character[0], gesture, size=_parse_size(size))
        project.render(out, encoder="libx264", extras=False)
        click.echo(f"wrote {out} ({project.duration:.2f}s)", err=True)

    _run(work, Path(output) if output else None)


@main.command("story")
@click.argument("file", type=click.Path())
@click.option("-o", "--output", type=_OutputPath(),
              help="Output .mp4 (default: FILE with .mp4; with only --emit-scene, no video).")
@click.option("--emit-scene", "emit_scene", type=_OutputPath(),
              help="Also write the generated .scene file (alone: write it and render nothing).")
@_format_options("the platform's")
@click.option("--platform", type=click.Choice(PLATFORM_NAMES),
              help="Target this platform's size, encoding and length limit (default: the one --preset is named "
                   "after, else youtube).")
@click.option("--quality", type=click.Choice(list(QUALITY)), default="standard", show_default=True,
              help="Encoder preset/CRF: draft=ultrafast/28, standard=veryfast/23, high=slow/18.")
@click.option("--encoder", default="auto", show_default=True, callback=_check_encoder,
              help="auto (probe hardware, else libx264), libx264, h264_nvenc, …")
@click.option("--age", type=click.IntRange(2, 5), default=4, show_default=True,
              help="The viewer's age (2-5): younger viewers get longer pauses.")
@click.option("--narration", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="A recording of the story read aloud (title, every page, \"The End.\"): each line is cut "
                   "from it by forced alignment and used instead of a synthesised voice.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary.")
@click.option("--no-extras", "--no-publish", "no_extras", is_flag=True,
              help="No thumbnail or metadata JSON beside the video (caption files only when captions are on).")
@click.option("--facts", is_flag=True,
              help="Print what the story says, page by page (cast, speakers, setting, time, weather, props), "
                   "as JSON, and render nothing.")
@_speed_options
def story_command(file, output, emit_scene, preset, platform, size, fps, quality, encoder, age, narration, quiet,
                  no_extras, facts=False, **speed):
    """Turn a plain-text story (title on the first line, then paragraphs), or a
    story book (YAML, or a folder with story.yaml: title and pages of text with
    the author's own pictures, sounds and narration), into a narrated
    picture-book video through the storybook template."""
    from .api import compose_story  # the Python API's `storyreel.story`, with what it read
    from .dsl.story import emitted_scene, format_duration, scene_header, story_platform
    from .engine.encode.outputs import atomic_output

    _check_speed(speed)
    if facts:
        _run(lambda: _print_story_facts(file))
        return
    out = Path(output) if output else (None if emit_scene else Path(file).with_suffix(".mp4"))
    if out is not None and out.suffix.lower() != ".mp4":
        raise click.BadParameter(f"'{out}' must end in .mp4", param_hint="--output")

    def work():
        began = time.perf_counter()
        target = story_platform(platform, preset)  # its length limit applies even to --preset alone
        encode_for = target if platform else None  # its encoding and layout only when asked for
        chosen_preset, chosen_size = _platform_layout(encode_for, preset, size)
        parsed_size = _parse_size(chosen_size)
        if parsed_size is not None:
            check_size(*parsed_size, what="--size")
        # What the pictures leave out or draw as something else: once the length is checked.
        shown = None if quiet else _echo_story_warnings
        composed = compose_story(file, age=age, narration=narration, platform=platform, preset=chosen_preset,
                                 size=parsed_size, fps=fps, on_pages=shown)
        story, pages, seconds, tl = composed.story, composed.pages, composed.seconds, composed.project.timeline
        if encode_for is not None and out is not None:
            _check_platform_limits(encode_for, tl, tl.duration, quiet, "shorten the story")
        if not quiet:
            click.echo(f"{file}: \"{story.title}\", {len(pages)} pages "
                       f"({', '.join(p.background for p in pages)}), about {format_duration(seconds)}", err=True)
        if emit_scene:
            with atomic_output(emit_scene, ".scene") as tmp:
                Path(tmp).write_text(emitted_scene(scene_header(story, pages, age, target, seconds),
                                                   composed.project.scene_text), encoding="utf-8")
            if not quiet:
                click.echo(f"wrote {emit_scene}", err=True)
        if out is None:
            return
        frames = _render(tl, out, quality=quality, encoder=encoder, quiet=quiet, target=encode_for, **speed)
        # Thumbnail, captions and metadata, as for any render.
        extras = [] if no_extras else write_publish_outputs(tl, out, encode_for)
        if not quiet:
            for path in extras:
                click.echo(f"wrote {path}", err=True)
            took = time.perf_counter() - began
            click.echo(f"wrote {out} ({frames / tl.fps:.2f}s, {frames} frames, {tl.width}x{tl.height} @ {tl.fps:g} fps) "
                       f"in {took:.1f}s ({frames / max(took, 1e-9):.1f} fps)", err=True)
        _check_file_size(encode_for, out)

    _run(work, out or (Path(emit_scene) if emit_scene else None))


def _echo_story_warnings(story, pages) -> list:
    """Print the story's "no picture for …" warnings on stderr; return the facts they came from."""
    from .dsl.story_reader import read_story_facts, story_warnings

    facts = read_story_facts(story, pages)
    for warning in story_warnings(facts):
        click.echo(str(warning), err=True)
    return facts


def _print_story_facts(file) -> None:
    """`render story FILE --facts`: the reader's facts as JSON on stdout, its warnings on stderr."""
    import json

    from .dsl.story import plan_pages, read_story
    from .dsl.story_reader import facts_as_json

    story = read_story(file)
    pages = plan_pages(story)
    facts = _echo_story_warnings(story, pages)
    result = {"title": story.title, **facts_as_json(facts)}
    for item, page in zip(result["pages"], pages):
        item["text"], item["line"] = page.text, page.line
    click.echo(json.dumps(result, indent=2, ensure_ascii=False))


# ── templates: `render templates`, `render new` ────────────────────────────


@main.command("templates")
@click.argument("name", required=False)
def templates_command(name):
    """List the ready-made templates and their parameters (or one template's)."""
    from .dsl.templates import format_params, list_templates, load_template

    def work():
        chosen = [load_template(name)] if name else list_templates()
        for i, template in enumerate(chosen):
            if i:
                click.echo("")
            click.echo(f"{template.name}: {template.title}")
            if template.description:
                click.echo(f"    {template.description}")
            click.echo(format_params(template, indent="      "))
        if not name:
            click.echo("\nrender new TEMPLATE [--set key=value …] [--age N] [--length short|episode] -o out.mp4")

    _run(work)


@main.command("new")
@click.argument("template_name", metavar="TEMPLATE")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", callback=_check_sets,
              help="Set a template parameter (YAML-typed); repeatable; wins over --data.")
@click.option("--data", type=click.Path(dir_okay=False), help="YAML file of template parameters.")
@click.option("--age", type=int, help="The viewer's age (same as --set age=N).")
@click.option("--length", "length", help="short or episode (same as --set length=…).")
@click.option("-o", "--output", type=_OutputPath(), help="Output .mp4 (default: TEMPLATE.mp4).")
@click.option("--emit-scene", type=_OutputPath(),
              help="Write the expanded .scene file (to edit further); renders only when -o is given too.")
@_format_options("the template")
@_encode_options
@_speed_options
@click.pass_context
def new_command(ctx, template_name, sets, data, age, length, output, emit_scene, preset, size, fps, quality,
                encoder, t_from, t_to, quiet, platform, no_extras, **speed):
    """Render the ready-made TEMPLATE (see `render templates`) with its parameters.

    \b
    render new counting --set count=7 --set thing=duck -o ducks.mp4
    render new alphabet --set letter=B --age 3 --length episode -o b.mp4
    render new colors --set color=blue --emit-scene blue.scene
    """
    from .api import template as fill_template  # the Python API's `storyreel.template`, as the render is
    from .dsl.templates import load_template, resolve_params, tidy_scene_text

    def prepare():
        from .dsl.templates import find_template

        if find_template(template_name) is None:  # a name that is no template: a usage error
            try:
                load_template(template_name)
            except SceneError as err:
                raise click.BadParameter(_message(err), param_hint="TEMPLATE") from None
        template = load_template(template_name)  # a template whose own files are broken: exit 1
        data_values = load_data_file(data) if data else {}
        resolve_params(template, data_values, data)  # the --data file's values: its errors exit 1
        set_values = dict(parse_set_option(item) for item in sets)
        try:
            params = resolve_params(template, data_values, data, set_values, age=age, length=length)
        except SceneError as err:  # what --set, --age and --length gave: a usage error (exit 2)
            raise click.UsageError(err.format().removeprefix("error: ")) from None
        return template, params

    template, params = _run(prepare)
    if emit_scene:
        target = Path(emit_scene)

        def emit():
            # Laid out for the format the video will have: --platform's when no --preset/--size.
            chosen_preset, chosen_size = _platform_layout(get_platform(platform) if platform else None, preset, size)
            parsed = _parse_size(chosen_size)
            loaded = fill_template(template_name, params, preset=chosen_preset, size=parsed, fps=fps)
            import shlex

            defaults = template.defaults()
            given = "".join(
                f" --set {shlex.quote(f'{k}={_yaml_value(v)}') if len(_yaml_value(v)) <= 60 else f'{k}=…'}"
                for k, v in params.items() if v != defaults.get(k))
            header = (f"Made by `render new {template.name}{given}`\n"
                      f"from {template.scene_path} ({loaded.timeline.duration:.1f}s). Edit freely; "
                      f"render it with `render {target.name}`.")
            from .engine.encode.outputs import atomic_output

            with atomic_output(target, ".scene") as tmp:
                Path(tmp).write_text(tidy_scene_text(loaded.scene_text, header), encoding="utf-8")
            if not quiet:
                click.echo(f"wrote {target} ({len(loaded.timeline.scenes)} scenes, "
                           f"{loaded.timeline.duration:.1f}s)", err=True)

        _run(emit, target)
        if not output:
            return
    out = output or f"{template.name}.mp4"
    set_items = tuple(f"{k}={_yaml_value(v)}" for k, v in params.items())
    ctx.invoke(video_command, file=str(template.scene_path), sets=set_items, output=out, preset=preset,
               size=size, fps=fps, quality=quality, encoder=encoder, t_from=t_from, t_to=t_to, quiet=quiet,
               platform=platform, no_extras=no_extras, template=template_name, **speed)


# ── production: `render batch` (storyreel.jobs) ─────────────────────────────


@main.command("batch")
@click.argument("jobs_file", metavar="JOBS", type=click.Path(exists=True, dir_okay=False))
@click.option("--jobs-dir", type=click.Path(file_okay=False),
              help="The queue's folder: its database, logs and segment cache (default: .storyreel-jobs beside JOBS).")
@click.option("--workers", type=click.IntRange(1, 256),
              help="Videos rendered at once, each in its own process (default: half the cores, within memory).")
@click.option("--report", type=_OutputPath(), help="The JSON report (default: JOBS's name + .report.json).")
@click.option("--retries", type=click.IntRange(0, 20), default=2, show_default=True,
              help="Retries of a transient failure (a killed worker, a full disk); input errors are never retried.")
@click.option("--quality", type=click.Choice(list(QUALITY)), help="For rows without a quality column.")
@click.option("--size", callback=_check_size_option, help="WIDTHxHEIGHT for rows without a size column.")
@click.option("--platform", type=click.Choice(PLATFORM_NAMES), help="For rows without a platform column.")
@click.option("--check", type=click.Choice(["fail", "warn", "off"]), default="fail", show_default=True,
              help="check-video each video: fail the row when a check fails, only record it, or skip it.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              callback=lambda c, p, v: _check_executor(v, "--executor"),
              help="Where rows render: local processes, or Ray tasks (pip install 'storyreel[ray]'; a private Ray "
                   "with --workers CPUs, default all; docs/RAY.md).")
@click.option("--ray-address", "ray_address", metavar="ADDR",
              callback=lambda c, p, v: _check_executor(v, "--ray-address") if v else v,
              help="Render the rows on this Ray cluster (HOST:6379, auto, ray://HOST:10001); implies --executor ray.")
@click.option("-q", "--quiet", is_flag=True, help="No progress; the summary only when a row failed.")
def batch_command(jobs_file, jobs_dir, workers, report, retries, quality, size, platform, check, executor,
                  ray_address, quiet):
    """Render one video per row of JOBS (CSV, YAML list or JSON Lines).

    \b
    output,template,count,thing          a row: template (or scene, story), output,
    ducks.mp4,counting,7,duck            parameters; also platform, size, quality, age
    render batch jobs.csv --workers 2    every row checked first; run again to resume
    render batch jobs.csv --ray-address 10.0.0.1:6379    rows as Ray tasks on a cluster
    """
    from .api_tools import batch

    done = _run(lambda: batch(jobs_file, jobs_dir=jobs_dir, workers=workers, report=report, retries=retries,
                              quality=quality, size=_parse_size(size) if size else None, platform=platform,
                              check=check, ray=executor == "ray", ray_address=ray_address, quiet=quiet,
                              echo=lambda text: click.echo(text, err=True)))
    sys.exit(done.status)


# ── production: `render serve` and `render jobs` (storyreel.service) ────────


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback exposes the API (give --tokens then).")
@click.option("--port", type=click.IntRange(0, 65535), default=8800, show_default=True, help="0: any free port.")
@click.option("--jobs-dir", type=click.Path(file_okay=False), default=".storyreel-jobs", show_default=True,
              help="The queue's folder (the one `render jobs` and `render batch --jobs-dir` use).")
@click.option("--tokens", type=click.Path(exists=True, dir_okay=False),
              help="Token file: one bearer token a line, optionally followed by a name.")
@click.option("--workers", type=click.IntRange(1, 256),
              help="Videos rendered at once (default: half the cores, within memory).")
@click.option("--max-request-size", "max_request", default="100MB", show_default=True, metavar="SIZE",
              callback=lambda c, p, v: _check_size_limit(v, "--max-request-size"),
              help="Largest request body, uploads included (413 past it).")
@click.option("--rate", type=click.FloatRange(1, 100_000), default=120, show_default=True,
              help="Submissions a token may make a minute (429 past it).")
@click.option("--max-active", type=click.IntRange(1, 100_000), default=100, show_default=True,
              help="A token's jobs queued or rendering at once (429 past it).")
@click.option("--retries", type=click.IntRange(0, 20), default=2, show_default=True,
              help="Retries of a transient render failure.")
@click.option("--webhook-secret", type=click.Path(dir_okay=False),
              help="File with the webhooks' HMAC key (default: JOBS_DIR/webhook-secret, made on first start).")
@click.option("--webhook-retries", type=click.IntRange(0, 50), default=7, show_default=True,
              help="Retries of a webhook the listener did not take.")
@click.option("--webhook-backoff", default="5s", show_default=True, metavar="TIME",
              help="Wait before the first webhook retry; it doubles each time (at most 10 minutes).")
@click.option("--private-webhooks/--no-private-webhooks", default=None,
              help="Allow webhooks to loopback and private addresses (default: only when serving on loopback).")
@click.option("--channel", "channels", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="A `render channel` folder whose status page to serve at /channels/N (repeatable).")
@click.option("--keep-jobs", "keep_jobs", default="7d", show_default=True, metavar="AGE",
              callback=lambda c, p, v: _check_age(v, "--keep-jobs", forever=True),
              help="Purge finished API jobs (records, folders, files) this long after they end, hourly; "
                   "'forever' keeps them.")
@click.option("-q", "--quiet", is_flag=True, help="No access log.")
def serve_command(host, port, jobs_dir, tokens, workers, max_request, rate, max_active, retries, webhook_secret,
                  webhook_retries, webhook_backoff, private_webhooks, channels, keep_jobs, quiet):
    """Serve the HTTP API: submit renders, poll, download, cancel, webhooks.

    \b
    render serve                              http://127.0.0.1:8800, jobs in .storyreel-jobs
    render serve --host 0.0.0.0 --tokens tokens.txt
    curl -H 'Authorization: Bearer TOKEN' -d '{"template": "counting"}' \\
         -H 'Content-Type: application/json' http://127.0.0.1:8800/v1/jobs

    docs/SERVICE.md describes the API; /docs and /openapi.json list it.
    """
    from .api_tools import serve
    from .jobs.queue import Backoff
    from .service.auth import TokenFileError

    backoff = _parse_time(webhook_backoff, "--webhook-backoff")
    settings = dict(jobs_dir=jobs_dir, host=host, port=port, tokens=tokens, workers=workers,
                    max_request_bytes=max_request, rate_per_minute=rate, max_active=max_active, retries=retries,
                    webhook_secret=webhook_secret, webhook_backoff=Backoff(base=backoff, factor=2.0, cap=600.0),
                    webhook_attempts=webhook_retries + 1, private_webhooks=private_webhooks, channels=channels,
                    keep_jobs_s=keep_jobs)
    try:
        with _stopping_signals():  # uvicorn raises the signal again once it has shut down
            serve(echo=lambda text: click.echo(text, err=True), access_log=not quiet, **settings)
    except SceneError as err:  # the serve extra is not installed
        _fail(err.format())
    except KeyboardInterrupt as err:
        import signal

        signum = getattr(err, "signum", signal.SIGINT)
        click.echo(f"render serve: stopped by {signal.Signals(signum).name}; the workers were stopped and their "
                   f"jobs queued again for the next start", err=True)
        sys.exit(128 + signum)
    except TokenFileError as err:
        _fail(str(err))
    except OSError as err:
        _fail(f"error: cannot listen on {host}:{port}: {err.strerror or err}"
              + ("\n  hint: another program uses that port; pick another with --port" if err.errno == 98 else ""))


def _check_size_limit(value: str, option: str) -> int:
    from .engine.encode.segment_cache import parse_size

    try:
        return parse_size(value)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint=option) from None


def _check_age(value: str, option: str, forever: bool = False) -> float | None:
    """An age (7d, 12h, 30m) in seconds; with `forever`, 'forever' (or 0) is None: no bound."""
    from .jobs.retention import parse_age

    if forever and value.strip().lower() in ("forever", "never", "0"):
        return None
    try:
        return parse_age(value)
    except ValueError as err:
        raise click.BadParameter(str(err) + ("; or 'forever'" if forever else ""), param_hint=option) from None


@main.group("jobs")
def jobs_group() -> None:
    """List, show, cancel and purge the jobs of a jobs folder (`render serve`'s or `render batch`'s)."""


_jobs_dir_option = click.option("--jobs-dir", type=click.Path(file_okay=False), default=".storyreel-jobs",
                                show_default=True, help="The queue's folder.")


def _open_queue(jobs_dir: str):
    from .jobs.queue import DB_NAME, JobQueue

    if not (Path(jobs_dir) / DB_NAME).is_file():
        _fail(f"error: no jobs in {jobs_dir} (no {DB_NAME} there)\n  hint: give the folder with --jobs-dir")
    return JobQueue(jobs_dir)


def _queued_job(queue, job_id: int):
    try:
        return queue.job(job_id)
    except KeyError:
        _fail(f"error: no job {job_id} in {queue.folder}")


@jobs_group.command("list")
@click.option("--state", type=click.Choice(["queued", "running", "checking", "done", "failed", "cancelled"]))
@_jobs_dir_option
def jobs_list_command(state, jobs_dir):
    """One line a job: id, state, progress, attempts, what, output."""
    from .jobs.listing import table

    with _open_queue(jobs_dir) as queue:
        jobs = queue.jobs(state=state)
        click.echo(table(jobs) if jobs else f"no {state + ' ' if state else ''}jobs in {jobs_dir}")


@jobs_group.command("show")
@click.argument("job_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The job's row as JSON.")
@_jobs_dir_option
def jobs_show_command(job_id, as_json, jobs_dir):
    """A job in full: attempts and their errors, files, webhook deliveries."""
    import json as json_module

    from .jobs.listing import describe
    from .service.store import ServiceStore

    with _open_queue(jobs_dir) as queue:
        job = _queued_job(queue, job_id)
        attempts = queue.attempts(job_id)
        deliveries = ServiceStore(queue).deliveries(job_id) if ServiceStore.present(queue) else []
        if as_json:
            body = {**job.to_dict(), "progress": list(job.progress), "attempt_log": [vars(a) for a in attempts],
                    "webhook_deliveries": [d.to_dict() for d in deliveries]}
            click.echo(json_module.dumps(body, indent=2, default=str))
            return
        extra = {"webhook deliveries": [f"#{d.attempt} {d.outcome} {d.status or '-'} {d.url}"
                                        + (f": {d.error}" if d.error else "") for d in deliveries]} if deliveries else None
        click.echo(describe(job, attempts, extra))


@jobs_group.command("cancel")
@click.argument("job_id", type=int)
@_jobs_dir_option
def jobs_cancel_command(job_id, jobs_dir):
    """Cancel a job: a queued one at once; a running one's worker is stopped by the
    program running it (render serve or render batch), and no partial output remains."""
    with _open_queue(jobs_dir) as queue:
        job = _queued_job(queue, job_id)
        if job.state in ("done", "failed", "cancelled"):
            _fail(f"error: job {job_id} is {job.state}: nothing to cancel")
        job = queue.cancel(job_id)
        click.echo(f"job {job_id}: {'cancelled' if job.state == 'cancelled' else 'cancelling (its worker stops)'}")


@jobs_group.command("purge")
@click.option("--older-than", "older_than", default="7d", show_default=True, metavar="AGE",
              callback=lambda c, p, v: _check_age(v, "--older-than"),
              help="Only jobs that finished longer ago than this (7d, 12h, 30m; 0: every finished job).")
@click.option("--state", "states", multiple=True, type=click.Choice(["done", "failed", "cancelled"]),
              help="Only jobs that ended so (repeatable; default: all three).")
@click.option("--dry-run", is_flag=True, help="List what would go; change nothing.")
@_jobs_dir_option
def jobs_purge_command(older_than, states, dry_run, jobs_dir):
    """Remove finished jobs' records and their files in the jobs folder.

    
    Queued, running and checking jobs are never touched, nor any file outside
    the jobs folder: the videos a batch wrote stay. An API job's folder (its
    uploads and the files it served) goes with it; a job whose webhook is
    still to be delivered is kept. A purged batch row renders again on the
    batch's next run.

    
    render jobs purge                          finished more than 7 days ago
    render jobs purge --older-than 0 --state failed --dry-run
    """
    from .jobs.listing import table
    from .jobs.retention import purge
    from .service.store import ServiceStore

    with _open_queue(jobs_dir) as queue:
        store = ServiceStore(queue) if ServiceStore.present(queue) else None
        jobs = {job.id: job for job in queue.jobs()} if dry_run else {}
        found = purge(queue, older_than_s=older_than, states=tuple(states) or ("done", "failed", "cancelled"),
                      work_folder=store.work_folder if store else None,
                      busy=store.webhook_pending if store else None, dry_run=dry_run)
        if dry_run and found.jobs:
            click.echo(table([jobs[i] for i in found.jobs]))
        click.echo(found.summary(dry_run) + f" in {jobs_dir}")


def _yaml_value(value: Any) -> str:
    """A parameter's value as `--set` reads it back (YAML, on one line)."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


from .channel.cli import channel_group  # noqa: E402 - `render channel …` (channel/cli.py; it reaches back for _run)

main.add_command(channel_group)


if __name__ == "__main__":
    main()
