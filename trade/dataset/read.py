"""Reading datasets: streaming rows from Parquet shards without loading them whole."""

from __future__ import annotations

import collections
import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from trade.compiled import CompileConfig
from trade.weights import ModelWeights

if TYPE_CHECKING:  # the build module imports the compiler, which training does without
    from trade.dataset.build import DatasetConfig

MANIFEST = "manifest.json"

# One row per program; the weights as float32 little-endian bytes, one blob per matrix.
SCHEMA = pa.schema([
    ("index", pa.int64()),
    ("split", pa.string()),
    ("program_hash", pa.string()),
    ("program_text", pa.string()),
    ("program_ids", pa.list_(pa.int16())),
    ("n_lines", pa.int16()),
    ("num_heads", pa.int16()),
    ("key_size", pa.int16()),
    ("weight_names", pa.list_(pa.string())),
    ("weight_shapes", pa.list_(pa.list_(pa.int32()))),
    ("weight_data", pa.list_(pa.binary())),
    ("attempts", pa.int32()),
])


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


def example_from_row(row: dict, compile_config: CompileConfig) -> Example:
    return Example(index=row["index"], split=row["split"], program_hash=row["program_hash"],
                   program_text=row["program_text"], program_ids=np.asarray(row["program_ids"], dtype=np.int64),
                   weights=weights_from_row(row, compile_config))


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
                yield example_from_row(row, config)


class ShardRows:
    """Chosen rows of several datasets' shards, addressed as (shard number, row number).

    Training shuffles these small references and reads only the rows it uses: a
    loader worker that builds every n-th batch then converts a 1/n share of the
    rows to Python, instead of every row.
    """

    def __init__(self, data_dirs: list[str | Path]):
        configs = {str(d): compile_config(d) for d in data_dirs}
        if len(set(configs.values())) > 1:
            raise ValueError("datasets compiled with different settings cannot be mixed: "
                             + "; ".join(f"{d}: {c}" for d, c in configs.items()))
        self.compile_config = next(iter(configs.values()))
        self.shards = [path for d in data_dirs for path in shard_files(d)]
        self._splits: dict[int, list[str]] = {}

    def rows_of_split(self, shard: int, split: str) -> list[int]:
        if shard not in self._splits:
            self._splits[shard] = pq.read_table(self.shards[shard], columns=["split"]).column("split").to_pylist()
        return [row for row, name in enumerate(self._splits[shard]) if name == split]

    def refs(self, shard_order: list[int], split: str) -> Iterator[tuple[int, int]]:
        """References to the rows of one split, shard by shard in the given order."""
        for shard in shard_order:
            for row in self.rows_of_split(shard, split):
                yield shard, row

    def read(self, batches: list[list[tuple[int, int]]]) -> Iterator[list[Example]]:
        """The examples of each batch of references in turn.

        Each shard is read once, when a batch first needs it; only the rows that
        these batches use are kept, and only until the last batch that uses them.
        """
        last_use: dict[int, int] = {}
        wanted: dict[int, set[int]] = collections.defaultdict(set)
        for number, refs in enumerate(batches):
            for shard, row in refs:
                last_use[shard] = number
                wanted[shard].add(row)
        loaded: dict[int, dict[int, dict]] = {}
        for number, refs in enumerate(batches):
            for shard, _ in refs:
                if shard not in loaded:
                    rows = sorted(wanted.pop(shard))
                    loaded[shard] = dict(zip(rows, pq.read_table(self.shards[shard]).take(rows).to_pylist()))
            yield [example_from_row(loaded[shard][row], self.compile_config) for shard, row in refs]
            for shard in [shard for shard in loaded if last_use[shard] == number]:
                del loaded[shard]
