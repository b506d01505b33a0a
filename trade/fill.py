"""Filling a skeleton: lambdas and comparisons chosen line by line, each checked against its line's weights.

With the skeleton read from the weights (`trade.skeleton`), what is left of a
program are its lambdas and comparisons, and each line's own weights check
them: Tracr compiles every line into its own attention head or its own MLP
neurons, so once the lines it reads are right, a line's choice is right only
if its block has exactly the given model's matrices (rows and columns in the
same places within their variables).

`fill` is a depth-first search. Each line's candidates are the completions
its template allows, ranked by the decoder (which reads the weights and a
program decoded under the template). Lines are chosen in dataflow order, each
right before the lines that read it, and kept only if their block matches;
Selects are checked through the head that uses them. A wrong choice that
still matches (a lambda whose values are named differently, `x == 0` against
`4 - x` on {0, 1}) is found out where the values are read, and the search
backs up. What is left to choose depends only on the functions of the lines
already chosen that it reads, so a failure is remembered by those and not
repeated, and of the completions that compute the same function only the
first is tried. Blocks come from Tracr's own compiler stages run on the lines
so far (about half a millisecond a line), so no model is assembled until a
whole program is verified. Only the given weights are used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import time
from typing import Callable, Sequence

import numpy as np
from tracr.compiler import nodes
from tracr.craft import bases, transformers

from trade.compiled import CompileConfig
from trade.compiling import craft_graph
from trade.layout import BOOKKEEPING, block_name, nonzero, read_dataflow
from trade.program.program import INPUTS, Op, Program, ProgramError, arg_sort_key, canonicalize
from trade.program.lambdas import LAMBDAS, LambdaKind
from trade.program.tokens import (BOS_ID, COMPARISONS, EMPTY_ID, EOS_ID, TOKEN_ID, TOKENS_PER_LINE, VARIABLES,
                                  VOCABULARY, ids_to_program)
from trade.program.tracr_bridge import to_rasp
from trade.repair import Searcher
from trade.search_options import FillOptions, Template  # torch-free; also importable from here
from trade.skeleton import Skeleton
from trade.weights import ModelWeights

_PLACES = 4  # decimals kept when comparing products of weight matrices
_BOS = "bos"
_VARIABLE_IDS = frozenset(TOKEN_ID[name] for name in VARIABLES)
_MAP_LAMBDAS = frozenset(TOKEN_ID[lam.token] for lam in LAMBDAS if lam.kind is not LambdaKind.SEQUENCE_MAP)
_SEQUENCE_MAP_LAMBDAS = frozenset(TOKEN_ID[lam.token] for lam in LAMBDAS
                                  if lam.kind is LambdaKind.SEQUENCE_MAP)
# What may stand in a slot the template leaves open: (function, slot) -> tokens.
_SLOT_KINDS = {(Op.MAP, 1): _MAP_LAMBDAS, (Op.SEQUENCE_MAP, 1): _SEQUENCE_MAP_LAMBDAS,
               (Op.SELECT, 3): frozenset(TOKEN_ID[c] for c in COMPARISONS), (Op.MAP, 2): _VARIABLE_IDS,
               (Op.SEQUENCE_MAP, 2): _VARIABLE_IDS, (Op.SEQUENCE_MAP, 3): _VARIABLE_IDS,
               (Op.SELECT, 1): _VARIABLE_IDS, (Op.SELECT, 2): _VARIABLE_IDS}
# A line nothing chosen reads, standing in for one not chosen yet (tokens is always categorical).
_PLACEHOLDER = [TOKEN_ID["Map"],
                TOKEN_ID[next(lam.token for lam in LAMBDAS if lam.kind is LambdaKind.MAP_CAT_CAT)],
                TOKEN_ID["tokens"], EMPTY_ID]


@dataclasses.dataclass(frozen=True)
class _Part:
    """A matrix of a line's block, with each row's and column's place in its variable (None: a neuron)."""

    matrix: np.ndarray
    rows: Sequence[int | str | None]
    columns: Sequence[int | str | None]


def _part_digest(parts: Sequence[_Part]) -> str:
    """A digest of the parts without their all-zero rows and columns, keeping where the others sit.

    Where a row sits within its variable tells `x == 0` from `x == 1` on {0, 1}
    (each reads one value with weight 1); the variables' names do not enter.
    """
    digest = hashlib.blake2b(digest_size=12)
    for part in parts:
        matrix = np.round(np.asarray(part.matrix, dtype=np.float64), _PLACES) + 0.0
        rows = np.flatnonzero(np.abs(matrix).sum(axis=1))
        columns = np.flatnonzero(np.abs(matrix).sum(axis=0))
        compact = matrix[np.ix_(rows, columns)]
        digest.update(str(compact.shape).encode() + compact.tobytes())
        digest.update(repr(([part.rows[r] for r in rows], [part.columns[c] for c in columns])).encode())
    return digest.hexdigest()


