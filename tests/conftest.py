"""Shared fixtures: a few accepted programs (sampled once per session)."""

import os

import pytest

from trade.sampling import SamplerConfig, sample_accepted, fixed_test_inputs


def pytest_configure(config):
    """Under pytest-xdist every worker gets one BLAS/OpenMP thread: two workers with two threads each on a
    2-core machine spin against each other (two runs at once of one compressed test's cases: 144 s, against
    46 s with one thread each). `make test` sets the same through the environment, before anything loads."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)


def pytest_collection_modifyitems(config, items):
    """Tests marked `heavy` (a minute or more each) first: pytest-xdist hands them out before the short
    ones, so no worker starts one while the other has nothing left to run."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)  # stable: the rest keep order


@pytest.fixture(scope="session")
def sampler_config() -> SamplerConfig:
    return SamplerConfig()


@pytest.fixture(scope="session")
def data(tmp_path_factory) -> str:
    """A small training dataset: 40 programs in two shards, 10% validation."""
    from trade.dataset.build import DatasetConfig, build_dataset

    directory = tmp_path_factory.mktemp("train_data")
    build_dataset(directory, DatasetConfig(n=40, shard_size=20, validation_fraction=0.1),
                  workers=1, progress=False)
    return str(directory)


@pytest.fixture(scope="session")
def accepted_programs(sampler_config):
    inputs = fixed_test_inputs(sampler_config)
    return [sample_accepted(7, index, sampler_config, inputs) for index in range(12)]


REVERSE = """\
# reverse the input, as in Tracr's lib.make_reverse
all = Select(tokens, tokens, TRUE)
length = SelectorWidth(all)
opp = SequenceMap(x - y, length, indices)
opp1 = Map(x - 1, opp)
flip = Select(indices, opp1, EQ)
reverse = Aggregate(flip, tokens)
"""

FRAC_ONES = """\
ones = numerical(Map(x == 1, tokens))
prevs = Select(indices, indices, LEQ)
frac = numerical(Aggregate(prevs, ones))
"""

# `x > 0` and `x > 0.5` compute the same thing on the 0/1 input: a token the weights do not decide.
FRACTION_OF_POSITIVE = """\
ones = numerical(Map(x == 1, tokens))
positive = numerical(Map(x > 0, ones))
prevs = Select(indices, indices, LEQ)
frac = numerical(Aggregate(prevs, positive))
"""


def suite_model(suite: str, name: str):
    """A hand-written suite program (Tracr's own compiler, names and string vocabularies as written), its
    compile settings and its plain weights without residual labels."""
    import dataclasses

    from tracr.compiler import compiling

    from trade.decompile import weights_from
    from trade.suites import load_suite

    entry = next(e for e in load_suite(f"examples/{suite}") if e.name == name)
    config = entry.config
    original = entry.build()
    model = compiling.compile_rasp_to_model(original, vocab=set(config.vocab),
                                            max_seq_len=config.max_seq_len, compiler_bos=config.compiler_bos,
                                            compiler_pad=config.compiler_pad, causal=config.causal)
    return original, config, dataclasses.replace(weights_from(model), residual_labels=None)


def compressed_suite_model(suite: str, name: str, fraction: float):
    """`suite_model`, and the plain weights' compression (seed 0, the default options)."""
    from trade import transform

    original, config, plain = suite_model(suite, name)
    return original, config, plain, transform.compress(plain, round(fraction * plain.d_model), 0)


def compressed_suite_verdict(original, config, given) -> tuple[str, str]:
    """The lift's reading of a compressed suite model, judged on the given model; asserts it is truly
    equivalent to the original."""
    from trade import basis, compressed
    from trade.decompile import read_weights
    from trade.suites import check_inputs, functionally_equivalent

    lifted = compressed.lift(given)
    read = read_weights(lifted)
    assert len(read.program.lines), read.reason
    assert functionally_equivalent(original, read.program, config, check_inputs(config))[0]
    return basis.verdict_on_given(read.program, given, basis.given_reference(given, lifted))


def with_blocks_reversed(weights, labels: list[str]):
    """The weights with their stream's variables (blocks of `labels`) in the reverse order: a reading whose
    names sort otherwise. Returns them and the order."""
    import dataclasses

    import numpy as np

    from trade import compressed

    names = list(dict.fromkeys(label.partition(":")[0] for label in labels))
    order = np.array([i for name in names[::-1] for i, label in enumerate(labels)
                      if label.partition(":")[0] == name])
    params = {}
    for name, value in weights.params.items():
        value = np.asarray(value)
        if name in compressed._EMBEDDINGS or name.endswith(compressed._WRITES):
            value = value[..., order]
        elif name.endswith(compressed._READS):
            value = value[order]
        params[name] = value
    return dataclasses.replace(weights, params=params), order
