"""Readable RASP source: a pretty-printer and a parser (never `eval`).

One line per variable, in the style of Tracr's Python API::

    v1 = Select(tokens, tokens, LT)
    v2 = SelectorWidth(v1)
    v3 = numerical(Map(x == 0, v2))

Lambdas are written as their library text (`x + 1`, optionally `lambda x: x + 1`)
or as a table (`{0: 1, 1: 0}`, see `trade.program.tables`); a Select's predicate
is a comparison name or a set of selected (key, query) pairs; Tracr's
`LinearSequenceMap(a, b, fst_factor, snd_factor)` is written as such.
`numerical(...)` marks a numerical result. Variable names in input may be any
identifiers; they are renumbered `v1, v2, ...` in line order. `#` starts a comment.
A comment line `# compile: {"vocab": ["a", "b"], "max_seq_len": 8}` gives the
settings a program is meant to be compiled with (`compile_header`).
"""

from __future__ import annotations

import dataclasses
import json
import re

from trade.program.lambdas import COMPARISONS, LambdaKind, find_lambda
from trade.program.tables import (TableError, lambda_of, linear_token, map_token, parse_literal,
                                  predicate_text, predicate_token)
from trade.program.program import (
    INPUTS,
    NUMERICAL_WIDTH,
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


MAX_LINE_CHARACTERS = 200_000  # a table of a few thousand entries fits; a 5 MB line is refused at once
_MAX_WRAPPERS = 8  # numerical(categorical(...)) nested deeper than this is refused
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


def line_to_text(line: Line, types: dict[str, VarType]) -> str:
    """The right-hand side of one line, e.g. `Map(x == 0, v2)` (without `numerical(...)`)."""
    if line.op in (Op.MAP, Op.SEQUENCE_MAP):
        lam = lambda_of(line.args[0])
        if lam.kind is LambdaKind.LINEAR_SEQUENCE_MAP:
            return f"LinearSequenceMap({line.args[1]}, {line.args[2]}, {lam.text[len('linear('):-1]})"
        parts = [lam.text, *line.args[1:]]
    elif line.op is Op.SELECT:
        parts = [line.args[0], line.args[1], predicate_text(line.args[2])]
    else:
        parts = list(line.variable_args)
    return f"{line.op.value}({', '.join(parts)})"


def compile_header(source: str) -> dict | None:
    """The settings in a `# compile: {...}` comment line (JSON), or None if there is none."""
    for number, raw in enumerate(source.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") and stripped[1:].strip().startswith("compile:"):
            text = stripped[1:].strip()[len("compile:"):]
            try:
                settings = json.loads(text)
            except json.JSONDecodeError as error:
                raise ParseError(f"the compile settings are not JSON ({error.msg})", number, 1) from None
            if not isinstance(settings, dict):
                raise ParseError("the compile settings must be a JSON object", number, 1)
            return settings
    return None


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
        quote = None
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if quote:
                if char == "\\":
                    self.pos += 1
                elif char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char in "([{":
                depth += 1
            elif char in ")]}":
                if depth == 0:
                    if char != ")":
                        raise self.error(f"unexpected '{char}'")
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            self.pos += 1
        else:
            raise self.error("unclosed '('" if not quote else "unclosed string")
        raw = self.text[start:self.pos].strip()
        if raw.startswith("lambda"):
            raw = raw[raw.index(":") + 1:].strip()
        if not raw:
            raise self.error("empty argument", start)
        return raw, start


def _strip_comment(text: str) -> str:
    """The line up to a `#` that is not inside a quoted string."""
    quote = None
    for position, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#":
            return text[:position].rstrip()
    return text.rstrip()


def parse_program(source: str) -> Program:
    """Parses program source into a Program; raises ParseError with line and column."""
    names: dict[str, str] = {name: name for name in INPUTS}
    types: dict[str, VarType] = {name: VarType.CATEGORICAL for name in INPUTS}
    lines: list[Line] = []
    last_line_number = 0
    for line_number, raw_line in enumerate(source.splitlines(), start=1):
        if len(raw_line) > MAX_LINE_CHARACTERS:
            raise ParseError(f"a line of {len(raw_line):,} characters (at most {MAX_LINE_CHARACTERS:,})",
                             line_number, 1)
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
    """One call, inside any `numerical(...)`/`categorical(...)` wrappers (read in a loop, not by
    recursion, and at most _MAX_WRAPPERS deep)."""
    wrappers: list[str] = []
    function, function_pos = cursor.identifier("a function name")
    while function in ("numerical", "categorical"):
        if len(wrappers) == _MAX_WRAPPERS:
            raise cursor.error(f"numerical(...)/categorical(...) nested more than {_MAX_WRAPPERS} deep",
                               function_pos)
        wrappers.append(function)
        cursor.expect("(")
        function, function_pos = cursor.identifier("a function name")
    line = _parse_plain_call(cursor, function, function_pos, names, types, "numerical" in wrappers)
    for _ in wrappers:
        cursor.expect(")")
    return line, "numerical" in wrappers


def _parse_plain_call(cursor: _Cursor, function: str, function_pos: int, names: dict[str, str],
                      types: dict[str, VarType], numerical: bool) -> Line:
    if function == "LinearSequenceMap":
        return _parse_linear(cursor, function_pos, names)
    if function not in _OPS_BY_NAME:
        known = ", ".join(_OPS_BY_NAME)
        raise cursor.error(f"unknown function '{function}' (expected one of {known})", function_pos)
    op = _OPS_BY_NAME[function]
    raw_args = _call_arguments(cursor)
    if len(raw_args) != ARITY[op]:
        raise cursor.error(f"{op.value} takes {ARITY[op]} arguments, got {len(raw_args)}", function_pos)
    return Line(op, _resolve_args(op, raw_args, names, types, cursor, numerical))


def _call_arguments(cursor: _Cursor) -> list[tuple[str, int]]:
    cursor.expect("(")
    raw_args: list[tuple[str, int]] = []
    while True:
        raw_args.append(cursor.argument())
        cursor.skip_space()
        if cursor.text[cursor.pos] == ")":
            cursor.pos += 1
            return raw_args
        cursor.pos += 1  # the ','


def _parse_linear(cursor: _Cursor, function_pos: int, names: dict[str, str]) -> Line:
    """`LinearSequenceMap(a, b, fst_factor, snd_factor)`, Tracr's argument order."""
    raw_args = _call_arguments(cursor)
    if len(raw_args) != 4:
        raise cursor.error(f"LinearSequenceMap takes 4 arguments, got {len(raw_args)}", function_pos)
    inputs = [_resolve_variable(raw, pos, names, cursor) for raw, pos in raw_args[:2]]
    factors = []
    for raw, pos in raw_args[2:]:
        try:
            factor = parse_literal(raw)
        except TableError:
            factor = None
        if not isinstance(factor, (int, float)) or isinstance(factor, bool):
            raise cursor.error(f"a LinearSequenceMap factor must be a number, not '{raw}'", pos)
        factors.append(factor)
    return Line(Op.SEQUENCE_MAP, (linear_token(*factors), *inputs))


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
        comparison = comparison.removeprefix("rasp.").removeprefix("Comparison.")
        if comparison.startswith("{"):
            return (keys, queries, _predicate_table(comparison, pos, cursor))
        if comparison not in COMPARISONS:
            raise cursor.error(f"unknown comparison '{comparison}' (expected one of "
                               f"{', '.join(COMPARISONS)})", pos)
        return (keys, queries, comparison)
    if op in (Op.AGGREGATE, Op.SELECTOR_WIDTH):
        args = tuple(_resolve_variable(raw, pos, names, cursor) for raw, pos in raw_args)
        return args + (NUMERICAL_WIDTH,) if op is Op.SELECTOR_WIDTH and numerical else args
    lambda_text, lambda_pos = raw_args[0]
    inputs = tuple(_resolve_variable(raw, pos, names, cursor) for raw, pos in raw_args[1:])
    if op is Op.SEQUENCE_MAP:
        kind = LambdaKind.SEQUENCE_MAP
    else:
        input_type = types[inputs[0]]
        if input_type is VarType.SELECTOR:
            raise cursor.error("Map needs a sequence, not a selector", raw_args[1][1])
        kind = _MAP_KINDS[(input_type, numerical)]
    if lambda_text.startswith("{"):
        return (_map_table(lambda_text, kind, lambda_pos, cursor), *inputs)
    lam = find_lambda(lambda_text, kind)
    if lam is None:
        raise cursor.error(f"unknown lambda '{lambda_text}' for a {kind.value} (write a table such as "
                           "{0: 1, 1: 0} for a function outside the library)", lambda_pos)
    return (lam.token, *inputs)


def _map_table(text: str, kind: LambdaKind, pos: int, cursor: _Cursor) -> str:
    try:
        table = parse_literal(text)
        if not isinstance(table, dict):
            raise TableError("a table is written {input: output, ...}")
        return map_token(table, kind)
    except TableError as error:
        raise cursor.error(str(error), pos) from None


def _predicate_table(text: str, pos: int, cursor: _Cursor) -> str:
    try:
        pairs = parse_literal(text)
    except TableError as error:
        raise cursor.error(str(error), pos) from None
    if isinstance(pairs, dict) and not pairs:
        pairs = set()
    if not isinstance(pairs, (set, frozenset)) or not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        raise cursor.error("a predicate table is a set of selected (key, query) pairs", pos)
    return predicate_token(pairs)
