"""Residual layouts: a Tracr model's residual stream reordered the way TraDe's compiler lays it out.

Tracr sorts the residual directions by label (`name:value`), and likewise each
layer's MLP neurons and each head's inner dimensions, which it names after
residual directions (heads keep the order of its walk through the graph).
TraDe names every variable after its line in the canonical program (`v3_3`),
and its decoder only saw that layout. A model compiled with other labels, such
as Tracr's own `lib.make_reverse` (`length`, `opp_idx`, ...), computes the same
thing in a permuted stream, which the decoder misreads.

`trade_layouts` puts such a model back into TraDe's layout using its weights and
the names of its residual directions (which say where one variable's directions
end and the next begin, and which are the inputs; the names themselves are not
used). It reads the dataflow from the weights: which head or group of MLP
neurons writes each variable, and which variables they read. That gives each
variable's function (Aggregate, SelectorWidth, Map, SequenceMap), the Select
lines the heads imply, and the canonical order of `trade.program.program.canonicalize`:
by depth, then by function and arguments. The canonical order also sorts Maps
and SequenceMaps of the same depth by their lambdas, which only the decoder can
guess, so every order of such ties is returned as a separate layout (up to a cap);
`trade.decompile` decodes each and keeps the best verdict.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Iterator, Sequence

import numpy as np

from trade.program.program import INPUTS, Op
from trade.weights import ModelWeights

FIXED = ("indices", "one", "tokens")  # what the embeddings write, named the same in every layout
BOOKKEEPING = ("one", "tokens:BOS")  # read by Tracr's biases and BOS handling, never as a line's argument
UNSEEN = "?"  # a TRUE or FALSE selector's argument, which its weights do not show
HELPER = "_selector_width_attn_output"  # a SelectorWidth's head writes here, its MLP reads it
_TRADE_NAME = re.compile(r"^v(\d+)_\1(" + HELPER + ")?$")
_OP_RANK = {op: rank for rank, op in enumerate(Op)}


class LayoutError(ValueError):
    """The model's dataflow is not one TraDe's language produces."""


def block_name(label: str) -> str:
    return label.split(":")[0]


def is_trade_layout(labels: Sequence[str]) -> bool:
    """Whether every residual direction is named as TraDe's compiler names them."""
    return all(block_name(label) in FIXED or _TRADE_NAME.match(block_name(label)) for label in labels)


@dataclasses.dataclass
class Line:
    """A line the weights imply: its function, its arguments (line keys or inputs), what it writes."""

    key: str
    op: Op
    args: tuple[str, ...]
    block: str | None  # the residual block it writes (None: a Select)
    depth: int = 0


@dataclasses.dataclass
class Writers:
    neurons: dict[tuple[int, int], str]  # (layer, hidden unit) -> the block its neuron group writes
    helper_owner: dict[str, str]  # a SelectorWidth's helper block -> the block it computes
    heads: dict[tuple[int, int], str] = dataclasses.field(default_factory=dict)  # (layer, head) -> block


def _blocks(labels: Sequence[str]) -> dict[str, list[int]]:
    blocks: dict[str, list[int]] = {}
    for dim, label in enumerate(labels):
        blocks.setdefault(block_name(label), []).append(dim)
    return blocks


def nonzero(vector: np.ndarray) -> np.ndarray:
    """Indices of the entries that are not (numerically) zero."""
    return np.flatnonzero(np.abs(vector) > 1e-9)


class BlockReader:
    """Which blocks a set of residual rows touches, leaving out `one` and the BOS direction."""

    def __init__(self, labels: Sequence[str]):
        self.block_of = [block_name(label) for label in labels]
        self.ignored = {dim for dim, label in enumerate(labels) if label in BOOKKEEPING}

    def blocks(self, dims: np.ndarray) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.block_of[d] for d in dims if d not in self.ignored))


