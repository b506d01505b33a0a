"""Reading a labelled Tracr model's program from its weights, line by line.

Every Tracr model knows the names of its residual directions (`name:value` for
a categorical variable's value, `name` for a numerical variable), and every
variable is written by one attention head or one group of MLP neurons that
read the variables it depends on. So each line's function and arguments follow
from who writes and reads which directions, and each line's table from running
its own block of weights on its inputs' values:

- a head whose output is a variable is an Aggregate of a Select; the head's QK
  circuit on (query value, key value) pairs is the Select's predicate table
  (Tracr writes softmax coldness where the predicate holds, 0 elsewhere);
- a head writing `{label}_selector_width_attn_output` is a SelectorWidth, and
  the MLP neurons reading that direction write its output;
- MLP neurons writing a variable compute a Map (one input variable), a
  SequenceMap (two categorical ones) or a LinearSequenceMap (two numerical
  ones); their outputs on each input value (pair) are the table. Categorical
  inputs are read through the linear path, so a negative numerical output that
  Tracr's ReLU hides is still read as the program's value.

Numerical variables have no values in their labels; their value sets follow
from the lines read so far, by Tracr's own rules (`infer_value_set`), which is
what the discretising MLP of a numerical Map was built on. Each table is then
written as a library lambda (or comparison) where one computes it on the
variable's value set, else as an explicit table (`trade.program.tables`).

The result keeps each line's label, so recompiling it with those names
(`trade.program.tracr_bridge.to_rasp(program, names)`) lays the residual
stream out as the given model does and can be compared array by array.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
from fractions import Fraction
from typing import Any, Iterable

import numpy as np

from trade.program.lambdas import LambdaKind
from trade.program.program import NUMERICAL_WIDTH, Line, Op, Program, ProgramError, variable_name
from trade.program.tables import (comparison_matches, library_match, linear_token, map_token, plain,
                                  predicate_token, sort_values)
from trade.layout import HELPER as HELPER_SUFFIX  # a SelectorWidth's scratch direction
from trade.weights import ModelWeights, output_block, untouched_dims

_TOLERANCE = 1e-4


class ReadError(ValueError):
    """Weights that do not read as a Tracr-compiled program (the reason says where)."""


@dataclasses.dataclass
class Variable:
    """A residual variable: its directions and, if categorical, the value of each."""

    name: str
    dims: list[int]
    values: list | None  # None: numerical (one direction)

    @property
    def categorical(self) -> bool:
        return self.values is not None


@dataclasses.dataclass
class ReadProgram:
    """What the reader found: the program, each line's label, and notes on choices left open."""

    program: Program
    names: list[str]  # one per line: the label Tracr gave the line's variable (a Select's is made up)
    notes: list[str]
    sources: list[str]  # per line: the block of weights it was read from, e.g. "layer 0 head 1"
    # Per line: other library lambdas or comparisons that compute the same table on its values.
    alternatives: list[list[str]]


def parse_value(text: str) -> Any:
    """A label's value back as a Python value: numbers, tuples, booleans and None, else the string.

    Tracr writes a label as `str(value)`, so a literal counts only where it prints back as the label:
    `literal_eval` also takes `'11#'` (a comment), `' 7'`, `'+0'` and `'-0'`, strings a program may
    well output, and would read them as 11, 7, 0 and 0.
    """
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    if (isinstance(value, (int, float, bool, tuple)) or value is None) and str(value) == text:
        return value
    return text  # a quoted string label, or a string that only looks like a literal, stays as written


def parse_labels(labels: list[str], vocab: Iterable, max_seq_len: int) -> dict[str, Variable]:
    """Residual variables by name, in order of first direction.

    A label shows a value's text, not its type: `7` may be the number or the string. Tracr sorts
    a variable's directions by value, so where the texts are sorted as strings but not as the
    numbers they spell, they are strings; otherwise numbers are assumed (see `_retype`).
    """
    by_text = {str(v): v for v in vocab}
    variables: dict[str, Variable] = {}
    for dim, label in enumerate(labels):
        name, colon, value_text = label.partition(":")
        if name not in variables:
            variables[name] = Variable(name, [], [] if colon else None)
        variable = variables[name]
        if bool(colon) != variable.categorical:
            raise ReadError(f"residual direction '{label}': '{name}' is both categorical and numerical")
        variable.dims.append(dim)
        if colon:
            if name == "tokens":
                value = by_text.get(value_text, value_text)
            elif name == "indices":
                value = int(value_text) if value_text.lstrip("-").isdigit() else parse_value(value_text)
            else:
                value = parse_value(value_text)
            variable.values.append(value)
    for variable in variables.values():
        if variable.categorical and variable.name not in ("tokens", "indices"):
            variable.values = _retype(variable.values)
    if not variables.get("tokens") or "indices" not in variables:
        raise ReadError("the residual labels name no tokens or indices directions: not a Tracr model")
    return variables


def _retype(values: list) -> list:
    """Values parsed as numbers back to strings where only string order explains their order, or where
    the other values are strings (digits among letters are more often strings than numbers)."""
    numbers = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in values]
    if any(numbers) and any(isinstance(v, str) for v in values):
        return [str(v) if number else v for v, number in zip(values, numbers)]
    if not all(numbers):
        return values
    texts = [str(v) for v in values]
    if values == sorted(values) or texts != sorted(texts):
        return values
    return texts


_FLOAT32_SLACK = 2.5e-7  # two float32 roundings, relative: a value read as a sum of a few float32 entries
_EXACT_SLACK = 5e-7  # absolute: half of `trade.verify`'s tolerance for `exact` weights


def _close(candidate: float, value: float) -> bool:
    """Whether `value`, read from float32 weights, may stand for `candidate`: the same float32 where
    `value` is one (a single entry), else (a sum of entries) within float32 rounding and near enough that
    recompiling `candidate` still gives the given weights."""
    if np.float32(candidate) == np.float32(value):
        return True
    gap = abs(candidate - value)
    return float(np.float32(value)) != value and gap <= _FLOAT32_SLACK * abs(value) and gap <= _EXACT_SLACK


