"""What a compiled model is, without the compiler.

The configuration and array form of a compiled Tracr model live apart from
`trade.compiling` so that reading datasets and training import neither Tracr
nor JAX: a GPU machine needs only PyTorch, NumPy and pyarrow to train.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `trade --help` and file errors need no NumPy
    import numpy as np


TOKEN_TUPLE_DEPTH = 3  # tuples of tuples of tuples of tokens, at most


def vocabulary_token(value, depth: int = 0):
    """A token as Tracr takes it: an integer, a string, a bool, a finite float, or a tuple of tokens (a
    list, as JSON writes a tuple, becomes one). Raises ValueError for anything else (NaN, None, dicts)."""
    if isinstance(value, (int, str)):  # bools too: Tracr compiles {False, True} as it is
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"vocabulary token {value!r} is a float that is not finite")
        return value
    if isinstance(value, (list, tuple)) and depth < TOKEN_TUPLE_DEPTH:
        return tuple(vocabulary_token(item, depth + 1) for item in value)
    raise ValueError(f"vocabulary token {str(value)[:40]!r} is a {type(value).__name__}, expected an "
                     "integer, a string, a bool, a float or a tuple of those")


@dataclasses.dataclass(frozen=True)
class CompileConfig:
    """How programs are compiled; recorded in every dataset and weights file."""

    vocab: tuple[int, ...] = (0, 1, 2, 3, 4)
    max_seq_len: int = 5
    compiler_bos: str = "BOS"
    compiler_pad: str = "PAD"
    mlp_exactness: int = 100
    # Tracr's `causal=True`: each position attends only to itself and earlier ones. The weights are the
    # same as without it; only how the model runs (and so what it computes) differs.
    causal: bool = False

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        if not self.causal:  # files of bidirectional models stay as they were before the setting existed
            del data["causal"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "CompileConfig":
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - fields
        if unknown:
            raise ValueError(f"unknown compile settings: {sorted(unknown)}")
        values = dict(data)
        if "vocab" in values:
            vocab = values["vocab"]
            if not isinstance(vocab, (list, tuple)) or not vocab:
                raise ValueError(f"the vocabulary must be a non-empty list of tokens: {vocab!r:.60}")
            vocab = tuple(vocabulary_token(v) for v in vocab)
            if len(set(vocab)) != len(vocab):
                raise ValueError("vocab repeats a token")
            values["vocab"] = vocab
        if "max_seq_len" in values and (not isinstance(values["max_seq_len"], int)
                                        or isinstance(values["max_seq_len"], bool) or values["max_seq_len"] < 1):
            raise ValueError(f"max_seq_len must be a positive integer, not {values['max_seq_len']!r:.30}")
        if "causal" in values and not isinstance(values["causal"], bool):
            raise ValueError(f"causal must be true or false, not {values['causal']!r:.30}")
        return cls(**values)


@dataclasses.dataclass
class CompiledModel:
    """A compiled transformer as plain arrays, plus what is needed to run it.

    `params` keys are Tracr's parameter paths joined with '/', e.g.
    `transformer/layer_0/attn/query/w`. `token_ids` maps input values (and the
    BOS/PAD tokens) to embedding rows; `output_values` are the values of the
    output's categorical directions in residual order (None if numerical).
    """

    params: dict[str, np.ndarray]
    config: CompileConfig
    num_heads: int
    key_size: int
    residual_labels: list[str]
    token_ids: dict
    output_values: list | None
    output_slice: tuple[int, int]

    @property
    def num_layers(self) -> int:
        return num_layers(self.params)


def num_layers(params: dict[str, np.ndarray]) -> int:
    return _num_layers(tuple(params))  # called tens of times per model: the answer is kept per key list


@functools.lru_cache(maxsize=1024)
def _num_layers(keys: tuple[str, ...]) -> int:
    top = -1  # the largest N of `transformer/layer_N/...`
    for key in keys:
        if key.startswith("transformer/"):
            top = max(top, int(key.split("/", 2)[1].split("_")[1]))
    return top + 1
