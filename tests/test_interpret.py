import numpy as np
from tracr.compiler import validating

from trade.program.interpret import (all_inputs, decode_value, encode_value, evaluate_batch, input_space_size,
                                     probing_inputs)
from trade.program.text import parse_program
from trade.program.tracr_bridge import to_rasp

AVERAGING = "s = Select(tokens, tokens, TRUE)\na = Aggregate(s, tokens)\n"
NONE_INTO_SELECT = ("s = Select(indices, indices, LT)\na = Aggregate(s, tokens)\n"
                    "t = Select(a, tokens, EQ)\nw = SelectorWidth(t)\n")


def test_input_space():
    spaces = all_inputs((0, 1, 2, 3, 4), 5)
    assert sum(len(s) for s in spaces) == input_space_size(5, 5) == 3905


def test_validator_flags_cover_tracr_dynamic_validator():
    """We flag every input Tracr's validator flags, and also averages that happen to
    land on an existing value (mean of 1, 2, 3 is 2), which the compiled model
    cannot compute either."""
    program = parse_program(AVERAGING)
    expr = to_rasp(program)
    batch = np.array([[1, 1, 1], [1, 2, 3], [0, 0, 4]], dtype=float)
    flags = evaluate_batch(program, batch).unsupported
    tracr_flags = [bool(validating.dynamic_validate(expr, [int(v) for v in row])) for row in batch]
    assert tracr_flags == [False, False, True]
    assert flags.tolist() == [False, True, True]


def test_none_reaching_a_comparison_is_an_error():
    program = parse_program(NONE_INTO_SELECT)
    evaluation = evaluate_batch(program, np.array([[1, 2, 3]], dtype=float))
    assert evaluation.errors.tolist() == [True]


def test_causal_evaluation_lets_each_selector_see_only_earlier_keys():
    program = parse_program("s = Select(tokens, tokens, TRUE)\nw = SelectorWidth(s)\n")
    tokens = np.array([[1.0, 2.0, 3.0]])
    assert evaluate_batch(program, tokens).output(program).tolist() == [[3, 3, 3]]
    assert evaluate_batch(program, tokens, causal=True).output(program).tolist() == [[1, 2, 3]]


def test_causal_evaluation_computes_what_tracr_s_causal_model_does():
    """Tracr's own model compiled with causal=True against the interpreter's causal evaluation, on every
    input where RASP's value is not None (a None position shows Tracr's zero vector)."""
    from tracr.compiler import compiling

    from trade.program.interpret import decode_value

    source = ("s = Select(tokens, tokens, LT)\nw = SelectorWidth(s)\nq = Select(w, indices, EQ)\n"
              "a = Aggregate(q, tokens)\n")  # make_sort_unique: under the mask, not a sort
    program = parse_program(source)
    model = compiling.compile_rasp_to_model(to_rasp(program), vocab={0, 1, 2}, max_seq_len=4,
                                            compiler_bos="BOS", causal=True)
    differ_causal = differ_plain = 0
    for batch in all_inputs((0, 1, 2), 4):
        causal = evaluate_batch(program, batch, causal=True).output(program)
        plain = evaluate_batch(program, batch).output(program)
        for tokens, want, bidirectional in zip(batch.tolist(), causal, plain):
            got = model.apply(["BOS"] + [int(t) for t in tokens]).decoded[1:]
            differ_causal += sum(w == w and decode_value(w) != g for w, g in zip(want, got))
            differ_plain += sum(w == w and decode_value(w) != g for w, g in zip(bidirectional, got))
    assert differ_causal == 0
    assert differ_plain > 0  # the mask matters for this program


def test_probing_inputs_hold_the_sequences_uniform_sampling_misses():
    """A fifth of a verification sample is sorted, constant or of two values: a program that branches on
    a sorted or all-equal sequence of 8 of 10 tokens shows that branch to a uniform sample about never."""
    vocab, length = tuple(range(10)), 8
    batches = probing_inputs(vocab, length, 5_000, np.random.default_rng(0))
    assert sum(len(b) for b in batches) == 5_000
    assert [b.shape[1] for b in batches] == list(range(1, length + 1))
    longest = batches[-1]
    assert set(np.unique(longest)) <= set(map(float, vocab))
    up = (np.diff(longest, axis=1) >= 0).all(axis=1)
    down = (np.diff(longest, axis=1) <= 0).all(axis=1)
    constant = (longest == longest[:, :1]).all(axis=1)
    assert min(up.sum(), down.sum(), constant.sum()) >= 20
    letters = probing_inputs(("b", "c", "a"), 6, 1_000, np.random.default_rng(1))[-1]
    value_of = {encode_value(v): v for v in "abc"}
    rows = [[value_of[code] for code in row] for row in letters.tolist()]
    assert sum(row == sorted(row) for row in rows) > 10  # sorted by the values, not by their codes


def test_integers_float64_cannot_hold_are_told_apart():
    """Values are stored as float64, which holds integers exactly only up to 2**53, and codes of strings
    start at 2**48: tokens 2**53 and 2**53 + 1 (summit `big_int_tokens_2pow53`) were one value, and the
    integer 2**48 read back as the first string stored. Such numbers are stored as codes, as strings are."""
    big = 2 ** 53
    program = parse_program(f"v1 = Map({{{big}: 0, {big + 1}: 1, {big + 2}: 2}}, tokens)\n")
    tokens = np.array([[encode_value(big + 1), encode_value(big), encode_value(big + 2)]])
    assert evaluate_batch(program, tokens).output(program).tolist() == [[1, 0, 2]]
    encode_value("a")
    for value in (2 ** 48, -(big + 1), 2 ** 60, 10.0 ** 20, 10 ** 400, 3, -7, 0.25, True):
        assert decode_value(encode_value(value)) == value
    assert np.isnan(encode_value(float("nan"))) and encode_value(2.5) == 2.5