def _is_bookkeeping(read_labels: Sequence[str]) -> bool:
    """Neurons reading only `one` or BOS: a numerical MLP's start neuron, or SelectorWidth's BOS cleaner
    (which two SelectorWidths of one layer share)."""
    return all(label in BOOKKEEPING for label in read_labels)


def _places(labels: Sequence[str], bos_label: str) -> list[int | str]:
    """Each residual direction's place within its variable; BOS is its own place (attention reads it
    without the other tokens)."""
    first: dict[str, int] = {}
    return [_BOS if label == bos_label else dim - first.setdefault(block_name(label), dim)
            for dim, label in enumerate(labels)]


NOTHING = _part_digest([])  # the digest of a line with no weights of its own (a constant Map)


def model_line_digests(weights: ModelWeights, labels: Sequence[str]) -> dict[str, str]:
    """Per residual block (a line's variable), a digest of the head and neurons that compute it.

    Which head and neurons write each block comes from `trade.layout.read_dataflow`;
    neurons that write nothing, or read nothing but `one` and BOS, are left out, as
    `line_block` leaves them out of Tracr's own blocks.
    """
    _, writers = read_dataflow(weights, labels)
    params, key_size = weights.params, weights.key_size
    places = _places(labels, f"tokens:{weights.compile_config.compiler_bos}")
    parts: dict[str, list[_Part]] = {}
    for (layer, head), block in sorted(writers.heads.items()):
        attn, columns = f"transformer/layer_{layer}/attn", slice(head * key_size, (head + 1) * key_size)
        query, key = params[f"{attn}/query/w"][:, columns], params[f"{attn}/key/w"][:, columns]
        value, output = params[f"{attn}/value/w"][:, columns], params[f"{attn}/linear/w"][columns]
        parts.setdefault(writers.helper_owner.get(block, block), []).extend(
            [_Part(query @ key.T, places, places), _Part(value @ output, places, places)])
    groups: dict[tuple[str, int], list[int]] = {}
    for (layer, unit), block in sorted(writers.neurons.items()):
        first = params[f"transformer/layer_{layer}/mlp/linear_1/w"][:, unit]
        second = params[f"transformer/layer_{layer}/mlp/linear_2/w"][unit]
        if nonzero(second).size and not _is_bookkeeping([labels[row] for row in nonzero(first)]):
            groups.setdefault((block, layer), []).append(unit)
    for (block, layer), units in groups.items():
        mlp, neurons = f"transformer/layer_{layer}/mlp", [None] * len(units)
        parts.setdefault(block, []).extend([_Part(params[f"{mlp}/linear_1/w"][:, units], places, neurons),
                                            _Part(params[f"{mlp}/linear_2/w"][units], neurons, places)])
    return {block: _part_digest(block_parts) for block, block_parts in parts.items()}


def _sorted_part(matrix: np.ndarray, rows: Sequence[bases.BasisDirection],
                 columns: Sequence[bases.BasisDirection], bos: bases.BasisDirection,
                 neurons: str = "") -> _Part:
    """The matrix with rows and columns in sorted basis order, as Tracr lays out the residual stream;
    `neurons` names the side ("rows", "columns") that are hidden neurons."""
    row_order = sorted(range(len(rows)), key=lambda i: rows[i])
    column_order = sorted(range(len(columns)), key=lambda j: columns[j])

    def places(basis: Sequence[bases.BasisDirection], order: list[int],
               hidden: bool) -> list[int | str | None]:
        if hidden:
            return [None] * len(order)
        first: dict[str, int] = {}
        return [_BOS if basis[i] == bos else index - first.setdefault(basis[i].name, index)
                for index, i in enumerate(order)]

    return _Part(np.asarray(matrix)[np.ix_(row_order, column_order)],
                 places(rows, row_order, neurons == "rows"),
                 places(columns, column_order, neurons == "columns"))


