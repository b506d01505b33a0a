"""Reading datasets: streaming rows from Parquet shards without loading them whole."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from trade.compiled import CompileConfig
from trade.program.tokens import VOCABULARY
from trade.weights import ModelWeights, WeightsError, check_config_claims

if TYPE_CHECKING:  # the build module imports the compiler, which training does without
    from trade.dataset.build import DatasetConfig

MANIFEST = "manifest.json"
SPLITS = ("train", "validation", "test")

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


class DatasetError(ValueError):
    """A dataset that is missing, corrupt or malformed: one line naming the file, the problem and the fix."""


REGENERATE = "delete it and rerun the same `trade generate` command to rebuild it"
MAX_MANIFEST_BYTES = 64 << 20
MAX_ROW_WEIGHT_BYTES = 256 << 20  # the largest compiled models of a dataset are a few MB
MAX_PROGRAM_TOKENS = 4096
SHARD_FIELDS = {"file": str, "rows": int}


def load_manifest(data_dir: str | Path) -> dict:
    """The manifest of a dataset directory, checked for the fields readers rely on."""
    path = Path(data_dir) / MANIFEST
    if not path.is_file():
        raise DatasetError(f"{data_dir}: no {MANIFEST}; not a TraDe dataset (run `trade generate`)")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise DatasetError(f"{path}: {path.stat().st_size:,} bytes, more than a manifest's limit of "
                           f"{MAX_MANIFEST_BYTES:,}; not a TraDe manifest")
    try:
        manifest = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as error:
        raise DatasetError(f"{path}: not valid JSON ({str(error).splitlines()[0][:200]}); "
                           f"rerun `trade generate` with the same settings to rewrite it") from None
    return check_manifest(manifest, path)


def check_manifest(manifest, path: str | Path) -> dict:
    """`manifest` if it has what readers rely on: a config, and shard entries naming files in the dataset."""
    if not isinstance(manifest, dict):
        raise DatasetError(f"{path}: a JSON {type(manifest).__name__}, expected an object with "
                           f"'config' and 'shards'")
    for key, kind in (("config", dict), ("shards", list)):
        if not isinstance(manifest.get(key), kind):
            kind_name = "object" if kind is dict else "list"
            raise DatasetError(f"{path}: '{key}' is missing or not a JSON {kind_name}")
    problem = config_problem(manifest["config"])
    if problem:
        raise DatasetError(f"{path}: bad 'config' ({problem}); rerun `trade generate` to rewrite it")
    rejections = manifest.get("rejections", {})
    if not isinstance(rejections, dict) or not all(_is_count(count) for count in rejections.values()):
        raise DatasetError(f"{path}: 'rejections' must map reasons to whole numbers; rerun `trade generate` "
                           f"to rewrite it")
    files = set()
    for number, shard in enumerate(manifest["shards"]):
        if not isinstance(shard, dict) or any(not isinstance(shard.get(key), kind)
                                              or isinstance(shard.get(key), bool)
                                              for key, kind in SHARD_FIELDS.items()):
            raise DatasetError(f"{path}: shard entry {number} needs 'file' (a name) and 'rows' (a number)")
        name = shard["file"]
        if Path(name).name != name or name in ("", ".", "..") or "\\" in name or "\0" in name:
            raise DatasetError(f"{path}: shard entry {number} names {name!r}, which is not a file inside "
                               f"the dataset directory; refusing to open it")
        if name in files:
            raise DatasetError(f"{path}: shard entry {number} repeats {name!r}; rerun `trade generate` to "
                               f"rewrite the manifest")
        files.add(name)
    return manifest


def _is_count(value, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def config_problem(config: dict) -> str | None:
    """What is wrong with a manifest's `config`, checked as JSON (training never imports the sampler)."""
    counts = (("n", 0), ("seed", 0), ("shard_size", 1))
    if not all(_is_count(config.get(name), minimum) for name, minimum in counts):
        return "n, seed and shard_size must be whole numbers"
    if not all(isinstance(config.get(name, 0.0), (int, float)) and 0 <= config.get(name, 0.0) <= 1
               for name in ("validation_fraction", "test_fraction")):
        return "validation_fraction and test_fraction must be between 0 and 1"
    if config.get("only_split") not in (None, *SPLITS):
        return f"only_split must be one of {', '.join(SPLITS)} or null"
    settings = config.get("sampler", {}).get("compile") if isinstance(config.get("sampler"), dict) else None
    if not isinstance(settings, dict):
        return "no 'sampler' with 'compile' settings"
    unknown = sorted(set(settings) - {field.name for field in dataclasses.fields(CompileConfig)})
    if unknown:
        return f"unknown compile settings {unknown}"
    vocab = settings.get("vocab")
    if not isinstance(vocab, list) or not vocab or not all(
            isinstance(token, (int, str)) and not isinstance(token, bool) for token in vocab) \
            or len(set(vocab)) != len(vocab):
        return "'vocab' must be a list of distinct numbers or strings"
    if not _is_count(settings.get("max_seq_len"), 1) or not _is_count(settings.get("mlp_exactness", 1), 1):
        return "'max_seq_len' and 'mlp_exactness' must be positive whole numbers"
    if not all(isinstance(settings.get(name, ""), str) for name in ("compiler_bos", "compiler_pad")):
        return "'compiler_bos' and 'compiler_pad' must be strings"
    try:  # the limits a weights file's settings are held to (vocabulary size, max_seq_len, BOS and PAD)
        check_config_claims(CompileConfig.from_json(settings))
    except (WeightsError, ValueError, TypeError) as error:
        return str(error)[:200]
    return None


