"""The training loop: it can learn, it resumes exactly, and its command line maps onto TrainConfig."""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from trade.checkpoint import INFO_FILE, CheckpointError, load_checkpoint
from trade.dataset.read import ShardRows, iter_examples, shard_files
from trade.model import Decompiler, preset
from trade.train import (TrainBatches, TrainConfig, add_train_arguments, collate, config_from_args, evaluate,
                         hyperparameter_search, learning_rate, make_optimizer, sequence_loss, shuffled, train)
from trade.weights import TokenizerConfig, tokenize

torch.set_num_threads(1)  # the test machine is shared; one thread is faster than contention



def quick_config(data: str, out, **changes) -> TrainConfig:
    fields = dict(data=data, out=str(out), preset="tiny", tokenizer_width=2000, steps=6, batch_size=4,
                  eval_every=3, val_examples=8, warmup_steps=2, lr=3e-3, dropout=0.1, shuffle_buffer=8,
                  progress=False, log_every=1)
    return TrainConfig(**{**fields, **changes})


def test_tiny_model_overfits_a_handful_of_programs(data):
    torch.manual_seed(0)
    examples = list(iter_examples(data))[:4]
    batch = collate([(tokenize(e.weights, TokenizerConfig()), e.program_ids) for e in examples])
    model = Decompiler(preset("tiny", d_model=64, d_ff=128, n_heads=4))
    config = TrainConfig(data=data, out="", lr=3e-3, weight_decay=0.0)
    optimizer = make_optimizer(model, config)
    for step in range(300):
        loss = sequence_loss(model(*batch.model_inputs()), batch.program_ids[:, 1:])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 10 == 9 and evaluate(model, [batch], torch.device("cpu"))["val_token_accuracy"] == 1.0:
            break
    assert evaluate(model, [batch], torch.device("cpu"))["val_token_accuracy"] == 1.0


class Interrupt(Exception):
    pass


