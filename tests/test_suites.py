"""Suites of Tracr programs and their results (trade.suites)."""

from trade.suites import vocab_kind


def test_a_suite_heading_names_what_its_tokens_are():
    # Before: every vocabulary without a string was headed "ints", bools and tuples included
    assert vocab_kind((0, 1, 2)) == "ints"
    assert vocab_kind(("a", "b")) == "strings"
    assert vocab_kind((False, True)) == "bools"
    assert vocab_kind(((0, 1), (1, 0))) == "tuples"
    assert vocab_kind((1, "a")) == "mixed"


def test_the_truth_check_tells_apart_integers_one_apart_past_float_precision():
    """summit `big_int_outputs` and `big_int_tokens_2pow53`: outputs 2**60 and 2**60 + 1 were one value to a
    relative tolerance, and tokens 2**53 and 2**53 + 1 one value to the interpreter, so a program that
    confuses them passed the check (and a right one failed it)."""
    from tracr.rasp import rasp

    from trade.compiled import CompileConfig
    from trade.program.text import parse_program
    from trade.suites import functionally_equivalent

    big, top = 2 ** 53, 2 ** 60
    config = CompileConfig(vocab=(big, big + 1), max_seq_len=2)
    original = rasp.categorical(rasp.Map(lambda x: top + x - big, rasp.tokens))
    inputs = [[big], [big + 1], [big, big + 1]]
    right = parse_program(f"v1 = Map({{{big}: {top}, {big + 1}: {top + 1}}}, tokens)\n")
    wrong = parse_program(f"v1 = Map({{{big}: {top}, {big + 1}: {top}}}, tokens)\n")
    assert functionally_equivalent(original, right, config, inputs) == (True, 3)
    assert not functionally_equivalent(original, wrong, config, inputs)[0]


def test_the_drift_suite_draws_the_same_random_programs_on_every_load():
    """`examples/drift` is drawn by a seeded generator at import: two loads must give the same 60 programs
    (the same names, and each program computes the same outputs), or its measured rows describe nothing."""
    from tracr.rasp import rasp

    from trade.suites import load_suite

    first, second = load_suite("examples/drift"), load_suite("examples/drift")
    assert [p.name for p in first] == [p.name for p in second]
    assert len({p.name for p in first}) == len(first) == 60
    for a, b in zip(first[:10], second[:10]):
        tokens = list(a.config.vocab)[: a.config.max_seq_len]
        assert rasp.evaluate(a.build(), tokens) == rasp.evaluate(b.build(), tokens)


def test_a_random_table_program_is_read_exactly_rotated_and_mixed():
    """drift `drift_17_...`: a random Select table, a width and a random Map table, none of them a library
    lambda: rotated and mixed, the reading recompiles to the given weights and computes the original."""
    from tests.conftest import suite_model
    from trade import transform
    from trade.decompile import decompile
    from trade.suites import check_inputs, functionally_equivalent

    original, config, plain = suite_model("drift", "drift_17_table_select_width_table_map_branches")
    for kind in ("rotate", "mix"):
        result = decompile(transform.transformed(plain, kind, 3))
        assert result.verdict == "exact", result.reason
        assert functionally_equivalent(original, result.program, config, check_inputs(config))[0]
