"""Packing a dataset for transfer to another machine: about 5x smaller, restored bit for bit.

Compiled weights are about 98% zeros, so each shard's weights, concatenated in row
order, travel as the gaps between their non-zero words (uint32) and those words
(the float32 bit patterns), both xz-compressed; the matrix shapes kept with the
other columns say where each matrix begins. The program text and hash, which the
token ids determine, are left out and recomputed when unpacking. Everything else
(the remaining columns, the shard summaries, the manifest) is kept as it was.
"""

from __future__ import annotations

import json
import lzma
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from trade.atomic import atomic_path, write_bytes
from trade.dataset.read import (MANIFEST, REGENERATE, SCHEMA, DatasetError, check_manifest, check_shard,
                                checked_rows, load_manifest, open_shard, read_shard_columns)

PACK_FORMAT = "trade-pack-1"
RECOMPUTED = ("program_text", "program_hash")
XZ_PRESET = 9 | lzma.PRESET_EXTREME  # the arrays are small once the zeros are gone


class PackError(ValueError):
    """A packed dataset that is incomplete or inconsistent."""


def _parts(directory: Path, shard_file: str) -> tuple[Path, Path, Path]:
    stem = Path(shard_file).stem
    return directory / f"{stem}.rows.parquet", directory / f"{stem}.gaps.xz", directory / f"{stem}.words.xz"


def pack_shard(shard: Path, out_dir: Path) -> None:
    table = read_shard_columns(shard)
    rows_path, gaps_path, words_path = _parts(out_dir, shard.name)
    words = np.frombuffer(b"".join(blob for row in table.column("weight_data").to_pylist() for blob in row),
                          dtype="<u4")
    positions = np.flatnonzero(words)  # non-zero bit patterns, so -0.0 travels too
    gaps = np.diff(positions, prepend=0).astype("<u4")
    write_bytes(gaps_path, lzma.compress(gaps.tobytes(), preset=XZ_PRESET))
    write_bytes(words_path, lzma.compress(words[positions].tobytes(), preset=XZ_PRESET))
    rest = table.drop_columns(["weight_data", *RECOMPUTED])
    with atomic_path(rows_path) as temporary:  # written last: its presence marks the shard done
        pq.write_table(rest, temporary, compression="zstd", compression_level=19)


MAX_SHARD_WEIGHT_BYTES = 8 << 30


def _bounded_xz(path: Path, limit: int) -> bytes:
    """An xz file's content, refused once it grows past `limit` bytes (no decompression bomb)."""
    decompressor = lzma.LZMADecompressor()
    data = decompressor.decompress(path.read_bytes(), max_length=limit + 1)
    if len(data) > limit or not decompressor.eof:
        raise PackError(f"{path}: decompresses to more than the {limit:,} bytes its shapes allow")
    return data


