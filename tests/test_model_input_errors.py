"""Malformed model inputs given to `trade decompile`: each must end in one `trade: error:` line naming the
problem, a non-zero exit and no traceback, within a memory limit (RLIMIT_AS) and a time limit, and most
before torch, JAX or Tracr load. The files are made here, none committed."""

from __future__ import annotations

import io
import json
import os
import pickle
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from trade.model_inputs import plain_arrays, write_safetensors
from trade.weights import CONFIG_KEY, load_weights

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 2 * 2**30  # address space: Python, NumPy and the checks need far less; torch needs more
SECONDS = 60  # a shared 2-core CI machine; benchmarks/input_errors.py measures the real latency


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "trade.cli", *args], capture_output=True, text=True,
                          timeout=SECONDS, preexec_fn=_limit_memory, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict:
    """A compiled reverse model and the arrays of its plain parameter file."""
    folder = tmp_path_factory.mktemp("good")
    path = folder / "reverse.npz"
    subprocess.run([sys.executable, "-m", "trade.cli", "compile", "examples/reverse.rasp", "-o", str(path)],
                   check=True, cwd=ROOT, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    weights = load_weights(path)
    with np.load(path, allow_pickle=False) as archive:
        config = json.loads(str(archive[CONFIG_KEY]))
    return {"path": path, "weights": weights, "plain": plain_arrays(weights), "config": config}


def _npz(path: Path, arrays: dict) -> Path:
    np.savez(path, **arrays)
    return path


def _with_config(good: dict, **changes) -> dict:
    config = json.loads(json.dumps(good["config"]))
    for key, value in changes.items():
        if key in ("vocab", "max_seq_len", "compiler_bos", "compiler_pad"):
            config["compile"][key] = value
        else:
            config[key] = value
    return {**good["plain"], CONFIG_KEY: np.array(json.dumps(config))}


def _zip_bomb(path: Path) -> Path:
    """A 16 GiB array of zeros claimed by a header, compressed to a few MB (written without inflating it)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_2_0(header, {"descr": "<f4", "fortran_order": False, "shape": (2**32,)})
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("token_embed/embeddings.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            chunk = bytes(2**24)
            for _ in range(64):  # 1 GiB of zeros, about 1 MB compressed: the header claims 16 GiB
                member.write(chunk)
    return path


def _huge_header(path: Path) -> Path:
    header = io.BytesIO()
    np.lib.format.write_array_header_2_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (10**6, 10**6)})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("token_embed/embeddings.npy", header.getvalue() + bytes(64))
    return path


def _safetensors_lie(path: Path) -> Path:
    header = json.dumps({"token_embed/embeddings": {"dtype": "F32", "shape": [10**5, 10**5],
                                                    "data_offsets": [0, 4 * 10**10]}}).encode()
    path.write_bytes(len(header).to_bytes(8, "little") + header + bytes(16))
    return path


def _pickle_npz(path: Path) -> Path:
    np.savez(path, **{"token_embed/embeddings": np.array([object()], dtype=object)})
    return path


def _truncated(good: dict, path: Path) -> Path:
    data = good["path"].read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def _case_files(good: dict, folder: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (command-line arguments, a phrase the error must contain)."""
    plain = good["plain"]
    layer0 = "transformer/layer_0/attn/query/w"
    rng = np.random.default_rng(0)
    cases: dict[str, tuple[Path | str, list[str], str]] = {
        "missing file": (folder / "nothing.npz", [], "no such file"),
        "empty file": (folder / "empty.npz", [], "empty"),
        "a directory": (folder, [], "directory"),
        "random bytes": (folder / "random.npz", [], "not a .npz"),
        "text file": (folder / "text.npz", [], "not a .npz"),
        "truncated npz": (folder / "truncated.npz", [], "truncated"),
        "pickle file": (folder / "pickle.npz", [], "not a .npz"),
        "pickled array in npz": (folder / "object.npz", [], "pickle"),
        "zip bomb": (folder / "bomb.npz", [], "limit"),
        "huge .npy header": (folder / "huge.npz", [], "limit"),
        "layer 99999999": (folder / "deep.npz", [], "limit 256 layers"),
        "unknown key": (folder / "unknown.npz", [], "unexpected key"),
        "all zeros": (folder / "zeros.npz", [], "zero"),
        "NaN weights": (folder / "nan.npz", [], "NaN"),
        "wrong shape": (folder / "shape.npz", [], "shape"),
        "1-d embedding": (folder / "flat.npz", [], "2 non-empty dimensions"),
        "lying vocab of 5,000": (folder / "vocab5000.npz", [], "token_embed has"),
        "vocab as a string": (folder / "vocabstr.npz", [], "vocab"),
        "vocab with a float and a dict": (folder / "nested.npz", [], "vocabulary token"),
        "duplicate vocab": (folder / "dupvocab.npz", [], "repeats"),
        "BOS equal to PAD": (folder / "bospad.npz", [], "BOS and PAD"),
        "max_seq_len as a string": (folder / "seqlen.npz", [], "max_seq_len"),
        "output values of the wrong length": (folder / "outputs.npz", [], "output values"),
        "a million-token vocab": (folder / "million.npz", [], "limit"),
        "config not JSON": (folder / "notjson.npz", [], "malformed"),
        "plain file, --vocab too short": (folder / "plain.npz", ["--vocab", "0,1,2"], "--vocab"),
        "plain file, --vocab repeats": (folder / "plain.npz", ["--vocab", "0,1,1,2,3"], "repeats"),
        "plain file, empty --vocab": (folder / "plain.npz", ["--vocab", ""], "--vocab"),
        "plain file, --bos in vocab": (folder / "plain.npz", ["--bos", "3", "--vocab", "1,2,3,4,5"], "--bos"),
        "plain file, --bos and --pad alike": (folder / "plain.npz", ["--bos", "X", "--pad", "X"], "--bos"),
        "plain file, --pad where PAD is not": (folder / "plain.npz", ["--pad", "!"], "sorts elsewhere"),
        "plain file, --max-seq-len wrong": (folder / "plain.npz", ["--max-seq-len", "9"], "--max-seq-len"),
        "plain file, --output-values too many": (folder / "plain.npz", ["--output-values",
                                                                         ",".join(map(str, range(99)))],
                                                 "--output-values"),
        "trade file contradicted by --vocab": (good["path"], ["--vocab", "a,b,c,d,e"], "--vocab"),
        "plain 7-token model without --vocab": (folder / "plain7.npz", [], "--vocab"),
        "safetensors lying header": (folder / "lie.safetensors", [], "limit"),
        "safetensors truncated": (folder / "cut.safetensors", [], "safetensors"),
        "safetensors random bytes": (folder / "noise.safetensors", [], "safetensors"),
        "lens state without config": (folder / "lens.safetensors", [], "config"),
    }
    (folder / "empty.npz").write_bytes(b"")
    (folder / "random.npz").write_bytes(rng.bytes(4096))
    (folder / "text.npz").write_text("token_embed/embeddings = [[1, 2]]\n")
    _truncated(good, folder / "truncated.npz")
    (folder / "pickle.npz").write_bytes(pickle.dumps({"token_embed/embeddings": [1.0]}))
    _pickle_npz(folder / "object.npz")
    _zip_bomb(folder / "bomb.npz")
    _huge_header(folder / "huge.npz")
    _npz(folder / "deep.npz", {**plain, "transformer/layer_99999999/attn/query/w": np.zeros((1, 1))})
    _npz(folder / "unknown.npz", {**plain, "transformer/extra": np.zeros(1)})
    _npz(folder / "zeros.npz", {name: np.zeros_like(value) for name, value in plain.items()})
    _npz(folder / "nan.npz", {**plain, layer0: np.full_like(plain[layer0], np.nan)})
    _npz(folder / "shape.npz", {**plain, layer0: plain[layer0][:, :3]})
    _npz(folder / "flat.npz", {**plain, "token_embed/embeddings": np.zeros(7)})
    _npz(folder / "vocab5000.npz", _with_config(good, vocab=list(range(5000))))
    _npz(folder / "vocabstr.npz", _with_config(good, vocab="01234"))
    # a list is a tuple token (JSON writes tuples as lists), as Tracr takes them; dicts are not
    _npz(folder / "nested.npz", _with_config(good, vocab=[[0, 1], 0.5, {"a": 1}, 4, 5]))
    _npz(folder / "dupvocab.npz", _with_config(good, vocab=[0, 1, 1, 2, 3]))
    _npz(folder / "bospad.npz", _with_config(good, compiler_bos="PAD"))
    _npz(folder / "seqlen.npz", _with_config(good, max_seq_len="5"))
    _npz(folder / "outputs.npz", _with_config(good, output_values=list(range(200))))
    _npz(folder / "million.npz", _with_config(good, vocab=list(range(10**6))))
    _npz(folder / "notjson.npz", {**plain, CONFIG_KEY: np.array("{not json")})
    _npz(folder / "plain.npz", plain)
    seven = {**plain, "token_embed/embeddings": np.concatenate([plain["token_embed/embeddings"]] * 2)[:9]}
    _npz(folder / "plain7.npz", seven)
    _safetensors_lie(folder / "lie.safetensors")
    write_safetensors(plain, folder / "full.safetensors")
    data = (folder / "full.safetensors").read_bytes()
    (folder / "cut.safetensors").write_bytes(data[:len(data) // 2])
    (folder / "noise.safetensors").write_bytes(rng.bytes(2048))
    write_safetensors({"embed.W_E": np.zeros((7, 4))}, folder / "lens.safetensors")
    return {name: ([str(path), *flags], phrase) for name, (path, flags, phrase) in cases.items()}


@pytest.fixture(scope="module")
def cases(good, tmp_path_factory) -> dict:
    return _case_files(good, tmp_path_factory.mktemp("bad"))


def test_the_corpus_has_25_cases_of_every_kind(cases):
    assert len(cases) >= 25
    names = " ".join(cases)
    for kind in ("zeros", "NaN", "shape", "lying", "truncated", "random", "pickle", "directory", "bomb",
                 "--vocab"):
        assert kind in names


def test_the_zip_bomb_stays_under_50_mb_on_disk(cases):
    bomb = Path(cases["zip bomb"][0][0])
    assert bomb.stat().st_size < 50 * 2**20



def test_every_malformed_input_fails_in_one_line(cases):
    failures = []
    for name, (arguments, phrase) in cases.items():
        result = run_cli("decompile", *arguments)
        lines = result.stderr.strip().splitlines()
        ok = (result.returncode == 2 and len(lines) == 1 and lines[0].startswith("trade: error:")
              and "Traceback" not in result.stderr and phrase.lower() in lines[0].lower()
              and not result.stdout)
        if not ok:
            failures.append(f"{name}: exit {result.returncode}, stderr {result.stderr[-300:]!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("arguments", [["decompile", "--help"], ["decompile", "missing.npz"],
                                       ["decompile", "README.md"]])
def test_help_and_file_errors_load_neither_torch_nor_numpy(arguments):
    """What keeps them fast (benchmarks/input_errors.py times them): no heavy import before the answer."""
    code = ("import sys\nfrom trade.cli import main\ntry:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'jax', 'tracr', 'numpy') if m in sys.modules))" % arguments)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            timeout=SECONDS,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr
