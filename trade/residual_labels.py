"""Names for the residual directions of a compiled model saved without them.

A plain parameter file (or a TransformerLens model) keeps Tracr's arrays but
not `model.residual_labels`. They can be rebuilt from the arrays, because Tracr
writes every direction in a recognisable way:

- the token embedding writes `one` in every row and one `tokens:{value}`
  direction per row (rows in the order of the compile settings' tokens);
- the position embedding writes `indices:{i}` from its second row on;
- every other direction is written by one attention head or one of the MLPs Tracr joined into a
  layer's MLP, layer by layer: a head writes one variable (or, reading only BOS, the scratch
  direction of a SelectorWidth, whose MLP in the same layer writes the count). Tracr joins a layer's
  MLPs by sorting their hidden neurons by name, so each MLP's neurons lie together, and each kind of
  MLP shows in its neurons (`_Labeller.mlp_blocks`): a categorical Map has one neuron per output
  value, reading the input values mapped to it; a numerical Map's discretising neurons end with a
  neuron that reads `one` alone; a SequenceMap has one neuron per pair of values. Where one layer's
  weights leave it open (0/1 numerical Maps of one input side by side look like one lookup; a
  one-value variable looks numerical), the blocks that read the directions decide (`_how_read`).

Values: an Aggregate's output directions copy its input's values (through the
head's OV circuit), a SelectorWidth counts 0, 1, ...; a Map's categorical
outputs are not in the weights, so they are numbered 0, 1, ... in Tracr's order
(`UNKNOWN_VALUES` says so), except the output's where `output_values` are given.
Names are made up so that they sort as the originals did around `indices`,
`one` and `tokens`, and so that each layer's hidden neurons sort as given:
recompiling a reading with them lays the stream and the MLPs out as given, so
`exact` can still be checked array by array.
"""

from __future__ import annotations

import itertools

import numpy as np

from trade.layout import HELPER as HELPER_SUFFIX  # a SelectorWidth's scratch direction
from trade.weights import OUTPUT_VALUES_UNKNOWN, ModelWeights, output_block, untouched_dims

UNKNOWN_VALUES = "values not in the weights, numbered in Tracr's order"


class LabelError(ValueError):
    """The arrays do not show how a compiled model lays out its residual stream."""


def _token_rows(weights: ModelWeights) -> list:
    """The token values of the embedding rows, laid out as Tracr lays out the tokens space."""
    from trade.verify import token_ids_for

    ids = token_ids_for(weights.compile_config)
    rows = weights.params["token_embed/embeddings"].shape[0]
    if len(ids) != rows:
        raise LabelError(f"token_embed has {rows} rows; the vocabulary with BOS and PAD has {len(ids)} tokens "
                         "(pass --vocab)")
    return [value for value, _ in sorted(ids.items(), key=lambda item: item[1])]


def _nonzero(matrix: np.ndarray, axis: int) -> np.ndarray:
    return np.flatnonzero(np.abs(matrix).sum(axis=axis) > 1e-9)


