"""Weight-guided repair: local search from the decoder's candidates towards the given weights.

The decoder gets most of a program right and a few tokens wrong (on the test
set, mostly lambdas and variable arguments). Recompiling a candidate shows
*where* it is wrong without knowing the answer: Tracr compiles every line into
its own attention head or MLP, so the heads and MLP layers of the candidate that
have no identical counterpart in the given model point at the lines to change.

Comparing units. A unit is one weight matrix of one head (query, key, value,
output) or one MLP layer (in, out), residual stream along the rows, with every
all-zero row and column removed. Removing them makes a unit independent of the
residual dimensions of variables it does not touch, so fixing one line does not
disturb the comparison of the others. The score of a candidate is minus the
size of the symmetric difference between its units and the given model's
(per layer and role, as multisets): 0 means every unit has a twin.

The search. Hill climbing from the best-scoring candidates: the lines behind the
earliest unmatched units are the suspects; their neighbours are every
well-typed single-token substitution (ranked by the decoder's probability at
that position) and the decoder's best whole lines at that place; the best
neighbour is taken while it improves the score. Every step only proposes
candidates: the verdict still comes from `trade.verify`, against the weights
alone. The original program is never seen.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import re
import time
from typing import Callable, Iterable, Sequence

import numpy as np
import torch

from trade.compiling import CompileConfig, CompiledModel, CompileError, compile_program
from trade.decoding import encode_weight_tokens
from trade.grammar import GrammarState, grammar_masks
from trade.model import Decompiler
from trade.program.program import Op, Program, ProgramError, canonicalize
from trade.program.tokens import EOS_ID, TOKENS_PER_LINE, ids_to_program, program_to_ids
from trade.weights import ModelWeights, WeightTokens, residual_major_matrices, weights_of

UnitKey = tuple[str, int, str]  # (role, layer, digest of the compacted matrix)
_LABEL = re.compile(r"^v(\d+)_\d+")


@dataclasses.dataclass(frozen=True)
class RepairOptions:
    """How long to search."""

    max_compiles: int = 600
    max_seconds: float = 6.0
    max_steps: int = 12
    starts: int = 3  # beam candidates to climb from, best score first
    alternatives: int = 12  # single-token substitutions tried per position, most likely first
    line_beam: int = 8  # whole-line alternatives from the decoder per suspect line


def _digest(matrix: np.ndarray) -> str:
    """The matrix without all-zero rows and columns, rounded, hashed."""
    rows = np.flatnonzero(np.abs(matrix).sum(axis=1))
    columns = np.flatnonzero(np.abs(matrix).sum(axis=0))
    compact = np.round(matrix[np.ix_(rows, columns)].astype(np.float64), 5) + 0.0  # no -0.0
    return hashlib.blake2b(compact.tobytes() + str(compact.shape).encode(), digest_size=12).hexdigest()


def weight_units(weights: ModelWeights) -> list[tuple[UnitKey, int, np.ndarray]]:
    """Every unit as (key, head, matrix); MLP units have head -1."""
    return [((item.role, item.layer, _digest(item.matrix)), item.head, item.matrix)
            for item in residual_major_matrices(weights)]


def unit_counts(weights: ModelWeights) -> collections.Counter:
    return collections.Counter(key for key, _, _ in weight_units(weights))


def _written_lines(matrix: np.ndarray, labels: Sequence[str]) -> set[int]:
    """Line indices whose residual dimensions a residual-major output matrix writes."""
    lines = set()
    for row in np.flatnonzero(np.abs(matrix).sum(axis=1)):
        match = _LABEL.match(labels[row])
        if match:
            lines.add(int(match.group(1)) - 1)
    return lines


@dataclasses.dataclass
class Scored:
    """A compiled candidate, its score against the given units, and its suspect lines."""

    program: Program
    score: int
    suspects: list[int]  # lines behind the earliest unmatched units, earliest first
    model: CompiledModel


def score_candidate(program: Program, model: CompiledModel, given: collections.Counter) -> Scored:
    """Scores a compiled candidate and names the lines behind its unmatched units."""
    units = weight_units(weights_of(model))
    counts = collections.Counter(key for key, _, _ in units)
    matched = sum(min(count, given[key]) for key, count in counts.items())
    score = 2 * matched - sum(counts.values()) - sum(given.values())

    # Which line does each head and MLP layer compute? (from the candidate's own labels)
    lines_of: dict[tuple[int, int], set[int]] = {}
    for (role, layer, _), head, matrix in units:
        if role in ("attn_out", "mlp_out"):
            lines_of[(layer, head)] = _written_lines(matrix, model.residual_labels)
    selector_of = {index: program.lines[index].args[0] for index in range(len(program))
                   if program.lines[index].op.value in ("Aggregate", "SelectorWidth")}
    budget = dict(given)
    unmatched_layers: dict[int, set[int]] = collections.defaultdict(set)
    for (role, layer, digest), head, _ in units:
        if budget.get((role, layer, digest), 0) > 0:
            budget[(role, layer, digest)] -= 1
            continue
        lines = set(lines_of.get((layer, head), set()))
        if role in ("query", "key"):  # a selector's comparison lives in the query and key
            for line in list(lines):
                if line in selector_of:
                    lines.add(int(selector_of[line][1:]) - 1)
        unmatched_layers[layer] |= lines
    suspects: list[int] = []
    for layer in sorted(unmatched_layers):
        suspects += sorted(unmatched_layers[layer] - set(suspects))
    return Scored(program, score, suspects, model)


class Searcher:
    """Compiles, scores and remembers candidates for one given model."""

    def __init__(self, weights: ModelWeights, net: Decompiler, tokens: WeightTokens,
                 options: RepairOptions = RepairOptions()):
        self.config: CompileConfig = weights.compile_config
        self.given = unit_counts(weights)
        self.net, self.options = net, options
        self.memory, self.weight_mask = encode_weight_tokens(net, [tokens])
        self.seen: dict[Program, Scored | None] = {}
        self.compiles = 0
        self.began = time.perf_counter()

    def out_of_budget(self) -> bool:
        return (self.compiles >= self.options.max_compiles
                or time.perf_counter() - self.began > self.options.max_seconds)

    def scored(self, program: Program) -> Scored | None:
        """The candidate's score, or None if Tracr cannot compile it (memoised)."""
        if program not in self.seen:
            self.compiles += 1
            try:
                model = compile_program(program, self.config, timeout=5.0)
            except (CompileError, ProgramError):
                self.seen[program] = None
            else:
                self.seen[program] = score_candidate(program, model, self.given)
        return self.seen[program]

    @torch.no_grad()
    def log_probs(self, ids: list[int]) -> np.ndarray:
        """[positions, vocabulary]: the decoder's grammar-masked log-probabilities of each next token."""
        inputs = torch.tensor([ids[:-1]])
        mask = grammar_masks(inputs)
        logits = self.net.decode(inputs, self.memory, self.weight_mask, grammar_mask=mask)
        return torch.log_softmax(logits[0].float(), dim=-1).numpy()

    @torch.no_grad()
    def line_alternatives(self, prefix: list[int], k: int) -> list[list[int]]:
        """The decoder's k most likely next lines (4 tokens each) after `prefix`."""
        state = GrammarState.initial(1)
        for token in prefix:
            state = state.advance(torch.tensor([token]))
        ids = torch.tensor([prefix])
        scores = torch.zeros(1)
        for _ in range(TOKENS_PER_LINE):
            live = ids.shape[0]
            mask = state.allowed()
            mask[:, EOS_ID] = False
            logits = self.net.decode_step(ids, self.memory.expand(live, -1, -1),
                                          self.weight_mask.expand(live, -1), mask)
            total = (scores[:, None] + torch.log_softmax(logits.float(), dim=-1)).reshape(-1)
            finite = int(torch.isfinite(total).sum())
            if finite == 0:
                return []
            top = torch.topk(total, k=min(k, finite))
            rows = top.indices // logits.shape[1]
            chosen = top.indices % logits.shape[1]
            ids = torch.cat([ids[rows], chosen[:, None]], dim=1)
            scores = top.values
            state = state.select(rows).advance(chosen)
        return [row[len(prefix):] for row in ids.tolist()]


