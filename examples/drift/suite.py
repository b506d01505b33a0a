"""A drift suite: seeded random Tracr programs built from random tables, unlike TraDe's own generator.

Why: the fifteen older suites are hand-written, so every lambda in them is one a person thought of
(a parity, a threshold, `str.upper`). TraDe must read programs whose functions no library holds. Each
program here is drawn by a small generator in this file from `random.Random(seed)`, and its functions
are random tables:

- categorical Maps `lambda x, t=table: t[x]` with a random table from each value of the input to one of
  2 to 6 random outputs (strings or ints); numerical Maps with random tables of 0, 0.5, 1, 2, -1, and
  0/1 (or 0/0.5/1) flags as random tables;
- SequenceMaps with random tables over two categorical variables (at most 60 value pairs);
- Selects whose predicate is a random boolean table over (key, query) pairs `lambda k, q, t=table:
  t[(k, q)]`, or a standard comparison, over tokens, indices or earlier categorical variables, and
  sometimes `selector_and` / `selector_or` / `selector_not` of two predicates over the same keys and
  queries (the combinations Tracr folds into one Select);
- categorical Aggregates through pointer tables over the indices (each query index, or each value of a
  categorical query, matches at most one key index; where the pointer may point past the end the look-up
  is None there, and such a variable feeds only Maps, SequenceMaps and other look-ups' values),
  numerical Aggregates (means of 0/1 or 0/0.5/1 flags), SelectorWidths (categorical, sometimes
  numerical), numerical->categorical thresholds, LinearSequenceMaps of two numerical variables;
- vocabularies of 2 to 10 tokens: ints (negative and non-contiguous), a range of ints, single letters,
  words, bools; max_seq_len 2 to 8 with at most 50,000 inputs; causal=True for some; 1 to 12 lines, each
  operand the newest line or an earlier one (chains and branches).

Lines the output does not read are pruned, so a program is exactly what Tracr compiles. Value sets are
tracked as Tracr's basis inference computes them (a Map's is the image of its input's), so each table
covers every value Tracr evaluates it on.

`SEEDS` lists the seeds whose programs Tracr compiles faithfully in at most 6 layers, found by

    .venv/bin/python examples/drift/suite.py --search 0 70

(each seed's program compiled and compared with `rasp.evaluate`, as `examples/check_suites.py` does, on
every input when there are fewer than 10,000, else 2,000 sampled): seeds 0 to 69 give these 60; the 10
others were dropped, 4 for more than 6 layers (seeds 12, 19, 32, 47), 5 because Tracr's model disagrees
with `rasp.evaluate` (seeds 0, 25, 59, 60, 64) and 1 because Tracr cannot assemble it (seed 67: a
look-up moving 6 token values through a pointer over 4 indices, "could not broadcast input array from
shape (32,6) into shape (32,5)"; a categorical Aggregate's values must fit its head's key space).
Importing this file only draws the plans (pure Python, no compilation); each program's `build` makes
fresh expressions from its plan.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import sys

from tracr.rasp import rasp

from trade.suites import SuiteProgram

LETTERS = "abcdefghijklmnopqrstuvwxyz"
WORDS = ("ant", "bee", "cat", "dog", "elk", "fox", "gnu", "hen", "owl", "yak", "sun", "sky", "red", "moon",
         "tree", "blue")
STRING_OUTPUTS = ("a", "b", "c", "x", "y", "z", "lo", "hi", "no", "yes", "red", "tan", "up", "dn", "p", "q")
INT_OUTPUTS = tuple(range(-4, 13))
NUMERICAL_PALETTES = ((0, 1), (0, 1), (0, 1), (0, 0.5, 1), (-1, 0, 0.5, 1, 2), (0, 1, 2))
COMPARISONS = ("EQ", "NEQ", "LT", "LEQ", "GT", "GEQ", "TRUE")
MAX_INPUTS = 50_000
MAX_PAIRS = 60  # value pairs of a SequenceMap's table
MAX_LINES = 12


@dataclasses.dataclass(frozen=True)
class Predicate:
    """A Select's predicate: a comparison's name, or a table from (key, query) to bool."""

    comparison: str | None = None
    table: dict | None = None

    def make(self):
        if self.comparison is not None:
            return getattr(rasp.Comparison, self.comparison)
        return lambda k, q, t=self.table: t[(k, q)]

    @property
    def text(self) -> str:
        return self.comparison if self.comparison is not None else "table"


@dataclasses.dataclass(frozen=True)
class Selector:
    """Select(keys, queries, first), or `combine` (and, or, not) of it with `second`: one Select for
    Tracr, whose simplification folds the two predicates into one."""

    keys: str
    queries: str
    first: Predicate
    combine: str | None = None  # None, "and", "or", "not"
    second: Predicate | None = None
    pointer: bool = False  # each query selects at most one key (a look-up's selector)

    def make(self, made: dict) -> rasp.Selector:
        keys, queries = made[self.keys], made[self.queries]
        first = rasp.Select(keys, queries, self.first.make())
        if self.combine == "not":
            return rasp.selector_not(first)
        if self.combine in ("and", "or"):
            second = rasp.Select(keys, queries, self.second.make())
            return (rasp.selector_and if self.combine == "and" else rasp.selector_or)(first, second)
        return first

    @property
    def text(self) -> str:
        inner = f"{self.keys}, {self.queries}"
        if self.combine == "not":
            return f"not {self.first.text}({inner})"
        if self.combine:
            return f"{self.first.text} {self.combine} {self.second.text}({inner})"
        return f"{'pointer ' if self.pointer else ''}{self.first.text}({inner})"


@dataclasses.dataclass(frozen=True)
class Line:
    """One SOp of a plan. `op`: map, num_map, seq_map, width, num_width, lookup, mean, threshold, linear."""

    name: str
    op: str
    inputs: tuple[str, ...]  # names of earlier lines, "tokens" or "indices"
    table: dict | None = None  # Map / SequenceMap (keys: value pairs) / width-to-category table
    selector: Selector | None = None
    threshold: float | None = None
    labels: tuple | None = None  # threshold: (at or below, above)
    factors: tuple[float, float] | None = None  # linear


@dataclasses.dataclass(frozen=True)
class Plan:
    seed: int
    vocab: tuple
    vocab_kind: str
    max_seq_len: int
    causal: bool
    lines: tuple[Line, ...]


@dataclasses.dataclass
class _Var:
    """What the generator knows of a variable: its encoding and Tracr's value set."""

    name: str
    numerical: bool
    values: tuple
    nullable: bool = False  # None at some positions (a look-up that may select nothing)

    @property
    def value_type(self) -> str:
        types = {type(v).__name__ for v in self.values}
        return types.pop() if len(types) == 1 else "mixed"


