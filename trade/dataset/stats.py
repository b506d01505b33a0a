"""Dataset statistics: sizes, duplicates, functional classes, ambiguity, rejections.

`dataset_stats` reads the shards column by column (never the whole table at
once) and returns a plain dict; `format_stats` renders it as a table and
`plot_stats` as a PNG.

`undetermined_stats` (`--twin-sample`) asks, for a sample of programs, which of
their tokens the weights do not decide (`trade.verify.undetermined_tokens`):
how often the compiled model cannot tell the program from a one-token twin,
which limits how often any decompiler can return the exact code.
"""

from __future__ import annotations

import collections
import hashlib
from pathlib import Path

import numpy as np
from tqdm import tqdm

from trade.atomic import save_figure
from trade.compiled import CompileConfig
from trade.dataset.read import dataset_config, iter_rows, load_manifest, shard_files, weights_from_row
from trade.program.interpret import all_inputs, evaluate_batch, input_space_size, random_inputs
from trade.program.text import parse_program
from trade.weights import TokenizerConfig, residual_major_matrices, tokenize

FULL_SPACE_LIMIT = 20_000


def _histogram(values: list[int]) -> dict[int, int]:
    return dict(sorted(collections.Counter(int(v) for v in values).items()))


def output_signature(program_text: str, inputs: list[np.ndarray]) -> str:
    """A hash of a program's outputs on the given inputs (None and values alike)."""
    program = parse_program(program_text)
    types = program.types()
    digest = hashlib.sha1()
    for batch in inputs:
        output = evaluate_batch(program, batch, types).output(program)
        digest.update(np.round(np.nan_to_num(output, nan=-1e9), 6).tobytes())
    return digest.hexdigest()


def dataset_stats(data_dir: str | Path, functional_sample: int = 10_000,
                  token_sample: int = 2_000, seed: int = 0, progress: bool = True,
                  twin_sample: int = 0, workers: int = 1) -> dict:
    """Statistics of a dataset directory (see module docstring)."""
    if functional_sample < 1 or token_sample < 1 or twin_sample < 0:
        raise ValueError("--functional-sample and --token-sample must be at least 1, "
                         "--twin-sample at least 0")
    manifest = load_manifest(data_dir)
    config = dataset_config(data_dir)
    files = shard_files(data_dir)
    hashes, texts, lines, program_tokens, splits, weight_hashes = [], [], [], [], [], []
    for path in tqdm(files, desc="reading shards", disable=not progress):
        for row in iter_rows(path):
            hashes.append(row["program_hash"])
            texts.append(row["program_text"])
            lines.append(row["n_lines"])
            splits.append(row["split"])
            program_tokens.append(len(row["program_ids"]))
            digest = hashlib.sha1()
            for blob in row["weight_data"]:
                digest.update(blob)
            weight_hashes.append(digest.hexdigest())
    total = len(hashes)
    if total == 0:
        raise ValueError(f"{data_dir}: the dataset has no rows yet")
    hash_counts = collections.Counter(hashes)
    programs_by_weights: dict[str, set[str]] = collections.defaultdict(set)
    for weight_hash, program_hash in zip(weight_hashes, hashes):
        programs_by_weights[weight_hash].add(program_hash)
    ambiguous = sum(1 for w in weight_hashes if len(programs_by_weights[w]) > 1)

    rng = np.random.default_rng(seed)
    compile_config = config.sampler.compile
    vocab, max_len = compile_config.vocab, compile_config.max_seq_len
    space = input_space_size(len(vocab), max_len)
    if space <= FULL_SPACE_LIMIT:
        inputs, inputs_used = all_inputs(vocab, max_len), f"whole input space ({space} sequences)"
    else:
        inputs, inputs_used = random_inputs(vocab, max_len, 1000, rng), "1,000 random inputs"
    sample = rng.choice(total, size=min(functional_sample, total), replace=False)
    signatures = [output_signature(texts[i], inputs)
                  for i in tqdm(sample, desc="functional classes", disable=not progress)]
    signature_counts = collections.Counter(signatures)
    shared = sum(1 for s in signatures if signature_counts[s] > 1)

    token_rows = _weight_token_sample(files, compile_config, token_sample, rng)
    size_on_disk = sum(path.stat().st_size for path in files)
    undetermined = None
    if twin_sample > 0:
        chosen = rng.choice(total, size=min(twin_sample, total), replace=False)
        undetermined = undetermined_stats([texts[i] for i in sorted(chosen)], compile_config, workers,
                                          progress)
    return {
        "programs": total,
        "splits": dict(collections.Counter(splits)),
        "lines_histogram": _histogram(lines),
        "program_tokens_histogram": _histogram(program_tokens),
        "lines_min_max": [int(min(lines)), int(max(lines))],
        "duplicate_fraction": 1 - len(hash_counts) / total,
        "programs_with_a_duplicate_fraction": sum(1 for h in hashes if hash_counts[h] > 1) / total,
        "functional": {
            "sample": len(sample),
            "inputs": inputs_used,
            "classes": len(signature_counts),
            "class_fraction": len(signature_counts) / len(sample),
            "shares_function_fraction": shared / len(sample),
        },
        "ambiguity_fraction": ambiguous / total,
        "ambiguous_weight_groups": sum(1 for programs in programs_by_weights.values() if len(programs) > 1),
        "bytes_per_sample": size_on_disk / total,
        "rejections": manifest.get("rejections", {}),
        "acceptance_rate": total / (total + sum(manifest.get("rejections", {}).values())),
        **token_rows,
        **({"undetermined": undetermined} if undetermined else {}),
    }


