"""Does training with the grammar mask help? Two identical short runs, with and without it.

Both runs share seed, data order, model and schedule; only `grammar_mask` differs. Both are
then scored the same way on the same validation programs: teacher-forced token accuracy
and exact match, decoded with and without the mask. Prints a table.
Usage: python benchmarks/grammar_mask_ablation.py --data data/gen100k --steps 600
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np

from trade.checkpoint import load_checkpoint
from trade.dataset.read import iter_examples
from trade.decoding import teacher_forced, weight_tokens
from trade.train import TrainConfig, train


def score(checkpoint_dir: Path, examples, grammar: bool) -> tuple[float, float]:
    checkpoint = load_checkpoint(checkpoint_dir)
    net = checkpoint.model.eval()
    correct = total = exact = 0
    for start in range(0, len(examples), 64):
        chunk = examples[start:start + 64]
        tokens = weight_tokens(net, [e.weights for e in chunk], checkpoint.tokenizer)
        truths = [e.program_ids for e in chunk]
        for truth, predicted in zip(truths, teacher_forced(net, tokens, truths, grammar=grammar)):
            hits = np.asarray(predicted[1:]) == truth[1:]
            correct += int(hits.sum())
            total += hits.size
            exact += bool(hits.all())
    return correct / total, exact / len(examples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/gen100k")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--preset", default="small")
    parser.add_argument("--out", default="runs/grammar-ablation")
    parser.add_argument("--val", type=int, default=512)
    args = parser.parse_args()
    examples = list(itertools.islice(iter_examples(args.data, split="validation"), args.val))
    rows = []
    for masked in (False, True):
        out = Path(args.out) / ("masked" if masked else "plain")
        began = time.perf_counter()
        train(TrainConfig(data=args.data, out=str(out), preset=args.preset, steps=args.steps,
                          warmup_steps=min(200, args.steps // 5), eval_every=args.steps, grammar_mask=masked,
                          val_examples=64, progress=False, seed=0, threads=1))
        seconds = time.perf_counter() - began
        rows.append((masked, seconds, score(out / "last", examples, False), score(out / "last", examples, True)))
    print(f"{args.preset} preset, {args.steps} steps of 32, seed 0; scored on {len(examples)} validation programs")
    print("| trained with mask | train s | TF token acc (no mask) | TF exact (no mask) "
          "| TF token acc (mask) | TF exact (mask) |")
    print("|---|---|---|---|---|---|")
    for masked, seconds, plain, with_mask in rows:
        print(f"| {'yes' if masked else 'no'} | {seconds:.0f} | {plain[0]:.3f} | {plain[1]:.3f} | "
              f"{with_mask[0]:.3f} | {with_mask[1]:.3f} |")


if __name__ == "__main__":
    main()
