import random

import pytest

from trade.program.program import Line, Op, Program, ProgramError, canonicalize, is_canonical, variable_name
from trade.program.text import parse_program
from trade.program.tokens import ids_to_program, program_to_ids, program_to_tokens, tokens_to_program
from tests.conftest import REVERSE


def _shuffle_topologically(program: Program, rng: random.Random) -> Program:
    """The same program with independent lines reordered and variables renumbered."""
    remaining = list(range(len(program)))
    order: list[int] = []
    placed: set[str] = {"tokens", "indices"}
    while remaining:
        ready = [i for i in remaining
                 if all(a in placed for a in program.lines[i].variable_args)]
        pick = rng.choice(ready[:-1] if len(ready) > 1 and remaining[-1] in ready else ready)
        if pick == len(program) - 1 and len(remaining) > 1:
            pick = next(i for i in ready if i != len(program) - 1)
        order.append(pick)
        remaining.remove(pick)
        placed.add(variable_name(pick))
    mapping = {variable_name(old): variable_name(new) for new, old in enumerate(order)}
    lines = []
    for old in order:
        line = program.lines[old]
        positions = {Op.SELECT: (0, 1), Op.AGGREGATE: (0, 1), Op.SELECTOR_WIDTH: (0,),
                     Op.MAP: (1,), Op.SEQUENCE_MAP: (1, 2)}[line.op]
        lines.append(Line(line.op, tuple(mapping.get(a, a) if i in positions else a
                                         for i, a in enumerate(line.args))))
    return Program(tuple(lines))


def test_canonical_form_ignores_order_and_numbering(accepted_programs):
    rng = random.Random(0)
    for accepted in accepted_programs:
        program = accepted.program
        assert is_canonical(program)
        for _ in range(3):
            shuffled = _shuffle_topologically(program, rng)
            assert canonicalize(shuffled) == program


def test_canonical_form_drops_dead_lines():
    program = parse_program("a = Map(x + 1, tokens)\nb = Map(x - 1, tokens)\nc = Map(x * 2, b)\n")
    assert len(canonicalize(program)) == 2


def test_tokens_round_trip(accepted_programs):
    for accepted in accepted_programs:
        program = accepted.program
        tokens = program_to_tokens(program)
        assert len(tokens) == 2 + 4 * len(program)
        assert tokens_to_program(tokens) == program
        assert ids_to_program(program_to_ids(program)) == program


def test_ill_typed_token_sequences_are_rejected():
    program = parse_program(REVERSE)
    tokens = program_to_tokens(program)
    broken = list(tokens)
    broken[2] = "v6"  # a variable used before it exists
    with pytest.raises(ProgramError):
        tokens_to_program(broken)
    with pytest.raises(ProgramError):
        tokens_to_program(tokens[:-2])


def test_type_errors():
    with pytest.raises(ProgramError, match="categorical"):
        Program((Line(Op.MAP, ("x == 1|cn", "tokens")), Line(Op.SELECT, ("v1", "tokens", "EQ")),
                 Line(Op.SELECTOR_WIDTH, ("v2",)))).types()
    # Any length type-checks: 15 lines is the generator's limit, not the language's.
    long = Program(tuple(Line(Op.MAP, ("x + 1|cc", "tokens" if i == 0 else f"v{i}")) for i in range(40)))
    assert len(long.types()) == 42
    with pytest.raises(ProgramError, match="unknown lambda"):
        Program((Line(Op.MAP, ("{0: 1}|zz", "tokens")),)).types()
