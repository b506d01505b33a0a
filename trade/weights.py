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

from trade.compiled import CompileConfig, CompiledModel, num_layers

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


def load_weights(path: str | Path) -> ModelWeights:
    """Reads and validates a weights file; raises WeightsError naming the problem."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise WeightsError(f"{path}: not a .npz weights file (not a zip archive; truncated?)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as error:
        if "pickle" in str(error):
            raise WeightsError(f"{path}: holds pickled objects, which TraDe never loads") from None
        raise WeightsError(f"{path}: unreadable array ({error})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise WeightsError(f"{path}: corrupt or truncated .npz ({error})") from None
    if CONFIG_KEY not in arrays:
        raise WeightsError(f"{path}: missing '{CONFIG_KEY}' (num_heads, key_size and compile settings); "
                           "write files with `trade compile` or trade.weights.save_weights")
    try:
        info = json.loads(str(arrays.pop(CONFIG_KEY)))
        unembedding = arrays.pop(UNEMBEDDING_KEY, None)
        transform = info.get("transform")
        if transform is not None and not (isinstance(transform, list) and all(isinstance(t, dict)
                                                                             for t in transform)):
            raise ValueError("transform must be a list of records")
        config = CompileConfig.from_json(info["compile"])
        output_values = info.get("output_values", OUTPUT_VALUES_UNKNOWN)
        if not (output_values is None or output_values == OUTPUT_VALUES_UNKNOWN or (
                isinstance(output_values, list) and all(isinstance(v, (int, float)) for v in output_values))):
            raise ValueError("output_values must be a list of numbers or null")
        labels = info.get("residual_labels")
        if labels is not None and not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
            raise ValueError("residual_labels must be a list of strings")
        weights = ModelWeights(params=arrays, compile_config=config, num_heads=int(info["num_heads"]),
                               key_size=int(info["key_size"]), output_values=output_values,
                               residual_labels=labels, transform=transform, unembedding=unembedding)
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as error:
        raise WeightsError(f"{path}: malformed '{CONFIG_KEY}' ({error})") from None
    try:
        validate(weights)
    except WeightsError as error:
        raise WeightsError(f"{path}: {error}") from None
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
    """Checks that the arrays form a Tracr-shaped model; raises WeightsError if not."""
    params = weights.params
    for name in ("token_embed/embeddings", "pos_embed/embeddings"):
        if name not in params:
            raise WeightsError(f"missing '{name}': not a Tracr model")
    unknown = [k for k in params if k not in ("token_embed/embeddings", "pos_embed/embeddings")
               and not _LAYER_KEY.match(k)]
    if unknown:
        raise WeightsError(f"unexpected key '{unknown[0]}': not a Tracr model")
    for name, value in params.items():
        if value.dtype.kind not in "fiu":
            raise WeightsError(f"'{name}' has dtype {value.dtype}, expected numbers")
        if not np.all(np.isfinite(value)):
            raise WeightsError(f"'{name}' contains NaN or infinite values")
    embed = params["token_embed/embeddings"]
    if embed.ndim != 2:
        raise WeightsError(f"'token_embed/embeddings' has shape {embed.shape}, expected 2 dimensions")
    layers = num_layers(params)
    d_model = embed.shape[1]
    hidden = params["transformer/layer_0/mlp/linear_1/w"].shape[1] if layers and \
        "transformer/layer_0/mlp/linear_1/w" in params else 0
    if weights.num_heads < 1 or weights.key_size < 1:
        raise WeightsError("num_heads and key_size must be positive")
    shapes = expected_shapes(d_model, layers, weights.num_heads, weights.key_size, hidden,
                             embed.shape[0], params["pos_embed/embeddings"].shape[0])
    for name, shape in shapes.items():
        if name not in params:
            raise WeightsError(f"missing '{name}' (layer {name.split('/')[1]} is incomplete)")
        if tuple(params[name].shape) != shape:
            raise WeightsError(f"'{name}' has shape {tuple(params[name].shape)}, expected {shape} "
                               f"(d_model {d_model}, {weights.num_heads} heads of size {weights.key_size})")
    config = weights.compile_config
    if params["pos_embed/embeddings"].shape[0] != config.max_seq_len + 1:
        raise WeightsError(f"pos_embed has {params['pos_embed/embeddings'].shape[0]} rows but "
                           f"max_seq_len is {config.max_seq_len} (expected {config.max_seq_len + 1})")
    if embed.shape[0] > len(config.vocab) + 2:
        raise WeightsError(f"token_embed has {embed.shape[0]} rows, more than the vocabulary "
                           f"of {len(config.vocab)} plus BOS and PAD")
    if weights.residual_labels is not None and len(weights.residual_labels) != d_model:
        raise WeightsError(f"{len(weights.residual_labels)} residual labels for a residual stream of {d_model}")
    unembedding = weights.unembedding
    if unembedding is not None and (unembedding.ndim != 2 or unembedding.shape[0] != d_model
                                    or not np.all(np.isfinite(unembedding))):
        raise WeightsError(f"the unembedding has shape {unembedding.shape}, expected ({d_model}, outputs) "
                           "of finite numbers")


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
