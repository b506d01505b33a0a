"""Atomic file writes: a file is either its old self or completely the new one, never half-written.

Every writer (weights files, checkpoints, reports, manifests, shards) writes to a
temporary file in the target's own directory, flushes it to disk (fsync), and
renames it over the target (`os.replace`, atomic on POSIX within a filesystem).
A run killed or failing mid-write (disk full, file-size limit) leaves at most a
hidden `.NAME.HOST.PID.XXXXXXXX.tmp` file beside the target, and never a corrupt
target. The name is unique to the writing process and says which process it
was, so the next successful write of the same target removes the temporaries of
writers on this host that have died, and never one that a live writer still uses.
Directories written whole (checkpoints) follow the same scheme with
`temporary_directory` and `replace_directory`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Iterator

_UMASK = os.umask(0)
os.umask(_UMASK)
_HOST = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())[:32] or "host"
_NAME_CHARACTERS = 100  # of the target's name in its temporaries' names (file names end at 255 bytes)


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
    handle, name = tempfile.mkstemp(prefix=_temporary_prefix(path, os.getpid()), suffix=".tmp",
                                    dir=path.parent)
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
    remove_dead_temporaries(path)


def temporary_directory(path: str | Path) -> Path:
    """A new empty directory beside `path`, named like `atomic_path`'s temporaries, to fill and then
    move into place with `replace_directory`; two writers of the same `path` never share one."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(2, "the directory to write into does not exist (create it first)",
                                str(path.parent))
    temporary = Path(tempfile.mkdtemp(prefix=_temporary_prefix(path, os.getpid()), suffix=".tmp",
                                      dir=path.parent))
    os.chmod(temporary, 0o777 & ~_UMASK)  # mkdtemp's is 0o700; a checkpoint is as readable as a plain mkdir
    return temporary


def _temporary_prefix(path: Path, pid: int) -> str:
    return f".{path.name[:_NAME_CHARACTERS]}.{_HOST}.{pid}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def remove_dead_temporaries(path: str | Path) -> list[Path]:
    """Removes the temporaries that writers of `path` on this host left when they died; returns them.

    A temporary of a live process (this one included) or of another host is kept: its writer may
    still rename it into place. A dead writer's pid reused by a new process only delays the clean-up.
    """
    path = Path(path)
    prefix = f".{path.name[:_NAME_CHARACTERS]}.{_HOST}."
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.[A-Za-z0-9_]+\.tmp")
    removed = []
    try:
        candidates = [entry.name for entry in os.scandir(path.parent) if entry.name.startswith(prefix)]
    except OSError:
        return removed
    for name in candidates:
        match = pattern.fullmatch(name)
        if match is None or int(match.group(1)) == os.getpid() or _alive(int(match.group(1))):
            continue
        stale = path.parent / name
        with contextlib.suppress(OSError):  # another writer's clean-up may have got there first
            if stale.is_dir() and not stale.is_symlink():  # a `temporary_directory`
                shutil.rmtree(stale)
            else:
                stale.unlink()
            removed.append(stale)
    return removed


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
