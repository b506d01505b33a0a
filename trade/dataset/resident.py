"""Training rows held on the training device, as sparse weight tokens.

Streaming rows from Parquet and tokenizing them on the CPU feeds a GPU at about
5,300 samples/s with 14 loader workers, half the rate at which the `medium` and
`paper` models train on an H200 (`reports/benchmarks.md`). Weight tokens are
about 1% non-zero (some 350 entries in 17 tokens of 2,016 numbers), so a whole
dataset's tokens fit on the device as (token, column, value) entries, about
3.5 kB per program; a batch is then a few index operations and one scatter on the
device, and the CPU cores are free for other work (such as generating more data).

Rows are tokenized once, by worker processes that each take whole shards. The
grammar masks are computed then too: a program's mask at each position is one of
a few thousand distinct rows, so the device holds that table and, per program
position, a row number (computing masks on the device per batch would take
about 60 sequential steps of small kernels). The batches equal `collate`'s for
the same examples (tests/test_resident.py).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from tqdm import tqdm

from trade.compiled import CompileConfig
from trade.dataset.read import example_from_row, read_shard_columns
from trade.grammar import grammar_masks
from trade.program.tokens import MAX_PROGRAM_TOKENS, PAD_ID
from trade.weights import TokenizerConfig, tokenize


@dataclasses.dataclass
class ShardTokens:
    """The sparse weight tokens and program ids of one shard's rows of one split."""

    rows: np.ndarray  # [n] row numbers in the shard
    n_tokens: np.ndarray  # [n] weight tokens per row
    n_entries: np.ndarray  # [n] non-zero vector entries per row
    n_program: np.ndarray  # [n] program ids per row
    roles: np.ndarray  # [sum n_tokens]
    layers: np.ndarray  # [sum n_tokens]
    entry_token: np.ndarray  # [sum n_entries] token index within its row
    entry_column: np.ndarray  # [sum n_entries]
    entry_value: np.ndarray  # [sum n_entries] float32
    program_ids: np.ndarray  # [sum n_program]
    mask_rows: np.ndarray  # [u, V] bool: the distinct grammar-mask rows of this shard
    mask_index: np.ndarray  # [n, MAX_PROGRAM_TOKENS - 1]: each position's row in `mask_rows`


