"""Verifying decompiled candidates against the weights they came from, never the original program.

A candidate gets one of three verdicts:

- `exact`: recompiling it with the weights' compile settings gives the same
  parameter arrays (same keys, shapes and values) and attention geometry;
- `equivalent`: the given model, run on every input, outputs what the
  candidate's RASP semantics outputs, at every position;
- `unverified`: neither could be shown (the reason says why).

Locating the output in unlabelled weights. A Tracr model carries no residual
labels, so the verifier finds the output block structurally: the residual
dimensions written by the last non-empty block (the output line sits alone in
the deepest sublayer, because in a canonical program every other line is its
ancestor) and read by no block (nothing reads the output; SelectorWidth's MLP
also writes its own scratch dimension, but that one is read). On every program
of the dataset this block is exactly the compiled output space.

Output labels. The weights fix the function only up to the names of the
categorical output values: `Map(x + 1, w)` and `Map(x + 2, w)` compile to
identical arrays when `w` is the output's only input. Pass `output_values` (the
model's unembedding: the value of each output dimension in residual order, or
None for a numerical output) to make both verdicts sound; without them (UNKNOWN) the
verdicts hold up to an order-preserving renaming of the output values (and a
one-dimensional output is read as numerical), and `labels_checked` is False.

What `equivalent` checks, with the labels known: on every input and position
the given model's output block decodes, by thresholding at 0.5, to exactly one
active dimension whose label equals the candidate's value, or to no active
dimension exactly where the candidate's value is None; for a numerical output
the single dimension equals the candidate's value within 5e-5 + 1e-5 x its size
everywhere (Tracr's own models stray from RASP by up to about 8e-6 on the
suites' numerical programs: softmax and float32; a looser check would pass a
table value read a little off, which is not the program), and a
candidate that is ever None there is never equivalent, because a numerical
dimension cannot show None. The check covers every input where there are at
most `max_inputs`, else a seeded sample (the reason says how many); the
candidate must also type-check, compile and never make RASP raise.

Where a categorical Aggregate selects nothing, Tracr's model attends to BOS and
may copy a value where RASP has None (and such a None can travel to other
positions). So on any input where a categorical-Aggregate head (one writing two
or more dimensions) falls back to BOS, a shown output value cannot be trusted,
and a candidate is then not called equivalent (a cost of about 5% of the
equivalent candidates in our measurements; `exact` is unaffected).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Sequence

import numpy as np
from tracr.craft import bases

from trade.compiling import CompileConfig, CompiledModel, CompileError, compile_program, forward
from trade.program.interpret import (all_inputs, decode_value, encode_value, evaluate_batch, input_space_size,
                                     probing_inputs)
from trade.program.lambdas import LAMBDA_BY_TOKEN
from trade.program.program import Op, Program, ProgramError, VarType, check_types, variable_name
from trade.program.tokens import (TOKENS_PER_LINE, VOCABULARY, argument_substitutions, ids_to_program,
                                  program_to_ids)
from trade.weights import OUTPUT_VALUES_UNKNOWN as UNKNOWN  # weights without output labels
from trade.weights import ModelWeights, output_block  # noqa: F401 - output_block is used and re-exported

EXACT, EQUIVALENT, UNVERIFIED = "exact", "equivalent", "unverified"
VERDICTS = (EXACT, EQUIVALENT, UNVERIFIED)


@dataclasses.dataclass(frozen=True)
class VerifyOptions:
    """Tolerances and limits of verification."""

    parameter_tolerance: float = 1e-6  # absolute, for `exact`
    numerical_tolerance: float = 5e-5  # numerical outputs: absolute, plus `numerical_relative` x the value
    numerical_relative: float = 1e-5
    active_threshold: float = 0.5  # a categorical output dimension above this is "on"
    # A run confirming weights that match also takes a weaker maximum, this far above 0 and above every
    # other dimension, as the value it shows where the program has one: Tracr's argmax decodes it so, and
    # its MLPs' finite slopes (a step between close foreseen means) leave outputs such as 0.4.
    weak_margin: float = 0.2
    # Where the weights match (within `parameter_tolerance`, or the recovered basis's snapping), no noise
    # is there to fake a maximum, and Tracr's own outputs can be weaker still (0.25 against 0.14 where two
    # widths reach max_seq_len: fjord `causal_thumbs_star_rating`): a confirming run takes a maximum this
    # far above 0 and above every other dimension. Compressed runs (`weak_values`) keep `weak_margin`.
    confirm_margin: float = 0.05
    # Take that weak maximum as the value in every run, not only one confirming matching weights: a
    # compressed model reproduces Tracr's, weak outputs included, and its weights never match exactly.
    weak_values: bool = False
    compile_timeout: float | None = 5.0
    max_inputs: int = 100_000  # larger input spaces are sampled
    sample_inputs: int = 5_000  # how many, spread evenly over the lengths
    sample_seed: int = 0


@dataclasses.dataclass(frozen=True)
class Verification:
    """The verdict on one candidate and why."""

    verdict: str
    reason: str
    labels_checked: bool = False
    seconds: float = 0.0

    @property
    def verified(self) -> bool:
        return self.verdict in (EXACT, EQUIVALENT)


@dataclasses.dataclass
class ReferenceModel:
    """The given weights, run once on every input, shared by all candidates.

    `block` holds the output dimensions; `shown[i]` is what the block shows (`Shown`) on the
    inputs of batch i, shaped [batch, length]; `bos_fallback[i]`
    marks positions where a categorical Aggregate selected nothing, or that its copy reaches.
    """

    weights: ModelWeights
    output_values: list | None
    labels_known: bool
    inputs: list[np.ndarray]
    block: np.ndarray
    shown: list[Shown]
    bos_fallback: list[np.ndarray]
    exhaustive: bool


def token_ids_for(config: CompileConfig) -> dict:
    """Embedding row of each token value, laid out as Tracr lays out the tokens space."""
    values = set(config.vocab) | {config.compiler_bos, config.compiler_pad}
    space = bases.VectorSpaceWithBasis.from_values("tokens", values)
    return {direction.value: row for row, direction in enumerate(space.basis)}


def _token_ids(weights: ModelWeights, inputs: np.ndarray) -> np.ndarray:
    """[batch, 1 + length] embedding rows: BOS, then the input values."""
    token_ids = token_ids_for(weights.compile_config)
    rows = weights.params["token_embed/embeddings"].shape[0]
    if rows != len(token_ids):
        raise ValueError(f"token_embed has {rows} rows; the compile settings give {len(token_ids)} tokens")
    codes, where = np.unique(inputs, return_inverse=True)  # each distinct value decoded once
    rows_of = np.array([token_ids[decode_value(code)] for code in codes], dtype=np.int64)
    ids = rows_of[where].reshape(inputs.shape) if inputs.size else np.zeros(inputs.shape, dtype=np.int64)
    bos = np.full((inputs.shape[0], 1), token_ids[weights.compile_config.compiler_bos])
    return np.concatenate([bos, ids], axis=1)


def run_weights(weights: ModelWeights, inputs: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Final residual stream [batch, 1 + length, d_model] on [batch, length] input values (BOS added), in
    `dtype` (`trade.compiling.forward`)."""
    return forward(weights.params, _token_ids(weights, inputs), weights.num_heads, dtype=dtype,
                   causal=weights.compile_config.causal)


