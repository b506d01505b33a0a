"""Compressed models (`trade.transform.compress`) and their structural reading (`trade.compressed.lift`).

For the first N programs of a generated test set, each compiled model (no
residual names) is compressed to K = each fraction of d_model. Per K it prints
the share of models whose compressed version reproduces at least 99% of the
outputs on every input (the issue's population), the seconds per compression,
and for that population: lifted to a one-hot model, read (`read_weights`),
the verdict from running the GIVEN model (`trade.basis.verdict_on_given`), the
share whose reading is truly functionally equivalent (both programs
interpreted on every input) and wrong verdicts (`exact` or `equivalent` on a
program that is not); and what the hook `trade.compressed.fold_fit` confirms
(`exact`: the recorded W, its atoms in the order the reading's names give the
stream, folds the recompiled reading onto the given weights and the given
model shows its outputs on every input; `verdict_on_given` uses it). `--cache DIR` keeps the compressed models and reuses
them (their records keep the compression's seconds). `--baseline M` also runs, on the first M programs at the
first K, the compression this one replaced (Adam on every layer's stream, 400
steps, 200 inputs per length) in the same process, for the ratio. `--mixed M`
tries the lift on M mixed models (no compress record). Run:

    python benchmarks/compressed_models.py --data data/test-seed1 --n 100 --fractions 0.75,0.5 \\
        --workers 2 --baseline 5 --mixed 10 --json rows.json [--cache DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np


def _setup() -> None:
    import torch

    torch.set_num_threads(1)


def _program_and_weights(text: str):
    from trade.compiling import compile_program
    from trade.program.program import canonicalize
    from trade.program.text import parse_program
    from trade.weights import weights_of

    program = canonicalize(parse_program(text))
    return program, dataclasses.replace(weights_of(compile_program(program)), residual_labels=None)


def run_one(job: tuple) -> list[dict]:
    """Compress one program's model at each fraction; lift, read and judge those that keep 99%."""
    from trade import basis, compressed, transform
    from trade.decompile import read_weights
    from trade.evaluate import InputSpace, program_outputs, same_function
    from trade.program.interpret import all_inputs

    index, text, fractions, cache = job
    _setup()
    program, plain = _program_and_weights(text)
    config = plain.compile_config
    space = InputSpace(all_inputs(config.vocab, config.max_seq_len), "exhaustive")
    truth = program_outputs(program, space)
    rows = []
    for fraction in fractions:
        given = transform.compress_cached(plain, fraction, index, cache)
        record = given.transform[-1]
        row = {"index": index, "fraction": fraction, "d_model": plain.d_model, "size": record["size"],
               "loss": record["loss"], "output_agreement": record["output_agreement"],
               "compress_seconds": record["seconds"]}
        rows.append(row)
        if record["output_agreement"] < 0.99:
            continue
        began = time.perf_counter()
        try:
            lifted = compressed.lift(given)
        except basis.BasisError as error:
            row.update(stage="lift", verdict="unverified", reason=str(error), equivalent=False,
                       lift_seconds=time.perf_counter() - began)
            continue
        row["lift_seconds"] = time.perf_counter() - began
        read = read_weights(lifted)
        if not len(read.program.lines):
            row.update(stage="read", verdict="unverified", reason=read.reason, equivalent=False)
            continue
        verdict, reason = basis.verdict_on_given(read.program, given, basis.given_reference(given, lifted))
        row.update(stage="verdict", verdict=verdict, reason=reason,
                   equivalent=same_function(truth, program_outputs(read.program, space)),
                   seconds=time.perf_counter() - began, folds=_folds_and_shows(read.program, given))
    return rows


