"""Models compiled with another `mlp_exactness` (Tracr's slope L of discretising MLPs, 100 by default).

Each program of a suite is compiled by Tracr with L, then decompiled as the Tracr model (labelled), without
its residual labels, and rotated (`trade.transform.rotate`, seed 0). Prints a table of verdicts per kind,
and any WRONG verdict (`exact` or `equivalent` for a program that is not functionally equivalent to the
original on `trade.suites.check_inputs`). Run:

    python benchmarks/mlp_exactness.py --suite examples/tracr_lib --exactness 10
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import time

KINDS = ("labelled", "no labels", "rotated")
VERDICTS = ("exact", "equivalent", "unverified", "error")


def run_program(entry, exactness: int) -> dict[str, tuple[str, bool]] | None:
    """Per kind, the verdict and whether the returned program is truly equivalent; None where Tracr
    cannot compile the program with this L."""
    from tracr.compiler import compiling

    from trade import transform
    from trade.decompile import decompile, weights_from
    from trade.suites import check_inputs, functionally_equivalent

    try:
        model = compiling.compile_rasp_to_model(
            entry.build(), vocab=set(entry.vocab), max_seq_len=entry.max_seq_len,
            compiler_bos=entry.compiler_bos, compiler_pad=entry.compiler_pad, mlp_exactness=exactness,
            causal=entry.causal)
    except Exception:  # noqa: BLE001 - a program Tracr refuses at this L is left out, and counted
        return None
    labelled = weights_from(model)
    plain = dataclasses.replace(labelled, residual_labels=None)
    rows = {}
    for kind, given in zip(KINDS, (labelled, plain, transform.rotate(plain, 0))):
        try:
            result = decompile(given)
        except Exception:  # noqa: BLE001 - a crash is a row, not the end of the run
            rows[kind] = ("error", False)
            continue
        truly = bool(len(result.program.lines)) and functionally_equivalent(
            entry.build(), result.program, entry.config, check_inputs(entry.config))[0]
        rows[kind] = (result.verdict, truly)
    return rows


def main() -> None:
    from trade.suites import load_suite

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="examples/tracr_lib")
    parser.add_argument("--exactness", type=int, default=10)
    args = parser.parse_args()
    began, tally, wrong, skipped = time.perf_counter(), collections.Counter(), [], 0
    for entry in load_suite(args.suite):
        rows = run_program(entry, args.exactness)
        if rows is None:
            skipped += 1
            continue
        for kind, (verdict, truly) in rows.items():
            tally[kind, verdict] += 1
            if verdict in ("exact", "equivalent") and not truly:
                wrong.append((entry.name, kind, verdict))
    print(f"{args.suite}, mlp_exactness {args.exactness}: {time.perf_counter() - began:.0f} s, "
          f"{skipped} programs Tracr does not compile at this L\n")
    print("| kind | " + " | ".join(f"`{v}`" for v in VERDICTS) + " | WRONG |")
    print("|---|" + "---|" * (len(VERDICTS) + 1))
    for kind in KINDS:
        wrong_here = sum(1 for _, where, _ in wrong if where == kind)
        print(f"| {kind} | " + " | ".join(str(tally[kind, v]) for v in VERDICTS) + f" | {wrong_here} |")
    for name, kind, verdict in wrong:
        print(f"WRONG: {name} ({kind}, {verdict})")


if __name__ == "__main__":
    main()
