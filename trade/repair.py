"""Weight-guided repair: local search from the decoder's candidates towards the given weights.

The decoder gets most of a program right and a few tokens wrong (on the test
set, mostly lambdas and variable arguments). Recompiling a candidate shows
*where* it is wrong without knowing the answer: Tracr compiles every line into
its own attention head or its own MLP neurons, so the parts of the candidate
that have no identical counterpart in the given model point at the lines to
change.

Comparing units. A unit is one matrix of one attention head (query, key,
value, output), or the MLP neurons of a layer that write one run of adjacent
residual columns (usually one variable), with their input weights; the
residual stream runs along the rows, and all-zero rows and columns are
removed. Removing them makes a unit independent of where variables it does not
touch sit, so fixing one line does not disturb the comparison of the others;
which of the input rows (`tokens`, `indices`, `one`, always first) a unit reads
is kept. The score of a candidate is minus the size of the symmetric
difference between its units and the given model's (per layer and role, as
multisets): 0 means every unit has a twin, and a candidate at 0 that still
does not recompile to the same weights scores -1.

The search. Hill climbing from the best-scoring candidates: the lines behind the
earliest unmatched units are the suspects. Their edits (`line_edits`) are the
decoder's best whole lines at that place, single-token substitutions ranked by
the decoder's probability, swapped arguments, and pairs of substitutions; when
none helps, `lookahead` changes an upstream lambda and the suspect line
together, and `structural_edits` add a missing line. The best edit of the first
line that improves the score is taken. Every step only proposes candidates: the
verdict still comes from `trade.verify`, against the weights alone. The
original program is never seen.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import re
import time
from typing import Callable, Iterator, Sequence

import numpy as np
import torch

from trade.compiling import CompileConfig, CompiledModel, CompileError, compile_program
from trade.decoding import Template, encode_weight_tokens, template_lookahead, template_mask
from trade.grammar import GrammarState, grammar_masks
from trade.model import Decompiler
from trade.program.program import MAX_LINES, Op, Program, ProgramError, canonicalize, variable_name
from trade.program.tokens import (EOS_ID, TOKEN_ID, TOKENS_PER_LINE, VARIABLES, VOCABULARY, ids_to_program,
                                  program_to_ids)
from trade.search_options import RepairOptions  # torch-free; also importable from here
from trade.weights import ModelWeights, WeightTokens, residual_major_matrices, weights_of

UnitKey = tuple[str, int, str]  # (role, layer, digest of the compacted matrix)
_LABEL = re.compile(r"^v(\d+)_\d+")


def _compact(matrix: np.ndarray) -> np.ndarray:
    """The matrix without its all-zero rows and columns, rounded (no -0.0)."""
    rows = np.flatnonzero(np.abs(matrix).sum(axis=1))
    columns = np.flatnonzero(np.abs(matrix).sum(axis=0))
    return np.round(matrix[np.ix_(rows, columns)].astype(np.float64), 5) + 0.0


def _digest(*matrices: np.ndarray) -> str:
    digest = hashlib.blake2b(digest_size=12)
    for matrix in matrices:
        compact = _compact(matrix)
        digest.update(str(compact.shape).encode() + compact.tobytes())
    return digest.hexdigest()


def _fixed_rows(config: CompileConfig) -> int:
    """Residual rows whose place never changes: `indices:*`, `one`, `tokens:*` (BOS and PAD too).

    Tracr sorts residual directions by label, and these sort before every
    variable (`v1_1`, ...), so they lead every model compiled with `config`.
    """
    return config.max_seq_len + 1 + len(set(config.vocab) | {config.compiler_bos, config.compiler_pad})


def _inputs_read(matrix: np.ndarray, fixed: int) -> str:
    """Which of the fixed rows a matrix reads: tells `Map(f, tokens)` from `Map(f, indices)`."""
    return ":" + "".join("1" if row else "0" for row in np.abs(matrix[:fixed]).sum(axis=1) > 0)


@dataclasses.dataclass(frozen=True)
class Unit:
    """One comparable piece of a model.

    `group` names what computes it, (layer, head) for an attention head or
    (layer, -1 - first column) for the MLP neurons writing one run of columns; its
    `written` rows are the residual dimensions that group writes.
    """

    key: UnitKey
    group: tuple[int, int]
    written: tuple[int, ...]


def weight_units(weights: ModelWeights, positional: bool = False) -> list[Unit]:
    """Attention units per head and matrix; MLP units per run of written residual columns.

    An MLP layer computes several lines side by side. Each line writes its own
    variable, a contiguous block of residual columns (Tracr sorts directions by
    label), so splitting the layer at gaps between written columns (the
    neurons writing a run, with their input weights) gives most lines units of
    their own, to be checked apart from the others in the layer. Variables
    that happen to sit side by side share a unit.

    `positional` adds where in the residual stream each unit reads and writes,
    which tells apart candidates whose units all match but sit elsewhere.
    """
    units = []
    fixed = _fixed_rows(weights.compile_config)
    matrices = residual_major_matrices(weights)
    written = {(m.layer, m.head): tuple(np.flatnonzero(np.abs(m.matrix).sum(axis=1)).tolist())
               for m in matrices if m.role == "attn_out"}
    for item in matrices:
        if item.role in ("mlp_in", "mlp_out"):
            continue
        group = (item.layer, item.head)
        digest = _digest(item.matrix) + _inputs_read(item.matrix, fixed)
        if positional:
            digest += ":" + ",".join(map(str, np.flatnonzero(np.abs(item.matrix).sum(axis=1))))
        units.append(Unit((item.role, item.layer, digest), group, written.get(group, ())))
    for layer in range(weights.num_layers):
        w_out = weights.params[f"transformer/layer_{layer}/mlp/linear_2/w"]
        for run in _runs(np.flatnonzero(np.abs(w_out).sum(axis=0))):
            units.append(Unit(mlp_key(weights, layer, run, fixed, positional), (layer, -1 - int(run[0])),
                              tuple(int(c) for c in run)))
    return units


def mlp_key(weights: ModelWeights, layer: int, columns: Sequence[int], fixed: int,
            positional: bool = False) -> UnitKey:
    """The unit of the MLP neurons of `layer` that write `columns`, with their input weights."""
    columns = list(columns)
    w_in = weights.params[f"transformer/layer_{layer}/mlp/linear_1/w"]
    w_out = weights.params[f"transformer/layer_{layer}/mlp/linear_2/w"]
    neurons = np.flatnonzero(np.abs(w_out[:, columns]).sum(axis=1))
    reads = w_in[:, neurons]
    digest = _digest(reads, w_out[neurons][:, columns]) + _inputs_read(reads, fixed)
    if positional:
        digest += f":{columns}:" + ",".join(map(str, np.flatnonzero(np.abs(reads).sum(axis=1))))
    return ("mlp", layer, digest)


def min_lines(weights: ModelWeights) -> int:
    """A lower bound on the lines of the program behind the weights.

    Each head is an Aggregate or a SelectorWidth; each MLP run is at least one
    Map, SequenceMap or SelectorWidth (a SelectorWidth has a head and an MLP,
    so at most one of them per head is extra); heads need a Select.
    """
    units = weight_units(weights)
    heads = {unit.group for unit in units if unit.key[0] == "attn_out"}
    runs = sum(1 for unit in units if unit.key[0] == "mlp")
    return len(heads) + max(runs - len(heads), 0) + (1 if heads else 0)


def _runs(columns: np.ndarray) -> list[np.ndarray]:
    """Consecutive stretches of sorted column indices."""
    if columns.size == 0:
        return []
    return np.split(columns, np.flatnonzero(np.diff(columns) != 1) + 1)


def unit_counts(weights: ModelWeights, positional: bool = False) -> collections.Counter:
    return collections.Counter(unit.key for unit in weight_units(weights, positional))


def _line_of_label(label: str) -> int | None:
    match = _LABEL.match(label)
    return int(match.group(1)) - 1 if match else None


@dataclasses.dataclass
class Scored:
    """A compiled candidate, its score against the given units, and its suspect lines.

    `detail` breaks ties: how many variables match inside shared MLP units
    that do not match as a whole.
    """

    program: Program
    score: int
    suspects: list[int]  # lines behind the earliest unmatched units, earliest first
    detail: int = 0
    size: int = 0  # how many units the candidate has

    def better_than(self, other: "Scored") -> bool:
        return (self.score, self.detail) > (other.score, other.detail)


def _variable(label: str) -> str:
    return label.split(":")[0]


def split_shared(units: list[Unit], given: collections.Counter, model: CompiledModel, candidate: ModelWeights,
                 given_weights: ModelWeights | None) -> tuple[list[Unit], int]:
    """Splits unmatched MLP units shared by several variables at the candidate's variable boundaries.

    Where the given model writes the same columns in that layer, both are cut
    the same way, so each line of the shared unit is checked on its own.
    Returns the units with the unmatched shared ones replaced by their pieces
    that do not match, and how many pieces matched.
    """
    if given_weights is None:
        return units, 0
    fixed = _fixed_rows(candidate.compile_config)
    out, matched = [], 0
    for unit in units:
        variables = [_variable(model.residual_labels[column]) for column in unit.written]
        layer = unit.key[1]
        if (unit.key[0] != "mlp" or given.get(unit.key, 0) > 0 or len(set(variables)) < 2
                or layer >= given_weights.num_layers
                or max(unit.written) >= given_weights.d_model):
            out.append(unit)
            continue
        pieces = [[column for column, v in zip(unit.written, variables) if v == name]
                  for name in dict.fromkeys(variables)]
        for piece in pieces:
            key = mlp_key(candidate, layer, piece, fixed)
            if key == mlp_key(given_weights, layer, piece, fixed):
                matched += 1
            else:
                out.append(Unit(key, unit.group, tuple(piece)))
    return out, matched


def score_candidate(program: Program, model: CompiledModel, given: collections.Counter,
                    given_weights: ModelWeights | None = None, positional: bool = False) -> Scored:
    """Scores a compiled candidate and names the lines behind its unmatched units.

    `given` must count units made with the same `positional`.
    """
    candidate = weights_of(model)
    units = weight_units(candidate, positional)
    counts = collections.Counter(unit.key for unit in units)
    matched = sum(min(count, given[key]) for key, count in counts.items())
    score = 2 * matched - sum(counts.values()) - sum(given.values())

    selector_of = {index: int(line.args[0][1:]) - 1 for index, line in enumerate(program.lines)
                   if line.op in (Op.AGGREGATE, Op.SELECTOR_WIDTH)}
    units, detail = split_shared(units, given, model, candidate, given_weights)
    budget = dict(given)
    unmatched_layers: dict[int, set[int]] = collections.defaultdict(set)
    for unit in units:
        if budget.get(unit.key, 0) > 0:
            budget[unit.key] -= 1
            continue
        lines = {line for row in unit.written
                 if (line := _line_of_label(model.residual_labels[row])) is not None}
        if unit.key[0] in ("query", "key"):  # a selector's comparison lives in the query and key
            lines |= {selector_of[line] for line in lines if line in selector_of}
        unmatched_layers[unit.key[1]] |= lines
    suspects: list[int] = []
    for layer in sorted(unmatched_layers):
        suspects += sorted(unmatched_layers[layer] - set(suspects))
    return Scored(program, score, suspects, detail, sum(counts.values()))


class Searcher:
    """Compiles, scores and remembers candidates for one given model."""

    def __init__(self, weights: ModelWeights, net: Decompiler, tokens: WeightTokens,
                 options: RepairOptions = RepairOptions(), is_exact: Callable[[Program], bool] | None = None):
        self.config: CompileConfig = weights.compile_config
        self.given = unit_counts(weights)
        self.weights = weights
        self.given_positional: collections.Counter | None = None
        self.is_exact = is_exact
        self.net, self.options = net, options
        self.memory, self.weight_mask = encode_weight_tokens(net, [tokens])
        self.empty_cache = net.start_decoding(self.memory, self.weight_mask)  # never mutated: reused per call
        self.seen: dict[Program, Scored | None] = {}
        self._log_probs: dict[tuple[int, ...], np.ndarray] = {}
        self.compiles = 0
        self.began = time.perf_counter()
        self.pause_at: float | None = None

    def out_of_budget(self) -> bool:
        now = time.perf_counter()
        return (self.compiles >= self.options.max_compiles or now - self.began > self.options.max_seconds
                or (self.pause_at is not None and now > self.pause_at))

    def pause_after(self, share: float | None) -> None:
        """Let the current round use only `share` of the time budget (None: all that is left)."""
        self.pause_at = None if share is None else self.began + share * self.options.max_seconds

    def scored(self, program: Program) -> Scored | None:
        """The candidate's score, or None if Tracr cannot compile it (memoised)."""
        if program not in self.seen:
            self.compiles += 1
            try:
                model = compile_program(program, self.config, timeout=5.0)
            except (CompileError, ProgramError):
                self.seen[program] = None
            else:
                scored = score_candidate(program, model, self.given, self.weights)
                if scored.score == 0 and self.is_exact is not None and not self.is_exact(program):
                    # A difference the units cannot see: where things sit, or the output's labels.
                    if self.given_positional is None:
                        self.given_positional = unit_counts(self.weights, positional=True)
                    placed = score_candidate(program, model, self.given_positional, positional=True)
                    scored.score, scored.detail, scored.suspects = -1, placed.score, placed.suspects
                self.seen[program] = scored
        return self.seen[program]

    @torch.no_grad()
    def log_probs(self, ids: list[int]) -> np.ndarray:
        """[positions, vocabulary]: the decoder's grammar-masked log-probabilities of each next token.

        Memoised: the climb, the lookahead and the choice among twins ask about the same programs.
        """
        key = tuple(ids)
        if key not in self._log_probs:
            inputs = torch.tensor([ids[:-1]])
            mask = grammar_masks(inputs)
            logits = self.net.decode(inputs, self.memory, self.weight_mask, grammar_mask=mask)
            self._log_probs[key] = torch.log_softmax(logits[0].float(), dim=-1).numpy()
        return self._log_probs[key]

    @torch.no_grad()
    def line_alternatives(self, prefix: list[int], k: int,
                          template: Template | None = None) -> list[list[int]]:
        """The decoder's k most likely next lines (4 tokens each) after `prefix`, best first.

        `template` (4 entries) narrows the tokens allowed at each position of the line.
        """
        state = GrammarState.initial(1)
        for token in prefix:
            state = state.advance(torch.tensor([token]))
        ids = torch.tensor([prefix])
        scores = torch.zeros(1)
        cache, new = self.empty_cache, ids
        for step in range(TOKENS_PER_LINE):
            mask = state.allowed()
            mask[:, EOS_ID] = False
            if template is not None:
                mask = template_mask(template, step, mask, mask.shape[0], mask.shape[1])
                mask = template_lookahead(template, step, mask, state)
            logits, cache = self.net.decode_next(new, cache, mask)
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
            cache, new = cache.select(rows), chosen[:, None]
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


