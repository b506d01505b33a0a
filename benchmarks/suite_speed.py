"""Decompile time against model size (d_model) on the program suites, against Tracr's compile time.

For every program of the suites (default: examples/tracr_lib and examples/handwritten), compiles it
with Tracr's `compile_rasp_to_model` (the baseline, timed in the same process) and decompiles the
model with `trade.decompile.decompile` (default options). Prints one row per d_model bucket:
programs, median and maximum decompile seconds, median compile seconds, and their ratio.
Usage: python benchmarks/suite_speed.py [SUITE ...]
"""

from __future__ import annotations

import statistics
import sys
import time

from tracr.compiler import compiling

from trade.decompile import decompile
from trade.suites import load_suite

BUCKETS = ((0, 50), (51, 100), (101, 200), (201, 400), (401, 10_000))


def main() -> None:
    suites = sys.argv[1:] or ["examples/tracr_lib", "examples/handwritten"]
    rows = []
    for suite in suites:
        for entry in load_suite(suite):
            config = entry.config
            began = time.perf_counter()
            model = compiling.compile_rasp_to_model(entry.build(), vocab=set(config.vocab),
                                                    max_seq_len=config.max_seq_len,
                                                    compiler_bos=config.compiler_bos,
                                                    compiler_pad=config.compiler_pad)
            compiled = time.perf_counter() - began
            began = time.perf_counter()
            result = decompile(model)
            rows.append((len(model.residual_labels), time.perf_counter() - began, compiled, result.verdict,
                         entry.name))
    print("| d_model | programs | median decompile s | max decompile s | median Tracr compile s | "
          "decompile / compile |")
    print("|---|---|---|---|---|---|")
    for low, high in BUCKETS:
        bucket = [r for r in rows if low <= r[0] <= high]
        if not bucket:
            continue
        decompile_median = statistics.median(r[1] for r in bucket)
        compile_median = statistics.median(r[2] for r in bucket)
        print(f"| {low}-{high} | {len(bucket)} | {decompile_median:.3f} | {max(r[1] for r in bucket):.3f} | "
              f"{compile_median:.2f} | {decompile_median / compile_median:.3f} |")
    times = [r[1] for r in rows]
    slowest = max(rows, key=lambda r: r[1])
    print(f"\nall {len(rows)} programs: median {statistics.median(times):.3f} s, max {max(times):.3f} s "
          f"({slowest[4]}, d_model {slowest[0]}, {slowest[3]})")


if __name__ == "__main__":
    main()
