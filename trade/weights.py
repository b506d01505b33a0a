"""Weight files in and out, and weight tokenization (the paper's Section 3.1).

A weights file is a `.npz` (read with `allow_pickle=False`) whose keys are Tracr's
parameter paths joined with '/' (`token_embed/embeddings`,
`transformer/layer_0/attn/query/w`, ...) plus `trade/config`, a JSON string with
the compile settings and the attention geometry (`num_heads`, `key_size`) that
the arrays alone do not determine, `output_values`, the names of the output
dimensions (Tracr's output encoder), and optionally `residual_labels`, the names
of the residual directions (used only to put a model compiled with other
variable names into TraDe's layout, `trade.layout`).

Tokenization turns a model into a sequence of fixed-width vectors. The default
`matrix` scheme makes one token per weight matrix (per attention head where that
applies), oriented with the residual stream along the rows and flattened column
by column, so that residual dimension r sits at offsets r, r + d, r + 2d, ... in
every token of a model. With a fixed `stride` (columns padded to that many rows),
it sits at r, r + stride, r + 2 stride, ... in every token of every model no wider
than the stride: a column's offsets no longer depend on the model's width, and
`small` reached its old final accuracy in under a third of the steps
(`checkpoints/small/README.md`).
Matrices wider than the token are split into several tokens of whole columns.
Each token ends with a metadata vector (role, layer, head, shape, chunk).
All-zero matrices and trailing all-zero columns (Tracr's padding of heads and
MLPs to a common size) are dropped. The `layer` and `chunk` schemes of the
paper's footnote are kept as options, and so is `circuit` (heads as their QK and
OV products), which trained worse.
"""

from __future__ import annotations

import dataclasses
import json
import re
import zipfile
from pathlib import Path
from typing import Iterator

import numpy as np

from trade.compiled import CompileConfig, CompiledModel, num_layers, vocabulary_token

ROLES = ("token_embed", "pos_embed", "query", "key", "value", "attn_out", "mlp_in", "mlp_out")
ROLE_ID = {role: index for index, role in enumerate(ROLES)}
META_DIM = len(ROLES) + 8
# The `circuit` scheme's roles: each head as its two residual-to-residual circuits, and each MLP
# as its two matrices plus their product (what a categorical lookup maps each input value to).
CIRCUIT_ROLES = ("token_embed", "pos_embed", "qk", "ov", "mlp_in", "mlp_out", "mlp_circuit")
SCHEMES = ("matrix", "layer", "chunk", "circuit")
CONFIG_KEY = "trade/config"
UNEMBEDDING_KEY = "trade/unembedding"  # a transformed model's output read-out (trade.transform)
OUTPUT_VALUES_UNKNOWN = "unknown"
_LAYER_KEY = re.compile(r"^transformer/layer_(\d+)/(attn/(query|key|value|linear)|mlp/(linear_1|linear_2))/(w|b)$")


class WeightsError(ValueError):
    """A weights file or model that TraDe cannot read, with the reason."""


@dataclasses.dataclass(frozen=True)
class ModelWeights:
    """The arrays of a compiled model and the settings needed to run and tokenize it."""

    params: dict[str, np.ndarray]
    compile_config: CompileConfig
    num_heads: int
    key_size: int
    # The value of each categorical output dimension (None: numerical output).
    # Tracr keeps these names outside the arrays, in its output encoder; without
    # them `Map(x + 1, w)` and `Map(x + 2, w)` can have identical weights.
    output_values: list | None | str = OUTPUT_VALUES_UNKNOWN
    # The names of the residual directions (`name:value`), where the compiler kept them. They
    # let a model compiled with other variable names be put into TraDe's layout (trade.layout);
    # the decoder never sees them.
    residual_labels: list[str] | None = None
    # A function-preserving transformation applied after compiling (`trade.transform`): what was done,
    # with its seed, and the read-out of the output (d_model x outputs) that replaces the plain slice of
    # the residual stream once the basis is no longer one-hot.
    transform: list[dict] | None = None
    unembedding: np.ndarray | None = None

    @property
    def d_model(self) -> int:
        return self.params["token_embed/embeddings"].shape[1]

    @property
    def num_layers(self) -> int:
        return num_layers(self.params)


