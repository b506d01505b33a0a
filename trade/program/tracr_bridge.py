"""Programs to and from Tracr `rasp` expressions.

Tracr orders the residual stream by label, and labels an expression
`{name}_{unique_id}`. Every expression is named after its variable (`v3`), so the
order, and with it the compiled weights, is a function of the program: distinct
names already differ before the `_` that precedes the id. The id itself comes
from a process-wide counter; it is pinned to the line number (label `v3_3`) so
that residual labels are reproducible too, whatever was built before.
"""

from __future__ import annotations

from typing import Sequence

from tracr.rasp import rasp

from trade.program.lambdas import COMPARISONS, LAMBDAS, Encoding, Lambda, LambdaKind
from trade.program.tables import predicate_of
from trade.program.program import (INPUTS, NUMERICAL_WIDTH, Line, Op, Program, ProgramError, VarType,
                                   variable_name)

_LAMBDA_BY_FUNCTION = {id(lam.fn): lam for lam in LAMBDAS}
_PROBE_VALUES = tuple(range(-6, 11)) + (0.2, 0.25, 1 / 3, 0.5, 2 / 3, 0.75)
_PROBE_PAIRS = tuple((x, y) for x in range(-4, 9) for y in range(-4, 9))


def _same_behaviour(fn, lam: Lambda) -> bool:
    """Whether a foreign function agrees with a library lambda on a grid of probe inputs."""
    probes = _PROBE_PAIRS if lam.kind.arity == 2 else [(v,) for v in _PROBE_VALUES]
    try:
        return all(fn(*args) == lam.fn(*args) for args in probes)
    except Exception:  # a foreign function may raise anywhere; then it is not this lambda
        return False


def identify_lambda(fn, kind_options: tuple[LambdaKind, ...]) -> Lambda | None:
    """The library lambda a function is: by identity, else by behaviour on probe inputs.

    Behaviour matching lets programs rebuilt from source (e.g. `--format tracr`
    output) convert back; functions that agree everywhere on the probe grid are
    treated as the same lambda.
    """
    if id(fn) in _LAMBDA_BY_FUNCTION and _LAMBDA_BY_FUNCTION[id(fn)].kind in kind_options:
        return _LAMBDA_BY_FUNCTION[id(fn)]
    for lam in LAMBDAS:
        if lam.kind in kind_options and _same_behaviour(fn, lam):
            return lam
    return None


def library_token(fn) -> str | None:
    """The token of a library lambda's function object, or None for any other function."""
    lam = _LAMBDA_BY_FUNCTION.get(id(fn))
    return lam.token if lam is not None and lam.fn is fn else None


def to_rasp(program: Program, names: Sequence[str] | None = None,
            labels: Sequence[str] | None = None) -> rasp.SOp:
    """The Tracr expression of a program's output, every node labelled by its variable.

    `names` gives the lines other names, as a user writing RASP would (Tracr then
    labels them `{name}_{unique_id}` and lays the model out differently; see
    `trade.layout`). `labels` gives each line the exact label it had in a given
    model (`name_id`), so that the compiled residual stream is laid out as there.
    """
    given = labels if labels is not None else names
    if given is not None and len(given) != len(program.lines):
        raise ValueError(f"{len(given)} names for {len(program.lines)} lines")
    types = program.types()
    exprs: dict[str, rasp.RASPExpr] = {"tokens": rasp.tokens, "indices": rasp.indices}
    for index, line in enumerate(program.lines):
        name = variable_name(index)
        expr = _line_to_rasp(line, exprs, types[name])
        if labels is not None:
            stem, _, number = labels[index].rpartition("_")
            if stem and number.isdigit():
                expr = expr.named(stem)
                expr.__dict__["unique_id"] = int(number)
            else:
                expr = expr.named(labels[index])
        else:
            expr = expr.named(name if names is None else names[index])
            if names is None:
                expr.__dict__["unique_id"] = index + 1  # pre-fills the cached_property
        exprs[name] = expr
    return exprs[program.output]


