"""Decompiling rotated, mixed, noisy and compressed models (`trade.transform`, `trade.basis`).

For N test programs (and/or the `examples/` suite), each compiled model is
decompiled as compiled (with and without its residual names) and after each
transformation asked for, with default settings and the shipped checkpoint.
Per version it prints the verdicts, the share whose result is truly
functionally equivalent to the original program (checked by interpreting both
on every input), wrong verdicts (`exact` or `equivalent` on a program that is
not), exact code, and the median seconds per model, with the ratio against
the untransformed model without names. `--decoder-alone` also runs greedy
decoding with the grammar on the given weights (no basis recovery, no search),
with the paper's metrics; `--decoder-only` runs only that, and `--checkpoint`
evaluates another checkpoint than the shipped one. Run:

    python benchmarks/transformed_models.py --data data/test-seed1 --n 200 --workers 2 \\
        --kinds rotate,mix,noise --noise 1e-5 --decoder-alone
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from trade.transform import NOISE_GRID, largest_noise  # noqa: F401 (transformed_suites.py imports them here)

_DECOMPILER = None


def _start(checkpoint: str | None = None) -> None:
    global _DECOMPILER
    import torch

    from trade.decompile import load_decompiler

    torch.set_num_threads(1)
    _DECOMPILER = load_decompiler(checkpoint)


def _versions(program, index: int, kinds: list[str], noise: float, compress: list[float],
              cache: str | None = None, config=None):
    from trade import transform
    from trade.compiling import compile_program
    from trade.weights import weights_of

    named = weights_of(compile_program(program, config))
    plain = dataclasses.replace(named, residual_labels=None)
    versions = {"compiled, with names": named, "compiled, no names": plain}
    for kind in kinds:
        if kind == "noise":
            versions[f"noise {noise:g}"] = transform.add_noise(plain, noise, index)
        elif kind == "noise-max":
            scale = largest_noise(plain, index)
            versions["noise, largest S keeping outputs"] = transform.add_noise(plain, scale, index)
            versions["noise, largest S keeping outputs"].transform[-1]["largest"] = True
            versions["noise, 3x beyond it"] = transform.add_noise(plain, scale * 3, index)
        elif kind in ("rotate-noise-max", "mix-noise-max"):  # noise at the limit on a changed basis
            base = transform.transformed(plain, kind.split("-")[0], index)
            versions[kind] = transform.add_noise(base, largest_noise(base, index), index)
            versions[kind].transform[-1]["largest"] = True
        elif kind == "compress":
            for amount in compress:
                versions[f"compress {amount:g}"] = transform.compress_cached(plain, amount, index, cache)
        else:
            versions[kind] = transform.transformed(plain, kind, index)
    return plain, versions


def largest_noise_every_input(weights, seed: int) -> float:
    """The rule without the prefilter or the refinement: the largest S of NOISE_GRID such that this S and
    every smaller one keep every output on `checked_inputs` (each S run on all of them). Kept to compare
    `trade.transform.largest_noise` against."""
    from trade import transform

    best = NOISE_GRID[0]
    for scale in NOISE_GRID:
        if not transform.same_outputs(weights, transform.add_noise(weights, scale, seed)):
            break
        best = scale
    return best


def _greedy(weights, program, space) -> tuple[bool, bool, bool]:
    """The decoder alone (greedy, grammar mask) on the given weights: exact, compilable, equivalent."""
    from decoder_alone import judged

    from trade.decoding import DecodingOptions, greedy, weight_tokens
    from trade.evaluate import program_outputs

    net, tokenizer = _DECOMPILER.model, _DECOMPILER.tokenizer
    tokens = weight_tokens(net, [weights], tokenizer)[0]
    ids = greedy(net, [tokens], DecodingOptions(beam_size=1, grammar=True))[0].ids
    return judged(ids, program, program_outputs(program, space), weights.compile_config, space)


def transform_same_outputs(original, changed) -> bool:
    from trade import transform

    return transform.same_outputs(original, changed)


def run_one(job: tuple) -> dict:
    from trade.compiled import CompileConfig
    from trade.compiling import clear_compile_cache
    from trade.decompile import decompile
    from trade.evaluate import InputSpace, program_outputs, same_function
    from trade.program.interpret import all_inputs
    from trade.program.program import canonicalize
    from trade.program.text import parse_program

    index, text, kinds, noise, compress, decoder_alone, pipeline, cache, config = job
    program = canonicalize(parse_program(text))
    config = config or CompileConfig()  # the dataset's vocabulary and length, or the generator's default
    space = InputSpace(all_inputs(config.vocab, config.max_seq_len), "exhaustive")
    truth = program_outputs(program, space)
    plain, versions = _versions(program, index, kinds, noise, compress, cache, config)
    out = {}
    for name, weights in versions.items():
        row = {}
        if weights.transform and weights.transform[-1]["kind"] == "compress":
            row["output_agreement"] = weights.transform[-1]["output_agreement"]
        if not pipeline:  # --decoder-only: the paper's metrics for the decoder alone, nothing else
            if name != "compiled, with names":
                out[name] = {**row, "greedy": _greedy(weights, program, space)}
            continue
        if weights.transform and weights.transform[-1]["kind"] == "noise":
            row["noise"] = weights.transform[-1]["scale"]
            row["outputs_kept"] = transform_same_outputs(plain, weights)
        clear_compile_cache()  # each version from a cold start: they read the same program
        began = time.perf_counter()
        result = decompile(weights, _DECOMPILER)
        row["seconds"] = time.perf_counter() - began
        row["verdict"] = result.verdict
        row["stage"], row["reason"] = result.stage, result.reason
        row["timings"] = {key: round(value, 3) for key, value in result.timings.items()}
        row["equivalent"] = bool(len(result.program.lines)) and same_function(
            truth, program_outputs(result.program, space))
        row["exact_code"] = result.program == program
        if decoder_alone and name != "compiled, with names":
            row["greedy"] = _greedy(weights, program, space)
        out[name] = row
    return out


def _table(results: list[dict], decoder_alone: bool, pipeline: bool = True) -> str:
    header = ("| model | `exact` | `equivalent` | truly equivalent | wrong verdicts | exact code | "
              "seconds (median) | vs. no names |")
    lines = [header, "|---|---|---|---|---|---|---|---|"] if pipeline else []
    base = sorted(r["compiled, no names"]["seconds"] for r in results)[len(results) // 2] if pipeline else 1.0
    for name in results[0] if pipeline else ():
        rows = [r[name] for r in results]
        seconds = sorted(row["seconds"] for row in rows)[len(rows) // 2]
        wrong = sum(row["verdict"] in ("exact", "equivalent") and not row["equivalent"] for row in rows)
        lines.append(f"| {name} | {_share(row['verdict'] == 'exact' for row in rows)} | "
                     f"{_share(row['verdict'] == 'equivalent' for row in rows)} | "
                     f"{_share(row['equivalent'] for row in rows)} | {wrong} | "
                     f"{_share(row['exact_code'] for row in rows)} | {seconds:.2f} | {seconds / base:.2f}x |")
    if decoder_alone:
        lines += ["", "The decoder alone (greedy with the grammar mask, on the given weights):", "",
                  "| model | exact | compilable | functionally equivalent |", "|---|---|---|---|"]
        for name in results[0]:
            rows = [r[name]["greedy"] for r in results if "greedy" in r[name]
                    and r[name].get("output_agreement", 1.0) >= 0.99]  # compressed: those that keep 99%
            if rows:
                lines.append(f"| {name} | {_share(g[0] for g in rows)} | {_share(g[1] for g in rows)} | "
                             f"{_share(g[2] for g in rows)} |")
    noisy = [name for name in results[0] if "noise" in results[0][name]]
    for name in noisy:
        scales = sorted(r[name]["noise"] for r in results)
        kept = sum(r[name]["outputs_kept"] for r in results)
        lines.append(f"\n{name}: S from {scales[0]:g} to {scales[-1]:g} (median "
                     f"{scales[len(scales) // 2]:g}); outputs kept in {kept} of {len(results)} models")
    compressed = [name for name in results[0] if "output_agreement" in results[0][name]] if pipeline else []
    for name in compressed:
        agreements = [r[name]["output_agreement"] for r in results]
        good = [r[name] for r in results if r[name]["output_agreement"] >= 0.99]
        lines.append(f"\n{name}: median output agreement {sorted(agreements)[len(agreements) // 2]:.1%}; "
                     f"{len(good)} of {len(results)} models reproduce >= 99% of outputs, of which "
                     f"{sum(g['equivalent'] for g in good)} decompile to an equivalent program")
    return "\n".join(lines)


def _share(flags) -> str:
    flags = list(flags)
    return f"{sum(flags) / len(flags):.1%}" if flags else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/test-seed1")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--programs", help="a directory of .rasp programs instead of --data")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kinds", default="rotate,mix,noise",
                        help="rotate, mix, noise (--noise S), noise-max, compress (--compress), "
                             "rotate-noise-max, mix-noise-max (the largest noise on a changed basis)")
    parser.add_argument("--noise", type=float, default=1e-5)
    parser.add_argument("--compress", default="0.75,0.5", help="compressed sizes, as fractions of d_model")
    parser.add_argument("--decoder-alone", action="store_true")
    parser.add_argument("--decoder-only", action="store_true", help="only the decoder alone, no pipeline")
    parser.add_argument("--checkpoint", help="a checkpoint directory (default: the shipped one)")
    parser.add_argument("--json", help="write every row here")
    parser.add_argument("--cache", metavar="DIR", help="keep the compressed models here and reuse them "
                        "(`trade.transform.compress_cached`; `compressed_models.py --cache` fills it too)")
    args = parser.parse_args()
    kinds = [kind for kind in args.kinds.split(",") if kind]
    compress = [float(x) for x in args.compress.split(",")]
    if args.programs:
        texts = [path.read_text() for path in sorted(Path(args.programs).glob("*.rasp"))]
        configs = [None] * len(texts)
        source = args.programs
    else:
        from trade.dataset.read import iter_examples

        examples = list(itertools.islice(iter_examples(args.data, split="test"), args.n))
        texts = [e.program_text for e in examples]
        configs = [e.weights.compile_config for e in examples]  # its vocabulary and length
        source = args.data
    if args.checkpoint and not (Path(args.checkpoint) / "checkpoint.json").is_file():
        parser.error(f"--checkpoint: {args.checkpoint} has no checkpoint.json")
    decoder_alone = args.decoder_alone or args.decoder_only
    jobs = [(i, text, kinds, args.noise, compress, decoder_alone, not args.decoder_only, args.cache, config)
            for i, (text, config) in enumerate(zip(texts, configs))]
    context = multiprocessing.get_context("spawn")
    began = time.perf_counter()
    with ProcessPoolExecutor(args.workers, mp_context=context, initializer=_start,
                             initargs=(args.checkpoint,)) as pool:
        results = list(pool.map(run_one, jobs, chunksize=2))
    settings = "the decoder alone" if args.decoder_only else "default decompile settings"
    print(f"{len(results)} programs from {source}, {settings}, {args.workers} workers, "
          f"checkpoint {args.checkpoint or 'shipped'}, {time.perf_counter() - began:.0f} s\n")
    print(_table(results, decoder_alone, not args.decoder_only).lstrip("\n"))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
