"""The training loop: streamed batches, AdamW with warm-up and cosine decay, exact resume.

One code path for a CPU, one GPU, or several GPUs under `torchrun` (detected from
`WORLD_SIZE`/`RANK`/`LOCAL_RANK`). `train(config)` names its stages in order:
set up the device, build the model and optimizer, resume from `RUN_DIR/last` if
it exists, stream batches, step, evaluate teacher-forced token accuracy every
`eval_every` steps, and save `best` and `last` checkpoints, `metrics.jsonl` and
`curves.png`.

Exact resume: the data order is a pure function of the seed (shard order and
shuffle buffer are seeded per epoch), and batches are numbered globally across
epochs, so the position in the stream is `step * world_size`. The checkpoint
stores the optimizer, the RNG states and where the current epoch started; the
learning rate is a pure function of the step.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import math
import os
import random
import shutil
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, IterableDataset, get_worker_info
from tqdm import tqdm

from trade.atomic import recover_directory, save_figure, write_json, write_text
from trade.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from trade.dataset.lock import DirectoryLock
from trade.dataset.read import ShardRows, iter_examples
from trade.dataset.resident import resident_rows
from trade.grammar import grammar_masks
from trade.model import Decompiler, ModelDimensions, preset
from trade.program.tokens import PAD_ID
from trade.weights import TokenizerConfig, WeightTokens, tokenize

T = TypeVar("T")


class TrainError(RuntimeError):
    """Training cannot go on (a non-finite loss, too few rows, --out a file); one line saying why."""

MODEL_FIELDS = ("d_model", "n_heads", "n_encoder_layers", "n_decoder_layers", "d_ff", "dropout")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """A training run. Model fields left as None come from the preset."""

    data: str
    out: str
    preset: str = "small"
    d_model: int | None = None
    n_heads: int | None = None
    n_encoder_layers: int | None = None
    n_decoder_layers: int | None = None
    d_ff: int | None = None
    dropout: float | None = None
    steps: int = 10000
    batch_size: int = 32
    lr: float = 5e-4
    min_lr_ratio: float = 0.1
    warmup_steps: int = 200
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    eval_every: int = 250
    checkpoint_every: int | None = None
    log_every: int = 10
    val_examples: int = 512
    shuffle_buffer: int = 2048
    num_workers: int = 0
    threads: int | None = None
    seed: int = 0
    grammar_mask: bool = False
    tokenizer_width: int = 2000
    tokenizer_scheme: str = "matrix"  # or "circuit": heads as QK and OV circuits (trade.weights)
    # A fixed offset between a token's columns (trade.weights), so that a residual dimension sits at
    # the same offsets in every model; 0 or None: the model's own width, as before 2026-11-26.
    tokenizer_stride: int | None = 128
    device: str = "auto"
    resume: bool = True
    progress: bool = True
    init_from: str | None = None  # a checkpoint whose weights start a new run (fine-tuning)
    more_data: str | None = None  # comma-separated datasets whose training rows join data's
    data_on_device: bool = False  # tokenize the training rows once and keep them on the device

    def train_data(self) -> list[str]:
        """The datasets training rows come from; validation rows come from `data` alone."""
        return [self.data, *(self.more_data.split(",") if self.more_data else [])]

    def dims(self) -> ModelDimensions:
        overrides = {name: getattr(self, name) for name in MODEL_FIELDS}
        tokenizer = self.tokenizer()
        return preset(self.preset, input_width=tokenizer.width, meta_dim=tokenizer.meta_dim,
                      n_roles=len(tokenizer.roles), **overrides)

    def tokenizer(self) -> TokenizerConfig:
        return TokenizerConfig(scheme=self.tokenizer_scheme, width=self.tokenizer_width,
                               stride=self.tokenizer_stride or None)


# ---------------------------------------------------------------- data


@dataclasses.dataclass
class Batch:
    """Padded tensors for one step; `grammar_mask` lines up with `program_ids[:, 1:]`."""

    vectors: torch.Tensor
    roles: torch.Tensor
    layers: torch.Tensor
    weight_mask: torch.Tensor
    program_ids: torch.Tensor
    grammar_mask: torch.Tensor | None = None

    def _map(self, function: Callable[[torch.Tensor], torch.Tensor]) -> "Batch":
        return Batch(**{f.name: None if (tensor := getattr(self, f.name)) is None else function(tensor)
                        for f in dataclasses.fields(self)})

    def to(self, device: torch.device, non_blocking: bool = False) -> "Batch":
        return self._map(lambda tensor: tensor.to(device, non_blocking=non_blocking))

    def pin_memory(self) -> "Batch":
        """Page-locked copies, so that the copy to a GPU can overlap compute (DataLoader calls this)."""
        return self._map(lambda tensor: tensor.pin_memory())

    def model_inputs(self) -> tuple[torch.Tensor, ...]:
        return self.vectors, self.roles, self.layers, self.weight_mask, self.program_ids[:, :-1]


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive chunks of `size` items, the last possibly shorter (3.12's `itertools.batched`)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def collate(items: list[tuple[WeightTokens, np.ndarray]], with_grammar: bool = False) -> Batch:
    """Pads weight tokens (mask False on padding) and program ids (with `<pad>`)."""
    n_weights = max(len(tokens.roles) for tokens, _ in items)
    n_program = max(len(ids) for _, ids in items)
    width = items[0][0].vectors.shape[1]
    vectors = torch.zeros(len(items), n_weights, width)
    roles = torch.zeros(len(items), n_weights, dtype=torch.long)
    layers = torch.zeros(len(items), n_weights, dtype=torch.long)
    weight_mask = torch.zeros(len(items), n_weights, dtype=torch.bool)
    program_ids = torch.full((len(items), n_program), PAD_ID, dtype=torch.long)
    for row, (tokens, ids) in enumerate(items):
        count = len(tokens.roles)
        vectors[row, :count] = torch.from_numpy(tokens.vectors)
        roles[row, :count] = torch.from_numpy(tokens.roles)
        layers[row, :count] = torch.from_numpy(tokens.layers)
        weight_mask[row, :count] = True
        program_ids[row, :len(ids)] = torch.from_numpy(ids)
    grammar = grammar_masks(program_ids[:, :-1]) if with_grammar else None
    return Batch(vectors, roles, layers, weight_mask, program_ids, grammar)


def fits(example_tokens: WeightTokens, dims: ModelDimensions) -> bool:
    """Models with more weight tokens than the encoder's context are left out of training."""
    return (len(example_tokens.roles) <= dims.n_weight_ctx
            and int(example_tokens.layers.max(initial=0)) < dims.n_layer_ids)


