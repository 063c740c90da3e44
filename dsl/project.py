"""The project: the folders a `.scene` file may read from, and how it reads them.

A `.scene` names other files — includes and imports, images, sounds, fonts,
clips — and a template may be written by someone other than the person who
renders it. So every name is resolved (symlinks too) and must land inside one
of the project's folders:

- the project root: the folder of the file given on the command line, or `--root DIR`;
- any folder given with `--allow-path DIR`;
- the package's own templates and characters, and the folders the user named in
  `$STORYREEL_TEMPLATES` and `$STORYREEL_CHARACTERS` (their own libraries).

Only regular files are read (not `/dev/zero`, not a FIFO), and a read is capped
(`read_capped`), so a hostile include cannot exhaust memory. Errors are
`ProjectPathError`s, a `SceneError` the caller locates at the statement that named
the file.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import SceneError
from .limits import MAX_INCLUDE_BYTES, MAX_PATH_CHARS, MAX_PATH_PART_CHARS

_PACKAGE = Path(__file__).resolve().parent.parent


class ProjectPathError(SceneError):
    """A file name a `.scene` may not use: outside the project, not a regular file,
    too long, or with a NUL in it."""


def _extra_folders(variable: str) -> list[Path]:
    return [Path(p) for p in os.environ.get(variable, "").split(os.pathsep) if p.strip()]


def library_folders() -> tuple[Path, ...]:
    """The folders every project may read: the package's templates and characters and
    the user's own template and character folders."""
    folders = [_PACKAGE / "templates", _PACKAGE / "characters",
               *_extra_folders("STORYREEL_TEMPLATES"), *_extra_folders("STORYREEL_CHARACTERS")]
    return tuple(Path(os.path.realpath(f)) for f in folders)


@dataclass(frozen=True)
class Project:
    """Where a `.scene` file may read from (see the module's docstring)."""

    root: Path
    allowed: tuple[Path, ...] = ()

    @classmethod
    def for_file(cls, path: str | Path, root: str | Path | None = None,
                 allowed: tuple[str | Path, ...] = ()) -> "Project":
        """The project of the file given on the command line: its folder, unless `root` is given."""
        folder = Path(root) if root is not None else Path(path).absolute().parent
        return cls(Path(os.path.realpath(folder)), tuple(Path(os.path.realpath(a)) for a in allowed))

    def folders(self) -> tuple[Path, ...]:
        return (self.root, *self.allowed, *library_folders())

    def contains(self, path: Path) -> bool:
        real = Path(os.path.realpath(path))
        return any(real == folder or real.is_relative_to(folder) for folder in self.folders())

    def resolve(self, name: str, relative_to: Path) -> Path:
        """The real path of `name` (relative to the folder `relative_to`, or absolute),
        checked to lie inside the project. It need not exist: the caller says
        'not found' in its own words."""
        check_name(name)
        candidate = Path(os.path.realpath(Path(relative_to) / name))
        if not self.contains(candidate):
            raise _naming(name, ProjectPathError(
                f"path leaves the project folder: '{name}' is {candidate}, outside {self.root}",
                hint="a .scene file reads only files inside its project folder (the folder of the file "
                     "you render, or --root DIR); pass --allow-path DIR to allow another folder"))
        return candidate


def _naming(name: str, err: ProjectPathError) -> ProjectPathError:
    err.name = name  # so that the error can point at the name in the author's line
    return err


def check_name(name: str) -> None:
    """File names the operating system would choke on, rejected before it sees them."""
    if "\0" in name:
        raise _naming(name, ProjectPathError("a file name cannot contain a NUL character",
                                             hint="remove the \\0 from the file name"))
    if len(name) > MAX_PATH_CHARS or any(len(part.encode("utf-8")) > MAX_PATH_PART_CHARS
                                         for part in name.replace("\\", "/").split("/")):
        raise _naming(name[:40], ProjectPathError(
            f"file name too long ({len(name)} characters)",
            hint=f"a file name may have at most {MAX_PATH_PART_CHARS} bytes between slashes "
                 f"and {MAX_PATH_CHARS} characters in all"))


def read_capped(path: Path, limit: int = MAX_INCLUDE_BYTES, what: str = "file") -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them (a `ProjectPathError`
    past that). Checked on the open file, so a path swapped for a device or a FIFO
    between the check and the read is still refused."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block the open
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ProjectPathError(f"{what} is not a regular file: {path}",
                                   hint="only ordinary files can be read (not devices, folders or pipes)")
        if info.st_size > limit:
            raise _too_big(path, limit, what)
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:  # the file grew while it was read
        raise _too_big(path, limit, what)
    return data


def _too_big(path: Path, limit: int, what: str) -> ProjectPathError:
    return ProjectPathError(f"{what} is too large: {path} is over {limit // 1_000_000} MB",
                            hint="split it up, or keep large media as assets (image, video, sound)")
