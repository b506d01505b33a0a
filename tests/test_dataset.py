import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from trade.dataset.build import DatasetConfig, build_dataset, shard_path
from trade.dataset.read import iter_examples, load_manifest
from trade.dataset.stats import dataset_stats, format_stats, plot_stats, undetermined_stats
from trade.program.text import parse_program
from trade.program.tokens import ids_to_program
from tests.conftest import FRACTION_OF_POSITIVE, REVERSE


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("data")
    build_dataset(out, DatasetConfig(n=30, seed=5, shard_size=10), workers=1, progress=False)
    return out


def _rows(directory) -> dict[int, str]:
    rows = {}
    for path in sorted(Path(directory).glob("shard-*.parquet")):
        table = pq.read_table(path, columns=["index", "program_hash"]).to_pylist()
        for row in table:
            assert row["index"] not in rows, "duplicate index"
            rows[row["index"]] = row["program_hash"]
    return rows


def test_dataset_rows_are_consistent(small_dataset):
    manifest = load_manifest(small_dataset)
    assert manifest["complete"] and manifest["rows"] == 30
    assert manifest["config"]["sampler"]["compile"]["compiler_bos"] == "BOS"
    examples = list(iter_examples(small_dataset))
    assert sorted(e.index for e in examples) == list(range(30))
    for example in examples:
        assert ids_to_program(example.program_ids.tolist()) == parse_program(example.program_text)


def test_splits_are_disjoint_by_program(small_dataset):
    split_of_hash: dict[str, str] = {}
    for example in iter_examples(small_dataset):
        assert split_of_hash.setdefault(example.program_hash, example.split) == example.split


def test_same_dataset_whatever_the_number_of_workers(tmp_path, small_dataset):
    build_dataset(tmp_path, DatasetConfig(n=30, seed=5, shard_size=10), workers=2, progress=False)
    assert _rows(tmp_path) == _rows(small_dataset)


