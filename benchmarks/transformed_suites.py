"""Decompiling rotated, mixed, noisy and compressed versions of the hand-written suites' models (issue 18).

Every program of the suites (default: examples/tracr_lib and examples/handwritten) is compiled with
Tracr's own `compile_rasp_to_model`, its residual labels are dropped, and for each kind asked for it is
transformed with `trade.transform.transformed` (rotate, mix) or given noise at the largest S that keeps
every output (`noise-max`: `largest_noise` of benchmarks/transformed_models.py, the generated-set
benchmark's own rule: a seeded sample of 2,000 inputs prefilters the grid, and the S it keeps is checked
on all of `trade.transform.checked_inputs`, stepping down where it fails; over 100,000 inputs those are
`trade.verify`'s seeded sample of 5,000, so there the S keeps every output on that sample only, and the
row says so: `noise_every_input`). Each variant is decompiled with `trade.decompile.decompile` (no
checkpoint is loaded up front: one is loaded only where a reading is not confirmed) and the returned
program is checked against the original with `trade.suites.functionally_equivalent` on `check_inputs`. A
wrong verdict is `exact` or `equivalent` on a program that is not equivalent: the worst bug.

`compress-0.75` and `compress-0.5` compress the stream to K = that fraction of d_model
(`trade.transform.compress_cached`; `--cache DIR` keeps each program's in DIR/<suite>/<program>/, since
the cache names its files by seed and fraction only) and record the compressed model's
`output_agreement` (from its transform record) and the compression's seconds. Their table counts the
issue's population (agreement >= 99%) apart from the rest; a model not confirmed gets the lift's own
diagnosis (`lift`: the lift's error, the reader's reason, or the verdict of the lift's reading).

`none` decompiles the compiled model as it is (residual names dropped): with it, a second table gives each
kind's seconds against the untransformed model's, program by program (the latency bar of issue 18). Each
kind is decompiled from a cold compile cache.

One table per kind; a model that raises, runs out of memory or passes the per-model timeout is listed
as an error and the run goes on. Run:

    python benchmarks/transformed_suites.py --kinds rotate,mix,noise-max --workers 1 --json rows.json
    python benchmarks/transformed_suites.py --suites examples/tracr_lib,examples/handwritten,examples/fresh,\
examples/novel --kinds none,rotate,mix --workers 1 --json rows-latency.json
    python benchmarks/transformed_suites.py --kinds compress-0.75,compress-0.5 --workers 1 \
        --cache /tmp/suite-compress-cache --json rows-compress.json

`--compare-noise-search` runs nothing else: per program (`--only`), `largest_noise` against the rule
without prefilter (every S on every checked input) or, with `--noise-baseline whole-runs`, against the
same search with checks that run all inputs of a length before comparing (as until stop 49), the S of
each and the seconds, with the ratio.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import signal
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path

SUITES = ("examples/tracr_lib", "examples/handwritten")
KINDS = ("none", "rotate", "mix", "noise-max", "compress-0.75", "compress-0.5")  # none: as compiled, no names
POPULATION = 0.99  # compressed models reproducing at least this share of outputs: the population

_CACHE: dict = {}  # per worker: suite programs and compiled plain weights


class ModelTimeout(Exception):
    """The per-model timeout passed."""


def _alarm(signum, frame):
    raise ModelTimeout()


def _start(memory_gb: float) -> None:
    """Worker set-up: one thread, and an address-space limit so a runaway model fails alone."""
    import resource

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    if memory_gb > 0:
        limit = int(memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.path.insert(0, str(Path(__file__).resolve().parent))


def _entry(suite: str, name: str):
    from trade.suites import load_suite

    if suite not in _CACHE:
        _CACHE[suite] = {entry.name: entry for entry in load_suite(suite)}
    return _CACHE[suite][name]


def _plain(suite: str, name: str):
    """The program's Tracr expression and its compiled weights without residual labels (cached)."""
    import dataclasses

    from tracr.compiler import compiling

    from trade.decompile import weights_from

    key = (suite, name)
    if key not in _CACHE:
        entry = _entry(suite, name)
        config = entry.config
        original = entry.build()
        model = compiling.compile_rasp_to_model(original, vocab=set(config.vocab),
                                                max_seq_len=config.max_seq_len,
                                                compiler_bos=config.compiler_bos,
                                                compiler_pad=config.compiler_pad, causal=config.causal)
        _CACHE[key] = (original, dataclasses.replace(weights_from(model), residual_labels=None))
    return _CACHE[key]