def shuffled(items: Iterator[T], buffer_size: int, rng: np.random.Generator) -> Iterator[T]:
    """A streaming shuffle: a reservoir of `buffer_size` items, emptied at random."""
    buffer: list[T] = []
    for item in items:
        if len(buffer) < buffer_size:
            buffer.append(item)
            continue
        index = int(rng.integers(len(buffer)))
        yield buffer[index]
        buffer[index] = item
    rng.shuffle(buffer)
    yield from buffer


class TrainBatches(IterableDataset):
    """An endless, seeded stream of training batches over the Parquet shards.

    Batches are numbered globally across epochs; batch k goes to rank
    k % world_size, and within a rank to DataLoader workers in turn, so the
    order that reaches the loop does not depend on `num_workers`. Items are
    `(epoch, epoch_start, k, batch)`; iteration begins at epoch `start_epoch`
    (whose first batch is number `epoch_start`) and skips to batch `skip_to`
    without reading what it skips. Each epoch shuffles (shard, row) references,
    and each worker reads only the rows of its own batches.
    """

    def __init__(self, data: str, config: TrainConfig, dims: ModelDimensions, *, rank: int = 0,
                 world_size: int = 1, start_epoch: int = 0, epoch_start: int = 0, skip_to: int = 0):
        super().__init__()
        self.data, self.config, self.dims = data, config, dims
        self.rank, self.world_size = rank, world_size
        self.start_epoch, self.epoch_start, self.skip_to = start_epoch, epoch_start, skip_to
        self.rows = ShardRows([data, *config.train_data()[1:]])  # `data`, then `more_data`'s datasets

    def epoch_refs(self, epoch: int) -> Iterator[tuple[int, int]]:
        """This epoch's training rows in shuffled order, as (shard, row) references."""
        rng = np.random.default_rng([self.config.seed, epoch])
        order = [int(i) for i in rng.permutation(len(self.rows.shards))]
        return shuffled(self.rows.refs(order, "train"), self.config.shuffle_buffer, rng)

    def numbered_batches(self, worker_id: int = 0, n_workers: int = 1
                         ) -> Iterator[tuple[int, int, list[int], list[list[tuple[int, int]]]]]:
        """Per epoch: (epoch, its first batch number, the numbers of this worker's batches, their rows)."""
        first_local = -(-(self.skip_to - self.rank) // self.world_size)
        size = self.config.batch_size

        def mine(k: int) -> bool:
            local = k // self.world_size
            return (k >= self.skip_to and k % self.world_size == self.rank
                    and (local - first_local) % n_workers == worker_id)

        start = self.epoch_start
        for epoch in itertools.count(self.start_epoch):
            refs = list(self.epoch_refs(epoch))
            n_batches = len(refs) // size  # a last, partial batch is dropped
            if n_batches == 0:
                raise TrainError(f"{self.data}: fewer than {size} training examples (one batch); "
                                 f"generate more programs or lower --batch-size")
            numbers = [k for k in range(start, start + n_batches) if mine(k)]
            yield epoch, start, numbers, [refs[(k - start) * size:(k - start + 1) * size] for k in numbers]
            start += n_batches

    def __iter__(self) -> Iterator[tuple[int, int, int, Batch]]:
        worker = get_worker_info()
        tokenizer = self.config.tokenizer()
        for epoch, start, numbers, batches in self.numbered_batches(*((worker.id, worker.num_workers)
                                                                       if worker else (0, 1))):
            for k, examples in zip(numbers, self.rows.read(batches)):
                items = [(tokenize(e.weights, tokenizer), e.program_ids) for e in examples]
                items = [(t, ids) for t, ids in items if fits(t, self.dims)]
                if items:
                    yield epoch, start, k, collate(items, with_grammar=self.config.grammar_mask)


class ResidentBatches:
    """`TrainBatches`' batches, in the same order, assembled on the device from rows tokenized once.

    For `--data-on-device`: no loader workers, so nothing waits on CPU
    tokenization (`trade.dataset.resident`).
    """

    def __init__(self, stream: TrainBatches, device: torch.device, workers: int = 0, progress: bool = True):
        self.stream = stream
        config = stream.config
        self.rows = resident_rows(stream.rows.shards, "train", stream.rows.compile_config, config.tokenizer(),
                                  device, workers=workers, progress=progress)
        self.fitting = self.rows.fits(stream.dims.n_weight_ctx, stream.dims.n_layer_ids)

    def __iter__(self) -> Iterator[tuple[int, int, int, Batch]]:
        for epoch, start, numbers, batches in self.stream.numbered_batches():
            for k, refs in zip(numbers, batches):
                rows = [self.rows.index[ref] for ref in refs]
                rows = [row for row in rows if self.fitting[row]]
                if rows:
                    yield epoch, start, k, self.rows.batch(rows, with_grammar=self.stream.config.grammar_mask)


def validation_batches(config: TrainConfig, dims: ModelDimensions) -> list[Batch]:
    """The first `val_examples` validation examples, batched once and kept in memory."""
    tokenizer = config.tokenizer()
    items = []
    for example in itertools.islice(iter_examples(config.data, split="validation"), config.val_examples):
        tokens = tokenize(example.weights, tokenizer)
        if fits(tokens, dims):
            items.append((tokens, example.program_ids))
    return [collate(list(chunk), with_grammar=config.grammar_mask)
            for chunk in batched(items, config.batch_size)]


# ---------------------------------------------------------------- optimization


def learning_rate(step: int, config: TrainConfig) -> float:
    """Linear warm-up to `lr`, then cosine decay to `lr * min_lr_ratio` at `steps`."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = min(1.0, (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps))
    floor = config.lr * config.min_lr_ratio
    return floor + 0.5 * (config.lr - floor) * (1 + math.cos(math.pi * progress))


def make_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only (not on biases, norms or embeddings' rows)."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": config.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.98))


def sequence_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over non-pad target tokens."""
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=PAD_ID)


