"""Residual labels rebuilt from the arrays of a model saved without them (trade.residual_labels)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trade.compiling import compile_program
from trade.program.program import canonicalize
from trade.program.text import parse_program
from trade.residual_labels import LabelError, infer_labels, variable_groups
from trade.sampling import SamplerConfig, sample_accepted
from trade.weights import ModelWeights, weights_of, weights_of_tracr

# Tracr joins a layer's MLPs into one, their hidden neurons sorted by name: a categorical Map has one
# neuron per output value, reading every input value mapped to it.
HARD_CASES = {
    # two non-injective lookups of one input in one layer (examples/pair_balance.rasp's layer 0)
    "two lookups of tokens": "v1 = Map(x == 1, tokens)\nv2 = Map(x == 2, tokens)\n"
                             "v3 = SequenceMap(x and y, v1, v2)\n",
    # a lookup whose neuron for 2 reads five values, beside one with a neuron per value
    "min and identity": "v1 = Map(min(x, 2), indices)\nv2 = Map(x + 1, indices)\nv3 = SequenceMap(x + y, v1, v2)\n"
                        "v4 = SequenceMap(x + y, v3, tokens)\n",
    # a lookup, then a categorical-to-numerical Map of the same input whose one neuron reads one value
    "lookup and numerical Map": "v1 = Map(x - 1, indices)\nv2 = numerical(Map(x == 0, indices))\n"
                                "v3 = Select(tokens, v1, EQ)\nv4 = numerical(Aggregate(v3, v2))\n",
    # a numerical Map's discretising neurons, closed by its start neuron, beside a second one
    "two numerical Maps of one input": "v1 = numerical(Map(x == 1, tokens))\nv2 = Select(indices, indices, LEQ)\n"
                                       "v3 = numerical(Aggregate(v2, v1))\nv4 = numerical(Map(1 - x, v3))\n"
                                       "v5 = numerical(Map(x * 2, v3))\n"
                                       "v6 = numerical(LinearSequenceMap(v4, v5, 1, 1))\n",
    # a one-value lookup (x == 3 of values 0 and 2) read by a SequenceMap: categorical, as its reader says
    "one-value lookup read by a SequenceMap": "v1 = Map(x * 2, tokens)\nv2 = Map(x == 3, v1)\n"
                                              "v3 = Map(x > 0, tokens)\nv4 = SequenceMap(x or y, v3, v2)\n",
    # a one-value variable copied by an Aggregate whose copy a Select reads: both categorical
    "one-value Aggregate read by a Select": "v1 = Map(x % 2, tokens)\nv2 = Map(x < 2, v1)\n"
                                            "v3 = Select(indices, indices, EQ)\nv4 = Aggregate(v3, v2)\n"
                                            "v5 = Select(v4, tokens, LEQ)\nv6 = SelectorWidth(v5)\n",
    "two SequenceMaps of one pair": "v1 = SequenceMap(x + y, tokens, indices)\nv2 = SequenceMap(x - y, tokens, indices)\n"
                                    "v3 = SequenceMap(x * y, v1, v2)\n",
}


def unlabelled(weights: ModelWeights) -> ModelWeights:
    return dataclasses.replace(weights, residual_labels=None)


def check(weights: ModelWeights) -> None:
    labels, _ = infer_labels(unlabelled(weights))
    assert variable_groups(labels) == variable_groups(weights.residual_labels)


@pytest.mark.parametrize("name", HARD_CASES)
def test_hard_cases_give_the_true_variables_and_types(name):
    check(weights_of(compile_program(canonicalize(parse_program(HARD_CASES[name])))))


def tracr_weights(program, vocab: tuple, max_seq_len: int) -> ModelWeights:
    from tracr.compiler import compiling

    from trade.compiled import CompileConfig

    model = compiling.compile_rasp_to_model(program, vocab=set(vocab), max_seq_len=max_seq_len,
                                            compiler_bos="BOS", compiler_pad="PAD")
    return weights_of_tracr(model, CompileConfig(vocab=vocab, max_seq_len=max_seq_len))


def test_zero_one_numerical_maps_read_by_numerical_aggregates_stay_numerical():
    """Tracr's make_pair_balance: two numerical Maps of the tokens whose neurons, side by side, read
    each token once, as one categorical lookup would; the Aggregates reading them one at a time tell."""
    from tracr.compiler import lib
    from tracr.rasp import rasp

    check(tracr_weights(lib.make_pair_balance(rasp.tokens, "(", ")"), ("(", ")"), 6))


def test_lookup_neurons_no_value_reaches_stay_in_their_map():
    """make_nary_sequencemap's SequenceMap of the tokens with themselves is compiled as a Map whose
    value set holds pairs no token maps to: their neurons read nothing."""
    from tracr.compiler import lib
    from tracr.rasp import rasp

    check(tracr_weights(lib.make_nary_sequencemap(lambda x, y, z: x + y - z, rasp.tokens, rasp.tokens,
                                                  rasp.indices), (1, 2, 3), 4))


def test_a_constant_lookup_is_categorical_when_the_output_is():
    from tracr.rasp import rasp

    weights = tracr_weights(rasp.categorical(rasp.Map(lambda t: 0, rasp.tokens)), ("x", "y"), 3)
    check(weights)
    labels, _ = infer_labels(unlabelled(dataclasses.replace(weights, output_values=None)))
    # said to be numerical: read as numerical
    assert variable_groups(labels) != variable_groups(weights.residual_labels)


def test_made_up_names_keep_the_neuron_order_so_the_reading_is_exact():
    """A SelectorWidth labelled below `clean_bos` puts its neurons before Tracr's BOS-cleaning one;
    names that sorted after it would recompile to other arrays (`equivalent`, not `exact`)."""
    from tracr.rasp import rasp

    from trade.decompile import DecompileOptions, decompile

    group = rasp.categorical(rasp.Map(lambda t: t % 2, rasp.tokens)).named("group")
    program = rasp.SelectorWidth(rasp.Select(group, group, rasp.Comparison.EQ)).named("alpha")
    weights = tracr_weights(program, (0, 1, 2, 3), 4)
    result = decompile(unlabelled(weights), options=DecompileOptions(repair=False))
    assert result.verdict == "exact", result.reason


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), index=st.integers(0, 10**6))
def test_generated_programs_give_the_true_variables_or_an_error(seed, index):
    program = canonicalize(sample_accepted(seed, index, SamplerConfig()).program)
    weights = weights_of(compile_program(program))
    try:
        labels, _ = infer_labels(unlabelled(weights))
    except LabelError:
        return
    assert variable_groups(labels) == variable_groups(weights.residual_labels)


@pytest.mark.parametrize("predicate", [lambda k, q: k == max(q - 1, 0), lambda k, q: k == q],
                         ids=["previous", "same"])
def test_the_output_aggregates_values_name_the_map_it_moves(predicate):
    # A three-valued Map of tokens read only by the output Aggregate: the Map's values are not in the
    # weights, but the output's are (Tracr's read-out), and an Aggregate's values are its input's.
    from tracr.rasp import rasp

    from trade.decompile import decompile

    moved = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, predicate),
                           rasp.Map(str.upper, rasp.tokens))
    weights = tracr_weights(moved, ("a", "b", "c"), 5)
    labels, unknown = infer_labels(unlabelled(weights))
    assert variable_groups(labels) == variable_groups(weights.residual_labels) and not unknown
    made_up = [label.partition(":") for label in labels
               if label.partition(":")[0] not in ("tokens", "indices")]
    assert sorted(value for _, colon, value in made_up if colon) == ["A", "A", "B", "B", "C", "C"]
    result = decompile(unlabelled(weights))
    assert result.verdict == "exact", result.reason


def test_a_lookup_whose_first_values_no_input_reaches_is_not_taken_for_the_lookup_before_it():
    """Tracr compiles a SequenceMap of a variable with itself as a Map of its diagonal: its neurons for
    values only other pairs reach (here the negative ones, which come first) read nothing. In one layer
    after another lookup, they were taken for that lookup's, and the variable fell apart into six
    one-value variables: the model did not read ("mixes encodings in a SequenceMap"). Each is read as the
    SequenceMap of its variable with itself, so the reading is `exact`."""
    from tracr.compiler import compiling, lib
    from tracr.rasp import rasp

    from trade.decompile import decompile, weights_from

    hist = lib.make_hist()
    square = rasp.SequenceMap(lambda a, b: a * b - a, hist, hist).named("hist_square_minus")
    code = rasp.Map(lambda c: ord(c) % 3, rasp.tokens, simplify=False).named("code3")
    pair = rasp.SequenceMap(lambda a, b: a * 3 + b, code, code).named("code_int")
    merged = rasp.SequenceMap(lambda s, p: s * 10 + p, square, pair).named("merged")
    model = compiling.compile_rasp_to_model(merged, vocab=set("mnop"), max_seq_len=6, compiler_bos="BOS")
    named = weights_from(model)
    plain = dataclasses.replace(named, residual_labels=None)
    labels, _ = infer_labels(plain)
    sizes = sorted(len(dims) for dims, _ in variable_groups(labels))
    assert sizes == sorted(len(dims) for dims, _ in variable_groups(named.residual_labels))
    result = decompile(plain)
    assert result.verdict == "exact" and result.stage == "read", result.reason


def test_a_map_to_none_for_some_tokens_reads_from_plain_and_rotated_weights():
    """Tracr gives a token that a categorical Map sends to None no neuron, so the lookup's reads cover
    only part of the tokens; it was split into one-value numerical Maps that nothing reads."""
    from tracr.rasp import rasp

    from trade.decompile import decompile
    from trade.transform import rotate

    keep = {"p", "q"}
    weights = tracr_weights(rasp.Map(lambda t: t if t in keep else None, rasp.tokens), ("p", "q", "r", "s"), 3)
    check(weights)
    for plain_or_rotated in (unlabelled(weights), rotate(unlabelled(weights), seed=0)):
        result = decompile(plain_or_rotated)
        assert result.verdict == "exact", result.reason