def read_dataflow(weights: ModelWeights, labels: Sequence[str]) -> tuple[list[Line], Writers]:
    """The lines behind every non-input block, from who writes it and what they read."""
    params, key_size, reader = weights.params, weights.key_size, BlockReader(labels)
    writers = Writers({}, {})
    lines: dict[str, Line] = {}
    selects: dict[tuple, str] = {}
    helper_select: dict[str, str] = {}

    def select_of(layer: int, head: int) -> str:
        attn, columns = f"transformer/layer_{layer}/attn", slice(head * key_size, (head + 1) * key_size)
        query, key = params[f"{attn}/query/w"][:, columns], params[f"{attn}/key/w"][:, columns]
        q = reader.blocks(np.flatnonzero(np.abs(query).sum(axis=1))) or (UNSEEN,)
        k = reader.blocks(np.flatnonzero(np.abs(key).sum(axis=1))) or (UNSEEN,)
        if len(q) != 1 or len(k) != 1:
            raise LayoutError(f"layer {layer} head {head} reads {q} and {k}: not one query and one key")
        scores = query @ key.T
        if UNSEEN not in (q[0], k[0]):
            # Between the compared values only, up to scale: an Aggregate's head and a SelectorWidth's
            # head (which also attends to BOS) may share one Select.
            def dims(block: str) -> list[int]:
                return [d for d, name in enumerate(reader.block_of)
                        if name == block and d not in reader.ignored]

            scores = scores[np.ix_(dims(q[0]), dims(k[0]))]
            scale = np.abs(scores).max()
            scores = scores / scale if scale else scores
        pattern = np.round(scores, 4).tobytes()
        identity = (k[0], q[0], pattern)
        if identity not in selects:  # as in the language and in rasp.Select: keys first, then queries
            selects[identity] = f"select{len(selects)}"
            lines[selects[identity]] = Line(selects[identity], Op.SELECT, (k[0], q[0]), None)
        return selects[identity]

    for layer in range(weights.num_layers):
        attn = f"transformer/layer_{layer}/attn"
        for head in range(weights.num_heads):
            columns = slice(head * key_size, (head + 1) * key_size)
            written = reader.blocks(nonzero(np.abs(params[f"{attn}/linear/w"][columns, :]).sum(axis=0)))
            if not written:
                continue
            if len(written) != 1:
                raise LayoutError(f"layer {layer} head {head} writes {written}")
            block, select = written[0], select_of(layer, head)
            writers.heads[(layer, head)] = block
            if block.endswith(HELPER):
                helper_select[block] = select
                continue
            values = reader.blocks(np.flatnonzero(np.abs(params[f"{attn}/value/w"][:, columns]).sum(axis=1)))
            if len(values) != 1:
                raise LayoutError(f"layer {layer} head {head} aggregates {values}")
            lines[block] = Line(block, Op.AGGREGATE, (select, values[0]), block)
        mlp = f"transformer/layer_{layer}/mlp"
        first, second = params[f"{mlp}/linear_1/w"], params[f"{mlp}/linear_2/w"]
        reads: dict[str, set[str]] = {}
        silent: list[int] = []  # neurons that read but write nothing (a step where f does not change)
        for unit in range(second.shape[0]):
            # a SelectorWidth's neurons also clear its head's helper direction; the helper is not theirs
            written = tuple(b for b in reader.blocks(nonzero(second[unit])) if not b.endswith(HELPER))
            for block in written:
                reads.setdefault(block, set()).update(reader.blocks(nonzero(first[:, unit])))
            if written:
                writers.neurons[(layer, unit)] = written[0]
            elif nonzero(first[:, unit]).size:  # else padding: Tracr pads every layer's MLP to the widest
                silent.append(unit)
        read = {unit: reader.blocks(nonzero(first[:, unit])) for unit in range(first.shape[1])}
        for unit in silent:  # it belongs with the nearest neuron that reads the same variables and writes
            variables = read[unit]
            same = [other for (at, other) in writers.neurons if at == layer
                    and (not variables or read[other] == variables)]
            if not variables:  # a `_start` neuron (reads only `one`): Tracr sorts it right after its group
                same = [other for other in same if other < unit] or same
            if same:
                nearest = min(same, key=lambda other: abs(other - unit))
                writers.neurons[(layer, unit)] = writers.neurons[(layer, nearest)]
        for block, inputs in reads.items():
            helpers = [name for name in inputs if name.endswith(HELPER)]
            if helpers:
                lines[block] = Line(block, Op.SELECTOR_WIDTH, (helpers[0],), block)  # select filled in below
                writers.helper_owner[helpers[0]] = block
            elif len(inputs) in (0, 1, 2):  # none: a Map of a constant reads only `one`
                lines[block] = Line(block, Op.SEQUENCE_MAP if len(inputs) == 2 else Op.MAP,
                                    tuple(sorted(inputs)) or (UNSEEN,), block)
            else:
                raise LayoutError(f"layer {layer}: the MLP writing {block} reads {sorted(inputs)}")
    for line in lines.values():
        if line.op is Op.SELECTOR_WIDTH:
            if line.args[0] not in helper_select:
                raise LayoutError(f"{line.block}: no head writes {line.args[0]}")
            line.args = (helper_select[line.args[0]],)
    return list(lines.values()), writers


