"""Latency of `trade decompile` on this machine: start-up, greedy, beam 8 with verification, and repair.

Start-up (a fresh `trade decompile --help`-free process importing TraDe and loading the
checkpoint) is measured separately from the per-model work, which runs in one process on the
bundled example programs. Prints a table; the baseline column is greedy without verification.
Usage: python benchmarks/decompile_latency.py [--checkpoint checkpoints/medium]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from trade.decompile import DecompileOptions, decompile, load_decompiler
from trade.evaluate import load_programs_dir
from trade.weights import weights_of

ROOT = Path(__file__).resolve().parent.parent


def startup_seconds(checkpoint: str | None, repeats: int = 3) -> float:
    code = ("import time; t = time.perf_counter(); from trade.decompile import load_decompiler; "
            f"load_decompiler({checkpoint!r}); print(time.perf_counter() - t)")
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--programs", default=str(ROOT / "examples"))
    args = parser.parse_args()
    checkpoint = load_decompiler(args.checkpoint)
    programs = load_programs_dir(args.programs)
    weights = [weights_of(p.model) for p in programs]
    decompile(weights[0], checkpoint, DecompileOptions(beam_size=1, repair=False))  # warm-up
    rows = []
    for name, options in (("greedy, no verification", DecompileOptions(beam_size=1, verify=False)),
                          ("greedy + verification", DecompileOptions(beam_size=1, repair=False)),
                          ("beam 8 + verification", DecompileOptions(beam_size=8, repair=False)),
                          ("beam 8 + verification + repair (default)", DecompileOptions(beam_size=8))):
        times, verdicts = [], []
        for item in weights:
            began = time.perf_counter()
            result = decompile(item, checkpoint, options)
            times.append(time.perf_counter() - began)
            verdicts.append(result.verdict)
        rows.append((name, statistics.median(times), max(times), verdicts))
    startup = startup_seconds(args.checkpoint)
    base = rows[0][1]
    print(f"{len(weights)} example models ({args.programs}); process start-up incl. imports and "
          f"checkpoint load: {startup:.2f} s (median of 3)")
    print("| mode | median s/model | max s/model | ratio to greedy | exact | equivalent |")
    print("|---|---|---|---|---|---|")
    for name, median, worst, verdicts in rows:
        print(f"| {name} | {median:.3f} | {worst:.3f} | {median / base:.1f}x | "
              f"{verdicts.count('exact')} | {verdicts.count('equivalent')} |")


if __name__ == "__main__":
    main()