def _ordered(values) -> tuple:
    """A value set in a fixed order (sets of strings iterate by hash, which changes per process)."""
    return tuple(sorted(set(values), key=lambda v: (type(v).__name__, v)))


def input_count(vocab_size: int, max_seq_len: int) -> int:
    return sum(vocab_size ** n for n in range(1, max_seq_len + 1))


def _vocab(rng: random.Random) -> tuple[tuple, str]:
    kind = rng.choice(("ints", "ints", "range", "letters", "letters", "words", "bools"))
    if kind == "bools":
        return (False, True), kind
    size = rng.randint(2, 10)
    if kind == "ints":
        return tuple(sorted(rng.sample(range(-6, 16), size))), kind
    if kind == "range":
        start = rng.choice((0, 0, 1, -2))
        return tuple(range(start, start + size)), kind
    if kind == "letters":
        return tuple(sorted(rng.sample(LETTERS, size))), kind
    return tuple(sorted(rng.sample(WORDS, size))), kind


def _outputs(rng: random.Random) -> tuple:
    """A random output set of 2 to 6 values, strings or ints."""
    size = rng.randint(2, 6)
    pool = STRING_OUTPUTS if rng.random() < 0.55 else INT_OUTPUTS
    return tuple(rng.sample(pool, size))


def _table(rng: random.Random, domain: tuple, outputs: tuple) -> dict:
    """A random function from `domain` into `outputs`, taking at least two values where it can."""
    table = {x: rng.choice(outputs) for x in domain}
    if len(domain) >= 2 and len(set(table.values())) == 1:
        first, second = rng.sample(outputs, 2)
        a, b = rng.sample(domain, 2)
        table[a], table[b] = first, second
    return table