def snap(value: float) -> int | float:
    """A float read from float32 weights as the short number it stands for (2, 0.5, 1/3, 1.2474).

    Simplest first: an integer; a fraction of denominator up to 100 within 1e-6; a decimal of up to 7
    significant digits within float32 rounding (`_close`); a fraction of denominator up to 1,000, as
    close. Every value lies within about 1e-6 of a fraction of denominator up to 1,000, so that one is
    only taken as close as a decimal: within 1e-6, 1.2474 was read as 1079/865, which recompiles 1e-6
    away from the given weights.
    """
    value = float(value)
    if not math.isfinite(value):
        raise ReadError(f"a non-finite value {value} in the weights")
    if abs(value - round(value)) < _TOLERANCE:
        return int(round(value))
    fraction = Fraction(value).limit_denominator(100)
    if abs(float(fraction) - value) < 1e-6 * max(1.0, abs(value)):
        return float(fraction)
    for digits in range(1, 8):
        decimal = float(f"{value:.{digits}g}")
        if _close(decimal, value):
            return decimal
    fraction = Fraction(value).limit_denominator(1000)
    if _close(float(fraction), value):
        return float(fraction)
    return float(np.float32(value))


_PAIR_SLACK = 0.05  # a noisy discretising pair's slopes and output rows, relative (`_ramp_pairs`)


