"""Random programs: the paper's Algorithm 1, and rejection sampling of compilable ones.

Algorithm 1 keeps a pool of available variables, starting with the inputs
`tokens` and `indices`. It repeatedly picks a function, weighted by how
often hand-written RASP uses it, fills its arguments with type-correct pool
variables and library entries (another function if it cannot; a restart if none
can), and adds the result to the pool. Phase 0 grows the pool until it holds more
than `length` generated variables; in phase 1 every variable used is removed from
the pool, until one sequence variable, the output, remains.

`sample_accepted` then rejects programs, counting each reason, until one passes.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
from typing import Callable

import numpy as np
from tracr.compiler import validating

from trade.compiling import CompileConfig, CompiledModel, CompileError, CompileTimeout, compile_program, run_compiled
from trade.program.lambdas import LambdaKind, lambdas_of_kind, COMPARISONS
from trade.program.program import (
    INPUTS,
    MAX_LINES,
    MAX_SEQUENCE_MAPS,
    Line,
    Op,
    Program,
    VarType,
    canonicalize,
    count_sequence_maps,
    variable_name,
)
from trade.program.interpret import evaluate_batch, random_inputs
from trade.program.tracr_bridge import to_rasp

# How often each function appears in Tracr's hand-written `tracr/compiler/lib.py`
# (tracr-pypi 1.0.0), counting explicit calls and the Maps/SequenceMaps that its
# operators create (`x == 1`, `x - 1` and `-1 * x` are Maps; `a - b`, `a & b`,
# `a | b` and LinearSequenceMap are SequenceMaps): Select 11, Aggregate 6,
# SelectorWidth 5, Map 2 + 10, SequenceMap 2 + 5 + 1.
FUNCTION_WEIGHTS: dict[Op, int] = {
    Op.SELECT: 11,
    Op.AGGREGATE: 6,
    Op.SELECTOR_WIDTH: 5,
    Op.MAP: 12,
    Op.SEQUENCE_MAP: 8,
}


class Rejection(enum.Enum):
    """Why a sampled program was not accepted."""

    RESTART = "restart"  # Algorithm 1 found no function it could fill
    TOO_MANY_LINES = "too_many_lines"  # more than max_lines (12; the language allows 15)
    TOO_SHORT = "too_short"  # fewer than min_lines (5), as in the paper's dataset
    TOO_MANY_SEQUENCE_MAPS = "too_many_sequence_maps"  # more than 2
    REDUNDANT = "redundant"  # two identical lines (the same computation twice)
    INTERPRETER_ERROR = "interpreter_error"  # RASP raises (None met a comparison)
    VALIDATOR = "validator"  # Tracr's static or dynamic validator objects
    CONSTANT = "constant"  # the output does not depend on the input
    TRIVIAL = "trivial"  # the output is `tokens` or `indices` unchanged, or always None
    COMPILE_ERROR = "compile_error"  # Tracr raised while compiling
    COMPILE_TIMEOUT = "compile_timeout"  # compiling took longer than the limit
    MODEL_MISMATCH = "model_mismatch"  # the compiled weights disagree with RASP


@dataclasses.dataclass(frozen=True)
class SamplerConfig:
    """Settings of the generator; recorded in every dataset."""

    compile: CompileConfig = CompileConfig()
    min_length: int = 1  # Algorithm 1's phase-0 length parameter, drawn per program
    max_length: int = 4
    min_lines: int = 5
    max_lines: int = 12
    max_sequence_maps: int = MAX_SEQUENCE_MAPS
    compile_timeout: float = 5.0
    test_inputs: int = 128
    tracr_validator_inputs: int = 4
    test_seed: int = 1234
    max_attempts: int = 10_000
    stock_compiler: bool = False  # Tracr's own compile_rasp_to_model (the speed baseline)

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["compile"] = self.compile.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "SamplerConfig":
        values = dict(data)
        values["compile"] = CompileConfig.from_json(values["compile"])
        return cls(**values)


@dataclasses.dataclass
class Accepted:
    """An accepted program (canonical), its compiled model and the rejections before it."""

    program: Program
    model: CompiledModel
    rejections: collections.Counter
    attempts: int


class _Restart(Exception):
    pass


def _choose(rng: np.random.Generator, options: list):
    return options[int(rng.integers(len(options)))]


def _fill(op: Op, rng: np.random.Generator, candidates: dict[VarType, list[str]]) -> tuple[str, ...] | None:
    """Type-correct arguments for `op` from the candidate variables, or None."""
    categorical = candidates[VarType.CATEGORICAL]
    numerical = candidates[VarType.NUMERICAL]
    selectors = candidates[VarType.SELECTOR]
    if op is Op.SELECT:
        if not categorical:
            return None
        return (_choose(rng, categorical), _choose(rng, categorical), _choose(rng, list(COMPARISONS)))
    if op is Op.AGGREGATE:
        sequences = categorical + numerical
        if not selectors or not sequences:
            return None
        return (_choose(rng, selectors), _choose(rng, sequences))
    if op is Op.SELECTOR_WIDTH:
        if not selectors:
            return None
        return (_choose(rng, selectors),)
    if op is Op.MAP:
        sequences = categorical + numerical
        if not sequences:
            return None
        source = _choose(rng, sequences)
        if source in numerical:
            kinds = [LambdaKind.MAP_NUM_NUM, LambdaKind.MAP_NUM_CAT]
        else:
            kinds = [LambdaKind.MAP_CAT_CAT, LambdaKind.MAP_CAT_NUM]
        kind = _choose(rng, kinds)
        return (_choose(rng, list(lambdas_of_kind(kind))).token, source)
    if op is Op.SEQUENCE_MAP:
        if not categorical:
            return None
        if len(categorical) < 2:
            return None  # Tracr discourages SequenceMap(f, x, x): that is a Map
        lam = _choose(rng, list(lambdas_of_kind(LambdaKind.SEQUENCE_MAP)))
        first, second = rng.choice(len(categorical), size=2, replace=False)
        return (lam.token, categorical[int(first)], categorical[int(second)])
    raise ValueError(op)


def _result_type(op: Op, args: tuple[str, ...], types: dict[str, VarType]) -> VarType:
    if op is Op.SELECT:
        return VarType.SELECTOR
    if op is Op.AGGREGATE:
        return types[args[1]]
    if op is Op.SELECTOR_WIDTH or op is Op.SEQUENCE_MAP:
        return VarType.CATEGORICAL
    from trade.program.lambdas import LAMBDA_BY_TOKEN

    kind = LAMBDA_BY_TOKEN[args[0]].kind
    return VarType.NUMERICAL if kind.output_encoding.value == "numerical" else VarType.CATEGORICAL


def generate_program(rng: np.random.Generator, length: int, max_lines: int = MAX_LINES) -> Program:
    """Algorithm 1. Raises _Restart when no function fits, or the program grows past max_lines."""
    ops = list(FUNCTION_WEIGHTS)
    weights = np.array([FUNCTION_WEIGHTS[op] for op in ops], dtype=float)
    types: dict[str, VarType] = {name: VarType.CATEGORICAL for name in INPUTS}
    pool: list[str] = list(INPUTS)  # variables still available
    lines: list[Line] = []
    phase = 0
    while True:
        candidates: dict[VarType, list[str]] = {t: [] for t in VarType}
        for name in pool:
            candidates[types[name]].append(name)
        remaining = weights.copy()
        args = None
        while remaining.sum() > 0:
            index = int(rng.choice(len(ops), p=remaining / remaining.sum()))
            op = ops[index]
            args = _fill(op, rng, candidates)
            if args is not None:
                break
            remaining[index] = 0.0
        if args is None:
            raise _Restart("no function can be filled")
        line = Line(op, args)
        name = variable_name(len(lines))
        types[name] = _result_type(op, args, types)
        lines.append(line)
        if len(lines) > max_lines:
            raise _Restart("too many lines")
        pool.append(name)
        if phase == 0 and len(pool) - len(INPUTS) > length:
            phase = 1
        if phase == 1:
            used = set(line.variable_args)
            pool = [v for v in pool if v not in used]
            if len(pool) == 1 and types[pool[0]] is not VarType.SELECTOR:
                return Program(tuple(lines))


def _check_program(program: Program, config: SamplerConfig,
                   test_inputs: list[np.ndarray]) -> Rejection | CompiledModel:
    """All rejection tests in order of cost; the compiled model if the program passes."""
    if len(program) < config.min_lines:
        return Rejection.TOO_SHORT
    if count_sequence_maps(program) > config.max_sequence_maps:
        return Rejection.TOO_MANY_SEQUENCE_MAPS
    if len(set(program.lines)) != len(program.lines):
        return Rejection.REDUNDANT
    types = program.types()
    evaluations = [evaluate_batch(program, inputs, types) for inputs in test_inputs]
    if any(e.errors.any() for e in evaluations):
        return Rejection.INTERPRETER_ERROR
    if any(e.unsupported.any() for e in evaluations):
        return Rejection.VALIDATOR
    outputs = [e.output(program) for e in evaluations]
    flat = np.concatenate([o.reshape(-1) for o in outputs])
    defined = flat[~np.isnan(flat)]
    if defined.size == 0:
        return Rejection.TRIVIAL
    if np.all(defined == defined[0]):
        return Rejection.CONSTANT
    if _equals_input(outputs, test_inputs):
        return Rejection.TRIVIAL
    expr = to_rasp(program)
    if validating.static_validate(expr):
        return Rejection.VALIDATOR
    for inputs in test_inputs[-1][:config.tracr_validator_inputs]:
        try:
            if validating.dynamic_validate(expr, [int(v) for v in inputs]):
                return Rejection.VALIDATOR
        except (ValueError, TypeError):
            return Rejection.INTERPRETER_ERROR
    try:
        model = compile_program(expr, config.compile, timeout=config.compile_timeout,
                                stock=config.stock_compiler)
    except CompileTimeout:
        return Rejection.COMPILE_TIMEOUT
    except CompileError:
        return Rejection.COMPILE_ERROR
    for inputs, expected in zip(test_inputs, outputs):
        if not model_agrees(model, inputs, expected):
            return Rejection.MODEL_MISMATCH
    return model


def _equals_input(outputs: list[np.ndarray], test_inputs: list[np.ndarray]) -> bool:
    same_tokens = all(np.array_equal(o, i) for o, i in zip(outputs, test_inputs))
    same_indices = all(np.array_equal(o, np.broadcast_to(np.arange(i.shape[1]), i.shape))
                       for o, i in zip(outputs, test_inputs))
    return same_tokens or same_indices


def model_agrees(model: CompiledModel, inputs: np.ndarray, expected: np.ndarray,
                 tolerance: float = 1e-2) -> bool:
    """Whether the compiled model computes `expected` wherever RASP's value is not None."""
    got = run_compiled(model, inputs)
    defined = ~np.isnan(expected)
    return bool(np.all(np.abs(got[defined] - expected[defined]) <= tolerance))


