"""Checks that every program of the Python suites compiles faithfully with Tracr.

For each `SuiteProgram` of `examples/tracr_lib/suite.py` and `examples/handwritten/suite.py`
(or the suite files given on the command line) this compiles `build()` with Tracr's
`compile_rasp_to_model` at the program's own settings and compares the compiled model with
Tracr's evaluator `rasp.evaluate` on every input when there are fewer than 2,000 of them,
else on a seeded sample of 300. Why: a decompiler can only recover what the weights compute,
so a suite must hold only programs that Tracr compiles faithfully.

The compiled model's outputs are what `model.apply(["BOS", *tokens]).decoded[1:]` gives (the
first position is BOS). For speed this script runs a jitted `model.forward` on the inputs of each
length at once and decodes the same way `apply` does; it checks one input against `apply` itself.
Positions where RASP's output is None (an Aggregate that selects nothing, e.g. `shift_by`'s
first positions) are "don't care": the model writes something arbitrary there.

    .venv/bin/python examples/check_suites.py [suite.py ...]
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import sys
import time
from pathlib import Path

import jax
import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from tracr.compiler import compiling  # noqa: E402
from tracr.rasp import rasp  # noqa: E402

from trade.suites import SuiteProgram, causal_evaluator, load_suite  # noqa: E402

SUITES = [ROOT / "tracr_lib" / "suite.py", ROOT / "handwritten" / "suite.py"]
ENUMERATE_BELOW = 2_000
SAMPLES = 300


def count_lines(output: rasp.SOp) -> int:
    """RASP operations (Map, SequenceMap, Select, Aggregate, SelectorWidth, ...) under the output."""
    seen: set[str] = set()
    stack: list[rasp.RASPExpr] = [output]
    while stack:
        expr = stack.pop()
        if expr.label in seen:
            continue
        seen.add(expr.label)
        stack.extend(expr.children)
    return len(seen - {"tokens", "indices"})


def inputs_for(program: SuiteProgram, seed: int = 0) -> list[list]:
    vocab = sorted(program.vocab, key=repr)
    n = program.max_seq_len
    total = sum(len(vocab) ** k for k in range(1, n + 1))
    if total < ENUMERATE_BELOW:
        return [list(s) for k in range(1, n + 1) for s in itertools.product(vocab, repeat=k)]
    rng = random.Random(seed)
    return [[rng.choice(vocab) for _ in range(rng.randint(1, n))] for _ in range(SAMPLES)]


def model_outputs(model, program: SuiteProgram, inputs: list[list], chunk: int = 512) -> list[list]:
    """What `model.apply(["BOS", *tokens]).decoded[1:]` gives, for many inputs at once.

    Inputs of one length go through one jitted forward pass (padding them to one length instead
    would change the outputs: the assembled model does not mask PAD keys).
    """
    forward = jax.jit(model.forward)
    by_length: dict[int, list[int]] = {}
    for number, seq in enumerate(inputs):
        by_length.setdefault(len(seq), []).append(number)
    decoded: list[list] = [[] for _ in inputs]
    for numbers in by_length.values():
        for start in range(0, len(numbers), chunk):
            part = numbers[start:start + chunk]
            rows = np.array([model.input_encoder.encode([program.compiler_bos, *inputs[n]]) for n in part])
            out = np.asarray(forward(model.params, rows).unembedded_output)
            for n, row in zip(part, out):
                values = row.tolist()[1:]
                if model.output_encoder is not None:  # categorical output: argmax ids -> values
                    values = model.output_encoder.decode(values)
                else:  # numerical output: one number per position
                    values = [v[0] if isinstance(v, list) else v for v in values]
                decoded[n] = values
    return decoded


def same(expected, got) -> bool:
    if isinstance(got, float) and isinstance(expected, (int, float, bool)):  # numerical output
        return math.isclose(float(expected), got, rel_tol=1e-3, abs_tol=1e-3)
    return expected == got


def check(program: SuiteProgram) -> dict:
    output = program.build()
    began = time.perf_counter()
    model = compiling.compile_rasp_to_model(output, vocab=set(program.vocab), max_seq_len=program.max_seq_len,
                                            compiler_bos=program.compiler_bos,
                                            compiler_pad=program.compiler_pad, causal=program.causal)
    seconds = time.perf_counter() - began
    heads_per_layer = []
    for key, block in model.params.items():
        if key.endswith("attn/query"):
            w = np.asarray(block["w"])
            per_head = w.reshape(w.shape[0], model.model_config.num_heads, -1)
            heads_per_layer.append(int((np.abs(per_head).sum(axis=(0, 2)) > 0).sum()))
    layers = len({k.split("/")[1] for k in model.params if k.startswith("transformer/")})
    inputs = inputs_for(program)
    compared = dont_care = mismatches = 0
    first_mismatch = ""
    evaluate = causal_evaluator().evaluate if program.causal else rasp.evaluate
    for seq, got in zip(inputs, model_outputs(model, program, inputs)):
        expected = evaluate(output, seq)
        for e, g in zip(expected, got):
            if e is None:
                dont_care += 1
                continue
            compared += 1
            if not same(e, g):
                mismatches += 1
                first_mismatch = first_mismatch or f"{seq}: expected {expected}, model {got}"
    # the batched decoding above is what apply() gives
    seq = inputs[-1]
    via_apply = model.apply([program.compiler_bos, *seq]).decoded[1:]
    batched = model_outputs(model, program, [seq])[0]
    assert all(same(a, b) for a, b in zip(via_apply, batched)), (program.name, seq, via_apply, batched)
    return {"name": program.name, "vocab": len(program.vocab), "max_seq_len": program.max_seq_len,
            "lines": count_lines(output), "d_model": len(model.residual_labels), "layers": layers,
            "heads": sum(heads_per_layer), "max_heads": max(heads_per_layer, default=0), "seconds": seconds,
            "inputs": len(inputs), "positions": compared, "dont_care": dont_care, "mismatches": mismatches,
            "agrees": mismatches == 0, "first_mismatch": first_mismatch}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suites", nargs="*", type=Path, default=SUITES)
    parser.add_argument("--only", nargs="*", help="check only these program names")
    args = parser.parse_args()
    failed = 0
    for path in args.suites:
        programs = load_suite(path)
        if args.only:
            programs = [p for p in programs if p.name in args.only]
        names = [p.name for p in programs]
        assert len(names) == len(set(names)), f"{path}: duplicate names"
        print(f"\n### {path.parent.name}: {len(programs)} programs\n")
        print("| program | vocab | max_seq_len | lines | d_model | layers | heads (max/layer) | compile s "
              "| inputs | agrees |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for program in programs:
            try:
                r = check(program)
            except Exception as caught:  # Tracr cannot compile it: a suite must not hold it
                failed += 1
                error = f"{type(caught).__name__}: {' '.join(str(caught).split())[:160]}"
                print(f"| {program.name} | {len(program.vocab)} | {program.max_seq_len} | "
                      f"{' | '.join(['—'] * 6)} | **compile error**: {error} |", flush=True)
                continue
            failed += not r["agrees"]
            agrees = "yes" if r["agrees"] else f"**no** ({r['mismatches']} of {r['positions']} positions)"
            print(f"| {r['name']} | {r['vocab']} | {r['max_seq_len']} | {r['lines']} | {r['d_model']} | "
                  f"{r['layers']} | {r['heads']} ({r['max_heads']}) | {r['seconds']:.1f} | {r['inputs']} | "
                  f"{agrees} |", flush=True)
            if not r["agrees"]:
                print(f"<!-- {r['first_mismatch'][:300]} -->", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
