"""What a decompiled program does, in words: known sub-programs (idioms), found by dataflow and behaviour.

A decompiled program names its variables `v1, v2, ...` and may hold its lambdas as tables, so reading it
takes a person minutes. This module finds the sub-programs of Tracr's `lib.py` and of the hand-written
suites (`examples/*.rasp`) in it, names the variables after them, prints table lambdas as formulas where
a simple formula computes them, and says what the output computes.

Matching is by dataflow and behaviour, never by text. The program is run by the interpreter
(`trade.program.interpret`) on every input (or a seeded sample where there are too many), which gives
every variable's values in context. An idiom is a shape of lines (a SelectorWidth of a Select, an
Aggregate of a Select, a run of Maps and SequenceMaps from given variables) whose selector or function
equals the idiom's on those values. So `Select(tokens, tokens, TRUE)`, `Select(indices, v3, {...})`
selecting every pair, and any lambda that agrees with `x - 1` on the values it sees all match alike,
and tables from the weight reader match as library lambdas do.

`read_program(program, config)` returns a `ProgramReading`: names, formulas, idioms, a description of
the output and example inputs with their outputs.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np

from trade.compiled import CompileConfig
from trade.program.interpret import (all_inputs, decode_value, encode_value, evaluate_batch, input_space_size,
                                     random_inputs)
from trade.program.lambdas import COMPARISONS, LAMBDA_BY_TOKEN, LambdaKind
from trade.program.program import INPUTS, Op, Program, VarType, variable_name
from trade.program.tables import predicate_text, sort_values

EXHAUSTIVE_LIMIT = 5_000  # input sequences: below this every input is run, above a seeded sample
SAMPLE_SIZE = 2_000
_ELEMENTWISE = (Op.MAP, Op.SEQUENCE_MAP)


@dataclasses.dataclass(frozen=True)
class Idiom:
    """One recognised sub-program: its kind, the variable it computes, the lines it spans, in words."""

    kind: str  # "length", "hist", "reverse", ...
    variable: str  # the program's variable (v-name) holding the idiom's result
    lines: tuple[str, ...]  # the variables (v-names) of the lines it spans, the result included
    phrase: str  # what it computes, in words, with its arguments' names


@dataclasses.dataclass(frozen=True)
class Example:
    """An input and what the program outputs on it (by the interpreter)."""

    tokens: tuple
    output: tuple


@dataclasses.dataclass
class ProgramReading:
    """A program made readable: names per variable, formulas per lambda, idioms, a description, examples."""

    program: Program
    names: dict[str, str]  # v-name -> readable name (inputs map to themselves)
    formulas: dict[str, str]  # v-name -> the Map/SequenceMap function as printed (a formula where one fits)
    idioms: list[Idiom]
    phrases: dict[str, str]  # v-name -> what it holds, in words (idioms and recognised formulas)
    description: str  # what the output computes
    examples: list[Example]
    inputs_checked: int  # how many input sequences the matching saw
    exhaustive: bool
    value_sets: dict[str, list] = dataclasses.field(default_factory=dict)  # per variable, the values it took

    @property
    def output_name(self) -> str:
        return self.names[self.program.output]

    def line_text(self, index: int) -> str:
        """Line `index` with readable names and formulas, e.g. `length = SelectorWidth(all_pairs)`."""
        line = self.program.lines[index]
        name = variable_name(index)
        args = [self.names.get(a, a) for a in line.args]
        if line.op in _ELEMENTWISE:
            if line.lam.kind is LambdaKind.LINEAR_SEQUENCE_MAP:  # Tracr's own form (formula: the comment)
                call = f"LinearSequenceMap({args[1]}, {args[2]}, {line.lam.text[len('linear('):-1]})"
            else:
                call = f"{line.op.value}({', '.join([self.formulas[name], *args[1:]])})"
        elif line.op is Op.SELECT:
            call = f"Select({args[0]}, {args[1]}, {self.formulas.get(name, predicate_text(line.args[2]))})"
        else:
            call = f"{line.op.value}({', '.join(args)})"
        if self.types.get(name) is VarType.NUMERICAL:
            call = f"numerical({call})"
        return f"{self.names[name]} = {call}"

    @property
    def types(self) -> dict[str, VarType]:
        return self.program.types()

    def text(self, comments: bool = True) -> str:
        """The whole program with readable names; comments give each idiom's words."""
        out = []
        for index in range(len(self.program.lines)):
            text = self.line_text(index)
            phrase = self.phrases.get(variable_name(index))
            if comments and phrase:
                text = f"{text}  # {phrase}"
            out.append(text)
        return "\n".join(out) + "\n"


# --- running the program ------------------------------------------------------------------------------


