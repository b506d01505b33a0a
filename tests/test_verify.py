"""The verifier calls the compiled program exact, equivalent programs equivalent, and wrong ones neither."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trade.compiling import compile_program, run_compiled
from trade.program.interpret import all_inputs, evaluate_batch
from trade.program.lambdas import COMPARISONS, LAMBDA_BY_TOKEN, lambdas_of_kind
from trade.program.program import Line, Op, Program, ProgramError, canonicalize, check_types
from trade.program.text import parse_program
from trade.verify import (EQUIVALENT, EXACT, UNVERIFIED, output_block, reference_model, run_weights,
                          run_weights_rows, run_weights_watching_bos, undetermined_tokens, verify,
                          verify_candidates)
from trade.weights import weights_of
from tests.conftest import FRACTION_OF_POSITIVE

INPUTS = all_inputs((0, 1, 2, 3, 4), 5)

TWO_BRANCHES = """\
a = Map(x + 1, tokens)
b = Map(x == 0, indices)
c = SequenceMap(x + y, a, b)
"""
# The same function with the independent lines swapped: a different residual layout.
TWO_BRANCHES_SWAPPED = """\
b = Map(x == 0, indices)
a = Map(x + 1, tokens)
c = SequenceMap(x + y, a, b)
"""
PLUS_ONE_FIRST = "a = Map(x + 1, tokens)\nb = SequenceMap(x + y, a, indices)\n"
PLUS_ONE_LAST = "a = SequenceMap(x + y, tokens, indices)\nb = Map(x + 1, a)\n"
# The paper's Fig. 7: on SelectorWidth's non-negative output, abs(x) and relu agree.
WIDTH_ABS = """\
s = Select(tokens, tokens, LT)
w = SelectorWidth(s)
o = SequenceMap(x + y, w, tokens)
r = Map(abs(x), o)
"""
WIDTH_RELU = WIDTH_ABS.replace("abs(x)", "x if x > 0 else 0")
WIDTH_PLUS_ONE = "s = Select(tokens, tokens, LT)\nw = SelectorWidth(s)\no = Map(x + 1, w)\n"
WIDTH_PLUS_TWO = WIDTH_PLUS_ONE.replace("x + 1", "x + 2")


def outputs(program: Program) -> np.ndarray:
    return np.concatenate([evaluate_batch(program, x).output(program).reshape(-1) for x in INPUTS])


def same_function(a: Program, b: Program) -> bool:
    x, y = outputs(a), outputs(b)
    return bool(np.all((x == y) | (np.isnan(x) & np.isnan(y))))


def reference_of(source_or_program):
    program = parse_program(source_or_program) if isinstance(source_or_program, str) else source_or_program
    model = compile_program(program)
    return reference_model(weights_of(model), model.output_values)


def mutations(program: Program, rng: np.random.Generator, count: int) -> list[Program]:
    """Programs with one Select comparison or one lambda replaced (some are no-ops or equivalent)."""
    out = []
    for _ in range(count):
        index = int(rng.integers(len(program.lines)))
        line = program.lines[index]
        if line.op is Op.SELECT:
            args = (*line.args[:2], str(rng.choice(COMPARISONS)))
        elif line.op in (Op.MAP, Op.SEQUENCE_MAP):
            kind = LAMBDA_BY_TOKEN[line.args[0]].kind
            args = (rng.choice(lambdas_of_kind(kind)).token, *line.args[1:])
        else:
            continue
        lines = list(program.lines)
        lines[index] = Line(line.op, args)
        out.append(Program(tuple(lines)))
    return out


def test_the_compiled_program_is_exact(accepted_programs):
    for accepted in accepted_programs[:6]:
        result = verify(accepted.program, weights_of(accepted.model), accepted.model.output_values)
        assert result.verdict == EXACT, result.reason
        assert result.labels_checked


@pytest.mark.parametrize("truth, candidate", [(TWO_BRANCHES, TWO_BRANCHES_SWAPPED),
                                              (PLUS_ONE_FIRST, PLUS_ONE_LAST)])
def test_an_equivalent_program_is_equivalent_not_exact(truth, candidate):
    result = verify(parse_program(candidate), reference_of(truth))
    assert result.verdict == EQUIVALENT, result.reason


def test_the_papers_figure_7_pair_is_verified():
    """abs(x) and `x if x > 0 else 0` on a non-negative variable even compile to the same weights."""
    result = verify(parse_program(WIDTH_RELU), reference_of(WIDTH_ABS))
    assert result.verdict == EXACT, result.reason


def test_a_wrong_program_is_unverified():
    result = verify(parse_program(TWO_BRANCHES.replace("x + 1", "x + 2")), reference_of(TWO_BRANCHES))
    assert result.verdict == UNVERIFIED
    assert "differ" in result.reason


def test_output_labels_decide_what_the_weights_cannot():
    """x + 1 and x + 2 on the output compile to identical arrays; only the labels tell them apart."""
    truth, candidate = parse_program(WIDTH_PLUS_ONE), parse_program(WIDTH_PLUS_TWO)
    model = compile_program(truth)
    without_labels = verify(candidate, weights_of(model))
    assert without_labels.verdict == EXACT and not without_labels.labels_checked
    assert "up to renaming" in without_labels.reason
    assert verify(candidate, weights_of(model), model.output_values).verdict == UNVERIFIED


def test_ill_typed_and_uncompilable_candidates_are_unverified():
    reference = reference_of(TWO_BRANCHES)
    ill_typed = Program((Line(Op.SELECTOR_WIDTH, ("tokens",)),))
    with pytest.raises(ProgramError):
        check_types(ill_typed)
    assert verify(ill_typed, reference).reason.startswith("ill-typed")
    no_tokens = parse_program("a = Map(x + 1, indices)\n")  # Tracr needs the program to read tokens
    assert verify(no_tokens, reference).reason.startswith("does not compile")


def test_a_numerical_output_is_checked_by_value():
    ones, prevs, frac = ("o = numerical(Map(x == 1, tokens))\n", "s = Select(indices, indices, LEQ)\n",
                         "f = numerical(Aggregate(s, o))\n")
    truth = ones + prevs + frac
    reference = reference_of(truth)
    reordered = prevs + ones + frac
    assert verify(parse_program(reordered), reference).verdict in (EXACT, EQUIVALENT)
    assert verify(parse_program(truth.replace("x == 1", "x == 2")), reference).verdict == UNVERIFIED
    assert verify(parse_program(truth.replace("LEQ", "LT")), reference).verdict == UNVERIFIED


def test_verify_candidates_prefers_exact_then_equivalent():
    reference = reference_of(TWO_BRANCHES)
    wrong = parse_program(TWO_BRANCHES.replace("x == 0", "x == 1"))
    equivalent, exact = parse_program(TWO_BRANCHES_SWAPPED), parse_program(TWO_BRANCHES)
    ranking = verify_candidates([wrong, equivalent, exact], reference)
    assert ranking.best_index == 2 and ranking.best.verdict == EXACT
    assert [v.verdict for v in ranking.verifications] == [UNVERIFIED, EQUIVALENT, EXACT]
    assert verify_candidates([wrong, equivalent], reference).best_index == 1
    only_wrong = verify_candidates([wrong], reference)
    assert only_wrong.best_index == 0 and only_wrong.best.verdict == UNVERIFIED


def test_output_block_and_run_weights_match_the_compiled_model(accepted_programs):
    for accepted in accepted_programs[:6]:
        model, weights = accepted.model, weights_of(accepted.model)
        assert list(output_block(weights.params)) == list(range(*model.output_slice))
        inputs = INPUTS[2][:50]
        start, stop = model.output_slice
        block = run_weights(weights, inputs)[:, 1:, start:stop]
        decoded = block[..., 0] if model.output_values is None else \
            np.array(model.output_values, dtype=float)[block.argmax(-1)]
        np.testing.assert_allclose(decoded, run_compiled(model, inputs))


def test_soundness_on_mutated_programs(accepted_programs):
    """No candidate computing a different function is ever called exact or equivalent."""
    rng = np.random.default_rng(0)
    verdicts = []
    for accepted in accepted_programs:
        reference = reference_model(weights_of(accepted.model), accepted.model.output_values)
        for candidate in mutations(accepted.program, rng, 5):
            try:
                check_types(candidate)
            except ProgramError:
                continue
            result = verify(candidate, reference)
            verdicts.append(result.verdict)
            if result.verified:
                assert same_function(candidate, accepted.program), (result, candidate)
    assert UNVERIFIED in verdicts and EQUIVALENT in verdicts + [EXACT]


def test_a_value_copied_from_bos_is_not_taken_for_the_truth():
    """Regression: with an empty NEQ selection the model copies v7's BOS value, where RASP has None.

    The EQ variant is defined there with exactly that value; it must not be called equivalent.
    """
    truth = parse_program("""\