def test_resume_after_interruption_repeats_the_same_losses(data, tmp_path):
    steps = 12  # 36 training programs in batches of 4: the run crosses an epoch boundary
    whole = train(quick_config(data, tmp_path / "whole", steps=steps, checkpoint_every=4))

    def kill_at_seven(step: int, loss: float) -> None:
        if step == 7:
            raise Interrupt

    config = quick_config(data, tmp_path / "killed", steps=steps, checkpoint_every=4)
    with pytest.raises(Interrupt):
        train(config, on_step=kill_at_seven)
    assert load_checkpoint(tmp_path / "killed" / "last").step == 4
    resumed = train(config)
    assert resumed["losses"][0][0] == 5
    assert resumed["losses"] == whole["losses"][4:]
    logged = [json.loads(line) for line in (tmp_path / "killed" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logged if "loss" in r] == list(range(1, steps + 1))
    assert (tmp_path / "killed" / "best" / "model.safetensors").exists()
    assert (tmp_path / "killed" / "curves.png").exists()


def test_batch_order_does_not_depend_on_workers_or_resume_point(data):
    config = quick_config(data, "", batch_size=4)
    dims = config.dims()

    def programs(num_workers: int, skip_to: int, count: int) -> list[list[int]]:
        stream = TrainBatches(data, config, dims, skip_to=skip_to)
        loader = DataLoader(stream, batch_size=None, num_workers=num_workers)
        return [(k, batch.program_ids.tolist()) for _, _, k, batch in itertools.islice(loader, count)]

    reference = programs(0, 0, 12)
    assert [k for k, _ in reference] == list(range(12))
    assert programs(2, 3, 5) == reference[3:8]


def test_row_references_give_the_order_of_streamed_rows(data):
    config = quick_config(data, "", shuffle_buffer=8)
    stream = TrainBatches(data, config, config.dims())
    for epoch in range(2):
        rng = np.random.default_rng([config.seed, epoch])
        shards = shard_files(data)
        order = [shards[i] for i in rng.permutation(len(shards))]
        expected = [e.program_hash for e in shuffled(iter_examples(data, split="train", shards=order), 8, rng)]
        refs = list(stream.epoch_refs(epoch))
        assert [e.program_hash for e in next(stream.rows.read([refs]))] == expected


def test_more_data_adds_training_rows(data, tmp_path_factory):
    from trade.dataset.build import DatasetConfig, build_dataset

    more = tmp_path_factory.mktemp("more_data")
    build_dataset(more, DatasetConfig(n=10, shard_size=10, seed=5, only_split="train"), workers=1, progress=False)
    config = quick_config(data, "", more_data=str(more))
    stream = TrainBatches(data, config, config.dims())
    hashes = [e.program_hash for e in next(stream.rows.read([list(stream.epoch_refs(0))]))]
    own = {e.program_hash for e in iter_examples(data, split="train")}
    extra = {e.program_hash for e in iter_examples(more)}
    assert len(hashes) == len(own) + len(extra) and set(hashes) == own | extra
    assert train(dataclasses.replace(config, out=str(tmp_path_factory.mktemp("more_run")), steps=2))["step"] == 2


def test_datasets_compiled_differently_cannot_be_mixed(data, tmp_path_factory):
    from trade.compiled import CompileConfig
    from trade.dataset.build import DatasetConfig, build_dataset
    from trade.sampling import SamplerConfig

    other = tmp_path_factory.mktemp("other_vocab")
    sampler = SamplerConfig(compile=CompileConfig(vocab=(0, 1, 2), max_seq_len=4))
    build_dataset(other, DatasetConfig(n=2, shard_size=2, sampler=sampler), workers=1, progress=False)
    with pytest.raises(ValueError, match="different settings"):
        ShardRows([data, other])


def test_training_with_grammar_mask(data, tmp_path):
    summary = train(quick_config(data, tmp_path / "grammar", steps=3, grammar_mask=True))
    assert all(torch.isfinite(torch.tensor(loss)) for _, loss in summary["losses"])
    assert 0 <= summary["best_val_token_accuracy"] <= 1


def test_init_from_starts_with_the_checkpoint_weights(data, tmp_path):
    train(quick_config(data, tmp_path / "first", steps=2))
    seen = {}

    def capture(step, loss):
        seen.setdefault(step, loss)

    second = quick_config(data, tmp_path / "second", steps=1, lr=0.0, init_from=str(tmp_path / "first" / "last"))
    train(second, on_step=capture)
    first = load_checkpoint(tmp_path / "first" / "last").model.state_dict()
    after = load_checkpoint(tmp_path / "second" / "last").model.state_dict()
    assert seen and all(torch.equal(first[name], after[name]) for name in first)  # lr 0: nothing moved
    other = quick_config(data, tmp_path / "other", steps=1, tokenizer_scheme="layer",
                         init_from=str(tmp_path / "first" / "last"))
    with pytest.raises(CheckpointError, match="tokenized as"):
        train(other)


def test_training_on_circuit_tokens(data, tmp_path):
    """The `circuit` scheme's checkpoint carries its tokenizer and reads one role fewer."""
    summary = train(quick_config(data, tmp_path / "circuit", steps=3, tokenizer_scheme="circuit"))
    assert all(torch.isfinite(torch.tensor(loss)) for _, loss in summary["losses"])
    loaded = load_checkpoint(tmp_path / "circuit" / "last")
    assert loaded.tokenizer.scheme == "circuit" and loaded.dims.n_roles == len(loaded.tokenizer.roles) == 7
    info_file = tmp_path / "circuit" / "last" / INFO_FILE
    info = json.loads(info_file.read_text())
    info["tokenizer"]["scheme"] = "matrix"
    info_file.write_text(json.dumps(info))
    with pytest.raises(CheckpointError, match="'matrix' tokenizer"):
        load_checkpoint(tmp_path / "circuit" / "last")


def test_learning_rate_warms_up_then_decays():
    config = TrainConfig(data="", out="", lr=1.0, warmup_steps=10, steps=110, min_lr_ratio=0.1)
    assert learning_rate(0, config) == pytest.approx(0.1)
    assert learning_rate(9, config) == pytest.approx(1.0)
    assert learning_rate(60, config) == pytest.approx(0.55)
    assert learning_rate(110, config) == pytest.approx(0.1)


def test_command_line_covers_every_config_field():
    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    args = parser.parse_args(["--data", "d", "--out", "o", "--preset", "paper", "--steps", "9",
                              "--d-model", "128", "--dropout", "0.3", "--grammar-mask", "--no-progress"])
    config = config_from_args(args)
    assert config == TrainConfig(data="d", out="o", preset="paper", steps=9, d_model=128, dropout=0.3,
                                 grammar_mask=True, progress=False)
    assert config.dims().d_model == 128 and config.dims().n_heads == 16
    assert dataclasses.asdict(config_from_args(parser.parse_args(["--data", "d", "--out", "o"]))) == \
        dataclasses.asdict(TrainConfig(data="d", out="o"))


def test_hyperparameter_search_ranks_trials(data, tmp_path):
    space = {"d_model": [32], "n_heads": [2, 4], "dropout": [0.0, 0.1]}
    results = hyperparameter_search(data, str(tmp_path / "search"), trials=2, steps=2, space=space,
                                    **{k: v for k, v in dataclasses.asdict(quick_config(data, "")).items()
                                       if k not in ("data", "out", "steps", "seed", "dropout")})
    accuracies = [r["val_token_accuracy"] for r in results]
    assert accuracies == sorted(accuracies, reverse=True)
    assert (tmp_path / "search" / "search.md").read_text().count("\n") == 4


def test_training_imports_neither_tracr_nor_jax():
    """A GPU machine that has only PyTorch, NumPy and pyarrow can train."""
    code = ("import sys, trade.cli, trade.train, trade.checkpoint; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tracr', 'jax', 'haiku')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_training_stops_at_the_first_non_finite_loss_and_saves_nothing_from_it(data, tmp_path, monkeypatch):
    import trade.train as train_module

    calls = {"training": 0}

    def loss_that_becomes_nan(logits, targets):
        loss = sequence_loss(logits, targets)
        if torch.is_grad_enabled():
            calls["training"] += 1
            if calls["training"] >= 5:
                return loss * float("nan")
        return loss

    monkeypatch.setattr(train_module, "sequence_loss", loss_that_becomes_nan)
    out = tmp_path / "run"
    with pytest.raises(train_module.TrainError, match="loss is nan at step 5"):
        train(quick_config(data, out, steps=8, eval_every=2, checkpoint_every=2, log_every=4))
    assert load_checkpoint(out / "best").step <= 4 and load_checkpoint(out / "last").step == 4
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert max(steps) == 4


def test_a_failed_run_removes_the_directory_it_created(data, tmp_path, monkeypatch):
    import trade.train as train_module

    monkeypatch.setattr(train_module, "sequence_loss", lambda logits, targets: logits.sum() * float("inf"))
    with pytest.raises(train_module.TrainError, match="loss is"):
        train(quick_config(data, tmp_path / "new-run"))
    assert not (tmp_path / "new-run").exists()
    (tmp_path / "mine").mkdir()
    with pytest.raises(train_module.TrainError):
        train(quick_config(data, tmp_path / "mine"))
    assert (tmp_path / "mine").is_dir()  # not created by the run: left in place


def test_training_stops_at_a_non_finite_validation_loss_and_saves_nothing_from_it(data, tmp_path,
                                                                                 monkeypatch):
    import trade.train as train_module

    calls = {"training": 0}

    def validation_loss_that_becomes_nan(logits, targets):  # finite training losses, diverged weights
        loss = sequence_loss(logits, targets)
        if torch.is_grad_enabled():
            calls["training"] += 1
        elif calls["training"] >= 4:
            return loss * float("nan")
        return loss

    monkeypatch.setattr(train_module, "sequence_loss", validation_loss_that_becomes_nan)
    out = tmp_path / "run"
    with pytest.raises(train_module.TrainError, match="validation loss is nan at step 4"):
        train(quick_config(data, out, steps=8, eval_every=2, checkpoint_every=2, log_every=2,
                           val_examples=2, batch_size=2))
    assert load_checkpoint(out / "last").step == 2 and load_checkpoint(out / "best").step <= 2


def test_a_second_run_into_a_locked_out_is_refused_naming_the_holder(data, tmp_path):
    from trade.dataset.lock import DirectoryLock, LockedError

    out = tmp_path / "run"
    out.mkdir()
    with DirectoryLock(out, command="trade train"):  # a live run (another open file: flock refuses it)
        with pytest.raises(LockedError, match=r"run: another `trade train` is writing here \(pid \d+ on .*, "
                                              r"since .*\); wait for it to finish or stop it, then rerun"):
            train(quick_config(data, out, steps=1))
    assert sorted(p.name for p in out.iterdir()) == [".lock"]  # nothing written beside the holder's lock


def test_a_stale_lock_from_a_killed_run_is_taken_over(data, tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    # A run killed while holding the lock: its record stays, the kernel has dropped its flock.
    record = '{"pid": 999999999, "host": "gone", "command": "trade train", "started": "then"}'
    (out / ".lock").write_text(record)
    summary = train(quick_config(data, out, steps=2, eval_every=2))
    assert summary["step"] == 2 and load_checkpoint(out / "last").step == 2
    assert "taking over a stale lock" in capsys.readouterr().err
    assert (out / ".lock").read_text() == ""  # released when the run ended
