"""Readable RASP source: a pretty-printer and a parser (never `eval`).

One line per variable, in the style of Tracr's Python API::

    v1 = Select(tokens, tokens, LT)
    v2 = SelectorWidth(v1)
    v3 = numerical(Map(x == 0, v2))

Lambdas are written as their library text (`x + 1`, optionally `lambda x: x + 1`);
`numerical(...)` marks a numerical result. Variable names in input may be any
identifiers; they are renumbered `v1, v2, ...` in line order. `#` starts a comment.
"""

from __future__ import annotations

import dataclasses
import re

from trade.program.lambdas import COMPARISONS, LAMBDA_BY_TOKEN, LambdaKind, find_lambda
from trade.program.program import (
    INPUTS,
    ARITY,
    Line,
    Op,
    Program,
    ProgramError,
    VarType,
    check_types,
    variable_name,
)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPS_BY_NAME = {op.value: op for op in Op}
_MAP_KINDS = {
    (VarType.CATEGORICAL, False): LambdaKind.MAP_CAT_CAT,
    (VarType.CATEGORICAL, True): LambdaKind.MAP_CAT_NUM,
    (VarType.NUMERICAL, False): LambdaKind.MAP_NUM_CAT,
    (VarType.NUMERICAL, True): LambdaKind.MAP_NUM_NUM,
}


