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
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    fast_rate, rejections, fast_seconds = run(SamplerConfig(), args.n, args.seed)
    stock_rate, _, stock_seconds = run(SamplerConfig(stock_compiler=True), args.n, args.seed)
    print(f"{args.n} accepted programs, one process (one core), seed {args.seed}")
    print(f"| pipeline | seconds | accepted/s/core | ratio |")
    print(f"|---|---|---|---|")
    print(f"| Tracr stock compile_rasp_to_model | {stock_seconds:.1f} | {stock_rate:.1f} | 1.00x |")
    print(f"| TraDe (Haiku-free assembly) | {fast_seconds:.1f} | {fast_rate:.1f} | {fast_rate / stock_rate:.2f}x |")
    print(f"rejections per accepted program: {sum(rejections.values()) / args.n:.1f} "
          f"({', '.join(f'{k} {v}' for k, v in rejections.most_common())})")


if __name__ == "__main__":
    main()