def run_weights_rows(weights: ModelWeights, batches: Sequence[np.ndarray], dtype=np.float64) -> np.ndarray:
    """The final residual rows [rows, d_model] of every position (BOS included) of every input of `batches`
    (one input length each), in one padded run: per-length runs pay NumPy's overhead per call, many times
    over for a few inputs of each of fifteen lengths. Each row is its own input's run up to rounding."""
    batches = [batch for batch in batches if batch.shape[0]]
    if not batches:
        return np.zeros((0, weights.d_model), dtype=dtype)
    longest = max(batch.shape[1] for batch in batches) + 1
    pad = token_ids_for(weights.compile_config)[weights.compile_config.compiler_pad]
    ids = np.full((sum(batch.shape[0] for batch in batches), longest), pad, dtype=np.int64)
    lengths, start = np.zeros(len(ids), dtype=np.int64), 0
    for batch in batches:
        ids[start:start + batch.shape[0], :batch.shape[1] + 1] = _token_ids(weights, batch)
        lengths[start:start + batch.shape[0]] = batch.shape[1] + 1
        start += batch.shape[0]
    residual = forward(weights.params, ids, weights.num_heads, dtype=dtype, lengths=lengths,
                       causal=weights.compile_config.causal)
    return residual[np.arange(longest)[None] < lengths[:, None]]


