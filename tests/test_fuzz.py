"""Bad inputs: a fixed sample of the fuzz corpus (`make fuzz` runs all of it), and random byte-level
corruptions of a valid shard, manifest and weights file, which must end in the project's one-line
error or read back exactly what was written, never in a traceback or a silently different result."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import REVERSE
from trade.dataset.read import DatasetError, compile_config, iter_examples

ROOT = Path(__file__).resolve().parent.parent
CI_SAMPLE = 16  # of the corpus's 300+ cases, one per group and the rest at random (fixed seed)
CORRUPTIONS = int(os.environ.get("TRADE_CORRUPTIONS", "25"))  # Hypothesis examples; `make fuzz`: 500


def test_the_corpus_covers_every_surface_with_200_cases():
    sys.path.insert(0, str(ROOT))
    from tests.fuzz_corpus import corpus

    cases = corpus()
    groups = {case.group for case in cases}
    assert len(cases) >= 200 and len({case.name for case in cases}) == len(cases)
    assert {"manifest", "shard", "weights", "program", "compile", "export", "train", "evaluate",
            "generate", "checkpoint", "unpack"} <= groups


def test_a_sample_of_the_corpus_fails_cleanly(data):
    """Each case: one `trade: error:` line, non-zero exit, no traceback, < 1 GB, < 10 s, no file touched."""
    # CI machines are shared and slow: a case may take 30 s here (`make fuzz` holds every case to 10 s).
    result = subprocess.run([sys.executable, "tests/fuzz_corpus.py", "--sample", str(CI_SAMPLE), "--seed",
                             "0", "--data", data], cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "TRADE_FUZZ_TIME_LIMIT": "30"})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"{CI_SAMPLE} of {CI_SAMPLE} cases pass" in result.stdout


def _rows(data) -> list[tuple]:
    return [(e.index, e.split, e.program_text, e.program_ids.tolist(), e.weights.num_heads,
             {name: value.tobytes() for name, value in e.weights.params.items()})
            for e in iter_examples(data)]


@pytest.fixture(scope="module")
def clean_copy(data, tmp_path_factory):
    return Path(data), _rows(data)


corruptions = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1,
                       max_size=4)


def _corrupt(content: bytes, changes, cut: float | None) -> bytes:
    content = bytearray(content)
    for position, mask in changes:
        content[int(position * len(content))] ^= mask
    return bytes(content[:int(cut * len(content))] if cut is not None else content)


@settings(max_examples=CORRUPTIONS, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=corruptions, cut=st.none() | st.floats(0, 1), target=st.sampled_from(["shard", "manifest"]))
def test_corrupt_datasets_are_refused_or_read_exactly(clean_copy, tmp_path_factory, changes, cut, target):
    source, original = clean_copy
    data = tmp_path_factory.mktemp("corrupt")
    shutil.copytree(source, data, dirs_exist_ok=True)
    path = data / ("shard-00001.parquet" if target == "shard" else "manifest.json")
    path.write_bytes(_corrupt(path.read_bytes(), changes, cut))
    try:
        compile_config(data)
        rows = _rows(data)
    except DatasetError as error:
        assert "\n" not in str(error) and str(data) in str(error)
        event(f"{target}: refused")
        return
    assert rows == original  # a corruption that reads back differently would be a wrong success
    event(f"{target}: read back exactly")


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    from trade.cli import main

    folder = tmp_path_factory.mktemp("weights")
    (folder / "reverse.rasp").write_text(REVERSE)
    assert main(["compile", str(folder / "reverse.rasp"), "-o", str(folder / "reverse.npz")]) == 0
    return folder / "reverse.npz"


@settings(max_examples=CORRUPTIONS, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=corruptions, cut=st.none() | st.floats(0, 1))
def test_corrupt_weights_files_are_refused_or_read_exactly(weights_file, tmp_path_factory, changes, cut):
    from trade.weights import WeightsError, load_weights

    original = load_weights(weights_file)
    path = tmp_path_factory.mktemp("corrupt") / "model.npz"
    path.write_bytes(_corrupt(weights_file.read_bytes(), changes, cut))
    try:
        weights = load_weights(path)
    except WeightsError as error:
        assert "\n" not in str(error)
        event("refused")
        return
    assert weights.params.keys() == original.params.keys()
    assert all(np.array_equal(weights.params[k], original.params[k]) for k in original.params)
    assert weights.compile_config == original.compile_config
    event("read back exactly")
