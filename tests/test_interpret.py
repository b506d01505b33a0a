import numpy as np
from tracr.compiler import validating

from trade.program.interpret import all_inputs, evaluate_batch, input_space_size
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
