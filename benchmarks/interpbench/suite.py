"""InterpBench's Tracr programs (github.com/FlyingPumba/circuits-benchmark) as a TraDe suite.

InterpBench's code is not part of TraDe: set INTERPBENCH_ROOT to a checkout of circuits-benchmark (measured
at commit 0cfd8313). Its cases import torch, TransformerLens and iit for their training code; only the RASP
programs are needed, so the two modules they import from are stubbed here. Each case compiles as
InterpBench sets it up (its vocabulary, `get_max_seq_len() - 1` positions after BOS) but bidirectional;
INTERPBENCH_CAUSAL=1 compiles the cases that InterpBench masks causally (most) with Tracr's causal=True.
Cases that are not Tracr programs (the IOI ones) or fail to build are left out, named in SKIPPED.

    INTERPBENCH_ROOT=~/circuits-benchmark trade evaluate --programs benchmarks/interpbench --out out/ib
    INTERPBENCH_ROOT=... python benchmarks/transformed_suites.py --suites benchmarks/interpbench \\
        --kinds none,rotate,mix --max-inputs 0 --timeout 120

Like every `suite.py`, this runs code when loaded, here InterpBench's: load it only from a checkout you trust.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from pathlib import Path

from trade.suites import SuiteProgram

DEFAULT_MAX_SEQ_LEN = 10  # TracrBenchmarkCase.get_max_seq_len's default, BOS included


def _root() -> Path:
    root = os.environ.get("INTERPBENCH_ROOT")
    if not root:
        raise FileNotFoundError("set INTERPBENCH_ROOT to a checkout of github.com/FlyingPumba/circuits-benchmark")
    path = Path(root).expanduser()
    if not (path / "circuits_benchmark" / "benchmark" / "cases").is_dir():
        raise FileNotFoundError(f"{path}: no circuits_benchmark/benchmark/cases (INTERPBENCH_ROOT)")
    return path


def _package(name: str, path: Path | None) -> None:
    if name not in sys.modules:
        module = types.ModuleType(name)
        module.__path__ = [str(path)] if path else []
        sys.modules[name] = module


class _TracrBenchmarkCase:
    """The part of InterpBench's base class that its cases' programs use."""

    def get_program(self):
        raise NotImplementedError

    def get_vocab(self):
        raise NotImplementedError

    def supports_causal_masking(self) -> bool:
        return True

    def get_max_seq_len(self) -> int:
        return DEFAULT_MAX_SEQ_LEN

    def get_task_description(self) -> str:
        return ""


def _install_stubs(root: Path) -> None:
    base = root / "circuits_benchmark"
    _package("circuits_benchmark", base)
    _package("circuits_benchmark.benchmark", base / "benchmark")
    _package("circuits_benchmark.benchmark.cases", base / "benchmark" / "cases")
    _package("circuits_benchmark.transformers", None)
    case_module = types.ModuleType("circuits_benchmark.benchmark.tracr_benchmark_case")
    case_module.TracrBenchmarkCase = _TracrBenchmarkCase
    sys.modules.setdefault(case_module.__name__, case_module)
    hooked = types.ModuleType("circuits_benchmark.transformers.hooked_tracr_transformer")
    hooked.HookedTracrTransformerBatchInput = list
    sys.modules.setdefault(hooked.__name__, hooked)


def _case_names(root: Path) -> list[str]:
    def key(path: Path):
        tail = path.stem.removeprefix("case_")
        return (0, int(tail), "") if tail.isdigit() else (1, 0, tail)

    cases = root / "circuits_benchmark" / "benchmark" / "cases"
    return [path.stem for path in sorted(cases.glob("case_*.py"), key=key)]


def _case(stem: str):
    module = importlib.import_module(f"circuits_benchmark.benchmark.cases.{stem}")
    classes = [value for name, value in vars(module).items() if name.startswith("Case")
               and isinstance(value, type) and value.__module__ == module.__name__]
    if len(classes) != 1:
        raise ValueError(f"{len(classes)} Case classes")
    return classes[0]()


def _programs() -> tuple[list[SuiteProgram], list[str]]:
    root = _root()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    _install_stubs(root)
    causal = os.environ.get("INTERPBENCH_CAUSAL") == "1"
    programs, skipped = [], []
    for stem in _case_names(root):
        try:
            case = _case(stem)
            vocab = tuple(sorted(case.get_vocab(), key=repr))
            max_seq_len = int(case.get_max_seq_len()) - 1
            program = case.get_program()
            description = str(case.get_task_description() or "")
        except Exception as error:  # noqa: BLE001 - not a Tracr program (IOI), or InterpBench's code raises
            skipped.append(f"{stem}: {type(error).__name__}: {error}"[:200])
            continue
        programs.append(SuiteProgram(stem, description, lambda program=program: program, vocab, max_seq_len,
                                     causal=causal and bool(case.supports_causal_masking())))
    return programs, skipped


PROGRAMS, SKIPPED = _programs()
