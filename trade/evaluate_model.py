"""Evaluating a trained decompiler: decode held-out programs in every mode and write the report.

Modes (all plug into `trade.evaluate.evaluate_predictions`):

- `teacher_forced`: each token predicted from the ground-truth prefix (the
  paper's non-autoregressive mode), grammar mask on;
- `autoregressive`: greedy, the model's own tokens, no mask
  (the paper's autoregressive mode);
- `autoregressive_grammar`: greedy with the grammar mask;
- `beam_verified`: beam search with the grammar mask, freely and under the
  skeleton the weights show (`trade.skeleton`), candidates Tracr cannot
  compile dropped, each remaining candidate verified against the weights; the
  first `exact`, else the first `equivalent`, else the most likely one;
- `beam_repaired`: `beam_verified`, then, while nothing is `exact`, the
  skeleton filled in line by line (`trade.fill`) and the weight-guided search
  of `trade.repair` from the beam's candidates, and the decoder's most likely
  program among those with the given weights (what `trade decompile` does by
  default).
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np
from tqdm import tqdm

from trade.checkpoint import Checkpoint
from trade.compiling import CompileConfig, compile_program
from trade.decoding import DecodingOptions, greedy, teacher_forced, weight_tokens
from trade.decompile import (DecompileOptions, compilable_filter, decode_candidates, search_and_verify,
                             weight_skeletons)
from trade.evaluate import EvaluateOptions, evaluate_predictions, write_report
from trade.program.program import Program, canonicalize
from trade.program.text import parse_program
from trade.program.tokens import program_to_ids
from trade.verify import EQUIVALENT, EXACT, UNVERIFIED, reference_model
from trade.weights import ModelWeights, weights_of

TEACHER_FORCED = "teacher_forced"
UNCONSTRAINED = "autoregressive"
GREEDY = "autoregressive_grammar"
BEAM = "beam_verified"
REPAIRED = "beam_repaired"
SEARCH_MODES = (BEAM, REPAIRED)
ALL_MODES = (TEACHER_FORCED, UNCONSTRAINED, GREEDY, BEAM, REPAIRED)


@dataclasses.dataclass(frozen=True)
class EvaluationJob:
    """What `trade evaluate` runs."""

    modes: tuple[str, ...] = ALL_MODES
    beam_size: int = 8
    batch_size: int = 64
    workers: int = 1  # processes for the search modes (each loads `checkpoint_dir`, one thread each)
    checkpoint_dir: str | None = None


def beam_verified(checkpoint: Checkpoint, weights: ModelWeights, output_values, beam_size: int,
                  repair: bool = False) -> tuple[list[int], str, float]:
    """The candidate chosen by verification (after repair if `repair`): (ids, verdict, seconds)."""
    began = time.perf_counter()
    net = checkpoint.model
    tokens = weight_tokens(net, [weights], checkpoint.tokenizer)[0]
    accept = compilable_filter(weights.compile_config)
    found = weight_skeletons(weights)
    beam = decode_candidates(net, tokens, DecodingOptions(beam_size=beam_size), accept, found)
    weights = dataclasses.replace(weights, output_values=output_values)
    chosen, _ = search_and_verify(weights, net, tokens, beam, reference_model(weights, output_values), accept,
                                  DecompileOptions(beam_size=beam_size, repair=repair), found)
    if chosen is None or not accept(chosen[0].ids):  # nothing compiled: the most likely sequence
        return beam[0].ids, UNVERIFIED, time.perf_counter() - began
    return program_to_ids(chosen[1]), chosen[2], time.perf_counter() - began


def predict(checkpoint: Checkpoint, weights: Sequence[ModelWeights], truths: Sequence[Program],
            job: EvaluationJob, progress: bool = True
            ) -> tuple[dict[str, list[list[int]]], dict, dict[str, list[str]]]:
    """Predictions of every mode, their timings, and the verdicts of the search modes."""
    net = checkpoint.model
    truth_ids = [np.asarray(program_to_ids(p), dtype=np.int64) for p in truths]
    predictions: dict[str, list[list[int]]] = {mode: [] for mode in job.modes}
    timings: dict[str, float] = {mode: 0.0 for mode in job.modes}
    verdicts: dict[str, list[str]] = {mode: [] for mode in job.modes if mode in SEARCH_MODES}
    batches = range(0, len(truths), job.batch_size)
    for start in tqdm(batches, desc="decoding (batched modes)", disable=not progress):
        chunk = slice(start, start + job.batch_size)
        tokens = weight_tokens(net, weights[chunk], checkpoint.tokenizer)
        for mode in (TEACHER_FORCED, UNCONSTRAINED, GREEDY):
            if mode not in job.modes:
                continue
            began = time.perf_counter()
            if mode == TEACHER_FORCED:
                out = teacher_forced(net, tokens, truth_ids[chunk])
            else:
                out = [c.ids for c in greedy(net, tokens, DecodingOptions(grammar=mode == GREEDY))]
            predictions[mode] += out
            timings[mode] += time.perf_counter() - began
    for mode in verdicts:
        description = f"beam {job.beam_size} + verification" + (" + repair" if mode == REPAIRED else "")
        tasks = [(weight, compile_program(truth, weight.compile_config).output_values, job.beam_size,
                  mode == REPAIRED) for weight, truth in zip(weights, truths)]
        if job.workers > 1 and len(tasks) > 1:
            if job.checkpoint_dir is None:
                raise ValueError("workers > 1 needs the checkpoint directory (EvaluationJob.checkpoint_dir)")
            context = multiprocessing.get_context("spawn")  # no fork under JAX's threads
            with ProcessPoolExecutor(job.workers, mp_context=context, initializer=_start_worker,
                                     initargs=(job.checkpoint_dir,)) as pool:
                results = list(tqdm(pool.map(_search_task, tasks, chunksize=4), total=len(tasks),
                                    desc=description, disable=not progress))
        else:
            results = [beam_verified(checkpoint, *task)
                       for task in tqdm(tasks, desc=description, disable=not progress)]
        for ids, verdict, seconds in results:
            predictions[mode].append(ids)
            verdicts[mode].append(verdict)
            timings[mode] += seconds
    return predictions, timings, verdicts


_WORKER_CHECKPOINT: Checkpoint | None = None


def _start_worker(checkpoint_dir: str) -> None:
    global _WORKER_CHECKPOINT
    import torch

    from trade.decompile import load_decompiler

    torch.set_num_threads(1)
    _WORKER_CHECKPOINT = load_decompiler(checkpoint_dir)


def _search_task(task: tuple) -> tuple[list[int], str, float]:
    return beam_verified(_WORKER_CHECKPOINT, *task)


def evaluate_checkpoint(checkpoint: Checkpoint, examples: Sequence, out_dir: str | Path,
                        job: EvaluationJob = EvaluationJob(), description: dict | None = None,
                        progress: bool = True) -> dict:
    """Decodes `examples` (dataset Examples or NamedPrograms) in every mode and writes the report."""
    truths = [canonicalize(parse_program(e.program_text)) if hasattr(e, "program_text") else e.program
              for e in examples]
    weights = [e.weights if hasattr(e, "weights") else weights_of(e.model) for e in examples]
    began = time.perf_counter()
    predictions, timings, verdicts = predict(checkpoint, weights, truths, job, progress)
    decode_seconds = time.perf_counter() - began
    began = time.perf_counter()
    config = weights[0].compile_config if weights else CompileConfig()
    results = evaluate_predictions(truths, predictions, options=EvaluateOptions(compile_config=config))
    for mode, mode_verdicts in verdicts.items():
        for row, verdict in zip([r for r in results if r.mode == mode], mode_verdicts):
            row.verdict = verdict
    metric_seconds = time.perf_counter() - began
    names = [getattr(e, "name", None) for e in examples]
    extra = {
        **(description or {}),
        "programs": len(truths),
        "decoding_seconds": {mode: round(seconds, 2) for mode, seconds in timings.items()},
        "seconds_per_program": {mode: round(seconds / max(len(truths), 1), 4) for mode, seconds in timings.items()},
        "search_workers": job.workers,
        "total_decoding_seconds": round(decode_seconds, 1),
        "metric_seconds": round(metric_seconds, 1),
        "verdicts": {mode: {v: found.count(v) for v in (EXACT, EQUIVALENT, UNVERIFIED)}
                     for mode, found in verdicts.items()} or None,
    }
    if any(names):
        extra["program_names"] = names
    write_report(results, out_dir, extra=extra)
    return json.loads((Path(out_dir) / "report.json").read_text())