def _undetermined_counts(job: tuple[str, CompileConfig]) -> list[int]:
    """For each token of the program that its weights do not decide, how many alternatives it has."""
    from trade.compiling import compile_program
    from trade.program.program import canonicalize
    from trade.verify import reference_model, undetermined_tokens
    from trade.weights import weights_of

    program_text, config = job
    program = canonicalize(parse_program(program_text))
    model = compile_program(program, config)
    return [len(item.alternatives)
            for item in undetermined_tokens(program, reference_model(weights_of(model), model.output_values))]


def undetermined_stats(program_texts: list[str], config: CompileConfig = CompileConfig(), workers: int = 1,
                       progress: bool = True) -> dict:
    """How often programs have tokens their weights do not decide (one-token twins).

    `uniform_pick_original` is the mean over programs of 1 / prod(1 + alternatives)
    over their undetermined tokens: the chance that a pick among the combinations
    of one-token twins, made uniformly, is the program itself. It counts only
    one-token changes and treats the tokens as independent, so it estimates,
    rather than bounds, what the weights allow.
    """
    bar = dict(total=len(program_texts), desc="undetermined tokens", disable=not progress)
    jobs = [(text, config) for text in program_texts]
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            counts = list(tqdm(pool.map(_undetermined_counts, jobs, chunksize=8), **bar))
    else:
        counts = [_undetermined_counts(job) for job in tqdm(jobs, **bar)]
    return {
        "sample": len(counts),
        "with_undetermined_fraction": float(np.mean([bool(c) for c in counts])),
        "undetermined_tokens_mean": float(np.mean([len(c) for c in counts])),
        "uniform_pick_original": float(np.mean([1 / np.prod([1 + a for a in c]) for c in counts])),
    }


def _weight_token_sample(files: list[Path], compile_config, count: int,
                         rng: np.random.Generator) -> dict:
    """Matrix sizes and weight-token counts on a sample of rows."""
    sizes, token_counts, split_matrices, d_models = [], [], 0, []
    width = TokenizerConfig().width
    rows_seen = 0
    for path in rng.permutation(np.array(files, dtype=object)):
        for row in iter_rows(path):
            weights = weights_from_row(row, compile_config)
            matrices = residual_major_matrices(weights)
            sizes += [m.matrix.size for m in matrices]
            split_matrices += sum(m.matrix.size > width for m in matrices)
            token_counts.append(len(tokenize(weights)))
            d_models.append(weights.d_model)
            rows_seen += 1
        if rows_seen >= count:
            break
    sizes_array = np.array(sizes)
    return {
        "weight_token_sample": rows_seen,
        "matrix_size_percentiles": {p: float(np.percentile(sizes_array, p)) for p in (50, 90, 99, 100)},
        "matrices_over_width_fraction": split_matrices / max(len(sizes), 1),
        "token_width": width,
        "weight_tokens_histogram": _histogram(token_counts),
        "d_model_percentiles": {p: float(np.percentile(d_models, p)) for p in (0, 50, 100)},
    }