def _variant(plain, kind: str, seed: int, row: dict, cache: str | None = None):
    from trade import transform

    if kind.startswith("compress-"):
        # `compress_cached` keys its files by seed and fraction only: one folder per program
        folder = str(Path(cache) / row["suite"] / row["name"]) if cache else None
        began = time.perf_counter()
        fraction = float(kind.removeprefix("compress-"))
        given = transform.compress_cached(plain, fraction, seed, folder)
        record = given.transform[-1]
        row["size"], row["loss"] = record["size"], record["loss"]
        row["output_agreement"], row["compress_seconds"] = record["output_agreement"], record["seconds"]
        row["compress_load_seconds"] = round(time.perf_counter() - began, 2)  # compressing, or reading back
        return given
    if kind == "none":  # the untransformed model (residual names dropped): the latency baseline
        return plain
    if kind != "noise-max":
        return transform.transformed(plain, kind, seed)
    from transformed_models import largest_noise

    began = time.perf_counter()
    scale = largest_noise(plain, seed)
    row["noise"], row["noise_search_seconds"] = scale, round(time.perf_counter() - began, 2)
    row["noise_every_input"] = transform.checks_every_input(plain)  # else S holds on a 5,000 sample
    return transform.add_noise(plain, scale, seed)


def run_one(job: tuple) -> dict:
    """One (program, kind): transform, decompile, check. Never raises: failures become the row's error."""
    from trade.program.interpret import input_space_size
    from trade.program.text import program_to_text
    from trade.suites import check_inputs, functionally_equivalent

    suite, name, kind, seed, timeout, cache = job
    entry = _entry(suite, name)
    config = entry.config
    row = {"suite": Path(suite).name, "name": name, "kind": kind, "seed": seed, "vocab": len(config.vocab),
           "max_seq_len": config.max_seq_len, "inputs": input_space_size(len(config.vocab), config.max_seq_len),
           "verdict": "error", "stage": "", "reason": "", "equivalent": None, "inputs_checked": 0,
           "seconds": None, "error": None, "program": ""}
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(max(int(timeout), 1))
    try:
        original, plain = _plain(suite, name)
        row["d_model"] = plain.d_model
        variant = _variant(plain, kind, seed, row, cache)
        from trade.compiling import clear_compile_cache
        from trade.decompile import decompile

        clear_compile_cache()  # each kind from a cold start: they read the same program
        began = time.perf_counter()
        result = decompile(variant)
        row["seconds"] = time.perf_counter() - began
        row["verdict"], row["stage"], row["reason"] = result.verdict, result.stage, result.reason
        row["timings"] = {key: round(value, 3) for key, value in result.timings.items()}
        if len(result.program.lines):
            row["program"] = program_to_text(result.program)
            row["equivalent"], row["inputs_checked"] = functionally_equivalent(
                original, result.program, config, check_inputs(config))
        else:
            row["equivalent"] = False
        if kind.startswith("compress-") and result.verdict not in ("exact", "equivalent"):
            row["lift"] = _lift_diagnosis(variant, original, config)
    except ModelTimeout:
        row["error"] = f"timeout after {timeout:g} s"
    except MemoryError:
        row["error"] = "MemoryError (over the worker's memory limit)"
    except Exception as caught:  # noqa: BLE001 (a crash is a finding: recorded, never aborts the run)
        row["error"] = f"{type(caught).__name__}: {str(caught)[:300]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if row["error"] and row["error"].startswith("ValueError: noise-max skipped"):
        row["verdict"], row["error"] = "skipped", row["error"].removeprefix("ValueError: ")
    return row


def _lift_diagnosis(given, original, config) -> str:
    """Why the lift of a compressed model gave no confirmed reading: the lift's error, the reader's
    reason, or the verdict on the given model and whether that reading is truly equivalent."""
    from trade import basis, compressed
    from trade.decompile import read_weights
    from trade.suites import check_inputs, functionally_equivalent

    try:
        lifted = compressed.lift(given)
    except basis.BasisError as error:
        return f"lift: {error}"
    read = read_weights(lifted)
    if not len(read.program.lines):
        return f"read: {read.reason}"
    verdict, reason = basis.verdict_on_given(read.program, given, basis.given_reference(given, lifted))
    truly, _ = functionally_equivalent(original, read.program, config, check_inputs(config))
    return f"verdict: {verdict} (truly equivalent {truly}): {reason}"


def wrong(row: dict) -> bool:
    return row["verdict"] in ("exact", "equivalent") and row["equivalent"] is False