def assign_depths(lines: list[Line]) -> None:
    by_key = {line.key: line for line in lines}

    def depth(name: str, seen: tuple[str, ...] = ()) -> int:
        if name in FIXED or name in INPUTS or name == UNSEEN:
            return 0
        if name not in by_key or name in seen:
            raise LayoutError(f"{name}: read before anything writes it")
        line = by_key[name]
        if not line.depth:
            line.depth = 1 + max(depth(arg, seen + (name,)) for arg in line.args)
        return line.depth

    for line in lines:
        depth(line.key)


def canonical_numberings(lines: list[Line], limit: int) -> list[dict[str, int]]:
    """Canonical line numbers (1-based) of every line, once per order of the lambda ties."""
    levels = sorted({line.depth for line in lines})
    numberings: list[dict[str, int]] = [{}]
    for level in levels:
        here = [line for line in lines if line.depth == level]
        extended = []
        for numbers in numberings:
            for order in itertools.islice(_level_orders(here, numbers), limit):
                done = dict(numbers)
                for line in order:
                    done[line.key] = len(done) + 1
                extended.append(done)
                if len(extended) >= limit:
                    break
            if len(extended) >= limit:
                break
        numberings = extended
    return numberings


def _level_orders(here: list[Line], numbers: dict[str, int]) -> Iterator[list[Line]]:
    """The canonical orders of one depth level. Lines tie where the sort key needs what the
    weights do not name: the lambdas of Maps and SequenceMaps (first in their key), the
    comparisons of Selects with the same keys and queries (last in theirs), and all the
    Selects of a level where one's arguments do not show (a TRUE or FALSE selector). Each
    order of tied lines is returned."""

    def variable_key(name: str) -> tuple:
        return (0, INPUTS.index(name)) if name in INPUTS else (1, numbers[name])

    unseen = any(UNSEEN in line.args for line in here)

    def key(line: Line) -> tuple:
        if line.op in (Op.MAP, Op.SEQUENCE_MAP) or (line.op is Op.SELECT and unseen):
            return (_OP_RANK[line.op],)
        return (_OP_RANK[line.op], *(variable_key(arg) for arg in line.args))

    ordered = sorted(here, key=key)
    groups = [list(group) for _, group in itertools.groupby(ordered, key=key)]

    def orders(index: int) -> Iterator[list[Line]]:  # lazily: ties can be many
        if index == len(groups):
            yield []
            return
        for first in itertools.permutations(groups[index]):
            for rest in orders(index + 1):
                yield list(first) + rest

    return orders(0)


def _neuron_order(weights: ModelWeights, labels: Sequence[str], position: dict[int, tuple[str, int]],
                  layer: int, names: dict[str, str], writers: Writers) -> list[int]:
    """A layer's MLP neurons in the order Tracr gives them under TraDe's names.

    Tracr sorts the hidden directions by (name, value). A Map from a categorical
    variable uses its output's directions as hidden directions (its neurons read
    no `one`, and each copies itself to one output direction); a SelectorWidth's BOS
    cleaner is `_hidden_clean_bos_`; every other MLP names its neurons
    `_hidden_{label}_` with values that do not depend on labels, and
    `_hidden_{label}_start` for the neuron that reads only `one`.
    """
    first = weights.params[f"transformer/layer_{layer}/mlp/linear_1/w"]
    second = weights.params[f"transformer/layer_{layer}/mlp/linear_2/w"]
    reads = {unit: [labels[row] for row in nonzero(first[:, unit])] for unit in range(first.shape[1])}
    # A group whose neurons never read `one` is a categorical Map's (its output directions).
    numerical = {group for (at, unit), group in writers.neurons.items()
                 if at == layer and "one" in reads[unit]}

    def key(unit: int) -> tuple:
        group = writers.neurons.get((layer, unit))
        if reads[unit] == ["tokens:BOS"]:
            return ("_hidden_clean_bos_", 0, unit)
        if group is None:
            return ("\U0010ffff", 0, unit)  # unused neurons (Tracr's padding) stay last
        written = nonzero(second[unit])
        if group not in numerical and len(written) == 1:
            block, rank = position[written[0]]
            return (names[block], rank, unit)
        return (f"_hidden_{names[group]}_" + ("start" if reads[unit] == ["one"] else ""), 0, unit)

    return sorted(range(first.shape[1]), key=key)