def _undetermined_rows(undetermined: dict | None) -> list[tuple[str, str]]:
    if undetermined is None:
        return []
    return [("tokens the weights do not decide",
             f"in {undetermined['with_undetermined_fraction']:.2%} of {undetermined['sample']:,} programs, "
             f"{undetermined['undetermined_tokens_mean']:.2f} per program"),
            ("uniform pick among one-token twins is the program", f"{undetermined['uniform_pick_original']:.2%}")]


def format_stats(stats: dict) -> str:
    """A readable table of the statistics."""
    functional = stats["functional"]
    weight_tokens = stats["weight_tokens_histogram"]
    rows = [
        ("programs", f"{stats['programs']:,} ({', '.join(f'{k} {v:,}' for k, v in stats['splits'].items())})"),
        ("lines per program", f"{stats['lines_min_max'][0]}-{stats['lines_min_max'][1]}  "
                              f"{stats['lines_histogram']}"),
        ("program tokens", f"{min(stats['program_tokens_histogram'])}-{max(stats['program_tokens_histogram'])}"),
        ("weight tokens (matrix scheme)", f"{min(weight_tokens)}-{max(weight_tokens)} "
                                          f"on {stats['weight_token_sample']} rows"),
        ("matrix size p50/p90/p99/max", "/".join(f"{v:.0f}" for v in stats["matrix_size_percentiles"].values())),
        (f"matrices wider than {stats['token_width']} (split)", f"{stats['matrices_over_width_fraction']:.2%}"),
        ("duplicate fraction (identical code)", f"{stats['duplicate_fraction']:.2%}"),
        ("functional classes", f"{functional['classes']:,} in {functional['sample']:,} programs "
                               f"({functional['class_fraction']:.2%}); {functional['inputs']}"),
        ("programs sharing their function", f"{functional['shares_function_fraction']:.2%}"),
        ("ambiguity (same weights, other code)", f"{stats['ambiguity_fraction']:.2%}"),
        *_undetermined_rows(stats.get("undetermined")),
        ("bytes per sample on disk", f"{stats['bytes_per_sample']:.0f}"),
        ("acceptance rate", f"{stats['acceptance_rate']:.2%}"),
    ]
    rows += [(f"rejected: {reason}", f"{count:,}") for reason, count in
             sorted(stats["rejections"].items(), key=lambda item: -item[1])]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def plot_stats(stats: dict, path: str | Path) -> None:
    """Four panels: lines, program tokens, weight tokens, rejection reasons."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(11, 7))
    for axis, key, title in ((axes[0, 0], "lines_histogram", "lines per program"),
                             (axes[0, 1], "program_tokens_histogram", "program tokens"),
                             (axes[1, 0], "weight_tokens_histogram", "weight tokens (matrix scheme)")):
        histogram = stats[key]
        axis.bar(list(histogram), list(histogram.values()), color="#4477aa")
        axis.set_title(title)
        axis.set_ylabel("programs")
    reasons = sorted(stats["rejections"].items(), key=lambda item: item[1])
    axes[1, 1].barh([r for r, _ in reasons], [c for _, c in reasons], color="#cc6677")
    axes[1, 1].set_xscale("log")
    axes[1, 1].set_title("rejections by reason")
    figure.suptitle(f"{stats['programs']:,} programs; duplicates {stats['duplicate_fraction']:.1%}, "
                    f"ambiguity {stats['ambiguity_fraction']:.2%}")
    figure.tight_layout()
    save_figure(figure, path, dpi=110)
    plt.close(figure)