def _substituted(ids: list[int], changes: dict[int, int]) -> Program | None:
    return _program_of([changes.get(position, token) for position, token in enumerate(ids)])


def _alternatives(ids: list[int], log_probs: np.ndarray, position: int, limit: int | None
                  ) -> list[tuple[float, int]]:
    """Other tokens the grammar allows at `position`, most likely first: (log-probability, token)."""
    row = log_probs[position - 1]  # row p - 1 predicts ids[p]
    order = [int(t) for t in np.argsort(-row) if np.isfinite(row[t]) and t != ids[position]]
    return [(float(row[t]), t) for t in order[:limit]]


def argument_edits(ids: list[int], log_probs: np.ndarray, program: Program, line: int,
                   limit: int | None) -> Iterator[Program | None]:
    """Single-token substitutions of a line's arguments, and swapped arguments of a Select or SequenceMap."""
    start = 1 + TOKENS_PER_LINE * line
    for position in range(start + 1, start + TOKENS_PER_LINE):
        for _, token in _alternatives(ids, log_probs, position, limit):
            yield _substituted(ids, {position: token})
    op = program.lines[line].op
    if op in (Op.SELECT, Op.SEQUENCE_MAP):
        first, second = (start + 1, start + 2) if op is Op.SELECT else (start + 2, start + 3)
        swap = {first: ids[second], second: ids[first]}
        yield _substituted(ids, swap)
        # with the lambda (SequenceMap) or the comparison (Select) changed too: x < y is y > x
        changed = start + 1 if op is Op.SEQUENCE_MAP else start + 3
        for _, token in _alternatives(ids, log_probs, changed, limit):
            yield _substituted(ids, {**swap, changed: token})


