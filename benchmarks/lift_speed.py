"""How long lifting a compressed model takes, with and without the memo of its solves (`trade.compressed`).

`compressed.lift` codes every read of the compressed model on the atoms, again in each relabel round and
for each variable rule: the same linear programmes and pseudo-inverses come back many times. Within one
lift they are now solved once (`_memoised`). This times each model's lift both ways in one process, on
suite programs compressed by the W kept in `tests/data/` (`<name>_w.npy`, as the tests fold them; W
learned with seed 0 where none is kept), and checks that both ways give the same lifted model (labels and
every weight) or the same error.

    python benchmarks/lift_speed.py                    # the default programs below
    python benchmarks/lift_speed.py --programs novel/lib_nary_four,kestrel/anbn_recognizer --rare
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT = ("kestrel/causal_cache_hit_rate,handwritten/reverse_words_9,meridian/seven_maps_one_layer,"
           "kestrel/morse_shorter_codes,kestrel/anbn_recognizer,wild/window_mean_selector_not_len15,"
           "estuary/ledger_running_balance,novel/lib_nary_four")


def compressed_model(suite: str, name: str):
    """The suite program's plain model compressed to 0.75 d_model: by the kept W, else learned (seed 0)."""
    from tests.conftest import suite_model
    from trade import transform

    _, _, plain = suite_model(suite, name)
    kept = ROOT / "tests" / "data" / f"{name}_w.npy"
    if kept.exists():
        return transform.compressed_with(plain, np.load(kept, allow_pickle=False)), "kept"
    return transform.compress(plain, round(0.75 * plain.d_model), 0), "learned"


def timed_lift(given, rare: bool, memo: bool):
    """(seconds, the lifted model or the error's text) of one lift, its memo on or off."""
    from trade import compressed

    switch = compressed._memoised
    if not memo:
        compressed._memoised = contextlib.nullcontext
    start = time.perf_counter()
    try:
        result = compressed.lift(given, rare=rare)
    except compressed.BasisError as error:
        result = f"BasisError: {error}"
    finally:
        compressed._memoised = switch
    return time.perf_counter() - start, result


def same_lift(first, second) -> bool:
    if isinstance(first, str) or isinstance(second, str):
        return first == second
    if first.residual_labels != second.residual_labels or first.params.keys() != second.params.keys():
        return False
    pairs = [(first.params[name], value) for name, value in second.params.items()]
    return all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", default=DEFAULT, help="suite/name, comma-separated")
    parser.add_argument("--rare", action="store_true", help="the second lift (states of rare inputs too)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    rows, total = [], [0.0, 0.0]
    for item in args.programs.split(","):
        suite, name = item.strip().split("/")
        given, w = compressed_model(suite, name)
        before, old = timed_lift(given, args.rare, memo=False)
        after, new = timed_lift(given, args.rare, memo=True)
        total[0] += before
        total[1] += after
        outcome = "error" if isinstance(new, str) else "lifted"
        rows.append(f"| {suite}/{name} | {given.d_model} | {w} | {outcome} | {before:.1f} | {after:.1f} | "
                    f"{before / after:.2f}x | {'yes' if same_lift(old, new) else '**no**'} |")
        print(rows[-1], flush=True)
    print(f"\nlift{' (rare)' if args.rare else ''}, one thread, no memo (baseline) against the memo\n")
    print("| program | K | W | outcome | no memo s | memo s | speed-up | same lift |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"| all | | | | {total[0]:.1f} | {total[1]:.1f} | {total[0] / total[1]:.2f}x | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