def _ramp_pairs(slope: np.ndarray, bias: np.ndarray, second: np.ndarray, members: list[int],
                slack: float) -> list[tuple[int, int]]:
    """Pairs (low, high) of a discretising layer's neurons: the same slope, biases 1 apart, and output
    rows of opposite sign (`run_discretising_mlp`). `slack` 0: exact up to float32 rounding; else the
    slopes and the rows (by their largest entry) within that fraction and the bias step between 0 and 2
    (noise of the first layer's scale, hundreds, moves a bias by tenths). A neuron takes the partner
    whose bias step is nearest 1."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for low in sorted(members, key=lambda i: (slope[i], bias[i])):
        if low in used:
            continue
        rows = np.abs(second[low]).max()
        fits = [i for i in members if i not in used and i != low
                and abs(slope[i] - slope[low]) <= slack * abs(slope[low])
                and abs(bias[i] - bias[low] - 1.0) < (1.0 if slack else 1e-3)
                and np.allclose(second[i], -second[low], atol=max(1e-4, slack * rows))]
        if fits:
            high = min(fits, key=lambda i: abs(bias[i] - bias[low] - 1.0))
            used.update((low, high))
            pairs.append((low, high))
    return pairs


def infer_value_set(line: Line, kind: LambdaKind | None, table_fn, inputs: list[list], max_seq_len: int,
                    numerical: bool) -> list:
    """The value set Tracr's basis inference gives a numerical line's output."""
    if line.op is Op.SELECTOR_WIDTH:
        return list(range(max_seq_len + 1))
    if line.op is Op.AGGREGATE:
        out = {value / length for value in inputs[0] for length in range(1, max_seq_len + 1)}
        return sort_values(out)
    if line.op is Op.MAP:
        return sort_values({y for y in (table_fn(x) for x in inputs[0]) if y is not None})
    return sort_values({y for y in (table_fn(a, b) for a in inputs[0] for b in inputs[1]) if y is not None})


class _Reader:
    """State while reading: variables, which line defines each, value sets."""

    def __init__(self, weights: ModelWeights):
        if weights.residual_labels is None:
            raise ReadError("the weights carry no residual labels")
        config = weights.compile_config
        self.weights = weights
        self.params = weights.params
        self.max_seq_len = config.max_seq_len
        self.variables = parse_labels(list(weights.residual_labels), config.vocab, config.max_seq_len)
        self.dim_owner = {dim: var.name for var in self.variables.values() for dim in var.dims}
        self.output = self.output_variable()
        if isinstance(weights.output_values, list) and self.output is not None:
            # Tracr's output encoder knows the output's value types, and so those of the variables heads
            # copy into it; only theirs: another variable with the same texts (a SelectorWidth's 0..5
            # under Map(str, ...)'s '0'..'5') keeps its own.
            typed = {str(v): plain(v) for v in weights.output_values}
            for name in self.copied_into(self.output):
                variable = self.variables[name]
                if variable.categorical and all(str(v) in typed for v in variable.values):
                    variable.values = [typed[str(v)] for v in variable.values]
        self.one = self.variables["one"].dims[0] if "one" in self.variables else None  # only if a block needs it
        tokens = self.variables["tokens"]
        special = {config.compiler_bos, config.compiler_pad}
        self.bos = next((d for d, v in zip(tokens.dims, tokens.values) if v == config.compiler_bos), None)
        if self.bos is None:
            raise ReadError(f"no 'tokens:{config.compiler_bos}' direction (is --bos right?)")
        self.ignored = {self.one, self.bos} - {None} | {d for d, v in zip(tokens.dims, tokens.values) if v in special}
        self.defined = {"tokens": "tokens", "indices": "indices"}  # variable label -> program name
        self.value_sets: dict[str, list] = {
            "tokens": [v for v in tokens.values if v not in special],
            "indices": list(range(self.max_seq_len))}
        self.lines: list[Line] = []
        self.names: list[str] = []
        self.sources: list[str] = []
        self.alternatives: list[list[str]] = []
        self.tied: list[str] = []  # the alternatives of the table named last
        self.false_selects: list[int] = []  # Select lines whose queries the weights do not show
        self.constants: dict[int, tuple[Any, bool]] = {}  # constant Map lines: (value, categorical output)
        self.notes: list[str] = []
        self.pending_widths: dict[str, tuple[str, str]] = {}  # helper label -> (select line name, source)
        self.layer = 0  # the layer being read
        self.zero_maps: set[tuple[int, str]] = set()  # (layer, input) of Maps to 0 read (`add_zero_map`)

    # --- helpers -------------------------------------------------------------------------------------

    def output_variable(self) -> str | None:
        """The variable the model's output read-out reads (its unembedding, else the output block:
        written by the last block, read by none), or None where that is not one variable."""
        if self.weights.unembedding is not None:
            read_out = np.asarray(self.weights.unembedding, dtype=np.float64)
            scale = max(float(np.abs(read_out).max(initial=0.0)), 1.0)
            dims = np.flatnonzero(np.abs(read_out).sum(axis=1) > _TOLERANCE * scale)
        else:
            dims = output_block(self.params)
        names = {self.dim_owner[int(d)] for d in dims if int(d) in self.dim_owner}
        return names.pop() if len(names) == 1 else None

    def copied_into(self, name: str) -> list[str]:
        """`name` and the categorical variables whose values heads copy into it, in turn (an Aggregate's
        values are its input's), never tokens or indices (their types are the vocabulary's and ints)."""
        chain: list[str] = []
        while name not in chain and name not in ("tokens", "indices") and self.variables[name].categorical:
            chain.append(name)
            sources = set()
            for layer in range(self.weights.num_layers):
                prefix = f"transformer/layer_{layer}/attn"
                value, out = self.params[f"{prefix}/value/w"], self.params[f"{prefix}/linear/w"]
                for head in range(self.weights.num_heads):
                    columns = slice(head * self.weights.key_size, (head + 1) * self.weights.key_size)
                    written = np.flatnonzero(np.abs(out[columns]).sum(axis=0))
                    if {self.dim_owner[int(d)] for d in written} == {name}:
                        read = np.flatnonzero(np.abs(value[:, columns]).sum(axis=1))
                        sources |= {self.dim_owner[int(d)] for d in read}
            sources -= {"one"}
            if len(sources) != 1:
                break
            name = sources.pop()
        return chain

    def variable_of(self, dims: np.ndarray, what: str) -> Variable | None:
        names = {self.dim_owner[d] for d in dims if d not in self.ignored}
        if not names:
            return None
        if len(names) > 1:
            raise ReadError(f"{what} spans several variables ({', '.join(sorted(names))})")
        return self.variables[names.pop()]

    def argument(self, variable: Variable, where: str) -> str:
        if variable.name not in self.defined:
            if variable.categorical or variable.name.endswith(HELPER_SUFFIX):
                raise ReadError(f"{where} reads '{variable.name}' before any block writes it")
            # A numerical variable no block writes is 0 everywhere (a Map whose outputs are all 0).
            self.add_zero_map(variable)
        return self.defined[variable.name]

    def add_zero_map(self, variable: Variable) -> None:
        """A numerical variable no block writes: a Map that is 0 on every value. Tracr still builds its
        MLP's first layer, neurons that read the input (a numerical input's thresholds, with `one`; a
        categorical input's values, one each) and write nothing; the first such input in an earlier
        layer not yet taken is it, else the tokens stand in (the input is then not shown)."""
        found = self.zero_map_source()
        if found is None:
            self.notes.append(f"'{variable.name}' is never written: the constant 0, input not shown")
            source_var, source = self.variables["tokens"], "no block (always 0)"
            self.constants[len(self.lines)] = (0, False)
        else:
            self.zero_maps.add(found)
            source_var, source = self.variables[found[1]], f"layer {found[0]} mlp (writes nothing)"
            self.notes.append(f"'{variable.name}' is never written: a Map of '{found[1]}' that is 0 on every "
                              f"value (its {source} reads it)")
        domain = self.values_of(source_var)
        kind = _map_kind(source_var.categorical, False)
        line = Line(Op.MAP, (self.name_table({plain(x): 0 for x in domain}, domain, kind),
                             self.defined[source_var.name]))
        self.add_line(line, variable.name, source, [0])

    def zero_map_source(self) -> tuple[int, str] | None:
        """(layer, input) of the first MLP before this layer whose neurons read an input and write
        nothing, not yet taken by a Map to 0 (`add_zero_map`)."""
        return next(((layer, name) for layer, name in self.silent_inputs
                     if layer < self.layer and name in self.defined and (layer, name) not in self.zero_maps),
                    None)

    def unwritten(self) -> list[str]:
        """The numerical variables that no block writes or reads, not yet defined (in label order)."""
        untouched = set(untouched_dims(self.params).tolist())
        return [name for name, variable in self.variables.items()
                if not variable.categorical and name not in self.defined and name != "one"
                and not name.endswith(HELPER_SUFFIX) and set(variable.dims) <= untouched]

    @functools.cached_property
    def silent_inputs(self) -> list[tuple[int, str]]:
        """(layer, variable) where an MLP layer's neurons that write nothing read one variable as a Map's
        first layer does: a numerical one with `one` (thresholds), or one value of a categorical one
        each, without `one` (the weights alone: found once)."""
        found = []
        for layer in range(self.weights.num_layers):
            first = self.params[f"transformer/layer_{layer}/mlp/linear_1/w"]
            names = []
            for unit in self.silent_units(layer):
                read = np.flatnonzero(first[:, unit])
                owners = {self.dim_owner[int(d)] for d in read if int(d) not in self.ignored}
                if len(owners) != 1:
                    continue
                name = owners.pop()
                variable, uses_one = self.variables[name], self.one is not None and self.one in read
                if not variable.name.endswith(HELPER_SUFFIX) and (
                        len(read) == 2 and uses_one if not variable.categorical else len(read) == 1):
                    names.append(name)
            found += [(layer, name) for name in dict.fromkeys(names)]
        return found

    def silent_units(self, layer: int) -> np.ndarray:
        """The neurons of `layer`'s MLP that read something and write nothing."""
        prefix = f"transformer/layer_{layer}/mlp"
        first, second = self.params[f"{prefix}/linear_1/w"], self.params[f"{prefix}/linear_2/w"]
        return np.flatnonzero(~np.any(second, axis=1) & np.any(first, axis=0))

    def add_line(self, line: Line, label: str, source: str, values: list | None) -> str:
        name = variable_name(len(self.lines))
        self.lines.append(line)
        self.names.append(label)
        self.sources.append(source)
        self.alternatives.append(self.tied if line.op in (Op.MAP, Op.SEQUENCE_MAP, Op.SELECT) else [])
        self.tied = []
        self.defined[label] = name
        if values is not None:
            self.value_sets[label] = values
        return name

    def values_of(self, variable: Variable) -> list:
        """The values a variable takes (the tokens without BOS and PAD)."""
        if variable.name == "tokens":
            return self.value_sets["tokens"]
        if variable.categorical:
            return variable.values
        if variable.name not in self.value_sets:
            raise ReadError(f"the value set of numerical '{variable.name}' is unknown")
        return self.value_sets[variable.name]

    # --- attention -----------------------------------------------------------------------------------

    def read_head(self, layer: int, head: int) -> None:
        key_size = self.weights.key_size
        prefix = f"transformer/layer_{layer}/attn"
        columns = slice(head * key_size, (head + 1) * key_size)
        query, key = self.params[f"{prefix}/query/w"][:, columns], self.params[f"{prefix}/key/w"][:, columns]
        value, out = self.params[f"{prefix}/value/w"][:, columns], self.params[f"{prefix}/linear/w"][columns]
        written = np.flatnonzero(np.abs(out).sum(axis=0) > 0)
        if written.size == 0:
            return
        source = f"layer {layer} head {head}"
        target = self.variable_of(written, f"{source}'s output")
        if target is None:
            raise ReadError(f"{source} writes only bookkeeping directions")
        qk = query.astype(np.float64) @ key.astype(np.float64).T
        key_var = self.variable_of(np.flatnonzero(np.abs(key).sum(axis=1) > 0), f"{source}'s keys")
        query_var = self.variable_of(np.flatnonzero(np.abs(qk).sum(axis=1) > 0), f"{source}'s queries")
        if key_var is None:
            raise ReadError(f"{source} has no keys")
        select_label = f"select_{layer}_{head}"
        predicate = self.read_predicate(qk, key_var, query_var, source)
        if query_var is None:  # no pair is selected: the weights do not show the queries
            query_var = key_var
            self.false_selects.append(len(self.lines))
            self.notes.append(f"{source}: a selector that selects nothing (FALSE); its queries are not "
                              "shown by the weights, any variable computes the same")
        select = Line(Op.SELECT, (self.argument(key_var, source), self.argument(query_var, source), predicate))
        if target.name.endswith(HELPER_SUFFIX):
            selector_name = self.add_line(select, select_label, source, None)
            self.pending_widths[target.name] = (selector_name, source)
            return
        value_var = self.variable_of(np.flatnonzero(np.abs(value).sum(axis=1) > 0), f"{source}'s values")
        if value_var is None:
            raise ReadError(f"{source} moves no values")
        if value_var.categorical != target.categorical:
            raise ReadError(f"{source} aggregates '{value_var.name}' into '{target.name}' of another encoding")
        if target.categorical:  # an Aggregate copies values: they have its input's types
            by_text = {str(v): v for v in self.values_of(value_var)}
            target.values = [by_text.get(str(v), v) for v in target.values]
        selector_name = self.add_line(select, select_label, source, None)
        values = None if target.categorical else infer_value_set(
            Line(Op.AGGREGATE, ()), None, None, [self.values_of(value_var)], self.max_seq_len, True)
        self.add_line(Line(Op.AGGREGATE, (selector_name, self.argument(value_var, source))), target.name,
                      source, values)

    def read_predicate(self, qk: np.ndarray, key_var: Variable, query_var: Variable | None, source: str) -> str:
        if query_var is None:
            return "FALSE"
        if not query_var.categorical or not key_var.categorical:
            raise ReadError(f"{source} compares a numerical variable")
        keys, queries = self.values_of(key_var), self.values_of(query_var)
        key_dims = [key_var.dims[key_var.values.index(k)] for k in keys]
        query_dims = [query_var.dims[query_var.values.index(q)] for q in queries]
        block = qk[np.ix_(query_dims, key_dims)]
        scale = np.abs(qk).max()
        chosen = block > 0.5 * scale
        if np.any((np.abs(block) > _TOLERANCE * scale) & (np.abs(block - scale) > 0.05 * scale)):
            self.notes.append(f"{source}: attention scores are not all 0 or one value; read by thresholding")
        pairs = {(plain(k), plain(q)) for i, q in enumerate(queries) for j, k in enumerate(keys) if chosen[i, j]}
        matches = comparison_matches(pairs, keys, queries)
        self.tied = matches[1:]
        return matches[0] if matches else predicate_token(pairs)

    # --- MLPs ----------------------------------------------------------------------------------------

    def read_mlp(self, layer: int) -> None:
        prefix = f"transformer/layer_{layer}/mlp"
        first, bias1 = self.params[f"{prefix}/linear_1/w"], self.params[f"{prefix}/linear_1/b"]
        second, bias2 = self.params[f"{prefix}/linear_2/w"], self.params[f"{prefix}/linear_2/b"]
        if np.any(bias1) or np.any(bias2):
            raise ReadError(f"layer {layer} MLP has biases, which Tracr never writes")
        written = np.flatnonzero(np.abs(second).sum(axis=0) > 0)
        targets: dict[str, Variable] = {}
        for dim in written:
            if dim in self.ignored:
                continue
            variable = self.variables[self.dim_owner[dim]]
            if variable.name.endswith(HELPER_SUFFIX):
                continue  # a SelectorWidth's MLP cleaning its scratch direction at BOS
            targets.setdefault(variable.name, variable)
        for target in targets.values():
            neurons = np.flatnonzero(np.abs(second[:, target.dims]).sum(axis=1) > 0)
            read = np.flatnonzero(np.abs(first[:, neurons]).sum(axis=1) > 0)
            self.read_mlp_block(layer, target, neurons, read)

    def read_mlp_block(self, layer: int, target: Variable, neurons: np.ndarray, read: np.ndarray) -> None:
        source = f"layer {layer} mlp"
        inputs = []
        for dim in read:
            if dim in self.ignored:
                continue
            variable = self.variables[self.dim_owner[dim]]
            if variable not in inputs:
                inputs.append(variable)
        helpers = [v for v in inputs if v.name.endswith(HELPER_SUFFIX)]
        if helpers:
            self.read_selector_width(helpers[0], target, source)
            return
        if not inputs:
            self.read_constant(layer, target, neurons, source)
            return
        if len(inputs) > 2:
            raise ReadError(f"{source} computes '{target.name}' from {len(inputs)} variables")
        uses_one = self.one is not None and bool(
            np.any(self.params[f"transformer/layer_{layer}/mlp/linear_1/w"][self.one, neurons]))
        if len(inputs) == 1:
            silent = None if uses_one else self.zero_coefficient(layer, target, inputs[0], neurons)
            if silent is not None:  # a LinearSequenceMap with a 0 factor: silent neurons read its other input
                (other, other_neurons), before = silent
                first_var, second_var = (other, inputs[0]) if before else (inputs[0], other)
                both = np.sort(np.r_[neurons, other_neurons])
                self.read_linear(layer, target, first_var, second_var, both, source)
                return
            factors = None if uses_one else self.self_linear_factors(layer, target, inputs[0], neurons)
            if factors is not None:
                self.add_linear(target, inputs[0], inputs[0], factors, source)
                return
            self.read_map(layer, target, inputs[0], neurons, uses_one, source)
        else:
            self.read_sequence_map(layer, target, inputs, neurons, source)

    def self_linear_factors(self, layer: int, target: Variable, source_var: Variable,
                            neurons: np.ndarray) -> tuple[int | float, int | float] | None:
        """The factors (a, b) of `LinearSequenceMap(x, x, a, b)`, where the neurons are one; else None.

        Tracr builds a LinearSequenceMap from four neurons, ReLU(-x), ReLU(x), ReLU(-y), ReLU(y), writing
        -a, a, -b, b; with x and y one variable, all four read it. Read as a Map of x, the line would be
        a discretising MLP of (a + b) x: other weights.
        """
        if target.categorical or source_var.categorical or len(neurons) != 4 or len(source_var.dims) != 1:
            return None
        prefix = f"transformer/layer_{layer}/mlp"
        first = self.params[f"{prefix}/linear_1/w"][:, neurons].astype(np.float64)
        second = self.params[f"{prefix}/linear_2/w"][neurons].astype(np.float64)
        dim, out = source_var.dims[0], target.dims[0]
        others = np.delete(first, dim, axis=0)
        if np.any(np.abs(others) > 1e-9) or not np.allclose(first[dim], [-1, 1, -1, 1], atol=_TOLERANCE):
            return None
        if not (np.allclose(second[0], -second[1], atol=_TOLERANCE)
                and np.allclose(second[2], -second[3], atol=_TOLERANCE)):
            return None
        return snap(second[1, out]), snap(second[3, out])

    def zero_coefficient(self, layer: int, target: Variable, source_var: Variable,
                         neurons: np.ndarray) -> tuple[tuple[Variable, np.ndarray], bool] | None:
        """The other input of a LinearSequenceMap one of whose factors is 0, where the weights show it.

        Tracr builds such a line's MLP from four neurons, ReLU(-x), ReLU(x), ReLU(-y), ReLU(y) in that
        order, the first argument's pair first; the pair of the 0 factor reads its input and writes
        nothing. Read as a Map of the other input, the line recompiles to other weights and its input may
        be left read by no block. Returns (the silent pair's variable and neurons, whether it comes first)
        where exactly one such pair sits next to the block's own, else None.
        """
        if target.categorical or source_var.categorical or len(neurons) != 2 or neurons[1] != neurons[0] + 1:
            return None
        prefix = f"transformer/layer_{layer}/mlp"
        first, second = self.params[f"{prefix}/linear_1/w"], self.params[f"{prefix}/linear_2/w"]

        def pair_reading(low: int) -> Variable | None:
            """The numerical variable that neurons low, low + 1 read as -v, +v, if they write nothing."""
            if low < 0 or low + 1 >= first.shape[1] or np.any(second[[low, low + 1]]):
                return None
            reads = [np.flatnonzero(first[:, n]) for n in (low, low + 1)]
            if any(len(r) != 1 for r in reads) or reads[0][0] != reads[1][0] or reads[0][0] in self.ignored:
                return None
            dim = int(reads[0][0])
            variable = self.variables[self.dim_owner[dim]]
            if variable.categorical or variable.name.endswith(HELPER_SUFFIX):
                return None
            if not (abs(first[dim, low] + 1) < _TOLERANCE and abs(first[dim, low + 1] - 1) < _TOLERANCE):
                return None
            return variable

        if not (first[source_var.dims[0], neurons[0]] < 0 < first[source_var.dims[0], neurons[1]]):
            return None
        found = [(variable, before) for variable, before in
                 ((pair_reading(int(neurons[0]) - 2), True), (pair_reading(int(neurons[1]) + 1), False))
                 if variable is not None]
        if len(found) != 1:
            return None
        variable, before = found[0]
        low = int(neurons[0]) - 2 if before else int(neurons[1]) + 1
        return (variable, np.array([low, low + 1])), before

    def read_constant(self, layer: int, target: Variable, neurons: np.ndarray, source: str) -> None:
        """A Map whose output never depends on its input: the weights show the value, not the input.

        Tracr still builds neurons that read the input and write nothing (a numerical Map's
        thresholds where the output does not change); where exactly one variable is read by such
        neurons in this layer, it is the input, else the tokens stand in.
        """
        prefix = f"transformer/layer_{layer}/mlp"
        first = self.params[f"{prefix}/linear_1/w"]
        silent = self.silent_units(layer)
        candidates = {self.dim_owner[d] for d in np.flatnonzero(np.any(first[:, silent], axis=1))
                      if d not in self.ignored}
        # A numerical input no block has written is a Map to 0 (`argument` reads it), a line of its own.
        candidates = {name for name in candidates if name in self.defined or not (
            self.variables[name].categorical or name.endswith(HELPER_SUFFIX))}
        if not candidates and self.zero_map_source() is not None:
            # No neuron shows the input (a numerical input of one value has no thresholds): a numerical
            # variable no block writes or reads is a Map to 0 whose MLP wrote nothing, and this its reader.
            candidates = set(self.unwritten()[:1])
        source_var = self.variables[candidates.pop()] if len(candidates) == 1 else self.variables["tokens"]
        value = self.decode(target, self.run_mlp(layer, self.residual([])[None], neurons, linear=False)[0])
        argument = self.argument(source_var, source)
        domain = self.values_of(source_var)
        table = {plain(x): value for x in domain}
        self.notes.append(f"{source}: '{target.name}' is the constant {value!r}; its input is not shown by the "
                          f"weights ({source_var.name} stands in)")
        kind = _map_kind(source_var.categorical, target.categorical)
        line = Line(Op.MAP, (self.name_table(table, domain, kind), argument))
        values = None if target.categorical else [value]
        self.constants[len(self.lines)] = (value, target.categorical)
        self.add_line(line, target.name, source, values)

    def run_mlp(self, layer: int, residual: np.ndarray, neurons: np.ndarray, linear: bool) -> np.ndarray:
        """The MLP's output on [n, d_model] residual vectors, through the given neurons only."""
        prefix = f"transformer/layer_{layer}/mlp"
        first = self.params[f"{prefix}/linear_1/w"][:, neurons].astype(np.float64)
        second = self.params[f"{prefix}/linear_2/w"][neurons].astype(np.float64)
        hidden = residual @ first
        return (hidden if linear else np.maximum(hidden, 0.0)) @ second

    def run_discretising_mlp(self, layer: int, source_var: Variable, domain: list,
                             neurons: np.ndarray) -> np.ndarray:
        """A numerical Map's MLP on each input value, with its thresholds taken as exact steps.

        Tracr's discretising layer has a constant neuron (f of the smallest value) and, per
        threshold t between neighbouring values, two neurons ReLU(L(x - t) + 1) and ReLU(L(x - t))
        whose difference steps from 0 to 1 over [t, t + 1/L]. Values closer than 1/L make the
        compiled ramp inexact; the step is what the program computes, so that is what is read.
        Pairs are found exactly first, then, among the neurons left, within `_PAIR_SLACK`: noise on
        the weights (`trade.transform.add_noise`) is amplified L times by the ramp, so a noisy pair
        run as it is misreads the table, while its step is still where it was. Neurons that do not
        pair up either way are run as they are.
        """
        prefix = f"transformer/layer_{layer}/mlp"
        first = self.params[f"{prefix}/linear_1/w"].astype(np.float64)
        second = self.params[f"{prefix}/linear_2/w"][neurons].astype(np.float64)
        slope = first[source_var.dims[0], neurons]
        bias = first[self.one, neurons] if self.one is not None else np.zeros(len(neurons))
        xs = np.array([float(x) for x in domain])
        out = np.zeros((len(xs), second.shape[1]))
        constant = slope == 0
        out += np.maximum(bias[constant], 0.0) @ second[constant]
        left = [i for i in range(len(neurons)) if not constant[i]]
        for slack in (0.0, _PAIR_SLACK):
            pairs = _ramp_pairs(slope, bias, second, left, slack)
            for low, high in pairs:
                threshold = -bias[low] / slope[low]
                step = (xs >= threshold) if slope[low] > 0 else (xs <= threshold)
                out += step[:, None] * ((second[high] - second[low]) / 2)[None, :]
            paired = {i for pair in pairs for i in pair}
            left = [i for i in left if i not in paired]
        if left:
            rows = np.stack([self.residual([(source_var, x)]) for x in domain])
            out += self.run_mlp(layer, rows, neurons[left], linear=False)
        return out

    def residual(self, assignments: list[tuple[Variable, Any]]) -> np.ndarray:
        vector = np.zeros(self.weights.d_model)
        if self.one is not None:
            vector[self.one] = 1.0
        for variable, value in assignments:
            if variable.categorical:
                vector[variable.dims[variable.values.index(value)]] = 1.0
            else:
                vector[variable.dims[0]] = float(value)
        return vector

    def decode(self, target: Variable, output: np.ndarray) -> Any:
        if not target.categorical:
            return snap(output[target.dims[0]])
        block = output[target.dims]
        if block.max() < 0.5:
            return None
        return target.values[int(block.argmax())]

    def read_map(self, layer: int, target: Variable, source_var: Variable, neurons: np.ndarray,
                 uses_one: bool, source: str) -> None:
        domain = self.values_of(source_var)
        linear = source_var.categorical and not uses_one
        if linear:  # a categorical lookup: no bias, so read without the ReLU (see module docstring)
            rows = np.stack([self.residual([(source_var, x)]) for x in domain])
            if self.one is not None:
                rows[:, self.one] = 0.0
        else:
            rows = np.stack([self.residual([(source_var, x)]) for x in domain])
        if source_var.categorical:
            outputs = self.run_mlp(layer, rows, neurons, linear)
        else:
            outputs = self.run_discretising_mlp(layer, source_var, domain, neurons)
        table = {plain(x): self.decode(target, out) for x, out in zip(domain, outputs)}
        if source_var.categorical and target.categorical and self.read_self_sequence_map(
                target, source_var, table, source):
            return
        kind = _map_kind(source_var.categorical, target.categorical)
        token = self.name_table(table, domain, kind)
        line = Line(Op.MAP, (token, self.argument(source_var, source)))
        values = None if target.categorical else infer_value_set(line, kind, table.get, [domain],
                                                                 self.max_seq_len, True)
        self.add_line(line, target.name, source, values)

    def read_self_sequence_map(self, target: Variable, source_var: Variable, table: dict,
                               source: str) -> bool:
        """A lookup whose output has values no input reaches is `SequenceMap(f, x, x)`; False if not one.

        Tracr compiles a SequenceMap of one variable with itself as the Map of its diagonal, x -> f(x, x),
        but keeps the SequenceMap's value set, f over every pair. Those values no input reaches are
        directions of the output that nothing writes; only a SequenceMap recompiles them. Which pair
        reaches each is not in the weights: a library lambda that gives the diagonal and exactly the
        value set is taken, else a table that sends the pairs off the diagonal to the missing values.
        """
        values = [plain(v) for v in target.values]
        reached = {repr(v) for v in table.values()}
        missing = [v for v in values if repr(v) not in reached]
        domain = list(table)
        off_diagonal = [(a, b) for a in domain for b in domain if a != b]
        if not missing or None in table.values() or len(missing) > len(off_diagonal):
            return False
        wanted = sorted(repr(v) for v in values)
        pairs = [(a, b) for a in domain for b in domain]
        diagonal = {(x, x): y for x, y in table.items()}
        token = None
        for lam in library_match(diagonal, list(diagonal), LambdaKind.SEQUENCE_MAP):
            try:
                if sorted({repr(plain(lam.fn(a, b))) for a, b in pairs}) == wanted:
                    token = lam.token
                    break
            except Exception:  # noqa: BLE001 (a library lambda that cannot take these values)
                continue
        if token is None:
            full = dict(diagonal)
            for number, pair in enumerate(off_diagonal):
                full[pair] = missing[min(number, len(missing) - 1)]
            token = map_token(full, LambdaKind.SEQUENCE_MAP)
        self.tied = []
        argument = self.argument(source_var, source)
        self.add_line(Line(Op.SEQUENCE_MAP, (token, argument, argument)), target.name, source, None)
        return True

    def read_sequence_map(self, layer: int, target: Variable, inputs: list[Variable], neurons: np.ndarray,
                          source: str) -> None:
        first_var, second_var = self.argument_order(layer, inputs, neurons)
        if not first_var.categorical and not second_var.categorical and not target.categorical:
            self.read_linear(layer, target, first_var, second_var, neurons, source)
            return
        if not (first_var.categorical and second_var.categorical and target.categorical):
            raise ReadError(f"{source} mixes encodings in a SequenceMap")
        domain = [(a, b) for a in self.values_of(first_var) for b in self.values_of(second_var)]
        rows = np.stack([self.residual([(first_var, a), (second_var, b)]) for a, b in domain])
        outputs = self.run_mlp(layer, rows, neurons, linear=False)
        table = {(plain(a), plain(b)): self.decode(target, out) for (a, b), out in zip(domain, outputs)}
        token = self.name_table(table, list(table), LambdaKind.SEQUENCE_MAP)
        line = Line(Op.SEQUENCE_MAP, (token, self.argument(first_var, source), self.argument(second_var, source)))
        self.add_line(line, target.name, source, None)

    def argument_order(self, layer: int, inputs: list[Variable], neurons: np.ndarray) -> tuple[Variable, Variable]:
        """Which input is Tracr's first argument, from the order of the hidden neurons.

        A LinearSequenceMap's neurons are sorted by name (`..._x` before `..._y`), so the first
        neuron reads the first argument; a categorical SequenceMap's run over (x, y) pairs with
        x slowest, so x's direction never decreases from neuron to neuron.
        """
        if inputs[0].categorical and inputs[1].categorical:
            neurons = self.with_silent_pairs(layer, inputs, neurons)
        first = self.params[f"transformer/layer_{layer}/mlp/linear_1/w"][:, neurons]
        if not inputs[0].categorical and not inputs[1].categorical:
            reader = np.flatnonzero(first[:, 0])
            if any(d in inputs[1].dims for d in reader):
                return inputs[1], inputs[0]
            return inputs[0], inputs[1]
        for candidate in (inputs, inputs[::-1]):
            dims = candidate[0].dims
            owners = [int(np.argmax(np.abs(first[dims, n]))) if np.any(first[dims, n]) else -1
                      for n in range(len(neurons))]
            owners = [o for o in owners if o >= 0]
            if all(a <= b for a, b in zip(owners, owners[1:])):
                return candidate[0], candidate[1]
        return inputs[0], inputs[1]

    def with_silent_pairs(self, layer: int, inputs: list[Variable], neurons: np.ndarray) -> np.ndarray:
        """A categorical SequenceMap's neurons with those of its pairs that map to None, which write nothing.

        Tracr lays out one neuron per pair, side by side; the writing ones alone may be sorted both
        ways (only pairs with y = x + 1 written), and the silent ones next to them, reading one value of
        each input, complete the order. Only neurons adjacent to the block are taken, up to one per
        pair: another line's silent neurons in the same layer sit beyond its own.
        """
        prefix = f"transformer/layer_{layer}/mlp"
        first, second = self.params[f"{prefix}/linear_1/w"], self.params[f"{prefix}/linear_2/w"]
        sides = [{d for d in variable.dims if d not in self.ignored} for variable in inputs]  # not BOS, PAD

        def silent_pair(unit: int) -> bool:
            if np.any(second[unit]):
                return False
            reads = [int(d) for d in np.flatnonzero(first[:, unit]) if d not in self.ignored]
            return len(reads) == 2 and all(sum(d in side for d in reads) == 1 for side in sides)

        members = set(int(n) for n in neurons)
        low, high = int(neurons.min()), int(neurons.max())
        members |= {unit for unit in range(low, high) if silent_pair(unit)}
        pairs = len(sides[0]) * len(sides[1])
        while len(members) < pairs and low > 0 and silent_pair(low - 1):
            low -= 1
            members.add(low)
        while len(members) < pairs and high + 1 < first.shape[1] and silent_pair(high + 1):
            high += 1
            members.add(high)
        return np.array(sorted(members))

    def read_linear(self, layer: int, target: Variable, first_var: Variable, second_var: Variable,
                    neurons: np.ndarray, source: str) -> None:
        zero = self.run_mlp(layer, self.residual([(first_var, 0), (second_var, 0)])[None], neurons, False)[0]
        base = zero[target.dims[0]]
        factors = []
        for variable, other in ((first_var, second_var), (second_var, first_var)):
            out = self.run_mlp(layer, self.residual([(variable, 1), (other, 0)])[None], neurons, False)[0]
            factors.append(snap(out[target.dims[0]] - base))
        self.add_linear(target, first_var, second_var, (factors[0], factors[1]), source)

    def add_linear(self, target: Variable, first_var: Variable, second_var: Variable,
                   factors: tuple[int | float, int | float], source: str) -> None:
        """The LinearSequenceMap line, with Tracr's value set: a x + b y over every pair of input values."""
        line = Line(Op.SEQUENCE_MAP, (linear_token(*factors), self.argument(first_var, source),
                                      self.argument(second_var, source)))
        fst, snd = factors
        values = sort_values({fst * a + snd * b for a in self.values_of(first_var)
                              for b in self.values_of(second_var)})
        self.add_line(line, target.name, source, values)

    def read_selector_width(self, helper: Variable, target: Variable, source: str) -> None:
        if helper.name not in self.pending_widths:
            raise ReadError(f"{source} reads '{helper.name}', which no head wrote")
        selector_name, head_source = self.pending_widths.pop(helper.name)
        values = None if target.categorical else list(range(self.max_seq_len + 1))
        args = (selector_name,) if target.categorical else (selector_name, NUMERICAL_WIDTH)
        self.add_line(Line(Op.SELECTOR_WIDTH, args), target.name, f"{head_source} + {source}", values)

    def name_table(self, table: dict, domain: list, kind: LambdaKind) -> str:
        """A library lambda's token where one computes the table on the domain, else the table's.

        A constant table stays a table: `x == 3` is a misleading name for 0 on indices {0, 1, 2}.
        """
        if len(domain) > 1 and len({repr(v) for v in table.values()}) == 1 and len(table) == len(domain):
            self.tied = []
            return map_token(table, kind)
        matches = library_match(table, domain, kind)
        self.tied = [lam.text for lam in matches[1:]]
        if matches:
            return matches[0].token
        return map_token(table, kind)

    def output_line(self) -> int | None:
        """The index of the line that writes the variable the model's read-out reads, if one does."""
        name = self.defined.get(self.output) if self.output else None
        return None if name is None or name in ("tokens", "indices") else int(name[1:]) - 1

    def place_unread(self) -> None:
        """Variables that no block reads, besides the output, are the queries of FALSE selectors:
        nothing in such a head's weights shows them. Each goes to the first such Select after it."""
        read_by_some = {arg for line in self.lines for arg in line.variable_args}
        unread = [i for i, line in enumerate(self.lines)
                  if line.op is not Op.SELECT and variable_name(i) not in read_by_some]
        output = self.output_line()
        for index in sorted(unread)[:-1] if output is None else [i for i in sorted(unread) if i != output]:
            variable = self.variables[self.names[index]]
            spots = [s for s in self.false_selects if s > index and variable.categorical]
            spots += [s for s in self.constants if s > index]
            if not spots:
                return
            spot = min(spots)
            if spot in self.constants:
                value, categorical = self.constants.pop(spot)
                domain = self.values_of(variable)
                kind = _map_kind(variable.categorical, categorical)
                self.lines[spot] = Line(Op.MAP, (map_token({plain(x): value for x in domain}, kind),
                                                 variable_name(index)))
            else:
                self.false_selects.remove(spot)
                keys, _, predicate = self.lines[spot].args
                self.lines[spot] = Line(Op.SELECT, (keys, variable_name(index), predicate))

    def read(self) -> ReadProgram:
        for layer in range(self.weights.num_layers):
            self.layer = layer
            for head in range(self.weights.num_heads):
                self.read_head(layer, head)
            self.read_mlp(layer)
        if self.pending_widths:
            raise ReadError(f"a SelectorWidth head without its MLP ('{next(iter(self.pending_widths))}')")
        if not self.lines:
            raise ReadError("no block writes anything: the model computes no program")
        self.place_unread()
        program, order = _output_last(self.lines, self.output_line())
        dropped = [self.names[i] for i in range(len(self.lines))
                   if i not in order and self.lines[i].op is not Op.SELECT]
        if dropped:
            self.notes.append(f"left out, as the output does not depend on them (no block reads them): "
                              f"{', '.join(dropped)}; recompiled, the program lacks their blocks")
        try:
            program.types()
        except ProgramError as error:
            raise ReadError(f"the lines read do not type-check ({error})") from None
        return ReadProgram(program=program, names=[self.names[i] for i in order], notes=self.notes,
                           sources=[self.sources[i] for i in order],
                           alternatives=[self.alternatives[i] for i in order])