def line_edits(searcher: Searcher, current: Scored, ids: list[int], log_probs: np.ndarray,
               line: int) -> Iterator[Program | None]:
    """Edits of one suspect line, the decoder's favourites first.

    The decoder's best whole lines at that place; every single-token
    substitution (most likely first); swapped arguments of a Select or
    SequenceMap; pairs of argument substitutions within the line (a lambda and
    its input are often wrong together); and pairs with the lambda of a Map or
    SequenceMap feeding this line (a monotone Map's weights hide its values,
    which only show where they are used). Pairs are ranked by summed
    log-probability.
    """
    options = searcher.options

    def alternatives(position: int) -> list[tuple[float, int]]:
        return _alternatives(ids, log_probs, position, options.alternatives)

    start = 1 + TOKENS_PER_LINE * line
    for alternative in searcher.line_alternatives(ids[:start], options.line_beam):
        yield _program_of(ids[:start] + alternative + ids[start + TOKENS_PER_LINE:])
    for _, token in alternatives(start):
        yield _substituted(ids, {start: token})
    yield from argument_edits(ids, log_probs, current.program, line, options.alternatives)
    program = current.program
    arguments = range(start + 1, start + TOKENS_PER_LINE)
    pairs = [(first, second) for first in arguments for second in arguments if first < second]
    for name in program.lines[line].variable_args:
        producer = int(name[1:]) - 1 if name.startswith("v") else None
        if producer is not None and program.lines[producer].op in (Op.MAP, Op.SEQUENCE_MAP):
            lambda_position = 1 + TOKENS_PER_LINE * producer + 1
            pairs += [(lambda_position, position) for position in arguments]
    ranked = [(a + b, {first: s, second: t}) for first, second in pairs
              for a, s in alternatives(first) for b, t in alternatives(second)]
    ranked.sort(key=lambda pair: -pair[0])
    for _, changes in ranked[:options.pairs]:
        yield _substituted(ids, changes)