def test_killed_generate_resumes_without_loss_or_duplicates(tmp_path, small_dataset):
    command = [sys.executable, "-m", "trade.cli", "generate", "--n", "30", "--seed", "5",
               "--shard-size", "10", "--out", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not shard_path(tmp_path, 0).exists() and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished_before = set(_rows(tmp_path))
    assert 0 < len(finished_before) < 30
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _rows(tmp_path) == _rows(small_dataset)
    assert not list(tmp_path.glob("*.tmp-*"))


def test_resume_with_other_settings_is_refused(tmp_path):
    build_dataset(tmp_path, DatasetConfig(n=10, seed=1, shard_size=10), progress=False)
    with pytest.raises(ValueError, match="other settings"):
        build_dataset(tmp_path, DatasetConfig(n=10, seed=2, shard_size=10), progress=False)


def test_stats(small_dataset, tmp_path):
    stats = dataset_stats(small_dataset, functional_sample=30, token_sample=30, progress=False)
    assert stats["programs"] == 30
    assert 0 <= stats["duplicate_fraction"] < 1
    assert stats["functional"]["inputs"].startswith("whole input space")
    assert sum(stats["lines_histogram"].values()) == 30
    assert "duplicate fraction" in format_stats(stats)
    plot_stats(stats, tmp_path / "stats.png")
    assert (tmp_path / "stats.png").stat().st_size > 1000


def test_local_ray_builds_the_same_dataset(tmp_path, small_dataset):
    pytest.importorskip("ray")
    build_dataset(tmp_path, DatasetConfig(n=30, seed=5, shard_size=10), ray_address="local", progress=False)
    assert _rows(tmp_path) == _rows(small_dataset)


def test_only_split_builds_an_independent_test_set(tmp_path):
    build_dataset(tmp_path, DatasetConfig(n=4, seed=9, shard_size=2, only_split="test"), progress=False)
    examples = list(iter_examples(tmp_path))
    assert len(examples) == 4 and {e.split for e in examples} == {"test"}
    assert load_manifest(tmp_path)["rejections"]["filtered"] > 0


def test_pack_round_trips_bit_for_bit(small_dataset, tmp_path):
    from trade.dataset.pack import pack_dataset, unpack_dataset

    pack_dataset(small_dataset, tmp_path / "pack", progress=False)
    packed = sum(f.stat().st_size for f in (tmp_path / "pack").iterdir())
    shards = sum(f.stat().st_size for f in Path(small_dataset).glob("shard-*.parquet"))
    assert packed < shards
    unpack_dataset(tmp_path / "pack", tmp_path / "restored", progress=False)
    assert load_manifest(tmp_path / "restored") == load_manifest(small_dataset)
    for path in sorted(Path(small_dataset).glob("shard-*.parquet")):
        original, restored = pq.read_table(path), pq.read_table(tmp_path / "restored" / path.name)
        assert restored.equals(original) and restored.schema.metadata == original.schema.metadata


def test_damaged_packs_are_refused(small_dataset, tmp_path):
    from trade.dataset.pack import PackError, pack_dataset, unpack_dataset

    with pytest.raises(PackError, match="pack.json"):
        unpack_dataset(tmp_path, tmp_path / "out", progress=False)
    pack_dataset(small_dataset, tmp_path / "pack", progress=False)
    words = sorted((tmp_path / "pack").glob("*.words.xz"))[0]
    words.write_bytes(words.read_bytes()[:-20])
    with pytest.raises(PackError, match=words.name.split(".")[0]):
        unpack_dataset(tmp_path / "pack", tmp_path / "out", progress=False)
    import lzma
    words.write_bytes(lzma.compress(bytes(50_000_000)))  # far more than the shard's matrices hold
    with pytest.raises(PackError, match="decompresses to more than"):
        unpack_dataset(tmp_path / "pack", tmp_path / "out", progress=False)


def test_undetermined_tokens_statistics():
    stats = undetermined_stats([FRACTION_OF_POSITIVE, REVERSE], progress=False)
    assert stats["sample"] == 2 and stats["with_undetermined_fraction"] == 0.5  # reverse's weights decide all
    assert stats["undetermined_tokens_mean"] >= 0.5
    assert 0.5 < stats["uniform_pick_original"] <= 0.75  # 1 for reverse, at most 1/2 for the fraction


def test_a_second_writer_is_refused_and_a_stale_lock_is_taken_over(tmp_path, capsys):
    from trade.dataset.lock import DirectoryLock, LockedError

    with DirectoryLock(tmp_path):
        with pytest.raises(LockedError, match=r"another `trade generate` is writing here \(pid \d+ on "):
            build_dataset(tmp_path, DatasetConfig(n=1, seed=5, shard_size=1), progress=False)
    # A run killed while holding the lock: its record stays, but the kernel has dropped its flock.
    (tmp_path / ".lock").write_text('{"pid": 999999999, "host": "gone", "started": "then"}')
    with DirectoryLock(tmp_path):
        pass
    err = capsys.readouterr().err
    assert "taking over a stale lock" in err and "pid 999999999 on gone" in err


def test_manifest_problems_are_one_line_errors(small_dataset, tmp_path):
    import json
    import shutil

    from trade.dataset.read import DatasetError, compile_config, shard_files

    data = tmp_path / "data"
    shutil.copytree(small_dataset, data)
    manifest = json.loads((data / "manifest.json").read_text())
    manifest["shards"][0]["file"] = "../../r.npz"
    (data / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetError, match="not a file inside the dataset directory"):
        shard_files(data)
    (data / "manifest.json").write_text("[]")
    with pytest.raises(DatasetError, match="a JSON list"):
        compile_config(data)


def test_rows_are_checked_as_they_stream(small_dataset, tmp_path):
    import shutil

    import numpy as np
    import pyarrow as pa

    from trade.dataset.read import SCHEMA, DatasetError

    data = tmp_path / "data"
    shutil.copytree(small_dataset, data)
    path = data / "shard-00001.parquet"
    rows = pq.read_table(path).to_pylist()
    rows[3]["weight_data"][0] = np.full(len(rows[3]["weight_data"][0]) // 4, np.nan, "<f4").tobytes()
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    with pytest.raises(DatasetError, match=r"shard-00001.parquet row 3: weight .* NaN"):
        list(iter_examples(data))
    assert len(list(iter_examples(data, shards=[data / "shard-00000.parquet"]))) == 10


def test_small_runs_checkpoint_often():
    assert DatasetConfig.default_shard_size(400) == 20
    assert DatasetConfig.default_shard_size(100_000) == 500
    assert DatasetConfig.default_shard_size(3) == 1


def test_pack_refuses_bad_rows_before_writing_anything(small_dataset, tmp_path):
    import shutil

    import numpy as np
    import pyarrow as pa

    from trade.dataset.pack import pack_dataset
    from trade.dataset.read import SCHEMA, DatasetError

    data = tmp_path / "data"
    shutil.copytree(small_dataset, data)
    path = data / "shard-00002.parquet"
    rows = pq.read_table(path).to_pylist()
    bad = [dict(row) for row in rows]
    bad[4]["weight_data"] = [*rows[4]["weight_data"]]
    bad[4]["weight_data"][1] = np.full(len(rows[4]["weight_data"][1]) // 4, np.inf, "<f4").tobytes()
    pq.write_table(pa.Table.from_pylist(bad, schema=SCHEMA), path)
    with pytest.raises(DatasetError, match=r"shard-00002.parquet row 4: weight .* NaN or infinite"):
        pack_dataset(data, tmp_path / "pack", progress=False)
    pq.write_table(pa.Table.from_pylist(rows[:7], schema=SCHEMA), path)  # rows lost, the manifest says 10
    with pytest.raises(DatasetError, match=r"shard-00002.parquet: holds 7 rows, the manifest lists 10"):
        pack_dataset(data, tmp_path / "pack", progress=False)
    assert not (tmp_path / "pack").exists()


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["config"]["sampler"]["compile"].update(vocab=list(range(20_000))), "limit 10,000"),
    (lambda m: m["config"]["sampler"]["compile"].update(max_seq_len=10**9), "from 1 to 1000"),
    (lambda m: m["config"]["sampler"]["compile"].update(compiler_pad="BOS"), "BOS and PAD are the same"),
    (lambda m: m.update(rejections=[1]), "'rejections' must map"),
    (lambda m: m["shards"].append(dict(m["shards"][0])), "repeats 'shard-00000.parquet'"),
])
def test_manifests_are_held_to_the_limits_of_weights_files(small_dataset, tmp_path, edit, message):
    import json
    import shutil

    from trade.dataset.read import DatasetError

    data = tmp_path / "data"
    shutil.copytree(small_dataset, data)
    manifest = json.loads((data / "manifest.json").read_text())
    edit(manifest)
    (data / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetError, match=message):
        load_manifest(data)


def test_generate_refuses_settings_its_readers_would_refuse_before_writing(tmp_path):
    from trade.compiled import CompileConfig
    from trade.dataset.read import DatasetError
    from trade.sampling import SamplerConfig

    config = DatasetConfig(n=1, sampler=SamplerConfig(compile=CompileConfig(max_seq_len=2000)))
    with pytest.raises(DatasetError, match="max_seq_len must be an integer from 1 to 1000"):
        build_dataset(tmp_path / "d", config, progress=False)
    assert not (tmp_path / "d").exists()


def test_stats_refuse_an_empty_sample(small_dataset):
    with pytest.raises(ValueError, match="at least 1"):
        dataset_stats(small_dataset, functional_sample=0, progress=False)