def _folds_and_shows(program, given) -> bool:
    """Whether the reading would be `exact` through the hook `trade.compressed.fold_fit` proposes: its
    recompiled weights, folded by the recorded W, are the given ones (within 1e-3 of each matrix's
    largest entry), and the given model shows the recompiled model's outputs on every input."""
    from trade import compressed, transform
    from trade.compiling import CompileError, compile_program
    from trade.weights import weights_of

    try:
        compiled = weights_of(compile_program(program, given.compile_config, timeout=5.0))
    except CompileError:
        return False
    if compressed.fold_fit(compiled, given)[0] is not None:
        return False
    differ, _ = transform.differing_outputs(given, transform.model_outputs(given),
                                            transform.model_outputs(compiled))
    return differ == 0


def stream_compression(weights, size: int, seed: int, steps: int = 400, per_length: int = 200):
    """The compression this module's measurements replaced: W from a random start, Adam (lr 2e-2) on
    the squared error of every layer's stream read back (not of what layers read), 200 inputs per
    length. Returns (output agreement, seconds)."""
    import torch

    from trade import transform
    from trade.program.interpret import all_inputs
    from trade.verify import _token_ids

    began = time.perf_counter()
    config = weights.compile_config
    rng = np.random.default_rng(seed)
    batches = [torch.as_tensor(_token_ids(weights, batch if len(batch) <= per_length else
                                          batch[rng.choice(len(batch), per_length, replace=False)]))
               for batch in all_inputs(config.vocab, config.max_seq_len)]
    params = {name: torch.as_tensor(np.asarray(value, dtype=np.float64))
              for name, value in weights.params.items()}
    with torch.no_grad():
        targets = [transform._torch_forward(params, ids, weights.num_heads) for ids in batches]
    count = sum(ids.numel() for ids in batches) * len(targets[0])
    scale = float(sum((t ** 2).sum() for streams in targets for t in streams)) / count
    generator = torch.Generator().manual_seed(seed)
    w = (torch.randn(size, weights.d_model, generator=generator, dtype=torch.float64)
         / weights.d_model ** 0.5).requires_grad_(True)
    optimizer = torch.optim.Adam([w], lr=2e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = sum(((s - t) ** 2).sum() for ids, streams in zip(batches, targets)
                   for s, t in zip(transform._torch_forward(params, ids, weights.num_heads, w), streams))
        (loss / (count * scale)).backward()
        optimizer.step()
    agreement = transform.output_agreement(weights, transform.fold_compression(weights, w.detach().numpy()))
    return agreement, time.perf_counter() - began


def _share(count: int, total: int) -> str:
    return f"{count}/{total} ({100 * count / max(total, 1):.0f}%)"


def _table(rows: list[dict], fractions: list[float]) -> str:
    lines = [("| K | models | reach >= 99% | compress s (median / p90 / max) | lifted | read | `exact` | "
              "`equivalent` | truly equivalent | wrong verdicts | lift + read + verdict s (median) | "
              "hook: `exact` (W folds) | hook: confirmed | hook: wrong |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for fraction in fractions:
        mine = [r for r in rows if r["fraction"] == fraction]
        kept = [r for r in mine if r["output_agreement"] >= 0.99]
        seconds = np.array([r["compress_seconds"] for r in mine])
        lifted = [r for r in kept if r.get("stage") != "lift"]
        read = [r for r in lifted if r.get("stage") == "verdict"]
        exact = sum(r["verdict"] == "exact" for r in kept)
        equivalent = sum(r["verdict"] == "equivalent" for r in kept)
        truly = sum(bool(r.get("equivalent")) for r in kept)
        wrong = sum(r["verdict"] in ("exact", "equivalent") and not r["equivalent"] for r in kept)
        hooked = [r for r in kept if r["verdict"] in ("exact", "equivalent") or r.get("folds")]
        hook_exact = sum(bool(r.get("folds")) for r in kept)
        hook_wrong = sum(not r["equivalent"] for r in hooked)
        later = [r["seconds"] for r in read]
        lines.append(f"| {fraction:g} d_model | {len(mine)} | {_share(len(kept), len(mine))} | "
                     f"{np.median(seconds):.1f} / {np.percentile(seconds, 90):.1f} / {seconds.max():.1f} | "
                     f"{_share(len(lifted), len(kept))} | {_share(len(read), len(kept))} | "
                     f"{_share(exact, len(kept))} | {_share(equivalent, len(kept))} | "
                     f"{_share(truly, len(kept))} | {wrong} | "
                     f"{np.median(later) if later else float('nan'):.1f} | {_share(hook_exact, len(kept))} | "
                     f"{_share(len(hooked), len(kept))} | {hook_wrong} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/test-seed1")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--start", type=int, default=0,
                        help="skip this many programs first (a fresh sample: programs 0-99 were studied)")
    parser.add_argument("--fractions", default="0.75,0.5")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--baseline", type=int, default=0, metavar="M")
    parser.add_argument("--mixed", type=int, default=0, metavar="M")
    parser.add_argument("--json", default=None)
    parser.add_argument("--cache", default=None, metavar="DIR",
                        help="keep the compressed models here and reuse them "
                             "(the compression is the slow part)")
    args = parser.parse_args()
    from trade.dataset.read import iter_examples

    fractions = [float(f) for f in args.fractions.split(",")]
    texts = [e.program_text for e in itertools.islice(iter_examples(args.data, split="test"), args.start,
                                                       args.start + args.n)]
    jobs = [(args.start + i, text, fractions, args.cache) for i, text in enumerate(texts)]
    began = time.perf_counter()
    rows: list[dict] = []
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            for result in pool.map(run_one, jobs):
                rows.extend(result)
    else:
        for job in jobs:
            rows.extend(run_one(job))
    print(f"{len(texts)} programs from {args.data}, {time.perf_counter() - began:.0f} s with {args.workers} "
          "worker(s)\n")
    print(_table(rows, fractions))
    failures: dict[str, int] = {}
    for row in rows:
        if row["output_agreement"] >= 0.99 and row["verdict"] == "unverified":
            key = f"{row['fraction']:g}: {row['stage']}: {row['reason'][:90]}"
            failures[key] = failures.get(key, 0) + 1
    print("\nNot confirmed (K: stage: reason):")
    for key, count in sorted(failures.items(), key=lambda item: -item[1]):
        print(f"  {count:3d}  {key}")
    if args.baseline:
        _setup()
        from trade import transform

        print(f"\nBaseline on the first {args.baseline} programs at K = {fractions[0]:g} d_model, "
              "same process:")
        print("| compression | reach >= 99% | mean agreement | seconds (median) | ratio |\n"
              "|---|---|---|---|---|")
        old, new = [], []
        for index, text in enumerate(texts[:args.baseline]):
            _, plain = _program_and_weights(text)
            size = max(round(fractions[0] * plain.d_model), 1)
            old.append(stream_compression(plain, size, index))
            began = time.perf_counter()
            record = transform.compress(plain, size, index).transform[-1]
            new.append((record["output_agreement"], time.perf_counter() - began))
        base = float(np.median([s for _, s in old]))
        for name, results in (("stream loss, random start (before)", old),
                              ("read loss, PCA start (now)", new)):
            agreements = np.array([a for a, _ in results])
            median = float(np.median([s for _, s in results]))
            print(f"| {name} | {_share(int((agreements >= 0.99).sum()), len(results))} | "
                  f"{agreements.mean():.3f} | {median:.1f} | {median / base:.2f}x |")
    if args.mixed:
        from trade import basis, compressed, transform

        refused = 0
        for index, text in enumerate(texts[:args.mixed]):
            _, plain = _program_and_weights(text)
            try:
                compressed.lift(transform.mix(plain, index))
            except basis.BasisError as error:
                refused += 1
                reason = str(error)
        print(f"\nlift on {args.mixed} mixed models: {refused} refused with BasisError"
              + (f" ('{reason}')" if refused else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