def _run(jobs: list[tuple], workers: int, memory_gb: float, save: str | None = None) -> list[dict]:
    """Runs the jobs in a pool, printing each row (and saving all so far to `save`); a worker that dies
    is replaced and its job listed as an error."""
    rows: list[dict] = []
    pending = list(jobs)
    context = multiprocessing.get_context("spawn")
    while pending:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                                 initargs=(memory_gb,)) as pool:
            futures = [(job, pool.submit(run_one, job)) for job in pending]
            pending = []
            broken = False
            for job, future in futures:
                if broken:
                    pending.append(job)
                    continue
                try:
                    row = future.result()
                except BrokenProcessPool:  # the worker died (a signal, the OOM killer): this job failed
                    row = {"suite": Path(job[0]).name, "name": job[1], "kind": job[2], "seed": job[3],
                           "verdict": "error", "equivalent": None, "seconds": None, "reason": "",
                           "error": "the worker process died"}
                    broken = True
                rows.append(row)
                print(_line(row), flush=True)
                if save:
                    Path(save).write_text(json.dumps(rows, indent=1))
    return rows


def _line(row: dict) -> str:
    seconds = "-" if row.get("seconds") is None else f"{row['seconds']:.2f}s"
    flag = "  **WRONG**" if wrong(row) else ""
    detail = row["error"] or row.get("reason", "")[:140]
    if row.get("output_agreement") is not None:
        detail = (f"agreement {row['output_agreement']:.4f}, compressed in {row['compress_seconds']:.1f}s; "
                  f"{detail}")
    return f"{row['kind']:9} {row['name']:28} {row['verdict']:10} eq={row['equivalent']!s:5} {seconds:>8}" \
           f"{flag}  {detail}"


def in_population(row: dict) -> bool:
    """Whether a compressed model reproduces at least `POPULATION` of the original's outputs."""
    return row.get("output_agreement") is not None and row["output_agreement"] >= POPULATION


def _seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {max(values):.1f}" if values else "-"


