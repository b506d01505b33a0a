"""Which argument values a program's Maps and SequenceMaps can meet, without running every input.

Tracr's value sets give each variable's values alone, so a SequenceMap's table seems to need an output
for every pair of its inputs' values, yet many pairs occur at no position of any input (a length and an
index past it). Running every input decides which do, up to about a million inputs. This decides it for
any input space, as a superset:

- a position's rows (the values of every variable still to be read, at position i of a length-n input)
  are exact for position-wise lines (Map, SequenceMap): every token there, then each row's image;
- a SelectorWidth or Aggregate at a query row takes the other positions to hold any of their rows,
  independently of each other. Every real input is one such choice, so the widths and selected values
  found include every real one. A second SelectorWidth over the same keys and queries as one still held
  is counted beside it: each other position holds one key for both (a count of `a` and one of `b` never
  pass the length together).

So an argument combination absent from the result occurs at no position of any input; one present may
still be unreachable. A numerical Aggregate gives the mean of each (sum, count) its selected positions
may reach, where their values are whole numbers (else its sums would round otherwise than the
interpreter's). A mean of other values, or a categorical Aggregate that may average different values,
leaves its variable unknown, and every line that reads it too (None in the result).
"""

from __future__ import annotations

import numpy as np

from trade.program.interpret import apply_elementwise, encode_value, select
from trade.program.program import Op, Program, VarType, variable_name

ROW_LIMIT = 200_000  # rows at one position past which `reachable_arguments` stops (None for the rest)
_NONE = 2.0 ** 60  # None's stand-in where rows are compared (NaN equals nothing)


class _TooMany(Exception):
    """A position holds more than the row limit: the rest is not known."""


def reachable_arguments(program: Program, vocab, max_seq_len: int, causal: bool = False,
                        names: list[str] | None = None,
                        row_limit: int = ROW_LIMIT) -> dict[str, np.ndarray | None]:
    """For each Map or SequenceMap variable in `names` (default: all), the distinct argument tuples its
    line may meet at some position of some input ([count, arity], values encoded as in
    `trade.program.interpret`, NaN for None): a superset of the real ones; None where unknown."""
    types = program.types()
    wanted = set(names) if names is not None else {
        variable_name(i) for i, line in enumerate(program.lines) if line.op in (Op.MAP, Op.SEQUENCE_MAP)}
    last = _last_reads(program)
    codes = np.array([encode_value(v) for v in vocab], dtype=np.float64)
    columns = ["tokens", "indices"]
    rows = {(n, i): np.stack([codes, np.full(len(codes), float(i))], axis=1)
            for n in range(1, max_seq_len + 1) for i in range(n)}
    selectors: dict[str, tuple[str, str, str] | None] = {}
    widths: dict[str, tuple[str, str, str]] = {}  # each SelectorWidth's selector
    unknown: set[str] = set()
    found: dict[str, np.ndarray | None] = {}
    try:
        for index, line in enumerate(program.lines):
            name, args = variable_name(index), line.variable_args
            if line.op is Op.SELECT:
                selectors[name] = None if unknown & set(args) else (args[0], args[1], line.args[2])
                continue
            if line.op in (Op.MAP, Op.SEQUENCE_MAP) and not unknown & set(args):
                at = [columns.index(a) for a in args]
                if name in wanted:
                    found[name] = _distinct(np.concatenate([r[:, at] for r in rows.values()]))
                try:
                    grown = {k: apply_elementwise(line.lam.fn, *r[:, at].T) for k, r in rows.items()}
                except Exception:  # noqa: BLE001 - a lambda outside its domain (RASP would raise): unknown
                    grown = None
            elif line.op is Op.SELECTOR_WIDTH or (line.op is Op.AGGREGATE and args[1] not in unknown):
                partner = _partner(selectors.get(args[0]), widths, columns) \
                    if line.op is Op.SELECTOR_WIDTH else None
                if partner is not None:
                    grown = _widths_beside(partner, selectors[args[0]], columns, rows, causal)
                else:
                    step = _widths if line.op is Op.SELECTOR_WIDTH else \
                        _means if types[name] is VarType.NUMERICAL else _selected_values
                    grown = _selected(line, step, selectors.get(args[0]), columns, rows, causal)
                if line.op is Op.SELECTOR_WIDTH and selectors.get(args[0]) is not None:
                    widths[name] = selectors[args[0]]
            else:
                grown = None  # unknown arguments
            if grown is None:
                unknown.add(name)
                if name in wanted:
                    found.setdefault(name, None)  # its arguments may be known still, not its values
            else:
                rows = {k: _joined(r, grown[k], row_limit) for k, r in rows.items()}
                columns.append(name)
            keep = [c for c, column in enumerate(columns) if last.get(column, -1) > index]
            columns = [columns[c] for c in keep]
            rows = {k: _distinct(r[:, keep]) for k, r in rows.items()}
    except _TooMany:
        pass
    return {name: found.get(name) for name in sorted(wanted)}


