"""How much memory a run of the given model on every input keeps, two ways.

`trade.basis.run_given` runs the given model over every input (up to 3 million for a compressed model
whose sample cannot confirm a reading) and the verifier later reads, at each position, only the output
block's largest entry, the second and the argmax. The baseline row keeps each batch's whole output block,
as `run_given` did before stop 47; the other keeps those three numbers (`trade.verify.Shown`). Both run
here, in one process, over the same batches of the same model, and must decode alike. Peak memory is
tracemalloc's (NumPy's buffers included), above what was held before each way began.

Default: lagoon `sock_pairs` (an output block of 81 values, 488,280 inputs, d_model 117), uncompressed.
Wild `key_and_query_one_map` (a block of 392; its compressed model ran out of 12 GB at stop 46) takes
over 20 minutes of one core here.

    python benchmarks/run_memory.py
    python benchmarks/run_memory.py --suite examples/wild --name key_and_query_one_map
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _model(suite: str, name: str):
    from tracr.compiler import compiling

    from trade.decompile import weights_from
    from trade.suites import load_suite

    entry = next(e for e in load_suite(suite) if e.name == name)
    config = entry.config
    model = compiling.compile_rasp_to_model(entry.build(), vocab=set(config.vocab),
                                            max_seq_len=config.max_seq_len, compiler_bos=config.compiler_bos,
                                            compiler_pad=config.compiler_pad, causal=config.causal)
    return weights_from(model)


def _blocks(given) -> list[np.ndarray]:
    """Before: every batch's output block, kept whole."""
    from trade.basis import run_given

    kept = []
    run_given(given, every=True, on_block=kept.append)
    return kept


def _shown(given) -> list:
    """Now: `run_given`'s own `Shown` per batch."""
    from trade.basis import run_given

    return run_given(given, every=True).shown


def _measured(way, given):
    tracemalloc.start()
    tracemalloc.reset_peak()
    began = time.perf_counter()
    kept = way(given)
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return kept, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="examples/lagoon")
    parser.add_argument("--name", default="sock_pairs")
    args = parser.parse_args()
    from trade.program.interpret import input_space_size
    from trade.transform import decoded_outputs
    from trade.verify import Shown

    given = _model(args.suite, args.name)
    config = given.compile_config
    inputs = input_space_size(len(config.vocab), config.max_seq_len)
    blocks, before_s, before_peak = _measured(_blocks, given)
    width = blocks[0].shape[-1]
    decoded = decoded_outputs(given, blocks)
    del blocks
    shown, after_s, after_peak = _measured(_shown, given)
    same = all(np.array_equal(a, b) for a, b in zip(decoded, decoded_outputs(given, shown)))
    assert same and isinstance(shown[0], Shown), "the two ways decode differently"
    print(f"{args.name}: {inputs:,} inputs, an output block of {width}\n")
    print("| way | peak MB | ratio | s |\n|---|---|---|---|")
    for name, seconds, peak in (("every batch's output block kept (before)", before_s, before_peak),
                                ("three numbers per position, `Shown` (now)", after_s, after_peak)):
        print(f"| {name} | {peak / 2**20:,.0f} | {before_peak / peak:.1f}x | {seconds:.1f} |")


if __name__ == "__main__":
    main()