class _Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.seed = seed

    def plan(self) -> Plan:
        """A program that reads the tokens (Tracr compiles no program without them): drawn again from the
        same generator until one does."""
        for _ in range(50):
            plan = self._draw()
            if any("tokens" in _reads(line) for line in plan.lines):
                return plan
        raise RuntimeError(f"seed {self.seed}: no program reads the tokens")

    def _draw(self) -> Plan:
        rng = self.rng
        vocab, vocab_kind = _vocab(rng)
        lengths = [n for n in range(2, 9) if input_count(len(vocab), n) <= MAX_INPUTS]
        max_seq_len = rng.choice(lengths)
        causal = rng.random() < 0.15
        self.max_seq_len = max_seq_len
        self.pool = [_Var("tokens", False, _ordered(vocab)),
                     _Var("indices", False, tuple(range(max_seq_len)))]
        self.unread: list[str] = []
        self.lines: list[Line] = []
        target = rng.choice((1, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12))
        attempts = 0
        while len(self.lines) < target and attempts < 200:
            attempts += 1
            room = target - len(self.lines)
            op = rng.choices(("map", "seq_map", "width", "lookup", "mean", "num_map", "threshold", "linear"),
                             weights=(22, 16, 15, 15, 14, 5, 6, 4))[0]
            if op in ("mean",) and room < 2 and not self._flags():
                continue
            getattr(self, f"_add_{op}")()
        if rng.random() < 0.7:
            self._merge_unread()
        lines = _pruned(self.lines)
        return Plan(self.seed, vocab, vocab_kind, max_seq_len, causal, lines)

    # --- operands ---------------------------------------------------------------------------------------

    def _pick(self, candidates: list[_Var]) -> _Var | None:
        """The newest candidate half the time (chains), else one not yet read, else any (branches)."""
        if not candidates:
            return None
        rng = self.rng
        newest = max(candidates, key=lambda v: self._age(v))
        roll = rng.random()
        if roll < 0.45:
            return newest
        unread = [v for v in candidates if v.name in self.unread]
        if unread and roll < 0.85:
            return rng.choice(unread)
        return rng.choice(candidates)

    def _age(self, var: _Var) -> int:
        return [v.name for v in self.pool].index(var.name)

    def _categorical(self, nullable_ok: bool = True) -> list[_Var]:
        return [v for v in self.pool
                if not v.numerical and (nullable_ok or not v.nullable) and len(v.values) >= 1]

    def _flags(self) -> list[_Var]:
        return [v for v in self.pool if v.numerical and not v.nullable and v.name.startswith("f")
                and {int(x) for x in v.values} <= {0, 1}]

    def _add(self, line: Line, var: _Var) -> _Var:
        for name in line.inputs:
            if name in self.unread:
                self.unread.remove(name)
        if line.selector is not None:
            for name in (line.selector.keys, line.selector.queries):
                if name in self.unread:
                    self.unread.remove(name)
        self.lines.append(line)
        self.pool.append(var)
        self.unread.append(var.name)
        return var

    def _name(self, prefix: str = "v") -> str:
        return f"{prefix}{len(self.lines) + 1}"

    def _merge_unread(self) -> None:
        """Joins lines nothing reads into the last one (a SequenceMap or a LinearSequenceMap), while the
        value pairs and the line count allow: branches that the output reads."""
        by_name = {v.name: v for v in self.pool}
        for name in list(self.unread[:-1]):
            if len(self.lines) >= MAX_LINES or not self.unread:
                return
            other, last = by_name[name], by_name[self.unread[-1]]
            if other.name == last.name:
                continue
            new = self._name("n" if last.numerical else "v")
            if other.numerical and last.numerical:
                factors = (self.rng.choice((1, -1, 2, 0.5)), self.rng.choice((1, -1, 0.5)))
                values = _ordered(factors[0] * a + factors[1] * b for a in other.values for b in last.values)
                self._add(Line(new, "linear", (other.name, last.name), factors=factors),
                          _Var(new, True, values))
            elif (not other.numerical and not last.numerical
                  and len(other.values) * len(last.values) <= MAX_PAIRS):
                pairs = tuple((a, b) for a in other.values for b in last.values)
                table = _table(self.rng, pairs, _outputs(self.rng))
                self._add(Line(new, "seq_map", (other.name, last.name), table=table),
                          _Var(new, False, _ordered(table.values()), other.nullable or last.nullable))
            by_name = {v.name: v for v in self.pool}

    # --- selectors --------------------------------------------------------------------------------------

    def _selector(self) -> Selector:
        rng = self.rng
        candidates = self._categorical(nullable_ok=False)
        keys = self._pick(candidates) if rng.random() < 0.7 else rng.choice(candidates)
        queries = keys if rng.random() < 0.4 else self._pick(candidates)
        first = self._predicate(keys, queries)
        roll = rng.random()
        if roll < 0.12:
            return Selector(keys.name, queries.name, first, "not")
        if roll < 0.3:
            return Selector(keys.name, queries.name, first, rng.choice(("and", "or")),
                            self._predicate(keys, queries))
        return Selector(keys.name, queries.name, first)

    def _predicate(self, keys: _Var, queries: _Var) -> Predicate:
        rng = self.rng
        comparable = keys.value_type == queries.value_type and keys.value_type in ("int", "str", "bool")
        if comparable and rng.random() < 0.35:
            return Predicate(comparison=rng.choice(COMPARISONS))
        density = rng.choice((0.2, 0.35, 0.5, 0.65, 0.8))
        table = {(k, q): rng.random() < density for k in keys.values for q in queries.values}
        if len(table) >= 2 and len(set(table.values())) == 1:
            table[rng.choice(list(table))] = not next(iter(table.values()))
        return Predicate(table=table)

    def _pointer(self) -> tuple[Selector, bool]:
        """A selector over key indices that selects at most one position per query; and whether it may
        select none (a pointer past the end, or past the query under causal=True)."""
        rng = self.rng
        n = self.max_seq_len
        roll = rng.random()
        if roll < 0.55:  # queries the indices: each query index points at one index at or before it
            reach_ahead = rng.random() < 0.25
            pointer = {q: rng.randint(0, n - 1) if reach_ahead else rng.randint(0, q) for q in range(n)}
            queries = "indices"
            may_miss = any(k > q for q, k in pointer.items())
        else:  # queries a categorical variable: each of its values points at one index
            candidates = [v for v in self._categorical(nullable_ok=False) if v.name != "indices"]
            var = self._pick(candidates)
            near = rng.random() < 0.5
            pointer = {q: rng.randint(0, 1 if near else n - 1) for q in var.values}
            queries = var.name
            may_miss = any(k > 0 for k in pointer.values())
        table = {(k, q): k == pointer[q] for k in range(n) for q in pointer}
        selector = Selector("indices", queries, Predicate(table=table), pointer=True)
        if rng.random() < 0.2:  # and-ed with a random table: still at most one, now maybe none
            keys_var = next(v for v in self.pool if v.name == "indices")
            queries_var = next(v for v in self.pool if v.name == queries)
            selector = Selector("indices", queries, Predicate(table=table), "and",
                                self._predicate(keys_var, queries_var), pointer=True)
            may_miss = True
        return selector, may_miss

    # --- lines ------------------------------------------------------------------------------------------

    def _add_map(self) -> None:
        source = self._pick([v for v in self._categorical() if len(v.values) >= 2])
        table = _table(self.rng, source.values, _outputs(self.rng))
        name = self._name()
        self._add(Line(name, "map", (source.name,), table=table),
                  _Var(name, False, _ordered(table.values()), source.nullable))

    def _add_seq_map(self) -> None:
        rng = self.rng
        candidates = [v for v in self._categorical() if len(v.values) >= 2]
        first = self._pick(candidates)
        others = [v for v in candidates
                  if v.name != first.name and len(v.values) * len(first.values) <= MAX_PAIRS]
        if not others:
            return
        second = self._pick(others)
        if rng.random() < 0.5:
            first, second = second, first
        pairs = tuple((a, b) for a in first.values for b in second.values)
        outputs = _outputs(rng)
        table = _table(rng, pairs, outputs)
        name = self._name()
        self._add(Line(name, "seq_map", (first.name, second.name), table=table),
                  _Var(name, False, _ordered(table.values()), first.nullable or second.nullable))

    def _add_width(self) -> None:
        selector = self._selector()
        numerical = self.rng.random() < 0.12
        name = self._name("n" if numerical else "v")
        self._add(Line(name, "num_width" if numerical else "width", (), selector=selector),
                  _Var(name, numerical, tuple(range(self.max_seq_len + 1))))

    def _add_lookup(self) -> None:
        selector, may_miss = self._pointer()
        source = self._pick(self._categorical())
        name = self._name()
        self._add(Line(name, "lookup", (source.name,), selector=selector),
                  _Var(name, False, source.values, source.nullable or may_miss))

    def _add_num_map(self, flag: bool = False) -> _Var:
        rng = self.rng
        source = self._pick([v for v in self._categorical(nullable_ok=False) if len(v.values) >= 2])
        palette = rng.choice(NUMERICAL_PALETTES[:4] if flag else NUMERICAL_PALETTES)
        table = _table(rng, source.values, palette)
        is_flag = {int(x) for x in table.values()} <= {0, 1}
        name = self._name("f" if is_flag else "n")
        return self._add(Line(name, "num_map", (source.name,), table=table),
                         _Var(name, True, _ordered(table.values())))

    def _add_mean(self) -> None:
        rng = self.rng
        flags = self._flags()
        flag = self._pick(flags) if flags and rng.random() < 0.5 else self._add_num_map(flag=True)
        selector = self._selector()
        name = self._name("n")
        values = _ordered(v / n for v in flag.values for n in range(1, self.max_seq_len + 1))
        self._add(Line(name, "mean", (flag.name,), selector=selector), _Var(name, True, values))

    def _add_threshold(self) -> None:
        rng = self.rng
        numerical = [v for v in self.pool if v.numerical]
        if not numerical:
            return
        source = self._pick(numerical)
        name = self._name()
        if all(isinstance(v, int) for v in source.values) and rng.random() < 0.6:  # a numerical width
            table = _table(rng, source.values, _outputs(rng))
            self._add(Line(name, "threshold", (source.name,), table=table),
                      _Var(name, False, _ordered(table.values())))
            return
        threshold = rng.choice((0, 0, 0, 0.5, 0.25))
        labels = tuple(rng.sample(_outputs(rng), 2)) if rng.random() < 0.6 else (False, True)
        image = _ordered(labels[1] if v > threshold else labels[0] for v in source.values)
        self._add(Line(name, "threshold", (source.name,), threshold=threshold, labels=labels),
                  _Var(name, False, image))

    def _add_linear(self) -> None:
        rng = self.rng
        numerical = [v for v in self.pool if v.numerical]
        if len(numerical) < 2:
            return
        first = self._pick(numerical)
        second = self._pick([v for v in numerical if v.name != first.name])
        factors = (rng.choice((1, 1, -1, 2, 0.5)), rng.choice((1, -1, -1, 2, 0.5)))
        values = _ordered(factors[0] * a + factors[1] * b for a in first.values for b in second.values)
        name = self._name("n")
        self._add(Line(name, "linear", (first.name, second.name), factors=factors), _Var(name, True, values))