def categorical_heads(weights: ModelWeights) -> dict[int, list[int]]:
    """Per layer, the heads that write two or more residual dimensions: categorical Aggregates.

    SelectorWidth and numerical Aggregate heads write one dimension.
    """
    heads: dict[int, list[int]] = {}
    for layer in range(weights.num_layers):
        out = weights.params[f"transformer/layer_{layer}/attn/linear/w"]
        for head in range(weights.num_heads):
            rows = out[head * weights.key_size:(head + 1) * weights.key_size]
            if (np.abs(rows).sum(axis=0) > 0).sum() >= 2:
                heads.setdefault(layer, []).append(head)
    return heads


FLOW_WEIGHT = 1e-6  # attention above this carries a value from one position to another (Tracr's: ~1e-20)
MOVING_HEAD = 1e-5  # a head whose OV circuit is this small against the model's largest moves nothing (an
# empty head of a layer with fewer Aggregates, all zeros, or noise on zeros: noise S squared)


def moving_heads(weights: ModelWeights) -> list[np.ndarray]:
    """Per layer, which heads move values between positions: their OV circuit (values, then output rows)
    is not ~0. An empty head attends everywhere alike and moves nothing."""
    size, circuits = weights.key_size, []
    for layer in range(weights.num_layers):
        prefix = f"transformer/layer_{layer}/attn"
        value = np.asarray(weights.params[f"{prefix}/value/w"], dtype=np.float64)
        output = np.asarray(weights.params[f"{prefix}/linear/w"], dtype=np.float64)
        heads = [slice(h * size, (h + 1) * size) for h in range(weights.num_heads)]
        circuits.append([float(np.abs(value[:, h] @ output[h]).max(initial=0.0)) for h in heads])
    largest = max((max(layer, default=0.0) for layer in circuits), default=0.0)
    return [np.array(layer) > MOVING_HEAD * largest for layer in circuits]


class FallbackWatch:
    """An `on_attention` hook of `trade.compiling.forward`: per layer, where each head attends to BOS (more
    than half its weight) and which positions attend to which others (above `FLOW_WEIGHT`, in a head that
    moves values: `moving_heads`), so that `fallback` can follow a value copied from BOS to every
    position it reaches."""

    def __init__(self, moving: list[np.ndarray]) -> None:
        self.moving = moving  # `moving_heads` of the model, computed once per model
        self.to_bos: list[np.ndarray] = []  # per layer, [batch, heads, positions]
        self.flows: list[np.ndarray] = []  # per layer, [batch, query, key after BOS]

    def __call__(self, layer: int, attention: np.ndarray) -> None:
        self.to_bos.append(attention[:, :, :, 0] > 0.5)
        self.flows.append((attention[:, self.moving[layer], :, 1:] > FLOW_WEIGHT).any(axis=1))

    def fallback(self, watched: dict[int, list[int]]) -> np.ndarray:
        """[batch, length]: the positions after BOS whose value may stand for RASP's None: a `watched`
        head (a categorical Aggregate) there selected nothing and copied BOS, or a later layer's head
        there attends to such a position (a None travels on through Aggregates; MLPs keep it in place).
        Others never meet a copy from BOS, so their values are the program's."""
        if not self.to_bos:
            return np.zeros((0, 0), dtype=bool)
        batch, _, positions = self.to_bos[0].shape
        tainted = np.zeros((batch, positions), dtype=bool)
        for layer, (to_bos, flows) in enumerate(zip(self.to_bos, self.flows)):
            heads = watched.get(layer, [])
            reached = (flows & tainted[:, None, 1:]).any(axis=2)  # attention reads the stream before it
            tainted = tainted | reached | (to_bos[:, heads].any(axis=1) if heads else False)
        return tainted[:, 1:]