def compress_table(rows: list[dict], kinds: list[str]) -> str:
    """Markdown, per compressed kind: the population (agreement >= 99%) and its verdicts, the rest (below
    99%) with theirs, the models never compressed (errors: timeout, memory), and the seconds."""
    lines = [("| kind | models | population (>= 99% of outputs) | `exact` | `equivalent` | `unverified` | "
              "confirmed | truly equivalent | WRONG verdicts | below 99% (confirmed / truly eq. / WRONG) | "
              "errors (not compressed / after) | compress s (median / max) | decompile s (median / max) |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for kind in kinds:
        these = [r for r in rows if r["kind"] == kind]
        if not these:
            continue
        kept = [r for r in these if in_population(r)]
        rest = [r for r in these if r.get("output_agreement") is not None and not in_population(r)]
        count = collections.Counter(r["verdict"] for r in kept)
        confirmed = count["exact"] + count["equivalent"]
        rest_confirmed = sum(r["verdict"] in ("exact", "equivalent") for r in rest)
        uncompressed = sum(r.get("output_agreement") is None for r in these)
        after = sum(r["verdict"] == "error" and r.get("output_agreement") is not None for r in these)
        compress = [r["compress_seconds"] for r in these if r.get("compress_seconds") is not None]
        decompile = [r["seconds"] for r in these if r.get("seconds") is not None]
        share = f"{100 * confirmed / len(kept):.0f}%" if kept else "-"
        lines.append(f"| {kind} | {len(these)} | {len(kept)} | {count['exact']} | {count['equivalent']} | "
                     f"{count['unverified']} | {confirmed} ({share}) | "
                     f"{sum(r['equivalent'] is True for r in kept)} | {sum(wrong(r) for r in kept)} | "
                     f"{len(rest)} ({rest_confirmed} / {sum(r['equivalent'] is True for r in rest)} / "
                     f"{sum(wrong(r) for r in rest)}) | {uncompressed} / {after} | {_seconds(compress)} | "
                     f"{_seconds(decompile)} |")
    return "\n".join(lines)


def table(rows: list[dict], kinds: list[str]) -> str:
    lines = [("| kind | models | `exact` | `equivalent` | `unverified` | truly equivalent | WRONG verdicts | "
              "errors | skipped | median s | median s (<= 100k inputs) | S on a 5,000 sample |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for kind in kinds:
        these = [r for r in rows if r["kind"] == kind]
        if not these:
            continue
        timed = [r["seconds"] for r in these if r.get("seconds") is not None]
        small = [r["seconds"] for r in these if r.get("seconds") is not None and r.get("inputs", 0) <= 100_000]
        count = collections.Counter(r["verdict"] for r in these)
        sampled = sum(r.get("noise_every_input") is False for r in these)
        lines.append(f"| {kind} | {len(these)} | {count['exact']} | {count['equivalent']} | "
                     f"{count['unverified']} | {sum(r['equivalent'] is True for r in these)} | "
                     f"{sum(wrong(r) for r in these)} | {count['error']} | {count['skipped']} | "
                     f"{statistics.median(timed) if timed else float('nan'):.2f} | "
                     f"{statistics.median(small) if small else float('nan'):.2f} | "
                     f"{sampled if kind == 'noise-max' else '-'} |")
    return "\n".join(lines)


def latency_table(rows: list[dict], kinds: list[str]) -> str:
    """Markdown: per kind, its seconds against the same program untransformed (kind `none`, run in the
    same process): the median of the per-program ratios, the ratio of the medians and the largest."""
    base = {(r["suite"], r["name"]): r["seconds"] for r in rows if r["kind"] == "none" and r.get("seconds")}
    lines = ["| kind | programs | median s | median s, untransformed | ratio of medians | median ratio | "
             "largest ratio |", "|---|---|---|---|---|---|---|"]
    for kind in kinds:
        pairs = [(r["seconds"], base[(r["suite"], r["name"])]) for r in rows if r["kind"] == kind
                 and kind != "none" and r.get("seconds") and (r["suite"], r["name"]) in base]
        if not pairs:
            continue
        ratios = [given / plain for given, plain in pairs]
        mine, theirs = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
        lines.append(f"| {kind} | {len(pairs)} | {mine:.3f} | {theirs:.3f} | {mine / theirs:.2f}x | "
                     f"{statistics.median(ratios):.2f}x | {max(ratios):.1f}x |")
    return "\n".join(lines)


def _tables(rows: list[dict], kinds: list[str]) -> None:
    plain = [kind for kind in kinds if not kind.startswith("compress-")]
    if plain:
        print(table(rows, plain))
    if "none" in kinds and len(kinds) > 1:
        print(latency_table(rows, kinds))
    if len(plain) < len(kinds):
        print(compress_table(rows, [kind for kind in kinds if kind.startswith("compress-")]))


def failures(rows: list[dict]) -> str:
    """Every model not `exact`/`equivalent` or wrongly so, WRONG verdicts first."""
    bad = [r for r in rows if wrong(r)]
    other = [r for r in rows if not wrong(r) and r["verdict"] not in ("exact", "equivalent")]
    out = []
    for r in bad + other:
        tag = "WRONG " if wrong(r) else ""
        if r.get("output_agreement") is not None:
            tag += f"[agreement {r['output_agreement']:.4f}] "
        out.append(f"- {tag}{r['kind']} {r['name']} ({r['suite']}, {r.get('inputs', 0):,} inputs): "
                   f"{r['verdict']}, truly equivalent {r['equivalent']}: {r['error'] or r.get('reason', '')}"
                   + (f" [{r['lift']}]" if r.get("lift") else ""))
    return "\n".join(out)


def per_program(rows: list[dict], kinds: list[str]) -> str:
    """Markdown: one row per program, one column per kind (verdict, whether truly equivalent, seconds)."""
    cells: dict[tuple, dict] = {}
    for r in rows:
        cells.setdefault((r["suite"], r["name"]), {})[r["kind"]] = r
    lines = ["| suite | program | inputs | " + " | ".join(kinds) + " |", "|---|---|---|" + "---|" * len(kinds)]
    for (suite, name), by_kind in cells.items():
        inputs = next(iter(by_kind.values())).get("inputs", 0)
        shown = []
        for kind in kinds:
            r = by_kind.get(kind)
            if r is None:
                shown.append("")
                continue
            truly = {True: "eq", False: "**not eq**", None: "-"}[r["equivalent"]]
            seconds = "" if r.get("seconds") is None else f", {r['seconds']:.1f} s"
            verdict = "**WRONG** " + r["verdict"] if wrong(r) else r["verdict"]
            agreement = "" if r.get("output_agreement") is None else f"{100 * r['output_agreement']:.1f}%: "
            done = r["verdict"] not in ("error", "skipped")
            shown.append(f"{agreement}{verdict} ({truly}{seconds})" if done else
                         f"{agreement}{r['verdict']}: {(r['error'] or '')[:40]}")
        lines.append(f"| {suite} | {name} | {inputs:,} | " + " | ".join(shown) + " |")
    return "\n".join(lines)


WHOLE_RUN = 10 ** 12  # a `largest_noise` chunk no batch reaches: each check runs every input of a length
NOISE_BASELINES = {"every-input": "every S on every input", "whole-runs": "checks on whole runs"}


def compare_noise_search(programs: list[tuple[str, str]], seed: int, baseline: str = "every-input") -> str:
    """Markdown: per program, `largest_noise` against a baseline run here, one after the other: the
    rule with every S on every checked input (`largest_noise_every_input`), or `largest_noise` with each
    check run on all its inputs of a length at once, as until stop 49 (`whole-runs`), where it now stops
    at the first output changed. The S of each, and the seconds."""
    import transformed_models

    from trade.program.interpret import input_space_size
    from trade.transform import checks_every_input

    slow_search = {"every-input": transformed_models.largest_noise_every_input,
                   "whole-runs": partial(transformed_models.largest_noise, chunk=WHOLE_RUN)}[baseline]
    title = NOISE_BASELINES[baseline]
    lines = [f"| program | inputs | d_model | S, {title} | S, largest_noise | same | s, {title} | "
             "s, largest_noise | ratio |", "|---|---|---|---|---|---|---|---|---|"]
    for suite, name in programs:
        _, plain = _plain(suite, name)
        began = time.perf_counter()
        slow = slow_search(plain, seed)
        middle = time.perf_counter()
        fast = transformed_models.largest_noise(plain, seed)
        end = time.perf_counter()
        config = plain.compile_config
        inputs = f"{input_space_size(len(config.vocab), config.max_seq_len):,}"
        inputs += "" if checks_every_input(plain) else " (S on 5,000)"
        lines.append(f"| {name} | {inputs} | {plain.d_model} | {slow:.3g} | {fast:.3g} | {slow == fast} | "
                     f"{middle - began:.2f} | {end - middle:.2f} | "
                     f"{(middle - began) / (end - middle):.1f}x |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--kinds", default="rotate,mix,noise-max")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per model (transform included)")
    parser.add_argument("--memory-gb", type=float, default=12.0,
                        help="address-space limit per worker (0: none); a worker keeps every model it ran")
    parser.add_argument("--only", action="append", default=[], help="program name (repeatable)")
    parser.add_argument("--max-inputs", type=int, default=0, help="skip programs with more inputs (0: none)")
    parser.add_argument("--json", help="write every row here (rewritten after each model)")
    parser.add_argument("--cache", default=None, metavar="DIR",
                        help="compress-*: keep the compressed models in DIR/<suite>/<program>/, reuse them")
    parser.add_argument("--from-json", help="print the tables and failures of rows saved before (comma-separated "
                                                "files), run nothing")
    parser.add_argument("--per-program", action="store_true", help="with --from-json: one row per program")
    parser.add_argument("--compare-noise-search", action="store_true",
                        help="only time largest_noise against a baseline search (use --only)")
    parser.add_argument("--noise-baseline", choices=sorted(NOISE_BASELINES), default="every-input",
                        help="with --compare-noise-search: every S on every input, or checks on whole runs")
    args = parser.parse_args()
    kinds = [kind for kind in args.kinds.split(",") if kind]
    if args.from_json:
        rows = [row for path in args.from_json.split(",") for row in json.loads(Path(path).read_text())]
        present = [kind for kind in KINDS if any(r["kind"] == kind for r in rows)]
        if args.per_program:
            print(per_program(rows, present))
            return
        _tables(rows, present)
        print("\nNot confirmed (WRONG first):\n" + failures(rows))
        return
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        parser.error(f"unknown kinds {unknown}; choose from {', '.join(KINDS)}")
    from trade.program.interpret import input_space_size
    from trade.suites import load_suite

    jobs = []
    for suite in args.suites.split(","):
        for entry in load_suite(suite):
            if args.only and entry.name not in args.only:
                continue
            if args.max_inputs and input_space_size(len(entry.vocab), entry.max_seq_len) > args.max_inputs:
                continue
            jobs += [(suite, entry.name, kind, args.seed, args.timeout, args.cache) for kind in kinds]
    if not jobs:
        parser.error("no program matches")
    if args.compare_noise_search:
        _start(args.memory_gb)
        programs = list(dict.fromkeys((job[0], job[1]) for job in jobs))
        print("\n" + compare_noise_search(programs, args.seed, args.noise_baseline))
        return
    began = time.perf_counter()
    rows = _run(jobs, args.workers, args.memory_gb, args.json)
    print(f"\n{len(jobs) // len(kinds)} programs, seed {args.seed}, {args.workers} workers, "
          f"timeout {args.timeout:g} s, {time.perf_counter() - began:.0f} s in all\n")
    _tables(rows, kinds)
    text = failures(rows)
    if text:
        print("\nNot confirmed (WRONG first):\n" + text)


if __name__ == "__main__":
    main()
