"""A batched NumPy interpreter of programs, faithful to Tracr's RASP evaluator.

Tracr's `rasp.evaluate` runs one input at a time in Python; this runs a whole
batch of equal-length inputs at once, which makes checking programs on the whole
input space (vocabulary 5, length up to 5: 3,905 sequences) cheap. Sequences are
float arrays with NaN standing for RASP's None; selectors are boolean arrays
indexed [batch, query, key].

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

_COMPARE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "EQ": np.equal,
    "LT": np.less,
    "LEQ": np.less_equal,
    "GT": np.greater,
    "GEQ": np.greater_equal,
    "NEQ": np.not_equal,
    "TRUE": lambda k, q: np.ones(np.broadcast_shapes(k.shape, q.shape), dtype=bool),
    "FALSE": lambda k, q: np.zeros(np.broadcast_shapes(k.shape, q.shape), dtype=bool),
}


@dataclasses.dataclass
class Evaluation:
    """Values of every variable on a batch, and where evaluation was not clean."""

    values: dict[str, np.ndarray]
    errors: np.ndarray
    unsupported: np.ndarray

    def output(self, program: Program) -> np.ndarray:
        return self.values[program.output]


def apply_elementwise(fn: Callable, *columns: np.ndarray) -> np.ndarray:
    """Applies a Python function to aligned arrays through a table of unique inputs.

    NaN (None) in any input gives NaN, as RASP's Map and SequenceMap do. The
    function is called once per distinct combination of input values.
    """
    arrays = [np.asarray(c, dtype=np.float64) for c in columns]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    flats = [np.broadcast_to(a, shape).reshape(-1) for a in arrays]
    missing = np.zeros(flats[0].shape, dtype=bool)
    for flat in flats:
        missing |= np.isnan(flat)
    out = np.full(flats[0].shape, np.nan)
    present = ~missing
    if present.any():
        uniques, codes = zip(*(np.unique(f[present], return_inverse=True) for f in flats))
        table = np.array([float(fn(*(_as_python(v) for v in combination)))
                          for combination in itertools.product(*uniques)])
        flat_code = np.zeros(int(present.sum()), dtype=np.int64)
        for unique, code in zip(uniques, codes):
            flat_code = flat_code * len(unique) + code.reshape(-1)
        out[present] = table[flat_code]
    return out.reshape(shape)


def _as_python(value: float) -> int | float:
    """Integers back to int so that `x // 2` and `x % 3` behave as in RASP."""
    return int(value) if float(value).is_integer() else float(value)


def evaluate_batch(program: Program, tokens: np.ndarray,
                   types: dict[str, VarType] | None = None) -> Evaluation:
    """Evaluates a program on a [batch, length] array of token values.

    `types` (from `program.types()`) may be passed to skip re-checking.
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
    for index, line in enumerate(program.lines):
        name = variable_name(index)
        args = [values[a] for a in line.variable_args]
        if line.op is Op.SELECT:
            keys, queries = args
            errors |= np.isnan(keys).any(axis=1) | np.isnan(queries).any(axis=1)
            with np.errstate(invalid="ignore"):
                result = _COMPARE[line.args[2]](keys[:, None, :], queries[:, :, None])
        elif line.op is Op.SELECTOR_WIDTH:
            result = args[0].sum(axis=2).astype(np.float64)
        elif line.op is Op.AGGREGATE:
            result, agg_errors, agg_unsupported = _aggregate(
                args[0], args[1], numerical=types[name] is VarType.NUMERICAL)
            errors |= agg_errors
            unsupported |= agg_unsupported
        else:
            result = apply_elementwise(line.lam.fn, *args)
        values[name] = result
    return Evaluation(values=values, errors=errors, unsupported=unsupported)


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
        high = np.where(selector, filled[:, None, :], -np.inf).max(axis=2)
        low = np.where(selector, filled[:, None, :], np.inf).min(axis=2)
        averaging = (count > 1) & (high != low)
        unsupported = averaging.any(axis=1)
    result = np.where(single_none, np.nan, result)
    return result, errors, unsupported


def all_inputs(vocab: tuple[int, ...], max_seq_len: int) -> list[np.ndarray]:
    """Every input sequence, grouped by length: one [count, length] array per length."""
    return [np.array(list(itertools.product(vocab, repeat=length)), dtype=np.float64)
            for length in range(1, max_seq_len + 1)]


def random_inputs(vocab: tuple[int, ...], max_seq_len: int, count: int,
                  rng: np.random.Generator) -> list[np.ndarray]:
    """`count` random sequences with lengths spread evenly, grouped by length."""
    per_length = np.bincount(rng.integers(1, max_seq_len + 1, size=count), minlength=max_seq_len + 1)
    return [rng.choice(np.array(vocab, dtype=np.float64), size=(n, length))
            for length, n in enumerate(per_length) if n > 0]


def input_space_size(vocab_size: int, max_seq_len: int) -> int:
    return sum(vocab_size ** length for length in range(1, max_seq_len + 1))
