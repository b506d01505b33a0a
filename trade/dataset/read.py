"""Reading datasets: streaming rows from Parquet shards without loading them whole."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np
import pyarrow.parquet as pq

from trade.compiled import CompileConfig
from trade.weights import ModelWeights

if TYPE_CHECKING:  # the build module imports the compiler, which training does without
    from trade.dataset.build import DatasetConfig

MANIFEST = "manifest.json"


@dataclasses.dataclass(frozen=True)
class Example:
    """One dataset row: the canonical program (ids and text) and its compiled weights."""

    index: int
    split: str
    program_hash: str
    program_text: str
    program_ids: np.ndarray
    weights: ModelWeights


def load_manifest(data_dir: str | Path) -> dict:
    path = Path(data_dir) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"{data_dir}: no {MANIFEST}; not a TraDe dataset (run `trade generate`)")
    return json.loads(path.read_text())


def dataset_config(data_dir: str | Path) -> DatasetConfig:
    from trade.dataset.build import DatasetConfig
    return DatasetConfig.from_json(load_manifest(data_dir)["config"])


def compile_config(data_dir: str | Path) -> CompileConfig:
    """How the dataset's programs were compiled, read without importing the compiler."""
    return CompileConfig.from_json(load_manifest(data_dir)["config"]["sampler"]["compile"])


def shard_files(data_dir: str | Path) -> list[Path]:
    manifest = load_manifest(data_dir)
    return [Path(data_dir) / shard["file"] for shard in manifest["shards"]]


def weights_from_row(row: dict, compile_config: CompileConfig) -> ModelWeights:
    params = {name: np.frombuffer(data, dtype="<f4").reshape(shape)
              for name, shape, data in zip(row["weight_names"], row["weight_shapes"], row["weight_data"])}
    return ModelWeights(params=params, compile_config=compile_config,
                        num_heads=int(row["num_heads"]), key_size=int(row["key_size"]))


def iter_examples(data_dir: str | Path, split: str | None = None,
                  shards: list[Path] | None = None, batch_rows: int = 256) -> Iterator[Example]:
    """Rows of the dataset in shard order, optionally of one split, streamed by record batch."""
    config = compile_config(data_dir)
    for path in shards if shards is not None else shard_files(data_dir):
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=batch_rows):
            for row in batch.to_pylist():
                if split is not None and row["split"] != split:
                    continue
                yield Example(index=row["index"], split=row["split"], program_hash=row["program_hash"],
                              program_text=row["program_text"],
                              program_ids=np.asarray(row["program_ids"], dtype=np.int64),
                              weights=weights_from_row(row, config))