def _reads(line: Line) -> tuple[str, ...]:
    selector = (line.selector.keys, line.selector.queries) if line.selector else ()
    return line.inputs + selector


def _pruned(lines: list[Line]) -> tuple[Line, ...]:
    """The lines the last one reads, directly or not (Tracr compiles only those)."""
    if not lines:
        return ()
    by_name = {line.name: line for line in lines}
    needed, stack = set(), [lines[-1].name]
    while stack:
        name = stack.pop()
        if name in needed or name not in by_name:
            continue
        needed.add(name)
        stack.extend(_reads(by_name[name]))
    return tuple(line for line in lines if line.name in needed)


def plan_for(seed: int) -> Plan:
    """The seed's program: a fresh generator each time, so a plan depends on its seed only."""
    return _Generator(seed).plan()


# --- building -----------------------------------------------------------------------------------------


def _threshold(x, c, labels):
    return labels[1] if x > c else labels[0]


def _make(line: Line, made: dict) -> rasp.SOp:
    args = [made[name] for name in line.inputs]
    if line.op == "map":
        return rasp.categorical(rasp.Map(lambda x, t=line.table: t[x], args[0], simplify=False))
    if line.op == "num_map":
        return rasp.numerical(rasp.Map(lambda x, t=line.table: t[x], args[0], simplify=False))
    if line.op == "seq_map":
        return rasp.categorical(rasp.SequenceMap(lambda x, y, t=line.table: t[(x, y)], args[0], args[1]))
    if line.op == "width":
        return rasp.categorical(rasp.SelectorWidth(line.selector.make(made)))
    if line.op == "num_width":
        return rasp.numerical(rasp.SelectorWidth(line.selector.make(made)))
    if line.op == "lookup":
        return rasp.categorical(rasp.Aggregate(line.selector.make(made), args[0]))
    if line.op == "mean":
        return rasp.numerical(rasp.Aggregate(line.selector.make(made), args[0], default=0))
    if line.op == "threshold":
        if line.table is not None:
            return rasp.categorical(rasp.Map(lambda x, t=line.table: t[round(x)], args[0], simplify=False))
        return rasp.categorical(rasp.Map(functools.partial(_threshold, c=line.threshold, labels=line.labels),
                                         args[0], simplify=False))
    if line.op == "linear":
        return rasp.numerical(rasp.LinearSequenceMap(args[0], args[1], *line.factors))
    raise ValueError(f"unknown op {line.op}")


