"""A lock on a directory, so that two writers never build into the same dataset (or run) at once.

The lock is an advisory `flock` on `DIR/.lock`, held for the life of the
process: the kernel drops it when the process dies, however it dies, so a
lock left by a killed run is stale by construction and the next run takes it
over. The file records who holds it (pid, host, start time) for the message
that refuses a second writer.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import socket
import sys
from pathlib import Path

LOCK_FILE = ".lock"


class LockedError(RuntimeError):
    """Another live process is writing into the directory."""


class DirectoryLock:
    """`with DirectoryLock(directory):` — raises LockedError while another process holds it.

    `command` names the writer in the refusal (`trade generate` builds datasets, `trade train` runs).
    """

    def __init__(self, directory: str | Path, command: str = "trade generate"):
        self.path = Path(directory) / LOCK_FILE
        self.command = command
        self.handle: int | None = None

    def __enter__(self) -> "DirectoryLock":
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            record = _read(handle)
            os.close(handle)
            command, holder = (record or {}).get("command", self.command), _describe(record)
            raise LockedError(f"{self.path.parent}: another `{command}` is writing here ({holder}); "
                              f"wait for it to finish or stop it, then rerun") from None
        previous = _read(handle)
        if previous and previous.get("pid") != os.getpid():
            print(f"trade: taking over a stale lock on {self.path.parent} from a run that ended "
                  f"({_describe(previous)})", file=sys.stderr)
        record = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command,
                  "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(handle, 0)
        os.pwrite(handle, json.dumps(record).encode(), 0)
        self.handle = handle
        return self

    def __exit__(self, *exc_info) -> None:
        if self.handle is not None:
            os.ftruncate(self.handle, 0)  # an empty lock file: no run holds it
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            os.close(self.handle)
            self.handle = None


def _read(handle: int) -> dict | None:
    try:
        record = json.loads(os.pread(handle, 4096, 0) or b"null")
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _describe(record: dict | None) -> str:
    if not record:
        return "holder unknown"
    return f"pid {record.get('pid')} on {record.get('host')}, since {record.get('started')}"
