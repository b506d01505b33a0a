"""Every way a model arrives gives the same verdict: each program in examples/ compiled once, then decompiled
from five inputs (the `trade compile` file, a plain `.npz` and a plain `.safetensors` of its `module/name`
arrays, Tracr's own AssembledTransformerModel, and that model converted to a TransformerLens state_dict +
config as TransformerLens's Tracr demo builds it). Prints, per input kind, how many examples give the
verdict of the `trade compile` file (or, for TransformerLens, of the Tracr model) and how many the same
program text, with seconds per model. Run:

    python benchmarks/model_inputs_bar.py [--examples examples] [--no-repair]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trade.cli import build_parser, compile_program_file  # noqa: E402
from trade.compiling import compile_stock  # noqa: E402
from trade.decompile import DecompileOptions, decompile, load_decompiler  # noqa: E402
from trade.model_inputs import plain_arrays, save_lens, tracr_to_lens_state, write_safetensors  # noqa: E402
from trade.program.program import canonicalize  # noqa: E402
from trade.weights import save_weights, weights_of  # noqa: E402

KINDS = ("trade compile file", "plain .npz", "plain .safetensors", "Tracr model", "TransformerLens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", default="examples")
    parser.add_argument("--no-repair", action="store_true")
    args = parser.parse_args()
    options = DecompileOptions(repair=not args.no_repair)
    decompiler = load_decompiler()
    counts = {kind: [0, 0, 0.0] for kind in KINDS}  # same verdict, same program, seconds
    rows = []
    programs = sorted(Path(args.examples).glob("*.rasp"))
    with tempfile.TemporaryDirectory() as folder:
        for rasp in programs:
            compile_args = build_parser("compile").parse_args(["compile", str(rasp), "-o", "unused.npz"])
            model = compile_program_file(str(rasp), compile_args)
            weights = weights_of(model)
            config = weights.compile_config
            paths = {kind: Path(folder) / f"{rasp.stem}{suffix}" for kind, suffix in
                     (("trade compile file", ".npz"), ("plain .npz", ".plain.npz"),
                      ("plain .safetensors", ".safetensors"), ("TransformerLens", ".lens.safetensors"))}
            save_weights(weights, paths["trade compile file"])
            np.savez(paths["plain .npz"], **plain_arrays(weights))
            write_safetensors(plain_arrays(weights), paths["plain .safetensors"])
            tracr = compile_stock(canonicalize(model_program(rasp)), config)
            state, lens_config = tracr_to_lens_state(tracr)
            save_lens(state, lens_config, paths["TransformerLens"])
            flags = dict(vocab=config.vocab, bos=config.compiler_bos)
            inputs = {"trade compile file": (paths["trade compile file"], {}),
                      "plain .npz": (paths["plain .npz"], flags),
                      "plain .safetensors": (paths["plain .safetensors"], flags),
                      "Tracr model": (tracr, {}),
                      "TransformerLens": (paths["TransformerLens"], flags)}
            results = {}
            for kind, (source, facts) in inputs.items():
                began = time.perf_counter()
                results[kind] = decompile(source, decompiler, options, **facts)
                counts[kind][2] += time.perf_counter() - began
            for kind in KINDS:
                reference = results["Tracr model" if kind == "TransformerLens" else "trade compile file"]
                same_verdict = results[kind].verdict == reference.verdict
                same_program = results[kind].program == reference.program
                counts[kind][0] += same_verdict
                counts[kind][1] += same_program
            rows.append((rasp.stem, *(results[kind].verdict for kind in KINDS)))
    print("| example | " + " | ".join(KINDS) + " |")
    print("|---" * (len(KINDS) + 1) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print("| input | same verdict | same program | seconds per model |")
    print("|---|---|---|---|")
    for kind in KINDS:
        same, program, seconds = counts[kind]
        print(f"| {kind} | {same} of {len(programs)} | {program} of {len(programs)} "
              f"| {seconds / len(programs):.2f} |")
    print("(reference: the trade compile file; for TransformerLens, the Tracr model it was converted from)")


def model_program(rasp: Path):
    from trade.cli import read_program_file

    return read_program_file(str(rasp))


if __name__ == "__main__":
    main()