def climb(searcher: Searcher, start: Scored) -> Scored:
    """Hill climbing until the units all match, nothing improves, or the budget ends.

    Each step edits the suspect lines in order (earliest layer first) and takes
    the best edit of the first line whose edits improve the score. Where no
    edit improves, it may move sideways, to the decoder's favourite edit of
    the same score not visited before (`RepairOptions.sideways` times): two
    wrong lines often cost the same unit whichever of them is fixed first.
    Returns the best program met.
    """
    current = best_seen = start
    visited = {start.program}
    sideways = searcher.options.sideways
    for _ in range(searcher.options.max_steps + sideways):
        if current.score == 0 or searcher.out_of_budget():
            break
        ids = program_to_ids(current.program)
        log_probs = searcher.log_probs(ids)
        best = current
        level: Scored | None = None  # the first edit of the same score, not visited yet
        for line in current.suspects or range(len(current.program)):
            for program in line_edits(searcher, current, ids, log_probs, line):
                if searcher.out_of_budget():
                    break
                scored = searcher.scored(program) if program is not None else None
                if scored is not None and scored.better_than(best):
                    best = scored
                    if best.score == 0:
                        break
                elif (level is None and scored is not None and scored.score == current.score
                      and scored.program not in visited):
                    level = scored
            if best is not current or searcher.out_of_budget():
                break
        if best is current:
            best = lookahead(searcher, current)
        if best is current:
            for program in structural_edits(searcher, current):
                if searcher.out_of_budget():
                    break
                scored = searcher.scored(program) if program is not None else None
                if scored is not None and scored.better_than(best):
                    best = scored
        if best is current and level is not None and sideways > 0:
            best, sideways = level, sideways - 1
        if best is current:
            break
        current = best
        visited.add(current.program)
        if current.better_than(best_seen):
            best_seen = current
    return best_seen


