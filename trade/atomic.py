"""Atomic file writes: a file is either its old self or completely the new one, never half-written.

Every writer (weights files, checkpoints, reports, manifests, shards) writes to a
temporary file in the target's own directory, flushes it to disk (fsync), and
renames it over the target (`os.replace`, atomic on POSIX within a filesystem).
A run killed or failing mid-write (disk full, file-size limit) leaves at most a
hidden `.NAME.*.tmp` file beside the target, which the next write of that
target's directory may clean up, and never a corrupt target.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

_UMASK = os.umask(0)
os.umask(_UMASK)


def _fsync_directory(directory: Path) -> None:
    """Makes a rename in `directory` durable (a no-op where directories cannot be opened)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def check_output_path(path: str | Path) -> None:
    """The OSError a write to `path` would meet (a directory, a missing parent), raised before work starts."""
    _check_target(Path(path))


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory; give a file name", str(path))
    if not path.parent.is_dir():
        raise FileNotFoundError(2, "the directory to write into does not exist (create it first)",
                                str(path.parent))


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yields a temporary path beside `path`; when the block succeeds, it is fsynced and renamed to `path`.

    If the block raises (or the process dies), `path` is left as it was.
    """
    path = Path(path)
    _check_target(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, 0o666 & ~_UMASK)
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno and (error.filename is None or
                                                           Path(error.filename) == temporary):
            raise type(error)(error.errno, error.strerror, str(path)) from None  # name the target
        raise
    _fsync_directory(path.parent)


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text)


def write_json(path: str | Path, value, **options) -> None:
    write_text(path, json.dumps(value, **{"indent": 1, **options}))


def stale_temporaries(directory: str | Path) -> list[Path]:
    """Temporary files a killed writer left in `directory`."""
    return sorted(Path(directory).glob(".*.tmp"))


def replace_directory(temporary: str | Path, directory: str | Path) -> None:
    """Moves a completely written directory `temporary` to `directory`, replacing any old one.

    Two renames cannot be one atomic step, so the old directory is first renamed
    to `NAME.old`; `recover_directory` puts it back if a kill falls between them.
    """
    temporary, directory = Path(temporary), Path(directory)
    for file in temporary.iterdir():
        with open(file, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_directory(temporary)
    if directory.exists():
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        directory.rename(old)
        temporary.rename(directory)
        shutil.rmtree(old)
    else:
        temporary.rename(directory)
    _fsync_directory(directory.parent)


def recover_directory(directory: str | Path) -> None:
    """Undoes a `replace_directory` killed between its two renames: `NAME.old` becomes `NAME` again."""
    directory = Path(directory)
    old = directory.with_name(directory.name + ".old")
    if old.is_dir() and not directory.exists():
        old.rename(directory)


def save_figure(figure, path: str | Path, **options) -> None:
    """`figure.savefig(path)`, atomically; the format comes from `path`'s suffix (PNG if none)."""
    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format=path.suffix.lstrip(".") or "png", **options)
