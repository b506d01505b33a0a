"""Time to evaluate a decompiler on held-out programs in both of the paper's modes.

Decodes N test programs teacher-forced and autoregressively (greedy), computes every
metric (functional equivalence on the whole input space), and prints a table. The
baseline row times functional equivalence with Tracr's own `rasp.evaluate` on a few
programs, against the batched NumPy interpreter the evaluation uses.
Usage: python benchmarks/evaluation_speed.py --data data/test-seed1 --n 1000
"""

from __future__ import annotations

import argparse
import itertools
import time

from tracr.rasp import rasp

from trade.decompile import load_decompiler
from trade.dataset.read import iter_examples
from trade.evaluate_model import GREEDY, TEACHER_FORCED, UNCONSTRAINED, EvaluationJob, evaluate_checkpoint
from trade.program.interpret import all_inputs, evaluate_batch
from trade.program.program import canonicalize
from trade.program.text import parse_program
from trade.program.tracr_bridge import to_rasp


def interpreter_ratio(programs, count: int = 5) -> tuple[float, float]:
    """Seconds per program over the whole input space: NumPy interpreter vs Tracr's evaluator."""
    inputs = all_inputs((0, 1, 2, 3, 4), 5)
    began = time.perf_counter()
    for program in programs[:count]:
        for batch in inputs:
            evaluate_batch(program, batch)
    ours = (time.perf_counter() - began) / count
    began = time.perf_counter()
    for program in programs[:count]:
        expr = to_rasp(program)
        for batch in inputs:
            for row in batch:
                try:
                    rasp.evaluate(expr, [int(v) for v in row])
                except (ValueError, TypeError):
                    pass
    theirs = (time.perf_counter() - began) / count
    return ours, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/test-seed1")
    parser.add_argument("--split", default="test")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--out", default="/tmp/trade-evaluation-speed")
    args = parser.parse_args()
    checkpoint = load_decompiler(args.checkpoint)
    examples = list(itertools.islice(iter_examples(args.data, split=args.split), args.n))
    began = time.perf_counter()
    report = evaluate_checkpoint(checkpoint, examples, args.out,
                                 EvaluationJob(modes=(TEACHER_FORCED, UNCONSTRAINED, GREEDY)), progress=False)
    total = time.perf_counter() - began
    extra = report["extra"]
    programs = [canonicalize(parse_program(e.program_text)) for e in examples]
    ours, theirs = interpreter_ratio(programs)
    print(f"{len(examples)} programs from {args.data} ({args.split})")
    print("| step | seconds |")
    print("|---|---|")
    for mode, seconds in extra["decoding_seconds"].items():
        print(f"| decode: {mode} | {seconds:.1f} |")
    metrics = ("metrics (3 modes, functional equivalence on all 3,905 inputs; "
               "teacher-forced weight-identical tokens)")
    print(f"| {metrics} | {extra['metric_seconds']:.1f} |")
    print(f"| total | {total:.1f} ({total / 60:.1f} min) |")
    print(f"functional check per program: NumPy interpreter {ours * 1000:.1f} ms, Tracr rasp.evaluate "
          f"{theirs * 1000:.0f} ms ({theirs / ours:.0f}x)")


if __name__ == "__main__":
    main()