def _map_kind(categorical_in: bool, categorical_out: bool) -> LambdaKind:
    return {(True, True): LambdaKind.MAP_CAT_CAT, (True, False): LambdaKind.MAP_CAT_NUM,
            (False, True): LambdaKind.MAP_NUM_CAT, (False, False): LambdaKind.MAP_NUM_NUM}[
        (categorical_in, categorical_out)]


def _output_last(lines: list[Line], output: int | None = None) -> tuple[Program, list[int]]:
    """The lines the output needs in reading order, the output moved last, and the old index of each.

    The output is the line the model's read-out reads (`output`); where that is not known, the one line
    nothing reads. Other lines nothing reads (a variable a block reads with zero weights) cannot change
    the output: they are left out.
    """
    if output is None:
        read_by_some = {arg for line in lines for arg in line.variable_args}
        unread = [i for i, line in enumerate(lines)
                  if variable_name(i) not in read_by_some and line.op is not Op.SELECT]
        if len(unread) != 1:
            raise ReadError(f"{len(unread)} variables are read by no block; a program has one output")
        output = unread[0]
    if lines[output].op is Op.SELECT:
        raise ReadError("the model's read-out reads a selector")
    needed = {output}
    for index in range(output, -1, -1):
        if index in needed:
            needed |= {int(arg[1:]) - 1 for arg in lines[index].variable_args
                       if arg not in ("tokens", "indices")}
    order = sorted(needed - {output}) + [output]
    if order == list(range(len(lines))):
        return Program(tuple(lines)), order
    mapping = {variable_name(old): variable_name(new) for new, old in enumerate(order)}
    renamed = []
    for old in order:
        line = lines[old]
        positions = {Op.SELECT: (0, 1), Op.AGGREGATE: (0, 1), Op.SELECTOR_WIDTH: (0,), Op.MAP: (1,),
                     Op.SEQUENCE_MAP: (1, 2)}[line.op]
        renamed.append(Line(line.op, tuple(mapping.get(a, a) if i in positions else a
                                           for i, a in enumerate(line.args))))
    return Program(tuple(renamed)), order


def read_program(weights: ModelWeights) -> ReadProgram:
    """The program a labelled Tracr model computes, read from its weights (raises ReadError)."""
    return _Reader(weights).read()