def run_weights_watching_bos(weights: ModelWeights, inputs: np.ndarray, moving: list[np.ndarray] | None = None
                             ) -> tuple[np.ndarray, np.ndarray]:
    """`run_weights`, plus where a categorical Aggregate found nothing to select.

    Tracr makes every head attend to BOS when its selector row is empty; a
    categorical Aggregate then copies whatever sits at BOS (often not zero, e.g.
    a SelectorWidth output), so the model shows a value where RASP has None.
    Returns the residual and a [batch, length] mask of such positions and of those such a value
    reaches (`FallbackWatch.fallback`). `moving`: `moving_heads(weights)`, where already computed.
    """
    ids = _token_ids(weights, inputs)
    watch = FallbackWatch(moving_heads(weights) if moving is None else moving)
    residual = forward(weights.params, ids, weights.num_heads, on_attention=watch,
                       causal=weights.compile_config.causal)
    return residual, watch.fallback(categorical_heads(weights))


def reference_model(weights: ModelWeights, output_values: Sequence | None | str = UNKNOWN,
                    options: VerifyOptions = VerifyOptions()) -> ReferenceModel:
    """Runs the given weights on the whole input space and keeps the output block.

    `output_values` are the output labels in residual order, None for a
    numerical output, or UNKNOWN when the weights come without them.
    """
    config = weights.compile_config
    labels_known = not (isinstance(output_values, str) and output_values == UNKNOWN)
    output_values = list(output_values) if labels_known and output_values is not None else None
    inputs, exhaustive = _inputs_to_run(config, options)
    block = output_block(weights.params)
    runs = [_run_block(weights, batch, block) for batch in inputs]
    return ReferenceModel(weights=weights, output_values=output_values, labels_known=labels_known,
                          inputs=inputs, block=block, shown=[Shown.of(a) for a, _ in runs],
                          bos_fallback=[f for _, f in runs], exhaustive=exhaustive)


def _inputs_to_run(config: CompileConfig, options: VerifyOptions) -> tuple[list[np.ndarray], bool]:
    """Every input per length where there are at most `options.max_inputs`, else a seeded sample."""
    if input_space_size(len(config.vocab), config.max_seq_len) <= options.max_inputs:
        return all_inputs(config.vocab, config.max_seq_len), True
    return probing_inputs(config.vocab, config.max_seq_len, options.sample_inputs,
                          np.random.default_rng(options.sample_seed)), False


def averaging_under_mask(program: Program, config: CompileConfig,
                         options: VerifyOptions = VerifyOptions()) -> str | None:
    """For a causal model's program with matching weights (`run_needed`): where, under the mask, one of its
    categorical Aggregates selects several different values (which Tracr's head cannot average, so the
    model computes something else), else None. The interpreter alone decides: no run of the model."""
    types = program.types()
    inputs, exhaustive = _inputs_to_run(config, options)
    for batch in inputs:
        try:
            averaging = evaluate_batch(program, batch, types, causal=True).averaging
        except (TypeError, ValueError) as error:  # a lambda that cannot take these values
            return f"RASP raises on some input under the mask ({type(error).__name__})"
        if averaging.any():
            return (f"under the mask a categorical Aggregate selects several different values on some input "
                    f"({'all' if exhaustive else 'sampled'} inputs run through the program), which Tracr's "
                    "head cannot average")
    return None


def confirmed_by(program: Program) -> str:
    """What `confirming_run` found, for a verdict's reason."""
    if reads_a_mean(program):
        return "the given model computes it"
    return "no categorical Aggregate selects several different values under the mask"


def confirming_run(program: Program, weights: ModelWeights, reference,
                   options: VerifyOptions = VerifyOptions()) -> str | None:
    """For a program whose weights match but `run_needed`: what shows it is not the model's, else None.
    A Map of a mean needs the model run (`reference`: a ReferenceModel, or a callable making one); a causal
    model's categorical Aggregates need only the interpreter (`averaging_under_mask`)."""
    if not reads_a_mean(program):
        return averaging_under_mask(program, weights.compile_config)
    return confirming_difference(program, reference() if callable(reference) else reference, options)


