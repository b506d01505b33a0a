"""Speed of the two inner loops of `trade decompile`: beam search and compiling candidates.

Beam search: 8 beams over validation models with the decoder's key/value cache
(`DecoderCache`) against recomputing the whole prefix at every step (the
previous decoder, kept here as the baseline: the same `beam_search` code on an
adapter that recomputes). Compiling: the stream of candidates the repair and
twin searches compile (each program and its one-token variants), with the line
block cache and the reversed-graph view (`trade.tracr_speedups`) against
without them. Both baselines run in this process on the same inputs. Prints a
table. Usage: python benchmarks/search_speed.py [--data data/gen100k] [--models 20]
"""

from __future__ import annotations

import argparse
import itertools
import time

import torch
from tracr.compiler import expr_to_craft_graph

from trade import compiling, tracr_speedups
from trade.decoding import DecodingOptions, beam_search, weight_tokens
from trade.decompile import load_decompiler
from trade.dataset.read import dataset_config, iter_examples
from trade.program.program import ProgramError, canonicalize
from trade.program.text import parse_program
from trade.program.tokens import program_to_ids
from trade.program.tokens import argument_substitutions
from trade.repair import _substituted


class _Prefix:
    """The baseline's 'cache': the whole prefix, recomputed at every step."""

    def __init__(self, memory: torch.Tensor, weight_mask: torch.Tensor, ids: torch.Tensor | None = None):
        self.memory, self.weight_mask, self.ids = memory, weight_mask, ids

    def select(self, rows: torch.Tensor) -> "_Prefix":
        return _Prefix(self.memory, self.weight_mask, self.ids[rows])


class Uncached:
    """The decompiler, decoding each step from the whole prefix (`decode_step`), as before the cache."""

    def __init__(self, net):
        self.net = net

    def __getattr__(self, name):
        return getattr(self.net, name)

    def start_decoding(self, memory, weight_mask) -> _Prefix:
        return _Prefix(memory, weight_mask)

    def decode_next(self, new, state: _Prefix, grammar_mask=None):
        ids = new if state.ids is None else torch.cat([state.ids, new], dim=1)
        live = ids.shape[0]
        logits = self.net.decode_step(ids, state.memory.expand(live, -1, -1),
                                      state.weight_mask.expand(live, -1), grammar_mask)
        return logits, _Prefix(state.memory, state.weight_mask, ids)


def time_beams(net, tokens: list, beam: int) -> tuple[float, list]:
    began = time.perf_counter()
    found = [[c.ids for c in beam_search(net, t, DecodingOptions(beam_size=beam))] for t in tokens]
    return time.perf_counter() - began, found


def time_compiles(programs: list, config, speedups: bool) -> tuple[float, list]:
    real_add, real_view = tracr_speedups.add_craft_components, tracr_speedups.reverse_as_view
    if not speedups:
        tracr_speedups.add_craft_components = lambda graph, bos_dir, mlp_exactness: (
            expr_to_craft_graph.add_craft_components_to_rasp_graph(graph, bos_dir=bos_dir,
                                                                   mlp_exactness=mlp_exactness))
        tracr_speedups.reverse_as_view = lambda graph: None
    tracr_speedups._BLOCKS.clear()
    results = []
    began = time.perf_counter()
    try:
        for program in programs:
            compiling._RECENT.clear()
            try:
                results.append(compiling.compile_program(program, config).params)
            except (compiling.CompileError, ProgramError):
                results.append(None)
    finally:
        tracr_speedups.add_craft_components, tracr_speedups.reverse_as_view = real_add, real_view
    return time.perf_counter() - began, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/gen100k")
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--variants", type=int, default=60, help="one-token variants compiled per program")
    parser.add_argument("--beam", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(1)
    examples = list(itertools.islice(iter_examples(args.data, split="validation"), args.models))
    decompiler = load_decompiler()
    net = decompiler.model.eval()
    tokens = weight_tokens(net, [e.weights for e in examples], decompiler.tokenizer)
    time_beams(net, tokens[:1], args.beam)  # warm-up
    before, old = time_beams(Uncached(net), tokens, args.beam)
    after, new = time_beams(net, tokens, args.beam)

    config = dataset_config(args.data).sampler.compile
    programs = []
    for example in examples:
        program = canonicalize(parse_program(example.program_text))
        ids = program_to_ids(program)
        variants = (_substituted(ids, changes) for changes in argument_substitutions(program))
        programs += [program] + list(itertools.islice((v for v in variants if v is not None), args.variants))
    slow, slow_params = time_compiles(programs, config, speedups=False)
    fast, fast_params = time_compiles(programs, config, speedups=True)
    same = all((a is None) == (b is None) and (a is None or all((a[k] == b[k]).all() for k in a))
               for a, b in zip(slow_params, fast_params))
    compiled = sum(p is not None for p in fast_params)
    print(f"{len(examples)} validation models of {args.data}, one thread")
    print("| loop | work | baseline s | now s | ratio | same results |")
    print("|---|---|---|---|---|---|")
    print(f"| beam search, beam {args.beam} | {len(tokens)} models | {before:.2f} | {after:.2f} | "
          f"{before / after:.2f}x | {old == new} |")
    print(f"| compiling candidates | {len(programs)} programs ({compiled} compile) | {slow:.2f} | {fast:.2f} | "
          f"{slow / fast:.2f}x | {same} |")
    print(f"line blocks reused: {tracr_speedups.BLOCK_CACHE['hits']}, built: {tracr_speedups.BLOCK_CACHE['misses']}")


if __name__ == "__main__":
    main()
