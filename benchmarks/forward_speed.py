"""`trade.compiling.forward` against its previous version (the baseline, kept below), in one process.

The verdicts on transformed models run the given model on every input, once per input length
(`trade.basis.given_reference`, `trade.verify.reference_model`, `trade.transform.model_outputs`), so
the forward pass is a large share of their latency. For N generated test programs (default data/test-seed1),
each compiled model, rotated and mixed (`trade.transform`), is run on every input of every length by
both versions; optionally (--large) one suite model with a large input space too. Per row: forward
calls, CPU seconds of each version (the best of --repeats runs of each call, interleaved, so other
processes on a shared machine disturb both alike), the ratio, the largest difference of any output (and
any attention weight `on_attention` sees) relative to the largest entry of its array (the batched matmul
sums in another order than the baseline's einsum: float rounding, about 5e-13 of a softmax's weights),
and the peak memory one call allocates. Run:

    python benchmarks/forward_speed.py --n 20 --repeats 3 [--large]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import time
import tracemalloc

import numpy as np

from trade.compiled import num_layers


def baseline_forward(params, token_ids, num_heads, on_attention=None):
    """trade.compiling.forward as of commit 77a783e (one pass over the whole batch, float32 weights
    cast in every product)."""
    positions = token_ids.shape[1]
    residual = (params["token_embed/embeddings"][token_ids]
                + params["pos_embed/embeddings"][np.arange(positions)][None]).astype(np.float64)
    for layer in range(num_layers(params)):
        prefix = f"transformer/layer_{layer}"
        mixed, weights = _baseline_attention(params, prefix + "/attn", residual, num_heads)
        if on_attention is not None:
            on_attention(layer, weights)
        residual = residual + mixed
        hidden = np.maximum(residual @ params[f"{prefix}/mlp/linear_1/w"]
                            + params[f"{prefix}/mlp/linear_1/b"], 0.0)
        residual = residual + hidden @ params[f"{prefix}/mlp/linear_2/w"] + params[f"{prefix}/mlp/linear_2/b"]
    return residual


def _baseline_attention(params, prefix, residual, num_heads):
    batch, positions, _ = residual.shape

    def heads(name):
        out = residual @ params[f"{prefix}/{name}/w"] + params[f"{prefix}/{name}/b"]
        return out.reshape(batch, positions, num_heads, -1)

    query, key, value = heads("query"), heads("key"), heads("value")
    logits = np.einsum("bthd,bThd->bhtT", query, key) / np.sqrt(query.shape[-1])
    logits -= logits.max(axis=-1, keepdims=True)
    weights = np.exp(logits)
    weights /= weights.sum(axis=-1, keepdims=True)
    mixed = np.einsum("bhtT,bThd->bthd", weights, value).reshape(batch, positions, -1)
    return mixed @ params[f"{prefix}/linear/w"] + params[f"{prefix}/linear/b"], weights


def _generated(data: str, n: int) -> dict[str, list]:
    """Plain, rotated and mixed weights of the first n test programs."""
    from trade import transform
    from trade.compiling import compile_program
    from trade.dataset.read import iter_examples
    from trade.program.program import canonicalize
    from trade.program.text import parse_program
    from trade.weights import weights_of

    models: dict[str, list] = {"compiled": [], "rotated": [], "mixed": []}
    for index, example in enumerate(itertools.islice(iter_examples(data, split="test"), n)):
        program = canonicalize(parse_program(example.program_text))
        plain = dataclasses.replace(weights_of(compile_program(program)), residual_labels=None)
        models["compiled"].append(plain)
        models["rotated"].append(transform.rotate(plain, index))
        models["mixed"].append(transform.mix(plain, index))
    return models


def _large() -> dict[str, list]:
    """shuffle_dyck3 of examples/tracr_lib (55,986 inputs, d_model 73, 9 layers), rotated."""
    from tracr.compiler import compiling

    from trade import transform
    from trade.decompile import weights_from
    from trade.suites import load_suite

    entry = next(e for e in load_suite("examples/tracr_lib") if e.name == "shuffle_dyck3")
    config = entry.config
    model = compiling.compile_rasp_to_model(entry.build(), vocab=set(config.vocab),
                                            max_seq_len=config.max_seq_len, compiler_bos=config.compiler_bos,
                                            compiler_pad=config.compiler_pad)
    plain = dataclasses.replace(weights_from(model), residual_labels=None)
    return {"shuffle_dyck3 rotated (55,986 inputs)": [transform.rotate(plain, 0)]}


def _best(run, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        began = time.process_time()
        run()
        best = min(best, time.process_time() - began)
    return best


def _peak(run) -> tuple[object, int]:
    """run()'s result and the peak bytes it allocated (NumPy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    """The largest |a - b| relative to the largest |a| (inf where the shapes differ)."""
    if a.shape != b.shape:
        return float("inf")
    return float(np.abs(a - b).max(initial=0.0) / max(np.abs(a).max(initial=0.0), 1e-300))


def measure(models: list, repeats: int) -> tuple[int, float, float, float, int, int]:
    """(calls, baseline seconds, new seconds, largest relative difference, baseline peak bytes, new peak
    bytes) over every input length of every model; the peaks are the largest of one call."""
    from trade.compiling import forward
    from trade.program.interpret import all_inputs
    from trade.verify import _token_ids

    calls, old, new, difference, old_peak, new_peak = 0, 0.0, 0.0, 0.0, 0, 0
    for weights in models:
        config = weights.compile_config
        for batch in all_inputs(config.vocab, config.max_seq_len):
            ids = _token_ids(weights, batch)
            run_old = functools.partial(baseline_forward, weights.params, ids, weights.num_heads)
            run_new = functools.partial(forward, weights.params, ids, weights.num_heads)
            a, peak = _peak(run_old)
            old_peak = max(old_peak, peak)
            b, peak = _peak(run_new)
            new_peak = max(new_peak, peak)
            seen_old: list = []
            seen_new: list = []
            run_old(lambda _, w, seen=seen_old: seen.append(w))
            run_new(lambda _, w, seen=seen_new: seen.append(w))
            difference = max([difference, _relative_difference(a, b)] + [
                _relative_difference(x, y) for x, y in zip(seen_old, seen_new)] + (
                [] if len(seen_old) == len(seen_new) else [float("inf")]))
            old += _best(run_old, repeats)
            new += _best(run_new, repeats)
            calls += 1
    return calls, old, new, difference, old_peak, new_peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/test-seed1")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="also shuffle_dyck3 rotated (minutes)")
    args = parser.parse_args()
    groups = _generated(args.data, args.n)
    if args.large:
        groups.update(_large())
    print(f"{args.n} generated test programs from {args.data}; CPU seconds, best of {args.repeats} per call\n")
    print("| models | forward calls | baseline s | new s | baseline / new | largest relative difference | "
          "peak MB of one call, baseline | new |")
    print("|---|---|---|---|---|---|---|---|")
    for name, models in groups.items():
        if not models:  # --n 0: only the large model
            continue
        calls, old, new, difference, old_peak, new_peak = measure(models, args.repeats)
        print(f"| {name} | {calls} | {old:.3f} | {new:.3f} | {old / new:.2f}x | {difference:.1e} | "
              f"{old_peak / 2**20:.0f} | {new_peak / 2**20:.0f} |", flush=True)


if __name__ == "__main__":
    main()
