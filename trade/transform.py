"""Function-preserving variants of a compiled model: rotated, mixed, noisy and compressed residual streams.

A transformer has no preferred residual basis: with no layer norm (Tracr has
none), replacing the residual stream x by x M for any invertible M, the
embeddings and every matrix that writes to the stream by W M and every matrix
that reads it by M^-1 W, computes the same function. Compiled weights are
one-hot in one basis; learned weights are not. These variants take TraDe's
input away from the one-hot basis:

- `rotate`: M a random orthogonal matrix;
- `mix`: M a random invertible matrix with singular values in [1/2, 2];
- `noise`: Gaussian noise of standard deviation S times each matrix's largest
  entry, added to every matrix (the basis stays; the zeros are gone);
- `compress`: Tracr's `CompressedTransformer` scheme (unembedding at every
  layer): a K x d_model matrix W, learned by gradient descent (PyTorch) so that
  what every layer reads from the compressed stream, read back through W, is
  what it reads from the original's on every input (`CompressOptions`); folded
  into the weights (embeddings and writers times W^T, readers W times).

Each variant records what was done with its seed (`ModelWeights.transform`)
and carries its output read-out (`ModelWeights.unembedding`, d_model x
outputs), since the output is no longer a slice of the residual stream.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time

import numpy as np

from trade.weights import ModelWeights

_WRITE_SUFFIXES = ("attn/linear/w", "attn/linear/b", "mlp/linear_2/w", "mlp/linear_2/b")
_READ_SUFFIXES = ("attn/query/w", "attn/key/w", "attn/value/w", "mlp/linear_1/w")
EMBEDDINGS = ("token_embed/embeddings", "pos_embed/embeddings")


def readout(weights: ModelWeights) -> np.ndarray:
    """The model's output read-out, d_model x outputs: its unembedding, or the output block's columns."""
    if weights.unembedding is not None:
        return np.asarray(weights.unembedding, dtype=np.float64)
    from trade.verify import output_block  # Tracr is slow to import

    block = output_block(weights.params)
    return np.eye(weights.d_model)[:, block]


def shown_readout(weights: ModelWeights) -> np.ndarray:
    """`readout`, refused where it has no columns: a model that shows no output (nothing writes a direction
    that no layer reads: a numerical output that is 0 on every input, say) has no outputs for a
    transform to keep, nor for a reading of the transformed model to be checked against."""
    unembedding = readout(weights)
    if unembedding.shape[1] == 0:
        raise ValueError("the model shows no output: no direction is written by its last layers and read "
                         "by none (a numerical output that is 0 on every input has no weights), so a "
                         "transformed copy would have no read-out to keep")
    return unembedding


def change_basis(weights: ModelWeights, matrix: np.ndarray, record: dict) -> ModelWeights:
    """The same model with residual stream x M (M = `matrix`, d_model x d_model, invertible)."""
    inverse = np.linalg.inv(matrix)
    params = {}
    for name, value in weights.params.items():
        value = np.asarray(value, dtype=np.float64)
        if name in EMBEDDINGS or name.endswith(_WRITE_SUFFIXES):
            value = value @ matrix
        elif name.endswith(_READ_SUFFIXES):
            value = inverse @ value
        params[name] = value.astype(np.float32)
    unembedding = (inverse @ shown_readout(weights)).astype(np.float32)
    return dataclasses.replace(weights, params=params, unembedding=unembedding, residual_labels=None,
                               transform=list(weights.transform or []) + [record])


def random_orthogonal(size: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-distributed orthogonal matrix (QR of a Gaussian, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((size, size)))
    return q * np.sign(np.diag(r))


def rotate(weights: ModelWeights, seed: int) -> ModelWeights:
    """A random orthogonal change of the residual basis."""
    rng = np.random.default_rng(seed)
    return change_basis(weights, random_orthogonal(weights.d_model, rng), {"kind": "rotate", "seed": seed})


MIX_SINGULAR_RANGE = (0.5, 2.0)


def mix(weights: ModelWeights, seed: int) -> ModelWeights:
    """A random invertible change of basis, condition number at most 4 (singular values in [1/2, 2])."""
    rng = np.random.default_rng(seed)
    size = weights.d_model
    low, high = np.log(MIX_SINGULAR_RANGE[0]), np.log(MIX_SINGULAR_RANGE[1])
    singular = np.exp(rng.uniform(low, high, size))
    matrix = random_orthogonal(size, rng) @ np.diag(singular) @ random_orthogonal(size, rng)
    return change_basis(weights, matrix, {"kind": "mix", "seed": seed,
                                          "condition": float(singular.max() / singular.min())})


def add_noise(weights: ModelWeights, scale: float, seed: int) -> ModelWeights:
    """Gaussian noise of standard deviation `scale` times each matrix's largest |entry| (zeros stay)."""
    if scale < 0:
        raise ValueError(f"the noise scale must be non-negative, not {scale}")
    rng = np.random.default_rng(seed)
    params = {}
    for name in sorted(weights.params):
        value = np.asarray(weights.params[name], dtype=np.float64)
        largest = float(np.abs(value).max()) if value.size else 0.0
        params[name] = (value + rng.standard_normal(value.shape) * scale * largest).astype(np.float32)
    unembedding = shown_readout(weights).astype(np.float32)
    return dataclasses.replace(weights, params=params, unembedding=unembedding,
                               transform=list(weights.transform or []) + [
                                   {"kind": "noise", "seed": seed, "scale": scale}])