def grammar_mask_rows(programs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct grammar-mask rows and, per program and position, which one applies.

    Positions run over `MAX_PROGRAM_TOKENS - 1` decoder inputs, the program's ids
    padded with `<pad>`, so that any batch's padded mask is a prefix of these.
    """
    ids = torch.full((len(programs), MAX_PROGRAM_TOKENS - 1), PAD_ID, dtype=torch.long)
    for row, program in enumerate(programs):
        ids[row, :program.size] = torch.from_numpy(program.astype(np.int64))
    masks = grammar_masks(ids).numpy()
    rows, index = np.unique(masks.reshape(-1, masks.shape[-1]), axis=0, return_inverse=True)
    return rows, index.reshape(masks.shape[:2]).astype(np.int32)


def shard_tokens(path: str | Path, split: str, compile_config: CompileConfig,
                 tokenizer: TokenizerConfig) -> ShardTokens:
    """Tokenizes the rows of `split` in one shard and keeps the non-zero entries."""
    table = read_shard_columns(path)
    splits = table.column("split").to_pylist()
    rows = [row for row, name in enumerate(splits) if name == split]
    parts: dict[str, list[np.ndarray]] = {name: [] for name in (
        "roles", "layers", "entry_token", "entry_column", "entry_value", "program_ids")}
    n_tokens, n_entries, n_program = [], [], []
    for row, record in zip(rows, table.take(np.asarray(rows, dtype=np.int64)).to_pylist()):
        example = example_from_row(record, compile_config, where=f"{path} row {row}")
        tokens = tokenize(example.weights, tokenizer)
        token, column = np.nonzero(tokens.vectors)
        parts["roles"].append(tokens.roles.astype(np.int8))
        parts["layers"].append(tokens.layers.astype(np.int8))
        parts["entry_token"].append(token.astype(np.int16))
        parts["entry_column"].append(column.astype(np.int16))
        parts["entry_value"].append(tokens.vectors[token, column])
        parts["program_ids"].append(example.program_ids.astype(np.int16))
        n_tokens.append(len(tokens))
        n_entries.append(token.size)
        n_program.append(example.program_ids.size)
    mask_rows, mask_index = grammar_mask_rows(parts["program_ids"])
    empty = {"roles": np.int8, "layers": np.int8, "entry_token": np.int16, "entry_column": np.int16,
             "entry_value": np.float32, "program_ids": np.int16}
    joined = {name: np.concatenate(arrays) if arrays else np.zeros(0, dtype=empty[name])
              for name, arrays in parts.items()}
    return ShardTokens(rows=np.asarray(rows, dtype=np.int64), n_tokens=np.asarray(n_tokens, dtype=np.int64),
                       n_entries=np.asarray(n_entries, dtype=np.int64),
                       n_program=np.asarray(n_program, dtype=np.int64), mask_rows=mask_rows,
                       mask_index=mask_index, **joined)


def _offsets(counts: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def _positions(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For ranges [start, start + count): every position, its range number and its place in the range."""
    total = int(counts.sum())
    owner = np.repeat(np.arange(counts.size), counts)
    within = np.arange(total) - np.repeat(_offsets(counts)[:-1], counts)
    return np.repeat(starts, counts) + within, owner, within


class ResidentRows:
    """Rows of several shards, tokenized, as flat tensors on one device.

    Row `i` (numbered in the order the shards were given, rows in shard order)
    owns tokens `token_start[i]:token_start[i + 1]` and likewise entries and
    program ids. The offsets and per-row sizes stay on the CPU, where batch
    shapes are decided; the contents live on `device`.
    """

    def __init__(self, shards: Sequence[ShardTokens], width: int, device: torch.device):
        self.width, self.device = width, torch.device(device)
        self.index: dict[tuple[int, int], int] = {}
        for shard_number, shard in enumerate(shards):
            for row in shard.rows.tolist():
                self.index[(shard_number, row)] = len(self.index)

        def joined(name: str) -> np.ndarray:
            return np.concatenate([getattr(shard, name) for shard in shards])

        self.n_tokens, self.n_entries = joined("n_tokens"), joined("n_entries")
        self.n_program = joined("n_program")
        self.token_start, self.entry_start = _offsets(self.n_tokens), _offsets(self.n_entries)
        self.program_start = _offsets(self.n_program)
        layers = joined("layers")
        self.max_layer = np.maximum.reduceat(layers, self.token_start[:-1]) if layers.size else np.zeros(0)
        move = {"roles": torch.long, "layers": torch.long, "entry_token": torch.int16,
                "entry_column": torch.int16, "entry_value": torch.float32, "program_ids": torch.long}
        for name, dtype in move.items():
            setattr(self, name, torch.from_numpy(joined(name)).to(device=self.device, dtype=dtype))
        # One table of distinct mask rows for all shards; each shard's row numbers renumbered into it.
        mask_rows, renumber = np.unique(np.concatenate([shard.mask_rows for shard in shards]), axis=0,
                                        return_inverse=True)
        firsts = _offsets(np.asarray([len(shard.mask_rows) for shard in shards]))[:-1]
        mask_index = np.concatenate([renumber.reshape(-1)[first + shard.mask_index]
                                     for first, shard in zip(firsts, shards)])
        self.mask_rows = torch.from_numpy(mask_rows).to(self.device)
        small = np.int16 if len(mask_rows) < 2 ** 15 else np.int32
        self.mask_index = torch.from_numpy(mask_index.astype(small)).to(self.device)

    def __len__(self) -> int:
        return len(self.n_tokens)

    def fits(self, max_tokens: int, n_layer_ids: int) -> np.ndarray:
        """Bool per row: what `trade.train.fits` decides for the row's tokens."""
        return (self.n_tokens <= max_tokens) & (self.max_layer < n_layer_ids)

    def batch(self, rows: Sequence[int], with_grammar: bool = False):
        """`collate`'s Batch of these rows, built on the device."""
        from trade.train import Batch  # the training module uses this one

        rows = np.asarray(rows, dtype=np.int64)
        n_tokens, n_program = self.n_tokens[rows], self.n_program[rows]
        size, n_weights, length = rows.size, int(n_tokens.max()), int(n_program.max())

        def on_device(*arrays: np.ndarray) -> list[torch.Tensor]:
            return [torch.from_numpy(array).to(self.device) for array in arrays]

        tokens, token_row, token_place = on_device(*_positions(self.token_start[rows], n_tokens))
        entries, entry_row, _ = on_device(*_positions(self.entry_start[rows], self.n_entries[rows]))
        ids, id_row, id_place = on_device(*_positions(self.program_start[rows], n_program))
        vectors = torch.zeros(size, n_weights, self.width, device=self.device)
        vectors[entry_row, self.entry_token[entries].long(), self.entry_column[entries].long()] = \
            self.entry_value[entries]
        roles = torch.zeros(size, n_weights, dtype=torch.long, device=self.device)
        layers = torch.zeros_like(roles)
        weight_mask = torch.zeros(size, n_weights, dtype=torch.bool, device=self.device)
        roles[token_row, token_place] = self.roles[tokens]
        layers[token_row, token_place] = self.layers[tokens]
        weight_mask[token_row, token_place] = True
        program_ids = torch.full((size, length), PAD_ID, dtype=torch.long, device=self.device)
        program_ids[id_row, id_place] = self.program_ids[ids]
        grammar = None
        if with_grammar:
            index = self.mask_index[torch.from_numpy(rows).to(self.device), :length - 1]
            grammar = self.mask_rows[index.long()]
        return Batch(vectors, roles, layers, weight_mask, program_ids, grammar)


def _shard_job(job: tuple) -> ShardTokens:
    return shard_tokens(*job)


def _one_thread() -> None:
    """Worker start-up: one thread each, since every core already has a worker process."""
    torch.set_num_threads(1)


def resident_rows(shards: Sequence[Path], split: str, compile_config: CompileConfig,
                  tokenizer: TokenizerConfig, device: torch.device | str, workers: int = 0,
                  progress: bool = True) -> ResidentRows:
    """Tokenizes every row of `split` in `shards` (with `workers` processes) onto `device`."""
    jobs = [(path, split, compile_config, tokenizer) for path in shards]
    bar = dict(total=len(jobs), desc="tokenizing rows for the device", disable=not progress)
    if workers > 1 and len(jobs) > 1:
        context = multiprocessing.get_context("spawn")  # the caller may hold CUDA or loader threads
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_one_thread) as pool:
            parts = list(tqdm(pool.map(_shard_job, jobs, chunksize=4), **bar))
    else:
        parts = [shard_tokens(*job) for job in tqdm(jobs, **bar)]
    return ResidentRows(parts, width=tokenizer.token_dim, device=torch.device(device))