def weights_of(model: CompiledModel) -> ModelWeights:
    return ModelWeights(params=model.params, compile_config=model.config,
                        num_heads=model.num_heads, key_size=model.key_size,
                        output_values=model.output_values, residual_labels=list(model.residual_labels))


def weights_of_tracr(model, config: CompileConfig) -> ModelWeights:
    """ModelWeights of a Tracr AssembledTransformerModel compiled with `config`."""
    params = {f"{module}/{name}": np.asarray(value, dtype=np.float32)
              for module, group in model.params.items() for name, value in group.items()}
    output_values = None
    if hasattr(model.output_encoder, "encoding_map"):
        decoding = {index: value for value, index in model.output_encoder.encoding_map.items()}
        output_values = [decoding[i] for i in range(len(decoding))]
    weights = ModelWeights(params=params, compile_config=config,
                           num_heads=model.model_config.num_heads, key_size=model.model_config.key_size,
                           output_values=output_values, residual_labels=[str(label) for label in
                                                                         model.residual_labels])
    validate(weights)
    return weights


def save_weights(weights: ModelWeights, path: str | Path) -> None:
    """Writes a `.npz` weights file (no pickles)."""
    info = {"compile": weights.compile_config.to_json(), "num_heads": weights.num_heads,
            "key_size": weights.key_size, "format": "trade-weights-1"}
    if weights.output_values != OUTPUT_VALUES_UNKNOWN:
        info["output_values"] = weights.output_values
    if weights.residual_labels is not None:
        info["residual_labels"] = weights.residual_labels
    if weights.transform is not None:
        info["transform"] = weights.transform
    arrays = {name: np.asarray(value, dtype=np.float32) for name, value in weights.params.items()}
    if weights.unembedding is not None:
        arrays[UNEMBEDDING_KEY] = np.asarray(weights.unembedding, dtype=np.float32)
    arrays[CONFIG_KEY] = np.array(json.dumps(info))
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


# Limits on what an untrusted file may ask for, checked from headers before any data is read.
MAX_ARRAY_ELEMENTS = 64 * 2**20
MAX_TOTAL_BYTES = 2**30
MAX_ARRAYS = 4096
MAX_LAYERS = 256
MAX_CONFIG_CHARS = 2**22
MAX_VOCAB = 10_000
MAX_SEQ_LEN = 1_000


def array_limits(name: str, shape: tuple, dtype: np.dtype) -> str | None:
    """Why an array of this shape and dtype may not be read, or None."""
    elements = int(np.prod(shape, dtype=object)) if shape else 1
    if elements > MAX_ARRAY_ELEMENTS:
        return f"'{name}' claims {elements:,} elements (limit {MAX_ARRAY_ELEMENTS:,})"
    if elements * dtype.itemsize > MAX_TOTAL_BYTES:
        return f"'{name}' claims {elements * dtype.itemsize:,} bytes (limit {MAX_TOTAL_BYTES:,})"
    return None


