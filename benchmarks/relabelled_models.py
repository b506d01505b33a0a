"""Decompiling models compiled with other variable names, with and without `trade.layout`.

Tracr orders the residual stream by label, so a model compiled from the same
program with the user's own names (`length`, `opp_idx`) is laid out differently
from TraDe's training data. For N test programs this decompiles (default
settings, the shipped checkpoint) three versions of each model: as TraDe
compiles it; compiled with random variable names and put back into TraDe's
layout (`trade.layout`, what `trade.decompile` does); and the same renamed
model read as it is (what TraDe did before the layout step). It prints the
verdicts, exact code and seconds per model. Run:

    python benchmarks/relabelled_models.py --data data/test-seed1 --n 200 --workers 2
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor

from test_set_options import parse_test_set_options  # beside this script

WORDS = ("alpha", "count", "zeta", "opp", "mask", "width", "frac", "keys", "b", "q", "acc", "tmp", "x", "sel",
         "pos")
_DECOMPILER = None


def renamed(program, seed: int):
    """The program's Tracr expression with every variable given another name."""
    from trade.program.tracr_bridge import to_rasp

    return to_rasp(program, names=random.Random(seed).sample(WORDS, len(program.lines)))


def _start() -> None:
    global _DECOMPILER
    import torch

    from trade.decompile import load_decompiler

    torch.set_num_threads(1)
    _DECOMPILER = load_decompiler()


def run_one(job: tuple[int, str]) -> dict[str, tuple[str, bool, float]]:
    """Verdict, exact code and seconds for the three versions of one model."""
    from trade.compiling import compile_program
    from trade.decompile import decompile
    from trade.program.program import canonicalize
    from trade.program.text import parse_program
    from trade.weights import weights_of

    index, text = job
    program = canonicalize(parse_program(text))
    other = compile_program(renamed(program, index))
    unnamed = dataclasses.replace(weights_of(other), residual_labels=None)  # without names: read as given
    versions = {"TraDe's names": compile_program(program), "other names, TraDe's layout": other,
                "other names, as given": unnamed}
    out = {}
    for name, model in versions.items():
        began = time.perf_counter()
        result = decompile(model, _DECOMPILER)
        out[name] = (result.verdict, result.program == program, time.perf_counter() - began)
    return out


def main() -> None:
    args = parse_test_set_options(__doc__.splitlines()[0])
    from trade.dataset.read import iter_examples

    jobs = [(i, e.program_text) for i, e in enumerate(itertools.islice(iter_examples(args.data), args.n))]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=context, initializer=_start) as pool:
        results = list(pool.map(run_one, jobs, chunksize=4))
    print(f"{len(results)} programs from {args.data}, default decompile settings, {args.workers} workers\n")
    print("| model | exact | equivalent | exact code | seconds per model (median) |")
    print("|---|---|---|---|---|")
    for name in results[0]:
        rows = [r[name] for r in results]
        seconds = sorted(row[2] for row in rows)[len(rows) // 2]
        print(f"| {name} | {sum(r[0] == 'exact' for r in rows) / len(rows):.1%} | "
              f"{sum(r[0] == 'equivalent' for r in rows) / len(rows):.1%} | "
              f"{sum(r[1] for r in rows) / len(rows):.1%} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