@torch.no_grad()
def evaluate(model: Decompiler, batches: list[Batch], device: torch.device) -> dict[str, float]:
    """Teacher-forced token accuracy over non-pad targets, sequence accuracy and loss."""
    model.eval()
    correct = total = sequences_right = sequences = 0
    loss_sum = 0.0
    for batch in batches:
        batch = batch.to(device)
        logits = model(*batch.model_inputs(), grammar_mask=batch.grammar_mask)
        targets = batch.program_ids[:, 1:]
        real = targets != PAD_ID
        hit = (logits.argmax(-1) == targets) & real
        correct += int(hit.sum())
        total += int(real.sum())
        sequences_right += int((hit | ~real).all(dim=1).sum())
        sequences += targets.shape[0]
        loss_sum += float(sequence_loss(logits, targets)) * int(real.sum())
    model.train()
    return {"val_token_accuracy": correct / max(1, total),
            "val_sequence_accuracy": sequences_right / max(1, sequences),
            "val_loss": loss_sum / max(1, total)}


# ---------------------------------------------------------------- devices and state


@dataclasses.dataclass(frozen=True)
class Distributed:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup_device(config: TrainConfig) -> Distributed:
    """One process, or one of several under torchrun (NCCL on GPUs, Gloo on CPUs)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() if config.device == "auto" else config.device.startswith("cuda")
    device = torch.device(f"cuda:{local_rank}" if use_cuda else "cpu") if config.device == "auto" \
        else torch.device(config.device)
    if use_cuda and device.index is None:
        device = torch.device(f"cuda:{local_rank}")
    if use_cuda:
        torch.cuda.set_device(device)
    if world_size > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend="nccl" if use_cuda else "gloo")
    return Distributed(rank, world_size, local_rank, device)


def rng_states(device: torch.device) -> dict[str, torch.Tensor]:
    states = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        states["cuda"] = torch.cuda.get_rng_state(device)
    return states


def set_rng_states(states: dict[str, torch.Tensor], device: torch.device) -> None:
    if "torch" in states:
        torch.set_rng_state(states["torch"])
    if "cuda" in states and device.type == "cuda":
        torch.cuda.set_rng_state(states["cuda"], device)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# ---------------------------------------------------------------- logging


def _json_object(line: str):
    """A JSONL line's value, or None for a line a killed run left half-written."""
    try:
        return json.loads(line)
    except ValueError:
        return None