class _Labeller:
    def __init__(self, weights: ModelWeights, peel: bool = True):
        self.weights = weights
        self.peel = peel  # an unread neuron at a lookup's end that reads nothing is an always-0 Map
        self.params = weights.params
        d_model = weights.d_model
        self.var_of: list[str | None] = [None] * d_model  # variable key of each direction
        self.value_of: list = [None] * d_model
        self.categorical: dict[str, bool] = {}
        self.dims: dict[str, list[int]] = {}
        self.unknown: set[str] = set()
        self._count = 0
        embed = self.params["token_embed/embeddings"]
        everywhere = [c for c in range(d_model) if np.all(np.abs(embed[:, c]) > 0.5)]
        self.one = everywhere[0] if len(everywhere) == 1 and embed.shape[0] > 1 else None
        if self.one is not None:
            self.assign("one", [self.one], None, categorical=False)
        config = weights.compile_config
        token_dims, token_values = [], []
        for value, row in zip(_token_rows(weights), embed):
            dims = [c for c in _nonzero(row[None], 0) if c != self.one]
            if len(dims) != 1:
                raise LabelError(f"the embedding of token {value!r} writes {len(dims)} directions, not one")
            token_dims.append(dims[0])
            token_values.append(value)
        self.assign("tokens", token_dims, token_values, categorical=True)
        self.bos = token_dims[token_values.index(config.compiler_bos)]
        self.pad = token_dims[token_values.index(config.compiler_pad)] if config.compiler_pad in token_values \
            else None
        pos = self.params["pos_embed/embeddings"]
        index_dims = []
        for row in pos[1:]:
            dims = _nonzero(row[None], 0)
            if len(dims) > 1:
                raise LabelError("a position embedding row writes several directions")
            if len(dims):
                index_dims.append(int(dims[0]))
        self.assign("indices", index_dims, list(range(len(index_dims))), categorical=True)
        self.pending: dict[int, str] = {}  # helper direction -> its SelectorWidth's variable key
        self.hidden_order: dict[int, list[tuple[str, str | None]]] = {}  # per layer: (naming, key) by neuron
        # categorical Aggregates: (output key, input key, (output dim, input dim) per value), which carry
        # values either way (`_carry_values`): an Aggregate's values are its input's
        self.copies: list[tuple[str, str, list[tuple[int, int]]]] = []

    def assign(self, key: str, dims: list[int], values: list | None, categorical: bool) -> None:
        for position, dim in enumerate(dims):
            if self.var_of[dim] is not None and self.var_of[dim] != key:
                raise LabelError(f"residual direction {dim} is written as two variables")
            self.var_of[dim] = key
            self.value_of[dim] = None if values is None else values[position]
        self.dims[key] = list(dims)
        self.categorical[key] = categorical

    def new_key(self) -> str:
        self._count += 1
        return f"#{self._count}"

    def reads(self, matrix: np.ndarray) -> list[str]:
        keys = []
        for dim in _nonzero(matrix, 1):
            if dim in (self.one, self.bos):
                continue
            key = self.var_of[dim]
            if key is None:
                raise LabelError(f"direction {dim} is read before any block writes it")
            if key not in keys:
                keys.append(key)
        return keys

    def label_heads(self, layer: int) -> None:
        prefix, key_size = f"transformer/layer_{layer}/attn", self.weights.key_size
        for head in range(self.weights.num_heads):
            columns = slice(head * key_size, (head + 1) * key_size)
            value = self.params[f"{prefix}/value/w"][:, columns]
            out = self.params[f"{prefix}/linear/w"][columns]
            written = [int(d) for d in _nonzero(out, 0)]
            if not written:
                continue
            sources = self.reads(value)
            if not sources:  # reads only BOS: a SelectorWidth's scratch direction
                if len(written) != 1:
                    raise LabelError(f"layer {layer} head {head} writes {len(written)} scratch directions")
                key = self.new_key()
                self.assign(key + HELPER_SUFFIX, written, None, categorical=False)
                self.pending[written[0]] = key
                continue
            if len(sources) != 1:
                raise LabelError(f"layer {layer} head {head} moves {len(sources)} variables")
            source = sources[0]
            key = self.new_key()
            if not self.categorical[source]:
                if len(written) == len(self.dims[source]) == 1 and \
                        self._how_read(layer, written, after_attention=True) == "categories":
                    # a one-value categorical variable (told from a numerical one by what reads the copy)
                    self.categorical[source] = True
                    self.value_of[self.dims[source][0]] = 0
                    self.unknown.add(source)
                else:
                    self.assign(key, written, None, categorical=False)
                    continue
            circuit = value.astype(np.float64) @ out.astype(np.float64)
            values, pairs = [], []
            for dim in written:
                origin = np.flatnonzero(np.abs(circuit[:, dim]) > 0.5)
                origin = [o for o in origin if self.var_of[o] == source]
                values.append(self.value_of[origin[0]] if len(origin) == 1 else None)
                if len(origin) == 1:
                    pairs.append((dim, int(origin[0])))
            if any(v is None for v in values):
                values = list(range(len(written)))
                self.unknown.add(key)
            elif source in self.unknown:
                self.unknown.add(key)
            if len(pairs) == len(written) == len(self.dims[source]) and \
                    len({origin for _, origin in pairs}) == len(pairs):
                self.copies.append((key, source, pairs))
            self.assign(key, written, values, categorical=True)

    def value_dims(self, key: str) -> list[int]:
        """The directions of a variable's values as a lookup reads them (the tokens' BOS and PAD aside)."""
        dims = self.dims[key]
        if key == "tokens":
            return [d for d in dims if d != self.bos and d != self.pad]
        return dims

    def mlp_blocks(self, layer: int) -> list[tuple[list[int], str, str]]:
        """The layer's neurons split into the MLPs Tracr combined, each with what it writes
        ("categorical", "numerical", "helper", or "" where the written directions decide) and how
        Tracr names its hidden directions ("label": the output's own label, "hidden": `_hidden_L_...`,
        "clean_bos": `_hidden_clean_bos_`), which `_names` needs to keep their order.

        Tracr combines a layer's MLPs into one by joining their hidden spaces, sorted by the names of
        the hidden directions; each MLP's names share a prefix (a categorical Map's are its output's
        own labels, `L:value`, one neuron per output value; the others' `_hidden_L_...`), so an MLP's
        neurons are contiguous. Within a run of neurons that read the same variables, the MLPs are told
        apart by how each kind is built:
        - a categorical Map: one neuron per output value, reading (weight 1) the input values mapped
          to it: its neurons' reads partition the input's values (`_split_lookups`);
        - a categorical-to-numerical Map: one neuron, weights the output values;
        - a categorical SequenceMap: one neuron per pair of input values (`x`'s values outer);
        - a numerical Map (discretising): pairs of neurons reading the input and `one`, then the
          `_hidden_L_start` neuron that reads `one` alone (it sorts last, so it closes the MLP);
        - a LinearSequenceMap: neurons reading `x` or `y` alone (weights +-1), all writing the output.
        """
        prefix = f"transformer/layer_{layer}/mlp"
        first, second = self.params[f"{prefix}/linear_1/w"], self.params[f"{prefix}/linear_2/w"]
        runs: list[list] = []  # [kind, signature, neurons]
        for neuron in range(first.shape[1]):
            if not (np.any(first[:, neuron]) or np.any(second[neuron])):
                continue
            reads = [int(d) for d in _nonzero(first[:, [neuron]], 1) if d != self.one]
            keys = sorted({"BOS" if d == self.bos else self.var_of[d] for d in reads}, key=str)
            if None in keys:
                raise LabelError(f"layer {layer} mlp reads a direction no earlier block writes")
            writes = tuple(int(d) for d in _nonzero(second[[neuron]], 0))
            uses_one = self.one is not None and first[self.one, neuron] != 0
            if keys == ["BOS"]:
                kind, signature = "clean_bos", ()  # SelectorWidths' `_hidden_clean_bos_` neuron
            elif any(k.endswith(HELPER_SUFFIX) for k in keys):
                kind, signature = "helper", ()
            elif not keys and not uses_one and len(writes) == 1:
                # A categorical Map's neuron for an output value no input value maps to (Tracr's value
                # sets can hold more than a lookup reaches): it belongs to the lookup around it, whose
                # neurons write consecutive directions; one that does not follow the run before it opens
                # the next lookup (a SequenceMap of a variable with itself, which Tracr compiles as a Map
                # of its diagonal, can start with values only other pairs reach).
                # Which lookup a neuron between two lookups' neurons belongs to the residual order tells in
                # Tracr's layout only; in a recovered basis, a later SequenceMap that reads the direction
                # beside one of the run's own (`_paired`), or later blocks that read it and the run's own
                # but never both (`_read_apart`), say that it is not the run's.
                before = _nonzero(second[[runs[-1][2][-1]]], 0) if runs else np.zeros(0, dtype=int)
                if runs and runs[-1][0] in ("lookup", "empty") and len(before) \
                        and writes[0] == int(before.max()) + 1 \
                        and not self._paired(layer, writes[0], runs[-1][2], second) \
                        and not self._read_apart(layer, writes[0], runs[-1][2], second):
                    runs[-1][2].append(neuron)
                else:
                    runs.append(["empty", None, [neuron]])
                continue
            elif not keys:
                if runs and runs[-1][0] == "numerical" and not runs[-1][1][1]:
                    runs[-1][2].append(neuron)  # a discretising MLP's start neuron: it ends the MLP
                    runs[-1][1] = (runs[-1][1][0], True)
                    continue
                kind, signature = "constant", ()
            elif len(keys) == 1 and self.categorical[keys[0]]:
                unit = bool(np.allclose(first[reads, neuron], 1.0))
                kind, signature = ("lookup", keys[0]) if unit else ("weighted", neuron)
                if unit and runs and runs[-1][0] == "empty":
                    runs[-1][:2] = ["lookup", keys[0]]
            elif len(keys) == 2 and all(self.categorical[k] for k in keys):
                kind, signature = "pair", tuple(keys)
            elif len(reads) == 1:
                kind, signature = "numerical", (reads[0] if uses_one else writes, False)
            else:
                kind, signature = "other", neuron
            if runs and runs[-1][0] == kind and runs[-1][1] == signature:
                runs[-1][2].append(neuron)
            else:
                runs.append([kind, signature, [neuron]])
        blocks: list[tuple[list[int], str, str]] = []
        for kind, signature, neurons in runs:
            if kind == "lookup":
                blocks += [(part, what, "label") for part, what in
                           self._split_lookups(layer, signature, neurons, first, second)]
            elif kind == "pair":
                size = len(self.value_dims(signature[0])) * len(self.value_dims(signature[1]))
                chunks = len(neurons) // size if size and len(neurons) % size == 0 else 1
                step = len(neurons) // chunks
                blocks += [(neurons[i:i + step], "", "hidden") for i in range(0, len(neurons), step)]
            elif kind in ("weighted", "empty"):
                blocks.append((neurons, "numerical", "label"))
            elif kind == "clean_bos":
                blocks.append((neurons, "helper", "clean_bos"))
            else:
                blocks.append((neurons, "helper" if kind == "helper" else "", "hidden"))
        return blocks

    def _split_lookups(self, layer: int, key: str, neurons: list[int], first: np.ndarray,
                       second: np.ndarray) -> list[tuple[list[int], str]]:
        """Neurons that read one categorical variable with weight 1, split into categorical Maps (a run
        whose reads partition the variable's values, writing consecutive directions) and
        categorical-to-numerical Maps (one neuron each). The most neurons in Maps wins; a Map whose
        directions a later block reads as numbers, one at a time, is numerical Maps after all."""
        values = set(self.value_dims(key))
        reads = [set(_nonzero(first[:, [n]], 1).tolist()) - {self.one} for n in neurons]
        writes = [_nonzero(second[[n]], 0).tolist() for n in neurons]

        def coverage(begin: int, end: int) -> int:
            """2 where the run is a Map reading every value, 1 where it leaves some out (Tracr gives an
            input value that maps to None no neuron; later reads tell it from numerical Maps), else 0."""
            seen: set[int] = set()
            for part in reads[begin:end]:
                if seen & part:
                    return 0
                seen |= part
            dims = [w[0] if len(w) == 1 else -1 for w in writes[begin:end]]
            if not (seen and seen <= values and all(b == a + 1 for a, b in itertools.pairwise(dims))
                    and min(dims) >= 0):
                return 0
            return 2 if seen == values else 1

        def is_map(begin: int, end: int) -> bool:
            return coverage(begin, end) > 0

        # (neurons in Maps that read every value, in other Maps, -blocks, start of the last block): a
        # full Map is preferred to partial ones that take a neighbouring numerical Map's neuron
        best: list[tuple] = [(0, 0, 0, None)]
        for end in range(1, len(neurons) + 1):
            last = best[end - 1]
            options = [(last[0], last[1], last[2] - 1, end - 1)]
            for begin in range(end - 1):
                kind = coverage(begin, end)
                if kind:
                    size = end - begin
                    options.append((best[begin][0] + size * (kind == 2), best[begin][1] + size * (kind == 1),
                                    best[begin][2] - 1, begin))
            best.append(max(options))
        cuts, end = [], len(neurons)
        while end > 0:
            begin = best[end][3]
            cuts.append((begin, end))
            end = begin
        def dims(begin: int, end: int) -> list[int]:
            return [int(d) for w in writes[begin:end] for d in w]

        def unread_end(low: int, high: int) -> int | None:
            """An end neuron that reads nothing and whose direction nothing reads, beside ones read:
            an always-0 numerical Map rather than a value of the lookup (readers read those too)."""
            read = [self._read_later(layer, d) for d in dims(low, high)]
            if not self.peel or not any(read):
                return None
            for end_neuron, flag in ((low, read[0]), (high - 1, read[-1])):
                if not reads[end_neuron] and not flag:
                    return end_neuron
            return None

        blocks = []
        for begin, end in reversed(cuts):
            read = self._how_read(layer, dims(begin, end))
            low, high = begin, end
            while high - low > 1 and (not reads[low] or not reads[high - 1]):
                # A neuron that reads nothing at either end may be a numerical Map that is always 0.
                cut = unread_end(low, high)
                if cut is None and read != "numbers":
                    break
                if cut is None:
                    cut = low if not reads[low] else high - 1
                low, high = (low + 1, high) if cut == low else (low, high - 1)
                read = self._how_read(layer, dims(low, high))
            if read == "numbers" or (high - low == 1 and read != "categories") or not is_map(low, high):
                low, high = end, end
            blocks += [([n], "numerical") for n in neurons[begin:low]]
            if high > low:
                blocks.append((neurons[low:high], "categorical"))
            blocks += [([n], "numerical") for n in neurons[high:end]]
        return blocks

    def _read_later(self, layer: int, dim: int) -> bool:
        """Whether any block after layer `layer`'s MLP reads residual direction `dim`."""
        for later in range(layer + 1, self.weights.num_layers):
            for name in ("attn/query/w", "attn/key/w", "attn/value/w", "mlp/linear_1/w"):
                if np.any(self.params[f"transformer/layer_{later}/{name}"][dim]):
                    return True
        return False

    def _paired(self, layer: int, dim: int, neurons: list[int], second: np.ndarray) -> bool:
        """Whether a categorical SequenceMap after `layer` reads `dim` in one neuron with a direction that
        `neurons` write: a SequenceMap's neuron reads one value of each of two variables (weight 1 each,
        `one` -1), so the two are values of different variables."""
        if self.one is None:
            return False
        own = {int(d) for n in neurons for d in _nonzero(second[[n]], 0)}
        for later in range(layer + 1, self.weights.num_layers):
            first = self.params[f"transformer/layer_{later}/mlp/linear_1/w"]
            for unit in np.flatnonzero(np.abs(first[dim]) > 1e-9):
                reads = [int(d) for d in _nonzero(first[:, [unit]], 1) if d != self.one]
                if len(reads) == 2 and first[self.one, unit] < 0 and np.allclose(first[reads, unit], 1.0) \
                        and (set(reads) - {dim}) & own:
                    return True
        return False

    def _read_apart(self, layer: int, dim: int, neurons: list[int], second: np.ndarray) -> bool:
        """Whether blocks after `layer`'s MLP read `dim` and read the directions `neurons` write, but none
        reads both: a block that reads a categorical variable reads its values (a lookup each input
        value, a SequenceMap each pair's), so the two are values of different variables (a
        self-SequenceMap's unreached values, read by the SequenceMap after it, beside a one-valued Map
        that a head reads as its query)."""
        own = sorted({int(d) for n in neurons for d in _nonzero(second[[n]], 0)})
        mine, theirs = self._readers_after(layer, [dim]), self._readers_after(layer, own)
        return bool(mine) and bool(theirs) and not mine & theirs

    def _readers_after(self, layer: int, dims: list[int]) -> set[tuple]:
        """The blocks after `layer`'s MLP (a head's query, key or value; an MLP) that read any of `dims`."""
        found: set[tuple] = set()
        size = self.weights.key_size
        for later in range(layer + 1, self.weights.num_layers):
            for role in ("query", "key", "value"):
                matrix = self.params[f"transformer/layer_{later}/attn/{role}/w"][dims]
                for head in range(self.weights.num_heads):
                    if np.any(np.abs(matrix[:, head * size:(head + 1) * size]) > 1e-9):
                        found.add((later, head, role))
            if np.any(np.abs(self.params[f"transformer/layer_{later}/mlp/linear_1/w"][dims]) > 1e-9):
                found.add((later, "mlp"))
        return found

    def _how_read(self, layer: int, dims: list[int], after_attention: bool = False) -> str:
        """How later blocks read these directions (a variable's, or several one-neuron Maps'):
        "numbers" where some block reads them as numerical variables (a head's values from only part
        of them; an MLP neuron from one of them alone with `one` or a negative weight, as a numerical
        Map's discretising neurons and a LinearSequenceMap's do), "categories" where a block reads
        them as categorical (a Select's query or key; a head's values from all of several of them; a
        categorical SequenceMap's neuron, two values of weight 1 and `one` of -1; a lookup's lone
        neuron, weight 1 without `one`, where no neuron of its layer reads the direction with weight
        -1 as a LinearSequenceMap's pair does), else where nothing reads them and they are the output,
        the output's type as given; else "".
        The blocks after layer `layer`'s MLP are read, or after its attention (`after_attention`)."""
        dims_set, ignore = set(dims), {self.one, self.bos}
        read_at_all, categories = False, False
        size = self.weights.key_size
        for later in range(layer if after_attention else layer + 1, self.weights.num_layers):
            attn = f"transformer/layer_{later}/attn"
            value = self.params[f"{attn}/value/w"]
            for head in range(self.weights.num_heads if later > layer else 0):
                reads = set(_nonzero(value[:, head * size:(head + 1) * size], 1).tolist()) - ignore
                if reads & dims_set:
                    read_at_all = True
                    if not dims_set <= reads:
                        return "numbers"
                    # a head moves one variable: several directions that it moves are one categorical one
                    categories = categories or len(dims_set) > 1
            for name in ("query", "key") if later > layer else ():
                if set(_nonzero(self.params[f"{attn}/{name}/w"], 1).tolist()) & dims_set:
                    read_at_all = categories = True
            first = self.params[f"transformer/layer_{later}/mlp/linear_1/w"]
            touching = [n for n in range(first.shape[1]) if np.any(first[dims, n])]
            negative = any(first[d, n] < 0 for d in dims for n in touching)
            for neuron in touching:
                read_at_all = True
                reads = set(_nonzero(first[:, [neuron]], 1).tolist()) - {self.one}
                bias = first[self.one, neuron] if self.one is not None else 0.0
                weights = first[sorted(reads), neuron]
                if len(reads) == 1 and (bias != 0 or weights[0] < 0):
                    return "numbers"
                if (len(reads) == 2 and np.allclose(weights, 1.0) and np.isclose(bias, -1.0)) or (
                        len(reads) == 1 and np.isclose(weights[0], 1.0) and not negative):
                    categories = True
        if categories:
            return "categories"
        output = set(output_block(self.params).tolist())
        if not read_at_all and dims_set <= output and self.weights.output_values != OUTPUT_VALUES_UNKNOWN:
            return "numbers" if self.weights.output_values is None else "categories"
        return ""

    def label_selector_widths(self, first: np.ndarray, second: np.ndarray) -> None:
        """Each SelectorWidth's count directions: written by the neurons that read its scratch
        direction, by its `_hidden_L_start` neuron (which reads `one` alone and sorts right after
        them) and by the BOS-cleaning neuron that writes its scratch direction (count 0, next to the
        others). Another MLP's start neuron may write a direction next to them: it is not taken."""
        def reads_only(neuron: int, allowed: set) -> bool:
            return all(int(d) in allowed for d in _nonzero(first[:, [neuron]], 1))

        def fresh(neurons: list[int]) -> set[int]:
            return {int(d) for d in _nonzero(second[neurons], 0) if self.var_of[d] is None}

        # What each SelectorWidth's own steps write: a BOS neuron two of them share writes both count 0s,
        # and in a basis out of Tracr's order the other's count 0 may sit next to this one's counts.
        readers_of = {helper: [n for n in range(first.shape[1]) if abs(first[helper, n]) > 1e-9]
                      for helper in self.pending}
        steps = {helper: {int(d) for d in _nonzero(second[readers], 0)}
                 for helper, readers in readers_of.items()}
        for helper, key in list(self.pending.items()):
            readers = readers_of[helper]
            if not readers:
                continue
            others = set().union(*(dims for other, dims in steps.items() if other != helper))
            dims = {d for d in steps[helper] if self.var_of[d] is None or self.var_of[d] == key}
            start = readers[-1] + 1
            if start < first.shape[1] and np.any(first[:, start]) and reads_only(start, {self.one}):
                dims |= fresh([start])
            for neuron in range(first.shape[1]):
                if abs(second[neuron, helper]) > 1e-9 and reads_only(neuron, {self.bos}):
                    dims |= {d for d in fresh([neuron]) if (d + 1 in dims or d - 1 in dims) and d not in others}
            written = sorted(dims)
            if not written:
                continue
            del self.pending[helper]
            categorical = len(written) > 1
            self.assign(key, written, list(range(len(written))) if categorical else None, categorical)

    def label_mlp(self, layer: int) -> None:
        prefix = f"transformer/layer_{layer}/mlp"
        first, second = self.params[f"{prefix}/linear_1/w"], self.params[f"{prefix}/linear_2/w"]
        self.label_selector_widths(first, second)
        helpers = [d for d in self.pending]
        order = self.hidden_order.setdefault(layer, [])
        for block, kind, naming in self.mlp_blocks(layer):
            written = [int(d) for d in _nonzero(second[block], 0) if self.var_of[d] is None]
            if not written:
                if naming == "clean_bos":
                    order.append((naming, None))
                else:
                    keys = [self.var_of[d] for d in _nonzero(second[block], 0)]
                    if keys:
                        order.append((naming, keys[0].removesuffix(HELPER_SUFFIX)))
                continue
            reads_helper = [d for d in _nonzero(first[:, block], 1) if d in helpers]
            if reads_helper:
                key = self.pending.pop(reads_helper[0])
                categorical = len(written) > 1
                self.assign(key, written, list(range(len(written))) if categorical else None, categorical)
                order.append((naming, key))
                continue
            key = self.new_key()
            order.append((naming, None if naming == "clean_bos" else key))
            inputs = self.reads(first[:, block])
            categorical = kind == "categorical" or len(written) > 1 or (
                kind == "" and bool(inputs) and all(self.categorical.get(k, False) for k in inputs))
            if kind == "" and len(written) == 1:  # one direction: a numerical variable or a one-value one
                read = self._how_read(layer, written)
                categorical = read == "categories" or (categorical and read != "numbers")
            if categorical:
                self.unknown.add(key)
                self.assign(key, written, list(range(len(written))), categorical=True)
            else:
                if len(written) != 1:
                    raise LabelError(f"layer {layer} mlp writes a numerical variable of {len(written)} directions")
                self.assign(key, written, None, categorical=False)

    def labels(self) -> tuple[list[str], set[str]]:
        for dim in self._never_written():
            self.assign(self.new_key(), [dim], None, categorical=False)
        for layer in range(self.weights.num_layers):
            self.label_heads(layer)
            self.label_mlp(layer)
        missing = [d for d, key in enumerate(self.var_of) if key is None]
        if missing:
            raise LabelError(f"{len(missing)} residual directions are written by no block (first: {missing[0]})")
        self._output_values()
        names = self._names()
        labels = []
        for dim, key in enumerate(self.var_of):
            name = names[key]
            labels.append(f"{name}:{self.value_of[dim]}" if self.categorical[key] else name)
        return labels, {names[k] for k in self.unknown}

    def _never_written(self) -> list[int]:
        """Directions no embedding or block writes, and no query or key reads: numerical variables that
        are 0 everywhere (a numerical Map that is 0 on every value its input takes writes nothing; its
        readers, MLPs and values, may still read it), one each."""
        return [int(d) for d in untouched_dims(self.params, reads=("attn/query/w", "attn/key/w"))
                if self.var_of[d] is None]

    def _output_values(self) -> None:
        values = self.weights.output_values
        if not isinstance(values, list):
            return
        read = set()
        for name, matrix in self.params.items():
            if name.endswith(("query/w", "key/w", "value/w", "linear_1/w")):
                read |= set(_nonzero(matrix, 1).tolist())
        for key, dims in self.dims.items():
            if key.startswith("#") and self.categorical[key] and len(dims) == len(values) and not set(dims) & read:
                for dim, value in zip(dims, values):
                    self.value_of[dim] = value
                self.unknown.discard(key)
        self._carry_values()

    def _carry_values(self) -> None:
        """Known values carried through categorical Aggregates, both ways, until nothing changes: the
        output's values (from `output_values`) name the values of the Map an Aggregate moved into it,
        and those name the values of every other Aggregate of that Map."""
        changed = True
        while changed:
            changed = False
            for output, source, pairs in self.copies:
                for known, unknown, which in ((output, source, 1), (source, output, 0)):
                    if known in self.unknown or unknown not in self.unknown:
                        continue
                    for pair in pairs:
                        self.value_of[pair[which]] = self.value_of[pair[1 - which]]
                    self.unknown.discard(unknown)
                    changed = True

    def _names(self) -> dict[str, str]:
        """Made-up names that sort as the directions lie among `indices`, `one` and `tokens`, and as
        the hidden neurons lie in each MLP layer (Tracr sorts both by name): before `indices`, a name
        sorts before `_` (its lookup's neurons before the `_hidden_...` ones: prefix `G`), before
        `clean_bos` (prefix `c`) or after it (prefix `h`), as the neuron order demands."""
        fixed = {"indices": min(self.dims["indices"], default=-1), "tokens": min(self.dims["tokens"])}
        if self.one is not None:
            fixed["one"] = self.one
        marks = sorted((dim, name) for name, dim in fixed.items() if dim >= 0)
        prefixes = {"indices": "n", "one": "p", "tokens": "u"}
        names = {"tokens": "tokens", "indices": "indices", "one": "one"}
        floors = self._prefix_floors()
        rank = 0  # the prefixes before `indices`, in sorted order: G < _ < c0 < clean_bos < h
        for key, dims in sorted(self.dims.items(), key=lambda item: min(item[1], default=-1)):
            if not key.startswith("#") or key.endswith(HELPER_SUFFIX):
                continue
            start = min(dims)
            prefix = None
            for dim, name in marks:
                if start > dim:
                    prefix = prefixes[name]
            if prefix is None:
                rank = max(rank, floors.get(key, 0))
                prefix = "Gch"[rank]
            names[key] = f"{prefix}{start:05d}"
            helper = key + HELPER_SUFFIX
            if helper in self.dims:
                names[helper] = names[key] + HELPER_SUFFIX
        return names

    def _prefix_floors(self) -> dict[str, int]:
        """Per variable, the lowest prefix rank (`G`, `c`, `h`: see `_names`) that keeps each MLP
        layer's neurons in the order Tracr gave them: a lookup's hidden directions are named by its
        output's label, the others `_hidden_{label}_...`, and `_hidden_clean_bos_`. Ranks given in
        the directions' order, each the least its floor and the one before allow, also keep every
        ceiling the order sets (a label before `_hidden_...` sorts before `_`; `_hidden_{label}_`
        before `_hidden_clean_bos_` sorts before `clean_bos`) wherever any choice does."""
        floors: dict[str, int] = {}
        for order in self.hidden_order.values():
            for i, (first, _) in enumerate(order):
                for second, key in order[i + 1:]:
                    if first != "label" and second == "label":
                        floors[key] = max(floors.get(key, 0), 1)  # after `_hidden_...`: after `_`
                    elif first == "clean_bos" and second == "hidden":
                        floors[key] = max(floors.get(key, 0), 2)  # after `_hidden_clean_bos_`
        return floors


def infer_labels(weights: ModelWeights, peel: bool = True) -> tuple[list[str], set[str]]:
    """Residual labels for a one-hot compiled model saved without them, and the names of the
    variables whose values are made up (raises LabelError where the arrays do not fit).

    `peel`: a neuron at either end of a lookup's neurons that reads nothing, and whose direction nothing
    reads, is taken for a numerical Map that is 0 on every input (as many as there are); else for a value
    of the lookup that no input reaches (a SequenceMap of a variable with itself, whose value set is
    every pair's: later blocks need not read all of it). The weights cannot tell the two apart; a
    recompiled reading can (`trade.decompile.unpeeled_weights`)."""
    return _Labeller(weights, peel).labels()


def variable_groups(labels: list[str]) -> list[tuple[tuple[int, ...], bool]]:
    """The residual directions of each variable, and whether it is categorical (labels `name:value`):
    what two labellings must share to lay out the same variables, whatever they are called."""
    found: dict[str, list[int]] = {}
    categorical: dict[str, bool] = {}
    for dim, label in enumerate(labels):
        name, colon, _ = str(label).partition(":")
        found.setdefault(name, []).append(dim)
        categorical[name] = bool(colon)
    return sorted((tuple(dims), categorical[name]) for name, dims in found.items())
