"""Lambdas and predicates outside the library: explicit tables, read from the weights.

Tracr only ever evaluates a Map's or SequenceMap's function on its inputs' value
sets, and a Select's predicate on the (key, query) pairs of its variables' value
sets, so a table over those sets is as good as the function for compiling and
running. A table is plain data, written as a Python literal in program text:

    Map({0: 0, 1: 2, 2: 4, 3: 1, 4: 3}, tokens)         # categorical or numerical map
    SequenceMap({(0, 0): 1, (0, 1): 2, ...}, v1, v2)     # keys are (x, y) pairs
    Select(indices, indices, {(0, 1), (1, 2), (2, 3)})   # the selected (key, query) pairs
    numerical(LinearSequenceMap(v1, v2, 1, -1))          # fst_fac * x + snd_fac * y

A value missing from a categorical map table maps to None, as a Tracr function
returning None does. A table on a numerical input is a step function, as Tracr's
discretising MLP is: a value between two keys takes the nearer key's output (the
larger key's on a tie), which matters where Tracr's own value-set inference
missed values a numerical Aggregate can produce (it assumes means of single 0/1
values, so 2/3 is never in it). Tables are parsed with `ast.literal_eval` (literals only, never code)
after bounds on size and nesting. As tokens, tables carry their kind like
library lambdas do (`{0: 1}|cc`); they are not in the decoder's vocabulary: the
weight reader (`trade.weights_to_program`) alone writes them.
"""

from __future__ import annotations

import ast
import functools
import math
from typing import Any, Callable, Iterable

from trade.program.lambdas import COMPARISONS, LAMBDA_BY_TOKEN, Lambda, LambdaKind

MAX_TABLE_TEXT = 1_000_000  # characters of one table literal
MAX_NESTING = 16  # brackets deep, so that parsing never recurses far
PREDICATE_SUFFIX = "sel"
_SUFFIX_KIND = {"cc": LambdaKind.MAP_CAT_CAT, "cn": LambdaKind.MAP_CAT_NUM, "nn": LambdaKind.MAP_NUM_NUM,
                "nc": LambdaKind.MAP_NUM_CAT, "ss": LambdaKind.SEQUENCE_MAP,
                "ll": LambdaKind.LINEAR_SEQUENCE_MAP}
_KIND_SUFFIX = {kind: suffix for suffix, kind in _SUFFIX_KIND.items()}


class TableError(ValueError):
    """Text that is not a table of literal values."""


def _value_rank(value: Any) -> tuple:
    """A total order on mixed values: numbers by value, then everything else by its repr."""
    if isinstance(value, bool):
        return (0, float(value), 1, "")
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        return (0, float(value), 0, repr(value))
    if isinstance(value, tuple):
        return (1, 0.0, 0, tuple(_value_rank(v) for v in value))
    return (2, 0.0, 0, repr(value))


def sort_values(values: Iterable[Any]) -> list:
    return sorted(values, key=_value_rank)


