"""What each decompiling stage contributes on the generated test set, with and without residual labels.

Decompiles the first N test programs (canonical, compiled by TraDe) in several ways and prints
one table: the `read` stage on the labelled model (what `trade decompile` does on a `trade compile`
file or a Tracr model), and the neural pipeline on the same weights without labels (a plain
parameter file), whole and with stages switched off: the beam under the skeleton and the
line-by-line fill (`--no-skeleton`), and the weight-guided repair (`--no-repair`).
Columns: verdicts, exact code (the decompiled program is the original, canonically), median and
maximum seconds per program, and which stage produced the results.
Usage: python benchmarks/decompile_stages.py [--data data/test-seed1] [--n 200] [--neural-n 100]
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import itertools
import statistics
import time

from trade.compiling import compile_program
from trade.dataset.read import iter_examples
from trade.decompile import DecompileOptions, decompile, load_decompiler
from trade.program.program import canonicalize
from trade.program.text import parse_program
from trade.weights import weights_of


def run(name: str, examples, make_weights, decompiler, options: DecompileOptions) -> dict:
    verdicts, stages, seconds = collections.Counter(), collections.Counter(), []
    exact_code = 0
    for example in examples:
        truth = canonicalize(parse_program(example.program_text))
        weights = make_weights(example, truth)
        began = time.perf_counter()
        result = decompile(weights, decompiler, options)
        seconds.append(time.perf_counter() - began)
        verdicts[result.verdict] += 1
        stages[result.stage] += 1
        try:
            exact_code += canonicalize(result.program) == truth
        except ValueError:
            pass
    n = len(examples)
    return {"name": name, "n": n, "exact": verdicts["exact"] / n, "equivalent": verdicts["equivalent"] / n,
            "unverified": verdicts["unverified"] / n, "exact_code": exact_code / n,
            "median_s": statistics.median(seconds), "max_s": max(seconds),
            "stages": ", ".join(f"{k} {v}" for k, v in sorted(stages.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/test-seed1")
    parser.add_argument("--n", type=int, default=200, help="programs for the read stage")
    parser.add_argument("--neural-n", type=int, default=100, help="programs for each neural variant")
    args = parser.parse_args()
    examples = list(itertools.islice(iter_examples(args.data, split="test"), max(args.n, args.neural_n)))
    decompiler = load_decompiler()

    def labelled(example, truth):
        return weights_of(compile_program(truth, example.weights.compile_config))

    def unlabelled(example, truth):
        return example.weights  # dataset rows carry no residual labels

    rows = [run("read (labelled weights)", examples[:args.n], labelled, decompiler, DecompileOptions())]
    neural = examples[:args.neural_n]
    for name, options in (("neural: full pipeline (no labels)", DecompileOptions()),
                          ("neural: no skeleton, no fill", DecompileOptions(skeleton=False)),
                          ("neural: no repair", DecompileOptions(repair=False)),
                          ("neural: beam + verification only", DecompileOptions(skeleton=False, repair=False))):
        rows.append(run(name, neural, unlabelled, decompiler, dataclasses.replace(options, read=False)))
    print("| decompiling | programs | exact | equivalent | unverified | exact code | median s | max s | "
          "stages |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['name']} | {row['n']} | {row['exact']:.1%} | {row['equivalent']:.1%} | "
              f"{row['unverified']:.1%} | {row['exact_code']:.1%} | {row['median_s']:.3f} | {row['max_s']:.2f} | "
              f"{row['stages']} |")
    base = rows[1]["median_s"]
    print(f"\nread stage median time / full neural pipeline median time: {rows[0]['median_s'] / base:.3f}")


if __name__ == "__main__":
    main()
