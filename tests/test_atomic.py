"""Atomic writes: a failed write leaves the old file (or none), never a half-written one."""

import resource
import signal

import pytest

from trade.atomic import (atomic_path, recover_directory, replace_directory, stale_temporaries, write_bytes,
                          write_text)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "good")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "good"
    assert stale_temporaries(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_write_past_the_file_size_limit_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.bin"
    write_bytes(target, b"x" * 10)
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, old_limit[1]))
    try:
        with pytest.raises(OSError):
            write_bytes(target, b"y" * 5000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    assert target.read_bytes() == b"x" * 10 and stale_temporaries(tmp_path) == []


def test_writes_replace_and_keep_ordinary_permissions(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "one")
    write_text(target, "two")
    assert target.read_text() == "two"
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_directory_or_a_missing_directory_is_refused_before_writing(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        write_text(tmp_path / "d", "x")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_text(tmp_path / "no" / "x.txt", "x")


def test_replace_directory_and_recover_after_a_kill_between_the_renames(tmp_path):
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "a").write_text("1")
    replace_directory(tmp_path / "new", tmp_path / "last")
    assert (tmp_path / "last" / "a").read_text() == "1"
    # A kill after `last` became `last.old` but before the new one was renamed in:
    (tmp_path / "last").rename(tmp_path / "last.old")
    recover_directory(tmp_path / "last")
    assert (tmp_path / "last" / "a").read_text() == "1" and not (tmp_path / "last.old").exists()


def test_a_dead_writers_temporary_is_removed_by_the_next_write_and_a_live_ones_kept(tmp_path):
    import os
    import subprocess
    import sys

    from trade.atomic import _temporary_prefix

    target = tmp_path / "out.npz"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f"{_temporary_prefix(target, dead_pid)}abc_1234.tmp"
    live = tmp_path / f"{_temporary_prefix(target, os.getppid())}xyz_9876.tmp"  # pytest's parent: alive
    mine = tmp_path / f"{_temporary_prefix(target, os.getpid())}mine0000.tmp"
    other_target = tmp_path / f"{_temporary_prefix(tmp_path / 'other.npz', dead_pid)}abc_1234.tmp"
    for path in (stale, live, mine, other_target):
        path.write_bytes(b"half")
    with atomic_path(target) as temporary:
        assert temporary.name.startswith(".out.npz.") and f".{os.getpid()}." in temporary.name
        temporary.write_bytes(b"whole")
    assert target.read_bytes() == b"whole"
    assert not stale.exists() and live.exists() and mine.exists() and other_target.exists()
