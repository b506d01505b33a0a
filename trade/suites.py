"""Suites of Tracr programs written in Tracr's own Python API, each with its compile settings.

A suite is a directory with a `suite.py` that defines `PROGRAMS`, a list of
`SuiteProgram`s (see `examples/tracr_lib/suite.py`), and/or `*.rasp` files in
TraDe's language whose `# compile: {...}` comment line gives their settings.
`suite.py` is Python and runs when loaded: load only suites you trust (the ones
in `examples/` are this repository's). Each program is compiled with Tracr's own
`compile_rasp_to_model`, as a user would, so the decompiler sees exactly what
Tracr gives people.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from typing import Callable

from trade.compiled import CompileConfig


@dataclasses.dataclass(frozen=True)
class SuiteProgram:
    """One program of a suite: how to build it, and how it is meant to be compiled."""

    name: str
    description: str
    build: Callable  # () -> rasp.SOp, the program's output
    vocab: tuple
    max_seq_len: int
    compiler_bos: str = "BOS"
    compiler_pad: str = "PAD"
    causal: bool = False  # compiled with Tracr's causal=True

    @property
    def config(self) -> CompileConfig:
        return CompileConfig(vocab=tuple(self.vocab), max_seq_len=self.max_seq_len,
                             compiler_bos=self.compiler_bos, compiler_pad=self.compiler_pad,
                             causal=self.causal)


@dataclasses.dataclass
class SuiteResult:
    """How one suite program decompiled, checked against the program it was compiled from."""

    name: str
    description: str
    vocab_size: int
    max_seq_len: int
    vocab_kind: str  # ints, strings, bools, tuples, or mixed (`vocab_kind`)
    lines: int  # of the decompiled program
    d_model: int
    layers: int
    verdict: str
    stage: str
    seconds: float  # decompile only (not Tracr's compilation)
    equivalent: bool | None  # the decompiled program computes the original's outputs (None: not checked)
    inputs_checked: int
    reason: str
    program: str

    @property
    def wrong_verdict(self) -> bool:
        """A verdict that claims equivalence for a program that is not: the worst bug."""
        return self.verdict in ("exact", "equivalent") and self.equivalent is False

    @property
    def configuration(self) -> str:
        return f"vocab {self.vocab_size} ({self.vocab_kind}), max_seq_len {self.max_seq_len}"


def load_suite(path: str | Path) -> list[SuiteProgram]:
    """The programs of a suite directory (its `suite.py` and `*.rasp` files) or of one `suite.py`."""
    path = Path(path)
    if path.is_file() and path.suffix == ".py":
        return _python_suite(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such suite directory")
    programs = _python_suite(path / "suite.py") if (path / "suite.py").is_file() else []
    programs += [_rasp_program(file) for file in sorted(path.glob("*.rasp")) if file.is_file()]
    if not programs:
        raise FileNotFoundError(f"{path}: no suite.py and no .rasp programs")
    return programs


def is_suite(path: str | Path) -> bool:
    """Whether a directory holds programs that carry their own compile settings."""
    from trade.program.text import compile_header

    path = Path(path)
    if (path / "suite.py").is_file() or (path.is_file() and path.suffix == ".py"):
        return True
    for file in path.glob("*.rasp") if path.is_dir() else []:
        try:
            if file.is_file() and compile_header(file.read_text()) is not None:
                return True
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    return False


def _python_suite(path: Path) -> list[SuiteProgram]:
    name = f"_trade_suite_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    programs = getattr(module, "PROGRAMS", None)
    if not isinstance(programs, (list, tuple)) or not all(isinstance(p, SuiteProgram) for p in programs):
        raise ValueError(f"{path}: defines no PROGRAMS list of SuiteProgram")
    return list(programs)


def _rasp_program(path: Path) -> SuiteProgram:
    from trade.program.text import compile_header, parse_program
    from trade.program.tracr_bridge import to_rasp

    source = path.read_text()
    program = parse_program(source)
    config = CompileConfig.from_json(compile_header(source) or {})
    first = source.lstrip().splitlines()[0] if source.strip() else ""
    description = first.lstrip("#").strip() if first.startswith("#") and "compile:" not in first else ""
    return SuiteProgram(name=path.stem, description=description, build=lambda: to_rasp(program),
                        vocab=config.vocab, max_seq_len=config.max_seq_len, compiler_bos=config.compiler_bos,
                        compiler_pad=config.compiler_pad, causal=config.causal)


def check_inputs(config: CompileConfig, limit: int = 2_000, samples: int = 1_000,
                 seed: int = 0) -> list[list]:
    """Input sequences to compare programs on: all of them up to `limit`, else a seeded sample, a fifth of it
    sorted, constant or of two values (`probing_inputs`: uniform sampling misses the branches programs
    such as "is it sorted" take there)."""
    import itertools

    import numpy as np

    from trade.program.interpret import encode_value, input_space_size, probing_inputs

    vocab = list(config.vocab)
    if input_space_size(len(vocab), config.max_seq_len) <= limit:
        return [list(seq) for n in range(1, config.max_seq_len + 1) for seq in itertools.product(vocab, repeat=n)]
    batches = probing_inputs(config.vocab, config.max_seq_len, samples, np.random.default_rng(seed))
    value_of = {encode_value(v): v for v in vocab}  # the vocabulary's own values (True, not 1)
    return [[value_of[code] for code in row] for batch in batches for row in batch.tolist()]


def _same_output(expected, got) -> bool:
    import math

    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, int) and isinstance(got, int):  # exactly: 2**60 and 2**60 + 1 are two values
        return expected == got
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(float(expected), float(got), rel_tol=1e-6, abs_tol=1e-4)
    return expected == got


def causal_evaluator():
    """Tracr's RASP evaluator with Tracr's causal mask: the selector an Aggregate or a SelectorWidth uses
    sees only keys at or before each query (what a model compiled with causal=True computes)."""
    from tracr.rasp import rasp

    class CausalEvaluator(rasp.DefaultRASPEvaluator):
        def _masked(self, selector: rasp.Selector, xs) -> list[list[bool]]:
            return [[chosen and key <= query for key, chosen in enumerate(row)]
                    for query, row in enumerate(self.evaluate(selector, xs))]

        def eval_selector_width(self, sop, xs):
            return [sum(row) for row in self._masked(sop.selector, xs)]

        def eval_aggregate(self, sop, xs):
            values = self.evaluate(sop.sop, xs)
            return [rasp._mean(rasp._get_selected(row, values), sop.default)
                    for row in self._masked(sop.selector, xs)]

    return CausalEvaluator()


def functionally_equivalent(original, program, config: CompileConfig, inputs: list[list]) -> tuple[bool, int]:
    """Whether `program` (TraDe's) computes what `original` (a Tracr expression) does on `inputs`,
    by Tracr's own evaluator against TraDe's interpreter (both causal where `config` is). Inputs where the
    original raises are skipped. Returns (equivalent, inputs compared)."""
    import numpy as np
    from tracr.rasp import rasp

    from trade.program.interpret import decode_value, encode_value, evaluate_batch

    evaluate = causal_evaluator().evaluate if config.causal else rasp.evaluate
    compared = 0
    by_length: dict[int, list[tuple[list, list]]] = {}
    for sequence in inputs:
        try:
            expected = evaluate(original, sequence)
        except Exception:  # RASP raises on this input (a comparison with None, ...): no ground truth
            continue
        by_length.setdefault(len(sequence), []).append((sequence, expected))
    for length, pairs in by_length.items():
        codes = np.array([[encode_value(v) for v in sequence] for sequence, _ in pairs], dtype=np.float64)
        try:
            outputs = evaluate_batch(program, codes, causal=config.causal).output(program)
        except Exception:  # the decompiled program cannot run on these values
            return False, compared
        for (sequence, expected), row in zip(pairs, outputs):
            compared += 1
            if not all(_same_output(e, decode_value(g)) for e, g in zip(expected, row)):
                return False, compared
    return True, compared


def evaluate_suite(programs: list[SuiteProgram], decompiler=None, options=None, progress: bool = True
                   ) -> list[SuiteResult]:
    """Compiles each program with Tracr, decompiles the model and checks the result against the original."""
    import time

    from tqdm import tqdm
    from tracr.compiler import compiling

    from trade.decompile import DecompileOptions, decompile
    from trade.program.text import program_to_text

    options = options or DecompileOptions()
    results = []
    for entry in tqdm(programs, desc="suite", disable=not progress):
        config = entry.config
        try:
            original = entry.build()
            model = compiling.compile_rasp_to_model(original, vocab=set(config.vocab),
                                                    max_seq_len=config.max_seq_len,
                                                    compiler_bos=config.compiler_bos,
                                                    compiler_pad=config.compiler_pad, causal=config.causal)
        except Exception as caught:  # the suite's program, not the decompiler, is at fault: recorded
            results.append(SuiteResult(entry.name, entry.description, len(config.vocab), config.max_seq_len,
                                       vocab_kind(config.vocab), 0, 0, 0, "not compiled", "none", 0.0, None,
                                       0,
                                       f"Tracr cannot compile it: {type(caught).__name__}: {caught}", ""))
            continue
        began = time.perf_counter()
        try:
            result = decompile(model, decompiler, options)
            error = None
        except Exception as caught:  # a traceback here is a bug: recorded, not hidden
            result, error = None, f"{type(caught).__name__}: {caught}"
        seconds = time.perf_counter() - began
        d_model = len(model.residual_labels)
        layers = len({k.split("/")[1] for k in model.params if k.startswith("transformer/")})
        if result is None or not result.program.lines:
            results.append(SuiteResult(entry.name, entry.description, len(config.vocab), config.max_seq_len,
                                       vocab_kind(config.vocab), 0, d_model, layers,
                                       "error" if error else "unverified",
                                       "none", seconds, None, 0, error or (result.reason if result else ""), ""))
            continue
        equivalent, checked = functionally_equivalent(original, result.program, config, check_inputs(config))
        results.append(SuiteResult(entry.name, entry.description, len(config.vocab), config.max_seq_len,
                                   vocab_kind(config.vocab), len(result.program), d_model, layers,
                                   result.verdict,
                                   result.stage, seconds, equivalent, checked, result.reason,
                                   program_to_text(result.program)))
    return results


def vocab_kind(vocab) -> str:
    """What a vocabulary's tokens are, for a report's headings: ints, strings, bools, tuples or mixed."""
    kinds = {"bools" if isinstance(v, bool) else "ints" if isinstance(v, int) else "strings"
             if isinstance(v, str) else "tuples" if isinstance(v, tuple) else "mixed" for v in vocab}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def suite_summary(results: list[SuiteResult]) -> dict:
    import statistics

    n = len(results)
    verified = [r for r in results if r.verdict in ("exact", "equivalent")]
    return {"programs": n, "exact": sum(r.verdict == "exact" for r in results),
            "equivalent": sum(r.verdict == "equivalent" for r in results),
            "verified_share": len(verified) / n if n else 0.0,
            "functionally_equivalent": sum(bool(r.equivalent) for r in results),
            "wrong_verdicts": sum(r.wrong_verdict for r in results),
            "errors": sum(r.verdict == "error" for r in results),
            "median_seconds": statistics.median(r.seconds for r in results) if results else 0.0,
            "max_seconds": max((r.seconds for r in results), default=0.0),
            "stages": {stage: sum(r.stage == stage for r in results) for stage in sorted({r.stage for r in results})}}


def format_suite_report(results: list[SuiteResult], title: str) -> str:
    """Markdown: the totals, then one table per configuration."""
    summary = suite_summary(results)
    out = [f"# {title}", "",
           f"{summary['programs']} programs: {summary['exact']} `exact`, {summary['equivalent']} `equivalent` "
           f"({summary['verified_share']:.1%}); {summary['functionally_equivalent']} functionally equivalent to the "
           f"original by Tracr's evaluator; **{summary['wrong_verdicts']} wrong verdicts**; "
           f"{summary['errors']} errors. Decompile time: median {summary['median_seconds']:.2f} s, "
           f"max {summary['max_seconds']:.2f} s. Stages: "
           + ", ".join(f"{k} {v}" for k, v in summary["stages"].items()) + ".", ""]
    groups: dict[str, list[SuiteResult]] = {}
    for result in results:
        groups.setdefault(result.configuration, []).append(result)
    for configuration in sorted(groups):
        out += [f"## {configuration}", "",
                "| program | lines | d_model | layers | verdict | stage | equivalent (checked inputs) | s |",
                "|---|---|---|---|---|---|---|---|"]
        for r in groups[configuration]:
            checked = "—" if r.equivalent is None else f"{'yes' if r.equivalent else '**no**'} ({r.inputs_checked})"
            out.append(f"| {r.name} | {r.lines} | {r.d_model} | {r.layers} | {r.verdict} | {r.stage} | {checked} | "
                       f"{r.seconds:.2f} |")
        out.append("")
    out += ["## The decompiled programs", ""]
    for r in results:
        out += [f"### {r.name}: {r.verdict}", "", r.description, "", "```", r.program.rstrip() or "(none)", "```",
                "", f"{r.reason}", ""]
    return "\n".join(out)
