"""Time of `trade report` on a 12-line program, against the plain decompile it starts with.

In one process, after a warm-up: the decompile alone (the options `trade report` uses), reading the
program (`trade.idioms.read_program`: idioms, formulas, examples), the page alone, and the whole
`write_report`; then `trade report` as a fresh command (start-up and imports included), and which of
torch and JAX it imports (torch loads only for the decoder, which a labelled model never needs). The
program is examples/pair_balance.rasp with one more line (12 lines, 5 layers). Prints a table with ratios
against the plain decompile, and the page's size.
Usage: python benchmarks/report_speed.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from trade.compiling import compile_program
from trade.decompile import DecompileOptions, decompile
from trade.idioms import read_program
from trade.program.text import parse_program
from trade.report import report_html, write_report
from trade.weights import weights_of

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / "examples" / "pair_balance.rasp").read_text() + "balanced = Map(x == 0, balance)\n"


def median_seconds(job, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        job()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    program = parse_program(SOURCE)
    weights = weights_of(compile_program(program))
    options = DecompileOptions(undetermined=True)
    out = Path(tempfile.mkdtemp()) / "report.html"
    write_report(weights, out)  # warm-up: imports, Tracr's first compile
    result = decompile(weights, None, options)
    reading = read_program(result.program, result.config)
    rows = [("decompile (baseline)", median_seconds(lambda: decompile(weights, None, options), args.repeats)),
            ("read_program (idioms, formulas, examples)",
             median_seconds(lambda: read_program(result.program, result.config), args.repeats)),
            ("report_html (page, given the reading)",
             median_seconds(lambda: report_html(result, weights, "bench", reading), args.repeats)),
            ("write_report (all of the above)",
             median_seconds(lambda: write_report(weights, out), args.repeats))]
    source = Path(tempfile.mkdtemp()) / "twelve.rasp"
    source.write_text(SOURCE)
    command = [sys.executable, "-m", "trade.cli", "report", "--program", str(source), "-o", str(out)]
    cli = median_seconds(lambda: subprocess.run(command, check=True, capture_output=True), 3)
    check = (f"import sys\nfrom trade.cli import main\nmain({command[3:]!r})\n"
             "print(sorted(m for m in ('torch', 'jax') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", check], check=True, capture_output=True, text=True).stdout
    imports = {module: median_seconds(lambda m=module: subprocess.run([sys.executable, "-c", f"import {m}"],
                                                                          check=True, capture_output=True), 3)
               for module in ("trade.report", "trade.compiling", "torch", "trade.decompile")}
    base = rows[0][1]
    print(f"{len(program)}-line program, {weights.num_layers} layers, verdict {result.verdict}; "
          f"median of {args.repeats} runs (command: of 3)\n")
    print("| step | seconds | ratio to decompile |")
    print("|---|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} | {seconds / base:.1f}x |")
    print(f"| `trade report` command (fresh process, imports included) | {cli:.2f} | {cli / base:.1f}x |")
    for module, seconds in imports.items():
        print(f"| fresh process importing only `{module}` | {seconds:.2f} | {seconds / base:.1f}x |")
    print(f"\npage: {out.stat().st_size / 1024:.0f} KiB; heavy modules the command imported: "
          f"{loaded.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