@dataclasses.dataclass(frozen=True)
class CompressOptions:
    """How the compression matrix W is learned.

    W starts from the principal directions of every residual state the layers
    read, then Adam (cosine schedule) lowers the error that every reader sees:
    for each sublayer, the part of (x - x W^T W) in the space its query, key,
    value or MLP matrix (or the read-out) reads, over all distinct states x.
    Where that error reaches 0 the compressed model computes exactly what the
    original does; the stream itself need not survive, only what is read.

    States come from a sample where the input space is large, and a W that reads
    every sampled state back may misread states the sample lacks. So W is then
    checked on more inputs (`_refining_inputs`: every one where there are at most
    `refine_inputs`, else a sample of `refine_sample` drawn apart from the one it
    was learned on and from the one `output_agreement` reports on); where the folded
    model's outputs differ from the original's on a few inputs (at most
    `refine_batch`; more say that K directions cannot hold what is read, not
    that the sample missed some states), the states of those inputs join,
    weighed as much as all others, and Adam goes on from W for `refine_steps`.
    At most `refine_rounds` times; the W that misreads fewest inputs stays.
    """

    steps: int = 2000
    learning_rate: float = 1e-2
    target_loss: float = 1e-20  # stop early below this (relative squared read error)
    max_inputs: int = 20_000  # states from every input where there are at most this many, else a sample
    chunk: int = 1_000  # inputs run at once (the distinct states, hence W, do not depend on it)
    refine_rounds: int = 3
    refine_inputs: int = 100_000
    refine_sample: int = 20_000
    refine_batch: int = 2_000  # refine only where at most this many checked inputs are misread
    refine_steps: int = 1_000


