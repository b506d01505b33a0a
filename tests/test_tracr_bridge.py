import numpy as np
from tracr.compiler import lib
from tracr.rasp import rasp

from trade.program.interpret import evaluate_batch, random_inputs
from trade.program.program import ProgramError, canonicalize
from trade.program.text import parse_program
from trade.program.tracr_bridge import from_rasp, to_rasp
from tests.conftest import REVERSE

import pytest


def test_rasp_round_trip(accepted_programs):
    for accepted in accepted_programs:
        expr = to_rasp(accepted.program)
        assert expr.name == accepted.program.output
        assert canonicalize(from_rasp(expr)) == accepted.program


def _rasp_output(expr, sequence):
    return [np.nan if v is None else float(v) for v in rasp.evaluate(expr, [int(x) for x in sequence])]


def test_interpreter_matches_tracr_evaluator(accepted_programs):
    rng = np.random.default_rng(0)
    for accepted in accepted_programs:
        program = accepted.program
        expr = to_rasp(program)
        for batch in random_inputs((0, 1, 2, 3, 4), 5, 20, rng):
            ours = evaluate_batch(program, batch).output(program)
            for row, sequence in enumerate(batch):
                np.testing.assert_allclose(ours[row], _rasp_output(expr, sequence), equal_nan=True)


def test_reverse_matches_tracr_lib():
    ours = to_rasp(parse_program(REVERSE))
    theirs = lib.make_reverse(rasp.tokens)
    for sequence in ([1, 2, 3], [4, 0, 0, 2, 1], [3]):
        assert ours(sequence) == theirs(sequence)


def test_foreign_lambdas_are_refused():
    with pytest.raises(ProgramError, match="not in the lambda library"):
        from_rasp(rasp.Map(lambda x: x + 17, rasp.tokens))


def test_labels_do_not_depend_on_what_was_built_before(accepted_programs):
    program = accepted_programs[0].program
    first = to_rasp(program)
    for other in accepted_programs[1:]:
        to_rasp(other.program)  # advances Tracr's global id counter
    second = to_rasp(program)
    assert first.label == second.label == f"{program.output}_{len(program)}"
