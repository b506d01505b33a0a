"""The fixed, versioned library of lambdas and comparisons that programs may use.

A decompiler can only name functions it has seen, so programs draw every `Map` and
`SequenceMap` function and every `Select` comparison from this closed list. Changing
the list changes the token vocabulary: bump `LIBRARY_VERSION` when you do.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Callable

LIBRARY_VERSION = 1


class Encoding(enum.Enum):
    """How a sequence variable is laid out in the residual stream."""

    CATEGORICAL = "categorical"
    NUMERICAL = "numerical"


class LambdaKind(enum.Enum):
    """Which `Map`/`SequenceMap` slot a lambda fits: its input and output encodings."""

    MAP_CAT_CAT = "map categorical->categorical"
    MAP_CAT_NUM = "map categorical->numerical"
    MAP_NUM_NUM = "map numerical->numerical"
    MAP_NUM_CAT = "map numerical->categorical"
    SEQUENCE_MAP = "sequence map categorical,categorical->categorical"
    # Tracr's LinearSequenceMap: fst_factor * x + snd_factor * y on numerical inputs. No library
    # lambda has this kind; only the weight reader writes one (`trade.program.tables`).
    LINEAR_SEQUENCE_MAP = "linear sequence map numerical,numerical->numerical"

    @property
    def input_encoding(self) -> Encoding:
        if self in (LambdaKind.MAP_NUM_NUM, LambdaKind.MAP_NUM_CAT, LambdaKind.LINEAR_SEQUENCE_MAP):
            return Encoding.NUMERICAL
        return Encoding.CATEGORICAL

    @property
    def output_encoding(self) -> Encoding:
        if self in (LambdaKind.MAP_CAT_NUM, LambdaKind.MAP_NUM_NUM, LambdaKind.LINEAR_SEQUENCE_MAP):
            return Encoding.NUMERICAL
        return Encoding.CATEGORICAL

    @property
    def arity(self) -> int:
        return 2 if self in (LambdaKind.SEQUENCE_MAP, LambdaKind.LINEAR_SEQUENCE_MAP) else 1


@dataclasses.dataclass(frozen=True)
class Lambda:
    """One library function.

    `text` is how it reads in program source (`x + 1`); `python` is an equivalent
    Python lambda used when exporting a runnable Tracr module; `fn` computes it.
    The token name is unique across kinds because the same text (`x == 0`) can
    appear with different output encodings.
    """

    kind: LambdaKind
    text: str
    python: str
    fn: Callable[..., int | float]

    @property
    def token(self) -> str:
        suffix = {
            LambdaKind.MAP_CAT_CAT: "cc",
            LambdaKind.MAP_CAT_NUM: "cn",
            LambdaKind.MAP_NUM_NUM: "nn",
            LambdaKind.MAP_NUM_CAT: "nc",
            LambdaKind.SEQUENCE_MAP: "ss",
            LambdaKind.LINEAR_SEQUENCE_MAP: "ll",
        }[self.kind]
        return f"{self.text}|{suffix}"


def _map(kind: LambdaKind, text: str, python: str, fn: Callable) -> Lambda:
    return Lambda(kind=kind, text=text, python=python, fn=fn)


_CC, _CN, _NN, _NC, _SS = (
    LambdaKind.MAP_CAT_CAT,
    LambdaKind.MAP_CAT_NUM,
    LambdaKind.MAP_NUM_NUM,
    LambdaKind.MAP_NUM_CAT,
    LambdaKind.SEQUENCE_MAP,
)

# Every function is total on the numbers it can meet (no division by a variable),
# so value-set inference and evaluation never raise. Comparisons return ints 0/1
# rather than bools so that value sets stay plain integers.
LAMBDAS: tuple[Lambda, ...] = (
    # categorical -> categorical
    _map(_CC, "x + 1", "lambda x: x + 1", lambda x: x + 1),
    _map(_CC, "x - 1", "lambda x: x - 1", lambda x: x - 1),
    _map(_CC, "x + 2", "lambda x: x + 2", lambda x: x + 2),
    _map(_CC, "x * 2", "lambda x: x * 2", lambda x: x * 2),
    _map(_CC, "x // 2", "lambda x: x // 2", lambda x: x // 2),
    _map(_CC, "x % 2", "lambda x: x % 2", lambda x: x % 2),
    _map(_CC, "x % 3", "lambda x: x % 3", lambda x: x % 3),
    _map(_CC, "-x", "lambda x: -x", lambda x: -x),
    _map(_CC, "abs(x)", "lambda x: abs(x)", lambda x: abs(x)),
    _map(_CC, "x if x > 0 else 0", "lambda x: x if x > 0 else 0", lambda x: x if x > 0 else 0),
    _map(_CC, "min(x, 2)", "lambda x: min(x, 2)", lambda x: min(x, 2)),
    _map(_CC, "4 - x", "lambda x: 4 - x", lambda x: 4 - x),
    _map(_CC, "x == 0", "lambda x: int(x == 0)", lambda x: int(x == 0)),
    _map(_CC, "x == 1", "lambda x: int(x == 1)", lambda x: int(x == 1)),
    _map(_CC, "x == 2", "lambda x: int(x == 2)", lambda x: int(x == 2)),
    _map(_CC, "x == 3", "lambda x: int(x == 3)", lambda x: int(x == 3)),
    _map(_CC, "x > 0", "lambda x: int(x > 0)", lambda x: int(x > 0)),
    _map(_CC, "x > 2", "lambda x: int(x > 2)", lambda x: int(x > 2)),
    _map(_CC, "x < 2", "lambda x: int(x < 2)", lambda x: int(x < 2)),
    _map(_CC, "1 - x", "lambda x: 1 - x", lambda x: 1 - x),
    # categorical -> numerical (0/1 outputs feed numerical Aggregate, i.e. frac_prevs)
    _map(_CN, "x", "lambda x: x", lambda x: x),
    _map(_CN, "x == 0", "lambda x: int(x == 0)", lambda x: int(x == 0)),
    _map(_CN, "x == 1", "lambda x: int(x == 1)", lambda x: int(x == 1)),
    _map(_CN, "x == 2", "lambda x: int(x == 2)", lambda x: int(x == 2)),
    _map(_CN, "x > 0", "lambda x: int(x > 0)", lambda x: int(x > 0)),
    _map(_CN, "x > 2", "lambda x: int(x > 2)", lambda x: int(x > 2)),
    _map(_CN, "x < 2", "lambda x: int(x < 2)", lambda x: int(x < 2)),
    _map(_CN, "x % 2", "lambda x: x % 2", lambda x: x % 2),
    # numerical -> numerical
    _map(_NN, "1 - x", "lambda x: 1 - x", lambda x: 1 - x),
    _map(_NN, "x * 2", "lambda x: x * 2", lambda x: x * 2),
    _map(_NN, "x > 0", "lambda x: int(x > 0)", lambda x: int(x > 0)),
    _map(_NN, "x > 0.5", "lambda x: int(x > 0.5)", lambda x: int(x > 0.5)),
    _map(_NN, "x == 0", "lambda x: int(x == 0)", lambda x: int(x == 0)),
    # numerical -> categorical
    _map(_NC, "x > 0", "lambda x: int(x > 0)", lambda x: int(x > 0)),
    _map(_NC, "x > 0.5", "lambda x: int(x > 0.5)", lambda x: int(x > 0.5)),
    _map(_NC, "x == 0", "lambda x: int(x == 0)", lambda x: int(x == 0)),
    _map(_NC, "round(x * 4)", "lambda x: round(x * 4)", lambda x: round(x * 4)),
    # categorical x categorical -> categorical
    _map(_SS, "x + y", "lambda x, y: x + y", lambda x, y: x + y),
    _map(_SS, "x - y", "lambda x, y: x - y", lambda x, y: x - y),
    _map(_SS, "x * y", "lambda x, y: x * y", lambda x, y: x * y),
    _map(_SS, "max(x, y)", "lambda x, y: max(x, y)", lambda x, y: max(x, y)),
    _map(_SS, "min(x, y)", "lambda x, y: min(x, y)", lambda x, y: min(x, y)),
    _map(_SS, "x == y", "lambda x, y: int(x == y)", lambda x, y: int(x == y)),
    _map(_SS, "x < y", "lambda x, y: int(x < y)", lambda x, y: int(x < y)),
    _map(_SS, "x and y", "lambda x, y: int(bool(x) and bool(y))", lambda x, y: int(bool(x) and bool(y))),
    _map(_SS, "x or y", "lambda x, y: int(bool(x) or bool(y))", lambda x, y: int(bool(x) or bool(y))),
    _map(_SS, "x if y > 0 else 0", "lambda x, y: x if y > 0 else 0", lambda x, y: x if y > 0 else 0),
)

# Tracr's comparisons, by the names of `rasp.Comparison` members.
COMPARISONS: tuple[str, ...] = ("EQ", "LT", "LEQ", "GT", "GEQ", "NEQ", "TRUE", "FALSE")

LAMBDA_BY_TOKEN: dict[str, Lambda] = {lam.token: lam for lam in LAMBDAS}


def lambdas_of_kind(kind: LambdaKind) -> tuple[Lambda, ...]:
    """All library lambdas that fit a given slot, in library order."""
    return tuple(lam for lam in LAMBDAS if lam.kind is kind)


def find_lambda(text: str, kind: LambdaKind) -> Lambda | None:
    """The lambda with this source text and kind, ignoring spacing; None if absent."""
    wanted = "".join(text.split())
    for lam in LAMBDAS:
        if lam.kind is kind and "".join(lam.text.split()) == wanted:
            return lam
    return None