def _torch_forward(params: dict, token_ids, num_heads: int, compress=None, causal: bool = False):
    """`trade.compiling.forward` in PyTorch; with `compress` (K x d), the stream is x W^T and every
    layer reads it back through W (Tracr's `unembed_at_every_layer`). Returns what each sublayer reads,
    in d_model coordinates: the attention's input and the MLP's of each layer, then the final stream.
    `causal`: Tracr's mask (no position attends to a later one)."""
    import torch

    def read(x):
        return x if compress is None else x @ compress

    def write(x):
        return x if compress is None else x @ compress.T

    positions = token_ids.shape[1]
    residual = write(params["token_embed/embeddings"][token_ids] + params["pos_embed/embeddings"][:positions])
    reads = []
    layers = sum(1 for k in params if k.endswith("mlp/linear_1/w"))
    for layer in range(layers):
        prefix = f"transformer/layer_{layer}"
        x = read(residual)
        reads.append(x)
        batch = x.shape[0]

        query, key, value = ((x @ params[f"{prefix}/attn/{name}/w"] + params[f"{prefix}/attn/{name}/b"]
                              ).reshape(batch, positions, num_heads, -1) for name in ("query", "key", "value"))
        logits = torch.einsum("bthd,bThd->bhtT", query, key) / query.shape[-1] ** 0.5
        if causal:
            later = torch.ones(positions, positions, dtype=torch.bool).triu(1)
            logits = logits.masked_fill(later, float("-inf"))
        attention = torch.softmax(logits, dim=-1)
        mixed = torch.einsum("bhtT,bThd->bthd", attention, value).reshape(batch, positions, -1)
        attended = mixed @ params[f"{prefix}/attn/linear/w"] + params[f"{prefix}/attn/linear/b"]
        residual = residual + write(attended)
        x = read(residual)
        reads.append(x)
        hidden = torch.relu(x @ params[f"{prefix}/mlp/linear_1/w"] + params[f"{prefix}/mlp/linear_1/b"])
        residual = residual + write(hidden @ params[f"{prefix}/mlp/linear_2/w"]
                                    + params[f"{prefix}/mlp/linear_2/b"])
    reads.append(read(residual))
    return reads


def _read_spaces(weights: ModelWeights) -> list[np.ndarray]:
    """Per sublayer (as `_torch_forward` returns them), an orthonormal basis (d_model x r) of the
    residual directions it reads: the query, key and value columns, the MLP's first layer, the read-out."""
    matrices = []
    for layer in range(weights.num_layers):
        prefix = f"transformer/layer_{layer}"
        matrices.append(np.concatenate([np.asarray(weights.params[f"{prefix}/attn/{name}/w"],
                                                   dtype=np.float64) for name in ("query", "key", "value")],
                                       axis=1))
        matrices.append(np.asarray(weights.params[f"{prefix}/mlp/linear_1/w"], dtype=np.float64))
    matrices.append(shown_readout(weights))
    spaces = []
    for matrix in matrices:
        u, s, _ = np.linalg.svd(matrix, full_matrices=False)
        spaces.append(u[:, s > 1e-9 * s[0]] if s.size and s[0] > 0 else u[:, :0])
    return spaces


def sampled_inputs(weights: ModelWeights, max_inputs: int, count: int, seed: int
                   ) -> tuple[list[np.ndarray], bool]:
    """Every input, per length, where there are at most `max_inputs`, else `count` seeded ones spread over
    the lengths; and whether they are all."""
    from trade.program.interpret import all_inputs, random_inputs

    config = weights.compile_config
    if _all_fit(weights, max_inputs):
        return list(all_inputs(config.vocab, config.max_seq_len)), True
    return list(random_inputs(config.vocab, config.max_seq_len, count, np.random.default_rng(seed))), False


def _all_fit(weights: ModelWeights, max_inputs: int) -> bool:
    """Whether the model's whole input space has at most `max_inputs` inputs."""
    from trade.program.interpret import input_space_size

    config = weights.compile_config
    return input_space_size(len(config.vocab), config.max_seq_len) <= max_inputs


def compress_cached(weights: ModelWeights, fraction: float, seed: int, cache: str | None) -> ModelWeights:
    """`transformed(weights, "compress", seed, fraction)`, kept in the folder `cache` (a weights file per
    seed and fraction) and read back from there when it is already made: the learning of W is the slow
    part of every experiment on compressed models. No cache: compressed afresh."""
    from pathlib import Path

    from trade.weights import load_weights, save_weights

    path = Path(cache) / f"{seed}-{fraction:g}.npz" if cache else None
    if path is not None and path.exists():
        return load_weights(path)
    given = transformed(weights, "compress", seed, fraction)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_weights(given, path)
    return given


