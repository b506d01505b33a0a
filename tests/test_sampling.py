import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from tracr.compiler import validating

from trade.compiling import compile_program
from trade.program.lambdas import LAMBDA_BY_TOKEN
from trade.program.program import MAX_LINES, VarType, canonicalize, is_canonical
from trade.program.text import parse_program, program_to_text
from trade.program.tokens import ids_to_program, program_to_ids
from trade.program.tracr_bridge import from_rasp, to_rasp
from trade.sampling import (FUNCTION_WEIGHTS, Rejection, SamplerConfig, _check_program, _fill, _Restart,
                            generate_program, model_agrees, sample_accepted, fixed_test_inputs)
from tests.conftest import FRAC_ONES

CONFIG = SamplerConfig()
INPUTS = fixed_test_inputs(CONFIG)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), index=st.integers(0, 10**6))
def test_every_accepted_program_is_sound(seed, index):
    accepted = sample_accepted(seed, index, CONFIG, INPUTS)
    program = accepted.program
    assert CONFIG.min_lines <= len(program) <= CONFIG.max_lines <= MAX_LINES
    assert is_canonical(program) and canonicalize(program) == program
    assert parse_program(program_to_text(program)) == program
    assert ids_to_program(program_to_ids(program)) == program
    assert canonicalize(from_rasp(to_rasp(program))) == program
    expr = to_rasp(program)
    assert not validating.static_validate(expr)
    for row in INPUTS[-1][:3]:
        assert not validating.dynamic_validate(expr, [int(v) for v in row])
    model = compile_program(program)
    assert all(np.array_equal(model.params[k], accepted.model.params[k]) for k in model.params)


def test_sampling_is_deterministic():
    first = [sample_accepted(3, i, CONFIG, INPUTS).program for i in range(3)]
    again = [sample_accepted(3, i, CONFIG, INPUTS).program for i in reversed(range(3))]
    assert first == list(reversed(again))


def test_function_weights_come_from_tracr_lib():
    assert FUNCTION_WEIGHTS == {op: n for op, n in FUNCTION_WEIGHTS.items()}
    assert sum(FUNCTION_WEIGHTS.values()) == 42


SHORT = SamplerConfig(min_lines=1)


@pytest.mark.parametrize("reason, source", [
    (Rejection.TOO_SHORT, FRAC_ONES),
    (Rejection.TOO_MANY_SEQUENCE_MAPS,
     "a = SequenceMap(x + y, tokens, indices)\nb = SequenceMap(x - y, a, tokens)\n"
     "c = SequenceMap(x * y, b, indices)\nd = Map(x + 1, c)\ne = Map(x - 1, d)\n"),
    (Rejection.REDUNDANT, "a = Map(x + 1, tokens)\nb = Map(x + 1, tokens)\nc = SequenceMap(x + y, a, b)\n"),
    (Rejection.INTERPRETER_ERROR, "s = Select(indices, indices, LT)\na = Aggregate(s, tokens)\n"
                                  "t = Select(a, tokens, EQ)\nw = SelectorWidth(t)\n"),
    (Rejection.VALIDATOR, "s = Select(tokens, tokens, TRUE)\na = Aggregate(s, tokens)\n"),
    (Rejection.CONSTANT, "s = Select(tokens, tokens, FALSE)\nw = SelectorWidth(s)\n"),
    (Rejection.TRIVIAL, "a = Map(x + 1, tokens)\nb = Map(x - 1, a)\n"),
    (Rejection.COMPILE_ERROR, "a = Map(x + 1, indices)\n"),
    (Rejection.MODEL_MISMATCH, FRAC_ONES + "big = Map(x > 0.5, frac)\n"),
])
def test_each_rejection_reason_triggers(reason, source):
    config = CONFIG if reason is Rejection.TOO_SHORT else SHORT
    assert _check_program(parse_program(source), config, INPUTS) is reason


def test_compile_timeout_is_enforced():
    config = SamplerConfig(min_lines=1, compile_timeout=1e-5)
    source = FRAC_ONES + "big = Map(x > 0, frac)\n"
    assert _check_program(parse_program(source), config, INPUTS) is Rejection.COMPILE_TIMEOUT


def test_generator_rejects_long_programs_and_restarts_when_nothing_fits():
    rng = np.random.default_rng(0)
    with pytest.raises(_Restart, match="too many lines"):
        for _ in range(50):
            generate_program(rng, length=20, max_lines=3)
    only_numerical = {VarType.CATEGORICAL: [], VarType.NUMERICAL: ["v1"], VarType.SELECTOR: []}
    for op in FUNCTION_WEIGHTS:
        filled = _fill(op, rng, only_numerical)
        if filled is not None:  # only a Map can read a numerical variable alone
            assert LAMBDA_BY_TOKEN[filled[0]].kind.input_encoding.value == "numerical"


def test_model_agreement_detects_wrong_weights(accepted_programs):
    accepted = accepted_programs[0]
    from trade.program.interpret import evaluate_batch

    batch = INPUTS[-1]
    expected = evaluate_batch(accepted.program, batch).output(accepted.program)
    assert model_agrees(accepted.model, batch, expected)
    assert not model_agrees(accepted.model, batch, np.where(np.isnan(expected), expected, expected + 1))


def test_generator_restarts_when_no_function_can_be_filled(monkeypatch):
    from trade import sampling
    from trade.program.program import Op

    monkeypatch.setattr(sampling, "FUNCTION_WEIGHTS", {Op.AGGREGATE: 1})  # needs a selector; none exists
    with pytest.raises(_Restart, match="no function"):
        generate_program(np.random.default_rng(0), length=3)
