"""Accepted (program, weights) pairs per second per core: TraDe's pipeline vs Tracr's stock compiler.

Both runs sample the same programs (same seeds, same rejection tests) in one
process; the baseline differs only in compiling each program with Tracr's
`compile_rasp_to_model` (which builds a Haiku module per program). Prints a table
with the ratio. Usage: python benchmarks/generation_throughput.py [--n 300]
"""

from __future__ import annotations

import argparse
import collections
import time

from trade.sampling import SamplerConfig, fixed_test_inputs, sample_accepted


def run(config: SamplerConfig, n: int, seed: int) -> tuple[float, collections.Counter, float]:
    inputs = fixed_test_inputs(config)
    sample_accepted(seed + 1, 0, config, inputs)  # warm up imports and JIT caches
    rejections: collections.Counter = collections.Counter()
    began = time.perf_counter()
    for index in range(n):
        rejections.update(sample_accepted(seed, index, config, inputs).rejections)
    seconds = time.perf_counter() - began
    return n / seconds, rejections, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--baseline-n", type=int, default=40,
                        help="programs for the stock baseline (each new model shape costs it a JAX compile)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    fast_rate, rejections, fast_seconds = run(SamplerConfig(), args.n, args.seed)
    same_rate, _, same_seconds = run(SamplerConfig(), args.baseline_n, args.seed)
    stock_rate, _, stock_seconds = run(SamplerConfig(stock_compiler=True), args.baseline_n, args.seed)
    print(f"one process (one core), seed {args.seed}")
    print("| pipeline | programs | seconds | accepted/s/core | ratio to stock |")
    print("|---|---|---|---|---|")
    print(f"| Tracr stock compile_rasp_to_model | {args.baseline_n} | {stock_seconds:.1f} | {stock_rate:.2f} | 1.00x |")
    print(f"| TraDe, same programs | {args.baseline_n} | {same_seconds:.1f} | {same_rate:.1f} | "
          f"{same_rate / stock_rate:.1f}x |")
    print(f"| TraDe | {args.n} | {fast_seconds:.1f} | {fast_rate:.1f} | |")
    print(f"rejections per accepted program: {sum(rejections.values()) / args.n:.1f} "
          f"({', '.join(f'{k} {v}' for k, v in rejections.most_common())})")


if __name__ == "__main__":
    main()
