"""Suites of Tracr programs and their results (trade.suites)."""

from trade.suites import vocab_kind


def test_a_suite_heading_names_what_its_tokens_are():
    # Before: every vocabulary without a string was headed "ints", bools and tuples included
    assert vocab_kind((0, 1, 2)) == "ints"
    assert vocab_kind(("a", "b")) == "strings"
    assert vocab_kind((False, True)) == "bools"
    assert vocab_kind(((0, 1), (1, 0))) == "tuples"
    assert vocab_kind((1, "a")) == "mixed"
