"""The options of the benchmarks that decompile the first N programs of a test set."""

from __future__ import annotations

import argparse


def parse_test_set_options(description: str) -> argparse.Namespace:
    """`--data` (a dataset with a test split), `--n` programs, `--workers` processes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", default="data/test-seed1")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    return parser.parse_args()