def _renumbered(line_ids: list[int], first_moved: int) -> list[int]:
    """Line tokens with every variable v(m), m >= first_moved, renamed v(m + 1)."""
    out = []
    for token in line_ids:
        name = VOCABULARY[token]
        if name.startswith("v") and name[1:].isdigit() and int(name[1:]) >= first_moved:
            token = TOKEN_ID[f"v{int(name[1:]) + 1}"]
        out.append(token)
    return out


def structural_edits(searcher: Searcher, current: Scored) -> Iterator[Program | None]:
    """A line the decoder left out: appended as the new output, or inserted and used by a later line.

    New lines come from the decoder's best lines at that place; an appended
    line is also tried with each of its arguments substituted, an inserted one
    as an argument of every later line where its type fits (a line nothing
    reads would be dropped as dead code).
    """
    ids = program_to_ids(current.program)
    lines = len(current.program)
    if lines >= MAX_LINES:
        return
    k = searcher.options.insert_beam
    appended = [ids[:-1] + new_line + [EOS_ID]
                for new_line in searcher.line_alternatives(ids[:-1], searcher.options.line_beam)]
    for body in appended:
        yield _program_of(body)
    for body in appended:  # and every argument of the new output line
        program = _program_of(body)
        if program is not None and len(program) == lines + 1:
            body = program_to_ids(program)
            yield from argument_edits(body, searcher.log_probs(body), program, lines, searcher.options.alternatives)
    first = min(current.suspects, default=0)
    for index in range(max(first - 1, 0), lines):
        start = 1 + TOKENS_PER_LINE * index
        tail = _renumbered(ids[start:-1], index + 1)
        new_name = TOKEN_ID[variable_name(index)]
        for new_line in searcher.line_alternatives(ids[:start], k):
            body = ids[:start] + new_line + tail + [EOS_ID]
            for position in range(start + TOKENS_PER_LINE, len(body) - 1):
                if VOCABULARY[body[position]] in VARIABLES:
                    yield _program_of(body[:position] + [new_name] + body[position + 1:])


