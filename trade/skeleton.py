"""Program skeletons read from the weights: each line's function and arguments, lambdas left open.

The decoder writes whole programs, and on long ones it loses track of which
variable feeds which (it reads `v3 = Map(f, v1)` where the weights say
`Map(f, v2)`), or stops after a few lines. Yet the dataflow is plain in the
weights: every variable is written by one attention head or one group of MLP
neurons, and those read the variables they depend on. What the weights show
only as numbers are the lambdas of Maps and SequenceMaps and the comparisons
of Selects, which is what the decoder is good at.

`skeletons` recovers the dataflow of a model in TraDe's layout (as compiled by
`trade.compiling`, with or without residual names): it infers where each
variable's residual directions begin and end (`infer_labels`), reads the lines
with `trade.layout`'s dataflow analysis, numbers them canonically, and keeps
the numberings whose variable names sort into the residual order Tracr gave
them (`v10_10` sorts before `v1_1`). A `Skeleton` turns into a decoding
template: per token position, the tokens allowed there (`None`: whatever the
grammar allows). Only the weights are read; the result is a constraint for the
decoder, and every program decoded under it is still verified.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from typing import Iterator, Sequence

import numpy as np

from trade.compiled import CompileConfig
from trade.layout import (BOOKKEEPING, FIXED, HELPER, UNSEEN, LayoutError, Line, assign_depths, block_name,
                          canonical_numberings, nonzero, read_dataflow)
from trade.program.lambdas import LAMBDAS, Encoding, LambdaKind
from trade.program.program import INPUTS, MAX_LINES, Op, Program
from trade.program.text import parse_program
from trade.program.tokens import EMPTY_ID, EOS_ID, TOKEN_ID, TOKENS_PER_LINE, program_to_ids
from trade.search_options import Template
from trade.weights import ModelWeights

_CATEGORICAL_MAP_LAMBDAS = frozenset(TOKEN_ID[lam.token] for lam in LAMBDAS
                                     if lam.kind is not LambdaKind.SEQUENCE_MAP
                                     and lam.kind.output_encoding is Encoding.CATEGORICAL)
MAX_HIDDEN = 3  # lines with arguments no weight shows; each multiplies the numberings to try
MAX_NUMBERINGS = 2000  # canonical numberings checked against the residual order
# and padding: no value a line reads (with the model's own BOS and padding tokens, `infer_labels`)
_IGNORED_READS = BOOKKEEPING + ("tokens:PAD",)


@functools.lru_cache(maxsize=8)
def _input_labels(config: CompileConfig) -> tuple[str, ...]:
    """The input directions of a model compiled with `config`, in Tracr's order: its basis directions
    sorted (`indices:i`, `one`, `tokens:v` with BOS and PAD), as Tracr sorts them. A vocabulary of
    several kinds (1 and '1', True and 1) is compiled instead: Tracr's order of those depends on how its
    comparison falls back to strings."""
    from tracr.craft import bases  # Tracr is slow to import; only needed here

    if len({type(token) for token in config.vocab}) > 1:
        return _compiled_input_labels(config)
    directions = [bases.BasisDirection("indices", i) for i in range(config.max_seq_len)]
    directions.append(bases.BasisDirection("one"))
    directions += [bases.BasisDirection("tokens", token)
                   for token in {*config.vocab, config.compiler_bos, config.compiler_pad}]
    return tuple(d.name if d.value is None else f"{d.name}:{d.value}" for d in sorted(directions))


def _compiled_input_labels(config: CompileConfig) -> tuple[str, ...]:
    from trade.compiling import compile_program
    model = compile_program(parse_program("v1 = Select(tokens, tokens, EQ)\nv2 = SelectorWidth(v1)"), config)
    return tuple(label for label in model.residual_labels if block_name(label) in FIXED)


def fixed_labels(weights: ModelWeights) -> tuple[str, ...]:
    """The residual labels that lead the model: `indices`, `one` (where Tracr needed it), `tokens`."""
    labels = _input_labels(weights.compile_config)
    one = labels.index("one")
    embeddings = weights.params["token_embed/embeddings"]
    if one < embeddings.shape[1] and np.all(embeddings[:, one] == 1):
        return labels
    return labels[:one] + labels[one + 1:]  # every token writes `one`; here none does


def _nonzero_rows(matrix: np.ndarray) -> np.ndarray:
    return nonzero(np.abs(matrix).sum(axis=1))


class _UnionFind:
    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, first: int, second: int) -> None:
        self.parent[self.find(first)] = self.find(second)


def infer_labels(weights: ModelWeights) -> list[str]:
    """Residual labels for a model in TraDe's layout, made from its weights: `b{k}:{i}` per variable.

    Each attention head writes one variable (or the helper direction of a
    SelectorWidth, which the same layer's MLP then reads and clears). The
    directions an MLP layer writes are split into variables where the neurons
    writing them read other variables, and into as few variables as a
    categorical lookup allows: the neurons of one lookup read each input value
    (or pair of values) exactly once (`_lookups`). A direction nothing reads or
    writes (a numerical Map that is 0 on every input it gets writes nothing, and
    a Map of it has no units) is a variable of its own. Raises LayoutError where
    the weights do not fit.
    """
    fixed = fixed_labels(weights)
    d_model, start = weights.d_model, len(fixed)
    if d_model < start:
        raise LayoutError(f"a residual stream of {d_model} is smaller than its inputs ({start})")
    config = weights.compile_config
    ignored = _IGNORED_READS + (f"tokens:{config.compiler_bos}", f"tokens:{config.compiler_pad}")
    block_of: dict[int, str] = {dim: block_name(label) for dim, label in enumerate(fixed)
                                if label not in ignored}
    dims_of: dict[str, list[int]] = {}
    for dim, name in block_of.items():
        dims_of.setdefault(name, []).append(dim)
    count = itertools.count()

    def new_block(dims: Sequence[int]) -> str:
        name = f"b{next(count)}"
        for dim in dims:
            block_of[dim] = name
        dims_of[name] = list(dims)
        return name

    params, key_size = weights.params, weights.key_size
    readers_of = _readers(weights)
    for layer in range(weights.num_layers):
        attn, mlp = f"transformer/layer_{layer}/attn", f"transformer/layer_{layer}/mlp"
        output = params[f"{attn}/linear/w"]
        head_dims = {head: [int(d) for d in _nonzero_rows(output[head * key_size:(head + 1) * key_size].T)
                            if d >= start] for head in range(weights.num_heads)}
        first, second = params[f"{mlp}/linear_1/w"], params[f"{mlp}/linear_2/w"]
        mlp_written = {int(d) for d in _nonzero_rows(second.T) if d >= start}
        layer_helpers = {dim for dims in head_dims.values() for dim in dims if dim in mlp_written}
        for dims in head_dims.values():
            if dims and not (len(dims) == 1 and dims[0] in layer_helpers):
                if set(dims) & layer_helpers:
                    raise LayoutError(f"layer {layer}: a head writes {dims}, some also written by the MLP")
                new_block(dims)
        _mlp_blocks(first, second, sorted(mlp_written - layer_helpers), layer_helpers,
                    block_of, dims_of, new_block, layer, readers_of)
        for helper in layer_helpers:  # the SelectorWidth whose neurons read the helper owns it
            owners = {block_of[int(d)] for unit in nonzero(first[helper]) for d in nonzero(second[unit])
                      if int(d) != helper and int(d) in block_of}
            if len(owners) != 1:
                raise LayoutError(f"layer {layer}: helper direction {helper} is read for {sorted(owners)}")
            block_of[helper] = owners.pop() + HELPER
            dims_of[block_of[helper]] = [helper]
    labels = list(fixed)
    for dim in range(start, d_model):
        if dim not in block_of and all(role in ("mlp", "value") for *_, role in readers_of.get(dim, ())):
            # A numerical Map that is 0 on every input it gets writes nothing: a variable of its own that
            # MLPs and values may still read (a Map of it of no units reads it not at all).
            new_block([dim])
        if dim not in block_of:
            raise LayoutError(f"nothing writes residual direction {dim}")
        name = block_of[dim]
        labels.append(name if name.endswith(HELPER) else f"{name}:{dims_of[name].index(dim)}")
    return labels


def _readers(weights: ModelWeights) -> dict[int, frozenset]:
    """Per residual direction, the heads (as query, key or value) and MLP layers that read it."""
    readers: dict[int, set] = {}
    key_size = weights.key_size
    for layer in range(weights.num_layers):
        attn = f"transformer/layer_{layer}/attn"
        for role in ("query", "key", "value"):
            matrix = weights.params[f"{attn}/{role}/w"]
            for head in range(weights.num_heads):
                for dim in _nonzero_rows(matrix[:, head * key_size:(head + 1) * key_size]):
                    readers.setdefault(int(dim), set()).add((layer, head, role))
        for dim in _nonzero_rows(weights.params[f"transformer/layer_{layer}/mlp/linear_1/w"]):
            readers.setdefault(int(dim), set()).add((layer, "mlp"))
    return {dim: frozenset(found) for dim, found in readers.items()}


def _nonzero_per_row(matrix: np.ndarray) -> list[list[int]]:
    """`nonzero` of each row, in one pass over the matrix (an MLP has hundreds of units)."""
    rows, columns = np.nonzero(np.abs(matrix) > 1e-9)
    found: list[list[int]] = [[] for _ in range(matrix.shape[0])]
    for row, column in zip(rows.tolist(), columns.tolist()):
        found[row].append(column)
    return found


def _mlp_blocks(first: np.ndarray, second: np.ndarray, written: list[int], helpers: set[int],
                block_of: dict[int, str], dims_of: dict[str, list[int]], new_block, layer: int,
                readers_of: dict[int, frozenset]) -> None:
    """Splits the directions one MLP layer writes (sorted, helpers left out) into variables."""
    if not written:
        return
    union = _UnionFind()
    writers: dict[int, list[int]] = {dim: [] for dim in written}
    reads = _nonzero_per_row(first.T)
    written_by = _nonzero_per_row(second)
    silent: list[int] = []  # neurons that read variables and write nothing: a lookup's pairs that map to None
    for unit in range(second.shape[0]):
        dims = [d for d in written_by[unit] if d in writers]
        if not any(d in block_of or d in helpers for d in reads[unit]):
            continue  # reads only `one` or BOS: a start neuron, or the BOS cleaner SelectorWidths share
        if not written_by[unit]:
            silent.append(unit)
        for dim in dims:
            writers[dim].append(unit)
            union.union(dim, dims[0])

    def signature(units: list[int]) -> tuple[str, ...]:
        """The variables the neurons read (a SelectorWidth's helper direction by its own name)."""
        read = {d for unit in units for d in reads[unit]}
        return tuple(sorted({block_of[d] for d in read if d in block_of and d not in helpers}
                            | {f"h{d}" for d in read if d in helpers}))

    def points(unit: int, blocks: tuple[str, ...]) -> set[tuple[int, ...]]:
        """The input values (one per block read) a neuron responds to."""
        per_block = [[d for d in reads[unit] if block_of.get(d) == block] for block in blocks]
        return set(itertools.product(*per_block))

    components: dict[int, list[int]] = {}
    for dim in written:
        components.setdefault(union.find(dim), []).append(dim)
    runs: list[list[tuple[list[int], tuple[str, ...], set]]] = []  # adjacent components read alike
    for dims in sorted(components.values()):
        if dims != list(range(dims[0], dims[-1] + 1)):
            raise LayoutError(f"layer {layer}: neurons write residual directions {dims} with others between")
        units = sorted({unit for dim in dims for unit in writers[dim]})
        sign = signature(units)
        categorical = tuple(block for block in sign if not block.startswith("h"))
        read = set().union(*(points(unit, categorical) for unit in units)) if categorical else set()
        if runs and runs[-1][-1][1] == sign and runs[-1][-1][0][-1] + 1 == dims[0]:
            runs[-1].append((dims, sign, read))
        else:
            runs.append([(dims, sign, read)])
    for run in runs:
        categorical = tuple(block for block in run[0][1] if not block.startswith("h"))
        unread = set().union(*(points(unit, categorical) for unit in silent
                               if signature([unit]) == run[0][1])) if categorical else set()
        for piece in _lookups(run, dims_of, readers_of, unread):
            new_block([dim for dims, _, _ in piece for dim in dims])


def _lookups(run: list[tuple[list[int], tuple[str, ...], set]], dims_of: dict[str, list[int]],
             readers_of: dict[int, frozenset], silent: set = frozenset(),
             ) -> list[list[tuple[list[int], tuple[str, ...], set]]]:
    """A run of adjacent components reading the same variables, cut into as few variables as possible.

    A piece of several components is one categorical lookup only if its
    neurons read every input value (or pair of values) exactly once, counting
    the values that `silent` neurons read (those map to None: Tracr gives them a
    neuron that writes nothing); any
    component alone may be a variable (a categorical-to-numerical Map writes
    one direction from one neuron). Between cuts into as many variables, the
    one whose variables are each read by the same parts of the model wins.
    """
    categorical = tuple(block for block in run[0][1] if not block.startswith("h"))
    size = int(np.prod([len(dims_of[block]) for block in categorical])) if categorical else 0

    # Pieces from each start, longer and longer: once two components read one value, no longer piece
    # from that start is a lookup, so the search stops there (runs of a thousand components happen: a
    # SequenceMap of two strings). `best[start]` is final when its pieces are tried (all shorter starts
    # were), so this finds what trying every (start, stop) by stop would.
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * len(run)  # (cost, start of last)
    # after[i]: the most input values the components from i on can add (their reads may overlap)
    after = np.cumsum([len(read - silent) for _, _, read in run][::-1])[::-1].tolist() + [0]
    for start in range(len(run)):
        seen: set = set()
        covered = 0  # len(seen - silent), kept as it grows (pieces stop at the first overlap)
        readers: set = set()
        for stop in range(start + 1, len(run) + 1):
            dims, _, read = run[stop - 1]
            overlap = bool(seen & read)
            if not overlap:
                covered += len(read - silent)
            seen |= read
            readers.update(readers_of.get(dim, frozenset()) for dim in dims)
            if stop - start > 1 and overlap:
                break
            if stop - start == 1 or (categorical and covered + len(silent) == size):
                # one per variable, and a little more for one whose directions are read by different
                # parts of the model (two Maps of one input side by side are read by different lines)
                cost = best[start][0] + 1.0 + (0.1 if len(readers) > 1 else 0.0)
                if cost < best[stop][0] - 1e-9:
                    best[stop] = (cost, start)
            if not categorical or covered + len(silent) + after[stop] < size:
                break  # no longer piece from this start can read every value
    pieces, stop = [], len(run)
    while stop:
        start = best[stop][1]
        pieces.append(run[start:stop])
        stop = start
    return pieces[::-1]


@dataclasses.dataclass(frozen=True)
class Skeleton:
    """A program's lines as the weights show them: function and variable arguments per line.

    `args` uses the program's variable names (`v3`, `tokens`); `None` marks an
    argument the weights do not show (a TRUE or FALSE selector's). A
    SequenceMap's arguments are in the order its neurons show, or either way
    round where they do not (`swappable`).
    """

    ops: tuple[Op, ...]
    args: tuple[tuple[str | None, ...], ...]
    swappable: frozenset[int] = frozenset()  # SequenceMap lines whose argument order did not show
    # Per line, the residual block (`infer_labels`' name) holding its variable; None for a Select.
    blocks: tuple[str | None, ...] = ()
    labels: tuple[str, ...] = dataclasses.field(default=(), compare=False)  # the inferred residual labels

    def __len__(self) -> int:
        return len(self.ops)

    def text(self) -> list[str]:
        """One line each, `?` where the weights leave a lambda, comparison or argument open:
        `v3 = Map(?, v1)`, `v4 = Select(tokens, v3, ?)`; SequenceMap arguments in either order in braces."""
        out = []
        for index, (op, args) in enumerate(zip(self.ops, self.args)):
            shown = [arg or "?" for arg in args]
            if op in (Op.MAP, Op.SEQUENCE_MAP):
                shown = ["?"] + (["{" + ", ".join(shown) + "}"] if index in self.swappable else shown)
            elif op is Op.SELECT:
                shown.append("?")
            out.append(f"v{index + 1} = {op.value}({', '.join(shown)})")
        return out

    def categorical_lines(self) -> set[int]:
        """Lines whose values must be categorical: read by a Select or a SequenceMap, or aggregated
        into such a line."""
        needed: set[int] = set()
        for index in range(len(self) - 1, -1, -1):
            op, args = self.ops[index], self.args[index]
            read = (args if op in (Op.SELECT, Op.SEQUENCE_MAP)
                    else args[1:] if op is Op.AGGREGATE and index in needed else ())
            needed |= {int(arg[1:]) - 1 for arg in read if arg is not None and arg not in INPUTS}
        return needed

    def template(self) -> Template:
        """Allowed tokens per position after `<bos>`: fixed functions, variables and empty slots, and
        only lambdas with categorical values for a Map whose values a Select or SequenceMap reads."""
        out: list[frozenset[int] | None] = []
        categorical = self.categorical_lines()
        for index, (op, args) in enumerate(zip(self.ops, self.args)):
            out.append(frozenset({TOKEN_ID[op.value]}))
            names = [None if arg is None else TOKEN_ID[arg] for arg in args]
            if op is Op.MAP and index in categorical:
                argument = None if names[0] is None else frozenset(names)
                out += [_CATEGORICAL_MAP_LAMBDAS, argument, frozenset({EMPTY_ID})]
                continue
            if op is Op.SELECT:
                slots = [names[0], names[1], None]
            elif op is Op.AGGREGATE:
                slots = [names[0], names[1], EMPTY_ID]
            elif op is Op.SELECTOR_WIDTH:
                slots = [names[0], EMPTY_ID, EMPTY_ID]
            elif op is Op.MAP:
                slots = [None, names[0], EMPTY_ID]
            elif index in self.swappable:  # SequenceMap: its two arguments in either order
                pair = None if None in names else frozenset(names)
                out += [None, pair, pair]
                continue
            else:
                slots = [None, names[0], names[1]]
            out += [None if slot is None else frozenset({slot}) for slot in slots]
        out.append(frozenset({EOS_ID}))
        assert len(out) == TOKENS_PER_LINE * len(self) + 1
        return tuple(out)


def _variable_rank(number: int) -> str:
    return f"v{number}_{number}"  # how TraDe's compiler names line `number`'s residual directions


def _residual_order_fits(lines: list[Line], numbers: dict[str, int], labels: Sequence[str]) -> bool:
    """Whether naming the lines by `numbers` sorts their blocks as they sit in the residual stream."""
    first_dim: dict[str, int] = {}
    for dim, label in enumerate(labels):
        first_dim.setdefault(block_name(label), dim)
    blocks = [line for line in lines if line.block is not None]
    by_name = sorted(blocks, key=lambda line: _variable_rank(numbers[line.key]))
    return [line.block for line in by_name] == sorted((line.block for line in blocks), key=first_dim.get)


def _sequence_map_order(weights: ModelWeights, labels: Sequence[str], neurons: dict[tuple[int, int], str],
                        line: Line) -> tuple[str, str] | None:
    """A SequenceMap's arguments in order, from its neurons (None where they do not tell).

    Tracr gives it one neuron per pair of input values, ordered by the first
    argument's value and then the second's: the first argument's value changes
    least often along the neurons. With a single value in either, or pairs
    missing, both orders may fit.
    """
    units = sorted(key for key, block in neurons.items() if block == line.block)
    if len(line.args) != 2 or not units:
        return None
    block_of = [block_name(label) for label in labels]
    pairs = []  # per neuron, the residual direction it reads of each argument (sorted like its value)
    for layer, unit in units:
        first = weights.params[f"transformer/layer_{layer}/mlp/linear_1/w"]
        reads = nonzero(first[:, unit])
        pair = tuple(tuple(int(d) for d in reads if block_of[d] == arg) for arg in line.args)
        pairs.append(pair)
    first_outer = pairs == sorted(pairs)
    second_outer = [pair[::-1] for pair in pairs] == sorted(pair[::-1] for pair in pairs)
    if first_outer == second_outer:
        return None
    return line.args if first_outer else (line.args[1], line.args[0])


def _depth_choices(lines: list[Line]) -> Iterator[None]:
    """Sets the lines' depths once per guess at the depths of lines with an argument the weights hide.

    A TRUE or FALSE selector's arguments and a constant Map's input show in no
    weight, so those lines may sit at any depth up to one below the deepest.
    """
    hidden = [line for line in lines if UNSEEN in line.args]
    for line in lines:
        line.depth = 0
    assign_depths(lines)
    if not hidden:
        yield
        return
    if len(hidden) > MAX_HIDDEN:
        raise LayoutError(f"{len(hidden)} lines have arguments no weight shows (TraDe reads {MAX_HIDDEN})")
    deepest = max(line.depth for line in lines)
    for guess in itertools.product(range(1, deepest + 2), repeat=len(hidden)):
        for line in lines:
            line.depth = 0
        for line, depth in zip(hidden, guess):
            line.depth = depth
        try:
            assign_depths(lines)
        except LayoutError:
            continue
        by_key = {line.key: line for line in lines}
        if all(line.depth > by_key[arg].depth for line in hidden for arg in line.args if arg in by_key):
            yield


def skeletons(weights: ModelWeights, limit: int = 4) -> list[Skeleton]:
    """The skeletons the weights allow (several only where Selects tie), at most `limit`.

    Raises LayoutError if the weights are not a dataflow of TraDe's language
    in TraDe's layout.
    """
    labels = infer_labels(weights)
    lines, writers = read_dataflow(weights, labels)
    if len(lines) > MAX_LINES:
        raise LayoutError(f"the weights show {len(lines)} lines; programs have at most {MAX_LINES}")
    ordered_args = {line.key: _sequence_map_order(weights, labels, writers.neurons, line)
                    for line in lines if line.op is Op.SEQUENCE_MAP}
    out: list[Skeleton] = []
    tried = 0
    for _ in _depth_choices(lines):
        for numbers in canonical_numberings(lines, 64):
            tried += 1
            if tried > MAX_NUMBERINGS:
                break
            if _residual_order_fits(lines, numbers, labels):
                skeleton = _skeleton(lines, numbers, ordered_args, labels)
                if skeleton not in out:
                    out.append(skeleton)
            if len(out) >= limit:
                return out
    if not out:
        raise LayoutError("no canonical numbering of the lines fits the residual order")
    return out


def _skeleton(lines: list[Line], numbers: dict[str, int], ordered_args: dict[str, tuple[str, str] | None],
              labels: Sequence[str]) -> Skeleton:
    def name(arg: str) -> str | None:
        if arg == UNSEEN:
            return None
        return arg if arg in INPUTS else f"v{numbers[arg]}"

    ordered = sorted(lines, key=lambda line: numbers[line.key])
    return Skeleton(tuple(line.op for line in ordered),
                    tuple(tuple(name(arg) for arg in ordered_args.get(line.key) or line.args)
                          for line in ordered),
                    frozenset(numbers[key] - 1 for key, order in ordered_args.items() if order is None),
                    tuple(line.block for line in ordered), tuple(labels))


def fits(program: Program, skeleton: Skeleton) -> bool:
    """Whether a program's tokens are all allowed by the skeleton's template."""
    ids = program_to_ids(program)[1:]
    template = skeleton.template()
    return len(ids) == len(template) and all(allowed is None or token in allowed
                                            for token, allowed in zip(ids, template))