v1 = Select(tokens, tokens, NEQ)
v2 = Select(indices, indices, LEQ)
v3 = numerical(Map(x > 2, tokens))
v4 = SelectorWidth(v2)
v5 = Map(x > 0, v3)
v6 = Select(v4, v5, GEQ)
v7 = SelectorWidth(v6)
v8 = Aggregate(v1, v7)
""")
    candidate = Program((Line(Op.SELECT, ("tokens", "tokens", "EQ")), *truth.lines[1:]))
    assert not same_function(candidate, truth)
    result = verify(candidate, reference_of(truth))
    assert result.verdict == UNVERIFIED and "selected nothing" in result.reason
    assert verify(truth, reference_of(truth)).verdict == EXACT


# The token before each position (None at the first), then the input reversed: the None of position 0
# travels to the last position through the second Aggregate.
PREVIOUS_REVERSED = """\
back = Map(x - 1, indices)
before = Select(indices, back, EQ)
previous = Aggregate(before, tokens)
all = Select(tokens, tokens, TRUE)
length = SelectorWidth(all)
opp = SequenceMap(x - y, length, indices)
opp1 = Map(x - 1, opp)
flip = Select(indices, opp1, EQ)
reversed = Aggregate(flip, previous)
"""


def test_every_none_of_rasp_is_where_a_copy_of_bos_may_stand(accepted_programs):
    """Soundness of the positions a run checks: RASP's None comes only from an empty categorical
    selection, so wherever the program has None, the run marks the position as one a copy of BOS may
    reach (there the model's value is not the program's). Positions no copy reaches stay checked."""
    programs = [a.program for a in accepted_programs] + [parse_program(PREVIOUS_REVERSED)]
    for program in programs:
        reference = reference_of(program)
        for batch, fallback in zip(reference.inputs, reference.bos_fallback):
            none = np.isnan(evaluate_batch(program, batch).output(program))
            assert not (none & ~fallback).any()
    reference = reference_of(PREVIOUS_REVERSED)
    fallback = reference.bos_fallback[3]  # length 4: position 0 selects nothing, position 3 reads it
    assert fallback[:, 0].all() and fallback[:, 3].all() and not fallback[:, 1:3].any()


def test_watching_bos_does_not_change_the_forward_pass(accepted_programs):
    weights = weights_of(accepted_programs[0].model)
    residual, fallback = run_weights_watching_bos(weights, INPUTS[3])
    np.testing.assert_array_equal(residual, run_weights(weights, INPUTS[3]))
    assert fallback.shape == INPUTS[3].shape


def test_inputs_of_every_length_run_as_one_padded_batch(accepted_programs):
    for accepted in accepted_programs[:6]:
        weights = weights_of(accepted.model)
        batches = [batch[:7] for batch in INPUTS]  # lengths 1 to 5
        alone = np.vstack([run_weights(weights, batch).reshape(-1, weights.d_model) for batch in batches])
        np.testing.assert_allclose(run_weights_rows(weights, batches), alone, rtol=0, atol=1e-9)


def test_undetermined_tokens_are_the_ones_the_weights_do_not_decide():
    program = canonicalize(parse_program(FRACTION_OF_POSITIVE))
    model = compile_program(program)
    found = undetermined_tokens(program, reference_model(weights_of(model), model.output_values))
    by_token = {item.token: item for item in found}
    assert "x > 0.5" in by_token["x > 0"].alternatives  # the same function of a 0/1 input
    assert "LEQ" not in by_token  # the comparison shows in the weights


def test_a_numerical_table_value_read_a_little_off_is_not_equivalent():
    """Numerical outputs were compared within 1e-2 (the lambda library's values differ by more), so a
    table value read 1e-3 off passed as `equivalent`: another program. Tracr's own models stray from RASP
    by float rounding only, and the right table still passes."""
    truth = "v1 = numerical(Map({0: 0.5, 1: 0.9668, 2: 1.7781, 3: 0.25, 4: 1.2474}, tokens))\n"
    reference = reference_of(truth)
    assert verify(parse_program(truth), reference).verdict == EXACT
    off = verify(parse_program(truth.replace("0.9668", "0.9678")), reference)
    assert off.verdict == UNVERIFIED and "differ" in off.reason, off.reason
    slightly = verify(parse_program(truth.replace("0.9668", "0.96681")), reference)
    assert slightly.verdict == EQUIVALENT, slightly.reason  # 1e-5: float32 rounding of the weights


LENGTH = "s = Select(tokens, tokens, TRUE)\nw = SelectorWidth(s)\n"
# Length read back from the first position: the same function as LENGTH, but not under a causal mask,
# where the first position's length is 1.
LENGTH_FROM_FIRST = LENGTH + ("f = Select(indices, indices, {(0, 0), (0, 1), (0, 2), (0, 3), (0, 4)})\n"
                              "a = Aggregate(f, w)\n")


def test_a_causal_model_is_verified_under_its_mask():
    from trade.compiled import CompileConfig

    causal = CompileConfig(causal=True)
    length, from_first = parse_program(LENGTH), parse_program(LENGTH_FROM_FIRST)
    assert same_function(length, from_first)  # bidirectional, they agree
    model = compile_program(length, causal)
    reference = reference_model(weights_of(model), model.output_values)
    assert verify(length, reference).verdict == EXACT
    assert verify(from_first, reference).verdict == UNVERIFIED
    plain = compile_program(length)
    assert verify(from_first, reference_model(weights_of(plain), plain.output_values)).verdict == EQUIVALENT


def test_a_confirming_run_takes_a_weak_clear_maximum_as_tracrs_argmax_does():
    """Tracr's MLPs step between close foreseen means with a finite slope and can leave a categorical
    output at 0.4 (InterpBench's shuffle-Dyck): where the weights already match, the run that confirms
    them decodes it as Tracr does; a weak maximum on the wrong value, or an unclear one, still differs."""
    import dataclasses

    from trade.verify import confirming_difference

    program = parse_program("a = Map(x + 1, tokens)\n")
    reference = reference_of(program)
    assert confirming_difference(program, reference) is None
    weak = dataclasses.replace(reference, shown=[s.scaled(0.4) for s in reference.shown])
    assert confirming_difference(program, weak) is None
    assert confirming_difference(parse_program("a = Map(x - 1, tokens)\n"), weak) is not None
    unclear = dataclasses.replace(reference, shown=[s.scaled(0.02, 0.25) for s in reference.shown])
    assert "None at different positions" in confirming_difference(program, unclear)


def test_a_confirming_run_takes_tracrs_own_narrow_maximum_but_a_compressed_run_does_not():
    """Where two widths reach max_seq_len, Tracr's own model can show 0.25 against 0.14 (fjord
    `causal_thumbs_star_rating`, every kind `unverified` before): matching weights leave no noise to fake
    that maximum, so the confirming run decodes it as Tracr's argmax does. A compressed model's run
    (`weak_values`), whose outputs carry the compression's blur, still wants `weak_margin` (0.2)."""
    import dataclasses

    from trade.verify import VerifyOptions, confirming_difference

    program = parse_program("a = Map(x + 1, tokens)\n")
    reference = reference_of(program)
    narrow = dataclasses.replace(reference, shown=[s.scaled(0.11, 0.14) for s in reference.shown])
    assert confirming_difference(program, narrow) is None
    assert confirming_difference(parse_program("a = Map(x - 1, tokens)\n"), narrow) is not None
    assert "None at different positions" in confirming_difference(program, narrow,
                                                                   VerifyOptions(weak_values=True))


@given(st.lists(st.tuples(st.sampled_from([-1.5, 0.0, 2.0, 7.25, 1e6]), st.integers(0, 6)), max_size=60))
def test_distinct_pairs_are_the_rows_np_unique_finds(pairs):
    """The one-integer key of `_distinct_pairs` gives np.unique(axis=0)'s rows, in its order."""
    from trade.verify import _distinct_pairs

    values = np.array([value for value, _ in pairs], dtype=float)
    dims = np.array([dim for _, dim in pairs], dtype=int)
    rows = np.unique(np.stack([values, dims], axis=1), axis=0) if pairs else np.zeros((0, 2))
    found_values, found_dims = _distinct_pairs(values, dims, 7)
    assert np.array_equal(found_values, rows[:, 0]) and np.array_equal(found_dims, rows[:, 1].astype(int))
