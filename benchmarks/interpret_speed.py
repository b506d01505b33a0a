"""How long the batched interpreter takes to apply a lambda to a selector's [batch, query, key] grid.

`trade.program.interpret.apply_elementwise` calls the lambda once per combination of distinct values,
and finds the distinct values of each argument before broadcasting: a Select over every input of nine
tokens (262,144 of them) compares 21 million (key, query) pairs, but its keys and queries hold 2.4
million values each. The baseline row passes the same arguments already broadcast (as the grid the
interpreter found the distinct values in before), in the same process; both must give the same
selector. A compressed model that merged values is verified on every input up to 3 million
(`trade.transform.FULL_RUN_INPUTS`; 500,000 when this was written), where this is most of the time.

    python benchmarks/interpret_speed.py
    python benchmarks/interpret_speed.py --vocab 5 --length 8 --repeats 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _timed(function, repeats: int) -> tuple[float, np.ndarray]:
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = function()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    from trade.program.interpret import all_inputs, apply_elementwise

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vocab", type=int, default=4)
    parser.add_argument("--length", type=int, default=9)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    tokens = all_inputs(tuple(range(args.vocab)), args.length)[-1]  # every input of the longest length
    keys, queries = tokens[:, None, :], tokens[:, :, None]

    def predicate(key, query):
        return key < query or key == 0

    grid = [np.ascontiguousarray(a) for a in np.broadcast_arrays(keys, queries)]
    before, expected = _timed(lambda: apply_elementwise(predicate, *grid), args.repeats)
    after, found = _timed(lambda: apply_elementwise(predicate, keys, queries), args.repeats)
    assert np.array_equal(expected, found, equal_nan=True), "the two ways give different selectors"
    print("| inputs | pairs | distinct values of the broadcast grid: s | of each argument: s | ratio |")
    print("|---|---|---|---|---|")
    print(f"| {len(tokens):,} of length {args.length} | {expected.size:,} | {before:.2f} | {after:.2f} | "
          f"{before / after:.1f}x |")


if __name__ == "__main__":
    main()