def plain(value: Any) -> Any:
    """A Python scalar or tuple of them (NumPy scalars and arrays' items become Python values)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    return value


def format_value(value: Any) -> str:
    value = plain(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value)  # 2.0 stays 2.0: it is a different label from 2 in Tracr
    return repr(value)


def _check_literal(text: str) -> None:
    if len(text) > MAX_TABLE_TEXT:
        raise TableError(f"a table of {len(text):,} characters (at most {MAX_TABLE_TEXT:,})")
    depth = deepest = 0
    quote = None
    for char in text:
        if quote:
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_NESTING:
        raise TableError(f"brackets nested {deepest} deep (at most {MAX_NESTING})")


def parse_literal(text: str) -> Any:
    """A Python literal (numbers, strings, tuples, dicts, sets, None, booleans); never code."""
    _check_literal(text)
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
        raise TableError(f"not a literal table ({type(error).__name__})") from None


def _canonical_map(table: dict, kind: LambdaKind) -> str:
    items = [(plain(k), plain(v)) for k, v in table.items() if v is not None]
    items.sort(key=lambda item: _value_rank(item[0]))
    return "{" + ", ".join(f"{format_value(k)}: {format_value(v)}" for k, v in items) + "}"


def map_token(table: dict, kind: LambdaKind) -> str:
    """The token of a Map/SequenceMap table of a kind (SequenceMap keys are (x, y) pairs)."""
    if kind is LambdaKind.LINEAR_SEQUENCE_MAP:
        raise ValueError("a LinearSequenceMap is a pair of factors: use linear_token")
    if kind is LambdaKind.SEQUENCE_MAP and not all(isinstance(k, tuple) and len(k) == 2 for k in table):
        raise TableError("a SequenceMap table needs (x, y) pairs as keys")
    return f"{_canonical_map(table, kind)}|{_KIND_SUFFIX[kind]}"


def linear_token(fst_factor: float, snd_factor: float) -> str:
    return f"linear({format_value(fst_factor)}, {format_value(snd_factor)})|ll"


def predicate_token(pairs: Iterable[tuple]) -> str:
    """The token of a predicate given as its selected (key, query) pairs."""
    pairs = sorted({(plain(k), plain(q)) for k, q in pairs}, key=_value_rank)
    if not pairs:
        return "FALSE"
    return "{" + ", ".join(f"({format_value(k)}, {format_value(q)})" for k, q in pairs) + "}|" + PREDICATE_SUFFIX


def _lookup(table: dict) -> Callable[..., Any]:
    def fn(*args):
        key = args[0] if len(args) == 1 else tuple(args)
        try:
            return table.get(key)
        except TypeError:  # an unhashable value: not in the table
            return None
    return fn


def _nearest(table: dict) -> Callable[[Any], Any]:
    """A numerical input's table as Tracr's discretising MLP computes it: the nearest key's output."""
    keys = sorted(k for k in table if isinstance(k, (int, float)) and not isinstance(k, bool))

    def fn(x):
        if x in table:
            return table[x]
        if not keys or not isinstance(x, (int, float)):
            return None
        return table[min(keys, key=lambda k: (abs(k - x), -k))]
    return fn


def _python_literal(table: dict, kind: LambdaKind) -> str:
    text = _canonical_map(table, LambdaKind.MAP_CAT_CAT)
    if kind.arity == 2:
        return f"lambda x, y: {text}.get((x, y))"
    if kind.input_encoding.value == "numerical":
        return f"lambda x: (lambda t: t[min(t, key=lambda k: (abs(k - x), -k))])({text})"
    return f"lambda x: {text}.get(x)"


@functools.lru_cache(maxsize=4096)
def lambda_of(token: str) -> Lambda:
    """The Lambda a token stands for: a library lambda, a table or a linear map.

    Raises TableError for a token that is neither.
    """
    if token in LAMBDA_BY_TOKEN:
        return LAMBDA_BY_TOKEN[token]
    text, _, suffix = token.rpartition("|")
    if suffix not in _SUFFIX_KIND:
        raise TableError(f"unknown lambda '{token}'")
    kind = _SUFFIX_KIND[suffix]
    if kind is LambdaKind.LINEAR_SEQUENCE_MAP:
        fst, snd = _linear_factors(text)
        return Lambda(kind=kind, text=f"linear({format_value(fst)}, {format_value(snd)})",
                      python=f"lambda x, y: {format_value(fst)} * x + {format_value(snd)} * y",
                      fn=lambda x, y: fst * x + snd * y)
    table = parse_literal(text)
    if not isinstance(table, dict):
        raise TableError(f"'{text[:40]}' is not a table {{input: output, ...}}")
    if kind is LambdaKind.SEQUENCE_MAP and not all(isinstance(k, tuple) and len(k) == 2 for k in table):
        raise TableError("a SequenceMap table needs (x, y) pairs as keys")
    table = {k: v for k, v in table.items() if v is not None}
    numerical_input = kind.arity == 1 and kind.input_encoding.value == "numerical"
    return Lambda(kind=kind, text=_canonical_map(table, kind), python=_python_literal(table, kind),
                  fn=_nearest(table) if numerical_input else _lookup(table))


