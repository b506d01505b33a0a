"""Tracr compilation: the stock path, a fast path without Haiku, a NumPy forward pass.

Tracr's `compile_rasp_to_model` spends most of its time initialising a Haiku
module (and JAX tracing it anew for every new shape) only to overwrite its
parameters; most of the rest goes to building matrices one basis direction at
a time, which `tracr_speedups` replaces with identical direct constructions. `compile_program` runs the same
compiler stages (validate, rasp_to_graph, basis_inference, expr_to_craft_graph,
craft_graph_to_model) and then assembles the parameters directly with NumPy,
exactly as `tracr.compiler.assemble` does; tests check the weights are identical.
"""

from __future__ import annotations

import collections
import contextlib
import signal
from typing import Callable, Iterator

import numpy as np
from tracr.compiler import assemble, basis_inference, craft_graph_to_model
from tracr.compiler import compiling as tracr_compiling
from tracr.compiler import nodes, rasp_to_graph, validating
from tracr.craft import bases, transformers, vectorspace_fns
from tracr.rasp import rasp

from trade import tracr_speedups
from trade.compiled import CompileConfig, CompiledModel, num_layers  # noqa: F401 (re-exported)
from trade.program.interpret import decode_value, encode_value
from trade.program.program import Program
from trade.program.tracr_bridge import to_rasp

tracr_speedups.install()


class CompileError(RuntimeError):
    """Tracr could not compile the program."""