class MetricsLog:
    """`metrics.jsonl` (one JSON object a line) and `curves.png`, written by rank 0 only."""

    def __init__(self, run_dir: Path, resume_step: int | None, enabled: bool):
        self.path, self.enabled = run_dir / "metrics.jsonl", enabled
        self.records: list[dict] = []
        self.last_plot = -math.inf
        if enabled and self.path.exists():
            # A killed run may have logged past its last checkpoint; those steps will be redone.
            old = [_json_object(line) for line in self.path.read_text(errors="replace").splitlines()]
            self.records = [r for r in old if isinstance(r, dict) and isinstance(r.get("step"), int)
                            and resume_step is not None and r["step"] <= resume_step]
            write_text(self.path, "".join(json.dumps(r) + "\n" for r in self.records))

    def write(self, record: dict) -> None:
        if not self.enabled:
            return
        self.records.append(record)
        with self.path.open("a") as handle:
            handle.write(json.dumps(record) + "\n")

    def plot(self, force: bool = False, min_interval_s: float = 60.0) -> None:
        """Redraws `curves.png`, at most once a minute unless `force` (drawing takes ~0.5 s)."""
        if not self.enabled or (not force and time.monotonic() - self.last_plot < min_interval_s):
            return
        self.last_plot = time.monotonic()
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        train = [r for r in self.records if "loss" in r]
        val = [r for r in self.records if "val_token_accuracy" in r]
        figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        left.plot([r["step"] for r in train], [r["loss"] for r in train], label="train loss")
        left.plot([r["step"] for r in val], [r["val_loss"] for r in val], label="validation loss")
        left.set_yscale("log")
        left.set_xlabel("step")
        left.legend()
        right.plot([r["step"] for r in val], [r["val_token_accuracy"] for r in val], label="token accuracy")
        right.plot([r["step"] for r in val], [r["val_sequence_accuracy"] for r in val],
                   label="sequence accuracy")
        right.set_xlabel("step")
        right.set_ylim(0, 1)
        right.legend()
        figure.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.95, wspace=0.2)
        save_figure(figure, self.path.with_name("curves.png"), dpi=100)
        plt.close(figure)


