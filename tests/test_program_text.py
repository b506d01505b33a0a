import pytest

from trade.program.text import ParseError, parse_program, program_to_text
from tests.conftest import FRAC_ONES, REVERSE


def test_parse_and_print_round_trip():
    program = parse_program(REVERSE)
    assert len(program) == 6
    assert parse_program(program_to_text(program)) == program
    assert program_to_text(program).splitlines()[0] == "v1 = Select(tokens, tokens, TRUE)"


def test_numerical_wrapper_is_printed_and_required():
    program = parse_program(FRAC_ONES)
    assert "v3 = numerical(Aggregate(v2, v1))" in program_to_text(program)
    with pytest.raises(ParseError, match="write numerical"):
        parse_program("a = numerical(Map(x == 1, tokens))\nb = Select(indices, indices, LEQ)\n"
                      "c = Aggregate(b, a)\n")


def test_lambda_prefix_and_spacing_are_accepted():
    a = parse_program("v1 = Map(lambda x: x+1, tokens)\n")
    b = parse_program("v1 = Map(x + 1, tokens)  # comment\n")
    assert a == b
    c = parse_program("v1 = SequenceMap(lambda x, y: max(x, y), tokens, indices)\n")
    assert c.lines[0].args[0] == "max(x, y)|ss"


@pytest.mark.parametrize("source, line, column, message", [
    ("v1 = Map(x + 7, tokens)\n", 1, 10, "unknown lambda"),
    ("v1 = Map(x + 1, nothing)\n", 1, 17, "not defined"),
    ("\nv1 = Frobnicate(tokens)\n", 2, 6, "unknown function"),
    ("v1 = Select(tokens, tokens, LT\n", 1, 31, "unclosed"),
    ("v1 = Select(tokens, tokens, ALMOST)\n", 1, 29, "unknown comparison"),
    ("v1 = Select(tokens, tokens, LT)\n", 1, 1, "must be a sequence"),
    ("v1 = Aggregate(tokens, tokens)\n", 1, 1, "selector"),
    ("v1 Map(x + 1, tokens)\n", 1, 4, "expected '='"),
    ("", 1, 1, "empty"),
])
def test_parse_errors_name_line_and_column(source, line, column, message):
    with pytest.raises(ParseError, match=message) as caught:
        parse_program(source)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value).startswith(f"line {line}, column {column}: ")
