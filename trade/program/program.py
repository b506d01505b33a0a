"""Programs: lines of the five RASP functions over typed variables, and their canonical form.

A program is a tuple of `Line`s. Line `i` (0-based) defines variable `v{i+1}`; the
inputs `tokens` and `indices` always exist; the last line is the program's output.
Every argument is either a variable name, a lambda token (a library lambda or a
table, `trade.program.tables`) or a comparison name or predicate table, so a
program is plain data: it can be hashed, compared, printed and parsed.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib

from trade.program.lambdas import Encoding, Lambda
from trade.program.tables import is_lambda_token, is_predicate_token, lambda_of

# The generator's and the decoder's limits (the training distribution), not the language's: a program
# of any length type-checks, compiles and decompiles.
MAX_LINES = 15
MAX_SEQUENCE_MAPS = 2
INPUTS = ("tokens", "indices")


class Op(enum.Enum):
    """The five RASP functions, named as in Tracr."""

    SELECT = "Select"
    AGGREGATE = "Aggregate"
    SELECTOR_WIDTH = "SelectorWidth"
    MAP = "Map"
    SEQUENCE_MAP = "SequenceMap"


class VarType(enum.Enum):
    """The type of a variable: a categorical or numerical sequence, or a selector."""

    CATEGORICAL = "categorical"
    NUMERICAL = "numerical"
    SELECTOR = "selector"


class ProgramError(ValueError):
    """A program that is not well-typed or not well-formed."""


@dataclasses.dataclass(frozen=True)
class Line:
    """One RASP call: `op` applied to `args`.

    Argument order per function (the same order as the three token slots):
    Select(keys, queries, comparison), Aggregate(selector, sop),
    SelectorWidth(selector), Map(lambda, sop), SequenceMap(lambda, sop1, sop2).
    """

    op: Op
    args: tuple[str, ...]

    @property
    def variable_args(self) -> tuple[str, ...]:
        """The arguments that name variables (not lambdas or comparisons)."""
        return tuple(self.args[i] for i in variable_positions(self.op) if i < len(self.args))

    @property
    def lam(self) -> Lambda | None:
        if self.op in (Op.MAP, Op.SEQUENCE_MAP):
            return lambda_of(self.args[0])
        return None


ARITY = {Op.SELECT: 3, Op.AGGREGATE: 2, Op.SELECTOR_WIDTH: 1, Op.MAP: 2, Op.SEQUENCE_MAP: 3}
# A SelectorWidth is categorical; `SelectorWidth(selector, NUMERICAL_WIDTH)` is Tracr's numerical one,
# written `numerical(SelectorWidth(v1))` (only the weight reader writes it: it is not in the decoder's tokens).
NUMERICAL_WIDTH = "numerical"


def variable_name(line_index: int) -> str:
    """The name of the variable defined by line `line_index` (0-based)."""
    return f"v{line_index + 1}"


def encoding_type(encoding: Encoding) -> VarType:
    return VarType.CATEGORICAL if encoding is Encoding.CATEGORICAL else VarType.NUMERICAL


@dataclasses.dataclass(frozen=True)
class Program:
    """A straight-line RASP program; its output is the variable of the last line."""

    lines: tuple[Line, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def output(self) -> str:
        return variable_name(len(self.lines) - 1)

    def types(self) -> dict[str, VarType]:
        """The type of every variable; raises ProgramError if the program is ill-typed."""
        return check_types(self)

    def line_of(self, name: str) -> Line:
        return self.lines[int(name[1:]) - 1]

    def fingerprint(self) -> str:
        """A stable hash of the program's lines (equal programs, equal fingerprints)."""
        text = ";".join(f"{line.op.value}({','.join(line.args)})" for line in self.lines)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _expect(condition: bool, line_index: int, message: str) -> None:
    if not condition:
        raise ProgramError(f"line {line_index + 1} ({variable_name(line_index)}): {message}")