def compress(weights: ModelWeights, size: int, seed: int,
             options: CompressOptions = CompressOptions()) -> ModelWeights:
    """Tracr's compressed residual stream of `size` dimensions, learned and folded into the weights.

    W is learned on the read error (`CompressOptions`), refined on the inputs
    whose outputs it changes, then turned by a random K x K rotation drawn from
    `seed` (W^T W, and so the function, stays). The record holds the final loss
    (the relative read error), the share of output positions that still decode
    to the original's outputs (`output_agreement`, on every input), what the
    refinement did (`refine`: rounds run, inputs whose states it added, inputs
    checked, the round whose W was kept and how many inputs that W misreads),
    the seed and W itself (`matrix`, K rows of d_model, float32): what was done,
    as every record says.
    """
    import torch

    if not 1 <= size <= weights.d_model:
        raise ValueError(f"the compressed size must be between 1 and d_model ({weights.d_model}), not {size}")
    began = time.perf_counter()
    params = {name: torch.as_tensor(np.asarray(value, dtype=np.float64))
              for name, value in weights.params.items()}
    batches = sampled_inputs(weights, options.max_inputs, options.max_inputs, seed)[0]
    groups = [_state_blocks(_distinct_states(weights, params, batches, options.chunk))]
    spaces = [torch.as_tensor(space) for space in _read_spaces(weights)]
    _, _, principal = torch.linalg.svd(torch.cat(groups[0]), full_matrices=False)
    if len(principal) < size:  # the states span fewer directions than K: any others complete W
        _, _, completed = torch.linalg.svd(principal, full_matrices=True)
        principal = torch.cat([principal, completed[len(principal):]])
    w, loss = _learned(principal[:size].clone(), groups, spaces, options)  # from the principal directions
    checks = _refining_inputs(weights, options, seed + 1)
    wanted = model_outputs(weights, checks)
    refined = {"rounds": 0, "inputs": 0, "checked": sum(len(batch) for batch in checks)}
    best = (w, loss)
    for _ in range(options.refine_rounds + 1):
        misread = _misread_inputs(weights, fold_compression(weights, w), checks, wanted)
        count = sum(len(batch) for batch in misread)
        if not refined["rounds"] or count < refined["misread"]:  # else the best W before stays
            best, refined["misread"], refined["kept"] = (w, loss), count, refined["rounds"]
        if not misread or count > options.refine_batch or refined["rounds"] == options.refine_rounds:
            break
        refined["rounds"] += 1
        refined["inputs"] += count
        added = _state_blocks(_distinct_states(weights, params, misread, options.chunk))
        groups = [groups[0], added if len(groups) == 1 else _joined(groups[1], added)]
        w, loss = _learned(torch.as_tensor(w), groups, spaces,
                           dataclasses.replace(options, steps=options.refine_steps))
    w, loss = best
    learned = random_orthogonal(size, np.random.default_rng(seed)) @ w
    return compressed_with(weights, learned, seed=seed, loss=loss, began=began, refine=refined)


def _refining_inputs(weights: ModelWeights, options: CompressOptions, seed: int) -> list[np.ndarray]:
    """Every input where there are at most `refine_inputs`, else `refine_sample` seeded ones, a fifth of
    them sequences programs often branch on (sorted, constant, of two values: `probing_inputs`), which
    uniform sampling almost never draws and which read states of their own."""
    from trade.program.interpret import probing_inputs

    if _all_fit(weights, options.refine_inputs):
        return sampled_inputs(weights, options.refine_inputs, 0, seed)[0]
    config = weights.compile_config
    return probing_inputs(config.vocab, config.max_seq_len, options.refine_sample,
                          np.random.default_rng(seed))