def check_key(name: str) -> None:
    """Refuses a parameter name Tracr never writes, and a layer index past MAX_LAYERS, before reading data."""
    if name in (CONFIG_KEY, UNEMBEDDING_KEY, "token_embed/embeddings", "pos_embed/embeddings"):
        return
    match = _LAYER_KEY.match(name)
    if not match:
        raise WeightsError(f"unexpected key '{name[:80]}': not a Tracr model")
    if int(match.group(1)) >= MAX_LAYERS:
        raise WeightsError(f"'{name[:80]}' names layer {int(match.group(1)):,} (limit {MAX_LAYERS} layers)")


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of a `.npz` file, read safely: every header (names, dtypes, shapes) is checked
    against the limits above before any data is inflated, and nothing is unpickled."""
    from trade.input_files import file_problem

    path = Path(path)
    problem = file_problem(path) if not path.is_dir() else f"{path}: is a directory, not a weights file"
    if problem:
        raise WeightsError(problem)
    if not zipfile.is_zipfile(path):
        raise WeightsError(f"{path}: not a .npz weights file (not a zip archive; truncated?)")
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_ARRAYS:
                raise WeightsError(f"{path}: {len(members):,} arrays (limit {MAX_ARRAYS:,})")
            headers = []
            total = 0
            for member in members:
                if not member.filename.endswith(".npy"):
                    raise WeightsError(f"{path}: '{member.filename[:80]}' is not a .npy array")
                name = member.filename[:-4]
                if len(name) > 200:
                    raise WeightsError(f"{path}: an array name of {len(name):,} characters: not a Tracr "
                                       "model")
                with archive.open(member) as handle:
                    shape, fortran, dtype = _npy_header(handle, name)
                if dtype.hasobject:
                    raise WeightsError(f"{path}: holds pickled objects, which TraDe never loads")
                try:
                    check_key(name)
                except WeightsError as error:
                    raise WeightsError(f"{path}: {error}") from None
                if dtype.kind == "U" and name != CONFIG_KEY or dtype.kind not in "fiuU":
                    raise WeightsError(f"{path}: '{name}' has dtype {dtype}, expected numbers")
                problem = array_limits(name, shape, dtype)
                if name == CONFIG_KEY and dtype.itemsize * max(1, int(np.prod(shape))) > 4 * MAX_CONFIG_CHARS:
                    problem = f"'{CONFIG_KEY}' is longer than the limit of {MAX_CONFIG_CHARS:,} characters"
                if problem:
                    raise WeightsError(f"{path}: {problem}")
                total += int(np.prod(shape, dtype=object)) * dtype.itemsize
                if total > MAX_TOTAL_BYTES:
                    raise WeightsError(f"{path}: the arrays claim more than {MAX_TOTAL_BYTES:,} bytes in all")
                headers.append((member, name))
            for member, name in headers:
                with archive.open(member) as handle:
                    arrays[name] = np.lib.format.read_array(handle, allow_pickle=False)
    except WeightsError:
        raise
    except ValueError as error:
        if "pickle" in str(error):
            raise WeightsError(f"{path}: holds pickled objects, which TraDe never loads") from None
        raise WeightsError(f"{path}: unreadable array ({str(error)[:200]})") from None
    except (OSError, zipfile.BadZipFile, EOFError, KeyError, NotImplementedError, RuntimeError) as error:
        raise WeightsError(f"{path}: corrupt or truncated .npz ({str(error)[:200]})") from None
    return arrays


def _npy_header(handle, name: str) -> tuple[tuple, bool, np.dtype]:
    try:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(handle)
        return np.lib.format.read_array_header_2_0(handle)
    except (ValueError, SyntaxError, TypeError, EOFError) as error:
        raise WeightsError(f"'{name}' has a malformed .npy header ({str(error)[:120]})") from None


def check_config_claims(config: CompileConfig) -> None:
    """Refuses compile settings of the wrong types, duplicates, or sizes past the limits (one line each)."""
    vocab = config.vocab
    if not isinstance(vocab, tuple) or not vocab:
        raise WeightsError("the vocabulary must be a non-empty list of tokens")
    for token in vocab:
        try:
            vocabulary_token(token)
        except ValueError as error:
            raise WeightsError(str(error)) from None
    if len(vocab) > MAX_VOCAB:
        raise WeightsError(f"a vocabulary of {len(vocab):,} tokens (limit {MAX_VOCAB:,})")
    if len(set(vocab)) != len(vocab):
        raise WeightsError("the vocabulary repeats a token")
    if isinstance(config.max_seq_len, bool) or not isinstance(config.max_seq_len, int) \
            or not 1 <= config.max_seq_len <= MAX_SEQ_LEN:
        raise WeightsError(f"max_seq_len must be an integer from 1 to {MAX_SEQ_LEN}, "
                           f"not {config.max_seq_len!r}")
    if not isinstance(config.compiler_bos, str) or not config.compiler_bos:  # Tracr needs a BOS token
        raise WeightsError("compiler_bos must be a non-empty string")
    if not isinstance(config.compiler_pad, str):  # Tracr takes any string as PAD, '' too
        raise WeightsError(f"compiler_pad must be a string, not {config.compiler_pad!r}")
    if config.compiler_bos == config.compiler_pad:
        raise WeightsError(f"BOS and PAD are the same token ({config.compiler_bos!r})")
    if config.compiler_bos in vocab or config.compiler_pad in vocab:
        raise WeightsError("the vocabulary contains the BOS or PAD token")
    if isinstance(config.mlp_exactness, bool) or not isinstance(config.mlp_exactness, int) \
            or config.mlp_exactness < 1:
        raise WeightsError(f"mlp_exactness must be a positive integer, not {config.mlp_exactness!r}")


_READ_SUFFIXES = ("attn/query/w", "attn/key/w", "attn/value/w", "mlp/linear_1/w")


def untouched_dims(params: dict[str, np.ndarray], reads: tuple[str, ...] = _READ_SUFFIXES) -> np.ndarray:
    """Residual directions that no embedding or block writes and no matrix named by `reads` reads (a
    numerical Map that is 0 on every value its input takes writes nothing)."""
    touched = np.zeros(params["token_embed/embeddings"].shape[1], dtype=bool)
    for name, matrix in params.items():
        if name.endswith(("embeddings", "attn/linear/w", "mlp/linear_2/w")):
            touched |= np.abs(matrix).sum(axis=0) > 0
        elif name.endswith(reads):
            touched |= np.abs(matrix).sum(axis=1) > 0
    return np.flatnonzero(~touched)


def output_block(params: dict[str, np.ndarray]) -> np.ndarray:
    """Residual dimensions of the output: written by the last non-empty block, read by none."""
    d_model = params["token_embed/embeddings"].shape[1]
    read = np.zeros(d_model, dtype=bool)
    for name, matrix in params.items():
        if name.endswith(_READ_SUFFIXES):
            read |= np.abs(matrix).sum(axis=1) > 0
    for layer in range(num_layers(params) - 1, -1, -1):
        for name in (f"transformer/layer_{layer}/mlp/linear_2/w", f"transformer/layer_{layer}/attn/linear/w"):
            written = np.abs(params[name]).sum(axis=0) > 0
            if written.any():
                return np.flatnonzero(written & ~read)
    return np.zeros(0, dtype=np.int64)


def check_output_values(output_values, d_model: int) -> None:
    """Output values: null (numerical), `unknown`, or distinct numbers or strings, no more than `d_model`
    (the residual stream's size, or the read-out's width where that is larger)."""
    if output_values is None or (isinstance(output_values, str) and output_values == OUTPUT_VALUES_UNKNOWN):
        return
    def scalar(value, depth: int = 0) -> bool:  # Tracr's values: numbers, booleans, strings, tuples of them
        if isinstance(value, tuple):
            return len(value) <= 16 and depth < 3 and all(scalar(v, depth + 1) for v in value)
        return isinstance(value, (int, float, str))

    if not isinstance(output_values, list) or not all(scalar(v) for v in output_values):
        raise WeightsError("output_values must be a list of numbers, booleans, strings or tuples, or null")
    if len(set(output_values)) != len(output_values):
        raise WeightsError("output_values repeats a value")
    if not output_values or len(output_values) > d_model:
        raise WeightsError(f"{len(output_values)} output values for a residual stream of {d_model}")


def _tuples(values):
    """Output values as saved, with JSON's lists (Tracr's tuple values, written as lists) made tuples again.
    Values that are not a list of values are left for `check_output_values` to refuse."""
    def value(item, depth: int = 0):
        if isinstance(item, list) and depth < 3:
            return tuple(value(v, depth + 1) for v in item)
        return item

    return [value(item) for item in values] if isinstance(values, list) else values


def load_weights(path: str | Path) -> ModelWeights:
    """Reads and validates a weights file written by `save_weights`; raises WeightsError naming the problem.

    Files without TraDe's `trade/config` (plain parameter files, TransformerLens) are read by
    `trade.model_inputs.read_model`.
    """
    path = Path(path)
    arrays = read_npz(path)
    if CONFIG_KEY not in arrays:
        raise WeightsError(f"{path}: missing '{CONFIG_KEY}' (num_heads, key_size and compile settings); "
                           "write files with `trade compile` or trade.weights.save_weights, or read plain "
                           "parameter files with trade.model_inputs.read_model")
    return weights_from_arrays(arrays, str(path))


def weights_from_arrays(arrays: dict[str, np.ndarray], where: str) -> ModelWeights:
    """ModelWeights from a TraDe file's arrays, every claim of `trade/config` checked against them."""
    arrays = dict(arrays)
    try:
        raw = arrays.pop(CONFIG_KEY)
        if raw.dtype.kind != "U" or raw.ndim != 0:
            raise ValueError("expected one JSON string")
        info = json.loads(str(raw))
        if not isinstance(info, dict) or not isinstance(info.get("compile"), dict):
            raise ValueError("expected a JSON object with 'compile' settings")
        unembedding = arrays.pop(UNEMBEDDING_KEY, None)
        transform = info.get("transform")
        if transform is not None and not (isinstance(transform, list) and all(isinstance(t, dict)
                                                                             for t in transform)):
            raise ValueError("transform must be a list of records")
        vocab = info["compile"].get("vocab")
        if not isinstance(vocab, list):
            raise ValueError(f"the vocabulary must be a list, not {type(vocab).__name__}")
        config = CompileConfig.from_json(info["compile"])
        output_values = _tuples(info.get("output_values", OUTPUT_VALUES_UNKNOWN))
        labels = info.get("residual_labels")
        if labels is not None and not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
            raise ValueError("residual_labels must be a list of strings")
        heads, key_size = info["num_heads"], info["key_size"]
        if any(isinstance(v, bool) or not isinstance(v, int) for v in (heads, key_size)):
            raise ValueError("num_heads and key_size must be integers")
        weights = ModelWeights(params=arrays, compile_config=config, num_heads=heads, key_size=key_size,
                               output_values=output_values, residual_labels=labels, transform=transform,
                               unembedding=unembedding)
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as error:
        raise WeightsError(f"{where}: malformed '{CONFIG_KEY}' ({str(error)[:200]})") from None
    try:
        validate(weights)
    except WeightsError as error:
        raise WeightsError(f"{where}: {error}") from None
    return weights


