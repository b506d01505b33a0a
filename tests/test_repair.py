"""Weight-guided repair: unit scores, the local search and its helpers (with the shipped checkpoint)."""

import dataclasses

import pytest

from trade.compiling import compile_program
from trade.decoding import weight_tokens
from trade.decompile import load_decompiler
from trade.program.program import canonicalize
from trade.program.text import parse_program, program_to_text
from trade.program.tokens import TOKEN_ID, ids_to_program, program_to_ids
from trade.repair import (RepairOptions, Searcher, _lambda_ancestors, _renumbered, climb, most_likely_twin,
                          repair, score_candidate, unit_counts, weight_units)
from trade.verify import EXACT, reference_model, verify
from trade.weights import weights_of
from tests.conftest import REVERSE


@pytest.fixture(scope="module")
def decompiler():
    return load_decompiler()


@pytest.fixture(scope="module")
def reverse():
    program = canonicalize(parse_program(REVERSE))
    return program, weights_of(compile_program(program))


def _substitute(program, old: str, new: str):
    """The program with the first token `old` after position 0 replaced by `new`."""
    ids = program_to_ids(program)
    position = ids.index(TOKEN_ID[old], 1)
    return canonicalize(ids_to_program(ids[:position] + [TOKEN_ID[new]] + ids[position + 1:]))


def test_a_program_matches_its_own_weights(reverse):
    program, weights = reverse
    scored = score_candidate(program, compile_program(program), unit_counts(weights), weights)
    assert scored.score == 0 and scored.suspects == []
    assert all(unit.key[0] in ("token_embed", "pos_embed", "query", "key", "value", "attn_out", "mlp")
               for unit in weight_units(weights))


def test_a_wrong_comparison_is_localised(reverse):
    program, weights = reverse
    wrong = _substitute(program, "EQ", "LT")
    scored = score_candidate(wrong, compile_program(wrong), unit_counts(weights), weights)
    assert scored.score < 0
    changed = [i for i, (a, b) in enumerate(zip(program.lines, wrong.lines)) if a != b]
    assert set(changed) <= set(scored.suspects)


def test_tokens_and_indices_inputs_are_told_apart():
    on_tokens = canonicalize(parse_program("a = Map(x + 1, tokens)\nb = SequenceMap(x + y, a, indices)\n"))
    on_indices = canonicalize(parse_program("a = Map(x + 1, indices)\nb = SequenceMap(x + y, a, tokens)\n"))
    assert unit_counts(weights_of(compile_program(on_tokens))) != unit_counts(weights_of(compile_program(on_indices)))


def test_repair_climbs_back_to_the_given_weights(decompiler, reverse):
    program, weights = reverse
    tokens = weight_tokens(decompiler.model, [weights], decompiler.tokenizer)[0]
    reference = reference_model(weights, weights.output_values)

    def is_exact(candidate):
        return verify(candidate, reference).verdict == EXACT

    searcher = Searcher(weights, decompiler.model, tokens, RepairOptions(max_seconds=30), is_exact)
    start = _substitute(program, "EQ", "LT")
    assert not is_exact(start)
    found = repair(searcher, [start])
    assert found and is_exact(found[0]), program_to_text(found[0])
    assert searcher.compiles <= searcher.options.max_compiles
    twin = most_likely_twin(searcher, found[0], is_exact)
    assert is_exact(twin)


SELECTS = """\
v1 = Map(abs(x), tokens)
v2 = Map(x // 2, indices)
v3 = numerical(Map(x == 0, tokens))
v4 = SequenceMap(x + y, indices, tokens)
v5 = Select(v1, v4, EQ)
v6 = Select(v2, v2, GEQ)
v7 = numerical(Aggregate(v5, v3))
v8 = numerical(Aggregate(v6, v7))
"""


def test_sideways_moves_leave_a_plateau_that_stops_plain_climbing(decompiler):
    # A validation program whose search stopped two units short: v1's lambda and both
    # Selects' arguments were wrong, and no single edit scored better.
    truth = canonicalize(parse_program(SELECTS))
    stuck = canonicalize(parse_program(SELECTS.replace("abs(x)", "x - 1").replace("v1, v4, EQ", "v1, v2, GEQ")
                                       .replace("v2, v2, GEQ", "v2, v4, GEQ")))
    weights = weights_of(compile_program(truth))
    tokens = weight_tokens(decompiler.model, [weights], decompiler.tokenizer)[0]
    reference = reference_model(weights, weights.output_values)

    def climbed(sideways: int):
        options = RepairOptions(max_seconds=300, max_compiles=10_000, sideways=sideways)  # not cut short
        searcher = Searcher(weights, decompiler.model, tokens, options,
                            lambda p: verify(p, reference).verdict == EXACT)
        return climb(searcher, searcher.scored(stuck))

    assert climbed(0).score < 0
    end = climbed(8)
    assert end.score == 0 and end.program == truth


def test_repair_respects_its_budget(decompiler, reverse):
    program, weights = reverse
    tokens = weight_tokens(decompiler.model, [weights], decompiler.tokenizer)[0]
    searcher = Searcher(weights, decompiler.model, tokens, RepairOptions(max_compiles=5))
    repair(searcher, [_substitute(program, "EQ", "LT")])
    assert searcher.compiles <= 5 + 1  # the start itself, then at most the budget


def test_renumbering_and_ancestors():
    program = canonicalize(parse_program(REVERSE))
    ids = program_to_ids(program)
    line = ids[1 + 4 * 3: 1 + 4 * 4]
    shifted = _renumbered(line, 2)
    assert [t for t in shifted if t not in line] == [TOKEN_ID[f"v{int(n[1:]) + 1}"] for n in
                                                     program.lines[3].variable_args if int(n[1:]) >= 2]
    last = len(program) - 1
    ancestors = _lambda_ancestors(program, last)
    assert ancestors and all(program.lines[i].op.value in ("Map", "SequenceMap") for i in ancestors)
    assert dataclasses.is_dataclass(RepairOptions())
