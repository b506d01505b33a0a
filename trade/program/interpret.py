"""A batched NumPy interpreter of programs, faithful to Tracr's RASP evaluator.

Tracr's `rasp.evaluate` runs one input at a time in Python; this runs a whole
batch of equal-length inputs at once, which makes checking programs on the whole
input space (vocabulary 5, length up to 5: 3,905 sequences) cheap. Sequences are
float arrays with NaN standing for RASP's None; selectors are boolean arrays
indexed [batch, query, key]. Values that are not numbers (strings such as
`"a"`, tuples) are stored as codes (`encode_value`, `decode_value`); every
function and predicate sees the real values, through a table of the distinct
inputs, so strings compare and map as in Python.

Besides values it reports, per input, where Tracr's evaluator would raise (a
comparison or a multi-element mean meeting None) and where Tracr's dynamic
validator would object: a numerical Aggregate over values outside {0, 1}, and a
categorical Aggregate that averages different values (Tracr flags only averages
that produce a new value; an average that lands on an existing value, such as
mean(1, 2, 3) = 2, is just as wrong in the compiled model, so it is flagged too).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Callable

import numpy as np

from trade.program.program import Op, Program, VarType, variable_name
from trade.program.tables import plain, predicate_of

_NUMERIC_COMPARE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "EQ": np.equal, "LT": np.less, "LEQ": np.less_equal, "GT": np.greater, "GEQ": np.greater_equal,
    "NEQ": np.not_equal,
    "TRUE": lambda k, q: np.ones(np.broadcast_shapes(k.shape, q.shape), dtype=bool),
    "FALSE": lambda k, q: np.zeros(np.broadcast_shapes(k.shape, q.shape), dtype=bool),
}
_SYMBOL_BASE = 2.0 ** 48  # codes of non-numeric values start here; numbers stand for themselves
_SYMBOLS: list = []
_SYMBOL_CODE: dict = {}


def encode_value(value) -> float:
    """The float a value is stored as: numbers as themselves, None (and a NaN) as NaN, others as a code.
    So are numbers a float64 cannot hold (integers past 2**53) or that would read back as a code (whole
    numbers from 2**48): 2**53 + 1 would be 2**53."""
    value = plain(value)
    if value is None:
        return np.nan
    if isinstance(value, (bool, int, float)):
        number = float(value) if isinstance(value, float) or abs(value) < 2 ** 1000 else None  # 10**400: none
        if number is not None and (number != number or (
                number == value and not (number >= _SYMBOL_BASE and number.is_integer()))):
            return number
    key = (type(value).__name__, value)
    if key not in _SYMBOL_CODE:
        _SYMBOL_CODE[key] = _SYMBOL_BASE + len(_SYMBOLS)
        _SYMBOLS.append(value)
    return _SYMBOL_CODE[key]


def decode_value(code: float):
    """The value a stored float stands for (None for NaN; integral floats as ints, as RASP has them)."""
    if np.isnan(code):
        return None
    if code >= _SYMBOL_BASE and float(code - _SYMBOL_BASE).is_integer() and code - _SYMBOL_BASE < len(_SYMBOLS):
        return _SYMBOLS[int(code - _SYMBOL_BASE)]
    return _as_python(code)


def encode_array(values) -> np.ndarray:
    return np.vectorize(encode_value, otypes=[np.float64])(np.asarray(values, dtype=object))


def _has_symbols(array: np.ndarray) -> bool:
    return bool(_SYMBOLS) and bool((array >= _SYMBOL_BASE).any())


@dataclasses.dataclass
class Evaluation:
    """Values of every variable on a batch, and where evaluation was not clean."""

    values: dict[str, np.ndarray]
    errors: np.ndarray
    unsupported: np.ndarray  # a categorical Aggregate averages, or a numerical one means non-0/1 values
    averaging: np.ndarray  # a categorical Aggregate selects several different values (None is one)

    def output(self, program: Program) -> np.ndarray:
        return self.values[program.output]


def apply_elementwise(fn: Callable, *columns: np.ndarray) -> np.ndarray:
    """Applies a Python function to aligned arrays through a table of unique inputs.

    NaN (None) in any input gives NaN, as RASP's Map and SequenceMap do. The
    function is called once per combination of each input's distinct values. The
    distinct values are found in each array before it is broadcast: a selector's
    [batch, query, key] grid of 262,144 inputs of nine tokens holds 21 million
    pairs, its keys and queries 2.4 million values each.
    """
    arrays = [np.asarray(c, dtype=np.float64) for c in columns]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    arrays = [a.reshape((1,) * (len(shape) - a.ndim) + a.shape) for a in arrays]
    missing = np.zeros(shape, dtype=bool)
    for array in arrays:
        missing |= np.isnan(array)
    present = ~missing
    out = np.full(shape, np.nan)
    if present.any():
        uniques, codes = [], []
        for array in arrays:  # the values each array holds where no argument is None, as before broadcasting
            axes = tuple(i for i, (n, m) in enumerate(zip(array.shape, shape)) if n == 1 and m != 1)
            used = present.any(axis=axes, keepdims=True) if axes else present
            unique, inverse = np.unique(array[used], return_inverse=True)
            code = np.zeros(array.shape, dtype=np.int64)
            code[used] = inverse.reshape(-1)
            uniques.append(unique)
            codes.append(code)
        table = np.array([encode_value(_call(fn, [decode_value(v) for v in combination]))
                          for combination in itertools.product(*uniques)], dtype=np.float64)
        flat_code = np.zeros(shape, dtype=np.int64)
        for unique, code in zip(uniques, codes):
            flat_code = flat_code * len(unique) + code
        out[present] = table[flat_code[present]]
    return out


def _call(fn: Callable, args: list):
    """fn(*args), with Tracr's treatment of arithmetic errors: the result is None."""
    try:
        return fn(*args)
    except ArithmeticError:
        return None


