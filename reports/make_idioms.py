"""Writes reports/idioms.md (the idioms found in each suite program) and the report example page + screenshot.

Every program is compiled, decompiled from its weights (`trade.decompile.decompile`), and the decompiled
program (v-names, tables) is read by `trade.idioms.read_program`: names and descriptions come from its
dataflow and behaviour only, never from the source or the model's residual labels. Tracr's lib.py programs
are compiled with Tracr's own `compile_rasp_to_model`, as a user would.
Usage: python reports/make_idioms.py   (writes reports/idioms.md, reports/report-example.html and, where
headless Chromium is installed, reports/report-example.png)
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from tracr.compiler import compiling, lib
from tracr.rasp import rasp

from trade.decompile import DecompileOptions, decompile, weights_from
from trade.evaluate import load_programs_dir
from trade.idioms import read_program
from trade.report import report_html

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "make_sort_freq"  # the page shown in the README

TRACR_LIB = {
    "make_length": lambda: lib.make_length(),
    "make_reverse": lambda: lib.make_reverse(rasp.tokens),
    "make_hist": lambda: lib.make_hist(),
    "make_sort_unique": lambda: lib.make_sort_unique(rasp.tokens, rasp.tokens),
    "make_sort": lambda: lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1),
    "make_sort_freq": lambda: lib.make_sort_freq(max_seq_len=5),
    "make_frac_prevs": lambda: lib.make_frac_prevs(rasp.numerical(rasp.Map(lambda x: x == 1, rasp.tokens))),
    "make_pair_balance": lambda: lib.make_pair_balance(rasp.tokens, 1, 2),
    "shift_by(2, tokens)": lambda: lib.shift_by(2, rasp.tokens),
    "detect_pattern(tokens, [1, 2])": lambda: lib.detect_pattern(rasp.tokens, [1, 2]),
    "make_count(tokens, 2)": lambda: lib.make_count(rasp.tokens, 2),
    "make_count_less_freq(2)": lambda: lib.make_count_less_freq(2),
}


def _row(name: str, model, pages: dict) -> str:
    weights = weights_from(model)
    result = decompile(weights, None, DecompileOptions(undetermined=True))
    began = time.perf_counter()
    reading = read_program(result.program, result.config)
    seconds = time.perf_counter() - began
    pages[name] = (result, weights, reading)
    idioms = ", ".join(f"{i.kind} (`{reading.names[i.variable]}`)" for i in reading.idioms) or "—"
    return (f"| {name} | {len(result.program)} | {result.verdict} | {idioms} | "
            f"{reading.description.replace('|', '/')} | {seconds:.2f} |")


def main() -> None:
    pages: dict = {}
    header = ["| program | lines | verdict | idioms found (variable) | description of the output | seconds |",
              "|---|---|---|---|---|---|"]
    suite = [_row(p.name, p.model, pages) for p in load_programs_dir(ROOT / "examples")]
    tracr = []
    for name, build in TRACR_LIB.items():
        model = compiling.compile_rasp_to_model(build(), vocab={0, 1, 2, 3, 4}, max_seq_len=5,
                                                compiler_bos="BOS")
        tracr.append(_row(name, model, pages))
    text = [
        "# Idioms named in decompiled programs",
        "",
        "Made by `python reports/make_idioms.py`. Each program is compiled, decompiled from its weights, and",
        "the decompiled program is read by `trade.idioms.read_program`: names and descriptions come from",
        "its dataflow and from running it on every input (3,905 for vocabulary {0..4}, length up to 5),",
        "never from the source or the residual labels. Seconds: `read_program` alone on this 2-core",
        "machine (shared with other jobs).",
        "",
        "## The hand-written suite (`examples/*.rasp`)", "", *header, *suite, "",
        "## Tracr's `lib.py`, compiled by Tracr's `compile_rasp_to_model`", "", *header, *tracr, "",
    ]
    (ROOT / "reports" / "idioms.md").write_text("\n".join(text))
    result, weights, reading = pages[EXAMPLE]
    page = ROOT / "reports" / "report-example.html"
    page.write_text(report_html(result, weights, f"lib.{EXAMPLE}, compiled by Tracr and decompiled", reading))
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--window-size=1100,1250", f"--screenshot={ROOT / 'reports' / 'report-example.png'}",
                        page.as_uri()], check=True, capture_output=True, timeout=120)
    print("\n".join(text))


if __name__ == "__main__":
    main()
