"""Building a dataset of (program, compiled weights) pairs in Parquet shards.

`build_dataset` splits the index range [0, n) into shards; each shard is made by
one task (a local process or a Ray task), written to a temporary file and
renamed into place, so a shard file exists only when complete. Rerunning the
same command skips finished shards: a killed build resumes without losing or
duplicating anything. Sample `i` depends only on (seed, i), so the dataset is the
same whatever the number of workers. `manifest.json` records the settings and,
per shard, its rows, rejection counts and time.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import multiprocessing
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from trade.atomic import atomic_path, stale_temporaries, write_json
from trade.dataset.lock import DirectoryLock
from trade.dataset.read import MANIFEST, SCHEMA, SPLITS, DatasetError, config_problem, dataset_config
from trade.program.text import program_to_text
from trade.program.tokens import program_to_ids
from trade.sampling import SamplerConfig, sample_accepted, fixed_test_inputs

@dataclasses.dataclass(frozen=True)
class DatasetConfig:
    """What `trade generate` builds; saved in the manifest and checked on resume."""

    n: int
    seed: int = 0
    shard_size: int = 500
    sampler: SamplerConfig = SamplerConfig()
    validation_fraction: float = 0.05
    test_fraction: float = 0.05
    only_split: str | None = None  # keep only programs of this split (an independent test set)
    # Function-preserving variants written instead of the compiled weights, in turn by index
    # (`trade.transform`: rotate, mix, noise:S, compress:K, or none); the program stays the label.
    transform: tuple[str, ...] = ()

    @staticmethod
    def default_shard_size(n: int) -> int:
        """At most 500 programs a shard, and at least 20 shards for small runs, so a kill loses little."""
        return max(1, min(500, -(-n // 20)))

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["sampler"] = self.sampler.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "DatasetConfig":
        """The config saved in a manifest; ValueError if a field has the wrong type or range."""
        values = dict(data)
        values["sampler"] = SamplerConfig.from_json(values["sampler"])
        values["transform"] = tuple(values.get("transform", ()))
        config = cls(**values)
        counts_ok = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                        for v in (config.n, config.seed, config.shard_size - 1))
        fractions_ok = all(isinstance(v, (int, float)) and 0 <= v <= 1
                           for v in (config.validation_fraction, config.test_fraction))
        if not counts_ok or not fractions_ok or config.only_split not in (None, *SPLITS):
            raise ValueError("n, seed and shard_size must be counts, the fractions between 0 and 1, "
                             "only_split a split or null")
        return config


def split_of(program_hash: str, config: DatasetConfig) -> str:
    """The split a canonical program belongs to, decided by its hash alone.

    Equal programs always land in the same split, so no program is in two.
    """
    position = int(program_hash[:8], 16) / 0x100000000
    if position < config.test_fraction:
        return "test"
    if position < config.test_fraction + config.validation_fraction:
        return "validation"
    return "train"


def shard_path(out_dir: Path, shard: int) -> Path:
    return out_dir / f"shard-{shard:05d}.parquet"


def shard_ranges(config: DatasetConfig) -> list[tuple[int, int, int]]:
    """(shard, start, stop) index ranges covering [0, n)."""
    return [(shard, start, min(start + config.shard_size, config.n))
            for shard, start in enumerate(range(0, config.n, config.shard_size))]


def transformed_model(model, kind: str, seed: int):
    """The compiled model with its weights replaced by a `trade.transform` variant (`noise:S`,
    `compress:K`); the dataset keeps no unembedding, the decoder reads only the weights."""
    from trade import transform
    from trade.weights import weights_of

    name, _, amount = kind.partition(":")
    if name == "none":
        return model
    variant = transform.transformed(weights_of(model), name, seed, float(amount) if amount else None)
    return dataclasses.replace(model, params=variant.params)


def build_shard(out_dir: str, shard: int, start: int, stop: int, config_json: dict) -> dict:
    """Samples, compiles and writes one shard atomically; returns its summary."""
    config = DatasetConfig.from_json(config_json)
    test_inputs = fixed_test_inputs(config.sampler)
    began = time.perf_counter()
    rows = collections.defaultdict(list)
    rejections: collections.Counter = collections.Counter()
    keep = None
    if config.only_split is not None:
        def keep(program) -> bool:
            return split_of(program.fingerprint(), config) == config.only_split
    for index in range(start, stop):
        accepted = sample_accepted(config.seed, index, config.sampler, test_inputs, keep)
        rejections.update(accepted.rejections)
        program, model = accepted.program, accepted.model
        if config.transform:
            model = transformed_model(model, config.transform[index % len(config.transform)],
                                      config.seed * 1_000_003 + index)
        program_hash = program.fingerprint()
        names = sorted(model.params)
        rows["index"].append(index)
        rows["split"].append(split_of(program_hash, config))
        rows["program_hash"].append(program_hash)
        rows["program_text"].append(program_to_text(program))
        rows["program_ids"].append(program_to_ids(program))
        rows["n_lines"].append(len(program))
        rows["num_heads"].append(model.num_heads)
        rows["key_size"].append(model.key_size)
        rows["weight_names"].append(names)
        rows["weight_shapes"].append([list(model.params[k].shape) for k in names])
        rows["weight_data"].append([np.ascontiguousarray(model.params[k], dtype="<f4").tobytes()
                                    for k in names])
        rows["attempts"].append(accepted.attempts)
    seconds = time.perf_counter() - began
    summary = {"shard": shard, "start": start, "stop": stop, "rows": stop - start,
               "rejections": dict(rejections), "seconds": seconds}
    table = pa.table(dict(rows), schema=SCHEMA).replace_schema_metadata(
        {"trade_shard": json.dumps(summary)})
    with atomic_path(shard_path(Path(out_dir), shard)) as temporary:
        pq.write_table(table, temporary, compression="zstd", write_page_checksum=True)
    return summary


def read_shard_summary(path: Path) -> dict | None:
    """The summary stored in a finished shard, or None if the file is unreadable."""
    try:
        metadata = pq.read_schema(path).metadata or {}
        return json.loads(metadata[b"trade_shard"])
    except (OSError, KeyError, ValueError, pa.ArrowInvalid):
        return None


def _write_manifest(out_dir: Path, config: DatasetConfig, summaries: dict[int, dict]) -> None:
    rejections: collections.Counter = collections.Counter()
    for summary in summaries.values():
        rejections.update(summary["rejections"])
    manifest = {
        "format": "trade-dataset-1",
        "config": config.to_json(),
        "complete": len(summaries) == len(shard_ranges(config)),
        "rows": sum(s["rows"] for s in summaries.values()),
        "rejections": dict(sorted(rejections.items())),
        "shards": [summaries[k] | {"file": shard_path(out_dir, k).name} for k in sorted(summaries)],
    }
    write_json(out_dir / MANIFEST, manifest)


def _check_resume(out_dir: Path, config: DatasetConfig) -> None:
    if (out_dir / MANIFEST).exists():
        previous = dataset_config(out_dir)
        if previous != config:
            raise ValueError(f"{out_dir} holds a dataset built with other settings "
                             f"({previous}); use a new directory")


def build_dataset(out_dir: str | Path, config: DatasetConfig, workers: int = 1,
                  ray_address: str | None = None, progress: bool = True) -> dict:
    """Builds (or resumes) a dataset; returns the manifest."""
    out_dir = Path(out_dir)
    problem = config_problem(json.loads(json.dumps(config.to_json())))  # what readers would refuse, up front
    if problem:
        raise DatasetError(f"{out_dir}: cannot build a dataset with these settings: {problem}")
    if out_dir.exists() and not out_dir.is_dir():
        raise DatasetError(f"{out_dir}: exists and is not a directory; give a new --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    with DirectoryLock(out_dir):
        return _build_locked(out_dir, config, workers, ray_address, progress)


def _build_locked(out_dir: Path, config: DatasetConfig, workers: int, ray_address: str | None,
                  progress: bool) -> dict:
    _check_resume(out_dir, config)
    for stale in [*out_dir.glob("*.tmp-*"), *stale_temporaries(out_dir)]:
        stale.unlink(missing_ok=True)
    summaries: dict[int, dict] = {}
    todo = []
    for shard, start, stop in shard_ranges(config):
        summary = read_shard_summary(shard_path(out_dir, shard))
        if summary is not None and summary["rows"] == stop - start:
            summaries[shard] = summary
        else:
            todo.append((shard, start, stop))
    _write_manifest(out_dir, config, summaries)
    bar = tqdm(total=config.n, initial=sum(s["rows"] for s in summaries.values()),
               unit="prog", disable=not progress, smoothing=0.1)
    began, done_now = time.perf_counter(), 0
    rejections: collections.Counter = collections.Counter()

    def finished(summary: dict) -> None:
        nonlocal done_now
        summaries[summary["shard"]] = summary
        rejections.update(summary["rejections"])
        done_now += summary["rows"]
        _write_manifest(out_dir, config, summaries)
        bar.update(summary["rows"])
        rate = done_now / max(time.perf_counter() - began, 1e-9)
        top = ", ".join(f"{k}={v}" for k, v in rejections.most_common(4))
        bar.set_postfix_str(f"{rate:.1f} accepted/s | rejected: {top}")

    config_json = config.to_json()
    if ray_address:
        _run_on_ray(ray_address, str(out_dir), todo, config_json, finished)
    elif workers <= 1:
        for shard, start, stop in todo:
            finished(build_shard(str(out_dir), shard, start, stop, config_json))
    else:
        # Spawned, not forked: the parent has JAX's threads running, and fork would copy their locks.
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            pending = {pool.submit(build_shard, str(out_dir), *task, config_json) for task in todo}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    finished(future.result())
    bar.close()
    return json.loads((out_dir / MANIFEST).read_text())


def _run_on_ray(address: str, out_dir: str, todo: list, config_json: dict, finished) -> None:
    """The same shard tasks on a Ray cluster (`local` starts a local one).

    Shards are written by the tasks, so `out_dir` must be on storage every node sees.
    """
    try:
        import ray
    except ImportError as error:
        raise RuntimeError("--ray needs Ray: pip install 'trade[ray]'") from error
    ray.init(address=None if address == "local" else address, ignore_reinit_error=True,
             log_to_driver=False)
    remote = ray.remote(build_shard)
    pending = [remote.remote(out_dir, *task, config_json) for task in todo]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for ref in done:
            finished(ray.get(ref))
