"""How much memory lifting a compressed model takes, its states run in chunks or in whole batches.

The second lift of a compressed model (`compressed.lift(..., rare=True)`) runs the given model on every
input up to 30,000 and keeps each sublayer's distinct states (`_lifted_states`). It now runs them
`STATE_CHUNK` inputs at a time, keeps each state once by a hash as it comes, and frees the first pass's
states before the second. This lifts each model twice, each in a fresh process (its peak resident memory
is its own): as `trade.compressed` stands, and with `STATE_CHUNK` so large that each input length runs as
one batch (the run before chunks). Both must give the same lifted model. Programs are compressed by the W
kept in `tests/data/` (as `lift_speed.py`). Measured (stop 45, beside other work): chunks lower the peak
of estuary `ledger_running_balance` (1.53 against 2.46 GB) and raise fjord `long_tennis_game_score`'s
(7.54 against 6.37 GB); the freed first pass and the hashed states took that model from 13.9 GB to
under 8.5 in a whole decompile.

    python benchmarks/lift_memory.py
    python benchmarks/lift_memory.py --programs estuary/ledger_running_balance
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

DEFAULT = "fjord/long_tennis_game_score,estuary/ledger_running_balance,kestrel/anbn_recognizer"
WHOLE = 10**9  # a STATE_CHUNK no input length reaches: each length's inputs run as one batch


def _fingerprint(lifted) -> str:
    """A digest of the lifted model's labels and every weight (or of the error's text)."""
    import numpy as np

    if isinstance(lifted, str):
        return hashlib.sha256(lifted.encode()).hexdigest()[:16]
    digest = hashlib.sha256(repr(lifted.residual_labels).encode())
    for name in sorted(lifted.params):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(np.asarray(lifted.params[name], dtype=np.float64)).tobytes())
    return digest.hexdigest()[:16]


def child(program: str, chunk: int) -> None:
    """One lift in this process; prints its seconds, peak resident memory and fingerprint as JSON."""
    from lift_speed import compressed_model

    from trade import compressed

    suite, name = program.split("/")
    given, _ = compressed_model(suite, name)
    compressed.STATE_CHUNK = chunk
    start = time.perf_counter()
    try:
        lifted = compressed.lift(given, rare=True)
    except compressed.BasisError as error:
        lifted = f"BasisError: {error}"
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB (Linux)
    print(json.dumps({"seconds": seconds, "peak_gb": peak, "lifted": _fingerprint(lifted)}))


def measured(program: str, chunk: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", program, "--chunk", str(chunk)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--programs", default=DEFAULT, help="comma-separated suite/name")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--chunk", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.chunk)
        return
    from trade.compressed import STATE_CHUNK

    print(f"| program | whole batches: peak GB / s | chunks of {STATE_CHUNK:,}: peak GB / s | peak ratio | "
          "same lift |")
    print("|---|---|---|---|---|")
    for program in args.programs.split(","):
        whole, chunked = measured(program, WHOLE), measured(program, STATE_CHUNK)
        if "error" in whole or "error" in chunked:
            print(f"| {program} | {whole.get('error', '')} | {chunked.get('error', '')} | - | - |")
            continue
        print(f"| {program} | {whole['peak_gb']:.2f} / {whole['seconds']:.1f} | {chunked['peak_gb']:.2f} / "
              f"{chunked['seconds']:.1f} | {chunked['peak_gb'] / whole['peak_gb']:.2f}x | "
              f"{whole['lifted'] == chunked['lifted']} |", flush=True)


if __name__ == "__main__":
    main()
