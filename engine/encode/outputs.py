"""Writing output files atomically: to a temporary name beside the target, then
renamed into place, so an error, Ctrl-C or SIGTERM never leaves a partial file.

A render killed outright (`kill -9`, a crash, the power going) cannot clean up,
so every temporary name carries the pid of the process that owns it:
`.NAME.PID.XXXX.partial.mp4` (and `engine.encode.chunks`' `.NAME.chunks-PID-XXXX/`).
The next write of the same NAME in that folder removes the ones whose process is
gone (`remove_stale`); those of a render still running, of this output or any
other, are never touched.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

# The OSError attribute naming the file that could not be written (set by atomic_output).
_TARGET = "storyreel_target"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists. Unknown (no way to ask) counts as alive: a file
    is only ever removed when its owner is known to be gone."""
    if pid == os.getpid():
        return True  # another render of this process (a thread): never ours to remove
    if pid <= 0 or os.name != "posix":
        return True  # Windows' os.kill(pid, 0) would send CTRL_C_EVENT, not probe
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


def remove_stale(folder: str | Path, stem: str) -> list[Path]:
    """Delete the partial files and chunk folders of output `stem` in `folder`
    left by renders that were killed (their pid no longer runs); returns them."""
    # mkstemp's and mkdtemp's random part is 8 of [a-z0-9_]: strict enough that
    # another output's name (`NAME.5.mp4` beside `NAME.mp4`) never matches.
    pattern = re.compile(rf"\.{re.escape(stem)}\.(?:(\d+)\.[a-z0-9_]{{8}}\.partial\..+|chunks-(\d+)-[a-z0-9_]{{8}})")
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if not m or pid_alive(int(m.group(1) or m.group(2))):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:  # gone meanwhile, or not ours to remove: never fails a render
            pass
    return removed


def owned_temp_prefix(path: Path, kind: str = "") -> str:
    """`.NAME.PID.` (kind "") or `.NAME.chunks-PID-`: the prefix of a temporary
    name for `path` that `remove_stale` recognises."""
    return f".{path.stem}.{kind}-{os.getpid()}-" if kind else f".{path.stem}.{os.getpid()}."


def name_target(err: OSError, path: str | Path) -> OSError:
    """Mark `err` as a failure to write `path` (its message names `path`, not a
    temporary name the user never asked for)."""
    if getattr(err, _TARGET, None) is None:
        setattr(err, _TARGET, Path(path))
    return err


def failed_target(err: BaseException) -> Path | None:
    """The output file `err` failed to write, when it is a write failure of one."""
    return getattr(err, _TARGET, None)


@contextmanager
def atomic_output(path: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yields a temporary path; on success it becomes `path` (with the usual
    permissions, not mkstemp's 0600), on any exception it is removed. An OSError
    about the file itself (a full disk, a read-only folder) names `path`."""
    path = Path(path)
    suffix = suffix if suffix is not None else path.suffix
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(path.parent, path.stem)
        fd, name = tempfile.mkstemp(prefix=owned_temp_prefix(path), suffix=f".partial{suffix}", dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            yield tmp
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except OSError as err:
            # filename None: a write() (ENOSPC, EIO); the temporary name: opening or closing it.
            if err.filename is None or str(err.filename) == str(tmp):
                name_target(err, path)
            raise
    except OSError as err:
        if tmp is None:  # the folder or the temporary file could not be made
            name_target(err, path)
        raise
    finally:
        if tmp is not None:
            try:
                tmp.unlink(missing_ok=True)  # after os.replace there is nothing left to remove
            except OSError:  # pragma: no cover - the folder vanished meanwhile
                pass