def _inner_order(reading: np.ndarray, partner: np.ndarray) -> np.ndarray:
    """A head's inner dimensions ordered as Tracr orders them: by the residual directions they use.

    Tracr names a head's inner dimensions after residual directions, so with other
    names they come in another order. Once the residual rows are in TraDe's order,
    sorting the inner dimensions by the row that `reading` (key or value, residual
    by inner) reads, then by the row of `partner` (query by inner, or the output
    transposed) restores TraDe's.
    """
    def first_row(matrix: np.ndarray, column: int) -> int:
        rows = nonzero(matrix[:, column])
        return int(rows[0]) if rows.size else matrix.shape[0]

    columns = range(reading.shape[1])
    return np.asarray(sorted(columns, key=lambda j: (first_row(reading, j), first_row(partner, j), j)))


def _permuted(weights: ModelWeights, residual: np.ndarray, heads: dict[int, list[int]],
              neurons: dict[int, list[int]]) -> ModelWeights:
    params = dict(weights.params)
    key_size = weights.key_size
    params["token_embed/embeddings"] = params["token_embed/embeddings"][:, residual]
    params["pos_embed/embeddings"] = params["pos_embed/embeddings"][:, residual]
    for layer in range(weights.num_layers):
        attn, mlp = f"transformer/layer_{layer}/attn", f"transformer/layer_{layer}/mlp"
        query, key = params[f"{attn}/query/w"][residual], params[f"{attn}/key/w"][residual]
        value, output = params[f"{attn}/value/w"][residual], params[f"{attn}/linear/w"][:, residual].T
        qk_order, ov_order = [], []
        for head in heads[layer]:
            columns = np.arange(head * key_size, (head + 1) * key_size)
            qk_order.append(columns[_inner_order(key[:, columns], query[:, columns])])
            ov_order.append(columns[_inner_order(value[:, columns], output[:, columns])])
        qk, ov = np.concatenate(qk_order), np.concatenate(ov_order)
        for name, order in (("query", qk), ("key", qk), ("value", ov)):
            params[f"{attn}/{name}/w"] = params[f"{attn}/{name}/w"][residual][:, order]
            params[f"{attn}/{name}/b"] = params[f"{attn}/{name}/b"][order]
        params[f"{attn}/linear/w"] = params[f"{attn}/linear/w"][ov][:, residual]
        params[f"{attn}/linear/b"] = params[f"{attn}/linear/b"][residual]
        hidden = np.asarray(neurons[layer])
        params[f"{mlp}/linear_1/w"] = params[f"{mlp}/linear_1/w"][residual][:, hidden]
        params[f"{mlp}/linear_1/b"] = params[f"{mlp}/linear_1/b"][hidden]
        params[f"{mlp}/linear_2/w"] = params[f"{mlp}/linear_2/w"][hidden][:, residual]
        params[f"{mlp}/linear_2/b"] = params[f"{mlp}/linear_2/b"][residual]
    return dataclasses.replace(weights, params=params, residual_labels=None)  # the old names no longer fit


def trade_layouts(weights: ModelWeights, labels: Sequence[str], limit: int = 24) -> list[ModelWeights]:
    """The model in TraDe's layout, once per order of the lambda ties (at most `limit`).

    Raises LayoutError if the weights are not a dataflow of TraDe's language.
    """
    if len(labels) != weights.d_model:
        raise LayoutError(f"{len(labels)} residual labels for a residual stream of {weights.d_model}")
    blocks = _blocks(labels)
    position = {dim: (block, rank) for block, dims in blocks.items() for rank, dim in enumerate(dims)}
    lines, writers = read_dataflow(weights, labels)
    assign_depths(lines)
    layouts = []
    for numbers in canonical_numberings(lines, limit):
        names = {name: name for name in FIXED}
        for line in lines:
            if line.block is not None:
                names[line.block] = f"v{numbers[line.key]}_{numbers[line.key]}"
        for helper, owner in writers.helper_owner.items():
            names[helper] = names[owner] + HELPER
        missing = [block for block in blocks if block not in names]
        if missing:
            raise LayoutError(f"nothing writes {missing}")
        residual = np.asarray(sorted(range(len(labels)), key=lambda d: (names[block_name(labels[d])], d)))
        # Heads keep their order: Tracr lists a layer's heads as it walks the graph, not by name.
        heads = {layer: list(range(weights.num_heads)) for layer in range(weights.num_layers)}
        neurons = {layer: _neuron_order(weights, labels, position, layer, names, writers)
                   for layer in range(weights.num_layers)}
        layouts.append(_permuted(weights, residual, heads, neurons))
    return layouts

