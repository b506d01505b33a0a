"""How fast `trade decompile` refuses a bad file, and how fast `--help` answers, as whole processes.

Each command runs REPEATS times in a fresh Python process; the table gives the median wall time and peak
memory (RSS of the child, from `os.wait4`), against `python -c pass` and `python -c "import torch"` run the
same way in the same session: the first is the floor, the second what every error cost when torch was
imported before the file was opened. The bad files: missing, empty and non-zip ones (refused before NumPy
loads), and zips that open and are then refused as not Tracr-shaped (a compiled reverse model's arrays with
an unexpected key, with every layer zeroed, and with a `trade/config` claiming a 5,000-token vocabulary).
The bars (issue 17): an error under 0.3 s, `--help` under 0.5 s. Run:

    python benchmarks/input_errors.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REVERSE = ROOT / "examples" / "reverse.rasp"
ERROR_BAR_S, HELP_BAR_S = 0.3, 0.5


def timed(command: list[str], repeats: int) -> tuple[float, float, int]:
    """Median seconds, peak RSS in MB of this command's own runs (`os.wait4`), exit status."""
    seconds, peak, status = [], 0.0, 0
    for _ in range(repeats):
        began = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)})
        _, wait_status, usage = os.wait4(child.pid, 0)
        seconds.append(time.perf_counter() - began)
        child.returncode = status = os.waitstatus_to_exitcode(wait_status)
        peak = max(peak, usage.ru_maxrss / 1024)
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
    subprocess.run(trade + ["compile", str(REVERSE), "-o", str(folder / "reverse.npz")], check=True,
                   capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    with np.load(folder / "reverse.npz", allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    config = json.loads(str(arrays["trade/config"]))
    config["compile"]["vocab"] = list(range(5000))
    np.savez(folder / "unknown.npz", **arrays, **{"transformer/extra": np.zeros(1)})
    np.savez(folder / "zero_layers.npz", **{name: np.zeros_like(value) if name.startswith("transformer/")
                                            else value for name, value in arrays.items()})
    np.savez(folder / "vocab5000.npz", **{**arrays, "trade/config": np.array(json.dumps(config))})
    commands = [
        ("python -c pass (floor)", [sys.executable, "-c", "pass"], None),
        ("trade decompile --help", trade + ["decompile", "--help"], HELP_BAR_S),
        ("missing file", trade + ["decompile", str(folder / "missing.npz")], ERROR_BAR_S),
        ("empty file", trade + ["decompile", str(folder / "empty.npz")], ERROR_BAR_S),
        ("not a zip", trade + ["decompile", str(folder / "text.npz")], ERROR_BAR_S),
        ("plain file without layers", trade + ["decompile", str(folder / "zeros.npz")], ERROR_BAR_S),
        ("Tracr-shaped zip, unexpected key", trade + ["decompile", str(folder / "unknown.npz")], ERROR_BAR_S),
        ("Tracr-shaped zip, every layer zero", trade + ["decompile", str(folder / "zero_layers.npz")],
         ERROR_BAR_S),
        ("Tracr-shaped zip, config claims 5,000 tokens", trade + ["decompile", str(folder / "vocab5000.npz")],
         ERROR_BAR_S),
        ("python -c 'import torch' (before)", [sys.executable, "-c", "import torch"], None),
    ]
    rows = [(name, *timed(command, args.repeats), bar) for name, command, bar in commands]
    floor, torch_import = rows[0][1], rows[-1][1]
    print("| command | median seconds | bar | ratio to `python -c pass` | ratio to `import torch` "
          "| peak MB | exit |")
    print("|---|---|---|---|---|---|---|")
    for name, seconds, peak, status, bar in rows:
        within = "" if bar is None else f"{'under' if seconds < bar else 'OVER'} {bar:g} s"
        print(f"| {name} | {seconds:.3f} | {within} | {seconds / floor:.1f}x | {seconds / torch_import:.2f}x "
              f"| {peak:.0f} | {status} |")


if __name__ == "__main__":
    main()