def _line_to_rasp(line: Line, exprs: dict[str, rasp.RASPExpr], result: VarType) -> rasp.RASPExpr:
    args = line.args
    if line.op is Op.SELECT:
        predicate = rasp.Comparison[args[2]] if args[2] in COMPARISONS else predicate_of(args[2])
        return rasp.Select(exprs[args[0]], exprs[args[1]], predicate)
    if line.op is Op.AGGREGATE:
        if result is VarType.NUMERICAL:
            return rasp.numerical(rasp.Aggregate(exprs[args[0]], exprs[args[1]], default=0))
        return rasp.categorical(rasp.Aggregate(exprs[args[0]], exprs[args[1]]))
    if line.op is Op.SELECTOR_WIDTH:
        if result is VarType.NUMERICAL:
            return rasp.numerical(rasp.SelectorWidth(exprs[args[0]]))
        return rasp.categorical(rasp.SelectorWidth(exprs[args[0]]))
    lam = line.lam
    if lam.kind is LambdaKind.LINEAR_SEQUENCE_MAP:
        fst_factor, snd_factor = lam.fn(1, 0), lam.fn(0, 1)
        return rasp.numerical(rasp.LinearSequenceMap(exprs[args[1]], exprs[args[2]], fst_factor, snd_factor))
    if line.op is Op.MAP:
        expr = rasp.Map(lam.fn, exprs[args[1]], simplify=False)
    else:
        expr = rasp.SequenceMap(lam.fn, exprs[args[1]], exprs[args[2]])
    if lam.kind.output_encoding is Encoding.NUMERICAL:
        return rasp.numerical(expr)
    return rasp.categorical(expr)


def from_rasp(output: rasp.SOp) -> Program:
    """The program computing a Tracr expression built from library functions.

    Lines come out in a topological order (use `canonicalize` for the canonical
    one). Raises ProgramError for expressions outside the language: lambdas not
    in the library, selector combinations, constants, LinearSequenceMap.
    """
    order: list[rasp.RASPExpr] = []
    seen: set[int] = set()

    def visit(expr: rasp.RASPExpr) -> None:
        if id(expr) in seen:
            return
        seen.add(id(expr))
        for child in expr.children:
            visit(child)
        order.append(expr)

    visit(output)
    names: dict[int, str] = {}
    lines: list[Line] = []
    for expr in order:
        if isinstance(expr, rasp.TokensType):
            names[id(expr)] = "tokens"
            continue
        if isinstance(expr, rasp.IndicesType):
            names[id(expr)] = "indices"
            continue
        lines.append(_rasp_to_line(expr, names))
        names[id(expr)] = variable_name(len(lines) - 1)
    program = Program(tuple(lines))
    program.types()
    return program


def _rasp_to_line(expr: rasp.RASPExpr, names: dict[int, str]) -> Line:
    def name(child: rasp.RASPExpr) -> str:
        return names[id(child)]

    if isinstance(expr, rasp.Select):
        return Line(Op.SELECT, (name(expr.keys), name(expr.queries), expr.predicate.name))
    if isinstance(expr, rasp.Aggregate):
        if rasp.is_numerical(expr) != rasp.is_numerical(expr.sop):
            raise ProgramError(f"{expr.label}: aggregate encoding differs from its input's")
        return Line(Op.AGGREGATE, (name(expr.selector), name(expr.sop)))
    if isinstance(expr, rasp.SelectorWidth):
        if rasp.is_numerical(expr):
            return Line(Op.SELECTOR_WIDTH, (name(expr.selector), NUMERICAL_WIDTH))
        return Line(Op.SELECTOR_WIDTH, (name(expr.selector),))
    if isinstance(expr, (rasp.Map, rasp.SequenceMap)) and not isinstance(expr, rasp.LinearSequenceMap):
        out = Encoding.NUMERICAL if rasp.is_numerical(expr) else Encoding.CATEGORICAL
        if isinstance(expr, rasp.Map):
            source = Encoding.NUMERICAL if rasp.is_numerical(expr.inner) else Encoding.CATEGORICAL
            kinds = tuple(k for k in LambdaKind if k.arity == 1 and k.input_encoding is source
                          and k.output_encoding is out)
        else:
            kinds = (LambdaKind.SEQUENCE_MAP,)
        lam = identify_lambda(expr.f, kinds)
        if lam is None:
            raise ProgramError(f"{expr.label}: its function is not in the lambda library")
        if isinstance(expr, rasp.Map):
            return Line(Op.MAP, (lam.token, name(expr.inner)))
        return Line(Op.SEQUENCE_MAP, (lam.token, name(expr.fst), name(expr.snd)))
    raise ProgramError(f"{expr.label}: {type(expr).__name__} is not in the language")


__all__ = ["to_rasp", "from_rasp", "INPUTS"]
