"""Shared fixtures: a few accepted programs (sampled once per session)."""

import pytest

from trade.sampling import SamplerConfig, sample_accepted, fixed_test_inputs


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