def check_types(program: Program, *, complete: bool = True) -> dict[str, VarType]:
    """Type-checks every line against the rules Tracr compiles, returning variable types.

    Select needs categorical keys and queries; Aggregate keeps its input's
    encoding; SelectorWidth is categorical; Map and SequenceMap take their
    encodings from the lambda's kind (SequenceMap is categorical throughout).
    With `complete=False` the program may be a prefix whose last line is a selector.
    """
    if not program.lines:
        raise ProgramError("a program needs at least one line")
    types: dict[str, VarType] = {name: VarType.CATEGORICAL for name in INPUTS}
    for index, line in enumerate(program.lines):
        _expect(isinstance(line.op, Op), index, f"unknown function {line.op!r}")
        numerical_width = line.op is Op.SELECTOR_WIDTH and line.args[1:] == (NUMERICAL_WIDTH,)
        _expect(len(line.args) == ARITY[line.op] or numerical_width, index,
                f"{line.op.value} takes {ARITY[line.op]} arguments, got {len(line.args)}")
        for arg in line.variable_args:
            _expect(arg in types, index, f"'{arg}' is not defined before this line")
        arg_types = [types[arg] for arg in line.variable_args]
        if line.op is Op.SELECT:
            _expect(all(t is VarType.CATEGORICAL for t in arg_types), index,
                    "Select keys and queries must be categorical")
            _expect(is_predicate_token(line.args[2]), index, f"unknown comparison '{line.args[2]}'")
            result = VarType.SELECTOR
        elif line.op is Op.AGGREGATE:
            _expect(arg_types[0] is VarType.SELECTOR, index, "Aggregate needs a selector first")
            _expect(arg_types[1] is not VarType.SELECTOR, index, "Aggregate needs a sequence second")
            result = arg_types[1]
        elif line.op is Op.SELECTOR_WIDTH:
            _expect(arg_types[0] is VarType.SELECTOR, index, "SelectorWidth needs a selector")
            result = VarType.NUMERICAL if numerical_width else VarType.CATEGORICAL
        else:
            _expect(is_lambda_token(line.args[0]), index, f"unknown lambda '{line.args[0]}'")
            lam = lambda_of(line.args[0])
            kind = lam.kind
            if line.op is Op.MAP:
                _expect(kind.arity == 1, index, "Map needs a one-input lambda")
            else:
                _expect(kind.arity == 2, index, "SequenceMap needs a two-input lambda")
            expected = encoding_type(kind.input_encoding)
            _expect(all(t is expected for t in arg_types), index,
                    f"lambda '{lam.text[:60]}' needs {expected.value} input")
            result = encoding_type(kind.output_encoding)
        types[variable_name(index)] = result
    _expect(not complete or types[program.output] is not VarType.SELECTOR, len(program.lines) - 1,
            "the output (last line) must be a sequence, not a selector")
    return types


def count_sequence_maps(program: Program) -> int:
    return sum(line.op is Op.SEQUENCE_MAP for line in program.lines)


def used_variables(program: Program) -> set[str]:
    """Variables read by some line."""
    return {arg for line in program.lines for arg in line.variable_args}


def live_lines(program: Program) -> set[int]:
    """Indices of lines the output depends on (the output line included)."""
    live = {len(program.lines) - 1}
    for index in range(len(program.lines) - 1, -1, -1):
        if index in live:
            for arg in program.lines[index].variable_args:
                if arg not in INPUTS:
                    live.add(int(arg[1:]) - 1)
    return live


def _rename(args: tuple[str, ...], line: Line, mapping: dict[str, str]) -> tuple[str, ...]:
    positions = variable_positions(line.op)
    return tuple(mapping.get(a, a) if i in positions else a for i, a in enumerate(args))


def canonicalize(program: Program) -> Program:
    """The canonical form: dead lines dropped, lines ordered and numbered canonically.

    Lines are placed by depth (1 + the deepest variable they read; inputs have
    depth 0), which follows the layers of the compiled model, and within a depth
    by (function, arguments) where variable arguments already carry their
    canonical numbers. Programs that differ only in the order of independent
    lines or in numbering get the same canonical form. Ties remain only between
    identical lines; they keep their original order.
    """
    check_types(program)
    keep = sorted(live_lines(program))
    depth: dict[str, int] = {name: 0 for name in INPUTS}
    for index in keep:
        line = program.lines[index]
        depth[variable_name(index)] = 1 + max(depth[a] for a in line.variable_args)
    op_rank = {op: rank for rank, op in enumerate(Op)}
    mapping: dict[str, str] = {name: name for name in INPUTS}
    ordered: list[Line] = []
    remaining = list(keep)
    for level in sorted({depth[variable_name(i)] for i in keep}):
        at_level = [i for i in remaining if depth[variable_name(i)] == level]

        def sort_key(index: int) -> tuple:
            line = program.lines[index]
            return (op_rank[line.op], arg_sort_key(_rename(line.args, line, mapping), line.op), index)

        for index in sorted(at_level, key=sort_key):
            line = program.lines[index]
            new_line = Line(line.op, _rename(line.args, line, mapping))
            mapping[variable_name(index)] = variable_name(len(ordered))
            ordered.append(new_line)
    # The output must stay last: it is the unique line at the deepest level,
    # because every other live line is read by a deeper one.
    return Program(tuple(ordered))


_VARIABLE_POSITIONS = {Op.SELECT: (0, 1), Op.AGGREGATE: (0, 1), Op.SELECTOR_WIDTH: (0,),
                       Op.MAP: (1,), Op.SEQUENCE_MAP: (1, 2)}


def variable_positions(op: Op) -> tuple[int, ...]:
    """Which argument slots of `op` hold variables."""
    return _VARIABLE_POSITIONS[op]


def arg_sort_key(args: tuple[str, ...], op: Op) -> tuple:
    """Sort key of arguments: variables by canonical number, then library entries."""
    positions = variable_positions(op)
    key = []
    for position, arg in enumerate(args):
        if position not in positions:
            key.append((2, 0, arg))
        elif arg in INPUTS:
            key.append((0, INPUTS.index(arg), ""))
        else:
            key.append((1, int(arg[1:]), ""))
    return tuple(key)


def is_canonical(program: Program) -> bool:
    return canonicalize(program) == program
