"""How long the verifier takes to read a given model's output block over every input, two ways.

A check of a categorical output reads, at each position, the block's largest entry, the second largest
(the margin) and where the largest lies, then the distinct (expected value, shown dimension) pairs. The
baseline row does it as before stop 46: the whole block joined in one array, sorted along each row, and
`np.unique` over the rows of pairs. The other: each batch reduced to the three numbers per position
(`trade.verify.Shown`) and the pairs found by one integer key (`trade.verify._distinct_pairs`). Both run
here, on the same random block, and must give the same pairs. Sizes default to wild
`key_and_query_one_map` compressed, run on every input: 1,754,760 positions, a block of 392.

    python benchmarks/verify_speed.py
    python benchmarks/verify_speed.py --positions 500000 --width 40
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH = 8_192 * 6  # positions per batch: trade.basis.RUN_CHUNK inputs of six positions


def _before(blocks: list[np.ndarray], expected: np.ndarray):
    given = np.concatenate(blocks)
    top_two = np.sort(given, axis=1)[:, -2:]
    pairs = np.unique(np.stack([expected, given.argmax(axis=1)], axis=1), axis=0)
    return top_two[:, 1], top_two[:, 0], pairs[:, 0], pairs[:, 1].astype(int)


def _after(blocks: list[np.ndarray], expected: np.ndarray):
    from trade.verify import Shown, _distinct_pairs  # imported in main, before the clock: not timed

    shown = Shown.joined([Shown.of(block) for block in blocks], blocks[0].shape[1])
    values, dims = _distinct_pairs(expected, shown.arg, shown.width)
    return shown.top, shown.second, values, dims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--positions", type=int, default=1_754_760)
    parser.add_argument("--width", type=int, default=392)
    parser.add_argument("--values", type=int, default=40, help="distinct expected values")
    args = parser.parse_args()
    import trade.verify  # noqa: F401  (its imports take a second or more: not part of either way)
    rng = np.random.default_rng(0)
    blocks = [rng.random((min(BATCH, args.positions - start), args.width))
              for start in range(0, args.positions, BATCH)]
    expected = rng.integers(0, args.values, args.positions).astype(float)
    rows = []
    for name, way in (("joined, sorted, np.unique over rows (before)", _before),
                      ("per batch, one integer key (now)", _after)):
        start = time.perf_counter()
        found = way(blocks, expected)
        rows.append((name, time.perf_counter() - start, found))
    (_, before, first), (_, after, second) = rows
    assert all(np.array_equal(a, b) for a, b in zip(first, second)), "the two ways read different outputs"
    print("| positions | block | way | s | ratio |\n|---|---|---|---|---|")
    for name, seconds, _ in rows:
        print(f"| {args.positions:,} | {args.width} | {name} | {seconds:.2f} | {before / seconds:.1f}x |")


if __name__ == "__main__":
    main()