def _run_block(weights: ModelWeights, inputs: np.ndarray, block: np.ndarray,
               floats_per_chunk: int = 4_000_000) -> tuple[np.ndarray, np.ndarray]:
    """`run_weights_watching_bos` keeping only the output block, in chunks of bounded memory."""
    rows = max(1, floats_per_chunk // ((inputs.shape[1] + 1) * weights.d_model))
    activations, fallbacks, moving = [], [], moving_heads(weights)
    for start in range(0, max(len(inputs), 1), rows):
        residual, fallback = run_weights_watching_bos(weights, inputs[start:start + rows], moving)
        activations.append(residual[:, 1:, block])
        fallbacks.append(fallback)
    return np.concatenate(activations), np.concatenate(fallbacks)


def same_parameters(model: CompiledModel, weights: ModelWeights, tolerance: float) -> str | None:
    """None if the compiled model has the given weights' arrays and geometry, else the first difference."""
    if (model.num_heads, model.key_size) != (weights.num_heads, weights.key_size):
        return (f"{model.num_heads} heads of size {model.key_size}, the weights have "
                f"{weights.num_heads} of size {weights.key_size}")
    if set(model.params) != set(weights.params):
        extra = sorted(set(model.params) ^ set(weights.params))
        return f"parameter names differ ('{extra[0]}')"
    for name, value in model.params.items():
        given = weights.params[name]
        if value.shape != given.shape:
            return f"'{name}' has shape {value.shape}, the weights have {given.shape}"
        if not np.allclose(value, given, rtol=0.0, atol=tolerance):
            return f"'{name}' differs by up to {np.abs(value - given).max():.3g}"
    return None


def verify(candidate: Program, weights: ModelWeights | ReferenceModel,
           output_values: Sequence | None | str = UNKNOWN,
           options: VerifyOptions = VerifyOptions()) -> Verification:
    """The verdict on one candidate program against the given weights (see the module docstring).

    Pass a ReferenceModel to verify many candidates against one model; its
    labels then stand and `output_values` is ignored.
    """
    start = time.perf_counter()
    reference = weights if isinstance(weights, ReferenceModel) else reference_model(
        weights, output_values, options=options)
    verdict, reason = _decide(candidate, reference, options)
    return Verification(verdict=verdict, reason=reason, labels_checked=reference.labels_known,
                        seconds=time.perf_counter() - start)


def _decide(candidate: Program, reference: ReferenceModel, options: VerifyOptions) -> tuple[str, str]:
    try:
        types = check_types(candidate)
    except ProgramError as error:
        return UNVERIFIED, f"ill-typed: {error}"
    try:
        model = compile_program(candidate, reference.weights.compile_config, timeout=options.compile_timeout)
    except CompileError as error:
        # Tracr fails on some programs whose function a model computes (it sizes a head by its QK alone, so
        # a Select of a one-value Map cannot hold a wider OV): the run alone can then judge.
        if _functional_difference(candidate, types[candidate.output], reference, options) is None:
            return EQUIVALENT, (f"Tracr cannot compile it ({error}), but the given model computes it on "
                                f"{_checked(reference)}" + _label_caveat(reference))
        return UNVERIFIED, f"does not compile: {error}"
    difference = same_parameters(model, reference.weights, options.parameter_tolerance)
    same = difference is None and _labels_agree(model, reference)
    why = run_needed(candidate, reference.weights.compile_config)
    if same and not why:
        return EXACT, "recompiles to the given weights" + _label_caveat(reference)
    if same:
        problem = confirming_run(candidate, reference.weights, reference, options)
        if problem is None:
            return EXACT, (f"recompiles to the given weights, and {confirmed_by(candidate)} on "
                           f"{_checked(reference)} ({why})" + _label_caveat(reference))
        return UNVERIFIED, f"recompiles to the given weights, but {problem} ({why})"
    problem = _functional_difference(candidate, types[candidate.output], reference, options)
    if problem is None:
        return EQUIVALENT, f"the given model computes it on {_checked(reference)}" + _label_caveat(reference)
    recompiled = "recompiles to the same weights but " if difference is None else ""
    return UNVERIFIED, recompiled + problem


def reads_a_mean(program: Program) -> bool:
    """Whether a Map names by a library lambda what it reads from a numerical mean (or from a
    LinearSequenceMap, a sum of means): weights that match do not then make the program the model's.

    Tracr builds such a Map's MLP on the values it foresees for the mean (each value over each length:
    1/12, but not 7/12) and the model computes steps half-way between them. `x > 0.5` and `x >= 0.75`
    compile alike (they agree on 0, 1/12, ..., 1/2, 1), yet at 7/12 the model computes the latter: only a
    run on the inputs tells which one it is (an explicit table is read as those steps)."""
    from trade.program.lambdas import LambdaKind
    from trade.program.tables import lambda_of

    types = program.types()
    means = set()
    for index, line in enumerate(program.lines):
        name = variable_name(index)
        if types[name] is not VarType.NUMERICAL:
            continue
        if line.op is Op.AGGREGATE or (line.op is Op.SEQUENCE_MAP and
                                       lambda_of(line.args[0]).kind is LambdaKind.LINEAR_SEQUENCE_MAP):
            means.add(name)
    return any(line.op is Op.MAP and line.args[1] in means and line.args[0] in LAMBDA_BY_TOKEN
               for line in program.lines)


def run_needed(program: Program, config: CompileConfig) -> str:
    """Why weights that match do not make `program` the model's, so that a run must confirm it ('' where
    they do): a Map of a mean (`reads_a_mean`), or a categorical Aggregate of a causal model, which under
    the mask may select several different values (a prefix's maxima, say); Tracr cannot average those."""
    if reads_a_mean(program):
        return "a Map of a mean: Tracr's MLP computes steps between the values it foresees"
    types = program.types()
    if config.causal and any(line.op is Op.AGGREGATE and types[variable_name(index)] is VarType.CATEGORICAL
                             for index, line in enumerate(program.lines)):
        return ("a causal model's categorical Aggregate: under the mask it may select several values, which "
                "Tracr cannot average")
    return ""


def confirming_difference(candidate: Program, reference: ReferenceModel,
                          options: VerifyOptions = VerifyOptions()) -> str | None:
    """For a program that recompiles to the given weights but needs a run (`run_needed`): where the
    given model computes otherwise, else None. Positions where a categorical Aggregate selected nothing
    are left out: there a run cannot judge any program, and the matching weights settle them."""
    types = check_types(candidate)
    return _functional_difference(candidate, types[candidate.output], reference, options, confirming=True)


def _labels_agree(model: CompiledModel, reference: ReferenceModel) -> bool:
    if not reference.labels_known:
        return True
    if model.output_values is None or reference.output_values is None:
        return model.output_values is None and reference.output_values is None
    return [encode_value(v) for v in model.output_values] == [encode_value(v) for v in reference.output_values]


def _label_caveat(reference: ReferenceModel) -> str:
    return "" if reference.labels_known else " (up to renaming output values: the weights carry no labels)"


def _count(inputs: list[np.ndarray]) -> int:
    return sum(batch.shape[0] for batch in inputs)


def _checked(reference: ReferenceModel) -> str:
    """Which inputs the functional check covered: all of them, or how many were sampled."""
    config = reference.weights.compile_config
    if reference.exhaustive:
        return f"all {_count(reference.inputs):,} inputs"
    total = input_space_size(len(config.vocab), config.max_seq_len)
    return (f"{_count(reference.inputs):,} sampled inputs (seeded; a fifth sorted or of few values) of "
            f"{total:.3g}")


def _functional_difference(candidate: Program, output_type: VarType, reference: ReferenceModel,
                           options: VerifyOptions, confirming: bool = False) -> str | None:
    """None if the given model computes the candidate's function, else what differs. `confirming` (the
    weights already match): positions where a categorical Aggregate selected nothing are not compared,
    and a weak but clear maximum counts as a value (`VerifyOptions.confirm_margin`, or `weak_margin` for a
    compressed model's run)."""
    if reference.block.size == 0:
        return "no output block found in the given weights"
    causal, outputs = reference.weights.compile_config.causal, []
    for batch in reference.inputs:  # each batch's evaluation (every variable's values) freed as it is read
        try:
            evaluation = evaluate_batch(candidate, batch, causal=causal)
        except (TypeError, ValueError) as error:  # a lambda that cannot take these values
            return f"RASP raises on some input ({type(error).__name__})"
        if evaluation.errors.any():
            return "RASP raises on some input (a comparison or mean meets None)"
        outputs.append(evaluation.output(candidate).reshape(-1))
    expected = _joined(outputs, float)
    given = Shown.joined(reference.shown, reference.block.size)
    fallback = np.concatenate([f.reshape(-1) for f in reference.bos_fallback])
    if confirming:
        expected, given, fallback = expected[~fallback], given[~fallback], fallback[~fallback]
    if output_type is VarType.NUMERICAL:
        if fallback.any():
            return "a categorical Aggregate selected nothing, so the numerical output may stand for None"
        return _numerical_difference(expected, given, reference, options)
    return _categorical_difference(expected, given, fallback, reference, options, confirming)


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


@dataclasses.dataclass
class Shown:
    """What a check reads of a model's output block at each position: its largest entry, the second
    largest and where the largest lies (the block's first entry where it has one), shaped as the
    positions. Kept instead of the block: a block of 392 values over every input of wild
    `key_and_query_one_map` compressed (1,754,760 positions) is 5 GB, and held whole it ran out of memory."""

    width: int
    top: np.ndarray
    second: np.ndarray
    arg: np.ndarray

    @classmethod
    def of(cls, block: np.ndarray) -> "Shown":
        """Of one run's output block, shaped [..., width]."""
        width, positions = block.shape[-1], block.shape[:-1]
        if width == 0:
            empty = np.full(positions, -np.inf, dtype=np.float32)
            return cls(0, empty, empty, np.zeros(positions, dtype=np.int32))
        second = (np.partition(block, -2, axis=-1)[..., -2] if width > 1
                  else np.full(positions, -np.inf, dtype=block.dtype))
        return cls(width, block.max(axis=-1), second, block.argmax(axis=-1).astype(np.int32))

    @classmethod
    def joined(cls, parts: list["Shown"], width: int) -> "Shown":
        """Every position of `parts` in one flat run."""
        def flat(field: str, dtype) -> np.ndarray:
            return _joined([getattr(part, field).reshape(-1) for part in parts], dtype)
        return cls(width, flat("top", float), flat("second", float), flat("arg", int))

    @property
    def shape(self) -> tuple:
        """The block's shape: the positions', then the width."""
        return self.top.shape + (self.width,)

    def scaled(self, scale: float, shift: float = 0.0) -> "Shown":
        """What a block times `scale` (> 0) plus `shift` shows: a weaker or blurred model's outputs."""
        return Shown(self.width, scale * self.top + shift, scale * self.second + shift, self.arg)

    def __getitem__(self, mask: np.ndarray) -> "Shown":
        return Shown(self.width, self.top[mask], self.second[mask], self.arg[mask])


def _numerical_difference(expected: np.ndarray, given: Shown, reference: ReferenceModel,
                          options: VerifyOptions) -> str | None:
    if reference.labels_known and reference.output_values is not None:
        return "the candidate's output is numerical, the given model's is categorical"
    if given.width != 1:
        return f"the given output block has {given.width} dimensions; a numerical output has one"
    if np.isnan(expected).any():
        return "the candidate's numerical output is None somewhere, which weights cannot show"
    wrong = ~(np.abs(given.top - expected) <= options.numerical_tolerance
              + options.numerical_relative * np.abs(expected))
    if wrong.any():
        return f"outputs differ at {int(wrong.sum())} positions"
    return None


def _distinct_pairs(values: np.ndarray, dims: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (value, dimension) pairs, sorted by value then dimension, as two arrays: each value
    by its rank, a pair by one integer (np.unique over rows of millions of outputs is 8x slower)."""
    distinct, rank = np.unique(values, return_inverse=True)
    keys = np.unique(rank.reshape(-1) * size + dims)
    return distinct[keys // size], (keys % size).astype(int)


def _categorical_difference(expected: np.ndarray, given: Shown, fallback: np.ndarray,
                            reference: ReferenceModel, options: VerifyOptions, confirming: bool = False
                            ) -> str | None:
    if reference.labels_known and reference.output_values is None:
        return "the candidate's output is categorical, the given model's is numerical"
    if not reference.labels_known and given.width == 1:
        return "the given output block has one dimension: numerical, without labels to say otherwise"
    # Decoded as Tracr decodes: the largest output, where one is active (noise may lift a second one).
    given_none = given.top <= options.active_threshold
    if (confirming or options.weak_values) and given.width > 1:
        margin = options.weak_margin if options.weak_values else options.confirm_margin
        clear = (given.top > margin) & (given.top - given.second >= margin)
        given_none &= ~(clear & ~np.isnan(expected))
    if (fallback & ~given_none).any():
        # The shown value may stand for RASP's None (copied from BOS): no candidate can be confirmed.
        return "the given model shows values where a categorical Aggregate selected nothing"
    expected_none = np.isnan(expected)
    if (given_none != expected_none).any():
        return f"None at different positions ({int((given_none != expected_none).sum())})"
    defined = ~expected_none
    # (a defined position shows a value here: where it shows None, the check above has returned)
    values, dims = _distinct_pairs(expected[defined], given.arg[defined], given.width)
    if reference.labels_known:
        labels = np.array([encode_value(v) for v in reference.output_values])
        if dims.max(initial=-1) >= len(labels):
            return f"the given model shows output dimension {int(dims.max())}, its labels name {len(labels)}"
        wrong = labels[dims] != values
        return f"outputs differ ({int(wrong.sum())} value/label pairs)" if wrong.any() else None
    # Without labels: the value -> dimension map must be a bijection that keeps order,
    # as Tracr sorts the values of a variable's dimensions.
    if len(np.unique(values)) != len(values) or len(np.unique(dims)) != len(dims):
        return "outputs differ (no consistent value to dimension map)"
    if not np.all(np.diff(dims[np.argsort(values)]) > 0):
        return "outputs differ (the value to dimension map does not keep order)"
    return None


@dataclasses.dataclass
class Ranking:
    """All candidates' verdicts, and the chosen one: first exact, else first equivalent, else first."""

    best_index: int
    verifications: list[Verification]
    reference_seconds: float

    @property
    def best(self) -> Verification:
        return self.verifications[self.best_index]


def verify_candidates(candidates: Sequence[Program], weights: ModelWeights | ReferenceModel,
                      output_values: Sequence | None | str = UNKNOWN,
                      options: VerifyOptions = VerifyOptions()) -> Ranking:
    """Verifies candidates in order (a beam, best first), running the given model once.

    Stops at the first exact candidate, since nothing can beat it; later
    candidates are then not verified and get no entry.
    """
    if not candidates:
        raise ValueError("no candidates to verify")
    start = time.perf_counter()
    reference = weights if isinstance(weights, ReferenceModel) else reference_model(
        weights, output_values, options=options)
    reference_seconds = time.perf_counter() - start
    verifications: list[Verification] = []
    for candidate in candidates:
        verifications.append(verify(candidate, reference, options=options))
        if verifications[-1].verdict == EXACT:
            break
    verdicts = [v.verdict for v in verifications]
    best = next((verdicts.index(v) for v in (EXACT, EQUIVALENT) if v in verdicts), 0)
    return Ranking(best_index=best, verifications=verifications, reference_seconds=reference_seconds)


@dataclasses.dataclass(frozen=True)
class Undetermined:
    """A token of the result that the weights do not decide: with any one of the
    alternatives in its place, the program compiles to the same weights."""

    variable: str
    token: str
    alternatives: list[str]


def _shown(token: str) -> str:
    return LAMBDA_BY_TOKEN[token].text if token in LAMBDA_BY_TOKEN else token


def keeps_weights(ids: Sequence[int], position: int, token: int, reference: ReferenceModel,
                  options: VerifyOptions = VerifyOptions()) -> bool:
    """Whether the program `ids` with `token` at `position` compiles to the reference's weights
    and output labels (the verifier's `exact`); False if that is not a well-typed program."""
    try:
        candidate = ids_to_program(list(ids[:position]) + [token] + list(ids[position + 1:]))
    except ProgramError:
        return False
    return verify(candidate, reference, options=options).verdict == EXACT


def undetermined_tokens(program: Program, reference: ReferenceModel) -> list[Undetermined]:
    """The argument tokens that can each be changed alone without changing the weights.

    Every one-token change of an argument (another variable, comparison or
    lambda) is compiled and verified against the given model; the ones it calls
    `exact` are alternatives the weights cannot tell apart, such as `x > 0` and
    `x > 0.5` on a 0/1 input, or the variables a `FALSE` selector compares. A
    decompiled program is one choice among them (`trade.repair.most_likely_twin`).
    """
    ids = program_to_ids(program)
    found: dict[int, list[str]] = {}
    for change in argument_substitutions(program):
        ((position, token),) = change.items()
        if keeps_weights(ids, position, token, reference):
            found.setdefault(position, []).append(_shown(VOCABULARY[token]))
    return [Undetermined(variable_name((position - 1) // TOKENS_PER_LINE), _shown(VOCABULARY[ids[position]]),
                         alternatives) for position, alternatives in sorted(found.items())]
