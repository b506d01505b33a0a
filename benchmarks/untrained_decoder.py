"""How much the trained decoder still matters once the skeleton is read from the weights.

Decompiles the first N test programs with the default settings twice: with the shipped
checkpoint, and with an untrained `tiny` decoder (random weights, seed 0). The skeleton fixes
every line's function and arguments and the filling checks every lambda against its own
weights, so the untrained decoder only orders the search. Prints a table.
Usage: python benchmarks/untrained_decoder.py [--data data/test-seed1] [--n 200] [--workers 2]
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import torch

from trade.checkpoint import save_checkpoint
from trade.dataset.read import iter_examples
from trade.decompile import DEFAULT_CHECKPOINT, load_decompiler
from trade.evaluate_model import REPAIRED, EvaluationJob, evaluate_checkpoint
from trade.model import Decompiler, preset
from test_set_options import parse_test_set_options  # beside this script


def untrained_checkpoint(directory: Path) -> Path:
    torch.manual_seed(0)
    shipped = load_decompiler()
    width = shipped.model.dims.input_width
    save_checkpoint(directory, Decompiler(preset("tiny", input_width=width)), tokenizer=shipped.tokenizer)
    return directory


def main() -> None:
    args = parse_test_set_options(__doc__.splitlines()[0])
    examples = list(itertools.islice(iter_examples(args.data, split="test"), args.n))
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        untrained = untrained_checkpoint(Path(scratch) / "untrained")
        for name, directory in (("shipped (checkpoints/medium)", DEFAULT_CHECKPOINT),
                                ("untrained tiny, seed 0", untrained)):
            job = EvaluationJob(modes=(REPAIRED,), workers=args.workers, checkpoint_dir=str(directory))
            report = evaluate_checkpoint(load_decompiler(directory), examples, Path(scratch) / "report", job,
                                         progress=False)
            programs = [p for p in report["programs"] if p["mode"] == REPAIRED]
            rows.append((name, programs, report["extra"]["seconds_per_program"][REPAIRED]))
    print(f"{len(examples)} programs from {args.data}, default decompile settings, {args.workers} workers")
    print("| decoder | exact | equivalent | exact code | seconds per program |")
    print("|---|---|---|---|---|")
    for name, programs, seconds in rows:
        count = len(programs)
        print(f"| {name} | {sum(p['verdict'] == 'exact' for p in programs) / count:.1%} | "
              f"{sum(p['verdict'] == 'equivalent' for p in programs) / count:.1%} | "
              f"{sum(p['sequence_equal'] for p in programs) / count:.1%} | {seconds:.2f} |")
    (_, trained, _), (_, untrained, _) = rows
    only_trained = sum(a["sequence_equal"] and not b["sequence_equal"] for a, b in zip(trained, untrained))
    only_untrained = sum(b["sequence_equal"] and not a["sequence_equal"] for a, b in zip(trained, untrained))
    print(f"original code from only one of them: shipped {only_trained}, untrained {only_untrained}")


if __name__ == "__main__":
    main()