def _distinct_states(weights: ModelWeights, params: dict, batches: list[np.ndarray], chunk: int) -> list:
    """Per sublayer (`_torch_forward`'s reads), the distinct residual states it reads on these inputs."""
    import torch

    from trade.verify import _token_ids

    distinct: list[list] = []
    with torch.no_grad():  # a run holds every sublayer's states: chunks keep a large model within memory
        for batch in batches:
            for start in range(0, len(batch), chunk):
                token_ids = torch.as_tensor(_token_ids(weights, batch[start:start + chunk]))
                run = _torch_forward(params, token_ids, weights.num_heads,
                                     causal=weights.compile_config.causal)
                distinct = distinct or [[] for _ in run]
                for kept, states in zip(distinct, run):
                    kept.append(torch.unique(states.reshape(-1, weights.d_model), dim=0))
    return [torch.unique(torch.cat(parts), dim=0) for parts in distinct]


def _compacted(rows, floor: float):
    """The same quadratic form in at most d_model rows: (singular value x direction), dropping singular
    values below `floor` x the largest (x W's read error on `rows` is the same on the result)."""
    import torch

    _, singular, directions = torch.linalg.svd(rows, full_matrices=False)
    keep = singular > floor * singular[0]
    return singular[keep, None] * directions[keep]


def _state_blocks(distinct: list) -> list:
    """Each sublayer's states compacted (`_compacted`), of norm 1 together: the read error of W on them
    is the same, in a few rows."""
    blocks = [_compacted(states, 1e-9) for states in distinct]
    return [block / max(float(block.norm()), 1e-30) for block in blocks]


def _joined(first: list, second: list) -> list:
    """Two groups of state blocks as one of the same loss (the sum of both): per sublayer, the stacked
    rows compacted again to at most d_model, so that a step costs no more with every round."""
    import torch

    return [_compacted(torch.cat([a, b]), 1e-12) for a, b in zip(first, second)]


def _learned(start, groups: list[list], spaces: list, options: CompressOptions) -> tuple[np.ndarray, float]:
    """W (K x d_model) from `start` by Adam on the read error of every group of state blocks (each group
    weighs the same: the states of the inputs misread so far count as much as all the others), and its
    loss."""
    import torch

    identity = torch.eye(start.shape[1], dtype=torch.float64)

    def read_error(w):
        projection = identity - w.T @ w
        return sum(((block @ projection @ space) ** 2).sum()
                   for blocks in groups for block, space in zip(blocks, spaces))

    w = start.clone().to(torch.float64).requires_grad_(True)
    optimizer = torch.optim.Adam([w], lr=options.learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(options.steps, 1))
    loss_value = float(read_error(w.detach()))
    for _ in range(options.steps):
        if loss_value < options.target_loss:
            break
        optimizer.zero_grad()
        loss = read_error(w)
        loss.backward()
        optimizer.step()
        schedule.step()
        loss_value = float(loss.detach())
    return w.detach().numpy(), float(read_error(w.detach()))


def _misread_inputs(weights: ModelWeights, folded: ModelWeights, batches: list[np.ndarray], wanted: list
                    ) -> list[np.ndarray]:
    """Per length, the inputs where the folded model decodes some output otherwise than the original
    (`wanted`, its `model_outputs` on `batches`)."""
    batches = [batch for batch in batches if len(batch)]
    differ = _differing(weights, wanted, model_outputs(folded, batches))
    misread = [batch[mask.reshape(len(batch), -1).any(axis=1)] for batch, mask in zip(batches, differ)]
    return [batch for batch in misread if len(batch)]