def unpack_shard(pack_dir: Path, shard_file: str, out_dir: Path) -> None:
    from trade.program.program import ProgramError
    from trade.program.text import program_to_text
    from trade.program.tokens import ids_to_program

    rows_path, gaps_path, words_path = _parts(pack_dir, shard_file)
    try:
        rest = pq.read_table(rows_path)
        shapes = rest.column("weight_shapes").to_pylist()
        sizes = [int(np.prod(shape)) for row in shapes for shape in row]
        if any(size < 0 for size in sizes) or 4 * sum(sizes) > MAX_SHARD_WEIGHT_BYTES:
            raise PackError(f"{pack_dir}: {shard_file}: matrix shapes beyond "
                            f"{MAX_SHARD_WEIGHT_BYTES:,} bytes")
        gaps = np.frombuffer(_bounded_xz(gaps_path, 4 * sum(sizes)), dtype="<u4")
        nonzero = np.frombuffer(_bounded_xz(words_path, 4 * sum(sizes)), dtype="<u4")
    except (OSError, lzma.LZMAError, pa.ArrowException, KeyError, TypeError, ValueError) as error:
        if isinstance(error, PackError):
            raise
        message = str(error).splitlines()[0] if str(error) else repr(error)
        raise PackError(f"{pack_dir}: {shard_file}: {message}") from None
    if gaps.size != nonzero.size or (gaps.size and int(gaps.astype(np.int64).sum()) >= sum(sizes)):
        raise PackError(f"{pack_dir}: {shard_file}: the weights do not match the matrix shapes")
    words = np.zeros(sum(sizes), dtype="<u4")
    words[np.cumsum(gaps, dtype=np.int64)] = nonzero
    ends = np.cumsum(sizes)
    blobs = [words[end - size:end].tobytes() for size, end in zip(sizes, ends)]
    weight_data, start = [], 0
    for row in shapes:
        weight_data.append(blobs[start:start + len(row)])
        start += len(row)
    programs = []
    for ids in rest.column("program_ids").to_pylist():
        try:
            programs.append(ids_to_program(ids))
        except ProgramError as error:
            raise PackError(f"{pack_dir}: {shard_file}: {error}") from error
    columns = {name: rest.column(name) for name in rest.column_names}
    columns["weight_data"] = pa.array(weight_data, type=SCHEMA.field("weight_data").type)
    columns["program_text"] = pa.array([program_to_text(p) for p in programs], type=pa.string())
    columns["program_hash"] = pa.array([p.fingerprint() for p in programs], type=pa.string())
    table = pa.table({field.name: columns[field.name] for field in SCHEMA}, schema=SCHEMA)
    table = table.replace_schema_metadata(rest.schema.metadata)
    final = out_dir / shard_file
    try:
        for _ in checked_rows(table.to_batches(max_chunksize=64), pack_dir / shard_file):
            pass
    except DatasetError as error:
        raise PackError(str(error).replace(REGENERATE, "pack the dataset again")) from None
    with atomic_path(final) as temporary:
        pq.write_table(table, temporary, compression="zstd", write_page_checksum=True)


def _run(function, jobs: list[tuple], workers: int, progress: bool, what: str) -> None:
    bar = tqdm(total=len(jobs), unit="shard", desc=what, disable=not progress)
    if workers <= 1:
        for job in jobs:
            function(*job)
            bar.update(1)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(function, *zip(*jobs)):
                bar.update(1)
    bar.close()


def pack_dataset(data_dir: str | Path, out_dir: str | Path, workers: int = 1, progress: bool = True) -> dict:
    """Packs a complete dataset into `out_dir`; rerunning resumes. Returns the pack's manifest."""
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    manifest = load_manifest(data_dir)
    if not manifest.get("complete"):
        raise PackError(f"{data_dir}: the dataset is not complete; finish `trade generate` first")
    for shard in manifest["shards"]:
        open_shard(data_dir / shard["file"])
    todo = [(data_dir / shard["file"], out_dir) for shard in manifest["shards"]
            if not _parts(out_dir, shard["file"])[0].exists()]
    rows = {shard["file"]: shard["rows"] for shard in manifest["shards"]}
    for path, _ in todo:  # every row to pack checked before anything is written (xz costs far more)
        check_shard(path, rows[path.name])
    out_dir.mkdir(parents=True, exist_ok=True)
    _run(pack_shard, todo, workers, progress, "packing")
    packed = {"format": PACK_FORMAT, "manifest": manifest}
    write_bytes(out_dir / "pack.json", json.dumps(packed, indent=1).encode())
    return packed


def unpack_dataset(pack_dir: str | Path, out_dir: str | Path, workers: int = 1, progress: bool = True) -> Path:
    """Restores a packed dataset into `out_dir` (a `trade generate` dataset again)."""
    pack_dir, out_dir = Path(pack_dir), Path(out_dir)
    try:
        packed = json.loads((pack_dir / "pack.json").read_text())
    except (OSError, ValueError) as error:
        raise PackError(f"{pack_dir}: no readable pack.json; not a packed dataset ({error})") from error
    if not isinstance(packed, dict) or packed.get("format") != PACK_FORMAT:
        found = packed.get("format") if isinstance(packed, dict) else None
        raise PackError(f"{pack_dir}: format {found!r}, expected {PACK_FORMAT!r}")
    try:
        manifest = check_manifest(packed.get("manifest"), pack_dir / "pack.json")
    except DatasetError as error:
        raise PackError(str(error)) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(pack_dir, shard["file"], out_dir) for shard in manifest["shards"]]
    _run(unpack_shard, jobs, workers, progress, "unpacking")
    write_bytes(out_dir / MANIFEST, json.dumps(manifest, indent=1).encode())
    return out_dir