def _as_python(value: float) -> int | float:
    """Integers back to int so that `x // 2` and `x % 3` behave as in RASP."""
    return int(value) if float(value).is_integer() else float(value)


def evaluate_batch(program: Program, tokens: np.ndarray,
                   types: dict[str, VarType] | None = None, causal: bool = False) -> Evaluation:
    """Evaluates a program on a [batch, length] array of token values.

    `types` (from `program.types()`) may be passed to skip re-checking. `causal`: every selector sees
    only keys at or before its query (Tracr's causal evaluation, what a `causal=True` model computes).
    """
    tokens = np.asarray(tokens, dtype=np.float64)
    batch, length = tokens.shape
    types = types if types is not None else program.types()
    values: dict[str, np.ndarray] = {
        "tokens": tokens,
        "indices": np.broadcast_to(np.arange(length, dtype=np.float64), (batch, length)),
    }
    errors = np.zeros(batch, dtype=bool)
    unsupported = np.zeros(batch, dtype=bool)
    averaging = np.zeros(batch, dtype=bool)
    for index, line in enumerate(program.lines):
        name = variable_name(index)
        args = [values[a] for a in line.variable_args]
        if line.op is Op.SELECT:
            keys, queries = args
            errors |= np.isnan(keys).any(axis=1) | np.isnan(queries).any(axis=1)
            result = select(line.args[2], keys, queries)
            if causal:
                result = result & np.tri(length, dtype=bool)
        elif line.op is Op.SELECTOR_WIDTH:
            result = args[0].sum(axis=2).astype(np.float64)
        elif line.op is Op.AGGREGATE:
            result, agg_errors, agg_unsupported = _aggregate(
                args[0], args[1], numerical=types[name] is VarType.NUMERICAL)
            errors |= agg_errors
            unsupported |= agg_unsupported
            if types[name] is VarType.CATEGORICAL:
                averaging |= agg_unsupported
        else:
            result = apply_elementwise(line.lam.fn, *args)
        values[name] = result
    return Evaluation(values=values, errors=errors, unsupported=unsupported, averaging=averaging)


