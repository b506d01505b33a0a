"""Rows kept on the device: the same batches as the streaming loader, so the same training."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
import torch

from trade.dataset.read import ShardRows, compile_config, shard_files
from trade.dataset.resident import resident_rows, shard_tokens
from trade.train import ResidentBatches, TrainBatches, TrainConfig, train
from trade.weights import TokenizerConfig

torch.set_num_threads(1)



def config_for(data: str, out="", **changes) -> TrainConfig:
    fields = dict(data=data, out=str(out), preset="tiny", steps=6, batch_size=4, eval_every=3, val_examples=8,
                  warmup_steps=2, lr=3e-3, dropout=0.1, shuffle_buffer=8, progress=False, log_every=1,
                  grammar_mask=True)
    return TrainConfig(**{**fields, **changes})


def test_device_batches_equal_the_streamed_batches(data):
    config = config_for(data)
    dims = config.dims()
    streamed = itertools.islice(TrainBatches(data, config, dims, skip_to=3), 14)  # crosses epochs
    rows = ResidentBatches(TrainBatches(data, config, dims, skip_to=3), torch.device("cpu"), progress=False)
    resident = itertools.islice(rows, 14)
    count = 0
    for (epoch, start, k, expected), (epoch2, start2, k2, got) in zip(streamed, resident, strict=True):
        assert (epoch, start, k) == (epoch2, start2, k2)
        for field in dataclasses.fields(expected):
            assert torch.equal(getattr(expected, field.name), getattr(got, field.name)), field.name
        count += 1
    assert count == 14


def test_rows_too_large_for_the_encoder_are_left_out_as_when_streaming(data):
    config = config_for(data)
    dims = dataclasses.replace(config.dims(), n_weight_ctx=12)
    rows = [len(b.program_ids) for *_, b in itertools.islice(TrainBatches(data, config, dims), 8)]
    resident = ResidentBatches(TrainBatches(data, config, dims), torch.device("cpu"), progress=False)
    assert [len(b.program_ids) for *_, b in itertools.islice(resident, 8)] == rows
    assert not resident.fitting.all() and resident.fitting.any()  # the test must leave some rows out


def test_shard_tokens_keep_every_non_zero_entry(data):
    shard = shard_files(data)[0]
    tokens = shard_tokens(shard, "train", compile_config(data), TokenizerConfig())
    assert tokens.rows.size == tokens.n_tokens.size > 0
    assert tokens.entry_value.size == tokens.n_entries.sum() and np.all(tokens.entry_value != 0)
    assert tokens.program_ids.size == tokens.n_program.sum()
    assert tokens.mask_index.shape[0] == tokens.rows.size and tokens.mask_index.max() < len(tokens.mask_rows)
    assert shard_tokens(shard, "no such split", compile_config(data), TokenizerConfig()).rows.size == 0


def test_worker_processes_tokenize_the_same_rows(data):
    shards = ShardRows([data]).shards
    one, two = (resident_rows(shards, "train", compile_config(data), TokenizerConfig(), "cpu",
                              workers=workers, progress=False) for workers in (0, 2))
    assert one.index == two.index
    for name in ("roles", "layers", "entry_token", "entry_column", "entry_value", "program_ids"):
        assert torch.equal(getattr(one, name), getattr(two, name)), name


def test_training_on_device_rows_gives_the_streamed_losses_and_resumes(data, tmp_path):
    streamed = train(config_for(data, tmp_path / "streamed"))
    config = config_for(data, tmp_path / "resident", data_on_device=True, checkpoint_every=2)

    def kill_at_five(step: int, loss: float) -> None:
        if step == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(config, on_step=kill_at_five)
    resumed = train(config)  # from the step-4 checkpoint
    assert resumed["losses"][0][0] == 5
    assert resumed["losses"] == streamed["losses"][4:]
    assert train(dataclasses.replace(config, out=str(tmp_path / "whole")))["losses"] == streamed["losses"]