def compressed_with(weights: ModelWeights, matrix: np.ndarray, seed: int | None = None,
                    loss: float | None = None, began: float | None = None,
                    refine: dict | None = None) -> ModelWeights:
    """The model compressed by a given K x d_model `matrix`, with its record (`compress`'s).

    A seed alone does not fix `compress`'s W on every machine: it starts from an SVD whose
    equal singular values BLAS kernels and thread counts resolve differently. A W kept from
    one run (the record's `matrix`) gives the same compressed model anywhere.
    """
    began = time.perf_counter() if began is None else began
    matrix = np.asarray(matrix, dtype=np.float64)
    folded = fold_compression(weights, matrix)
    agreement = output_agreement(weights, folded)
    return dataclasses.replace(folded, transform=list(weights.transform or []) + [
        {"kind": "compress", "seed": seed, "size": len(matrix), "loss": loss, "output_agreement": agreement,
         "seconds": round(time.perf_counter() - began, 2), **({"refine": refine} if refine else {}),
         "matrix": matrix.astype(np.float32).tolist()}])


def fold_compression(weights: ModelWeights, matrix: np.ndarray) -> ModelWeights:
    """The compressed model (stream x W^T, read back as x W) as plain weights with d_model = K."""
    w = np.asarray(matrix, dtype=np.float64)
    params = {}
    for name, value in weights.params.items():
        value = np.asarray(value, dtype=np.float64)
        if name in EMBEDDINGS or name.endswith(_WRITE_SUFFIXES):
            value = value @ w.T
        elif name.endswith(_READ_SUFFIXES):
            value = w @ value
        params[name] = value.astype(np.float32)
    return dataclasses.replace(weights, params=params, unembedding=(w @ readout(weights)).astype(np.float32),
                               residual_labels=None)


# A compressed model runs on every input up to this many where a sample cannot confirm a reading: its
# compression gave two values one direction (`run_limit`), or the reading's table has no output for values
# some input takes (`trade.basis.every_input_run`). Estuary `sql_clause_of_token` compressed, 2,396,744
# inputs: decompiled and confirmed `exact` in 223 s of one core, peak 3.4 GB resident.
FULL_RUN_INPUTS = 3_000_000


@contextlib.contextmanager
def full_run_limit(inputs: int):
    """`FULL_RUN_INPUTS` set to `inputs` within the block (`trade decompile --full-run-inputs`): a larger
    limit confirms readings of larger input spaces, by runs of minutes or hours."""
    global FULL_RUN_INPUTS
    if inputs < 0:
        raise ValueError(f"a run limit of {inputs} inputs: it must be 0 or more")
    before, FULL_RUN_INPUTS = FULL_RUN_INPUTS, inputs
    try:
        yield
    finally:
        FULL_RUN_INPUTS = before


def run_limit(weights: ModelWeights) -> int:
    """Up to how many inputs the given model runs on every input (past it, on a sample): `trade.verify`'s
    limit, or FULL_RUN_INPUTS for a compression that gave two values one direction
    (`trade.compressed.merges_values`), where a sample cannot confirm a reading."""
    from trade.compressed import merges_values
    from trade.verify import VerifyOptions

    limit = VerifyOptions().max_inputs
    return max(limit, FULL_RUN_INPUTS) if merges_values(weights) else limit


def checked_inputs(weights: ModelWeights) -> tuple[list[np.ndarray], bool]:
    """The inputs `trade.verify` checks: every one, or its seeded sample where there are too many
    (`run_limit`); and whether they are all."""
    from trade.verify import VerifyOptions

    options = VerifyOptions()
    return sampled_inputs(weights, run_limit(weights), options.sample_inputs, options.sample_seed)


def checks_every_input(weights: ModelWeights) -> bool:
    """Whether `checked_inputs` is every input (no sample), without building them."""
    return _all_fit(weights, run_limit(weights))