def select(predicate: str, keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """[batch, query, key] selector of a comparison name or predicate table."""
    if predicate in _NUMERIC_COMPARE and (predicate in ("EQ", "NEQ", "TRUE", "FALSE")
                                          or not (_has_symbols(keys) or _has_symbols(queries))):
        with np.errstate(invalid="ignore"):
            return _NUMERIC_COMPARE[predicate](keys[:, None, :], queries[:, :, None])
    chosen = apply_elementwise(lambda k, q: _as_bool(predicate_of(predicate), k, q),
                               keys[:, None, :], queries[:, :, None])
    return np.nan_to_num(chosen, nan=0.0) > 0.5


def _as_bool(predicate: Callable, key, query) -> float:
    try:
        return float(bool(predicate(key, query)))
    except TypeError:  # values that do not compare (a string and a number): not selected
        return 0.0


def _aggregate(selector: np.ndarray, sop: np.ndarray,
               numerical: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RASP's Aggregate: the mean of the selected values, default None (0 if numerical)."""
    count = selector.sum(axis=2)
    missing = np.isnan(sop)
    filled = np.where(missing, 0.0, sop)
    selected_missing = (selector & missing[:, None, :]).any(axis=2)
    total = np.einsum("bqk,bk->bq", selector.astype(np.float64), filled)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    # One selected None passes through; None among several makes RASP raise.
    errors = (selected_missing & (count > 1)).any(axis=1)
    single_none = selected_missing & (count == 1)
    if numerical:
        result = np.where(count == 0, 0.0, mean)
        unsupported = ~np.isin(np.where(missing, 0.0, sop), (0.0, 1.0)).all(axis=1)
    else:
        result = np.where(count == 0, np.nan, mean)
        distinct = np.where(missing, np.inf, sop)[:, None, :]  # None differs from every value
        high = np.where(selector, distinct, -np.inf).max(axis=2)
        low = np.where(selector, distinct, np.inf).min(axis=2)
        averaging = (count > 1) & (high != low)
        unsupported = averaging.any(axis=1)
    result = np.where(single_none, np.nan, result)
    return result, errors, unsupported


def all_inputs(vocab: tuple, max_seq_len: int) -> list[np.ndarray]:
    """Every input sequence (values encoded), grouped by length: one [count, length] array per length."""
    codes = [encode_value(v) for v in vocab]
    return [np.array(list(itertools.product(codes, repeat=length)), dtype=np.float64).reshape(-1, length)
            for length in range(1, max_seq_len + 1)]


def random_inputs(vocab: tuple, max_seq_len: int, count: int,
                  rng: np.random.Generator) -> list[np.ndarray]:
    """`count` random sequences (values encoded) with lengths spread evenly, grouped by length."""
    per_length = np.bincount(rng.integers(1, max_seq_len + 1, size=count), minlength=max_seq_len + 1)
    codes = np.array([encode_value(v) for v in vocab], dtype=np.float64)
    return [rng.choice(codes, size=(n, length)) for length, n in enumerate(per_length) if n > 0]


def probing_inputs(vocab: tuple, max_seq_len: int, count: int,
                   rng: np.random.Generator) -> list[np.ndarray]:
    """`random_inputs`, a fifth of them replaced by sequences uniform sampling almost never draws and
    programs often branch on (InterpBench's cases ship their own samplers for this): sorted up or down,
    all one value, or of two values. One [n, length] array per length."""
    special = count // 5
    by_length: dict[int, list[np.ndarray]] = {}
    for batch in random_inputs(vocab, max_seq_len, count - special, rng):
        by_length.setdefault(batch.shape[1], []).append(batch)
    try:
        ordered = sorted(vocab)
    except TypeError:  # values of several types: the vocabulary's own order
        ordered = list(vocab)
    codes = np.array([encode_value(v) for v in ordered], dtype=np.float64)
    lengths = np.bincount(rng.integers(1, max_seq_len + 1, size=special), minlength=max_seq_len + 1)
    for length, n in enumerate(lengths):
        if n == 0:
            continue
        picks = rng.integers(0, len(codes), size=(n, length))
        kind = rng.integers(0, 4, size=n)
        picks[kind == 0] = np.sort(picks[kind == 0], axis=1)
        picks[kind == 1] = np.sort(picks[kind == 1], axis=1)[:, ::-1]
        picks[kind == 2] = picks[kind == 2][:, :1]
        pairs = rng.integers(0, len(codes), size=(n, 2))
        two = np.take_along_axis(pairs, rng.integers(0, 2, size=(n, length)), axis=1)
        picks[kind == 3] = two[kind == 3]
        by_length.setdefault(length, []).append(codes[picks])
    return [np.concatenate(by_length[length]) for length in sorted(by_length)]


def input_space_size(vocab_size: int, max_seq_len: int) -> int:
    return sum(vocab_size ** length for length in range(1, max_seq_len + 1))
