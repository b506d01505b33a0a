"""Filling a skeleton: the lambdas and comparisons, chosen line by line and checked against each line's weights.

With the skeleton read from the weights (`trade.skeleton`), what is left of a
program are its lambdas and comparisons, and each line's own weights check
them: Tracr compiles every line into its own attention head or its own MLP
neurons, so once the lines before it are right, a line's choice is right only
if its block has exactly the given model's matrices.

`fill` is a depth-first search over the lines in order. At each line it tries
the decoder's most likely completions (it sees the weights and the lines
chosen so far) and keeps those whose block matches; Selects are checked
through the head that uses them. A wrong choice that still matches (a lambda
whose values are named differently, `x == 0` against `4 - x` on {0, 1}) is
found out further down, where the values are read, and the search backs up.
Blocks come from Tracr's own compiler stages run on the program so far, so no
model is assembled until a whole program is verified. Only the given weights
are used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from typing import Callable, Sequence

import numpy as np
from tracr.compiler import basis_inference, nodes, rasp_to_graph
from tracr.craft import bases, transformers

from trade.compiled import CompileConfig
from trade.compiling import tracr_speedups
from trade.layout import HELPER, _Reader, block_name
from trade.program.program import Op, Program, ProgramError, canonicalize
from trade.program.tokens import BOS_ID, EOS_ID, TOKENS_PER_LINE, ids_to_program
from trade.program.tracr_bridge import to_rasp
from trade.repair import Searcher
from trade.skeleton import Skeleton
from trade.weights import ModelWeights

_PLACES = 4  # decimals kept when comparing products of weight matrices
_BOS = "bos"


@dataclasses.dataclass(frozen=True)
class FillOptions:
    """How wide and how long to search."""

    choices: int = 48  # completions of a line tried, most likely first
    max_seconds: float = 3.0


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
        digest.update(str(matrix.shape[0] > 0 and matrix[np.ix_(rows, columns)].shape).encode())
        digest.update(matrix[np.ix_(rows, columns)].tobytes())
        digest.update(repr(([part.rows[r] for r in rows], [part.columns[c] for c in columns])).encode())
    return digest.hexdigest()


def _is_bookkeeping(read_labels: Sequence[str]) -> bool:
    """Neurons reading only `one` or BOS: a numerical MLP's start neuron, or SelectorWidth's BOS cleaner
    (which two SelectorWidths of one layer share)."""
    return all(label in ("one", "tokens:BOS") for label in read_labels)


def _places(labels: Sequence[str], bos_label: str) -> list[int | str]:
    """Each residual direction's place within its variable; BOS is its own place (attention reads it
    without the other tokens)."""
    first: dict[str, int] = {}
    return [_BOS if label == bos_label else dim - first.setdefault(block_name(label), dim)
            for dim, label in enumerate(labels)]


NOTHING = _part_digest([])  # the digest of a line with no weights of its own (a constant Map)


def model_line_digests(weights: ModelWeights, labels: Sequence[str]) -> dict[str, str]:
    """Per residual block (a line's variable), a digest of the head and neurons that compute it."""
    params, key_size, reader = weights.params, weights.key_size, _Reader(labels)
    places = _places(labels, f"tokens:{weights.compile_config.compiler_bos}")
    parts: dict[str, list[_Part]] = {}
    for layer in range(weights.num_layers):
        attn, mlp = f"transformer/layer_{layer}/attn", f"transformer/layer_{layer}/mlp"
        for head in range(weights.num_heads):
            columns = slice(head * key_size, (head + 1) * key_size)
            output = params[f"{attn}/linear/w"][columns]
            written = reader.blocks(np.flatnonzero(np.abs(output).sum(axis=0) > 1e-9))
            if len(written) != 1:
                continue
            owner = written[0][:-len(HELPER)] if written[0].endswith(HELPER) else written[0]
            query, key = params[f"{attn}/query/w"][:, columns], params[f"{attn}/key/w"][:, columns]
            value = params[f"{attn}/value/w"][:, columns]
            parts.setdefault(owner, []).extend([_Part(query @ key.T, places, places),
                                                _Part(value @ output, places, places)])
        first, second = params[f"{mlp}/linear_1/w"], params[f"{mlp}/linear_2/w"]
        groups: dict[str, list[int]] = {}
        for unit in range(first.shape[1]):
            reads = [labels[row] for row in np.flatnonzero(np.abs(first[:, unit]) > 1e-9)]
            written = [b for b in reader.blocks(np.flatnonzero(np.abs(second[unit]) > 1e-9))
                       if not b.endswith(HELPER)]
            if reads and written and not _is_bookkeeping(reads):
                groups.setdefault(written[0], []).append(unit)
        for block, units in groups.items():
            neurons = [None] * len(units)
            parts.setdefault(block, []).extend([_Part(first[:, units], places, neurons),
                                                _Part(second[units], neurons, places)])
    return {block: _part_digest(block_parts) for block, block_parts in parts.items()}


def _sorted_part(matrix: np.ndarray, rows: Sequence[bases.BasisDirection], columns: Sequence[bases.BasisDirection],
                 bos: bases.BasisDirection, neurons: str = "") -> _Part:
    """The matrix with rows and columns in sorted basis order, as Tracr lays out the residual stream;
    `neurons` names the side ("rows", "columns") that are hidden neurons."""
    row_order = sorted(range(len(rows)), key=lambda i: rows[i])
    column_order = sorted(range(len(columns)), key=lambda j: columns[j])

    def places(basis: Sequence[bases.BasisDirection], order: list[int], hidden: bool) -> list[int | str | None]:
        if hidden:
            return [None] * len(order)
        first: dict[str, int] = {}
        return [_BOS if basis[i] == bos else index - first.setdefault(basis[i].name, index)
                for index, i in enumerate(order)]

    return _Part(np.asarray(matrix)[np.ix_(row_order, column_order)], places(rows, row_order, neurons == "rows"),
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
                if not _is_bookkeeping([input_labels[row]
                                        for row in np.flatnonzero(np.abs(first.matrix[:, unit]) > 1e-9)])
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
        expr = to_rasp(program)
        graph = rasp_to_graph.extract_rasp_graph(expr)
        tracr_speedups.reverse_as_view(graph.graph)
        basis_inference.infer_bases(graph.graph, graph.sink, set(config.vocab), config.max_seq_len)
        bos = bases.BasisDirection("tokens", config.compiler_bos)
        tracr_speedups.add_craft_components(graph.graph, bos_dir=bos, mlp_exactness=config.mlp_exactness)
        block, values = graph.sink[nodes.MODEL_BLOCK], graph.sink[nodes.VALUE_SET]
    except Exception:  # Tracr raises many kinds; all mean "not this line"
        return None
    return _part_digest(_block_parts(block, bos)), repr(sorted(values, key=repr))


class _OutOfTime(Exception):
    pass


def fill(searcher: Searcher, skeleton: Skeleton, is_exact: Callable[[Program], bool],
         options: FillOptions = FillOptions()) -> Program | None:
    """The first program the depth-first search finds that `is_exact` accepts, or None.

    Lines are completed in the skeleton's order with the decoder's most likely
    completions under its template; a line that is not a Select is kept only
    if its block's digest is the given model's for that line.
    """
    config = searcher.config
    given = model_line_digests(searcher.weights, skeleton.labels)
    template = skeleton.template()
    deadline = time.perf_counter() + options.max_seconds

    def visit(prefix: list[int], line: int) -> Program | None:
        if time.perf_counter() > deadline:
            raise _OutOfTime
        if line == len(skeleton):
            try:
                program = canonicalize(ids_to_program(prefix + [EOS_ID]))
            except ProgramError:
                return None
            return program if is_exact(program) else None
        start = TOKENS_PER_LINE * line
        tried: set[str] = set()  # value sets of completions that match: others alike are twins
        for alternative in searcher.line_alternatives(prefix, options.choices,
                                                      template[start:start + TOKENS_PER_LINE]):
            ids = prefix + alternative
            if skeleton.ops[line] is not Op.SELECT:  # a Select is checked through the head using it
                try:
                    block = line_block(ids_to_program(ids), config)
                except ProgramError:
                    continue
                if block is None or block[0] != given.get(skeleton.blocks[line], NOTHING) or block[1] in tried:
                    continue
                tried.add(block[1])
            found = visit(ids, line + 1)
            if found is not None:
                return found
        return None

    try:
        return visit([BOS_ID], 0)
    except _OutOfTime:
        return None