def model_outputs(weights: ModelWeights, batches: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """The output read-out on every input (a seeded sample where there are too many, `checked_inputs`),
    or on the per-length `batches` given (empty ones left out), per input length: [batch, length, outputs]."""
    from trade.verify import run_weights

    unembedding = readout(weights)
    batches = checked_inputs(weights)[0] if batches is None else [batch for batch in batches if len(batch)]
    return [run_weights(weights, batch)[:, 1:] @ unembedding for batch in batches]


NUMERICAL_TOLERANCE = 1e-2  # numerical outputs within this agree: what noise and compression may keep


def _numerical(weights: ModelWeights, outputs: list) -> bool:
    """Whether outputs (blocks or `trade.verify.Shown`, both shaped [..., width]) are numerical."""
    return weights.output_values is None or bool(outputs and outputs[0].shape[-1] == 1)


def decoded_outputs(weights: ModelWeights, outputs: list) -> list[np.ndarray]:
    """Outputs (blocks [batch, length, outputs], or `trade.verify.Shown`) as Tracr decodes them: the argmax
    direction (categorical; -1 for None) or the value (numerical)."""
    numerical = _numerical(weights, outputs)
    return [_decoded(out, numerical) for out in outputs]


def _decoded(out, numerical: bool) -> np.ndarray:
    """One batch decoded: a block read directly (no `Shown` made for it: `largest_noise` decodes many
    runs of blocks, and the second largest entry is not needed here), or a `Shown` from its numbers."""
    from trade.verify import Shown

    if isinstance(out, Shown):
        return out.top if numerical else np.where(out.top > 0.5, out.arg, -1)
    return out[..., 0] if numerical else np.where(out.max(axis=-1) > 0.5, out.argmax(axis=-1), -1)


def _differing(weights: ModelWeights, first: list, second: list, tolerance: float = NUMERICAL_TOLERANCE,
               relative: float = 0.0) -> list[np.ndarray]:
    """Per batch, where two runs (blocks or `Shown`) of models with `weights`' read-out decode otherwise:
    categorical outputs by their value, numerical ones beyond `tolerance` + `relative` x the first's size
    (rounding both to a grid would call 0.125 and 0.1250001 different)."""
    a, b = decoded_outputs(weights, first), decoded_outputs(weights, second)
    if _numerical(weights, first):
        return [~(np.abs(x - y) <= tolerance + relative * np.abs(x)) for x, y in zip(a, b)]  # NaN differs
    return [x != y for x, y in zip(a, b)]


def differing_outputs(weights: ModelWeights, first: list, second: list,
                      tolerance: float = NUMERICAL_TOLERANCE, relative: float = 0.0) -> tuple[int, int]:
    """(outputs that differ, outputs) between two runs of models with `weights`' read-out (`_differing`)."""
    differ = _differing(weights, first, second, tolerance, relative)
    return sum(int(np.sum(mask)) for mask in differ), sum(mask.size for mask in differ)


def output_agreement(original: ModelWeights, transformed: ModelWeights) -> float:
    """Share of (input, position) outputs the transformed model decodes as the original does (on
    `checked_inputs`)."""
    differ, total = differing_outputs(original, model_outputs(original), model_outputs(transformed))
    return 1.0 - differ / max(total, 1)


def same_outputs(original: ModelWeights, transformed: ModelWeights) -> bool:
    return output_agreement(original, transformed) == 1.0


# The noise scales tried: 1, 2, 5 per decade, up to half of each matrix's largest entry.
NOISE_GRID = tuple(float(f"{m}e{e}") for e in range(-9, 0) for m in (1, 2, 5))
NOISE_SAMPLE = 2_000  # inputs of the prefilter sample of `largest_noise`
NOISE_SAMPLE_SEED = 0
NOISE_REFINE = 3  # halvings (in log scale) of the step above the grid's largest S kept
KEEPS_CHUNK = 4_096  # inputs per run while checking a noise: the check stops at the first output changed


def _keeps(weights: ModelWeights, noisy: ModelWeights, batches: list, original: list,
           chunk: int = KEEPS_CHUNK) -> bool:
    """Whether `noisy` decodes every output on `batches` as `weights` does (`original`: its outputs), run
    `chunk` inputs at a time and stopped at the first that differs: a noise that changes an output
    usually shows it long before a large model has run on every input."""
    for batch, before in zip((batch for batch in batches if len(batch)), original):
        for start in range(0, len(batch), chunk):
            after = model_outputs(noisy, [batch[start:start + chunk]])
            if differing_outputs(weights, [before[start:start + chunk]], after)[0]:
                return False
    return True


def _sample(batches: list, count: int, seed: int) -> list:
    """`count` of the inputs in `batches`, drawn without replacement with `seed`, kept per length."""
    sizes = [len(batch) for batch in batches]
    chosen = np.zeros(sum(sizes), dtype=bool)
    chosen[np.random.default_rng(seed).choice(len(chosen), size=count, replace=False)] = True
    parts = np.split(chosen, np.cumsum(sizes)[:-1])
    return [batch[mask] for batch, mask in zip(batches, parts)]


def largest_noise(weights: ModelWeights, seed: int, sample: int = NOISE_SAMPLE,
                  refine: int = NOISE_REFINE, chunk: int = KEEPS_CHUNK) -> float:
    """The largest S whose noise (`add_noise`, this seed) keeps every output on `checked_inputs` (every
    input up to 100,000, else `trade.verify`'s seeded sample of 5,000): what `trade transform --noise max`
    reports and uses.

    1. Walk `NOISE_GRID` upward on a seeded sample of `sample` of those inputs and stop at the first S
       that changes an output there (a failure on the sample is a failure).
    2. Check the largest S that passed the sample on all of `checked_inputs`; where it changes an
       output, step down the grid until one keeps every output.
    3. Between that S and the grid's next one, `refine` bisections in log scale, each S checked on all
       of `checked_inputs` (3 put S within 12% of where outputs start to change along this noise).

    Each check runs `chunk` inputs at a time and stops at the first output changed (`_keeps`), so only
    an S that keeps every output costs a whole run. The noise of one seed is one fixed direction times S,
    so outputs rarely come back above an S that changed one. Where even the grid's first S changes an
    output, that S is returned; where its last keeps every output, the last (half of each matrix's
    largest entry).
    """
    shown_readout(weights)  # a model that shows no output has none to keep: refused, with why
    inputs, _ = checked_inputs(weights)
    inputs = [batch for batch in inputs if len(batch)]
    total = sum(len(batch) for batch in inputs)
    small = _sample(inputs, sample, NOISE_SAMPLE_SEED) if total > sample else inputs
    small_original = model_outputs(weights, small)
    passed = []
    for scale in NOISE_GRID:
        if not _keeps(weights, add_noise(weights, scale, seed), small, small_original, chunk):
            break
        passed.append(scale)
    original = small_original if small is inputs else model_outputs(weights, inputs)

    def keeps_all(scale: float) -> bool:
        return _keeps(weights, add_noise(weights, scale, seed), inputs, original, chunk)

    if small is inputs:
        found = passed[-1] if passed else None
    else:
        found = next((scale for scale in reversed(passed) if keeps_all(scale)), None)
    if found is None:
        return NOISE_GRID[0]
    place = NOISE_GRID.index(found)
    if place + 1 == len(NOISE_GRID):
        return found
    low, high = found, NOISE_GRID[place + 1]  # `high` changed an output, on the sample or on all inputs
    for _ in range(refine):
        middle = float(np.sqrt(low * high))
        low, high = (middle, high) if keeps_all(middle) else (low, middle)
    return low


def transformed(weights: ModelWeights, kind: str, seed: int, amount: float | None = None) -> ModelWeights:
    """One named variant: `rotate`, `mix`, `noise` (amount: S) or `compress` (amount: K, or a fraction
    of d_model if below 1)."""
    if kind == "rotate":
        return rotate(weights, seed)
    if kind == "mix":
        return mix(weights, seed)
    if kind == "noise":
        return add_noise(weights, float(amount if amount is not None else 1e-3), seed)
    if kind == "compress":
        amount = 0.75 if amount is None else amount
        size = int(round(amount * weights.d_model)) if amount < 1 else int(amount)
        return compress(weights, max(size, 1), seed)
    raise ValueError(f"unknown transformation '{kind}'; choose rotate, mix, noise or compress")