# ---------------------------------------------------------------- the loop


def _check_finite(losses: list[torch.Tensor], step: int) -> None:
    """Raises TrainError naming the first of the latest steps (ending at `step`) whose loss is not finite."""
    if not losses:
        return
    values = torch.stack(losses).float()
    finite = torch.isfinite(values)
    if bool(finite.all()):
        return
    position = int((~finite).nonzero()[0])
    first = step - len(losses) + 1 + position
    raise TrainError(f"loss is {float(values[position])} at step {first}: training stopped there and "
                     f"saved nothing from that step on; check the dataset (`trade dataset-stats DATA`) "
                     f"or lower --lr")


def train(config: TrainConfig, on_step: Callable[[int, float], None] | None = None) -> dict:
    """Trains (or resumes) a run in `config.out`; returns a summary with the losses of this call.

    `on_step(step, loss)` is called after every optimizer step (tests use it to
    interrupt a run). A run that fails before its first checkpoint removes the
    `out` directory it created, so no half-made run directory is left behind.
    The main process locks `out` (`DirectoryLock`): a second run into it is
    refused, naming the first; a lock left by a killed run is taken over.
    """
    run_dir = Path(config.out)
    if run_dir.exists() and not run_dir.is_dir():
        raise TrainError(f"{run_dir}: exists and is not a directory; give a new --out")
    created = not run_dir.exists()
    main = int(os.environ.get("RANK", "0")) == 0  # under torchrun, rank 0 writes for every rank
    if main:
        run_dir.mkdir(parents=True, exist_ok=True)
    with DirectoryLock(run_dir, command="trade train") if main else contextlib.nullcontext():
        try:
            return _train(config, on_step, run_dir)
        except Exception:
            if created and main and not (run_dir / "last").exists():
                shutil.rmtree(run_dir, ignore_errors=True)
            raise