class _Run:
    """Every variable's values on a set of inputs (one array per sequence length), and value helpers."""

    def __init__(self, program: Program, config: CompileConfig):
        self.program = program
        self.types = program.types()
        vocab, length = tuple(config.vocab), config.max_seq_len
        self.exhaustive = input_space_size(len(vocab), length) <= EXHAUSTIVE_LIMIT
        groups = (all_inputs(vocab, length) if self.exhaustive
                  else random_inputs(vocab, length, SAMPLE_SIZE, np.random.default_rng(0)))
        self.groups = [g for g in groups if len(g)]
        self.count = sum(len(g) for g in self.groups)
        self.values: dict[str, list[np.ndarray]] = {}
        for group in self.groups:
            evaluation = evaluate_batch(program, group, self.types, causal=config.causal)
            for name, array in evaluation.values.items():
                self.values.setdefault(name, []).append(np.asarray(array))
        self._value_sets: dict[str, list] = {}
        self.values["length"] = [np.full(g.shape, float(g.shape[1])) for g in self.groups]

    def line(self, name: str):
        return self.program.line_of(name) if name not in INPUTS else None

    def is_elementwise(self, name: str) -> bool:
        line = self.line(name)
        return line is not None and line.op in _ELEMENTWISE

    def roots(self, name: str) -> tuple[str, ...]:
        """The variables an elementwise variable is computed from through Maps and SequenceMaps only."""
        if not self.is_elementwise(name):
            return (name,)
        found: list[str] = []
        for arg in self.line(name).variable_args:
            for root in self.roots(arg):
                if root not in found:
                    found.append(root)
        return tuple(found)

    def chain(self, name: str) -> list[str]:
        """The elementwise lines between a variable and its roots (the variable included, if elementwise)."""
        if not self.is_elementwise(name):
            return []
        found = [name]
        for arg in self.line(name).variable_args:
            found += [v for v in self.chain(arg) if v not in found]
        return found

    def value_set(self, name: str) -> list:
        if name not in self._value_sets:
            self._value_sets[name] = self._observed(name)
        return self._value_sets[name]

    def _observed(self, name: str) -> list:
        codes = np.unique(np.concatenate([a.reshape(-1) for a in self.values[name]]))
        return sort_values(decode_value(c) for c in codes if not np.isnan(c))

    def equals(self, name: str, expected: Callable[[int], np.ndarray], where: Callable[[int], np.ndarray]
               | None = None) -> bool:
        """The variable equals `expected(group)` on every input (NaN equal to NaN), at `where` if given."""
        for g, array in enumerate(self.values[name]):
            want = np.broadcast_to(expected(g), array.shape)
            same = (array == want) | (np.isnan(array) & np.isnan(want))
            if where is not None:
                same |= ~np.broadcast_to(where(g), array.shape)
            if not same.all():
                return False
        return True

    def positions(self, g: int) -> tuple[np.ndarray, np.ndarray, int]:
        n = self.groups[g].shape[1]
        return np.arange(n)[:, None], np.arange(n)[None, :], n  # query, key, length

    def selector_is(self, name: str, mask: Callable[[np.ndarray, np.ndarray, int], np.ndarray]) -> bool:
        for g, selected in enumerate(self.values[name]):
            q, k, n = self.positions(g)
            if not np.array_equal(selected, np.broadcast_to(mask(q, k, n), selected.shape)):
                return False
        return True

    def numeric(self, name: str) -> bool:
        return all(isinstance(v, (int, float)) for v in self.value_set(name))


# --- formulas -----------------------------------------------------------------------------------------


def _number(value: float) -> str:
    fraction = Fraction(value).limit_denominator(1000)
    if fraction.denominator == 1:
        return str(fraction.numerator)
    return repr(round(float(value), 6))


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return _number(value) if isinstance(value, (int, float)) else str(value)


def _affine(out: np.ndarray, columns: Sequence[np.ndarray], names: Sequence[str]) -> str | None:
    matrix = np.stack([*columns, np.ones_like(out)], axis=1)
    try:
        solution = np.linalg.lstsq(matrix, out, rcond=None)[0]
    except np.linalg.LinAlgError:
        return None
    coefficients = [float(Fraction(c).limit_denominator(1000)) for c in solution]
    if not np.allclose(matrix @ np.array(coefficients), out, atol=1e-6):
        return None
    terms = []
    for coefficient, name in zip(coefficients, [*names, ""]):
        if abs(coefficient) < 1e-12:
            continue
        magnitude = _number(abs(coefficient))
        term = name if name and magnitude == "1" else f"{magnitude} * {name}" if name else magnitude
        terms.append(("-" if coefficient < 0 else "+", term))
    if not terms:
        return "0"
    terms.sort(key=lambda term: term[0] == "-")  # `5 - indices`, not `-indices + 5`
    text = ("-" if terms[0][0] == "-" else "") + terms[0][1]
    return text + "".join(f" {sign} {term}" for sign, term in terms[1:])