def _program_of(ids: list[int]) -> Program | None:
    """The canonical program of `ids`, or None if it is ill-typed or one the generator never writes."""
    try:
        program = canonicalize(ids_to_program(ids))
    except ProgramError:
        return None
    if len(set(program.lines)) < len(program.lines):
        return None  # the same computation twice
    if any(line.op is Op.SEQUENCE_MAP and line.args[1] == line.args[2] for line in program.lines):
        return None  # SequenceMap(f, x, x) is a Map (Tracr discourages it too)
    return program


def neighbours(searcher: Searcher, current: Scored) -> Iterable[Program]:
    """Single-token substitutions and decoder-proposed lines at the suspect lines."""
    ids = program_to_ids(current.program)
    log_probs = searcher.log_probs(ids)  # row p predicts ids[p + 1]
    options = searcher.options
    for line in current.suspects:
        start = 1 + TOKENS_PER_LINE * line
        for alternative in searcher.line_alternatives(ids[:start], options.line_beam):
            program = _program_of(ids[:start] + alternative + ids[start + TOKENS_PER_LINE:])
            if program is not None:
                yield program
        for position in range(start, start + TOKENS_PER_LINE):
            row = log_probs[position - 1]
            order = [t for t in np.argsort(-row) if np.isfinite(row[t]) and t != ids[position]]
            for token in order[:options.alternatives]:
                program = _program_of(ids[:position] + [int(token)] + ids[position + 1:])
                if program is not None:
                    yield program