def _train(config: TrainConfig, on_step: Callable[[int, float], None] | None, run_dir: Path) -> dict:
    if config.threads:
        torch.set_num_threads(config.threads)
    dist = setup_device(config)
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in ("last", "best"):
        recover_directory(run_dir / name)
    seed_everything(config.seed)
    dims = config.dims()
    validation = validation_batches(config, dims)  # first: a bad row stops the run before any slow set-up
    model = Decompiler(dims).to(dist.device)
    optimizer = make_optimizer(model, config)

    step, state = 0, {"epoch": 0, "epoch_start": 0, "best_val_token_accuracy": -1.0}
    if config.resume and (run_dir / "last").exists():
        checkpoint = load_checkpoint(run_dir / "last", device=dist.device, model=model, optimizer=optimizer)
        if checkpoint.train_config.get("seed") != config.seed:
            saved_seed = checkpoint.train_config.get("seed")
            raise CheckpointError(f"{run_dir / 'last'}: saved with seed {saved_seed}, "
                                  f"resuming with seed {config.seed}")
        step, state = checkpoint.step, dict(checkpoint.state)
        set_rng_states(checkpoint.rng, dist.device)
    else:
        if config.init_from:  # weights only: a fresh optimizer, schedule and data order
            start = load_checkpoint(config.init_from, device=dist.device, model=model)
            if start.tokenizer != config.tokenizer():
                raise CheckpointError(f"{config.init_from}: it reads weights tokenized as {start.tokenizer}, "
                                      f"this run tokenizes them as {config.tokenizer()}")
        if dist.is_main:
            write_json(run_dir / "config.json", dataclasses.asdict(config))

    log = MetricsLog(run_dir, resume_step=step, enabled=dist.is_main)
    stream = TrainBatches(config.data, config, dims, rank=dist.rank, world_size=dist.world_size,
                          start_epoch=state["epoch"], epoch_start=state["epoch_start"],
                          skip_to=step * dist.world_size)
    if config.data_on_device:  # num_workers processes tokenize the rows once, then leave
        loader: Iterable = ResidentBatches(stream, dist.device, workers=config.num_workers,
                                           progress=config.progress and dist.is_main)
    else:
        # Its own generator: a DataLoader otherwise draws its worker seed from the global RNG,
        # which would shift dropout after a resume.
        loader = DataLoader(stream, batch_size=None, num_workers=config.num_workers,
                            pin_memory=dist.device.type == "cuda",
                            generator=torch.Generator().manual_seed(config.seed))
    net = model
    if dist.world_size > 1:
        net = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[dist.device.index] if dist.device.type == "cuda" else None)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if dist.device.type == "cuda" \
        else torch.autocast("cpu", enabled=False)

    def save(name: str, metrics: dict) -> None:
        if dist.is_main:
            save_checkpoint(run_dir / name, model, tokenizer=config.tokenizer(),
                            train_config=dataclasses.asdict(config), step=step, metrics=metrics, state=state,
                            optimizer=optimizer, rng=rng_states(dist.device))

    checkpoint_every = config.checkpoint_every or config.eval_every
    progress = tqdm(total=config.steps, initial=step, disable=not (config.progress and dist.is_main),
                    dynamic_ncols=True)
    losses: list[tuple[int, float]] = []
    # Losses and token counts stay on the device until a log line needs them: reading one
    # every step would make the CPU wait for each step before preparing the next.
    window: dict = {"losses": [], "samples": 0, "tokens": 0, "start": time.perf_counter()}
    last_metrics: dict = {}
    model.train()
    batches = iter(loader)
    while step < config.steps:
        epoch, epoch_start, _, batch = next(batches)
        samples, tokens = batch.program_ids.shape[0], (batch.program_ids[:, 1:] != PAD_ID).sum()
        batch = batch.to(dist.device, non_blocking=True)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, config)
        with autocast:
            logits = net(*batch.model_inputs(), grammar_mask=batch.grammar_mask)
            loss = sequence_loss(logits, batch.program_ids[:, 1:])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        step += 1
        state.update(epoch=epoch, epoch_start=epoch_start)
        window["losses"].append(loss.detach())
        window["samples"] += samples * dist.world_size
        window["tokens"] += tokens * dist.world_size
        if step == config.steps or any(step % every == 0 for every in (config.log_every, config.eval_every,
                                                                        checkpoint_every)):
            _check_finite(window["losses"], step)  # before any log line or checkpoint
        if step % config.log_every == 0 or step == config.steps:
            values = torch.stack(window["losses"]).tolist()
            losses += zip(range(step - len(values) + 1, step + 1), values)
            elapsed = time.perf_counter() - window["start"]
            record = {"step": step, "loss": sum(values) / len(values),
                      "lr": learning_rate(step - 1, config), "samples_per_s": window["samples"] / elapsed,
                      "tokens_per_s": int(window["tokens"]) / elapsed}
            log.write(record)
            progress.set_postfix(loss=f"{record['loss']:.3f}", tok_s=f"{record['tokens_per_s']:.0f}",
                                 val_acc=f"{last_metrics.get('val_token_accuracy', float('nan')):.3f}")
            window = {"losses": [], "samples": 0, "tokens": 0, "start": time.perf_counter()}
        if step % config.eval_every == 0 or step == config.steps:
            last_metrics = {"step": step, **evaluate(model, validation, dist.device)}
            if not math.isfinite(last_metrics["val_loss"]):  # finite training losses, diverged weights
                raise TrainError(f"validation loss is {last_metrics['val_loss']} at step {step}: the weights "
                                 f"diverged; training stopped there and saved nothing from that step on; "
                                 f"lower --lr")
            log.write(last_metrics)
            log.plot(force=step == config.steps)
            if last_metrics["val_token_accuracy"] > state["best_val_token_accuracy"]:
                state["best_val_token_accuracy"] = last_metrics["val_token_accuracy"]
                save("best", last_metrics)
        if step % checkpoint_every == 0 or step == config.steps:
            save("last", last_metrics)
        progress.update(1)
        if on_step is not None:
            on_step(step, loss.item())
    progress.close()
    del batches  # shuts the loader's workers down before returning, not at interpreter exit
    return {"step": step, "losses": losses, "best_val_token_accuracy": state["best_val_token_accuracy"],
            "last_metrics": last_metrics, "parameters": model.num_parameters()}


