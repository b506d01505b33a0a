"""How fast `trade decompile` refuses a bad file, and how fast `--help` answers, as whole processes.

Each command runs REPEATS times in a fresh Python process; the table gives the median wall time and peak
memory (RSS of the child, from getrusage), against `python -c pass` and `python -c "import torch"` run the
same way in the same session: the first is the floor, the second what every error cost when torch was
imported before the file was opened. Run:

    python benchmarks/input_errors.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], repeats: int) -> tuple[float, float, int]:
    """Median seconds, peak RSS in MB (largest child so far, so runs go smallest first), exit status."""
    seconds = []
    status = 0
    for _ in range(repeats):
        began = time.perf_counter()
        result = subprocess.run(command, capture_output=True, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        seconds.append(time.perf_counter() - began)
        status = result.returncode
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return statistics.median(seconds), peak, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    (folder / "empty.npz").write_bytes(b"")
    (folder / "text.npz").write_text("not a zip\n")
    np.savez(folder / "zeros.npz", **{"token_embed/embeddings": np.zeros((7, 4)),
                                      "pos_embed/embeddings": np.zeros((6, 4))})
    trade = [sys.executable, "-m", "trade.cli"]
    commands = [
        ("python -c pass (floor)", [sys.executable, "-c", "pass"]),
        ("trade decompile --help", trade + ["decompile", "--help"]),
        ("missing file", trade + ["decompile", str(folder / "missing.npz")]),
        ("empty file", trade + ["decompile", str(folder / "empty.npz")]),
        ("not a zip", trade + ["decompile", str(folder / "text.npz")]),
        ("plain file without layers", trade + ["decompile", str(folder / "zeros.npz")]),
        ("python -c 'import torch' (before)", [sys.executable, "-c", "import torch"]),
    ]
    rows = [(name, *timed(command, args.repeats)) for name, command in commands]
    floor, torch_import = rows[0][1], rows[-1][1]
    print("| command | median seconds | ratio to `python -c pass` | ratio to `import torch` "
          "| peak MB so far | exit |")
    print("|---|---|---|---|---|---|")
    for name, seconds, peak, status in rows:
        print(f"| {name} | {seconds:.3f} | {seconds / floor:.1f}x | {seconds / torch_import:.2f}x "
              f"| {peak:.0f} | {status} |")


if __name__ == "__main__":
    main()