def _block_parts(block, bos: bases.BasisDirection) -> list[_Part]:
    if isinstance(block, transformers.SeriesWithResiduals):
        return [part for inner in block.blocks for part in _block_parts(inner, bos)]
    if isinstance(block, transformers.AttentionHead):
        qk, ov = block.w_qk, block.w_ov
        return [_sorted_part(qk.matrix, qk.left_space.basis, qk.right_space.basis, bos),
                _sorted_part(ov.matrix, ov.input_space.basis, ov.output_space.basis, bos)]
    if isinstance(block, transformers.MLP):
        inputs, hidden = block.fst.input_space.basis, block.fst.output_space.basis
        first = _sorted_part(block.fst.matrix, inputs, hidden, bos, neurons="columns")
        second = _sorted_part(block.snd.matrix, hidden, block.snd.output_space.basis, bos, neurons="rows")
        input_labels = [f"{d.name}:{d.value}" if d.value is not None else d.name for d in sorted(inputs)]
        keep = [unit for unit in range(first.matrix.shape[1])
                if not _is_bookkeeping([input_labels[row] for row in nonzero(first.matrix[:, unit])])
                and np.abs(second.matrix[unit]).sum() > 1e-9]
        if not keep:  # a constant: nothing but bookkeeping, if anything
            return []
        return [_Part(first.matrix[:, keep], first.rows, [None] * len(keep)),
                _Part(second.matrix[keep], [None] * len(keep), second.columns)]
    raise TypeError(f"unexpected craft block {type(block).__name__}")


def line_block(program: Program, config: CompileConfig) -> tuple[str, str] | None:
    """A digest of the block Tracr builds for the program's last line, and the line's value set
    (None if Tracr cannot build it). Two lines with both equal compute the same function."""
    try:
        _, _, sink = craft_graph(to_rasp(program), config)
        block, values = sink[nodes.MODEL_BLOCK], sink[nodes.VALUE_SET]
    except Exception:  # Tracr raises many kinds; all mean "not this line"
        return None
    return _part_digest(_block_parts(block, bases.BasisDirection("tokens", config.compiler_bos))), repr(
        sorted(values, key=repr))


class _OutOfTime(Exception):
    pass


def fill_order(skeleton: Skeleton) -> list[int]:
    """The order to choose lines in: each after what it reads, and as late as that allows.

    A line's choice is checked where its values are read, so each is chosen
    right before the subtree that reads it: from the output, the inputs with
    the larger subtrees first, every line after its inputs. A line with an
    argument the weights hide may read any earlier line, so it comes after them.
    """
    count = len(skeleton)
    reads: list[list[int]] = []
    for index, args in enumerate(skeleton.args):
        if None in args:
            reads.append(list(range(index)))
        else:
            reads.append([int(arg[1:]) - 1 for arg in args if arg not in INPUTS])
    size: dict[int, int] = {}

    def subtree(line: int) -> int:
        if line not in size:
            size[line] = 1 + sum(subtree(arg) for arg in reads[line])
        return size[line]

    order: list[int] = []

    def place(line: int) -> None:
        if line in order:
            return
        for arg in sorted(set(reads[line]), key=lambda a: (-subtree(a), a)):
            place(arg)
        order.append(line)

    for line in range(count - 1, -1, -1):
        place(line)
    return order


def canonical_peers(skeleton: Skeleton) -> list[set[int]]:
    """Per line, the other lines of its function and depth: canonical form orders them by their code
    (lambdas first), so the skeleton's numbering holds only if their code sorts that way."""
    depth: list[int | None] = []
    for args in skeleton.args:
        if None in args:
            depth.append(None)
            continue
        reads = [depth[int(arg[1:]) - 1] for arg in args if arg not in INPUTS]
        depth.append(None if None in reads else 1 + max(reads, default=0))
    return [{peer for peer in range(len(skeleton)) if peer != line and depth[line] is not None
             and depth[peer] == depth[line] and skeleton.ops[peer] is skeleton.ops[line]}
            for line in range(len(skeleton))]


def _sort_key(op: Op, tokens: list[int]) -> tuple:
    """Canonical form's sort key of a line's arguments (`trade.program.program.arg_sort_key`)."""
    args = tuple(VOCABULARY[token] for token in tokens[1:] if token != EMPTY_ID)
    return arg_sort_key(args, op)


def _line_options(skeleton: Skeleton, template: Template, context: list[int], log_probs: np.ndarray,
                  line: int, limit: int) -> list[list[int]]:
    """The line's completions allowed by the template, most likely first in the decoder's view of
    `context` (a program that fits the skeleton); open positions range over every token of their kind,
    lines that no shown argument reads first."""
    start = TOKENS_PER_LINE * line
    named = {arg for args in skeleton.args for arg in args}
    orphans = [earlier for earlier in range(line) if f"v{earlier + 1}" not in named]
    per_position: list[list[tuple[float, int]]] = []
    for offset in range(TOKENS_PER_LINE):
        position = start + offset  # in the template; the decoder's row for it is the same number
        allowed = template[position]
        if allowed is None:
            kind = _SLOT_KINDS[(skeleton.ops[line], offset)]
            allowed = frozenset(kind if kind is not _VARIABLE_IDS else
                                [TOKEN_ID[v] for v in VARIABLES[:len(INPUTS) + line]])
        row = log_probs[position].copy()
        if template[position] is None:  # a line only a hidden argument can read must be read here, or die
            for orphan in orphans:
                row[TOKEN_ID[f"v{orphan + 1}"]] = 0.0
        score = {token: float(row[token]) if np.isfinite(row[token]) else -1e9 for token in allowed}
        ranked = sorted(allowed, key=lambda token: (-score[token], token))
        per_position.append([(score[token], token) for token in ranked])
    combinations = [(sum(score for score, _ in choice), [token for _, token in choice])
                    for choice in itertools.product(*per_position)]
    combinations.sort(key=lambda item: -item[0])
    return [tokens for _, tokens in combinations[:limit]]