# ---------------------------------------------------------------- command line


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds one option per `TrainConfig` field (`--data` and `--out` required)."""
    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        kind = {"int | None": int, "float | None": float, "str | None": str}.get(str(field.type), None)
        if field.name in ("data", "out"):
            parser.add_argument(flag, required=True, help=f"{field.name} directory")
        elif field.type in (bool, "bool"):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=field.default)
        else:
            kind = kind or {"int": int, "float": float, "str": str}[str(field.type)]
            parser.add_argument(flag, type=kind, default=field.default)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})


def run_train(args: argparse.Namespace) -> dict:
    """What `trade train` runs."""
    summary = train(config_from_args(args))
    print(json.dumps({k: v for k, v in summary.items() if k != "losses"}, indent=1))
    return summary


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="trade train", description=__doc__.splitlines()[0])
    add_train_arguments(parser)
    return run_train(parser.parse_args(argv))


# ---------------------------------------------------------------- hyperparameter search


TABLE_1_SPACE: dict[str, list] = {
    "d_model": [512, 1024, 2024],
    "n_heads": list(range(4, 17, 2)),
    "n_encoder_layers": list(range(4, 17, 2)),
    "n_decoder_layers": list(range(4, 17, 2)),
    "d_ff": [1024, 2048],
    "dropout": [0.01, 0.1, 0.2, 0.3],
}


def sample_configuration(space: dict[str, list], rng: random.Random) -> dict:
    """A random point of the space whose d_model splits evenly across its heads."""
    while True:
        choice = {name: rng.choice(values) for name, values in space.items()}
        if choice.get("d_model", 512) % choice.get("n_heads", 1) == 0:
            return choice


def hyperparameter_search(data: str, out: str, trials: int, steps: int, *,
                          space: dict[str, list] | None = None, seed: int = 0, **config_fields) -> list[dict]:
    """Random search over Table 1's ranges, ranked by best validation token accuracy.

    Each trial trains `steps` steps in `out/trial-NNN`; the ranking goes to
    `out/search.json` and `out/search.md`.
    """
    rng = random.Random(seed)
    space = space or TABLE_1_SPACE
    results = []
    for trial in range(trials):
        choice = sample_configuration(space, rng)
        config = TrainConfig(data=data, out=str(Path(out) / f"trial-{trial:03d}"), steps=steps,
                             seed=seed, **{**config_fields, **choice})
        summary = train(config)
        results.append({"trial": trial, **choice, "parameters": summary["parameters"],
                        "val_token_accuracy": summary["best_val_token_accuracy"]})
    results.sort(key=lambda r: -r["val_token_accuracy"])
    Path(out).mkdir(parents=True, exist_ok=True)
    write_json(Path(out) / "search.json", results)
    columns = ["trial", *space, "parameters", "val_token_accuracy"]
    table = ["| rank | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    table += [f"| {rank} | " + " | ".join(str(r[c]) for c in columns) + " |"
              for rank, r in enumerate(results, 1)]
    write_text(Path(out) / "search.md", "\n".join(table) + "\n")
    return results


if __name__ == "__main__":
    main()