def build(plan: Plan) -> rasp.SOp:
    """Fresh Tracr expressions for a plan, named by line (v1, f2, n3, ...)."""
    made: dict = {"tokens": rasp.tokens, "indices": rasp.indices}
    for line in plan.lines:
        made[line.name] = _make(line, made).named(line.name)
    return made[plan.lines[-1].name]


# --- names and descriptions ---------------------------------------------------------------------------

_OP_WORDS = {"map": "table_map", "seq_map": "pair_table", "width": "width", "num_width": "width",
             "lookup": "lookup", "mean": "mean", "num_map": "flag", "threshold": "threshold",
             "linear": "linear"}


def _shape(plan: Plan) -> str:
    """'chain' when every line reads the one before it (and nothing else but inputs), else 'branches'."""
    names = [line.name for line in plan.lines]
    for before, line in zip(names, plan.lines[1:]):
        reads = set(_reads(line)) - {"tokens", "indices"}
        if reads != {before}:
            return "branches"
    return "chain"


def _vocab_text(plan: Plan) -> str:
    values = ", ".join(repr(v) for v in plan.vocab) if len(plan.vocab) <= 5 else (
        f"{plan.vocab[0]!r} .. {plan.vocab[-1]!r}")
    return f"{plan.vocab_kind} {{{values}}} ({len(plan.vocab)})"


