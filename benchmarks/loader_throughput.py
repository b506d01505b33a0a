"""Training batches/s that `trade train`'s data loader delivers, against the previous loader.

The loader (`TrainBatches`) shuffles (shard, row) references and has each worker
read and tokenize only the rows of its own batches. The baseline is the previous
design, kept here: every worker parsed every row of every shard into Python
objects and skipped the batches of the other workers. Both give the same batches
in the same order (tests/test_train.py). No model runs: this is the loader alone.

`--device` adds `--data-on-device` (`ResidentBatches`): the rows are tokenized
once (timed separately, with the largest worker count) and each batch is then
assembled on that device. It gives the same batches too (tests/test_resident.py).
Run:

    python benchmarks/loader_throughput.py --data data/gen100k --workers 0,2 --batches 40 --device cpu
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, get_worker_info

from trade.dataset.read import iter_examples, shard_files
from trade.train import Batch, ResidentBatches, TrainBatches, TrainConfig, batched, collate, fits, shuffled
from trade.weights import tokenize


class StreamedBatches(TrainBatches):
    """The previous loader: every worker parses every training row, then keeps its share."""

    def __iter__(self) -> Iterator[tuple[int, int, int, Batch]]:
        worker = get_worker_info()
        worker_id, n_workers = (worker.id, worker.num_workers) if worker else (0, 1)
        first_local = -(-(self.skip_to - self.rank) // self.world_size)
        tokenizer = self.config.tokenizer()
        number = self.epoch_start
        for epoch in itertools.count(self.start_epoch):
            rng = np.random.default_rng([self.config.seed, epoch])
            shards = shard_files(self.data)
            order = [shards[i] for i in rng.permutation(len(shards))]
            examples = shuffled(iter_examples(self.data, split="train", shards=order),
                                self.config.shuffle_buffer, rng)
            start = number
            for chunk in batched(examples, self.config.batch_size):
                if len(chunk) < self.config.batch_size:
                    break
                k, number = number, number + 1
                local = k // self.world_size
                if k < self.skip_to or k % self.world_size != self.rank:
                    continue
                if (local - first_local) % n_workers != worker_id:
                    continue
                items = [(tokenize(e.weights, tokenizer), e.program_ids) for e in chunk]
                items = [(t, ids) for t, ids in items if fits(t, self.dims)]
                yield epoch, start, k, collate(items, with_grammar=self.config.grammar_mask)


def samples_per_second(kind: type[TrainBatches], config: TrainConfig, workers: int, batches: int) -> float:
    """Samples/s over `batches` batches, after start-up and the batches prefetched during it."""
    stream = kind(config.data, config, config.dims())
    loader = DataLoader(stream, batch_size=None, num_workers=workers)
    iterator = iter(loader)
    for _ in range(2 * workers + 1):  # start-up, and the batches prefetched meanwhile
        next(iterator)
    start, samples = time.perf_counter(), 0
    for _, _, _, batch in itertools.islice(iterator, batches):
        samples += batch.program_ids.shape[0]
    rate = samples / (time.perf_counter() - start)
    del iterator
    return rate


def resident_samples_per_second(config: TrainConfig, device: str, workers: int, batches: int
                                ) -> tuple[float, float, int]:
    """(samples/s assembling batches on `device`, seconds to tokenize the rows there, rows)."""
    began = time.perf_counter()
    stream = ResidentBatches(TrainBatches(config.data, config, config.dims()), torch.device(device),
                             workers=workers, progress=False)
    build_seconds = time.perf_counter() - began
    iterator = iter(stream)
    next(iterator)
    synchronize = torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)
    synchronize()
    start, samples = time.perf_counter(), 0
    for _, _, _, batch in itertools.islice(iterator, batches):
        samples += batch.program_ids.shape[0]
    synchronize()
    return samples / (time.perf_counter() - start), build_seconds, len(stream.rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--workers", default="0,2", help="comma-separated worker counts")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default=None, help="also time rows kept on this device (cpu, cuda)")
    args = parser.parse_args()
    config = TrainConfig(data=args.data, out="", batch_size=args.batch_size, grammar_mask=True)
    print(f"{args.data}, batch {args.batch_size}, {args.batches} batches timed\n")
    print("| workers | previous loader, samples/s | row references, samples/s | ratio |")
    print("|---|---|---|---|")
    best = 0.0
    for workers in (int(w) for w in args.workers.split(",")):
        before = samples_per_second(StreamedBatches, config, workers, args.batches)
        after = samples_per_second(TrainBatches, config, workers, args.batches)
        print(f"| {workers} | {before:,.0f} | {after:,.0f} | {after / before:.2f}x |", flush=True)
        best = max(best, after)
    if args.device:
        workers = max(int(w) for w in args.workers.split(","))
        rate, seconds, rows = resident_samples_per_second(config, args.device, workers, args.batches)
        print(f"\nrows on {args.device} (`--data-on-device`): {rows:,} rows tokenized in {seconds:.1f} s "
              f"with {workers} workers\n")
        print("| loader | samples/s | ratio to the best streamed |")
        print("|---|---|---|")
        print(f"| streamed, best above | {best:,.0f} | 1.00x |")
        print(f"| rows on {args.device} | {rate:,.0f} | {rate / best:.2f}x |")


if __name__ == "__main__":
    main()