def _condition_suffix(condition: str) -> str:
    """A name part for a condition: `tokens == 2` -> `2`, `tokens <= 1` -> `le_1`."""
    words = {"==": "", "!=": "not_", "<=": "le_", ">=": "ge_", "in": "in_"}
    parts = condition.split(" ", 2)
    if len(parts) == 3 and parts[1] in words:
        value = re.sub(r"\W+", "_", parts[2]).strip("_")
        if value:
            return words[parts[1]] + value
    return "flag"


def condition_text(true_values: set, all_values: Sequence, name: str) -> str:
    """Words for `name in true_values` among `all_values`: `x == 2`, `x <= 2`, `x in {1, 3}`."""
    values = list(all_values)
    true = [v for v in values if v in true_values]
    false = [v for v in values if v not in true_values]
    if len(true) == 1:
        return f"{name} == {_value_text(true[0])}"
    if len(false) == 1:
        return f"{name} != {_value_text(false[0])}"
    if all(isinstance(v, (int, float)) for v in values) and true and false:
        if max(true) < min(false):
            return f"{name} <= {_value_text(max(true))}"
        if min(true) > max(false):
            return f"{name} >= {_value_text(min(true))}"
    return f"{name} in {{{', '.join(_value_text(v) for v in true)}}}"


_PAIR_TESTS: list[tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = [
    ("x == y", np.equal), ("x != y", np.not_equal), ("x < y", np.less), ("x <= y", np.less_equal),
    ("x > y", np.greater), ("x >= y", np.greater_equal)]


def fit_formula(out: Sequence, columns: Sequence[Sequence], names: Sequence[str] = ("x", "y")) -> str | None:
    """A simple formula computing `out` from one or two input columns (aligned values), or None.

    Tried in order: a constant, a condition (0/1 outputs), an affine function, min/max with a constant or
    of two inputs, the product of two inputs, x % c and x // c. Values that are not numbers are only
    compared for equality.
    """
    out_values = [plain_value(v) for v in out]
    cols = [[plain_value(v) for v in column] for column in columns]
    rows = [(o, *c) for o, *c in zip(out_values, *cols) if o is not None and all(x is not None for x in c)]
    if not rows:
        return None
    rows = sorted(set(rows), key=repr)
    outs = [r[0] for r in rows]
    ins = [[r[i + 1] for r in rows] for i in range(len(cols))]
    if len(set(map(repr, outs))) == 1:
        return _value_text(outs[0])
    boolean = all(isinstance(o, (bool, int, float)) and o in (0, 1) for o in outs)
    if len(ins) == 1 and boolean:
        truth: dict = {}
        for o, x in zip(outs, ins[0]):
            if truth.setdefault(x, bool(o)) != bool(o):
                return None
        return condition_text({x for x, t in truth.items() if t}, sort_values(truth), names[0])
    if not all(isinstance(v, (int, float)) for v in [*outs, *itertools.chain(*ins)]):
        return _gated(outs, ins, names) if len(ins) == 2 else None
    o = np.array(outs, dtype=float)
    xs = [np.array(column, dtype=float) for column in ins]
    if boolean and len(xs) == 2:
        x, y = xs
        tests = list(_PAIR_TESTS)
        if set(np.unique(np.concatenate(xs))) <= {0.0, 1.0}:
            tests += [("x and y", lambda a, b: (a != 0) & (b != 0)),
                      ("x or y", lambda a, b: (a != 0) | (b != 0))]
        for text, test in tests:
            if np.array_equal(test(x, y).astype(float), o):
                return text.replace("x", "\0").replace("y", names[1]).replace("\0", names[0])
    affine = _affine(o, xs, names[:len(xs)])
    if affine is not None:
        return affine
    if len(xs) == 2:
        x, y = xs
        for text, value in (("min", np.minimum(x, y)), ("max", np.maximum(x, y)), ("*", x * y)):
            if np.array_equal(value, o):
                return f"{names[0]} * {names[1]}" if text == "*" else f"{text}({names[0]}, {names[1]})"
        return _gated(outs, ins, names)
    return _one_input(o, xs[0], outs, names[0])


def _gated(outs: list, ins: list[list], names: Sequence[str]) -> str | None:
    """`f(x) if <condition on y> else 0` (either input as the condition), as in pair_balance's keys."""
    for value_at, condition_at in ((0, 1), (1, 0)):
        values, conditions = ins[value_at], ins[condition_at]
        on = {c for o, c in zip(outs, conditions) if o != 0}
        if not on or on == set(conditions):
            continue
        rows = [(o, v) for o, v, c in zip(outs, values, conditions) if c in on]
        formula = fit_formula([r[0] for r in rows], [[r[1] for r in rows]], [names[value_at]])
        if formula is not None:
            condition = condition_text(on, sort_values(set(conditions)), names[condition_at])
            return f"{formula} if {condition} else 0"
    return None


def _one_input(o: np.ndarray, x: np.ndarray, outs: list, name: str) -> str | None:
    """min/max with a constant, x % c and x // c: the one-input formulas that are not affine."""
    for constant in sorted(set(outs)):
        for text, value in (("min", np.minimum(x, constant)), ("max", np.maximum(x, constant))):
            if np.array_equal(value, o):
                return f"{text}({name}, {_number(constant)})"
    for constant in range(2, 11):
        if np.all(x == np.round(x)):
            if np.array_equal(np.mod(x, constant), o):
                return f"{name} % {constant}"
            if np.array_equal(np.floor_divide(x, constant), o):
                return f"{name} // {constant}"
    return None


def plain_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def lambda_formula(line, value_sets: Sequence[Sequence]) -> str:
    """How a Map/SequenceMap's function is printed: its library text, else a formula on its inputs' values,
    else its table."""
    lam = line.lam
    if line.args[0] in LAMBDA_BY_TOKEN:
        return lam.text
    domain = list(itertools.product(*value_sets))
    outs = []
    for args in domain:
        try:
            outs.append(lam.fn(*args))
        except Exception:  # noqa: BLE001 - a table or function undefined there: not part of the formula
            outs.append(None)
    formula = fit_formula(outs, list(zip(*domain)) if domain else [[] for _ in value_sets])
    return formula if formula is not None else lam.text


def predicate_formula(token: str, keys: Sequence, queries: Sequence) -> str:
    """How a Select's predicate is printed: a comparison name, else a formula in k (key) and q (query)
    that selects the same pairs among the keys' and queries' values (`k == q - 1`), else its table."""
    from trade.program.tables import predicate_of

    if token in COMPARISONS:
        return token
    compare = predicate_of(token)
    keys, queries = list(keys), list(queries)
    try:
        chosen = {(k, q): bool(compare(k, q)) for k in keys for q in queries}
    except TypeError:
        return predicate_text(token)
    if not chosen:
        return predicate_text(token)
    if all(chosen.values()) or not any(chosen.values()):
        return "TRUE" if all(chosen.values()) else "FALSE"
    key_only = {k for k in keys if all(chosen[k, q] for q in queries)}
    if all(chosen[k, q] == (k in key_only) for k in keys for q in queries) and key_only:
        return condition_text(key_only, keys, "k")
    query_only = {q for q in queries if all(chosen[k, q] for k in keys)}
    if all(chosen[k, q] == (q in query_only) for k in keys for q in queries) and query_only:
        return condition_text(query_only, queries, "q")
    if all(isinstance(v, (int, float)) for v in [*keys, *queries]):
        offsets = sorted({k - q for k in keys for q in queries})
        for offset in offsets:
            shown = "q" if offset == 0 else f"q {'+' if offset > 0 else '-'} {_number(abs(offset))}"
            for text, test in (("==", lambda d: d == offset), ("<=", lambda d: d <= offset),
                               ("<", lambda d: d < offset), (">=", lambda d: d >= offset),
                               (">", lambda d: d > offset)):
                if all(chosen[k, q] == test(k - q) for k in keys for q in queries):
                    return f"k {text} {shown}"
    return predicate_text(token)


# --- idioms -------------------------------------------------------------------------------------------


class _Matcher:
    """Walks the lines in order, naming each variable after the first idiom it matches."""

    def __init__(self, program: Program, config: CompileConfig):
        self.run = _Run(program, config)
        self.program = program
        self.names: dict[str, str] = {name: name for name in INPUTS}
        self.kinds: dict[str, tuple] = {}  # v-name -> (kind, *arguments) of its idiom or formula
        self.phrases: dict[str, str] = {}
        self.idioms: list[Idiom] = []
        self.formulas: dict[str, str] = {}
        self.conditions: dict[str, str] = {}  # 0/1 variable -> the condition it tests, in its root's name

    # naming ----------------------------------------------------------------------------------------
    def claim(self, name: str, wanted: str) -> None:
        taken = set(self.names.values())
        candidate, number = wanted, 2
        while candidate in taken:
            candidate, number = f"{wanted}_{number}", number + 1
        self.names[name] = candidate

    def label(self, name: str) -> str:
        return self.names.get(name, name)

    def noun(self, name: str) -> str:
        if name in INPUTS:
            return "token" if name == "tokens" else "index"
        phrase = self.phrases.get(name, "")
        if self.names.get(name, name) == name and phrase.startswith("= "):
            return phrase[2:]  # an unnamed formula reads better than its v-name
        return self.label(name)

    def found(self, name: str, kind: tuple, wanted: str, phrase: str, lines: Sequence[str]) -> None:
        self.kinds[name] = kind
        self.claim(name, wanted)
        self.phrases[name] = phrase
        self.idioms.append(Idiom(kind[0], name, tuple(dict.fromkeys([*lines, name])), phrase))

    # selectors -------------------------------------------------------------------------------------
    def selector_kind(self, name: str) -> tuple:
        """What a selector selects, by its values on every input (positional shapes first)."""
        run, line = self.run, self.run.line(name)
        keys, queries, predicate = line.args
        shapes: list[tuple[tuple, Callable]] = [
            (("all",), lambda q, k, n: np.ones((n, n), bool)),
            (("prefix",), lambda q, k, n: k <= q),
            (("strict_prefix",), lambda q, k, n: k < q),
            (("flip",), lambda q, k, n: k == n - 1 - q),
            (("last",), lambda q, k, n: k == n - 1),
            (("first",), lambda q, k, n: k == 0),
        ]
        lengths = [g.shape[1] for g in run.groups]
        for offset in range(1, max(lengths)):
            shapes.append((("shift", offset), lambda q, k, n, c=offset: k == q - c))
            shapes.append((("ahead", offset), lambda q, k, n, c=offset: k == q + c))
        for kind, mask in shapes:
            if run.selector_is(name, mask):
                return kind
        key_set, query_set = run.value_set(keys), run.value_set(queries)
        if keys == queries:
            from trade.program.tables import predicate_of
            compare = predicate_of(predicate)
            for kind, reference in (("same", lambda k, q: k == q), ("smaller", lambda k, q: k < q)):
                try:
                    if all(bool(compare(k, q)) == reference(k, q) for k in key_set for q in query_set):
                        return (kind, keys)
                except TypeError:
                    continue
        if run.roots(queries) == ("indices",) and self._scatter(name, keys):
            return ("scatter", keys)
        for positional, mask in ((("all",), lambda q, k, n: np.ones((n, n), bool)),
                                 (("prefix",), lambda q, k, n: k <= q)):
            for root in dict.fromkeys([*run.roots(keys), *run.roots(queries)]):
                if root == "indices" or run.line(root) is not None and run.line(root).op is Op.SELECT:
                    continue
                chosen = self._key_condition(name, root, mask)
                if chosen is not None:
                    return ("where", positional[0], root, chosen)
        return ("other",)

    def _scatter(self, name: str, target: str) -> bool:
        """The selector picks, for query position q, the key positions whose `target` is q."""
        for g, selected in enumerate(self.run.values[name]):
            q, k, n = self.run.positions(g)
            values = self.run.values[target][g]
            if not np.array_equal(selected, values[:, None, :] == q[None]):
                return False
        return True

    def _key_condition(self, name: str, root: str, mask: Callable) -> set | None:
        """The values of `root` at the key whose positions the selector picks (within `mask`), if that is
        all it depends on; None otherwise."""
        run = self.run
        chosen: set = set()
        for g, selected in enumerate(run.values[name]):
            q, k, n = run.positions(g)
            inside = np.broadcast_to(mask(q, k, n), selected.shape)
            keys = np.broadcast_to(run.values[root][g][:, None, :], selected.shape)
            chosen |= set(np.unique(keys[selected & inside]).tolist())
            if (selected & ~inside).any():
                return None
        codes = np.array(sorted(chosen))
        for g, selected in enumerate(run.values[name]):
            q, k, n = run.positions(g)
            keys = run.values[root][g][:, None, :]
            expected = np.broadcast_to(mask(q, k, n), selected.shape) & np.isin(keys, codes)
            if not np.array_equal(selected, expected):
                return None
        values = set(decode_value(c) for c in chosen)
        return values if values and values != set(run.value_set(root)) else None

    # one variable ----------------------------------------------------------------------------------
    def visit(self, name: str) -> None:
        line = self.run.line(name)
        if line.op is Op.SELECT:  # named with the line that reads it
            self.formulas[name] = predicate_formula(line.args[2], self.run.value_set(line.args[0]),
                                                    self.run.value_set(line.args[1]))
            return
        if line.op is Op.SELECTOR_WIDTH:
            self.selector_width(name, line.args[0])
        elif line.op is Op.AGGREGATE:
            self.aggregate(name, *line.args)
        else:
            self.elementwise(name)

    def name_selector(self, selector: str, wanted: str) -> None:
        if selector not in self.names or self.names[selector] == selector:
            self.claim(selector, wanted)

    def condition(self, root: str, values: set) -> str:
        return condition_text(values, self.run.value_set(root), self.label(root))

    def selector_width(self, name: str, selector: str) -> None:
        kind = self.selector_kind(selector)
        covered = [selector, *self.select_chain(selector)]
        if kind == ("all",):
            self.name_selector(selector, "all_pairs")
            self.found(name, ("length",), "length", "the number of tokens, at every position", covered)
        elif kind[0] == "same":
            self.name_selector(selector, "same_tok" if kind[1] == "tokens" else f"same_{self.label(kind[1])}")
            wanted = "hist" if kind[1] == "tokens" else f"hist_{self.label(kind[1])}"
            self.found(name, ("hist", kind[1]), wanted,
                       f"how many times each position's {self.noun(kind[1])} occurs in the sequence", covered)
        elif kind[0] == "smaller":
            self.name_selector(selector, "smaller")
            self.found(name, ("target_pos", kind[1]), "target_pos",
                       f"how many positions hold a smaller {self.noun(kind[1])} (its place in sorted order)",
                       covered)
        elif kind == ("prefix",):
            self.name_selector(selector, "prevs")
            self.found(name, ("position",), "position", "the position, counting from 1", covered)
        elif kind[0] == "where":
            condition = self.condition(kind[2], kind[3])
            suffix = _condition_suffix(condition)
            self.name_selector(selector, f"where_{suffix}")
            if kind[1] == "all":
                self.found(name, ("count", condition), f"count_{suffix}",
                           f"the number of positions where {condition}", covered)
            else:
                self.found(name, ("count_prevs", condition), f"count_{suffix}_so_far",
                           f"the number of positions up to here where {condition}", covered)

    def select_chain(self, selector: str) -> list[str]:
        line = self.run.line(selector)
        return [v for arg in line.args[:2] for v in self.run.chain(arg) if v not in self.kinds]

    def aggregate(self, name: str, selector: str, values: str) -> None:
        kind = self.selector_kind(selector)
        covered = [selector, *self.select_chain(selector)]
        noun = self.noun(values)
        numerical = self.run.types[name] is VarType.NUMERICAL
        if kind[0] == "shift":
            offset = kind[1]
            self.name_selector(selector, "prev" if offset == 1 else f"prev_{offset}")
            wanted = ("prev_tok" if values == "tokens" else f"prev_{self.label(values)}") if offset == 1 \
                else f"shift_{offset}"
            self.found(name, ("shift_by", offset, values), wanted,
                       f"the {noun} {offset} position{'s' if offset > 1 else ''} earlier (None at the first "
                       + (f"{offset} positions)" if offset > 1 else "position)"), covered)
        elif kind == ("flip",):
            self.name_selector(selector, "flip")
            self.found(name, ("reverse", values), "reverse", f"the {noun}s in reverse order", covered)
        elif kind in (("last",), ("first",)):
            self.name_selector(selector, f"is_{kind[0]}")
            self.found(name, (f"{kind[0]}_token", values), kind[0],
                       f"the {kind[0]} position's {noun}, at every position", covered)
        elif kind[0] == "scatter" and self.kinds.get(kind[1], ("",))[0] == "target_pos":
            key = self.kinds[kind[1]][1]
            self.name_selector(selector, "sel_new")
            key_kind = self.kinds.get(key, ("",))
            if key_kind[0] == "sort_key":
                by = self.noun(key_kind[1])
                self.found(name, ("sort", values, key_kind[1]), "sort",
                           f"the {noun}s sorted by {by}, ascending (ties in order of position)"
                           if by != noun else f"the {noun}s sorted ascending", covered)
            else:
                by = self.noun(key)
                self.found(name, ("sort_unique", values, key), "sort_unique" if key == values else "sort_by",
                           f"the {noun}s sorted ascending (assumes no repeated {noun})" if key == values
                           else f"the {noun}s sorted by {by}, ascending (assumes no repeated {by})", covered)
        elif numerical and kind in (("prefix",), ("all",)) and values in self.conditions:
            condition = self.conditions[values]
            if kind == ("prefix",):
                self.name_selector(selector, "prevs")
                self.found(name, ("frac_prevs", condition), "frac_prevs",
                           f"the fraction of positions up to here where {condition}", covered)
            else:
                self.name_selector(selector, "all_pairs")
                self.found(name, ("frac_all", condition), "frac",
                           f"the fraction of all positions where {condition}", covered)

    def elementwise(self, name: str) -> None:
        run = self.run
        line = run.line(name)
        self.formulas[name] = lambda_formula(line, [run.value_set(a) for a in line.variable_args])
        roots = run.roots(name)
        chain = [v for v in run.chain(name) if v not in self.kinds]
        if self.pattern_idioms(name, roots, chain):
            return
        formula = self.root_formula(name, roots)
        if formula is None:
            return
        if set(run.value_set(name)) <= {0, 1} and len(roots) == 1 and not formula.lstrip("-").isdigit():
            self.conditions[name] = formula
        derived = {"indices - 1": "prev_idx", "length - 1": "last_idx", "-indices + length - 1": "opp_idx",
                   "length - indices - 1": "opp_idx"}
        root_labels = tuple(self.label(r) for r in roots)
        plain_formula = formula if set(root_labels) <= {"indices", "length"} else None
        if plain_formula in derived:
            self.kinds[name] = ("formula", formula)
            self.claim(name, derived[plain_formula])
            self.phrases[name] = f"= {formula}"
        elif name in self.conditions:
            self.kinds[name] = ("formula", formula)
            self.claim(name, "is_" + _condition_suffix(formula))
            self.phrases[name] = f"1 where {formula}, else 0"
        elif re.fullmatch(r"-?\d+", formula):
            self.kinds[name] = ("formula", formula)
            self.claim(name, f"const_{formula.replace('-', 'minus_')}")
            self.phrases[name] = f"always {formula}"
        else:
            self.phrases[name] = f"= {formula}"

    def root_formula(self, name: str, roots: Sequence[str]) -> str | None:
        """The variable as a formula of its roots, on the values they take together (at most two roots)."""
        run = self.run
        if not 1 <= len(roots) <= 2:
            return None
        flat = lambda v: np.concatenate([a.reshape(-1) for a in run.values[v]])  # noqa: E731
        stacked = np.stack([flat(name), *(flat(r) for r in roots)], axis=1)
        stacked = np.unique(np.nan_to_num(stacked, nan=np.inf), axis=0)  # each combination once
        stacked[np.isinf(stacked)] = np.nan
        decoded = [[decode_value(c) for c in column] for column in stacked.T]
        return fit_formula(decoded[0], decoded[1:], [self.label(r) for r in roots])

    def pattern_idioms(self, name: str, roots: Sequence[str], chain: list[str]) -> bool:
        """Idioms that end in Maps/SequenceMaps: pair_balance, same_as_prev, is_unique, detect_pattern,
        sort keys, and the length/index formulas (reverse's `length - indices - 1`)."""
        run = self.run
        kinds = [self.kinds.get(r, ("",)) for r in roots]
        if len(roots) == 2 and all(k[0] in ("count_prevs", "frac_prevs") for k in kinds):
            a, b = roots
            if run.equals(name, lambda g: run.values[a][g] - run.values[b][g]):
                self.found(name, ("pair_balance", a, b), "balance" if kinds[0][0] == "count_prevs"
                           else "pair_balance",
                           f"{self.label(a)} - {self.label(b)}, a running balance", chain)
                return True
        if len(roots) == 2 and run.numeric(name) and set(run.value_set(name)) <= {0, 1}:
            shifted = [r for r, k in zip(roots, kinds) if k[0] == "shift_by" and k[1] == 1]
            if shifted:
                source = self.kinds[shifted[0]][2]
                other = [r for r in roots if r != shifted[0]][0]
                if other == source and run.equals(
                        name, lambda g: (run.values[other][g] == run.values[shifted[0]][g]).astype(float),
                        where=lambda g: ~np.isnan(run.values[shifted[0]][g])):
                    self.found(name, ("same_as_prev", source), "same_as_prev",
                               f"1 where the {self.noun(source)} equals the previous one, else 0", chain)
                    return True
        if len(roots) == 1 and kinds[0][0] == "hist" and set(run.value_set(name)) <= {0, 1}:
            hist = roots[0]
            if run.equals(name, lambda g: (run.values[hist][g] == 1).astype(float)):
                self.found(name, ("is_unique", kinds[0][1]), "is_unique",
                           f"1 where the {self.noun(kinds[0][1])} occurs only once, else 0", chain)
                return True
        if any(k[0] == "shift_by" for k in kinds) and set(run.value_set(name)) <= {0, 1}:
            if self.detect_pattern(name, roots, kinds, chain):
                return True
        line = run.line(name)
        if "indices" in roots and line.op is Op.SEQUENCE_MAP and "indices" in line.variable_args:
            key = [a for a in line.variable_args if a != "indices"]
            if key and self.is_sort_key(name, key[0]):
                self.found(name, ("sort_key", key[0]), "sort_key",
                           f"{self.noun(key[0])} with ties broken by position (a sort key)", chain)
                return True
        return False

    def detect_pattern(self, name: str, roots: Sequence[str], kinds: list[tuple], chain: list[str]) -> bool:
        """1 where the last m tokens are a fixed pattern; the pattern is found by trying each one."""
        run = self.run
        sources = {k[2] for k in kinds if k[0] == "shift_by"}
        source = "tokens"
        for s in sources:  # the shifted thing is tokens or a Map of tokens
            if s != "tokens" and run.roots(s) != ("tokens",):
                return False
        width = 1 + max(k[1] for k in kinds if k[0] == "shift_by")
        vocab = run.value_set("tokens")
        if len(vocab) ** width > 4096:
            return False
        tokens = run.values["tokens"]
        for pattern in itertools.product(vocab, repeat=width):
            codes = [encode_value(v) for v in pattern]

            def expected(g: int) -> np.ndarray:
                t = tokens[g]
                hit = np.ones(t.shape, dtype=bool)
                for back, code in enumerate(reversed(codes)):
                    shifted = np.full(t.shape, np.nan)
                    shifted[:, back:] = t[:, :t.shape[1] - back]
                    hit &= shifted == code
                return hit.astype(float)

            if run.equals(name, expected, where=lambda g: np.arange(tokens[g].shape[1]) >= width - 1):
                shown = ", ".join(_value_text(v) for v in pattern)
                self.found(name, ("detect_pattern", pattern), "pattern",
                           f"1 where the last {width} {self.noun(source)}s are {shown}, else 0 "
                           f"(from position {width})", chain)
                return True
        return False

    def is_sort_key(self, name: str, key: str) -> bool:
        """Within each sequence the variable orders positions as (key, position) does, ties none."""
        run = self.run
        if not (run.numeric(name) and run.numeric(key)):
            return False
        for g, values in enumerate(run.values[name]):
            keys = run.values[key][g]
            n = values.shape[1]
            if n < 2:
                continue
            key_order = np.sign(keys[:, :, None] - keys[:, None, :])
            position_order = np.sign(np.arange(n)[:, None] - np.arange(n)[None, :])
            expected = np.where(key_order != 0, key_order, position_order[None])
            if not np.array_equal(np.sign(values[:, :, None] - values[:, None, :]), expected):
                return False
        return not run.equals(name, lambda g: run.values[key][g])  # a plain copy of the key is no sort key


def _describe(matcher: _Matcher, program: Program) -> str:
    """What the output computes, followed by what each name it mentions holds."""
    output = program.output
    main = matcher.phrases.get(output)
    label = matcher.label(output)
    if main is None:
        formula = None
        if matcher.run.is_elementwise(output):
            formula = matcher.root_formula(output, matcher.run.roots(output))
        main = f"= {formula}" if formula else "no known idiom; see the lines"
    text = f"{label} {main}" if main.startswith("= ") else f"{label}: {main}"
    mentioned = []
    frontier = [output]
    seen = set()
    while frontier:
        name = frontier.pop()
        if name in seen or name in INPUTS:
            continue
        seen.add(name)
        line = program.line_of(name)
        frontier += list(line.variable_args)
        if name != output and name in matcher.phrases and matcher.label(name) in text + " ".join(mentioned):
            mentioned.append(f"{matcher.label(name)}: {matcher.phrases[name]}")
    return "; ".join([text, *mentioned[::-1]]) if mentioned else text


def example_inputs(config: CompileConfig, count: int = 4) -> list[tuple]:
    """A few inputs a person can follow: the vocabulary in order, reversed, with repeats, and a seeded
    random one of a shorter length (each at most max_seq_len long)."""
    vocab = sort_values(config.vocab)
    n = config.max_seq_len
    ordered = tuple(vocab[i % len(vocab)] for i in range(n))
    rng = np.random.default_rng(1)
    repeats = tuple(vocab[int(i)] for i in rng.integers(0, min(2, len(vocab)) + 1, size=n) % len(vocab))
    shuffled = tuple(vocab[int(i)] for i in rng.integers(0, len(vocab), size=max(1, n - 1)))
    candidates = [tuple(reversed(ordered)), repeats, ordered, shuffled]
    unique = list(dict.fromkeys(candidates))
    return unique[:count]


def run_examples(program: Program, inputs: Sequence[tuple], causal: bool = False) -> list[Example]:
    types = program.types()
    examples = []
    for tokens in inputs:
        evaluation = evaluate_batch(program, np.array([[encode_value(v) for v in tokens]]), types, causal)
        output = tuple(decode_value(v) for v in evaluation.output(program)[0])
        examples.append(Example(tuple(tokens), output))
    return examples


def read_program(program: Program, config: CompileConfig = CompileConfig(),
                 examples: Sequence[tuple] | None = None) -> ProgramReading:
    """Names, formulas, idioms, a description and examples for a program compiled with `config`."""
    matcher = _Matcher(program, config)
    for index in range(len(program.lines)):
        matcher.visit(variable_name(index))
    for index, line in enumerate(program.lines):  # unnamed variables keep their v-names
        name = variable_name(index)
        if name not in matcher.names:
            matcher.names[name] = name
    inputs = list(examples) if examples is not None else example_inputs(config)
    value_sets = {name: matcher.run.value_set(name) for name, kind in matcher.run.types.items()
                  if kind is not VarType.SELECTOR}
    return ProgramReading(program=program, names=dict(matcher.names), formulas=dict(matcher.formulas),
                          idioms=list(matcher.idioms), phrases=dict(matcher.phrases),
                          description=_describe(matcher, program),
                          examples=run_examples(program, inputs, config.causal),
                          inputs_checked=matcher.run.count, exhaustive=matcher.run.exhaustive,
                          value_sets=value_sets)
