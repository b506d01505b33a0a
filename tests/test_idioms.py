"""Idioms are found by dataflow and behaviour: in the suite, in Tracr's lib.py, with tables for lambdas."""

from __future__ import annotations

from pathlib import Path

import pytest

from trade.compiled import CompileConfig
from trade.compiling import compile_program
from trade.decompile import decompile
from trade.idioms import condition_text, fit_formula, predicate_formula, read_program
from trade.program.program import variable_name
from trade.program.text import parse_program

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# The idioms each hand-written program is built from (its output's idiom last).
SUITE_IDIOMS = {
    "count_less_freq": ["hist", "count"],
    "count_token": ["length", "count"],
    "detect_pattern": ["shift_by", "detect_pattern"],
    "frac_prevs": ["frac_prevs"],
    "frac_smaller": ["frac_all"],
    "hist": ["hist"],
    "is_unique": ["hist", "is_unique"],
    "last_token": ["length", "last_token"],
    "length": ["length"],
    "pair_balance": ["count_prevs", "count_prevs", "pair_balance"],
    "reverse": ["length", "reverse"],
    "same_as_prev": ["shift_by", "same_as_prev"],
    "shift_by_one": ["shift_by"],
    "sort_unique": ["target_pos", "sort_unique"],
}


def _decompiled(source: str):
    result = decompile(compile_program(parse_program(source)))
    assert result.verdict == "exact", result.reason
    return result


def test_every_suite_program_is_listed():
    assert sorted(SUITE_IDIOMS) == sorted(p.stem for p in EXAMPLES.glob("*.rasp"))


@pytest.mark.parametrize("name", sorted(SUITE_IDIOMS))
def test_suite_programs_come_back_with_their_idioms_named(name):
    result = _decompiled((EXAMPLES / f"{name}.rasp").read_text())
    reading = read_program(result.program, result.config)
    assert sorted(i.kind for i in reading.idioms) == sorted(SUITE_IDIOMS[name])
    output_idiom = next(i for i in reading.idioms if i.variable == result.program.output)
    assert output_idiom.kind == SUITE_IDIOMS[name][-1]
    assert reading.output_name != result.program.output  # named, not v6
    assert reading.description.startswith(reading.output_name + ": ")
    assert reading.examples and all(len(e.output) == len(e.tokens) for e in reading.examples)


def test_reverse_reads_as_a_person_would_write_it():
    reading = read_program(_decompiled((EXAMPLES / "reverse.rasp").read_text()).program)
    text = reading.text(comments=False)
    assert "length = SelectorWidth(all_pairs)" in text
    assert "reverse = Aggregate(flip, tokens)" in text
    assert "opp_idx = Map(x - 1, " in text
    assert reading.description == "reverse: the tokens in reverse order"
    assert reading.examples[0].tokens == (4, 3, 2, 1, 0) and reading.examples[0].output == (0, 1, 2, 3, 4)


def test_tables_match_as_the_lambdas_they_compute():
    """reverse with every lambda and the comparison written as tables: the same idioms, formulas printed."""
    pairs = ", ".join(f"({k}, {q})" for k in range(5) for q in range(5))
    flip = ", ".join(f"({i}, {i})" for i in range(5))
    differences = ", ".join(f"({n}, {i}): {n - i}" for n in range(6) for i in range(5))
    source = f"""
all_pairs = Select(tokens, tokens, {{{pairs}}})
length = SelectorWidth(all_pairs)
opp = SequenceMap({{{differences}}}, length, indices)
opp_1 = Map({{{", ".join(f"{v}: {v - 1}" for v in range(-4, 7))}}}, opp)
flip = Select(indices, opp_1, {{{flip}}})
reverse = Aggregate(flip, tokens)
"""
    program = parse_program(source)
    reading = read_program(program)
    assert [i.kind for i in reading.idioms] == ["length", "reverse"]
    assert reading.formulas[variable_name(3)] == "x - 1"
    assert reading.formulas[variable_name(2)] == "x - y"
    assert reading.formulas[variable_name(0)] == "TRUE"
    assert "flip = Select(indices, opp_idx, k == q)" in reading.text()


def test_an_off_by_one_reverse_is_not_called_reverse():
    source = (EXAMPLES / "reverse.rasp").read_text().replace("opp_idx_1 = Map(x - 1, opp_idx)",
                                                              "opp_idx_1 = Map(x + 1, opp_idx)")
    reading = read_program(parse_program(source))
    assert "reverse" not in [i.kind for i in reading.idioms]
    assert "length" in [i.kind for i in reading.idioms]