def dataset_config(data_dir: str | Path) -> DatasetConfig:
    from trade.dataset.build import DatasetConfig
    try:
        return DatasetConfig.from_json(load_manifest(data_dir)["config"])
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        if isinstance(error, DatasetError):
            raise
        raise DatasetError(f"{Path(data_dir) / MANIFEST}: bad 'config' ({error})") from None


def compile_config(data_dir: str | Path) -> CompileConfig:
    """How the dataset's programs were compiled, read without importing the compiler."""
    manifest = load_manifest(data_dir)
    try:
        settings = manifest["config"]["sampler"]["compile"]
        if not isinstance(settings, dict) or not isinstance(settings.get("vocab", []), list):
            raise ValueError("'compile' must be an object whose 'vocab' is a list")
        config = CompileConfig.from_json(settings)
        hash(config)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        raise DatasetError(f"{Path(data_dir) / MANIFEST}: bad compile settings in 'config' "
                           f"({str(error)[:200]})") from None
    return config


def shard_files(data_dir: str | Path) -> list[Path]:
    manifest = load_manifest(data_dir)
    return [Path(data_dir) / shard["file"] for shard in manifest["shards"]]


def check_dataset(data_dir: str | Path) -> CompileConfig:
    """The dataset's compile settings, after checking its manifest and every shard's footer and schema.

    Cheap (no rows are read), so commands call it before anything slow; rows are checked as they stream.
    """
    config = compile_config(data_dir)
    for path in shard_files(data_dir):
        open_shard(path)
    return config


def _schema_problem(schema: pa.Schema) -> str | None:
    expected = {field.name: field.type for field in SCHEMA}
    found = {field.name: field.type for field in schema}
    missing = [name for name in expected if name not in found]
    if missing:
        return f"missing column(s) {', '.join(missing[:4])}"
    wrong = [f"{name} is {found[name]}, expected {kind}"
             for name, kind in expected.items() if found[name] != kind]
    return f"column {wrong[0]}" if wrong else None