def _last_reads(program: Program) -> dict[str, int]:
    """The last line that reads each variable; a Select's keys and queries are read where its selector is."""
    last: dict[str, int] = {}
    for index, line in enumerate(program.lines):
        for arg in line.variable_args:
            last[arg] = index
        if line.op in (Op.SELECTOR_WIDTH, Op.AGGREGATE):
            for arg in program.line_of(line.args[0]).variable_args:
                last[arg] = index
    return last


def _distinct(rows: np.ndarray) -> np.ndarray:
    """The distinct rows (None equal to None)."""
    if len(rows) < 2:
        return rows
    unique = np.unique(_marked(rows), axis=0)
    return np.where(unique == _NONE, np.nan, unique)


def _marked(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), _NONE, values)


def _unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a column (one None at most) and each entry's index among them."""
    unique, inverse = np.unique(_marked(values), return_inverse=True)
    return np.where(unique == _NONE, np.nan, unique), inverse.reshape(-1)


def _pairwise(predicate: str, keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """[query, key] whether the predicate selects each key value for each query value, as the
    interpreter decides it."""
    return select(predicate, keys[None, :], queries[None, :])[0]


def _self_selected(predicate: str, keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Per row, whether its query selects its own key."""
    pairs, inverse = np.unique(_marked(np.stack([keys, queries], axis=1)), axis=0, return_inverse=True)
    pairs = np.where(pairs == _NONE, np.nan, pairs)
    return select(predicate, pairs[:, :1], pairs[:, 1:])[:, 0, 0][inverse.reshape(-1)]


def _widths(predicate: str, at: np.ndarray, others: list[np.ndarray]) -> list[np.ndarray]:
    """Per row of a position ([key, query] columns), every width its query may count: itself as it
    selects itself, each other position that selects for every row it may hold, and any number of those
    that select for some."""
    forced = _self_selected(predicate, at[:, 0], at[:, 1]).astype(int)
    optional = np.zeros(len(at), dtype=int)
    queries, inverse = _unique(at[:, 1])
    for other in others:
        chosen = _pairwise(predicate, _unique(other[:, 0])[0], queries)
        must, can = chosen.all(axis=1)[inverse], chosen.any(axis=1)[inverse]
        forced += must
        optional += can & ~must
    return [np.arange(f, f + o + 1, dtype=np.float64) for f, o in zip(forced, optional)]


def _selected_values(predicate: str, at: np.ndarray, others: list[np.ndarray]) -> list[np.ndarray] | None:
    """Per row of a position ([key, query, value] columns), every value a categorical Aggregate may
    give: the value of the one position selected, or None where none may be. None (unknown) where two
    positions may be selected with values that differ, or None among them (a mean, or RASP's error), or
    with one value that is not whole, or whose sum a float64 does not hold (a string's code times 40): the
    interpreter's mean of it may round off it."""
    self_chosen = _self_selected(predicate, at[:, 0], at[:, 1])
    out = []
    queries, inverse = _unique(at[:, 1])
    per_query, selections = [], [_pairwise(predicate, other[:, 0], queries) for other in others]
    for q in range(len(queries)):
        may, must, values = 0, False, set()
        for other, selection in zip(others, selections):
            chosen = selection[q]
            if chosen.any():
                may += 1
                must |= bool(chosen.all())
                values |= {_NONE if np.isnan(v) else v for v in other[chosen, 2]}
        per_query.append((may, must, values))
    for row, chosen_self in enumerate(self_chosen):
        may, must, values = per_query[inverse[row]]
        if chosen_self:
            value = at[row, 2]
            may, must, values = may + 1, True, values | {_NONE if np.isnan(value) else value}
        if may > 1 and (len(values) > 1 or _NONE in values or not all(
                float(v).is_integer() and abs(v) * may < 2 ** 53 for v in values)):
            return None  # a mean of several values (or of 0.1s, which sum to 0.30000000000000004)
        given = sorted(values) + ([] if must else [_NONE])
        out.append(np.where(np.array(given) == _NONE, np.nan, np.array(given, dtype=np.float64)))
    return out


MEANS_LIMIT = 10_000  # (sum, count) pairs past which `_means` gives up


def _means(predicate: str, at: np.ndarray, others: list[np.ndarray]) -> list[np.ndarray] | None:
    """Per row of a position ([key, query, value] columns), every mean a numerical Aggregate may give
    (0 where nothing is selected): each (sum, count) the selected positions may reach, as each other
    position is selected or not and holds any of its values. Only whole values (Tracr's 0s and 1s, counts),
    whose sums are exact as the interpreter's: sum / count is then the very float it computes. None
    (unknown) for other values, a None among them, or too many sums."""
    def whole(values) -> bool:
        return all(not np.isnan(v) and float(v).is_integer() and abs(v) < 2 ** 40 for v in values)

    self_chosen = _self_selected(predicate, at[:, 0], at[:, 1])
    queries, inverse = _unique(at[:, 1])
    per_query, selections = [], [_pairwise(predicate, other[:, 0], queries) for other in others]
    for q in range(len(queries)):
        sums = {(0.0, 0)}
        for other, selection in zip(others, selections):
            chosen = selection[q]
            values = set(other[chosen, 2].tolist())
            if not whole(values):
                return None
            sums = {(total + v, count + 1) for total, count in sums for v in values} | \
                (sums if not chosen.all() else set())
            if len(sums) > MEANS_LIMIT:
                return None
        per_query.append(sums)
    out = []
    for row, chosen_self in enumerate(self_chosen):
        sums, value = per_query[inverse[row]], at[row, 2]
        if chosen_self:
            if not whole([value]):
                return None
            sums = {(total + value, count + 1) for total, count in sums}
        out.append(np.array(sorted({total / count if count else 0.0 for total, count in sums})))
    return out


def _selected(line, step, selector: tuple[str, str, str] | None, columns: list[str], rows: dict,
              causal: bool) -> dict | None:
    """Per position, per row, the values a SelectorWidth or Aggregate may give there (`step`; None:
    unknown). The other positions a query may select: those of its input's length, and only those at or
    before it in a causal model."""
    if selector is None:
        return None
    keys, queries, predicate = selector
    at = [columns.index(keys), columns.index(queries)] + \
        ([columns.index(line.args[1])] if line.op is Op.AGGREGATE else [])
    grown = {}
    for (n, i), r in rows.items():
        others = [rows[(n, j)][:, at] for j in range(n) if j != i and (j <= i or not causal)]
        grown[(n, i)] = step(predicate, r[:, at], others)
        if grown[(n, i)] is None:
            return None
    return grown


def _partner(selector: tuple[str, str, str] | None, widths: dict[str, tuple[str, str, str]],
             columns: list[str]) -> tuple[str, str] | None:
    """An earlier SelectorWidth still in the rows whose selector has the same keys and queries as this
    one's: (its variable, its predicate), else None."""
    if selector is None:
        return None
    for name, (keys, queries, predicate) in widths.items():
        if name in columns and (keys, queries) == selector[:2]:
            return name, predicate
    return None


def _widths_beside(partner: tuple[str, str], selector: tuple[str, str, str], columns: list[str],
                   rows: dict, causal: bool) -> dict:
    """Per position, per row, every width this SelectorWidth may count given the width its partner
    (`_partner`: same keys and queries) counted in that row: each other position holds one key, which
    both predicates read. Two counts of disjoint kinds then never pass the length together (more right
    turns than left ones, as many a as b), which counting each alone cannot tell."""
    keys, queries, predicate = selector
    first, first_predicate = partner
    at = [columns.index(keys), columns.index(queries), columns.index(first)]
    grown = {}
    for (n, i), r in rows.items():
        others = [_unique(rows[(n, j)][:, at[0]])[0] for j in range(n) if j != i and (j <= i or not causal)]
        sums: dict[float, set] = {}
        out = []
        own_first = _self_selected(first_predicate, r[:, at[0]], r[:, at[1]])
        own_second = _self_selected(predicate, r[:, at[0]], r[:, at[1]])
        for (_, query, counted), first_self, second_self in zip(r[:, at], own_first, own_second):
            marked = _NONE if np.isnan(query) else query
            if marked not in sums:
                pairs = {(0, 0)}
                for other in others:
                    chosen = np.stack([_pairwise(first_predicate, other, np.array([query]))[0],
                                       _pairwise(predicate, other, np.array([query]))[0]], axis=1)
                    steps = {(int(a), int(b)) for a, b in chosen}
                    pairs = {(a + da, b + db) for a, b in pairs for da, db in steps}
                sums[marked] = pairs
            out.append(np.array(sorted({float(b + second_self) for a, b in sums[marked]
                                        if a + first_self == counted}), dtype=np.float64))
        grown[(n, i)] = out
    return grown


def _joined(rows: np.ndarray, column: np.ndarray | list[np.ndarray], row_limit: int) -> np.ndarray:
    """The rows with their new column: one value per row, or each row once per value it may hold."""
    if isinstance(column, np.ndarray):
        return np.concatenate([rows, column.reshape(-1, 1)], axis=1)
    counts = np.array([len(c) for c in column])
    if counts.sum() > row_limit:
        raise _TooMany
    return np.concatenate([np.repeat(rows, counts, axis=0), np.concatenate(column)[:, None]], axis=1)


def unreached_outputs_zeroed(program: Program, vocab, max_seq_len: int,
                             causal: bool = False) -> Program | None:
    """The program with each numerical Map table's outputs for input values no input reaches
    (`reachable_arguments`) set to 0, where that changes it; else None. The function is the same on every
    input. Why: a compression loses the neurons of values no input takes (a width bounded by a window of
    three, kestrel `causal_cache_hit_rate`), and a lifted reading gives them whatever the compression left
    (a 6 among 0s and 1s), which Tracr's means of 0s and 1s do not compile."""
    import dataclasses

    from trade.program.interpret import decode_value
    from trade.program.lambdas import LambdaKind
    from trade.program.tables import map_table, map_token

    tables = {index: map_table(line.args[0]) for index, line in enumerate(program.lines)
              if line.op is Op.MAP and line.lam.kind is LambdaKind.MAP_CAT_NUM}
    tables = {index: table for index, table in tables.items() if table}
    if not tables:
        return None
    reached = reachable_arguments(program, vocab, max_seq_len, causal=causal,
                                  names=[variable_name(index) for index in tables])
    lines = list(program.lines)
    for index, table in tables.items():
        if reached[variable_name(index)] is None:
            continue
        seen = {decode_value(row[0]) for row in reached[variable_name(index)]}
        zeroed = {key: (value if key in seen else 0) for key, value in table.items()}
        if zeroed != table:
            line = lines[index]
            lines[index] = dataclasses.replace(line, args=(map_token(zeroed, line.lam.kind),) + line.args[1:])
    changed = Program(tuple(lines))
    return changed if changed != program else None
