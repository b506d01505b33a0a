"""Killing `generate`, `train` or `compile -o` at random moments never leaves a corrupt file, and
rerunning the command finishes with what an uninterrupted run gives.

CI kills each command TRADE_KILLS times (default 1, to keep CI short); `make fuzz` kills each 20 times.
Half the kills fall at a random moment; the other half wait for a random moment and then for the next
temporary file to appear, so that they land while a file is being written (a random moment rarely does).
The runs of generate and train are killed and rerun in the same directory until one ends by itself;
that result is compared with an uninterrupted run's, and the next kill starts a new directory (so that
kills keep landing in unfinished work). Each test prints where its kills landed (`pytest -s`).
A killed writer may leave a hidden `.NAME.HOST.PID.*.tmp` file beside its target, never a damaged
target, and the next successful write of that target removes it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
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


def _writing(directory: Path) -> set[tuple[str, int, int]]:
    """The temporaries in `directory` (atomic writes' `.NAME.*.tmp` files, checkpoints' `.NAME.*.tmp` and
    `NAME.old` directories), each with its inode and change time, which tell a new one from an old one."""
    try:
        entries = [entry for entry in os.scandir(directory) if entry.name.endswith((".tmp", ".old"))]
    except OSError:
        return set()
    found = set()
    for entry in entries:
        try:
            status = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # renamed or removed since the listing
        found.add((entry.name, status.st_ino, status.st_ctime_ns))
    return found


def _kill_at(command: list[str], seconds: float, watch: Path | None = None) -> bool:
    """Starts `trade COMMAND` and SIGKILLs it after `seconds`, or with `watch`, at the first temporary that
    appears in `watch` after `seconds`; whether it was killed (rather than ending first)."""
    before = _writing(watch) if watch is not None else set()  # a killed run's leftovers do not count
    process = subprocess.Popen([sys.executable, "-m", "trade.cli", *command], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        pass
    while watch is not None and process.poll() is None and not _writing(watch) - before:
        time.sleep(0.0005)
    if process.poll() is not None:
        return False
    process.send_signal(signal.SIGKILL)
    process.wait()
    return True


def _moments(seed: int, duration: float) -> list[tuple[float, bool]]:
    """Random moments over an uninterrupted run's duration (start-up included: a kill may land anywhere),
    every second one to wait for the next write."""
    rng = random.Random(seed)
    return [(rng.uniform(0.05, 1.0) * duration, number % 2 == 1) for number in range(KILLS)]


def _report(command: str, landed: list[str]) -> None:
    counts = {name: landed.count(name) for name in sorted(set(landed))}
    print(f"\n{command}: {len(landed)} kills: " + ", ".join(f"{n} {name}" for name, n in counts.items()))


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
    whole = _dataset_rows(tmp_path / "whole")
    out = tmp_path / "killed"
    landed = []
    for moment, at_write in _moments(1, duration):
        before = _writing(out)
        killed = _kill_at([*command, str(out)], moment, out if at_write else None)
        rows = len(_dataset_rows(out)) if (out / "manifest.json").exists() else 0  # listed shards whole
        for shard in out.glob("shard-*.parquet"):
            open_shard(shard).read()  # so is every shard on disk
        landed.append(("killed" if killed else "ended") + (" mid-write" if _writing(out) - before else "")
                      + (f" with {rows} of 6 rows" if killed else ""))
        if not killed:  # a rerun finished what the kills before it left
            assert _dataset_rows(out) == whole and not list(out.glob(".*.tmp"))
            shutil.rmtree(out)
    _report("generate", landed)
    build_dataset(out, config, progress=False)
    assert _dataset_rows(out) == whole
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
    landed = []
    for moment, at_write in _moments(2, duration):
        before = _writing(out)
        killed = _kill_at(_train_args(data, out), moment, out if at_write else None)
        writing = _writing(out) - before
        step = None
        for name in ("last", "best"):
            if (out / name).exists() or (out / f"{name}.old").exists():
                checkpoint = load_checkpoint(out / name)  # whole, or put back from `.old`
                step = checkpoint.step if name == "last" else step
        landed.append(("killed" if killed else "ended") + (" mid-write" if writing else "")
                      + (f" at step {step}" if killed else ""))
        if not killed:  # a rerun finished what the kills before it left
            _assert_same_run(out, tmp_path / "whole")
            shutil.rmtree(out)
    _report("train", landed)
    resumed = train(config_from_args(parser.parse_args(_train_args(data, out))))
    assert resumed["step"] == 8
    _assert_same_run(out, tmp_path / "whole")


def _assert_same_run(out: Path, whole: Path) -> None:
    """`out` ended where the uninterrupted run `whole` did: same final weights, same logged losses."""
    from trade.checkpoint import load_checkpoint

    final, reference = load_checkpoint(out / "last"), load_checkpoint(whole / "last")
    assert final.step == reference.step == 8
    assert all(torch.equal(final.model.state_dict()[k], v) for k, v in reference.model.state_dict().items())
    logged = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    expected = [json.loads(line) for line in (whole / "metrics.jsonl").read_text().splitlines()]
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

    old = out.read_bytes()
    landed = []
    for moment, at_write in _moments(3, duration):
        out.write_bytes(old)  # each kill starts from the old file, which it must not damage
        before = _writing(tmp_path)
        killed = _kill_at(["compile", str(tmp_path / "new.rasp"), "-o", str(out)], moment,
                          tmp_path if at_write else None)
        version = ("the old file", "the new file")[which(out)]  # raises for anything else
        left = _writing(tmp_path) - before
        landed.append(("killed" if killed else "ended") + (" mid-write" if left else "") + f", {version}")
    _report("compile -o", landed)
    assert main(["compile", str(tmp_path / "new.rasp"), "-o", str(out)]) == 0
    assert which(out) == 1
    assert not list(tmp_path.glob(".*.tmp"))  # the killed writers' temporaries are gone