def _linear_factors(text: str) -> tuple[float, float]:
    if not (text.startswith("linear(") and text.endswith(")")):
        raise TableError(f"'{text}' is not linear(fst_factor, snd_factor)")
    factors = parse_literal("(" + text[len("linear("):-1] + ",)")
    if len(factors) != 2 or not all(isinstance(f, (int, float)) and not isinstance(f, bool) for f in factors):
        raise TableError(f"'{text}' needs two numbers")
    return factors[0], factors[1]


def is_lambda_token(token: str) -> bool:
    try:
        lambda_of(token)
    except TableError:
        return False
    return True


def map_table(token: str) -> dict | None:
    """The table of a table token (None for a library lambda or a linear map)."""
    lam = lambda_of(token)
    if token in LAMBDA_BY_TOKEN or lam.kind is LambdaKind.LINEAR_SEQUENCE_MAP:
        return None
    return parse_literal(token.rpartition("|")[0])


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": lambda k, q: k == q, "LT": lambda k, q: k < q, "LEQ": lambda k, q: k <= q,
    "GT": lambda k, q: k > q, "GEQ": lambda k, q: k >= q, "NEQ": lambda k, q: k != q,
    "TRUE": lambda k, q: True, "FALSE": lambda k, q: False,
}


@functools.lru_cache(maxsize=4096)
def predicate_of(token: str) -> Callable[[Any, Any], bool]:
    """The predicate (key, query) -> bool of a comparison name or a predicate table."""
    if token in _COMPARE:
        return _COMPARE[token]
    return _pair_membership(frozenset(predicate_pairs(token)))


def _pair_membership(pairs: frozenset) -> Callable[[Any, Any], bool]:
    def selected(key, query) -> bool:
        try:
            return (key, query) in pairs
        except TypeError:
            return False
    return selected


@functools.lru_cache(maxsize=4096)
def predicate_pairs(token: str) -> tuple:
    text, _, suffix = token.rpartition("|")
    if suffix != PREDICATE_SUFFIX:
        raise TableError(f"unknown comparison '{token}'")
    pairs = parse_literal(text)
    if not isinstance(pairs, (set, frozenset)) or not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        raise TableError("a predicate table is a set of (key, query) pairs")
    return tuple(sort_values(pairs))


def is_predicate_token(token: str) -> bool:
    if token in COMPARISONS:
        return True
    try:
        predicate_pairs(token)
    except TableError:
        return False
    return True


def predicate_text(token: str) -> str:
    """How a comparison or predicate table reads in program text."""
    return token if token in COMPARISONS else token.rpartition("|")[0]


def _same(a: Any, b: Any, numerical: bool) -> bool:
    """Equal as Tracr sees values: by number for numerical variables, by type and value for
    categorical ones (2 and 2.0, or True and 1, are different labels there)."""
    if a is None or b is None:
        return a is None and b is None
    if numerical:
        if not all(isinstance(v, (int, float)) for v in (a, b)):
            return False  # '3' is not the number 3, though float('3') is
        try:
            return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=1e-6)
        except (TypeError, ValueError):
            return False
    return type(a) is type(b) and a == b


def library_match(table: dict, domain: Iterable, kind: LambdaKind) -> list[Lambda]:
    """Library lambdas of `kind` that compute `table` on every input of `domain`, in library order.

    A None in the table (a value missing from it) is matched by no library lambda.
    """
    from trade.program.lambdas import lambdas_of_kind

    domain = list(domain)
    numerical = kind.output_encoding.value == "numerical"
    found = []
    for lam in lambdas_of_kind(kind):
        try:
            if all(_same(lam.fn(*(x if isinstance(x, tuple) and kind.arity == 2 else (x,))), table.get(x),
                         numerical) for x in domain):
                found.append(lam)
        except Exception:  # a library lambda that cannot take these values (strings, tuples)
            continue
    return found


def comparison_matches(pairs: set, keys: Iterable, queries: Iterable) -> list[str]:
    """The comparisons that select exactly `pairs` among keys x queries, in COMPARISONS order."""
    keys, queries = list(keys), list(queries)
    found = []
    for name in COMPARISONS:
        compare = _COMPARE[name]
        try:
            if all(bool(compare(k, q)) == ((k, q) in pairs) for k in keys for q in queries):
                found.append(name)
        except TypeError:
            continue
    return found
