"""Killing `generate`, `train` or `compile -o` at random moments never leaves a corrupt file, and
rerunning the command finishes with what an uninterrupted run gives.

CI kills each command TRADE_KILLS times (default 1, to keep CI short); `make fuzz` kills each 20 times.
A killed writer may leave a hidden `.NAME.HOST.PID.*.tmp` file beside its target, never a damaged
target, and the next successful write of that target removes it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from tests.conftest import FRAC_ONES, REVERSE
from trade.dataset.read import check_row, load_manifest, open_shard

ROOT = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("TRADE_KILLS", "1"))


def _timed(command: list[str]) -> float:
    """Runs `trade COMMAND` to the end; its wall time, which bounds the moments the kills pick from."""
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "trade.cli", *command], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def _kill_at(command: list[str], seconds: float) -> None:
    """Starts `trade COMMAND` and SIGKILLs it after `seconds` (if it is still running)."""
    process = subprocess.Popen([sys.executable, "-m", "trade.cli", *command], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()


def _moments(seed: int, duration: float) -> list[float]:
    """Random moments over an uninterrupted run's duration (start-up included: a kill may land anywhere)."""
    rng = random.Random(seed)
    return [rng.uniform(0.05, 1.0) * duration for _ in range(KILLS)]


def _dataset_rows(directory: Path) -> list[dict]:
    rows = []
    for shard in load_manifest(directory)["shards"]:
        path = directory / shard["file"]
        for number, row in enumerate(open_shard(path).read().to_pylist()):
            check_row(row, f"{path} row {number}")
            rows.append({key: value for key, value in row.items() if key != "attempts"})
    return sorted(rows, key=lambda row: row["index"])


def test_killed_generate_leaves_whole_files_and_resumes_to_the_same_dataset(tmp_path):
    from trade.dataset.build import DatasetConfig, build_dataset

    config = DatasetConfig(n=6, seed=11, shard_size=1)
    command = ["generate", "--n", "6", "--seed", "11", "--shard-size", "1", "--out"]
    duration = _timed([*command, str(tmp_path / "whole")])
    out = tmp_path / "killed"
    for moment in _moments(1, duration):
        _kill_at([*command, str(out)], moment)
        if (out / "manifest.json").exists():
            _dataset_rows(out)  # the manifest and every shard it lists are whole
        for shard in out.glob("shard-*.parquet"):
            open_shard(shard).read()  # so is every shard on disk
    build_dataset(out, config, progress=False)
    assert _dataset_rows(out) == _dataset_rows(tmp_path / "whole")
    assert load_manifest(out)["complete"] and not list(out.glob(".*.tmp"))


def _train_args(data: str, out: Path) -> list[str]:
    return ["train", "--data", data, "--out", str(out), "--preset", "tiny", "--steps", "8",
            "--batch-size", "4", "--eval-every", "3", "--checkpoint-every", "1", "--val-examples", "8",
            "--warmup-steps", "2", "--lr", "0.003", "--shuffle-buffer", "8", "--log-every", "1",
            "--threads", "1", "--no-progress"]


def test_killed_train_leaves_whole_checkpoints_and_resumes_to_the_same_model(data, tmp_path):
    from trade.checkpoint import load_checkpoint
    from trade.train import config_from_args, train

    parser = __import__("trade.cli", fromlist=["build_parser"]).build_parser()
    duration = _timed(_train_args(data, tmp_path / "whole"))
    out = tmp_path / "killed"
    for moment in _moments(2, duration):
        _kill_at(_train_args(data, out), moment)
        for name in ("last", "best"):
            if (out / name).exists() or (out / f"{name}.old").exists():
                load_checkpoint(out / name)  # whole, or put back from `.old`
    resumed = train(config_from_args(parser.parse_args(_train_args(data, out))))
    assert resumed["step"] == load_checkpoint(tmp_path / "whole" / "last").step == 8
    final, reference = load_checkpoint(out / "last"), load_checkpoint(tmp_path / "whole" / "last")
    assert all(torch.equal(final.model.state_dict()[k], v) for k, v in reference.model.state_dict().items())
    logged = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    expected = [json.loads(line) for line in (tmp_path / "whole" / "metrics.jsonl").read_text().splitlines()]
    assert [(r["step"], r["loss"]) for r in logged if "loss" in r] == \
        [(r["step"], r["loss"]) for r in expected if "loss" in r]


def test_killed_compile_keeps_the_old_file_or_writes_the_whole_new_one(tmp_path):
    from trade.cli import main
    from trade.weights import load_weights

    (tmp_path / "new.rasp").write_text(REVERSE)
    (tmp_path / "old.rasp").write_text(FRAC_ONES)
    duration = _timed(["compile", str(tmp_path / "new.rasp"), "-o", str(tmp_path / "reference.npz")])
    out = tmp_path / "out.npz"
    assert main(["compile", str(tmp_path / "old.rasp"), "-o", str(out)]) == 0
    versions = [load_weights(out), load_weights(tmp_path / "reference.npz")]

    def which(path: Path) -> int:
        weights = load_weights(path)
        return next(i for i, version in enumerate(versions)
                    if weights.params.keys() == version.params.keys()
                    and all(np.array_equal(weights.params[k], version.params[k]) for k in weights.params)
                    and weights.compile_config == version.compile_config)

    seen = set()
    for moment in _moments(3, duration):
        _kill_at(["compile", str(tmp_path / "new.rasp"), "-o", str(out)], moment)
        seen.add(which(out))  # raises (StopIteration or WeightsError) for anything else
    assert main(["compile", str(tmp_path / "new.rasp"), "-o", str(out)]) == 0
    assert which(out) == 1
    assert not list(tmp_path.glob(".*.tmp"))  # the killed writers' temporaries are gone