def expected_shapes(d_model: int, layers: int, heads: int, key_size: int,
                    hidden: int, vocab_rows: int, positions: int) -> dict[str, tuple[int, ...]]:
    shapes = {"token_embed/embeddings": (vocab_rows, d_model), "pos_embed/embeddings": (positions, d_model)}
    for layer in range(layers):
        attn, mlp = f"transformer/layer_{layer}/attn", f"transformer/layer_{layer}/mlp"
        for part in ("query", "key", "value"):
            shapes[f"{attn}/{part}/w"] = (d_model, heads * key_size)
            shapes[f"{attn}/{part}/b"] = (heads * key_size,)
        shapes[f"{attn}/linear/w"] = (heads * key_size, d_model)
        shapes[f"{attn}/linear/b"] = (d_model,)
        shapes[f"{mlp}/linear_1/w"] = (d_model, hidden)
        shapes[f"{mlp}/linear_1/b"] = (hidden,)
        shapes[f"{mlp}/linear_2/w"] = (hidden, d_model)
        shapes[f"{mlp}/linear_2/b"] = (d_model,)
    return shapes


def validate(weights: ModelWeights) -> None:
    """Checks that the arrays form a Tracr-shaped model and that every claim of the compile settings fits
    them, cheapest first and before any work scales with a claim; raises WeightsError if not."""
    params = weights.params
    for name in ("token_embed/embeddings", "pos_embed/embeddings"):
        if name not in params:
            raise WeightsError(f"missing '{name}': not a Tracr model")
    for name in params:
        check_key(name)
        if name in (CONFIG_KEY, UNEMBEDDING_KEY):
            raise WeightsError(f"'{name}' is not a parameter")
    for name, value in params.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
            raise WeightsError(f"'{name}' has dtype {getattr(value, 'dtype', type(value).__name__)}, "
                               "expected numbers")
        problem = array_limits(name, value.shape, value.dtype)
        if problem:
            raise WeightsError(problem)
    embed, positions = params["token_embed/embeddings"], params["pos_embed/embeddings"]
    for name, array in (("token_embed/embeddings", embed), ("pos_embed/embeddings", positions)):
        if array.ndim != 2 or 0 in array.shape:
            raise WeightsError(f"'{name}' has shape {array.shape}, expected 2 non-empty dimensions")
    layers = num_layers(params)
    d_model = embed.shape[1]
    first = "transformer/layer_0/mlp/linear_1/w"
    hidden = params[first].shape[-1] if layers and first in params and params[first].ndim == 2 else 0
    for name, value in (("num_heads", weights.num_heads), ("key_size", weights.key_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise WeightsError(f"{name} must be a positive integer, not {value!r}")
    if weights.num_heads * weights.key_size > MAX_ARRAY_ELEMENTS:
        raise WeightsError(f"{weights.num_heads} heads of size {weights.key_size} is past the size limit")
    shapes = expected_shapes(d_model, layers, weights.num_heads, weights.key_size, hidden,
                             embed.shape[0], positions.shape[0])
    for name, shape in shapes.items():
        if name not in params:
            raise WeightsError(f"missing '{name}' (layer {name.split('/')[1]} is incomplete)")
        if tuple(params[name].shape) != shape:
            raise WeightsError(f"'{name}' has shape {tuple(params[name].shape)}, expected {shape} "
                               f"(d_model {d_model}, {weights.num_heads} heads of size {weights.key_size})")
    config = weights.compile_config
    check_config_claims(config)
    if positions.shape[0] != config.max_seq_len + 1:
        raise WeightsError(f"pos_embed has {positions.shape[0]} rows but max_seq_len is {config.max_seq_len} "
                           f"(expected {config.max_seq_len + 1})")
    if embed.shape[0] != len(config.vocab) + 2:
        relation = "more" if embed.shape[0] > len(config.vocab) + 2 else "fewer"
        raise WeightsError(f"token_embed has {embed.shape[0]} rows, {relation} than the vocabulary of "
                           f"{len(config.vocab)} tokens plus BOS and PAD")
    unembedding = weights.unembedding  # a read-out sets the width (a compressed stream: K may be below it)
    width = unembedding.shape[1] if isinstance(unembedding, np.ndarray) and unembedding.ndim == 2 else 0
    check_output_values(weights.output_values, max(d_model, width))
    for name, value in params.items():
        if not np.all(np.isfinite(value)):
            raise WeightsError(f"'{name}' contains NaN or infinite values")
    if not any(np.any(value) for name, value in params.items() if name.startswith("transformer/")):
        raise WeightsError("every layer's weights are zero: there is no program to read")
    if isinstance(weights.output_values, list) and weights.unembedding is None:
        outputs = len(output_block(params))
        if outputs and len(weights.output_values) != outputs:
            raise WeightsError(f"{len(weights.output_values)} output values for an output of {outputs} "
                               "residual directions")
    if weights.residual_labels is not None and len(weights.residual_labels) != d_model:
        raise WeightsError(f"{len(weights.residual_labels)} residual labels for a residual stream of {d_model}")
    if unembedding is not None and (not isinstance(unembedding, np.ndarray) or unembedding.ndim != 2
                                    or unembedding.shape[0] != d_model or unembedding.shape[1] == 0
                                    or unembedding.dtype.kind not in "fiu"
                                    or not np.all(np.isfinite(unembedding))):
        raise WeightsError(f"the unembedding has shape {getattr(unembedding, 'shape', None)}, expected "
                           f"({d_model}, outputs) of finite numbers, with at least one output")


@dataclasses.dataclass(frozen=True)
class TokenizerConfig:
    """How weights become tokens: `matrix` (default), `layer`, `chunk` or `circuit`."""

    scheme: str = "matrix"
    width: int = 2000
    # `matrix` and `circuit`: residual dimension r sits at offsets r, r + stride, r + 2 stride, ...
    # of every token. None: stride d_model, so the offsets of r's later entries depend on the
    # model's width; a fixed stride (at least d_model) puts each residual dimension at the same
    # offsets in every model.
    stride: int | None = None

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown tokenization scheme '{self.scheme}'; choose from {', '.join(SCHEMES)}")
        if self.stride is not None and self.stride < 1:
            raise ValueError(f"the token stride must be positive or None, not {self.stride}")

    @property
    def roles(self) -> tuple[str, ...]:
        return CIRCUIT_ROLES if self.scheme == "circuit" else ROLES

    @property
    def meta_dim(self) -> int:
        return len(self.roles) + 8

    @property
    def token_dim(self) -> int:
        """The length of each token's vector: the flattened matrix, then its metadata."""
        return self.width + self.meta_dim


@dataclasses.dataclass(frozen=True)
class WeightMatrix:
    """One matrix oriented residual-major: shape [d_model, columns]."""

    role: str
    layer: int
    head: int
    matrix: np.ndarray


LayerMatrices = tuple[int, list[tuple[int, tuple]], np.ndarray, np.ndarray]


def _layer_matrices(weights: ModelWeights) -> Iterator[LayerMatrices]:
    """Per layer: its heads' (query, key, value, output) matrices as Tracr stores them, with
    output [key_size, d_model], and its MLP's two matrices."""
    params, key_size = weights.params, weights.key_size
    for layer in range(weights.num_layers):
        attn, mlp = f"transformer/layer_{layer}/attn", f"transformer/layer_{layer}/mlp"
        heads = []
        for head in range(weights.num_heads):
            columns = slice(head * key_size, (head + 1) * key_size)
            heads.append((head, (params[f"{attn}/query/w"][:, columns], params[f"{attn}/key/w"][:, columns],
                                 params[f"{attn}/value/w"][:, columns],
                                 params[f"{attn}/linear/w"][columns, :])))
        yield layer, heads, params[f"{mlp}/linear_1/w"], params[f"{mlp}/linear_2/w"]


def _embeddings(weights: ModelWeights) -> list[WeightMatrix]:
    return [WeightMatrix("token_embed", -1, -1, weights.params["token_embed/embeddings"].T),
            WeightMatrix("pos_embed", -1, -1, weights.params["pos_embed/embeddings"].T)]


def residual_major_matrices(weights: ModelWeights) -> list[WeightMatrix]:
    """Every non-zero weight matrix with the residual stream along its rows.

    Attention matrices are split per head; trailing all-zero columns are
    trimmed; biases (always zero in Tracr) are kept only where non-zero.
    """
    out = _embeddings(weights)
    for layer, heads, first, second in _layer_matrices(weights):
        for head, (query, key, value, output) in heads:
            out += [WeightMatrix("query", layer, head, query), WeightMatrix("key", layer, head, key),
                    WeightMatrix("value", layer, head, value),
                    WeightMatrix("attn_out", layer, head, output.T)]
        out += [WeightMatrix("mlp_in", layer, -1, first), WeightMatrix("mlp_out", layer, -1, second.T)]
    trimmed = []
    for item in out:
        nonzero_columns = np.flatnonzero(np.abs(item.matrix).sum(axis=0))
        if nonzero_columns.size == 0:
            continue
        trimmed.append(dataclasses.replace(item, matrix=item.matrix[:, :nonzero_columns[-1] + 1]))
    return trimmed


def circuit_matrices(weights: ModelWeights) -> list[WeightMatrix]:
    """The `circuit` scheme's matrices, residual-major like `residual_major_matrices`.

    Tracr's query and key (value and output) matrices matter only through their
    product, so each head becomes its QK circuit (query residual x key residual:
    which variables it compares, and how) and its OV circuit (source x
    destination: what it moves where). The decoder then reads a comparison or a
    lookup from one token instead of joining two.
    """
    out = _embeddings(weights)
    for layer, heads, first, second in _layer_matrices(weights):
        for head, (query, key, value, output) in heads:
            out += [WeightMatrix("qk", layer, head, query @ key.T),
                    WeightMatrix("ov", layer, head, value @ output)]
        out += [WeightMatrix("mlp_in", layer, -1, first), WeightMatrix("mlp_out", layer, -1, second.T),
                WeightMatrix("mlp_circuit", layer, -1, first @ second)]
    return [item for item in out if np.any(item.matrix)]


def symlog(values: np.ndarray) -> np.ndarray:
    """Compresses Tracr's large constants (softmax coldness, MLP slopes of 100)."""
    return np.sign(values) * np.log1p(np.abs(values))


def _metadata(roles: tuple[str, ...], role: str, layer: int, head: int, rows: int, columns: int,
              chunk: int, chunks: int) -> np.ndarray:
    meta = np.zeros(len(roles) + 8, dtype=np.float32)
    if role in roles:
        meta[roles.index(role)] = 1.0
    base = len(roles)
    meta[base:base + 8] = (layer / 8.0, head / 4.0, np.log2(rows) / 8.0, np.log2(max(columns, 1)) / 8.0,
                           chunk / 8.0, chunks / 8.0, float(layer < 0), 1.0)
    return meta


@dataclasses.dataclass(frozen=True)
class WeightTokens:
    """Encoder input: [n, width + META_DIM] float32 vectors and, per token, role and layer ids."""

    vectors: np.ndarray
    roles: np.ndarray
    layers: np.ndarray

    def __len__(self) -> int:
        return self.vectors.shape[0]


def tokenize(weights: ModelWeights, config: TokenizerConfig = TokenizerConfig()) -> WeightTokens:
    """Weight tokens of a model under the chosen scheme."""
    d_model = weights.d_model
    if d_model > config.width:
        raise WeightsError(f"d_model {d_model} is wider than the token width {config.width}")
    matrices = circuit_matrices(weights) if config.scheme == "circuit" else residual_major_matrices(weights)
    pieces: list[tuple[np.ndarray, str, int, int, int, int, int]] = []
    if config.scheme in ("matrix", "circuit"):
        stride = max(d_model, config.stride or 0)
        per_token = config.width // stride
        for item in matrices:
            columns = item.matrix.shape[1]
            chunks = -(-columns // per_token)
            for chunk in range(chunks):
                block = item.matrix[:, chunk * per_token:(chunk + 1) * per_token]
                if config.scheme == "circuit" and not np.any(block):
                    continue  # its chunk number in the metadata still says which columns the others hold
                if stride > d_model:
                    block = np.pad(block, ((0, stride - d_model), (0, 0)))
                pieces.append((block.reshape(-1, order="F"), item.role, item.layer, item.head,
                               columns, chunk, chunks))
    else:
        groups: dict[tuple, list[WeightMatrix]] = {}
        for item in matrices:
            key = (0,) if config.scheme == "chunk" else (item.layer, item.role in ("mlp_in", "mlp_out"))
            groups.setdefault(key, []).append(item)
        for items in groups.values():
            flat = np.concatenate([m.matrix.reshape(-1, order="F") for m in items])
            chunks = -(-flat.size // config.width)
            role = items[0].role if config.scheme == "layer" else "mixed"
            for chunk in range(chunks):
                pieces.append((flat[chunk * config.width:(chunk + 1) * config.width], role,
                               items[0].layer, -1, flat.size // d_model, chunk, chunks))
    vectors = np.zeros((len(pieces), config.token_dim), dtype=np.float32)
    roles = np.zeros(len(pieces), dtype=np.int64)
    layers = np.zeros(len(pieces), dtype=np.int64)
    for row, (flat, role, layer, head, columns, chunk, chunks) in enumerate(pieces):
        vectors[row, :flat.size] = symlog(flat)
        vectors[row, config.width:] = _metadata(config.roles, role, layer, head, d_model, columns,
                                                chunk, chunks)
        roles[row] = config.roles.index(role) if role in config.roles else len(config.roles) - 1
        layers[row] = layer + 1
    return WeightTokens(vectors=vectors, roles=roles, layers=layers)