def fixed_test_inputs(config: SamplerConfig) -> list[np.ndarray]:
    """The fixed random test inputs of a configuration, grouped by length."""
    rng = np.random.default_rng(config.test_seed)
    return random_inputs(config.compile.vocab, config.compile.max_seq_len, config.test_inputs, rng)


def sample_accepted(seed: int, index: int, config: SamplerConfig,
                    test_inputs: list[np.ndarray] | None = None,
                    keep: Callable[[Program], bool] | None = None) -> Accepted:
    """The accepted program number `index` of the stream `seed`.

    Depends only on (seed, index, config, keep), never on which worker runs it,
    so a dataset is the same whatever the number of processes. `keep` filters
    canonical programs before any check is paid for (e.g. "only the test split");
    programs it drops are counted as `filtered`.
    """
    rng = np.random.default_rng([seed, index])
    test_inputs = test_inputs if test_inputs is not None else fixed_test_inputs(config)
    rejections: collections.Counter = collections.Counter()
    for attempt in range(1, config.max_attempts + 1):
        length = int(rng.integers(config.min_length, config.max_length + 1))
        try:
            program = generate_program(rng, length, config.max_lines)
        except _Restart as restart:
            reason = Rejection.TOO_MANY_LINES if "lines" in str(restart) else Rejection.RESTART
            rejections[reason.value] += 1
            continue
        program = canonicalize(program)
        if keep is not None and not keep(program):
            rejections["filtered"] += 1
            continue
        outcome = _check_program(program, config, test_inputs)
        if isinstance(outcome, Rejection):
            rejections[outcome.value] += 1
            continue
        return Accepted(program=program, model=outcome, rejections=rejections, attempts=attempt)
    raise RuntimeError(f"no program accepted in {config.max_attempts} attempts")