def _lambda_ancestors(program: Program, line: int) -> list[int]:
    """Map and SequenceMap lines that `line` reads, directly or not, nearest first."""
    found, frontier = [], [line]
    while frontier:
        following = []
        for index in frontier:
            for name in program.lines[index].variable_args:
                if name.startswith("v") and (producer := int(name[1:]) - 1) not in found:
                    found.append(producer)
                    following.append(producer)
        frontier = following
    return [index for index in found if program.lines[index].op in (Op.MAP, Op.SEQUENCE_MAP)]


def lookahead(searcher: Searcher, current: Scored) -> Scored:
    """Two moves at once, through a lambda change upstream that does not lower the score.

    Every lambda of the nearest Map or SequenceMap lines upstream (their values
    reach the suspect line directly or through other lines) is tried, each
    with every argument substitution of the suspect line.

    A Map whose lambda is monotone on its inputs compiles to the same unit
    whatever its values are called; the names only matter where the variable
    is used. So a wrong lambda there costs nothing until the line reading it is
    fixed too, and neither edit improves the score alone.
    """
    best = current
    ids = program_to_ids(current.program)
    log_probs = searcher.log_probs(ids)
    for line in current.suspects:
        for producer in _lambda_ancestors(current.program, line)[:searcher.options.ancestors]:
            position = 1 + TOKENS_PER_LINE * producer + 1
            for _, token in _alternatives(ids, log_probs, position, None):
                if searcher.out_of_budget():
                    return best
                program = _substituted(ids, {position: token})
                step = searcher.scored(program) if program is not None else None
                if (step is None or step.score < current.score or len(step.program) != len(current.program)
                        or step.program.lines[line] != current.program.lines[line]):
                    continue
                step_ids = program_to_ids(step.program)
                step_log_probs = searcher.log_probs(step_ids)
                for edited in argument_edits(step_ids, step_log_probs, step.program, line, None):
                    if searcher.out_of_budget():
                        return best
                    scored = searcher.scored(edited) if edited is not None else None
                    if scored is not None and scored.better_than(best):
                        best = scored
                if best is not current:
                    return best
    return best


def repair(searcher: Searcher, starts: Sequence[Program]) -> list[Program]:
    """Candidates reached by climbing from `starts`, best score first (each compiles).

    A program whose units all match the given weights (score 0) is almost always
    `exact`; the caller verifies.
    """
    scored = [s for s in (searcher.scored(p) for p in dict.fromkeys(starts)) if s is not None]
    scored.sort(key=lambda s: (-s.score, -s.detail))
    results: list[Scored] = []
    for start in scored[:searcher.options.starts]:
        if searcher.out_of_budget():
            break
        end = climb(searcher, start)
        results.append(end)
        if end.score == 0:
            break
    results.sort(key=lambda s: (-s.score, -s.detail))
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
