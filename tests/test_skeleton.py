"""Skeletons read from the weights: variable boundaries, dataflow, canonical numbering, templates."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from trade.compiled import CompileConfig
from trade.compiling import compile_program
from trade.decoding import DecodingOptions, beam_search, weight_tokens
from trade.decompile import compilable_filter, load_decompiler
from trade.layout import LayoutError, block_name
from trade.program.program import Op, canonicalize
from trade.program.text import parse_program
from trade.program.tokens import ids_to_program
from trade.sampling import SamplerConfig, sample_accepted
from trade.skeleton import fits, infer_labels, skeletons
from trade.weights import weights_of

# Two SelectorWidths in one layer share Tracr's BOS-cleaning neuron; two categorical-to-numerical Maps
# of the same input sit side by side; a FALSE selector's query shows in no weight.
HARD_CASES = [
    "v1 = Select(tokens, tokens, LT)\nv2 = Select(indices, tokens, EQ)\nv3 = SelectorWidth(v1)\n"
    "v4 = SelectorWidth(v2)\nv5 = SequenceMap(x + y, v3, v4)\n",
    "v1 = numerical(Map(x == 2, tokens))\nv2 = numerical(Map(x > 2, tokens))\nv3 = Map(x == 0, v2)\n"
    "v4 = numerical(Map(x > 0.5, v1))\nv5 = Select(indices, v3, LT)\nv6 = numerical(Aggregate(v5, v4))\n",
    "v1 = Select(tokens, tokens, LT)\nv2 = Map(x == 2, indices)\nv3 = Select(indices, v2, FALSE)\n"
    "v4 = SelectorWidth(v1)\nv5 = SelectorWidth(v3)\nv6 = Select(v4, v5, GT)\nv7 = SelectorWidth(v6)\n",
    # Two lookups of one input and a categorical-to-numerical Map whose one neuron reads the value the
    # others leave out: the cut follows what reads each.
    "v1 = Map(1 - x, indices)\nv2 = Map(x - 1, indices)\nv3 = numerical(Map(x == 0, indices))\n"
    "v4 = SequenceMap(min(x, y), v1, v2)\nv5 = SequenceMap(x and y, tokens, v4)\nv6 = Select(v5, v5, NEQ)\n"
    "v7 = numerical(Aggregate(v6, v3))\n",
    # One Select read by an Aggregate and by a SelectorWidth, whose head also attends to BOS.
    "v1 = Select(indices, indices, EQ)\nv2 = Aggregate(v1, tokens)\nv3 = SelectorWidth(v1)\n"
    "v4 = SequenceMap(x + y, v3, indices)\nv5 = SequenceMap(x - y, v2, v4)\n",
]


def partition(names: list[str]) -> list[list[int]]:
    groups: dict[str, list[int]] = {}
    for dim, name in enumerate(names):
        groups.setdefault(name, []).append(dim)
    return sorted(groups.values())


def check_program(program) -> None:
    model = compile_program(program)
    weights = weights_of(model)
    unnamed = dataclasses.replace(weights, residual_labels=None)
    inferred = infer_labels(unnamed)
    assert partition([block_name(label) for label in inferred]) == partition(
        [block_name(label) for label in model.residual_labels])
    assert any(fits(program, skeleton) for skeleton in skeletons(unnamed))


@pytest.mark.parametrize("text", HARD_CASES)
def test_hard_cases_give_the_true_blocks_and_skeleton(text):
    check_program(canonicalize(parse_program(text)))


@settings(max_examples=16, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), index=st.integers(0, 10**6))
def test_a_skeleton_read_from_the_weights_is_right_or_refused(seed, index):
    """997 of the first 1,000 test programs fit a skeleton of their weights; the other 3 are refused
    (a variable that is always 0 is written by nothing; two cuts of one MLP's directions tie)."""
    program = canonicalize(sample_accepted(seed, index, SamplerConfig()).program)
    weights = dataclasses.replace(weights_of(compile_program(program)), residual_labels=None)
    try:
        found = skeletons(weights)
    except LayoutError:
        return
    assert any(fits(program, skeleton) for skeleton in found)


@pytest.mark.parametrize("text", [
    "v1 = SequenceMap({(0, 1): 1, (1, 2): 2, (2, 3): 3}, tokens, indices)\nv2 = Map(x % 3, v1)\n",
    "v1 = SequenceMap({(1, 0): 1, (2, 0): 2, (2, 1): 3, (3, 1): 4, (4, 0): 4}, tokens, indices)\n"
    "v2 = Map(x % 3, v1)\n"], ids=["diagonal", "scattered"])
def test_a_lookup_whose_pairs_map_to_none_is_one_variable(text):
    # Tracr gives a pair that maps to None a neuron that writes nothing: the writing neurons then leave
    # pairs unread, and the output was cut into a variable per value.
    weights = weights_of(compile_program(parse_program(text)))
    inferred = infer_labels(dataclasses.replace(weights, residual_labels=None))
    assert partition([block_name(label) for label in inferred]) == partition(
        [block_name(label) for label in weights.residual_labels])


def test_sequence_map_argument_order_shows_in_its_neurons():
    for text, first in (("v1 = SequenceMap(x - y, tokens, indices)\n", "tokens"),
                        ("v1 = SequenceMap(x - y, indices, tokens)\n", "indices")):
        (skeleton,) = skeletons(weights_of(compile_program(canonicalize(parse_program(text)))))
        assert skeleton.ops == (Op.SEQUENCE_MAP,) and skeleton.args[0][0] == first
        assert not skeleton.swappable


def test_a_skeleton_template_fixes_functions_and_variables_only():
    program = canonicalize(parse_program(HARD_CASES[1]))
    (skeleton,) = skeletons(weights_of(compile_program(program)))
    other_lambda = parse_program(HARD_CASES[1].replace("x > 0.5", "x > 0"))
    other_argument = parse_program(HARD_CASES[1].replace("Select(indices, v3", "Select(tokens, v3"))
    assert fits(canonicalize(other_lambda), skeleton)
    assert not fits(canonicalize(other_argument), skeleton)
    assert skeleton.categorical_lines() == {2}  # v3 is read by the Select, so its Map is categorical


def test_beam_under_a_template_keeps_to_it():
    checkpoint = load_decompiler()
    program = canonicalize(parse_program(HARD_CASES[1]))
    weights = weights_of(compile_program(program))
    (skeleton,) = skeletons(weights)
    tokens = weight_tokens(checkpoint.model, [weights], checkpoint.tokenizer)[0]
    beam = beam_search(checkpoint.model, tokens, DecodingOptions(beam_size=4, template=skeleton.template()),
                       compilable_filter(weights.compile_config))
    assert beam and all(c.finished and fits(canonicalize(ids_to_program(c.ids)), skeleton) for c in beam)


def test_weights_that_are_no_trade_dataflow_are_refused():
    weights = weights_of(compile_program(canonicalize(parse_program(HARD_CASES[0]))))
    params = dict(weights.params)
    key = "transformer/layer_0/attn/linear/w"
    params[key] = np.ones_like(params[key])  # every head writes everything
    with pytest.raises(LayoutError):
        skeletons(dataclasses.replace(weights, params=params))


def test_perturbed_weights_give_a_skeleton_or_a_layout_error():
    """Whatever the arrays, reading a skeleton never fails with anything but LayoutError."""
    rng = np.random.default_rng(0)
    for text in HARD_CASES:
        weights = weights_of(compile_program(canonicalize(parse_program(text))))
        for trial in range(12):
            params = dict(weights.params)
            key = rng.choice(sorted(k for k in params if k.endswith("/w")))
            matrix = params[key].copy()
            if trial % 3 == 0:
                matrix[rng.integers(matrix.shape[0])] = 0
            elif trial % 3 == 1:
                matrix = matrix + (rng.random(matrix.shape) < 0.05) * rng.normal(size=matrix.shape)
            else:
                matrix[:, rng.integers(matrix.shape[1])] = 1
            params[key] = matrix
            try:
                skeletons(dataclasses.replace(weights, params=params))
            except LayoutError:
                pass


@pytest.mark.parametrize("config", [
    CompileConfig(), CompileConfig(vocab=("a", "b", "c"), max_seq_len=7),
    CompileConfig(vocab=((1, 2), (0, 1)), max_seq_len=4),
    CompileConfig(vocab=("BOS2", "a", "Z"), compiler_bos="#", compiler_pad="~"),
    CompileConfig(vocab=tuple(range(12)), max_seq_len=12), CompileConfig(vocab=(1, "1", "x"), max_seq_len=3)])
def test_the_input_labels_sorted_without_compiling_are_those_tracr_compiles(config):
    from trade.skeleton import _compiled_input_labels, _input_labels

    assert _input_labels(config) == _compiled_input_labels(config)
