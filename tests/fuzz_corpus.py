"""A corpus of bad inputs for every `trade` command that reads a file, and a runner that checks each case.

The corpus is generated into a temporary directory from a small valid dataset, weights file,
checkpoint and program (nothing is committed as a blob). Each case runs one `trade` command in a
child forked from a runner that has already imported TraDe, so a case costs its own work and not
Python's start-up. A case passes when the command

- ends with exactly one line `trade: error: ...` on stderr, a non-zero status and no traceback
  (an "internal error" or "out of memory" line is a failure: the input reached code that did
  not check it);
- peaks under 1 GB of resident memory and finishes under 10 s;
- leaves nothing half-written: no file in its scratch directory created or changed (a good
  output file it could have clobbered is still there, byte for byte) and no temporary file.

    python tests/fuzz_corpus.py                       # every case (`make fuzz`)
    python tests/fuzz_corpus.py --sample 30 --seed 0  # a fixed sample (tests/test_fuzz.py)
    python tests/fuzz_corpus.py --list                # the case names
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RSS_LIMIT_BYTES = 1 << 30
PROGRESS = re.compile(r"\[\d\d:\d\d")  # a tqdm progress bar's elapsed time: not an error line
TIME_LIMIT_S = float(os.environ.get("TRADE_FUZZ_TIME_LIMIT", "10"))
REVERSE = """\
# reverse the input, as in Tracr's lib.make_reverse
all = Select(tokens, tokens, TRUE)
length = SelectorWidth(all)
opp = SequenceMap(x - y, length, indices)
opp1 = Map(x - 1, opp)
flip = Select(indices, opp1, EQ)
reverse = Aggregate(flip, tokens)
"""


@dataclasses.dataclass
class Case:
    """One bad input: `make(scratch)` writes it into an empty scratch directory and returns the argv."""

    name: str
    make: Callable[[Path], list[str]]
    may_create: tuple[str, ...] = ()  # file names a failing command may leave (a released lock)
    file_size_limit: int | None = None  # RLIMIT_FSIZE for the command: a disk that fills up
    hold_lock: str | None = None  # a directory whose generate lock a live process holds
    names: str | None = None  # text the error line must hold (the file it is about, the reason)

    @property
    def group(self) -> str:
        return self.name.split(":")[0]


@dataclasses.dataclass
class Outcome:
    name: str
    ok: bool
    status: int
    seconds: float
    cpu_seconds: float  # the child's user + system time: what the case costs on an idle machine
    peak_rss_mb: float
    stderr: str
    problems: list[str]


# ---------------------------------------------------------------- the valid inputs everything starts from


def build_base(base: Path, data: str | None = None) -> None:
    """A dataset (20 programs, 2 shards), a weights file, a tiny checkpoint and a program, in `base`."""
    base.mkdir(parents=True, exist_ok=True)
    (base / "prog.rasp").write_text(REVERSE)
    script = f"""
import dataclasses, shutil, sys
from pathlib import Path
base = Path({str(base)!r})
data = {data!r}
from trade.dataset.build import DatasetConfig, build_dataset
if data:
    shutil.copytree(data, base / "data", ignore=shutil.ignore_patterns(".lock", "stats.*"))
else:
    build_dataset(base / "data", DatasetConfig(n=20, seed=3, shard_size=10, validation_fraction=0.25,
                  test_fraction=0.25), progress=False)
from trade.cli import main
assert main(["compile", str(base / "prog.rasp"), "-o", str(base / "model.npz")]) == 0
from trade.checkpoint import save_checkpoint
from trade.model import Decompiler
from trade.train import TrainConfig
config = TrainConfig(data="", out="", preset="tiny")
save_checkpoint(base / "ckpt", Decompiler(config.dims()), tokenizer=config.tokenizer(),
                train_config=dataclasses.asdict(config))