class ParseError(ValueError):
    """A syntax or type error in program source, located by line and column."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(f"line {line}, column {column}: {message}")
        self.line = line
        self.column = column


def line_to_text(line: Line, types: dict[str, VarType]) -> str:
    """The right-hand side of one line, e.g. `numerical(Map(x == 0, v2))`."""
    if line.op in (Op.MAP, Op.SEQUENCE_MAP):
        parts = [LAMBDA_BY_TOKEN[line.args[0]].text, *line.args[1:]]
    else:
        parts = list(line.args)
    call = f"{line.op.value}({', '.join(parts)})"
    return call


def program_to_text(program: Program, comments: dict[str, str] | None = None) -> str:
    """Source text of a program, one `name = call` line per variable.

    `comments` maps variable names to a trailing comment (type, layer, ...).
    """
    types = check_types(program)
    out = []
    for index, line in enumerate(program.lines):
        name = variable_name(index)
        call = line_to_text(line, types)
        if types[name] is VarType.NUMERICAL:
            call = f"numerical({call})"
        text = f"{name} = {call}"
        if comments and name in comments:
            text = f"{text}  # {comments[name]}"
        out.append(text)
    return "\n".join(out) + "\n"


@dataclasses.dataclass
class _Cursor:
    """A position in one source line, for scanning with column numbers."""

    text: str
    line_number: int
    pos: int = 0

    def error(self, message: str, pos: int | None = None) -> ParseError:
        return ParseError(message, self.line_number, (self.pos if pos is None else pos) + 1)

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def identifier(self, what: str) -> tuple[str, int]:
        self.skip_space()
        match = _IDENTIFIER.match(self.text, self.pos)
        if not match:
            found = self.text[self.pos:self.pos + 10] or "end of line"
            raise self.error(f"expected {what}, found '{found}'")
        self.pos = match.end()
        return match.group(), match.start()

    def expect(self, char: str) -> None:
        self.skip_space()
        if self.pos >= len(self.text) or self.text[self.pos] != char:
            found = self.text[self.pos] if self.pos < len(self.text) else "end of line"
            raise self.error(f"expected '{char}', found '{found}'")
        self.pos += 1

    def argument(self) -> tuple[str, int]:
        """Raw text up to the next top-level ',' or ')', with its start column."""
        self.skip_space()
        start = self.pos
        depth = 0
        if self.text.startswith("lambda", self.pos):
            colon = self.text.find(":", self.pos)
            if colon < 0:
                raise self.error("a lambda needs ':'")
            self.pos = colon + 1
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            self.pos += 1
        else:
            raise self.error("unclosed '('")
        raw = self.text[start:self.pos].strip()
        if raw.startswith("lambda"):
            raw = raw[raw.index(":") + 1:].strip()
        if not raw:
            raise self.error("empty argument", start)
        return raw, start


def _strip_comment(text: str) -> str:
    return text.split("#", 1)[0].rstrip()


def parse_program(source: str) -> Program:
    """Parses program source into a Program; raises ParseError with line and column."""
    names: dict[str, str] = {name: name for name in INPUTS}
    types: dict[str, VarType] = {name: VarType.CATEGORICAL for name in INPUTS}
    lines: list[Line] = []
    last_line_number = 0
    for line_number, raw_line in enumerate(source.splitlines(), start=1):
        text = _strip_comment(raw_line)
        if not text.strip():
            continue
        last_line_number = line_number
        cursor = _Cursor(text, line_number)
        target, target_pos = cursor.identifier("a variable name")
        if target in names:
            raise cursor.error(f"'{target}' is already defined", target_pos)
        cursor.expect("=")
        line, numerical = _parse_call(cursor, names, types)
        cursor.skip_space()
        if cursor.pos != len(text):
            raise cursor.error(f"unexpected '{text[cursor.pos:]}' after the call")
        program_so_far = Program(tuple(lines) + (line,))
        try:
            new_types = check_types(program_so_far, complete=False)
        except ProgramError as error:
            message = str(error).split(": ", 1)[-1]
            raise ParseError(message, line_number, target_pos + 1) from None
        name = variable_name(len(lines))
        result_type = new_types[name]
        if numerical and result_type is not VarType.NUMERICAL:
            raise ParseError(f"numerical(...) but {line.op.value} here gives a "
                             f"{result_type.value} result", line_number, target_pos + 1)
        if not numerical and result_type is VarType.NUMERICAL:
            raise ParseError(f"{line.op.value} here gives a numerical result: "
                             "write numerical(...)", line_number, target_pos + 1)
        names[target] = name
        types[name] = result_type
        lines.append(line)
    if not lines:
        raise ParseError("the program is empty", 1, 1)
    program = Program(tuple(lines))
    try:
        check_types(program)
    except ProgramError as error:
        raise ParseError(str(error), last_line_number, 1) from None
    return program


def _parse_call(cursor: _Cursor, names: dict[str, str],
                types: dict[str, VarType]) -> tuple[Line, bool]:
    function, function_pos = cursor.identifier("a function name")
    if function in ("numerical", "categorical"):
        cursor.expect("(")
        line, inner_numerical = _parse_call(cursor, names, types)
        cursor.expect(")")
        return line, function == "numerical" or inner_numerical
    if function not in _OPS_BY_NAME:
        known = ", ".join(_OPS_BY_NAME)
        raise cursor.error(f"unknown function '{function}' (expected one of {known})", function_pos)
    op = _OPS_BY_NAME[function]
    cursor.expect("(")
    raw_args: list[tuple[str, int]] = []
    while True:
        raw_args.append(cursor.argument())
        cursor.skip_space()
        if cursor.text[cursor.pos] == ")":
            cursor.pos += 1
            break
        cursor.pos += 1  # the ','
    if len(raw_args) != ARITY[op]:
        raise cursor.error(f"{op.value} takes {ARITY[op]} arguments, got {len(raw_args)}", function_pos)
    numerical_wrapper = _peek_numerical(cursor)
    args = _resolve_args(op, raw_args, names, types, cursor, numerical_wrapper)
    return Line(op, args), False


def _peek_numerical(cursor: _Cursor) -> bool:
    """Whether the call being parsed sits inside `numerical(`."""
    before = cursor.text[:cursor.pos]
    head = before.split("=", 1)[-1].lstrip()
    return head.startswith("numerical")


def _resolve_variable(raw: str, pos: int, names: dict[str, str], cursor: _Cursor) -> str:
    if raw not in names:
        raise cursor.error(f"'{raw}' is not defined before this line", pos)
    return names[raw]


def _resolve_args(op: Op, raw_args: list[tuple[str, int]], names: dict[str, str],
                  types: dict[str, VarType], cursor: _Cursor, numerical: bool) -> tuple[str, ...]:
    if op is Op.SELECT:
        keys = _resolve_variable(*raw_args[0], names, cursor)
        queries = _resolve_variable(*raw_args[1], names, cursor)
        comparison, pos = raw_args[2]
        comparison = comparison.removeprefix("Comparison.").removeprefix("rasp.Comparison.")
        if comparison not in COMPARISONS:
            raise cursor.error(f"unknown comparison '{comparison}' (expected one of "
                               f"{', '.join(COMPARISONS)})", pos)
        return (keys, queries, comparison)
    if op in (Op.AGGREGATE, Op.SELECTOR_WIDTH):
        return tuple(_resolve_variable(raw, pos, names, cursor) for raw, pos in raw_args)
    lambda_text, lambda_pos = raw_args[0]
    inputs = tuple(_resolve_variable(raw, pos, names, cursor) for raw, pos in raw_args[1:])
    if op is Op.SEQUENCE_MAP:
        kind = LambdaKind.SEQUENCE_MAP
    else:
        input_type = types[inputs[0]]
        if input_type is VarType.SELECTOR:
            raise cursor.error("Map needs a sequence, not a selector", raw_args[1][1])
        kind = _MAP_KINDS[(input_type, numerical)]
    lam = find_lambda(lambda_text, kind)
    if lam is None:
        raise cursor.error(f"unknown lambda '{lambda_text}' for a {kind.value}", lambda_pos)
    return (lam.token, *inputs)