def open_shard(path: str | Path) -> pq.ParquetFile:
    """A shard opened for reading, after checking that it exists and has TraDe's schema."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: shard listed in the manifest is missing; rerun the same "
                           f"`trade generate` command to rebuild it")
    try:
        parquet = pq.ParquetFile(path, page_checksum_verification=True)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise DatasetError(f"{path}: corrupt or truncated shard ({_first_line(error)}); "
                           f"{REGENERATE}") from None
    problem = _schema_problem(parquet.schema_arrow)
    if problem:
        raise DatasetError(f"{path}: not a TraDe shard ({problem}); {REGENERATE}")
    return parquet


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:200]


@contextlib.contextmanager
def reading(path: str | Path) -> Iterator[None]:
    """Turns Arrow's errors while decoding a shard into one-line DatasetErrors."""
    try:
        yield
    except DatasetError:
        raise
    except (pa.ArrowException, OSError, ValueError, IndexError, EOFError) as error:
        raise DatasetError(f"{path}: corrupt shard ({_first_line(error)}); {REGENERATE}") from None


def read_shard_columns(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """Columns of a whole shard (all of them by default), checked."""
    parquet = open_shard(path)
    with reading(path):
        return parquet.read(columns=columns)


def check_row(row: dict, where: str) -> None:
    """Raises DatasetError if a row is not what `trade generate` writes; bounded by the row's size."""
    def bad(problem: str) -> DatasetError:
        return DatasetError(f"{where}: {problem}; {REGENERATE}")

    for name in ("index", "n_lines", "num_heads", "key_size"):
        if not isinstance(row.get(name), int) or row[name] < (0 if name == "index" else 1):
            raise bad(f"'{name}' is {row.get(name)!r}")
    if row.get("split") not in SPLITS:
        raise bad(f"'split' is {str(row.get('split'))[:40]!r}, expected train, validation or test")
    for name in ("program_text", "program_hash"):
        if not isinstance(row.get(name), str):
            raise bad(f"'{name}' is missing")
    ids = row.get("program_ids")
    if not ids or len(ids) > MAX_PROGRAM_TOKENS \
            or any(i is None or not 0 <= i < len(VOCABULARY) for i in ids):
        raise bad(f"'program_ids' are not program tokens (0 to {len(VOCABULARY) - 1}, at most "
                  f"{MAX_PROGRAM_TOKENS})")
    names, shapes, blobs = row.get("weight_names"), row.get("weight_shapes"), row.get("weight_data")
    if not names or shapes is None or blobs is None or not len(names) == len(shapes) == len(blobs):
        raise bad("'weight_names', 'weight_shapes' and 'weight_data' are missing or of different lengths")
    total = 0
    for name, shape, blob in zip(names, shapes, blobs):
        if name is None or blob is None or shape is None or not 1 <= len(shape) <= 4 \
                or any(d is None or d < 0 for d in shape):
            raise bad(f"weight {str(name)[:80]!r} has no data or a bad shape {shape}")
        size = 4 * math.prod(shape)
        total += size
        if size != len(blob) or total > MAX_ROW_WEIGHT_BYTES:
            raise bad(f"weight {name[:80]!r}: {len(blob)} bytes of data for shape {shape} "
                      f"({size} bytes expected, at most {MAX_ROW_WEIGHT_BYTES:,} a row)")
    values = np.frombuffer(b"".join(blobs), dtype="<f4")
    if values.size and not (np.isfinite(values.min()) and np.isfinite(values.max())):  # NaN spreads to both
        name = next(name for name, blob in zip(names, blobs)
                    if not np.isfinite(np.frombuffer(blob, dtype="<f4")).all())
        raise bad(f"weight {name[:80]!r} holds NaN or infinite values")


def iter_rows(path: str | Path, batch_rows: int = 64) -> Iterator[dict]:
    """A shard's rows as dicts, each checked, streamed by record batch (memory bounded by a batch)."""
    parquet = open_shard(path)
    with reading(path):
        yield from checked_rows(parquet.iter_batches(batch_size=batch_rows), path)


def checked_rows(batches: Iterable[pa.RecordBatch], path: str | Path) -> Iterator[dict]:
    """The rows of record batches (of the shard at `path`, for the message), each checked."""
    number = 0
    for batch in batches:
        for row in batch.to_pylist():
            check_row(row, f"{path} row {number}")
            number += 1
            yield row


def check_shard(path: str | Path, rows: int | None = None) -> None:
    """Checks every row of a shard and, given the manifest's `rows`, their number: for writers that pass
    rows on without reading them as examples."""
    number = sum(1 for _ in iter_rows(path))
    if rows is not None and number != rows:
        raise DatasetError(f"{path}: holds {number} rows, the manifest lists {rows}; {REGENERATE}")


def weights_from_row(row: dict, compile_config: CompileConfig) -> ModelWeights:
    params = {name: np.frombuffer(data, dtype="<f4").reshape(shape)
              for name, shape, data in zip(row["weight_names"], row["weight_shapes"], row["weight_data"])}
    return ModelWeights(params=params, compile_config=compile_config,
                        num_heads=int(row["num_heads"]), key_size=int(row["key_size"]))


def example_from_row(row: dict, compile_config: CompileConfig, where: str | None = None) -> Example:
    """The row as an Example; with `where` (file and row, for the message) the row is checked first."""
    if where is not None:
        check_row(row, where)
    return Example(index=row["index"], split=row["split"], program_hash=row["program_hash"],
                   program_text=row["program_text"], program_ids=np.asarray(row["program_ids"], dtype=np.int64),
                   weights=weights_from_row(row, compile_config))


def iter_examples(data_dir: str | Path, split: str | None = None,
                  shards: list[Path] | None = None, batch_rows: int = 256) -> Iterator[Example]:
    """Rows of the dataset in shard order, optionally of one split, streamed by record batch and checked."""
    config = compile_config(data_dir)
    for path in shards if shards is not None else shard_files(data_dir):
        parquet = open_shard(path)
        number = 0
        with reading(path):
            for batch in parquet.iter_batches(batch_size=batch_rows):
                for row in batch.to_pylist():
                    number += 1
                    if split is not None and row["split"] != split and row["split"] in SPLITS:
                        continue
                    yield example_from_row(row, config, where=f"{path} row {number - 1}")


class ShardRows:
    """Chosen rows of several datasets' shards, addressed as (shard number, row number).

    Training shuffles these small references and reads only the rows it uses: a
    loader worker that builds every n-th batch then converts a 1/n share of the
    rows to Python, instead of every row.
    """

    def __init__(self, data_dirs: list[str | Path]):
        configs = {str(d): check_dataset(d) for d in data_dirs}
        if len(set(configs.values())) > 1:
            raise ValueError("datasets compiled with different settings cannot be mixed: "
                             + "; ".join(f"{d}: {c}" for d, c in configs.items()))
        self.compile_config = next(iter(configs.values()))
        self.shards = [path for d in data_dirs for path in shard_files(d)]
        self._splits: dict[int, list[str]] = {}

    def rows_of_split(self, shard: int, split: str) -> list[int]:
        if shard not in self._splits:
            splits = read_shard_columns(self.shards[shard], ["split"]).column("split").to_pylist()
            unknown = next((row for row, name in enumerate(splits) if name not in SPLITS), None)
            if unknown is not None:
                raise DatasetError(f"{self.shards[shard]} row {unknown}: 'split' is {splits[unknown]!r}, "
                                   f"expected one of {', '.join(SPLITS)}; {REGENERATE}")
            self._splits[shard] = splits
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
                    with reading(self.shards[shard]):
                        table = read_shard_columns(self.shards[shard]).take(rows)
                    loaded[shard] = dict(zip(rows, table.to_pylist()))
            yield [example_from_row(loaded[shard][row], self.compile_config,
                                    where=f"{self.shards[shard]} row {row}") for shard, row in refs]
            for shard in [shard for shard in loaded if last_use[shard] == number]:
                del loaded[shard]