class CompileTimeout(CompileError):
    """Compilation took longer than the time limit."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raises CompileTimeout if the block runs longer than `seconds` (main thread only)."""
    if not seconds:
        yield
        return

    def on_alarm(signum, frame):
        raise CompileTimeout(f"compilation took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def compile_stock(program: Program | rasp.SOp, config: CompileConfig = CompileConfig()):
    """Tracr's own `compile_rasp_to_model`: the reference and the speed baseline."""
    expr = to_rasp(program) if isinstance(program, Program) else program
    with tracr_speedups.original_tracr():
        return tracr_compiling.compile_rasp_to_model(
            expr, vocab=set(config.vocab), max_seq_len=config.max_seq_len,
            compiler_bos=config.compiler_bos, compiler_pad=config.compiler_pad,
            mlp_exactness=config.mlp_exactness, causal=config.causal)


def params_of_assembled(model) -> dict[str, np.ndarray]:
    """Flat `module/param` NumPy arrays from a Tracr AssembledTransformerModel."""
    return {f"{module}/{name}": np.asarray(value)
            for module, group in model.params.items() for name, value in group.items()}


def compiled_from_tracr(model, config: CompileConfig, output_label: str) -> CompiledModel:
    """A CompiledModel view of Tracr's AssembledTransformerModel, whose output SOp has `output_label`."""
    labels = list(model.residual_labels)
    categorical = [i for i, label in enumerate(labels) if label.startswith(f"{output_label}:")]
    indices = categorical or [labels.index(output_label)]
    values = None
    if categorical:
        values = [model.output_encoder.decode([k])[0] for k in range(len(categorical))]
    return CompiledModel(
        params=params_of_assembled(model), config=config, num_heads=model.model_config.num_heads,
        key_size=model.model_config.key_size, residual_labels=labels,
        token_ids=dict(model.input_encoder.encoding_map), output_values=values,
        output_slice=(indices[0], indices[-1] + 1))


def clear_compile_cache() -> None:
    """Forgets the recent compilations (`_RECENT`): a benchmark times each model from a cold start."""
    _RECENT.clear()


def compile_program(program: Program | rasp.SOp, config: CompileConfig = CompileConfig(),
                    timeout: float | None = None, stock: bool = False) -> CompiledModel:
    """Compiles with Tracr's stages, assembling parameters without Haiku.

    `stock=True` runs Tracr's own `compile_rasp_to_model` instead (the baseline;
    same weights, slower). Raises CompileError (or CompileTimeout) if Tracr
    rejects the program.
    """
    key = (program, config)
    cacheable = isinstance(program, Program) and not stock
    if cacheable and key in _RECENT:
        _RECENT.move_to_end(key)
        return _RECENT[key]
    expr = to_rasp(program) if isinstance(program, Program) else program
    try:
        with time_limit(timeout):
            if stock:
                return compiled_from_tracr(compile_stock(expr, config), config, expr.label)
            model = _compile(expr, config)
    except CompileTimeout:
        raise
    except Exception as error:  # Tracr raises many kinds; all mean "not compilable"
        raise CompileError(f"{type(error).__name__}: {error}") from error
    if cacheable:
        _RECENT[key] = model
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return model


# Decoding and verification compile the same candidates more than once (the beam's
# compile filter, then the verifier): the last few successful compilations are kept.
# Callers must not modify a returned model's arrays.
_RECENT_SIZE = 64
_RECENT: collections.OrderedDict = collections.OrderedDict()


def craft_graph(expr: rasp.SOp, config: CompileConfig) -> tuple:
    """Tracr's stages up to a craft block on every node: (graph, sources, sink).

    `trade.fill` reads single lines' blocks from here without assembling a model.
    """
    extracted = rasp_to_graph.extract_rasp_graph(expr)
    graph, sources, sink = extracted.graph, extracted.sources, extracted.sink
    tracr_speedups.reverse_as_view(graph)
    basis_inference.infer_bases(graph, sink, set(config.vocab), config.max_seq_len)
    tracr_speedups.add_craft_components(graph, bos_dir=bases.BasisDirection(rasp.tokens.label, config.compiler_bos),
                                        mlp_exactness=config.mlp_exactness)
    return graph, sources, sink


def _compile(expr: rasp.SOp, config: CompileConfig) -> CompiledModel:
    unsupported = validating.static_validate(expr)
    if unsupported:
        reasons = "; ".join(f"{u.expr.label}: {u.reason}" for u in unsupported)
        raise NotImplementedError(f"Unsupported RASP expressions: {reasons}")
    graph, sources, sink = craft_graph(expr, config)
    craft_model = craft_graph_to_model.craft_graph_to_model(graph, sources)
    if rasp.tokens.label not in graph.nodes:
        raise ValueError("the program does not read tokens")
    tokens_values = graph.nodes[rasp.tokens.label][nodes.VALUE_SET].union(
        {config.compiler_bos, config.compiler_pad})
    tokens_space = bases.VectorSpaceWithBasis.from_values(rasp.tokens.label, tokens_values)
    indices_space = bases.VectorSpaceWithBasis.from_values(rasp.indices.label,
                                                           range(config.max_seq_len))
    output_space = bases.VectorSpaceWithBasis(sink[nodes.OUTPUT_BASIS])
    categorical = rasp.is_categorical(sink[nodes.EXPR])
    return _assemble(craft_model, tokens_space, indices_space, output_space, categorical, config)


def _assemble(craft_model: transformers.SeriesWithResiduals,
              tokens_space: bases.VectorSpaceWithBasis,
              indices_space: bases.VectorSpaceWithBasis,
              output_space: bases.VectorSpaceWithBasis,
              categorical: bool, config: CompileConfig) -> CompiledModel:
    """`tracr.compiler.assemble.assemble_craft_model` without the Haiku module."""
    model_config, module_names = assemble._get_model_config_and_module_names(craft_model)
    residual_space = bases.join_vector_spaces(
        craft_model.residual_space, tokens_space, indices_space, output_space)
    d_model = residual_space.num_dims
    heads, key_size, hidden = model_config.num_heads, model_config.key_size, model_config.mlp_hidden_size
    params: dict[str, np.ndarray] = {}

    def project(space):
        return vectorspace_fns.project(residual_space, space).matrix

    # Embeddings, as in assemble._make_embedding_modules.
    tokens_to_res = vectorspace_fns.project(tokens_space, residual_space)
    one_dir = bases.BasisDirection("one")
    if one_dir in residual_space:
        one_to_res = vectorspace_fns.Linear.from_action(
            tokens_space, residual_space,
            lambda x: residual_space.vector_from_basis_direction(one_dir))
        tokens_to_res = vectorspace_fns.Linear.combine_in_parallel([tokens_to_res, one_to_res])
    params["token_embed/embeddings"] = tokens_to_res.matrix
    index_to_res = vectorspace_fns.project(indices_space, residual_space)
    params["pos_embed/embeddings"] = np.concatenate(
        [np.zeros((1, d_model)), index_to_res.matrix], axis=0)

    for layer in range(model_config.num_layers):
        attn, mlp = f"transformer/layer_{layer}/attn", f"transformer/layer_{layer}/mlp"
        for part in ("query", "key", "value"):
            params[f"{attn}/{part}/w"] = np.zeros((d_model, heads * key_size))
            params[f"{attn}/{part}/b"] = np.zeros(heads * key_size)
        params[f"{attn}/linear/w"] = np.zeros((heads * key_size, d_model))
        params[f"{attn}/linear/b"] = np.zeros(d_model)
        params[f"{mlp}/linear_1/w"] = np.zeros((d_model, hidden))
        params[f"{mlp}/linear_1/b"] = np.zeros(hidden)
        params[f"{mlp}/linear_2/w"] = np.zeros((hidden, d_model))
        params[f"{mlp}/linear_2/b"] = np.zeros(d_model)

    for module_name, module in zip(module_names, craft_model.blocks):
        if isinstance(module, transformers.MLP):
            size = module.fst.output_space.num_dims
            params[f"{module_name}/linear_1/w"][:, :size] = project(module.fst.input_space) @ module.fst.matrix
            params[f"{module_name}/linear_2/w"][:size, :] = module.snd.matrix @ project(module.snd.output_space).T
            continue
        for head_index, head in enumerate(module.as_multi().heads()):
            columns = slice(head_index * key_size, (head_index + 1) * key_size)
            qk_size = head.w_qk.matrix.shape[1]
            ov_size = head.w_ov.matrix.shape[1]
            query = np.zeros((d_model, key_size))
            query[:, :qk_size] = project(head.w_qk.left_space) @ head.w_qk.matrix
            key = np.zeros((d_model, key_size))
            key[:, :qk_size] = project(head.w_qk.right_space)
            value = np.zeros((d_model, key_size))
            value[:, :ov_size] = project(head.w_ov.input_space) @ head.w_ov.matrix
            linear = np.zeros((key_size, d_model))
            linear[:ov_size, :] = project(head.w_ov.output_space).T
            params[f"{module_name}/query/w"][:, columns] = query
            params[f"{module_name}/key/w"][:, columns] = key
            params[f"{module_name}/value/w"][:, columns] = value
            params[f"{module_name}/linear/w"][columns, :] = linear

    params = {name: value.astype(np.float32) for name, value in params.items()}
    labels = [str(direction) for direction in residual_space.basis]
    token_ids = {direction.value: index for index, direction in enumerate(tokens_space.basis)}
    start = residual_space.basis.index(output_space.basis[0])
    return CompiledModel(
        params=params, config=config, num_heads=heads, key_size=key_size,
        residual_labels=labels, token_ids=token_ids,
        output_values=[d.value for d in output_space.basis] if categorical else None,
        output_slice=(start, start + output_space.num_dims))


FORWARD_FLOATS = 1 << 16  # residual floats per chunk of inputs: small enough to stay in cache


def forward(params: dict[str, np.ndarray], token_ids: np.ndarray, num_heads: int,
            on_attention: Callable[[int, np.ndarray], None] | None = None,
            chunk_floats: int = FORWARD_FLOATS, dtype=np.float64, lengths: np.ndarray | None = None,
            causal: bool = False) -> np.ndarray:
    """Residual stream after the last layer, for a [batch, positions] array of token ids.

    The same computation as Tracr's Haiku model (no layer norm, ReLU MLPs,
    softmax attention scaled by 1/sqrt(key size), masked only if `causal`). `on_attention`,
    if given, sees each layer's attention weights [batch, heads, query, key].

    Each layer runs over chunks of the batch of about `chunk_floats` residual
    floats, in place: the temporaries stay in cache and memory stays bounded
    on large input spaces. Every input's row goes through the same NumPy
    operations in the same order as unchunked, so the results are identical
    to the bit (tests/test_compiling.py checks). `dtype`: float64 for
    every verdict; float32 (twice as fast) where only the stream's geometry is wanted. `lengths`: per
    input, how many of its positions are real (BOS included); no position attends to those after, so
    inputs of several lengths run as one padded batch (each real row as its own run, up to rounding).
    """
    batch, positions = token_ids.shape
    residual = (params["token_embed/embeddings"][token_ids]
                + params["pos_embed/embeddings"][np.arange(positions)][None]).astype(dtype)
    # float32 weights meet a float64 stream in every product: cast once (exact), not once per product
    params = {name: np.asarray(value, dtype=dtype) for name, value in params.items()}
    rows = max(1, chunk_floats // max(positions * residual.shape[-1], 1))
    for layer in range(num_layers(params)):
        prefix = f"transformer/layer_{layer}"
        seen = np.empty((batch, num_heads, positions, positions)) if on_attention is not None else None
        for start in range(0, batch, rows):
            part = residual[start:start + rows]  # a view: updated in place
            padding = None if lengths is None else \
                np.arange(positions)[None] >= np.asarray(lengths)[start:start + rows, None]
            mixed, weights = attention(params, prefix + "/attn", part, num_heads, padding, causal)
            if seen is not None:
                seen[start:start + rows] = weights
            part += mixed
            hidden = part @ params[f"{prefix}/mlp/linear_1/w"]
            hidden += params[f"{prefix}/mlp/linear_1/b"]
            np.maximum(hidden, 0.0, out=hidden)
            out = hidden @ params[f"{prefix}/mlp/linear_2/w"]
            out += params[f"{prefix}/mlp/linear_2/b"]
            part += out
        if on_attention is not None:
            on_attention(layer, seen)
    return residual


def layer_activations(params: dict[str, np.ndarray], token_ids: np.ndarray, num_heads: int,
                      causal: bool = False) -> list[tuple[np.ndarray, ...]]:
    """Per layer, its attention weights [batch, heads, query, key], its queries, keys and values [batch,
    positions, heads x key size] and its MLP's hidden units before the ReLU [batch, positions, units]
    (a unit that is never on still shows its threshold there): what `forward` computes on the way, in
    float64, unchunked (for a few hundred inputs). None depends on the residual basis, so they tell which
    head, head dimension or unit of one model is which of another."""
    positions = token_ids.shape[1]
    residual = (params["token_embed/embeddings"][token_ids]
                + params["pos_embed/embeddings"][np.arange(positions)][None]).astype(np.float64)
    params = {name: np.asarray(value, dtype=np.float64) for name, value in params.items()}
    found = []
    for layer in range(num_layers(params)):
        prefix = f"transformer/layer_{layer}"
        inner = [residual @ params[f"{prefix}/attn/{part}/w"] + params[f"{prefix}/attn/{part}/b"]
                 for part in ("query", "key", "value")]
        mixed, weights = attention(params, prefix + "/attn", residual, num_heads, causal=causal)
        residual = residual + mixed
        hidden = residual @ params[f"{prefix}/mlp/linear_1/w"] + params[f"{prefix}/mlp/linear_1/b"]
        residual = residual + np.maximum(hidden, 0.0) @ params[f"{prefix}/mlp/linear_2/w"] \
            + params[f"{prefix}/mlp/linear_2/b"]
        found.append((weights, *inner, hidden))
    return found


def attention(params: dict[str, np.ndarray], prefix: str, residual: np.ndarray,
              num_heads: int, padding: np.ndarray | None = None, causal: bool = False
              ) -> tuple[np.ndarray, np.ndarray]:
    """One attention sublayer: its output and its weights [batch, heads, query, key]. `padding`
    [batch, key]: keys no query attends to; `causal`: no query attends to a later key (Tracr's mask)."""
    batch, positions, _ = residual.shape

    def heads(name: str) -> np.ndarray:
        out = residual @ params[f"{prefix}/{name}/w"]
        out += params[f"{prefix}/{name}/b"]
        return out.reshape(batch, positions, num_heads, -1)

    query, key, value = heads("query"), heads("key"), heads("value")
    # Batched matmul over [batch, heads], not einsum: 4-10x faster at these sizes
    weights = np.matmul(query.transpose(0, 2, 1, 3), key.transpose(0, 2, 3, 1))
    weights /= np.sqrt(query.shape[-1])
    if padding is not None:
        weights[np.broadcast_to(padding[:, None, None, :], weights.shape)] = -np.inf
    if causal:
        weights[..., np.triu(np.ones((positions, positions), dtype=bool), 1)] = -np.inf
    weights -= weights.max(axis=-1, keepdims=True)
    np.exp(weights, out=weights)
    weights /= weights.sum(axis=-1, keepdims=True)
    mixed = np.matmul(weights, value.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)
    mixed = mixed.reshape(batch, positions, -1)
    out = mixed @ params[f"{prefix}/linear/w"]
    out += params[f"{prefix}/linear/b"]
    return out, weights


def run_compiled(model: CompiledModel, inputs: np.ndarray) -> np.ndarray:
    """Decoded outputs of a compiled model on [batch, length] input values (BOS added).

    Categorical outputs are decoded by argmax over the output directions, as
    Tracr does; numerical ones are the output direction's value.
    """
    ids = np.vectorize(lambda v: model.token_ids[decode_value(v)])(inputs) if inputs.size else inputs.astype(int)
    bos = np.full((inputs.shape[0], 1), model.token_ids[model.config.compiler_bos])
    residual = forward(model.params, np.concatenate([bos, ids], axis=1).astype(int), model.num_heads,
                       causal=model.config.causal)
    start, stop = model.output_slice
    out = residual[:, 1:, start:stop]
    if model.output_values is None:
        return out[..., 0]
    values = np.array([encode_value(v) for v in model.output_values])
    return values[out.argmax(axis=-1)]