def name_of(number: int, plan: Plan) -> str:
    words: list[str] = []
    if any(line.selector is not None and line.selector.first.table is not None and not line.selector.pointer
           for line in plan.lines):
        words.append("table_select")
    for line in reversed(plan.lines):
        word = _OP_WORDS[line.op]
        if word not in words:
            words.append(word)
    tail = [_shape(plan)] + (["causal"] if plan.causal else [])
    return "_".join([f"drift_{number:02d}", *words[:3], *tail])


def description_of(plan: Plan) -> str:
    ops = []
    for line in plan.lines:
        text = line.op
        if line.selector is not None:
            text += f" [{line.selector.text}]"
        ops.append(text)
    causal = ", causal" if plan.causal else ""
    return (f"seed {plan.seed}: {_vocab_text(plan)} at max_seq_len {plan.max_seq_len}{causal}; "
            f"{len(plan.lines)} line{'s' if len(plan.lines) > 1 else ''}, {_shape(plan)}: " + "; ".join(ops))


def program_for(number: int, seed: int) -> SuiteProgram:
    plan = plan_for(seed)
    return SuiteProgram(name_of(number, plan), description_of(plan), functools.partial(build, plan),
                        plan.vocab, plan.max_seq_len, causal=plan.causal)


# Seeds whose programs Tracr compiles faithfully in at most 6 layers (`--search`, see the docstring).
SEEDS: tuple[int, ...] = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24, 26, 27, 28, 29, 30, 31,
    33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 61,
    62, 63, 65, 66, 68, 69,
)

PROGRAMS = [program_for(number, seed) for number, seed in enumerate(SEEDS, start=1)]


def _search(first: int, last: int, max_layers: int = 6) -> None:
    """Compiles the programs of seeds first..last-1 and prints those Tracr compiles faithfully."""
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import check_suites

    check_suites.ENUMERATE_BELOW = 10_000
    check_suites.SAMPLES = 2_000
    kept = []
    for seed in range(first, last):
        program = program_for(len(kept) + 1, seed)
        try:
            result = check_suites.check(program)
        except Exception as caught:  # noqa: BLE001 (Tracr cannot compile it, or RASP cannot evaluate it)
            print(f"seed {seed}: rejected, {type(caught).__name__}: {' '.join(str(caught).split())[:120]}",
                  flush=True)
            continue
        if not result["agrees"]:
            print(f"seed {seed}: rejected, {result['mismatches']} of {result['positions']} positions wrong "
                  f"({program.name})", flush=True)
            continue
        if result["layers"] > max_layers:
            print(f"seed {seed}: rejected, {result['layers']} layers", flush=True)
            continue
        kept.append(seed)
        print(f"seed {seed}: kept {program.name} ({result['lines']} nodes, {result['layers']} layers, "
              f"d_model {result['d_model']}, {result['inputs']} inputs, {result['seconds']:.1f} s)",
              flush=True)
    print(f"SEEDS = {tuple(kept)}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--search":
        _search(int(sys.argv[2]), int(sys.argv[3]))
    else:
        print("usage: suite.py --search FIRST LAST")