def climb(searcher: Searcher, start: Scored) -> Scored:
    """Best-improvement hill climbing until the units all match, nothing improves, or the budget ends."""
    current = start
    for _ in range(searcher.options.max_steps):
        if current.score == 0 or searcher.out_of_budget():
            break
        best = current
        for program in neighbours(searcher, current):
            if searcher.out_of_budget():
                break
            scored = searcher.scored(program)
            if scored is not None and scored.score > best.score:
                best = scored
                if best.score == 0:
                    break
        if best is current:
            break
        current = best
    return current


def repair(searcher: Searcher, starts: Sequence[Program]) -> list[Program]:
    """Candidates reached by climbing from `starts`, best score first (each compiles).

    A program whose units all match the given weights (score 0) is almost always
    `exact`; the caller verifies.
    """
    scored = [s for s in (searcher.scored(p) for p in dict.fromkeys(starts)) if s is not None]
    scored.sort(key=lambda s: -s.score)
    results: list[Scored] = []
    for start in scored[:searcher.options.starts]:
        if searcher.out_of_budget():
            break
        end = climb(searcher, start)
        results.append(end)
        if end.score == 0:
            break
    results.sort(key=lambda s: -s.score)
    return list(dict.fromkeys(s.program for s in results))


def sequence_log_prob(searcher: Searcher, program: Program) -> float:
    """The decoder's log-probability of the program's canonical token sequence (grammar-masked)."""
    return float(sum(token_log_probs(searcher, program)))


def token_log_probs(searcher: Searcher, program: Program) -> list[float]:
    """The decoder's log-probability of each token after `<bos>` of the canonical sequence."""
    ids = program_to_ids(program)
    log_probs = searcher.log_probs(ids)
    return [float(log_probs[position - 1, token]) for position, token in enumerate(ids) if position]


def most_likely_twin(searcher: Searcher, program: Program, is_exact: Callable[[Program], bool],
                     max_rounds: int = 3) -> Program:
    """Among programs that compile to the same weights, the one the decoder finds most likely.

    The weights do not always fix the code: lambdas that agree on every value
    their input can take, or a `TRUE` selector's ignored arguments, compile to
    identical arrays. This walks single-token substitutions that the decoder
    prefers at their position, keeps those `is_exact` accepts, and moves to the
    one of highest sequence log-probability.
    """
    current, current_score = program, sequence_log_prob(searcher, program)
    for _ in range(max_rounds):
        ids = program_to_ids(current)
        log_probs = searcher.log_probs(ids)
        best, best_score = current, current_score
        for position in range(1, len(ids) - 1):
            row = log_probs[position - 1]
            for token in np.flatnonzero(row > row[ids[position]]):
                candidate = _program_of(ids[:position] + [int(token)] + ids[position + 1:])
                if candidate is None or candidate == current:
                    continue
                scored = searcher.scored(candidate)
                if scored is None or scored.score != 0 or not is_exact(candidate):
                    continue
                score = sequence_log_prob(searcher, candidate)
                if score > best_score:
                    best, best_score = candidate, score
        if best is current:
            break
        current, current_score = best, best_score
    return current