def fill(searcher: Searcher, skeleton: Skeleton, is_exact: Callable[[Program], bool],
         options: FillOptions = FillOptions()) -> Program | None:
    """The first program the depth-first search finds that `is_exact` accepts, or None.

    Lines are chosen in `fill_order`. Each line's candidates are the template's
    completions, ranked by the decoder reading a program decoded greedily
    under the template; a line that is not a Select is kept only if its block
    has the given model's digest for that line. Where a line's choice fails
    under some upstream choices, it fails again under any that compute the
    same functions, so those are remembered; completions that compute the same
    function as one already tried are skipped (they are weight-identical twins).
    """
    config = searcher.config
    given = model_line_digests(searcher.weights, skeleton.labels)
    template = skeleton.template()
    deadline = time.perf_counter() + options.max_seconds
    context = [BOS_ID]
    for line in range(len(skeleton)):
        start = TOKENS_PER_LINE * line
        best = searcher.line_alternatives(context, 1, template[start:start + TOKENS_PER_LINE])
        if not best:
            return None
        context += best[0]
    log_probs = searcher.log_probs(context + [EOS_ID])
    order = fill_order(skeleton)
    readers = [{later for later, args in enumerate(skeleton.args) if None in args or f"v{line + 1}" in args}
               for line in range(len(skeleton))]
    peers = canonical_peers(skeleton)
    candidates: dict[int, list[list[int]]] = {}  # per line, its completions, most likely first
    chosen: dict[int, list[int]] = {}
    keys: dict[int, tuple] = {}
    failed: set[tuple] = set()

    def in_canonical_order(line: int, tokens: list[int]) -> bool:
        """Whether the line keeps its number among the lines canonical form sorts it with."""
        key = _sort_key(skeleton.ops[line], tokens)
        return all((key > _sort_key(skeleton.ops[peer], chosen[peer])) == (line > peer)
                   for peer in peers[line] if peer in chosen)

    def program_to(line: int) -> Program | None:
        """Lines up to `line`, the ones not chosen yet as placeholders that nothing chosen reads."""
        ids = [BOS_ID]
        for index in range(line + 1):
            ids += chosen.get(index, _PLACEHOLDER)
        try:
            return ids_to_program(ids)
        except ProgramError:
            return None

    def visit(step: int) -> Program | None:
        if time.perf_counter() > deadline:
            raise _OutOfTime
        if step == len(order):
            try:
                program = canonicalize(program_to(len(skeleton) - 1) or Program(()))
            except ProgramError:
                return None
            return program if is_exact(program) else None
        line = order[step]
        done = set(order[:step])
        # What the lines left to choose depend on: the functions of the lines they read, and the code of
        # the lines that canonical form sorts them with.
        state = (step, tuple(sorted((index, keys[index]) for index in done if readers[index] - done)),
                 tuple(sorted((index, tuple(chosen[index])) for index in done if peers[index] - done)))
        if state in failed:
            return None
        tried: set[tuple] = set()
        if line not in candidates:
            candidates[line] = _line_options(skeleton, template, context, log_probs, line, options.choices)
        for tokens in candidates[line]:
            if not in_canonical_order(line, tokens):
                continue
            chosen[line] = tokens
            if skeleton.ops[line] is Op.SELECT:  # checked through the head that uses it; what it selects
                # depends on the values of what it compares
                compared = [int(VOCABULARY[token][1:]) - 1 for token in tokens
                            if VOCABULARY[token].startswith("v")]
                key: tuple = (tuple(tokens), tuple(keys.get(index) for index in compared))
            else:
                program = program_to(line)
                block = line_block(program, config) if program is not None else None
                if block is None or block[0] != given.get(skeleton.blocks[line], NOTHING):
                    continue
                twin = (block, tuple(tokens) if peers[line] else None)  # with peers, the code matters too
                if twin in tried:
                    continue
                tried.add(twin)
                key = block
            keys[line] = key
            found = visit(step + 1)
            if found is not None:
                return found
        chosen.pop(line, None)
        keys.pop(line, None)
        failed.add(state)
        return None

    try:
        return visit(0)
    except _OutOfTime:
        return None