"""
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


# ---------------------------------------------------------------- helpers that write bad inputs


def _copy(base: Path, scratch: Path, name: str) -> Path:
    source, target = base / name, scratch / name
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(".lock"))
    else:
        shutil.copy(source, target)
    return target


def _edit_manifest(edit: Callable[[dict], object]) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        manifest = json.loads((data / "manifest.json").read_text())
        edit(manifest)
        (data / "manifest.json").write_text(json.dumps(manifest))
    return apply


def _raw_manifest(content: bytes) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        (data / "manifest.json").write_bytes(content)
    return apply


def _set(path: list, value) -> Callable[[dict], None]:
    def edit(manifest: dict) -> None:
        target = manifest
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return edit


_DELETE = object()
SHARD = "shard-00000.parquet"

MANIFEST_MUTATIONS: dict[str, Callable[[Path], None]] = {
    "missing": lambda data: (data / "manifest.json").unlink(),
    "empty-file": _raw_manifest(b""),
    "bad-json": _raw_manifest(b'{"config": {'),
    "json-list": _raw_manifest(b"[]"),
    "json-null": _raw_manifest(b"null"),
    "json-number": _raw_manifest(b"42"),
    "json-string": _raw_manifest(b'"manifest"'),
    "empty-object": _raw_manifest(b"{}"),
    "binary-garbage": _raw_manifest(bytes(random.Random(1).randrange(256) for _ in range(3000))),
    "not-utf8": _raw_manifest(b'{"config": "\xff\xfe"}'),
    "deeply-nested": _raw_manifest(b"[" * 200_000 + b"]" * 200_000),
    "no-config": _edit_manifest(_set(["config"], _DELETE)),
    "no-shards": _edit_manifest(_set(["shards"], _DELETE)),
    "shards-object": _edit_manifest(_set(["shards"], {})),
    "shards-numbers": _edit_manifest(_set(["shards"], [1, 2])),
    "shard-without-file": _edit_manifest(lambda m: m["shards"][0].pop("file")),
    "shard-file-number": _edit_manifest(lambda m: m["shards"][0].update(file=123)),
    "shard-file-outside": _edit_manifest(lambda m: m["shards"][0].update(file="../../r.npz")),
    "shard-file-absolute": _edit_manifest(lambda m: m["shards"][0].update(file="/etc/passwd")),
    "shard-file-subdirectory": _edit_manifest(lambda m: m["shards"][0].update(file="sub/" + SHARD)),
    "shard-file-dotdot": _edit_manifest(lambda m: m["shards"][0].update(file="..")),
    "shard-file-missing": _edit_manifest(lambda m: m["shards"][0].update(file="shard-09999.parquet")),
    "shard-rows-text": _edit_manifest(lambda m: m["shards"][0].update(rows="ten")),
    "config-list": _edit_manifest(_set(["config"], [])),
    "no-sampler": _edit_manifest(_set(["config", "sampler"], _DELETE)),
    "no-compile": _edit_manifest(_set(["config", "sampler", "compile"], _DELETE)),
    "vocab-string": _edit_manifest(_set(["config", "sampler", "compile", "vocab"], "0123")),
    "vocab-nested": _edit_manifest(_set(["config", "sampler", "compile", "vocab"], [[1, 2], [3]])),
    "compile-unknown-key": _edit_manifest(_set(["config", "sampler", "compile", "speed"], 11)),
    "compile-max-len-text": _edit_manifest(_set(["config", "sampler", "compile", "max_seq_len"], "5")),
    "config-n-text": _edit_manifest(_set(["config", "n"], "many")),
    "config-fraction-nan": _edit_manifest(_set(["config", "validation_fraction"], float("nan"))),
    "vocab-100000": _edit_manifest(_set(["config", "sampler", "compile", "vocab"], list(range(100_000)))),
    "max-seq-len-billion": _edit_manifest(_set(["config", "sampler", "compile", "max_seq_len"], 10**9)),
    "bos-is-pad": _edit_manifest(_set(["config", "sampler", "compile", "compiler_pad"], "BOS")),
    "rejections-list": _edit_manifest(_set(["rejections"], [1])),
    "rejections-text-count": _edit_manifest(_set(["rejections"], {"validator": "many"})),
    "shard-listed-twice": _edit_manifest(lambda m: m["shards"].append(dict(m["shards"][0]))),
}


def _rewrite_shard(edit: Callable[[list[dict]], list[dict] | None], schema=None) -> Callable[[Path], None]:
    """Reads shard 0's rows, lets `edit` change them, writes them back with TraDe's schema (or `schema`)."""
    def apply(data: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from trade.dataset.read import SCHEMA

        path = data / SHARD
        rows = pq.read_table(path).to_pylist()
        rows = edit(rows) or rows
        table = pa.Table.from_pylist(rows, schema=schema or SCHEMA) if rows or schema \
            else SCHEMA.empty_table()
        pq.write_table(table, path)
    return apply


def _each_row(edit: Callable[[dict], None], rows: slice = slice(None)) -> Callable[[list[dict]], None]:
    def apply(all_rows: list[dict]) -> None:
        for row in all_rows[rows]:
            edit(row)
    return apply


def _nan_weights(row: dict) -> None:
    row["weight_data"] = [np.full(len(b) // 4, np.nan, dtype="<f4").tobytes() for b in row["weight_data"]]


def _inf_one_weight(row: dict) -> None:
    values = np.frombuffer(row["weight_data"][0], dtype="<f4").copy()
    values[0] = np.inf
    row["weight_data"][0] = values.tobytes()


def _bytes_edit(edit: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        path = data / SHARD
        path.write_bytes(edit(path.read_bytes()))
    return apply


def _flip_in_column(column: str) -> Callable[[Path], None]:
    """Flips a byte in the middle of a column's compressed pages.

    A flip elsewhere may change nothing that is read, which the Hypothesis test in tests/test_fuzz.py
    allows; here the data changes, so the command must fail.
    """
    def apply(data: Path) -> None:
        import pyarrow.parquet as pq

        path = data / SHARD
        chunk = pq.ParquetFile(path).metadata.row_group(0).column(
            pq.ParquetFile(path).schema_arrow.get_field_index(column))
        index = (chunk.dictionary_page_offset or chunk.data_page_offset) + chunk.total_compressed_size // 2
        content = path.read_bytes()
        path.write_bytes(content[:index] + bytes([content[index] ^ 0x5A]) + content[index + 1:])
    return apply


def _sparse_huge(data: Path) -> None:
    with open(data / SHARD, "r+b") as handle:
        handle.truncate(5 << 30)  # 5 GB of holes: no Parquet footer at the end


def _other_schema(data: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    pq.write_table(pa.table({"a": [1, 2], "b": ["x", "y"]}), data / SHARD)


def _wrong_column_type(data: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    table = pq.read_table(data / SHARD)
    index = table.schema.get_field_index("program_ids")
    ids = pa.array([[str(i) for i in row] for row in table.column("program_ids").to_pylist()])
    pq.write_table(table.set_column(index, "program_ids", ids), data / SHARD)


def _empty_shards(data: Path) -> None:
    import pyarrow.parquet as pq

    from trade.dataset.read import SCHEMA
    for path in data.glob("shard-*.parquet"):
        pq.write_table(SCHEMA.empty_table(), path)


def _all_nan(data: Path) -> None:
    for shard in sorted(data.glob("shard-*.parquet")):
        import pyarrow as pa
        import pyarrow.parquet as pq

        from trade.dataset.read import SCHEMA
        rows = pq.read_table(shard).to_pylist()
        for row in rows:
            _nan_weights(row)
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), shard)


SHARD_MUTATIONS: dict[str, Callable[[Path], None]] = {
    "empty-file": _bytes_edit(lambda content: b""),
    "truncated-half": _bytes_edit(lambda content: content[:len(content) // 2]),
    "truncated-footer": _bytes_edit(lambda content: content[:-100]),
    "truncated-8-bytes": _bytes_edit(lambda content: content[:-8]),
    "random-bytes": _bytes_edit(lambda content: random.Random(2).randbytes(len(content))),
    "flipped-byte-in-weights": _flip_in_column("weight_data"),
    "flipped-byte-in-program-ids": _flip_in_column("program_ids"),
    "flipped-byte-in-program-text": _flip_in_column("program_text"),
    "directory": lambda data: ((data / SHARD).unlink(), (data / SHARD).mkdir()),
    "deleted": lambda data: (data / SHARD).unlink(),
    "sparse-5GB": _sparse_huge,
    "other-schema": _other_schema,
    "wrong-column-type": _wrong_column_type,
    "blob-too-short": _rewrite_shard(_each_row(
        lambda r: r["weight_data"].__setitem__(0, r["weight_data"][0][:-4]))),
    "shape-mismatch": _rewrite_shard(_each_row(lambda r: r["weight_shapes"][0].__setitem__(0, 3))),
    "shape-negative": _rewrite_shard(_each_row(lambda r: r["weight_shapes"][0].__setitem__(0, -1))),
    "shape-huge": _rewrite_shard(_each_row(lambda r: r["weight_shapes"].__setitem__(0, [2**30, 2**30]))),
    "nan-weights": _rewrite_shard(_each_row(_nan_weights)),
    "one-inf-value-per-row": _rewrite_shard(_each_row(_inf_one_weight)),
    "program-ids-out-of-range": _rewrite_shard(_each_row(lambda r: r["program_ids"].__setitem__(1, 9999))),
    "program-ids-negative": _rewrite_shard(_each_row(lambda r: r["program_ids"].__setitem__(1, -3))),
    "program-ids-empty": _rewrite_shard(_each_row(lambda r: r.__setitem__("program_ids", []))),
    "num-heads-null": _rewrite_shard(_each_row(lambda r: r.__setitem__("num_heads", None))),
    "split-unknown": _rewrite_shard(_each_row(lambda r: r.__setitem__("split", "bogus"))),
    "names-shorter": _rewrite_shard(_each_row(lambda r: r["weight_names"].pop())),
    "blob-null": _rewrite_shard(_each_row(lambda r: r["weight_data"].__setitem__(0, None))),
    "all-shards-empty": _empty_shards,
    "all-weights-nan": _all_nan,
}


def _dataset_case(kind: str, name: str, mutate: Callable[[Path], None], command: str) -> Case:
    def make(scratch: Path) -> list[str]:
        data = _copy(BASE, scratch, "data")
        (scratch / "r.npz").write_bytes(b"outside the dataset")
        mutate(data)
        if command == "train":
            return ["train", "--data", str(data), "--out", str(scratch / "run"), "--preset", "tiny",
                    "--steps", "2", "--batch-size", "2", "--eval-every", "1", "--no-progress",
                    "--val-examples", "4"]
        if command == "evaluate":
            return ["evaluate", "--data", str(data), "--split", "train", "--n", "30", "--checkpoint",
                    str(BASE / "ckpt"), "--modes", "teacher_forced", "--out", str(scratch / "report")]
        if command == "dataset-stats":
            return ["dataset-stats", str(data), "--functional-sample", "5", "--token-sample", "5"]
        return ["pack", str(data), str(scratch / "pack")]
    return Case(f"{kind}:{name}:{command}", make)


# ---------------------------------------------------------------- weights files (read by load_weights)


def _npz(arrays: dict, compress: bool = False) -> Callable[[Path], bytes]:
    def make(path: Path) -> None:
        (np.savez_compressed if compress else np.savez)(path, **arrays)
    return make


def _weights_from_base(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with np.load(BASE / "model.npz", allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        edit(arrays)
        np.savez(path, **arrays)
    return make


def _huge_header(path: Path) -> None:
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000,), }"
    header += b" " * (118 - len(header)) + b"\n"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("transformer/layer_0/attn/query/w.npy",
                         b"\x93NUMPY\x01\x00" + bytes([118, 0]) + header)


def _zero_bomb(gigabytes: float) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        length = int(gigabytes * 2**28)
        header = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({length},), }}".encode()
        header += b" " * (118 - len(header)) + b"\n"
        chunk = bytes(64 << 20)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            with archive.open("transformer/layer_0/attn/query/w.npy", "w", force_zip64=True) as member:
                member.write(b"\x93NUMPY\x01\x00" + bytes([118, 0]) + header)
                for _ in range(int(gigabytes * 16)):
                    member.write(chunk)
    return make


def _config_edit(edit: Callable[[dict], None]) -> Callable[[dict], None]:
    def apply(arrays: dict) -> None:
        info = json.loads(str(arrays["trade/config"]))
        edit(info)
        arrays["trade/config"] = np.array(json.dumps(info))
    return apply


def _compile_setting(name: str, value) -> Callable[[Path], None]:
    return _weights_from_base(_config_edit(lambda info: info["compile"].__setitem__(name, value)))


WEIGHTS_MUTATIONS: dict[str, Callable[[Path], None]] = {
    "text-file": lambda path: path.write_text("not weights"),
    "empty-file": lambda path: path.write_bytes(b""),
    "truncated": lambda path: path.write_bytes((BASE / "model.npz").read_bytes()[:5000]),
    "empty-zip": lambda path: zipfile.ZipFile(path, "w").close(),
    "object-array": lambda path: np.savez(path, x=np.array([{}], dtype=object)),
    "no-config": _weights_from_base(lambda arrays: arrays.pop("trade/config")),
    "config-bad-json": _weights_from_base(lambda a: a.__setitem__("trade/config", np.array("{"))),
    "nan-weights": _weights_from_base(
        lambda a: [v.fill(float("nan")) for k, v in a.items() if k != "trade/config"]),
    "huge-header": _huge_header,
    "zero-bomb-2GB": _zero_bomb(2),
    "layer-99999999": _weights_from_base(lambda a: a.__setitem__(
        "transformer/layer_99999999/attn/query/w", np.zeros((2, 2), dtype="f4"))),
    "vocab-string": _compile_setting("vocab", "abc"),
    "vocab-nested": _compile_setting("vocab", [[1], [2]]),
    "vocab-duplicates": _compile_setting("vocab", [1, 1, 2]),
    "bos-is-pad": _compile_setting("compiler_pad", "BOS"),
    "max-seq-len-text": _compile_setting("max_seq_len", "5"),
    "output-values-length": _weights_from_base(_config_edit(
        lambda info: info.__setitem__("output_values", [1]))),
    "vocab-million": _compile_setting("vocab", list(range(10**6))),
}


def _weights_case(name: str, make_file: Callable[[Path], None], command: str) -> Case:
    def make(scratch: Path) -> list[str]:
        path = scratch / "model.npz"
        make_file(path)
        if command == "decompile":
            return ["decompile", str(path), "--checkpoint", str(BASE / "ckpt"), "--no-repair"]
        return ["transform", str(path), "-o", str(scratch / "out.npz"), "--rotate"]
    return Case(f"weights:{name}:{command}", make, names="model.npz")


# ---------------------------------------------------------------- program text


PROGRAMS: dict[str, bytes] = {
    "empty": b"",
    "syntax": b"x = Map(x + 1, tokens\n",
    "unknown-function": b"x = Frobnicate(tokens)\n",
    "undefined-variable": b"x = Map(x + 1, nowhere)\n",
    "type-error": b"s = Select(tokens, tokens, EQ)\nx = Map(x + 1, s)\n",
    "redefined": b"x = Map(x + 1, tokens)\nx = Map(x + 1, tokens)\n",
    "binary": bytes(random.Random(3).randrange(256) for _ in range(500)),
    "not-utf8": b"x = Map(x + 1, tokens) # \xff\xfe\n",
    "deep-nesting": b"x = " + b"numerical(" * 100_000 + b"Map(x + 1, tokens)" + b")" * 100_000 + b"\n",
    "long-garbage-line": b"x = Map(x + 1, tokens" + b"+" * 5_000_000 + b")\n",
    "bad-compile-header": b"# compile: {\"vocab\": 5}\n" + REVERSE.encode(),
    "unknown-lambda": b"x = Map(x ** 99, tokens)\n",
}


def _program_case(name: str, source: bytes, command: str) -> Case:
    def make(scratch: Path) -> list[str]:
        folder = scratch / "programs"
        folder.mkdir()
        path = folder / "bad.rasp"
        path.write_bytes(source)
        if command == "compile":
            return ["compile", str(path), "-o", str(scratch / "out.npz")]
        if command == "decompile":
            return ["decompile", "--program", str(path), "--checkpoint", str(BASE / "ckpt"), "--no-repair"]
        return ["evaluate", "--programs", str(folder), "--checkpoint", str(BASE / "ckpt"),
                "--modes", "teacher_forced", "--out", str(scratch / "report")]
    return Case(f"program:{name}:{command}", make)


# ---------------------------------------------------------------- writers and other commands


def _good_output(scratch: Path, name: str) -> Path:
    """A good file at the output path, which a failed write must leave as it is."""
    shutil.copy(BASE / "model.npz", scratch / name)
    return scratch / name


def _command(name: str, argv: str, setup: Callable[[Path], object] | None = None, **options) -> Case:
    """A case from a command line whose `{s}` is the scratch directory and `{base}` the valid inputs."""
    def make(scratch: Path) -> list[str]:
        if setup is not None:
            setup(scratch)
        return [part.format(s=scratch, base=BASE) for part in argv.split()]
    return Case(name, make, **options)


def _mkdir(*parts: str) -> Callable[[Path], None]:
    return lambda scratch: scratch.joinpath(*parts).mkdir(parents=True)


def _write(name: str, content: str) -> Callable[[Path], None]:
    return lambda scratch: (scratch / name).parent.mkdir(parents=True, exist_ok=True) or \
        (scratch / name).write_text(content)


def _copy_base(name: str, then: Callable[[Path], None] | None = None) -> Callable[[Path], None]:
    return lambda scratch: (then or (lambda path: None))(_copy(BASE, scratch, name))


def _good_export(scratch: Path) -> None:
    _copy(BASE, scratch, "ckpt")
    shutil.copytree(BASE / "ckpt", scratch / "exported")


def _pack_pointing_outside(scratch: Path) -> None:
    manifest = json.loads((BASE / "data" / "manifest.json").read_text())
    manifest["shards"][0]["file"] = "../../x.parquet"
    _write("p/pack.json", json.dumps({"format": "trade-pack-1", "manifest": manifest}))(scratch)

EVALUATE_PROGRAMS = "evaluate --programs {s}/p --checkpoint {base}/ckpt --out {s}/r"
TRAIN_ONE_STEP = "--preset tiny --steps 1 --no-progress"

CHECKPOINT_EDITS: dict[str, Callable[[Path], None]] = {
    "missing-info": lambda c: (c / "checkpoint.json").unlink(),
    "bad-json-info": lambda c: (c / "checkpoint.json").write_text("{"),
    "info-list": lambda c: (c / "checkpoint.json").write_text("[]"),
    "missing-model": lambda c: (c / "model.safetensors").unlink(),
    "truncated-model": lambda c: (c / "model.safetensors").write_bytes(
        (c / "model.safetensors").read_bytes()[:300]),
    "garbage-model": lambda c: (c / "model.safetensors").write_bytes(random.Random(4).randbytes(4000)),
    "huge-header-model": lambda c: (c / "model.safetensors").write_bytes(
        (10**15).to_bytes(8, "little") + b"{}"),
    "dims-wrong": lambda c: (c / "checkpoint.json").write_text(json.dumps(
        {**json.loads((c / "checkpoint.json").read_text()), "dims": {"d_model": "big"}})),
}


def _other_cases() -> list[Case]:
    compile_ = "compile {base}/prog.rasp -o {s}/o.npz"
    cases = [
        _command("compile:missing-output-directory", "compile {base}/prog.rasp -o {s}/no/o.npz"),
        _command("compile:output-is-directory", compile_, _mkdir("o.npz")),
        _command("compile:missing-program", "compile {s}/none.rasp -o {s}/o.npz"),
        _command("compile:program-is-directory", "compile {s}/p.rasp -o {s}/o.npz", _mkdir("p.rasp")),
        Case("compile:vocab-empty", lambda s: ["compile", str(BASE / "prog.rasp"), "-o", str(s / "o.npz"),
                                               "--vocab", ""]),
        _command("compile:vocab-repeats", compile_ + " --vocab 1,1"),
        _command("compile:max-seq-len-zero", compile_ + " --max-seq-len 0"),
        _command("compile:max-seq-len-negative", compile_ + " --max-seq-len -4"),
    ]
    for limit in (0, 1000, 30_000):
        cases.append(_command(f"compile:disk-full-at-{limit}-bytes-over-a-good-file", compile_,
                              lambda s: _good_output(s, "o.npz"), file_size_limit=limit))
        cases.append(_command(f"export:disk-full-at-{limit}-bytes-over-a-good-export",
                              "export {s}/ckpt {s}/exported --half", _good_export, file_size_limit=limit))
    for name, edit in CHECKPOINT_EDITS.items():
        cases.append(_command(f"checkpoint:{name}:export", "export {s}/ckpt {s}/exported",
                              _copy_base("ckpt", edit)))
        cases.append(_command(f"checkpoint:{name}:decompile",
                              "decompile {base}/model.npz --checkpoint {s}/ckpt --no-repair",
                              _copy_base("ckpt", edit)))
    cases += [
        _command("export:destination-is-file", "export {base}/ckpt {s}/f", _write("f", "x")),
        _command("export:destination-parent-missing", "export {base}/ckpt {s}/a/b"),
        _command("export:source-missing", "export {s}/none {s}/out"),
        _command("train:out-is-file", "train --data {base}/data --out {s}/run " + TRAIN_ONE_STEP,
                 _write("run", "x")),
        _command("train:data-missing", "train --data {s}/none --out {s}/run " + TRAIN_ONE_STEP),
        _command("train:too-few-rows-for-a-batch",
                 "train --data {s}/data --out {s}/run --batch-size 1000 " + TRAIN_ONE_STEP,
                 _copy_base("data")),
        _command("train:locked-by-a-live-run", "train --data {base}/data --out {s}/run " + TRAIN_ONE_STEP,
                 _mkdir("run"), hold_lock="run", names="another `trade train` is writing here"),
        _command("evaluate:programs-dir-missing", EVALUATE_PROGRAMS),
        _command("evaluate:programs-dir-empty", EVALUATE_PROGRAMS, _mkdir("p")),
        _command("evaluate:directory-named-bad.rasp", EVALUATE_PROGRAMS, _mkdir("p", "bad.rasp")),
        _command("evaluate:split-unknown", "evaluate --data {s}/data --split nope --checkpoint {base}/ckpt "
                 "--modes teacher_forced --out {s}/r", _copy_base("data")),
        _command("generate:out-is-file", "generate --n 2 --out {s}/d", _write("d", "x")),
        _command("generate:n-zero", "generate --n 0 --out {s}/d"),
        _command("generate:shard-size-negative", "generate --n 4 --shard-size -1 --out {s}/d"),
        _command("generate:workers-zero", "generate --n 4 --workers 0 --out {s}/d"),
        _command("generate:vocab-strings", "generate --n 2 --out {s}/d --vocab a,b",
                 names="lambdas are numeric"),
        _command("generate:vocab-partly-strings", "generate --n 2 --out {s}/d --vocab 0,1,b",
                 names="lambdas are numeric"),
        _command("generate:other-settings", "generate --n 3 --seed 9 --out {s}/data", _copy_base("data"),
                 may_create=(".lock",)),
        _command("generate:corrupt-manifest-on-resume", "generate --n 20 --seed 3 --out {s}/data",
                 _copy_base("data", _raw_manifest(b"{")), may_create=(".lock",)),
        _command("generate:locked-by-a-live-run", "generate --n 20 --seed 3 --shard-size 10 --out {s}/data",
                 _copy_base("data"), hold_lock="data"),
        _command("dataset-stats:functional-sample-zero", "dataset-stats {s}/data --functional-sample 0",
                 _copy_base("data")),
        _command("dataset-stats:token-sample-negative", "dataset-stats {s}/data --token-sample -1",
                 _copy_base("data")),
        _command("pack:shard-rows-differ-from-manifest", "pack {s}/data {s}/pack",
                 _copy_base("data", _edit_manifest(lambda m: m["shards"][1].update(rows=7)))),
        _command("unpack:no-pack-json", "unpack {s}/p {s}/o", _mkdir("p")),
        _command("unpack:pack-json-list", "unpack {s}/p {s}/o", _write("p/pack.json", "[]")),
        _command("unpack:manifest-outside", "unpack {s}/p {s}/o", _pack_pointing_outside),
    ]
    return cases


def corpus() -> list[Case]:
    """Every case, in a fixed order."""
    cases = []
    for name, mutate in MANIFEST_MUTATIONS.items():
        for command in ("train", "evaluate", "dataset-stats", "pack"):
            cases.append(_dataset_case("manifest", name, mutate, command))
    for name, mutate in SHARD_MUTATIONS.items():
        for command in ("train", "evaluate", "dataset-stats", "pack"):
            cases.append(_dataset_case("shard", name, mutate, command))
    for name, make_file in WEIGHTS_MUTATIONS.items():
        for command in ("decompile", "transform"):
            if name == "no-config" and command == "decompile":
                continue  # a plain parameter file, which `trade decompile` reads (trade.model_inputs)
            cases.append(_weights_case(name, make_file, command))
    for name, source in PROGRAMS.items():
        for command in ("compile", "decompile", "evaluate"):
            cases.append(_program_case(name, source, command))
    return cases + _other_cases()


BASE = Path()  # set by `run_corpus`


# ---------------------------------------------------------------- running a case


def _snapshot(directory: Path) -> dict[str, str]:
    state = {}
    for path in sorted(directory.rglob("*")):
        relative = str(path.relative_to(directory))
        if path.is_symlink() or not path.is_file():
            state[relative] = "dir" if path.is_dir() else "other"
        elif path.stat().st_size > 64 << 20:
            state[relative] = f"size {path.stat().st_size} mtime {path.stat().st_mtime_ns}"
        else:
            state[relative] = hashlib.sha1(path.read_bytes()).hexdigest()
    return state


def _hold_lock(directory: Path) -> int:
    import fcntl
    handle = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    record = {"pid": os.getpid(), "host": "fuzz-runner", "started": "now"}
    os.ftruncate(handle, 0)
    os.pwrite(handle, json.dumps(record).encode(), 0)
    return handle


def _peak_rss_watch(pid: int, peak: list[int], done: threading.Event) -> None:
    """Kills the child past 1.5x the memory limit (so a memory bomb cannot take the machine down)."""
    while not done.wait(0.02):
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) * 1024
                        peak[0] = max(peak[0], rss)
                        if rss > 1.5 * RSS_LIMIT_BYTES:
                            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            return


def run_case(case: Case, scratch: Path) -> Outcome:
    """Runs one case in a forked child (see the module docstring for what passing means)."""
    from trade import cli

    scratch.mkdir(parents=True)
    argv = case.make(scratch)
    lock_handle = _hold_lock(scratch / case.hold_lock) if case.hold_lock else None
    before = _snapshot(scratch)
    # A pipe, not a file: a file-size limit (a full disk) must not stop the error message.
    read_end, write_end = os.pipe()
    began = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: run the command as `trade ARGV` would
        status = 1
        try:
            os.close(read_end)
            os.dup2(write_end, 2)
            with open(os.devnull, "w") as out:
                os.dup2(out.fileno(), 1)
            sys.stdout, sys.stderr = open(1, "w", closefd=False), open(2, "w", closefd=False)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            if case.file_size_limit is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (case.file_size_limit, case.file_size_limit))
            os.chdir(scratch)
            status = cli.main(argv)
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException:  # noqa: BLE001 - reported as a traceback, which fails the case
            import traceback
            traceback.print_exc()
            status = 99
        finally:
            sys.stderr.flush()
            sys.stdout.flush()
            os._exit(status)
    os.close(write_end)
    chunks: list[bytes] = []

    def drain() -> None:
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    peak, done = [0], threading.Event()
    watcher = threading.Thread(target=_peak_rss_watch, args=(pid, peak, done), daemon=True)
    watcher.start()
    timer = threading.Timer(3 * TIME_LIMIT_S, lambda: os.kill(pid, signal.SIGKILL))
    timer.start()
    _, wait_status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - began
    timer.cancel()
    done.set()
    if lock_handle is not None:
        os.close(lock_handle)
    status = os.waitstatus_to_exitcode(wait_status)
    peak_rss = max(peak[0], usage.ru_maxrss * 1024)
    reader.join(timeout=5)
    os.close(read_end)
    stderr = b"".join(chunks).decode(errors="replace")
    after = _snapshot(scratch)
    problems = []
    segments = re.split(r"[\r\n]|(?=trade: error: )", stderr)  # an error may follow an unfinished bar
    lines = [line for line in segments if line.strip() and not PROGRESS.search(line)
             and not line.startswith("trade: taking over")]
    if status == 0:
        problems.append("exit status 0 (a wrong success)")
    elif status < 0:
        problems.append(f"killed by signal {-status}")
    if "Traceback" in stderr:
        problems.append("traceback")
    if len(lines) != 1 or not lines[0].startswith("trade: error: "):
        problems.append(f"{len(lines)} stderr lines, not one 'trade: error:' line")
    elif "internal error" in lines[0] or "out of memory" in lines[0]:
        problems.append("unchecked input reached the code (internal error / out of memory)")
    elif case.names is not None and case.names not in lines[0]:
        problems.append(f"the error does not say {case.names!r}")
    if peak_rss >= RSS_LIMIT_BYTES:
        problems.append(f"peak RSS {peak_rss / 2**20:.0f} MB")
    if seconds >= TIME_LIMIT_S:
        problems.append(f"{seconds:.1f} s")
    changed = sorted(name for name in set(before) | set(after)
                     if before.get(name) != after.get(name) and Path(name).name not in case.may_create)
    if changed:
        problems.append(f"files created or changed: {', '.join(changed[:4])}")
    cpu_seconds = usage.ru_utime + usage.ru_stime
    return Outcome(case.name, not problems, status, seconds, cpu_seconds, peak_rss / 2**20,
                   lines[-1][:200] if lines else stderr[-200:], problems)


def run_corpus(cases: list[Case], base: Path, work: Path, verbose: bool = True) -> list[Outcome]:
    global BASE
    BASE = base
    from trade import cli
    cli.build_parser()  # imports everything the parser needs once, before the children fork
    outcomes = []
    for number, case in enumerate(cases):
        outcome = run_case(case, work / f"case-{number:03d}")
        shutil.rmtree(work / f"case-{number:03d}", ignore_errors=True)
        outcomes.append(outcome)
        if verbose:
            mark = "ok  " if outcome.ok else "FAIL"
            print(f"{mark} {outcome.seconds:5.1f} s ({outcome.cpu_seconds:4.1f} s CPU) "
                  f"{outcome.peak_rss_mb:6.0f} MB  {case.name}: "
                  f"{'; '.join(outcome.problems) + ' | ' if outcome.problems else ''}{outcome.stderr}",
                  flush=True)
    return outcomes


def choose(cases: list[Case], sample: int | None, seed: int) -> list[Case]:
    """All cases, or a fixed sample of them (the same for the same seed) spread over the groups."""
    if sample is None or sample >= len(cases):
        return cases
    rng = random.Random(seed)
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.group, []).append(case)
    chosen = [rng.choice(members) for members in groups.values()]
    rest = [case for case in cases if case not in chosen]
    chosen += rng.sample(rest, max(0, sample - len(chosen)))
    return [case for case in cases if case in chosen]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=None, help="run this many cases (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default=None, help="run the cases whose names contain this text")
    parser.add_argument("--data", default=None,
                        help="a small valid dataset to start from (default: generate one)")
    parser.add_argument("--list", action="store_true", help="print the case names and stop")
    parser.add_argument("--rerun-failed", default=None, metavar="JSON",
                        help="run only the cases that failed in this earlier --json output")
    parser.add_argument("--json", default=None, help="write the outcomes here as JSON")
    args = parser.parse_args(argv)
    global BASE
    with tempfile.TemporaryDirectory(prefix="trade-fuzz-") as temporary:
        base, work = Path(temporary) / "base", Path(temporary) / "work"
        BASE = base  # the cases name files in it
        cases = choose(corpus(), args.sample, args.seed)
        if args.only:
            cases = [case for case in cases if args.only in case.name]
        if args.rerun_failed:
            failed = {o["name"] for o in json.loads(Path(args.rerun_failed).read_text()) if not o["ok"]}
            cases = [case for case in cases if case.name in failed]
        if args.list:
            print("\n".join(case.name for case in cases))
            return 0
        build_base(base, args.data)
        work.mkdir()
        began = time.perf_counter()
        outcomes = run_corpus(cases, base, work)
        elapsed = time.perf_counter() - began
    failed = [o for o in outcomes if not o.ok]
    print(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} cases pass in {elapsed:.0f} s; "
          f"slowest {max(o.seconds for o in outcomes):.1f} s "
          f"({max(o.cpu_seconds for o in outcomes):.1f} s CPU at most), largest peak RSS "
          f"{max(o.peak_rss_mb for o in outcomes):.0f} MB")
    for outcome in failed:
        print(f"  FAIL {outcome.name}: {'; '.join(outcome.problems)} | {outcome.stderr}")
    if args.json:
        Path(args.json).write_text(json.dumps([dataclasses.asdict(o) for o in outcomes], indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
