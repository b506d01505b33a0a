"""The largest noise that keeps every output (`trade.transform.largest_noise`), against the benchmark's rule
without prefilter or refinement (benchmarks/transformed_models.py, `largest_noise_every_input`)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from trade import transform
from trade.compiling import compile_program
from trade.program.text import parse_program
from trade.weights import weights_of
from tests.conftest import REVERSE

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from transformed_models import largest_noise_every_input  # noqa: E402

from trade.transform import NOISE_GRID, largest_noise  # noqa: E402


@pytest.fixture(scope="module")
def reverse():
    return dataclasses.replace(weights_of(compile_program(parse_program(REVERSE))), residual_labels=None)


@pytest.fixture(scope="module")
def plain_rule(reverse):
    return largest_noise_every_input(reverse, 3)


def test_a_sample_holding_every_input_is_the_plain_rule(reverse, plain_rule):
    assert largest_noise(reverse, 3, sample=10 ** 6, refine=0) == plain_rule


def test_the_prefilter_finds_the_plain_rules_noise(reverse, plain_rule):
    found = largest_noise(reverse, 3, sample=300, refine=0)
    assert found == plain_rule
    assert transform.same_outputs(reverse, transform.add_noise(reverse, found, 3))


def test_a_noise_passing_only_the_sample_is_stepped_down(reverse, plain_rule):
    # One sampled input passes far larger noise than every input does: the full check steps down.
    found = largest_noise(reverse, 3, sample=1, refine=0)
    assert found in NOISE_GRID and found <= plain_rule
    assert transform.same_outputs(reverse, transform.add_noise(reverse, found, 3))


def test_refining_finds_a_larger_noise_that_still_keeps_every_output(reverse, plain_rule):
    found = largest_noise(reverse, 3, refine=4)
    following = NOISE_GRID[NOISE_GRID.index(plain_rule) + 1]
    assert plain_rule <= found < following
    assert transform.same_outputs(reverse, transform.add_noise(reverse, found, 3))
    # four bisections leave S one sixteenth of the grid's (log) step below a noise that changes an output
    step = (following / plain_rule) ** (1 / 16)
    assert not transform.same_outputs(reverse, transform.add_noise(reverse, found * step, 3))


def test_checks_in_chunks_find_the_noise_of_whole_runs(reverse):
    whole = largest_noise(reverse, 3, sample=300, chunk=10 ** 6)
    assert largest_noise(reverse, 3, sample=300, chunk=7) == whole


@pytest.mark.parametrize("factor, kept", [(0.5, True), (20.0, False)])
def test_checking_in_chunks_stops_where_it_must_and_agrees_with_one_run(reverse, plain_rule, factor, kept):
    inputs, _ = transform.checked_inputs(reverse)
    original = transform.model_outputs(reverse, inputs)
    noisy = transform.add_noise(reverse, plain_rule * factor, 3)
    assert transform._keeps(reverse, noisy, inputs, original, chunk=7) is kept
    assert transform._keeps(reverse, noisy, inputs, original, chunk=10 ** 6) is kept