def test_tracr_lib_programs():
    from tracr.compiler import lib
    from tracr.rasp import rasp

    expected = {
        "sort": (lambda: lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1), "sort"),
        "sort_freq": (lambda: lib.make_sort_freq(max_seq_len=5), "sort"),
        "shift_by_2": (lambda: lib.shift_by(2, rasp.tokens), "shift_by"),
        "detect_pattern": (lambda: lib.detect_pattern(rasp.tokens, [1, 2]), "detect_pattern"),
        "pair_balance": (lambda: lib.make_pair_balance(rasp.tokens, 1, 2), "pair_balance"),
        "count": (lambda: lib.make_count(rasp.tokens, 2), "count"),
        "frac_prevs": (lambda: lib.make_frac_prevs(rasp.numerical(rasp.Map(lambda x: x == 1, rasp.tokens))),
                       "frac_prevs"),
    }
    descriptions = {}
    for name, (build, kind) in expected.items():
        result = decompile(compile_program(build(), CompileConfig()))
        reading = read_program(result.program, result.config)
        output = next((i for i in reading.idioms if i.variable == result.program.output), None)
        assert output is not None and output.kind == kind, (name, reading.text())
        descriptions[name] = reading.description
    assert "the tokens sorted by -hist" in descriptions["sort_freq"]
    assert "the last 2 tokens are 1, 2" in descriptions["detect_pattern"]


def test_string_vocabularies():
    config = CompileConfig(vocab=("a", "b", "c"), max_seq_len=4)
    program = parse_program((EXAMPLES / "hist.rasp").read_text())
    reading = read_program(program, config)
    assert [i.kind for i in reading.idioms] == ["hist"]
    assert reading.examples[0].tokens[0] in ("a", "b", "c")


def test_fit_formula():
    xs = list(range(5))
    assert fit_formula([4 - x for x in xs], [xs]) == "4 - x"
    assert fit_formula([x == 2 for x in xs], [xs]) == "x == 2"
    assert fit_formula([int(x < 2) for x in xs], [xs]) == "x <= 1"
    assert fit_formula([min(x, 2) for x in xs], [xs]) == "min(x, 2)"
    assert fit_formula([x % 3 for x in xs], [xs]) == "x % 3"
    assert fit_formula([3, 1, 4, 1, 5], [xs]) is None
    grid = [(x, y) for x in xs for y in (0, 1)]
    assert fit_formula([(4 - x) * y for x, y in grid], list(zip(*grid))) == "4 - x if y == 1 else 0"
    pairs = [(x, y) for x in xs for y in xs]
    assert fit_formula([x + 0.2 * y for x, y in pairs], list(zip(*pairs))) == "x + 0.2 * y"
    bits = [(x, y) for x in (0, 1) for y in (0, 1)]
    assert fit_formula([int(x and y) for x, y in bits], list(zip(*bits))) == "x and y"
    assert fit_formula([x == y for x, y in pairs], list(zip(*pairs))) == "x == y"
    assert condition_text({1, 3}, [0, 1, 2, 3], "t") == "t in {1, 3}"


def test_predicate_formulas():
    from trade.program.tables import predicate_token

    shift = predicate_token({(q - 1, q) for q in range(1, 5)})
    assert predicate_formula(shift, range(5), range(5)) == "k == q - 1"
    key_only = predicate_token({(2, q) for q in range(5)})
    assert predicate_formula(key_only, range(5), range(5)) == "k == 2"
    assert predicate_formula("LEQ", range(5), range(5)) == "LEQ"


@pytest.mark.parametrize("index", range(12))
def test_naming_never_changes_the_program(accepted_programs, index):
    """With library lambdas, the named text parses back to the very same program."""
    program = accepted_programs[index].program
    reading = read_program(program)
    assert parse_program(reading.text(comments=False)) == program


def test_decompile_named_prints_names_description_and_examples(capsys):
    from trade.cli import main

    assert main(["decompile", "--program", str(EXAMPLES / "reverse.rasp"), "--named"]) == 0
    out = capsys.readouterr().out
    assert "reverse = Aggregate(flip, tokens)" in out
    assert "# what it computes: reverse: the tokens in reverse order" in out
    assert "# example: 4 3 2 1 0 -> 0 1 2 3 4" in out
