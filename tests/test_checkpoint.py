"""Checkpoint saving: each writer fills its own temporary directory, and dead writers' leftovers go."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from trade.atomic import _temporary_prefix
from trade.checkpoint import load_checkpoint, save_checkpoint
from trade.model import Decompiler, preset
from trade.weights import TokenizerConfig

torch.set_num_threads(1)


def _model() -> Decompiler:
    tokenizer = TokenizerConfig()
    return Decompiler(preset("tiny", input_width=tokenizer.width, meta_dim=tokenizer.meta_dim,
                             n_roles=len(tokenizer.roles)))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_saving_leaves_only_the_checkpoint(tmp_path):
    model = _model()
    for step in (1, 2):
        save_checkpoint(tmp_path / "last", model, tokenizer=TokenizerConfig(), step=step)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]
    assert load_checkpoint(tmp_path / "last").step == 2
    assert oct((tmp_path / "last").stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_dead_writers_temporary_directory_is_removed_and_a_live_ones_kept(tmp_path):
    target = tmp_path / "last"
    dead = tmp_path / f"{_temporary_prefix(target, _dead_pid())}abc_1234.tmp"
    live = tmp_path / f"{_temporary_prefix(target, os.getppid())}xyz_9876.tmp"  # pytest's parent: alive
    for directory in (dead, live):
        directory.mkdir()
        (directory / "model.safetensors").write_bytes(b"half")
    save_checkpoint(target, _model(), tokenizer=TokenizerConfig(), step=3)
    assert not dead.exists() and live.is_dir()  # a live writer may still rename its directory into place
    assert load_checkpoint(target).step == 3


def test_two_writers_never_share_a_temporary_directory(tmp_path, monkeypatch):
    import trade.checkpoint as checkpoint_module

    seen = []
    fill = checkpoint_module._fill_checkpoint

    def fill_and_record(temporary, *args, **kwargs):
        seen.append(temporary)
        if len(seen) == 1:  # a second writer saves while the first is still filling its directory
            save_checkpoint(tmp_path / "last", _model(), tokenizer=TokenizerConfig(), step=2)
        assert temporary.is_dir() and not any(temporary.iterdir())
        fill(temporary, *args, **kwargs)

    monkeypatch.setattr(checkpoint_module, "_fill_checkpoint", fill_and_record)
    save_checkpoint(tmp_path / "last", _model(), tokenizer=TokenizerConfig(), step=1)
    assert len(set(seen)) == 2 and all(path.name.endswith(".tmp") for path in seen)
    assert load_checkpoint(tmp_path / "last").step == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]


def test_a_failed_save_removes_its_temporary_and_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    import trade.checkpoint as checkpoint_module

    save_checkpoint(tmp_path / "last", _model(), tokenizer=TokenizerConfig(), step=1)

    def fail(temporary, *args, **kwargs):
        (temporary / "model.safetensors").write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint_module, "_fill_checkpoint", fail)
    with pytest.raises(OSError):
        save_checkpoint(tmp_path / "last", _model(), tokenizer=TokenizerConfig(), step=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]
    assert load_checkpoint(tmp_path / "last").step == 1
